"""Trusted time in a bag: the RFC 3161 token files, what each covers, and the checks a verifier runs on them.

Layout (docs/FORMAT.md, "Trusted time"):

- item N: ``data/items/NNN.tsa.json`` (the item's binding, :func:`evidence.crypto.tsa.item_binding`),
  ``data/items/NNN.tsa-J.tsr`` (the J-th token, a DER TimeStampResp) and ``data/items/NNN.tsa-J.chain.pem`` (the
  root that verified it, then its intermediates), all payload files listed in the manifest;
- revision K: ``seal/revisions/K/tsa-J.tsr`` and ``seal/revisions/K/tsa-J.chain.pem``, tag files (a token over
  revision K's manifest cannot be listed in that manifest), listed in the tag manifest.

All of them are known before the payload streams (item tokens come from the vault; a revision's token is asked for
as soon as its manifest is known, which needs only digests), so they fit a streaming writer.

What the checks defend against (each failure a :class:`~evidence.core.errors.BundleError`):

- a token *moved* from another item or bundle, or a binding file naming other digests (check **moved token**):
  the binding is recomputed from the item's verified digests and its custody entry, and each token's imprint must
  be SHA-256 of the file it is filed under;
- a token that does not check (check **trusted time**, the message naming the failed TSA check: response,
  status, nonce, EKU, untrusted, expired certificate, signature); its anchors come from the root-signed school
  profiles, never from the bag, and the chain file beside it must be exactly the chain that verified it, so the
  stock ``openssl ts -verify`` command in ``VERIFY.txt`` checks the same thing;
- a token file without its chain, a chain without its token, or a token the custody log does not record (item
  tokens: the ``timestamped`` entry names its TSA response's SHA-256 and nonce): check **trusted time**.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rfc3161_client import decode_timestamp_response

from evidence.case.custody import CustodyEntry
from evidence.core.errors import BundleError, UsageError
from evidence.core.text import clean_line
from evidence.crypto.tsa import (
    CHAIN_SUFFIX,
    MAX_RESPONSE_BYTES,
    TSR_SUFFIX,
    TrustAnchors,
    TsaConfig,
    TsaError,
    TsaImprintMismatch,
    item_binding,
    openssl_verify_args,
    request_token,
    skew_is_notable,
    verify_token,
)

MOVED_CHECK = "moved token"
"""A token (or binding) filed under an item or revision whose digest it does not cover."""
TIME_CHECK = "trusted time"
"""A token that does not check, lacks its chain or its custody entry."""

WORKSTATION_ONLY = "Workstation clock only"
NO_TRUSTED_TIME = "no trusted time"

REVISION_TIMEOUT_S = 3.0
"""Per TSA, when sealing or revising asks for a token over the new manifest (someone is waiting)."""
REVISION_BUDGET_S = 6.0

_ITEM_FILE = re.compile(r"^data/items/([0-9]{3,})\.tsa(?:\.json|-([1-9][0-9]{0,2})(\.tsr|\.chain\.pem))$")
_REVISION_FILE = re.compile(r"^seal/revisions/([1-9][0-9]*)/tsa-([1-9][0-9]{0,2})(\.tsr|\.chain\.pem)$")


def binding_name(seq: int) -> str:
    """``data/items/NNN.tsa.json``: item N's binding, which its tokens cover."""
    return f"data/items/{seq:03d}.tsa.json"


def item_stem(seq: int, number: int) -> str:
    """``data/items/NNN.tsa-J``: the J-th token of item N is ``STEM.tsr``, its chain ``STEM.chain.pem``."""
    return f"data/items/{seq:03d}.tsa-{number}"


def revision_stem(k: int, number: int) -> str:
    """``seal/revisions/K/tsa-J``: the J-th token over revision K's manifest."""
    return f"seal/revisions/{k}/tsa-{number}"


def is_item_token_file(name: str) -> bool:
    """True for a binding, token or chain file of an item (``data/items/NNN.tsa…``)."""
    return _ITEM_FILE.match(name) is not None


def is_revision_token_file(name: str) -> bool:
    """True for a token or chain file of a revision (``seal/revisions/K/tsa-J…``)."""
    return _REVISION_FILE.match(name) is not None


def item_of(name: str) -> int | None:
    """N of an item token file's name, or None."""
    m = _ITEM_FILE.match(name)
    return int(m.group(1)) if m else None


