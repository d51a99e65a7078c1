"""The Social Media Policy applied to an incident: routes, the police banner, labels and the checks before sealing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from evidence.case import policy
from evidence.case.incident import Category, IncidentDetails, PerpetratorType, ReportType, TargetRole
from evidence.core.errors import RecordError

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def complete(**changes: Any) -> IncidentDetails:
    """A cyber bullying incident that passes every check."""
    details = IncidentDetails(
        title="Abusive comments on Instagram",
        report_type=ReportType.CYBER_BULLYING,
        occurred="2026-11-24T19:05+00:00",
        platform="Instagram",
        categories=(Category.ABUSIVE,),
        target_name="J. Smith",
        target_role=TargetRole.STAFF,
        perpetrator_type=PerpetratorType.ADULT,
        perpetrator_handle="@someone",
        perpetrator_url="https://www.instagram.com/someone/",
        urls=("https://www.instagram.com/p/abc/",),
        description="Comments under the school's post about sports day.",
        not_responded=True,
        reported_to="A. Head, Headteacher",
    )
    return dataclasses.replace(details, **changes)


def problems_for(details: IncidentDetails, item_count: int = 1) -> dict[str, str]:
    return {p.field: p.message for p in policy.validate(details, item_count=item_count, now=NOW)}


# --- routes -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("report_type", "to", "sections"),
    [
        (ReportType.CYBER_BULLYING, "line manager or a senior staff member, then the Headteacher or DSL", "§9.3"),
        (ReportType.CONTACT_ATTEMPT, "Headteacher", "§6.5, §7.3, §7.4"),
        (ReportType.INAPPROPRIATE_CONTENT, "IT Support or the Director of IT", "§6.14, §7.8, §8.3"),
        (ReportType.DAMAGING_CONTENT, "Headteacher", "§6.7, §7.6"),
    ],
)
def test_each_report_type_has_its_policy_route(report_type: ReportType, to: str, sections: str) -> None:
    route = policy.route_for(report_type)
    assert to in route.to
    assert sections in route.sections
    assert route.evidence
    assert route.to in route.describe()
    assert route.sections in route.describe()


def test_inappropriate_content_also_goes_to_the_headteacher_and_asks_for_the_url() -> None:
    route = policy.route_for(ReportType.INAPPROPRIATE_CONTENT)
    assert "block" in route.to
    assert "Headteacher" in route.to
    assert "URL" in route.evidence


def test_cyber_bullying_evidence_includes_the_time_of_the_incident() -> None:
    assert "date and time of the incident (§9.4)" in policy.route_for(ReportType.CYBER_BULLYING).evidence


@pytest.mark.parametrize(
    ("perpetrator", "expected"),
    [
        (PerpetratorType.CURRENT_PUPIL, ["disciplinary procedures", "§9.5"]),
        (PerpetratorType.COLLEAGUE, ["disciplinary procedures", "§9.5"]),
        (PerpetratorType.ADULT, ["meets", "remove the content", "§9.6", "refuse", "platform", "§9.7"]),
        (PerpetratorType.UNKNOWN, ["handle", "profile", "report", "platform"]),
    ],
)
def test_perpetrator_type_sets_the_route(perpetrator: PerpetratorType, expected: list[str]) -> None:
    text = policy.perpetrator_route(perpetrator)
    for words in expected:
        assert words in text


def test_no_route_advises_deleting_anything() -> None:
    texts = [policy.perpetrator_route(p) for p in PerpetratorType]
    texts += [policy.route_for(r).describe() for r in ReportType]
    assert not any("delete" in text.lower() for text in texts)


# --- labels and resources -----------------------------------------------------------------------------------------


def test_every_closed_set_member_has_a_label() -> None:
    for kind in (ReportType, Category, TargetRole, PerpetratorType):
        for member in kind:
            assert policy.label(member).strip()


def test_labels_read_as_plain_english() -> None:
    assert policy.label(Category.HATE_CRIME) == "Hate crime"
    assert policy.label(Category.NUDE_IMAGE_OF_CHILD) == "Nude or semi-nude image of a child"
    assert policy.label(ReportType.CYBER_BULLYING) == "Cyber bullying incident"
    assert policy.label(PerpetratorType.ADULT) == "Adult or parent"


def test_platforms_are_those_of_policy_3_1_then_other() -> None:
    names = policy.platforms()
    assert names[:3] == ["Facebook", "LinkedIn", "X (Twitter)"]
    assert {"Snapchat", "WhatsApp", "YouTube", "TikTok"} <= set(names)
    assert names[-1] == policy.OTHER_PLATFORM == "Other"
    assert not any(name.startswith("#") for name in names)


def test_platforms_staff_meet_today_are_offered_issue_11() -> None:
    names = policy.platforms()
    for name in ("Discord", "Roblox", "Telegram", "Threads", "Snapchat", "WhatsApp", "TikTok", "Microsoft Teams"):
        assert name in names
    assert any(n.startswith("SMS") for n in names)
    assert any("console" in n for n in names)
    assert "E-mail" in names
    assert len(set(names)) == len(names)


def test_a_platform_no_longer_listed_stays_readable_in_an_old_incident() -> None:
    """The platform is text, not a closed set: an old incident's value survives a change of the list."""
    old = IncidentDetails.parse({**IncidentDetails().to_json_dict(), "platform": "Bebo"})
    assert old.platform == "Bebo"
    assert IncidentDetails.parse(old.to_json_dict()) == old
    assert "Bebo" not in policy.platforms()


