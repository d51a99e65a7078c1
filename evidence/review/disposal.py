"""Disposal of a case: refuse while held, record it in the signed register, then delete every copy we know of.

Storage limitation says a case is kept no longer than needed; accountability says its disposal must be provable
after the evidence is gone; DfE guidance says nothing is deleted while the police may need it. This module
defends against each failure in that order:

- **Deleting held evidence.** :func:`dispose` re-derives the case's state from its signed records and refuses
  (``RetentionError``, check ``on hold``) while a legal hold is in force; before the review date it needs an
  explicit early reason code (an erasure request, a case recorded in error, a duplicate). The state is judged on
  the case's latest complete revision on the share, whichever revision file the caller opened, and disposal waits
  for (refuses) a revision still being written, which may be a hold.
- **Deleting without a record.** The register entry is written (and so signed and chained) *before* anything is
  deleted. If deleting fails part-way, the register already says what was meant to go and the caller can retry;
  the reverse order could lose evidence with no trace.
- **Copies left behind.** Every revision file of the case on the share (``REF.rN.zip.age``, and a legacy
  ``REF.zip.age``), each origin signature and every reviewer's receipt (``receipts/REF.rN.KEYID.receipt``) are
  removed from the drop folder, each listed in the register entry with its SHA-256; the reviewer's
  inbox index forgets the files' records (its history memory, which holds only numbers and digests, stays so a
  restored copy is still caught), and the caller gets the list of exports still present. Staff workstations
  learn of the disposal from the register in the drop folder at their next start
  (:func:`disposed_references`, :meth:`evidence.vault.store.Vault.purge_disposed`).
- **A register nobody can check once the bundles are gone.** The signed signer list of the profile in force is
  copied beside the register (``disposal-register-signers/``), as the bundles carry it, so ``ssh-keygen -Y
  verify`` still has the root-signed ``allowed_signers`` when no bundle is left.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evidence import bundle
from evidence.bundle import share
from evidence.bundle.layout import (
    ROOT_ALLOWED_SIGNERS,
    ROOT_PUB,
    trust_allowed_signers_path,
    trust_allowed_signers_sig_path,
)
from evidence.bundle.trust import trust_files
from evidence.case import register
from evidence.case.certificate import DisposalCertificate
from evidence.case.profile import Profile
from evidence.case.register import DisposalReason, DisposedFile, RegisterError, TrustAnchor, VerifiedEntry
from evidence.core.errors import EvidenceError, ShareError, UsageError
from evidence.core.fsutil import atomic_write
from evidence.core.safefile import open_regular, read_regular
from evidence.core.text import clean_line
from evidence.crypto import sshsig
from evidence.crypto.keys import Identity
from evidence.crypto.namespaces import PROFILE_NAMESPACE
from evidence.crypto.sshsig import AllowedSigner
from evidence.review.inbox import INDEX_FILE_NAME, InboxIndex
from evidence.review.lifecycle import check_may_dispose, policy_of

REGISTER_DIR = "disposal-register"
"""The register's folder inside the drop folder (the inbox scan ignores folders)."""
SIGNERS_DIR = "disposal-register-signers"
"""Beside the register: the school root's key and copies of its signed signer lists, one pair per profile version."""
EARLY_REASONS = frozenset({DisposalReason.ERASURE_REQUEST, DisposalReason.RECORDED_IN_ERROR, DisposalReason.DUPLICATE})
"""Reasons that allow disposal before the review date (never while a hold is in force)."""
MAX_SIGNER_LIST_BYTES = 1 << 20


def register_folder(drop_folder: Path) -> Path:
    """Where the disposal register of a drop folder lives."""
    return drop_folder / REGISTER_DIR


def signers_folder(register: Path) -> Path:
    """Where the signed signer lists are kept, beside the register (the register's own layout is strict)."""
    return register.with_name(SIGNERS_DIR)


def _personal_terms(verified: bundle.VerifiedBundle) -> list[str]:
    d = verified.incident.details
    terms = [d.target_name, d.perpetrator_name, d.perpetrator_handle, d.perpetrator_url, d.witnesses, d.title]
    return [t for t in terms if t.strip()]


