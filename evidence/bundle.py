"""The sealed bundle: a BagIt 1.0 bag in a deterministic ZIP_STORED zip, signed with SSHSIG, encrypted with age.

Layout (docs/FORMAT.md is normative; ``REF`` is the incident reference and the bag's top directory)::

    REF/bagit.txt, REF/bag-info.txt, REF/manifest-sha256.txt, REF/tagmanifest-sha256.txt, REF/VERIFY.txt
    REF/data/incident.json                 the incident form and the item list
    REF/data/items/NNN.png|jpg             each original, byte for byte as captured or received
    REF/data/items/NNN.context.json        how, when and where it was made
    REF/data/custody.jsonl                 the custody chain up to sealing
    REF/data/revisions/K.json              who made revision K, when, and what it binds
    REF/data/custody-rK.jsonl, data/reviews/…   files added by revision K > 1
    REF/seal/revisions/K/manifest-sha256.txt(.sig)   every revision's manifest and signature, kept for ever
    REF/seal/manifest-sha256.txt.sig       the latest signature (over the root manifest)
    REF/seal/allowed_signers               every signer, for ``ssh-keygen -Y verify``

Revisions are append-only. Revision K's manifest lists every payload file of revision K-1 with the same digest
(so ``sha256sum -c seal/revisions/1/manifest-sha256.txt`` still passes after any later revision) plus its own new
files, one of which, ``data/revisions/K.json``, names the digest of the previous manifest and signature.

The reader trusts nothing: the zip is parsed by :mod:`evidence.safezip` (no extractall, strict layout), and
every check runs in a fixed order, stopping at the first failure with its own ``check`` name.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from evidence import __version__, ageio, safezip, sshsig
from evidence.custody import CustodyEntry, parse_jsonl, to_jsonl, verify_chain
from evidence.errors import (
    AgeFormatError,
    BundleError,
    CustodyError,
    DecryptionError,
    EvidenceError,
    SignatureError,
    UsageError,
)
from evidence.incident import check_ref
from evidence.keys import Identity, PublicCard
from evidence.profile import Profile
from evidence.sshsig import AllowedSigner

SEAL_NAMESPACE = "evidence-capture-seal-v1"
"""SSHSIG namespace of every manifest signature."""
ORIGIN_NAMESPACE = "evidence-capture-origin-v1"
"""SSHSIG namespace of the detached signature over the encrypted bundle (``REF.zip.age.sig``)."""
BUNDLE_SUFFIX = ".zip.age"
ORIGIN_SUFFIX = ".zip.age.sig"
INCIDENT_FORMAT = "evidence-capture-incident/1"
REVISION_FORMAT = "evidence-capture-revision/1"
MAX_BUNDLE_BYTES = 2 * 1024**3

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
SIGNATURE = "seal/manifest-sha256.txt.sig"
ALLOWED_SIGNERS = "seal/allowed_signers"
VERIFY_TXT = "VERIFY.txt"
INCIDENT_JSON = "data/incident.json"
CUSTODY_JSONL = "data/custody.jsonl"
TAG_FILES = ("bagit.txt", "bag-info.txt", MANIFEST, TAGMANIFEST, VERIFY_TXT, SIGNATURE, ALLOWED_SIGNERS)
MEDIA_SUFFIX = {"image/png": "png", "image/jpeg": "jpg"}

_MANIFEST_LINE = re.compile(r"^([0-9a-f]{64})  (data/[A-Za-z0-9._/-]+)$")
_REVISION_DIR = re.compile(r"^seal/revisions/([1-9][0-9]*)/(manifest-sha256\.txt|manifest-sha256\.txt\.sig)$")


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256."""
    return hashlib.sha256(data).hexdigest()


def revision_manifest_path(k: int) -> str:
    """Where revision ``k``'s manifest is kept."""
    return f"seal/revisions/{k}/{MANIFEST}"


def revision_signature_path(k: int) -> str:
    """Where revision ``k``'s signature is kept."""
    return f"seal/revisions/{k}/{MANIFEST}.sig"


def pretty_json(value: Any) -> bytes:
    """Deterministic, human-readable JSON (sorted keys, two-space indent, LF, final newline)."""
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# -- the incident snapshot that goes into a bag -------------------------------------------------------------------


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