def test_safeguarding_text_is_two_sentences_saying_do_not_copy_and_tell_the_dsl() -> None:
    text = policy.SAFEGUARDING_TEXT
    assert text.count(". ") + 1 == 2
    assert text.endswith(".")
    for words in ("view", "copy", "screenshot", "share", "save", "DSL", "now"):
        assert words in text


def test_safeguarding_links_point_to_report_remove_and_ceop() -> None:
    urls = [link.url for link in policy.SAFEGUARDING_LINKS]
    assert urls == [
        "https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/remove-nude-image-shared-online/",
        "https://www.ceop.police.uk/Safety-Centre/",
    ]
    assert "Report Remove" in policy.SAFEGUARDING_LINKS[0].title
    assert "CEOP" in policy.SAFEGUARDING_LINKS[1].title


# --- conditional fields -------------------------------------------------------------------------------------------


def test_shown_fields_follow_platform_categories_and_safeguarding() -> None:
    assert policy.shown_fields(complete()) == frozenset()
    assert policy.shown_fields(complete(platform="Other")) == {"platform_other"}
    assert policy.shown_fields(complete(categories=(Category.HATE_CRIME,))) == {"protected_characteristic"}
    assert policy.shown_fields(complete(categories=(Category.NUDE_IMAGE_OF_CHILD,))) == {"safeguarding_note"}


# --- the police banner --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "named"),
    [
        (Category.THREATENING, "threatening"),
        (Category.ABUSIVE, "abusive"),
        (Category.SEXIST, "sexist"),
        (Category.SEXUAL, "of a sexual nature"),
        (Category.HATE_CRIME, "hate crime"),
        (Category.HARASSMENT, "targeted harassment"),
        (Category.COURT_ORDER_BREACH, "breach of a court order"),
    ],
)
def test_police_categories_say_consider_contacting_the_police_and_why(category: Category, named: str) -> None:
    advice = policy.police_advice(complete(categories=(category,)))
    assert advice is not None
    assert advice.startswith("Consider contacting the police (policy §9.8)")
    assert named in advice


@pytest.mark.parametrize("categories", [(), (Category.OTHER,), (Category.SELF_HARM,), (Category.NUDE_IMAGE_OF_CHILD,)])
def test_no_police_banner_for_other_categories(categories: tuple[Category, ...]) -> None:
    assert policy.police_advice(complete(categories=categories)) is None


