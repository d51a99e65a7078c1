"""Issue 16: a quick start. What the start-up path does not need stays unloaded until it is used, and the
reviewer's inbox page is built on first use (its tab or its Review menu) and then works as before.

The first two tests start the real app in a fresh process (``lazy_start_driver.py``, offscreen), because only a
fresh process shows what the start loads: they fail when someone puts an eager import of the capture code
(mss, Pillow), the bundle code or the reviewer's page back on the way to the first paint. The timing itself is
measured in ``bench/startup.py``, never here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bundles import ISSUED_AT, dsl, make_sealed, staff, unsigned_profile
from helpers import school_root
from PySide6.QtWidgets import QApplication

from app.gui import InboxPage, create_from_wizard
from app.paths import Paths
from app.reviewer import NEEDS_A_BUNDLE, REVIEW_MENU
from app.staff import StaffApp
from app.workspace import Workspace
from evidence.case.profile import Profile
from evidence.crypto.keys import Identity, Role, write_identity_file
from ui.main_window import QtMainWindow

DRIVER = Path(__file__).with_name("lazy_start_driver.py")
PASSPHRASE = "a long test passphrase"
NEVER_AT_START = {
    "mss",
    "PIL",
    "pillow_heif",
    "evidence.capture.screen",
    "evidence.bundle",
    "evidence.police",
    "evidence.review.disposal",
    "urllib.request",
    "rfc3161_client",
    "app.flows.review",
    "app.flows.export",
    "ui.reviewer_window",
    "ui.inbox",
    "ui.installation_dialog",
}
"""Not loaded when the window is first painted (the driver watches exactly these)."""
NEVER_BEFORE_CAPTURE = {"PIL", "pillow_heif", "evidence.police", "app.flows.review", "ui.reviewer_window", "ui.inbox"}
"""Not loaded before the first capture either, once the after-paint work (monitor count, purge) has run."""


def data_dir_with(tmp_path: Path, person: Identity, profile: Profile) -> Path:
    """A data dir holding ``person``'s identity, with ``profile`` installed under the pinned school root."""
    data = tmp_path / "data"
    data.mkdir()
    ident = tmp_path / "me.identity.age"
    write_identity_file(person, ident, PASSPHRASE)
    (data / "identity.card").write_text(person.card.to_text())
    (data / "identity.path").write_text(f"{ident}\n")
    Workspace(Paths(data)).install_signed(profile, school_root().card.fingerprint, source="test")
    return data


def school_profile_with_drop(tmp_path: Path) -> Profile:
    base = unsigned_profile()
    return Profile(
        school=base.school, reviewers=base.reviewers, staff=base.staff, drop_folder=str(tmp_path / "staff" / "drop")
    ).sign(school_root(), version=1, issued_utc=ISSUED_AT)


def start(data: Path) -> dict[str, Any]:
    """Run the app in a fresh process on ``data``; return the driver's report."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "EVIDENCE_CAPTURE_TESTING": "1"}
    done = subprocess.run(
        [sys.executable, str(DRIVER), str(data)], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["exit"] == 0, done.stderr[-3000:]
    return report


def test_the_staff_window_starts_without_the_capture_bundle_or_reviewer_code(tmp_path: Path) -> None:
    report = start(data_dir_with(tmp_path, staff(), school_profile_with_drop(tmp_path)))
    assert set(report["at_paint"]) & NEVER_AT_START == set()
    assert set(report["settled"]) & NEVER_BEFORE_CAPTURE == set()
    assert report["pages"] == ["Incidents"]  # a member of staff has no inbox


def test_standalone_builds_the_inbox_page_when_it_is_first_opened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    create_from_wizard(
        Workspace(Paths(data)), "Jane Smith", "j.smith@school.example", Role.STAFF, PASSPHRASE, None, "Oak"
    )
    report = start(data)
    assert set(report["at_paint"]) & NEVER_AT_START == set()
    assert set(report["settled"]) & NEVER_BEFORE_CAPTURE == set()
    assert report["pages"] == ["Incidents", "Inbox"]
    assert report["inbox_before"] == "inbox_placeholder"
    assert report["inbox_after"] == "QtReviewerWindow"
    assert report["inbox_visible"] is True
    assert {"app.flows.review", "ui.reviewer_window", "ui.inbox"} <= set(report["after_inbox"])


# --- the lazily built inbox, in process: it works as the eagerly built one did ---------------------------------


@pytest.fixture
def dsl_app(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The DSL's main window with its inbox page not yet built, and a bundle sealed to the DSL in the drop folder."""
    profile = school_profile_with_drop(tmp_path)
    sealed = make_sealed(tmp_path / "staff", items=2, profile=profile)
    data = data_dir_with(tmp_path, dsl(), profile)
    workspace = Workspace(Paths(data))
    app = StaffApp(workspace)
    qtbot.addWidget(app.window)
    app.session.accept_identity(dsl())
    inbox = InboxPage(app, workspace)
    yield app, inbox, sealed
    app.quit()


