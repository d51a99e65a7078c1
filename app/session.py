"""The app's session: whether the identity is unlocked, auto-lock on idle, and work that must not be interrupted.

Modelled on KeePassXC's InactivityTimer and lock rules: an app-wide event filter restarts a single-shot timer
on user input; when it fires (or on Ctrl+L) the session drops the unlocked identity and asks views to close
viewers and forget decrypted images. A lock requested while a capture or seal is in flight waits for it to finish.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

from app.workspace import Workspace
from evidence.crypto.keys import Identity

log = logging.getLogger(__name__)

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class Session(QObject):
    """Holds the unlocked identity, if any.

    Attributes:
        workspace: the data dir's workspace.
        identity: the unlocked identity, or None while locked.

    Signals:
        locked_changed(bool): True when the session locks, False when it unlocks.
        busy_changed(bool): True while a capture or seal runs.
    """

    locked_changed = Signal(bool)
    busy_changed = Signal(bool)

    def __init__(self, workspace: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.identity: Identity | None = None
        self._busy = 0
        self._lock_pending = False
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self.lock)
        self.set_idle_minutes(5)

    @property
    def locked(self) -> bool:
        """True while no identity is unlocked."""
        return self.identity is None

    def set_idle_minutes(self, minutes: int) -> None:
        """Lock after this many idle minutes."""
        self._idle.setInterval(max(1, minutes) * 60 * 1000)
        if not self.locked:
            self._idle.start()

    def accept_identity(self, identity: Identity) -> None:
        """Use an identity unlocked elsewhere (on a worker thread); the caller checked it is ours."""
        self.identity = identity
        self._idle.start()
        log.info("session unlocked (%s)", identity.card.fingerprint)
        self.locked_changed.emit(False)

    def lock(self) -> None:
        """Drop the identity now, or as soon as the work in flight finishes."""
        if self._busy:
            self._lock_pending = True
            return
        self._idle.stop()
        was_unlocked = self.identity is not None
        self.identity = None
        self._lock_pending = False
        if was_unlocked:
            log.info("session locked")
        self.locked_changed.emit(True)

    @property
    def busy(self) -> bool:
        """True while a capture, seal or other job that a lock must wait for is in flight."""
        return self._busy > 0

    def hold(self) -> Busy:
        """Begin work that a lock must wait for; the returned token ends it (once, however often it is released)."""
        return Busy(self)

    def begin_busy(self) -> None:
        """A capture or seal started: a lock request now waits for it."""
        self._busy += 1
        if self._busy == 1:
            self.busy_changed.emit(True)

    def end_busy(self) -> None:
        """The work finished; perform a lock that was requested meanwhile."""
        self._busy = max(0, self._busy - 1)
        if self._busy == 0:
            self.busy_changed.emit(False)
            if self._lock_pending:
                self.lock()

    def note_activity(self) -> None:
        """User input: restart the idle timer."""
        if not self.locked:
            self._idle.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """App-wide filter: any user input counts as activity."""
        if event.type() in _ACTIVITY:
            self.note_activity()
        return False


class Busy:
    """One piece of work in flight (see :meth:`Session.hold`).

    A token, rather than paired calls, so that a callback that raises cannot leave the session busy for ever (and
    a lock requested meanwhile pending for ever): release it in a ``finally``; a second release does nothing.
    """

    def __init__(self, session: Session) -> None:
        self._session: Session | None = session
        session.begin_busy()

    def release(self) -> None:
        """End the work; a lock requested meanwhile happens now."""
        session, self._session = self._session, None
        if session is not None:
            session.end_busy()
