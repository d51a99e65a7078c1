"""evidence.crypto.tsa against a real TSA on loopback (``openssl ts -reply``): every failure has its own type."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from tsa_server import Mode, Signer, TsaServer

import resources
from evidence.core.errors import EvidenceError, UsageError
from evidence.crypto import tsa as tsalib
from evidence.crypto.tsa import (
    Token,
    TrustAnchors,
    TsaBadResponse,
    TsaBadSignature,
    TsaCertificateExpired,
    TsaConfig,
    TsaConfigError,
    TsaError,
    TsaImprintMismatch,
    TsaMissingEku,
    TsaNonceMismatch,
    TsaRejected,
    TsaTimeout,
    TsaUnreachable,
    TsaUntrusted,
    request_token,
    verify_token,
)

MESSAGE = b"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  data/items/001.png\n"
DIGEST = hashlib.sha256(MESSAGE).digest()
OTHER_DIGEST = hashlib.sha256(b"another item").digest()
FAST = 0.5  # seconds: the client's timeout in the slow-TSA test, well under tsa_server.SLOW_SECONDS


@pytest.fixture
def token(tsa: TsaServer) -> Token:
    return request_token(tsa.config(), MESSAGE, timeout_s=10)


def _certs(pem: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem)


# --- online ---------------------------------------------------------------------------------------------------------


def test_online_token_is_checked_and_says_what_it_covers(tsa: TsaServer, token: Token) -> None:
    now = dt.datetime.now(dt.UTC)
    assert token.digest == DIGEST
    assert token.tsa_name == "Evidence Test TSA"
    assert token.tsa_url == tsa.url
    assert token.policy_oid == "1.3.6.1.4.1.99999.1.1"
    assert token.nonce is not None
    assert token.gen_time.tzinfo is not None
    assert abs((now - token.gen_time).total_seconds()) < 30
    assert token.skew_seconds is not None
    assert abs(token.skew_seconds) < 5
    assert tsa.requests == 1


def test_chain_pem_is_anchor_first_then_intermediates_without_the_signer(tsa: TsaServer, token: Token) -> None:
    chain = _certs(token.chain_pem)
    root = _certs(tsa.pki.anchors_pem)[0]
    assert chain == [root, _certs(tsa.pki.intermediate_pem)[0]]
    assert token.anchor_sha256_hex == root.fingerprint(hashes.SHA256()).hex()


def test_stored_token_rebuilds_the_same_record(tsa: TsaServer, token: Token) -> None:
    again = Token.parse(token.tsr, DIGEST, tsa.config().trust, tsa_url=token.tsa_url)
    assert again == token
    assert again.local_time is None
    assert again.skew_seconds is None


def test_without_nonce(tsa: TsaServer) -> None:
    assert request_token(tsa.config(), MESSAGE, nonce=False, timeout_s=10).nonce is None


def test_tokens_get_distinct_serials(tsa: TsaServer) -> None:
    serials = {request_token(tsa.config(), MESSAGE, timeout_s=10).serial_number for _ in range(3)}
    assert len(serials) == 3


# --- the TSA misbehaves -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "error", "transient"),
    [
        (Mode.GARBAGE, TsaBadResponse, False),
        (Mode.OVERSIZE, TsaBadResponse, False),
        (Mode.REDIRECT, TsaBadResponse, False),
        (Mode.REJECT, TsaRejected, False),
        (Mode.WRONG_IMPRINT, TsaImprintMismatch, False),
        (Mode.UNAVAILABLE, TsaUnreachable, True),
    ],
)
def test_failure_modes_have_their_own_types(tsa: TsaServer, mode: Mode, error: type[TsaError], transient: bool) -> None:
    tsa.mode = mode
    with pytest.raises(error) as caught:
        request_token(tsa.config(), MESSAGE, timeout_s=10)
    assert type(caught.value) is error
    assert caught.value.transient is transient
    assert caught.value.check == error.check
    assert isinstance(caught.value, EvidenceError)


def test_rejection_keeps_the_status(tsa: TsaServer) -> None:
    tsa.mode = Mode.REJECT
    with pytest.raises(TsaRejected) as caught:
        request_token(tsa.config(), MESSAGE, timeout_s=10)
    assert caught.value.status == 2  # PKIStatus rejection


def test_slow_tsa_times_out_and_is_transient(tsa: TsaServer) -> None:
    tsa.mode = Mode.SLOW
    with pytest.raises(TsaTimeout) as caught:
        request_token(tsa.config(), MESSAGE, timeout_s=FAST)
    assert caught.value.transient
    assert isinstance(caught.value, TsaUnreachable)


def test_replayed_answer_fails_the_nonce(tsa: TsaServer, token: Token) -> None:
    tsa.mode = Mode.REPLAY
    with pytest.raises(TsaNonceMismatch):
        request_token(tsa.config(), MESSAGE, timeout_s=10)


def test_replayed_answer_for_another_digest_fails_the_imprint(tsa: TsaServer, token: Token) -> None:
    tsa.mode = Mode.REPLAY
    with pytest.raises(TsaImprintMismatch):
        request_token(tsa.config(), b"another message", timeout_s=10)


def test_offline_then_online(tsa: TsaServer) -> None:
    tsa.go_offline()
    with pytest.raises(TsaUnreachable) as caught:
        request_token(tsa.config(), MESSAGE, timeout_s=10)
    assert type(caught.value) is TsaUnreachable
    assert caught.value.transient
    assert tsa.requests == 0
    tsa.go_online()
    assert request_token(tsa.config(), MESSAGE, timeout_s=10).digest == DIGEST
    assert tsa.requests == 1


# --- certificates -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signer", "error"),
    [
        (Signer.EXPIRED, TsaCertificateExpired),
        (Signer.UNTRUSTED, TsaUntrusted),
        (Signer.NO_EKU, TsaMissingEku),
    ],
)
def test_bad_signer_certificates(tsa: TsaServer, signer: Signer, error: type[TsaError]) -> None:
    tsa.signer = signer
    with pytest.raises(error) as caught:
        request_token(tsa.config(), MESSAGE, timeout_s=10)
    assert type(caught.value) is error
    assert not caught.value.transient


def test_genuine_token_under_another_root_is_untrusted(tsa: TsaServer, token: Token) -> None:
    with pytest.raises(TsaUntrusted):
        verify_token(token.tsr, DIGEST, TrustAnchors.parse(tsa.pki.rogue_anchors_pem))


def test_missing_intermediate_is_untrusted(tsa: TsaServer) -> None:
    with pytest.raises(TsaUntrusted):
        request_token(tsa.config(with_intermediate=False), MESSAGE, timeout_s=10)


def test_an_intermediate_cannot_be_an_anchor(tsa: TsaServer) -> None:
    """rfc3161-client and openssl build chains up to a self-signed root only, so a profile must name the root."""
    with pytest.raises(TsaConfigError):
        TrustAnchors.parse(tsa.pki.intermediate_pem)


# --- stored tokens ------------------------------------------------------------------------------------------------


def test_token_moved_to_another_digest_fails(tsa: TsaServer, token: Token) -> None:
    with pytest.raises(TsaImprintMismatch):
        verify_token(token.tsr, OTHER_DIGEST, tsa.config().trust)
    with pytest.raises(TsaImprintMismatch):
        Token.parse(token.tsr, OTHER_DIGEST, tsa.config().trust)


def test_nonce_mismatch_on_check(tsa: TsaServer, token: Token) -> None:
    assert token.nonce is not None
    verify_token(token.tsr, DIGEST, tsa.config().trust, nonce=token.nonce)
    with pytest.raises(TsaNonceMismatch):
        verify_token(token.tsr, DIGEST, tsa.config().trust, nonce=token.nonce + 1)


def test_altered_gen_time_fails_the_signature(tsa: TsaServer, token: Token) -> None:
    stamp = token.gen_time.strftime("%Y%m%d%H%M%S").encode() + b"Z"
    assert token.tsr.count(stamp) == 1
    later = (token.gen_time + dt.timedelta(minutes=1)).strftime("%Y%m%d%H%M%S").encode() + b"Z"
    with pytest.raises(TsaBadSignature):
        verify_token(token.tsr.replace(stamp, later), DIGEST, tsa.config().trust)


def test_altered_signature_fails(tsa: TsaServer, token: Token) -> None:
    tampered = token.tsr[:-1] + bytes([token.tsr[-1] ^ 0x01])  # the last byte is inside the ECDSA signature
    with pytest.raises(TsaBadSignature):
        verify_token(tampered, DIGEST, tsa.config().trust)


@pytest.mark.parametrize("data", [b"", b"\x30\x00", b"garbage", bytes(tsalib.MAX_RESPONSE_BYTES + 1)])
def test_garbage_tokens(tsa: TsaServer, data: bytes) -> None:
    with pytest.raises(TsaBadResponse):
        verify_token(data, DIGEST, tsa.config().trust)


def test_truncated_tokens_fail_cleanly(tsa: TsaServer, token: Token) -> None:
    for cut in range(0, len(token.tsr), 37):
        with pytest.raises(TsaError):
            verify_token(token.tsr[:cut], DIGEST, tsa.config().trust)


def test_digest_must_be_sha256_sized(tsa: TsaServer, token: Token) -> None:
    with pytest.raises(UsageError):
        verify_token(token.tsr, DIGEST[:31], tsa.config().trust)


# --- clock skew ---------------------------------------------------------------------------------------------------


def test_skew_against_a_fast_workstation_clock(tsa: TsaServer) -> None:
    def five_minutes_fast() -> dt.datetime:
        return dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)

    token = request_token(tsa.config(), MESSAGE, timeout_s=10, clock=five_minutes_fast)
    assert token.skew_seconds is not None
    assert 295 < token.skew_seconds < 305  # genTime has whole seconds; the exchange takes a fraction of one
    assert tsalib.skew_is_notable(token.skew_seconds)


def test_skew_arithmetic() -> None:
    gen = dt.datetime(2026, 11, 25, 10, 0, 0, tzinfo=dt.UTC)
    assert tsalib.clock_skew_seconds(gen, gen + dt.timedelta(seconds=90)) == 90
    assert tsalib.clock_skew_seconds(gen, gen - dt.timedelta(seconds=121.5)) == -121.5
    assert tsalib.SKEW_WARNING_SECONDS == 120
    assert not tsalib.skew_is_notable(120)
    assert not tsalib.skew_is_notable(-120)
    assert tsalib.skew_is_notable(120.5)
    assert tsalib.skew_is_notable(-121.5)
    local = dt.datetime(2026, 11, 25, 11, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert tsalib.clock_skew_seconds(gen, local) == 30
    with pytest.raises(UsageError):
        tsalib.clock_skew_seconds(gen, dt.datetime(2026, 11, 25, 10, 0, 0))  # naive on purpose


# --- configuration ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://tsa.example/", "http://", "https://user:pw@tsa.example/", "http://tsa.example/ x"],
)
def test_bad_urls_are_refused(tsa: TsaServer, url: str) -> None:
    with pytest.raises(TsaConfigError):
        TsaConfig.create(url, "TSA", tsa.pki.anchors_pem)


@pytest.mark.parametrize("anchors", [b"", b"   \n", b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"])
def test_anchors_must_be_certificates(anchors: bytes) -> None:
    with pytest.raises(TsaConfigError):
        TsaConfig.create("https://tsa.example/", "TSA", anchors)


def test_config_from_a_mapping(tsa: TsaServer) -> None:
    config = TsaConfig.parse(
        {"url": tsa.url, "name": "School\u202e TSA\n", "anchors_pem": tsa.pki.anchors_pem.decode("ascii")}
    )
    assert config.name == "School TSA"  # bidi override and newline dropped
    assert config.trust.intermediates == ()
    with pytest.raises(TsaConfigError):
        TsaConfig.parse({"url": tsa.url, "name": "TSA"})
    with pytest.raises(TsaConfigError):
        TsaConfig.parse({"url": tsa.url, "name": "TSA", "anchors_pem": 7})


def test_public_tsas() -> None:
    configs = tsalib.default_tsas()
    assert [c.name for c in configs] == ["IdenTrust"]
    root = configs[0].trust.roots[0]
    assert root.fingerprint(hashes.SHA256()).hex() == (
        "5d56499be4d2e08bcfcad08a3e38723d50503bde706948e42f55603019e528ae"  # as resources/tsa/README.md lists
    )
    assert root.fingerprint(hashes.SHA256()).hex(":").upper() in resources.text("tsa/README.md")
    for entry in tsalib.PUBLIC_TSAS:
        assert entry.url.startswith(("http://", "https://"))
        if entry.anchor_resource is None:
            with pytest.raises(TsaConfigError):
                entry.config()


# --- records ------------------------------------------------------------------------------------------------------


def test_item_binding_known_answer() -> None:
    binding = tsalib.item_binding(file_sha256_hex="a" * 64, pixels_sha256_hex="b" * 64, custody_entry_hash_hex="c" * 64)
    assert binding == (
        b'{"custody_entry_hash":"' + b"c" * 64 + b'","file_sha256":"' + b"a" * 64
        + b'","format":"evidence-capture-tsa-item/1","pixels_sha256":"' + b"b" * 64 + b'"}\n'
    )  # fmt: skip
    with pytest.raises(UsageError):
        tsalib.item_binding(file_sha256_hex="A" * 64, pixels_sha256_hex="b" * 64, custody_entry_hash_hex="c" * 64)


def test_openssl_command_form(token: Token) -> None:
    attime = str(int(token.gen_time.timestamp()))
    assert token.openssl_verify_args("tsa/001") == [
        "openssl", "ts", "-verify", "-in", "tsa/001.tsr", "-digest", DIGEST.hex(), "-CAfile", "tsa/001.chain.pem",
        "-attime", attime,
    ]  # fmt: skip
    assert token.openssl_verify_args("X", data_path="data/items/001.tsa.json")[5:7] == [
        "-data",
        "data/items/001.tsa.json",
    ]
    assert token.openssl_verify_text("my token") == (
        f"openssl ts -verify -in 'my token.tsr' -digest {DIGEST.hex()} -CAfile 'my token.chain.pem' -attime {attime}"
    )
    moved = dataclasses.replace(token, digest=OTHER_DIGEST)
    assert OTHER_DIGEST.hex() in moved.openssl_verify_args("X")
