"""Keep a window that shows evidence out of screenshots and screen sharing, where the system allows it.

As KeePassXC does for its windows: on Windows, ``SetWindowDisplayAffinity(hwnd, WDA_EXCLUDEFROMCAPTURE)`` makes
the window vanish from captures (Windows 10 2004 and later); older Windows only knows ``WDA_MONITOR``, which shows
the window as black in a capture, and that is good enough. On macOS the window's ``sharingType`` is set to
``NSWindowSharingNone`` through the Objective-C runtime; macOS 15 and later no longer honour it for ScreenCaptureKit
(what most recorders and meeting apps use), so there the user is told as well. X11 and Wayland have no such
mechanism, nor does the offscreen platform.

:func:`exclude_from_capture` never raises. It returns None when the window is protected, or a sentence to show
the user, who must then make sure that no one can see or record the screen.

Each system's code sits behind one interface, :class:`CaptureExclusion`, and :func:`for_platform` chooses it.
Only the "unsupported" one (X11, Wayland, offscreen) runs in this project's tests; the Windows and macOS ones are
written to the documented APIs and type-checked (``mypy --platform win32`` / ``darwin``), not run.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import platform
import sys
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from PySide6.QtWidgets import QWidget

WDA_MONITOR = 0x01
WDA_EXCLUDEFROMCAPTURE = 0x11
NS_WINDOW_SHARING_NONE = 0

log = logging.getLogger(__name__)

UNSUPPORTED_MESSAGE = (
    "This system cannot keep this window out of screenshots; make sure no one can see or record your screen."
)
WINDOWS_FAILED_MESSAGE = (
    "Windows could not keep this window out of screenshots; make sure no one can see or record your screen."
)
MAC_PARTIAL_MESSAGE = (
    "This Mac keeps this window out of some screenshots but not out of all screen recordings or screen sharing;"
    " make sure no one can see or record your screen."
)


@runtime_checkable
class CaptureExclusion(Protocol):
    """Keeps a window out of screen captures; one implementation per system, chosen by :func:`for_platform`."""

    def exclude(self, widget: QWidget) -> str | None:
        """Protect ``widget``'s top-level window; None on success, else a message for the user. May raise;
        callers use :func:`exclude_from_capture`, which never does."""
        ...


@dataclass(frozen=True)
class WindowsCaptureExclusion:
    """Windows: ``SetWindowDisplayAffinity`` (see the module docstring)."""

    def exclude(self, widget: QWidget) -> str | None:
        """Exclude the window, or say that Windows could not."""
        if sys.platform == "win32":
            return _exclude_windows(int(widget.window().winId()), ctypes.windll.user32)
        return WINDOWS_FAILED_MESSAGE


@dataclass(frozen=True)
class MacCaptureExclusion:
    """macOS: ``NSWindowSharingNone`` (see the module docstring)."""

    def exclude(self, widget: QWidget) -> str | None:
        """Exclude the window where macOS still honours it; otherwise say so."""
        return _exclude_macos(int(widget.window().winId()))


@dataclass(frozen=True)
class UnsupportedCaptureExclusion:
    """X11, Wayland and the offscreen platform: no such mechanism, so the user is always told."""

    def exclude(self, widget: QWidget) -> str | None:
        """The message that tells the user to make sure no one can see or record the screen."""
        return UNSUPPORTED_MESSAGE


def for_platform(platform: str | None = None) -> CaptureExclusion:
    """The capture exclusion for ``platform`` (a ``sys.platform`` value)."""
    platform = platform or sys.platform
    if platform == "win32":
        return WindowsCaptureExclusion()
    if platform == "darwin":
        return MacCaptureExclusion()
    return UnsupportedCaptureExclusion()


def exclude_from_capture(widget: QWidget) -> str | None:
    """Exclude ``widget``'s top-level window from screen capture; None on success, else a message for the user.

    Call it once the window exists (in ``showEvent`` or after ``show()``): it needs the native window handle,
    which asking for creates.
    """
    try:
        return for_platform().exclude(widget)
    except Exception:  # a protection attempt must never take the window down with it; the log keeps the failure
        log.info("the window cannot be excluded from capture", exc_info=True)
        return WINDOWS_FAILED_MESSAGE if sys.platform == "win32" else UNSUPPORTED_MESSAGE


def _exclude_windows(hwnd: int, user32: Any) -> str | None:
    """Try the affinity that hides the window, then the one that blackens it (Windows before 10 2004)."""
    if not hwnd:
        return WINDOWS_FAILED_MESSAGE
    for affinity in (WDA_EXCLUDEFROMCAPTURE, WDA_MONITOR):
        if user32.SetWindowDisplayAffinity(ctypes.c_void_p(hwnd), ctypes.c_uint32(affinity)):
            return None
    return WINDOWS_FAILED_MESSAGE


def _exclude_macos(view_id: int) -> str | None:
    """``[[view window] setSharingType:NSWindowSharingNone]``, checked by reading the sharing type back.

    ``winId()`` of a Qt widget on macOS is its ``NSView``. ``objc_msgSend`` is called through a prototype per
    signature, as arm64 requires (it must not be called as a variadic function).
    """
    path = ctypes.util.find_library("objc")
    if not path or not view_id:
        return UNSUPPORTED_MESSAGE
    objc = ctypes.cdll.LoadLibrary(path)
    objc.sel_registerName.restype = ctypes.c_void_p
    objc.sel_registerName.argtypes = [ctypes.c_char_p]
    send_id = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)(("objc_msgSend", objc))
    send_ulong = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ulong)(("objc_msgSend", objc))
    get_ulong = ctypes.CFUNCTYPE(ctypes.c_ulong, ctypes.c_void_p, ctypes.c_void_p)(("objc_msgSend", objc))
    ns_window = send_id(view_id, objc.sel_registerName(b"window"))
    if not ns_window:
        return UNSUPPORTED_MESSAGE
    send_ulong(ns_window, objc.sel_registerName(b"setSharingType:"), NS_WINDOW_SHARING_NONE)
    if get_ulong(ns_window, objc.sel_registerName(b"sharingType")) != NS_WINDOW_SHARING_NONE:
        return UNSUPPORTED_MESSAGE
    return MAC_PARTIAL_MESSAGE if _mac_major() >= 15 else None


def _mac_major() -> int:
    try:
        return int(platform.mac_ver()[0].split(".")[0])
    except ValueError:
        return 0
