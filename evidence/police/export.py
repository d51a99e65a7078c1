"""The police export: a verified bundle written out as a folder a police officer can check with stock tools.

``out_dir/REF-police-export/`` holds::

    REF.zip               the decrypted bundle, byte for byte the zip that was sealed (and revised)
    REF/                  the same bag unpacked, file by file
    report.pdf            the report, rendered by the app (ui/report_pdf.py) from evidence.police.report
    statement-draft.txt   the producer's draft witness statement, to check, correct and sign
    VERIFY.txt            the stock-tool commands, with the exhibit table
    SHA256SUMS            ``sha256sum -c`` list of every other file in the folder

and, when asked for, ``out_dir/REF-police-export.zip.age`` beside it: the whole folder as a deterministic STORED
zip (:func:`evidence.bundle.safezip.write_zip`, names ``REF-police-export/…``) encrypted with age to a recipient or a
passphrase, for sending.

The export is plaintext on purpose: it is what the officer receives. Nothing else is: everything is built in
memory first (the pack is encrypted before anything touches the disk), then written into a hidden temporary
folder beside the target, read back and checked, and renamed into place only when complete. A failure removes the
temporary folder, so it leaves nothing behind; only a crash or power cut in the middle can leave a
``.ec-export-…`` folder, which holds part of an export and nothing else.

The bag is unpacked without ``extractall``: every name was checked when the bundle was verified, and is checked
again here (:func:`evidence.bundle.safezip.check_member_name`) before a path is built from it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from evidence import bundle
from evidence.bundle import safezip
from evidence.case.incident import check_ref
from evidence.core.errors import EvidenceError, UsageError
from evidence.core.fsutil import fsync_dir
from evidence.crypto import ageio
from evidence.police import report

EXPORT_SUFFIX = "-police-export"
PACK_SUFFIX = ".zip.age"
REPORT_PDF = "report.pdf"
STATEMENT = "statement-draft.txt"
VERIFY_TXT = "VERIFY.txt"
SUMS = report.EXPORT_SUMS
TEMP_PREFIX = ".ec-export-"
"""Prefix of the temporary folder and pack an export is built in (a crash may leave one behind)."""


class ExportError(EvidenceError):
    """The export could not be written (nothing was left behind)."""


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote.

    Attributes:
        folder: ``out_dir/REF-police-export``.
        zip_path: ``REF.zip`` in it.
        bag_dir: ``REF/`` in it, the bag unpacked.
        report_path: ``report.pdf``.
        statement_path: ``statement-draft.txt``.
        verify_path: ``VERIFY.txt``.
        sums_path: ``SHA256SUMS``.
        files: every file in the folder, relative (``/``-separated) → SHA-256 hex, as listed in SHA256SUMS.
        pack_path: ``out_dir/REF-police-export.zip.age``, or None.
        pack_sha256: SHA-256 hex of the pack, or None.
    """

    folder: Path
    zip_path: Path
    bag_dir: Path
    report_path: Path
    statement_path: Path
    verify_path: Path
    sums_path: Path
    files: Mapping[str, str]
    pack_path: Path | None = None
    pack_sha256: str | None = None


