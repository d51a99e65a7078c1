"""Drives the real reviewer window on a real X server for the end-to-end test; prints JSON lines.

With the reviewer's data dir (identity and school profile already there), it unlocks, waits for the bundle in
the drop folder to show in the inbox, opens it with the keyboard (select, Enter), records two actions through
the real action dialog, and exports for the police through the real export dialog.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.lock import LockCoordinator
from app.paths import Paths
from app.reviewer import ReviewerApp
from app.workspace import Workspace
from evidence.crypto.keys import unlock_identity_file
from evidence.review.actions import ReviewAction


def say(**event: object) -> None:
    print(json.dumps(event), flush=True)


def main() -> int:
    data, passphrase, exports = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    qapp = QApplication(sys.argv[:1])
    ws = Workspace(Paths(data))
    lock = LockCoordinator(ws)
    app = ReviewerApp(ws, lock)
    app.window.show()
    lock.session.accept_identity(unlock_identity_file(ws.identity_file(), passphrase))  # type: ignore[arg-type]
    seen: dict[str, object] = {}

    def exported() -> bool:
        shown = [b for b in app.window.findChildren(QMessageBox, "info_box") if b.isVisible()]
        if shown:
            seen["exported"] = shown[0].text()
        return bool(shown)

    def fill_action(action: ReviewAction, why: str, fields: dict[str, str]) -> None:
        def fill() -> None:
            dialog = next(
                w for w in qapp.topLevelWidgets() if w.objectName() == "review_action_dialog" and w.isVisible()
            )
            combo = dialog.action_combo  # type: ignore[attr-defined]
            combo.setCurrentIndex(combo.findData(action))
            for key, value in fields.items():
                QTest.keyClicks(dialog.field_edits[key], value)  # type: ignore[attr-defined]
            QTest.keyClicks(dialog.why_edit, why)  # type: ignore[attr-defined]
            QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]

        QTest.mouseClick(app.window.record_button, Qt.MouseButton.LeftButton)  # the dialog opens without blocking
        fill()

    def export() -> None:
        def fill() -> None:
            dialog = next(
                w for w in qapp.topLevelWidgets() if w.windowTitle() == "Export for the police" and w.isVisible()
            )
            dialog.folder.setText(str(exports))  # type: ignore[attr-defined]
            QTest.keyClicks(dialog.officer_reference, "PC 1234 Jones, CR/123/26")  # type: ignore[attr-defined]
            QTest.keyClicks(dialog.passphrase, "a phone passphrase")  # type: ignore[attr-defined]
            QTest.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]

        QTest.mouseClick(app.window.export_button, Qt.MouseButton.LeftButton)
        fill()

    def revisions() -> int:
        current = app.review.current
        return len(current.revisions) if current is not None else 0

    def open_from_inbox() -> None:
        tree = app.inbox.tree
        tree.setFocus()
        tree.setCurrentItem(tree.topLevelItem(0))
        QTest.keyClick(tree, Qt.Key.Key_Return)

    steps: list[Callable[[], bool]] = [
        lambda: app.inbox.tree.topLevelItemCount() >= 1 or (app.review.refresh(), False)[1],
        lambda: (open_from_inbox(), True)[1],
        lambda: revisions() == 1,
        lambda: (fill_action(ReviewAction.MEETING_HELD, "Met the pupil and her parent", {"who": "DSL, pupil"}), True)[
            1
        ],
        lambda: revisions() == 2,
        lambda: (
            fill_action(ReviewAction.POLICE_CONTACTED, "Threats of violence", {"crime_reference": "CR/123/26"}),
            True,
        )[1],
        lambda: revisions() == 3,
        lambda: (export(), True)[1],
        exported,
    ]
    state = {"deadline": time.monotonic() + 60}

    def tick() -> None:
        if time.monotonic() > state["deadline"]:
            say(event="failed", left=len(steps), banner=app.banner.text())
            qapp.exit(3)
            return
        if steps and steps[0]():
            steps.pop(0)
            state["deadline"] = time.monotonic() + 60
        if not steps:
            say(
                event="done",
                ref=app.review.current.ref if app.review.current else None,
                banner=app.banner.text(),
                exported=seen["exported"],
                revisions=revisions(),
            )
            qapp.exit(0)
            return
        QTimer.singleShot(100, tick)

    QTimer.singleShot(300, tick)
    return int(qapp.exec())


if __name__ == "__main__":
    sys.exit(main())
