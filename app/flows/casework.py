"""Building the case in the reviewer's app: read text (OCR), decide on handles, the timeline, search, and the
course-of-conduct export.

Reading text runs Tesseract on a worker (:meth:`app.lock.LockCoordinator.run`), never on the UI thread and never
during a capture; every change is a signed revision published on the share as a new revision file, on top of the
current one (:func:`evidence.review.casework.publish`), then shown as read back
(:meth:`app.flows.review.ReviewFlow.verified`), with a word when another reviewer wrote first. The timeline and
search open each incident's current revision in the drop folder on a worker and keep what they decrypted in memory
only, until the next change or a lock (:meth:`forget`); the search index is never written anywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from evidence import bundle
from evidence.bundle import share
from evidence.case.search import Hit, SearchIndex
from evidence.core.errors import EvidenceError
from evidence.core.text import clean_text
from evidence.crypto.keys import Identity
from evidence.review import actions as review
from evidence.review import casework, timeline

if TYPE_CHECKING:
    from app.feedback import Feedback
    from app.flows.review import ReviewFlow
    from app.lock import LockCoordinator
    from app.workspace import Workspace
    from evidence.case.profile import Profile
    from ui.dialogs import ExportRequest, QtExportDialog
    from ui.proposals_view import DecisionRequest, QtProposalsView
    from ui.search_view import QtSearchView
    from ui.timeline_view import QtTimelineView

log = logging.getLogger(__name__)


class CaseworkFlow(QObject):
    """The Handles, Timeline and Search tabs of the reviewer's page.

    Attributes:
        opened: every bundle of the drop folder that verified, by reference (in memory, while unlocked).
        export_dialog: the open course-of-conduct export dialog, or None.
    """

    def __init__(
        self,
        workspace: Workspace,
        profile: Profile,
        lock: LockCoordinator,
        review_flow: ReviewFlow,
        proposals: QtProposalsView,
        timeline_view: QtTimelineView,
        search_view: QtSearchView,
        feedback: Feedback,
        parent: QObject | None,
    ) -> None:
        super().__init__(parent)
        self.workspace, self.profile, self.lock, self.review = workspace, profile, lock, review_flow
        self.proposals, self.timeline_view, self.search_view, self.feedback = (
            proposals,
            timeline_view,
            search_view,
            feedback,
        )
        self.opened: dict[str, casework.OpenedBundle] = {}
        self.export_dialog: QtExportDialog | None = None
        review_flow.shown.connect(self._shown)
        review_flow.cleared.connect(self._cleared)
        proposals.read_text_requested.connect(self.read_text)
        proposals.decide_requested.connect(self.decide)
        timeline_view.refresh_requested.connect(self.build_timeline)
        timeline_view.open_requested.connect(self.open_ref)
        timeline_view.export_requested.connect(self.export_course)
        timeline_view.link_requested.connect(lambda ref, why: self.link(ref, why, unlink=False))
        timeline_view.unlink_requested.connect(lambda ref, why: self.link(ref, why, unlink=True))
        search_view.search_requested.connect(self.search)
        search_view.open_requested.connect(self.open_ref)

    # -- the bundle on show -------------------------------------------------------------------------------------

    def _shown(self, verified: bundle.VerifiedBundle) -> None:
        self.opened.clear()  # a revision may have changed a file: open the folder again when next asked
        decided = casework.identifications(verified)
        layers = len(casework.text_layers(verified))
        self.proposals.set_proposals(casework.proposals(verified), decided, layers=layers, items=len(verified.items))
        self.timeline_view.clear()

    def _cleared(self) -> None:
        self.proposals.clear()
        self.timeline_view.clear()

    def forget(self) -> None:
        """Drop everything decrypted (on lock)."""
        self.opened.clear()
        self.proposals.clear()
        self.timeline_view.clear()
        self.search_view.clear()

    def _revise(
        self,
        what: str,
        make: Callable[[bundle.VerifiedBundle, Identity], Callable[[bundle.VerifiedBundle], bundle.BagPlan]],
    ) -> None:
        """Publish a revision on a worker: ``make`` does the slow part once (reading text) and returns the build,
        which the share applies to the current revision (again, on top, if someone wrote first)."""
        verified, path = self.review.current, self.review.current_path
        identity, profile = self.lock.identity, self.profile
        if verified is None or path is None or identity is None:
            return

        def job() -> share.Published:
            build = make(verified, identity)
            build(verified)  # a refusal (a usage error) before anything is published
            return casework.publish(
                path.parent, verified.ref, build, identity, profile, based_on=len(verified.revisions)
            )

        self.feedback.status(f"{what}…")
        self.lock.run(job, self._published, lambda message: self._failed(what, message))

    def _published(self, published: share.Published) -> None:
        assert published.verified is not None  # a revision is always read back and verified
        self.review.verified((published.path, published.verified))
        notice = review.added_while_working(published)
        if notice:
            self.feedback.info("Recorded after someone else's action", notice)

    def _failed(self, what: str, message: str) -> None:
        self.feedback.error(f"{what}: not done", f"{clean_text(message)}\n\nThe bundle is unchanged.")

    def read_text(self) -> None:
        """Read the text of the items that have none (OCR, on a worker) and sign it in as a machine-read layer."""
        profile = self.profile

        def make(
            verified: bundle.VerifiedBundle, identity: Identity
        ) -> Callable[[bundle.VerifiedBundle], bundle.BagPlan]:
            layers, _ = casework.read_text_layers(verified)  # Tesseract, once, whoever writes first
            return lambda v: casework.add_text_layers(v, identity, profile, layers)

        self._revise("Reading the text of the images", make)

    def decide(self, request: DecisionRequest) -> None:
        """Sign the reviewer's decision on one proposal into the bundle."""
        profile = self.profile

        def make(
            verified: bundle.VerifiedBundle, identity: Identity
        ) -> Callable[[bundle.VerifiedBundle], bundle.BagPlan]:
            decision = [(request.key, request.decision, request.person)]
            return lambda v: casework.add_identifications(v, identity, profile, decision, request.why)

        self._revise("Recording the decision", make)

    # -- the drop folder ----------------------------------------------------------------------------------------

    def _with_folder(self, then: Callable[[dict[str, casework.OpenedBundle]], object]) -> None:
        """Open the drop folder's bundles on a worker (once, while unlocked), then call ``then`` on the UI thread."""
        identity, profile, folder = self.lock.identity, self.profile, self.workspace.drop_folder()
        if identity is None:
            self.lock.unlock(self.feedback, then=lambda: self._with_folder(then))
            return
        if self.opened:
            then(self.opened)
            return

        def job() -> dict[str, casework.OpenedBundle]:
            opened, failed = casework.open_bundles(folder, identity, profile)
            for path, error in failed:
                log.info("left out of the case views: %s (%s)", path.name, error.check)
            return opened

        def done(opened: dict[str, casework.OpenedBundle]) -> None:
            current, path = self.review.current, self.review.current_path
            if current is not None and path is not None:
                opened[current.ref] = casework.OpenedBundle(path, current)
            self.opened = opened
            then(opened)

        self.feedback.status("Opening the bundles in the drop folder…")
        self.lock.run(job, done, lambda message: self._failed("Opening the bundles", message))

    def build_timeline(self) -> None:
        """Show the timeline of the bundle on show and every incident linked to it."""
        current = self.review.current
        if current is None:
            return

        def show(opened: dict[str, casework.OpenedBundle]) -> None:
            bundles = {ref: o.verified for ref, o in opened.items()}
            self.timeline_view.set_timeline(timeline.build_timeline(current.ref, bundles))
            self.timeline_view.set_others(sorted(ref for ref in opened if ref != current.ref))
            self.feedback.status(f"Timeline of {current.ref}", 5000)

        self._with_folder(show)

    def search(self, term: str) -> None:
        """Search every bundle of the drop folder, in memory."""
        try:
            query = casework.parse_query(term)
        except EvidenceError as e:
            self.feedback.error("Cannot search", str(e))
            return

        def show(opened: dict[str, casework.OpenedBundle]) -> None:
            index = SearchIndex()
            try:
                for o in opened.values():
                    for doc in casework.search_documents(o.verified):
                        index.add(doc)
                hits: tuple[Hit, ...] = index.search(query)
            except EvidenceError as e:
                self.feedback.error("Cannot search", str(e))
                return
            finally:
                index.clear()
            self.search_view.set_hits(hits, len(opened))

        self._with_folder(show)

    def link(self, other_ref: str, why: str, *, unlink: bool) -> None:
        """Link the bundle on show to ``other_ref`` (or withdraw the link): a signed revision in both bundles, on a
        worker; then the bundle on show is shown again and its timeline rebuilt."""
        current, identity, profile = self.review.current, self.lock.identity, self.profile
        mine, other = self.opened.get(current.ref if current else ""), self.opened.get(other_ref)
        if current is None or identity is None or mine is None or other is None:
            return
        what = "Unlinking" if unlink else "Linking"
        if other.path.parent != mine.path.parent:  # the bundle on show was opened from elsewhere
            self._failed(what, f"{current.ref} is not in the drop folder; open it from there to link it")
            return

        def job() -> casework.Side:
            both = casework.unlink_both if unlink else casework.link_both
            mine_now, _ = both(current, other.verified, identity, profile, why, mine.path.parent)
            return mine_now

        def done(side: casework.Side) -> None:
            if side.published is not None:
                self._published(side.published)
            self.build_timeline()

        self.feedback.status(f"{what} {current.ref} and {other_ref}…")
        self.lock.run(job, done, lambda message: self._failed(what, message))

    def open_ref(self, ref: str) -> None:
        """Open the bundle of ``ref`` (from the timeline or a search result)."""
        found = self.opened.get(ref)
        if found is not None:
            self.review.open_bundle(found.path)

    # -- the course-of-conduct export ---------------------------------------------------------------------------

    def export_course(self) -> None:
        """Ask for the officer's reference and a folder, then export the occasions on the timeline as one pack."""
        from ui.dialogs import QtExportDialog

        shown = self.timeline_view.timeline
        if shown is None or len(shown.occasions) < 2 or self.lock.locked:
            return
        paths = [self.opened[o.ref].path for o in shown.occasions if o.ref in self.opened]
        dialog = QtExportDialog(str(self.workspace.paths.data_dir / "exports"), self.feedback.window)
        dialog.setWindowTitle("Export the course of conduct for the police")
        self.export_dialog = dialog
        dialog.accepted.connect(lambda: self.write_course(paths, dialog.request()))
        dialog.finished.connect(lambda _result: self._forget(dialog))
        self.lock.own(dialog)

    def _forget(self, dialog: QtExportDialog) -> None:
        if self.export_dialog is dialog:
            self.export_dialog = None

    def write_course(self, paths: list[Path], request: ExportRequest) -> None:
        """Log the export in every bundle, then write the pack (on the UI thread: the PDFs are drawn with Qt)."""
        from app.police import export_course_of_conduct

        identity = self.lock.identity
        if identity is None:
            return
        busy = self.lock.session.hold()
        try:
            done = export_course_of_conduct(
                paths,
                identity,
                self.profile,
                request.folder,
                officer_reference=request.officer_reference,
                pack_recipient=request.pack_recipient,
                pack_passphrase=request.pack_passphrase,
            )
        except EvidenceError as e:
            self.feedback.error("Not exported", str(e))
            return
        finally:
            busy.release()
        self.opened.clear()
        shown, path = self.review.current, self.review.current_path
        if shown is not None and path is not None:  # its new revision, with the export logged
            now = share.current_revision(path.parent, shown.ref)
            self.review.open_bundle(now.path if now is not None else path)
        self.feedback.info(
            "Exported",
            f"Course of conduct ({len(done.conduct.occasions)} occasions) written to:\n{done.result.folder}",
        )
