"""The one lock that the staff and reviewer windows share, and the dialogs it closes.

Modelled on KeePassXC (``DatabaseWidget::lock``): locking closes the dialogs we own, drops the unlocked identity
and asks every view to forget what it decrypted, but it never interrupts a save or a job in flight: a lock
requested meanwhile waits for the work to finish (:class:`app.session.Session`). Issue 9 is why the dialogs are
closed: the idle lock used to fire while a modal dialog was open, and when the user then pressed OK the job ran
with no identity. Now a dialog is closed (rejected) by the lock, a job takes its identity when it starts and
refuses to start without one, and every dialog is opened without a nested event loop, so nothing else can run
between the user's answer and the flow acting on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDialog

from app.session import Busy, Session
from app.workers import Runner
from app.workspace import Workspace
from evidence.crypto.keys import Identity

if TYPE_CHECKING:
    from app.feedback import Feedback
    from app.flows.unlock import UnlockFlow

log = logging.getLogger(__name__)
T = TypeVar("T")


def run_every(*steps: Callable[[], object]) -> None:
    """Run each step in order, even if an earlier one raises; a failure is raised after the last step.

    Views forget what they decrypted this way on lock, so that a bug in one step cannot leave the others showing
    decrypted data while the session says it is locked.
    """
    with ExitStack() as stack:
        for step in reversed(steps):  # an exit stack runs its callbacks last-in, first-out
            stack.callback(step)


class LockCoordinator(QObject):
    """Lock state, owned dialogs and background jobs for every window of one data dir.

    Attributes:
        workspace: the data dir.
        session: the unlocked identity, the idle timer, and the work a lock waits for.
        runner: runs jobs on the thread pool.
    """

    def __init__(self, workspace: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from app.flows.unlock import UnlockFlow

        self.workspace = workspace
        self.session = Session(workspace, self)
        self.runner = Runner(self)
        self._owned: list[tuple[QDialog, bool]] = []
        self.session.locked_changed.connect(self._locked_changed)  # first, so dialogs close before views clear
        self.unlock_flow: UnlockFlow = UnlockFlow(self)

    @property
    def identity(self) -> Identity | None:
        """The unlocked identity, or None while locked."""
        return self.session.identity

    @property
    def locked(self) -> bool:
        """True while no identity is unlocked."""
        return self.session.locked

    def lock(self) -> None:
        """Lock now, or as soon as the work in flight finishes."""
        self.session.lock()

    def unlock(self, feedback: Feedback, then: Callable[[], None] | None = None) -> None:
        """Ask for the passphrase in ``feedback``'s window; call ``then`` once unlocked."""
        self.unlock_flow.ask(feedback, then)

    def own(self, dialog: QDialog, *, close_on_lock: bool = True) -> None:
        """Show ``dialog`` (application-modal, without blocking) and close it on lock unless told otherwise.

        The dialog is deleted when it closes; read its answer in a slot of its ``accepted`` or ``finished`` signal.
        """
        self._owned.append((dialog, close_on_lock))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._forget(dialog))
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.show()

    def dialogs(self) -> list[QDialog]:
        """The owned dialogs still open, oldest first."""
        return [dialog for dialog, _ in self._owned]

    def run(
        self,
        job: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[str], None],
        *,
        busy: Busy | None = None,
    ) -> None:
        """Run ``job`` on a worker while a lock waits for it; the wait ends after the callback, even if it raises.

        The callback runs first, so that a lock requested meanwhile also clears whatever the callback showed.
        ``busy`` is a token the caller already holds (the session is busy from then on); else one is taken now.
        """
        busy = busy or self.session.hold()

        def done(result: T) -> None:
            try:
                on_done(result)
            finally:
                busy.release()

        def failed(message: str) -> None:
            try:
                on_error(message)
            finally:
                busy.release()

        self.runner.start(job, done, failed)

    def _forget(self, dialog: QDialog) -> None:
        self._owned = [(d, c) for d, c in self._owned if d is not dialog]

    def _locked_changed(self, locked: bool) -> None:
        if not locked:
            return
        closing = [dialog for dialog, close_on_lock in self._owned if close_on_lock]
        if closing:
            log.info("lock closes %d open dialog(s)", len(closing))
        for dialog in closing:
            dialog.reject()
