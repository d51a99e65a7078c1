"""Issue 11 end to end: a teacher in a hurry, on a real X server with a window manager (openbox), real input
(xdotool), at 1366x768 and at ``QT_SCALE_FACTOR=2`` on 1920x1080.

- A report in at most 15 actions, from the first capture to a sealed incident; the count and the wall time are
  printed (target: 60 s for a practised user, which the driver is: it waits for conditions, never for time).
- The safeguarding gap: a capture, then the red button: the captured pixels are gone from the views before any
  answer, the items are removed from the workstation with a logged route, and the sealed note lists them by
  digest only, on its own short form.
- Windows fit: every top-level window inside the screen, every command reachable, at both sizes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from wm import have_openbox, openbox
from xserver import XServer, have_tk, have_xvfb

from evidence.bundle.seal import verify_file
from evidence.case.custody import REMOVED_FOR_SAFEGUARDING
from evidence.crypto.keys import unlock_identity_file

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(
        not have_xvfb() or not have_tk() or not shutil.which("xdotool") or not have_openbox(),
        reason="needs Xvfb, Tk, xdotool and openbox",
    ),
]

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("teacher_driver.py")
PASS = "a long test passphrase"
MAX_ACTIONS = 15
CHAT_TITLE = "Instagram — Direct messages"


def chat():  # type: ignore[no-untyped-def]
    """The abuse on screen: a made-up chat (docs/make_screenshots.py draws the same for the guides)."""
    sys.path.insert(0, str(REPO / "docs"))
    try:
        from make_screenshots import chat_image
    finally:
        sys.path.remove(str(REPO / "docs"))
    return chat_image()


def drive(tmp_path: Path, scenario: str, size: tuple[int, int], scale: str = "1") -> list[dict[str, object]]:
    """Run the driver on a fresh X server with openbox and a chat window; its JSON lines."""
    shots = os.environ.get("EC_SHOTS")  # a folder to look at what the user saw (not needed by the test)
    with XServer(*size) as x:
        x.show(chat(), 300, 120, title=CHAT_TITLE)  # before the window manager, so it lands exactly there
        with openbox(x):
            env = {**x.env(), "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(REPO), "EVIDENCE_CAPTURE_TESTING": "1"}
            if scale != "1":
                env["QT_SCALE_FACTOR"] = scale
            args = [sys.executable, str(DRIVER), str(tmp_path / "data"), scenario]
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                args.append(shots)
            done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0, (done.stdout, done.stderr[-3000:])
    assert events, (done.stdout, done.stderr[-3000:])
    assert events[-1]["event"] == "done", (done.stdout, done.stderr[-3000:])
    return events


def test_a_report_from_the_first_capture_to_sealed_in_15_actions(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    result = drive(tmp_path, "quick", (1366, 768))[-1]
    with capsys.disabled():
        print(  # noqa: T201 - the issue asks for the count to be printed
            f"\nissue 11: from the first capture to a sealed incident in {result['count']} actions and "
            f"{result['seconds']} s (driver without artificial waits; target 60 s):\n  "
            + "\n  ".join(str(a) for a in result["actions"])  # type: ignore[union-attr]
        )
    assert int(result["count"]) <= MAX_ACTIONS, result["actions"]  # type: ignore[call-overload]
    assert result["seen"]["platform_guessed"] == "Instagram", "not guessed from the captured window's title"  # type: ignore[index]
    me = unlock_identity_file(Path(str(result["identity"])), PASS)
    from app.paths import Paths
    from app.workspace import Workspace

    verified = verify_file(Path(str(result["bundle"])), me, Workspace(Paths(tmp_path / "data")).profile())
    details = verified.incident.details
    assert details.platform == "Instagram"
    assert details.reported_to == "Jane Smith"  # the profile's DSL (standalone: the user)
    assert details.title  # suggested from what happened
    assert len(verified.items) == 1


def test_the_red_button_after_a_capture_hides_and_removes_it(tmp_path: Path) -> None:
    events = drive(tmp_path, "safeguarding", (1366, 768))
    seen = next(e for e in events if e["event"] == "seen")
    assert seen["tiles_while_asking"] == 0  # gone from the view before the user answered
    assert seen["viewer_image_while_asking"] is False
    result = events[-1]
    me = unlock_identity_file(Path(str(result["identity"])), PASS)
    from app.paths import Paths
    from app.workspace import Workspace

    workspace = Workspace(Paths(tmp_path / "data"))
    verified = verify_file(Path(str(result["bundle"])), me, workspace.profile())
    assert verified.items == ()
    assert [x.reason for x in verified.excluded] == [REMOVED_FOR_SAFEGUARDING]
    assert verified.incident.details.safeguarding_block
    assert verified.incident.details.device == "A pupil's phone"
    disposed = [e for e in verified.custody if e.action == "disposed"]
    assert [e.details["sha256"] for e in disposed] == [verified.excluded[0].sha256]
    with workspace.open_vault() as vault:
        assert all(row.shredded for row in vault.items(str(result["ref"])))


@pytest.mark.parametrize(
    ("size", "scale"), [((1366, 768), "1"), ((1920, 1080), "2")], ids=["1366x768", "1920x1080 at 2x"]
)
def test_every_window_fits_and_every_command_is_reachable(tmp_path: Path, size: tuple[int, int], scale: str) -> None:
    events = drive(tmp_path, "fit", size, scale)
    report = next(e for e in events if e["event"] == "fit")
    windows = report["windows"]
    assert {w["name"] for w in windows} >= {  # type: ignore[union-attr, index]
        "main_window",
        "item_viewer",
        "safeguarding_dialog",
        "unlock_dialog",
        "guide_viewer",
    }
    outside = [w for w in windows if not w["inside"]]  # type: ignore[union-attr, index]
    assert outside == [], outside
    viewer = next(w for w in windows if w["name"] == "item_viewer")  # type: ignore[union-attr, index]
    assert viewer["zoom"] >= 0.2  # fitted to the window, not 5-10 % in a tiny one
    unreachable = [c for c in report["controls"] if not c["reachable"]]  # type: ignore[union-attr, index]
    assert unreachable == [], unreachable
