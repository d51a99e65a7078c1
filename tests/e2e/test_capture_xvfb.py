"""Capture from a real X server: known pixels at known places, grabbed with the real mss, and the active window."""

from __future__ import annotations

import hashlib
import io
import os
import re
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from xserver import Window, XServer, have_tk, have_xrandr_lib, have_xvfb

from evidence.capture.platform_window import WindowInfo, active_window
from evidence.capture.screen import Capture, CaptureMode, MonitorInfo, Rect, capture, grab, pixels_sha256
from evidence.core.errors import UsageError

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Xvfb tests run on Linux"),
    pytest.mark.skipif(not have_xvfb(), reason="Xvfb is not installed"),
    pytest.mark.skipif(not have_tk(), reason="this Python has no tkinter to draw test windows"),
]

PATTERN_AT = (200, 150)
TITLE = "Évidence — test pattern ✓"
BLOCKS = [
    (0, 0, 0),
    (255, 255, 255),
    (255, 0, 0),
    (0, 255, 0),
    (0, 0, 255),
    (0, 255, 255),
    (255, 0, 255),
    (255, 255, 0),
]


def make_pattern(width: int = 96, height: int = 64) -> Image.Image:
    """Coloured blocks over a one-pixel checkerboard, with a marked corner so any shift or flip shows."""
    image = Image.new("RGB", (width, height))
    block = width // len(BLOCKS)
    for y in range(height):
        for x in range(width):
            if y < height // 2:
                pixel = BLOCKS[min(x // block, len(BLOCKS) - 1)]
            else:
                pixel = (17, 34, 51) if (x + y) % 2 else (238, 221, 204)
            image.putpixel((x, y), pixel)
    image.putpixel((0, 0), (250, 10, 128))
    image.putpixel((width - 1, height - 1), (3, 141, 59))
    return image


PATTERN = make_pattern()


def decode(png: bytes) -> Image.Image:
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        assert image.mode == "RGB"
        return image.copy()


def crop(image: Image.Image, left: int, top: int, like: Image.Image) -> bytes:
    return image.crop((left, top, left + like.width, top + like.height)).tobytes()


def check_digests(cap: Capture) -> Image.Image:
    image = decode(cap.png)
    assert image.size == (cap.width, cap.height)
    assert cap.png_sha256 == hashlib.sha256(cap.png).hexdigest()
    ppm = b"P6\n%d %d\n255\n" % image.size + image.tobytes()
    assert cap.pixels_sha256 == hashlib.sha256(ppm).hexdigest()
    return image


@pytest.fixture(scope="module")
def screen() -> Iterator[tuple[XServer, Window]]:
    with XServer(1280, 800) as server:
        yield server, server.show(PATTERN, *PATTERN_AT, TITLE)


@pytest.fixture
def server(screen: tuple[XServer, Window]) -> Iterator[XServer]:
    server, _ = screen
    yield server
    server.delete_property(None, "_NET_ACTIVE_WINDOW")  # tests below play window manager; undo it


@pytest.fixture
def pattern_window(screen: tuple[XServer, Window]) -> Window:
    return screen[1]


@pytest.fixture
def scratch_window(server: XServer) -> Iterator[Window]:
    """A window of its own, for tests that change window properties."""
    window = server.show(Image.new("RGB", (40, 30), (9, 99, 199)), 700, 500, "scratch ✓")
    yield window
    window.close()


def make_active(server: XServer, window: Window | int) -> None:
    """Do what a window manager does when a window gets the focus."""
    xid = window.xid if isinstance(window, Window) else window
    server.set_property(None, "_NET_ACTIVE_WINDOW", "WINDOW", [xid])


# --- Pixels ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["full", "monitor:1"])
def test_whole_screen_holds_the_pattern_exactly_at_its_place(server: XServer, mode: str) -> None:
    cap = capture(CaptureMode.parse(mode), app_version="0.1.0-test", display=server.display)
    assert (cap.width, cap.height) == (1280, 800)
    image = check_digests(cap)
    assert crop(image, *PATTERN_AT, PATTERN) == PATTERN.tobytes()
    assert crop(image, PATTERN_AT[0] + 1, PATTERN_AT[1], PATTERN) != PATTERN.tobytes()  # the check can fail
    ctx = cap.context
    assert str(ctx.mode) == mode
    assert ctx.desktop == Rect(0, 0, 1280, 800)
    assert ctx.monitors == (MonitorInfo(0, 0, 1280, 800, None),)
    assert ctx.captured == Rect(0, 0, 1280, 800)
    assert ctx.app_version == "0.1.0-test"
    assert ctx.host == socket.gethostname()


def test_region_around_the_pattern(server: XServer) -> None:
    x, y = PATTERN_AT
    mode = CaptureMode.parse(f"region:{x - 10},{y - 7},{PATTERN.width + 25},{PATTERN.height + 14}")
    cap = capture(mode, app_version="t", display=server.display)
    assert (cap.width, cap.height) == (PATTERN.width + 25, PATTERN.height + 14)
    image = check_digests(cap)
    assert crop(image, 10, 7, PATTERN) == PATTERN.tobytes()
    assert cap.context.captured == Rect(x - 10, y - 7, PATTERN.width + 25, PATTERN.height + 14)


def test_region_of_exactly_the_pattern_has_the_patterns_digest(server: XServer) -> None:
    x, y = PATTERN_AT
    mode = CaptureMode.parse(f"region:{x},{y},{PATTERN.width},{PATTERN.height}")
    shot = grab(mode, display=server.display)
    assert (shot.left, shot.top, shot.width, shot.height) == (x, y, PATTERN.width, PATTERN.height)
    assert shot.area == Rect(x, y, PATTERN.width, PATTERN.height)
    assert shot.rgb == PATTERN.tobytes()
    cap = capture(mode, app_version="t", display=server.display)
    assert cap.pixels_sha256 == pixels_sha256(PATTERN.tobytes(), PATTERN.width, PATTERN.height)


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("region:1200,700,100,50", "not inside the desktop (1280x800+0+0)"),
        ("region:-1,0,10,10", "not inside the desktop"),
        ("monitor:2", "no such monitor, this desktop has 1 monitor"),
    ],
)
def test_a_mode_that_does_not_fit_the_desktop_is_a_usage_error(server: XServer, mode: str, says: str) -> None:
    with pytest.raises(UsageError, match=re.escape(says)):
        capture(CaptureMode.parse(mode), app_version="t", display=server.display)


