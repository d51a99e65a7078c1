"""The viewer's **Redact…**: draw boxes on an item of the verified bundle on show, then sign the redacted copy in.

The copy is made by the core (:func:`evidence.review.lifecycle.add_redaction`) on a worker while the lock waits,
published as the case's next revision file through :func:`evidence.review.lifecycle.record_redaction` (made
again on top if someone else recorded first) and read back and verified before it is shown. The tool works
on the decoded image in memory only: nothing is written to disk but the re-encrypted bundle.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from evidence import bundle
from evidence.bundle import share
from evidence.core.text import clean_text
from evidence.review import lifecycle

if TYPE_CHECKING:
    from app.flows.review import ReviewFlow
    from app.lock import LockCoordinator
    from evidence.case.profile import Profile
    from ui.redact_tool import QtRedactTool

log = logging.getLogger(__name__)


class RedactFlow(QObject):
    """Opens the redaction tool for one item and records the copy.

    Attributes:
        tool: the open tool, or None.
    """

    def __init__(
        self, profile: Profile, lock: LockCoordinator, review_flow: ReviewFlow, parent: QObject | None
    ) -> None:
        super().__init__(parent)
        self.profile = profile
        self.lock = lock
        self.review = review_flow
        self.tool: QtRedactTool | None = None

    def open(self, seq: int) -> None:
        """Show the tool for item ``seq`` of the bundle on show."""
        from ui.redact_tool import QtRedactTool

        verified, path = self.review.current, self.review.current_path
        if verified is None or path is None or self.lock.locked:
            return
        try:
            item = verified.item(seq)
        except KeyError:
            return
        tool = QtRedactTool(verified.ref, seq, verified.item_content(item), self.review.feedback.window)
        self.tool = tool
        tool.accepted.connect(lambda: self.make(verified, path, seq, tool))
        tool.finished.connect(lambda _r: self._forget(tool))
        self.lock.own(tool)

    def _forget(self, tool: QtRedactTool) -> None:
        if self.tool is tool:
            self.tool = None

    def make(self, verified: bundle.VerifiedBundle, path: Path, seq: int, tool: QtRedactTool) -> None:
        """Record the redacted copy the tool describes."""
        identity, profile = self.lock.identity, self.profile
        if identity is None:
            return
        boxes, why = tool.boxes(), tool.why()
        log.info("redacting item %s of %s (%s boxes)", seq, verified.ref, len(boxes))

        def job() -> share.Published:
            return lifecycle.record_redaction(
                path.parent, verified.ref, identity, profile, seq, boxes, why, based_on=len(verified.revisions)
            )

        self.lock.run(job, self.review.show_published, self._failed)

    def _failed(self, message: str) -> None:
        self.review.feedback.error("Not redacted", f"{clean_text(message)}\n\nThe bundle is unchanged.")
