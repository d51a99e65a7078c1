"""The desktop app: the QApplication, the log and crash handler, the first-run wizard, and the two windows.

The windows' controllers are :class:`app.staff.StaffApp` and :class:`app.reviewer.ReviewerApp`; they share one
:class:`app.lock.LockCoordinator`, so one passphrase unlocks both and one lock (idle, Ctrl+L or quit) locks both.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

import evidence
from app import appinfo, installation
from app.crash import CrashHandler
from app.logs import setup_logging
from app.paths import Paths
from app.staff import StaffApp
from app.workspace import Workspace, check_fingerprint
from evidence.case.profile import Profile
from evidence.core.errors import EvidenceError
from evidence.core.fsutil import sweep_stale_temp_files
from evidence.core.timefmt import utc_now
from evidence.crypto.keys import Role

log = logging.getLogger(__name__)


def first_run(workspace: Workspace, parent: QWidget | None = None) -> bool:
    """Show the wizard; create the identity and profile. False if the user gave up."""
    from ui.first_run import QtFirstRunWizard

    while True:
        wizard = QtFirstRunWizard(parent)
        if wizard.exec() != wizard.DialogCode.Accepted:
            return False
        try:
            create_from_wizard(
                workspace,
                wizard.name,
                wizard.principal,
                wizard.role,
                wizard.passphrase,
                wizard.profile_file,
                wizard.school,
                wizard.root_fingerprint,
            )
        except EvidenceError as e:
            QMessageBox.warning(parent, "Could not set up", str(e))
        else:
            return True


def create_from_wizard(
    workspace: Workspace,
    name: str,
    principal: str,
    role: Role,
    passphrase: str,
    profile_file: str | None,
    school: str,
    root_fingerprint: str = "",
) -> None:
    """What the wizard's answers create: the identity file in the data dir, its card, and the profile.

    A school profile must be signed by the root whose fingerprint IT gave (checked before anything is created);
    it is installed and that root pinned. Without one, a standalone profile signed by the new identity is
    installed, and the user's own key pinned as its root.
    """
    school_profile = None
    if profile_file:
        source = Path(profile_file)
        school_profile = Profile.load(source).pinned_to(check_fingerprint(root_fingerprint), source=str(source))
    safe = "".join(c if c.isalnum() else "-" for c in principal.split("@")[0]) or "me"
    identity = workspace.create_identity(
        name, principal, role, passphrase, workspace.paths.ensure().data_dir / f"{safe}.identity.age"
    )
    if school_profile is not None:
        workspace.install_signed(school_profile, root_fingerprint, source=str(profile_file))
        return
    standalone = Profile.standalone_for(identity.card, school).sign(identity, version=1, issued_utc=utc_now())
    workspace.install_signed(standalone, identity.card.fingerprint, source="the standalone profile")


def run(argv: Sequence[str], *, exec_: Callable[[QApplication], int] | None = None) -> int:
    """Start the app; return its exit code."""
    parser = argparse.ArgumentParser(prog="evidence-capture")
    parser.add_argument("--data-dir")
    parser.add_argument("--profile")
    parser.add_argument("files", nargs="*", help="bundles to open")
    args = parser.parse_args(list(argv))
    try:
        workspace = Workspace(Paths.resolve(args.data_dir).ensure(), Path(args.profile) if args.profile else None)
        log_path = setup_logging(workspace.paths.data_dir)
    except EvidenceError as e:
        print(f"evidence-capture: error: {e}", file=sys.stderr)
        return 2
    log.info("starting %s", evidence.__version__)
    sweep_stale_temp_files(workspace.paths.data_dir)
    qapp = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(qapp, QApplication)
    crash = CrashHandler(log_path, qapp)
    crash.install()
    try:
        return _run_windows(qapp, workspace, [Path(name) for name in args.files], exec_)
    finally:
        crash.uninstall()


def _run_windows(
    qapp: QApplication, workspace: Workspace, files: list[Path], exec_: Callable[[QApplication], int] | None
) -> int:
    appinfo.apply(qapp)  # names, desktop file name and window icon, as the desktop entry has them
    qapp.setQuitOnLastWindowClosed(True)
    if not workspace.has_identity() and not first_run(workspace):
        return 0
    try:
        app = StaffApp(workspace)
    except EvidenceError as e:
        QMessageBox.critical(None, "Evidence Capture", str(e))
        return 2
    qapp.installEventFilter(app.session)
    qapp.aboutToQuit.connect(app.quit)
    installation.add_about_action(app.window, workspace)
    app.window.show()
    if files or app.profile.is_reviewer(workspace.own_card()):
        from app.reviewer import ReviewerApp
        from ui.capture_exclusion import exclude_from_capture

        reviewer = ReviewerApp(workspace, app.lock, app)
        reviewer.window.show()
        note = exclude_from_capture(reviewer.window)
        exclude_from_capture(reviewer.viewer)  # the full-size viewer is a window of its own
        if note:
            reviewer.window.exclusion_note.setText(note)
            reviewer.window.exclusion_note.setVisible(True)
        for path in files:
            reviewer.review.open_bundle(path)
    return int((exec_ or (lambda a: a.exec()))(qapp))
