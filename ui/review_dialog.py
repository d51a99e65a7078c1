"""The dialog in which a reviewer records one action along the policy's chain (§9.3–9.8) as a signed revision.

The reviewer picks the action (each one labelled with the policy section behind it), fills in the fields that
action asks for (:data:`evidence.review.actions.ACTIONS`; required ones are marked) and says why, or what happened. OK
stays disabled until :func:`evidence.review.actions.add_review` would accept the answers: every required field and a
reason (which closing a case does not need). The dialog only collects the answers; the caller signs them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from evidence.review.actions import ACTIONS, LIFECYCLE_ACTIONS, CaseStatus, FieldSpec, ReviewAction, label, section
from ui.wheel_guard import WheelGuard, guard_one

MANUAL_ACTIONS = tuple(a for a in ReviewAction if a is not ReviewAction.EXPORTED and a not in LIFECYCLE_ACTIONS)
"""The actions a reviewer records by hand; the export for the police records itself."""

SECTION_HINTS = {
    "§9.5": "§9.5: a current pupil or colleague is dealt with through the school's own disciplinary procedures.",
    "§9.6": "§9.6: for an adult, senior staff meet the victim, and the adult is asked to remove the content.",
    "§9.7": "§9.7: if they refuse, the school may report it to the platform or ISP.",
    "§9.8": "§9.8: threatening, abusive, sexist, sexual or hate-crime material: consider contacting the police.",
    "DfE searching, screening and confiscation": (
        "DfE searching, screening and confiscation: when an offence is suspected nothing is deleted;"
        " the device goes to the police."
    ),
}
"""What the policy (or guidance) behind each action says, in one line; paraphrased from the school's policy."""

FIELD_MAX_LENGTH = 200
FIXED_ROWS = 2
"""The form's first rows (the action and its policy hint); the action's fields follow them."""
REQUIRED_MARK = " *"


def action_text(action: ReviewAction) -> str:
    """The action as listed: "Police contacted (§9.8)"."""
    where = section(action)
    return f"{label(action)} ({where})" if where else label(action)


def reason_required(action: ReviewAction) -> bool:
    """Every action records its reason, except closing the case."""
    return action is not ReviewAction.CLOSED


@dataclass(frozen=True)
class ReviewRequest:
    """One review action as the reviewer answered it in :class:`QtReviewActionDialog`; the app signs it."""

    action: ReviewAction
    why: str
    fields: Mapping[str, str]


