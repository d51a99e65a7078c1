"""Import through the staff app (issue 11): the file is checked before anyone is asked who provided it, and a
received WebP or HEIC is kept byte for byte and shown from an in-memory rendering."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.paths import Paths
from app.staff import StaffApp
from app.workspace import Workspace
from evidence.capture import received
from evidence.crypto.keys import Identity, Role
from ui.dialogs import QtReceiveDialog
from ui.item_pixels import decode_image

PASS = "a long test passphrase"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Identity]:
    base = tmp_path_factory.mktemp("import")
    ws = Workspace(Paths(base / "data"))
    me = ws.create_identity("Jane Smith", "j.smith@school.example", Role.STAFF, PASS, base / "jane.identity.age")
    return base, me


@pytest.fixture
def app(qtbot: QtBot, made: tuple[Path, Identity], tmp_path: Path):  # type: ignore[no-untyped-def]
    base, _me = made
    data = tmp_path / "data"
    data.mkdir()
    for name in ("identity.card", "identity.path"):
        (data / name).write_bytes((base / "data" / name).read_bytes())
    staff = StaffApp(Workspace(Paths(data)))
    qtbot.addWidget(staff.window)
    yield staff
    staff.quit()


def dialogs(app: StaffApp) -> list[QtReceiveDialog]:
    return [d for d in app.lock.dialogs() if isinstance(d, QtReceiveDialog) and d.isVisible()]


def errors(app: StaffApp) -> list[QMessageBox]:
    return [b for b in app.window.findChildren(QMessageBox, "error_box") if b.isVisible()]


def heic() -> bytes:
    received._register_heif()
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 160, 90)).save(out, "HEIF", quality=90)
    return out.getvalue()


@pytest.mark.parametrize("content", [b"", b"not an image\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"])
def test_a_bad_file_is_refused_before_the_provenance_question(app: StaffApp, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "screenshot.png"
    path.write_bytes(content)
    app.capturing.ask_provenance([path])
    assert dialogs(app) == []  # nobody was asked who provided it
    [box] = errors(app)
    assert "screenshot.png" in box.text()
    assert app.vault.list_incidents() == []  # and no incident was made for it


def test_an_empty_file_among_good_ones_stops_the_whole_import(app: StaffApp, tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    Image.new("RGB", (8, 8)).save(good)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    app.capturing.ask_provenance([good, empty])
    assert dialogs(app) == []
    assert "empty" in errors(app)[0].text()
    assert app.vault.list_incidents() == []


@pytest.mark.parametrize("kind", ["webp", "heic"])
def test_a_phones_webp_or_heic_is_kept_byte_for_byte_and_shown(
    app: StaffApp, made: tuple[Path, Identity], qtbot: QtBot, tmp_path: Path, kind: str
) -> None:
    _, me = made
    if kind == "heic":
        data = heic()
    else:
        out = io.BytesIO()
        Image.new("RGB", (40, 30), (30, 160, 90)).save(out, "WEBP", quality=80)
        data = out.getvalue()
    path = tmp_path / f"IMG_0001.{kind}"
    path.write_bytes(data)
    app.capturing.ask_provenance([path])
    [dialog] = dialogs(app)
    qtbot.keyClicks(dialog.provided_by, "A parent")
    qtbot.keyClicks(dialog.how, "sent on WhatsApp")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    [incident] = app.vault.list_incidents()
    [row] = app.vault.items(incident.ref)
    assert (row.kind, row.media_type, row.sha256) == ("received", f"image/{kind}", hashlib.sha256(data).hexdigest())
    assert (row.width, row.height) == (40, 30)
    app.session.accept_identity(me)
    stored = app.vault.item_content(incident.ref, 1, [me.age_secret])
    assert stored == data
    image = decode_image(stored)  # what the tile and the viewer show, rendered in memory
    assert (image.width(), image.height()) == (40, 30)
    colour = image.pixelColor(20, 15)
    assert [abs(got - want) < 12 for got, want in zip(colour.getRgb()[:3], (30, 160, 90), strict=True)] == [True] * 3
