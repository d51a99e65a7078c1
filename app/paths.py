"""Every path the app uses, in one place, and where each system keeps them.

The data dir is ``--data-dir``, else the per-user data folder that Qt's ``QStandardPaths`` names for the app
(``AppLocalDataLocation``: ``~/.local/share/evidence-capture``, ``%LOCALAPPDATA%\\evidence-capture``,
``~/Library/Application Support/evidence-capture``). Two choices defend the user's evidence:

- *Local, not roaming.* On Windows ``AppDataLocation`` is the roaming profile, which a school's network copies to
  a server at every log-off: a vault of evidence must stay on the machine it was captured on, and SQLite in a
  synchronised folder risks corruption. Elsewhere the two locations are the same folder.
- *No orphaned vaults.* Version 0.1 chose the folder by hand (``%LOCALAPPDATA%\\EvidenceCapture``,
  ``~/Library/Application Support/Evidence Capture``; on Linux the same folder as now). Where that folder
  exists it stays in use, so an upgrade never hides anyone's captures.

Each system's differences sit behind one small interface, :class:`DataLocations`, with one implementation per
system and :func:`for_platform` choosing. The data dir is created 0700. Under tests (``EVIDENCE_CAPTURE_TESTING``
set) the real home is refused, so a test can never touch a user's vault.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from app import appinfo
from evidence.core.errors import UsageError
from evidence.core.fsutil import make_private_dir

APP_DIR_NAME = appinfo.APP_SLUG
TESTING_ENV = "EVIDENCE_CAPTURE_TESTING"
DEFAULTS_FILE_NAME = "defaults.ini"


@runtime_checkable
class DataLocations(Protocol):
    """Where one system keeps the app's per-user data and the machine-wide defaults IT sets."""

    def standard_data_dir(self) -> Path:
        """The per-user data folder the system's conventions name (through ``QStandardPaths``)."""
        ...

    def legacy_data_dir(self) -> Path:
        """The folder version 0.1 used; kept in use where it exists."""
        ...

    def it_defaults_file(self) -> Path:
        """The machine-wide file in which IT sets defaults for every user."""
        ...


def data_dir_of(locations: DataLocations) -> Path:
    """The per-user data folder in force: the earlier versions' folder if it exists, else the standard one."""
    legacy = locations.legacy_data_dir()
    return legacy if legacy.is_dir() else locations.standard_data_dir()


def qt_standard_location(kind: str) -> Path:
    """``QStandardPaths.writableLocation`` for the app (``kind``: a ``StandardLocation`` name).

    Raises:
        UsageError: the system names no such folder (no home directory).
    """
    from PySide6.QtCore import QStandardPaths

    appinfo.set_names()
    location = QStandardPaths.writableLocation(getattr(QStandardPaths.StandardLocation, kind))
    if not location:
        raise UsageError(f"this system names no {kind} folder for the app; pass --data-dir")
    return Path(location)


def _environ() -> Mapping[str, str]:
    return os.environ


@dataclass(frozen=True)
class XdgLocations:
    """Linux and the BSDs: the XDG base directories."""

    env: Mapping[str, str] = field(default_factory=_environ)
    home: Path = field(default_factory=Path.home)

    def standard_data_dir(self) -> Path:
        """``$XDG_DATA_HOME/evidence-capture`` (``~/.local/share/evidence-capture``)."""
        return qt_standard_location("AppLocalDataLocation")

    def legacy_data_dir(self) -> Path:
        """The same folder: earlier versions followed XDG by hand."""
        base = self.env.get("XDG_DATA_HOME") or str(self.home / ".local" / "share")
        return Path(base) / APP_DIR_NAME

    def it_defaults_file(self) -> Path:
        """``evidence-capture/defaults.ini`` in the first ``$XDG_CONFIG_DIRS`` folder that has one (``/etc/xdg``)."""
        dirs = [d for d in (self.env.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":") if os.path.isabs(d)]
        candidates = [Path(d) / APP_DIR_NAME / DEFAULTS_FILE_NAME for d in dirs or ["/etc/xdg"]]
        return next((c for c in candidates if c.exists()), candidates[0])


