"""The reviewer's retention view: cases due for review, overdue or on legal hold, and what to do with each.

A view of plain rows (:class:`RetentionRow`) that the flow (:mod:`app.flows.retention`) computes from verified
bundles; it decides nothing itself. Every choice needs a reason typed in the "Reason" box, and **Dispose…** is
disabled for a case on legal hold (the flow refuses it again, and so does the core). Texts shown come from the
bundles and are cleaned of control and bidi characters first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence.case.register import REASON_LABELS, DisposalReason
from evidence.core.text import clean_line, clean_text

COLUMNS = ("Case", "Status", "Review on", "Rule", "Legal holds")


@dataclass(frozen=True)
class RetentionRow:
    """One case as the view shows it.

    Attributes:
        ref: the incident reference.
        status: not due, due, overdue, on hold (in words).
        due: the review date in words.
        rule: the rule that set it.
        holds: the holds in force (``r2, r5``) or "".
        why: the reasoning, one line each.
        on_hold: True when a legal hold is in force (Dispose is disabled).
        due_now: True when the review date has come.
    """

    ref: str
    status: str
    due: str
    rule: str
    holds: str
    why: tuple[str, ...]
    on_hold: bool
    due_now: bool


class QtRetentionView(QDialog):
    """The retention view.

    Signals:
        keep_requested(str ref, int days, str why), hold_requested(str ref, str why),
        release_requested(str ref, str why), dispose_requested(str ref, str reason_code, str note),
        refresh_requested().
    """

    keep_requested = Signal(str, int, str)
    hold_requested = Signal(str, str)
    release_requested = Signal(str, str)
    dispose_requested = Signal(str, str, str)
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("retention_view")
        self.setWindowTitle("Retention and disposal")
        self.resize(900, 560)
        self.rows: list[RetentionRow] = []
        self.summary = QLabel("Reading the cases…")
        self.summary.setObjectName("retention_summary")
        self.rules = QLabel("")
        self.rules.setObjectName("retention_rules")
        self.rules.setWordWrap(True)
        self.rules.setTextFormat(Qt.TextFormat.PlainText)
        self.tree = QTreeWidget()
        self.tree.setObjectName("retention_cases")
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnWidth(0, 170)
        self.tree.setColumnWidth(1, 90)
        self.tree.setColumnWidth(2, 150)
        self.tree.setColumnWidth(3, 170)
        self.why = QPlainTextEdit()
        self.why.setObjectName("retention_why")
        self.why.setReadOnly(True)
        self.why.setMaximumHeight(120)
        self.reason = QLineEdit()
        self.reason.setObjectName("retention_reason")
        self.reason.setPlaceholderText("Why (required): e.g. police investigation, reference 12/3456/26")
        self.days = QSpinBox()
        self.days.setObjectName("retention_days")
        self.days.setRange(1, 36_500)
        self.days.setValue(365)
        self.days.setSuffix(" days")
        self.code = QComboBox()
        self.code.setObjectName("disposal_reason")
        for reason in DisposalReason:
            self.code.addItem(REASON_LABELS[reason].capitalize(), reason.value)
        form = QFormLayout()
        form.addRow("Reason", self.reason)
        form.addRow("Keep for a further", self.days)
        form.addRow("Disposal reason", self.code)
        self.keep_button = QPushButton("Keep longer")
        self.keep_button.setObjectName("keep_button")
        self.hold_button = QPushButton("Legal hold")
        self.hold_button.setObjectName("hold_button")
        self.release_button = QPushButton("Release hold")
        self.release_button.setObjectName("release_button")
        self.dispose_button = QPushButton("Dispose…")
        self.dispose_button.setObjectName("dispose_button")
        self.refresh_button = QPushButton("Read again")
        buttons = QHBoxLayout()
        for b in (self.keep_button, self.hold_button, self.release_button, self.dispose_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.rules)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(QLabel("Why this date"))
        layout.addWidget(self.why)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(close)
        self.tree.currentItemChanged.connect(lambda *_: self._selected())
        self.reason.textChanged.connect(lambda *_: self._sync())
        self.keep_button.clicked.connect(lambda: self._emit("keep"))
        self.hold_button.clicked.connect(lambda: self._emit("hold"))
        self.release_button.clicked.connect(lambda: self._emit("release"))
        self.dispose_button.clicked.connect(lambda: self._emit("dispose"))
        self.refresh_button.clicked.connect(self.refresh_requested.emit)
        self._sync()

    def set_rules(self, lines: Sequence[str]) -> None:
        """Show the school's retention rules (from its signed profile), one line each."""
        self.rules.setText("\n".join(clean_line(line, limit=400) for line in lines))

    def set_rows(self, rows: Sequence[RetentionRow], failed: int = 0) -> None:
        """Show ``rows`` (soonest review first); ``failed`` bundles could not be read."""
        selected = self.current()
        self.rows = list(rows)
        self.tree.clear()
        for row in self.rows:
            item = QTreeWidgetItem([clean_line(row.ref), row.status, row.due, row.rule, row.holds or "none"])
            item.setData(0, Qt.ItemDataRole.UserRole, row.ref)
            self.tree.addTopLevelItem(item)
            if selected is not None and row.ref == selected.ref:
                self.tree.setCurrentItem(item)
        due = sum(1 for r in self.rows if r.due_now and not r.on_hold)
        held = sum(1 for r in self.rows if r.on_hold)
        text = f"{len(self.rows)} case(s): {due} due for review or overdue, {held} on legal hold"
        if failed:
            text += f"; {failed} could not be read (see the inbox)"
        self.summary.setText(text)
        first = self.tree.topLevelItem(0)
        if self.tree.currentItem() is None and first is not None:
            self.tree.setCurrentItem(first)
        self._selected()

    def current(self) -> RetentionRow | None:
        """The selected case's row, or None."""
        item = self.tree.currentItem()
        if item is None:
            return None
        ref = item.data(0, Qt.ItemDataRole.UserRole)
        return next((r for r in self.rows if r.ref == ref), None)

    def select(self, ref: str) -> None:
        """Select the case ``ref``."""
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == ref:
                self.tree.setCurrentItem(item)

    def _selected(self) -> None:
        row = self.current()
        self.why.setPlainText(clean_text("\n".join(row.why)) if row else "")
        self._sync()

    def _sync(self) -> None:
        row = self.current()
        has_reason = bool(self.reason.text().strip())
        self.keep_button.setEnabled(row is not None and has_reason)
        self.hold_button.setEnabled(row is not None and has_reason)
        self.release_button.setEnabled(row is not None and row.on_hold and has_reason)
        self.dispose_button.setEnabled(row is not None and not row.on_hold and has_reason)
        if row is not None and row.on_hold:
            self.dispose_button.setToolTip("On legal hold: release the hold first")
        else:
            self.dispose_button.setToolTip("Record the disposal in the register, then delete every copy")

    def _emit(self, what: str) -> None:
        row = self.current()
        why = self.reason.text().strip()
        if row is None or not why:
            return
        if what == "keep":
            self.keep_requested.emit(row.ref, self.days.value(), why)
        elif what == "hold":
            self.hold_requested.emit(row.ref, why)
        elif what == "release":
            self.release_requested.emit(row.ref, why)
        else:
            self.dispose_requested.emit(row.ref, str(self.code.currentData()), why)


