"""The reviewer window's controller: it builds the widgets and the flows, and shows a verified bundle.

A bundle's content reaches the views only after every check passed (``VerifiedBundle``); a failed bundle shows
its verdict and nothing else, because unverified plaintext is never released. Opening, verifying and recording
actions live in :mod:`app.flows.review`, the police export in :mod:`app.flows.export`; the lock is the one the
staff window shares (:class:`app.lock.LockCoordinator`). Images open blurred for distressing categories.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from PySide6.QtCore import QObject

from app.feedback import Feedback
from app.flows.export import ExportFlow
from app.flows.review import ReviewFlow
from app.lock import LockCoordinator, run_every
from app.workspace import Workspace
from evidence import bundle
from evidence.case.incident import SENSITIVE_CATEGORIES
from evidence.case.profile import Profile
from evidence.core.fsutil import atomic_write
from evidence.review import actions as review

log = logging.getLogger(__name__)


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
    """

    def __init__(self, workspace: Workspace, lock: LockCoordinator, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from ui.custody_view import QtCustodyLogView
        from ui.inbox import QtInbox
        from ui.item_viewer import QtItemViewer
        from ui.items_view import QtItemsView
        from ui.reviewer_window import QtReviewerWindow
        from ui.verdict import QtVerdictBanner

        self.workspace = workspace
        self.lock = lock
        self.session = lock.session
        self.profile: Profile = workspace.profile()
        self.inbox = QtInbox()
        self.banner = QtVerdictBanner()
        self.items = QtItemsView(blur_by_default=True)
        self.items.set_editable(False)
        self.viewer = QtItemViewer(blur_by_default=True)
        self.custody = QtCustodyLogView()
        self.window = QtReviewerWindow(self.inbox, self.banner, self.items, self.custody)
        self.window.blur_box.setChecked(self._settings().get("blur", True))
        self.feedback = Feedback(self.window, errors_in_status_bar=False)
        self.review = ReviewFlow(workspace, self.profile, lock, self.inbox, self.banner, self.feedback, self)
        self.exporting = ExportFlow(workspace, self.profile, lock, self.review, self)
        self.inbox.refresh_wanted.connect(self.review.refresh)
        self.inbox.open_requested.connect(self.review.open_bundle)
        self.inbox.open_file_requested.connect(self.review.open_file)
        self.items.thumbnails_wanted.connect(self._thumbnails)
        self.items.open_requested.connect(self.open_item)
        self.window.record_button.clicked.connect(self.review.record_action)
        self.window.export_button.clicked.connect(self.exporting.export)
        self.window.lock_button.clicked.connect(self.lock.lock)
        self.window.blur_box.toggled.connect(self._blur_changed)
        self.review.shown.connect(self._show)
        self.review.cleared.connect(self._clear)
        self.session.locked_changed.connect(self._locked_changed)
        self.review.refresh()

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
        records = review.reviews(verified)
        self.window.set_bundle(verified, records)
        blur = self.window.blur_box.isChecked() and is_sensitive(verified)
        self.items.blur_by_default = blur
        self.viewer.blur_by_default = blur
        self.items.set_locked(False)
        self.items.set_items(list(verified.items))
        for i in verified.items:
            self.items.set_notes(i.seq, {"caption": i.caption})
        self._thumbnails()
        self.custody.set_entries(list(verified.custody))

    def _thumbnails(self) -> None:
        current = self.review.current
        if current is None:
            return
        for i in current.items:
            self.items.set_thumbnail(i.seq, current.item_content(i))

    def open_item(self, seq: int) -> None:
        """Full view of one verified item."""
        current = self.review.current
        if current is None:
            return
        item = current.item(seq)
        context = current.item_context(item).to_json_dict()
        self.viewer.set_item(item, current.item_content(item), context, {"caption": item.caption})
        self.viewer.show()

    def _clear(self) -> None:
        self.window.set_bundle(None)

    # -- lock ---------------------------------------------------------------------------------------------------

    def _locked_changed(self, locked: bool) -> None:
        if locked:
            run_every(
                self.review.clear,
                self.viewer.clear,
                self.viewer.hide,
                lambda: self.items.set_locked(True),
                self.custody.clear,
                self.banner.clear,
            )
