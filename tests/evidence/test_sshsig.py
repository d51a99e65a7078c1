"""Unit tests for evidence.crypto.sshsig: round trips, strict parsing, and only SignatureError on bad input."""

from __future__ import annotations

import base64
import hashlib
import textwrap
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.core.errors import IdentityError, SignatureError, UsageError
from evidence.crypto import sshsig
from evidence.crypto.sshsig import AllowedSigner

NS = "evidence-capture"

# RFC 8032 section 7.1, test 1; the expected values below were printed by OpenSSH 9.2's ssh-keygen.
RFC_KEY = Ed25519PrivateKey.from_private_bytes(
    bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
)
RFC_LINE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea"
RFC_FINGERPRINT = "SHA256:bbXpuKG6zhzdmnxq256TlqzFBzRl2f6OOg722cYNbU8"
RFC_SIG_SHA512 = """\
-----BEGIN SSH SIGNATURE-----
U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAg11qYAYKxCrfVS/7TyWQHOg7hcv
PapiMlrwIaaPcHURoAAAAEZmlsZQAAAAAAAAAGc2hhNTEyAAAAUwAAAAtzc2gtZWQyNTUx
OQAAAEAPk9+oWd/eET+qdKo1I7IcmKO+qzkG6nyNqEs3B+zMWPHJUTl/SlVk9RZZYwOYtd
8OPM7+r7zY1VTDvVes4zcH
-----END SSH SIGNATURE-----
"""
RFC_SIG_SHA256 = """\
-----BEGIN SSH SIGNATURE-----
U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAg11qYAYKxCrfVS/7TyWQHOg7hcv
PapiMlrwIaaPcHURoAAAAEZmlsZQAAAAAAAAAGc2hhMjU2AAAAUwAAAAtzc2gtZWQyNTUx
OQAAAEBW5B9Bt91Iig+gkViSIdx516CEG/D/6Gk1J/5yqIMN6LAOczfsUGrO8OuOT1pRXQ
uuHDQGT6EyGwQgYLw9Fv0F
-----END SSH SIGNATURE-----
"""
RFC_MESSAGE = b"hello\n"  # signed in namespace "file"


def _s(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def _armor(blob: bytes) -> str:
    body = "".join(f"{line}\n" for line in textwrap.wrap(base64.b64encode(blob).decode("ascii"), 70))
    return f"-----BEGIN SSH SIGNATURE-----\n{body}-----END SSH SIGNATURE-----\n"


def _blob(
    key: Ed25519PrivateKey,
    message: bytes,
    *,
    magic: bytes = b"SSHSIG",
    version: int = 1,
    key_blob: bytes | None = None,
    namespace: bytes = NS.encode(),
    reserved: bytes = b"",
    hash_alg: bytes = b"sha512",
    sig_type: bytes = b"ssh-ed25519",
    sig_extra: bytes = b"",
    trailer: bytes = b"",
) -> bytes:
    """A signature blob built field by field, correctly signed over whatever fields it is given."""
    hasher = hashlib.sha256 if hash_alg == b"sha256" else hashlib.sha512
    signed = b"SSHSIG" + _s(namespace) + _s(reserved) + _s(hash_alg) + _s(hasher(message).digest())
    raw_sig = key.sign(signed)
    if key_blob is None:
        key_blob = sshsig.public_key_blob(key.public_key())
    fields = [key_blob, namespace, reserved, hash_alg, _s(sig_type) + _s(raw_sig) + sig_extra]
    return magic + version.to_bytes(4, "big") + b"".join(_s(f) for f in fields) + trailer


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


# --- public keys -------------------------------------------------------------------------------------------


def test_public_key_line_and_fingerprint_match_ssh_keygen_vectors() -> None:
    pub = RFC_KEY.public_key()
    assert sshsig.public_key_line(pub) == RFC_LINE
    assert sshsig.public_key_line(pub, "a b") == RFC_LINE + " a b"
    assert sshsig.fingerprint(pub) == RFC_FINGERPRINT
    assert sshsig.public_key_blob(pub) == _s(b"ssh-ed25519") + _s(pub.public_bytes_raw())


@pytest.mark.parametrize("suffix", ["", " comment", " two words\n", "\n"])
def test_parse_public_key_line_round_trips(suffix: str) -> None:
    assert sshsig.parse_public_key_line(RFC_LINE + suffix) == RFC_KEY.public_key()


def _b64(blob: bytes) -> str:
    return base64.b64encode(blob).decode("ascii")


RAW = RFC_KEY.public_key().public_bytes_raw()


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ("", "must be"),
        ("ssh-ed25519", "must be"),
        ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC", "ssh-rsa"),
        (f"ssh-ed25519 {_b64(_s(b'ssh-rsa') + _s(RAW))}", "key type"),
        (f"ssh-ed25519 {_b64(_s(b'ssh-ed25519') + _s(RAW[:31]))}", "31 bytes"),
        (f"ssh-ed25519 {_b64(_s(b'ssh-ed25519') + _s(RAW) + b'x')}", "trailing"),
        (f"ssh-ed25519 {_b64(_s(b'ssh-ed25519'))}", "truncated"),
        ("ssh-ed25519 AAAA!!!!", "base64"),
        # "eA==" encodes b"x"; "eB==" decodes to it too, but its unused bits are not zero.
        (f"ssh-ed25519 {_b64(_s(b'ssh-ed25519') + _s(RAW) + b'x').replace('eA==', 'eB==')}", "canonical"),
        (RFC_LINE + "=", "base64"),
    ],
)
def test_parse_public_key_line_rejects(line: str, match: str) -> None:
    with pytest.raises(IdentityError, match=match):
        sshsig.parse_public_key_line(line)


