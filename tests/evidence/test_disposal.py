"""Issue 17: the data-protection verbs on the command line, disposal, the register, and what is left afterwards."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from bundles import dsl, school_profile
from lifecycles import Case, one_line

from app import cli, exports
from evidence import bundle
from evidence.case import register
from evidence.case.certificate import DisposalCertificate
from evidence.review import disposal
from evidence.review.actions import reviews
from evidence.review.inbox import INDEX_FILE_NAME, InboxIndex
from evidence.vault.store import Vault

NEEDS_QT = pytest.mark.skipif(
    importlib.util.find_spec("PySide6") is None, reason="the command line draws its PDFs with Qt (app/, not the core)"
)

PERSONAL = ["Messages about Pupil Alex", "Pupil Alex", "Chat 0", "Chat 1"]


def test_a_hold_blocks_dispose_until_released(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    c = Case(tmp_path, capsys)
    code, out, err = c.run("hold", str(c.path), "--why", "police investigation, reference 12/3456/26", *c.me())
    assert code == 0, err
    code, out, err = c.run("dispose", str(c.path), "--why", "pupil left", "--reason", "erasure-request", *c.me())
    assert code == 1
    assert "on legal hold" in one_line(err)
    assert c.path.exists()  # nothing deleted
    assert not (c.drop / disposal.REGISTER_DIR).exists()  # nothing recorded
    code, out, err = c.run("retention", "list", "--in", str(c.drop), *c.me())
    assert code == 0, err
    assert c.sealed.ref in out
    assert "on hold" in out
    assert "r2" in out
    code, _, err = c.run("release", str(c.path), "--why", "police: no further action", *c.me())
    assert code == 0, err
    # not due yet: only an early reason code is accepted
    code, _, err = c.run("dispose", str(c.path), "--why", "pupil left", *c.me())
    assert code == 1
    assert "not due" in one_line(err)
    v = bundle.open_bundle(c.latest().read_bytes(), [dsl().age_secret], school_profile())
    assert [r.action.value for r in reviews(v)] == ["legal-hold", "hold-released"]


@NEEDS_QT
def test_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    c = Case(tmp_path, capsys)
    cases = [
        ("hold", str(c.path), *c.me()),  # no --why
        ("redact", str(c.path), "--item", "1", "--box", "1,2,3", "--why", "sar", *c.me()),
        ("redact", str(c.path), "--item", "1", "--box", "a,b,c,d", "--why", "sar", *c.me()),
        ("redact", str(c.path), "--item", "1", "--box", "0,0,0,5", "--why", "sar", *c.me()),
        ("redact", str(c.path), "--item", "9", "--box", "0,0,5,5", "--why", "sar", *c.me()),
        ("hold", str(tmp_path / "missing.zip.age"), "--why", "x", *c.me()),
        ("dispose", str(c.path), "--why", "x", "--reason", "whim", *c.me()),
        ("extend", str(c.path), "--why", "x", "--days", "0", *c.me()),
        ("sar-export", str(c.path), "--subject", "Nobody Here", "--out", str(tmp_path / "out"), *c.me()),
        ("retention", "list", "--in", str(tmp_path / "nope"), *c.me()),
        ("release", str(c.path), "--why", "x", *c.me()),  # not on hold
    ]
    for args in cases:
        code, _, err = c.run(*args)
        assert code in (1, 2), args
        one_line(err)
    code, _, err = c.run("redact", str(c.path), "--item", "1", "--box", "60,40,10,10", "--why", "sar", *c.me())
    assert code == 1  # the box is not inside the 64x48 image
    one_line(err)
    assert not (tmp_path / "out").exists()
    v = bundle.open_bundle(c.latest().read_bytes(), [dsl().age_secret], school_profile())
    assert len(v.revisions) == 1  # nothing was recorded by any failed command


def _needles(c: Case, vault_blobs: list[bytes]) -> dict[str, bytes]:
    out: dict[str, bytes] = {"PNG": b"\x89PNG\r\n\x1a\n"}
    for n, data in enumerate(c.sealed.pngs):
        out[f"item {n + 1}"] = data[len(data) // 2 : len(data) // 2 + 48]
    cipher = c.path.read_bytes()
    out["bundle ciphertext"] = cipher[len(cipher) // 2 : len(cipher) // 2 + 48]
    for n, blob in enumerate(vault_blobs):
        out[f"vault blob {n}"] = blob[len(blob) // 2 : len(blob) // 2 + 48]
    for text in PERSONAL:
        for codec in ("utf-8", "utf-16-le"):
            out[f"{text!r} {codec}"] = text.encode(codec)
    return out


def _scan(folders: list[Path], needles: dict[str, bytes]) -> list[str]:
    found = []
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            data = path.read_bytes()
            found += [f"{path.relative_to(folder.parent)}: {what}" for what, n in needles.items() if n in data]
    return found


@NEEDS_QT
def test_disposal_leaves_no_byte_and_a_register_that_checks(tmp_path: Path, capsys, qapp) -> None:  # type: ignore[no-untyped-def]
    """(``qapp``: the police export draws its PDF with Qt, which must then be pytest-qt's QApplication.)"""
    c = Case(tmp_path, capsys)
    code, _, err = c.run("verify", str(c.path), *c.me())  # fills the reviewer's inbox index
    assert code == 0, err
    cipher = c.path.read_bytes()
    index = InboxIndex.load(c.data / INDEX_FILE_NAME)
    assert hashlib.sha256(cipher).hexdigest() in index.records
    export_dir = tmp_path / "exports"
    code, _, err = c.run(
        "export-police", str(c.path), "--out", str(export_dir), "--officer-reference", "CR/1/26", *c.me()
    )
    assert code == 0, err
    assert exports.present_for(c.data, c.sealed.ref)
    with sqlite3.connect(c.sealed.vault_path) as db:
        blobs = [row[0] for row in db.execute("SELECT content FROM items WHERE content IS NOT NULL")]
        blobs += [row[0] for row in db.execute("SELECT details FROM incidents")]
    needles = _needles(c, blobs)
    assert _scan([c.drop], needles), "the scan must find the bundle before disposal"

    cert_file = tmp_path / "certificate.txt"
    code, out, err = c.run(
        "dispose",
        str(c.path),
        "--why",
        "subject asked for erasure",
        "--reason",
        "erasure-request",
        "--delete-exports",
        "--certificate",
        str(cert_file),
        *c.me(),
    )
    assert code == 0, err
    assert out.startswith("Certificate of disposal")
    assert cert_file.read_text() == out
    assert not c.path.exists()
    assert not c.path.with_name(c.path.name + ".sig").exists()
    assert not (export_dir / f"{c.sealed.ref}-police-export").exists()
    assert not exports.present_for(c.data, c.sealed.ref)
    assert hashlib.sha256(cipher).hexdigest() not in InboxIndex.load(c.data / INDEX_FILE_NAME).records

    # the staff workstation learns of it through the drop folder's register at its next start
    assert disposal.disposed_references(c.drop, school_profile()) == (c.sealed.ref,)
    with Vault(c.sealed.vault_path) as vault:
        assert vault.purge_disposed(c.sealed.ref)
        assert not vault.purge_disposed(c.sealed.ref)
    found = _scan([c.drop, c.data, c.sealed.vault_path.parent], needles)
    assert found == [], found

    # the register checks with the app; the certificate names its head
    folder = disposal.register_folder(c.drop)
    report = register.verify_register(folder, disposal.allowed_signers_of_register(folder, school_profile()))
    (entry,) = report.entries
    assert entry.entry.disposal.reference == c.sealed.ref
    assert entry.entry.disposal.item_sha256 == tuple(hashlib.sha256(p).hexdigest() for p in c.sealed.pngs)
    assert entry.sha256 in out
    assert DisposalCertificate.from_entry(entry, school="Example Academy").entry_sha256 == entry.sha256
    for text in PERSONAL:
        assert text not in (folder / "000001" / "entry.json").read_text()


@pytest.mark.skipif(any(shutil.which(t) is None for t in ("ssh-keygen", "sha256sum", "sh")), reason="stock tools")
def test_the_register_checks_with_stock_tools_after_the_bundles_are_gone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    c = Case(tmp_path, capsys)
    code, out, err = c.run(
        "dispose", str(c.path), "--why", "duplicate of another case", "--reason", "duplicate", *c.me()
    )
    assert code == 0, err
    assert not list(c.drop.glob("*.zip.age*"))
    folder = disposal.register_folder(c.drop)
    signers = disposal.signers_folder(folder) / "v1-allowed_signers"
    # the signer list kept beside the register is the one the school root signed
    root_signers = disposal.signers_folder(folder) / "root_allowed_signers"
    subprocess.run(
        ["ssh-keygen", "-Y", "verify", "-f", str(root_signers), "-I", "school-root",
         "-n", "evidence-capture-profile-v1", "-s", str(signers) + ".sig"],
        input=signers.read_bytes(), check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    text = (folder / "VERIFY.txt").read_text()
    steps = [block for block in text.split("\n\n") if block.startswith("    ")]
    script = "\n".join(line[4:] for s in steps for line in s.splitlines()).replace("ALLOWED_SIGNERS", str(signers))
    done = subprocess.run(["sh", "-c", script], cwd=folder, capture_output=True, text=True, timeout=60, check=True)
    assert "FAIL" not in done.stdout
    head = done.stdout.strip().splitlines()[-1].split()
    assert head[:2] == ["head", "000001"]
    assert head[2] in out  # the certificate states the head the stock tools reach
    # a changed entry fails with the stock tools
    entry = folder / "000001" / "entry.json"
    entry.write_bytes(entry.read_bytes().replace(b"duplicate", b"duplicatX"))
    done = subprocess.run(["sh", "-c", script], cwd=folder, capture_output=True, text=True, timeout=60, check=True)
    assert "FAIL 000001 signature" in done.stdout


def test_a_staff_workstation_purges_disposed_cases_at_its_next_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataclasses import replace

    from bundles import staff
    from helpers import school_root

    from app.lifecycle import apply_disposals
    from app.paths import Paths
    from app.workspace import Workspace

    c = Case(tmp_path, capsys)
    ws = Workspace(Paths(tmp_path / "jane-data"))
    ws.paths.data_dir.mkdir()
    (ws.paths.data_dir / "identity.card").write_text(staff().card.to_text())
    profile = replace(school_profile(pinned=False), drop_folder=str(c.drop))
    signed = replace(profile, signature=None).sign(school_root(), version=2, issued_utc="2026-11-21T09:00:00.000Z")
    ws.install_signed(signed, school_root().card.fingerprint, source="test")
    shutil.copyfile(c.sealed.vault_path, ws.paths.vault)
    assert apply_disposals(ws) == []  # nothing disposed of yet: nothing purged
    code, _, err = c.run("dispose", str(c.path), "--why", "recorded in error", "--reason", "recorded-in-error", *c.me())
    assert code == 0, err
    assert apply_disposals(ws) == [c.sealed.ref]
    with Vault(ws.paths.vault) as vault:
        assert [r.ref for r in vault.list_incidents()] == []
    assert apply_disposals(ws) == []
    # a register that fails its checks deletes nothing
    entry = disposal.register_folder(c.drop) / "000001" / "entry.json"
    entry.write_bytes(entry.read_bytes().replace(b"recorded", b"xecorded"))
    assert apply_disposals(ws) == []


def test_every_verb_of_the_command_line_reaches_it_from_the_entry_point() -> None:
    """``evidence-capture VERB`` runs the command line only for the verbs app.main knows (else the GUI starts)."""
    import argparse

    from app.main import VERBS

    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(VERBS)


def test_disposal_deletes_every_revision_file_and_receipt_and_registers_each_digest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 15 meets issue 17: a case is many files on the share (REF.rN.zip.age + .sig, a legacy REF.zip.age,
    receipts/); disposal deletes each and the signed entry lists each with its SHA-256."""
    from bundles import head

    from evidence.bundle import share
    from evidence.review.actions import ReviewAction, record_action

    c = Case(tmp_path, capsys)
    profile = school_profile()
    record_action(c.drop, c.sealed.ref, dsl(), profile, ReviewAction.NOTE, "read it")
    record_action(c.drop, c.sealed.ref, head(), profile, ReviewAction.NOTE, "read it too")
    assert share.acknowledge(c.drop, c.sealed.ref, dsl(), profile) is not None
    assert share.acknowledge(c.drop, c.sealed.ref, head(), profile) is not None
    legacy = c.drop / f"{c.sealed.ref}{bundle.BUNDLE_SUFFIX}"
    shutil.copyfile(c.path, legacy)  # a copy from before revision files (never written again, still the case's)
    shutil.copyfile(c.path.with_name(c.path.name + ".sig"), legacy.with_name(legacy.name + ".sig"))
    other = tmp_path / "other"
    from bundles import make_sealed

    kept = make_sealed(other).result.path
    shutil.copyfile(kept, c.drop / kept.name)  # another case in the same folder stays
    receipts = sorted((c.drop / share.RECEIPTS_DIR).iterdir())
    assert len(receipts) == 2
    expected = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in [*c.drop.glob(f"{c.sealed.ref}*"), *receipts]
    }
    assert len(expected) == 3 * 2 + 2 + 2  # r1..r3 and the legacy file, each with its .sig, and two receipts
    code, _, err = c.run("dispose", str(c.path), "--why", "duplicate", "--reason", "duplicate", *c.me())
    assert code == 0, err
    assert not list(c.drop.glob(f"{c.sealed.ref}*"))
    assert not list((c.drop / share.RECEIPTS_DIR).iterdir())
    assert (c.drop / kept.name).exists()
    folder = disposal.register_folder(c.drop)
    report = register.verify_register(folder, disposal.allowed_signers_of_register(folder, profile))
    (entry,) = report.entries
    assert {f.name: f.sha256 for f in entry.entry.disposal.files} == expected
    for name in expected:
        assert f"deleted: {c.drop / name}" in err or f"deleted: {c.drop / share.RECEIPTS_DIR / name}" in err


def test_disposal_judges_the_hold_on_the_latest_revision_whichever_file_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from evidence.case.retention import RetentionError
    from evidence.review import lifecycle

    c = Case(tmp_path, capsys)
    profile = school_profile()
    lifecycle.record_hold(c.drop, c.sealed.ref, dsl(), profile, "police investigation")
    v1 = bundle.open_bundle(c.path.read_bytes(), [dsl().age_secret], profile)  # revision 1: no hold in it
    import datetime as dt

    with pytest.raises(RetentionError) as e:
        disposal.dispose(
            c.path, v1, dsl(), profile, reason=register.DisposalReason.DUPLICATE, today=dt.date(2026, 12, 1)
        )
    assert e.value.check == "on hold"
    assert c.path.exists()
    assert not disposal.register_folder(c.drop).exists()


def test_purging_a_disposed_case_clears_its_trusted_time_and_delivery_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12's tsa_queue / tsa_tokens and issue 15's deliveries hold the case's reference and digests: a
    disposed case leaves no row in them (another case's rows stay)."""
    c = Case(tmp_path, capsys)
    ref = c.sealed.ref
    with Vault(c.sealed.vault_path) as vault:
        vault.record_sent(ref, str(c.drop), c.path.name, hashlib.sha256(c.path.read_bytes()).hexdigest())
    tables = ("tsa_queue", "tsa_tokens", "deliveries", "items", "custody", "incidents")
    with sqlite3.connect(c.sealed.vault_path) as db:
        for r in (ref, "EC-20261130-OTHER1"):
            db.execute(
                "INSERT INTO tsa_queue (ref, seq, tsa_url, tsa_name, binding, queued_utc, next_utc)"
                " VALUES (?, 1, 'https://tsa.example', 'TSA', x'00', '2026-11-30T10:00:00.000Z', '')",
                (r,),
            )
            db.execute(
                "INSERT INTO tsa_tokens (ref, seq, number, tsa_url, tsa_name, digest, tsr, chain_pem, gen_time_utc,"
                " serial, custody_seq) VALUES (?, 1, 1, 'https://tsa.example', 'TSA', 'ab', x'00', x'00',"
                " '2026-11-30T10:00:00.000Z', '1', 1)",
                (r,),
            )
        before = {t: db.execute(f"SELECT COUNT(*) FROM {t} WHERE ref = ?", (ref,)).fetchone()[0] for t in tables}  # noqa: S608
    assert all(before.values()), before
    with Vault(c.sealed.vault_path) as vault:
        assert vault.purge_disposed(ref)
    with sqlite3.connect(c.sealed.vault_path) as db:
        after = {t: db.execute(f"SELECT COUNT(*) FROM {t} WHERE ref = ?", (ref,)).fetchone()[0] for t in tables}  # noqa: S608
        others = db.execute("SELECT COUNT(*) FROM tsa_queue WHERE ref = 'EC-20261130-OTHER1'").fetchone()[0]
    assert after == dict.fromkeys(tables, 0)
    assert others == 1
