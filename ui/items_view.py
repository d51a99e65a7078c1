"""The items of one incident: a grid of tiles, the exclude dialog and the full-size viewer; views of vault item rows.

Pixels live only in memory, and only while the app is unlocked. A thumbnail is decoded from bytes the app hands
over (``QImage.fromData``), scaled down at once and kept as a small ``QImage`` in its tile; the full image is then
dropped. Nothing goes through ``QPixmapCache``, a file or the clipboard: the viewer paints its image itself, has no
context menu and no copy action, and only the digests can be selected as text. This matters most for the hard rule
that a nude image of a child never reaches disk, the clipboard or a thumbnail: such an incident is blocked before
capture, and even for any other incident no pixels outlive the view.

Locking works as in KeePassXC: :meth:`QtItemsView.set_locked` drops every thumbnail, every pixmap and every
decrypted note (captions and exclusion reasons), closes the exclude dialog, and leaves a neutral placeholder in
each tile; :meth:`QtItemViewer.clear` does the same for the viewer. The plain facts of a row (number, kind, time,
size, digest, excluded or not) stay, because the vault lists them without an unlock.

For reviewer wellbeing (the practice at Atlos), ``blur_by_default`` shows every image heavily blurred: it is shrunk
to a dozen pixels by area averaging, so no detail survives, and grown back smoothly. Each tile has its own Reveal
button, so revealing one item never reveals another, and a lock blurs them all again. Excluded items are greyed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QFontDatabase,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QResizeEvent,
    QTextOption,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from evidence.capture.items import ItemFacts
from evidence.core.timefmt import local_time_text

LOCKED_TEXT = "Locked — unlock to see"
"""What every tile shows in place of its image while the app is locked."""

THUMBNAIL_SIZE = QSize(232, 146)
"""The largest a thumbnail is drawn, in device-independent pixels."""

TILE_WIDTH = 260
_BLUR_CELLS = 12
"""A blurred image is first shrunk to this many pixels on its longer side."""

ZOOM_MIN = 0.05
ZOOM_MAX = 16.0
ZOOM_STEP = 1.25

KIND_WORDS = {"captured": "Captured", "received": "Received, not captured"}

CONTEXT_LABELS = {
    "context_format": "Context format",
    "kind": "Kind",
    "utc": "Captured (UTC)",
    "local_time": "Local time",
    "local_zone": "Time zone",
    "utc_offset": "UTC offset",
    "monotonic_ns": "Monotonic clock (ns)",
    "host": "Computer",
    "os_user": "User",
    "os": "Operating system",
    "app_version": "App version",
    "mode": "Capture mode",
    "desktop": "Whole desktop",
    "monitors": "Monitors",
    "captured": "Area captured",
    "window_title": "Window title",
    "window_process": "Process",
    "received_utc": "Received (UTC)",
    "provided_by": "Provided by",
    "how": "How it reached us",
    "original_name": "Original file name",
    "file_time_utc": "File time (UTC)",
    "media_type": "Media type",
    "size": "File size",
    "width": "Width",
    "height": "Height",
    "note": "Note",
    "derivation": "Derivation",
    "selection": "Chosen by",
    "derived_from": "Cropped from",
    "png_sha256": "SHA-256 of the file",
    "pixels_sha256": "SHA-256 of the pixels",
    "rect": "Rectangle",
    "rect_frame": "Rectangle in the original",
    "rect_desktop": "Rectangle on the desktop",
    "derived_utc": "Cropped (UTC)",
}
"""Friendly labels for the common keys of capture, received and derived contexts; others are shown as spelt."""

FIRST_KEYS = (
    "utc",
    "local_time",
    "local_zone",
    "mode",
    "window_title",
    "window_process",
    "received_utc",
    "provided_by",
    "how",
    "original_name",
    "derivation",
    "selection",
    "derived_from",
    "rect_frame",
    "derived_utc",
)
"""Context keys shown first in the viewer, in this order."""

_RECT_KEYS = ("left", "top", "width", "height")

_TILE_STYLE = """
QFrame#item_tile { background: palette(base); border: 1px solid palette(mid); border-radius: 6px; }
QFrame#item_tile:focus { border: 2px solid palette(highlight); }
QFrame#item_tile[excluded="true"] { background: palette(window); border: 1px dashed palette(mid); }
QFrame#item_tile[excluded="true"] QLabel { color: #7a7a7a; }
QLabel#image_label { background: #e4e4e4; color: #505050; border-radius: 4px; }
QLabel#kind_chip { border-radius: 8px; padding: 1px 7px; background: #e3ebfa; color: #173a75; }
QLabel#kind_chip[kind="received"] { background: #fdefd3; color: #5a3900; }
QLabel#kind_chip[kind="derived"] { background: #ede3f9; color: #44206f; }
QLabel#excluded_label { color: #6b2b2b; font-style: italic; }
"""


# --- formatting -------------------------------------------------------------------------------------------------


def kind_words(row: ItemFacts) -> str:
    """The item's kind as the user reads it: "Captured", "Received, not captured" or "Crop of item N"."""
    if row.kind == "derived":
        return "Crop" if row.parent_seq is None else f"Crop of item {row.parent_seq}"
    return KIND_WORDS.get(row.kind, row.kind.capitalize())


