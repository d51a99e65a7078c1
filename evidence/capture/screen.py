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
import enum
import getpass
import hashlib
import platform
import re
import socket
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import mss
import mss.tools
from PIL import Image

from evidence.capture import platform_window
from evidence.core.errors import CaptureError, EvidenceError, UsageError
from evidence.core.timefmt import format_offset, format_utc

CONTEXT_FORMAT = 1
"""Version of the context JSON written by :meth:`CaptureContext.to_json_dict`."""

PNG_LEVEL = 1
"""zlib level for PNG encoding (see the module docstring for the measurements behind it)."""

_MODE_HELP = "use full, monitor:N or region:X,Y,W,H"
_POS = r"[1-9][0-9]*"
_INT = r"-?[1-9][0-9]*|0"
_MONITOR_RE = re.compile(rf"monitor:({_POS})")
_REGION_RE = re.compile(rf"region:({_INT}),({_INT}),({_POS}),({_POS})")
_UTC_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")
_LOCAL_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}")


class ContextError(EvidenceError):
    """A capture context JSON is malformed (missing or unknown keys, wrong types, inconsistent times)."""


@dataclass(frozen=True)
class Rect:
    """A rectangle in virtual-desktop coordinates (pixels; left and top may be negative).

    Attributes:
        left: X of the top-left corner.
        top: Y of the top-left corner.
        width: Width, at least 1.
        height: Height, at least 1.
    """

    left: int
    top: int
    width: int
    height: int

    @property
    def right(self) -> int:
        """X just past the right edge."""
        return self.left + self.width

    @property
    def bottom(self) -> int:
        """Y just past the bottom edge."""
        return self.top + self.height

    def contains(self, other: Rect) -> bool:
        """Whether ``other`` lies wholly inside this rectangle."""
        return (
            self.left <= other.left
            and self.top <= other.top
            and other.right <= self.right
            and other.bottom <= self.bottom
        )

    def to_json_dict(self) -> dict[str, int]:
        """The rectangle as JSON, keys in a fixed order."""
        return {"left": self.left, "top": self.top, "width": self.width, "height": self.height}

    @classmethod
    def from_json_dict(cls, data: object, where: str) -> Rect:
        """Parse :meth:`to_json_dict` output; ``where`` names the field in errors.

        Raises:
            ContextError: The value is not a rectangle.
        """
        obj = _exact_keys(data, ("left", "top", "width", "height"), where)
        rect = cls(*(_int(obj[k], f"{where}.{k}") for k in ("left", "top", "width", "height")))
        if rect.width < 1 or rect.height < 1:
            raise ContextError(f"capture context: {where} has an empty size")
        return rect

    def __str__(self) -> str:
        return f"{self.width}x{self.height}{self.left:+d}{self.top:+d}"


@dataclass(frozen=True)
class MonitorInfo:
    """One monitor's place on the virtual desktop.

    Attributes:
        left: X of the top-left corner.
        top: Y of the top-left corner.
        width: Width in pixels.
        height: Height in pixels.
        scale_percent: The OS's display scale as a whole percentage (100, 125, 200…) where known, else None.
            A percentage, not a factor, because canonical JSON (what the vault stores) has no fractions.
    """

    left: int
    top: int
    width: int
    height: int
    scale_percent: int | None = None

    @property
    def rect(self) -> Rect:
        """The monitor's rectangle."""
        return Rect(self.left, self.top, self.width, self.height)

    def to_json_dict(self) -> dict[str, int | None]:
        """The monitor as JSON, keys in a fixed order."""
        return {**self.rect.to_json_dict(), "scale_percent": self.scale_percent}

    @classmethod
    def from_json_dict(cls, data: object, where: str) -> MonitorInfo:
        """Parse :meth:`to_json_dict` output; ``where`` names the field in errors.

        Raises:
            ContextError: The value is not a monitor.
        """
        obj = _exact_keys(data, ("left", "top", "width", "height", "scale_percent"), where)
        rect = Rect.from_json_dict({k: obj[k] for k in ("left", "top", "width", "height")}, where)
        scale = obj["scale_percent"]
        if scale is not None and (isinstance(scale, bool) or not isinstance(scale, int) or not scale > 0):
            raise ContextError(f"capture context: {where}.scale_percent must be a positive whole number or null")
        return cls(rect.left, rect.top, rect.width, rect.height, scale)


class CaptureKind(enum.Enum):
    """What part of the screen a capture covers."""

    FULL = "full"
    MONITOR = "monitor"
    REGION = "region"


