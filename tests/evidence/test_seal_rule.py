"""One rule for the local copy after sealing, in the core: shredded unless the profile keeps it, and logged (issue 9).

The desktop app and the command line's ``seal`` both call :func:`evidence.bundle.seal.seal_and_settle`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from bundles import png, school_profile, staff
from helpers import identity, new_capture

from app import cli
from evidence.bundle import seal as sealing
from evidence.case.incident import IncidentDetails, Status
from evidence.core.errors import UsageError, VaultError
from evidence.vault.store import Vault

PASS = "a long test passphrase"


def _draft(path: Path) -> str:
    me = staff()
    recipients = [me.card.recipient, *school_profile().reviewer_recipients]
    with Vault(path) as vault:
        ref = vault.create_incident(IncidentDetails(title="Threats"), actor=me.card.principal, recipients=recipients)
        vault.add_item(ref, new_capture(png(1)[0]), actor=me.card.principal, recipients=recipients)
    return ref


def test_the_rule_follows_the_profile() -> None:
    assert sealing.local_copy_rule(school_profile()) is sealing.LocalCopy.SHREDDED
    keep = dataclasses.replace(school_profile(), keep_local_after_seal=True)
    assert sealing.local_copy_rule(keep) is sealing.LocalCopy.KEPT


def test_sealing_shreds_the_local_copy_unless_the_profile_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    ref = _draft(path)
    with Vault(path) as vault:
        result = sealing.seal_and_settle(vault, ref, staff(), school_profile(), tmp_path / "drop")
        assert result.local_copy is sealing.LocalCopy.SHREDDED
        assert result.path.exists()
        assert vault.incident(ref).status is Status.SHREDDED
        log = vault.custody(ref, [staff().age_secret])
        assert [e.action for e in log[-2:]] == ["sealed", "disposed"]
        with pytest.raises(VaultError):
            vault.item_content(ref, 1, [staff().age_secret])


def test_a_profile_that_keeps_the_local_copy_keeps_it_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    ref = _draft(path)
    keep = dataclasses.replace(school_profile(), keep_local_after_seal=True)
    with Vault(path) as vault:
        result = sealing.seal_and_settle(vault, ref, staff(), keep, tmp_path / "drop")
        assert result.local_copy is sealing.LocalCopy.KEPT
        assert vault.incident(ref).status is Status.SEALED
        last = vault.custody(ref, [staff().age_secret])[-1]
        assert (last.action, dict(last.details)) == (
            "annotated",
            {"what": "local copy kept after sealing, as the school profile asks"},
        )
        assert vault.item_content(ref, 1, [staff().age_secret]) == png(1)[0]


def test_a_failed_seal_shreds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    ref = _draft(path)
    outsider = identity("Out Sider", "out@elsewhere.example")
    with Vault(path) as vault:
        with pytest.raises(UsageError):
            sealing.seal_and_settle(vault, ref, outsider, school_profile(), tmp_path / "drop")
        assert vault.incident(ref).status is Status.DRAFT
        assert vault.item_content(ref, 1, [staff().age_secret]) == png(1)[0]
    assert not (tmp_path / "drop").exists() or list((tmp_path / "drop").iterdir()) == []


def test_settling_an_unsealed_incident_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    ref = _draft(path)
    with Vault(path) as vault, pytest.raises(VaultError):
        sealing.settle_local_copy(vault, ref, staff(), school_profile())


def test_the_command_lines_seal_follows_the_same_rule(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Before issue 9 only the desktop app shredded; ``seal`` on the command line left the local copy behind."""
    passfile = tmp_path / "pass.txt"
    passfile.write_text(PASS + "\n")
    data, ident = tmp_path / "data", tmp_path / "jane.identity.age"
    create = ["identity", "create", "--name", "Jane Smith", "--principal", "j.smith@school.example"]
    assert (
        cli.run(
            [
                "--data-dir",
                str(data),
                *create,
                "--role",
                "staff",
                "--out",
                str(ident),
                "--passphrase-file",
                str(passfile),
            ]
        )
        == 0
    )
    shot = tmp_path / "shot.png"
    shot.write_bytes(png(3)[0])
    assert cli.run(["--data-dir", str(data), "incident", "new", "--title", "Threats"]) == 0
    ref = capsys.readouterr().out.split()[-1]
    how = ["--provided-by", "The pupil", "--how", "shown on their phone"]
    assert cli.run(["--data-dir", str(data), "receive", str(shot), "--incident", ref, *how]) == 0
    capsys.readouterr()
    keys = ["--identity", str(ident), "--passphrase-file", str(passfile)]
    assert cli.run(["--data-dir", str(data), "seal", ref, *keys, "--out", str(tmp_path / "out")]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == str(tmp_path / "out" / f"{ref}.r1.zip.age")
    assert "local copy: shredded" in err
    assert cli.run(["--data-dir", str(data), "incident", "show", ref]) == 0
    assert "status: shredded" in capsys.readouterr().out
