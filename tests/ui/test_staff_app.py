"""The staff app's controller, offscreen: incidents, the form, lock and unlock, the safeguarding gate, seal.

The tests drive the real dialogs (provenance, seal confirmation, passphrase) the way a user does, and check that
the lock closes the dialogs we own (issue 9) and never interrupts a seal; and (issue 11) that a marked incident's
items are never shown again and are removed by a logged route, that unlock keeps its dialog open on a wrong
passphrase, and that a seal ends on a calm confirmation.
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

from app.flows.unlock import WRONG_PASSPHRASE_TEXT
from app.paths import Paths
from app.staff import StaffApp
from app.workspace import Workspace
from evidence import bundle
from evidence.bundle import share
from evidence.bundle.seal import verify_file
from evidence.capture.context import ReceivedContext
from evidence.case.custody import REMOVED_FOR_SAFEGUARDING
from evidence.case.incident import Category, IncidentDetails, PerpetratorType, ReportType, Status, TargetRole
from evidence.crypto.keys import Identity, Role
from ui.dialogs import QtReceiveDialog, QtSafeguardingDialog
from ui.sealed_page import WAITING_TEXT
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


def test_a_wrong_passphrase_keeps_the_dialog_open_with_a_line_under_the_field(app: StaffApp, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 11, like KeePassXC: no message box, no file path; the next try is typed in the same dialog."""
    app.lock.unlock(app.feedback)
    dialog = owned(app, QtUnlockDialog)
    assert dialog is not None
    assert dialog.minimumWidth() >= dialog.fontMetrics().horizontalAdvance(dialog.windowTitle())
    qtbot.keyClicks(dialog.passphrase, "not the passphrase")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.text() == WRONG_PASSPHRASE_TEXT, timeout=30000)
    assert owned(app, QtUnlockDialog) is dialog
    assert dialog.error.isVisibleTo(dialog)
    assert str(app.workspace.paths.data_dir.parent) not in dialog.error.text()
    assert boxes(app, "error_box") == []
    assert app.session.locked
    assert dialog.passphrase.isEnabled()
    assert dialog.passphrase.selectedText() == "not the passphrase"  # the next try replaces it
    qtbot.keyClicks(dialog.passphrase, PASS)
    with qtbot.waitSignal(app.session.locked_changed, timeout=30000) as unlocked:
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert unlocked.args == [False]
    assert owned(app, QtUnlockDialog) is None


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
    ref = app.incidents.record_for_dsl("A pupil showed me an image on their phone at 10:40. I did not look further.")
    assert app.vault.incident(ref).status is Status.BLOCKED
    grabbed = []
    monkeypatch.setattr("evidence.capture.screen.grab", lambda *a, **k: grabbed.append(1))
    app.capturing.capture("full")
    assert grabbed == []
    assert app.vault.items(ref) == []
    assert "capture refused" in app.window.statusBar().currentMessage()
    add_png(app, qtbot, ref)
    assert app.vault.items(ref) == []


def test_the_red_button_with_nothing_captured_starts_a_text_only_note(app: StaffApp, qtbot) -> None:  # type: ignore[no-untyped-def]
    app.window.capture_bar.safeguarding.trigger()
    dialog = owned(app, QtSafeguardingDialog)
    assert dialog is not None
    qtbot.mouseClick(dialog.record, Qt.MouseButton.LeftButton)
    [row] = app.vault.list_incidents()
    assert row.status is Status.BLOCKED
    assert app.incidents.current_ref == row.ref
    assert app.form.stack.currentWidget() is app.form.dsl_form  # the short form, not the cyber-bullying one
    assert app.form.dsl_form.dsl_edit.text() == "Jane Smith"  # the profile's DSL (standalone: the user)


def test_the_red_button_has_a_shortcut_tab_focus_a_name_and_a_tray_entry(app: StaffApp) -> None:
    from app.staff import TRAY_SAFEGUARDING
    from ui.main_window import SAFEGUARDING_SHORTCUT

    action = app.window.capture_bar.safeguarding
    assert action.shortcut().toString() == SAFEGUARDING_SHORTCUT
    assert SAFEGUARDING_SHORTCUT in action.toolTip()
    button = app.window.capture_bar.widgetForAction(action)
    assert button is not None
    assert button.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert button.accessibleName()
    assert action in app.window.capture_menu.actions()
    if app.tray is not None:
        assert TRAY_SAFEGUARDING in [a.text() for a in app.tray.contextMenu().actions()]


