"""The subject access dialog: whose data, and where the pack goes.

It only collects the data subject's name (chosen from the people the incident names, or typed) and a folder; the
core decides what is disclosed (:mod:`evidence.police.sar_export`). The folder is never proposed inside the data
folder: a plaintext pack there would outlive everything else.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from evidence.core.text import clean_line


class QtSarDialog(QDialog):
    """Ask for the data subject and the output folder; **Export** accepts.

    Attributes:
        subject_combo: the data subject (editable; the incident's people are offered).
        folder_edit: the folder in which ``REF-subject-access`` is created.
        export_button: accepts (enabled with a subject and a folder).
    """

    def __init__(self, ref: str, people: Sequence[str], folder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sar_dialog")
        self.setWindowTitle(f"Subject access copy of {clean_line(ref)}")
        note = QLabel(
            "The pack holds redacted copies only, never the originals (make them first with Redact… in the item "
            "viewer), and an account of the incident with other people's details removed, with a list of what was "
            "withheld and why. The export is recorded as a signed revision."
        )
        note.setWordWrap(True)
        self.subject_combo = QComboBox()
        self.subject_combo.setObjectName("sar_subject")
        self.subject_combo.setEditable(True)
        for name in people:
            self.subject_combo.addItem(clean_line(name))
        self.folder_edit = QLineEdit(folder)
        self.folder_edit.setObjectName("sar_folder")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setObjectName("sar_export_button")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Data subject", self.subject_combo)
        form.addRow("Save in folder", self.folder_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.subject_combo.currentTextChanged.connect(lambda *_: self._sync())
        self.folder_edit.textChanged.connect(lambda *_: self._sync())
        self._sync()

    def subject(self) -> str:
        """The data subject's name as given."""
        return self.subject_combo.currentText().strip()

    def folder(self) -> str:
        """The output folder as given."""
        return self.folder_edit.text().strip()

    def _sync(self) -> None:
        self.export_button.setEnabled(bool(self.subject()) and bool(self.folder()))
