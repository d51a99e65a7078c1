"""The bundle zip: a deterministic ZIP_STORED writer and a reader that accepts only that one encoding.

A bundle zip has exactly one byte form for a given list of members, and :func:`read_zip` refuses every other::

    [local header, name, data] for each member, back to back from offset 0
    [central header, name] for each member, in the same order
    end of central directory record, with no comment, ending the file

Every other header field is fixed (STORED, no flags, no extra fields, no comments, version 2.0 made by Unix,
regular file mode 0644, time 1980-01-01 00:00:00) or derived (CRC-32, sizes, offsets), and each local header must
repeat its central one. So a change to any byte of a bundle fails a check, and whatever reads without error is
exactly what :func:`write_zip` makes of the result. zip64 is not supported: bundles stay below 4 GiB.

The reader parses with :mod:`struct` rather than :mod:`zipfile`, which is lenient: it ignores bytes before the
first entry and after the end record, trusts the central directory and skips over the local header's sizes,
CRC and extra field, reads duplicate names, and only checks a CRC once a member has been read to its end. The
reader checks the end record, then the whole central directory (names, types, caps), then every local header and
CRC, and returns members only when all of it passed. It works on bytes in memory and never touches the disk.

For bundles too large to hold, :class:`ZipWriter` writes the same bytes one member at a time (a plan of names and
sizes is checked first, as :func:`write_zip` checks its members), and :class:`ZipStreamReader` reads a decrypted
stream as it arrives: it refuses what :class:`StreamGate` refuses, hashes each member once, keeps only the members
its caller asks for (with a cap), and at the end runs :func:`read_zip`'s checks, in the same order and with the
same check names, on what it saw.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO, Final

from evidence.core.errors import BundleError

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
"""The timestamp of every member: the earliest a zip can hold, so it says nothing about when a bundle was made."""

MAX_ENTRIES = 10_000
"""Most members in a bundle zip."""
MAX_TOTAL_BYTES = 4 * 1024**3
"""Most bytes of member data; without zip64 the real limit is a little lower (all offsets fit in 32 bits)."""
MAX_NAME_LENGTH = 255
"""Longest member name (a whole path), in bytes."""
MAX_SEGMENTS = 8
"""Most ``/``-separated segments in a member name."""

CHECK_STRUCTURE = "zip structure"
CHECK_SIZE_CAP = "size cap"

_LOCAL = struct.Struct("<4sHHHHHIIIHH")  # sig, needed, flags, method, time, date, crc, csize, usize, name/extra len
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")  # sig, made by, then as local, comment len, disk, int/ext attr, offset
_END = struct.Struct("<4sHHHHIIH")  # sig, disk, cd disk, entries here, entries, cd size, cd offset, comment len
_LOCAL_SIG = b"PK\x03\x04"
_CENTRAL_SIG = b"PK\x01\x02"
_END_SIG = b"PK\x05\x06"
_ZIP64_LOCATOR_SIG = b"PK\x06\x07"
_MADE_BY = 3 << 8 | 20  # Unix, zip spec 2.0
_NEEDED = 20
_DOS_TIME = ZIP_EPOCH[3] << 11 | ZIP_EPOCH[4] << 5 | ZIP_EPOCH[5] // 2
_DOS_DATE = (ZIP_EPOCH[0] - 1980) << 9 | ZIP_EPOCH[1] << 5 | ZIP_EPOCH[2]
_REGULAR_0644 = 0o100644 << 16
_LIMIT32 = 0xFFFFFFFF  # sizes and offsets must stay below it: this value means "see the zip64 record"
_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")
_LOCAL_FIELDS = (
    "version needed",
    "flags",
    "method",
    "time",
    "date",
    "CRC-32",
    "compressed size",
    "uncompressed size",
    "name length",
    "extra field length",
)


def _show(name: str) -> str:
    return repr(name if len(name) <= 80 else name[:80] + "...")


def _fail(message: str, member: str | None = None, check: str = CHECK_STRUCTURE) -> BundleError:
    return BundleError(message, check=check, member=member)


def check_member_name(name: str) -> str:
    """Return ``name`` if it is a safe member name: ``/``-separated segments of ``[A-Za-z0-9._-]``, not ``.``/``..``.

    Raises:
        BundleError: (check "zip structure") the name is empty, too long or too deep, absolute, a directory, or
            holds a backslash, a colon, an empty or dot segment or any other character.
    """
    segments = name.split("/")
    if not name:
        why = "empty name"
    elif len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_LENGTH:
        why = f"name is longer than {MAX_NAME_LENGTH} bytes"
    elif "\\" in name:
        why = "name holds a backslash"
    elif ":" in name:
        why = "name holds a colon"
    elif name.startswith("/"):
        why = "absolute path"
    elif name.endswith("/"):
        why = "directories are not allowed (name ends with '/')"
    elif len(segments) > MAX_SEGMENTS:
        why = f"name has more than {MAX_SEGMENTS} path segments"
    elif "" in segments:
        why = "empty path segment ('//')"
    elif "." in segments or ".." in segments:
        why = "'.' or '..' path segment"
    elif not all(_SEGMENT.fullmatch(s) for s in segments):
        why = "character outside [A-Za-z0-9._-]"
    else:
        return name
    raise _fail(f"bad member name {_show(name)}: {why}", name)


def _check_clashes(names: list[str]) -> None:
    """Reject names that would write the same path on extraction: equal, equal but for case, or file and directory."""
    seen: dict[str, str] = {}
    for name in names:
        if (other := seen.get(name.lower())) is not None:
            why = "duplicate name" if other == name else f"name differs only in case from {_show(other)}"
            raise _fail(f"{why}: {_show(name)}", name)
        seen[name.lower()] = name
    for name in names:
        parts = name.lower().split("/")
        dirs = ("/".join(parts[:i]) for i in range(1, len(parts)))
        if (other := next((seen[d] for d in dirs if d in seen), None)) is not None:
            raise _fail(f"one path is both a file and a directory: {_show(other)} and {_show(name)}", name)


def write_zip(members: Iterable[tuple[str, bytes]], out: BinaryIO) -> None:
    """Write ``members`` (name, data), in the given order, as the canonical bundle zip.

    Everything is checked before the first byte is written, so a failure leaves ``out`` untouched.

    Raises:
        BundleError: a name is bad or repeated (check "zip structure"), or there are too many members or bytes
            (check "size cap").
    """
    items = list(members)
    if len(items) > MAX_ENTRIES:
        raise _fail(f"{len(items)} members, more than the cap of {MAX_ENTRIES}", check=CHECK_SIZE_CAP)
    for name, _ in items:
        check_member_name(name)
    _check_clashes([name for name, _ in items])
    total = sum(len(data) for _, data in items)
    if total > MAX_TOTAL_BYTES:
        raise _fail(f"{total} bytes, more than the cap of {MAX_TOTAL_BYTES}", check=CHECK_SIZE_CAP)
    cd_offset = sum(_LOCAL.size + len(name) for name, _ in items) + total
    if cd_offset + sum(_CENTRAL.size + len(name) for name, _ in items) >= _LIMIT32:
        raise _fail("members too large for a zip without zip64", check=CHECK_SIZE_CAP)
    central = bytearray()
    offset = 0
    for name, data in items:
        raw, crc, size = name.encode("ascii"), zlib.crc32(data), len(data)
        common = (_NEEDED, 0, 0, _DOS_TIME, _DOS_DATE, crc, size, size, len(raw))
        out.write(_LOCAL.pack(_LOCAL_SIG, *common, 0) + raw)
        out.write(data)
        central += _CENTRAL.pack(_CENTRAL_SIG, _MADE_BY, *common, 0, 0, 0, 0, _REGULAR_0644, offset) + raw
        offset += _LOCAL.size + len(raw) + size
    out.write(central)
    out.write(_END.pack(_END_SIG, 0, 0, len(items), len(items), len(central), offset, 0))


@dataclass(frozen=True)
class _Entry:
    name: str
    crc: int
    size: int
    offset: int


def read_zip(data: bytes, *, max_total: int = MAX_TOTAL_BYTES, max_entries: int = MAX_ENTRIES) -> dict[str, bytes]:
    """Check ``data`` is a canonical bundle zip and return its members (name → bytes) in archive order.

    Nothing is returned, and nothing is written anywhere, unless every check passed.

    Raises:
        BundleError: the first check that failed (check "zip structure", or "size cap" for the entry count and the
            total size, which are checked from the central directory before any member is read).
    """
    count, cd_offset, cd_end = _read_end(data, max_entries)
    entries = _read_central(data, count, cd_offset, cd_end, max_total)
    return _read_members(data, entries, cd_offset)


def _read_end(data: bytes, max_entries: int, *, base: int = 0) -> tuple[int, int, int]:
    """Check the end record of ``data``, which holds the zip's bytes from offset ``base`` on (0: the whole zip)."""
    end = len(data) - _END.size
    found = data.rfind(_END_SIG)
    if found < 0:
        raise _fail("not a zip: no end of central directory record (truncated, or not a zip at all)")
    if found > end:
        raise _fail("end of central directory record is truncated")
    if found < end:
        (comment_length,) = struct.unpack_from("<H", data, found + _END.size - 2)
        if comment_length and found + _END.size + comment_length == len(data):
            raise _fail(f"zip comment is not allowed ({comment_length} bytes)")
        raise _fail(f"{end - found} bytes after the end of central directory record")
    _, disk, cd_disk, count_here, count, cd_size, cd_offset, comment_length = _END.unpack_from(data, end)
    if comment_length:
        raise _fail(f"end of central directory record declares a {comment_length}-byte comment that is missing")
    if 0xFFFF in (disk, cd_disk, count_here, count) or _LIMIT32 in (cd_size, cd_offset):
        raise _fail("zip64 is not supported (end record holds zip64 markers)")
    if disk or cd_disk:
        raise _fail("multi-disk zips are not supported")
    if count_here != count:
        raise _fail(f"end record entry counts disagree ({count_here} on this disk, {count} in all)")
    if count > max_entries:
        raise _fail(f"zip declares {count} entries, more than the cap of {max_entries}", check=CHECK_SIZE_CAP)
    if not base and end and not data.startswith(_LOCAL_SIG):
        raise _fail("zip does not start with a local file header (leading bytes before the first entry?)")
    if cd_offset + cd_size != base + end:
        if end >= 20 and data[end - 20 : end - 16] == _ZIP64_LOCATOR_SIG:
            raise _fail("zip64 is not supported (found a zip64 end record locator)")
        raise _fail("central directory does not end where the end of central directory record begins")
    return count, cd_offset, base + end


