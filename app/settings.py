"""The settings IT and users may change, where each one's value comes from, and which value is in force.

Six settings can be set in several places: the school profile's location, the drop folder, the idle-lock minutes
and the three global hotkeys (:mod:`app.hotkeys`; ``none`` turns one off). The first place that sets one wins, in
this order:

1. the command line (``--profile``);
2. the user's own settings (QSettings, ``settings.ini`` in Qt's ``AppConfigLocation``:
   ``~/.config/evidence-capture/``, ``%LOCALAPPDATA%\\evidence-capture\\``);
3. the IT defaults for every user of the machine (:meth:`app.paths.DataLocations.it_defaults_file`:
   ``/etc/xdg/evidence-capture/defaults.ini``, ``%ProgramData%\\evidence-capture\\defaults.ini``);
4. the school profile (drop folder, idle-lock minutes);
5. the built-in default (the data folder's ``profile.toml`` and ``outbox``; Print, Shift+Print, Ctrl+Print).

The idle-lock minutes are the exception that protects the school's policy (§6.16): a user or IT may lock sooner
than the school profile says, never later. A longer value is capped at the profile's and reported as coming from
the profile, with a note.

The IT file is read with :mod:`configparser`, not QSettings. It is written by hand, often on Windows, and QSettings'
INI reader takes a backslash as an escape (``\\\\server\\drop`` comes out mangled) and a comma as a list
separator. It comes from outside, so it is checked like any other input: a regular file, at most 64 KiB, only
known keys, values checked; a bad one is a :class:`SettingsError` naming the file and the key. The user's file is
written and read by QSettings only, which escapes what it writes.

Under tests (``EVIDENCE_CAPTURE_TESTING`` set) neither the real user's settings nor the machine's IT file is read;
only the files named by ``EVIDENCE_CAPTURE_SETTINGS`` and ``EVIDENCE_CAPTURE_DEFAULTS`` (which also override the
real ones outside tests, so IT can try a file before deploying it).
"""

from __future__ import annotations

import configparser
import enum
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app import hotkeys
from app import paths as paths_mod
from evidence.case.profile import DEFAULT_IDLE_LOCK_MINUTES, Profile
from evidence.core.errors import UsageError

if TYPE_CHECKING:  # PySide6 is loaded only when a settings file is used
    from PySide6.QtCore import QSettings

SETTINGS_ENV = "EVIDENCE_CAPTURE_SETTINGS"
DEFAULTS_ENV = "EVIDENCE_CAPTURE_DEFAULTS"
DEFAULTS_SECTION = "defaults"
MAX_DEFAULTS_BYTES = 64 * 1024
MIN_IDLE_MINUTES, MAX_IDLE_MINUTES = 1, 240


class SettingsError(UsageError):
    """A settings file or value is not acceptable; the message names the file and the key."""


class Key(enum.Enum):
    """A setting that IT or the user may set."""

    PROFILE = "profile"
    DROP_FOLDER = "drop_folder"
    IDLE_LOCK_MINUTES = "idle_lock_minutes"
    HOTKEY_REGION = "hotkey_region"
    HOTKEY_FULL = "hotkey_full"
    HOTKEY_WINDOW = "hotkey_window"

    @property
    def label(self) -> str:
        """What the setting is called on screen."""
        return _LABELS[self]


_LABELS = {
    Key.PROFILE: "School profile",
    Key.DROP_FOLDER: "Drop folder",
    Key.IDLE_LOCK_MINUTES: "Lock after idle (minutes)",
    Key.HOTKEY_REGION: "Hotkey: capture a region",
    Key.HOTKEY_FULL: "Hotkey: capture the full screen",
    Key.HOTKEY_WINDOW: "Hotkey: capture the active window",
}

HOTKEY_KEYS = {
    Key.HOTKEY_REGION: hotkeys.Action.REGION,
    Key.HOTKEY_FULL: hotkeys.Action.FULL,
    Key.HOTKEY_WINDOW: hotkeys.Action.ACTIVE_WINDOW,
}
"""Each hotkey setting and the capture it starts."""


class Source(enum.Enum):
    """Where a setting's value in force came from, strongest first."""

    COMMAND_LINE = "command line"
    USER = "your settings"
    IT_DEFAULT = "IT default for this computer"
    SCHOOL_PROFILE = "school profile"
    BUILT_IN = "built-in default"


