"""The global hotkeys dialog: one key per capture, each with what the window system said about it.

It shows and edits text only (Qt's portable key names, such as ``Shift+Print``); the app checks the keys, saves
them in the user's settings and registers them, then shows here any key another program holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QKeySequenceEdit,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class HotkeyRow:
    """One capture's hotkey as the dialog shows it.

    Attributes:
        name: the setting's name (``hotkey_region``).
        label: what the key does, in words.
        text: the key in Qt's portable text, or "" when it is off.
        default: the built-in key.
        problem: why the key does not work now (held by another program...), or "".
    """

    name: str
    label: str
    text: str
    default: str
    problem: str = ""


class QtHotkeyDialog(QDialog):
    """Choose the global hotkeys.

    Attributes:
        edits: setting name -> its key editor.
        problems: setting name -> the label that says what is wrong with its key.
        note: a line about the whole system (e.g. why global hotkeys cannot work here).
    """

    def __init__(self, rows: list[HotkeyRow], note: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hotkey_dialog")
        self.setWindowTitle("Global hotkeys")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "These keys capture from anywhere, whichever program is in front. Click a box and press the new key;"
            " clear it to turn that hotkey off.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.note = QLabel(note, self)
        self.note.setObjectName("hotkey_note")
        self.note.setWordWrap(True)
        self.note.setVisible(bool(note))
        layout.addWidget(self.note)
        grid = QGridLayout()
        self.edits: dict[str, QKeySequenceEdit] = {}
        self.problems: dict[str, QLabel] = {}
        self._defaults: dict[str, str] = {}
        for n, row in enumerate(rows):
            label = QLabel(row.label, self)
            edit = QKeySequenceEdit(QKeySequence.fromString(row.text, QKeySequence.SequenceFormat.PortableText), self)
            edit.setObjectName(row.name)
            edit.setMaximumSequenceLength(1)
            edit.setClearButtonEnabled(True)
            edit.setAccessibleName(row.label)
            label.setBuddy(edit)
            problem = QLabel(row.problem, self)
            problem.setObjectName(f"{row.name}_problem")
            problem.setWordWrap(True)
            problem.setStyleSheet("color: #a40000;")
            problem.setVisible(bool(row.problem))
            grid.addWidget(label, 2 * n, 0)
            grid.addWidget(edit, 2 * n, 1)
            grid.addWidget(problem, 2 * n + 1, 1)
            self.edits[row.name] = edit
            self.problems[row.name] = problem
            self._defaults[row.name] = row.default
        layout.addLayout(grid)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.restore = QPushButton("Restore defaults", self)
        self.restore.setObjectName("restore_defaults")
        buttons.addButton(self.restore, QDialogButtonBox.ButtonRole.ResetRole)
        self.restore.clicked.connect(self._restore_defaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def values(self) -> dict[str, str]:
        """Setting name -> the key in portable text, or "none" where the box is empty."""
        out = {}
        for name, edit in self.edits.items():
            text = edit.keySequence().toString(QKeySequence.SequenceFormat.PortableText)
            out[name] = text or "none"
        return out

    def set_problem(self, name: str, text: str) -> None:
        """Say what is wrong with one key ("" clears it)."""
        self.problems[name].setText(text)
        self.problems[name].setVisible(bool(text))

    def _restore_defaults(self) -> None:
        for name, edit in self.edits.items():
            edit.setKeySequence(QKeySequence.fromString(self._defaults[name], QKeySequence.SequenceFormat.PortableText))
            self.set_problem(name, "")
