"""What the staff window shows once an incident is sealed: a calm confirmation, not a greyed, emptied form.

Issue 11: after sealing, the form used to stay on screen greyed out and emptied (the local copy is deleted after
sealing, as most schools' profiles ask), which looked like data loss. This page says what happened ("Sealed and
sent to NAME"), where it went and what was kept, and offers the next step: a new incident.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from evidence.core.text import clean_line
from evidence.core.timefmt import local_time_text
from evidence.vault.store import Delivery, DeliveryState
from ui.widget_helpers import plain_label


@dataclass(frozen=True)
class SealedSummary:
    """What the page says about a sealed incident.

    Attributes:
        ref: the incident reference.
        title: its title ("" if none).
        sent_to: who can open it, in words ("Dee Sell (DSL)").
        item_count: how many items it carries, or None when not known here (a seal from another session).
        where: the bundle's file, or "" when not known here.
        sha256: the bundle's fingerprint, or "".
        local_copy_kept: True when the local copy stays on this computer.
        delivery: where the bundle stands: "Received by NAME at TIME", "Waiting for a reviewer to open it", or
            that the copy on the share is missing ("" when not known here).
        removed_for_safeguarding: how many items were removed before sealing.
    """

    ref: str
    title: str
    sent_to: str
    item_count: int | None = None
    where: str = ""
    sha256: str = ""
    local_copy_kept: bool = False
    removed_for_safeguarding: int = 0
    delivery: str = ""
    awaiting_receipt: bool = False


MISSING_TEXT = "The copy on the school share is missing; seal it again or contact IT"
WAITING_TEXT = "Waiting for a reviewer to open it"


def delivery_text(delivery: Delivery) -> str:
    """A sealed bundle's way to the reviewers in words: "Received by NAME at TIME", "Waiting for a reviewer to open
    it", or that the copy on the share is missing."""
    if delivery.state is DeliveryState.RECEIVED:
        when = local_time_text(delivery.received_utc) if delivery.received_utc else ""
        return clean_line(f"Received by {delivery.received_by}{' at ' + when if when else ''}", limit=300)
    if delivery.state is DeliveryState.MISSING:
        return MISSING_TEXT
    return WAITING_TEXT


def _items(count: int) -> str:
    return "1 item" if count == 1 else f"{count} items"


def summary_lines(summary: SealedSummary) -> list[str]:
    """The page's sentences, in order."""
    name = f"“{summary.title}” ({summary.ref})" if summary.title else summary.ref
    lines = []
    if summary.item_count is None:
        lines.append(f"{name} is sealed. Only {summary.sent_to} can open it.")
    else:
        lines.append(f"{name} is sealed with {_items(summary.item_count)}, and only {summary.sent_to} can open it.")
    if summary.removed_for_safeguarding:
        lines.append(
            f"{_items(summary.removed_for_safeguarding).capitalize()} removed for safeguarding are listed in it by"
            " fingerprint only."
        )
    if summary.where:
        lines.append(f"It is saved as {summary.where}.")
    if summary.delivery:
        lines.append(f"{summary.delivery}.")
    if summary.awaiting_receipt:
        lines.append(
            "The local copy stays on this computer until a reviewer has opened the bundle; then it is deleted, as your"
            " school's profile asks. It can no longer change."
        )
    elif summary.local_copy_kept:
        lines.append("The local copy stays on this computer, as your school's profile asks. It can no longer change.")
    else:
        lines.append(
            "The local copy was deleted from this computer, as your school's profile asks: the evidence is now in the"
            " sealed bundle, and reviewers add their actions to it."
        )
    return lines


class QtSealedPage(QWidget):
    """ "Sealed and sent to NAME", what happened to the evidence, and a New incident button.

    Attributes:
        heading_label: "Sealed and sent to NAME".
        text_label: the summary.
        fingerprint_label: the bundle's SHA-256, selectable (hidden when not known).
        new_button: "New incident".
        details_button: "Show what was sealed" (only while the local copy is kept).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sealed_page")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        self.heading_label = plain_label("", self, "sealed_heading")
        self.heading_label.setStyleSheet("font-size: 18px; font-weight: 700; color: #1e5e2b;")
        self.heading_label.setWordWrap(True)
        layout.addWidget(self.heading_label)
        self.text_label = plain_label("", self, "sealed_text")
        self.text_label.setWordWrap(True)
        layout.addWidget(self.text_label)
        self.fingerprint_label = plain_label("", self, "sealed_fingerprint")
        self.fingerprint_label.setWordWrap(True)
        self.fingerprint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.fingerprint_label)
        buttons = QHBoxLayout()
        self.new_button = QPushButton("New incident", self)
        self.new_button.setObjectName("sealed_new_incident")
        self.new_button.setDefault(True)
        self.details_button = QPushButton("Show what was sealed", self)
        self.details_button.setObjectName("sealed_details")
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.details_button)
        buttons.addStretch(1)
        layout.addSpacing(12)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.setFocusProxy(self.new_button)

    def show_summary(self, summary: SealedSummary) -> None:
        """Say what became of this sealed incident."""
        self.heading_label.setText(f"Sealed and sent to {summary.sent_to}")
        self.text_label.setText("\n\n".join(summary_lines(summary)))
        self.fingerprint_label.setText(f"Its fingerprint (SHA-256): {summary.sha256}" if summary.sha256 else "")
        self.fingerprint_label.setVisible(bool(summary.sha256))
        self.details_button.setVisible(summary.local_copy_kept)
