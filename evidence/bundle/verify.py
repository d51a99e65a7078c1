"""Reading a sealed bundle: decrypt, then every check in a fixed order, stopping at the first failure.

The reader trusts nothing: the zip is parsed by :mod:`evidence.bundle.safezip` (no extractall, strict layout), and
every check runs in a fixed order with its own ``check`` name (docs/FORMAT.md, "Verification"). Who may sign is
never taken from the bundle's own ``seal/allowed_signers``: it comes from the bag's trust path, anchored to the
school root this workstation pinned (:mod:`evidence.bundle.trust`), or, for a bundle sealed before school roots,
from the workstation's profile.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import queue
import re
import threading
from collections.abc import Callable, Generator, ItemsView, Iterable, Iterator, Mapping, Sequence, ValuesView
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from evidence.bundle import derived, safezip, timestamps
from evidence.bundle import trust as trustpath
from evidence.bundle.layout import (
    _MANIFEST_LINE,
    _REVISION_DIR,
    ALLOWED_SIGNERS,
    BAGIT_TXT,
    CUSTODY_JSONL,
    INCIDENT_JSON,
    MANIFEST,
    MAX_BUNDLE_BYTES,
    MEDIA_SUFFIX,
    ORIGIN_NAMESPACE,
    SEAL_NAMESPACE,
    SIGNATURE,
    TAG_FILES,
    TAGMANIFEST,
    VERIFY_TXT,
    allowed_signers_text,
    bag_info_sizes,
    custody_files,
    is_trust_file,
    revision_manifest_path,
    revision_signature_path,
    sha256_hex,
    text_layer_of,
    trust_allowed_signers_path,
    verify_txt,
)
from evidence.bundle.records import (
    INCIDENT_FORMAT,
    REVISION_FORMAT,
    BundleItem,
    ExcludedItem,
    IncidentRecord,
    RevisionRecord,
)
from evidence.capture.items import ItemContext, parse_context
from evidence.case.custody import CustodyEntry, parse_jsonl, verify_chain
from evidence.case.incident import check_ref
from evidence.case.profile import Profile
from evidence.case.textlayer import TextLayer, TextLayerError
from evidence.core.background import BackgroundSink
from evidence.core.errors import (
    AgeFormatError,
    BundleError,
    CustodyError,
    DecryptionError,
    EvidenceError,
    NoMatchingIdentityError,
    RecordError,
    SignatureError,
    UsageError,
)
from evidence.core.text import clean_line
from evidence.crypto import ageio, sshsig


@dataclass(frozen=True)
class Revision:
    """One verified revision: its number, who signed it and when, and its whole record."""

    number: int
    action: str
    signer_name: str
    signer_principal: str
    signer_fingerprint: str
    time_utc: str
    files: tuple[str, ...]
    record: RevisionRecord


@dataclass(frozen=True)
class VerifiedBundle:
    """A bundle that passed every check. Only this type ever carries a bundle's plaintext to callers.

    Attributes:
        ref: the incident reference.
        bag: bag-relative name → bytes.
        revisions: every revision, oldest first.
        incident: the parsed ``data/incident.json``.
        custody: the whole chain (sealing plus every revision's entries).
        zip_source: the decrypted zip: its bytes, or (for a bundle read from a file) a :class:`ZipSource` that
            decrypts the file again to give a member or the whole zip on demand (:attr:`zip_bytes`,
            :meth:`copy_zip`).
        trust: whether its signers are anchored to the school root the verifier trusts, and why not.
        redacted: the redacted copies reviewers added (``data/reviews/rK-redacted-NNN.png``), each checked.

    ``bag`` holds the tag files and records; an image in a bag read from a file is fetched from the file when it is
    asked for, and released only once its SHA-256 is the one verified (:class:`BagContents`).
    """

    ref: str
    bag: Mapping[str, bytes]
    revisions: tuple[Revision, ...]
    incident: IncidentRecord
    custody: tuple[CustodyEntry, ...]
    zip_source: bytes | ZipSource = field(repr=False)
    trust: trustpath.TrustVerdict = field(
        default_factory=lambda: trustpath.TrustVerdict(False, reason=trustpath.LEGACY_REASON)
    )
    times: tuple[timestamps.TrustedTime, ...] = ()
    redacted: tuple[derived.RedactedCopy, ...] = ()

    def item_times(self, seq: int) -> tuple[timestamps.TrustedTime, ...]:
        """The checked RFC 3161 tokens of item ``seq`` (none: its time is the workstation's clock only)."""
        return tuple(t for t in self.times if t.item == seq)

    def revision_times(self, k: int) -> tuple[timestamps.TrustedTime, ...]:
        """The checked RFC 3161 tokens over revision ``k``'s manifest (none: "no trusted time")."""
        return tuple(t for t in self.times if t.revision == k)

    def item_time_label(self, seq: int) -> str:
        """``Time confirmed by TSA NAME: 18:31:02 UTC on 2026-11-30`` or ``Workstation clock only``."""
        return timestamps.time_label(self.item_times(seq))

    def revision_time_label(self, k: int) -> str:
        """As :meth:`item_time_label`, for revision ``k``; ``no trusted time`` when its TSAs did not answer."""
        times = self.revision_times(k)
        return timestamps.time_label(times) if times else timestamps.NO_TRUSTED_TIME

    @property
    def zip_bytes(self) -> bytes:
        """The decrypted zip, byte for byte (for a bundle read from a file: decrypted again, whole, in memory)."""
        if isinstance(self.zip_source, bytes):
            return self.zip_source
        out = io.BytesIO()
        self.zip_source.copy_zip(out)
        return out.getvalue()

    def copy_zip(self, out: BinaryIO) -> None:
        """Write the decrypted zip to ``out`` in bounded memory (see :meth:`ZipSource.copy_zip`)."""
        if isinstance(self.zip_source, bytes):
            out.write(self.zip_source)
        else:
            self.zip_source.copy_zip(out)

    def item_contents(self, items: Sequence[BundleItem]) -> Iterator[tuple[BundleItem, bytes]]:
        """Each item's bytes, in one pass over the bundle (for thumbnails): a generator, one item held at a time."""
        bag = self.bag
        if isinstance(bag, BagContents):
            yield from bag.fetch_many(items)
        else:
            for item in items:
                yield item, bag[item.file]

    @property
    def sealer(self) -> Revision:
        """Revision 1: who sealed it."""
        return self.revisions[0]

    @property
    def items(self) -> tuple[BundleItem, ...]:
        """The carried items, in the order incident.json lists them."""
        return self.incident.items

    @property
    def excluded(self) -> tuple[ExcludedItem, ...]:
        """The items left out, each with its reason."""
        return self.incident.excluded

    def item(self, seq: int) -> BundleItem:
        """The carried item numbered ``seq``.

        Raises:
            KeyError: the bundle carries no such item.
        """
        for item in self.incident.items:
            if item.seq == seq:
                return item
        raise KeyError(seq)

    def item_content(self, item: BundleItem) -> bytes:
        """The item's original bytes (their SHA-256 was checked against the signed manifest; fetched on demand)."""
        return self.bag[item.file]

    def item_context(self, item: BundleItem) -> ItemContext:
        """The item's context record, parsed by the item's kind.

        Raises:
            ContextError: the context file is not a record of the item's kind.
        """
        return parse_context(item.kind, json.loads(self.bag[item.context_name].decode("utf-8")))

    def summary(self) -> str:
        """One line for the CLI and the verdict banner (names cleaned of control characters)."""
        s = self.sealer
        return (
            f"Verified: {self.ref} sealed by {clean_line(s.signer_name)} <{clean_line(s.signer_principal)}> "
            f"({s.signer_fingerprint}) "
            f"on {s.time_utc}, {len(self.items)} items, custody chain intact ({len(self.custody)} entries), "
            f"{len(self.revisions)} revision{'s' if len(self.revisions) != 1 else ''}"
        )


def _fail(check: str, message: str, member: str | None = None) -> BundleError:
    where = f"{member}: " if member else ""
    return BundleError(f"{check}: {where}{message}", check=check, member=member)


_MEDIA_SUFFIXES = tuple(f".{suffix}" for suffix in MEDIA_SUFFIX.values())


_PLAIN_CHUNK = 1024 * 1024


def _held_in_memory(name: str) -> bool:
    """Whether a reader keeps a member's bytes: tag files, records and logs yes; images (the bulk) no."""
    return not name.endswith(_MEDIA_SUFFIXES)


class _Found(Exception):
    """Raised by a sink to stop the decryptor once it has what it came for."""


class ZipSource:
    """A verified bundle's zip, decrypted again from its file on demand, in bounded memory.

    Every member it hands out is checked against the SHA-256 the verification saw (check ``payload hash``
    otherwise: the file changed after it was verified), so it never releases bytes that were not verified.
    """

    def __init__(
        self,
        reopen: Callable[[], BinaryIO],
        identities: Sequence[str],
        digests: Mapping[str, tuple[str, int]],
        *,
        encrypted: bool = True,
    ) -> None:
        self._reopen = reopen
        self._identities = tuple(identities)
        self._digests = dict(digests)  # member name → (SHA-256 hex, size)
        self._encrypted = encrypted  # False: the file is the zip itself (a police export's REF.zip)

    def _pump(self, f: BinaryIO, sink: Callable[[bytes], object]) -> None:
        """Give ``sink`` the file's zip: decrypted, or as it is for a plain zip."""
        if self._encrypted:
            ageio.decrypt_stream(f, sink, self._identities)
            return
        while chunk := f.read(_PLAIN_CHUNK):
            sink(chunk)

    def members(self, names: Sequence[str], each: Callable[[str, bytes], None]) -> None:
        """Call ``each(name, data)`` for each member of ``names`` in one pass, stopping after the last one.

        Raises:
            BundleError: check ``payload hash`` (a member is not the one verified), or a check of the zip form.
        """
        wanted = set(names)
        if not wanted:
            return
        left = set(wanted)

        def found(name: str, data: bytes | None, sha256_hex_: str) -> None:
            if name not in wanted:
                return
            if data is None or self._digests.get(name) != (sha256_hex_, len(data)):
                raise _fail("payload hash", "changed since the bundle was verified", name.split("/", 1)[-1])
            each(name, data)
            left.discard(name)
            if not left:
                raise _Found

        sink = safezip.ZipStreamReader(
            max_bytes=MAX_BUNDLE_BYTES, keep=wanted.__contains__, max_kept=MAX_BUNDLE_BYTES, on_member=found
        )
        try:
            with self._reopen() as f:
                self._pump(f, sink.write)
        except _Found:
            return
        except BaseException as e:
            failure = _decrypt_failure(e)
            if failure is None:
                raise
            raise failure from e
        finally:
            sink.discard()
        raise _fail("payload hash", "is no longer in the bundle file", sorted(left)[0].split("/", 1)[-1])

    def member(self, name: str) -> bytes:
        """One member's bytes (see :meth:`members`)."""
        got: list[bytes] = []
        self.members([name], lambda _n, data: got.append(data))
        return got[0]

    def copy_zip(self, out: BinaryIO) -> None:
        """Write the whole decrypted zip to ``out``, checking each member against what was verified.

        What was written is only good once this returns: on an exception, the caller must discard ``out``.

        Raises:
            BundleError: the file changed since it was verified (check ``payload hash``), or is damaged.
        """

        def check(name: str, _data: bytes | None, sha256_hex_: str) -> None:
            if self._digests.get(name, ("", -1))[0] != sha256_hex_:
                raise _fail("payload hash", "changed since the bundle was verified", name.split("/", 1)[-1])

        gate = safezip.ZipStreamReader(max_bytes=MAX_BUNDLE_BYTES, keep=lambda _n: False, on_member=check)
        write_errors: list[BaseException] = []

        def sink(data: bytes) -> None:
            gate.write(data)
            try:
                out.write(data)
            except BaseException as e:
                write_errors.append(e)  # the caller's disk, not the bundle: it propagates as it is
                raise

        try:
            with self._reopen() as f:
                self._pump(f, sink)
            names = [m.name for m in gate.finish()]
        except BaseException as e:
            gate.discard()
            if write_errors and e is write_errors[0]:
                raise
            failure = _decrypt_failure(e)
            if failure is None:
                raise
            raise failure from e
        if names != list(self._digests):
            raise _fail("payload hash", "the bundle file changed since it was verified")


class PlanSource(ZipSource):
    """The images of a bag not yet written (a plan checked before the writer runs), each fetched on its own.

    Only a check that needs an image's bytes asks (a redacted copy against its original); each is checked against
    the size and SHA-256 the plan recorded before it is released.
    """

    def __init__(
        self, fetchers: Mapping[str, Callable[[], bytes] | None], digests: Mapping[str, tuple[str, int]]
    ) -> None:
        self._fetchers = dict(fetchers)  # member name → how to fetch it, or None
        self._digests = dict(digests)

    def members(self, names: Sequence[str], each: Callable[[str, bytes], None]) -> None:
        """Call ``each(name, data)`` for each member of ``names``, in the order given."""
        for name in names:
            each(name, self.member(name))

    def member(self, name: str) -> bytes:
        """One member's bytes, checked against the plan."""
        fetch = self._fetchers.get(name)
        if fetch is None:
            raise _fail("payload hash", "cannot be read before the bundle is written", name.split("/", 1)[-1])
        data = fetch()
        if self._digests.get(name) != (sha256_hex(data), len(data)):
            raise _fail("payload hash", "is not the file the plan recorded", name.split("/", 1)[-1])
        return data

    def copy_zip(self, out: BinaryIO) -> None:
        """A plan has no zip yet."""
        raise _fail("unreadable", "the bundle has not been written yet")


class BagContents(Mapping[str, bytes]):
    """A verified bag: bag-relative name → bytes, with each member's SHA-256 and size as verification saw them.

    Tag files and records are held in memory; the rest (images) are fetched from :attr:`source` when asked for.
    """

    def __init__(self, members: Sequence[safezip.StreamedMember], source: ZipSource | bytes) -> None:
        self._held: dict[str, bytes] = {}
        self._info: dict[str, tuple[str, int, str]] = {}  # bag name → SHA-256 hex, size, member name
        for m in members:
            name = m.name.split("/", 1)[1] if "/" in m.name else m.name
            self._info[name] = (m.sha256_hex, m.size, m.name)
            if m.data is not None:
                self._held[name] = m.data
        self.source = source
        self._offsets = {m.name: m.offset for m in members}

    def __getitem__(self, name: str) -> bytes:
        if name in self._held:
            return self._held[name]
        digest, size, member = self._info[name]
        if isinstance(self.source, bytes):
            start = self._offsets[member] + 30 + len(member.encode("latin-1"))
            data = self.source[start : start + size]
            if sha256_hex(data) != digest:
                raise _fail("payload hash", "changed since the bundle was verified", name)
            return data
        return self.source.member(member)

    def __iter__(self) -> Iterator[str]:
        return iter(self._info)

    def __len__(self) -> int:
        return len(self._info)

    def __contains__(self, name: object) -> bool:
        return name in self._info

    def items(self) -> ItemsView[str, bytes]:
        """(name, bytes) for every file; the fetched ones in ONE decryption pass, not one pass per file."""
        return _OnePassItems(self)

    def values(self) -> ValuesView[bytes]:
        """Every file's bytes, as :meth:`items`."""
        return _OnePassValues(self)

    def files(self, names: Iterable[str]) -> Generator[tuple[str, bytes], None, None]:
        """(name, bytes) of ``names`` in archive order: held ones at once, the others fetched in one pass."""
        wanted = set(names)
        fetch = [n for n in self._info if n in wanted and n not in self._held]
        fetched = self._fetch_stream(fetch) if fetch else iter(())
        for name in self._info:
            if name not in wanted:
                continue
            if name in self._held:
                yield name, self._held[name]
            else:
                got_name, data = next(fetched)
                assert got_name == name
                yield name, data

    def _fetch_stream(self, names: list[str]) -> Iterator[tuple[str, bytes]]:
        source = self.source
        if isinstance(source, bytes):
            for name in names:
                yield name, self[name]
            return
        members = {self._info[n][2]: n for n in names}
        for member, data in _one_pass(source, [self._info[n][2] for n in names]):
            yield members[member], data

    def is_held(self, name: str) -> bool:
        """Whether the file's bytes are in memory (tag files and records) rather than fetched (images)."""
        return name in self._held

    def sha256_hex(self, name: str) -> str:
        """The member's SHA-256 (hex), as it was hashed while the bundle was read."""
        return self._info[name][0]

    def size(self, name: str) -> int:
        """The member's size in bytes."""
        return self._info[name][1]

    def fetch_many(self, items: Sequence[BundleItem]) -> Iterator[tuple[BundleItem, bytes]]:
        """Each item's bytes in archive order; from a file source in ONE decryption pass, one item held at a time."""
        by_file = {i.file: i for i in items}
        for name, data in self.files(by_file):
            yield by_file[name], data


class _OnePassItems(ItemsView[str, bytes]):
    _mapping: BagContents

    def __iter__(self) -> Iterator[tuple[str, bytes]]:
        return self._mapping.files(list(self._mapping))


class _OnePassValues(ValuesView[bytes]):
    _mapping: BagContents

    def __iter__(self) -> Iterator[bytes]:
        return (data for _, data in self._mapping.files(list(self._mapping)))


def _one_pass(source: ZipSource, members: list[str]) -> Iterator[tuple[str, bytes]]:
    """``members`` of ``source`` (in archive order) in ONE decryption pass, one at a time.

    The decryption runs in a worker thread that hands each member over and waits until it is taken, so the
    generator may be dropped half-way (the worker then stops).
    """
    handover: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()
    done = object()

    def put(value: object) -> None:
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                handover.put(value, timeout=0.05)
                return
        raise _Found  # the consumer went away: stop decrypting

    def work() -> None:
        try:
            source.members(members, lambda name, data: put((name, data)))
            put(done)
        except _Found:
            return
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, who raises it
            with contextlib.suppress(_Found):
                put(e)

    worker = threading.Thread(target=work, name="bundle-members", daemon=True)
    worker.start()
    try:
        while True:
            got = handover.get()
            if got is done:
                return
            if isinstance(got, BaseException):
                raise got
            assert isinstance(got, tuple)
            yield got[0], got[1]
    finally:
        stop.set()
        while worker.is_alive():
            with contextlib.suppress(queue.Empty):
                handover.get_nowait()
            worker.join(0.05)


def read_bundle_stream(
    reader: BinaryIO,
    identities: Sequence[str],
    *,
    keep: Callable[[str], bool] = _held_in_memory,
    max_bytes: int = MAX_BUNDLE_BYTES,
) -> tuple[list[safezip.StreamedMember], ageio.Header]:
    """Decrypt a bundle stream through a :class:`~evidence.bundle.safezip.ZipStreamReader`, hashing each member once.

    As :func:`decrypt_bundle_stream` (the same checks, as bytes arrive), but only the members ``keep`` names are
    held in memory; every member's SHA-256 and size are returned, once age authenticated the whole stream and the
    zip's central directory agreed with every local header.

    Raises:
        BundleError: check ``decrypt``, ``unreadable``, ``zip structure`` or ``size cap``.
    """
    head = reader.read(len(ageio.VERSION_LINE))
    if not ageio.is_age_file(head):
        raise _fail("unreadable", "not an age-encrypted bundle")
    sink = safezip.ZipStreamReader(max_bytes=max_bytes, keep=keep)
    # the zip is parsed and hashed on a second thread while pyrage (which holds the GIL) decrypts the next piece
    background = BackgroundSink(sink.write, name="bundle-read")
    try:
        header = ageio.decrypt_stream(_Replay(head, reader), background.write, identities)  # type: ignore[arg-type]
        background.close()
    except BaseException as e:
        background.abort()
        sink.discard()  # provisional plaintext of a stream that failed is never released
        failure = _decrypt_failure(e)
        if failure is None:
            raise
        raise failure from e
    return sink.finish(), header


def decrypt_bundle(ciphertext: bytes, identities: Sequence[str]) -> bytes:
    """Decrypt the outer age layer; unverified plaintext never leaves this module except via verify.

    Raises:
        BundleError: check ``decrypt`` (damaged), ``unreadable`` (not an age file, or not addressed to us), or
            the checks of :class:`~evidence.bundle.safezip.StreamGate` (the plaintext is not a bundle zip).
    """
    if len(ciphertext) > MAX_BUNDLE_BYTES:
        raise _fail("size cap", f"bundle is larger than {MAX_BUNDLE_BYTES} bytes")
    return decrypt_bundle_stream(io.BytesIO(ciphertext), identities)[0]


class _Replay:
    """A reader that gives back the bytes already peeked at, then the rest of the stream."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._head:
            take = len(self._head) if size < 0 else size
            chunk, self._head = self._head[:take], self._head[take:]
            return chunk
        return self._rest.read(size)


def decrypt_bundle_stream(
    reader: BinaryIO, identities: Sequence[str], *, max_bytes: int = MAX_BUNDLE_BYTES
) -> tuple[bytes, ageio.Header]:
    """Decrypt a bundle stream through a :class:`~evidence.bundle.safezip.StreamGate`, in bounded memory.

    A stream whose plaintext does not start as our zip (anyone can encrypt 2 GiB of anything to the reviewers'
    public keys) is abandoned at its first chunk; one that grows past ``max_bytes`` as soon as it does. The
    plaintext is returned only once age has authenticated the whole stream, with the header (for
    :func:`check_readers`).

    Raises:
        BundleError: check ``decrypt``, ``unreadable``, ``zip structure`` or ``size cap``.
    """
    head = reader.read(len(ageio.VERSION_LINE))
    if not ageio.is_age_file(head):
        raise _fail("unreadable", "not an age-encrypted bundle")
    gate = safezip.StreamGate(max_bytes=max_bytes)
    try:
        header = ageio.decrypt_stream(_Replay(head, reader), gate.write, identities)  # type: ignore[arg-type]
    except BaseException as e:
        gate.discard()  # provisional plaintext of a stream that failed is never released
        failure = _decrypt_failure(e)
        if failure is None:
            raise
        raise failure from e
    return gate.take(), header


def _decrypt_failure(error: BaseException) -> BundleError | None:
    """The bundle check a decryption failure means (None: pass it on as it is)."""
    if isinstance(error, AgeFormatError):
        return _fail("decrypt", f"damaged age header: {error}")
    if isinstance(error, NoMatchingIdentityError):
        return _fail("unreadable", "this bundle is not encrypted to your identity")
    if isinstance(error, DecryptionError):
        return _fail("decrypt", f"the encrypted bundle is damaged or was altered: {error}")
    if isinstance(error, OSError):
        return _fail("unreadable", f"cannot read the bundle: {error.strerror or error}")
    return None


def check_readers(header: ageio.Header, profile: Profile) -> None:
    """The bundle is encrypted to the profile's reviewers and to nobody else, as far as an age header can tell.

    An X25519 stanza does not say whose key it is for (only its holder can tell), so the stanzas are counted: every
    stanza whose type does not end in ``-grease`` (which the age spec says to ignore, and which age adds at random)
    must be X25519, and there must be exactly as many as the profile has distinct reviewer recipients. So a
    modified client that also encrypts to an outsider is caught; one that *swaps* a reviewer's stanza for an
    outsider's keeps the count and is not (the missing reviewer would notice that they cannot open it).

    Raises:
        BundleError: check ``extra readers`` (a stanza for a key not in the profile) or ``missing reviewer``.
    """
    counted = [s for s in header.stanzas if not s.type.endswith("-grease")]
    x25519 = sum(1 for s in counted if s.type == "X25519")
    foreign = len(counted) - x25519
    expected = len(set(profile.reviewer_recipients))
    extra = foreign + max(x25519 - expected, 0)
    if extra:
        raise _fail("extra readers", f"also readable by {extra} key(s) not in the school profile for {profile.school}")
    if x25519 < expected:
        missing = expected - x25519
        raise _fail(
            "missing reviewer",
            f"a reviewer is missing: encrypted to {x25519} key(s), but the school profile has {expected} reviewers"
            f" ({missing} cannot open it)",
        )


def readers_profile(verified: VerifiedBundle, workstation: Profile | None) -> Profile:
    """The profile whose reviewers a bundle must be encrypted to: the one in force at its latest revision.

    That is the bag's latest signed profile when the bag has a trust path whose root the verifier accepted: its
    root is anchored (pinned, or given with ``--root-fingerprint``) or is the root of the workstation's own
    signed profile. A workstation whose profile has no school root (format 1) does not vouch for the bag's root,
    and, as it insists that its own profile trusts every signer, it counts the readers against its own reviewers;
    so does every verifier of a bundle sealed before school roots.

    Raises:
        BundleError: check ``trust path``: there is no profile to count the readers against.
    """
    trust = verified.trust
    latest = verified.revisions[-1].record.trust
    if trust.path is not None and latest is not None:
        vouched = (
            trust.anchored
            or workstation is None
            or (workstation.root_fingerprint is not None and workstation.root_fingerprint == trust.root_fingerprint)
        )
        if vouched:
            return trust.path.profiles[latest.profile_version]
    if workstation is None:
        raise _fail("trust path", "no school profile to count the bundle's readers against", "seal/trust")
    return workstation


def _parse_manifest(data: bytes, member: str) -> dict[str, str]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _fail("bagit", "not UTF-8", member) from e
    out: dict[str, str] = {}
    if text and not text.endswith("\n"):
        raise _fail("bagit", "does not end with a newline", member)
    for number, line in enumerate(text.split("\n")[:-1] if text else [], start=1):
        m = _MANIFEST_LINE.match(line)
        if not m:
            raise _fail("bagit", f"line {number} is not 'SHA256  data/PATH'", member)
        if m.group(2) in out:
            raise _fail("bagit", f"lists {m.group(2)} twice", member)
        out[m.group(2)] = m.group(1)
    if list(out) != sorted(out):
        raise _fail("bagit", "lines are not sorted by path", member)
    return out


def _load_json(bag: Mapping[str, bytes], name: str) -> Any:
    try:
        return json.loads(bag[name].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:  # json recurses once per nesting level
        raise _fail("consistency", f"not valid JSON: {e}", name) from e


def verify_bag(zip_bytes: bytes, profile: Profile | None, *, root_fingerprint: str | None = None) -> VerifiedBundle:
    """Run every check on a decrypted bundle, in order, stopping at the first failure.

    Order: zip structure; BagIt completeness; payload hashes; the trust path against the anchor; signatures against
    the trust path (or, for a bundle sealed before school roots, the profile); custody chain; consistency of the
    items with the manifest; redacted copies against their originals.

    Args:
        zip_bytes: the decrypted zip.
        profile: the workstation's profile (None for someone without one, who must give ``root_fingerprint``).
        root_fingerprint: the school root to anchor to; by default the root the profile was pinned to.

    Raises:
        BundleError: naming the check and the member.
    """
    # 1. zip structure (safezip rejects names, links, compression, duplicates, layout, caps)
    reader = safezip.ZipStreamReader(max_bytes=safezip.MAX_TOTAL_BYTES + len(zip_bytes), keep=lambda _n: True)
    reader.write(zip_bytes)
    return verify_members(reader.finish(), zip_bytes, profile, root_fingerprint=root_fingerprint)


def verify_members(
    streamed: Sequence[safezip.StreamedMember],
    source: bytes | ZipSource,
    profile: Profile | None,
    *,
    root_fingerprint: str | None = None,
) -> VerifiedBundle:
    """:func:`verify_bag` on a zip already read (:func:`read_bundle_stream`): its members, each hashed once, with
    the bytes of the tag files and records; images are checked by the digests taken as they streamed past.

    Raises:
        BundleError: naming the check and the member.
    """
    names = [m.name for m in streamed]
    if names != sorted(names):
        raise _fail("zip structure", "entries are not in name order, so this is not the archive a sealer writes")
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) != 1 or any("/" not in name for name in names):
        raise _fail("zip structure", "the zip must hold exactly one top directory (the bag)")
    ref = tops.pop()
    try:
        check_ref(ref)
    except UsageError as e:
        raise _fail("zip structure", f"top directory {ref!r} is not an incident reference") from e
    bag = BagContents(streamed, source)

    # 2. BagIt completeness
    if bag.get("bagit.txt") != BAGIT_TXT:
        raise _fail("bagit", "missing or not 'BagIt-Version: 1.0' with UTF-8", "bagit.txt")
    for name in (MANIFEST, TAGMANIFEST, "bag-info.txt", SIGNATURE, ALLOWED_SIGNERS, VERIFY_TXT):
        if name not in bag:
            raise _fail("bagit", "missing", name)
    manifest = _parse_manifest(bag[MANIFEST], MANIFEST)
    payload_names = {n for n in bag if n.startswith("data/")}
    for name in sorted(payload_names - set(manifest)):
        raise _fail("bagit", "file is not listed in the manifest", name)
    for name in sorted(set(manifest) - payload_names):
        raise _fail("bagit", "listed in the manifest but missing", name)
    tag_lines = bag[TAGMANIFEST].decode("utf-8", "replace").splitlines()
    tag_manifest: dict[str, str] = {}
    for number, line in enumerate(tag_lines, start=1):
        digest, sep, name = line.partition("  ")
        if not sep or not re.fullmatch(r"[0-9a-f]{64}", digest) or name in tag_manifest:
            raise _fail("bagit", f"line {number} is malformed", TAGMANIFEST)
        tag_manifest[name] = digest
    for name in tag_manifest:
        if name.startswith("data/"):
            raise _fail("bagit", "lists a payload file; payload files belong in the manifest", TAGMANIFEST)
    for name in bag:
        if (
            not name.startswith("data/")
            and name not in TAG_FILES
            and not _REVISION_DIR.match(name)
            and not is_trust_file(name)
        ):
            raise _fail("bagit", "is not a file a sealed bundle may hold", name)
    tag_names = {n for n in bag if not n.startswith("data/") and n != TAGMANIFEST}
    for name in sorted(tag_names ^ set(tag_manifest)):
        problem = "is not listed in the tag manifest" if name in bag else "is listed in the tag manifest but missing"
        raise _fail("bagit", problem, name)
    if list(tag_manifest) != sorted(tag_manifest):
        raise _fail("bagit", "lines are not sorted by path", TAGMANIFEST)

    # 3. every payload and tag hash (each member was hashed once, as it streamed past)
    for name, digest in manifest.items():
        if bag.sha256_hex(name) != digest:
            raise _fail(
                "payload hash", "SHA-256 does not match the manifest (this file or the manifest was altered)", name
            )
    for name, digest in tag_manifest.items():
        if bag.sha256_hex(name) != digest:
            raise _fail(
                "payload hash",
                "SHA-256 does not match the tag manifest (this file or the tag manifest was altered)",
                name,
            )

    # 4. the trust path: the school root in the bag is the one we trust, and it signed every profile in the bag
    path = trustpath.read_trust_path(bag)
    anchor = trustpath.anchor_of(profile, root_fingerprint)
    verdict = (
        trustpath.check_root(path, profile, anchor)
        if path is not None
        else trustpath.TrustVerdict(False, reason=trustpath.LEGACY_REASON)
    )

    # 5. signatures: every revision, against its trust path (or the profile); earlier revisions' files unchanged
    revisions = _verify_revisions(bag, manifest, profile, path, also_check=profile if anchor is None else None)
    versions = tuple(r.record.trust.profile_version for r in revisions if r.record.trust is not None)
    same_root = profile is not None and path is not None and profile.root_fingerprint == path.root.fingerprint
    workstation_version = profile.version if profile is not None and same_root else 0
    verdict = replace(verdict, profile_versions=versions, workstation_version=workstation_version)

    # 6. custody chain across the revisions
    custody = _verify_custody(bag, revisions)

    # 7. consistency of items, contexts and custody with the manifest, and of text layers with their items
    incident = _verify_consistency(ref, bag, manifest, custody, revisions)
    _verify_text_layers(bag, incident, revisions)

    # 8. trusted time: every RFC 3161 token, against the TSAs of the root-signed profiles (and the workstation's)
    tsas = [t for p in (path.profiles.values() if path is not None else ()) for t in p.tsas]
    tsas += list(profile.tsas) if profile is not None else []
    facts = [(i.seq, i.sha256, i.pixels_sha256) for i in incident.items]
    times = timestamps.check_bag_tokens(bag, custody, facts, len(revisions), tsas)

    # 9. every redacted copy is its original with the boxes blacked out (redone, pixels compared)
    redacted = derived.check_redactions(
        bag, {i.seq: (i.file, i.sha256) for i in incident.items}, [(r.number, r.files) for r in revisions]
    )
    return VerifiedBundle(ref, bag, tuple(revisions), incident, tuple(custody), source, verdict, times, redacted)


def _verify_revisions(
    bag: BagContents,
    manifest: Mapping[str, str],
    profile: Profile | None,
    path: trustpath.TrustPath | None,
    *,
    also_check: Profile | None,
) -> list[Revision]:
    """Check every revision in order, one rule per function; then that the root tag files are the latest's.

    With a trust path, each revision's signer is checked against the signed profile version it names; an
    unanchored verifier (``also_check``) also insists that its own profile trusts every signer. Without one (a
    bundle sealed before school roots), against ``profile``.
    """
    count = _revision_count(bag)
    revisions: list[Revision] = []
    previous: tuple[bytes, bytes] | None = None
    version: int | None = None
    for k in range(1, count + 1):
        rk_manifest, key = _check_revision_signature(bag, k)
        _check_revision_files_kept(k, rk_manifest, manifest)
        record = _load_revision_record(bag, k, rk_manifest)
        _check_revision_adds_only_reviews(k, record)
        fp = _check_revision_key(k, record, key)
        if path is not None:
            signed = trustpath.check_revision_trust(k, record, bag, path, version)
            version = signed.version
            trustpath.check_signer(k, record, key, signed, where=f"profile version {version} of the school root")
            if also_check is not None and also_check.root_fingerprint is None:
                trustpath.check_signer(k, record, key, also_check, where="the school profile")
        else:
            if "trust" in record:
                raise _fail("trust path", f"revision {k} names a trust path the bag does not carry", "seal/trust")
            if profile is None:
                raise _fail(
                    "untrusted signer",
                    "sealed before school trust roots, and there is no school profile here to check its signers",
                    revision_signature_path(k),
                )
            trustpath.check_signer(k, record, key, profile, where="the school profile")
        _check_revision_chain(k, record, rk_manifest, previous)
        _check_revision_file_list(k, record, rk_manifest, previous)
        typed = _typed_record(k, record)
        revisions.append(
            Revision(
                k,
                typed.action,
                typed.signer.name,
                typed.signer.principal,
                fp,
                typed.time_utc,
                typed.files,
                typed,
            )
        )
        previous = (bag[revision_manifest_path(k)], bag[revision_signature_path(k)])
    _check_root_is_latest(bag, count)
    _check_allowed_signers(bag, revisions)
    _check_derived_tag_files(bag, revisions)
    return revisions


def _check_allowed_signers(bag: Mapping[str, bytes], revisions: Sequence[Revision]) -> None:
    """``seal/allowed_signers`` is exactly what the verifier derives: the latest revision's root-signed list, or
    (before school roots) one line per revision signer; any extra line, comment or option fails."""
    latest = revisions[-1].record.trust
    if latest is not None:
        if bag[ALLOWED_SIGNERS] != bag[trust_allowed_signers_path(latest.profile_version)]:
            raise _fail(
                "trust path",
                f"is not the latest revision's root-signed {trust_allowed_signers_path(latest.profile_version)} "
                "(an extra or changed line, a comment or an option)",
                ALLOWED_SIGNERS,
            )
        return
    try:
        expected = allowed_signers_text([r.record for r in revisions])
    except EvidenceError as e:
        raise _fail("signature", f"the revision signers give no signer list: {e}", ALLOWED_SIGNERS) from e
    if bag[ALLOWED_SIGNERS] != expected:
        raise _fail(
            "signature",
            "is not the list of the revisions' signers (an extra or changed line, a comment or an option)",
            ALLOWED_SIGNERS,
        )


def _revision_count(bag: Mapping[str, bytes]) -> int:
    """The number of revisions under ``seal/revisions/``, which must run 1..N without a gap."""
    numbers = set()
    for name in bag:
        if name.startswith("seal/revisions/"):
            m = _REVISION_DIR.match(name)
            if not m:
                raise _fail("bagit", "unexpected file in seal/revisions", name)
            numbers.add(int(m.group(1)))
    if not numbers:
        raise _fail("signature", "no signed revision found", "seal/revisions")
    count = max(numbers)
    if numbers != set(range(1, count + 1)):
        raise _fail("signature", "a revision is missing", "seal/revisions")
    return count


def _check_revision_signature(bag: Mapping[str, bytes], k: int) -> tuple[dict[str, str], Ed25519PublicKey]:
    """Revision ``k`` has a well-formed manifest and a valid SSHSIG over it; return the manifest and the key."""
    mpath, spath = revision_manifest_path(k), revision_signature_path(k)
    if mpath not in bag or spath not in bag:
        raise _fail("signature", f"revision {k} lacks its manifest or signature", mpath)
    rk_manifest = _parse_manifest(bag[mpath], mpath)
    try:
        key = sshsig.verify(bag[spath], bag[mpath], SEAL_NAMESPACE)
    except SignatureError as e:
        raise _fail("signature", f"revision {k}: {e}", spath) from e
    return rk_manifest, key


def _check_revision_files_kept(k: int, rk_manifest: Mapping[str, str], manifest: Mapping[str, str]) -> None:
    """Every file revision ``k`` signed still has the digest it signed."""
    for name, digest in rk_manifest.items():
        if manifest.get(name) != digest:
            raise _fail("revision", f"revision {k}'s file was changed or removed later", name)


def _load_revision_record(bag: Mapping[str, bytes], k: int, rk_manifest: Mapping[str, str]) -> dict[str, Any]:
    """``data/revisions/K.json``: signed by revision ``k``, and a complete record of it."""
    record_name = f"data/revisions/{k}.json"
    if record_name not in rk_manifest:
        raise _fail("signature", f"revision {k}'s manifest does not list its record", revision_manifest_path(k))
    record = _load_json(bag, record_name)
    if not isinstance(record, dict) or record.get("revision") != k or record.get("format") != REVISION_FORMAT:
        raise _fail("consistency", f"is not the record of revision {k}", record_name)
    signer = record.get("signer")
    signer_fields = ("name", "principal", "role", "age", "ssh", "fingerprint")
    if not isinstance(signer, dict) or not all(isinstance(signer.get(f), str) for f in signer_fields):
        raise _fail("consistency", "signer is not a complete record", record_name)
    if not (record.get("previous") is None or isinstance(record.get("previous"), dict)):
        raise _fail("consistency", "previous is neither null nor an object", record_name)
    files = record.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise _fail("consistency", "files is not a list of paths", record_name)
    return record


def _check_revision_adds_only_reviews(k: int, record: Mapping[str, Any]) -> None:
    """A revision after the first adds only its custody part, its record, review files and its own text layers
    (``data/derived/NNN.text-rK.json``, with K its own number)."""
    if k == 1:
        return
    own = {f"data/revisions/{k}.json", f"data/custody-r{k}.jsonl"}
    for name in record["files"]:
        layer = text_layer_of(name)
        if name not in own and not name.startswith("data/reviews/") and (layer is None or layer[1] != k):
            raise _fail("revision", f"revision {k} may only add review files and its own text layers, not this", name)


def _check_revision_key(k: int, record: Mapping[str, Any], key: Ed25519PublicKey) -> str:
    """The record names the fingerprint of the key that signed revision ``k``. Return it."""
    fp = sshsig.fingerprint(key)
    named = record["signer"].get("fingerprint")
    if named != fp:
        shown = clean_line(named, limit=80)
        raise _fail("signature", f"revision {k} names {shown} but was signed by {fp}", revision_signature_path(k))
    return fp


def _check_revision_chain(
    k: int, record: Mapping[str, Any], rk_manifest: Mapping[str, str], previous: tuple[bytes, bytes] | None
) -> None:
    """Revision ``k`` binds the digests of revision ``k-1``'s manifest and signature, and keeps all its files."""
    record_name = f"data/revisions/{k}.json"
    if previous is None:
        if record.get("previous") is not None:
            raise _fail("revision", "revision 1 cannot have a predecessor", record_name)
        return
    prev_manifest, prev_sig = previous
    prev = record.get("previous") or {}
    if prev.get("manifest_sha256") != sha256_hex(prev_manifest) or prev.get("signature_sha256") != sha256_hex(prev_sig):
        raise _fail("revision", f"revision {k} does not bind revision {k - 1}", record_name)
    earlier = _parse_manifest(prev_manifest, revision_manifest_path(k - 1))
    for name, digest in earlier.items():
        if rk_manifest.get(name) != digest:
            raise _fail("revision", f"revision {k} changed or dropped a file of revision {k - 1}", name)


def _check_revision_file_list(
    k: int, record: Mapping[str, Any], rk_manifest: Mapping[str, str], previous: tuple[bytes, bytes] | None
) -> None:
    """The record's ``files`` are exactly what revision ``k``'s manifest adds to revision ``k-1``'s."""
    earlier = set(_parse_manifest(previous[0], "")) if previous else set()
    if set(record["files"]) != set(rk_manifest) - earlier:
        raise _fail("consistency", f"revision {k}'s file list does not match its manifest", f"data/revisions/{k}.json")


def _typed_record(k: int, record: Mapping[str, Any]) -> RevisionRecord:
    """Revision ``k``'s record, which passed every rule above, as a typed value (any other flaw: consistency)."""
    try:
        return RevisionRecord.parse(record)
    except RecordError as e:
        raise _fail("consistency", str(e), f"data/revisions/{k}.json") from e


def _check_root_is_latest(bag: Mapping[str, bytes], count: int) -> None:
    """The root manifest and signature are the latest revision's."""
    if bag[MANIFEST] != bag[revision_manifest_path(count)]:
        raise _fail("signature", f"the manifest is not revision {count}'s signed manifest", MANIFEST)
    if bag[SIGNATURE] != bag[revision_signature_path(count)]:
        raise _fail("signature", f"is not revision {count}'s signature", SIGNATURE)


def _check_derived_tag_files(bag: BagContents, revisions: Sequence[Revision]) -> None:
    """``VERIFY.txt`` and ``bag-info.txt`` are exactly what the signed revision records imply."""
    records = [r.record for r in revisions]
    if bag[VERIFY_TXT] != verify_txt(_ref_of(bag), records, timestamps.verify_txt_lines(bag)):
        raise _fail("consistency", "is not the text the revision records imply (it was edited)", VERIFY_TXT)
    latest = records[-1]
    expected_info = bag_info_sizes(
        _ref_of(bag),
        _school_of(bag),
        latest.signer.name,
        latest.signer.principal,
        latest.time_utc,
        [bag.size(n) for n in bag if n.startswith("data/")],
        len(revisions),
        latest.software,
    )
    if bag["bag-info.txt"] != expected_info:
        raise _fail("consistency", "is not the text the revision records imply (it was edited)", "bag-info.txt")


def _ref_of(bag: Mapping[str, bytes]) -> str:
    value = _load_json(bag, INCIDENT_JSON) if INCIDENT_JSON in bag else {}
    return str(value.get("ref", "")) if isinstance(value, dict) else ""


def _school_of(bag: Mapping[str, bytes]) -> str:
    value = _load_json(bag, INCIDENT_JSON) if INCIDENT_JSON in bag else {}
    return str(value.get("school", "")) if isinstance(value, dict) else ""


def _verify_custody(bag: Mapping[str, bytes], revisions: Sequence[Revision]) -> list[CustodyEntry]:
    entries: list[CustodyEntry] = []
    for k, name in enumerate(custody_files(len(revisions)), start=1):
        if name not in bag:
            raise _fail("custody", f"revision {k}'s custody log is missing", name)
        try:
            part = parse_jsonl(bag[name])
        except CustodyError as e:
            raise _fail("custody", str(e), name) from e
        if not part:
            raise _fail("custody", "is empty", name)
        entries += part
        try:
            verify_chain(entries)
        except CustodyError as e:
            raise _fail("custody", str(e), name) from e
        head = revisions[k - 1].record.custody_head
        if head != part[-1].hash:
            raise _fail("custody", f"revision {k} does not sign this log's last entry", name)
    return entries


def _verify_consistency(
    ref: str,
    bag: Mapping[str, bytes],
    manifest: Mapping[str, str],
    custody: Sequence[CustodyEntry],
    revisions: Sequence[Revision],
) -> IncidentRecord:
    incident = _load_json(bag, INCIDENT_JSON)
    if not isinstance(incident, dict) or incident.get("format") != INCIDENT_FORMAT or incident.get("ref") != ref:
        raise _fail("consistency", f"is not the incident record of {ref}", INCIDENT_JSON)
    items, excluded = incident.get("items"), incident.get("excluded")
    if not isinstance(items, list) or not isinstance(excluded, list):
        raise _fail("consistency", "items or excluded is not a list", INCIDENT_JSON)
    logged: dict[int, CustodyEntry] = {}
    disposed: set[str] = set()
    for e in custody:
        if e.action in ("captured", "received", "derived"):
            number = e.details.get("item")
            if not isinstance(number, int) or isinstance(number, bool):
                raise _fail("consistency", f"custody entry {e.seq} does not name an item number", CUSTODY_JSONL)
            logged[number] = e
        elif e.action == "disposed":
            disposed.add(e.subject)
    seen_files = {INCIDENT_JSON, CUSTODY_JSONL}
    last_time = ""
    for item in items:
        if not isinstance(item, dict):
            raise _fail("consistency", "an item is not an object", INCIDENT_JSON)
        seq, file_name, context_name = item.get("seq"), item.get("file"), item.get("context")
        if not isinstance(seq, int) or isinstance(seq, bool):
            raise _fail("consistency", "an item has no item number", INCIDENT_JSON)
        if not isinstance(file_name, str) or file_name not in manifest or not isinstance(context_name, str):
            raise _fail("consistency", f"item {seq}'s file is not in the manifest", INCIDENT_JSON)
        if context_name not in manifest:
            raise _fail("consistency", f"item {seq}'s context is not in the manifest", INCIDENT_JSON)
        if manifest[file_name] != item.get("sha256"):
            raise _fail("consistency", f"item {seq}'s SHA-256 differs from the manifest", file_name)
        entry = logged.get(seq)
        if entry is None:
            raise _fail("consistency", f"item {seq} has no capture entry in the custody log", CUSTODY_JSONL)
        if f"{ref}/{seq}" in disposed:  # removed (for safeguarding) before sealing: it must not travel
            raise _fail("consistency", f"item {seq} is carried, but the custody log records it as removed", file_name)
        if entry.details.get("sha256") != item.get("sha256"):
            raise _fail("consistency", f"item {seq}'s SHA-256 differs from its custody entry", file_name)
        context = _load_json(bag, context_name)
        if not isinstance(context, dict):
            raise _fail("consistency", "context is not an object", context_name)
        created = str(item.get("created_utc", ""))
        if created < last_time and "clock_anomaly" not in entry.details:
            raise _fail("consistency", f"item {seq} is dated before the item listed above it", INCIDENT_JSON)
        last_time = created
        seen_files |= {file_name, context_name}
    for item in excluded:
        if not isinstance(item, dict) or not item.get("reason") or not isinstance(item.get("seq"), int):
            raise _fail("consistency", "an excluded item has no reason", INCIDENT_JSON)
    listed = {i.get("seq") for i in items} | {i.get("seq") for i in excluded}
    for seq in logged:
        if seq not in listed:
            raise _fail(
                "consistency",
                f"the custody log records item {seq}, which the bundle does not account for",
                INCIDENT_JSON,
            )
    if len(items) != len({i.get("seq") for i in items}):
        raise _fail("consistency", "an item is listed twice", INCIDENT_JSON)
    carried = {i.get("seq") for i in items}
    seen_files |= {n for n in manifest if timestamps.item_of(n) in carried}  # trusted time: checked after this
    orphans = {n for n in manifest if n.startswith("data/items/")} - seen_files
    if orphans:
        raise _fail("consistency", "is in the bag but belongs to no item", sorted(orphans)[0])
    try:  # every rule above passed; any other flaw (a mistyped field, an unknown category) is still a failure
        return IncidentRecord.parse(incident)
    except RecordError as e:
        raise _fail("consistency", str(e), INCIDENT_JSON) from e


def _verify_text_layers(bag: Mapping[str, bytes], incident: IncidentRecord, revisions: Sequence[Revision]) -> None:
    """Every file under ``data/derived/`` is a text layer that a later revision added, of an item the bundle carries.

    ``data/derived/NNN.text-rK.json`` must be listed by revision K > 1 (the sealer's revision adds no derived
    files), parse as a text layer (:meth:`evidence.case.textlayer.TextLayer.parse`: canonical, machine-read, boxes
    inside the image), and name item NNN by its SHA-256, with the item's width and height where the bundle
    records them. A layer that was changed after signing fails **payload hash** before this; one that was
    re-signed, or made, for another picture fails here.
    """
    added = {name: r.number for r in revisions for name in r.files}
    items = {item.seq: item for item in incident.items}
    for name in sorted(n for n in bag if n.startswith("data/derived/")):
        named = text_layer_of(name)
        if named is None:
            raise _fail("consistency", "is not a derived file this format knows (NNN.text-rK.json)", name)
        seq, k = named
        if k == 1 or added.get(name) != k:
            raise _fail("consistency", f"is not a file that revision {k} added", name)
        item = items.get(seq)
        if item is None:
            raise _fail("consistency", f"is the text layer of item {seq}, which the bundle does not carry", name)
        try:
            layer = TextLayer.parse(bag[name])
        except TextLayerError as e:
            raise _fail("consistency", f"not a valid text layer ({e.check})", name) from e
        if layer.source_sha256 != item.sha256:
            raise _fail("consistency", f"names another picture than item {seq} (its source SHA-256 differs)", name)
        if (item.width, item.height) != (None, None) and (layer.width, layer.height) != (item.width, item.height):
            raise _fail("consistency", f"is not the size of item {seq}", name)


def open_bundle(
    ciphertext: bytes, identities: Sequence[str], profile: Profile | None, *, root_fingerprint: str | None = None
) -> VerifiedBundle:
    """Decrypt and verify a sealed bundle. Nothing is returned unless every check passed."""
    if len(ciphertext) > MAX_BUNDLE_BYTES:
        raise _fail("size cap", f"bundle is larger than {MAX_BUNDLE_BYTES} bytes")
    return open_bundle_stream(io.BytesIO(ciphertext), identities, profile, root_fingerprint=root_fingerprint)


def open_bundle_stream(
    reader: BinaryIO,
    identities: Sequence[str],
    profile: Profile | None,
    *,
    root_fingerprint: str | None = None,
    reopen: Callable[[], BinaryIO] | None = None,
) -> VerifiedBundle:
    """Decrypt and verify a sealed bundle read from ``reader``.

    With ``reopen`` (a function that opens the same bundle file again), in bounded memory: the plaintext streams
    through :func:`read_bundle_stream`, which hashes every member once and holds only the tag files and records;
    the verified bundle fetches an image from the file when it is asked for (:class:`ZipSource`). Without it,
    the whole zip is held (:func:`decrypt_bundle_stream`, :func:`verify_bag`).

    After the bag verified, its age header must name exactly the reviewers of the profile in force at its latest
    revision (:func:`check_readers`, :func:`readers_profile`).
    """
    if reopen is None:
        zip_bytes, header = decrypt_bundle_stream(reader, identities)
        verified = verify_bag(zip_bytes, profile, root_fingerprint=root_fingerprint)
    else:
        members, header = read_bundle_stream(reader, identities)
        source = ZipSource(reopen, identities, {m.name: (m.sha256_hex, m.size) for m in members})
        verified = verify_members(members, source, profile, root_fingerprint=root_fingerprint)
    check_readers(header, readers_profile(verified, profile))
    return verified


def verify_zip_file(
    reopen: Callable[[], BinaryIO], profile: Profile | None, *, root_fingerprint: str | None = None
) -> VerifiedBundle:
    """:func:`verify_bag` on a plain zip file (a police export's ``REF.zip``), in bounded memory.

    The zip is read once, each member hashed as it passes and only tag files and records held; the verified bundle
    fetches an image from the file when asked, checked against the digest verified (:class:`ZipSource`).
    ``reopen`` opens the file (capped, regular files only: the caller's :func:`~evidence.core.safefile.open_regular`).

    Raises:
        BundleError: naming the check and the member.
    """
    reader = safezip.ZipStreamReader(max_bytes=MAX_BUNDLE_BYTES, keep=_held_in_memory)
    try:
        with reopen() as f, BackgroundSink(reader.write, name="zip-read") as hashing:
            while chunk := f.read(_PLAIN_CHUNK):
                hashing.write(chunk)
        members = reader.finish()
    except BaseException:
        reader.discard()
        raise
    source = ZipSource(reopen, (), {m.name: (m.sha256_hex, m.size) for m in members}, encrypted=False)
    return verify_members(members, source, profile, root_fingerprint=root_fingerprint)


@dataclass(frozen=True)
class OriginCheck:
    """A verified origin signature over an encrypted bundle file.

    Attributes:
        principal: the signer's principal in the school profile.
        fingerprint: the signing key's ``SHA256:…`` fingerprint.
        file_sha256_hex: SHA-256 of the bytes the signature was checked over.
    """

    principal: str
    fingerprint: str
    file_sha256_hex: str


ORIGIN_READ_CHUNK = 1024 * 1024


def verify_origin_stream(
    reader: BinaryIO, signature: bytes, profile: Profile, *, max_bytes: int = MAX_BUNDLE_BYTES
) -> OriginCheck:
    """Check the detached origin signature over a bundle read from ``reader``, in bounded memory.

    The signer is looked up first, from the key the signature names: a signature by anyone the profile does not
    trust fails before a byte of the (perhaps 2 GiB) bundle is read. Only then is the stream hashed and the
    signature checked over it.

    Raises:
        BundleError: check ``origin`` (malformed, untrusted, or not over these bytes) or ``size cap``.
    """
    try:
        key = sshsig.claimed_key(signature, ORIGIN_NAMESPACE)
    except SignatureError as e:
        raise _fail("origin", str(e)) from e
    principals = sshsig.find_principals(profile.allowed_signers(), key, ORIGIN_NAMESPACE)
    if not principals:
        raise _fail("origin", f"signed by {sshsig.fingerprint(key)}, who is not a signer in the school profile")
    sha256, sha512, size = hashlib.sha256(), hashlib.sha512(), 0
    with BackgroundSink(sha256.update, batch=1, name="origin-digest") as other_core:  # both digests at once
        while chunk := reader.read(ORIGIN_READ_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise _fail("size cap", f"bundle is larger than {max_bytes} bytes")
            other_core.write(chunk)
            sha512.update(chunk)
    try:
        sshsig.verify_digest(signature, sha512.digest(), ORIGIN_NAMESPACE)
    except SignatureError as e:
        raise _fail("origin", str(e)) from e
    return OriginCheck(principals[0], sshsig.fingerprint(key), sha256.hexdigest())


def verify_origin(ciphertext: bytes, signature: bytes, profile: Profile) -> tuple[str, str]:
    """Check the detached origin signature against the profile; return (principal, fingerprint).

    Raises:
        BundleError: check ``origin``.
    """
    try:
        key = sshsig.verify(signature, ciphertext, ORIGIN_NAMESPACE)
    except SignatureError as e:
        raise _fail("origin", str(e)) from e
    principals = sshsig.find_principals(profile.allowed_signers(), key, ORIGIN_NAMESPACE)
    if not principals:
        raise _fail("origin", f"signed by {sshsig.fingerprint(key)}, who is not a signer in the school profile")
    return principals[0], sshsig.fingerprint(key)
