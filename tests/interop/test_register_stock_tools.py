"""The disposal register checked with stock tools only: sha256sum, grep and ssh-keygen, as VERIFY.txt and the
disposal certificate tell an officer or a DPO to (issue 17)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from bundles import dsl, head
from registers import allowed_signers, disposal, outsider, write_entry

from evidence.case import register
from evidence.case.certificate import DisposalCertificate
from evidence.case.register import ENTRY_FILE, Authoriser, RegisterEntry, append, verify_register
from evidence.crypto import sshsig

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        any(shutil.which(t) is None for t in ("ssh-keygen", "sha256sum", "grep", "bash")),
        reason="needs ssh-keygen, sha256sum, grep and bash",
    ),
]


def _steps() -> list[str]:
    """The shell blocks of VERIFY.txt that follow a "Step N." line, in order."""
    blocks: list[list[str]] = []
    in_step = in_block = False
    for line in register.verify_text().splitlines():
        if line.startswith("Step "):
            in_step, in_block = True, False
            blocks.append([])
        elif in_step and line.startswith("    "):
            in_block = True
            blocks[-1].append(line[4:])
        elif in_block:
            in_step = in_block = False
    return ["\n".join(b) + "\n" for b in blocks if b]


def _run(script: str, folder: Path, allowed: Path) -> str:
    done = subprocess.run(
        ["bash", "-c", script.replace("ALLOWED_SIGNERS", str(allowed))],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def allowed(tmp_path: Path) -> Path:
    path = tmp_path / "allowed_signers"
    path.write_text(sshsig.format_allowed_signers(allowed_signers()))
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "register"
    append(folder, disposal(1), dsl(), allowed_signers())
    append(folder, disposal(2), head(), allowed_signers())
    append(folder, disposal(3), dsl(), allowed_signers())
    return folder


def test_verify_txt_has_two_steps() -> None:
    steps = _steps()
    assert len(steps) == 2
    assert "ssh-keygen -Y verify" in steps[0]
    assert "sha256sum" in steps[1]


def test_a_sound_register_passes_the_stock_steps(folder: Path, allowed: Path) -> None:
    step1, step2 = _steps()
    assert _run(step1, folder, allowed) == ""
    out = _run(step2, folder, allowed)
    head_line = out.strip().splitlines()
    assert len(head_line) == 1, out
    report = verify_register(folder, allowed_signers())
    assert report.head is not None
    assert head_line[0] == f"head {report.head.seq:06d} {report.head.sha256}"


def test_sha256sum_of_each_entry_is_the_next_prev(folder: Path) -> None:
    report = verify_register(folder, allowed_signers())
    for before, after in zip(report.entries, report.entries[1:], strict=False):
        out = subprocess.run(
            ["sha256sum", f"{before.entry.name}/{ENTRY_FILE}"], cwd=folder, capture_output=True, text=True, check=True
        ).stdout
        assert out.split()[0] == before.sha256 == after.entry.prev_sha256


def test_certificate_commands_work_as_printed(folder: Path, allowed: Path) -> None:
    report = verify_register(folder, allowed_signers())
    cert = DisposalCertificate.from_entry(report.entries[1], school="Example Academy")
    hash_cmd, sig_cmd = cert.check_commands()
    assert _run(hash_cmd, folder, allowed).split()[0] == cert.entry_sha256
    out = subprocess.run(
        ["bash", "-c", sig_cmd.replace("ALLOWED_SIGNERS", str(allowed))],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert f'Good "{register.NAMESPACE}" signature for head@school.example' in out.stdout + out.stderr
    assert f"   must print: {cert.entry_sha256} and the file name" in cert.to_text()
    assert f'   must print: Good "{register.NAMESPACE}" signature for head@school.example' in cert.to_text()


def _fails(folder: Path, allowed: Path) -> set[str]:
    out = "".join(_run(step, folder, allowed) for step in _steps())
    return {" ".join(line.split()[:3]) for line in out.splitlines() if line.startswith("FAIL")}


def test_stock_steps_catch_tampering(folder: Path, allowed: Path) -> None:
    path = folder / "000002" / ENTRY_FILE
    path.write_bytes(path.read_bytes().replace(b"retention-ended", b"recorded-in-error"))
    assert _fails(folder, allowed) == {"FAIL 000002 signature", "FAIL 000003 chain"}


def test_stock_steps_catch_a_forged_signer(folder: Path, allowed: Path) -> None:
    report = verify_register(folder, allowed_signers())
    mallory = outsider()
    forged = RegisterEntry(
        4, report.entries[-1].sha256, disposal(4), Authoriser(mallory.card.principal, mallory.card.fingerprint)
    )
    write_entry(folder, "000004", forged.to_bytes(), mallory)
    assert _fails(folder, allowed) == {"FAIL 000004 signature"}
    # The same entry claiming to be the DSL's, but signed by Mallory, fails too.
    shutil.rmtree(folder / "000004")
    claim = RegisterEntry(
        4, report.entries[-1].sha256, disposal(4), Authoriser("dsl@school.example", "SHA256:" + "A" * 43)
    )
    write_entry(folder, "000004", claim.to_bytes(), mallory)
    assert _fails(folder, allowed) == {"FAIL 000004 signature"}


def test_stock_steps_catch_deletion(folder: Path, allowed: Path) -> None:
    shutil.rmtree(folder / "000002")
    assert _fails(folder, allowed) == {"FAIL 000003 number", "FAIL 000003 sequence", "FAIL 000003 chain"}


def test_stock_steps_catch_reordering(folder: Path, allowed: Path) -> None:
    (folder / "000002").rename(folder / "swap")
    (folder / "000003").rename(folder / "000002")
    (folder / "swap").rename(folder / "000003")
    assert _fails(folder, allowed) == {
        "FAIL 000002 sequence",
        "FAIL 000002 chain",
        "FAIL 000003 sequence",
        "FAIL 000003 chain",
    }
