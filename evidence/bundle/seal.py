"""From the vault to a sealed bundle on disk, and back again: the workflows behind ``seal`` and ``verify``.

Sealing reads an incident from the vault with the sealer's identity, builds the bag (:mod:`evidence.bundle`),
encrypts it to the profile's reviewers and writes ``REF.zip.age`` plus its origin signature ``REF.zip.age.sig``
atomically into the drop folder (the signature first, so an inbox never sees a bundle without it). Only then is
``sealed`` logged in the vault with the bundle's SHA-256.

What happens to the local copy after a successful seal is one rule, here, for the desktop app and the command line
alike (:func:`seal_and_settle`): it is shredded unless the school profile says to keep it, and the custody log says
which.
"""

from __future__ import annotations

import contextlib
import enum
from dataclasses import dataclass, replace
from pathlib import Path

from evidence import bundle
from evidence.case.custody import Action
from evidence.case.incident import Status
from evidence.case.profile import Profile
from evidence.core.errors import BundleError, EvidenceError, UsageError
from evidence.core.fsutil import atomic_write, sweep_stale_temp_files
from evidence.core.timefmt import utc_now
from evidence.crypto import sshsig
from evidence.crypto.keys import Identity
from evidence.vault.store import Vault


class LocalCopy(enum.Enum):
    """What became of an incident's local copy once its bundle was sealed."""

    KEPT = "kept"
    SHREDDED = "shredded"


@dataclass(frozen=True)
class SealResult:
    """Where the bundle went and how to recognise it.

    Attributes:
        local_copy: what became of the local copy (None when only :func:`seal_incident` ran).
    """

    ref: str
    path: Path
    signature_path: Path
    sha256: str
    item_count: int
    local_copy: LocalCopy | None = None


def snapshot(vault: Vault, ref: str, sealer: Identity, profile: Profile) -> bundle.IncidentSnapshot:
    """Read everything a seal carries from the vault (decrypting with the sealer's key)."""
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
                content=b"" if excluded is not None else vault.item_content(ref, item.seq, keys),
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
            )
        )
    return bundle.IncidentSnapshot(
        ref=ref,
        school=profile.school,
        created_utc=row.created_utc,
        details=details,
        items=items,
        custody=vault.custody(ref, keys),
    )


def seal_incident(
    vault: Vault, ref: str, sealer: Identity, profile: Profile, out_dir: Path, *, when: str | None = None
) -> SealResult:
    """Seal ``ref`` into ``out_dir``; log it; return where it went."""
    if not _may_sign(profile, sealer):
        raise UsageError(f"{sealer.card.principal} is not a signer in the school profile for {profile.school}")
    row = vault.incident(ref)
    if row.status is Status.SHREDDED:
        raise UsageError(f"{ref} was shredded after sealing; its bundle is in the drop folder")
    snap = snapshot(vault, ref, sealer, profile)
    sealed_utc = when or utc_now()
    bag = bundle.build_bag(snap, sealer, sealed_utc, profile=profile)
    zip_bytes = bundle.zip_bag(ref, bag)
    bundle.verify_bag(zip_bytes, profile)  # never hand over a bundle we would not accept ourselves
    ciphertext = bundle.encrypt_bundle(zip_bytes, profile)
    origin = bundle.origin_signature(ciphertext, sealer)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"{out_dir}: cannot create the drop folder: {e.strerror or e}") from e
    sweep_stale_temp_files(out_dir)
    path = out_dir / f"{ref}{bundle.BUNDLE_SUFFIX}"
    sig_path = out_dir / f"{ref}{bundle.ORIGIN_SUFFIX}"
    atomic_write(sig_path, origin, mode=0o644)
    try:
        atomic_write(path, ciphertext, mode=0o644)
    except EvidenceError:
        with contextlib.suppress(OSError):
            sig_path.unlink()  # a failed seal leaves nothing behind: no signature without its bundle
        raise
    digest = bundle.sha256_hex(ciphertext)
    carried = [i for i in snap.items if i.excluded_reason is None]
    vault.log_and_set_status(
        ref,
        Action.SEALED,
        Status.SEALED,
        actor=sealer.card.principal,
        recipients=_recipients(sealer, profile),
        details={
            "bundle": path.name,
            "bundle_sha256": digest,
            "items": len(carried),
            "manifest_sha256": bundle.sha256_hex(bag[bundle.MANIFEST]),
        },
    )
    return SealResult(ref, path, sig_path, digest, len(carried))


