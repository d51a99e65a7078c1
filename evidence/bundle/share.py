"""The drop folder as a store of immutable revision files: the one way a bundle reaches the share, and receipts.

A drop folder is a plain file share used by several people at once: the DSL, a deputy and the Head record actions
on the same bundle, staff seal into it, and SMB or NFS give no reliable locks. What this module defends against:

- **Lost updates.** Two reviewers open revision 2; each records an action; the second write would replace the
  first, and the first action would vanish while everything still verifies. Here no file is ever replaced: every
  revision is its own pair ``REF.rN.zip.age`` + ``REF.rN.zip.age.sig`` (N is the bag's own revision count),
  published under its final name with a no-replace primitive (a hard link of a fsynced hidden temp file; Windows'
  rename, which refuses an existing target; ``O_CREAT|O_EXCL`` and a copy where the share has no hard links).
  Whoever loses the race for ``rN+1`` reads the new latest revision, verifies it, applies the action again on top
  (actions are append-only) and tries ``rN+2``: :func:`publish_revision` says who wrote in between.
- **Torn pairs.** The bundle is published before its signature, so a reader sees either a complete pair or a
  bundle without a signature ("incomplete": a writer at work or one that died), never one writer's signature over
  another writer's bundle, and never a false alarm of tampering. A writer that died between the two links left its
  signature as a hidden temp file; the next writer checks that signature against the bundle (a trusted signer, over
  these bytes) and links it, so the revision completes instead of blocking the incident for ever.
- **Shares that fail.** "File in use", a folder that went away, a read-only or full share: one
  :class:`~evidence.core.errors.ShareError` naming the check, the temp files removed, nothing half-written under a
  final name. A share that quietly drops what it was given is caught by reading the file back before the writer
  is told it is done.
- **Re-sealing.** ``seal`` of a reference that already has any revision on the share refuses.

Readers (the inbox, ``review``, ``export-police``) pick the current revision with :func:`current_revision`: the
highest *complete* one. A legacy ``REF.zip.age`` from before revision files counts as older than every numbered
file of the same reference (it is never written again).

Receipts (:func:`write_receipt`, :func:`find_receipt`): when a reviewer's inbox first verifies revision 1, it writes
``receipts/REF.r1.KEYID.receipt``, a short text signed by the reviewer, so the staff member who sealed it (who may
not list the share) knows a reviewer has it, and only then shreds the local copy.

Adapters: :func:`stage_bag` and :func:`check_revision` are the only places that call the bundle writer and reader;
the streaming writer (which writes the ciphertext straight into the hidden temp file) and reader plug in there
(:mod:`evidence.bundle.stream`, :func:`evidence.bundle.seal.check_file`).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import re
import stat
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from evidence.bundle.build import BagPlan
from evidence.bundle.layout import BUNDLE_SUFFIX, MAX_BUNDLE_BYTES
from evidence.bundle.stream import self_check, write_bundle
from evidence.bundle.verify import VerifiedBundle, verify_origin_stream
from evidence.case.incident import check_ref
from evidence.case.profile import Profile
from evidence.core.errors import BundleError, EvidenceError, ShareError, SignatureError, UnsafeFileError, UsageError
from evidence.core.fsutil import TEMP_PREFIX, fsync_dir, sweep_stale_temp_files, temp_path_for
from evidence.core.safefile import open_regular, read_regular
from evidence.core.text import clean_line
from evidence.core.timefmt import utc_now
from evidence.crypto import sshsig
from evidence.crypto.keys import Identity
from evidence.crypto.namespaces import RECEIPT_NAMESPACE

log = logging.getLogger(__name__)

SIGNATURE_SUFFIX = ".sig"
"""``REF.rN.zip.age`` → ``REF.rN.zip.age.sig``."""
MAX_SIGNATURE_BYTES = 64 * 1024
"""An origin signature is a few hundred bytes; a larger one is not read."""
MAX_ATTEMPTS = 12
"""How many times :func:`publish_revision` re-applies an action after someone else wrote first."""
INCOMPLETE_GRACE_SECONDS = 600.0
"""A revision without its signature younger than this is "being written"; older, it is "incomplete"."""
WAIT_FOR_WRITER_SECONDS = 20.0
"""How long a writer waits for another writer's half-published revision to complete before it gives up."""
RECEIPTS_DIR = "receipts"
RECEIPT_SUFFIX = ".receipt"
RECEIPT_FORMAT = "evidence-capture-receipt/1"
MAX_RECEIPT_BYTES = 16 * 1024

