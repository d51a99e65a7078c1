"""The staff window's incidents: list them, open one, save its details, exclude and caption items, view them.

Details are encrypted with public keys only, so typing and saving them needs no unlock; reading them back does.
What was typed since the last lock stays editable while locked (``_typed``), and locking saves typed details
first: a lock never loses what someone wrote. Decrypted images reach the views only while unlocked, in memory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication

from app.lock import run_every
from evidence.case.incident import Category, IncidentDetails, Status
from evidence.core.errors import EvidenceError

if TYPE_CHECKING:
    from app.feedback import Feedback
    from app.lock import LockCoordinator
    from app.workspace import Workspace
    from evidence.vault.store import Vault
    from ui.dialogs import DslNoteRequest
    from ui.incident_form import QtIncidentForm
    from ui.item_viewer import QtItemViewer
    from ui.items_view import QtItemsView
    from ui.main_window import QtMainWindow

log = logging.getLogger(__name__)

EDITABLE = (Status.DRAFT, Status.BLOCKED)
"""The statuses in which the details can still change (and a capture or seal can start)."""


@dataclass(frozen=True)
class StaffViews:
    """The staff window's widgets, as the flows share them."""

    window: QtMainWindow
    form: QtIncidentForm
    items: QtItemsView
    viewer: QtItemViewer
    feedback: Feedback


