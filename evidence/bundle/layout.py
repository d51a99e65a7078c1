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
from evidence.core.text import clean_line
from evidence.crypto import sshsig
from evidence.crypto.keys import ROOT_PRINCIPAL, PublicCard
from evidence.crypto.namespaces import EXPORT_NAMESPACE as EXPORT_NAMESPACE  # re-exported: the bundle's names
from evidence.crypto.namespaces import ORIGIN_NAMESPACE as ORIGIN_NAMESPACE
from evidence.crypto.namespaces import PROFILE_NAMESPACE as PROFILE_NAMESPACE
from evidence.crypto.namespaces import SEAL_NAMESPACE as SEAL_NAMESPACE
from evidence.crypto.sshsig import AllowedSigner

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

TRUST_DIR = "seal/trust"
"""Where a bag keeps its trust path: the school root's key and every signed profile its revisions were made under."""

ROOT_PUB = "seal/trust/root.pub"

ROOT_ALLOWED_SIGNERS = "seal/trust/root_allowed_signers"

TAG_FILES = ("bagit.txt", "bag-info.txt", MANIFEST, TAGMANIFEST, VERIFY_TXT, SIGNATURE, ALLOWED_SIGNERS)

MEDIA_SUFFIX = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/heic": "heic"}

_MANIFEST_LINE = re.compile(r"^([0-9a-f]{64})  (data/[A-Za-z0-9._/-]+)$")


_TEXT_LAYER = re.compile(r"^data/derived/([0-9]{3,})\.text-r([1-9][0-9]*)\.json$")

DERIVED_DIR = "data/derived"
"""Where later revisions put derived artefacts of items (text layers), never beside the originals."""


def text_layer_path(seq: int, revision: int) -> str:
    """``data/derived/NNN.text-rK.json``: item NNN's text layer, added by revision K."""
    return f"{DERIVED_DIR}/{seq:03d}.text-r{revision}.json"


def text_layer_of(name: str) -> tuple[int, int] | None:
    """(item, revision) of a ``data/derived/NNN.text-rK.json`` name, or None for any other name."""
    m = _TEXT_LAYER.match(name)
    return (int(m.group(1)), int(m.group(2))) if m else None


_REVISION_DIR = re.compile(
    r"^seal/revisions/([1-9][0-9]*)/(manifest-sha256\.txt|manifest-sha256\.txt\.sig|tsa-[1-9][0-9]{0,2}\.(?:tsr|chain\.pem))$"
)

_TRUST_FILE = re.compile(
    r"^seal/trust/(?:root\.pub|root_allowed_signers|"
    r"v([1-9][0-9]{0,8})/(?:profile\.toml|profile\.toml\.sig|allowed_signers|allowed_signers\.sig))$"
)


def is_trust_file(name: str) -> bool:
    """True for a name a bag's trust path may use (``seal/trust/…``)."""
    return _TRUST_FILE.match(name) is not None


def trust_version_of(name: str) -> int | None:
    """V of a ``seal/trust/vV/…`` name, or None."""
    m = _TRUST_FILE.match(name)
    return int(m.group(1)) if m and m.group(1) else None


def trust_profile_path(v: int) -> str:
    """``seal/trust/vV/profile.toml``: the body of the signed profile version V, byte for byte."""
    return f"{TRUST_DIR}/v{v}/profile.toml"


def trust_profile_sig_path(v: int) -> str:
    """``seal/trust/vV/profile.toml.sig``: the root's signature over it."""
    return f"{TRUST_DIR}/v{v}/profile.toml.sig"


def trust_allowed_signers_path(v: int) -> str:
    """``seal/trust/vV/allowed_signers``: the signer list derived from profile version V."""
    return f"{TRUST_DIR}/v{v}/allowed_signers"


def trust_allowed_signers_sig_path(v: int) -> str:
    """``seal/trust/vV/allowed_signers.sig``: the root's signature over it."""
    return f"{TRUST_DIR}/v{v}/allowed_signers.sig"


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
    """A manifest of ``files`` (bag-relative name → bytes)."""
    return manifest_from_digests({name: sha256_hex(data) for name, data in files.items()})


