"""The staff main window: the incidents, the open incident's form and items, and the capture bar."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolBar,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence.case.incident import Status
from evidence.core.text import clean_line
from evidence.vault.store import IncidentRow

DELAYS = (0, 3, 5, 10)
STATUS_WORDS = {
    Status.DRAFT: "Draft",
    Status.BLOCKED: "Blocked (DSL)",
    Status.SEALED: "Sealed",
    Status.SHREDDED: "Sealed and sent",
}


class QtCaptureBar(QToolBar):
    """The capture actions. The app connects them; this only shows them.

    Attributes:
        full, region, pick_window, import_file, safeguarding, lock: the actions (``pick_window`` captures a window).
        monitor_menu: one action per monitor, rebuilt by :meth:`set_monitors`.
        delay: seconds to wait before capturing (0, 3, 5 or 10).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Capture", parent)
        self.setObjectName("capture_bar")
        self.setMovable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.full = self._action("Full screen", "Ctrl+Shift+F", "Capture everything on every screen")
        self.monitor_button = QToolButton(self)
        self.monitor_button.setText("Monitor")
        self.monitor_button.setObjectName("monitor_button")
        self.monitor_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.monitor_menu = QMenu(self.monitor_button)
        self.monitor_button.setMenu(self.monitor_menu)
        self.addWidget(self.monitor_button)
        self.region = self._action("Region", "Ctrl+Shift+R", "Freeze the screen, then drag a rectangle")
        self.pick_window = self._action("Window", "Ctrl+Shift+W", "Freeze the screen, then click a window")
        self.addWidget(QLabel(" Delay: ", self))
        self.delay_box = QComboBox(self)
        self.delay_box.setObjectName("delay")
        self.delay_box.setAccessibleName("Delay before capturing")
        for seconds in DELAYS:
            self.delay_box.addItem("Off" if seconds == 0 else f"{seconds} s", seconds)
        self.addWidget(self.delay_box)
        self.addSeparator()
        self.import_file = self._action("Import received screenshot…", "Ctrl+I", "Add an image a pupil or parent sent")
        self.addSeparator()
        self.safeguarding = self._action(
            "Nude image of a child?", "", "Do not capture it: record it for the DSL as text only"
        )
        button = self.widgetForAction(self.safeguarding)
        if button is not None:
            button.setObjectName("safeguarding_button")
            button.setStyleSheet("QToolButton { color: white; background: #b00020; padding: 3px 8px; }")
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(spacer)
        self.lock = self._action("Lock", "Ctrl+L", "Lock now: captures still work, viewing needs your passphrase")

    def _action(self, text: str, shortcut: str, tip: str) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            tip = f"{tip} ({shortcut})"
        action.setToolTip(tip)
        action.setStatusTip(tip)
        self.addAction(action)
        return action

    @property
    def delay(self) -> int:
        """The chosen delay in seconds."""
        return int(self.delay_box.currentData())

    def set_monitors(self, count: int) -> list[QAction]:
        """One menu entry per monitor; returns the actions (monitor N is entry N-1)."""
        self.monitor_menu.clear()
        actions = []
        for n in range(1, count + 1):
            action = self.monitor_menu.addAction(f"Monitor {n}")
            if n <= 9:
                action.setShortcut(QKeySequence(f"Ctrl+Shift+{n}"))
                action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            actions.append(action)
        self.monitor_button.setEnabled(count > 0)
        return actions


class QtIncidentList(QTreeWidget):
    """The incidents in the vault, listed without an unlock.

    Signals:
        incident_selected(str): the reference of the incident the user picked.
    """

    incident_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("incident_list")
        self.setHeaderLabels(["Incident", "Started", "Status", "Items"])
        self.setRootIsDecorated(False)
        self.setAccessibleName("Incidents")
        self.currentItemChanged.connect(self._changed)
        self._titles: dict[str, str] = {}

    def set_rows(self, rows: list[IncidentRow], current: str | None) -> None:
        """Show ``rows`` and keep ``current`` selected."""
        self.blockSignals(True)
        self.clear()
        for row in rows:
            title = self._titles.get(row.ref, "")
            item = QTreeWidgetItem(
                self,
                [
                    title or row.ref,
                    row.created_utc[:16].replace("T", " "),
                    STATUS_WORDS[row.status],
                    str(row.item_count),
                ],
            )
            item.setData(0, Qt.ItemDataRole.UserRole, row.ref)
            item.setToolTip(0, row.ref)
            if row.ref == current:
                self.setCurrentItem(item)
        for column in range(4):
            self.resizeColumnToContents(column)
        self.blockSignals(False)

    def set_titles(self, titles: dict[str, str]) -> None:
        """Titles known after an unlock (forgotten on lock with ``set_titles({})``)."""
        self._titles = {ref: clean_line(title) for ref, title in titles.items()}
        for index in range(self.topLevelItemCount()):
            item = self.topLevelItem(index)
            if item is None:
                continue
            ref = item.data(0, Qt.ItemDataRole.UserRole)
            item.setText(0, self._titles.get(ref) or ref)

    def set_title(self, ref: str, title: str) -> None:
        """Update one incident's title (after the user saved it)."""
        self.set_titles({**self._titles, ref: title})

    def _changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if current is not None:
            self.incident_selected.emit(current.data(0, Qt.ItemDataRole.UserRole))


