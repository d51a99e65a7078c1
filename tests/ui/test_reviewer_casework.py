"""The reviewer's Handles, Timeline and Search tabs, offscreen, on three real incidents and the real Tesseract.

Reading text runs on a worker and comes back as a signed revision; a handle is confirmed only by the reviewer's
click with a reason; the timeline lists the linked occasions in order, and links and unlinks by hand with a reason;
a search lists the items that show the handle; a lock empties all three tabs; the course-of-conduct export writes
one pack from the timeline.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bundles import ISSUED_AT, dsl, unsigned_profile
from casebundles import make_three
from helpers import school_root
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.lock import LockCoordinator
from app.paths import Paths
from app.reviewer import ReviewerApp
from app.workspace import Workspace
from evidence.bundle import seal as sealing
from evidence.case.profile import Profile
from evidence.crypto.keys import write_identity_file
from evidence.review import casework

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr is not installed")


@pytest.fixture
def case(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    base = unsigned_profile()
    drop = tmp_path / "drop"
    profile = Profile(school=base.school, reviewers=base.reviewers, staff=base.staff, drop_folder=str(drop)).sign(
        school_root(), version=1, issued_utc=ISSUED_AT
    )
    incidents = make_three(tmp_path / "staff", drop, profile=profile)
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
    return app, incidents, profile


def _open(qtbot, app: ReviewerApp, path: Path) -> None:  # type: ignore[no-untyped-def]
    app.review.open_bundle(path)
    qtbot.waitUntil(lambda: app.review.current is not None and app.review.current_path == path, timeout=30000)


def _read_and_confirm(qtbot, app: ReviewerApp, path: Path) -> None:  # type: ignore[no-untyped-def]
    _open(qtbot, app, path)
    before = len(app.review.current.revisions)  # type: ignore[union-attr]
    app.window.tabs.setCurrentWidget(app.proposals)
    assert app.proposals.read_button.isEnabled()
    qtbot.mouseClick(app.proposals.read_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(app.review.current.revisions) == before + 1, timeout=60000)  # type: ignore[union-attr]
    assert app.review.current.revisions[-1].action == "text-read"  # type: ignore[union-attr]
    tree = app.proposals.tree
    values = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert values == ["@jay_k_2009"]
    assert "(machine-read)" in tree.topLevelItem(0).text(2)
    assert not app.proposals.confirm_button.isEnabled()  # nothing is decided without a row and a reason
    tree.setCurrentItem(tree.topLevelItem(0))
    assert not app.proposals.confirm_button.isEnabled()
    qtbot.keyClicks(app.proposals.person, "Jay K")
    qtbot.keyClicks(app.proposals.why, "Named by the pupil")
    qtbot.mouseClick(app.proposals.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(app.review.current.revisions) == before + 2, timeout=30000)  # type: ignore[union-attr]
    assert app.proposals.tree.topLevelItem(0).text(3) == "confirmed"
    assert app.proposals.tree.topLevelItem(0).text(4) == "Jay K"


def test_read_confirm_timeline_search_and_lock(case, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, incidents, profile = case
    tabs = [app.window.tabs.tabText(i) for i in range(app.window.tabs.count())]
    assert tabs[-3:] == ["Handles", "Timeline", "Search"]
    for inc in incidents[:2]:
        _read_and_confirm(qtbot, app, inc.path)
    v = sealing.verify_file(incidents[1].current, dsl(), profile)
    assert [e.action for e in v.custody[-2:]] == ["text-read", "identified"]
    assert casework.confirmed(v)["handle:jay_k_2009"].person == "Jay K"

    # the timeline of the second: the first shares the confirmed handle; the third is not linked
    app.window.tabs.setCurrentWidget(app.timeline)
    qtbot.mouseClick(app.timeline.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.timeline.tree.topLevelItemCount() > 0, timeout=60000)
    rows = [app.timeline.tree.topLevelItem(i) for i in range(app.timeline.tree.topLevelItemCount())]
    assert [r.data(0, Qt.ItemDataRole.UserRole) for r in rows] == [incidents[0].ref, incidents[1].ref]
    assert rows[0].text(0) == "1. 2026-11-02 19:40"
    assert rows[0].text(1) == "as reported"
    assert rows[0].text(2) == "Instagram"
    assert rows[0].text(3) == "@jay_k_2009 (Jay K)"
    assert rows[0].text(5) == "shared: handle:jay_k_2009"
    assert rows[0].childCount() == 2
    assert rows[0].child(0).text(1) == "workstation clock"
    assert app.timeline.export_button.isEnabled()

    # by hand: link the third, with a reason (a signed revision in both bundles), then withdraw the link
    third = incidents[2].ref
    view = app.timeline
    assert not view.link_button.isEnabled()
    view.other.setCurrentIndex(view.other.findData(third))
    qtbot.keyClicks(view.why, "Same threats, a week later")
    assert view.link_button.isEnabled()
    qtbot.mouseClick(view.link_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.tree.topLevelItemCount() == 3, timeout=60000)
    last = view.tree.topLevelItem(2)
    assert last.data(0, Qt.ItemDataRole.UserRole) == third
    assert last.text(5) == "link: Same threats, a week later"
    view.other.setCurrentIndex(view.other.findData(third))
    qtbot.keyClicks(view.why, "Another sender after all")
    qtbot.mouseClick(view.unlink_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.review.current.custody[-1].action == "unlinked", timeout=60000)  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: view.tree.topLevelItemCount() == 2, timeout=60000)
    v3 = sealing.verify_file(incidents[2].current, dsl(), profile)
    assert [e.action for e in v3.custody[-2:]] == ["linked", "unlinked"]
    assert [r.why for r in casework.link_history(v3)] == ["Same threats, a week later", "Another sender after all"]

    # search over all three bundles: the handle is in the first two (the third's text was never read, and its
    # form names no handle), in each incident's confirmed handles and in each item whose text shows it
    app.window.tabs.setCurrentWidget(app.search)
    qtbot.keyClicks(app.search.term, "@jay_k_2009")
    qtbot.mouseClick(app.search.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.search.tree.topLevelItemCount() > 0, timeout=60000)
    found = [(app.search.tree.topLevelItem(i).text(0), app.search.tree.topLevelItem(i).text(1))
             for i in range(app.search.tree.topLevelItemCount())]  # fmt: skip
    first, second = incidents[0].ref, incidents[1].ref
    assert found == [(first, "incident"), (first, "1"), (first, "2"), (second, "incident"), (second, "1")]
    assert "3 bundle(s)" in app.search.summary.text()

    # the course of conduct from the timeline: one pack of the two occasions
    app.window.tabs.setCurrentWidget(app.timeline)
    qtbot.mouseClick(app.timeline.export_button, Qt.MouseButton.LeftButton)
    dialog = app.casework.export_dialog
    assert dialog is not None
    dialog.folder.setText(str(tmp_path / "exports"))
    qtbot.keyClicks(dialog.officer_reference, "PC 9, CR/1/26")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    pack = tmp_path / "exports" / f"{first}-course-of-conduct"
    qtbot.waitUntil(pack.is_dir, timeout=60000)
    assert sorted(p.name for p in pack.iterdir() if p.is_dir()) == sorted(f"{r}-police-export" for r in (first, second))
    shown = [b.text() for b in app.window.findChildren(QMessageBox, "info_box") if b.isVisible()]
    assert any(str(pack) in text for text in shown)
    qtbot.waitUntil(lambda: not app.session.busy, timeout=30000)  # the bundle on show opens again, exported

    # a lock forgets what was decrypted
    app.session.lock()
    assert app.proposals.tree.topLevelItemCount() == 0
    assert app.timeline.tree.topLevelItemCount() == 0
    assert app.search.tree.topLevelItemCount() == 0
    assert app.casework.opened == {}
