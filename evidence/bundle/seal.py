"""From the vault to a sealed bundle on disk, and back again: the workflows behind ``seal`` and ``verify``.

Sealing reads an incident from the vault with the sealer's identity, plans the bag (:mod:`evidence.bundle`: every
small file and digest first, the images streamed from the vault one at a time as the writer reaches them, each
hashed once against its recorded SHA-256), encrypts it to the profile's reviewers as it streams (into a hidden temp
file in the drop folder: ciphertext only) and publishes it as revision 1, ``REF.r1.zip.age`` plus its origin signature
``REF.r1.zip.age.sig``, through :func:`evidence.bundle.share.publish_seal` (no replace: a reference already on the
share is sealed already; the file is read back and its SHA-256 compared before anything else). Only then is
``sealed`` logged in the vault with the bundle's SHA-256.

What happens to the local copy after a successful seal is one rule, here, for the desktop app and the command line
alike (:func:`seal_and_settle`, :func:`check_deliveries`): it is kept until a reviewer's signed receipt for exactly
that bundle appears in the share's ``receipts/`` folder, then shredded unless the school profile says to keep it,
and the custody log says which.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from evidence import bundle
from evidence.bundle import share, timestamps
from evidence.case.custody import Action
from evidence.case.incident import Status
from evidence.case.profile import Profile
from evidence.core.background import BackgroundSink
from evidence.core.errors import BundleError, SignatureError, UnsafeFileError, UsageError, VaultError
from evidence.core.safefile import open_regular, read_regular
from evidence.core.text import clean_line
from evidence.core.timefmt import utc_now
from evidence.crypto import sshsig
from evidence.crypto.keys import Identity, PublicCard
from evidence.vault import decryptor
from evidence.vault import timestamps as queue
from evidence.vault.decryptor import ContentReader
from evidence.vault.store import DeliveryState, Vault


class LocalCopy(enum.Enum):
    """What became of an incident's local copy once its bundle was sealed."""

    KEPT = "kept"
    SHREDDED = "shredded"
    AWAITING_RECEIPT = "kept until a reviewer's receipt"


@dataclass(frozen=True)
class SealResult:
    """Where the bundle went and how to recognise it.

    Attributes:
        local_copy: what became of the local copy (None when only :func:`seal_incident` ran).
        revision_time: revision 1's trusted time ("Time confirmed by TSA …"), or "no trusted time".
        untimed_items: carried items that travel without a token (their time is the workstation clock only).
    """

    ref: str
    path: Path
    signature_path: Path
    sha256: str
    item_count: int
    local_copy: LocalCopy | None = None
    revision_time: str = timestamps.NO_TRUSTED_TIME
    untimed_items: tuple[int, ...] = ()


def snapshot(
    vault: Vault, ref: str, sealer: Identity, profile: Profile, *, stream: ContentReader | None = None
) -> bundle.IncidentSnapshot:
    """Read everything a seal carries from the vault (decrypting with the sealer's key).

    With ``stream`` (a :meth:`Vault.content_reader`), the items' bytes are not read now: each item gets a ``fetch``
    that reads and decrypts it when the writer reaches it, on the writer's hasher thread (which then checks it
    against the recorded SHA-256).
    """
    keys = [sealer.age_secret]
    row = vault.incident(ref)
    details = vault.details(ref, keys)
    items = []
    for item in vault.items(ref):
        notes = vault.item_notes(ref, item.seq, keys)
        excluded = notes.get("excluded_reason", "(no reason recorded)") if item.excluded else None
        items.append(
            bundle.SealItem(
                seq=item.seq,
                kind=item.kind,
                media_type=item.media_type,
                content=b"" if excluded is not None or stream is not None else vault.item_content(ref, item.seq, keys),
                context=None if excluded is not None else vault.item_context(ref, item.seq, keys),
                sha256=item.sha256,
                pixels_sha256=item.pixels_sha256,
                width=item.width,
                height=item.height,
                size=item.size,
                created_utc=item.created_utc,
                parent_seq=item.parent_seq,
                caption=notes.get("caption", ""),
                excluded_reason=excluded,
                fetch=_item_fetch(stream, ref, item.seq, keys) if stream is not None and excluded is None else None,
            )
        )
    tokens: dict[int, list[timestamps.TokenFile]] = {}
    for stored in vault.timestamp_tokens(ref):
        tokens.setdefault(stored.seq, []).append(timestamps.TokenFile(stored.number, stored.tsr, stored.chain_pem))
    return bundle.IncidentSnapshot(
        ref=ref,
        school=profile.school,
        created_utc=row.created_utc,
        details=details,
        items=items,
        custody=vault.custody(ref, keys),
        item_tokens=tokens,
    )


