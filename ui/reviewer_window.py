"""The reviewer's page: the drop folder's inbox, one bundle's verdict, its evidence, custody and actions.

It is a page of the main window for reviewers and standalone users (issue 11: one window), and a window of its own
only where the app runs the reviewer alone (tests). Its heading and the inbox's selection follow the bundle shown,
including one that failed its checks; times and statuses are in words, never raw ISO or enum values.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
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
from evidence.case.custody import REMOVED_FOR_SAFEGUARDING
from evidence.core.text import clean_line, clean_text
from evidence.core.timefmt import day_text, local_time_text
from evidence.review.actions import CaseStatus, ReviewRecord, case_status, label
from ui.verdict import safe_text

CHOOSE_TEXT = "Choose a bundle in the inbox (double-click it, or press Enter)."
STATUS_WORDS = {
    CaseStatus.NEW: "New",
    CaseStatus.UNDER_REVIEW: "Under review",
    CaseStatus.ACTION_TAKEN: "Action taken",
    CaseStatus.REFERRED: "Referred to the police",
    CaseStatus.CLOSED: "Closed",
}


def occurred_text(occurred: str) -> str:
    """When it happened, as people read it: "Tue 24 Nov 2026, 18:30" in this computer's time, or as written."""
    text = clean_line(occurred)
    if not text:
        return "not given"
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if "T" not in text and " " not in text:
        return f"{day_text(when.date())} (no time given)"
    if when.tzinfo is not None:
        when = when.astimezone()
    return f"{day_text(when.date())}, {when:%H:%M}"


def _excluded_lines(verified: VerifiedBundle) -> list[str]:
    lines = []
    for item in verified.excluded:
        if item.reason == REMOVED_FOR_SAFEGUARDING:
            lines.append(
                f"Item {item.seq} was removed from the workstation for safeguarding before sealing; only its"
                f" fingerprint travels (SHA-256 {item.sha256})."
            )
        else:
            reason = clean_line(item.reason, limit=1000)
            lines.append(f"Item {item.seq} was left out at sealing: {reason} (SHA-256 {item.sha256}).")
    return lines


