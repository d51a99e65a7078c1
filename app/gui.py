"""The desktop app: the QApplication, the first-run wizard, and the controller that wires views to the vault.

The controller is the only place where widgets meet the workspace. Widgets (``ui/``) show models and emit what
the user asked for; the core (``evidence/``) does the work; slow work (grabbing and encrypting a capture,
unlocking with scrypt, sealing) runs on a worker thread with its own vault connection, and the session's busy
state makes a lock request wait for it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QRect, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox, QSystemTrayIcon, QWidget

import evidence
from app.paths import Paths
from app.session import Session
from app.workers import Runner
from app.workspace import Workspace
from evidence.bundle import seal as sealing
from evidence.case import policy
from evidence.case.incident import Category, IncidentDetails, Status
from evidence.case.profile import Profile
from evidence.core.errors import EvidenceError, VaultError
from evidence.core.fsutil import sweep_stale_temp_files
from evidence.crypto.keys import Identity, unlock_identity_file

if TYPE_CHECKING:  # mss and Pillow load on the first capture, not at start-up
    from evidence.capture import screen as capture_mod
log = logging.getLogger(__name__)

SETTLE_MS = 350
"""How long to wait after hiding our windows before grabbing, so the window system has repainted."""


class StaffApp(QObject):
    """Wires the staff window to the workspace.

    Attributes:
        workspace: the data dir.
        session: lock state and the unlocked identity.
        window: the main window.
        form: the incident form.
        items: the evidence view.
        current_ref: the open incident, if any.
    """

    def __init__(self, workspace: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from ui.incident_form import QtIncidentForm
        from ui.items_view import QtItemsView, QtItemViewer
        from ui.main_window import QtMainWindow

        self.workspace = workspace
        self.profile: Profile = workspace.profile()
        self.session = Session(workspace, self)
        self.session.set_idle_minutes(self.profile.idle_lock_minutes)
        self.runner = Runner(self)
        self.vault = workspace.open_vault()
        self.form = QtIncidentForm(IncidentDetails())
        self.items = QtItemsView()
        self.viewer = QtItemViewer()
        self.window = QtMainWindow(self.form, self.items)
        self.current_ref: str | None = None
        self._loaded: IncidentDetails | None = None
        self._typed: dict[str, IncidentDetails] = {}  # details written since the last lock: editable while locked
        self._hidden: list[QWidget] = []
        self._countdown: QWidget | None = None
        self._overlay: QWidget | None = None
        self.tray: QSystemTrayIcon | None = None
        self._wire()
        self._on_locked(True)
        self.refresh()

    # -- wiring -------------------------------------------------------------------------------------------------

    def _wire(self) -> None:
        bar = self.window.capture_bar
        bar.full.triggered.connect(lambda: self.capture("full"))
        bar.region.triggered.connect(lambda: self.capture("region"))
        bar.window.triggered.connect(lambda: self.capture("window"))
        bar.import_file.triggered.connect(self.import_files)
        bar.safeguarding.triggered.connect(self.safeguarding)
        bar.lock.triggered.connect(self.session.lock)
        QTimer.singleShot(0, self._fill_monitor_menu)  # counting monitors costs tens of ms: not before the window
        self.window.new_incident.clicked.connect(self.new_incident)
        self.window.incidents.incident_selected.connect(self.open_incident)
        self.window.unlock_button.clicked.connect(self.unlock)
        self.window.save_button.clicked.connect(self.save_details)
        self.window.seal_button.clicked.connect(self.seal)
        self.form.safeguarding_changed.connect(self._safeguarding_ticked)
        self.items.exclude_requested.connect(self.exclude_item)
        self.items.caption_edited.connect(self.caption_item)
        self.items.open_requested.connect(self.open_item)
        self.items.thumbnails_wanted.connect(self.load_thumbnails)
        self.session.locked_changed.connect(self._on_locked)
        self.session.busy_changed.connect(lambda busy: self.window.statusBar().showMessage("Working…" if busy else ""))
        self._add_tray()

    def _add_tray(self) -> None:
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        self.tray = QSystemTrayIcon(QIcon(str(Path(__file__).resolve().parent.parent / "resources" / "icon.svg")))
        menu = QMenu()
        for text, slot in (
            ("Capture full screen", lambda: self.capture("full")),
            ("Capture region", lambda: self.capture("region")),
            ("Capture window", lambda: self.capture("window")),
            ("Open Evidence Capture", self.show_window),
        ):
            menu.addAction(text).triggered.connect(slot)
        self.tray.setContextMenu(menu)
        self.tray.setToolTip("Evidence Capture")
        self.tray.show()

    def _fill_monitor_menu(self) -> None:
        for n, action in enumerate(self.window.capture_bar.set_monitors(self._monitor_count()), start=1):
            action.triggered.connect(lambda _checked=False, n=n: self.capture(f"monitor:{n}"))

    @staticmethod
    def _monitor_count() -> int:
        try:
            import mss

            with mss.MSS() as sct:
                return max(0, len(sct.monitors) - 1)
        except Exception:  # no screen to count (offscreen tests): the Monitor menu stays empty
            return 0

    def show_window(self) -> None:
        """Bring the main window forward."""
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    # -- listing ------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the incident list (and the open incident's items)."""
        rows = self.vault.list_incidents()
        self.window.incidents.set_rows(rows, self.current_ref)
        if self.current_ref is not None:
            self._show_items()

    def _identity_keys(self) -> list[str]:
        identity = self.session.identity
        return [identity.age_secret] if identity else []

    def _refresh_titles(self) -> None:
        keys = self._identity_keys()
        titles = {}
        if keys:
            for row in self.vault.list_incidents():
                try:
                    titles[row.ref] = self.vault.details(row.ref, keys).title
                except EvidenceError:
                    continue
        self.window.incidents.set_titles(titles)

    def new_incident(self) -> str:
        """Start an empty incident and open it."""
        self.save_details()
        ref = self.vault.create_incident(IncidentDetails(), actor=self.workspace.actor, recipients=self._recipients())
        self._typed[ref] = IncidentDetails()
        self.current_ref = None
        self.refresh()
        self.open_incident(ref)
        return ref

    def _recipients(self) -> list[str]:
        return self.workspace.recipients()

    def open_incident(self, ref: str) -> None:
        """Show ``ref`` in the form and the evidence tab."""
        if ref != self.current_ref:
            self.save_details()
        self.current_ref = ref
        row = self.vault.incident(ref)
        keys = self._identity_keys()
        known = self.vault.details(ref, keys) if keys else self._typed.get(ref)
        details = known or IncidentDetails()
        self._loaded = known
        self.form.set_details(details)
        editable = known is not None and row.status in (Status.DRAFT, Status.BLOCKED)
        self.form.setEnabled(editable)
        self.window.save_button.setEnabled(editable)
        self.window.seal_button.setEnabled(row.status in (Status.DRAFT, Status.BLOCKED))
        self.window.set_open_incident(ref, row.status, details.title)
        self.window.problems.setText("")
        self.items.set_editable(editable and row.status is Status.DRAFT)
        self._show_items()

    def _show_items(self) -> None:
        if self.current_ref is None:
            return
        rows = self.vault.items(self.current_ref)
        self.items.set_items(rows)
        self.window.tabs.setTabText(1, f"Evidence ({sum(1 for r in rows if not r.excluded)})")
        keys = self._identity_keys()
        if keys:
            for r in rows:
                self.items.set_notes(r.seq, self.vault.item_notes(r.ref, r.seq, keys))

    def load_thumbnails(self) -> None:
        """Decrypt the open incident's images into the view (memory only)."""
        keys = self._identity_keys()
        if not keys or self.current_ref is None:
            return
        for r in self.vault.items(self.current_ref):
            if not r.shredded:
                self.items.set_thumbnail(r.seq, self.vault.item_content(r.ref, r.seq, keys))

    def open_item(self, seq: int) -> None:
        """Show one item at full size."""
        keys = self._identity_keys()
        if not keys or self.current_ref is None:
            self.unlock()
            return
        row = self.vault.item(self.current_ref, seq)
        if row.shredded:
            return
        self.viewer.set_item(
            row,
            self.vault.item_content(row.ref, seq, keys),
            self.vault.item_context(row.ref, seq, keys).to_json_dict(),
            self.vault.item_notes(row.ref, seq, keys),
        )
        self.viewer.show()
        self.viewer.raise_()

    # -- details --------------------------------------------------------------------------------------------------

    def save_details(self) -> bool:
        """Write the form to the vault if it changed (logged as "annotated"). Returns True when saved or unchanged."""
        if self.current_ref is None or self._loaded is None or not self.form.isEnabled():
            return True
        details = self.form.details()
        if details == self._loaded:
            return True
        try:
            self.vault.update_details(
                self.current_ref, details, actor=self.workspace.actor, recipients=self._recipients()
            )
        except EvidenceError as e:
            self._error("Could not save the details", str(e))
            return False
        self._loaded = details
        self._typed[self.current_ref] = details
        self.window.incidents.set_title(self.current_ref, details.title)
        self.window.statusBar().showMessage("Details saved", 4000)
        self.refresh()
        self.window.set_open_incident(self.current_ref, self.vault.incident(self.current_ref).status, details.title)
        return True

    def _safeguarding_ticked(self, ticked: bool) -> None:
        if ticked and self.current_ref is not None:
            self.save_details()
            self.window.statusBar().showMessage(
                "Capture is now blocked for this incident. Tell the DSL now; record what happened as text only."
            )

    def exclude_item(self, seq: int, reason: str) -> None:
        """Exclude an item from sealing, with its reason (logged)."""
        if self.current_ref is None:
            return
        try:
            self.vault.exclude_item(
                self.current_ref, seq, reason, actor=self.workspace.actor, recipients=self._recipients()
            )
        except EvidenceError as e:
            self._error("Could not exclude the item", str(e))
        self.refresh()

    def caption_item(self, seq: int, caption: str) -> None:
        """Save an item's caption (logged)."""
        if self.current_ref is None:
            return
        try:
            self.vault.caption_item(
                self.current_ref, seq, caption, actor=self.workspace.actor, recipients=self._recipients()
            )
        except EvidenceError as e:
            self._error("Could not save the caption", str(e))

    # -- capture ------------------------------------------------------------------------------------------------

    def _target_incident(self) -> str | None:
        """The incident a capture goes into: the open draft, or a new one."""
        if self.current_ref is not None:
            status = self.vault.incident(self.current_ref).status
            if status in (Status.DRAFT, Status.BLOCKED):
                return self.current_ref
        return self.new_incident()

    def capture(self, mode: str) -> None:
        """Capture ``mode`` (full, monitor:N, region or window) into the open incident."""
        if self._countdown is not None or self._overlay is not None:
            return
        self.save_details()
        ref = self._target_incident()
        if ref is None:
            return
        try:
            self.vault.check_capture_allowed(ref)
        except VaultError as e:
            self._error("Capture refused", str(e))
            return
        delay = self.window.capture_bar.delay
        self._hide_windows()
        if delay:
            from ui.dialogs import QtCountdown

            countdown = QtCountdown(delay)
            self._countdown = countdown
            countdown.finished.connect(lambda: QTimer.singleShot(SETTLE_MS, lambda: self._grab(ref, mode)))
            countdown.cancelled.connect(self._end_capture)
            countdown.start()
        else:
            QTimer.singleShot(SETTLE_MS, lambda: self._grab(ref, mode))

    def _hide_windows(self) -> None:
        self._hidden = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        for w in self._hidden:
            w.hide()

    def _end_capture(self) -> None:
        self._countdown = None
        self._overlay = None
        for w in self._hidden:
            w.show()
        self._hidden = []

    def _grab(self, ref: str, mode: str) -> None:
        from evidence.capture import screen as capture_mod

        self._countdown = None
        self.session.begin_busy()
        if mode in ("region", "window"):
            self.runner.start(
                lambda: capture_mod.grab(capture_mod.CaptureMode.parse("full")),
                lambda frame: self._show_overlay(ref, frame, mode),
                self._capture_failed,
            )
            return

        def job() -> tuple[str, str]:
            shot = capture_mod.capture(capture_mod.CaptureMode.parse(mode), app_version=evidence.__version__)
            self.workspace.store_capture(ref, shot)
            return ref, shot.png_sha256

        self.runner.start(job, self._captured, self._capture_failed)

    def _show_overlay(self, ref: str, frame: capture_mod.Grab, mode: str) -> None:
        from evidence.capture.platform_windows_list import window_rects
        from ui.region_overlay import QtRegionOverlay

        windows = window_rects() if mode == "window" else []
        overlay = QtRegionOverlay(frame, windows)
        self._overlay = overlay
        overlay.selected.connect(lambda rect, how: self._store_region(ref, frame, rect, how, overlay.selection_title()))
        overlay.cancelled.connect(self._region_cancelled)
        overlay.show()

    def _region_cancelled(self) -> None:
        self.session.end_busy()
        self._close_overlay()
        self._end_capture()
        self.window.statusBar().showMessage("Capture cancelled: nothing was stored", 5000)

    def _close_overlay(self) -> None:
        overlay = self._overlay
        if overlay is not None:
            overlay.close()
            overlay.deleteLater()

    def _store_region(self, ref: str, frame: capture_mod.Grab, rect: QRect, how: str, title: str | None) -> None:
        from evidence.capture import crop
        from evidence.capture import screen as capture_mod

        self._close_overlay()
        box = capture_mod.Rect(rect.x(), rect.y(), rect.width(), rect.height())

        def job() -> tuple[str, str]:
            window = capture_mod.platform_window.active_window()
            shot = capture_mod.from_grab(frame, app_version=evidence.__version__, window=window)
            parent_seq = self.workspace.store_capture(ref, shot)
            derived = crop.derived_capture(
                shot,
                frame.rgb,
                box,
                app_version=evidence.__version__,
                reason=how,
                window_title=title if how == "window" else None,
            )
            self.workspace.store_capture(ref, derived, kind="derived", parent_seq=parent_seq)
            return ref, derived.png_sha256

        self.runner.start(job, self._captured, self._capture_failed)

    def _captured(self, result: tuple[str, str]) -> None:
        ref, digest = result
        self.session.end_busy()
        self._end_capture()
        self.current_ref = None
        self.refresh()
        self.open_incident(ref)
        self.window.tabs.setCurrentIndex(1)
        self.window.statusBar().showMessage(f"Captured and encrypted: SHA-256 {digest[:16]}…", 8000)
        if self.tray is not None:
            self.tray.showMessage("Evidence Capture", "Captured and stored safely.")

    def _capture_failed(self, message: str) -> None:
        self.session.end_busy()
        self._close_overlay()
        self._end_capture()
        self._error("The capture failed", f"{message}\n\nNothing was stored. Please try again.")

    def import_files(self) -> None:
        """Add received screenshots (PNG or JPEG), kept byte for byte."""
        from ui.dialogs import QtReceiveDialog

        paths, _ = QFileDialog.getOpenFileNames(
            self.window, "Received screenshots", "", "Images (*.png *.jpg *.jpeg *.PNG *.JPG *.JPEG)"
        )
        if not paths:
            return
        self.receive([Path(p) for p in paths], QtReceiveDialog([Path(p).name for p in paths], self.window))

    def receive(self, paths: Sequence[Path], dialog: Any) -> None:
        """Ask for provenance with ``dialog``, then store each file."""
        from evidence.capture.received import receive_file

        self.save_details()
        ref = self._target_incident()
        if ref is None:
            return
        try:
            self.vault.check_capture_allowed(ref)
        except VaultError as e:
            self._error("Import refused", str(e))
            return
        if dialog.exec() != dialog.DialogCode.Accepted:
            return
        try:
            for path in paths:
                r = receive_file(path, provided_by=dialog.provided_by.text(), how=dialog.how.text())
                self.workspace.store_received(ref, r)
        except EvidenceError as e:
            self._error("Could not add the screenshot", str(e))
        self.current_ref = None
        self.refresh()
        self.open_incident(ref)
        self.window.tabs.setCurrentIndex(1)

    def safeguarding(self) -> None:
        """The red button: explain, block capture, and offer a text-only record for the DSL."""
        from ui.dialogs import QtSafeguardingDialog

        dialog = QtSafeguardingDialog(self.window)
        if dialog.exec() != dialog.DialogCode.Accepted:
            return
        self.record_for_dsl(dialog.text())

    def record_for_dsl(self, note: str) -> str:
        """Create a blocked, text-only incident for the DSL."""
        self.save_details()
        details = IncidentDetails(
            title="Safeguarding: report to the DSL (no image)",
            categories=(Category.NUDE_IMAGE_OF_CHILD,),
            safeguarding_note=note,
        )
        ref = self.vault.create_incident(details, actor=self.workspace.actor, recipients=self._recipients())
        self._typed[ref] = details
        self.current_ref = None
        self.refresh()
        self.open_incident(ref)
        return ref

    # -- lock -----------------------------------------------------------------------------------------------------

    def unlock(self) -> None:
        """Ask for the passphrase and unlock on a worker (scrypt takes a second or two)."""
        from ui.unlock_dialog import QtUnlockDialog

        error = ""
        card = self.workspace.own_card()
        path = self.workspace.identity_file()
        if path is None:
            self._error("Cannot unlock", "This data folder has no identity file recorded.")
            return
        dialog = QtUnlockDialog(f"{card.name} ({card.principal})", self.window, error)
        if dialog.exec() != dialog.DialogCode.Accepted:
            return
        passphrase = dialog.text()
        self.window.statusBar().showMessage("Unlocking…")
        self.runner.start(lambda: unlock_identity_file(path, passphrase), self._unlocked, self._unlock_failed)

    def _unlocked(self, identity: Identity) -> None:
        if not identity.card.same_keys(self.workspace.own_card()):
            self._error("Cannot unlock", "That identity file is not this data folder's identity.")
            return
        self.session.accept_identity(identity)

    def _unlock_failed(self, message: str) -> None:
        self.window.statusBar().showMessage("")
        self._error("Not unlocked", message)

    def _on_locked(self, locked: bool) -> None:
        self.window.set_locked(locked)
        if locked:
            self.save_details_before_lock()
            self.viewer.clear()
            self.viewer.hide()
            self.items.set_locked(True)
            self.form.set_details(IncidentDetails())
            self.form.setEnabled(False)
            self.window.incidents.set_titles({})
            clipboard = QGuiApplication.clipboard()
            if clipboard.ownsClipboard():
                clipboard.clear()
            self.window.statusBar().showMessage("Locked. Captures still work.")
        else:
            self.items.set_locked(False)
            self._refresh_titles()
            self.window.statusBar().showMessage(f"Unlocked as {self.workspace.own_card().name}", 5000)
        if self.current_ref is not None:
            self.open_incident(self.current_ref)

    def save_details_before_lock(self) -> None:
        """Locking never loses typed details: save them first (needs no key)."""
        if self._loaded is not None:
            self.save_details()
        self._loaded = None
        self._typed.clear()

    # -- seal -----------------------------------------------------------------------------------------------------

    def seal(self) -> None:
        """Check the form, show a summary, then seal on a worker."""
        if self.current_ref is None:
            return
        if self.session.locked:
            self.unlock()
            return
        if not self.save_details():
            return
        ref = self.current_ref
        details = self.form.details()
        rows = self.vault.items(ref)
        carried = [r for r in rows if not r.excluded]
        problems = policy.validate(details, item_count=len(carried))
        if not self.form.show_problems(problems):
            self.window.tabs.setCurrentIndex(0)
            self.window.problems.setText(f"Please fix the {len(problems)} thing(s) marked in red before sealing.")
            return
        self.window.problems.setText("")
        drop = self.workspace.drop_folder()
        reviewers = ", ".join(f"{r.name} <{r.principal}>" for r in self.profile.reviewers)
        kept = sealing.local_copy_rule(self.profile) is sealing.LocalCopy.KEPT
        keep = "kept on this computer" if kept else "deleted from this computer"
        text = (
            f"Seal “{details.title}” ({ref})?\n\n"
            f"• {len(carried)} item(s) go in; {len(rows) - len(carried)} excluded item(s) are listed with their "
            f"reasons.\n• Only these reviewers can open it: {reviewers}.\n• It goes to: {drop}\n"
            f"• After sealing, the local copy is {keep}, and the incident can no longer be changed here "
            "(reviewers add their actions to the sealed bundle)."
        )
        answer = QMessageBox.question(self.window, "Seal and send", text)
        if answer != QMessageBox.StandardButton.Yes:
            return
        identity = self.session.identity
        assert identity is not None
        profile, workspace = self.profile, self.workspace
        self.session.begin_busy()
        self.window.seal_button.setEnabled(False)
        self.window.statusBar().showMessage("Sealing… the app stays usable meanwhile.")

        def job() -> sealing.SealResult:
            with workspace.open_vault() as vault:
                return sealing.seal_and_settle(vault, ref, identity, profile, drop)

        self.runner.start(job, self._sealed, self._seal_failed)

    def _sealed(self, result: sealing.SealResult) -> None:
        self.session.end_busy()
        self.refresh()
        self.open_incident(result.ref)
        QMessageBox.information(
            self.window,
            "Sealed",
            f"{result.ref} is sealed with {result.item_count} item(s).\n\nSaved as:\n{result.path}\n\n"
            f"Its fingerprint (SHA-256):\n{result.sha256}",
        )

    def _seal_failed(self, message: str) -> None:
        self.session.end_busy()
        self.window.seal_button.setEnabled(True)
        self._error("Not sealed", f"{message}\n\nNothing was sent; your draft is unchanged.")

    # -- helpers --------------------------------------------------------------------------------------------------

    def _error(self, title: str, message: str) -> None:
        self.window.statusBar().showMessage(message.splitlines()[0], 10000)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("error_box")
        box.open()

    def quit(self) -> None:
        """Finish work in flight, save typed details, and close."""
        self.save_details()
        self.runner.wait()
        self.session.lock()
        self.vault.close()


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
            )
            return True
        except EvidenceError as e:
            QMessageBox.warning(parent, "Could not set up", str(e))


