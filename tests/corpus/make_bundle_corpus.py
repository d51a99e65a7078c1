"""Hostile sealed bundles for evidence.bundle, one file per scenario, in the manner of the C2SP CCTV vectors.

``python tests/corpus/make_bundle_corpus.py OUTDIR`` writes ``OUTDIR/NAME.zip.age`` and ``OUTDIR/NAME.expect``
(``expect: CHECK: FRAGMENT``, then ``identity: NAME`` and ``profile: NAME`` lines when a scenario is not opened by
the DSL under the school profile). The tests call :func:`scenarios` directly, so no binary vector is committed
and none is ever edited by hand. Age encryption is randomised, so two runs give different bytes with the same
verdicts.

Every scenario starts from a real bundle: a vault with PNG captures sealed by Jane's staff key
(``tests/bundles.py``), and the same bundle after a revision signed by the DSL. An edit deep inside a bag is
useless as a test if an earlier check stops it first, so after an edit :func:`reseal` does what a forger holding
the real keys would do: it recomputes every revision's manifest from the files its record lists, links each
revision record to the one before, updates the custody heads, signs every manifest with the key of the person
its record names, rewrites ``allowed_signers`` and ``Payload-Oxum``, and recomputes the tag manifest. So each
scenario differs from a valid, correctly signed bundle in the one way its name says, and the check in its
``expect`` line is the only one that stands between it and acceptance. A test holds :func:`reseal` of an
unedited bag to the sealed bag, byte for byte.

The bag layout, the namespaces and the JSON forms are written out here from docs/FORMAT.md rather than taken
from :mod:`evidence.bundle`, so the vectors do not share the writer's mistakes; only the primitives come from the
project (SSHSIG signing, pinned to ssh-keygen elsewhere; the canonical zip writer, which has its own corpus in
``make_zip_corpus.py``; age encryption through pyrage). The zip layer is not repeated here: every scenario's zip
is canonical, and each is encrypted to the school's reviewers (the DSL among them) unless it is about the age
layer.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_TESTS = Path(__file__).resolve().parents[1]
for _path in (_TESTS, _TESTS.parent):  # run as a script: tests/bundles.py, and the repo root so that the
    if str(_path) not in sys.path:  # evidence package wins over the tests/evidence folder
        sys.path.insert(0, str(_path))

from bundles import (  # noqa: E402
    ISSUED_AT,
    dsl,
    head,
    legacy_profile,
    make_sealed,
    school_profile,
    staff,
)
from helpers import identity, other_root  # noqa: E402

from evidence import bundle  # noqa: E402
from evidence.bundle import safezip  # noqa: E402
from evidence.case.custody import Action, CustodyEntry, make_entry  # noqa: E402
from evidence.case.profile import Profile  # noqa: E402
from evidence.crypto import ageio, sshsig  # noqa: E402
from evidence.crypto.keys import Identity, PublicCard  # noqa: E402
from evidence.review import actions as review  # noqa: E402

SEAL_NAMESPACE = "evidence-capture-seal-v1"
ORIGIN_NAMESPACE = "evidence-capture-origin-v1"
MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
SIGNATURE = "seal/manifest-sha256.txt.sig"
ALLOWED_SIGNERS = "seal/allowed_signers"
INCIDENT = "data/incident.json"
CUSTODY = "data/custody.jsonl"
GENESIS = "0" * 64
REVIEWED_AT = "2026-11-25T13:00:00.000Z"
NOTE = "data/reviews/r2-note.json"
OTHER_REF = "EC-20261124-00C0DE"


def outsider() -> Identity:
    """Someone the school has never heard of."""
    return identity("Out Sider", "out@elsewhere.example")


IDENTITIES: dict[str, Callable[[], Identity]] = {"dsl": dsl, "head": head, "staff": staff}
"""Who a scenario is opened by (``identity:``); the DSL unless a scenario says otherwise."""

PROFILES: dict[str, Callable[[], Profile]] = {
    "school": school_profile,
    "other-school": lambda: Profile(school="Elsewhere High", reviewers=(dsl().card,)),
    "legacy": legacy_profile,
}
"""Which school profile a scenario is checked against (``profile:``); Example Academy unless it says otherwise."""


@dataclass(frozen=True)
class Scenario:
    """One hostile bundle and the verdict it must get.

    Attributes:
        name: the vector's file name, without ``.zip.age``.
        ciphertext: the bundle as a recipient receives it (``REF.zip.age``).
        expect: ``"CHECK: message fragment"``; the fragment may span the member name and the message.
        identity: a key of :data:`IDENTITIES`, the identity that opens it.
        profile: a key of :data:`PROFILES`, the profile it is checked against.
    """

    name: str
    ciphertext: bytes = field(repr=False)
    expect: str
    identity: str = "dsl"
    profile: str = "school"

    @property
    def check(self) -> str:
        """The check that must fail (``BundleError.check``)."""
        return self.expect.split(": ", 1)[0]

    @property
    def fragment(self) -> str:
        """Text the error message must contain."""
        return self.expect.split(": ", 1)[1]

    def expect_text(self) -> str:
        """The ``NAME.expect`` file."""
        lines = [f"expect: {self.expect}"]
        if self.identity != "dsl":
            lines.append(f"identity: {self.identity}")
        if self.profile != "school":
            lines.append(f"profile: {self.profile}")
        return "\n".join(lines) + "\n"


# -- bag forms, written from the spec -----------------------------------------------------------------------------


def sha(data: bytes) -> str:
    """Hex SHA-256."""
    return hashlib.sha256(data).hexdigest()


def canonical(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def pretty(value: Any) -> bytes:
    """The bag's human-readable JSON: sorted keys, two-space indent, final newline."""
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def load(bag: Mapping[str, bytes], name: str) -> Any:
    """A JSON member of the bag."""
    return json.loads(bag[name])


def entries(bag: Mapping[str, bytes], name: str = CUSTODY) -> list[dict[str, Any]]:
    """A custody log as a list of JSON objects."""
    return [json.loads(line) for line in bag[name].splitlines()]


def chain(log: list[dict[str, Any]], *, start: str = GENESIS, link: bool = True) -> list[dict[str, Any]]:
    """Recompute every entry's ``prev_hash`` (unless ``link`` is false) and ``hash``, in order."""
    out, prev = [], start
    for entry in log:
        body = {k: v for k, v in entry.items() if k != "hash"}
        if link:
            body["prev_hash"] = prev
        entry = {**body, "hash": sha(canonical(body))}
        out.append(entry)
        prev = entry["hash"]
    return out


def jsonl(log: list[dict[str, Any]]) -> bytes:
    """A custody log in its serialized form."""
    return b"".join(canonical(e) + b"\n" for e in log)


def manifest_of(digests: Mapping[str, str]) -> bytes:
    """``SHA256  data/PATH`` lines, sorted by path."""
    return "".join(f"{digests[n]}  {n}\n" for n in sorted(digests)).encode("utf-8")


def digests_of(manifest: bytes) -> dict[str, str]:
    """Path → digest of a well-formed manifest."""
    return {line.split()[1].decode(): line.split()[0].decode() for line in manifest.splitlines()}


def tagmanifest_of(bag: Mapping[str, bytes]) -> bytes:
    """The tag manifest: every file outside ``data/`` but itself, sorted."""
    return "".join(
        f"{sha(bag[n])}  {n}\n" for n in sorted(bag) if not n.startswith("data/") and n != TAGMANIFEST
    ).encode("utf-8")


def retag(bag: dict[str, bytes]) -> dict[str, bytes]:
    """Recompute the (unsigned) tag manifest in place; return ``bag``."""
    bag[TAGMANIFEST] = tagmanifest_of(bag)
    return bag


def rev_manifest(k: int) -> str:
    """Where revision ``k``'s manifest is kept."""
    return f"seal/revisions/{k}/{MANIFEST}"


def rev_signature(k: int) -> str:
    """Where revision ``k``'s signature is kept."""
    return f"seal/revisions/{k}/{MANIFEST}.sig"