def test_public_key_line_refuses_multiline_comment() -> None:
    with pytest.raises(UsageError):
        sshsig.public_key_line(RFC_KEY.public_key(), "a\nb")


# --- signing and verifying ---------------------------------------------------------------------------------


def test_sign_matches_ssh_keygen_vector() -> None:
    assert sshsig.sign(RFC_KEY, RFC_MESSAGE, "file") == RFC_SIG_SHA512


@pytest.mark.parametrize("sig", [RFC_SIG_SHA512, RFC_SIG_SHA256])
def test_verify_accepts_ssh_keygen_vectors(sig: str) -> None:
    assert sshsig.verify(sig, RFC_MESSAGE, "file") == RFC_KEY.public_key()
    assert sshsig.verify(sig.encode("ascii"), RFC_MESSAGE, "file") == RFC_KEY.public_key()


def test_verify_digest_refuses_sha256_signature() -> None:
    digest = hashlib.sha512(RFC_MESSAGE).digest()
    assert sshsig.verify_digest(RFC_SIG_SHA512, digest, "file") == RFC_KEY.public_key()
    with pytest.raises(SignatureError, match="sha256"):
        sshsig.verify_digest(RFC_SIG_SHA256, digest, "file")


@pytest.mark.parametrize("message", [b"", b"x", bytes(range(256)) * 100])
def test_round_trip(key: Ed25519PrivateKey, message: bytes) -> None:
    sig = sshsig.sign(key, message, NS)
    digest = hashlib.sha512(message).digest()
    assert sshsig.sign_digest(key, digest, NS) == sig
    assert sshsig.verify(sig, message, NS) == key.public_key()
    assert sshsig.verify_digest(sig, digest, NS) == key.public_key()


@pytest.mark.parametrize("namespace", ["a", "x" * 38, "x" * 39, "x" * 40, "n\u00e4mespace", "y" * 500])
def test_armor_shape(key: Ed25519PrivateKey, namespace: str) -> None:
    sig = sshsig.sign(key, b"m", namespace)
    lines = sig.split("\n")
    assert lines[0] == "-----BEGIN SSH SIGNATURE-----"
    assert lines[-2:] == ["-----END SSH SIGNATURE-----", ""]
    body = lines[1:-2]
    assert all(len(line) == 70 for line in body[:-1])
    assert 0 < len(body[-1]) <= 70
    assert sshsig.verify(sig, b"m", namespace) == key.public_key()


def test_tampered_message(key: Ed25519PrivateKey) -> None:
    sig = sshsig.sign(key, b"message", NS)
    with pytest.raises(SignatureError, match=r"^signature does not verify$"):
        sshsig.verify(sig, b"messagE", NS)
    with pytest.raises(SignatureError, match=r"^signature does not verify$"):
        sshsig.verify_digest(sig, hashlib.sha512(b"").digest(), NS)


