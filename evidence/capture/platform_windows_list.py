"""The visible top-level windows, top of the stack first, so the overlay can offer "click a window".

Rectangles are in mss's virtual-desktop coordinates (physical pixels), the same space as
:class:`evidence.capture.screen.Grab`. Like :mod:`evidence.capture.platform_window`, every adapter fails
soft: an unknown answer is an empty list, never an exception, because a missing window list only costs the
user the click-to-select shortcut while the drag still works.

- X11 (libX11): ``XQueryTree`` on the root lists its children bottom to top, so the list is reversed. A window
  counts when ``XGetWindowAttributes`` says it is ``IsViewable`` and InputOutput. Its place comes from
  ``XTranslateCoordinates`` to the root, widened by its border. Under a reparenting window manager the root's
  children are the manager's frames, so the rectangle includes the decorations (as the user sees the window)
  and the title is read from the client inside, the first descendant with ``WM_STATE``; with no window manager
  nothing sets ``WM_STATE`` and the title is the top-level's own. Xlib's fatal default error handler is replaced
  for the length of the calls, exactly as in :mod:`evidence.capture.platform_window`, because a window can close between
  two requests.
- Windows (user32, dwmapi): ``EnumWindows``, which in practice walks the top-level windows in Z order from the
  top, keeping those that ``IsWindowVisible``, are not minimised (``IsIconic``) and are not cloaked by DWM
  (hidden Store apps and windows on other virtual desktops report themselves visible). The rectangle is DWM's
  ``DWMWA_EXTENDED_FRAME_BOUNDS``, which leaves out the invisible resize borders and is always in physical
  pixels; ``GetWindowRect`` is the fallback, which is physical only in a per-monitor DPI-aware process (Qt 6
  and mss both make the process so).
- macOS: listing other apps' windows needs the Screen Recording permission and the Objective-C runtime, so the
  answer is an empty list.

Each system's code sits behind one interface, :class:`WindowListSource`, and :func:`for_platform` chooses it.
Only the X11 one runs in this project's tests; the Windows one is type-checked (``mypy --platform win32``).
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from evidence.capture.platform_window import _X11, _x11_title, _XFailure
from evidence.capture.screen import Rect

log = logging.getLogger(__name__)
MAX_WINDOWS = 4096
"""Windows beyond this many are ignored: no desktop has so many, and a hostile client must not stall us."""

_IS_VIEWABLE = 2
_INPUT_ONLY = 2
_CLIENT_SEARCH_DEPTH = 3


def window_rects(display: str | None = None) -> list[tuple[Rect, str | None]]:
    """The visible top-level windows' rectangles and titles, top of the stacking order first.

    A title is None where the window has none or it cannot be read. Never raises: the answer is ``[]`` when the
    windows cannot be known (no display, Wayland, macOS, any failure).

    Args:
        display: X11 display name (Linux and BSD only); None means ``$DISPLAY``.
    """
    try:
        return for_platform(display=display).window_rects()
    except Exception:  # an adapter must never break a capture; the log keeps the failure (types and places only)
        log.info("the windows cannot be listed", exc_info=True)
        return []


# --- X11 -------------------------------------------------------------------------------------------------------


class _XWindowAttributes(ctypes.Structure):
    _fields_ = (
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("border_width", ctypes.c_int),
        ("depth", ctypes.c_int),
        ("visual", ctypes.c_void_p),
        ("root", ctypes.c_ulong),
        ("class_", ctypes.c_int),
        ("bit_gravity", ctypes.c_int),
        ("win_gravity", ctypes.c_int),
        ("backing_store", ctypes.c_int),
        ("backing_planes", ctypes.c_ulong),
        ("backing_pixel", ctypes.c_ulong),
        ("save_under", ctypes.c_int),
        ("colormap", ctypes.c_ulong),
        ("map_installed", ctypes.c_int),
        ("map_state", ctypes.c_int),
        ("all_event_masks", ctypes.c_long),
        ("your_event_mask", ctypes.c_long),
        ("do_not_propagate_mask", ctypes.c_long),
        ("override_redirect", ctypes.c_int),
        ("screen", ctypes.c_void_p),
    )


def _x11_with_tree_calls() -> _X11:
    x11 = _X11()
    lib = x11.lib
    lib.XQueryTree.argtypes = [
        ctypes.c_void_p,  # Display*
        ctypes.c_ulong,  # Window w
        ctypes.POINTER(ctypes.c_ulong),  # Window* root_return
        ctypes.POINTER(ctypes.c_ulong),  # Window* parent_return
        ctypes.POINTER(ctypes.c_void_p),  # Window** children_return
        ctypes.POINTER(ctypes.c_uint),  # unsigned int* nchildren_return
    ]
    lib.XQueryTree.restype = ctypes.c_int
    lib.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(_XWindowAttributes)]
    lib.XGetWindowAttributes.restype = ctypes.c_int
    lib.XTranslateCoordinates.argtypes = [
        ctypes.c_void_p,  # Display*
        ctypes.c_ulong,  # Window src_w
        ctypes.c_ulong,  # Window dest_w
        ctypes.c_int,  # int src_x
        ctypes.c_int,  # int src_y
        ctypes.POINTER(ctypes.c_int),  # int* dest_x_return
        ctypes.POINTER(ctypes.c_int),  # int* dest_y_return
        ctypes.POINTER(ctypes.c_ulong),  # Window* child_return
    ]
    lib.XTranslateCoordinates.restype = ctypes.c_int
    return x11


def _x11_window_rects(display: str | None) -> list[tuple[Rect, str | None]]:
    try:
        x11 = _x11_with_tree_calls()
    except (OSError, AttributeError):
        return []
    with x11.connection(display) as dpy:
        if dpy is None:
            return []
        root = int(x11.lib.XDefaultRootWindow(dpy))
        wm_state = x11.atom(dpy, "WM_STATE")
        found: list[tuple[Rect, str | None]] = []
        for window in reversed(_x11_children(x11, dpy, root)[:MAX_WINDOWS]):
            rect = _x11_rect(x11, dpy, root, window)
            if rect is None:
                continue
            client = _x11_client(x11, dpy, window, wm_state, _CLIENT_SEARCH_DEPTH) if wm_state else None
            try:
                title = _x11_title(x11, dpy, client or window)
            except _XFailure:
                title = None
            found.append((rect, title))
        return found


def _x11_children(x11: _X11, dpy: int, window: int) -> list[int]:
    """The children of ``window``, bottom of the stack first; empty if the window is gone."""
    root, parent, children, count = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p(), ctypes.c_uint()
    ok = x11.lib.XQueryTree(
        dpy, window, ctypes.byref(root), ctypes.byref(parent), ctypes.byref(children), ctypes.byref(count)
    )
    try:
        if not ok or not children.value:
            return []
        ids = ctypes.cast(children, ctypes.POINTER(ctypes.c_ulong))
        return [int(ids[i]) for i in range(count.value)]
    finally:
        if children.value:
            x11.lib.XFree(children)


def _x11_rect(x11: _X11, dpy: int, root: int, window: int) -> Rect | None:
    """The window's outer rectangle on the root, border included; None unless it is viewable and drawn."""
    attrs = _XWindowAttributes()
    if not x11.lib.XGetWindowAttributes(dpy, window, ctypes.byref(attrs)):
        return None
    if attrs.map_state != _IS_VIEWABLE or attrs.class_ == _INPUT_ONLY or attrs.width < 1 or attrs.height < 1:
        return None
    x, y, child = ctypes.c_int(), ctypes.c_int(), ctypes.c_ulong()
    if not x11.lib.XTranslateCoordinates(
        dpy, window, root, 0, 0, ctypes.byref(x), ctypes.byref(y), ctypes.byref(child)
    ):
        return None
    border = max(attrs.border_width, 0)
    return Rect(x.value - border, y.value - border, attrs.width + 2 * border, attrs.height + 2 * border)


