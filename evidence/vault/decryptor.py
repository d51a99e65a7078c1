"""Decrypting vault items in a helper process, so that a large seal uses both cores.

pyrage holds the GIL while it decrypts and while it encrypts, so in one process a seal decrypts each image from the
vault and encrypts the bundle one after the other, whatever the threads (measured: two pyrage calls in two threads
take as long as one after the other). A :class:`ProcessContentReader` decrypts the items in a child process
started with ``spawn`` (a fresh interpreter, never a fork of a process with Qt's threads), while this process
zips, hashes and encrypts the one before.

What it defends against:

- **Plaintext on disk.** The images travel from the child over a pipe (kernel memory), never a file; the identity
  is handed over on that pipe too, never on a command line or in the environment.
- **Unbounded memory.** The child decrypts only what it is asked for, one item at a time; a pipe holds at most the
  one image being handed over.
- **Trusting the child.** It is our own code, but what it sends is still checked by the writer as before: each
  image against the SHA-256 the vault recorded, as it passes into the bundle.
- **A helper that cannot start or dies.** Sealing must still work where processes cannot be spawned: the seal
  falls back to reading in a thread (:func:`content_reader_for`); a child that dies half way fails the seal with a
  :class:`VaultError` (nothing is published, the incident stays as it was).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Protocol

from evidence.core.errors import DigestMismatchError, EvidenceError, VaultError

log = logging.getLogger(__name__)

PROCESS_THRESHOLD_BYTES = 512 * 1024 * 1024
"""An incident whose items add up to less than this is read in a thread. Measured (``bench/seal_cpu.py``): at 1 GB
the helper makes the seal 13 % faster (5.60 against 6.41 s); at 300 MB it is no faster (1.99 against 1.86 s),
handing each image over a pipe costing about what the second core saves."""
THRESHOLD_ENV = "EVIDENCE_CAPTURE_SEAL_HELPER_MIN_BYTES"
"""Overrides :data:`PROCESS_THRESHOLD_BYTES` (IT: a very large number turns the helper off; the packaging tests set
0 so that a frozen build's seal goes through it)."""


def threshold_bytes() -> int:
    """The size from which a seal decrypts in the helper (:data:`THRESHOLD_ENV`, else the default)."""
    text = os.environ.get(THRESHOLD_ENV, "").strip()
    return int(text) if text.isdigit() else PROCESS_THRESHOLD_BYTES


_START_TIMEOUT_S = 30.0


class ContentReader(Protocol):
    """What the streaming seal reads items through (:class:`evidence.vault.store.VaultContentReader` or this)."""

    def item_content(self, ref: str, seq: int, identities: Sequence[str], *, check_digest: bool = True) -> bytes:
        """An item's original bytes."""
        ...


def _child(conn: Connection) -> None:
    """The helper: open the vault read-only, then answer ``(ref, seq)`` requests until the pipe closes."""
    from evidence.vault import store

    try:
        path, identities = conn.recv()
        db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        db.execute("PRAGMA query_only = ON")
        conn.send(("ready", None))
    except Exception as e:  # noqa: BLE001 - reported to the parent, which falls back or fails the seal
        with contextlib.suppress(OSError, ValueError):
            conn.send(("error", f"{type(e).__name__}: {e}"))
        return
    with db:
        while True:
            try:
                ref, seq, check_digest = conn.recv()
            except (EOFError, OSError):
                return
            try:
                row = db.execute("SELECT content, sha256 FROM items WHERE ref = ? AND seq = ?", (ref, seq)).fetchone()
                data = store.open_content(ref, seq, row, identities, check_digest=check_digest)
            except DigestMismatchError as e:
                conn.send(("mismatch", str(e)))
                continue
            except (EvidenceError, sqlite3.Error) as e:
                conn.send(("error", str(e)))
                continue
            conn.send(("ok", len(data)))
            conn.send_bytes(data)
            del data


class ProcessContentReader:
    """Reads item contents through a helper process (see the module). Use :func:`content_reader_for`."""

    def __init__(self, path: Path, identities: Sequence[str]) -> None:
        self._path = path
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe(duplex=True)
        self._process = context.Process(target=_child, args=(child_conn,), name="vault-decryptor", daemon=True)
        self._process.start()
        child_conn.close()
        self._lock = threading.Lock()
        self._identities = tuple(identities)
        self._conn.send((str(path), list(identities)))
        if not self._conn.poll(_START_TIMEOUT_S):
            self.close()
            raise VaultError(f"{path}: the vault reader did not start")
        kind, detail = self._conn.recv()
        if kind != "ready":
            self.close()
            raise VaultError(f"{path}: the vault reader could not open the vault: {detail}")

    def item_content(self, ref: str, seq: int, identities: Sequence[str], *, check_digest: bool = True) -> bytes:
        """As :meth:`evidence.vault.store.Vault.item_content`, decrypted in the helper.

        Raises:
            DigestMismatchError: the decrypted bytes are not the ones recorded.
            VaultError: no such item, it was shredded, the vault cannot be read, or the helper died.
        """
        if tuple(identities) != self._identities:
            raise VaultError("the vault reader was started for another identity")
        with self._lock:
            try:
                self._conn.send((ref, seq, check_digest))
                kind, detail = self._conn.recv()
                if kind == "ok":
                    data = self._conn.recv_bytes()
                    if len(data) != detail:
                        raise VaultError(f"{self._path}: the vault reader sent {len(data)} bytes, not {detail}")
                    return data
            except (EOFError, OSError) as e:
                raise VaultError(f"{self._path}: the vault reader stopped: {e}") from e
        if kind == "mismatch":
            raise DigestMismatchError(str(detail), subject=f"{ref}/{seq}")
        raise VaultError(str(detail))

    def close(self) -> None:
        """Stop the helper (closing the pipe ends it; a helper that hangs is killed)."""
        with contextlib.suppress(OSError):
            self._conn.close()
        self._process.join(5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)


@contextlib.contextmanager
def process_reader(path: Path, identities: Sequence[str]) -> Iterator[ProcessContentReader | None]:
    """A :class:`ProcessContentReader`, or None when the helper cannot be started here (the caller then reads in a
    thread). Stopped on exit."""
    try:
        reader = ProcessContentReader(path, identities)
    except (VaultError, OSError, RuntimeError, ValueError) as e:
        log.warning("vault reader process unavailable (%s); reading in a thread", type(e).__name__)
        yield None
        return
    try:
        yield reader
    finally:
        reader.close()
