"""Seal and send: check the form, confirm with a summary, then seal on a worker with the identity of that moment.

The summary says what goes in, who can open it, where it goes and whether the local copy stays. A seal is never
interrupted: the job holds the session busy, so a lock requested meanwhile waits for it; and a lock that comes
while the confirmation is open closes it, so a seal never starts without its identity. Once sealed, the window
says so calmly ("Sealed and sent to NAME", with New incident) rather than showing a greyed, emptied form.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from app.flows.incident import sent_to_text
from evidence.case import policy
from evidence.case.incident import Status
from ui.sealed_page import WAITING_TEXT, SealedSummary

if TYPE_CHECKING:
    from app.flows.incident import IncidentFlow, StaffViews
    from app.lock import LockCoordinator
    from app.workspace import Workspace
    from evidence.bundle import seal as sealing
    from evidence.case.profile import Profile

log = logging.getLogger(__name__)


def items_text(count: int) -> str:
    """``1 item``, ``2 items``."""
    return "1 item" if count == 1 else f"{count} items"


def problems_text(count: int) -> str:
    """The line beside the Seal button when answers are missing (no "thing(s)")."""
    if count == 1:
        return "One answer is missing or needs a change: see the red text above."
    return f"{count} answers are missing or need a change: see the red text above."


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
        self._sealing: dict[str, tuple[str, int]] = {}  # ref → (title, items removed), while its seal runs

    def seal(self) -> None:
        """Check the form, then ask to confirm with a summary (unlocking first if needed, then carrying on)."""
        from evidence.bundle import seal as sealing  # imported when first used: not needed to start

        ref = self.incidents.current_ref
        if ref is None or self.confirm_box is not None:
            return
        if self.lock.locked:
            self.lock.unlock(self.views.feedback, then=self.seal)
            return
        if not self.incidents.save_details():
            return
        window, form = self.views.window, self.views.form
        details = form.details()
        if not details.title and form.isEnabled():
            titled = dataclasses.replace(details, title=policy.suggested_title(details))
            if titled.title:
                form.set_details(titled)
                self.incidents.save_details()
                details = titled
        rows = self.incidents.vault.items(ref)
        carried = [r for r in rows if not r.excluded]
        problems = policy.validate(details, item_count=len(carried))
        if not form.show_problems(problems):
            window.tabs.setCurrentIndex(0)
            window.problems.setText(problems_text(len(problems)))
            return
        window.problems.setText("")
        drop = self.workspace.drop_folder()
        profile = self.profile
        reviewers = ", ".join(f"{r.name} <{r.principal}>" for r in profile.reviewers)
        kept = sealing.local_copy_rule(profile) is sealing.LocalCopy.KEPT
        keep = "kept on this computer" if kept else "deleted from this computer once a reviewer has opened it"
        left_out = len(rows) - len(carried)
        what = "this note for the DSL" if details.safeguarding_block else f"“{details.title}”"
        if details.safeguarding_block:
            goes_in = "No image goes in: it is a note in words."
        else:
            goes_in = f"{items_text(len(carried)).capitalize()} {'goes' if len(carried) == 1 else 'go'} in."
        if left_out:
            are = "is" if left_out == 1 else "are"
            goes_in += f" {items_text(left_out).capitalize()} left out {are} listed by fingerprint, with the reason."
        text = (
            f"Seal {what} ({ref})?\n\n"
            f"• {goes_in}\n• Only these reviewers can open it: {reviewers}.\n• It goes to: {drop}\n"
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
        box.button(QMessageBox.StandardButton.Yes).setText("Seal and send")
        box.button(QMessageBox.StandardButton.No).setText("Not yet")
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        self.confirm_box = box
        box.finished.connect(lambda _result: self._answered(box, ref, drop))
        self.lock.own(box)

    def _answered(self, box: QMessageBox, ref: str, drop: Path) -> None:
        from evidence.bundle import seal as sealing

        self.confirm_box = None
        if box.clickedButton() is not box.button(QMessageBox.StandardButton.Yes):
            return
        identity = self.lock.identity
        if identity is None:  # the lock closes the box first; this is the rule, not a path we expect
            return
        profile, workspace = self.profile, self.workspace
        rows = self.incidents.vault.items(ref)
        removed = sum(1 for r in rows if r.excluded and r.shredded)
        self._sealing[ref] = (self.views.form.details().title, removed)  # the local copy may be gone afterwards
        busy = self.lock.session.hold()
        self.views.window.seal_action.setEnabled(False)
        self.views.feedback.status("Sealing… the app stays usable meanwhile.")
        log.info("sealing %s", ref)

        def job() -> sealing.SealResult:  # the keep-or-shred rule is the core's, shared with the command line
            with workspace.open_vault() as vault:
                return sealing.seal_and_settle(vault, ref, identity, profile, drop)

        self.lock.run(job, self._sealed, self._seal_failed, busy=busy)

    def _sealed(self, result: sealing.SealResult) -> None:
        from evidence.bundle import seal as sealing

        log.info("sealed %s: %d item(s), sha256 %s", result.ref, result.item_count, result.sha256)
        self.incidents.refresh()
        self.incidents.open_incident(result.ref)
        title, removed = self._sealing.pop(result.ref, ("", 0))
        summary = SealedSummary(
            ref=result.ref,
            title=title,
            sent_to=sent_to_text(self.incidents.reviewer_names()),
            item_count=result.item_count,
            where=str(result.path),
            sha256=result.sha256,
            local_copy_kept=self.incidents.vault.incident(result.ref).status is Status.SEALED,
            removed_for_safeguarding=removed,
            delivery=WAITING_TEXT,
            awaiting_receipt=result.local_copy is sealing.LocalCopy.AWAITING_RECEIPT,
        )
        self.views.window.show_sealed(summary)
        self.views.feedback.status(f"Sealed and sent to {summary.sent_to}.", 10000)

    def _seal_failed(self, message: str) -> None:
        self.views.window.seal_action.setEnabled(True)
        self.views.feedback.error("Not sealed", f"{message}\n\nNothing was sent; your draft is unchanged.")