# --- Active window ---------------------------------------------------------------------------------------------


def test_without_a_window_manager_there_is_no_active_window(server: XServer) -> None:
    assert active_window(server.display) is None
    cap = capture(CaptureMode.parse("full"), app_version="t", display=server.display)
    assert (cap.context.window_title, cap.context.window_process) == (None, None)


def test_active_window_title_is_read_from_net_wm_name(server: XServer, pattern_window: Window) -> None:
    make_active(server, pattern_window)
    # Tk sets no _NET_WM_PID, so the process is unknown rather than guessed
    assert active_window(server.display) == WindowInfo(title=TITLE, process=None, pid=None)
    cap = capture(CaptureMode.parse("full"), app_version="t", display=server.display)
    assert cap.context.window_title == TITLE
    assert cap.context.to_json_dict()["window_title"] == TITLE


def test_active_window_is_not_recorded_when_not_asked(server: XServer, pattern_window: Window) -> None:
    make_active(server, pattern_window)
    cap = capture(CaptureMode.parse("full"), app_version="t", display=server.display, active_window=False)
    assert cap.context.window_title is None


def test_process_is_named_when_the_pid_is_on_this_host(server: XServer, scratch_window: Window) -> None:
    server.set_property(scratch_window.xid, "_NET_WM_PID", "CARDINAL", [scratch_window.pid])
    server.set_property(scratch_window.xid, "WM_CLIENT_MACHINE", "STRING", socket.gethostname().encode())
    make_active(server, scratch_window)
    expected = Path(sys.executable).name[:15]  # the kernel's comm: the executable's name, 15 bytes at most
    assert active_window(server.display) == WindowInfo(title="scratch ✓", process=expected, pid=scratch_window.pid)
    cap = capture(CaptureMode.parse("monitor:1"), app_version="t", display=server.display)
    assert (cap.context.window_title, cap.context.window_process) == ("scratch ✓", expected)


@pytest.mark.parametrize("machine", [None, b"some-other-host"])
def test_pid_from_another_or_unnamed_host_is_not_trusted(
    server: XServer, scratch_window: Window, machine: bytes | None
) -> None:
    server.set_property(scratch_window.xid, "_NET_WM_PID", "CARDINAL", [scratch_window.pid])
    if machine is not None:
        server.set_property(scratch_window.xid, "WM_CLIENT_MACHINE", "STRING", machine)
    make_active(server, scratch_window)
    assert active_window(server.display) == WindowInfo(title="scratch ✓", process=None, pid=None)


