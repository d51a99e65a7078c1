"""The short form of a text-only note for the DSL: what was seen, who is involved, when, and on which device.

An incident about a nude or semi-nude image of a child is not a cyber-bullying report: nothing may be captured,
and what the DSL needs is a few facts in words (UKCIS). This page of the incident form shows the guidance and the
links first, then says plainly what became of any items the incident held (hidden at once, and removed from the
computer by one logged button), then asks for the note. It is a view: the app removes the items and saves.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from evidence.case import policy
from evidence.case.incident import Category
from ui.when_edit import QtWhenEdit

_STOP_STYLE = "font-size: 15px; font-weight: 700; color: #9b1c1c;"
_NOTICE_STYLE = (
    "QFrame#removal_notice { background: #fdf0f0; border: 2px solid #9b1c1c; border-radius: 4px; }"
    " QFrame#removal_notice QLabel { color: #3b0a0a; }"
)
_DONE_STYLE = (
    "QFrame#removal_notice { background: #eef6ee; border: 1px solid #1e7e34; border-radius: 4px; }"
    " QFrame#removal_notice QLabel { color: #0b3d1b; }"
)


def _items(count: int) -> str:
    return "1 captured item" if count == 1 else f"{count} captured items"


def removal_text(pending: int, removed: int) -> str:
    """What became of the incident's items, in plain words ("" when it never held any)."""
    if pending:
        return (
            f"This incident holds {_items(pending)}. They are hidden and will not be shown again: a nude or semi-nude"
            " image of a child must not be kept. Remove them from this computer now. Only their fingerprints"
            " (digests) stay in the custody log, so reviewers can see that they existed."
        )
    if removed:
        was = "was" if removed == 1 else "were"
        return (
            f"{_items(removed).capitalize()} {was} removed from this computer. Only their fingerprints (digests) are"
            " kept in the custody log, so reviewers can see that they existed. Nothing else needs doing about them."
        )
    return ""


