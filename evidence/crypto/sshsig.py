"""OpenSSH SSHSIG signatures, public key lines and allowed_signers files, for Ed25519 keys only.

Why we write this: ``cryptography`` gives us Ed25519 but has no SSHSIG, and a school's IT staff must be able
to check a sealed bundle with nothing but stock ``ssh-keygen -Y verify``. So this module owns only the
*framing* of OpenSSH's ``PROTOCOL.sshsig`` (length-prefixed strings and a base64 armor); every signature and
every check of one is done by ``cryptography``. Ed25519 is deterministic, so ``tests/interop/test_sshsig.py``
pins :func:`sign` byte for byte against ``ssh-keygen -Y sign``, and has ``ssh-keygen`` verify what we make and
the reverse.

Parsing is deliberately strict: only the canonical armor, only ``ssh-ed25519`` keys, no trailing bytes. Every
failure is one :class:`~evidence.core.errors.SignatureError` (or :class:`~evidence.core.errors.IdentityError` for keys)
line; no ``struct``, ``binascii`` or ``ValueError`` escapes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from evidence.core.errors import IdentityError, SignatureError, UsageError

KEY_TYPE = "ssh-ed25519"
MAGIC = b"SSHSIG"
VERSION = 1
BEGIN = "-----BEGIN SSH SIGNATURE-----\n"
END = "-----END SSH SIGNATURE-----\n"
LINE_WIDTH = 70
"""ssh-keygen wraps the armored base64 at 70 characters."""
_HASHES = {"sha512": hashlib.sha512, "sha256": hashlib.sha256}
_NAMESPACES_OPTION = re.compile(r'namespaces="([^"]*)"')
_PATTERN_CHARS = frozenset(',*?!"#')
"""OpenSSH reads principals and namespaces as pattern lists; we accept literals only, so refuse these."""


class _Malformed(Exception):
    """Internal: the wire data is malformed; converted to a domain error at the public edge."""


class _Reader:
    """Reads SSH wire-format fields (RFC 4251 ``uint32`` and ``string``) from a byte string."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def take(self, n: int) -> bytes:
        if n > len(self._data) - self._pos:
            raise _Malformed("truncated")
        self._pos += n
        return self._data[self._pos - n : self._pos]

    def uint32(self) -> int:
        return int.from_bytes(self.take(4), "big")

    def string(self) -> bytes:
        return self.take(self.uint32())

    def end(self) -> None:
        if self._pos != len(self._data):
            raise _Malformed("trailing bytes")


def _string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def _b64decode_canonical(text: str) -> bytes:
    """Decode base64, accepting only the one encoding that :func:`base64.b64encode` would produce."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise _Malformed("bad base64") from e
    if base64.b64encode(data).decode("ascii") != text:
        raise _Malformed("base64 is not canonical")
    return data


def _parse_key_blob(blob: bytes) -> Ed25519PublicKey:
    reader = _Reader(blob)
    key_type = reader.string()
    if key_type != KEY_TYPE.encode():
        raise _Malformed(f"key type is {key_type.decode('ascii', 'replace')!r}, expected {KEY_TYPE!r}")
    raw = reader.string()
    if len(raw) != 32:
        raise _Malformed(f"Ed25519 key is {len(raw)} bytes, expected 32")
    reader.end()
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_blob(pub: Ed25519PublicKey) -> bytes:
    """The key in SSH wire format: string ``"ssh-ed25519"``, string key (32 bytes)."""
    return _string(KEY_TYPE.encode()) + _string(pub.public_bytes_raw())


def public_key_line(pub: Ed25519PublicKey, comment: str = "") -> str:
    """The ``authorized_keys`` style line ``ssh-ed25519 AAAA… comment``, without a newline."""
    if "\n" in comment or "\r" in comment:
        raise UsageError("a public key comment must be one line")
    line = f"{KEY_TYPE} {base64.b64encode(public_key_blob(pub)).decode('ascii')}"
    return f"{line} {comment}" if comment else line


def parse_public_key_line(line: str) -> Ed25519PublicKey:
    """Parse ``ssh-ed25519 AAAA… [comment]``; anything else raises :class:`IdentityError`."""
    fields = line.strip().split(maxsplit=2)
    if len(fields) < 2:
        raise IdentityError("public key line must be 'ssh-ed25519 <base64> [comment]'")
    if fields[0] != KEY_TYPE:
        raise IdentityError(f"public key type {fields[0]!r} is not supported, only {KEY_TYPE!r}")
    try:
        return _parse_key_blob(_b64decode_canonical(fields[1]))
    except _Malformed as e:
        raise IdentityError(f"public key is malformed: {e}") from e


def fingerprint(pub: Ed25519PublicKey) -> str:
    """``SHA256:`` and the unpadded base64 of the blob's SHA-256, as ``ssh-keygen -l`` prints it."""
    digest = hashlib.sha256(public_key_blob(pub)).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def _namespace_bytes(namespace: str) -> bytes:
    try:
        ns = namespace.encode("utf-8")
    except UnicodeEncodeError as e:
        raise UsageError(f"signature namespace {namespace!r} is not valid text") from e
    if not ns:
        raise UsageError("a signature namespace must not be empty")
    return ns


