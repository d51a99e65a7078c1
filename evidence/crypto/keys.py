"""Identities: one age X25519 key per person, with an Ed25519 signing key derived from it.

The identity file is a *native* age identity file (``AGE-SECRET-KEY-1…`` plus ``#`` comments) encrypted with an
age passphrase (scrypt), so the stock CLI can use it directly: ``age -d -i NAME.identity.age BUNDLE.zip.age``.
The age CLI refuses any other content in such a file, so the signing key cannot sit beside the age key. Instead
it is derived: the Ed25519 seed is HKDF-SHA-256 of the age secret key string under a purpose label
(:data:`SIGNING_KEY_INFO`), specified in docs/FORMAT.md. Whoever can decrypt as this person can also sign as
them, which is the intended model: one secret, one passphrase, one file.

The *public card* is the part that IT distributes: name, principal, role, the ``age1…`` recipient and the
``ssh-ed25519`` key with its ``SHA256:`` fingerprint.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path

import pyrage
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from evidence.core.errors import (
    AgeFormatError,
    DecryptionError,
    IdentityError,
    UnsafeFileError,
    UsageError,
    WrongPassphraseError,
)
from evidence.core.fsutil import atomic_write
from evidence.core.safefile import read_regular
from evidence.crypto import ageio, sshsig

SIGNING_KEY_INFO = b"evidence-capture.org/v1/ed25519-signing-key"
"""HKDF ``info`` label of the signing-key derivation."""
SIGNING_KEY_SALT = b""
"""HKDF salt of the signing-key derivation (empty: the input is already a uniformly random key)."""

CARD_HEADER = "# Evidence Capture public card v1"
IDENTITY_HEADER = "# Evidence Capture identity v1"
MIN_PASSPHRASE_LENGTH = 8
MAX_CARD_BYTES = 64 * 1024
"""A public card is a few hundred bytes; a larger file is not one and is not read."""
MAX_IDENTITY_FILE_BYTES = 64 * 1024
"""An identity file is well under a kilobyte; a larger file is not one and is not read."""
_PRINCIPAL_RE = re.compile(r"^[A-Za-z0-9._%+-]+(@[A-Za-z0-9.-]+)?$")
_AGE_SECRET_RE = re.compile(r"^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$")
_AGE_RECIPIENT_RE = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")


class Role(enum.Enum):
    """What the person (or key) does in the reporting chain.

    ``root`` is the school's trust root (``school init``): it signs the school profile and nothing else, and is
    never a data folder's own identity.
    """

    STAFF = "staff"
    REVIEWER = "reviewer"
    ROOT = "root"


PERSON_ROLES = (Role.STAFF, Role.REVIEWER)
"""The roles of people who capture, seal and review (``identity create --role``)."""

ROOT_PRINCIPAL = "school-root"
"""The principal of every school root (docs/FORMAT.md, "School profile")."""


def check_name(name: str) -> str:
    """A display name: one line, printable, not empty."""
    name = name.strip()
    if not name or len(name) > 200 or any(not c.isprintable() for c in name):
        raise UsageError("a name must be one line of 1 to 200 printable characters")
    return name


def check_principal(principal: str) -> str:
    """A principal as ssh-keygen's allowed_signers accepts it: an e-mail-like id without spaces or quotes."""
    if not _PRINCIPAL_RE.match(principal) or len(principal) > 200:
        raise UsageError(f"principal {principal!r} must look like an e-mail address (letters, digits, . _ % + - @)")
    return principal


