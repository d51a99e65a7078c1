"""Subject access copies: the subject's own data disclosed, everyone else's withheld or replaced, and no third
party's name surviving anywhere in the text, descriptions included (issue 17)."""

from __future__ import annotations

import re

import pytest

from evidence.case.incident import Category, IncidentDetails, PerpetratorType, ReportType, TargetRole
from evidence.case.sar import (
    Disclosure,
    Person,
    PersonKind,
    Relation,
    SarError,
    Scrubber,
    Withhold,
    fold,
    subject_access_copy,
)

AMELIA = Person("Amelia Hart", Relation.TARGET, PersonKind.PUPIL)
TOM = Person(
    "Tom Jones",
    Relation.PERPETRATOR,
    PersonKind.PUPIL,
    ("@tomj_2009", "https://www.instagram.com/tomj_2009/", "tom.jones09@example.com"),
)
PRIYA = Person("Priya Shah", Relation.WITNESS, PersonKind.PUPIL)
ZOE = Person("Zoë O'Neill", Relation.WITNESS, PersonKind.PUPIL)
DAWSON = Person("Clare Dawson", Relation.REPORTER, PersonKind.STAFF, ("Mrs Dawson",))
MARK = Person("Mark Hart", Relation.OTHER, PersonKind.PARENT)
PEOPLE = [AMELIA, TOM, PRIYA, ZOE, DAWSON, MARK]

DETAILS = IncidentDetails(
    title="TOM JONES posted abuse about Amelia on Instagram",
    report_type=ReportType.CYBER_BULLYING,
    occurred="2026-11-23T19:40",
    platform="Instagram",
    categories=(Category.ABUSIVE, Category.HARASSMENT),
    target_name="Amelia Hart",
    target_role=TargetRole.PUPIL,
    perpetrator_type=PerpetratorType.CURRENT_PUPIL,
    perpetrator_name="Tom Jones",
    perpetrator_handle="@tomj_2009",
    perpetrator_url="https://www.instagram.com/tomj_2009/",
    urls=("https://www.instagram.com/p/Cx1/",),
    description=(
        "On Monday evening tom posted a photo of Amelia with a caption calling her names.\n"
        "Priya Shah and zoe o\u2019neill saw it and told Mrs Dawson the next morning. Tom's friends shared it; "
        "later Jones messaged Amelia again from tomj_2009 (he also uses tom.jones09@example.com).\n"
        "Amelia's dad, Mark Hart, phoned the school. PRIYA said she was scared of Tom."
    ),
    not_responded=True,
    reported_to="Mrs Clare Dawson (Head of Year 8)",
    support_sought="Spoke to clare dawson and the school counsellor",
    witnesses="Priya Shah, Zo\u00eb O'Neill",
    safeguarding_note="Known to social care; Tom's older brother involved",
)

LABELS = {"cyber-bullying": "Cyber bullying incident", "abusive": "Abusive", "harassment": "Harassment"}


def _third_party_words() -> list[str]:
    """Every name, name part and identifier of the people other than Amelia, folded."""
    words = ["tom", "jones", "priya", "shah", "zoe", "o'neill", "clare", "dawson", "mark", "tomj_2009"]
    words += ["instagram.com/tomj", "tom.jones09", "example.com"]
    return words


def _assert_no_third_party(text: str) -> None:
    folded = fold(text)
    for word in _third_party_words():
        assert not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", folded), word


def test_target_gets_own_data_and_no_one_elses_name_survives() -> None:
    copy = subject_access_copy(
        DETAILS.to_json_dict(), PEOPLE, "amelia hart", reference="EC-20261125-7F3A9C", labels=LABELS
    )
    _assert_no_third_party(copy.text)
    for decision in copy.decisions:
        _assert_no_third_party(decision.text)
    for item in copy.withheld:
        _assert_no_third_party(item.what + item.why)
    assert "Amelia Hart" in copy.text
    assert "Name of the person targeted: Amelia Hart" in copy.text
    assert "Type of report: Cyber bullying incident" in copy.text
    assert "What kind of content: Abusive; Harassment" in copy.text
    assert "Title: [another pupil A] posted abuse about Amelia on Instagram" in copy.text
    assert "Reported to: Mrs [a member of staff] (Head of Year 8)" in copy.text
    assert "Amelia's dad, [a parent], phoned the school." in copy.text
    assert "[another pupil A]'s friends shared it" in copy.text


def test_each_field_is_decided_with_its_reason() -> None:
    copy = subject_access_copy(DETAILS.to_json_dict(), PEOPLE, "Amelia Hart")
    decided = {d.field: (d.disclosure, d.reason) for d in copy.decisions}
    assert decided["target_name"] == (Disclosure.DISCLOSED, None)
    assert decided["description"] == (Disclosure.PARTLY, Withhold.THIRD_PARTY)
    assert decided["platform"] == (Disclosure.DISCLOSED, None)
    for field in ("perpetrator_name", "perpetrator_handle", "perpetrator_url", "witnesses"):
        assert decided[field] == (Disclosure.WITHHELD, Withhold.THIRD_PARTY)
    assert decided["urls"] == (Disclosure.WITHHELD, Withhold.LINKS)
    assert decided["safeguarding_note"] == (Disclosure.WITHHELD, Withhold.SAFEGUARDING)
    assert "title" in decided
    assert "protected_characteristic" not in decided
    withheld = [w.what for w in copy.withheld]
    assert withheld[:5] == [
        "Name of the person said to have done it",
        "Handle of the person said to have done it",
        "Profile address of the person said to have done it",
        "Web addresses of the content",
        "Witnesses",
    ]
    assert withheld[5] == "Safeguarding note"
    assert withheld[6].startswith("Other people's names, handles or addresses in the text (")
    assert "What was withheld and why" in copy.text
    assert "- Witnesses: withheld because it is another person's personal data" in copy.text