def signer_json(who: Identity) -> dict[str, str]:
    """A revision record's ``signer`` object."""
    card = who.card
    return {
        "age": card.recipient,
        "fingerprint": card.fingerprint,
        "name": card.name,
        "principal": card.principal,
        "role": card.role.value,
        "ssh": sshsig.public_key_line(card.ssh_key),
    }


def allowed_signers_of(signers: list[Identity]) -> bytes:
    """One line per distinct signer, for both namespaces."""
    lines: dict[str, str] = {}
    for who in signers:
        line = (
            f'{who.card.principal} namespaces="{SEAL_NAMESPACE},{ORIGIN_NAMESPACE}" '
            f"{sshsig.public_key_line(who.card.ssh_key)}\n"
        )
        lines.setdefault(line, line)
    return "".join(lines).encode("utf-8")


def sign(who: Identity, manifest: bytes, namespace: str = SEAL_NAMESPACE) -> bytes:
    """An armored SSHSIG signature."""
    return sshsig.sign(who.signing_key, manifest, namespace).encode("ascii")


def armor(blob: bytes) -> bytes:
    """SSHSIG armor: 70-column base64 between the BEGIN and END lines."""
    text = base64.b64encode(blob).decode("ascii")
    body = "".join(text[i : i + 70] + "\n" for i in range(0, len(text), 70))
    return f"-----BEGIN SSH SIGNATURE-----\n{body}-----END SSH SIGNATURE-----\n".encode("ascii")


def dearmor(signature: bytes) -> bytes:
    """The binary SSHSIG blob inside the armor."""
    lines = signature.decode("ascii").splitlines()
    return base64.b64decode("".join(lines[1:-1]))


def _known_signers() -> dict[str, Identity]:
    return {who.card.principal: who for who in (staff(), dsl(), head(), outsider())}


def revision_count(bag: Mapping[str, bytes]) -> int:
    """The number of revision records (``data/revisions/K.json``) in the bag."""
    k = 0
    while f"data/revisions/{k + 1}.json" in bag:
        k += 1
    return k


def reseal(
    bag: Mapping[str, bytes],
    *,
    keep: Collection[int] = (),
    signers: Mapping[int, Identity] | None = None,
    link: bool = True,
    heads: bool = True,
    edit_manifest: Callable[[int, bytes], bytes] | None = None,
    tags: Mapping[str, bytes | None] | None = None,
) -> dict[str, bytes]:
    """Make ``bag`` consistent and correctly signed again after an edit, as a forger with the real keys would.

    For each revision K (one per ``data/revisions/K.json``), in order: the record's ``previous`` is set to the
    digests of revision K-1's manifest and signature (unless ``link`` is false) and its ``custody_head`` to the
    last hash of revision K's custody log (unless ``heads`` is false); revision K's manifest lists every file the
    records 1..K name that is in the bag, with its digest today (then ``edit_manifest(K, manifest)`` if given);
    and it is signed by ``signers[K]``, else by the person its record names. Revisions in ``keep`` keep their
    manifest and signature as they are. Then the root manifest and signature become the last revision's,
    ``allowed_signers`` names everyone who signed, ``Payload-Oxum`` is recomputed, ``tags`` are applied (None
    removes a file) and the tag manifest is recomputed.
    """
    out = dict(bag)
    known = _known_signers()
    count = revision_count(out)
    names: set[str] = set()
    used: list[Identity] = []
    for k in range(1, count + 1):
        record_name = f"data/revisions/{k}.json"
        try:
            record = json.loads(out[record_name])
        except ValueError:
            record = None
        if not isinstance(record, dict):  # keep what revision k's manifest listed before the edit
            names |= set(digests_of(out[rev_manifest(k)]))
        else:
            edited = dict(record)
            if link and k > 1:
                edited["previous"] = {
                    "manifest_sha256": sha(out[rev_manifest(k - 1)]),
                    "signature_sha256": sha(out[rev_signature(k - 1)]),
                }
            log_name = CUSTODY if k == 1 else f"data/custody-r{k}.jsonl"
            if heads and out.get(log_name, b"").strip():
                edited["custody_head"] = entries(out, log_name)[-1].get("hash")
            if edited != record:
                out[record_name] = pretty(edited)
            files = record.get("files")
            names |= {n for n in files if isinstance(n, str)} if isinstance(files, list) else set()
        who = (signers or {}).get(k) or known[record["signer"]["principal"]]
        used.append(who)
        if k in keep:
            continue
        manifest = manifest_of({n: sha(out[n]) for n in names if n in out})
        if edit_manifest is not None:
            manifest = edit_manifest(k, manifest)
        out[rev_manifest(k)] = manifest
        out[rev_signature(k)] = sign(who, manifest)
    out[MANIFEST] = out[rev_manifest(count)]
    out[SIGNATURE] = out[rev_signature(count)]
    out[ALLOWED_SIGNERS] = _latest_trusted_signers(out, count) or allowed_signers_of(used)
    payload = [d for n, d in out.items() if n.startswith("data/")]
    oxum = f"Payload-Oxum: {sum(map(len, payload))}.{len(payload)}"
    out["bag-info.txt"] = re.sub(rb"(?m)^Payload-Oxum: .*$", oxum.encode(), out["bag-info.txt"])
    for name, data in (tags or {}).items():
        if data is None:
            out.pop(name, None)
        else:
            out[name] = data
    return retag(out)


def _latest_trusted_signers(bag: Mapping[str, bytes], count: int) -> bytes | None:
    """A bag with a trust path carries, as ``seal/allowed_signers``, a copy of the root-signed
    ``seal/trust/vV/allowed_signers`` of its latest revision's profile version V (FORMAT.md); None without one."""
    try:
        record = json.loads(bag[f"data/revisions/{count}.json"])
    except (KeyError, ValueError):
        return None
    trust = record.get("trust") if isinstance(record, dict) else None
    version = trust.get("profile_version") if isinstance(trust, dict) else None
    return bag.get(f"seal/trust/v{version}/allowed_signers") if isinstance(version, int) else None


def zip_members(members: Mapping[str, bytes]) -> bytes:
    """The canonical zip of ``members`` (full names), in sorted order."""
    buf = io.BytesIO()
    safezip.write_zip(sorted(members.items()), buf)
    return buf.getvalue()


def zip_bag(ref: str, bag: Mapping[str, bytes]) -> bytes:
    """The canonical zip of a bag under the top directory ``ref``."""
    return zip_members({f"{ref}/{n}": d for n, d in bag.items()})


def encrypt(zip_bytes: bytes) -> bytes:
    """Encrypt as a real bundle is: to the school's reviewers."""
    return ageio.encrypt(zip_bytes, school_profile().reviewer_recipients)


def flip(data: bytes, pos: int, mask: int = 0x01) -> bytes:
    """``data`` with one byte changed."""
    out = bytearray(data)
    out[pos] ^= mask
    return bytes(out)


