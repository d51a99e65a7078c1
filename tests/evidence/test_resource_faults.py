"""Sealing when the world misbehaves: a read-only, vanishing or full drop folder, and a clock set backwards.

Issue "Benchmarks and adversarial suites" (adversarial part). Each fault must give one clear error naming the
file, leave the vault exactly as it was (the incident still a draft, no ``sealed`` custody entry) and leave
nothing half-written, so that sealing again somewhere sane works. The drop folders are real small tmpfs mounts
(root only; the tests skip elsewhere). The command line is checked too, in-process: one line on stderr.
"""

from __future__ import annotations

import io
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from bundles import dsl, school_profile, staff
from faults import remount_read_only, tmpfs, vanish
from helpers import new_capture
from PIL import Image

from app import cli
from evidence import bundle
from evidence.bundle import seal as sealing
from evidence.bundle import share
from evidence.case.custody import Action
from evidence.case.incident import IncidentDetails, Status
from evidence.core.errors import EvidenceError
from evidence.vault.store import Vault

PASS = "a long test passphrase"


def noise_png(seed: int, size: tuple[int, int] = (200, 150)) -> bytes:
    """An incompressible PNG (about 90 KB at the default size)."""
    img = Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def draft(tmp_path: Path, items: int = 2) -> tuple[Path, str]:
    """A vault holding one draft incident with ``items`` noise PNGs, captured by Jane."""
    me, profile = staff(), school_profile()
    recipients = [me.card.recipient, *profile.reviewer_recipients]
    path = tmp_path / "vault.sqlite3"
    with Vault(path) as vault:
        ref = vault.create_incident(IncidentDetails(title="Threats"), actor=me.card.principal, recipients=recipients)
        for i in range(items):
            data = noise_png(i)
            vault.add_item(ref, new_capture(data), actor=me.card.principal, recipients=recipients)
    return path, ref


def vault_rows(path: Path) -> list[list[tuple[Any, ...]]]:
    """Every row of every table, to show that a failed seal changed nothing."""
    db = sqlite3.connect(path)
    try:
        return [
            db.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()  # noqa: S608 (fixed table names)
            for table in ("incidents", "items", "item_notes", "custody")
        ]
    finally:
        db.close()


def seal(path: Path, ref: str, out: Path) -> sealing.SealResult:
    with Vault(path) as vault:
        return sealing.seal_incident(vault, ref, staff(), school_profile(), out)


def failed_seal(path: Path, ref: str, out: Path, *words: str) -> str:
    """Seal, expecting one clear error naming ``words``; check that the vault did not change; return the error."""
    before = vault_rows(path)
    with pytest.raises(EvidenceError) as info:
        seal(path, ref, out)
    message = str(info.value)
    assert "\n" not in message, message
    assert all(w in message for w in words), message
    assert vault_rows(path) == before
    with Vault(path) as vault:
        assert vault.incident(ref).status is Status.DRAFT
        assert Action.SEALED.value not in [e.action for e in vault.custody(ref, [staff().age_secret])]
    return message


def nothing_lost(path: Path, ref: str, out: Path) -> None:
    """The draft seals fine somewhere sane afterwards, with every item, and the bundle verifies."""
    result = seal(path, ref, out)
    verified = bundle.open_bundle(result.path.read_bytes(), [dsl().age_secret], school_profile())
    with Vault(path) as vault:
        assert [i.sha256 for i in verified.items] == [i.sha256 for i in vault.items(ref)]


def test_read_only_drop_folder(tmp_path: Path) -> None:
    path, ref = draft(tmp_path)
    with tmpfs(tmp_path / "ro", "1m") as drop:
        remount_read_only(drop)
        failed_seal(path, ref, drop, str(drop), "cannot write", "Read-only file system")
        assert list(drop.iterdir()) == []
        failed_seal(path, ref, drop / "new", "cannot create the drop folder", "Read-only file system")
    nothing_lost(path, ref, tmp_path / "drop")


@pytest.mark.parametrize("moment", ["between the two writes", "before the bundle's rename"])
def test_drop_folder_that_disappears_mid_seal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    """A pulled USB stick or a dropped share: the tmpfs is lazily unmounted and its mount point removed."""
    path, ref = draft(tmp_path)
    with tmpfs(tmp_path / "usb", "4m") as drop:
        real_link = share.link_no_replace

        def link_then_vanish(tmp: Path, final: Path) -> None:  # issue 15: the bundle is linked first, then its .sig
            if moment == "before the bundle's rename" or final.name.endswith(".sig"):
                vanish(drop)
            real_link(tmp, final)

        monkeypatch.setattr(share, "link_no_replace", link_then_vanish)
        failed_seal(path, ref, drop, f"{ref}.r1{bundle.BUNDLE_SUFFIX}", "cannot write", "No such file or directory")
        monkeypatch.undo()
        assert not drop.exists()
    nothing_lost(path, ref, tmp_path / "drop")


def test_disk_full_during_seal(tmp_path: Path) -> None:
    """The drop folder has room for the signature (hundreds of bytes) but not the bundle (about 180 KB)."""
    path, ref = draft(tmp_path)
    with tmpfs(tmp_path / "full", "64k") as drop:
        failed_seal(path, ref, drop, f"{ref}.r1{bundle.BUNDLE_SUFFIX}", "cannot write", "No space left on device")
        assert sorted(p.name for p in drop.iterdir()) == []  # no partial bundle, no temporary file, no orphan .sig
    nothing_lost(path, ref, tmp_path / "drop")


# -- a clock set backwards -----------------------------------------------------------------------------------------


