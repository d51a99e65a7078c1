"""The records that travel with every item: capture, crop (derived) and received contexts, as typed values.

A context is written once, when the item is made, and read back from the vault and from sealed bundles. Each is a
frozen dataclass with ``to_json_dict()`` (the JSON form stored, exactly as the first release wrote it) and a
strict ``parse()`` (exact keys, exact types, consistent values) that raises :class:`ContextError` naming the
record and the field. This module needs no screen, no mss and no Pillow, so the vault and the reviewer can read
contexts without loading the capture machinery.
"""

from __future__ import annotations

import enum
import getpass
import platform
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from evidence.core.errors import RecordError, UsageError
from evidence.core.timefmt import format_offset, format_utc

if TYPE_CHECKING:  # only for annotations: the screen module pulls in mss and Pillow
    from evidence.capture.platform_window import WindowInfo
    from evidence.capture.screen import Grab

CONTEXT_FORMAT = 1
"""Version of the capture context JSON written by :meth:`CaptureContext.to_json_dict`."""

DERIVED_CONTEXT_FORMAT = 1
"""Version of the derived (crop) context JSON written by :meth:`DerivedContext.to_json_dict`."""

CAPTURE_RECORD = "capture context"
DERIVED_RECORD = "derived context"
RECEIVED_RECORD = "received context"

_MODE_HELP = "use full, monitor:N or region:X,Y,W,H"
_POS = r"[1-9][0-9]*"
_INT = r"-?[1-9][0-9]*|0"
_MONITOR_RE = re.compile(rf"monitor:({_POS})")
_REGION_RE = re.compile(rf"region:({_INT}),({_INT}),({_POS}),({_POS})")
_UTC_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")
_LOCAL_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


class ContextError(RecordError):
    """A context JSON is malformed (missing or unknown keys, wrong types, inconsistent values).

    ``record`` is ``capture context``, ``derived context`` or ``received context``; ``field`` the field (dotted
    for nested fields, such as ``desktop.width``).
    """

    def __init__(self, message: str, *, field: str, record: str = CAPTURE_RECORD) -> None:
        super().__init__(message, record=record, field=field)


def _fail(record: str, field: str, problem: str) -> ContextError:
    return ContextError(f"{record}: {field} {problem}", field=field, record=record)


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
    def from_json_dict(cls, data: object, where: str, record: str = CAPTURE_RECORD) -> Rect:
        """Parse :meth:`to_json_dict` output; ``where`` names the field and ``record`` the record in errors.

        Raises:
            ContextError: The value is not a rectangle.
        """
        obj = _exact_keys(data, ("left", "top", "width", "height"), where, record)
        rect = cls(*(_int(obj[k], f"{where}.{k}", record) for k in ("left", "top", "width", "height")))
        if rect.width < 1 or rect.height < 1:
            raise _fail(record, where, "has an empty size")
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
            raise _fail(CAPTURE_RECORD, f"{where}.scale_percent", "must be a positive whole number or null")
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
    def from_grab(cls, grab: Grab, *, app_version: str, window: WindowInfo | None) -> CaptureContext:
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
    def parse(cls, data: object) -> CaptureContext:
        """Parse :meth:`to_json_dict` output strictly: exact keys, exact types, consistent times.

        Raises:
            ContextError: Anything is missing, unknown, mistyped or inconsistent.
        """
        obj = _exact_keys(data, _CONTEXT_KEYS, "context")
        if _int(obj["context_format"], "context_format") != CONTEXT_FORMAT:
            raise ContextError(
                f"capture context: unsupported context_format {obj['context_format']!r}", field="context_format"
            )
        utc_text = _str(obj["utc"], "utc")
        local_text = _str(obj["local_time"], "local_time")
        if not _UTC_RE.fullmatch(utc_text):
            raise _fail(CAPTURE_RECORD, "utc", "must look like 2026-11-25T10:51:49.123Z")
        if not _LOCAL_RE.fullmatch(local_text):
            raise _fail(CAPTURE_RECORD, "local_time", "must look like 2026-11-25T10:51:49.123+00:00")
        try:
            utc = datetime.fromisoformat(utc_text)
            local = datetime.fromisoformat(local_text)
        except ValueError as e:
            raise ContextError(f"capture context: bad time: {e}", field="utc") from e
        if utc != local:
            raise ContextError("capture context: utc and local_time are different instants", field="local_time")
        monitors_raw = obj["monitors"]
        if not isinstance(monitors_raw, list):
            raise _fail(CAPTURE_RECORD, "monitors", "must be a list")
        try:
            mode = CaptureMode.parse(_str(obj["mode"], "mode"))
        except UsageError as e:
            raise ContextError(f"capture context: {e}", field="mode") from e
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
            raise _fail(CAPTURE_RECORD, "utc_offset", "does not match local_time")
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


