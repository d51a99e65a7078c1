"""The timeline of linked incidents: each occasion, then its items, in order of when they happened.

Each time says where it comes from (as reported, workstation clock, trusted time), and each occasion how it joined
the timeline (a signed link with its reason, or a shared confirmed handle, person or target); an item with a text
layer is marked machine-read. Nothing here is an image: the evidence stays in the Evidence tab.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence.review.timeline import Occasion, Timeline
from ui.verdict import safe_text

COLUMNS = ("When (UTC)", "Time from", "Platform", "Handle", "Incident", "How it is linked")


def _stamp(o: Occasion) -> str:
    return o.when.strftime("%Y-%m-%d %H:%M") if o.when is not None else "not known"


class QtTimelineView(QWidget):
    """Shows a :class:`Timeline`.

    Signals:
        refresh_requested(): build the timeline again (it opens every bundle in the drop folder).
        open_requested(str): the reviewer double-clicked an occasion (its reference).
        export_requested(): the reviewer asked for a course-of-conduct pack of the occasions shown.
        link_requested(str, str): link the bundle on show to this reference, for this reason.
        unlink_requested(str, str): withdraw its link to this reference, for this reason.
    """

    refresh_requested = Signal()
    open_requested = Signal(str)
    export_requested = Signal()
    link_requested = Signal(str, str)
    unlink_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.summary = QLabel("", self)
        self.summary.setObjectName("timeline_summary")
        self.summary.setWordWrap(True)
        self.refresh_button = QPushButton("Build the timeline", self)
        self.refresh_button.setObjectName("timeline_refresh")
        self.export_button = QPushButton("Export the course of conduct for police…", self)
        self.export_button.setObjectName("timeline_export")
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("timeline")
        self.tree.setHeaderLabels(list(COLUMNS))
        for column, width in enumerate((168, 118, 80, 190, 250)):
            self.tree.setColumnWidth(column, width)
        buttons = QHBoxLayout()
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        self.other = QComboBox(self)
        self.other.setObjectName("link_other")
        self.other.setMinimumContentsLength(18)
        self.why = QLineEdit(self)
        self.why.setObjectName("link_why")
        self.why.setPlaceholderText("Why (required)")
        self.link_button = QPushButton("Link", self)
        self.link_button.setObjectName("link_button")
        self.unlink_button = QPushButton("Unlink", self)
        self.unlink_button.setObjectName("unlink_button")
        by_hand = QHBoxLayout()
        by_hand.addWidget(QLabel("By hand:", self))
        by_hand.addWidget(self.other)
        by_hand.addWidget(self.why, 1)
        by_hand.addWidget(self.link_button)
        by_hand.addWidget(self.unlink_button)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        layout.addWidget(self.tree, 1)
        layout.addLayout(by_hand)
        self.link_button.clicked.connect(lambda: self._emit(self.link_requested))
        self.unlink_button.clicked.connect(lambda: self._emit(self.unlink_requested))
        self.why.textChanged.connect(lambda *_: self._sync())
        self.other.currentIndexChanged.connect(lambda *_: self._sync())
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.export_button.clicked.connect(self.export_requested)
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        self.timeline: Timeline | None = None
        self.clear()

    def set_timeline(self, timeline: Timeline) -> None:
        """Show ``timeline``: occasions as rows, items beneath them."""
        self.timeline = timeline
        self.tree.clear()
        for n, o in enumerate(timeline.occasions, start=1):
            handles = ", ".join(o.handles) or (f"{o.form_handle} (as entered)" if o.form_handle else "")
            people = f" ({'; '.join(o.people)})" if o.people else ""
            row = QTreeWidgetItem(
                [
                    f"{n}. {_stamp(o)}",
                    o.source.value,
                    safe_text(o.platform),
                    safe_text(handles + people),
                    safe_text(f"{o.ref} {o.title}"),
                    safe_text(o.linked_by),
                ]
            )
            row.setData(0, Qt.ItemDataRole.UserRole, o.ref)
            for m in o.items:
                text = " (has machine-read text)" if m.has_text_layer else ""
                source = f"{m.source.value}, TSA {m.tsa}" if m.tsa else m.source.value
                child = QTreeWidgetItem([m.when.strftime("%Y-%m-%d %H:%M"), source, "", "", f"item {m.seq}{text}", ""])
                child.setToolTip(4, f"SHA-256 {m.sha256}")
                row.addChild(child)
            self.tree.addTopLevelItem(row)
            row.setExpanded(True)
        count = len(timeline.occasions)
        self.summary.setText(
            f"{count} linked occasion(s), in order of when they happened. Dates of occasions are as staff reported"
            " them; item times are the capturing computer's clock unless marked as trusted time."
        )
        self.export_button.setEnabled(count >= 2)

    def set_others(self, refs: list[str]) -> None:
        """The incidents the bundle on show may be linked to by hand (or unlinked from)."""
        self.other.clear()
        for ref in refs:
            self.other.addItem(ref, ref)
        self._sync()

    def _sync(self) -> None:
        ok = self.other.currentData() is not None and bool(self.why.text().strip())
        self.link_button.setEnabled(ok)
        self.unlink_button.setEnabled(ok)

    def _emit(self, signal: SignalInstance) -> None:
        ref = self.other.currentData()
        if isinstance(ref, str) and self.why.text().strip():
            signal.emit(ref, self.why.text().strip())

    def clear(self) -> None:
        """Show nothing (no bundle, or locked)."""
        self.timeline = None
        self.other.clear()
        self.why.clear()
        self.tree.clear()
        self.summary.setText("Open a bundle, then build its timeline: the incidents linked to it, in order.")
        self.export_button.setEnabled(False)

    def _double_clicked(self, row: QTreeWidgetItem, _column: int) -> None:
        parent = row.parent()
        while parent is not None:
            row, parent = parent, parent.parent()
        ref = row.data(0, Qt.ItemDataRole.UserRole)
        if isinstance(ref, str):
            self.open_requested.emit(ref)
