"""Global hotkeys: Print (region), Shift+Print (full screen), Ctrl+Print (the active window), wherever focus is.

A Qt shortcut works only while one of our windows has focus; a teacher who sees abuse in a chat window must not
have to switch to us first (typing Ctrl+Shift+F into the chat typed "^F" there). So the keys are registered
with the window system itself, through one small interface, :class:`HotkeyBackend`, and :func:`for_platform`
chooses the adapter. This module is Qt-free; :mod:`app.flows.hotkeys` ties an adapter to the event loop.

- X11 (python-xlib): a *passive key grab* (``XGrabKey``) on the root window, on a connection of our own. The X
  server then sends the key to us whichever window has focus. A grab matches modifiers exactly, so each key is
  grabbed four times more: with NumLock, with CapsLock, with both, and with ScrollLock where the keyboard maps
  it, so the key works whatever their state. The server refuses a grab that another client holds with
  ``BadAccess``; we catch it (synchronously, after an ``XSync``) and report :class:`HotkeyHeld`, and release
  whatever part of that key's grabs did succeed. Events are read without blocking when the connection's file
  descriptor is readable (:meth:`HotkeyBackend.fileno`). A held key auto-repeats as a release and a press with
  the same server time; that press is dropped, so holding Print starts one capture. In a Wayland session an X
  grab sees only XWayland windows, so the adapter reports itself unavailable there rather than half-working.
- Windows (user32): ``RegisterHotKey`` with no window, on the GUI thread, with ``MOD_NOREPEAT``; ``WM_HOTKEY``
  then arrives in that thread's message queue, where Qt's native event filter hands it to
  :meth:`HotkeyBackend.native_event`. ``ERROR_HOTKEY_ALREADY_REGISTERED`` (1409) means another program holds the
  key (often the Snipping Tool, which Windows 11 gives Print by default). Written to the documented API and
  type-checked (``mypy --platform win32``), but never run in this project.
- macOS: not built. It needs a Quartz event tap (``CGEventTapCreate``) or Carbon's ``RegisterEventHotKey``, and
  the Accessibility permission; the adapter says so, and the buttons and the tray menu still capture.

Key names follow Qt's portable text (``Print``, ``Ctrl+Shift+F9``), so a key chosen in a ``QKeySequenceEdit``
is written and read back unchanged; the settings hold them as text, and ``none`` turns a hotkey off.
"""

from __future__ import annotations

import enum
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from evidence.core.errors import UsageError

log = logging.getLogger(__name__)

NONE = "none"
"""The settings value that turns a hotkey off."""


class Action(enum.Enum):
    """What a hotkey does. The values are the capture modes the capture flow takes."""

    REGION = "region"
    FULL = "full"
    ACTIVE_WINDOW = "active"

    @property
    def label(self) -> str:
        """What the hotkey does, in words."""
        return _ACTION_LABELS[self]


_ACTION_LABELS = {
    Action.REGION: "Capture a region",
    Action.FULL: "Capture the full screen",
    Action.ACTIVE_WINDOW: "Capture the active window",
}


class Modifier(enum.Flag):
    """A modifier key, in Qt's portable names."""

    NONE = 0
    CTRL = enum.auto()
    ALT = enum.auto()
    SHIFT = enum.auto()
    META = enum.auto()


_MODIFIER_NAMES = {
    "ctrl": Modifier.CTRL,
    "control": Modifier.CTRL,
    "alt": Modifier.ALT,
    "shift": Modifier.SHIFT,
    "meta": Modifier.META,
    "super": Modifier.META,
    "win": Modifier.META,
}
_MODIFIER_ORDER = ((Modifier.CTRL, "Ctrl"), (Modifier.ALT, "Alt"), (Modifier.SHIFT, "Shift"), (Modifier.META, "Meta"))

# Canonical key name -> (X11 keysym name, Windows virtual-key code). Qt's portable names are accepted as aliases.
_KEYS: dict[str, tuple[str, int]] = {
    "Print": ("Print", 0x2C),
    "Pause": ("Pause", 0x13),
    "ScrollLock": ("Scroll_Lock", 0x91),
    "Insert": ("Insert", 0x2D),
    "Home": ("Home", 0x24),
    "End": ("End", 0x23),
    "PageUp": ("Prior", 0x21),
    "PageDown": ("Next", 0x22),
    **{f"F{n}": (f"F{n}", 0x6F + n) for n in range(1, 25)},
    **{chr(c): (chr(c).lower(), c) for c in range(ord("A"), ord("Z") + 1)},
    **{str(d): (str(d), 0x30 + d) for d in range(10)},
}
_KEY_ALIASES = {"ins": "Insert", "pgup": "PageUp", "pgdown": "PageDown", "sysreq": "Print", "scroll lock": "ScrollLock"}


