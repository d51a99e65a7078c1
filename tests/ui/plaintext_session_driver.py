"""A full staff session in the real StaffApp, offscreen, for tests/evidence/test_plaintext_at_rest.py.

Usage: ``plaintext_session_driver.py DATA_DIR PNG JPEG PERSONAL_JSON``. The caller sets HOME, TMPDIR and the
XDG_* variables to fresh folders before Qt starts, so that everything Qt or the app might write lands where the
test can scan it. The session: create an identity, start the app, type personal details into the form and save
them, receive a PNG and a JPEG (through the real provenance dialog), unlock, view the items full size and as
thumbnails, caption one, exclude the other with a reason, lock, unlock, and seal (answering the real
confirmation). It prints one JSON line: the reference, the bundle path, the writable QStandardPaths locations, and every
path Python code wrote, moved, removed or opened as a database during the session (seen by an audit hook), so
that a temporary file deleted again before the scan is still caught.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from app import appinfo
from app.paths import Paths
from app.staff import StaffApp
from app.workspace import Workspace
from evidence.case.incident import Category, IncidentDetails, PerpetratorType, ReportType, TargetRole
from evidence.crypto.keys import Role
from ui.dialogs import QtReceiveDialog

LOCATIONS = {
    "CacheLocation": QStandardPaths.StandardLocation.CacheLocation,
    "GenericCacheLocation": QStandardPaths.StandardLocation.GenericCacheLocation,
    "AppDataLocation": QStandardPaths.StandardLocation.AppDataLocation,
    "AppLocalDataLocation": QStandardPaths.StandardLocation.AppLocalDataLocation,
    "AppConfigLocation": QStandardPaths.StandardLocation.AppConfigLocation,
    "ConfigLocation": QStandardPaths.StandardLocation.ConfigLocation,
    "GenericDataLocation": QStandardPaths.StandardLocation.GenericDataLocation,
    "TempLocation": QStandardPaths.StandardLocation.TempLocation,
    "RuntimeLocation": QStandardPaths.StandardLocation.RuntimeLocation,
}


WRITTEN: list[str] = []
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _audit(event: str, args: tuple[object, ...]) -> None:
    """Record every path Python code opens for writing, creates, moves or removes, and every database it opens."""
    if event == "open":
        path, mode, flags = args
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS
        )
        if writes and isinstance(path, str | bytes | os.PathLike):
            WRITTEN.append(os.fsdecode(path))
    elif event in ("os.rename", "os.mkdir", "os.remove", "os.symlink", "os.link", "sqlite3.connect"):
        if args and isinstance(args[0], str | bytes | os.PathLike):
            WRITTEN.append(os.fsdecode(args[0]))
        if event == "os.rename" and isinstance(args[1], str | bytes | os.PathLike):
            WRITTEN.append(os.fsdecode(args[1]))


def receive(app: StaffApp, path: Path, provided_by: str) -> None:
    """Import ``path``, answering the real provenance dialog."""
    app.capturing.ask_provenance([path])
    dialog = next(d for d in app.lock.dialogs() if isinstance(d, QtReceiveDialog))
    QTest.keyClicks(dialog.provided_by, provided_by)
    QTest.keyClicks(dialog.how, "shown on their phone, then e-mailed")
    QTest.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)


def main() -> int:
    data, png, jpeg = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    personal = json.loads(sys.argv[4])
    sys.addaudithook(_audit)
    qapp = QApplication(sys.argv[:1])
    appinfo.apply(qapp)  # as app.gui.run names it, so the app's own locations are used
    ws = Workspace(Paths(data))
    me = ws.create_identity("Jane Smith", "j.smith@school.example", Role.STAFF, "a long test passphrase",
                            data / "jane.identity.age")  # fmt: skip
    app = StaffApp(ws)
    errors: list[str] = []
    show_error = app.feedback.error

    def error(title: str, message: str) -> QMessageBox:
        errors.append(f"{title}: {message}")
        return show_error(title, message)

    app.feedback.error = error  # type: ignore[method-assign]
    app.window.show()

    incidents = app.incidents
    ref = incidents.new_incident()
    app.form.set_details(
        IncidentDetails(
            title=personal["title"],
            report_type=ReportType.CYBER_BULLYING,
            occurred="2026-11-24T18:30:00+00:00",
            platform="Instagram",
            categories=(Category.THREATENING,),
            target_name=personal["target"],
            target_role=TargetRole.PUPIL,
            perpetrator_type=PerpetratorType.UNKNOWN,
            perpetrator_handle=personal["handle"],
            description=personal["description"],
            not_responded=True,
            reported_to=personal["reported_to"],
        )
    )
    assert incidents.save_details()
    receive(app, png, personal["provided_by"])
    receive(app, jpeg, personal["provided_by"])
    app.session.accept_identity(me)
    incidents.open_incident(ref)
    incidents.load_thumbnails()
    for seq in (1, 2):
        incidents.open_item(seq)
        qapp.processEvents()
    incidents.caption_item(1, personal["caption"])
    incidents.exclude_item(2, personal["reason"])
    app.session.lock()
    qapp.processEvents()
    app.session.accept_identity(me)
    incidents.open_incident(ref)

    sealed: list[str] = []
    app.sealing.seal()
    box = app.sealing.confirm_box
    assert box is not None, app.window.problems.text()
    QTest.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    deadline = time.monotonic() + 60
    while not sealed and not errors and time.monotonic() < deadline:
        qapp.processEvents()
        if app.window.right_stack.currentWidget() is app.window.sealed_page:  # the calm confirmation (issue 11)
            sealed = [app.window.sealed_page.text_label.text()]
        time.sleep(0.01)
    app.quit()
    qapp.processEvents()
    locations = {name: QStandardPaths.writableLocation(loc) for name, loc in LOCATIONS.items()}
    bundle = ws.drop_folder() / f"{ref}.r1.zip.age"
    report = {"ref": ref, "bundle": str(bundle), "sealed": sealed, "errors": errors, "locations": locations}
    print(json.dumps({**report, "written": sorted(set(WRITTEN))}))
    return 0 if sealed and not errors and bundle.exists() else 1


if __name__ == "__main__":
    sys.exit(main())