def file_size_text(size: int) -> str:
    """A byte count for people: "812 bytes", "245 KB", "3.4 MB"."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def dimensions_text(row: ItemFacts) -> str:
    """ "1920 × 1080 px · 245 KB", or the file size alone where the pixel size is unknown."""
    if row.width is None or row.height is None:
        return file_size_text(row.size)
    return f"{row.width} × {row.height} px · {file_size_text(row.size)}"


def context_label(key: str) -> str:
    """The friendly label of a context key."""
    return CONTEXT_LABELS.get(key, key.replace("_", " ").capitalize())


def _is_rect(value: object) -> bool:
    return isinstance(value, Mapping) and all(isinstance(value.get(k), int) for k in _RECT_KEYS)


def _is_digest(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def context_value_text(key: str, value: object) -> str:
    """One context value as text: rectangles as "W × H at (X, Y)", monitors one per line, None as "Not recorded"."""
    if value is None:
        return "Not recorded"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if _is_rect(value):
        assert isinstance(value, Mapping)
        text = f"{value['width']} × {value['height']} at ({value['left']}, {value['top']})"
        scale = value.get("scale")
        return text if scale is None else f"{text}, scale {scale}"
    if isinstance(value, Mapping):
        return "\n".join(f"{context_label(str(k))}: {context_value_text(str(k), v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        if not value:
            return "None"
        return "\n".join(f"{number}: {context_value_text(key, v)}" for number, v in enumerate(value, 1))
    if key == "size" and isinstance(value, int):
        return f"{file_size_text(value)} ({value} bytes)"
    return str(value)


def context_rows(context: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The context as (label, text) rows; nested records other than rectangles are flattened.

    The keys a reviewer looks for first (:data:`FIRST_KEYS`: when, how, which window, who provided it) come first;
    the rest follow in the context's own order.
    """
    rank = {key: index for index, key in enumerate(FIRST_KEYS)}
    keys = sorted(context, key=lambda k: rank.get(k, len(rank)))  # a stable sort keeps the others in order
    rows: list[tuple[str, str]] = []
    for key in keys:
        value = context[key]
        if isinstance(value, Mapping) and value and not _is_rect(value):
            for sub_key, sub_value in value.items():
                label = f"{context_label(key)} · {context_label(str(sub_key))}"
                rows.append((label, context_value_text(str(sub_key), sub_value)))
        else:
            rows.append((context_label(key), context_value_text(key, value)))
    return rows


# --- pixels -----------------------------------------------------------------------------------------------------


def blurred(image: QImage, size: QSize) -> QImage:
    """``image`` so blurred that no detail survives, at ``size``.

    It is shrunk to :data:`_BLUR_CELLS` pixels on its longer side by area averaging, then grown back in smooth
    doublings, which looks like a soft wash of the image's colours rather than a mosaic.
    """
    small = image.scaled(
        QSize(_BLUR_CELLS, _BLUR_CELLS), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    while small.width() * 2 < size.width() and small.height() * 2 < size.height():
        small = small.scaled(
            small.size() * 2, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    return small.scaled(size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)


def greyed(image: QImage) -> QImage:
    """``image`` in faded grey, for an excluded item."""
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    out = QImage(image.size(), QImage.Format.Format_RGB32)
    out.fill(Qt.GlobalColor.white)
    painter = QPainter(out)
    painter.setOpacity(0.55)
    painter.drawImage(0, 0, grey)
    painter.end()
    return out


def decode_image(image_bytes: bytes) -> QImage:
    """Decode image bytes in memory; a null image if they are not an image Qt can read."""
    return QImage.fromData(image_bytes)


def _tell_scroll_area(scroll_area: QScrollArea) -> None:
    """Make a scroll area re-read its widget's size after the widget's layout changed.

    A resizable scroll area only resizes its widget on its own layout request, and Qt does not pass one up when
    rows are added to the widget, so without this the rows get squeezed into the old height. Called on the widget's
    own layout request, before Qt handles it, so the layout is brought up to date first.
    """
    widget = scroll_area.widget()
    layout = None if widget is None else widget.layout()
    if layout is not None:
        layout.activate()
    QCoreApplication.sendEvent(scroll_area, QEvent(QEvent.Type.LayoutRequest))


def _mono(widget: QWidget) -> None:
    widget.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))


