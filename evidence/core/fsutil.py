"""Small, portable file-system helpers: atomic writes, private directories and fsync.

Everything that writes a file the user relies on goes through :func:`atomic_write`: the bytes go to a temporary
name in the same directory, are flushed and fsynced, then renamed over the target with ``os.replace`` (atomic on
POSIX and on Windows within one volume), and the directory is fsynced where the platform allows. On any failure
the temporary file is removed, so a full disk or a crash never leaves a half-written file under the final name.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from evidence.core.errors import EvidenceError

TEMP_PREFIX = ".ec-tmp-"
"""Every temporary file we create starts with this, so leftovers can be found and swept."""


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable only by the owner where the OS supports modes."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        if sys.platform != "win32":
            os.chmod(path, 0o700)
    except OSError as e:
        raise EvidenceError(f"{path}: cannot create folder: {e.strerror or e}") from e
    return path


def fsync_dir(path: Path) -> None:
    """Flush a directory entry to disk (a no-op where directories cannot be opened, as on Windows)."""
    if sys.platform == "win32":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path_for(target: Path) -> Path:
    """A fresh temporary name beside ``target`` (same directory, so the rename stays on one volume)."""
    return target.with_name(f"{TEMP_PREFIX}{secrets.token_hex(6)}-{target.name}")


@contextlib.contextmanager
def atomic_writer(target: Path, *, mode: int = 0o600) -> Iterator[BinaryIO]:
    """Yield a binary file that becomes ``target`` only if the block finishes without error.

    Args:
        target: the final path.
        mode: permission bits of the new file (ignored on Windows).
    """
    tmp = temp_path_for(target)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    except OSError as e:
        raise EvidenceError(f"{target}: cannot write: {e.strerror or e}") from e
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(e, OSError):
            raise EvidenceError(f"{target}: cannot write: {e.strerror or e}") from e
        raise
    with contextlib.suppress(OSError):
        fsync_dir(target.parent)


def atomic_write(target: Path, data: bytes | Callable[[BinaryIO], None], *, mode: int = 0o600) -> None:
    """Write ``data`` (bytes, or a function that writes to the file) to ``target`` atomically."""
    with atomic_writer(target, mode=mode) as f:
        if callable(data):
            data(f)
        else:
            f.write(data)


STALE_TEMP_SECONDS = 600
"""A temporary file untouched this long belongs to a writer that died (no write of ours takes minutes)."""


def sweep_stale_temp_files(folder: Path, *, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove our temporary files that a crash left in ``folder``; return what was removed.

    They only ever hold ciphertext or signatures (plaintext is never written to disk), so removing them loses
    nothing: the write they belonged to never completed, and the caller was never told it had.
    """
    now = time.time()
    removed = []
    for path in leftover_temp_files(folder):
        try:
            if now - path.stat().st_mtime >= older_than:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


def leftover_temp_files(folder: Path) -> list[Path]:
    """Temporary files of ours left in ``folder`` by a crash (they hold ciphertext only, never plaintext)."""
    try:
        return sorted(p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX))
    except OSError:
        return []
