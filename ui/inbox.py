"""The reviewer's inbox: the sealed bundles in the drop folder, who sent them, and what opening them showed.

A view of :func:`evidence.review.inbox.scan` and :class:`evidence.review.inbox.InboxIndex`: the caller scans and
hands the entries over with :meth:`QtInbox.set_entries`; the widget holds no domain state of its own. It watches the
folder and asks for a rescan (``refresh_wanted``) when something there changes. ``QFileSystemWatcher`` is quick but
misses changes on network shares and some synced folders, so a 5 s timer also compares a cheap stamp of the folder
(names, sizes, modification times); both paths are debounced into one signal, so a burst of writes asks once.

The origin column is a word as well as a colour ("Verified", "No signature", "Failed"), so that it does not rely
on colour alone; so is the amber status of a bundle older than, or different from, the one already seen. Every text
from a file name or a signature is shown as plain text, cleaned of control and bidi characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence.core.errors import EvidenceError
from evidence.core.timefmt import local_time_text, parse_utc
from evidence.review.inbox import InboxEntry, InboxIndex, OriginState, Seen, folder_stamp
from ui.item_text import file_size_text
from ui.verdict import check_phrase, safe_text

COLUMNS = ("Bundle", "Sender", "Origin", "File time", "Status", "Revisions", "Items")
COL_REF, COL_SENDER, COL_ORIGIN, COL_TIME, COL_STATUS, COL_REVISIONS, COL_ITEMS = range(len(COLUMNS))

POLL_MS = 5000
"""How often the folder is compared with its last stamp, for shares where the watcher sees nothing."""
DEBOUNCE_MS = 300

ORIGIN_WORDS = {
    OriginState.VERIFIED: ("Verified", QColor("#1e7e34")),
    OriginState.MISSING: ("No signature", QColor("#8a5a00")),
    OriginState.FAILED: ("Failed", QColor("#b00020")),
}
ORIGIN_TIPS = {
    OriginState.VERIFIED: "The signature beside the file names a signer the school trusts: {who} ({fingerprint}).",
    OriginState.MISSING: "There is no signature beside this file, so who sent it is not known until it is opened.",
    OriginState.FAILED: "The signature beside this file does not check out: {reason}",
}
NOT_OPENED_TEXT = "Not opened yet"
FAILED_COLOUR = QColor("#b00020")
AMBER_COLOUR = QColor("#8a5a00")
AMBER_BACKGROUND = QColor("#fff4ce")
SEEN_WORDS = {
    Seen.OLDER: "Older than the one already seen",
    Seen.DIFFERENT: "Different from the one already seen",
}
"""The status of a bundle that verified but is not the history of its incident already verified here."""
SEEN_TIPS = {
    Seen.OLDER: "It verifies, but a later revision of this incident was already verified here: an older copy may "
    "have been put back in the drop folder.",
    Seen.DIFFERENT: "It verifies, but a revision of this incident was already verified here with a different "
    "history: two reviewers may have revised it at once, or one copy is not what it seems.",
}


def short_time_text(utc_text: str) -> str:
    """A file time for the table, short enough for its column: "30 Nov 2026, 10:27" in local time."""
    try:
        return f"{parse_utc(utc_text).astimezone():%d %b %Y, %H:%M}"
    except EvidenceError:
        return utc_text


class QtInbox(QWidget):
    """A table of the bundles in the drop folder, with an Open file… button.

    Attributes:
        folder: the watched folder, or None.
        entries: the entries shown, in their order.
        tree: the table (one row per bundle).
        folder_label: which folder is shown.
        empty_label: shown in place of the table when there is nothing to list.
        open_file_button: opens a bundle from anywhere.
        refresh_button: asks for a rescan now.
        watcher: notices changes in the folder.
        poll_timer: the fallback for folders the watcher cannot see into.

    Signals:
        refresh_wanted(): something in the folder changed (or the user asked); rescan and call set_entries.
        open_requested(Path): the user double-clicked a bundle or pressed Enter on it.
        open_file_requested(): the user pressed Open file….
    """

    refresh_wanted = Signal()
    open_requested = Signal(Path)
    open_file_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, poll_ms: int = POLL_MS) -> None:
        super().__init__(parent)
        self.setObjectName("inbox")
        self.folder: Path | None = None
        self.entries: tuple[InboxEntry, ...] = ()
        self._stamp: frozenset[tuple[str, int, int]] = frozenset()

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.folder_label = QLabel(self)
        self.folder_label.setObjectName("folder_label")
        self.folder_label.setTextFormat(Qt.TextFormat.PlainText)
        self.folder_label.setWordWrap(True)  # a long share path wraps rather than widening the window
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.folder_label, 1)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setObjectName("refresh_button")
        self.refresh_button.setToolTip("Look in the folder again now")
        self.refresh_button.clicked.connect(self.refresh_wanted)
        top.addWidget(self.refresh_button)
        self.open_file_button = QPushButton("Open file…", self)
        self.open_file_button.setObjectName("open_file_button")
        self.open_file_button.setToolTip("Open a sealed bundle from another folder")
        self.open_file_button.clicked.connect(self.open_file_requested)
        top.addWidget(self.open_file_button)
        layout.addLayout(top)

        self.tree = _InboxTree(self)
        self.tree.setObjectName("inbox_table")
        self.tree.setAccessibleName("Sealed bundles")
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSortingEnabled(False)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # keep the end of a reason ("not a signer")
        header = self.tree.header()
        header.setStretchLastSection(False)
        # every column as wide as its widest text, header included: nothing is cut off; a narrow pane scrolls
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.tree.itemDoubleClicked.connect(self._on_double_clicked)
        self.tree.enter_pressed.connect(self._open_current)
        layout.addWidget(self.tree, 1)
        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("empty_label")
        self.empty_label.setTextFormat(Qt.TextFormat.PlainText)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.empty_label, 1)

        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(self._schedule_check)
        self.watcher.fileChanged.connect(self._schedule_check)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._check_folder)
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(poll_ms)
        self.poll_timer.timeout.connect(self._check_folder)
        self._update_empty()

    # --- the folder ---

    def set_folder(self, folder: Path | None) -> None:
        """Watch ``folder`` (None stops watching). Does not scan: the caller scans and calls :meth:`set_entries`."""
        paths = self.watcher.directories() + self.watcher.files()
        if paths:
            self.watcher.removePaths(paths)
        self.folder = folder
        self._stamp = frozenset()
        if folder is None:
            self.poll_timer.stop()
            self.folder_label.setText("")
        else:
            self.folder_label.setText(f"Sealed bundles in {safe_text(str(folder), limit=400)}")
            self.folder_label.setToolTip(str(folder))
            if folder.is_dir():
                self.watcher.addPath(str(folder))
            self._stamp = folder_stamp(folder)
            self.poll_timer.start()
        self._update_empty()

    def _schedule_check(self, _path: str = "") -> None:
        self._debounce.start()

    def _check_folder(self) -> None:
        if self.folder is None:
            return
        if not self.watcher.directories() and self.folder.is_dir():
            self.watcher.addPath(str(self.folder))  # the folder appeared (or a share came back)
        stamp = folder_stamp(self.folder)
        if stamp != self._stamp:
            self._stamp = stamp
            self.refresh_wanted.emit()

    # --- model in ---

    def set_entries(self, entries: Sequence[InboxEntry], index: InboxIndex | None = None) -> None:
        """Show ``entries`` with what ``index`` remembers of each; keep the selected bundle selected."""
        current = self.current_path()
        self.entries = tuple(entries)
        self.tree.clear()
        for entry in self.entries:
            item = self._row(entry, index)
            self.tree.addTopLevelItem(item)
            if entry.path == current:
                self.tree.setCurrentItem(item)
        self._update_empty()

    def add_entry(self, entry: InboxEntry, index: InboxIndex | None = None) -> None:
        """List one more bundle while a scan runs (or refresh its row); :meth:`set_entries` ends the scan's list."""
        for row in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(row)
            if item is not None and item.data(COL_REF, Qt.ItemDataRole.UserRole) == str(entry.path):
                self.tree.takeTopLevelItem(row)
                break
        self.entries = (*(e for e in self.entries if e.path != entry.path), entry)
        self.tree.addTopLevelItem(self._row(entry, index))
        self._update_empty()

    def select_path(self, path: Path | None) -> None:
        """Select the row of the bundle ``path`` (none when it is not in the list: a file opened from elsewhere)."""
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            if item is not None and item.data(COL_REF, Qt.ItemDataRole.UserRole) == str(path):
                self.tree.setCurrentItem(item)
                return
        self.tree.setCurrentIndex(QModelIndex())  # no current row
        self.tree.clearSelection()

    def current_path(self) -> Path | None:
        """The selected bundle's path, if any."""
        item = self.tree.currentItem()
        if item is None:
            return None
        value = item.data(COL_REF, Qt.ItemDataRole.UserRole)
        return Path(value) if isinstance(value, str) else None

    def _row(self, entry: InboxEntry, index: InboxIndex | None) -> QTreeWidgetItem:
        origin = entry.origin
        word, colour = ORIGIN_WORDS[origin.state]
        if entry.pending is not None and entry.pending == entry.revision:  # nothing complete yet: never "tampered"
            word, colour = ("Incomplete" if entry.pending_stale else "Being written"), AMBER_COLOUR
        if origin.state is OriginState.FAILED:
            sender = f"Unknown: {safe_text(origin.reason)}"
        else:
            sender = safe_text(origin.name or origin.principal) or "Unknown"  # the full form is in the tooltip
        record = index.get(entry.sha256) if index is not None else None
        if record is None:
            status, revisions, items = NOT_OPENED_TEXT, "", ""
        elif record.verified and record.seen is not None:
            status = SEEN_WORDS[record.seen]
            revisions = "" if record.revisions is None else str(record.revisions)
            items = "" if record.item_count is None else str(record.item_count)
        elif record.verified:
            status = (record.status or "verified").capitalize()  # the status is never stored: open to see it
            revisions = "" if record.revisions is None else str(record.revisions)
            items = "" if record.item_count is None else str(record.item_count)
        else:
            status, revisions, items = "Did not verify", "", ""
        if entry.pending is not None:
            status = f"{status} ({entry.pending_text()})"
        item = QTreeWidgetItem(
            [
                safe_text(entry.ref),
                sender,
                word,
                short_time_text(entry.modified_utc) if entry.modified_utc else "",
                status,
                revisions,
                items,
            ]
        )
        item.setData(COL_REF, Qt.ItemDataRole.UserRole, str(entry.path))
        item.setToolTip(COL_REF, f"{safe_text(entry.path.name)}\n{file_size_text(entry.size)}")
        tip = ORIGIN_TIPS[origin.state].format(
            who=safe_text(origin.sender), fingerprint=origin.fingerprint, reason=safe_text(origin.reason)
        )
        item.setToolTip(COL_ORIGIN, tip)
        item.setToolTip(COL_SENDER, tip)
        item.setForeground(COL_ORIGIN, QBrush(colour))
        font = item.font(COL_ORIGIN)
        font.setBold(True)
        item.setFont(COL_ORIGIN, font)
        item.setToolTip(COL_TIME, local_time_text(entry.modified_utc) if entry.modified_utc else "")
        if origin.state is not OriginState.VERIFIED:
            item.setForeground(COL_SENDER, QBrush(QColor("#6b6b6b")))
        if record is not None and not record.verified:
            item.setForeground(COL_STATUS, QBrush(FAILED_COLOUR))
            item.setToolTip(COL_STATUS, f"When opened: {check_phrase(record.failed_check or '')}")
        elif record is not None and record.seen is not None:
            item.setForeground(COL_STATUS, QBrush(AMBER_COLOUR))
            item.setBackground(COL_STATUS, QBrush(AMBER_BACKGROUND))
            item.setToolTip(COL_STATUS, SEEN_TIPS[record.seen])
        elif record is not None:
            item.setToolTip(COL_STATUS, f"Sealed (UTC): {record.sealed_utc}\nOpened (UTC): {record.checked_utc}")
        for column in (COL_REVISIONS, COL_ITEMS):
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def _update_empty(self) -> None:
        empty = not self.entries
        self.tree.setVisible(not empty)
        self.empty_label.setVisible(empty)
        if self.folder is None:
            self.empty_label.setText("No drop folder is set. Use Open file… to open a sealed bundle.")
        elif not self.folder.is_dir():
            shown = safe_text(str(self.folder), limit=400)
            self.empty_label.setText(
                f"The school's drop folder cannot be reached right now ({shown}). This is normal away from"
                " school or before the share is connected: sealed bundles appear here as soon as it can be reached."
                " You can still open a bundle with Open file…"
            )
        else:
            self.empty_label.setText(
                "No sealed bundles yet. When a member of staff seals an incident, it appears here by itself."
            )

    # --- user in ---

    def _on_double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        value = item.data(COL_REF, Qt.ItemDataRole.UserRole)
        if isinstance(value, str):
            self.open_requested.emit(Path(value))

    def _open_current(self) -> None:
        path = self.current_path()
        if path is not None:
            self.open_requested.emit(path)


class _InboxTree(QTreeWidget):
    """The table, telling Enter and Return apart from the rest of the keys.

    Signals:
        enter_pressed(): Enter or Return on the table.
    """

    enter_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Enter or Return opens the current bundle; every other key behaves as usual."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self.enter_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)
