"""Data-protection workflows shared by the command line and the reviewer's window: subject access packs, and a
staff workstation catching up with disposals at start.

The subject access export is logged like the police export: the pack is built first (so a request naming nobody
in the incident, or a text in which another person's name survived, logs nothing), then a signed
``subject-access-export`` revision is published on the share as the case's next revision file through
:func:`evidence.review.actions.record_action` (added on top if someone else recorded first), then the pack is
written and its folder recorded in the exports register (:mod:`app.exports`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.workspace import Workspace
from evidence.core.errors import EvidenceError, UsageError
from evidence.review.disposal import disposed_references

if TYPE_CHECKING:
    # The subject access export alone needs these (the bundle reader, the police pack, Pillow through the
    # redaction code); the app calls :func:`apply_disposals` at every start, so they are imported where used.
    from evidence import bundle
    from evidence.bundle import share
    from evidence.crypto.keys import Identity

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubjectAccessDone:
    """A subject access export: the pack's folder, and the ``subject-access-export`` revision that logged it."""

    folder: Path
    published: share.Published


def sar_export(
    ws: Workspace, path: Path, verified: bundle.VerifiedBundle, reviewer: Identity, subject: str, out_dir: Path
) -> SubjectAccessDone:
    """Build, log and write the subject access pack of ``verified`` for ``subject``.

    The pack is built from the case's latest complete revision in the bundle's folder (``verified``, or a later one
    verified here, so redactions recorded since are given); the log is the case's next revision there.
    """
    from app import exports
    from app.police import ensure_qt_for_rendering
    from evidence.bundle import share
    from evidence.police.sar_export import PACK_SUFFIX, build_pack, write_pack
    from evidence.review import actions as review
    from ui.data_protection_pdf import render_sar_pdf

    profile = ws.profile()
    current = share.current_revision(path.parent, verified.ref)
    if current is not None and current.path != path and current.rank > len(verified.revisions):
        verified, _digest = share.check_revision(current.path, reviewer, profile)  # the latest redactions
    pack = build_pack(verified, subject)
    target = out_dir / f"{verified.ref}{PACK_SUFFIX}"
    if target.exists() or target.is_symlink():
        raise UsageError(f"{target}: already exists; choose another folder (nothing was exported or logged)")
    given = ", ".join(n.split("-")[1].lstrip("0") for n in pack.images) or "none"
    published = review.record_action(
        path.parent,
        verified.ref,
        reviewer,
        profile,
        review.ReviewAction.SUBJECT_ACCESS_EXPORT,
        "Subject access copy exported",
        {"subject": pack.copy.subject, "items": given},
        based_on=len(verified.revisions),
    )
    ensure_qt_for_rendering()
    pdf = render_sar_pdf(verified.ref, pack.text, pack.images)
    folder = write_pack(pack, out_dir, pdf=pdf)
    exports.record(ws.paths.data_dir, verified.ref, "subject-access", folder)
    return SubjectAccessDone(folder, published)


def apply_disposals(ws: Workspace) -> list[str]:
    """Purge from this workstation's vault every incident the drop folder's register says was disposed of.

    A register that fails its checks deletes nothing (it is logged). Returns the references purged.
    """
    try:
        refs = disposed_references(ws.drop_folder(), ws.profile())
    except EvidenceError as e:
        log.warning("the disposal register could not be checked: %s", getattr(e, "check", type(e).__name__))
        return []
    if not refs or not ws.paths.vault.exists():
        return []
    purged = []
    with ws.open_vault() as vault:
        for ref in refs:
            if vault.purge_disposed(ref):
                purged.append(ref)
    return purged