def _item_fetch(reader: ContentReader, ref: str, seq: int, keys: list[str]) -> Callable[[], bytes]:
    """Decrypt one item when the writer reaches it; the writer hashes it (so the vault does not hash it too)."""
    return lambda: reader.item_content(ref, seq, keys, check_digest=False)


def seal_incident(
    vault: Vault, ref: str, sealer: Identity, profile: Profile, out_dir: Path, *, when: str | None = None
) -> SealResult:
    """Seal ``ref`` into ``out_dir``; log it; return where it went."""
    if not _may_sign(profile, sealer):
        raise UsageError(f"{sealer.card.principal} is not a signer in the school profile for {profile.school}")
    row = vault.incident(ref)
    if row.status is Status.SHREDDED:
        raise UsageError(f"{ref} was shredded after sealing; its bundle is in the drop folder")
    recipients = _recipients(sealer, profile)
    if profile.tsas:  # items still queued are asked once more, briefly; otherwise they travel without a token
        queue.drain(
            vault,
            profile.tsas,
            actor=sealer.card.principal,
            recipients=recipients,
            ref=ref,
            due_only=False,
            untokened_only=True,
            timeout_s=queue.SEAL_TIMEOUT_S,
            budget_s=queue.SEAL_BUDGET_S,
        )
    with contextlib.ExitStack() as readers:  # the images stream from the vault as the writer reaches them
        reader: ContentReader | None = None
        if sum(i.size for i in vault.items(ref) if not i.excluded) >= decryptor.threshold_bytes():
            reader = readers.enter_context(decryptor.process_reader(vault.path, [sealer.age_secret]))
        if reader is None:
            reader = readers.enter_context(vault.content_reader())
        snap = snapshot(vault, ref, sealer, profile, stream=reader)
        sealed_utc = when or utc_now()
        stamp = timestamps.revision_stamper(profile.tsas) if profile.tsas else None
        plan = bundle.plan_bag(snap, sealer, sealed_utc, profile=profile, stamp=stamp)
        published = share.publish_seal(out_dir, ref, plan, sealer, profile)
    path, sig_path, digest = published.path, published.signature_path, published.sha256_hex
    checked = published.verified
    if checked is None:  # publish_seal verifies the bag before it encrypts it
        raise RuntimeError(f"{ref}: the sealed bag was not verified")
    carried = [i for i in snap.items if i.excluded_reason is None]
    untimed = tuple(i.seq for i in carried if not checked.item_times(i.seq))
    details: dict[str, object] = {
        "bundle": path.name,
        "bundle_sha256": digest,
        "items": len(carried),
        "manifest_sha256": bundle.sha256_hex(plan.files[bundle.MANIFEST]),
    }
    if profile.tsas:
        details["trusted_time"] = [
            {"tsa": t.tsa_name, "gen_time": t.gen_time.strftime("%Y-%m-%dT%H:%M:%SZ"), "token": t.number}
            for t in checked.revision_times(1)
        ]
        details["items_without_trusted_time"] = list(untimed)
    vault.log_and_set_status(
        ref, Action.SEALED, Status.SEALED, actor=sealer.card.principal, recipients=recipients, details=details
    )
    vault.drop_timestamp_queue(ref)  # a token arriving now could not join the sealed bundle
    vault.record_sent(ref, str(out_dir), path.name, digest, when=sealed_utc)
    return SealResult(
        ref,
        path,
        sig_path,
        digest,
        len(carried),
        revision_time=checked.revision_time_label(1) if checked.revision_times(1) else timestamps.NO_TRUSTED_TIME,
        untimed_items=untimed,
    )


def local_copy_rule(profile: Profile) -> LocalCopy:
    """What happens to an incident's local copy after a successful seal: shredded, unless the profile keeps it."""
    return LocalCopy.KEPT if profile.keep_local_after_seal else LocalCopy.SHREDDED


