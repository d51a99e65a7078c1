"""A user guide, read inside the app: the Markdown file with its screenshots, in a window that fits the screen.

The guides are plain files (``docs/guide-*.md``); Qt's text browser renders their Markdown and loads their images
relative to the file, so the same file reads the same on GitHub, in a text editor and here. Links to web pages
open in the browser; nothing is fetched by the viewer itself.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from ui.window_fit import fit_to_screen

PREFERRED_SIZE = QSize(900, 900)


class QtGuideViewer(QWidget):
    """One guide in a window of its own; Esc closes it.

    Attributes:
        browser: the rendered guide.
        path: the guide's file.
    """

    def __init__(self, path: Path, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("guide_viewer")
        self.setWindowTitle(f"{title} — Evidence Capture")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.path = path
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("guide_text")
        self.browser.setOpenExternalLinks(True)
        self.browser.setSource(QUrl.fromLocalFile(str(path)), QTextDocument.ResourceType.MarkdownResource)
        layout.addWidget(self.browser)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        fit_to_screen(self, PREFERRED_SIZE, share=0.9)
