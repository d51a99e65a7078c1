"""Asks for the passphrase that unlocks the identity; the answer's ``repr`` never shows the passphrase.

Like KeePassXC's unlock (issue 11): a wrong passphrase keeps the dialog open, says so on a line under the field
(no message box, no file path), and selects what was typed so the next try replaces it. While the key is being
derived (scrypt takes a moment on purpose) the field and the button wait, so a second press cannot start another.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLineEdit, QVBoxLayout, QWidget

from ui.widget_helpers import plain_label

TITLE = "Unlock Evidence Capture"
MIN_WIDTH = 440


@dataclass(frozen=True)
class UnlockRequest:
    """The passphrase typed into :class:`QtUnlockDialog` (kept out of ``repr``, so out of logs)."""

    passphrase: str = field(repr=False)


class QtUnlockDialog(QDialog):
    """A passphrase prompt that stays open until the passphrase works (or the user cancels).

    Attributes:
        passphrase: the line edit (password mode).
        error: the inline message under it (hidden while there is none).
        ok: the Unlock button.

    Signals:
        submitted(): the user pressed Unlock (or Enter) with something typed; the app tries it and then calls
            :meth:`accept` or :meth:`show_error`.
    """

    submitted = Signal()

    def __init__(self, who: str, parent: QWidget | None = None, error: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("unlock_dialog")
        self.setWindowTitle(TITLE)
        layout = QVBoxLayout(self)
        intro = plain_label(f"Type the passphrase of {who} to view and seal evidence.", self, "unlock_intro")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.passphrase = QLineEdit(self)
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        layout.addWidget(self.passphrase)
        self.error = plain_label(error, self, "error")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.setVisible(bool(error))
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Unlock")
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        title_room = self.fontMetrics().horizontalAdvance(TITLE) * 3 // 2 + 160  # the title bar's buttons and icon
        self.setMinimumWidth(max(MIN_WIDTH, title_room))
        self.passphrase.textChanged.connect(lambda _text: self.ok.setEnabled(bool(self.passphrase.text())))
        self.ok.setEnabled(False)

    def text(self) -> str:
        """What was typed."""
        return self.passphrase.text()

    def request(self) -> UnlockRequest:
        """The answer."""
        return UnlockRequest(self.text())

    def set_busy(self, busy: bool) -> None:
        """Wait (field and button off, "Unlocking…") while the passphrase is tried."""
        self.passphrase.setEnabled(not busy)
        self.ok.setEnabled(not busy and bool(self.passphrase.text()))
        if busy:
            self.error.setStyleSheet("color: palette(text);")
            self.error.setText("Unlocking…")
            self.error.show()

    def show_error(self, message: str) -> None:
        """Stay open and say what went wrong under the field; select what was typed for the next try."""
        self.set_busy(False)
        self.error.setStyleSheet("color: #b00020;")
        self.error.setText(message)
        self.error.show()
        self.passphrase.setFocus()
        self.passphrase.selectAll()

    def _submit(self) -> None:
        if self.passphrase.text() and self.passphrase.isEnabled():
            self.set_busy(True)
            self.submitted.emit()
