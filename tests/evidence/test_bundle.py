"""Sealed bundles: seal, verify, tamper, untrusted signers and append-only revisions."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest
from bundles import SEALED_AT, bag_of, dsl, head, make_sealed, rezip, school_profile, staff
from helpers import identity
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from evidence import bundle
from evidence.bundle.records import RevisionRecord
from evidence.case.custody import Action, CustodyEntry, make_entry
from evidence.case.profile import Profile
from evidence.core import canonical
from evidence.core.errors import BundleError, EvidenceError, UsageError
from evidence.crypto import sshsig


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return make_sealed(tmp_path_factory.mktemp("sealed"), items=2, exclude=True)


def test_seal_then_verify(sealed) -> None:  # type: ignore[no-untyped-def]
    verified = bundle.open_bundle(sealed.ciphertext, [dsl().age_secret], school_profile())
    assert verified.ref == sealed.ref
    assert [verified.bag[i.file] for i in verified.items] == sealed.pngs
    assert verified.excluded[0].reason == "my own e-mail was on screen"
    assert verified.sealer.signer_principal == staff().card.principal
    assert verified.sealer.signer_fingerprint == staff().card.fingerprint
    assert "2 items" in verified.summary()
    assert "1 revision" in verified.summary()
    actions = [e.action for e in verified.custody]
    assert actions == ["created", "captured", "captured", "captured", "excluded"]


def test_bag_layout(sealed) -> None:  # type: ignore[no-untyped-def]
    bag = bag_of(sealed.zip_bytes)
    for name in (
        *bundle.TAG_FILES,
        bundle.INCIDENT_JSON,
        bundle.CUSTODY_JSONL,
        "data/items/001.png",
        "data/items/001.context.json",
        bundle.revision_manifest_path(1),
        bundle.revision_signature_path(1),
    ):
        assert name in bag, name
    assert "data/items/003.png" not in bag  # the excluded item is listed, not carried
    manifest = bag[bundle.MANIFEST].decode()
    assert all(line.split("  ")[1].startswith("data/") for line in manifest.splitlines())
    assert bag["bagit.txt"] == b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    assert "Payload-Oxum: " in bag["bag-info.txt"].decode()


def test_only_reviewers_can_open(sealed) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BundleError) as info:
        bundle.open_bundle(sealed.ciphertext, [staff().age_secret], school_profile())
    assert info.value.check == "unreadable"
    bundle.open_bundle(sealed.ciphertext, [head().age_secret], school_profile())


def test_sealing_is_deterministic_apart_from_the_time(sealed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from evidence.bundle.seal import snapshot
    from evidence.vault.store import Vault

    with Vault(sealed.vault_path) as vault:
        snap = snapshot(vault, sealed.ref, staff(), school_profile())
    a = bundle.zip_bag(snap.ref, bundle.build_bag(snap, staff(), SEALED_AT))
    b = bundle.zip_bag(snap.ref, bundle.build_bag(snap, staff(), SEALED_AT))
    assert a == b
    later = bundle.build_bag(snap, staff(), "2026-11-26T09:00:00.000Z")
    first = bag_of(a)
    differ = {n for n in first if first[n] != later.get(n)}
    assert differ <= {
        "data/revisions/1.json",
        "bag-info.txt",
        bundle.MANIFEST,
        bundle.TAGMANIFEST,
        bundle.SIGNATURE,
        bundle.revision_manifest_path(1),
        bundle.revision_signature_path(1),
    }
    assert all(first[n] == later[n] for n in first if n.startswith("data/items/"))


def test_origin_signature(sealed) -> None:  # type: ignore[no-untyped-def]
    sig = sealed.result.signature_path.read_bytes()
    assert bundle.verify_origin(sealed.ciphertext, sig, school_profile()) == (
        staff().card.principal,
        staff().card.fingerprint,
    )
    with pytest.raises(BundleError, match="origin"):
        bundle.verify_origin(sealed.ciphertext + b"x", sig, school_profile())


# -- tampering inside the bag (re-wrapped in a valid zip) ---------------------------------------------------------

MEMBER_CHECKS = {
    "data/items/001.png": "payload hash",
    "data/items/001.context.json": "payload hash",
    "data/custody.jsonl": "payload hash",
    "data/incident.json": "payload hash",
    "data/revisions/1.json": "payload hash",
    bundle.MANIFEST: ("bagit", "payload hash"),
    bundle.SIGNATURE: "payload hash",
    bundle.ALLOWED_SIGNERS: "payload hash",
    bundle.revision_manifest_path(1): ("bagit", "payload hash"),
    bundle.revision_signature_path(1): "payload hash",
    "bagit.txt": "bagit",
    "bag-info.txt": "payload hash",
    "VERIFY.txt": "payload hash",
    bundle.TAGMANIFEST: ("bagit", "payload hash"),
}


@pytest.mark.parametrize("member", sorted(MEMBER_CHECKS))
@pytest.mark.parametrize("where", [0, 0.5, -2])
def test_flipped_byte_in_each_member(sealed, member: str, where: float) -> None:  # type: ignore[no-untyped-def]
    data = bytearray(bag_of(sealed.zip_bytes)[member])
    pos = int(len(data) * where) if where >= 0 else len(data) + int(where)
    data[pos] ^= 0x01
    with pytest.raises(BundleError) as info:
        bundle.verify_bag(rezip(sealed.zip_bytes, {member: bytes(data)}), school_profile())
    expected = MEMBER_CHECKS[member]
    assert info.value.check in (expected if isinstance(expected, tuple) else (expected,)), str(info.value)
    assert info.value.member is not None


def _retag(bag: dict[str, bytes]) -> dict[str, bytes]:
    """What a forger does after editing: recompute the (unsigned) tag manifest."""
    tags = {n: d for n, d in bag.items() if not n.startswith("data/") and n != bundle.TAGMANIFEST}
    bag[bundle.TAGMANIFEST] = "".join(f"{bundle.sha256_hex(tags[n])}  {n}\n" for n in sorted(tags)).encode()
    return bag


def _zip(ref: str, bag: dict[str, bytes]) -> bytes:
    return bundle.zip_bag(ref, bag)


def test_edited_evidence_with_recomputed_manifest_fails_the_signature(sealed) -> None:  # type: ignore[no-untyped-def]
    bag = bag_of(sealed.zip_bytes)
    bag["data/items/001.png"] = sealed.pngs[1]
    manifest = "".join(
        f"{bundle.sha256_hex(bag[n])}  {n}\n" for n in sorted(n for n in bag if n.startswith("data/"))
    ).encode()
    bag[bundle.MANIFEST] = bag[bundle.revision_manifest_path(1)] = manifest
    with pytest.raises(BundleError) as info:
        bundle.verify_bag(_zip(sealed.ref, _retag(bag)), school_profile())
    assert info.value.check == "signature"


def test_manifest_resigned_by_an_outsider_is_untrusted(sealed) -> None:  # type: ignore[no-untyped-def]
    outsider = identity("Out Sider", "out@elsewhere.example")
    bag = bag_of(sealed.zip_bytes)
    bag["data/items/001.png"] = sealed.pngs[1]
    record = canonical.loads_canonical(canonical.dumps(__import__("json").loads(bag["data/revisions/1.json"])))
    record["signer"] = {
        **record["signer"],
        "principal": outsider.card.principal,
        "fingerprint": outsider.card.fingerprint,
        "ssh": sshsig.public_key_line(outsider.card.ssh_key),
    }
    bag["data/revisions/1.json"] = bundle.pretty_json(record)
    manifest = "".join(
        f"{bundle.sha256_hex(bag[n])}  {n}\n" for n in sorted(n for n in bag if n.startswith("data/"))
    ).encode()
    sig = sshsig.sign(outsider.signing_key, manifest, bundle.SEAL_NAMESPACE).encode()
    bag[bundle.MANIFEST] = bag[bundle.revision_manifest_path(1)] = manifest
    bag[bundle.SIGNATURE] = bag[bundle.revision_signature_path(1)] = sig
    bag[bundle.ALLOWED_SIGNERS] = sshsig.format_allowed_signers(
        [sshsig.AllowedSigner(outsider.card.principal, outsider.card.ssh_key, (bundle.SEAL_NAMESPACE,))]
    ).encode()
    with pytest.raises(BundleError) as info:
        bundle.verify_bag(_zip(sealed.ref, _retag(bag)), school_profile())
    assert info.value.check == "untrusted signer"


def test_valid_bundle_of_another_school_is_untrusted(tmp_path: Path, sealed) -> None:  # type: ignore[no-untyped-def]
    other = Profile(school="Elsewhere High", reviewers=(dsl().card,))  # Jane is not a signer there
    with pytest.raises(BundleError) as info:
        bundle.open_bundle(sealed.ciphertext, [dsl().age_secret], other)
    assert info.value.check == "untrusted signer"
    assert "Elsewhere High" in str(info.value)


def test_unlisted_and_missing_files(sealed) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BundleError, match="not listed in the manifest") as info:
        bundle.verify_bag(rezip(sealed.zip_bytes, {"data/extra.txt": b"hi"}), school_profile())
    assert info.value.member == "data/extra.txt"
    with pytest.raises(BundleError, match="listed in the manifest but missing"):
        bundle.verify_bag(rezip(sealed.zip_bytes, {"data/items/002.png": None}), school_profile())
    with pytest.raises(BundleError, match="not a file a sealed bundle may hold"):
        bundle.verify_bag(rezip(sealed.zip_bytes, {"seal/extra": b"x"}), school_profile())
    tags = bag_of(sealed.zip_bytes)[bundle.TAGMANIFEST].decode()
    without = "".join(line + "\n" for line in tags.splitlines() if not line.endswith("  VERIFY.txt")).encode()
    with pytest.raises(BundleError, match=r"VERIFY\.txt: is not listed in the tag manifest"):
        bundle.verify_bag(rezip(sealed.zip_bytes, {bundle.TAGMANIFEST: without}), school_profile())


def test_swapped_items_between_bundles(tmp_path: Path, sealed) -> None:  # type: ignore[no-untyped-def]
    other = make_sealed(tmp_path, items=2)
    swapped = rezip(sealed.zip_bytes, {"data/items/001.png": bag_of(other.zip_bytes)["data/items/002.png"]})
    assert bag_of(other.zip_bytes)["data/items/002.png"] != bag_of(sealed.zip_bytes)["data/items/001.png"]
    with pytest.raises(BundleError) as info:
        bundle.verify_bag(swapped, school_profile())
    assert info.value.check in ("payload hash",)


# -- revisions ----------------------------------------------------------------------------------------------------


def _note_revision(verified: bundle.VerifiedBundle, who, text: str, when: str) -> bytes:  # type: ignore[no-untyped-def]
    entry = make_entry(
        verified.custody[-1],
        actor=who.card.principal,
        action=Action.REVIEWED,
        subject=verified.ref,
        details={"note": text},
        time_utc=when,
    )
    k = len(verified.revisions) + 1
    bag = bundle.revise(
        verified,
        who,
        school_profile(),
        action="note",
        new_files={f"data/reviews/r{k}-note.json": bundle.pretty_json({"note": text})},
        custody_entries=[entry],
        when=when,
    )
    return bundle.zip_bag(verified.ref, bag)


def test_three_revisions_by_two_people(sealed) -> None:  # type: ignore[no-untyped-def]
    v1 = bundle.verify_bag(sealed.zip_bytes, school_profile())
    v2 = bundle.verify_bag(_note_revision(v1, dsl(), "Met the victim", "2026-11-25T13:00:00.000Z"), school_profile())
    v3 = bundle.verify_bag(_note_revision(v2, head(), "Police informed", "2026-11-25T14:00:00.000Z"), school_profile())
    assert [r.signer_principal for r in v3.revisions] == [
        staff().card.principal,
        dsl().card.principal,
        head().card.principal,
    ]
    assert len(v3.custody) == len(v1.custody) + 2
    # every earlier signature still verifies over its own manifest, and revision 1's files are unchanged
    for k in (1, 2, 3):
        sshsig.verify(
            v3.bag[bundle.revision_signature_path(k)], v3.bag[bundle.revision_manifest_path(k)], bundle.SEAL_NAMESPACE
        )
    for name in v1.bag:
        if name.startswith("data/"):
            assert v3.bag[name] == v1.bag[name]
    # tamper with revision 1's evidence in revision 3, re-signing revision 3 honestly: still caught
    bag = dict(v3.bag)
    bag["data/items/001.png"] = sealed.pngs[1]
    forged = dataclasses.replace(v2, bag={**v2.bag, "data/items/001.png": sealed.pngs[1]})
    with pytest.raises(BundleError) as info:
        bundle.verify_bag(_note_revision(forged, head(), "x", "2026-11-25T15:00:00.000Z"), school_profile())
    assert info.value.check == "revision"
    assert info.value.member == "data/items/001.png"
    # dropping a file of revision 1 in revision 3
    dropped = dataclasses.replace(v2, bag={n: d for n, d in v2.bag.items() if n != "data/items/002.context.json"})
    with pytest.raises(BundleError) as info:
        bundle.verify_bag(_note_revision(dropped, head(), "x", "2026-11-25T15:00:00.000Z"), school_profile())
    assert info.value.check == "revision"


def test_a_later_revision_cannot_drop_or_rewrite_a_review_file(sealed) -> None:  # type: ignore[no-untyped-def]
    """Issue 9 mutant (d): revision 3 drops revision 2's review file (and revision 4 puts it back), or rewrites it."""
    v1 = bundle.verify_bag(sealed.zip_bytes, school_profile())
    v2 = bundle.verify_bag(_note_revision(v1, dsl(), "Met the victim", "2026-11-25T13:00:00.000Z"), school_profile())
    review = "data/reviews/r2-note.json"
    assert review in v2.bag
    rewritten = dataclasses.replace(v2, bag={**v2.bag, review: bundle.pretty_json({"note": "Nothing happened"})})
    dropped = dataclasses.replace(v2, bag={n: d for n, d in v2.bag.items() if n != review})
    v3_bag = bag_of(_note_revision(dropped, head(), "x", "2026-11-25T14:00:00.000Z"))
    assert review not in v3_bag
    record3 = RevisionRecord.parse(json.loads(v3_bag["data/revisions/3.json"]))
    entry3 = CustodyEntry.parse(json.loads(v3_bag["data/custody-r3.jsonl"].splitlines()[-1]))
    # revision 4 is made on revision 3 as signed, with the review file put back unchanged: the final manifest then
    # holds every file of every revision, and only the revision-to-revision rule can see the gap
    v3 = dataclasses.replace(
        v2,
        bag={**v3_bag, review: v2.bag[review]},
        revisions=(*v2.revisions, dataclasses.replace(v2.revisions[-1], number=3, record=record3, files=record3.files)),
        custody=(*v2.custody, entry3),
    )
    readded = _note_revision(v3, dsl(), "y", "2026-11-25T15:00:00.000Z")
    for forged in (_note_revision(rewritten, head(), "x", "2026-11-25T14:00:00.000Z"), readded):
        with pytest.raises(BundleError) as info:
            bundle.verify_bag(forged, school_profile())
        assert info.value.check == "revision"
        assert info.value.member == review