class Clock:
    """A wall clock the test sets; patched in wherever the vault and the custody log read the time."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, now: str) -> None:
        self.now = now
        for module in ("evidence.case.custody", "evidence.vault.store", "evidence.bundle.seal"):
            monkeypatch.setattr(f"{module}.utc_now", self)

    def __call__(self) -> str:
        return self.now


def clock_draft(tmp_path: Path, clock: Clock) -> tuple[Path, str]:
    """A draft whose second capture happened after the clock was set back an hour."""
    me, profile = staff(), school_profile()
    recipients = [me.card.recipient, *profile.reviewer_recipients]
    path = tmp_path / "vault.sqlite3"
    with Vault(path) as vault:
        ref = vault.create_incident(IncidentDetails(title="Threats"), actor=me.card.principal, recipients=recipients)
        for i, now in enumerate(["2026-11-25T12:05:00.000Z", "2026-11-25T11:05:00.000Z"]):
            clock.now = now
            data = noise_png(i, (20, 20))
            vault.add_item(ref, new_capture(data), actor=me.card.principal, recipients=recipients)
    clock.now = "2026-11-25T11:10:00.000Z"
    return path, ref


def test_clock_set_backwards_is_marked_and_the_chain_verifies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, ref = clock_draft(tmp_path, Clock(monkeypatch, "2026-11-25T12:00:00.000Z"))
    with Vault(path) as vault:
        entries = vault.custody(ref, [staff().age_secret])  # verifies the chain
    assert [(e.action, "clock_anomaly" in e.details) for e in entries] == [
        ("created", False),
        ("captured", False),
        ("captured", True),
    ]
    assert "entry 2 (2026-11-25T12:05:00.000Z)" in entries[2].details["clock_anomaly"]


def test_an_incident_captured_across_a_clock_change_can_be_sealed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, ref = clock_draft(tmp_path, Clock(monkeypatch, "2026-11-25T12:00:00.000Z"))
    nothing_lost(path, ref, tmp_path / "drop")


# -- the same faults through the command line -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A data dir with its own identity (standalone profile): the data dir, the identity and its passphrase file."""
    base = tmp_path_factory.mktemp("cli-faults")
    passfile = base / "pass.txt"
    passfile.write_text(PASS + "\n")
    identity = base / "jane.identity.age"
    code = cli.run(
        [
            *("--data-dir", str(base / "data"), "identity", "create", "--name", "Jane Smith"),
            *("--principal", "j.smith@school.example", "--role", "staff"),
            *("--out", str(identity), "--passphrase-file", str(passfile)),
        ]
    )
    assert code == 0
    return base / "data", identity, passfile


def cli_draft(capsys: pytest.CaptureFixture[str], data: Path, shots: Path) -> str:
    """``incident new`` and ``receive`` two big screenshots; return the reference."""
    assert cli.run(["--data-dir", str(data), "incident", "new", "--title", "Threats"]) == 0
    ref = capsys.readouterr().out.strip()
    files = []
    for i in range(2):
        files.append(shots / f"shot{i}.png")
        files[-1].write_bytes(noise_png(10 + i))
    how = ["--provided-by", "The pupil", "--how", "shown on their phone"]
    assert cli.run(["--data-dir", str(data), "receive", *map(str, files), "--incident", ref, *how]) == 0
    capsys.readouterr()
    return ref


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("fault", ["read-only", "vanishes", "full"])
def test_cli_seal_fault_is_one_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    cli_data: tuple[Path, Path, Path],
    tmp_path: Path,
    fault: str,
) -> None:
    data, identity, passfile = cli_data
    ref = cli_draft(capsys, data, tmp_path)
    with tmpfs(tmp_path / "drop", "64k" if fault == "full" else "4m") as drop:
        if fault == "read-only":
            remount_read_only(drop)
        elif fault == "vanishes":
            real_link = share.link_no_replace

            def link_then_vanish(tmp: Path, final: Path) -> None:
                if final.name.endswith(".sig"):
                    vanish(drop)
                real_link(tmp, final)

            monkeypatch.setattr(share, "link_no_replace", link_then_vanish)
        args = ["--identity", str(identity), "--passphrase-file", str(passfile), "--out", str(drop)]
        code = cli.run(["--data-dir", str(data), "seal", ref, *args])
        out, err = capsys.readouterr()
        monkeypatch.undo()
        expected = {"read-only": "Read-only file system", "vanishes": "No such file", "full": "No space left"}[fault]
        assert code == 1
        assert out == ""
        line = one_line(err)
        assert line.startswith(f"evidence-capture: error: {drop}/"), line
        assert expected in line, line
        assert not drop.exists() or list(drop.iterdir()) == []
    assert cli.run(["--data-dir", str(data), "incident", "show", ref]) == 0
    assert "status: draft" in capsys.readouterr().out


def test_cli_shows_the_clock_anomaly_chain_intact(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    cli_data: tuple[Path, Path, Path],
    tmp_path: Path,
) -> None:
    data, identity, passfile = cli_data
    clock = Clock(monkeypatch, "2026-11-25T12:00:00.000Z")
    ref = cli_draft(capsys, data, tmp_path)  # created 12:00, both items received at 12:00
    clock.now = "2026-11-25T09:00:00.000Z"
    shot = tmp_path / "later.png"
    shot.write_bytes(noise_png(99, (20, 20)))
    how = ["--provided-by", "The pupil", "--how", "e-mailed"]
    assert cli.run(["--data-dir", str(data), "receive", str(shot), "--incident", ref, *how]) == 0
    args = ["--identity", str(identity), "--passphrase-file", str(passfile)]
    assert cli.run(["--data-dir", str(data), "incident", "show", ref, *args]) == 0
    out = capsys.readouterr().out
    assert "custody 4: 2026-11-25T09:00:00.000Z j.smith@school.example received" in out
    assert out.rstrip().endswith("custody chain: intact")
