"""Run start-up work that can wait until a window has been painted once, so that it does not delay the window.

What it defends against: a window that appears late because work nobody needs in the first second (counting
monitors, housekeeping on the vault) ran before its first paint. The work runs from the event loop once the
window's native window has been exposed (and so painted), or after :data:`FALLBACK_MS` if it never is (a window
started minimised), exactly once either way, and not at all once the window has been closed (its timers are its
children, so a window deleted meanwhile takes them with it). Nothing that guards the user's evidence may be put here:
checks that must pass before a capture is accepted run before the window is shown.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QWidget

FALLBACK_MS = 1000
"""Run anyway after this long if the window has not been exposed by then."""


class AfterFirstPaint(QObject):
    """Runs callbacks once, from the event loop, after ``window`` is first exposed (or after :data:`FALLBACK_MS`).

    Attributes:
        callbacks: what runs, in order (more may be added until it has run).
        done: True once the callbacks have run (or been skipped because the window was closed).

    Signals:
        finished(): the callbacks have run (or been skipped); the start-up work is over.
    """

    finished = Signal()

    def __init__(self, window: QWidget, callbacks: list[Callable[[], None]]) -> None:
        super().__init__(window)
        self.window = window
        self.callbacks = list(callbacks)
        self.done = False
        self._handle: QWindow | None = None
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(0)  # after the expose and the paint it causes have been handled
        self._soon.timeout.connect(self._run)
        self._fallback = QTimer(self)
        self._fallback.setSingleShot(True)
        self._fallback.setInterval(FALLBACK_MS)
        self._fallback.timeout.connect(self._soon.start)
        self._fallback.start()
        window.installEventFilter(self)  # its Paint, and its Show (when its native window exists to be watched)
        self._watch_handle()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """On the first Expose (the native window's) or Paint (the widget's), schedule the callbacks."""
        kind = event.type()
        if kind == QEvent.Type.Show:
            self._watch_handle()
        elif kind in (QEvent.Type.Expose, QEvent.Type.Paint) and not self._soon.isActive() and not self.done:
            self._fallback.stop()
            self._soon.start()
        return False

    def _watch_handle(self) -> None:
        handle = self.window.windowHandle()
        if handle is not None and handle is not self._handle:
            self._handle = handle
            handle.installEventFilter(self)

    def _run(self) -> None:
        if self.done:
            return
        self.done = True
        self.window.removeEventFilter(self)
        if self._handle is not None:
            self._handle.removeEventFilter(self)
        if self.window.isVisible():  # else closed before it was painted: nothing is waiting for this work
            for callback in self.callbacks:
                callback()
        self.finished.emit()


def after_first_paint(window: QWidget, *callbacks: Callable[[], None]) -> AfterFirstPaint:
    """Run ``callbacks`` in order once ``window`` has been painted (see :class:`AfterFirstPaint`).

    It may be called before ``window`` is shown: its native window is watched from the moment it exists.
    """
    return AfterFirstPaint(window, list(callbacks))
