"""Drives the real app with real input (xdotool) on a real X server with openbox, as a teacher in a hurry would.

Usage: ``teacher_driver.py DATA_DIR SCENARIO [SHOTS_DIR]``. The app starts as it does straight after the first-run
wizard (the identity just made, so unlocked; a standalone profile, so the inbox is a page of the one window). Every
user action is one xdotool call, counted: a click, a key chord or a typed field is one action. Between actions the
driver waits for a condition (the capture stored, the dialog on show, the field holding what was typed), never
for a fixed time, so the wall time is that of a practised user. It prints JSON lines; the last is
``{"event": "done", ...}`` or ``{"event": "failed", ...}``.

Scenarios:
    quick: from the first capture to a sealed incident (issue 11, point 6).
    safeguarding: a capture, then the red button: nothing shown again, the items removed, a DSL note sealed
        (point 1).
    fit: every top-level window inside the screen and every command reachable (point 3).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox, QWidget

from app import gui
from app.paths import Paths
from app.staff import StaffApp
from app.workspace import Workspace
from evidence.case.incident import PerpetratorType, TargetRole
from evidence.crypto.keys import Role

PASS = "a long test passphrase"
DESCRIPTION = "Threatening messages to a Year 9 pupil from an account nobody knows"
TIMEOUT = 60.0
Wait = Callable[[], bool]


def say(**event: object) -> None:
    print(json.dumps(event), flush=True)


class Driver:
    """Real input through xdotool, counted, and a look at the screen when asked.

    Attributes:
        actions: the user's actions, in order, by what they were for.
    """

    def __init__(self, qapp: QApplication, shots: Path | None) -> None:
        self.qapp = qapp
        self.shots = shots
        self.actions: list[str] = []
        self.seen: dict[str, object] = {}
        self._running: list[subprocess.Popen[bytes]] = []
        self.started = 0.0

    def _xdotool(self, label: str, *args: str) -> None:
        if not self.actions:
            self.started = time.monotonic()
        self.actions.append(label)
        self._running.append(subprocess.Popen(["xdotool", *args]))

    def done(self) -> bool:
        """xdotool has sent every event."""
        return all(p.poll() is not None for p in self._running)

    def click(self, label: str, widget: QWidget) -> None:
        """One click in the middle of ``widget`` (a real pointer event, in the screen's pixels)."""
        centre = widget.mapToGlobal(widget.rect().center())
        ratio = widget.devicePixelRatioF()
        self._xdotool(label, "mousemove", str(round(centre.x() * ratio)), str(round(centre.y() * ratio)), "click", "1")

    def key(self, label: str, chord: str) -> None:
        """One key chord, such as ``Tab``, ``ctrl+shift+d`` or ``Return``."""
        self._xdotool(label, "key", chord)

    def type(self, label: str, text: str) -> None:
        """One typed field."""
        self._xdotool(label, "type", "--delay", "4", text)

    def shot(self, name: str) -> None:
        """Save the screen as the user sees it (only when a folder for screenshots was given)."""
        if self.shots is None:
            return
        import mss
        import mss.tools

        self.qapp.processEvents()
        with mss.MSS() as sct:
            grab = sct.grab(sct.monitors[0])
            mss.tools.to_png(grab.rgb, grab.size, output=str(self.shots / f"{name}.png"))


def within(seconds: float, ready: Wait) -> Wait:
    """Ready, or ``seconds`` gone by (for what a window manager may or may not do, such as focusing a window)."""
    until = time.monotonic() + seconds
    return lambda: ready() or time.monotonic() > until


def button_of(app: StaffApp, action: object) -> QWidget:
    widget = app.window.capture_bar.widgetForAction(action)  # type: ignore[arg-type]
    assert widget is not None
    return widget


def visible_boxes(app: StaffApp, name: str) -> list[QMessageBox]:
    return [b for b in app.window.findChildren(QMessageBox, name) if b.isVisible()]


def items(app: StaffApp) -> int:
    return sum(len(app.vault.items(r.ref)) for r in app.vault.list_incidents())


# -- scenarios -----------------------------------------------------------------------------------------------------


def quick(app: StaffApp, d: Driver) -> Iterator[Wait]:
    """From the first capture to a sealed incident, as few actions as a practised user needs."""
    window, form, flow = app.window, app.form, app.capturing
    yield lambda: window.isActiveWindow()
    d.click("capture: Full screen", button_of(app, window.capture_bar.full))
    yield lambda: items(app) >= 1 and not flow.capturing and window.isVisible()
    yield within(3, lambda: window.isActiveWindow() and QApplication.focusWidget() is form.description_edit)
    d.shot("quick-1-after-capture")
    d.seen["platform_guessed"] = form.platform_note.isVisibleTo(form) and form.details().platform
    if QApplication.focusWidget() is not form.description_edit or not window.isActiveWindow():
        d.click("what happened: click the field", form.description_edit)
        yield lambda: d.done() and QApplication.focusWidget() is form.description_edit
    d.type("what happened: type", DESCRIPTION)
    yield lambda: d.done() and form.details().description == DESCRIPTION
    d.click("when: Just now", form.occurred_edit.just_now_button)
    yield lambda: d.done() and bool(form.details().occurred)
    if not form.details().platform:  # not guessed: choose it (and count it)
        d.click("platform: open the list", form.platform_combo)
        yield lambda: d.done()
        d.key("platform: Instagram", "i")
        yield lambda: d.done() and bool(form.details().platform)
    d.click("who was targeted: click the field", form.target_name_edit)
    yield lambda: d.done() and QApplication.focusWidget() is form.target_name_edit
    d.type("who was targeted: type", "A Year 9 pupil")
    yield lambda: d.done() and form.details().target_name == "A Year 9 pupil"
    d.key("their role: Tab", "Tab")
    yield lambda: d.done() and QApplication.focusWidget() is form.target_role_combo
    d.key("their role: Pupil", "p")
    yield lambda: d.done() and form.details().target_role is TargetRole.PUPIL
    d.key("who did it: Tab", "Tab")
    yield lambda: d.done() and QApplication.focusWidget() is form.perpetrator_type_combo
    d.key("who did it: Unknown", "u")
    yield lambda: d.done() and form.details().perpetrator_type is PerpetratorType.UNKNOWN
    d.shot("quick-2-filled")
    d.click("Seal and send", window.seal_button)
    yield lambda: d.done() and app.sealing.confirm_box is not None and app.sealing.confirm_box.isActiveWindow()
    d.shot("quick-3-confirm")
    d.key("confirm: Enter", "Return")
    yield lambda: d.done() and window.right_stack.currentWidget() is window.sealed_page
    d.shot("quick-4-sealed")


def safeguarding(app: StaffApp, d: Driver) -> Iterator[Wait]:
    """A capture, then the red button on it: hidden at once, removed, and a DSL note sealed on its short form."""
    window, form, flow, items_view = app.window, app.form, app.capturing, app.items
    seen: dict[str, object] = {}
    yield lambda: window.isActiveWindow()
    d.click("capture: Full screen", button_of(app, window.capture_bar.full))
    yield lambda: items(app) >= 1 and not flow.capturing and window.isVisible()
    window.tabs.setCurrentIndex(1)  # the user looks at the evidence: its thumbnail is on show
    yield lambda: bool(items_view.tiles) and all(t.thumbnail is not None for t in items_view.tiles.values())
    yield within(3, lambda: window.isActiveWindow())
    d.shot("safeguarding-1-captured")
    d.key("red button: its shortcut", window.capture_bar.safeguarding.shortcut().toString().lower())
    yield lambda: d.done() and app.incidents.safeguarding_dialog is not None
    seen["tiles_while_asking"] = len(items_view.tiles)
    seen["viewer_image_while_asking"] = app.viewer.canvas.image is not None
    d.shot("safeguarding-2-dialog")
    yield lambda: app.incidents.safeguarding_dialog is not None and app.incidents.safeguarding_dialog.isActiveWindow()
    d.key("continue: Enter", "Return")
    yield (
        lambda: (
            d.done() and form.safeguarding and all(r.shredded for r in app.vault.items(app.incidents.current_ref or ""))
        )
    )
    dsl = form.dsl_form
    yield within(3, lambda: QApplication.focusWidget() is dsl.note_edit)
    if QApplication.focusWidget() is not dsl.note_edit:
        d.click("what you saw: click the field", dsl.note_edit)
        yield lambda: d.done() and QApplication.focusWidget() is dsl.note_edit
    d.type("what you saw: type", "A pupil showed me an image of another pupil on her phone at break.")
    yield lambda: d.done() and bool(dsl.note_edit.toPlainText())
    d.click("who: click the field", dsl.who_edit)
    yield lambda: d.done() and QApplication.focusWidget() is dsl.who_edit
    d.type("who: type", "Not known")
    yield lambda: d.done() and dsl.who_edit.text() == "Not known"
    d.click("when: Just now", dsl.when_edit.just_now_button)
    yield lambda: d.done() and bool(dsl.when_edit.value())
    d.click("device: click the field", dsl.device_edit)
    yield lambda: d.done() and QApplication.focusWidget() is dsl.device_edit
    d.type("device: type", "A pupil's phone")
    yield lambda: d.done() and dsl.device_edit.text() == "A pupil's phone"
    d.shot("safeguarding-3-note")
    d.click("Seal and send", window.seal_button)
    yield lambda: d.done() and app.sealing.confirm_box is not None and app.sealing.confirm_box.isActiveWindow()
    d.key("confirm: Enter", "Return")
    yield lambda: d.done() and window.right_stack.currentWidget() is window.sealed_page
    d.shot("safeguarding-4-sealed")
    say(event="seen", **seen)


def _inside(widget: QWidget) -> dict[str, object]:
    frame = widget.frameGeometry()
    room = widget.screen().availableGeometry()
    return {
        "name": widget.objectName() or type(widget).__name__,
        "title": widget.windowTitle(),
        "frame": list(frame.getRect()),
        "screen": list(room.getRect()),
        "inside": room.contains(frame),
    }


def _reachable(widget: QWidget) -> dict[str, object]:
    """Whether a control lies wholly inside its window and the screen (so a user can see and press it)."""
    window = widget.window()
    top_left = widget.mapTo(window, QPoint(0, 0))
    local = QRect(top_left, widget.size())
    on_screen = QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())
    ok = (
        widget.isVisible() and window.rect().contains(local) and widget.screen().availableGeometry().contains(on_screen)
    )
    return {"name": widget.objectName() or widget.accessibleName(), "reachable": ok}


