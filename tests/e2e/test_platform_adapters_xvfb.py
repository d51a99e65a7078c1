"""The platform adapters behind their interfaces, on Linux: each factory hands out an object that satisfies its
Protocol, the X11 ones answer about a real Xvfb, and the fallbacks used on other systems answer as documented.

The Windows and macOS implementations cannot run here; ``make lint`` type-checks them with ``mypy --platform``.
Global hotkeys will join this pattern with issue 11.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from PIL import Image
from xserver import XServer, have_tk, have_xvfb

from evidence.capture import platform_window, platform_windows_list
from evidence.capture.screen import Rect

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(not have_xvfb() or not have_tk(), reason="needs Xvfb and tkinter"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the X11 adapters run on Linux"),
]


@pytest.fixture(scope="module")
def server() -> Iterator[XServer]:
    with XServer(640, 480) as x:
        yield x


def test_active_window_sources_satisfy_the_interface() -> None:
    for platform in ("linux", "freebsd14", "darwin"):
        assert isinstance(platform_window.for_platform(platform), platform_window.ActiveWindowSource)
    assert isinstance(platform_window.for_platform(), platform_window.X11ActiveWindow)
    assert platform_window.for_platform("darwin").active_window() is None
    with pytest.raises(ValueError, match="Windows only"):
        platform_window.for_platform("win32")


def test_window_list_sources_satisfy_the_interface() -> None:
    for platform in ("linux", "freebsd14", "darwin"):
        assert isinstance(platform_windows_list.for_platform(platform), platform_windows_list.WindowListSource)
    assert isinstance(platform_windows_list.for_platform(), platform_windows_list.X11WindowList)
    assert platform_windows_list.for_platform("darwin").window_rects() == []
    with pytest.raises(ValueError, match="Windows only"):
        platform_windows_list.for_platform("win32")


def test_x11_sources_answer_about_the_server(server: XServer) -> None:
    window = server.show(Image.new("RGB", (50, 40), (200, 30, 30)), 100, 120, title="Adapter test")
    try:
        listed = platform_windows_list.for_platform(display=server.display).window_rects()
        assert (Rect(100, 120, 50, 40), "Adapter test") in listed
        source = platform_window.for_platform(display=server.display)
        assert source.active_window() is None  # no window manager has set _NET_ACTIVE_WINDOW
        server.set_property(None, "_NET_ACTIVE_WINDOW", "WINDOW", [window.xid])
        info = source.active_window()
        assert info is not None
        assert info.title == "Adapter test"
    finally:
        server.delete_property(None, "_NET_ACTIVE_WINDOW")
        window.close()


def test_the_module_functions_never_raise_whatever_the_source_does(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def active_window(self) -> None:
            raise OSError("the system said no")

        def window_rects(self) -> None:
            raise OSError("the system said no")

    monkeypatch.setattr(platform_window, "for_platform", lambda **_: Broken())
    monkeypatch.setattr(platform_windows_list, "for_platform", lambda **_: Broken())
    assert platform_window.active_window() is None
    assert platform_windows_list.window_rects() == []


def test_a_wayland_session_is_not_read_through_xwayland(monkeypatch: pytest.MonkeyPatch, server: XServer) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.setenv("DISPLAY", server.display)
    assert platform_window.for_platform().active_window() is None
    assert platform_windows_list.for_platform().window_rects() == []