def manifest_from_digests(digests: Mapping[str, str]) -> bytes:
    """A manifest from each file's SHA-256 (hex), as :func:`manifest_text` writes it: sorted, one line per file."""
    return "".join(f"{digests[name]}  {name}\n" for name in sorted(digests)).encode("utf-8")


def bag_info(
    ref: str, school: str, name: str, principal: str, when: str, payload: Mapping[str, bytes], k: int, software: str
) -> bytes:
    """``bag-info.txt`` of a bag with this ``payload`` (only the sizes count: see :func:`bag_info_sizes`)."""
    return bag_info_sizes(ref, school, name, principal, when, [len(v) for v in payload.values()], k, software)


def bag_info_sizes(
    ref: str, school: str, name: str, principal: str, when: str, sizes: Sequence[int], k: int, software: str
) -> bytes:
    """``bag-info.txt`` given the payload files' sizes (Payload-Oxum needs nothing else of them)."""
    octets = sum(sizes)
    payload = sizes
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
    return clean_line(line, limit=100_000)  # one line, no control characters (a name may come from a record)


def verify_txt(ref: str, revisions: Sequence[RevisionRecord], trusted_time: Sequence[str] = ()) -> bytes:
    """``VERIFY.txt``: the stock commands that check a bag with these revisions.

    ``trusted_time`` holds the ``openssl`` lines for the bag's RFC 3161 tokens
    (:func:`evidence.bundle.timestamps.verify_txt_lines`); a bag without tokens gets no such section, so older bags
    still verify byte for byte.

    Every value in it comes from a revision record the verifier checked, passed through
    :func:`~evidence.core.text.clean_line`; a bag whose revisions carry a trust path gets
    :func:`verify_txt_trusted`, and only bags sealed before the school root get this older text (unchanged, so that
    they still verify byte for byte).
    """
    if revisions[-1].trust is not None:
        return verify_txt_trusted(ref, revisions, trusted_time)
    latest = clean_line(revisions[-1].signer.principal)
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
        k, who, fp = rev.revision, clean_line(rev.signer.principal), clean_line(rev.signer.fingerprint)
        out += [
            f"     # revision {k}, signed by {clean_line(rev.signer.name)} <{who}> ({fp})",
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
        *_trusted_time_section(7, trusted_time),
        "The custody log is data/custody.jsonl (then data/custody-rK.jsonl per revision): each line's hash is the",
        "SHA-256 of the line's JSON without its hash field, in canonical form, and links to the line before.",
        "The format is specified in FORMAT.md of Evidence Capture.",
    ]
    return ("\n".join(out) + "\n").encode("utf-8")


def _trusted_time_section(number: int, lines: Sequence[str]) -> list[str]:
    """Step ``number`` of VERIFY.txt: the RFC 3161 tokens, checked with ``openssl`` (nothing when there are none)."""
    if not lines:
        return []
    return [
        f"{number}. Trusted time: each RFC 3161 token must print 'Verification: OK'. The first command shows the",
        "   root it is checked against: compare its fingerprint with the one the time-stamping authority publishes",
        "   (the school profile names each authority). Items: the token covers data/items/NNN.tsa.json, which names",
        "   the item's SHA-256, its pixel SHA-256 and the hash of its custody entry. Revisions: the token covers",
        "   that revision's signed manifest.",
        "",
        *lines,
        "",
    ]


