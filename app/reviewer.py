"""The reviewer's controller: inbox, open and verify, view with wellbeing defaults, record actions, export.

A bundle's content reaches the views only after every check passed (``VerifiedBundle``); a failed bundle shows
its verdict and nothing else, because unverified plaintext is never released. Slow work (scrypt unlock,
decrypt and verify, signing a revision, the export) runs on a worker thread.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.session import Session
from app.workers import Runner
from app.workspace import Workspace
from evidence import bundle
from evidence.bundle import seal as sealing
from evidence.case.incident import SENSITIVE_CATEGORIES
from evidence.case.profile import Profile
from evidence.core.errors import BundleError, EvidenceError
from evidence.core.fsutil import atomic_write
from evidence.crypto.keys import Identity, unlock_identity_file
from evidence.review import actions as review
from evidence.review.inbox import InboxIndex, scan

log = logging.getLogger(__name__)


def is_sensitive(verified: bundle.VerifiedBundle) -> bool:
    """True when a ticked category is one that opens blurred (sexual, hate, threats, self-harm)."""
    return bool(verified.incident.details.category_set() & SENSITIVE_CATEGORIES)


class ReviewerApp(QObject):
    """Wires the reviewer window to the drop folder.

    Attributes:
        workspace: the reviewer's data dir.
        session: lock state (shared with the staff window when both are open).
        window: the reviewer window.
        current: the bundle on show, if it verified.
    """

    def __init__(self, workspace: Workspace, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from ui.custody_view import QtCustodyLogView
        from ui.inbox import QtInbox
        from ui.items_view import QtItemsView, QtItemViewer
        from ui.reviewer_window import QtReviewerWindow
        from ui.verdict import QtVerdictBanner

        self.workspace = workspace
        self.session = session
        self.profile: Profile = workspace.profile()
        self.runner = Runner(self)
        self.index = InboxIndex.load(workspace.paths.data_dir / "inbox-index.json")
        self.inbox = QtInbox()
        self.banner = QtVerdictBanner()
        self.items = QtItemsView(blur_by_default=True)
        self.items.set_editable(False)
        self.viewer = QtItemViewer(blur_by_default=True)
        self.custody = QtCustodyLogView()
        self.window = QtReviewerWindow(self.inbox, self.banner, self.items, self.custody)
        self.window.blur_box.setChecked(self._settings().get("blur", True))
        self.current: bundle.VerifiedBundle | None = None
        self.current_path: Path | None = None
        self._pending: Path | None = None
        self.inbox.set_folder(workspace.drop_folder())
        self.inbox.refresh_wanted.connect(self.refresh)
        self.inbox.open_requested.connect(self.open_bundle)
        self.inbox.open_file_requested.connect(self.open_file)
        self.items.thumbnails_wanted.connect(self._thumbnails)
        self.items.open_requested.connect(self.open_item)
        self.window.record_button.clicked.connect(self.record_action)
        self.window.export_button.clicked.connect(self.export)
        self.window.lock_button.clicked.connect(self.session.lock)
        self.window.blur_box.toggled.connect(self._blur_changed)
        self.session.locked_changed.connect(self._on_locked)
        self.refresh()

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
        if self.current is not None:
            self._show(self.current)

    # -- inbox --------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Rescan the drop folder (origin checks only: nothing is decrypted)."""
        self.inbox.set_entries(scan(self.workspace.drop_folder(), self.profile), self.index)

    def open_file(self) -> None:
        """Open a bundle from anywhere."""
        path, _ = QFileDialog.getOpenFileName(self.window, "Open a sealed bundle", "", "Sealed bundles (*.zip.age)")
        if path:
            self.open_bundle(Path(path))

    def open_bundle(self, path: Path) -> None:
        """Decrypt and verify ``path`` on a worker, then show the verdict."""
        identity = self.session.identity
        if identity is None:
            self._pending = path
            self.unlock()
            return
        self.banner.clear()
        self.window.set_bundle(None)
        self.window.statusBar().showMessage(f"Checking {path.name}…")
        self.session.begin_busy()
        profile = self.profile

        def job() -> tuple[Path, bundle.VerifiedBundle | BundleError]:
            try:
                return path, sealing.verify_file(path, identity, profile)
            except BundleError as e:  # a verdict, kept as its type so the banner names the check and the file
                return path, e

        self.runner.start(job, self._opened, lambda message: self._failed(path, BundleError(message)))

    def _opened(self, result: tuple[Path, bundle.VerifiedBundle | BundleError]) -> None:
        path, outcome = result
        if isinstance(outcome, BundleError):
            self._failed(path, outcome)
        else:
            self._verified((path, outcome))

    def _verified(self, result: tuple[Path, bundle.VerifiedBundle]) -> None:
        self.session.end_busy()
        path, verified = result
        self.current, self.current_path = verified, path
        self.banner.show_verified(verified)
        self._show(verified)
        self.index.remember_verified(bundle.sha256_hex(path.read_bytes()), verified)
        self.index.save()
        self.refresh()
        self.window.statusBar().showMessage(verified.summary(), 10000)

    def _failed(self, path: Path, error: BundleError) -> None:
        self.session.end_busy()
        self.current = None
        self.banner.show_failed(error)
        try:
            self.index.remember_failed(bundle.sha256_hex(path.read_bytes()), error)
            self.index.save()
        except (OSError, EvidenceError):
            pass
        self.refresh()

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
        if self.current is None:
            return
        for i in self.current.items:
            self.items.set_thumbnail(i.seq, self.current.item_content(i))

    def open_item(self, seq: int) -> None:
        """Full view of one verified item."""
        if self.current is None:
            return
        item = self.current.item(seq)
        context = self.current.item_context(item).to_json_dict()
        self.viewer.set_item(item, self.current.item_content(item), context, {"caption": item.caption})
        self.viewer.show()

    # -- actions ------------------------------------------------------------------------------------------------

    def record_action(self, dialog: Any = None) -> None:
        """Ask for an action and sign it into the bundle as a new revision."""
        from ui.review_dialog import QtReviewActionDialog

        if self.current is None or self.current_path is None or self.session.identity is None:
            return
        dialog = dialog or QtReviewActionDialog(self.current.ref, self.window)
        if dialog.exec() != dialog.DialogCode.Accepted:
            return
        verified, path, identity, profile = self.current, self.current_path, self.session.identity, self.profile
        action, why, fields = dialog.action(), dialog.why(), dialog.fields()

        def job() -> tuple[Path, bundle.VerifiedBundle]:
            bag = review.add_review(verified, identity, profile, action, why, fields)
            new_path = review.write_bundle(verified.ref, bag, identity, profile, path.parent)
            return new_path, sealing.verify_file(new_path, identity, profile)

        self.session.begin_busy()
        self.runner.start(job, self._verified, self._action_failed)

    def _action_failed(self, message: str) -> None:
        self.session.end_busy()
        QMessageBox.warning(self.window, "Not recorded", f"{message}\n\nThe bundle is unchanged.")

    def export(self, dialog: Any = None) -> None:
        """Export the verified bundle for the police (logged as a revision first)."""
        from app.police import export_for_police
        from ui.dialogs import QtExportDialog

        if self.current is None or self.current_path is None or self.session.identity is None:
            return
        dialog = dialog or QtExportDialog(str(self.workspace.paths.data_dir / "exports"), self.window)
        if dialog.exec() != dialog.DialogCode.Accepted:
            return
        path, identity, profile = self.current_path, self.session.identity, self.profile
        out = Path(dialog.folder.text().strip())
        officer = dialog.officer_reference.text().strip()
        recipient = dialog.recipient.text().strip() or None
        passphrase = dialog.passphrase.text() or None
        # the PDF is laid out with QTextDocument, which belongs on the UI thread: the export runs here
        self.session.begin_busy()
        try:
            done = export_for_police(
                path,
                identity,
                profile,
                out,
                officer_reference=officer,
                pack_recipient=recipient,
                pack_passphrase=passphrase,
            )
        except EvidenceError as e:
            QMessageBox.warning(self.window, "Not exported", str(e))
            return
        finally:
            self.session.end_busy()
        self._verified((done.bundle_path, done.verified))
        extra = ""
        if done.result.pack_path is not None:
            extra = f"\n\nEncrypted pack:\n{done.result.pack_path}\nSHA-256 {done.result.pack_sha256}"
        QMessageBox.information(self.window, "Exported", f"Export written to:\n{done.result.folder}{extra}")

    # -- lock ---------------------------------------------------------------------------------------------------

    def unlock(self) -> None:
        """Ask for the passphrase; unlock on a worker; then open what was waiting."""
        from ui.unlock_dialog import QtUnlockDialog

        path = self.workspace.identity_file()
        if path is None:
            return
        card = self.workspace.own_card()
        dialog = QtUnlockDialog(f"{card.name} ({card.principal})", self.window)
        if dialog.exec() != dialog.DialogCode.Accepted:
            return
        passphrase = dialog.text()
        self.runner.start(
            lambda: unlock_identity_file(path, passphrase),
            self._unlocked,
            lambda m: QMessageBox.warning(self.window, "Not unlocked", m),
        )

    def _unlocked(self, identity: Identity) -> None:
        if identity.card.same_keys(self.workspace.own_card()):
            self.session.accept_identity(identity)
            if self._pending is not None:
                pending, self._pending = self._pending, None
                self.open_bundle(pending)

    def _on_locked(self, locked: bool) -> None:
        if locked:
            self.current = None
            self.viewer.clear()
            self.viewer.hide()
            self.items.set_locked(True)
            self.custody.clear()
            self.banner.clear()
            self.window.set_bundle(None)
