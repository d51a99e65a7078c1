"""The reviewer's inbox: the sealed bundles in a drop folder, with who sent each one, checked before decryption.

A sealer writes ``REF.zip.age`` and, beside it, the detached origin signature ``REF.zip.age.sig`` over the encrypted
bytes (:func:`evidence.bundle.origin_signature`). :func:`scan` lists every bundle in a folder and checks that
signature against the school profile *before* anything is decrypted, so the inbox can say "sent by Jane Smith"
or "signed by someone the school does not trust" without a passphrase. This is only a first filter: the seal
inside the bundle is what :func:`evidence.bundle.open_bundle` checks, and only that makes a bundle verified.

Scanning never raises for a bad file. A drop folder is shared, and anyone who can write to it can put anything
there; a file we cannot read or whose signature is wrong is listed with a failed origin and its reason, so that
the reviewer sees it rather than missing it. Our own temporary files (``.ec-tmp-…``) and other hidden files (such
as macOS ``._`` files on a network share) are skipped, as is everything that is not ``*.zip.age``.

:class:`InboxIndex` is a small JSON file in the reviewer's data dir remembering what was learned on opening each
bundle (its status, revisions, items, verdict), keyed by the SHA-256 of the encrypted file, so that the list can
show a case's status without decrypting every bundle again. It holds plain facts only: no reference, no title, no
names, nothing from the incident form. A revised bundle has a new digest and so a new record; a damaged or
missing index is simply empty (it is a cache, and opening a bundle fills it again).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidence import bundle
from evidence.case.incident import check_ref
from evidence.case.profile import Profile
from evidence.core.errors import BundleError, EvidenceError, UsageError
from evidence.core.fsutil import TEMP_PREFIX, atomic_write
from evidence.core.timefmt import format_utc, utc_now
from evidence.review import actions as review

INDEX_FORMAT = "evidence-capture-inbox-index/1"
INDEX_FILE_NAME = "inbox-index.json"
"""The index's file name in the reviewer's data dir."""
MAX_SIGNATURE_BYTES = 64 * 1024
"""An origin signature is a few hundred bytes; anything much larger is not one and is not read."""


class OriginState(enum.Enum):
    """The outcome of the origin check."""

    VERIFIED = "verified"
    MISSING = "missing"
    FAILED = "failed"


@dataclass(frozen=True)
class Origin:
    """Who sent a bundle, as far as its detached signature tells before decryption.

    Attributes:
        state: verified, missing (no ``.sig`` beside it) or failed.
        principal: the signer's principal (verified only).
        fingerprint: the signing key's ``SHA256:…`` fingerprint (verified only).
        name: the signer's name where the profile knows it (a format-1 profile names only its reviewers).
        reason: one line saying why the check failed (failed only).
    """

    state: OriginState
    principal: str = ""
    fingerprint: str = ""
    name: str = ""
    reason: str = ""

    @property
    def sender(self) -> str:
        """The sender in words: "Name <principal>", the principal alone, or "" when unknown."""
        if not self.principal:
            return ""
        return f"{self.name} <{self.principal}>" if self.name else self.principal


@dataclass(frozen=True)
class InboxEntry:
    """One ``*.zip.age`` file in the drop folder.

    Attributes:
        path: the bundle file.
        ref: the incident reference, from the file name (as named; see :attr:`ref_is_valid`).
        size: the file size in bytes.
        modified_utc: the file's modification time, UTC ISO 8601.
        origin: the origin check.
        sha256: SHA-256 (hex) of the encrypted file, the key of :class:`InboxIndex`; None if it was not read.
        stamp: size and modification times of the bundle and its signature, to tell whether a rescan may reuse
            this entry.
    """

    path: Path
    ref: str
    size: int
    modified_utc: str
    origin: Origin
    sha256: str | None
    stamp: tuple[int, ...] = ()

    @property
    def ref_is_valid(self) -> bool:
        """True when the file name is a well-formed incident reference."""
        try:
            check_ref(self.ref)
        except UsageError:
            return False
        return True

    @property
    def signature_path(self) -> Path:
        """Where the detached origin signature lies (whether or not it exists)."""
        return signature_path_for(self.path)


def signature_path_for(path: Path) -> Path:
    """``REF.zip.age`` → ``REF.zip.age.sig`` beside it."""
    return path.with_name(path.name[: -len(bundle.BUNDLE_SUFFIX)] + bundle.ORIGIN_SUFFIX)


def is_bundle_name(name: str) -> bool:
    """True for ``*.zip.age`` names that are not hidden or one of our temporary files."""
    return name.endswith(bundle.BUNDLE_SUFFIX) and len(name) > len(bundle.BUNDLE_SUFFIX) and not name.startswith(".")


def _one_line(text: str) -> str:
    """Messages may quote names from a hostile file: no control or direction characters, one line."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _stat_stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


