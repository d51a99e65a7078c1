"""Search the reviewer's unlocked bundles: by handle, phrase, platform, category, person or date.

The results are references, items, dates and the words that matched (from machine-read text, which may be wrong:
the match is to be checked on the image). The index behind it lives in memory only (see
:mod:`evidence.case.search`); this view holds the results only until the next search or a lock.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence.case.search import Hit
from ui.verdict import safe_text

COLUMNS = ("Incident", "Item", "Happened", "Platform", "Matched")
HINT = "@handle, words to find, or platform:TikTok, category:threatening, person:NAME, date:2026-11-09"


class QtSearchView(QWidget):
    """A search box and its results.

    Signals:
        search_requested(str): the term to search for.
        open_requested(str): the reviewer double-clicked a result (its reference).
    """

    search_requested = Signal(str)
    open_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.term = QLineEdit(self)
        self.term.setObjectName("search_term")
        self.term.setPlaceholderText(HINT)
        self.button = QPushButton("Search", self)
        self.button.setObjectName("search_button")
        self.summary = QLabel("Searches every bundle in the drop folder, in memory, while you are unlocked.", self)
        self.summary.setObjectName("search_summary")
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("search_results")
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        for column, width in enumerate((170, 60, 150, 90)):
            self.tree.setColumnWidth(column, width)
        row = QHBoxLayout()
        row.addWidget(self.term, 1)
        row.addWidget(self.button)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        self.button.clicked.connect(self._search)
        self.term.returnPressed.connect(self._search)
        self.tree.itemDoubleClicked.connect(self._double_clicked)

    def _search(self) -> None:
        text = self.term.text().strip()
        if text:
            self.search_requested.emit(text)

    def set_hits(self, hits: Sequence[Hit], bundles: int) -> None:
        """Show the results of a search over ``bundles`` bundles."""
        self.tree.clear()
        for hit in hits:
            found = "; ".join(f"{m.kind.value}: {m.text}" for m in hit.matches)
            row = QTreeWidgetItem(
                [
                    hit.ref,
                    "incident" if hit.item_seq is None else str(hit.item_seq),
                    hit.occurred.strftime("%Y-%m-%d %H:%M") if hit.occurred else "not known",
                    safe_text(hit.platform or ""),
                    safe_text(found + (" (machine-read)" if found else "")),
                ]
            )
            row.setData(0, Qt.ItemDataRole.UserRole, hit.ref)
            self.tree.addTopLevelItem(row)
        self.summary.setText(f"{len(hits)} match(es) in {bundles} bundle(s), searched in memory.")

    def clear(self) -> None:
        """Forget the results (on lock)."""
        self.tree.clear()
        self.summary.setText("Searches every bundle in the drop folder, in memory, while you are unlocked.")

    def _double_clicked(self, row: QTreeWidgetItem, _column: int) -> None:
        ref = row.data(0, Qt.ItemDataRole.UserRole)
        if isinstance(ref, str):
            self.open_requested.emit(ref)
