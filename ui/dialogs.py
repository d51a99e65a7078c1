"""Small dialogs: the safeguarding gate, a received screenshot's provenance, the capture countdown, the export.

Each dialog only collects answers and hands them back as a typed request (a frozen dataclass); the app does the
work. A pack passphrase typed here never appears in a request's ``repr``, so it cannot reach a log by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from evidence.case import policy
from evidence.core.text import clean_line


@dataclass(frozen=True)
class ReceiveRequest:
    """Who provided received screenshots and how they reached us, from :class:`QtReceiveDialog`."""

    provided_by: str
    how: str


@dataclass(frozen=True)
class ExportRequest:
    """What a police export needs, from :class:`QtExportDialog`.

    Attributes:
        folder: where the export folder is made.
        officer_reference: the officer's name and crime reference.
        pack_recipient: an ``age1…`` recipient for an encrypted copy, or None.
        pack_passphrase: a passphrase for an encrypted copy, or None (never shown in ``repr``).
    """

    folder: Path
    officer_reference: str
    pack_recipient: str | None = None
    pack_passphrase: str | None = field(default=None, repr=False)


def safeguarding_next_text(holding: int) -> str:
    """What pressing Continue does, in plain words, for an open incident holding ``holding`` items."""
    if holding:
        items = "1 captured item" if holding == 1 else f"{holding} captured items"
        return (
            f"The open incident holds {items}. They are hidden now and will not be shown again. When you continue,"
            " they are removed from this computer (only their fingerprints stay in the custody log, so reviewers can"
            " see that they existed), and you write a short note for the DSL in words."
        )
    return (
        "When you continue, a new incident opens for a short note for the DSL, in words only. Nothing can be"
        " captured for it."
    )


class QtSafeguardingDialog(QDialog):
    """Stops the capture of a nude or semi-nude image of a child, says what happens next, and asks to continue.

    Attributes:
        next_label: what Continue does (remove the open incident's items, or start a note).
        record: the Continue button.
    """

    def __init__(self, holding: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("safeguarding_dialog")
        self.setWindowTitle("Do not capture this image")
        self.setMinimumWidth(min(560, parent.width()) if parent is not None else 560)
        layout = QVBoxLayout(self)
        stop = QLabel("Do not capture, copy, save or share it.", self)
        stop.setStyleSheet("font-size: 16px; font-weight: 700; color: #b00020;")
        layout.addWidget(stop)
        text = QLabel(policy.SAFEGUARDING_TEXT, self)
        text.setObjectName("safeguarding_text")
        text.setWordWrap(True)
        layout.addWidget(text)
        links = QLabel(
            "<br>".join(f'<a href="{link.url}">{link.title}</a>' for link in policy.SAFEGUARDING_LINKS), self
        )
        links.setObjectName("safeguarding_links")
        links.setOpenExternalLinks(True)
        links.setTextFormat(Qt.TextFormat.RichText)
        links.setWordWrap(True)
        layout.addWidget(links)
        self.next_label = QLabel(safeguarding_next_text(holding), self)
        self.next_label.setObjectName("next_label")
        self.next_label.setWordWrap(True)
        self.next_label.setStyleSheet("font-weight: 600;")
        layout.addWidget(self.next_label)
        buttons = QDialogButtonBox(self)
        label = "Remove them and write the note" if holding else "Write a note for the DSL"
        self.record = buttons.addButton(label, QDialogButtonBox.ButtonRole.AcceptRole)
        self.record.setObjectName("record_button")
        buttons.addButton("Cancel", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.record.setDefault(True)


class QtReceiveDialog(QDialog):
    """Asks who provided a received screenshot and how it reached us."""

    def __init__(self, names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("receive_dialog")
        self.setWindowTitle("Received screenshot")
        layout = QVBoxLayout(self)
        shown = ", ".join(clean_line(name) for name in names)  # file names from outside: plain, no controls
        intro = QLabel(self)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setText(
            f"Adding {'1 file' if len(names) == 1 else f'{len(names)} files'}: {shown}. They are kept exactly as"
            " received and marked “received, not captured”."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.provided_by = QLineEdit(self)
        self.provided_by.setObjectName("provided_by")
        self.provided_by.setPlaceholderText("e.g. the pupil, a parent, a colleague")
        self.how = QLineEdit(self)
        self.how.setObjectName("how")
        self.how.setPlaceholderText("e.g. forwarded by e-mail, shown on their phone")
        form.addRow("Who provided it?", self.provided_by)
        form.addRow("How did it reach you?", self.how)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Add")
        self.ok.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for edit in (self.provided_by, self.how):
            edit.textChanged.connect(self._changed)

    def request(self) -> ReceiveRequest:
        """The answers, stripped."""
        return ReceiveRequest(self.provided_by.text().strip(), self.how.text().strip())

    def _changed(self) -> None:
        self.ok.setEnabled(bool(self.provided_by.text().strip() and self.how.text().strip()))


class QtCountdown(QWidget):
    """A small always-on-top countdown before a delayed capture; it hides itself before it says "now".

    Signals:
        finished(): the countdown reached zero and the widget is hidden.
        cancelled(): the user pressed Esc.
    """

    finished = Signal()
    cancelled = Signal()

    def __init__(self, seconds: int, parent: QWidget | None = None) -> None:
        super().__init__(
            parent, Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
        )
        self.remaining = seconds
        self.label = QLabel(self)
        self.label.setObjectName("countdown")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setStyleSheet("font-size: 28px; font-weight: 700; color: white; background: #333; padding: 12px;")
        QVBoxLayout(self).addWidget(self.label)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self._show_text()

    def start(self) -> None:
        """Show and count down."""
        self.show()
        self._timer.start()

    def _show_text(self) -> None:
        self.label.setText(f"Capturing in {self.remaining}…")

    def _tick(self) -> None:
        self.remaining -= 1
        if self.remaining <= 0:
            self._timer.stop()
            self.hide()
            self.finished.emit()
        else:
            self._show_text()

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 (Qt override)
        """Esc cancels."""
        if event.key() == Qt.Key.Key_Escape:
            self._timer.stop()
            self.hide()
            self.cancelled.emit()


class QtExportDialog(QDialog):
    """Asks for what a police export needs: the officer's reference, a folder, and an optional encrypted pack.

    Attributes:
        officer_reference, folder, recipient, passphrase: the fields.
    """

    def __init__(self, default_folder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export_dialog")
        self.setWindowTitle("Export for the police")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "The export holds the verified bag byte for byte, a PDF report, a draft statement for the member of "
            "staff who captured it, and the commands an officer needs to check it. The export is logged as a "
            "signed revision.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.officer_reference = QLineEdit(self)
        self.officer_reference.setObjectName("officer_reference")
        self.officer_reference.setPlaceholderText("e.g. PC 1234 Jones, crime ref CR/123/26")
        self.folder = QLineEdit(default_folder, self)
        self.folder.setObjectName("folder")
        self.recipient = QLineEdit(self)
        self.recipient.setObjectName("recipient")
        self.recipient.setPlaceholderText("optional: the police's age1… key")
        self.passphrase = QLineEdit(self)
        self.passphrase.setObjectName("pack_passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText("optional: a passphrase you will give the officer by phone")
        form.addRow("Officer's reference", self.officer_reference)
        form.addRow("Save in folder", self.folder)
        form.addRow("Encrypt a copy to", self.recipient)
        form.addRow("…or with passphrase", self.passphrase)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Export")
        self.ok.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for edit in (self.officer_reference, self.folder):
            edit.textChanged.connect(self._changed)

    def request(self) -> ExportRequest:
        """The answers; empty optional fields become None."""
        return ExportRequest(
            folder=Path(self.folder.text().strip()),
            officer_reference=self.officer_reference.text().strip(),
            pack_recipient=self.recipient.text().strip() or None,
            pack_passphrase=self.passphrase.text() or None,
        )

    def _changed(self) -> None:
        self.ok.setEnabled(bool(self.officer_reference.text().strip() and self.folder.text().strip()))
