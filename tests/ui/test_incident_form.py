"""The incident form: a faithful view of IncidentDetails that shows what evidence.case.policy says, and nothing more.

The form is never shown: the offscreen platform warns on show(), and Qt warnings fail a test. Visibility is checked
with ``isVisibleTo(form)``, which is what the user would see once the form is shown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QScrollArea, QWidget

from evidence.case import policy
from evidence.case.incident import Category, IncidentDetails, PerpetratorType, ReportType, TargetRole
from ui.incident_form import QtIncidentForm

LOCAL_TIME = dt.datetime(2026, 11, 24, 19, 5).astimezone().isoformat(timespec="minutes")


def test_qt_calls_keep_their_reference_to_none(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Guards the pin in pyproject.toml: PySide6 6.12.0 dropped a reference to None on every void Qt call, which on
    Python 3.11 aborts the interpreter after about 5,000 calls ("none_dealloc")."""
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(100):
        label.setText("x")
    assert sys.getrefcount(None) >= before


def full_details() -> IncidentDetails:
    return IncidentDetails(
        title="Abusive comments on Instagram",
        report_type=ReportType.DAMAGING_CONTENT,
        occurred=LOCAL_TIME,
        platform="Other",
        platform_other="Mastodon",
        categories=(Category.ABUSIVE, Category.HATE_CRIME),
        protected_characteristic="religion",
        target_name="J. Smith",
        target_role=TargetRole.STAFF,
        perpetrator_type=PerpetratorType.ADULT,
        perpetrator_name="A. Parent",
        perpetrator_handle="@someone",
        perpetrator_url="https://social.example/@someone",
        urls=("https://social.example/@someone/1", "https://social.example/@someone/2"),
        description="Posts about me under the school's announcement.\nThree so far.",
        not_responded=True,
        reported_to="A. Head, Headteacher",
        support_sought="Line manager; union rep",
        witnesses="B. Colleague",
        safeguarding_note="",
    )


@pytest.fixture
def form(qtbot) -> QtIncidentForm:  # type: ignore[no-untyped-def]
    widget = QtIncidentForm(IncidentDetails())
    qtbot.addWidget(widget)
    return widget


def choose(combo: QComboBox, value: str) -> None:
    combo.setCurrentIndex(combo.findData(value))


# --- the model round trip -----------------------------------------------------------------------------------------


def test_round_trip_details_form_details(qtbot) -> None:  # type: ignore[no-untyped-def]
    details = full_details()
    widget = QtIncidentForm(details)
    qtbot.addWidget(widget)
    assert widget.details() == details


def test_round_trip_of_empty_details_leaves_everything_unset(form: QtIncidentForm) -> None:
    assert form.details() == IncidentDetails()
    assert not form.occurred_edit.is_set()
    assert form.occurred_edit.text() == "Not set: choose the date and time"


