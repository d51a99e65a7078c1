"""Every new capture and seal carries a token that openssl verifies: a real X server, real mss, the command line,
and a real TSA on loopback; the openssl commands of the bundle's VERIFY.txt run exactly as written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from tsa_server import TsaServer
from xserver import XServer, have_tk, have_xvfb

from evidence import bundle
from evidence.bundle import safezip
from evidence.crypto.keys import unlock_identity_file

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(not have_xvfb() or not have_tk(), reason="needs Xvfb and tkinter"),
    pytest.mark.skipif(not shutil.which("openssl"), reason="needs openssl"),
]

PASSPHRASE = "a long test passphrase"


def cli(env: dict[str, str], data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "app.main", "--data-dir", str(data_dir), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def test_captures_and_seal_carry_tokens_openssl_verifies(tmp_path: Path, tsa: TsaServer) -> None:
    repo = Path(__file__).resolve().parents[2]
    data, passfile, ident = tmp_path / "data", tmp_path / "pass.txt", tmp_path / "jane.identity.age"
    passfile.write_text(PASSPHRASE + "\n")
    pem = tmp_path / "tsa.pem"
    pem.write_bytes(tsa.pki.anchors_pem + tsa.pki.intermediate_pem)
    with XServer(800, 600) as x:
        x.show(Image.new("RGB", (120, 80), (200, 40, 40)), 100, 100, title="Chat window")
        env = {
            **x.env(),
            "PYTHONPATH": str(repo),
            "EVIDENCE_CAPTURE_TESTING": "1",
            "no_proxy": os.environ.get("no_proxy", "127.0.0.1"),
        }
        cli(env, data, "identity", "create", "--name", "Jane Smith", "--principal", "j.smith@school.example",
            "--role", "staff", "--out", str(ident), "--passphrase-file", str(passfile))  # fmt: skip
        cli(env, data, "profile", "create", "--school", "S", "--out", str(tmp_path / "school.toml"),
            "--passphrase-file", str(passfile), "--tsa", tsa.url, "--tsa-ca", str(pem))  # fmt: skip
        ref = cli(env, data, "incident", "new", "--title", "T").stdout.strip()
        cli(env, data, "capture", "--mode", "full", "--incident", ref)
        cli(env, data, "capture", "--mode", "region:100,100,120,80", "--incident", ref)
    assert tsa.requests == 0  # capturing asked nothing: the items are queued
    assert "2 confirmed, 0 waiting" in cli(env, data, "timestamp", "--pending").stdout
    sealed = cli(env, data, "seal", ref, "--identity", str(ident), "--passphrase-file", str(passfile),
                 "--out", str(tmp_path / "drop"))  # fmt: skip
    assert "revision 1: Time confirmed by TSA Evidence Test TSA: " in sealed.stderr
    verified = cli(env, data, "verify", sealed.stdout.strip(), "--identity", str(ident), "--passphrase-file",
                   str(passfile)).stdout  # fmt: skip
    assert verified.count("Time confirmed by TSA Evidence Test TSA: ") == 3  # two items and revision 1
    # unpack the bag and run every openssl command VERIFY.txt gives, as written
    me = unlock_identity_file(ident, PASSPHRASE)
    zip_bytes = bundle.decrypt_bundle(Path(sealed.stdout.strip()).read_bytes(), [me.age_secret])
    for name, content in safezip.read_zip(zip_bytes).items():
        target = tmp_path / "officer" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    bag_dir = tmp_path / "officer" / ref
    commands = [
        line.strip() for line in (bag_dir / "VERIFY.txt").read_text().splitlines() if line.strip().startswith("openssl")
    ]
    verifies = [c for c in commands if c.startswith("openssl ts -verify")]
    assert len(verifies) == 3
    for command in commands:
        done = subprocess.run(["bash", "-c", command], cwd=bag_dir, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    for command in verifies:
        done = subprocess.run(["bash", "-c", command], cwd=bag_dir, capture_output=True, text=True, timeout=60)
        assert "Verification: OK" in done.stdout