def check_value(key: Key, text: str, where: str) -> str:
    """``text`` as a value of ``key``, checked; returned stripped.

    Raises:
        SettingsError: empty, a control character, (minutes) not a whole number from 1 to 240, or (hotkeys) not a
            key such as ``Shift+Print``, nor ``none``.
    """
    value = text.strip()
    if not value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise SettingsError(f"{where}: {key.value}: must be one line of text")
    if key is Key.IDLE_LOCK_MINUTES:
        if not value.isdigit() or not MIN_IDLE_MINUTES <= int(value) <= MAX_IDLE_MINUTES:
            raise SettingsError(
                f"{where}: {key.value}: must be a whole number of minutes from {MIN_IDLE_MINUTES} to {MAX_IDLE_MINUTES}"
            )
        return str(int(value))
    if key in HOTKEY_KEYS:
        try:
            hotkey = hotkeys.parse_setting(value)
        except hotkeys.HotkeyError as e:
            raise SettingsError(f"{where}: {key.value}: {e}") from e
        return hotkeys.NONE if hotkey is None else str(hotkey)
    return value


@dataclass(frozen=True)
class Layer:
    """The values one place sets.

    Attributes:
        source: which place.
        origin: the file they came from, if any.
        values: each key it sets, with its checked text.
    """

    source: Source
    origin: Path | None = None
    values: Mapping[Key, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Mapping[str, str], source: Source, origin: Path | None) -> Layer:
        """Check ``raw`` (key name → text) as a layer.

        Raises:
            SettingsError: an unknown key or a bad value.
        """
        where = str(origin) if origin else source.value
        known = {k.value: k for k in Key}
        values: dict[Key, str] = {}
        for name, text in raw.items():
            key = known.get(name)
            if key is None:
                raise SettingsError(f"{where}: {name}: unknown setting (known: {', '.join(known)})")
            values[key] = check_value(key, text, where)
        return cls(source, origin, values)


def read_it_defaults(path: Path) -> Layer:
    """The IT defaults in ``path`` (a ``[defaults]`` section); an empty layer if there is no such file.

    Raises:
        SettingsError: not a regular file, too big, not INI, not UTF-8, or a bad key or value.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        return Layer(Source.IT_DEFAULT, path)
    except OSError as e:
        raise SettingsError(f"{path}: cannot read: {e.strerror or e}") from e
    if not stat.S_ISREG(info.st_mode):
        raise SettingsError(f"{path}: not a regular file")
    if info.st_size > MAX_DEFAULTS_BYTES:
        raise SettingsError(f"{path}: larger than {MAX_DEFAULTS_BYTES} bytes")
    try:
        with path.open("rb") as f:
            text = f.read(MAX_DEFAULTS_BYTES + 1).decode("utf-8-sig")
        parser = configparser.ConfigParser(interpolation=None, strict=True)
        parser.read_string(text, source=str(path))
    except OSError as e:
        raise SettingsError(f"{path}: cannot read: {e.strerror or e}") from e
    except (UnicodeDecodeError, configparser.Error) as e:
        raise SettingsError(f"{path}: not an INI file in UTF-8: {str(e).splitlines()[0]}") from e
    extra = [s for s in parser.sections() if s != DEFAULTS_SECTION]
    if extra:
        raise SettingsError(f"{path}: [{extra[0]}]: unknown section (settings go under [{DEFAULTS_SECTION}])")
    raw = dict(parser[DEFAULTS_SECTION]) if parser.has_section(DEFAULTS_SECTION) else {}
    return Layer.parse(raw, Source.IT_DEFAULT, path)


class UserSettings:
    """The user's own settings file, read and written through QSettings (INI format).

    Attributes:
        path: the file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def _qsettings(self) -> QSettings:
        from PySide6.QtCore import QSettings

        return QSettings(str(self.path), QSettings.Format.IniFormat)

    def layer(self) -> Layer:
        """What the user has set.

        Raises:
            SettingsError: a value is not acceptable (edited by hand).
        """
        if not self.path.exists():
            return Layer(Source.USER, self.path)
        qs = self._qsettings()
        raw: dict[str, str] = {}
        for name in qs.allKeys():
            value = qs.value(name)
            if not isinstance(value, str):
                raise SettingsError(f"{self.path}: {name}: must be one line of text")
            raw[name] = value
        return Layer.parse(raw, Source.USER, self.path)

    def set(self, key: Key, value: str | None) -> None:
        """Set ``key`` to ``value`` (checked first), or remove it when ``value`` is None.

        Raises:
            SettingsError: the value is not acceptable, or the file cannot be written.
        """
        qs = self._qsettings()
        if value is None:
            qs.remove(key.value)
        else:
            qs.setValue(key.value, check_value(key, value, str(self.path)))
        qs.sync()
        if qs.status() != qs.Status.NoError:
            raise SettingsError(f"{self.path}: cannot write the settings file")


def user_settings_file() -> Path | None:
    """The user's settings file: ``$EVIDENCE_CAPTURE_SETTINGS``, else the real one (None under tests)."""
    if os.environ.get(SETTINGS_ENV):
        return Path(os.environ[SETTINGS_ENV])
    if os.environ.get(paths_mod.TESTING_ENV):
        return None
    return paths_mod.qt_standard_location("AppConfigLocation") / "settings.ini"