def _signed_data(namespace: bytes, hash_alg: str, message_hash: bytes) -> bytes:
    return MAGIC + _string(namespace) + _string(b"") + _string(hash_alg.encode()) + _string(message_hash)


def _armor(blob: bytes) -> str:
    text = base64.b64encode(blob).decode("ascii")
    lines = [text[i : i + LINE_WIDTH] for i in range(0, len(text), LINE_WIDTH)]
    return BEGIN + "".join(line + "\n" for line in lines) + END


def sign(key: Ed25519PrivateKey, message: bytes, namespace: str) -> str:
    """Sign ``message`` exactly as ``ssh-keygen -Y sign -n NAMESPACE`` does (hash sha512), armored."""
    return sign_digest(key, hashlib.sha512(message).digest(), namespace)


def sign_digest(key: Ed25519PrivateKey, message_sha512: bytes, namespace: str) -> str:
    """Like :func:`sign`, given the message's SHA-512 digest (so large files can be hashed in a stream)."""
    if len(message_sha512) != 64:
        raise UsageError(f"a SHA-512 digest is 64 bytes, got {len(message_sha512)}")
    ns = _namespace_bytes(namespace)
    raw_sig = key.sign(_signed_data(ns, "sha512", message_sha512))
    sig = _string(KEY_TYPE.encode()) + _string(raw_sig)
    fields = [public_key_blob(key.public_key()), ns, b"", b"sha512", sig]
    return _armor(MAGIC + VERSION.to_bytes(4, "big") + b"".join(_string(f) for f in fields))


@dataclass(frozen=True)
class _Parsed:
    key: Ed25519PublicKey
    namespace: bytes
    hash_alg: str
    raw_sig: bytes


def _dearmor(signature: str | bytes) -> bytes:
    try:
        text = signature.decode("ascii") if isinstance(signature, bytes) else signature
    except UnicodeDecodeError as e:
        raise SignatureError("signature is not ASCII text") from e
    if not (text.startswith(BEGIN) and text.endswith(END)):
        raise SignatureError("not an SSH signature: missing BEGIN/END SSH SIGNATURE lines")
    body = text[len(BEGIN) : len(text) - len(END)]
    try:
        blob = _b64decode_canonical(body.replace("\n", ""))
    except _Malformed as e:
        raise SignatureError(f"signature armor is malformed: {e}") from e
    if _armor(blob) != text:
        raise SignatureError("signature armor is not in canonical form")
    return blob


def _parse(signature: str | bytes, namespace: str) -> _Parsed:
    expected_ns = _namespace_bytes(namespace)
    reader = _Reader(_dearmor(signature))
    try:
        if reader.take(len(MAGIC)) != MAGIC:
            raise SignatureError("not an SSH signature: bad magic")
        version = reader.uint32()
        if version != VERSION:
            raise SignatureError(f"signature version is {version}, expected {VERSION}")
        key_blob, ns, reserved, hash_alg, sig = [reader.string() for _ in range(5)]
        reader.end()
        try:
            key = _parse_key_blob(key_blob)
        except _Malformed as e:
            raise SignatureError(f"signature public key: {e}") from e
        sig_reader = _Reader(sig)
        sig_type, raw_sig = sig_reader.string(), sig_reader.string()
        sig_reader.end()
    except _Malformed as e:
        raise SignatureError(f"signature is malformed: {e}") from e
    if ns != expected_ns:
        got = ns.decode("utf-8", "replace")
        raise SignatureError(f"signature namespace is {got!r}, expected {namespace!r}")
    if reserved:
        raise SignatureError("signature reserved field is not empty")
    alg = hash_alg.decode("ascii", "replace")
    if alg not in _HASHES:
        raise SignatureError(f"signature hash algorithm {alg!r} is not supported")
    if sig_type != KEY_TYPE.encode() or len(raw_sig) != 64:
        raise SignatureError(f"signature is not a {KEY_TYPE} signature")
    return _Parsed(key, ns, alg, raw_sig)


def _check(parsed: _Parsed, message_hash: bytes) -> Ed25519PublicKey:
    try:
        parsed.key.verify(parsed.raw_sig, _signed_data(parsed.namespace, parsed.hash_alg, message_hash))
    except InvalidSignature as e:
        raise SignatureError("signature does not verify") from e
    return parsed.key


