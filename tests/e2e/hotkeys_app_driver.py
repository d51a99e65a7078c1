"""Runs the real staff app on a real X server with its global hotkeys registered, and reports JSON lines on stdout.

Usage: ``hotkeys_app_driver.py DATA_DIR PASSPHRASE``. It creates the identity if the data folder has none, opens
the staff window, registers the hotkeys (``StaffApp.start_hotkeys``, as the app does at start-up) and prints
``{"event": "ready", "refusals": [...], "errors": [...], "window": XID}``. From then on it prints
``{"event": "items", "items": [...], "incidents": N}`` whenever the vault's items change, and
``{"event": "overlay"}`` when a region overlay is up. It quits when its standard input closes. The test drives it
only through the X server (xdotool), as a user would, with another program in front.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.gui import create_from_wizard
from app.paths import Paths
from app.staff import StaffApp
from app.workspace import Workspace
from evidence.crypto.keys import Role


def say(**event: object) -> None:
    print(json.dumps(event), flush=True)


def main() -> int:
    data, passphrase = Path(sys.argv[1]), sys.argv[2]
    qapp = QApplication(sys.argv[:1])
    ws = Workspace(Paths(data))
    if not ws.has_identity():
        create_from_wizard(ws, "Jane Smith", "j.smith@school.example", Role.STAFF, passphrase, None, "Oakfield")
    app = StaffApp(ws)
    app.window.resize(900, 600)
    app.window.show()
    app.start_hotkeys()
    errors = [b.text() for b in app.window.findChildren(QMessageBox, "error_box") if b.isVisible()]
    for box in app.window.findChildren(QMessageBox, "error_box"):
        box.close()  # read; out of the way, as a user would close it
    say(
        event="ready",
        refusals=[{"action": r.action.value, "hotkey": str(r.hotkey), "held": r.held} for r in app.hotkeys.refusals],
        errors=errors,
        unavailable=app.hotkeys.unavailable,
        window=int(app.window.winId()),
    )
    last: dict[str, object] = {}
    overlay_said = {"up": False}

    def poll() -> None:
        rows = [(r.ref, i) for r in app.vault.list_incidents() for i in app.vault.items(r.ref)]
        items = [
            {"ref": ref, "seq": i.seq, "kind": i.kind.value, "parent": i.parent_seq, "w": i.width, "h": i.height}
            for ref, i in rows
        ]
        state = {"items": items, "incidents": len(app.vault.list_incidents())}
        if state != last and not app.capturing.capturing:
            last.clear()
            last.update(state)
            say(event="items", **state)
        up = app.capturing.overlay is not None and app.capturing.overlay.isVisible()
        if up and not overlay_said["up"]:
            say(event="overlay")
        overlay_said["up"] = up

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(50)
    stdin = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)

    def stdin_readable() -> None:
        if not sys.stdin.buffer.read1(4096):  # closed: the test is done
            qapp.quit()

    stdin.activated.connect(stdin_readable)
    code = qapp.exec()
    app.quit()
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
