"""Windows that fit the screen they open on, at any scale, and come back at the size the user gave them.

Issue 11: at 1366x768 the reviewer's Record, Export and Lock buttons were below the screen, and at
``QT_SCALE_FACTOR=2`` both windows were larger than a 1920x1080 screen, because they were resized to fixed
pixel sizes. Here a window's first size is its preferred size shrunk to the screen's *available* geometry (what
the taskbar and panels leave), and it is placed inside it. A size the user chose is kept in the settings the app
passes in (a ``QSettings``; geometry is not personal data) and restored only while it still fits the screen: a
window saved on a large monitor opens fitted on a laptop.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QPoint, QRect, QSettings, QSize
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

FRAME_ALLOWANCE = QSize(16, 48)
"""Room left for the window manager's frame and title bar, which Qt knows only once the window is shown."""


def available(window: QWidget) -> QRect:
    """The available geometry of the screen ``window`` is on (or the primary screen)."""
    screen: QScreen | None = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1024, 768)


def fitted_size(preferred: QSize, room: QRect, *, share: float = 1.0) -> QSize:
    """``preferred`` shrunk so that, with its frame, it fits in ``share`` of ``room`` (never below 1x1)."""
    width = min(preferred.width(), int(room.width() * share) - FRAME_ALLOWANCE.width())
    height = min(preferred.height(), int(room.height() * share) - FRAME_ALLOWANCE.height())
    return QSize(max(1, width), max(1, height))


def fit_to_screen(window: QWidget, preferred: QSize, *, share: float = 1.0) -> None:
    """Size ``window`` to ``preferred`` or the screen, whichever is smaller, and centre it on the screen."""
    room = available(window)
    size = fitted_size(preferred, room, share=share)
    window.resize(size)
    left = room.left() + max(0, (room.width() - size.width() - FRAME_ALLOWANCE.width()) // 2)
    top = room.top() + max(0, (room.height() - size.height() - FRAME_ALLOWANCE.height()) // 2)
    window.move(QPoint(left, top))


def fits(window: QWidget) -> bool:
    """True when the window's frame lies inside the available geometry of its screen."""
    return available(window).contains(window.frameGeometry())


def restore_or_fit(window: QWidget, settings: QSettings | None, key: str, preferred: QSize) -> bool:
    """Restore the size and place saved under ``key`` if they still fit the screen; else fit. True if restored."""
    if settings is not None:
        saved = settings.value(f"{key}/geometry")
        if isinstance(saved, QByteArray) and not saved.isEmpty() and window.restoreGeometry(saved):
            room = available(window)
            if (
                window.width() <= room.width()
                and window.height() <= room.height()
                and room.intersects(window.geometry())
            ):
                return True
    fit_to_screen(window, preferred)
    return False


def save_geometry(window: QWidget, settings: QSettings | None, key: str) -> None:
    """Remember the window's size and place under ``key``."""
    if settings is not None:
        settings.setValue(f"{key}/geometry", window.saveGeometry())
        settings.sync()
