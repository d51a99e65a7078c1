"""The staff window's controller: it builds the widgets and the flows, and wires one to the other.

The controller is the only place where widgets meet the workspace. Widgets (``ui/``) show models and emit what
the user asked for; the flows (``app/flows/``) do one thing each (incidents, capture, seal) through the core
(``evidence/``); slow work runs on workers with its own vault connection, and the shared
:class:`app.lock.LockCoordinator` makes a lock wait for it and closes the dialogs we own.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from app.feedback import Feedback
from app.flows.capture import CaptureFlow
from app.flows.hotkeys import HotkeyFlow
from app.flows.incident import IncidentFlow, StaffViews
from app.flows.seal import SealFlow
from app.lock import LockCoordinator
from app.workspace import Workspace
from evidence.case.incident import IncidentDetails
from evidence.case.profile import Profile

log = logging.getLogger(__name__)

WORKING = "Working…"


class StaffApp(QObject):
    """Wires the staff window to the workspace.

    Attributes:
        workspace: the data dir.
        profile: the school profile in force.
        lock: the lock shared with the reviewer window.
        session: the lock's session (the unlocked identity, if any).
        vault: the UI thread's vault connection.
        window: the main window.
        form: the incident form.
        items: the evidence view.
        viewer: the full-size viewer.
        feedback: the window's status bar and message boxes.
        incidents: the open incident, its details and items.
        capturing: screen captures and received screenshots.
        sealing: seal and send.
        hotkeys: the global hotkeys (Print, Shift+Print, Ctrl+Print), once :meth:`start_hotkeys` has run.
        tray: the tray icon, where the system has a tray.
    """

    def __init__(
        self, workspace: Workspace, lock: LockCoordinator | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        from ui.incident_form import QtIncidentForm
        from ui.item_viewer import QtItemViewer
        from ui.items_view import QtItemsView
        from ui.main_window import QtMainWindow

        self.workspace = workspace
        self.profile: Profile = workspace.profile()
        self.lock = lock or LockCoordinator(workspace, self)
        self.session = self.lock.session
        self.session.set_idle_minutes(workspace.idle_lock_minutes())
        self.vault = workspace.open_vault()
        self.form = QtIncidentForm(IncidentDetails())
        self.items = QtItemsView()
        self.viewer = QtItemViewer()
        self.window = QtMainWindow(self.form, self.items)
        self.feedback = Feedback(self.window)
        views = StaffViews(self.window, self.form, self.items, self.viewer, self.feedback)
        self.incidents = IncidentFlow(workspace, self.vault, self.lock, views, self)
        self.capturing = CaptureFlow(workspace, self.lock, self.incidents, views, self)
        self.sealing = SealFlow(workspace, self.profile, self.lock, self.incidents, views, self)
        self.hotkeys = HotkeyFlow(workspace, self.lock, self.feedback, parent=self)  # registered by start_hotkeys()
        self.tray: QSystemTrayIcon | None = None
        self._wire()
        self.incidents.locked_changed(self.session.locked)
        self.incidents.refresh()

    # -- wiring -------------------------------------------------------------------------------------------------

    def _wire(self) -> None:
        bar, window, incidents = self.window.capture_bar, self.window, self.incidents
        bar.full.triggered.connect(lambda: self.capturing.capture("full"))
        bar.region.triggered.connect(lambda: self.capturing.capture("region"))
        bar.pick_window.triggered.connect(lambda: self.capturing.capture("window"))
        bar.import_file.triggered.connect(self.capturing.import_files)
        bar.safeguarding.triggered.connect(incidents.safeguarding)
        bar.lock.triggered.connect(self.lock.lock)
        QTimer.singleShot(0, self._fill_monitor_menu)  # counting monitors costs tens of ms: not before the window
        window.new_incident.clicked.connect(incidents.new_incident)
        window.incidents.incident_selected.connect(incidents.open_incident)
        window.unlock_button.clicked.connect(lambda: self.lock.unlock(self.feedback))
        window.save_button.clicked.connect(incidents.save_details)
        window.seal_button.clicked.connect(self.sealing.seal)
        self.form.safeguarding_changed.connect(incidents.safeguarding_ticked)
        self.items.exclude_requested.connect(incidents.exclude_item)
        self.items.caption_edited.connect(incidents.caption_item)
        self.items.open_requested.connect(incidents.open_item)
        self.items.thumbnails_wanted.connect(incidents.load_thumbnails)
        self.session.locked_changed.connect(incidents.locked_changed)
        self.session.busy_changed.connect(self._busy_changed)
        self.capturing.captured.connect(self._tell_tray)
        self.hotkeys.pressed.connect(self.capturing.capture)
        settings_menu = self.window.menuBar().addMenu("&Settings")
        hotkeys_action = settings_menu.addAction("Global hotkeys…")
        hotkeys_action.setObjectName("hotkeys_action")
        hotkeys_action.triggered.connect(self.hotkeys.edit)
        self._add_tray()

    def _busy_changed(self, busy: bool) -> None:
        if busy:
            self.feedback.status(WORKING)
        else:
            self.feedback.clear_status(WORKING)  # what the finished work said stays

    def _add_tray(self) -> None:
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        self.tray = QSystemTrayIcon(QIcon(str(Path(__file__).resolve().parent.parent / "resources" / "icon.svg")))
        menu = QMenu()
        for text, slot in (
            ("Capture full screen", lambda: self.capturing.capture("full")),
            ("Capture region", lambda: self.capturing.capture("region")),
            ("Capture window", lambda: self.capturing.capture("window")),
            ("Open Evidence Capture", self.show_window),
        ):
            menu.addAction(text).triggered.connect(slot)
        self.tray.setContextMenu(menu)
        self.tray.setToolTip("Evidence Capture")
        self.tray.show()

    def _tell_tray(self, _ref: str, _digest: str) -> None:
        if self.tray is not None:
            self.tray.showMessage("Evidence Capture", "Captured and stored safely.")

    def _fill_monitor_menu(self) -> None:
        for n, action in enumerate(self.window.capture_bar.set_monitors(self._monitor_count()), start=1):
            action.triggered.connect(lambda _checked=False, n=n: self.capturing.capture(f"monitor:{n}"))

    @staticmethod
    def _monitor_count() -> int:
        try:
            import mss

            with mss.MSS() as sct:
                return max(0, len(sct.monitors) - 1)
        except Exception:  # no screen to count (offscreen tests): the Monitor menu stays empty, and the log says why
            log.info("monitors cannot be counted", exc_info=True)
            return 0

    def start_hotkeys(self) -> None:
        """Register the global hotkeys (Print, Shift+Print, Ctrl+Print unless the settings say otherwise)."""
        self.hotkeys.start()

    def show_window(self) -> None:
        """Bring the main window forward (shown, not minimised, raised and given the focus)."""
        self.window.setWindowState(
            (self.window.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive
        )
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def quit(self) -> None:
        """Finish work in flight, save typed details, and close."""
        self.hotkeys.close()
        self.incidents.save_details()
        self.lock.runner.wait()
        self.lock.lock()
        self.vault.close()
