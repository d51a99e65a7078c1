"""The incident form: a view of :class:`~evidence.case.incident.IncidentDetails`.

The form holds no rules of its own. Routes, the police banner, which conditional fields show, the safeguarding
text and links, and the problems before sealing all come from :mod:`evidence.case.policy`; the form only displays them.
"""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import QDate, QDateTime, QEvent, QObject, Qt, QTime, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from evidence.case import policy
from evidence.case.incident import Category, IncidentDetails, PerpetratorType, ReportType, TargetRole

_NOT_SET = QDateTime(QDate(2000, 1, 1), QTime(0, 0))
"""The time edit's minimum, shown as "Not set": the incident's time is never guessed for the user."""

_PROBLEM_STYLE = "color: #b00020; font-weight: bold;"
_ROUTE_STYLE = "color: palette(text); background: palette(alternate-base); padding: 4px; border-radius: 3px;"
_POLICE_STYLE = (
    "QLabel#police_banner { background: #fff4d6; color: #3d2c00; border: 1px solid #c99400;"
    " border-radius: 4px; padding: 8px; font-weight: bold; }"
)
_SAFEGUARDING_STYLE = (
    "QFrame#safeguarding_frame { background: #fdf0f0; border: 2px solid #9b1c1c; border-radius: 4px; }"
    " QFrame#safeguarding_frame QLabel, QFrame#safeguarding_frame QCheckBox { color: #3b0a0a; }"
)


class _IncidentTimeEdit(QDateTimeEdit):
    """A date-time edit that starts "Not set", so the incident's own time is always chosen, never defaulted.

    The first step (arrow key, wheel or spin button) from "Not set" jumps to the current minute; opening the
    calendar from "Not set" shows this month rather than the sentinel's.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        self.setMinimumDateTime(_NOT_SET)
        self.setSpecialValueText("Not set: choose the date and time")
        self.setDateTime(_NOT_SET)
        self.calendarWidget().installEventFilter(self)

    def is_set(self) -> bool:
        """True when a date and time has been chosen."""
        return self.dateTime() != _NOT_SET

    def clear_time(self) -> None:
        """Go back to "Not set"."""
        self.setDateTime(_NOT_SET)

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt override
        """Step the current section; from "Not set", jump to the current minute first."""
        if self.is_set():
            super().stepBy(steps)
            return
        now = QDateTime.currentDateTime()
        self.setDateTime(QDateTime(now.date(), QTime(now.time().hour(), now.time().minute())))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Open the calendar on this month when no date is set yet."""
        if watched is self.calendarWidget() and event.type() == QEvent.Type.Show and not self.is_set():
            today = QDate.currentDate()
            self.calendarWidget().setCurrentPage(today.year(), today.month())
        return super().eventFilter(watched, event)


def _text_box(parent: QWidget, lines: int) -> QPlainTextEdit:
    box = QPlainTextEdit(parent)
    box.setTabChangesFocus(True)
    height = box.fontMetrics().lineSpacing() * lines + 14
    box.setMinimumHeight(height)
    box.setMaximumHeight(height)
    return box


