"""The disposal register: an append-only, hash-chained, signed record of every disposal, with no personal data.

Once a case is disposed of, its bundle is gone, and with it every proof that it existed. Accountability (UK GDPR
Art. 5(2)) still needs to show what was disposed of, when, by whom and why. The register lives beside the drop
folder and outlives the bundles, so it defends against four things:

- **Rewriting history.** Each entry names the SHA-256 of the previous entry's file, and is signed (SSHSIG,
  namespace :data:`NAMESPACE`) by the reviewer who authorised the disposal. Altering, reordering, deleting or
  forking entries breaks a check that :func:`verify_register` names (``signature``, ``sequence``,
  ``missing entry``, ``chain``, ``fork``); a signature by anyone outside the school's allowed signers fails
  ``signer``. Dropping entries from the *end* cannot be seen from the chain alone: a caller that remembers a head
  (a disposal certificate states one) passes it as ``expect_head`` and gets ``truncated``.
- **Keeping the data it is meant to show was deleted.** An entry holds the incident reference, the deleted
  files' names (which must start with the reference) and digests, the items' digests, the rule applied (its key
  and its wording, never a date: a "date of birth + 25 years" date would give away a child's birthday), a fixed
  reason code and an optional short note, and the authorising reviewer's principal and key fingerprint. That
  principal is the only personal data, and accountability requires it. The note is free text, so the caller must
  have cleaned it; :func:`check_note` refuses what is plainly personal (``@``, web addresses, any of the case's
  names the caller passes), but the app's user interface should offer the reason codes and keep the note short.
- **Several writers on a network share.** Each entry is a folder ``NNNNNN/`` holding ``entry.json`` and
  ``entry.json.sig``. A writer builds both in a hidden temporary folder and renames it to the next number. A
  rename onto an existing, non-empty folder fails on POSIX, on Windows and on SMB and NFS shares, so two writers
  can never both take a number: the loser sees the conflict, re-reads the register and retries with the next
  number. Both files appear together or not at all, so a crash leaves the old complete state (plus a hidden
  temporary folder that readers ignore and :func:`sweep` removes) or the new one; nothing is ever overwritten.
- **Needing our app to check it.** ``entry.json`` is canonical JSON on one line, ``sha256sum`` of it is the next
  entry's ``prev_sha256``, and ``ssh-keygen -Y verify`` checks each signature; ``VERIFY.txt`` in the register
  gives the exact commands (:func:`verify_text`), and ``tests/interop`` runs them.

Everything read from the register is hostile until checked: only regular files and folders (no links), with sizes
capped before reading.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import os
import re
import secrets
import stat
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidence.case.incident import check_ref
from evidence.case.retention import RuleKey
from evidence.core import canonical
from evidence.core.errors import EvidenceError, UnsafeFileError, UsageError
from evidence.core.fsutil import STALE_TEMP_SECONDS, TEMP_PREFIX, fsync_dir
from evidence.core.safefile import read_regular
from evidence.core.text import is_clean_line
from evidence.core.timefmt import parse_utc, utc_now
from evidence.crypto import sshsig
from evidence.crypto.keys import Identity
from evidence.crypto.namespaces import DISPOSAL_NAMESPACE
from evidence.crypto.sshsig import AllowedSigner

NAMESPACE = DISPOSAL_NAMESPACE
"""SSHSIG namespace of register signatures; never accepted for anything else."""
FORMAT = "evidence-capture-disposal/1"
GENESIS_SHA256 = "0" * 64
"""The ``prev_sha256`` of entry 1."""
ENTRY_FILE = "entry.json"
SIG_FILE = "entry.json.sig"
VERIFY_FILE = "VERIFY.txt"
MAX_ENTRY_BYTES = 1 << 20
MAX_SIG_BYTES = 4096
MAX_ENTRIES = 999_999
MAX_FILES = 1024
"""Every revision file of a case and its signature, a legacy bundle, and the receipts: ample for any real case."""
MAX_ITEMS = 10_000
MAX_NOTE = 100
MAX_RULE_TEXT = 200
DEFAULT_ATTEMPTS = 50

_ENTRY_NAME_RE = re.compile(r"^[0-9]{6}$")
_HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
_FILE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_FINGERPRINT_RE = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}$")
_PRINCIPAL_RE = re.compile(r"^[A-Za-z0-9._%+-]+(@[A-Za-z0-9.-]+)?$")
_PERSONAL_MARKS = ("@", "http:", "https:", "www.")


class RegisterError(EvidenceError):
    """The register failed a check. ``check`` names it and ``entry`` the entry folder (``000003``) if any."""

    def __init__(self, message: str, *, check: str, entry: str | None = None) -> None:
        super().__init__(message)
        self.check = check
        self.entry = entry


class DisposalReason(enum.Enum):
    """Why a case was disposed of: a fixed code, so the register needs no free text."""

    RETENTION_ENDED = "retention-ended"
    """The review date came and the reviewer decided not to keep it."""
    ERASURE_REQUEST = "erasure-request"
    """A data subject's request for erasure (UK GDPR Art. 17) was granted."""
    RECORDED_IN_ERROR = "recorded-in-error"
    """The case should never have been recorded (wrong person, not an incident)."""
    DUPLICATE = "duplicate"
    """Another case holds the same evidence."""
    OTHER = "other"
    """Anything else; the note must say what (without personal data)."""