class HotkeyError(UsageError):
    """A hotkey is not acceptable (unknown key, no key), or cannot be registered."""


class HotkeyHeld(HotkeyError):
    """Another program holds the key, so the window system refused it to us."""


DEFAULTS: Mapping[Action, str] = {
    Action.REGION: "Print",
    Action.FULL: "Shift+Print",
    Action.ACTIVE_WINDOW: "Ctrl+Print",
}
"""The built-in hotkeys (issue 11): a contract, like the command line."""


@dataclass(frozen=True)
class Hotkey:
    """A key with its modifiers.

    Attributes:
        key: the canonical key name (``Print``, ``F9``, ``A``).
        modifiers: the modifiers held with it.
    """

    key: str
    modifiers: Modifier = Modifier.NONE

    @classmethod
    def parse(cls, text: str) -> Hotkey:
        """Read ``Ctrl+Shift+Print`` (any order and case; Qt's portable names such as ``PgUp`` too).

        Raises:
            HotkeyError: empty, an unknown key or modifier, two keys, or a modifier alone.
        """
        parts = [p.strip() for p in text.split("+")]
        if not text.strip() or any(not p for p in parts):
            raise HotkeyError(f"{text!r} is not a key: write it like Print, Shift+Print or Ctrl+Alt+F9")
        modifiers = Modifier.NONE
        key: str | None = None
        for part in parts:
            low = part.lower()
            if low in _MODIFIER_NAMES:
                modifiers |= _MODIFIER_NAMES[low]
                continue
            name = _KEY_ALIASES.get(low) or next((k for k in _KEYS if k.lower() == low), None)
            if name is None:
                raise HotkeyError(f"{part!r} in {text!r} is not a key a global hotkey can use")
            if key is not None:
                raise HotkeyError(f"{text!r} names two keys; a hotkey is one key with modifiers")
            key = name
        if key is None:
            raise HotkeyError(f"{text!r} has modifiers but no key")
        return cls(key, modifiers)

    def __str__(self) -> str:
        names = [name for flag, name in _MODIFIER_ORDER if flag in self.modifiers]
        return "+".join([*names, self.key])

    @property
    def x11_keysym_name(self) -> str:
        """The X11 keysym's name (``Print``, ``Prior``, ``a``)."""
        return _KEYS[self.key][0]

    @property
    def windows_vk(self) -> int:
        """The Windows virtual-key code (``VK_SNAPSHOT`` is 0x2C)."""
        return _KEYS[self.key][1]


def parse_setting(text: str) -> Hotkey | None:
    """A hotkey setting's value: a :class:`Hotkey`, or None for ``none`` (turned off).

    Raises:
        HotkeyError: neither.
    """
    if text.strip().lower() == NONE:
        return None
    return Hotkey.parse(text)


@dataclass(frozen=True)
class Refusal:
    """A hotkey that could not be registered, and why.

    Attributes:
        action: what it would have done.
        hotkey: the key.
        held: True when another program holds it (the user should choose another key).
        reason: one line for the user.
    """

    action: Action
    hotkey: Hotkey
    held: bool
    reason: str


class HotkeyBackend(Protocol):
    """One window system's global hotkeys."""

    def unavailable(self) -> str | None:
        """Why global hotkeys cannot work here (one line for the user), or None when they can."""

    def register(self, action: Action, hotkey: Hotkey) -> None:
        """Ask the window system for ``hotkey``; its presses then come back as ``action``.

        Raises:
            HotkeyHeld: another program holds it.
            HotkeyError: it cannot be registered for another reason.
        """

    def unregister_all(self) -> None:
        """Give every registered hotkey back."""

    def fileno(self) -> int | None:
        """A descriptor that becomes readable when presses may be waiting (:meth:`pending`), or None."""

    def pending(self) -> list[Action]:
        """The presses waiting, without blocking (X11)."""

    def native_event(self, event_type: bytes, message: int) -> Action | None:
        """The action a native message from Qt's event filter carries, if it is one of our hotkeys (Windows)."""

    def close(self) -> None:
        """Unregister everything and close any connection."""


