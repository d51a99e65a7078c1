"""Who the app is to the desktop: one id, one name and one icon, the same in every place that names it.

The desktop entry (``packaging/linux/APP_ID.desktop``), the AppStream metainfo, the installed icons and the
running app must agree, or a launcher shows a generic icon and a second, anonymous entry for the running window
(GNOME and KDE match windows to launchers by the desktop file name, which Wayland sends as the app id and X11
through ``WM_CLASS``). So the names live here once, and a test checks the packaging files against them.

``APP_SLUG`` is Qt's application name. Qt builds the per-user folders from it (``QStandardPaths``:
``~/.local/share/evidence-capture``, ``%LOCALAPPDATA%\\evidence-capture``) and the X11 ``WM_CLASS`` class, so it
is the lower-case command name. No organisation name is set, so no folder is nested under one. The display name
stays unset on purpose: setting it makes Qt append " — Evidence Capture" to every X11 window title.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import evidence

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication

APP_ID = "org.evidencecapture.EvidenceCapture"
"""Reverse-DNS id: the desktop file's and the metainfo's name, Wayland's app id, macOS's bundle id."""

APP_NAME = evidence.APP_NAME
"""What users read: the desktop entry's Name, window titles."""

APP_SLUG = "evidence-capture"
"""The command, Qt's application name, and the name of the per-user folders."""


def set_names() -> None:
    """Give Qt the app's names before anything asks Qt for a folder or settings (no QApplication needed)."""
    from PySide6.QtCore import QCoreApplication

    QCoreApplication.setApplicationName(APP_SLUG)
    QCoreApplication.setOrganizationName("")
    QCoreApplication.setApplicationVersion(evidence.__version__)


def apply(qapp: QCoreApplication) -> None:
    """Name the running app as its desktop entry does, and give every window the app's icon."""
    from PySide6.QtGui import QGuiApplication

    from ui.app_icon import app_icon

    set_names()
    if isinstance(qapp, QGuiApplication):
        QGuiApplication.setDesktopFileName(APP_ID)
        QGuiApplication.setWindowIcon(app_icon())