@dataclass(frozen=True)
class TokenFile:
    """A token as it goes into a bag: its number J, the TSA's answer, and the chain that verified it."""

    number: int
    tsr: bytes = field(repr=False)
    chain_pem: bytes = field(repr=False)


def first_entry_of(custody: Iterable[CustodyEntry], seq: int) -> CustodyEntry | None:
    """Item N's ``captured``, ``received`` or ``derived`` custody entry: the one that recorded it (the first)."""
    for e in custody:
        if e.action in ("captured", "received", "derived") and e.details.get("item") == seq:
            return e
    return None


def binding_for(seq: int, sha256: str, pixels_sha256: str | None, custody: Sequence[CustodyEntry]) -> bytes | None:
    """The binding item N's tokens cover, from its digests and custody entry; None when it cannot have one."""
    entry = first_entry_of(custody, seq)
    if entry is None or not pixels_sha256:
        return None
    try:
        return item_binding(file_sha256_hex=sha256, pixels_sha256_hex=pixels_sha256, custody_entry_hash_hex=entry.hash)
    except UsageError:
        return None


def item_files(seq: int, binding: bytes, tokens: Sequence[TokenFile]) -> dict[str, bytes]:
    """Item N's payload files for its tokens (none without a token)."""
    if not tokens:
        return {}
    out = {binding_name(seq): binding}
    for token in tokens:
        stem = item_stem(seq, token.number)
        out[stem + TSR_SUFFIX] = token.tsr
        out[stem + CHAIN_SUFFIX] = token.chain_pem
    return out


def revision_files(k: int, tokens: Sequence[TokenFile]) -> dict[str, bytes]:
    """Revision K's tag files for its tokens."""
    out: dict[str, bytes] = {}
    for token in tokens:
        stem = revision_stem(k, token.number)
        out[stem + TSR_SUFFIX] = token.tsr
        out[stem + CHAIN_SUFFIX] = token.chain_pem
    return out


Stamper = Callable[[bytes], Sequence[TokenFile]]
"""Asks for tokens over a revision's manifest bytes; returns what arrived (possibly nothing)."""


def revision_stamper(
    tsas: Sequence[TsaConfig], *, timeout_s: float = REVISION_TIMEOUT_S, budget_s: float = REVISION_BUDGET_S
) -> Stamper:
    """A :data:`Stamper` that asks each of ``tsas`` once, within a few seconds in all; a TSA that fails is skipped.

    Sealing never waits longer than ``budget_s`` (plus one request's timeout) for trusted time: a revision whose
    TSAs did not answer carries no token and says "no trusted time".
    """

    def stamp(manifest: bytes) -> list[TokenFile]:
        import logging
        import time

        log = logging.getLogger(__name__)
        started = time.monotonic()
        out: list[TokenFile] = []
        for config in tsas:
            if time.monotonic() - started > budget_s:
                break
            try:
                token = request_token(config, manifest, timeout_s=timeout_s)
            except TsaError as e:
                log.info("no token over the manifest from %s: %s", config.name, e.check)
                continue
            out.append(TokenFile(len(out) + 1, token.tsr, token.chain_pem))
        return out

    return stamp


# --- reading ------------------------------------------------------------------------------------------------------


def _fail(check: str, message: str, member: str | None) -> BundleError:
    return BundleError(f"{check}: {member}: {message}" if member else f"{check}: {message}", check=check, member=member)


@dataclass(frozen=True)
class TrustedTime:
    """A token that passed every check.

    Attributes:
        item: N for an item's token, else None.
        revision: K for a revision's token, else None.
        number: J.
        tsa_name: the TSA certificate's subject CN.
        gen_time: the TSA's time (UTC).
        stem: ``STEM.tsr`` and ``STEM.chain.pem`` in the bag.
        data_path: the file the token covers.
        skew_seconds: the workstation's clock minus the TSA's when the token arrived, where recorded.
    """

    item: int | None
    revision: int | None
    number: int
    tsa_name: str
    gen_time: dt.datetime
    stem: str
    data_path: str
    digest: bytes = field(repr=False)
    skew_seconds: int | None = None

    @property
    def label(self) -> str:
        """``Time confirmed by TSA NAME: 18:31:02 UTC``."""
        return f"Time confirmed by TSA {clean_line(self.tsa_name)}: {self.gen_time:%H:%M:%S} UTC"

    @property
    def label_with_date(self) -> str:
        """The :attr:`label` with the day: ``Time confirmed by TSA NAME: 18:31:02 UTC on 2026-11-30``."""
        return f"{self.label} on {self.gen_time:%Y-%m-%d}"

    @property
    def skew_notable(self) -> bool:
        """The workstation's clock was more than two minutes off the TSA's."""
        return self.skew_seconds is not None and skew_is_notable(self.skew_seconds)

    @property
    def skew_text(self) -> str:
        """``workstation clock 5 min 3 s ahead of the TSA's`` (or behind), or "" when not notable."""
        if not self.skew_notable or self.skew_seconds is None:
            return ""
        s = abs(self.skew_seconds)
        way = "ahead of" if self.skew_seconds > 0 else "behind"
        return f"workstation clock {s // 60} min {s % 60} s {way} the TSA's"