def create_from_wizard(
    workspace: Workspace,
    name: str,
    principal: str,
    role: Any,
    passphrase: str,
    profile_file: str | None,
    school: str,
) -> None:
    """What the wizard's answers create: the identity file in the data dir, its card, and the profile."""
    profile = Profile.load(Path(profile_file)) if profile_file else None
    safe = "".join(c if c.isalnum() else "-" for c in principal.split("@")[0]) or "me"
    identity = workspace.create_identity(
        name, principal, role, passphrase, workspace.paths.ensure().data_dir / f"{safe}.identity.age"
    )
    workspace.install_profile(profile or Profile.standalone_for(identity.card, school))


def run(argv: Sequence[str], *, exec_: Callable[[QApplication], int] | None = None) -> int:
    """Start the app; return its exit code."""
    parser = argparse.ArgumentParser(prog="evidence-capture")
    parser.add_argument("--data-dir")
    parser.add_argument("--profile")
    parser.add_argument("files", nargs="*", help="bundles to open")
    args = parser.parse_args(list(argv))
    try:
        workspace = Workspace(Paths.resolve(args.data_dir).ensure(), Path(args.profile) if args.profile else None)
    except EvidenceError as e:
        print(f"evidence-capture: error: {e}", file=sys.stderr)
        return 2
    sweep_stale_temp_files(workspace.paths.data_dir)
    qapp = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(qapp, QApplication)
    qapp.setApplicationName("Evidence Capture")
    qapp.setOrganizationName("Evidence Capture")
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
    app.window.show()
    if args.files or app.profile.is_reviewer(workspace.own_card()):
        from app.reviewer import ReviewerApp
        from ui.capture_exclusion import exclude_from_capture

        reviewer = ReviewerApp(workspace, app.session, app)
        reviewer.window.show()
        note = exclude_from_capture(reviewer.window)
        exclude_from_capture(reviewer.viewer)  # the full-size viewer is a window of its own
        if note:
            reviewer.window.exclusion_note.setText(note)
            reviewer.window.exclusion_note.setVisible(True)
        for name in args.files:
            reviewer.open_bundle(Path(name))
    return int((exec_ or (lambda a: a.exec()))(qapp))