def _x11_client(x11: _X11, dpy: int, window: int, wm_state: int, depth: int) -> int | None:
    """The client window at or below ``window``: the first one, breadth first, that carries ``WM_STATE``."""
    level = [window]
    for _ in range(depth + 1):
        for candidate in level:
            try:
                if x11.get_property(dpy, candidate, wm_state, 0) is not None:
                    return candidate
            except _XFailure:
                continue
        level = [child for parent in level for child in _x11_children(x11, dpy, parent)][:MAX_WINDOWS]
        if not level:
            break
    return None


# --- Windows ---------------------------------------------------------------------------------------------------


if sys.platform == "win32":

    def _windows_window_rects() -> list[tuple[Rect, str | None]]:
        from ctypes import wintypes

        dwmwa_extended_frame_bounds = 9
        dwmwa_cloaked = 14

        user32 = ctypes.WinDLL("user32", use_last_error=True)
        try:
            dwmapi: ctypes.WinDLL | None = ctypes.WinDLL("dwmapi")
        except OSError:
            dwmapi = None
        enum_proc = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.HWND, wintypes.LPARAM)
        user32.EnumWindows.argtypes = [enum_proc, wintypes.LPARAM]
        user32.EnumWindows.restype = wintypes.BOOL
        user32.IsWindowVisible.argtypes = [wintypes.HWND]
        user32.IsWindowVisible.restype = wintypes.BOOL
        user32.IsIconic.argtypes = [wintypes.HWND]
        user32.IsIconic.restype = wintypes.BOOL
        user32.GetWindowRect.argtypes = [wintypes.HWND, ctypes.POINTER(wintypes.RECT)]
        user32.GetWindowRect.restype = wintypes.BOOL
        user32.GetWindowTextLengthW.argtypes = [wintypes.HWND]
        user32.GetWindowTextLengthW.restype = ctypes.c_int
        user32.GetWindowTextW.argtypes = [wintypes.HWND, wintypes.LPWSTR, ctypes.c_int]
        user32.GetWindowTextW.restype = ctypes.c_int
        if dwmapi is not None:
            dwmapi.DwmGetWindowAttribute.argtypes = [wintypes.HWND, wintypes.DWORD, ctypes.c_void_p, wintypes.DWORD]
            dwmapi.DwmGetWindowAttribute.restype = ctypes.c_long  # HRESULT, 0 is S_OK

        handles: list[int] = []

        def collect(hwnd: int, _lparam: int) -> bool:
            handles.append(hwnd)
            return len(handles) < MAX_WINDOWS

        callback = enum_proc(collect)  # held in a local until EnumWindows returns
        user32.EnumWindows(callback, 0)  # FALSE also when collect stopped it; keep what came

        found: list[tuple[Rect, str | None]] = []
        for hwnd in handles:
            if not hwnd or not user32.IsWindowVisible(hwnd) or user32.IsIconic(hwnd):
                continue
            box = wintypes.RECT()
            if dwmapi is not None:
                cloaked = wintypes.DWORD()
                hr = dwmapi.DwmGetWindowAttribute(hwnd, dwmwa_cloaked, ctypes.byref(cloaked), ctypes.sizeof(cloaked))
                if hr == 0 and cloaked.value:
                    continue
                hr = dwmapi.DwmGetWindowAttribute(
                    hwnd, dwmwa_extended_frame_bounds, ctypes.byref(box), ctypes.sizeof(box)
                )
                have_box = hr == 0
            else:
                have_box = False
            if not have_box and not user32.GetWindowRect(hwnd, ctypes.byref(box)):
                continue
            width, height = box.right - box.left, box.bottom - box.top
            if width < 1 or height < 1:
                continue
            title: str | None = None
            length = user32.GetWindowTextLengthW(hwnd)
            if length > 0:
                buf = ctypes.create_unicode_buffer(length + 1)
                if user32.GetWindowTextW(hwnd, buf, length + 1) > 0:
                    title = buf.value
            found.append((Rect(box.left, box.top, width, height), title))
        return found


