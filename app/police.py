"""The police export workflow, shared by the ``export-police`` verb and the reviewer's button: one incident, or
several linked incidents as one course-of-conduct pack (:func:`export_course_of_conduct`).

The export is itself logged: first an ``exported-to-police`` review revision (with the officer's reference) is
signed into the bundle, then the re-verified bundle is exported, so the pack's custody record ends with the
export that produced it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evidence import bundle
from evidence.bundle import seal as sealing
from evidence.case.profile import Profile
from evidence.core.errors import BundleError, UsageError
from evidence.core.timefmt import utc_now
from evidence.crypto.keys import Identity
from evidence.police.conduct import Conduct, ConductResult, export_conduct, plan
from evidence.police.export import EXPORT_SUFFIX, ExportResult, export_police
from evidence.police.report import build_report, exhibit_images
from evidence.review import actions as review


@dataclass(frozen=True)
class PoliceExport:
    """What an export did."""

    result: ExportResult
    bundle_path: Path
    verified: bundle.VerifiedBundle


def ensure_qt_for_rendering() -> None:
    """The PDF is drawn with Qt: make sure a (headless) QGuiApplication exists."""
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        QGuiApplication([])


def export_for_police(
    bundle_path: Path,
    reviewer: Identity,
    profile: Profile,
    out_dir: Path,
    *,
    officer_reference: str,
    why: str = "",
    pack_recipient: str | None = None,
    pack_passphrase: str | None = None,
) -> PoliceExport:
    """Log the export as a signed revision, then write the police pack from the re-verified bundle.

    The revision is published on top of the latest revision in the bundle's drop folder
    (:func:`evidence.review.actions.record_action`), so the pack holds every action recorded so far.
    """
    from ui.report_pdf import render_report_pdf

    verified = sealing.verify_file(bundle_path, reviewer, profile)
    target = out_dir / f"{verified.ref}{EXPORT_SUFFIX}"
    if target.exists() or target.with_name(target.name + ".zip.age").exists():
        raise UsageError(f"{target}: already exists; choose another folder (nothing was exported or logged)")
    published = review.record_action(
        bundle_path.parent,
        verified.ref,
        reviewer,
        profile,
        review.ReviewAction.EXPORTED,
        why or f"Exported for the police ({officer_reference})",
        {"officer_reference": officer_reference},
        based_on=len(verified.revisions),
    )
    assert published.verified is not None  # a revision is always read back and verified
    verified, new_path = published.verified, published.path
    when = verified.revisions[-1].time_utc
    by = f"{reviewer.card.name} <{reviewer.card.principal}>"
    report = build_report(
        verified,
        exported_by=by,
        officer_reference=officer_reference,
        exported_utc=when,
        exporter=reviewer.card.principal,
    )
    thumbnails = exhibit_images(report, verified)
    ensure_qt_for_rendering()
    pdf = render_report_pdf(report, thumbnails)
    result = export_police(
        verified,
        out_dir,
        report_pdf=pdf,
        exported_by=by,
        officer_reference=officer_reference,
        exported_utc=when,
        signer=reviewer,
        pack_recipient=pack_recipient,
        pack_passphrase=pack_passphrase,
    )
    return PoliceExport(result, new_path, verified)


class PackBundleError(BundleError):
    """One bundle of a course-of-conduct pack failed a check; ``path`` names its file."""

    def __init__(self, path: Path, error: BundleError) -> None:
        super().__init__(str(error), check=error.check, member=error.member, field=error.field)
        self.path = path


@dataclass(frozen=True)
class ConductExport:
    """What a course-of-conduct export did."""

    result: ConductResult
    conduct: Conduct
    bundle_paths: tuple[Path, ...]


def export_course_of_conduct(
    bundle_paths: Sequence[Path],
    reviewer: Identity,
    profile: Profile,
    out_dir: Path,
    *,
    officer_reference: str,
    pack_recipient: str | None = None,
    pack_passphrase: str | None = None,
) -> ConductExport:
    """Export several linked incidents as one course-of-conduct pack.

    Every bundle is verified first, and the pack planned (which refuses one incident twice or bundles under
    different school roots), before anything is logged; then each bundle gets its ``exported-to-police`` revision,
    naming the other incidents, and the pack is written from the re-verified bundles.
    """
    from ui.conduct_pdf import render_conduct_pdf
    from ui.report_pdf import render_report_pdf

    verified = []
    for path in bundle_paths:
        try:
            verified.append(sealing.verify_file(path, reviewer, profile))
        except BundleError as e:
            raise PackBundleError(path, e) from e
    by = f"{reviewer.card.name} <{reviewer.card.principal}>"
    when = utc_now()
    plan_args = {"exported_by": by, "officer_reference": officer_reference, "exported_utc": when}
    name = plan(verified, exporter=reviewer.card.principal, **plan_args).name
    for existing in (out_dir / name, out_dir / f"{name}.zip.age"):
        if existing.exists() or existing.is_symlink():
            raise UsageError(f"{existing}: already exists; choose another folder (nothing was exported or logged)")
    refs = [v.ref for v in verified]
    revised = []
    for path, v in zip(bundle_paths, verified, strict=True):
        others = ", ".join(r for r in refs if r != v.ref)
        published = review.record_action(
            path.parent,
            v.ref,
            reviewer,
            profile,
            review.ReviewAction.EXPORTED,
            f"Exported for the police ({officer_reference}) as a course of conduct with {others}",
            {"officer_reference": officer_reference},
            based_on=len(v.revisions),
        )
        assert published.verified is not None  # a revision is always read back and verified
        revised.append(published.verified)
    conduct = plan(revised, exporter=reviewer.card.principal, **plan_args)
    ensure_qt_for_rendering()
    by_ref = {v.ref: v for v in revised}
    pdfs = {
        rep.ref: render_report_pdf(rep, {e.ref: by_ref[rep.ref].bag[e.file] for e in rep.exhibits})
        for rep in conduct.reports
    }
    result = export_conduct(
        conduct,
        revised,
        out_dir,
        report_pdfs=pdfs,
        conduct_pdf=render_conduct_pdf(conduct),
        signer=reviewer,
        pack_recipient=pack_recipient,
        pack_passphrase=pack_passphrase,
    )
    return ConductExport(result, conduct, tuple(bundle_paths))
