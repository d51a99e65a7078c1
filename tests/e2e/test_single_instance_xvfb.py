"""One instance per data folder (issue 11), end to end: the real app launched twice on Xvfb with openbox.

The second launch hands its file argument to the first and exits; there is still one staff window, and it has
come forward over the chat window that had the focus. A copy killed with SIGKILL leaves its lock and socket
behind, and the next launch starts all the same.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image
from wm import have_openbox, openbox
from xserver import XServer, have_tk, have_xvfb

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.slow,
    pytest.mark.skipif(
        not sys.platform.startswith("linux")
        or not have_xvfb()
        or not have_tk()
        or not have_openbox()
        or shutil.which("xdotool") is None,
        reason="needs Linux, Xvfb, Tk, openbox and xdotool",
    ),
]

REPO = Path(__file__).resolve().parents[2]
PASS = "a long test passphrase"
TIMEOUT = 60.0
STAFF_TITLE = " — Evidence Capture$"  # the main window: "WHAT IT SHOWS — Evidence Capture"


def cli(data: Path, *args: str, tmp: Path) -> None:
    passfile = tmp / "pass.txt"
    passfile.write_text(PASS + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "app.main", "--data-dir", str(data), *args, "--passphrase-file", str(passfile)]
        if args[0] in ("identity", "profile")  # a standalone profile is signed with the user's own key
        else [sys.executable, "-m", "app.main", "--data-dir", str(data), *args],
        env={**os.environ, "PYTHONPATH": str(REPO), "EVIDENCE_CAPTURE_TESTING": "1"},
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    cli(folder, "identity", "create", "--name", "Jane Smith", "--principal", "j.smith@school.example",
        "--role", "staff", "--out", str(tmp_path / "jane.identity.age"), tmp=tmp_path)  # fmt: skip
    cli(folder, "profile", "create", "--school", "Oakfield", "--out", str(tmp_path / "school.toml"), tmp=tmp_path)
    return folder


@pytest.fixture
def desktop() -> Iterator[XServer]:
    with XServer(1280, 800) as server:
        server.show(Image.new("RGB", (300, 200), (40, 90, 160)), 700, 400, "Chat")
        with openbox(server):
            yield server


def xdotool(server: XServer, *args: str, check: bool = True) -> str:
    done = subprocess.run(["xdotool", *args], env=server.env(), capture_output=True, text=True, timeout=30, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"xdotool {args}: {done.stderr}")
    return done.stdout.strip()


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def windows(server: XServer, title: str) -> list[int]:
    return [int(w) for w in xdotool(server, "search", "--name", title, check=False).split()]


def launch(server: XServer, data: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**server.env(), "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(REPO), "EVIDENCE_CAPTURE_TESTING": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "app.main", "--data-dir", str(data), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=20)
    if process.stderr is not None:
        process.stderr.close()


def test_a_second_launch_brings_the_first_forward(desktop: XServer, data: Path, tmp_path: Path) -> None:
    server = desktop
    first = launch(server, data)
    try:
        until(lambda: len(windows(server, STAFF_TITLE)) == 1, "the staff window")
        [staff] = windows(server, STAFF_TITLE)
        chat = windows(server, "^Chat$")[0]
        until(lambda: xdotool(server, "windowactivate", "--sync", str(chat)) == "" and _active(server) == chat, "chat")
        second = _launch_and_wait(server, data)
        assert second.returncode == 0, second.stderr
        until(lambda: _active(server) == staff, "the first copy's staff window to come forward")
        assert windows(server, STAFF_TITLE) == [staff]  # still one staff window: no second copy on the vault
        assert first.poll() is None
        # a launch with a bundle hands it over (the first copy then asks for the passphrase to open it)
        bundle = tmp_path / "EC-20261125-7F3A9C.zip.age"
        bundle.write_bytes(b"not really a bundle")
        third = _launch_and_wait(server, data, str(bundle))
        assert third.returncode == 0, third.stderr
        log = data / "logs" / "evidence-capture.log"
        until(lambda: "another launch asked for 1 file(s)" in log.read_text(encoding="utf-8"), "the file handed over")
        until(lambda: _active(server) in _family(server, staff), "the first copy to stay in front")
        assert windows(server, STAFF_TITLE) == [staff]
    finally:
        end(first)


def test_a_crashed_copy_does_not_block_the_next(desktop: XServer, data: Path) -> None:
    server = desktop
    first = launch(server, data)
    try:
        until(lambda: len(windows(server, STAFF_TITLE)) == 1, "the staff window")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=20)
        assert (data / "instance.lock").exists()  # left behind, as after a crash or power cut
        until(lambda: windows(server, STAFF_TITLE) == [], "the killed copy's window to go")
    finally:
        end(first)
    again = launch(server, data)
    try:
        until(lambda: len(windows(server, STAFF_TITLE)) == 1, "the next copy's staff window")
        assert again.poll() is None
    finally:
        end(again)


def _launch_and_wait(server: XServer, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.main", "--data-dir", str(data), *args],
        env={**server.env(), "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(REPO), "EVIDENCE_CAPTURE_TESTING": "1"},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def _active(server: XServer) -> int:
    out = xdotool(server, "getactivewindow", check=False)
    return int(out) if out.isdigit() else 0


def _family(server: XServer, window: int) -> set[int]:
    """The window and the windows of its process (the reviewer window or a dialog may take the focus with it)."""
    pid = xdotool(server, "getwindowpid", str(window), check=False)
    return {window} | ({int(w) for w in xdotool(server, "search", "--pid", pid, check=False).split()} if pid else set())