# --- The interface ----------------------------------------------------------------------------------------------


@runtime_checkable
class WindowListSource(Protocol):
    """Lists the visible top-level windows; one implementation per system, chosen by :func:`for_platform`."""

    def window_rects(self) -> list[tuple[Rect, str | None]]:
        """The windows' rectangles and titles, top of the stack first. May raise; callers use the module's
        :func:`window_rects`, which never does."""
        ...


@dataclass(frozen=True)
class X11WindowList:
    """Linux and the BSDs under X11 (libX11). Lists nothing in a Wayland session unless a display is named.

    Attributes:
        display: the X11 display; None means ``$DISPLAY``.
    """

    display: str | None = None

    def window_rects(self) -> list[tuple[Rect, str | None]]:
        """See the module docstring."""
        if self.display is None and os.environ.get("WAYLAND_DISPLAY"):
            return []
        return _x11_window_rects(self.display)


@dataclass(frozen=True)
class NoWindowList:
    """Systems whose windows we do not list (macOS): always empty; dragging a region still works."""

    def window_rects(self) -> list[tuple[Rect, str | None]]:
        """Nothing."""
        return []


if sys.platform == "win32":

    @dataclass(frozen=True)
    class WindowsWindowList:
        """Windows (user32, dwmapi); written to the documented API, not run in this project's tests."""

        def window_rects(self) -> list[tuple[Rect, str | None]]:
            """See the module docstring."""
            return _windows_window_rects()


def for_platform(platform: str | None = None, display: str | None = None) -> WindowListSource:
    """The window-list source for ``platform`` (a ``sys.platform`` value); only this system's can run.

    Args:
        platform: the system; None for the running one.
        display: X11 display name (X11 only); None means ``$DISPLAY``.
    """
    platform = platform or sys.platform
    if platform == "win32":
        if sys.platform == "win32":
            return WindowsWindowList()
        raise ValueError("the Windows source runs on Windows only")
    if platform == "darwin":
        return NoWindowList()
    return X11WindowList(display)
