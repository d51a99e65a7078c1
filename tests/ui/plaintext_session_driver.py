"""A full staff session in the real StaffApp, offscreen, for tests/evidence/test_plaintext_at_rest.py.

Usage: ``plaintext_session_driver.py DATA_DIR PNG JPEG PERSONAL_JSON``. The caller sets HOME, TMPDIR and the
XDG_* variables to fresh folders before Qt starts, so that everything Qt or the app might write lands where the
test can scan it. The session: create an identity, start the app, type personal details into the form and save
them, receive a PNG and a JPEG (an accepting provenance dialog), unlock, view the items full size and as
thumbnails, caption one, exclude the other with a reason, lock, unlock, and seal (the confirmation patched to
Yes). It prints one JSON line: the reference, the bundle path, the writable QStandardPaths locations, and every
path Python code wrote, moved, removed or opened as a database during the session (seen by an audit hook), so
that a temporary file deleted again before the scan is still caught.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QMessageBox

from app.gui import StaffApp
from app.paths import Paths
from app.workspace import Workspace
from evidence.case.incident import Category, IncidentDetails, PerpetratorType, ReportType, TargetRole
from evidence.crypto.keys import Role

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


class Accepting(QDialog):
    """The provenance dialog, answered."""

    def __init__(self, provided_by: str) -> None:
        super().__init__()
        self.provided_by, self.how = QLineEdit(provided_by), QLineEdit("shown on their phone, then e-mailed")

    def exec(self) -> int:
        return QDialog.DialogCode.Accepted


def main() -> int:
    data, png, jpeg = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    personal = json.loads(sys.argv[4])
    sys.addaudithook(_audit)
    qapp = QApplication(sys.argv[:1])
    qapp.setApplicationName("Evidence Capture")  # as app.gui.run names it, so the app's own locations are used
    qapp.setOrganizationName("Evidence Capture")
    ws = Workspace(Paths(data))
    me = ws.create_identity("Jane Smith", "j.smith@school.example", Role.STAFF, "a long test passphrase",
                            data / "jane.identity.age")  # fmt: skip
    app = StaffApp(ws)
    errors: list[str] = []
    app._error = lambda title, message: errors.append(f"{title}: {message}")  # type: ignore[method-assign]
    app.window.show()

    ref = app.new_incident()
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
    assert app.save_details()
    app.receive([png], Accepting(personal["provided_by"]))
    app.receive([jpeg], Accepting(personal["provided_by"]))
    app.session.accept_identity(me)
    app.open_incident(ref)
    app.load_thumbnails()
    for seq in (1, 2):
        app.open_item(seq)
        qapp.processEvents()
    app.caption_item(1, personal["caption"])
    app.exclude_item(2, personal["reason"])
    app.session.lock()
    qapp.processEvents()
    app.session.accept_identity(me)
    app.open_incident(ref)

    sealed: list[str] = []
    QMessageBox.question = lambda *a, **k: QMessageBox.StandardButton.Yes  # type: ignore[method-assign]
    QMessageBox.information = lambda *a, **k: sealed.append(a[2])  # type: ignore[method-assign]
    app.seal()
    deadline = time.monotonic() + 60
    while not sealed and not errors and time.monotonic() < deadline:
        qapp.processEvents()
        time.sleep(0.01)
    app.quit()
    qapp.processEvents()
    locations = {name: QStandardPaths.writableLocation(loc) for name, loc in LOCATIONS.items()}
    bundle = ws.drop_folder() / f"{ref}.zip.age"
    report = {"ref": ref, "bundle": str(bundle), "sealed": sealed, "errors": errors, "locations": locations}
    print(json.dumps({**report, "written": sorted(set(WRITTEN))}))
    return 0 if sealed and not errors and bundle.exists() else 1


if __name__ == "__main__":
    sys.exit(main())
