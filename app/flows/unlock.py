"""Unlock: ask for the passphrase, run scrypt on a worker, and accept only this data dir's own identity.

An identity file that decrypts but is not the one recorded for this data dir is refused: captures are encrypted
to the recorded card, so another identity could neither read them nor sign for this user. Like KeePassXC, a wrong
passphrase keeps the dialog open with one plain line under the field (issue 11): no message box, and no file
path (the log keeps the detail).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from evidence.core.errors import EvidenceError, WrongPassphraseError
from evidence.crypto.keys import Identity, unlock_identity_file

if TYPE_CHECKING:
    from app.feedback import Feedback
    from app.lock import LockCoordinator
    from ui.unlock_dialog import QtUnlockDialog

log = logging.getLogger(__name__)

WRONG_PASSPHRASE_TEXT = "That passphrase is not right. Check Caps Lock, and try again."  # noqa: S105 (a message)
UNREADABLE_TEXT = "Your identity file cannot be opened: it is missing or damaged. Ask IT for help."
NOT_OURS_TEXT = "That identity is not this data folder's own. Ask IT for help."


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
        dialog.submitted.connect(lambda: self._start(path, dialog, feedback))
        dialog.rejected.connect(self._then.clear)
        dialog.finished.connect(lambda _result: self._forget(dialog))
        self._lock.own(dialog, close_on_lock=False)  # it is only ever open while locked

    def _forget(self, dialog: QtUnlockDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _start(self, path: Path, dialog: QtUnlockDialog, feedback: Feedback) -> None:
        passphrase = dialog.request().passphrase

        def job() -> Identity | EvidenceError:
            try:
                return unlock_identity_file(path, passphrase)
            except EvidenceError as e:  # an answer for the dialog's line, kept as its type
                return e

        self._lock.runner.start(
            job,
            lambda outcome: self._tried(outcome, dialog, feedback),
            lambda message: self._tried(EvidenceError(message), dialog, feedback),
        )

    def _tried(self, outcome: Identity | EvidenceError, dialog: QtUnlockDialog, feedback: Feedback) -> None:
        if self.dialog is not dialog:  # closed meanwhile
            return
        if isinstance(outcome, WrongPassphraseError):
            log.info("unlock refused: wrong passphrase")
            dialog.show_error(WRONG_PASSPHRASE_TEXT)
            return
        if isinstance(outcome, EvidenceError):
            log.warning("unlock failed: %s", type(outcome).__name__)
            dialog.show_error(UNREADABLE_TEXT)
            return
        if not outcome.card.same_keys(self._lock.workspace.own_card()):
            log.warning("unlock refused: %s is not this data dir's identity", outcome.card.fingerprint)
            dialog.show_error(NOT_OURS_TEXT)
            return
        dialog.accept()
        self._lock.session.accept_identity(outcome)
        feedback.status("")
        waiting, self._then = self._then, []
        for then in waiting:
            then()
