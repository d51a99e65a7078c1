"""Resource faults on a real file system: a full disk and a read-only data folder.

These need a small tmpfs, so they mount one where the test runs as root (CI does) and skip elsewhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import identity, new_capture

from evidence.case.incident import IncidentDetails
from evidence.core.errors import VaultError
from evidence.crypto.keys import Role
from evidence.vault.store import Vault


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def recipients() -> list[str]:
    return [identity().card.recipient, identity("Dee Sell", "dsl@school.example", Role.REVIEWER).card.recipient]


def test_disk_full_loses_nothing_already_stored(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", "3m") as folder:
        path = folder / "vault.sqlite3"
        stored = []
        with Vault(path) as vault:
            ref = vault.create_incident(IncidentDetails(), actor="j@s", recipients=recipients())

            def fill() -> None:  # until the disk is full
                for i in range(100):
                    payload = os.urandom(200_000) + bytes([i])
                    vault.add_item(ref, new_capture(payload), actor="j@s", recipients=recipients())
                    stored.append(hashlib.sha256(payload).hexdigest())

            with pytest.raises(VaultError, match="cannot write to the vault"):
                fill()
        assert stored, "the disk filled before anything was stored: the test proves nothing"
        # free space and reopen: every acknowledged item is intact, the chain is whole
        (folder / "filler").unlink(missing_ok=True)
        with Vault(path) as vault:
            assert [i.sha256 for i in vault.items(ref)] == stored
            assert len(vault.custody(ref, [identity().age_secret])) == 1 + len(stored)


def test_read_only_data_folder_is_a_clear_error(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", "4m") as folder:
        path = folder / "vault.sqlite3"
        Vault(path).close()
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        with pytest.raises(VaultError, match="vault"):
            Vault(path)