# -- the two valid bundles every scenario starts from -------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    """A sealed incident: two captures and one excluded item, as sealed (``one``) and after the DSL's review.

    Attributes:
        ref: the incident reference.
        one: the bag of revision 1, sealed by Jane (staff).
        two: the same bag after revision 2, a note signed by Dee (DSL).
    """

    ref: str
    one: dict[str, bytes] = field(repr=False)
    two: dict[str, bytes] = field(repr=False)


def make_base(workdir: Path, profile: Callable[[], Profile] = school_profile) -> Base:
    """Seal a real incident in ``workdir`` and add the DSL's revision (under ``profile``: the school's signed one,
    so that the bag carries its trust path, or a format-1 one for a bag as sealed before school roots)."""
    sealed = make_sealed(workdir, items=2, exclude=True, profile=profile())
    verified = bundle.verify_bag(sealed.zip_bytes, profile())
    entry = make_entry(
        verified.custody[-1],
        actor=dsl().card.principal,
        action=Action.REVIEWED,
        subject=sealed.ref,
        details={"note": "Met the pupil and their parents"},
        time_utc=REVIEWED_AT,
    )
    two = bundle.revise(
        verified,
        dsl(),
        profile(),
        action="note",
        new_files={NOTE: pretty({"note": "Met the pupil and their parents"})},
        custody_entries=[entry],
        when=REVIEWED_AT,
    )
    one = {name.split("/", 1)[1]: data for name, data in safezip.read_zip(sealed.zip_bytes).items()}
    return Base(sealed.ref, one, dict(two))


# -- the scenarios ------------------------------------------------------------------------------------------------


def _edit_json(bag: Mapping[str, bytes], name: str, change: Callable[[Any], Any]) -> dict[str, bytes]:
    out = dict(bag)
    out[name] = pretty(change(load(out, name)))
    return out


def _edit_incident(bag: Mapping[str, bytes], change: Callable[[dict[str, Any]], None]) -> dict[str, bytes]:
    def apply(incident: dict[str, Any]) -> dict[str, Any]:
        change(incident)
        return incident

    return reseal(_edit_json(bag, INCIDENT, apply))


def _edit_record(bag: Mapping[str, bytes], k: int, change: Callable[[dict[str, Any]], None]) -> dict[str, bytes]:
    def apply(record: dict[str, Any]) -> dict[str, Any]:
        change(record)
        return record

    return _edit_json(bag, f"data/revisions/{k}.json", apply)


def _edit_custody(
    bag: Mapping[str, bytes], change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]], **reseal_args: Any
) -> dict[str, bytes]:
    out = dict(bag)
    out[CUSTODY] = jsonl(change(entries(out)))
    return reseal(out, **reseal_args)


def _with_file(bag: Mapping[str, bytes], k: int, name: str, data: bytes) -> dict[str, bytes]:
    """``bag`` with ``name`` added to the bag and to revision ``k``'s record."""
    out = _edit_record(bag, k, lambda r: r.update(files=sorted([*r["files"], name])))
    out[name] = data
    return out


def _age_scenarios(zip_one: bytes, sealed: bytes) -> list[Scenario]:
    header_end = sealed.index(b"\n---") + 1
    mac_line_end = sealed.index(b"\n", header_end) + 1
    mac = base64.b64decode(sealed[header_end + 4 : mac_line_end - 1] + b"=")
    bad_mac = sealed[: header_end + 4] + base64.b64encode(flip(mac, 0)).rstrip(b"=") + sealed[mac_line_end - 1 :]
    salt = base64.b64encode(b"\x5a" * 16).rstrip(b"=").decode()
    body = base64.b64encode(b"\xa5" * 32).rstrip(b"=").decode()
    junk_mac = base64.b64encode(b"\x3c" * 32).rstrip(b"=").decode()

    def scrypt_file(log_n: int) -> bytes:
        header = f"age-encryption.org/v1\n-> scrypt {salt} {log_n}\n{body}\n--- {junk_mac}\n".encode()
        return header + sealed[mac_line_end:]

    text = base64.b64encode(sealed).decode()
    armored = (
        "-----BEGIN AGE ENCRYPTED FILE-----\n"
        + "".join(text[i : i + 64] + "\n" for i in range(0, len(text), 64))
        + "-----END AGE ENCRYPTED FILE-----\n"
    ).encode()
    unreadable = "unreadable: this bundle is not encrypted to your identity"
    chunk = "decrypt: age payload failure: a chunk does not authenticate"
    return [
        Scenario("age_not_an_age_file", zip_one, "unreadable: not an age-encrypted bundle"),
        Scenario("age_empty_file", b"", "unreadable: not an age-encrypted bundle"),
        Scenario("age_armored", armored, "unreadable: not an age-encrypted bundle"),
        Scenario("age_scrypt_log_n_23", scrypt_file(23), "decrypt: work factor 2^23 is above our limit of 2^22"),
        Scenario("age_scrypt_passphrase_file", scrypt_file(18), unreadable),
        Scenario("age_truncated_header", sealed[: header_end - 10], "decrypt: age header is truncated"),
        Scenario("age_truncated_nonce", sealed[: mac_line_end + 8], "decrypt: shorter than its 16-byte nonce"),
        Scenario("age_truncated_payload", sealed[: len(sealed) - 100], chunk),
        Scenario("age_trailing_byte", sealed + b"\0", chunk),
        Scenario("age_header_mac_flipped", bad_mac, "decrypt: age HMAC failure: the header MAC does not verify"),
        Scenario("age_payload_byte_flipped", flip(sealed, len(sealed) - 40), chunk),
        Scenario("age_encrypted_to_an_outsider", ageio.encrypt(zip_one, [outsider().card.recipient]), unreadable),
        Scenario("age_opened_by_staff_not_a_recipient", sealed, unreadable, identity="staff"),
    ]


def _zip_scenarios(base: Base) -> list[Scenario]:
    ref, one = base.ref, base.one
    inside = {f"{ref}/{n}": d for n, d in one.items()}
    one_top = "zip structure: the zip must hold exactly one top directory"
    return [
        Scenario(
            "top_directory_not_an_incident_reference",
            encrypt(zip_bag("evidence", one)),
            "zip structure: top directory 'evidence' is not an incident reference",
        ),
        Scenario(
            "top_directory_names_another_incident",
            encrypt(zip_bag(OTHER_REF, one)),
            f"consistency: data/incident.json: is not the incident record of {OTHER_REF}",
        ),
        Scenario(
            "two_top_directories",
            encrypt(zip_members({**inside, f"{OTHER_REF}/bagit.txt": one["bagit.txt"]})),
            one_top,
        ),
        Scenario("file_beside_the_bag", encrypt(zip_members({**inside, "README.txt": b"hello\n"})), one_top),
    ]