def test_wrong_namespace(key: Ed25519PrivateKey) -> None:
    sig = sshsig.sign(key, b"m", "file")
    with pytest.raises(SignatureError, match=r"^signature namespace is 'file', expected 'git'$"):
        sshsig.verify(sig, b"m", "git")


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"magic": b"SSHSIH"}, "bad magic"),
        ({"version": 2}, "version is 2"),
        ({"version": 0}, "version is 0"),
        ({"reserved": b"x"}, "reserved"),
        ({"hash_alg": b"sha1"}, "'sha1' is not supported"),
        ({"hash_alg": b"SHA512"}, "not supported"),
        ({"sig_type": b"rsa-sha2-512"}, "not a ssh-ed25519 signature"),
        ({"sig_extra": b"\0"}, "trailing bytes"),
        ({"trailer": b"\0"}, "trailing bytes"),
        ({"key_blob": _s(b"ssh-rsa") + _s(RAW)}, "public key: key type is 'ssh-rsa'"),
        ({"key_blob": _s(b"ssh-ed25519") + _s(RAW + b"\0")}, "33 bytes"),
        ({"key_blob": _s(b"ssh-ed25519") + _s(RAW) + b"\0"}, "public key: trailing bytes"),
    ],
)
def test_malformed_blob(key: Ed25519PrivateKey, fields: dict[str, object], match: str) -> None:
    sig = _armor(_blob(key, b"m", **fields))  # type: ignore[arg-type]
    with pytest.raises(SignatureError, match=match):
        sshsig.verify(sig, b"m", NS)


def test_builder_is_faithful(key: Ed25519PrivateKey) -> None:
    """The malformed-blob cases mean something only if the unmodified builder output verifies."""
    assert _armor(_blob(key, b"m")) == sshsig.sign(key, b"m", NS)
    assert sshsig.verify(_armor(_blob(key, b"m", hash_alg=b"sha256")), b"m", NS) == key.public_key()


def test_signature_by_another_key_in_the_blob(key: Ed25519PrivateKey) -> None:
    other = sshsig.public_key_blob(Ed25519PrivateKey.generate().public_key())
    with pytest.raises(SignatureError, match="does not verify"):
        sshsig.verify(_armor(_blob(key, b"m", key_blob=other)), b"m", NS)


def test_every_flipped_bit_is_rejected(key: Ed25519PrivateKey) -> None:
    blob = base64.b64decode("".join(sshsig.sign(key, b"m", NS).splitlines()[1:-1]))
    for position in range(len(blob)):
        for bit in (0x01, 0x80):
            tampered = bytearray(blob)
            tampered[position] ^= bit
            with pytest.raises(SignatureError):
                sshsig.verify(_armor(bytes(tampered)), b"m", NS)


def test_truncated(key: Ed25519PrivateKey) -> None:
    sig = sshsig.sign(key, b"m", NS)
    blob = base64.b64decode("".join(sig.splitlines()[1:-1]))
    for length in range(len(blob)):
        with pytest.raises(SignatureError):
            sshsig.verify(_armor(blob[:length]), b"m", NS)
    for length in range(len(sig)):
        with pytest.raises(SignatureError):
            sshsig.verify(sig[:length], b"m", NS)


def _rewrap(sig: str, width: int) -> str:
    lines = sig.splitlines()
    body = textwrap.wrap("".join(lines[1:-1]), width)
    return "\n".join([lines[0], *body, lines[-1]]) + "\n"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s.rstrip("\n"),
        lambda s: s + "\n",
        lambda s: " " + s,
        lambda s: s.replace("\n", "\r\n"),
        lambda s: s.replace("-----\n", "-----\n\n", 1),
        lambda s: s.replace("=", ""),
        lambda s: s + "trailing garbage\n",
        lambda s: s.replace("BEGIN SSH SIGNATURE", "BEGIN PGP SIGNATURE"),
        lambda s: _rewrap(s, 64),
        lambda s: _rewrap(s, 76),
    ],
)
def test_non_canonical_armor(key: Ed25519PrivateKey, mangle: Callable[[str], str]) -> None:
    sig = sshsig.sign(key, b"m", "padded")  # 176 bytes: the base64 ends in "=", so dropping it changes something
    mangled = mangle(sig)
    assert mangled != sig
    with pytest.raises(SignatureError):
        sshsig.verify(mangled, b"m", "padded")


def test_non_ascii_signature(key: Ed25519PrivateKey) -> None:
    with pytest.raises(SignatureError, match="not ASCII"):
        sshsig.verify(b"\xff" + sshsig.sign(key, b"m", NS).encode(), b"m", NS)


def test_usage_errors(key: Ed25519PrivateKey) -> None:
    sig = sshsig.sign(key, b"m", NS)
    with pytest.raises(UsageError, match="empty"):
        sshsig.sign(key, b"m", "")
    with pytest.raises(UsageError, match="empty"):
        sshsig.verify(sig, b"m", "")
    with pytest.raises(UsageError, match="64 bytes"):
        sshsig.sign_digest(key, hashlib.sha256(b"m").digest(), NS)
    with pytest.raises(UsageError, match="64 bytes"):
        sshsig.verify_digest(sig, hashlib.sha256(b"m").digest(), NS)
    with pytest.raises(UsageError, match="not valid text"):
        sshsig.sign(key, b"m", "\ud800")


