"""The committed v1 golden files check with stock tools alone: ``sha256sum -c`` and ``age`` with the identity file."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from ptyhelp import run_with_tty_input

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        not all(shutil.which(t) for t in ("age", "sha256sum")), reason="needs the age CLI and sha256sum"
    ),
]

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "v1"


def test_sha256sum_checks_the_golden_files() -> None:
    done = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=GOLDEN, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_age_opens_the_golden_bundle_with_the_golden_identity_file(tmp_path: Path) -> None:
    expected = json.loads((GOLDEN / "expected.json").read_text(encoding="utf-8"))
    passphrase = (GOLDEN / "reviewer.passphrase").read_text(encoding="utf-8").strip()
    out = tmp_path / "bundle.zip"
    status, terminal = run_with_tty_input(
        [
            "age",
            "-d",
            "-i",
            str(GOLDEN / "reviewer.identity.age"),
            "-o",
            str(out),
            str(GOLDEN / f"{expected['ref']}.zip.age"),
        ],
        [passphrase],
    )
    assert status == 0, terminal
    assert hashlib.sha256(out.read_bytes()).hexdigest() == expected["zip_sha256"]
