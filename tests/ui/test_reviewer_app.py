"""The reviewer's controller, offscreen, on real sealed bundles: verdicts, wellbeing blur, actions, export.

The action and export dialogs are the real ones, filled in as a reviewer would; a lock closes them (issue 9).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bundles import ISSUED_AT, dsl, make_sealed, rezip, school_profile, staff, unsigned_profile, write_revision
from helpers import school_root
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.lock import LockCoordinator
from app.paths import Paths
from app.reviewer import ReviewerApp
from app.workspace import Workspace
from evidence import bundle
from evidence.case.profile import Profile
from evidence.core.text import BIDI_CONTROLS
from evidence.crypto.keys import write_identity_file
from evidence.review.actions import ReviewAction, add_review, reviews
from evidence.review.inbox import Seen, signature_path_for
from ui.inbox import COL_STATUS, SEEN_WORDS


@pytest.fixture
def reviewer(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    base = unsigned_profile()
    profile = Profile(  # the school profile in force: the bundle is sealed under it, and the DSL installs it
        school=base.school, reviewers=base.reviewers, staff=base.staff, drop_folder=str(tmp_path / "staff" / "drop")
    ).sign(school_root(), version=1, issued_utc=ISSUED_AT)
    sealed = make_sealed(tmp_path / "staff", items=2, profile=profile)
    assert sealed.result.path.parent == tmp_path / "staff" / "drop"
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
    qtbot.waitUntil(lambda: not app.review.scanning, timeout=20000)  # the first scan runs on a worker (issue 16)
    return app, sealed


def open_and_wait(qtbot, app: ReviewerApp, path: Path) -> None:  # type: ignore[no-untyped-def]
    app.review.open_bundle(path)
    qtbot.waitUntil(lambda: app.banner.text() != "", timeout=20000)


def boxes(app: ReviewerApp, name: str) -> list[QMessageBox]:
    """The message boxes on show in the reviewer window with this object name (error_box, info_box)."""
    return [b for b in app.window.findChildren(QMessageBox, name) if b.isVisible()]


def fill_action(qtbot, app: ReviewerApp, action: ReviewAction, why: str, fields: dict[str, str]):  # type: ignore[no-untyped-def]
    """Open the real action dialog and fill it in; the caller presses Record (or not)."""
    qtbot.mouseClick(app.window.record_button, Qt.MouseButton.LeftButton)
    dialog = app.review.action_dialog
    assert dialog is not None
    assert dialog.isVisible()
    dialog.action_combo.setCurrentIndex(dialog.action_combo.findData(action))
    for key, value in fields.items():
        qtbot.keyClicks(dialog.field_edits[key], value)
    qtbot.keyClicks(dialog.why_edit, why)
    return dialog


def test_inbox_lists_the_bundle_with_its_verified_origin(reviewer) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    from evidence.review.inbox import scan

    entries = scan(sealed.result.path.parent, app.profile)
    assert [e.ref for e in entries] == [sealed.ref]
    assert entries[0].origin.state.value == "verified"
    row = app.inbox.tree.topLevelItem(0)
    shown = " ".join(row.text(c) for c in range(app.inbox.tree.columnCount()))
    assert "Verified" in shown, shown
    assert "Jane" in shown or "j.smith" in shown, shown


def test_open_verified_bundle_shows_evidence_blurred(reviewer, qtbot) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    open_and_wait(qtbot, app, sealed.result.path)
    assert app.banner.text().startswith("Verified")
    root = school_root().card.fingerprint
    assert f"Signers anchored to the school root {root} (profile version 1)." in app.banner.detail_label.text()
    assert app.review.current is not None
    assert app.review.current.ref == sealed.ref
    assert app.items.blur_by_default  # threatening is a sensitive category
    assert app.custody.topLevelItemCount() == len(app.review.current.custody)
    assert "Messages about Pupil Alex" in app.window.incident.toPlainText()
    assert app.window.export_button.isEnabled()


def test_damaged_bundle_shows_only_the_verdict(reviewer, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    bad = tmp_path / "bad" / sealed.result.path.name
    bad.parent.mkdir()
    blob = bytearray(sealed.result.path.read_bytes())
    blob[len(blob) // 2] ^= 1
    bad.write_bytes(bytes(blob))
    signature_path_for(bad).write_bytes(bundle.origin_signature(bytes(blob), staff()))  # sent as it is
    open_and_wait(qtbot, app, bad)
    assert "“decrypt”" in app.banner.text(), app.banner.text()
    assert app.review.current is None
    assert not app.window.export_button.isEnabled()
    assert app.window.incident.toPlainText() == ""


def test_record_action_adds_a_signed_revision(reviewer, qtbot) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    open_and_wait(qtbot, app, sealed.result.path)
    dialog = fill_action(qtbot, app, ReviewAction.MEETING_HELD, "Met the pupil", {"who": "DSL and pupil"})
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.review.current is not None and len(app.review.current.revisions) == 2, timeout=20000)
    assert app.review.current_path == sealed.result.path.with_name(f"{sealed.ref}.r2.zip.age")  # issue 15: a new file
    again = bundle.open_bundle(app.review.current_path.read_bytes(), [dsl().age_secret], app.profile)
    assert [r.action for r in reviews(again)] == [ReviewAction.MEETING_HELD]
    assert sealed.result.path.read_bytes() == sealed.ciphertext  # the seal stays as history
    assert reviews(again)[0].fields == {"who": "DSL and pupil"}
    assert reviews(again)[0].why == "Met the pupil"
    assert app.window.action_list.count() == 1


def test_export_button(reviewer, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    open_and_wait(qtbot, app, sealed.result.path)
    qtbot.mouseClick(app.window.export_button, Qt.MouseButton.LeftButton)
    dialog = app.exporting.dialog
    assert dialog is not None
    assert not dialog.ok.isEnabled()
    dialog.folder.setText(str(tmp_path / "exports"))
    qtbot.keyClicks(dialog.officer_reference, "PC 9, CR/1/26")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    folder = tmp_path / "exports" / f"{sealed.ref}-police-export"
    assert (folder / "report.pdf").read_bytes().startswith(b"%PDF")
    shown = [b.text() for b in boxes(app, "info_box")]
    assert shown
    assert str(folder) in shown[0]
    assert app.review.current is not None
    assert reviews(app.review.current)[-1].action is ReviewAction.EXPORTED
    assert not app.session.busy


def test_lock_forgets_the_bundle(reviewer, qtbot) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    open_and_wait(qtbot, app, sealed.result.path)
    app.session.lock()
    assert app.review.current is None
    assert app.banner.text() == ""
    assert app.custody.topLevelItemCount() == 0


def test_idle_lock_closes_the_open_action_dialog_and_nothing_runs(reviewer, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 9: the idle lock fired while the action dialog was open; Record then ran the job with no identity."""
    app, sealed = reviewer
    open_and_wait(qtbot, app, sealed.result.path)
    dialog = fill_action(qtbot, app, ReviewAction.CLOSED, "", {})
    assert dialog.ok_button.isEnabled()
    app.session.lock()  # what the idle timer calls
    assert not dialog.isVisible()
    assert app.review.action_dialog is None
    assert app.lock.dialogs() == []
    assert not app.session.busy
    assert boxes(app, "error_box") == []
    again = bundle.open_bundle(sealed.result.path.read_bytes(), [dsl().age_secret], app.profile)
    assert len(again.revisions) == 1