_REVISION_NAME = re.compile(r"^(?P<ref>.+)\.r(?P<n>[1-9][0-9]{0,5})\.zip\.age$")
_LINK_UNSUPPORTED = {errno.EPERM, errno.EXDEV, errno.EMLINK, getattr(errno, "ENOTSUP", -1), errno.EOPNOTSUPP}
_GONE = {errno.ENOENT, errno.ENOTDIR, errno.ESTALE, errno.EIO, errno.ENXIO, errno.ENODEV}
_GONE |= {
    getattr(errno, n) for n in ("ENOTCONN", "EHOSTDOWN", "EHOSTUNREACH", "ENETDOWN", "ECONNRESET") if hasattr(errno, n)
}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", -1), errno.EFBIG}
_IN_USE = {errno.EBUSY, errno.ETXTBSY}
_WINDOWS_IN_USE = {32, 33}  # ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION


# -- names ---------------------------------------------------------------------------------------------------------


def revision_name(ref: str, number: int) -> str:
    """``REF.rN.zip.age``."""
    return f"{ref}.r{number}{BUNDLE_SUFFIX}"


def signature_path(path: Path) -> Path:
    """The origin signature beside a bundle file: ``NAME.zip.age`` → ``NAME.zip.age.sig``."""
    return path.with_name(path.name + SIGNATURE_SUFFIX)


def parse_bundle_name(name: str) -> tuple[str, int | None] | None:
    """``REF.rN.zip.age`` → (REF, N); a legacy ``REF.zip.age`` → (REF, None); anything else (hidden, temp) → None.

    The reference is returned as named; callers check it (:func:`evidence.case.incident.check_ref`).
    """
    if not name.endswith(BUNDLE_SUFFIX) or name.startswith(".") or len(name) <= len(BUNDLE_SUFFIX):
        return None
    m = _REVISION_NAME.match(name)
    if m is not None:
        return m["ref"], int(m["n"])
    return name[: -len(BUNDLE_SUFFIX)], None


@dataclass(frozen=True)
class RevisionFile:
    """One bundle file of an incident on the share.

    Attributes:
        ref: the incident reference, from the file name.
        number: N of ``REF.rN.zip.age``; None for a legacy ``REF.zip.age``.
        path: the bundle file.
        complete: its signature was there when the folder was listed.
        modified: the bundle file's modification time (seconds since the epoch).
    """

    ref: str
    number: int | None
    path: Path
    complete: bool
    modified: float

    @property
    def signature_path(self) -> Path:
        """Where its origin signature lies (whether or not it exists)."""
        return signature_path(self.path)

    @property
    def rank(self) -> int:
        """Its place in the history: N, or 0 for a legacy file (older than every numbered one)."""
        return self.number or 0

    def stale(self, now: float | None = None) -> bool:
        """True when it is incomplete and no writer has touched it for :data:`INCOMPLETE_GRACE_SECONDS`."""
        return not self.complete and (now or time.time()) - self.modified >= INCOMPLETE_GRACE_SECONDS


def list_share(folder: Path) -> dict[str, list[RevisionFile]]:
    """Every bundle file in ``folder``, grouped by reference, highest revision first. Never raises.

    Only regular files count; our temp files and other hidden files are skipped. A folder that cannot be listed
    gives an empty result.
    """
    out: dict[str, list[RevisionFile]] = {}
    try:
        names = os.listdir(folder)
    except OSError:
        return out
    present = set(names)
    for name in names:
        parsed = parse_bundle_name(name)
        if parsed is None:
            continue
        path = folder / name
        try:
            st = path.stat()
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        ref, number = parsed
        complete = name + SIGNATURE_SUFFIX in present
        out.setdefault(ref, []).append(RevisionFile(ref, number, path, complete, st.st_mtime))
    for files in out.values():
        files.sort(key=lambda f: (f.rank, f.path.name), reverse=True)
    return out


def revisions_of(folder: Path, ref: str) -> list[RevisionFile]:
    """The bundle files of one incident, highest revision first (see :func:`list_share`)."""
    return list_share(folder).get(ref, [])