def derive_signing_key(age_secret: str) -> Ed25519PrivateKey:
    """Derive the Ed25519 signing key from an age secret key string (see docs/FORMAT.md, "Signing key")."""
    if not _AGE_SECRET_RE.match(age_secret):
        raise IdentityError("not a canonical AGE-SECRET-KEY-1 string")
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=SIGNING_KEY_SALT, info=SIGNING_KEY_INFO).derive(
        age_secret.encode("ascii")
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


@dataclass(frozen=True)
class PublicCard:
    """The shareable half of an identity.

    Attributes:
        name: display name.
        principal: e-mail-like id, used as the SSH signature principal.
        role: staff, reviewer or root.
        recipient: the ``age1…`` recipient that bundles and captures are encrypted to.
        ssh_key: the Ed25519 public key that verifies this person's signatures.
    """

    name: str
    principal: str
    role: Role
    recipient: str
    ssh_key: Ed25519PublicKey

    @property
    def fingerprint(self) -> str:
        """``SHA256:…`` as ``ssh-keygen -l`` prints it."""
        return sshsig.fingerprint(self.ssh_key)

    @property
    def ssh_line(self) -> str:
        """``ssh-ed25519 AAAA… principal``."""
        return sshsig.public_key_line(self.ssh_key, self.principal)

    def to_text(self) -> str:
        """The card as the small text file IT distributes."""
        return (
            f"{CARD_HEADER}\n"
            f"name: {self.name}\n"
            f"principal: {self.principal}\n"
            f"role: {self.role.value}\n"
            f"age: {self.recipient}\n"
            f"ssh: {self.ssh_line}\n"
            f"fingerprint: {self.fingerprint}\n"
        )

    def same_keys(self, other: PublicCard) -> bool:
        """True when both cards carry the same age recipient and signing key."""
        return self.recipient == other.recipient and self.fingerprint == other.fingerprint

    @classmethod
    def parse(cls, text: str, *, source: str = "card") -> PublicCard:
        """Parse a card; every field is required and the fingerprint must match the key.

        Raises:
            IdentityError: naming ``source`` and the problem.
        """
        fields: dict[str, str] = {}
        lines = text.splitlines()
        if not lines or lines[0].strip() != CARD_HEADER:
            raise IdentityError(f"{source}: not an Evidence Capture public card (first line must be {CARD_HEADER!r})")
        for number, line in enumerate(lines[1:], start=2):
            if not line.strip() or line.startswith("#"):
                continue
            key, sep, value = line.partition(": ")
            if not sep or key not in {"name", "principal", "role", "age", "ssh", "fingerprint"}:
                raise IdentityError(f"{source}: line {number} is not a card field")
            if key in fields:
                raise IdentityError(f"{source}: field {key!r} appears twice")
            fields[key] = value.strip()
        missing = {"name", "principal", "role", "age", "ssh", "fingerprint"} - set(fields)
        if missing:
            raise IdentityError(f"{source}: card lacks {', '.join(sorted(missing))}")
        if fields["role"] not in {r.value for r in Role}:
            raise IdentityError(f"{source}: role must be staff, reviewer or root, not {fields['role']!r}")
        role = Role(fields["role"])
        try:
            check_name(fields["name"])
            check_principal(fields["principal"])
        except (ValueError, UsageError) as e:
            raise IdentityError(f"{source}: {e}") from e
        if not _AGE_RECIPIENT_RE.match(fields["age"]):
            raise IdentityError(f"{source}: 'age' is not an age1… recipient")
        try:
            pyrage.x25519.Recipient.from_str(fields["age"])
        except Exception as e:  # pyrage raises its own RecipientError
            raise IdentityError(f"{source}: 'age' is not a valid recipient") from e
        try:
            ssh_key = sshsig.parse_public_key_line(fields["ssh"])
        except IdentityError as e:
            raise IdentityError(f"{source}: 'ssh': {e}") from e
        card = cls(fields["name"], fields["principal"], role, fields["age"], ssh_key)
        if card.fingerprint != fields["fingerprint"]:
            raise IdentityError(f"{source}: fingerprint does not match the ssh key")
        return card

    @classmethod
    def load(cls, path: Path) -> PublicCard:
        """Read and parse a card file (a regular file of at most :data:`MAX_CARD_BYTES`)."""
        try:
            text = read_regular(path, max_bytes=MAX_CARD_BYTES, what="public card").decode("utf-8")
        except UnsafeFileError as e:
            raise IdentityError(str(e)) from e
        except UnicodeDecodeError as e:
            raise IdentityError(f"{path}: cannot read public card: not UTF-8 text") from e
        return cls.parse(text, source=str(path))


@dataclass(frozen=True)
class Identity:
    """An unlocked identity: the public card plus both secrets. Never written anywhere in clear.

    Attributes:
        card: the public half.
        age_secret: the ``AGE-SECRET-KEY-1…`` string.
        created_utc: when it was made.
    """

    card: PublicCard
    age_secret: str
    created_utc: str

    @property
    def signing_key(self) -> Ed25519PrivateKey:
        """The derived Ed25519 key."""
        return derive_signing_key(self.age_secret)

    def sign(self, message: bytes, namespace: str) -> str:
        """An armored SSHSIG signature of ``message``."""
        return sshsig.sign(self.signing_key, message, namespace)

    def decrypt(self, ciphertext: bytes) -> bytes:
        """Decrypt age ciphertext addressed to this identity."""
        return ageio.decrypt(ciphertext, [self.age_secret])

    def __repr__(self) -> str:  # keep secrets out of tracebacks and logs
        return f"Identity({self.card.principal!r}, {self.card.fingerprint})"

    def to_text(self) -> str:
        """The native age identity file text (plaintext; only ever passed to the encryptor)."""
        c = self.card
        return (
            f"{IDENTITY_HEADER}\n"
            "# The Ed25519 signing key is derived from this key (docs/FORMAT.md).\n"
            f"# created: {self.created_utc}\n"
            f"# name: {c.name}\n"
            f"# principal: {c.principal}\n"
            f"# role: {c.role.value}\n"
            f"# public key: {c.recipient}\n"
            f"{self.age_secret}\n"
        )

    @classmethod
    def generate(cls, name: str, principal: str, role: Role, created_utc: str) -> Identity:
        """A fresh identity with a random age key."""
        secret = str(pyrage.x25519.Identity.generate())
        return cls._build(secret, check_name(name), check_principal(principal), role, created_utc)

    @classmethod
    def _build(cls, secret: str, name: str, principal: str, role: Role, created_utc: str) -> Identity:
        try:
            recipient = str(pyrage.x25519.Identity.from_str(secret).to_public())
        except Exception as e:
            raise IdentityError("the age secret key is not valid") from e
        card = PublicCard(name, principal, role, recipient, derive_signing_key(secret).public_key())
        return cls(card, secret, created_utc)

    @classmethod
    def parse_text(cls, text: str, *, source: str = "identity") -> Identity:
        """Parse the plaintext written by :meth:`to_text`."""
        meta: dict[str, str] = {}
        secrets_found = []
        for line in text.splitlines():
            if line.startswith("# ") and ": " in line:
                key, _, value = line[2:].partition(": ")
                meta.setdefault(key, value)
            elif line.startswith("AGE-SECRET-KEY-1"):
                secrets_found.append(line.strip())
        if len(secrets_found) != 1:
            raise IdentityError(f"{source}: expected exactly one AGE-SECRET-KEY-1 line")
        missing = {"name", "principal", "role", "created"} - set(meta)
        if missing:
            raise IdentityError(f"{source}: identity lacks {', '.join(sorted(missing))}")
        try:
            role = Role(meta["role"])
            identity = cls._build(
                secrets_found[0],
                check_name(meta["name"]),
                check_principal(meta["principal"]),
                role,
                meta["created"],
            )
        except (ValueError, UsageError) as e:
            raise IdentityError(f"{source}: {e}") from e
        if "public key" in meta and meta["public key"] != identity.card.recipient:
            raise IdentityError(f"{source}: the public key comment does not match the secret key")
        return identity


def check_passphrase(passphrase: str) -> str:
    """Refuse passphrases that are too short to protect anything."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise UsageError(f"the passphrase must be at least {MIN_PASSPHRASE_LENGTH} characters")
    return passphrase


def write_identity_file(identity: Identity, path: Path, passphrase: str) -> None:
    """Encrypt the identity with ``passphrase`` and write it atomically (mode 0600)."""
    check_passphrase(passphrase)
    if path.exists():
        raise UsageError(f"{path}: already exists; refusing to overwrite an identity")
    data = ageio.encrypt_with_passphrase(identity.to_text().encode("utf-8"), passphrase)
    atomic_write(path, data)


def unlock_identity_file(path: Path, passphrase: str) -> Identity:
    """Decrypt and parse an identity file.

    Raises:
        WrongPassphraseError: the passphrase does not open it.
        IdentityError: it is not an identity file, or it is damaged.
    """
    try:
        data = read_regular(path, max_bytes=MAX_IDENTITY_FILE_BYTES, what="identity file")
    except UnsafeFileError as e:
        raise IdentityError(str(e)) from e
    if not ageio.is_age_file(data[:64]):
        raise IdentityError(f"{path}: not an age-encrypted identity file")
    try:
        plaintext = ageio.decrypt_with_passphrase(data, passphrase)
    except WrongPassphraseError as e:
        raise WrongPassphraseError(f"{path}: wrong passphrase") from e
    except (AgeFormatError, DecryptionError) as e:
        raise IdentityError(f"{path}: damaged identity file: {e}") from e
    try:
        text = plaintext.decode("utf-8")
    except UnicodeDecodeError as e:
        raise IdentityError(f"{path}: identity is not UTF-8 text") from e
    return Identity.parse_text(text, source=str(path))


def card_path_for(identity_path: Path) -> Path:
    """Where ``identity create`` puts the public card: ``NAME.card`` beside ``NAME.identity.age``."""
    name = identity_path.name
    stem = name[: -len(".identity.age")] if name.endswith(".identity.age") else name
    return identity_path.with_name(stem + ".card")
