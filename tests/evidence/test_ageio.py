"""Tests for evidence.crypto.ageio: every C2SP CCTV age vector through our door, the guards that act before pyrage does,
and fuzzing that shows hostile input only ever raises our own error types."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyrage
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.core.errors import (
    AgeFormatError,
    DecryptionError,
    EvidenceError,
    HeaderMacError,
    NoMatchingIdentityError,
    PayloadError,
    UsageError,
    WrongPassphraseError,
)
from evidence.crypto import ageio

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors" / "age-cctv"

_ARMOR_REFUSED = "armor is refused by design (we never write it), so a vector expecting {} cannot pass"
_NO_HYBRID = "pyrage 1.4.0 has no mlkem768x25519 identity (only x25519, ssh and plugins), expected {}"
_NO_HYBRID_DH = (
    "pyrage 1.4.0 has no mlkem768x25519 identity: only the X25519 computation can find the all-zero shared "
    "secret, so our header checks cannot catch it (the X25519 twins x25519_identity/low_order pass)"
)
XFAIL = {
    "armor_crlf": _ARMOR_REFUSED.format("success"),
    "armor_full_last_line": _ARMOR_REFUSED.format("success"),
    "armor_garbage_encoded": _ARMOR_REFUSED.format("payload failure"),
    "armor_hybrid": _ARMOR_REFUSED.format("success"),
    "armor_no_eol": _ARMOR_REFUSED.format("success"),
    "armor_no_match": _ARMOR_REFUSED.format("no match"),
    "armor_scrypt": _ARMOR_REFUSED.format("success"),
    "armor_whitespace_outside": _ARMOR_REFUSED.format("success") + " (pyrage itself rejects this one)",
    "armor_x25519": _ARMOR_REFUSED.format("success"),
    "hybrid": _NO_HYBRID.format("success"),
    "hybrid_and_x25519": _NO_HYBRID.format("success"),
    "hybrid_grease": _NO_HYBRID.format("success"),
    "hybrid_multiple_recipients": _NO_HYBRID.format("success"),
    "hybrid_bad_tag": _NO_HYBRID.format("no match"),
    "hybrid_currupted_enc_mlkem": _NO_HYBRID.format("no match"),
    "hybrid_currupted_enc_x25519": _NO_HYBRID.format("no match"),
    "hybrid_no_match": _NO_HYBRID.format("no match"),
    "hybrid_uppercase": _NO_HYBRID.format("no match"),
    "hybrid_identity": _NO_HYBRID_DH,
    "hybrid_low_order": _NO_HYBRID_DH,
}

# pyrage wrongly accepts these header failures (it decrypts them); parse_header must catch them.
PYRAGE_LENIENCIES = ["stanza_missing_body", "stanza_missing_final_line"]

_HIGH_LOG_N = re.compile(rb"^-> scrypt \S+ ([0-9]+)$", re.MULTILINE)


@dataclass(frozen=True)
class Vector:
    """One CCTV test file: its textual header and the (decompressed) age file."""

    name: str
    expect: str
    payload_hex: str | None
    identities: tuple[str, ...]
    passphrases: tuple[str, ...]
    armored: bool
    body: bytes

    @classmethod
    def parse(cls, path: Path) -> Vector:
        """Read a vector: ``key: value`` lines, a blank line, then the age file (maybe zlib-compressed)."""
        raw = path.read_bytes()
        head, sep, body = raw.partition(b"\n\n")
        assert sep, f"{path.name}: no blank line after the textual header"
        meta: dict[str, list[str]] = {}
        for line in head.decode("utf-8").splitlines():
            key, _, value = line.partition(": ")
            meta.setdefault(key, []).append(value)
        if meta.get("compressed") == ["zlib"]:
            body = zlib.decompress(body)
        return cls(
            name=path.name,
            expect=meta["expect"][0],
            payload_hex=meta.get("payload", [None])[0],
            identities=tuple(meta.get("identity", [])),
            passphrases=tuple(meta.get("passphrase", [])),
            armored=meta.get("armored") == ["yes"],
            body=body,
        )


def _vector_params(*, identity_only: bool = False) -> list[object]:
    if not VECTORS.is_dir():
        return [pytest.param(None, id="cctv-missing", marks=pytest.mark.skip(reason=f"no vectors at {VECTORS}"))]
    params: list[object] = []
    for path in sorted(VECTORS.iterdir()):
        if identity_only and b"\npassphrase: " in path.read_bytes().partition(b"\n\n")[0]:
            continue
        reason = XFAIL.get(path.name)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(path, id=path.name, marks=marks))
    return params


def _vector(path: Path | None) -> Vector:
    if path is None:
        pytest.skip("no vectors")
    return Vector.parse(path)


@pytest.fixture
def scrypt_tripwire(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Make pyrage's passphrase decrypt refuse logN > 22 itself, so a broken guard fails fast, not in 60 s."""
    real = pyrage.passphrase.decrypt
    calls: list[bytes] = []

    def guarded(data: bytes, passphrase: str) -> bytes:
        calls.append(data)
        for match in _HIGH_LOG_N.finditer(data[: ageio.MAX_HEADER_BYTES]):
            if len(match[1]) > 2 or int(match[1]) > ageio.MAX_SCRYPT_LOG_N:
                raise AssertionError(f"pyrage was asked to run scrypt with logN {match[1][:8]!r}")
        result: bytes = real(data, passphrase)
        return result

    monkeypatch.setattr(pyrage.passphrase, "decrypt", guarded)
    return calls