def test_pid_of_a_process_of_another_user_is_not_named(
    server: XServer, scratch_window: Window, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sandboxed app's namespace-local pid (often 2) must not name an unrelated host process."""
    server.set_property(scratch_window.xid, "_NET_WM_PID", "CARDINAL", [scratch_window.pid])
    server.set_property(scratch_window.xid, "WM_CLIENT_MACHINE", "STRING", socket.gethostname().encode())
    make_active(server, scratch_window)
    other_user = os.getuid() + 4242
    monkeypatch.setattr(os, "getuid", lambda: other_user)  # as if another user had started the window's process
    assert active_window(server.display) == WindowInfo(title="scratch ✓", process=None, pid=None)


@pytest.mark.parametrize(
    ("type_name", "raw", "title"),
    [
        ("STRING", b"Caf\xe9 chat", "Café chat"),  # ICCCM STRING is Latin-1
        ("UTF8_STRING", "Café chat ✓".encode(), "Café chat ✓"),
        ("COMPOUND_TEXT", b"plain ascii", "plain ascii"),
        ("COMPOUND_TEXT", b"\x1b-A\xe9", None),  # an escape sequence: not decoded, not guessed
    ],
)
def test_title_falls_back_to_wm_name(
    server: XServer, scratch_window: Window, type_name: str, raw: bytes, title: str | None
) -> None:
    server.delete_property(scratch_window.xid, "_NET_WM_NAME")
    server.set_property(scratch_window.xid, "WM_NAME", type_name, raw)
    make_active(server, scratch_window)
    assert active_window(server.display) == WindowInfo(title=title, process=None, pid=None)


def test_no_title_at_all_is_none(server: XServer, scratch_window: Window) -> None:
    server.delete_property(scratch_window.xid, "_NET_WM_NAME")
    server.delete_property(scratch_window.xid, "WM_NAME")
    make_active(server, scratch_window)
    assert active_window(server.display) == WindowInfo(title=None, process=None, pid=None)


@pytest.mark.parametrize("xid", [0, 0x3FFFFFF], ids=["none", "gone"])
def test_no_or_vanished_active_window_is_none(server: XServer, xid: int) -> None:
    make_active(server, xid)
    assert active_window(server.display) is None  # and the BadWindow did not end this process


def test_active_window_of_a_missing_display_is_none() -> None:
    assert active_window(":48879") is None


# --- Two monitors ----------------------------------------------------------------------------------------------


@pytest.mark.skipif(not have_xrandr_lib(), reason="libXrandr is not installed, so no second monitor can be made")
def test_two_monitors() -> None:
    with XServer(1920, 800, monitors=[(0, 0, 1280, 800), (1280, 0, 640, 480)]) as server:
        server.show(PATTERN, 1400, 100, "on the second monitor")
        monitors = (MonitorInfo(0, 0, 1280, 800, None), MonitorInfo(1280, 0, 640, 480, None))

        second = capture(CaptureMode.parse("monitor:2"), app_version="t", display=server.display)
        assert (second.width, second.height) == (640, 480)
        assert crop(check_digests(second), 120, 100, PATTERN) == PATTERN.tobytes()
        assert second.context.monitors == monitors
        assert second.context.desktop == Rect(0, 0, 1920, 800)
        assert second.context.captured == Rect(1280, 0, 640, 480)

        first = capture(CaptureMode.parse("monitor:1"), app_version="t", display=server.display)
        assert (first.width, first.height) == (1280, 800)

        full = capture(CaptureMode.parse("full"), app_version="t", display=server.display)
        assert (full.width, full.height) == (1920, 800)
        assert crop(check_digests(full), 1400, 100, PATTERN) == PATTERN.tobytes()

        with pytest.raises(UsageError, match="this desktop has 2 monitors"):
            grab(CaptureMode.parse("monitor:3"), display=server.display)


# --- The kept grabber (issue 16: one mss instance per display, kept between captures) --------------------------


def test_a_later_grab_leaves_an_earlier_one_as_it_was(server: XServer) -> None:
    """The kept instance reuses its shared memory; each grab must still own a copy of its pixels."""
    before = grab(CaptureMode.parse("full"), display=server.display)
    cover = server.show(Image.new("RGB", PATTERN.size, (1, 2, 3)), *PATTERN_AT, "cover")
    try:
        after = grab(CaptureMode.parse("full"), display=server.display)
    finally:
        cover.close()
    image_before = Image.frombytes("RGB", (before.width, before.height), before.rgb)
    image_after = Image.frombytes("RGB", (after.width, after.height), after.rgb)
    assert crop(image_before, *PATTERN_AT, PATTERN) == PATTERN.tobytes()
    assert crop(image_after, *PATTERN_AT, PATTERN) == bytes([1, 2, 3]) * (PATTERN.width * PATTERN.height)


@pytest.mark.parametrize("size", [(1280, 800), (640, 480)], ids=["same size", "resized"])
def test_a_kept_grabber_of_a_server_that_went_away_is_replaced(size: tuple[int, int]) -> None:
    """An X server restarted under the same display name, at the same or another size: the next grab reads the new
    server, at its size (the kept instance is moved to the new name here, as a restart would leave it)."""
    from evidence.capture import screen

    with XServer(1280, 800) as old:
        grab(CaptureMode.parse("full"), display=old.display)
        kept = screen._kept._by_display.pop(old.display)
    with XServer(*size) as new:
        new.show(PATTERN, 40, 30, "new server")
        screen._kept._by_display[new.display] = kept
        shot = grab(CaptureMode.parse("full"), display=new.display)
        assert (shot.width, shot.height) == size
        image = Image.frombytes("RGB", size, shot.rgb)
        assert crop(image, 40, 30, PATTERN) == PATTERN.tobytes()
        assert screen._kept._by_display[new.display] is not kept
