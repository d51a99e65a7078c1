"""Our single door to age: a strict header parser in front of pyrage, which is too lenient to face hostile files.

pyrage (the Rust ``age`` crate) does the cryptography; this module never touches a cipher. What it adds is a
gate. Before any file reaches pyrage, :func:`parse_header` checks the text header against the C2SP age spec and
accepts only canonical encodings, because pyrage 1.4.0 does not:

* it accepts any scrypt work factor, so a hostile file with logN 23 costs about 60 s and 8 GiB before it fails;
  we refuse logN above :data:`MAX_SCRYPT_LOG_N` without calling pyrage;
* it accepts a stanza whose body is missing (``-> empty`` directly followed by the MAC line) and a stanza whose
  body ends on a full 64-column line with no short final line (CCTV ``stanza_missing_body`` and
  ``stanza_missing_final_line``) and then decrypts the file as if the header were fine;
* it reports a payload shorter than the 16-byte nonce as an I/O error ("failed to fill whole buffer") rather
  than as a malformed file (CCTV ``stream_no_nonce``, ``stream_short_nonce``); we check the nonce length first.

pyrage's own failures arrive as two exception types with free-text messages; :func:`_map_failure` sorts them
into the families the CCTV vectors distinguish, each its own type so that callers never match message text:
header failure (:class:`AgeFormatError`), no match (:class:`NoMatchingIdentityError`), HMAC failure
(:class:`HeaderMacError`) and payload failure (:class:`PayloadError`). Two more pyrage behaviours shape the
streaming API: ``decrypt_io`` hands plaintext to its writer before it has checked the end of the STREAM
(truncation, trailing data), and ``encrypt_io`` silently swallows an exception raised by its writer on the final
flush. So :func:`decrypt_stream` documents that its sink sees provisional data, and both stream functions wrap
the caller's objects to re-raise their errors themselves.

ASCII armor is refused: we never write it, and decoding it ourselves would add a second parser to keep strict.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import pyrage

from evidence.core.errors import (
    AgeFormatError,
    DecryptionError,
    HeaderMacError,
    NoMatchingIdentityError,
    PayloadError,
    UsageError,
    WrongPassphraseError,
)

MAX_SCRYPT_LOG_N = 22
"""Highest scrypt work factor (log2 N) we let pyrage compute: 2^22 takes about 4 s and 4 GiB."""

MAX_HEADER_BYTES = 64 * 1024
"""Largest header we read; real headers are a few hundred bytes per recipient."""

VERSION_LINE = b"age-encryption.org/v1\n"
NONCE_BYTES = 16

_ARMOR_BEGIN = b"-----BEGIN AGE ENCRYPTED FILE-----"
_COLUMNS = 64
_MAC_BYTES = 32
_FILE_KEY_WRAP_BYTES = 32  # 16-byte file key plus a 16-byte ChaCha20-Poly1305 tag
_B64_CHARS = re.compile(rb"[A-Za-z0-9+/]*")
_ARG_CHARS = re.compile(rb"[\x21-\x7e]+")
_LOG_N = re.compile(rb"[1-9][0-9]*")
_WHITESPACE = b" \t\r\n"


@dataclass(frozen=True)
class Stanza:
    """One recipient stanza of an age header.

    Attributes:
        type: The first argument, which names the recipient type (``X25519``, ``scrypt``, ...).
        args: The remaining arguments, as text.
        body: The decoded body (a wrapped file key for the known types).
    """

    type: str
    args: tuple[str, ...]
    body: bytes


@dataclass(frozen=True)
class Header:
    """A parsed age v1 header.

    Attributes:
        stanzas: The recipient stanzas, in file order.
        mac: The 32-byte header MAC (checked by pyrage, not here).
        payload_offset: Offset of the first payload byte (the nonce) in the file.
    """

    stanzas: tuple[Stanza, ...]
    mac: bytes
    payload_offset: int


class _TruncatedHeaderError(AgeFormatError):
    """The bytes end before the header does; :func:`decrypt_stream` reads more when it sees this."""


def is_age_file(prefix: bytes) -> bool:
    """Tell whether bytes look like the start of a binary age v1 file (armored files do not count).

    Args:
        prefix: The first bytes of a file; 22 are enough.

    Returns:
        True if ``prefix`` starts with the age v1 version line.
    """
    return prefix.startswith(VERSION_LINE)


def parse_header(prefix: bytes) -> Header:
    """Parse and check an age v1 header, accepting only canonical encodings.

    Besides the grammar of the C2SP age spec, this checks the shape of the stanzas we know (``X25519``,
    ``scrypt``, ``mlkem768x25519``: argument count and sizes, 32-byte body), that an ``scrypt`` stanza is alone
    and that its work factor is a canonical decimal no larger than :data:`MAX_SCRYPT_LOG_N`. It does not check
    the MAC, which needs the file key.

    Args:
        prefix: The file, or at least its whole header.

    Returns:
        The parsed header.

    Raises:
        AgeFormatError: The bytes are not a well-formed age v1 header, are armored, are truncated, exceed
            :data:`MAX_HEADER_BYTES`, or fail one of our guards.
    """
    if prefix[:MAX_HEADER_BYTES].lstrip(_WHITESPACE).startswith(_ARMOR_BEGIN):
        raise AgeFormatError("armored (PEM) age files are not supported; use the binary format")
    if not prefix.startswith(VERSION_LINE):
        if not prefix:
            raise _TruncatedHeaderError("empty input: not an age file")
        if VERSION_LINE.startswith(prefix):
            raise _TruncatedHeaderError("age header is truncated (version line)")
        if prefix.startswith(VERSION_LINE[:-1] + b"\r\n"):
            raise AgeFormatError("age header lines must end with LF, not CRLF")
        if prefix.startswith(b"age-encryption.org/"):
            raise AgeFormatError("unsupported age version (only age-encryption.org/v1 is known)")
        raise AgeFormatError("not an age file (missing the age-encryption.org/v1 version line)")
    lines = _Lines(prefix, len(VERSION_LINE))
    stanzas: list[Stanza] = []
    while True:
        line = lines.next("stanza or MAC line")
        if line.startswith(b"---"):
            mac = _parse_mac_line(line)
            break
        if not line.startswith(b"->"):
            raise AgeFormatError("age header has a line that is neither a stanza nor the MAC line")
        stanzas.append(_parse_stanza(line, lines))
    header = Header(stanzas=tuple(stanzas), mac=mac, payload_offset=lines.pos)
    _check_known_stanzas(header)
    return header


class _Lines:
    """Cursor over the LF-terminated lines of a header, bounded by :data:`MAX_HEADER_BYTES`."""

    def __init__(self, data: bytes, pos: int) -> None:
        self.data = data[:MAX_HEADER_BYTES]
        self.pos = pos
        self.limited = len(data) > MAX_HEADER_BYTES

    def next(self, what: str) -> bytes:
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            if self.limited:
                raise AgeFormatError(f"age header is larger than {MAX_HEADER_BYTES} bytes")
            raise _TruncatedHeaderError(f"age header is truncated (expected a {what})")
        line = self.data[self.pos : end]
        self.pos = end + 1
        return line


def _parse_stanza(line: bytes, lines: _Lines) -> Stanza:
    if not line.startswith(b"-> "):
        raise AgeFormatError("age stanza line must start with '-> ' and name a type")
    args = line[3:].split(b" ")
    for arg in args:
        if not _ARG_CHARS.fullmatch(arg):
            raise AgeFormatError("age stanza has an empty argument or one with invalid characters")
    body_lines: list[bytes] = []
    while True:
        body_line = lines.next("stanza body line")
        if len(body_line) > _COLUMNS:
            raise AgeFormatError(f"age stanza body line is longer than {_COLUMNS} columns")
        if not _B64_CHARS.fullmatch(body_line):
            raise AgeFormatError("age stanza body is missing or has characters outside unpadded base64")
        body_lines.append(body_line)
        if len(body_line) < _COLUMNS:
            break
    body = _b64decode(b"".join(body_lines), "stanza body")
    text = [arg.decode("ascii") for arg in args]
    return Stanza(type=text[0], args=tuple(text[1:]), body=body)


def _parse_mac_line(line: bytes) -> bytes:
    if not line.startswith(b"--- "):
        raise AgeFormatError("age MAC line must start with '--- '")
    encoded = line[4:]
    if not _B64_CHARS.fullmatch(encoded):
        raise AgeFormatError("age header MAC is not unpadded base64")
    mac = _b64decode(encoded, "header MAC")
    if len(mac) != _MAC_BYTES:
        raise AgeFormatError(f"age header MAC is {len(mac)} bytes, expected {_MAC_BYTES}")
    return mac


def _b64decode(encoded: bytes, what: str) -> bytes:
    """Decode unpadded base64, refusing padding, stray characters and non-zero trailing bits."""
    if not _B64_CHARS.fullmatch(encoded) or len(encoded) % 4 == 1:
        raise AgeFormatError(f"age {what} is not valid unpadded base64")
    try:
        raw = base64.b64decode(encoded + b"=" * (-len(encoded) % 4), validate=True)
    except binascii.Error as e:
        raise AgeFormatError(f"age {what} is not valid unpadded base64") from e
    if base64.b64encode(raw).rstrip(b"=") != encoded:
        raise AgeFormatError(f"age {what} is not canonical base64")
    return raw


def _check_known_stanzas(header: Header) -> None:
    """Check the shape of the stanza types we know, as their identities would before unwrapping."""
    if not header.stanzas:
        raise AgeFormatError("age header has no recipient stanzas")
    for stanza in header.stanzas:
        if stanza.type == "X25519":
            _check_arg(stanza, 1, 0, "share", 32)
        elif stanza.type == "mlkem768x25519":
            _check_arg(stanza, 1, 0, "enc", 1088 + 32)
        elif stanza.type == "scrypt":
            if len(header.stanzas) != 1:
                raise AgeFormatError("an age scrypt stanza must be the only stanza in the header")
            _check_arg(stanza, 2, 0, "salt", 16)
            _scrypt_log_n(stanza)
        else:
            continue
        if len(stanza.body) != _FILE_KEY_WRAP_BYTES:
            raise AgeFormatError(
                f"age {stanza.type} stanza body is {len(stanza.body)} bytes, expected {_FILE_KEY_WRAP_BYTES}"
            )


def _check_arg(stanza: Stanza, count: int, index: int, name: str, size: int) -> None:
    """Check the argument count of ``stanza`` and that argument ``index`` is ``size`` bytes of base64."""
    if len(stanza.args) != count:
        raise AgeFormatError(f"age {stanza.type} stanza must have exactly {count} argument(s)")
    raw = _b64decode(stanza.args[index].encode("ascii"), f"{stanza.type} {name}")
    if len(raw) != size:
        raise AgeFormatError(f"age {stanza.type} {name} is {len(raw)} bytes, expected {size}")


def _scrypt_log_n(stanza: Stanza) -> int:
    text = stanza.args[1]
    if not _LOG_N.fullmatch(text.encode("ascii")):
        raise AgeFormatError("age scrypt work factor is not a canonical positive decimal")
    if len(text) > 2 or int(text) > MAX_SCRYPT_LOG_N:
        raise AgeFormatError(
            f"age scrypt work factor 2^{text[:8]} is above our limit of 2^{MAX_SCRYPT_LOG_N}; refusing to try it"
        )
    return int(text)


def _check_nonce(header: Header, size: int) -> None:
    if size - header.payload_offset < NONCE_BYTES:
        raise AgeFormatError(f"age payload is shorter than its {NONCE_BYTES}-byte nonce")


# pyrage reports failures as DecryptError (or OSError from decrypt_io) with free text only. These prefixes are
# the messages of pyrage 1.4.0 (age crate 0.11); tests/evidence/test_ageio.py pins them with the CCTV vectors.
_HEADER_MESSAGES = ("Header is invalid", "Unknown age format", "Incomplete header", "failed to fill whole buffer")
_PAYLOAD_MESSAGES = {
    "decryption error": "age payload failure: a chunk does not authenticate (damaged or truncated)",
    "age file is truncated": "age payload failure: the payload is truncated",
    "last chunk has been processed": "age payload failure: data follows the final chunk",
    "Last STREAM chunk is empty": "age payload failure: the final chunk is empty",
}


def _map_failure(error: Exception, *, passphrase: bool = False) -> AgeFormatError | DecryptionError:
    """Sort a pyrage failure into the families of the CCTV vectors."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    if message.startswith(_HEADER_MESSAGES):
        return AgeFormatError(f"age header refused by pyrage: {message}")
    if message.startswith("No matching keys found"):
        if passphrase:
            return NoMatchingIdentityError("age no match: the file is not passphrase-encrypted")
        return NoMatchingIdentityError("age no match: no identity opens any recipient stanza")
    if message.startswith("Decryption failed") and passphrase:
        # pyrage cannot tell a wrong passphrase from a damaged scrypt stanza body (CCTV scrypt_bad_tag): the
        # body's authentication tag fails either way.
        return WrongPassphraseError("wrong passphrase")
    if message.startswith("Header MAC is invalid"):
        return HeaderMacError("age HMAC failure: the header MAC does not verify (damaged or tampered)")
    for prefix, text in _PAYLOAD_MESSAGES.items():
        if message.startswith(prefix):
            return PayloadError(text)
    return DecryptionError(f"age decryption failed: {message}")


