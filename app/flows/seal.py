"""Seal and send: check the form, confirm with a summary, then seal on a worker with the identity of that moment.

The summary says what goes in, who can open it, where it goes and whether the local copy stays. A seal is never
interrupted: the job holds the session busy, so a lock requested meanwhile waits for it; and a lock that comes
while the confirmation is open closes it, so a seal never starts without its identity.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from evidence.bundle import seal as sealing
from evidence.case import policy

if TYPE_CHECKING:
    from app.flows.incident import IncidentFlow, StaffViews
    from app.lock import LockCoordinator
    from app.workspace import Workspace
    from evidence.case.profile import Profile

log = logging.getLogger(__name__)


class SealFlow(QObject):
    """The Seal and send button.

    Attributes:
        confirm_box: the open confirmation, or None.
    """

    def __init__(
        self,
        workspace: Workspace,
        profile: Profile,
        lock: LockCoordinator,
        incidents: IncidentFlow,
        views: StaffViews,
        parent: QObject | None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.profile = profile
        self.lock = lock
        self.incidents = incidents
        self.views = views
        self.confirm_box: QMessageBox | None = None

    def seal(self) -> None:
        """Check the form, then ask to confirm with a summary (unlocking first if needed)."""
        ref = self.incidents.current_ref
        if ref is None:
            return
        if self.lock.locked:
            self.lock.unlock(self.views.feedback)
            return
        if not self.incidents.save_details():
            return
        window, form = self.views.window, self.views.form
        details = form.details()
        rows = self.incidents.vault.items(ref)
        carried = [r for r in rows if not r.excluded]
        problems = policy.validate(details, item_count=len(carried))
        if not form.show_problems(problems):
            window.tabs.setCurrentIndex(0)
            window.problems.setText(f"Please fix the {len(problems)} thing(s) marked in red before sealing.")
            return
        window.problems.setText("")
        drop = self.workspace.drop_folder()
        profile = self.profile
        reviewers = ", ".join(f"{r.name} <{r.principal}>" for r in profile.reviewers)
        kept = sealing.local_copy_rule(profile) is sealing.LocalCopy.KEPT
        keep = "kept on this computer" if kept else "deleted from this computer"
        text = (
            f"Seal “{details.title}” ({ref})?\n\n"
            f"• {len(carried)} item(s) go in; {len(rows) - len(carried)} excluded item(s) are listed with their "
            f"reasons.\n• Only these reviewers can open it: {reviewers}.\n• It goes to: {drop}\n"
            f"• After sealing, the local copy is {keep}, and the incident can no longer be changed here "
            "(reviewers add their actions to the sealed bundle)."
        )
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Seal and send",
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            window,
        )
        box.setObjectName("seal_confirm")
        self.confirm_box = box
        box.finished.connect(lambda _result: self._answered(box, ref, drop))
        self.lock.own(box)

    def _answered(self, box: QMessageBox, ref: str, drop: Path) -> None:
        self.confirm_box = None
        if box.clickedButton() is not box.button(QMessageBox.StandardButton.Yes):
            return
        identity = self.lock.identity
        if identity is None:  # the lock closes the box first; this is the rule, not a path we expect
            return
        profile, workspace = self.profile, self.workspace
        busy = self.lock.session.hold()
        self.views.window.seal_button.setEnabled(False)
        self.views.feedback.status("Sealing… the app stays usable meanwhile.")
        log.info("sealing %s", ref)

        def job() -> sealing.SealResult:  # the keep-or-shred rule is the core's, shared with the command line
            with workspace.open_vault() as vault:
                return sealing.seal_and_settle(vault, ref, identity, profile, drop)

        self.lock.run(job, self._sealed, self._seal_failed, busy=busy)

    def _sealed(self, result: sealing.SealResult) -> None:
        log.info("sealed %s: %d item(s), sha256 %s", result.ref, result.item_count, result.sha256)
        self.views.feedback.status("")
        self.incidents.refresh()
        self.incidents.open_incident(result.ref)
        self.views.feedback.info(
            "Sealed",
            f"{result.ref} is sealed with {result.item_count} item(s).\n\nSaved as:\n{result.path}\n\n"
            f"Its fingerprint (SHA-256):\n{result.sha256}",
        )

    def _seal_failed(self, message: str) -> None:
        self.views.window.seal_button.setEnabled(True)
        self.views.feedback.error("Not sealed", f"{message}\n\nNothing was sent; your draft is unchanged.")
