"""The local vault: write-only capture, listing without unlock, custody, blocking, and concurrent writers."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import capture_context, identity, new_capture

from evidence.case.custody import Action
from evidence.case.incident import Category, IncidentDetails, Status
from evidence.core.errors import CustodyError, DecryptionError, DigestMismatchError, VaultError
from evidence.crypto import ageio
from evidence.crypto.keys import Role
from evidence.vault.store import Vault

PERSONAL = "Pupil Alex Example"


def keys() -> tuple[list[str], list[str]]:
    me = identity()
    dsl = identity("Dee Sell", "dsl@school.example", Role.REVIEWER)
    return [me.card.recipient, dsl.card.recipient], [me.age_secret]


def add_png(vault: Vault, ref: str, payload: bytes, recipients: list[str]) -> int:
    item = new_capture(payload, window_title=PERSONAL, width=1, height=1)
    row = vault.add_item(ref, item, actor="j.smith@school.example", recipients=recipients)
    return row.seq


def test_capture_needs_no_secret_and_lists_without_unlock(tmp_path: Path) -> None:
    recipients, secrets_ = keys()
    with Vault(tmp_path / "v.sqlite3") as vault:
        ref = vault.create_incident(IncidentDetails(title=PERSONAL), actor="j@s", recipients=recipients)
        seq = add_png(vault, ref, b"\x89PNG fake image bytes", recipients)
        rows = vault.list_incidents()
        assert [(r.ref, r.status, r.item_count) for r in rows] == [(ref, Status.DRAFT, 1)]
        item = vault.item(ref, seq)
        assert item.sha256 == hashlib.sha256(b"\x89PNG fake image bytes").hexdigest()
        assert vault.item_content(ref, seq, secrets_) == b"\x89PNG fake image bytes"
        assert vault.item_context(ref, seq, secrets_) == capture_context(window_title=PERSONAL, width=1, height=1)
        assert vault.details(ref, secrets_).title == PERSONAL
        # the reviewer can read it too
        dsl = identity("Dee Sell", "dsl@school.example", Role.REVIEWER)
        assert vault.item_content(ref, seq, [dsl.age_secret]) == b"\x89PNG fake image bytes"
        entries = vault.custody(ref, secrets_)
        assert [e.action for e in entries] == ["created", "captured"]
        assert entries[1].details["sha256"] == item.sha256


def test_nothing_personal_or_image_like_in_clear(tmp_path: Path) -> None:
    recipients, _ = keys()
    with Vault(tmp_path / "v.sqlite3") as vault:
        ref = vault.create_incident(
            IncidentDetails(title=PERSONAL, description=PERSONAL), actor="j@s", recipients=recipients
        )
        add_png(vault, ref, b"\x89PNG\r\n\x1a\n" + b"pixels" * 100, recipients)
    for path in tmp_path.iterdir():
        data = path.read_bytes()
        assert PERSONAL.encode() not in data, path
        assert b"\x89PNG\r\n\x1a\n" not in data, path
        assert b"j.smith@school.example" not in data, path


def test_wrong_identity_cannot_read(tmp_path: Path) -> None:
    recipients, _ = keys()
    outsider = identity("Out Sider", "out@elsewhere.example")
    with Vault(tmp_path / "v.sqlite3") as vault:
        ref = vault.create_incident(IncidentDetails(), actor="j@s", recipients=recipients)
        with pytest.raises(DecryptionError):
            vault.details(ref, [outsider.age_secret])


def test_safeguarding_block_refuses_capture(tmp_path: Path) -> None:
    recipients, secrets_ = keys()
    with Vault(tmp_path / "v.sqlite3") as vault:
        ref = vault.create_incident(
            IncidentDetails(categories=(Category.NUDE_IMAGE_OF_CHILD,)),
            actor="j@s",
            recipients=recipients,
        )
        assert vault.incident(ref).status is Status.BLOCKED
        with pytest.raises(VaultError, match="capture refused"):
            add_png(vault, ref, b"anything", recipients)
        assert vault.items(ref) == []
        assert [e.action for e in vault.custody(ref, secrets_)] == ["created", "safeguarding-block"]


def test_block_added_later_stops_further_capture(tmp_path: Path) -> None:
    recipients, secrets_ = keys()
    with Vault(tmp_path / "v.sqlite3") as vault:
        ref = vault.create_incident(IncidentDetails(), actor="j@s", recipients=recipients)
        details = IncidentDetails(categories=(Category.NUDE_IMAGE_OF_CHILD,))
        vault.update_details(ref, details, actor="j@s", recipients=recipients)
        with pytest.raises(VaultError, match="capture refused"):
            add_png(vault, ref, b"anything", recipients)
        assert vault.custody(ref, secrets_)[-1].action == Action.SAFEGUARDING_BLOCK.value


def test_unknown_incident(tmp_path: Path) -> None:
    recipients, _ = keys()
    with Vault(tmp_path / "v.sqlite3") as vault, pytest.raises(VaultError, match="no incident"):
        add_png(vault, "EC-20261125-000000", b"x", recipients)


def test_tampered_custody_row_is_detected(tmp_path: Path) -> None:
    recipients, secrets_ = keys()
    path = tmp_path / "v.sqlite3"
    with Vault(path) as vault:
        ref = vault.create_incident(IncidentDetails(), actor="j@s", recipients=recipients)
        add_png(vault, ref, b"one", recipients)
        add_png(vault, ref, b"two", recipients)
    db = sqlite3.connect(path)
    db.execute("DELETE FROM custody WHERE seq = 2")
    db.commit()
    db.close()
    with Vault(path) as vault, pytest.raises(CustodyError, match="entry 2 has seq 3"):
        vault.custody(ref, secrets_)


def test_swapped_content_blob_is_refused(tmp_path: Path) -> None:
    """Anyone can encrypt to the public recipients, so a replaced blob decrypts fine: the digest must catch it."""
    recipients, secrets_ = keys()
    path = tmp_path / "v.sqlite3"
    with Vault(path) as vault:
        ref = vault.create_incident(IncidentDetails(), actor="j@s", recipients=recipients)
        one = add_png(vault, ref, b"the real capture", recipients)
        two = add_png(vault, ref, b"another real capture", recipients)
    db = sqlite3.connect(path)
    db.execute("UPDATE items SET content = ? WHERE seq = ?", (ageio.encrypt(b"forged", recipients), one))
    db.execute("UPDATE items SET content = (SELECT content FROM items WHERE seq = ?) WHERE seq = ?", (one, two))
    db.commit()
    db.close()
    with Vault(path) as vault:
        for seq in (one, two):
            with pytest.raises(DigestMismatchError) as e:
                vault.item_content(ref, seq, secrets_)
            assert e.value.subject == f"{ref}/{seq}"


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("time_utc", "2026-01-01T00:00:00.000Z"),
        ("action", "opened"),
        ("prev_hash", "0" * 64),
        ("hash", "f" * 64),
    ],
)
def test_custody_index_row_must_match_its_entry(tmp_path: Path, column: str, value: str) -> None:
    """The plain columns give the chain tip without a key, so a changed column must not pass unseen."""
    recipients, secrets_ = keys()
    path = tmp_path / "v.sqlite3"
    with Vault(path) as vault:
        ref = vault.create_incident(IncidentDetails(), actor="j@s", recipients=recipients)
        add_png(vault, ref, b"one", recipients)
        add_png(vault, ref, b"two", recipients)
        assert len(vault.custody(ref, secrets_)) == 3
    db = sqlite3.connect(path)
    db.execute(f"UPDATE custody SET {column} = ? WHERE seq = 2", (value,))  # noqa: S608 (a fixed column name)
    db.commit()
    db.close()
    with Vault(path) as vault, pytest.raises(CustodyError):
        vault.custody(ref, secrets_)


def test_damaged_vault_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(VaultError, match="cannot open the vault"):
        Vault(path)


WRITER = r"""
import os, sys
sys.path.insert(0, sys.argv[1])
from helpers import identity, new_capture
from evidence.crypto.keys import Role
from evidence.vault.store import Vault
from evidence.case.incident import IncidentDetails
path, ref, tag, count = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
me = identity(); dsl = identity("Dee Sell", "dsl@school.example", Role.REVIEWER)
recipients = [me.card.recipient, dsl.card.recipient]
with Vault(__import__("pathlib").Path(path)) as vault:
    for i in range(count):
        payload = f"{tag}-{i}".encode() + os.urandom(2000)
        row = vault.add_item(ref, new_capture(payload), actor=tag, recipients=recipients)
        print("ACK", row.seq, row.sha256, flush=True)