def _recipients(recipients: Sequence[str]) -> list[object]:
    if isinstance(recipients, str):
        raise UsageError("recipients must be a sequence of age1… strings, not one string")
    parsed: dict[str, object] = {}
    for text in recipients:
        try:
            recipient = pyrage.x25519.Recipient.from_str(text)
        except pyrage.RecipientError as e:
            raise UsageError(f"not an age X25519 recipient (age1…): {text[:16]!r}…") from e
        parsed.setdefault(str(recipient), recipient)
    if not parsed:
        raise UsageError("age encryption needs at least one recipient")
    return list(parsed.values())


def check_recipients(recipients: Sequence[str]) -> None:
    """Check that ``recipients`` are usable ``age1…`` X25519 recipients, before anything is written for them.

    Raises:
        UsageError: none, or one is not an age X25519 recipient.
    """
    _recipients(recipients)


def _identities(identities: Sequence[str]) -> list[object]:
    if isinstance(identities, str):
        raise UsageError("identities must be a sequence of AGE-SECRET-KEY-1… strings, not one string")
    parsed: dict[str, object] = {}
    for text in identities:
        if text.upper().startswith("AGE-SECRET-KEY-PQ-1"):
            raise UsageError("post-quantum (ML-KEM) age identities are not supported by pyrage 1.4")
        try:
            identity = pyrage.x25519.Identity.from_str(text)
        except pyrage.IdentityError as e:
            # Never echo the text: it is secret key material.
            raise UsageError("not an age X25519 identity (AGE-SECRET-KEY-1…)") from e
        parsed.setdefault(str(identity.to_public()), identity)
    if not parsed:
        raise UsageError("age decryption needs at least one identity")
    return list(parsed.values())


