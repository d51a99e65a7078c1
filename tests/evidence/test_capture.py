"""Capture without a screen: mode parsing, pixel digests, PNG encoding and the context JSON."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import socket
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from evidence.capture.platform_window import WindowInfo
from evidence.capture.screen import (
    CaptureContext,
    CaptureKind,
    CaptureMode,
    ContextError,
    Grab,
    MonitorInfo,
    Rect,
    encode_png,
    grab,
    pixels_sha256,
)
from evidence.core.errors import CaptureError, UsageError

CONTEXT_KEYS = [
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
]


def make_rgb(width: int, height: int, seed: int = 0) -> bytes:
    """A deterministic image with every channel varying, so a swapped channel or shifted row shows."""
    return bytes(
        ((x * 7 + y * 13 + c * 101 + seed) % 256) for y in range(height) for x in range(width) for c in range(3)
    )


def make_grab(width: int = 37, height: int = 23, *, seed: int = 0, mode: str = "full") -> Grab:
    return Grab(
        rgb=make_rgb(width, height, seed),
        width=width,
        height=height,
        left=0,
        top=0,
        area=Rect(0, 0, width, height),
        desktop=Rect(0, 0, width, height),
        monitors=(MonitorInfo(0, 0, width, height, None),),
        mode=CaptureMode.parse(mode),
        utc=datetime(2026, 11, 25, 10, 51, 49, 123000, tzinfo=UTC),
        monotonic_ns=123_456_789,
    )


def make_context(**changes: Any) -> CaptureContext:
    utc = datetime(2026, 11, 25, 10, 51, 49, 123000, tzinfo=UTC)
    context = CaptureContext(
        utc=utc,
        local=utc.astimezone(timezone(timedelta(hours=-3, minutes=-30))),
        local_zone="NST",
        monotonic_ns=987_654_321_000,
        host="staff-pc-17",
        os_user="jsmith",
        os="Windows-11-10.0.26100-SP0",
        app_version="0.1.0",
        mode=CaptureMode.parse("region:-1920,-10,800,600"),
        desktop=Rect(-1920, -200, 4480, 1640),
        monitors=(MonitorInfo(-1920, -200, 1920, 1080, 100), MonitorInfo(0, 0, 2560, 1440, 125)),
        captured=Rect(-1920, -10, 800, 600),
        window_title="Chat — Ünïcödé ✓",
        window_process="chrome.exe",
    )
    return replace(context, **changes)


# --- CaptureMode ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "monitor", "rect"),
    [
        ("full", CaptureKind.FULL, None, None),
        ("monitor:1", CaptureKind.MONITOR, 1, None),
        ("monitor:12", CaptureKind.MONITOR, 12, None),
        ("region:0,0,1,1", CaptureKind.REGION, None, Rect(0, 0, 1, 1)),
        ("region:10,20,300,400", CaptureKind.REGION, None, Rect(10, 20, 300, 400)),
        ("region:-1920,-10,800,600", CaptureKind.REGION, None, Rect(-1920, -10, 800, 600)),
    ],
)
def test_mode_parses_canonical_forms_and_prints_them_back(
    text: str, kind: CaptureKind, monitor: int | None, rect: Rect | None
) -> None:
    mode = CaptureMode.parse(text)
    assert (mode.kind, mode.monitor, mode.rect) == (kind, monitor, rect)
    assert str(mode) == text
    assert CaptureMode.parse(str(mode)) == mode


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "is not valid: use full, monitor:N or region:X,Y,W,H"),
        ("FULL", "is not valid"),
        (" full", "is not valid"),
        ("window", "is not valid"),
        ("monitor", "is not valid"),
        ("monitor:0", "monitors are numbered from 1"),
        ("monitor:", "whole number from 1"),
        ("monitor:-1", "whole number from 1"),
        ("monitor:01", "whole number from 1"),
        ("monitor:1.5", "whole number from 1"),
        ("monitor:١", "whole number from 1"),  # an Arabic-Indic digit is not an ASCII digit
        ("region:1,2,3", "four whole numbers"),
        ("region:1,2,0,4", "four whole numbers"),
        ("region:1,2,3,-4", "four whole numbers"),
        ("region:-0,2,3,4", "four whole numbers"),
        ("region:01,2,3,4", "four whole numbers"),
        ("region:1, 2,3,4", "four whole numbers"),
        ("region:1,2,3,4,5", "four whole numbers"),
        ("region:" + "9" * 100, "..."),
    ],
)
def test_mode_rejects_bad_text_in_one_clear_line(text: str, says: str) -> None:
    with pytest.raises(UsageError) as info:
        CaptureMode.parse(text)
    message = str(info.value)
    assert says in message
    assert "\n" not in message
    assert message.startswith("capture mode ")
    assert len(message) < 160


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": CaptureKind.FULL, "monitor": 1},
        {"kind": CaptureKind.MONITOR},
        {"kind": CaptureKind.MONITOR, "monitor": 0},
        {"kind": CaptureKind.REGION},
        {"kind": CaptureKind.REGION, "rect": Rect(0, 0, 0, 5)},
        {"kind": CaptureKind.REGION, "rect": Rect(0, 0, 5, 5), "monitor": 1},
    ],
)
def test_mode_refuses_inconsistent_fields(fields: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        CaptureMode(**fields)


# --- pixels_sha256 ----------------------------------------------------------------------------------------------


def test_pixels_digest_is_sha256_of_the_binary_ppm() -> None:
    rgb = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30])  # 2x2: red, green / blue, dark
    assert pixels_sha256(rgb, 2, 2) == hashlib.sha256(b"P6\n2 2\n255\n" + rgb).hexdigest()
    # pinned (from `printf 'P6\n2 2\n255\n\xff\0\0\0\xff\0\0\0\xff\n\x14\x1e' | sha256sum`), so a change to
    # the framing cannot pass unnoticed
    assert pixels_sha256(rgb, 2, 2) == "2df9dea87ad0435f557dd7547eaa20cef24eb664c6ad20b44a4645bfd9afaa54"


def test_pixels_digest_depends_on_the_shape() -> None:
    rgb = make_rgb(6, 4)
    assert pixels_sha256(rgb, 6, 4) != pixels_sha256(rgb, 4, 6)
    assert pixels_sha256(rgb, 6, 4) != pixels_sha256(rgb, 24, 1)


@pytest.mark.parametrize(("size", "width", "height"), [(11, 2, 2), (13, 2, 2), (0, 0, 0), (3, 1, 0), (3, -1, -1)])
def test_pixels_digest_refuses_a_buffer_that_does_not_fit(size: int, width: int, height: int) -> None:
    with pytest.raises(UsageError, match="does not hold"):
        pixels_sha256(bytes(size), width, height)


# --- encode_png -------------------------------------------------------------------------------------------------


def test_png_decodes_to_exactly_the_grabbed_pixels() -> None:
    shot = make_grab(37, 23)
    png = encode_png(shot)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.mode == "RGB"
        assert image.size == (37, 23)
        assert image.tobytes() == shot.rgb
        assert image.info == {}  # no time, gamma or text chunks: nothing but pixels


def test_png_depends_only_on_the_pixels() -> None:
    first = make_grab(64, 48)
    later = replace(
        first,
        utc=first.utc + timedelta(hours=5),
        monotonic_ns=first.monotonic_ns + 10**12,
        left=100,
        top=50,
        area=Rect(100, 50, 64, 48),
        mode=CaptureMode.parse("region:100,50,64,48"),
    )
    assert encode_png(first) == encode_png(later)
    assert encode_png(first) != encode_png(make_grab(64, 48, seed=1))


def test_png_refuses_a_buffer_that_does_not_fit() -> None:
    with pytest.raises(UsageError):
        encode_png(replace(make_grab(10, 10), width=11))


def _stock_ppm_tools() -> list[Any]:
    tools: list[Any] = []
    if sys.platform == "win32":  # there, "convert" is the FAT-to-NTFS disk converter
        return [pytest.param([], id="none", marks=pytest.mark.skip(reason="netpbm and ImageMagick are Unix tools"))]
    for name, argv in [("pngtopnm", ["pngtopnm", "{png}"]), ("convert", ["convert", "{png}", "ppm:-"])]:
        marks = [] if shutil.which(argv[0]) else [pytest.mark.skip(reason=f"{argv[0]} is not installed")]
        tools.append(pytest.param(argv, id=name, marks=marks))
    return tools


@pytest.mark.interop
@pytest.mark.parametrize("argv", _stock_ppm_tools())
@pytest.mark.parametrize(("width", "height"), [(37, 23), (1, 1), (300, 2)])
def test_stock_tool_reproduces_pixels_digest(argv: list[str], width: int, height: int, tmp_path: Path) -> None:
    """An officer's ``pngtopnm x.png | sha256sum`` (or ImageMagick's convert) prints our pixels_sha256."""
    shot = make_grab(width, height)
    png_path = tmp_path / "x.png"
    png_path.write_bytes(encode_png(shot))
    cmd = [str(png_path) if arg == "{png}" else arg for arg in argv]
    out = subprocess.run(cmd, capture_output=True, check=True, timeout=30).stdout
    assert out.startswith(b"P6\n%d %d\n255\n" % (width, height))
    assert hashlib.sha256(out).hexdigest() == pixels_sha256(shot.rgb, width, height)


# --- CaptureContext ---------------------------------------------------------------------------------------------


def test_context_json_has_a_stable_key_order_and_round_trips() -> None:
    context = make_context()
    data = context.to_json_dict()
    assert list(data) == CONTEXT_KEYS
    assert data["utc"] == "2026-11-25T10:51:49.123Z"
    assert data["local_time"] == "2026-11-25T07:21:49.123-03:30"
    assert data["utc_offset"] == "-03:30"
    assert data["mode"] == "region:-1920,-10,800,600"
    assert data["desktop"] == {"left": -1920, "top": -200, "width": 4480, "height": 1640}
    assert data["monitors"][1] == {"left": 0, "top": 0, "width": 2560, "height": 1440, "scale_percent": 125}
    text = json.dumps(data, ensure_ascii=False)
    back = CaptureContext.parse(json.loads(text))
    assert back == context
    assert json.dumps(back.to_json_dict(), ensure_ascii=False) == text


def test_context_round_trips_unknown_fields_as_null() -> None:
    context = make_context(os_user=None, window_title=None, window_process=None, monitors=(MonitorInfo(0, 0, 9, 9),))
    data = json.loads(json.dumps(context.to_json_dict()))
    assert data["window_title"] is None
    assert data["monitors"][0]["scale_percent"] is None
    assert CaptureContext.parse(data) == context


def _broken(change: dict[str, Any], drop: str | None = None) -> dict[str, Any]:
    data = make_context().to_json_dict()
    data.update(change)
    if drop:
        del data[drop]
    return data


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (_broken({}, drop="host"), "lacks host"),
        (_broken({"location": "51.5,-0.1"}), "unknown keys location"),
        (_broken({"context_format": 2}), "unsupported context_format"),
        (_broken({"context_format": True}), "context_format must be an integer"),
        (_broken({"utc": "2026-11-25T10:51:49Z"}), "utc must look like"),
        (_broken({"utc": "2026-11-25T10:51:49.123+00:00"}), "utc must look like"),
        (_broken({"local_time": "2026-11-25T07:21:49.123"}), "local_time must look like"),
        (_broken({"local_time": "2026-11-25T07:21:49.124-03:30"}), "different instants"),
        (_broken({"utc": "2026-13-25T10:51:49.123Z"}), "bad time"),
        (_broken({"utc_offset": "+00:00"}), "utc_offset does not match"),
        (_broken({"monotonic_ns": "1"}), "monotonic_ns must be an integer"),
        (_broken({"host": None}), "host must be a string"),
        (_broken({"mode": "everything"}), "capture mode"),
        (_broken({"desktop": [0, 0, 1, 1]}), "desktop must be an object"),
        (_broken({"captured": {"left": 0, "top": 0, "width": 0, "height": 1}}), "captured has an empty size"),
        (_broken({"monitors": {}}), "monitors must be a list"),
        (_broken({"monitors": [{"left": 0, "top": 0, "width": 1, "height": 1}]}), "monitors[0] lacks scale_percent"),
        (
            _broken({"monitors": [{"left": 0, "top": 0, "width": 1, "height": 1, "scale_percent": -1}]}),
            "monitors[0].scale_percent must be a positive whole number",
        ),
        (_broken({"window_title": 5}), "window_title must be a string"),
    ],
)
def test_context_json_is_parsed_strictly(data: dict[str, Any], says: str) -> None:
    with pytest.raises(ContextError) as info:
        CaptureContext.parse(data)
    assert says in str(info.value)
    assert "\n" not in str(info.value)


def test_context_from_grab_records_this_workstation_and_nothing_else() -> None:
    shot = make_grab(40, 30, mode="region:0,0,40,30")
    window = WindowInfo(title="Group chat", process="WhatsApp.exe", pid=4242)
    context = CaptureContext.from_grab(shot, app_version="9.9.9", window=window)
    data = context.to_json_dict()
    assert list(data) == CONTEXT_KEYS  # no location, serial numbers, MAC addresses, pid
    assert data["utc"] == "2026-11-25T10:51:49.123Z"
    assert context.local == context.utc
    assert data["local_time"].endswith(data["utc_offset"])
    assert data["local_zone"]
    assert data["host"] == socket.gethostname()
    assert data["app_version"] == "9.9.9"
    assert data["mode"] == "region:0,0,40,30"
    assert data["captured"] == {"left": 0, "top": 0, "width": 40, "height": 30}
    assert (data["window_title"], data["window_process"]) == ("Group chat", "WhatsApp.exe")
    assert CaptureContext.parse(json.loads(json.dumps(data))) == context

    unknown = CaptureContext.from_grab(shot, app_version="9.9.9", window=None)
    assert (unknown.window_title, unknown.window_process) == (None, None)


# --- grab without a screen --------------------------------------------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 display names are a Linux matter")
def test_grab_without_a_display_is_a_capture_error() -> None:
    with pytest.raises(CaptureError) as info:
        grab(CaptureMode.parse("full"), display=":48879")
    message = str(info.value)
    assert message.startswith("cannot capture the screen: ")
    assert "\n" not in message


def test_a_context_with_a_display_scale_is_canonical_json() -> None:
    """Regression: a Windows scale factor of 1.25 was a float, which canonical JSON (the vault) refuses."""
    from evidence.core import canonical

    ctx = make_context()
    assert ctx.monitors[1].scale_percent == 125
    assert canonical.loads_canonical(canonical.dumps(ctx.to_json_dict())) == ctx.to_json_dict()


def test_bgra_to_rgb_matches_a_plain_reference() -> None:
    """The grab's colour conversion (done in C for the UI's sake) is exact: B,G,R,A → R,G,B per pixel."""
    from evidence.capture.screen import _bgra_to_rgb

    pixels = [(b, g, r, 255) for b, g, r in [(1, 2, 3), (250, 128, 0), (0, 0, 0), (9, 99, 199), (7, 8, 9), (0, 1, 2)]]
    bgra = bytes(v for p in pixels for v in p)
    assert _bgra_to_rgb(bgra, 3, 2) == bytes(v for b, g, r, _ in pixels for v in (r, g, b))
