"""Child of ``test_lazy_start.py``: start the desktop app on a data dir, as ``evidence-capture`` does, and report
which of the heavy modules are loaded at the window's first paint, once the start-up work left until after it is
done (before any capture), and after the inbox page (if any) has been opened.

It prints one JSON object on stdout. The app runs offscreen; nothing here stubs any part of it.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from PySide6.QtCore import QEvent, QObject, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QWidget

WATCHED = (
    "mss",
    "PIL",
    "pillow_heif",
    "evidence.capture.screen",
    "evidence.bundle",
    "evidence.police",
    "evidence.review.disposal",
    "urllib.request",
    "rfc3161_client",
    "app.flows.review",
    "app.flows.export",
    "ui.reviewer_window",
    "ui.inbox",
    "ui.installation_dialog",
)
"""Modules the start-up path should not need (a capture, the reviewer's page or a dialog does)."""


def loaded() -> list[str]:
    """The watched modules now in ``sys.modules``."""
    return [name for name in WATCHED if name in sys.modules]


class _Watch(QObject):
    """Records the loaded modules at the main window's first Expose, then drives the rest from the event loop."""

    def __init__(self, qapp: QApplication, window: QWidget, report: dict[str, Any]) -> None:
        super().__init__()
        self.qapp, self.window, self.report = qapp, window, report

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        exposed = event.type() == QEvent.Type.Expose and watched is self.window.windowHandle()
        if exposed and "at_paint" not in self.report:
            self.report["at_paint"] = loaded()
        return False

    def settled(self) -> None:
        """The after-paint work has run: wait for its worker jobs, then let their results reach the window."""
        QThreadPool.globalInstance().waitForDone(60000)
        QTimer.singleShot(200, self.look)

    def look(self) -> None:
        self.report["settled"] = loaded()
        pages = self.window.pages  # type: ignore[attr-defined]
        self.report["pages"] = [pages.tabText(i) for i in range(pages.count())]
        if pages.count() > 1:
            self.report["inbox_before"] = pages.widget(1).objectName()
            pages.setCurrentIndex(1)
            page = pages.currentWidget()
            self.report["inbox_after"] = type(page).__name__
            self.report["inbox_visible"] = page.isVisible()
            self.report["after_inbox"] = loaded()
        for widget in self.qapp.topLevelWidgets():
            widget.close()


def main() -> int:
    from app import gui
    from ui.first_paint import AfterFirstPaint

    report: dict[str, Any] = {}

    def run_loop(qapp: QApplication) -> int:
        window = next(w for w in qapp.topLevelWidgets() if w.objectName() == "main_window")
        watch = _Watch(qapp, window, report)
        qapp.installEventFilter(watch)
        after = window.findChild(AfterFirstPaint)
        assert after is not None
        assert not after.done
        after.finished.connect(watch.settled)
        code = qapp.exec()
        qapp.removeEventFilter(watch)
        return int(code)

    report["exit"] = gui.run(["--data-dir", sys.argv[1]], exec_=run_loop)
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
