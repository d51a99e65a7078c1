"""Global hotkeys in the running app: register the keys the settings name, and turn each press into a capture.

The window-system adapter (:mod:`app.hotkeys`) is Qt-free; this flow ties it to Qt's event loop: a
``QSocketNotifier`` on the X connection's descriptor, or a native event filter for ``WM_HOTKEY`` on Windows.
A press starts the capture the hotkey names, into the open draft or, with none open, a new one (the capture flow
decides). A key another program holds is said once, plainly, with what to do, and the settings dialog shows it
beside the key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractNativeEventFilter, QByteArray, QCoreApplication, QObject, QSocketNotifier, Signal

from app import hotkeys
from app.hotkeys import Action, Hotkey, HotkeyBackend, Refusal
from app.settings import HOTKEY_KEYS, Key, Layers, SettingsError, UserSettings, check_value, user_settings_file
from evidence.core.errors import EvidenceError

if TYPE_CHECKING:
    from app.feedback import Feedback
    from app.lock import LockCoordinator
    from app.workspace import Workspace
    from ui.hotkey_dialog import QtHotkeyDialog

log = logging.getLogger(__name__)


class _NativeFilter(QAbstractNativeEventFilter):
    """Hands native messages (Windows' ``WM_HOTKEY``) to the adapter; Qt keeps every other message."""

    def __init__(self, backend: HotkeyBackend, pressed: Callable[[Action], None]) -> None:
        super().__init__()
        self._backend = backend
        self._pressed = pressed

    def nativeEventFilter(  # noqa: N802 - Qt override
        self,
        eventType: QByteArray | bytes | bytearray | memoryview,  # noqa: N803 - Qt's name
        message: int,
    ) -> tuple[bool, int]:
        """Take our hotkeys' messages; let every other message through."""
        kind = bytes(eventType.data()) if isinstance(eventType, QByteArray) else bytes(eventType)
        action = self._backend.native_event(kind, int(message))
        if action is None:
            return False, 0
        self._pressed(action)
        return True, 0


class HotkeyFlow(QObject):
    """The app's global hotkeys: registered from the settings, changed in a dialog, pressed into captures.

    Attributes:
        workspace: the data dir and its settings.
        lock: the shared lock (it owns the dialog).
        feedback: where the flow speaks to the user.
        backend: the window system's adapter.
        refusals: the hotkeys last asked for that the window system refused.
        unavailable: why global hotkeys cannot work on this system, or None.

    Signals:
        pressed(str): a hotkey was pressed: the capture mode it starts (region, full or active).
        refused(list): some hotkeys could not be registered: the :class:`app.hotkeys.Refusal` list.
    """

    pressed = Signal(str)
    refused = Signal(list)

    def __init__(
        self,
        workspace: Workspace,
        lock: LockCoordinator,
        feedback: Feedback,
        backend: HotkeyBackend | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.lock = lock
        self.feedback = feedback
        self.backend = backend or hotkeys.for_platform()
        self.dialog: QtHotkeyDialog | None = None
        self.refusals: list[Refusal] = []
        self.unavailable: str | None = None
        self._bindings: dict[Action, Hotkey | None] = {}
        self._notifier: QSocketNotifier | None = None
        self._filter: _NativeFilter | None = None

    def start(self) -> list[Refusal]:
        """Register the keys the settings name; tell the user once about any another program holds."""
        try:
            bindings = self.workspace.settings().hotkeys()
        except EvidenceError as e:
            self.feedback.error("Global hotkeys", f"{e}\n\nThe capture buttons and the tray menu work as before.")
            return []
        try:
            refusals = self.apply(bindings)
        except Exception:  # a window-system failure must not stop the app: the buttons and tray still capture
            log.warning("global hotkeys could not be set up", exc_info=True)
            self.unavailable = "Global hotkeys could not be set up on this computer (see the log for IT)."
            self.feedback.status(self.unavailable, 15000)
            return []
        if refusals:
            self.feedback.status(f"Global hotkey {refusals[0].hotkey} is not available: see Settings", 15000)
            self.feedback.error("Some global hotkeys are not available", refusal_text(refusals))
        return refusals

    def edit(self) -> None:
        """Show the dialog; on OK, check, save and register the keys, and show what the window system said."""
        from ui.hotkey_dialog import HotkeyRow, QtHotkeyDialog

        if self.dialog is not None:
            self.dialog.raise_()
            return
        settings = self.workspace.settings()
        problems = {r.action: _problem(r) for r in self.refusals}
        rows = []
        for setting in (settings.hotkey_region, settings.hotkey_full, settings.hotkey_window):
            action = HOTKEY_KEYS[setting.key]
            text = "" if setting.value == hotkeys.NONE else setting.value
            rows.append(
                HotkeyRow(setting.key.value, action.label, text, hotkeys.DEFAULTS[action], problems.get(action, ""))
            )
        dialog = QtHotkeyDialog(rows, self.unavailable or "", self.feedback.window)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.save(dialog.values()))
        dialog.rejected.connect(lambda: self.apply(self._bindings))  # unchanged: take the keys back
        dialog.finished.connect(self._dialog_closed)
        # While the user presses keys in the dialog, the window system must give them to it, not to our grabs.
        self.backend.unregister_all()
        self.lock.own(dialog)

    def _dialog_closed(self) -> None:
        self.dialog = None

    def save(self, values: Mapping[str, str]) -> list[Refusal]:
        """Check ``values`` (setting name -> key text), save them as the user's, and register them.

        A bad key changes nothing and says why; keys another program holds are saved all the same (the user may
        free them), and reported.
        """
        chosen: dict[Key, str] = {}
        try:
            for name, text in values.items():
                key = Key(name)
                chosen[key] = check_value(key, text, "Global hotkeys")
            taken: dict[str, Key] = {}
            for key, text in chosen.items():
                if text != hotkeys.NONE and text in taken:
                    raise SettingsError(f"{text} is chosen twice ({key.label} and {taken[text].label})")
                taken[text] = key
            path = user_settings_file()
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                user = UserSettings(path)
                for key, text in chosen.items():
                    user.set(key, text)
                self.workspace.layers = Layers.load()
        except (EvidenceError, OSError) as e:
            self.feedback.error("Global hotkeys not changed", str(e))
            return []
        bindings = {HOTKEY_KEYS[key]: hotkeys.parse_setting(text) for key, text in chosen.items()}
        refusals = self.apply(bindings)
        if refusals:
            self.feedback.error("Some global hotkeys are not available", refusal_text(refusals))
        else:
            self.feedback.status("Global hotkeys saved", 5000)
        return refusals

    def bindings(self) -> dict[Action, Hotkey | None]:
        """The hotkeys last asked for (None: turned off)."""
        return dict(self._bindings)

    def apply(self, bindings: Mapping[Action, Hotkey | None]) -> list[Refusal]:
        """Register ``bindings`` in place of the current ones; return (and signal) those refused."""
        self._bindings = dict(bindings)
        self.unavailable = self.backend.unavailable()
        if self.unavailable is not None:
            log.info("global hotkeys unavailable here")
            self.refusals = []
            return []
        self.backend.unregister_all()
        self.refusals = hotkeys.register_all(self.backend, bindings)
        self._listen()
        for refusal in self.refusals:
            log.info("global hotkey for %s refused (held: %s)", refusal.action.value, refusal.held)
        if self.refusals:
            self.refused.emit(list(self.refusals))
        return list(self.refusals)

    def _listen(self) -> None:
        fd = self.backend.fileno()
        if fd is not None and self._notifier is None:
            self._notifier = QSocketNotifier(fd, QSocketNotifier.Type.Read, self)
            self._notifier.activated.connect(self._read)
            self._read()  # anything that arrived while registering
        if self._filter is None and fd is None:
            app = QCoreApplication.instance()
            if app is not None:
                self._filter = _NativeFilter(self.backend, self._press)
                app.installNativeEventFilter(self._filter)

    def _read(self) -> None:
        try:
            presses = self.backend.pending()
        except Exception:  # a broken X connection must not take the app down; the buttons still capture
            log.warning("global hotkeys stopped: the connection to the window system failed", exc_info=True)
            self._stop_listening()
            return
        for action in presses:
            self._press(action)

    def _press(self, action: Action) -> None:
        log.info("global hotkey pressed: %s", action.value)
        self.pressed.emit(action.value)

    def _stop_listening(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None

    def close(self) -> None:
        """Give the keys back to the window system."""
        self._stop_listening()
        if self._filter is not None:
            app = QCoreApplication.instance()
            if app is not None:
                app.removeNativeEventFilter(self._filter)
            self._filter = None
        self.backend.close()


def _problem(refusal: Refusal) -> str:
    return "Used by another program: choose another key." if refusal.held else refusal.reason


def refusal_text(refusals: list[Refusal]) -> str:
    """What to tell the user about refused hotkeys: which, why, and what to do."""
    lines = []
    for r in refusals:
        if r.held:
            lines.append(f"{r.hotkey} ({r.action.label.lower()}) is already used by another program.")
        else:
            lines.append(f"{r.hotkey} ({r.action.label.lower()}) cannot be used: {r.reason}")
    held = any(r.held for r in refusals)
    advice = (
        "Choose other keys in Settings → Global hotkeys, or turn the key off in the other program (often the"
        " desktop's own screenshot tool)."
        if held
        else "Choose other keys in Settings → Global hotkeys."
    )
    return "\n".join([*lines, "", advice, "The capture buttons and the tray menu work as before."])
