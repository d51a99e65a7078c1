"""The incident form: a faithful view of IncidentDetails that shows what evidence.case.policy says, and nothing more.

The form is never shown: the offscreen platform warns on show(), and Qt warnings fail a test. Visibility is checked
with ``isVisibleTo(form)``, which is what the user would see once the form is shown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QMessageBox, QScrollArea, QWidget

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
    assert form.occurred_edit.date_edit.text() == "Choose the date"
    assert form.perpetrator_type_combo.currentData() == ""  # who did it starts unset, never "Someone else"


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


def test_the_incident_time_starts_unset_and_just_now_is_one_click(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    before = dt.datetime.now().astimezone().replace(second=0, microsecond=0)
    with qtbot.waitSignal(form.changed):
        qtbot.mouseClick(form.occurred_edit.just_now_button, Qt.MouseButton.LeftButton)
    when = dt.datetime.fromisoformat(form.details().occurred)
    assert before <= when <= dt.datetime.now().astimezone()
    assert "occurred" not in {p.field for p in policy.validate(form.details(), item_count=1)}


def test_the_first_step_of_the_unset_date_is_today(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(form.changed):
        qtbot.keyClick(form.occurred_edit.date_edit, Qt.Key.Key_Up)
    assert form.details().occurred == dt.date.today().isoformat()  # a date alone: the policy asks for the time
    found = {p.field: p.message for p in policy.validate(form.details(), item_count=1)}
    assert "time as well" in found["occurred"]


def test_a_typed_time_is_never_turned_into_another(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    """Issue 11: typing 18:30 into the old date-time edit gave 07:18."""
    qtbot.mouseClick(form.occurred_edit.yesterday_button, Qt.MouseButton.LeftButton)
    assert form.occurred_edit.time_edit.hasFocus() or not form.isVisible()
    qtbot.keyClicks(form.occurred_edit.time_edit, "18:30")
    when = dt.datetime.fromisoformat(form.details().occurred)
    assert (when.date(), when.hour, when.minute) == (dt.date.today() - dt.timedelta(days=1), 18, 30)
    assert when.utcoffset() is not None


def test_a_time_that_cannot_be_read_is_said_so_not_guessed(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    edit = form.occurred_edit
    qtbot.mouseClick(edit.earlier_today_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(edit.time_edit, "7:1")
    assert edit.hint_label.isVisibleTo(form)
    assert form.details().occurred == dt.date.today().isoformat()
    edit.time_edit.clear()
    qtbot.keyClicks(edit.time_edit, "6.30pm")
    assert not edit.hint_label.isVisibleTo(form)
    assert dt.datetime.fromisoformat(form.details().occurred).hour == 18


# --- the quick report ---------------------------------------------------------------------------------------------


def test_the_quick_report_comes_first_in_the_tab_order(form: QtIncidentForm) -> None:
    """Issue 11: the quick report's fields follow one another with Tab, what happened first."""
    wanted = [
        form.description_edit,
        form.occurred_edit.just_now_button,
        form.occurred_edit.earlier_today_button,
        form.occurred_edit.yesterday_button,
        form.occurred_edit.date_edit,
        form.occurred_edit.time_edit,
        form.platform_combo,
        form.platform_other_edit,
        form.target_name_edit,
        form.target_role_combo,
        form.perpetrator_type_combo,
        form.reported_to_edit,
        form.title_edit,
    ]
    chain = []
    widget = form.description_edit
    while len(chain) < len(wanted):
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget in wanted:
            chain.append(widget)
        widget = widget.nextInFocusChain()
    assert chain == wanted