def _outcome(run: Callable[[], bytes]) -> tuple[str, bytes | None]:
    """Run one of our decrypt paths and name the result the way the CCTV ``expect`` lines do."""
    try:
        return "success", run()
    except AgeFormatError:
        return "header failure", None
    except (WrongPassphraseError, NoMatchingIdentityError):
        return "no match", None
    except HeaderMacError:
        return "HMAC failure", None
    except PayloadError:
        return "payload failure", None
    except DecryptionError as e:
        raise AssertionError(f"DecryptionError of no family: {type(e).__name__}: {e}") from e


def _expected_family(vector: Vector) -> str:
    # We refuse every armored file with AgeFormatError, the header-failure family.
    return "header failure" if vector.expect == "armor failure" else vector.expect


def _decrypt_with_passphrases(vector: Vector) -> bytes:
    error: WrongPassphraseError | None = None
    for passphrase in vector.passphrases:
        try:
            return ageio.decrypt_with_passphrase(vector.body, passphrase)
        except WrongPassphraseError as e:
            error = e
    assert error is not None
    raise error


@pytest.mark.parametrize("path", _vector_params())
def test_cctv_vector_whole(path: Path | None, scrypt_tripwire: list[bytes]) -> None:
    vector = _vector(path)
    if vector.passphrases:
        outcome, plaintext = _outcome(lambda: _decrypt_with_passphrases(vector))
    else:
        outcome, plaintext = _outcome(lambda: ageio.decrypt(vector.body, vector.identities))
    assert outcome == _expected_family(vector)
    if outcome == "success":
        assert plaintext is not None
        assert hashlib.sha256(plaintext).hexdigest() == vector.payload_hex
    if "work_factor" in vector.name and outcome == "header failure":
        assert scrypt_tripwire == []  # refused by parse_header, before pyrage ran scrypt


@pytest.mark.parametrize("path", _vector_params(identity_only=True))
def test_cctv_vector_stream(path: Path | None) -> None:
    """Identity vectors through decrypt_stream (passphrase files have no streaming API)."""
    vector = _vector(path)
    assert not vector.passphrases
    sink = io.BytesIO()

    def run() -> bytes:
        ageio.decrypt_stream(io.BytesIO(vector.body), sink, vector.identities)
        return sink.getvalue()

    outcome, _ = _outcome(run)
    assert outcome == _expected_family(vector)
    released = sink.getvalue()
    if outcome in ("success", "payload failure"):
        # Whatever reached the sink before a payload failure is exactly the authenticated prefix; the vector's
        # hash covers it. Callers still discard it: the file as a whole did not verify.
        assert hashlib.sha256(released).hexdigest() == vector.payload_hex
    else:
        assert released == b""


@pytest.mark.parametrize("name", PYRAGE_LENIENCIES)
def test_pyrage_leniency_still_exists_and_we_catch_it(name: str) -> None:
    """If pyrage ever starts refusing these itself, this fails and the module docstring should be updated."""
    if not VECTORS.is_dir():
        pytest.skip(f"no vectors at {VECTORS}")
    vector = Vector.parse(VECTORS / name)
    assert vector.expect == "header failure"
    identities = [pyrage.x25519.Identity.from_str(text) for text in vector.identities]
    pyrage.decrypt(vector.body, identities)  # pyrage accepts it
    with pytest.raises(AgeFormatError, match="stanza body is missing"):
        ageio.parse_header(vector.body)


# --- hand-made files ---------------------------------------------------------------------------------------