# -- building ------------------------------------------------------------------------------------------------------


def _manifest_text(files: Mapping[str, bytes]) -> bytes:
    lines = [f"{sha256_hex(files[name])}  {name}\n" for name in sorted(files)]
    return "".join(lines).encode("utf-8")


def _bag_info(
    ref: str, school: str, name: str, principal: str, when: str, payload: Mapping[str, bytes], k: int, software: str
) -> bytes:
    octets = sum(len(v) for v in payload.values())
    lines = [
        f"Source-Organization: {school}",
        f"External-Identifier: {ref}",
        f"Bagging-Date: {when[:10]}",
        f"Bag-Software-Agent: {software}",
        f"Contact-Name: {name}",
        f"Contact-Email: {principal}",
        f"Payload-Oxum: {octets}.{len(payload)}",
        f"Bag-Group-Identifier: {ref}",
        f"Internal-Sender-Identifier: {ref} revision {k}",
        f"Internal-Sender-Description: Sealed evidence bundle, revision {k}, signed by {principal} at {when}",
    ]
    return ("\n".join(_tag_safe(line) for line in lines) + "\n").encode("utf-8")


def _tag_safe(line: str) -> str:
    return " ".join(line.split())


def _verify_txt(ref: str, revisions: Sequence[Mapping[str, Any]]) -> bytes:
    latest = revisions[-1]["signer"]["principal"]
    out = [
        f"How to check this evidence bundle ({ref}) with standard tools only",
        "=" * 72,
        "",
        "1. Decrypt and unpack (you will be asked for the passphrase of your identity file):",
        "",
        f"     age -d -i YOUR.identity.age -o {ref}.zip {ref}{BUNDLE_SUFFIX}",
        f"     unzip {ref}.zip && cd {ref}",
        "",
        "2. Check every evidence file against the manifest (each line must say OK):",
        "",
        f"     sha256sum -c {MANIFEST}",
        f"     sha256sum -c {TAGMANIFEST}",
        "",
        "3. Check the seal (the latest signature over the manifest):",
        "",
        f"     ssh-keygen -Y verify -f {ALLOWED_SIGNERS} -I {latest} -n {SEAL_NAMESPACE} \\",
        f"       -s {SIGNATURE} < {MANIFEST}",
        "",
        "4. Check every revision: its signature, and that its files are unchanged today:",
        "",
    ]
    for rev in revisions:
        k, who = rev["revision"], rev["signer"]["principal"]
        out += [
            f"     # revision {k}, signed by {rev['signer']['name']} <{who}> ({rev['signer']['fingerprint']})",
            f"     ssh-keygen -Y verify -f {ALLOWED_SIGNERS} -I {who} -n {SEAL_NAMESPACE} \\",
            f"       -s {revision_signature_path(k)} < {revision_manifest_path(k)}",
            f"     sha256sum -c {revision_manifest_path(k)}",
            "",
        ]
    out += [
        "5. The signers' fingerprints, to compare with what the school gave you:",
        "",
        f"     cut -d' ' -f3- {ALLOWED_SIGNERS} | ssh-keygen -lf -",
        "",
        "6. Who produced the encrypted file you received (its detached signature lies beside it):",
        "",
        f"     ssh-keygen -Y verify -f {ALLOWED_SIGNERS} -I {revisions[-1]['signer']['principal']} "
        f"-n {ORIGIN_NAMESPACE} \\",
        f"       -s ../{ref}{ORIGIN_SUFFIX} < ../{ref}{BUNDLE_SUFFIX}",
        "",
        "The custody log is data/custody.jsonl (then data/custody-rK.jsonl per revision): each line's hash is the",
        "SHA-256 of the line's JSON without its hash field, in canonical form, and links to the line before.",
        "The format is specified in FORMAT.md of Evidence Capture.",
    ]
    return ("\n".join(out) + "\n").encode("utf-8")