def settle_local_copy(vault: Vault, ref: str, sealer: Identity, profile: Profile) -> LocalCopy:
    """After a seal: keep the local copy, as the profile asks, or keep it until a reviewer's receipt arrives.

    Nothing is shredded here (issue 15): a share that quietly failed to keep the file would lose the evidence for
    good. :func:`check_deliveries` shreds the copy once a reviewer's signed receipt for exactly this bundle is on
    the share, unless the profile keeps it. The custody log says which.

    Raises:
        VaultError: ``ref`` is not sealed.
    """
    if vault.incident(ref).status is not Status.SEALED:
        raise VaultError(f"{ref} is not sealed; there is no local copy to settle")
    rule = local_copy_rule(profile)
    recipients = _recipients(sealer, profile)
    what = (
        "local copy kept after sealing, as the school profile asks"
        if rule is LocalCopy.KEPT
        else "local copy kept until a reviewer's signed receipt for the bundle arrives"
    )
    vault.log(ref, Action.ANNOTATED, actor=sealer.card.principal, recipients=recipients, details={"what": what})
    return LocalCopy.KEPT if rule is LocalCopy.KEPT else LocalCopy.AWAITING_RECEIPT


@dataclass(frozen=True)
class DeliveryChange:
    """What :func:`check_deliveries` found for one sealed bundle.

    Attributes:
        ref: the incident.
        state: its delivery's new state.
        receipt: the reviewer's receipt (received only).
        local_copy: what became of the local copy (received only).
    """

    ref: str
    state: DeliveryState
    receipt: share.Receipt | None = None
    local_copy: LocalCopy | None = None


def check_deliveries(vault: Vault, profile: Profile, owner: PublicCard) -> list[DeliveryChange]:
    """Look for reviewers' receipts of the bundles this vault sealed, and check the bundles are still on the share.

    For each bundle awaiting a receipt (or missing): if the file on the share is gone or is no longer the bytes
    written, it is marked missing (the local copy stays; the user is told to seal again or contact IT). If a valid
    receipt signed by a reviewer of ``profile`` names its SHA-256, the receipt is logged in custody ("received by
    NAME at TIME") and the local copy is shredded, unless the profile keeps it. Needs no unlock: only public keys.

    Returns the deliveries whose state changed.
    """
    changes = []
    recipients = [owner.recipient, *[r for r in profile.reviewer_recipients if r != owner.recipient]]
    for d in vault.deliveries():
        if d.state is DeliveryState.RECEIVED:
            continue
        folder = Path(d.folder)
        if share.read_back_digest(folder / d.bundle_name) != d.bundle_sha256:
            if d.state is not DeliveryState.MISSING:
                vault.set_delivery(d.ref, DeliveryState.MISSING)
                vault.log(
                    d.ref,
                    Action.ANNOTATED,
                    actor=owner.principal,
                    recipients=recipients,
                    details={"what": "the bundle on the school share is missing or changed", "bundle": d.bundle_name},
                )
                changes.append(DeliveryChange(d.ref, DeliveryState.MISSING))
            continue
        receipt = share.find_receipt(folder, d.ref, d.bundle_sha256, profile)
        if receipt is None:
            if d.state is DeliveryState.MISSING:  # it is back, whole
                vault.set_delivery(d.ref, DeliveryState.AWAITING)
                changes.append(DeliveryChange(d.ref, DeliveryState.AWAITING))
            continue
        by = f"{receipt.name} <{receipt.principal}>"
        vault.log(
            d.ref,
            Action.ANNOTATED,
            actor=owner.principal,
            recipients=recipients,
            details={
                "what": "received by a reviewer",
                "by": by,
                "received_utc": receipt.received_utc,
                "bundle_sha256": d.bundle_sha256,
            },
        )
        local = LocalCopy.KEPT
        if local_copy_rule(profile) is LocalCopy.SHREDDED and vault.incident(d.ref).status is Status.SEALED:
            vault.shred(
                d.ref,
                actor=owner.principal,
                recipients=recipients,
                reason=f"a reviewer's signed receipt for the bundle arrived ({by})",
            )
            local = LocalCopy.SHREDDED
        name = receipt.name or receipt.principal
        vault.set_delivery(d.ref, DeliveryState.RECEIVED, received_by=name, received_utc=receipt.received_utc)
        changes.append(DeliveryChange(d.ref, DeliveryState.RECEIVED, receipt, local))
    return changes


