"""Files and text from outside: regular files only, size caps before reading, and text made safe to show."""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from evidence.core.errors import UnsafeFileError
from evidence.core.safefile import open_regular, read_regular
from evidence.core.text import BIDI_CONTROLS, clean_line, clean_text, is_clean_line

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, devices and sockets are POSIX")


def _read_in_thread(path: Path, cap: int) -> tuple[BaseException | bytes | None, float]:
    """Run read_regular in a thread so a hang fails the test instead of stopping the suite."""
    box: list[BaseException | bytes] = []
    start = time.monotonic()

    def run() -> None:
        try:
            box.append(read_regular(path, max_bytes=cap, what="signature"))
        except UnsafeFileError as e:
            box.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(5)
    return (box[0] if box else None), time.monotonic() - start


def test_reads_a_regular_file(tmp_path: Path) -> None:
    p = tmp_path / "a.sig"
    p.write_bytes(b"x" * 100)
    assert read_regular(p, max_bytes=100) == b"x" * 100


def test_a_symlink_to_a_regular_file_is_followed(tmp_path: Path) -> None:
    p = tmp_path / "real"
    p.write_bytes(b"data")
    link = tmp_path / "link"
    link.symlink_to(p)
    assert read_regular(link, max_bytes=10) == b"data"


def test_size_cap_is_checked_before_reading(tmp_path: Path) -> None:
    p = tmp_path / "big.sig"
    with p.open("wb") as f:
        f.truncate(5 * 1024**3)  # a sparse 5 GB file: reading it would take minutes and gigabytes
    with pytest.raises(UnsafeFileError) as e:
        read_regular(p, max_bytes=64 * 1024)
    assert e.value.check == "size cap"


@posix_only
def test_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    p = tmp_path / "REF.zip.age.sig"
    os.mkfifo(p)
    result, took = _read_in_thread(p, 1024)
    assert isinstance(result, UnsafeFileError), result
    assert result.check == "not a regular file"
    assert took < 5


@posix_only
def test_symlink_to_dev_zero_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "REF.zip.age.sig"
    p.symlink_to("/dev/zero")
    result, took = _read_in_thread(p, 1024)
    assert isinstance(result, UnsafeFileError), result
    assert result.check == "not a regular file"
    assert took < 5


def test_directory_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "REF.zip.age.sig"
    p.mkdir()
    with pytest.raises(UnsafeFileError) as e:
        read_regular(p, max_bytes=10)
    assert e.value.check == "not a regular file"


@posix_only
def test_socket_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(p))
        with pytest.raises(UnsafeFileError) as e:
            open_regular(p, max_bytes=10)
    assert e.value.check == "not a regular file"


def test_missing_and_dangling(tmp_path: Path) -> None:
    with pytest.raises(UnsafeFileError) as e:
        read_regular(tmp_path / "nothing", max_bytes=10)
    assert e.value.check == "missing"
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "gone")
    with pytest.raises(UnsafeFileError) as e:
        read_regular(dangling, max_bytes=10)
    assert e.value.check == "missing"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Dee Lead", "Dee Lead"),
        ("Dee\nLead", "Dee Lead"),
        ("Dee\x1b[2J\x1b]0;owned\x07Lead", "Dee [2J ]0;owned Lead"),
        ("a\u202etxt.exe", "atxt.exe"),
        ("\u2066x\u2069", "x"),
        ("tab\there", "tab here"),
        ("c1\x85\x9bnext", "c1 next"),
        ("line\u2028sep", "line sep"),
        ("  many   spaces  ", "many spaces"),
        ("emoji \U0001f469\u200d\U0001f4bb kept", "emoji \U0001f469\u200d\U0001f4bb kept"),
    ],
)
def test_clean_line(raw: str, clean: str) -> None:
    assert clean_line(raw) == clean
    assert is_clean_line(clean)


def test_clean_line_limits_length() -> None:
    assert clean_line("x" * 500, limit=10) == "x" * 9 + "\u2026"
    assert len(clean_line("y" * 10_000)) == 200


def test_clean_text_keeps_line_feeds_only() -> None:
    raw = "first\r\nsecond\rthird\n\x1b[31mred\u202e\ttab"
    assert clean_text(raw) == "first\nsecond\nthird\n [31mred tab"


def test_no_control_or_bidi_survives_any_input() -> None:
    every = "".join(chr(c) for c in range(0x0, 0x3000))
    for out in (clean_line(every, limit=10**6), clean_text(every, limit=10**6)):
        assert not any(ch in BIDI_CONTROLS for ch in out)
        assert all(ch == "\n" or not (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F) for ch in out)
    assert "\n" not in clean_line(every, limit=10**6)
