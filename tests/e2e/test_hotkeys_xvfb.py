"""Global hotkeys end to end (issue 11): the real app on Xvfb with a window manager, another program in front.

A Tk "chat" window has the focus; xdotool presses Shift+Print, Ctrl+Print and Print on the X server, as a keyboard
would; a new item appears in the app's vault each time, in a new draft incident (none was open). A second test
starts another program holding Print first: the app says so, and the other hotkeys still work.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from wm import have_openbox, openbox
from xserver import Window, XServer, have_tk, have_xvfb

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

DRIVER = Path(__file__).with_name("hotkeys_app_driver.py")
REPO = Path(__file__).resolve().parents[2]
PASS = "a long test passphrase"
TIMEOUT = 60.0
CHAT = Image.new("RGB", (320, 200), (40, 90, 160))

HOLDER = """
import sys
from app.hotkeys import Action, Hotkey, X11Hotkeys
holder = X11Hotkeys()
holder.register(Action.REGION, Hotkey("Print"))
print("holding", flush=True)
sys.stdin.read()
holder.close()
"""


class App:
    """The driver process and its JSON reports."""

    def __init__(self, server: XServer, data: Path) -> None:
        self.env = {**server.env(), "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(REPO), "EVIDENCE_CAPTURE_TESTING": "1"}
        self.process = subprocess.Popen(
            [sys.executable, str(DRIVER), str(data), PASS],
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._buffer = b""
        self.ready = self.wait_for(lambda e: e["event"] == "ready")

    def event(self, deadline: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise AssertionError(f"no report from the app in time: {self.stderr()}")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise AssertionError(f"the app ended: {self.stderr()}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return dict(json.loads(line))

    def wait_for(self, condition: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while True:
            event = self.event(deadline)
            if condition(event):
                return event

    def items(self, count: int) -> dict[str, Any]:
        return self.wait_for(lambda e: e["event"] == "items" and len(e["items"]) >= count)

    def stderr(self) -> str:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        assert self.process.stderr is not None
        return self.process.stderr.read().decode(errors="replace")[-3000:]

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def desktop() -> Iterator[tuple[XServer, Window]]:
    with XServer(1280, 800) as server:
        chat = server.show(CHAT, 600, 300, "Chat")  # drawn first: show() checks its pixels land exactly there
        with openbox(server):
            yield server, chat


def xdotool(server: XServer, *args: str) -> str:
    done = subprocess.run(["xdotool", *args], env=server.env(), capture_output=True, text=True, check=True, timeout=30)
    return done.stdout.strip()


def focus(server: XServer, window: Window) -> None:
    """Put the chat in front with the focus, through the window manager, and check that it has it."""
    client = _client_of(server, window)
    deadline = time.monotonic() + TIMEOUT
    while int(xdotool(server, "getactivewindow")) != client:
        if time.monotonic() > deadline:
            raise AssertionError("the chat window never got the focus")
        xdotool(server, "windowactivate", "--sync", str(client))
        time.sleep(0.1)


def _client_of(server: XServer, window: Window) -> int:
    """The chat's client window as the window manager sees it (Tk reports its own top-level's id)."""
    deadline = time.monotonic() + TIMEOUT
    while True:  # xdotool finds nothing (exit 1) while the window manager is still reparenting it
        done = subprocess.run(
            ["xdotool", "search", "--name", "^Chat$"], env=server.env(), capture_output=True, text=True, timeout=30
        )
        if done.returncode == 0 and done.stdout.split():
            return int(done.stdout.split()[0])
        if time.monotonic() > deadline:
            raise AssertionError(f"no window called Chat: {done.stderr}")
        time.sleep(0.1)


def test_hotkeys_capture_while_another_program_has_the_focus(desktop: tuple[XServer, Window], tmp_path: Path) -> None:
    server, chat = desktop
    app = App(server, tmp_path / "data")
    try:
        assert app.ready["refusals"] == []
        assert app.ready["errors"] == []
        assert app.ready["unavailable"] is None
        assert app.items(0)["incidents"] == 0  # nothing selected, nothing yet

        focus(server, chat)
        xdotool(server, "key", "shift+Print")  # full screen
        first = app.items(1)
        assert first["incidents"] == 1  # a new draft for it
        assert [(i["kind"], i["w"], i["h"]) for i in first["items"]] == [("captured", 1280, 800)]

        focus(server, chat)
        xdotool(server, "key", "ctrl+Print")  # the active window, no click
        second = app.items(2)
        crop = second["items"][-1]
        assert (crop["kind"], crop["parent"]) == ("derived", 1)  # the unchanged screen is kept once
        assert crop["w"] >= CHAT.width  # the chat as the user sees it, its decorations included
        assert crop["h"] >= CHAT.height
        assert crop["w"] < 1280

        focus(server, chat)
        xdotool(server, "key", "Print")  # a region: the frozen screen comes up for a drag
        app.wait_for(lambda e: e["event"] == "overlay")
        xdotool(server, "mousemove", "610", "310", "mousedown", "1")
        xdotool(server, "mousemove", "700", "380", "mousemove", "810", "460", "mouseup", "1")
        xdotool(server, "key", "Return")
        third = app.items(3)
        region = third["items"][-1]
        assert (region["kind"], region["parent"], region["w"], region["h"]) == ("derived", 1, 200, 150)
        assert third["incidents"] == 1
    finally:
        app.close()


def test_a_key_another_program_holds_gets_a_clear_message(desktop: tuple[XServer, Window], tmp_path: Path) -> None:
    server, chat = desktop
    env = {**server.env(), "PYTHONPATH": str(REPO)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    app: App | None = None
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        app = App(server, tmp_path / "data")
        assert app.ready["refusals"] == [{"action": "region", "hotkey": "Print", "held": True}]
        [message] = app.ready["errors"]
        assert "Print" in message
        assert "another program" in message
        focus(server, chat)
        xdotool(server, "key", "shift+Print")  # the others still work
        assert [i["kind"] for i in app.items(1)["items"]] == ["captured"]
    finally:
        if app is not None:
            app.close()
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=20)
        holder.stdout.close() if holder.stdout else None
