"""How a window tells the user what happened: its status bar and message boxes that never block.

A message box opened with ``exec()`` runs a nested event loop: while it waits, a worker's result, the idle lock or
another click can run code the caller does not expect. Every box here is opened with ``open()`` and returns at
once, so a flow's code always runs to its end before anything else happens.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QMessageBox

from evidence.core.text import clean_line, clean_text


class Feedback:
    """The status bar and the message boxes of one window.

    Attributes:
        window: the window the boxes belong to.
        errors_in_status_bar: also show an error's first line in the status bar (the staff window does).
    """

    def __init__(self, window: QMainWindow, *, errors_in_status_bar: bool = True) -> None:
        self.window = window
        self.errors_in_status_bar = errors_in_status_bar

    def status(self, text: str, msecs: int = 0) -> None:
        """Show ``text`` in the status bar (for ``msecs``, or until replaced)."""
        self.window.statusBar().showMessage(text, msecs)

    def clear_status(self, text: str) -> None:
        """Clear the status bar if it still shows ``text`` (a later message stays)."""
        bar = self.window.statusBar()
        if bar.currentMessage() == text:
            bar.clearMessage()

    def error(self, title: str, message: str) -> QMessageBox:
        """A warning box (object name ``error_box``) that does not block."""
        if self.errors_in_status_bar:
            self.status(clean_line(message.splitlines()[0] if message else "", limit=400), 10000)
        return self._box(QMessageBox.Icon.Warning, title, message, "error_box")

    def info(self, title: str, message: str) -> QMessageBox:
        """An information box (object name ``info_box``) that does not block."""
        return self._box(QMessageBox.Icon.Information, title, message, "info_box")

    def _box(self, icon: QMessageBox.Icon, title: str, message: str, name: str) -> QMessageBox:
        # a message may quote a file name or a field from a hostile file: plain text, no control or bidi characters
        box = QMessageBox(icon, title, clean_text(message), QMessageBox.StandardButton.Ok, self.window)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setObjectName(name)
        box.finished.connect(box.deleteLater)
        box.open()
        return box
