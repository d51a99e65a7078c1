"""Whole-file tampering of a real sealed bundle: flipped bytes, truncations and files swapped between bundles.

The age layer authenticates every byte of ``REF.zip.age``, so a flipped byte or a cut must be caught there
(``unreadable`` or ``decrypt``) and never reach the bag. Swaps happen inside the bag, re-zipped and re-encrypted
to the school's reviewers, as anyone holding a decrypted bundle (an exported copy, say) can do with public keys
alone: they must fail at the payload hashes, or at the signature once the forger has recomputed the manifests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pytest
from bundles import Sealed, bag_of, dsl, make_sealed, school_profile

from evidence import bundle
from evidence.core.errors import BundleError

FLIPS = 512
TRUNCATIONS = 50
MASKS = (0x01, 0x80, 0x20, 0xFF)
AGE_CHECKS = {"unreadable", "decrypt"}


@dataclass(frozen=True)
class Pair:
    """Two valid bundles of two incidents, sealed by the same person."""

    a: Sealed
    b: Sealed


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Pair:
    a = make_sealed(tmp_path_factory.mktemp("a"), items=3)
    b = make_sealed(tmp_path_factory.mktemp("b"), items=3)
    assert a.ref != b.ref
    return Pair(a, b)


def _open(ciphertext: bytes) -> bundle.VerifiedBundle:
    return bundle.open_bundle(ciphertext, [dsl().age_secret], school_profile())


def _rejected(ciphertext: bytes) -> BundleError:
    """The error ``open_bundle`` raises; fail if it verifies or raises anything else."""
    try:
        _open(ciphertext)
    except BundleError as e:
        return e
    pytest.fail("a tampered bundle verified")


def test_the_untampered_bundles_verify(pair: Pair) -> None:
    assert _open(pair.a.ciphertext).ref == pair.a.ref
    assert _open(pair.b.ciphertext).ref == pair.b.ref
    assert len(_open(pair.a.ciphertext).items) == 3


def test_every_flipped_byte_is_rejected_by_the_age_layer(pair: Pair) -> None:
    data = pair.a.ciphertext
    payload = data.index(b"\n", data.index(b"\n---") + 1) + 1
    spread = {i * (len(data) - 1) // (FLIPS - 1) for i in range(FLIPS)}
    assert len(spread) >= 500
    positions = sorted(spread | set(range(payload + 16)))  # and every byte of the header and the nonce
    seen = set()
    for n, pos in enumerate(positions):
        blob = bytearray(data)
        blob[pos] ^= MASKS[n % len(MASKS)]
        error = _rejected(bytes(blob))
        assert error.check in AGE_CHECKS, (pos, str(error))
        seen.add(error.check)
    # "unreadable": the version line (not an age file) or our own stanza (no identity opens it); else "decrypt"
    assert seen == AGE_CHECKS


def test_every_truncation_is_rejected_by_the_age_layer(pair: Pair) -> None:
    data = pair.a.ciphertext
    lengths = sorted({i * (len(data) - 1) // (TRUNCATIONS - 1) for i in range(TRUNCATIONS)})
    assert len(lengths) == TRUNCATIONS
    assert lengths[0] == 0
    assert lengths[-1] == len(data) - 1
    for length in lengths:
        error = _rejected(data[:length])
        assert error.check in AGE_CHECKS, (length, str(error))


# -- whole files swapped between two bundles ------------------------------------------------------------------


REVISION_SIGNATURE = bundle.revision_signature_path(1)
SWAPS: dict[str, dict[str, str]] = {
    # A's member ← B's member
    "item_png": {"data/items/001.png": "data/items/002.png"},
    "custody_log": {bundle.CUSTODY_JSONL: bundle.CUSTODY_JSONL},
    "revision_record": {"data/revisions/1.json": "data/revisions/1.json"},
    "signature": {bundle.SIGNATURE: bundle.SIGNATURE, REVISION_SIGNATURE: REVISION_SIGNATURE},
    "manifest_and_signature": {
        bundle.MANIFEST: bundle.MANIFEST,
        bundle.revision_manifest_path(1): bundle.revision_manifest_path(1),
        bundle.SIGNATURE: bundle.SIGNATURE,
        REVISION_SIGNATURE: REVISION_SIGNATURE,
    },
}


def _recompute(bag: dict[str, bytes], *, manifests: bool) -> dict[str, bytes]:
    """What a forger without a signing key can redo: the manifests (if asked) and the tag manifest."""
    if manifests:
        payload = sorted(n for n in bag if n.startswith("data/"))
        manifest = "".join(f"{bundle.sha256_hex(bag[n])}  {n}\n" for n in payload).encode()
        bag[bundle.MANIFEST] = bag[bundle.revision_manifest_path(1)] = manifest
    tags = sorted(n for n in bag if not n.startswith("data/") and n != bundle.TAGMANIFEST)
    bag[bundle.TAGMANIFEST] = "".join(f"{bundle.sha256_hex(bag[n])}  {n}\n" for n in tags).encode()
    return bag


def _swapped(a: Sealed, b: Sealed, swap: Mapping[str, str]) -> dict[str, bytes]:
    ours, theirs = bag_of(a.zip_bytes), bag_of(b.zip_bytes)
    for mine, other in swap.items():
        assert ours[mine] != theirs[other], f"{mine}: the swap would change nothing"
        ours[mine] = theirs[other]
    return ours


def _expected(swap: str, forger: str) -> str:
    """The check that must stop it: the hashes, unless the forger recomputed what they cover."""
    if forger == "manifests_recomputed" or (forger == "tag_manifest_recomputed" and swap == "signature"):
        return "signature"
    return "payload hash"


@pytest.mark.parametrize("forger", ["swap_only", "tag_manifest_recomputed", "manifests_recomputed"])
@pytest.mark.parametrize("swap", sorted(SWAPS))
def test_a_file_swapped_in_from_another_incident_is_rejected(pair: Pair, swap: str, forger: str) -> None:
    bag = _swapped(pair.a, pair.b, SWAPS[swap])
    if forger != "swap_only":
        bag = _recompute(bag, manifests=forger == "manifests_recomputed")
    ciphertext = bundle.encrypt_bundle(bundle.zip_bag(pair.a.ref, bag), school_profile())
    error = _rejected(ciphertext)
    assert error.check == _expected(swap, forger), str(error)


def test_an_origin_signature_of_another_bundle_is_rejected(pair: Pair) -> None:
    theirs = pair.b.result.signature_path.read_bytes()
    with pytest.raises(BundleError) as info:
        bundle.verify_origin(pair.a.ciphertext, theirs, school_profile())
    assert info.value.check == "origin"
