"""The guide's drop-folder recipe (``packaging/drop-folder/setup-linux.sh``), for real: throw-away groups and
users, the recipe run as root, then each person's access tried as that person with ``runuser``.

Staff may create files but not list the folder, nor read, delete, overwrite or replace anyone else's file;
reviewers may list and read everything; the folder's owner (whom the reviewers' Samba share acts as) may replace
and delete; nobody else may do anything. Root only (CI runs as root); skipped elsewhere with the reason. The app
itself sealing into such a folder is tested with the installed .deb (``test_frozen.py``).
"""

from __future__ import annotations

import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from dropfolder import People, can_make_users, make_drop_folder, run_as, throwaway_people

pytestmark = pytest.mark.skipif(can_make_users() is not None, reason=str(can_make_users()))


@pytest.fixture
def people() -> Iterator[People]:
    with throwaway_people() as p:
        yield p


def _as(user: str, script: str) -> bool:
    return run_as(user, script).returncode == 0


def test_staff_drop_reviewers_read_nobody_else(people: People) -> None:
    base = Path(tempfile.mkdtemp(prefix="ec-drop-"))
    try:
        base.chmod(0o755)
        drop = base / "drop"
        make_drop_folder(drop, people)
        info = drop.stat()
        assert stat.S_IMODE(info.st_mode) == 0o3770
        assert info.st_mode & stat.S_ISGID
        assert info.st_mode & stat.S_ISVTX
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
        assert a.read_text() == "revised\n"
        assert not b.exists()
        assert not _as(people.staff1, f"cat {a}")  # a reviewer's revision is not the author's to read
        # anybody else: nothing
        assert not _as(people.outsider, f"ls {drop}")
        assert not _as(people.outsider, f"cat {a}")
        assert not _as(people.outsider, f"echo x > {drop}/EC-3.zip.age")

        # issue 15: receipts/ — reviewers write signed receipts; staff open one by its name but may not list or write
        receipts = drop / "receipts"
        assert stat.S_IMODE(receipts.stat().st_mode) == 0o3770
        receipt = receipts / "EC-1.r1.0123456789abcdef.receipt"
        assert _as(people.owner, f"umask 077; echo received > {receipt}")  # as the reviewers' share writes it
        assert _as(people.reviewer, f"ls {receipts} | grep -q EC-1 && cat {receipt}")
        assert _as(people.staff1, f"cat {receipt}")
        assert _as(people.staff2, f"cat {receipt}")  # a name is all it takes; it holds no personal data
        assert not _as(people.staff1, f"ls {receipts}")
        assert not _as(people.staff1, f"echo forged > {receipts}/EC-1.r1.fedcba9876543210.receipt")
        assert not _as(people.staff1, f"echo forged > {receipt}")
        assert not _as(people.staff1, f"rm -f {receipt}")
        assert receipt.read_text() == "received\n"
        assert not _as(people.outsider, f"cat {receipt}")
        # a revision is a new file beside the old one, published with a hard link: the owner (the reviewers' share)
        # may, and staff may link their own temp file into place (that is how a seal is published)
        assert _as(people.owner, f"echo r2 > {drop}/.ec-tmp-x && ln {drop}/.ec-tmp-x {drop}/EC-1.r2.zip.age")
        assert not _as(people.owner, f"ln {drop}/.ec-tmp-x {drop}/EC-1.r2.zip.age")  # never over an existing name
        assert _as(people.staff1, f"echo s > {drop}/.ec-tmp-y && ln {drop}/.ec-tmp-y {drop}/EC-4.r1.zip.age")
        assert _as(people.staff1, f"rm {drop}/.ec-tmp-y")
    finally:
        shutil.rmtree(base)
