"""The README's school set-up, run as written: the root, a reviewer and a member of staff, end to end.

``school init`` (the root's fingerprint is the last line), ``identity create`` for the DSL and for Jane, ``profile
create --root --reviewer --staff``, ``profile install --root-fingerprint`` on both workstations, then Jane seals a
received screenshot, the DSL verifies it (anchored to the root) and exports it for the police, and an officer
without a workstation checks the export from the fingerprint alone. The block is taken from README.md between its
markers and run by bash with ``evidence-capture`` standing for this checkout's command line, so the README cannot
drift from what works.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from evidence.crypto.keys import PublicCard

pytestmark = pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")

REPO = Path(__file__).resolve().parents[2]


def readme_block() -> str:
    """The school walk-through of README.md, exactly as written (its 4-space indent removed)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- school-walkthrough:", 1)[1].split("-->", 1)[1]
    block = block.split("<!-- end of the school walkthrough -->", 1)[0]
    lines = block.strip("\n").splitlines()
    assert all(line.startswith("    ") for line in lines if line.strip())
    return "\n".join(line[4:] for line in lines) + "\n"


def test_school_walkthrough_as_written(tmp_path: Path) -> None:
    block = readme_block()
    for verb in ("school init", "profile create", "--root ", "--staff ", "--reviewer ", "profile install"):
        assert verb in block, verb
    Image.new("RGB", (48, 32), (200, 40, 40)).save(tmp_path / "screenshot.png")
    script = (
        "set -euo pipefail\n"
        f'evidence-capture() {{ "{sys.executable}" -m app.main "$@"; }}\n'
        + block
        + 'printf "ROOT_FP=%s\\nREF=%s\\n" "$ROOT_FP" "$REF"\n'
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "EVIDENCE_CAPTURE_TESTING": "1", "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    assert "Traceback" not in done.stderr
    found = dict(re.findall(r"^(ROOT_FP|REF)=(.*)$", done.stdout, re.M))
    root_fp, ref = found["ROOT_FP"], found["REF"]
    root_card = PublicCard.load(tmp_path / "ROOT.card")
    assert root_fp == root_card.fingerprint
    assert root_card.role.value == "root"
    assert root_card.principal == "school-root"
    assert not (tmp_path / "it" / "identity.card").exists()  # the root is never a data folder's own identity
    for person in ("dsl", "jane"):
        assert (tmp_path / person / "trust-root").read_text(encoding="utf-8").strip() == root_fp
    # the DSL's verify: the sealer, then the verdict anchored to the school root
    assert f"Verified: {ref} sealed by Jane Smith <j.smith@school.example>" in done.stdout
    assert f"Signers anchored to the school root {root_fp} (profile version 1)" in done.stdout
    # the officer, with the fingerprint alone
    assert f"Verified police export: {ref}" in done.stdout
    pack = tmp_path / "police" / f"{ref}-police-export"
    assert (pack / "SHA256SUMS.sig").is_file()
    assert root_fp in (pack / "VERIFY.txt").read_text(encoding="utf-8")
    assert root_fp in (pack / "statement-draft.txt").read_text(encoding="utf-8")
    assert not (tmp_path / "officer" / "trust-root").exists()