def time_label(times: Sequence[TrustedTime]) -> str:
    """What to show for an item or revision: its earliest confirmed time, or "Workstation clock only"."""
    if not times:
        return WORKSTATION_ONLY
    first = min(times, key=lambda t: t.gen_time)
    return first.label_with_date + (f" ({first.skew_text})" if first.skew_text else "")


def _gen_time(tsr: bytes, member: str) -> dt.datetime:
    """A token's genTime, read without checking it (the checks run later, with the same order of failures)."""
    if len(tsr) > MAX_RESPONSE_BYTES:
        raise _fail(TIME_CHECK, f"tsa-response: larger than {MAX_RESPONSE_BYTES // 1024} KiB", member)
    try:
        return decode_timestamp_response(tsr).tst_info.gen_time.astimezone(dt.UTC)
    except ValueError as e:
        raise _fail(TIME_CHECK, "tsa-response: not a time-stamp response", member) from e


def _token_stems(bag: Mapping[str, bytes]) -> list[tuple[str, str]]:
    """(stem, the file it covers) for every ``.tsr`` in the bag, items first, by name."""
    out: list[tuple[str, str]] = []
    for name in sorted(bag):
        m = _ITEM_FILE.match(name)
        if m and m.group(3) == TSR_SUFFIX:
            out.append((name[: -len(TSR_SUFFIX)], binding_name(int(m.group(1)))))
            continue
        r = _REVISION_FILE.match(name)
        if r and r.group(3) == TSR_SUFFIX:
            out.append((name[: -len(TSR_SUFFIX)], f"seal/revisions/{r.group(1)}/manifest-sha256.txt"))
    return out


def verify_txt_lines(bag: Mapping[str, bytes]) -> list[str]:
    """The ``openssl`` commands of ``VERIFY.txt`` for every token in ``bag`` (empty when it has none).

    Each command is exactly :func:`evidence.crypto.tsa.openssl_verify_args` with the token's genTime, run from the
    bag's top folder; the verifier rebuilds these lines from the bag and insists on byte equality.
    """
    lines: list[str] = []
    for stem, data_path in _token_stems(bag):
        gen_time = _gen_time(bag[stem + TSR_SUFFIX], stem + TSR_SUFFIX)
        args = openssl_verify_args(stem, digest=b"", gen_time=gen_time, data_path=data_path)
        lines += [
            f"     openssl x509 -in {stem}{CHAIN_SUFFIX} -noout -subject -fingerprint -sha256",
            f"     {shlex.join(args)}",
        ]
    return lines


def merged_trust(tsas: Iterable[TsaConfig]) -> TrustAnchors | None:
    """One set of anchors from every TSA a verifier trusts (None when there is none)."""
    roots: list[object] = []
    intermediates: list[object] = []
    for config in tsas:
        roots += [c for c in config.trust.roots if c not in roots]
        intermediates += [c for c in config.trust.intermediates if c not in intermediates]
    if not roots:
        return None
    return TrustAnchors(tuple(roots), tuple(intermediates))  # type: ignore[arg-type]


@dataclass(frozen=True)
class _ItemFacts:
    seq: int
    sha256: str
    pixels_sha256: str | None


