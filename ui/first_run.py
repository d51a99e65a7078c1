"""The first-run wizard: who you are, a passphrase, and which school profile to use.

Choosing the school's profile pins the school's trust root on this computer, so the wizard asks for the profile file
AND the root fingerprint IT gave (out of band, never from the file itself), and shows the school, its reviewers, the
profile's root fingerprint and whether it matches before it lets the user go on. "Try it on my own" stays one
click: the user's own key becomes the root of a standalone profile.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from evidence.case.profile import InstallPreview, preview_install
from evidence.core.errors import EvidenceError, UsageError
from evidence.core.text import clean_line
from evidence.crypto.keys import MIN_PASSPHRASE_LENGTH, Role, check_name, check_principal

UNLOCK_HELP = (
    "Your passphrase protects your key: you need it to look at or seal evidence. "
    "Capturing never needs it, so you can always capture in a hurry."
)


def passphrase_strength(passphrase: str) -> tuple[int, str]:
    """A rough 0–3 score and a plain hint (not a security guarantee, just a nudge towards longer phrases)."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        return 0, f"Too short: use at least {MIN_PASSPHRASE_LENGTH} characters."
    classes = sum(
        any(test(c) for c in passphrase) for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )
    words = len(passphrase.split())
    if len(passphrase) >= 20 or (words >= 4 and len(passphrase) >= 16):
        return 3, "Strong."
    if len(passphrase) >= 12 and classes >= 2:
        return 2, "Fair. A few more words would make it strong."
    return 1, "Weak. A short sentence of four or more words is easier to remember and stronger."


