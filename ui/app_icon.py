"""The app's icon for windows and the tray: every PNG size rendered from ``resources/icon.svg``.

PNGs rather than the SVG, because the SVG needs Qt's ``qsvgicon`` plugin at run time, which a frozen build may
leave out; the sizes are the ones the desktop entry installs, so the window and the launcher show the same
pixels. A missing size is a packaging error and fails loudly.
"""

from __future__ import annotations

from PySide6.QtGui import QIcon, QPixmap

import resources

SIZES = (16, 24, 32, 48, 64, 128, 256)


def icon_resource(size: int) -> str:
    """The resource name of the PNG of ``size`` pixels."""
    return f"icons/{size}x{size}.png"


def app_icon() -> QIcon:
    """The app's icon in every size.

    Raises:
        KeyError: a size is missing from ``resources/icons`` (the package was built without them).
        ValueError: a PNG there cannot be decoded.
    """
    icon = QIcon()
    for size in SIZES:
        pixmap = QPixmap()
        if not pixmap.loadFromData(resources.data(icon_resource(size)), "PNG"):
            raise ValueError(f"resources/{icon_resource(size)}: not a PNG Qt can read")
        icon.addPixmap(pixmap)
    return icon
