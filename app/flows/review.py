"""Open, verify and review sealed bundles: the reviewer's inbox, a bundle's verdict, and signed actions.

A bundle's content reaches the views only after every check passed (``VerifiedBundle``); a failed bundle shows
its verdict and nothing else, because unverified plaintext is never released. Verifying needs the identity, so
a bundle opened while locked waits for the unlock. Recording an action signs a new revision on a worker, with
the identity the job started with; a lock that comes while the action dialog is open closes it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog

from app.workers import Runner
from evidence import bundle
from evidence.bundle import seal as sealing
from evidence.bundle import share
from evidence.core.errors import BundleError, EvidenceError
from evidence.core.text import clean_line, clean_text
from evidence.review import actions as review
from evidence.review.inbox import InboxEntry, InboxIndex, ScanRecord, scan

if TYPE_CHECKING:
    from app.feedback import Feedback
    from app.lock import LockCoordinator
    from app.workspace import Workspace
    from evidence.case.profile import Profile
    from evidence.crypto.keys import Identity
    from ui.inbox import QtInbox
    from ui.review_dialog import QtReviewActionDialog, ReviewRequest
    from ui.verdict import QtVerdictBanner

log = logging.getLogger(__name__)

PROGRESS_FROM = 20
"""A scan of at least this many bundles says how far it has got in the status bar."""


class _ScanSignals(QObject):
    """Carries each entry of a scan from the worker to the UI thread."""

    entry = Signal(object, int, int)


class ReviewFlow(QObject):
    """The bundle on show: open and verify it, record actions on it.

    Attributes:
        current: the bundle on show, if it verified.
        current_path: its file.
        index: what the inbox remembers of bundles already checked.
        action_dialog: the open action dialog, or None.
        last_published: what the last recorded action published (its revision, and who wrote in between).

    Signals:
        shown(object): a bundle verified and is now ``current`` (the ``VerifiedBundle``).
        cleared(): nothing is on show any more (a failed check).
        failed(object): the bundle at this ``Path`` failed a check (its verdict is on the banner).
        recorded(object, str): an action was recorded (the ``ReviewAction``, and its crime reference if any).
        scan_done(): a scan of the drop folder ended and the inbox shows its result.
    """

    shown = Signal(object)
    cleared = Signal()
    failed = Signal(object)
    recorded = Signal(object, str)
    scan_done = Signal()

    def __init__(
        self,
        workspace: Workspace,
        profile: Profile,
        lock: LockCoordinator,
        inbox: QtInbox,
        banner: QtVerdictBanner,
        feedback: Feedback,
        parent: QObject | None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.profile = profile
        self.lock = lock
        self.inbox = inbox
        self.banner = banner
        self.feedback = feedback
        self.index = InboxIndex.load(workspace.paths.data_dir / "inbox-index.json")
        self.current: bundle.VerifiedBundle | None = None
        self.current_path: Path | None = None
        self.action_dialog: QtReviewActionDialog | None = None
        self.last_published: share.Published | None = None
        self.scanning = False
        self._rescan = False
        self._want_selected: Path | None = None
        self._scan_signals = _ScanSignals(self)
        self._scan_signals.entry.connect(self._scanned_one)
        self._runner = Runner(self)
        inbox.set_folder(workspace.drop_folder())

    # -- inbox --------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Rescan the drop folder on a worker (origin checks only: nothing is decrypted).

        Bundles appear as they are checked, with the progress in the status bar; a bundle whose file and signature
        are unchanged since any earlier scan (this run or an earlier one: the index remembers) is not read again.
        A refresh asked for while a scan runs starts another once it ends.
        """
        if self.scanning:
            self._rescan = True
            return
        self.scanning = True
        folder, profile, signals = self.workspace.drop_folder(), self.profile, self._scan_signals
        previous = list(self.inbox.entries)
        memory = dict(self.index.scans)  # the worker's own copy: the index stays on this thread

        def job() -> tuple[list[InboxEntry], dict[str, ScanRecord]]:
            entries = scan(
                folder,
                profile,
                previous,
                memory=memory,
                progress=lambda e, done, total: signals.entry.emit(e, done, total),
            )
            return entries, memory

        self._runner.start(job, self._scanned, self._scan_failed)

    def _scanned_one(self, entry: InboxEntry, done: int, total: int) -> None:
        if not shiboken6.isValid(self.inbox):
            return  # the window closed while the scan ran
        if total >= PROGRESS_FROM:
            self.feedback.status(f"Checking the drop folder: {done} of {total} bundles…", 2000)
        self.inbox.add_entry(entry, self.index)

    def _scanned(self, result: tuple[list[InboxEntry], dict[str, ScanRecord]]) -> None:
        entries, memory = result
        self.scanning = False
        if not shiboken6.isValid(self.inbox):
            return  # the window closed while the scan ran: nothing to show, and the next start scans again
        self.index.scans = memory
        try:
            self.index.save()
        except EvidenceError as e:
            log.warning("the inbox index could not be saved: %s", e)
        self.inbox.set_entries(entries, self.index)
        if self._want_selected is not None:
            self.inbox.select_path(self._want_selected)
        if self._rescan:
            self._rescan = False
            self.refresh()
        else:
            self.scan_done.emit()

    def _scan_failed(self, message: str) -> None:
        self.scanning = False
        log.warning("the drop folder scan failed: %s", message)
        if self._rescan:
            self._rescan = False
            self.refresh()
        else:
            self.scan_done.emit()

    def _select(self, path: Path) -> None:
        """Show what the index now knows at once, select ``path``, and again once the rescan has listed it."""
        self.inbox.set_entries(self.inbox.entries, self.index)  # no scan: the rows' status from the index
        self._want_selected = path
        self.inbox.select_path(path)

    def open_file(self) -> None:
        """Open a bundle from anywhere."""
        path, _ = QFileDialog.getOpenFileName(
            self.feedback.window, "Open a sealed bundle", "", "Sealed bundles (*.zip.age)"
        )
        if path:
            self.open_bundle(Path(path))

    def open_bundle(self, path: Path) -> None:
        """Decrypt and verify ``path`` on a worker, then show the verdict (unlocking first if needed)."""
        identity = self.lock.identity
        if identity is None:
            self.lock.unlock(self.feedback, then=lambda: self.open_bundle(path))
            return
        self.banner.clear()
        self.clear()
        self.feedback.status(f"Checking {path.name}…")
        profile = self.profile

        in_drop_folder = _same_folder(path.parent, self.workspace.drop_folder())

        def job() -> tuple[Path, sealing.CheckedFile | tuple[BundleError, str | None]]:
            try:
                checked = sealing.check_file(path, identity, profile)
            except BundleError as e:  # a verdict, kept as its type so the banner names the check and the file
                return path, (e, sealing.file_sha256(path))  # hashed here, not on the UI thread
            if in_drop_folder:  # a copy opened from elsewhere (a USB stick) gets no receipt
                _acknowledge(path, checked, identity, profile)
            return path, checked

        self.lock.run(job, self._opened, lambda message: self._failed(path, BundleError(message)))

    def _opened(self, result: tuple[Path, sealing.CheckedFile | tuple[BundleError, str | None]]) -> None:
        path, outcome = result
        if isinstance(outcome, tuple):
            self._failed(path, outcome[0], digest_hex=outcome[1])
        else:
            self._show_checked(path, outcome.verified, outcome.file_sha256_hex)

    def verified(self, result: tuple[Path, bundle.VerifiedBundle]) -> None:
        """Show a bundle that passed every check (after recording or exporting)."""
        path, verified = result
        self._show_checked(path, verified, sealing.file_sha256(path))

    def _show_checked(self, path: Path, verified: bundle.VerifiedBundle, digest_hex: str | None) -> None:
        """Show a verified bundle, in amber if it is older than, or different from, the history already seen."""
        seen = self.index.check_history(verified)
        log.info("bundle %s verified: sha256 %s, %s", verified.ref, digest_hex, seen.state.value)
        self.current, self.current_path = verified, path
        self.banner.show_verified(verified, seen)
        self.shown.emit(verified)
        if digest_hex is not None:
            self.index.remember_verified(digest_hex, verified, seen=seen.state)
        self.index.save()
        self.refresh()
        self._select(path)
        self.feedback.status(clean_line(self.banner.headline_label.text(), limit=400), 10000)

    def _failed(self, path: Path, error: BundleError, *, digest_hex: str | None = None) -> None:
        self.clear()
        self.current_path = None
        log.info("bundle %s failed a check: %s", clean_line(path.name), error.check)
        self.banner.show_failed(error)
        if digest_hex is not None:
            try:
                self.index.remember_failed(digest_hex, error)
                self.index.save()
            except EvidenceError:
                pass
        self.refresh()
        self._select(path)
        self.failed.emit(path)
        self.feedback.status(f"{path.name} cannot be trusted: see the red banner.", 10000)

    def clear(self) -> None:
        """Show no bundle."""
        self.current = None
        self.cleared.emit()

    # -- actions ------------------------------------------------------------------------------------------------

    def record_action(self) -> None:
        """Ask for an action; on Record, sign it into the bundle as a new revision."""
        from ui.review_dialog import QtReviewActionDialog

        if self.current is None or self.current_path is None or self.lock.locked:
            return
        dialog = QtReviewActionDialog(self.current.ref, self.feedback.window)
        self.action_dialog = dialog
        verified, path = self.current, self.current_path
        dialog.accepted.connect(lambda: self._record(verified, path, dialog.request()))
        dialog.finished.connect(lambda _result: self._forget(dialog))
        self.lock.own(dialog)

    def _forget(self, dialog: QtReviewActionDialog) -> None:
        if self.action_dialog is dialog:
            self.action_dialog = None

    def _record(self, verified: bundle.VerifiedBundle, path: Path, request: ReviewRequest) -> None:
        identity, profile = self.lock.identity, self.profile
        if identity is None:  # the lock closes the dialog first; this is the rule, not a path we expect
            return
        log.info("recording %s on %s", request.action.value, verified.ref)

        def job() -> share.Published:
            return review.record_action(
                path.parent,
                verified.ref,
                identity,
                profile,
                request.action,
                request.why,
                dict(request.fields),
                based_on=len(verified.revisions),
            )

        def done(published: share.Published) -> None:
            self.show_published(published)
            self.recorded.emit(request.action, dict(request.fields).get("crime_reference", ""))

        self.lock.run(job, done, self._action_failed)

    def show_published(self, published: share.Published) -> None:
        """Show a revision just published (an action, a hold, a redaction, …); if others recorded actions
        meanwhile, say so plainly."""
        assert published.verified is not None  # a revision is always read back and verified
        self.last_published = published
        self._show_checked(published.path, published.verified, published.sha256_hex)
        notice = review.added_while_working(published)
        if notice:
            self.feedback.info("Recorded after someone else's action", notice)

    def _action_failed(self, message: str) -> None:
        self.feedback.error("Not recorded", f"{clean_text(message)}\n\nThe bundle is unchanged.")


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _acknowledge(path: Path, checked: sealing.CheckedFile, identity: Identity, profile: Profile) -> None:
    """Issue 15: a bundle of the drop folder verified here: write this reviewer's receipt for its seal (revision 1),
    so the staff member who sealed it may delete their local copy. A failure is logged, never shown as the verdict."""
    try:
        written = share.acknowledge(
            path.parent, checked.verified.ref, identity, profile, checked=(path, checked.file_sha256_hex)
        )
    except EvidenceError as e:
        log.warning("no receipt written for %s: %s", checked.verified.ref, getattr(e, "check", "error"))
        return
    if written is not None:
        log.info("receipt written for %s", checked.verified.ref)
