"""Widget tests for the reviewer's side: inbox, verdict banner, custody timeline, review dialog, capture exclusion."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from bundles import bag_of, dsl, make_sealed, rezip, school_profile, staff
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from evidence import bundle
from evidence.case.custody import Action, make_entry
from evidence.core.errors import BundleError
from evidence.review.actions import ReviewAction, add_review
from evidence.review.inbox import InboxIndex, OriginState, scan, signature_path_for
from ui import capture_exclusion
from ui.capture_exclusion import (
    UNSUPPORTED_MESSAGE,
    WDA_EXCLUDEFROMCAPTURE,
    WDA_MONITOR,
    WINDOWS_FAILED_MESSAGE,
    exclude_from_capture,
)
from ui.custody_view import COL_DETAILS, COL_SEQ, COL_WHAT, COL_WHEN, COL_WHO, QtCustodyLogView
from ui.inbox import COL_ORIGIN, COL_REF, COL_SENDER, COL_STATUS, NOT_OPENED_TEXT, QtInbox
from ui.review_dialog import QtReviewActionDialog
from ui.verdict import ALTERED_TEXT, CANNOT_OPEN_TEXT, HEADLINES, INSPECT_TEXT, QtVerdictBanner

# -- shared bundles --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sealed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with one bundle sealed by Jane (read-only for the tests: copy before changing)."""
    return make_sealed(tmp_path_factory.mktemp("sealed")).result.path.parent