def _refuse_scrypt(header: Header) -> None:
    if any(stanza.type == "scrypt" for stanza in header.stanzas):
        raise NoMatchingIdentityError("age no match: the file is passphrase-encrypted, not for an identity")


def encrypt(plaintext: bytes, recipients: Sequence[str]) -> bytes:
    """Encrypt bytes to age X25519 recipients.

    Args:
        plaintext: The data to encrypt.
        recipients: ``age1…`` recipient strings; duplicates are encrypted to once.

    Returns:
        A binary age v1 file.

    Raises:
        UsageError: No recipients, or one is not an age X25519 recipient.
    """
    parsed = _recipients(recipients)
    try:
        ciphertext: bytes = pyrage.encrypt(plaintext, parsed)
    except pyrage.EncryptError as e:
        raise UsageError(f"age encryption failed: {e}") from e
    return ciphertext


def decrypt(ciphertext: bytes, identities: Sequence[str]) -> bytes:
    """Decrypt a whole age file in memory; plaintext is returned only after every check has passed.

    Args:
        ciphertext: A binary age v1 file.
        identities: ``AGE-SECRET-KEY-1…`` identity strings.

    Returns:
        The authenticated plaintext.

    Raises:
        AgeFormatError: Header failure (malformed, armored, or refused by our guards).
        NoMatchingIdentityError: No identity opens any recipient stanza (the file is not addressed to us).
        HeaderMacError: The header MAC does not verify.
        PayloadError: The payload is damaged or truncated.
        DecryptionError: Any other pyrage failure.
        UsageError: No identities, or one is not an age X25519 identity.
    """
    header = parse_header(ciphertext)
    _check_nonce(header, len(ciphertext))
    _refuse_scrypt(header)
    parsed = _identities(identities)
    try:
        plaintext: bytes = pyrage.decrypt(ciphertext, parsed)
    except (pyrage.DecryptError, OSError) as e:
        raise _map_failure(e) from e
    return plaintext