class Selection(enum.Enum):
    """How the user chose the rectangle of a crop on the frozen frame."""

    REGION = "region"
    """Dragged a rectangle."""

    WINDOW = "window"
    """Clicked a window; the rectangle is that window's, clipped to the frame."""


@dataclass(frozen=True)
class DerivedFrom:
    """The original a crop was cut from, named by both its digests and its size."""

    png_sha256: str
    pixels_sha256: str
    width: int
    height: int

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON form, keys in a fixed order."""
        return {
            "png_sha256": self.png_sha256,
            "pixels_sha256": self.pixels_sha256,
            "width": self.width,
            "height": self.height,
        }


@dataclass(frozen=True)
class DerivedContext:
    """How a derived item (a crop) was made from its original (see :mod:`evidence.capture.crop`).

    Attributes:
        selection: how the rectangle was chosen.
        derived_from: the original's digests and size.
        rect_frame: the crop in the original's frame pixels.
        rect_desktop: the crop on the virtual desktop (rounded outwards to whole points on a Retina screen).
        window_title: the clicked window's title for a window selection, where known; always None for a region.
        derived_utc: when the user confirmed the selection (UTC ISO 8601 with milliseconds).
        app_version: the version of this app that made it.
    """

    selection: Selection
    derived_from: DerivedFrom
    rect_frame: Rect
    rect_desktop: Rect
    window_title: str | None
    derived_utc: str
    app_version: str

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON form; its key order is stable and part of the format."""
        return {
            "context_format": DERIVED_CONTEXT_FORMAT,
            "derivation": "crop",
            "selection": self.selection.value,
            "derived_from": self.derived_from.to_json_dict(),
            "rect_frame": self.rect_frame.to_json_dict(),
            "rect_desktop": self.rect_desktop.to_json_dict(),
            "window_title": self.window_title,
            "derived_utc": self.derived_utc,
            "app_version": self.app_version,
        }

    @classmethod
    def parse(cls, data: object) -> DerivedContext:
        """Parse :meth:`to_json_dict` output strictly.

        Raises:
            ContextError: Anything is missing, unknown, mistyped or inconsistent (record ``derived context``).
        """
        r = DERIVED_RECORD
        obj = _exact_keys(data, _DERIVED_KEYS, "context", r)
        if _int(obj["context_format"], "context_format", r) != DERIVED_CONTEXT_FORMAT:
            raise _fail(r, "context_format", f"{obj['context_format']!r} is not supported")
        if obj["derivation"] != "crop":
            raise _fail(r, "derivation", "must be crop")
        try:
            selection = Selection(_str(obj["selection"], "selection", r))
        except ValueError as e:
            raise _fail(r, "selection", "must be region or window") from e
        source = _exact_keys(obj["derived_from"], ("png_sha256", "pixels_sha256", "width", "height"), "derived_from", r)
        derived_from = DerivedFrom(
            _sha256_hex(source["png_sha256"], "derived_from.png_sha256", r),
            _sha256_hex(source["pixels_sha256"], "derived_from.pixels_sha256", r),
            _int(source["width"], "derived_from.width", r),
            _int(source["height"], "derived_from.height", r),
        )
        window_title = _opt_str(obj["window_title"], "window_title", r)
        if selection is Selection.REGION and window_title is not None:
            raise _fail(r, "window_title", "must be null for a region selection")
        return cls(
            selection=selection,
            derived_from=derived_from,
            rect_frame=Rect.from_json_dict(obj["rect_frame"], "rect_frame", r),
            rect_desktop=Rect.from_json_dict(obj["rect_desktop"], "rect_desktop", r),
            window_title=window_title,
            derived_utc=_utc_text(obj["derived_utc"], "derived_utc", r),
            app_version=_str(obj["app_version"], "app_version", r),
        )


_DERIVED_KEYS = (
    "context_format",
    "derivation",
    "selection",
    "derived_from",
    "rect_frame",
    "rect_desktop",
    "window_title",
    "derived_utc",
    "app_version",
)


RECEIVED_NOTE = "received, not captured: this image was provided to staff, not seen on their own screen"
"""The ``note`` every received context carries, so nobody mistakes it for a capture."""

