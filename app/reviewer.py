"""The reviewer window's controller: it builds the widgets and the flows, and shows a verified bundle.

A bundle's content reaches the views only after every check passed (``VerifiedBundle``); a failed bundle shows
its verdict and nothing else, because unverified plaintext is never released. Opening, verifying and recording
actions live in :mod:`app.flows.review`, the police export in :mod:`app.flows.export`; the lock is the one the
staff window shares (:class:`app.lock.LockCoordinator`). Images open blurred for distressing categories.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from app.feedback import Feedback
from app.lock import LockCoordinator, run_every
from app.workers import Runner
from app.workspace import Workspace
from evidence.case.incident import SENSITIVE_CATEGORIES
from evidence.case.profile import Profile
from evidence.core.fsutil import atomic_write

if TYPE_CHECKING:
    # Imported when a ReviewerApp is built (the inbox's first use), not when the app starts: the app imports this
    # module at start for the Review menu (:func:`add_review_menu`).
    from collections.abc import Callable

    from evidence import bundle
    from evidence.review import actions as review
    from ui.main_window import QtMainWindow

log = logging.getLogger(__name__)

EMPTY_TEXT = "Open a sealed bundle from the inbox to see its evidence."
"""The evidence tab before a bundle is open (the staff's "capture the screen" wording is not the reviewer's)."""


class _ThumbnailSignals(QObject):
    """Carries each image of a thumbnail pass from the worker to the UI thread: (bundle, item number, bytes)."""

    image = Signal(object, int, bytes)


REVIEW_MENU = (
    ("Open a sealed bundle…", "Ctrl+O", "open_bundle_action"),
    ("Look in the drop folder again", "F5", "refresh_action"),
    ("Record an action…", "Ctrl+R", "record_action"),
    ("Export for the police…", "Ctrl+E", "export_action"),
    ("Subject access copy…", "Ctrl+Alt+S", "sar_action"),
    ("Retention and disposal…", "Ctrl+Alt+R", "retention_action"),
)
"""The Review menu: text, shortcut and object name of each command."""
NEEDS_A_BUNDLE = ("record_action", "export_action", "sar_action")
"""The commands that act on the bundle on show, disabled while there is none."""


def add_review_menu(host: QtMainWindow) -> dict[str, QAction]:
    """Add the Review menu, with its shortcuts, to ``host``'s menu bar; return its actions by name, unconnected.

    The app adds it at start (so the shortcuts work before the inbox has been opened) and the
    :class:`ReviewerApp` built on first use connects the same actions.
    """
    menu = host.add_menu("&Review", "review_menu")
    actions: dict[str, QAction] = {}
    for text, shortcut, name in REVIEW_MENU:
        action = menu.addAction(text)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.setEnabled(name not in NEEDS_A_BUNDLE)
        actions[name] = action
    return actions


def is_sensitive(verified: bundle.VerifiedBundle) -> bool:
    """True when a ticked category is one that opens blurred (sexual, hate, threats, self-harm)."""
    return bool(verified.incident.details.category_set() & SENSITIVE_CATEGORIES)


class ReviewerApp(QObject):
    """Wires the reviewer window to the drop folder.

    Attributes:
        workspace: the reviewer's data dir.
        profile: the school profile in force.
        lock: the lock (shared with the staff window when both are open).
        session: the lock's session.
        window: the reviewer window.
        feedback: the window's status bar and message boxes.
        review: open, verify and record actions; ``review.current`` is the bundle on show, if it verified.
        exporting: the police export.
        casework: the Handles, Timeline and Search tabs (text layers, identifications, links, course of conduct).
        host: the main window this is a page of, or None when the reviewer window stands alone.
        menu_actions: the Review menu's actions by name (empty when standing alone).
    """

    def __init__(
        self,
        workspace: Workspace,
        lock: LockCoordinator,
        parent: QObject | None = None,
        *,
        host: QtMainWindow | None = None,
        placeholder: QWidget | None = None,
        menu_actions: dict[str, QAction] | None = None,
    ) -> None:
        """Build the reviewer's widgets and flows.

        Args:
            workspace: the reviewer's data dir.
            lock: the lock, shared with the staff window.
            parent: the owning object.
            host: the main window to be a page of (None: a window of its own).
            placeholder: a page of ``host`` that the reviewer's page replaces (the inbox built on first use).
            menu_actions: the Review menu already in ``host``'s menu bar (:func:`add_review_menu`), to connect
                rather than add another.
        """
        super().__init__(parent)
        from app.flows.casework import CaseworkFlow
        from app.flows.export import ExportFlow
        from app.flows.redact import RedactFlow
        from app.flows.retention import RetentionFlow
        from app.flows.review import ReviewFlow
        from app.flows.sar import SarFlow
        from ui.custody_view import QtCustodyLogView
        from ui.inbox import QtInbox
        from ui.item_viewer import QtItemViewer
        from ui.items_view import QtItemsView
        from ui.proposals_view import QtProposalsView
        from ui.reviewer_window import QtReviewerWindow
        from ui.search_view import QtSearchView
        from ui.timeline_view import QtTimelineView
        from ui.verdict import QtVerdictBanner

        self.workspace = workspace
        self.menu_actions: dict[str, QAction] = {}
        self.lock = lock
        self.session = lock.session
        self.profile: Profile = workspace.profile()
        self.inbox = QtInbox()
        self.banner = QtVerdictBanner()
        self.items = QtItemsView(blur_by_default=True, empty_text=EMPTY_TEXT)
        self.items.set_editable(False)
        self.viewer = QtItemViewer(blur_by_default=True)
        self.custody = QtCustodyLogView()
        self.window = QtReviewerWindow(self.inbox, self.banner, self.items, self.custody)
        self.proposals = QtProposalsView()
        self.timeline = QtTimelineView()
        self.search = QtSearchView()
        self.window.tabs.addTab(self.proposals, "Handles")
        self.window.tabs.addTab(self.timeline, "Timeline")
        self.window.tabs.addTab(self.search, "Search")
        self.window.blur_box.setChecked(self._settings().get("blur", True))
        self.host = host
        if host is not None:  # a page of the main window, whose menu, status bar and Lock it shares
            self.window.setWindowFlags(Qt.WindowType.Widget)
            self.window.lock_button.hide()
            if placeholder is not None:
                host.replace_page(placeholder, self.window)
            else:
                host.add_page(self.window, "Inbox")
        self.feedback = Feedback(host or self.window, errors_in_status_bar=False)
        self.review = ReviewFlow(workspace, self.profile, lock, self.inbox, self.banner, self.feedback, self)
        self.exporting = ExportFlow(workspace, self.profile, lock, self.review, self)
        self.casework = CaseworkFlow(
            workspace,
            self.profile,
            lock,
            self.review,
            self.proposals,
            self.timeline,
            self.search,
            self.feedback,
            self,
        )
        self.retention = RetentionFlow(workspace, self.profile, lock, self.feedback, self)
        self.redacting = RedactFlow(self.profile, lock, self.review, self)
        self.subject_access = SarFlow(workspace, lock, self.review, self)
        self.viewer.set_redactable(True)
        self.viewer.redact_requested.connect(self.redacting.open)
        if host is not None:
            self._add_menu(host, menu_actions)
        self.inbox.refresh_wanted.connect(self.review.refresh)
        self.inbox.open_requested.connect(self.review.open_bundle)
        self.inbox.open_file_requested.connect(self.review.open_file)
        self.items.thumbnails_wanted.connect(self._thumbnails)
        self.items.open_requested.connect(self.open_item)
        self.window.record_button.clicked.connect(self.review.record_action)
        self.window.export_button.clicked.connect(self.exporting.export)
        self.window.lock_button.clicked.connect(self.lock.lock)
        self.window.blur_box.toggled.connect(self._blur_changed)
        self._runner = Runner(self)
        self._thumbnails_for: bundle.VerifiedBundle | None = None
        self._thumbnail_signals = _ThumbnailSignals(self)
        self._thumbnail_signals.image.connect(self._thumbnail_arrived)
        self.review.shown.connect(self._show)
        self.review.cleared.connect(self._clear)
        self.review.failed.connect(self._failed)
        self.session.locked_changed.connect(self._locked_changed)
        self.exporting.exported.connect(lambda ref: self._offer_hold(f"police investigation, reference {ref}"))
        self.review.recorded.connect(self._recorded)
        self.retention.changed.connect(self.review.refresh)
        self.retention.disposed.connect(self._disposed)
        self.review.refresh()

    def _recorded(self, action: review.ReviewAction, crime_reference: str) -> None:
        from evidence.review import actions as review

        if action in (review.ReviewAction.POLICE_CONTACTED, review.ReviewAction.DEVICE_HANDED_OVER):
            ref = f", reference {crime_reference}" if crime_reference else ""
            self._offer_hold(f"police investigation{ref}")

    def _offer_hold(self, reason: str) -> None:
        """The police are involved: offer a legal hold on the case on show."""
        current, path = self.review.current, self.review.current_path
        if current is not None and path is not None:
            self.retention.offer_hold(path, current, reason, self.review.show_published)

    def _disposed(self, ref: str) -> None:
        current = self.review.current
        if current is not None and current.ref == ref:
            self.review.clear()
            self.banner.clear()
        self.viewer.clear()
        self.viewer.hide()

    def menu_slots(self) -> dict[str, Callable[[], None]]:
        """What each Review menu command does, by the action's name."""
        return {
            "open_bundle_action": self.review.open_file,
            "refresh_action": self.review.refresh,
            "record_action": self.review.record_action,
            "export_action": self.exporting.export,
            "sar_action": self.subject_access.open,
            "retention_action": self.retention.open_view,
        }

    def _add_menu(self, host: QtMainWindow, actions: dict[str, QAction] | None = None) -> None:
        """The reviewer's commands in the main window's menu bar, with their shortcuts."""
        if actions is None:
            actions = add_review_menu(host)
        slots = self.menu_slots()
        for name, action in actions.items():
            action.triggered.connect(slots[name])
            self.menu_actions[name] = action
        for button, name in (
            (self.window.record_button, "record_action"),
            (self.window.export_button, "export_action"),
        ):
            shortcut = self.menu_actions[name].shortcut().toString()
            button.setToolTip(f"{button.text().rstrip('…')} ({shortcut})")
        self._sync_actions()

    def _sync_actions(self) -> None:
        shown = self.review.current is not None
        for name in ("record_action", "export_action", "sar_action"):
            if name in self.menu_actions:
                self.menu_actions[name].setEnabled(shown)

    # -- settings ---------------------------------------------------------------------------------------------

    def _settings(self) -> dict[str, Any]:
        try:
            value = json.loads((self.workspace.paths.data_dir / "reviewer-settings.json").read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def _blur_changed(self, blur: bool) -> None:
        path = self.workspace.paths.data_dir / "reviewer-settings.json"
        atomic_write(path, json.dumps({**self._settings(), "blur": blur}).encode("utf-8"))
        if self.review.current is not None:
            self._show(self.review.current)

    # -- the verified bundle ------------------------------------------------------------------------------------

    def _show(self, verified: bundle.VerifiedBundle) -> None:
        from evidence.review import actions as review

        records = review.reviews(verified)
        self.window.set_bundle(verified, records)
        self._sync_actions()
        if self.host is not None:
            self.host.set_page_title(self.window, f"{verified.ref} (inbox)")
        blur = self.window.blur_box.isChecked() and is_sensitive(verified)
        self.items.blur_by_default = blur
        self.viewer.blur_by_default = blur
        self.items.set_locked(False)
        self.items.set_items(list(verified.items))
        for i in verified.items:
            self.items.set_notes(i.seq, {"caption": i.caption, "trusted_time": verified.item_time_label(i.seq)})
        self._thumbnails()
        self.custody.set_entries(list(verified.custody))

    def _thumbnails(self) -> None:
        """Thumbnails of the bundle on show: read from the bundle file in one pass on a worker (a bundle of a
        gigabyte takes seconds to decrypt), each handed to the UI thread as it comes, one image held at a time."""
        current = self.review.current
        if current is None:
            return
        if isinstance(current.zip_source, bytes):  # already in memory
            for i, data in current.item_contents(current.items):
                self.items.set_thumbnail(i.seq, data)
            return
        if self._thumbnails_for is current:
            return  # a pass for this bundle is running
        self._thumbnails_for = current
        signals = self._thumbnail_signals
        wanted = [i for i in current.items if i.seq in set(self.items.missing_thumbnails())] or list(current.items)

        def job() -> None:
            for i, data in current.item_contents(wanted):
                if self._thumbnails_for is not current:
                    return  # another bundle is on show, or it was locked: stop reading
                signals.image.emit(current, i.seq, data)

        self._runner.start(job, lambda _r: self._thumbnails_done(current), lambda _m: self._thumbnails_done(current))

    def _stop_thumbnails(self) -> None:
        """Stop a thumbnail pass (it checks between images)."""
        self._thumbnails_for = None

    def _thumbnail_arrived(self, verified: bundle.VerifiedBundle, seq: int, data: bytes) -> None:
        if self.review.current is verified and shiboken6.isValid(
            self.items
        ):  # a late image of a bundle no longer on show is dropped
            self.items.set_thumbnail(seq, data)

    def _thumbnails_done(self, verified: bundle.VerifiedBundle) -> None:
        if self._thumbnails_for is verified:
            self._thumbnails_for = None

    def open_item(self, seq: int) -> None:
        """Full view of one verified item."""
        current = self.review.current
        if current is None:
            return
        item = current.item(seq)
        context = current.item_context(item).to_json_dict()
        notes = {"caption": item.caption, "trusted_time": current.item_time_label(seq)}
        self.viewer.set_item(item, current.item_content(item), context, notes)
        self.viewer.show()

    def _clear(self) -> None:
        self._stop_thumbnails()
        self.window.set_bundle(None)
        self._sync_actions()
        if self.host is not None:
            self.host.set_page_title(self.window, "Inbox")

    def _failed(self, path: Path) -> None:
        self.window.set_failed(path.name)
        if self.host is not None:
            self.host.set_page_title(self.window, f"{path.name} cannot be trusted (inbox)")

    # -- lock ---------------------------------------------------------------------------------------------------

    def _locked_changed(self, locked: bool) -> None:
        if locked:
            run_every(
                self._stop_thumbnails,
                self.review.clear,
                self.viewer.clear,
                self.viewer.hide,
                lambda: self.items.set_locked(True),
                self.custody.clear,
                self.banner.clear,
                self.casework.forget,
            )
