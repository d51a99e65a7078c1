"""Unlock: ask for the passphrase, run scrypt on a worker, and accept only this data dir's own identity.

An identity file that decrypts but is not the one recorded for this data dir is refused: captures are encrypted
to the recorded card, so another identity could neither read them nor sign for this user.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from evidence.crypto.keys import Identity, unlock_identity_file

if TYPE_CHECKING:
    from app.feedback import Feedback
    from app.lock import LockCoordinator
    from ui.unlock_dialog import QtUnlockDialog, UnlockRequest

log = logging.getLogger(__name__)


class UnlockFlow(QObject):
    """The passphrase prompt and the unlock job; one prompt at a time for every window.

    Attributes:
        dialog: the open passphrase dialog, or None.
    """

    def __init__(self, lock: LockCoordinator) -> None:
        super().__init__(lock)
        self._lock = lock
        self.dialog: QtUnlockDialog | None = None
        self._then: list[Callable[[], None]] = []

    def ask(self, feedback: Feedback, then: Callable[[], None] | None = None) -> None:
        """Show the passphrase dialog in ``feedback``'s window (or raise the one already open)."""
        from ui.unlock_dialog import QtUnlockDialog

        if then is not None:
            self._then.append(then)
        if self.dialog is not None:
            self.dialog.raise_()
            self.dialog.activateWindow()
            return
        workspace = self._lock.workspace
        path = workspace.identity_file()
        if path is None:
            self._then.clear()
            feedback.error("Cannot unlock", "This data folder has no identity file recorded.")
            return
        card = workspace.own_card()
        dialog = QtUnlockDialog(f"{card.name} ({card.principal})", feedback.window)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._start(path, dialog.request(), feedback))
        dialog.rejected.connect(self._then.clear)
        dialog.finished.connect(lambda _result: self._forget(dialog))
        self._lock.own(dialog, close_on_lock=False)  # it is only ever open while locked

    def _forget(self, dialog: QtUnlockDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _start(self, path: Path, request: UnlockRequest, feedback: Feedback) -> None:
        feedback.status("Unlocking…")
        self._lock.runner.start(
            lambda: unlock_identity_file(path, request.passphrase),
            lambda identity: self._unlocked(identity, feedback),
            lambda message: self._failed(message, feedback),
        )

    def _unlocked(self, identity: Identity, feedback: Feedback) -> None:
        if not identity.card.same_keys(self._lock.workspace.own_card()):
            self._then.clear()
            log.warning("unlock refused: %s is not this data dir's identity", identity.card.fingerprint)
            feedback.error("Cannot unlock", "That identity file is not this data folder's identity.")
            return
        self._lock.session.accept_identity(identity)
        waiting, self._then = self._then, []
        for then in waiting:
            then()

    def _failed(self, message: str, feedback: Feedback) -> None:
        self._then.clear()
        feedback.status("")
        feedback.error("Not unlocked", message)
