"""Work on a stream's bytes on a second thread, so that hashing overlaps decryption.

pyrage holds the GIL while it decrypts or encrypts, but ``hashlib`` and ``zlib.crc32`` release it for large
buffers. A :class:`BackgroundSink` batches the bytes written to it (a decryptor writes 8 KiB at a time) into
pieces of about a megabyte and hands them to a thread that runs ``consume`` on each, so a second core hashes one
piece while pyrage produces the next.

It defends against two ways such a pipeline goes wrong. A consumer that fails (a hostile zip refused half way) must
stop the producer: its exception is raised, as itself, from the next :meth:`BackgroundSink.write` and from
:meth:`BackgroundSink.close`. And memory must stay bounded whatever the speeds: at most ``depth`` pieces wait in the
queue, and a producer that is faster than the consumer waits for it.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from types import TracebackType

BATCH_BYTES = 1024 * 1024
"""Bytes handed to the consumer at a time (the last piece may be smaller)."""
DEPTH = 4
"""Pieces that may wait for the consumer."""

_DONE = object()


class BackgroundSink:
    """A writable that runs ``consume`` on batches of what it is given, in order, on one background thread.

    Use :meth:`close` once everything is written (it raises the consumer's exception, if any) or :meth:`abort`
    (also what leaving a ``with`` block by an exception does) to stop without waiting for the rest.
    """

    def __init__(
        self, consume: Callable[[bytes], object], *, batch: int = BATCH_BYTES, depth: int = DEPTH, name: str = "hash"
    ) -> None:
        self._consume = consume
        self._batch = batch
        self._buffer = bytearray()
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"background-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            piece = self._queue.get()
            if piece is _DONE or self._stop.is_set():
                return
            try:
                self._consume(piece)  # type: ignore[arg-type]
            except BaseException as e:  # noqa: BLE001 - handed to the producer's thread, raised there as itself
                self._error = e
                self._stop.set()
                return

    def _put(self, item: object) -> None:
        while True:
            if self._error is not None:
                raise self._error
            try:
                self._queue.put(item, timeout=0.05)
            except queue.Full:
                if not self._thread.is_alive():
                    if self._error is not None:
                        raise self._error from None
                    raise RuntimeError("the background consumer stopped") from None
            else:
                return

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Take the next bytes; raise the consumer's exception if it has failed."""
        if self._error is not None:
            raise self._error
        self._buffer += data
        if len(self._buffer) >= self._batch:
            piece = bytes(self._buffer)
            self._buffer.clear()
            self._put(piece)
        return len(data)

    def close(self) -> None:
        """Hand over the rest, wait for the consumer to finish it, and raise its exception if it failed."""
        if self._closed:
            return
        self._closed = True
        if self._error is None and self._buffer:
            self._put(bytes(self._buffer))
        self._buffer.clear()
        if self._error is None:
            self._put(_DONE)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        """Stop the consumer without waiting for what is still queued; forget the buffered bytes."""
        self._closed = True
        self._stop.set()
        self._buffer.clear()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                while True:
                    self._queue.get_nowait()
            with contextlib.suppress(queue.Full):
                self._queue.put_nowait(_DONE)
            self._thread.join(0.05)

    def __enter__(self) -> BackgroundSink:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if error is None:
            self.close()
        else:
            self.abort()


class ChunkReader:
    """A ``read(size)`` over an iterator of byte chunks: what pyrage pulls plaintext from when a writer produces it
    piece by piece (the streaming bundle writer, the police pack)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._current = memoryview(b"")

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all of the current chunk if ``size`` is negative); ``b""`` at the end."""
        while not self._current:
            chunk = next(self._chunks, None)
            if chunk is None:
                return b""
            self._current = memoryview(chunk)
        if size < 0 or size >= len(self._current):
            out, self._current = self._current, memoryview(b"")
        else:
            out, self._current = self._current[:size], self._current[size:]
        return bytes(out)