def test_the_perpetrator_gets_their_own_fields_and_not_the_targets() -> None:
    copy = subject_access_copy(DETAILS.to_json_dict(), PEOPLE, "Tom Jones")
    decided = {d.field: d.disclosure for d in copy.decisions}
    assert decided["perpetrator_name"] is Disclosure.DISCLOSED
    assert decided["perpetrator_handle"] is Disclosure.DISCLOSED
    assert decided["target_name"] is Disclosure.WITHHELD
    assert "Amelia" not in copy.text
    assert "Hart" not in copy.text
    assert "Title: TOM JONES posted abuse about [another pupil A] on Instagram" in copy.text
    for word in ("priya", "shah", "zoe", "clare", "dawson", "mark"):
        assert not re.search(rf"(?<!\w){word}(?!\w)", fold(copy.text)), word


def test_a_shared_surname_is_not_removed_alone_but_a_full_name_is() -> None:
    copy = subject_access_copy({"description": "Mark Hart and Mr Hart and Mark came in."}, PEOPLE, "Amelia Hart")
    assert copy.decisions[0].text == "[a parent] and Mr Hart and [a parent] came in."


def test_placeholders_are_lettered_only_when_needed() -> None:
    scrub = Scrubber([AMELIA, TOM, DAWSON], AMELIA)
    assert scrub.placeholders == ("[another pupil]", "[a member of staff]")
    assert scrub.scrub("tom told Clare DAWSON") == ("[another pupil] told [a member of staff]", 2)
    lettered = Scrubber(PEOPLE, AMELIA)
    assert lettered.placeholders == (
        "[another pupil A]",
        "[another pupil B]",
        "[another pupil C]",
        "[a member of staff]",
        "[a parent]",
    )


def test_matching_ignores_case_accents_apostrophes_and_line_breaks() -> None:
    scrub = Scrubber(PEOPLE, AMELIA)
    for text in ("ZOE O\u2019NEILL", "Zoë O'Neill", "zoe\no'neill", "Zoe", "O'Neill's phone", "ZOË"):
        out, count = scrub.scrub(text)
        assert count >= 1, (text, out)
        assert "zo" not in fold(out), (text, out)
        assert "neill" not in fold(out), (text, out)
    assert scrub.scrub("Tomorrow at the Tombola") == ("Tomorrow at the Tombola", 0)  # whole words only
    assert scrub.scrub("Straße") == ("Straße", 0)


def test_subject_must_be_one_named_person() -> None:
    with pytest.raises(SarError) as e:
        subject_access_copy({"title": "x"}, PEOPLE, "Someone Else")
    assert e.value.check == "subject"
    twins = [*PEOPLE, Person("amelia  HART", Relation.WITNESS, PersonKind.PUPIL)]
    with pytest.raises(SarError) as e:
        subject_access_copy({"title": "x"}, twins, "Amelia Hart")
    assert e.value.check == "subject"


def test_unknown_fields_are_withheld_not_guessed() -> None:
    copy = subject_access_copy({"title": "Tom again", "pupil_address": "1 High St"}, PEOPLE, "Amelia Hart")
    decided = {d.field: (d.disclosure, d.reason) for d in copy.decisions}
    assert decided["pupil_address"] == (Disclosure.WITHHELD, Withhold.UNCLASSIFIED)
    assert "1 High St" not in copy.text


def test_values_of_the_wrong_type_are_refused() -> None:
    with pytest.raises(SarError) as e:
        subject_access_copy({"title": {"nested": "Tom"}}, PEOPLE, "Amelia Hart")
    assert e.value.check == "field"


def test_people_must_have_names() -> None:
    with pytest.raises(SarError) as e:
        subject_access_copy({"title": "x"}, [AMELIA, Person(" ", Relation.OTHER, PersonKind.OTHER)], "Amelia Hart")
    assert e.value.check == "people"


def test_a_name_that_survives_stops_the_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Scrubber, "scrub", lambda self, text: (text, 0))
    with pytest.raises(SarError) as e:
        subject_access_copy(DETAILS.to_json_dict(), PEOPLE, "Amelia Hart")
    assert e.value.check == "survived"


def test_hostile_text_is_cleaned() -> None:
    copy = subject_access_copy({"title": "Tom\x1b[2J\u202esaid"}, PEOPLE, "Amelia Hart")
    assert "\x1b" not in copy.text
    assert "\u202e" not in copy.text
    assert "Title: [another pupil A] [2Jsaid" in copy.text
