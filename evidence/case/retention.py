"""Retention: when a case is due for review, what holds it, and why, as pure functions on plain facts.

Keeping evidence about children "just in case" breaks UK GDPR's storage limitation; deleting it while the police
investigate breaks DfE guidance (nothing is deleted when an offence is suspected). This module defends against
both: every sealed case gets a review date from the school's signed rules, a legal hold blocks disposal whatever
the date says, and an extension (keep for a further period, with a reason) moves the date but never earlier.
Nothing here reads files or clocks: the caller passes the case's facts, its events (from signed review records,
in revision order) and today's date, so the retention view, the CLI and the tests all reach the same answer.

Rules come from the ``[retention]`` table of the signed school profile (:meth:`RetentionPolicy.parse`,
:meth:`RetentionPolicy.to_toml_table`). A rule is either a period in days after the incident (or after sealing),
or "date of birth + N years" for safeguarding files.

**Date of birth.** The incident form does not ask for the pupil's date of birth, and should not have to for every
case. When a "date of birth + N years" rule applies and the date of birth is unknown, the review date falls back to
N years after the rule's anchor date (the incident, or sealing). Because a child is born before the incident, that
date is never earlier than the true "date of birth + N years" date: the fallback can keep a case longer than the
rule, never shorter. The state carries :attr:`Attention.DATE_OF_BIRTH_NEEDED` so the reviewer is asked for it.

**Dates.** "N years" after 29 February lands on 1 March in a year without one (the later of the two candidates,
so the rule never ends early). An unknown incident date falls back to the sealed date (later, so again never
early) with :attr:`Attention.INCIDENT_DATE_UNKNOWN`. Event times are UTC; an extension of N days runs from the UTC
date of the extension.

**Default rules** (:data:`DEFAULT_POLICY`). They follow the IRMS *Information Management Toolkit for Schools*,
which many schools use as their retention schedule. Only the safeguarding rule copies a toolkit entry exactly:
"child protection information held in separate files: date of birth of the child + 25 years, then review". The
toolkit has no series for screen-captured online incidents, so the other defaults take its usual form ("N years
after the event, then review") and borrow the nearest series:

- cyber bullying: 6 years after the incident, as the toolkit's complaints files ("current year + 6 years"), which
  also covers the Limitation Act 1980's six years for most civil claims;
- contact attempt (a pupil or parent contacting staff on social media, or the reverse): 10 years after the
  incident, the toolkit's minimum for an "allegation of a child protection nature against a member of staff"
  (which runs to normal retirement age or 10 years, whichever is longer: extend the case where that applies);
- inappropriate content accessed: 3 years after the incident, as the toolkit's general records of contact with
  pupils ("current year + 3 years");
- damaging content about the Trust, a school, staff or pupils: 6 years after the incident, as complaints files.

These are **defaults the school must confirm** against its own retention schedule before it signs its profile:
each rule carries a ``note`` saying where it came from, and the profile states the rules in full.

A case is a safeguarding case when :attr:`CaseFacts.safeguarding` is true (see :func:`suggest_safeguarding` for the
default the app proposes from the incident form). Then both its report type's rule and the safeguarding rule
apply, and the later date wins: the longer duty to keep prevails.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from evidence.case.incident import Category, IncidentDetails, ReportType, TargetRole, check_ref
from evidence.core.errors import EvidenceError, ProfileError, UsageError
from evidence.core.text import is_clean_line
from evidence.core.timefmt import format_utc, parse_utc

TABLE = "retention"
"""Name of the profile's retention table."""

MAX_DAYS = 36_500
"""The longest period a rule, an extension or the overdue grace may state (100 years)."""
MAX_YEARS = 100
MAX_NOTE = 200
MAX_REASON = 500
DEFAULT_OVERDUE_AFTER_DAYS = 30
"""A case due for review becomes overdue this many days after its review date."""

_EVENT_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_PRINCIPAL_RE = re.compile(r"^[A-Za-z0-9._%+-]+(@[A-Za-z0-9.-]+)?$")