def verify(signature: str | bytes, message: bytes, namespace: str) -> Ed25519PublicKey:
    """Check an armored signature over ``message``; return the signer's key (trusting it is the caller's job).

    Raises:
        SignatureError: The signature is malformed, for another namespace, or does not verify.
    """
    parsed = _parse(signature, namespace)
    return _check(parsed, _HASHES[parsed.hash_alg](message).digest())


def verify_digest(signature: str | bytes, message_sha512: bytes, namespace: str) -> Ed25519PublicKey:
    """Like :func:`verify`, given the message's SHA-512 digest; a sha256 signature is refused.

    Raises:
        SignatureError: As for :func:`verify`, or the signature hashes with sha256.
    """
    if len(message_sha512) != 64:
        raise UsageError(f"a SHA-512 digest is 64 bytes, got {len(message_sha512)}")
    parsed = _parse(signature, namespace)
    if parsed.hash_alg != "sha512":
        raise SignatureError(f"signature uses {parsed.hash_alg}, but only a sha512 digest was given")
    return _check(parsed, message_sha512)


def claimed_key(signature: str | bytes, namespace: str) -> Ed25519PublicKey:
    """The key a well-formed signature for ``namespace`` names, **without checking the signature**.

    Only for refusing a signer early: a caller that will not trust this key anyway need not hash a large message
    (a 2 GiB file beside a junk signature) to learn that. A key returned here proves nothing until
    :func:`verify` or :func:`verify_digest` has checked the signature.

    Raises:
        SignatureError: The signature is malformed or for another namespace.
    """
    return _parse(signature, namespace).key


@dataclass(frozen=True)
class AllowedSigner:
    """One line of an OpenSSH ``allowed_signers`` file.

    Attributes:
        principal: The signer's identity, as given to ``ssh-keygen -Y verify -I``.
        key: The signer's public key.
        namespaces: The namespaces the key may sign for, or None for any.
    """

    principal: str
    key: Ed25519PublicKey
    namespaces: tuple[str, ...] | None


def _is_literal(value: str) -> bool:
    return bool(value) and not any(c.isspace() or c in _PATTERN_CHARS for c in value)


def format_allowed_signers(signers: Iterable[AllowedSigner]) -> str:
    """Render one newline-terminated line ``principal [namespaces="a,b"] ssh-ed25519 AAAA…`` per signer."""
    lines = []
    for signer in signers:
        if not _is_literal(signer.principal):
            raise UsageError(f"principal {signer.principal!r} is empty or has spaces or pattern characters")
        fields = [signer.principal]
        if signer.namespaces is not None:
            if not signer.namespaces or not all(_is_literal(ns) for ns in signer.namespaces):
                raise UsageError(f"namespaces {signer.namespaces!r} must be non-empty plain names")
            fields.append(f'namespaces="{",".join(signer.namespaces)}"')
        fields.append(public_key_line(signer.key))
        lines.append(" ".join(fields) + "\n")
    return "".join(lines)


def parse_allowed_signers(text: str) -> list[AllowedSigner]:
    """Parse an ``allowed_signers`` file, skipping blank and ``#`` lines.

    Raises:
        IdentityError: A line has an option other than ``namespaces``, a key type other than ssh-ed25519, or a
            malformed key; the message names the line number.
    """
    signers = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split(maxsplit=2)
        if not fields or fields[0].startswith("#"):
            continue
        if len(fields) < 3:
            raise IdentityError(f"allowed_signers line {number}: expected 'principal [options] key'")
        principal, second, remainder = fields
        if not _is_literal(principal):
            raise IdentityError(f"allowed_signers line {number}: principal {principal!r} is not a plain name")
        namespaces: tuple[str, ...] | None = None
        key_text = f"{second} {remainder}"
        if not second.startswith(("ssh-", "ecdsa-", "sk-")):
            match = _NAMESPACES_OPTION.fullmatch(second)
            if match is None:
                raise IdentityError(f"allowed_signers line {number}: option {second!r} is not supported")
            namespaces = tuple(match.group(1).split(","))
            if not all(_is_literal(ns) for ns in namespaces):
                raise IdentityError(f"allowed_signers line {number}: namespaces must be plain names")
            key_text = remainder
        try:
            key = parse_public_key_line(key_text)
        except IdentityError as e:
            raise IdentityError(f"allowed_signers line {number}: {e}") from e
        signers.append(AllowedSigner(principal, key, namespaces))
    return signers


def find_principals(signers: Iterable[AllowedSigner], key: Ed25519PublicKey, namespace: str) -> list[str]:
    """The principals whose key is ``key`` and whose namespaces allow ``namespace``, in file order."""
    raw = key.public_bytes_raw()
    return [
        s.principal
        for s in signers
        if s.key.public_bytes_raw() == raw and (s.namespaces is None or namespace in s.namespaces)
    ]
