"""The main window: the capture bar, a menu bar, the incidents with the open one's form and items, and (for
reviewers and standalone users) the inbox as a second page of the same window.

Issue 11: one window, calm on first run (the reviewer's inbox used to open as a second window covering the
capture window); every command in the Tab order with an accessible name, in a menu with its shortcut, and in a
tooltip; a window sized to the screen it opens on (:mod:`ui.window_fit`).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence.case.incident import Status
from evidence.core.errors import EvidenceError
from evidence.core.text import clean_line
from evidence.core.timefmt import local_time_text, parse_utc
from evidence.vault.store import IncidentRow
from ui.sealed_page import QtSealedPage, SealedSummary
from ui.wheel_guard import guard_wheel

DELAYS = (0, 3, 5, 10)
SAFEGUARDING_SHORTCUT = "Ctrl+Shift+D"
"""The red button's shortcut: D for the DSL, whom the user tells instead of capturing."""
STATUS_WORDS = {
    Status.DRAFT: "Draft",
    Status.BLOCKED: "Note for the DSL",
    Status.SEALED: "Sealed",
    Status.SHREDDED: "Sealed and sent",
}
NO_INCIDENT_TEXT = "No incident open. Capture the screen, or start a new incident."


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
        self.monitor_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.monitor_button.setAccessibleName("Capture one monitor")
        self.monitor_button.setToolTip("Capture one monitor (Ctrl+Shift+1, 2…)")
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
        guard_wheel(self.delay_box)  # no change under a passing wheel (issue 11)
        self.addSeparator()
        self.import_file = self._action("Import received screenshot…", "Ctrl+I", "Add an image a pupil or parent sent")
        self.addSeparator()
        self.safeguarding = self._action(
            "Nude image of a child?", SAFEGUARDING_SHORTCUT, "Do not capture it: record it for the DSL as text only"
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
        button = self.widgetForAction(action)
        if button is not None:  # in the Tab order, named for screen readers (issue 11)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.setAccessibleName(text.rstrip("…?"))
            button.setAccessibleDescription(tip)
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
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # a long title is elided, not scrolled to
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.currentItemChanged.connect(self._changed)
        self._titles: dict[str, str] = {}

    def set_rows(self, rows: list[IncidentRow], current: str | None, deliveries: dict[str, str] | None = None) -> None:
        """Show ``rows`` and keep ``current`` selected; ``deliveries`` gives a sealed incident's status in words
        ("Received by NAME at TIME", "Waiting for a reviewer to open it")."""
        words = deliveries or {}
        self.blockSignals(True)
        self.clear()
        for row in rows:
            title = self._titles.get(row.ref, "")
            item = QTreeWidgetItem(
                self,
                [
                    title or row.ref,
                    started_text(row.created_utc),
                    words.get(row.ref, STATUS_WORDS[row.status]),
                    str(row.item_count),
                ],
            )
            item.setData(0, Qt.ItemDataRole.UserRole, row.ref)
            item.setToolTip(0, row.ref)
            item.setToolTip(1, local_time_text(row.created_utc))
            if row.ref == current:
                self.setCurrentItem(item)
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


def started_text(created_utc: str) -> str:
    """When an incident was started, as the list shows it: the local time, without seconds or a raw ISO form."""
    try:
        when = parse_utc(created_utc).astimezone()
    except EvidenceError:
        return created_utc
    return f"{when:%d %b %Y, %H:%M}"


def action_button(action: QAction, parent: QWidget, name: str) -> QPushButton:
    """A push button that triggers ``action`` and follows its text and enabled state (the action owns the
    shortcut, so the button and the menu never compete for it)."""
    button = QPushButton(action.text(), parent)
    button.setObjectName(name)
    button.clicked.connect(action.trigger)

    def sync() -> None:
        button.setEnabled(action.isEnabled())
        button.setToolTip(action.toolTip())

    action.changed.connect(sync)
    sync()
    return button


def _menu_action(menu: QMenu, text: str, shortcut: str = "", tip: str = "", name: str = "") -> QAction:
    action = menu.addAction(text)
    if name:
        action.setObjectName(name)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    if tip:
        action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
        action.setStatusTip(tip)
    return action


GUIDES = (("staff", "Guide for staff"), ("reviewer", "Guide for reviewers (DSL, Headteacher)"), ("it", "Guide for IT"))
"""The user guides under Help: ``docs/guide-NAME.md`` and its title in the menu."""

PREFERRED_SIZE = QSize(1240, 800)
"""The main window's size on a screen with room for it; smaller screens get the window fitted to them."""


class QtMainWindow(QMainWindow):
    """The main window. It holds widgets and actions only; the app wires them to the vault.

    Attributes:
        capture_bar: the capture actions.
        file_menu, capture_menu, incident_menu, help_menu: the menu bar's menus (a reviewer's page adds one).
        new_incident_action, save_action, seal_action, unlock_action, quit_action: the commands, with shortcuts.
        guide_actions: Help's guides, by name (``staff``, ``reviewer``, ``it``).
        pages: the window's pages: "Incidents", and "Inbox" for reviewers and standalone users.
        incidents: the list of incidents.
        new_incident: the "New incident" button.
        header: the open incident's reference and status.
        right_stack: the open incident (``incident_page``) or the confirmation after sealing (``sealed_page``).
        tabs: "Details" (the form) and "Evidence" (the items).
        seal_button: "Seal and send…".
        save_button: "Save details".
        locked_note: shown over the form while locked.

    Signals:
        close_requested(): the user closed the window.
        guide_requested(str): the user asked for a guide (its name).
    """

    close_requested = Signal()
    guide_requested = Signal(str)

    def __init__(self, form: QWidget, items: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self._what = "Incidents"
        self.capture_bar = QtCaptureBar(self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.capture_bar)
        self._build_menus()

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.new_incident = action_button(self.new_incident_action, left, "new_incident")
        self.incidents = QtIncidentList(left)
        left_layout.addWidget(self.new_incident)
        left_layout.addWidget(self.incidents)

        self.right_stack = QStackedWidget(self)
        self.right_stack.setObjectName("right_stack")
        self.incident_page = QWidget(self.right_stack)
        right = self.incident_page
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.header = QLabel(NO_INCIDENT_TEXT, right)
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
        self.unlock_button = action_button(self.unlock_action, right, "unlock_button")
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
        self.save_button = action_button(self.save_action, right, "save_button")
        self.seal_button = action_button(self.seal_action, right, "seal_button")
        self.seal_button.setStyleSheet("font-weight: 600;")
        buttons.addWidget(self.problems, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.seal_button)
        right_layout.addWidget(self.header)
        right_layout.addLayout(locked_row)
        right_layout.addWidget(self.tabs, 1)
        right_layout.addLayout(buttons)
        self.sealed_page = QtSealedPage(self.right_stack)
        self.right_stack.addWidget(self.incident_page)
        self.right_stack.addWidget(self.sealed_page)
        self.sealed_page.new_button.clicked.connect(self.new_incident_action.trigger)

        splitter = QSplitter(self)
        splitter.setObjectName("incidents_splitter")
        splitter.addWidget(left)
        splitter.addWidget(self.right_stack)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([340, 900])
        splitter.setChildrenCollapsible(False)
        self.pages = QTabWidget(self)
        self.pages.setObjectName("pages")
        self.pages.setDocumentMode(True)
        self.pages.addTab(splitter, "Incidents")
        self.pages.tabBar().setVisible(False)  # one page: no tab bar until a second page is added
        self.pages.currentChanged.connect(lambda _index: self._update_title())
        self.setCentralWidget(self.pages)
        self.statusBar().showMessage("Ready")
        self._update_title()

    def _build_menus(self) -> None:
        bar = self.capture_bar
        self.file_menu = self.menuBar().addMenu("&File")
        self.file_menu.setObjectName("file_menu")
        self.new_incident_action = _menu_action(
            self.file_menu, "New incident", "Ctrl+N", "Start an empty incident", "new_incident_action"
        )
        self.file_menu.addSeparator()
        self.file_menu.addAction(bar.lock)
        self.quit_action = _menu_action(self.file_menu, "Quit", "Ctrl+Q", "Close Evidence Capture", "quit_action")

        self.capture_menu = self.menuBar().addMenu("&Capture")
        self.capture_menu.setObjectName("capture_menu")
        for action in (bar.full, bar.region, bar.pick_window):
            self.capture_menu.addAction(action)
        monitors = self.capture_menu.addMenu("Monitor")
        monitors.setObjectName("monitor_submenu")
        self._monitor_submenu = monitors
        self.capture_menu.addSeparator()
        self.capture_menu.addAction(bar.import_file)
        self.capture_menu.addSeparator()
        self.capture_menu.addAction(bar.safeguarding)

        self.incident_menu = self.menuBar().addMenu("&Incident")
        self.incident_menu.setObjectName("incident_menu")
        self.save_action = _menu_action(
            self.incident_menu, "Save details", "Ctrl+S", "Save what you typed now (it is also saved on the way)"
        )
        self.save_action.setObjectName("save_action")
        self.seal_action = _menu_action(
            self.incident_menu, "Seal and send…", "Ctrl+Return", "Seal the incident and send it to the reviewers"
        )
        self.seal_action.setObjectName("seal_action")
        self.seal_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.incident_menu.addSeparator()
        self.unlock_action = _menu_action(
            self.incident_menu, "Unlock…", "Ctrl+U", "Type your passphrase to see and seal evidence", "unlock_action"
        )

        self.help_menu = self.menuBar().addMenu("&Help")
        self.help_menu.setObjectName("help_menu")
        self.guide_actions: dict[str, QAction] = {}
        for name, title in GUIDES:
            action = self.help_menu.addAction(title)
            action.setObjectName(f"guide_{name}")
            action.triggered.connect(lambda _checked=False, n=name: self.guide_requested.emit(n))
            self.guide_actions[name] = action
        self.help_menu.addSeparator()

    def fill_monitor_menu(self, actions: list[QAction]) -> None:
        """Show the bar's monitor actions in the Capture menu too (called after :meth:`QtCaptureBar.set_monitors`)."""
        self._monitor_submenu.clear()
        for action in actions:
            self._monitor_submenu.addAction(action)
        self._monitor_submenu.setEnabled(bool(actions))

    def add_menu(self, title: str, name: str) -> QMenu:
        """A menu of its own for a page (such as the reviewer's), placed before Help."""
        menu = QMenu(title, self)
        menu.setObjectName(name)
        self.menuBar().insertMenu(self.help_menu.menuAction(), menu)
        return menu

    def add_page(self, widget: QWidget, title: str) -> None:
        """Add a page (the reviewer's inbox) to the window; the pages' tab bar shows from the second page on."""
        self.pages.addTab(widget, title)
        self.pages.tabBar().setVisible(self.pages.count() > 1)
        self._update_title()

    def replace_page(self, old: QWidget, new: QWidget) -> None:
        """Put ``new`` where the page ``old`` is, with its title, on show if ``old`` was; ``old`` is deleted."""
        index = self.pages.indexOf(old)
        if index < 0:
            raise ValueError("not a page of this window")
        current = self.pages.currentIndex() == index
        blocked = self.pages.blockSignals(True)  # one page for another is no change of page
        try:
            self.pages.insertTab(index, new, self.pages.tabText(index))
            if current:
                self.pages.setCurrentIndex(index)
            self.pages.removeTab(index + 1)
        finally:
            self.pages.blockSignals(blocked)
        old.deleteLater()
        self._update_title()

    def show_sealed(self, summary: SealedSummary) -> None:
        """Show the calm confirmation of a sealed incident in place of its form."""
        self.sealed_page.show_summary(summary)
        self.right_stack.setCurrentWidget(self.sealed_page)
        self.sealed_page.new_button.setFocus()

    def show_incident_page(self) -> None:
        """Show the open incident's form and items (not the sealed confirmation)."""
        self.right_stack.setCurrentWidget(self.incident_page)

    def set_locked(self, locked: bool) -> None:
        """Show or hide the lock note; the app disables what needs a key."""
        self.locked_note.setVisible(locked)
        self.unlock_button.setVisible(locked)
        self.unlock_action.setEnabled(locked)
        self.capture_bar.lock.setEnabled(not locked)

    def set_open_incident(self, ref: str | None, status: Status | None, title: str = "") -> None:
        """Describe the open incident in the header and the window title."""
        if ref is None or status is None:
            self.header.setText(NO_INCIDENT_TEXT)
            self._what = "Incidents"
        else:
            name = f"{clean_line(title)} — " if title else ""
            self.header.setText(f"{name}{ref} ({STATUS_WORDS[status]})")
            self._what = clean_line(title) if title else ref
        self._update_title()

    def set_page_title(self, page: QWidget, what: str) -> None:
        """What a page shows, for the window title while it is on show (the inbox names the bundle it shows)."""
        page.setProperty("window_what", what)
        self._update_title()

    def _update_title(self) -> None:
        page = self.pages.currentWidget()
        what = self._what if self.pages.currentIndex() == 0 or page is None else page.property("window_what")
        if not what and page is not None:
            what = self.pages.tabText(self.pages.currentIndex())
        self.setWindowTitle(f"{what} — Evidence Capture")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        """Tell the app; it decides whether to quit or stay in the tray."""
        self.close_requested.emit()
        super().closeEvent(event)
