"""Pins evidence.crypto.sshsig against the stock ``ssh-keygen``: same bytes out, and each side verifies the other."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from evidence.crypto import sshsig
from evidence.crypto.sshsig import AllowedSigner

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed"),
]

NS = "evidence-capture"
PRINCIPAL = "teacher@school.example"
MESSAGES = {
    "empty": b"",
    "short": b"hello\n",
    "all-bytes": bytes(range(256)),
    "one-mib": bytes(i * 7 % 251 for i in range(1 << 20)),
}
NAMESPACES = [
    NS,
    "file",
    "x" * 38,  # the armored base64 fills its last line exactly: no short line, no blank line
    "n\u00e4mespace",
]


def _keygen(*args: str | Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["ssh-keygen", *map(str, args)], input=stdin, capture_output=True, check=False)


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def key_path(tmp_path: Path, key: Ed25519PrivateKey) -> Path:
    """Our key, written as an unencrypted OpenSSH private key that ssh-keygen will load."""
    path = tmp_path / "id_ed25519"
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    path.write_bytes(pem)
    os.chmod(path, 0o600)
    return path


def _keygen_sign(key_path: Path, message: bytes, namespace: str, *options: str) -> str:
    result = _keygen("-Y", "sign", "-n", namespace, "-f", key_path, *options, stdin=message)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode("ascii")


def _keygen_verify(
    tmp_path: Path, signers: list[AllowedSigner], sig: str, message: bytes, namespace: str, principal: str
) -> subprocess.CompletedProcess[bytes]:
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(sshsig.format_allowed_signers(signers))
    sig_path = tmp_path / "message.sig"
    sig_path.write_text(sig)
    return _keygen("-Y", "verify", "-f", allowed, "-I", principal, "-n", namespace, "-s", sig_path, stdin=message)


@pytest.mark.parametrize("namespace", NAMESPACES)
@pytest.mark.parametrize("name", list(MESSAGES))
def test_sign_is_byte_identical_to_ssh_keygen(
    key: Ed25519PrivateKey, key_path: Path, name: str, namespace: str
) -> None:
    message = MESSAGES[name]
    assert sshsig.sign(key, message, namespace) == _keygen_sign(key_path, message, namespace)


@pytest.mark.parametrize("namespaces", [None, (NS,), ("git", NS, "file")])
def test_ssh_keygen_verifies_our_signature(
    key: Ed25519PrivateKey, tmp_path: Path, namespaces: tuple[str, ...] | None
) -> None:
    message = MESSAGES["one-mib"]
    signers = [AllowedSigner(PRINCIPAL, key.public_key(), namespaces)]
    result = _keygen_verify(tmp_path, signers, sshsig.sign(key, message, NS), message, NS, PRINCIPAL)
    assert result.returncode == 0, result.stderr
    assert sshsig.fingerprint(key.public_key()).encode() in result.stdout


def test_ssh_keygen_check_novalidate_accepts_our_signature(key: Ed25519PrivateKey, tmp_path: Path) -> None:
    sig_path = tmp_path / "message.sig"
    sig_path.write_text(sshsig.sign(key, b"hello\n", NS))
    result = _keygen("-Y", "check-novalidate", "-n", NS, "-s", sig_path, stdin=b"hello\n")
    assert result.returncode == 0, result.stderr


def test_ssh_keygen_find_principals_agrees_with_ours(key: Ed25519PrivateKey, tmp_path: Path) -> None:
    signers = [
        AllowedSigner("a@school.example", Ed25519PrivateKey.generate().public_key(), None),
        AllowedSigner("b@school.example", key.public_key(), None),
        AllowedSigner("c@school.example", key.public_key(), (NS,)),
        AllowedSigner("d@school.example", key.public_key(), ("git",)),
    ]
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(sshsig.format_allowed_signers(signers))
    sig_path = tmp_path / "message.sig"
    sig_path.write_text(sshsig.sign(key, b"m", NS))
    result = _keygen("-Y", "find-principals", "-s", sig_path, "-f", allowed)
    assert result.returncode == 0, result.stderr
    # OpenSSH 9.2 prints only the first principal whose key matches; ours lists all that allow the namespace.
    assert result.stdout.decode() == "b@school.example\n"
    assert sshsig.find_principals(signers, key.public_key(), NS) == ["b@school.example", "c@school.example"]


@pytest.mark.parametrize("hashalg", ["sha512", "sha256"])
@pytest.mark.parametrize("name", list(MESSAGES))
def test_we_verify_ssh_keygen_signatures(key: Ed25519PrivateKey, key_path: Path, name: str, hashalg: str) -> None:
    message = MESSAGES[name]
    sig = _keygen_sign(key_path, message, NS, "-O", f"hashalg={hashalg}")
    assert sshsig.verify(sig, message, NS) == key.public_key()
    assert sshsig.verify(sig.encode("ascii"), message, NS) == key.public_key()


def test_we_verify_a_key_made_by_ssh_keygen(tmp_path: Path) -> None:
    path = tmp_path / "theirs"
    made = _keygen("-q", "-t", "ed25519", "-N", "", "-C", "made by ssh-keygen", "-f", path)
    assert made.returncode == 0, made.stderr
    pub = sshsig.parse_public_key_line(path.with_suffix(".pub").read_text())
    private = serialization.load_ssh_private_key(path.read_bytes(), password=None)
    assert isinstance(private, Ed25519PrivateKey)
    assert pub == private.public_key()
    assert sshsig.verify(_keygen_sign(path, b"m", NS), b"m", NS) == pub


def test_fingerprint_matches_ssh_keygen_l(key: Ed25519PrivateKey, tmp_path: Path) -> None:
    pub_path = tmp_path / "id_ed25519.pub"
    pub_path.write_text(sshsig.public_key_line(key.public_key(), "teacher@school") + "\n")
    result = _keygen("-l", "-f", pub_path)
    assert result.returncode == 0, result.stderr
    expected = f"256 {sshsig.fingerprint(key.public_key())} teacher@school (ED25519)\n"
    assert result.stdout.decode() == expected


def test_public_key_line_matches_ssh_keygen_y(key: Ed25519PrivateKey, key_path: Path) -> None:
    result = _keygen("-y", "-f", key_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == sshsig.public_key_line(key.public_key()) + "\n"


def test_ssh_keygen_rejects_another_message(key: Ed25519PrivateKey, tmp_path: Path) -> None:
    signers = [AllowedSigner(PRINCIPAL, key.public_key(), None)]
    sig = sshsig.sign(key, b"the real message", NS)
    result = _keygen_verify(tmp_path, signers, sig, b"a forged message", NS, PRINCIPAL)
    assert result.returncode != 0


def test_ssh_keygen_rejects_another_namespace(key: Ed25519PrivateKey, tmp_path: Path) -> None:
    signers = [AllowedSigner(PRINCIPAL, key.public_key(), None)]
    sig = sshsig.sign(key, b"m", NS)
    assert _keygen_verify(tmp_path, signers, sig, b"m", "file", PRINCIPAL).returncode != 0


def test_ssh_keygen_honours_our_namespaces_option(key: Ed25519PrivateKey, tmp_path: Path) -> None:
    signers = [AllowedSigner(PRINCIPAL, key.public_key(), ("git",))]
    sig = sshsig.sign(key, b"m", NS)
    assert _keygen_verify(tmp_path, signers, sig, b"m", NS, PRINCIPAL).returncode != 0


def test_ssh_keygen_rejects_another_principal(key: Ed25519PrivateKey, tmp_path: Path) -> None:
    signers = [AllowedSigner(PRINCIPAL, Ed25519PrivateKey.generate().public_key(), None)]
    sig = sshsig.sign(key, b"m", NS)
    assert _keygen_verify(tmp_path, signers, sig, b"m", NS, PRINCIPAL).returncode != 0
