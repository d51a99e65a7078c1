"""Region and window selection on a frozen frame: the still screen shown full-screen, dimmed outside the choice.

The app grabs the whole frame first and hands it here, so what the user selects on is exactly what was on the
screen at the grab, and nothing can change underneath them while they choose. The overlay only answers a
rectangle in *frame pixels* (the grab's own pixel grid, top-left pixel at 0,0); cropping and storing are the
core's business (:mod:`evidence.capture.crop`). It keeps the frame in memory only: nothing is written to disk or put on
the clipboard.

Why one window per monitor rather than one spanning the virtual desktop: Qt 6 gives every screen its own device
pixel ratio and places each screen's *logical* geometry at its *physical* top-left with its size divided by the
ratio. Measured under Xvfb with two RandR monitors at +0+0 (1280x800) and +1280+0 (640x480): with
``QT_SCALE_FACTOR=2`` Qt reports ``QRect(0, 0, 640, 400)`` and ``QRect(1280, 0, 320, 240)``, so the logical
desktop has gaps and a window spanning it would be drawn at one ratio on screens of different ratios (the
mixed-DPI breakage known from other screenshot tools). So each monitor gets its own frameless, always-on-top,
full-screen window (a *pane*) showing that monitor's part of the frame at that monitor's ratio, and a point on a
pane maps to frame pixels as ``monitor's offset in the frame + round(local logical position * ratio)``. mss, which
made the frame, reports monitors in physical pixels on X11 and on Windows (per-monitor DPI aware), so a monitor's
physical rectangle is also its place in the frame. (On macOS mss measures the desktop in points and the image
in pixels; monitors and windows are scaled by the grab's image size over its ``area`` to land in frame pixels,
and Qt's logical coordinates there are the same points.)

:class:`QtRegionOverlay` is itself the pane of the first monitor the frame touches and owns the others (as child
top-level windows), so the app connects to one object and ``show()``/``close()`` act on all of them. The
selection is held once, by the overlay, in frame pixels; the panes only map and draw.

A point is taken as a *corner* between pixels: a drag from logical (10, 10) to (60, 35) at ratio 2 selects frame
pixels 20..119 by 20..69, a 100x50 rectangle, and a drag of zero size is a click. A hovered window is found by
the pixel under the cursor.

Adjusting, as in Flameshot's selector (whose behaviour, not code, this follows): a selection has eight handles
(corners and edge midpoints) that resize it, and a drag inside it moves it; arrow keys nudge it by one frame
pixel, ten with Shift; Enter confirms and Esc cancels. While the user chooses a point (before a selection, or
while dragging one out or resizing it) a magnifier beside the cursor shows the frame pixels around it, enlarged,
with the pixel's position. Everything drawn over the frame (outline, handles, size readout, hint) stays outside
the selection where it can, so the selected pixels are shown exactly; the size readout and the hint banner never
cover each other, and the magnifier keeps clear of both. In *window* mode (the Window button), one click on a
window captures it.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QCursor,
    QEnterEvent,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QRegion,
    QScreen,
)
from PySide6.QtWidgets import QWidget

from evidence.capture.screen import Grab, Rect

HINT = "Drag to select, then drag the handles or use the arrow keys (Shift: 10 px); Enter to confirm, Esc to cancel"
"""The instruction shown at the top of the screen the cursor is on, when choosing a region."""

WINDOW_HINT = "Click a window to capture it, or drag to select an area; Esc to cancel"
"""The instruction when choosing a window: one click captures it."""

REGION = "region"
"""Mode of a dragged rectangle."""

WINDOW = "window"
"""Mode of a clicked window's rectangle."""

DIM = QColor(0, 0, 0, 128)
"""Laid over the frame outside the selection."""

_DRAG_THRESHOLD = 3
"""Logical pixels the cursor must travel with the button down before a press becomes a drag."""

_EDGE_SLACK = 3
"""Logical pixels around the selection where a click still counts as on it (so a double-click where a drag ended
confirms it)."""

_HANDLE = 12
"""Logical size of a drawn handle (a square centred on the outline; only its part outside the selection shows)."""

_HANDLE_REACH = 8
"""Logical pixels from a corner within which a press grabs the corner's handle."""

_EDGE_REACH = 5
"""Logical pixels from an edge within which a press grabs that edge."""

_NUDGE, _NUDGE_SHIFT = 1, 10
"""Frame pixels an arrow key moves the selection, without and with Shift."""

MAGNIFIER_CELLS = 15
"""Frame pixels across the magnifier (odd, so one is in the middle)."""

MAGNIFIER_ZOOM = 8
"""Logical pixels per frame pixel in the magnifier."""

_MAGNIFIER_GAP = 24
"""Logical distance between the cursor and the magnifier."""

_SELECTION_PEN = QColor(0, 153, 255)
_HOVER_PEN = QColor(255, 200, 0)
_LABEL_BACK = QColor(20, 20, 20, 220)
_READOUT_BACK = QColor(20, 20, 20)  # opaque: the size stays legible over anything
_LABEL_TEXT = QColor(255, 255, 255)


