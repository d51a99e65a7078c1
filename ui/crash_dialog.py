"""The calm message shown when the app meets a bug: what is safe, what to do, and where the log is.

It must not alarm a member of staff who may already be upset: it says that captures are safe (each one was
committed and encrypted before "captured" was shown), that the last action may not have finished, and where the
log file is for IT. It shows no exception text: the log holds the traceback, and neither holds personal data.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

CRASH_TEXT = "Something went wrong. Your captures are safe: each one was stored and encrypted when you were told so."
CRASH_DETAIL = (
    "What you were doing may not have finished, so please check it and try again. If this happens again, tell "
    "your IT support and give them the log file (it holds no names, titles or images):\n{log}"
)


class QtCrashDialog(QMessageBox):
    """ "Something went wrong", with the log file's path.

    Attributes:
        log_path: the log file named in the message.
    """

    def __init__(self, log_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log_path = log_path
        self.setObjectName("crash_dialog")
        self.setWindowTitle("Evidence Capture")
        self.setIcon(QMessageBox.Icon.Information)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(CRASH_TEXT)
        self.setInformativeText(CRASH_DETAIL.format(log=log_path))
        self.setStandardButtons(QMessageBox.StandardButton.Ok)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
