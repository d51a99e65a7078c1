"""When the incident happened: Just now, Earlier today or Yesterday in one click, or a date and a typed time.

Issue 11: the form's date-time edit turned a typed "18:30" into 07:18, because typing into a sectioned
``QDateTimeEdit`` fills whichever section the cursor is in. Here the time is a plain text field that is parsed as
a whole ("18:30", "1830", "18.30", "6:30pm", "6pm"), digits are never moved from hours to minutes, and anything
else is refused with a line under the field rather than guessed. The date keeps a calendar, and starts "Not set":
the incident's own time is never filled in for the user, except by the quick buttons they press.

The widget is a view of the ISO 8601 text that :class:`~evidence.case.incident.IncidentDetails` keeps in
``occurred``: a date and time in local time with its offset (``2026-11-24T18:30+00:00``), a date alone when no
time was typed (the policy then asks for the time), or ``""``.
"""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import QDate, QEvent, QObject, Signal
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

_NOT_SET = QDate(2000, 1, 1)
"""The date edit's minimum, shown as "Not set"."""

_TIME = re.compile(
    r"^\s*(?P<h>[0-9]{1,2})(?:\s*(?:[:.h]\s*)?(?P<m>[0-9]{2}))?\s*(?P<ampm>[ap]\.?\s*m\.?)?\s*$", re.IGNORECASE
)
TIME_HINT = "Type the time as hours and minutes, such as 18:30."


def parse_time(text: str) -> dt.time | None:
    """A typed time of day, or None if it is not one. Hours and minutes are never swapped or spread.

    "18:30", "18.30", "1830", "18h30", "6:30pm", "6.30 p.m.", "6pm" and "18" are read ("12:30am" is 00:30);
    "7:1", "183", "25:00", "18:60" and "13pm" are not.
    """
    m = _TIME.match(text)
    if m is None:
        return None
    hour, minute = int(m.group("h")), int(m.group("m") or 0)
    ampm = (m.group("ampm") or "").lower()[:1]
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


class _DateEdit(QDateEdit):
    """A date edit that starts "Not set"; its first step from there, or opening its calendar, goes to today."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("ddd d MMM yyyy")
        self.setMinimumDate(_NOT_SET)
        self.setSpecialValueText("Choose the date")
        self.setDate(_NOT_SET)
        self.calendarWidget().installEventFilter(self)

    def is_set(self) -> bool:
        return self.date() != _NOT_SET

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt override
        """Step the current section; from "Not set", go to today first."""
        if self.is_set():
            super().stepBy(steps)
        else:
            self.setDate(QDate.currentDate())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Open the calendar on this month when no date is set yet."""
        if watched is self.calendarWidget() and event.type() == QEvent.Type.Show and not self.is_set():
            today = QDate.currentDate()
            self.calendarWidget().setCurrentPage(today.year(), today.month())
        return super().eventFilter(watched, event)


class QtWhenEdit(QWidget):
    """Just now / Earlier today / Yesterday, a date and a typed time: a view of an ``occurred`` text.

    Attributes:
        just_now_button, earlier_today_button, yesterday_button: the quick choices.
        date_edit: the date (starts "Choose the date").
        time_edit: the time, typed.
        hint_label: shown under the fields while the typed time cannot be read.

    Signals:
        changed(): the user changed the date or time (not emitted by :meth:`set_value`).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        self.just_now_button = self._button("Just now", "just_now", "It happened just now: today, at this minute")
        self.earlier_today_button = self._button("Earlier today", "earlier_today", "Today; then type the time")
        self.yesterday_button = self._button("Yesterday", "yesterday", "Yesterday; then type the time")
        for button in (self.just_now_button, self.earlier_today_button, self.yesterday_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        fields = QHBoxLayout()
        fields.setContentsMargins(0, 0, 0, 0)
        self.date_edit = _DateEdit(self)
        self.date_edit.setObjectName("occurred_date")
        self.date_edit.setAccessibleName("Date it happened")
        self.time_edit = QLineEdit(self)
        self.time_edit.setObjectName("occurred_time")
        self.time_edit.setAccessibleName("Time it happened")
        self.time_edit.setPlaceholderText("Time, such as 18:30")
        self.time_edit.setMaxLength(12)
        fields.addWidget(self.date_edit, 2)
        fields.addWidget(self.time_edit, 1)
        column.addLayout(fields)
        self.hint_label = QLabel(TIME_HINT, self)
        self.hint_label.setObjectName("time_hint")
        self.hint_label.setStyleSheet("color: #b00020;")
        self.hint_label.hide()
        column.addWidget(self.hint_label)
        self.setFocusProxy(self.just_now_button)

        self.just_now_button.clicked.connect(self.just_now)
        self.earlier_today_button.clicked.connect(lambda: self._day(0))
        self.yesterday_button.clicked.connect(lambda: self._day(1))
        self.date_edit.dateChanged.connect(lambda _date: self._edited())
        self.time_edit.textChanged.connect(lambda _text: self._edited())

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setAutoDefault(False)
        return button

    # --- the model ---

    def is_set(self) -> bool:
        """True when a date has been chosen."""
        return self.date_edit.is_set()

    def time_readable(self) -> bool:
        """True when the time field is empty or holds a time that can be read."""
        text = self.time_edit.text().strip()
        return not text or parse_time(text) is not None

    def value(self) -> str:
        """The ``occurred`` text: local date and time with its offset, the date alone, or ``""``."""
        if not self.date_edit.is_set():
            return ""
        day = self.date_edit.date().toPython()
        assert isinstance(day, dt.date)
        time = parse_time(self.time_edit.text())
        if time is None:
            return day.isoformat()
        return dt.datetime.combine(day, time).astimezone().isoformat(timespec="minutes")

    def set_value(self, occurred: str) -> None:
        """Show an ``occurred`` text (any ISO 8601 date or date and time; an offset is shown in local time)."""
        self._loading = True
        try:
            self._show(occurred.strip())
        finally:
            self._loading = False
        self._update_hint()

    def _show(self, text: str) -> None:
        self.date_edit.setDate(_NOT_SET)
        self.time_edit.clear()
        if not text:
            return
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            return
        if "T" not in text and " " not in text:  # a date alone
            self.date_edit.setDate(QDate(when.year, when.month, when.day))
            return
        if when.tzinfo is not None:
            when = when.astimezone().replace(tzinfo=None)  # shown in local time
        self.date_edit.setDate(QDate(when.year, when.month, when.day))
        self.time_edit.setText(f"{when:%H:%M}")

    # --- the quick choices ---

    def just_now(self) -> None:
        """Today, at this minute."""
        now = dt.datetime.now()
        self.date_edit.setDate(QDate(now.year, now.month, now.day))
        self.time_edit.setText(f"{now:%H:%M}")

    def _day(self, days_ago: int) -> None:
        day = dt.date.today() - dt.timedelta(days=days_ago)
        self.date_edit.setDate(QDate(day.year, day.month, day.day))
        self.time_edit.setFocus()
        self.time_edit.selectAll()

    # --- inside ---

    def _edited(self) -> None:
        self._update_hint()
        if not self._loading:
            self.changed.emit()

    def _update_hint(self) -> None:
        self.hint_label.setVisible(not self.time_readable())
