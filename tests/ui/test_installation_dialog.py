"""Help → "About this installation…": the dialog shows each setting in force and where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMainWindow

from app import installation, settings
from app.paths import Paths
from app.workspace import Workspace
from ui.installation_dialog import QtInstallationDialog


def test_dialog_shows_each_setting_and_its_source(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    defaults = tmp_path / "defaults.ini"
    defaults.write_text("[defaults]\ndrop_folder = /srv/evidence-drop\nidle_lock_minutes = 3\n")
    monkeypatch.setenv(settings.DEFAULTS_ENV, str(defaults))
    monkeypatch.setenv(settings.SETTINGS_ENV, str(tmp_path / "user.ini"))
    settings.UserSettings(tmp_path / "user.ini").set(settings.Key.IDLE_LOCK_MINUTES, "2")
    workspace = Workspace(Paths(tmp_path / "data"))
    window = QMainWindow()
    qtbot.addWidget(window)
    installation.add_about_action(window, workspace)
    (action,) = [a for menu in window.menuBar().actions() for a in menu.menu().actions()]
    assert action.objectName() == "about_installation"
    action.trigger()
    dialog = window.findChild(QtInstallationDialog, "installation_dialog")
    assert dialog is not None
    assert dialog.isVisible()
    rows = [[dialog.cell(r, c) for c in range(4)] for r in range(dialog.table.rowCount())]
    assert rows[0][:3] == ["School profile", str(tmp_path / "data" / "profile.toml"), "built-in default"]
    assert rows[1] == ["Drop folder", "/srv/evidence-drop", "IT default for this computer", str(defaults)]
    assert rows[2] == ["Lock after idle (minutes)", "2", "your settings", str(tmp_path / "user.ini")]
    summary = {
        dialog.summary.itemAt(i, dialog.summary.ItemRole.LabelRole).widget().text(): dialog.summary.itemAt(
            i, dialog.summary.ItemRole.FieldRole
        )
        .widget()
        .text()
        for i in range(dialog.summary.rowCount())
    }
    assert summary["IT defaults file"] == f"{defaults} (present)"
    assert summary["Version"]
    assert summary["Installed as"]
    dialog.close()


def test_dialog_is_a_plain_view_of_rows(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = QtInstallationDialog([("Version", "9.9")], [("Drop folder", "/x", "school profile", "")])
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1
    assert dialog.cell(0, 2) == "school profile"
