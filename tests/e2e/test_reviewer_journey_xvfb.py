"""Staff seals, the reviewer opens it from the inbox, records two actions and exports: all on a real X server,
and the police pack then checks with stock tools only."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bundles import ISSUED_AT
from helpers import school_root
from PIL import Image
from ptyhelp import run_with_tty_input
from xserver import XServer, have_tk, have_xvfb

from app.paths import Paths
from app.workspace import Workspace
from evidence.case.profile import Profile
from evidence.crypto.keys import Role

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(
        not have_xvfb() or not have_tk() or not all(shutil.which(t) for t in ("xdotool", "age", "ssh-keygen")),
        reason="needs Xvfb, Tk, xdotool, age and ssh-keygen",
    ),
]
STAFF_PASS = "a long staff passphrase"
DSL_PASS = "a long reviewer passphrase"


def run_driver(x: XServer, script: str, *args: str) -> dict[str, object]:
    repo = Path(__file__).resolve().parents[2]
    env = {**x.env(), "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(repo), "EVIDENCE_CAPTURE_TESTING": "1"}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name(script)), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0, (done.stdout, done.stderr[-3000:])
    assert events, (done.stdout, done.stderr[-3000:])
    assert events[-1]["event"] == "done", (done.stdout, done.stderr[-3000:])
    return events[-1]


def test_staff_to_reviewer_to_police(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    staff_ws = Workspace(Paths(tmp_path / "staff"))
    jane = staff_ws.create_identity(
        "Jane Smith", "j.smith@school.example", Role.STAFF, STAFF_PASS, tmp_path / "jane.identity.age"
    )
    dsl_ws = Workspace(Paths(tmp_path / "dsl"))
    dee = dsl_ws.create_identity(
        "Dee Sell", "dsl@school.example", Role.REVIEWER, DSL_PASS, tmp_path / "dee.identity.age"
    )
    root = school_root("Oakfield Academy")
    profile = Profile(school="Oakfield Academy", reviewers=(dee.card,), staff=(jane.card,), drop_folder=str(drop)).sign(
        root, version=1, issued_utc=ISSUED_AT
    )
    staff_ws.install_signed(profile, root.card.fingerprint, source="the school profile")
    dsl_ws.install_signed(profile, root.card.fingerprint, source="the school profile")
    received = tmp_path / "sent.png"
    Image.new("RGB", (40, 30), (200, 50, 50)).save(received)
    pattern = Image.new("RGB", (160, 100), (30, 120, 220))
    with XServer(1280, 800) as x:
        x.show(pattern, 860, 480, title="Chat")
        staff = run_driver(
            x, "staff_app_driver.py", str(tmp_path / "staff"), STAFF_PASS, str(received), "860,480,160,100"
        )
        assert Path(str(staff["bundle"])).parent == drop
        reviewer = run_driver(x, "reviewer_driver.py", str(tmp_path / "dsl"), DSL_PASS, str(tmp_path / "exports"))
    assert str(reviewer["banner"]).startswith("Verified")
    assert reviewer["revisions"] == 4
    ref = str(staff["ref"])
    folder = tmp_path / "exports" / f"{ref}-police-export"

    # stock tools only, as an officer would
    def ok(*argv: str, cwd: Path) -> str:
        done = subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True)
        assert done.returncode == 0, (argv, done.stdout, done.stderr)
        return done.stdout + done.stderr

    assert "FAILED" not in ok("sha256sum", "-c", "SHA256SUMS", cwd=folder)
    bag = folder / ref
    ok("sha256sum", "-c", "manifest-sha256.txt", cwd=bag)
    for k in (1, 2, 3, 4):
        record = json.loads((bag / "data" / "revisions" / f"{k}.json").read_text())
        manifest = (bag / "seal" / "revisions" / str(k) / "manifest-sha256.txt").read_bytes()
        done = subprocess.run(
            [
                "ssh-keygen",
                "-Y",
                "verify",
                "-f",
                "seal/allowed_signers",
                "-I",
                record["signer"]["principal"],
                "-n",
                "evidence-capture-seal-v1",
                "-s",
                f"seal/revisions/{k}/manifest-sha256.txt.sig",
            ],
            cwd=bag,
            input=manifest,
            capture_output=True,
        )
        assert done.returncode == 0, (k, done.stderr)
        assert b"Good" in done.stdout + done.stderr, (k, done.stderr)
        ok("sha256sum", "-c", f"seal/revisions/{k}/manifest-sha256.txt", cwd=bag)
    pdf = subprocess.run(["pdftotext", "report.pdf", "-"], cwd=folder, capture_output=True, text=True).stdout
    assert "JS/1" in pdf
    assert "CR/123/26" in pdf
    # the encrypted pack opens with the passphrase given by phone
    pack = tmp_path / "exports" / f"{ref}-police-export.zip.age"
    code, transcript = run_with_tty_input(
        ["age", "-d", "-o", str(tmp_path / "pack.zip"), str(pack)], ["a phone passphrase"], timeout=60
    )
    assert code == 0, transcript
    ok("unzip", "-t", str(tmp_path / "pack.zip"), cwd=tmp_path)
