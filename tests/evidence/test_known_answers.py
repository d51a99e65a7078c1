"""Known-answer tests that freeze the v1 derivations: a fixed input, the exact bytes or digest it must give.

Round-trip tests pass whatever the derivation is, as long as writer and reader agree; these do not. Changing the
signing-key label, the canonical JSON form, the custody hash or the pixel digest would silently give every
identity already issued a new signing key, or make every sealed bundle unverifiable, so each is pinned here to
values computed independently of this code (the signing key with ``openssl kdf HKDF`` and ``openssl pkey``, the
digests with ``sha256sum``). The signing-key vector is also written in docs/FORMAT.md ("Signing key").
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from evidence.capture.screen import pixels_sha256
from evidence.case.custody import GENESIS_HASH, Action, CustodyEntry, make_entry, verify_chain
from evidence.core import canonical
from evidence.crypto import keys, sshsig
from evidence.crypto.keys import Identity, Role

SPEC = (Path(__file__).resolve().parents[2] / "docs" / "FORMAT.md").read_text(encoding="utf-8")

KAT_AGE_SECRET = "AGE-SECRET-KEY-1KUSUJAHWGQ00NCMD70YGRMKDGYJQG4CXCL58W0ZJLGV9SNTSKMRQSVAU0L"
KAT_AGE_RECIPIENT = "age1egk24u3yjrsp3mrhjr8xlr4eymz8sk70g9f3nehpnnkpkjrwralq46g8mr"
KAT_SEED_HEX = "d3bbe67a16f0e9a388670be7420e620fc9e06e0fbf7eb4b3980b1da18909ada2"
KAT_PUBLIC_HEX = "9b0394713c76e500b76b62d23dc714cb0eb576850e1ed58ad027c23fe8ec4b91"
KAT_SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJsDlHE8duUAt2ti0j3HFMsOtXaFDh7VitAnwj/o7EuR"
KAT_FINGERPRINT = "SHA256:Hnu5jnT2TSeZtTM9SQ7avYYGgsHDf3ln+252gqkh7+Y"


def test_signing_key_known_answer() -> None:
    key = keys.derive_signing_key(KAT_AGE_SECRET)
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert seed.hex() == KAT_SEED_HEX
    assert public.hex() == KAT_PUBLIC_HEX
    assert sshsig.public_key_line(key.public_key()) == KAT_SSH_KEY
    assert sshsig.fingerprint(key.public_key()) == KAT_FINGERPRINT


def test_identity_card_from_the_known_secret() -> None:
    card = Identity._build(KAT_AGE_SECRET, "Jane Smith", "j.smith@school.example", Role.STAFF, "x").card
    assert card.recipient == KAT_AGE_RECIPIENT
    assert card.fingerprint == KAT_FINGERPRINT


def test_signing_key_vector_is_in_the_spec() -> None:
    for value in (KAT_AGE_SECRET, KAT_AGE_RECIPIENT, KAT_SEED_HEX, KAT_SSH_KEY, KAT_FINGERPRINT):
        assert value in SPEC, value


CANONICAL_VALUE = {
    "b": [1, -2, True, False, None],
    "a": 'café "q" \\ \n\u0007',
    "Z": {"y": 0, "x": ""},
    "é": "☃",
    "aa": -12345678901234567890,
    "\ufb01": 1,  # U+FB01 sorts before U+1F600 by code point (but after it in UTF-16 order)
    "\U0001f600": 2,
}
CANONICAL_BYTES = (
    b'{"Z":{"x":"","y":0},"a":"caf\xc3\xa9 \\"q\\" \\\\ \\n\\u0007","aa":-12345678901234567890,'
    b'"b":[1,-2,true,false,null],"\xc3\xa9":"\xe2\x98\x83","\xef\xac\x81":1,"\xf0\x9f\x98\x80":2}'
)


def test_canonical_json_known_answer() -> None:
    assert canonical.dumps(CANONICAL_VALUE) == CANONICAL_BYTES
    assert canonical.loads_canonical(CANONICAL_BYTES) == CANONICAL_VALUE
    assert hashlib.sha256(CANONICAL_BYTES).hexdigest() == (
        "fa543103406d1ee3522cc9b722ec622e2150645ca2eca96a5ff34b4428427cbe"
    )


CUSTODY_BODY = (
    b'{"action":"captured","actor":"j.smith@school.example","details":{"item":1,"sha256":"'
    + b"ab" * 32
    + b'"},"prev_hash":"'
    + b"0" * 64
    + b'","seq":1,"subject":"EC-20261125-7F3A9C/1","time_utc":"2026-11-25T10:51:49.123Z"}'
)
CUSTODY_HASH_1 = "e03651be37a0a004d4eef9ea9e98b24d3c05355bc57b5ba5f75b9ff83c484601"
CUSTODY_LINE_2 = (
    b'{"action":"sealed","actor":"j.smith@school.example","details":{"clock_anomaly":"clock is earlier than entry 1'
    b' (2026-11-25T10:51:49.123Z)"},"hash":"56a3016a1d5123fffafa778705194e38fd35e4c140a1b541213a91c5350e93f0",'
    b'"prev_hash":"e03651be37a0a004d4eef9ea9e98b24d3c05355bc57b5ba5f75b9ff83c484601","seq":2,'
    b'"subject":"EC-20261125-7F3A9C","time_utc":"2026-11-25T10:51:48.000Z"}'
)


def test_custody_entry_hash_known_answer() -> None:
    first = make_entry(
        None,
        actor="j.smith@school.example",
        action=Action.CAPTURED,
        subject="EC-20261125-7F3A9C/1",
        details={"item": 1, "sha256": "ab" * 32},
        time_utc="2026-11-25T10:51:49.123Z",
    )
    assert first.prev_hash == GENESIS_HASH
    assert canonical.dumps(first.body()) == CUSTODY_BODY
    assert hashlib.sha256(CUSTODY_BODY).hexdigest() == CUSTODY_HASH_1
    assert first.hash == CUSTODY_HASH_1
    second = make_entry(
        first,
        actor="j.smith@school.example",
        action=Action.SEALED,
        subject="EC-20261125-7F3A9C",
        time_utc="2026-11-25T10:51:48.000Z",
    )
    assert second.to_bytes() == CUSTODY_LINE_2
    verify_chain([first, CustodyEntry.parse(canonical.loads_canonical(CUSTODY_LINE_2))])


def test_pixel_digest_known_answer() -> None:
    """The PPM form: ``P6`` LF ``W H`` LF ``255`` LF then RGB rows (3 x 2: red, green, blue; white, black, grey)."""
    rgb = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 128, 128, 128])
    assert pixels_sha256(rgb, 3, 2) == "899dff6a772bbbfc85af2f7e730d30eb78fc89b8ca9bc7a8c8f9b29578cb498b"
