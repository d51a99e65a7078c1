"""Handles, e-mail ids and URLs proposed for an incident, for the reviewer to confirm or reject, one at a time.

What it defends against is silent inference: a proposal is only shown, with where it was seen (the form, or an
item's machine-read text, which may be wrong), and nothing happens until the reviewer confirms or rejects it and
gives a reason; who it is believed to be is typed by the reviewer. The decision is then a signed record (the flow
does that). Every text shown comes from a verified bundle but is still shown as plain text only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence.case.handles import Proposal
from evidence.review.casework import Decision, Identification
from ui.verdict import safe_text

COLUMNS = ("Proposed", "Kind", "Seen in", "Decision", "Believed to be")
NOTE = (
    "Proposed from the form and from the machine-read text of the images (which may be wrong: look at the image). "
    "Nothing counts until you confirm it. Confirmed handles link incidents and appear on the police timeline."
)


@dataclass(frozen=True)
class DecisionRequest:
    """What the reviewer decided on one proposal."""

    key: str
    decision: Decision
    person: str
    why: str


def seen_in(p: Proposal) -> str:
    """Where a proposal was seen, in words."""
    where = ["the form"] if p.in_form else []
    where += [f"item {n} (machine-read)" for n in p.items]
    return ", ".join(where)


class QtProposalsView(QWidget):
    """The proposals of the bundle on show, with the reviewer's decisions, and the buttons to read text and decide.

    Signals:
        read_text_requested(): the reviewer asked to read the items' text (OCR).
        decide_requested(object): a :class:`DecisionRequest`.
    """

    read_text_requested = Signal()
    decide_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.note = QLabel(NOTE, self)
        self.note.setWordWrap(True)
        self.layer_label = QLabel("", self)
        self.layer_label.setObjectName("layer_label")
        self.layer_label.setWordWrap(True)
        self.read_button = QPushButton("Read the text of the images (OCR)", self)
        self.read_button.setObjectName("read_text_button")
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("proposals")
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        for column, width in enumerate((170, 60, 200, 85)):
            self.tree.setColumnWidth(column, width)
        self.person = QLineEdit(self)
        self.person.setObjectName("person")
        self.person.setPlaceholderText("Who you believe it is (optional; for Confirm only)")
        self.why = QLineEdit(self)
        self.why.setObjectName("why")
        self.why.setPlaceholderText("Why (required), e.g. 'the pupil named him'")
        self.confirm_button = QPushButton("Confirm", self)
        self.confirm_button.setObjectName("confirm_button")
        self.reject_button = QPushButton("Reject", self)
        self.reject_button.setObjectName("reject_button")
        top = QHBoxLayout()
        top.addWidget(self.layer_label, 1)
        top.addWidget(self.read_button)
        row = QHBoxLayout()
        row.addWidget(self.person, 1)
        row.addWidget(self.why, 1)
        row.addWidget(self.confirm_button)
        row.addWidget(self.reject_button)
        layout.addWidget(self.note)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        layout.addLayout(row)
        self.read_button.clicked.connect(self.read_text_requested)
        self.confirm_button.clicked.connect(lambda: self._decide(Decision.CONFIRMED))
        self.reject_button.clicked.connect(lambda: self._decide(Decision.REJECTED))
        self.tree.currentItemChanged.connect(lambda *_: self._sync())
        self.why.textChanged.connect(lambda *_: self._sync())
        self.clear()

    def set_proposals(
        self, proposals: Sequence[Proposal], decisions: Mapping[str, Identification], *, layers: int, items: int
    ) -> None:
        """Show ``proposals`` with the latest decision on each; ``layers`` of ``items`` items have a text layer."""
        self.tree.clear()
        for p in proposals:
            d = decisions.get(p.key)
            row = QTreeWidgetItem(
                [
                    safe_text(p.value),
                    p.kind.value,
                    seen_in(p),
                    "undecided" if d is None else d.decision.value,
                    "" if d is None else safe_text(d.person),
                ]
            )
            row.setData(0, Qt.ItemDataRole.UserRole, p.key)
            if p.lookalikes:
                row.setToolTip(0, "Looks like: " + ", ".join(safe_text(k) for k in p.lookalikes))
            if d is not None and d.why:
                row.setToolTip(3, safe_text(d.why))
            self.tree.addTopLevelItem(row)
        self.layer_label.setText(
            f"{layers} of {items} item(s) have machine-read text."
            + ("" if layers else " Read the text to find handles in the images too.")
        )
        self.read_button.setEnabled(layers < items)
        self.setEnabled(True)
        self._sync()

    def clear(self) -> None:
        """Show nothing (no bundle, or locked)."""
        self.tree.clear()
        self.person.clear()
        self.why.clear()
        self.layer_label.setText("Open a bundle to see the handles proposed for it.")
        self.read_button.setEnabled(False)
        self._sync()

    def _selected_key(self) -> str | None:
        row = self.tree.currentItem()
        value = row.data(0, Qt.ItemDataRole.UserRole) if row is not None else None
        return value if isinstance(value, str) else None

    def _sync(self) -> None:
        ok = self._selected_key() is not None and bool(self.why.text().strip())
        self.confirm_button.setEnabled(ok)
        self.reject_button.setEnabled(ok)

    def _decide(self, decision: Decision) -> None:
        key = self._selected_key()
        if key is None or not self.why.text().strip():
            return
        person = self.person.text().strip() if decision is Decision.CONFIRMED else ""
        self.decide_requested.emit(DecisionRequest(key, decision, person, self.why.text().strip()))
