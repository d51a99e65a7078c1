"""The data folders behind their interface: the factory's choice per system, the folder Qt's QStandardPaths names
on Linux, the earlier versions' folder kept for existing users, the IT defaults file, and the refusal under tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import paths
from evidence.core.errors import UsageError


def test_factory_chooses_one_implementation_per_system() -> None:
    assert isinstance(paths.for_platform("linux"), paths.XdgLocations)
    assert isinstance(paths.for_platform("win32"), paths.WindowsLocations)
    assert isinstance(paths.for_platform("darwin"), paths.MacLocations)
    for platform in ("linux", "win32", "darwin", "freebsd14"):
        assert isinstance(paths.for_platform(platform), paths.DataLocations)


def test_linux_data_folder_is_qt_standard_one_and_the_same_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    xdg = paths.XdgLocations(home=tmp_path)
    assert xdg.standard_data_dir() == tmp_path / "data-home" / "evidence-capture"
    assert xdg.legacy_data_dir() == xdg.standard_data_dir()  # existing Linux users keep their folder
    monkeypatch.delenv("XDG_DATA_HOME")
    assert paths.XdgLocations(home=tmp_path).standard_data_dir() == tmp_path / ".local" / "share" / "evidence-capture"


class _Fake:
    def __init__(self, legacy: Path, standard: Path) -> None:
        self.legacy, self.standard = legacy, standard

    def standard_data_dir(self) -> Path:
        return self.standard

    def legacy_data_dir(self) -> Path:
        return self.legacy

    def it_defaults_file(self) -> Path:
        return self.standard / "defaults.ini"


def test_an_existing_folder_of_an_earlier_version_stays_in_use(tmp_path: Path) -> None:
    fake = _Fake(tmp_path / "EvidenceCapture", tmp_path / "evidence-capture")
    assert paths.data_dir_of(fake) == tmp_path / "evidence-capture"
    (tmp_path / "EvidenceCapture").mkdir()
    assert paths.data_dir_of(fake) == tmp_path / "EvidenceCapture"


def test_windows_and_mac_folders_from_their_documented_variables(tmp_path: Path) -> None:
    win = paths.WindowsLocations(env={"LOCALAPPDATA": "/w/Local", "ProgramData": "/w/ProgramData"}, home=tmp_path)
    assert win.legacy_data_dir() == Path("/w/Local/EvidenceCapture")
    assert win.it_defaults_file() == Path("/w/ProgramData/evidence-capture/defaults.ini")
    assert paths.WindowsLocations(env={}, home=tmp_path).legacy_data_dir() == tmp_path / "AppData/Local/EvidenceCapture"
    mac = paths.MacLocations(env={}, home=tmp_path)
    assert mac.legacy_data_dir() == tmp_path / "Library/Application Support/Evidence Capture"
    assert mac.it_defaults_file() == Path("/Library/Application Support/evidence-capture/defaults.ini")


def test_linux_it_defaults_file_follows_xdg_config_dirs(tmp_path: Path) -> None:
    assert paths.XdgLocations(env={}, home=tmp_path).it_defaults_file() == Path(
        "/etc/xdg/evidence-capture/defaults.ini"
    )
    first, second = tmp_path / "first", tmp_path / "second"
    env = {"XDG_CONFIG_DIRS": f"{first}:relative/ignored:{second}"}
    assert paths.XdgLocations(env=env, home=tmp_path).it_defaults_file() == first / "evidence-capture/defaults.ini"
    (second / "evidence-capture").mkdir(parents=True)
    (second / "evidence-capture" / "defaults.ini").write_text("[defaults]\n")
    assert paths.XdgLocations(env=env, home=tmp_path).it_defaults_file() == second / "evidence-capture/defaults.ini"


def test_under_tests_the_real_data_folder_is_refused() -> None:
    with pytest.raises(UsageError):
        paths.Paths.resolve(None)