def register_all(backend: HotkeyBackend, bindings: Mapping[Action, Hotkey | None]) -> list[Refusal]:
    """Register each binding (None: off); the refusals, each with a reason for the user."""
    refusals: list[Refusal] = []
    for action, hotkey in bindings.items():
        if hotkey is None:
            continue
        try:
            backend.register(action, hotkey)
        except HotkeyHeld as e:
            refusals.append(Refusal(action, hotkey, held=True, reason=str(e)))
        except HotkeyError as e:
            refusals.append(Refusal(action, hotkey, held=False, reason=str(e)))
    return refusals


# --- X11 --------------------------------------------------------------------------------------------------------


class X11Hotkeys:
    """Passive key grabs on the root window, through python-xlib on a connection of our own."""

    def __init__(self, display: str | None = None) -> None:
        self._display_name = display
        self._display: Any = None
        self._grabs: dict[tuple[int, int], Action] = {}  # (keycode, modifier mask without lock bits) -> action
        self._lock_masks: list[int] = [0]
        self._relevant = 0
        self._released: dict[int, int] = {}  # keycode -> time of its last release

    def unavailable(self) -> str | None:
        """See :class:`HotkeyBackend`."""
        if self._display_name is None and os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("DISPLAY"):
            return "This is a Wayland session without X11: set a keyboard shortcut in your desktop's settings instead."
        if self._display_name is None and os.environ.get("XDG_SESSION_TYPE") == "wayland":
            return (
                "In a Wayland session, the window system gives keys only to the window in front: set a keyboard"
                " shortcut in your desktop's settings that runs 'evidence-capture-gui --capture region'."
            )
        try:
            self._connect()
        except HotkeyError as e:
            return str(e)
        return None

    def _connect(self) -> Any:
        if self._display is not None:
            return self._display
        try:
            from Xlib import XK, X, display, error
        except ImportError as e:
            raise HotkeyError("python-xlib is not installed, so global hotkeys cannot be registered") from e
        name = self._display_name if self._display_name is not None else os.environ.get("DISPLAY", "")
        if _local_socket_missing(name):  # python-xlib would fall back to TCP and leak the failed socket
            raise HotkeyError(f"no X server is running at display {name!r}, so global hotkeys cannot be registered")
        try:
            d = display.Display(self._display_name)
        except (error.DisplayError, OSError) as e:
            raise HotkeyError(f"cannot reach the X server for global hotkeys: {e}") from e
        num_lock = _modifier_mask_of(d, XK.string_to_keysym("Num_Lock"))
        scroll_lock = _modifier_mask_of(d, XK.string_to_keysym("Scroll_Lock"))
        locks = {0, X.LockMask, num_lock, num_lock | X.LockMask}
        if scroll_lock:
            locks |= {m | scroll_lock for m in locks}
        self._lock_masks = sorted(locks)
        self._relevant = X.ShiftMask | X.ControlMask | X.Mod1Mask | X.Mod4Mask
        self._display = d
        return d

    def _mask(self, modifiers: Modifier) -> int:
        from Xlib import X

        mask = 0
        for flag, bit in (
            (Modifier.SHIFT, X.ShiftMask),
            (Modifier.CTRL, X.ControlMask),
            (Modifier.ALT, X.Mod1Mask),
            (Modifier.META, X.Mod4Mask),
        ):
            if flag in modifiers:
                mask |= bit
        return mask

    def register(self, action: Action, hotkey: Hotkey) -> None:
        """See :class:`HotkeyBackend`."""
        from Xlib import XK, X, error

        d = self._connect()
        console = Modifier.CTRL | Modifier.ALT
        if console in hotkey.modifiers and hotkey.key in {f"F{n}" for n in range(1, 13)}:
            raise HotkeyError(f"{hotkey} switches to another console on Linux, so it never reaches a program")
        keycode = d.keysym_to_keycode(XK.string_to_keysym(hotkey.x11_keysym_name))
        if not keycode:
            raise HotkeyError(f"{hotkey}: this keyboard has no such key")
        mask = self._mask(hotkey.modifiers)
        if (keycode, mask) in self._grabs:
            raise HotkeyError(f"{hotkey} is already used for {self._grabs[(keycode, mask)].label.lower()}")
        root = d.screen().root
        caught = error.CatchError(error.BadAccess)
        for lock in self._lock_masks:
            root.grab_key(keycode, mask | lock, False, X.GrabModeAsync, X.GrabModeAsync, onerror=caught)
        d.sync()
        if caught.get_error() is not None:
            for lock in self._lock_masks:  # give back the variants that did succeed
                root.ungrab_key(keycode, mask | lock)
            d.sync()
            raise HotkeyHeld(f"{hotkey} is already taken by another program (the X server refused it to us)")
        self._grabs[(keycode, mask)] = action
        log.info("global hotkey %s registered for %s", hotkey, action.value)

    def unregister_all(self) -> None:
        """See :class:`HotkeyBackend`."""
        if self._display is None:
            return
        root = self._display.screen().root
        for keycode, mask in self._grabs:
            for lock in self._lock_masks:
                root.ungrab_key(keycode, mask | lock)
        self._grabs.clear()
        self._display.sync()

    def fileno(self) -> int | None:
        """See :class:`HotkeyBackend`."""
        return None if self._display is None else int(self._display.fileno())

    def pending(self) -> list[Action]:
        """See :class:`HotkeyBackend`."""
        if self._display is None:
            return []
        from Xlib import X

        presses: list[Action] = []
        while self._display.pending_events():
            event = self._display.next_event()
            if event.type == X.MappingNotify:  # the keyboard was remapped: keep python-xlib's keysym cache true
                self._display.refresh_keyboard_mapping(event)
                continue
            if event.type == X.KeyRelease:
                self._released[event.detail] = event.time
                continue
            if event.type != X.KeyPress:
                continue
            if self._released.get(event.detail) == event.time:
                continue  # a held key repeats as release+press at one instant: one press only
            action = self._grabs.get((event.detail, event.state & self._relevant))
            if action is not None:
                presses.append(action)
        return presses

    def native_event(self, event_type: bytes, message: int) -> Action | None:
        """See :class:`HotkeyBackend` (X11 events come through :meth:`pending`)."""
        return None

    def close(self) -> None:
        """See :class:`HotkeyBackend`."""
        if self._display is not None:
            self.unregister_all()
            self._display.close()
            self._display = None