def test_police_banner_names_every_reason_in_a_stable_order() -> None:
    advice = policy.police_advice(complete(categories=(Category.SEXIST, Category.THREATENING, Category.OTHER)))
    assert advice is not None
    assert "as threatening and sexist." in advice


def test_police_banner_asks_for_the_protected_characteristic_of_a_hate_crime() -> None:
    asked = policy.police_advice(complete(categories=(Category.HATE_CRIME,)))
    assert asked is not None
    assert "Say which protected characteristic" in asked
    named = policy.police_advice(complete(categories=(Category.HATE_CRIME,), protected_characteristic="religion"))
    assert named is not None
    assert "hate crime (religion)" in named
    assert "Say which protected characteristic" not in named


# --- validation ---------------------------------------------------------------------------------------------------


def test_a_complete_incident_has_no_problems() -> None:
    assert policy.validate(complete(), item_count=1, now=NOW) == []


def test_an_empty_incident_names_every_missing_field_in_form_order() -> None:
    """Issue 11: only the quick report's fields are required to seal (they were ten before, title first)."""
    found = policy.validate(IncidentDetails(), item_count=0, now=NOW)
    assert [p.field for p in found] == [
        "description",
        "occurred",
        "platform",
        "target_name",
        "target_role",
        "perpetrator_type",
        "reported_to",
        "items",
    ]
    assert all(p.message.endswith((".", ")")) for p in found)


def test_what_can_be_added_later_is_not_required_to_seal() -> None:
    """Issue 11: the title, the categories and "I have not responded" can be added later, by the staff member or
    a reviewer (the police banner still follows the categories whenever they are ticked)."""
    later = complete(title="", categories=(), not_responded=False, perpetrator_handle="", perpetrator_url="", urls=())
    assert problems_for(later) == {}


def test_a_title_is_suggested_from_what_happened() -> None:
    assert policy.suggested_title(complete(description="Abusive comments.\nMore below.")) == "Abusive comments."
    long = "Several messages from an account we do not know, threatening a pupil on the way home from school"
    title = policy.suggested_title(complete(description=long))
    assert title.endswith("…")
    assert len(title) <= policy.TITLE_LENGTH
    assert long.startswith(title[:-1])
    assert policy.suggested_title(complete(description="")) == ""
    blocked = complete(categories=(Category.NUDE_IMAGE_OF_CHILD,))
    assert "DSL" in policy.suggested_title(blocked)


def test_when_it_happened_is_the_incident_time_not_the_capture_time() -> None:
    assert problems_for(complete(occurred=""))["occurred"] == (
        "Say when it happened (the date and time of the incident, not of the capture)."
    )


@pytest.mark.parametrize(
    ("occurred", "words"),
    [
        ("yesterday evening", "as a date and time"),
        ("2026-11-24", "time as well as the date"),
        ("2026-11-25T12:30+00:00", "cannot be in the future"),
        ("2027-01-01T09:00", "cannot be in the future"),
    ],
)
def test_when_it_happened_must_be_an_iso_date_time_in_the_past(occurred: str, words: str) -> None:
    assert words in problems_for(complete(occurred=occurred))["occurred"]


@pytest.mark.parametrize("occurred", ["2026-11-25T11:59+00:00", "2026-11-25T11:59:59Z", "2026-11-25 06:59-05:00"])
def test_past_iso_times_with_an_offset_pass(occurred: str) -> None:
    assert "occurred" not in problems_for(complete(occurred=occurred))


def test_other_platform_must_be_named() -> None:
    assert problems_for(complete(platform="Other"))["platform_other"] == "Name the platform (you chose Other)."
    assert "platform_other" not in problems_for(complete(platform="Other", platform_other="Mastodon"))
    assert "from the list" in problems_for(complete(platform="Myspace"))["platform"]


