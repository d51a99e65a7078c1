"""Which window is active: its title and process, read through each OS's own API with ctypes, failing soft.

Every adapter returns None (or None fields) instead of raising, and never guesses:

- X11 (libX11): the active window is the root's ``_NET_ACTIVE_WINDOW``, which only a window manager sets. With no
  window manager there is no active window to report, so the answer is None. The title is ``_NET_WM_NAME``
  (UTF8_STRING), else ``WM_NAME`` (STRING is Latin-1; other encodings count only if pure ASCII). The process comes
  from ``_NET_WM_PID``, which any client may write, so it is believed only when ``WM_CLIENT_MACHINE`` names this
  host (EWMH requires both) and ``/proc/PID`` belongs to the current user. The second check stops a sandboxed
  app's namespace-local pid (a Flatpak app is often pid 2) from naming an unrelated system process. In a Wayland
  session the X server sees only XWayland clients, so, unless a display is named explicitly, we report nothing.
  Xlib's default error handler exits the process on a BadWindow (a window that has just closed), so a no-op
  handler is installed around our calls and the previous one is restored afterwards. This is process-global;
  the app itself draws with Qt's xcb, which does not use Xlib's handler.
- Windows (user32, kernel32): GetForegroundWindow, GetWindowTextW, GetWindowThreadProcessId, then OpenProcess and
  QueryFullProcessImageNameW. Only the executable's file name is kept, since the full path can hold the user name.
- macOS: there is no simple and safe ctypes route (the frontmost app needs the Objective-C runtime, and window
  titles need the Screen Recording permission), so we report None.

Each system's code sits behind one interface, :class:`ActiveWindowSource`, and :func:`for_platform` chooses it.
Only the X11 one runs in this project's tests; the Windows one is type-checked (``mypy --platform win32``).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import ntpath
import os
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

log = logging.getLogger(__name__)

_MAX_TITLE_BYTES = 64 * 1024


@dataclass(frozen=True)
class WindowInfo:
    """What is known about the active window. Each field is None when the OS cannot tell.

    Attributes:
        title: The window's title.
        process: The owning process's executable name (``firefox``, ``chrome.exe``).
        pid: The owning process's id on this host.
    """

    title: str | None
    process: str | None
    pid: int | None


def active_window(display: str | None = None) -> WindowInfo | None:
    """The active window, or None when there is none or it cannot be known.

    Never raises.

    Args:
        display: X11 display name (Linux and BSD only); None means ``$DISPLAY``.
    """
    try:
        return for_platform(display=display).active_window()
    except Exception:  # an adapter must never break a capture; the log keeps the failure (types and places only)
        log.info("the active window cannot be read", exc_info=True)
        return None


# --- X11 -------------------------------------------------------------------------------------------------------

_XA_CARDINAL = 6
_XA_STRING = 31
_XA_WINDOW = 33
_ANY_PROPERTY_TYPE = 0
_SUCCESS = 0

_XErrorHandler = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


def _ignore_x_error(_display: int | None, _event: int | None) -> int:
    return 0


_IGNORE_X_ERRORS = _XErrorHandler(_ignore_x_error)  # module-level so ctypes never frees the thunk


class _XFailure(Exception):
    """An X request failed (the window vanished, a property is malformed); ends the lookup with None."""


@dataclass(frozen=True)
class _Property:
    type_atom: int
    format: int
    data: bytes
    items: tuple[int, ...]


class _X11:
    """The few libX11 calls we need, typed once."""

    def __init__(self) -> None:
        name = ctypes.util.find_library("X11") or "libX11.so.6"
        lib = ctypes.CDLL(name)
        lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
        lib.XOpenDisplay.restype = ctypes.c_void_p
        lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
        lib.XCloseDisplay.restype = ctypes.c_int
        lib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        lib.XDefaultRootWindow.restype = ctypes.c_ulong
        lib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        lib.XInternAtom.restype = ctypes.c_ulong
        lib.XGetWindowProperty.argtypes = [
            ctypes.c_void_p,  # Display*
            ctypes.c_ulong,  # Window
            ctypes.c_ulong,  # Atom property
            ctypes.c_long,  # long_offset (32-bit units)
            ctypes.c_long,  # long_length (32-bit units)
            ctypes.c_int,  # Bool delete
            ctypes.c_ulong,  # Atom req_type
            ctypes.POINTER(ctypes.c_ulong),  # Atom* actual_type
            ctypes.POINTER(ctypes.c_int),  # int* actual_format
            ctypes.POINTER(ctypes.c_ulong),  # unsigned long* nitems
            ctypes.POINTER(ctypes.c_ulong),  # unsigned long* bytes_after
            ctypes.POINTER(ctypes.c_void_p),  # unsigned char** prop
        ]
        lib.XGetWindowProperty.restype = ctypes.c_int
        lib.XFree.argtypes = [ctypes.c_void_p]
        lib.XFree.restype = ctypes.c_int
        lib.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.XSync.restype = ctypes.c_int
        lib.XSetErrorHandler.argtypes = [ctypes.c_void_p]
        lib.XSetErrorHandler.restype = ctypes.c_void_p
        self.lib = lib

    @contextlib.contextmanager
    def connection(self, display: str | None) -> Iterator[int | None]:
        """Open a display with X errors ignored; yields None if the display cannot be opened."""
        old = self.lib.XSetErrorHandler(ctypes.cast(_IGNORE_X_ERRORS, ctypes.c_void_p))
        dpy: int | None = None
        try:
            dpy = self.lib.XOpenDisplay(None if display is None else os.fsencode(display))
            yield dpy or None
        finally:
            if dpy:
                self.lib.XSync(dpy, 0)  # deliver pending errors to our no-op handler before restoring
                self.lib.XCloseDisplay(dpy)
            self.lib.XSetErrorHandler(old)

    def atom(self, dpy: int, name: str) -> int:
        """The atom for ``name``, or 0 if the server has never heard of it (it is not created)."""
        return int(self.lib.XInternAtom(dpy, name.encode("ascii"), 1))

    def get_property(self, dpy: int, window: int, prop: int, req_type: int) -> _Property | None:
        """Read a whole property; None if unset or of another type.

        Raises:
            _XFailure: The request failed (no such window) or the property is too long.
        """
        actual_type = ctypes.c_ulong()
        actual_format = ctypes.c_int()
        nitems = ctypes.c_ulong()
        bytes_after = ctypes.c_ulong()
        data = ctypes.c_void_p()
        status = self.lib.XGetWindowProperty(
            dpy,
            window,
            prop,
            0,
            _MAX_TITLE_BYTES // 4,
            0,
            req_type,
            ctypes.byref(actual_type),
            ctypes.byref(actual_format),
            ctypes.byref(nitems),
            ctypes.byref(bytes_after),
            ctypes.byref(data),
        )
        try:
            if status != _SUCCESS:
                raise _XFailure(f"XGetWindowProperty failed with {status}")
            if actual_type.value == 0:
                return None  # property not set
            if req_type != _ANY_PROPERTY_TYPE and actual_type.value != req_type:
                return None
            if bytes_after.value:
                raise _XFailure("property too long")
            count = nitems.value
            fmt = actual_format.value
            if not data.value or count == 0:
                return _Property(actual_type.value, fmt, b"", ())
            if fmt == 8:
                return _Property(actual_type.value, fmt, ctypes.string_at(data.value, count), ())
            if fmt == 32:  # Xlib hands format-32 data back as C longs, 8 bytes each on LP64
                longs = ctypes.cast(data, ctypes.POINTER(ctypes.c_ulong))
                return _Property(actual_type.value, fmt, b"", tuple(longs[i] & 0xFFFFFFFF for i in range(count)))
            raise _XFailure(f"unexpected property format {fmt}")
        finally:
            if data.value:
                self.lib.XFree(data)


def _x11_active_window(display: str | None) -> WindowInfo | None:
    try:
        x11 = _X11()
    except (OSError, AttributeError):
        return None
    with x11.connection(display) as dpy:
        if dpy is None:
            return None
        try:
            return _x11_lookup(x11, dpy)
        except _XFailure:
            return None


def _x11_lookup(x11: _X11, dpy: int) -> WindowInfo | None:
    net_active = x11.atom(dpy, "_NET_ACTIVE_WINDOW")
    if not net_active:
        return None
    root = int(x11.lib.XDefaultRootWindow(dpy))
    active = x11.get_property(dpy, root, net_active, _XA_WINDOW)
    if active is None or active.format != 32 or not active.items or active.items[0] == 0:
        return None
    window = active.items[0]
    title = _x11_title(x11, dpy, window)
    pid = _x11_local_pid(x11, dpy, window)
    process = _linux_process_name(pid) if pid is not None else None
    return WindowInfo(title=title, process=process, pid=pid if process is not None else None)


def _x11_title(x11: _X11, dpy: int, window: int) -> str | None:
    utf8 = x11.atom(dpy, "UTF8_STRING")
    net_wm_name = x11.atom(dpy, "_NET_WM_NAME")
    if utf8 and net_wm_name:
        prop = x11.get_property(dpy, window, net_wm_name, utf8)
        if prop is not None and prop.format == 8:
            return prop.data.decode("utf-8", errors="replace")
    wm_name = x11.get_property(dpy, window, x11.atom(dpy, "WM_NAME"), _ANY_PROPERTY_TYPE)
    if wm_name is None or wm_name.format != 8:
        return None
    if wm_name.type_atom == _XA_STRING:
        return wm_name.data.decode("latin-1")
    if utf8 and wm_name.type_atom == utf8:
        return wm_name.data.decode("utf-8", errors="replace")
    if wm_name.data.isascii():  # COMPOUND_TEXT and the like agree with ASCII on ASCII
        return wm_name.data.decode("ascii")
    return None


def _x11_local_pid(x11: _X11, dpy: int, window: int) -> int | None:
    net_wm_pid = x11.atom(dpy, "_NET_WM_PID")
    client_machine = x11.atom(dpy, "WM_CLIENT_MACHINE")
    if not net_wm_pid or not client_machine:
        return None
    machine = x11.get_property(dpy, window, client_machine, _ANY_PROPERTY_TYPE)
    if machine is None or machine.format != 8:
        return None
    if machine.data.rstrip(b"\0").decode("latin-1").casefold() != socket.gethostname().casefold():
        return None
    prop = x11.get_property(dpy, window, net_wm_pid, _XA_CARDINAL)
    if prop is None or prop.format != 32 or len(prop.items) != 1 or prop.items[0] <= 0:
        return None
    return prop.items[0]


def _linux_process_name(pid: int) -> str | None:
    """``/proc/PID/comm`` if that process belongs to the current user; None elsewhere or on any doubt."""
    if not hasattr(os, "getuid"):
        return None
    try:
        if os.stat(f"/proc/{pid}").st_uid != os.getuid():
            return None
        with open(f"/proc/{pid}/comm", "rb") as f:
            comm = f.read(64)
    except OSError:
        return None
    name = comm.rstrip(b"\n").decode("utf-8", errors="replace")
    return name or None


# --- Windows ---------------------------------------------------------------------------------------------------


if sys.platform == "win32":

    def _windows_active_window() -> WindowInfo | None:
        from ctypes import wintypes

        user32 = ctypes.WinDLL("user32", use_last_error=True)
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        user32.GetForegroundWindow.argtypes = []
        user32.GetForegroundWindow.restype = wintypes.HWND
        user32.GetWindowTextLengthW.argtypes = [wintypes.HWND]
        user32.GetWindowTextLengthW.restype = ctypes.c_int
        user32.GetWindowTextW.argtypes = [wintypes.HWND, wintypes.LPWSTR, ctypes.c_int]
        user32.GetWindowTextW.restype = ctypes.c_int
        user32.GetWindowThreadProcessId.argtypes = [wintypes.HWND, ctypes.POINTER(wintypes.DWORD)]
        user32.GetWindowThreadProcessId.restype = wintypes.DWORD
        kernel32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
        kernel32.OpenProcess.restype = wintypes.HANDLE
        kernel32.QueryFullProcessImageNameW.argtypes = [
            wintypes.HANDLE,
            wintypes.DWORD,
            wintypes.LPWSTR,
            ctypes.POINTER(wintypes.DWORD),
        ]
        kernel32.QueryFullProcessImageNameW.restype = wintypes.BOOL
        kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
        kernel32.CloseHandle.restype = wintypes.BOOL

        hwnd = user32.GetForegroundWindow()
        if not hwnd:
            return None

        title: str | None = None
        ctypes.set_last_error(0)
        length = user32.GetWindowTextLengthW(hwnd)
        if length > 0:
            buf = ctypes.create_unicode_buffer(length + 1)
            if user32.GetWindowTextW(hwnd, buf, length + 1) > 0:
                title = buf.value
        elif ctypes.get_last_error() == 0:
            title = ""

        pid_dword = wintypes.DWORD()
        if not user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid_dword)) or not pid_dword.value:
            return WindowInfo(title=title, process=None, pid=None)
        pid = int(pid_dword.value)
        process: str | None = None
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if handle:
            try:
                size = wintypes.DWORD(32768)
                path = ctypes.create_unicode_buffer(size.value)
                if kernel32.QueryFullProcessImageNameW(handle, 0, path, ctypes.byref(size)):
                    process = ntpath.basename(path.value) or None
            finally:
                kernel32.CloseHandle(handle)
        return WindowInfo(title=title, process=process, pid=pid)


# --- The interface ----------------------------------------------------------------------------------------------


@runtime_checkable
class ActiveWindowSource(Protocol):
    """Tells which window is active; one implementation per system, chosen by :func:`for_platform`."""

    def active_window(self) -> WindowInfo | None:
        """The active window, or None when there is none or it cannot be known. May raise; callers use the
        module's :func:`active_window`, which never does."""
        ...


