"""Hostile zip vectors for evidence.bundle.safezip, one file per scenario, in the manner of the C2SP CCTV vectors.

``python tests/corpus/make_zip_corpus.py OUTDIR`` writes ``OUTDIR/NAME.zip`` and ``OUTDIR/NAME.expect`` (one line,
``expect: CHECK: FRAGMENT``). The tests call :func:`scenarios` directly, so no binary vector is committed and
none is ever edited by hand. Archives are assembled field by field by :func:`build`, which imports nothing from
``evidence``: the vectors must not share the writer's mistakes. With no overrides :func:`build` gives exactly the
canonical bundle zip (a test holds it to ``safezip.write_zip``), so each scenario differs from a valid archive in
the one way it names.
"""

from __future__ import annotations

import struct
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOCAL = "<4sHHHHHIIIHH"
CENTRAL = "<4sHHHHHHIIIHHHHHII"
END = "<4sHHHHIIH"
REGULAR = 0o100644 << 16
EPOCH_DATE = 1 << 5 | 1  # 1980-01-01; the time field is 0


@dataclass
class Member:
    """One member; every central header field can be overridden, and ``local`` overrides the local header's.

    ``local`` keys: sig, needed, flags, method, time, date, crc, csize, usize, name, extra. ``before`` is put
    just before the local header, and ``cut_local`` keeps only that many bytes of the local header and data.
    """

    name: bytes
    data: bytes = b"hello\n"
    sig: bytes = b"PK\x01\x02"
    made_by: int = 3 << 8 | 20
    needed: int = 20
    flags: int = 0
    method: int = 0
    time: int = 0
    date: int = EPOCH_DATE
    crc: int | None = None
    csize: int | None = None
    usize: int | None = None
    extra: bytes = b""
    comment: bytes = b""
    disk: int = 0
    internal: int = 0
    external: int = REGULAR
    offset: int | None = None
    local: dict[str, object] = field(default_factory=dict)
    before: bytes = b""
    cut_local: int | None = None


def build(
    members: list[Member],
    *,
    order: list[int] | None = None,
    leading: bytes = b"",
    before_central: bytes = b"",
    after_central: bytes = b"",
    end: dict[str, object] | None = None,
    comment: bytes = b"",
    trailing: bytes = b"",
) -> bytes:
    """Assemble a zip: ``leading``, the local entries, ``before_central``, the central directory (in ``order``),
    ``after_central``, the end record (fields overridable through ``end``), ``comment`` and ``trailing``."""
    out = bytearray(leading)
    offsets = []
    for m in members:
        out += m.before
        offsets.append(len(out))
        crc = zlib.crc32(m.data) if m.crc is None else m.crc
        size = len(m.data)
        lf: dict[str, object] = {
            "sig": b"PK\x03\x04",
            "needed": m.needed,
            "flags": m.flags,
            "method": m.method,
            "time": m.time,
            "date": m.date,
            "crc": crc,
            "csize": size if m.csize is None else m.csize,
            "usize": size if m.usize is None else m.usize,
            "name": m.name,
            "extra": m.extra,
        }
        lf.update(m.local)
        name, extra = lf.pop("name"), lf.pop("extra")
        assert isinstance(name, bytes)
        assert isinstance(extra, bytes)
        entry = struct.pack(LOCAL, *lf.values(), len(name), len(extra)) + name + extra + m.data
        out += entry if m.cut_local is None else entry[: m.cut_local]
    out += before_central
    cd_offset = len(out)
    for i in range(len(members)) if order is None else order:
        m = members[i]
        size = len(m.data)
        out += struct.pack(
            CENTRAL,
            m.sig,
            m.made_by,
            m.needed,
            m.flags,
            m.method,
            m.time,
            m.date,
            zlib.crc32(m.data) if m.crc is None else m.crc,
            size if m.csize is None else m.csize,
            size if m.usize is None else m.usize,
            len(m.name),
            len(m.extra),
            len(m.comment),
            m.disk,
            m.internal,
            m.external,
            offsets[i] if m.offset is None else m.offset,
        )
        out += m.name + m.extra + m.comment
    cd_size = len(out) - cd_offset
    out += after_central
    ef: dict[str, object] = {
        "sig": b"PK\x05\x06",
        "disk": 0,
        "cd_disk": 0,
        "count_here": len(members),
        "count": len(members),
        "cd_size": cd_size,
        "cd_offset": cd_offset,
        "comment_length": len(comment),
    }
    ef.update(end or {})
    out += struct.pack(END, *ef.values()) + comment + trailing
    return bytes(out)


