"""The crash handler: a bug is logged (without personal data) and met with a calm message, never lost.

PySide6 hands an exception raised in a slot to ``sys.excepthook`` and carries on; by default that prints to a
console nobody sees. Here the hook logs the traceback through :mod:`app.logs` (types and code locations only)
and shows :class:`ui.crash_dialog.QtCrashDialog`, which says the captures are safe and where the log is. The
same goes for exceptions in Python threads (``threading.excepthook``) and Qt's own critical messages. The vault
stays consistent because every vault write is one transaction; the lock stays whole because views forget what
they decrypted step by step (:func:`app.lock.run_every`) and work in flight holds a token released in a
``finally``. One dialog at a time: a burst of errors does not stack windows.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QMessageLogContext, QObject, QtMsgType, Signal, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QWidget

log = logging.getLogger(__name__)

QtHandler = Callable[[QtMsgType, QMessageLogContext, str], None]
_QT_LOGGED = (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
_QT_MESSAGE_CHARS = 300


class CrashHandler(QObject):
    """Installs the hooks and shows the crash dialog on the UI thread.

    Attributes:
        log_path: the log file the dialog names.
        dialog: the crash dialog on show, or None.

    Signals:
        crashed(): an unhandled exception was logged (emitted on the thread that raised it; shown on the UI thread).
    """

    crashed = Signal()

    def __init__(self, log_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_path = log_path
        self.dialog: QWidget | None = None
        self._previous_excepthook = sys.excepthook
        self._previous_threading_hook = threading.excepthook
        self._previous_qt: QtHandler | None = None
        self._installed = False
        self.crashed.connect(self.show_dialog)

    def install(self) -> None:
        """Take over ``sys.excepthook``, ``threading.excepthook`` and Qt's message handler."""
        self._previous_excepthook = sys.excepthook
        self._previous_threading_hook = threading.excepthook
        sys.excepthook = self.excepthook
        threading.excepthook = self.threading_excepthook
        self._previous_qt = qInstallMessageHandler(self.qt_message)
        self._installed = True

    def uninstall(self) -> None:
        """Give the hooks back."""
        if not self._installed:
            return
        sys.excepthook = self._previous_excepthook
        threading.excepthook = self._previous_threading_hook
        qInstallMessageHandler(self._previous_qt)
        self._installed = False

    def excepthook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        """Log an unhandled exception and show the dialog (Ctrl+C keeps its usual meaning)."""
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous_excepthook(exc_type, exc, tb)
            return
        log.critical("unhandled %s", exc_type.__name__, exc_info=(exc_type, exc, tb))
        self.crashed.emit()

    def threading_excepthook(self, args: threading.ExceptHookArgs) -> None:
        """Log an exception that ended a Python thread; the dialog shows on the UI thread."""
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "?"
        log.critical(
            "unhandled %s in thread %s",
            args.exc_type.__name__,
            name,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )
        self.crashed.emit()  # a queued connection: the slot runs on the UI thread

    def qt_message(self, kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        """Log Qt's critical and fatal messages; pass every message on as before."""
        if kind in _QT_LOGGED:
            log.critical("Qt %s: %s", context.category or "default", message[:_QT_MESSAGE_CHARS])
        if self._previous_qt is not None:
            self._previous_qt(kind, context, message)
        else:
            sys.stderr.write(message + "\n")

    def show_dialog(self) -> None:
        """Show the calm message, unless it is already on show."""
        from ui.crash_dialog import QtCrashDialog

        if self.dialog is not None or QApplication.instance() is None:
            return
        dialog = QtCrashDialog(self.log_path, QApplication.activeWindow())
        self.dialog = dialog
        dialog.finished.connect(lambda _result: self._forget(dialog))
        dialog.open()

    def _forget(self, dialog: QWidget) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