def _combo(parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(16)  # long labels elide rather than widen the form
    return combo


def _note(text: str, parent: QWidget, object_name: str) -> QLabel:
    note = QLabel(text, parent)
    note.setObjectName(object_name)
    note.setWordWrap(True)
    note.setTextFormat(Qt.TextFormat.PlainText)
    return note


class QtIncidentForm(QWidget):
    """The incident form, a view of :class:`IncidentDetails`, inside a scroll area so it fits small screens.

    Read the details back with :meth:`details`, replace them with :meth:`set_details`, and show the problems from
    :func:`evidence.case.policy.validate` with :meth:`show_problems`.

    Attributes:
        scroll_area: the scroll area holding every field.
        title_edit: the incident's short title.
        report_type_combo: what kind of report this is (data: the ReportType value).
        report_route_label: where that report type goes, from :func:`evidence.case.policy.route_for`.
        occurred_edit: when the incident happened (not the capture time); starts "Not set".
        platform_combo: the platform (data: its name; the first item, "Choose the platform", has data "").
        platform_other_edit: the platform's name, shown only when the platform is Other.
        urls_edit: web addresses, one per line.
        description_edit: what happened, in the staff member's words.
        safeguarding_box: the "Nude or semi-nude image of a child" category, set apart from the others.
        safeguarding_panel: the UKCIS text, the links and the DSL note; shown only when that box is ticked.
        safeguarding_text_label: :data:`evidence.case.policy.SAFEGUARDING_TEXT`.
        safeguarding_links_label: links to :data:`evidence.case.policy.SAFEGUARDING_LINKS`.
        safeguarding_note_edit: the text-only note for the DSL.
        category_boxes: one checkbox per other category, by Category.
        protected_characteristic_edit: the protected characteristic, shown only when hate crime is ticked.
        police_banner: the "consider contacting the police" text, shown only when it applies.
        target_name_edit: who was targeted.
        target_role_combo: their role (data: the TargetRole value, or "").
        perpetrator_type_combo: who is said to have done it (data: the PerpetratorType value, or "").
        perpetrator_route_label: what happens next for that perpetrator type.
        perpetrator_name_edit: their name, if known.
        perpetrator_handle_edit: their handle or username.
        perpetrator_url_edit: their profile's web address.
        witnesses_edit: who else saw it.
        not_responded_box: "I have not responded or retaliated".
        reported_to_edit: the named person it was reported to.
        support_sought_edit: the support the staff member has asked for.
        problem_labels: the inline problem label under each field, by IncidentDetails field name.
        general_problems_label: problems that belong to no field (such as the captured items), at the top.

    Signals:
        changed(): the user edited a field (not emitted by :meth:`set_details`).
        safeguarding_changed(bool): the incident became, or stopped being, safeguarding-blocked (also when
            :meth:`set_details` changes it).
    """

    changed = Signal()
    safeguarding_changed = Signal(bool)

    def __init__(self, details: IncidentDetails, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("incident_form")
        self.problem_labels: dict[str, QLabel] = {}
        self._inputs: dict[str, QWidget] = {}
        self._conditional_rows: dict[str, tuple[QFormLayout, QWidget]] = {}
        self._loading = False
        self._safeguarding = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("scroll_area")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(self.scroll_area)
        content = QWidget(self.scroll_area)
        content.setObjectName("form_content")
        self.scroll_area.setWidget(content)
        layout = QVBoxLayout(content)

        self.general_problems_label = self._problem_label(content, "general")
        layout.addWidget(self.general_problems_label)
        layout.addWidget(self._build_incident_group(content))
        layout.addWidget(self._build_content_group(content))
        layout.addWidget(self._build_people_group(content))
        layout.addWidget(self._build_actions_group(content))
        layout.addStretch(1)

        self._connect_edits()
        self.set_details(details)

    # --- building -----------------------------------------------------------------------------------------------

    @staticmethod
    def _form(group: QGroupBox) -> QFormLayout:
        form = QFormLayout(group)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        return form

    def _problem_label(self, parent: QWidget, field: str) -> QLabel:
        label = QLabel(parent)
        label.setObjectName(f"problem_{field}")
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setStyleSheet(_PROBLEM_STYLE)
        label.setAccessibleName("Problem")
        label.hide()
        return label

    def _add_row(
        self,
        form: QFormLayout,
        text: str,
        field: str,
        widget: QWidget,
        *,
        notes: tuple[QLabel, ...] = (),
        label_wraps: bool = True,
    ) -> QWidget:
        """Add a labelled field with its notes and its (hidden) problem label; return the row's field widget."""
        parent = form.parentWidget()
        widget.setObjectName(field)
        widget.setAccessibleName(text)
        container = QWidget(parent)
        column = QVBoxLayout(container)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        for note in notes:
            column.addWidget(note)
        problem = self._problem_label(container, field)
        column.addWidget(problem)
        label = QLabel(text, parent)
        label.setBuddy(widget)
        label.setWordWrap(label_wraps)
        form.addRow(label, container)
        self.problem_labels[field] = problem
        self._inputs[field] = widget
        return container

    def _build_incident_group(self, parent: QWidget) -> QGroupBox:
        group = QGroupBox("The incident", parent)
        form = self._form(group)
        self.title_edit = QLineEdit(group)
        self.title_edit.setPlaceholderText("A short title, such as: Abusive comments on X")
        self._add_row(form, "Title", "title", self.title_edit)

        self.report_type_combo = _combo(group)
        for report_type in ReportType:
            self.report_type_combo.addItem(policy.label(report_type), report_type.value)
        self.report_route_label = _note("", group, "report_route_label")
        self.report_route_label.setStyleSheet(_ROUTE_STYLE)
        self.report_route_label.setAccessibleName("Where this report goes")
        self._add_row(
            form, "What kind of report", "report_type", self.report_type_combo, notes=(self.report_route_label,)
        )

        self.occurred_edit = _IncidentTimeEdit(group)
        occurred_note = _note(
            "When the incident itself happened, not when you capture it. Not sure of the exact time? Give your best"
            " estimate and say so in the description.",
            group,
            "occurred_note",
        )
        self._add_row(form, "When it happened", "occurred", self.occurred_edit, notes=(occurred_note,))

        self.platform_combo = _combo(group)
        self.platform_combo.addItem("Choose the platform", "")
        for name in policy.platforms():
            self.platform_combo.addItem(name, name)
        self._add_row(form, "Platform", "platform", self.platform_combo)
        self.platform_other_edit = QLineEdit(group)
        self.platform_other_edit.setPlaceholderText("The platform's name")
        row = self._add_row(form, "Which other platform", "platform_other", self.platform_other_edit)
        self._conditional_rows["platform_other"] = (form, row)

        self.urls_edit = _text_box(group, 3)
        self.urls_edit.setPlaceholderText("https://…")
        urls_note = _note("Web addresses, one per line.", group, "urls_note")
        self._add_row(form, "Web addresses (URLs)", "urls", self.urls_edit, notes=(urls_note,))

        self.description_edit = _text_box(group, 5)
        self._add_row(form, "What happened", "description", self.description_edit)
        return group

    def _build_content_group(self, parent: QWidget) -> QGroupBox:
        group = QGroupBox("What the content is", parent)
        column = QVBoxLayout(group)

        frame = QFrame(group)
        frame.setObjectName("safeguarding_frame")
        frame.setStyleSheet(_SAFEGUARDING_STYLE)
        frame_column = QVBoxLayout(frame)
        self.safeguarding_box = QCheckBox(policy.label(Category.NUDE_IMAGE_OF_CHILD), frame)
        self.safeguarding_box.setObjectName(f"category_{Category.NUDE_IMAGE_OF_CHILD.value}")
        self.safeguarding_box.setAccessibleName(policy.label(Category.NUDE_IMAGE_OF_CHILD))
        font = self.safeguarding_box.font()
        font.setBold(True)
        self.safeguarding_box.setFont(font)
        frame_column.addWidget(self.safeguarding_box)

        self.safeguarding_panel = QWidget(frame)
        self.safeguarding_panel.setObjectName("safeguarding_panel")
        panel_form = QFormLayout(self.safeguarding_panel)
        panel_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        panel_form.setContentsMargins(0, 0, 0, 0)
        self.safeguarding_text_label = _note(policy.SAFEGUARDING_TEXT, self.safeguarding_panel, "safeguarding_text")
        self.safeguarding_text_label.setAccessibleName("Safeguarding advice")
        panel_form.addRow(self.safeguarding_text_label)
        self.safeguarding_links_label = QLabel(self.safeguarding_panel)
        self.safeguarding_links_label.setObjectName("safeguarding_links")
        self.safeguarding_links_label.setAccessibleName("Where to get help")
        self.safeguarding_links_label.setWordWrap(True)
        self.safeguarding_links_label.setTextFormat(Qt.TextFormat.RichText)
        self.safeguarding_links_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.safeguarding_links_label.setOpenExternalLinks(True)
        self.safeguarding_links_label.setText(
            "<br>".join(
                f'<a href="{html.escape(link.url)}">{html.escape(link.title)}</a>' for link in policy.SAFEGUARDING_LINKS
            )
        )
        panel_form.addRow(self.safeguarding_links_label)
        self.safeguarding_note_edit = _text_box(self.safeguarding_panel, 4)
        self.safeguarding_note_edit.setPlaceholderText("What you saw, described in words; where and when; who.")
        self._add_row(
            panel_form,
            "Safeguarding note for the DSL (text only)",
            "safeguarding_note",
            self.safeguarding_note_edit,
            label_wraps=False,
        )
        frame_column.addWidget(self.safeguarding_panel)
        column.addWidget(frame)

        grid = QGridLayout()
        self.category_boxes: dict[Category, QCheckBox] = {}
        others = [c for c in Category if c is not Category.NUDE_IMAGE_OF_CHILD]
        for index, category in enumerate(others):
            box = QCheckBox(policy.label(category), group)
            box.setObjectName(f"category_{category.value}")
            box.setAccessibleName(policy.label(category))
            grid.addWidget(box, index // 2, index % 2)
            self.category_boxes[category] = box
        column.addLayout(grid)
        self.problem_labels["categories"] = self._problem_label(group, "categories")
        self._inputs["categories"] = self.category_boxes[others[0]]
        column.addWidget(self.problem_labels["categories"])

        characteristic_form = QFormLayout()
        characteristic_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        column.addLayout(characteristic_form)
        self.protected_characteristic_edit = QLineEdit(group)
        self.protected_characteristic_edit.setPlaceholderText("For example race, religion, disability")
        row = self._add_row(
            characteristic_form,
            "Protected characteristic",
            "protected_characteristic",
            self.protected_characteristic_edit,
        )
        self._conditional_rows["protected_characteristic"] = (characteristic_form, row)

        self.police_banner = _note("", group, "police_banner")
        self.police_banner.setStyleSheet(_POLICE_STYLE)
        self.police_banner.setAccessibleName("Police advice")
        column.addWidget(self.police_banner)
        return group

    def _build_people_group(self, parent: QWidget) -> QGroupBox:
        group = QGroupBox("Who is involved", parent)
        form = self._form(group)
        self.target_name_edit = QLineEdit(group)
        self._add_row(form, "Who was targeted", "target_name", self.target_name_edit)
        self.target_role_combo = _combo(group)
        self.target_role_combo.addItem("Choose their role", "")
        for role in TargetRole:
            self.target_role_combo.addItem(policy.label(role), role.value)
        self._add_row(form, "Their role", "target_role", self.target_role_combo)

        self.perpetrator_type_combo = _combo(group)
        self.perpetrator_type_combo.addItem("Choose who it was", "")
        for kind in PerpetratorType:
            self.perpetrator_type_combo.addItem(policy.label(kind), kind.value)
        self.perpetrator_route_label = _note("", group, "perpetrator_route_label")
        self.perpetrator_route_label.setStyleSheet(_ROUTE_STYLE)
        self.perpetrator_route_label.setAccessibleName("What happens next")
        self._add_row(
            form,
            "Who is said to have done it",
            "perpetrator_type",
            self.perpetrator_type_combo,
            notes=(self.perpetrator_route_label,),
        )
        self.perpetrator_name_edit = QLineEdit(group)
        self.perpetrator_name_edit.setPlaceholderText("If known")
        self._add_row(form, "Their name", "perpetrator_name", self.perpetrator_name_edit)
        self.perpetrator_handle_edit = QLineEdit(group)
        self.perpetrator_handle_edit.setPlaceholderText("@username")
        self._add_row(form, "Their handle", "perpetrator_handle", self.perpetrator_handle_edit)
        self.perpetrator_url_edit = QLineEdit(group)
        self.perpetrator_url_edit.setPlaceholderText("https://…")
        self._add_row(form, "Their profile's web address", "perpetrator_url", self.perpetrator_url_edit)
        self.witnesses_edit = _text_box(group, 2)
        self._add_row(form, "Witnesses", "witnesses", self.witnesses_edit)
        return group

    def _build_actions_group(self, parent: QWidget) -> QGroupBox:
        group = QGroupBox("What you have done", parent)
        form = self._form(group)
        self.not_responded_box = QCheckBox("I have not responded or retaliated", group)
        responded_note = _note("If you did reply, say what you said in the description.", group, "not_responded_note")
        self._add_row(form, "Response", "not_responded", self.not_responded_box, notes=(responded_note,))
        self.reported_to_edit = QLineEdit(group)
        self.reported_to_edit.setPlaceholderText("The person's name and role")
        self._add_row(form, "Reported to", "reported_to", self.reported_to_edit)
        self.support_sought_edit = QLineEdit(group)
        self.support_sought_edit.setPlaceholderText("For example your line manager, a senior colleague, your union")
        self._add_row(form, "Support sought", "support_sought", self.support_sought_edit)
        return group

    def _connect_edits(self) -> None:
        def edited(field: str) -> None:
            if self._loading:
                return
            self._clear_problem(field)
            self._refresh()
            self.changed.emit()

        for field, edit in (
            ("title", self.title_edit),
            ("platform_other", self.platform_other_edit),
            ("protected_characteristic", self.protected_characteristic_edit),
            ("target_name", self.target_name_edit),
            ("perpetrator_name", self.perpetrator_name_edit),
            ("perpetrator_handle", self.perpetrator_handle_edit),
            ("perpetrator_url", self.perpetrator_url_edit),
            ("reported_to", self.reported_to_edit),
            ("support_sought", self.support_sought_edit),
        ):
            edit.textChanged.connect(lambda _text, f=field: edited(f))
        for field, text_edit in (
            ("urls", self.urls_edit),
            ("description", self.description_edit),
            ("witnesses", self.witnesses_edit),
            ("safeguarding_note", self.safeguarding_note_edit),
        ):
            text_edit.textChanged.connect(lambda f=field: edited(f))
        for field, combo in (
            ("report_type", self.report_type_combo),
            ("platform", self.platform_combo),
            ("target_role", self.target_role_combo),
            ("perpetrator_type", self.perpetrator_type_combo),
        ):
            combo.currentIndexChanged.connect(lambda _index, f=field: edited(f))
        self.occurred_edit.dateTimeChanged.connect(lambda _when: edited("occurred"))
        self.not_responded_box.toggled.connect(lambda _on: edited("not_responded"))
        for box in (*self.category_boxes.values(), self.safeguarding_box):
            box.toggled.connect(lambda _on: edited("categories"))

    # --- the model ----------------------------------------------------------------------------------------------

    def details(self) -> IncidentDetails:
        """The details as the widgets show them."""
        occurred = ""
        if self.occurred_edit.is_set():
            naive = self.occurred_edit.dateTime().toPython()
            assert isinstance(naive, dt.datetime)
            when = naive.astimezone()  # local time, with its offset
            occurred = when.isoformat(timespec="minutes" if when.second == 0 else "seconds")
        categories = tuple(c for c in Category if self._category_box(c).isChecked())
        urls = tuple(line.strip() for line in self.urls_edit.toPlainText().splitlines() if line.strip())
        role, perpetrator = self.target_role_combo.currentData(), self.perpetrator_type_combo.currentData()
        return IncidentDetails(
            title=self.title_edit.text().strip(),
            report_type=ReportType(self.report_type_combo.currentData()),
            occurred=occurred,
            platform=self.platform_combo.currentData(),
            platform_other=self.platform_other_edit.text().strip(),
            categories=categories,
            protected_characteristic=self.protected_characteristic_edit.text().strip(),
            target_name=self.target_name_edit.text().strip(),
            target_role=TargetRole(role) if role else None,
            perpetrator_type=PerpetratorType(perpetrator) if perpetrator else None,
            perpetrator_name=self.perpetrator_name_edit.text().strip(),
            perpetrator_handle=self.perpetrator_handle_edit.text().strip(),
            perpetrator_url=self.perpetrator_url_edit.text().strip(),
            urls=urls,
            description=self.description_edit.toPlainText().strip(),
            not_responded=self.not_responded_box.isChecked(),
            reported_to=self.reported_to_edit.text().strip(),
            support_sought=self.support_sought_edit.text().strip(),
            witnesses=self.witnesses_edit.toPlainText().strip(),
            safeguarding_note=self.safeguarding_note_edit.toPlainText().strip(),
        )

    def set_details(self, details: IncidentDetails) -> None:
        """Show these details, replacing what the form showed, and clear any problems shown.

        Emits ``safeguarding_changed`` if the safeguarding state changes, but not ``changed``. A platform the form
        does not list (one no longer listed) is kept as an extra item.
        """
        self._loading = True
        try:
            self.title_edit.setText(details.title)
            self._select(self.report_type_combo, details.report_type.value)
            self._set_occurred(details.occurred)
            self._select(self.platform_combo, details.platform)
            self.platform_other_edit.setText(details.platform_other)
            ticked = details.category_set()
            for category in Category:
                self._category_box(category).setChecked(category in ticked)
            self.protected_characteristic_edit.setText(details.protected_characteristic)
            self.target_name_edit.setText(details.target_name)
            self._select(self.target_role_combo, details.target_role.value if details.target_role else "")
            self._select(
                self.perpetrator_type_combo, details.perpetrator_type.value if details.perpetrator_type else ""
            )
            self.perpetrator_name_edit.setText(details.perpetrator_name)
            self.perpetrator_handle_edit.setText(details.perpetrator_handle)
            self.perpetrator_url_edit.setText(details.perpetrator_url)
            self.urls_edit.setPlainText("\n".join(details.urls))
            self.description_edit.setPlainText(details.description)
            self.not_responded_box.setChecked(details.not_responded)
            self.reported_to_edit.setText(details.reported_to)
            self.support_sought_edit.setText(details.support_sought)
            self.witnesses_edit.setPlainText(details.witnesses)
            self.safeguarding_note_edit.setPlainText(details.safeguarding_note)
        finally:
            self._loading = False
        self._clear_all_problems()
        self._refresh()

    def show_problems(self, problems: list[policy.Problem]) -> bool:
        """Show each problem under its field (others at the top); each clears when its field is next edited.

        Returns:
            True if there were no problems.
        """
        self._clear_all_problems()
        messages: dict[str, list[str]] = {}
        for problem in problems:
            key = problem.field if problem.field in self.problem_labels else "general"
            messages.setdefault(key, []).append(problem.message)
        for key, texts in messages.items():
            label = self.problem_labels.get(key, self.general_problems_label)
            label.setText("\n".join(texts))
            label.show()
            if key in self._inputs:
                self._inputs[key].setAccessibleDescription(" ".join(texts))
        if problems:
            first = self._inputs.get(problems[0].field)
            self._scroll_to(first or self.general_problems_label)
            if first is not None:
                first.setFocus(Qt.FocusReason.OtherFocusReason)
        return not problems

    # --- helpers ------------------------------------------------------------------------------------------------

    def _scroll_to(self, widget: QWidget) -> None:
        """Bring ``widget`` into view once the event loop has laid out the widgets just shown or hidden."""

        def scroll() -> None:
            self.scroll_area.ensureWidgetVisible(widget)
            self.scroll_area.horizontalScrollBar().setValue(0)

        QTimer.singleShot(0, self, scroll)  # dropped if the form is deleted first

    def _category_box(self, category: Category) -> QCheckBox:
        return self.safeguarding_box if category is Category.NUDE_IMAGE_OF_CHILD else self.category_boxes[category]

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        if index < 0:
            combo.addItem(value or "(not set)", value)
            index = combo.count() - 1
        combo.setCurrentIndex(index)

    def _set_occurred(self, occurred: str) -> None:
        try:
            when = dt.datetime.fromisoformat(occurred.strip())
        except ValueError:
            self.occurred_edit.clear_time()
            return
        if when.tzinfo is not None:
            when = when.astimezone().replace(tzinfo=None)  # shown in local time
        self.occurred_edit.setDateTime(
            QDateTime(QDate(when.year, when.month, when.day), QTime(when.hour, when.minute, when.second))
        )

    def _clear_problem(self, field: str) -> None:
        label = self.problem_labels.get(field)
        if label is not None:
            label.clear()
            label.hide()
        if field in self._inputs:
            self._inputs[field].setAccessibleDescription("")
        self.general_problems_label.clear()
        self.general_problems_label.hide()

    def _clear_all_problems(self) -> None:
        for field in self.problem_labels:
            self._clear_problem(field)

    def _refresh(self) -> None:
        """Update everything the policy derives from the details: routes, banner, conditional fields."""
        details = self.details()
        self.report_route_label.setText(policy.route_for(details.report_type).describe())
        perpetrator = details.perpetrator_type
        self.perpetrator_route_label.setText(policy.perpetrator_route(perpetrator) if perpetrator else "")
        self.perpetrator_route_label.setVisible(bool(self.perpetrator_route_label.text()))
        advice = policy.police_advice(details)
        self.police_banner.setText(advice or "")
        self.police_banner.setVisible(advice is not None)

        shown = policy.shown_fields(details)
        for field, (form, row) in self._conditional_rows.items():
            form.setRowVisible(row, field in shown)
        self.safeguarding_panel.setVisible("safeguarding_note" in shown)
        if details.safeguarding_block != self._safeguarding:
            self._safeguarding = details.safeguarding_block
            if self._safeguarding:
                self._scroll_to(self.safeguarding_panel)
            self.safeguarding_changed.emit(self._safeguarding)