def verify_txt_trusted(ref: str, revisions: Sequence[RevisionRecord], trusted_time: Sequence[str] = ()) -> bytes:
    """``VERIFY.txt`` of a bag with a trust path: every check starts from the school root's fingerprint alone."""
    trusts = [rev.trust for rev in revisions]
    if any(t is None for t in trusts):
        raise ValueError("every revision of a bag with a trust path carries its trust object")
    root = clean_line(trusts[-1].root_fingerprint if trusts[-1] else "")
    versions = sorted({t.profile_version for t in trusts if t is not None})
    latest_v = versions[-1]
    latest = clean_line(revisions[-1].signer.principal)
    latest_signers = trust_allowed_signers_path(latest_v)
    out = [
        f"How to check this evidence bundle ({ref}) with standard tools only",
        "=" * 72,
        "",
        f"Every check below starts from ONE fingerprint, the school root's: {root}",
        "",
        "Trust this bundle only if that is the fingerprint your school gave you OUTSIDE this bundle (the DSL's",
        "witness statement states it; the school may publish it). Anyone can write this file; nobody without the",
        "school root's key can make the checks below pass for another root.",
        "",
        "1. Decrypt and unpack (you will be asked for the passphrase of your identity file):",
        "",
        f"     age -d -i YOUR.identity.age -o {ref}.zip {ref}{BUNDLE_SUFFIX}",
        f"     unzip {ref}.zip && cd {ref}",
        "",
        "2. The school root's key: this must print the fingerprint you confirmed outside this bundle:",
        "",
        f"     ssh-keygen -lf {ROOT_PUB}",
        "",
        "3. The school root signed every signer list and profile this bundle was sealed and revised under:",
        "",
    ]
    for v in versions:
        for signed, sig in (
            (trust_allowed_signers_path(v), trust_allowed_signers_sig_path(v)),
            (trust_profile_path(v), trust_profile_sig_path(v)),
        ):
            out += [
                f"     ssh-keygen -Y verify -f {ROOT_ALLOWED_SIGNERS} -I {ROOT_PRINCIPAL} -n {PROFILE_NAMESPACE} \\",
                f"       -s {sig} < {signed}",
            ]
    out += [
        "",
        "4. Every evidence file matches the manifest (each line must say OK), and the bag's signer list is the",
        "   one the root signed (cmp prints nothing):",
        "",
        f"     sha256sum --strict -c {MANIFEST}",
        f"     sha256sum --strict -c {TAGMANIFEST}",
        f"     cmp {ALLOWED_SIGNERS} {latest_signers}",
        "",
        "5. Every revision: signed by someone on the root-signed list of its profile version, and its files",
        "   unchanged today:",
        "",
    ]
    for rev, trust in zip(revisions, trusts, strict=True):
        assert trust is not None
        k, who, fp = rev.revision, clean_line(rev.signer.principal), clean_line(rev.signer.fingerprint)
        signers = trust_allowed_signers_path(trust.profile_version)
        out += [
            f"     # revision {k}, signed by {clean_line(rev.signer.name)} <{who}> ({fp}),"
            f" profile version {trust.profile_version}",
            f"     ssh-keygen -Y verify -f {signers} -I {who} -n {SEAL_NAMESPACE} \\",
            f"       -s {revision_signature_path(k)} < {revision_manifest_path(k)}",
            f"     sha256sum --strict -c {revision_manifest_path(k)}",
            "",
        ]
    out += [
        "6. The seal: the latest signature is over the manifest above:",
        "",
        f"     ssh-keygen -Y verify -f {latest_signers} -I {latest} -n {SEAL_NAMESPACE} \\",
        f"       -s {SIGNATURE} < {MANIFEST}",
        "",
        "7. Whose key each fingerprint is (the principal follows each fingerprint):",
        "",
        f"     cut -d' ' -f3- {latest_signers} | ssh-keygen -lf -",
        "",
        "8. Who produced the encrypted file you received (its detached signature lies beside it):",
        "",
        f"     ssh-keygen -Y verify -f {latest_signers} -I {latest} -n {ORIGIN_NAMESPACE} \\",
        f"       -s ../{ref}{ORIGIN_SUFFIX} < ../{ref}{BUNDLE_SUFFIX}",
        "",
        *_trusted_time_section(9, trusted_time),
        "The custody log is data/custody.jsonl (then data/custody-rK.jsonl per revision): each line's hash is the",
        "SHA-256 of the line's JSON without its hash field, in canonical form, and links to the line before.",
        "The format is specified in FORMAT.md of Evidence Capture.",
    ]
    return ("\n".join(out) + "\n").encode("utf-8")


def allowed_signers_text(revisions: Sequence[RevisionRecord]) -> bytes:
    """``seal/allowed_signers`` of a bag sealed before the school root: every signer of any revision, once, for both
    namespaces. (A bag with a trust path carries the latest revision's ``seal/trust/vV/allowed_signers`` instead.)"""
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