def encrypt_with_passphrase(plaintext: bytes, passphrase: str) -> bytes:
    """Encrypt bytes with an age scrypt passphrase (pyrage picks a work factor of about one second).

    Args:
        plaintext: The data to encrypt.
        passphrase: A non-empty passphrase.

    Returns:
        A binary age v1 file with a single scrypt stanza.

    Raises:
        UsageError: The passphrase is empty.
        AgeFormatError: pyrage chose a work factor above :data:`MAX_SCRYPT_LOG_N`, which we could not open again.
    """
    if not passphrase:
        raise UsageError("the passphrase must not be empty")
    try:
        ciphertext: bytes = pyrage.passphrase.encrypt(plaintext, passphrase)
    except pyrage.EncryptError as e:
        raise UsageError(f"age passphrase encryption failed: {e}") from e
    parse_header(ciphertext)  # our own guard must accept what we write (pyrage calibrates logN to the CPU)
    return ciphertext


def decrypt_with_passphrase(ciphertext: bytes, passphrase: str) -> bytes:
    """Decrypt a whole passphrase-encrypted age file in memory, after refusing excessive scrypt work factors.

    Args:
        ciphertext: A binary age v1 file with one scrypt stanza.
        passphrase: The passphrase.

    Returns:
        The authenticated plaintext.

    Raises:
        AgeFormatError: Header failure, including a work factor above :data:`MAX_SCRYPT_LOG_N` (refused before
            pyrage runs scrypt).
        WrongPassphraseError: The passphrase does not open the scrypt stanza.
        DecryptionError: The file is not passphrase-encrypted, the header MAC does not verify, or the payload is
            damaged.
    """
    header = parse_header(ciphertext)
    _check_nonce(header, len(ciphertext))
    if [stanza.type for stanza in header.stanzas] != ["scrypt"]:
        raise NoMatchingIdentityError("age no match: the file is not passphrase-encrypted")
    try:
        plaintext: bytes = pyrage.passphrase.decrypt(ciphertext, passphrase)
    except (pyrage.DecryptError, OSError) as e:
        raise _map_failure(e, passphrase=True) from e
    return plaintext