def _plain_label(text: str, parent: QWidget, object_name: str) -> QLabel:
    """A label that never interprets its text as rich text: window titles and captions come from outside."""
    label = QLabel(parent)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


# --- the exclude dialog -----------------------------------------------------------------------------------------


class QtExcludeDialog(QDialog):
    """Asks why an item is excluded; the Exclude button stays disabled until the reason has some text.

    Attributes:
        item_id: the item, as ``REF/N``.
        explanation_label: one sentence: the item stays in the record and the exclusion is logged.
        reason_edit: the reason, required.
        button_box: Exclude and Cancel.
        ok_button: the Exclude button.
    """

    def __init__(self, item_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item_id = item_id
        self.setObjectName("exclude_dialog")
        self.setWindowTitle(f"Exclude item {item_id}")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        self.explanation_label = _plain_label(
            f"Item {item_id} stays in the record unchanged and is only left out when the incident is sealed;"
            " the exclusion and your reason are written to the custody log.",
            self,
            "explanation_label",
        )
        self.explanation_label.setWordWrap(True)
        layout.addWidget(self.explanation_label)
        prompt = QLabel("Why is this item excluded?", self)
        layout.addWidget(prompt)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("reason_edit")
        self.reason_edit.setAccessibleName("Reason for excluding the item")
        self.reason_edit.setPlaceholderText("For example: a duplicate of item 2, or the wrong window")
        self.reason_edit.setMaxLength(500)
        prompt.setBuddy(self.reason_edit)
        layout.addWidget(self.reason_edit)
        self.button_box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.button_box.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Exclude")
        self.ok_button.setEnabled(False)
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)
        layout.addWidget(self.button_box)
        self.reason_edit.textChanged.connect(self._on_text_changed)

    def reason(self) -> str:
        """The reason as typed, without surrounding spaces."""
        return self.reason_edit.text().strip()

    def accept(self) -> None:
        """Close with Exclude, but only with a reason (Return in the field must not bypass the rule)."""
        if self.reason():
            super().accept()

    def _on_text_changed(self, _text: str) -> None:
        self.ok_button.setEnabled(bool(self.reason()))


# --- one tile ---------------------------------------------------------------------------------------------------