def _keep_signer_list(folder: Path, profile: Profile) -> None:
    """Copy the profile's root-signed signer list (and the root's key) beside the register, once per version."""
    if profile.signature is None or profile.root is None:
        return
    target = signers_folder(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RegisterError(f"{target}: cannot create: {e.strerror or e}", check="write") from e
    files = trust_files(profile)
    v = profile.version
    wanted = {
        "root.pub": files[ROOT_PUB],
        "root_allowed_signers": files[ROOT_ALLOWED_SIGNERS],
        f"v{v}-allowed_signers": files[trust_allowed_signers_path(v)],
        f"v{v}-allowed_signers.sig": files[trust_allowed_signers_sig_path(v)],
    }
    for name, data in wanted.items():
        path = target / name
        if not path.exists():
            atomic_write(path, data, mode=0o644)


def allowed_signers_of_register(folder: Path, profile: Profile) -> list[AllowedSigner]:
    """Everyone who may have signed a disposal: every signer list kept beside the register, and the profile's.

    Only lists whose root signature verifies against the profile's root are used.
    """
    lists = [profile.allowed_signers_text()]
    trust = signers_folder(folder)
    if profile.root is not None and trust.is_dir():
        for path in sorted(trust.glob("v*-allowed_signers")):
            try:
                data = read_regular(path, max_bytes=MAX_SIGNER_LIST_BYTES, what="signer list")
                sig = read_regular(path.with_name(path.name + ".sig"), max_bytes=8192, what="signature")
                if not profile.root.same_key(sshsig.verify(sig, data, PROFILE_NAMESPACE)):
                    continue
                lists.append(data.decode("utf-8"))
            except (EvidenceError, UnicodeDecodeError, ValueError):
                continue
    out: list[AllowedSigner] = []
    for text in lists:
        for signer in sshsig.parse_allowed_signers(text):
            if signer not in out:
                out.append(signer)
    return out


@dataclass(frozen=True)
class Disposed:
    """What a disposal did.

    Attributes:
        entry: the verified register entry.
        certificate: the certificate of that entry.
        removed: the files deleted.
        left: files that could not be deleted (the caller must say so; the register already records them).
    """

    entry: VerifiedEntry
    certificate: DisposalCertificate
    removed: tuple[Path, ...]
    left: tuple[Path, ...]


def _file(path: Path) -> DisposedFile:
    if path.parent.name == share.RECEIPTS_DIR:
        data = read_regular(path, max_bytes=share.MAX_RECEIPT_BYTES, what="receipt")
        return DisposedFile(path.name, hashlib.sha256(data).hexdigest())
    digest = _digest(path)
    if digest is None:
        raise UsageError(f"{clean_line(path, limit=300)}: cannot be read to record its SHA-256")
    return DisposedFile(path.name, digest)


def _digest(path: Path) -> str | None:
    """SHA-256 (hex) of a bundle or signature file, read in chunks; None if it is not a readable regular file."""
    h = hashlib.sha256()
    try:
        with open_regular(path, max_bytes=bundle.MAX_BUNDLE_BYTES, what="bundle") as f:
            for chunk in iter(lambda f=f: f.read(1 << 20), b""):  # type: ignore[misc]
                h.update(chunk)
    except (EvidenceError, OSError):
        return None
    return h.hexdigest()


def _receipts_of(folder: Path, ref: str, numbers: Sequence[int], profile: Profile) -> list[Path]:
    """Every receipt of ``ref`` in ``folder/receipts``: listed where the folder may be listed, else found by name
    (each reviewer of the profile, each revision)."""
    where = folder / share.RECEIPTS_DIR
    found: set[Path] = set()
    try:
        names = os.listdir(where)
    except OSError:
        names = []
    prefix = f"{ref}.r"
    for name in names:
        rest = name[len(prefix) :] if name.startswith(prefix) and name.endswith(share.RECEIPT_SUFFIX) else ""
        if rest.split(".", 1)[0].isdigit():
            found.add(where / name)
    for number in numbers:
        for card in profile.reviewers:
            found.add(share.receipt_path(folder, ref, number, card.ssh_key))
    return sorted(p for p in found if p.is_file() and not p.is_symlink())


def case_files(folder: Path, ref: str, profile: Profile) -> list[Path]:
    """Every file of case ``ref`` in the drop folder ``folder``: each revision file (and a legacy ``REF.zip.age``),
    each one's origin signature, and every receipt; revision files first, highest first."""
    revisions = share.revisions_of(folder, ref)
    out: list[Path] = []
    for f in revisions:
        out.append(f.path)
        sig = f.signature_path
        if sig.is_file() and not sig.is_symlink():
            out.append(sig)
    numbers = sorted({f.number for f in revisions if f.number is not None} | {1})
    return out + _receipts_of(folder, ref, numbers, profile)


def _latest(folder: Path, ref: str, reviewer: Identity, profile: Profile) -> bundle.VerifiedBundle:
    """The case's latest complete revision on the share, verified; refused while a later one is being written."""
    files = share.revisions_of(folder, ref)
    current = next((f for f in files if f.complete), None)
    if current is None:
        raise UsageError(f"{clean_line(folder, limit=300)}: has no complete revision of {ref}")
    writing = next((f for f in files if f.rank > current.rank and not f.complete), None)
    if writing is not None:
        raise ShareError(
            f"{clean_line(writing.path, limit=300)}: revision {writing.rank} of {ref} is being written (or its "
            "writer stopped); nothing was disposed of: try again later, or ask IT to move that file out",
            check="incomplete",
            path=writing.path,
        )
    verified, _digest_hex = share.check_revision(current.path, reviewer, profile)
    return verified


def dispose(
    path: Path,
    verified: bundle.VerifiedBundle,
    reviewer: Identity,
    profile: Profile,
    *,
    reason: DisposalReason,
    note: str = "",
    today: dt.date,
    drop_folder: Path | None = None,
    data_dir: Path | None = None,
) -> Disposed:
    """Dispose of the case whose verified bundle is at ``path``.

    Args:
        path: a revision file of the case (``REF.rN.zip.age``, or a legacy ``REF.zip.age``) in its drop folder;
            every revision file of the case there goes, with their origin signatures and receipts.
        verified: that bundle, verified. The hold and the review date are judged again on the case's latest
            complete revision in the folder (verified here), which may be later than ``path``.
        reviewer: the authorising reviewer (signs the register entry).
        profile: the school profile (rules, signers).
        reason: the reason code; before the review date only :data:`EARLY_REASONS` are accepted.
        note: short text without personal data (required for ``other``).
        today: the date the retention state is judged on.
        drop_folder: the folder whose register records it (default: the bundle's folder).
        data_dir: the reviewer's data folder, whose inbox index forgets the files.

    Raises:
        RetentionError: ``on hold`` or ``not due``.
        RegisterError: the register fails a check, or the reviewer may not sign disposals.
        UsageError: the note holds personal data, or the bundle file is not named for its case.
        ShareError: check ``incomplete``: a later revision of the case is being written (nothing is deleted).
        BundleError: the latest revision fails a check.
    """
    check_may_dispose(verified, profile, today=today, early=reason in EARLY_REASONS)
    parsed = share.parse_bundle_name(path.name)
    if parsed is None or parsed[0] != verified.ref:
        raise UsageError(f"{clean_line(path, limit=300)}: is not named for its case {verified.ref}")
    if reason is DisposalReason.OTHER and not note.strip():
        raise UsageError("the reason 'other' needs a short note (no names)")
    note = register.check_note(note.strip(), _personal_terms(verified))
    folder_of_case = path.parent
    latest = _latest(folder_of_case, verified.ref, reviewer, profile)
    if len(latest.revisions) > len(verified.revisions):
        note = register.check_note(note, _personal_terms(latest))
    state = check_may_dispose(latest, profile, today=today, early=reason in EARLY_REASONS)
    files = case_files(folder_of_case, verified.ref, profile)
    trust = None
    if profile.root is not None and profile.signature is not None:
        signers = profile.allowed_signers_text().encode("utf-8")
        trust = TrustAnchor(profile.root.fingerprint, profile.version, hashlib.sha256(signers).hexdigest())
    rule = policy_of(profile).rule(state.rule)
    disposal = register.Disposal(
        reference=verified.ref,
        files=tuple(_file(p) for p in files),
        item_sha256=tuple(i.sha256 for i in latest.items),
        rule=state.rule,
        rule_text=rule.describe(),
        reason=reason,
        note=note,
        trust=trust,
    )
    folder = register_folder(drop_folder if drop_folder is not None else folder_of_case)
    _keep_signer_list(folder, profile)
    entry = register.append(folder, disposal, reviewer, allowed_signers_of_register(folder, profile))
    removed, left = [], []
    for p in files:
        try:
            os.unlink(p)
            removed.append(p)
        except OSError:
            left.append(p)
    # a revision someone published after the files were listed is not deleted unseen: the caller is told of it
    left += [p for p in case_files(folder_of_case, verified.ref, profile) if p not in left]
    if data_dir is not None:
        forget_in_index(data_dir, [f.sha256 for f in disposal.files], folder_of_case)
    certificate = DisposalCertificate.from_entry(entry, school=profile.school)
    return Disposed(entry, certificate, tuple(removed), tuple(left))


def forget_in_index(data_dir: Path, digests: Sequence[str], drop_folder: Path | None = None) -> None:
    """Drop the inbox index's records of these encrypted files, and (given ``drop_folder``) of every file no longer
    in it: the case's earlier revisions had other digests, and the index cannot tell whose they were. The history
    memory (numbers and digests keyed by a hash of the reference) stays, so a restored copy is still caught."""
    index_path = data_dir / INDEX_FILE_NAME
    if not index_path.exists():
        return
    index = InboxIndex.load(index_path)
    gone = set(digests)
    present = None if drop_folder is None else _present_digests(drop_folder)
    keep = [d for d in index.records if d not in gone and (present is None or d in present)]
    if index.prune(keep):
        with contextlib.suppress(EvidenceError):
            index.save()


def _present_digests(folder: Path) -> set[str]:
    """SHA-256 of every bundle file now in ``folder`` (read in chunks; an unreadable one is skipped)."""
    digests = (_digest(p) for p in folder.glob(f"*{bundle.BUNDLE_SUFFIX}"))
    return {d for d in digests if d is not None}


def disposed_references(drop_folder: Path, profile: Profile) -> tuple[str, ...]:
    """The references the drop folder's register says were disposed of (empty when there is no register).

    Raises:
        RegisterError: the register fails a check (a staff workstation must then not trust it to delete anything).
    """
    folder = register_folder(drop_folder)
    if not folder.is_dir():
        return ()
    report = register.verify_register(folder, allowed_signers_of_register(folder, profile))
    return tuple(v.entry.disposal.reference for v in report.entries)
