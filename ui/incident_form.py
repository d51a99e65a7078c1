"""The incident form: a view of :class:`~evidence.case.incident.IncidentDetails`, quick report first.

The form holds no rules of its own. Routes, the police banner, which conditional fields show, the safeguarding
text and links, and the problems before sealing all come from :mod:`evidence.case.policy`; the form only displays them.

Issue 11: a teacher in a hurry reports in a few actions. The first group is the quick report, all a seal needs
(what happened, when, the platform, who was targeted, who did it, who it was reported to); everything else sits
under "More details" and can be added later, by the staff member or a reviewer. An incident about a nude or
semi-nude image of a child is not a cyber-bullying report: the form then shows the short DSL note instead
(:class:`ui.dsl_note_form.QtDslNoteForm`), and unticking that asks before the note is hidden. No combo box or
date changes under a passing mouse wheel (:mod:`ui.wheel_guard`).
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from evidence.case import policy
from evidence.case.incident import Category, IncidentDetails, PerpetratorType, ReportType, TargetRole
from ui.dsl_note_form import QtDslNoteForm
from ui.wheel_guard import guard_wheel
from ui.when_edit import QtWhenEdit

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
_NOTE_STYLE = "color: palette(placeholder-text);"

GUESSED_TEXT = "Guessed from the captured window's title. Change it if it is wrong."
UNMARK_TEXT = (
    "Is this incident not about a nude or semi-nude image of a child after all?\n\n"
    "The note for the DSL will be hidden (it is kept with the incident, not deleted), and capture will be allowed "
    "again. Anything already removed from this computer stays removed."
)


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


def _without(categories: tuple[Category, ...], category: Category) -> tuple[Category, ...]:
    return tuple(c for c in categories if c is not category)


class QtIncidentForm(QWidget):
    """The incident form, a view of :class:`IncidentDetails`, inside a scroll area so it fits small screens.

    Read the details back with :meth:`details`, replace them with :meth:`set_details`, and show the problems from
    :func:`evidence.case.policy.validate` with :meth:`show_problems`. While the details are safeguarding-blocked
    the form shows the DSL note (:attr:`dsl_form`) instead of the report.

    Attributes:
        stack: the report page (``scroll_area``) or the DSL note page (``dsl_form``).
        scroll_area: the scroll area holding the report's fields.
        quick_group: the quick report: every field a seal needs.
        description_edit: what happened, in the staff member's words.
        occurred_edit: when the incident happened (not the capture time): quick buttons, a date, a typed time.
        platform_combo: the platform (data: its name; the first item, "Choose the platform", has data "").
        platform_note: says the platform was guessed from the captured window's title, while it was.
        platform_other_edit: the platform's name, shown only when the platform is Other.
        target_name_edit: who was targeted.
        target_role_combo: their role (data: the TargetRole value, or "").
        perpetrator_type_combo: who is said to have done it (data: the PerpetratorType value, or ""; unset at first).
        perpetrator_route_label: what happens next for that perpetrator type.
        reported_to_edit: the named person it was reported to (the app fills in the school's DSL).
        title_edit: the incident's short title (suggested from what happened when left empty).
        report_type_combo: what kind of report this is (data: the ReportType value).
        report_route_label: where that report type goes, from :func:`evidence.case.policy.route_for`.
        urls_edit: web addresses, one per line.
        safeguarding_box: the "Nude or semi-nude image of a child" category, set apart from the others.
        category_boxes: one checkbox per other category, by Category.
        protected_characteristic_edit: the protected characteristic, shown only when hate crime is ticked.
        police_banner: the "consider contacting the police" text, shown only when it applies.
        perpetrator_name_edit: their name, if known.
        perpetrator_handle_edit: their handle or username.
        perpetrator_url_edit: their profile's web address.
        witnesses_edit: who else saw it.
        not_responded_box: "I have not responded or retaliated".
        support_sought_edit: the support the staff member has asked for.
        dsl_form: the DSL note page.
        problem_labels: the inline problem label under each report field, by IncidentDetails field name.
        general_problems_label: problems that belong to no field (such as the captured items), at the top.
        unmark_box: the open "not about such an image after all?" question, or None.

    Signals:
        changed(): the user edited a field (not emitted by :meth:`set_details`).
        safeguarding_changed(bool): the incident became, or stopped being, safeguarding-blocked (also when
            :meth:`set_details` changes it).
        remove_requested(): the user asked to remove a blocked incident's items from this computer.
    """

    changed = Signal()
    safeguarding_changed = Signal(bool)
    remove_requested = Signal()

    def __init__(self, details: IncidentDetails, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("incident_form")
        self.problem_labels: dict[str, QLabel] = {}
        self._inputs: dict[str, QWidget] = {}
        self._conditional_rows: dict[str, tuple[QFormLayout, QWidget]] = {}
        self._loading = False
        self._safeguarding = False
        self._model = IncidentDetails()  # what the page on show does not edit is kept from here
        self.unmark_box: QMessageBox | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget(self)
        self.stack.setObjectName("form_stack")
        outer.addWidget(self.stack)
        self.scroll_area = QScrollArea(self.stack)
        self.scroll_area.setObjectName("scroll_area")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.stack.addWidget(self.scroll_area)
        content = QWidget(self.scroll_area)
        content.setObjectName("form_content")
        self.scroll_area.setWidget(content)
        layout = QVBoxLayout(content)

        self.general_problems_label = self._problem_label(content, "general")
        layout.addWidget(self.general_problems_label)
        layout.addWidget(self._build_quick_group(content))
        more = QLabel("More details: you, or a reviewer, can add these later.", content)
        more.setObjectName("more_label")
        font = more.font()
        font.setBold(True)
        more.setFont(font)
        layout.addSpacing(8)
        layout.addWidget(more)
        layout.addWidget(self._build_incident_group(content))
        layout.addWidget(self._build_content_group(content))
        layout.addWidget(self._build_people_group(content))
        layout.addWidget(self._build_actions_group(content))
        layout.addStretch(1)

        self.dsl_form = QtDslNoteForm(self.stack)
        self.stack.addWidget(self.dsl_form)
        self.dsl_form.remove_requested.connect(self.remove_requested)
        self.dsl_form.unmark_requested.connect(self._ask_unmark)

        self._connect_edits()
        guard_wheel(self)
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
        label.setWordWrap(True)
        form.addRow(label, container)
        self.problem_labels[field] = problem
        self._inputs[field] = widget
        return container

    def _build_quick_group(self, parent: QWidget) -> QGroupBox:
        group = QGroupBox("Quick report", parent)
        group.setObjectName("quick_group")
        self.quick_group = group
        form = self._form(group)
        self.description_edit = _text_box(group, 3)
        self.description_edit.setPlaceholderText("What happened, in a sentence or two")
        self._add_row(form, "What happened", "description", self.description_edit)

        self.occurred_edit = QtWhenEdit(group)
        occurred_note = _note(
            "When the incident itself happened, not when you capture it. Not sure? Give your best estimate.",
            group,
            "occurred_note",
        )
        occurred_note.setStyleSheet(_NOTE_STYLE)
        self._add_row(form, "When it happened", "occurred", self.occurred_edit, notes=(occurred_note,))

        self.platform_combo = _combo(group)
        self.platform_combo.addItem("Choose the platform", "")
        for name in policy.platforms():
            self.platform_combo.addItem(name, name)
        self.platform_note = _note(GUESSED_TEXT, group, "platform_note")
        self.platform_note.setStyleSheet(_NOTE_STYLE)
        self.platform_note.hide()
        self._add_row(form, "Platform", "platform", self.platform_combo, notes=(self.platform_note,))
        self.platform_other_edit = QLineEdit(group)
        self.platform_other_edit.setPlaceholderText("The platform's name")
        row = self._add_row(form, "Which other platform", "platform_other", self.platform_other_edit)
        self._conditional_rows["platform_other"] = (form, row)

        self.target_name_edit = QLineEdit(group)
        self.target_name_edit.setPlaceholderText("Their name")
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
        self.reported_to_edit = QLineEdit(group)
        self.reported_to_edit.setPlaceholderText("The person's name and role")
        self._add_row(form, "Reported to", "reported_to", self.reported_to_edit)
        return group

    def _build_incident_group(self, parent: QWidget) -> QGroupBox:
        group = QGroupBox("The incident", parent)
        form = self._form(group)
        self.title_edit = QLineEdit(group)
        self.title_edit.setPlaceholderText("Left empty, the first line of what happened is used")
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

        self.urls_edit = _text_box(group, 3)
        self.urls_edit.setPlaceholderText("https://…")
        urls_note = _note("Web addresses, one per line.", group, "urls_note")
        self._add_row(form, "Web addresses (URLs)", "urls", self.urls_edit, notes=(urls_note,))
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
        frame_column.addWidget(
            _note(
                "Tick it and nothing more is captured for this incident; what it holds is hidden at once, and you"
                " write a short note for the DSL in words only.",
                frame,
                "safeguarding_hint",
            )
        )
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
        group = QGroupBox("Who did it, and who saw it", parent)
        form = self._form(group)
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
        self.support_sought_edit = QLineEdit(group)
        self.support_sought_edit.setPlaceholderText("For example your line manager, a senior colleague, your union")
        self._add_row(form, "Support sought", "support_sought", self.support_sought_edit)
        return group

    def _connect_edits(self) -> None:
        def edited(field: str) -> None:
            if self._loading:
                return
            self._clear_problem(field)
            if field == "platform":
                self.platform_note.hide()
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
        ):
            text_edit.textChanged.connect(lambda f=field: edited(f))
        for field, combo in (
            ("report_type", self.report_type_combo),
            ("platform", self.platform_combo),
            ("target_role", self.target_role_combo),
            ("perpetrator_type", self.perpetrator_type_combo),
        ):
            combo.currentIndexChanged.connect(lambda _index, f=field: edited(f))
        self.occurred_edit.changed.connect(lambda: edited("occurred"))
        self.not_responded_box.toggled.connect(lambda _on: edited("not_responded"))
        for box in self.category_boxes.values():
            box.toggled.connect(lambda _on: edited("categories"))
        self.safeguarding_box.toggled.connect(self._safeguarding_ticked)

        dsl = self.dsl_form

        def dsl_edited(field: str) -> None:
            if self._loading:
                return
            self._clear_problem(field)
            self.changed.emit()

        dsl.note_edit.textChanged.connect(lambda: dsl_edited("safeguarding_note"))
        for field, line in (("target_name", dsl.who_edit), ("device", dsl.device_edit), ("reported_to", dsl.dsl_edit)):
            line.textChanged.connect(lambda _text, f=field: dsl_edited(f))
        dsl.when_edit.changed.connect(lambda: dsl_edited("occurred"))

    # --- the model ----------------------------------------------------------------------------------------------

    @property
    def safeguarding(self) -> bool:
        """True while the details are safeguarding-blocked (the DSL note is on show)."""
        return self._safeguarding

    def details(self) -> IncidentDetails:
        """The details as the widgets show them."""
        if self._safeguarding:
            dsl = self.dsl_form
            categories = self._model.categories
            if Category.NUDE_IMAGE_OF_CHILD not in categories:
                categories = (*categories, Category.NUDE_IMAGE_OF_CHILD)
            return dataclasses.replace(
                self._model,
                categories=categories,
                safeguarding_note=dsl.note_edit.toPlainText().strip(),
                target_name=dsl.who_edit.text().strip(),
                occurred=dsl.when_edit.value(),
                device=dsl.device_edit.text().strip(),
                reported_to=dsl.dsl_edit.text().strip(),
            )
        urls = tuple(line.strip() for line in self.urls_edit.toPlainText().splitlines() if line.strip())
        role, perpetrator = self.target_role_combo.currentData(), self.perpetrator_type_combo.currentData()
        return dataclasses.replace(
            self._model,
            title=self.title_edit.text().strip(),
            report_type=ReportType(self.report_type_combo.currentData()),
            occurred=self.occurred_edit.value(),
            platform=self.platform_combo.currentData(),
            platform_other=self.platform_other_edit.text().strip(),
            categories=tuple(c for c in Category if c in self.category_boxes and self.category_boxes[c].isChecked()),
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
        )

    def set_details(self, details: IncidentDetails) -> None:
        """Show these details, replacing what the form showed, and clear any problems shown.

        Emits ``safeguarding_changed`` if the safeguarding state changes, but not ``changed``. A platform the form
        does not list (one no longer listed) is kept as an extra item.
        """
        self._load(details)
        self.platform_note.hide()
        self._clear_all_problems()
        self._set_mode(details.safeguarding_block)

    def _load(self, details: IncidentDetails) -> None:
        """Fill both pages from ``details`` without emitting ``changed``."""
        self._model = details
        self._loading = True
        try:
            self.title_edit.setText(details.title)
            self._select(self.report_type_combo, details.report_type.value)
            self.occurred_edit.set_value(details.occurred)
            self._select(self.platform_combo, details.platform)
            self.platform_other_edit.setText(details.platform_other)
            ticked = details.category_set()
            for category, box in self.category_boxes.items():
                box.setChecked(category in ticked)
            self.safeguarding_box.setChecked(False)  # ticked means "show the DSL note": see _set_mode
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
            dsl = self.dsl_form
            dsl.note_edit.setPlainText(details.safeguarding_note)
            dsl.who_edit.setText(details.target_name)
            dsl.when_edit.set_value(details.occurred)
            dsl.device_edit.setText(details.device)
            dsl.dsl_edit.setText(details.reported_to)
        finally:
            self._loading = False

    def _set_mode(self, safeguarding: bool) -> None:
        self.stack.setCurrentWidget(self.dsl_form if safeguarding else self.scroll_area)
        self._refresh()
        if safeguarding != self._safeguarding:
            self._safeguarding = safeguarding
            self.safeguarding_changed.emit(safeguarding)

    def suggest_platform(self, platform: str) -> bool:
        """Choose ``platform`` if none is chosen yet, and say it was guessed; True if it was chosen.

        Emits ``changed`` like an edit, so the guess is saved with the details.
        """
        if self.platform_combo.currentData() or self.platform_combo.findData(platform) < 0:
            return False
        self._select(self.platform_combo, platform)  # emits changed through the combo, like a user's choice
        self.platform_note.show()
        return True

    def set_removal(self, pending: int, removed: int) -> None:
        """Tell the DSL note what became of the incident's items (see :meth:`QtDslNoteForm.set_removal`)."""
        self.dsl_form.set_removal(pending, removed)

    def show_problems(self, problems: list[policy.Problem]) -> bool:
        """Show each problem under its field (others at the top); each clears when its field is next edited.

        Returns:
            True if there were no problems.
        """
        self._clear_all_problems()
        labels, inputs, general = self._problem_places()
        messages: dict[str, list[str]] = {}
        for problem in problems:
            key = problem.field if problem.field in labels else "general"
            messages.setdefault(key, []).append(problem.message)
        for key, texts in messages.items():
            label = labels.get(key, general)
            label.setText("\n".join(texts))
            label.show()
            if key in inputs:
                inputs[key].setAccessibleDescription(" ".join(texts))
        if problems:
            first = inputs.get(problems[0].field)
            self._scroll_to(first or general)
            if first is not None:
                first.setFocus(Qt.FocusReason.OtherFocusReason)
        return not problems

    # --- helpers ------------------------------------------------------------------------------------------------

    def _problem_places(self) -> tuple[dict[str, QLabel], dict[str, QWidget], QLabel]:
        if self._safeguarding:
            dsl = self.dsl_form
            return dsl.problem_labels, dsl.inputs, dsl.general_problems_label
        return self.problem_labels, self._inputs, self.general_problems_label

    def _scroll_to(self, widget: QWidget) -> None:
        """Bring ``widget`` into view once the event loop has laid out the widgets just shown or hidden."""
        area = self.dsl_form.scroll_area if self._safeguarding else self.scroll_area

        def scroll() -> None:
            area.ensureWidgetVisible(widget)
            area.horizontalScrollBar().setValue(0)

        QTimer.singleShot(0, self, scroll)  # dropped if the form is deleted first

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        if index < 0:
            combo.addItem(value or "(not set)", value)
            index = combo.count() - 1
        combo.setCurrentIndex(index)

    def _clear_problem(self, field: str) -> None:
        labels, inputs, general = self._problem_places()
        label = labels.get(field)
        if label is not None:
            label.clear()
            label.hide()
        if field in inputs:
            inputs[field].setAccessibleDescription("")
        general.clear()
        general.hide()

    def _clear_all_problems(self) -> None:
        for labels, inputs, general in (
            (self.problem_labels, self._inputs, self.general_problems_label),
            (self.dsl_form.problem_labels, self.dsl_form.inputs, self.dsl_form.general_problems_label),
        ):
            for field, label in labels.items():
                label.clear()
                label.hide()
                if field in inputs:
                    inputs[field].setAccessibleDescription("")
            general.clear()
            general.hide()

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

    # --- marking and unmarking ----------------------------------------------------------------------------------

    def _safeguarding_ticked(self, ticked: bool) -> None:
        """The user ticked the category: the DSL note replaces the report at once (the app hides the items)."""
        if self._loading or not ticked:
            return
        current = self.details()
        marked = dataclasses.replace(current, categories=(*current.categories, Category.NUDE_IMAGE_OF_CHILD))
        self._load(marked)
        self._clear_all_problems()
        self._set_mode(True)
        self.changed.emit()

    def _ask_unmark(self) -> None:
        """Unticking on the DSL note asks first; the note is hidden only on Yes."""
        if self.unmark_box is not None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Not about such an image?",
            UNMARK_TEXT,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("unmark_box")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText("Yes, hide the note")
        box.button(QMessageBox.StandardButton.No).setText("No, keep it")
        self.unmark_box = box
        box.finished.connect(lambda _result: self._unmark_answered(box))
        box.open()

    def _unmark_answered(self, box: QMessageBox) -> None:
        self.unmark_box = None
        yes = box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
        box.deleteLater()
        if not yes or not self._safeguarding:
            return
        current = self.details()
        unmarked = dataclasses.replace(current, categories=_without(current.categories, Category.NUDE_IMAGE_OF_CHILD))
        self._load(unmarked)
        self._clear_all_problems()
        self._set_mode(False)
        self.changed.emit()
