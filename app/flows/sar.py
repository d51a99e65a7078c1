"""The reviewer's **Subject access copy…**: ask whose data and where, then build, log and write the pack.

The work is :func:`app.lifecycle.sar_export` (the same as ``sar-export`` on the command line), run on a worker
while the lock waits; the revision that logged the export (the case's next revision file) is shown afterwards.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from app import exports
from evidence import bundle
from evidence.core.text import clean_text
from evidence.police.sar_export import people_of

if TYPE_CHECKING:
    from app.flows.review import ReviewFlow
    from app.lifecycle import SubjectAccessDone
    from app.lock import LockCoordinator
    from app.workspace import Workspace
    from ui.sar_dialog import QtSarDialog


class SarFlow(QObject):
    """Opens the subject access dialog and writes the pack.

    Attributes:
        dialog: the open dialog, or None.
        last_pack: the folder of the last pack written, or None.
    """

    def __init__(
        self, workspace: Workspace, lock: LockCoordinator, review_flow: ReviewFlow, parent: QObject | None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.lock = lock
        self.review = review_flow
        self.dialog: QtSarDialog | None = None
        self.last_pack: Path | None = None

    def open(self) -> None:
        """Ask for the data subject and the folder (the bundle on show)."""
        from ui.sar_dialog import QtSarDialog

        verified, path = self.review.current, self.review.current_path
        if verified is None or path is None or self.lock.locked:
            return
        names = [p.name for p in people_of(verified)]
        dialog = QtSarDialog(verified.ref, names, str(exports.default_folder()), self.review.feedback.window)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.export(verified, path, dialog.subject(), Path(dialog.folder())))
        dialog.finished.connect(lambda _r: self._forget(dialog))
        self.lock.own(dialog)

    def _forget(self, dialog: QtSarDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def export(self, verified: bundle.VerifiedBundle, path: Path, subject: str, folder: Path) -> None:
        """Build, log and write the pack for ``subject`` into ``folder``."""
        from app.lifecycle import sar_export

        identity = self.lock.identity
        if identity is None:
            return
        workspace = self.workspace

        def job() -> SubjectAccessDone:
            return sar_export(workspace, path, verified, identity, subject, folder)

        self.lock.run(job, self._done, self._failed)

    def _done(self, done: SubjectAccessDone) -> None:
        pack = done.folder
        self.last_pack = pack
        self.review.show_published(done.published)
        self.review.feedback.info(
            "Subject access copy written",
            f"Written to:\n{pack}\n\nHand it over, then delete this copy: it is not encrypted.",
        )

    def _failed(self, message: str) -> None:
        self.review.feedback.error("No subject access copy", f"{clean_text(message)}\n\nNothing was exported.")