REASON_LABELS = {
    DisposalReason.RETENTION_ENDED: "the retention period ended and the case was reviewed",
    DisposalReason.ERASURE_REQUEST: "a request for erasure was granted",
    DisposalReason.RECORDED_IN_ERROR: "the case was recorded in error",
    DisposalReason.DUPLICATE: "the case duplicated another",
    DisposalReason.OTHER: "another reason (see the note)",
}


@dataclass(frozen=True)
class DisposedFile:
    """A file that was deleted: its name (starting with the reference) and SHA-256 (hex)."""

    name: str
    sha256: str


@dataclass(frozen=True)
class TrustAnchor:
    """The trust path in force when the disposal was signed, so a checker knows which signer list applies.

    Attributes:
        root_fingerprint: the school root's ``SHA256:`` fingerprint.
        profile_version: the signed profile's version.
        allowed_signers_sha256: SHA-256 (hex) of that profile's derived ``allowed_signers`` text.
    """

    root_fingerprint: str
    profile_version: int
    allowed_signers_sha256: str


@dataclass(frozen=True)
class Disposal:
    """What was disposed of and why: everything an entry says except its place in the chain and its signer.

    Attributes:
        reference: the incident reference.
        files: the deleted files (bundle, origin signature, ...), each named starting with the reference.
        item_sha256: the SHA-256 (hex) of each item the case held, in item order.
        rule: the retention rule that applied.
        rule_text: that rule in words, with no case data (``RetentionRule.describe()``).
        reason: the reason code.
        note: optional short text without personal data (see :func:`check_note`); required for ``other``.
        disposed_utc: when (ISO 8601 UTC with milliseconds).
        trust: the trust path in force, or None where the profile has no root.
    """

    reference: str
    files: tuple[DisposedFile, ...]
    item_sha256: tuple[str, ...]
    rule: RuleKey
    rule_text: str
    reason: DisposalReason
    note: str = ""
    disposed_utc: str = ""
    trust: TrustAnchor | None = None

    def __post_init__(self) -> None:
        if not self.disposed_utc:
            object.__setattr__(self, "disposed_utc", utc_now())
        _validate_disposal(self)


@dataclass(frozen=True)
class Authoriser:
    """Who authorised a disposal: the principal and key fingerprint of the entry's signer."""

    principal: str
    fingerprint: str