def _bagit_scenarios(base: Base) -> list[Scenario]:
    one = base.one

    def drop_tag(name: str) -> dict[str, bytes]:
        return reseal(one, tags={name: None})

    def manifest_edit(change: Callable[[bytes], bytes]) -> dict[str, bytes]:
        return reseal(one, edit_manifest=lambda k, m: change(m))

    def swap_lines(m: bytes) -> bytes:
        lines = m.splitlines(keepends=True)
        lines[0], lines[1] = lines[1], lines[0]
        return b"".join(lines)

    def bag(name: str, b: dict[str, bytes], expect: str) -> Scenario:
        return Scenario(name, encrypt(zip_bag(base.ref, b)), expect)

    first = one[MANIFEST].splitlines(keepends=True)[0]
    notes = reseal(one)
    notes["data/notes.txt"] = b"not in any manifest\n"
    missing = reseal(one)
    del missing["data/items/002.context.json"]
    not_tagged = reseal(one)
    not_tagged["seal/notes.txt"] = b"not in the tag manifest\n"
    tagged_missing = reseal(one)
    tagged_missing[TAGMANIFEST] += f"{sha(b'')}  seal/notes.txt\n".encode()
    bad_tag_line = reseal(one)
    bad_tag_line[TAGMANIFEST] = bad_tag_line[TAGMANIFEST].replace(b"  ", b" ", 1)
    duplicate_tag = reseal(one)
    duplicate_tag[TAGMANIFEST] += duplicate_tag[TAGMANIFEST].splitlines(keepends=True)[0]
    payload_tagged = reseal(one)
    payload_tagged[TAGMANIFEST] += f"{sha(one[INCIDENT])}  {INCIDENT}\n".encode()
    no_tagmanifest = reseal(one)
    del no_tagmanifest[TAGMANIFEST]
    unsorted_tags = reseal(one)
    unsorted_tags[TAGMANIFEST] = swap_lines(unsorted_tags[TAGMANIFEST])
    return [
        bag("bagit_txt_missing", drop_tag("bagit.txt"), "bagit: bagit.txt: missing or not 'BagIt-Version: 1.0'"),
        bag(
            "bagit_version_0_97",
            reseal(one, tags={"bagit.txt": b"BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n"}),
            "bagit: bagit.txt: missing or not 'BagIt-Version: 1.0'",
        ),
        bag("manifest_missing", drop_tag(MANIFEST), f"bagit: {MANIFEST}: missing"),
        bag("tagmanifest_missing", no_tagmanifest, f"bagit: {TAGMANIFEST}: missing"),
        bag("bag_info_missing", drop_tag("bag-info.txt"), "bagit: bag-info.txt: missing"),
        bag("verify_txt_missing", drop_tag("VERIFY.txt"), "bagit: VERIFY.txt: missing"),
        bag("signature_missing", drop_tag(SIGNATURE), f"bagit: {SIGNATURE}: missing"),
        bag("allowed_signers_missing", drop_tag(ALLOWED_SIGNERS), f"bagit: {ALLOWED_SIGNERS}: missing"),
        bag(
            "manifest_line_uppercase_digest",
            manifest_edit(lambda m: m[:64].upper() + m[64:]),
            f"bagit: {MANIFEST}: line 1 is not 'SHA256  data/PATH'",
        ),
        bag(
            "manifest_line_one_space",
            manifest_edit(lambda m: m.replace(b"  ", b" ", 1)),
            f"bagit: {MANIFEST}: line 1 is not 'SHA256  data/PATH'",
        ),
        bag(
            "manifest_line_binary_mode_star",
            manifest_edit(lambda m: m.replace(b"  ", b" *", 1)),
            f"bagit: {MANIFEST}: line 1 is not 'SHA256  data/PATH'",
        ),
        bag(
            "manifest_line_lists_a_tag_file",
            manifest_edit(lambda m: f"{sha(one['bagit.txt'])}  bagit.txt\n".encode() + m),
            f"bagit: {MANIFEST}: line 1 is not 'SHA256  data/PATH'",
        ),
        bag("manifest_crlf_lines", manifest_edit(lambda m: m.replace(b"\n", b"\r\n")), f"bagit: {MANIFEST}: line 1"),
        bag(
            "manifest_lines_split_by_form_feed",
            manifest_edit(lambda m: m.replace(b"\n", b"\f", 1)),
            f"bagit: {MANIFEST}: line 1",
        ),
        bag("manifest_unsorted", manifest_edit(swap_lines), f"bagit: {MANIFEST}: lines are not sorted by path"),
        bag(
            "manifest_duplicate_path",
            manifest_edit(lambda m: m.replace(first, first + first)),
            f"bagit: {MANIFEST}: lists {first.decode().split()[1]} twice",
        ),
        bag("manifest_no_final_newline", manifest_edit(lambda m: m[:-1]), f"bagit: {MANIFEST}: does not end with"),
        bag("manifest_not_utf8", manifest_edit(lambda m: m + b"\xff\n"), f"bagit: {MANIFEST}: not UTF-8"),
        bag(
            "payload_file_not_in_manifest",
            notes,
            "bagit: data/notes.txt: file is not listed in the manifest",
        ),
        bag(
            "listed_file_missing",
            missing,
            "bagit: data/items/002.context.json: listed in the manifest but missing",
        ),
        bag("tag_file_not_in_tagmanifest", not_tagged, "bagit: seal/notes.txt: is not a file a sealed bundle may hold"),
        bag(
            "tagmanifest_lists_a_missing_file",
            tagged_missing,
            "bagit: seal/notes.txt: is listed in the tag manifest but missing",
        ),
        bag("tagmanifest_bad_line", bad_tag_line, f"bagit: {TAGMANIFEST}: line 1 is malformed"),
        bag(
            "tagmanifest_duplicate_line",
            duplicate_tag,
            f"bagit: {TAGMANIFEST}: line {len(one[TAGMANIFEST].splitlines()) + 1} is malformed",
        ),
        bag("tagmanifest_lists_a_payload_file", payload_tagged, f"bagit: {TAGMANIFEST}: lists a payload file"),
        bag("tagmanifest_unsorted", unsorted_tags, f"bagit: {TAGMANIFEST}"),
        bag(
            "unexpected_file_in_seal_revisions",
            reseal(one, tags={"seal/revisions/1/notes.txt": b"hello\n"}),
            "bagit: seal/revisions/1/notes.txt: is not a file a sealed bundle may hold",
        ),
        bag(
            "extra_tag_file_retagged", reseal(one, tags={"README-FIRST.txt": b"Run ./fix.sh first\n"}), "bagit: README"
        ),
        bag(
            "verify_txt_rewritten_and_retagged",
            reseal(one, tags={"VERIFY.txt": one["VERIFY.txt"].replace(b"sha256sum", b"true")}),
            "consistency: VERIFY.txt: is not the text the revision records imply",
        ),
        bag(
            "bag_info_rewritten_and_retagged",
            reseal(one, tags={"bag-info.txt": one["bag-info.txt"].replace(b"Jane Smith", b"Dee Sell")}),
            "consistency: bag-info.txt: is not the text the revision records imply",
        ),
    ]


def _hash_scenarios(base: Base) -> list[Scenario]:
    one, two = base.one, base.two
    not_the_manifest = "SHA-256 does not match the manifest (this file or the manifest was altered)"
    not_the_tags = "SHA-256 does not match the tag manifest"
    out = []
    for name, bag, member, pos in [
        ("altered_item_png", one, "data/items/001.png", 200),
        ("altered_item_context", one, "data/items/001.context.json", 12),
        ("altered_custody_log", one, CUSTODY, 60),
        ("altered_incident_json", one, INCIDENT, 40),
        ("altered_revision_record", one, "data/revisions/1.json", 20),
        ("altered_review_file", two, NOTE, 5),
        ("altered_revision_2_custody_log", two, "data/custody-r2.jsonl", 30),
        ("altered_revision_2_record", two, "data/revisions/2.json", 20),
    ]:
        changed = {**bag, member: flip(bag[member], pos)}
        out.append(Scenario(name, encrypt(zip_bag(base.ref, changed)), f"payload hash: {member}: {not_the_manifest}"))
    for name, member in [
        ("altered_signature_not_retagged", SIGNATURE),
        ("altered_allowed_signers_not_retagged", ALLOWED_SIGNERS),
        ("altered_bag_info_not_retagged", "bag-info.txt"),
        ("altered_verify_txt_not_retagged", "VERIFY.txt"),
        ("altered_revision_signature_not_retagged", rev_signature(1)),
    ]:
        changed = {**one, member: flip(one[member], 40)}
        out.append(Scenario(name, encrypt(zip_bag(base.ref, changed)), f"payload hash: {member}: {not_the_tags}"))
    return out


