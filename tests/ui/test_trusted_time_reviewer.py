"""The reviewer sees trusted times at a glance: each item tile, the item viewer and the incident page say "Time
confirmed by TSA NAME: …" or "Workstation clock only" for a real bundle sealed with a TSA on loopback."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bundles import ISSUED_AT, dsl, make_sealed, unsigned_profile
from helpers import school_root
from pytestqt.qtbot import QtBot
from tsa_server import TsaServer

from app.lock import LockCoordinator
from app.paths import Paths
from app.reviewer import ReviewerApp
from app.workspace import Workspace
from evidence.crypto.keys import write_identity_file


def test_tiles_viewer_and_incident_page_show_trusted_time(qtbot: QtBot, tmp_path: Path, tsa: TsaServer) -> None:
    base = replace(unsigned_profile(), drop_folder=str(tmp_path / "staff" / "drop"), tsas=(tsa.config(),))
    profile = base.sign(school_root(), version=1, issued_utc=ISSUED_AT)
    sealed = make_sealed(tmp_path / "staff", items=2, profile=profile)
    data = tmp_path / "dsl-data"
    data.mkdir()
    ident = tmp_path / "dsl.identity.age"
    write_identity_file(dsl(), ident, "a long test passphrase")
    (data / "identity.card").write_text(dsl().card.to_text())
    (data / "identity.path").write_text(str(ident) + "\n")
    ws = Workspace(Paths(data))
    ws.install_signed(profile, school_root().card.fingerprint, source="test")
    lock = LockCoordinator(ws)
    app = ReviewerApp(ws, lock)
    qtbot.addWidget(app.window)
    lock.session.accept_identity(dsl())
    app.review.open_bundle(sealed.result.path)
    qtbot.waitUntil(lambda: app.banner.text() != "", timeout=20000)
    for seq in (1, 2):
        text = app.items.tiles[seq].trusted_label.text()
        assert text.startswith("Time confirmed by TSA Evidence Test TSA: ")
        assert text.endswith(" UTC on " + text.rsplit(" on ", 1)[1])
    page = app.window.incident.toPlainText()
    assert "Trusted time:" in page
    assert "Item 1: Time confirmed by TSA Evidence Test TSA: " in page
    assert "Revision 1 (sealed): Time confirmed by TSA Evidence Test TSA: " in page
    app.open_item(1)
    assert app.viewer.detail_fields["Trusted time"].text().startswith("Time confirmed by TSA Evidence Test TSA: ")
    app.viewer.close()
