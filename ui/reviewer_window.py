"""The reviewer window: the drop folder's inbox, one bundle's verdict, its evidence, custody and actions."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from evidence.bundle import VerifiedBundle
from evidence.case import policy
from evidence.core.text import clean_line, clean_text
from evidence.review.actions import ReviewRecord, case_status, label


def incident_text(verified: VerifiedBundle) -> str:
    """The incident record as plain text for the read-only tab.

    Every value comes from the bundle, so one-line values pass through :func:`clean_line` and the free texts
    through :func:`clean_text`: no control character or bidi override reaches the screen.
    """
    d = verified.incident.details
    c = clean_line
    lines = [f"Reference: {verified.ref}", f"School: {c(verified.incident.school)}", f"Title: {c(d.title)}"]
    lines.append(f"Report type: {policy.label(d.report_type)}")
    categories = [policy.label(x) for x in d.categories]
    role = d.target_role.value if d.target_role else ""
    perpetrator = d.perpetrator_type.value if d.perpetrator_type else ""
    lines += [
        f"When it happened: {c(d.occurred) or 'not given'}",
        f"Platform: {c(d.platform_other) or c(d.platform) or 'not given'}",
        f"Categories: {', '.join(categories) or 'none'}",
        f"Who was targeted: {c(d.target_name)} ({role})",
        c(
            f"Alleged perpetrator: {perpetrator} {d.perpetrator_name} {d.perpetrator_handle} {d.perpetrator_url}",
            limit=1000,
        ),
        f"Web addresses: {', '.join(c(u, limit=400) for u in d.urls) or 'none'}",
        f"Not responded or retaliated: {'yes' if d.not_responded else 'not confirmed'}",
        f"Reported to: {c(d.reported_to)}",
        f"Support sought: {c(d.support_sought)}",
        f"Witnesses: {clean_text(d.witnesses)}",
        "",
        "What happened:",
        clean_text(d.description),
    ]
    advice = policy.police_advice(d)
    if advice:
        lines += ["", c(advice, limit=1000)]
    if d.safeguarding_note:
        lines += ["", "Safeguarding note for the DSL:", clean_text(d.safeguarding_note)]
    for item in verified.excluded:
        lines.append(f"Excluded item {item.seq}: {c(item.reason, limit=1000)}")
    return "\n".join(lines)


def action_text(record: ReviewRecord) -> str:
    """One review record as a line of the Actions tab (its texts come from the bundle, so they are cleaned)."""
    extra = "; ".join(clean_line(v) for v in record.fields.values() if v)
    return clean_line(
        f"{record.time_utc[:16].replace('T', ' ')}  {label(record.action)}{': ' + extra if extra else ''} — "
        f"{record.by_name} <{record.by_principal}>, revision {record.revision}. {record.why}",
        limit=2000,
    )


class QtReviewerWindow(QMainWindow):
    """Holds the reviewer's widgets; the app wires them.

    Attributes:
        inbox, banner, items, custody: the views passed in.
        incident: read-only text of the incident record.
        action_list: the review records, oldest first.
        record_button, export_button: what the reviewer can do with a verified bundle.
        blur_box: the global "blur distressing images" setting.
        exclusion_note: shown when the OS cannot keep this window out of screenshots.
    """

    def __init__(
        self, inbox: QWidget, banner: QWidget, items: QWidget, custody: QWidget, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Evidence Capture — reviewer")
        self.resize(1240, 780)
        self.inbox, self.banner, self.items, self.custody = inbox, banner, items, custody
        right = QWidget(self)
        layout = QVBoxLayout(right)
        layout.setContentsMargins(0, 0, 0, 0)
        self.exclusion_note = QLabel("", right)
        self.exclusion_note.setObjectName("exclusion_note")
        self.exclusion_note.setWordWrap(True)
        self.exclusion_note.setStyleSheet("background: #fff4ce; padding: 4px;")
        self.exclusion_note.setVisible(False)
        self.heading = QLabel("Choose a bundle in the inbox.", right)
        self.heading.setObjectName("heading")
        self.heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.incident = QPlainTextEdit(right)
        self.incident.setReadOnly(True)
        self.incident.setObjectName("incident_text")
        self.action_list = QListWidget(right)
        self.action_list.setObjectName("actions")
        self.tabs = QTabWidget(right)
        self.tabs.addTab(items, "Evidence")
        self.tabs.addTab(self.incident, "Incident")
        self.tabs.addTab(custody, "Custody")
        self.tabs.addTab(self.action_list, "Actions")
        buttons = QHBoxLayout()
        self.blur_box = QCheckBox("Blur distressing images until I reveal them", right)
        self.blur_box.setObjectName("blur_box")
        self.blur_box.setChecked(True)
        self.record_button = QPushButton("Record an action…", right)
        self.record_button.setObjectName("record_button")
        self.export_button = QPushButton("Export for police…", right)
        self.export_button.setObjectName("export_button")
        self.lock_button = QPushButton("Lock", right)
        self.lock_button.setShortcut(QKeySequence("Ctrl+L"))
        buttons.addWidget(self.blur_box, 1)
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.lock_button)
        layout.addWidget(self.exclusion_note)
        layout.addWidget(self.heading)
        layout.addWidget(banner)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(inbox)
        splitter.addWidget(right)
        splitter.setSizes([460, 780])
        self.setCentralWidget(splitter)
        self.set_bundle(None)

    def set_bundle(self, verified: VerifiedBundle | None, records: list[ReviewRecord] | None = None) -> None:
        """Show a verified bundle (or nothing, e.g. after a failure or a lock)."""
        self.action_list.clear()
        self.incident.clear()
        ok = verified is not None
        self.record_button.setEnabled(ok)
        self.export_button.setEnabled(ok)
        if verified is None:
            self.heading.setText("Choose a bundle in the inbox.")
            return
        records = records or []
        title = clean_line(verified.incident.details.title)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setText(f"{title} — {verified.ref} ({case_status(records).value})")
        self.incident.setPlainText(incident_text(verified))
        for r in records:
            self.action_list.addItem(action_text(r))
