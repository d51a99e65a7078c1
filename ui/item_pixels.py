"""Pixels in memory only: decode, blur and grey an item's image without a file, a cache or the clipboard.

An image is decoded from bytes the app hands over (``QImage.fromData``, or for a type Qt cannot read, such as a
received HEIC, the core's in-memory rendering :func:`evidence.capture.received.render`); nothing goes through
``QPixmapCache`` or a file. For reviewer wellbeing (the practice at Atlos) an image can be blurred so heavily
that no detail survives: it is shrunk to a dozen pixels by area averaging and grown back smoothly.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPainter

BLUR_CELLS = 12
"""A blurred image is first shrunk to this many pixels on its longer side."""


def blurred(image: QImage, size: QSize) -> QImage:
    """``image`` so blurred that no detail survives, at ``size``.

    It is shrunk to :data:`BLUR_CELLS` pixels on its longer side by area averaging, then grown back in smooth
    doublings, which looks like a soft wash of the image's colours rather than a mosaic.
    """
    small = image.scaled(
        QSize(BLUR_CELLS, BLUR_CELLS), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    while small.width() * 2 < size.width() and small.height() * 2 < size.height():
        small = small.scaled(
            small.size() * 2, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    return small.scaled(size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)


def greyed(image: QImage) -> QImage:
    """``image`` in faded grey, for an excluded item."""
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    out = QImage(image.size(), QImage.Format.Format_RGB32)
    out.fill(Qt.GlobalColor.white)
    painter = QPainter(out)
    painter.setOpacity(0.55)
    painter.drawImage(0, 0, grey)
    painter.end()
    return out


def decode_image(image_bytes: bytes) -> QImage:
    """Decode image bytes in memory; a null image if they are not an image we can read.

    Qt reads PNG, JPEG and WebP itself; anything else the core accepts (HEIC) is rendered by the core to RGB.
    """
    image = QImage.fromData(image_bytes)
    if not image.isNull():
        return image
    from evidence.capture.received import render
    from evidence.core.errors import UsageError

    try:
        shown = render(bytes(image_bytes))
    except UsageError:
        return QImage()
    rgb = shown.rgb
    return QImage(rgb, shown.width, shown.height, 3 * shown.width, QImage.Format.Format_RGB888).copy()