@dataclass(frozen=True)
class CaptureMode:
    """A parsed capture mode: the whole desktop, one monitor or a region.

    Only canonical spellings parse, so ``str(CaptureMode.parse(s)) == s`` for every accepted ``s``.

    Attributes:
        kind: Which kind of capture.
        monitor: The 1-based monitor number (as mss counts them) for ``MONITOR``, else None.
        rect: The region in virtual-desktop coordinates for ``REGION``, else None.
    """

    kind: CaptureKind
    monitor: int | None = None
    rect: Rect | None = None

    def __post_init__(self) -> None:
        if self.kind is CaptureKind.MONITOR:
            ok = self.monitor is not None and self.monitor >= 1 and self.rect is None
        elif self.kind is CaptureKind.REGION:
            ok = self.monitor is None and self.rect is not None and self.rect.width >= 1 and self.rect.height >= 1
        else:
            ok = self.monitor is None and self.rect is None
        if not ok:
            raise UsageError(f"inconsistent capture mode: {self!r}")

    @classmethod
    def parse(cls, text: str) -> CaptureMode:
        """Parse ``full``, ``monitor:N`` (N from 1) or ``region:X,Y,W,H`` (W and H from 1).

        Raises:
            UsageError: The text is not one of these, in canonical form.
        """
        if text == "full":
            return cls(CaptureKind.FULL)
        shown = repr(text if len(text) <= 40 else text[:40] + "...")
        if text.startswith("monitor:"):
            if text == "monitor:0":
                raise UsageError(f"capture mode {shown}: monitors are numbered from 1 (use full for all of them)")
            m = _MONITOR_RE.fullmatch(text)
            if m is None:
                raise UsageError(f"capture mode {shown}: N in monitor:N must be a whole number from 1")
            return cls(CaptureKind.MONITOR, monitor=int(m.group(1)))
        if text.startswith("region:"):
            m = _REGION_RE.fullmatch(text)
            if m is None:
                raise UsageError(f"capture mode {shown}: region:X,Y,W,H needs four whole numbers, W and H at least 1")
            x, y, w, h = (int(g) for g in m.groups())
            return cls(CaptureKind.REGION, rect=Rect(x, y, w, h))
        raise UsageError(f"capture mode {shown} is not valid: {_MODE_HELP}")

    def __str__(self) -> str:
        if self.kind is CaptureKind.MONITOR:
            return f"monitor:{self.monitor}"
        if self.kind is CaptureKind.REGION:
            assert self.rect is not None
            r = self.rect
            return f"region:{r.left},{r.top},{r.width},{r.height}"
        return "full"


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
class CaptureContext:
    """Facts recorded with a capture. Nothing else personal: no location, serial numbers or MAC addresses.

    Attributes:
        utc: Capture time in UTC (aware, whole milliseconds).
        local: The same instant in the workstation's local time (aware, fixed offset).
        local_zone: The OS's name for the local zone at that instant ("GMT", "BST"...).
        monotonic_ns: Monotonic clock at capture, to order captures made within one boot.
        host: Host name.
        os_user: Login name of the OS user, None if the OS cannot tell.
        os: ``platform.platform()``.
        app_version: Version of this app.
        mode: The capture mode.
        desktop: Virtual desktop geometry.
        monitors: Every monitor's geometry and scale.
        captured: The captured rectangle on the virtual desktop.
        window_title: Title of the active window, None when unknown.
        window_process: Process name of the active window, None when unknown.
    """

    utc: datetime
    local: datetime
    local_zone: str
    monotonic_ns: int
    host: str
    os_user: str | None
    os: str
    app_version: str
    mode: CaptureMode
    desktop: Rect
    monitors: tuple[MonitorInfo, ...]
    captured: Rect
    window_title: str | None
    window_process: str | None

    @property
    def utc_iso(self) -> str:
        """UTC time as ISO 8601 with milliseconds and ``Z``: ``2026-11-25T10:51:49.123Z``."""
        return format_utc(self.utc)

    @property
    def local_iso(self) -> str:
        """Local time as ISO 8601 with milliseconds and offset: ``2026-11-25T10:51:49.123+00:00``."""
        return self.local.isoformat(timespec="milliseconds")

    @property
    def utc_offset(self) -> str:
        """The local offset from UTC as ``+HH:MM`` or ``-HH:MM``."""
        return format_offset(self.local.utcoffset() or timedelta(0))

    @classmethod
    def from_grab(cls, grab: Grab, *, app_version: str, window: platform_window.WindowInfo | None) -> CaptureContext:
        """Assemble the context of ``grab`` from this workstation."""
        try:
            os_user: str | None = getpass.getuser()
        except (OSError, KeyError, ImportError):
            os_user = None
        local = grab.utc.astimezone()
        return cls(
            utc=grab.utc,
            local=local,
            local_zone=local.tzname() or format_offset(local.utcoffset() or timedelta(0)),
            monotonic_ns=grab.monotonic_ns,
            host=socket.gethostname(),
            os_user=os_user,
            os=platform.platform(),
            app_version=app_version,
            mode=grab.mode,
            desktop=grab.desktop,
            monitors=grab.monitors,
            captured=grab.area,
            window_title=None if window is None else window.title,
            window_process=None if window is None else window.process,
        )

    def to_json_dict(self) -> dict[str, Any]:
        """The context as a JSON-ready dict; its key order is stable and part of the format."""
        return {
            "context_format": CONTEXT_FORMAT,
            "utc": self.utc_iso,
            "local_time": self.local_iso,
            "local_zone": self.local_zone,
            "utc_offset": self.utc_offset,
            "monotonic_ns": self.monotonic_ns,
            "host": self.host,
            "os_user": self.os_user,
            "os": self.os,
            "app_version": self.app_version,
            "mode": str(self.mode),
            "desktop": self.desktop.to_json_dict(),
            "monitors": [m.to_json_dict() for m in self.monitors],
            "captured": self.captured.to_json_dict(),
            "window_title": self.window_title,
            "window_process": self.window_process,
        }

    @classmethod
    def from_json_dict(cls, data: Mapping[str, object]) -> CaptureContext:
        """Parse :meth:`to_json_dict` output strictly: exact keys, exact types, consistent times.

        Raises:
            ContextError: Anything is missing, unknown, mistyped or inconsistent.
        """
        obj = _exact_keys(data, _CONTEXT_KEYS, "context")
        if _int(obj["context_format"], "context_format") != CONTEXT_FORMAT:
            raise ContextError(f"capture context: unsupported context_format {obj['context_format']!r}")
        utc_text = _str(obj["utc"], "utc")
        local_text = _str(obj["local_time"], "local_time")
        if not _UTC_RE.fullmatch(utc_text):
            raise ContextError("capture context: utc must look like 2026-11-25T10:51:49.123Z")
        if not _LOCAL_RE.fullmatch(local_text):
            raise ContextError("capture context: local_time must look like 2026-11-25T10:51:49.123+00:00")
        try:
            utc = datetime.fromisoformat(utc_text)
            local = datetime.fromisoformat(local_text)
        except ValueError as e:
            raise ContextError(f"capture context: bad time: {e}") from e
        if utc != local:
            raise ContextError("capture context: utc and local_time are different instants")
        monitors_raw = obj["monitors"]
        if not isinstance(monitors_raw, list):
            raise ContextError("capture context: monitors must be a list")
        try:
            mode = CaptureMode.parse(_str(obj["mode"], "mode"))
        except UsageError as e:
            raise ContextError(f"capture context: {e}") from e
        context = cls(
            utc=utc,
            local=local,
            local_zone=_str(obj["local_zone"], "local_zone"),
            monotonic_ns=_int(obj["monotonic_ns"], "monotonic_ns"),
            host=_str(obj["host"], "host"),
            os_user=_opt_str(obj["os_user"], "os_user"),
            os=_str(obj["os"], "os"),
            app_version=_str(obj["app_version"], "app_version"),
            mode=mode,
            desktop=Rect.from_json_dict(obj["desktop"], "desktop"),
            monitors=tuple(MonitorInfo.from_json_dict(m, f"monitors[{i}]") for i, m in enumerate(monitors_raw)),
            captured=Rect.from_json_dict(obj["captured"], "captured"),
            window_title=_opt_str(obj["window_title"], "window_title"),
            window_process=_opt_str(obj["window_process"], "window_process"),
        )
        if context.utc_offset != obj["utc_offset"]:
            raise ContextError("capture context: utc_offset does not match local_time")
        return context


_CONTEXT_KEYS = (
    "context_format",
    "utc",
    "local_time",
    "local_zone",
    "utc_offset",
    "monotonic_ns",
    "host",
    "os_user",
    "os",
    "app_version",
    "mode",
    "desktop",
    "monitors",
    "captured",
    "window_title",
    "window_process",
)


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


def _exact_keys(data: object, keys: tuple[str, ...], where: str) -> Mapping[str, object]:
    if not isinstance(data, Mapping):
        raise ContextError(f"capture context: {where} must be an object")
    missing = [k for k in keys if k not in data]
    unknown = sorted(str(k) for k in data if k not in keys)
    if missing:
        raise ContextError(f"capture context: {where} lacks {', '.join(missing)}")
    if unknown:
        raise ContextError(f"capture context: {where} has unknown keys {', '.join(unknown)}")
    return data


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContextError(f"capture context: {where} must be an integer")
    return value


def _str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ContextError(f"capture context: {where} must be a string")
    return value


def _opt_str(value: object, where: str) -> str | None:
    return None if value is None else _str(value, where)
