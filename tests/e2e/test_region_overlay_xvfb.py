"""Region and window capture on a real X server: real windows, the real overlay, real mouse and keys from xdotool.

The pytest process renders offscreen, so the overlay runs in a child process on the Xvfb display
(``region_overlay_driver.py``, which prints JSON lines). Each test grabs the full frame here with the real mss,
drives the overlay with ``xdotool`` and checks that the rectangle it answers crops exactly the known pixels.
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mss
import pytest
from PIL import Image
from xserver import Window, XServer, have_tk, have_xrandr_lib, have_xvfb

from evidence.capture import platform_windows_list
from evidence.capture.crop import crop, derived_capture
from evidence.capture.platform_windows_list import window_rects
from evidence.capture.screen import Capture, CaptureContext, CaptureMode, Rect, encode_png, grab, pixels_sha256

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Xvfb tests run on Linux"),
    pytest.mark.skipif(not have_xvfb(), reason="Xvfb is not installed"),
    pytest.mark.skipif(not have_tk(), reason="this Python has no tkinter to draw test windows"),
    pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed"),
]

DRIVER = Path(__file__).with_name("region_overlay_driver.py")
TIMEOUT = 30.0
PATTERN_AT = (200, 150)
TITLE = "Évidence — test pattern ✓"
CHAT_AT = (500, 300)
CHAT = Image.new("RGB", (300, 200), (40, 90, 160))


def make_pattern(width: int = 96, height: int = 64) -> Image.Image:
    """Colour bars over a one-pixel checkerboard, corners marked, so any shift, flip or scaling shows."""
    bars = [(0, 0, 0), (255, 255, 255), (255, 0, 0), (0, 255, 0), (0, 0, 255), (0, 255, 255), (255, 0, 255)]
    image = Image.new("RGB", (width, height))
    for y in range(height):
        for x in range(width):
            if y < height // 2:
                pixel = bars[min(x * len(bars) // width, len(bars) - 1)]
            else:
                pixel = (17, 34, 51) if (x + y) % 2 else (238, 221, 204)
            image.putpixel((x, y), pixel)
    image.putpixel((0, 0), (250, 10, 128))
    image.putpixel((width - 1, height - 1), (3, 141, 59))
    return image


_SCALING_VARIABLES = {"QT_SCALE_FACTOR", "QT_SCREEN_SCALE_FACTORS", "QT_ENABLE_HIGHDPI_SCALING", "QT_FONT_DPI"}
"""Set only by the tests that ask for them, never inherited from the developer's session."""

PATTERN = make_pattern()
PATTERN_RECT = Rect(*PATTERN_AT, PATTERN.width, PATTERN.height)