def _read_central(data: bytes, count: int, pos: int, cd_end: int, max_total: int) -> list[_Entry]:
    entries: list[_Entry] = []
    total = 0
    for index in range(count):
        if pos + _CENTRAL.size > cd_end:
            raise _fail(f"central directory entry {index} runs past the end of the central directory")
        (
            sig,
            made_by,
            needed,
            flags,
            method,
            time,
            date,
            crc,
            csize,
            usize,
            name_length,
            extra_length,
            comment_length,
            disk,
            internal,
            external,
            offset,
        ) = _CENTRAL.unpack_from(data, pos)
        if sig != _CENTRAL_SIG:
            raise _fail(f"central directory entry {index} has a bad signature")
        name_end = pos + _CENTRAL.size + name_length
        if name_end + extra_length + comment_length > cd_end:
            raise _fail(f"central directory entry {index} runs past the end of the central directory")
        name = data[pos + _CENTRAL.size : name_end].decode("latin-1")  # each byte one char; the name check sorts it
        check_member_name(name)
        extra = data[name_end : name_end + extra_length]
        if _LIMIT32 in (csize, usize, offset) or disk == 0xFFFF or extra[:2] == b"\x01\x00":
            why = "uses zip64, which is not supported"
        elif made_by != _MADE_BY:
            why = f"version made by is 0x{made_by:04x}, want 0x{_MADE_BY:04x} (Unix, 2.0)"
        elif needed != _NEEDED:
            why = f"version needed to extract is {needed}, want {_NEEDED}"
        elif flags & 0x1:
            why = "is encrypted"
        elif flags & 0x8:
            why = "uses a data descriptor"
        elif flags:
            why = f"has unsupported flag bits 0x{flags:04x}"
        elif method:
            why = f"is compressed (method {method}); only STORED (0) is allowed"
        elif csize != usize:
            why = f"compressed size {csize} differs from uncompressed size {usize}"
        elif extra_length:
            why = "has an extra field"
        elif comment_length:
            why = "has a file comment"
        elif disk:
            why = "starts on another disk (multi-disk zips are not supported)"
        elif internal:
            why = f"has internal attributes 0x{internal:04x}, want 0"
        elif external & 0x10:
            why = "is a directory (MS-DOS directory attribute)"
        elif (kind := external >> 16 & 0o170000) == 0o120000:
            why = "is a symbolic link"
        elif kind == 0o040000:
            why = "is a directory (unix mode)"
        elif kind != 0o100000:
            why = f"is not a regular file (unix mode 0o{external >> 16:06o})"
        elif external != _REGULAR_0644:
            why = f"has external attributes 0x{external:08x}, want 0x{_REGULAR_0644:08x} (regular file, 0644)"
        elif (time, date) != (_DOS_TIME, _DOS_DATE):
            why = "timestamp is not 1980-01-01 00:00:00"
        else:
            total += usize
            if total > max_total:
                raise _fail(f"zip holds more than the cap of {max_total} bytes", name, check=CHECK_SIZE_CAP)
            entries.append(_Entry(name, crc, usize, offset))
            pos = name_end
            continue
        raise _fail(f"member {_show(name)} {why}", name)
    if pos != cd_end:
        raise _fail(f"central directory has {cd_end - pos} bytes after its last entry")
    _check_clashes([e.name for e in entries])
    return entries