def marked_draft(app: StaffApp, me: Identity, qtbot) -> tuple[str, list[bytes]]:  # type: ignore[no-untyped-def]
    """An unlocked draft holding two items, their thumbnails and the viewer on show."""
    app.session.accept_identity(me)
    ref = app.incidents.new_incident()
    pngs = [add_png(app, qtbot, ref, 1), add_png(app, qtbot, ref, 2)]
    app.incidents.load_thumbnails()
    app.incidents.open_item(1)
    assert all(tile.thumbnail is not None for tile in app.items.tiles.values())
    assert app.viewer.canvas.image is not None
    return ref, pngs


def test_the_red_button_on_a_draft_with_captures_hides_them_at_once_and_removes_them(
    app: StaffApp, made, qtbot
) -> None:  # type: ignore[no-untyped-def]
    """Issue 11: the captures stayed viewable and a new "No items yet" incident opened instead."""
    _, me = made
    ref, pngs = marked_draft(app, me, qtbot)
    app.window.capture_bar.safeguarding.trigger()
    dialog = owned(app, QtSafeguardingDialog)
    assert dialog is not None
    # before any answer: not one more look
    assert app.items.tiles == {}
    assert app.viewer.canvas.image is None
    assert not app.viewer.isVisible()
    assert "2 captured items" in dialog.next_label.text()
    qtbot.mouseClick(dialog.record, Qt.MouseButton.LeftButton)
    assert app.incidents.current_ref == ref  # the open draft is marked, no new incident
    assert [r.ref for r in app.vault.list_incidents()] == [ref]
    assert app.vault.incident(ref).status is Status.BLOCKED
    assert all(r.shredded and r.excluded for r in app.vault.items(ref))
    disposed = [e for e in app.vault.custody(ref, [me.age_secret]) if e.action == "disposed"]
    assert [e.details["sha256"] for e in disposed] == [hashlib.sha256(p).hexdigest() for p in pngs]
    assert all(e.details["reason"] == REMOVED_FOR_SAFEGUARDING for e in disposed)
    assert app.form.stack.currentWidget() is app.form.dsl_form
    assert "were removed from this computer" in app.form.dsl_form.removal_label.text()
    assert not app.window.tabs.isTabEnabled(1)
    # nothing brings them back: not a thumbnail request, not a double-click, not an unlock
    app.incidents.load_thumbnails()
    app.incidents.open_item(1)
    app.incidents.open_incident(ref)
    assert app.items.tiles == {}
    assert app.viewer.canvas.image is None


def test_cancelling_the_red_button_shows_the_draft_again(app: StaffApp, made, qtbot) -> None:  # type: ignore[no-untyped-def]
    _, me = made
    ref, _pngs = marked_draft(app, me, qtbot)
    app.window.capture_bar.safeguarding.trigger()
    dialog = owned(app, QtSafeguardingDialog)
    assert dialog is not None
    dialog.reject()
    assert app.vault.incident(ref).status is Status.DRAFT
    assert set(app.items.tiles) == {1, 2}
    assert not any(r.shredded for r in app.vault.items(ref))


def test_ticking_the_box_hides_the_items_and_a_logged_button_removes_them(app: StaffApp, made, qtbot) -> None:  # type: ignore[no-untyped-def]
    _, me = made
    ref, pngs = marked_draft(app, me, qtbot)
    app.form.set_details(filled())
    qtbot.mouseClick(app.form.safeguarding_box, Qt.MouseButton.LeftButton)
    assert app.items.tiles == {}
    assert app.viewer.canvas.image is None
    assert app.vault.incident(ref).status is Status.BLOCKED
    assert "Capture is now blocked" in app.window.statusBar().currentMessage()
    dsl = app.form.dsl_form
    assert dsl.remove_button.isVisibleTo(app.form)
    assert "2 captured items" in dsl.removal_label.text()
    # the note is written on the short form; sealing waits for the removal
    dsl.note_edit.setPlainText("The image a pupil showed me at break.")
    dsl.device_edit.setText("A pupil's phone")
    qtbot.mouseClick(dsl.when_edit.just_now_button, Qt.MouseButton.LeftButton)
    app.sealing.seal()
    assert app.sealing.confirm_box is None
    assert dsl.general_problems_label.isVisibleTo(app.form)
    qtbot.mouseClick(dsl.remove_button, Qt.MouseButton.LeftButton)
    assert all(r.shredded for r in app.vault.items(ref))
    app.sealing.seal()
    box = app.sealing.confirm_box
    assert box is not None
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.window.right_stack.currentWidget() is app.window.sealed_page, timeout=30000)
    verified = verify_file(app.workspace.drop_folder() / f"{ref}.r1{bundle.BUNDLE_SUFFIX}", me, app.workspace.profile())
    assert verified.items == ()
    assert [(x.reason, x.sha256) for x in verified.excluded] == [
        (REMOVED_FOR_SAFEGUARDING, hashlib.sha256(p).hexdigest()) for p in pngs
    ]
    assert verified.incident.details.device == "A pupil's phone"
    assert "removed for safeguarding" in app.window.sealed_page.text_label.text()


