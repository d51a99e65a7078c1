"""The items of one incident as a grid of tiles (the tiles, exclude dialog and viewer have modules of their own).

Pixels live only in memory, and only while the app is unlocked. A thumbnail is decoded from bytes the app hands
over (``QImage.fromData``), scaled down at once and kept as a small ``QImage`` in its tile; the full image is then
dropped. Nothing goes through ``QPixmapCache``, a file or the clipboard: the viewer paints its image itself, has no
context menu and no copy action, and only the digests can be selected as text. This matters most for the hard rule
that a nude image of a child never reaches disk, the clipboard or a thumbnail: such an incident is blocked before
capture, and even for any other incident no pixels outlive the view.

Locking works as in KeePassXC: :meth:`QtItemsView.set_locked` drops every thumbnail, every pixmap and every
decrypted note (captions and exclusion reasons), closes the exclude dialog, and leaves a neutral placeholder in
each tile; :meth:`ui.item_viewer.QtItemViewer.clear` does the same for the viewer. The plain facts of a row
(number, kind, time, size, digest, excluded or not) stay, because the vault lists them without an unlock.

For reviewer wellbeing (the practice at Atlos), ``blur_by_default`` shows every image heavily blurred: it is shrunk
to a dozen pixels by area averaging, so no detail survives, and grown back smoothly. Each tile has its own Reveal
button, so revealing one item never reveals another, and a lock blurs them all again. Excluded items are greyed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QScrollArea, QVBoxLayout, QWidget

from evidence.capture.items import ItemFacts
from ui.exclude_dialog import QtExcludeDialog
from ui.item_pixels import decode_image
from ui.item_tile import THUMBNAIL_SIZE, TILE_STYLE, TILE_WIDTH, QtItemTile
from ui.widget_helpers import plain_label, tell_scroll_area

EMPTY_TEXT = "No items yet. Capture the screen, or add a screenshot someone sent you."
"""What an incident with no items shows (the reviewer's view passes its own text)."""


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
        empty_text: str = EMPTY_TEXT,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("items_view")
        self.setStyleSheet(TILE_STYLE)
        self.tiles: dict[int, QtItemTile] = {}
        self.exclude_dialog: QtExcludeDialog | None = None
        self._locked = locked
        self._blur = blur_by_default
        self._editable = True
        self._columns = 0

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.status_label = plain_label("", self, "status_label")
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
        self.empty_label = plain_label(empty_text, self._content, "empty_label")
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
                tile = QtItemTile(wanted[seq], self._content)
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
        """Show an item's notes: ``caption``, ``excluded_reason`` and ``trusted_time``. Ignored while locked."""
        tile = self.tiles.get(seq)
        if tile is None or self._locked:
            return
        tile.set_notes(notes.get("caption", ""), notes.get("excluded_reason"))
        if "trusted_time" in notes:
            tile.set_trusted_time(notes["trusted_time"])

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
            tell_scroll_area(self.scroll_area)
        return super().eventFilter(watched, event)