class RetentionError(EvidenceError):
    """A case's facts or events are inconsistent, or disposal is not allowed. ``check`` names the rule."""

    def __init__(self, message: str, *, check: str, reference: str | None = None) -> None:
        super().__init__(message)
        self.check = check
        self.reference = reference


class RetentionTableError(ProfileError):
    """The profile's ``[retention]`` table is malformed. ``check`` names the rule and ``key`` the TOML key."""

    def __init__(self, message: str, *, check: str, key: str) -> None:
        super().__init__(message)
        self.check = check
        self.key = key


class RuleKey(enum.Enum):
    """Which rule: one per report type of :class:`~evidence.case.incident.ReportType`, plus safeguarding."""

    CYBER_BULLYING = "cyber-bullying"
    CONTACT_ATTEMPT = "contact-attempt"
    INAPPROPRIATE_CONTENT = "inappropriate-content"
    DAMAGING_CONTENT = "damaging-content"
    SAFEGUARDING = "safeguarding"

    @classmethod
    def for_report_type(cls, report_type: ReportType) -> RuleKey:
        """The rule of a report type (the values are the same strings)."""
        return cls(report_type.value)


class Anchor(enum.Enum):
    """The date a period runs from (and a date-of-birth rule falls back to)."""

    INCIDENT = "incident"
    """When it happened (the form's ``occurred``); the sealed date if that is unknown."""
    SEALED = "sealed"
    """When the case was sealed into a bundle."""


class Basis(enum.Enum):
    """The form of a rule."""

    PERIOD = "period"
    DATE_OF_BIRTH = "date-of-birth"


@dataclass(frozen=True)
class RetentionRule:
    """One retention rule: a period in days after the anchor, or "date of birth + N years".

    Attributes:
        key: which cases it applies to.
        days: for a period rule, the review comes this many days after the anchor date; else None.
        dob_plus_years: for a date-of-birth rule, the review comes on this birthday; else None.
        anchor: the date a period runs from, and a date-of-birth rule's fallback runs from.
        note: where the rule comes from, in words (e.g. the school's schedule or the IRMS series); one line.
    """

    key: RuleKey
    days: int | None = None
    dob_plus_years: int | None = None
    anchor: Anchor = Anchor.INCIDENT
    note: str = ""

    def __post_init__(self) -> None:
        if (self.days is None) == (self.dob_plus_years is None):
            raise UsageError(f"retention rule {self.key.value}: give either days or dob_plus_years, not both")
        if self.days is not None and not (isinstance(self.days, int) and 1 <= self.days <= MAX_DAYS):
            raise UsageError(f"retention rule {self.key.value}: days must be 1 to {MAX_DAYS}")
        if self.dob_plus_years is not None and not (
            isinstance(self.dob_plus_years, int) and 1 <= self.dob_plus_years <= MAX_YEARS
        ):
            raise UsageError(f"retention rule {self.key.value}: dob_plus_years must be 1 to {MAX_YEARS}")
        if len(self.note) > MAX_NOTE or not is_clean_line(self.note):
            raise UsageError(f"retention rule {self.key.value}: the note must be one clean line of at most {MAX_NOTE}")

    @property
    def basis(self) -> Basis:
        """Period or date of birth."""
        return Basis.PERIOD if self.days is not None else Basis.DATE_OF_BIRTH

    def describe(self) -> str:
        """The rule in words, with no case data: e.g. ``2192 days after the incident``."""
        after = "the incident" if self.anchor is Anchor.INCIDENT else "sealing"
        if self.days is not None:
            return f"{self.days} days after {after}"
        return f"date of birth + {self.dob_plus_years} years (if unknown: {self.dob_plus_years} years after {after})"