def seal_and_settle(
    vault: Vault, ref: str, sealer: Identity, profile: Profile, out_dir: Path, *, when: str | None = None
) -> SealResult:
    """Seal ``ref`` (:func:`seal_incident`), then keep its local copy (for good, or until a reviewer's receipt).

    A failed seal shreds nothing; a successful one shreds nothing either until the receipt
    (:func:`check_deliveries`).
    """
    result = seal_incident(vault, ref, sealer, profile, out_dir, when=when)
    return replace(result, local_copy=settle_local_copy(vault, ref, sealer, profile))


def _may_sign(profile: Profile, sealer: Identity) -> bool:
    return bool(sshsig.find_principals(profile.signers(), sealer.card.ssh_key, bundle.SEAL_NAMESPACE))


def _recipients(owner: Identity, profile: Profile) -> list[str]:
    out = [owner.card.recipient]
    out += [r for r in profile.reviewer_recipients if r not in out]
    return out


MAX_SIGNATURE_BYTES = 64 * 1024
"""An origin signature is a few hundred bytes; a larger ``.sig`` is not one and is not read."""


def _bundle_error(e: UnsafeFileError) -> BundleError:
    """An unsafe bundle file as a bundle check: too large is ``size cap``, anything else ``unreadable``."""
    check = "size cap" if e.check == "size cap" else "unreadable"
    return BundleError(f"{check}: {clean_line(str(e), limit=400)}", check=check, member=None)


def open_bundle_file(path: Path) -> BinaryIO:
    """Open a bundle file for reading: a regular file (no FIFO, device or folder) of at most the bundle cap.

    Raises:
        BundleError: check ``unreadable`` (missing, not a regular file, unreadable) or ``size cap``.
    """
    try:
        return open_regular(path, max_bytes=bundle.MAX_BUNDLE_BYTES, what="bundle")
    except UnsafeFileError as e:
        raise _bundle_error(e) from e


def read_bundle_file(path: Path) -> bytes:
    """Read a whole bundle file, refusing what cannot be one before reading it (see :func:`open_bundle_file`)."""
    try:
        return read_regular(path, max_bytes=bundle.MAX_BUNDLE_BYTES, what="bundle")
    except UnsafeFileError as e:
        raise _bundle_error(e) from e


def signature_path_for(path: Path) -> Path:
    """``REF.zip.age`` → ``REF.zip.age.sig`` beside it."""
    return path.with_name(path.name + ".sig")


def read_origin_signature(path: Path) -> bytes:
    """Read the origin signature beside the bundle ``path``: a regular file of at most :data:`MAX_SIGNATURE_BYTES`.

    Raises:
        BundleError: check ``missing origin`` (there is none: the bundle's sender cannot be checked) or ``origin``
            (it is a FIFO, a device, a folder, too large or unreadable).
    """
    sig_path = signature_path_for(path)
    try:
        return read_regular(sig_path, max_bytes=MAX_SIGNATURE_BYTES, what="origin signature")
    except UnsafeFileError as e:
        if e.check == "missing":
            raise BundleError(
                f"missing origin: {clean_line(str(sig_path), limit=400)}: no origin signature beside the bundle, so "
                "who sent it cannot be checked (verify with --no-origin to check the seal alone)",
                check="missing origin",
            ) from e
        raise BundleError(f"origin: {clean_line(str(e), limit=400)}", check="origin") from e


class _HashingReader:
    """Hands a file to the decryptor and hashes what it read, on a second thread (pyrage holds the GIL)."""

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self._sha256 = hashlib.sha256()
        self._hasher = BackgroundSink(self._sha256.update, name="bundle-digest")

    def read(self, size: int = -1) -> bytes:
        data = self._f.read(size)
        self._hasher.write(data)
        return data

    def hexdigest(self) -> str:
        """The SHA-256 of everything read (waits for the hashing thread)."""
        self._hasher.close()
        return self._sha256.hexdigest()

    def abort(self) -> None:
        """Stop the hashing thread (the read failed)."""
        self._hasher.abort()