def sha256sums(files: Mapping[str, bytes]) -> bytes:
    """``sha256sum -c`` text for ``files`` (relative name → bytes), sorted by name."""
    return "".join(f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n" for n in sorted(files)).encode("utf-8")


def export_contents(
    verified: bundle.VerifiedBundle,
    *,
    report_pdf: bytes,
    exported_by: str,
    officer_reference: str,
    exported_utc: str,
) -> dict[str, bytes]:
    """Every file of the export folder: relative name (``/``-separated) → bytes. Pure.

    Raises:
        BundleError: a bag member's name is not safe (it cannot be, for a verified bundle).
    """
    ref = check_ref(verified.ref)
    rep = report.build_report(
        verified, exported_by=exported_by, officer_reference=officer_reference, exported_utc=exported_utc
    )
    files: dict[str, bytes] = {f"{ref}.zip": verified.zip_bytes}
    for name in sorted(verified.bag):
        safezip.check_member_name(name)
        files[f"{ref}/{name}"] = verified.bag[name]
    files[REPORT_PDF] = report_pdf
    files[STATEMENT] = report.statement_text(rep).encode("utf-8")
    files[VERIFY_TXT] = report.verify_txt(rep).encode("utf-8")
    files[SUMS] = sha256sums(files)
    return files


def pack_zip(folder_name: str, files: Mapping[str, bytes]) -> bytes:
    """The folder as a deterministic STORED zip, every name under ``folder_name/``."""
    out = io.BytesIO()
    safezip.write_zip(((f"{folder_name}/{n}", files[n]) for n in sorted(files)), out)
    return out.getvalue()


def export_police(
    verified: bundle.VerifiedBundle,
    out_dir: Path,
    *,
    report_pdf: bytes,
    exported_by: str,
    officer_reference: str,
    exported_utc: str,
    pack_recipient: str | None = None,
    pack_passphrase: str | None = None,
) -> ExportResult:
    """Write the police export folder (and, if asked, its encrypted pack) into ``out_dir``.

    Args:
        verified: a bundle that passed every check.
        out_dir: where ``REF-police-export/`` goes (created if missing).
        report_pdf: the rendered report.
        exported_by: who is exporting (name and principal).
        officer_reference: the officer's or crime reference.
        exported_utc: when (ISO 8601 UTC).
        pack_recipient: an ``age1…`` recipient to encrypt the pack to.
        pack_passphrase: or a passphrase to encrypt the pack with (not both).

    Returns:
        Where everything went, with the pack's SHA-256.

    Raises:
        UsageError: the folder or the pack already exists, both a recipient and a passphrase were given, or the
            recipient or passphrase is unusable.
        ExportError: writing failed; nothing was left behind.
    """
    ref = check_ref(verified.ref)
    if pack_recipient is not None and pack_passphrase is not None:
        raise UsageError("encrypt the pack to a recipient or with a passphrase, not both")
    folder = out_dir / f"{ref}{EXPORT_SUFFIX}"
    pack_path = out_dir / f"{folder.name}{PACK_SUFFIX}" if (pack_recipient or pack_passphrase is not None) else None
    for existing in (folder, pack_path):
        if existing is not None and (existing.exists() or existing.is_symlink()):
            raise UsageError(f"{existing}: already exists; refusing to overwrite an earlier export")
    files = export_contents(
        verified,
        report_pdf=report_pdf,
        exported_by=exported_by,
        officer_reference=officer_reference,
        exported_utc=exported_utc,
    )
    pack: bytes | None = None
    if pack_recipient is not None:
        pack = ageio.encrypt(pack_zip(folder.name, files), [pack_recipient])
    elif pack_passphrase is not None:
        pack = ageio.encrypt_with_passphrase(pack_zip(folder.name, files), pack_passphrase)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ExportError(f"{out_dir}: cannot create the folder: {e.strerror or e}") from e
    token = secrets.token_hex(6)
    tmp_dir = out_dir / f"{TEMP_PREFIX}{token}-{folder.name}"
    tmp_pack = out_dir / f"{TEMP_PREFIX}{token}-{folder.name}{PACK_SUFFIX}"
    placed: list[Path] = []
    try:
        _write_tree(tmp_dir, files)
        if pack is not None and pack_path is not None:
            _write_file(tmp_pack, pack)
            _rename(tmp_pack, pack_path)
            placed.append(pack_path)
        _rename(tmp_dir, folder)
        placed.append(folder)
        with contextlib.suppress(OSError):
            fsync_dir(out_dir)
    except BaseException as e:
        _remove(tmp_dir)
        _remove(tmp_pack)
        for path in placed:
            _remove(path)
        if isinstance(e, OSError):
            raise ExportError(f"{out_dir}: cannot write the police export: {e.strerror or e}") from e
        raise
    return ExportResult(
        folder=folder,
        zip_path=folder / f"{ref}.zip",
        bag_dir=folder / ref,
        report_path=folder / REPORT_PDF,
        statement_path=folder / STATEMENT,
        verify_path=folder / VERIFY_TXT,
        sums_path=folder / SUMS,
        files={n: hashlib.sha256(d).hexdigest() for n, d in files.items() if n != SUMS},
        pack_path=pack_path,
        pack_sha256=hashlib.sha256(pack).hexdigest() if pack is not None else None,
    )


def _write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    """Create ``root`` (it must not exist) and write ``files`` under it, then read every file back and check it."""
    root.mkdir(mode=0o700)
    dirs = {root}
    for name in sorted(files):
        parts = name.split("/")
        target = root.joinpath(*parts)
        for i in range(1, len(parts)):
            d = root.joinpath(*parts[:i])
            if d not in dirs:
                d.mkdir(mode=0o700)
                dirs.add(d)
        _write_file(target, files[name])
    for name in sorted(files):
        if root.joinpath(*name.split("/")).read_bytes() != files[name]:
            raise OSError(f"{name} reads back differently from what was written")
    for d in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
        fsync_dir(d)


def _write_file(path: Path, data: bytes) -> None:
    """Write a new file (never over an existing one), flushed to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _rename(src: Path, dst: Path) -> None:
    """Rename, refusing to replace anything that appeared at ``dst`` meanwhile."""
    if dst.exists() or dst.is_symlink():
        raise UsageError(f"{dst}: appeared while the export was being written; refusing to overwrite it")
    os.rename(src, dst)  # POSIX would replace an empty directory here; the check above rules that out


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
