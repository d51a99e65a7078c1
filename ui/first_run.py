"""The first-run wizard: who you are, a passphrase, and which school profile to use."""

from __future__ import annotations

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

from evidence.core.errors import UsageError
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
        self.school = QLineEdit(self)
        self.school.setObjectName("school")
        self.school.setPlaceholderText("Your school's name")
        layout.addWidget(self.import_choice)
        layout.addLayout(row)
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
        for signal in (self.import_choice.toggled, self.profile_path.textChanged):
            signal.connect(self.completeChanged)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "School profile", "", "School profile (*.toml)")
        if path:
            self.profile_path.setText(path)
            self.import_choice.setChecked(True)

    def isComplete(self) -> bool:  # noqa: N802 (Qt override)
        return self.standalone_choice.isChecked() or bool(self.profile_path.text().strip())


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
    def school(self) -> str:
        """The school's name for a standalone profile."""
        return self.profile_page.school.text().strip() or "My school"