@dataclass(frozen=True)
class RetentionPolicy:
    """The school's retention rules: one per :class:`RuleKey`, and when a due review becomes overdue.

    Attributes:
        rules: the rule of every key (all five are required).
        overdue_after_days: a review is overdue this many days after its date.
    """

    rules: Mapping[RuleKey, RetentionRule]
    overdue_after_days: int = DEFAULT_OVERDUE_AFTER_DAYS

    def __post_init__(self) -> None:
        missing = [k.value for k in RuleKey if k not in self.rules]
        if missing:
            raise UsageError(f"retention policy lacks rules for {', '.join(missing)}")
        for key, rule in self.rules.items():
            if rule.key is not key:
                raise UsageError(f"retention rule {rule.key.value} is filed under {key.value}")
        if not 0 <= self.overdue_after_days <= MAX_DAYS:
            raise UsageError(f"overdue_after_days must be 0 to {MAX_DAYS}")

    def rule(self, key: RuleKey) -> RetentionRule:
        """The rule for ``key``."""
        return self.rules[key]

    def to_toml_table(self) -> str:
        """The ``[retention]`` table (and one sub-table per rule) as TOML text, ending in a newline.

        Every rule is written in full, so the signed profile states the school's rules rather than relying on
        this version's defaults. Append it after the profile's top-level keys and before any ``[[reviewer]]``.
        """
        out = [f"[{TABLE}]", f"overdue_after_days = {self.overdue_after_days}"]
        for key in RuleKey:
            rule = self.rules[key]
            out += ["", f"[{TABLE}.{key.value}]"]
            if rule.days is not None:
                out.append(f"days = {rule.days}")
            else:
                out.append(f"dob_plus_years = {rule.dob_plus_years}")
            out.append(f'from = "{rule.anchor.value}"')
            out.append(f"note = {_toml_string(rule.note)}")
        return "\n".join(out) + "\n"

    @classmethod
    def parse(cls, table: object, *, source: str = "profile") -> RetentionPolicy:
        """Check and read the ``[retention]`` table as ``tomllib`` returns it.

        Every rule must be present; unknown keys, wrong types and out-of-range numbers are refused.

        Raises:
            RetentionTableError: naming ``source``, the key and the check (``type``, ``unknown key``,
                ``missing``, ``range``, ``value``).
        """
        where = f"{source}: [{TABLE}]"
        if not isinstance(table, dict):
            raise RetentionTableError(f"{where} is not a table", check="type", key=TABLE)
        allowed = {"overdue_after_days"} | {k.value for k in RuleKey}
        for name in table:
            if name not in allowed:
                raise RetentionTableError(f"{where}: unknown key {name!r}", check="unknown key", key=name)
        overdue = _int(table, "overdue_after_days", where, 0, MAX_DAYS, TABLE)
        rules: dict[RuleKey, RetentionRule] = {}
        for key in RuleKey:
            sub = table.get(key.value)
            if sub is None:
                raise RetentionTableError(f"{where}: no rule for {key.value!r}", check="missing", key=key.value)
            rules[key] = _parse_rule(key, sub, f"{source}: [{TABLE}.{key.value}]")
        return cls(rules=rules, overdue_after_days=overdue)


def _parse_rule(key: RuleKey, table: object, where: str) -> RetentionRule:
    path = f"{TABLE}.{key.value}"
    if not isinstance(table, dict):
        raise RetentionTableError(f"{where} is not a table", check="type", key=path)
    for name in table:
        if name not in {"days", "dob_plus_years", "from", "note"}:
            raise RetentionTableError(f"{where}: unknown key {name!r}", check="unknown key", key=f"{path}.{name}")
    has_days, has_dob = "days" in table, "dob_plus_years" in table
    if has_days == has_dob:
        raise RetentionTableError(
            f"{where}: give exactly one of 'days' and 'dob_plus_years'", check="missing", key=f"{path}.days"
        )
    days = _int(table, "days", where, 1, MAX_DAYS, path) if has_days else None
    years = _int(table, "dob_plus_years", where, 1, MAX_YEARS, path) if has_dob else None
    anchor_text = _str(table, "from", where, path)
    try:
        anchor = Anchor(anchor_text)
    except ValueError as e:
        raise RetentionTableError(
            f'{where}: \'from\' must be "incident" or "sealed"', check="value", key=f"{path}.from"
        ) from e
    note = _str(table, "note", where, path)
    if len(note) > MAX_NOTE or not is_clean_line(note):
        raise RetentionTableError(
            f"{where}: 'note' must be one line of at most {MAX_NOTE} printable characters",
            check="value",
            key=f"{path}.note",
        )
    return RetentionRule(key, days=days, dob_plus_years=years, anchor=anchor, note=note)