class QtMainWindow(QMainWindow):
    """The staff window. It holds widgets and actions only; the app wires them to the vault.

    Attributes:
        capture_bar: the capture actions.
        incidents: the list of incidents.
        new_incident: the "New incident" button.
        header: the open incident's reference and status.
        tabs: "Details" (the form) and "Evidence" (the items).
        seal_button: "Seal and send…".
        save_button: "Save details".
        locked_note: shown over the form while locked.

    Signals:
        close_requested(): the user closed the window.
    """

    close_requested = Signal()

    def __init__(self, form: QWidget, items: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Evidence Capture")
        self.resize(1180, 760)
        self.capture_bar = QtCaptureBar(self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.capture_bar)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.new_incident = QPushButton("New incident", left)
        self.new_incident.setObjectName("new_incident")
        self.new_incident.setShortcut(QKeySequence("Ctrl+N"))
        self.incidents = QtIncidentList(left)
        left_layout.addWidget(self.new_incident)
        left_layout.addWidget(self.incidents)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.header = QLabel("No incident open. Capture something, or start a new incident.", right)
        self.header.setObjectName("header")
        self.header.setTextFormat(Qt.TextFormat.PlainText)  # the title is typed text, never markup
        self.header.setStyleSheet("font-size: 15px; font-weight: 600; padding: 4px;")
        self.header.setWordWrap(True)
        self.locked_note = QLabel(
            "Locked. Captures still work and are stored encrypted. Unlock (Ctrl+U) to see or edit the details "
            "and pictures.",
            right,
        )
        self.locked_note.setObjectName("locked_note")
        self.locked_note.setWordWrap(True)
        self.locked_note.setStyleSheet("background: #fff4ce; padding: 6px; border: 1px solid #e0c060;")
        self.unlock_button = QPushButton("Unlock…", right)
        self.unlock_button.setObjectName("unlock_button")
        self.unlock_button.setShortcut(QKeySequence("Ctrl+U"))
        locked_row = QHBoxLayout()
        locked_row.addWidget(self.locked_note, 1)
        locked_row.addWidget(self.unlock_button)
        self.tabs = QTabWidget(right)
        self.tabs.setObjectName("tabs")
        self.tabs.addTab(form, "Details")
        self.tabs.addTab(items, "Evidence")
        buttons = QHBoxLayout()
        self.problems = QLabel("", right)
        self.problems.setObjectName("problems")
        self.problems.setStyleSheet("color: #b00020;")
        self.problems.setWordWrap(True)
        self.save_button = QPushButton("Save details", right)
        self.save_button.setObjectName("save_button")
        self.save_button.setShortcut(QKeySequence("Ctrl+S"))
        self.seal_button = QPushButton("Seal and send…", right)
        self.seal_button.setObjectName("seal_button")
        self.seal_button.setStyleSheet("font-weight: 600;")
        buttons.addWidget(self.problems, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.seal_button)
        right_layout.addWidget(self.header)
        right_layout.addLayout(locked_row)
        right_layout.addWidget(self.tabs, 1)
        right_layout.addLayout(buttons)

        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([380, 800])
        self.setCentralWidget(splitter)
        self.statusBar().showMessage("Ready")

    def set_locked(self, locked: bool) -> None:
        """Show or hide the lock note; the app disables what needs a key."""
        self.locked_note.setVisible(locked)
        self.unlock_button.setVisible(locked)
        self.capture_bar.lock.setEnabled(not locked)

    def set_open_incident(self, ref: str | None, status: Status | None, title: str = "") -> None:
        """Describe the open incident in the header."""
        if ref is None or status is None:
            self.header.setText("No incident open. Capture something, or start a new incident.")
            return
        name = f"{clean_line(title)} — " if title else ""
        self.header.setText(f"{name}{ref} ({STATUS_WORDS[status]})")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        """Tell the app; it decides whether to quit or stay in the tray."""
        self.close_requested.emit()
        super().closeEvent(event)
