"""Widget tests for the items grid, the exclude dialog and the item viewer: pixels only while unlocked, never copied."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QWheelEvent
from PySide6.QtWidgets import QApplication, QLabel

from evidence.capture.items import ItemKind
from evidence.vault.store import ItemRow
from ui.exclude_dialog import QtExcludeDialog
from ui.item_text import context_rows
from ui.item_tile import LOCKED_TEXT, THUMBNAIL_SIZE
from ui.item_viewer import QtItemViewer
from ui.items_view import QtItemsView

REF = "JS-2026-0007"


def png_bytes(width: int = 320, height: int = 200, colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A real PNG made in memory."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def checkerboard_png(width: int = 320, height: int = 200, cell: int = 8) -> bytes:
    """Black and white squares: all detail, so a real blur turns it into a flat grey."""
    image = Image.new("L", (width, height))
    image.putdata([255 * (((x // cell) + (y // cell)) % 2) for y in range(height) for x in range(width)])
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


def make_row(
    seq: int,
    kind: str = "captured",
    *,
    parent_seq: int | None = None,
    excluded: bool = False,
    shredded: bool = False,
) -> ItemRow:
    return ItemRow(
        ref=REF,
        seq=seq,
        kind=ItemKind(kind),
        created_utc=f"2026-11-25T10:5{seq % 10}:49.123Z",
        media_type="image/png",
        sha256=f"{seq:x}" * 64,
        pixels_sha256="ab" * 32,
        width=320,
        height=200,
        size=24_576,
        parent_seq=parent_seq,
        excluded=excluded,
        shredded=shredded,
    )


CAPTURE_CONTEXT = {
    "context_format": 1,
    "utc": "2026-11-25T10:51:49.123Z",
    "local_time": "2026-11-25T10:51:49.123+00:00",
    "local_zone": "Europe/London",
    "utc_offset": "+00:00",
    "monotonic_ns": 123,
    "host": "STAFF-PC-12",
    "os_user": "jsmith",
    "os": "Windows 11",
    "app_version": "0.1.0",
    "mode": "region:0,0,320,200",
    "desktop": {"left": 0, "top": 0, "width": 1920, "height": 1080},
    "monitors": [{"left": 0, "top": 0, "width": 1920, "height": 1080, "scale": 1.25}],
    "captured": {"left": 0, "top": 0, "width": 320, "height": 200},
    "window_title": "<b>Messages</b> - Chrome",
    "window_process": "chrome.exe",
}


@pytest.fixture
def view(qtbot):
    widget = QtItemsView([make_row(1), make_row(2, "received"), make_row(3, "derived", parent_seq=1)], locked=False)
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def viewer(qtbot):
    widget = QtItemViewer()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def grey_spread(image: QImage) -> int:
    """The range of brightness over a grid of sample points (0 for a flat image)."""
    values = [image.pixelColor(x, y).value() for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)]
    return max(values) - min(values)


# --- the grid ---------------------------------------------------------------------------------------------------


def test_a_tile_appears_for_each_row_with_its_facts(view):
    assert sorted(view.tiles) == [1, 2, 3]
    tile = view.tiles[1]
    assert tile.number_label.text() == "Item 1"
    assert tile.size_label.text() == "320 × 200 px · 24 KB"
    assert tile.digest_label.text() == "SHA-256 111111111111…"
    assert "2026" in tile.time_label.text()
    assert tile.exclude_button.text() == "Exclude…"


def test_received_and_derived_kinds_are_labelled_in_words(view):
    assert view.tiles[1].kind_label.text() == "Captured"
    assert view.tiles[2].kind_label.text() == "Received, not captured"
    assert view.tiles[3].kind_label.text() == "Crop of item 1"


def test_set_items_replaces_the_tiles(view):
    view.set_items([make_row(2, "received")])
    assert list(view.tiles) == [2]
    view.set_items([])
    assert view.tiles == {}
    assert not view.empty_label.isHidden()


def test_a_thumbnail_appears_after_set_thumbnail(view):
    tile = view.tiles[1]
    assert tile.image_label.pixmap().isNull()
    assert tile.image_label.text() == "Loading…"

    view.set_thumbnail(1, png_bytes(1600, 1000))

    pixmap = tile.image_label.pixmap()
    assert not pixmap.isNull()
    assert tile.thumbnail is not None
    assert tile.thumbnail.width() <= THUMBNAIL_SIZE.width() * view.devicePixelRatioF()
    assert tile.thumbnail.height() <= THUMBNAIL_SIZE.height() * view.devicePixelRatioF()
    assert view.missing_thumbnails() == [2, 3]


def test_bytes_that_are_not_an_image_show_a_message(view):
    view.set_thumbnail(1, b"not an image")
    tile = view.tiles[1]
    assert tile.thumbnail is None
    assert tile.image_label.pixmap().isNull()
    assert tile.image_label.text() == "Cannot show this image"
    assert 1 not in view.missing_thumbnails()


def test_thumbnails_are_wanted_only_while_unlocked(qtbot):
    widget = QtItemsView()
    qtbot.addWidget(widget)
    with qtbot.assertNotEmitted(widget.thumbnails_wanted):
        widget.set_items([make_row(1)])
    assert widget.missing_thumbnails() == []

    with qtbot.waitSignal(widget.thumbnails_wanted):
        widget.set_locked(False)
    assert widget.missing_thumbnails() == [1]

    widget.set_thumbnail(1, png_bytes())
    with qtbot.assertNotEmitted(widget.thumbnails_wanted):
        widget.set_items([make_row(1)])


def test_locking_shows_placeholders_and_holds_no_pixels(view):
    for seq in view.tiles:
        view.set_thumbnail(seq, png_bytes())
    view.blur_by_default = True
    view.tiles[1].reveal_button.click()

    view.set_locked(True)

    for tile in view.tiles.values():
        assert tile.thumbnail is None
        assert tile.image_label.pixmap().isNull()
        assert tile.image_label.text() == LOCKED_TEXT
        assert not tile.revealed
        assert tile.reveal_button.isHidden()
    assert all(label.pixmap().isNull() for label in view.findChildren(QLabel))

    view.set_thumbnail(1, png_bytes())  # a late thumbnail is refused while locked
    assert view.tiles[1].thumbnail is None
    assert view.tiles[1].image_label.pixmap().isNull()


def test_locking_drops_the_decrypted_notes(view):
    view.set_items([make_row(1), make_row(2, excluded=True)])
    view.set_notes(1, {"caption": "Comments under my post"})
    view.set_notes(2, {"excluded_reason": "Wrong window"})

    view.set_locked(True)

    assert view.tiles[1].caption_edit.text() == ""
    assert not view.tiles[1].caption_edit.isEnabled()
    assert view.tiles[2].excluded_label.text() == "Excluded (unlock to see why)"
    view.set_notes(1, {"caption": "arrives too late"})
    assert view.tiles[1].caption_edit.text() == ""


def test_lock_commits_a_caption_being_typed(qtbot, view):
    qtbot.keyClicks(view.tiles[1].caption_edit, "Typed before the lock")
    with qtbot.waitSignal(view.caption_edited) as blocker:
        view.set_locked(True)
    assert blocker.args == [1, "Typed before the lock"]


# --- exclusion --------------------------------------------------------------------------------------------------


def test_exclude_dialog_needs_a_reason(qtbot):
    dialog = QtExcludeDialog(f"{REF}/2")
    qtbot.addWidget(dialog)
    assert not dialog.ok_button.isEnabled()
    assert "stays in the record" in dialog.explanation_label.text()
    assert "logged" in dialog.explanation_label.text() or "log" in dialog.explanation_label.text()

    qtbot.keyClicks(dialog.reason_edit, "   ")
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)
    assert dialog.result() != QtExcludeDialog.DialogCode.Accepted

    qtbot.keyClicks(dialog.reason_edit, "Duplicate of item 1 ")
    assert dialog.ok_button.isEnabled()
    assert dialog.reason() == "Duplicate of item 1"


def test_exclude_button_asks_for_a_reason_and_emits_it(qtbot, view):
    qtbot.mouseClick(view.tiles[2].exclude_button, Qt.MouseButton.LeftButton)
    dialog = view.exclude_dialog
    assert dialog is not None
    assert dialog.item_id == f"{REF}/2"
    qtbot.keyClicks(dialog.reason_edit, "Duplicate of item 1")

    with qtbot.waitSignal(view.exclude_requested) as blocker:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    assert blocker.args == [2, "Duplicate of item 1"]
    assert view.exclude_dialog is None


def test_cancelling_the_exclude_dialog_emits_nothing(qtbot, view):
    qtbot.mouseClick(view.tiles[2].exclude_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(view.exclude_dialog.reason_edit, "Changed my mind")
    with qtbot.assertNotEmitted(view.exclude_requested):
        view.exclude_dialog.reject()
    assert view.exclude_dialog is None


def test_locking_closes_the_exclude_dialog(qtbot, view):
    qtbot.mouseClick(view.tiles[1].exclude_button, Qt.MouseButton.LeftButton)
    dialog = view.exclude_dialog
    with qtbot.assertNotEmitted(view.exclude_requested):
        view.set_locked(True)
    assert view.exclude_dialog is None
    assert not dialog.isVisible()
    assert not view.tiles[1].exclude_button.isEnabled()


def test_an_excluded_item_is_greyed_and_says_why(view):
    view.set_items([make_row(1, excluded=True)])
    tile = view.tiles[1]
    view.set_thumbnail(1, png_bytes(colour=(200, 40, 40)))
    assert tile.property("excluded") is True
    assert tile.exclude_button.isHidden()
    assert tile.excluded_label.text() == "Excluded"

    view.set_notes(1, {"excluded_reason": "Wrong window captured"})

    assert tile.excluded_label.text() == "Excluded: Wrong window captured"
    shown = tile.image_label.pixmap().toImage()
    colour = shown.pixelColor(shown.width() // 2, shown.height() // 2)
    assert colour.red() == colour.green() == colour.blue()  # no colour left: greyed


# --- captions ---------------------------------------------------------------------------------------------------


def test_a_caption_edit_is_emitted_once(qtbot, view):
    edit = view.tiles[1].caption_edit
    qtbot.keyClicks(edit, "Comments under my post")
    with qtbot.waitSignal(view.caption_edited) as blocker:
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert blocker.args == [1, "Comments under my post"]

    with qtbot.assertNotEmitted(view.caption_edited):
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        edit.editingFinished.emit()  # as when focus leaves the field


def test_an_unchanged_caption_is_not_emitted(qtbot, view):
    view.set_notes(1, {"caption": "Already saved"})
    edit = view.tiles[1].caption_edit
    assert edit.text() == "Already saved"
    with qtbot.assertNotEmitted(view.caption_edited):
        qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_a_sealed_incident_takes_no_edits(view):
    view.set_editable(False)
    for tile in view.tiles.values():
        assert not tile.caption_edit.isEnabled()
        assert not tile.exclude_button.isEnabled()


# --- opening and blurring ---------------------------------------------------------------------------------------


def test_double_click_asks_to_open_the_item(qtbot, view):
    with qtbot.waitSignal(view.open_requested) as blocker:
        qtbot.mouseDClick(view.tiles[2], Qt.MouseButton.LeftButton)
    assert blocker.args == [2]


def test_blur_by_default_blurs_every_tile_and_reveal_shows_only_one(view):
    view.set_items([make_row(1), make_row(2)])
    for seq in view.tiles:
        view.set_thumbnail(seq, checkerboard_png())
    sharp = view.tiles[1].image_label.pixmap().toImage()
    assert grey_spread(sharp) > 200

    view.blur_by_default = True

    for tile in view.tiles.values():
        assert not tile.reveal_button.isHidden()
        assert tile.reveal_button.text() == "Reveal"
        assert grey_spread(tile.image_label.pixmap().toImage()) < 40

    view.tiles[1].reveal_button.click()

    assert view.tiles[1].revealed
    assert grey_spread(view.tiles[1].image_label.pixmap().toImage()) > 200
    assert view.tiles[1].reveal_button.text() == "Blur again"
    assert not view.tiles[2].revealed
    assert grey_spread(view.tiles[2].image_label.pixmap().toImage()) < 40


def test_a_lock_blurs_revealed_tiles_again(view):
    view.blur_by_default = True
    view.set_thumbnail(1, checkerboard_png())
    view.tiles[1].reveal_button.click()
    view.set_locked(True)
    view.set_locked(False)
    view.set_thumbnail(1, checkerboard_png())
    assert not view.tiles[1].revealed
    assert grey_spread(view.tiles[1].image_label.pixmap().toImage()) < 40


# --- the viewer -------------------------------------------------------------------------------------------------


def test_viewer_zoom_buttons_change_the_scale(qtbot, viewer):
    viewer.set_item(make_row(1), png_bytes(2000, 1500), CAPTURE_CONTEXT, {})
    fitted = viewer.zoom()
    assert fitted < 1.0
    assert viewer.zoom_label.text().startswith("Fit")

    qtbot.mouseClick(viewer.zoom_in_button, Qt.MouseButton.LeftButton)
    assert viewer.zoom() == pytest.approx(fitted * 1.25)
    qtbot.mouseClick(viewer.zoom_out_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(viewer.zoom_out_button, Qt.MouseButton.LeftButton)
    assert viewer.zoom() == pytest.approx(fitted / 1.25)

    qtbot.mouseClick(viewer.actual_size_button, Qt.MouseButton.LeftButton)
    assert viewer.zoom() == 1.0
    assert viewer.canvas.width() == 2000
    assert viewer.zoom_label.text() == "100%"

    qtbot.mouseClick(viewer.fit_button, Qt.MouseButton.LeftButton)
    assert viewer.zoom() == pytest.approx(fitted)


def test_viewer_zooms_with_ctrl_and_the_wheel_only(viewer):
    viewer.set_item(make_row(1), png_bytes(2000, 1500), CAPTURE_CONTEXT, {})
    before = viewer.zoom()

    def wheel(modifiers: Qt.KeyboardModifier) -> None:
        centre = QPointF(viewer.canvas.width() / 2, viewer.canvas.height() / 2)
        event = QWheelEvent(
            centre,
            QPointF(viewer.canvas.mapToGlobal(centre)),
            QPoint(0, 0),
            QPoint(0, 120),
            Qt.MouseButton.NoButton,
            modifiers,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(viewer.canvas, event)

    wheel(Qt.KeyboardModifier.NoModifier)
    assert viewer.zoom() == before
    wheel(Qt.KeyboardModifier.ControlModifier)
    assert viewer.zoom() == pytest.approx(before * 1.25)


def test_viewer_shows_digests_in_full_and_the_context(viewer):
    row = make_row(1)
    viewer.set_item(row, png_bytes(), CAPTURE_CONTEXT, {"caption": "My caption"})

    digest = viewer.detail_fields["SHA-256 of the file"]
    assert digest.toPlainText() == row.sha256
    assert digest.isReadOnly()
    assert digest.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert viewer.detail_fields["SHA-256 of the pixels"].toPlainText() == row.pixels_sha256
    assert viewer.detail_fields["Capture mode"].text() == "region:0,0,320,200"
    assert viewer.detail_fields["Window title"].text() == "<b>Messages</b> - Chrome"
    assert viewer.detail_fields["Window title"].textFormat() == Qt.TextFormat.PlainText
    assert viewer.detail_fields["Local time"].text() == "2026-11-25T10:51:49.123+00:00"
    assert viewer.detail_fields["Monitors"].text() == "1: 1920 × 1080 at (0, 0), scale 1.25"
    assert viewer.detail_fields["Caption"].text() == "My caption"
    assert viewer.title_label.text() == "Item 1 · Captured"


def test_viewer_labels_received_and_derived_context(viewer):
    received = {"kind": "received", "provided_by": "Parent of a pupil", "how": "e-mail", "original_name": "a.png"}
    viewer.set_item(make_row(2, "received"), png_bytes(), received, {})
    assert viewer.title_label.text() == "Item 2 · Received, not captured"
    assert viewer.detail_fields["Provided by"].text() == "Parent of a pupil"
    assert viewer.detail_fields["How it reached us"].text() == "e-mail"

    derived = {"derived_from": {"png_sha256": "e" * 64}, "rect_frame": {"left": 1, "top": 2, "width": 3, "height": 4}}
    viewer.set_item(make_row(3, "derived", parent_seq=1), png_bytes(), derived, {})
    assert viewer.title_label.text() == "Item 3 · Crop of item 1"
    assert viewer.detail_fields["Cropped from · SHA-256 of the file"].toPlainText() == "e" * 64
    assert viewer.detail_fields["Rectangle in the original"].text() == "3 × 4 at (1, 2)"


def test_viewer_clear_drops_the_image_and_details(viewer):
    viewer.set_item(make_row(1), png_bytes(), CAPTURE_CONTEXT, {"caption": "secret"})
    viewer.clear()
    assert viewer.canvas.image is None
    assert viewer.canvas.blur_image is None
    assert viewer.row is None
    assert viewer.detail_fields == {}
    assert viewer.message_label.text() == "No item shown"


def test_viewer_blurs_each_item_until_revealed(qtbot, viewer):
    viewer.blur_by_default = True
    viewer.set_item(make_row(1), checkerboard_png(), CAPTURE_CONTEXT, {})
    assert viewer.blurred
    assert not viewer.reveal_button.isHidden()
    assert grey_spread(viewer.canvas.grab().toImage()) < 40

    qtbot.mouseClick(viewer.reveal_button, Qt.MouseButton.LeftButton)
    assert not viewer.blurred
    assert viewer.reveal_button.text() == "Blur again"

    viewer.set_item(make_row(2), checkerboard_png(), CAPTURE_CONTEXT, {})
    assert viewer.blurred  # revealing one item never reveals the next


def test_viewer_never_puts_the_image_on_the_clipboard(qtbot, viewer):
    viewer.set_item(make_row(1), png_bytes(), CAPTURE_CONTEXT, {})
    clipboard = QGuiApplication.clipboard()
    clipboard.clear()
    assert viewer.canvas.contextMenuPolicy() == Qt.ContextMenuPolicy.NoContextMenu
    assert viewer.scroll_area.contextMenuPolicy() == Qt.ContextMenuPolicy.NoContextMenu
    qtbot.mouseClick(viewer.canvas, Qt.MouseButton.LeftButton)
    qtbot.keyClick(viewer.canvas, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.image().isNull()
    assert clipboard.text() == ""


def test_undecodable_bytes_show_a_message_in_the_viewer(viewer):
    viewer.set_item(make_row(1), b"\x89PNG\r\n\x1a\nbroken", CAPTURE_CONTEXT, {})
    assert viewer.canvas.image is None
    assert not viewer.message_label.isHidden()
    assert viewer.detail_fields["SHA-256 of the file"].toPlainText() == make_row(1).sha256


# --- formatting -------------------------------------------------------------------------------------------------


def test_context_rows_put_what_a_reviewer_needs_first():
    rows = dict(context_rows(CAPTURE_CONTEXT))
    labels = [label for label, _ in context_rows(CAPTURE_CONTEXT)]
    assert labels[:5] == ["Captured (UTC)", "Local time", "Time zone", "Capture mode", "Window title"]
    assert rows["Area captured"] == "320 × 200 at (0, 0)"
    assert rows["Computer"] == "STAFF-PC-12"
    assert dict(context_rows({"file_time_utc": None}))["File time (UTC)"] == "Not recorded"
    assert dict(context_rows({"size": 2048}))["File size"] == "2 KB (2048 bytes)"


def test_the_viewer_window_opens_fitted_to_the_screen_and_esc_closes_it(qtbot):
    """Issue 11: the viewer opened at 374x103 pixels with the image at 5-10 %."""
    from ui.window_fit import available

    widget = QtItemViewer()
    qtbot.addWidget(widget)
    widget.set_item(make_row(1), png_bytes(2400, 1600), CAPTURE_CONTEXT, {})  # set before the window is shown
    widget.show()
    qtbot.waitExposed(widget)
    room = available(widget)
    assert widget.width() >= room.width() // 2
    assert widget.width() <= room.width()
    assert widget.height() <= room.height()
    viewport = widget.scroll_area.viewport()
    qtbot.waitUntil(
        lambda: widget.canvas.width() >= viewport.width() * 0.9 or widget.canvas.height() >= viewport.height() * 0.9
    )
    assert widget.canvas.width() <= viewport.width() + 1
    assert widget.canvas.height() <= viewport.height() + 1
    assert widget.fit_mode
    assert widget.windowTitle() == f"Item 1 of {REF} — Evidence Capture"
    qtbot.keyClick(widget, Qt.Key.Key_Escape)
    assert not widget.isVisible()
