"""Writing revision 1 of a bag, and zipping, encrypting and origin-signing it."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evidence import __version__
from evidence.bundle import safezip
from evidence.bundle.layout import (
    ALLOWED_SIGNERS,
    BAGIT_TXT,
    CUSTODY_JSONL,
    INCIDENT_FORMAT,
    INCIDENT_JSON,
    MANIFEST,
    MEDIA_SUFFIX,
    ORIGIN_NAMESPACE,
    REVISION_FORMAT,
    SEAL_NAMESPACE,
    SIGNATURE,
    TAGMANIFEST,
    VERIFY_TXT,
    allowed_signers_text,
    bag_info,
    manifest_text,
    pretty_json,
    revision_manifest_path,
    revision_signature_path,
    sha256_hex,
    signer_json,
    verify_txt,
)
from evidence.case.custody import CustodyEntry, to_jsonl
from evidence.case.incident import check_ref
from evidence.case.profile import Profile
from evidence.core.errors import DigestMismatchError, UsageError
from evidence.crypto import ageio, sshsig
from evidence.crypto.keys import Identity


@dataclass(frozen=True)
class SealItem:
    """One item as it goes into the bag.

    Attributes:
        seq: the item's number in the incident.
        kind: captured, received or derived.
        media_type: image/png or image/jpeg.
        content: the original bytes (empty for an excluded item, which is listed but not carried).
        context: the capture or receipt context.
        meta: plain facts (sha256, pixels_sha256, width, height, size, created_utc, parent_seq, caption).
        excluded_reason: why it was left out, or None.
    """

    seq: int
    kind: str
    media_type: str
    content: bytes
    context: Mapping[str, Any]
    meta: Mapping[str, Any]
    excluded_reason: str | None = None

    @property
    def file_name(self) -> str:
        """``data/items/NNN.png``."""
        return f"data/items/{self.seq:03d}.{MEDIA_SUFFIX[self.media_type]}"

    @property
    def context_name(self) -> str:
        """``data/items/NNN.context.json``."""
        return f"data/items/{self.seq:03d}.context.json"


@dataclass(frozen=True)
class IncidentSnapshot:
    """Everything about one incident that a seal carries."""

    ref: str
    school: str
    created_utc: str
    details: Mapping[str, Any]
    items: Sequence[SealItem]
    custody: Sequence[CustodyEntry]


def build_bag(snapshot: IncidentSnapshot, sealer: Identity, sealed_utc: str) -> dict[str, bytes]:
    """Build revision 1 of the bag: bag-relative name → bytes. Pure: same inputs, same bytes."""
    check_ref(snapshot.ref)
    if not snapshot.custody:
        raise UsageError(f"{snapshot.ref}: has no custody log; refusing to seal")
    payload: dict[str, bytes] = {}
    item_list, excluded = [], []
    for item in sorted(snapshot.items, key=lambda i: i.seq):
        if item.excluded_reason is not None:
            excluded.append({"seq": item.seq, "reason": item.excluded_reason, **dict(item.meta)})
            continue
        if sha256_hex(item.content) != item.meta.get("sha256"):
            raise DigestMismatchError(
                f"{snapshot.ref}/{item.seq}: content does not match its recorded SHA-256",
                subject=f"{snapshot.ref}/{item.seq}",
            )
        payload[item.file_name] = item.content
        payload[item.context_name] = pretty_json(dict(item.context))
        item_list.append(
            {
                "seq": item.seq,
                "kind": item.kind,
                "media_type": item.media_type,
                "file": item.file_name,
                "context": item.context_name,
                **dict(item.meta),
            }
        )
    payload[INCIDENT_JSON] = pretty_json(
        {
            "format": INCIDENT_FORMAT,
            "ref": snapshot.ref,
            "school": snapshot.school,
            "created_utc": snapshot.created_utc,
            "details": dict(snapshot.details),
            "items": item_list,
            "excluded": excluded,
        }
    )
    payload[CUSTODY_JSONL] = to_jsonl(snapshot.custody)
    revision = {
        "format": REVISION_FORMAT,
        "revision": 1,
        "action": "sealed",
        "software": f"Evidence Capture {__version__}",
        "signer": signer_json(sealer.card),
        "time_utc": sealed_utc,
        "previous": None,
        "custody_head": snapshot.custody[-1].hash,
        "files": sorted([*payload, "data/revisions/1.json"]),
    }
    payload["data/revisions/1.json"] = pretty_json(revision)
    return finish_revision(snapshot.ref, snapshot.school, payload, {}, [revision], sealer, sealed_utc)


def finish_revision(
    ref: str,
    school: str,
    payload: dict[str, bytes],
    earlier_seal: Mapping[str, bytes],
    revisions: Sequence[Mapping[str, Any]],
    signer: Identity,
    when: str,
) -> dict[str, bytes]:
    k = len(revisions)
    manifest = manifest_text(payload)
    signature = sshsig.sign(signer.signing_key, manifest, SEAL_NAMESPACE).encode("ascii")
    tags: dict[str, bytes] = dict(earlier_seal)
    tags[revision_manifest_path(k)] = manifest
    tags[revision_signature_path(k)] = signature
    tags["bagit.txt"] = BAGIT_TXT
    software = str(revisions[-1].get("software", ""))
    tags["bag-info.txt"] = bag_info(ref, school, signer.card.name, signer.card.principal, when, payload, k, software)
    tags[MANIFEST] = manifest
    tags[SIGNATURE] = signature
    tags[ALLOWED_SIGNERS] = allowed_signers_text(revisions)
    tags[VERIFY_TXT] = verify_txt(ref, revisions)
    tags[TAGMANIFEST] = "".join(f"{sha256_hex(tags[n])}  {n}\n" for n in sorted(tags)).encode("utf-8")
    return {**payload, **tags}


def zip_bag(ref: str, bag: Mapping[str, bytes]) -> bytes:
    """The deterministic zip of a bag, under the top directory ``REF/``."""
    out = io.BytesIO()
    safezip.write_zip(((f"{ref}/{name}", bag[name]) for name in sorted(bag)), out)
    return out.getvalue()


def encrypt_bundle(zip_bytes: bytes, profile: Profile) -> bytes:
    """Encrypt the zip to the profile's reviewers (and nobody else)."""
    return ageio.encrypt(zip_bytes, profile.reviewer_recipients)


def origin_signature(ciphertext: bytes, signer: Identity) -> bytes:
    """The detached SSHSIG over the encrypted bundle (``REF.zip.age.sig``)."""
    return sshsig.sign(signer.signing_key, ciphertext, ORIGIN_NAMESPACE).encode("ascii")