def test_idle_lock_closes_the_open_export_dialog(reviewer, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    open_and_wait(qtbot, app, sealed.result.path)
    app.exporting.export()
    dialog = app.exporting.dialog
    assert dialog is not None
    dialog.folder.setText(str(tmp_path / "exports"))
    qtbot.keyClicks(dialog.officer_reference, "PC 9")
    app.session.lock()
    assert not dialog.isVisible()
    assert app.exporting.dialog is None
    assert not (tmp_path / "exports").exists()


def test_a_bundle_opened_while_locked_opens_after_the_unlock(reviewer, qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.unlock_dialog import QtUnlockDialog

    app, sealed = reviewer
    app.session.lock()
    app.review.open_bundle(sealed.result.path)
    dialog = next(d for d in app.lock.dialogs() if isinstance(d, QtUnlockDialog))
    qtbot.keyClicks(dialog.passphrase, "a long test passphrase")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.review.current is not None, timeout=30000)
    assert app.review.current.ref == sealed.ref
    assert app.banner.text().startswith("Verified")


def test_a_failed_check_reaches_the_banner_and_the_index_by_type(reviewer, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 9: the check used to be guessed from the message text (and the file was lost on the way)."""
    app, sealed = reviewer
    swapped = rezip(sealed.zip_bytes, {"data/items/001.png": sealed.pngs[1]})
    bad = tmp_path / "bad" / sealed.result.path.name
    bad.parent.mkdir()
    bad.write_bytes(bundle.encrypt_bundle(swapped, school_profile()))
    signature_path_for(bad).write_bytes(bundle.origin_signature(bad.read_bytes(), staff()))  # sent by Jane
    open_and_wait(qtbot, app, bad)
    text = app.banner.text()
    assert "“payload hash”" in text, text
    assert "item 1's image" in text, text
    assert app.review.current is None
    record = app.review.index.records[bundle.sha256_hex(bad.read_bytes())]
    assert record.verdict.endswith("payload hash")


# -- issue 10: a rolled-back copy is amber, and text from a bundle is shown clean ----------------------------------


def test_an_older_revision_put_back_is_amber_never_green(reviewer, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    open_and_wait(qtbot, app, sealed.result.path)
    assert app.banner.state == "verified"
    verified = app.review.current
    bag = add_review(verified, dsl(), app.profile, ReviewAction.NOTE, "Read it")
    newer = write_revision(verified.ref, bag, dsl(), app.profile, tmp_path / "elsewhere")
    app.banner.clear()
    open_and_wait(qtbot, app, newer)
    assert app.banner.state == "verified"
    app.banner.clear()
    open_and_wait(qtbot, app, sealed.result.path)  # revision 1, still in the drop folder: the old copy
    assert app.banner.state == "amber"
    assert "older than the one already seen" in app.banner.text()
    assert "Signers anchored to the school root" in app.banner.detail_label.text()  # both verdicts, amber too
    assert app.review.current is not None  # genuine, so it can be read, but never as plain green
    row = app.inbox.tree.topLevelItem(0)
    assert row.text(COL_STATUS) == SEEN_WORDS[Seen.OLDER]
    assert row.foreground(COL_STATUS).color().name() == "#8a5a00"


EVIL = "\x1b]0;owned\x07\x1b[2J\u202etxt.exe\nFAKE: Verified\u2066"


def test_control_and_bidi_characters_from_a_bundle_are_never_shown(reviewer, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, _ = reviewer
    sealed = make_sealed(tmp_path / "evil", title=f"Title{EVIL}", caption=f"Caption{EVIL}", profile=app.profile)
    verified = bundle.open_bundle(sealed.result.path.read_bytes(), [dsl().age_secret], app.profile)
    fields = {"crime_reference": f"CR{EVIL}"}
    bag = add_review(verified, dsl(), app.profile, ReviewAction.POLICE_CONTACTED, f"Why{EVIL}", fields)
    path = write_revision(verified.ref, bag, dsl(), app.profile, tmp_path / "evil-drop")
    open_and_wait(qtbot, app, path)
    assert app.banner.state == "verified"
    shown = [
        app.window.heading.text(),
        app.banner.text(),
        *(app.window.action_list.item(i).text() for i in range(app.window.action_list.count())),
        *(
            app.custody.topLevelItem(r).text(c)
            for r in range(app.custody.topLevelItemCount())
            for c in range(app.custody.columnCount())
        ),
        *(tile.caption_edit.text() for tile in app.items.tiles.values()),
    ]
    for text in [*shown, app.window.incident.toPlainText()]:
        assert not any(ch in BIDI_CONTROLS or ch == "\x1b" or ch == "\x07" for ch in text), repr(text)
    for text in shown:
        assert "\n" not in text.removeprefix(app.banner.headline_label.text() + "\n"), repr(text)
    assert "Title" in app.window.heading.text()
    assert app.items.tiles[1].caption_edit.text().startswith("Caption")
    assert any("Why" in app.window.action_list.item(i).text() for i in range(app.window.action_list.count()))
    assert "FAKE: Verified" not in app.window.incident.toPlainText().splitlines()
    app.open_item(1)
    assert app.viewer.detail_fields["Caption"].text().startswith("Caption")  # type: ignore[attr-defined]
    for field in app.viewer.detail_fields.values():
        text = field.text() if hasattr(field, "text") else ""
        assert not any(ch in BIDI_CONTROLS or ch == "\x1b" for ch in text), repr(text)


# --- issue 11: one window, plain words -----------------------------------------------------------------------------


@pytest.fixture
def hosted(reviewer, qtbot):  # type: ignore[no-untyped-def]
    """The reviewer's page inside a main window, as reviewers and standalone users get it."""
    from PySide6.QtWidgets import QWidget

    from ui.main_window import QtMainWindow

    app, sealed = reviewer
    window = QtMainWindow(QWidget(), QWidget())
    qtbot.addWidget(window)
    page = ReviewerApp(app.workspace, app.lock, host=window)
    qtbot.waitUntil(lambda: not page.review.scanning, timeout=20000)
    return page, window, sealed


def test_the_inbox_is_a_page_of_the_main_window_with_a_review_menu(hosted, qtbot) -> None:  # type: ignore[no-untyped-def]
    page, window, sealed = hosted
    assert window.pages.count() == 2
    assert window.pages.widget(1) is page.window
    assert not page.window.isWindow()
    assert window.pages.tabBar().isVisibleTo(window)
    assert page.feedback.window is window
    actions = {a.objectName(): a for a in window.findChild(type(window.help_menu), "review_menu").actions()}
    assert {"open_bundle_action", "refresh_action", "record_action", "export_action"} <= set(actions)
    assert all(not a.shortcut().isEmpty() for a in actions.values())
    assert not actions["record_action"].isEnabled()
    window.pages.setCurrentIndex(1)
    assert window.windowTitle() == "Inbox — Evidence Capture"
    page.review.open_bundle(sealed.result.path)
    qtbot.waitUntil(lambda: page.review.current is not None, timeout=20000)
    assert actions["record_action"].isEnabled()
    assert window.windowTitle().startswith(sealed.ref)
    assert page.inbox.current_path() == sealed.result.path  # the selection follows the bundle shown
    assert "Checking" not in window.statusBar().currentMessage()
    assert page.items.empty_label.text() != "No items yet. Capture the screen, or add a screenshot someone sent you."


def test_a_damaged_bundle_leads_the_heading_selection_and_status(hosted, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 11: the heading and the selection stayed on the bundle shown before, the status on "Checking…"."""
    page, window, sealed = hosted
    page.review.open_bundle(sealed.result.path)
    qtbot.waitUntil(lambda: page.review.current is not None, timeout=20000)
    drop = sealed.result.path.parent
    bad = drop / "EC-20261125-00BAD0.zip.age"
    blob = bytearray(sealed.result.path.read_bytes())
    blob[len(blob) // 2] ^= 1
    bad.write_bytes(bytes(blob))
    # sent as it is by the staff member (an origin signature over the damaged bytes), so the damage is what shows
    bad.with_name(bad.name + ".sig").write_bytes(bundle.origin_signature(bytes(blob), staff()))
    page.review.refresh()
    page.review.open_bundle(bad)
    qtbot.waitUntil(lambda: page.banner.state == "failed", timeout=20000)
    assert page.banner.headline_label.text() == "This bundle has been altered or damaged and cannot be trusted."
    assert page.window.heading.text().startswith(bad.name)
    qtbot.waitUntil(lambda: page.inbox.current_path() == bad, timeout=20000)  # once the rescan listed it
    assert "Checking" not in window.statusBar().currentMessage()
    assert bad.name in window.statusBar().currentMessage()


def test_the_incident_tab_speaks_in_words_not_iso_times_or_enum_values(reviewer, qtbot) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    open_and_wait(qtbot, app, sealed.result.path)
    text = app.window.incident.toPlainText()
    assert "2026-11-24T" not in text
    assert "18:30" in text
    assert "Categories: Threatening" in text  # the label, not the value "threatening"
    assert "thing(s)" not in app.window.heading.text()


def test_opening_a_bundle_of_the_drop_folder_writes_a_receipt(reviewer, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 15: the reviewer's inbox writes a signed receipt for the seal it verified, so the member of staff may
    delete their local copy; a copy opened from elsewhere gets none."""
    from evidence.bundle import share

    app, sealed = reviewer
    elsewhere = tmp_path / "usb"
    elsewhere.mkdir()
    for suffix in ("", ".sig"):
        (elsewhere / f"{sealed.result.path.name}{suffix}").write_bytes(
            (sealed.result.path.parent / f"{sealed.result.path.name}{suffix}").read_bytes()
        )
    open_and_wait(qtbot, app, elsewhere / sealed.result.path.name)
    assert not (elsewhere / "receipts").exists()
    drop = sealed.result.path.parent
    assert share.find_receipt(drop, sealed.ref, sealed.result.sha256, app.profile) is None
    app.banner.clear()
    open_and_wait(qtbot, app, sealed.result.path)
    receipt = share.find_receipt(drop, sealed.ref, sealed.result.sha256, app.profile)
    assert receipt is not None
    assert receipt.principal == dsl().card.principal


def test_the_drop_folder_is_scanned_off_the_ui_thread_and_remembered_across_restarts(
    reviewer, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Issue 16, point 7: the scan runs on a worker and lists bundles as they are checked; a restart reads none."""
    import threading

    from evidence.review import inbox as inbox_core

    app, sealed = reviewer
    drop = sealed.result.path.parent
    more = make_sealed(drop.parent / "more", items=1, profile=app.profile, title="Another incident")
    for path in (more.result.path, more.result.signature_path):
        path.rename(drop / path.name)
    threads: list[str] = []
    real = inbox_core.read_entry

    def counted(path: Path, profile: Profile) -> inbox_core.InboxEntry | None:
        threads.append(threading.current_thread().name)
        return real(path, profile)

    monkeypatch.setattr(inbox_core, "read_entry", counted)
    listed: list[Path] = []
    app.review._scan_signals.entry.connect(lambda entry, _d, _n: listed.append(entry.path))
    with qtbot.waitSignal(app.review.scan_done, timeout=20000):
        app.review.refresh()
    assert len(threads) == 1  # only the new bundle is read, and on a worker
    assert threading.main_thread().name not in threads
    assert sorted(listed) == sorted([sealed.result.path, drop / more.result.path.name])
    assert app.inbox.tree.topLevelItemCount() == 2
    threads.clear()
    again = ReviewerApp(app.workspace, app.lock)  # the next start of the app: a fresh index loaded from disk
    qtbot.addWidget(again.window)
    qtbot.waitUntil(lambda: not again.review.scanning, timeout=20000)
    assert threads == []
    assert again.inbox.tree.topLevelItemCount() == 2
    assert {e.origin.state.value for e in again.inbox.entries} == {"verified"}


def test_thumbnails_come_from_the_bundle_file_on_a_worker(reviewer, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 16, point 1: an opened bundle holds no image; the thumbnails are read from its file in one pass."""
    app, sealed = reviewer
    open_and_wait(qtbot, app, sealed.result.path)
    verified = app.review.current
    assert verified is not None
    assert isinstance(verified.zip_source, bundle.ZipSource)
    assert not any(name.endswith(".png") for name in verified.bag._held)
    qtbot.waitUntil(lambda: app.items.missing_thumbnails() == [], timeout=20000)
    assert all(app.items.tiles[i.seq].thumbnail is not None for i in verified.items)
    app.open_item(verified.items[-1].seq)  # the viewer fetches the image on demand
    assert app.viewer.isVisible()
