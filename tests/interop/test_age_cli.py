"""Pins evidence.crypto.ageio against the stock ``age`` CLI, both ways, including passphrases typed at age's prompt."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pyrage
import pytest
from ptyhelp import run_with_tty_input

from evidence.core.errors import WrongPassphraseError
from evidence.crypto import ageio

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(shutil.which("age") is None, reason="the age CLI is not installed"),
]

PAYLOADS = {
    "empty": b"",
    "short": b"hello, age\n",
    "two-chunks": bytes(i * 7 % 251 for i in range(64 * 1024 + 1)),
}


def _age(*args: str | Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["age", *map(str, args)], input=stdin, capture_output=True, check=False, timeout=60)


def _keypair(tmp_path: Path) -> tuple[Path, str, str]:
    identity = pyrage.x25519.Identity.generate()
    keyfile = tmp_path / "key.txt"
    keyfile.write_text(f"# created by the test\n{identity}\n")
    return keyfile, str(identity), str(identity.to_public())


@pytest.mark.parametrize("name", PAYLOADS)
def test_age_decrypts_our_encryption(tmp_path: Path, name: str) -> None:
    keyfile, _, recipient = _keypair(tmp_path)
    encrypted = tmp_path / "file.age"
    encrypted.write_bytes(ageio.encrypt(PAYLOADS[name], [recipient]))
    result = _age("-d", "-i", keyfile, encrypted)
    assert result.returncode == 0, result.stderr
    assert result.stdout == PAYLOADS[name]


@pytest.mark.parametrize("name", PAYLOADS)
def test_we_decrypt_age_encryption(tmp_path: Path, name: str) -> None:
    _, identity, recipient = _keypair(tmp_path)
    other = pyrage.x25519.Identity.generate()
    result = _age("-r", recipient, "-r", str(other.to_public()), stdin=PAYLOADS[name])
    assert result.returncode == 0, result.stderr
    assert ageio.parse_header(result.stdout)  # our strict parser accepts the reference implementation's output
    assert ageio.decrypt(result.stdout, [identity]) == PAYLOADS[name]
    assert ageio.decrypt(result.stdout, [str(other)]) == PAYLOADS[name]


def test_age_keygen_identity_decrypts_our_encryption(tmp_path: Path) -> None:
    keyfile = tmp_path / "keygen.txt"
    subprocess.run(["age-keygen", "-o", str(keyfile)], check=True, capture_output=True, timeout=30)
    recipient = _age_keygen_recipient(keyfile)
    encrypted = tmp_path / "file.age"
    encrypted.write_bytes(ageio.encrypt(b"to a keygen key", [recipient]))
    result = _age("-d", "-i", keyfile, encrypted)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"to a keygen key"


def _age_keygen_recipient(keyfile: Path) -> str:
    result = subprocess.run(["age-keygen", "-y", str(keyfile)], check=True, capture_output=True, timeout=30)
    return result.stdout.decode().strip()


def test_age_opens_our_passphrase_encrypted_identity_file(tmp_path: Path) -> None:
    """Our encrypted identity file is a native age one: age prompts for its passphrase on the terminal."""
    _, identity, recipient = _keypair(tmp_path)
    identity_file = tmp_path / "identity.age"
    identity_file.write_bytes(
        ageio.encrypt_with_passphrase(f"# Evidence Capture identity\n{identity}\n".encode(), "teacher's secret")
    )
    encrypted = tmp_path / "file.age"
    encrypted.write_bytes(ageio.encrypt(PAYLOADS["two-chunks"], [recipient]))
    out = tmp_path / "out.bin"

    status, terminal = run_with_tty_input(
        ["age", "-d", "-i", str(identity_file), "-o", str(out), str(encrypted)], ["teacher's secret"]
    )

    assert status == 0, terminal
    assert b"passphrase" in terminal.lower()
    assert out.read_bytes() == PAYLOADS["two-chunks"]


def test_age_refuses_a_wrong_passphrase_for_our_identity_file(tmp_path: Path) -> None:
    _, identity, recipient = _keypair(tmp_path)
    identity_file = tmp_path / "identity.age"
    identity_file.write_bytes(ageio.encrypt_with_passphrase(f"{identity}\n".encode(), "right"))
    encrypted = tmp_path / "file.age"
    encrypted.write_bytes(ageio.encrypt(b"x", [recipient]))
    out = tmp_path / "out.bin"

    status, terminal = run_with_tty_input(
        ["age", "-d", "-i", str(identity_file), "-o", str(out), str(encrypted)], ["wrong"]
    )

    assert status != 0
    assert b"incorrect passphrase" in terminal
    assert not out.exists() or out.read_bytes() == b""


def test_we_decrypt_age_passphrase_encryption(tmp_path: Path) -> None:
    plain = tmp_path / "plain.bin"
    plain.write_bytes(PAYLOADS["two-chunks"])
    encrypted = tmp_path / "file.age"

    status, terminal = run_with_tty_input(
        ["age", "-p", "-o", str(encrypted), str(plain)], ["correct horse", "correct horse"]
    )

    assert status == 0, terminal
    assert terminal.lower().count(b"passphrase") == 2  # asked, then confirmed
    data = encrypted.read_bytes()
    (stanza,) = ageio.parse_header(data).stanzas
    assert stanza.type == "scrypt"
    assert ageio.decrypt_with_passphrase(data, "correct horse") == PAYLOADS["two-chunks"]
    with pytest.raises(WrongPassphraseError):
        ageio.decrypt_with_passphrase(data, "battery staple")