IDENTITY = pyrage.x25519.Identity.generate()
IDENTITY_STR = str(IDENTITY)
RECIPIENT_STR = str(IDENTITY.to_public())
OTHER_STR = str(pyrage.x25519.Identity.generate())
PLAINTEXT = bytes(range(256)) * 300  # a bit more than one 64 KiB chunk
CIPHERTEXT = ageio.encrypt(PLAINTEXT, [RECIPIENT_STR])
SMALL_CIPHERTEXT = ageio.encrypt(b"small secret", [RECIPIENT_STR])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _stanza_body(data: bytes) -> str:
    """Encode a stanza body as the spec wraps it: 64-column lines, then a final short (maybe empty) line."""
    text = _b64(data)
    lines = [text[i : i + 64] for i in range(0, len(text) - len(text) % 64, 64)] + [text[len(text) - len(text) % 64 :]]
    return "\n".join(lines) + "\n"


def _scrypt_file(log_n: str, *, extra_stanza: str = "") -> bytes:
    """A syntactically valid scrypt file with the given work factor text (its MAC and body are junk)."""
    header = (
        "age-encryption.org/v1\n"
        f"-> scrypt {_b64(b'S' * 16)} {log_n}\n{_stanza_body(b'B' * 32)}{extra_stanza}"
        f"--- {_b64(b'M' * 32)}\n"
    )
    return header.encode() + b"N" * 16 + b"P" * 40


@pytest.fixture(scope="module")
def passphrase_file() -> bytes:
    return ageio.encrypt_with_passphrase(b"behind a passphrase", "correct horse")


def _x25519_stanzas(ciphertext: bytes) -> int:
    """Count the X25519 stanzas; pyrage also writes a random "grease" stanza now and then."""
    return sum(stanza.type == "X25519" for stanza in ageio.parse_header(ciphertext).stanzas)


def test_roundtrip() -> None:
    assert ageio.decrypt(CIPHERTEXT, [IDENTITY_STR]) == PLAINTEXT
    assert ageio.decrypt(CIPHERTEXT, [OTHER_STR, IDENTITY_STR]) == PLAINTEXT


def test_encrypt_deduplicates_recipients() -> None:
    ciphertext = ageio.encrypt(b"x", [RECIPIENT_STR, RECIPIENT_STR, RECIPIENT_STR.upper()])
    assert _x25519_stanzas(ciphertext) == 1


def test_encrypt_to_several_recipients() -> None:
    other_recipient = str(pyrage.x25519.Identity.from_str(OTHER_STR).to_public())
    ciphertext = ageio.encrypt(b"x", [RECIPIENT_STR, other_recipient])
    assert _x25519_stanzas(ciphertext) == 2
    assert ageio.decrypt(ciphertext, [OTHER_STR]) == b"x"
    assert ageio.decrypt(ciphertext, [IDENTITY_STR]) == b"x"


@pytest.mark.parametrize(
    ("recipients", "match"),
    [
        ([], "at least one recipient"),
        (["age1notakey"], "not an age X25519 recipient"),
        (["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO"], "not an age X25519 recipient"),
        ("age1abc", "not one string"),
    ],
)
def test_encrypt_refuses_bad_recipients(recipients: list[str], match: str) -> None:
    with pytest.raises(UsageError, match=match):
        ageio.encrypt(b"x", recipients)


def test_bad_identity_is_a_usage_error_that_does_not_echo_the_secret() -> None:
    broken = IDENTITY_STR[:-3] + "qqq"
    with pytest.raises(UsageError) as info:
        ageio.decrypt(CIPHERTEXT, [broken])
    assert IDENTITY_STR[15:30] not in str(info.value)
    with pytest.raises(UsageError, match="at least one identity"):
        ageio.decrypt(CIPHERTEXT, [])
    with pytest.raises(UsageError, match="post-quantum"):
        ageio.decrypt(CIPHERTEXT, ["AGE-SECRET-KEY-PQ-1QQQQ"])


def test_wrong_identity_is_no_match() -> None:
    with pytest.raises(NoMatchingIdentityError, match="no match"):
        ageio.decrypt(CIPHERTEXT, [OTHER_STR])


def test_damaged_mac_is_hmac_failure() -> None:
    header = ageio.parse_header(CIPHERTEXT)
    mac_line_start = CIPHERTEXT.rindex(b"\n--- ", 0, header.payload_offset) + 5
    damaged = CIPHERTEXT[:mac_line_start] + _b64(b"\0" * 32).encode() + CIPHERTEXT[header.payload_offset - 1 :]
    with pytest.raises(HeaderMacError, match="HMAC failure"):
        ageio.decrypt(damaged, [IDENTITY_STR])


