"""A sealed bundle checked with stock tools only, by running the commands its VERIFY.txt gives."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from bundles import bag_of, dsl, head, make_sealed, staff
from helpers import school_root
from ptyhelp import run_with_tty_input

from evidence import bundle
from evidence.crypto.keys import write_identity_file

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        not all(shutil.which(t) for t in ("age", "unzip", "sha256sum", "ssh-keygen")),
        reason="needs age, unzip, sha256sum and ssh-keygen",
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


def test_verify_txt_commands_pass_with_stock_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sealed = make_sealed(tmp_path / "work", items=2)
    officer = tmp_path / "officer"
    officer.mkdir()
    # VERIFY.txt names the bundle REF.zip.age (its text is part of the signed bag, frozen since the first release);
    # the drop folder names revision N REF.rN.zip.age (issue 15): the officer copies it under the name VERIFY.txt uses
    shutil.copy(sealed.result.path, officer / f"{sealed.ref}{bundle.BUNDLE_SUFFIX}")
    shutil.copy(sealed.result.signature_path, officer / f"{sealed.ref}{bundle.ORIGIN_SUFFIX}")
    identity_file = officer / "dsl.identity.age"
    write_identity_file(dsl(), identity_file, PASSPHRASE)
    text = bag_of(sealed.zip_bytes)[bundle.VERIFY_TXT].decode()
    commands = verify_commands(text)
    assert commands[0].startswith("age -d -i YOUR.identity.age")
    assert commands[1].startswith("unzip ")
    monkeypatch.chdir(officer)
    # 1. age prompts on the terminal for the identity file's passphrase
    code, transcript = run_with_tty_input(
        commands[0].replace("YOUR.identity.age", identity_file.name).split(), [PASSPHRASE], timeout=60
    )
    assert code == 0, transcript
    subprocess.run(["unzip", "-q", f"{sealed.ref}.zip"], check=True)
    bag_dir = officer / sealed.ref
    ran = 0
    for command in commands[2:]:
        done = subprocess.run(["bash", "-c", command], cwd=bag_dir, capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        assert not command.startswith("sha256sum -c")  # always --strict: a malformed line is never skipped
        if command.startswith("sha256sum --strict -c"):
            assert "FAILED" not in done.stdout
            assert ": OK" in done.stdout
        if command == "ssh-keygen -lf seal/trust/root.pub":  # the one fingerprint to confirm out of band
            assert done.stdout.split()[1:3] == [school_root().card.fingerprint, "school-root"]
        elif "ssh-keygen -lf" in command:  # whose key each fingerprint is
            assert f"{staff().card.fingerprint} {staff().card.principal} (ED25519)" in done.stdout
        if "-Y verify" in command:
            assert "Good" in done.stdout + done.stderr
        ran += 1
    assert ran >= 6
    # the extracted evidence is byte-identical to what was captured
    assert (bag_dir / "data/items/001.png").read_bytes() == sealed.pngs[0]
    # and the same commands fail once a file is altered
    evidence_file = bag_dir / "data/items/001.png"
    evidence_file.write_bytes(evidence_file.read_bytes()[:-1] + b"\0")
    done = subprocess.run(["sha256sum", "-c", bundle.MANIFEST], cwd=bag_dir, capture_output=True, text=True)
    assert done.returncode != 0
    assert "data/items/001.png: FAILED" in done.stdout


def test_fingerprint_in_bundle_matches_ssh_keygen(tmp_path: Path) -> None:
    sealed = make_sealed(tmp_path, items=1)
    signers = tmp_path / "allowed_signers"
    signers.write_bytes(bag_of(sealed.zip_bytes)[bundle.ALLOWED_SIGNERS])
    out = subprocess.run(
        ["bash", "-c", "cut -d' ' -f3- allowed_signers | ssh-keygen -lf -"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    shown = {tuple(line.split()[1:3]) for line in out.splitlines()}
    assert shown == {(p.card.fingerprint, p.card.principal) for p in (staff(), dsl(), head())}
    # each line without its options is a public key line ssh-keygen reads on its own
    key = tmp_path / "key.pub"
    key.write_text(re.sub(r"^\S+ namespaces=\"[^\"]*\" ", "", signers.read_text().splitlines()[-1]))
    one = subprocess.run(["ssh-keygen", "-l", "-f", str(key)], capture_output=True, text=True, check=True).stdout
    assert staff().card.fingerprint in one