def _signer_name(profile: Profile, principal: str, fingerprint: str) -> str:
    for entry in profile.entries():  # a signed profile names its staff too; a format-1 one only its reviewers
        if entry.principal == principal and entry.fingerprint == fingerprint and entry.name:
            return entry.name
    return ""


def _check_origin(ciphertext: bytes, sig_path: Path, profile: Profile) -> Origin:
    try:
        if sig_path.stat().st_size > MAX_SIGNATURE_BYTES:
            return Origin(OriginState.FAILED, reason=f"{sig_path.name} is too large to be a signature")
        signature = sig_path.read_bytes()
    except FileNotFoundError:
        return Origin(OriginState.MISSING)
    except OSError as e:
        return Origin(OriginState.FAILED, reason=_one_line(f"cannot read {sig_path.name}: {e.strerror or e}"))
    try:
        principal, fingerprint = bundle.verify_origin(ciphertext, signature, profile)
    except BundleError as e:
        message = str(e).removeprefix(f"{e.check}: ")
        return Origin(OriginState.FAILED, reason=_one_line(message))
    except (EvidenceError, ValueError) as e:  # belt and braces: a hostile signature must never stop the scan
        return Origin(OriginState.FAILED, reason=_one_line(f"the signature is malformed: {e}"))
    return Origin(OriginState.VERIFIED, principal, fingerprint, _signer_name(profile, principal, fingerprint))