def fit(app: StaffApp, d: Driver) -> Iterator[Wait]:
    """Every top-level window inside the screen, every command reachable, on this screen and scale."""
    window = app.window
    checks: list[dict[str, object]] = []
    controls: list[dict[str, object]] = []
    yield lambda: window.isActiveWindow()
    yield lambda: window.frameGeometry() != window.geometry()  # the window manager has framed it
    checks.append(_inside(window))
    bar = window.capture_bar
    reachable_by_menu = {a for m in (window.file_menu, window.capture_menu, window.incident_menu) for a in m.actions()}
    for action in (bar.full, bar.region, bar.pick_window, bar.import_file, bar.safeguarding, bar.lock):
        button = bar.widgetForAction(action)
        seen = _reachable(button) if button is not None and button.isVisible() else {"reachable": False}
        controls.append({"name": action.text(), "reachable": seen["reachable"] or action in reachable_by_menu})
    controls += [_reachable(w) for w in (window.new_incident, window.save_button, window.seal_button)]
    controls.append({"name": "menu bar", "reachable": _reachable(window.menuBar())["reachable"]})
    d.shot("fit-1-incidents")
    window.pages.setCurrentIndex(1)
    yield lambda: window.pages.currentIndex() == 1 and window.pages.currentWidget().isVisible()
    reviewer = window.pages.currentWidget()
    for name in ("record_button", "export_button", "open_file_button", "refresh_button"):
        found = reviewer.findChild(QAbstractButton, name)
        assert found is not None, name
        controls.append(_reachable(found))
    checks.append(_inside(window))
    d.shot("fit-2-inbox")
    window.pages.setCurrentIndex(0)
    d.click("capture: Full screen", button_of(app, bar.full))
    yield lambda: items(app) >= 1 and not app.capturing.capturing and window.isVisible()
    app.incidents.open_item(1)
    yield lambda: app.viewer.isVisible() and app.viewer.frameGeometry() != app.viewer.geometry()
    yield lambda: app.viewer.zoom() > 0.05 or app.viewer.canvas.image is None
    checks.append({**_inside(app.viewer), "zoom": app.viewer.zoom()})
    d.shot("fit-3-viewer")
    yield within(3, lambda: app.viewer.isActiveWindow())
    d.key("viewer: Esc", "Escape")
    yield lambda: d.done() and not app.viewer.isVisible()
    for open_dialog, name in (
        (lambda: app.incidents.safeguarding(), "safeguarding_dialog"),
        (lambda: (app.session.lock(), app.lock.unlock(app.feedback)), "unlock_dialog"),
    ):
        open_dialog()
        yield lambda n=name: any(dl.objectName() == n and dl.isVisible() for dl in app.lock.dialogs())
        dialog = next(dl for dl in app.lock.dialogs() if dl.objectName() == name)
        yield within(3, lambda dl=dialog: dl.isActiveWindow() and dl.frameGeometry() != dl.geometry())
        checks.append(_inside(dialog))
        d.shot(f"fit-4-{name}")
        dialog.reject()  # it is deleted once closed
        yield lambda n=name: not any(dl.objectName() == n for dl in app.lock.dialogs())
    window.guide_actions["staff"].trigger()
    yield (
        lambda: (
            bool(app.guides) and app.guides[0].isVisible() and app.guides[0].frameGeometry() != app.guides[0].geometry()
        )
    )
    checks.append(_inside(app.guides[0]))
    d.shot("fit-5-guide")
    app.guides[0].close()
    say(event="fit", windows=checks, controls=controls)


