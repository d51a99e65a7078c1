"""The subject access pack: redacted copies only, a plain-English account without third parties, and what was withheld.

A subject access request is answered from a verified bundle, and the answer leaves the school as plaintext. This
module defends against the two ways such a pack leaks: an original item (with other people's names and faces)
slipping in, and another person's details in the text. So :func:`build_pack`:

- takes images only from the bundle's checked redacted copies (:attr:`VerifiedBundle.redacted`, the latest of
  each item) and lists every item without one as withheld; it refuses any file whose digest is an original's;
- writes the text with :func:`evidence.case.sar.subject_access_copy`, which removes every other person's name,
  handles and addresses and refuses (check ``survived``) a text in which one survived;
- states each box's reason by its code's label only (a reviewer's note may itself name someone).

:func:`write_pack` puts the files in a new folder ``REF-subject-access`` that must not exist, writing them into a
hidden temporary folder first and renaming it, so a failure leaves nothing half-written. The PDF is rendered by the
caller (Qt lives in ``ui/``) from :attr:`SarPack.text` and the images.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from evidence import bundle
from evidence.capture.redact import REASON_LABELS as BOX_LABELS
from evidence.case import policy
from evidence.case.incident import Category, PerpetratorType, ReportType, TargetRole
from evidence.case.sar import Person, PersonKind, Relation, SarCopy, SarError, subject_access_copy
from evidence.core.errors import UsageError
from evidence.core.fsutil import TEMP_PREFIX, fsync_dir
from evidence.core.text import clean_line
from evidence.review.lifecycle import latest_redactions

PACK_SUFFIX = "-subject-access"
TEXT_NAME = "subject-access.txt"
PDF_NAME = "subject-access.pdf"

_KIND_OF_ROLE = {
    TargetRole.PUPIL: PersonKind.PUPIL,
    TargetRole.STAFF: PersonKind.STAFF,
    TargetRole.PARENT: PersonKind.PARENT,
    TargetRole.OTHER: PersonKind.OTHER,
}


def people_of(verified: bundle.VerifiedBundle) -> list[Person]:
    """Everyone the sealed incident names: the target, the person said to have done it, witnesses, the sealer."""
    d = verified.incident.details
    people: list[Person] = []
    if d.target_name.strip():
        kind = _KIND_OF_ROLE.get(d.target_role, PersonKind.PUPIL) if d.target_role else PersonKind.PUPIL
        people.append(Person(d.target_name.strip(), Relation.TARGET, kind))
    if d.perpetrator_name.strip() or d.perpetrator_handle.strip():
        ids = tuple(x.strip() for x in (d.perpetrator_handle, d.perpetrator_url) if x.strip())
        name = d.perpetrator_name.strip() or d.perpetrator_handle.strip()
        people.append(Person(name, Relation.PERPETRATOR, PersonKind.OTHER, ids))
    for witness in re.split(r"[,;\n]|\band\b", d.witnesses):
        if witness.strip():
            people.append(Person(witness.strip(), Relation.WITNESS, PersonKind.OTHER))
    sealer = verified.sealer.signer_name.strip()
    if sealer and all(p.name != sealer for p in people):
        people.append(Person(sealer, Relation.REPORTER, PersonKind.STAFF))
    return people


def _labels() -> dict[str, str]:
    """Display labels of the form's closed sets (``cyber-bullying`` → "Cyber bullying incident"), first one wins."""
    out: dict[str, str] = {}
    for enum_type in (ReportType, Category, TargetRole, PerpetratorType):
        for member in enum_type:
            out.setdefault(member.value, policy.label(member))
    return out


@dataclass(frozen=True)
class SarPack:
    """A subject access pack in memory.

    Attributes:
        reference: the incident.
        copy: the text decisions.
        images: file name in the pack → PNG bytes (redacted copies only).
        text: the whole plain-English text (the copy, the images and what was withheld).
        withheld_items: the numbers of items given no image (no redacted copy).
    """

    reference: str
    copy: SarCopy
    images: dict[str, bytes]
    text: str
    withheld_items: tuple[int, ...]


def build_pack(verified: bundle.VerifiedBundle, subject: str) -> SarPack:
    """The pack for ``subject`` (who must be named in the incident).

    Raises:
        SarError: check ``subject``, ``survived`` (see :func:`~evidence.case.sar.subject_access_copy`) or
            ``original`` (an image would be an original item: never written).
    """
    copy = subject_access_copy(
        verified.incident.details.to_json_dict(),
        people_of(verified),
        subject,
        reference=verified.ref,
        labels=_labels(),
    )
    originals = {i.sha256 for i in verified.items}
    latest = latest_redactions(verified)
    images: dict[str, bytes] = {}
    lines = ["", "Images", "------"]
    withheld: list[int] = []
    for item in verified.items:
        red = latest.get(item.seq)
        if red is None:
            withheld.append(item.seq)
            continue
        data = verified.bag[red.png_name]
        if hashlib.sha256(data).hexdigest() in originals:
            raise SarError(f"item {item.seq}: the image is an original, not a redacted copy", check="original")
        name = f"image-{item.seq:03d}-redacted.png"
        images[name] = data
        reasons = sorted({BOX_LABELS[b.reason] for b in red.record.boxes})
        lines.append(
            f"{name}: a copy of screenshot {item.seq} with {len(red.record.boxes)} area(s) blacked out "
            f"({'; '.join(reasons)})."
        )
    if not images:
        lines.append("No image is included.")
    if withheld:
        lines.append(
            "Screenshot(s) "
            + ", ".join(str(n) for n in withheld)
            + " are withheld: they show other people's details and no redacted copy has been made of them."
        )
    text = copy.text + "\n".join(lines) + "\n"
    return SarPack(verified.ref, copy, images, text, tuple(withheld))


def write_pack(pack: SarPack, out_dir: Path, *, pdf: bytes | None) -> Path:
    """Write the pack as ``out_dir/REF-subject-access/`` (text, PDF if given, images); return the folder.

    Raises:
        UsageError: the folder exists, or cannot be written (nothing is left half-written).
    """
    target = out_dir / f"{pack.reference}{PACK_SUFFIX}"
    if target.exists() or target.is_symlink():
        raise UsageError(f"{target}: already exists; choose another folder")
    tmp = out_dir / f"{TEMP_PREFIX}{secrets.token_hex(6)}{PACK_SUFFIX}"
    files = {TEXT_NAME: pack.text.encode("utf-8"), **pack.images}
    if pdf is not None:
        files[PDF_NAME] = pdf
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        os.mkdir(tmp, 0o700)
        for name, data in files.items():
            fd = os.open(tmp / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        fsync_dir(tmp)
        os.rename(tmp, target)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise UsageError(f"{clean_line(str(out_dir))}: cannot write the subject access pack: {e.strerror or e}") from e
    return target
