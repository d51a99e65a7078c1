"""Drives the real staff app on a real X server for the end-to-end test, and reports JSON lines on stdout.

It creates an identity (standalone profile), then, through the app's own actions: captures full screen, monitor 1,
a delayed full screen (watching the countdown), a region (dragged with real xdotool mouse events on the frozen
overlay) and a window (clicked); imports a received file; fills in the form; unlocks; seals. It prints
``{"event": "done", ...}`` with the bundle's path, or ``{"event": "failed", ...}``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QMessageBox

from app.gui import StaffApp, create_from_wizard
from app.paths import Paths
from app.workspace import Workspace
from evidence.case.incident import Category, IncidentDetails, PerpetratorType, ReportType, TargetRole
from evidence.crypto.keys import Role, unlock_identity_file


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

    def items() -> int:
        return sum(len(app.vault.items(r.ref)) for r in app.vault.list_incidents())

    def wait_items(n: int) -> Callable[[], bool]:
        return lambda: items() >= n and not app._hidden and app.window.isVisible()

    def once(fn: Callable[[], None]) -> Callable[[], bool]:
        return lambda: (fn(), True)[1]

    def overlay_up() -> bool:
        return app._overlay is not None and app._overlay.isVisible()

    def xdotool(*args: str) -> None:
        subprocess.Popen(["xdotool", *args])

    def countdown_text() -> bool:
        if app._countdown is not None:
            seen["countdown"].append(app._countdown.label.text())  # type: ignore[attr-defined,union-attr]
        return items() >= 3 and not app._hidden

    def set_delay(seconds: int) -> None:
        box = app.window.capture_bar.delay_box
        box.setCurrentIndex(box.findData(seconds))

    class Accepting(QDialog):
        def __init__(self) -> None:
            super().__init__()
            self.provided_by, self.how = QLineEdit("Parent of the pupil"), QLineEdit("forwarded by e-mail")

        def exec(self) -> int:
            return QDialog.DialogCode.Accepted

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
        QMessageBox.question = lambda *a, **k: QMessageBox.StandardButton.Yes  # type: ignore[method-assign]
        QMessageBox.information = lambda *a, **k: seen.__setitem__("sealed", a[2])  # type: ignore[method-assign]
        app.seal()

    cx, cy = px + pw // 2, py + ph // 2
    steps += [
        once(lambda: app.capture("full")),
        wait_items(1),
        once(lambda: app.capture("monitor:1")),
        wait_items(2),
        once(lambda: (set_delay(3), app.capture("full"))),
        countdown_text,
        once(lambda: set_delay(0)),
        once(lambda: app.capture("region")),
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
        once(lambda: time.sleep(0.5)),
        once(lambda: xdotool("key", "Return")),
        wait_items(5),
        once(lambda: app.capture("window")),
        overlay_up,
        once(lambda: xdotool("mousemove", str(cx), str(cy), "click", "1")),
        once(lambda: time.sleep(0.5)),
        once(lambda: xdotool("key", "Return")),
        wait_items(7),
        once(lambda: app.receive([received], Accepting())),
        wait_items(8),
        once(fill_and_seal),
        lambda: "sealed" in seen,
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
            ref = app.current_ref
            say(
                event="done",
                ref=ref,
                bundle=str(ws.drop_folder() / f"{ref}.zip.age"),
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