def test_staff_cannot_revise(sealed) -> None:  # type: ignore[no-untyped-def]
    v1 = bundle.verify_bag(sealed.zip_bytes, school_profile())
    with pytest.raises(UsageError, match="not a reviewer"):
        _note_revision(v1, staff(), "x", "2026-11-25T13:00:00.000Z")


# -- random damage --------------------------------------------------------------------------------------------------


_OPS = st.lists(
    st.tuples(
        st.sampled_from(["flip", "cut", "insert"]),
        st.integers(0, 2**24),
        st.integers(1, 255),
        st.binary(min_size=1, max_size=16),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_OPS)
def test_random_damage_raises_only_our_error(sealed, ops) -> None:  # type: ignore[no-untyped-def]
    blob = bytearray(sealed.zip_bytes)
    for op, where, amount, extra in ops:
        pos = where % len(blob)
        if op == "flip":
            blob[pos] ^= amount
        elif op == "cut":
            del blob[pos : pos + amount % 64 + 1]
        else:
            blob[pos:pos] = extra
        blob = blob or bytearray(b"\0")
    assume(bytes(blob) != sealed.zip_bytes)  # two flips of one byte cancel out
    try:
        bundle.verify_bag(bytes(blob), school_profile())
    except EvidenceError:
        return
    pytest.fail("damaged bundle verified")


def test_outer_layer_flips_never_verify(sealed) -> None:  # type: ignore[no-untyped-def]
    positions = sorted(
        {
            0,
            5,
            30,
            100,
            200,
            len(sealed.ciphertext) // 2,
            len(sealed.ciphertext) - 1,
            *range(300, len(sealed.ciphertext), max(1, len(sealed.ciphertext) // 40)),
        }
    )
    for pos in positions:
        blob = bytearray(sealed.ciphertext)
        blob[pos] ^= 0x20
        with pytest.raises(BundleError):
            bundle.open_bundle(bytes(blob), [dsl().age_secret], school_profile())
    _ = io  # keep the import for readers of the tamper helpers
