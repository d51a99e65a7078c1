"""The reviewer's inbox: the sealed bundles in a drop folder, with who sent each one, checked before decryption.

A sealer writes ``REF.r1.zip.age`` and, beside it, the detached origin signature ``REF.r1.zip.age.sig`` over the
encrypted bytes (:func:`evidence.bundle.origin_signature`); each reviewer's action adds the next pair,
``REF.r2.zip.age`` and so on (:mod:`evidence.bundle.share`). :func:`scan` lists each incident's current revision in
a folder and checks its signature against the school profile *before* anything is decrypted, so the inbox can say
"sent by Jane Smith" or "signed by someone the school does not trust" without a passphrase. This is only a first
filter: the seal inside the bundle is what :func:`evidence.bundle.open_bundle` checks, and only that makes a bundle
verified.

Scanning never raises for a bad file. A drop folder is shared, and anyone who can write to it can put anything
there; a file we cannot read or whose signature is wrong is listed with a failed origin and its reason, so that
the reviewer sees it rather than missing it. Our own temporary files (``.ec-tmp-…``) and other hidden files (such
as macOS ``._`` files on a network share) are skipped, as is everything that is not ``*.zip.age``.

:class:`InboxIndex` is a small JSON file in the reviewer's data dir remembering what was learned on opening each
bundle (its revisions, items, verdict), keyed by the SHA-256 of the encrypted file, so that the list can show
what was checked without decrypting every bundle again. It holds plain facts only: no reference, no title, no
names, nothing from the incident form, and no case status (a status such as "referred to police" is known only in
memory, for the bundles opened since the app started; the file always stores ``"status": null``). A revised
bundle has a new digest and so a new record; a damaged or
missing index is simply empty (it is a cache, and opening a bundle fills it again).

The index also remembers, per incident, the highest revision verified here and the SHA-256 of that revision's
signed manifest (:meth:`InboxIndex.check_history`). Anyone who can write to the drop folder can put back an
older, genuinely signed copy of a bundle (a rollback: the police-contacted revision disappears), or a reviewer's
fork can give two different revision 3s; both still verify. Such a bundle is marked
:attr:`Seen.OLDER` or :attr:`Seen.DIFFERENT`, and the views show it in amber, never as plain green. This memory is
keyed by the SHA-256 of the reference (so the file still holds no reference), holds only numbers and digests, and
is never pruned with the bundle records: it must outlive the files it protects.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import os
import stat
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from evidence import bundle
from evidence.bundle import share
from evidence.case.incident import check_ref
from evidence.case.profile import Profile
from evidence.core.errors import BundleError, EvidenceError, UnsafeFileError, UsageError
from evidence.core.fsutil import atomic_write
from evidence.core.safefile import open_regular, read_regular
from evidence.core.text import clean_line
from evidence.core.timefmt import format_utc, utc_now
from evidence.crypto import sshsig
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
        revision: N of ``REF.rN.zip.age`` (None for a legacy ``REF.zip.age``).
        pending: a higher revision (or this one) whose signature is not there yet, or None.
        pending_stale: that revision has had no signature for ten minutes (its writer died).
    """

    path: Path
    ref: str
    size: int
    modified_utc: str
    origin: Origin
    sha256: str | None
    stamp: tuple[int, ...] = ()
    revision: int | None = None
    pending: int | None = None
    pending_stale: bool = False

    def pending_text(self) -> str:
        """What a revision without its signature means, in words ("" when there is none)."""
        if self.pending is None:
            return ""
        if self.pending_stale:
            return f"incomplete: revision {self.pending} has no signature"
        return f"revision {self.pending} is being written"

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
    """Messages may quote names from a hostile file: no control or direction characters, one bounded line."""
    return clean_line(text, limit=400)


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


