"""Retention rules, the [retention] profile table, and review dates with holds and extensions (issue 17)."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import replace

import pytest

from evidence.case.incident import Category, IncidentDetails, ReportType, TargetRole
from evidence.case.retention import (
    DEFAULT_POLICY,
    Anchor,
    Attention,
    Basis,
    CaseFacts,
    EventKind,
    RetentionError,
    RetentionEvent,
    RetentionPolicy,
    RetentionRule,
    RetentionTableError,
    ReviewStatus,
    RuleKey,
    add_years,
    check_may_dispose,
    review_date,
    states,
    suggest_safeguarding,
)
from evidence.core.errors import ProfileError, UsageError

REF = "EC-20261125-7F3A9C"
SEALED = dt.date(2026, 11, 26)
INCIDENT = dt.date(2026, 11, 25)


def _event(kind: EventKind, event_id: str, when: str, **kw: object) -> RetentionEvent:
    return RetentionEvent(
        kind=kind,
        event_id=event_id,
        time_utc=dt.datetime.fromisoformat(when).replace(tzinfo=dt.UTC),
        by_principal="dsl@school.example",
        reason=kw.pop("reason", "police investigation, reference 12/3456/26"),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def _facts(**kw: object) -> CaseFacts:
    base = CaseFacts(reference=REF, report_type=ReportType.CYBER_BULLYING, sealed=SEALED, incident=INCIDENT)
    return replace(base, **kw)  # type: ignore[arg-type]


def test_every_report_type_has_a_rule_and_safeguarding_is_extra() -> None:
    assert {RuleKey.for_report_type(t) for t in ReportType} | {RuleKey.SAFEGUARDING} == set(RuleKey)
    for key in RuleKey:
        assert DEFAULT_POLICY.rule(key).key is key
        assert "School to confirm" in DEFAULT_POLICY.rule(key).note
    assert DEFAULT_POLICY.rule(RuleKey.SAFEGUARDING).basis is Basis.DATE_OF_BIRTH
    assert DEFAULT_POLICY.rule(RuleKey.SAFEGUARDING).dob_plus_years == 25


@pytest.mark.parametrize(
    ("report_type", "days"),
    [
        (ReportType.CYBER_BULLYING, 2192),
        (ReportType.CONTACT_ATTEMPT, 3653),
        (ReportType.INAPPROPRIATE_CONTENT, 1096),
        (ReportType.DAMAGING_CONTENT, 2192),
    ],
)
def test_period_rules_count_days_from_the_incident(report_type: ReportType, days: int) -> None:
    state = review_date(_facts(report_type=report_type), DEFAULT_POLICY, today=SEALED)
    assert state.due == INCIDENT + dt.timedelta(days=days)
    assert state.rule is RuleKey.for_report_type(report_type)
    assert state.status is ReviewStatus.NOT_DUE
    assert not state.attention


def test_unknown_incident_date_falls_back_to_the_sealed_date_and_says_so() -> None:
    state = review_date(_facts(incident=None), DEFAULT_POLICY, today=SEALED)
    assert state.due == SEALED + dt.timedelta(days=2192)
    assert state.attention == {Attention.INCIDENT_DATE_UNKNOWN}


def test_a_rule_may_count_from_sealing() -> None:
    rules = dict(DEFAULT_POLICY.rules)
    rules[RuleKey.CYBER_BULLYING] = RetentionRule(RuleKey.CYBER_BULLYING, days=10, anchor=Anchor.SEALED)
    state = review_date(_facts(), RetentionPolicy(rules), today=SEALED)
    assert state.due == SEALED + dt.timedelta(days=10)


def test_safeguarding_uses_date_of_birth_plus_25_years_when_later() -> None:
    dob = dt.date(2013, 4, 2)
    state = review_date(_facts(safeguarding=True, date_of_birth=dob), DEFAULT_POLICY, today=SEALED)
    assert state.due == dt.date(2038, 4, 2)
    assert state.rule is RuleKey.SAFEGUARDING
    assert not state.attention


def test_the_later_rule_wins_when_the_type_rule_ends_after_the_birthday() -> None:
    rules = dict(DEFAULT_POLICY.rules)
    rules[RuleKey.CYBER_BULLYING] = RetentionRule(RuleKey.CYBER_BULLYING, days=36_500)
    state = review_date(
        _facts(safeguarding=True, date_of_birth=dt.date(2013, 4, 2)), RetentionPolicy(rules), today=SEALED
    )
    assert state.rule is RuleKey.CYBER_BULLYING
    assert state.due == INCIDENT + dt.timedelta(days=36_500)


def test_unknown_date_of_birth_falls_back_to_years_after_the_incident_and_flags_it() -> None:
    state = review_date(_facts(safeguarding=True), DEFAULT_POLICY, today=SEALED)
    assert state.due == dt.date(2051, 11, 25)
    assert Attention.DATE_OF_BIRTH_NEEDED in state.attention
    # The fallback is never earlier than the rule for any child born on or before the incident.
    for dob in (dt.date(2008, 1, 1), dt.date(2019, 6, 30), INCIDENT):
        known = review_date(_facts(safeguarding=True, date_of_birth=dob), DEFAULT_POLICY, today=SEALED)
        assert known.due <= state.due


def test_leap_day_birthdays_end_on_1_march() -> None:
    assert add_years(dt.date(2012, 2, 29), 25) == dt.date(2037, 3, 1)
    assert add_years(dt.date(2012, 2, 29), 28) == dt.date(2040, 2, 29)


def test_status_moves_from_not_due_to_due_to_overdue() -> None:
    due = INCIDENT + dt.timedelta(days=2192)
    facts = _facts()
    assert review_date(facts, DEFAULT_POLICY, today=due - dt.timedelta(days=1)).status is ReviewStatus.NOT_DUE
    assert review_date(facts, DEFAULT_POLICY, today=due).status is ReviewStatus.DUE
    assert review_date(facts, DEFAULT_POLICY, today=due + dt.timedelta(days=29)).status is ReviewStatus.DUE
    overdue = review_date(facts, DEFAULT_POLICY, today=due + dt.timedelta(days=30))
    assert overdue.status is ReviewStatus.OVERDUE
    assert overdue.may_dispose


def test_a_hold_blocks_disposal_until_released() -> None:
    late = dt.date(2040, 1, 1)
    hold = _event(EventKind.HOLD, "r3", "2027-01-05T10:00:00")
    held = review_date(_facts(events=(hold,)), DEFAULT_POLICY, today=late)
    assert held.status is ReviewStatus.ON_HOLD
    assert held.holds == (hold,)
    assert not held.may_dispose
    with pytest.raises(RetentionError) as e:
        check_may_dispose(held, early=True)
    assert e.value.check == "on hold"

    release = _event(EventKind.RELEASE, "r4", "2030-02-01T09:00:00", lifts="r3", reason="case closed by police")
    released = review_date(_facts(events=(hold, release)), DEFAULT_POLICY, today=late)
    assert released.status is ReviewStatus.OVERDUE
    assert released.holds == ()
    check_may_dispose(released)


def test_two_holds_need_two_releases() -> None:
    events = (
        _event(EventKind.HOLD, "r3", "2027-01-05T10:00:00"),
        _event(EventKind.HOLD, "r4", "2027-02-05T10:00:00", reason="civil claim notified"),
        _event(EventKind.RELEASE, "r5", "2028-01-05T10:00:00", lifts="r3", reason="police closed it"),
    )
    state = review_date(_facts(events=events), DEFAULT_POLICY, today=dt.date(2040, 1, 1))
    assert state.status is ReviewStatus.ON_HOLD
    assert [h.event_id for h in state.holds] == ["r4"]


def test_an_extension_moves_the_date_later_never_earlier() -> None:
    due = INCIDENT + dt.timedelta(days=2192)
    ext = _event(EventKind.EXTENSION, "r6", f"{due.isoformat()}T12:00:00", days=365, reason="pupil still at school")
    state = review_date(_facts(events=(ext,)), DEFAULT_POLICY, today=due)
    assert state.due == due + dt.timedelta(days=365)
    assert state.extended_by == "r6"
    assert Attention.EXTENDED in state.attention
    assert state.status is ReviewStatus.NOT_DUE

    short = _event(EventKind.EXTENSION, "r2", "2027-01-01T12:00:00", days=30, reason="review in a month")
    unchanged = review_date(_facts(events=(short,)), DEFAULT_POLICY, today=due)
    assert unchanged.due == due
    assert unchanged.extended_by is None


def test_disposal_before_the_date_needs_early() -> None:
    state = review_date(_facts(), DEFAULT_POLICY, today=SEALED)
    with pytest.raises(RetentionError) as e:
        check_may_dispose(state)
    assert e.value.check == "not due"
    check_may_dispose(state, early=True)


@pytest.mark.parametrize(
    ("facts", "check"),
    [
        (_facts(events=(_event(EventKind.RELEASE, "r4", "2030-02-01T09:00:00", lifts="r3"),)), "release without hold"),
        (
            _facts(
                events=(
                    _event(EventKind.HOLD, "r3", "2027-01-05T10:00:00"),
                    _event(EventKind.HOLD, "r3", "2027-01-06T10:00:00"),
                )
            ),
            "duplicate event",
        ),
        (_facts(date_of_birth=dt.date(2027, 1, 1)), "date of birth"),
        (_facts(reference="../etc/passwd"), "reference"),
    ],
)
def test_inconsistent_facts_raise_their_own_check(facts: CaseFacts, check: str) -> None:
    with pytest.raises(RetentionError) as e:
        review_date(facts, DEFAULT_POLICY, today=SEALED)
    assert e.value.check == check


def test_states_sorts_by_date_and_keeps_errors_apart() -> None:
    bad = _facts(reference="EC-20261125-000001", date_of_birth=dt.date(2030, 1, 1))
    soon = _facts(reference="EC-20261125-000002", report_type=ReportType.INAPPROPRIATE_CONTENT)
    later = _facts(reference="EC-20261125-000003")
    out = states([later, bad, soon], DEFAULT_POLICY, today=SEALED)
    assert [getattr(s, "reference", None) for s in out] == ["EC-20261125-000002", "EC-20261125-000003", bad.reference]
    assert isinstance(out[2], RetentionError)


@pytest.mark.parametrize(
    "kw",
    [
        {"kind": EventKind.HOLD, "days": 10},
        {"kind": EventKind.EXTENSION},
        {"kind": EventKind.EXTENSION, "days": 0},
        {"kind": EventKind.RELEASE},
        {"kind": EventKind.HOLD, "lifts": "r1"},
        {"kind": EventKind.HOLD, "reason": "  "},
        {"kind": EventKind.HOLD, "event_id": "r 1"},
        {"kind": EventKind.HOLD, "by_principal": "not a principal"},
        {"kind": EventKind.HOLD, "time_utc": dt.datetime(2027, 1, 1)},  # naive on purpose
    ],
)
def test_malformed_events_are_refused(kw: dict[str, object]) -> None:
    base: dict[str, object] = {
        "event_id": "r1",
        "time_utc": dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
        "by_principal": "dsl@school.example",
        "reason": "why",
    }
    with pytest.raises(UsageError):
        RetentionEvent(**{**base, **kw})  # type: ignore[arg-type]


def test_event_json_round_trips_and_parse_is_strict() -> None:
    ext = _event(EventKind.EXTENSION, "r6", "2033-01-01T12:00:00", days=365, reason="still at school")
    assert RetentionEvent.parse(ext.to_json_dict()) == ext
    broken = {**ext.to_json_dict(), "extra": 1}
    with pytest.raises(RetentionError) as e:
        RetentionEvent.parse(broken)
    assert e.value.check == "record"
    with pytest.raises(RetentionError):
        RetentionEvent.parse({**ext.to_json_dict(), "days": True})
    with pytest.raises(RetentionError):
        RetentionEvent.parse({**ext.to_json_dict(), "time_utc": "2033-01-01 12:00"})


def test_suggest_safeguarding_from_the_form() -> None:
    assert not suggest_safeguarding(IncidentDetails(categories=(Category.ABUSIVE,)))
    assert suggest_safeguarding(IncidentDetails(categories=(Category.SELF_HARM,)))
    assert suggest_safeguarding(IncidentDetails(categories=(Category.NUDE_IMAGE_OF_CHILD,)))
    assert suggest_safeguarding(IncidentDetails(categories=(Category.SEXUAL,), target_role=TargetRole.PUPIL))
    assert not suggest_safeguarding(IncidentDetails(categories=(Category.SEXUAL,), target_role=TargetRole.STAFF))
    assert suggest_safeguarding(IncidentDetails(safeguarding_note="Known to social care"))


# ---- the [retention] table ----


def test_toml_table_round_trips_through_tomllib() -> None:
    text = DEFAULT_POLICY.to_toml_table()
    assert text.startswith("[retention]\n")
    parsed = RetentionPolicy.parse(tomllib.loads(text)["retention"])
    assert parsed == DEFAULT_POLICY


def test_toml_table_fits_in_a_profile_before_the_reviewers() -> None:
    rules = dict(DEFAULT_POLICY.rules)
    rules[RuleKey.DAMAGING_CONTENT] = RetentionRule(
        RuleKey.DAMAGING_CONTENT, days=400, anchor=Anchor.SEALED, note='Our schedule §4.2 "complaints" \\ v2'
    )
    policy = RetentionPolicy(rules, overdue_after_days=14)
    profile = 'format = 2\nschool = "X"\n\n' + policy.to_toml_table() + '\n[[reviewer]]\nname = "A"\n'
    doc = tomllib.loads(profile)
    assert doc["reviewer"] == [{"name": "A"}]
    assert RetentionPolicy.parse(doc["retention"]) == policy


def _table() -> dict[str, object]:
    return tomllib.loads(DEFAULT_POLICY.to_toml_table())["retention"]  # type: ignore[no-any-return]


def _with(path: str, value: object) -> dict[str, object]:
    table = _table()
    parts = path.split(".")
    target: dict[str, object] = table
    for part in parts[:-1]:
        target = target[part]  # type: ignore[assignment]
    if value is _DELETE:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value
    return table


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "check"),
    [
        ("surprise", 1, "unknown key"),
        ("cyber-bullying.weeks", 1, "unknown key"),
        ("safeguarding", _DELETE, "missing"),
        ("overdue_after_days", _DELETE, "missing"),
        ("cyber-bullying.days", _DELETE, "missing"),
        ("cyber-bullying.from", _DELETE, "missing"),
        ("cyber-bullying.note", _DELETE, "missing"),
        ("cyber-bullying.dob_plus_years", 25, "missing"),
        ("cyber-bullying.days", "2192", "type"),
        ("cyber-bullying.days", True, "type"),
        ("cyber-bullying.days", 2192.0, "type"),
        ("cyber-bullying.days", 0, "range"),
        ("cyber-bullying.days", 36_501, "range"),
        ("safeguarding.dob_plus_years", 101, "range"),
        ("overdue_after_days", -1, "range"),
        ("cyber-bullying.from", "closure", "value"),
        ("cyber-bullying.note", "two\nlines", "value"),
        ("cyber-bullying.note", "x" * 201, "value"),
        ("cyber-bullying", 5, "type"),
    ],
)
def test_table_is_strict(path: str, value: object, check: str) -> None:
    with pytest.raises(RetentionTableError) as e:
        RetentionPolicy.parse(_with(path, value), source="school.toml")
    assert e.value.check == check
    assert isinstance(e.value, ProfileError)


def test_table_must_be_a_table() -> None:
    with pytest.raises(RetentionTableError) as e:
        RetentionPolicy.parse([1, 2])
    assert e.value.check == "type"


def test_rules_refuse_nonsense() -> None:
    with pytest.raises(UsageError):
        RetentionRule(RuleKey.CYBER_BULLYING)
    with pytest.raises(UsageError):
        RetentionRule(RuleKey.CYBER_BULLYING, days=10, dob_plus_years=1)
    rules = dict(DEFAULT_POLICY.rules)
    del rules[RuleKey.SAFEGUARDING]
    with pytest.raises(UsageError):
        RetentionPolicy(rules)
    rules = dict(DEFAULT_POLICY.rules)
    rules[RuleKey.SAFEGUARDING] = DEFAULT_POLICY.rule(RuleKey.CYBER_BULLYING)
    with pytest.raises(UsageError):
        RetentionPolicy(rules)


def test_describe_holds_no_case_data() -> None:
    assert DEFAULT_POLICY.rule(RuleKey.CYBER_BULLYING).describe() == "2192 days after the incident"
    text = DEFAULT_POLICY.rule(RuleKey.SAFEGUARDING).describe()
    assert text == "date of birth + 25 years (if unknown: 25 years after the incident)"
