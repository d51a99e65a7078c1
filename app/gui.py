"""The desktop app: the QApplication, the log and crash handler, the first-run wizard, and the one main window.

The window's controllers are :class:`app.staff.StaffApp` and, for reviewers and standalone users, whose inbox is
a page of the same window (issue 11: it used to open as a second window covering the capture window),
:class:`app.reviewer.ReviewerApp`; they share one :class:`app.lock.LockCoordinator`, so one passphrase unlocks
both and one lock (idle, Ctrl+L or quit) locks both. Straight after the wizard the app opens unlocked: the user
has just typed the passphrase.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

import evidence
from app import appinfo
from app.crash import CrashHandler
from app.instance import CaptureRequest, Instance, InstanceMessage, message_for
from app.logs import setup_logging
from app.paths import Paths
from app.staff import StaffApp
from app.workspace import Workspace, check_fingerprint
from evidence.case.profile import Profile
from evidence.core.errors import EvidenceError
from evidence.core.fsutil import sweep_stale_temp_files
from evidence.core.timefmt import utc_now
from evidence.crypto.keys import Identity, Role

if TYPE_CHECKING:
    from app.reviewer import ReviewerApp

log = logging.getLogger(__name__)


def first_run(workspace: Workspace, parent: QWidget | None = None) -> Identity | None:
    """Show the wizard; create the identity and profile. Returns the new identity, or None if the user gave up."""
    from ui.first_run import QtFirstRunWizard

    while True:
        wizard = QtFirstRunWizard(parent)
        if wizard.exec() != wizard.DialogCode.Accepted:
            return None
        try:
            return create_from_wizard(
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


def create_from_wizard(
    workspace: Workspace,
    name: str,
    principal: str,
    role: Role,
    passphrase: str,
    profile_file: str | None,
    school: str,
    root_fingerprint: str = "",
) -> Identity:
    """What the wizard's answers create: the identity file in the data dir, its card, and the profile.

    A school profile must be signed by the root whose fingerprint IT gave (checked before anything is created);
    it is installed and that root pinned. Without one, a standalone profile signed by the new identity is
    installed, and the user's own key pinned as its root. Returns the new identity (the app opens unlocked).
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
        return identity
    from evidence.crypto.tsa import default_tsas

    base = replace(Profile.standalone_for(identity.card, school), tsas=tuple(default_tsas()))  # trusted time
    standalone = base.sign(identity, version=1, issued_utc=utc_now())
    workspace.install_signed(standalone, identity.card.fingerprint, source="the standalone profile")
    return identity


def run(argv: Sequence[str], *, exec_: Callable[[QApplication], int] | None = None) -> int:
    """Start the app; return its exit code."""
    parser = argparse.ArgumentParser(prog="evidence-capture")
    parser.add_argument("--data-dir")
    parser.add_argument("--profile")
    parser.add_argument(
        "--capture", choices=[c.value for c in CaptureRequest], help="start a capture (in the running app)"
    )
    parser.add_argument("files", nargs="*", help="bundles to open")
    args = parser.parse_args(list(argv))
    try:
        workspace = Workspace(Paths.resolve(args.data_dir).ensure(), Path(args.profile) if args.profile else None)
        log_path = setup_logging(workspace.paths.data_dir)
    except EvidenceError as e:
        print(f"evidence-capture: error: {e}", file=sys.stderr)
        return 2
    log.info("starting %s", evidence.__version__)
    qapp = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(qapp, QApplication)
    files = [Path(name) for name in args.files]
    instance = Instance(workspace.paths)
    if not instance.claim():  # another copy runs on this data folder: hand it our arguments, bring it forward
        if instance.send(message_for(files, args.capture)):
            log.info("handed over to the running copy (process %s)", instance.holder_pid())
            return 0
        print(
            f"evidence-capture: error: {workspace.paths.data_dir}: Evidence Capture is already running on this data"
            f" folder (process {instance.holder_pid()}) but does not answer; wait a moment, or close it, and try again",
            file=sys.stderr,
        )
        return 1
    sweep_stale_temp_files(workspace.paths.data_dir)
    crash = CrashHandler(log_path, qapp)
    crash.install()
    try:
        return _run_windows(qapp, workspace, files, exec_, instance, args.capture)
    finally:
        crash.uninstall()
        instance.release()


def _run_windows(
    qapp: QApplication,
    workspace: Workspace,
    files: list[Path],
    exec_: Callable[[QApplication], int] | None,
    instance: Instance | None = None,
    capture: str | None = None,
) -> int:
    appinfo.apply(qapp)  # names, desktop file name and window icon, as the desktop entry has them
    qapp.setQuitOnLastWindowClosed(True)
    new_identity: Identity | None = None
    if not workspace.has_identity():
        new_identity = first_run(workspace)
        if new_identity is None:
            return 0
    try:
        app = StaffApp(workspace)
    except EvidenceError as e:
        QMessageBox.critical(None, "Evidence Capture", str(e))
        return 2
    qapp.installEventFilter(app.session)
    qapp.aboutToQuit.connect(app.quit)
    from app import installation

    installation.add_about_action(app.window, workspace)
    if new_identity is not None:
        app.session.accept_identity(new_identity)  # the user has just typed the passphrase
    inbox: InboxPage | None = None
    if files or app.profile.is_reviewer(workspace.own_card()):
        inbox = InboxPage(app, workspace)  # the page and its menu; the reviewer's widgets wait for first use
    # Straight after the first paint (the next turn of the event loop), in this order: the global
    # hotkeys (~25 ms to reach the X server and grab the keys), then the staff window's own work, then the purge.
    app.after_paint.callbacks.insert(0, app.start_hotkeys)
    app.after_paint.callbacks.append(lambda: purge_disposed(app, workspace))
    app.place_window()
    app.window.show()
    if inbox is not None and files:
        reviewer = inbox.reviewer()
        for path in files:
            reviewer.review.open_bundle(path)

    def another_launch(message: InstanceMessage) -> None:
        """A second launch on this data folder: come forward, open its bundles, start its capture."""
        nonlocal inbox
        app.show_window()
        for name in message.files:
            if inbox is None:
                inbox = InboxPage(app, workspace)
            page = inbox.reviewer()
            app.window.pages.setCurrentWidget(page.window)
            page.review.open_bundle(Path(name))
        if message.capture is not None:
            app.capturing.capture(message.capture.value)

    if instance is not None:
        instance.deliver_to(another_launch)
    if capture is not None:
        app.capturing.capture(capture)
    return int((exec_ or (lambda a: a.exec()))(qapp))


