"""The school profile: who the reviewers and staff signers are, where bundles go, the local policy, and the school
root's signature that makes a workstation trust it.

A profile is a small TOML file that IT hands out (read with the standard library's ``tomllib``). Reviewers and
staff signers are embedded as public-card fields, so one file carries everything a workstation needs.

**Format 2 (signed).** The school root (``school init``) signs the profile: the *body* is the exact bytes of the
file before its last table, ``[root_signature]``, which holds two SSHSIG signatures by the root in the namespace
:data:`~evidence.crypto.namespaces.PROFILE_NAMESPACE`: one over the body, one over the ``allowed_signers`` text
derived from it (:meth:`Profile.allowed_signers_text`). What this defends against:

- a profile edited on the share or in a data folder (one changed byte breaks the root's signature);
- a profile made by someone else (a workstation pins its school's root fingerprint once, and refuses a profile
  signed by any other root: :meth:`Profile.pinned_to`);
- an older signed profile put back, say one that still lists a member of staff who has left (the ``version``
  only increases: :func:`check_not_rollback`);
- a signer list that differs from the one the root signed (the list is derived from the signed body, never read
  as given, so an extra line, a comment or an option cannot slip in; the root's second signature lets an officer
  check that list with one stock ``ssh-keygen`` command);
- a time-stamping authority (TSA) that the school did not choose: the ``[[tsa]]`` tables, each a URL with the
  root certificate(s) its tokens must chain to (PEM, embedded), are part of the signed body, so the anchors a
  verifier trusts for trusted time are root-signed too, never taken from a bundle.

A *standalone* profile names the user as their own only reviewer, and the user's own key is its root, so anyone
can try the app without IT.

**Format 1 (legacy).** Profiles written before the school root existed have no root and no signature. They still
load, so existing data folders keep working, but nothing they trust is anchored to a school root; a workstation
that has pinned a root refuses them (:mod:`app.workspace`).

There is no TOML writer in the standard library; :meth:`Profile.body_text` writes the small, flat subset we need,
and a test checks that ``tomllib`` reads it back to the same profile.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from evidence.case.retention import DEFAULT_POLICY, RetentionPolicy
from evidence.case.retention import TABLE as RETENTION_TABLE
from evidence.core.errors import (
    IdentityError,
    ProfileError,
    SignatureError,
    UnsafeFileError,
    UntrustedProfileError,
    UsageError,
)
from evidence.core.safefile import read_regular
from evidence.crypto import sshsig
from evidence.crypto.keys import ROOT_PRINCIPAL, Identity, PublicCard, Role, check_name, check_principal
from evidence.crypto.namespaces import (
    PROFILE_NAMESPACE,
    RECEIPT_NAMESPACE,
    REVIEWER_NAMESPACES,
    REVIEWER_NAMESPACES_WITH_RETENTION,
    STAFF_NAMESPACES,
)
from evidence.crypto.sshsig import AllowedSigner
from evidence.crypto.tsa import TsaConfig, TsaConfigError

FORMAT_LEGACY = 1
"""Profiles written before the school root: unsigned, staff as principal and key only."""
FORMAT_SIGNED = 2
"""Profiles signed by a school root (docs/FORMAT.md, "School profile")."""
HEADER = "# Evidence Capture school profile"
SIGNATURE_TABLE = "root_signature"
SIGNATURE_LINE = f"[{SIGNATURE_TABLE}]"
MAX_PROFILE_BYTES = 4 * 1024 * 1024
"""A profile lists a school's signers; even thousands of staff fit in well under this, so a larger file is refused
unread (a profile may come from a share or a download)."""
MAX_VERSION = 999_999_999
DEFAULT_IDLE_LOCK_MINUTES = 5
DEFAULT_RETENTION_REVIEW_DAYS = 365
_TIME_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$")

StaffSigner = PublicCard | AllowedSigner
"""A staff entry: a whole public card (format 2), or a principal and key (a format-1 profile's ``[[staff]]``)."""


@dataclass(frozen=True)
class RootKey:
    """The school root's public half, as a signed profile's ``[root]`` table names it.

    Attributes:
        name: e.g. "Example Academy school root" (for a standalone profile, the user's own name).
        ssh_key: the Ed25519 key whose signatures make the profile.
    """

    name: str
    ssh_key: Ed25519PublicKey

    @property
    def principal(self) -> str:
        """Always :data:`~evidence.crypto.keys.ROOT_PRINCIPAL`."""
        return ROOT_PRINCIPAL

    @property
    def fingerprint(self) -> str:
        """``SHA256:…`` as ``ssh-keygen -l`` prints it."""
        return sshsig.fingerprint(self.ssh_key)

    def pub_text(self) -> str:
        """``seal/trust/root.pub``: ``ssh-ed25519 AAAA… school-root`` and LF, for ``ssh-keygen -lf``."""
        return sshsig.public_key_line(self.ssh_key, ROOT_PRINCIPAL) + "\n"

    def allowed_signers_text(self) -> str:
        """``seal/trust/root_allowed_signers``: the root may sign profiles, and nothing else."""
        return f'{ROOT_PRINCIPAL} namespaces="{PROFILE_NAMESPACE}" {sshsig.public_key_line(self.ssh_key)}\n'

    def same_key(self, key: Ed25519PublicKey) -> bool:
        """True when ``key`` is the root's key."""
        return key.public_bytes_raw() == self.ssh_key.public_bytes_raw()


@dataclass(frozen=True)
class RootSignature:
    """A signed profile's signed form: the body exactly as signed, and the root's two signatures.

    Attributes:
        body: the bytes before the ``[root_signature]`` line (``seal/trust/vV/profile.toml`` in a bundle).
        profile_sig: the armored SSHSIG over ``body``.
        allowed_signers_sig: the armored SSHSIG over the derived ``allowed_signers`` text.
    """

    body: bytes = field(repr=False)
    profile_sig: str = field(repr=False)
    allowed_signers_sig: str = field(repr=False)


@dataclass(frozen=True)
class SignerEntry:
    """One signer as the profile names them: what a revision's signer record must equal.

    Attributes:
        role: reviewer (a ``[[reviewer]]`` table) or staff (a ``[[staff]]`` table).
        principal: their principal.
        ssh_key: their signing key.
        name: their name, or None for a format-1 staff entry (which names only a principal and key).
        age: their ``age1…`` recipient, or None for a format-1 staff entry.
    """

    role: Role
    principal: str
    ssh_key: Ed25519PublicKey
    name: str | None
    age: str | None

    @property
    def fingerprint(self) -> str:
        """``SHA256:…`` of the signing key."""
        return sshsig.fingerprint(self.ssh_key)

    @property
    def ssh(self) -> str:
        """``ssh-ed25519 AAAA…``, as a revision's signer record writes it."""
        return sshsig.public_key_line(self.ssh_key)


@dataclass(frozen=True)
class Profile:
    """A school profile.

    Attributes:
        school: the school's name.
        reviewers: cards of the people bundles are sealed to.
        staff: the staff allowed to seal (whole cards; a format-1 profile gives only principal and key); reviewers
            may always sign.
        drop_folder: where sealed bundles are written; empty means the data dir's ``outbox``.
        idle_lock_minutes: lock the app after this many idle minutes (policy §6.16).
        retention_review_days: a sealed incident's local draft is due for review after this many days.
        keep_local_after_seal: keep the local draft after sealing (else it is crypto-shredded).
        standalone: the user is their own reviewer.
        version: the signed profile's version (from 1, increasing with every re-signing); 0 for format 1.
        issued_utc: when the root signed it ("" for format 1).
        root: the school root that signs it (None for format 1).
        signature: the signed form, when this profile was read from or written as a signed file.
        pinned_root: the root fingerprint a workstation pinned and this profile was accepted against, or None
            (a profile nobody has anchored: format 1, or a signed profile read without a pin).
        tsas: the time-stamping authorities to ask for trusted time, each with its trust anchors (format 2 only;
            none: items and seals carry the workstation's clock only).
        retention: the school's retention rules (the signed body's ``[retention]`` table), or None for a profile
            signed before retention rules existed (or format 1): the app then shows the defaults, and its
            reviewers cannot sign disposals until the school signs a profile that states its rules.
    """

    school: str
    reviewers: tuple[PublicCard, ...]
    staff: tuple[StaffSigner, ...] = ()
    drop_folder: str = ""
    idle_lock_minutes: int = DEFAULT_IDLE_LOCK_MINUTES
    retention_review_days: int = DEFAULT_RETENTION_REVIEW_DAYS
    keep_local_after_seal: bool = False
    standalone: bool = False
    version: int = 0
    issued_utc: str = ""
    root: RootKey | None = None
    signature: RootSignature | None = field(default=None, compare=False, repr=False)
    pinned_root: str | None = field(default=None, compare=False)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    tsas: tuple[TsaConfig, ...] = ()
    retention: RetentionPolicy | None = None

    # -- who may sign ---------------------------------------------------------------------------------------------

    @property
    def reviewer_recipients(self) -> list[str]:
        """The ``age1…`` recipients of every reviewer."""
        return [card.recipient for card in self.reviewers]

    def entries(self) -> Iterator[SignerEntry]:
        """Every signer entry: the reviewers, then the staff, in file order."""
        for card in self.reviewers:
            yield SignerEntry(Role.REVIEWER, card.principal, card.ssh_key, card.name, card.recipient)
        for s in self.staff:
            if isinstance(s, PublicCard):
                yield SignerEntry(Role.STAFF, s.principal, s.ssh_key, s.name, s.recipient)
            else:
                yield SignerEntry(Role.STAFF, s.principal, s.key, None, None)

    def entries_for(self, principal: str, key: Ed25519PublicKey) -> list[SignerEntry]:
        """The entries naming ``principal`` with ``key`` (two when a person is both a reviewer and staff)."""
        raw = key.public_bytes_raw()
        return [e for e in self.entries() if e.principal == principal and e.ssh_key.public_bytes_raw() == raw]

    def signers(self) -> list[AllowedSigner]:
        """Everyone whose seal this profile trusts (any namespace): reviewers and staff, once each."""
        return [
            AllowedSigner(line.principal, line.key, None)
            for line in sshsig.parse_allowed_signers(self.allowed_signers_text())
        ]

    def allowed_signers(self) -> list[AllowedSigner]:
        """The derived ``allowed_signers`` lines, with each line's namespaces."""
        return sshsig.parse_allowed_signers(self.allowed_signers_text())

    def allowed_signers_text(self) -> str:
        """The ``allowed_signers`` text derived from this profile (docs/FORMAT.md, "School profile").

        One line per signer, reviewers then staff in file order, once per (principal, key):
        ``PRINCIPAL namespaces="…" ssh-ed25519 AAAA… PRINCIPAL``. Reviewers may sign seals, origins and police
        exports, and, when the profile states retention rules, disposals; staff seals and origins. The principal
        is repeated as the key's comment, so that ``cut -d' ' -f3- allowed_signers | ssh-keygen -lf -`` shows
        whose key each fingerprint is.
        """
        reviewer_spaces = REVIEWER_NAMESPACES_WITH_RETENTION if self.retention is not None else REVIEWER_NAMESPACES
        lines, seen = [], set()
        for e in self.entries():
            if (e.principal, e.fingerprint) in seen:
                continue
            seen.add((e.principal, e.fingerprint))
            spaces = reviewer_spaces if e.role is Role.REVIEWER else STAFF_NAMESPACES
            lines.append(
                f'{e.principal} namespaces="{",".join(spaces)}" {sshsig.public_key_line(e.ssh_key, e.principal)}\n'
            )
        return "".join(lines)

    def receipt_signers_text(self) -> str:
        """The ``allowed_signers`` lines for receipts: each reviewer, in the namespace ``evidence-capture-receipt-v1``.

        Derived from the same (root-signed) reviewer list as :meth:`allowed_signers_text`, but kept apart from it:
        the root signed that text byte for byte, so adding a namespace there would break every signed profile
        already installed and every bundle already sealed. Only reviewers sign receipts.
        """
        lines, seen = [], set()
        for card in self.reviewers:
            if (card.principal, card.fingerprint) in seen:
                continue
            seen.add((card.principal, card.fingerprint))
            key = sshsig.public_key_line(card.ssh_key, card.principal)
            lines.append(f'{card.principal} namespaces="{RECEIPT_NAMESPACE}" {key}\n')
        return "".join(lines)

    def receipt_signers(self) -> list[AllowedSigner]:
        """:meth:`receipt_signers_text` parsed: who may sign a receipt."""
        return sshsig.parse_allowed_signers(self.receipt_signers_text())

    def is_reviewer(self, card: PublicCard) -> bool:
        """True when ``card``'s keys are one of the reviewers'."""
        return any(r.same_keys(card) for r in self.reviewers)

    # -- trust ----------------------------------------------------------------------------------------------------

    @property
    def root_fingerprint(self) -> str | None:
        """The school root's fingerprint, or None for a format-1 profile."""
        return self.root.fingerprint if self.root is not None else None

    @property
    def anchored(self) -> bool:
        """True when a workstation pinned this profile's root (see :meth:`pinned_to`)."""
        return self.signature is not None and self.pinned_root is not None and self.pinned_root == self.root_fingerprint

    def pinned_to(self, fingerprint: str, *, source: str = "profile") -> Profile:
        """This profile, accepted against the pinned root ``fingerprint``.

        Raises:
            UntrustedProfileError: it is unsigned (check ``unsigned``) or signed by another root (``root``).
        """
        if self.signature is None or self.root is None:
            raise UntrustedProfileError(
                f"{source}: unsigned school profile; this data folder accepts only profiles signed by its school's "
                f"root {fingerprint}",
                check="unsigned",
            )
        if self.root.fingerprint != fingerprint:
            raise UntrustedProfileError(
                f"{source}: not signed by your school's root {fingerprint} (it is signed by {self.root.fingerprint})",
                check="root",
            )
        return replace(self, pinned_root=fingerprint)

    @classmethod
    def standalone_for(cls, owner: PublicCard, school: str = "My school") -> Profile:
        """An unsigned profile in which ``owner`` is the only signer and reviewer (sign it with :meth:`sign`).

        The owner is listed as the reviewer and, when their card says ``staff``, as staff too, so that the role in
        their seal records is one the profile gives them. It states the default retention rules.
        """
        reviewer = PublicCard(owner.name, owner.principal, Role.REVIEWER, owner.recipient, owner.ssh_key)
        staff: tuple[StaffSigner, ...] = (owner,) if owner.role is Role.STAFF else ()
        return cls(school=school, reviewers=(reviewer,), staff=staff, standalone=True, retention=DEFAULT_POLICY)

    def sign(self, root: Identity, *, version: int, issued_utc: str, root_name: str | None = None) -> Profile:
        """This profile as format 2, signed by ``root`` (the school root, or the user for a standalone profile).

        Raises:
            UsageError: a field cannot be written in a signed profile (a staff entry without a card, a version
                out of range, a time not in the form ``2026-11-30T10:00:00.000Z``).
        """
        if not 1 <= version <= MAX_VERSION:
            raise UsageError(f"a profile version must be a whole number from 1 to {MAX_VERSION}")
        if not _TIME_RE.match(issued_utc):
            raise UsageError(f"issued time {issued_utc!r} is not a UTC time with milliseconds")
        if any(not isinstance(s, PublicCard) for s in self.staff):
            raise UsageError("a signed profile names each member of staff by their whole public card")
        if len({t.url for t in self.tsas}) != len(self.tsas):
            raise UsageError("a profile names each TSA URL once")
        key = RootKey(check_name(root_name or root.card.name), root.card.ssh_key)
        unsigned = replace(self, version=version, issued_utc=issued_utc, root=key, signature=None, pinned_root=None)
        body = unsigned.body_text().encode("utf-8")
        signers = unsigned.allowed_signers_text().encode("utf-8")
        signature = RootSignature(body, root.sign(body, PROFILE_NAMESPACE), root.sign(signers, PROFILE_NAMESPACE))
        signed = replace(unsigned, signature=signature)
        Profile.parse(signed.to_toml(), source="the new profile")  # what we write must read back
        return signed

    # -- writing --------------------------------------------------------------------------------------------------

    def body_text(self) -> str:
        """The signed body of a format-2 profile (ends with an empty line, before ``[root_signature]``)."""
        if self.root is None:
            raise UsageError("a profile without a root has no signed body")
        out = [
            HEADER,
            f"format = {FORMAT_SIGNED}",
            f"school = {_q(self.school)}",
            f"version = {self.version}",
            f"issued_utc = {_q(self.issued_utc)}",
            f"standalone = {_b(self.standalone)}",
            f"drop_folder = {_q(self.drop_folder)}",
            f"idle_lock_minutes = {self.idle_lock_minutes}",
            f"retention_review_days = {self.retention_review_days}",
            f"keep_local_after_seal = {_b(self.keep_local_after_seal)}",
            *self._retention_lines(),
            "",
            "[root]",
            f"name = {_q(self.root.name)}",
            f"principal = {_q(ROOT_PRINCIPAL)}",
            f"ssh = {_q(sshsig.public_key_line(self.root.ssh_key))}",
            f"fingerprint = {_q(self.root.fingerprint)}",
        ]
        for table, cards in (("reviewer", self.reviewers), ("staff", self.staff)):
            for card in cards:
                if not isinstance(card, PublicCard):
                    raise UsageError("a signed profile names each member of staff by their whole public card")
                out += ["", f"[[{table}]]", *_card_lines(card)]
        for tsa in self.tsas:
            out += ["", "[[tsa]]", f"name = {_q(tsa.name)}", f"url = {_q(tsa.url)}"]
            out += [f"anchors_pem = {_pem_string(tsa.trust.anchors_pem)}"]
            if tsa.trust.intermediates:
                out += [f"intermediates_pem = {_pem_string(tsa.trust.intermediates_pem)}"]
        return "\n".join(out) + "\n\n"

    def _retention_lines(self) -> list[str]:
        """The ``[retention]`` table's lines, after an empty line, or none."""
        if self.retention is None:
            return []
        return ["", *self.retention.to_toml_table().rstrip("\n").split("\n")]

    def to_toml(self) -> str:
        """The profile file: the signed body and its ``[root_signature]`` table, or a format-1 text.

        Raises:
            UsageError: the profile has a root but was never signed (:meth:`sign` it first).
        """
        if self.signature is not None:
            s = self.signature
            return (
                s.body.decode("utf-8")
                + f"{SIGNATURE_LINE}\n"
                + f'profile = """\n{s.profile_sig}"""\n'
                + f'allowed_signers = """\n{s.allowed_signers_sig}"""\n'
            )
        if self.root is not None:
            raise UsageError("a format-2 profile must be signed by its root before it is written")
        out = [
            HEADER,
            f"format = {FORMAT_LEGACY}",
            f"school = {_q(self.school)}",
            f"standalone = {_b(self.standalone)}",
            f"drop_folder = {_q(self.drop_folder)}",
            f"idle_lock_minutes = {self.idle_lock_minutes}",
            f"retention_review_days = {self.retention_review_days}",
            f"keep_local_after_seal = {_b(self.keep_local_after_seal)}",
            *self._retention_lines(),
        ]
        for card in self.reviewers:
            out += ["", "[[reviewer]]", *_card_lines(card)]
        for signer in self.staff:
            key = signer.ssh_key if isinstance(signer, PublicCard) else signer.key
            out += ["", "[[staff]]", f"principal = {_q(signer.principal)}", f"ssh = {_q(sshsig.public_key_line(key))}"]
        return "\n".join(out) + "\n"

    # -- reading --------------------------------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str, *, source: str = "profile") -> Profile:
        """Parse and check a profile (format 2: its root signatures too; the pin is :meth:`pinned_to`'s business).

        Raises:
            UntrustedProfileError: a format-2 profile without its signature, or one whose signature fails.
            ProfileError: naming ``source`` and the problem.
        """
        doc = _toml(text, source)
        fmt = doc.get("format")
        if fmt == FORMAT_LEGACY:
            if SIGNATURE_TABLE in doc:
                raise ProfileError(f"{source}: a format-1 profile cannot carry a [{SIGNATURE_TABLE}] table")
            return cls._from_doc(doc, source, signed=False)
        if fmt != FORMAT_SIGNED or isinstance(fmt, bool):
            raise ProfileError(f"{source}: unsupported profile format {fmt!r}")
        marker = f"\n{SIGNATURE_LINE}\n"
        count = text.count(marker)
        if count == 0:
            raise UntrustedProfileError(
                f"{source}: unsigned school profile (no {SIGNATURE_LINE} line); ask IT for the profile signed by "
                "the school root",
                check="unsigned",
            )
        if count > 1:
            raise ProfileError(f"{source}: {SIGNATURE_LINE} appears more than once")
        cut = text.index(marker) + 1
        tail = _toml(text[cut:], source)
        table = tail.get(SIGNATURE_TABLE)
        if (
            set(tail) != {SIGNATURE_TABLE}
            or not isinstance(table, dict)
            or set(table) != {"profile", "allowed_signers"}
            or not all(isinstance(v, str) for v in table.values())
        ):
            raise ProfileError(
                f"{source}: {SIGNATURE_LINE} must be the last table, with exactly the strings 'profile' and "
                "'allowed_signers'"
            )
        return cls.from_signed_parts(
            text[:cut].encode("utf-8"), table["profile"], table["allowed_signers"], source=source
        )

    @classmethod
    def from_signed_parts(cls, body: bytes, profile_sig: str, allowed_signers_sig: str, *, source: str) -> Profile:
        """A format-2 profile from its body and the root's two signatures (as a bundle's ``seal/trust/vV/`` holds them).

        Raises:
            UntrustedProfileError: a signature does not verify, or was not made by the root the body names.
            ProfileError: the body is not a valid format-2 profile.
        """
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ProfileError(f"{source}: not UTF-8 text") from e
        doc = _toml(text, source)
        if SIGNATURE_TABLE in doc:
            raise ProfileError(f"{source}: the signed body cannot hold a {SIGNATURE_LINE} table")
        if doc.get("format") != FORMAT_SIGNED or isinstance(doc.get("format"), bool):
            raise ProfileError(f"{source}: unsupported profile format {doc.get('format')!r}")
        profile = cls._from_doc(doc, source, signed=True)
        assert profile.root is not None  # _from_doc requires [root] when signed
        _check_root_signature(profile_sig, body, profile.root, source, "profile")
        _check_root_signature(
            allowed_signers_sig, profile.allowed_signers_text().encode("utf-8"), profile.root, source, "allowed_signers"
        )
        return replace(profile, signature=RootSignature(body, profile_sig, allowed_signers_sig))

    @classmethod
    def _from_doc(cls, doc: dict[str, Any], source: str, *, signed: bool) -> Profile:
        school = _get(doc, "school", str, source)
        if not school.strip():
            raise ProfileError(f"{source}: 'school' is empty")
        reviewers = tuple(
            _card(table, Role.REVIEWER, f"{source}: reviewer {n}")
            for n, table in enumerate(_get(doc, "reviewer", list, source, []), start=1)
        )
        if not reviewers:
            raise ProfileError(f"{source}: names no reviewer, so nothing could be sealed")
        staff: list[StaffSigner] = []
        for n, table in enumerate(_get(doc, "staff", list, source, []), start=1):
            where = f"{source}: staff {n}"
            if signed:
                staff.append(_card(table, Role.STAFF, where))
                continue
            if not isinstance(table, dict):
                raise ProfileError(f"{where} is not a table")
            try:
                principal = check_principal(_get(table, "principal", str, where))
                key = sshsig.parse_public_key_line(_get(table, "ssh", str, where))
            except (IdentityError, UsageError) as e:
                raise ProfileError(f"{where}: {e}") from e
            staff.append(AllowedSigner(principal, key, None))
        idle = _get(doc, "idle_lock_minutes", int, source, DEFAULT_IDLE_LOCK_MINUTES)
        review_days = _get(doc, "retention_review_days", int, source, DEFAULT_RETENTION_REVIEW_DAYS)
        if not 1 <= idle <= 240:
            raise ProfileError(f"{source}: idle_lock_minutes must be between 1 and 240")
        if not 1 <= review_days <= 36500:
            raise ProfileError(f"{source}: retention_review_days must be between 1 and 36500")
        retention = None
        if RETENTION_TABLE in doc:
            retention = RetentionPolicy.parse(doc[RETENTION_TABLE], source=source)
        version, issued, root = 0, "", None
        if signed:
            version = _get(doc, "version", int, source)
            if not 1 <= version <= MAX_VERSION:
                raise ProfileError(f"{source}: 'version' must be a whole number from 1 to {MAX_VERSION}")
            issued = _get(doc, "issued_utc", str, source)
            if not _TIME_RE.match(issued):
                raise ProfileError(f"{source}: 'issued_utc' is not a UTC time like 2026-11-30T10:00:00.000Z")
            root = _root(_get(doc, "root", dict, source), f"{source}: [root]")
        tsas = _tsas(_get(doc, "tsa", list, source, []), source) if signed else ()
        return cls(
            school=school,
            reviewers=reviewers,
            staff=tuple(staff),
            drop_folder=_get(doc, "drop_folder", str, source, ""),
            idle_lock_minutes=idle,
            retention_review_days=review_days,
            keep_local_after_seal=_get(doc, "keep_local_after_seal", bool, source, False),
            standalone=_get(doc, "standalone", bool, source, False),
            version=version,
            issued_utc=issued,
            root=root,
            tsas=tsas,
            retention=retention,
        )

    @classmethod
    def load(cls, path: Path) -> Profile:
        """Read (a regular file, size-capped) and parse a profile file."""
        try:
            data = read_regular(path, max_bytes=MAX_PROFILE_BYTES, what="school profile")
        except UnsafeFileError as e:
            raise ProfileError(str(e)) from e
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ProfileError(f"{path}: cannot read profile: not UTF-8 text") from e
        return cls.parse(text, source=str(path))


@dataclass(frozen=True)
class InstallPreview:
    """What a workstation is asked to trust, shown before the user accepts a school profile.

    Attributes:
        school: the school's name.
        version: the profile's version.
        reviewers: each reviewer as "Name <principal>".
        staff_count: how many staff may seal.
        root_fingerprint: the root that signed it.
        given_fingerprint: the fingerprint IT gave the user (as typed).
    """

    school: str
    version: int
    reviewers: tuple[str, ...]
    staff_count: int
    root_fingerprint: str
    given_fingerprint: str

    @property
    def matches(self) -> bool:
        """True when the profile is signed by the root whose fingerprint the user was given."""
        return self.root_fingerprint == self.given_fingerprint.strip()


def preview_install(path: Path, given_fingerprint: str) -> InstallPreview:
    """Read a school profile and compare its root with the fingerprint IT gave, for the user to see.

    Raises:
        ProfileError: unreadable, invalid, unsigned or with a signature that does not verify.
    """
    profile = Profile.load(path)
    if profile.signature is None or profile.root is None:
        raise UntrustedProfileError(
            f"{path}: unsigned school profile; ask IT for the profile signed by the school root", check="unsigned"
        )
    return InstallPreview(
        school=profile.school,
        version=profile.version,
        reviewers=tuple(f"{card.name} <{card.principal}>" for card in profile.reviewers),
        staff_count=len(profile.staff),
        root_fingerprint=profile.root.fingerprint,
        given_fingerprint=given_fingerprint,
    )


def check_not_rollback(new: Profile, installed: Profile, *, source: str = "profile") -> None:
    """Refuse ``new`` in place of ``installed`` when that would go back: an older version of the same root's
    profile, or the same version with a different text. A profile of another root, or an unsigned one installed
    before, is not a rollback (whether another root is acceptable is the pin's question).

    Raises:
        UntrustedProfileError: check ``rollback``.
    """
    if installed.signature is None or new.signature is None or installed.root_fingerprint != new.root_fingerprint:
        return
    if new.version < installed.version:
        raise UntrustedProfileError(
            f"{source}: version {new.version} is older than the installed version {installed.version} (rollback); "
            "refusing it",
            check="rollback",
        )
    if new.version == installed.version and new.signature.body != installed.signature.body:
        raise UntrustedProfileError(
            f"{source}: has the installed version number {new.version} but different content; a changed profile "
            "needs a higher version",
            check="rollback",
        )


def _check_root_signature(signature: str, message: bytes, root: RootKey, source: str, what: str) -> None:
    try:
        key = sshsig.verify(signature, message, PROFILE_NAMESPACE)
    except SignatureError as e:
        raise UntrustedProfileError(
            f"{source}: the root's signature over {what} does not verify: {e}", check="signature"
        ) from e
    if not root.same_key(key):
        raise UntrustedProfileError(
            f"{source}: {what} is signed by {sshsig.fingerprint(key)}, not by the root {root.fingerprint} it names",
            check="signature",
        )


def _toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as e:  # tomllib recurses once per nesting level
        raise ProfileError(f"{source}: not valid TOML: {e}") from e


def _card(table: object, role: Role, where: str) -> PublicCard:
    if not isinstance(table, dict):
        raise ProfileError(f"{where} is not a table")
    card_text = (
        "# Evidence Capture public card v1\n"
        f"name: {_get(table, 'name', str, where)}\n"
        f"principal: {_get(table, 'principal', str, where)}\n"
        f"role: {role.value}\n"
        f"age: {_get(table, 'age', str, where)}\n"
        f"ssh: {_get(table, 'ssh', str, where)}\n"
        f"fingerprint: {_get(table, 'fingerprint', str, where)}\n"
    )
    if any(any(c in "\r\n" for c in str(v)) for v in table.values()):
        raise ProfileError(f"{where}: a field holds a line break")
    try:
        return PublicCard.parse(card_text, source=where)
    except IdentityError as e:
        raise ProfileError(str(e)) from e


def _root(table: dict[str, Any], where: str) -> RootKey:
    name = _get(table, "name", str, where)
    if _get(table, "principal", str, where) != ROOT_PRINCIPAL:
        raise ProfileError(f"{where}: 'principal' must be {ROOT_PRINCIPAL!r}")
    try:
        root = RootKey(check_name(name), sshsig.parse_public_key_line(_get(table, "ssh", str, where)))
    except (IdentityError, UsageError) as e:
        raise ProfileError(f"{where}: {e}") from e
    if any(c in "\r\n" for c in name) or root.name != name:
        raise ProfileError(f"{where}: 'name' must be one line without surrounding spaces")
    if _get(table, "fingerprint", str, where) != root.fingerprint:
        raise ProfileError(f"{where}: 'fingerprint' does not match the ssh key")
    return root


def _tsas(tables: list[Any], source: str) -> tuple[TsaConfig, ...]:
    """The ``[[tsa]]`` tables: each a URL, a name and its anchors (self-signed roots, PEM), each URL once."""
    out: list[TsaConfig] = []
    for n, table in enumerate(tables, start=1):
        where = f"{source}: tsa {n}"
        if not isinstance(table, dict):
            raise ProfileError(f"{where} is not a table")
        try:
            tsa = TsaConfig.parse(table)
        except TsaConfigError as e:
            raise ProfileError(f"{where}: {e}") from e
        if any(t.url == tsa.url for t in out):
            raise ProfileError(f"{where}: {tsa.url} is listed twice")
        out.append(tsa)
    return tuple(out)


def _pem_string(pem: bytes) -> str:
    """PEM text as a TOML multi-line literal string (PEM holds no apostrophes, so nothing needs escaping)."""
    text = pem.decode("ascii")
    if "'" in text or "\r" in text:
        raise UsageError("certificates in a profile must be plain PEM")
    return "'''\n" + text + "'''"


def _card_lines(card: PublicCard) -> list[str]:
    return [
        f"name = {_q(card.name)}",
        f"principal = {_q(card.principal)}",
        f"age = {_q(card.recipient)}",
        f"ssh = {_q(sshsig.public_key_line(card.ssh_key))}",
        f"fingerprint = {_q(card.fingerprint)}",
    ]


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
