"""The police export checked with stock tools only: sha256sum, ssh-keygen, unzip, age, pdftotext and pdftoppm."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pytest
from bundles import Sealed, dsl, head, make_sealed, school_profile, write_revision
from ptyhelp import run_with_tty_input

from evidence import bundle
from evidence.bundle import safezip
from evidence.bundle import seal as sealing
from evidence.core.errors import BundleError, EvidenceError, UsageError
from evidence.police import export, report, staging
from evidence.review.actions import ReviewAction, add_review
from ui.report_pdf import render_report_pdf

TOOLS = ("age", "age-keygen", "unzip", "sha256sum", "ssh-keygen", "pdftotext", "pdftoppm", "cmp")
pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(not all(shutil.which(t) for t in TOOLS), reason=f"needs {', '.join(TOOLS)}"),
]

PASSPHRASE = "correct horse battery staple"
OFFICER_REF = "CR/123/26"
EXPORTED_UTC = "2026-11-26T09:30:00.000Z"
EXPORTED_BY = "Dee Sell <dsl@school.example>"


@dataclass
class Case:
    sealed: Sealed
    verified: bundle.VerifiedBundle
    report: report.Report
    sealed_zip: bytes


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    """A bundle sealed by Jane, with "police contacted" and "exported" reviews, opened from its file."""
    tmp = tmp_path_factory.mktemp("police")
    profile = school_profile()
    sealed = make_sealed(tmp / "work", items=2, exclude=True)
    v = bundle.verify_bag(sealed.zip_bytes, profile)
    bag = add_review(v, head(), profile, ReviewAction.POLICE_CONTACTED, "Threats", {"crime_reference": OFFICER_REF})
    v = bundle.verify_bag(bundle.zip_bag(v.ref, bag), profile)
    bag = add_review(
        v, dsl(), profile, ReviewAction.EXPORTED, "Asked for by PC Jones", {"officer_reference": OFFICER_REF}
    )
    path = write_revision(v.ref, bag, dsl(), profile, tmp / "inbox")
    verified = sealing.verify_file(path, dsl(), profile)
    rep = report.build_report(
        verified, exported_by=EXPORTED_BY, officer_reference=OFFICER_REF, exported_utc=EXPORTED_UTC
    )
    return Case(sealed, verified, rep, bundle.decrypt_bundle(path.read_bytes(), [head().age_secret]))


@pytest.fixture
def pdf(qapp, case: Case) -> bytes:  # type: ignore[no-untyped-def]
    return render_report_pdf(case.report, report.exhibit_images(case.report, case.verified))


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, (argv, done.stdout, done.stderr)
    return done


def _verify_commands(text: str) -> list[str]:
    """The indented commands of the export's VERIFY.txt, continuation lines joined."""
    commands, current = [], ""
    for line in text.splitlines():
        if not line.startswith("     ") or line.strip().startswith("#"):
            continue
        stripped = line.strip()
        current += stripped[:-1] + " " if stripped.endswith("\\") else stripped
        if not stripped.endswith("\\"):
            commands.append(" ".join(current.split()))
            current = ""
    return commands


