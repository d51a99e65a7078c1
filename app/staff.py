"""The staff window's controller: it builds the widgets and the flows, and wires one to the other.

The controller is the only place where widgets meet the workspace. Widgets (``ui/``) show models and emit what
the user asked for; the flows (``app/flows/``) do one thing each (incidents, capture, seal) through the core
(``evidence/``); slow work runs on workers with its own vault connection, and the shared
:class:`app.lock.LockCoordinator` makes a lock wait for it and closes the dialogs we own.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon, QWidget

from app.feedback import Feedback
from app.flows.capture import CaptureFlow
from app.flows.hotkeys import HotkeyFlow
from app.flows.incident import IncidentFlow, StaffViews
from app.flows.seal import SealFlow
from app.guides import MISSING_TEXT, guide_path
from app.lock import LockCoordinator
from app.timestamper import TimestampWorker
from app.workspace import Workspace
from evidence.case.incident import IncidentDetails
from evidence.case.profile import Profile
from evidence.core.errors import EvidenceError
from evidence.vault.store import DeliveryState
from ui.first_paint import after_first_paint
from ui.main_window import PREFERRED_SIZE
from ui.sealed_page import MISSING_TEXT as SHARE_COPY_MISSING
from ui.window_fit import restore_or_fit, save_geometry

if TYPE_CHECKING:
    from evidence.bundle import seal as sealing

log = logging.getLogger(__name__)

WORKING = "Working…"
DELIVERY_CHECK_MS = 60_000
"""How often the share's ``receipts/`` folder is checked for the bundles this computer sealed."""
TRAY_SAFEGUARDING = "Nude image of a child? Do not capture it"


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
        after_paint: the start-up work that waits for the window's first paint (:mod:`ui.first_paint`).
        tray: the tray icon, where the system has a tray.
        window_settings: where the window's size and place are kept (the data dir's ``windows.ini``).
        guides: the open guide windows.
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
        self.guides: list[QWidget] = []
        self.window_settings = QSettings(str(workspace.paths.window_state), QSettings.Format.IniFormat)
        self.timestamper = TimestampWorker(workspace, self)
        self._wire()
        self.incidents.locked_changed(self.session.locked)
        self.incidents.refresh()
        self.missing_told: set[str] = set()
        self.deliveries_timer = QTimer(self)
        self.deliveries_timer.setInterval(DELIVERY_CHECK_MS)
        self.deliveries_timer.timeout.connect(self.check_deliveries)
        self.deliveries_timer.start()
        # The trusted-time worker (whose first pass loads the profile on its own thread, competing for the GIL),
        # counting monitors (mss, ~100 ms, on a worker) and the receipts check wait until the window has been
        # painted; the app puts the global hotkeys first in this list (see app.gui).
        self.after_paint = after_first_paint(
            self.window, self.timestamper.start, self._fill_monitor_menu, self.check_deliveries
        )

    # -- receipts (issue 15) ------------------------------------------------------------------------------------

    def check_deliveries(self) -> None:
        """Look, on a worker, for reviewers' receipts and for sealed bundles gone from the share (no unlock needed)."""
        workspace, profile = self.workspace, self.profile
        try:
            card = workspace.own_card()
        except EvidenceError:
            return  # no identity yet: nothing was sealed here

        def job() -> tuple[list[sealing.DeliveryChange], list[str]]:
            from evidence.bundle import seal as sealing  # on the worker: the bundle code is not needed to start

            with workspace.open_vault() as vault:
                changes = sealing.check_deliveries(vault, profile, card)
                missing = sorted(d.ref for d in vault.deliveries() if d.state is DeliveryState.MISSING)
            return changes, missing

        self.lock.runner.start(job, self._deliveries_checked, self._deliveries_failed)

    def _deliveries_checked(self, result: tuple[list[sealing.DeliveryChange], list[str]]) -> None:
        changes, missing = result
        if changes:
            try:
                self.incidents.refresh()
            except EvidenceError as e:  # the window closed meanwhile
                log.info("not refreshed after the receipts check: %s", e)
                return
        for ref in missing:
            if ref in self.missing_told:
                continue
            self.missing_told.add(ref)
            log.warning("the bundle of %s is missing from the share", ref)
            self.feedback.error(
                "The sealed copy is missing",
                f"{ref}: {SHARE_COPY_MISSING}.\n\nYour copy on this computer is kept until a reviewer has it.",
            )
        for change in changes:
            if change.state is DeliveryState.RECEIVED and change.receipt is not None:
                self.feedback.status(f"{change.ref}: received by {change.receipt.name or change.receipt.principal}.")

    def _deliveries_failed(self, message: str) -> None:
        log.warning("checking for receipts failed: %s", message)

    # -- wiring -------------------------------------------------------------------------------------------------

    def _wire(self) -> None:
        bar, window, incidents = self.window.capture_bar, self.window, self.incidents
        bar.full.triggered.connect(lambda: self.capturing.capture("full"))
        bar.region.triggered.connect(lambda: self.capturing.capture("region"))
        bar.pick_window.triggered.connect(lambda: self.capturing.capture("window"))
        bar.import_file.triggered.connect(self.capturing.import_files)
        bar.safeguarding.triggered.connect(incidents.safeguarding)
        bar.lock.triggered.connect(self.lock.lock)
        window.new_incident_action.triggered.connect(incidents.new_incident)
        window.incidents.incident_selected.connect(incidents.open_incident)
        window.unlock_action.triggered.connect(lambda: self.lock.unlock(self.feedback))
        window.save_action.triggered.connect(incidents.save_details)
        window.seal_action.triggered.connect(self.sealing.seal)
        window.quit_action.triggered.connect(QApplication.quit)
        window.sealed_page.details_button.clicked.connect(window.show_incident_page)
        window.guide_requested.connect(self.show_guide)
        self.form.safeguarding_changed.connect(incidents.safeguarding_ticked)
        self.form.remove_requested.connect(incidents.remove_for_safeguarding)
        self.items.exclude_requested.connect(incidents.exclude_item)
        self.items.caption_edited.connect(incidents.caption_item)
        self.items.open_requested.connect(incidents.open_item)
        self.items.thumbnails_wanted.connect(incidents.load_thumbnails)
        self.session.locked_changed.connect(incidents.locked_changed)
        self.session.busy_changed.connect(self._busy_changed)
        self.capturing.captured.connect(self._tell_tray)
        self.capturing.captured.connect(self.timestamper.wake)  # a new item is queued for trusted time
        self.capturing.captured.connect(incidents.report_after_capture)  # after the flow showed the incident
        self.hotkeys.pressed.connect(self.capturing.capture)
        settings_menu = self.window.menuBar().addMenu("&Settings")
        hotkeys_action = settings_menu.addAction("Global hotkeys…")
        hotkeys_action.setObjectName("hotkeys_action")
        hotkeys_action.triggered.connect(self.hotkeys.edit)
        self._add_tray()

    # -- window size, guides ------------------------------------------------------------------------------------

    def place_window(self) -> None:
        """Give the window the size the user left it at, if it still fits this screen; else fit it to the screen."""
        restore_or_fit(self.window, self.window_settings, "main", PREFERRED_SIZE)

    def save_window(self) -> None:
        """Remember the window's size and place for next time."""
        save_geometry(self.window, self.window_settings, "main")

    def show_guide(self, name: str) -> None:
        """Open a user guide in a window of its own (or say where the guides are)."""
        from ui.guide_viewer import QtGuideViewer
        from ui.main_window import GUIDES

        path = guide_path(name)
        title = dict(GUIDES).get(name, "Guide")
        if path is None:
            self.feedback.info(title, MISSING_TEXT)
            return
        viewer = QtGuideViewer(path, title)
        self.guides.append(viewer)
        viewer.destroyed.connect(lambda _obj=None, v=viewer: self.guides.remove(v) if v in self.guides else None)
        viewer.show()

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
            (TRAY_SAFEGUARDING, self._safeguarding_from_tray),
            ("Open Evidence Capture", self.show_window),
        ):
            menu.addAction(text).triggered.connect(slot)
        self.tray.setContextMenu(menu)
        self.tray.setToolTip("Evidence Capture")
        self.tray.show()

    def _safeguarding_from_tray(self) -> None:
        """The red button from the tray: bring the window forward with the safeguarding dialog."""
        self.show_window()
        self.incidents.safeguarding()

    def _tell_tray(self, _ref: str, _digest: str) -> None:
        if self.tray is not None:
            self.tray.showMessage("Evidence Capture", "Captured and stored safely.")

    def _fill_monitor_menu(self) -> None:
        """Count the monitors on a worker (loading mss and asking the X server takes ~100 ms), then fill the menu."""
        self.lock.runner.start(self._monitor_count, self._monitors_counted, self._monitors_failed)

    def _monitors_failed(self, message: str) -> None:
        log.info("monitors cannot be counted: %s", message)

    def _monitors_counted(self, count: int) -> None:
        actions = self.window.capture_bar.set_monitors(count)
        for n, action in enumerate(actions, start=1):
            action.triggered.connect(lambda _checked=False, n=n: self.capturing.capture(f"monitor:{n}"))
        self.window.fill_monitor_menu(actions)

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
        """Finish work in flight, save typed details and the window's size, and close."""
        self.deliveries_timer.stop()
        self.hotkeys.close()
        self.timestamper.stop()
        self.save_window()
        self.incidents.save_details()
        self.lock.runner.wait()
        self.lock.lock()
        self.vault.close()
