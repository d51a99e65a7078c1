"""Atomic writes: a failure half-way leaves nothing under the final name and no temporary file behind."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import pytest

from evidence.core.errors import EvidenceError
from evidence.core.fsutil import TEMP_PREFIX, atomic_write, leftover_temp_files


class FailAfter:
    """Like KeePassXC's FailDevice: writes N bytes, then fails as a full disk would."""

    def __init__(self, data: bytes, limit: int) -> None:
        self.data, self.limit = data, limit

    def __call__(self, f: BinaryIO) -> None:
        f.write(self.data[: self.limit])
        raise OSError(28, "No space left on device")


def test_atomic_write_replaces_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    atomic_write(target, b"new contents")
    assert target.read_bytes() == b"new contents"
    assert leftover_temp_files(tmp_path) == []


@pytest.mark.parametrize("limit", [0, 1, 4096, 100_000])
def test_failure_half_way_leaves_nothing(tmp_path: Path, limit: int) -> None:
    target = tmp_path / "bundle.zip.age"
    with pytest.raises(EvidenceError, match="No space left"):
        atomic_write(target, FailAfter(b"x" * 200_000, limit))
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_the_previous_version(tmp_path: Path) -> None:
    target = tmp_path / "profile.toml"
    target.write_bytes(b"previous")
    with pytest.raises(EvidenceError):
        atomic_write(target, FailAfter(b"y" * 10, 5))
    assert target.read_bytes() == b"previous"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="cannot write"):
        atomic_write(tmp_path / "gone" / "x", b"data")
