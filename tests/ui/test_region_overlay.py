"""The region overlay, offscreen: drag, click a window, confirm or cancel, and frame pixels at any pixel ratio."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from evidence.capture.crop import crop
from evidence.capture.screen import CaptureKind, CaptureMode, Grab, MonitorInfo, Rect
from ui.region_overlay import HINT, MAGNIFIER_CELLS, MAGNIFIER_ZOOM, QtRegionOverlay

LEFT = Qt.MouseButton.LeftButton


def make_grab(
    width: int = 200,
    height: int = 150,
    *,
    left: int = 0,
    top: int = 0,
    monitors: Sequence[tuple[int, int, int, int]] | None = None,
) -> Grab:
    """A frame where every pixel differs from its neighbours, so an off-by-one shows."""
    rgb = bytes(((x * 7 + y * 13 + c * 101) % 256) for y in range(height) for x in range(width) for c in range(3))
    boxes = monitors if monitors is not None else [(left, top, width, height)]
    return Grab(
        rgb=rgb,
        width=width,
        height=height,
        left=left,
        top=top,
        area=Rect(left, top, width, height),
        desktop=Rect(left, top, width, height),
        monitors=tuple(MonitorInfo(*box) for box in boxes),
        mode=CaptureMode(CaptureKind.FULL),
        utc=datetime(2026, 11, 25, 10, 51, 49, 123000, tzinfo=UTC),
        monotonic_ns=1,
    )


MakeOverlay = Callable[..., QtRegionOverlay]


@pytest.fixture
def make_overlay(qtbot: QtBot) -> MakeOverlay:
    def make(
        grab: Grab | None = None, windows: Sequence[tuple[Rect, str | None]] = (), **kwargs: object
    ) -> QtRegionOverlay:
        overlay = QtRegionOverlay(grab or make_grab(), windows, **kwargs)  # type: ignore[arg-type]
        qtbot.addWidget(overlay)
        with contextlib.ExitStack() as stack:
            for pane in overlay.panes:
                stack.enter_context(qtbot.waitExposed(pane))
            overlay.show()
        return overlay

    return make


def drag(qtbot: QtBot, widget: QtRegionOverlay, start: QPoint, *moves: QPoint) -> None:
    qtbot.mousePress(widget, LEFT, pos=start)
    for point in moves:
        qtbot.mouseMove(widget, point)
    qtbot.mouseRelease(widget, LEFT, pos=moves[-1])


def pixel(image: QImage, x: int, y: int) -> tuple[int, int, int]:
    colour = image.pixelColor(x, y)
    return colour.red(), colour.green(), colour.blue()


def frame_pixel(grab: Grab, x: int, y: int) -> tuple[int, int, int]:
    i = (y * grab.width + x) * 3
    return grab.rgb[i], grab.rgb[i + 1], grab.rgb[i + 2]


# --- Drag, confirm, cancel --------------------------------------------------------------------------------------


def test_drag_then_enter_selects_the_dragged_frame_rect(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay()
    drag(qtbot, overlay, QPoint(110, 70), QPoint(60, 40), QPoint(10, 20))  # dragged up and left
    assert overlay.selection() == QRect(10, 20, 100, 50)
    assert overlay.isVisible()  # a drag alone confirms nothing
    with qtbot.waitSignal(overlay.selected) as blocker:
        qtbot.keyClick(overlay, Qt.Key.Key_Return)
    assert blocker.args == [QRect(10, 20, 100, 50), "region"]
    assert not overlay.isVisible()


def test_keypad_enter_confirms_too(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay()
    drag(qtbot, overlay, QPoint(1, 2), QPoint(9, 9), QPoint(200, 150))  # not (0, 0): QTest reads it as the centre
    with qtbot.waitSignal(overlay.selected) as blocker:
        qtbot.keyClick(overlay, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert blocker.args == [QRect(1, 2, 199, 148), "region"]


def test_double_click_inside_the_selection_confirms_it(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay()
    drag(qtbot, overlay, QPoint(20, 30), QPoint(50, 60), QPoint(70, 80))
    with qtbot.waitSignal(overlay.selected) as blocker:
        qtbot.mouseDClick(overlay, LEFT, pos=QPoint(40, 50))
    assert blocker.args == [QRect(20, 30, 50, 50), "region"]


def test_double_click_where_the_drag_ended_confirms_it(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    """The release point is the corner just outside the selection; a double-click there is still on it."""
    overlay = make_overlay(windows=[(Rect(0, 0, 200, 150), "a window under everything")])
    drag(qtbot, overlay, QPoint(20, 30), QPoint(50, 60), QPoint(70, 80))
    with qtbot.waitSignal(overlay.selected) as blocker:
        qtbot.mouseClick(overlay, LEFT, pos=QPoint(70, 80))
        qtbot.mouseDClick(overlay, LEFT, pos=QPoint(70, 80))
    assert blocker.args == [QRect(20, 30, 50, 50), "region"]


def test_escape_cancels(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay()
    drag(qtbot, overlay, QPoint(20, 30), QPoint(70, 80))
    with qtbot.assertNotEmitted(overlay.selected), qtbot.waitSignal(overlay.cancelled):
        qtbot.keyClick(overlay, Qt.Key.Key_Escape)
    assert not overlay.isVisible()
    qtbot.keyClick(overlay, Qt.Key.Key_Return)  # too late: the overlay is finished


def test_enter_without_a_selection_does_nothing(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay()
    with qtbot.assertNotEmitted(overlay.selected), qtbot.assertNotEmitted(overlay.cancelled):
        qtbot.keyClick(overlay, Qt.Key.Key_Return)
        qtbot.mouseDClick(overlay, LEFT, pos=QPoint(40, 50))
    assert overlay.isVisible()


def test_a_tiny_wobble_is_a_click_not_a_drag(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay()
    drag(qtbot, overlay, QPoint(20, 30), QPoint(21, 31))
    assert overlay.selection().isEmpty()


def test_closing_the_overlay_cancels(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay()
    with qtbot.waitSignal(overlay.cancelled):
        overlay.close()


# --- Windows ----------------------------------------------------------------------------------------------------

WINDOWS = [
    (Rect(50, 40, 60, 30), "front ✓"),  # top of the stack first
    (Rect(30, 20, 120, 100), "behind"),
    (Rect(150, 100, 200, 200), None),  # runs off the frame's bottom-right
]


def test_hover_highlights_the_topmost_window_under_the_cursor(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay(windows=WINDOWS)
    qtbot.mouseMove(overlay, QPoint(60, 50))
    assert overlay.hovered_rect() == QRect(50, 40, 60, 30)
    qtbot.mouseMove(overlay, QPoint(35, 25))
    assert overlay.hovered_rect() == QRect(30, 20, 120, 100)
    qtbot.mouseMove(overlay, QPoint(5, 5))
    assert overlay.hovered_rect().isEmpty()


def test_click_selects_the_window_and_enter_confirms(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay(windows=WINDOWS)
    qtbot.mouseMove(overlay, QPoint(35, 25))
    qtbot.mouseClick(overlay, LEFT, pos=QPoint(35, 25))
    assert (overlay.selection(), overlay.selection_mode(), overlay.selection_title()) == (
        QRect(30, 20, 120, 100),
        "window",
        "behind",
    )
    with qtbot.waitSignal(overlay.selected) as blocker:
        qtbot.keyClick(overlay, Qt.Key.Key_Return)
    assert blocker.args == [QRect(30, 20, 120, 100), "window"]


def test_double_click_on_a_window_selects_and_confirms_it(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay(windows=WINDOWS)
    drag(qtbot, overlay, QPoint(5, 5), QPoint(20, 20))  # an earlier selection elsewhere
    with qtbot.waitSignal(overlay.selected) as blocker:
        qtbot.mouseClick(overlay, LEFT, pos=QPoint(60, 50))  # what a real double-click starts with
        qtbot.mouseDClick(overlay, LEFT, pos=QPoint(60, 50))
    assert blocker.args == [QRect(50, 40, 60, 30), "window"]
    assert overlay.selection_title() == "front ✓"


def test_a_window_running_off_the_frame_is_clipped_to_it(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay(windows=WINDOWS)
    qtbot.mouseClick(overlay, LEFT, pos=QPoint(180, 140))
    assert overlay.selection() == QRect(150, 100, 50, 50)
    assert overlay.selection_title() is None


def test_click_outside_any_window_clears_and_a_drag_replaces_a_window(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay(windows=WINDOWS)
    qtbot.mouseClick(overlay, LEFT, pos=QPoint(60, 50))
    assert overlay.selection_mode() == "window"
    qtbot.mouseClick(overlay, LEFT, pos=QPoint(60, 50))  # inside the selection: kept
    assert overlay.selection() == QRect(50, 40, 60, 30)
    qtbot.mouseClick(overlay, LEFT, pos=QPoint(5, 5))
    assert overlay.selection().isEmpty()
    drag(qtbot, overlay, QPoint(55, 45), QPoint(80, 60))  # starts on a window, still a region
    assert (overlay.selection(), overlay.selection_mode(), overlay.selection_title()) == (
        QRect(55, 45, 25, 15),
        "region",
        None,
    )


def test_windows_are_placed_by_the_frames_desktop_origin(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    grab = make_grab(left=-200, top=-50, monitors=[(-200, -50, 200, 150)])
    overlay = make_overlay(grab, windows=[(Rect(-150, 0, 40, 30), "left of primary")])
    qtbot.mouseClick(overlay, LEFT, pos=QPoint(60, 60))
    assert overlay.selection() == QRect(50, 50, 40, 30)


# --- Pixel ratios and monitors ----------------------------------------------------------------------------------


def test_ratio_2_maps_logical_points_to_frame_pixels(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay(device_pixel_ratios=[2.0], windows=[(Rect(120, 80, 40, 20), "w")])
    assert overlay.size().width() == 100
    assert overlay.size().height() == 75
    drag(qtbot, overlay, QPoint(5, 10), QPoint(30, 20), QPoint(55, 35))
    assert overlay.selection() == QRect(10, 20, 100, 50)
    qtbot.mouseMove(overlay, QPoint(59, 40))  # frame pixel (118, 80): just left of the window
    assert overlay.hovered_rect().isEmpty()
    qtbot.mouseMove(overlay, QPoint(60, 40))  # frame pixel (120, 80): its top-left pixel
    assert overlay.hovered_rect() == QRect(120, 80, 40, 20)
    # (a click there would grab the selection's bottom-right handle, 5 logical px away: click the window's middle)
    qtbot.mouseClick(overlay, LEFT, pos=QPoint(70, 45))
    assert overlay.selection() == QRect(120, 80, 40, 20)
    assert overlay.hovered_rect().isEmpty()  # selected now, so no longer offered


def test_fractional_ratio_rounds_to_the_nearest_pixel_corner(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay(device_pixel_ratios=[1.5])
    drag(qtbot, overlay, QPoint(10, 10), QPoint(31, 21))  # 15.0, 15.0 to 46.5 -> 46 (half to even), 31.5 -> 32
    assert overlay.selection() == QRect(15, 15, 31, 17)


def test_drag_is_clamped_to_the_frame(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay()
    drag(qtbot, overlay, QPoint(150, 100), QPoint(400, 300))
    assert overlay.selection() == QRect(150, 100, 50, 50)
    drag(qtbot, overlay, QPoint(50, 40), QPoint(-30, -30))
    assert overlay.selection() == QRect(0, 0, 50, 40)


def test_monitor_larger_than_the_frame_clamps_to_the_frame(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    """A frame of one region of a bigger monitor: the rest of the pane is outside the frame and unselectable."""
    grab = make_grab(120, 80, left=40, top=30, monitors=[(0, 0, 300, 200)])
    overlay = make_overlay(grab)
    assert overlay.size().width() == 300
    drag(qtbot, overlay, QPoint(10, 10), QPoint(100, 60))  # frame starts at +40+30
    assert overlay.selection() == QRect(0, 0, 60, 30)
    drag(qtbot, overlay, QPoint(110, 70), QPoint(290, 190))  # off the first selection (its corner is a handle)
    assert overlay.selection() == QRect(70, 40, 50, 40)


def test_two_monitors_get_a_pane_each_with_its_own_ratio(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    # mss: a 200x150 monitor left of the primary, then a 200x150 one at ratio 2 (100x75 logical)
    grab = make_grab(400, 150, left=-200, top=0, monitors=[(-200, 0, 200, 150), (0, 0, 200, 150)])
    overlay = make_overlay(grab, device_pixel_ratios=[1.0, 2.0])
    first, second = overlay.panes
    assert first is overlay
    assert first.geometry() == QRect(-200, 0, 200, 150)
    assert second.geometry() == QRect(0, 0, 100, 75)
    assert second.isVisible()
    qtbot.mousePress(second, LEFT, pos=QPoint(10, 10))
    qtbot.mouseMove(second, QPoint(50, 40))
    qtbot.mouseRelease(second, LEFT, pos=QPoint(50, 40))
    assert overlay.selection() == QRect(220, 20, 80, 60)
    # across the edge: pressed on the left pane, released over the right one (logical 20,30 there)
    qtbot.mousePress(first, LEFT, pos=QPoint(150, 100))
    qtbot.mouseMove(first, QPoint(220, 30))
    qtbot.mouseRelease(first, LEFT, pos=QPoint(220, 30))
    assert overlay.selection() == QRect(150, 60, 90, 40)
    assert overlay.hint_pane is second  # the hint went with the cursor
    with qtbot.waitSignal(overlay.selected) as blocker:
        qtbot.keyClick(second, Qt.Key.Key_Return)  # any pane takes the keys
    assert blocker.args == [QRect(150, 60, 90, 40), "region"]
    assert not second.isVisible()


def test_monitors_the_frame_does_not_touch_get_no_pane(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    grab = make_grab(200, 150, left=200, top=0, monitors=[(0, 0, 200, 150), (200, 0, 200, 150)])  # monitor:2
    overlay = make_overlay(grab)
    assert [pane.monitor for pane in overlay.panes] == [QRect(0, 0, 200, 150)]
    assert overlay.geometry().topLeft() == QPoint(200, 0)


def test_one_ratio_per_monitor_is_required() -> None:
    with pytest.raises(ValueError, match="one positive device pixel ratio per monitor"):
        QtRegionOverlay(make_grab(), device_pixel_ratios=[1.0, 2.0])
    with pytest.raises(ValueError, match="one positive device pixel ratio per monitor"):
        QtRegionOverlay(make_grab(), device_pixel_ratios=[0.0])


# --- What is drawn, and what is not kept ------------------------------------------------------------------------


def dimmed(grab: Grab, x: int, y: int) -> tuple[int, int, int]:
    return tuple(round(v * 127 / 255) for v in frame_pixel(grab, x, y))  # type: ignore[return-value]


def close_to(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return all(abs(p - q) <= 1 for p, q in zip(a, b, strict=True))


def test_frame_is_dimmed_outside_the_selection_and_exact_inside(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    grab = make_grab()
    overlay = make_overlay(grab)
    drag(qtbot, overlay, QPoint(40, 80), QPoint(140, 130))
    shown = overlay.grab().toImage()
    assert shown.size() == overlay.size()
    for x, y in [(40, 80), (139, 129), (100, 100)]:
        assert pixel(shown, x, y) == frame_pixel(grab, x, y)
    for x, y in [(20, 100), (180, 140), (100, 133)]:
        assert close_to(pixel(shown, x, y), dimmed(grab, x, y))
    assert pixel(shown, 38, 100) == (0, 153, 255)  # the outline sits just outside the selection
    assert pixel(shown, 141, 100) == (0, 153, 255)


def test_hint_is_on_the_screen_with_the_cursor(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    assert "Esc to cancel" in HINT
    assert "Enter to confirm" in HINT
    grab = make_grab(1200, 150, monitors=[(0, 0, 600, 150), (600, 0, 600, 150)])
    overlay = make_overlay(grab)
    first, second = overlay.panes

    def changed_at_top(pane: QWidget) -> int:
        image = pane.grab().toImage()
        x0 = pane.monitor.x()
        return sum(
            not close_to(pixel(image, x, y), dimmed(grab, x0 + x, y)) for x in range(150, 450, 3) for y in range(16, 60)
        )

    qtbot.mouseMove(second, QPoint(300, 120))
    assert overlay.hint_pane is second
    assert changed_at_top(second) > 1000
    assert changed_at_top(first) == 0
    qtbot.mouseMove(first, QPoint(300, 120))
    assert overlay.hint_pane is first
    assert changed_at_top(first) > 1000
    assert changed_at_top(second) == 0


def test_nothing_reaches_the_clipboard(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    clipboard = QGuiApplication.clipboard()
    clipboard.clear()
    overlay = make_overlay()
    drag(qtbot, overlay, QPoint(10, 10), QPoint(100, 100))
    for key in (Qt.Key.Key_C, Qt.Key.Key_Insert, Qt.Key.Key_X, Qt.Key.Key_S):
        qtbot.keyClick(overlay, key, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.image().isNull()
    assert clipboard.text() == ""
    assert overlay.isVisible()


def test_the_selected_rect_crops_exactly_those_pixels(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    grab = make_grab()
    overlay = make_overlay(grab, device_pixel_ratios=[2.0])
    drag(qtbot, overlay, QPoint(3, 4), QPoint(13, 24))
    with qtbot.waitSignal(overlay.selected) as blocker:
        qtbot.keyClick(overlay, Qt.Key.Key_Return)
    rect: QRect = blocker.args[0]
    got = crop(grab.rgb, grab.width, grab.height, Rect(rect.x(), rect.y(), rect.width(), rect.height()))
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == (6, 8, 20, 40)
    assert got[:3] == bytes(frame_pixel(grab, 6, 8))
    assert got[-3:] == bytes(frame_pixel(grab, 25, 47))


# --- Adjusting: handles, moving, arrow keys (issue 11) -----------------------------------------------------------


def test_the_handles_resize_the_selection(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay()
    drag(qtbot, overlay, QPoint(40, 40), QPoint(70, 60), QPoint(100, 90))
    assert overlay.selection() == QRect(40, 40, 60, 50)
    # a handle moves its edges by as much as the cursor moves (grabbed a pixel off the corner: no jump)
    drag(qtbot, overlay, QPoint(101, 91), QPoint(110, 100), QPoint(121, 111))  # the bottom-right handle
    assert overlay.selection() == QRect(40, 40, 80, 70)
    drag(qtbot, overlay, QPoint(80, 38), QPoint(80, 30), QPoint(80, 18))  # the top edge
    assert overlay.selection() == QRect(40, 20, 80, 90)
    drag(qtbot, overlay, QPoint(40, 60), QPoint(100, 60), QPoint(150, 60))  # the left edge, past the right one
    assert overlay.selection() == QRect(120, 20, 30, 90)
    assert overlay.selection_mode() == "region"
    with qtbot.waitSignal(overlay.selected) as blocker:
        qtbot.keyClick(overlay, Qt.Key.Key_Return)
    assert blocker.args == [QRect(120, 20, 30, 90), "region"]


def test_a_drag_inside_moves_the_selection_and_stops_at_the_frame(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay()
    drag(qtbot, overlay, QPoint(40, 40), QPoint(60, 60), QPoint(80, 70))
    drag(qtbot, overlay, QPoint(60, 55), QPoint(70, 60), QPoint(90, 75))  # from inside
    assert overlay.selection() == QRect(70, 60, 40, 30)
    drag(qtbot, overlay, QPoint(90, 75), QPoint(300, 300))  # far past the frame's bottom-right
    assert overlay.selection() == QRect(160, 120, 40, 30)


def test_a_moved_window_selection_becomes_a_region(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay(windows=WINDOWS)
    qtbot.mouseClick(overlay, LEFT, pos=QPoint(80, 55))
    assert overlay.selection_mode() == "window"
    qtbot.keyClick(overlay, Qt.Key.Key_Left)
    assert (overlay.selection(), overlay.selection_mode(), overlay.selection_title()) == (
        QRect(49, 40, 60, 30),
        "region",
        None,
    )


def test_arrow_keys_nudge_by_one_pixel_and_ten_with_shift(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay(device_pixel_ratios=[2.0])  # frame pixels, whatever the ratio
    qtbot.keyClick(overlay, Qt.Key.Key_Right)  # nothing to nudge yet
    assert overlay.selection().isEmpty()
    drag(qtbot, overlay, QPoint(10, 10), QPoint(20, 20), QPoint(30, 25))
    assert overlay.selection() == QRect(20, 20, 40, 30)
    qtbot.keyClick(overlay, Qt.Key.Key_Right)
    qtbot.keyClick(overlay, Qt.Key.Key_Down)
    assert overlay.selection() == QRect(21, 21, 40, 30)
    qtbot.keyClick(overlay, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(overlay, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
    assert overlay.selection() == QRect(11, 11, 40, 30)
    for _ in range(3):
        qtbot.keyClick(overlay, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
    assert overlay.selection() == QRect(11, 0, 40, 30)  # stops at the frame's edge
    for _ in range(20):
        qtbot.keyClick(overlay, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert overlay.selection() == QRect(160, 0, 40, 30)
    with qtbot.waitSignal(overlay.selected) as blocker:
        qtbot.keyClick(overlay, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert blocker.args == [QRect(160, 0, 40, 30), "region"]


# --- The magnifier and the readouts ---------------------------------------------------------------------------


def test_the_magnifier_shows_the_pixels_around_the_cursor_and_its_position(
    qtbot: QtBot, make_overlay: MakeOverlay
) -> None:
    grab = make_grab(400, 300)
    overlay = make_overlay(grab)
    qtbot.mouseMove(overlay, QPoint(100, 80))
    assert overlay.magnifier_shown()
    boxes = overlay.boxes()
    assert boxes.magnified == QPoint(100, 80)
    assert boxes.magnifier is not None
    assert boxes.magnifier_frame is not None
    assert not boxes.magnifier_frame.contains(QPoint(100, 80).toPointF())  # beside the cursor, not under it
    shown = overlay.grab().toImage()
    zoom, half = MAGNIFIER_ZOOM, MAGNIFIER_CELLS // 2
    left, top = round(boxes.magnifier.x()), round(boxes.magnifier.y())
    for cell_x, cell_y in [(half - 3, half - 2), (half + 4, half + 1), (0, half), (half, MAGNIFIER_CELLS - 1)]:
        x = left + cell_x * zoom + zoom // 2
        y = top + cell_y * zoom + zoom // 2
        assert pixel(shown, x, y) == frame_pixel(grab, 100 - half + cell_x, 80 - half + cell_y), (cell_x, cell_y)


def test_the_magnifier_shows_frame_pixels_at_ratio_2(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    grab = make_grab(400, 300)
    overlay = make_overlay(grab, device_pixel_ratios=[2.0])
    qtbot.mouseMove(overlay, QPoint(50, 40))
    assert overlay.boxes().magnified == QPoint(100, 80)


def test_the_magnifier_is_up_while_choosing_a_point_only(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay(make_grab(400, 300))
    assert not overlay.magnifier_shown()  # the cursor has not been seen yet
    qtbot.mouseMove(overlay, QPoint(50, 50))
    assert overlay.magnifier_shown()
    qtbot.mousePress(overlay, LEFT, pos=QPoint(50, 50))
    qtbot.mouseMove(overlay, QPoint(100, 90))
    assert overlay.magnifier_shown()  # dragging a corner out
    assert overlay.boxes().magnified == QPoint(100, 90)
    frame_box = overlay.boxes().magnifier_frame
    assert frame_box is not None
    assert not frame_box.intersects(overlay.to_local(overlay.selection()))  # away from the selection
    qtbot.mouseRelease(overlay, LEFT, pos=QPoint(100, 90))
    assert not overlay.magnifier_shown()  # chosen: out of the way
    qtbot.mousePress(overlay, LEFT, pos=QPoint(70, 70))
    qtbot.mouseMove(overlay, QPoint(80, 80))
    qtbot.mouseMove(overlay, QPoint(90, 90))
    assert not overlay.magnifier_shown()  # moving the whole selection
    qtbot.mouseRelease(overlay, LEFT, pos=QPoint(90, 90))
    qtbot.mousePress(overlay, LEFT, pos=QPoint(121, 111))
    qtbot.mouseMove(overlay, QPoint(130, 120))
    qtbot.mouseMove(overlay, QPoint(140, 130))
    assert overlay.magnifier_shown()  # resizing by a handle
    assert overlay.boxes().magnified == QPoint(140, 130)


@pytest.mark.parametrize("start", [QPoint(150, 5), QPoint(20, 3), QPoint(250, 130)])
def test_the_size_readout_is_never_under_the_hint(qtbot: QtBot, make_overlay: MakeOverlay, start: QPoint) -> None:
    grab = make_grab(400, 150)
    overlay = make_overlay(grab)
    drag(qtbot, overlay, start, start + QPoint(60, 40), start + QPoint(130, 90))
    boxes = overlay.boxes()
    assert boxes.label is not None
    assert boxes.hint is not None
    assert not boxes.label.intersects(boxes.hint)
    shown = overlay.grab().toImage()
    inside = boxes.label.adjusted(2, 2, -2, -2).toRect()
    backs = sum(
        pixel(shown, x, y) == (20, 20, 20)  # the readout's own background, not the hint's or the frame's
        for x in range(inside.left(), inside.right(), 2)
        for y in range(inside.top(), inside.bottom(), 2)
    )
    assert backs > 10


def test_the_readout_is_drawn_over_the_hint_when_there_is_no_room(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    """A screen so small that every place for the hint meets the readout or the selection: the readout wins."""
    overlay = make_overlay(make_grab(200, 120))
    drag(qtbot, overlay, QPoint(10, 30), QPoint(100, 60), QPoint(190, 90))
    boxes = overlay.boxes()
    assert boxes.label is not None
    assert boxes.hint is not None
    shown = overlay.grab().toImage()
    centre = boxes.label.center().toPoint()
    assert pixel(shown, boxes.label.toRect().left() + 2, centre.y()) == (20, 20, 20)


# --- Picking a window: one click ------------------------------------------------------------------------------


def test_picking_a_window_takes_one_click(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay(windows=WINDOWS, pick="window")
    with qtbot.assertNotEmitted(overlay.selected):
        qtbot.mouseClick(overlay, LEFT, pos=QPoint(5, 5))  # no window there: nothing happens
    assert overlay.isVisible()
    with qtbot.waitSignal(overlay.selected) as blocker:
        qtbot.mouseClick(overlay, LEFT, pos=QPoint(35, 25))
    assert blocker.args == [QRect(30, 20, 120, 100), "window"]
    assert overlay.selection_title() == "behind"
    assert not overlay.isVisible()


def test_picking_a_window_still_allows_a_dragged_region(qtbot: QtBot, make_overlay: MakeOverlay) -> None:
    overlay = make_overlay(windows=WINDOWS, pick="window")
    with qtbot.assertNotEmitted(overlay.selected):
        drag(qtbot, overlay, QPoint(5, 5), QPoint(20, 20), QPoint(40, 30))
    with qtbot.waitSignal(overlay.selected) as blocker:
        qtbot.keyClick(overlay, Qt.Key.Key_Return)
    assert blocker.args == [QRect(5, 5, 35, 25), "region"]


def test_an_unknown_pick_is_refused() -> None:
    with pytest.raises(ValueError, match="pick"):
        QtRegionOverlay(make_grab(), pick="monitor")