def _int(table: Mapping[str, Any], name: str, where: str, low: int, high: int, path: str) -> int:
    if name not in table:
        raise RetentionTableError(f"{where}: missing {name!r}", check="missing", key=f"{path}.{name}")
    value = table[name]
    if not isinstance(value, int) or isinstance(value, bool):
        raise RetentionTableError(f"{where}: {name!r} must be an integer", check="type", key=f"{path}.{name}")
    if not low <= value <= high:
        raise RetentionTableError(f"{where}: {name!r} must be {low} to {high}", check="range", key=f"{path}.{name}")
    return value


def _str(table: Mapping[str, Any], name: str, where: str, path: str) -> str:
    if name not in table:
        raise RetentionTableError(f"{where}: missing {name!r}", check="missing", key=f"{path}.{name}")
    value = table[name]
    if not isinstance(value, str):
        raise RetentionTableError(f"{where}: {name!r} must be a string", check="type", key=f"{path}.{name}")
    return value


def _toml_string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


DEFAULT_POLICY = RetentionPolicy(
    rules={
        RuleKey.CYBER_BULLYING: RetentionRule(
            RuleKey.CYBER_BULLYING,
            days=2192,
            note="Default: 6 years, as IRMS schools toolkit complaints files; Limitation Act 1980. School to confirm.",
        ),
        RuleKey.CONTACT_ATTEMPT: RetentionRule(
            RuleKey.CONTACT_ATTEMPT,
            days=3653,
            note="Default: 10 years, IRMS minimum for allegations against staff. School to confirm.",
        ),
        RuleKey.INAPPROPRIATE_CONTENT: RetentionRule(
            RuleKey.INAPPROPRIATE_CONTENT,
            days=1096,
            note="Default: 3 years, as IRMS records of contact with pupils. School to confirm.",
        ),
        RuleKey.DAMAGING_CONTENT: RetentionRule(
            RuleKey.DAMAGING_CONTENT,
            days=2192,
            note="Default: 6 years, as IRMS schools toolkit complaints files. School to confirm.",
        ),
        RuleKey.SAFEGUARDING: RetentionRule(
            RuleKey.SAFEGUARDING,
            dob_plus_years=25,
            note="Default: IRMS schools toolkit, child protection files: date of birth + 25 years. School to confirm.",
        ),
    }
)
"""The defaults a new profile proposes (see the module docstring for their basis); the school must confirm them."""


class EventKind(enum.Enum):
    """What a reviewer recorded about a case's retention (each is a signed revision)."""

    HOLD = "hold"
    """Legal hold: nothing may be disposed of until it is released."""
    RELEASE = "release"
    """Lifts one hold (named by ``lifts``)."""
    EXTENSION = "extension"
    """Keep for a further ``days`` from the event's date."""