def test_unknown_category_is_refused() -> None:
    """Issue 9: an unknown category used to be dropped silently (and with it, possibly, the safeguarding block); it
    is now refused where the details are parsed, so no check downstream ever sees a partial set."""
    stored = {**complete().to_json_dict(), "categories": ["gossip", Category.NUDE_IMAGE_OF_CHILD.value]}
    with pytest.raises(RecordError) as e:
        IncidentDetails.parse(stored)
    assert e.value.field == "categories"


def test_hate_crime_needs_its_protected_characteristic() -> None:
    message = problems_for(complete(categories=(Category.HATE_CRIME,)))["protected_characteristic"]
    assert message.startswith("Say which protected characteristic")
    assert "protected_characteristic" not in problems_for(
        complete(categories=(Category.HATE_CRIME,), protected_characteristic="disability")
    )


def test_target_is_required_for_cyber_bullying_only() -> None:
    bare: dict[str, Any] = {"target_name": "", "target_role": None}
    assert {"target_name", "target_role"} <= problems_for(complete(**bare)).keys()
    contact = problems_for(complete(report_type=ReportType.CONTACT_ATTEMPT, **bare))
    assert not {"target_name", "target_role"} & contact.keys()


def test_reported_to_names_where_the_report_goes() -> None:
    message = problems_for(complete(report_type=ReportType.CONTACT_ATTEMPT, reported_to=" "))["reported_to"]
    assert message == "Say who you reported it to, by name. This kind of report goes to the Headteacher."


def test_unknown_report_type_is_refused() -> None:
    """An unknown report type is refused where the details are parsed (before issue 9, by validate)."""
    with pytest.raises(RecordError) as e:
        IncidentDetails.parse({**complete().to_json_dict(), "report_type": "gossip"})
    assert e.value.field == "report_type"


@pytest.mark.parametrize("url", ["www.example.com/p", "ftp://example.com/x", "javascript:alert(1)", "https://", ""])
def test_urls_must_be_http_or_https(url: str) -> None:
    message = problems_for(complete(urls=("https://ok.example/", url)))["urls"]
    assert "http:// or https://" in message
    assert "line 2" in message


def test_perpetrator_url_is_optional_but_must_be_a_web_address() -> None:
    assert "perpetrator_url" not in problems_for(complete(perpetrator_url=""))
    assert "https://" in problems_for(complete(perpetrator_url="instagram.com/someone"))["perpetrator_url"]


def test_at_least_one_item_unless_safeguarding_blocked() -> None:
    assert problems_for(complete(), item_count=0)["items"].startswith("Capture at least one item")


def test_safeguarding_block_needs_a_dsl_note_instead_of_items() -> None:
    blocked = complete(categories=(Category.NUDE_IMAGE_OF_CHILD,), urls=())
    found = problems_for(blocked, item_count=0)
    assert set(found) == {"safeguarding_note", "device"}
    assert "DSL" in found["safeguarding_note"]
    noted = dataclasses.replace(blocked, safeguarding_note="Described to the DSL.", device="A pupil's phone")
    assert problems_for(noted, item_count=0) == {}


def test_a_dsl_note_is_sealed_on_its_own_short_form() -> None:
    """Issue 11: what, who, when and which device (and the DSL told), not the cyber-bullying form."""
    bare = IncidentDetails(categories=(Category.NUDE_IMAGE_OF_CHILD,))
    found = [p.field for p in policy.validate(bare, item_count=0, now=NOW)]
    assert found == ["safeguarding_note", "target_name", "occurred", "device", "reported_to"]


def test_safeguarding_blocked_incident_must_hold_no_items() -> None:
    blocked = complete(categories=(Category.NUDE_IMAGE_OF_CHILD,), safeguarding_note="Told the DSL.")
    assert "must hold no captured items" in problems_for(blocked, item_count=1)["items"]


def test_validate_defaults_to_the_clock() -> None:
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat(timespec="minutes")
    assert "occurred" in {p.field for p in policy.validate(complete(occurred=future), item_count=1)}