def _read_members(data: bytes, entries: list[_Entry], cd_offset: int) -> dict[str, bytes]:
    offsets = {e.offset for e in entries}
    members: dict[str, bytes] = {}
    pos = 0
    for e in entries:
        if e.offset != pos:
            if pos in offsets:
                why = "is out of order: local headers must follow central directory order"
            elif e.offset < pos:
                why = "overlaps the previous entry"
            else:
                why = f"has {e.offset - pos} unexpected bytes before its local header"
            raise _fail(f"member {_show(e.name)} {why}", e.name)
        raw = e.name.encode("latin-1")
        if pos + _LOCAL.size + len(raw) > cd_offset:
            raise _fail(f"local header of {_show(e.name)} runs into the central directory", e.name)
        sig, *fields = _LOCAL.unpack_from(data, pos)
        if sig != _LOCAL_SIG:
            raise _fail(f"member {_show(e.name)} has a bad local header signature", e.name)
        want = (_NEEDED, 0, 0, _DOS_TIME, _DOS_DATE, e.crc, e.size, e.size, len(raw), 0)
        for label, got, expected in zip(_LOCAL_FIELDS, fields, want, strict=True):
            if got != expected:
                why = f"local header {label} {got} differs from central {expected}"
                raise _fail(f"member {_show(e.name)}: {why}", e.name)
        start = pos + _LOCAL.size + len(raw)
        if data[pos + _LOCAL.size : start] != raw:
            raise _fail(f"member {_show(e.name)}: local header name differs from central", e.name)
        pos = start + e.size
        if pos > cd_offset:
            raise _fail(f"data of {_show(e.name)} runs into the central directory", e.name)
        body = data[start:pos]
        if zlib.crc32(body) != e.crc:
            raise _fail(f"member {_show(e.name)} fails its CRC-32 check (data altered)", e.name)
        members[e.name] = body
    if pos != cd_offset:
        raise _fail(f"{cd_offset - pos} unexpected bytes between the last entry and the central directory")
    return members