class QtCertificateDialog(QDialog):
    """The disposal certificate's text, with **Save as PDF…** (signal ``save_pdf_requested``)."""

    save_pdf_requested = Signal()

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("certificate_dialog")
        self.setWindowTitle("Certificate of disposal")
        self.resize(820, 620)
        self.text = QPlainTextEdit(clean_text(text, limit=100_000))
        self.text.setObjectName("certificate_text")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))  # the columns line up
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = buttons.addButton("Save as PDF…", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.setObjectName("save_certificate_pdf")
        self.save_button.clicked.connect(self.save_pdf_requested.emit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)


class QtHoldOffer(QDialog):
    """After a police export or a "police contacted" action: offer to put the case on legal hold."""

    def __init__(self, ref: str, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hold_offer")
        self.setWindowTitle("Put the case on legal hold?")
        text = QLabel(
            f"The police are involved in {clean_line(ref)}. DfE guidance: evidence of a suspected offence must not "
            "be deleted. A legal hold blocks disposal until a reviewer releases it, with a reason."
        )
        text.setWordWrap(True)
        self.reason = QLineEdit(clean_line(reason, limit=500))
        self.reason.setObjectName("hold_reason")
        buttons = QDialogButtonBox()
        self.hold_button = buttons.addButton("Set legal hold", QDialogButtonBox.ButtonRole.AcceptRole)
        self.hold_button.setObjectName("set_hold_button")
        buttons.addButton("Not now", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.reason.textChanged.connect(lambda t: self.hold_button.setEnabled(bool(t.strip())))
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        form = QFormLayout()
        form.addRow("Reason", self.reason)
        layout.addLayout(form)
        layout.addWidget(buttons)