def it_defaults_file() -> Path | None:
    """The machine's IT defaults file: ``$EVIDENCE_CAPTURE_DEFAULTS``, else the system's (None under tests)."""
    if os.environ.get(DEFAULTS_ENV):
        return Path(os.environ[DEFAULTS_ENV])
    if os.environ.get(paths_mod.TESTING_ENV):
        return None
    return paths_mod.for_platform().it_defaults_file()


@dataclass(frozen=True)
class Setting:
    """One setting's value in force.

    Attributes:
        key: which setting.
        value: its value, as text.
        source: where that value came from.
        origin: the file it came from, or "" (command line, built-in).
        note: why a stronger place's value was not used, if that happened.
    """

    key: Key
    value: str
    source: Source
    origin: str = ""
    note: str = ""


@dataclass(frozen=True)
class Settings:
    """Every setting's value in force, with its source."""

    profile: Setting
    drop_folder: Setting
    idle_lock_minutes: Setting
    hotkey_region: Setting
    hotkey_full: Setting
    hotkey_window: Setting

    @property
    def profile_path(self) -> Path:
        """The school profile file in force."""
        return Path(self.profile.value).expanduser()

    @property
    def drop_folder_path(self) -> Path:
        """Where sealed bundles go."""
        return Path(self.drop_folder.value).expanduser()

    @property
    def idle_minutes(self) -> int:
        """Minutes of inactivity before the app locks."""
        return int(self.idle_lock_minutes.value)

    def hotkeys(self) -> dict[hotkeys.Action, hotkeys.Hotkey | None]:
        """Each capture's global hotkey, or None where it is turned off."""
        return {
            HOTKEY_KEYS[s.key]: hotkeys.parse_setting(s.value)
            for s in (self.hotkey_region, self.hotkey_full, self.hotkey_window)
        }

    def rows(self) -> tuple[Setting, ...]:
        """The settings in the order they are shown."""
        return (
            self.profile,
            self.drop_folder,
            self.idle_lock_minutes,
            self.hotkey_region,
            self.hotkey_full,
            self.hotkey_window,
        )


@dataclass(frozen=True)
class Layers:
    """The user's and IT's settings, as read once at start-up."""

    user: Layer = field(default_factory=lambda: Layer(Source.USER))
    it: Layer = field(default_factory=lambda: Layer(Source.IT_DEFAULT))

    @classmethod
    def load(cls) -> Layers:
        """Read the user's settings and the machine's IT defaults (see :func:`user_settings_file`).

        Raises:
            SettingsError: either file is not acceptable.
        """
        user_file, it_file = user_settings_file(), it_defaults_file()
        return cls(
            user=UserSettings(user_file).layer() if user_file else Layer(Source.USER),
            it=read_it_defaults(it_file) if it_file else Layer(Source.IT_DEFAULT),
        )

    def _first(self, key: Key) -> Setting | None:
        for layer in (self.user, self.it):
            if key in layer.values:
                return Setting(key, layer.values[key], layer.source, str(layer.origin or ""))
        return None

    def profile_setting(self, override: Path | None, data_dir: Path) -> Setting:
        """Which school profile file is in force."""
        if override is not None:
            return Setting(Key.PROFILE, str(override), Source.COMMAND_LINE)
        return self._first(Key.PROFILE) or Setting(Key.PROFILE, str(data_dir / "profile.toml"), Source.BUILT_IN)

    def resolve(self, *, override: Path | None, data_dir: Path, profile: Profile | None) -> Settings:
        """Every setting in force, given the profile loaded from :meth:`profile_setting` (None if there is none)."""
        drop = self._first(Key.DROP_FOLDER)
        if drop is None:
            if profile is not None and profile.drop_folder:
                drop = Setting(Key.DROP_FOLDER, profile.drop_folder, Source.SCHOOL_PROFILE)
            else:
                drop = Setting(Key.DROP_FOLDER, str(data_dir / "outbox"), Source.BUILT_IN)
        idle = self._first(Key.IDLE_LOCK_MINUTES)
        if profile is not None:
            limit = profile.idle_lock_minutes
            if idle is None:
                idle = Setting(Key.IDLE_LOCK_MINUTES, str(limit), Source.SCHOOL_PROFILE)
            elif int(idle.value) > limit:
                idle = Setting(
                    Key.IDLE_LOCK_MINUTES,
                    str(limit),
                    Source.SCHOOL_PROFILE,
                    note=f"{idle.source.value} asked for {idle.value}; the school profile allows at most {limit}",
                )
        elif idle is None:
            idle = Setting(Key.IDLE_LOCK_MINUTES, str(DEFAULT_IDLE_LOCK_MINUTES), Source.BUILT_IN)
        keys = [
            self._first(key) or Setting(key, hotkeys.DEFAULTS[action], Source.BUILT_IN)
            for key, action in HOTKEY_KEYS.items()
        ]
        return Settings(self.profile_setting(override, data_dir), drop, idle, *keys)