class StreamGate:
    """A sink for decrypted bytes that accepts only a stream shaped like our zip, up to a byte and an entry cap.

    It checks, as bytes arrive: the stream starts with a local header; each local header has the fixed fields
    of :func:`write_zip` (version 2.0, no flags, STORED, the 1980 timestamp, equal sizes, no extra field) and a
    safe name; entries and declared sizes stay within the caps; the local headers end in the central directory,
    which is no larger than the entries it can describe. The whole archive is then checked by :func:`read_zip`.

    Everything written is provisional (the decryptor has not yet authenticated the end of the stream): take it with
    :meth:`take` only once the decryptor returned, and call :meth:`discard` on any failure.

    Raises (from :meth:`write`):
        BundleError: check "zip structure" (not our form) or "size cap" (too many bytes or entries).
    """

    _CENTRAL_ENTRY_MAX: Final = _CENTRAL.size + MAX_NAME_LENGTH

    def __init__(self, *, max_bytes: int, max_entries: int = MAX_ENTRIES) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._buf = bytearray()
        self._next = 0  # offset of the next local header
        self._entries = 0
        self._central: int | None = None  # offset of the central directory, once it has begun

    def __len__(self) -> int:
        return len(self._buf)

    def write(self, data: bytes) -> int:
        """Take the next decrypted bytes; raise at the first byte that cannot belong to a bundle zip."""
        if len(self._buf) + len(data) > self.max_bytes:
            self.discard()
            raise _fail(f"the decrypted bundle is larger than the cap of {self.max_bytes} bytes", check=CHECK_SIZE_CAP)
        self._buf += data
        try:
            self._walk()
        except BundleError:
            self.discard()
            raise
        return len(data)

    def _walk(self) -> None:
        buf = self._buf
        while self._central is None and len(buf) >= self._next + 4:
            sig = bytes(buf[self._next : self._next + 4])
            if sig == _CENTRAL_SIG and self._entries:
                self._central = self._next
                break
            if sig != _LOCAL_SIG:
                where = "does not start as a bundle zip" if not self._next else "has bytes out of the zip form"
                raise _fail(f"the decrypted bundle {where} (no local file header at offset {self._next})")
            if len(buf) < self._next + _LOCAL.size:
                return
            _, needed, flags, method, time, date, _crc, csize, usize, name_length, extra_length = _LOCAL.unpack_from(
                buf, self._next
            )
            if (needed, flags, method, time, date, extra_length) != (_NEEDED, 0, 0, _DOS_TIME, _DOS_DATE, 0):
                raise _fail(f"local header at offset {self._next} is not in the sealed form")
            if csize != usize or not 0 < name_length <= MAX_NAME_LENGTH:
                raise _fail(f"local header at offset {self._next} has inconsistent sizes")
            start = self._next + _LOCAL.size + name_length
            if len(buf) < start:
                return
            check_member_name(bytes(buf[self._next + _LOCAL.size : start]).decode("latin-1"))
            self._entries += 1
            if self._entries > self.max_entries:
                raise _fail(f"the zip holds more than the cap of {self.max_entries} entries", check=CHECK_SIZE_CAP)
            if start + usize > self.max_bytes:
                raise _fail(
                    f"a member declares {usize} bytes, past the cap of {self.max_bytes} bytes", check=CHECK_SIZE_CAP
                )
            self._next = start + usize
        if self._central is not None:
            tail = len(buf) - self._central
            if tail > self._entries * self._CENTRAL_ENTRY_MAX + _END.size:
                raise _fail("the central directory is larger than its entries can need")

    def take(self) -> bytes:
        """The whole stream, once the decryptor authenticated it; the gate is empty afterwards."""
        data = bytes(self._buf)
        self.discard()
        return data

    def discard(self) -> None:
        """Forget everything written so far."""
        self._buf.clear()