class _ItemTile(QFrame):
    """One item in the grid. Private: :class:`QtItemsView` owns the state and forwards the signals.

    Attributes:
        row: the item's row.
        thumbnail: the sharp thumbnail, in memory only; None while locked, before it arrives, or if it failed.
        decode_failed: the bytes given were not an image Qt can read.
        revealed: the user pressed Reveal on this tile (only meaningful while blurring).

    Signals:
        open_requested(int): double-click or Return on the tile.
        exclude_clicked(int): the Exclude… button.
        caption_edited(int, str): the caption changed and editing finished.
    """

    open_requested = Signal(int)
    exclude_clicked = Signal(int)
    caption_edited = Signal(int, str)

    def __init__(self, row: ItemFacts, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("item_tile")
        self.setFixedWidth(TILE_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Maximum)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.row = row
        self.thumbnail: QImage | None = None
        self.decode_failed = False
        self.revealed = False
        self._caption = ""
        self._reason: str | None = None
        self._locked = True
        self._blur = False
        self._editable = True

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(4)

        header = QHBoxLayout()
        self.number_label = _plain_label("", self, "number_label")
        font = self.number_label.font()
        font.setBold(True)
        self.number_label.setFont(font)
        header.addWidget(self.number_label)
        header.addStretch(1)
        self.kind_label = _plain_label("", self, "kind_chip")
        header.addWidget(self.kind_label, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(header)

        self.image_label = _plain_label("", self, "image_label")
        self.image_label.setFixedSize(THUMBNAIL_SIZE)
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_label.setWordWrap(True)
        self.image_label.setAccessibleName("Image")
        overlay = QVBoxLayout(self.image_label)
        overlay.setContentsMargins(6, 6, 6, 6)
        overlay.addStretch(1)
        self.reveal_button = QPushButton("Reveal", self.image_label)
        self.reveal_button.setObjectName("reveal_button")
        self.reveal_button.setToolTip("This image is blurred. Reveal it only if you need to see it.")
        self.reveal_button.setCursor(Qt.CursorShape.PointingHandCursor)
        overlay.addWidget(self.reveal_button, 0, Qt.AlignmentFlag.AlignHCenter)
        overlay.addStretch(1)
        self._overlay = overlay
        layout.addWidget(self.image_label, 0, Qt.AlignmentFlag.AlignHCenter)

        self.time_label = _plain_label("", self, "time_label")
        layout.addWidget(self.time_label)
        self.size_label = _plain_label("", self, "size_label")
        layout.addWidget(self.size_label)
        self.digest_label = _plain_label("", self, "digest_label")
        _mono(self.digest_label)
        layout.addWidget(self.digest_label)
        self.excluded_label = _plain_label("", self, "excluded_label")
        self.excluded_label.setWordWrap(True)
        layout.addWidget(self.excluded_label)

        self.caption_edit = QLineEdit(self)
        self.caption_edit.setObjectName("caption_edit")
        self.caption_edit.setMaxLength(300)
        self.caption_edit.setClearButtonEnabled(True)
        layout.addWidget(self.caption_edit)

        footer = QHBoxLayout()
        footer.addStretch(1)
        self.exclude_button = QPushButton("Exclude…", self)
        self.exclude_button.setObjectName("exclude_button")
        self.exclude_button.setToolTip("Leave this item out of the sealed bundle (it stays in the record)")
        footer.addWidget(self.exclude_button)
        layout.addLayout(footer)

        self.reveal_button.clicked.connect(self._on_reveal_clicked)
        self.exclude_button.clicked.connect(lambda: self.exclude_clicked.emit(self.row.seq))
        self.caption_edit.editingFinished.connect(self._on_caption_finished)
        self.set_row(row)

    # --- state from the view ---

    def set_row(self, row: ItemFacts) -> None:
        """Show a (possibly updated) row of the same item."""
        if row.sha256 != self.row.sha256:
            self.thumbnail = None
            self.decode_failed = False
            self.revealed = False
        self.row = row
        self.number_label.setText(f"Item {row.seq}")
        self.kind_label.setText(kind_words(row))
        self.kind_label.setProperty("kind", row.kind)
        self.time_label.setText(local_time_text(row.created_utc))
        self.time_label.setToolTip(f"Stored {row.created_utc} (UTC)")
        self.size_label.setText(dimensions_text(row))
        self.digest_label.setText(f"SHA-256 {row.sha256[:12]}…")
        self.digest_label.setToolTip(f"SHA-256 of the file:\n{row.sha256}")
        self.setProperty("excluded", row.excluded)
        self.setAccessibleName(f"Item {row.seq}, {kind_words(row)}")
        for widget in (self, *self.findChildren(QLabel)):
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        self._refresh()

    def set_notes(self, caption: str, reason: str | None) -> None:
        """Show the decrypted caption and exclusion reason (only called while unlocked)."""
        self._caption = caption
        self._reason = reason
        self.caption_edit.setText(caption)
        self._refresh()

    def set_locked(self, locked: bool) -> None:
        """Lock: drop the pixels and the decrypted notes. Unlock: wait for thumbnails and notes again."""
        if locked and not self._locked:
            self._commit_caption()
        self._locked = locked
        if locked:
            self.thumbnail = None
            self.decode_failed = False
            self.revealed = False
            self._caption = ""
            self._reason = None
            self.caption_edit.clear()  # clear() never emits editingFinished
        self._refresh()

    def set_blur(self, blur: bool) -> None:
        """Blur (again) or stop blurring; a change always forgets an earlier Reveal."""
        self._blur = blur
        self.revealed = False
        self._refresh()

    def set_editable(self, editable: bool) -> None:
        """Allow or refuse caption edits and exclusion (refused once the incident is sealed)."""
        self._editable = editable
        self._refresh()

    def set_thumbnail(self, image: QImage | None) -> None:
        """Keep a thumbnail (already scaled), or None when the bytes could not be decoded."""
        self.thumbnail = image
        self.decode_failed = image is None
        self._refresh()

    def needs_thumbnail(self) -> bool:
        """True when a thumbnail could be shown but has not arrived."""
        return not self.row.shredded and self.thumbnail is None and not self.decode_failed

    # --- drawing ---

    def _refresh(self) -> None:
        row = self.row
        label = self.image_label
        label.clear()
        showing = False
        if row.shredded:
            label.setText("Shredded after sealing: the sealed bundle holds it")
        elif self._locked:
            label.setText(LOCKED_TEXT)
        elif self.thumbnail is None:
            label.setText("Cannot show this image" if self.decode_failed else "Loading…")
        else:
            image = greyed(self.thumbnail) if row.excluded else self.thumbnail
            if self._blur and not self.revealed:
                image = blurred(image, image.size())
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(self.thumbnail.devicePixelRatio())
            label.setPixmap(pixmap)
            showing = True
        self.reveal_button.setVisible(showing and self._blur)
        self.reveal_button.setText("Blur again" if self.revealed else "Reveal")
        self._overlay.setStretch(2, 0 if self.revealed else 1)

        if row.excluded:
            if self._reason:
                text = f"Excluded: {self._reason}"
            elif self._locked:
                text = "Excluded (unlock to see why)"
            else:
                text = "Excluded"
            self.excluded_label.setText(text)
        self.excluded_label.setVisible(row.excluded)

        can_edit = self._editable and not self._locked and not row.shredded
        self.caption_edit.setEnabled(can_edit)
        self.caption_edit.setAccessibleName(f"Caption of item {row.seq}")
        if self._locked:
            self.caption_edit.setPlaceholderText("Unlock to see or edit the caption")
        elif not self._editable:
            self.caption_edit.setPlaceholderText("No caption")
        else:
            self.caption_edit.setPlaceholderText("Add a caption")
        self.exclude_button.setVisible(not row.excluded)
        self.exclude_button.setEnabled(can_edit)

    # --- user input ---

    def _on_reveal_clicked(self) -> None:
        self.revealed = not self.revealed
        self._refresh()

    def _commit_caption(self) -> None:
        text = self.caption_edit.text().strip()
        if text != self._caption:
            self._caption = text
            self.caption_edited.emit(self.row.seq, text)

    def _on_caption_finished(self) -> None:
        if not self._locked and self._editable:
            self._commit_caption()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        """Open the item."""
        if event.button() == Qt.MouseButton.LeftButton and not self.row.shredded:
            self.open_requested.emit(self.row.seq)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Return or Enter on a focused tile opens it, as a double-click does."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.row.shredded:
            self.open_requested.emit(self.row.seq)
            event.accept()
            return
        super().keyPressEvent(event)


# --- the grid ---------------------------------------------------------------------------------------------------


class QtItemsView(QWidget):
    """The items of one incident as a grid of tiles: a view of its items' :class:`~evidence.capture.items.ItemFacts`.

    The view holds no pixels while locked and never writes any: thumbnails arrive as bytes through
    :meth:`set_thumbnail` after :attr:`thumbnails_wanted`, and edits go back to the app as signals.

    Attributes:
        status_label: one line above the grid: the count, and what locking or blurring means right now.
        scroll_area: scrolls the grid.
        empty_label: shown instead of tiles when the incident has no items.
        tiles: the tiles by item number.
        exclude_dialog: the open exclude dialog, or None.

    Signals:
        open_requested(int): the user double-clicked an item (or pressed Return on it); the argument is its seq.
        exclude_requested(int, str): the user gave a reason to exclude the item.
        caption_edited(int, str): the user changed an item's caption (emitted once per change).
        thumbnails_wanted(): items are shown while unlocked and some thumbnails are missing; see
            :meth:`missing_thumbnails`.
    """

    open_requested = Signal(int)
    exclude_requested = Signal(int, str)
    caption_edited = Signal(int, str)
    thumbnails_wanted = Signal()

    def __init__(
        self,
        rows: Sequence[ItemFacts] = (),
        parent: QWidget | None = None,
        *,
        locked: bool = True,
        blur_by_default: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("items_view")
        self.setStyleSheet(_TILE_STYLE)
        self.tiles: dict[int, _ItemTile] = {}
        self.exclude_dialog: QtExcludeDialog | None = None
        self._locked = locked
        self._blur = blur_by_default
        self._editable = True
        self._columns = 0

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.status_label = _plain_label("", self, "status_label")
        self.status_label.setWordWrap(True)
        self.status_label.setContentsMargins(6, 4, 6, 0)
        layout.addWidget(self.status_label)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("scroll_area")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.scroll_area)
        self._content = QWidget(self.scroll_area)
        self._content.setObjectName("items_content")
        self.scroll_area.setWidget(self._content)
        self._grid = QGridLayout(self._content)
        self._grid.setContentsMargins(6, 6, 6, 6)
        self._grid.setSpacing(10)
        self.empty_label = _plain_label(
            "No items yet. Capture the screen, or add a screenshot someone sent you.", self._content, "empty_label"
        )
        self.empty_label.setWordWrap(True)
        self.scroll_area.viewport().installEventFilter(self)
        self._content.installEventFilter(self)
        self.set_items(list(rows))

    # --- properties ---

    @property
    def locked(self) -> bool:
        """True while the app is locked: placeholders only, no pixels, no notes."""
        return self._locked

    @property
    def blur_by_default(self) -> bool:
        """True to show every image blurred until its own Reveal is pressed (for distressing categories)."""
        return self._blur

    @blur_by_default.setter
    def blur_by_default(self, blur: bool) -> None:
        self._blur = blur
        for tile in self.tiles.values():
            tile.set_blur(blur)
        self._update_status()

    # --- model in ---

    def set_items(self, rows: Sequence[ItemFacts]) -> None:
        """Show these items (one incident's), in item-number order, keeping what is known of unchanged items."""
        wanted = {row.seq: row for row in rows}
        for seq in [s for s in self.tiles if s not in wanted]:
            if self.exclude_dialog is not None and self.exclude_dialog.item_id == self.tiles[seq].row.item_id:
                self.exclude_dialog.reject()
            gone = self.tiles.pop(seq)
            self._grid.removeWidget(gone)
            gone.hide()
            gone.thumbnail = None  # drop its pixels now, not when Qt gets round to deleting it
            gone.image_label.clear()
            gone.deleteLater()
        for seq in sorted(wanted):
            tile = self.tiles.get(seq)
            if tile is None:
                tile = _ItemTile(wanted[seq], self._content)
                tile.set_blur(self._blur)
                tile.set_editable(self._editable)
                tile.set_locked(self._locked)
                tile.open_requested.connect(self.open_requested)
                tile.caption_edited.connect(self.caption_edited)
                tile.exclude_clicked.connect(self._ask_exclude)
                self.tiles[seq] = tile
            else:
                tile.set_row(wanted[seq])
        self.tiles = dict(sorted(self.tiles.items()))
        self._columns = 0
        self._relayout()
        self._update_status()
        self._want_thumbnails()

    def set_locked(self, locked: bool) -> None:
        """Lock (drop every image and decrypted note, close the exclude dialog) or unlock."""
        if locked and self.exclude_dialog is not None:
            self.exclude_dialog.reject()
        self._locked = locked
        for tile in self.tiles.values():
            tile.set_locked(locked)
        self._update_status()
        self._want_thumbnails()

    def set_editable(self, editable: bool) -> None:
        """Allow caption edits and exclusion (a draft) or not (a sealed incident)."""
        self._editable = editable
        for tile in self.tiles.values():
            tile.set_editable(editable)

    def set_thumbnail(self, seq: int, image_bytes: bytes) -> None:
        """Decode an item's image in memory and keep only a thumbnail; ignored while locked or for unknown items."""
        tile = self.tiles.get(seq)
        if tile is None or self._locked or tile.row.shredded:
            return
        image = decode_image(image_bytes)
        if image.isNull():
            tile.set_thumbnail(None)
            return
        ratio = self.devicePixelRatioF()
        box = THUMBNAIL_SIZE * ratio
        if image.width() > box.width() or image.height() > box.height():
            image = image.scaled(box, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
        image.setDevicePixelRatio(ratio)
        tile.set_thumbnail(image)

    def set_notes(self, seq: int, notes: Mapping[str, str]) -> None:
        """Show an item's decrypted notes: ``caption`` and ``excluded_reason``. Ignored while locked."""
        tile = self.tiles.get(seq)
        if tile is None or self._locked:
            return
        tile.set_notes(notes.get("caption", ""), notes.get("excluded_reason"))

    def missing_thumbnails(self) -> list[int]:
        """The items whose thumbnail could be shown but has not arrived (empty while locked)."""
        if self._locked:
            return []
        return [seq for seq, tile in self.tiles.items() if tile.needs_thumbnail()]

    # --- inside ---

    def _want_thumbnails(self) -> None:
        if self.missing_thumbnails():
            self.thumbnails_wanted.emit()

    def _update_status(self) -> None:
        count = len(self.tiles)
        excluded = sum(tile.row.excluded for tile in self.tiles.values())
        text = "1 item" if count == 1 else f"{count} items"
        if excluded:
            text += f", {excluded} excluded"
        if self._locked:
            text += ". Locked: unlock to see the images, captions and reasons."
        elif self._blur:
            text += ". Images are blurred: press Reveal on an item to see it."
        self.status_label.setText(text)
        self.status_label.setVisible(count > 0)  # the empty label says it all

    def _ask_exclude(self, seq: int) -> None:
        tile = self.tiles.get(seq)
        if tile is None or self._locked or self.exclude_dialog is not None:
            return
        dialog = QtExcludeDialog(tile.row.item_id, self)
        self.exclude_dialog = dialog
        dialog.accepted.connect(lambda: self.exclude_requested.emit(seq, dialog.reason()))
        dialog.finished.connect(lambda _result: self._forget_dialog(dialog))
        dialog.open()

    def _forget_dialog(self, dialog: QtExcludeDialog) -> None:
        if self.exclude_dialog is dialog:
            self.exclude_dialog = None
        dialog.deleteLater()

    def _relayout(self) -> None:
        spacing = self._grid.spacing()
        margins = self._grid.contentsMargins()
        usable = self.scroll_area.viewport().width() - margins.left() - margins.right() + spacing
        columns = max(1, usable // (TILE_WIDTH + spacing))
        if columns == self._columns:
            return
        self._columns = columns
        while self._grid.count():
            self._grid.takeAt(0)
        for index in range(self._grid.rowCount()):
            self._grid.setRowStretch(index, 0)
        for index in range(self._grid.columnCount()):
            self._grid.setColumnStretch(index, 0)
        if not self.tiles:
            self._grid.addWidget(self.empty_label, 0, 0, Qt.AlignmentFlag.AlignTop)
            self._grid.setRowStretch(1, 1)
            self._grid.setColumnStretch(0, 1)
            self.empty_label.show()
            return
        self.empty_label.hide()
        for index, tile in enumerate(self.tiles.values()):
            self._grid.addWidget(tile, index // columns, index % columns, Qt.AlignmentFlag.AlignTop)
            tile.show()  # now, not queued: the scroll area must see the new height at once
        rows = math.ceil(len(self.tiles) / columns)
        self._grid.setRowStretch(rows, 1)  # spare height goes below the tiles, never into them
        self._grid.setColumnStretch(columns, 1)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Reflow the grid when the visible width changes; let the scroll area know when the grid's size changes."""
        if watched is self.scroll_area.viewport() and event.type() == QEvent.Type.Resize:
            self._relayout()
        elif watched is self._content and event.type() == QEvent.Type.LayoutRequest:
            _tell_scroll_area(self.scroll_area)
        return super().eventFilter(watched, event)


# --- the viewer -------------------------------------------------------------------------------------------------


class _ImageCanvas(QWidget):
    """Paints one image at a scale, or its blur; it has no context menu, no copy and no drag.

    Attributes:
        image: the decoded image, in memory only, or None.
        blur_image: a tiny blurred copy of it, painted stretched while blurred, or None.
        scale: image pixels to device-independent pixels.
        blurred: paint the blur instead of the image.
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("image_canvas")
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.setAcceptDrops(False)
        self.image: QImage | None = None
        self.blur_image: QImage | None = None
        self.scale = 1.0
        self.blurred = False

    def set_image(self, image: QImage | None) -> None:
        """Hold this image (and make its blur), or drop both."""
        self.image = image
        self.blur_image = None if image is None else blurred(image, QSize(_BLUR_CELLS * 16, _BLUR_CELLS * 16))
        self.setCursor(Qt.CursorShape.OpenHandCursor if image is not None else Qt.CursorShape.ArrowCursor)
        self._resize()

    def set_scale(self, scale: float) -> None:
        """Draw the image at this scale."""
        self.scale = scale
        self._resize()

    def _resize(self) -> None:
        if self.image is None:
            self.setFixedSize(0, 0)
        else:
            size = self.image.size()
            self.setFixedSize(max(1, round(size.width() * self.scale)), max(1, round(size.height() * self.scale)))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """Draw the image scaled (smooth when shrunk, crisp pixels when enlarged), or its blur."""
        if self.image is None:
            return
        painter = QPainter(self)
        target = QRectF(0, 0, self.width(), self.height())
        if self.blurred and self.blur_image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(target, self.blur_image)
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.scale < 1.0)
            painter.drawImage(target, self.image)
        painter.end()


class _DigestText(QPlainTextEdit):
    """A full digest as selectable text that wraps anywhere, so copying it gives exactly the digest."""

    def __init__(self, text: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setPlainText(text)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.document().setDocumentMargin(0)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setStyleSheet("QPlainTextEdit { background: transparent; }")
        _mono(self)
        self._fit_height()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        """Grow or shrink to show every line of the wrapped digest."""
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        metrics = self.fontMetrics()
        margin = self.document().documentMargin()
        usable = max(1.0, self.viewport().width() - 2 * margin)
        per_line = max(1, int(usable // max(1, metrics.horizontalAdvance("0"))))
        lines = max(1, math.ceil(len(self.toPlainText()) / per_line))
        height = round(lines * metrics.lineSpacing() + 2 * margin + 2 * self.frameWidth()) + 2
        if self.height() != height:
            self.setFixedHeight(height)


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
    """

    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None, *, blur_by_default: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("item_viewer")
        self.row: ItemFacts | None = None
        self.fit_mode = True
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
        self.zoom_label = _plain_label("", self, "zoom_label")
        self.zoom_label.setMinimumWidth(90)
        for widget in (self.zoom_out_button, self.zoom_in_button, self.fit_button, self.actual_size_button):
            toolbar.addWidget(widget)
        toolbar.addWidget(self.zoom_label)
        toolbar.addStretch(1)
        self.reveal_button = QPushButton("Reveal", self)
        self.reveal_button.setObjectName("reveal_button")
        self.reveal_button.setToolTip("This image is blurred. Reveal it only if you need to see it.")
        toolbar.addWidget(self.reveal_button)
        layout.addLayout(toolbar)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)
        image_side = QWidget(splitter)
        image_layout = QVBoxLayout(image_side)
        image_layout.setContentsMargins(0, 0, 0, 0)
        self.message_label = _plain_label("No item shown", image_side, "message_label")
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        image_layout.addWidget(self.message_label)
        self.scroll_area = QScrollArea(image_side)
        self.scroll_area.setObjectName("image_scroll_area")
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll_area.setWidgetResizable(False)
        self.scroll_area.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.canvas = _ImageCanvas(self.scroll_area)
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
        self.title_label = _plain_label("", details, "title_label")
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
        panel.setWidget(details)
        details.installEventFilter(self)
        self._panel = panel
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
        label = _plain_label(text, self, "section_label")
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        label.setContentsMargins(0, 10, 0, 2)
        self.details_layout.addWidget(label)
        label.show()  # now, not queued: the scroll area must see the new height at once

    def _row(self, label_text: str, value: str) -> QWidget:
        label = _plain_label(label_text, self, "detail_label")
        label.setStyleSheet("color: palette(placeholder-text);")
        field: QWidget
        if _is_digest(value):
            field = _DigestText(value, self)
        else:
            text_label = _plain_label(value, self, "detail_value")
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
        self.title_label.setText(f"Item {row.seq} · {kind_words(row)}")
        self._section("Item")
        self._row("Reference", row.item_id)
        self._row("Stored (UTC)", row.created_utc)
        self._row("Stored (local time)", local_time_text(row.created_utc))
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

    # --- zoom and pan by mouse ---

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Ctrl + wheel zooms about the pointer; dragging pans; resizing keeps a fitted image fitted."""
        kind = event.type()
        if watched is self._panel.widget() and kind == QEvent.Type.LayoutRequest:
            _tell_scroll_area(self._panel)
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
