"""RFC 3161 trusted time: ask a Time-Stamping Authority (TSA) for a token over a digest, and check tokens.

Why: the time on a capture is the workstation's clock, set by the very person whose word it is. A token from an
outside TSA says "this SHA-256 existed at this time", signed under a certificate that chains to a root the school
chose. This module is the whole client: it builds the request, posts it, and checks what comes back and what a
bundle carries later. It writes no ASN.1: ``rfc3161-client`` builds requests, parses responses and verifies the
CMS signature (at the token's own genTime, as RFC 3161 intends); ``cryptography`` loads certificates and checks
that each one on the path was issued by the next.

What it defends against, each with its own error type so callers can retry the transient ones and record the
rest (tests assert the type, never the message):

- a TSA that is down, refuses connections or answers too slowly (:class:`TsaUnreachable`,
  :class:`TsaTimeout`; *transient*), or answers HTTP 5xx (:class:`TsaUnreachable`);
- an answer that is not a TimeStampResp, is larger than :data:`MAX_RESPONSE_BYTES`, lacks the signer's
  certificate or redirects elsewhere (:class:`TsaBadResponse`); a status other than *granted*
  (:class:`TsaRejected`);
- a token for another digest, which is also what a token *moved* from one item or bundle to another looks like
  (:class:`TsaImprintMismatch`), or for another request (:class:`TsaNonceMismatch`, a replayed answer);
- a signer certificate that does not chain to the configured anchors (:class:`TsaUntrusted`), was not valid at
  genTime (:class:`TsaCertificateExpired`), or lacks the critical id-kp-timeStamping extended key usage
  (:class:`TsaMissingEku`); a signature that does not verify (:class:`TsaBadSignature`).

The checks run in that order, so the most specific failure is the one reported; ``rfc3161-client``'s verifier
runs last as the authority on the signature and chain, and any failure it finds that our own checks did not is
a :class:`TsaBadSignature`.

Why :func:`request_token` takes the *message* rather than its digest: ``rfc3161-client`` builds a request only
by hashing data itself (there is no "pre-hashed" entry point), and patching an imprint into the DER would be
hand-written ASN.1. The messages we time-stamp are small files that live in the bag (an item's binding JSON, a
revision's manifest), so an officer can recompute the imprint with ``sha256sum FILE`` or let ``openssl ts
-verify -data FILE`` do it. :func:`verify_token` takes the digest, since checking needs nothing else.

What a token is stored as: the whole DER **TimeStampResp** (``.tsr``), because that is what ``openssl ts -verify
-in X.tsr`` reads (``-token_in`` would be needed for the bare TimeStampToken) and what ``rfc3161-client`` parses.
Beside it goes ``X.chain.pem``: the trust anchor that verified it *first*, then the intermediate CAs (never the
TSA's own certificate, which the token carries), so that ``openssl x509 -in X.chain.pem -noout -fingerprint
-sha256`` prints the root's fingerprint for comparison with the one the TSA publishes. See
:meth:`Token.openssl_verify_args` for the exact command.

Public TSAs for standalone use are in :data:`PUBLIC_TSAS`. The network here reaches only package registries, so
anchors come from the ``certifi`` package's copy of the Mozilla roots and only where a real token from that TSA
was seen to verify under them; the others are listed with their URL and no anchor, to be filled in by IT.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import shlex
import time
import unicodedata
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

import resources
from evidence.core.canonical import dumps as canonical_dumps
from evidence.core.errors import EvidenceError, UsageError

if TYPE_CHECKING:
    # Imported where they are used: asking a TSA and checking a token need ``urllib.request`` (which brings
    # ``http.client`` and ``email``) and ``rfc3161_client``, and certificates need ``cryptography.x509``; loading
    # a profile, at every start of the app, needs none of them unless it lists TSAs.
    import urllib.request

    from cryptography import x509
    from rfc3161_client import TimeStampResponse

log = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 64 * 1024
"""A TimeStampResp with a full chain is a few KiB; anything larger is refused before it is parsed."""
MAX_PEM_BYTES = 256 * 1024
"""Cap on anchor and chain PEM text read from a profile or a bundle."""
MAX_CHAIN_DEPTH = 8
DEFAULT_TIMEOUT_S = 5.0
SKEW_WARNING_SECONDS = 120
"""A workstation clock further than this from the TSA's genTime is shown to reviewers."""
SHA256_OID = "2.16.840.1.101.3.4.2.1"
"""The dotted OID of SHA-256, the only imprint algorithm accepted."""
TSR_SUFFIX = ".tsr"
CHAIN_SUFFIX = ".chain.pem"
ITEM_BINDING_FORMAT = "evidence-capture-tsa-item/1"
CONTENT_TYPE_QUERY = "application/timestamp-query"
USER_AGENT = "evidence-capture"
TESTING_ENV = "EVIDENCE_CAPTURE_TESTING"
"""Set under tests (as in ``app.paths``): then only a TSA on loopback is ever asked, never the network."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


# --- errors -------------------------------------------------------------------------------------------------------


class TsaError(EvidenceError):
    """A time-stamp could not be had or does not check. ``check`` names the check; ``transient`` says retry."""

    check: ClassVar[str] = "tsa"
    transient: ClassVar[bool] = False

    def __init__(self, message: str, *, tsa: str = "") -> None:
        super().__init__(f"{tsa}: {message}" if tsa else message)
        self.tsa = tsa


class TsaConfigError(TsaError):
    """A TSA entry (URL, anchors, intermediates) is unusable."""

    check = "tsa-config"


class TsaUnreachable(TsaError):
    """No answer: connection refused, name not found, network down, or HTTP 5xx/429. Retry later."""

    check = "tsa-unreachable"
    transient = True


class TsaTimeout(TsaUnreachable):
    """The TSA did not answer within the time allowed. Retry later."""

    check = "tsa-timeout"


class TsaBadResponse(TsaError):
    """The answer is not a usable TimeStampResp (garbage, too large, HTTP error, no signer certificate)."""

    check = "tsa-response"


class TsaRejected(TsaError):
    """The TSA answered with a status other than *granted*. ``status`` is the PKIStatus number."""

    check = "tsa-status"

    def __init__(self, message: str, *, tsa: str = "", status: int = -1) -> None:
        super().__init__(message, tsa=tsa)
        self.status = status


class TsaImprintMismatch(TsaError):
    """The token is for another digest: a wrong answer, or a token moved from another item or bundle."""

    check = "tsa-imprint"


class TsaNonceMismatch(TsaError):
    """The token answers another request (a replayed or mixed-up response)."""

    check = "tsa-nonce"


class TsaUntrusted(TsaError):
    """The signer's certificate does not chain to any configured trust anchor."""

    check = "tsa-untrusted"


