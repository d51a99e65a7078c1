"""Screen capture: grab pixels with mss, encode them as PNG, digest them and record the capture context.

A capture yields two digests. ``png_sha256`` covers the stored PNG bytes, which is what ``sha256sum`` checks in a
bundle. ``pixels_sha256`` covers the image itself, independent of how it was compressed: it is the SHA-256 of the
image written as a binary PPM, exactly ``b"P6\\n%d %d\\n255\\n" % (width, height)`` followed by the packed RGB rows.
Netpbm's ``pngtopnm x.png | sha256sum`` and ImageMagick's ``convert x.png ppm:- | sha256sum`` both write exactly
that header for our 8-bit RGB PNGs, so a recipient can recompute it with stock tools (a test pins this).

The PNG encoder was chosen by measurement (bench script on a 2-core Linux VM, Python 3.11, zlib 1.2.13, mss
10.2.0, Pillow 13.0.0; median of 7 runs at compression level 1, synthetic frames):

=============  =====  ========================  ===========================
frame          kind   mss.tools.to_png          Pillow ``save(PNG)``
=============  =====  ========================  ===========================
1920x1080      text      20 ms, 0.30 MB              60 ms, 0.29 MB
1920x1080      photo    143 ms, 4.52 MB             205 ms, 3.67 MB
3840x2160      text      51 ms, 0.81 MB             138 ms, 0.77 MB
3840x2160      photo    553 ms, 17.96 MB            750 ms, 14.65 MB
=============  =====  ========================  ===========================

Screens of chats and social media are mostly text and flat colour, where mss's encoder is 2.7 to 3 times as fast
for 4 to 5 % more bytes; on photo-like frames Pillow's adaptive row filters save about 20 % of the size but cost 40 %
more time. Capture latency matters more to a hurried user than a few megabytes in the vault, so we use
``mss.tools.to_png`` at level 1. It needs only the standard library's zlib, writes no metadata chunks (no time,
no gamma, nothing but IHDR, IDAT and IEND) and is therefore deterministic: the same pixels give the same bytes on
the same zlib.

Context is limited to what a reviewer needs to judge the capture: times, host name, OS user, OS, app version,
screen geometry and the active window. Monitor names, EDID identifiers and serial numbers that mss can report are
dropped on purpose, as are location and network hardware addresses, which are never read.
"""

from __future__ import annotations

import ctypes
import hashlib
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import mss
import mss.tools
from PIL import Image

from evidence.capture import platform_window
from evidence.capture.context import (
    CONTEXT_FORMAT,
    CaptureContext,
    CaptureKind,
    CaptureMode,
    ContextError,
    MonitorInfo,
    Rect,
)
from evidence.core.errors import CaptureError, UsageError

__all__ = [
    "CONTEXT_FORMAT",
    "PNG_LEVEL",
    "Capture",
    "CaptureContext",
    "CaptureKind",
    "CaptureMode",
    "ContextError",
    "Grab",
    "MonitorInfo",
    "Rect",
    "capture",
    "encode_png",
    "from_grab",
    "grab",
    "pixels_sha256",
]
"""The context records live in :mod:`evidence.capture.context` (no mss, no Pillow); they are re-exported here."""

PNG_LEVEL = 1
"""zlib level for PNG encoding (see the module docstring for the measurements behind it)."""


@dataclass(frozen=True)
class Grab:
    """Raw pixels of one screen grab, as packed RGB rows, with where and when they were taken.

    Attributes:
        rgb: ``width * height * 3`` bytes, rows top to bottom, no padding.
        width: Image width in pixels.
        height: Image height in pixels.
        left: X of the grabbed area on the virtual desktop.
        top: Y of the grabbed area on the virtual desktop.
        area: The grabbed area in desktop coordinates. Its size equals the image's except on macOS Retina
            screens, where the desktop is measured in points and the image in pixels.
        desktop: The virtual desktop's bounding rectangle.
        monitors: Every monitor, in mss order (``monitor:1`` is the first).
        mode: The mode that was asked for.
        utc: When the grab was requested (UTC, aware, whole milliseconds).
        monotonic_ns: ``time.monotonic_ns()`` at the same moment, to order captures within one boot.
    """

    rgb: bytes
    width: int
    height: int
    left: int
    top: int
    area: Rect
    desktop: Rect
    monitors: tuple[MonitorInfo, ...]
    mode: CaptureMode
    utc: datetime
    monotonic_ns: int


