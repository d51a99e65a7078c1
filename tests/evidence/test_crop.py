"""Crops of a frozen frame and the derived item that links them to it, without a screen and without Qt."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image

from evidence.capture.crop import DERIVED_CONTEXT_FORMAT, Derived, Selection, crop, derived_capture
from evidence.capture.screen import (
    Capture,
    CaptureContext,
    CaptureMode,
    Grab,
    MonitorInfo,
    Rect,
    encode_png,
    pixels_sha256,
)
from evidence.core.errors import UsageError

WHEN = datetime(2026, 11, 25, 10, 51, 49, 123000, tzinfo=UTC)
DERIVED_KEYS = [
    "context_format",
    "derivation",
    "selection",
    "derived_from",
    "rect_frame",
    "rect_desktop",
    "window_title",
    "derived_utc",
    "app_version",
]


def make_rgb(width: int, height: int) -> bytes:
    """Every channel of every pixel differs from its neighbours', so a shifted row or column shows."""
    return bytes(((x * 7 + y * 13 + c * 101) % 256) for y in range(height) for x in range(width) for c in range(3))


def make_grab(
    width: int = 64, height: int = 48, *, left: int = -1920, top: int = -10, area: Rect | None = None
) -> Grab:
    return Grab(
        rgb=make_rgb(width, height),
        width=width,
        height=height,
        left=left,
        top=top,
        area=area or Rect(left, top, width, height),
        desktop=Rect(-1920, -200, 4480, 1640),
        monitors=(MonitorInfo(-1920, -200, 1920, 1080, 1.0), MonitorInfo(0, 0, 2560, 1440, 1.25)),
        mode=CaptureMode.parse("full"),
        utc=WHEN,
        monotonic_ns=1,
    )


def make_parent(grab: Grab) -> Capture:
    png = encode_png(grab)
    return Capture(
        png=png,
        png_sha256=hashlib.sha256(png).hexdigest(),
        pixels_sha256=pixels_sha256(grab.rgb, grab.width, grab.height),
        width=grab.width,
        height=grab.height,
        context=CaptureContext.from_grab(grab, app_version="0.1.0", window=None),
    )


def pixel_of(rgb: bytes, width: int, x: int, y: int) -> bytes:
    i = (y * width + x) * 3
    return rgb[i : i + 3]


def decode(png: bytes) -> Image.Image:
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        assert image.mode == "RGB"
        return image.copy()


# --- crop -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rect",
    [
        Rect(10, 5, 20, 7),
        Rect(0, 0, 64, 48),
        Rect(0, 0, 1, 1),
        Rect(63, 47, 1, 1),
        Rect(0, 47, 64, 1),
        Rect(63, 0, 1, 48),
    ],
)
def test_crop_is_exactly_the_rectangles_pixels(rect: Rect) -> None:
    width, height = 64, 48
    rgb = make_rgb(width, height)
    got = crop(rgb, width, height, rect)
    want = b"".join(
        pixel_of(rgb, width, x, y) for y in range(rect.top, rect.bottom) for x in range(rect.left, rect.right)
    )
    assert got == want
    assert len(got) == rect.width * rect.height * 3
    assert (
        Image.frombytes("RGB", (width, height), rgb).crop((rect.left, rect.top, rect.right, rect.bottom)).tobytes()
        == got
    )