@dataclass(frozen=True)
class RegisterEntry:
    """One entry of the register.

    Attributes:
        seq: its number, 1 for the first; also the name of its folder (``000001``).
        prev_sha256: SHA-256 (hex) of the previous entry's ``entry.json`` file, or :data:`GENESIS_SHA256`.
        disposal: what was disposed of.
        authorised_by: who signed it.
    """

    seq: int
    prev_sha256: str
    disposal: Disposal
    authorised_by: Authoriser

    @property
    def name(self) -> str:
        """The entry's folder name."""
        return f"{self.seq:06d}"

    def to_json_dict(self) -> dict[str, Any]:
        """The entry as canonical-JSON-ready data (see docs for the fields)."""
        d = self.disposal
        trust = None
        if d.trust is not None:
            trust = {
                "root_fingerprint": d.trust.root_fingerprint,
                "profile_version": d.trust.profile_version,
                "allowed_signers_sha256": d.trust.allowed_signers_sha256,
            }
        return {
            "format": FORMAT,
            "seq": self.seq,
            "prev_sha256": self.prev_sha256,
            "reference": d.reference,
            "disposed_utc": d.disposed_utc,
            "files": [{"name": f.name, "sha256": f.sha256} for f in d.files],
            "items": list(d.item_sha256),
            "rule": {"key": d.rule.value, "text": d.rule_text},
            "reason": {"code": d.reason.value, "note": d.note},
            "authorised_by": {"principal": self.authorised_by.principal, "fingerprint": self.authorised_by.fingerprint},
            "trust": trust,
        }

    def to_bytes(self) -> bytes:
        """The ``entry.json`` file: canonical JSON and one line feed."""
        return canonical.dumps(self.to_json_dict()) + b"\n"

    @classmethod
    def parse(cls, data: bytes, *, source: str = ENTRY_FILE) -> RegisterEntry:
        """Read an ``entry.json`` file strictly (canonical, exact fields, valid values).

        Raises:
            RegisterError: check ``record``.
        """
        try:
            if not data.endswith(b"\n") or data.count(b"\n") != 1:
                raise UsageError("is not one line ending in a line feed")
            value = canonical.loads_canonical(data[:-1], what=source)
            return _from_json(value)
        except (EvidenceError, ValueError) as e:
            raise RegisterError(f"{source}: {e}", check="record") from e


def _exact(value: object, keys: set[str], what: str) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != keys:
        raise UsageError(f"{what} must have exactly the fields {sorted(keys)}")
    return value


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a string")
    return value


def _nonempty(value: object, what: str) -> str:
    text = _text(value, what)
    if not text:
        raise UsageError(f"{what} is empty")
    return text