def _local_socket_missing(name: str) -> bool:
    """Whether ``name`` is a local display (``:N``, ``unix:N``) whose socket does not exist."""
    host, _, rest = name.rpartition(":")
    number = rest.split(".", 1)[0]
    if host not in ("", "unix") or not number.isdigit():
        return not name
    return not os.path.exists(f"/tmp/.X11-unix/X{int(number)}")  # noqa: S108 - the X11 socket's fixed place


def _modifier_mask_of(d: Any, keysym: int) -> int:
    """The modifier bit a keysym is mapped to (NumLock is usually Mod2), or 0."""
    keycode = d.keysym_to_keycode(keysym)
    if not keycode:
        return 0
    for index, keycodes in enumerate(d.get_modifier_mapping()):
        if keycode in keycodes:
            return int(1 << index)
    return 0


# --- Windows ----------------------------------------------------------------------------------------------------

WM_HOTKEY = 0x0312
MOD_ALT, MOD_CONTROL, MOD_SHIFT, MOD_WIN, MOD_NOREPEAT = 0x0001, 0x0002, 0x0004, 0x0008, 0x4000
ERROR_HOTKEY_ALREADY_REGISTERED = 1409
_FIRST_ID = 0xB000  # application hotkey ids are 0x0000-0xBFFF


def windows_modifiers(modifiers: Modifier) -> int:
    """``RegisterHotKey``'s fsModifiers for ``modifiers``, with ``MOD_NOREPEAT`` (a held key is one press)."""
    bits = MOD_NOREPEAT
    for flag, bit in (
        (Modifier.ALT, MOD_ALT),
        (Modifier.CTRL, MOD_CONTROL),
        (Modifier.SHIFT, MOD_SHIFT),
        (Modifier.META, MOD_WIN),
    ):
        if flag in modifiers:
            bits |= bit
    return bits


