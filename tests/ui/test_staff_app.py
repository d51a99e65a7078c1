"""The staff app's controller, offscreen: incidents, the form, lock and unlock, the safeguarding gate, seal.

The tests drive the real dialogs (provenance, seal confirmation, passphrase) the way a user does, and check that
the lock closes the dialogs we own (issue 9) and never interrupts a seal.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import TypeVar

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from app.paths import Paths
from app.staff import StaffApp
from app.workspace import Workspace
from evidence import bundle
from evidence.bundle.seal import verify_file
from evidence.capture.context import ReceivedContext
from evidence.case.incident import Category, IncidentDetails, PerpetratorType, ReportType, Status, TargetRole
from evidence.crypto.keys import Identity, Role
from ui.dialogs import DslNoteRequest, QtReceiveDialog, QtSafeguardingDialog
from ui.unlock_dialog import QtUnlockDialog

PASS = "a long test passphrase"
D = TypeVar("D", bound=QDialog)


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


def owned(app: StaffApp, kind: type[D]) -> D | None:
    """The open dialog of this kind that the app owns, if any."""
    return next((d for d in app.lock.dialogs() if isinstance(d, kind) and d.isVisible()), None)


def boxes(app: StaffApp, name: str) -> list[QMessageBox]:
    """The message boxes on show in the staff window with this object name (error_box, info_box)."""
    return [b for b in app.window.findChildren(QMessageBox, name) if b.isVisible()]


def add_png(app: StaffApp, qtbot, ref: str, seed: int = 1) -> bytes:  # type: ignore[no-untyped-def]
    """Import a PNG through the real provenance dialog (no dialog shows if the incident refuses imports)."""
    img = Image.new("RGB", (32, 24), (seed * 40 % 256, 90, 200))
    path = app.workspace.paths.data_dir.parent / f"shot{seed}.png"
    img.save(path)
    app.capturing.ask_provenance([path])
    dialog = owned(app, QtReceiveDialog)
    if dialog is not None:
        assert not dialog.ok.isEnabled()
        qtbot.keyClicks(dialog.provided_by, "The pupil")
        qtbot.keyClicks(dialog.how, "shown on their phone, then e-mailed")
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
        assert owned(app, QtReceiveDialog) is None
    return path.read_bytes()


def test_starts_locked_and_a_new_incident_is_editable_while_locked(app: StaffApp) -> None:
    assert app.session.locked
    assert app.window.locked_note.isVisibleTo(app.window)
    ref = app.incidents.new_incident()
    assert app.incidents.current_ref == ref
    assert app.form.isEnabled()
    app.form.set_details(filled())
    assert app.incidents.save_details()
    me = app.workspace.own_card()
    assert app.vault.incident(ref).status is Status.DRAFT
    # written with public keys only; reading it back needs the key
    assert app.vault.list_incidents()[0].ref == ref
    assert me.principal not in app.window.incidents.topLevelItem(0).text(0)


def test_received_screenshot_keeps_its_provenance(app: StaffApp, made, qtbot) -> None:  # type: ignore[no-untyped-def]
    _, me = made
    ref = app.incidents.new_incident()
    png = add_png(app, qtbot, ref)
    app.session.accept_identity(me)
    [row] = app.vault.items(ref)
    assert row.kind == "received"
    assert row.sha256 == hashlib.sha256(png).hexdigest()
    context = app.vault.item_context(ref, 1, [me.age_secret])
    assert isinstance(context, ReceivedContext)
    assert context.provided_by == "The pupil"
    assert context.how == "shown on their phone, then e-mailed"
    assert app.window.tabs.currentIndex() == 1


def test_unlock_through_the_passphrase_dialog(app: StaffApp, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(app.window.unlock_button, Qt.MouseButton.LeftButton)
    dialog = owned(app, QtUnlockDialog)
    assert dialog is not None
    qtbot.keyClicks(dialog.passphrase, PASS)
    with qtbot.waitSignal(app.session.locked_changed, timeout=30000) as unlocked:
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert unlocked.args == [False]
    assert not app.session.locked


def test_a_wrong_passphrase_says_so_and_stays_locked(app: StaffApp, qtbot) -> None:  # type: ignore[no-untyped-def]
    app.lock.unlock(app.feedback)
    dialog = owned(app, QtUnlockDialog)
    assert dialog is not None
    qtbot.keyClicks(dialog.passphrase, "not the passphrase")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(boxes(app, "error_box")), timeout=30000)
    assert boxes(app, "error_box")[0].windowTitle() == "Not unlocked"
    assert app.session.locked


def test_lock_drops_what_was_decrypted(app: StaffApp, made, qtbot) -> None:  # type: ignore[no-untyped-def]
    _, me = made
    ref = app.incidents.new_incident()
    app.form.set_details(filled("Secret title"))
    app.incidents.save_details()
    add_png(app, qtbot, ref)
    app.session.accept_identity(me)
    assert not app.session.locked
    app.incidents.open_incident(ref)
    assert app.form.details().title == "Secret title"
    assert app.window.incidents.topLevelItem(0).text(0) == "Secret title"
    app.incidents.open_item(1)
    app.session.lock()
    assert app.session.locked
    assert app.form.details().title == ""
    assert not app.form.isEnabled()
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


def test_safeguarding_record_blocks_capture_and_import(app: StaffApp, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ref = app.incidents.record_for_dsl(
        DslNoteRequest("A pupil showed me an image on their phone at 10:40. I did not look further.")
    )
    assert app.vault.incident(ref).status is Status.BLOCKED
    grabbed = []
    monkeypatch.setattr("evidence.capture.screen.grab", lambda *a, **k: grabbed.append(1))
    app.capturing.capture("full")
    assert grabbed == []
    assert app.vault.items(ref) == []
    assert "capture refused" in app.window.statusBar().currentMessage()
    add_png(app, qtbot, ref)
    assert app.vault.items(ref) == []


def test_the_safeguarding_dialog_records_a_blocked_text_only_incident(app: StaffApp, qtbot) -> None:  # type: ignore[no-untyped-def]
    app.window.capture_bar.safeguarding.trigger()
    dialog = owned(app, QtSafeguardingDialog)
    assert dialog is not None
    assert not dialog.record.isEnabled()
    qtbot.keyClicks(dialog.note, "A pupil showed me an image at 10:40.")
    qtbot.mouseClick(dialog.record, Qt.MouseButton.LeftButton)
    [row] = app.vault.list_incidents()
    assert row.status is Status.BLOCKED
    assert app.incidents.current_ref == row.ref


def test_ticking_the_safeguarding_category_blocks_the_open_incident(app: StaffApp) -> None:
    ref = app.incidents.new_incident()
    details = dataclasses.replace(filled(), categories=(Category.NUDE_IMAGE_OF_CHILD,))
    app.form.set_details(details)
    app.form.safeguarding_changed.emit(True)
    assert app.vault.incident(ref).status is Status.BLOCKED


def test_exclude_needs_a_reason_and_is_logged(app: StaffApp, made, qtbot) -> None:  # type: ignore[no-untyped-def]
    _, me = made
    ref = app.incidents.new_incident()
    add_png(app, qtbot, ref, 1)
    add_png(app, qtbot, ref, 2)
    app.incidents.exclude_item(2, "my own e-mail was on screen")
    rows = app.vault.items(ref)
    assert [r.excluded for r in rows] == [False, True]
    entries = app.vault.custody(ref, [me.age_secret])
    assert entries[-1].action == "excluded"
    assert entries[-1].details["reason"] == "my own e-mail was on screen"


def test_seal_refuses_an_incomplete_form(app: StaffApp, made) -> None:  # type: ignore[no-untyped-def]
    _, me = made
    app.session.accept_identity(me)
    app.incidents.new_incident()
    app.sealing.seal()
    assert "before sealing" in app.window.problems.text()
    assert app.sealing.confirm_box is None


def ready_to_seal(app: StaffApp, me: Identity, qtbot) -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    app.session.accept_identity(me)
    ref = app.incidents.new_incident()
    app.form.set_details(filled())
    png = add_png(app, qtbot, ref, 3)
    return ref, png


def test_seal_writes_a_bundle_that_verifies(app: StaffApp, made, qtbot) -> None:  # type: ignore[no-untyped-def]
    _, me = made
    ref, png = ready_to_seal(app, me, qtbot)
    qtbot.mouseClick(app.window.seal_button, Qt.MouseButton.LeftButton)
    box = app.sealing.confirm_box
    assert box is not None
    assert box.isVisible()
    assert ref in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(boxes(app, "info_box")), timeout=30000)
    shown = boxes(app, "info_box")[0].text()
    path = app.workspace.drop_folder() / f"{ref}{bundle.BUNDLE_SUFFIX}"
    assert path.exists()
    assert str(path) in shown
    assert hashlib.sha256(path.read_bytes()).hexdigest() in shown
    verified = verify_file(path, me, app.workspace.profile())
    assert verified.bag[verified.items[0].file] == png
    # the standalone profile keeps no local copy: the local evidence is gone, the record of it stays
    assert app.vault.incident(ref).status is Status.SHREDDED
    assert app.vault.items(ref)[0].shredded
    assert [e.action for e in app.vault.custody(ref, [me.age_secret])][-2:] == ["sealed", "disposed"]


def test_no_answers_no_seal(app: StaffApp, made, qtbot) -> None:  # type: ignore[no-untyped-def]
    _, me = made
    ref, _png = ready_to_seal(app, me, qtbot)
    app.sealing.seal()
    box = app.sealing.confirm_box
    assert box is not None
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
    assert app.vault.incident(ref).status is Status.DRAFT
    assert not app.session.busy


def test_idle_lock_closes_the_seal_confirmation_and_nothing_is_sealed(app: StaffApp, made, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 9: the idle lock fired while the confirmation was open; Yes then sealed with no identity."""
    _, me = made
    ref, _png = ready_to_seal(app, me, qtbot)
    app.sealing.seal()
    box = app.sealing.confirm_box
    assert box is not None
    assert box.isVisible()
    app.session.lock()  # what the idle timer calls
    assert app.session.locked
    assert not box.isVisible()
    assert app.sealing.confirm_box is None
    assert app.lock.dialogs() == []
    assert not app.session.busy
    assert app.vault.incident(ref).status is Status.DRAFT
    assert not (app.workspace.drop_folder() / f"{ref}{bundle.BUNDLE_SUFFIX}").exists()
    assert boxes(app, "error_box") == []