def current_revision(folder: Path, ref: str) -> RevisionFile | None:
    """The highest complete revision of ``ref`` on the share (bundle and signature both there), or None."""
    return next((f for f in revisions_of(folder, ref) if f.complete), None)


# -- errors at the edge ----------------------------------------------------------------------------------------------


def share_error(path: Path, e: OSError, doing: str) -> ShareError:
    """An OSError from the share as one clear line with its check (see :class:`ShareError`)."""
    code = e.errno
    if getattr(e, "winerror", None) in _WINDOWS_IN_USE or code in _IN_USE:
        check, why = "in use", "another program has the file open; close it and try again"
    elif code in _GONE:
        check, why = "share gone", "the school share is not there any more (disconnected?); reconnect and try again"
    elif code in _READ_ONLY:
        check, why = "read-only", "the school share cannot be written from here (read-only, or no permission)"
    elif code in _FULL:
        check, why = "share full", "the school share is full"
    else:
        check, why = "share", "the school share refused it"
    detail = clean_line(e.strerror or e, limit=200)
    return ShareError(f"{clean_line(path, limit=300)}: cannot {doing}: {why} ({detail})", check=check, path=path)


# -- the no-replace primitive ------------------------------------------------------------------------------------------


def stage_bytes(folder: Path, final_name: str, data: bytes) -> Path:
    """Write ``data`` to a new hidden temp file beside ``folder/final_name``, fsynced; return its path.

    Raises:
        ShareError: it could not be written (nothing is left behind).
    """
    tmp = temp_path_for(folder / final_name)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
    except OSError as e:
        raise share_error(folder / final_name, e, "write") from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(e, OSError):
            raise share_error(folder / final_name, e, "write") from e
        raise
    return tmp


def link_no_replace(tmp: Path, final: Path) -> None:
    """Publish ``tmp`` as ``final`` unless ``final`` exists; ``tmp`` stays (the caller removes it).

    POSIX: a hard link (atomic, fails with EEXIST). Windows: a rename, which refuses an existing target (then ``tmp``
    is gone). Where the share has no hard links (some SMB and FAT mounts say EPERM, ENOTSUP or EOPNOTSUPP): an
    exclusive create of ``final`` and a copy, fsynced, and ``final`` removed again if the copy fails.

    Raises:
        FileExistsError: ``final`` exists (someone else published first).
        OSError: anything else.
    """
    if sys.platform == "win32":
        os.rename(tmp, final)
        return
    try:
        os.link(tmp, final)
    except FileExistsError:
        raise
    except OSError as e:
        if e.errno not in _LINK_UNSUPPORTED or not tmp.exists():
            raise
        _copy_exclusive(tmp, final)


