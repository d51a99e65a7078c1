"""Make the user guides' screenshots from the real app on a virtual X server.

    python docs/make_screenshots.py            # writes docs/img/*.png

The parent starts Xvfb and shows a fake chat window (the "abuse on screen"); a child process runs the real app on
that display, drives it through the staff journey and saves what a user would see. Nothing here is mocked: the
captures are real mss grabs, encrypted into a real vault in a temporary folder, and sealed into a real bundle.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
PASS = "purple elephants dance at noon"  # noqa: S105 (a demo passphrase for screenshots)


def chat_image():  # type: ignore[no-untyped-def]
    """A made-up social media chat with hostile messages (no real people)."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (560, 420), (245, 246, 248))
    d = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=16)
    small = ImageFont.load_default(size=12)
    d.rectangle((0, 0, 560, 44), fill=(64, 93, 230))
    d.text((16, 12), "Instagram — Direct messages", font=font, fill="white")
    y = 60
    for who, text in [
        ("@anon_4417", "everyone at school thinks you're pathetic"),
        ("@anon_4417", "delete your account or we'll make you"),
        ("@anon_4417", "see you at the bus stop tomorrow. watch out"),
        ("@anon_4417", "nobody would care if you disappeared"),
    ]:
        d.ellipse((16, y, 48, y + 32), fill=(180, 120, 200))
        d.text((58, y - 2), who, font=small, fill=(90, 90, 90))
        d.rounded_rectangle((56, y + 14, 56 + 9 * len(text) + 16, y + 44), 10, fill="white", outline=(220, 220, 220))
        d.text((64, y + 20), text, font=font, fill=(20, 20, 20))
        y += 80
    d.text((16, 396), "Tue 24 Nov 2026, 18:31", font=small, fill=(120, 120, 120))
    return img


