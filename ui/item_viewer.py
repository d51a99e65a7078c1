"""One item at full resolution, with zoom and pan, beside its times, digests and context.

The image is painted by the viewer itself (:class:`ui.image_canvas.QtImageCanvas`): there is no context menu
and no copy of the image; only the digests are selectable text. :meth:`QtItemViewer.clear` drops the image,
its blur and every decrypted detail, and the app calls it on lock.

As a window of its own (issue 11) it opens sized to the screen, with the image fitted to it (it used to open at
374x103 pixels, the image at 5 %), says which item it shows in its title, and Esc closes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QShowEvent, QWheelEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from evidence.capture.items import ItemFacts
from evidence.core.text import clean_line, clean_text
from evidence.core.timefmt import local_time_text
from ui.digest_text import QtDigestText
from ui.image_canvas import QtImageCanvas
from ui.item_pixels import decode_image
from ui.item_text import context_rows, dimensions_text, is_digest, kind_words
from ui.widget_helpers import SHOWN_TEXT_LIMIT, plain_label, tell_scroll_area
from ui.window_fit import fit_to_screen

ZOOM_MIN = 0.05
ZOOM_MAX = 16.0
ZOOM_STEP = 1.25
PREFERRED_SIZE = QSize(1400, 950)
"""The viewer window's size where the screen has room; smaller screens get it fitted."""


