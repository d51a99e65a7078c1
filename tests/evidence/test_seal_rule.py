"""One rule for the local copy after sealing, in the core: shredded unless the profile keeps it, and logged (issue 9);
since issue 15 only once a reviewer's signed receipt for exactly that bundle is on the share.

The desktop app and the command line's ``seal`` both call :func:`evidence.bundle.seal.seal_and_settle`, and the desktop
app :func:`evidence.bundle.seal.check_deliveries` at start-up and every minute.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from bundles import head, png, school_profile, staff
from helpers import identity, new_capture

from app import cli
from app.paths import Paths
from app.workspace import Workspace
from evidence.bundle import seal as sealing
from evidence.bundle import share
from evidence.case.incident import IncidentDetails, Status
from evidence.core.errors import BundleError, UsageError, VaultError
from evidence.crypto.keys import unlock_identity_file
from evidence.vault.store import DeliveryState, Vault

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


def test_sealing_keeps_the_local_copy_until_a_reviewers_receipt_then_shreds_it(tmp_path: Path) -> None:
    """Issue 15 (changed on purpose from issue 9's "shredded at once"): the copy stays until a receipt arrives."""
    path = tmp_path / "v.sqlite3"
    ref = _draft(path)
    profile, drop = school_profile(), tmp_path / "drop"
    with Vault(path) as vault:
        result = sealing.seal_and_settle(vault, ref, staff(), profile, drop)
        assert result.local_copy is sealing.LocalCopy.AWAITING_RECEIPT
        assert result.path.exists()
        assert vault.incident(ref).status is Status.SEALED
        assert [d.state for d in vault.deliveries()] == [DeliveryState.AWAITING]
        assert sealing.check_deliveries(vault, profile, staff().card) == []  # no receipt yet: nothing changes
        assert vault.item_content(ref, 1, [staff().age_secret]) == png(1)[0]
        assert share.acknowledge(drop, ref, head(), profile) is not None  # the Head's inbox verified it
        [change] = sealing.check_deliveries(vault, profile, staff().card)
        assert (change.state, change.local_copy) == (DeliveryState.RECEIVED, sealing.LocalCopy.SHREDDED)
        assert change.receipt is not None
        assert change.receipt.principal == head().card.principal
        assert vault.incident(ref).status is Status.SHREDDED
        [delivery] = vault.deliveries()
        assert (delivery.state, delivery.received_by) == (DeliveryState.RECEIVED, head().card.name)
        log = vault.custody(ref, [staff().age_secret])
        assert [e.action for e in log[-4:]] == ["sealed", "annotated", "annotated", "disposed"]
        assert log[-2].details["what"] == "received by a reviewer"
        with pytest.raises(VaultError):
            vault.item_content(ref, 1, [staff().age_secret])


@pytest.mark.parametrize("fault", ["deleted", "truncated"])
def test_a_share_that_drops_the_bundle_keeps_the_staff_copy(tmp_path: Path, fault: str) -> None:
    """Issue 15: the write "succeeded", then the share lost it before any receipt: the copy survives, and the staff
    member is told (the delivery is missing); sealing again works once the file is gone."""
    path = tmp_path / "v.sqlite3"
    ref = _draft(path)
    profile, drop = school_profile(), tmp_path / "drop"
    with Vault(path) as vault:
        result = sealing.seal_and_settle(vault, ref, staff(), profile, drop)
        if fault == "deleted":
            result.path.unlink()
        else:
            result.path.write_bytes(result.path.read_bytes()[:100])
        [change] = sealing.check_deliveries(vault, profile, staff().card)
        assert change.state is DeliveryState.MISSING
        assert sealing.check_deliveries(vault, profile, staff().card) == []  # told once
        assert vault.incident(ref).status is Status.SEALED
        assert vault.item_content(ref, 1, [staff().age_secret]) == png(1)[0]
        assert [d.state for d in vault.deliveries()] == [DeliveryState.MISSING]
        if fault == "deleted":
            assert share.acknowledge(drop, ref, head(), profile) is None  # nothing to receive
        else:
            with pytest.raises(BundleError):  # a damaged file is never received
                share.acknowledge(drop, ref, head(), profile)
        if fault == "deleted":
            result.signature_path.unlink()
            again = sealing.seal_and_settle(vault, ref, staff(), profile, drop)
            assert again.local_copy is sealing.LocalCopy.AWAITING_RECEIPT
            assert [d.state for d in vault.deliveries()] == [DeliveryState.AWAITING]
        else:
            with pytest.raises(UsageError, match="sealed already"):  # the damaged file is never replaced: IT moves it
                sealing.seal_and_settle(vault, ref, staff(), profile, drop)
            assert vault.item_content(ref, 1, [staff().age_secret]) == png(1)[0]


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
    assert "local copy: kept until a reviewer's receipt" in err  # issue 15
    assert cli.run(["--data-dir", str(data), "incident", "show", ref]) == 0
    assert "status: sealed" in capsys.readouterr().out
    assert cli.run(["--data-dir", str(data), "receipts"]) == 0
    assert capsys.readouterr().out.strip() == f"{ref}: waiting for a reviewer to open it"
    jane = unlock_identity_file(ident, PASS)  # a standalone profile: Jane is her own reviewer
    assert share.acknowledge(tmp_path / "out", ref, jane, Workspace(Paths(data)).profile()) is not None
    assert cli.run(["--data-dir", str(data), "receipts"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{ref}: received by Jane Smith at ")
    assert "local copy: shredded" in out
    assert cli.run(["--data-dir", str(data), "incident", "show", ref]) == 0
    assert "status: shredded" in capsys.readouterr().out
