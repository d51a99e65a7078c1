"""One item in the grid of :class:`ui.items_view.QtItemsView`: its facts, its thumbnail or a placeholder.

A tile holds a small thumbnail only while the app is unlocked; locking drops it and the decrypted notes
(caption and exclusion reason) and leaves a neutral placeholder. Blurred tiles each have their own Reveal
button, so revealing one item never reveals another.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent, QMouseEvent, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from evidence.capture.items import ItemFacts
from evidence.core.text import clean_line
from evidence.core.timefmt import local_time_text
from ui.item_pixels import blurred, greyed
from ui.item_text import dimensions_text, kind_words
from ui.widget_helpers import SHOWN_TEXT_LIMIT, mono, plain_label

LOCKED_TEXT = "Locked — unlock to see"
"""What every tile shows in place of its image while the app is locked."""

THUMBNAIL_SIZE = QSize(232, 146)
"""The largest a thumbnail is drawn, in device-independent pixels."""

TILE_WIDTH = 260


TILE_STYLE = """
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


class QtItemTile(QFrame):
    """One item in the grid (a view of its :class:`~evidence.capture.items.ItemFacts`); :class:`QtItemsView` owns
    the state and the signals.

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
        self.number_label = plain_label("", self, "number_label")
        font = self.number_label.font()
        font.setBold(True)
        self.number_label.setFont(font)
        header.addWidget(self.number_label)
        header.addStretch(1)
        self.kind_label = plain_label("", self, "kind_chip")
        header.addWidget(self.kind_label, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(header)

        self.image_label = plain_label("", self, "image_label")
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

        self.time_label = plain_label("", self, "time_label")
        layout.addWidget(self.time_label)
        self.trusted_label = plain_label("", self, "trusted_label")
        self.trusted_label.setWordWrap(True)
        self.trusted_label.hide()
        layout.addWidget(self.trusted_label)
        self.size_label = plain_label("", self, "size_label")
        layout.addWidget(self.size_label)
        self.digest_label = plain_label("", self, "digest_label")
        mono(self.digest_label)
        layout.addWidget(self.digest_label)
        self.excluded_label = plain_label("", self, "excluded_label")
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
        self.kind_label.setText(clean_line(kind_words(row)))
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
        """Show the decrypted caption and exclusion reason (only called while unlocked).

        Both may come from a bundle, so they are shown without control or bidi characters; the cut is long
        enough never to shorten a caption the app itself accepted.
        """
        caption = clean_line(caption, limit=SHOWN_TEXT_LIMIT)
        self._caption = caption
        self._reason = None if reason is None else clean_line(reason, limit=SHOWN_TEXT_LIMIT)
        self.caption_edit.setText(caption)
        self._refresh()

    def set_trusted_time(self, text: str) -> None:
        """Show the item's trusted time ("Time confirmed by TSA …" or "Workstation clock only"); "" hides it."""
        text = clean_line(text, limit=SHOWN_TEXT_LIMIT)
        self.trusted_label.setText(text)
        self.trusted_label.setToolTip(
            "An outside time-stamping authority (TSA) confirmed that this exact picture existed at this time."
            if text.startswith("Time confirmed")
            else "Only this computer's clock gives the time: no time-stamping authority confirmed it."
        )
        self.trusted_label.setVisible(bool(text))

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
