"""Asks for the passphrase that unlocks the identity; the answer's ``repr`` never shows the passphrase."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLineEdit, QVBoxLayout, QWidget

from ui.widget_helpers import plain_label


@dataclass(frozen=True)
class UnlockRequest:
    """The passphrase typed into :class:`QtUnlockDialog` (kept out of ``repr``, so out of logs)."""

    passphrase: str = field(repr=False)


class QtUnlockDialog(QDialog):
    """A passphrase prompt with room for the last error.

    Attributes:
        passphrase: the line edit (password mode).
    """

    def __init__(self, who: str, parent: QWidget | None = None, error: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("unlock_dialog")
        self.setWindowTitle("Unlock Evidence Capture")
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
        self.error.setVisible(bool(error))
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Unlock")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def text(self) -> str:
        """What was typed."""
        return self.passphrase.text()

    def request(self) -> UnlockRequest:
        """The answer."""
        return UnlockRequest(self.text())