class QtItemViewer(QWidget):
    """One item at full resolution, with zoom and pan, beside its times, digests and context.

    Zoom with Ctrl + wheel or the buttons; pan with the scroll bars or by dragging. The image is painted by the
    viewer itself: there is no context menu and no copy of the image; the digests are selectable text.

    Attributes:
        zoom_out_button: zoom out one step.
        zoom_in_button: zoom in one step.
        fit_button: fit the whole image in the view (never enlarged).
        actual_size_button: one image pixel per screen pixel.
        zoom_label: the current zoom, in percent.
        reveal_button: reveal a blurred image (or blur it again).
        message_label: shown instead of the image: nothing to show, or an image Qt cannot read.
        scroll_area: scrolls the image.
        canvas: paints the image.
        title_label: "Item N · kind".
        details_layout: the side panel's sections and rows, one under another.
        detail_fields: the value widget of each row by its label (a QLabel, or a selectable text for a digest).
        row: the item shown, or None.
        fit_mode: True while the zoom follows the view's size.

    Signals:
        zoom_changed(float): the scale changed (1.0 is 100%).
        redact_requested(int): the reviewer pressed **Redact…** for the item shown (its number).
    """

    zoom_changed = Signal(float)
    redact_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, blur_by_default: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("item_viewer")
        self.row: ItemFacts | None = None
        self.fit_mode = True
        self._placed = False
        self._blur_by_default = blur_by_default
        self._drag_from: QPoint | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(6, 6, 6, 0)
        self.zoom_out_button = self._tool_button("−", "Zoom out (or Ctrl + wheel)", "zoom_out_button")
        self.zoom_in_button = self._tool_button("+", "Zoom in (or Ctrl + wheel)", "zoom_in_button")
        self.fit_button = self._tool_button("Fit", "Show the whole image", "fit_button")
        self.actual_size_button = self._tool_button("100%", "One image pixel per screen pixel", "actual_size_button")
        self.zoom_label = plain_label("", self, "zoom_label")
        self.zoom_label.setMinimumWidth(90)
        for widget in (self.zoom_out_button, self.zoom_in_button, self.fit_button, self.actual_size_button):
            toolbar.addWidget(widget)
        toolbar.addWidget(self.zoom_label)
        toolbar.addStretch(1)
        self.reveal_button = QPushButton("Reveal", self)
        self.reveal_button.setObjectName("reveal_button")
        self.reveal_button.setToolTip("This image is blurred. Reveal it only if you need to see it.")
        toolbar.addWidget(self.reveal_button)
        self.redact_button = QPushButton("Redact…", self)
        self.redact_button.setObjectName("redact_button")
        self.redact_button.setToolTip("Make a redacted copy: black out other people's names and faces")
        self.redact_button.setVisible(False)
        self.redact_button.clicked.connect(lambda: self.redact_requested.emit(self.row.seq) if self.row else None)
        toolbar.addWidget(self.redact_button)
        self._redactable = False
        layout.addLayout(toolbar)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)
        image_side = QWidget(splitter)
        image_layout = QVBoxLayout(image_side)
        image_layout.setContentsMargins(0, 0, 0, 0)
        self.message_label = plain_label("No item shown", image_side, "message_label")
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        image_layout.addWidget(self.message_label)
        self.scroll_area = QScrollArea(image_side)
        self.scroll_area.setObjectName("image_scroll_area")
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll_area.setWidgetResizable(False)
        self.scroll_area.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.canvas = QtImageCanvas(self.scroll_area)
        self.scroll_area.setWidget(self.canvas)
        image_layout.addWidget(self.scroll_area)
        splitter.addWidget(image_side)

        panel = QScrollArea(splitter)
        panel.setObjectName("details_panel")
        panel.setWidgetResizable(True)
        panel.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        panel.setMinimumWidth(300)
        details = QWidget(panel)
        details_layout = QVBoxLayout(details)
        self.title_label = plain_label("", details, "title_label")
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title_label.setFont(font)
        self.title_label.setWordWrap(True)
        details_layout.addWidget(self.title_label)
        self.details_layout = QVBoxLayout()
        self.details_layout.setSpacing(2)
        details_layout.addLayout(self.details_layout)
        details_layout.addStretch(1)
        self.detail_fields: dict[str, QWidget] = {}
        self._panel = panel  # before the filter is installed: it reads this on the first event
        panel.setWidget(details)
        details.installEventFilter(self)
        splitter.addWidget(panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter, 1)

        self.zoom_out_button.clicked.connect(self.zoom_out)
        self.zoom_in_button.clicked.connect(self.zoom_in)
        self.fit_button.clicked.connect(self.fit)
        self.actual_size_button.clicked.connect(self.actual_size)
        self.reveal_button.clicked.connect(self._on_reveal_clicked)
        self.scroll_area.installEventFilter(self)
        self.scroll_area.viewport().installEventFilter(self)
        self.canvas.installEventFilter(self)
        self.clear()

    def _tool_button(self, text: str, tip: str, name: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setObjectName(name)
        button.setAccessibleName(tip)
        button.setMinimumWidth(36)
        return button

    # --- properties ---

    @property
    def blur_by_default(self) -> bool:
        """True to blur each item as it is shown, until Reveal is pressed."""
        return self._blur_by_default

    @blur_by_default.setter
    def blur_by_default(self, blur: bool) -> None:
        self._blur_by_default = blur
        self.blurred = blur

    @property
    def blurred(self) -> bool:
        """True while the image is shown blurred."""
        return self.canvas.blurred

    @blurred.setter
    def blurred(self, blur: bool) -> None:
        self.canvas.blurred = blur
        self.canvas.update()
        self._update_controls()

    def zoom(self) -> float:
        """The current scale (1.0 is 100%)."""
        return self.canvas.scale

    # --- model in ---

    def set_item(
        self, row: ItemFacts, image_bytes: bytes, context: Mapping[str, Any], notes: Mapping[str, str]
    ) -> None:
        """Show one item: decode its image in memory, fit it, and list its details. Blurred if blurring by default."""
        self.row = row
        self.setWindowTitle(f"Item {row.seq} of {row.ref} — Evidence Capture")
        image = decode_image(image_bytes)
        self.canvas.set_image(None if image.isNull() else image)
        self.message_label.setText("Cannot show this image: it is not a PNG or JPEG that can be read")
        self.message_label.setVisible(image.isNull())
        self.scroll_area.setVisible(not image.isNull())
        self._fill_details(row, context, notes)
        self.blurred = self._blur_by_default
        self.fit()

    def clear(self) -> None:
        """Drop the image, its blur and every detail (called on lock)."""
        self.row = None
        self.setWindowTitle("Item — Evidence Capture")
        self.canvas.set_image(None)
        self.canvas.blurred = self._blur_by_default
        self._clear_details()
        self.title_label.setText("")
        self.message_label.setText("No item shown")
        self.message_label.show()
        self.scroll_area.hide()
        self._drag_from = None
        self._update_controls()

    # --- zoom ---

    def zoom_in(self) -> None:
        """Zoom in one step."""
        self.set_zoom(self.zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        """Zoom out one step."""
        self.set_zoom(self.zoom() / ZOOM_STEP)

    def actual_size(self) -> None:
        """One image pixel per screen pixel."""
        self.set_zoom(1.0)

    def fit(self) -> None:
        """Show the whole image, shrunk to the view if needed (never enlarged); keep fitting as the view resizes."""
        image = self.canvas.image
        self.fit_mode = True
        if image is None:
            self._apply_zoom(1.0, None)
            return
        room = self.scroll_area.maximumViewportSize()
        scale = min(1.0, room.width() / image.width(), room.height() / image.height())
        self._apply_zoom(max(ZOOM_MIN, scale), None)

    def set_zoom(self, scale: float, anchor: QPointF | None = None) -> None:
        """Zoom to ``scale`` (clamped), keeping the image point under ``anchor`` (viewport coordinates) still."""
        self.fit_mode = False
        self._apply_zoom(scale, anchor)

    def _apply_zoom(self, scale: float, anchor: QPointF | None) -> None:
        scale = min(ZOOM_MAX, max(ZOOM_MIN, scale))
        old = self.canvas.scale
        hbar = self.scroll_area.horizontalScrollBar()
        vbar = self.scroll_area.verticalScrollBar()
        if anchor is None:
            viewport = self.scroll_area.viewport()
            anchor = QPointF(viewport.width() / 2, viewport.height() / 2)
        point_x = (hbar.value() + anchor.x()) / old
        point_y = (vbar.value() + anchor.y()) / old
        self.canvas.set_scale(scale)
        hbar.setValue(round(point_x * scale - anchor.x()))
        vbar.setValue(round(point_y * scale - anchor.y()))
        self._update_controls()
        if scale != old:
            self.zoom_changed.emit(scale)

    def _update_controls(self) -> None:
        has_image = self.canvas.image is not None
        percent = f"{self.canvas.scale * 100:.0f}%"
        self.zoom_label.setText(("Fit · " + percent if self.fit_mode else percent) if has_image else "")
        for button in (self.zoom_out_button, self.zoom_in_button, self.fit_button, self.actual_size_button):
            button.setEnabled(has_image)
        self.zoom_out_button.setEnabled(has_image and self.canvas.scale > ZOOM_MIN)
        self.zoom_in_button.setEnabled(has_image and self.canvas.scale < ZOOM_MAX)
        self.reveal_button.setVisible(has_image and (self.canvas.blurred or self._blur_by_default))
        self.reveal_button.setText("Blur again" if not self.canvas.blurred else "Reveal")
        self.redact_button.setVisible(has_image and self._redactable)

    def set_redactable(self, redactable: bool) -> None:
        """Offer **Redact…** (the reviewer's viewer of a verified bundle)."""
        self._redactable = redactable
        self._update_controls()

    def _on_reveal_clicked(self) -> None:
        self.blurred = not self.blurred

    # --- the side panel ---

    def _clear_details(self) -> None:
        self.detail_fields.clear()
        while (item := self.details_layout.takeAt(0)) is not None:
            widget = item.widget()
            if isinstance(widget, QLabel | QPlainTextEdit):
                widget.clear()  # the decrypted text goes now, not when Qt gets round to deleting the widget
            if widget is not None:
                widget.hide()
                widget.deleteLater()

    def _section(self, text: str) -> None:
        label = plain_label(text, self, "section_label")
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        label.setContentsMargins(0, 10, 0, 2)
        self.details_layout.addWidget(label)
        label.show()  # now, not queued: the scroll area must see the new height at once

    def _row(self, label_text: str, value: str) -> QWidget:
        label_text, value = clean_line(label_text), clean_text(value, limit=SHOWN_TEXT_LIMIT)  # both from outside
        label = plain_label(label_text, self, "detail_label")
        label.setStyleSheet("color: palette(placeholder-text);")
        field: QWidget
        if is_digest(value):
            field = QtDigestText(value, self)
        else:
            text_label = plain_label(value, self, "detail_value")
            text_label.setWordWrap(True)
            text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text_label.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
            text_label.setToolTip(value if len(value) > 40 else "")
            field = text_label
        field.setAccessibleName(label_text)
        field.setContentsMargins(0, 0, 0, 4)
        self.details_layout.addWidget(label)
        self.details_layout.addWidget(field)
        label.show()  # now, not queued: the scroll area must see the new height at once
        field.show()
        self.detail_fields[label_text] = field
        return field

    def _fill_details(self, row: ItemFacts, context: Mapping[str, Any], notes: Mapping[str, str]) -> None:
        self._clear_details()
        self.title_label.setText(clean_line(f"Item {row.seq} · {kind_words(row)}"))
        self._section("Item")
        self._row("Reference", row.item_id)
        self._row("Stored (UTC)", row.created_utc)
        self._row("Stored (local time)", local_time_text(row.created_utc))
        trusted = notes.get("trusted_time", "")
        if trusted:
            self._row("Trusted time", trusted)
        self._row("Size", dimensions_text(row))
        self._row("Media type", row.media_type)
        caption = notes.get("caption", "")
        if caption:
            self._row("Caption", caption)
        if row.excluded:
            self._row("Excluded", notes.get("excluded_reason") or "Yes (no reason recorded)")
        self._section("Digests")
        self._row("SHA-256 of the file", row.sha256)
        self._row("SHA-256 of the pixels", row.pixels_sha256 or "Not recorded")
        self._section(
            {"received": "How it was received", "derived": "How it was cropped"}.get(row.kind, "How it was captured")
        )
        for label_text, value in context_rows(context):
            self._row(label_text, value)

    # --- as a window ---

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """As a window: the first time, size it to the screen; every time, fit the image once laid out."""
        if self.isWindow() and not self._placed:
            self._placed = True
            fit_to_screen(self, PREFERRED_SIZE, share=0.9)
        super().showEvent(event)
        if self.fit_mode:
            QTimer.singleShot(0, self, self.fit)  # after the layout has given the image its room

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Esc closes the viewer's window."""
        if event.key() == Qt.Key.Key_Escape and self.isWindow():
            self.close()
            return
        super().keyPressEvent(event)

    # --- zoom and pan by mouse ---

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Ctrl + wheel zooms about the pointer; dragging pans; resizing keeps a fitted image fitted."""
        kind = event.type()
        if watched is self._panel.widget() and kind == QEvent.Type.LayoutRequest:
            tell_scroll_area(self._panel)
        elif watched is self.scroll_area and kind == QEvent.Type.Resize and self.fit_mode:
            self.fit()
        elif watched in (self.canvas, self.scroll_area.viewport()) and self.canvas.image is not None:
            if kind == QEvent.Type.Wheel and isinstance(event, QWheelEvent):
                if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                    steps = event.angleDelta().y() / 120
                    if steps:
                        anchor = self.scroll_area.viewport().mapFromGlobal(event.globalPosition())
                        self.set_zoom(self.zoom() * ZOOM_STEP**steps, anchor)
                    return True
            elif kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
                if event.button() == Qt.MouseButton.LeftButton:
                    self._drag_from = event.globalPosition().toPoint()
                    self.canvas.setCursor(Qt.CursorShape.ClosedHandCursor)
                    return True
            elif kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent) and self._drag_from is not None:
                now = event.globalPosition().toPoint()
                delta = now - self._drag_from
                self._drag_from = now
                hbar = self.scroll_area.horizontalScrollBar()
                vbar = self.scroll_area.verticalScrollBar()
                hbar.setValue(hbar.value() - delta.x())
                vbar.setValue(vbar.value() - delta.y())
                return True
            elif kind == QEvent.Type.MouseButtonRelease and self._drag_from is not None:
                self._drag_from = None
                self.canvas.setCursor(Qt.CursorShape.OpenHandCursor)
                return True
        return super().eventFilter(watched, event)