@dataclass(frozen=True)
class _PaneSpec:
    monitor: QRect  # the monitor's rectangle in frame pixels (may reach outside the frame)
    dpr: float
    geometry: QRect  # the pane's logical window geometry
    screen: QScreen | None
    full_screen: bool  # the geometry is exactly the screen's, so the window manager may be told "full screen"


class _Op(enum.Enum):
    """What a press with the left button started."""

    NEW = "new"  # dragging out a new selection
    MOVE = "move"  # dragging the selection by its inside
    RESIZE = "resize"  # dragging one of its handles


_HANDLE_CURSORS = {
    "nw": Qt.CursorShape.SizeFDiagCursor,
    "se": Qt.CursorShape.SizeFDiagCursor,
    "ne": Qt.CursorShape.SizeBDiagCursor,
    "sw": Qt.CursorShape.SizeBDiagCursor,
    "n": Qt.CursorShape.SizeVerCursor,
    "s": Qt.CursorShape.SizeVerCursor,
    "e": Qt.CursorShape.SizeHorCursor,
    "w": Qt.CursorShape.SizeHorCursor,
}


@dataclass(frozen=True)
class Boxes:
    """Where a pane draws its readouts, in its logical coordinates (None: not drawn on this pane).

    Attributes:
        label: the selection's size readout.
        hint: the instruction banner.
        magnifier: the enlarged pixels (the position line sits below them, inside ``magnifier_frame``).
        magnifier_frame: the magnifier with its position line.
        magnified: the frame pixel in the magnifier's middle cell (the one under the cursor).
    """

    label: QRectF | None = None
    hint: QRectF | None = None
    magnifier: QRectF | None = None
    magnifier_frame: QRectF | None = None
    magnified: QPoint | None = None


