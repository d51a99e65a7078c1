"""A window manager (openbox) on a test X server, as users have one: frames, focus, and _NET_ACTIVE_WINDOW.

GUI tests that judge what a user meets (window sizes, focus) run under a window manager (DESIGN.md). openbox is
small and EWMH-compliant; :func:`openbox` returns once it has claimed the screen (``_NET_SUPPORTING_WM_CHECK``
on the root window), so no test starts before the windows would be managed.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator

from xserver import XServer

STARTUP_TIMEOUT = 10.0


def have_openbox() -> bool:
    """Whether openbox and xprop are on PATH."""
    return shutil.which("openbox") is not None and shutil.which("xprop") is not None


@contextlib.contextmanager
def openbox(x: XServer) -> Iterator[subprocess.Popen[bytes]]:
    """Run openbox on ``x`` for the length of the block.

    Raises:
        RuntimeError: it did not claim the screen in time.
    """
    process = subprocess.Popen(
        ["openbox", "--sm-disable"], env=x.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            probe = subprocess.run(
                ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=x.env(), capture_output=True, text=True
            )
            if "window id" in probe.stdout:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("openbox did not start")
            time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
