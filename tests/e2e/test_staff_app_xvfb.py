"""The staff app end to end on a real X server: capture full, monitor, delayed, region (real mouse drag on the frozen
overlay) and window (real click); import; fill in; seal; then ``evidence-capture verify`` passes and pixels match."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from xserver import XServer, have_tk, have_xvfb

from evidence import bundle
from evidence.bundle.seal import verify_file
from evidence.crypto.keys import unlock_identity_file

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(
        not have_xvfb() or not have_tk() or not shutil.which("xdotool"), reason="needs Xvfb, Tk, xdotool"
    ),
]

PASS = "a long test passphrase"
AT = (860, 480)
SIZE = (160, 100)


def pattern() -> Image.Image:
    img = Image.new("RGB", SIZE)
    img.putdata(
        [
            ((x * 3) % 256, (y * 5) % 256, 90 if (x // 8 + y // 8) % 2 else 230)
            for y in range(SIZE[1])
            for x in range(SIZE[0])
        ]
    )
    return img


def test_staff_journey(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    received = tmp_path / "from-parent.png"
    Image.new("RGB", (50, 40), (10, 200, 30)).save(received)
    with XServer(1280, 800) as x:
        x.show(pattern(), *AT, title="Chat window")
        env = {**x.env(), "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(repo), "EVIDENCE_CAPTURE_TESTING": "1"}
        done = subprocess.run(
            [
                sys.executable,
                str(Path(__file__).with_name("staff_app_driver.py")),
                str(tmp_path / "data"),
                PASS,
                str(received),
                f"{AT[0]},{AT[1]},{SIZE[0]},{SIZE[1]}",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0, (done.stdout, done.stderr[-3000:])
    assert events, (done.stdout, done.stderr[-3000:])
    assert events[-1]["event"] == "done", (done.stdout, done.stderr[-3000:])
    result = events[-1]
    assert any("Capturing in" in t for t in result["countdown"]), result["countdown"]
    bundle_path = Path(result["bundle"])
    me = unlock_identity_file(Path(result["identity"]), PASS)
    from app.paths import Paths
    from app.workspace import Workspace

    verified = verify_file(bundle_path, me, Workspace(Paths(tmp_path / "data")).profile())
    # five captures of an unchanged screen (full, monitor 1, delayed full, a region's frame, a window's frame):
    # the frame is kept once, as item 1, and the region and the window are crops of it (issue 11)
    kinds = [i.kind for i in verified.items]
    assert kinds == ["captured", "derived", "derived", "received"]
    captured = [e for e in verified.custody if e.action == "captured"]
    assert [e.subject for e in captured] == [f"{result['ref']}/1"] * 5
    assert sum("stored" in e.details for e in captured) == 4
    want = pattern().tobytes()
    # the full capture holds the pattern exactly where it was: our own window was hidden while capturing
    img = Image.open(io.BytesIO(verified.bag[verified.items[0].file])).convert("RGB")
    assert img.crop((AT[0], AT[1], AT[0] + SIZE[0], AT[1] + SIZE[1])).tobytes() == want
    region = verified.items[1]
    assert (region.width, region.height, region.parent_seq) == (SIZE[0], SIZE[1], 1)
    assert Image.open(io.BytesIO(verified.bag[region.file])).convert("RGB").tobytes() == want
    window = verified.items[2]
    assert window.parent_seq == 1
    assert Image.open(io.BytesIO(verified.bag[window.file])).convert("RGB").tobytes() == want
    assert verified.bag[verified.items[3].file] == received.read_bytes()
    # and the stock verify verb agrees
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.main",
            "--data-dir",
            str(tmp_path / "data"),
            "verify",
            str(bundle_path),
            "--identity",
            result["identity"],
            "--passphrase-file",
            "-",
        ],
        input=PASS + "\n",
        env={**os.environ, "PYTHONPATH": str(repo)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.startswith(f"Verified: {result['ref']}"), cli.stderr
    assert bundle.BUNDLE_SUFFIX in str(bundle_path)