def _read_signature(sig_path: Path) -> bytes | Origin:
    """The signature's bytes, or the origin it gives when there is none or it cannot be one (never raises)."""
    try:
        return read_regular(sig_path, max_bytes=MAX_SIGNATURE_BYTES, what="signature")
    except UnsafeFileError as e:
        if e.check == "missing":
            return Origin(OriginState.MISSING)
        return Origin(OriginState.FAILED, reason=_one_line(str(e).removeprefix(f"{sig_path}: ")))


def _check_origin(path: Path, signature: bytes, profile: Profile) -> tuple[Origin, str | None]:
    """Check the origin signature over the bundle file, streaming it; the origin and the file's SHA-256 (hex).

    A signature by a key the profile does not trust fails before the bundle is read.
    """
    try:
        with open_regular(path, max_bytes=bundle.MAX_BUNDLE_BYTES, what="file") as f:
            checked = bundle.verify_origin_stream(f, signature, profile)
    except UnsafeFileError as e:
        return Origin(OriginState.FAILED, reason=_one_line(str(e).removeprefix(f"{path}: "))), None
    except OSError as e:
        return Origin(OriginState.FAILED, reason=_one_line(f"cannot read the file: {e.strerror or e}")), None
    except BundleError as e:
        message = str(e).removeprefix(f"{e.check}: ")
        return Origin(OriginState.FAILED, reason=_one_line(message)), None
    except (EvidenceError, ValueError) as e:  # belt and braces: a hostile signature must never stop the scan
        return Origin(OriginState.FAILED, reason=_one_line(f"the signature is malformed: {e}")), None
    name = _signer_name(profile, checked.principal, checked.fingerprint)
    origin = Origin(OriginState.VERIFIED, checked.principal, checked.fingerprint, name)
    return origin, checked.file_sha256_hex


