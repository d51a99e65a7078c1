"""One home for time formatting: the UTC form we store, hash and sign, and the forms people read.

Stored times are UTC in ISO 8601 with milliseconds and a ``Z`` (``2026-11-25T10:51:49.123Z``, docs/FORMAT.md);
:func:`format_utc` is the only writer of that form and :func:`parse_utc` its strict reader. A capture's local time
is an ISO 8601 time with its offset, and :func:`format_offset` writes that offset (``+01:00``) the same way for
the capture context, the report and the screen.

The texts for people are in English whatever the process locale is, except :func:`local_time_text`, which shows a
stored time in this computer's own zone and locale for the desktop views. None of them raises on a malformed
input: a view or a report shows what it can, and says so.
"""

from __future__ import annotations

import datetime as dt

from evidence.core.errors import EvidenceError

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


# -- the stored forms --------------------------------------------------------------------------------------------


def format_utc(when: dt.datetime) -> str:
    """Format an aware datetime as ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (milliseconds truncated, never rounded)."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def utc_now() -> str:
    """The current UTC time as written by :func:`format_utc`."""
    return format_utc(dt.datetime.now(dt.UTC))


def parse_utc(text: str) -> dt.datetime:
    """Parse a time written by :func:`format_utc`.

    Raises:
        EvidenceError: ``text`` is not in that form.
    """
    try:
        if not text.endswith("Z"):
            raise ValueError("no Z")
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    except ValueError as e:
        raise EvidenceError(f"time {text!r} is not UTC ISO 8601 with milliseconds") from e


def format_offset(offset: dt.timedelta) -> str:
    """A UTC offset as ``+HH:MM`` or ``-HH:MM`` (whole minutes, as ISO 8601 writes it)."""
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def parse_aware(text: str) -> dt.datetime | None:
    """An ISO 8601 time with an offset (or ``Z``) as an aware datetime; None if it has no offset or does not parse."""
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.utcoffset() is not None else None


# -- texts for people --------------------------------------------------------------------------------------------


def day_text(when: dt.date, *, long: bool = False) -> str:
    """``Wed 25 Nov 2026`` (or ``Wednesday 25 November 2026``), in English whatever the process locale is."""
    day, month = _DAYS[when.weekday()], _MONTHS[when.month - 1]
    return f"{day} {when.day} {month} {when.year}" if long else f"{day[:3]} {when.day:02d} {month[:3]} {when.year}"


def recorded_time_text(local_iso: str, zone: str, offset: str) -> str:
    """A recorded local time as people read it: ``Wed 25 Nov 2026 10:51:49 GMT (UTC+00:00)``; "" if it does not
    parse. ``zone`` and ``offset`` are as the capture context recorded them (either may be empty)."""
    when = parse_aware(local_iso)
    if when is None:
        return ""
    if not offset:
        offset = format_offset(when.utcoffset() or dt.timedelta(0))
    shown_zone = zone if zone and zone != offset else ""
    return f"{day_text(when)} {when:%H:%M:%S} {shown_zone + ' ' if shown_zone else ''}(UTC{offset})"


def utc_time_text(utc_iso: str) -> str:
    """A UTC time as people read it: ``Wed 25 Nov 2026 10:51:49 UTC``; the input itself if it does not parse."""
    when = parse_aware(utc_iso)
    if when is None:
        return utc_iso
    when = when.astimezone(dt.UTC)
    return f"{day_text(when)} {when:%H:%M:%S} UTC"


def local_time_text(utc_text: str) -> str:
    """A stored UTC time in this computer's own time zone, for the desktop views: ``25 Nov 2026, 10:51:49 GMT``;
    the UTC text itself if it does not parse."""
    try:
        when = parse_utc(utc_text)
    except EvidenceError:
        return utc_text
    local = when.astimezone()
    return local.strftime("%d %b %Y, %H:%M:%S ") + (local.tzname() or "")
