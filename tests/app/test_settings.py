"""Settings: which place's value is in force and how the app says so; the IT file checked like any input; the
user's file through QSettings; and, under tests, neither the real user's settings nor the machine's file read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import identity

from app import settings
from app.paths import Paths
from app.settings import Key, Layer, Layers, SettingsError, Source
from app.workspace import Workspace
from evidence.case.profile import Profile

DATA = Path("/data")


REVIEWER = identity("Rita Reviewer", "r.reviewer@school.example").card


def _profile(drop: str = "", idle: int = 10) -> Profile:
    return Profile(school="Example Academy", reviewers=(REVIEWER,), drop_folder=drop, idle_lock_minutes=idle)


def test_precedence_user_then_it_then_profile_then_built_in() -> None:
    user = Layer(Source.USER, Path("/u.ini"), {Key.DROP_FOLDER: "/mine"})
    it = Layer(Source.IT_DEFAULT, Path("/etc/d.ini"), {Key.DROP_FOLDER: "/it", Key.PROFILE: "/srv/p.toml"})
    got = Layers(user, it).resolve(override=None, data_dir=DATA, profile=_profile("/profile-drop"))
    assert (got.drop_folder.value, got.drop_folder.source, got.drop_folder.origin) == ("/mine", Source.USER, "/u.ini")
    assert (got.profile.value, got.profile.source) == ("/srv/p.toml", Source.IT_DEFAULT)
    assert (got.idle_minutes, got.idle_lock_minutes.source) == (10, Source.SCHOOL_PROFILE)
    got = Layers(Layer(Source.USER), it).resolve(override=Path("/cli.toml"), data_dir=DATA, profile=_profile())
    assert (got.drop_folder.value, got.drop_folder.source) == ("/it", Source.IT_DEFAULT)
    assert (got.profile.value, got.profile.source) == ("/cli.toml", Source.COMMAND_LINE)
    got = Layers().resolve(override=None, data_dir=DATA, profile=_profile("/profile-drop"))
    assert (got.drop_folder.value, got.drop_folder.source) == ("/profile-drop", Source.SCHOOL_PROFILE)
    got = Layers().resolve(override=None, data_dir=DATA, profile=None)
    assert [s.source for s in got.rows()] == [Source.BUILT_IN] * 6  # three hotkeys since issue 11
    assert got.drop_folder_path == DATA / "outbox"
    assert got.profile_path == DATA / "profile.toml"


def test_idle_lock_may_be_stricter_than_the_school_profile_never_looser() -> None:
    def idle(user: str | None, it: str | None) -> settings.Setting:
        layers = Layers(
            Layer(Source.USER, None, {Key.IDLE_LOCK_MINUTES: user} if user else {}),
            Layer(Source.IT_DEFAULT, None, {Key.IDLE_LOCK_MINUTES: it} if it else {}),
        )
        return layers.resolve(override=None, data_dir=DATA, profile=_profile(idle=10)).idle_lock_minutes

    assert (idle("3", "7").value, idle("3", "7").source) == ("3", Source.USER)
    assert (idle(None, "7").value, idle(None, "7").source) == ("7", Source.IT_DEFAULT)
    capped = idle("60", None)
    assert (capped.value, capped.source) == ("10", Source.SCHOOL_PROFILE)
    assert "60" in capped.note


def _write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_it_file_keeps_windows_paths_as_written(tmp_path: Path) -> None:
    f = _write(
        tmp_path / "d.ini", "# IT\n[defaults]\ndrop_folder = \\\\server\\evidence, drop\nidle_lock_minutes = 4\n"
    )
    layer = settings.read_it_defaults(f)
    assert layer.values == {Key.DROP_FOLDER: "\\\\server\\evidence, drop", Key.IDLE_LOCK_MINUTES: "4"}
    assert (layer.source, layer.origin) == (Source.IT_DEFAULT, f)
    assert settings.read_it_defaults(tmp_path / "missing.ini").values == {}


@pytest.mark.parametrize(
    "content",
    [
        "[defaults]\ndrop_folde = /typo\n",  # unknown key
        "[defaults]\nidle_lock_minutes = 0\n",
        "[defaults]\nidle_lock_minutes = ten\n",
        "[defaults]\nidle_lock_minutes = 241\n",
        "[defaults]\ndrop_folder =\n",
        "[school]\ndrop_folder = /x\n",  # unknown section
        "drop_folder = /x\n",  # no section
        "[defaults]\ndrop_folder = /a\ndrop_folder = /b\n",  # duplicate
        b"[defaults]\ndrop_folder = /caf\xe9\n",  # not UTF-8
        "[defaults]\n" + "# padding\n" * 8000,  # too big
    ],
)
def test_bad_it_file_is_one_error_naming_the_file(tmp_path: Path, content: str | bytes) -> None:
    f = _write(tmp_path / "defaults.ini", content)
    with pytest.raises(SettingsError) as e:
        settings.read_it_defaults(f)
    assert str(e.value).startswith(str(f))
    assert "\n" not in str(e.value)


def test_it_file_must_be_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "defaults.ini").mkdir()
    with pytest.raises(SettingsError):
        settings.read_it_defaults(tmp_path / "defaults.ini")


def test_user_settings_round_trip_through_qsettings(tmp_path: Path) -> None:
    user = settings.UserSettings(tmp_path / "settings.ini")
    user.set(Key.DROP_FOLDER, "C:\\Users\\Jane, Smith\\drop")
    user.set(Key.IDLE_LOCK_MINUTES, "3")
    assert user.layer().values == {Key.DROP_FOLDER: "C:\\Users\\Jane, Smith\\drop", Key.IDLE_LOCK_MINUTES: "3"}
    before = (tmp_path / "settings.ini").read_bytes()
    with pytest.raises(SettingsError):
        user.set(Key.IDLE_LOCK_MINUTES, "0")
    assert (tmp_path / "settings.ini").read_bytes() == before  # nothing written on a bad value
    user.set(Key.DROP_FOLDER, None)
    assert user.layer().values == {Key.IDLE_LOCK_MINUTES: "3"}


def test_under_tests_only_the_files_named_in_the_environment_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(settings.SETTINGS_ENV, raising=False)
    monkeypatch.delenv(settings.DEFAULTS_ENV, raising=False)
    assert os.environ.get("EVIDENCE_CAPTURE_TESTING")
    assert settings.user_settings_file() is None
    assert settings.it_defaults_file() is None
    assert Layers.load() == Layers()
    monkeypatch.setenv(settings.DEFAULTS_ENV, str(_write(tmp_path / "d.ini", "[defaults]\nidle_lock_minutes = 2\n")))
    monkeypatch.setenv(settings.SETTINGS_ENV, str(tmp_path / "user.ini"))
    loaded = Layers.load()
    assert loaded.it.values == {Key.IDLE_LOCK_MINUTES: "2"}
    assert loaded.user.values == {}


def test_workspace_uses_the_profile_and_drop_folder_it_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    school = tmp_path / "school.toml"
    school.write_text(_profile(str(tmp_path / "profile-drop")).to_toml())
    defaults = _write(tmp_path / "d.ini", f"[defaults]\nprofile = {school}\n")
    monkeypatch.setenv(settings.DEFAULTS_ENV, str(defaults))
    ws = Workspace(Paths(tmp_path / "data"))
    assert ws.profile().school == "Example Academy"
    assert ws.drop_folder() == tmp_path / "profile-drop"
    _write(defaults, f"[defaults]\nprofile = {school}\ndrop_folder = {tmp_path / 'it-drop'}\nidle_lock_minutes = 2\n")
    ws = Workspace(Paths(tmp_path / "data"))
    assert ws.drop_folder() == tmp_path / "it-drop"
    assert ws.idle_lock_minutes() == 2


def test_cli_shows_each_setting_with_its_source_and_sets_the_users(tmp_path: Path) -> None:
    env = {
        **os.environ,
        settings.DEFAULTS_ENV: str(_write(tmp_path / "d.ini", "[defaults]\ndrop_folder = /srv/drop\n")),
        settings.SETTINGS_ENV: str(tmp_path / "user.ini"),
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "app.main", "--data-dir", str(tmp_path / "data"), *args]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, check=False)

    shown = cli("settings").stdout
    assert "Drop folder: /srv/drop\n    from: IT default for this computer" in shown
    assert cli("settings", "set", "drop_folder", "/home/jane/drop").returncode == 0
    assert "Drop folder: /home/jane/drop\n    from: your settings" in cli("settings", "show").stdout
    bad = cli("settings", "set", "idle_lock_minutes", "0")
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1
    assert cli("settings", "unset", "drop_folder").returncode == 0
    assert "from: IT default" in cli("settings").stdout


def test_hotkeys_default_to_print_shift_print_ctrl_print_and_the_user_or_it_may_change_them() -> None:
    from app.hotkeys import Action, Hotkey, Modifier

    got = Layers().resolve(override=None, data_dir=DATA, profile=None)
    assert got.hotkeys() == {
        Action.REGION: Hotkey("Print"),
        Action.FULL: Hotkey("Print", Modifier.SHIFT),
        Action.ACTIVE_WINDOW: Hotkey("Print", Modifier.CTRL),
    }
    user = Layer.parse({"hotkey_region": "ctrl+ALT+f9", "hotkey_window": "None"}, Source.USER, Path("/u.ini"))
    it = Layer.parse({"hotkey_region": "Pause", "hotkey_full": "Meta+Print"}, Source.IT_DEFAULT, Path("/etc/d.ini"))
    got = Layers(user, it).resolve(override=None, data_dir=DATA, profile=None)
    assert (got.hotkey_region.value, got.hotkey_region.source) == ("Ctrl+Alt+F9", Source.USER)
    assert (got.hotkey_full.value, got.hotkey_full.source) == ("Meta+Print", Source.IT_DEFAULT)
    assert got.hotkeys()[Action.ACTIVE_WINDOW] is None  # turned off
    assert {s.key for s in got.rows()} == set(Key)


@pytest.mark.parametrize("value", ["Hyper+Print", "Shift", "Print+Pause", "Ctrl+", "😀"])
def test_a_bad_hotkey_names_the_file_and_the_key(value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Layer.parse({"hotkey_full": value}, Source.IT_DEFAULT, Path("/etc/evidence-capture/defaults.ini"))
    assert "/etc/evidence-capture/defaults.ini" in str(caught.value)
    assert "hotkey_full" in str(caught.value)
