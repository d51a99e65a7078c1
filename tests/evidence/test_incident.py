"""The typed incident record: enums for the closed sets, a strict parse naming the field, the v1 JSON form kept."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from evidence.case.incident import Category, IncidentDetails, PerpetratorType, ReportType, TargetRole
from evidence.core import canonical
from evidence.core.errors import RecordError

V1_JSON: dict[str, Any] = {
    "categories": ["threatening", "nude-image-of-child"],
    "description": "Messages in the group chat.",
    "not_responded": True,
    "occurred": "2026-11-24T18:30",
    "perpetrator_handle": "@someone",
    "perpetrator_name": "",
    "perpetrator_type": "current-pupil",
    "perpetrator_url": "",
    "platform": "Instagram",
    "platform_other": "",
    "protected_characteristic": "",
    "report_type": "contact-attempt",
    "reported_to": "Form tutor",
    "safeguarding_note": "Told the DSL.",
    "support_sought": "",
    "target_name": "Pupil A",
    "target_role": "",
    "title": "Threats",
    "urls": ["https://social.example/p/1"],
    "witnesses": "",
}
"""Incident details exactly as the first release stored them (vault) and sealed them (``data/incident.json``)."""


def test_v1_json_parses_to_enums_and_writes_back_byte_for_byte() -> None:
    details = IncidentDetails.parse(V1_JSON)
    assert details.categories == (Category.THREATENING, Category.NUDE_IMAGE_OF_CHILD)
    assert details.report_type is ReportType.CONTACT_ATTEMPT
    assert details.target_role is None
    assert details.perpetrator_type is PerpetratorType.CURRENT_PUPIL
    assert details.safeguarding_block
    assert canonical.dumps(details.to_json_dict()) == canonical.dumps(V1_JSON)


def test_defaults_write_the_v1_empty_form() -> None:
    empty = IncidentDetails().to_json_dict()
    assert empty["report_type"] == "cyber-bullying"
    assert (empty["categories"], empty["urls"], empty["target_role"], empty["perpetrator_type"]) == ([], [], "", "")
    assert IncidentDetails.parse(empty) == IncidentDetails()
    assert IncidentDetails.parse({}) == IncidentDetails()  # missing keys take their defaults


def test_the_json_form_keeps_the_form_order() -> None:
    """A subject access copy walks the form field by field: the JSON form lists them in the record's order."""
    with_device = dataclasses.replace(IncidentDetails.parse(V1_JSON), device="A pupil's phone")
    assert list(with_device.to_json_dict()) == [f.name for f in dataclasses.fields(IncidentDetails)]


def test_the_device_is_written_only_when_given() -> None:
    """Issue 11 added ``device`` (for a safeguarding note): left out while empty, so v1 records stay byte for byte."""
    assert "device" not in IncidentDetails().to_json_dict()
    details = IncidentDetails(device="A school laptop")
    assert details.to_json_dict()["device"] == "A school laptop"
    assert IncidentDetails.parse(details.to_json_dict()) == details
    with pytest.raises(RecordError) as e:
        IncidentDetails.parse({"device": 3})
    assert e.value.field == "device"


def test_unknown_keys_are_ignored() -> None:
    assert IncidentDetails.parse({**V1_JSON, "added_in_v2": "x"}) == IncidentDetails.parse(V1_JSON)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("categories", ["gossip"]),
        ("categories", ["nude-image-of-child", "gossip"]),  # never a silent drop, never a partial set
        ("categories", "threatening"),
        ("categories", [1]),
        ("report_type", ""),
        ("report_type", "gossip"),
        ("target_role", "teacher"),
        ("perpetrator_type", None),
        ("title", 7),
        ("urls", ["https://a.example", 3]),
        ("not_responded", "yes"),
    ],
)
def test_bad_values_are_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(RecordError) as e:
        IncidentDetails.parse({**V1_JSON, field: value})
    assert (e.value.record, e.value.field) == ("incident details", field)


def test_not_an_object_is_refused() -> None:
    with pytest.raises(RecordError):
        IncidentDetails.parse(["title"])


@pytest.mark.parametrize(
    "change",
    [
        {"categories": ("threatening",)},
        {"categories": [Category.THREATENING]},
        {"report_type": "cyber-bullying"},
        {"target_role": "pupil"},
        {"urls": ["https://a.example"]},
    ],
)
def test_strings_where_enums_belong_are_a_programming_error(change: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        dataclasses.replace(IncidentDetails(), **change)


def test_every_role_and_perpetrator_round_trips() -> None:
    for role in TargetRole:
        for kind in PerpetratorType:
            details = IncidentDetails(target_role=role, perpetrator_type=kind)
            assert IncidentDetails.parse(details.to_json_dict()) == details