@dataclass(frozen=True)
class Capture:
    """An encoded capture, ready to be encrypted and stored.

    Attributes:
        png: The PNG file.
        png_sha256: SHA-256 (hex) of ``png``.
        pixels_sha256: SHA-256 (hex) of the image as a binary PPM (see :func:`pixels_sha256`).
        width: Image width in pixels.
        height: Image height in pixels.
        context: Where, when and how it was taken.
    """

    png: bytes
    png_sha256: str
    pixels_sha256: str
    width: int
    height: int
    context: CaptureContext


def grab(mode: CaptureMode, *, display: str | None = None) -> Grab:
    """Grab the screen area that ``mode`` names.

    Args:
        mode: What to grab.
        display: X11 display name (Linux only); None means ``$DISPLAY``.

    Raises:
        UsageError: The monitor does not exist, or the region is not inside the virtual desktop.
        CaptureError: The screen cannot be read (no display, permission refused, backend failure).
    """
    kwargs: dict[str, Any] = {} if display is None else {"display": display}
    try:
        with mss.MSS(**kwargs) as sct:
            raw_monitors = sct.monitors
            if not raw_monitors:
                raise CaptureError("cannot capture the screen: the system reports no screen")
            desktop = _rect_of(raw_monitors[0])
            monitors = tuple(_monitor_info(m) for m in raw_monitors[1:])
            box = _box_for(mode, desktop, monitors)
            utc = _now_ms()
            monotonic_ns = time.monotonic_ns()
            shot = sct.grab(box.to_json_dict())
            rgb = _bgra_to_rgb(shot.bgra, shot.width, shot.height)
            width, height, left, top = shot.width, shot.height, shot.left, shot.top
    except mss.ScreenShotError as e:
        raise CaptureError(f"cannot capture the screen: {_one_line(str(e))}") from e
    except OSError as e:
        raise CaptureError(f"cannot capture the screen: {_one_line(e.strerror or str(e))}") from e
    if width < 1 or height < 1 or len(rgb) != width * height * 3:
        raise CaptureError(f"cannot capture the screen: backend returned {len(rgb)} bytes for {width}x{height}")
    return Grab(
        rgb=rgb,
        width=width,
        height=height,
        left=left,
        top=top,
        area=box,
        desktop=desktop,
        monitors=monitors,
        mode=mode,
        utc=utc,
        monotonic_ns=monotonic_ns,
    )


def _bgra_to_rgb(bgra: bytes, width: int, height: int) -> bytes:
    """Drop the alpha byte and swap to RGB in C (Pillow): mss's own ``.rgb`` does it in Python while holding the
    GIL, which stalled the UI thread for 35–55 ms at 4K (bench/capture_latency.py)."""
    return Image.frombuffer("RGB", (width, height), bytes(bgra), "raw", "BGRX", 0, 1).tobytes()


def encode_png(grab: Grab) -> bytes:
    """Encode the grab's pixels as an 8-bit RGB PNG, deterministically (see the module docstring).

    Raises:
        UsageError: The pixel buffer does not match the size.
    """
    _check_rgb(grab.rgb, grab.width, grab.height)
    png = mss.tools.to_png(grab.rgb, (grab.width, grab.height), level=PNG_LEVEL)
    if png is None:  # only when an output path is given; kept for the type checker
        raise CaptureError("cannot encode the capture as PNG")
    return png


def pixels_sha256(rgb: bytes, width: int, height: int) -> str:
    """SHA-256 (hex) of the image as a binary PPM: ``b"P6\\n%d %d\\n255\\n" % (width, height) + rgb``.

    ``pngtopnm x.png | sha256sum`` and ``convert x.png ppm:- | sha256sum`` print the same digest for our PNGs.

    Raises:
        UsageError: ``rgb`` is not ``width * height * 3`` bytes, or the size is empty.
    """
    _check_rgb(rgb, width, height)
    digest = hashlib.sha256(b"P6\n%d %d\n255\n" % (width, height))
    digest.update(rgb)
    return digest.hexdigest()


