"""Unit tests for evidence.bundle.safezip: one canonical encoding out, every hostile vector rejected, nothing
written."""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import os
import re
import shutil
import string
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.bundle import safezip
from evidence.core.errors import BundleError

CORPUS_SCRIPT = Path(__file__).resolve().parents[1] / "corpus" / "make_zip_corpus.py"


def _load_corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_zip_corpus", CORPUS_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()

MEMBERS = [
    ("bag/bagit.txt", b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"),
    ("bag/data/items/001.png", bytes(range(256)) * 3),
    ("bag/data/empty.txt", b""),
    ("bag/manifest-sha256.txt", b"0" * 64 + b"  data/items/001.png\n"),
]


def _zip(members: Iterable[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    safezip.write_zip(members, out)
    return out.getvalue()


BASE = _zip(MEMBERS)
SMALL = _zip([("bag/a.txt", b"hi\n"), ("bag/data/empty", b""), ("z", b"\0")])


# -- nothing is written anywhere --------------------------------------------------------------------------------

_WATCHING: list[list[str]] = []
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_WRITE_EVENTS = {
    "os.mkdir",
    "os.rename",
    "os.remove",
    "os.rmdir",
    "os.symlink",
    "os.link",
    "os.truncate",
    "os.chmod",
    "os.chown",
    "os.utime",
    "os.chdir",
    "os.system",
    "subprocess.Popen",
    "shutil.copyfile",
    "shutil.copytree",
    "shutil.move",
    "shutil.rmtree",
    "shutil.unpack_archive",
    "tempfile.mkstemp",
    "tempfile.mkdtemp",
}


def _audit(event: str, args: tuple[object, ...]) -> None:
    if not _WATCHING:
        return
    if event == "open":
        path, mode, flags = args
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS
        ):
            _WATCHING[-1].append(f"open({path!r}, {mode!r}, {flags!r})")
    elif event in _WRITE_EVENTS:
        _WATCHING[-1].append(f"{event}{args!r}")


sys.addaudithook(_audit)  # cannot be removed; it does nothing unless a test is watching


@contextlib.contextmanager
def nothing_written(where: Path) -> Iterator[None]:
    """Fail if the block opens a file for writing, makes, moves or removes a path, or runs a program; and check
    that ``where`` (the test's empty working directory) stays empty and stays the working directory."""
    cwd = Path.cwd()
    events: list[str] = []
    _WATCHING.append(events)
    try:
        yield
    finally:
        _WATCHING.remove(events)
    assert events == []
    assert Path.cwd() == cwd
    assert list(where.iterdir()) == []


def test_the_audit_hook_sees_writes(tmp_path: Path) -> None:
    events: list[str] = []
    _WATCHING.append(events)
    try:
        (tmp_path / "probe").write_bytes(b"x")
        os.close(os.open(tmp_path / "probe", os.O_RDWR))
        (tmp_path / "probe").read_bytes()  # reading is fine
        os.mkdir(tmp_path / "dir")
    finally:
        _WATCHING.remove(events)
    assert len(events) == 3, events


# -- writing ----------------------------------------------------------------------------------------------------


def test_round_trip_keeps_order_and_bytes() -> None:
    assert list(safezip.read_zip(BASE).items()) == MEMBERS


def test_empty_archive_is_just_the_end_record() -> None:
    assert _zip([]) == b"PK\x05\x06" + bytes(18)
    assert safezip.read_zip(_zip([])) == {}


def test_same_input_gives_identical_bytes() -> None:
    assert _zip(MEMBERS) == _zip(list(MEMBERS)) == _zip(iter(MEMBERS)) == BASE


def test_writer_matches_the_independent_corpus_builder() -> None:
    assert corpus.build([corpus.Member(n.encode(), d) for n, d in MEMBERS]) == BASE


def test_writer_matches_stdlib_zipfile_with_a_handcrafted_zipinfo() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name, data in MEMBERS:
            info = zipfile.ZipInfo(name, safezip.ZIP_EPOCH)
            info.create_system, info.create_version, info.extract_version = 3, 20, 20
            info.external_attr = 0o100644 << 16
            zf.writestr(info, data)
    assert out.getvalue() == BASE


def test_stdlib_zipfile_reads_fixed_fields() -> None:
    with zipfile.ZipFile(io.BytesIO(BASE)) as zf:
        assert zf.testzip() is None
        assert zf.comment == b""
        infos = zf.infolist()
        assert [(i.filename, zf.read(i)) for i in infos] == MEMBERS
    for info in infos:
        assert info.flag_bits == 0  # in particular no data descriptor (0x08)
        assert info.compress_type == zipfile.ZIP_STORED
        assert info.compress_size == info.file_size
        assert (info.extra, info.comment) == (b"", b"")
        assert info.date_time == safezip.ZIP_EPOCH
        assert (info.create_system, info.create_version, info.extract_version) == (3, 20, 20)
        assert info.external_attr == 0o100644 << 16
        assert info.internal_attr == 0
        assert not info.is_dir()


@pytest.mark.interop
@pytest.mark.skipif(shutil.which("unzip") is None, reason="unzip is not installed")
def test_unzip_and_zipinfo_agree(tmp_path: Path) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(BASE)
    test = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True, check=False)
    assert test.returncode == 0, test.stdout + test.stderr
    assert "No errors detected" in test.stdout
    info = subprocess.run(["unzip", "-Z", "-v", str(path)], capture_output=True, text=True, check=True).stdout
    fields = re.findall(r"^\s+([^:\n]+):\s+(.+)$", info, re.M)
    n = len(MEMBERS)
    for field, value in [
        ("compression method", "none (stored)"),
        ("extended local header", "no"),
        ("file security status", "not encrypted"),
        ("file system or operating system of origin", "Unix"),
        ("minimum software version required to extract", "2.0"),
        ("file last modified on (DOS date/time)", "1980 Jan 1 00:00:00"),
        ("length of extra field", "0 bytes"),
        ("length of file comment", "0 characters"),
        ("Unix file attributes (100644 octal)", "-rw-r--r--"),
    ]:
        assert fields.count((field, value)) == n, field
    assert "There is no zipfile comment." in info
    assert f"central directory contains {n} entries" in " ".join(info.split())
    for name, data in MEMBERS:
        assert subprocess.run(["unzip", "-p", str(path), name], capture_output=True, check=True).stdout == data


_SEGMENT = st.text(string.ascii_lowercase + string.digits + "._-", min_size=1, max_size=10).filter(
    lambda s: s not in {".", ".."}
)
_NAMES = st.lists(_SEGMENT, min_size=1, max_size=4).map("/".join)


def _clash_free(members: dict[str, bytes]) -> bool:
    return not any(other.startswith(name + "/") for name in members for other in members)


@settings(max_examples=100)
@given(st.dictionaries(_NAMES, st.binary(max_size=300), max_size=8).filter(_clash_free))
def test_any_members_round_trip_deterministically(members: dict[str, bytes]) -> None:
    data = _zip(members.items())
    assert _zip(members.items()) == data
    assert list(safezip.read_zip(data).items()) == list(members.items())


@pytest.mark.parametrize(
    ("members", "fragment"),
    [
        ([("a.txt", b"1"), ("a.txt", b"2")], "duplicate name"),
        ([("A.txt", b"1"), ("a.txt", b"2")], "differs only in case"),
        ([("a.txt", b"1"), ("A.txt", b"2")], "differs only in case"),
        ([("D/a.txt", b"1"), ("d/a.txt", b"2")], "differs only in case"),
        ([("d/a.txt", b"1"), ("D/a.txt", b"2")], "differs only in case"),
        ([("A", b"1"), ("a/b", b"2")], "both a file and a directory"),
        ([("a", b"1"), ("A/b", b"2")], "both a file and a directory"),
        ([("A/b", b"1"), ("a", b"2")], "both a file and a directory"),
        ([("a/b", b"1"), ("A", b"2")], "both a file and a directory"),
        ([("a", b"1"), ("a/b", b"2")], "both a file and a directory"),
        ([("a/b", b"1"), ("a", b"2")], "both a file and a directory"),
        ([("ok.txt", b"1"), ("../evil", b"2")], "'.' or '..' path segment"),
    ],
)
def test_writer_refuses_bad_names_before_writing(members: list[tuple[str, bytes]], fragment: str) -> None:
    out = io.BytesIO()
    with pytest.raises(BundleError, match=re.escape(fragment)) as e:
        safezip.write_zip(members, out)
    assert e.value.check == "zip structure"
    assert out.getvalue() == b""


@pytest.mark.parametrize(
    ("constant", "value", "fragment"),
    [
        ("MAX_ENTRIES", 3, "4 members, more than the cap of 3"),
        ("MAX_TOTAL_BYTES", 100, "bytes, more than the cap of 100"),
        ("_LIMIT32", 1000, "too large for a zip without zip64"),
    ],
)
def test_writer_refuses_what_the_reader_would_not_take(
    monkeypatch: pytest.MonkeyPatch, constant: str, value: int, fragment: str
) -> None:
    monkeypatch.setattr(safezip, constant, value)
    out = io.BytesIO()
    with pytest.raises(BundleError, match=re.escape(fragment)) as e:
        safezip.write_zip(MEMBERS, out)
    assert e.value.check == "size cap"
    assert out.getvalue() == b""


# -- names --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "a",
        "bagit.txt",
        "REF-2026-0001/data/items/001.png",
        "a/" * 7 + "b",
        "x" * 255,
        "...",
        ".hidden",
        "-",
        "a_b-c.d/E",
    ],
)
def test_good_names(name: str) -> None:
    assert safezip.check_member_name(name) == name


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "empty name"),
        ("x" * 256, "longer than 255 bytes"),
        ("a\\b", "backslash"),
        ("C:a", "colon"),
        ("/a", "absolute path"),
        ("a/", "directories are not allowed"),
        ("a/" * 8 + "b", "more than 8 path segments"),
        ("a//b", "empty path segment"),
        ("a/./b", "'.' or '..' path segment"),
        ("..", "'.' or '..' path segment"),
        ("a b", "character outside"),
        ("é", "character outside"),
        ("\udcff", "character outside"),
        ("a\n", "character outside"),
    ],
)
def test_bad_names(name: str, fragment: str) -> None:
    with pytest.raises(BundleError, match=re.escape(fragment)) as e:
        safezip.check_member_name(name)
    assert (e.value.check, e.value.member) == ("zip structure", name)