"""


def _writer(tmp_path: Path, path: Path, ref: str, tag: str, count: int) -> subprocess.Popen[str]:
    tests_dir = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(tests_dir.parent)}
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tests_dir), str(path), ref, tag, str(count)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_two_processes_on_one_vault(tmp_path: Path) -> None:
    """Two writers at once: no corruption, no lost item, one unforked custody chain."""
    recipients, secrets_ = keys()
    path = tmp_path / "v.sqlite3"
    with Vault(path) as vault:
        ref = vault.create_incident(IncidentDetails(), actor="j@s", recipients=recipients)
    procs = [_writer(tmp_path, path, ref, tag, 15) for tag in ("a", "b")]
    acks = []
    for p in procs:
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0
        acks += [line.split() for line in out.splitlines() if line.startswith("ACK")]
    assert len(acks) == 30
    with Vault(path) as vault:
        items = vault.items(ref)
        assert sorted(i.sha256 for i in items) == sorted(a[2] for a in acks)
        assert len(vault.custody(ref, secrets_)) == 31


@pytest.mark.slow
def test_killed_writers_never_lose_an_acknowledged_item(tmp_path: Path) -> None:
    """SIGKILL a capturing process at random moments: every acknowledged item survives and decrypts."""
    import random
    import signal
    import time

    recipients, secrets_ = keys()
    path = tmp_path / "v.sqlite3"
    with Vault(path) as vault:
        ref = vault.create_incident(IncidentDetails(), actor="j@s", recipients=recipients)
    acked: dict[int, str] = {}
    rng = random.Random(20261125)
    kills = int(os.environ.get("EC_CRASH_KILLS", "12"))
    for round_ in range(kills):
        p = _writer(tmp_path, path, ref, f"r{round_}", 1000)
        assert p.stdout is not None
        deadline = time.monotonic() + rng.uniform(0.6, 2.0)
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            if line.startswith("ACK"):
                _, seq, digest = line.split()
                acked[int(seq)] = digest
        p.send_signal(signal.SIGKILL)
        for line in p.stdout:  # lines already written before the kill are acknowledgements too
            if line.startswith("ACK"):
                _, seq, digest = line.split()
                acked[int(seq)] = digest
        p.wait()
        p.stdout.close()
    assert acked, "the writer never acknowledged anything: the test would prove nothing"
    with Vault(path) as vault:
        stored = {i.seq: i.sha256 for i in vault.items(ref)}
        for seq, digest in acked.items():
            assert stored.get(seq) == digest
            assert hashlib.sha256(vault.item_content(ref, seq, secrets_)).hexdigest() == digest
        entries = vault.custody(ref, secrets_)
        assert len(entries) == 1 + len(stored)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ec-tmp-")]


def test_shred_after_sealing_keeps_only_digests_and_custody(tmp_path: Path) -> None:
    recipients, secrets_ = keys()
    path = tmp_path / "v.sqlite3"
    with Vault(path) as vault:
        ref = vault.create_incident(IncidentDetails(title=PERSONAL), actor="j@s", recipients=recipients)
        add_png(vault, ref, b"\x89PNG secret picture", recipients)
        with pytest.raises(VaultError, match="only a sealed incident"):
            vault.shred(ref, actor="j@s", recipients=recipients, reason="profile")
        vault.set_status(ref, Status.SEALED)
        vault.shred(ref, actor="j@s", recipients=recipients, reason="the school profile keeps no local copy")
        assert vault.incident(ref).status is Status.SHREDDED
        item = vault.items(ref)[0]
        assert item.shredded
        assert item.sha256 == hashlib.sha256(b"\x89PNG secret picture").hexdigest()
        with pytest.raises(VaultError, match="shredded"):
            vault.item_content(ref, 1, secrets_)
        assert vault.details(ref, secrets_).title == ""
        assert vault.custody(ref, secrets_)[-1].action == "disposed"
        with pytest.raises(VaultError):
            add_png(vault, ref, b"more", recipients)


def test_opening_an_up_to_date_vault_writes_nothing(tmp_path: Path) -> None:
    """Issue 16: opening used to be a write transaction (and an fsync) every time, ~12 ms of every start."""
    recipients, _ = keys()
    path = tmp_path / "v.sqlite3"
    with Vault(path) as vault:
        vault.create_incident(IncidentDetails(), actor="j@s", recipients=recipients)
    wal = path.with_name(path.name + "-wal")
    before = (path.read_bytes(), wal.read_bytes() if wal.exists() else b"")
    Vault(path).close()
    assert (path.read_bytes(), wal.read_bytes() if wal.exists() else b"") == before


def test_a_table_missing_at_the_current_version_is_made_on_open(tmp_path: Path) -> None:
    recipients, _ = keys()
    path = tmp_path / "v.sqlite3"
    with Vault(path) as vault:
        ref = vault.create_incident(IncidentDetails(), actor="j@s", recipients=recipients)
    db = sqlite3.connect(path)
    db.execute("DROP TABLE deliveries")
    db.commit()
    db.close()
    with Vault(path) as vault:
        assert vault.deliveries() == []
        assert [row.ref for row in vault.list_incidents()] == [ref]


def test_a_vault_from_a_newer_app_is_refused_without_a_write(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    Vault(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    with pytest.raises(VaultError):
        Vault(path)
