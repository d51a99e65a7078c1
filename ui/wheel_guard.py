"""No answer changes under a passing mouse wheel: combo boxes, spin boxes and date edits turn only when focused.

Issue 11: scrolling the incident form over an unfocused combo box silently changed "Who is said to have done it"
(and with it the policy route) and "Their role". Qt gives these widgets ``WheelFocus``, so a wheel event over one
both focuses it and changes its value. :func:`guard_wheel` gives them ``StrongFocus`` (click or Tab) and filters
their wheel events while they have no focus: the event is ignored, so Qt passes it on to the parent and the
scroll area around the form scrolls, as the user meant.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QWidget

GUARDED = (QComboBox, QAbstractSpinBox)
"""The widgets whose value a wheel changes (QDateTimeEdit, QDateEdit and QSpinBox are QAbstractSpinBoxes)."""


class WheelGuard(QObject):
    """An event filter that lets a wheel event through to a guarded widget only while it has focus."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Pass an unfocused widget's wheel event on to its parent (by ignoring it) instead of changing the value."""
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            event.ignore()  # not accepted: QApplication offers it to the parent, such as the scroll area
            return True
        return super().eventFilter(watched, event)


def guard_wheel(root: QWidget) -> WheelGuard:
    """Guard every combo box and spin box under ``root`` (and ``root`` itself); returns the filter (owned by root).

    Call it once the widgets exist; a widget made later needs :func:`guard_one` with the returned filter.
    """
    guard = WheelGuard(root)
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, GUARDED):
            guard_one(guard, widget)
    return guard


def guard_one(guard: WheelGuard, widget: QWidget) -> None:
    """Guard one widget: focus by click or Tab only, and no wheel while unfocused."""
    widget.installEventFilter(guard)
    if widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