class TsaCertificateExpired(TsaError):
    """A certificate on the signer's path was not valid at the token's genTime."""

    check = "tsa-cert-expired"


class TsaMissingEku(TsaError):
    """The signer's certificate lacks the critical id-kp-timeStamping extended key usage."""

    check = "tsa-eku"


class TsaBadSignature(TsaError):
    """The token's signature (or what ``rfc3161-client`` checks beyond ours) does not verify."""

    check = "tsa-signature"


# --- configuration ------------------------------------------------------------------------------------------------


def _load_pem_certs(pem: bytes, what: str) -> tuple[x509.Certificate, ...]:
    if len(pem) > MAX_PEM_BYTES:
        raise TsaConfigError(f"{what}: larger than {MAX_PEM_BYTES // 1024} KiB")
    if not pem.strip():
        return ()
    from cryptography import x509

    try:
        return tuple(x509.load_pem_x509_certificates(pem))
    except ValueError as e:
        raise TsaConfigError(f"{what}: not PEM certificates ({e})") from e


def _pem(certs: tuple[x509.Certificate, ...] | list[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(Encoding.PEM) for c in certs)


@dataclass(frozen=True)
class TrustAnchors:
    """The certificates a TSA's tokens must chain to (``roots``), and CA certificates that may link them."""

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...] = ()

    @classmethod
    def parse(cls, anchors_pem: bytes, intermediates_pem: bytes = b"") -> TrustAnchors:
        """Load one or more anchor certificates and optional intermediates, all PEM.

        Raises:
            TsaConfigError: no anchor, an anchor that is not a self-signed root, or text that is not PEM
                certificates.
        """
        roots = _load_pem_certs(anchors_pem, "TSA trust anchors")
        if not roots:
            raise TsaConfigError("TSA trust anchors: no certificate")
        for root in roots:
            if not _issued_by(root, root):
                # rfc3161-client (like openssl without -partial_chain) builds chains up to a self-signed root only
                raise TsaConfigError(
                    f"TSA trust anchor {_common_name(root)!r} is not a self-signed root: list it as an "
                    "intermediate and give its root as the anchor"
                )
        return cls(roots, _load_pem_certs(intermediates_pem, "TSA intermediate certificates"))

    @property
    def anchors_pem(self) -> bytes:
        return _pem(self.roots)

    @property
    def intermediates_pem(self) -> bytes:
        return _pem(self.intermediates)