if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    class WindowsHotkeys:
        """``RegisterHotKey`` on the GUI thread; written to the documented API, not run in this project's tests."""

        def __init__(self) -> None:
            self._user32 = ctypes.WinDLL("user32", use_last_error=True)
            self._user32.RegisterHotKey.argtypes = (wintypes.HWND, ctypes.c_int, wintypes.UINT, wintypes.UINT)
            self._user32.RegisterHotKey.restype = wintypes.BOOL
            self._user32.UnregisterHotKey.argtypes = (wintypes.HWND, ctypes.c_int)
            self._user32.UnregisterHotKey.restype = wintypes.BOOL
            self._ids: dict[int, Action] = {}
            self._keys: dict[tuple[int, int], Action] = {}

        def unavailable(self) -> str | None:
            """See :class:`HotkeyBackend`."""
            return None

        def register(self, action: Action, hotkey: Hotkey) -> None:
            """See :class:`HotkeyBackend`. Must run on the thread whose queue Qt reads (the GUI thread)."""
            fs = windows_modifiers(hotkey.modifiers)
            if (fs, hotkey.windows_vk) in self._keys:
                raise HotkeyError(f"{hotkey} is already used for {self._keys[(fs, hotkey.windows_vk)].label.lower()}")
            hotkey_id = _FIRST_ID + len(self._ids)
            if not self._user32.RegisterHotKey(None, hotkey_id, fs, hotkey.windows_vk):
                code = ctypes.get_last_error()
                if code == ERROR_HOTKEY_ALREADY_REGISTERED:
                    raise HotkeyHeld(f"{hotkey} is already taken by another program (Windows refused it to us)")
                raise HotkeyError(f"{hotkey} cannot be registered (Windows error {code})")
            self._ids[hotkey_id] = action
            self._keys[(fs, hotkey.windows_vk)] = action

        def unregister_all(self) -> None:
            """See :class:`HotkeyBackend`."""
            for hotkey_id in self._ids:
                self._user32.UnregisterHotKey(None, hotkey_id)
            self._ids.clear()
            self._keys.clear()

        def fileno(self) -> int | None:
            """See :class:`HotkeyBackend` (messages come through :meth:`native_event`)."""
            return None

        def pending(self) -> list[Action]:
            """See :class:`HotkeyBackend`."""
            return []

        def native_event(self, event_type: bytes, message: int) -> Action | None:
            """A ``WM_HOTKEY`` message in the GUI thread's queue (``windows_generic_MSG``), as one of our actions."""
            if event_type != b"windows_generic_MSG" or not message:
                return None
            msg = wintypes.MSG.from_address(message)
            if msg.message != WM_HOTKEY:
                return None
            return self._ids.get(int(msg.wParam))

        def close(self) -> None:
            """See :class:`HotkeyBackend`."""
            self.unregister_all()


# --- Elsewhere --------------------------------------------------------------------------------------------------


class UnavailableHotkeys:
    """A system where global hotkeys are not built: every call is harmless and :meth:`unavailable` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def unavailable(self) -> str | None:
        """See :class:`HotkeyBackend`."""
        return self.reason

    def register(self, action: Action, hotkey: Hotkey) -> None:
        """See :class:`HotkeyBackend`."""
        raise HotkeyError(self.reason)

    def unregister_all(self) -> None:
        """See :class:`HotkeyBackend`."""

    def fileno(self) -> int | None:
        """See :class:`HotkeyBackend`."""
        return None

    def pending(self) -> list[Action]:
        """See :class:`HotkeyBackend`."""
        return []

    def native_event(self, event_type: bytes, message: int) -> Action | None:
        """See :class:`HotkeyBackend`."""
        return None

    def close(self) -> None:
        """See :class:`HotkeyBackend`."""


MACOS_REASON = (
    "Global hotkeys are not built for macOS yet (they need a Quartz event tap and the Accessibility permission):"
    " use the capture buttons or the menu bar icon."
)


def for_platform(platform: str | None = None, display: str | None = None) -> HotkeyBackend:
    """The hotkey adapter for ``platform`` (a ``sys.platform`` value); only this system's can run.

    Args:
        platform: the system; None for the running one.
        display: X11 display name (X11 only); None means ``$DISPLAY``.
    """
    platform = platform or sys.platform
    if platform == "win32":
        if sys.platform == "win32":
            return WindowsHotkeys()
        raise ValueError("the Windows adapter runs on Windows only")
    if platform == "darwin":
        return UnavailableHotkeys(MACOS_REASON)
    return X11Hotkeys(display)