def _allowed_signers(revisions: Sequence[Mapping[str, Any]]) -> bytes:
    seen: dict[tuple[str, str], AllowedSigner] = {}
    for rev in revisions:
        signer = rev["signer"]
        key = sshsig.parse_public_key_line(signer["ssh"])
        seen.setdefault(
            (signer["principal"], signer["fingerprint"]),
            AllowedSigner(signer["principal"], key, (SEAL_NAMESPACE, ORIGIN_NAMESPACE)),
        )
    return sshsig.format_allowed_signers(seen.values()).encode("utf-8")


def _signer_json(card: PublicCard) -> dict[str, Any]:
    return {
        "name": card.name,
        "principal": card.principal,
        "role": card.role.value,
        "age": card.recipient,
        "ssh": sshsig.public_key_line(card.ssh_key),
        "fingerprint": card.fingerprint,
    }


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
            raise UsageError(f"{snapshot.ref}/{item.seq}: content does not match its recorded SHA-256")
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
        "signer": _signer_json(sealer.card),
        "time_utc": sealed_utc,
        "previous": None,
        "custody_head": snapshot.custody[-1].hash,
        "files": sorted([*payload, "data/revisions/1.json"]),
    }
    payload["data/revisions/1.json"] = pretty_json(revision)
    return _finish_revision(snapshot.ref, snapshot.school, payload, {}, [revision], sealer, sealed_utc)


def _finish_revision(
    ref: str,
    school: str,
    payload: dict[str, bytes],
    earlier_seal: Mapping[str, bytes],
    revisions: Sequence[Mapping[str, Any]],
    signer: Identity,
    when: str,
) -> dict[str, bytes]:
    k = len(revisions)
    manifest = _manifest_text(payload)
    signature = sshsig.sign(signer.signing_key, manifest, SEAL_NAMESPACE).encode("ascii")
    tags: dict[str, bytes] = dict(earlier_seal)
    tags[revision_manifest_path(k)] = manifest
    tags[revision_signature_path(k)] = signature
    tags["bagit.txt"] = BAGIT_TXT
    software = str(revisions[-1].get("software", ""))
    tags["bag-info.txt"] = _bag_info(ref, school, signer.card.name, signer.card.principal, when, payload, k, software)
    tags[MANIFEST] = manifest
    tags[SIGNATURE] = signature
    tags[ALLOWED_SIGNERS] = _allowed_signers(revisions)
    tags[VERIFY_TXT] = _verify_txt(ref, revisions)
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


# -- reading and verifying -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Revision:
    """One verified revision."""

    number: int
    action: str
    signer_name: str
    signer_principal: str
    signer_fingerprint: str
    time_utc: str
    files: tuple[str, ...]
    record: Mapping[str, Any]


@dataclass(frozen=True)
class VerifiedBundle:
    """A bundle that passed every check. Only this type ever carries a bundle's plaintext to callers.

    Attributes:
        ref: the incident reference.
        bag: bag-relative name → bytes.
        revisions: every revision, oldest first.
        incident: the parsed ``data/incident.json``.
        custody: the whole chain (sealing plus every revision's entries).
        zip_bytes: the decrypted zip, byte for byte.
    """

    ref: str
    bag: Mapping[str, bytes]
    revisions: tuple[Revision, ...]
    incident: Mapping[str, Any]
    custody: tuple[CustodyEntry, ...]
    zip_bytes: bytes = field(repr=False)

    @property
    def sealer(self) -> Revision:
        """Revision 1: who sealed it."""
        return self.revisions[0]

    @property
    def items(self) -> list[Mapping[str, Any]]:
        """The incident's items as listed in incident.json."""
        return list(self.incident["items"])

    def summary(self) -> str:
        """One line for the CLI and the verdict banner."""
        s = self.sealer
        return (
            f"Verified: {self.ref} sealed by {s.signer_name} <{s.signer_principal}> ({s.signer_fingerprint}) "
            f"on {s.time_utc}, {len(self.items)} items, custody chain intact ({len(self.custody)} entries), "
            f"{len(self.revisions)} revision{'s' if len(self.revisions) != 1 else ''}"
        )


def _fail(check: str, message: str, member: str | None = None) -> BundleError:
    where = f"{member}: " if member else ""
    return BundleError(f"{check}: {where}{message}", check=check, member=member)