def capture(mode: CaptureMode, *, app_version: str, display: str | None = None, active_window: bool = True) -> Capture:
    """Grab the screen, encode it, digest it and record its context.

    Args:
        mode: What to grab.
        app_version: Recorded in the context.
        display: X11 display name (Linux only); None means ``$DISPLAY``.
        active_window: Whether to record the active window's title and process (read just after the grab).

    Raises:
        UsageError: The mode does not fit this desktop.
        CaptureError: The screen cannot be read.
    """
    shot = grab(mode, display=display)
    window = platform_window.active_window(display) if active_window else None
    return from_grab(shot, app_version=app_version, window=window)


def from_grab(shot: Grab, *, app_version: str, window: platform_window.WindowInfo | None) -> Capture:
    """Encode and digest a grab taken earlier (the frozen frame of a region or window capture)."""
    png = encode_png(shot)
    return Capture(
        png=png,
        png_sha256=hashlib.sha256(png).hexdigest(),
        pixels_sha256=pixels_sha256(shot.rgb, shot.width, shot.height),
        width=shot.width,
        height=shot.height,
        context=CaptureContext.from_grab(shot, app_version=app_version, window=window),
    )


def _box_for(mode: CaptureMode, desktop: Rect, monitors: tuple[MonitorInfo, ...]) -> Rect:
    if mode.kind is CaptureKind.FULL:
        return desktop
    if mode.kind is CaptureKind.MONITOR:
        assert mode.monitor is not None
        if mode.monitor > len(monitors):
            count = f"{len(monitors)} monitor" + ("" if len(monitors) == 1 else "s")
            raise UsageError(f"capture mode {mode}: no such monitor, this desktop has {count}")
        return monitors[mode.monitor - 1].rect
    assert mode.rect is not None
    if not desktop.contains(mode.rect):
        raise UsageError(f"capture mode {mode}: the region is not inside the desktop ({desktop})")
    return mode.rect


def _rect_of(monitor: Mapping[str, Any]) -> Rect:
    return Rect(int(monitor["left"]), int(monitor["top"]), int(monitor["width"]), int(monitor["height"]))


def _monitor_info(monitor: Mapping[str, Any]) -> MonitorInfo:
    # Only geometry is kept: mss may also report output names and EDID ids that include serial numbers.
    r = _rect_of(monitor)
    scale = _monitor_scale(r)
    return MonitorInfo(r.left, r.top, r.width, r.height, None if scale is None else round(scale * 100))


if sys.platform == "win32":

    def _monitor_scale(rect: Rect) -> float | None:
        """The scale factor Windows applies on the monitor at ``rect`` (effective DPI / 96), None if unknown."""
        try:
            from ctypes import wintypes

            user32 = ctypes.WinDLL("user32")
            shcore = ctypes.WinDLL("shcore")
            user32.MonitorFromPoint.argtypes = [wintypes.POINT, wintypes.DWORD]
            user32.MonitorFromPoint.restype = wintypes.HMONITOR
            shcore.GetDpiForMonitor.argtypes = [
                wintypes.HMONITOR,
                ctypes.c_int,
                ctypes.POINTER(ctypes.c_uint),
                ctypes.POINTER(ctypes.c_uint),
            ]
            shcore.GetDpiForMonitor.restype = ctypes.c_long
            centre = wintypes.POINT(rect.left + rect.width // 2, rect.top + rect.height // 2)
            handle = user32.MonitorFromPoint(centre, 0)  # MONITOR_DEFAULTTONULL
            if not handle:
                return None
            dpi_x, dpi_y = ctypes.c_uint(), ctypes.c_uint()
            if shcore.GetDpiForMonitor(handle, 0, ctypes.byref(dpi_x), ctypes.byref(dpi_y)) != 0:  # MDT_EFFECTIVE_DPI
                return None
            return dpi_x.value / 96 if dpi_x.value > 0 else None
        except (OSError, AttributeError, ValueError):
            return None

else:

    def _monitor_scale(rect: Rect) -> float | None:
        """The OS's scale factor for the monitor at ``rect``: unknown on this platform."""
        return None


def _now_ms() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _check_rgb(rgb: bytes, width: int, height: int) -> None:
    if width < 1 or height < 1 or len(rgb) != width * height * 3:
        raise UsageError(f"pixel buffer of {len(rgb)} bytes does not hold a {width}x{height} RGB image")


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "unknown error"