class Overlay:
    """The driver process: the overlay on the X server, and its JSON reports."""

    def __init__(self, server: XServer, *args: str, **env: str) -> None:
        inherited = {k: v for k, v in server.env().items() if k not in _SCALING_VARIABLES}
        self.env = dict(inherited, QT_QPA_PLATFORM="xcb", **env)
        self.process = subprocess.Popen(
            [sys.executable, str(DRIVER), "--timeout", str(TIMEOUT), *args],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._buffer = b""
        self.ready = self.event()
        assert self.ready["event"] == "ready", self.ready

    def event(self) -> dict[str, Any]:
        """The next JSON line, waiting at most TIMEOUT seconds."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + TIMEOUT
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            ready = select.select([fd], [], [], max(left, 0))[0] if left > 0 else []
            if not ready:
                raise AssertionError(f"no report from the overlay in time: {self.stderr()}")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise AssertionError(f"the overlay ended without a report: {self.stderr()}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return dict(json.loads(line))

    def xdotool(self, *args: str) -> None:
        """Real input through XTEST, as a user's mouse and keyboard would send it."""
        subprocess.run(["xdotool", *args], env=self.env, check=True, timeout=TIMEOUT)

    def stderr(self) -> str:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        assert self.process.stderr is not None
        return self.process.stderr.read().decode(errors="replace")[-2000:]

    def finish(self) -> None:
        """Wait for a clean exit, and check that nothing was said on stderr (no Qt warnings either)."""
        assert self.process.wait(timeout=TIMEOUT) == 0
        assert self.process.stderr is not None
        assert self.process.stderr.read() == b""

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture(scope="module")
def screen() -> Iterator[tuple[XServer, Window]]:
    with XServer(1280, 800) as server:
        window = server.show(PATTERN, *PATTERN_AT, TITLE)
        server.show(CHAT, *CHAT_AT, "chat")
        yield server, window


@pytest.fixture
def server(screen: tuple[XServer, Window]) -> XServer:
    return screen[0]


@pytest.fixture
def overlay_of(server: XServer) -> Iterator[Any]:
    started: list[Overlay] = []

    def start(*args: str, **env: str) -> Overlay:
        overlay = Overlay(server, *args, **env)
        started.append(overlay)
        return overlay

    yield start
    for overlay in started:
        overlay.close()


def full_capture(display: str) -> tuple[Capture, bytes]:
    shot = grab(CaptureMode.parse("full"), display=display)
    png = encode_png(shot)
    capture = Capture(
        png=png,
        png_sha256=hashlib.sha256(png).hexdigest(),
        pixels_sha256=pixels_sha256(shot.rgb, shot.width, shot.height),
        width=shot.width,
        height=shot.height,
        context=CaptureContext.from_grab(shot, app_version="t", window=None),
    )
    return capture, shot.rgb


def screen_shows(display: str, rect: Rect, want: bytes) -> bool:
    """Wait until the screen shows ``want`` in ``rect``; the X server draws asynchronously, as in xserver.py."""
    box = rect.to_json_dict()
    deadline = time.monotonic() + TIMEOUT
    with mss.MSS(display=display) as sct:
        while time.monotonic() < deadline:
            if sct.grab(box).rgb == want:
                return True
            time.sleep(0.02)
    return False


def as_rect(values: list[int]) -> Rect:
    return Rect(*values)


# --- Drag a region ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", ["1", "2"])
def test_drag_and_enter_crops_exactly_the_pattern(server: XServer, overlay_of: Any, scale: str) -> None:
    """Real mouse: press on the pattern's top-left, drag to just past its bottom-right, release, Return."""
    parent, rgb = full_capture(server.display)
    overlay = overlay_of("--no-windows", QT_SCALE_FACTOR=scale)
    assert overlay.ready["pixels_sha256"] == parent.pixels_sha256  # the overlay froze the same screen
    assert overlay.ready["panes"] == [
        {"geometry": [0, 0, 1280 // int(scale), 800 // int(scale)], "monitor": [0, 0, 1280, 800], "dpr": float(scale)}
    ]
    x, y = PATTERN_AT
    overlay.xdotool("mousemove", str(x), str(y), "mousedown", "1")
    overlay.xdotool("mousemove", str(x + 40), str(y + 30), "mousemove", str(x + 96), str(y + 64))
    # While dragging, the selection is shown undimmed, pixel for pixel, at any ratio
    assert screen_shows(server.display, PATTERN_RECT, PATTERN.tobytes())
    overlay.xdotool("mouseup", "1", "key", "Return")
    report = overlay.event()
    overlay.finish()
    assert (report["event"], report["mode"]) == ("selected", "region")
    rect = as_rect(report["rect"])
    assert rect == PATTERN_RECT
    assert crop(rgb, parent.width, parent.height, rect) == PATTERN.tobytes()
    derived = derived_capture(parent, rgb, rect, app_version="t", reason=report["mode"])
    assert derived.pixels_sha256 == pixels_sha256(PATTERN.tobytes(), PATTERN.width, PATTERN.height)
    assert derived.context.to_json_dict()["rect_desktop"] == PATTERN_RECT.to_json_dict()


def test_double_click_confirms_and_the_outside_is_dimmed(server: XServer, overlay_of: Any) -> None:
    _, rgb = full_capture(server.display)
    overlay = overlay_of("--no-windows")
    cx, cy = CHAT_AT
    overlay.xdotool("mousemove", str(cx + 10), str(cy + 10), "mousedown", "1")
    overlay.xdotool("mousemove", str(cx + 50), str(cy + 30), "mousemove", str(cx + 110), str(cy + 60), "mouseup", "1")
    dimmed = bytes(round(v * 127 / 255) for v in CHAT.crop((0, 0, 3, 3)).tobytes())  # half-black over it
    # the chat window's corner, outside (and clear of the selection's top-left handle, which starts at +3+3)
    assert screen_shows(server.display, Rect(cx, cy, 3, 3), dimmed)
    overlay.xdotool("click", "--repeat", "2", "--delay", "50", "1")  # where the drag ended, on its corner
    report = overlay.event()
    overlay.finish()
    assert (report["event"], report["mode"]) == ("selected", "region")
    assert as_rect(report["rect"]) == Rect(cx + 10, cy + 10, 100, 50)
    assert crop(rgb, 1280, 800, as_rect(report["rect"])) == bytes(CHAT.getpixel((0, 0))) * 5000


def test_escape_cancels(server: XServer, overlay_of: Any) -> None:
    overlay = overlay_of()
    overlay.xdotool("mousemove", "100", "100", "mousedown", "1", "mousemove", "300", "300", "mouseup", "1")
    overlay.xdotool("key", "Escape")
    assert overlay.event() == {"event": "cancelled"}
    overlay.finish()


# --- Click a window ---------------------------------------------------------------------------------------------


def test_window_list_is_top_first_with_titles(server: XServer) -> None:
    listed = window_rects(server.display)
    assert (PATTERN_RECT, TITLE) in listed
    assert (Rect(*CHAT_AT, *CHAT.size), "chat") in listed
    above = server.show(Image.new("RGB", (50, 40), (200, 30, 30)), 520, 320, "above the chat")
    try:
        listed = window_rects(server.display)
        assert listed[0] == (Rect(520, 320, 50, 40), "above the chat")
        assert listed.index((Rect(*CHAT_AT, *CHAT.size), "chat")) > 0
    finally:
        above.close()
    assert all(title != "above the chat" for _, title in window_rects(server.display))


def test_window_list_of_a_missing_display_is_empty() -> None:
    assert window_rects(":48879") == []


def test_window_list_fails_soft(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert window_rects() == []  # XWayland would show only X clients: no answer rather than a partial one

    def broken(display: str | None) -> list[tuple[Rect, str | None]]:
        raise OSError("libX11 went away")

    monkeypatch.setattr(platform_windows_list, "_x11_window_rects", broken)
    assert window_rects(":0") == []


@pytest.mark.parametrize("scale", ["1", "2"])
def test_click_a_window_and_enter_selects_its_rectangle(server: XServer, overlay_of: Any, scale: str) -> None:
    parent, rgb = full_capture(server.display)
    overlay = overlay_of(QT_SCALE_FACTOR=scale)
    assert [PATTERN_RECT.left, PATTERN_RECT.top, PATTERN.width, PATTERN.height, TITLE] in overlay.ready["windows"]
    overlay.xdotool("mousemove", "240", "180")
    overlay.xdotool("click", "1")
    overlay.xdotool("key", "Return")
    report = overlay.event()
    overlay.finish()
    assert report == {"event": "selected", "rect": [200, 150, 96, 64], "mode": "window", "title": TITLE}
    rect = as_rect(report["rect"])
    derived = derived_capture(parent, rgb, rect, app_version="t", reason="window", window_title=report["title"])
    assert derived.context.to_json_dict()["selection"] == "window"
    assert derived.pixels_sha256 == pixels_sha256(PATTERN.tobytes(), PATTERN.width, PATTERN.height)


def test_picking_a_window_takes_one_click(server: XServer, overlay_of: Any) -> None:
    """The Window button's overlay: one real click on the window answers its rectangle, with no Enter."""
    overlay = overlay_of("--pick", "window")
    overlay.xdotool("mousemove", "240", "180", "click", "1")
    report = overlay.event()
    overlay.finish()
    assert report == {"event": "selected", "rect": [200, 150, 96, 64], "mode": "window", "title": TITLE}


# --- Adjusting with handles and keys, and the magnifier (issue 11) ---------------------------------------------


def test_a_handle_and_the_arrow_keys_adjust_the_selection(server: XServer, overlay_of: Any) -> None:
    """Drag out too small a box, pull its bottom-right handle, nudge it with the arrows, then Return."""
    parent, rgb = full_capture(server.display)
    overlay = overlay_of("--no-windows")
    x, y = PATTERN_AT
    overlay.xdotool("mousemove", str(x - 5), str(y - 3), "mousedown", "1")
    overlay.xdotool("mousemove", str(x + 30), str(y + 20), "mousemove", str(x + 50), str(y + 40), "mouseup", "1")
    overlay.xdotool("mousemove", str(x + 50), str(y + 40), "mousedown", "1")  # on the bottom-right handle
    overlay.xdotool("mousemove", str(x + 70), str(y + 50), "mousemove", str(x + 91), str(y + 61), "mouseup", "1")
    overlay.xdotool("key", "Right", "Right", "Right", "Right", "Right", "shift+Down")  # 5 right, 10 down
    overlay.xdotool("key", "Up", "Up", "Up", "Up", "Up", "Up", "Up")  # 7 up: 3 down in all
    overlay.xdotool("key", "Return")
    report = overlay.event()
    overlay.finish()
    assert (report["event"], report["mode"]) == ("selected", "region")
    assert as_rect(report["rect"]) == PATTERN_RECT
    assert crop(rgb, parent.width, parent.height, PATTERN_RECT) == PATTERN.tobytes()


def test_the_magnifier_shows_the_pixels_under_the_cursor(server: XServer, overlay_of: Any) -> None:
    overlay = overlay_of("--no-windows")
    x, y = PATTERN_AT
    overlay.xdotool("mousemove", str(x), str(y))  # the pattern's marked top-left pixel
    zoom, gap, half = 8, 24, 7  # ui.region_overlay: MAGNIFIER_ZOOM, _MAGNIFIER_GAP, MAGNIFIER_CELLS // 2
    left, top = x + gap, y + gap  # below and right of the cursor, where there is room
    for cell_x, cell_y in [(half, half), (half + 1, half), (half + 5, half + 5)]:
        want = bytes(PATTERN.getpixel((cell_x - half, cell_y - half)))  # type: ignore[arg-type]
        at = Rect(left + cell_x * zoom + 2, top + cell_y * zoom + 2, zoom - 4, zoom - 4)
        assert screen_shows(server.display, at, want * (zoom - 4) ** 2), (cell_x, cell_y)
    overlay.xdotool("key", "Escape")
    assert overlay.event() == {"event": "cancelled"}
    overlay.finish()


# --- Two monitors of different ratios ---------------------------------------------------------------------------


@pytest.mark.skipif(not have_xrandr_lib(), reason="libXrandr is not installed, so no second monitor can be made")
def test_two_monitors_at_ratios_1_and_2() -> None:
    """Qt places the ratio-2 monitor's logical 320x240 at +1280+0; a drag there still answers frame pixels."""
    with XServer(1920, 800, monitors=[(0, 0, 1280, 800), (1280, 0, 640, 480)]) as server:
        server.show(PATTERN, 1400, 100, "on the second monitor")
        parent, rgb = full_capture(server.display)
        overlay = Overlay(server, "--no-windows", QT_SCREEN_SCALE_FACTORS="1;2")
        try:
            assert [p["geometry"] for p in overlay.ready["panes"]] == [[0, 0, 1280, 800], [1280, 0, 320, 240]]
            assert [p["dpr"] for p in overlay.ready["panes"]] == [1.0, 2.0]
            overlay.xdotool("mousemove", "1400", "100", "mousedown", "1")
            overlay.xdotool("mousemove", "1450", "150", "mousemove", "1496", "164")
            assert screen_shows(server.display, Rect(1400, 100, 96, 64), PATTERN.tobytes())
            overlay.xdotool("mouseup", "1", "key", "Return")
            report = overlay.event()
            overlay.finish()
        finally:
            overlay.close()
        assert as_rect(report["rect"]) == Rect(1400, 100, 96, 64)
        assert crop(rgb, parent.width, parent.height, Rect(1400, 100, 96, 64)) == PATTERN.tobytes()