def decrypt_bundle(ciphertext: bytes, identities: Sequence[str]) -> bytes:
    """Decrypt the outer age layer; unverified plaintext never leaves this module except via verify.

    Raises:
        BundleError: check ``decrypt`` (damaged) or ``unreadable`` (not an age file, or not addressed to us).
    """
    if len(ciphertext) > MAX_BUNDLE_BYTES:
        raise _fail("size cap", f"bundle is larger than {MAX_BUNDLE_BYTES} bytes")
    if not ageio.is_age_file(ciphertext[:64]):
        raise _fail("unreadable", "not an age-encrypted bundle")
    try:
        return ageio.decrypt(ciphertext, identities)
    except AgeFormatError as e:
        raise _fail("decrypt", f"damaged age header: {e}") from e
    except DecryptionError as e:
        if "no match" in str(e) or "no identity" in str(e):
            raise _fail("unreadable", "this bundle is not encrypted to your identity") from e
        raise _fail("decrypt", f"the encrypted bundle is damaged or was altered: {e}") from e


def _parse_manifest(data: bytes, member: str) -> dict[str, str]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _fail("bagit", "not UTF-8", member) from e
    out: dict[str, str] = {}
    if text and not text.endswith("\n"):
        raise _fail("bagit", "does not end with a newline", member)
    for number, line in enumerate(text.split("\n")[:-1] if text else [], start=1):
        m = _MANIFEST_LINE.match(line)
        if not m:
            raise _fail("bagit", f"line {number} is not 'SHA256  data/PATH'", member)
        if m.group(2) in out:
            raise _fail("bagit", f"lists {m.group(2)} twice", member)
        out[m.group(2)] = m.group(1)
    if list(out) != sorted(out):
        raise _fail("bagit", "lines are not sorted by path", member)
    return out


