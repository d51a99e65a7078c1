"""Capture exclusion behind its interface: the factory's choice per system, and the Linux behaviour (the user is
told, since X11 and Wayland cannot keep a window out of captures). The Windows and macOS implementations are
type-checked by ``make lint`` and cannot run here."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QWidget

from ui import capture_exclusion as ce


def test_factory_chooses_one_implementation_per_system() -> None:
    assert isinstance(ce.for_platform("win32"), ce.WindowsCaptureExclusion)
    assert isinstance(ce.for_platform("darwin"), ce.MacCaptureExclusion)
    assert isinstance(ce.for_platform("linux"), ce.UnsupportedCaptureExclusion)
    for platform in ("win32", "darwin", "linux"):
        assert isinstance(ce.for_platform(platform), ce.CaptureExclusion)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux behaviour")
def test_on_linux_the_user_is_told(qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    assert ce.exclude_from_capture(widget) == ce.UNSUPPORTED_MESSAGE


def test_a_failing_implementation_never_takes_the_window_down(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    class Broken:
        def exclude(self, widget: QWidget) -> str | None:
            raise OSError("no such API")

    monkeypatch.setattr(ce, "for_platform", lambda: Broken())
    widget = QWidget()
    qtbot.addWidget(widget)
    assert ce.exclude_from_capture(widget) in (ce.UNSUPPORTED_MESSAGE, ce.WINDOWS_FAILED_MESSAGE)