def _from_json(value: object) -> RegisterEntry:
    top = _exact(
        value,
        {"format", "seq", "prev_sha256", "reference", "disposed_utc", "files", "items", "rule", "reason"}
        | {"authorised_by", "trust"},
        "an entry",
    )
    if top["format"] != FORMAT:
        raise UsageError(f"format must be {FORMAT!r}")
    seq = top["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_ENTRIES:
        raise UsageError(f"seq must be 1 to {MAX_ENTRIES}")
    prev = _text(top["prev_sha256"], "prev_sha256")
    if not _HEX64_RE.match(prev):
        raise UsageError("prev_sha256 must be 64 lowercase hex digits")
    files_value = top["files"]
    if not isinstance(files_value, list):
        raise UsageError("files must be a list")
    files = []
    for f in files_value:
        obj = _exact(f, {"name", "sha256"}, "a file")
        files.append(DisposedFile(_text(obj["name"], "a file name"), _text(obj["sha256"], "a file digest")))
    items_value = top["items"]
    if not isinstance(items_value, list):
        raise UsageError("items must be a list")
    items = tuple(_text(i, "an item digest") for i in items_value)
    rule = _exact(top["rule"], {"key", "text"}, "rule")
    reason = _exact(top["reason"], {"code", "note"}, "reason")
    by = _exact(top["authorised_by"], {"principal", "fingerprint"}, "authorised_by")
    trust = None
    if top["trust"] is not None:
        t = _exact(top["trust"], {"root_fingerprint", "profile_version", "allowed_signers_sha256"}, "trust")
        version = t["profile_version"]
        if not isinstance(version, int) or isinstance(version, bool):
            raise UsageError("trust.profile_version must be an integer")
        trust = TrustAnchor(
            _text(t["root_fingerprint"], "trust.root_fingerprint"),
            version,
            _text(t["allowed_signers_sha256"], "trust.allowed_signers_sha256"),
        )
    disposal = Disposal(
        reference=_text(top["reference"], "reference"),
        files=tuple(files),
        item_sha256=items,
        rule=RuleKey(_text(rule["key"], "rule.key")),
        rule_text=_text(rule["text"], "rule.text"),
        reason=DisposalReason(_text(reason["code"], "reason.code")),
        note=_text(reason["note"], "reason.note"),
        disposed_utc=_nonempty(top["disposed_utc"], "disposed_utc"),
        trust=trust,
    )
    authoriser = Authoriser(_text(by["principal"], "principal"), _text(by["fingerprint"], "fingerprint"))
    _validate_authoriser(authoriser)
    return RegisterEntry(seq, prev, disposal, authoriser)


def _validate_authoriser(by: Authoriser) -> None:
    if not _PRINCIPAL_RE.match(by.principal) or len(by.principal) > 200:
        raise UsageError(f"{by.principal!r} is not a principal")
    if not _FINGERPRINT_RE.match(by.fingerprint):
        raise UsageError(f"{by.fingerprint!r} is not an SSH SHA256 fingerprint")


def _validate_disposal(d: Disposal) -> None:
    check_ref(d.reference)
    parse_utc(d.disposed_utc)
    if not 1 <= len(d.files) <= MAX_FILES:
        raise UsageError(f"a disposal names 1 to {MAX_FILES} deleted files")
    names = set()
    for f in d.files:
        if not _FILE_NAME_RE.match(f.name) or not f.name.startswith(d.reference):
            raise UsageError(f"deleted file {f.name!r} must be a plain file name starting with {d.reference}")
        if not _HEX64_RE.match(f.sha256):
            raise UsageError(f"the digest of {f.name} must be 64 lowercase hex digits")
        names.add(f.name)
    if len(names) != len(d.files):
        raise UsageError("a deleted file is named twice")
    if len(d.item_sha256) > MAX_ITEMS or not all(_HEX64_RE.match(i) for i in d.item_sha256):
        raise UsageError(f"item digests must be at most {MAX_ITEMS} of 64 lowercase hex digits")
    if not d.rule_text or len(d.rule_text) > MAX_RULE_TEXT or not is_clean_line(d.rule_text):
        raise UsageError(f"the rule text must be one clean line of 1 to {MAX_RULE_TEXT} characters")
    if len(d.note) > MAX_NOTE or not is_clean_line(d.note):
        raise UsageError(f"the note must be one clean line of at most {MAX_NOTE} characters")
    if d.reason is DisposalReason.OTHER and not d.note:
        raise UsageError("the reason 'other' needs a note")
    if d.trust is not None:
        if not _FINGERPRINT_RE.match(d.trust.root_fingerprint):
            raise UsageError("trust.root_fingerprint is not an SSH SHA256 fingerprint")
        if not 1 <= d.trust.profile_version <= 1_000_000:
            raise UsageError("trust.profile_version must be 1 or more")
        if not _HEX64_RE.match(d.trust.allowed_signers_sha256):
            raise UsageError("trust.allowed_signers_sha256 must be 64 lowercase hex digits")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def check_note(note: str, personal_terms: Iterable[str] = ()) -> str:
    """Refuse a disposal note that plainly holds personal data; return it stripped.

    It must be one clean line of at most :data:`MAX_NOTE` characters, hold no ``@`` (e-mail addresses, handles)
    or web address, and none of ``personal_terms`` (the case's names, handles and URLs, which the caller knows),
    compared without case or accents. This is a net, not a proof: the user interface should offer the reason codes
    and say that the note is kept for ever beside the drop folder.

    Raises:
        UsageError: naming what was found (never the term itself).
    """
    text = note.strip()
    if len(text) > MAX_NOTE or not is_clean_line(text):
        raise UsageError(f"the note must be one clean line of at most {MAX_NOTE} characters")
    folded = _fold(text)
    if any(mark in folded for mark in _PERSONAL_MARKS):
        raise UsageError("the note holds an e-mail address, handle or web address: the register keeps no personal data")
    for term in personal_terms:
        t = _fold(term)
        if len(t) >= 2 and t in folded:
            raise UsageError("the note names someone from the case: the register keeps no personal data")
    return text


@dataclass(frozen=True)
class VerifiedEntry:
    """An entry that passed every check.

    Attributes:
        entry: the parsed entry.
        sha256: SHA-256 (hex) of its ``entry.json`` file, as ``sha256sum`` prints it.
        signer: the allowed-signers principal whose key signed it.
    """

    entry: RegisterEntry
    sha256: str
    signer: str


@dataclass(frozen=True)
class Head:
    """A known point of the chain (from a certificate or remembered by a workstation)."""

    seq: int
    sha256: str


@dataclass(frozen=True)
class RegisterReport:
    """The whole verified register, oldest entry first."""

    entries: tuple[VerifiedEntry, ...]

    @property
    def head(self) -> Head | None:
        """The last entry's number and digest, or None for an empty register."""
        if not self.entries:
            return None
        last = self.entries[-1]
        return Head(last.entry.seq, last.sha256)


def _is_plain(path: Path, *, folder: bool) -> bool:
    try:
        mode = path.lstat().st_mode
    except OSError:
        return False
    return stat.S_ISDIR(mode) if folder else stat.S_ISREG(mode)


def _entry_names(folder: Path) -> list[str]:
    try:
        if not _is_plain(folder, folder=True):
            raise RegisterError(f"{folder}: the register is not a folder", check="missing")
        names = sorted(os.listdir(folder))
    except FileNotFoundError as e:
        raise RegisterError(f"{folder}: no register here", check="missing") from e
    except OSError as e:
        raise RegisterError(f"{folder}: cannot read the register: {e.strerror or e}", check="unreadable") from e
    if len(names) > MAX_ENTRIES + 100:
        raise RegisterError(f"{folder}: too many names for a register", check="size cap")
    entries = []
    for name in names:
        if name.startswith(TEMP_PREFIX):
            continue  # an append that never completed; never part of the register
        if name == VERIFY_FILE:
            if not _is_plain(folder / name, folder=False):
                raise RegisterError(f"{folder / name}: not a regular file", check="layout", entry=None)
            continue
        if not _ENTRY_NAME_RE.match(name) or name == "000000":
            raise RegisterError(f"{folder / name}: not part of a disposal register", check="layout", entry=None)
        if not _is_plain(folder / name, folder=True):
            raise RegisterError(f"{folder / name}: an entry must be a folder (not a link)", check="layout", entry=name)
        entries.append(name)
    return entries


def _read_entry_files(folder: Path, name: str) -> tuple[bytes, bytes]:
    entry_dir = folder / name
    try:
        present = set(os.listdir(entry_dir))
    except OSError as e:
        raise RegisterError(f"{entry_dir}: cannot read: {e.strerror or e}", check="unreadable", entry=name) from e
    extra = present - {ENTRY_FILE, SIG_FILE}
    if extra:
        raise RegisterError(f"{entry_dir}: unexpected file {sorted(extra)[0]!r}", check="layout", entry=name)
    if ENTRY_FILE not in present:
        raise RegisterError(f"{entry_dir}: {ENTRY_FILE} is missing", check="layout", entry=name)
    if SIG_FILE not in present:
        raise RegisterError(f"{entry_dir}: {SIG_FILE} is missing", check="unsigned", entry=name)
    out = []
    for file_name, cap in ((ENTRY_FILE, MAX_ENTRY_BYTES), (SIG_FILE, MAX_SIG_BYTES)):
        path = entry_dir / file_name
        if not _is_plain(path, folder=False):
            raise RegisterError(f"{path}: not a regular file (or a link)", check="layout", entry=name)
        try:
            out.append(read_regular(path, max_bytes=cap, what="register file"))
        except UnsafeFileError as e:
            raise RegisterError(str(e), check=e.check, entry=name) from e
    return out[0], out[1]


def _check_signer(name: str, entry: RegisterEntry, data: bytes, sig: bytes, allowed: Sequence[AllowedSigner]) -> str:
    where = f"register entry {name}"
    try:
        key = sshsig.verify(sig, data, NAMESPACE)
    except EvidenceError as e:
        raise RegisterError(f"{where}: {e}", check="signature", entry=name) from e
    principals = sshsig.find_principals(allowed, key, NAMESPACE)
    fingerprint = sshsig.fingerprint(key)
    if not principals:
        raise RegisterError(
            f"{where}: signed by {fingerprint}, which is not an allowed disposal signer", check="signer", entry=name
        )
    by = entry.authorised_by
    if by.fingerprint != fingerprint or by.principal not in principals:
        raise RegisterError(
            f"{where}: says it was authorised by {by.principal} ({by.fingerprint}) but was signed by "
            f"{', '.join(principals)} ({fingerprint})",
            check="authoriser",
            entry=name,
        )
    return by.principal


def verify_register(
    folder: Path, allowed_signers: Sequence[AllowedSigner], *, expect_head: Head | None = None
) -> RegisterReport:
    """Check the whole register: layout, every entry, every signature and the chain; name the first failure.

    Args:
        folder: the register folder.
        allowed_signers: everyone who may ever have signed a disposal (the union of the profile versions'
            signers); a line must allow :data:`NAMESPACE` (or have no ``namespaces`` option).
        expect_head: a head known from elsewhere (a certificate, or remembered); the register must still hold it.

    Raises:
        RegisterError: ``check`` is one of ``missing`` (no register), ``unreadable``, ``size cap``, ``layout``
            (a name or file that does not belong), ``missing entry`` (a number is skipped: an entry was deleted),
            ``record`` (malformed entry), ``sequence`` (an entry's number is not its folder's: reordered),
            ``unsigned``, ``signature`` (does not verify: altered), ``signer`` (not an allowed signer),
            ``authoriser`` (the entry names someone other than its signer), ``chain`` (``prev_sha256`` is not the
            previous entry's digest), ``fork`` (it is an earlier entry's: two writers chained from one head),
            ``truncated`` or ``rewritten`` (``expect_head`` is gone or differs).
    """
    verified: list[VerifiedEntry] = []
    seen = {GENESIS_SHA256}
    prev = GENESIS_SHA256
    for number, name in enumerate(_entry_names(folder), start=1):
        expected = f"{number:06d}"
        if name != expected:
            raise RegisterError(
                f"{folder}: entry {expected} is missing (the next is {name})", check="missing entry", entry=expected
            )
        data, sig = _read_entry_files(folder, name)
        try:
            entry = RegisterEntry.parse(data, source=f"{folder / name / ENTRY_FILE}")
        except RegisterError as e:
            raise RegisterError(str(e), check=e.check, entry=name) from e
        if entry.seq != number:
            raise RegisterError(
                f"register entry {name} says it is entry {entry.seq}: entries were reordered or renamed",
                check="sequence",
                entry=name,
            )
        signer = _check_signer(name, entry, data, sig, allowed_signers)
        if entry.prev_sha256 != prev:
            check = "fork" if entry.prev_sha256 in seen else "chain"
            raise RegisterError(
                f"register entry {name} does not follow entry {number - 1:06d}"
                + (" (it follows an earlier entry: the register forked)" if check == "fork" else ""),
                check=check,
                entry=name,
            )
        digest = hashlib.sha256(data).hexdigest()
        seen.add(digest)
        prev = digest
        verified.append(VerifiedEntry(entry, digest, signer))
    report = RegisterReport(tuple(verified))
    if expect_head is not None:
        name = f"{expect_head.seq:06d}"
        if len(verified) < expect_head.seq:
            raise RegisterError(
                f"{folder}: entry {name} is known but the register ends at {len(verified):06d}: entries were removed",
                check="truncated",
                entry=name,
            )
        if verified[expect_head.seq - 1].sha256 != expect_head.sha256:
            raise RegisterError(f"{folder}: entry {name} is not the one known", check="rewritten", entry=name)
    return report


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _remove_tree(path: Path) -> None:
    with contextlib.suppress(OSError):
        for child in path.iterdir():
            with contextlib.suppress(OSError):
                child.unlink()
        path.rmdir()


def _holds(entry_dir: Path, data: bytes) -> bool:
    try:
        return read_regular(entry_dir / ENTRY_FILE, max_bytes=MAX_ENTRY_BYTES, what="register entry") == data
    except UnsafeFileError:
        return False


def _commit(folder: Path, name: str, data: bytes, sig: str) -> bool:
    """Put ``data`` and ``sig`` in place as entry ``name``; False if another writer took the number first."""
    tmp = folder / f"{TEMP_PREFIX}{secrets.token_hex(6)}-{name}"
    target = folder / name
    try:
        os.mkdir(tmp, 0o755)
        _write_new(tmp / ENTRY_FILE, data)
        _write_new(tmp / SIG_FILE, sig.encode("ascii"))
        fsync_dir(tmp)
    except OSError as e:
        _remove_tree(tmp)
        raise RegisterError(f"{folder}: cannot write the register: {e.strerror or e}", check="write") from e
    try:
        os.rename(tmp, target)
    except OSError as e:
        if _holds(target, data):  # the share did the rename but lost the reply
            return True
        _remove_tree(tmp)
        if target.exists() or isinstance(e, FileExistsError):
            return False
        raise RegisterError(f"{folder}: cannot write the register: {e.strerror or e}", check="write") from e
    with contextlib.suppress(OSError):
        fsync_dir(folder)
    return True


def append(
    folder: Path,
    disposal: Disposal,
    identity: Identity,
    allowed_signers: Sequence[AllowedSigner],
    *,
    expect_head: Head | None = None,
    attempts: int = DEFAULT_ATTEMPTS,
) -> VerifiedEntry:
    """Add a disposal to the register, signed by ``identity`` (the authorising reviewer); safe with many writers.

    The register is verified first (a broken register is never extended), then the entry that follows its head
    is signed and committed under the next number; if another writer took that number, the register is re-read
    and the entry rebuilt for the new head, up to ``attempts`` times. The folder and its ``VERIFY.txt`` are
    created if missing.

    Raises:
        RegisterError: the register fails a check of :func:`verify_register`, ``signer`` (``identity`` may not sign
            disposals under ``allowed_signers``), ``write``, ``full`` or ``contention`` (no number could be taken).
    """
    card = identity.card
    if card.principal not in sshsig.find_principals(allowed_signers, card.ssh_key, NAMESPACE):
        raise RegisterError(
            f"{card.principal} ({card.fingerprint}) may not sign disposals: not an allowed signer for {NAMESPACE}",
            check="signer",
        )
    authoriser = Authoriser(card.principal, card.fingerprint)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RegisterError(f"{folder}: cannot create the register: {e.strerror or e}", check="write") from e
    _ensure_verify_text(folder)
    for attempt in range(max(attempts, 1)):
        report = verify_register(folder, allowed_signers, expect_head=expect_head)
        head = report.head
        seq = 1 if head is None else head.seq + 1
        if seq > MAX_ENTRIES:
            raise RegisterError(f"{folder}: the register is full", check="full")
        entry = RegisterEntry(seq, GENESIS_SHA256 if head is None else head.sha256, disposal, authoriser)
        data = entry.to_bytes()
        if _commit(folder, entry.name, data, identity.sign(data, NAMESPACE)):
            return VerifiedEntry(entry, hashlib.sha256(data).hexdigest(), card.principal)
        time.sleep((1 + secrets.randbelow(20)) / 1000 * min(attempt + 1, 10))
    raise RegisterError(f"{folder}: other writers kept taking the next number; try again", check="contention")


def sweep(folder: Path, *, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove temporary folders that crashed appends left in the register; return what was removed."""
    now = time.time()
    removed = []
    try:
        names = [n for n in os.listdir(folder) if n.startswith(TEMP_PREFIX)]
    except OSError:
        return []
    for name in names:
        path = folder / name
        try:
            if now - path.lstat().st_mtime < older_than:
                continue
        except OSError:
            continue
        if _is_plain(path, folder=True):
            _remove_tree(path)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
        if not path.exists():
            removed.append(path)
    return removed


def verify_text() -> str:
    """The text of the register's ``VERIFY.txt``: how to check it with ``sha256sum``, ``grep`` and ``ssh-keygen``."""
    return _VERIFY_TEXT


def _ensure_verify_text(folder: Path) -> None:
    path = folder / VERIFY_FILE
    if path.exists() or path.is_symlink():
        return
    tmp = folder / f"{TEMP_PREFIX}{secrets.token_hex(6)}-{VERIFY_FILE}"
    try:
        _write_new(tmp, _VERIFY_TEXT.encode("utf-8"))
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # never replaces a VERIFY.txt another writer put there
    except OSError:
        # Shares without hard links: fall back to a rename, still only when there is none.
        if not path.exists():
            with contextlib.suppress(OSError):
                os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


_VERIFY_TEXT = """\
Evidence Capture disposal register: how to check it with stock tools

Each disposal is one folder, 000001, 000002, ..., holding two files:
  entry.json      one line of canonical JSON: what was disposed of, when, under which rule, why (a code),
                  and who authorised it (principal and key fingerprint). It holds no other personal data.
  entry.json.sig  an SSH signature of entry.json by that reviewer, namespace evidence-capture-disposal-v1.
Entry 1 has "prev_sha256" of 64 zeros; each later entry's "prev_sha256" is the sha256sum of the previous
entry.json, so no entry can be changed, removed or put in another order without breaking the chain.
Folders whose names start with ".ec-tmp-" are unfinished writes: they are not part of the register.

You need ALLOWED_SIGNERS: the school's allowed_signers file, checked against the school root's fingerprint as
the VERIFY.txt of any of the school's bundles shows; the reviewers' lines must list the namespace
evidence-capture-disposal-v1. Replace ALLOWED_SIGNERS below with its path, and run both steps in this folder.

Step 1. Every entry is signed by the reviewer it names (prints one FAIL line per bad entry):

    for d in [0-9][0-9][0-9][0-9][0-9][0-9]; do
      who=$(grep -o '"principal":"[^"]*"' "$d/entry.json" | cut -d'"' -f4)
      ssh-keygen -Y verify -f ALLOWED_SIGNERS -I "$who" -n evidence-capture-disposal-v1 \\
        -s "$d/entry.json.sig" < "$d/entry.json" > /dev/null 2>&1 || echo "FAIL $d signature"
    done

Step 2. The entries form one unbroken chain, numbered without gaps (prints the head last):

    prev=0000000000000000000000000000000000000000000000000000000000000000; n=0
    for d in [0-9][0-9][0-9][0-9][0-9][0-9]; do
      n=$((n + 1))
      [ "$d" = "$(printf '%06d' "$n")" ] || echo "FAIL $d number (expected $(printf '%06d' "$n"))"
      grep -q "\\"seq\\":$n[,}]" "$d/entry.json" || echo "FAIL $d sequence"
      grep -q "\\"prev_sha256\\":\\"$prev\\"" "$d/entry.json" || echo "FAIL $d chain"
      prev=$(sha256sum < "$d/entry.json" | cut -d' ' -f1)
    done
    echo "head $d $prev"

Step 3. A disposal certificate names its entry and that entry's SHA-256: "sha256sum NNNNNN/entry.json" must print
it, and step 2 must reach it. An entry the certificate names that is missing means entries were removed.
"""
