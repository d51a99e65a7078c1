"""Export for the police: ask for the officer's reference and a folder, log the export, write the pack.

The export signs an ``exported-to-police`` revision first (see :mod:`app.police`), so it needs the identity; the
dialog is closed by a lock, and the export starts only with the identity of that moment. The PDF is laid out
with QTextDocument, which belongs on the UI thread, so the export runs there, inside the busy state: a lock
waits for it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app import exports
from evidence.core.errors import EvidenceError

if TYPE_CHECKING:
    from pathlib import Path

    from app.flows.review import ReviewFlow
    from app.lock import LockCoordinator
    from app.workspace import Workspace
    from evidence.case.profile import Profile
    from evidence.crypto.keys import Identity
    from ui.dialogs import ExportRequest, QtExportDialog

log = logging.getLogger(__name__)


class ExportFlow(QObject):
    """The Export for police button.

    Signals:
        exported(str officer_reference): an export was written (the reviewer is then offered a legal hold).

    Attributes:
        dialog: the open export dialog, or None.
    """

    exported = Signal(str)

    def __init__(
        self, workspace: Workspace, profile: Profile, lock: LockCoordinator, review: ReviewFlow, parent: QObject | None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.profile = profile
        self.lock = lock
        self.review = review
        self.dialog: QtExportDialog | None = None

    def export(self) -> None:
        """Ask what the export needs; on Export, write it."""
        from ui.dialogs import QtExportDialog

        path = self.review.current_path
        if self.review.current is None or path is None or self.lock.locked:
            return
        dialog = QtExportDialog(str(exports.default_folder()), self.review.feedback.window)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.write(path, dialog.request()))
        dialog.finished.connect(lambda _result: self._forget(dialog))
        self.lock.own(dialog)

    def _forget(self, dialog: QtExportDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def write(self, path: Path, request: ExportRequest) -> None:
        """Log the export as a signed revision of ``path``, then write the police pack (a lock waits for it)."""
        identity = self.lock.identity
        if identity is None:  # the lock closes the dialog first; this is the rule, not a path we expect
            return
        busy = self.lock.session.hold()
        try:
            self._write(path, request, identity)
        finally:
            busy.release()

    def _write(self, path: Path, request: ExportRequest, identity: Identity) -> None:
        from app.police import export_for_police

        feedback = self.review.feedback
        try:
            done = export_for_police(
                path,
                identity,
                self.profile,
                request.folder,
                officer_reference=request.officer_reference,
                pack_recipient=request.pack_recipient,
                pack_passphrase=request.pack_passphrase,
            )
        except EvidenceError as e:
            feedback.error("Not exported", str(e))
            return
        log.info("exported %s for the police", done.verified.ref)
        exports.record(self.workspace.paths.data_dir, done.verified.ref, "police", done.result.folder)
        self.review.verified((done.bundle_path, done.verified))
        self.exported.emit(request.officer_reference)
        extra = ""
        if done.result.pack_path is not None:
            extra = f"\n\nEncrypted pack:\n{done.result.pack_path}\nSHA-256 {done.result.pack_sha256}"
        feedback.info("Exported", f"Export written to:\n{done.result.folder}{extra}")
