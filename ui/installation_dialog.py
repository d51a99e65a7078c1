"""The "About this installation" dialog: what is installed where, and where each setting in force came from.

A view only: the app computes the report (``app/installation.py``) and hands over plain text rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

COLUMNS = ("Setting", "Value", "Comes from", "File or note")


class QtInstallationDialog(QDialog):
    """The installation summary above a table of the settings in force.

    Attributes:
        summary: the form of (label, value) lines.
        table: one row per setting: setting, value, comes from, file or note.
    """

    def __init__(
        self,
        summary: Sequence[tuple[str, str]],
        rows: Sequence[tuple[str, str, str, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("About this installation")
        layout = QVBoxLayout(self)
        form_box = QWidget(self)
        self.summary = QFormLayout(form_box)
        for label, value in summary:
            text = QLabel(value, form_box)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.summary.addRow(label, text)
        layout.addWidget(form_box)
        layout.addWidget(QLabel("Settings in force, and where each one comes from:", self))
        self.table = QTableWidget(len(rows), len(COLUMNS), self)
        self.table.setObjectName("settings_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(value))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(820, 420)

    def cell(self, row: int, column: int) -> str:
        """The text of one cell of the settings table."""
        item = self.table.item(row, column)
        return item.text() if item is not None else ""
