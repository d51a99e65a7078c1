"""Writing a bundle as a stream: bag plan → zip → age → the caller's file, in memory bounded by one image.

Defends against a seal that holds an incident in memory several times over (a school laptop has 4–8 GB and an
incident may hold a gigabyte of received images), and against handing over bytes that are not the recorded ones:
each image is hashed once as it passes into the zip, and a mismatch with its recorded SHA-256 aborts the write
(the caller's file then holds a partial ciphertext only, which the caller discards; no plaintext ever reaches a
file). The zip is byte for byte what :func:`evidence.bundle.safezip.write_zip` makes of the same members.

Three threads overlap the work where the cores allow (SQLite reads, hashing and zlib release the GIL; pyrage does
not): a hasher fetches the image ahead (a :class:`StreamedFile`'s ``fetch`` runs there, one at a time, in name
order), checks its SHA-256 and takes its CRC-32; the caller's thread zips and encrypts; a writer hashes the
ciphertext (SHA-256 for its name, SHA-512 for the origin signature) and writes it out.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import threading
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, BinaryIO

from evidence.bundle import safezip
from evidence.bundle.build import BagPlan, StreamedFile
from evidence.bundle.layout import ORIGIN_NAMESPACE
from evidence.bundle.verify import PlanSource, VerifiedBundle, verify_members
from evidence.case.profile import Profile
from evidence.core.background import ChunkReader
from evidence.core.errors import DigestMismatchError
from evidence.crypto import ageio, sshsig
from evidence.crypto.keys import Identity

_OUT_CHUNK = 1024 * 1024
"""Ciphertext is handed to the writer thread in pieces of about this size."""


@dataclass(frozen=True)
class WrittenBundle:
    """What :func:`write_bundle` wrote: the ciphertext's SHA-256 (hex) and size, and its origin signature.

    Attributes:
        sha256_hex: SHA-256 of the whole ciphertext (the bundle's name in custody and in the inbox).
        origin_signature: the detached SSHSIG over the ciphertext (``REF.rN.zip.age.sig``), armored ASCII.
        size: bytes of ciphertext written.
        manifest: the bag's ``manifest-sha256.txt``.
    """

    sha256_hex: str
    origin_signature: bytes
    size: int
    manifest: bytes


class _Stop(Exception):
    """Another thread failed: stop."""


def _put(q: queue.Queue[Any], value: object, stop: threading.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(queue.Full):
            q.put(value, timeout=0.05)
            return
    raise _Stop


def _get(q: queue.Queue[Any], stop: threading.Event) -> Any:
    while not stop.is_set():
        with contextlib.suppress(queue.Empty):
            return q.get(timeout=0.05)
    raise _Stop


def write_bundle(plan: BagPlan, recipients: Sequence[str], out: BinaryIO, origin_signer: Identity) -> WrittenBundle:
    """Write ``plan`` as an encrypted bundle into ``out`` (a hidden temp file of the caller's), streaming.

    Returns once every byte was written to ``out`` (the caller flushes, fsyncs and publishes it:
    :func:`evidence.bundle.share.stage_bag`, which publishes the bundle and then its signature with no replace). On
    any exception ``out`` holds a partial ciphertext: the caller must discard it.

    Raises:
        DigestMismatchError: an image is not the bytes its recorded SHA-256 names (nothing must be published).
        BundleError: the plan is not a bundle zip (check "zip structure" or "size cap"), before a byte is written.
        UsageError: a recipient is not an age recipient.
        OSError: ``out`` could not be written.
    """
    names = plan.names()
    full = [f"{plan.ref}/{name}" for name in names]
    pending: list[bytes] = []

    class _Collect:
        write = staticmethod(pending.append)

    zipper = safezip.ZipWriter([(f, plan.size(n)) for f, n in zip(full, names, strict=True)], _Collect())  # type: ignore[arg-type]
    stop = threading.Event()
    written: queue.Queue[Any] = queue.Queue(maxsize=4)
    sha256, sha512 = hashlib.sha256(), hashlib.sha512()
    size = 0
    writer_error: list[BaseException] = []

    def write_all() -> None:
        nonlocal size
        try:
            while (chunk := _get(written, stop)) is not None:
                sha256.update(chunk)
                sha512.update(chunk)
                out.write(chunk)
                size += len(chunk)
        except _Stop:
            return
        except BaseException as e:  # noqa: BLE001 - the zipping thread raises it at its next write
            writer_error.append(e)
            stop.set()

    def chunks() -> Iterator[bytes]:
        # the hasher thread fetches (SQLite drops the GIL while it reads), checks and CRCs the image ahead while
        # this thread zips and encrypts the one before it
        streamed = [n for n in names if n in plan.streamed]
        futures: dict[str, Future[tuple[bytes, int]]] = {}
        ahead = iter(streamed)

        def submit_next() -> None:
            name = next(ahead, None)
            if name is not None:
                futures[name] = hasher.submit(_fetch_checked, plan.streamed[name])

        submit_next()
        for name, member in zip(names, full, strict=True):
            if name in plan.files:
                zipper.add(member, plan.files[name])
            else:
                submit_next()
                data, crc = futures.pop(name).result()
                zipper.add(member, data, crc)
                del data
            yield from pending
            pending.clear()
        zipper.finish()
        yield from pending
        pending.clear()

    buffer = bytearray()

    def sink(data: bytes) -> int:
        if writer_error:
            raise writer_error[0]
        buffer.extend(data)
        if len(buffer) >= _OUT_CHUNK:
            _put(written, bytes(buffer), stop)
            buffer.clear()
        return len(data)

    hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bundle-hash")
    writer = threading.Thread(target=write_all, name="bundle-write", daemon=True)
    writer.start()
    try:
        try:
            ageio.encrypt_stream(ChunkReader(chunks()), _Sink(sink), recipients)  # type: ignore[arg-type]
            if buffer:
                _put(written, bytes(buffer), stop)
            _put(written, None, stop)
        except _Stop:
            pass
        writer.join()
        if writer_error:
            raise writer_error[0]
    finally:
        stop.set()
        hasher.shutdown(wait=True, cancel_futures=True)
        writer.join()
    signature = sshsig.sign_digest(origin_signer.signing_key, sha512.digest(), ORIGIN_NAMESPACE).encode("ascii")
    return WrittenBundle(sha256.hexdigest(), signature, size, plan.files["manifest-sha256.txt"])


def self_check(plan: BagPlan, profile: Profile) -> VerifiedBundle:
    """Run the verifier's checks on a planned bag, as a reviewer would, before a byte of it is written.

    The images are checked by their recorded digests here and against those digests as they stream into the zip;
    the zip and age framing are the writer's fixed form. So a bundle we would not accept ourselves is never
    handed over.
    """
    members, offset = [], 0
    fetchers: dict[str, Callable[[], bytes] | None] = {}
    for name in plan.names():
        member = f"{plan.ref}/{name}"
        size = plan.size(name)
        data = plan.files.get(name)
        members.append(safezip.StreamedMember(member, offset, size, plan.sha256_hex(name), data))
        offset += 30 + len(member) + size
        if name in plan.streamed:
            fetchers[member] = plan.streamed[name].peek
    source = PlanSource(fetchers, {m.name: (m.sha256_hex, m.size) for m in members})
    return verify_members(members, source, profile)


def write_bag(
    ref: str, bag: Mapping[str, bytes], recipients: Sequence[str], out: BinaryIO, origin_signer: Identity
) -> WrittenBundle:
    """:func:`write_bundle` for a bag already in memory (bag-relative name → bytes)."""
    return write_bundle(BagPlan(ref, bag, {}), recipients, out, origin_signer)


def _fetch_checked(f: StreamedFile) -> tuple[bytes, int]:
    """Fetch a file (on the hasher thread), check its size and SHA-256; return it with its CRC-32."""
    data = f.fetch()
    if len(data) != f.size or hashlib.sha256(data).hexdigest() != f.sha256_hex:
        raise DigestMismatchError(f"{f.subject}: content does not match its recorded SHA-256", subject=f.subject)
    return data, zlib.crc32(data)


class _Sink:
    def __init__(self, write: Any) -> None:
        self.write = write
