"""Global hotkeys in the staff app (issue 11): real X11 grabs on Xvfb, the widgets offscreen.

The app's Qt runs offscreen here while its hotkey adapter talks to a real Xvfb through python-xlib, so a key that
xdotool sends to that server reaches the app through the QSocketNotifier exactly as on a desktop. (The whole app on
Xvfb with a window manager, another program in front, is tests/e2e/test_hotkeys_xvfb.py.)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from xserver import XServer, have_xvfb

from app.hotkeys import Action, Hotkey, X11Hotkeys
from app.paths import Paths
from app.settings import SETTINGS_ENV, Key, UserSettings
from app.staff import StaffApp
from app.workspace import Workspace
from evidence.crypto.keys import Identity, Role
from ui.hotkey_dialog import QtHotkeyDialog

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(
        not sys.platform.startswith("linux") or not have_xvfb() or shutil.which("xdotool") is None,
        reason="needs Xvfb and xdotool",
    ),
]

PASS = "a long test passphrase"


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    with XServer(320, 200) as x:
        yield x


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Identity]:
    base = tmp_path_factory.mktemp("hotkeys")
    ws = Workspace(Paths(base / "data"))
    me = ws.create_identity("Jane Smith", "j.smith@school.example", Role.STAFF, PASS, base / "jane.identity.age")
    return base, me


@pytest.fixture
def app(qtbot: QtBot, made: tuple[Path, Identity], tmp_path: Path, server: XServer, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv(SETTINGS_ENV, str(tmp_path / "settings.ini"))
    base, _me = made
    data = tmp_path / "data"
    data.mkdir()
    for name in ("identity.card", "identity.path"):
        (data / name).write_bytes((base / "data" / name).read_bytes())
    staff = StaffApp(Workspace(Paths(data)))
    staff.hotkeys.backend = X11Hotkeys(server.display)
    staff.hotkeys.pressed.disconnect(staff.capturing.capture)  # the presses only: captures are the e2e test's
    qtbot.addWidget(staff.window)
    yield staff
    staff.quit()


def key(server: XServer, *names: str) -> None:
    subprocess.run(["xdotool", "key", *names], env=server.env(), check=True, timeout=10)


def boxes(app: StaffApp) -> list[QMessageBox]:
    return [b for b in app.window.findChildren(QMessageBox, "error_box") if b.isVisible()]


def test_the_default_keys_reach_the_app(app: StaffApp, qtbot: QtBot, server: XServer) -> None:
    assert app.hotkeys.start() == []
    assert boxes(app) == []
    for name, mode in (("shift+Print", "full"), ("ctrl+Print", "active"), ("Print", "region")):
        with qtbot.waitSignal(app.hotkeys.pressed, timeout=10000) as blocker:
            key(server, name)
        assert blocker.args == [mode]


def test_a_key_another_program_holds_is_said_plainly(app: StaffApp, qtbot: QtBot, server: XServer) -> None:
    holder = X11Hotkeys(server.display)
    holder.register(Action.REGION, Hotkey("Print"))
    try:
        with qtbot.waitSignal(app.hotkeys.refused) as blocker:
            refusals = app.hotkeys.start()
        assert [(r.action, r.held) for r in refusals] == [(Action.REGION, True)]
        assert blocker.args == [refusals]
        [box] = boxes(app)
        assert "Print" in box.text()
        assert "another program" in box.text()
        with qtbot.waitSignal(app.hotkeys.pressed, timeout=10000) as pressed:  # the others still work
            key(server, "shift+Print")
        assert pressed.args == ["full"]
        # the dialog says which key is held, beside it
        app.hotkeys.edit()
        dialog = app.hotkeys.dialog
        assert isinstance(dialog, QtHotkeyDialog)
        assert dialog.problems[Key.HOTKEY_REGION.value].isVisibleTo(dialog)
        assert not dialog.problems[Key.HOTKEY_FULL.value].isVisibleTo(dialog)
        with qtbot.assertNotEmitted(app.hotkeys.pressed, wait=300):
            key(server, "shift+Print")  # while choosing keys, the keys go to the dialog, not to our grabs
        dialog.reject()
        with qtbot.waitSignal(app.hotkeys.pressed, timeout=10000) as again:  # cancelled: the keys are ours again
            key(server, "shift+Print")
        assert again.args == ["full"]
    finally:
        holder.close()


def test_keys_changed_in_the_dialog_are_saved_and_registered(
    app: StaffApp, qtbot: QtBot, server: XServer, tmp_path: Path
) -> None:
    app.hotkeys.start()
    action = app.window.findChild(QAction, "hotkeys_action")  # Settings → Global hotkeys…
    assert action is not None
    action.trigger()
    dialog = app.hotkeys.dialog
    assert isinstance(dialog, QtHotkeyDialog)
    assert dialog.values() == {"hotkey_region": "Print", "hotkey_full": "Shift+Print", "hotkey_window": "Ctrl+Print"}
    dialog.edits["hotkey_region"].setKeySequence(QKeySequence("Ctrl+Shift+F9"))
    dialog.edits["hotkey_window"].clear()  # off
    dialog.accept()
    saved = UserSettings(tmp_path / "settings.ini").layer().values
    assert saved[Key.HOTKEY_REGION] == "Ctrl+Shift+F9"
    assert saved[Key.HOTKEY_WINDOW] == "none"
    assert app.workspace.settings().hotkeys()[Action.ACTIVE_WINDOW] is None
    with qtbot.waitSignal(app.hotkeys.pressed, timeout=10000) as blocker:
        key(server, "ctrl+shift+F9")
    assert blocker.args == ["region"]
    with qtbot.assertNotEmitted(app.hotkeys.pressed, wait=300):
        key(server, "Print", "ctrl+Print")  # given back to the window system


def test_the_same_key_twice_changes_nothing(app: StaffApp, tmp_path: Path) -> None:
    app.hotkeys.start()
    refusals = app.hotkeys.save({"hotkey_region": "F9", "hotkey_full": "F9", "hotkey_window": "Ctrl+Print"})
    assert refusals == []
    assert boxes(app)
    assert not (tmp_path / "settings.ini").exists()
    assert app.hotkeys.bindings()[Action.REGION] == Hotkey("Print")


def test_restore_defaults_brings_back_print(app: StaffApp, qtbot: QtBot) -> None:
    app.hotkeys.start()
    app.hotkeys.edit()
    dialog = app.hotkeys.dialog
    assert isinstance(dialog, QtHotkeyDialog)
    for edit in dialog.edits.values():
        edit.clear()
    assert set(dialog.values().values()) == {"none"}
    qtbot.mouseClick(dialog.restore, Qt.MouseButton.LeftButton)
    assert dialog.values() == {"hotkey_region": "Print", "hotkey_full": "Shift+Print", "hotkey_window": "Ctrl+Print"}
    dialog.reject()
