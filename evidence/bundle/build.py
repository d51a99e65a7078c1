"""Writing revision 1 of a bag, and zipping, encrypting and origin-signing it.

A bag sealed under a profile signed by a school root carries that profile (its trust path,
:mod:`evidence.bundle.trust`), and revision 1's record binds it; a profile of a data folder from before school
roots (format 1) gives a bag without one, as the first release wrote.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from evidence import __version__
from evidence.bundle import safezip, timestamps
from evidence.bundle import trust as trustpath
from evidence.bundle.layout import (
    ALLOWED_SIGNERS,
    BAGIT_TXT,
    CUSTODY_JSONL,
    INCIDENT_JSON,
    MANIFEST,
    MEDIA_SUFFIX,
    ORIGIN_NAMESPACE,
    SEAL_NAMESPACE,
    SIGNATURE,
    TAGMANIFEST,
    VERIFY_TXT,
    allowed_signers_text,
    bag_info_sizes,
    manifest_from_digests,
    pretty_json,
    revision_manifest_path,
    revision_signature_path,
    sha256_hex,
    trust_allowed_signers_path,
    verify_txt,
)
from evidence.bundle.records import BundleItem, ExcludedItem, IncidentRecord, RevisionRecord, Signer
from evidence.capture.items import ItemContext, ItemKind, check_context
from evidence.case.custody import CustodyEntry, to_jsonl
from evidence.case.incident import IncidentDetails, check_ref
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
        media_type: one of :data:`evidence.capture.items.MEDIA_TYPES`.
        content: the original bytes (empty for an excluded item, which is listed but not carried).
        context: the item's context record (None for an excluded item).
        sha256, pixels_sha256, width, height, size, created_utc, parent_seq: the plain facts the vault keeps.
        caption: the staff member's caption ("" if none).
        excluded_reason: why it was left out, or None.
        fetch: for a streaming seal, gives the original bytes when the writer reaches the item (``content`` is then
            empty); they are hashed as they pass and must be the ``size`` bytes that ``sha256`` names.
    """

    seq: int
    kind: ItemKind
    media_type: str
    content: bytes = field(repr=False)
    context: ItemContext | None
    sha256: str
    pixels_sha256: str | None
    width: int | None
    height: int | None
    size: int
    created_utc: str
    parent_seq: int | None
    caption: str = ""
    excluded_reason: str | None = None
    fetch: Callable[[], bytes] | None = field(default=None, repr=False, compare=False)

    @property
    def file_name(self) -> str:
        """``data/items/NNN.png``."""
        return f"data/items/{self.seq:03d}.{MEDIA_SUFFIX[self.media_type]}"

    @property
    def context_name(self) -> str:
        """``data/items/NNN.context.json``."""
        return f"data/items/{self.seq:03d}.context.json"

    def bundle_item(self, ref: str) -> BundleItem:
        """The item's entry in ``data/incident.json``."""
        return BundleItem(
            ref=ref,
            seq=self.seq,
            kind=self.kind,
            media_type=self.media_type,
            file=self.file_name,
            context_name=self.context_name,
            sha256=self.sha256,
            pixels_sha256=self.pixels_sha256,
            width=self.width,
            height=self.height,
            size=self.size,
            created_utc=self.created_utc,
            parent_seq=self.parent_seq,
            caption=self.caption,
        )

    def excluded_item(self) -> ExcludedItem:
        """The item's entry in the ``excluded`` list."""
        return ExcludedItem(
            seq=self.seq,
            reason=self.excluded_reason or "",
            sha256=self.sha256,
            pixels_sha256=self.pixels_sha256,
            width=self.width,
            height=self.height,
            size=self.size,
            created_utc=self.created_utc,
            parent_seq=self.parent_seq,
            caption=self.caption,
        )