def _check_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TsaConfigError(f"TSA URL {url!r}: must be http:// or https:// with a host")
    if parts.username or parts.password or any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        raise TsaConfigError(f"TSA URL {url!r}: no credentials, spaces or control characters")
    return url


@dataclass(frozen=True)
class TsaConfig:
    """One TSA: where to ask, what to call it, and what its tokens must chain to."""

    url: str
    name: str
    trust: TrustAnchors

    @classmethod
    def create(cls, url: str, name: str, anchors_pem: bytes, intermediates_pem: bytes = b"") -> TsaConfig:
        """Check and build a TSA entry.

        Raises:
            TsaConfigError: bad URL, empty name, or unusable certificates.
        """
        name = _display_text(name)
        if not name:
            raise TsaConfigError(f"TSA {url!r}: needs a name")
        return cls(_check_url(url), name, TrustAnchors.parse(anchors_pem, intermediates_pem))

    @classmethod
    def from_pem_file_text(cls, url: str, name: str, pem: bytes) -> TsaConfig:
        """Build from one PEM text holding the TSA's root(s) and any issuing CAs, as IT downloads them.

        The self-signed certificates become the anchors, the others the intermediates.

        Raises:
            TsaConfigError: no self-signed root among them, or as :meth:`create`.
        """
        certs = _load_pem_certs(pem, f"TSA {url!r} certificates")
        roots = [c for c in certs if _issued_by(c, c)]
        if not roots:
            raise TsaConfigError(f"TSA {url!r}: the certificates include no self-signed root to trust")
        return cls.create(url, name, _pem(roots), _pem([c for c in certs if c not in roots]))

    @classmethod
    def parse(cls, value: Mapping[str, object]) -> TsaConfig:
        """Build from a mapping with ``url``, ``name``, ``anchors_pem`` and optional ``intermediates_pem`` (str).

        Raises:
            TsaConfigError: a key is missing or of the wrong type, or :meth:`create` refuses the values.
        """
        fields: dict[str, str] = {}
        for key, required in (("url", True), ("name", True), ("anchors_pem", True), ("intermediates_pem", False)):
            item = value.get(key)
            if item is None and not required:
                continue
            if not isinstance(item, str):
                raise TsaConfigError(f"TSA entry: {key} must be a string")
            fields[key] = item
        return cls.create(
            fields["url"],
            fields["name"],
            fields["anchors_pem"].encode("utf-8"),
            fields.get("intermediates_pem", "").encode("utf-8"),
        )


