"""Runs the real staff app on an X server and measures the longest UI-thread stall while it captures.

Started by ``capture_latency.py`` with ``DISPLAY`` and ``QT_QPA_PLATFORM=xcb`` set, it opens the data dir given
as its first argument (which already has an identity), shows the main window, and then:

1. records the largest gap between the ticks of a 2 ms precise QTimer for one idle second (the timer's own
   jitter on this machine: the peer);
2. calls ``app.capturing.capture("full")`` (the toolbar's "Full screen" action) once to warm up, then N more
   times (second argument), each time recording the largest gap between ticks from the call until the capture
   flow's ``_captured`` handler has run (windows shown again, the incident list refreshed).

It prints one JSON line per measurement, in seconds: ``{"event": "idle", "max_gap": s}``, then per capture
``{"event": "capture", "max_gap": s, "total": s, "gap_ended": s, "handler": s}``, then ``{"event": "done"}``
(or ``{"event": "failed", ...}``). ``total`` and ``gap_ended`` count from the trigger; ``handler`` is the time
spent in the flow's ``_captured`` handler on the UI thread.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from app.paths import Paths
from app.staff import StaffApp
from app.workspace import Workspace

TICK_MS = 2
IDLE_S = 1.0
PAUSE_S = 0.3
TIMEOUT_S = 60.0


def say(**event: object) -> None:
    """One JSON line on stdout."""
    print(json.dumps(event), flush=True)


class StallMeter:
    """Largest gap between consecutive ticks of a fast timer, over a window of time the caller opens and closes."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.max_gap = 0.0
        self.max_gap_end = 0.0
        self.recording = False
        self.on_tick: list[Any] = []

    def start(self) -> None:
        """Start ticking."""
        self.last = time.perf_counter()
        self.timer.start()

    def open(self) -> None:
        """Start recording gaps from now."""
        self.max_gap = 0.0
        self.last = time.perf_counter()
        self.recording = True

    def close(self) -> float:
        """Stop recording; return the largest gap seen."""
        self.recording = False
        return self.max_gap

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.recording and now - self.last > self.max_gap:
            self.max_gap, self.max_gap_end = now - self.last, now
        self.last = now
        for fn in list(self.on_tick):
            fn(now)


def main() -> int:
    """Measure, print JSON lines, exit 0 (or 3 on a failure or timeout)."""
    data, count = Path(sys.argv[1]), int(sys.argv[2])
    qapp = QApplication(sys.argv[:1])
    app = StaffApp(Workspace(Paths(data)))
    app.window.move(0, 0)
    app.window.resize(1200, 760)
    app.window.show()
    meter = StallMeter()
    state: dict[str, Any] = {"phase": "settle", "until": time.perf_counter() + 1.0, "done_at": None, "left": count + 1}
    flow = app.capturing
    original_captured = flow._captured
    original_failed = flow._capture_failed

    def captured(result: tuple[str, str]) -> None:
        begun = time.perf_counter()
        original_captured(result)
        state["done_at"] = time.perf_counter()  # after the UI-thread part of finishing the capture
        state["handler"] = state["done_at"] - begun

    def failed(message: str) -> None:
        original_failed(message)
        say(event="failed", reason=message.splitlines()[0] if message else "capture failed")
        qapp.exit(3)

    flow._captured = captured  # type: ignore[method-assign]
    flow._capture_failed = failed  # type: ignore[method-assign]

    def start_capture(now: float) -> None:
        state.update(phase="capture", started=now, done_at=None, deadline=now + TIMEOUT_S)
        meter.open()
        flow.capture("full")

    def step(now: float) -> None:
        phase = state["phase"]
        if phase == "settle" and now >= state["until"]:
            meter.open()
            state.update(phase="idle", until=now + IDLE_S)
        elif phase == "idle" and now >= state["until"]:
            say(event="idle", max_gap=meter.close())
            start_capture(now)
        elif phase == "capture":
            if state["done_at"] is not None:
                gap = meter.close()  # this tick closes the gap that held the _captured handler
                state["left"] -= 1
                if state["left"] < count:  # the first capture is a warm-up (it also creates the incident)
                    say(
                        event="capture",
                        max_gap=gap,
                        total=state["done_at"] - state["started"],
                        gap_ended=meter.max_gap_end - state["started"],
                        handler=state["handler"],
                    )
                state.update(phase="pause" if state["left"] else "end", until=now + PAUSE_S)
            elif now > state["deadline"]:
                say(event="failed", reason="the capture did not finish in time")
                qapp.exit(3)
        elif phase == "pause" and now >= state["until"]:
            start_capture(now)
        elif phase == "end":
            say(event="done")
            state["phase"] = "quit"
            qapp.exit(0)

    meter.on_tick.append(step)
    meter.start()
    code = qapp.exec()
    meter.timer.stop()
    app.quit()
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