# -- reading hostile zips -----------------------------------------------------------------------------------------

SCENARIOS = corpus.scenarios()


def test_scenarios_have_unique_names() -> None:
    names = [name for name, _, _ in SCENARIOS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(("name", "data", "expect"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_hostile_zip_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, data: bytes, expect: str
) -> None:
    check, fragment = expect.split(": ", 1)
    monkeypatch.chdir(tmp_path)
    with nothing_written(tmp_path), pytest.raises(BundleError) as e:
        safezip.read_zip(data)
    assert e.value.check == check
    assert fragment in str(e.value)
    assert "\n" not in str(e.value)


def test_member_errors_name_the_member() -> None:
    with pytest.raises(BundleError) as e:
        safezip.read_zip(corpus.build(corpus.two(flags=1)))
    assert e.value.member == "bag/data/a.txt"


def test_caps_can_be_lowered() -> None:
    with pytest.raises(BundleError, match="4 entries, more than the cap of 3") as e:
        safezip.read_zip(BASE, max_entries=3)
    assert e.value.check == "size cap"
    total = sum(len(d) for _, d in MEMBERS)
    with pytest.raises(BundleError, match=f"more than the cap of {total - 1} bytes") as e:
        safezip.read_zip(BASE, max_total=total - 1)
    assert e.value.check == "size cap"
    assert safezip.read_zip(BASE, max_entries=4, max_total=total) == dict(MEMBERS)


def test_corpus_script_writes_one_vector_per_scenario(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(CORPUS_SCRIPT), str(tmp_path / "out")], check=True)
    for name, data, expect in SCENARIOS:
        assert (tmp_path / "out" / f"{name}.zip").read_bytes() == data
        assert (tmp_path / "out" / f"{name}.expect").read_text(encoding="utf-8") == f"expect: {expect}\n"
    assert len(list((tmp_path / "out").iterdir())) == 2 * len(SCENARIOS)


def test_reader_cannot_touch_the_disk() -> None:
    tree = ast.parse(Path(safezip.__file__).read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported == {
        "__future__",
        "hashlib",  # the streaming reader hashes each member once
        "re",
        "struct",
        "zlib",
        "collections.abc",
        "dataclasses",
        "typing",
        "evidence.core.errors",
    }
    assert "extractall" not in Path(safezip.__file__).read_text(encoding="utf-8")


# -- damage -------------------------------------------------------------------------------------------------------


def _accepted(variants: Iterable[tuple[object, bytes]]) -> list[object]:
    """The labels of the variants that read without a BundleError."""
    accepted = []
    for label, blob in variants:
        try:
            safezip.read_zip(blob)
        except BundleError:
            continue
        accepted.append(label)
    return accepted


def test_every_single_byte_change_is_rejected() -> None:
    """Every header field is checked, so no byte of a bundle zip can take another value unnoticed (about 1 s)."""
    variants = (
        ((pos, value), SMALL[:pos] + bytes([value]) + SMALL[pos + 1 :])
        for pos in range(len(SMALL))
        for value in range(256)
        if value != SMALL[pos]
    )
    assert _accepted(variants) == []


def test_every_truncation_and_single_deletion_is_rejected() -> None:
    assert _accepted((("cut", pos), BASE[:pos]) for pos in range(len(BASE))) == []
    assert _accepted((("delete", pos), BASE[:pos] + BASE[pos + 1 :]) for pos in range(len(BASE))) == []


_SIGNATURES = [b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x07", b"\xff\xff\xff\xff"]
_CHUNKS = st.one_of(st.binary(min_size=1, max_size=16), st.sampled_from(_SIGNATURES))


@settings(max_examples=300)
@given(data=st.data())
def test_random_damage_is_rejected_or_canonical(data: st.DataObject) -> None:
    blob = bytearray(BASE)
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        pos = data.draw(st.integers(0, max(0, len(blob) - 1)))
        if op == "flip" and blob:
            blob[pos] ^= data.draw(st.integers(1, 255))
        elif op == "cut":
            del blob[pos : pos + data.draw(st.integers(1, 64))]
        elif op == "insert":
            blob[pos:pos] = data.draw(_CHUNKS)
        else:
            del blob[pos:]
    _assert_rejected_or_canonical(bytes(blob))


@given(st.one_of(st.binary(max_size=400), st.binary(max_size=200).map(lambda b: b + BASE[-22:])))
def test_arbitrary_bytes_are_rejected_or_canonical(blob: bytes) -> None:
    _assert_rejected_or_canonical(blob)


def _assert_rejected_or_canonical(blob: bytes) -> None:
    """Only BundleError may escape, and whatever is accepted must be exactly what write_zip makes of it."""
    try:
        members = safezip.read_zip(blob)
    except BundleError:
        return
    assert _zip(members.items()) == blob
