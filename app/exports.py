"""Where each plaintext export went: police packs and subject access packs, so none outlives its case unnoticed.

A police export or a subject access pack is plaintext by nature, and a copy left on a desktop outlives the
encrypted bundle it came from. This register (``exports.json`` in the data folder) lists each export's incident
reference, kind, folder and time, and nothing else: no names, no titles. The reviewer is offered to delete a
local copy once handed over (:func:`delete_export`), and disposal lists and offers to delete every export of the
case still present (:func:`present_for`). A damaged register is treated as empty and rewritten: it is a reminder,
not evidence.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from evidence.core.errors import EvidenceError, UnsafeFileError
from evidence.core.fsutil import atomic_write
from evidence.core.safefile import read_regular
from evidence.core.timefmt import utc_now

FILE_NAME = "exports.json"
FORMAT = "evidence-capture-exports/1"
MAX_BYTES = 4 << 20


@dataclass(frozen=True)
class ExportRecord:
    """One export: the incident, what kind (``police`` or ``subject-access``), the folder, and when."""

    ref: str
    kind: str
    path: str
    time_utc: str


def default_folder() -> Path:
    """Where exports go unless the reviewer chooses: the user's Documents folder (or home), never the data folder,
    where a plaintext pack would outlive everything else unnoticed."""
    home = Path.home()
    documents = home / "Documents"
    return (documents if documents.is_dir() else home) / "Evidence Capture exports"


def load(data_dir: Path) -> list[ExportRecord]:
    """Every recorded export (empty if there is no register or it is damaged)."""
    try:
        value = json.loads(read_regular(data_dir / FILE_NAME, max_bytes=MAX_BYTES, what="exports register"))
        if not isinstance(value, dict) or value.get("format") != FORMAT:
            return []
        return [
            ExportRecord(str(e["ref"]), str(e["kind"]), str(e["path"]), str(e["time_utc"]))
            for e in value.get("exports", [])
            if isinstance(e, dict)
        ]
    except (UnsafeFileError, FileNotFoundError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return []


def _save(data_dir: Path, records: list[ExportRecord]) -> None:
    body = {"format": FORMAT, "exports": [r.__dict__ for r in records]}
    atomic_write(data_dir / FILE_NAME, (json.dumps(body, indent=1) + "\n").encode("utf-8"), mode=0o600)


def record(data_dir: Path, ref: str, kind: str, path: Path) -> None:
    """Remember that ``ref`` was exported (``kind``) to ``path``."""
    with contextlib.suppress(OSError, EvidenceError):
        data_dir.mkdir(parents=True, exist_ok=True)
        _save(data_dir, [*load(data_dir), ExportRecord(ref, kind, str(path.resolve()), utc_now())])


def present_for(data_dir: Path, ref: str) -> list[ExportRecord]:
    """The exports of ``ref`` whose folder or file is still there."""
    return [r for r in load(data_dir) if r.ref == ref and Path(r.path).exists()]


def delete_export(data_dir: Path, rec: ExportRecord) -> bool:
    """Delete an export's folder (or file, and its ``.zip.age`` pack beside it) and forget it; True if gone."""
    path = Path(rec.path)
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        pack = path.with_name(path.name + ".zip.age")
        if pack.is_file():
            pack.unlink()
    gone = not path.exists()
    if gone:
        forget(data_dir, rec.ref, only=rec.path)
    return gone


def forget(data_dir: Path, ref: str, *, only: str | None = None) -> None:
    """Drop the records of ``ref`` (or of one path of it)."""
    keep = [r for r in load(data_dir) if not (r.ref == ref and (only is None or r.path == only))]
    with contextlib.suppress(OSError, EvidenceError):
        _save(data_dir, keep)
