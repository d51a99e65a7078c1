"""Small helpers the item widgets share: labels that never read their text as rich text, a fixed-width font,
and a nudge for scroll areas whose widget grew.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QScrollArea, QWidget

from evidence.core.text import clean_text

SHOWN_TEXT_LIMIT = 5000
"""Longest text a label shows from outside (a caption, a window title, a reason); more is cut with an ellipsis."""


def tell_scroll_area(scroll_area: QScrollArea) -> None:
    """Make a scroll area re-read its widget's size after the widget's layout changed.

    A resizable scroll area only resizes its widget on its own layout request, and Qt does not pass one up when
    rows are added to the widget, so without this the rows get squeezed into the old height. Called on the widget's
    own layout request, before Qt handles it, so the layout is brought up to date first.
    """
    widget = scroll_area.widget()
    layout = None if widget is None else widget.layout()
    if layout is not None:
        layout.activate()
    QCoreApplication.sendEvent(scroll_area, QEvent(QEvent.Type.LayoutRequest))


def mono(widget: QWidget) -> None:
    widget.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))


def plain_label(text: str, parent: QWidget, object_name: str) -> QLabel:
    """A label that never interprets its text as rich text, and shows it without control or bidi characters:
    window titles and captions come from outside (:func:`evidence.core.text.clean_text`)."""
    label = QLabel(parent)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(clean_text(text, limit=SHOWN_TEXT_LIMIT))
    return label


# --- the exclude dialog -----------------------------------------------------------------------------------------
