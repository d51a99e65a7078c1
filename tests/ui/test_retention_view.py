"""Issue 17 in the reviewer's window: the retention view, a hold that blocks disposal, disposal with a certificate
(text and PDF), and the legal hold offered after "police contacted"."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from bundles import ISSUED_AT, dsl, make_sealed, unsigned_profile
from helpers import school_root
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from app.lock import LockCoordinator
from app.paths import Paths
from app.reviewer import ReviewerApp
from app.workspace import Workspace
from evidence import bundle
from evidence.bundle import share
from evidence.capture.redact import BoxReason
from evidence.case.incident import IncidentDetails, TargetRole
from evidence.case.profile import Profile
from evidence.case.retention import DEFAULT_POLICY
from evidence.crypto.keys import write_identity_file
from evidence.review import disposal
from evidence.review.actions import ReviewAction, reviews


@pytest.fixture
def reviewer(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    return make_reviewer(qtbot, tmp_path)


def make_reviewer(qtbot, tmp_path: Path, details: IncidentDetails | None = None):  # type: ignore[no-untyped-def]
    base = unsigned_profile()
    profile = Profile(
        school=base.school,
        reviewers=base.reviewers,
        staff=base.staff,
        drop_folder=str(tmp_path / "staff" / "drop"),
        retention=DEFAULT_POLICY,
    ).sign(school_root(), version=1, issued_utc=ISSUED_AT)
    sealed = make_sealed(tmp_path / "staff", items=2, profile=profile, details=details)
    data = tmp_path / "dsl-data"
    data.mkdir()
    ident = tmp_path / "dsl.identity.age"
    write_identity_file(dsl(), ident, "a long test passphrase")
    (data / "identity.card").write_text(dsl().card.to_text())
    (data / "identity.path").write_text(str(ident) + "\n")
    ws = Workspace(Paths(data))
    ws.install_signed(profile, school_root().card.fingerprint, source="test")
    lock = LockCoordinator(ws)
    app = ReviewerApp(ws, lock)
    qtbot.addWidget(app.window)
    lock.session.accept_identity(dsl())
    return app, sealed


def errors(app: ReviewerApp) -> list[QMessageBox]:
    return [b for b in app.window.findChildren(QMessageBox, "error_box") if b.isVisible()]


def open_view(qtbot, app: ReviewerApp):  # type: ignore[no-untyped-def]
    app.retention.open_view()
    view = app.retention.view
    assert view is not None
    qtbot.waitUntil(lambda: view.tree.topLevelItemCount() == 1, timeout=20000)
    return view


def test_a_hold_blocks_disposal_from_the_gui(reviewer, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    view = open_view(qtbot, app)
    assert view.current().ref == sealed.ref
    assert view.current().status == "Not due"
    assert not view.dispose_button.isEnabled()  # no reason typed yet
    qtbot.keyClicks(view.reason, "police investigation, reference 12/3456/26")
    qtbot.mouseClick(view.hold_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.current() is not None and view.current().on_hold, timeout=20000)
    assert view.current().holds == "r2"
    assert "Held on" in view.why.toPlainText()
    assert not view.dispose_button.isEnabled()
    # the flow refuses too (as if the button were pressed anyway), with the early reason code
    app.retention.dispose(sealed.ref, "erasure-request", "pupil left")
    qtbot.waitUntil(lambda: bool(errors(app)), timeout=5000)
    assert "legal hold" in errors(app)[0].text()
    assert sealed.result.path.exists()
    assert not disposal.register_folder(sealed.result.path.parent).exists()

    view.reason.setText("police: no further action")
    qtbot.mouseClick(view.release_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.current() is not None and not view.current().on_hold, timeout=20000)
    view.reason.setText("subject asked for erasure")
    view.code.setCurrentIndex(view.code.findData("erasure-request"))
    assert view.dispose_button.isEnabled()
    qtbot.mouseClick(view.dispose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.retention.certificate_dialog is not None, timeout=20000)
    text = app.retention.certificate_dialog.text.toPlainText()
    assert text.startswith("Certificate of disposal")
    assert sealed.ref in text
    assert not sealed.result.path.exists()
    qtbot.waitUntil(lambda: view.tree.topLevelItemCount() == 0, timeout=20000)
    pdf = tmp_path / "certificate.pdf"
    app.retention.save_certificate_pdf(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60)
        shown = unicodedata.normalize("NFKC", out.stdout)  # "fi" may come out as a ligature
        assert "Certificate of disposal" in shown
        assert sealed.ref in shown


def test_police_contacted_offers_a_legal_hold(reviewer, qtbot) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    app.review.open_bundle(sealed.result.path)
    qtbot.waitUntil(lambda: app.review.current is not None, timeout=20000)
    qtbot.mouseClick(app.window.record_button, Qt.MouseButton.LeftButton)
    dialog = app.review.action_dialog
    assert dialog is not None
    dialog.action_combo.setCurrentIndex(dialog.action_combo.findData(ReviewAction.POLICE_CONTACTED))
    assert dialog.action_combo.findData(ReviewAction.LEGAL_HOLD) == -1  # its own flow, not the generic form
    qtbot.keyClicks(dialog.field_edits["crime_reference"], "CR/7/26")
    qtbot.keyClicks(dialog.why_edit, "Threats of violence")
    dialog.accept()
    qtbot.waitUntil(lambda: app.retention.hold_offer is not None, timeout=20000)
    offer = app.retention.hold_offer
    assert offer.reason.text() == "police investigation, reference CR/7/26"
    offer.accept()
    qtbot.waitUntil(lambda: app.review.current is not None and len(app.review.current.revisions) == 3, timeout=20000)
    assert [r.action for r in reviews(app.review.current)] == [ReviewAction.POLICE_CONTACTED, ReviewAction.LEGAL_HOLD]
    current = share.current_revision(sealed.result.path.parent, sealed.ref)  # issue 15: each revision its own file
    assert current is not None
    assert current.path.name == f"{sealed.ref}.r3.zip.age"
    v = bundle.open_bundle(current.path.read_bytes(), [dsl().age_secret], app.profile)
    assert len(v.revisions) == 3


def test_the_viewer_makes_a_redacted_copy(reviewer, qtbot) -> None:  # type: ignore[no-untyped-def]
    app, sealed = reviewer
    app.review.open_bundle(sealed.result.path)
    qtbot.waitUntil(lambda: app.review.current is not None, timeout=20000)
    app.open_item(1)
    assert app.viewer.redact_button.isVisible()
    qtbot.mouseClick(app.viewer.redact_button, Qt.MouseButton.LeftButton)
    tool = app.redacting.tool
    assert tool is not None
    assert not tool.make_button.isEnabled()
    canvas = tool.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=canvas.rect().topLeft() + QPoint(2, 2))
    qtbot.mouseMove(canvas, canvas.rect().topLeft() + QPoint(40, 30))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=canvas.rect().topLeft() + QPoint(40, 30))
    assert len(tool.boxes()) == 1  # drawn by dragging, in image pixels
    tool.add_box(50, 30, 10, 10, BoxReason.THIRD_PARTY_FACE)
    qtbot.keyClicks(tool.why_edit, "subject access request")
    assert tool.make_button.isEnabled()
    original = sealed.pngs[0]
    qtbot.mouseClick(tool.make_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.review.current is not None and bool(app.review.current.redacted), timeout=20000)
    current = app.review.current
    (copy,) = current.redacted
    assert copy.parent_seq == 1
    assert [b.reason for b in copy.record.boxes] == [BoxReason.THIRD_PARTY_NAME, BoxReason.THIRD_PARTY_FACE]
    assert current.bag[current.item(1).file] == original  # the original never changes
    assert "Redacted copies" in app.window.incident.toPlainText()
    assert copy.png_name in app.window.incident.toPlainText()


def test_the_subject_access_dialog_writes_a_pack_of_redacted_copies(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    details = IncidentDetails(
        title="Messages to Sam Porter from Kit Marlow",
        occurred="2026-11-24T18:30:00",
        target_name="Sam Porter",
        target_role=TargetRole.PUPIL,
        perpetrator_name="Kit Marlow",
        description="Kit Marlow sent Sam the messages.",
    )
    app, sealed = make_reviewer(qtbot, tmp_path, details)
    app.review.open_bundle(sealed.result.path)
    qtbot.waitUntil(lambda: app.review.current is not None, timeout=20000)
    app.subject_access.open()
    dialog = app.subject_access.dialog
    assert dialog is not None
    assert [dialog.subject_combo.itemText(i) for i in range(dialog.subject_combo.count())][:2] == [
        "Sam Porter",
        "Kit Marlow",
    ]
    assert not Path(dialog.folder()).is_relative_to(app.workspace.paths.data_dir)
    dialog.subject_combo.setCurrentText("Sam Porter")
    dialog.folder_edit.setText(str(tmp_path / "sar"))
    dialog.accept()
    qtbot.waitUntil(lambda: app.subject_access.last_pack is not None, timeout=20000)
    pack = app.subject_access.last_pack
    assert sorted(p.name for p in pack.iterdir()) == ["subject-access.pdf", "subject-access.txt"]  # no redactions
    text = (pack / "subject-access.txt").read_text()
    assert "Sam Porter" in text
    assert "Kit" not in text
    assert "Marlow" not in text
    assert reviews(app.review.current)[-1].action is ReviewAction.SUBJECT_ACCESS_EXPORT
