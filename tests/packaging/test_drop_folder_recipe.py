"""The guide's drop-folder recipe (``packaging/drop-folder/setup-linux.sh``), for real: throw-away groups and
users, the recipe run as root, then each person's access tried as that person with ``runuser``.

Staff may create files but not list the folder, nor read, delete, overwrite or replace anyone else's file;
reviewers may list and read everything; the folder's owner (whom the reviewers' Samba share acts as) may replace
and delete; nobody else may do anything. Root only (CI runs as root); skipped elsewhere with the reason.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "drop-folder" / "setup-linux.sh"

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="creates users and groups: root only"),
    pytest.mark.skipif(
        any(shutil.which(t) is None for t in ("setfacl", "useradd", "groupadd", "runuser")),
        reason="needs setfacl (acl), useradd and groupadd (passwd) and runuser (util-linux)",
    ),
]


@dataclass(frozen=True)
class People:
    staff_group: str
    reviewer_group: str
    owner: str
    staff1: str
    staff2: str
    reviewer: str
    outsider: str


@pytest.fixture
def people() -> Iterator[People]:
    tag = secrets.token_hex(3)
    p = People(f"ect{tag}s", f"ect{tag}r", f"ect{tag}o", f"ect{tag}a", f"ect{tag}b", f"ect{tag}v", f"ect{tag}x")
    users = [p.staff1, p.staff2, p.reviewer, p.outsider, p.owner]
    groups = [p.staff_group, p.reviewer_group]
    try:
        for group in groups:
            subprocess.run(["groupadd", group], check=True)
        for user, group in ((p.staff1, p.staff_group), (p.staff2, p.staff_group), (p.reviewer, p.reviewer_group)):
            subprocess.run(["useradd", "-M", "-N", "-G", group, "-s", "/bin/sh", user], check=True)
        subprocess.run(["useradd", "-M", "-N", "-s", "/bin/sh", p.outsider], check=True)
        yield p
    finally:
        for user in users:
            subprocess.run(["userdel", user], check=False, capture_output=True)
        for group in groups:
            subprocess.run(["groupdel", group], check=False, capture_output=True)


def _as(user: str, script: str) -> bool:
    """Run ``script`` with sh as ``user``; True when it succeeded."""
    return subprocess.run(["runuser", "-u", user, "--", "sh", "-c", script], capture_output=True).returncode == 0


def test_staff_drop_reviewers_read_nobody_else(people: People) -> None:
    base = Path(tempfile.mkdtemp(prefix="ec-drop-"))
    try:
        base.chmod(0o755)
        drop = base / "drop"
        subprocess.run(
            [str(SCRIPT), str(drop), people.staff_group, people.reviewer_group, people.owner],
            check=True,
            capture_output=True,
        )
        info = drop.stat()
        assert stat.S_IMODE(info.st_mode) == 0o3770 and info.st_mode & stat.S_ISGID and info.st_mode & stat.S_ISVTX
        a, b = drop / "EC-1.zip.age", drop / "EC-2.zip.age"

        # staff create; a program asking for 0644 (as the app does) still gets 0640, group reviewers
        assert _as(people.staff1, f"umask 022; echo one > {a}")
        assert stat.S_IMODE(a.stat().st_mode) == 0o640
        assert subprocess.run(["stat", "-c", "%G", str(a)], capture_output=True, text=True).stdout.strip() == (
            people.reviewer_group
        )
        assert _as(people.staff1, f"cat {a}")  # one's own file
        # another member of staff: no listing, no reading, no deleting, no overwriting, no replacing
        assert not _as(people.staff2, f"ls {drop}")
        assert not _as(people.staff2, f"cat {a}")
        assert not _as(people.staff2, f"rm -f {a}")
        assert not _as(people.staff2, f"echo evil > {a}")
        assert _as(people.staff2, f"echo two > {b}")
        assert not _as(people.staff2, f"mv {b} {a}")
        assert a.read_text() == "one\n"
        # reviewers list and read everything; the owner (the reviewers' share) replaces and deletes
        assert _as(people.reviewer, f"ls {drop} | grep -q EC-2 && cat {a} {b}")
        assert _as(people.owner, f"echo revised > {drop}/.tmp && mv {drop}/.tmp {a} && rm {b}")
        assert a.read_text() == "revised\n" and not b.exists()
        assert not _as(people.staff1, f"cat {a}")  # a reviewer's revision is not the author's to read
        # anybody else: nothing
        assert not _as(people.outsider, f"ls {drop}")
        assert not _as(people.outsider, f"cat {a}")
        assert not _as(people.outsider, f"echo x > {drop}/EC-3.zip.age")
    finally:
        shutil.rmtree(base)