def _copy_exclusive(tmp: Path, final: Path) -> None:
    fd = os.open(final, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
    try:
        with os.fdopen(fd, "wb") as out, tmp.open("rb") as src:
            while chunk := src.read(1024 * 1024):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            final.unlink()
        raise


def _discard(*paths: Path | None) -> None:
    for p in paths:
        if p is not None:
            with contextlib.suppress(OSError):
                p.unlink()


class _Taken(Exception):
    """Someone else published this revision first."""


@dataclass(frozen=True)
class Staged:
    """A revision written to hidden temp files in the drop folder, not yet published.

    Attributes:
        folder: the drop folder.
        name: the final bundle name (``REF.rN.zip.age``).
        bundle_tmp: the ciphertext's temp file.
        signature_tmp: the origin signature's temp file.
        sha256_hex: SHA-256 of the ciphertext.
        signature: the origin signature's bytes.
        verified: the bag as the writer verified it before encrypting it.
    """

    folder: Path
    name: str
    bundle_tmp: Path
    signature_tmp: Path
    sha256_hex: str
    signature: bytes = field(repr=False)
    verified: VerifiedBundle | None = field(default=None, repr=False, compare=False)

    @property
    def path(self) -> Path:
        """The final bundle path."""
        return self.folder / self.name

    def discard(self) -> None:
        """Remove the temp files (publishing did not happen)."""
        _discard(self.bundle_tmp, self.signature_tmp)


def stage_bag(
    folder: Path, name: str, ref: str, bag: Mapping[str, bytes] | BagPlan, profile: Profile, signer: Identity
) -> Staged:
    """ADAPTER (the bundle writer): check, zip, encrypt and origin-sign ``bag`` into hidden temp files in ``folder``.

    ``bag`` is a bag in memory or a :class:`~evidence.bundle.build.BagPlan` whose images stream from the vault or
    from the revision it builds on. The plan is verified before a byte is written (we never hand over a bundle we
    would not accept ourselves); then the streaming writer (:func:`evidence.bundle.stream.write_bundle`) writes
    zip → age straight into the hidden temp file, hashing each image once against its recorded SHA-256 and the
    ciphertext for its name and origin signature. The bytes are those of the in-memory writer for the same bag.

    Raises:
        BundleError: the bag does not verify.
        DigestMismatchError: an image is not the bytes its recorded SHA-256 names (nothing is left behind).
        ShareError: the temp files could not be written (none is left behind).
    """
    plan = bag if isinstance(bag, BagPlan) else BagPlan(ref, dict(bag), {})
    verified = self_check(plan, profile)
    bundle_tmp = temp_path_for(folder / name)
    try:
        fd = os.open(bundle_tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
    except OSError as e:
        raise share_error(folder / name, e, "write") from e
    try:
        with os.fdopen(fd, "wb") as f:
            written = write_bundle(plan, profile.reviewer_recipients, f, signer)
            f.flush()
            os.fsync(f.fileno())
        signature_tmp = stage_bytes(folder, name + SIGNATURE_SUFFIX, written.origin_signature)
    except BaseException as e:
        _discard(bundle_tmp)  # ciphertext only, never plaintext
        if isinstance(e, OSError):
            raise share_error(folder / name, e, "write") from e
        raise
    return Staged(folder, name, bundle_tmp, signature_tmp, written.sha256_hex, written.origin_signature, verified)


def check_revision(path: Path, identity: Identity, profile: Profile) -> tuple[VerifiedBundle, str]:
    """ADAPTER (the bundle reader): verify a bundle file and its origin signature; the bundle and the file's SHA-256.

    The streaming reader: the plaintext is hashed member by member as it is decrypted and only tag files and
    records are held; the verified bundle fetches an image from the file on demand (checked against the digest
    verified here), which is how a new revision's images stream from the one it builds on.

    Raises:
        BundleError: it failed a check (see :func:`evidence.bundle.seal.check_file`).
    """
    from evidence.bundle.seal import check_file  # seal.py publishes through this module

    checked = check_file(path, identity, profile)
    return checked.verified, checked.file_sha256_hex


def publish_staged(staged: Staged) -> None:
    """Publish a staged pair: the bundle under its final name (no replace), then its signature; temp files removed.

    Raises:
        _Taken: the bundle name was taken by someone else (the temp files are removed).
        ShareError: the share failed; nothing of ours is left under a final name, unless the share went away
            after the bundle was published (then it stays incomplete, and the next writer completes it).
    """
    final, final_sig = staged.path, signature_path(staged.path)
    try:
        link_no_replace(staged.bundle_tmp, final)
    except FileExistsError:
        staged.discard()
        raise _Taken from None
    except OSError as e:
        staged.discard()
        raise share_error(final, e, "write the bundle") from e
    _discard(staged.bundle_tmp)
    try:
        link_no_replace(staged.signature_tmp, final_sig)
    except OSError as e:
        _discard(staged.signature_tmp)
        if _read_small(final_sig) == staged.signature:
            pass  # another writer completed our revision with our own signature (complete_incomplete) meanwhile
        elif isinstance(e, FileExistsError):
            raise ShareError(
                f"{clean_line(final_sig, limit=300)}: another signature is already there", check="share", path=final_sig
            ) from None
        else:
            _withdraw(staged)
            raise share_error(final_sig, e, "write the signature") from e
    else:
        _discard(staged.signature_tmp)
    with contextlib.suppress(OSError):
        fsync_dir(staged.folder)


def _withdraw(staged: Staged) -> None:
    """After a failed signature link: take our bundle back, unless someone completed it with our signature."""
    _discard(staged.signature_tmp)  # from now on nobody can complete it from our temp file
    if _read_small(signature_path(staged.path)) == staged.signature:
        return
    _discard(staged.path)


def _read_small(path: Path) -> bytes | None:
    try:
        return read_regular(path, max_bytes=MAX_SIGNATURE_BYTES, what="signature")
    except UnsafeFileError:
        return None


# -- completing what a dead writer left --------------------------------------------------------------------------


def complete_incomplete(folder: Path, ref: str, profile: Profile) -> list[Path]:
    """Complete every incomplete revision of ``ref`` whose writer died between the bundle and its signature.

    Such a writer left its signature as a hidden temp file beside the bundle. It is linked into place only if it is
    a signature by a signer of ``profile`` over exactly that bundle's bytes. Returns the bundles completed.
    """
    done = []
    for f in revisions_of(folder, ref):
        if f.complete:
            continue
        pattern = f"{TEMP_PREFIX}*-{f.path.name}{SIGNATURE_SUFFIX}"
        for candidate in sorted(folder.glob(pattern)):
            signature = _read_small(candidate)
            if signature is None or not _signs(f.path, signature, profile):
                continue
            try:
                link_no_replace(candidate, f.signature_path)
            except OSError:
                continue  # its writer linked it meanwhile, or the share failed: the next listing tells
            _discard(candidate)
            log.info("completed %s with the signature its writer left", f.path.name)
            done.append(f.path)
            break
    return done


def _signs(path: Path, signature: bytes, profile: Profile) -> bool:
    try:
        with open_regular(path, max_bytes=MAX_BUNDLE_BYTES, what="bundle") as f:
            verify_origin_stream(f, signature, profile)
    except (EvidenceError, OSError):
        return False
    return True


# -- publishing ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intervening:
    """A revision someone else published between the one a writer started from and its own.

    Attributes:
        number: the revision.
        action: its action (``note``, ``police-contacted``, …).
        by_name, by_principal: who signed it.
        time_utc: when.
    """

    number: int
    action: str
    by_name: str
    by_principal: str
    time_utc: str


@dataclass(frozen=True)
class Published:
    """What :func:`publish_revision` or :func:`publish_seal` did.

    Attributes:
        path: the new bundle file (``REF.rN.zip.age``).
        signature_path: its origin signature.
        revision: N.
        sha256_hex: SHA-256 of the file, as read back from the share.
        verified: the published bundle as verified (for a seal: the bag as verified before it was encrypted).
        attempts: 1, or more when others wrote first and the action was applied again.
        intervening: revisions others published after the one the writer started from (oldest first).
    """

    path: Path
    signature_path: Path
    revision: int
    sha256_hex: str
    verified: VerifiedBundle | None
    attempts: int = 1
    intervening: tuple[Intervening, ...] = ()


def _ensure_folder(folder: Path) -> None:
    try:
        if folder.is_dir():
            return
    except OSError as e:
        raise share_error(folder, e, "reach the drop folder") from e
    raise ShareError(
        f"{clean_line(folder, limit=300)}: the drop folder is not there (is the school share connected?)",
        check="share gone",
        path=folder,
    )


def publish_revision(
    folder: Path,
    ref: str,
    build: Callable[[VerifiedBundle], Mapping[str, bytes] | BagPlan],
    identity: Identity,
    profile: Profile,
    *,
    based_on: int | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> Published:
    """Add a revision to ``ref`` on the share: the one way a reviewer's action reaches the drop folder.

    Finds the highest complete revision, verifies it, calls ``build`` with it (``build`` returns the new bag,
    e.g. :func:`evidence.review.actions.add_review_plan` of the action), and publishes the result as the next revision
    with no replace. If someone else published that revision first, it starts again from theirs (the action is
    applied again on top; actions are append-only) up to ``max_attempts`` times. The new revision is read back and
    verified before this returns.

    Args:
        based_on: the revision the user was looking at when they chose the action; revisions published after it
            are reported in :attr:`Published.intervening` so that the user is told.

    Raises:
        ShareError: the share failed (``share gone``, ``read-only``, ``share full``, ``in use``), a revision
            without its signature blocks the next one (``incomplete``), others kept writing first (``busy``), or the
            revision did not read back (``read back``).
        BundleError: the latest revision on the share fails a check (nothing is built on it).
        UsageError: there is no bundle of ``ref`` in the folder, or ``build`` refused.
    """
    check_ref(ref)
    _ensure_folder(folder)
    deadline = time.monotonic() + WAIT_FOR_WRITER_SECONDS
    attempts = 0
    while True:
        complete_incomplete(folder, ref, profile)
        if attempts == 0:
            sweep_stale_temp_files(folder)  # after completing: a dead writer's signature is not swept away
        files = revisions_of(folder, ref)
        latest = next((f for f in files if f.complete), None)
        if latest is None:
            if files and time.monotonic() < deadline and not files[0].stale():
                time.sleep(0.05)
                continue
            if files:
                raise _incomplete(files[0])
            raise UsageError(f"{clean_line(folder, limit=300)}: has no bundle of {ref}")
        verified, _digest = check_revision(latest.path, identity, profile)
        if verified.ref != ref or (latest.number is not None and latest.number != len(verified.revisions)):
            raise BundleError(
                f"consistency: {clean_line(latest.path.name)}: the file name does not match the bundle inside "
                f"(revision {len(verified.revisions)} of {clean_line(verified.ref)})",
                check="consistency",
            )
        number = len(verified.revisions) + 1
        blocker = next((f for f in files if f.rank >= number and not f.complete), None)
        if blocker is not None:  # another writer is between its bundle and its signature, or died there
            if time.monotonic() < deadline and not blocker.stale():
                time.sleep(0.05)
                continue
            raise _incomplete(blocker)
        attempts += 1
        bag = build(verified)
        staged = stage_bag(folder, revision_name(ref, number), ref, bag, profile, identity)
        try:
            publish_staged(staged)
        except _Taken:
            log.info("%s revision %s was published by someone else first; applying the action again", ref, number)
            if attempts >= max_attempts:
                raise ShareError(
                    f"{ref}: others kept recording actions on this bundle; nothing was recorded, try again",
                    check="busy",
                    path=folder,
                ) from None
            deadline = time.monotonic() + WAIT_FOR_WRITER_SECONDS
            continue
        published, digest = _read_back(staged, identity, profile)
        start = based_on if based_on is not None else len(verified.revisions)
        intervening = tuple(
            Intervening(r.number, r.action, r.signer_name, r.signer_principal, r.time_utc)
            for r in published.revisions[start : number - 1]
        )
        return Published(staged.path, signature_path(staged.path), number, digest, published, attempts, intervening)


def _incomplete(f: RevisionFile) -> ShareError:
    return ShareError(
        f"{clean_line(f.path, limit=300)}: revision {f.rank} has no signature (its writer stopped while writing it); "
        "nothing was recorded: ask IT to move that file out of the drop folder, then try again",
        check="incomplete",
        path=f.path,
    )


def _read_back(staged: Staged, identity: Identity, profile: Profile) -> tuple[VerifiedBundle, str]:
    try:
        verified, digest = check_revision(staged.path, identity, profile)
    except BundleError as e:
        raise ShareError(
            f"{clean_line(staged.path, limit=300)}: the revision just written does not read back from the school "
            f"share ({e.check}); check the share, or contact IT",
            check="read back",
            path=staged.path,
        ) from e
    if digest != staged.sha256_hex:
        raise ShareError(
            f"{clean_line(staged.path, limit=300)}: the share holds other bytes than were written",
            check="read back",
            path=staged.path,
        )
    return verified, digest


def publish_seal(
    folder: Path, ref: str, bag: Mapping[str, bytes] | BagPlan, sealer: Identity, profile: Profile
) -> Published:
    """Publish revision 1 of ``ref`` (a new seal) and read it back.

    Raises:
        UsageError: ``ref`` already has a revision (or a legacy bundle) on the share: it is sealed already.
        ShareError: the share failed, or the file did not read back with the SHA-256 written (``read back``).
        BundleError: the bag does not verify (nothing is written).
    """
    check_ref(ref)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise share_error(folder, e, "create the drop folder") from e
    complete_incomplete(folder, ref, profile)  # an earlier seal that died between its two files: finish it
    sweep_stale_temp_files(folder)
    if revisions_of(folder, ref):
        raise _sealed_already(folder, ref)
    staged = stage_bag(folder, revision_name(ref, 1), ref, bag, profile, sealer)
    try:
        publish_staged(staged)
    except _Taken:
        raise _sealed_already(folder, ref) from None
    digest = read_back_digest(staged.path)
    if digest != staged.sha256_hex:
        raise ShareError(
            f"{clean_line(staged.path, limit=300)}: the bundle did not read back from the school share as written",
            check="read back",
            path=staged.path,
        )
    return Published(staged.path, signature_path(staged.path), 1, digest, staged.verified)


def _sealed_already(folder: Path, ref: str) -> UsageError:
    return UsageError(f"{ref} is sealed already: {clean_line(folder, limit=300)} has a bundle of it")


def read_back_digest(path: Path) -> str | None:
    """SHA-256 (hex) of a file on the share, read in bounded memory; None if it is missing or not a regular file."""
    try:
        with open_regular(path, max_bytes=MAX_BUNDLE_BYTES, what="bundle") as f:
            digest = hashlib.sha256()
            while chunk := f.read(1024 * 1024):
                digest.update(chunk)
            return digest.hexdigest()
    except (UnsafeFileError, OSError):
        return None


# -- receipts -------------------------------------------------------------------------------------------------------


def key_id(card_key: Ed25519PublicKey) -> str:
    """The first 16 hex digits of the SHA-256 of a reviewer's public key blob (the ``SHA256:`` fingerprint's digest)."""
    return hashlib.sha256(sshsig.public_key_blob(card_key)).hexdigest()[:16]


def receipt_path(folder: Path, ref: str, revision: int, reviewer_key: Ed25519PublicKey) -> Path:
    """``receipts/REF.rN.KEYID.receipt``."""
    return folder / RECEIPTS_DIR / f"{ref}.r{revision}.{key_id(reviewer_key)}{RECEIPT_SUFFIX}"


@dataclass(frozen=True)
class Receipt:
    """A reviewer's signed statement that they have a bundle and it verified.

    Attributes:
        ref: the incident reference.
        revision: the revision received (1: the seal).
        bundle_sha256_hex: SHA-256 of the bundle file received.
        principal, name: the reviewer.
        received_utc: when their inbox verified it.
    """

    ref: str
    revision: int
    bundle_sha256_hex: str
    principal: str
    name: str
    received_utc: str

    def body(self) -> bytes:
        """The signed text (every line before the signature)."""
        lines = [
            RECEIPT_FORMAT,
            f"reference: {self.ref}",
            f"revision: {self.revision}",
            f"bundle-sha256: {self.bundle_sha256_hex}",
            f"reviewer: {self.principal}",
            f"name: {self.name}",
            f"received-utc: {self.received_utc}",
        ]
        return ("\n".join(lines) + "\n").encode("utf-8")

    @classmethod
    def parse(cls, body: bytes) -> Receipt:
        """Parse a receipt's body (exactly the lines :meth:`body` writes, in that order).

        Raises:
            ValueError: it is not one.
        """
        lines = body.decode("utf-8").split("\n")
        keys = ["reference", "revision", "bundle-sha256", "reviewer", "name", "received-utc"]
        if len(lines) != len(keys) + 2 or lines[0] != RECEIPT_FORMAT or lines[-1] != "":
            raise ValueError("not a receipt")
        values = {}
        for key, line in zip(keys, lines[1:-1], strict=True):
            prefix = f"{key}: "
            if not line.startswith(prefix) or clean_line(line, limit=1000) != line:
                raise ValueError(f"{key} line is missing or malformed")
            values[key] = line[len(prefix) :]
        check_ref(values["reference"])
        digest = values["bundle-sha256"]
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError("bundle-sha256 is not a SHA-256")
        if not values["revision"].isdigit():
            raise ValueError("revision is not a number")
        return cls(
            values["reference"],
            int(values["revision"]),
            digest,
            values["reviewer"],
            values["name"],
            values["received-utc"],
        )


def write_receipt(
    folder: Path, ref: str, revision: int, bundle_sha256_hex: str, reviewer: Identity, *, when: str | None = None
) -> Path | None:
    """Write this reviewer's receipt for revision ``revision`` of ``ref`` (exclusive create); None if one is there.

    Raises:
        ShareError: the receipts folder cannot be created or written.
    """
    receipt = Receipt(
        ref, revision, bundle_sha256_hex, reviewer.card.principal, clean_line(reviewer.card.name, limit=200),
        when or utc_now(),
    )  # fmt: skip
    body = receipt.body()
    text = body + sshsig.sign(reviewer.signing_key, body, RECEIPT_NAMESPACE).encode("ascii")
    target = receipt_path(folder, ref, revision, reviewer.card.ssh_key)
    if target.exists():
        return None
    try:
        target.parent.mkdir(exist_ok=True)
    except OSError as e:
        raise share_error(target.parent, e, "create the receipts folder") from e
    tmp = stage_bytes(target.parent, target.name, text)
    try:
        link_no_replace(tmp, target)
    except FileExistsError:
        return None
    except OSError as e:
        raise share_error(target, e, "write the receipt") from e
    finally:
        _discard(tmp)
    return target


def acknowledge(
    folder: Path, ref: str, reviewer: Identity, profile: Profile, *, checked: tuple[Path, str] | None = None
) -> Path | None:
    """Write this reviewer's receipt for revision 1 of ``ref`` if they have none yet: the reviewer's inbox calls it
    whenever it verified a bundle of ``ref`` in the drop folder.

    Revision 1 (the seal, or a legacy ``REF.zip.age``) is verified first, unless ``checked`` says it just was (its
    path and SHA-256). Returns the receipt written, or None (one was there, or there is no revision 1).

    Raises:
        BundleError: revision 1 fails a check (no receipt is written).
        ShareError: the receipt could not be written.
    """
    if receipt_path(folder, ref, 1, reviewer.card.ssh_key).exists():
        return None
    first = next((f for f in reversed(revisions_of(folder, ref)) if f.complete and f.rank <= 1), None)
    if first is None:
        return None
    if checked is not None and checked[0] == first.path:
        digest = checked[1]
    else:
        verified, digest = check_revision(first.path, reviewer, profile)
        if len(verified.revisions) != 1 or verified.ref != ref:
            return None  # a legacy file already revised: the staff member's seal is not this file
    return write_receipt(folder, ref, 1, digest, reviewer)


def read_receipt(path: Path, profile: Profile) -> Receipt:
    """Read and check one receipt file: a reviewer of ``profile`` signed it, in the receipt namespace.

    Raises:
        ShareError: check ``receipt``: unreadable, malformed, or not signed by a reviewer.
    """

    def fail(why: str) -> ShareError:
        return ShareError(f"{clean_line(path, limit=300)}: not a valid receipt: {why}", check="receipt", path=path)

    try:
        data = read_regular(path, max_bytes=MAX_RECEIPT_BYTES, what="receipt")
    except UnsafeFileError as e:
        raise fail(clean_line(e.check)) from e
    marker = b"-----BEGIN SSH SIGNATURE-----"
    at = data.find(marker)
    if at <= 0:
        raise fail("no signature")
    body, signature = data[:at], data[at:]
    try:
        receipt = Receipt.parse(body)
        key = sshsig.verify(signature, body, RECEIPT_NAMESPACE)
    except (ValueError, SignatureError) as e:
        raise fail(clean_line(e, limit=200)) from e
    if receipt.principal not in sshsig.find_principals(profile.receipt_signers(), key, RECEIPT_NAMESPACE):
        raise fail(f"signed by {sshsig.fingerprint(key)}, who is not a reviewer of {receipt.principal!r}")
    if path.name != f"{receipt.ref}.r{receipt.revision}.{key_id(key)}{RECEIPT_SUFFIX}":
        raise fail("its name does not match what it says")
    return receipt


def find_receipt(folder: Path, ref: str, bundle_sha256_hex: str, profile: Profile) -> Receipt | None:
    """The earliest valid receipt for revision 1 of ``ref`` with this bundle SHA-256, or None.

    The folder ``receipts/`` is never listed: each reviewer of ``profile`` has one possible name there
    (``REF.r1.KEYID.receipt``), and only those are opened, so a member of staff who may search that folder but not
    list it still finds their own receipts. Invalid receipts are skipped (and logged by check only).
    """
    found = []
    for card in profile.reviewers:
        path = receipt_path(folder, ref, 1, card.ssh_key)
        try:
            receipt = read_receipt(path, profile)
        except ShareError as e:
            if path.exists():
                log.warning("skipping a receipt: %s", e.check)
            continue
        if receipt.ref == ref and receipt.revision == 1 and receipt.bundle_sha256_hex == bundle_sha256_hex:
            found.append(receipt)
    return min(found, key=lambda r: r.received_utc) if found else None