@dataclass(frozen=True)
class IncidentSnapshot:
    """Everything about one incident that a seal carries.

    Attributes:
        item_tokens: item N → its RFC 3161 tokens from the vault (items without one travel without).
    """

    ref: str
    school: str
    created_utc: str
    details: IncidentDetails
    items: Sequence[SealItem]
    custody: Sequence[CustodyEntry]
    item_tokens: Mapping[int, Sequence[timestamps.TokenFile]] = field(default_factory=dict)


@dataclass(frozen=True)
class StreamedFile:
    """A payload file the writer fetches when it reaches it: its recorded size and SHA-256, and how to get it.

    The bytes are hashed as they pass into the zip; any other bytes abort the write (:class:`DigestMismatchError`).
    """

    size: int
    sha256_hex: str
    fetch: Callable[[], bytes] = field(repr=False)
    subject: str
    peek: Callable[[], bytes] | None = field(default=None, repr=False)
    """Fetches the same bytes out of order, for a check that needs one image before the writer runs (a redacted
    copy is compared with its original when a plan is checked); None where there is no such way."""


@dataclass(frozen=True)
class BagPlan:
    """A whole bag before it is written: every small file in memory, the images as :class:`StreamedFile`.

    Every tag file is derived from the recorded sizes and digests, so the plan is complete before a byte of an image
    is read (the zip is in name order: ``VERIFY.txt`` and ``bag-info.txt`` before ``data/…``, the manifests and
    ``seal/…`` after).
    """

    ref: str
    files: Mapping[str, bytes] = field(repr=False)
    streamed: Mapping[str, StreamedFile] = field(repr=False)

    def names(self) -> list[str]:
        """Every bag-relative name, sorted (the zip's order)."""
        return sorted([*self.files, *self.streamed])

    def size(self, name: str) -> int:
        """The size of one file."""
        return len(self.files[name]) if name in self.files else self.streamed[name].size

    def sha256_hex(self, name: str) -> str:
        """The SHA-256 of one file (recorded, for a streamed one)."""
        return sha256_hex(self.files[name]) if name in self.files else self.streamed[name].sha256_hex

    def materialize(self) -> dict[str, bytes]:
        """The whole bag in memory (each streamed file fetched and checked)."""
        return {
            name: self.files[name] if name in self.files else _fetch_checked(self.streamed[name])
            for name in self.names()
        }