@dataclass(frozen=True)
class X11ActiveWindow:
    """Linux and the BSDs under X11 (libX11). Reports nothing in a Wayland session unless a display is named.

    Attributes:
        display: the X11 display; None means ``$DISPLAY``.
    """

    display: str | None = None

    def active_window(self) -> WindowInfo | None:
        """See the module docstring."""
        if self.display is None and os.environ.get("WAYLAND_DISPLAY"):
            return None
        return _x11_active_window(self.display)


@dataclass(frozen=True)
class UnknownActiveWindow:
    """Systems with no safe way to tell (macOS: see the module docstring): always None."""

    def active_window(self) -> WindowInfo | None:
        """None: the system gives no safe answer."""
        return None


if sys.platform == "win32":

    @dataclass(frozen=True)
    class WindowsActiveWindow:
        """Windows (user32, kernel32); written to the documented API, not run in this project's tests."""

        def active_window(self) -> WindowInfo | None:
            """See the module docstring."""
            return _windows_active_window()


def for_platform(platform: str | None = None, display: str | None = None) -> ActiveWindowSource:
    """The active-window source for ``platform`` (a ``sys.platform`` value); only this system's can run.

    Args:
        platform: the system; None for the running one.
        display: X11 display name (X11 only); None means ``$DISPLAY``.
    """
    platform = platform or sys.platform
    if platform == "win32":
        if sys.platform == "win32":
            return WindowsActiveWindow()
        raise ValueError("the Windows source runs on Windows only")
    if platform == "darwin":
        return UnknownActiveWindow()
    return X11ActiveWindow(display)
