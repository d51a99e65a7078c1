"""Our RFC 3161 tokens against the stock ``openssl ts -verify``, run exactly as :class:`Token` prints it.

The tokens come from the loopback TSA (``tests/tsa_server.py``, itself ``openssl ts -reply``). A genuine token
must pass with both the ``-digest`` and the ``-data`` form, and run as the printed shell line; the same token
checked against another digest or file, an altered token, a chain from another root, and tokens from expired,
untrusted or EKU-less certificates must fail in openssl as they fail in :func:`verify_token`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from rfc3161_client import decode_timestamp_response
from tsa_server import Signer, TsaServer

from evidence.crypto import tsa as tsalib
from evidence.crypto.tsa import (
    Token,
    TrustAnchors,
    TsaBadSignature,
    TsaCertificateExpired,
    TsaError,
    TsaImprintMismatch,
    TsaMissingEku,
    TsaUntrusted,
    request_token,
    verify_token,
)

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed"),
]

MESSAGE = b'{"custody_entry_hash":"' + b"c" * 64 + b'","format":"evidence-capture-tsa-item/1"}\n'
DIGEST = hashlib.sha256(MESSAGE).digest()
OTHER_DIGEST = hashlib.sha256(b"a different item").digest()
STEM = "001.tsa-1"
DATA_FILE = "001.tsa.json"


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, cwd=cwd, capture_output=True, check=False, timeout=60)


def _lay_out(folder: Path, tsr: bytes, chain_pem: bytes) -> Path:
    """The files a bag would carry: STEM.tsr, STEM.chain.pem and the time-stamped file itself."""
    (folder / (STEM + tsalib.TSR_SUFFIX)).write_bytes(tsr)
    (folder / (STEM + tsalib.CHAIN_SUFFIX)).write_bytes(chain_pem)
    (folder / DATA_FILE).write_bytes(MESSAGE)
    return folder


@pytest.fixture
def token(tsa: TsaServer) -> Token:
    return request_token(tsa.config(), MESSAGE, timeout_s=10)


@pytest.fixture
def folder(tmp_path: Path, token: Token) -> Path:
    return _lay_out(tmp_path, token.tsr, token.chain_pem)


def test_genuine_token_verifies_as_printed(token: Token, folder: Path) -> None:
    assert _run(token.openssl_verify_args(STEM), folder).returncode == 0
    assert _run(token.openssl_verify_args(STEM, data_path=DATA_FILE), folder).returncode == 0
    printed = token.openssl_verify_text(STEM)
    assert subprocess.run(["sh", "-c", printed], cwd=folder, capture_output=True, check=False).returncode == 0


def test_token_checked_against_another_digest_fails(tsa: TsaServer, token: Token, folder: Path) -> None:
    moved = dataclasses.replace(token, digest=OTHER_DIGEST)
    assert _run(moved.openssl_verify_args(STEM), folder).returncode != 0
    with pytest.raises(TsaImprintMismatch):
        verify_token(token.tsr, OTHER_DIGEST, tsa.config().trust)


def test_token_checked_against_another_file_fails(token: Token, folder: Path) -> None:
    (folder / "other.json").write_bytes(MESSAGE.replace(b"c", b"d"))
    assert _run(token.openssl_verify_args(STEM, data_path="other.json"), folder).returncode != 0


def test_altered_token_fails_in_both(tsa: TsaServer, token: Token, tmp_path: Path) -> None:
    stamp = token.gen_time.strftime("%Y%m%d%H%M%S").encode() + b"Z"
    later = token.gen_time + dt.timedelta(minutes=1)  # still inside the certificates' validity
    altered = token.tsr.replace(stamp, later.strftime("%Y%m%d%H%M%S").encode() + b"Z")
    assert altered != token.tsr
    folder = _lay_out(tmp_path, altered, token.chain_pem)
    assert _run(token.openssl_verify_args(STEM), folder).returncode != 0
    with pytest.raises(TsaBadSignature):
        verify_token(altered, DIGEST, tsa.config().trust)


def test_chain_from_another_root_fails_in_both(tsa: TsaServer, token: Token, tmp_path: Path) -> None:
    folder = _lay_out(tmp_path, token.tsr, tsa.pki.rogue_anchors_pem)
    assert _run(token.openssl_verify_args(STEM), folder).returncode != 0
    with pytest.raises(TsaUntrusted):
        verify_token(token.tsr, DIGEST, TrustAnchors.parse(tsa.pki.rogue_anchors_pem))


def test_chain_file_shows_the_anchor_fingerprint_first(token: Token, folder: Path) -> None:
    out = _run(["openssl", "x509", "-in", STEM + tsalib.CHAIN_SUFFIX, "-noout", "-fingerprint", "-sha256"], folder)
    assert out.returncode == 0
    printed = out.stdout.decode().strip().split("=", 1)[1]
    assert printed.replace(":", "").lower() == token.anchor_sha256_hex


@pytest.mark.parametrize(
    ("signer", "error"),
    [(Signer.EXPIRED, TsaCertificateExpired), (Signer.UNTRUSTED, TsaUntrusted), (Signer.NO_EKU, TsaMissingEku)],
)
def test_bad_signers_fail_in_both(tsa: TsaServer, tmp_path: Path, signer: Signer, error: type[TsaError]) -> None:
    (tmp_path / "message").write_bytes(MESSAGE)
    query = _run(["openssl", "ts", "-query", "-data", "message", "-sha256", "-cert"], tmp_path)
    assert query.returncode == 0
    tsa.signer = signer
    status, tsr = tsa.answer(query.stdout)
    assert status == 200
    gen_time = decode_timestamp_response(tsr).tst_info.gen_time
    folder = _lay_out(tmp_path, tsr, tsa.pki.anchors_pem + tsa.pki.intermediate_pem)
    assert _run(tsalib.openssl_verify_args(STEM, digest=DIGEST, gen_time=gen_time), folder).returncode != 0
    with pytest.raises(error):
        verify_token(tsr, DIGEST, tsa.config().trust)


def test_good_signer_by_the_same_route_passes_in_both(tsa: TsaServer, tmp_path: Path) -> None:
    """The control for the test above: the same steps with the good certificate verify."""
    (tmp_path / "message").write_bytes(MESSAGE)
    query = _run(["openssl", "ts", "-query", "-data", "message", "-sha256", "-cert"], tmp_path)
    status, tsr = tsa.answer(query.stdout)
    assert status == 200
    verified = verify_token(tsr, DIGEST, tsa.config().trust)
    folder = _lay_out(tmp_path, tsr, verified.chain_pem)
    assert _run(tsalib.openssl_verify_args(STEM, digest=DIGEST, gen_time=verified.gen_time), folder).returncode == 0