def read_entry(path: Path, profile: Profile) -> InboxEntry | None:
    """Stat, read and origin-check one bundle file; None if it vanished meanwhile. Never raises otherwise."""
    ref = path.name[: -len(bundle.BUNDLE_SUFFIX)]
    sig_path = signature_path_for(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    except OSError as e:
        reason = _one_line(f"cannot read the file: {e.strerror or e}")
        return InboxEntry(path, ref, 0, "", Origin(OriginState.FAILED, reason=reason), None)
    modified = format_utc(dt.datetime.fromtimestamp(st.st_mtime, dt.UTC))
    stamp = (st.st_size, st.st_mtime_ns, *_stat_stamp(sig_path))

    def failed(reason: str) -> InboxEntry:
        return InboxEntry(path, ref, st.st_size, modified, Origin(OriginState.FAILED, reason=reason), None, stamp)

    if st.st_size > bundle.MAX_BUNDLE_BYTES:
        return failed(f"larger than {bundle.MAX_BUNDLE_BYTES} bytes, so it cannot be a sealed bundle")
    try:
        ciphertext = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        return failed(_one_line(f"cannot read the file: {e.strerror or e}"))
    origin = _check_origin(ciphertext, sig_path, profile)
    digest = hashlib.sha256(ciphertext).hexdigest()
    return InboxEntry(path, ref, len(ciphertext), modified, origin, digest, stamp)


def scan(folder: Path, profile: Profile, previous: Iterable[InboxEntry] = ()) -> list[InboxEntry]:
    """Every ``*.zip.age`` in ``folder`` (not its subfolders), origin-checked, sorted newest first.

    Args:
        folder: the drop folder.
        profile: the school profile whose signers are trusted.
        previous: entries of an earlier scan; one whose bundle and signature have the same size and modification
            time is reused instead of reading the file again (pass none after the profile changed).

    A folder that does not exist or cannot be listed gives an empty list. Never raises for a bad file.
    """
    known = {e.path: e for e in previous}
    try:
        children = [p for p in folder.iterdir() if is_bundle_name(p.name)]
    except OSError:
        return []
    entries = []
    for path in children:
        if path.name.startswith(TEMP_PREFIX) or not path.is_file():
            continue
        old = known.get(path)
        if old is not None and old.stamp and old.stamp == (*_stat_stamp(path), *_stat_stamp(signature_path_for(path))):
            entries.append(old)
            continue
        entry = read_entry(path, profile)
        if entry is not None:
            entries.append(entry)
    entries.sort(key=lambda e: (e.modified_utc, e.path.name), reverse=True)
    return entries


def folder_stamp(folder: Path) -> frozenset[tuple[str, int, int]]:
    """A cheap fingerprint of the folder's bundles and signatures (name, size, mtime), to notice changes by polling.

    Never raises: a folder that cannot be listed has the empty stamp.
    """
    out = set()
    try:
        for path in folder.iterdir():
            name = path.name
            if is_bundle_name(name) or (name.endswith(bundle.ORIGIN_SUFFIX) and not name.startswith(".")):
                out.add((name, *_stat_stamp(path)))
    except OSError:
        return frozenset()
    return frozenset(out)


# -- the local index ----------------------------------------------------------------------------------------------


VERDICT_VERIFIED = "verified"
VERDICT_FAILED_PREFIX = "failed: "


@dataclass(frozen=True)
class IndexRecord:
    """What opening a bundle taught us, without any personal data.

    Attributes:
        verdict: ``verified`` or ``failed: CHECK`` (the :class:`~evidence.core.errors.BundleError` check name).
        checked_utc: when the bundle was opened.
        status: the case status (a :class:`~evidence.review.actions.CaseStatus` value); None if it did not verify.
        revisions: how many signed revisions it has; None if it did not verify.
        sealed_utc: when revision 1 was sealed; None if it did not verify.
        item_count: how many items it carries; None if it did not verify.
    """

    verdict: str
    checked_utc: str
    status: str | None = None
    revisions: int | None = None
    sealed_utc: str | None = None
    item_count: int | None = None

    @property
    def verified(self) -> bool:
        """True when the bundle passed every check."""
        return self.verdict == VERDICT_VERIFIED

    @property
    def failed_check(self) -> str | None:
        """The check it failed, or None if it verified."""
        return self.verdict.removeprefix(VERDICT_FAILED_PREFIX) if not self.verified else None

    @property
    def case_status(self) -> review.CaseStatus | None:
        """The status as the enum, or None if unknown."""
        try:
            return review.CaseStatus(self.status) if self.status is not None else None
        except ValueError:
            return None

    def to_json_dict(self) -> dict[str, Any]:
        """The record as stored."""
        return {
            "verdict": self.verdict,
            "checked_utc": self.checked_utc,
            "status": self.status,
            "revisions": self.revisions,
            "sealed_utc": self.sealed_utc,
            "items": self.item_count,
        }

    @classmethod
    def parse(cls, value: Any) -> IndexRecord:
        """Parse a record written by :meth:`to_json_dict`.

        Raises:
            ValueError: it is not such a record.
        """
        if not isinstance(value, dict):
            raise ValueError("not an object")
        verdict, checked = value.get("verdict"), value.get("checked_utc")
        if not isinstance(verdict, str) or not isinstance(checked, str):
            raise ValueError("verdict or checked_utc is not text")
        if verdict != VERDICT_VERIFIED and not verdict.startswith(VERDICT_FAILED_PREFIX):
            raise ValueError(f"unknown verdict {verdict!r}")
        status, sealed = value.get("status"), value.get("sealed_utc")
        revisions, items = value.get("revisions"), value.get("items")
        for text in (status, sealed):
            if text is not None and not isinstance(text, str):
                raise ValueError("status or sealed_utc is not text")
        for number in (revisions, items):
            if number is not None and (not isinstance(number, int) or isinstance(number, bool) or number < 0):
                raise ValueError("revisions or items is not a count")
        return cls(verdict, checked, status, revisions, sealed, items)


class InboxIndex:
    """The reviewer's local memory of opened bundles, keyed by the SHA-256 (hex) of the encrypted file.

    Attributes:
        path: the JSON file.
        records: SHA-256 hex → record.
    """

    def __init__(self, path: Path, records: Mapping[str, IndexRecord] | None = None) -> None:
        self.path = path
        self.records: dict[str, IndexRecord] = dict(records or {})

    @classmethod
    def load(cls, path: Path) -> InboxIndex:
        """Read the index; a missing, unreadable or damaged file gives an empty index (it is only a cache).

        Records that do not parse are dropped one by one, so one bad record does not lose the others.
        """
        try:
            doc = json.loads(path.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return cls(path)
        if not isinstance(doc, dict) or doc.get("format") != INDEX_FORMAT or not isinstance(doc.get("bundles"), dict):
            return cls(path)
        records = {}
        for digest, value in doc["bundles"].items():
            if not _is_sha256_hex(digest):
                continue
            try:
                records[digest] = IndexRecord.parse(value)
            except ValueError:
                continue
        return cls(path, records)

    def save(self) -> None:
        """Write the index atomically, readable by the owner only.

        Raises:
            EvidenceError: it could not be written (the old file is then unchanged).
        """
        doc = {
            "format": INDEX_FORMAT,
            "bundles": {digest: self.records[digest].to_json_dict() for digest in sorted(self.records)},
        }
        atomic_write(self.path, bundle.pretty_json(doc), mode=0o600)

    def get(self, sha256: str | None) -> IndexRecord | None:
        """The record of the bundle with this digest, if it was opened before."""
        return None if sha256 is None else self.records.get(sha256)

    def remember_verified(
        self, sha256: str, verified: bundle.VerifiedBundle, *, when: str | None = None
    ) -> IndexRecord:
        """Record what a verified bundle shows: its status, revisions, sealing time and item count.

        A bundle whose review records do not parse is recorded as failing the ``consistency`` check.
        """
        _check_digest(sha256)
        try:
            status = review.case_status(review.reviews(verified))
        except BundleError as e:
            return self.remember_failed(sha256, e, when=when)
        record = IndexRecord(
            verdict=VERDICT_VERIFIED,
            checked_utc=when or utc_now(),
            status=status.value,
            revisions=len(verified.revisions),
            sealed_utc=verified.sealer.time_utc,
            item_count=len(verified.items),
        )
        self.records[sha256] = record
        return record

    def remember_failed(self, sha256: str, error: BundleError, *, when: str | None = None) -> IndexRecord:
        """Record that a bundle failed ``error.check``; nothing else about it is kept."""
        _check_digest(sha256)
        record = IndexRecord(verdict=VERDICT_FAILED_PREFIX + _one_line(error.check), checked_utc=when or utc_now())
        self.records[sha256] = record
        return record

    def prune(self, keep: Sequence[str]) -> int:
        """Forget every record whose digest is not in ``keep``; return how many were dropped."""
        wanted = set(keep)
        gone = [d for d in self.records if d not in wanted]
        for digest in gone:
            del self.records[digest]
        return len(gone)


def _is_sha256_hex(text: object) -> bool:
    return isinstance(text, str) and len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def _check_digest(sha256: str) -> None:
    if not _is_sha256_hex(sha256):
        raise UsageError(f"{sha256!r} is not a SHA-256 in lower-case hex")