RECEIVED_MEDIA_TYPES = ("image/png", "image/jpeg", "image/webp", "image/heic")
"""What a received file may be (phones send WebP and HEIC)."""


@dataclass(frozen=True)
class ReceivedContext:
    """Who provided a received image, when and how (see :mod:`evidence.capture.received`).

    Attributes:
        received_utc: when it was stored here (UTC ISO 8601 with milliseconds).
        provided_by: who provided it, in the staff member's words.
        how: how it reached the school.
        original_name: its file name as received.
        file_time_utc: the file's modification time where known (not necessarily when the image was made).
        media_type: one of :data:`RECEIVED_MEDIA_TYPES`, from its first bytes.
        size: its size in bytes.
        width, height: its size in pixels.
        note: :data:`RECEIVED_NOTE`.
    """

    received_utc: str
    provided_by: str
    how: str
    original_name: str
    file_time_utc: str | None
    media_type: str
    size: int
    width: int
    height: int
    note: str = RECEIVED_NOTE

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON form; its key order is stable and part of the format."""
        return {
            "kind": "received",
            "received_utc": self.received_utc,
            "provided_by": self.provided_by,
            "how": self.how,
            "original_name": self.original_name,
            "file_time_utc": self.file_time_utc,
            "media_type": self.media_type,
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "note": self.note,
        }

    @classmethod
    def parse(cls, data: object) -> ReceivedContext:
        """Parse :meth:`to_json_dict` output strictly.

        Raises:
            ContextError: Anything is missing, unknown or mistyped (record ``received context``).
        """
        r = RECEIVED_RECORD
        obj = _exact_keys(data, _RECEIVED_KEYS, "context", r)
        if obj["kind"] != "received":
            raise _fail(r, "kind", "must be received")
        media_type = _str(obj["media_type"], "media_type", r)
        if media_type not in RECEIVED_MEDIA_TYPES:
            raise _fail(r, "media_type", f"must be one of {', '.join(RECEIVED_MEDIA_TYPES)}")
        return cls(
            received_utc=_utc_text(obj["received_utc"], "received_utc", r),
            provided_by=_str(obj["provided_by"], "provided_by", r),
            how=_str(obj["how"], "how", r),
            original_name=_str(obj["original_name"], "original_name", r),
            file_time_utc=_opt_str(obj["file_time_utc"], "file_time_utc", r),
            media_type=media_type,
            size=_int(obj["size"], "size", r),
            width=_int(obj["width"], "width", r),
            height=_int(obj["height"], "height", r),
            note=_str(obj["note"], "note", r),
        )


_RECEIVED_KEYS = (
    "kind",
    "received_utc",
    "provided_by",
    "how",
    "original_name",
    "file_time_utc",
    "media_type",
    "size",
    "width",
    "height",
    "note",
)


def _exact_keys(data: object, keys: tuple[str, ...], where: str, record: str = CAPTURE_RECORD) -> Mapping[str, object]:
    if not isinstance(data, Mapping):
        raise _fail(record, where, "must be an object")
    missing = [k for k in keys if k not in data]
    unknown = sorted(str(k) for k in data if k not in keys)
    if missing:
        raise ContextError(
            f"{record}: {where} lacks {', '.join(missing)}", field=_sub(where, missing[0]), record=record
        )
    if unknown:
        raise ContextError(
            f"{record}: {where} has unknown keys {', '.join(unknown)}", field=_sub(where, unknown[0]), record=record
        )
    return data


def _sub(where: str, key: str) -> str:
    return key if where == "context" else f"{where}.{key}"


def _int(value: object, where: str, record: str = CAPTURE_RECORD) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(record, where, "must be an integer")
    return value


def _str(value: object, where: str, record: str = CAPTURE_RECORD) -> str:
    if not isinstance(value, str):
        raise _fail(record, where, "must be a string")
    return value


def _opt_str(value: object, where: str, record: str = CAPTURE_RECORD) -> str | None:
    return None if value is None else _str(value, where, record)


def _utc_text(value: object, where: str, record: str) -> str:
    text = _str(value, where, record)
    if not _UTC_RE.fullmatch(text):
        raise _fail(record, where, "must look like 2026-11-25T10:51:49.123Z")
    return text


def _sha256_hex(value: object, where: str, record: str) -> str:
    text = _str(value, where, record)
    if not _SHA256_RE.fullmatch(text):
        raise _fail(record, where, "must be 64 lowercase hex digits")
    return text
