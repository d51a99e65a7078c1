"""Make the user guides' screenshots from the real app on a virtual X server.

    python docs/make_screenshots.py            # writes docs/img/*.png

The parent starts Xvfb and shows a fake chat window (the "abuse on screen"); a child process runs the real app on
that display, drives it through the staff journey and saves what a user would see. Nothing here is mocked: the
captures are real mss grabs, encrypted into a real vault in a temporary folder, and sealed into a real bundle.
"""

from __future__ import annotations

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
    from wm import openbox
    from xserver import XServer

    OUT.mkdir(parents=True, exist_ok=True)
    with XServer(1366, 768) as x, tempfile.TemporaryDirectory(prefix="evidence-demo-") as tmp:
        x.show(chat_image(), 700, 200, title="Instagram — Direct messages")  # before the window manager
        with openbox(x):
            env = {**x.env(), "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT), "EVIDENCE_CAPTURE_TESTING": "1"}
            subprocess.run([sys.executable, __file__, "--child", tmp], env=env, check=True, timeout=300)
    print(f"screenshots in {OUT}")


def child(tmp: str) -> None:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

    from app import gui
    from app.paths import Paths
    from app.staff import StaffApp
    from app.workspace import Workspace
    from evidence import bundle
    from evidence.bundle import share
    from evidence.capture.redact import BoxReason
    from evidence.case.incident import Category, PerpetratorType, TargetRole
    from evidence.crypto.keys import Role
    from ui.dialogs import QtSafeguardingDialog
    from ui.first_run import QtFirstRunWizard
    from ui.unlock_dialog import QtUnlockDialog

    qapp = QApplication([sys.argv[0]])

    def shot(widget: QWidget, name: str) -> None:
        qapp.processEvents()
        widget.grab().save(str(OUT / f"{name}.png"))

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

    # straight after the wizard, as the app does: one window, unlocked, the inbox a page of it
    ws = Workspace(Paths(Path(tmp) / "data"))
    me = gui.create_from_wizard(ws, "Jane Smith", "j.smith@school.example", Role.STAFF, PASS, None, "Oakfield")
    app = StaffApp(ws)
    app.session.accept_identity(me)
    reviewer = gui.add_inbox(app, ws)
    app.window.resize(1240, 720)
    app.window.move(10, 10)
    app.window.show()
    form = app.form
    steps: list = []

    def later(fn) -> None:  # type: ignore[no-untyped-def]
        steps.append(fn)

    def run_next() -> None:
        if steps:
            steps.pop(0)()
            QTimer.singleShot(700, run_next)
        else:
            qapp.quit()

    def wait_for(ready) -> None:  # type: ignore[no-untyped-def]
        """Run the next step only once ``ready()``: the step looks again at the next tick."""

        def check() -> None:
            if not ready():
                steps.insert(0, check)

        later(check)

    later(lambda: shot(app.window, "staff-04-empty"))
    later(lambda: app.capturing.capture("full"))
    wait_for(lambda: not app.capturing.capturing and app.vault.list_incidents())

    def quick_report() -> None:
        form.description_edit.setPlainText("Threatening messages to a Year 9 pupil from an account nobody knows.")
        form.occurred_edit.set_value("2026-11-24T18:31:00+00:00")
        form.target_name_edit.setText("A Year 9 pupil")
        form.target_role_combo.setCurrentIndex(form.target_role_combo.findData(TargetRole.PUPIL.value))
        form.perpetrator_type_combo.setCurrentIndex(form.perpetrator_type_combo.findData(PerpetratorType.UNKNOWN.value))
        app.incidents.save_details()
        app.window.tabs.setCurrentIndex(0)

    later(quick_report)
    later(lambda: shot(app.window, "staff-05-quick-report"))

    def more_details() -> None:
        form.category_boxes[Category.THREATENING].setChecked(True)
        form.perpetrator_handle_edit.setText("@anon_4417")
        form.not_responded_box.setChecked(True)
        app.incidents.save_details()
        form.scroll_area.ensureWidgetVisible(form.police_banner)

    later(more_details)
    later(lambda: shot(app.window, "staff-06-details"))

    def evidence_tab() -> None:
        form.scroll_area.verticalScrollBar().setValue(0)
        app.window.tabs.setCurrentIndex(1)
        app.incidents.load_thumbnails()

    later(evidence_tab)
    later(lambda: shot(app.window, "staff-07-evidence"))

    def seal() -> None:
        app.window.tabs.setCurrentIndex(0)
        app.sealing.seal()
        box = app.sealing.confirm_box
        assert box is not None, app.window.problems.text()
        QTest.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)

    later(seal)
    wait_for(lambda: app.window.right_stack.currentWidget() is app.window.sealed_page)
    later(lambda: shot(app.window, "staff-09-sealed"))
    sealed_ref: dict[str, str] = {}

    # the red button on a draft that holds a capture
    def second_capture() -> None:
        sealed_ref["ref"] = app.incidents.current_ref or ""
        app.incidents.new_incident()
        app.capturing.capture("full")

    later(second_capture)
    wait_for(lambda: not app.capturing.capturing and len(app.vault.items(app.incidents.current_ref or "")) == 1)

    def red_button() -> None:
        app.window.capture_bar.safeguarding.trigger()
        dialog = app.incidents.safeguarding_dialog
        assert isinstance(dialog, QtSafeguardingDialog)
        QTimer.singleShot(300, lambda: (shot(dialog, "staff-08-safeguarding"), dialog.accept()))

    later(red_button)
    wait_for(lambda: form.safeguarding and app.incidents.safeguarding_dialog is None)

    def dsl_note() -> None:
        dsl = form.dsl_form
        dsl.note_edit.setPlainText("A pupil showed me an image of another pupil on her phone at break. I looked away.")
        dsl.who_edit.setText("Not known")
        dsl.when_edit.set_value("2026-11-25T10:40:00+00:00")
        dsl.device_edit.setText("A pupil's phone")
        app.incidents.save_details()

    later(dsl_note)
    later(lambda: shot(app.window, "staff-10-dsl-note"))

    def unlock_wrong() -> None:
        app.session.lock()
        app.lock.unlock(app.feedback)
        dialog = next(d for d in app.lock.dialogs() if isinstance(d, QtUnlockDialog))
        dialog.passphrase.setText("not my passphrase")
        dialog.ok.click()

    later(unlock_wrong)
    wait_for(lambda: any(isinstance(d, QtUnlockDialog) and d.error.text() != "Unlocking…" for d in app.lock.dialogs()))

    def unlock_shot() -> None:
        dialog = next(d for d in app.lock.dialogs() if isinstance(d, QtUnlockDialog))
        shot(dialog, "staff-11-unlock")
        dialog.passphrase.setText(PASS)
        dialog.ok.click()

    later(unlock_shot)
    wait_for(lambda: not app.session.locked)

    # the reviewer's side: in a standalone profile Jane is her own reviewer, and the inbox is a page of the window
    def open_inbox() -> None:
        app.window.pages.setCurrentIndex(1)
        reviewer.review.refresh()
        reviewer.review.open_bundle(ws.drop_folder() / f"{sealed_ref['ref']}.r1.zip.age")

    later(open_inbox)
    wait_for(lambda: reviewer.review.current is not None)
    later(lambda: shot(app.window, "reviewer-01-verified"))

    def custody_tab() -> None:
        reviewer.window.tabs.setCurrentIndex(2)

    later(custody_tab)
    later(lambda: shot(app.window, "reviewer-02-custody"))

    def action_dialog() -> None:
        from evidence.review.actions import ReviewAction

        reviewer.review.record_action()
        dialog = reviewer.review.action_dialog
        dialog.action_combo.setCurrentIndex(dialog.action_combo.findData(ReviewAction.POLICE_CONTACTED))
        dialog.field_edits["crime_reference"].setText("CR/123/26")
        dialog.why_edit.setPlainText("Threats of violence against a pupil: police contacted as §9.8 advises.")

        def take() -> None:
            shot(dialog, "reviewer-03-action")
            QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

        QTimer.singleShot(300, take)

    later(action_dialog)
    wait_for(lambda: reviewer.review.current is not None and len(reviewer.review.current.revisions) == 2)

    def actions_tab() -> None:
        reviewer.window.tabs.setCurrentIndex(3)

    later(actions_tab)
    later(lambda: shot(app.window, "reviewer-04-actions"))
    exported: dict[str, Path] = {}

    def export() -> None:
        from app.police import export_for_police

        done = export_for_police(
            reviewer.review.current_path,
            app.session.identity,
            reviewer.profile,
            Path(tmp) / "exports",
            officer_reference="PC 1234 Jones, CR/123/26",
        )
        exported["folder"] = done.result.folder

    later(export)

    def failed() -> None:
        bad = ws.drop_folder() / "EC-20261125-0DA3A6.zip.age"
        blob = bytearray((ws.drop_folder() / f"{sealed_ref['ref']}.r1.zip.age").read_bytes())
        blob[len(blob) // 2] ^= 1
        bad.write_bytes(bytes(blob))
        # sent as it is by the staff member (an origin signature over the damaged bytes), so the damage is what shows
        bad.with_name(bad.name + ".sig").write_bytes(bundle.origin_signature(bytes(blob), app.session.identity))
        reviewer.review.refresh()
        reviewer.review.open_bundle(bad)

    later(failed)
    wait_for(lambda: reviewer.banner.state == "failed")
    later(lambda: shot(app.window, "reviewer-05-failed"))

    # building the case: a second incident (a screenshot the pupil sent) from the same account, the text of both
    # read, the handle confirmed in both, the timeline, a search and the course-of-conduct pack
    second: dict[str, str] = {}

    def second_incident() -> None:
        from evidence.bundle.seal import seal_incident
        from evidence.capture.received import receive_file
        from evidence.case.incident import IncidentDetails

        details = IncidentDetails(
            title="More messages at the weekend",
            occurred="2026-11-28T20:12:00+00:00",
            platform="Instagram",
            categories=(Category.THREATENING,),
            target_name="A Year 9 pupil",
        )
        ref = app.vault.create_incident(details, actor=ws.actor, recipients=ws.recipients())
        sent = Path(tmp) / "sent-by-the-pupil.png"  # the same chat, as a screenshot the pupil sent in
        chat_image().save(sent)
        ws.store_received(ref, receive_file(sent, provided_by="The pupil", how="shown on her phone, sent by e-mail"))
        seal_incident(app.vault, ref, app.session.identity, ws.profile(), ws.drop_folder())
        second["ref"] = ref

    later(second_incident)

    def read_and_decide(ref, shot_name: str | None) -> None:  # type: ignore[no-untyped-def]
        """Queue: open the bundle of ``ref()``, read its text, confirm its handle (a shot before confirming)."""

        def open_it() -> None:
            reviewer.review.open_bundle(share.current_revision(ws.drop_folder(), ref()).path)

        later(open_it)
        wait_for(lambda: reviewer.review.current is not None and reviewer.review.current.ref == ref())

        def read() -> None:
            reviewer.window.tabs.setCurrentWidget(reviewer.proposals)
            reviewer.casework.read_text()

        later(read)
        wait_for(lambda: reviewer.review.current.revisions[-1].action == "text-read")

        def fill() -> None:
            view = reviewer.proposals
            view.tree.setCurrentItem(view.tree.topLevelItem(0))
            view.person.setText("A Year 10 pupil (named by the victim)")
            view.why.setText("The pupil recognised the account")

        later(fill)
        if shot_name:
            later(lambda: shot(app.window, shot_name))
        later(lambda: reviewer.proposals.confirm_button.click())
        wait_for(lambda: reviewer.review.current.revisions[-1].action == "identified")

    read_and_decide(lambda: sealed_ref["ref"], "reviewer-06-handles")
    read_and_decide(lambda: second["ref"], None)

    def timeline_tab() -> None:
        reviewer.window.tabs.setCurrentWidget(reviewer.timeline)
        reviewer.casework.build_timeline()

    later(timeline_tab)
    wait_for(lambda: reviewer.timeline.tree.topLevelItemCount() == 2)
    later(lambda: shot(app.window, "reviewer-07-timeline"))

    def search_tab() -> None:
        reviewer.window.tabs.setCurrentWidget(reviewer.search)
        reviewer.search.term.setText("watch out")
        reviewer.search.button.click()

    later(search_tab)
    wait_for(lambda: reviewer.search.tree.topLevelItemCount() > 0)
    later(lambda: shot(app.window, "reviewer-08-search"))

    def course_of_conduct() -> None:
        from app.police import export_course_of_conduct

        done = export_course_of_conduct(
            [share.current_revision(ws.drop_folder(), r).path for r in (sealed_ref["ref"], second["ref"])],
            app.session.identity,
            reviewer.profile,
            Path(tmp) / "exports",
            officer_reference="PC 1234 Jones, CR/123/26",
        )
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile",
             str(done.result.folder / "course-of-conduct.pdf"), str(OUT / "police-course-of-conduct")],
            check=True,
        )  # fmt: skip

    later(course_of_conduct)

    def report_pages() -> None:
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
                str(exported["folder"] / "report.pdf"),
                str(OUT / "police-report-page"),
            ],
            check=True,
        )

    later(report_pages)

    # data protection (issue 17): a redacted copy, a subject access pack, a legal hold, a disposal and its certificate
    def good() -> Path:
        from evidence.bundle import share

        current = share.current_revision(ws.drop_folder(), sealed_ref["ref"])  # each revision is its own file
        assert current is not None
        return current.path

    def reopen() -> None:
        reviewer.review.open_bundle(good())

    later(reopen)
    wait_for(lambda: reviewer.review.current is not None and reviewer.review.current_path == good())

    def redact_tool() -> None:
        reviewer.open_item(1)
        reviewer.viewer.hide()
        reviewer.redacting.open(1)
        tool = reviewer.redacting.tool
        assert tool is not None
        top = 200 + 24  # the chat window's top, below its title bar
        for n in range(4):
            tool.add_box(700 + 12, top + 56 + 80 * n, 40, 40, BoxReason.THIRD_PARTY_FACE)
            tool.add_box(700 + 54, top + 54 + 80 * n, 96, 20, BoxReason.THIRD_PARTY_CONTACT)
        tool.why_edit.setText("Subject access request from the pupil's parent")
        QTimer.singleShot(300, lambda: (shot(tool, "dp-01-redact"), tool.make_button.click()))

    later(redact_tool)
    wait_for(lambda: reviewer.review.current is not None and bool(reviewer.review.current.redacted))

    def sar_dialog() -> None:
        reviewer.subject_access.open()
        dialog = reviewer.subject_access.dialog
        assert dialog is not None
        dialog.subject_combo.setCurrentText("A Year 9 pupil")
        dialog.folder_edit.setText("~/Documents/Evidence Capture exports")  # as a user sees it; no machine path

        def take() -> None:
            shot(dialog, "dp-02-subject-access")
            dialog.folder_edit.setText(str(Path(tmp) / "subject-access"))
            dialog.accept()

        QTimer.singleShot(300, take)

    later(sar_dialog)
    wait_for(lambda: reviewer.subject_access.last_pack is not None)

    def sar_pages() -> None:
        for box in app.window.findChildren(QMessageBox):
            box.close()
        pack = reviewer.subject_access.last_pack
        assert pack is not None
        pdf = str(pack / "subject-access.pdf")
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", pdf, str(OUT / "dp-03-sar-page")], check=True
        )

    later(sar_pages)

    def retention_hold() -> None:
        reviewer.retention.open_view()

    later(retention_hold)
    wait_for(lambda: reviewer.retention.view is not None and reviewer.retention.view.tree.topLevelItemCount() > 0)

    def set_hold() -> None:
        view = reviewer.retention.view
        assert view is not None
        view.resize(1000, 640)
        view.reason.setText("police investigation, reference CR/123/26")
        view.hold_button.click()

    later(set_hold)

    def held() -> bool | None:
        """Whether the case shown in the retention view is on hold (None while nothing is shown)."""
        view = reviewer.retention.view
        row = view.current() if view is not None else None
        return None if row is None else row.on_hold

    wait_for(lambda: held() is True)
    later(lambda: shot(reviewer.retention.view, "dp-04-retention-hold"))

    def release_and_dispose() -> None:
        view = reviewer.retention.view
        assert view is not None
        view.reason.setText("police: no further action; the parent asked for erasure")
        view.release_button.click()

    later(release_and_dispose)
    wait_for(lambda: held() is False)

    def dispose() -> None:
        view = reviewer.retention.view
        assert view is not None
        view.reason.setText("erasure request granted by the DPO")
        view.code.setCurrentIndex(view.code.findData("erasure-request"))
        view.dispose_button.click()

    later(dispose)
    wait_for(lambda: reviewer.retention.certificate_dialog is not None)

    def certificate() -> None:
        dialog = reviewer.retention.certificate_dialog
        assert dialog is not None
        dialog.resize(900, 640)
        shot(dialog, "dp-05-certificate")
        pdf = Path(tmp) / "certificate.pdf"
        reviewer.retention.save_certificate_pdf(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(pdf), str(OUT / "dp-06-certificate-page")],
            check=True,
        )

    later(certificate)
    QTimer.singleShot(800, run_next)
    qapp.exec()
    app.quit()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        parent()
