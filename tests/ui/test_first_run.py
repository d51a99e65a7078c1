"""The first-run wizard: validation of the identity page and what it creates."""

from __future__ import annotations

from pathlib import Path

import pytest
from bundles import legacy_profile, school_profile
from helpers import other_root, school_root
from PySide6.QtCore import Qt

from app.gui import create_from_wizard
from app.paths import Paths
from app.workspace import Workspace
from evidence.core.errors import UntrustedProfileError
from evidence.crypto.keys import Role, unlock_identity_file
from ui.first_run import QtFirstRunWizard, passphrase_strength

ROOT_FP = school_root().card.fingerprint


def test_identity_page_needs_every_field(qtbot) -> None:  # type: ignore[no-untyped-def]
    wizard = QtFirstRunWizard()
    qtbot.addWidget(wizard)
    page = wizard.identity_page
    assert not page.isComplete()
    qtbot.keyClicks(page.name, "Jane Smith")
    qtbot.keyClicks(page.principal, "j.smith@school.example")
    assert not page.isComplete()
    qtbot.keyClicks(page.passphrase, "short")
    assert "Too short" in page.strength.text()
    page.passphrase.clear()
    qtbot.keyClicks(page.passphrase, "purple elephants dance at noon")
    assert page.strength.text() == "Strong."
    assert "not the same" in page.problem.text()
    qtbot.keyClicks(page.repeat, "purple elephants dance at noon")
    assert page.isComplete()
    assert page.problem.text() == ""
    page.role.setCurrentIndex(1)
    assert wizard.role is Role.REVIEWER
    page.principal.setText("has space@school")
    assert not page.isComplete()
    assert "e-mail" in page.problem.text()


def test_profile_page_standalone_or_import(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 10: the school path needs the profile file AND the root fingerprint IT gave, and says whether they
    match before it lets the user go on; "on my own" stays one click."""
    wizard = QtFirstRunWizard()
    qtbot.addWidget(wizard)
    page = wizard.profile_page
    assert page.isComplete()
    assert wizard.profile_file is None
    page.import_choice.setChecked(True)
    assert not page.isComplete()
    qtbot.keyClicks(page.profile_path, str(tmp_path / "missing.toml"))
    assert not page.isComplete()
    assert "cannot be used" in page.profile_summary.text()
    school = tmp_path / "school.toml"
    school.write_text(school_profile().to_toml())
    page.profile_path.setText(str(school))
    summary = page.profile_summary.text()
    assert "School: Example Academy (profile version 1)" in summary
    assert "Dee Sell <dsl@school.example>" in summary
    assert ROOT_FP in summary
    assert not page.isComplete()  # no fingerprint typed yet
    qtbot.keyClicks(page.root_fingerprint, other_root().card.fingerprint)
    assert "does NOT match" in page.profile_summary.text()
    assert not page.isComplete()
    page.root_fingerprint.clear()
    qtbot.keyClicks(page.root_fingerprint, ROOT_FP)
    assert "It matches the fingerprint you typed." in page.profile_summary.text()
    assert page.isComplete()
    assert wizard.profile_file == str(school)
    assert wizard.root_fingerprint == ROOT_FP
    # a profile nobody signed is never accepted, whatever is typed
    legacy = tmp_path / "legacy.toml"
    legacy.write_text(legacy_profile().to_toml())
    page.profile_path.setText(str(legacy))
    assert not page.isComplete()
    assert "unsigned" in page.profile_summary.text()


def test_strength_hint() -> None:
    assert passphrase_strength("abc")[0] == 0
    assert passphrase_strength("abcdefgh")[0] == 1
    assert passphrase_strength("Abcdefgh1234")[0] == 2
    assert passphrase_strength("correct horse battery staple")[0] == 3


def test_wizard_answers_create_a_working_identity(tmp_path: Path) -> None:
    ws = Workspace(Paths(tmp_path / "data"))
    create_from_wizard(ws, "Jane Smith", "j.smith@school.example", Role.STAFF, "purple elephants dance", None, "Oak")
    assert ws.has_identity()
    path = ws.identity_file()
    assert path is not None
    assert path.parent == tmp_path / "data"
    me = unlock_identity_file(path, "purple elephants dance")
    profile = ws.profile()
    assert profile.standalone
    assert profile.school == "Oak"
    assert profile.is_reviewer(me.card)
    assert ws.recipients() == [me.card.recipient]
    # standalone: the user's own key is the root, signed and pinned in one click
    assert ws.pinned_root() == me.card.fingerprint
    assert profile.anchored


def test_wizard_answers_with_a_school_profile_pin_the_school_root(tmp_path: Path) -> None:
    school = tmp_path / "school.toml"
    school.write_text(school_profile().to_toml())
    ws = Workspace(Paths(tmp_path / "data"))
    with pytest.raises(UntrustedProfileError):  # the wrong fingerprint: refused before anything is created
        create_from_wizard(
            ws,
            "Jane Smith",
            "j.smith@school.example",
            Role.STAFF,
            "purple elephants",
            str(school),
            "",
            "SHA256:" + "A" * 43,
        )
    assert not ws.has_identity()
    create_from_wizard(
        ws, "Jane Smith", "j.smith@school.example", Role.STAFF, "purple elephants", str(school), "", ROOT_FP
    )
    assert ws.has_identity()
    assert ws.pinned_root() == ROOT_FP
    assert ws.profile().anchored
    assert ws.profile().school == "Example Academy"


def test_wizard_can_be_walked_with_the_keyboard(qtbot) -> None:  # type: ignore[no-untyped-def]
    wizard = QtFirstRunWizard()
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    wizard.next()
    page = wizard.identity_page
    for edit, text in (
        (page.name, "Jane"),
        (page.principal, "j@s.example"),
        (page.passphrase, "long enough pass"),
        (page.repeat, "long enough pass"),
    ):
        qtbot.keyClicks(edit, text)
    qtbot.keyClick(page.repeat, Qt.Key.Key_Tab)
    wizard.next()
    assert wizard.currentPage() is wizard.profile_page


def test_after_the_wizard_one_window_opens_unlocked_with_the_inbox_in_it(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 11: first run opened two windows, the reviewer's over the capture window, on "The drop folder …
    cannot be found", and asked for the passphrase just typed."""
    from PySide6.QtWidgets import QApplication

    from app import gui

    data = tmp_path / "data"

    def wizard(workspace: Workspace, parent: object = None):  # type: ignore[no-untyped-def]
        return create_from_wizard(
            workspace, "Jane Smith", "j.smith@school.example", Role.STAFF, "purple elephants dance", None, "Oak"
        )

    monkeypatch.setattr(gui, "first_run", wizard)
    seen: dict[str, object] = {}

    def look(qapp: QApplication) -> int:
        shown = [w for w in qapp.topLevelWidgets() if w.isVisible()]
        seen["windows"] = [w.objectName() for w in shown]
        window = next(w for w in shown if w.objectName() == "main_window")
        seen["pages"] = [window.pages.tabText(i) for i in range(window.pages.count())]
        seen["locked"] = window.locked_note.isVisible()
        seen["unlock_dialogs"] = [w for w in qapp.topLevelWidgets() if w.objectName() == "unlock_dialog"]
        for w in shown:
            w.close()
        return 0

    assert gui.run(["--data-dir", str(data)], exec_=look) == 0
    assert seen["windows"] == ["main_window"]
    assert seen["pages"] == ["Incidents", "Inbox"]
    assert seen["locked"] is False
    assert seen["unlock_dialogs"] == []
    assert (data / "outbox").is_dir()  # a standalone drop folder is made, not reported missing