@dataclass(frozen=True)
class WindowsLocations:
    """Windows: ``%LOCALAPPDATA%`` per user, ``%ProgramData%`` for the machine."""

    env: Mapping[str, str] = field(default_factory=_environ)
    home: Path = field(default_factory=Path.home)

    def standard_data_dir(self) -> Path:
        """``%LOCALAPPDATA%\\evidence-capture``."""
        return qt_standard_location("AppLocalDataLocation")

    def legacy_data_dir(self) -> Path:
        """``%LOCALAPPDATA%\\EvidenceCapture``."""
        return Path(self.env.get("LOCALAPPDATA") or self.home / "AppData" / "Local") / "EvidenceCapture"

    def it_defaults_file(self) -> Path:
        """``%ProgramData%\\evidence-capture\\defaults.ini`` (writable by administrators only)."""
        return Path(self.env.get("ProgramData") or "C:\\ProgramData") / APP_DIR_NAME / DEFAULTS_FILE_NAME


@dataclass(frozen=True)
class MacLocations:
    """macOS: ``~/Library/Application Support`` per user, ``/Library/Application Support`` for the machine."""

    env: Mapping[str, str] = field(default_factory=_environ)
    home: Path = field(default_factory=Path.home)

    def standard_data_dir(self) -> Path:
        """``~/Library/Application Support/evidence-capture``."""
        return qt_standard_location("AppLocalDataLocation")

    def legacy_data_dir(self) -> Path:
        """``~/Library/Application Support/Evidence Capture``."""
        return self.home / "Library" / "Application Support" / appinfo.APP_NAME

    def it_defaults_file(self) -> Path:
        """``/Library/Application Support/evidence-capture/defaults.ini``."""
        return Path("/Library/Application Support") / APP_DIR_NAME / DEFAULTS_FILE_NAME


def for_platform(platform: str | None = None) -> DataLocations:
    """The data locations of ``platform`` (a ``sys.platform`` value)."""
    platform = platform or sys.platform
    if platform == "win32":
        return WindowsLocations()
    if platform == "darwin":
        return MacLocations()
    return XdgLocations()


def default_data_dir() -> Path:
    """This system's per-user data folder for the app (see the module docstring)."""
    return data_dir_of(for_platform())


@dataclass(frozen=True)
class Paths:
    """The files of one data dir."""

    data_dir: Path

    @classmethod
    def resolve(cls, data_dir: str | None) -> Paths:
        """Use ``data_dir`` if given, else the platform default (refused under tests)."""
        if data_dir:
            return cls(Path(data_dir).expanduser().resolve())
        if os.environ.get(TESTING_ENV):
            raise UsageError(f"{TESTING_ENV} is set: pass --data-dir; tests must not use the real data dir")
        return cls(default_data_dir())

    def ensure(self) -> Paths:
        """Create the data dir (0700)."""
        make_private_dir(self.data_dir)
        return self

    @property
    def vault(self) -> Path:
        """The SQLite vault."""
        return self.data_dir / "vault.sqlite3"

    @property
    def own_card(self) -> Path:
        """The public card of this data dir's own identity (captures are encrypted to it)."""
        return self.data_dir / "identity.card"

    @property
    def own_identity_hint(self) -> Path:
        """A text file holding the path of the identity file (so the app can find it again)."""
        return self.data_dir / "identity.path"

    @property
    def profile(self) -> Path:
        """The data dir's school profile."""
        return self.data_dir / "profile.toml"

    @property
    def window_state(self) -> Path:
        """The windows' sizes and places (``QSettings`` INI; no personal data)."""
        return self.data_dir / "windows.ini"

    @property
    def instance_lock(self) -> Path:
        """The lock that lets one running app use this data dir (see :mod:`app.instance`)."""
        return self.data_dir / "instance.lock"

    @property
    def trust_root(self) -> Path:
        """The school root fingerprint this data dir pinned (``profile install``, the wizard), with its history."""
        return self.data_dir / "trust-root"

    @property
    def outbox(self) -> Path:
        """Where bundles go when the profile names no drop folder."""
        return self.data_dir / "outbox"
