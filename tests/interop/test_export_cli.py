"""``evidence-capture export-police``: the export is logged as a revision, and the pack checks with stock tools."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from bundles import dsl, head, make_sealed, school_profile

from app import cli
from evidence import bundle
from evidence.crypto.keys import write_identity_file
from evidence.review.actions import ReviewAction, reviews

pytestmark = [pytest.mark.interop, pytest.mark.skipif(not shutil.which("sha256sum"), reason="needs sha256sum")]
PASS = "a long test passphrase"


def test_export_police_verb(tmp_path: Path, capsys: pytest.CaptureFixture[str], qapp) -> None:  # type: ignore[no-untyped-def]
    sealed = make_sealed(tmp_path / "work", items=2)
    ident = tmp_path / "dsl.identity.age"
    write_identity_file(dsl(), ident, PASS)
    (tmp_path / "pass.txt").write_text(PASS + "\n")
    (tmp_path / "school.toml").write_text(school_profile().to_toml())
    args = [
        "--data-dir",
        str(tmp_path / "data"),
        "--profile",
        str(tmp_path / "school.toml"),
        "export-police",
        str(sealed.result.path),
        "--identity",
        str(ident),
        "--passphrase-file",
        str(tmp_path / "pass.txt"),
        "--out",
        str(tmp_path / "out"),
        "--officer-reference",
        "PC 1234, CR/77/26",
    ]
    code = cli.run(args)
    out, err = capsys.readouterr()
    assert code == 0, err
    folder = Path(out.splitlines()[0])
    assert folder.name == f"{sealed.ref}-police-export"
    done = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0
    assert "FAILED" not in done.stdout
    done = subprocess.run(
        ["sha256sum", "-c", "manifest-sha256.txt"], cwd=folder / sealed.ref, capture_output=True, text=True
    )
    assert done.returncode == 0
    assert (folder / sealed.ref / "data/items/001.png").read_bytes() == sealed.pngs[0]
    # the export itself is a signed revision in the bundle it came from: the next file in its drop folder (issue 15)
    revised = sealed.result.path.with_name(f"{sealed.ref}.r2.zip.age")
    assert sealed.result.path.read_bytes() == sealed.ciphertext
    again = bundle.open_bundle(revised.read_bytes(), [head().age_secret], school_profile())
    assert [r.action for r in reviews(again)] == [ReviewAction.EXPORTED]
    assert reviews(again)[0].fields == {"officer_reference": "PC 1234, CR/77/26"}
    assert (folder / sealed.ref / "data" / "custody-r2.jsonl").exists()
    # exporting again into the same folder is refused, nothing half-written
    code = cli.run(args)
    _, err = capsys.readouterr()
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "already exists" in err
    again = bundle.open_bundle(revised.read_bytes(), [head().age_secret], school_profile())
    assert len(reviews(again)) == 1  # the refused export was not logged
    assert not revised.with_name(f"{sealed.ref}.r3.zip.age").exists()
