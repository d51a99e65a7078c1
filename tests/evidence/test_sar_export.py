"""Issue 17: a subject access pack holds redacted copies only, no original, and no third party's name."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest
from bundles import dsl, make_sealed, school_profile
from lifecycles import Case

from evidence import bundle
from evidence.capture.redact import Box, BoxReason
from evidence.case.incident import Category, IncidentDetails, PerpetratorType, TargetRole
from evidence.police.sar_export import PDF_NAME, TEXT_NAME, build_pack
from evidence.review import lifecycle
from evidence.review.actions import ReviewAction, reviews

NEEDS_QT = pytest.mark.skipif(
    importlib.util.find_spec("PySide6") is None, reason="the command line draws its PDFs with Qt (app/, not the core)"
)

SUBJECT = "Alexandra Quinlan"
THIRD_PARTIES = ["Tobias Wren", "Wren", "qz_bully_7731", "Maisie Okafor", "Okafor", "Priya Shah", "instagram.com/qz"]
DETAILS = IncidentDetails(
    title="Threats against Alexandra Quinlan by Tobias Wren",
    categories=(Category.THREATENING,),
    platform="Instagram",
    occurred="2026-11-24T18:30:00",
    target_name=SUBJECT,
    target_role=TargetRole.PUPIL,
    perpetrator_type=PerpetratorType.CURRENT_PUPIL,
    perpetrator_name="Tobias Wren",
    perpetrator_handle="@qz_bully_7731",
    perpetrator_url="https://instagram.com/qz_bully_7731",
    description="Tobias sent Alexandra messages after school; Maisie Okafor saw them. Wren's friends joined in.",
    reported_to="Priya Shah (form tutor)",
    witnesses="Maisie Okafor, Priya Shah",
)


def _case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Case:
    c = Case(tmp_path, capsys)
    c.sealed = make_sealed(tmp_path / "sar", details=DETAILS)
    c.path = c.sealed.result.path
    c.drop = c.path.parent
    return c


@NEEDS_QT
def test_the_pack_has_no_original_and_no_third_party(tmp_path: Path, capsys, qapp) -> None:  # type: ignore[no-untyped-def]
    """(``qapp``: the pack's PDF is drawn with Qt, which must then be pytest-qt's QApplication.)"""
    c = _case(tmp_path, capsys)
    code, _, err = c.run("redact", str(c.path), "--item", "1", "--box", "0,0,30,20", "--box", "40,30,20,10",
                         "--why", "subject access request", *c.me())  # fmt: skip
    assert code == 0, err
    out_dir = tmp_path / "for-the-family"
    code, out, err = c.run("sar-export", str(c.path), "--subject", "alexandra QUINLAN", "--out", str(out_dir), *c.me())
    assert code == 0, err
    pack = Path(out.strip())
    assert pack == out_dir / f"{c.sealed.ref}-subject-access"
    names = sorted(p.name for p in pack.iterdir())
    assert names == ["image-001-redacted.png", PDF_NAME, TEXT_NAME]
    originals = {hashlib.sha256(p).hexdigest() for p in c.sealed.pngs}
    for p in pack.iterdir():
        assert hashlib.sha256(p.read_bytes()).hexdigest() not in originals
        for png in c.sealed.pngs:
            assert png[40:88] not in p.read_bytes()
    text = (pack / TEXT_NAME).read_text()
    assert SUBJECT in text
    assert "Screenshot(s) 2 are withheld" in text
    for name in THIRD_PARTIES:
        assert name.lower() not in text.lower(), name
    if shutil.which("pdftotext"):
        pdf_text = subprocess.run(
            ["pdftotext", str(pack / PDF_NAME), "-"], capture_output=True, text=True, check=True, timeout=60
        ).stdout
        assert "Subject access copy" in pdf_text
        for name in THIRD_PARTIES:
            assert name.lower() not in pdf_text.lower(), name
    v = bundle.open_bundle(c.latest().read_bytes(), [dsl().age_secret], school_profile())
    last = reviews(v)[-1]
    assert last.action is ReviewAction.SUBJECT_ACCESS_EXPORT
    assert last.fields == {"subject": SUBJECT, "items": "1"}
    # a second export into the same folder is refused and logs nothing
    code, _, err = c.run("sar-export", str(c.path), "--subject", SUBJECT, "--out", str(out_dir), *c.me())
    assert code == 2
    assert "already exists" in err
    again = bundle.open_bundle(c.latest().read_bytes(), [dsl().age_secret], school_profile())
    assert len(again.revisions) == len(v.revisions)


def test_without_redactions_no_image_is_given(tmp_path: Path) -> None:
    sealed = make_sealed(tmp_path, details=DETAILS)
    v = bundle.verify_bag(sealed.zip_bytes, school_profile())
    pack = build_pack(v, SUBJECT)
    assert pack.images == {}
    assert pack.withheld_items == (1, 2)
    r = bundle.verify_bag(
        bundle.zip_bag(
            v.ref,
            lifecycle.add_redaction(
                v, dsl(), school_profile(), 2, [Box(0, 0, 5, 5, BoxReason.THIRD_PARTY_FACE)], "sar"
            ).bag,
        ),
        school_profile(),
    )
    pack = build_pack(r, SUBJECT)
    assert list(pack.images) == ["image-002-redacted.png"]
    assert "another person's face" in pack.text
