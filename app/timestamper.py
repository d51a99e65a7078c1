"""The background worker that fetches trusted time for queued items while the app runs.

A capture only *queues* its item's binding (in the item's own vault transaction); this worker asks the school's
TSAs for the tokens, on its own thread and its own vault connection, so the window never waits for the network.
Back-off lives in the queue itself (:func:`evidence.vault.timestamps.drain` pushes a failed request's next try
out, 30 s doubling up to an hour), so the worker simply sleeps until the earliest request is due, at most
:data:`MAX_SLEEP_S`, and wakes early when a capture queues something new. A restart resumes from the vault: nothing
is kept in memory that the vault does not hold.

The loop runs on a daemon Python thread, not a ``QThread``: a ``QThread`` still running when the app's objects are
torn down aborts the process, whereas a daemon thread simply ends with it, which for the queue is the same as a
crash (the vault's transactions make that safe: nothing is lost, nothing asked twice). Its signals reach the UI
thread as queued signals.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal

from app.workspace import Workspace
from evidence.core.errors import EvidenceError
from evidence.vault import timestamps

log = logging.getLogger(__name__)

MAX_SLEEP_S = 300.0
"""Look at the queue at least this often (a capture from another process queues without waking us)."""
MIN_SLEEP_S = 1.0


class TimestampWorker(QObject):
    """Drains the trusted-time queue in the background.

    Signals:
        stamped(str, int): a token for item ``REF/N`` arrived and was stored.
        waiting(int): after each pass, how many requests are still queued.
    """

    stamped = Signal(str, int)
    waiting = Signal(int)

    def __init__(self, workspace: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start looking at the queue in the background."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.run, name="trusted-time", daemon=True)
            self._thread.start()

    def is_finished(self) -> bool:
        """True once the loop has ended (or never started)."""
        return self._thread is None or not self._thread.is_alive()

    def wake(self, *_args: object) -> None:
        """Look at the queue now (a capture just queued something)."""
        self._wake.set()

    def stop(self, timeout_ms: int = 15000) -> None:
        """Stop after the request in flight (each has a timeout) and wait for the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_ms / 1000)

    def run(self) -> None:
        """The loop, on the worker thread."""
        while not self._stop.is_set():
            sleep = MAX_SLEEP_S
            try:
                sleep = self._pass()
            except EvidenceError as e:  # the vault is busy or the profile unreadable: try again later
                log.warning("trusted time: %s", type(e).__name__)
            except Exception as e:  # a bug: keep the app alive and the queue intact
                log.exception("trusted time worker: %s", type(e).__name__)
            self._wake.wait(max(MIN_SLEEP_S, min(sleep, MAX_SLEEP_S)))
            self._wake.clear()

    def _pass(self) -> float:
        """Ask for every due request once; return how long to sleep."""
        tsas = self.workspace.tsas()
        if not tsas:
            return MAX_SLEEP_S
        actor, recipients = self.workspace.actor, self.workspace.recipients()
        with self.workspace.open_vault() as vault:
            result = timestamps.drain(vault, tsas, actor=actor, recipients=recipients, should_stop=self._stop.is_set)
            for token in result.stored:
                self.stamped.emit(token.ref, token.seq)
            self.waiting.emit(len(result.waiting))
            due = timestamps.next_due_seconds(vault)
        return MAX_SLEEP_S if due is None else due
