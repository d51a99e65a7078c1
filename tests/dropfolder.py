"""Throw-away groups and users for the drop-folder recipe (``packaging/drop-folder/setup-linux.sh``), as root.

:func:`throwaway_people` creates two members of staff, a reviewer, an outsider and the groups, with names no
real account has, and removes them all afterwards (with the owner account the recipe creates).
:func:`run_as` runs a shell command as one of them.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "packaging" / "drop-folder" / "setup-linux.sh"


def can_make_users() -> str | None:
    """None if this process can create users and run the recipe, else the reason it cannot."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "creates users and groups: root only (CI runs as root)"
    if any(shutil.which(t) is None for t in ("setfacl", "useradd", "groupadd", "runuser")):
        return "needs setfacl (acl), useradd and groupadd (passwd) and runuser (util-linux)"
    return None


@dataclass(frozen=True)
class People:
    """The accounts of one test.

    Attributes:
        staff_group: the staff's group.
        reviewer_group: the reviewers' group.
        owner: the drop folder's owner (the reviewers' Samba share acts as it).
        staff1: a member of staff.
        staff2: another member of staff.
        reviewer: a reviewer.
        outsider: in neither group.
    """

    staff_group: str
    reviewer_group: str
    owner: str
    staff1: str
    staff2: str
    reviewer: str
    outsider: str


@contextmanager
def throwaway_people() -> Iterator[People]:
    """Create the accounts; remove them (and the recipe's owner account) on the way out."""
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


def make_drop_folder(folder: Path, people: People) -> str:
    """Run the recipe on ``folder`` (whose parent must be traversable by everyone); return the Samba shares it
    printed."""
    return subprocess.run(
        [str(SCRIPT), str(folder), people.staff_group, people.reviewer_group, people.owner],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def run_as(user: str, script: str, *, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``script`` with sh as ``user``."""
    return subprocess.run(
        ["runuser", "-u", user, "--", "sh", "-c", script], capture_output=True, text=True, cwd=cwd, check=False
    )