def test_a_lock_during_the_seal_waits_for_it(app: StaffApp, made, qtbot) -> None:  # type: ignore[no-untyped-def]
    _, me = made
    ref, _png = ready_to_seal(app, me, qtbot)
    app.sealing.seal()
    box = app.sealing.confirm_box
    assert box is not None
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    assert app.session.busy
    app.session.lock()
    assert not app.session.locked  # the seal is never interrupted
    with qtbot.waitSignal(app.session.locked_changed, timeout=30000):
        pass
    assert app.session.locked
    assert not app.session.busy
    assert app.vault.incident(ref).status is Status.SHREDDED
    assert (app.workspace.drop_folder() / f"{ref}{bundle.BUNDLE_SUFFIX}").exists()


def test_the_lock_closes_an_open_provenance_dialog(app: StaffApp, made, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, me = made
    app.session.accept_identity(me)
    ref = app.incidents.new_incident()
    path = tmp_path / "from-parent.png"
    Image.new("RGB", (8, 8)).save(path)
    app.capturing.ask_provenance([path])
    dialog = owned(app, QtReceiveDialog)
    assert dialog is not None
    qtbot.keyClicks(dialog.provided_by, "A parent")
    app.session.lock()
    assert owned(app, QtReceiveDialog) is None
    assert app.vault.items(ref) == []


def test_the_passphrase_dialog_is_not_closed_by_a_lock(app: StaffApp) -> None:
    app.lock.unlock(app.feedback)
    assert owned(app, QtUnlockDialog) is not None
    app.session.lock()
    assert owned(app, QtUnlockDialog) is not None
