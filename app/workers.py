"""Run long work off the UI thread and report back through signals.

pyrage and zlib hold the GIL for part of their work, so a worker thread keeps the window painting between
chunks but cannot make a long seal entirely invisible; the busy state tells the user something is happening.
Each job opens its own vault connection (SQLite connections belong to the thread that made them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from evidence.core.errors import EvidenceError

log = logging.getLogger(__name__)


class JobSignals(QObject):
    """Signals of one job.

    Signals:
        finished(object): the job's return value.
        failed(str): a one-line, user-facing reason.
    """

    finished = Signal(object)
    failed = Signal(str)


class Job(QRunnable):
    """Call ``fn()`` on a pool thread; emit ``finished`` or ``failed``."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = JobSignals()
        self.setAutoDelete(False)

    def run(self) -> None:
        """Qt calls this on the pool thread."""
        try:
            result = self.fn()
        except EvidenceError as e:
            self.signals.failed.emit(str(e))
        except Exception as e:  # a bug: keep the app alive, say so, and log the traceback (no personal data)
            log.exception("job failed: %s", type(e).__name__)  # the log file's formatter drops messages
            self.signals.failed.emit(f"Unexpected error ({type(e).__name__}). Nothing was lost; please try again.")
        else:
            self.signals.finished.emit(result)


class Runner(QObject):
    """Keeps jobs alive until they finish and runs them on the global pool."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: set[Job] = set()

    def start(self, fn: Callable[[], Any], on_done: Callable[[Any], None], on_error: Callable[[str], None]) -> Job:
        """Run ``fn`` in the background; call ``on_done(result)`` or ``on_error(message)`` on the UI thread."""
        job = Job(fn)
        self._jobs.add(job)
        job.signals.finished.connect(on_done)
        job.signals.failed.connect(on_error)
        job.signals.finished.connect(lambda _r, j=job: self._jobs.discard(j))
        job.signals.failed.connect(lambda _m, j=job: self._jobs.discard(j))
        QThreadPool.globalInstance().start(job)
        return job

    def wait(self, msecs: int = 60000) -> bool:
        """Wait for every running job (used on quit, so a capture or seal always finishes)."""
        return QThreadPool.globalInstance().waitForDone(msecs)
