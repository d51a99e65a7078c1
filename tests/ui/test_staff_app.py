"""The staff app's controller, offscreen: incidents, the form, lock and unlock, the safeguarding gate, seal."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtWidgets import QDialog, QMessageBox

from app.gui import StaffApp
from app.paths import Paths
from app.workspace import Workspace
from evidence import bundle
from evidence.bundle.seal import verify_file
from evidence.case.incident import Category, IncidentDetails, PerpetratorType, ReportType, Status, TargetRole
from evidence.crypto.keys import Identity, Role

PASS = "a long test passphrase"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Identity]:
    base = tmp_path_factory.mktemp("staff")
    ws = Workspace(Paths(base / "data"))
    me = ws.create_identity("Jane Smith", "j.smith@school.example", Role.STAFF, PASS, base / "jane.identity.age")
    return base, me


@pytest.fixture
def app(qtbot, made, tmp_path: Path):  # type: ignore[no-untyped-def]
    base, _me = made
    data = tmp_path / "data"
    data.mkdir()
    for name in ("identity.card", "identity.path"):
        (data / name).write_bytes((base / "data" / name).read_bytes())
    ws = Workspace(Paths(data))
    staff = StaffApp(ws)
    qtbot.addWidget(staff.window)
    yield staff
    staff.quit()


def filled(title: str = "Threats on Instagram") -> IncidentDetails:
    return IncidentDetails(
        title=title,
        report_type=ReportType.CYBER_BULLYING,
        occurred="2026-11-24T18:30:00+00:00",
        platform="Instagram",
        categories=(Category.THREATENING,),
        target_name="A pupil",
        target_role=TargetRole.PUPIL,
        perpetrator_type=PerpetratorType.UNKNOWN,
        perpetrator_handle="@someone",
        description="Messages threatening a pupil after school.",
        not_responded=True,
        reported_to="The DSL",
    )


def add_png(app: StaffApp, ref: str, seed: int = 1) -> bytes:
    img = Image.new("RGB", (32, 24), (seed * 40 % 256, 90, 200))
    path = app.workspace.paths.data_dir.parent / f"shot{seed}.png"
    img.save(path)

    class Accepting(QDialog):
        def __init__(self) -> None:
            super().__init__()
            from PySide6.QtWidgets import QLineEdit

            self.provided_by, self.how = QLineEdit("The pupil"), QLineEdit("shown on their phone, then e-mailed")

        def exec(self) -> int:
            return QDialog.DialogCode.Accepted

    app.receive([path], Accepting())
    return path.read_bytes()


def test_starts_locked_and_a_new_incident_is_editable_while_locked(app: StaffApp) -> None:
    assert app.session.locked and app.window.locked_note.isVisibleTo(app.window)
    ref = app.new_incident()
    assert app.current_ref == ref and app.form.isEnabled()
    app.form.set_details(filled())
    assert app.save_details()
    me = app.workspace.own_card()
    assert app.vault.incident(ref).status is Status.DRAFT
    # written with public keys only; reading it back needs the key
    assert app.vault.list_incidents()[0].ref == ref
    assert me.principal not in app.window.incidents.topLevelItem(0).text(0)


def test_lock_drops_what_was_decrypted(app: StaffApp, made) -> None:  # type: ignore[no-untyped-def]
    _, me = made
    ref = app.new_incident()
    app.form.set_details(filled("Secret title"))
    app.save_details()
    add_png(app, ref)
    app.session.accept_identity(me)
    assert not app.session.locked
    app.open_incident(ref)
    assert app.form.details().title == "Secret title"
    assert app.window.incidents.topLevelItem(0).text(0) == "Secret title"
    app.open_item(1)
    app.session.lock()
    assert app.session.locked
    assert app.form.details().title == "" and not app.form.isEnabled()
    assert app.window.incidents.topLevelItem(0).text(0) == ref
    assert not app.viewer.isVisible()
    assert app.items.locked


def test_lock_waits_for_work_in_flight(app: StaffApp, made) -> None:  # type: ignore[no-untyped-def]
    _, me = made
    app.session.accept_identity(me)
    app.session.begin_busy()
    app.session.lock()
    assert not app.session.locked
    app.session.end_busy()
    assert app.session.locked


def test_safeguarding_record_blocks_capture_and_import(app: StaffApp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ref = app.record_for_dsl("A pupil showed me an image on their phone at 10:40. I did not look further.")
    assert app.vault.incident(ref).status is Status.BLOCKED
    grabbed = []
    monkeypatch.setattr("evidence.capture.screen.grab", lambda *a, **k: grabbed.append(1))
    app.capture("full")
    assert grabbed == [] and app.vault.items(ref) == []
    assert "capture refused" in app.window.statusBar().currentMessage()
    add_png(app, ref)
    assert app.vault.items(ref) == []


def test_ticking_the_safeguarding_category_blocks_the_open_incident(app: StaffApp) -> None:
    ref = app.new_incident()
    details = dataclasses.replace(filled(), categories=(Category.NUDE_IMAGE_OF_CHILD,))
    app.form.set_details(details)
    app.form.safeguarding_changed.emit(True)
    assert app.vault.incident(ref).status is Status.BLOCKED


def test_exclude_needs_a_reason_and_is_logged(app: StaffApp, made) -> None:  # type: ignore[no-untyped-def]
    _, me = made
    ref = app.new_incident()
    add_png(app, ref, 1)
    add_png(app, ref, 2)
    app.exclude_item(2, "my own e-mail was on screen")
    rows = app.vault.items(ref)
    assert [r.excluded for r in rows] == [False, True]
    entries = app.vault.custody(ref, [me.age_secret])
    assert entries[-1].action == "excluded" and entries[-1].details["reason"] == "my own e-mail was on screen"


def test_seal_refuses_an_incomplete_form(app: StaffApp, made) -> None:  # type: ignore[no-untyped-def]
    _, me = made
    app.session.accept_identity(me)
    app.new_incident()
    app.seal()
    assert "before sealing" in app.window.problems.text()


def test_seal_writes_a_bundle_that_verifies(app: StaffApp, made, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _, me = made
    app.session.accept_identity(me)
    ref = app.new_incident()
    app.form.set_details(filled())
    png = add_png(app, ref, 3)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    app.seal()
    qtbot.waitUntil(lambda: bool(shown), timeout=30000)
    path = app.workspace.drop_folder() / f"{ref}{bundle.BUNDLE_SUFFIX}"
    assert path.exists() and str(path) in shown[0]
    assert hashlib.sha256(path.read_bytes()).hexdigest() in shown[0]
    verified = verify_file(path, me, app.workspace.profile())
    assert verified.bag[verified.items[0].file] == png
    # the standalone profile keeps no local copy: the local evidence is gone, the record of it stays
    assert app.vault.incident(ref).status is Status.SHREDDED
    assert app.vault.items(ref)[0].shredded
    assert [e.action for e in app.vault.custody(ref, [me.age_secret])][-2:] == ["sealed", "disposed"]