class IncidentFlow(QObject):
    """The open incident and what the staff window shows of it.

    Attributes:
        workspace: the data dir.
        vault: the UI thread's vault connection.
        lock: the shared lock.
        views: the widgets.
        current_ref: the open incident, if any.
    """

    def __init__(
        self, workspace: Workspace, vault: Vault, lock: LockCoordinator, views: StaffViews, parent: QObject | None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.vault = vault
        self.lock = lock
        self.views = views
        self.current_ref: str | None = None
        self._loaded: IncidentDetails | None = None
        self._typed: dict[str, IncidentDetails] = {}  # details written since the last lock: editable while locked

    # -- listing ------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the incident list (and the open incident's items)."""
        rows = self.vault.list_incidents()
        self.views.window.incidents.set_rows(rows, self.current_ref)
        if self.current_ref is not None:
            self._show_items()

    def _keys(self) -> list[str]:
        identity = self.lock.identity
        return [identity.age_secret] if identity else []

    def refresh_titles(self) -> None:
        """Show the decrypted titles in the list (while unlocked)."""
        keys = self._keys()
        titles = {}
        if keys:
            for row in self.vault.list_incidents():
                try:
                    titles[row.ref] = self.vault.details(row.ref, keys).title
                except EvidenceError:
                    continue
        self.views.window.incidents.set_titles(titles)

    def new_incident(self) -> str:
        """Start an empty incident and open it."""
        self.save_details()
        ref = self.vault.create_incident(
            IncidentDetails(), actor=self.workspace.actor, recipients=self.workspace.recipients()
        )
        log.info("incident %s created", ref)
        self._typed[ref] = IncidentDetails()
        self.show_incident(ref)
        return ref

    def show_incident(self, ref: str) -> None:
        """Reload the list and open ``ref`` afresh (after a capture, an import or a new incident)."""
        self.current_ref = None
        self.refresh()
        self.open_incident(ref)

    def open_incident(self, ref: str) -> None:
        """Show ``ref`` in the form and the evidence tab."""
        if ref != self.current_ref:
            self.save_details()
        self.current_ref = ref
        row = self.vault.incident(ref)
        keys = self._keys()
        known = self.vault.details(ref, keys) if keys else self._typed.get(ref)
        details = known or IncidentDetails()
        self._loaded = known
        window, form = self.views.window, self.views.form
        form.set_details(details)
        editable = known is not None and row.status in EDITABLE
        form.setEnabled(editable)
        window.save_button.setEnabled(editable)
        window.seal_button.setEnabled(row.status in EDITABLE)
        window.set_open_incident(ref, row.status, details.title)
        window.problems.setText("")
        self.views.items.set_editable(editable and row.status is Status.DRAFT)
        self._show_items()

    def _show_items(self) -> None:
        if self.current_ref is None:
            return
        rows = self.vault.items(self.current_ref)
        self.views.items.set_items(rows)
        self.views.window.tabs.setTabText(1, f"Evidence ({sum(1 for r in rows if not r.excluded)})")
        keys = self._keys()
        if keys:
            for r in rows:
                self.views.items.set_notes(r.seq, self.vault.item_notes(r.ref, r.seq, keys))

    def load_thumbnails(self) -> None:
        """Decrypt the open incident's images into the view (memory only)."""
        keys = self._keys()
        if not keys or self.current_ref is None:
            return
        for r in self.vault.items(self.current_ref):
            if not r.shredded:
                self.views.items.set_thumbnail(r.seq, self.vault.item_content(r.ref, r.seq, keys))

    def open_item(self, seq: int) -> None:
        """Show one item at full size (asking for the passphrase first while locked)."""
        keys = self._keys()
        if not keys or self.current_ref is None:
            self.lock.unlock(self.views.feedback)
            return
        row = self.vault.item(self.current_ref, seq)
        if row.shredded:
            return
        viewer = self.views.viewer
        viewer.set_item(
            row,
            self.vault.item_content(row.ref, seq, keys),
            self.vault.item_context(row.ref, seq, keys).to_json_dict(),
            self.vault.item_notes(row.ref, seq, keys),
        )
        viewer.show()
        viewer.raise_()

    # -- details ------------------------------------------------------------------------------------------------

    def save_details(self) -> bool:
        """Write the form to the vault if it changed (logged as "annotated"). Returns True when saved or unchanged."""
        form, ref = self.views.form, self.current_ref
        if ref is None or self._loaded is None or not form.isEnabled():
            return True
        details = form.details()
        if details == self._loaded:
            return True
        try:
            self.vault.update_details(ref, details, actor=self.workspace.actor, recipients=self.workspace.recipients())
        except EvidenceError as e:
            self.views.feedback.error("Could not save the details", str(e))
            return False
        log.info("incident %s details saved", ref)
        self._loaded = details
        self._typed[ref] = details
        window = self.views.window
        window.incidents.set_title(ref, details.title)
        self.views.feedback.status("Details saved", 4000)
        self.refresh()
        window.set_open_incident(ref, self.vault.incident(ref).status, details.title)
        return True

    def safeguarding_ticked(self, ticked: bool) -> None:
        """The form's safeguarding category was ticked: save at once, which blocks capture for the incident."""
        if ticked and self.current_ref is not None:
            self.save_details()
            self.views.feedback.status(
                "Capture is now blocked for this incident. Tell the DSL now; record what happened as text only."
            )

    def exclude_item(self, seq: int, reason: str) -> None:
        """Exclude an item from sealing, with its reason (logged)."""
        if self.current_ref is None:
            return
        try:
            self.vault.exclude_item(
                self.current_ref, seq, reason, actor=self.workspace.actor, recipients=self.workspace.recipients()
            )
        except EvidenceError as e:
            self.views.feedback.error("Could not exclude the item", str(e))
        self.refresh()

    def caption_item(self, seq: int, caption: str) -> None:
        """Save an item's caption (logged)."""
        if self.current_ref is None:
            return
        try:
            self.vault.caption_item(
                self.current_ref, seq, caption, actor=self.workspace.actor, recipients=self.workspace.recipients()
            )
        except EvidenceError as e:
            self.views.feedback.error("Could not save the caption", str(e))

    def target_incident(self) -> str:
        """The incident a capture or import goes into: the open draft, or a new one."""
        if self.current_ref is not None and self.vault.incident(self.current_ref).status in EDITABLE:
            return self.current_ref
        return self.new_incident()

    # -- the safeguarding gate ----------------------------------------------------------------------------------

    def safeguarding(self) -> None:
        """The red button: explain, block capture, and offer a text-only record for the DSL."""
        from ui.dialogs import QtSafeguardingDialog

        dialog = QtSafeguardingDialog(self.views.window)
        dialog.accepted.connect(lambda: self.record_for_dsl(dialog.request()))
        self.lock.own(dialog)

    def record_for_dsl(self, request: DslNoteRequest) -> str:
        """Create a blocked, text-only incident for the DSL."""
        self.save_details()
        details = IncidentDetails(
            title="Safeguarding: report to the DSL (no image)",
            categories=(Category.NUDE_IMAGE_OF_CHILD,),
            safeguarding_note=request.note,
        )
        ref = self.vault.create_incident(details, actor=self.workspace.actor, recipients=self.workspace.recipients())
        log.info("incident %s recorded for the DSL (blocked, text only)", ref)
        self._typed[ref] = details
        self.show_incident(ref)
        return ref

    # -- lock -----------------------------------------------------------------------------------------------------

    def locked_changed(self, locked: bool) -> None:
        """Lock: save typed details, then drop everything decrypted, even if saving fails. Unlock: show titles."""
        window, feedback = self.views.window, self.views.feedback
        window.set_locked(locked)
        if locked:
            run_every(self._save_before_lock, self._forget_decrypted)
            feedback.status("Locked. Captures still work.")
        else:
            self.views.items.set_locked(False)
            self.refresh_titles()
            feedback.status(f"Unlocked as {self.workspace.own_card().name}", 5000)
        if self.current_ref is not None:
            self.open_incident(self.current_ref)

    def _save_before_lock(self) -> None:
        """Locking never loses typed details: save them first (needs no key)."""
        if self._loaded is not None:
            self.save_details()

    def _forget_decrypted(self) -> None:
        self._loaded = None
        self._typed.clear()
        views = self.views
        run_every(
            views.viewer.clear,
            views.viewer.hide,
            lambda: views.items.set_locked(True),
            lambda: views.form.set_details(IncidentDetails()),
            lambda: views.form.setEnabled(False),
            lambda: views.window.incidents.set_titles({}),
            _clear_our_clipboard,
        )


def _clear_our_clipboard() -> None:
    clipboard = QGuiApplication.clipboard()
    if clipboard.ownsClipboard():
        clipboard.clear()