def incident_text(verified: VerifiedBundle) -> str:
    """The incident record as plain text for the read-only tab.

    Every value comes from the bundle, so one-line values pass through :func:`clean_line` and the free texts
    through :func:`clean_text`: no control character or bidi override reaches the screen.
    """
    d = verified.incident.details
    c = clean_line
    lines = [f"Reference: {verified.ref}", f"School: {c(verified.incident.school)}"]
    if d.safeguarding_block:
        lines += [
            "A text-only note for the DSL: the incident concerns a nude or semi-nude image of a child, so nothing"
            " was captured or kept.",
            "",
            f"What was seen: {clean_text(d.safeguarding_note)}",
            f"Who is involved: {c(d.target_name) or 'not given'}",
            f"When: {occurred_text(d.occurred)}",
            f"Which device it was on: {c(d.device) or 'not given'}",
            f"The DSL told: {c(d.reported_to) or 'not given'}",
        ]
        excluded = _excluded_lines(verified)
        return "\n".join([*lines, *([""] if excluded else []), *excluded])
    lines.append(f"Title: {c(d.title)}")
    lines.append(f"Report type: {policy.label(d.report_type)}")
    categories = [policy.label(x) for x in d.categories]
    role = policy.label(d.target_role) if d.target_role else "role not given"
    perpetrator = policy.label(d.perpetrator_type) if d.perpetrator_type else "not given"
    about = c(", ".join(v for v in (d.perpetrator_name, d.perpetrator_handle, d.perpetrator_url) if v), limit=1000)
    lines += [
        f"When it happened: {occurred_text(d.occurred)}",
        f"Platform: {c(d.platform_other) or c(d.platform) or 'not given'}",
        f"Categories: {', '.join(categories) or 'none given'}",
        f"Who was targeted: {c(d.target_name) or 'not given'} ({role})",
        f"Who is said to have done it: {perpetrator}{f' ({about})' if about else ''}",
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
    excluded = _excluded_lines(verified)
    if excluded:
        lines += ["", *excluded]
    lines += redacted_lines(verified)
    lines += ["", *trusted_time_lines(verified)]
    return "\n".join(lines)


def trusted_time_lines(verified: VerifiedBundle) -> list[str]:
    """Each item's and revision's trusted time ("Time confirmed by TSA …" or "Workstation clock only")."""
    lines = ["Trusted time:"]
    lines += [f"Item {i.seq}: {verified.item_time_label(i.seq)}" for i in verified.items]
    lines += [f"Revision {r.number} ({r.action}): {verified.revision_time_label(r.number)}" for r in verified.revisions]
    return [clean_line(line, limit=1000) for line in lines]


def redacted_lines(verified: VerifiedBundle) -> list[str]:
    """One line per redacted copy: which original it was made from, by which revision, with how many boxes."""
    if not verified.redacted:
        return []
    out = ["", "Redacted copies (the originals are unchanged):"]
    for copy in verified.redacted:
        out.append(
            f"Item {copy.parent_seq}: redacted copy {copy.png_name} made in revision {copy.revision}, "
            f"{len(copy.record.boxes)} area(s) blacked out (SHA-256 {copy.record.png_sha256})."
        )
    return out


def action_text(record: ReviewRecord) -> str:
    """One review record as a line of the Actions tab (its texts come from the bundle, so they are cleaned)."""
    extra = "; ".join(clean_line(v) for v in record.fields.values() if v)
    return clean_line(
        f"{local_time_text(record.time_utc)}  {label(record.action)}{': ' + extra if extra else ''} — "
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
        self.setWindowTitle("Inbox — Evidence Capture")
        self.inbox, self.banner, self.items, self.custody = inbox, banner, items, custody
        right = QWidget(self)
        layout = QVBoxLayout(right)
        layout.setContentsMargins(0, 0, 0, 0)
        self.exclusion_note = QLabel("", right)
        self.exclusion_note.setObjectName("exclusion_note")
        self.exclusion_note.setWordWrap(True)
        self.exclusion_note.setStyleSheet("background: #fff4ce; padding: 4px;")
        self.exclusion_note.setVisible(False)
        self.heading = QLabel(CHOOSE_TEXT, right)
        self.heading.setWordWrap(True)
        self.heading.setObjectName("heading")
        self.heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.incident = QPlainTextEdit(right)
        self.incident.setReadOnly(True)
        self.incident.setObjectName("incident_text")
        self.action_list = QListWidget(right)
        self.action_list.setObjectName("actions")
        self.action_list.setWordWrap(True)  # a reviewer's reason is read in full, not scrolled to
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
        self.lock_button.setObjectName("lock_button")
        self.lock_button.setToolTip("Lock now (Ctrl+L)")
        buttons.addStretch(1)
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.lock_button)
        layout.addWidget(self.exclusion_note)
        layout.addWidget(self.heading)
        layout.addWidget(banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.blur_box)  # on a line of its own, so the buttons fit a narrow (or 2x) screen
        layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(inbox)
        splitter.addWidget(right)
        splitter.setSizes([560, 680])
        splitter.setChildrenCollapsible(False)
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
            self.heading.setText(CHOOSE_TEXT)
            return
        records = records or []
        title = clean_line(verified.incident.details.title)
        name = f"{title} — " if title else ""
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setText(f"{name}{verified.ref} ({STATUS_WORDS[case_status(records)]})")
        self.incident.setPlainText(incident_text(verified))
        for r in records:
            self.action_list.addItem(action_text(r))

    def set_failed(self, file_name: str) -> None:
        """Head the page with the bundle that failed its checks (nothing of it is shown)."""
        self.set_bundle(None)
        self.tabs.setCurrentIndex(0)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setText(f"{safe_text(file_name)}: cannot be trusted")
