"""A police export folder written file by file, in memory bounded by one image, and published all at once.

Defends against three things. An export that holds the incident in memory several times over (the bundle zip, the
unpacked bag and the pack: a 1 GB incident once took more than 3 GB): files are streamed into a hidden temporary
folder beside the target as the bundle is decrypted, each hashed once on its way (SHA-256 for ``SHA256SUMS``, CRC-32
for the pack's zip) and nothing larger than one image is held. A half-written export that looks whole: everything
goes into ``.ec-export-TOKEN-NAME`` (and ``….zip.age``), is read back and checked against the digests taken while
writing, and only then renamed into place, pack first; any failure removes both, so nothing is left behind but,
after a crash or power cut, a folder whose name says it is a fragment. And a pack that is not what was checked: the
pack's zip is made by reading the checked files back, comparing each with its digest again as it passes into the
zip and the age encryption.

The export is plaintext on purpose: it is what the officer receives. A pack encrypted to an ``age1…`` recipient
streams; one encrypted with a passphrase cannot (pyrage has no streaming passphrase API), so its zip is held in
memory once, and the guide tells IT to prefer a recipient for large incidents.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from evidence.bundle import safezip
from evidence.core.background import ChunkReader
from evidence.core.errors import EvidenceError, UsageError
from evidence.core.fsutil import fsync_dir
from evidence.crypto import ageio

TEMP_PREFIX = ".ec-export-"
"""Prefix of the temporary folder and pack an export is built in (a crash may leave one behind)."""
PACK_SUFFIX = ".zip.age"
_CHUNK = 1024 * 1024


class ExportError(EvidenceError):
    """The export could not be written (nothing was left behind)."""


class _HashingFile:
    """A new file (never over an existing one) that takes the SHA-256, CRC-32 and size of what is written to it."""

    def __init__(self, path: Path) -> None:
        self._f = _open_new(path)
        self.sha256 = hashlib.sha256()
        self.crc = 0
        self.size = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self.sha256.update(data)
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        return self._f.write(data)

    def close(self) -> None:
        with self._f:
            self._f.flush()
            os.fsync(self._f.fileno())


class StagedFolder:
    """A new folder ``out_dir/name`` (and optionally ``out_dir/name.zip.age``) built in hidden temporary files.

    Use as a context manager: an exception inside (or from :meth:`publish`) removes everything it wrote.

    Attributes:
        folder: where the folder goes once published.
        pack_path: where the pack goes, or None when none was asked for.
        digests: every file written so far, relative (``/``-separated) name → SHA-256 hex.
        pack_sha256: the pack's SHA-256 hex once written.
    """

    def __init__(self, out_dir: Path, name: str, *, pack: bool) -> None:
        self.folder = out_dir / name
        self.pack_path = out_dir / f"{name}{PACK_SUFFIX}" if pack else None
        for existing in (self.folder, self.pack_path):
            if existing is not None and (existing.exists() or existing.is_symlink()):
                raise UsageError(f"{existing}: already exists; refusing to overwrite an earlier export")
        self.digests: dict[str, str] = {}
        self.pack_sha256: str | None = None
        self._sizes: dict[str, tuple[int, int]] = {}  # name → size, CRC-32
        self._out_dir = out_dir
        token = secrets.token_hex(6)
        self._tmp = out_dir / f"{TEMP_PREFIX}{token}-{name}"
        self._tmp_pack = out_dir / f"{TEMP_PREFIX}{token}-{name}{PACK_SUFFIX}"
        self._dirs: set[Path] = set()
        self._placed: list[Path] = []

    def __enter__(self) -> StagedFolder:
        try:
            self._out_dir.mkdir(parents=True, exist_ok=True)
            self._tmp.mkdir(mode=0o700)
        except OSError as e:
            raise ExportError(f"{self._out_dir}: cannot create the folder: {e.strerror or e}") from e
        self._dirs.add(self._tmp)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if error is None:
            return
        for path in (self._tmp, self._tmp_pack, *self._placed):
            _remove(path)
        if isinstance(error, OSError):
            raise ExportError(f"{self._out_dir}: cannot write the police export: {error.strerror or error}") from error

    def _path(self, name: str) -> Path:
        safezip.check_member_name(name)
        if name in self.digests:
            raise UsageError(f"{name}: written twice in one export")
        parts = name.split("/")
        for i in range(1, len(parts)):
            d = self._tmp.joinpath(*parts[:i])
            if d not in self._dirs:
                d.mkdir(mode=0o700)
                self._dirs.add(d)
        return self._tmp.joinpath(*parts)

    def add(self, name: str, data: bytes) -> None:
        """Write one new file ``name`` (``/``-separated, relative to the folder)."""
        self.add_stream(name, lambda f: f.write(data))

    def add_stream(self, name: str, fill: Callable[[BinaryIO], object]) -> None:
        """Write one new file by letting ``fill`` write to it; its digests are taken as the bytes pass."""
        f = _HashingFile(self._path(name))
        try:
            fill(f)  # type: ignore[arg-type]
        finally:
            f.close()
        self.digests[name] = f.sha256.hexdigest()
        self._sizes[name] = (f.size, f.crc)

    def read_back(self, name: str) -> Iterator[bytes]:
        """The bytes of a written file, in chunks, checked against the digest taken when it was written.

        Raises:
            OSError: it reads back differently (the disk or someone else changed it): the export fails.
        """
        digest = hashlib.sha256()
        with open(self._tmp.joinpath(*name.split("/")), "rb") as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
                yield chunk
        if digest.hexdigest() != self.digests[name]:
            raise OSError(f"{name} reads back differently from what was written")

    def check(self) -> None:
        """Read every file back and compare it with what was written; flush the folders to disk."""
        for name in sorted(self.digests):
            for _ in self.read_back(name):
                pass
        for d in sorted(self._dirs, key=lambda p: len(p.parts), reverse=True):
            fsync_dir(d)

    def write_pack(self, *, recipient: str | None = None, passphrase: str | None = None) -> None:
        """Write ``NAME.zip.age``: the folder as a deterministic STORED zip (names ``NAME/…``), encrypted with age.

        The zip is :func:`evidence.bundle.safezip.write_zip`'s form; each file is read back and checked as it
        passes into it. To a recipient it streams; with a passphrase it is held in memory once (see the module).
        """
        if self.pack_path is None or (recipient is None) == (passphrase is None):
            raise UsageError("encrypt the pack to a recipient or with a passphrase, not both")
        top = self.folder.name
        names = sorted(self.digests)
        plan = [(f"{top}/{n}", self._sizes[n][0]) for n in names]

        def zip_chunks() -> Iterator[bytes]:
            pending = _Pending()
            zipper = safezip.ZipWriter(plan, pending)  # type: ignore[arg-type]
            for name, (member, size) in zip(names, plan, strict=True):
                zipper.begin(member, size, self._sizes[name][1])
                for chunk in self.read_back(name):
                    zipper.feed(chunk)
                    yield from pending.take()
                yield from pending.take()
            zipper.finish()
            yield from pending.take()

        out = _HashingFile(self._tmp_pack)
        try:
            if recipient is not None:
                ageio.encrypt_stream(ChunkReader(zip_chunks()), out, [recipient])  # type: ignore[arg-type]
            else:
                assert passphrase is not None
                out.write(ageio.encrypt_with_passphrase(b"".join(zip_chunks()), passphrase))
        finally:
            out.close()
        self.pack_sha256 = out.sha256.hexdigest()

    def publish(self) -> None:
        """Rename the pack (if any), then the folder, into place; refuse anything that appeared there meanwhile."""
        if self.pack_path is not None:
            if self.pack_sha256 is None:
                raise UsageError("the pack was asked for but not written")
            _rename(self._tmp_pack, self.pack_path)
            self._placed.append(self.pack_path)
        _rename(self._tmp, self.folder)
        self._placed.append(self.folder)
        with contextlib.suppress(OSError):
            fsync_dir(self._out_dir)


def sums_text(digests: dict[str, str], leave_out: tuple[str, ...]) -> bytes:
    """``sha256sum -c`` text for ``digests`` (relative name → SHA-256 hex), sorted by name, but ``leave_out``."""
    names = sorted(n for n in digests if n not in leave_out)
    return "".join(f"{digests[n]}  {n}\n" for n in names).encode("utf-8")


class _Pending:
    """Where the zip writer writes: the bytes are taken away by the generator that feeds age."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> list[bytes]:
        parts, self._parts = self._parts, []
        return parts


def _open_new(path: Path) -> BinaryIO:
    """Create a new file for writing (never over an existing one, readable by its owner only)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    return os.fdopen(fd, "wb")


def _rename(src: Path, dst: Path) -> None:
    """Rename, refusing to replace anything that appeared at ``dst`` meanwhile."""
    if dst.exists() or dst.is_symlink():
        raise UsageError(f"{dst}: appeared while the export was being written; refusing to overwrite it")
    os.rename(src, dst)  # POSIX would replace an empty directory here; the check above rules that out


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