def check_bag_tokens(
    bag: Mapping[str, bytes],
    custody: Sequence[CustodyEntry],
    items: Iterable[tuple[int, str, str | None]],
    revision_count: int,
    tsas: Iterable[TsaConfig],
) -> tuple[TrustedTime, ...]:
    """Check every token in a bag whose other checks passed; return what each proves.

    Args:
        bag: the verified bag.
        custody: its verified custody chain.
        items: (N, SHA-256, pixel SHA-256) of each carried item, as verified.
        revision_count: how many revisions the bag has.
        tsas: the TSAs whose anchors are trusted (from the root-signed profiles; never from the bag).

    Raises:
        BundleError: check **moved token** or **trusted time**, naming the file.
    """
    facts = {seq: _ItemFacts(seq, sha, px) for seq, sha, px in items}
    trust = merged_trust(tsas)
    stamped: dict[tuple[int, int], CustodyEntry] = {}
    for e in custody:
        if e.action == "timestamped":
            item, number = e.details.get("item"), e.details.get("token")
            if isinstance(item, int) and isinstance(number, int):
                stamped[(item, number)] = e
    out: list[TrustedTime] = []
    for name in sorted(bag):
        if _ITEM_FILE.match(name) is None and _REVISION_FILE.match(name) is None:
            continue
        partner = _partner(name)
        if partner is not None and partner not in bag:
            raise _fail(TIME_CHECK, f"has no {partner.rsplit('/', 1)[1]} beside it", name)
    for name in sorted(bag):
        m = _ITEM_FILE.match(name)
        if m is None or m.group(2) is not None:
            continue
        seq = int(m.group(1))
        fact = facts.get(seq)
        if fact is None:
            raise _fail(TIME_CHECK, f"item {seq} is not carried", name)
        expected = binding_for(seq, fact.sha256, fact.pixels_sha256, custody)
        if expected is None or bag[name] != expected:
            raise _fail(MOVED_CHECK, f"does not bind item {seq}'s digests and custody entry", name)
    for stem, data_path in _token_stems(bag):
        member = stem + TSR_SUFFIX
        if data_path not in bag:
            raise _fail(TIME_CHECK, f"covers {data_path}, which the bag does not hold", member)
        digest = hashlib.sha256(bag[data_path]).digest()
        m = _ITEM_FILE.match(member)
        r = _REVISION_FILE.match(member)
        item_seq = int(m.group(1)) if m else None
        number = int(m.group(2)) if m else int(r.group(2)) if r else 0
        k = int(r.group(1)) if r else None
        if k is not None and k > revision_count:
            raise _fail(TIME_CHECK, f"revision {k} does not exist", member)
        entry = stamped.get((item_seq, number)) if item_seq is not None else None
        if item_seq is not None and entry is None:
            raise _fail(TIME_CHECK, f"the custody log does not record item {item_seq}'s token {number}", member)
        nonce_hex = entry.details.get("nonce") if entry is not None else None
        nonce = (
            int(nonce_hex, 16) if isinstance(nonce_hex, str) and re.fullmatch(r"[0-9a-f]{1,64}", nonce_hex) else None
        )
        if trust is None:
            raise _fail(TIME_CHECK, "tsa-untrusted: the school profile names no time-stamping authority", member)
        try:
            verified = verify_token(bag[member], digest, trust, nonce=nonce)
        except TsaImprintMismatch as e:
            raise _fail(MOVED_CHECK, f"covers another digest than {data_path}'s: {e}", member) from e
        except TsaError as e:
            raise _fail(TIME_CHECK, f"{e.check}: {clean_line(str(e), limit=300)}", member) from e
        if entry is not None and entry.details.get("tsr_sha256") != hashlib.sha256(bag[member]).hexdigest():
            raise _fail(MOVED_CHECK, f"is not the token the custody log recorded for item {item_seq}", member)
        if bag[stem + CHAIN_SUFFIX] != verified.chain_pem:
            raise _fail(TIME_CHECK, "is not the chain that verifies the token", stem + CHAIN_SUFFIX)
        skew = entry.details.get("clock_skew_seconds") if entry is not None else None
        out.append(
            TrustedTime(
                item=item_seq,
                revision=k,
                number=number,
                tsa_name=verified.tsa_name,
                gen_time=verified.gen_time,
                stem=stem,
                data_path=data_path,
                digest=digest,
                skew_seconds=skew if isinstance(skew, int) and not isinstance(skew, bool) else None,
            )
        )
    return tuple(out)


def _partner(name: str) -> str | None:
    if name.endswith(TSR_SUFFIX):
        return name[: -len(TSR_SUFFIX)] + CHAIN_SUFFIX
    if name.endswith(CHAIN_SUFFIX):
        return name[: -len(CHAIN_SUFFIX)] + TSR_SUFFIX
    return None
