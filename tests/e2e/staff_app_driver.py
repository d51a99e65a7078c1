"""Drives the real staff app on a real X server for the end-to-end test, and reports JSON lines on stdout.

It creates an identity (standalone profile), then, through the app's own actions: captures full screen, monitor 1,
a delayed full screen (watching the countdown), a region (dragged with real xdotool mouse events on the frozen
overlay) and a window (one click); the screen does not change, so its frame is stored once; imports a received file
through the real provenance dialog; fills in the form; unlocks; seals, answering the real confirmation. Each step
waits for a condition (the overlay holds the dragged rectangle, xdotool has finished), never for a fixed time. It
prints ``{"event": "done", ...}`` with the bundle's path, or ``{"event": "failed", ...}``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.gui import create_from_wizard
from app.paths import Paths
from app.staff import StaffApp
from app.workspace import Workspace
from evidence.case.incident import Category, IncidentDetails, PerpetratorType, ReportType, TargetRole
from evidence.crypto.keys import Role, unlock_identity_file
from ui.dialogs import QtReceiveDialog


def say(**event: object) -> None:
    print(json.dumps(event), flush=True)


def main() -> int:
    data, passphrase, received = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    px, py, pw, ph = (int(v) for v in sys.argv[4].split(","))
    qapp = QApplication(sys.argv[:1])
    ws = Workspace(Paths(data))
    if not ws.has_identity():
        create_from_wizard(ws, "Jane Smith", "j.smith@school.example", Role.STAFF, passphrase, None, "Oakfield")
    app = StaffApp(ws)
    app.window.move(0, 0)
    app.window.resize(1200, 760)
    app.window.show()
    seen: dict[str, object] = {"countdown": []}
    steps: list[Callable[[], bool]] = []  # each returns True when it may move on
    state = {"deadline": time.monotonic() + 60}
    running: list[subprocess.Popen[bytes]] = []
    flow = app.capturing

    def items() -> int:
        return sum(len(app.vault.items(r.ref)) for r in app.vault.list_incidents())

    captures = {"n": 0}
    flow.captured.connect(lambda _ref, _digest: captures.__setitem__("n", captures["n"] + 1))

    def wait_items(n: int) -> Callable[[], bool]:
        return lambda: items() >= n and not flow.capturing and app.window.isVisible()

    def wait_captures(n: int) -> Callable[[], bool]:
        """The n-th capture is stored (an unchanged screen adds no item: its frame is kept once)."""
        return lambda: captures["n"] >= n and not flow.capturing and app.window.isVisible()

    def once(fn: Callable[[], None]) -> Callable[[], bool]:
        return lambda: (fn(), True)[1]

    def overlay_up() -> bool:
        return flow.overlay is not None and flow.overlay.isVisible()

    def xdotool(*args: str) -> None:
        running.append(subprocess.Popen(["xdotool", *args]))

    def xdotool_done() -> bool:
        return all(p.poll() is not None for p in running)

    def overlay_holds(rect: QRect | None, mode: str) -> Callable[[], bool]:
        """xdotool has sent every event, and the overlay has taken them: it holds this selection (or any)."""

        def ready() -> bool:
            overlay = flow.overlay
            if not xdotool_done() or overlay is None or overlay.selection_mode() != mode:
                return False
            selection = overlay.selection()
            return not selection.isEmpty() and (rect is None or selection == rect)

        return ready

    def countdown_text() -> bool:
        if flow.countdown is not None:
            seen["countdown"].append(flow.countdown.label.text())  # type: ignore[attr-defined]
        return wait_captures(3)()

    def set_delay(seconds: int) -> None:
        box = app.window.capture_bar.delay_box
        box.setCurrentIndex(box.findData(seconds))

    def receive() -> None:
        flow.ask_provenance([received])
        dialog = next(d for d in app.lock.dialogs() if isinstance(d, QtReceiveDialog))
        QTest.keyClicks(dialog.provided_by, "Parent of the pupil")
        QTest.keyClicks(dialog.how, "forwarded by e-mail")
        QTest.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)

    def info_box() -> bool:
        page = app.window.sealed_page
        if app.window.right_stack.currentWidget() is page:  # the calm confirmation (issue 11)
            seen["sealed"] = page.text_label.text()
            return True
        return False

    def fill_and_seal() -> None:
        app.session.accept_identity(unlock_identity_file(ws.identity_file(), passphrase))  # type: ignore[arg-type]
        app.form.set_details(
            IncidentDetails(
                title="Threats to a pupil",
                report_type=ReportType.CYBER_BULLYING,
                occurred="2026-11-24T18:31:00+00:00",
                platform="Instagram",
                categories=(Category.THREATENING,),
                target_name="A pupil",
                target_role=TargetRole.PUPIL,
                perpetrator_type=PerpetratorType.UNKNOWN,
                description="Seen at break.",
                not_responded=True,
                reported_to="The DSL",
            )
        )
        app.sealing.seal()
        box = app.sealing.confirm_box
        assert box is not None, app.window.problems.text()
        QTest.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)

    cx, cy = px + pw // 2, py + ph // 2
    steps += [
        once(lambda: flow.capture("full")),
        wait_captures(1),
        once(lambda: flow.capture("monitor:1")),
        wait_captures(2),
        once(lambda: (set_delay(3), flow.capture("full"))),
        countdown_text,
        once(lambda: set_delay(0)),
        once(lambda: flow.capture("region")),
        overlay_up,
        once(
            lambda: xdotool(
                "mousemove",
                str(px),
                str(py),
                "mousedown",
                "1",
                "mousemove",
                str(px + pw // 2),
                str(py + ph // 2),
                "mousemove",
                str(px + pw),
                str(py + ph),
                "mouseup",
                "1",
            )
        ),
        overlay_holds(QRect(px, py, pw, ph), "region"),
        once(lambda: xdotool("key", "Return")),
        wait_captures(4),
        once(lambda: flow.capture("window")),
        overlay_up,
        once(lambda: xdotool("mousemove", str(cx), str(cy), "click", "1")),  # one click captures the window
        wait_captures(5),
        once(receive),
        wait_items(4),
        once(fill_and_seal),
        info_box,
    ]

    def tick() -> None:
        if time.monotonic() > state["deadline"]:
            say(event="failed", step=len(steps), items=items(), status=app.window.statusBar().currentMessage())
            qapp.exit(3)
            return
        if steps and steps[0]():
            steps.pop(0)
            state["deadline"] = time.monotonic() + 60
        if not steps:
            ref = app.incidents.current_ref
            say(
                event="done",
                ref=ref,
                bundle=str(ws.drop_folder() / f"{ref}.r1.zip.age"),
                countdown=seen["countdown"],
                identity=str(ws.identity_file()),
                sealed=seen["sealed"],
            )
            qapp.exit(0)
            return
        QTimer.singleShot(50, tick)

    QTimer.singleShot(300, tick)
    code = qapp.exec()
    app.quit()
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