@dataclass(frozen=True)
class RetentionEvent:
    """A hold, release or extension, as recorded in a signed review record.

    Attributes:
        kind: hold, release or extension.
        event_id: unique within the case; the revision that recorded it (e.g. ``r5``).
        time_utc: when it was recorded (aware).
        by_principal: the reviewer who signed it.
        reason: why, in the reviewer's words (required; e.g. "police investigation, reference 12/3456/26").
        days: for an extension, how many days to keep the case after ``time_utc``'s date; else None.
        lifts: for a release, the ``event_id`` of the hold it lifts; else None.
    """

    kind: EventKind
    event_id: str
    time_utc: dt.datetime
    by_principal: str
    reason: str
    days: int | None = None
    lifts: str | None = None

    def __post_init__(self) -> None:
        where = f"retention event {self.event_id!r}"
        if not isinstance(self.event_id, str) or not _EVENT_ID_RE.match(self.event_id):
            raise UsageError(f"{where}: the id must be 1 to 64 of A-Z a-z 0-9 . _ -")
        if self.time_utc.utcoffset() is None:
            raise UsageError(f"{where}: the time must be timezone-aware")
        if not _PRINCIPAL_RE.match(self.by_principal):
            raise UsageError(f"{where}: {self.by_principal!r} is not a principal")
        if not self.reason.strip() or len(self.reason) > MAX_REASON:
            raise UsageError(f"{where}: a reason of 1 to {MAX_REASON} characters is required")
        if (self.kind is EventKind.EXTENSION) != (self.days is not None):
            raise UsageError(f"{where}: an extension, and only an extension, states its days")
        if self.days is not None and not (isinstance(self.days, int) and 1 <= self.days <= MAX_DAYS):
            raise UsageError(f"{where}: an extension is 1 to {MAX_DAYS} days")
        if (self.kind is EventKind.RELEASE) != (self.lifts is not None):
            raise UsageError(f"{where}: a release, and only a release, names the hold it lifts")

    def to_json_dict(self) -> dict[str, Any]:
        """The event as stored in a review record's ``fields`` (canonical JSON ready)."""
        return {
            "kind": self.kind.value,
            "event_id": self.event_id,
            "time_utc": format_utc(self.time_utc),
            "by_principal": self.by_principal,
            "reason": self.reason,
            "days": self.days,
            "lifts": self.lifts,
        }

    @classmethod
    def parse(cls, value: object, *, source: str = "retention event") -> RetentionEvent:
        """Read :meth:`to_json_dict` output strictly.

        Raises:
            RetentionError: check ``record``, naming ``source``.
        """
        keys = {"kind", "event_id", "time_utc", "by_principal", "reason", "days", "lifts"}
        if not isinstance(value, dict) or set(value) != keys:
            raise RetentionError(f"{source}: expected exactly the fields {sorted(keys)}", check="record")
        try:
            kind = EventKind(value["kind"])
            for name in ("event_id", "time_utc", "by_principal", "reason"):
                if not isinstance(value[name], str):
                    raise UsageError(f"{name!r} must be a string")
            days, lifts = value["days"], value["lifts"]
            if days is not None and (not isinstance(days, int) or isinstance(days, bool)):
                raise UsageError("'days' must be an integer or null")
            if lifts is not None and not isinstance(lifts, str):
                raise UsageError("'lifts' must be a string or null")
            return cls(
                kind=kind,
                event_id=value["event_id"],
                time_utc=parse_utc(value["time_utc"]),
                by_principal=value["by_principal"],
                reason=value["reason"],
                days=days,
                lifts=lifts,
            )
        except (ValueError, EvidenceError) as e:
            raise RetentionError(f"{source}: {e}", check="record") from e


@dataclass(frozen=True)
class CaseFacts:
    """What retention needs to know about a case (plain data; no personal data beyond a date of birth).

    Attributes:
        reference: the incident reference.
        report_type: its report type.
        sealed: the date it was first sealed.
        incident: the date it happened, if known.
        date_of_birth: the pupil's date of birth, if known (only a date-of-birth rule uses it).
        safeguarding: true for a child protection case: the safeguarding rule applies as well.
        events: holds, releases and extensions, in revision order (not time order: clocks are not trusted).
    """

    reference: str
    report_type: ReportType
    sealed: dt.date
    incident: dt.date | None = None
    date_of_birth: dt.date | None = None
    safeguarding: bool = False
    events: Sequence[RetentionEvent] = field(default_factory=tuple)


class ReviewStatus(enum.Enum):
    """Where a case stands against its review date."""

    NOT_DUE = "not due"
    DUE = "due"
    OVERDUE = "overdue"
    ON_HOLD = "on hold"


class Attention(enum.Enum):
    """Things the reviewer should know or fix about a case's retention."""

    DATE_OF_BIRTH_NEEDED = "date of birth needed"
    INCIDENT_DATE_UNKNOWN = "incident date unknown"
    EXTENDED = "extended"


