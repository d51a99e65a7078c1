"""The README's command-line walk-through, for real: a real X server, real mss, real SQLite, real age.

identity create → profile create → incident new → capture (full, monitor, region) → incident show → seal →
verify; then the stock age CLI decrypts a vault item with the identity file, and nothing in clear is left in the
data dir or the temp dir.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from PIL import Image
from ptyhelp import run_with_tty_input
from xserver import XServer, have_tk, have_xvfb

from evidence.capture.screen import pixels_sha256

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(not have_xvfb() or not have_tk(), reason="needs Xvfb and tkinter"),
]

PASSPHRASE = "a long test passphrase"
TITLE = "Threats to Pupil Alex Example"
PATTERN_AT = (300, 200)


def pattern() -> Image.Image:
    img = Image.new("RGB", (120, 80))
    img.putdata(
        [((x * 2) % 256, (y * 3) % 256, 200 if (x // 10 + y // 10) % 2 else 40) for y in range(80) for x in range(120)]
    )
    return img


def cli(env: dict[str, str], data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "app.main", "--data-dir", str(data_dir), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check:
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def test_walkthrough(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    scratch_tmp = tmp_path / "tmp"
    scratch_tmp.mkdir()
    data = tmp_path / "data"
    passfile = tmp_path / "pass.txt"
    passfile.write_text(PASSPHRASE + "\n")
    ident = tmp_path / "jane.identity.age"
    with XServer(1024, 768) as x:
        x.show(pattern(), *PATTERN_AT, title="Chat window")
        env = {**x.env(), "PYTHONPATH": str(repo), "TMPDIR": str(scratch_tmp), "EVIDENCE_CAPTURE_TESTING": "1"}
        out = cli(
            env,
            data,
            "identity",
            "create",
            "--name",
            "Jane Smith",
            "--principal",
            "j.smith@school.example",
            "--role",
            "staff",
            "--out",
            str(ident),
            "--passphrase-file",
            str(passfile),
        ).stdout
        assert "fingerprint: SHA256:" in out
        assert (tmp_path / "jane.card").exists()
        made = cli(
            env,
            data,
            "profile",
            "create",
            "--school",
            "Example Academy",
            "--out",
            str(tmp_path / "school.toml"),
            "--passphrase-file",
            str(passfile),
        ).stdout
        assert "standalone, version 1, signed by your own key" in made
        ref = cli(
            env,
            data,
            "incident",
            "new",
            "--title",
            TITLE,
            "--category",
            "threatening",
            "--platform",
            "Instagram",
            "--occurred",
            "2026-11-24T18:30",
        ).stdout.strip()
        digests = {}
        for mode in ("full", "monitor:1", f"region:{PATTERN_AT[0]},{PATTERN_AT[1]},120,80"):
            line = cli(env, data, "capture", "--mode", mode, "--incident", ref).stdout.split()
            assert line[0] == ref
            assert len(line[1]) == 64
            digests[mode] = line[1]
        shown = cli(env, data, "incident", "show", ref, "--identity", str(ident), "--passphrase-file", str(passfile))
        assert TITLE in shown.stdout
        assert "custody chain: intact" in shown.stdout
        assert "consider contacting the police" in shown.stdout
        listed = cli(env, data, "incident", "list").stdout
        assert ref in listed
        assert "(unlock to see)" in listed
        assert TITLE not in listed

    # the region capture holds exactly the pattern's pixels
    db = sqlite3.connect(data / "vault.sqlite3")
    rows = db.execute("SELECT seq, sha256, pixels_sha256, width, height, content FROM items ORDER BY seq").fetchall()
    db.close()
    # monitor 1 of this one-monitor screen shows what the full capture showed: the vault keeps that picture once,
    # and the command prints the digest of the item that holds it (issue 11)
    assert digests["monitor:1"] == digests["full"]
    assert [r[1] for r in rows] == [digests["full"], digests[f"region:{PATTERN_AT[0]},{PATTERN_AT[1]},120,80"]]
    region = rows[1]
    assert (region[3], region[4]) == (120, 80)
    assert region[2] == pixels_sha256(pattern().tobytes(), 120, 80)
    # the stock age CLI decrypts the vault item with the identity file (passphrase typed at its prompt)
    enc = tmp_path / "item3.age"
    enc.write_bytes(region[5])
    plain = tmp_path / "item3.png"
    code, transcript = run_with_tty_input(["age", "-d", "-i", str(ident), "-o", str(plain), str(enc)], [PASSPHRASE])
    assert code == 0, transcript
    assert hashlib.sha256(plain.read_bytes()).hexdigest() == digests[f"region:{PATTERN_AT[0]},{PATTERN_AT[1]},120,80"]
    assert Image.open(io.BytesIO(plain.read_bytes())).convert("RGB").tobytes() == pattern().tobytes()
    plain.unlink()

    # nothing in clear in the data dir or the temp dir: no PNG signature, none of the personal strings
    for folder in (data, scratch_tmp):
        for path in folder.rglob("*"):
            if path.is_file():
                blob = path.read_bytes()
                assert b"\x89PNG\r\n\x1a\n" not in blob, path
                for secret in (TITLE.encode(), b"Chat window"):
                    assert secret not in blob, (path, secret)
                if path.name.startswith("vault.sqlite3"):  # the vault names nobody in clear, not even its owner
                    assert b"j.smith@school.example" not in blob
                    assert b"Jane Smith" not in blob

    # seal and verify (standalone profile: Jane is her own reviewer)
    env = {**os.environ, "PYTHONPATH": str(repo), "EVIDENCE_CAPTURE_TESTING": "1"}
    bundle = Path(
        cli(
            env,
            data,
            "seal",
            ref,
            "--identity",
            str(ident),
            "--passphrase-file",
            str(passfile),
            "--out",
            str(tmp_path / "outbox"),
        ).stdout.strip()
    )
    assert bundle.name == f"{ref}.r1.zip.age"
    assert bundle.exists()
    verified = cli(env, data, "verify", str(bundle), "--identity", str(ident), "--passphrase-file", str(passfile))
    assert verified.stdout.startswith(f"Verified: {ref} sealed by Jane Smith")
    assert "2 items" in verified.stdout  # the full frame once, and the region
    assert "origin: signed by j.smith@school.example" in verified.stdout
    # standalone: Jane's own key is the root her data folder pinned, so the verdict is anchored to it
    jane_fp = next(line for line in out.splitlines() if line.startswith("fingerprint: ")).split()[1]
    assert verified.stdout.splitlines()[-1] == f"Signers anchored to the school root {jane_fp} (profile version 1)"
    assert (data / "trust-root").read_text().strip() == jane_fp
    # a damaged copy fails with exit 1 and one line naming the check: first the missing origin signature (issue 10),
    # then, with --no-origin, the damage itself
    bad = tmp_path / "bad" / bundle.name
    bad.parent.mkdir()
    blob = bytearray(bundle.read_bytes())
    blob[len(blob) // 2] ^= 1
    bad.write_bytes(bytes(blob))
    args = ("verify", str(bad), "--identity", str(ident), "--passphrase-file", str(passfile))
    failed = cli(env, data, *args, check=False)
    assert failed.returncode == 1
    assert failed.stdout == ""
    assert len(failed.stderr.strip().splitlines()) == 1
    assert "missing origin" in failed.stderr
    assert f"{bad.name}.sig" in failed.stderr
    failed = cli(env, data, *args, "--no-origin", check=False)
    assert failed.returncode == 1
    assert failed.stdout == ""
    assert len(failed.stderr.strip().splitlines()) == 1
    assert "decrypt" in failed.stderr
    # a wrong passphrase is one line, exit 2
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase\n")
    failed = cli(
        env, data, "verify", str(bundle), "--identity", str(ident), "--passphrase-file", str(wrong), check=False
    )
    assert failed.returncode == 2
    assert "wrong passphrase" in failed.stderr
    assert "Traceback" not in failed.stderr
    _ = (shutil, tempfile)
