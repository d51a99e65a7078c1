"""Every path the app uses, in one place.

The data dir is the platform's per-user data location, or ``--data-dir``. It is created 0700. Under tests
(``EVIDENCE_CAPTURE_TESTING`` set) the real home is refused, so a test can never touch a user's vault.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from evidence.core.errors import UsageError
from evidence.core.fsutil import make_private_dir

APP_DIR_NAME = "evidence-capture"
TESTING_ENV = "EVIDENCE_CAPTURE_TESTING"


def default_data_dir() -> Path:
    """The platform's per-user data folder for the app."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "EvidenceCapture"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Evidence Capture"
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_DIR_NAME


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
    def outbox(self) -> Path:
        """Where bundles go when the profile names no drop folder."""
        return self.data_dir / "outbox"