@pytest.fixture
def drop(sealed_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the drop folder."""
    folder = tmp_path / "drop"
    shutil.copytree(sealed_dir, folder)
    return folder


def only_bundle(folder: Path) -> Path:
    [path] = folder.glob("*.zip.age")
    return path


def verified_of(folder: Path) -> bundle.VerifiedBundle:
    return bundle.open_bundle(only_bundle(folder).read_bytes(), [dsl().age_secret], school_profile())


# -- the verdict banner ----------------------------------------------------------------------------------------------


def test_banner_says_who_sealed_a_good_bundle(qtbot, drop: Path) -> None:
    banner = QtVerdictBanner()
    qtbot.addWidget(banner)
    assert banner.isHidden()
    assert banner.state is None
    banner.show_verified(verified_of(drop))
    text = banner.text()
    assert text.startswith(f"Verified: sealed by Jane Smith <j.smith@school.example> ({staff().card.fingerprint}) on ")
    assert ", 2 items, custody chain intact, 1 revision\n" in text
    assert banner.state == "verified"
    assert not banner.isHidden()
    assert "2026-11-25T12:00:00.000Z" in banner.toolTip()
    assert "#1e7e34" in banner.styleSheet()
    banner.clear()
    assert banner.isHidden()
    assert banner.text() == ""
    assert banner.state is None


def test_banner_counts_revisions_and_items_left_out(qtbot, tmp_path: Path) -> None:
    sealed = make_sealed(tmp_path, items=1, exclude=True)
    profile = school_profile()
    verified = bundle.verify_bag(sealed.zip_bytes, profile)
    bag = add_review(verified, dsl(), profile, ReviewAction.NOTE, "Read")
    revised = bundle.verify_bag(bundle.zip_bag(verified.ref, bag), profile)
    banner = QtVerdictBanner()
    qtbot.addWidget(banner)
    banner.show_verified(revised)
    assert ", 1 item (1 left out at sealing), custody chain intact, 2 revisions" in banner.text()
    assert "Latest revision by Dee Sell." in banner.text()


FAILURES = [
    ("decrypt", None, "the encrypted file is damaged", CANNOT_OPEN_TEXT),
    ("unreadable", None, "this file is not a sealed bundle, or it was not encrypted to you", CANNOT_OPEN_TEXT),
    ("zip structure", None, "the archive is not in the sealed form", INSPECT_TEXT),
    ("bagit", "bag-info.txt", "the archive is not in the sealed form, in the bag description (bag-info.txt)", None),
    ("payload hash", "data/items/002.png", "a file does not match its fingerprint, in item 2's image", None),
    ("signature", "seal/manifest-sha256.txt.sig", "the seal signature does not verify, in the seal signature", None),
    (
        "untrusted signer",
        "seal/revisions/2/manifest-sha256.txt.sig",
        "signed by someone the school does not trust",
        None,
    ),
    (
        "revision",
        "data/revisions/2.json",
        "a later revision changed the sealed evidence, in the record of revision 2",
        None,
    ),
    (
        "custody",
        "data/custody-r2.jsonl",
        "the custody record is broken, in the custody log (data/custody-r2.jsonl)",
        None,
    ),
    ("consistency", "data/incident.json", "the record is inconsistent, in the incident record", None),
]


@pytest.mark.parametrize(("check", "member", "phrase", "then"), FAILURES, ids=[f[0] for f in FAILURES])
def test_banner_names_each_failed_check_in_words(
    qtbot, check: str, member: str | None, phrase: str, then: str | None
) -> None:
    banner = QtVerdictBanner()
    qtbot.addWidget(banner)
    error = BundleError(f"{check}: {member or ''}: the details", check=check, member=member)
    banner.show_failed(error)
    assert banner.state == "failed"
    assert not banner.isHidden()
    # issue 11: plain words first ("cannot be trusted"), then what failed, then the exact check
    assert banner.headline_label.text() == HEADLINES.get(check, ALTERED_TEXT)
    assert banner.reason_label.text().startswith(f"What failed: {phrase}")
    assert banner.text().index(banner.headline_label.text()) < banner.text().index("What failed")
    assert (then or INSPECT_TEXT) in banner.detail_label.text()
    assert f"Check “{check}”: {error}" in banner.detail_label.text()
    assert "#b00020" in banner.styleSheet()


def test_banner_for_a_really_tampered_item(qtbot, drop: Path) -> None:
    zip_bytes = bundle.decrypt_bundle(only_bundle(drop).read_bytes(), [dsl().age_secret])
    item = bag_of(zip_bytes)["data/items/001.png"]
    tampered = rezip(zip_bytes, {"data/items/001.png": item[:-1] + bytes([item[-1] ^ 1])})
    with pytest.raises(BundleError) as caught:
        bundle.verify_bag(tampered, school_profile())
    banner = QtVerdictBanner()
    qtbot.addWidget(banner)
    banner.show_failed(caught.value)
    assert banner.headline_label.text() == "This bundle has been altered or damaged and cannot be trusted."
    assert banner.reason_label.text() == (
        "What failed: a file does not match its fingerprint, in item 1's image (data/items/001.png)."
    )


def test_banner_never_shows_hostile_names_as_they_are(qtbot) -> None:
    banner = QtVerdictBanner()
    qtbot.addWidget(banner)
    member = "data/items/\u202egnp.exe\n<b>x</b>"
    banner.show_failed(BundleError(f"bagit: {member}: is not listed", check="weird\ncheck", member=member))
    assert "\u202e" not in banner.text()
    assert "\n" not in banner.reason_label.text()
    assert banner.reason_label.textFormat() == Qt.TextFormat.PlainText
    assert "the bundle failed the “weird check” check" in banner.reason_label.text()


# -- the inbox -------------------------------------------------------------------------------------------------------


def rows(inbox: QtInbox) -> list[list[str]]:
    tree = inbox.tree
    return [[tree.topLevelItem(r).text(c) for c in range(tree.columnCount())] for r in range(tree.topLevelItemCount())]


def test_inbox_lists_entries_with_origin_and_status(qtbot, drop: Path, tmp_path: Path) -> None:
    path = only_bundle(drop)
    verified = verified_of(drop)
    profile = school_profile()
    missing = drop / "EC-20261125-ABCDEF.zip.age"
    missing.write_bytes(path.read_bytes() + b"\0")  # another bundle, not yet opened
    failed = drop / "EC-20261125-0000AA.zip.age"  # sent by Jane, but not a bundle: it fails when opened
    failed.write_bytes(b"junk")
    signature_path_for(failed).write_bytes(bundle.origin_signature(b"junk", staff()))
    forged = drop / "EC-20261125-0000BB.zip.age"  # its signature does not check out: never read, never opened
    forged.write_bytes(b"junk")
    signature_path_for(forged).write_bytes(b"not a signature")
    entries = scan(drop, profile)
    index = InboxIndex(tmp_path / "index.json")
    by_name = {e.path.name: e for e in entries}
    good = by_name[path.name]
    assert good.sha256 is not None
    index.remember_verified(good.sha256, verified)
    junk_sha = by_name[failed.name].sha256
    assert junk_sha is not None
    index.remember_failed(junk_sha, BundleError("unreadable: not an age file", check="unreadable"))
    assert by_name[forged.name].sha256 is None

    inbox = QtInbox()
    qtbot.addWidget(inbox)
    inbox.set_entries(entries, index)
    shown = {r[COL_REF]: r for r in rows(inbox)}
    assert set(shown) == {
        path.name.removesuffix(".r1.zip.age"),
        "EC-20261125-ABCDEF",
        "EC-20261125-0000AA",
        "EC-20261125-0000BB",
    }
    ok = shown[good.ref]
    assert ok[COL_SENDER] == "Jane Smith"  # a signed profile names its staff too; the column shows the name only
    good_item = next(
        inbox.tree.topLevelItem(r)
        for r in range(inbox.tree.topLevelItemCount())
        if inbox.tree.topLevelItem(r).text(COL_REF) == good.ref
    )
    assert "Jane Smith <j.smith@school.example>" in good_item.toolTip(COL_SENDER)  # the full form in the tooltip
    assert ok[COL_ORIGIN] == "Verified"
    assert ok[COL_STATUS] == "New"
    assert ok[-2:] == ["1", "2"]
    assert shown["EC-20261125-ABCDEF"][COL_ORIGIN] == "No signature"
    assert shown["EC-20261125-ABCDEF"][COL_SENDER] == "Unknown"
    assert shown["EC-20261125-ABCDEF"][COL_STATUS] == NOT_OPENED_TEXT
    assert shown["EC-20261125-0000AA"][COL_ORIGIN] == "Verified"
    assert shown["EC-20261125-0000AA"][COL_STATUS] == "Did not verify"
    assert shown["EC-20261125-0000BB"][COL_ORIGIN] == "Failed"
    assert shown["EC-20261125-0000BB"][COL_STATUS] == NOT_OPENED_TEXT
    tree = inbox.tree
    item = next(tree.topLevelItem(r) for r in range(4) if tree.topLevelItem(r).text(COL_REF) == "EC-20261125-0000AA")
    assert item.foreground(COL_STATUS).color().name() == "#b00020"
    item = next(tree.topLevelItem(r) for r in range(4) if tree.topLevelItem(r).text(COL_REF) == "EC-20261125-0000BB")
    assert item.foreground(COL_ORIGIN).color().name() == "#b00020"
    assert "does not check out" in item.toolTip(COL_ORIGIN)
    assert by_name[forged.name].origin.state is OriginState.FAILED


def test_inbox_keeps_the_selection_across_refreshes(qtbot, drop: Path) -> None:
    inbox = QtInbox()
    qtbot.addWidget(inbox)
    entries = scan(drop, school_profile())
    inbox.set_entries(entries)
    inbox.tree.setCurrentItem(inbox.tree.topLevelItem(0))
    path = only_bundle(drop)
    shutil.copy(path, drop / "EC-20261125-ABCDEF.zip.age")
    inbox.set_entries(scan(drop, school_profile(), previous=entries))
    assert inbox.tree.topLevelItemCount() == 2
    assert inbox.current_path() == path


def test_inbox_notices_a_new_bundle(qtbot, drop: Path, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    inbox = QtInbox()
    qtbot.addWidget(inbox)
    inbox.set_folder(folder)
    inbox.set_entries(scan(folder, school_profile()))
    assert inbox.empty_label.isVisibleTo(inbox)
    assert not inbox.tree.isVisibleTo(inbox)
    with qtbot.waitSignal(inbox.refresh_wanted, timeout=8000):  # the watcher, or else the 5 s timer
        shutil.copy(signature_path_for(only_bundle(drop)), folder)
        shutil.copy(only_bundle(drop), folder)
    inbox.set_entries(scan(folder, school_profile()))
    assert [r[COL_ORIGIN] for r in rows(inbox)] == ["Verified"]
    assert inbox.tree.isVisibleTo(inbox)
    assert not inbox.empty_label.isVisibleTo(inbox)


def test_inbox_timer_notices_what_the_watcher_cannot_see(qtbot, drop: Path, tmp_path: Path) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    inbox = QtInbox(poll_ms=100)
    qtbot.addWidget(inbox)
    inbox.set_folder(folder)
    inbox.watcher.removePaths(inbox.watcher.directories())  # as on a network share: no notifications
    inbox.watcher.blockSignals(True)
    with qtbot.waitSignal(inbox.refresh_wanted, timeout=3000):
        shutil.copy(only_bundle(drop), folder)


def test_inbox_ignores_files_that_are_not_bundles(qtbot, tmp_path: Path) -> None:
    inbox = QtInbox(poll_ms=50)
    qtbot.addWidget(inbox)
    inbox.set_folder(tmp_path)
    with qtbot.assertNotEmitted(inbox.refresh_wanted, wait=500):
        (tmp_path / "notes.txt").write_text("hello")
        (tmp_path / ".ec-tmp-0123456789ab-EC-20261125-ABCDEF.zip.age").write_bytes(b"half")


def test_inbox_opens_on_double_click_and_enter(qtbot, drop: Path) -> None:
    inbox = QtInbox()
    qtbot.addWidget(inbox)
    inbox.set_entries(scan(drop, school_profile()))
    inbox.show()
    qtbot.waitExposed(inbox)
    tree = inbox.tree
    item = tree.topLevelItem(0)
    point = tree.visualRect(tree.indexFromItem(item, COL_REF)).center()
    with qtbot.waitSignal(inbox.open_requested) as blocker:
        qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=point)  # a real double-click starts so
        qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert blocker.args == [only_bundle(drop)]
    tree.setCurrentItem(item)
    with qtbot.waitSignal(inbox.open_requested) as blocker:
        qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert blocker.args == [only_bundle(drop)]
    with qtbot.waitSignal(inbox.open_file_requested):
        qtbot.mouseClick(inbox.open_file_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(inbox.refresh_wanted):
        qtbot.mouseClick(inbox.refresh_button, Qt.MouseButton.LeftButton)


def test_inbox_says_when_the_folder_is_missing(qtbot, tmp_path: Path) -> None:
    inbox = QtInbox()
    qtbot.addWidget(inbox)
    assert "No drop folder is set" in inbox.empty_label.text()
    inbox.set_folder(tmp_path / "unplugged")
    assert "cannot be reached right now" in inbox.empty_label.text()  # calmly (issue 11)
    assert "Open file" in inbox.empty_label.text()
    inbox.set_folder(tmp_path)
    assert str(tmp_path) not in inbox.empty_label.text()
    assert "No sealed bundles yet" in inbox.empty_label.text()
    inbox.set_folder(None)
    assert not inbox.poll_timer.isActive()


# -- the custody timeline -------------------------------------------------------------------------------------------


def test_custody_view_shows_the_chain_in_words(qtbot, drop: Path) -> None:
    verified = verified_of(drop)
    profile = school_profile()
    bag = add_review(verified, dsl(), profile, ReviewAction.POLICE_CONTACTED, "Threats", {"crime_reference": "CR/9"})
    revised = bundle.verify_bag(bundle.zip_bag(verified.ref, bag), profile)
    view = QtCustodyLogView()
    qtbot.addWidget(view)
    view.set_entries(revised.custody, {dsl().card.principal: "Dee Sell"})
    assert view.topLevelItemCount() == len(revised.custody)
    whats = [view.topLevelItem(r).text(COL_WHAT) for r in range(view.topLevelItemCount())]
    assert whats[:3] == ["Started the incident", "Captured item 1", "Captured item 2"]
    last = view.topLevelItem(view.topLevelItemCount() - 1)
    assert last.text(COL_WHAT) == "Review: Police contacted"
    assert last.text(COL_SEQ) == f"{len(revised.custody)} (rev 2)"
    assert last.font(COL_WHAT).bold()
    assert last.text(COL_WHO) == "Dee Sell <dsl@school.example>"
    assert last.text(COL_DETAILS) == "crime_reference: CR/9"
    first = view.topLevelItem(0)
    assert first.text(COL_WHO) == "j.smith@school.example"
    assert not first.font(COL_WHAT).bold()
    assert f"UTC: {revised.custody[0].time_utc}" in first.toolTip(COL_WHEN)
    captured = view.topLevelItem(1)
    assert captured.text(COL_DETAILS).startswith("sha256: ")
    assert "…" in captured.text(COL_DETAILS)
    assert revised.custody[1].details["sha256"] in captured.toolTip(COL_DETAILS)
    view.clear()
    assert view.topLevelItemCount() == 0
    assert view.entries == ()


def test_custody_view_marks_a_clock_that_ran_backwards(qtbot) -> None:
    first = make_entry(
        None,
        actor="a@school.example",
        action=Action.CREATED,
        subject="EC-20261125-ABCDEF",
        time_utc="2026-11-25T12:00:00.000Z",
    )
    second = make_entry(
        first,
        actor="a@school.example",
        action=Action.EXCLUDED,
        subject="EC-20261125-ABCDEF/3",
        details={"reason": "duplicate"},
        time_utc="2026-11-25T11:00:00.000Z",
    )
    view = QtCustodyLogView()
    qtbot.addWidget(view)
    view.set_entries([first, second])
    row = view.topLevelItem(1)
    assert row.text(COL_WHAT) == "Left item 3 out"
    assert row.text(COL_WHEN).startswith("⚠")
    assert "clock ran backwards" in row.toolTip(COL_WHEN)


# -- the review dialog -----------------------------------------------------------------------------------------------


def next_by_tab(widget: QWidget) -> QWidget:
    """The widget Tab moves to from ``widget``."""
    candidate = widget.nextInFocusChain()
    while not (candidate.focusPolicy() & Qt.FocusPolicy.TabFocus) or not candidate.isVisibleTo(widget.window()):
        candidate = candidate.nextInFocusChain()
    return candidate


def choose(dialog: QtReviewActionDialog, action: ReviewAction) -> None:
    dialog.action_combo.setCurrentIndex(dialog.action_combo.findData(action))


def test_review_dialog_needs_a_reason(qtbot) -> None:
    dialog = QtReviewActionDialog("EC-20261125-ABCDEF")
    qtbot.addWidget(dialog)
    assert dialog.action() is ReviewAction.NOTE
    assert not dialog.ok_button.isEnabled()
    assert "EC-20261125-ABCDEF" in dialog.windowTitle()
    qtbot.keyClicks(dialog.why_edit, "   ")
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.why_edit, "Read the messages")
    assert dialog.ok_button.isEnabled()
    assert dialog.why() == "Read the messages"


def test_review_dialog_needs_the_required_fields(qtbot) -> None:
    dialog = QtReviewActionDialog()
    qtbot.addWidget(dialog)
    choose(dialog, ReviewAction.POLICE_CONTACTED)
    assert dialog.action_combo.currentText() == "Police contacted (§9.8)"
    assert dialog.section_label.text().startswith("§9.8: ")
    assert "consider contacting the police" in (dialog.section_label.text())
    crime, officer = dialog.field_edits["crime_reference"], dialog.field_edits["officer"]
    assert isinstance(crime, QLineEdit)
    assert isinstance(officer, QLineEdit)
    labels = [label.text() for label in dialog.findChildren(QLabel)]
    assert "Crime reference *:" in labels
    assert "Officer:" in labels
    qtbot.keyClicks(dialog.why_edit, "Threats of violence")
    qtbot.keyClicks(officer, "PC Jones")
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClick(officer, Qt.Key.Key_Return)  # Return must not bypass the rule
    assert dialog.result() == 0
    assert dialog.isVisible() is False
    qtbot.keyClicks(crime, "CR/123/26")
    assert dialog.ok_button.isEnabled()
    assert next_by_tab(dialog.action_combo) is crime
    assert next_by_tab(crime) is officer
    assert next_by_tab(officer) is dialog.why_edit
    assert dialog.fields() == {"crime_reference": "CR/123/26", "officer": "PC Jones"}


def test_review_dialog_close_needs_nothing_and_export_is_not_offered(qtbot) -> None:
    dialog = QtReviewActionDialog(initial=ReviewAction.CLOSED)
    qtbot.addWidget(dialog)
    assert dialog.action() is ReviewAction.CLOSED
    assert dialog.ok_button.isEnabled()
    assert "(optional)" in dialog.why_prompt.text()
    assert dialog.action_combo.findData(ReviewAction.EXPORTED) == -1
    choose(dialog, ReviewAction.MEETING_HELD)
    assert not dialog.ok_button.isEnabled()
    assert list(dialog.field_edits) == ["who"]


def test_review_dialog_status_is_a_choice(qtbot) -> None:
    dialog = QtReviewActionDialog(initial=ReviewAction.STATUS_CHANGED)
    qtbot.addWidget(dialog)
    combo = dialog.field_edits["status"]
    assert isinstance(combo, QComboBox)
    qtbot.keyClicks(dialog.why_edit, "Waiting for the police")
    assert not dialog.ok_button.isEnabled()
    combo.setCurrentIndex(combo.findData("under review"))
    assert dialog.ok_button.isEnabled()
    assert dialog.fields() == {"status": "under review"}


def test_review_dialog_answers_are_accepted_by_add_review(qtbot, drop: Path) -> None:
    dialog = QtReviewActionDialog(initial=ReviewAction.PLATFORM_REPORTED)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.field_edits["platform"], "Instagram")
    qtbot.keyClicks(dialog.why_edit, "Reported the account")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    verified = verified_of(drop)
    bag = add_review(verified, dsl(), school_profile(), dialog.action(), dialog.why(), dialog.fields())
    assert "data/reviews/r2-platform-reported.json" in bag


# -- capture exclusion -----------------------------------------------------------------------------------------------


def test_capture_exclusion_tells_the_user_on_this_platform(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    assert exclude_from_capture(widget) == UNSUPPORTED_MESSAGE


class FakeUser32:
    def __init__(self, accepts: set[int]) -> None:
        self.accepts = accepts
        self.calls: list[int] = []

    def SetWindowDisplayAffinity(self, hwnd: object, affinity: object) -> int:  # noqa: N802 - the Win32 name
        value = int(getattr(affinity, "value", affinity))
        self.calls.append(value)
        return 1 if value in self.accepts else 0


@pytest.mark.parametrize(
    ("accepts", "expected", "calls"),
    [
        ({WDA_EXCLUDEFROMCAPTURE}, None, [WDA_EXCLUDEFROMCAPTURE]),
        ({WDA_MONITOR}, None, [WDA_EXCLUDEFROMCAPTURE, WDA_MONITOR]),  # before Windows 10 2004
        (set(), WINDOWS_FAILED_MESSAGE, [WDA_EXCLUDEFROMCAPTURE, WDA_MONITOR]),
    ],
)
def test_capture_exclusion_on_windows(accepts: set[int], expected: str | None, calls: list[int]) -> None:
    user32 = FakeUser32(accepts)
    assert capture_exclusion._exclude_windows(0x1234, user32) == expected
    assert user32.calls == calls


def test_capture_exclusion_never_raises(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    monkeypatch.setattr(capture_exclusion, "sys", SimpleNamespace(platform="win32"))
    monkeypatch.setattr(capture_exclusion, "ctypes", SimpleNamespace())  # no windll here
    assert exclude_from_capture(widget) == WINDOWS_FAILED_MESSAGE


def test_the_action_dialog_changes_no_choice_under_a_passing_wheel(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 11: no input changes on a wheel event without focus."""
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    from evidence.review.actions import ReviewAction
    from ui.review_dialog import QtReviewActionDialog

    dialog = QtReviewActionDialog("EC-20261125-7F3A9C", initial=ReviewAction.STATUS_CHANGED)
    qtbot.addWidget(dialog)
    for combo in (dialog.action_combo, dialog.field_edits["status"]):
        before = combo.currentIndex()
        where = QPointF(combo.rect().center())
        QApplication.sendEvent(
            combo,
            QWheelEvent(
                where,
                QPointF(combo.mapToGlobal(where.toPoint())),
                QPoint(0, 0),
                QPoint(0, -120),
                Qt.MouseButton.NoButton,
                Qt.KeyboardModifier.NoModifier,
                Qt.ScrollPhase.NoScrollPhase,
                False,
            ),
        )
        assert combo.currentIndex() == before