class _QtFramePane(QWidget):
    """A frameless, always-on-top window covering one monitor and showing that monitor's part of the frame.

    It maps its logical coordinates to frame pixels, forwards input to the overlay and draws the overlay's state.

    Attributes:
        monitor: The monitor's rectangle in frame pixels.
        dpr: Frame pixels per logical pixel on this pane.
    """

    def __init__(self, overlay: QtRegionOverlay | None, spec: _PaneSpec, parent: QWidget | None = None) -> None:
        flags = Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
        super().__init__(parent, flags)
        self._overlay = overlay if overlay is not None else self  # the overlay is its own first pane
        self.monitor = spec.monitor
        self.dpr = spec.dpr
        self.setWindowTitle("Evidence Capture: select an area")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        if spec.screen is not None:
            self.setScreen(spec.screen)
        self.setGeometry(spec.geometry)
        if spec.full_screen:  # above panels and docks too; applied when shown
            self.setWindowState(Qt.WindowState.WindowFullScreen)

    @property
    def owner(self) -> QtRegionOverlay:
        """The overlay this pane belongs to."""
        overlay = self._overlay
        assert isinstance(overlay, QtRegionOverlay)
        return overlay

    # --- Coordinates ---------------------------------------------------------------------------------------------

    def corner_at(self, pos: QPointF) -> QPoint:
        """The frame-pixel corner nearest a logical position on this pane (not clamped to the frame)."""
        return QPoint(self.monitor.x() + round(pos.x() * self.dpr), self.monitor.y() + round(pos.y() * self.dpr))

    def pixel_at(self, pos: QPointF) -> QPoint:
        """The frame pixel under a logical position on this pane (not clamped to the frame)."""
        return QPoint(
            self.monitor.x() + math.floor(pos.x() * self.dpr), self.monitor.y() + math.floor(pos.y() * self.dpr)
        )

    def to_local(self, rect: QRect) -> QRectF:
        """A rectangle in frame pixels as logical coordinates on this pane."""
        d = self.dpr
        return QRectF(
            (rect.x() - self.monitor.x()) / d, (rect.y() - self.monitor.y()) / d, rect.width() / d, rect.height() / d
        )

    def holds(self, pos: QPointF) -> bool:
        """Whether a logical position lies on this pane."""
        return 0 <= pos.x() < self.width() and 0 <= pos.y() < self.height()

    def handle_at(self, pos: QPointF, selection: QRect) -> str | None:
        """The selection's handle under a logical position: ``nw``, ``n``, ``ne``, ``e``, ``se``, ``s``, ``sw``,
        ``w`` (corners first, then edges), or None."""
        if selection.isEmpty() or not self.monitor.intersects(selection.adjusted(-1, -1, 1, 1)):
            return None
        r = self.to_local(selection)
        x, y = pos.x(), pos.y()
        corners = {"nw": r.topLeft(), "ne": r.topRight(), "se": r.bottomRight(), "sw": r.bottomLeft()}
        for name, corner in corners.items():
            if abs(x - corner.x()) <= _HANDLE_REACH and abs(y - corner.y()) <= _HANDLE_REACH:
                return name
        if r.left() <= x <= r.right():
            if abs(y - r.top()) <= _EDGE_REACH:
                return "n"
            if abs(y - r.bottom()) <= _EDGE_REACH:
                return "s"
        if r.top() <= y <= r.bottom():
            if abs(x - r.left()) <= _EDGE_REACH:
                return "w"
            if abs(x - r.right()) <= _EDGE_REACH:
                return "e"
        return None

    # --- Input ----------------------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        """Start a drag (new, move or resize) or a click."""
        if event.button() == Qt.MouseButton.LeftButton:
            self.owner._press(self, event)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        """Drag, or highlight the window under the cursor and move the magnifier."""
        self.owner._move(self, event)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        """End a drag, or select the clicked window."""
        if event.button() == Qt.MouseButton.LeftButton:
            self.owner._release(self, event)
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        """Confirm the selection, or the window double-clicked on."""
        if event.button() == Qt.MouseButton.LeftButton:
            self.owner._double_click(self, event)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Esc cancels; Enter or Return confirms; arrows nudge. Every other key is swallowed (no copy, no save)."""
        self.owner._key(event)
        event.accept()

    def enterEvent(self, event: QEnterEvent) -> None:  # noqa: N802 - Qt override
        """The hint follows the cursor to this screen."""
        self.owner._set_hint_pane(self)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """Closing any pane from outside (window manager, Alt+F4) cancels the whole overlay."""
        self.owner._closing()
        event.accept()

    # --- Layout of the readouts -----------------------------------------------------------------------------------

    def boxes(self) -> Boxes:
        """Where this pane draws the size readout, the hint and the magnifier now.

        The readout is placed first (above the selection, else inside its top); the hint avoids it and the cursor
        (top of the screen, else bottom); the magnifier avoids both, and the selection, beside the cursor.
        """
        overlay = self.owner
        label = None
        if not overlay._selection.isEmpty() and overlay._label_pane() is self:
            label = self._label_box(overlay._selection)
        hint = self._hint_layout(label)[0] if overlay.hint_pane is self else None
        magnifier = frame = None
        magnified = None
        pointer = overlay._magnifier_pointer()
        if pointer is not None and pointer[0] is self:
            pos = pointer[1]
            magnified = self.pixel_at(pos)
            avoid = [b for b in (label, hint) if b is not None]
            if not overlay._selection.isEmpty():
                avoid.append(self.to_local(overlay._selection))
            frame = self._magnifier_box(pos, overlay._magnifier_anchor(self), avoid)
            magnifier = QRectF(frame.x(), frame.y(), _MAGNIFIER_PX, _MAGNIFIER_PX)
        return Boxes(label, hint, magnifier, frame, magnified)

    def _label_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    def _label_box(self, selection: QRect) -> QRectF:
        metrics = QFontMetrics(self._label_font())
        box = QRectF(0, 0, metrics.horizontalAdvance(_size_text(selection)) + 12, metrics.height() + 6)
        local = self.to_local(selection)
        x = min(max(local.left() - 1, 0), max(self.width() - box.width(), 0))
        y = local.top() - box.height() - 4
        if y < 0:
            y = local.top() + 4  # no room above: inside, at the top
        box.moveTo(x, max(y, 0))
        return box

    def _hint_layout(self, label: QRectF | None) -> tuple[QRectF, QFont, str]:
        text = WINDOW_HINT if self.owner.pick == WINDOW else HINT
        font = QFont(self.font())
        font.setPointSizeF((font.pointSizeF() if font.pointSizeF() > 0 else 9) * 1.2)
        room = max(self.width() - 64, 48)  # a small or high-ratio screen: shrink the text, then wrap it
        advance = QFontMetrics(font).horizontalAdvance(text)
        if advance > room:
            font.setPointSizeF(max(font.pointSizeF() * room / advance * 0.95, 6))
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        bounds = QFontMetrics(font).boundingRect(QRect(0, 0, room, 10_000), flags, text)
        size = (bounds.width() + 32, bounds.height() + 16)
        x = max((self.width() - size[0]) / 2, 0)
        top = QRectF(x, 16, *size)
        bottom = QRectF(x, max(self.height() - size[1] - 16, 0), *size)
        pointer = self.owner._pointer
        cursor = pointer[1] if pointer is not None and pointer[0] is self else None
        selection = self.owner._selection
        chosen = self.to_local(selection) if not selection.isEmpty() else None

        def hits(box: QRectF) -> dict[str, bool]:
            return {
                "label": label is not None and box.intersects(label),
                "selection": chosen is not None and box.intersects(chosen),
                "cursor": cursor is not None and box.adjusted(-8, -8, 8, 8).contains(cursor),
            }

        # Keep clear of, in this order of importance: the selection (its pixels are what the user checks), the
        # readout (which is drawn last, so at worst it covers the hint, never the other way round), the cursor.
        for clear_of in (("label", "selection", "cursor"), ("label", "selection"), ("selection",), ("label",)):
            for box in (top, bottom):
                if not any(hits(box)[what] for what in clear_of):
                    return box, font, text
        return top, font, text

    def _magnifier_box(self, pos: QPointF, away_from: QPointF | None, avoid: Sequence[QRectF]) -> QRectF:
        width, height = _MAGNIFIER_PX, _MAGNIFIER_PX + _magnifier_text_height(self.font())
        sx = 1 if away_from is None or pos.x() >= away_from.x() else -1
        sy = 1 if away_from is None or pos.y() >= away_from.y() else -1
        bounds = QRectF(0, 0, self.width(), self.height())
        candidates = []
        for dx, dy in ((sx, sy), (-sx, sy), (sx, -sy), (-sx, -sy)):
            x = pos.x() + _MAGNIFIER_GAP if dx > 0 else pos.x() - _MAGNIFIER_GAP - width
            y = pos.y() + _MAGNIFIER_GAP if dy > 0 else pos.y() - _MAGNIFIER_GAP - height
            candidates.append(QRectF(x, y, width, height))
        for box in candidates:
            if bounds.contains(box) and not any(box.intersects(a) for a in avoid):
                return box
        for box in candidates:
            if bounds.contains(box):
                return box
        box = candidates[0]
        box.moveTo(
            min(max(box.x(), 0), max(self.width() - width, 0)), min(max(box.y(), 0), max(self.height() - height, 0))
        )
        return box

    # --- Drawing --------------------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """The dimmed frame, the hovered window and the selection undimmed and outlined, its handles, the hint, the
        magnifier and the size readout (last, so nothing covers it)."""
        overlay = self.owner
        boxes = self.boxes()
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.fillRect(self.rect(), Qt.GlobalColor.black)  # parts of the monitor outside the frame
            shown = self.monitor.intersected(overlay._frame_rect)
            if not shown.isEmpty():
                painter.drawImage(self.to_local(shown), overlay._dimmed, shown)
            hovered = overlay.hovered_rect()
            selection = overlay.selection()
            for rect in (hovered, selection):
                part = rect.intersected(self.monitor)
                if not part.isEmpty():
                    painter.drawImage(self.to_local(part), overlay._bright, part)
            if not hovered.isEmpty():
                self._outline(painter, hovered, _HOVER_PEN, Qt.PenStyle.DashLine)
            if not selection.isEmpty():
                self._outline(painter, selection, _SELECTION_PEN, Qt.PenStyle.SolidLine)
                self._handles(painter, selection)
            if boxes.hint is not None:
                self._hint(painter, boxes.label)
            if boxes.magnifier_frame is not None and boxes.magnified is not None:
                self._magnifier(painter, boxes.magnifier_frame, boxes.magnified)
            if boxes.label is not None:
                self._size_label(painter, boxes.label, selection)
        finally:
            painter.end()

    def _outline(self, painter: QPainter, rect: QRect, colour: QColor, style: Qt.PenStyle) -> None:
        # Drawn just outside the rectangle, so every selected pixel stays visible.
        pen = QPen(colour, 2, style)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(self.to_local(rect).adjusted(-1, -1, 1, 1))

    def _handles(self, painter: QPainter, selection: QRect) -> None:
        # Squares centred on the outline, clipped to the outside of the selection: the pixels inside stay exact.
        inside = self.to_local(selection)
        outline = inside.adjusted(-1, -1, 1, 1)
        outside = QRegion(self.rect()).subtracted(QRegion(inside.toAlignedRect()))
        painter.save()
        painter.setClipRegion(outside)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_SELECTION_PEN)
        cx, cy = outline.center().x(), outline.center().y()
        for x, y in (
            (outline.left(), outline.top()),
            (cx, outline.top()),
            (outline.right(), outline.top()),
            (outline.right(), cy),
            (outline.right(), outline.bottom()),
            (cx, outline.bottom()),
            (outline.left(), outline.bottom()),
            (outline.left(), cy),
        ):
            painter.drawRect(QRectF(x - _HANDLE / 2, y - _HANDLE / 2, _HANDLE, _HANDLE))
        painter.restore()

    def _size_label(self, painter: QPainter, box: QRectF, selection: QRect) -> None:
        painter.setFont(self._label_font())
        painter.fillRect(box, _READOUT_BACK)
        painter.setPen(_LABEL_TEXT)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, _size_text(selection))

    def _hint(self, painter: QPainter, label: QRectF | None) -> None:
        box, font, text = self._hint_layout(label)
        painter.setFont(font)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_LABEL_BACK)
        painter.drawRoundedRect(box, 8, 8)
        painter.setPen(_LABEL_TEXT)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(box.adjusted(16, 8, -16, -8), flags, text)

    def _magnifier(self, painter: QPainter, frame_box: QRectF, pixel: QPoint) -> None:
        overlay = self.owner
        half = MAGNIFIER_CELLS // 2
        cells = QRectF(frame_box.x(), frame_box.y(), _MAGNIFIER_PX, _MAGNIFIER_PX)
        painter.fillRect(frame_box, _LABEL_BACK)
        painter.fillRect(cells, Qt.GlobalColor.black)  # frame pixels off the grab stay black
        source = QRect(pixel.x() - half, pixel.y() - half, MAGNIFIER_CELLS, MAGNIFIER_CELLS)
        part = source.intersected(overlay._frame_rect)
        if not part.isEmpty():
            target = QRectF(
                cells.x() + (part.x() - source.x()) * MAGNIFIER_ZOOM,
                cells.y() + (part.y() - source.y()) * MAGNIFIER_ZOOM,
                part.width() * MAGNIFIER_ZOOM,
                part.height() * MAGNIFIER_ZOOM,
            )
            painter.drawImage(target, overlay._bright, part)  # nearest neighbour: each pixel a sharp square
        middle = QRectF(cells.x() + half * MAGNIFIER_ZOOM, cells.y() + half * MAGNIFIER_ZOOM, MAGNIFIER_ZOOM, 0)
        middle.setHeight(MAGNIFIER_ZOOM)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(0, 0, 0), 1))
        painter.drawRect(middle.adjusted(-1.5, -1.5, 1.5, 1.5))
        painter.setPen(QPen(QColor(255, 255, 255), 1))
        painter.drawRect(middle.adjusted(-0.5, -0.5, 0.5, 0.5))
        painter.setPen(QPen(_SELECTION_PEN, 2))
        painter.drawRect(cells.adjusted(-1, -1, 1, 1))
        painter.setPen(_LABEL_TEXT)
        painter.setFont(QFont(self.font()))
        text_box = QRectF(cells.x(), cells.bottom(), cells.width(), frame_box.bottom() - cells.bottom())
        painter.drawText(text_box, Qt.AlignmentFlag.AlignCenter, _position_text(pixel))


class QtRegionOverlay(_QtFramePane):
    """The frozen frame full-screen on every monitor, where the user drags a rectangle or clicks a window.

    Construct it with the grab, ``show()`` it, and wait for one of its signals; it hides itself first. It is
    single-use: ``deleteLater()`` it after the signal, which frees its two in-memory copies of the frame (one
    plain, one dimmed, both 32-bit for fast drawing). Rectangles are in frame pixels: the signal's rectangle can
    be handed to :func:`evidence.capture.crop.crop` unchanged.

    Attributes:
        frame: The frozen frame, a QImage over the grab's own bytes (not a copy).
        panes: One window per monitor the frame touches; the first is the overlay itself.
        hint_pane: The pane that shows the hint, the one the cursor is on.
        pick: ``"region"`` (drag, adjust, Enter) or ``"window"`` (one click on a window captures it).

    Signals:
        selected(QRect, str): Enter, Return or a double-click confirmed a non-empty selection (or, when picking a
            window, one click chose it): its rectangle in frame pixels, and ``"region"`` (dragged, moved or
            resized) or ``"window"`` (a clicked window's rectangle).
        cancelled(): Esc, or a pane was closed.
    """

    selected = Signal(QRect, str)
    cancelled = Signal()

    def __init__(
        self,
        grab: Grab,
        windows: Sequence[tuple[Rect, str | None]] = (),
        *,
        pick: str = REGION,
        device_pixel_ratios: Sequence[float] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Prepare the panes; nothing shows until ``show()``.

        Args:
            grab: The frozen frame: its pixels, its place on the virtual desktop and the monitors.
            windows: Visible windows on the virtual desktop and their titles, top of the stack first (as
                :func:`evidence.capture.platform_windows_list.window_rects` gives them), for click-to-select.
            pick: :data:`REGION` (a click on a window selects it for adjusting) or :data:`WINDOW` (one click on a
                window captures it).
            device_pixel_ratios: Frame pixels per logical pixel, one per monitor in ``grab.monitors`` order;
                None asks Qt for the ratio of the screen at each monitor.
            parent: Qt parent; normally None, as the overlay is a set of top-level windows.

        Raises:
            ValueError: ``device_pixel_ratios`` does not give one positive ratio per monitor, or ``pick`` is
                neither region nor window.
        """
        if pick not in (REGION, WINDOW):
            raise ValueError(f"pick must be {REGION!r} or {WINDOW!r}, not {pick!r}")
        specs = _layout(grab, device_pixel_ratios)
        self.pick = pick
        self._pointer: tuple[_QtFramePane, QPointF] | None = None
        self._selection = QRect()
        super().__init__(None, specs[0], parent)
        self._rgb = grab.rgb  # the QImage below reads this buffer; it must outlive it
        self.frame = QImage(self._rgb, grab.width, grab.height, 3 * grab.width, QImage.Format.Format_RGB888)
        self._frame_rect = QRect(0, 0, grab.width, grab.height)
        self._bright = self.frame.convertToFormat(QImage.Format.Format_RGB32)  # fast to draw, in memory only
        self._dimmed = self._bright.copy()
        painter = QPainter(self._dimmed)
        painter.fillRect(self._dimmed.rect(), DIM)
        painter.end()
        self._windows: list[tuple[QRect, str | None]] = []
        for rect, title in windows:
            clipped = _on_frame(rect, grab).intersected(self._frame_rect)
            if not clipped.isEmpty():
                self._windows.append((clipped, title))
        self._mode = REGION
        self._title: str | None = None
        self._hovered: int | None = None
        self._op: _Op | None = None
        self._handle: str | None = None
        self._start = QRect()
        self._press_corner: QPoint | None = None
        self._press_global: QPointF | None = None
        self._dragging = False
        self._done = False
        self.panes: list[_QtFramePane] = [self]
        self.panes += [_QtFramePane(self, spec, self) for spec in specs[1:]]
        self.hint_pane: _QtFramePane = self._pane_at_global(QCursor.pos()) or self

    # --- State ----------------------------------------------------------------------------------------------------

    def selection(self) -> QRect:
        """The current selection in frame pixels; empty when there is none."""
        return QRect(self._selection)

    def selection_mode(self) -> str:
        """``"region"`` or ``"window"``: how the current selection was made."""
        return self._mode

    def selection_title(self) -> str | None:
        """The selected window's title for a window selection, else None."""
        return self._title if self._mode == WINDOW else None

    def hovered_rect(self) -> QRect:
        """The highlighted window's rectangle in frame pixels; empty when none is."""
        return QRect() if self._hovered is None else QRect(self._windows[self._hovered][0])

    def magnifier_shown(self) -> bool:
        """Whether the magnifier is up (choosing a point: before a selection, or dragging one out or resizing it)."""
        return self._magnifier_pointer() is not None

    # --- Actions --------------------------------------------------------------------------------------------------

    def confirm(self) -> None:
        """Hide and emit ``selected`` if there is a selection; otherwise nothing happens."""
        if self._done or self._selection.isEmpty():
            return
        self._done = True
        self._hide_all()
        self.selected.emit(QRect(self._selection), self._mode)

    def cancel(self) -> None:
        """Hide and emit ``cancelled``."""
        if self._done:
            return
        self._done = True
        self._hide_all()
        self.cancelled.emit()

    def nudge(self, dx: int, dy: int) -> None:
        """Move the selection by frame pixels, kept inside the frame (it becomes a region)."""
        if self._done or self._selection.isEmpty():
            return
        self._set_region(self._clamped(self._selection.translated(dx, dy)))

    def setVisible(self, visible: bool) -> None:  # noqa: N802 - Qt override
        """Show or hide every pane together; showing puts them full-screen and gives the keyboard to one."""
        super().setVisible(visible)
        if not visible:
            for pane in self.panes[1:]:
                pane.setVisible(False)
            return
        for pane in self.panes[1:]:
            pane.setVisible(True)  # newly shown and always-on-top, so above everything without a raise()
        focus = self.hint_pane
        focus.activateWindow()
        focus.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    # --- Input from the panes -------------------------------------------------------------------------------------

    def _press(self, pane: _QtFramePane, event: QMouseEvent) -> None:
        if self._done:
            return
        self._pointer = (pane, event.position())
        self._press_corner = self._corner(pane, event)
        self._press_global = event.globalPosition()
        self._dragging = False
        self._start = QRect(self._selection)
        self._handle = pane.handle_at(event.position(), self._selection)
        if self._handle is not None:
            self._op = _Op.RESIZE
        elif self._on_selection(*self._pixel(pane, event)):
            self._op = _Op.MOVE
        else:
            self._op = _Op.NEW
        self._repaint()

    def _move(self, pane: _QtFramePane, event: QMouseEvent) -> None:
        if self._done:
            return
        target = self._pane_for(pane, event) or pane
        self._set_hint_pane(target)
        local = event.position() if target is pane else target.mapFromGlobal(event.globalPosition())
        self._pointer = (target, local)
        if self._press_corner is None or self._press_global is None:
            self._set_hovered(self._window_at(*self._pixel(pane, event)))
            self._set_cursor(target, local)
            self._repaint()  # the magnifier follows the cursor, and the hint steps out of its way
            return
        if not self._dragging:
            travelled = (event.globalPosition() - self._press_global).manhattanLength()
            if travelled < _DRAG_THRESHOLD:
                return
            self._dragging = True
            self._hovered = None
        corner = self._corner(pane, event)
        if self._op is _Op.MOVE:
            offset = corner - self._press_corner
            self._set_region(self._clamped(self._start.translated(offset.x(), offset.y())))
        elif self._op is _Op.RESIZE and self._handle is not None:
            self._set_region(
                self._frame_rect.intersected(_resized(self._start, self._handle, corner - self._press_corner))
            )
        else:
            self._set_region(_corners(self._press_corner, corner))

    def _release(self, pane: _QtFramePane, event: QMouseEvent) -> None:
        if self._done or self._press_corner is None:
            return
        dragged, op = self._dragging, self._op
        self._end_press()
        if dragged:
            self._set_hovered(None)
            self._repaint()
            return
        if op is not _Op.NEW:
            self._repaint()
            return  # a click on the selection or its handles keeps it (the first half of a confirming double-click)
        self._click(*self._pixel(pane, event))
        if self.pick == WINDOW and self._mode == WINDOW and not self._selection.isEmpty():
            self.confirm()  # picking a window: one click captures it

    def _double_click(self, pane: _QtFramePane, event: QMouseEvent) -> None:
        if self._done:
            return
        self._end_press()
        self._click(*self._pixel(pane, event))  # already done by the first click, unless it was lost
        self.confirm()

    def _key(self, event: QKeyEvent) -> None:
        key = event.key()
        step = _NUDGE_SHIFT if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else _NUDGE
        if key == Qt.Key.Key_Escape:
            self.cancel()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.confirm()
        elif key == Qt.Key.Key_Left:
            self.nudge(-step, 0)
        elif key == Qt.Key.Key_Right:
            self.nudge(step, 0)
        elif key == Qt.Key.Key_Up:
            self.nudge(0, -step)
        elif key == Qt.Key.Key_Down:
            self.nudge(0, step)

    def _click(self, pixel: QPoint, dpr: float) -> None:
        if self._on_selection(pixel, dpr):
            return  # a click on the selection keeps it (the first half of a confirming double-click)
        index = self._window_at(pixel, dpr)
        if index is None:
            self._selection = QRect()
            self._mode = REGION
            self._title = None
        else:
            self._selection, self._title = QRect(self._windows[index][0]), self._windows[index][1]
            self._mode = WINDOW
            self._hovered = None
        self._repaint()

    def _closing(self) -> None:
        if not self._done:
            self.cancel()
        for pane in self.panes[1:]:
            pane.hide()

    # --- Helpers --------------------------------------------------------------------------------------------------

    def _end_press(self) -> None:
        self._press_corner = None
        self._press_global = None
        self._dragging = False
        self._op = None
        self._handle = None

    def _set_region(self, rect: QRect) -> None:
        self._selection = rect
        self._mode = REGION
        self._title = None
        self._repaint()

    def _clamped(self, rect: QRect) -> QRect:
        """``rect`` moved (not resized) so that it lies inside the frame."""
        frame = self._frame_rect
        x = min(max(rect.x(), 0), frame.width() - rect.width())
        y = min(max(rect.y(), 0), frame.height() - rect.height())
        return QRect(x, y, rect.width(), rect.height())

    def _set_cursor(self, pane: _QtFramePane, local: QPointF) -> None:
        handle = pane.handle_at(local, self._selection)
        if handle is not None:
            pane.setCursor(_HANDLE_CURSORS[handle])
        elif self._on_selection(pane.pixel_at(local), pane.dpr):
            pane.setCursor(Qt.CursorShape.SizeAllCursor)
        else:
            pane.setCursor(Qt.CursorShape.CrossCursor)

    def _magnifier_pointer(self) -> tuple[_QtFramePane, QPointF] | None:
        """Where the magnifier is, if it is up: while choosing a point, not while moving or once chosen."""
        if self._done or self._pointer is None:
            return None
        choosing = self._press_corner is None and self._selection.isEmpty()
        dragging_a_corner = self._dragging and self._op in (_Op.NEW, _Op.RESIZE)
        return self._pointer if choosing or dragging_a_corner else None

    def _magnifier_anchor(self, pane: _QtFramePane) -> QPointF | None:
        """The point the magnifier keeps away from: the selection's far side while it is being dragged out."""
        if not self._dragging or self._selection.isEmpty():
            return None
        return pane.to_local(self._selection).center()

    def _pane_for(self, pane: _QtFramePane, event: QMouseEvent) -> _QtFramePane | None:
        """The pane under the event's point: the receiving one, or during a drag across, the one at its global point."""
        if pane.holds(event.position()):
            return pane
        return self._pane_at_global(event.globalPosition().toPoint())

    def _pane_at_global(self, point: QPoint) -> _QtFramePane | None:
        for pane in self.panes:
            if pane.geometry().contains(point):
                return pane
        return None

    def _corner(self, pane: _QtFramePane, event: QMouseEvent) -> QPoint:
        target = self._pane_for(pane, event)
        if target is None or target is pane:
            corner = pane.corner_at(event.position())
        else:
            corner = target.corner_at(target.mapFromGlobal(event.globalPosition()))
        return QPoint(
            min(max(corner.x(), 0), self._frame_rect.width()), min(max(corner.y(), 0), self._frame_rect.height())
        )

    def _pixel(self, pane: _QtFramePane, event: QMouseEvent) -> tuple[QPoint, float]:
        """The frame pixel under the event's point, and the ratio of the pane it is on."""
        target = self._pane_for(pane, event)
        if target is None or target is pane:
            return pane.pixel_at(event.position()), pane.dpr
        return target.pixel_at(target.mapFromGlobal(event.globalPosition())), target.dpr

    def _on_selection(self, pixel: QPoint, dpr: float) -> bool:
        """Whether a pixel is on the selection or just around it: a drag ends one pixel outside, on its corner."""
        slack = math.ceil(_EDGE_SLACK * dpr)
        return not self._selection.isEmpty() and self._selection.adjusted(-slack, -slack, slack, slack).contains(pixel)

    def _window_at(self, pixel: QPoint, dpr: float) -> int | None:
        if self._on_selection(pixel, dpr):
            return None  # a click there keeps the selection, so nothing else is offered
        for index, (rect, _title) in enumerate(self._windows):
            if rect.contains(pixel):
                return index
        return None

    def _set_hovered(self, index: int | None) -> None:
        if index != self._hovered:
            self._hovered = index
            self._repaint()

    def _set_hint_pane(self, pane: _QtFramePane) -> None:
        if pane is not self.hint_pane:
            old, self.hint_pane = self.hint_pane, pane
            old.update()
            pane.update()

    def _label_pane(self) -> _QtFramePane | None:
        top_left = self._selection.topLeft()
        for pane in self.panes:
            if pane.monitor.contains(top_left):
                return pane
        return next((p for p in self.panes if p.monitor.intersects(self._selection)), None)

    def _repaint(self) -> None:
        for pane in self.panes:
            pane.update()

    def _hide_all(self) -> None:
        self._end_press()
        for pane in self.panes:
            pane.hide()


_MAGNIFIER_PX = MAGNIFIER_CELLS * MAGNIFIER_ZOOM


def _size_text(selection: QRect) -> str:
    return f"{selection.width()} \u00d7 {selection.height()}"


def _position_text(pixel: QPoint) -> str:
    return f"x {pixel.x()}   y {pixel.y()}"


def _magnifier_text_height(font: QFont) -> int:
    return QFontMetrics(font).height() + 8


def _resized(start: QRect, handle: str, offset: QPoint) -> QRect:
    """``start`` with the edges that ``handle`` names moved by ``offset`` (dragged past the opposite edge, it flips).

    The offset, not the cursor's place, moves the edge, so grabbing a handle a little off its line does not jump.
    """
    left, top, right, bottom = start.x(), start.y(), start.x() + start.width(), start.y() + start.height()
    if "w" in handle:
        left += offset.x()
    if "e" in handle:
        right += offset.x()
    if "n" in handle:
        top += offset.y()
    if "s" in handle:
        bottom += offset.y()
    return _corners(QPoint(left, top), QPoint(right, bottom))


def _corners(a: QPoint, b: QPoint) -> QRect:
    """The rectangle between two pixel corners: ``(0, 0)`` and ``(3, 2)`` give 3x2 pixels; equal corners give none."""
    left, right = sorted((a.x(), b.x()))
    top, bottom = sorted((a.y(), b.y()))
    return QRect(left, top, right - left, bottom - top)


def _layout(grab: Grab, dprs: Sequence[float] | None) -> list[_PaneSpec]:
    """One pane per monitor that the frame touches; a single pane over the frame itself if none does."""
    monitors = [Rect(m.left, m.top, m.width, m.height) for m in grab.monitors]
    if dprs is not None and (len(dprs) != len(monitors) or not monitors or not all(d > 0 for d in dprs)):
        raise ValueError(f"need one positive device pixel ratio per monitor ({len(monitors)}), got {list(dprs)}")
    frame = QRect(0, 0, grab.width, grab.height)
    specs: list[_PaneSpec] = []
    for index, monitor in enumerate(monitors):
        on_frame = _on_frame(monitor, grab)
        if on_frame.intersects(frame):
            specs.append(_spec(monitor, on_frame, None if dprs is None else dprs[index]))
    if not specs:
        specs.append(_spec(grab.area, frame, None if not dprs else dprs[0]))
    return specs


def frame_rect_of(rect: Rect, grab: Grab) -> QRect:
    """A rectangle on the virtual desktop (a window's, as the window list gives it) in the grab's frame pixels,
    clipped to the frame; empty when it is off the frame."""
    return _on_frame(rect, grab).intersected(QRect(0, 0, grab.width, grab.height))


def _on_frame(rect: Rect, grab: Grab) -> QRect:
    """A desktop rectangle in frame pixels: shifted by the grab's place, scaled on macOS Retina (points to pixels)."""
    area = grab.area
    sx, sy = grab.width / area.width, grab.height / area.height
    left, top = round((rect.left - area.left) * sx), round((rect.top - area.top) * sy)
    return QRect(left, top, round(rect.width * sx), round(rect.height * sy))


def _spec(monitor: Rect, on_frame: QRect, dpr: float | None) -> _PaneSpec:
    screen = _screen_of(monitor, on_frame)
    if dpr is None:
        dpr = screen.devicePixelRatio() if screen is not None else 1.0
        if screen is not None:
            return _PaneSpec(on_frame, dpr, screen.geometry(), screen, full_screen=True)
    if screen is None:
        screen = QGuiApplication.screenAt(QPoint(monitor.left, monitor.top))
    size = (math.ceil(on_frame.width() / dpr), math.ceil(on_frame.height() / dpr))
    return _PaneSpec(on_frame, dpr, QRect(monitor.left, monitor.top, *size), screen, full_screen=False)


def _screen_of(monitor: Rect, on_frame: QRect) -> QScreen | None:
    """The Qt screen showing ``monitor``: the same top-left, and a logical size that times its ratio fills it."""
    for screen in QGuiApplication.screens():
        g, d = screen.geometry(), screen.devicePixelRatio()
        if (g.x(), g.y()) == (monitor.left, monitor.top) and (
            abs(g.width() * d - on_frame.width()) <= d and abs(g.height() * d - on_frame.height()) <= d
        ):
            return screen
    return None