class ZipWriter:
    """The streaming form of :func:`write_zip`: the same bytes, one member at a time, into ``out``.

    The plan (every name and size, in order) is checked exactly as :func:`write_zip` checks its members before the
    first byte is written, so a bad plan leaves ``out`` untouched. Each member's bytes are then given in plan order
    with :meth:`add` (a local header needs the CRC-32 before the data, so one member is held at a time); a member
    whose name or size is not the planned one is refused. :meth:`finish` writes the central directory.

    Raises:
        BundleError: as :func:`write_zip` (check "zip structure" or "size cap"); from :meth:`add` or :meth:`finish`,
            check "zip structure" when the members given are not the plan.
    """

    def __init__(self, plan: Iterable[tuple[str, int]], out: BinaryIO) -> None:
        self._plan = list(plan)
        _check_plan(self._plan)
        self._out = out
        self._next = 0
        self._offset = 0
        self._central = bytearray()
        self._feeding = ("", 0)  # the member begin() started, and how many of its bytes are still to come

    def add(self, name: str, data: bytes | bytearray | memoryview, crc: int | None = None) -> None:
        """Write the next member: its local header, then ``data`` (its CRC-32 is computed unless given)."""
        self.begin(name, len(data), zlib.crc32(data) if crc is None else crc)
        self.feed(data)

    def begin(self, name: str, size: int, crc: int) -> None:
        """Start the next member, whose size and CRC-32 are known before its first byte; :meth:`feed` its bytes.

        For a member too large to hold (a police export's copy of the bundle zip): the caller took ``crc`` and
        ``size`` when it wrote the bytes it now reads back, and checks its own digest of them as they pass.

        Raises:
            BundleError: the member is not the next one planned, or the one before it was not fed whole.
        """
        self._check_fed()
        if self._next >= len(self._plan) or self._plan[self._next] != (name, size):
            raise _fail(f"member {_show(name)} ({size} bytes) is not the next one planned", name)
        self._next += 1
        raw = name.encode("ascii")
        common = (_NEEDED, 0, 0, _DOS_TIME, _DOS_DATE, crc, size, size, len(raw))
        self._out.write(_LOCAL.pack(_LOCAL_SIG, *common, 0) + raw)
        self._central += _CENTRAL.pack(_CENTRAL_SIG, _MADE_BY, *common, 0, 0, 0, 0, _REGULAR_0644, self._offset) + raw
        self._offset += _LOCAL.size + len(raw) + size
        self._feeding = (name, size)

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Write the next bytes of the member :meth:`begin` started (never more than its size in all)."""
        name, left = self._feeding
        if len(data) > left:
            raise _fail(f"member {_show(name)} is longer than planned", name)
        self._out.write(data)
        self._feeding = (name, left - len(data))

    def _check_fed(self) -> None:
        name, left = self._feeding
        if left:
            raise _fail(f"member {_show(name)} is {left} bytes short of its planned size", name)

    def finish(self) -> None:
        """Write the central directory and the end record, once every planned member was added."""
        self._check_fed()
        if self._next != len(self._plan):
            raise _fail(f"{len(self._plan) - self._next} planned members were never written")
        count = len(self._plan)
        self._out.write(bytes(self._central))
        self._out.write(_END.pack(_END_SIG, 0, 0, count, count, len(self._central), self._offset, 0))


def _check_plan(plan: list[tuple[str, int]]) -> None:
    """The checks :func:`write_zip` makes before it writes: count, names, clashes, total size, 32-bit offsets."""
    if len(plan) > MAX_ENTRIES:
        raise _fail(f"{len(plan)} members, more than the cap of {MAX_ENTRIES}", check=CHECK_SIZE_CAP)
    for name, _ in plan:
        check_member_name(name)
    _check_clashes([name for name, _ in plan])
    total = sum(size for _, size in plan)
    if total > MAX_TOTAL_BYTES:
        raise _fail(f"{total} bytes, more than the cap of {MAX_TOTAL_BYTES}", check=CHECK_SIZE_CAP)
    cd_offset = sum(_LOCAL.size + len(name) for name, _ in plan) + total
    if cd_offset + sum(_CENTRAL.size + len(name) for name, _ in plan) >= _LIMIT32:
        raise _fail("members too large for a zip without zip64", check=CHECK_SIZE_CAP)


@dataclass(frozen=True)
class StreamedMember:
    """One member of a zip read as a stream: where it lay, its size and SHA-256, and its bytes if they were kept."""

    name: str
    offset: int
    size: int
    sha256_hex: str
    data: bytes | None


@dataclass(frozen=True)
class _Local:
    offset: int
    raw_name: bytes
    fields: tuple[int, ...]
    crc: int
    size: int
    sha256_hex: str
    data: bytes | None


MAX_KEPT_BYTES = 64 * 1024 * 1024
"""Most bytes of the members a :class:`ZipStreamReader` keeps (tag files, JSON, custody logs): the rest is hashed."""


class ZipStreamReader:
    """A sink for decrypted bytes that checks our zip form as they arrive and hashes each member once.

    It refuses, as bytes arrive, everything :class:`StreamGate` refuses (with the same checks). Each member's data
    passes through SHA-256 and CRC-32 once; members for which ``keep(name)`` is true are kept (at most
    ``max_kept`` bytes of them, else check "size cap"), the others are not. Only the central directory and the end
    record are buffered. :meth:`finish` then runs the checks of :func:`read_zip`, in its order (end record, central
    directory, each local header against its central one and its CRC), on what was seen.

    Everything is provisional until the decryptor authenticated the end of the stream: call :meth:`finish` only
    then, and :meth:`discard` on any failure. ``on_member(name, data or None, sha256_hex)`` is called as each
    member ends (provisional too: for a caller that compares it with digests it already verified).
    """

    _CENTRAL_ENTRY_MAX: Final = _CENTRAL.size + MAX_NAME_LENGTH

    def __init__(
        self,
        *,
        max_bytes: int,
        keep: Callable[[str], bool],
        max_entries: int = MAX_ENTRIES,
        max_kept: int = MAX_KEPT_BYTES,
        on_member: Callable[[str, bytes | None, str], None] | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self._on_member = on_member
        self.max_entries = max_entries
        self.max_kept = max_kept
        self._keep = keep
        self._seen = 0  # bytes taken so far
        self._head = bytearray()  # an incomplete local header, or the central directory and end record
        self._in_tail = False
        self._locals: list[_Local] = []
        self._kept = 0
        self._member: tuple[int, bytes, tuple[int, ...], int] | None = None  # offset, name, fields, size
        self._remaining = 0
        self._crc = 0
        self._sha: Any = None
        self._data: bytearray | None = None
        self._next = 0  # offset of the next local header
        self._tail_start = 0

    def write(self, data: bytes) -> int:
        """Take the next decrypted bytes; raise at the first byte that cannot belong to a bundle zip."""
        if self._seen + len(data) > self.max_bytes:
            self.discard()
            raise _fail(f"the decrypted bundle is larger than the cap of {self.max_bytes} bytes", check=CHECK_SIZE_CAP)
        self._seen += len(data)
        try:
            self._take(memoryview(data))
        except BundleError:
            self.discard()
            raise
        return len(data)

    def _take(self, view: memoryview) -> None:
        while view:
            if self._in_tail:
                self._head += view
                tail = len(self._head)
                if tail > len(self._locals) * self._CENTRAL_ENTRY_MAX + _END.size:
                    raise _fail("the central directory is larger than its entries can need")
                return
            if self._member is not None:
                n = min(self._remaining, len(view))
                chunk = view[:n]
                self._crc = zlib.crc32(chunk, self._crc)
                self._sha.update(chunk)
                if self._data is not None:
                    self._data += chunk
                self._remaining -= n
                view = view[n:]
                if not self._remaining:
                    self._end_member()
                continue
            need = _LOCAL.size if len(self._head) < _LOCAL.size else _LOCAL.size + self._name_length()
            take = need - len(self._head) if len(self._head) >= 4 else 4 - len(self._head)
            self._head += view[:take]
            view = view[take:]
            self._header()

    def _name_length(self) -> int:
        return int(struct.unpack_from("<H", self._head, 26)[0])

    def _header(self) -> None:
        buf = self._head
        if len(buf) < 4:
            return
        if len(buf) == 4:
            sig = bytes(buf)
            if sig == _CENTRAL_SIG and self._locals:
                self._in_tail = True
                self._tail_start = self._next
                return
            if sig != _LOCAL_SIG:
                where = "does not start as a bundle zip" if not self._next else "has bytes out of the zip form"
                raise _fail(f"the decrypted bundle {where} (no local file header at offset {self._next})")
            return
        if len(buf) < _LOCAL.size:
            return
        _, needed, flags, method, time, date, crc, csize, usize, name_length, extra_length = _LOCAL.unpack_from(buf)
        if len(buf) == _LOCAL.size:
            if (needed, flags, method, time, date, extra_length) != (_NEEDED, 0, 0, _DOS_TIME, _DOS_DATE, 0):
                raise _fail(f"local header at offset {self._next} is not in the sealed form")
            if csize != usize or not 0 < name_length <= MAX_NAME_LENGTH:
                raise _fail(f"local header at offset {self._next} has inconsistent sizes")
            return
        if len(buf) < _LOCAL.size + name_length:
            return
        raw = bytes(buf[_LOCAL.size :])
        name = check_member_name(raw.decode("latin-1"))
        if len(self._locals) + 1 > self.max_entries:
            raise _fail(f"the zip holds more than the cap of {self.max_entries} entries", check=CHECK_SIZE_CAP)
        start = self._next + len(buf)
        if start + usize > self.max_bytes:
            raise _fail(
                f"a member declares {usize} bytes, past the cap of {self.max_bytes} bytes", check=CHECK_SIZE_CAP
            )
        fields = (needed, flags, method, time, date, crc, csize, usize, name_length, extra_length)
        keep = self._keep(name)
        if keep and self._kept + usize > self.max_kept:
            raise _fail(f"the zip's tag and record files exceed {self.max_kept} bytes", name, check=CHECK_SIZE_CAP)
        self._member = (self._next, raw, fields, usize)
        self._remaining = usize
        self._crc = 0
        self._sha = hashlib.sha256()
        self._data = bytearray() if keep else None
        self._head = bytearray()
        self._next = start + usize
        if not usize:
            self._end_member()

    def _end_member(self) -> None:
        assert self._member is not None
        offset, raw, fields, size = self._member
        data = bytes(self._data) if self._data is not None else None
        if data is not None and self._on_member is None:
            self._kept += size
        digest = self._sha.hexdigest()
        kept = data if self._on_member is None else None  # handed over, not held
        self._locals.append(_Local(offset, raw, fields, self._crc, size, digest, kept))
        self._member, self._data, self._sha = None, None, None
        if self._on_member is not None:
            self._on_member(raw.decode("latin-1"), data, digest)

    def finish(self) -> list[StreamedMember]:
        """Check the whole archive as :func:`read_zip` would, and return its members in archive order.

        Raises:
            BundleError: check "zip structure" or "size cap".
        """
        try:
            return self._finish()
        finally:
            self.discard()

    def _finish(self) -> list[StreamedMember]:
        if not self._in_tail:
            raise _fail("not a zip: no end of central directory record (truncated, or not a zip at all)")
        base = self._tail_start
        tail = bytes(self._head)
        count, cd_offset, cd_end = _read_end(tail, self.max_entries, base=base)
        if cd_offset != base:
            raise _fail("central directory does not begin where the last entry ends")
        entries = _read_central(tail, count, cd_offset - base, cd_end - base, MAX_TOTAL_BYTES)
        by_offset = {loc.offset: loc for loc in self._locals}
        offsets = {e.offset for e in entries}
        out: list[StreamedMember] = []
        pos = 0
        for e in entries:
            if e.offset != pos:
                if pos in offsets:
                    why = "is out of order: local headers must follow central directory order"
                elif e.offset < pos:
                    why = "overlaps the previous entry"
                else:
                    why = f"has {e.offset - pos} unexpected bytes before its local header"
                raise _fail(f"member {_show(e.name)} {why}", e.name)
            local = by_offset.get(pos)
            raw = e.name.encode("latin-1")
            if local is None:
                raise _fail(f"local header of {_show(e.name)} runs into the central directory", e.name)
            want = (_NEEDED, 0, 0, _DOS_TIME, _DOS_DATE, e.crc, e.size, e.size, len(raw), 0)
            for label, got, expected in zip(_LOCAL_FIELDS, local.fields, want, strict=True):
                if got != expected:
                    why = f"local header {label} {got} differs from central {expected}"
                    raise _fail(f"member {_show(e.name)}: {why}", e.name)
            if local.raw_name != raw:
                raise _fail(f"member {_show(e.name)}: local header name differs from central", e.name)
            if local.crc != e.crc:
                raise _fail(f"member {_show(e.name)} fails its CRC-32 check (data altered)", e.name)
            pos = e.offset + _LOCAL.size + len(raw) + e.size
            out.append(StreamedMember(e.name, e.offset, e.size, local.sha256_hex, local.data))
        if pos != cd_offset:
            raise _fail(f"{cd_offset - pos} unexpected bytes between the last entry and the central directory")
        return out

    def discard(self) -> None:
        """Forget everything written so far."""
        self._head = bytearray()
        self._locals = []
        self._data = None