@pytest.mark.parametrize(
    ("rect", "says"),
    [
        (Rect(-1, 0, 10, 10), "not inside the 64x48 frame"),
        (Rect(0, -1, 10, 10), "not inside"),
        (Rect(55, 0, 10, 10), "not inside"),
        (Rect(0, 40, 10, 9), "not inside"),
        (Rect(64, 48, 1, 1), "not inside"),
        (Rect(0, 0, 65, 48), "not inside"),
        (Rect(0, 0, 0, 5), "is empty"),
        (Rect(3, 3, 5, -1), "is empty"),
    ],
)
def test_crop_outside_the_frame_or_empty_is_refused(rect: Rect, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        crop(make_rgb(64, 48), 64, 48, rect)


def test_crop_refuses_a_buffer_that_does_not_fit_the_size() -> None:
    with pytest.raises(UsageError, match="does not hold a 64x47 RGB image"):
        crop(make_rgb(64, 48), 64, 47, Rect(0, 0, 1, 1))


# --- derived_capture --------------------------------------------------------------------------------------------


def test_derived_item_holds_the_crop_and_its_digests() -> None:
    grab = make_grab()
    parent = make_parent(grab)
    rect = Rect(10, 5, 20, 7)
    derived = derived_capture(parent, grab.rgb, rect, app_version="0.2.0", reason="region", now=WHEN)
    pixels = crop(grab.rgb, grab.width, grab.height, rect)
    assert isinstance(derived, Derived)
    assert (derived.width, derived.height, derived.rect) == (20, 7, rect)
    assert derived.png_sha256 == hashlib.sha256(derived.png).hexdigest()
    assert derived.pixels_sha256 == hashlib.sha256(b"P6\n20 7\n255\n" + pixels).hexdigest()
    image = decode(derived.png)
    assert image.size == (20, 7)
    assert image.tobytes() == pixels
    assert decode(parent.png).crop((10, 5, 30, 12)).tobytes() == pixels  # cut from the stored original, same pixels


def test_derived_context_links_the_original_by_digest_and_rectangle() -> None:
    grab = make_grab()
    parent = make_parent(grab)
    derived = derived_capture(parent, grab.rgb, Rect(10, 5, 20, 7), app_version="0.2.0", reason="region", now=WHEN)
    context = derived.context.to_json_dict()
    assert list(context) == DERIVED_KEYS
    assert context == {
        "context_format": DERIVED_CONTEXT_FORMAT,
        "derivation": "crop",
        "selection": "region",
        "derived_from": {
            "png_sha256": parent.png_sha256,
            "pixels_sha256": parent.pixels_sha256,
            "width": 64,
            "height": 48,
        },
        "rect_frame": {"left": 10, "top": 5, "width": 20, "height": 7},
        "rect_desktop": {"left": -1910, "top": -5, "width": 20, "height": 7},  # the frame sits at -1920,-10
        "window_title": None,
        "derived_utc": "2026-11-25T10:51:49.123Z",
        "app_version": "0.2.0",
    }
    assert json.loads(json.dumps(context, ensure_ascii=False)) == context


def test_window_selection_records_the_windows_title() -> None:
    grab = make_grab()
    parent = make_parent(grab)
    local = WHEN.astimezone(timezone(timedelta(hours=-3, minutes=-30)))
    derived = derived_capture(
        parent, grab.rgb, Rect(0, 0, 8, 8), app_version="t", reason=Selection.WINDOW, window_title="Chat ✓", now=local
    )
    assert derived.context.to_json_dict()["selection"] == "window"
    assert derived.context.to_json_dict()["window_title"] == "Chat ✓"
    assert (
        derived.context.to_json_dict()["derived_utc"] == "2026-11-25T10:51:49.123Z"
    )  # stored in UTC whatever the local zone


def test_derived_png_is_what_a_region_grab_of_the_same_pixels_encodes_to() -> None:
    grab = make_grab()
    rect = Rect(3, 4, 30, 20)
    derived = derived_capture(make_parent(grab), grab.rgb, rect, app_version="t", reason="region", now=WHEN)
    pixels = crop(grab.rgb, grab.width, grab.height, rect)
    region = replace(grab, rgb=pixels, width=rect.width, height=rect.height)
    assert derived.png == encode_png(region)


def test_retina_desktop_rectangle_is_in_points_rounded_outwards() -> None:
    """On macOS the image has 2 pixels per desktop point.

    Pixel columns 11 to 31 and rows 5 to 12 (ends excluded) lie in point columns 5 to 16 and rows 2 to 6.
    """
    grab = make_grab(64, 48, left=100, top=50, area=Rect(100, 50, 32, 24))
    derived = derived_capture(make_parent(grab), grab.rgb, Rect(11, 5, 20, 7), app_version="t", reason="region")
    assert derived.context.to_json_dict()["rect_frame"] == {"left": 11, "top": 5, "width": 20, "height": 7}
    assert derived.context.to_json_dict()["rect_desktop"] == {"left": 105, "top": 52, "width": 11, "height": 4}


def test_pixels_that_are_not_the_originals_are_refused() -> None:
    grab = make_grab()
    parent = make_parent(grab)
    tampered = bytearray(grab.rgb)
    tampered[-1] ^= 1
    with pytest.raises(UsageError, match="not those of the original capture"):
        derived_capture(parent, bytes(tampered), Rect(0, 0, 4, 4), app_version="t", reason="region")
    with pytest.raises(UsageError, match="does not hold a 64x48 RGB image"):
        derived_capture(parent, grab.rgb[:-3], Rect(0, 0, 4, 4), app_version="t", reason="region")


@pytest.mark.parametrize("rect", [Rect(60, 0, 5, 5), Rect(-1, -1, 2, 2), Rect(0, 0, 0, 0)])
def test_derived_rectangle_outside_the_original_is_refused(rect: Rect) -> None:
    grab = make_grab()
    with pytest.raises(UsageError, match="crop rectangle"):
        derived_capture(make_parent(grab), grab.rgb, rect, app_version="t", reason="region")


def test_unknown_reason_title_on_a_region_and_naive_time_are_refused() -> None:
    grab = make_grab()
    parent = make_parent(grab)
    rect = Rect(0, 0, 4, 4)
    with pytest.raises(UsageError, match="unknown selection 'monitor'"):
        derived_capture(parent, grab.rgb, rect, app_version="t", reason="monitor")
    with pytest.raises(UsageError, match="a region selection has no window title"):
        derived_capture(parent, grab.rgb, rect, app_version="t", reason="region", window_title="x")
    with pytest.raises(UsageError, match="timezone-aware"):
        derived_capture(parent, grab.rgb, rect, app_version="t", reason="region", now=datetime(2026, 1, 1))


@pytest.mark.interop
@pytest.mark.skipif(sys.platform == "win32", reason="netpbm is a Unix tool")
@pytest.mark.skipif(not (shutil.which("pngtopnm") and shutil.which("pnmcut")), reason="netpbm is not installed")
def test_netpbm_recomputes_the_derived_digest_from_the_original(tmp_path: Path) -> None:
    """A reviewer's ``pngtopnm ORIGINAL.png | pnmcut ... | sha256sum`` prints the derived item's pixels_sha256."""
    grab = make_grab(97, 41)
    parent = make_parent(grab)
    derived = derived_capture(parent, grab.rgb, Rect(13, 6, 50, 29), app_version="t", reason="region", now=WHEN)
    original = tmp_path / "original.png"
    original.write_bytes(parent.png)
    frame = derived.context.to_json_dict()["rect_frame"]
    ppm = subprocess.run(["pngtopnm", str(original)], capture_output=True, check=True, timeout=30).stdout
    cut = [
        "pnmcut",
        "-left",
        str(frame["left"]),
        "-top",
        str(frame["top"]),
        "-width",
        str(frame["width"]),
        "-height",
        str(frame["height"]),
    ]
    out = subprocess.run(cut, input=ppm, capture_output=True, check=True, timeout=30).stdout
    assert out.startswith(b"P6\n50 29\n255\n")
    assert hashlib.sha256(out).hexdigest() == derived.pixels_sha256