@dataclass(frozen=True)
class CheckedFile:
    """A bundle file that passed every check.

    Attributes:
        verified: the verified bundle.
        file_sha256_hex: SHA-256 of the encrypted file (the key of the reviewer's inbox index).
        origin: the origin signature's check, or None when it was not checked (``--no-origin``).
    """

    verified: bundle.VerifiedBundle
    file_sha256_hex: str
    origin: bundle.OriginCheck | None


def check_file(
    path: Path,
    identity: Identity,
    profile: Profile | None,
    *,
    require_origin: bool = True,
    root_fingerprint: str | None = None,
) -> CheckedFile:
    """Open and verify a bundle file in bounded memory, its origin signature first.

    The origin signature (``REF.zip.age.sig``) must lie beside it (else check ``missing origin``). With a
    workstation ``profile`` it must verify, by a signer of that profile, before anything is decrypted. Someone
    without a workstation (``profile`` None, anchored by ``root_fingerprint``) has no signer list to check it
    against until the bag's root-signed trust path is checked: the signature is still read (capped) first, and is
    checked after decryption against the signed profile of the bag's latest revision; nothing is returned unless
    it verifies. With ``require_origin=False`` the origin is not checked at all (and the result says so).

    The file is read as a regular file only, capped, hashed for the origin in one pass and decrypted in another,
    and both passes must have seen the same bytes.

    Args:
        root_fingerprint: the school root to anchor to instead of the one the profile was pinned to (``verify
            --root-fingerprint``); required when ``profile`` is None.

    Raises:
        BundleError: naming the check (``unreadable``, ``size cap``, ``missing origin``, ``origin``, ``decrypt``,
            ``trust path``, and every check of :func:`evidence.bundle.open_bundle_stream`).
    """
    signature = read_origin_signature(path) if require_origin else None
    if signature is not None and profile is None:
        try:  # a malformed signature fails before anything is decrypted; its signer is checked after
            sshsig.claimed_key(signature, bundle.ORIGIN_NAMESPACE)
        except SignatureError as e:
            raise BundleError(f"origin: {clean_line(str(e), limit=400)}", check="origin") from e
    with open_bundle_file(path) as f:
        try:
            origin = None
            if signature is not None and profile is not None:
                origin = bundle.verify_origin_stream(f, signature, profile)
                f.seek(0)
            reader = _HashingReader(f)
            try:
                verified = bundle.open_bundle_stream(
                    reader,  # type: ignore[arg-type]
                    [identity.age_secret],
                    profile,
                    root_fingerprint=root_fingerprint,
                    reopen=lambda: open_bundle_file(path),
                )
                digest = reader.hexdigest()
            except BaseException:
                reader.abort()
                raise
            if signature is not None and origin is None:
                f.seek(0)
                origin = bundle.verify_origin_stream(f, signature, _origin_profile(verified))
        except OSError as e:
            raise BundleError(f"unreadable: {clean_line(str(path))}: {e.strerror or e}", check="unreadable") from e
    if origin is not None and origin.file_sha256_hex != digest:
        raise BundleError(f"origin: {clean_line(str(path))}: the file changed while it was being read", check="origin")
    return CheckedFile(verified, digest, origin)


def _origin_profile(verified: bundle.VerifiedBundle) -> Profile:
    """The signed profile of the (verified, anchored) bag's latest revision: who may have signed its origin."""
    path, latest = verified.trust.path, verified.revisions[-1].record.trust
    if path is None or latest is None or not verified.trust.anchored:
        raise BundleError("origin: no school profile to check the origin signature against", check="origin")
    return path.profiles[latest.profile_version]


def verify_file(
    path: Path,
    identity: Identity,
    profile: Profile | None,
    *,
    require_origin: bool = True,
    root_fingerprint: str | None = None,
) -> bundle.VerifiedBundle:
    """Open and verify a bundle file after (or, without a profile, with) its origin signature (:func:`check_file`)."""
    return check_file(
        path, identity, profile, require_origin=require_origin, root_fingerprint=root_fingerprint
    ).verified


def file_sha256(path: Path) -> str | None:
    """SHA-256 (hex) of a bundle file, read in bounded memory; None if it is not a readable regular bundle file."""
    try:
        with open_regular(path, max_bytes=bundle.MAX_BUNDLE_BYTES, what="bundle") as f:
            digest = hashlib.sha256()
            while chunk := f.read(1024 * 1024):
                digest.update(chunk)
            return digest.hexdigest()
    except (UnsafeFileError, OSError):
        return None
