"""The bundle's layout: names, formats and the tag files derived from the revision records.

Everything here is pure and shared by the writer (:mod:`evidence.bundle.build`, :mod:`evidence.bundle.revise`) and
the reader (:mod:`evidence.bundle.verify`): the reader recomputes ``VERIFY.txt``, ``bag-info.txt`` and
``seal/allowed_signers`` with these same functions and insists on byte equality. docs/FORMAT.md is normative.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from evidence.bundle.records import RevisionRecord, Signer
from evidence.crypto import sshsig
from evidence.crypto.keys import PublicCard
from evidence.crypto.sshsig import AllowedSigner

SEAL_NAMESPACE = "evidence-capture-seal-v1"
"""SSHSIG namespace of every manifest signature."""

ORIGIN_NAMESPACE = "evidence-capture-origin-v1"
"""SSHSIG namespace of the detached signature over the encrypted bundle (``REF.zip.age.sig``)."""

BUNDLE_SUFFIX = ".zip.age"

ORIGIN_SUFFIX = ".zip.age.sig"

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

MEDIA_SUFFIX = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/heic": "heic"}

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


def manifest_text(files: Mapping[str, bytes]) -> bytes:
    lines = [f"{sha256_hex(files[name])}  {name}\n" for name in sorted(files)]
    return "".join(lines).encode("utf-8")


def bag_info(
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


def verify_txt(ref: str, revisions: Sequence[RevisionRecord]) -> bytes:
    """``VERIFY.txt``: the stock commands that check a bag with these revisions."""
    latest = revisions[-1].signer.principal
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
        k, who = rev.revision, rev.signer.principal
        out += [
            f"     # revision {k}, signed by {rev.signer.name} <{who}> ({rev.signer.fingerprint})",
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
        f"     ssh-keygen -Y verify -f {ALLOWED_SIGNERS} -I {latest} -n {ORIGIN_NAMESPACE} \\",
        f"       -s ../{ref}{ORIGIN_SUFFIX} < ../{ref}{BUNDLE_SUFFIX}",
        "",
        "The custody log is data/custody.jsonl (then data/custody-rK.jsonl per revision): each line's hash is the",
        "SHA-256 of the line's JSON without its hash field, in canonical form, and links to the line before.",
        "The format is specified in FORMAT.md of Evidence Capture.",
    ]
    return ("\n".join(out) + "\n").encode("utf-8")


def allowed_signers_text(revisions: Sequence[RevisionRecord]) -> bytes:
    """``seal/allowed_signers``: every signer of any revision, once, for both namespaces."""
    seen: dict[tuple[str, str], AllowedSigner] = {}
    for rev in revisions:
        signer = rev.signer
        key = sshsig.parse_public_key_line(signer.ssh)
        seen.setdefault(
            (signer.principal, signer.fingerprint),
            AllowedSigner(signer.principal, key, (SEAL_NAMESPACE, ORIGIN_NAMESPACE)),
        )
    return sshsig.format_allowed_signers(seen.values()).encode("utf-8")


def signer_json(card: PublicCard) -> dict[str, Any]:
    """The ``signer`` object of a revision made with ``card``'s keys."""
    return Signer.from_card(card).to_json_dict()


def custody_files(count: int) -> list[str]:
    return [CUSTODY_JSONL] + [f"data/custody-r{k}.jsonl" for k in range(2, count + 1)]
