"""The staff window's incidents: list them, open one, save its details, exclude and caption items, view them.

Details are encrypted with public keys only, so typing and saving them needs no unlock; reading them back does.
What was typed since the last lock stays editable while locked (``_typed``), and locking saves typed details
first: a lock never loses what someone wrote. Decrypted images reach the views only while unlocked, in memory.

The safeguarding gap (issue 11): the moment an incident is marked as being about a nude or semi-nude image of a
child (the red button or the tick), its items are never shown again: the views drop every decrypted pixel at
once, and a blocked incident's items are never listed, thumbnailed or opened. The user is told in plain words
what happened and what to do, and one logged route removes the items from this computer
(:meth:`evidence.vault.store.Vault.remove_for_safeguarding`): the red button's dialog does it when the user
continues, the tick offers a button for it, and sealing waits for it.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication

from app.lock import run_every
from evidence.case import policy
from evidence.case.incident import Category, IncidentDetails, Status
from evidence.case.platform_guess import guess_from_titles
from evidence.core.errors import EvidenceError
from evidence.vault.store import DeliveryState
from ui.sealed_page import SealedSummary, delivery_text

if TYPE_CHECKING:
    from app.feedback import Feedback
    from app.lock import LockCoordinator
    from app.workspace import Workspace
    from evidence.vault.store import ItemRow, Vault
    from ui.dialogs import QtSafeguardingDialog
    from ui.incident_form import QtIncidentForm
    from ui.item_viewer import QtItemViewer
    from ui.items_view import QtItemsView
    from ui.main_window import QtMainWindow

log = logging.getLogger(__name__)

EDITABLE = (Status.DRAFT, Status.BLOCKED)
"""The statuses in which the details can still change (and a capture or seal can start)."""
SEALED = (Status.SEALED, Status.SHREDDED)


def sent_to_text(names: list[str]) -> str:
    """Who a sealed bundle goes to, in words: "Dee Sell", "Dee Sell and Hedda Teacher"."""
    if len(names) <= 1:
        return names[0] if names else "the school's reviewers"
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _items(count: int) -> str:
    return "1 item" if count == 1 else f"{count} items"


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
        self._opening = False  # set_details during open_incident reports the state it shows, not a user's change
        self.safeguarding_dialog: QtSafeguardingDialog | None = None

    # -- listing ------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the incident list (and the open incident's items)."""
        rows = self.vault.list_incidents()
        deliveries = {d.ref: delivery_text(d) for d in self.vault.deliveries()}
        self.views.window.incidents.set_rows(rows, self.current_ref, deliveries)
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

    def reviewer_names(self) -> list[str]:
        """The profile's reviewers by name, the DSL (the first reviewer) first."""
        return [r.name for r in self.workspace.profile().reviewers]

    def new_details(self) -> IncidentDetails:
        """A new incident's details: empty, but "reported to" names the profile's DSL (its first reviewer)."""
        names = self.reviewer_names()
        return IncidentDetails(reported_to=names[0] if names else "")

    def new_incident(self) -> str:
        """Start an empty incident and open it."""
        self.save_details()
        details = self.new_details()
        ref = self.vault.create_incident(details, actor=self.workspace.actor, recipients=self.workspace.recipients())
        log.info("incident %s created", ref)
        self._typed[ref] = details
        self.show_incident(ref)
        self.views.window.tabs.setCurrentIndex(0)
        return ref

    def show_incident(self, ref: str) -> None:
        """Reload the list and open ``ref`` afresh (after a capture, an import or a new incident)."""
        self.current_ref = None
        self.refresh()
        self.open_incident(ref)

    def open_incident(self, ref: str) -> None:
        """Show ``ref`` in the form and the evidence tab (a sealed incident: the sealed confirmation)."""
        if ref != self.current_ref:
            self.save_details()
        self.current_ref = ref
        row = self.vault.incident(ref)
        keys = self._keys()
        known = self.vault.details(ref, keys) if keys else self._typed.get(ref)
        details = known or IncidentDetails()
        self._loaded = known
        window, form = self.views.window, self.views.form
        self._opening = True
        try:
            form.set_details(details)
        finally:
            self._opening = False
        editable = known is not None and row.status in EDITABLE
        form.setEnabled(editable)
        window.save_action.setEnabled(editable)
        window.seal_action.setEnabled(row.status in EDITABLE)
        window.set_open_incident(ref, row.status, details.title)
        window.problems.setText("")
        self.views.items.set_editable(editable and row.status is Status.DRAFT)
        self._show_items()
        if row.status in SEALED:
            window.show_sealed(self.sealed_summary(ref, details.title, row.status))
        else:
            window.show_incident_page()

    def sealed_summary(self, ref: str, title: str, status: Status) -> SealedSummary:
        """What the sealed confirmation says of an incident sealed earlier (the seal itself knows more)."""
        rows = self.vault.items(ref)
        delivery = next((d for d in self.vault.deliveries() if d.ref == ref), None)
        awaiting = (
            delivery is not None
            and delivery.state is not DeliveryState.RECEIVED
            and status is Status.SEALED
            and not self.workspace.profile().keep_local_after_seal
        )
        return SealedSummary(
            ref=ref,
            title=title,
            sent_to=sent_to_text(self.reviewer_names()),
            local_copy_kept=status is Status.SEALED,
            item_count=sum(1 for r in rows if not r.excluded),
            delivery=delivery_text(delivery) if delivery is not None else "",
            awaiting_receipt=awaiting,
        )

    def blocked(self) -> bool:
        """True when the open incident is safeguarding-blocked, or the form shows it marked (not yet saved)."""
        if self.current_ref is None:
            return False
        return self.views.form.safeguarding or self.vault.incident(self.current_ref).status is Status.BLOCKED

    def _show_items(self) -> None:
        if self.current_ref is None:
            return
        rows = self.vault.items(self.current_ref)
        tabs = self.views.window.tabs
        if self.blocked():  # never shown again: no tile, no thumbnail, no viewer
            self._hide_pixels()
            tabs.setTabText(1, "Evidence (hidden)")
            tabs.setTabEnabled(1, False)
            self._tell_removal(rows)
            return
        tabs.setTabEnabled(1, True)
        self.views.items.set_items(rows)
        tabs.setTabText(1, f"Evidence ({sum(1 for r in rows if not r.excluded)})")
        keys = self._keys()
        if keys:
            for r in rows:
                self.views.items.set_notes(r.seq, self.vault.item_notes(r.ref, r.seq, keys))

    def _hide_pixels(self) -> None:
        """Drop every decrypted pixel of the open incident from the views (tiles, thumbnails, the viewer)."""
        views = self.views
        run_every(lambda: views.items.set_items([]), views.viewer.clear, views.viewer.hide)
        if views.window.tabs.currentIndex() == 1:
            views.window.tabs.setCurrentIndex(0)

    def _tell_removal(self, rows: list[ItemRow]) -> None:
        pending = sum(1 for r in rows if not r.shredded)
        removed = sum(1 for r in rows if r.shredded and r.excluded)
        self.views.form.set_removal(pending, removed)

    def load_thumbnails(self) -> None:
        """Decrypt the open incident's images into the view (memory only; never for a blocked incident)."""
        keys = self._keys()
        if not keys or self.current_ref is None or self.blocked():
            return
        for r in self.vault.items(self.current_ref):
            if not r.shredded:
                self.views.items.set_thumbnail(r.seq, self.vault.item_content(r.ref, r.seq, keys))

    def open_item(self, seq: int) -> None:
        """Show one item at full size (asking for the passphrase first while locked; never for a blocked incident)."""
        if self.current_ref is not None and self.blocked():
            return
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
        """The form was marked (or unmarked, after its question): hide or show the items, and save at once.

        Marking blocks capture for the incident (the vault's status); the DSL note then says what to do about
        the items it holds. Unmarking allows capture again; items already removed stay removed.
        """
        if self._opening or self.current_ref is None:
            return
        if ticked:
            self._hide_pixels()
        self.save_details()
        self._show_items()
        if ticked:
            self.views.feedback.status(
                "Capture is now blocked for this incident. Tell the DSL now, and describe what you saw in words only."
            )
        else:
            self.views.feedback.status("The incident is no longer marked; capture is allowed again.", 8000)
            self.load_thumbnails()

    def remove_for_safeguarding(self) -> None:
        """Remove a marked incident's items from this computer (logged; digests kept), and say so."""
        ref = self.current_ref
        if ref is None:
            return
        self._hide_pixels()
        if not self.save_details():
            return
        try:
            removed = self.vault.remove_for_safeguarding(
                ref, actor=self.workspace.actor, recipients=self.workspace.recipients()
            )
        except EvidenceError as e:
            self.views.feedback.error("The items were not removed", str(e))
            return
        log.info("incident %s: %d item(s) removed for safeguarding", ref, len(removed))
        self.refresh()
        if removed:
            self.views.feedback.status(f"{_items(len(removed)).capitalize()} removed from this computer.", 8000)

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

    def report_after_capture(self, ref: str, _digest: str) -> None:
        """After a capture: guess the platform from the captured window's title, and bring the quick report up."""
        if ref != self.current_ref or self.blocked():
            return
        form = self.views.form
        if form.isEnabled() and not form.details().platform and self._keys():
            titles = []
            for row in self.vault.items(ref):
                if row.shredded:
                    continue
                try:
                    context = self.vault.item_context(ref, row.seq, self._keys())
                except EvidenceError:
                    continue
                titles.append(getattr(context, "window_title", None))
            guess = guess_from_titles(titles)
            if guess and form.suggest_platform(guess):
                self.save_details()
        self.views.window.tabs.setCurrentIndex(0)
        if form.isEnabled() and not form.details().description:
            form.description_edit.setFocus()

    def target_incident(self) -> str:
        """The incident a capture or import goes into: the open draft, or a new one."""
        if self.current_ref is not None and self.vault.incident(self.current_ref).status in EDITABLE:
            return self.current_ref
        return self.new_incident()

    # -- the safeguarding gate ----------------------------------------------------------------------------------

    def safeguarding(self) -> None:
        """The red button: explain, hide what the open draft holds, and on Continue mark it and remove its items.

        The open draft is marked when it holds items (its captures may be the image); otherwise a new, text-only
        incident is started for the DSL note. Either way the short DSL note is then on show.
        """
        from ui.dialogs import QtSafeguardingDialog

        if self.safeguarding_dialog is not None:
            self.safeguarding_dialog.raise_()
            self.safeguarding_dialog.activateWindow()
            return
        self.save_details()
        target = self._safeguarding_target()
        holding = 0
        if target is not None:
            holding = sum(1 for r in self.vault.items(target) if not r.shredded)
            self._hide_pixels()  # before anything else: not one more look at what it holds
        dialog = QtSafeguardingDialog(holding, self.views.window)
        self.safeguarding_dialog = dialog
        dialog.accepted.connect(lambda: self._mark(target))
        dialog.rejected.connect(lambda: self._safeguarding_cancelled(target))
        dialog.finished.connect(lambda _result: self._forget_safeguarding_dialog(dialog))
        self.lock.own(dialog)

    def _forget_safeguarding_dialog(self, dialog: QtSafeguardingDialog) -> None:
        if self.safeguarding_dialog is dialog:
            self.safeguarding_dialog = None

    def _safeguarding_target(self) -> str | None:
        """The open incident, if the red button applies to it: an editable draft that holds items, or one marked."""
        ref = self.current_ref
        if ref is None:
            return None
        status = self.vault.incident(ref).status
        if status is Status.BLOCKED:
            return ref
        if status is Status.DRAFT and self.views.form.isEnabled():
            return ref if any(not r.shredded for r in self.vault.items(ref)) else None
        return None

    def _safeguarding_cancelled(self, target: str | None) -> None:
        if target is not None and target == self.current_ref:
            self._show_items()  # nothing was marked: the draft's items show again
            self.load_thumbnails()

    def _mark(self, target: str | None) -> None:
        """Mark ``target`` (or a new incident) and remove what it holds; the DSL note is then on show."""
        if target is None or target != self.current_ref:
            self.record_for_dsl()
            return
        form = self.views.form
        current = form.details()
        if not current.safeguarding_block:
            marked = dataclasses.replace(current, categories=(*current.categories, Category.NUDE_IMAGE_OF_CHILD))
            form.set_details(marked)  # emits safeguarding_changed: hides, saves and tells
        self.remove_for_safeguarding()
        self.views.window.tabs.setCurrentIndex(0)
        form.dsl_form.note_edit.setFocus()

    def record_for_dsl(self, note: str = "") -> str:
        """Create a blocked, text-only incident for the DSL and open its short note."""
        self.save_details()
        details = dataclasses.replace(
            self.new_details(),
            title=policy.suggested_title(IncidentDetails(categories=(Category.NUDE_IMAGE_OF_CHILD,))),
            categories=(Category.NUDE_IMAGE_OF_CHILD,),
            safeguarding_note=note,
        )
        ref = self.vault.create_incident(details, actor=self.workspace.actor, recipients=self.workspace.recipients())
        log.info("incident %s recorded for the DSL (blocked, text only)", ref)
        self._typed[ref] = details
        self.show_incident(ref)
        self.views.window.tabs.setCurrentIndex(0)
        self.views.form.dsl_form.note_edit.setFocus()
        self.views.feedback.status(
            "Capture is blocked for this note. Tell the DSL now; describe what you saw in words."
        )
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
