"""evidence.core.timefmt: the one home of the stored UTC form, offsets and the texts people read."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from evidence.core import timefmt
from evidence.core.errors import EvidenceError


def test_utc_form_round_trips_and_truncates_to_milliseconds() -> None:
    when = dt.datetime(2026, 11, 25, 10, 51, 49, 123999, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    text = timefmt.format_utc(when)
    assert text == "2026-11-25T09:51:49.123Z"
    assert timefmt.parse_utc(text) == when.replace(microsecond=123000)


@pytest.mark.parametrize("text", ["2026-11-25T09:51:49.123", "2026-11-25T09:51:49Z", "yesterday", ""])
def test_parse_utc_refuses_other_forms(text: str) -> None:
    with pytest.raises(EvidenceError):
        timefmt.parse_utc(text)


@pytest.mark.parametrize(
    ("offset", "text"),
    [
        (dt.timedelta(0), "+00:00"),
        (dt.timedelta(hours=1), "+01:00"),
        (dt.timedelta(hours=5, minutes=30), "+05:30"),
        (-dt.timedelta(hours=3, minutes=30), "-03:30"),
        (-dt.timedelta(hours=12), "-12:00"),
    ],
)
def test_format_offset(offset: dt.timedelta, text: str) -> None:
    assert timefmt.format_offset(offset) == text


def test_parse_aware_needs_an_offset() -> None:
    assert timefmt.parse_aware("2026-11-25T10:51:49.123Z") == dt.datetime(2026, 11, 25, 10, 51, 49, 123000, dt.UTC)
    assert timefmt.parse_aware("2026-11-25T10:51:49") is None
    assert timefmt.parse_aware("not a time") is None


def test_day_text_is_english() -> None:
    assert timefmt.day_text(dt.date(2026, 11, 25)) == "Wed 25 Nov 2026"
    assert timefmt.day_text(dt.date(2026, 11, 25), long=True) == "Wednesday 25 November 2026"


def test_local_time_text_is_in_this_computers_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    try:
        assert timefmt.local_time_text("2026-07-15T08:05:09.250Z") == "15 Jul 2026, 09:05:09 BST"
        assert timefmt.local_time_text("not a time") == "not a time"
    finally:
        monkeypatch.undo()
        time.tzset()