@pytest.mark.parametrize("cut", [1, 17, 70_000])
def test_truncated_payload_is_payload_failure(cut: int) -> None:
    with pytest.raises(PayloadError, match="payload failure"):
        ageio.decrypt(CIPHERTEXT[:-cut], [IDENTITY_STR])


def test_trailing_data_is_payload_failure() -> None:
    with pytest.raises(PayloadError, match="payload failure"):
        ageio.decrypt(CIPHERTEXT + b"\0", [IDENTITY_STR])


def test_passphrase_roundtrip_and_wrong_passphrase(passphrase_file: bytes) -> None:
    (stanza,) = ageio.parse_header(passphrase_file).stanzas
    assert stanza.type == "scrypt"
    assert int(stanza.args[1]) <= ageio.MAX_SCRYPT_LOG_N
    assert ageio.decrypt_with_passphrase(passphrase_file, "correct horse") == b"behind a passphrase"
    with pytest.raises(WrongPassphraseError, match=r"^wrong passphrase$"):
        ageio.decrypt_with_passphrase(passphrase_file, "battery staple")


def test_passphrase_and_identity_files_do_not_mix(passphrase_file: bytes) -> None:
    with pytest.raises(NoMatchingIdentityError, match="no match: the file is passphrase-encrypted") as info:
        ageio.decrypt(passphrase_file, [IDENTITY_STR])
    assert not isinstance(info.value, WrongPassphraseError)
    with pytest.raises(DecryptionError, match="not passphrase-encrypted") as info:
        ageio.decrypt_with_passphrase(CIPHERTEXT, "anything")
    assert not isinstance(info.value, WrongPassphraseError)


def test_empty_passphrase_is_refused_for_encryption() -> None:
    with pytest.raises(UsageError, match="must not be empty"):
        ageio.encrypt_with_passphrase(b"x", "")


@pytest.mark.parametrize("log_n", ["23", "30", "99", "100", "18446744073709551616"])
def test_high_scrypt_work_factor_is_refused_before_pyrage(monkeypatch: pytest.MonkeyPatch, log_n: str) -> None:
    def must_not_run(data: bytes, passphrase: str) -> bytes:
        raise AssertionError("pyrage.passphrase.decrypt was called")

    monkeypatch.setattr(pyrage.passphrase, "decrypt", must_not_run)
    with pytest.raises(AgeFormatError, match=r"work factor 2\^\d+ is above our limit of 2\^22"):
        ageio.decrypt_with_passphrase(_scrypt_file(log_n), "password")
    with pytest.raises(AgeFormatError, match="above our limit"):
        ageio.parse_header(_scrypt_file(log_n))