def test_ticking_the_safeguarding_category_blocks_the_open_incident(app: StaffApp) -> None:
    ref = app.incidents.new_incident()
    app.form.set_details(filled())
    app.form.safeguarding_box.setChecked(True)
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
    assert app.window.problems.text()
    assert "thing" not in app.window.problems.text()
    assert app.form.problem_labels["description"].isVisibleTo(app.window)
    assert app.sealing.confirm_box is None


def test_a_new_incident_is_reported_to_the_dsl_and_titled_from_what_happened(app: StaffApp, made, qtbot) -> None:  # type: ignore[no-untyped-def]
    _, me = made
    ref, _png = ready_to_seal(app, me, qtbot)
    app.incidents.new_incident()
    assert app.form.details().reported_to == "Jane Smith"  # the profile's first reviewer (standalone: the user)
    assert app.form.details().perpetrator_type is None
    app.incidents.open_incident(ref)
    app.form.set_details(dataclasses.replace(filled(), title=""))
    app.sealing.seal()
    assert app.form.details().title == "Messages threatening a pupil after school."


def test_seal_while_locked_unlocks_then_carries_on(app: StaffApp, made, qtbot) -> None:  # type: ignore[no-untyped-def]
    _, me = made
    ref, _png = ready_to_seal(app, me, qtbot)
    app.incidents.save_details()
    app.session.lock()
    app.incidents.open_incident(ref)
    qtbot.mouseClick(app.window.seal_button, Qt.MouseButton.LeftButton)
    dialog = owned(app, QtUnlockDialog)
    assert dialog is not None
    qtbot.keyClicks(dialog.passphrase, PASS)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.sealing.confirm_box is not None, timeout=30000)


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
    page = app.window.sealed_page
    qtbot.waitUntil(lambda: app.window.right_stack.currentWidget() is page, timeout=30000)
    assert boxes(app, "info_box") == []  # a calm page, not a box over a greyed, emptied form
    assert page.heading_label.text() == "Sealed and sent to Jane Smith"
    path = app.workspace.drop_folder() / f"{ref}.r1{bundle.BUNDLE_SUFFIX}"
    assert path.exists()
    assert str(path) in page.text_label.text()
    assert hashlib.sha256(path.read_bytes()).hexdigest() in page.fingerprint_label.text()
    with qtbot.waitSignal(app.window.new_incident_action.triggered):
        page.new_button.click()
    assert app.window.right_stack.currentWidget() is app.window.incident_page
    assert app.incidents.current_ref != ref
    app.incidents.open_incident(ref)  # a sealed incident opens on its confirmation, not an empty form
    assert app.window.right_stack.currentWidget() is page
    verified = verify_file(path, me, app.workspace.profile())
    assert verified.bag[verified.items[0].file] == png
    # issue 15: the local copy stays until a reviewer's signed receipt for this bundle is on the share
    assert app.vault.incident(ref).status is Status.SEALED
    assert WAITING_TEXT in page.text_label.text()
    assert incident_status(app, ref) == WAITING_TEXT
    assert share.acknowledge(path.parent, ref, me, app.workspace.profile()) is not None  # standalone: her own reviewer
    app.check_deliveries()
    qtbot.waitUntil(lambda: app.vault.incident(ref).status is Status.SHREDDED, timeout=30000)
    # the standalone profile keeps no local copy: the local evidence is gone, the record of it stays
    assert app.vault.items(ref)[0].shredded
    assert [e.action for e in app.vault.custody(ref, [me.age_secret])][-3:] == ["annotated", "annotated", "disposed"]
    qtbot.waitUntil(lambda: incident_status(app, ref).startswith("Received by Jane Smith at "), timeout=30000)