class QtDslNoteForm(QWidget):
    """The DSL note: the widgets of the short form (the incident form reads and writes them).

    Attributes:
        scroll_area: scrolls the page.
        marked_box: "This is about a nude or semi-nude image of a child" (ticked); unticking asks first.
        removal_notice: what became of the items, with the remove button; hidden when there were none.
        removal_label: its text.
        remove_button: "Remove them from this computer".
        note_edit: what was seen, in words only (``safeguarding_note``).
        who_edit: who is involved (``target_name``).
        when_edit: when (``occurred``).
        device_edit: which device it was on (``device``).
        dsl_edit: the DSL told (``reported_to``).
        problem_labels: the inline problem label of each field, by IncidentDetails field name.
        form_layout: the rows.

    Signals:
        remove_requested(): the user pressed the remove button.
        unmark_requested(): the user unticked the box (the box is ticked again until the app confirms).
    """

    remove_requested = Signal()
    unmark_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dsl_note_form")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("dsl_scroll_area")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(self.scroll_area)
        content = QWidget(self.scroll_area)
        self.scroll_area.setWidget(content)
        layout = QVBoxLayout(content)

        self.marked_box = QCheckBox(policy.label(Category.NUDE_IMAGE_OF_CHILD), content)
        self.marked_box.setObjectName("marked_box")
        self.marked_box.setAccessibleName("This incident is about a nude or semi-nude image of a child")
        self.marked_box.setChecked(True)
        font = self.marked_box.font()
        font.setBold(True)
        self.marked_box.setFont(font)
        self.marked_box.clicked.connect(self._box_clicked)
        layout.addWidget(self.marked_box)

        stop = QLabel("Do not capture, copy, save or share it.", content)
        stop.setObjectName("stop_label")
        stop.setStyleSheet(_STOP_STYLE)
        layout.addWidget(stop)
        advice = QLabel(policy.SAFEGUARDING_TEXT, content)
        advice.setObjectName("safeguarding_text")
        advice.setWordWrap(True)
        advice.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(advice)
        links = QLabel(content)
        links.setObjectName("safeguarding_links")
        links.setAccessibleName("Where to get help")
        links.setWordWrap(True)
        links.setTextFormat(Qt.TextFormat.RichText)
        links.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        links.setOpenExternalLinks(True)
        links.setText(
            "<br>".join(
                f'<a href="{html.escape(link.url)}">{html.escape(link.title)}</a>' for link in policy.SAFEGUARDING_LINKS
            )
        )
        layout.addWidget(links)

        self.removal_notice = QFrame(content)
        self.removal_notice.setObjectName("removal_notice")
        notice_layout = QVBoxLayout(self.removal_notice)
        self.removal_label = QLabel(self.removal_notice)
        self.removal_label.setObjectName("removal_label")
        self.removal_label.setWordWrap(True)
        self.removal_label.setTextFormat(Qt.TextFormat.PlainText)
        notice_layout.addWidget(self.removal_label)
        self.remove_button = QPushButton("Remove them from this computer", self.removal_notice)
        self.remove_button.setObjectName("remove_button")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self.remove_requested)
        notice_layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.removal_notice)
        self.removal_notice.hide()

        intro = QLabel("A text-only note for the DSL. Describe the image in words; never attach it.", content)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.form_layout = QFormLayout()
        self.form_layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form_layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(self.form_layout)
        self.problem_labels: dict[str, QLabel] = {}
        self.inputs: dict[str, QWidget] = {}
        self.note_edit = QPlainTextEdit(content)
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setPlaceholderText("What you saw, in words only; where it was and what was said.")
        self.note_edit.setMinimumHeight(self.note_edit.fontMetrics().lineSpacing() * 4 + 14)
        self.note_edit.setMaximumHeight(self.note_edit.fontMetrics().lineSpacing() * 6 + 14)
        self.who_edit = QLineEdit(content)
        self.who_edit.setPlaceholderText("Names as far as you know, or “not known”")
        self.when_edit = QtWhenEdit(content)
        self.device_edit = QLineEdit(content)
        self.device_edit.setPlaceholderText("Such as a pupil's phone or a school laptop")
        self.dsl_edit = QLineEdit(content)
        self.dsl_edit.setPlaceholderText("The DSL's name")
        for text, field, widget in (
            ("What you saw", "safeguarding_note", self.note_edit),
            ("Who is involved", "target_name", self.who_edit),
            ("When", "occurred", self.when_edit),
            ("Which device it was on", "device", self.device_edit),
            ("The DSL you told", "reported_to", self.dsl_edit),
        ):
            self._row(text, field, widget)
        self.general_problems_label = self._problem_label(content, "dsl_general")
        layout.addWidget(self.general_problems_label)
        layout.addStretch(1)

    def _problem_label(self, parent: QWidget, field: str) -> QLabel:
        label = QLabel(parent)
        label.setObjectName(f"problem_{field}")
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setStyleSheet("color: #b00020; font-weight: bold;")
        label.setAccessibleName("Problem")
        label.hide()
        return label

    def _row(self, text: str, field: str, widget: QWidget) -> None:
        parent = self.form_layout.parentWidget()
        widget.setObjectName(f"dsl_{field}")
        widget.setAccessibleName(text)
        container = QWidget(parent)
        column = QVBoxLayout(container)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        problem = self._problem_label(container, f"dsl_{field}")
        column.addWidget(problem)
        label = QLabel(text, parent)
        label.setBuddy(widget)
        self.form_layout.addRow(label, container)
        self.problem_labels[field] = problem
        self.inputs[field] = widget

    def set_removal(self, pending: int, removed: int) -> None:
        """Say what became of the incident's items: ``pending`` still to remove, ``removed`` already removed."""
        text = removal_text(pending, removed)
        self.removal_label.setText(text)
        self.removal_notice.setStyleSheet(_NOTICE_STYLE if pending else _DONE_STYLE)
        self.remove_button.setVisible(pending > 0)
        self.removal_notice.setVisible(bool(text))

    def _box_clicked(self, checked: bool) -> None:
        if not checked:
            self.marked_box.setChecked(True)  # stays ticked until the user confirms
            self.unmark_requested.emit()