class QtReviewActionDialog(QDialog):
    """Choose a review action, fill in its fields and say why.

    Attributes:
        action_combo: the actions, each with its policy section.
        section_label: what the policy behind the chosen action says.
        form: the action, its policy hint, then one row per field of the chosen action.
        field_edits: field key → its editor (a line edit; the new status is a choice of the statuses).
        why_edit: why, or what happened.
        permanent_label: the action is signed and cannot be changed later.
        button_box: Record and Cancel.
        ok_button: the Record button, enabled only when the answers are complete.
    """

    def __init__(
        self,
        ref: str = "",
        parent: QWidget | None = None,
        *,
        actions: Sequence[ReviewAction] = MANUAL_ACTIONS,
        initial: ReviewAction | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("review_action_dialog")
        self.setWindowTitle(f"Record a review action · {ref}" if ref else "Record a review action")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)

        self._wheel_guard = WheelGuard(self)  # no choice changes under a passing wheel (issue 11)
        self.form = QFormLayout()
        self.action_combo = QComboBox(self)
        guard_one(self._wheel_guard, self.action_combo)
        self.action_combo.setObjectName("action_combo")
        self.action_combo.setAccessibleName("Action")
        for action in actions:
            self.action_combo.addItem(action_text(action), action)
        action_prompt = QLabel("&Action:", self)
        action_prompt.setBuddy(self.action_combo)
        self.form.addRow(action_prompt, self.action_combo)
        self.section_label = QLabel(self)
        self.section_label.setObjectName("section_label")
        self.section_label.setTextFormat(Qt.TextFormat.PlainText)
        self.section_label.setWordWrap(True)
        self.section_label.setStyleSheet("color: palette(placeholder-text);")
        self.form.addRow("", self.section_label)
        layout.addLayout(self.form)
        self.field_edits: dict[str, QLineEdit | QComboBox] = {}

        self.why_prompt = QLabel(self)
        layout.addWidget(self.why_prompt)
        self.why_edit = QPlainTextEdit(self)
        self.why_edit.setObjectName("why_edit")
        self.why_edit.setAccessibleName("Why, or what happened")
        self.why_edit.setTabChangesFocus(True)
        self.why_edit.setMinimumHeight(90)
        self.why_prompt.setBuddy(self.why_edit)
        layout.addWidget(self.why_edit)

        self.permanent_label = QLabel(
            "* required. This is added to the bundle as a new revision signed with your key; it cannot be edited"
            " or removed later, and the custody log records it.",
            self,
        )
        self.permanent_label.setObjectName("permanent_label")
        self.permanent_label.setWordWrap(True)
        self.permanent_label.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.permanent_label)

        self.button_box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.button_box.button(QDialogButtonBox.StandardButton.Ok)
        assert isinstance(ok, QPushButton)
        self.ok_button = ok
        self.ok_button.setText("Record")
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)
        layout.addWidget(self.button_box)

        self.action_combo.currentIndexChanged.connect(self._on_action_changed)
        self.why_edit.textChanged.connect(self._update_ok)
        if initial is not None and initial in actions:
            self.action_combo.setCurrentIndex(list(actions).index(initial))
        self._on_action_changed()

    # --- answers ---

    def action(self) -> ReviewAction:
        """The chosen action."""
        value = self.action_combo.currentData()
        assert isinstance(value, ReviewAction)
        return value

    def fields(self) -> dict[str, str]:
        """The chosen action's fields that have text, stripped."""
        out = {}
        for key, editor in self.field_edits.items():
            text = (editor.currentData() or "") if isinstance(editor, QComboBox) else editor.text()
            if text.strip():
                out[key] = text.strip()
        return out

    def why(self) -> str:
        """The reason, stripped."""
        return self.why_edit.toPlainText().strip()

    def request(self) -> ReviewRequest:
        """The answers: the action, why, and the action's fields that have text."""
        return ReviewRequest(self.action(), self.why(), self.fields())

    def is_complete(self) -> bool:
        """True when every required field and (where needed) the reason have text."""
        filled = self.fields()
        specs = ACTIONS[self.action()][2]
        if any(spec.required and not filled.get(spec.key) for spec in specs):
            return False
        return bool(self.why()) or not reason_required(self.action())

    def accept(self) -> None:
        """Close with Record, but only when complete (Return in a field must not bypass the rule)."""
        if self.is_complete():
            super().accept()

    # --- building the fields ---

    def _on_action_changed(self, _index: int = 0) -> None:
        action = self.action()
        where = section(action)
        self.section_label.setText(SECTION_HINTS.get(where, where))
        self.form.setRowVisible(1, bool(where))
        while self.form.rowCount() > FIXED_ROWS:
            self.form.removeRow(FIXED_ROWS)
        self.field_edits = {}
        previous: QWidget = self.action_combo
        for spec in ACTIONS[action][2]:
            editor = self._editor(action, spec)
            prompt = QLabel(spec.label + (REQUIRED_MARK if spec.required else "") + ":", self)
            prompt.setBuddy(editor)
            self.form.addRow(prompt, editor)
            self.field_edits[spec.key] = editor
            QWidget.setTabOrder(previous, editor)
            previous = editor
        QWidget.setTabOrder(previous, self.why_edit)
        needed = reason_required(action)
        self.why_prompt.setText("&Why, or what happened" + (REQUIRED_MARK if needed else " (optional)") + ":")
        self.why_edit.setPlaceholderText(
            "What was done, by whom, and why" if needed else "Optional: how the case ended"
        )
        self._update_ok()

    def _editor(self, action: ReviewAction, spec: FieldSpec) -> QLineEdit | QComboBox:
        name = f"field_{spec.key}"
        if action is ReviewAction.STATUS_CHANGED and spec.key == "status":
            combo = QComboBox(self)  # free text here could only be refused later
            guard_one(self._wheel_guard, combo)
            combo.setObjectName(name)
            combo.setAccessibleName(spec.label)
            combo.addItem("Choose…", "")
            for status in CaseStatus:
                combo.addItem(status.value.capitalize(), status.value)
            combo.currentIndexChanged.connect(self._update_ok)
            return combo
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setAccessibleName(spec.label + (" (required)" if spec.required else ""))
        edit.setMaxLength(FIELD_MAX_LENGTH)
        if not spec.required:
            edit.setPlaceholderText("Optional")
        edit.textChanged.connect(self._update_ok)
        return edit

    def _update_ok(self, *_args: object) -> None:
        self.ok_button.setEnabled(self.is_complete())