def two(**changes: Any) -> list[Member]:
    """The usual pair of members, the second changed by ``changes``."""
    return [Member(b"bag/bagit.txt", b"BagIt-Version: 1.0\n"), Member(b"bag/data/a.txt", **changes)]


def one(name: bytes, **changes: Any) -> bytes:
    """A zip whose only member is ``name``, changed by ``changes``."""
    return build([Member(name, **changes)])


def patch(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    """``data`` with the field at ``offset`` (a :mod:`struct` format) replaced by ``value``."""
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


VALID = build(two())
"""A canonical archive: what safezip.write_zip makes of the two members."""

S = "zip structure: "
CAP = "size cap: "
_ZIP64_END = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 3 << 8 | 45, 45, 0, 0, 2, 2, 0, 0)
_ZIP64_LOCATOR = struct.pack("<4sIQI", b"PK\x06\x07", 0, 0, 1)
_LAST_CENTRAL = len(VALID) - 22 - 46 - len(b"bag/data/a.txt")
_DEFLATED = zlib.compress(b"hello hello hello hello\n")[2:-4]


def scenarios() -> list[tuple[str, bytes, str]]:
    """Every hostile vector: (name, zip bytes, ``"CHECK: message fragment"`` that the reader must raise)."""
    gap = b"\0" * 7
    # fmt: off
    return [
        # -- the end record and the file's edges
        ("not_a_zip", b"This is a text file, not a zip.\n", S + "no end of central directory record"),
        ("empty_file", b"", S + "no end of central directory record"),
        ("truncated_half", VALID[: len(VALID) // 2], S + "no end of central directory record"),
        ("truncated_end_record", VALID[:-1], S + "end of central directory record is truncated"),
        ("trailing_garbage", VALID + b"junk", S + "4 bytes after the end of central directory record"),
        ("zip_comment", build(two(), comment=b"hello"), S + "zip comment is not allowed"),
        ("comment_length_no_comment", build(two(), end={"comment_length": 5}), S + "5-byte comment that is missing"),
        ("leading_garbage", b"MZ\x90\x00" * 4 + VALID, S + "does not start with a local file header"),
        ("leading_stub_offsets_adjusted", build(two(), leading=b"#!/bin/sh\nexit 0\n"),
         S + "does not start with a local file header"),
        ("zip64_end_record", build(two(), after_central=_ZIP64_END + _ZIP64_LOCATOR,
                                   end={"count_here": 0xFFFF, "count": 0xFFFF, "cd_size": 0xFFFFFFFF,
                                        "cd_offset": 0xFFFFFFFF}), S + "zip64 is not supported"),
        ("zip64_locator", build(two(), after_central=_ZIP64_END + _ZIP64_LOCATOR), S + "zip64 is not supported"),
        ("zip64_extra_field", build(two(extra=struct.pack("<HHQQ", 1, 16, 6, 6))), S + "uses zip64"),
        ("zip64_size_markers", build(two(csize=0xFFFFFFFF, usize=0xFFFFFFFF)), S + "uses zip64"),
        ("multi_disk", build(two(), end={"disk": 1, "cd_disk": 1}), S + "multi-disk zips are not supported"),
        ("entry_counts_disagree", build(two(), end={"count_here": 1}), S + "entry counts disagree"),
        ("central_directory_gap", build(two(), after_central=gap), S + "central directory does not end where"),
        ("central_directory_wrong_offset", build(two(), end={"cd_offset": len(VALID) - 200}),
         S + "central directory does not end where"),
        # -- caps, from the central directory before any data is read
        ("too_many_entries", build(two(), end={"count_here": 10_001, "count": 10_001}),
         CAP + "10001 entries, more than the cap of 10000"),
        ("too_many_bytes", build([Member(b"a", csize=0xFFFFFFF0, usize=0xFFFFFFF0),
                                  Member(b"b", csize=0x11, usize=0x11)]),
         CAP + "more than the cap of 4294967296 bytes"),
        # -- the central directory itself
        ("central_bad_signature", build(two(sig=b"PK\x01\x03")), S + "central directory entry 1 has a bad signature"),
        ("central_count_too_low", build(two(), end={"count_here": 1, "count": 1}), S + "bytes after its last entry"),
        ("central_count_too_high", build(two(), end={"count_here": 3, "count": 3}),
         S + "entry 2 runs past the end of the central directory"),
        ("central_comment_runs_past", patch(VALID, _LAST_CENTRAL + 32, "<H", 5),
         S + "entry 1 runs past the end of the central directory"),
        ("central_name_runs_past", patch(VALID, _LAST_CENTRAL + 28, "<H", 15),
         S + "entry 1 runs past the end of the central directory"),
        ("two_zips_concatenated", VALID + VALID, S + "central directory does not end where"),
        # -- names
        ("name_dotdot", one(b"../evil.txt"), S + "'.' or '..' path segment"),
        ("name_dotdot_inside", one(b"bag/data/../../evil.txt"), S + "'.' or '..' path segment"),
        ("name_dot", one(b"bag/./a.txt"), S + "'.' or '..' path segment"),
        ("name_absolute", one(b"/etc/cron.d/evil"), S + "absolute path"),
        ("name_backslash", one(b"..\\evil.txt"), S + "backslash"),
        ("name_colon_drive", one(b"C:evil.txt"), S + "colon"),
        ("name_colon_stream", one(b"a.txt:Zone.Identifier"), S + "colon"),
        ("name_empty", one(b""), S + "empty name"),
        ("name_empty_segment", one(b"bag//a.txt"), S + "empty path segment"),
        ("name_directory", one(b"bag/data/", data=b"", external=0o040755 << 16 | 0x10), S + "directories are not"),
        ("name_too_long", one(b"a" * 256), S + "longer than 255 bytes"),
        ("name_too_deep", one(b"a/" * 8 + b"a"), S + "more than 8 path segments"),
        ("name_space", one(b"bag/a b.txt"), S + "character outside [A-Za-z0-9._-]"),
        ("name_nul", one(b"a.txt\x00.png"), S + "character outside [A-Za-z0-9._-]"),
        ("name_utf8", one("café.txt".encode()), S + "character outside [A-Za-z0-9._-]"),
        ("name_newline", one(b"a\n.txt"), S + "character outside [A-Za-z0-9._-]"),
        ("duplicate_name", build([Member(b"a.txt", b"one"), Member(b"a.txt", b"two")]), S + "duplicate name"),
        ("case_clash", build([Member(b"A.txt", b"one"), Member(b"a.txt", b"two")]), S + "differs only in case"),
        ("case_clash_lower_first", build([Member(b"a.txt", b"one"), Member(b"A.txt")]), S + "differs only in case"),
        ("case_clash_in_folder", build([Member(b"Bag/a.txt"), Member(b"bag/a.txt")]), S + "differs only in case"),
        ("file_and_directory", build([Member(b"bag"), Member(b"bag/a.txt")]), S + "both a file and a directory"),
        ("directory_and_file", build([Member(b"bag/a.txt"), Member(b"BAG")]), S + "both a file and a directory"),
        ("upper_directory_and_file", build([Member(b"BAG/a.txt"), Member(b"bag")]), S + "both a file and a directory"),
        ("upper_file_and_directory", build([Member(b"BAG"), Member(b"bag/a.txt")]), S + "both a file and a directory"),
        # -- entry types and encodings
        ("symlink", build(two(data=b"/etc/passwd", external=0o120777 << 16)), S + "is a symbolic link"),
        ("directory_unix_mode", one(b"bag", data=b"", external=0o040755 << 16), S + "is a directory (unix mode)"),
        ("directory_dos_attribute", one(b"bag", data=b"", external=REGULAR | 0x10), S + "MS-DOS directory attribute"),
        ("fifo", one(b"fifo", data=b"", external=0o010644 << 16), S + "is not a regular file"),
        ("device", one(b"sda", data=b"", external=0o060600 << 16), S + "is not a regular file"),
        ("no_unix_mode", one(b"a.txt", external=0), S + "is not a regular file (unix mode 0o000000)"),
        ("executable", one(b"run.sh", external=0o100755 << 16), S + "has external attributes 0x81ed0000"),
        ("setuid", one(b"run", external=0o104644 << 16), S + "has external attributes"),
        ("deflated", one(b"a.txt", data=_DEFLATED, method=8, usize=24, crc=zlib.crc32(b"hello hello hello hello\n"),
                         local={"usize": 24}), S + "is compressed (method 8)"),
        ("bzip2_method", one(b"a.txt", method=12), S + "is compressed (method 12)"),
        ("encrypted", one(b"a.txt", flags=0x1), S + "is encrypted"),
        ("data_descriptor", one(b"a.txt", flags=0x8), S + "uses a data descriptor"),
        ("utf8_flag", one(b"a.txt", flags=0x800), S + "unsupported flag bits 0x0800"),
        ("size_mismatch", one(b"a.txt", csize=5), S + "compressed size 5 differs from uncompressed size 6"),
        ("made_by_msdos", one(b"a.txt", made_by=20), S + "version made by is 0x0014"),
        ("made_by_version", one(b"a.txt", made_by=3 << 8 | 63), S + "version made by is 0x033f"),
        ("version_needed", one(b"a.txt", needed=10), S + "version needed to extract is 10"),
        ("timestamp", one(b"a.txt", date=(2026 - 1980) << 9 | 11 << 5 | 25, time=10 << 11),
         S + "timestamp is not 1980-01-01"),
        ("extra_field", one(b"a.txt", extra=b"UT\x05\x00\x01\x00\x00\x00\x00"), S + "has an extra field"),
        ("file_comment", one(b"a.txt", comment=b"hi"), S + "has a file comment"),
        ("disk_start", one(b"a.txt", disk=1), S + "starts on another disk"),
        ("internal_attributes", one(b"a.txt", internal=1), S + "internal attributes 0x0001"),
        # -- local headers against the central directory
        ("local_bad_signature", build(two(local={"sig": b"PK\x03\x05"})), S + "bad local header signature"),
        ("local_version_needed", build(two(local={"needed": 45})), S + "local header version needed 45"),
        ("local_data_descriptor", build(two(local={"flags": 8, "crc": 0, "csize": 0, "usize": 0})),
         S + "local header flags 8 differs"),
        ("local_method", build(two(local={"method": 8})), S + "local header method 8"),
        ("local_time", build(two(local={"time": 1})), S + "local header time 1"),
        ("local_date", build(two(local={"date": 0x5A21})), S + "local header date 23073"),
        ("local_crc", build(two(local={"crc": 0})), S + "local header CRC-32 0"),
        ("local_compressed_size", build(two(local={"csize": 5})), S + "local header compressed size 5"),
        ("local_uncompressed_size", build(two(local={"usize": 7})), S + "local header uncompressed size 7"),
        ("local_name_length", build(two(local={"name": b"bag/data/ab.txt"})), S + "local header name length 15"),
        ("local_name", build(two(local={"name": b"bag/data/b.txt"})), S + "local header name differs"),
        ("local_name_traversal", build(two(local={"name": b"../../../a.txt"})), S + "local header name differs"),
        ("local_extra_field", build(two(local={"extra": b"UT\x05\x00\x01\x00\x00\x00\x00"})),
         S + "local header extra field length 9"),
        ("crc_mismatch", build(two(crc=0x12345678, local={"crc": 0x12345678})), S + "fails its CRC-32 check"),
        # -- layout
        ("out_of_order", build(two(), order=[1, 0]), S + "out of order"),
        ("overlap_same_header", build([Member(b"a.txt"), Member(b"b.txt", offset=0)]), S + "overlaps the previous"),
        ("overlap_inside_data", build([Member(b"a.txt", b"x" * 64), Member(b"b.txt", offset=40)]),
         S + "overlaps the previous"),
        ("gap_between_entries", build(two(before=gap)), S + "has 7 unexpected bytes before its local header"),
        ("gap_before_central", build(two(), before_central=gap), S + "7 unexpected bytes between the last entry"),
        ("local_header_missing", build(two(cut_local=10)), S + "local header of 'bag/data/a.txt' runs into"),
        ("data_runs_into_central", build(two(cut_local=47)), S + "data of 'bag/data/a.txt' runs into"),
    ]
    # fmt: on


def main(argv: list[str]) -> int:
    """Write every scenario to the directory named by ``argv[0]``."""
    if len(argv) != 1:
        print("usage: make_zip_corpus.py OUTDIR", file=sys.stderr)
        return 2
    outdir = Path(argv[0])
    outdir.mkdir(parents=True, exist_ok=True)
    for name, data, expect in scenarios():
        (outdir / f"{name}.zip").write_bytes(data)
        (outdir / f"{name}.expect").write_text(f"expect: {expect}\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
