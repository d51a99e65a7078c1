"""The reviewer's controller, offscreen, on real sealed bundles: verdicts, wellbeing blur, actions, export."""

from __future__ import annotations

from pathlib import Path

import pytest
from bundles import dsl, make_sealed, rezip, school_profile
from PySide6.QtWidgets import QDialog, QLineEdit, QMessageBox

from app.paths import Paths
from app.reviewer import ReviewerApp
from app.session import Session
from app.workspace import Workspace
from evidence import bundle
from evidence.case.profile import Profile
from evidence.crypto.keys import write_identity_file
from evidence.review.actions import ReviewAction, reviews


@pytest.fixture
def reviewer(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    sealed = make_sealed(tmp_path / "staff", items=2)
    data = tmp_path / "dsl-data"
    data.mkdir()
    ident = tmp_path / "dsl.identity.age"
    write_identity_file(dsl(), ident, "a long test passphrase")
    (data / "identity.card").write_text(dsl().card.to_text())
    (data / "identity.path").write_text(str(ident) + "\n")
    base = school_profile()
    profile = Profile(
        school=base.school, reviewers=base.reviewers, staff=base.staff, drop_folder=str(sealed.result.path.parent)
    )
    ws = Workspace(Paths(data))
    ws.install_profile(profile)
    session = Session(ws)
    app = ReviewerApp(ws, session)
    qtbot.addWidget(app.window)
    session.accept_identity(dsl())
    return app, sealed


def open_and_wait(qtbot, app: ReviewerApp, path: Path) -> None:  # type: ignore[no-untyped-def]
    app.open_bundle(path)
    qtbot.waitUntil(lambda: app.banner.text() != "", timeout=20000)


def test_inbox_lists_the_bundle_with_its_verified_origin(reviewer) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    from evidence.review.inbox import scan

    entries = scan(sealed.result.path.parent, app.profile)
    assert [e.ref for e in entries] == [sealed.ref]
    assert entries[0].origin.state.value == "verified"
    row = app.inbox.tree.topLevelItem(0)
    shown = " ".join(row.text(c) for c in range(app.inbox.tree.columnCount()))
    assert "Verified" in shown and ("Jane" in shown or "j.smith" in shown), shown


def test_open_verified_bundle_shows_evidence_blurred(reviewer, qtbot) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    open_and_wait(qtbot, app, sealed.result.path)
    assert app.banner.text().startswith("Verified")
    assert app.current is not None and app.current.ref == sealed.ref
    assert app.items.blur_by_default  # threatening is a sensitive category
    assert app.custody.topLevelItemCount() == len(app.current.custody)
    assert "Messages about Pupil Alex" in app.window.incident.toPlainText()
    assert app.window.export_button.isEnabled()


def test_damaged_bundle_shows_only_the_verdict(reviewer, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    bad = tmp_path / "bad" / sealed.result.path.name
    bad.parent.mkdir()
    blob = bytearray(sealed.result.path.read_bytes())
    blob[len(blob) // 2] ^= 1
    bad.write_bytes(bytes(blob))
    open_and_wait(qtbot, app, bad)
    assert "damaged" in app.banner.text().lower() or "decrypt" in app.banner.text().lower()
    assert app.current is None and not app.window.export_button.isEnabled()
    assert app.window.incident.toPlainText() == ""


class _Accept(QDialog):
    def __init__(self, **values: object) -> None:
        super().__init__()
        self.values = values
        for key, value in values.items():
            if isinstance(value, str):
                setattr(self, key, QLineEdit(value))

    def exec(self) -> int:
        return QDialog.DialogCode.Accepted

    def action(self) -> ReviewAction:
        return self.values["the_action"]  # type: ignore[return-value]

    def why(self) -> str:
        return str(self.values["the_why"])

    def fields(self) -> dict[str, str]:
        return self.values["the_fields"]  # type: ignore[return-value]


def test_record_action_adds_a_signed_revision(reviewer, qtbot) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    open_and_wait(qtbot, app, sealed.result.path)
    app.record_action(
        _Accept(the_action=ReviewAction.MEETING_HELD, the_why="Met the pupil", the_fields={"who": "DSL and pupil"})
    )
    qtbot.waitUntil(lambda: app.current is not None and len(app.current.revisions) == 2, timeout=20000)
    again = bundle.open_bundle(sealed.result.path.read_bytes(), [dsl().age_secret], app.profile)
    assert [r.action for r in reviews(again)] == [ReviewAction.MEETING_HELD]
    assert app.window.actions.count() == 1


def test_export_button(reviewer, qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    open_and_wait(qtbot, app, sealed.result.path)
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    app.export(
        _Accept(folder=str(tmp_path / "exports"), officer_reference="PC 9, CR/1/26", recipient="", passphrase="")
    )
    folder = tmp_path / "exports" / f"{sealed.ref}-police-export"
    assert (folder / "report.pdf").read_bytes().startswith(b"%PDF")
    assert shown and str(folder) in shown[0]
    assert app.current is not None and reviews(app.current)[-1].action is ReviewAction.EXPORTED


def test_lock_forgets_the_bundle(reviewer, qtbot) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    open_and_wait(qtbot, app, sealed.result.path)
    app.session.lock()
    assert app.current is None and app.banner.text() == "" and app.custody.topLevelItemCount() == 0


def test_a_failed_check_reaches_the_banner_and_the_index_by_type(reviewer, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 9: the check used to be guessed from the message text (and the file was lost on the way)."""
    app, sealed = reviewer
    swapped = rezip(sealed.zip_bytes, {"data/items/001.png": sealed.pngs[1]})
    bad = tmp_path / "bad" / sealed.result.path.name
    bad.parent.mkdir()
    bad.write_bytes(bundle.encrypt_bundle(swapped, school_profile()))
    open_and_wait(qtbot, app, bad)
    text = app.banner.text()
    assert "“payload hash”" in text and "item 1's image" in text, text
    assert app.current is None
    record = app.index.records[bundle.sha256_hex(bad.read_bytes())]
    assert record.verdict.endswith("payload hash")
