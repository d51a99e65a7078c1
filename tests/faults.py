"""Shared tools of the adversarial suites: the stress switch, small tmpfs mounts, and a watch on file writes.

``EC_STRESS=1`` (``make stress``) turns the bounded runs of ``make test`` into long ones: more kills, more fuzz
examples. Nothing else changes, so a failure seen under stress reproduces with the same test.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

STRESS = os.environ.get("EC_STRESS") == "1"
"""True for the long runs of ``make stress``."""


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """Mount a tmpfs of ``size`` (as ``mount -o size=`` takes it) at ``path``; skip where that needs root.

    The mount is lazily unmounted afterwards, even if the test unmounted or remounted it itself.
    """
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)


def remount_read_only(path: Path) -> None:
    """Make a tmpfs mounted by :func:`tmpfs` read-only."""
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True, capture_output=True)


def vanish(path: Path) -> None:
    """Make a mounted folder disappear as a pulled USB stick or a dropped share does: lazy unmount, then rmdir."""
    subprocess.run(["umount", "-l", str(path)], check=True, capture_output=True)
    path.rmdir()


# -- a watch on writes ---------------------------------------------------------------------------------------------

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
    "tempfile.mkstemp",
    "tempfile.mkdtemp",
    "sqlite3.connect",
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


sys.addaudithook(_audit)  # cannot be removed; it does nothing unless a block is being watched


def listing(folder: Path) -> list[tuple[str, int]]:
    """Every path under ``folder`` with its size (directories as -1), sorted."""
    out = []
    for root, dirs, files in os.walk(folder):
        out += [(os.path.join(root, d), -1) for d in dirs]
        out += [(os.path.join(root, f), os.lstat(os.path.join(root, f)).st_size) for f in files]
    return sorted(out)


@contextlib.contextmanager
def nothing_written(*folders: Path) -> Iterator[None]:
    """Fail if the block opens a file for writing, makes, moves or removes a path, or runs a program (Python's
    audit events see every such call made through Python), or if anything under ``folders`` changes."""
    before = [listing(f) for f in folders]
    cwd = Path.cwd()
    events: list[str] = []
    _WATCHING.append(events)
    try:
        yield
    finally:
        _WATCHING.remove(events)
    assert events == [], f"the reader wrote: {events}"
    assert Path.cwd() == cwd
    assert [listing(f) for f in folders] == before