def _signature_scenarios(base: Base) -> list[Scenario]:
    one, two, ref = base.one, base.two, base.ref
    sig_1 = rev_signature(1)

    def bag(name: str, b: dict[str, bytes], expect: str, **kw: Any) -> Scenario:
        return Scenario(name, encrypt(zip_bag(ref, b)), expect, **kw)

    def replace_signatures(b: dict[str, bytes], signature: bytes) -> dict[str, bytes]:
        return retag({**b, SIGNATURE: signature, sig_1: signature})

    broken = armor(flip(dearmor(one[SIGNATURE]), -1))
    edited = {**one, "data/items/001.png": one["data/items/002.png"]}
    recomputed = reseal(edited)
    recomputed = retag({**recomputed, SIGNATURE: one[SIGNATURE], sig_1: one[SIGNATURE]})
    by_outsider = reseal(_edit_record(one, 1, lambda r: r.update(signer=signer_json(outsider()))))
    claims_dsl = _edit_record(one, 1, lambda r: r["signer"].update(principal=dsl().card.principal))
    claims_dsl = reseal(claims_dsl, signers={1: staff()})
    names_dsl_key = _edit_record(one, 1, lambda r: r["signer"].update(fingerprint=dsl().card.fingerprint))
    staff_line = sshsig.public_key_line(staff().card.ssh_key)
    head_only = allowed_signers_of([head()])
    other_namespace = f'j.smith@school.example namespaces="file" {staff_line}\n'.encode()
    staff_r2 = reseal(_edit_record(two, 2, lambda r: r.update(signer=signer_json(staff()))))
    extra_root = reseal(two)
    extra_root["data/notes.txt"] = b"added after the last signature\n"
    extra_root[MANIFEST] = manifest_of(
        {**digests_of(extra_root[MANIFEST]), "data/notes.txt": sha(extra_root["data/notes.txt"])}
    )
    extra_root = retag(extra_root)
    extra_root_one = reseal(one)
    extra_root_one["data/notes.txt"] = b"added after the signature\n"
    extra_root_one[MANIFEST] = manifest_of(
        {**digests_of(extra_root_one[MANIFEST]), "data/notes.txt": sha(extra_root_one["data/notes.txt"])}
    )
    extra_root_one = retag(extra_root_one)
    no_record = reseal(one)
    del no_record["data/revisions/1.json"]
    no_record[rev_manifest(1)] = no_record[MANIFEST] = b"".join(
        ln for ln in no_record[MANIFEST].splitlines(keepends=True) if b"data/revisions/1.json" not in ln
    )
    no_record[sig_1] = no_record[SIGNATURE] = sign(staff(), no_record[MANIFEST])
    no_record = retag(no_record)
    gone = "the manifest is not revision 1's signed manifest"
    return [
        bag("signature_does_not_verify", replace_signatures(one, broken), f"signature: {sig_1}: revision 1: signature"),
        bag(
            "signature_for_another_namespace",
            replace_signatures(one, sign(staff(), one[MANIFEST], "file")),
            f"signature: {sig_1}: revision 1: signature namespace is 'file'",
        ),
        bag(
            "signature_is_not_an_ssh_signature",
            replace_signatures(one, b"this is not a signature\n"),
            f"signature: {sig_1}: revision 1: not an SSH signature",
        ),
        bag(
            "edited_item_with_recomputed_manifest",
            recomputed,
            f"signature: {sig_1}: revision 1: signature does not verify",
        ),
        bag(
            "root_signature_is_not_the_revision_signature",
            retag({**one, SIGNATURE: sign(dsl(), one[MANIFEST])}),
            f"signature: {SIGNATURE}: is not revision 1's signature",
        ),
        bag(
            "allowed_signers_not_naming_the_signer",
            reseal(one, tags={ALLOWED_SIGNERS: head_only}),
            f"trust path: {ALLOWED_SIGNERS}: is not the latest revision's root-signed",
        ),
        bag(
            "allowed_signers_for_another_namespace",
            reseal(one, tags={ALLOWED_SIGNERS: other_namespace}),
            f"trust path: {ALLOWED_SIGNERS}: is not the latest revision's root-signed",
        ),
        bag(
            "allowed_signers_unreadable",
            reseal(one, tags={ALLOWED_SIGNERS: b"j.smith@school.example ssh-rsa AAAA\n"}),
            f"trust path: {ALLOWED_SIGNERS}: is not the latest revision's root-signed",
        ),
        bag(
            "record_names_another_key",
            reseal(names_dsl_key),
            f"signature: {sig_1}: revision 1 names {dsl().card.fingerprint} but was signed by",
        ),
        bag(
            "signed_by_an_outsider",
            by_outsider,
            f"untrusted signer: {sig_1}: revision 1 was signed by 'out@elsewhere.example'",
        ),
        bag(
            "signed_by_staff_claiming_to_be_the_dsl",
            claims_dsl,
            f"untrusted signer: {sig_1}: revision 1 was signed by 'dsl@school.example'",
        ),
        Scenario(
            "valid_bundle_of_another_school",
            encrypt(zip_bag(ref, one)),
            "untrusted signer: who is not a signer in the school profile for Elsewhere High",
            profile="other-school",
        ),
        bag(
            "revision_2_signed_by_staff",
            staff_r2,
            f"untrusted signer: {rev_signature(2)}: revision 2 was signed by j.smith@school.example, not a reviewer",
        ),
        bag(
            "root_manifest_differs_from_the_last_revision",
            extra_root,
            f"signature: {MANIFEST}: the manifest is not revision 2's signed manifest",
        ),
        bag("root_manifest_differs_from_the_only_revision", extra_root_one, f"signature: {MANIFEST}: {gone}"),
        bag(
            "revision_directory_missing",
            reseal(two, tags={rev_manifest(1): None, sig_1: None}),
            "signature: seal/revisions: a revision is missing",
        ),
        bag(
            "last_revision_directory_missing",
            reseal(two, tags={rev_manifest(2): None, rev_signature(2): None}),
            f"signature: {MANIFEST}: {gone}",
        ),
        bag(
            "no_signed_revision",
            reseal(one, tags={rev_manifest(1): None, sig_1: None}),
            "signature: seal/revisions: no signed revision found",
        ),
        bag(
            "revision_signature_missing",
            reseal(one, tags={sig_1: None}),
            f"signature: {rev_manifest(1)}: revision 1 lacks its manifest or signature",
        ),
        bag(
            "revision_record_missing",
            no_record,
            f"signature: {rev_manifest(1)}: revision 1's manifest does not list its record",
        ),
    ]


def _revision_scenarios(base: Base) -> list[Scenario]:
    one, two, ref = base.one, base.two, base.ref

    def bag(name: str, b: dict[str, bytes], expect: str) -> Scenario:
        return Scenario(name, encrypt(zip_bag(ref, b)), expect)

    replaced = reseal({**two, "data/items/001.png": one["data/items/002.png"]}, keep={1})
    dropped = {n: d for n, d in two.items() if n != "data/items/002.context.json"}
    dropped = reseal(dropped, keep={1})
    rolled_back = {n: d for n, d in two.items() if n not in (NOTE, "data/custody-r2.jsonl", "data/revisions/2.json")}
    rolled_back = retag({**rolled_back, MANIFEST: two[rev_manifest(1)], SIGNATURE: two[rev_signature(1)]})
    unbound = _edit_record(
        two, 2, lambda r: r.update(previous={"manifest_sha256": GENESIS, "signature_sha256": GENESIS})
    )
    not_object = _edit_record(two, 2, lambda r: r.update(previous="revision 1"))
    predecessor = _edit_record(one, 1, lambda r: r.update(previous={"manifest_sha256": sha(b"")}))
    added_item = _with_file(two, 2, "data/items/009.png", one["data/items/001.png"])
    return [
        bag(
            "revision_2_replaces_evidence",
            replaced,
            "revision: data/items/001.png: revision 1's file was changed or removed later",
        ),
        bag(
            "revision_2_drops_evidence",
            dropped,
            "revision: data/items/002.context.json: revision 1's file was changed or removed later",
        ),
        bag("rolled_back_to_revision_1", rolled_back, "revision: was changed or removed later"),
        bag(
            "revision_2_does_not_bind_revision_1",
            reseal(unbound, link=False),
            "revision: data/revisions/2.json: revision 2 does not bind revision 1",
        ),
        bag(
            "revision_2_previous_not_an_object",
            reseal(not_object, link=False),
            "consistency: data/revisions/2.json: previous is neither null nor an object",
        ),
        bag(
            "revision_1_has_a_predecessor",
            reseal(predecessor),
            "revision: data/revisions/1.json: revision 1 cannot have a predecessor",
        ),
        bag("revision_2_adds_an_item_file", reseal(added_item), "revision: data/items/009.png"),
        *_readded_review_scenarios(base),
    ]


def _four_revisions(base: Base) -> dict[str, bytes]:
    """``base.two`` after two more real revisions by the DSL (notes ``r3-note.json`` and ``r4-note.json``)."""
    bag = dict(base.two)
    for k in (3, 4):
        verified = bundle.verify_bag(zip_bag(base.ref, bag), school_profile())
        bag = review.add_review(
            verified, dsl(), school_profile(), review.ReviewAction.NOTE, f"Note {k}", when=f"2026-11-25T1{k}:30:00.000Z"
        )
    return bag


def _readded_review_scenarios(base: Base) -> list[Scenario]:
    """Revision 3 drops revision 2's review file and revision 4 adds it back: signed, linked and chained.

    Revision 2's manifest and signature are kept as the DSL signed them. With the same content every file of
    revision 2 still has the digest revision 2 signed today, so only the rule that each revision keeps all of
    the previous one's files stands in the way; with other content, the rule that no signed file changes later
    also does, and comes first.
    """
    four = _four_revisions(base)

    def without_note(k: int, manifest: bytes) -> bytes:
        lines = manifest.splitlines(keepends=True)
        return b"".join(line for line in lines if k != 3 or not line.endswith(f"  {NOTE}\n".encode()))

    def readded(content: bytes) -> bytes:
        bag = _with_file(four, 4, NOTE, content)
        return encrypt(zip_bag(base.ref, reseal(bag, keep={1, 2}, edit_manifest=without_note)))

    return [
        Scenario(
            "revision_3_drops_a_review_and_revision_4_adds_it_back",
            readded(four[NOTE]),
            f"revision: {NOTE}: revision 3 changed or dropped a file of revision 2",
        ),
        Scenario(
            "revision_3_drops_a_review_and_revision_4_adds_other_content",
            readded(pretty({"note": "Nothing happened"})),
            f"revision: {NOTE}: revision 2's file was changed or removed later",
        ),
    ]


