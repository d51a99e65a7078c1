"""Screen capture: grab pixels with mss, encode them as PNG, digest them and record the capture context.

A capture yields two digests. ``png_sha256`` covers the stored PNG bytes, which is what ``sha256sum`` checks in a
bundle. ``pixels_sha256`` covers the image itself, independent of how it was compressed: it is the SHA-256 of the
image written as a binary PPM, exactly ``b"P6\\n%d %d\\n255\\n" % (width, height)`` followed by the packed RGB rows.
Netpbm's ``pngtopnm x.png | sha256sum`` and ImageMagick's ``convert x.png ppm:- | sha256sum`` both write exactly
that header for our 8-bit RGB PNGs, so a recipient can recompute it with stock tools (a test pins this).

The PNG is written by :mod:`evidence.capture.png` (issue 16): row stripes deflated in parallel with ISA-L, one
zlib stream, nothing but IHDR, IDAT and IEND, so it is deterministic (the same pixels give the same bytes with the
same ISA-L) and carries no time, gamma or profile. It replaced ``mss.tools.to_png`` (zlib level 1, one core), which
took 463 ms of a 607 ms capture of a 4K photo-like screen; ``bench/png_encoder.py`` and ``bench/RESULTS.md`` hold
the measurements behind the library, filter and stripe choices. Reading never depends on the encoder: PNGs from
the old encoder in existing vaults and bundles decode and digest exactly as before.

Context is limited to what a reviewer needs to judge the capture: times, host name, OS user, OS, app version,
screen geometry and the active window. Monitor names, EDID identifiers and serial numbers that mss can report are
dropped on purpose, as are location and network hardware addresses, which are never read.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import mss

from evidence.capture import platform_window
from evidence.capture import png as png_mod
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

log = logging.getLogger(__name__)

PNG_LEVEL = 1
"""zlib level of the PNGs still written with ``mss.tools.to_png``: crops (:mod:`evidence.capture.crop`) and
redacted copies (:mod:`evidence.capture.redact`). The capture itself uses :mod:`evidence.capture.png`."""


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
            shot = _kept.grab(display, desktop, box) if KEEP_GRABBER else sct.grab(box.to_json_dict())
            rgb = _bgra_to_rgb(shot.raw, shot.width, shot.height)
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


KEEP_GRABBER = sys.platform == "linux"
"""Whether to grab with an mss instance kept between captures (see :class:`_KeptGrabber`)."""


class _KeptGrabber:
    """One mss instance per X display, kept between captures, so that its shared-memory segment is set up once.

    A fresh mss instance on X11 creates a shared-memory segment the size of the screen and the X server maps and
    fills it on the first grab: at 4K that costs about 35 ms of a 40 ms grab (bench/capture_latency.py); a kept
    instance grabs in about 4 ms. What could go stale is guarded against:

    - the layout: ``grab`` reads the monitors afresh for every capture (a new mss instance, 0.5 ms) and passes
      the desktop; a kept instance whose desktop differs (a monitor added, a resolution changed) is replaced, so
      its buffer always fits the screen and the recorded geometry is always today's;
    - the connection: if the X server went away (a session ended, a test's server restarted on the same display
      name), the kept instance fails (mss raises AssertionError or ValueError there, not ScreenShotError); it is
      dropped and the grab is retried once on a fresh instance, whose errors are reported as usual.

    Only on Linux: elsewhere mss has no such set-up cost, and its Windows handles belong to the creating thread.
    One lock serialises grabs (captures never overlap anyway).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_display: dict[str | None, tuple[Rect, Any]] = {}

    def grab(self, display: str | None, desktop: Rect, box: Rect) -> Any:
        """Grab ``box`` on ``display`` whose desktop is ``desktop`` now; return mss's ScreenShot."""
        with self._lock:
            kept = self._by_display.get(display)
            if kept is not None and kept[0] == desktop:
                try:
                    return kept[1].grab(box.to_json_dict())
                except Exception:  # noqa: BLE001 -- a dead connection fails with any type; a fresh one tells why
                    log.info("kept screen grabber failed; grabbing with a new one")
            if kept is not None:
                self._drop(display)
            kwargs: dict[str, Any] = {} if display is None else {"display": display}
            sct = mss.MSS(**kwargs)
            try:
                shot = sct.grab(box.to_json_dict())
            except BaseException:
                sct.close()
                raise
            self._by_display[display] = (desktop, sct)
            return shot

    def _drop(self, display: str | None) -> None:
        _, sct = self._by_display.pop(display)
        try:
            sct.close()
        except Exception:  # noqa: BLE001 -- closing a connection to a server that went away fails; nothing to keep
            log.debug("closing a stale screen grabber failed")


_kept = _KeptGrabber()


def _bgra_to_rgb(bgra: bytes | bytearray, width: int, height: int) -> bytes:
    """Drop the alpha byte and swap to RGB in C (Pillow, in stripes on the encoder's pool: see
    :func:`evidence.capture.png.bgrx_to_rgb`): mss's own ``.rgb`` does it in Python while holding the GIL, which
    stalled the UI thread for 35–55 ms at 4K (bench/capture_latency.py). Reads mss's buffer in place (``.bgra``
    would copy the 33 MB frame first, holding the GIL)."""
    return png_mod.bgrx_to_rgb(bgra, width, height)


def encode_png(grab: Grab) -> bytes:
    """Encode the grab's pixels as an 8-bit RGB PNG, deterministically (see the module docstring).

    Raises:
        UsageError: The pixel buffer does not match the size.
    """
    _check_rgb(grab.rgb, grab.width, grab.height)
    return png_mod.encode_rgb(grab.rgb, grab.width, grab.height)


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
    """Encode and digest a grab taken earlier (the frozen frame of a region or window capture).

    The pixels are hashed on another thread while the PNG is encoded (both release the GIL).
    """
    _check_rgb(shot.rgb, shot.width, shot.height)
    pixels_digest = png_mod.in_background(pixels_sha256, shot.rgb, shot.width, shot.height)
    png = encode_png(shot)
    return Capture(
        png=png,
        png_sha256=hashlib.sha256(png).hexdigest(),
        pixels_sha256=pixels_digest.result(),
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
