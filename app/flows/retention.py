"""The retention view's flow: read every case in the drop folder, then keep, hold, release or dispose of one.

Every choice is a signed revision (:mod:`evidence.review.lifecycle`) or, for disposal, a signed register entry
(:mod:`evidence.review.disposal`), made on a worker while the lock waits; the view is read again afterwards. A
case on legal hold cannot be disposed of from here: the button is disabled, :meth:`RetentionFlow.dispose` refuses
again, and the core refuses a third time. The flow also offers a legal hold after a police export or a "police
contacted" action (:meth:`RetentionFlow.offer_hold`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app import exports
from app.lock import LockCoordinator
from app.workspace import Workspace
from evidence import bundle
from evidence.bundle import seal as sealing
from evidence.bundle import share
from evidence.case.certificate import DisposalCertificate
from evidence.case.profile import Profile
from evidence.case.register import DisposalReason
from evidence.case.retention import RetentionError, ReviewState, ReviewStatus
from evidence.core.errors import EvidenceError
from evidence.core.fsutil import atomic_write
from evidence.core.text import clean_text
from evidence.core.timefmt import day_text
from evidence.crypto.keys import Identity
from evidence.review import actions as review
from evidence.review import disposal, lifecycle

if TYPE_CHECKING:
    from app.feedback import Feedback
    from ui.retention_view import QtCertificateDialog, QtHoldOffer, QtRetentionView, RetentionRow

log = logging.getLogger(__name__)

STATUS_WORDS = {
    ReviewStatus.NOT_DUE: "Not due",
    ReviewStatus.DUE: "Due",
    ReviewStatus.OVERDUE: "Overdue",
    ReviewStatus.ON_HOLD: "On hold",
}


@dataclass(frozen=True)
class Case:
    """A case read for the view: its file, its verified bundle and its state today."""

    path: Path
    verified: bundle.VerifiedBundle
    state: ReviewState


def read_cases(folder: Path, identity: Identity, profile: Profile, today: dt.date) -> tuple[list[Case], int]:
    """Every case in ``folder`` (its current revision: the highest complete one) that verifies, with its state; and
    how many did not."""
    cases, failed = [], 0
    for files in share.list_share(folder).values():
        current = next((f for f in files if f.complete), None)
        if current is None:
            continue  # only a revision being written (or whose writer died): the inbox says so
        try:
            verified = sealing.verify_file(current.path, identity, profile)
            cases.append(Case(current.path, verified, lifecycle.retention_state(verified, profile, today=today)))
        except EvidenceError as e:
            log.warning("retention: a bundle could not be read: %s", getattr(e, "check", type(e).__name__))
            failed += 1
    cases.sort(key=lambda c: (c.state.status is not ReviewStatus.ON_HOLD, c.state.due))
    return cases, failed


def row_of(case: Case) -> RetentionRow:
    """The view's row of a case."""
    from ui.retention_view import RetentionRow

    s = case.state
    return RetentionRow(
        ref=case.verified.ref,
        status=STATUS_WORDS[s.status],
        due=day_text(s.due),
        rule=s.rule.value,
        holds=", ".join(h.event_id for h in s.holds),
        why=s.why,
        on_hold=s.status is ReviewStatus.ON_HOLD,
        due_now=s.status in (ReviewStatus.DUE, ReviewStatus.OVERDUE),
    )


def rule_lines(profile: Profile) -> list[str]:
    """The school's rules in words, saying whether its signed profile states them or the defaults apply."""
    policy = lifecycle.policy_of(profile)
    head = (
        f"The school's retention rules (signed profile version {profile.version}):"
        if profile.retention is not None
        else "This profile states no retention rules: the defaults are shown, and disposals cannot be signed."
    )
    rules = [f"  {k.value}: {policy.rule(k).describe()}" for k in policy.rules]
    return [head, *rules, f"  A review becomes overdue {policy.overdue_after_days} days after its date."]