def _age_keygen(folder: Path) -> tuple[Path, str]:
    key = folder / "officer.key"
    _run(["age-keygen", "-o", str(key)], folder)
    recipient = re.search(r"^# public key: (age1[0-9a-z]+)$", key.read_text(), re.M)
    assert recipient is not None
    return key, recipient.group(1)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_export_passes_every_stock_tool_check(case: Case, pdf: bytes, tmp_path: Path) -> None:
    key, recipient = _age_keygen(tmp_path)
    out = tmp_path / "out"
    result = export.export_police(
        case.verified,
        out,
        report_pdf=pdf,
        exported_by=EXPORTED_BY,
        officer_reference=OFFICER_REF,
        exported_utc=EXPORTED_UTC,
        signer=dsl(),
        pack_recipient=recipient,
    )
    assert isinstance(case.verified.zip_source, bundle.ZipSource)  # read from its file: the streaming path
    ref = case.verified.ref
    folder = out / f"{ref}-police-export"
    assert result.folder == folder
    assert (folder / f"{ref}.zip").read_bytes() == case.sealed_zip
    assert result.pack_path == out / f"{ref}-police-export.zip.age"
    assert sorted(p.name for p in out.iterdir()) == sorted([folder.name, f"{folder.name}.zip.age"])
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{ref}.zip", ref, "report.pdf", "statement-draft.txt", "VERIFY.txt", "SHA256SUMS", "SHA256SUMS.sig"]
    )

    # 1. every file of the export, by sha256sum, and SHA256SUMS lists every other file but its signature
    done = _run(["sha256sum", "--strict", "-c", "SHA256SUMS"], folder)
    assert "FAILED" not in done.stdout
    listed = {line.split("  ", 1)[1] for line in (folder / "SHA256SUMS").read_text().splitlines()}
    assert listed == set(_tree(folder)) - {"SHA256SUMS", "SHA256SUMS.sig"}
    assert done.stdout.count(": OK") == len(listed)

    # 2. the zip is byte for byte the sealed (and revised) zip, intact, and the folder is the bag it holds
    assert (folder / f"{ref}.zip").read_bytes() == case.sealed_zip == case.verified.zip_bytes
    assert "No errors detected" in _run(["unzip", "-t", f"{ref}.zip"], folder).stdout
    bag_dir = folder / ref
    assert _tree(bag_dir) == dict(case.verified.bag)
    assert {f"{ref}/{n}" for n in _tree(bag_dir)} == set(safezip.read_zip(case.sealed_zip))

    # 3. the bag's manifests, and every revision's signature with the principal its record names
    for manifest in ("manifest-sha256.txt", "tagmanifest-sha256.txt"):
        assert "FAILED" not in _run(["sha256sum", "-c", manifest], bag_dir).stdout
    revisions = sorted((bag_dir / "data/revisions").glob("*.json"), key=lambda p: int(p.stem))
    assert len(revisions) == 3
    for record_path in revisions:
        k, record = int(record_path.stem), json.loads(record_path.read_text())
        principal = record["signer"]["principal"]
        with (bag_dir / f"seal/revisions/{k}/manifest-sha256.txt").open("rb") as manifest_file:
            done = subprocess.run(
                [
                    "ssh-keygen",
                    "-Y",
                    "verify",
                    "-f",
                    "seal/allowed_signers",
                    "-I",
                    principal,
                    "-n",
                    bundle.SEAL_NAMESPACE,
                    "-s",
                    f"seal/revisions/{k}/manifest-sha256.txt.sig",
                ],
                cwd=bag_dir,
                stdin=manifest_file,
                capture_output=True,
                text=True,
                check=False,
            )
        assert done.returncode == 0
        assert f'Good "{bundle.SEAL_NAMESPACE}" signature for {principal}' in (done.stdout + done.stderr)
        _run(["sha256sum", "-c", f"seal/revisions/{k}/manifest-sha256.txt"], bag_dir)

    # 4. the exhibits are the captured PNGs, byte for byte
    for e, original in zip(case.report.exhibits, case.sealed.pngs, strict=True):
        assert (bag_dir / e.file).read_bytes() == original
        assert hashlib.sha256(original).hexdigest() == e.sha256

    # 5. every command VERIFY.txt gives works as written, from the export folder
    verify_text = (folder / "VERIFY.txt").read_text()
    commands = _verify_commands(verify_text)
    root_fp = case.verified.trust.root_fingerprint
    assert root_fp is not None
    assert commands[0] == f"ssh-keygen -lf {ref}/seal/trust/root.pub"
    assert root_fp in verify_text
    cwd, pixel_digests = folder, []
    for command in commands:
        if command.startswith("cd "):
            cwd = (cwd / command[3:]).resolve()
            continue
        if command.startswith("pngtopnm") and not shutil.which("pngtopnm"):
            continue
        done = _run(["bash", "-c", f"set -o pipefail; {command}"], cwd)
        if "-Y verify" in command:
            assert "Good" in done.stdout + done.stderr
        if command.startswith("ssh-keygen -lf") and command.endswith("root.pub"):
            assert done.stdout.split()[1] == root_fp  # the one fingerprint the officer confirms out of band
        if command.startswith("pngtopnm"):
            pixel_digests.append(done.stdout.split()[0])
    root_checks = 2 * len(set(case.report.trust_versions))  # each version's signer list and profile
    assert sum("-Y verify" in c for c in commands) == root_checks + 1 + 1 + len(case.report.revisions)
    assert all("sha256sum -c" not in c for c in commands)  # always --strict
    if shutil.which("pngtopnm"):
        assert pixel_digests == [e.pixels_sha256 for e in case.report.exhibits]
    for e in case.report.exhibits:
        assert e.ref in verify_text
        assert e.sha256 in verify_text
        assert e.pixels_sha256 in verify_text

    # 6. the statement draft names every exhibit and its digest
    statement = (folder / "statement-draft.txt").read_text()
    assert statement.startswith(report.DRAFT_WARNING)
    for e in case.report.exhibits:
        assert e.ref in statement
        assert e.sha256 in statement

    # 7. the report: every exhibit reference and both digests, as pdftotext reads them
    text = _run(["pdftotext", "-enc", "UTF-8", "report.pdf", "-"], folder).stdout
    flat = re.sub(r"[\s\-\u00ad]+", "", text)
    assert case.verified.ref in text
    assert OFFICER_REF in text
    for e in case.report.exhibits:
        assert e.ref in text
        assert e.sha256 in flat
        assert e.pixels_sha256 in flat
        assert e.sha256 in text
        assert e.pixels_sha256 in text
    for v in case.report.revisions:
        assert v.fingerprint in text
    _run(["pdftoppm", "-png", "-r", "60", "report.pdf", str(tmp_path / "page")], folder)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    assert all(p.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for p in pages)

    # 8. the encrypted pack: age with the officer's key, then unzip, gives the folder again
    assert hashlib.sha256(result.pack_path.read_bytes()).hexdigest() == result.pack_sha256
    assert result.pack_sha256 in _run(["sha256sum", result.pack_path.name], out).stdout
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    _run(["age", "-d", "-i", str(key), "-o", str(unpacked / "pack.zip"), str(result.pack_path)], unpacked)
    assert "No errors detected" in _run(["unzip", "-t", "pack.zip"], unpacked).stdout
    # the streamed pack is byte for byte the canonical zip of the folder (safezip.write_zip's form)
    canonical = io.BytesIO()
    safezip.write_zip(((f"{folder.name}/{n}", d) for n, d in sorted(_tree(folder).items())), canonical)
    assert (unpacked / "pack.zip").read_bytes() == canonical.getvalue()
    _run(["unzip", "-q", "pack.zip"], unpacked)
    assert _tree(unpacked / folder.name) == _tree(folder)
    _run(["sha256sum", "-c", "SHA256SUMS"], unpacked / folder.name)