def test_a_guessed_platform_is_chosen_only_when_none_is_and_says_so(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(form.changed):
        assert form.suggest_platform("Instagram")
    assert form.details().platform == "Instagram"
    assert form.platform_note.isVisibleTo(form)
    assert not form.suggest_platform("TikTok")  # a choice is never replaced
    choose(form.platform_combo, "TikTok")
    assert not form.platform_note.isVisibleTo(form)
    assert not form.suggest_platform("Myspace")


# --- the mouse wheel ----------------------------------------------------------------------------------------------


def _wheel(widget: QWidget) -> None:
    where = QPointF(widget.rect().center())
    event = QWheelEvent(
        where,
        QPointF(widget.mapToGlobal(where.toPoint())),
        QPoint(0, 0),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


@pytest.mark.parametrize("name", ["perpetrator_type_combo", "target_role_combo", "platform_combo", "report_type_combo"])
def test_the_wheel_changes_no_answer_without_focus(qtbot, form: QtIncidentForm, name: str) -> None:  # type: ignore[no-untyped-def]
    """Issue 11: scrolling the form over "Who is said to have done it" changed it (and the route) silently."""
    combo: QComboBox = getattr(form, name)
    before = combo.currentIndex()
    with qtbot.assertNotEmitted(form.changed):
        _wheel(combo)
    assert combo.currentIndex() == before
    assert combo.focusPolicy() == Qt.FocusPolicy.StrongFocus


def test_the_wheel_changes_no_date_without_focus(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    with qtbot.assertNotEmitted(form.changed):
        _wheel(form.occurred_edit.date_edit)
    assert not form.occurred_edit.is_set()


def test_every_combo_and_spin_box_of_the_form_is_guarded(form: QtIncidentForm) -> None:
    from PySide6.QtWidgets import QAbstractSpinBox

    guarded = [w for w in form.findChildren(QWidget) if isinstance(w, (QComboBox, QAbstractSpinBox))]
    assert len(guarded) >= 5
    assert all(w.focusPolicy() != Qt.FocusPolicy.WheelFocus for w in guarded)


# --- problems shown inline ----------------------------------------------------------------------------------------


def test_problems_appear_under_their_fields_and_clear_on_the_next_edit(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    problems = policy.validate(form.details(), item_count=0)
    assert form.show_problems(problems) is False
    what_problem = form.problem_labels["description"]
    assert what_problem.isVisibleTo(form)
    assert what_problem.text() == next(p.message for p in problems if p.field == "description")
    assert form.problem_labels["occurred"].text().startswith("Say when it happened")
    assert form.general_problems_label.isVisibleTo(form)
    assert "Capture at least one item" in form.general_problems_label.text()
    assert form.description_edit.accessibleDescription() == what_problem.text()

    qtbot.keyClicks(form.description_edit, "T")
    assert not what_problem.isVisibleTo(form)
    assert form.description_edit.accessibleDescription() == ""
    assert form.problem_labels["platform"].isVisibleTo(form)  # other fields keep their messages


def test_no_problems_returns_true_and_clears_everything(form: QtIncidentForm) -> None:
    form.show_problems(policy.validate(form.details(), item_count=0))
    assert form.show_problems([]) is True
    assert not any(label.isVisibleTo(form) for label in form.problem_labels.values())
    assert not form.general_problems_label.isVisibleTo(form)


def test_every_problem_validate_can_raise_has_a_place(form: QtIncidentForm) -> None:
    fields = {f.name for f in dataclasses.fields(IncidentDetails)} - {"perpetrator_name", "perpetrator_handle"}
    fields -= {"support_sought", "witnesses", "safeguarding_note", "device"}
    assert fields <= form.problem_labels.keys()
    blocked = IncidentDetails(categories=(Category.NUDE_IMAGE_OF_CHILD,))
    dsl_fields = {p.field for p in policy.validate(blocked, item_count=1)} - {"items"}
    assert dsl_fields <= form.dsl_form.problem_labels.keys()


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


def test_ticking_it_replaces_the_report_with_the_short_dsl_note(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    """Issue 11: a text-only DSL note has a short form of its own: what, who, when and which device."""
    form.set_details(full_details())
    assert form.stack.currentWidget() is form.scroll_area
    with qtbot.waitSignal(form.safeguarding_changed) as blocker:
        qtbot.mouseClick(form.safeguarding_box, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    assert form.safeguarding
    dsl = form.dsl_form
    assert form.stack.currentWidget() is dsl
    assert dsl.findChild(QLabel, "safeguarding_text").text() == policy.SAFEGUARDING_TEXT
    links = dsl.findChild(QLabel, "safeguarding_links")
    for link in policy.SAFEGUARDING_LINKS:
        assert f'href="{link.url}"' in links.text()
    assert links.openExternalLinks()
    assert [dsl.form_layout.labelForField(w.parentWidget()).text() for w in dsl.inputs.values()] == [
        "What you saw",
        "Who is involved",
        "When",
        "Which device it was on",
        "The DSL you told",
    ]
    # what both forms share carries over
    assert dsl.who_edit.text() == "J. Smith"
    assert dsl.dsl_edit.text() == "A. Head, Headteacher"
    qtbot.keyClicks(dsl.note_edit, "Told the DSL at 10:15.")
    qtbot.keyClicks(dsl.device_edit, "A pupil's phone")
    details = form.details()
    assert details.safeguarding_block
    assert (details.safeguarding_note, details.device) == ("Told the DSL at 10:15.", "A pupil's phone")
    assert details.description == full_details().description  # nothing else is lost


def test_unticking_asks_before_hiding_the_note(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    marked = IncidentDetails(categories=(Category.NUDE_IMAGE_OF_CHILD,), safeguarding_note="Told the DSL.")
    form.set_details(marked)
    box = form.dsl_form.marked_box
    with qtbot.assertNotEmitted(form.safeguarding_changed):
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert box.isChecked()  # still ticked while the question is open
    question = form.unmark_box
    assert question is not None
    assert question.isVisible()
    qtbot.mouseClick(question.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
    assert form.safeguarding
    assert form.details() == marked

    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    question = form.unmark_box
    assert question is not None
    with qtbot.waitSignal(form.safeguarding_changed) as blocker:
        qtbot.mouseClick(question.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    assert blocker.args == [False]
    assert form.stack.currentWidget() is form.scroll_area
    details = form.details()
    assert not details.safeguarding_block
    assert details.safeguarding_note == "Told the DSL."  # hidden, not deleted


def test_the_dsl_note_says_what_became_of_the_items(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    form.set_details(IncidentDetails(categories=(Category.NUDE_IMAGE_OF_CHILD,)))
    dsl = form.dsl_form
    form.set_removal(0, 0)
    assert not dsl.removal_notice.isVisibleTo(form)
    form.set_removal(2, 0)
    assert dsl.removal_notice.isVisibleTo(form)
    assert dsl.remove_button.isVisibleTo(form)
    assert "2 captured items" in dsl.removal_label.text()
    with qtbot.waitSignal(form.remove_requested):
        qtbot.mouseClick(dsl.remove_button, Qt.MouseButton.LeftButton)
    form.set_removal(0, 2)
    assert not dsl.remove_button.isVisibleTo(form)
    assert "were removed from this computer" in dsl.removal_label.text()


def test_set_details_reports_a_change_of_safeguarding_state(qtbot, form: QtIncidentForm) -> None:  # type: ignore[no-untyped-def]
    blocked = IncidentDetails(categories=(Category.NUDE_IMAGE_OF_CHILD,), safeguarding_note="Told the DSL.")
    with qtbot.waitSignal(form.safeguarding_changed) as blocker:
        form.set_details(blocked)
    assert blocker.args == [True]
    assert form.stack.currentWidget() is form.dsl_form
    with qtbot.assertNotEmitted(form.safeguarding_changed):
        form.set_details(blocked)
    assert form.details() == blocked


def test_blocked_incident_asks_for_the_dsl_note_not_items(form: QtIncidentForm) -> None:
    form.set_details(IncidentDetails(categories=(Category.NUDE_IMAGE_OF_CHILD,)))
    form.show_problems(policy.validate(form.details(), item_count=0))
    assert form.dsl_form.problem_labels["safeguarding_note"].isVisibleTo(form)
    assert form.dsl_form.problem_labels["device"].isVisibleTo(form)
    assert not form.dsl_form.general_problems_label.isVisibleTo(form)
    form.show_problems(policy.validate(form.details(), item_count=1))
    assert "must hold no captured items" in form.dsl_form.general_problems_label.text()


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
        form.dsl_form.note_edit,
        form.dsl_form.device_edit,
        form.dsl_form.marked_box,
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