def local_copy_rule(profile: Profile) -> LocalCopy:
    """What happens to an incident's local copy after a successful seal: shredded, unless the profile keeps it."""
    return LocalCopy.KEPT if profile.keep_local_after_seal else LocalCopy.SHREDDED


def settle_local_copy(vault: Vault, ref: str, sealer: Identity, profile: Profile) -> LocalCopy:
    """Apply :func:`local_copy_rule` to the sealed incident ``ref``, and log which in its custody.

    Raises:
        VaultError: ``ref`` is not sealed (nothing is shredded then).
    """
    rule = local_copy_rule(profile)
    recipients = _recipients(sealer, profile)
    if rule is LocalCopy.KEPT:
        vault.log(
            ref,
            Action.ANNOTATED,
            actor=sealer.card.principal,
            recipients=recipients,
            details={"what": "local copy kept after sealing, as the school profile asks"},
        )
    else:
        vault.shred(
            ref,
            actor=sealer.card.principal,
            recipients=recipients,
            reason="the school profile keeps no local copy after sealing",
        )
    return rule


def seal_and_settle(
    vault: Vault, ref: str, sealer: Identity, profile: Profile, out_dir: Path, *, when: str | None = None
) -> SealResult:
    """Seal ``ref`` (:func:`seal_incident`), then keep or shred its local copy as the profile says.

    A failed seal shreds nothing.
    """
    result = seal_incident(vault, ref, sealer, profile, out_dir, when=when)
    return replace(result, local_copy=settle_local_copy(vault, ref, sealer, profile))


def _may_sign(profile: Profile, sealer: Identity) -> bool:
    return bool(sshsig.find_principals(profile.signers(), sealer.card.ssh_key, bundle.SEAL_NAMESPACE))


def _recipients(owner: Identity, profile: Profile) -> list[str]:
    out = [owner.card.recipient]
    out += [r for r in profile.reviewer_recipients if r not in out]
    return out


def read_bundle_file(path: Path) -> bytes:
    """Read a bundle file, refusing what cannot be one before reading it all."""
    try:
        size = path.stat().st_size
        if size > bundle.MAX_BUNDLE_BYTES:
            raise BundleError(f"size cap: {path}: larger than {bundle.MAX_BUNDLE_BYTES} bytes", check="size cap")
        return path.read_bytes()
    except OSError as e:
        raise BundleError(f"unreadable: {path}: {e.strerror or e}", check="unreadable") from e


def verify_file(
    path: Path, identity: Identity, profile: Profile | None, *, root_fingerprint: str | None = None
) -> bundle.VerifiedBundle:
    """Open and verify a bundle file; also check its origin signature when one lies beside it.

    ``root_fingerprint`` anchors the check to that school root instead of the one the profile was pinned to; with
    no ``profile`` (someone without a workstation), the origin is checked after decryption against the bundle's
    root-signed signer list.
    """
    ciphertext = read_bundle_file(path)
    sig_path = path.with_name(path.name + ".sig")
    if sig_path.exists() and profile is not None:
        bundle.verify_origin(ciphertext, sig_path.read_bytes(), profile)
    verified = bundle.open_bundle(ciphertext, [identity.age_secret], profile, root_fingerprint=root_fingerprint)
    if sig_path.exists() and profile is None:
        _verify_origin_by_trust_path(verified, ciphertext, sig_path.read_bytes())
    return verified


def _verify_origin_by_trust_path(verified: bundle.VerifiedBundle, ciphertext: bytes, signature: bytes) -> None:
    """The origin signature against the latest signed profile in the (verified, anchored) bundle."""
    path, latest = verified.trust.path, verified.revisions[-1].record.trust
    if path is None or latest is None:
        raise BundleError("origin: no school profile to check the origin signature against", check="origin")
    bundle.verify_origin(ciphertext, signature, path.profiles[latest.profile_version])