SCENARIOS = {"quick": quick, "safeguarding": safeguarding, "fit": fit}


def main() -> int:
    data, scenario = Path(sys.argv[1]), sys.argv[2]
    shots = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    qapp = QApplication(sys.argv[:1])
    workspace = Workspace(Paths(data))
    identity = gui.create_from_wizard(
        workspace, "Jane Smith", "j.smith@school.example", Role.STAFF, PASS, None, "Oakfield Academy"
    )
    app = StaffApp(workspace)  # as app.gui does straight after the wizard
    qapp.installEventFilter(app.session)
    app.session.accept_identity(identity)
    gui.add_inbox(app, workspace)
    app.place_window()
    app.window.show()
    d = Driver(qapp, shots)
    steps = SCENARIOS[scenario](app, d)
    state: dict[str, object] = {"wait": next(steps), "deadline": time.monotonic() + TIMEOUT}

    def tick() -> None:
        try:
            step()
        except Exception as e:  # noqa: BLE001 - a broken step ends the run with its reason, not a hang
            say(event="failed", actions=d.actions, error=f"{type(e).__name__}: {e}")
            qapp.exit(4)

    def step() -> None:
        wait = state["wait"]
        assert callable(wait)
        if wait():
            try:
                state["wait"] = next(steps)
                state["deadline"] = time.monotonic() + TIMEOUT
            except StopIteration:
                finish()
                return
        elif time.monotonic() > float(state["deadline"]):  # type: ignore[arg-type]
            d.shot("failed")
            say(
                event="failed",
                actions=d.actions,
                focus=type(QApplication.focusWidget()).__name__,
                status=app.window.statusBar().currentMessage(),
                problems=app.window.problems.text(),
            )
            qapp.exit(3)
            return
        QTimer.singleShot(20, tick)

    def finish() -> None:
        ref = app.incidents.current_ref
        say(
            event="done",
            scenario=scenario,
            actions=d.actions,
            count=len(d.actions),
            seconds=round(time.monotonic() - d.started, 2) if d.actions else 0.0,
            ref=ref,
            bundle=str(workspace.drop_folder() / f"{ref}.r1.zip.age"),
            identity=str(workspace.identity_file()),
            seen=d.seen,
            scale=os.environ.get("QT_SCALE_FACTOR", "1"),
        )
        qapp.exit(0)

    QTimer.singleShot(50, tick)
    code = qapp.exec()
    app.quit()
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