class _GuardedWriter:
    """Writer handed to pyrage: writes fully, and keeps the caller's exception since pyrage may swallow it."""

    def __init__(self, write: Callable[[bytes], object]) -> None:
        self._write = write
        self.error: BaseException | None = None

    def write(self, data: bytes) -> int:
        if self.error is not None:
            raise self.error
        chunk = data if type(data) is bytes else bytes(data)  # pyrage hands over bytes: no copy then
        try:
            while chunk:
                written = self._write(chunk)
                if not isinstance(written, int) or written >= len(chunk):
                    break  # a callable returning None, or a file that took everything
                if written <= 0:
                    raise OSError("the age output stream accepted no bytes")
                chunk = chunk[written:]  # a raw file may take part of the buffer (rare: copy the rest)
        except BaseException as e:
            self.error = e
            raise
        return len(data)


class _ChainedReader:
    """Reader handed to pyrage: replays the bytes we already read, then the caller's stream."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size < 0:
                size = len(self._head)
            chunk, self._head = self._head[:size], self._head[size:]
            return chunk
        try:
            return self._rest.read(size)
        except BaseException as e:
            self.error = e
            raise


def encrypt_stream(reader: BinaryIO, writer: BinaryIO, recipients: Sequence[str]) -> None:
    """Encrypt a stream to age X25519 recipients, chunk by chunk.

    Exceptions raised by ``reader`` or ``writer`` propagate unchanged (pyrage alone would swallow a writer's
    exception on the final flush).

    Args:
        reader: Source of plaintext, read to EOF.
        writer: Destination of the binary age file.
        recipients: ``age1…`` recipient strings; duplicates are encrypted to once.

    Raises:
        UsageError: No recipients, or one is not an age X25519 recipient.
    """
    parsed = _recipients(recipients)
    source = _ChainedReader(b"", reader)
    sink = _GuardedWriter(writer.write)
    try:
        pyrage.encrypt_io(source, sink, parsed)
    except (pyrage.EncryptError, OSError) as e:
        _reraise_caller_error(source, sink)
        raise UsageError(f"age encryption failed: {e}") from e
    _reraise_caller_error(source, sink)


def decrypt_stream(reader: BinaryIO, sink: BinaryIO | Callable[[bytes], object], identities: Sequence[str]) -> Header:
    """Decrypt a stream chunk by chunk. **Everything the sink receives is unverified until this returns.**

    The header is read and checked by :func:`parse_header` before pyrage sees the file. pyrage then hands each
    64 KiB chunk to the sink as soon as that chunk authenticates, but it checks the end of the stream (a
    missing final chunk, trailing data) only afterwards. So a truncated or extended file puts data in the sink
    and then raises. Callers MUST treat everything written to the sink as provisional, keep it somewhere
    private (memory, a temp file), and discard it unless this call returns without an exception. Use
    :func:`decrypt` when the plaintext fits in memory.

    Exceptions raised by ``reader`` or ``sink`` propagate unchanged, and a sink that raises stops pyrage at once:
    a sink may so refuse a stream as soon as its first bytes show it is not what the caller expects.

    Args:
        reader: Source of the binary age file, read to EOF.
        sink: A writable binary file or a ``write(bytes)`` callable that receives provisional plaintext.
        identities: ``AGE-SECRET-KEY-1…`` identity strings.

    Returns:
        The parsed header (so a caller can compare its recipient stanzas with whom the file should be for).

    Raises:
        AgeFormatError: Header failure (malformed, armored, or refused by our guards); the sink saw nothing.
        NoMatchingIdentityError, HeaderMacError: No identity matches, or the header MAC does not verify (the
            sink saw nothing).
        PayloadError: The payload is damaged (the sink may have seen data: discard it).
        UsageError: No identities, or one is not an age X25519 identity.
    """
    head = b""
    while True:
        try:
            header = parse_header(head)
            break
        except _TruncatedHeaderError:
            chunk = reader.read(4096) if len(head) <= MAX_HEADER_BYTES else b""
            if not chunk:
                raise
            head += chunk
    while len(head) < header.payload_offset + NONCE_BYTES:
        chunk = reader.read(header.payload_offset + NONCE_BYTES - len(head))
        if not chunk:
            break
        head += chunk
    _check_nonce(header, len(head))
    _refuse_scrypt(header)
    parsed = _identities(identities)
    source = _ChainedReader(head, reader)
    guarded = _GuardedWriter(sink if callable(sink) else sink.write)
    try:
        pyrage.decrypt_io(source, guarded, parsed)
    except (pyrage.DecryptError, OSError) as e:
        _reraise_caller_error(source, guarded)
        raise _map_failure(e) from e
    _reraise_caller_error(source, guarded)
    return header


def _reraise_caller_error(source: _ChainedReader, sink: _GuardedWriter) -> None:
    for error in (source.error, sink.error):
        if error is not None:
            raise error
