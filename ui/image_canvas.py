"""Paints one decrypted image, or its blur, with no context menu, no copy and no drag: the image never leaves
the widget.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from ui.item_pixels import BLUR_CELLS, blurred


class QtImageCanvas(QWidget):
    """Paints one image at a scale, or its blur; it has no context menu, no copy and no drag.

    Attributes:
        image: the decoded image, in memory only, or None.
        blur_image: a tiny blurred copy of it, painted stretched while blurred, or None.
        scale: image pixels to device-independent pixels.
        blurred: paint the blur instead of the image.
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("image_canvas")
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.setAcceptDrops(False)
        self.image: QImage | None = None
        self.blur_image: QImage | None = None
        self.scale = 1.0
        self.blurred = False

    def set_image(self, image: QImage | None) -> None:
        """Hold this image (and make its blur), or drop both."""
        self.image = image
        self.blur_image = None if image is None else blurred(image, QSize(BLUR_CELLS * 16, BLUR_CELLS * 16))
        self.setCursor(Qt.CursorShape.OpenHandCursor if image is not None else Qt.CursorShape.ArrowCursor)
        self._resize()

    def set_scale(self, scale: float) -> None:
        """Draw the image at this scale."""
        self.scale = scale
        self._resize()

    def _resize(self) -> None:
        if self.image is None:
            self.setFixedSize(0, 0)
        else:
            size = self.image.size()
            self.setFixedSize(max(1, round(size.width() * self.scale)), max(1, round(size.height() * self.scale)))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """Draw the image scaled (smooth when shrunk, crisp pixels when enlarged), or its blur."""
        if self.image is None:
            return
        painter = QPainter(self)
        target = QRectF(0, 0, self.width(), self.height())
        if self.blurred and self.blur_image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(target, self.blur_image)
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.scale < 1.0)
            painter.drawImage(target, self.image)
        painter.end()
