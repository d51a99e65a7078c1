"""A full digest as selectable text, so that copying it gives exactly the digest and nothing else."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent, QTextOption
from PySide6.QtWidgets import QFrame, QPlainTextEdit, QSizePolicy, QWidget

from ui.widget_helpers import mono


class QtDigestText(QPlainTextEdit):
    """A full digest as selectable text that wraps anywhere, so copying it gives exactly the digest."""

    def __init__(self, text: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setPlainText(text)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.document().setDocumentMargin(0)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setStyleSheet("QPlainTextEdit { background: transparent; }")
        mono(self)
        self._fit_height()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        """Grow or shrink to show every line of the wrapped digest."""
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        metrics = self.fontMetrics()
        margin = self.document().documentMargin()
        usable = max(1.0, self.viewport().width() - 2 * margin)
        per_line = max(1, int(usable // max(1, metrics.horizontalAdvance("0"))))
        lines = max(1, math.ceil(len(self.toPlainText()) / per_line))
        height = round(lines * metrics.lineSpacing() + 2 * margin + 2 * self.frameWidth()) + 2
        if self.height() != height:
            self.setFixedHeight(height)
