"""What is installed where, and which settings are in force: the "About this installation" report.

IT needs to see, on a given workstation, which build runs, which data folder it uses and where each setting came
from (the user, IT's machine-wide defaults, the school profile, or the built-in default), without reading code.
The same report is the ``settings`` verb's output and the desktop app's Help → "About this installation…".
The ``settings set`` and ``settings unset`` verbs change the user's own settings.
"""

from __future__ import annotations

import argparse
import enum
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import evidence
from app import paths as paths_mod
from app import settings as settings_mod
from app.settings import Key, Settings, SettingsError
from evidence.core.errors import EvidenceError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

    from app.workspace import Workspace


class InstallKind(enum.Enum):
    """How the running copy was installed."""

    FROZEN = "frozen build (PyInstaller folder, or the .deb made from it)"
    PACKAGE = "Python package (pip or pipx)"
    CHECKOUT = "source checkout (make run)"


def install_kind() -> InstallKind:
    """How the running copy was installed."""
    if getattr(sys, "frozen", False):
        return InstallKind.FROZEN
    parts = Path(__file__).resolve().parts
    if "site-packages" in parts or "dist-packages" in parts:
        return InstallKind.PACKAGE
    return InstallKind.CHECKOUT


@dataclass(frozen=True)
class InstallationInfo:
    """The report.

    Attributes:
        version: the app's version.
        kind: how it was installed.
        program: the executable (frozen) or the package folder.
        data_dir: the data folder in use.
        data_dir_note: how that folder was chosen.
        user_settings: the user's settings file (None under tests).
        it_defaults: the machine's IT defaults file (None under tests).
        it_defaults_present: whether that file exists.
        settings: every setting in force, with its source.
        school_root: the school root fingerprint this data folder pinned, or "" (none pinned).
    """

    version: str
    kind: InstallKind
    program: str
    data_dir: Path
    data_dir_note: str
    user_settings: Path | None
    it_defaults: Path | None
    it_defaults_present: bool
    settings: Settings
    school_root: str = ""

    def summary(self) -> list[tuple[str, str]]:
        """(label, value) lines about the installation, in the order shown."""
        return [
            ("Version", self.version),
            ("Installed as", self.kind.value),
            ("Program", self.program),
            ("Data folder", f"{self.data_dir} ({self.data_dir_note})"),
            ("Your settings file", str(self.user_settings) if self.user_settings else "none (tests)"),
            (
                "IT defaults file",
                f"{self.it_defaults} ({'present' if self.it_defaults_present else 'not present'})"
                if self.it_defaults
                else "none (tests)",
            ),
            ("School root (pinned)", self.school_root or "none: nothing this computer verifies is anchored to a root"),
        ]

    def setting_rows(self) -> list[tuple[str, str, str, str]]:
        """(setting, value, comes from, file or note) for each setting, in the order shown."""
        return [
            (s.key.label, s.value, s.source.value, "; ".join(x for x in (s.origin, s.note) if x))
            for s in self.settings.rows()
        ]

    def text(self) -> str:
        """The report as plain text (the ``settings`` verb)."""
        lines = [f"{label}: {value}" for label, value in self.summary()]
        lines.append("")
        for s in self.settings.rows():
            origin = f" [{s.origin}]" if s.origin else ""
            note = f" ({s.note})" if s.note else ""
            lines.append(f"{s.key.label}: {s.value}\n    from: {s.source.value}{origin}{note}")
        return "\n".join(lines) + "\n"


def describe(workspace: Workspace) -> InstallationInfo:
    """The report for ``workspace``.

    Raises:
        EvidenceError: the profile in force cannot be read.
    """
    data_dir = workspace.paths.data_dir
    note = "given with --data-dir"
    if not os.environ.get(paths_mod.TESTING_ENV):
        locations = paths_mod.for_platform()
        if data_dir == locations.legacy_data_dir() and data_dir != locations.standard_data_dir():
            note = "kept from version 0.1, which used this folder"
        elif data_dir == paths_mod.data_dir_of(locations):
            note = "this system's per-user data folder"
    it_file = settings_mod.it_defaults_file()
    kind = install_kind()
    program = sys.executable if kind is InstallKind.FROZEN else str(Path(evidence.__file__).resolve().parent.parent)
    return InstallationInfo(
        version=evidence.__version__,
        kind=kind,
        program=program,
        data_dir=data_dir,
        data_dir_note=note,
        user_settings=settings_mod.user_settings_file(),
        it_defaults=it_file,
        it_defaults_present=bool(it_file and it_file.exists()),
        settings=workspace.settings(),
        school_root=workspace.pinned_root() or "",
    )


# -- command line ------------------------------------------------------------------------------------------------


def add_parser(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``settings [show] | settings set KEY VALUE | settings unset KEY`` to the command line."""
    sett = verbs.add_parser("settings", help="show the installation and where each setting comes from, or set one")
    actions = sett.add_subparsers(dest="action")
    actions.add_parser("show", help="show the installation and every setting with its source (the default)")
    keys = [k.value for k in Key]
    put = actions.add_parser("set", help="set one of your own settings")
    put.add_argument("key", choices=keys)
    put.add_argument("value")
    unset = actions.add_parser("unset", help="remove one of your own settings (the next source applies)")
    unset.add_argument("key", choices=keys)


def cmd_settings_show(workspace: Workspace, _args: argparse.Namespace) -> int:
    """Print the report."""
    sys.stdout.write(describe(workspace).text())
    return 0


def _user_file() -> settings_mod.UserSettings:
    path = settings_mod.user_settings_file()
    if path is None:
        raise SettingsError(f"{paths_mod.TESTING_ENV} is set: name the settings file in {settings_mod.SETTINGS_ENV}")
    path.parent.mkdir(parents=True, exist_ok=True)
    return settings_mod.UserSettings(path)


def cmd_settings_set(_workspace: Workspace, args: argparse.Namespace) -> int:
    """Set one of the user's settings."""
    _user_file().set(Key(args.key), args.value)
    return 0


def cmd_settings_unset(_workspace: Workspace, args: argparse.Namespace) -> int:
    """Remove one of the user's settings."""
    _user_file().set(Key(args.key), None)
    return 0


COMMANDS = {
    ("settings", None): cmd_settings_show,
    ("settings", "show"): cmd_settings_show,
    ("settings", "set"): cmd_settings_set,
    ("settings", "unset"): cmd_settings_unset,
}


# -- desktop app -------------------------------------------------------------------------------------------------


def add_about_action(window: QMainWindow, workspace: Workspace) -> None:
    """Add "About this installation…", which shows the report, to ``window``'s Help menu (made if it has none)."""
    from PySide6.QtWidgets import QMessageBox

    def show() -> None:
        from ui.installation_dialog import QtInstallationDialog  # when asked for, not at every start

        try:
            info = describe(workspace)
        except EvidenceError as e:
            QMessageBox.warning(window, "About this installation", str(e))
            return
        dialog = QtInstallationDialog(info.summary(), info.setting_rows(), window)
        dialog.setObjectName("installation_dialog")
        dialog.open()

    from PySide6.QtWidgets import QMenu

    menu = window.menuBar().findChild(QMenu, "help_menu") or window.menuBar().addMenu("&Help")
    action = menu.addAction("About this installation…")
    action.setObjectName("about_installation")
    action.triggered.connect(show)