@settings(max_examples=300)
@given(st.one_of(st.binary(), st.text()))
def test_random_input_raises_only_signature_error(data: bytes | str) -> None:
    with pytest.raises(SignatureError):
        sshsig.verify(data, b"m", NS)


@settings(max_examples=300)
@given(st.binary())
def test_random_armored_blob_raises_only_signature_error(tail: bytes) -> None:
    for blob in (tail, b"SSHSIG\0\0\0\1" + tail):
        with pytest.raises(SignatureError):
            sshsig.verify(_armor(blob), b"m", NS)


# --- allowed_signers ---------------------------------------------------------------------------------------


def test_format_allowed_signers() -> None:
    signers = [
        AllowedSigner("alice@school.example", RFC_KEY.public_key(), None),
        AllowedSigner("bob", RFC_KEY.public_key(), ("file", NS)),
    ]
    assert sshsig.format_allowed_signers(signers) == (
        f'alice@school.example {RFC_LINE}\nbob namespaces="file,{NS}" {RFC_LINE}\n'
    )
    assert sshsig.format_allowed_signers([]) == ""


def test_allowed_signers_round_trip(key: Ed25519PrivateKey) -> None:
    signers = [
        AllowedSigner("alice@school.example", key.public_key(), None),
        AllowedSigner("bob", RFC_KEY.public_key(), ("file",)),
        AllowedSigner("carol", key.public_key(), ("git", NS)),
    ]
    assert sshsig.parse_allowed_signers(sshsig.format_allowed_signers(signers)) == signers


def test_parse_allowed_signers_skips_blanks_and_comments() -> None:
    text = f"# trusted staff\n\n   \n  # indented comment\nalice {RFC_LINE} laptop key\n"
    assert sshsig.parse_allowed_signers(text) == [AllowedSigner("alice", RFC_KEY.public_key(), None)]


@pytest.mark.parametrize(
    ("line", "match"),
    [
        (f"alice cert-authority {RFC_LINE}", "option 'cert-authority' is not supported"),
        (f'alice valid-after="20240101" {RFC_LINE}', "option"),
        (f'alice cert-authority,namespaces="file" {RFC_LINE}', "option"),
        (f'alice namespaces="" {RFC_LINE}', "namespaces"),
        (f'alice namespaces="a,,b" {RFC_LINE}', "namespaces"),
        (f'alice namespaces="fi*" {RFC_LINE}', "namespaces"),
        ("alice ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC", "'ssh-rsa' is not supported"),
        ("alice ecdsa-sha2-nistp256 AAAAE2VjZHNh", "not supported"),
        ("alice ssh-ed25519 AAAA!!!!", "malformed"),
        ("alice ssh-ed25519", "expected"),
        (f'alice namespaces="file" {RFC_LINE.split()[0]}', "must be"),
        (f"alice,bob {RFC_LINE}", "principal"),
        (f"ali*e {RFC_LINE}", "principal"),
    ],
)
def test_parse_allowed_signers_rejects(line: str, match: str) -> None:
    with pytest.raises(IdentityError, match=rf"^allowed_signers line 3: .*{match}"):
        sshsig.parse_allowed_signers(f"# header\nbob {RFC_LINE}\n{line}\n")


@pytest.mark.parametrize(
    "signer",
    [
        AllowedSigner("", RFC_KEY.public_key(), None),
        AllowedSigner("two words", RFC_KEY.public_key(), None),
        AllowedSigner("#alice", RFC_KEY.public_key(), None),
        AllowedSigner("alice", RFC_KEY.public_key(), ()),
        AllowedSigner("alice", RFC_KEY.public_key(), ("a,b",)),
        AllowedSigner("alice", RFC_KEY.public_key(), ('a"',)),
    ],
)
def test_format_allowed_signers_refuses_what_it_cannot_write(signer: AllowedSigner) -> None:
    with pytest.raises(UsageError):
        sshsig.format_allowed_signers([signer])


def test_find_principals(key: Ed25519PrivateKey) -> None:
    signers = [
        AllowedSigner("a", key.public_key(), None),
        AllowedSigner("b", RFC_KEY.public_key(), None),
        AllowedSigner("c", key.public_key(), ("git",)),
        AllowedSigner("d", key.public_key(), ("git", NS)),
    ]
    assert sshsig.find_principals(signers, key.public_key(), NS) == ["a", "d"]
    assert sshsig.find_principals(signers, key.public_key(), "git") == ["a", "c", "d"]
    assert sshsig.find_principals(signers, RFC_KEY.public_key(), NS) == ["b"]
    assert sshsig.find_principals(signers, Ed25519PrivateKey.generate().public_key(), NS) == []
