"""Trusted time checked with stock tools only: every command VERIFY.txt gives, openssl's included, run exactly as
written on a genuine bundle sealed with a real TSA on loopback; then the same commands fail on altered files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from bundles import bag_of, dsl, make_sealed, school_profile
from ptyhelp import run_with_tty_input
from tsa_server import TsaServer

from evidence import bundle
from evidence.crypto.keys import write_identity_file

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        not all(shutil.which(t) for t in ("age", "unzip", "sha256sum", "ssh-keygen", "openssl")),
        reason="needs age, unzip, sha256sum, ssh-keygen and openssl",
    ),
]

PASSPHRASE = "correct horse battery staple"


def verify_commands(text: str) -> list[str]:
    """The indented shell commands of VERIFY.txt, continuation lines joined, comments dropped."""
    commands, current = [], ""
    for line in text.splitlines():
        if not line.startswith("     "):
            continue
        line = line.strip()
        if line.startswith("#"):
            continue
        current += line[:-1] + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            commands.append(current.split("  #")[0].strip())
            current = ""
    return commands


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_openssl_commands_of_verify_txt_work_as_written(
    tmp_path: Path, tsa: TsaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = school_profile(tsas=[tsa.config()])
    sealed = make_sealed(tmp_path / "work", items=2, profile=profile)
    officer = tmp_path / "officer"
    officer.mkdir()
    # VERIFY.txt names the bundle REF.zip.age; the drop folder names revision N REF.rN.zip.age (issue 15): the
    # officer copies it under the name VERIFY.txt uses, as FORMAT.md says
    shutil.copy(sealed.result.path, officer / f"{sealed.ref}{bundle.BUNDLE_SUFFIX}")
    shutil.copy(sealed.result.signature_path, officer / f"{sealed.ref}{bundle.ORIGIN_SUFFIX}")
    identity_file = officer / "dsl.identity.age"
    write_identity_file(dsl(), identity_file, PASSPHRASE)
    commands = verify_commands(bag_of(sealed.zip_bytes)[bundle.VERIFY_TXT].decode())
    monkeypatch.chdir(officer)
    code, transcript = run_with_tty_input(
        commands[0].replace("YOUR.identity.age", identity_file.name).split(), [PASSPHRASE], timeout=60
    )
    assert code == 0, transcript
    subprocess.run(["unzip", "-q", f"{sealed.ref}.zip"], check=True)
    bag_dir = officer / sealed.ref
    tokens = [c for c in commands if c.startswith("openssl ts -verify")]
    assert len(tokens) == 3  # items 1 and 2, and revision 1
    for command in commands[2:]:
        done = _run(command, bag_dir)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        if command.startswith("openssl ts -verify"):
            assert "Verification: OK" in done.stdout
        if command.startswith("openssl x509"):  # the root to compare with the one the TSA publishes
            assert "Evidence Test Root CA" in done.stdout
            assert "Fingerprint=" in done.stdout
    # altered: an item's binding (it names the item's digests), then revision 1's manifest
    for altered, stem in (
        ("data/items/001.tsa.json", "data/items/001.tsa-1"),
        ("seal/revisions/1/manifest-sha256.txt", "seal/revisions/1/tsa-1"),
    ):
        path = bag_dir / altered
        original = path.read_bytes()
        path.write_bytes(original.replace(b"0", b"1", 1))
        [command] = [c for c in tokens if f"-in {stem}.tsr " in c]
        done = _run(command, bag_dir)
        assert done.returncode != 0, command
        assert "Verification: OK" not in done.stdout
        path.write_bytes(original)
        assert _run(command, bag_dir).returncode == 0
    # a token swapped for another item's fails too
    item1, item2 = bag_dir / "data/items/001.tsa-1.tsr", bag_dir / "data/items/002.tsa-1.tsr"
    item1.write_bytes(item2.read_bytes())
    [command] = [c for c in tokens if "-in data/items/001.tsa-1.tsr " in c]
    assert _run(command, bag_dir).returncode != 0


def test_police_export_procedure_checks_trusted_time_with_openssl(qapp, tmp_path: Path, tsa: TsaServer) -> None:  # type: ignore[no-untyped-def]
    """The export's VERIFY.txt has a trusted-time step whose openssl commands pass as written; the report and the
    draft statement give each exhibit's trusted time."""
    from evidence.police import export, report
    from ui.report_pdf import render_report_pdf

    profile = school_profile(tsas=[tsa.config()])
    sealed = make_sealed(tmp_path / "work", items=1, profile=profile)
    verified = bundle.verify_bag(sealed.zip_bytes, profile)
    rep = report.build_report(
        verified, exported_by="Dee Sell <dsl@school.example>", officer_reference="CR/1/26",
        exported_utc="2026-11-26T09:30:00.000Z",
    )  # fmt: skip
    assert rep.exhibits[0].trusted_time.startswith("Time confirmed by TSA Evidence Test TSA: ")
    assert rep.revisions[0].trusted_time.startswith("Time confirmed by TSA Evidence Test TSA: ")
    pdf = render_report_pdf(rep, report.exhibit_images(rep, verified))
    result = export.export_police(
        verified,
        tmp_path / "out",
        report_pdf=pdf,
        exported_by="Dee Sell <dsl@school.example>",
        officer_reference="CR/1/26",
        exported_utc="2026-11-26T09:30:00.000Z",
        signer=dsl(),
    )
    folder = result.folder
    statement = (folder / "statement-draft.txt").read_text()
    assert "An independent time-stamping authority confirmed that this exact file existed at that time: " in statement
    text = (folder / "VERIFY.txt").read_text()
    assert "Trusted time" in text
    commands, current = [], ""
    for line in text.splitlines():
        if not line.startswith("     ") or line.strip().startswith("#"):
            continue
        stripped = line.strip()
        current += stripped[:-1] + " " if stripped.endswith("\\") else stripped
        if not stripped.endswith("\\"):
            commands.append(" ".join(current.split()))
            current = ""
    cwd, ran = folder, 0
    for command in commands:
        if command.startswith("cd "):
            cwd = (cwd / command[3:]).resolve()
            continue
        if command.startswith("openssl"):
            done = _run(command, cwd)
            assert done.returncode == 0, (command, done.stdout, done.stderr)
            if command.startswith("openssl ts -verify"):
                assert "Verification: OK" in done.stdout
                ran += 1
    assert ran == 2  # item 1 and revision 1