def test_work_factor_22_reaches_pyrage(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []

    def fake(data: bytes, passphrase: str) -> bytes:
        calls.append(data)
        raise pyrage.DecryptError("Decryption failed")

    monkeypatch.setattr(pyrage.passphrase, "decrypt", fake)
    with pytest.raises(WrongPassphraseError):
        ageio.decrypt_with_passphrase(_scrypt_file("22"), "password")
    assert len(calls) == 1


@pytest.mark.parametrize("log_n", ["022", "0x16", "+18", "-1", "0", "18 ", "１８"])
def test_non_canonical_work_factor_is_refused(log_n: str) -> None:
    with pytest.raises(AgeFormatError):
        ageio.parse_header(_scrypt_file(log_n))


def test_scrypt_must_be_alone() -> None:
    x25519 = f"-> X25519 {_b64(b'X' * 32)}\n{_b64(b'B' * 32)}\n"
    with pytest.raises(AgeFormatError, match="only stanza"):
        ageio.parse_header(_scrypt_file("18", extra_stanza=x25519))


def test_armored_input_is_refused() -> None:
    armored = pyrage.encrypt(b"x", [pyrage.x25519.Recipient.from_str(RECIPIENT_STR)], armored=True)
    for data in (armored, b"\n  " + armored):
        with pytest.raises(AgeFormatError, match="armored"):
            ageio.decrypt(data, [IDENTITY_STR])
        assert not ageio.is_age_file(data)


def test_parse_header_of_our_output() -> None:
    header = ageio.parse_header(CIPHERTEXT)
    (x25519,) = [stanza for stanza in header.stanzas if stanza.type == "X25519"]
    assert len(x25519.body) == 32
    assert len(x25519.args) == 1
    assert len(header.mac) == 32
    assert CIPHERTEXT[: header.payload_offset].endswith(b"\n")
    assert CIPHERTEXT[: header.payload_offset].rsplit(b"\n", 2)[1].startswith(b"--- ")
    assert ageio.parse_header(CIPHERTEXT[: header.payload_offset]) == header


@pytest.mark.parametrize("cut", [0, 5, 22, 30, -1])
def test_truncated_header_is_refused(cut: int) -> None:
    header = ageio.parse_header(CIPHERTEXT)
    prefix = CIPHERTEXT[: header.payload_offset + cut] if cut < 0 else CIPHERTEXT[:cut]
    with pytest.raises(AgeFormatError, match=r"truncated|empty"):
        ageio.parse_header(prefix)


def test_oversized_header_is_refused() -> None:
    grease = f"-> grease {'a' * 60}\n{_stanza_body(b'g' * 48 * 100)}".encode()
    data = b"age-encryption.org/v1\n" + grease * (ageio.MAX_HEADER_BYTES // len(grease) + 1) + b"--- x\n"
    with pytest.raises(AgeFormatError, match="larger than"):
        ageio.parse_header(data)
    with pytest.raises(AgeFormatError, match="larger than"):
        ageio.decrypt_stream(io.BytesIO(data), io.BytesIO(), [IDENTITY_STR])


def test_missing_nonce_is_a_header_failure() -> None:
    header = ageio.parse_header(CIPHERTEXT)
    for cut in (0, 15):
        with pytest.raises(AgeFormatError, match="nonce"):
            ageio.decrypt(CIPHERTEXT[: header.payload_offset + cut], [IDENTITY_STR])


def test_is_age_file() -> None:
    assert ageio.is_age_file(CIPHERTEXT[:22])
    assert not ageio.is_age_file(CIPHERTEXT[:21])
    assert not ageio.is_age_file(b"age-encryption.org/v2\n")
    assert not ageio.is_age_file(b"\x89PNG\r\n\x1a\n")


# --- streams -------------------------------------------------------------------------------------------------


def test_stream_roundtrip_with_file_and_callable_sinks() -> None:
    encrypted = io.BytesIO()
    ageio.encrypt_stream(io.BytesIO(PLAINTEXT), encrypted, [RECIPIENT_STR, RECIPIENT_STR])
    assert ageio.decrypt(encrypted.getvalue(), [IDENTITY_STR]) == PLAINTEXT
    out = io.BytesIO()
    ageio.decrypt_stream(io.BytesIO(encrypted.getvalue()), out, [IDENTITY_STR])
    assert out.getvalue() == PLAINTEXT
    parts: list[bytes] = []
    ageio.decrypt_stream(io.BytesIO(CIPHERTEXT), parts.append, [IDENTITY_STR])
    assert b"".join(parts) == PLAINTEXT


class _Refused(Exception):
    pass


class _FailingWriter(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        raise _Refused("disk says no")


def test_encrypt_stream_reports_writer_errors() -> None:
    """Regression: pyrage 1.4.0 encrypt_io swallows an exception raised by its writer on the final flush."""
    with pytest.raises(_Refused):
        ageio.encrypt_stream(io.BytesIO(b"short"), _FailingWriter(), [RECIPIENT_STR])  # type: ignore[arg-type]
    with pytest.raises(_Refused):
        ageio.encrypt_stream(io.BytesIO(PLAINTEXT), _FailingWriter(), [RECIPIENT_STR])  # type: ignore[arg-type]


def test_decrypt_stream_passes_sink_and_reader_errors_through() -> None:
    def refuse(data: bytes) -> None:
        raise _Refused("sink says no")

    with pytest.raises(_Refused, match="sink"):
        ageio.decrypt_stream(io.BytesIO(CIPHERTEXT), refuse, [IDENTITY_STR])
    with pytest.raises(OSError, match="No space"):
        ageio.decrypt_stream(io.BytesIO(CIPHERTEXT), _raise(OSError(28, "No space left")), [IDENTITY_STR])

    class Reader(io.RawIOBase):
        def __init__(self) -> None:
            self.sent = False

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            if not self.sent:
                self.sent = True
                return CIPHERTEXT[:400]
            raise _Refused("reader says no")

    with pytest.raises(_Refused, match="reader"):
        ageio.decrypt_stream(Reader(), io.BytesIO(), [IDENTITY_STR])  # type: ignore[arg-type]


def _raise(error: Exception) -> Callable[[bytes], None]:
    def sink(data: bytes) -> None:
        raise error

    return sink


def test_decrypt_stream_sink_sees_nothing_on_header_or_key_failure() -> None:
    for data, identities, error in [
        (CIPHERTEXT.replace(b"X25519", b"X25519 extra", 1), [IDENTITY_STR], AgeFormatError),
        (CIPHERTEXT, [OTHER_STR], DecryptionError),
        (b"", [IDENTITY_STR], AgeFormatError),
    ]:
        sink = io.BytesIO()
        with pytest.raises(error):
            ageio.decrypt_stream(io.BytesIO(data), sink, identities)
        assert sink.getvalue() == b""


def test_decrypt_stream_payload_failure_after_provisional_output() -> None:
    """The documented hazard: a truncated file puts authenticated chunks in the sink, then raises."""
    sink = io.BytesIO()
    with pytest.raises(PayloadError, match="payload failure"):
        ageio.decrypt_stream(io.BytesIO(CIPHERTEXT[:-20]), sink, [IDENTITY_STR])
    assert PLAINTEXT.startswith(sink.getvalue())


def test_decrypt_stream_reads_a_header_split_across_small_reads() -> None:
    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            chunk, self.data = self.data[:7], self.data[7:]
            return chunk

    out = io.BytesIO()
    ageio.decrypt_stream(Trickle(SMALL_CIPHERTEXT), out, [IDENTITY_STR])  # type: ignore[arg-type]
    assert out.getvalue() == b"small secret"


# --- fuzzing -------------------------------------------------------------------------------------------------

_HEADER_END = ageio.parse_header(SMALL_CIPHERTEXT).payload_offset


@st.composite
def _mutated(draw: st.DrawFn, data: bytes, hot: int) -> bytes:
    """Apply a few flips, insertions, deletions or a truncation, mostly inside the first ``hot`` bytes."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, max(0, min(len(out), hot + 20) - 1)))
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "byte"]))
        if kind == "flip" and out:
            out[where] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            out[where:where] = draw(st.sampled_from([b" ", b"\n", b"\r", b"=", b"-", b"A", b"\x00", b"\xff"]))
        elif kind == "delete" and out:
            del out[where]
        elif kind == "truncate":
            del out[where:]
        elif out:
            out[where] = draw(st.integers(0, 255))
    return bytes(out)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated(SMALL_CIPHERTEXT, _HEADER_END))
def test_fuzz_decrypt_raises_only_our_errors(data: bytes) -> None:
    try:
        plaintext = ageio.decrypt(data, [IDENTITY_STR])
    except (AgeFormatError, DecryptionError):
        return
    assert plaintext == b"small secret"


@settings(max_examples=300, deadline=None)
@given(_mutated(SMALL_CIPHERTEXT, _HEADER_END))
def test_fuzz_decrypt_stream_raises_only_our_errors(data: bytes) -> None:
    out = io.BytesIO()
    try:
        ageio.decrypt_stream(io.BytesIO(data), out, [IDENTITY_STR])
    except (AgeFormatError, DecryptionError):
        return
    assert out.getvalue() == b"small secret"


@settings(max_examples=500, deadline=None)
@given(st.one_of(_mutated(_scrypt_file("18"), 200), _mutated(SMALL_CIPHERTEXT, _HEADER_END), st.binary(max_size=300)))
def test_fuzz_parse_header_raises_only_age_format_error(data: bytes) -> None:
    try:
        header = ageio.parse_header(data)
    except AgeFormatError:
        return
    assert header.payload_offset <= len(data)
    assert header.stanzas


@settings(max_examples=150, deadline=None)
@given(_mutated(_scrypt_file("18"), 200))
def test_fuzz_decrypt_with_passphrase_never_runs_a_hostile_scrypt(data: bytes) -> None:
    """Mutated work factors (a flipped digit, an inserted one) are refused or stay cheap: pyrage is stubbed."""
    calls: list[bytes] = []

    def fake(ciphertext: bytes, passphrase: str) -> bytes:
        calls.append(ciphertext)
        raise pyrage.DecryptError("Decryption failed")

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(pyrage.passphrase, "decrypt", fake)
        with pytest.raises(EvidenceError) as info:
            ageio.decrypt_with_passphrase(data, "password")
    assert isinstance(info.value, AgeFormatError | DecryptionError)
    for ciphertext in calls:
        (stanza,) = ageio.parse_header(ciphertext).stanzas
        assert int(stanza.args[1]) <= ageio.MAX_SCRYPT_LOG_N