def parent() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from xserver import XServer

    OUT.mkdir(parents=True, exist_ok=True)
    with XServer(1280, 800) as x, tempfile.TemporaryDirectory(prefix="evidence-demo-") as tmp:
        x.show(chat_image(), 640, 240, title="Instagram")
        env = {**x.env(), "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT), "EVIDENCE_CAPTURE_TESTING": "1"}
        subprocess.run([sys.executable, __file__, "--child", tmp], env=env, check=True, timeout=300)
    print(f"screenshots in {OUT}")


def child(tmp: str) -> None:
    import mss
    import mss.tools
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

    from app.gui import create_from_wizard
    from app.paths import Paths
    from app.staff import StaffApp
    from app.workspace import Workspace
    from evidence import bundle
    from evidence.case.incident import Category, IncidentDetails, PerpetratorType, ReportType, TargetRole
    from evidence.crypto.keys import Role, unlock_identity_file
    from ui.dialogs import QtSafeguardingDialog
    from ui.first_run import QtFirstRunWizard

    qapp = QApplication([sys.argv[0]])

    def shot(widget: QWidget, name: str) -> None:
        qapp.processEvents()
        widget.grab().save(str(OUT / f"{name}.png"))

    def screen(name: str) -> None:
        qapp.processEvents()
        with mss.MSS() as sct:
            g = sct.grab(sct.monitors[0])
            mss.tools.to_png(g.rgb, g.size, output=str(OUT / f"{name}.png"))

    # first run
    wizard = QtFirstRunWizard()
    wizard.show()
    shot(wizard, "staff-01-welcome")
    wizard.next()
    page = wizard.identity_page
    page.name.setText("Jane Smith")
    page.principal.setText("j.smith@school.example")
    page.passphrase.setText(PASS)
    page.repeat.setText(PASS)
    shot(wizard, "staff-02-identity")
    wizard.next()
    shot(wizard, "staff-03-profile")
    wizard.close()

    ws = Workspace(Paths(Path(tmp) / "data"))
    create_from_wizard(ws, "Jane Smith", "j.smith@school.example", Role.STAFF, PASS, None, "Oakfield Academy")
    app = StaffApp(ws)
    app.window.resize(1200, 760)
    app.window.move(20, 20)
    app.window.show()
    steps: list = []

    def later(fn) -> None:  # type: ignore[no-untyped-def]
        steps.append(fn)

    def run_next() -> None:
        if steps:
            steps.pop(0)()
            QTimer.singleShot(900, run_next)
        else:
            qapp.quit()

    later(lambda: shot(app.window, "staff-04-empty"))
    later(lambda: app.capturing.capture("full"))
    later(lambda: None)
    later(lambda: shot(app.window, "staff-05-captured-locked"))

    def fill() -> None:
        identity = unlock_identity_file(ws.identity_file(), PASS)  # type: ignore[arg-type]
        app.session.accept_identity(identity)
        app.form.set_details(
            IncidentDetails(
                title="Threats to a Year 9 pupil on Instagram",
                report_type=ReportType.CYBER_BULLYING,
                occurred="2026-11-24T18:31:00+00:00",
                platform="Instagram",
                categories=(Category.THREATENING, Category.ABUSIVE),
                target_name="A Year 9 pupil",
                target_role=TargetRole.PUPIL,
                perpetrator_type=PerpetratorType.UNKNOWN,
                perpetrator_handle="@anon_4417",
                description="The pupil showed me these messages at break. They arrived last night.",
                not_responded=True,
                reported_to="Mrs Patel (DSL)",
            )
        )
        app.incidents.save_details()
        app.window.tabs.setCurrentIndex(0)

    later(fill)
    later(lambda: shot(app.window, "staff-06-details"))

    def evidence_tab() -> None:
        app.window.tabs.setCurrentIndex(1)
        app.incidents.load_thumbnails()

    later(evidence_tab)
    later(lambda: shot(app.window, "staff-07-evidence"))

    def safeguarding() -> None:
        dialog = QtSafeguardingDialog(app.window)
        dialog.note.setPlainText("A pupil showed me an image on her phone at 10:40. I did not look further.")
        dialog.show()
        QTimer.singleShot(300, lambda: (shot(dialog, "staff-08-safeguarding"), dialog.close()))

    later(safeguarding)

    def seal() -> None:
        app.sealing.seal()
        box = app.sealing.confirm_box
        assert box is not None, app.window.problems.text()
        QTest.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)

    def sealed_box() -> None:
        shown = [b for b in app.window.findChildren(QMessageBox, "info_box") if b.isVisible()]
        if not shown:  # still sealing: look again at the next step
            steps.insert(0, sealed_box)
            return
        shot(shown[0], "staff-09-sealed")
        shown[0].close()

    later(seal)
    later(lambda: None)
    later(sealed_box)
    later(lambda: shot(app.window, "staff-10-after-seal"))

    # the reviewer's side (in a standalone profile Jane is her own reviewer)
    reviewer_box: dict[str, object] = {}

    def open_reviewer() -> None:
        from app.reviewer import ReviewerApp

        reviewer = ReviewerApp(ws, app.lock)
        reviewer_box["app"] = reviewer
        reviewer.window.resize(1240, 780)
        reviewer.window.move(10, 10)
        reviewer.window.show()
        reviewer.review.open_bundle(ws.drop_folder() / f"{app.incidents.current_ref}.zip.age")

    def reviewer_app():  # type: ignore[no-untyped-def]
        return reviewer_box["app"]

    later(open_reviewer)
    later(lambda: None)
    later(lambda: shot(reviewer_app().window, "reviewer-01-verified"))

    def custody_tab() -> None:
        reviewer_app().window.tabs.setCurrentIndex(2)

    later(custody_tab)
    later(lambda: shot(reviewer_app().window, "reviewer-02-custody"))

    def action_dialog() -> None:
        from evidence.review.actions import ReviewAction

        r = reviewer_app()
        r.review.record_action()
        dialog = r.review.action_dialog
        dialog.action_combo.setCurrentIndex(dialog.action_combo.findData(ReviewAction.POLICE_CONTACTED))
        dialog.field_edits["crime_reference"].setText("CR/123/26")
        dialog.why_edit.setPlainText("Threats of violence against a pupil: police contacted as §9.8 advises.")

        def take() -> None:
            shot(dialog, "reviewer-03-action")
            QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

        QTimer.singleShot(300, take)

    later(action_dialog)
    later(lambda: None)
    later(lambda: None)

    def actions_tab() -> None:
        reviewer_app().window.tabs.setCurrentIndex(3)

    later(actions_tab)
    later(lambda: shot(reviewer_app().window, "reviewer-04-actions"))

    def export() -> None:
        from app.police import export_for_police

        r = reviewer_app()
        done = export_for_police(
            r.review.current_path,
            app.session.identity,
            r.profile,
            Path(tmp) / "exports",
            officer_reference="PC 1234 Jones, CR/123/26",
        )
        reviewer_box["export"] = done.result.folder

    later(export)

    def failed() -> None:
        r = reviewer_app()
        bad = Path(tmp) / "damaged" / f"{app.incidents.current_ref}.zip.age"
        bad.parent.mkdir()
        blob = bytearray((ws.drop_folder() / bad.name).read_bytes())
        blob[len(blob) // 2] ^= 1
        bad.write_bytes(bytes(blob))
        # sent as it is by the staff member (an origin signature over the damaged bytes), so the damage is what shows
        bad.with_name(bad.name + ".sig").write_bytes(bundle.origin_signature(bytes(blob), app.session.identity))
        r.review.open_bundle(bad)

    later(failed)
    later(lambda: None)
    later(lambda: shot(reviewer_app().window, "reviewer-05-failed"))

    def report_pages() -> None:
        folder = reviewer_box["export"]
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "70",
                "-f",
                "1",
                "-l",
                "2",
                str(Path(str(folder)) / "report.pdf"),
                str(OUT / "police-report-page"),
            ],
            check=True,
        )

    later(report_pages)
    _ = (screen, os)
    QTimer.singleShot(800, run_next)
    qapp.exec()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        parent()
