"""Runs the region overlay on a real X server for the end-to-end tests, and reports on stdout as JSON lines.

The pytest process renders offscreen, so the overlay runs here, in a child with ``QT_QPA_PLATFORM=xcb`` and the
test's ``DISPLAY``. It grabs the full frame with :mod:`evidence.capture.screen`, lists the windows with
:mod:`evidence.capture.platform_windows_list`, shows :class:`ui.region_overlay.QtRegionOverlay` and prints:

- ``{"event": "ready", ...}`` once every pane is on the screen (the screen under each pane no longer shows the
  bare frame), with the frame's size and pixel digest, the panes' geometry and ratio, and the window list;
- then ``{"event": "selected", "rect": [x, y, w, h], "mode": ..., "title": ...}`` or ``{"event": "cancelled"}``,
  and exits 0. It exits 3 with ``{"event": "timeout"}`` if nothing happens within ``--timeout`` seconds.

The test drives it with real input from ``xdotool``. The frame stays in memory, as in the app.
"""

from __future__ import annotations

import argparse
import json
import sys

import mss
from PySide6.QtCore import QRect, QTimer
from PySide6.QtWidgets import QApplication

from evidence.capture.platform_windows_list import window_rects
from evidence.capture.screen import CaptureMode, grab, pixels_sha256
from ui.region_overlay import QtRegionOverlay


def say(**event: object) -> None:
    print(json.dumps(event, ensure_ascii=False), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--no-windows", action="store_true", help="do not offer click-a-window")
    parser.add_argument("--pick", choices=["region", "window"], default="region", help="window: one click captures")
    args = parser.parse_args()

    app = QApplication(sys.argv[:1])
    frame = grab(CaptureMode.parse("full"))
    windows = [] if args.no_windows else window_rects()
    overlay = QtRegionOverlay(frame, windows, pick=args.pick)
    status = {"code": 0}

    def on_selected(rect: QRect, mode: str) -> None:
        say(
            event="selected",
            rect=[rect.x(), rect.y(), rect.width(), rect.height()],
            mode=mode,
            title=overlay.selection_title(),
        )
        app.quit()

    def on_cancelled() -> None:
        say(event="cancelled")
        app.quit()

    def on_timeout() -> None:
        say(event="timeout")
        status["code"] = 3
        app.quit()

    def shown_on_screen() -> bool:
        """Whether the screen under every pane differs from the frame there: the overlay is up and painted."""
        with mss.MSS() as sct:
            for pane in overlay.panes:
                box = pane.monitor.intersected(QRect(0, 0, frame.width, frame.height))
                region = {
                    "left": frame.left + box.x(),
                    "top": frame.top + box.y(),
                    "width": box.width(),
                    "height": box.height(),
                }
                now = sct.grab(region).rgb
                stride = frame.width * 3
                then = b"".join(
                    frame.rgb[row * stride + box.x() * 3 : row * stride + (box.x() + box.width()) * 3]
                    for row in range(box.y(), box.y() + box.height())
                )
                if now == then:
                    return False
        return True

    def wait_until_shown() -> None:
        if shown_on_screen():
            say(
                event="ready",
                frame=[frame.left, frame.top, frame.width, frame.height],
                pixels_sha256=pixels_sha256(frame.rgb, frame.width, frame.height),
                panes=[
                    {
                        "geometry": [p.geometry().x(), p.geometry().y(), p.geometry().width(), p.geometry().height()],
                        "monitor": [p.monitor.x(), p.monitor.y(), p.monitor.width(), p.monitor.height()],
                        "dpr": p.dpr,
                    }
                    for p in overlay.panes
                ],
                windows=[[r.left, r.top, r.width, r.height, title] for r, title in windows],
            )
        else:
            QTimer.singleShot(20, wait_until_shown)

    overlay.selected.connect(on_selected)
    overlay.cancelled.connect(on_cancelled)
    QTimer.singleShot(round(args.timeout * 1000), on_timeout)
    overlay.show()
    QTimer.singleShot(0, wait_until_shown)
    app.exec()
    return status["code"]


if __name__ == "__main__":
    sys.exit(main())
