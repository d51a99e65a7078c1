"""A real window manager (openbox) on a test X server, as users have one: focus, activation and stacking.

``openbox`` runs with a configuration of our own, written to a temporary folder, that binds no keys: its default
configuration binds Print and Alt+Print to scrot, which would hold the very keys the hotkey tests need (a test
that wants a key held starts its own holder). It is ready once it has set ``_NET_SUPPORTING_WM_CHECK`` on the
root window, which an EWMH window manager does when it has taken over the screen.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from xserver import XServer

STARTUP_TIMEOUT = 15.0

_RC = """<?xml version="1.0" encoding="UTF-8"?>
<openbox_config xmlns="http://openbox.org/3.4/rc">
  <focus><focusNew>yes</focusNew><followMouse>no</followMouse></focus>
  <placement><policy>Smart</policy></placement>
  <keyboard></keyboard>
  <mouse>
    <context name="Client">
      <mousebind button="Left" action="Press"><action name="Focus"/><action name="Raise"/></mousebind>
    </context>
  </mouse>
</openbox_config>
"""


def have_openbox() -> bool:
    """Whether openbox and xprop are on PATH."""
    return shutil.which("openbox") is not None and shutil.which("xprop") is not None


def wm_running(server: XServer) -> bool:
    """Whether an EWMH window manager has announced itself on the root window."""
    out = subprocess.run(
        ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"],
        env=server.env(),
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return "window id #" in out.stdout


@contextlib.contextmanager
def openbox(server: XServer) -> Iterator[subprocess.Popen[bytes]]:
    """Run openbox on ``server`` (binding no keys) until the block ends."""
    with tempfile.TemporaryDirectory() as folder:
        rc = Path(folder) / "rc.xml"
        rc.write_text(_RC, encoding="utf-8")
        process = subprocess.Popen(
            ["openbox", "--sm-disable", "--config-file", str(rc)],
            env=server.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while not wm_running(server):
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read().decode(errors="replace") if process.stderr else ""
                    raise RuntimeError(f"openbox did not start: {err[-500:]}")
                time.sleep(0.05)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            if process.stderr is not None:
                process.stderr.close()