@dataclass(frozen=True)
class ReviewState:
    """A case's retention state on a given day.

    Attributes:
        reference: the incident reference.
        status: not due, due, overdue or on hold.
        due: the review date (holds do not change it; they block disposal).
        rule: the rule that set the date before any extension.
        extended_by: the ``event_id`` of the extension that set the date, or None.
        holds: the holds in force, oldest first.
        attention: what the reviewer should know (date of birth needed, ...).
        why: the reasoning in plain English, one line each, for the retention view (may hold reviewers' reasons;
            show it, never log it).
    """

    reference: str
    status: ReviewStatus
    due: dt.date
    rule: RuleKey
    extended_by: str | None
    holds: tuple[RetentionEvent, ...]
    attention: frozenset[Attention]
    why: tuple[str, ...]

    @property
    def may_dispose(self) -> bool:
        """True when the review date has come and no hold is in force."""
        return self.status in (ReviewStatus.DUE, ReviewStatus.OVERDUE)


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole years; 29 February becomes 1 March in a year without one (never earlier)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def _rule_date(rule: RetentionRule, facts: CaseFacts, attention: set[Attention], why: list[str]) -> dt.date:
    if rule.anchor is Anchor.INCIDENT and facts.incident is not None:
        anchor, anchor_name = facts.incident, "the incident"
    else:
        anchor, anchor_name = facts.sealed, "sealing"
        if rule.anchor is Anchor.INCIDENT:
            attention.add(Attention.INCIDENT_DATE_UNKNOWN)
    if rule.days is not None:
        due = anchor + dt.timedelta(days=rule.days)
        why.append(f"Rule {rule.key.value}: {rule.days} days after {anchor_name} ({anchor.isoformat()}) is {due}.")
        return due
    years = rule.dob_plus_years
    assert years is not None
    if facts.date_of_birth is not None:
        due = add_years(facts.date_of_birth, years)
        why.append(f"Rule {rule.key.value}: date of birth + {years} years is {due}.")
        return due
    attention.add(Attention.DATE_OF_BIRTH_NEEDED)
    due = add_years(anchor, years)
    why.append(
        f"Rule {rule.key.value}: date of birth + {years} years, but the date of birth is not recorded, so "
        f"{years} years after {anchor_name} ({due}) is used until it is (never earlier than the rule)."
    )
    return due


def _check_facts(facts: CaseFacts) -> None:
    try:
        check_ref(facts.reference)
    except UsageError as e:
        raise RetentionError(str(e), check="reference") from e
    if facts.incident is not None and facts.date_of_birth is not None and facts.date_of_birth > facts.incident:
        raise RetentionError(
            f"{facts.reference}: the date of birth is after the incident",
            check="date of birth",
            reference=facts.reference,
        )
    if facts.date_of_birth is not None and facts.date_of_birth > facts.sealed:
        raise RetentionError(
            f"{facts.reference}: the date of birth is after sealing", check="date of birth", reference=facts.reference
        )