def test_pack_with_a_passphrase_opens_with_stock_age(case: Case, pdf: bytes, tmp_path: Path) -> None:
    result = export.export_police(
        case.verified,
        tmp_path,
        report_pdf=pdf,
        exported_by=EXPORTED_BY,
        officer_reference=OFFICER_REF,
        exported_utc=EXPORTED_UTC,
        signer=dsl(),
        pack_passphrase=PASSPHRASE,
    )
    assert result.pack_path is not None
    code, transcript = run_with_tty_input(
        ["age", "-d", "-o", str(tmp_path / "pack.zip"), str(result.pack_path)], [PASSPHRASE], timeout=60
    )
    assert code == 0, transcript
    assert "No errors detected" in _run(["unzip", "-t", "pack.zip"], tmp_path).stdout
    members = safezip.read_zip((tmp_path / "pack.zip").read_bytes())
    prefix = f"{result.folder.name}/"
    assert {n.removeprefix(prefix): d for n, d in members.items()} == _tree(result.folder)


def _export(case: Case, out: Path, **kwargs: str) -> export.ExportResult:
    return export.export_police(
        case.verified,
        out,
        report_pdf=b"%PDF-1.4 stand-in",
        exported_by=EXPORTED_BY,
        officer_reference=OFFICER_REF,
        exported_utc=EXPORTED_UTC,
        signer=dsl(),
        **kwargs,
    )


