"""Reading files that anyone may have put there: regular files only, with a size cap checked before reading.

A drop folder is a shared folder, and the command line takes paths from the user. Anyone with write access to the
share (a pupil included) can leave a FIFO named ``REF.zip.age.sig`` (an ``open`` that never returns), a symlink to
``/dev/zero`` (a read that never ends), a directory where a file is expected, or a 5 GB "signature". Every read of
such a file goes through :func:`open_regular` or :func:`read_regular`:

- the path is ``stat``-ed first (following a symlink, since users may link to real files), and anything that is
  not a regular file is refused *before* it is opened, so opening a device or a FIFO never happens;
- the file is then opened non-blocking (``O_NONBLOCK`` where the platform has it: even a FIFO swapped in between
  the two steps cannot hang the ``open``) and ``fstat``-ed again, and the descriptor must still be a regular file;
- its size is compared with the caller's cap before a byte is read, and the read itself stops one byte past the
  cap, so a file that grows while we read is caught too.

Failures are :class:`~evidence.core.errors.UnsafeFileError` with a ``check`` naming the rule that failed.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import BinaryIO

from evidence.core.errors import UnsafeFileError

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular(path: Path, *, max_bytes: int, what: str = "file") -> BinaryIO:
    """Open ``path`` for reading if, and only if, it is a regular file of at most ``max_bytes`` bytes.

    Args:
        path: the file.
        max_bytes: the largest size accepted.
        what: what the file should be, for the message ("signature", "bundle", ...).

    Raises:
        UnsafeFileError: check ``missing``, ``not a regular file``, ``size cap`` or ``unreadable``.
    """
    try:
        before = path.stat()
    except FileNotFoundError as e:
        raise UnsafeFileError(f"{path}: no such {what}", path=path, check="missing") from e
    except OSError as e:
        raise UnsafeFileError(
            f"{path}: cannot read the {what}: {e.strerror or e}", path=path, check="unreadable"
        ) from e
    if not stat.S_ISREG(before.st_mode):
        raise UnsafeFileError(
            f"{path}: the {what} is {_kind(before.st_mode)}, not a regular file; refusing to read it",
            path=path,
            check="not a regular file",
        )
    _check_size(path, before.st_size, max_bytes, what)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as e:
        raise UnsafeFileError(
            f"{path}: cannot read the {what}: {e.strerror or e}", path=path, check="unreadable"
        ) from e
    try:
        after = os.fstat(fd)
        if not stat.S_ISREG(after.st_mode):
            raise UnsafeFileError(
                f"{path}: the {what} is {_kind(after.st_mode)}, not a regular file; refusing to read it",
                path=path,
                check="not a regular file",
            )
        _check_size(path, after.st_size, max_bytes, what)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(fd)
        raise


def read_regular(path: Path, *, max_bytes: int, what: str = "file") -> bytes:
    """Read a whole regular file of at most ``max_bytes`` bytes (see :func:`open_regular`)."""
    with open_regular(path, max_bytes=max_bytes, what=what) as f:
        try:
            data = f.read(max_bytes + 1)
        except OSError as e:
            raise UnsafeFileError(
                f"{path}: cannot read the {what}: {e.strerror or e}", path=path, check="unreadable"
            ) from e
    _check_size(path, len(data), max_bytes, what)
    return data


def _check_size(path: Path, size: int, max_bytes: int, what: str) -> None:
    if size > max_bytes:
        raise UnsafeFileError(
            f"{path}: the {what} is larger than {max_bytes:,} bytes, so it is not one; refusing to read it",
            path=path,
            check="size cap",
        )