def _load_json(bag: Mapping[str, bytes], name: str) -> Any:
    try:
        return json.loads(bag[name].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:  # json recurses once per nesting level
        raise _fail("consistency", f"not valid JSON: {e}", name) from e


def verify_bag(zip_bytes: bytes, profile: Profile) -> VerifiedBundle:
    """Run every check on a decrypted bundle, in order, stopping at the first failure.

    Order: zip structure; BagIt completeness; payload hashes; signatures against the profile; custody chain;
    consistency of the items with the manifest.

    Raises:
        BundleError: naming the check and the member.
    """
    # 1. zip structure (safezip rejects names, links, compression, duplicates, layout, caps)
    members = safezip.read_zip(zip_bytes)
    if list(members) != sorted(members):
        raise _fail("zip structure", "entries are not in name order, so this is not the archive a sealer writes")
    tops = {name.split("/", 1)[0] for name in members}
    if len(tops) != 1 or any("/" not in name for name in members):
        raise _fail("zip structure", "the zip must hold exactly one top directory (the bag)")
    ref = tops.pop()
    try:
        check_ref(ref)
    except UsageError as e:
        raise _fail("zip structure", f"top directory {ref!r} is not an incident reference") from e
    bag = {name.split("/", 1)[1]: data for name, data in members.items()}

    # 2. BagIt completeness
    if bag.get("bagit.txt") != BAGIT_TXT:
        raise _fail("bagit", "missing or not 'BagIt-Version: 1.0' with UTF-8", "bagit.txt")
    for name in (MANIFEST, TAGMANIFEST, "bag-info.txt", SIGNATURE, ALLOWED_SIGNERS, VERIFY_TXT):
        if name not in bag:
            raise _fail("bagit", "missing", name)
    manifest = _parse_manifest(bag[MANIFEST], MANIFEST)
    payload_names = {n for n in bag if n.startswith("data/")}
    for name in sorted(payload_names - set(manifest)):
        raise _fail("bagit", "file is not listed in the manifest", name)
    for name in sorted(set(manifest) - payload_names):
        raise _fail("bagit", "listed in the manifest but missing", name)
    tag_lines = bag[TAGMANIFEST].decode("utf-8", "replace").splitlines()
    tag_manifest: dict[str, str] = {}
    for number, line in enumerate(tag_lines, start=1):
        digest, sep, name = line.partition("  ")
        if not sep or not re.fullmatch(r"[0-9a-f]{64}", digest) or name in tag_manifest:
            raise _fail("bagit", f"line {number} is malformed", TAGMANIFEST)
        tag_manifest[name] = digest
    for name in tag_manifest:
        if name.startswith("data/"):
            raise _fail("bagit", "lists a payload file; payload files belong in the manifest", TAGMANIFEST)
    for name in bag:
        if not name.startswith("data/") and name not in TAG_FILES and not _REVISION_DIR.match(name):
            raise _fail("bagit", "is not a file a sealed bundle may hold", name)
    tag_names = {n for n in bag if not n.startswith("data/") and n != TAGMANIFEST}
    for name in sorted(tag_names ^ set(tag_manifest)):
        problem = "is not listed in the tag manifest" if name in bag else "is listed in the tag manifest but missing"
        raise _fail("bagit", problem, name)
    if list(tag_manifest) != sorted(tag_manifest):
        raise _fail("bagit", "lines are not sorted by path", TAGMANIFEST)

    # 3. every payload and tag hash
    for name, digest in manifest.items():
        if sha256_hex(bag[name]) != digest:
            raise _fail(
                "payload hash", "SHA-256 does not match the manifest (this file or the manifest was altered)", name
            )
    for name, digest in tag_manifest.items():
        if sha256_hex(bag[name]) != digest:
            raise _fail(
                "payload hash",
                "SHA-256 does not match the tag manifest (this file or the tag manifest was altered)",
                name,
            )

    # 4. signatures: every revision, against the profile; each earlier revision's files unchanged in the next
    revisions = _verify_revisions(bag, manifest, profile)

    # 5. custody chain across the revisions
    custody = _verify_custody(bag, revisions)

    # 6. consistency of items, contexts and custody with the manifest
    incident = _verify_consistency(ref, bag, manifest, custody, revisions)
    return VerifiedBundle(ref, bag, tuple(revisions), incident, tuple(custody), zip_bytes)


def _verify_revisions(bag: Mapping[str, bytes], manifest: Mapping[str, str], profile: Profile) -> list[Revision]:
    numbers = set()
    for name in bag:
        if name.startswith("seal/revisions/"):
            m = _REVISION_DIR.match(name)
            if not m:
                raise _fail("bagit", "unexpected file in seal/revisions", name)
            numbers.add(int(m.group(1)))
    if not numbers:
        raise _fail("signature", "no signed revision found", "seal/revisions")
    count = max(numbers)
    if numbers != set(range(1, count + 1)):
        raise _fail("signature", "a revision is missing", "seal/revisions")
    trusted = profile.signers()
    reviewers = {(r.principal, r.fingerprint) for r in profile.reviewers}
    in_bag_signers = _parse_in_bag_signers(bag)
    revisions: list[Revision] = []
    previous: tuple[bytes, bytes] | None = None
    for k in range(1, count + 1):
        mpath, spath = revision_manifest_path(k), revision_signature_path(k)
        if mpath not in bag or spath not in bag:
            raise _fail("signature", f"revision {k} lacks its manifest or signature", mpath)
        rk_manifest = _parse_manifest(bag[mpath], mpath)
        try:
            key = sshsig.verify(bag[spath], bag[mpath], SEAL_NAMESPACE)
        except SignatureError as e:
            raise _fail("signature", f"revision {k}: {e}", spath) from e
        fp = sshsig.fingerprint(key)
        # the files of revision k still have the digests revision k signed
        for name, digest in rk_manifest.items():
            if manifest.get(name) != digest:
                raise _fail("revision", f"revision {k}'s file was changed or removed later", name)
        record_name = f"data/revisions/{k}.json"
        if record_name not in rk_manifest:
            raise _fail("signature", f"revision {k}'s manifest does not list its record", mpath)
        record = _load_json(bag, record_name)
        if not isinstance(record, dict) or record.get("revision") != k or record.get("format") != REVISION_FORMAT:
            raise _fail("consistency", f"is not the record of revision {k}", record_name)
        signer = record.get("signer")
        signer_fields = ("name", "principal", "role", "age", "ssh", "fingerprint")
        if not isinstance(signer, dict) or not all(isinstance(signer.get(f), str) for f in signer_fields):
            raise _fail("consistency", "signer is not a complete record", record_name)
        if not (record.get("previous") is None or isinstance(record.get("previous"), dict)):
            raise _fail("consistency", "previous is neither null nor an object", record_name)
        files = record.get("files")
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise _fail("consistency", "files is not a list of paths", record_name)
        if k > 1:
            own = {record_name, f"data/custody-r{k}.jsonl"}
            for name in files:
                if name not in own and not name.startswith("data/reviews/"):
                    raise _fail("revision", f"revision {k} may only add review files, not this", name)
        if signer.get("fingerprint") != fp:
            raise _fail("signature", f"revision {k} names {signer.get('fingerprint')} but was signed by {fp}", spath)
        principals = sshsig.find_principals(trusted, key, SEAL_NAMESPACE)
        if signer.get("principal") not in principals:
            raise _fail(
                "untrusted signer",
                f"revision {k} was signed by {signer.get('principal')!r} ({fp}), who is not a signer in the "
                f"school profile for {profile.school}",
                spath,
            )
        if k > 1 and (signer["principal"], fp) not in reviewers:
            raise _fail("untrusted signer", f"revision {k} was signed by {signer['principal']}, not a reviewer", spath)
        if signer["principal"] not in sshsig.find_principals(in_bag_signers, key, SEAL_NAMESPACE):
            raise _fail("signature", f"does not name the signer of revision {k}", ALLOWED_SIGNERS)
        if previous is not None:
            prev_manifest, prev_sig = previous
            prev = record.get("previous") or {}
            if prev.get("manifest_sha256") != sha256_hex(prev_manifest) or prev.get("signature_sha256") != sha256_hex(
                prev_sig
            ):
                raise _fail("revision", f"revision {k} does not bind revision {k - 1}", record_name)
            earlier = _parse_manifest(prev_manifest, revision_manifest_path(k - 1))
            for name, digest in earlier.items():
                if rk_manifest.get(name) != digest:
                    raise _fail("revision", f"revision {k} changed or dropped a file of revision {k - 1}", name)
        elif record.get("previous") is not None:
            raise _fail("revision", "revision 1 cannot have a predecessor", record_name)
        if set(files) != set(rk_manifest) - (set(_parse_manifest(previous[0], "")) if previous else set()):
            raise _fail("consistency", f"revision {k}'s file list does not match its manifest", record_name)
        revisions.append(
            Revision(
                k,
                str(record.get("action", "")),
                str(signer.get("name", "")),
                signer["principal"],
                fp,
                str(record.get("time_utc", "")),
                tuple(files),
                record,
            )
        )
        previous = (bag[mpath], bag[spath])
    if bag[MANIFEST] != bag[revision_manifest_path(count)]:
        raise _fail("signature", f"the manifest is not revision {count}'s signed manifest", MANIFEST)
    if bag[SIGNATURE] != bag[revision_signature_path(count)]:
        raise _fail("signature", f"is not revision {count}'s signature", SIGNATURE)
    records = [r.record for r in revisions]
    if bag[VERIFY_TXT] != _verify_txt(_ref_of(bag), records):
        raise _fail("consistency", "is not the text the revision records imply (it was edited)", VERIFY_TXT)
    latest = revisions[-1].record
    payload = {n: d for n, d in bag.items() if n.startswith("data/")}
    school = _school_of(bag)
    expected_info = _bag_info(
        _ref_of(bag),
        school,
        latest["signer"]["name"],
        latest["signer"]["principal"],
        str(latest.get("time_utc", "")),
        payload,
        count,
        str(latest.get("software", "")),
    )
    if bag["bag-info.txt"] != expected_info:
        raise _fail("consistency", "is not the text the revision records imply (it was edited)", "bag-info.txt")
    return revisions


def _ref_of(bag: Mapping[str, bytes]) -> str:
    value = _load_json(bag, INCIDENT_JSON) if INCIDENT_JSON in bag else {}
    return str(value.get("ref", "")) if isinstance(value, dict) else ""


def _school_of(bag: Mapping[str, bytes]) -> str:
    value = _load_json(bag, INCIDENT_JSON) if INCIDENT_JSON in bag else {}
    return str(value.get("school", "")) if isinstance(value, dict) else ""


def _parse_in_bag_signers(bag: Mapping[str, bytes]) -> list[AllowedSigner]:
    try:
        return sshsig.parse_allowed_signers(bag[ALLOWED_SIGNERS].decode("utf-8"))
    except (EvidenceError, UnicodeDecodeError) as e:
        raise _fail("signature", f"unreadable: {e}", ALLOWED_SIGNERS) from e


def _custody_files(count: int) -> list[str]:
    return [CUSTODY_JSONL] + [f"data/custody-r{k}.jsonl" for k in range(2, count + 1)]


def _verify_custody(bag: Mapping[str, bytes], revisions: Sequence[Revision]) -> list[CustodyEntry]:
    entries: list[CustodyEntry] = []
    for k, name in enumerate(_custody_files(len(revisions)), start=1):
        if name not in bag:
            raise _fail("custody", f"revision {k}'s custody log is missing", name)
        try:
            part = parse_jsonl(bag[name])
        except CustodyError as e:
            raise _fail("custody", str(e), name) from e
        if not part:
            raise _fail("custody", "is empty", name)
        entries += part
        try:
            verify_chain(entries)
        except CustodyError as e:
            raise _fail("custody", str(e), name) from e
        head = revisions[k - 1].record.get("custody_head")
        if head != part[-1].hash:
            raise _fail("custody", f"revision {k} does not sign this log's last entry", name)
    return entries


def _verify_consistency(
    ref: str,
    bag: Mapping[str, bytes],
    manifest: Mapping[str, str],
    custody: Sequence[CustodyEntry],
    revisions: Sequence[Revision],
) -> dict[str, Any]:
    incident = _load_json(bag, INCIDENT_JSON)
    if not isinstance(incident, dict) or incident.get("format") != INCIDENT_FORMAT or incident.get("ref") != ref:
        raise _fail("consistency", f"is not the incident record of {ref}", INCIDENT_JSON)
    items, excluded = incident.get("items"), incident.get("excluded")
    if not isinstance(items, list) or not isinstance(excluded, list):
        raise _fail("consistency", "items or excluded is not a list", INCIDENT_JSON)
    logged: dict[int, CustodyEntry] = {}
    for e in custody:
        if e.action in ("captured", "received", "derived"):
            number = e.details.get("item")
            if not isinstance(number, int) or isinstance(number, bool):
                raise _fail("consistency", f"custody entry {e.seq} does not name an item number", CUSTODY_JSONL)
            logged[number] = e
    seen_files = {INCIDENT_JSON, CUSTODY_JSONL}
    last_time = ""
    for item in items:
        if not isinstance(item, dict):
            raise _fail("consistency", "an item is not an object", INCIDENT_JSON)
        seq, file_name, context_name = item.get("seq"), item.get("file"), item.get("context")
        if not isinstance(seq, int) or isinstance(seq, bool):
            raise _fail("consistency", "an item has no item number", INCIDENT_JSON)
        if not isinstance(file_name, str) or file_name not in manifest or not isinstance(context_name, str):
            raise _fail("consistency", f"item {seq}'s file is not in the manifest", INCIDENT_JSON)
        if context_name not in manifest:
            raise _fail("consistency", f"item {seq}'s context is not in the manifest", INCIDENT_JSON)
        if manifest[file_name] != item.get("sha256"):
            raise _fail("consistency", f"item {seq}'s SHA-256 differs from the manifest", file_name)
        entry = logged.get(seq)
        if entry is None:
            raise _fail("consistency", f"item {seq} has no capture entry in the custody log", CUSTODY_JSONL)
        if entry.details.get("sha256") != item.get("sha256"):
            raise _fail("consistency", f"item {seq}'s SHA-256 differs from its custody entry", file_name)
        context = _load_json(bag, context_name)
        if not isinstance(context, dict):
            raise _fail("consistency", "context is not an object", context_name)
        created = str(item.get("created_utc", ""))
        if created < last_time and "clock_anomaly" not in entry.details:
            raise _fail("consistency", f"item {seq} is dated before the item listed above it", INCIDENT_JSON)
        last_time = created
        seen_files |= {file_name, context_name}
    for item in excluded:
        if not isinstance(item, dict) or not item.get("reason") or not isinstance(item.get("seq"), int):
            raise _fail("consistency", "an excluded item has no reason", INCIDENT_JSON)
    listed = {i.get("seq") for i in items} | {i.get("seq") for i in excluded}
    for seq in logged:
        if seq not in listed:
            raise _fail(
                "consistency",
                f"the custody log records item {seq}, which the bundle does not account for",
                INCIDENT_JSON,
            )
    if len(items) != len({i.get("seq") for i in items}):
        raise _fail("consistency", "an item is listed twice", INCIDENT_JSON)
    orphans = {n for n in manifest if n.startswith("data/items/")} - seen_files
    if orphans:
        raise _fail("consistency", "is in the bag but belongs to no item", sorted(orphans)[0])
    return incident


def open_bundle(ciphertext: bytes, identities: Sequence[str], profile: Profile) -> VerifiedBundle:
    """Decrypt and verify a sealed bundle. Nothing is returned unless every check passed."""
    return verify_bag(decrypt_bundle(ciphertext, identities), profile)


def verify_origin(ciphertext: bytes, signature: bytes, profile: Profile) -> tuple[str, str]:
    """Check the detached origin signature against the profile; return (principal, fingerprint).

    Raises:
        BundleError: check ``origin``.
    """
    try:
        key = sshsig.verify(signature, ciphertext, ORIGIN_NAMESPACE)
    except SignatureError as e:
        raise _fail("origin", str(e)) from e
    principals = sshsig.find_principals(profile.signers(), key, ORIGIN_NAMESPACE)
    if not principals:
        raise _fail("origin", f"signed by {sshsig.fingerprint(key)}, who is not a signer in the school profile")
    return principals[0], sshsig.fingerprint(key)


# -- revising --------------------------------------------------------------------------------------------------------


def revise(
    verified: VerifiedBundle,
    reviewer: Identity,
    profile: Profile,
    *,
    action: str,
    new_files: Mapping[str, bytes],
    custody_entries: Sequence[CustodyEntry],
    when: str,
    school: str | None = None,
) -> dict[str, bytes]:
    """Add a revision: new payload files, the new custody entries, and a new signed manifest.

    ``new_files`` are bag-relative names under ``data/reviews/``; nothing existing may be replaced.
    """
    if not profile.is_reviewer(reviewer.card):
        raise UsageError(f"{reviewer.card.principal} is not a reviewer in the school profile")
    k = len(verified.revisions) + 1
    payload = {n: d for n, d in verified.bag.items() if n.startswith("data/")}
    for name in new_files:
        if not name.startswith("data/reviews/") or name in payload:
            raise UsageError(f"{name}: a revision may only add new files under data/reviews/")
        safezip.check_member_name(name)
    if not custody_entries:
        raise UsageError("a revision must log at least one custody entry")
    chain = [*verified.custody, *custody_entries]
    verify_chain(chain)
    added = dict(new_files)
    added[f"data/custody-r{k}.jsonl"] = to_jsonl(custody_entries)
    prev_manifest = verified.bag[revision_manifest_path(k - 1)]
    prev_sig = verified.bag[revision_signature_path(k - 1)]
    record = {
        "format": REVISION_FORMAT,
        "revision": k,
        "action": action,
        "software": f"Evidence Capture {__version__}",
        "signer": _signer_json(reviewer.card),
        "time_utc": when,
        "previous": {"manifest_sha256": sha256_hex(prev_manifest), "signature_sha256": sha256_hex(prev_sig)},
        "custody_head": custody_entries[-1].hash,
        "files": sorted([*added, f"data/revisions/{k}.json"]),
    }
    added[f"data/revisions/{k}.json"] = pretty_json(record)
    payload.update(added)
    earlier = {n: d for n, d in verified.bag.items() if n.startswith("seal/revisions/")}
    revisions = [r.record for r in verified.revisions] + [record]
    school_name = school or str(verified.incident.get("school", profile.school))
    return _finish_revision(verified.ref, school_name, payload, earlier, revisions, reviewer, when)
