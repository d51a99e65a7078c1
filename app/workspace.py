"""One data dir's working set: its own identity card, its school profile, its vault and who the actor is.

The CLI and the desktop app both go through this, so they agree on where captures are encrypted to and who
they are logged as.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.paths import Paths
from app.settings import Layers, Settings, Source
from evidence.case.profile import Profile
from evidence.core.errors import UsageError
from evidence.core.fsutil import atomic_write
from evidence.core.timefmt import utc_now
from evidence.crypto.keys import Identity, PublicCard, Role, card_path_for, write_identity_file
from evidence.vault.store import Added, NewItem, Vault

if TYPE_CHECKING:  # capture, crop and received pull in mss and Pillow: not needed to start the app
    from evidence.capture.crop import Derived
    from evidence.capture.received import Received
    from evidence.capture.screen import Capture


@dataclass
class Workspace:
    """The data dir plus an optional ``--profile`` override, and the user's and IT's settings."""

    paths: Paths
    profile_override: Path | None = None
    layers: Layers = field(default_factory=Layers.load)

    def own_card(self) -> PublicCard:
        """The data dir's own identity card.

        Raises:
            UsageError: no identity has been created for this data dir yet.
        """
        if not self.paths.own_card.exists():
            raise UsageError(f"{self.paths.data_dir}: no identity yet; run 'evidence-capture identity create' first")
        return PublicCard.load(self.paths.own_card)

    def create_identity(self, name: str, principal: str, role: Role, passphrase: str, out: Path) -> Identity:
        """Create an identity file at ``out`` and its card beside it, and make it this data dir's own.

        Raises:
            UsageError: a file already exists, or a field or the passphrase is not acceptable.
        """
        card_path = card_path_for(out)
        if card_path.exists():
            raise UsageError(f"{card_path}: already exists; refusing to overwrite a public card")
        identity = Identity.generate(name, principal, role, utc_now())
        write_identity_file(identity, out, passphrase)
        card_text = identity.card.to_text().encode("utf-8")
        atomic_write(card_path, card_text, mode=0o644)
        self.paths.ensure()
        atomic_write(self.paths.own_card, card_text, mode=0o644)
        atomic_write(self.paths.own_identity_hint, (str(out.resolve()) + "\n").encode("utf-8"))
        return identity

    def install_profile(self, profile: Profile) -> None:
        """Make ``profile`` this data dir's profile."""
        self.paths.ensure()
        atomic_write(self.paths.profile, profile.to_toml().encode("utf-8"), mode=0o644)

    def has_identity(self) -> bool:
        """True when the data dir has its own identity card."""
        return self.paths.own_card.exists()

    def identity_file(self) -> Path | None:
        """The identity file recorded by ``identity create``, if any."""
        try:
            text = self.paths.own_identity_hint.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return Path(text) if text else None

    def profile(self) -> Profile:
        """The profile in force (see :mod:`app.settings`).

        ``--profile``, else the file the user's or IT's settings name, else the data dir's, else a standalone one
        (saved on first use).
        """
        where = self.layers.profile_setting(self.profile_override, self.paths.data_dir)
        if where.source is not Source.BUILT_IN:
            return Profile.load(Path(where.value).expanduser())
        if self.paths.profile.exists():
            return Profile.load(self.paths.profile)
        profile = Profile.standalone_for(self.own_card())
        self.paths.ensure()
        atomic_write(self.paths.profile, profile.to_toml().encode("utf-8"))
        return profile

    def recipients(self) -> list[str]:
        """Everyone a capture is encrypted to: the owner, then the profile's reviewers."""
        out = [self.own_card().recipient]
        for r in self.profile().reviewer_recipients:
            if r not in out:
                out.append(r)
        return out

    @property
    def actor(self) -> str:
        """Who the custody log names for actions taken here."""
        return self.own_card().principal

    def settings(self) -> Settings:
        """Every setting in force, with where it came from (see :mod:`app.settings`).

        Before an identity exists there is no profile yet, and the settings say so by their sources.
        """
        where = self.layers.profile_setting(self.profile_override, self.paths.data_dir)
        named = where.source is not Source.BUILT_IN
        profile = self.profile() if named or self.paths.profile.exists() or self.has_identity() else None
        return self.layers.resolve(override=self.profile_override, data_dir=self.paths.data_dir, profile=profile)

    def drop_folder(self) -> Path:
        """Where sealed bundles go: the user's or IT's setting, else the profile's, else the data dir's outbox."""
        return self.settings().drop_folder_path

    def idle_lock_minutes(self) -> int:
        """Minutes of inactivity before the app locks (never more than the school profile allows)."""
        return self.settings().idle_minutes

    def store_capture(
        self, ref: str, shot: Capture | Derived, *, kind: str = "captured", parent_seq: int | None = None
    ) -> int:
        """Encrypt and commit a capture (or a derived crop) on its own connection; return its item number.

        Safe on a worker thread: it opens and closes its own vault connection.

        Raises:
            UsageError: ``kind`` is not the kind of ``shot`` (a crop is derived, and names its parent).
        """
        recipients, actor = self.recipients(), self.actor
        item = NewItem.from_shot(shot, parent_seq=parent_seq)
        if item.kind != kind:
            raise UsageError(f"a {item.kind.value} item cannot be stored as {kind}")
        with self.open_vault() as vault:
            row = vault.add_item(ref, item, actor=actor, recipients=recipients)
        return row.seq

    def store_frame(self, ref: str, shot: Capture) -> Added:
        """Encrypt and commit a captured frame unless the incident already holds its pixels (see :meth:`Vault.add`).

        Safe on a worker thread: it opens and closes its own vault connection.
        """
        with self.open_vault() as vault:
            return vault.add(ref, NewItem.from_shot(shot), actor=self.actor, recipients=self.recipients())

    def store_received(self, ref: str, received: Received) -> int:
        """Encrypt and commit a received screenshot, byte for byte; return its item number."""
        with self.open_vault() as vault:
            row = vault.add_item(ref, NewItem.from_received(received), actor=self.actor, recipients=self.recipients())
        return row.seq

    def open_vault(self) -> Vault:
        """Open (creating if needed) the data dir's vault."""
        self.paths.ensure()
        return Vault(self.paths.vault)