def incident_status(app: StaffApp, ref: str) -> str:
    """The status column of ``ref``'s row in the staff window's incident list."""
    tree = app.window.incidents
    for index in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(index)
        if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == ref:
            return item.text(2)
    raise AssertionError(f"{ref} is not listed")


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
    assert not (app.workspace.drop_folder() / f"{ref}.r1{bundle.BUNDLE_SUFFIX}").exists()
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
    assert app.vault.incident(ref).status is Status.SEALED  # issue 15: kept until a reviewer's receipt
    assert (app.workspace.drop_folder() / f"{ref}.r1{bundle.BUNDLE_SUFFIX}").exists()


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


# --- issue 11: the window, its menus and keyboard ----------------------------------------------------------------


def test_every_command_is_in_a_menu_with_its_shortcut(app: StaffApp) -> None:
    from app import installation

    window = app.window
    bar = window.capture_bar
    in_menus = {a for m in (window.file_menu, window.capture_menu, window.incident_menu) for a in m.actions()}
    for action in (bar.full, bar.region, bar.pick_window, bar.import_file, bar.safeguarding, bar.lock):
        assert action in in_menus, action.text()
        if not action.shortcut().isEmpty():
            assert action.shortcut().toString() in action.toolTip(), action.text()
    for action in (window.new_incident_action, window.save_action, window.seal_action, window.unlock_action):
        assert not action.shortcut().isEmpty(), action.text()
        assert action.shortcut().toString() in action.toolTip(), action.text()
    installation.add_about_action(window, app.workspace)
    help_items = [a.objectName() for a in window.help_menu.actions()]
    assert {"guide_staff", "guide_reviewer", "guide_it", "about_installation"} <= set(help_items)
    assert [m.title() for m in window.menuBar().findChildren(type(window.help_menu)) if m.title() == "&Help"] == [
        "&Help"
    ]


def test_the_capture_commands_are_in_the_tab_order_with_names(app: StaffApp) -> None:
    bar = app.window.capture_bar
    for action in (bar.full, bar.region, bar.pick_window, bar.import_file, bar.safeguarding, bar.lock):
        button = bar.widgetForAction(action)
        assert button is not None
        assert button.focusPolicy() & Qt.FocusPolicy.TabFocus, action.text()
        assert button.accessibleName(), action.text()


def test_the_guides_open_from_help(app: StaffApp, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.guides import guide_path

    assert guide_path("staff") is not None  # a checkout carries them in docs/
    app.window.guide_actions["staff"].trigger()
    [viewer] = app.guides
    qtbot.addWidget(viewer)
    assert "Guide for staff" in viewer.windowTitle()
    assert "Evidence Capture" in viewer.browser.toPlainText()


def test_the_window_fits_the_screen_and_comes_back_at_the_users_size(app: StaffApp, qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.window_fit import available

    app.place_window()
    room = available(app.window)
    assert app.window.width() <= room.width()
    assert app.window.height() <= room.height()
    app.window.resize(700, 500)
    app.save_window()
    app.window.resize(1000, 700)
    app.place_window()
    assert (app.window.width(), app.window.height()) == (700, 500)


def test_a_capture_guesses_the_platform_and_brings_up_the_quick_report(app: StaffApp, made) -> None:  # type: ignore[no-untyped-def]
    from helpers import new_capture

    _, me = made
    app.session.accept_identity(me)
    ref = app.incidents.new_incident()
    png = Image.new("RGB", (4, 4))
    import io

    out = io.BytesIO()
    png.save(out, "PNG")
    app.vault.add_item(
        ref,
        new_capture(out.getvalue(), window_title="Instagram — Direct messages", width=4, height=4),
        actor=app.workspace.actor,
        recipients=app.workspace.recipients(),
    )
    app.incidents.show_incident(ref)
    app.window.tabs.setCurrentIndex(1)
    app.incidents.report_after_capture(ref, "")
    assert app.window.tabs.currentIndex() == 0
    assert app.form.details().platform == "Instagram"
    assert app.form.platform_note.isVisibleTo(app.window)
    assert app.vault.details(ref, [me.age_secret]).platform == "Instagram"  # saved