def _constant(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def _fetch_checked(f: StreamedFile) -> bytes:
    data = f.fetch()
    if len(data) != f.size or hashlib.sha256(data).hexdigest() != f.sha256_hex:
        raise DigestMismatchError(f"{f.subject}: content does not match its recorded SHA-256", subject=f.subject)
    return data


def build_bag(
    snapshot: IncidentSnapshot,
    sealer: Identity,
    sealed_utc: str,
    *,
    profile: Profile | None = None,
    stamp: timestamps.Stamper | None = None,
) -> dict[str, bytes]:
    """Build revision 1 of the bag: bag-relative name → bytes. Pure without ``stamp``: same inputs, same bytes.

    Each item's tokens go in as ``data/items/NNN.tsa…`` files; ``stamp`` asks for tokens over revision 1's manifest
    (:func:`evidence.bundle.timestamps.revision_stamper`), and whatever it returns goes in as tag files.

    With a ``profile`` signed by a school root, the bag carries it as its trust path and revision 1's record binds
    it; without one (or with a format-1 profile), the bag has no trust path.

    Raises:
        DigestMismatchError: an item's bytes are not the ones its SHA-256 names.
        UsageError: the incident has no custody log, or a carried item has no context.
    """
    return plan_bag(snapshot, sealer, sealed_utc, profile=profile, stamp=stamp).materialize()


def plan_bag(
    snapshot: IncidentSnapshot,
    sealer: Identity,
    sealed_utc: str,
    *,
    profile: Profile | None = None,
    stamp: timestamps.Stamper | None = None,
) -> BagPlan:
    """Plan revision 1 of the bag (:func:`build_bag`) without holding the images: see :class:`BagPlan`.

    An item given with its ``content`` is checked against its SHA-256 now; one given with a ``fetch`` when the
    writer reaches it. The item tokens are small payload files and the revision tokens need only the manifest
    (``stamp``), so they are part of the plan before a byte of an image is read.

    Raises:
        DigestMismatchError: an item's bytes are not the ones its SHA-256 names.
        UsageError: the incident has no custody log, or a carried item has no context.
    """
    check_ref(snapshot.ref)
    if not snapshot.custody:
        raise UsageError(f"{snapshot.ref}: has no custody log; refusing to seal")
    payload: dict[str, bytes] = {}
    streamed: dict[str, StreamedFile] = {}
    items: list[BundleItem] = []
    excluded: list[ExcludedItem] = []
    for item in sorted(snapshot.items, key=lambda i: i.seq):
        if item.excluded_reason is not None:
            excluded.append(item.excluded_item())
            continue
        subject = f"{snapshot.ref}/{item.seq}"
        if item.fetch is None and sha256_hex(item.content) != item.sha256:
            raise DigestMismatchError(f"{subject}: content does not match its recorded SHA-256", subject=subject)
        if item.context is None:
            raise UsageError(f"{snapshot.ref}/{item.seq}: has no context; refusing to seal")
        check_context(item.kind, item.context)
        if item.fetch is None:
            content = item.content
            streamed[item.file_name] = StreamedFile(
                len(content), item.sha256, _constant(content), subject, peek=_constant(content)
            )
        else:
            streamed[item.file_name] = StreamedFile(item.size, item.sha256, item.fetch, subject, peek=item.fetch)
        payload[item.context_name] = pretty_json(item.context.to_json_dict())
        tokens = snapshot.item_tokens.get(item.seq, ())
        binding = timestamps.binding_for(item.seq, item.sha256, item.pixels_sha256, snapshot.custody)
        if binding is not None:
            payload.update(timestamps.item_files(item.seq, binding, tokens))
        items.append(item.bundle_item(snapshot.ref))
    incident = IncidentRecord(
        snapshot.ref, snapshot.school, snapshot.created_utc, snapshot.details, tuple(items), tuple(excluded)
    )
    payload[INCIDENT_JSON] = pretty_json(incident.to_json_dict())
    payload[CUSTODY_JSONL] = to_jsonl(snapshot.custody)
    signed = profile is not None and profile.signature is not None
    trust_files = trustpath.trust_files(profile) if profile is not None and signed else {}
    revision = RevisionRecord(
        revision=1,
        action="sealed",
        software=f"Evidence Capture {__version__}",
        signer=Signer.from_card(sealer.card),
        time_utc=sealed_utc,
        previous=None,
        custody_head=snapshot.custody[-1].hash,
        files=tuple(sorted([*payload, *streamed, "data/revisions/1.json"])),
        trust=trustpath.trust_ref(profile) if profile is not None and signed else None,
    )
    payload["data/revisions/1.json"] = pretty_json(revision.to_json_dict())
    digests = {name: sha256_hex(data) for name, data in payload.items()}
    digests.update({name: f.sha256_hex for name, f in streamed.items()})
    sizes = [len(d) for d in payload.values()] + [f.size for f in streamed.values()]
    tags = derive_tags(
        snapshot.ref,
        snapshot.school,
        digests,
        sizes,
        trust_files,
        [revision],
        sealer,
        sealed_utc,
        stamp=stamp,
        held_payload=payload,
    )
    return BagPlan(snapshot.ref, {**payload, **tags}, streamed)


def finish_revision(
    ref: str,
    school: str,
    payload: dict[str, bytes],
    earlier_seal: Mapping[str, bytes],
    revisions: Sequence[RevisionRecord],
    signer: Identity,
    when: str,
    *,
    stamp: timestamps.Stamper | None = None,
) -> dict[str, bytes]:
    """Sign revision ``len(revisions)`` over ``payload`` and derive every tag file; return the whole bag.

    ``stamp`` (if given) is asked for RFC 3161 tokens over the new manifest; they become
    ``seal/revisions/K/tsa-J.tsr`` and ``.chain.pem`` tag files, and ``VERIFY.txt`` gives the command for each.

    ``earlier_seal`` holds the tag files that stay: earlier revisions' manifests and signatures, and the trust path
    (``seal/trust/…``) including the latest revision's profile version.
    """
    digests = {name: sha256_hex(data) for name, data in payload.items()}
    sizes = [len(data) for data in payload.values()]
    tags = derive_tags(
        ref, school, digests, sizes, earlier_seal, revisions, signer, when, stamp=stamp, held_payload=payload
    )
    return {**payload, **tags}


def derive_tags(
    ref: str,
    school: str,
    payload_digests: Mapping[str, str],
    payload_sizes: Sequence[int],
    earlier_seal: Mapping[str, bytes],
    revisions: Sequence[RevisionRecord],
    signer: Identity,
    when: str,
    *,
    stamp: timestamps.Stamper | None = None,
    held_payload: Mapping[str, bytes] | None = None,
) -> dict[str, bytes]:
    """Sign revision ``len(revisions)`` over the payload (each file's SHA-256 and size) and derive every tag file.

    Returns the tag files only (``bagit.txt``, ``bag-info.txt``, the manifests, the signatures, the signer list,
    the revision's RFC 3161 tokens from ``stamp``, ``VERIFY.txt``, the tag manifest, and ``earlier_seal``);
    :func:`finish_revision` is this over bytes in memory. ``held_payload`` holds the payload files in memory (at
    least the item tokens ``data/items/NNN.tsa…``, whose ``openssl`` commands ``VERIFY.txt`` gives; the images,
    which carry no token, need not be there).
    """
    k = len(revisions)
    manifest = manifest_from_digests(payload_digests)
    signature = sshsig.sign(signer.signing_key, manifest, SEAL_NAMESPACE).encode("ascii")
    tags: dict[str, bytes] = dict(earlier_seal)
    tags[revision_manifest_path(k)] = manifest
    tags[revision_signature_path(k)] = signature
    if stamp is not None:
        tags.update(timestamps.revision_files(k, stamp(manifest)))
    tags["bagit.txt"] = BAGIT_TXT
    software = revisions[-1].software
    latest = revisions[-1].signer  # as the verifier derives it: from the signed record
    tags["bag-info.txt"] = bag_info_sizes(ref, school, latest.name, latest.principal, when, payload_sizes, k, software)
    tags[MANIFEST] = manifest
    tags[SIGNATURE] = signature
    latest_trust = revisions[-1].trust
    if latest_trust is not None:
        tags[ALLOWED_SIGNERS] = tags[trust_allowed_signers_path(latest_trust.profile_version)]
    else:
        tags[ALLOWED_SIGNERS] = allowed_signers_text(revisions)
    tags[VERIFY_TXT] = verify_txt(ref, revisions, timestamps.verify_txt_lines({**(held_payload or {}), **tags}))
    tags[TAGMANIFEST] = "".join(f"{sha256_hex(tags[n])}  {n}\n" for n in sorted(tags)).encode("utf-8")
    return tags


def zip_bag(ref: str, bag: Mapping[str, bytes] | BagPlan) -> bytes:
    """The deterministic zip of a bag (or of a plan, fetched whole), under the top directory ``REF/``, in memory."""
    if isinstance(bag, BagPlan):
        bag = bag.materialize()
    out = io.BytesIO()
    safezip.write_zip(((f"{ref}/{name}", bag[name]) for name in sorted(bag)), out)
    return out.getvalue()


def encrypt_bundle(zip_bytes: bytes, profile: Profile) -> bytes:
    """Encrypt the zip to the profile's reviewers (and nobody else)."""
    return ageio.encrypt(zip_bytes, profile.reviewer_recipients)


def origin_signature(ciphertext: bytes, signer: Identity) -> bytes:
    """The detached SSHSIG over the encrypted bundle (``REF.zip.age.sig``)."""
    return sshsig.sign(signer.signing_key, ciphertext, ORIGIN_NAMESPACE).encode("ascii")
