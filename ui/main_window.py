"""The main window: the incidents in the vault, listed without an unlock."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QMainWindow, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from evidence.vault import Vault


class QtMainWindow(QMainWindow):
    """Lists the vault's incidents (reference, created, status, items).

    Attributes:
        vault: the open vault this window shows.
    """

    def __init__(self, vault: Vault, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.setWindowTitle("Evidence Capture")
        self.resize(900, 560)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        self.header = QLabel(f"Vault: {data_dir}", central)
        layout.addWidget(self.header)
        self.incidents = QTreeWidget(central)
        self.incidents.setHeaderLabels(["Reference", "Created (UTC)", "Status", "Items"])
        self.incidents.setRootIsDecorated(False)
        layout.addWidget(self.incidents)
        self.setCentralWidget(central)
        self.refresh()

    def refresh(self) -> None:
        """Reload the incident list from the vault."""
        self.incidents.clear()
        for row in self.vault.list_incidents():
            QTreeWidgetItem(self.incidents, [row.ref, row.created_utc, row.status.value, str(row.item_count)])
        for column in range(4):
            self.incidents.resizeColumnToContents(column)