def test_set_details_replaces_everything_without_emitting_changed(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    with qtbot.assertNotEmitted(form.changed):
        form.set_details(full_details())
    assert form.details() == full_details()
    form.set_details(IncidentDetails())
    assert form.details() == IncidentDetails()


def test_a_platform_no_longer_listed_is_kept(form: QtIncidentForm) -> None:
    form.set_details(dataclasses.replace(full_details(), platform="Myspace"))
    assert form.details().platform == "Myspace"


def test_typing_emits_changed_and_reads_back(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(form.changed):
        qtbot.keyClicks(form.title_edit, "Threats on Snapchat")
    qtbot.keyClicks(form.urls_edit, "https://a.example/1")
    qtbot.keyClick(form.urls_edit, Qt.Key.Key_Return)
    qtbot.keyClick(form.urls_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(form.urls_edit, " https://a.example/2 ")
    details = form.details()
    assert details.title == "Threats on Snapchat"
    assert details.urls == ("https://a.example/1", "https://a.example/2")


def test_the_incident_time_starts_unset_and_the_first_step_is_now(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    before = dt.datetime.now().astimezone().replace(second=0, microsecond=0)
    with qtbot.waitSignal(form.changed):
        qtbot.keyClick(form.occurred_edit, Qt.Key.Key_Up)
    when = dt.datetime.fromisoformat(form.details().occurred)
    assert before <= when <= dt.datetime.now().astimezone()
    assert "occurred" not in {p.field for p in policy.validate(form.details(), item_count=1)}


# --- problems shown inline ----------------------------------------------------------------------------------------


def test_problems_appear_under_their_fields_and_clear_on_the_next_edit(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    problems = policy.validate(form.details(), item_count=0)
    assert form.show_problems(problems) is False
    title_problem = form.problem_labels["title"]
    assert title_problem.isVisibleTo(form)
    assert title_problem.text() == next(p.message for p in problems if p.field == "title")
    assert form.problem_labels["occurred"].text().startswith("Say when it happened")
    assert form.general_problems_label.isVisibleTo(form)
    assert "Capture at least one item" in form.general_problems_label.text()
    assert form.title_edit.accessibleDescription() == title_problem.text()

    qtbot.keyClicks(form.title_edit, "T")
    assert not title_problem.isVisibleTo(form)
    assert form.title_edit.accessibleDescription() == ""
    assert form.problem_labels["platform"].isVisibleTo(form)  # other fields keep their messages


def test_no_problems_returns_true_and_clears_everything(form: QtIncidentForm) -> None:
    form.show_problems(policy.validate(form.details(), item_count=0))
    assert form.show_problems([]) is True
    assert not any(label.isVisibleTo(form) for label in form.problem_labels.values())
    assert not form.general_problems_label.isVisibleTo(form)


def test_every_problem_validate_can_raise_has_a_place(form: QtIncidentForm) -> None:
    fields = {f.name for f in dataclasses.fields(IncidentDetails)} - {"perpetrator_name", "perpetrator_handle"}
    fields -= {"support_sought", "witnesses", "description"}
    assert fields <= form.problem_labels.keys()


# --- routes -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("report_type", list(ReportType))
def test_route_label_follows_the_report_type(qtbot, form: QtIncidentForm, report_type: ReportType) -> None:  # type: ignore[no-untyped-def]
    form.set_details(IncidentDetails(report_type=ReportType.CYBER_BULLYING))
    with qtbot.waitSignal(form.changed, raising=report_type is not ReportType.CYBER_BULLYING, timeout=100):
        choose(form.report_type_combo, report_type.value)
    assert form.report_route_label.text() == policy.route_for(report_type).describe()
    assert form.report_route_label.isVisibleTo(form)


def test_contact_attempt_route_names_the_headteacher_and_sections(form: QtIncidentForm) -> None:
    choose(form.report_type_combo, ReportType.CONTACT_ATTEMPT.value)
    assert "Headteacher" in form.report_route_label.text()
    assert "§6.5, §7.3, §7.4" in form.report_route_label.text()


def test_perpetrator_route_label_follows_the_perpetrator_type(form: QtIncidentForm) -> None:
    assert not form.perpetrator_route_label.isVisibleTo(form)
    for kind in PerpetratorType:
        choose(form.perpetrator_type_combo, kind.value)
        assert form.perpetrator_route_label.text() == policy.perpetrator_route(kind)
        assert form.perpetrator_route_label.isVisibleTo(form)
    choose(form.perpetrator_type_combo, "")
    assert not form.perpetrator_route_label.isVisibleTo(form)


# --- conditional fields and the police banner ---------------------------------------------------------------------


def test_other_platform_field_shows_only_for_other(form: QtIncidentForm) -> None:
    assert not form.platform_other_edit.isVisibleTo(form)
    choose(form.platform_combo, "Other")
    assert form.platform_other_edit.isVisibleTo(form)
    choose(form.platform_combo, "TikTok")
    assert not form.platform_other_edit.isVisibleTo(form)


@pytest.mark.parametrize(
    "category", [Category.THREATENING, Category.ABUSIVE, Category.SEXIST, Category.SEXUAL, Category.HATE_CRIME]
)
def test_police_banner_appears_for_section_9_8_categories(qtbot, form: QtIncidentForm, category: Category) -> None:  # type: ignore[no-untyped-def]
    assert not form.police_banner.isVisibleTo(form)
    with qtbot.waitSignal(form.changed):
        qtbot.mouseClick(form.category_boxes[category], Qt.MouseButton.LeftButton)
    assert form.police_banner.isVisibleTo(form)
    assert form.police_banner.text() == policy.police_advice(form.details())
    assert form.police_banner.text().startswith("Consider contacting the police (policy §9.8)")
    qtbot.mouseClick(form.category_boxes[category], Qt.MouseButton.LeftButton)
    assert not form.police_banner.isVisibleTo(form)


def test_no_police_banner_for_other(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(form.category_boxes[Category.OTHER], Qt.MouseButton.LeftButton)
    assert form.details().categories == (Category.OTHER,)
    assert not form.police_banner.isVisibleTo(form)
    assert form.police_banner.text() == ""


def test_hate_crime_asks_for_and_requires_the_protected_characteristic(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    assert not form.protected_characteristic_edit.isVisibleTo(form)
    qtbot.mouseClick(form.category_boxes[Category.HATE_CRIME], Qt.MouseButton.LeftButton)
    assert form.protected_characteristic_edit.isVisibleTo(form)
    assert "Say which protected characteristic" in form.police_banner.text()

    form.show_problems(policy.validate(form.details(), item_count=1))
    problem = form.problem_labels["protected_characteristic"]
    assert problem.isVisibleTo(form)
    assert problem.text().startswith("Say which protected characteristic the hate crime targets")

    qtbot.keyClicks(form.protected_characteristic_edit, "race")
    assert not problem.isVisibleTo(form)
    assert "hate crime (race)" in form.police_banner.text()
    assert "protected_characteristic" not in {p.field for p in policy.validate(form.details(), item_count=1)}


# --- safeguarding -------------------------------------------------------------------------------------------------


def test_safeguarding_category_is_set_apart_from_the_others(form: QtIncidentForm) -> None:
    assert Category.NUDE_IMAGE_OF_CHILD not in form.category_boxes
    assert form.safeguarding_box.text() == "Nude or semi-nude image of a child"
    frame = form.findChild(QWidget, "safeguarding_frame")
    assert frame is not None
    assert form.safeguarding_box.parent() is frame
    assert "border" in frame.styleSheet()


def test_safeguarding_category_emits_and_shows_the_text_links_and_dsl_note(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    assert not form.safeguarding_panel.isVisibleTo(form)
    assert not form.safeguarding_note_edit.isVisibleTo(form)
    with qtbot.waitSignal(form.safeguarding_changed) as blocker:
        qtbot.mouseClick(form.safeguarding_box, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    assert form.safeguarding_text_label.isVisibleTo(form)
    assert form.safeguarding_text_label.text() == policy.SAFEGUARDING_TEXT
    links = form.safeguarding_links_label.text()
    for link in policy.SAFEGUARDING_LINKS:
        assert f'href="{link.url}"' in links
    assert form.safeguarding_links_label.openExternalLinks()
    assert form.safeguarding_note_edit.isVisibleTo(form)
    labels = [label.text() for label in form.findChildren(QLabel)]
    assert "Safeguarding note for the DSL (text only)" in labels

    qtbot.keyClicks(form.safeguarding_note_edit, "Told the DSL at 10:15.")
    details = form.details()
    assert details.safeguarding_block
    assert details.safeguarding_note == "Told the DSL at 10:15."

    with qtbot.waitSignal(form.safeguarding_changed) as blocker:
        qtbot.mouseClick(form.safeguarding_box, Qt.MouseButton.LeftButton)
    assert blocker.args == [False]
    assert not form.safeguarding_panel.isVisibleTo(form)


def test_set_details_reports_a_change_of_safeguarding_state(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    blocked = IncidentDetails(categories=(Category.NUDE_IMAGE_OF_CHILD,), safeguarding_note="Told the DSL.")
    with qtbot.waitSignal(form.safeguarding_changed) as blocker:
        form.set_details(blocked)
    assert blocker.args == [True]
    assert form.safeguarding_box.isChecked()
    with qtbot.assertNotEmitted(form.safeguarding_changed):
        form.set_details(blocked)


def test_blocked_incident_asks_for_the_dsl_note_not_items(form: QtIncidentForm) -> None:
    form.set_details(IncidentDetails(categories=(Category.NUDE_IMAGE_OF_CHILD,)))
    form.show_problems(policy.validate(form.details(), item_count=0))
    assert form.problem_labels["safeguarding_note"].isVisibleTo(form)
    assert not form.general_problems_label.isVisibleTo(form)


# --- fit and accessibility ----------------------------------------------------------------------------------------


def test_fields_sit_in_a_scroll_area_and_have_accessible_names(form: QtIncidentForm) -> None:
    area = form.findChild(QScrollArea, "scroll_area")
    assert area is form.scroll_area
    assert area.widgetResizable()
    inputs = [
        form.title_edit,
        form.report_type_combo,
        form.occurred_edit,
        form.platform_combo,
        form.platform_other_edit,
        form.urls_edit,
        form.description_edit,
        form.safeguarding_box,
        form.safeguarding_note_edit,
        *form.category_boxes.values(),
        form.protected_characteristic_edit,
        form.police_banner,
        form.target_name_edit,
        form.target_role_combo,
        form.perpetrator_type_combo,
        form.perpetrator_name_edit,
        form.perpetrator_handle_edit,
        form.perpetrator_url_edit,
        form.witnesses_edit,
        form.not_responded_box,
        form.reported_to_edit,
        form.support_sought_edit,
    ]
    for widget in inputs:
        assert widget.accessibleName(), widget.objectName()
        assert widget.objectName()
    assert form.findChild(QWidget, "title") is form.title_edit
