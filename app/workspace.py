"""One data dir's working set: its own identity card, its school profile, the school root it trusts, its vault and
who the actor is.

The CLI and the desktop app both go through this, so they agree on where captures are encrypted to, who they are
logged as, and which profiles to believe. Trust is pinned once: ``profile install --root-fingerprint`` (or the
first-run wizard) writes the school root's fingerprint to the data dir's ``trust-root`` file, and from then on
:meth:`Workspace.profile` accepts only a profile signed by that root, whichever layer of the settings names it, and
never one older than the version already installed (a newer one found through the settings is installed, so the
highest version seen is remembered). Replacing the pinned root needs ``--replace-root`` and leaves a line in that
file saying what it replaced and when. Data dirs from before the school root (a format-1 profile, no pin) keep
working; nothing they verify is anchored to a school root.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.paths import Paths
from app.settings import Layers, Settings, Source
from evidence.case.profile import Profile, check_not_rollback
from evidence.core.errors import ProfileError, UnsafeFileError, UntrustedProfileError, UsageError
from evidence.core.fsutil import atomic_write
from evidence.core.safefile import read_regular
from evidence.core.timefmt import utc_now
from evidence.crypto.keys import Identity, PublicCard, Role, card_path_for, write_identity_file
from evidence.crypto.tsa import TsaConfig
from evidence.vault.store import Added, NewItem, Vault

if TYPE_CHECKING:  # capture, crop and received pull in mss and Pillow: not needed to start the app
    from evidence.capture.crop import Derived
    from evidence.capture.received import Received
    from evidence.capture.screen import Capture

log = logging.getLogger(__name__)

FINGERPRINT_RE = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}$")
"""A ``SHA256:`` key fingerprint as ``ssh-keygen -l`` prints it (43 unpadded base64 characters)."""
MAX_TRUST_ROOT_BYTES = 64 * 1024


def check_fingerprint(text: str) -> str:
    """``text`` as a ``SHA256:…`` fingerprint (surrounding spaces removed).

    Raises:
        UsageError: it is not one.
    """
    value = text.strip()
    if not FINGERPRINT_RE.match(value):
        raise UsageError(f"{value[:80]!r} is not a SHA256: key fingerprint as ssh-keygen -l prints it")
    return value


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
        """Make ``profile`` this data dir's profile, as given (the caller checked it; see :meth:`install_signed`)."""
        self.paths.ensure()
        atomic_write(self.paths.profile, profile.to_toml().encode("utf-8"), mode=0o644)

    # -- the pinned school root ---------------------------------------------------------------------------------

    def pinned_root(self) -> str | None:
        """The school root fingerprint this data dir pinned, or None (nothing pinned yet: a data dir from before).

        Raises:
            ProfileError: the ``trust-root`` file is not a regular file or holds no fingerprint.
        """
        path = self.paths.trust_root
        if not path.exists() and not path.is_symlink():
            return None
        try:
            text = read_regular(path, max_bytes=MAX_TRUST_ROOT_BYTES, what="pinned school root").decode("utf-8")
        except (UnsafeFileError, UnicodeDecodeError) as e:
            raise ProfileError(f"{path}: cannot read the pinned school root: {e}") from e
        lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
        if len(lines) != 1 or not FINGERPRINT_RE.match(lines[0]):
            raise ProfileError(f"{path}: does not hold one SHA256: fingerprint; reinstall the school profile")
        return lines[0]

    def pin_root(self, fingerprint: str, *, replace: bool = False) -> None:
        """Pin ``fingerprint`` as this data dir's school root (once; replacing another needs ``replace``).

        Raises:
            UntrustedProfileError: another root is pinned and ``replace`` is false (check ``root``).
        """
        fingerprint = check_fingerprint(fingerprint)
        pinned = self.pinned_root()
        if pinned == fingerprint:
            return
        history = ""
        if pinned is not None:
            if not replace:
                raise UntrustedProfileError(
                    f"{self.paths.trust_root}: this data folder trusts the school root {pinned}; trusting "
                    f"{fingerprint} instead needs --replace-root",
                    check="root",
                )
            old = read_regular(self.paths.trust_root, max_bytes=MAX_TRUST_ROOT_BYTES, what="pinned school root").decode(
                "utf-8"
            )
            history = "".join(line + "\n" for line in old.splitlines() if line.startswith("#"))
            history += f"# {utc_now()} replaced the pinned school root {pinned}\n"
            log.warning("the pinned school root %s was replaced by %s", pinned, fingerprint)
        else:
            log.info("pinned the school root %s", fingerprint)
        self.paths.ensure()
        atomic_write(self.paths.trust_root, (history + fingerprint + "\n").encode("utf-8"), mode=0o644)

    def install_signed(
        self, profile: Profile, root_fingerprint: str, *, source: str, replace_root: bool = False
    ) -> Profile:
        """Check ``profile`` against ``root_fingerprint``, install it and pin that root; return it as accepted.

        It must be signed by that root, and not older than (or a different text of the same version as) the profile
        installed here. Nothing is written when a check fails.

        Raises:
            UntrustedProfileError: unsigned, another root, another root already pinned (without ``replace_root``),
                or a rollback.
        """
        fingerprint = check_fingerprint(root_fingerprint)
        accepted = profile.pinned_to(fingerprint, source=source)
        pinned = self.pinned_root()
        if pinned is not None and pinned != fingerprint and not replace_root:
            raise UntrustedProfileError(
                f"{source}: this data folder already trusts the school root {pinned}; a profile of the root "
                f"{fingerprint} needs --replace-root",
                check="root",
            )
        installed = self.installed_profile()
        if installed is not None:
            check_not_rollback(accepted, installed, source=source)
        self.install_profile(accepted)
        self.pin_root(fingerprint, replace=replace_root)
        log.info("installed school profile version %s of the root %s", accepted.version, fingerprint)
        return accepted

    def installed_profile(self) -> Profile | None:
        """The data dir's own profile file, if it reads as one (a damaged one is replaced, not compared)."""
        if not self.paths.profile.exists():
            return None
        try:
            return Profile.load(self.paths.profile)
        except ProfileError:
            return None

    def _accept(self, profile: Profile, source: str, *, installed_elsewhere: bool) -> Profile:
        """``profile`` as this data dir may use it: signed by the pinned root (once one is pinned) and no rollback."""
        pinned = self.pinned_root()
        if pinned is None:
            return profile
        accepted = profile.pinned_to(pinned, source=source)
        if installed_elsewhere:
            installed = self.installed_profile()
            if installed is not None and installed.root_fingerprint == pinned:
                check_not_rollback(accepted, installed, source=source)
                if accepted.version > installed.version:  # remember the highest version seen
                    self.install_profile(accepted)
        return accepted

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

        Once a school root is pinned, only a profile it signed is accepted, never one older than the installed one.
        Without a profile or a pin, a format-1 standalone profile (nothing to sign it with here) is saved; it is
        not anchored to any root.

        Raises:
            UntrustedProfileError: unsigned, signed by another root than the pinned one, or a rollback.
            ProfileError: the profile cannot be read, or the pinned root's profile is missing.
        """
        where = self.layers.profile_setting(self.profile_override, self.paths.data_dir)
        if where.source is not Source.BUILT_IN:
            path = Path(where.value).expanduser()
            return self._accept(
                Profile.load(path), str(path), installed_elsewhere=path.resolve() != self.paths.profile.resolve()
            )
        if self.paths.profile.exists():
            return self._accept(Profile.load(self.paths.profile), str(self.paths.profile), installed_elsewhere=False)
        pinned = self.pinned_root()
        if pinned is not None:
            raise ProfileError(
                f"{self.paths.profile}: missing; this data folder trusts the school root {pinned}: install the "
                "school's profile with 'evidence-capture profile install'"
            )
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

    def tsas(self) -> tuple[TsaConfig, ...]:
        """The time-stamping authorities of the profile in force (none for a format-1 profile)."""
        return self.profile().tsas

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
        recipients, actor, tsas = self.recipients(), self.actor, self.tsas()
        item = NewItem.from_shot(shot, parent_seq=parent_seq)
        if item.kind != kind:
            raise UsageError(f"a {item.kind.value} item cannot be stored as {kind}")
        with self.open_vault() as vault:
            row = vault.add_item(ref, item, actor=actor, recipients=recipients, tsas=tsas)
        return row.seq

    def store_frame(self, ref: str, shot: Capture) -> Added:
        """Encrypt and commit a captured frame unless the incident already holds its pixels (see :meth:`Vault.add`).

        Safe on a worker thread: it opens and closes its own vault connection.
        """
        recipients, actor, tsas = self.recipients(), self.actor, self.tsas()
        with self.open_vault() as vault:
            return vault.add(ref, NewItem.from_shot(shot), actor=actor, recipients=recipients, tsas=tsas)

    def store_received(self, ref: str, received: Received) -> int:
        """Encrypt and commit a received screenshot, byte for byte; return its item number."""
        recipients, actor, tsas = self.recipients(), self.actor, self.tsas()
        with self.open_vault() as vault:
            row = vault.add_item(ref, NewItem.from_received(received), actor=actor, recipients=recipients, tsas=tsas)
        return row.seq

    def open_vault(self) -> Vault:
        """Open (creating if needed) the data dir's vault."""
        self.paths.ensure()
        return Vault(self.paths.vault)