def read_entry(path: Path, profile: Profile) -> InboxEntry | None:
    """Stat and origin-check one bundle file; None if it vanished meanwhile. Never raises otherwise.

    Every file is read as a regular file only, with a cap checked first (a FIFO or a symlink to a device named
    ``REF.zip.age.sig`` fails at once, without a read that never returns). The bundle itself is read, in bounded
    memory, only when a signature by a trusted signer lies beside it: a bundle with no signature, or with one by
    anybody else, is listed without reading it (its digest is then None: it cannot be opened anyway).
    """
    parsed = share.parse_bundle_name(path.name)
    ref, number = parsed if parsed is not None else (path.name[: -len(bundle.BUNDLE_SUFFIX)], None)
    sig_path = signature_path_for(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    except OSError as e:
        reason = _one_line(f"cannot read the file: {e.strerror or e}")
        return InboxEntry(path, ref, 0, "", Origin(OriginState.FAILED, reason=reason), None, revision=number)
    modified = format_utc(dt.datetime.fromtimestamp(st.st_mtime, dt.UTC))
    stamp = (st.st_size, st.st_mtime_ns, *_stat_stamp(sig_path))

    def entry(origin: Origin, digest: str | None = None) -> InboxEntry:
        return InboxEntry(path, ref, st.st_size, modified, origin, digest, stamp, revision=number)

    if st.st_size > bundle.MAX_BUNDLE_BYTES:
        reason = f"larger than {bundle.MAX_BUNDLE_BYTES} bytes, so it cannot be a sealed bundle"
        return entry(Origin(OriginState.FAILED, reason=reason))
    signature = _read_signature(sig_path)
    if isinstance(signature, Origin):
        return entry(signature)
    if not path.exists():
        return None
    origin, digest = _check_origin(path, signature, profile)
    return entry(origin, digest)


@dataclass(frozen=True)
class ScanRecord:
    """What an origin check of one bundle file learnt, kept across restarts (:attr:`InboxIndex.scans`).

    Keyed by :func:`scan_key` (a digest of the file's name, size and modification time, its signature's, and the
    profile's signer list), so a file that changed, or a profile that changed, is checked again. It holds no name
    and no principal: the signer is named again from the profile by its key's fingerprint.

    Attributes:
        state: the origin check's outcome.
        sha256: SHA-256 (hex) of the bundle file, when it was read (a verified origin).
        fingerprint: the signing key's fingerprint (verified only).
        reason: why the check failed (failed only; our own one-line message).
    """

    state: OriginState
    sha256: str | None = None
    fingerprint: str = ""
    reason: str = ""

    def to_json_dict(self) -> dict[str, Any]:
        """The record as stored."""
        return {
            "origin": self.state.value,
            "sha256": self.sha256,
            "fingerprint": self.fingerprint,
            "reason": self.reason,
        }

    @classmethod
    def parse(cls, value: Any) -> ScanRecord:
        """Parse a record written by :meth:`to_json_dict`.

        Raises:
            ValueError: it is not such a record.
        """
        if not isinstance(value, dict):
            raise ValueError("not an object")
        state, digest = OriginState(value.get("origin")), value.get("sha256")
        fingerprint, reason = value.get("fingerprint"), value.get("reason")
        if digest is not None and not _is_sha256_hex(digest):
            raise ValueError("sha256 is not a digest")
        if not isinstance(fingerprint, str) or not isinstance(reason, str) or len(reason) > 1000:
            raise ValueError("fingerprint or reason is not text")
        if state is OriginState.VERIFIED and (digest is None or not fingerprint):
            raise ValueError("a verified origin has a digest and a fingerprint")
        return cls(state, digest, fingerprint, reason)

    @classmethod
    def of(cls, entry: InboxEntry) -> ScanRecord:
        """The record of a freshly checked entry."""
        return cls(entry.origin.state, entry.sha256, entry.origin.fingerprint, entry.origin.reason)


def profile_key(profile: Profile) -> str:
    """A digest of whom the profile trusts to sign origins: a scan record is valid for this signer list only."""
    return hashlib.sha256(profile.allowed_signers_text().encode("utf-8")).hexdigest()


def scan_key(path: Path, stamp: Sequence[int], signers: str) -> str:
    """The key of a file's :class:`ScanRecord`: its name, its and its signature's size and mtime, and the signers."""
    text = "\0".join([path.name, *(str(n) for n in stamp), signers])
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def _entry_from(
    record: ScanRecord, path: Path, st: os.stat_result, stamp: tuple[int, ...], profile: Profile
) -> InboxEntry:
    """An entry rebuilt from what an earlier check learnt, naming the signer from the profile again."""
    parsed = share.parse_bundle_name(path.name)
    ref, number = parsed if parsed is not None else (path.name[: -len(bundle.BUNDLE_SUFFIX)], None)
    modified = format_utc(dt.datetime.fromtimestamp(st.st_mtime, dt.UTC))
    origin = Origin(record.state, reason=record.reason)
    if record.state is OriginState.VERIFIED:
        principal = next(
            (
                s.principal
                for s in profile.allowed_signers()
                if sshsig.fingerprint(s.key) == record.fingerprint
                and (s.namespaces is None or bundle.ORIGIN_NAMESPACE in s.namespaces)
            ),
            "",
        )
        name = _signer_name(profile, principal, record.fingerprint)
        origin = Origin(OriginState.VERIFIED, principal, record.fingerprint, name)
    return InboxEntry(path, ref, st.st_size, modified, origin, record.sha256, stamp, revision=number)


ScanProgress = Callable[[InboxEntry, int, int], None]
"""Told of each entry as it is checked: the entry, how many are done, and how many there are."""


def scan(
    folder: Path,
    profile: Profile,
    previous: Iterable[InboxEntry] = (),
    *,
    memory: dict[str, ScanRecord] | None = None,
    progress: ScanProgress | None = None,
) -> list[InboxEntry]:
    """One entry per incident in ``folder`` (not its subfolders): its current revision, origin-checked, newest first.

    The drop folder holds every revision of an incident as its own file pair (``REF.rN.zip.age`` and its ``.sig``,
    :mod:`evidence.bundle.share`). The entry is the highest *complete* revision whose origin verifies; a complete
    higher one whose origin fails is listed too (in red: never hidden), and lower ones are history, not listed. A
    higher revision without its signature is being written (or its writer died): the entry says so
    (:attr:`InboxEntry.pending`), and it is never shown as tampered. A legacy ``REF.zip.age`` counts as older than
    every numbered file of the same incident; without its signature it is listed as before (no signature).

    Args:
        folder: the drop folder.
        profile: the school profile whose signers are trusted.
        previous: entries of an earlier scan; one whose bundle and signature have the same size and modification
            time is reused instead of reading the file again (pass none after the profile changed).
        memory: what earlier scans learnt (:attr:`InboxIndex.scans`, saved across restarts): a file whose name,
            size and modification time, and whose signature's, are unchanged, checked under the same signer
            list, is not read again. Updated in place: new files added, files no longer there forgotten.
        progress: called with each entry as it is listed (for a scan on a worker thread that shows its progress).

    A folder that does not exist or cannot be listed gives an empty list. Never raises for a bad file.
    """
    known = {e.path: e for e in previous}
    now = time.time()
    signers = profile_key(profile) if memory is not None else ""
    seen_keys: set[str] = set()
    entries = []
    groups = sorted(share.list_share(folder).values(), key=lambda files: files[0].path.name)
    for done, files in enumerate(groups, start=1):
        chosen: list[InboxEntry] = []
        for f in files:
            if not f.complete and f.number is not None:
                continue
            entry = _scan_one(f.path, profile, known, memory, signers, seen_keys)
            if entry is None:
                continue
            if entry.pending is not None:  # an earlier scan's revision being written may be gone since
                entry = replace(entry, pending=None, pending_stale=False)
            chosen.append(entry)
            if entry.origin.state is OriginState.VERIFIED:
                break
        top = files[0]
        if not chosen:
            entry = _scan_one(top.path, profile, known, memory, signers, seen_keys)
            chosen = [entry] if entry is not None else []
        if chosen and not top.complete and top.number is not None:  # above what is listed, or what is listed
            chosen[0] = replace(chosen[0], pending=top.number, pending_stale=top.stale(now))
        entries.extend(chosen)
        if progress is not None:
            for entry in chosen:
                progress(entry, done, len(groups))
    if memory is not None:
        for key in [k for k in memory if k not in seen_keys]:
            del memory[key]
    entries.sort(key=lambda e: (e.modified_utc, e.path.name), reverse=True)
    return entries


def _scan_one(
    path: Path,
    profile: Profile,
    known: Mapping[Path, InboxEntry],
    memory: dict[str, ScanRecord] | None,
    signers: str,
    seen_keys: set[str],
) -> InboxEntry | None:
    try:
        st = path.stat()
    except OSError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        return None
    stamp = (*_stat_stamp(path), *_stat_stamp(signature_path_for(path)))
    old = known.get(path)
    if old is not None and old.stamp and old.stamp == stamp:
        if memory is not None and st is not None:
            key = scan_key(path, stamp, signers)
            memory.setdefault(key, ScanRecord.of(old))
            seen_keys.add(key)
        return old
    if memory is not None and st is not None:
        key = scan_key(path, stamp, signers)
        record = memory.get(key)
        if record is not None:
            seen_keys.add(key)
            return _entry_from(record, path, st, stamp, profile)
    entry = read_entry(path, profile)
    if entry is not None and memory is not None and entry.stamp == stamp and st is not None:
        key = scan_key(path, stamp, signers)
        memory[key] = ScanRecord.of(entry)
        seen_keys.add(key)
    return entry


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


class Seen(enum.Enum):
    """How a verified bundle compares with the revisions of the same incident already verified here."""

    FIRST = "first"
    """No revision of this incident was verified here before."""
    SAME = "same"
    """The revision already seen, with the same signed manifest."""
    NEWER = "newer"
    """A later revision that keeps the history already seen."""
    OLDER = "older"
    """An older revision than one already seen: a rollback, or an old copy."""
    DIFFERENT = "different"
    """A different history: the revision seen here is not in this bundle as it was (a fork or a forgery)."""

    @property
    def warns(self) -> bool:
        """True when the bundle must not be shown as plain green."""
        return self in (Seen.OLDER, Seen.DIFFERENT)


@dataclass(frozen=True)
class SeenCheck:
    """The outcome of :meth:`InboxIndex.check_history`.

    Attributes:
        state: how the bundle compares.
        revision: the bundle's latest revision.
        seen_revision: the highest revision verified here before, or None.
    """

    state: Seen
    revision: int
    seen_revision: int | None = None

    def text(self) -> str:
        """One line for a warning; "" when there is nothing to warn about."""
        if self.state is Seen.OLDER:
            return (
                f"older than the one already seen: this is revision {self.revision}, "
                f"but revision {self.seen_revision} of this incident was already verified here"
            )
        if self.state is Seen.DIFFERENT:
            return (
                f"different from the one already seen: revision {self.seen_revision} of this incident was "
                f"verified here with a different signed history than this bundle's revision {self.revision}"
            )
        return ""


@dataclass(frozen=True)
class HistoryRecord:
    """The highest revision of one incident verified here.

    Attributes:
        revision: its number.
        manifest_sha256_hex: SHA-256 of that revision's signed manifest (``seal/revisions/N/manifest-sha256.txt``).
    """

    revision: int
    manifest_sha256_hex: str

    def to_json_dict(self) -> dict[str, Any]:
        """The record as stored."""
        return {"revision": self.revision, "manifest_sha256": self.manifest_sha256_hex}

    @classmethod
    def parse(cls, value: Any) -> HistoryRecord:
        """Parse a record written by :meth:`to_json_dict`.

        Raises:
            ValueError: it is not such a record.
        """
        if not isinstance(value, dict):
            raise ValueError("not an object")
        revision, digest = value.get("revision"), value.get("manifest_sha256")
        if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
            raise ValueError("revision is not a revision number")
        if not isinstance(digest, str) or not _is_sha256_hex(digest):
            raise ValueError("manifest_sha256 is not a SHA-256")
        return cls(revision, digest)


def _ref_key(ref: str) -> str:
    """The history's key for an incident: the SHA-256 of its reference, so the index holds no reference."""
    return hashlib.sha256(ref.encode("utf-8")).hexdigest()


def _manifest_digest(verified: bundle.VerifiedBundle, revision: int) -> str:
    return bundle.sha256_hex(verified.bag[bundle.revision_manifest_path(revision)])


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
        seen: :attr:`Seen.OLDER` or :attr:`Seen.DIFFERENT` when it verified but is not the history already seen
            (shown in amber); None otherwise.
    """

    verdict: str
    checked_utc: str
    status: str | None = None
    revisions: int | None = None
    sealed_utc: str | None = None
    item_count: int | None = None
    seen: Seen | None = None

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
        """The record as stored: never the case status (issue 17: "referred to police" is a fact about a pupil
        that must not sit in clear in the data folder), which is known only while the app runs."""
        return {
            "verdict": self.verdict,
            "checked_utc": self.checked_utc,
            "status": None,
            "revisions": self.revisions,
            "sealed_utc": self.sealed_utc,
            "items": self.item_count,
            **({"seen": self.seen.value} if self.seen is not None else {}),
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
        seen = value.get("seen")
        if seen is not None and (not isinstance(seen, str) or seen not in {s.value for s in Seen if s.warns}):
            raise ValueError(f"unknown seen {seen!r}")
        # A status written by an earlier version is read but not kept: the next save drops it from the file.
        return cls(verdict, checked, None, revisions, sealed, items, Seen(seen) if seen is not None else None)


class InboxIndex:
    """The reviewer's local memory of opened bundles, keyed by the SHA-256 (hex) of the encrypted file.

    Attributes:
        path: the JSON file.
        records: SHA-256 hex → record.
        history: SHA-256 hex of an incident reference → the highest revision of it verified here.
        scans: :func:`scan_key` → what the origin check of that file learnt (so an unchanged bundle is never read
            again, across restarts; see :func:`scan`).
    """

    def __init__(
        self,
        path: Path,
        records: Mapping[str, IndexRecord] | None = None,
        history: Mapping[str, HistoryRecord] | None = None,
        scans: Mapping[str, ScanRecord] | None = None,
    ) -> None:
        self.path = path
        self.records: dict[str, IndexRecord] = dict(records or {})
        self.history: dict[str, HistoryRecord] = dict(history or {})
        self.scans: dict[str, ScanRecord] = dict(scans or {})

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
        history = {}
        seen = doc.get("history")
        for key, value in (seen if isinstance(seen, dict) else {}).items():
            if not _is_sha256_hex(key):
                continue
            try:
                history[key] = HistoryRecord.parse(value)
            except ValueError:
                continue
        scans = {}
        found = doc.get("scans")
        for key, value in (found if isinstance(found, dict) else {}).items():
            if not _is_sha256_hex(key):
                continue
            try:
                scans[key] = ScanRecord.parse(value)
            except ValueError:
                continue
        return cls(path, records, history, scans)

    def save(self) -> None:
        """Write the index atomically, readable by the owner only.

        Raises:
            EvidenceError: it could not be written (the old file is then unchanged).
        """
        doc = {
            "format": INDEX_FORMAT,
            "bundles": {digest: self.records[digest].to_json_dict() for digest in sorted(self.records)},
            "history": {key: self.history[key].to_json_dict() for key in sorted(self.history)},
            "scans": {key: self.scans[key].to_json_dict() for key in sorted(self.scans)},
        }
        atomic_write(self.path, bundle.pretty_json(doc), mode=0o600)

    def get(self, sha256: str | None) -> IndexRecord | None:
        """The record of the bundle with this digest, if it was opened before."""
        return None if sha256 is None else self.records.get(sha256)

    def check_history(self, verified: bundle.VerifiedBundle) -> SeenCheck:
        """Compare a verified bundle with the revisions of its incident already verified here, and remember it.

        The highest revision seen and its manifest digest are kept; a newer revision replaces them only if it
        still carries the revision seen, byte for byte (every revision's signed manifest stays in the bag). An
        older revision, or a different history, leaves the memory as it was. Call :meth:`save` afterwards.
        """
        latest = len(verified.revisions)
        key = _ref_key(verified.ref)
        known = self.history.get(key)
        if known is None:
            state = Seen.FIRST
        elif latest < known.revision:
            return SeenCheck(Seen.OLDER, latest, known.revision)
        elif _manifest_digest(verified, known.revision) != known.manifest_sha256_hex:
            return SeenCheck(Seen.DIFFERENT, latest, known.revision)
        else:
            state = Seen.SAME if latest == known.revision else Seen.NEWER
        self.history[key] = HistoryRecord(latest, _manifest_digest(verified, latest))
        return SeenCheck(state, latest, known.revision if known is not None else None)

    def remember_verified(
        self, sha256: str, verified: bundle.VerifiedBundle, *, when: str | None = None, seen: Seen | None = None
    ) -> IndexRecord:
        """Record what a verified bundle shows: its status, revisions, sealing time and item count.

        ``seen`` is the :meth:`check_history` state; only a warning state is kept. A bundle whose review records do
        not parse is recorded as failing the ``consistency`` check.
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
            seen=seen if seen is not None and seen.warns else None,
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
        """Forget every record whose digest is not in ``keep``; return how many were dropped.

        The history is kept: it must outlive the files, or removing the newest copy would make a rollback pass.
        """
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