def _custody_scenarios(base: Base) -> list[Scenario]:
    one, two, ref = base.one, base.two, base.ref
    log = entries(one)

    def bag(name: str, b: dict[str, bytes], expect: str) -> Scenario:
        return Scenario(name, encrypt(zip_bag(ref, b)), expect)

    def custody(name: str, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]], why: str) -> Scenario:
        return bag(name, _edit_custody(one, change), f"custody: {CUSTODY}: {why}")

    def broken_link(log: list[dict[str, Any]], index: int) -> list[dict[str, Any]]:
        """Point entry ``index`` (0-based) elsewhere, keeping every hash and every later link right."""
        log[index]["prev_hash"] = sha(b"somewhere else")
        moved = chain([log[index]], link=False)
        return log[:index] + moved + chain(log[index + 1 :], start=moved[0]["hash"])

    def non_canonical(lines: bytes) -> bytes:
        split = lines.splitlines(keepends=True)
        split[1] = json.dumps(json.loads(split[1]), sort_keys=True).encode() + b"\n"
        return b"".join(split)

    def altered(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
        log[1]["details"] = {**log[1]["details"], "size": 1}
        return log

    def retyped(field_name: str, value: Any) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
        def change(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
            log[1][field_name] = value
            return chain(log)

        return change

    appended = make_entry(
        CustodyEntry(**log[-1]), actor=staff().card.principal, action=Action.OPENED, subject=ref, time_utc=REVIEWED_AT
    )
    stale_head = dict(one)
    stale_head[CUSTODY] = one[CUSTODY] + appended.to_bytes() + b"\n"
    restart = entries(two, "data/custody-r2.jsonl")
    restart[0]["seq"] = 1
    restarted = {**two, "data/custody-r2.jsonl": jsonl(chain(restart))}
    no_r2_log = _edit_record(two, 2, lambda r: r.update(files=[f for f in r["files"] if "custody" not in f]))
    no_r2_log = reseal({n: d for n, d in no_r2_log.items() if n != "data/custody-r2.jsonl"}, heads=False)
    first_r2 = len(log) + 1
    return [
        bag(
            "custody_non_canonical_line",
            reseal({**one, CUSTODY: non_canonical(one[CUSTODY])}),
            f"custody: {CUSTODY}: custody log line 2 is not in canonical form",
        ),
        custody("custody_broken_link", lambda g: broken_link(g, 2), "custody entry 3 does not link to entry 2"),
        custody(
            "custody_entry_removed",
            lambda g: g[:2] + g[3:],
            "custody entry 3 has seq 4: an entry is missing or reordered",
        ),
        custody(
            "custody_entries_swapped",
            lambda g: [g[0], g[2], g[1], *g[3:]],
            "custody entry 2 has seq 3: an entry is missing or reordered",
        ),
        custody("custody_entry_altered", altered, "custody entry 2 was altered (its hash does not match)"),
        custody("custody_unknown_action", retyped("action", "teleported"), "custody entry 2: 'teleported' is not"),
        custody("custody_bad_time", retyped("time_utc", "yesterday"), "custody entry 2: time 'yesterday' is not UTC"),
        custody("custody_seq_is_text", retyped("seq", "2"), "custody entry has a bad seq or details"),
        custody(
            "custody_extra_field",
            lambda g: [g[0], {**g[1], "note": "x"}, *g[2:]],
            "custody entry has fields",
        ),
        bag("custody_log_empty", reseal({**one, CUSTODY: b""}), f"custody: {CUSTODY}: is empty"),
        bag(
            "custody_log_no_final_newline",
            reseal({**one, CUSTODY: one[CUSTODY][:-1]}),
            f"custody: {CUSTODY}: custody log does not end with a newline",
        ),
        bag(
            "custody_head_not_signed",
            reseal(stale_head, heads=False),
            f"custody: {CUSTODY}: revision 1 does not sign this log's last entry",
        ),
        bag(
            "custody_revision_2_log_missing",
            no_r2_log,
            "custody: data/custody-r2.jsonl: revision 2's custody log is missing",
        ),
        bag(
            "custody_revision_2_restarts_the_chain",
            reseal(restarted),
            f"custody: data/custody-r2.jsonl: custody entry {first_r2} has seq 1",
        ),
    ]


def _consistency_scenarios(base: Base) -> list[Scenario]:
    one, ref = base.one, base.ref
    incident = "consistency: data/incident.json"

    def bag(name: str, b: dict[str, bytes], expect: str) -> Scenario:
        return Scenario(name, encrypt(zip_bag(ref, b)), expect)

    def item(k: int, **changes: Any) -> Callable[[dict[str, Any]], None]:
        return lambda inc: inc["items"][k].update(changes)

    def without_capture_of(seq: int) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
        def change(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
            kept = [e for e in log if not (e["action"] == "captured" and e["details"].get("item") == seq)]
            for n, e in enumerate(kept, start=1):
                e["seq"] = n
            return chain(kept)

        return change

    def capture_detail(**changes: Any) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
        def change(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
            log[1]["details"] = {**log[1]["details"], **changes}
            return chain(log)

        return change

    record = "data/revisions/1.json"
    orphan = _with_file(one, 1, "data/items/009.png", one["data/items/001.png"])
    wrong_number = _edit_record(one, 1, lambda r: r.update(revision=2))
    extra_listed = _edit_record(one, 1, lambda r: r.update(files=sorted([*r["files"], "data/items/009.png"])))
    files_not_text = _edit_record(one, 1, lambda r: r.update(files=[*r["files"], ["data/items/009.png"]]))
    signer_text = _edit_record(one, 1, lambda r: r.update(signer=staff().card.principal))
    return [
        bag("incident_json_not_json", reseal({**one, INCIDENT: b"{not json\n"}), f"{incident}: not valid JSON"),
        bag(
            "incident_json_wrong_format",
            _edit_incident(one, lambda i: i.update(format="something-else/1")),
            f"{incident}: is not the incident record of EC-",
        ),
        bag(
            "incident_json_items_not_a_list",
            _edit_incident(one, lambda i: i.update(items={"1": i["items"][0]})),
            f"{incident}: items or excluded is not a list",
        ),
        bag(
            "incident_json_item_not_an_object",
            _edit_incident(one, lambda i: i["items"].append("data/items/001.png")),
            f"{incident}: an item is not an object",
        ),
        bag(
            "item_points_at_a_missing_file",
            _edit_incident(one, item(0, file="data/items/009.png")),
            f"{incident}: item 1's file is not in the manifest",
        ),
        bag(
            "item_points_at_a_missing_context",
            _edit_incident(one, item(0, context="data/items/009.context.json")),
            f"{incident}: item 1's context is not in the manifest",
        ),
        bag(
            "item_sha256_differs_from_the_manifest",
            _edit_incident(one, item(0, sha256=sha(b"something else"))),
            "consistency: data/items/001.png: item 1's SHA-256 differs from the manifest",
        ),
        bag(
            "item_without_custody_entry",
            _edit_custody(one, without_capture_of(2)),
            f"consistency: {CUSTODY}: item 2 has no capture entry in the custody log",
        ),
        bag(
            "item_custody_entry_names_another_digest",
            _edit_custody(one, capture_detail(sha256=sha(b"something else"))),
            "consistency: data/items/001.png: item 1's SHA-256 differs from its custody entry",
        ),
        bag(
            "item_custody_entry_item_not_a_number",
            _edit_custody(one, capture_detail(item=[1])),
            f"consistency: {CUSTODY}",
        ),
        bag(
            "item_seq_not_a_number",
            _edit_incident(one, item(0, seq=[1])),
            incident,
        ),
        bag(
            "item_dated_before_the_item_above",
            _edit_incident(
                one,
                lambda i: (
                    i["items"][0].update(created_utc="2026-11-25T11:00:00.000Z"),
                    i["items"][1].update(created_utc="2026-11-25T10:00:00.000Z"),
                ),
            ),
            f"{incident}: item 2 is dated before the item listed above it",
        ),
        bag(
            "item_listed_twice",
            _edit_incident(one, lambda i: i["items"].insert(1, i["items"][0])),
            f"{incident}: an item is listed twice",
        ),
        bag(
            "excluded_item_without_reason",
            _edit_incident(one, lambda i: i["excluded"][0].update(reason="")),
            f"{incident}: an excluded item has no reason",
        ),
        bag(
            "excluded_item_dropped_from_the_list",
            _edit_incident(one, lambda i: i.update(excluded=[])),
            f"{incident}: the custody log records item 3, which the bundle does not account for",
        ),
        bag(
            "bag_file_belonging_to_no_item",
            reseal(orphan),
            "consistency: data/items/009.png: is in the bag but belongs to no item",
        ),
        bag(
            "context_not_an_object",
            reseal({**one, "data/items/001.context.json": b"[]\n"}),
            "consistency: data/items/001.context.json: context is not an object",
        ),
        bag(
            "context_not_json",
            reseal({**one, "data/items/001.context.json": b"\xff\n"}),
            "consistency: data/items/001.context.json: not valid JSON",
        ),
        bag(
            "revision_record_not_json",
            reseal({**one, record: b"[\n"}, signers={1: staff()}),
            f"consistency: {record}: not valid JSON",
        ),
        bag(
            "revision_record_wrong_number",
            reseal(wrong_number),
            f"consistency: {record}: is not the record of revision 1",
        ),
        bag(
            "revision_record_files_differ_from_its_manifest",
            reseal(extra_listed),
            f"consistency: {record}: revision 1's file list does not match its manifest",
        ),
        bag(
            "revision_record_files_not_text",
            reseal(files_not_text),
            f"consistency: {record}: files is not a list of paths",
        ),
        bag(
            "revision_record_signer_not_an_object", reseal(signer_text, signers={1: staff()}), f"consistency: {record}"
        ),
    ]


TRUST = "seal/trust"
ROOT_PUB = f"{TRUST}/root.pub"
ROOT_ALLOWED = f"{TRUST}/root_allowed_signers"


def trust_name(v: int, leaf: str) -> str:
    """``seal/trust/vV/LEAF``."""
    return f"{TRUST}/v{v}/{leaf}"


def trust_files_of(profile: Profile) -> dict[str, bytes]:
    """The ``seal/trust/`` files of a signed profile, as FORMAT.md lays them out (root key, body, signatures, and the
    derived signer list with the principal repeated as the key's comment; reviewers may sign disposals when the body
    has a ``[retention]`` table)."""
    assert profile.signature is not None
    assert profile.root is not None
    v, sig, root_line = profile.version, profile.signature, sshsig.public_key_line(profile.root.ssh_key)
    lines = []
    for role, people in (("reviewer", profile.reviewers), ("staff", profile.staff)):
        spaces = f"{SEAL_NAMESPACE},{ORIGIN_NAMESPACE}" + (",evidence-capture-export-v1" if role == "reviewer" else "")
        if role == "reviewer" and b"\n[retention]\n" in sig.body:  # a profile stating retention rules
            spaces += ",evidence-capture-disposal-v1"
        for card in people:
            assert isinstance(card, PublicCard)
            line = f'{card.principal} namespaces="{spaces}" {sshsig.public_key_line(card.ssh_key)} {card.principal}\n'
            if not any(card.principal in seen and line.split()[-2] in seen for seen in lines):
                lines.append(line)
    return {
        ROOT_PUB: f"{root_line} school-root\n".encode(),
        ROOT_ALLOWED: f'school-root namespaces="evidence-capture-profile-v1" {root_line}\n'.encode(),
        trust_name(v, "profile.toml"): sig.body,
        trust_name(v, "profile.toml.sig"): sig.profile_sig.encode(),
        trust_name(v, "allowed_signers"): "".join(lines).encode(),
        trust_name(v, "allowed_signers.sig"): sig.allowed_signers_sig.encode(),
    }


def _retrust(bag: Mapping[str, bytes], k: int, *, version: int | None = None) -> dict[str, bytes]:
    """Revision ``k``'s ``trust`` object pointed at version ``version`` (default: its own) as the bag holds it now."""

    def change(record: dict[str, Any]) -> None:
        v = version or record["trust"]["profile_version"]
        record["trust"].update(
            profile_version=v,
            profile_sha256=sha(bag[trust_name(v, "profile.toml")]),
            allowed_signers_sha256=sha(bag[trust_name(v, "allowed_signers")]),
        )

    return _edit_record(bag, k, change)


def _trust_scenarios(base: Base) -> list[Scenario]:
    """The trust path: forgeries by someone with signing keys but without the school root's (FORMAT.md, trust)."""
    one, two, ref = base.one, base.two, base.ref

    def bag(name: str, b: dict[str, bytes], expect: str, **kw: Any) -> Scenario:
        return Scenario(name, encrypt(zip_bag(ref, b)), expect, **kw)

    outsider_line = (
        f'j.smith@school.example namespaces="{SEAL_NAMESPACE},{ORIGIN_NAMESPACE}" '
        f"{sshsig.public_key_line(outsider().card.ssh_key)} j.smith@school.example\n"
    ).encode()
    v1_signers = trust_name(1, "allowed_signers")
    # (b) an outsider's key under a staff principal, in the bag's copy only, and in the root-signed list too
    extra_in_copy = reseal(one, tags={ALLOWED_SIGNERS: one[ALLOWED_SIGNERS] + outsider_line})
    extra_in_v1 = reseal(_retrust({**one, v1_signers: one[v1_signers] + outsider_line}, 1))
    # the whole forgery: an item replaced, signed by the outsider as Jane, the signer lists extended to match
    forged = {**one, "data/items/001.png": one["data/items/002.png"], v1_signers: one[v1_signers] + outsider_line}
    forged = _edit_incident(forged, lambda i: i["items"][0].update(sha256=sha(one["data/items/002.png"])))
    forged = reseal(_retrust(forged, 1), signers={1: outsider()})
    # a profile edited to list the outsider as Jane (the root's signature over the body no longer verifies)
    body = one[trust_name(1, "profile.toml")].decode()
    edited_body = body.replace(staff().card.recipient, outsider().card.recipient).encode()
    body_edited = reseal(_retrust({**one, trust_name(1, "profile.toml"): edited_body}, 1))
    # a whole trust path of the forger's own root: their profile lists the outsider as "Jane Smith"
    fake_jane = PublicCard("Jane Smith", staff().card.principal, staff().card.role, outsider().card.recipient,
                           outsider().card.ssh_key)  # fmt: skip
    theirs = Profile(school="Example Academy", reviewers=(dsl().card, head().card), staff=(fake_jane,))
    theirs = theirs.sign(other_root(), version=1, issued_utc=ISSUED_AT)
    own_root = {n: d for n, d in one.items() if not n.startswith(f"{TRUST}/")}
    own_root.update(trust_files_of(theirs))
    own_root = _edit_record(own_root, 1, lambda r: r.update(signer=signer_json(outsider()) | {"name": "Jane Smith",
                            "principal": staff().card.principal, "role": "staff"}))  # fmt: skip
    own_root = _edit_record(own_root, 1, lambda r: r["trust"].update(root_fingerprint=theirs.root_fingerprint))
    own_root = reseal(_retrust(own_root, 1), signers={1: outsider()})
    # versions: revision 1 under version 2, revision 2 under version 1
    v2 = trust_files_of(school_profile(version=2))
    downgraded = _retrust({**two, **v2}, 1, version=2)
    downgraded = reseal(downgraded)
    newer_v2 = reseal(_retrust({**two, **v2}, 2, version=2))  # a later revision under a newer version: valid
    assert newer_v2 != two
    swapped_dirs = {**one}
    for leaf in ("profile.toml", "profile.toml.sig", "allowed_signers", "allowed_signers.sig"):
        swapped_dirs[trust_name(1, leaf)] = v2[trust_name(2, leaf)]
    swapped_dirs = reseal(_retrust(swapped_dirs, 1))
    no_path = reseal({n: d for n, d in one.items() if not n.startswith(f"{TRUST}/")})
    other_key_root = reseal(
        one, tags={ROOT_PUB: f"{sshsig.public_key_line(other_root().card.ssh_key)} school-root\n".encode()}
    )
    forged_name = "Dee Lead"
    name_forged = reseal(_edit_record(one, 1, lambda r: r["signer"].update(name=forged_name)))
    escaped = reseal(_edit_record(one, 1, lambda r: r["signer"].update(name="Jane\x1b[2J\nSmith")))
    role_forged = reseal(_edit_record(one, 1, lambda r: r["signer"].update(role="reviewer")))
    age_forged = reseal(_edit_record(one, 1, lambda r: r["signer"].update(age=outsider().card.recipient)))
    ssh_forged = reseal(
        _edit_record(one, 1, lambda r: r["signer"].update(ssh=sshsig.public_key_line(staff().card.ssh_key, "x")))
    )
    rec = "data/revisions/1.json"
    return [
        bag(
            "trust_allowed_signers_copy_with_an_outsider",
            extra_in_copy,
            f"trust path: {ALLOWED_SIGNERS}: is not the latest revision's root-signed {v1_signers}",
        ),
        bag(
            "trust_signed_list_with_an_outsider",
            extra_in_v1,
            f"trust path: {v1_signers}: is not the signer list the school root signed",
        ),
        bag("trust_forgery_item_replaced_by_an_outsider", forged, f"trust path: {v1_signers}: is not the signer list"),
        bag(
            "trust_profile_body_edited",
            body_edited,
            "trust path: seal/trust/v1/profile.toml: profile version 1: the root's signature over profile",
        ),
        bag(
            "trust_path_of_another_root",
            own_root,
            f"trust path: {ROOT_PUB}: the bundle's school root is {theirs.root_fingerprint}",
        ),
        bag("trust_root_key_swapped", other_key_root, f"trust path: {ROOT_PUB}: is not the key of the school root"),
        bag(
            "trust_root_allowed_signers_extra_line",
            reseal(one, tags={ROOT_ALLOWED: one[ROOT_ALLOWED] + outsider_line}),
            f"trust path: {ROOT_ALLOWED}: is not the one line",
        ),
        bag(
            "trust_signature_missing",
            reseal(one, tags={trust_name(1, "allowed_signers.sig"): None}),
            f"trust path: {trust_name(1, 'allowed_signers.sig')}: missing",
        ),
        bag(
            "trust_version_in_the_wrong_folder",
            swapped_dirs,
            "trust path: seal/trust/v1/profile.toml: is version 2, not 1",
        ),
        bag(
            "trust_path_removed",
            no_path,
            "trust path: seal/trust: revision 1 names a trust path the bag does not carry",
        ),
        bag(
            "trust_object_removed",
            reseal(_edit_record(one, 1, lambda r: r.pop("trust"))),
            f"trust path: {rec}: revision 1 names no trust path",
        ),
        bag(
            "trust_object_names_a_missing_version",
            reseal(_edit_record(one, 1, lambda r: r["trust"].update(profile_version=7))),
            f"trust path: {rec}: revision 1 names profile version 7",
        ),
        bag(
            "trust_object_with_a_wrong_digest",
            reseal(_edit_record(one, 1, lambda r: r["trust"].update(profile_sha256="0" * 64))),
            "trust path: seal/trust/v1/profile.toml: revision 1 does not bind this profile",
        ),
        bag(
            "trust_object_of_another_root",
            reseal(_edit_record(one, 1, lambda r: r["trust"].update(root_fingerprint=other_root().card.fingerprint))),
            f"trust path: {rec}: revision 1 names another school root",
        ),
        bag(
            "trust_profile_version_decreases",
            downgraded,
            "trust path: data/revisions/2.json: revision 2 was made under profile version 1, older than revision 1's",
        ),
        bag(
            "trust_unknown_file",
            reseal(one, tags={trust_name(1, "notes.txt"): b"hello\n"}),
            "bagit: seal/trust/v1/notes.txt: is not a file a sealed bundle may hold",
        ),
        bag(
            "signer_record_name_forged",
            name_forged,
            f"untrusted signer: {rec}: revision 1's signer record gives name '{forged_name}'",
        ),
        bag(
            "signer_record_name_with_control_characters",
            escaped,
            f"untrusted signer: {rec}: revision 1's signer record gives name 'Jane [2J Smith'",
        ),
        bag(
            "signer_record_role_forged",
            role_forged,
            f"untrusted signer: {rec}: revision 1's signer record gives role 'reviewer'",
        ),
        bag("signer_record_age_forged", age_forged, f"untrusted signer: {rec}: revision 1's signer record gives age"),
        bag(
            "signer_record_ssh_with_a_comment",
            ssh_forged,
            f"untrusted signer: {rec}: revision 1's signer record gives ssh",
        ),
    ]


def _legacy_scenarios(legacy: Base) -> list[Scenario]:
    """Bags sealed before school roots (no trust path), checked against a format-1 profile as they were."""
    one, two, ref = legacy.one, legacy.two, legacy.ref

    def bag(name: str, b: dict[str, bytes], expect: str) -> Scenario:
        return Scenario(name, encrypt(zip_bag(ref, b)), expect, profile="legacy")

    outsider_line = (
        f'j.smith@school.example namespaces="{SEAL_NAMESPACE},{ORIGIN_NAMESPACE}" '
        f"{sshsig.public_key_line(outsider().card.ssh_key)}\n"
    ).encode()
    return [
        bag(
            "legacy_allowed_signers_with_an_outsider",
            reseal(one, tags={ALLOWED_SIGNERS: one[ALLOWED_SIGNERS] + outsider_line}),
            f"signature: {ALLOWED_SIGNERS}: is not the list of the revisions' signers",
        ),
        bag(
            "legacy_allowed_signers_with_a_comment",
            reseal(two, tags={ALLOWED_SIGNERS: b"# the signers\n" + two[ALLOWED_SIGNERS]}),
            f"signature: {ALLOWED_SIGNERS}: is not the list of the revisions' signers",
        ),
        bag(
            "legacy_reviewer_record_name_forged",
            reseal(_edit_record(two, 2, lambda r: r["signer"].update(name="Dee Lead"))),
            "untrusted signer: data/revisions/2.json: revision 2's signer record gives name 'Dee Lead'",
        ),
        bag(
            "legacy_trust_object_without_a_trust_path",
            reseal(_edit_record(one, 1, lambda r: r.update(trust={"profile_version": 1}))),
            "trust path: seal/trust: revision 1 names a trust path the bag does not carry",
        ),
    ]


def scenarios(workdir: Path) -> list[Scenario]:
    """Every hostile bundle, built from a real incident sealed in ``workdir``."""
    base = make_base(workdir)
    legacy = make_base(workdir / "legacy", legacy_profile)
    zip_one = zip_bag(base.ref, base.one)
    sealed = encrypt(zip_one)
    return [
        *_age_scenarios(zip_one, sealed),
        *_zip_scenarios(base),
        *_bagit_scenarios(base),
        *_hash_scenarios(base),
        *_signature_scenarios(base),
        *_revision_scenarios(base),
        *_custody_scenarios(base),
        *_consistency_scenarios(base),
        *_trust_scenarios(base),
        *_legacy_scenarios(legacy),
    ]


def main(argv: list[str]) -> int:
    """Write every scenario to the directory named by ``argv[0]``."""
    if len(argv) != 1:
        print("usage: make_bundle_corpus.py OUTDIR", file=sys.stderr)
        return 2
    import tempfile

    outdir = Path(argv[0])
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        for s in scenarios(Path(work)):
            (outdir / f"{s.name}.zip.age").write_bytes(s.ciphertext)
            (outdir / f"{s.name}.expect").write_text(s.expect_text(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
