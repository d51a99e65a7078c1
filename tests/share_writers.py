"""Reviewers' writers in their own processes (``tests/evidence/share_writer_driver.py``), for the issue 15 tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent
DRIVER = TESTS / "evidence" / "share_writer_driver.py"


class Writer:
    """A running writer process; its stdout read by a thread into complete lines."""

    def __init__(self, who: str, *, slow_share_ms: int = 0) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent), str(TESTS)])}
        if slow_share_ms:
            env["EC_SLOW_SHARE_MS"] = str(slow_share_ms)
        self.proc = subprocess.Popen(
            [sys.executable, str(DRIVER), who], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.endswith("\n"):  # a line cut short by the kill acknowledges nothing
                with self.changed:
                    self.lines.append(line.rstrip("\n"))
                    self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait_for(self, prefix: str | tuple[str, ...], count: int = 1, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while len([x for x in self.lines if x.startswith(prefix)]) < count:
                if self.proc.poll() is not None and not self.reader.is_alive():
                    raise AssertionError(f"the writer exited ({self.proc.returncode}); it said {self.lines[-5:]}")
                if time.monotonic() > deadline:
                    raise AssertionError(f"timed out waiting for {prefix!r}; the writer said {self.lines[-5:]}")
                self.changed.wait(0.05)

    def kill(self) -> list[str]:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.reader.join(timeout=10)
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return list(self.lines)