class RetentionFlow(QObject):
    """Opens the retention view and carries out its choices.

    Signals:
        changed(): a case was revised or disposed of (the inbox should look again).
        disposed(str ref): a case was disposed of; ``certificate`` holds its certificate.
    """

    changed = Signal()
    disposed = Signal(str)

    def __init__(
        self,
        workspace: Workspace,
        profile: Profile,
        lock: LockCoordinator,
        feedback: Feedback,
        parent: QObject | None,
        *,
        today: Callable[[], dt.date] = lambda: dt.datetime.now(dt.UTC).date(),
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.profile = profile
        self.lock = lock
        self.feedback = feedback
        self.today = today
        self.view: QtRetentionView | None = None
        self.cases: dict[str, Case] = {}
        self.certificate: DisposalCertificate | None = None
        self.certificate_dialog: QtCertificateDialog | None = None
        self.hold_offer: QtHoldOffer | None = None

    # -- the view ---------------------------------------------------------------------------------------------

    def open_view(self) -> None:
        """Show the retention view (unlocking first) and read the cases."""
        from ui.retention_view import QtRetentionView

        if self.lock.identity is None:
            self.lock.unlock(self.feedback, then=self.open_view)
            return
        view = QtRetentionView(self.feedback.window)
        self.view = view
        view.keep_requested.connect(self.keep)
        view.hold_requested.connect(self.hold)
        view.release_requested.connect(self.release)
        view.dispose_requested.connect(self.dispose)
        view.refresh_requested.connect(self.reload)
        view.finished.connect(lambda _r: self._forget(view))
        view.set_rules(rule_lines(self.profile))
        self.lock.own(view)
        self.reload()

    def _forget(self, view: QtRetentionView) -> None:
        if self.view is view:
            self.view = None

    def reload(self) -> None:
        """Read every case again (on a worker)."""
        identity = self.lock.identity
        if identity is None:
            return
        folder, profile, today = self.workspace.drop_folder(), self.profile, self.today()
        self.lock.run(lambda: read_cases(folder, identity, profile, today), self._read, self._failed)

    def _read(self, result: tuple[list[Case], int]) -> None:
        cases, failed = result
        self.cases = {c.verified.ref: c for c in cases}
        if self.view is not None:
            self.view.set_rows([row_of(c) for c in cases], failed)

    def _failed(self, message: str) -> None:
        self.feedback.error("Not done", clean_text(message))

    # -- choices ----------------------------------------------------------------------------------------------

    def _revise(self, ref: str, publish: Callable[[Path, bundle.VerifiedBundle, Identity], share.Published]) -> None:
        """Publish the choice as the case's next revision on the share (on top of whatever is latest there)."""
        identity, case = self.lock.identity, self.cases.get(ref)
        if identity is None or case is None:
            return

        def job() -> share.Published:
            return publish(case.path.parent, case.verified, identity)

        self.lock.run(job, self._published, self._failed)

    def _published(self, published: share.Published) -> None:
        notice = review.added_while_working(published)
        if notice:
            self.feedback.info("Recorded after someone else's action", notice)
        self._done()

    def _done(self) -> None:
        self.changed.emit()
        self.reload()

    def keep(self, ref: str, days: int, why: str) -> None:
        """Keep the case ``days`` more days (a ``retention-extended`` revision)."""
        self._revise(
            ref,
            lambda folder, v, me: lifecycle.record_extension(
                folder, v.ref, me, self.profile, days, why, based_on=len(v.revisions)
            ),
        )

    def hold(self, ref: str, why: str) -> None:
        """Put the case on legal hold (a ``legal-hold`` revision)."""
        self._revise(
            ref,
            lambda folder, v, me: lifecycle.record_hold(
                folder, v.ref, me, self.profile, why, based_on=len(v.revisions)
            ),
        )

    def release(self, ref: str, why: str) -> None:
        """Release the case's hold (a ``hold-released`` revision)."""
        self._revise(
            ref,
            lambda folder, v, me: lifecycle.record_release(
                folder, v.ref, me, self.profile, why, based_on=len(v.revisions)
            ),
        )

    def dispose(self, ref: str, reason_code: str, note: str) -> None:
        """Dispose of the case: refused while on hold; else register entry, deletion, certificate."""
        identity, case = self.lock.identity, self.cases.get(ref)
        if identity is None or case is None:
            return
        try:
            lifecycle.check_may_dispose(
                case.verified,
                self.profile,
                today=self.today(),
                early=DisposalReason(reason_code) in disposal.EARLY_REASONS,
            )
        except RetentionError as e:
            self.feedback.error("Not disposed of", f"{e}\n\nNothing was deleted.")
            return
        profile, today, data_dir = self.profile, self.today(), self.workspace.paths.data_dir
        present = exports.present_for(data_dir, ref)

        def job() -> disposal.Disposed:
            return disposal.dispose(
                case.path,
                case.verified,
                identity,
                profile,
                reason=DisposalReason(reason_code),
                note=note,
                today=today,
                data_dir=data_dir,
            )

        self.lock.run(job, lambda done: self._disposed(ref, done, present), self._failed)

    def _disposed(self, ref: str, done: disposal.Disposed, present: list[exports.ExportRecord]) -> None:
        from ui.retention_view import QtCertificateDialog

        self.certificate = done.certificate
        self.cases.pop(ref, None)
        dialog = QtCertificateDialog(done.certificate.to_text(), self.feedback.window)
        self.certificate_dialog = dialog
        dialog.save_pdf_requested.connect(self.ask_certificate_pdf)
        self.lock.own(dialog)
        self.disposed.emit(ref)
        self._done()
        lines = [f"{p.name} could not be deleted: delete it by hand." for p in done.left]
        lines += [f"An export is still present: {r.path}" for r in present]
        if lines:
            self.feedback.error("Disposed of, with copies left", "\n".join(lines))

    def save_certificate_pdf(self, path: Path) -> None:
        """Write the last certificate as a PDF to ``path``."""
        from ui.data_protection_pdf import render_certificate_pdf

        if self.certificate is not None:
            atomic_write(path, render_certificate_pdf(self.certificate), mode=0o644)

    def ask_certificate_pdf(self) -> None:
        """Ask where to save the certificate's PDF, then save it."""
        from PySide6.QtWidgets import QFileDialog

        if self.certificate is None:
            return
        name = f"{self.certificate.reference}-certificate-of-disposal.pdf"
        start = str(exports.default_folder() / name)
        path, _ = QFileDialog.getSaveFileName(self.feedback.window, "Save the certificate", start, "PDF (*.pdf)")
        if path:
            self.save_certificate_pdf(Path(path))

    # -- the hold offer ---------------------------------------------------------------------------------------

    def offer_hold(
        self,
        path: Path,
        verified: bundle.VerifiedBundle,
        reason: str,
        then: Callable[[share.Published], None],
    ) -> None:
        """Offer a legal hold on a case the police are involved in; ``then`` gets the hold's revision once
        published."""
        from ui.retention_view import QtHoldOffer

        if lifecycle.retention_state(verified, self.profile, today=self.today()).status is ReviewStatus.ON_HOLD:
            return
        dialog = QtHoldOffer(verified.ref, reason, self.feedback.window)
        self.hold_offer = dialog

        def accepted() -> None:
            why = dialog.reason.text().strip()
            identity = self.lock.identity
            if not why or identity is None:
                return
            profile = self.profile

            def job() -> share.Published:
                return lifecycle.record_hold(
                    path.parent, verified.ref, identity, profile, why, based_on=len(verified.revisions)
                )

            self.lock.run(job, then, self._failed)

        dialog.accepted.connect(accepted)
        self.lock.own(dialog)