def review_date(facts: CaseFacts, policy: RetentionPolicy, *, today: dt.date) -> ReviewState:
    """Derive a case's review date and status from its facts, the school's rules and its events.

    The review date is the latest of the applicable rules' dates (the report type's rule, and the safeguarding
    rule for a safeguarding case), moved later by any extension (an extension ending before it changes nothing).
    A case with a hold in force is :attr:`ReviewStatus.ON_HOLD` whatever its date; otherwise it is not due before
    the date, due from it, and overdue from ``overdue_after_days`` after it.

    Raises:
        RetentionError: check ``reference``, ``date of birth`` (after the incident or sealing), ``duplicate event``
            (two events share an id), or ``release without hold`` (a release names no hold in force).
    """
    _check_facts(facts)
    attention: set[Attention] = set()
    why: list[str] = []
    keys = [RuleKey.for_report_type(facts.report_type)]
    if facts.safeguarding:
        keys.append(RuleKey.SAFEGUARDING)
    dated = [(_rule_date(policy.rule(k), facts, attention, why), k) for k in keys]
    due, rule = max(dated, key=lambda pair: pair[0])
    if len(dated) > 1:
        why.append(f"The later date applies: {due} (rule {rule.value}).")
    extended_by = None
    holds: dict[str, RetentionEvent] = {}
    seen: set[str] = set()
    for event in facts.events:
        if event.event_id in seen:
            raise RetentionError(
                f"{facts.reference}: two retention events are numbered {event.event_id}",
                check="duplicate event",
                reference=facts.reference,
            )
        seen.add(event.event_id)
        when = event.time_utc.astimezone(dt.UTC).date()
        if event.kind is EventKind.HOLD:
            holds[event.event_id] = event
            why.append(f"Held on {when} by {event.by_principal} ({event.event_id}): {event.reason}")
        elif event.kind is EventKind.RELEASE:
            if event.lifts not in holds:
                raise RetentionError(
                    f"{facts.reference}: release {event.event_id} names {event.lifts}, which is not a hold in force",
                    check="release without hold",
                    reference=facts.reference,
                )
            del holds[event.lifts]
            why.append(f"Hold {event.lifts} released on {when} by {event.by_principal}: {event.reason}")
        else:
            assert event.days is not None
            until = when + dt.timedelta(days=event.days)
            if until > due:
                due, extended_by = until, event.event_id
                attention.add(Attention.EXTENDED)
                why.append(
                    f"Kept for {event.days} more days on {when} by {event.by_principal}, to {until}: {event.reason}"
                )
            else:
                why.append(f"Extension {event.event_id} to {until} ends before {due}, so it changes nothing.")
    if holds:
        status = ReviewStatus.ON_HOLD
        why.append(f"On hold: nothing may be disposed of until {len(holds)} hold(s) are released.")
    elif today < due:
        status = ReviewStatus.NOT_DUE
    elif today < due + dt.timedelta(days=policy.overdue_after_days):
        status = ReviewStatus.DUE
    else:
        status = ReviewStatus.OVERDUE
    return ReviewState(
        reference=facts.reference,
        status=status,
        due=due,
        rule=rule,
        extended_by=extended_by,
        holds=tuple(holds.values()),
        attention=frozenset(attention),
        why=tuple(why),
    )


def check_may_dispose(state: ReviewState, *, early: bool = False) -> None:
    """Refuse disposal while a hold is in force, and before the review date unless ``early`` is stated.

    Disposal before the review date has lawful reasons (an erasure request, a case recorded in error), so the
    caller may pass ``early=True`` with such a reason; a legal hold can never be overridden here.

    Raises:
        RetentionError: check ``on hold`` or ``not due``.
    """
    if state.status is ReviewStatus.ON_HOLD:
        raise RetentionError(
            f"{state.reference}: on legal hold ({', '.join(h.event_id for h in state.holds)}); release it first",
            check="on hold",
            reference=state.reference,
        )
    if state.status is ReviewStatus.NOT_DUE and not early:
        raise RetentionError(
            f"{state.reference}: not due for review until {state.due}", check="not due", reference=state.reference
        )


def suggest_safeguarding(details: IncidentDetails) -> bool:
    """The app's default answer to "is this a child protection case?" from the incident form.

    True when the form blocked capture (a nude or semi-nude image of a child), records self-harm, records content
    of a sexual nature aimed at a pupil, or carries a safeguarding note. The DSL confirms or changes it; the answer
    is stored with the case, never re-derived, so a later change to this function moves no review date.
    """
    categories = details.category_set()
    if details.safeguarding_block or Category.SELF_HARM in categories:
        return True
    if Category.SEXUAL in categories and details.target_role is TargetRole.PUPIL:
        return True
    return bool(details.safeguarding_note.strip())


def states(
    cases: Iterable[CaseFacts], policy: RetentionPolicy, *, today: dt.date
) -> list[ReviewState | RetentionError]:
    """:func:`review_date` of many cases, soonest first; a case whose facts are inconsistent yields its error."""
    out: list[ReviewState | RetentionError] = []
    for facts in cases:
        try:
            out.append(review_date(facts, policy, today=today))
        except RetentionError as e:
            out.append(e)
    return sorted(out, key=lambda s: (0, s.due.isoformat()) if isinstance(s, ReviewState) else (1, ""))