class _IdentityPage(QWizardPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Who you are")
        self.setSubTitle("Your name and school e-mail go on every capture you seal, so reviewers know who made it.")
        form = QFormLayout(self)
        self.name = QLineEdit(self)
        self.name.setObjectName("name")
        self.name.setAccessibleName("Your name")
        self.principal = QLineEdit(self)
        self.principal.setObjectName("principal")
        self.principal.setAccessibleName("School e-mail address")
        self.principal.setPlaceholderText("j.smith@school.example")
        self.role = QComboBox(self)
        self.role.setObjectName("role")
        self.role.addItem("Staff member", Role.STAFF.value)
        self.role.addItem("Senior staff who review reports (DSL, Headteacher…)", Role.REVIEWER.value)
        self.passphrase = QLineEdit(self)
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.repeat = QLineEdit(self)
        self.repeat.setObjectName("repeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat.setAccessibleName("Repeat passphrase")
        self.strength = QLabel(self)
        self.strength.setObjectName("strength")
        self.problem = QLabel(self)
        self.problem.setObjectName("problem")
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.setWordWrap(True)
        help_label = QLabel(UNLOCK_HELP, self)
        help_label.setWordWrap(True)
        form.addRow("Your name", self.name)
        form.addRow("School e-mail", self.principal)
        form.addRow("Your role", self.role)
        form.addRow(help_label)
        form.addRow("Passphrase", self.passphrase)
        form.addRow("", self.strength)
        form.addRow("Repeat it", self.repeat)
        form.addRow(self.problem)
        for edit in (self.name, self.principal, self.passphrase, self.repeat):
            edit.textChanged.connect(self._changed)
        self._changed()

    def _problem(self) -> str:
        try:
            check_name(self.name.text())
        except UsageError:
            return "Type your name."
        try:
            check_principal(self.principal.text().strip())
        except UsageError:
            return "Type your school e-mail address (no spaces)."
        if len(self.passphrase.text()) < MIN_PASSPHRASE_LENGTH:
            return f"Choose a passphrase of at least {MIN_PASSPHRASE_LENGTH} characters."
        if self.passphrase.text() != self.repeat.text():
            return "The two passphrases are not the same yet."
        return ""

    def _changed(self) -> None:
        _score, hint = passphrase_strength(self.passphrase.text())
        self.strength.setText(hint if self.passphrase.text() else "")
        touched = any(e.text() for e in (self.name, self.principal, self.passphrase))
        self.problem.setText(self._problem() if touched else "")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 (Qt override)
        return not self._problem()


class _ProfilePage(QWizardPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Your school's set-up")
        self.setSubTitle("Sealed evidence goes to the reviewers your school names in its profile file.")
        layout = QVBoxLayout(self)
        self.import_choice = QRadioButton("Use the school profile file from IT", self)
        self.import_choice.setObjectName("import_choice")
        self.standalone_choice = QRadioButton("Try it on my own (I will be my own reviewer)", self)
        self.standalone_choice.setObjectName("standalone_choice")
        group = QButtonGroup(self)
        group.addButton(self.import_choice)
        group.addButton(self.standalone_choice)
        self.standalone_choice.setChecked(True)
        row = QHBoxLayout()
        self.profile_path = QLineEdit(self)
        self.profile_path.setObjectName("profile_path")
        self.profile_path.setPlaceholderText("school-profile.toml")
        browse = QPushButton("Choose…", self)
        browse.clicked.connect(self._browse)
        row.addWidget(self.profile_path)
        row.addWidget(browse)
        self.root_fingerprint = QLineEdit(self)
        self.root_fingerprint.setObjectName("root_fingerprint")
        self.root_fingerprint.setPlaceholderText("SHA256:… (the school root fingerprint IT gave you)")
        self.root_fingerprint.setAccessibleName("School root fingerprint from IT")
        self.profile_summary = QLabel(self)
        self.profile_summary.setObjectName("profile_summary")
        self.profile_summary.setTextFormat(Qt.TextFormat.PlainText)
        self.profile_summary.setWordWrap(True)
        self.preview: InstallPreview | None = None
        self.school = QLineEdit(self)
        self.school.setObjectName("school")
        self.school.setPlaceholderText("Your school's name")
        layout.addWidget(self.import_choice)
        layout.addLayout(row)
        fingerprint_label = QLabel("The school root fingerprint IT gave you (never copy it from the file):", self)
        fingerprint_label.setBuddy(self.root_fingerprint)
        layout.addWidget(fingerprint_label)
        layout.addWidget(self.root_fingerprint)
        layout.addWidget(self.profile_summary)
        layout.addSpacing(12)
        layout.addWidget(self.standalone_choice)
        layout.addWidget(self.school)
        note = QLabel(
            "On your own, everything you seal is readable only by you. Ask IT for the school profile to send "
            "evidence to your DSL.",
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addStretch(1)
        for signal in (self.import_choice.toggled, self.profile_path.textChanged, self.root_fingerprint.textChanged):
            signal.connect(self._changed)

    def _changed(self) -> None:
        """Read the chosen profile again and say what it is and whether its root is the one IT named."""
        self.preview = None
        path, given = self.profile_path.text().strip(), self.root_fingerprint.text().strip()
        if not self.import_choice.isChecked() or not path:
            self.profile_summary.setText("")
        else:
            try:
                self.preview = preview_install(Path(path), given)
            except EvidenceError as e:
                self._say(f"This file cannot be used: {clean_line(e, limit=300)}", ok=False)
            else:
                self._say(self._describe(self.preview), ok=self.preview.matches)
        self.completeChanged.emit()

    @staticmethod
    def _describe(p: InstallPreview) -> str:
        lines = [
            f"School: {clean_line(p.school)} (profile version {p.version})",
            f"Reviewers: {', '.join(clean_line(r) for r in p.reviewers)}",
            f"Staff who may seal: {p.staff_count}",
            f"Signed by the school root {p.root_fingerprint}",
        ]
        if not p.given_fingerprint.strip():
            lines.append("Type the fingerprint IT gave you to compare.")
        elif p.matches:
            lines.append("It matches the fingerprint you typed.")
        else:
            lines.append("It does NOT match the fingerprint you typed. Do not use this file; ask IT.")
        return "\n".join(lines)

    def _say(self, text: str, *, ok: bool) -> None:
        self.profile_summary.setStyleSheet("" if ok else "color: #b00020;")
        self.profile_summary.setText(text)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "School profile", "", "School profile (*.toml)")
        if path:
            self.profile_path.setText(path)
            self.import_choice.setChecked(True)

    def isComplete(self) -> bool:  # noqa: N802 (Qt override)
        return self.standalone_choice.isChecked() or (self.preview is not None and self.preview.matches)


class QtFirstRunWizard(QWizard):
    """Collects what the app needs on first run; the app does the creating.

    Attributes:
        identity_page: name, e-mail, role and passphrase.
        profile_page: import a school profile or go standalone.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Evidence Capture")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setMinimumSize(640, 480)
        intro = QWizardPage(self)
        intro.setTitle("Welcome")
        text = QLabel(
            "Evidence Capture keeps a safe record when you see online abuse of pupils or staff: a screenshot with "
            "its time and date, encrypted on this computer, and sealed for your school's safeguarding team.\n\n"
            "Setting up takes a minute.",
            intro,
        )
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.PlainText)
        QVBoxLayout(intro).addWidget(text)
        self.identity_page = _IdentityPage(self)
        self.profile_page = _ProfilePage(self)
        self.addPage(intro)
        self.addPage(self.identity_page)
        self.addPage(self.profile_page)

    @property
    def name(self) -> str:
        """The name typed."""
        return self.identity_page.name.text().strip()

    @property
    def principal(self) -> str:
        """The school e-mail typed."""
        return self.identity_page.principal.text().strip()

    @property
    def role(self) -> Role:
        """The role chosen."""
        return Role(self.identity_page.role.currentData())

    @property
    def passphrase(self) -> str:
        """The passphrase typed (kept only as long as the wizard lives)."""
        return self.identity_page.passphrase.text()

    @property
    def profile_file(self) -> str | None:
        """The school profile to import, or None for standalone."""
        page = self.profile_page
        return page.profile_path.text().strip() if page.import_choice.isChecked() else None

    @property
    def root_fingerprint(self) -> str:
        """The school root fingerprint typed (for the school profile)."""
        return self.profile_page.root_fingerprint.text().strip()

    @property
    def school(self) -> str:
        """The school's name for a standalone profile."""
        return self.profile_page.school.text().strip() or "My school"