@dataclass(frozen=True)
class PublicTsa:
    """A public TSA for standalone use; ``anchor_resource`` is None where no anchor could be obtained here."""

    name: str
    url: str
    anchor_resource: str | None
    note: str

    def config(self) -> TsaConfig:
        """The usable entry.

        Raises:
            TsaConfigError: this TSA has no anchor yet (IT must supply its root).
        """
        if self.anchor_resource is None:
            raise TsaConfigError(f"{self.name}: no trust anchor is shipped; {self.note}")
        return TsaConfig.create(self.url, self.name, resources.text(self.anchor_resource).encode("ascii"))


PUBLIC_TSAS: tuple[PublicTsa, ...] = (
    PublicTsa(
        "IdenTrust",
        "http://timestamp.identrust.com",
        "tsa/identrust-commercial-root-ca-1.pem",
        "root from certifi (Mozilla); a real token from this TSA verified under it",
    ),
    PublicTsa(
        "DigiCert",
        "http://timestamp.digicert.com",
        None,
        "its tokens list certificates in non-DER order, which rfc3161-client refuses (its issue 104); "
        "root DigiCert Trusted Root G4 is in certifi",
    ),
    PublicTsa(
        "Sectigo",
        "http://timestamp.sectigo.com",
        None,
        "root (Sectigo Public Time Stamping Root R46) is not in certifi; download it from sectigo.com",
    ),
    PublicTsa(
        "FreeTSA",
        "https://freetsa.org/tsr",
        None,
        "own root, not in any package registry; download cacert.pem from freetsa.org and check its fingerprint",
    ),
)


def default_tsas() -> list[TsaConfig]:
    """The public TSAs that have a shipped anchor, ready to ask (standalone profiles)."""
    return [t.config() for t in PUBLIC_TSAS if t.anchor_resource is not None]


# --- records ------------------------------------------------------------------------------------------------------


def _display_text(text: str, limit: int = 200) -> str:
    """Text from a certificate, safe to show: no control or format characters (bidi overrides), trimmed."""
    cleaned = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    return " ".join(cleaned.split())[:limit]