def purge_disposed(app: StaffApp, workspace: Workspace) -> None:
    """Remove from this computer the incidents the school has disposed of, on a worker once the window is painted.

    It reads the drop folder's signed disposal register, which may be on a slow share, with the bundle code (~100
    ms to load); a disposed incident is sealed and sent, so no capture can go into it meanwhile. The job has its
    own vault connection; the incident list is refreshed when it has purged something.
    """

    def job() -> list[str]:
        from app.lifecycle import apply_disposals

        return apply_disposals(workspace)

    def done(purged: list[str]) -> None:
        for ref in purged:  # the school disposed of these: this workstation's copies go too
            log.info("disposed of by the school: %s removed from this computer", ref)
        if purged:
            try:
                app.incidents.refresh()
            except EvidenceError as e:  # the window closed meanwhile
                log.info("not refreshed after the disposals: %s", e)

    app.lock.runner.start(job, done, lambda message: log.warning("the disposals were not applied: %s", message))


class InboxPage:
    """The reviewer's inbox as a page of the main window, with its Review menu, built on first use.

    At start the window gets the "Inbox" tab (a placeholder page) and the Review menu with its shortcuts; the
    reviewer's widgets and flows (:class:`app.reviewer.ReviewerApp`) are built the first time the page is shown or
    a Review command is used, and take the placeholder's place. Until then nothing from the drop folder is read.

    Attributes:
        app: the staff window's controller, whose window hosts the page.
        placeholder: the page shown until the reviewer is built (then removed).
        menu_actions: the Review menu's actions by name.
    """

    def __init__(self, app: StaffApp, workspace: Workspace) -> None:
        from app.reviewer import add_review_menu

        self.app = app
        self.workspace = workspace
        self._reviewer: ReviewerApp | None = None
        self._building = False
        prepare_drop_folder(workspace, app.profile)
        self.placeholder = QWidget()
        self.placeholder.setObjectName("inbox_placeholder")
        app.window.add_page(self.placeholder, "Inbox")
        self.menu_actions = add_review_menu(app.window)
        for name, action in self.menu_actions.items():
            action.triggered.connect(lambda _checked=False, n=name: self._menu_triggered(n))
        app.window.pages.currentChanged.connect(self._page_changed)

    @property
    def built(self) -> bool:
        """Whether the reviewer's page has been built."""
        return self._reviewer is not None

    def reviewer(self) -> ReviewerApp:
        """The reviewer's page, built now if it has not been yet."""
        if self._reviewer is None and not self._building:
            self._building = True
            try:
                self._reviewer = add_inbox(self.app, self.workspace, self)
            finally:
                self._building = False
            self.app.window.pages.currentChanged.disconnect(self._page_changed)
        assert self._reviewer is not None
        return self._reviewer

    def _page_changed(self, _index: int) -> None:
        if self.app.window.pages.currentWidget() is self.placeholder:
            self.reviewer()

    def _menu_triggered(self, name: str) -> None:
        if self._reviewer is None:  # the first use: build, then do what was asked (later uses reach it directly)
            self.reviewer().menu_slots()[name]()


def add_inbox(app: StaffApp, workspace: Workspace, page: InboxPage | None = None) -> ReviewerApp:
    """Give the main window the reviewer's inbox as a page of its own, and keep the window out of screenshots.

    With ``page`` (the lazily built inbox), the reviewer takes its placeholder's place and its Review menu.
    """
    from app.reviewer import ReviewerApp
    from ui.capture_exclusion import exclude_from_capture

    prepare_drop_folder(workspace, app.profile)
    if page is None:
        reviewer = ReviewerApp(workspace, app.lock, app, host=app.window)
    else:
        reviewer = ReviewerApp(
            workspace, app.lock, app, host=app.window, placeholder=page.placeholder, menu_actions=page.menu_actions
        )
    note = exclude_from_capture(app.window)  # the window now shows decrypted evidence
    exclude_from_capture(reviewer.viewer)  # the full-size viewer is a window of its own
    if note:
        reviewer.window.exclusion_note.setText(note)
        reviewer.window.exclusion_note.setVisible(True)
    return reviewer


def prepare_drop_folder(workspace: Workspace, profile: Profile) -> None:
    """A standalone user's drop folder is theirs: make it if it is missing. A school's share is left alone (the
    inbox explains calmly when it cannot be reached)."""
    if not profile.standalone:
        return
    folder = workspace.drop_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        log.warning("cannot make the drop folder: %s", e.strerror)
