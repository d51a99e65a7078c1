"""The police export: a verified bundle written out as a folder a police officer can check with stock tools.

``out_dir/REF-police-export/`` holds::

    REF.zip               the decrypted bundle, byte for byte the zip that was sealed (and revised)
    REF/                  the same bag unpacked, file by file
    report.pdf            the report, rendered by the app (ui/report_pdf.py) from evidence.police.report
    statement-draft.txt   the producer's draft witness statement, to check, correct and sign
    VERIFY.txt            the stock-tool commands, with the exhibit table
    SHA256SUMS            ``sha256sum -c`` list of every other file in the folder
    SHA256SUMS.sig        the exporting reviewer's SSHSIG over SHA256SUMS (namespace evidence-capture-export-v1)

and, when asked for, ``out_dir/REF-police-export.zip.age`` beside it: the whole folder as a deterministic STORED
zip (:func:`evidence.bundle.safezip.write_zip`, names ``REF-police-export/…``) encrypted with age to a recipient or a
passphrase, for sending.

The export is plaintext on purpose: it is what the officer receives. It is written as a stream, in memory bounded
by one image (:mod:`evidence.police.staging`): into a hidden temporary folder beside the target, each file hashed
once as it is written, then read back and checked, the pack (if any) made from those checked files, and both
renamed into place only when complete. A failure removes everything it wrote, so it leaves nothing behind; only a
crash or power cut in the middle can leave a ``.ec-export-…`` folder, which holds part of an export and nothing
else.

The bag is unpacked without ``extractall``: every name was checked when the bundle was verified, and is checked
again here (:func:`evidence.bundle.safezip.check_member_name`) before a path is built from it.

``SHA256SUMS.sig`` is what stops someone who intercepts the pack from re-writing the report or the draft statement
and recomputing ``SHA256SUMS``: the officer checks it against the bag's root-signed signer list
(``REF/seal/trust/vV/allowed_signers``), in which only reviewers may sign in the export namespace.
:func:`verify_export` checks a pack the way ``VERIFY.txt`` tells the officer to, for ``evidence-capture verify
FOLDER``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from evidence import bundle
from evidence.bundle import safezip
from evidence.case.incident import check_ref
from evidence.case.profile import Profile
from evidence.core.errors import BundleError, SignatureError, UnsafeFileError, UsageError
from evidence.core.safefile import open_regular, read_regular
from evidence.core.text import clean_line
from evidence.crypto import ageio, sshsig
from evidence.crypto.keys import Identity
from evidence.crypto.namespaces import EXPORT_NAMESPACE
from evidence.police import report, staging
from evidence.police.staging import TEMP_PREFIX, ExportError, StagedFolder, sums_text

__all__ = [
    "EXPORT_SUFFIX",
    "PACK_SUFFIX",
    "TEMP_PREFIX",
    "CheckedExport",
    "ExportError",
    "ExportResult",
    "StagedFolder",
    "check_export_signer",
    "export_police",
    "export_signature",
    "sha256sums",
    "verify_export",
    "write_export",
]

EXPORT_SUFFIX = "-police-export"
PACK_SUFFIX = staging.PACK_SUFFIX
REPORT_PDF = "report.pdf"
STATEMENT = "statement-draft.txt"
VERIFY_TXT = "VERIFY.txt"
SUMS = report.EXPORT_SUMS
SUMS_SIG = report.EXPORT_SUMS_SIG
MAX_SUMS_BYTES = 16 * 1024 * 1024
MAX_SIG_BYTES = 64 * 1024
_SUMS_LINE = re.compile(r"^([0-9a-f]{64})  ([A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*)$")
_CHUNK = 1024 * 1024


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
        sums_sig_path: ``SHA256SUMS.sig``, the exporting reviewer's signature over ``SHA256SUMS``.
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
    sums_sig_path: Path
    pack_path: Path | None = None
    pack_sha256: str | None = None


def sha256sums(files: Mapping[str, bytes]) -> bytes:
    """``sha256sum -c`` text for ``files`` (relative name → bytes), sorted by name (never itself or its signature)."""
    names = sorted(n for n in files if n not in (SUMS, SUMS_SIG))
    return "".join(f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n" for n in names).encode("utf-8")


def check_export_signer(verified: bundle.VerifiedBundle, signer: Identity) -> None:
    """Check that ``signer`` may sign this bundle's export, before anything is written.

    Raises:
        UsageError: the bundle carries a trust path and ``signer`` is not a reviewer in its latest profile version
            (whose signer list is the only one that may sign exports).
    """
    latest, path = verified.revisions[-1].record.trust, verified.trust.path
    if latest is not None and path is not None:
        signers = path.profiles[latest.profile_version].allowed_signers()
        if not sshsig.find_principals(signers, signer.card.ssh_key, EXPORT_NAMESPACE):
            raise UsageError(
                f"{signer.card.principal} is not a reviewer in version {latest.profile_version} of the bundle's "
                "school profile, so cannot sign a police export"
            )


def export_signature(sums: bytes, verified: bundle.VerifiedBundle, signer: Identity) -> bytes:
    """``SHA256SUMS.sig``: ``signer``'s SSHSIG over ``sums`` in the export namespace.

    Raises:
        UsageError: ``signer`` may not sign this bundle's export (:func:`check_export_signer`).
    """
    check_export_signer(verified, signer)
    return signer.sign(sums, EXPORT_NAMESPACE).encode("ascii")


def write_export(
    verified: bundle.VerifiedBundle,
    staged: StagedFolder,
    *,
    prefix: str = "",
    report_pdf: bytes,
    exported_by: str,
    officer_reference: str,
    exported_utc: str,
    signer: Identity,
    first_exhibit: int = 1,
) -> None:
    """Write every file of one export into ``staged`` under ``prefix`` (``""``, or a folder name and ``/``).

    The bundle is decrypted twice, streaming: once into ``REF.zip`` (byte for byte, each member checked against
    what verification saw) and once into the unpacked ``REF/``, one image at a time. ``first_exhibit`` numbers the
    first exhibit (see :func:`evidence.police.report.build_report`).

    Raises:
        BundleError: the bundle file changed since it was verified, or a name is not safe (it cannot be, for a
            verified bundle).
        UsageError: ``signer`` may not sign this bundle's export.
    """
    ref = check_ref(verified.ref)
    check_export_signer(verified, signer)
    rep = report.build_report(
        verified,
        exported_by=exported_by,
        officer_reference=officer_reference,
        exported_utc=exported_utc,
        exporter=signer.card.principal,
        first_exhibit=first_exhibit,
    )
    staged.add_stream(f"{prefix}{ref}.zip", verified.copy_zip)
    for name, data in verified.bag.items():  # one pass over the bundle (images are fetched, not held)
        safezip.check_member_name(name)
        staged.add(f"{prefix}{ref}/{name}", data)
    staged.add(prefix + REPORT_PDF, report_pdf)
    staged.add(prefix + STATEMENT, report.statement_text(rep).encode("utf-8"))
    staged.add(prefix + VERIFY_TXT, report.verify_txt(rep).encode("utf-8"))
    mine = {n[len(prefix) :]: d for n, d in staged.digests.items() if n.startswith(prefix)}
    sums = sums_text(mine, (SUMS, SUMS_SIG))
    staged.add(prefix + SUMS, sums)
    staged.add(prefix + SUMS_SIG, export_signature(sums, verified, signer))


def export_police(
    verified: bundle.VerifiedBundle,
    out_dir: Path,
    *,
    report_pdf: bytes,
    exported_by: str,
    officer_reference: str,
    exported_utc: str,
    signer: Identity,
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
        signer: the exporting reviewer, who signs ``SHA256SUMS``.
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
    if pack_recipient:
        ageio.check_recipients([pack_recipient])
    if pack_passphrase is not None and not pack_passphrase:
        raise UsageError("the passphrase must not be empty")
    check_export_signer(verified, signer)
    with StagedFolder(
        out_dir, f"{ref}{EXPORT_SUFFIX}", pack=bool(pack_recipient or pack_passphrase is not None)
    ) as staged:
        write_export(
            verified,
            staged,
            report_pdf=report_pdf,
            exported_by=exported_by,
            officer_reference=officer_reference,
            exported_utc=exported_utc,
            signer=signer,
        )
        staged.check()
        if staged.pack_path is not None:
            staged.write_pack(recipient=pack_recipient or None, passphrase=pack_passphrase)
        staged.publish()
    folder = staged.folder
    return ExportResult(
        folder=folder,
        zip_path=folder / f"{ref}.zip",
        bag_dir=folder / ref,
        report_path=folder / REPORT_PDF,
        statement_path=folder / STATEMENT,
        verify_path=folder / VERIFY_TXT,
        sums_path=folder / SUMS,
        files={n: d for n, d in staged.digests.items() if n not in (SUMS, SUMS_SIG)},
        sums_sig_path=folder / SUMS_SIG,
        pack_path=staged.pack_path,
        pack_sha256=staged.pack_sha256,
    )


# -- checking a pack -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedExport:
    """A police export folder that passed every check.

    Attributes:
        verified: the bag its ``REF.zip`` holds, verified and anchored.
        files: every file ``SHA256SUMS`` lists, relative name → SHA-256 hex.
        exporter: the principal who signed ``SHA256SUMS``.
        exporter_fingerprint: their key's fingerprint.
    """

    verified: bundle.VerifiedBundle
    files: Mapping[str, str]
    exporter: str
    exporter_fingerprint: str


def _fail(check: str, message: str, member: str | None = None) -> BundleError:
    where = f"{member}: " if member else ""
    return BundleError(f"{check}: {where}{message}", check=check, member=member)


def _read(path: Path, max_bytes: int, what: str, check: str, member: str) -> bytes:
    try:
        return read_regular(path, max_bytes=max_bytes, what=what)
    except UnsafeFileError as e:
        raise _fail(check, clean_line(e, limit=300), member) from e


def _file_sha256(path: Path, member: str) -> str:
    """SHA-256 hex of a regular file of at most the bundle cap, read in chunks."""
    digest = hashlib.sha256()
    try:
        with open_regular(path, max_bytes=bundle.MAX_BUNDLE_BYTES, what="file") as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
    except UnsafeFileError as e:
        raise _fail("export files", clean_line(e, limit=300), member) from e
    except OSError as e:
        raise _fail("export files", f"cannot read it: {e.strerror or e}", member) from e
    return digest.hexdigest()


def verify_export(folder: Path, profile: Profile | None, *, root_fingerprint: str) -> CheckedExport:
    """Check a police export folder as its ``VERIFY.txt`` tells the officer to, anchored to ``root_fingerprint``.

    Order: the bag in ``REF.zip`` (every bundle check, anchored to the root); ``SHA256SUMS.sig`` by a reviewer on
    the latest root-signed signer list (check ``export signature``); ``SHA256SUMS`` lists exactly the folder's
    files and each matches (``export files``); the unpacked ``REF/`` is the zip's bag, file for file.

    Raises:
        BundleError: naming the check and the file.
    """
    if not folder.name.endswith(EXPORT_SUFFIX):
        raise _fail("export files", f"is not a REF{EXPORT_SUFFIX} folder", folder.name)
    try:
        ref = check_ref(folder.name[: -len(EXPORT_SUFFIX)])
    except UsageError as e:
        raise _fail("export files", f"is not a REF{EXPORT_SUFFIX} folder", folder.name) from e
    zip_path = folder / f"{ref}.zip"

    def reopen() -> BinaryIO:
        try:
            return open_regular(zip_path, max_bytes=bundle.MAX_BUNDLE_BYTES, what="bundle zip")
        except UnsafeFileError as e:
            raise _fail("export files", clean_line(e, limit=300), f"{ref}.zip") from e

    try:  # in bounded memory: images are hashed as they pass, and fetched from the file when asked for
        verified = bundle.verify_zip_file(reopen, profile, root_fingerprint=root_fingerprint)
    except OSError as e:
        raise _fail("export files", f"cannot read it: {e.strerror or e}", f"{ref}.zip") from e
    if verified.ref != ref:
        raise _fail("export files", f"holds the bag of {verified.ref}, not {ref}", f"{ref}.zip")
    sums = _read(folder / SUMS, MAX_SUMS_BYTES, "list of digests", "export files", SUMS)
    signature = _read(folder / SUMS_SIG, MAX_SIG_BYTES, "signature", "export signature", SUMS_SIG)
    exporter, exporter_fp = _check_export_signature(sums, signature, verified, profile)
    listed = _parse_sums(sums)
    on_disk = _files_under(folder) - {SUMS, SUMS_SIG}
    for name in sorted(set(listed) ^ on_disk):
        problem = "is in the folder but not in SHA256SUMS" if name in on_disk else "is in SHA256SUMS but missing"
        raise _fail("export files", problem, name)
    for name, digest in listed.items():
        if _file_sha256(folder.joinpath(*name.split("/")), name) != digest:
            raise _fail("export files", "does not match SHA256SUMS", name)
    unpacked = {n[len(ref) + 1 :]: d for n, d in listed.items() if n.startswith(f"{ref}/")}
    expected = (
        {n: verified.bag.sha256_hex(n) for n in verified.bag}
        if isinstance(verified.bag, bundle.BagContents)
        else {n: hashlib.sha256(d).hexdigest() for n, d in verified.bag.items()}
    )
    if unpacked != expected:
        name = sorted(set(unpacked.items()) ^ set(expected.items()))[0][0]
        raise _fail("export files", f"the folder {ref}/ is not the bag in {ref}.zip", f"{ref}/{name}")
    return CheckedExport(verified, listed, exporter, exporter_fp)


def _check_export_signature(
    sums: bytes, signature: bytes, verified: bundle.VerifiedBundle, profile: Profile | None
) -> tuple[str, str]:
    try:
        key = sshsig.verify(signature, sums, EXPORT_NAMESPACE)
    except SignatureError as e:
        raise _fail("export signature", f"does not verify over SHA256SUMS: {e}", SUMS_SIG) from e
    fp = sshsig.fingerprint(key)
    latest, path = verified.revisions[-1].record.trust, verified.trust.path
    if latest is not None and path is not None:
        signers, where = path.profiles[latest.profile_version].allowed_signers(), "the bundle's latest signed profile"
    elif profile is not None:
        signers, where = profile.allowed_signers(), "the school profile"
    else:
        raise _fail(
            "export signature", "the bundle predates school roots, and there is no profile to check it", SUMS_SIG
        )
    principals = sshsig.find_principals(signers, key, EXPORT_NAMESPACE)
    if not principals:
        raise _fail("export signature", f"was signed by {fp}, who is not a reviewer in {where}", SUMS_SIG)
    return principals[0], fp


def _parse_sums(sums: bytes) -> dict[str, str]:
    try:
        text = sums.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _fail("export files", "is not UTF-8 text", SUMS) from e
    out: dict[str, str] = {}
    lines = text.split("\n")
    if lines[-1] != "":
        raise _fail("export files", "does not end with a newline", SUMS)
    for number, line in enumerate(lines[:-1], start=1):
        m = _SUMS_LINE.match(line)
        if not m or m.group(2) in out or ".." in m.group(2).split("/"):
            raise _fail("export files", f"line {number} is not 'SHA256  NAME' of a new file", SUMS)
        out[m.group(2)] = m.group(1)
    return out


def _files_under(folder: Path) -> set[str]:
    out = set()
    for path in folder.rglob("*"):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink() or not (path.is_dir() or path.is_file()):
            raise _fail("export files", "is not a regular file or folder", rel)
        if path.is_file():
            out.add(rel)
    return out