def format_utc(when: dt.datetime) -> str:
    """``2026-11-25T10:51:49.123Z``, as FORMAT.md writes times."""
    when = when.astimezone(dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def clock_skew_seconds(gen_time: dt.datetime, local_time: dt.datetime) -> float:
    """Workstation time minus the TSA's genTime, in seconds (positive: the workstation is ahead).

    Raises:
        UsageError: either time is naive (without a zone, it cannot be compared honestly).
    """
    if gen_time.tzinfo is None or local_time.tzinfo is None:
        raise UsageError("clock skew needs times with a zone")
    return (local_time - gen_time).total_seconds()


def skew_is_notable(skew_seconds: float) -> bool:
    """True when the skew should be shown to reviewers (more than :data:`SKEW_WARNING_SECONDS` either way)."""
    return abs(skew_seconds) > SKEW_WARNING_SECONDS


@dataclass(frozen=True)
class VerifiedTime:
    """What a token that passed every check says.

    Attributes:
        gen_time: the TSA's time (UTC, aware).
        tsa_name: the signer certificate's subject CN (control characters removed).
        serial_number: the token's serial number, unique per TSA.
        policy_oid: the TSA policy under which it was issued.
        digest: the SHA-256 the token covers.
        nonce: the nonce in the token, if any.
        chain_pem: the anchor that verified it, then the intermediates on the path (not the signer's own cert).
        anchor_sha256_hex: SHA-256 fingerprint of that anchor (DER), hex.
    """

    gen_time: dt.datetime
    tsa_name: str
    serial_number: int
    policy_oid: str
    digest: bytes
    nonce: int | None
    chain_pem: bytes
    anchor_sha256_hex: str

    @property
    def digest_hex(self) -> str:
        return self.digest.hex()


def openssl_verify_args(stem: str, *, digest: bytes, gen_time: dt.datetime, data_path: str | None = None) -> list[str]:
    """The ``openssl ts -verify`` command that checks ``STEM.tsr`` with ``STEM.chain.pem``, run from their folder.

    With ``data_path`` the command hashes that file itself (``-data``); otherwise it compares with the hex
    digest (``-digest``). ``-attime`` is the token's genTime in seconds since the epoch (``openssl ts -reply
    -in STEM.tsr -text`` shows it): certificates are judged as they stood when the token was issued, as RFC
    3161 intends, so the command still works after the TSA's certificate has expired.
    """
    args = ["openssl", "ts", "-verify", "-in", stem + TSR_SUFFIX]
    args += ["-data", data_path] if data_path is not None else ["-digest", digest.hex()]
    args += ["-CAfile", stem + CHAIN_SUFFIX, "-attime", str(int(gen_time.timestamp()))]
    return args


@dataclass(frozen=True)
class Token:
    """A checked token with what must travel beside it.

    Attributes:
        tsr: the DER TimeStampResp exactly as the TSA sent it (write it as ``STEM.tsr``).
        chain_pem: anchor first, then intermediates (write it as ``STEM.chain.pem``).
        digest: the SHA-256 the token covers.
        gen_time: the TSA's time (UTC).
        tsa_name: the signer's subject CN.
        tsa_url: where it was asked ("" when rebuilt from storage).
        serial_number: the token's serial number.
        policy_oid: the TSA policy OID.
        nonce: the nonce used, if any.
        anchor_sha256_hex: SHA-256 fingerprint of the anchor, the first certificate of ``chain_pem``.
        local_time: the workstation's UTC time halfway between sending and receiving, or None when rebuilt.
    """

    tsr: bytes
    chain_pem: bytes
    digest: bytes
    gen_time: dt.datetime
    tsa_name: str
    tsa_url: str
    serial_number: int
    policy_oid: str
    nonce: int | None
    anchor_sha256_hex: str
    local_time: dt.datetime | None = field(default=None, compare=False)

    @classmethod
    def parse(cls, tsr: bytes, digest: bytes, trust: TrustAnchors, *, tsa_url: str = "") -> Token:
        """Check a stored TimeStampResp over ``digest`` and rebuild its record.

        Raises:
            TsaError: any check fails (see :func:`verify_token`).
        """
        verified = verify_token(tsr, digest, trust)
        return cls._from(tsr, verified, tsa_url, None)

    @classmethod
    def _from(cls, tsr: bytes, v: VerifiedTime, tsa_url: str, local_time: dt.datetime | None) -> Token:
        return cls(
            tsr=tsr,
            chain_pem=v.chain_pem,
            digest=v.digest,
            gen_time=v.gen_time,
            tsa_name=v.tsa_name,
            tsa_url=tsa_url,
            serial_number=v.serial_number,
            policy_oid=v.policy_oid,
            nonce=v.nonce,
            anchor_sha256_hex=v.anchor_sha256_hex,
            local_time=local_time,
        )

    @property
    def digest_hex(self) -> str:
        return self.digest.hex()

    @property
    def skew_seconds(self) -> float | None:
        """Workstation minus TSA time when the token was fetched, or None when unknown."""
        return None if self.local_time is None else clock_skew_seconds(self.gen_time, self.local_time)

    def openssl_verify_args(self, stem: str, *, data_path: str | None = None) -> list[str]:
        """See :func:`openssl_verify_args`; file names are ``STEM.tsr`` and ``STEM.chain.pem``."""
        return openssl_verify_args(stem, digest=self.digest, gen_time=self.gen_time, data_path=data_path)

    def openssl_verify_text(self, stem: str, *, data_path: str | None = None) -> str:
        """The same command as one line of shell, as VERIFY.txt prints it."""
        return shlex.join(self.openssl_verify_args(stem, data_path=data_path))


def item_binding(*, file_sha256_hex: str, pixels_sha256_hex: str, custody_entry_hash_hex: str) -> bytes:
    """The canonical JSON that an item's token covers (the token's imprint is its SHA-256).

    It binds the item's file, its pixels and the custody entry that recorded it, under a format label, so a
    token cannot be moved to another item, and the digest cannot be mistaken for any other JSON's.

    Raises:
        UsageError: a value is not 64 lowercase hex digits.
    """
    values = {
        "custody_entry_hash": custody_entry_hash_hex,
        "file_sha256": file_sha256_hex,
        "pixels_sha256": pixels_sha256_hex,
    }
    for key, hex_value in values.items():
        if len(hex_value) != 64 or any(ch not in "0123456789abcdef" for ch in hex_value):
            raise UsageError(f"item binding: {key} must be 64 lowercase hex digits")
    return canonical_dumps({"format": ITEM_BINDING_FORMAT, **values}) + b"\n"


# --- asking -------------------------------------------------------------------------------------------------------


def _no_redirect() -> urllib.request.HTTPRedirectHandler:
    """A handler by which a TSA answers where it was asked; a redirect is refused (it could lead anywhere)."""
    import urllib.request

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(
            self,
            req: urllib.request.Request,
            fp: object,
            code: int,
            msg: str,
            headers: object,
            newurl: str,
        ) -> urllib.request.Request | None:
            return None

    return _NoRedirect()


def _post(config: TsaConfig, body: bytes, timeout_s: float) -> bytes:
    """POST a TimeStampReq and return at most :data:`MAX_RESPONSE_BYTES` of answer within ``timeout_s``.

    Under tests (:data:`TESTING_ENV` set) a TSA that is not on loopback is treated as unreachable without a packet
    being sent: a test never depends on, or talks to, a public TSA (profiles made by ``profile create`` name the
    public ones by default).
    """
    import urllib.error
    import urllib.request
    from http.client import HTTPException

    if os.environ.get(TESTING_ENV) and urllib.parse.urlsplit(config.url).hostname not in LOOPBACK_HOSTS:
        raise TsaUnreachable("not asked: tests reach only a TSA on loopback", tsa=config.name)
    request = urllib.request.Request(  # noqa: S310 (the scheme was checked to be http or https)
        config.url,
        data=body,
        method="POST",
        headers={"Content-Type": CONTENT_TYPE_QUERY, "User-Agent": USER_AGENT},
    )
    opener = urllib.request.build_opener(_no_redirect())
    deadline = time.monotonic() + timeout_s
    try:
        with opener.open(request, timeout=timeout_s) as response:
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() > deadline:
                    raise TsaTimeout(f"no complete answer within {timeout_s:g} s", tsa=config.name)
                chunk = response.read(min(16384, MAX_RESPONSE_BYTES + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise TsaBadResponse(f"answer larger than {MAX_RESPONSE_BYTES // 1024} KiB", tsa=config.name)
            return b"".join(chunks)
    except urllib.error.HTTPError as e:
        e.close()  # it holds the connection open
        if e.code >= 500 or e.code == 429:
            raise TsaUnreachable(f"HTTP {e.code}", tsa=config.name) from e
        raise TsaBadResponse(f"HTTP {e.code}", tsa=config.name) from e
    except urllib.error.URLError as e:
        if isinstance(e.reason, TimeoutError):
            raise TsaTimeout(f"no answer within {timeout_s:g} s", tsa=config.name) from e
        raise TsaUnreachable(f"cannot connect: {e.reason}", tsa=config.name) from e
    except TimeoutError as e:
        raise TsaTimeout(f"no answer within {timeout_s:g} s", tsa=config.name) from e
    except (OSError, HTTPException) as e:
        raise TsaUnreachable(f"connection failed: {e}", tsa=config.name) from e


def request_token(
    config: TsaConfig,
    message: bytes,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    nonce: bool = True,
    clock: Callable[[], dt.datetime] = utc_now,
) -> Token:
    """Ask ``config``'s TSA for a token over SHA-256(``message``), and check it fully before returning it.

    Args:
        config: the TSA.
        message: the bytes to time-stamp (an item binding, a manifest); only their SHA-256 leaves the machine.
        timeout_s: the whole exchange's limit.
        nonce: put a random nonce in the request and insist on it in the answer.
        clock: the workstation's clock (UTC, aware), read before and after, for :attr:`Token.skew_seconds`.

    Raises:
        TsaError: a subclass naming what failed; ``transient`` is True for those worth retrying.
    """
    if not message:
        raise UsageError("nothing to time-stamp")
    from rfc3161_client import HashAlgorithm, TimestampRequestBuilder

    try:
        request = (
            TimestampRequestBuilder()
            .data(message)
            .hash_algorithm(HashAlgorithm.SHA256)
            .nonce(nonce=nonce)
            .cert_request(cert_request=True)
            .build()
        )
    except (ValueError, TypeError) as e:
        raise TsaError(f"cannot build a time-stamp request: {e}", tsa=config.name) from e
    digest = hashlib.sha256(message).digest()
    if request.message_imprint.message != digest:
        raise TsaError("the request's imprint is not SHA-256 of the message", tsa=config.name)
    sent = clock()
    answer = _post(config, request.as_bytes(), timeout_s)
    received = clock()
    verified = verify_token(answer, digest, config.trust, nonce=request.nonce if nonce else None, tsa=config.name)
    log.info("tsa token from %s serial %s for %s", config.name, verified.serial_number, digest.hex())
    return Token._from(answer, verified, config.url, sent + (received - sent) / 2)


# --- checking -----------------------------------------------------------------------------------------------------


def _issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    if child.issuer != parent.subject:
        return False
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _path_to_anchor(
    leaf: x509.Certificate, roots: tuple[x509.Certificate, ...], pool: list[x509.Certificate]
) -> list[x509.Certificate] | None:
    """The CA certificates from the leaf's issuer up to an anchor (anchor last), or None if there is no such path."""
    if leaf in roots:
        return [leaf]
    path: list[x509.Certificate] = []
    current = leaf
    for _ in range(MAX_CHAIN_DEPTH):
        for root in roots:
            if _issued_by(current, root):
                return [*path, root]
        step = next((c for c in pool if c != current and c not in path and _issued_by(current, c)), None)
        if step is None:
            return None
        path.append(step)
        current = step
    return None


def _common_name(cert: x509.Certificate) -> str:
    from cryptography.x509.oid import NameOID

    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    raw = names[0].value if names else cert.subject.rfc4514_string()
    return _display_text(raw if isinstance(raw, str) else raw.decode("utf-8", "replace"))


def _signer_certificate(response: TimeStampResponse, tsa: str) -> tuple[x509.Certificate, list[x509.Certificate]]:
    from cryptography import x509

    try:
        embedded = [x509.load_der_x509_certificate(der) for der in response.signed_data.certificates]
        signer_infos = list(response.signed_data.signer_infos)
    except ValueError as e:
        raise TsaBadResponse(f"unreadable certificates in the token: {e}", tsa=tsa) from e
    if len(signer_infos) != 1:
        raise TsaBadResponse(f"the token has {len(signer_infos)} signers, not 1", tsa=tsa)
    info = signer_infos[0]
    for cert in embedded:
        if cert.issuer == info.issuer and cert.serial_number == info.serial_number:
            return cert, embedded
    raise TsaBadResponse("the token does not carry the TSA's certificate", tsa=tsa)


def _check_eku(cert: x509.Certificate, tsa: str) -> None:
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        raise TsaMissingEku("the TSA certificate has no extended key usage", tsa=tsa) from None
    except ValueError as e:
        raise TsaBadResponse(f"the TSA certificate's extensions are unreadable: {e}", tsa=tsa) from e
    if not eku.critical or ExtendedKeyUsageOID.TIME_STAMPING not in eku.value:
        raise TsaMissingEku("the TSA certificate lacks the critical time-stamping key usage", tsa=tsa)


def verify_token(
    tsr: bytes, digest: bytes, trust: TrustAnchors, *, nonce: int | None = None, tsa: str = ""
) -> VerifiedTime:
    """Check a DER TimeStampResp over a SHA-256 ``digest`` against ``trust``, and say what it proves.

    Checks, in this order: size and form; status granted; the imprint is SHA-256 and equals ``digest``; the
    nonce (when given); the signer certificate is in the token and carries the critical id-kp-timeStamping EKU;
    it chains to one of ``trust.roots``; every certificate on that path was valid at genTime; then
    ``rfc3161-client`` verifies the signature and the chain at genTime.

    Args:
        tsr: the TimeStampResp bytes (``.tsr``), from a TSA or a bundle (hostile until checked).
        digest: the SHA-256 the token must cover.
        trust: anchors from the profile (never from the bundle).
        nonce: the nonce the request carried, if any.
        tsa: a name for messages.

    Raises:
        TsaError: the subclass names the failed check.
    """
    if len(digest) != 32:
        raise UsageError("a time-stamp digest is 32 bytes of SHA-256")
    if len(tsr) > MAX_RESPONSE_BYTES:
        raise TsaBadResponse(f"token larger than {MAX_RESPONSE_BYTES // 1024} KiB", tsa=tsa)
    from rfc3161_client import PKIStatus, VerificationError, VerifierBuilder, decode_timestamp_response

    try:
        response = decode_timestamp_response(tsr)
    except ValueError as e:
        raise TsaBadResponse(f"not a time-stamp response: {e}", tsa=tsa) from e
    if response.status != PKIStatus.GRANTED:
        texts = " ".join(_display_text(t) for t in response.status_string)
        raise TsaRejected(f"status {response.status} {texts}".strip(), tsa=tsa, status=response.status)
    try:
        info = response.tst_info
        imprint = info.message_imprint
        algorithm, imprinted = imprint.hash_algorithm, imprint.message
        gen_time, serial, policy, token_nonce = info.gen_time, info.serial_number, info.policy, info.nonce
    except ValueError as e:
        raise TsaBadResponse(f"unreadable token contents: {e}", tsa=tsa) from e
    if algorithm.dotted_string != SHA256_OID:
        raise TsaBadResponse(f"imprint algorithm {algorithm.dotted_string} is not SHA-256", tsa=tsa)
    if imprinted != digest:
        raise TsaImprintMismatch(f"token covers {imprinted.hex()}, not {digest.hex()}", tsa=tsa)
    if nonce is not None and token_nonce != nonce:
        raise TsaNonceMismatch("the token's nonce is not the request's", tsa=tsa)
    signer, embedded = _signer_certificate(response, tsa)
    _check_eku(signer, tsa)
    path = _path_to_anchor(signer, trust.roots, [*embedded, *trust.intermediates])
    if path is None:
        raise TsaUntrusted(f"{_common_name(signer)!r} does not chain to a trusted root", tsa=tsa)
    for cert in (signer, *path):
        if not cert.not_valid_before_utc <= gen_time <= cert.not_valid_after_utc:
            raise TsaCertificateExpired(
                f"{_common_name(cert)!r} was not valid at {format_utc(gen_time)} "
                f"({format_utc(cert.not_valid_before_utc)} to {format_utc(cert.not_valid_after_utc)})",
                tsa=tsa,
            )
    anchor, intermediates = path[-1], path[:-1]
    builder = VerifierBuilder(roots=[anchor], intermediates=list(intermediates))
    if nonce is not None:
        builder = builder.nonce(nonce)
    try:
        builder.build().verify(response, digest)
    except (VerificationError, ValueError) as e:
        raise TsaBadSignature(f"the token does not verify: {e}", tsa=tsa) from e
    return VerifiedTime(
        gen_time=gen_time.astimezone(dt.UTC),
        tsa_name=_common_name(signer),
        serial_number=serial,
        policy_oid=policy.dotted_string,
        digest=digest,
        nonce=token_nonce,
        chain_pem=_pem([anchor, *intermediates]),
        anchor_sha256_hex=anchor.fingerprint(hashes.SHA256()).hex(),
    )