@pytest.mark.parametrize("fail_at", [1, 5, 12, "pack", "rename"])
def test_a_failure_half_way_leaves_nothing(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int | str
) -> None:
    out = tmp_path / "out"
    real_open, real_rename = staging._open_new, staging._rename
    opened: list[Path] = []

    class DiskFull(io.BufferedIOBase):
        """A file on a disk that fills up at its first write, after its name was created."""

        def __init__(self, path: Path) -> None:
            self._inner = real_open(path)

        def write(self, data: object) -> int:
            raise OSError(28, "No space left on device")

        def fileno(self) -> int:
            return self._inner.fileno()

        def close(self) -> None:
            self._inner.close()
            super().close()

    def failing_open(path: Path) -> BinaryIO:
        opened.append(path)
        if fail_at == len(opened) or (fail_at == "pack" and path.name.endswith(".zip.age")):
            return DiskFull(path)  # type: ignore[return-value]
        return real_open(path)

    renames: list[Path] = []

    def failing_rename(src: Path, dst: Path) -> None:
        renames.append(dst)
        if fail_at == "rename" and len(renames) == 2:  # the pack is in place; the folder's rename fails
            raise OSError(13, "Permission denied")
        real_rename(src, dst)

    monkeypatch.setattr(staging, "_open_new", failing_open)
    monkeypatch.setattr(staging, "_rename", failing_rename)
    _, recipient = _age_keygen(tmp_path)
    with pytest.raises(export.ExportError, match="cannot write the police export"):
        _export(case, out, pack_recipient=recipient)
    assert list(out.iterdir()) == []
    assert isinstance(fail_at, str) or len(opened) == fail_at  # the failure came where it was meant to
    # and with the failure gone, the same export succeeds
    monkeypatch.setattr(staging, "_open_new", real_open)
    monkeypatch.setattr(staging, "_rename", real_rename)
    result = _export(case, out, pack_recipient=recipient)
    assert result.folder.is_dir()
    assert result.pack_path is not None
    assert result.pack_path.is_file()


def test_an_existing_export_is_never_overwritten(case: Case, tmp_path: Path) -> None:
    first = _export(case, tmp_path)
    before = _tree(first.folder)
    with pytest.raises(UsageError, match="already exists"):
        _export(case, tmp_path)
    assert _tree(first.folder) == before
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / f"{case.verified.ref}-police-export.zip.age").write_bytes(b"earlier pack")
    with pytest.raises(UsageError, match="already exists"):
        _export(case, tmp_path / "other", pack_passphrase=PASSPHRASE)
    assert sorted(p.name for p in (tmp_path / "other").iterdir()) == [f"{case.verified.ref}-police-export.zip.age"]


def test_bad_pack_options_are_refused_before_anything_is_written(case: Case, tmp_path: Path) -> None:
    _, recipient = _age_keygen(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(UsageError, match="not both"):
        _export(case, out, pack_recipient=recipient, pack_passphrase=PASSPHRASE)
    with pytest.raises(EvidenceError):
        _export(case, out, pack_recipient="age1notarecipient")
    with pytest.raises(UsageError):
        _export(case, out, pack_passphrase="")
    assert not out.exists()


def test_report_without_previews_still_lists_every_digest(qapp, case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    refs = [e.ref for e in case.report.exhibits]
    pdf = render_report_pdf(case.report, {refs[0]: b"not an image"})  # one undecodable, the rest missing
    (tmp_path / "report.pdf").write_bytes(pdf)
    text = _run(["pdftotext", "-enc", "UTF-8", "report.pdf", "-"], tmp_path).stdout
    assert text.count("(no preview)") == len(refs)
    for e in case.report.exhibits:
        assert e.ref in text
        assert e.sha256 in text
        assert e.pixels_sha256 in text


def test_an_export_folder_verifies_without_holding_its_images(case: Case, tmp_path: Path) -> None:
    """``verify FOLDER`` reads REF.zip as a stream: images are hashed as they pass and fetched again when asked
    for, each checked against what was verified."""
    result = _export(case, tmp_path)
    profile = school_profile()
    assert profile.root_fingerprint is not None
    checked = export.verify_export(result.folder, profile, root_fingerprint=profile.root_fingerprint)
    bag = checked.verified.bag
    assert isinstance(bag, bundle.BagContents)
    images = [i.file for i in checked.verified.items]
    assert images
    assert not any(bag.is_held(name) for name in images)
    for item in checked.verified.items:
        assert hashlib.sha256(bag[item.file]).hexdigest() == item.sha256
    # the zip changed after it was verified: an image fetched now is refused, never handed over
    zip_path = result.folder / f"{case.verified.ref}.zip"
    data = bytearray(zip_path.read_bytes())
    at = data.index(bag[images[0]][100:132])
    data[at] ^= 0x01
    zip_path.write_bytes(bytes(data))
    with pytest.raises(BundleError) as caught:
        bag[images[0]]
    assert caught.value.check in ("payload hash", "zip structure")
