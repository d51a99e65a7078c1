"""The school profile: who the reviewers are, who may sign, where bundles go, and the local policy settings.

A profile is a small TOML file that IT distributes (read with the standard library's ``tomllib``). Reviewers and
staff signers are embedded as public-card fields, so one file carries everything a workstation needs. A
*standalone* profile names the user as their own only reviewer, so anyone can try the app without IT.

There is no TOML writer in the standard library; :func:`Profile.to_toml` writes the small, flat subset we need,
and a test checks that ``tomllib`` reads it back to the same profile.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence.core.errors import IdentityError, ProfileError, UnsafeFileError
from evidence.core.safefile import read_regular
from evidence.crypto import sshsig
from evidence.crypto.keys import PublicCard, Role, check_principal
from evidence.crypto.sshsig import AllowedSigner

FORMAT_VERSION = 1
DEFAULT_IDLE_LOCK_MINUTES = 5
DEFAULT_RETENTION_REVIEW_DAYS = 365
MAX_PROFILE_BYTES = 4 * 1024 * 1024
"""A profile lists a school's signers; even thousands of staff fit in well under this, so a larger file is refused
unread (a profile may come from a share or a download)."""


@dataclass(frozen=True)
class Profile:
    """A school profile.

    Attributes:
        school: the school's name.
        reviewers: cards of the people bundles are sealed to.
        staff: principals and keys allowed to seal (the ``allowed_signers`` list); reviewers may always sign.
        drop_folder: where sealed bundles are written; empty means the data dir's ``outbox``.
        idle_lock_minutes: lock the app after this many idle minutes (policy §6.16).
        retention_review_days: a sealed incident's local draft is due for review after this many days.
        keep_local_after_seal: keep the local draft after sealing (else it is crypto-shredded).
        standalone: the user is their own reviewer.
    """

    school: str
    reviewers: tuple[PublicCard, ...]
    staff: tuple[AllowedSigner, ...] = ()
    drop_folder: str = ""
    idle_lock_minutes: int = DEFAULT_IDLE_LOCK_MINUTES
    retention_review_days: int = DEFAULT_RETENTION_REVIEW_DAYS
    keep_local_after_seal: bool = False
    standalone: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def reviewer_recipients(self) -> list[str]:
        """The ``age1…`` recipients of every reviewer."""
        return [card.recipient for card in self.reviewers]

    def signers(self) -> list[AllowedSigner]:
        """Everyone whose seal this profile trusts: the staff list plus the reviewers."""
        out = list(self.staff)
        known = {(s.principal, sshsig.fingerprint(s.key)) for s in out}
        for card in self.reviewers:
            if (card.principal, card.fingerprint) not in known:
                out.append(AllowedSigner(card.principal, card.ssh_key, None))
        return out

    def is_reviewer(self, card: PublicCard) -> bool:
        """True when ``card``'s keys are one of the reviewers'."""
        return any(r.same_keys(card) for r in self.reviewers)

    @classmethod
    def standalone_for(cls, owner: PublicCard, school: str = "My school") -> Profile:
        """A profile in which ``owner`` is the only signer and reviewer."""
        reviewer = PublicCard(owner.name, owner.principal, Role.REVIEWER, owner.recipient, owner.ssh_key)
        return cls(school=school, reviewers=(reviewer,), standalone=True)

    def to_toml(self) -> str:
        """Serialize to TOML (the flat subset :meth:`parse` reads)."""
        out = [
            "# Evidence Capture school profile",
            f"format = {FORMAT_VERSION}",
            f"school = {_q(self.school)}",
            f"standalone = {_b(self.standalone)}",
            f"drop_folder = {_q(self.drop_folder)}",
            f"idle_lock_minutes = {self.idle_lock_minutes}",
            f"retention_review_days = {self.retention_review_days}",
            f"keep_local_after_seal = {_b(self.keep_local_after_seal)}",
        ]
        for card in self.reviewers:
            out += [
                "",
                "[[reviewer]]",
                f"name = {_q(card.name)}",
                f"principal = {_q(card.principal)}",
                f"age = {_q(card.recipient)}",
                f"ssh = {_q(sshsig.public_key_line(card.ssh_key))}",
                f"fingerprint = {_q(card.fingerprint)}",
            ]
        for signer in self.staff:
            out += [
                "",
                "[[staff]]",
                f"principal = {_q(signer.principal)}",
                f"ssh = {_q(sshsig.public_key_line(signer.key))}",
            ]
        return "\n".join(out) + "\n"

    @classmethod
    def parse(cls, text: str, *, source: str = "profile") -> Profile:
        """Parse and check a profile.

        Raises:
            ProfileError: naming ``source`` and the problem.
        """
        try:
            doc = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, RecursionError) as e:  # tomllib recurses once per nesting level
            raise ProfileError(f"{source}: not valid TOML: {e}") from e
        if doc.get("format") != FORMAT_VERSION:
            raise ProfileError(f"{source}: unsupported profile format {doc.get('format')!r}")
        school = _get(doc, "school", str, source)
        if not school.strip():
            raise ProfileError(f"{source}: 'school' is empty")
        reviewers = []
        for index, table in enumerate(_get(doc, "reviewer", list, source, []), start=1):
            where = f"{source}: reviewer {index}"
            if not isinstance(table, dict):
                raise ProfileError(f"{where} is not a table")
            card_text = (
                "# Evidence Capture public card v1\n"
                f"name: {_get(table, 'name', str, where)}\n"
                f"principal: {_get(table, 'principal', str, where)}\n"
                "role: reviewer\n"
                f"age: {_get(table, 'age', str, where)}\n"
                f"ssh: {_get(table, 'ssh', str, where)}\n"
                f"fingerprint: {_get(table, 'fingerprint', str, where)}\n"
            )
            try:
                reviewers.append(PublicCard.parse(card_text, source=where))
            except IdentityError as e:
                raise ProfileError(str(e)) from e
        if not reviewers:
            raise ProfileError(f"{source}: names no reviewer, so nothing could be sealed")
        staff = []
        for index, table in enumerate(_get(doc, "staff", list, source, []), start=1):
            where = f"{source}: staff {index}"
            if not isinstance(table, dict):
                raise ProfileError(f"{where} is not a table")
            try:
                principal = check_principal(_get(table, "principal", str, where))
                key = sshsig.parse_public_key_line(_get(table, "ssh", str, where))
            except Exception as e:
                raise ProfileError(f"{where}: {e}") from e
            staff.append(AllowedSigner(principal, key, None))
        idle = _get(doc, "idle_lock_minutes", int, source, DEFAULT_IDLE_LOCK_MINUTES)
        retention = _get(doc, "retention_review_days", int, source, DEFAULT_RETENTION_REVIEW_DAYS)
        if not 1 <= idle <= 240:
            raise ProfileError(f"{source}: idle_lock_minutes must be between 1 and 240")
        if not 1 <= retention <= 36500:
            raise ProfileError(f"{source}: retention_review_days must be between 1 and 36500")
        return cls(
            school=school,
            reviewers=tuple(reviewers),
            staff=tuple(staff),
            drop_folder=_get(doc, "drop_folder", str, source, ""),
            idle_lock_minutes=idle,
            retention_review_days=retention,
            keep_local_after_seal=_get(doc, "keep_local_after_seal", bool, source, False),
            standalone=_get(doc, "standalone", bool, source, False),
        )

    @classmethod
    def load(cls, path: Path) -> Profile:
        """Read and parse a profile file (a regular file of at most :data:`MAX_PROFILE_BYTES`)."""
        try:
            text = read_regular(path, max_bytes=MAX_PROFILE_BYTES, what="profile").decode("utf-8")
        except UnsafeFileError as e:
            raise ProfileError(str(e)) from e
        except UnicodeDecodeError as e:
            raise ProfileError(f"{path}: cannot read profile: not UTF-8 text") from e
        return cls.parse(text, source=str(path))


def _get(table: dict[str, Any], key: str, kind: type, where: str, default: Any = ...) -> Any:
    if key not in table:
        if default is ...:
            raise ProfileError(f"{where}: missing {key!r}")
        return default
    value = table[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProfileError(f"{where}: {key!r} must be {kind.__name__}")
    return value


def _q(text: str) -> str:
    """A TOML basic string."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _b(value: bool) -> str:
    return "true" if value else "false"