def menu_actions(window: QtMainWindow) -> dict[str, Any]:
    menu = window.findChild(type(window.help_menu), "review_menu")
    assert menu is not None
    return {a.objectName(): a for a in menu.actions()}


def test_the_inbox_tab_and_review_menu_are_there_before_the_page_is_built(dsl_app) -> None:  # type: ignore[no-untyped-def]
    app, inbox, _sealed = dsl_app
    window = app.window
    assert not inbox.built
    assert [window.pages.tabText(i) for i in range(window.pages.count())] == ["Incidents", "Inbox"]
    assert window.pages.widget(1) is inbox.placeholder
    actions = menu_actions(window)
    assert list(actions) == [name for _text, _shortcut, name in REVIEW_MENU]
    assert all(not a.shortcut().isEmpty() for a in actions.values())  # the shortcuts work before the page exists
    assert {name for name, a in actions.items() if not a.isEnabled()} == set(NEEDS_A_BUNDLE)


def test_opening_the_inbox_tab_builds_the_page_in_its_place(dsl_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app, inbox, sealed = dsl_app
    window = app.window
    placeholder = inbox.placeholder
    window.pages.setCurrentIndex(1)
    assert inbox.built
    page = inbox.reviewer()
    assert window.pages.count() == 2
    assert window.pages.currentWidget() is page.window
    assert window.pages.tabText(1) == "Inbox"
    assert window.windowTitle() == "Inbox — Evidence Capture"
    assert window.pages.indexOf(placeholder) == -1
    assert page.inbox.current_path() is None
    # the drop folder is scanned on first use, on a worker (issue 16: the first scan runs in the background)
    qtbot.waitUntil(lambda: [e.ref for e in page.inbox.entries] == [sealed.ref], timeout=20000)
    actions = menu_actions(window)
    assert list(actions) == [name for _text, _shortcut, name in REVIEW_MENU]  # the same menu, not a second one
    page.review.open_bundle(sealed.result.path)
    qtbot.waitUntil(lambda: page.review.current is not None, timeout=20000)
    assert actions["record_action"].isEnabled()
    assert window.windowTitle().startswith(sealed.ref)


def test_a_review_command_builds_the_page_and_does_what_was_asked(dsl_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app, inbox, sealed = dsl_app
    window = app.window
    actions = menu_actions(window)
    assert window.pages.currentIndex() == 0
    actions["retention_action"].trigger()  # Retention and disposal…: opens its view, from the Incidents page
    assert inbox.built
    page = inbox.reviewer()
    assert window.pages.widget(1) is page.window
    view = page.retention.view
    assert view is not None
    assert view.isVisible()
    shown = [w for w in QApplication.topLevelWidgets() if type(w) is type(view) and w.isVisible()]
    assert shown == [view]  # once: the command is not run a second time by the connection the build made
    view.close()
    actions["refresh_action"].trigger()  # later uses reach the reviewer directly (it is not built twice)
    assert inbox.reviewer() is page
    qtbot.waitUntil(lambda: [e.ref for e in page.inbox.entries] == [sealed.ref], timeout=20000)
