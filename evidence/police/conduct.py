"""The course-of-conduct pack: several linked incidents in one police export, each bundle unchanged inside it.

Harassment is a course of conduct, two or more occasions (Protection from Harassment Act 1997), so the police need
the occasions together. The pack defends against two things. **A pack that changes the evidence or its checks**:
every incident is exported exactly as a single export is (:func:`evidence.police.export.write_export`: the
bundle's zip byte for byte, its bag unpacked, its report, statement, ``VERIFY.txt`` and signed ``SHA256SUMS``) into
its own ``REF-police-export/`` folder, so the officer checks each one with the same stock-tool procedure as any
single export; nothing of one bundle is merged into another. **A timeline that overstates**: the timeline page
lists each occasion with the date and time as the member of staff reported them (and says so), the platform, the
handles a reviewer confirmed (a handle only entered in the form is marked as such), and the exhibits; exhibit
numbers run on across the incidents in one list, per producer (``JS/1``… in the first incident, ``JS/3``… in the
next), so no two exhibits share a reference.

``OUT/FIRST-REF-course-of-conduct/`` holds::

    REF-police-export/       one per incident, in order of when it happened (as a single export)
    course-of-conduct.pdf    the timeline page and the continuing exhibit list (rendered by ui/conduct_pdf.py)
    timeline.txt             the same timeline as text
    statement-draft.txt      the exporting reviewer's draft statement covering the course of conduct
    VERIFY.txt               the stock-tool procedure: this folder's signed SHA256SUMS, then every incident's checks
    SHA256SUMS               ``sha256sum -c`` list of every other file, the incidents' folders included
    SHA256SUMS.sig           the exporting reviewer's SSHSIG over it (namespace evidence-capture-export-v1)

It is written as a single export is: built in memory, written to a hidden temporary folder, read back, renamed
into place; a failure leaves nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from evidence import APP_NAME, __version__, bundle
from evidence.bundle.layout import ROOT_PUB
from evidence.case.incident import check_ref
from evidence.case.search import fold
from evidence.core.errors import UsageError
from evidence.core.text import clean_line
from evidence.crypto import ageio
from evidence.crypto.keys import Identity
from evidence.crypto.namespaces import EXPORT_NAMESPACE
from evidence.police import export, report
from evidence.police.report import Report
from evidence.police.staging import sums_text
from evidence.review import casework, timeline

CONDUCT_SUFFIX = "-course-of-conduct"
CONDUCT_PDF = "course-of-conduct.pdf"
TIMELINE_TXT = "timeline.txt"
STATEMENT = export.STATEMENT
VERIFY_TXT = export.VERIFY_TXT
SUMS = export.SUMS
SUMS_SIG = export.SUMS_SIG
MIN_OCCASIONS = 2
"""A course of conduct is two or more occasions."""


@dataclass(frozen=True)
class OccasionRow:
    """One occasion on the timeline page.

    Attributes:
        number: its place in time order, from 1.
        ref: the incident's reference.
        title: the incident's title.
        date: the day it happened, in words ("2 November 2026"), or "not recorded".
        time: the time it happened ("19:40 UTC+00:00"), or "".
        time_source: where date and time come from ("as reported by staff", or the first exhibit's clock).
        platform: the platform.
        handles: the handles a reviewer confirmed, or the form's handle marked "(as entered)", or "".
        people: who a reviewer believes the handles are.
        exhibits: its exhibit references.
        folder: its folder in the pack.
    """

    number: int
    ref: str
    title: str
    date: str
    time: str
    time_source: str
    platform: str
    handles: str
    people: str
    exhibits: tuple[str, ...]
    folder: str


@dataclass(frozen=True)
class ExhibitRow:
    """One exhibit in the continuing list."""

    ref: str
    occasion: int
    incident: str
    file: str
    sha256: str
    captured_utc: str
    time_source: str


@dataclass(frozen=True)
class Conduct:
    """Everything the course-of-conduct pack says.

    Attributes:
        name: the pack's folder name, ``FIRST-REF-course-of-conduct``.
        school: the school.
        exported_by: who made the export (name and principal).
        exporter: the principal who signs ``SHA256SUMS``.
        officer_reference: the officer's or crime reference.
        exported_utc: when.
        software: the software that made it.
        root_fingerprint: the school root every bundle is anchored to.
        occasions: the occasions in order of when they happened.
        exhibits: the continuing exhibit list.
        reports: each incident's report, in the same order (exhibit numbers continued).
        reasons: why the incidents are linked, one line each (from the signed links and confirmations).
    """

    name: str
    school: str
    exported_by: str
    exporter: str
    officer_reference: str
    exported_utc: str
    software: str
    root_fingerprint: str
    occasions: tuple[OccasionRow, ...]
    exhibits: tuple[ExhibitRow, ...]
    reports: tuple[Report, ...]
    reasons: tuple[str, ...]


def plan(
    bundles: Sequence[bundle.VerifiedBundle],
    *,
    exported_by: str,
    officer_reference: str,
    exported_utc: str,
    exporter: str,
) -> Conduct:
    """Order the incidents by when they happened and number their exhibits in one continuing list.

    Raises:
        UsageError: fewer than two incidents, one incident twice, or bundles not anchored to one school root.
    """
    if len(bundles) < MIN_OCCASIONS:
        raise UsageError("a course of conduct is two or more occasions: give two or more bundles")
    refs = [v.ref for v in bundles]
    if len(set(refs)) != len(refs):
        raise UsageError("the same incident is given twice")
    roots = {v.trust.root_fingerprint or "" for v in bundles}
    if len(roots) != 1 or "" in roots:
        raise UsageError("every bundle of a course-of-conduct pack must be anchored to the same school root")
    by_ref = {v.ref: v for v in bundles}
    occasions = {v.ref: timeline.occasion(v) for v in bundles}
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    order = sorted(refs, key=lambda r: (occasions[r].when or far, r))
    next_number: dict[str, int] = {}
    reports, rows, exhibits = [], [], []
    for n, ref in enumerate(order, start=1):
        v, o = by_ref[ref], occasions[ref]
        prefix = report.initials(v.sealer.signer_name, v.sealer.signer_principal)
        rep = report.build_report(
            v,
            exported_by=exported_by,
            officer_reference=officer_reference,
            exported_utc=exported_utc,
            exporter=exporter,
            first_exhibit=next_number.get(prefix, 1),
        )
        next_number[prefix] = next_number.get(prefix, 1) + len(rep.exhibits)
        reports.append(rep)
        moments = {m.seq: m for m in o.items}
        for e in rep.exhibits:
            m = moments.get(e.seq)
            when, source = e.captured_utc, (m.source if m else timeline.TimeSource.STORED).value
            if m is not None and m.source is timeline.TimeSource.TRUSTED:  # the TSA's time, not the workstation's
                when = m.when.strftime("%Y-%m-%dT%H:%M:%SZ")
                source = f"{source}, TSA {m.tsa}" if m.tsa else source
            exhibits.append(ExhibitRow(e.ref, n, ref, f"{ref}/{e.file}", e.sha256, when, source))
        rows.append(_row(n, o, rep))
    first = reports[0]
    return Conduct(
        name=f"{check_ref(order[0])}{CONDUCT_SUFFIX}",
        school=first.school,
        exported_by=clean_line(exported_by),
        exporter=clean_line(exporter),
        officer_reference=clean_line(officer_reference),
        exported_utc=exported_utc,
        software=f"{APP_NAME} {__version__}",
        root_fingerprint=first.root_fingerprint,
        occasions=tuple(rows),
        exhibits=tuple(exhibits),
        reports=tuple(reports),
        reasons=tuple(_reasons([by_ref[r] for r in order])),
    )


def _row(n: int, o: timeline.Occasion, rep: Report) -> OccasionRow:
    if o.when is None:
        date, time = "not recorded", ""
    else:
        date = f"{o.when.day} {o.when:%B %Y}"
        time = f"{o.when:%H:%M} UTC"
    source = "as reported by staff" if o.source is timeline.TimeSource.REPORTED else o.source.value
    handles = ", ".join(o.handles) or (f"{o.form_handle} (as entered)" if o.form_handle else "")
    return OccasionRow(
        number=n,
        ref=o.ref,
        title=o.title,
        date=date,
        time=time,
        time_source=source,
        platform=o.platform,
        handles=handles,
        people="; ".join(o.people),
        exhibits=tuple(e.ref for e in rep.exhibits),
        folder=f"{o.ref}{export.EXPORT_SUFFIX}",
    )


def _reasons(ordered: Sequence[bundle.VerifiedBundle]) -> list[str]:
    refs = {v.ref for v in ordered}
    out: list[str] = []
    for v in ordered:
        for other, link in sorted(casework.active_links(v).items()):
            if other in refs and v.ref < other:
                out.append(clean_line(f"{v.ref} and {other} were linked by {link.signed.by_name}: {link.why}"))
    keys: dict[str, list[str]] = {}
    shown: dict[str, str] = {}  # each key as a person typed it (keys are compared case-folded)
    for v in ordered:
        for d in casework.confirmed(v).values():
            shown.setdefault(d.key, d.value)
            if d.person:
                shown.setdefault(f"person:{fold(d.person)}", d.person)
        target = v.incident.details.target_name
        if target.strip():
            shown.setdefault(f"target:{fold(target)}", target)
        for key in sorted(casework.shared_keys(v)):
            keys.setdefault(key, []).append(v.ref)
    for key, where in sorted(keys.items()):
        if len(where) > 1:
            kind, value = key.split(":", 1)
            what = "the target named in the form" if kind == "target" else f"the {kind} a reviewer confirmed"
            out.append(clean_line(f"{', '.join(where)} share {what}: {shown.get(key, value)}"))
    return out


# -- the texts ----------------------------------------------------------------------------------------------------


def timeline_text(conduct: Conduct) -> str:
    """``timeline.txt``: each occasion with date, time, platform, handle and exhibits, in order."""
    out = [
        f"Course of conduct: {len(conduct.occasions)} occasions, {conduct.school}",
        "=" * 72,
        "",
        "Dates and times are when it happened as the member of staff reported it; each exhibit's own time (when",
        "it was on screen, by the workstation's clock unless marked as trusted time) is in the exhibit list.",
        "Handles are those a reviewer confirmed; a handle marked (as entered) was only typed into the form.",
        "",
    ]
    for o in conduct.occasions:
        out += [
            f"{o.number}. {o.date} {o.time} ({o.time_source})".rstrip(),
            f"   Incident:  {o.ref}  {o.title}",
            f"   Platform:  {o.platform or 'not recorded'}",
            f"   Handle:    {o.handles or 'not confirmed'}" + (f"  (believed to be {o.people})" if o.people else ""),
            f"   Exhibits:  {', '.join(o.exhibits) or 'none'}  (in {o.folder}/)",
            "",
        ]
    out += ["Exhibits (one list across the incidents)", "-" * 72]
    for e in conduct.exhibits:
        out.append(f"{e.ref:<8} occasion {e.occasion}  {e.file}  {e.captured_utc} ({e.time_source})")
        out.append(f"         sha256 {e.sha256}")
    return "\n".join(clean_line(line, limit=1000) if line else "" for line in out) + "\n"


def statement_text(conduct: Conduct, *, name: str, principal: str) -> str:
    """The exporting reviewer's draft statement covering the course of conduct, to check, correct and sign."""
    first, last = conduct.occasions[0], conduct.occasions[-1]
    producers = sorted({f"{r.producer_name} <{r.producer_principal}>" for r in conduct.reports})
    out = [
        report.DRAFT_WARNING,
        "Cross out or rewrite anything that is wrong or that you do not know yourself, and add what is missing.",
        "",
        "WITNESS STATEMENT (draft): course of conduct",
        "",
        f"Statement of:        {name}",
        f"Occupation:          reviewer (safeguarding) at {conduct.school}  [add your job title]",
        f"Work e-mail:         {principal}",
        f"Officer's reference: {conduct.officer_reference}",
        f"Incidents:           {', '.join(o.ref for o in conduct.occasions)}",
        f"Exhibits:            {', '.join(e.ref for e in conduct.exhibits)}",
        "",
        f"I reviewed the {len(conduct.occasions)} incidents below, recorded by staff of {conduct.school}. I believe "
        f"they form a course of conduct: between {first.date} and {last.date} the same person or account is said "
        "to have sent the content on each occasion.",
        "",
    ]
    for o in conduct.occasions:
        who = f" from the account {o.handles}" if o.handles else ""
        believed = f", which I believe to be {o.people}" if o.people else ""
        out.append(
            f"{o.number}. On {o.date}{' at about ' + o.time if o.time else ''} ({o.time_source}), on "
            f"{o.platform or 'a platform not recorded'}, content was sent{who}{believed}. Incident {o.ref} "
            f"({o.title}); exhibits {', '.join(o.exhibits) or 'none'}."
        )
    out += ["", "I linked these incidents for these reasons:"] + [f"- {r}" for r in conduct.reasons or ("(none)",)]
    out += [
        "",
        f"The exhibits were produced by {'; '.join(producers)}; each incident's own draft statement, in its folder,",
        "sets out how its exhibits were made. Text read from the images by software (OCR) is not evidence and was",
        "not relied on: the images are the evidence.",
        "",
        f"Every bundle is signed under the school's root key {conduct.root_fingerprint}.",
        "",
        report.DECLARATION,
        "",
        "Signature: ______________________________    Date: ____________________",
    ]
    return "\n".join(clean_line(line, limit=2000) if line else "" for line in out) + "\n"


def verify_txt(conduct: Conduct) -> str:
    """``VERIFY.txt``: the pack's own signed list, then every incident's procedure, in its folder."""
    lead = conduct.reports[-1]
    first_ref = conduct.reports[0].ref
    latest = max(conduct.reports, key=lambda r: r.trust_versions[-1] if r.trust_versions else 0)
    signers = f"{latest.ref}{export.EXPORT_SUFFIX}/{latest.ref}/{latest.latest_signers}"
    out = [
        f"How to check this course-of-conduct pack ({len(conduct.occasions)} incidents) with standard tools only",
        "=" * 72,
        "",
        f"School: {conduct.school}",
        f"Exported by {conduct.exported_by} at {conduct.exported_utc} for officer reference "
        f"{conduct.officer_reference}",
        "",
        *report.root_lines(lead),
        "",
        f"Run these commands in a terminal, starting in the folder {conduct.name}. Each REF-police-export folder",
        "is a complete police export of one incident, checked by the same procedure as any single export (its own",
        "VERIFY.txt); the timeline, the PDF and the statement here are made from them and are not evidence.",
        "",
        f"1. The school root's key. Expect: 256 {conduct.root_fingerprint} school-root (ED25519), the fingerprint",
        "   the school gave you outside this pack.",
        "",
        f"     ssh-keygen -lf {first_ref}{export.EXPORT_SUFFIX}/{first_ref}/{ROOT_PUB}",
        "",
        f'2. {SUMS} of this pack was signed by the reviewer who made it. Expect: Good "{EXPORT_NAMESPACE}" signature',
        f"   for {conduct.exporter}.",
        "",
        *(
            f"     {line}"
            for line in report.wrap_command(
                f"ssh-keygen -Y verify -f {signers} -I {conduct.exporter} -n {EXPORT_NAMESPACE} -s {SUMS_SIG} < {SUMS}"
            )
        ),
        "",
        "3. Every file of this pack, every incident's folder included, is as signed. Expect: every line ends in OK.",
        "",
        f"     sha256sum --strict -c {SUMS}",
        "",
    ]
    step = 4
    for rep, o in zip(conduct.reports, conduct.occasions, strict=True):
        out += [f"Occasion {o.number}: incident {rep.ref}, in {o.folder}/ (the steps of its own VERIFY.txt)", ""]
        out += [f"     cd {o.folder}", ""]
        where = "."
        for s in rep.verify:
            out += [f"{step}. {s.title}. Expect: {s.expect}.", ""]
            step += 1
            if s.where != where:
                out.append(f"     cd {s.where}" if s.where != "." else "     cd ..")
                where = s.where
            out += [f"     {line}" for c in s.commands for line in report.wrap_command(c)]
            out.append("")
        if where != ".":
            out.append("     cd ..")
        out += ["     cd ..", ""]
    out += [f"The format is specified in FORMAT.md of {APP_NAME}."]
    return "\n".join(out) + "\n"


# -- the pack -------------------------------------------------------------------------------------------------------


def write_conduct(
    conduct: Conduct,
    bundles: Sequence[bundle.VerifiedBundle],
    staged: export.StagedFolder,
    *,
    report_pdfs: Mapping[str, bytes],
    conduct_pdf: bytes,
    signer: Identity,
) -> None:
    """Write every file of the pack into ``staged``, one incident after another, streaming (see
    :func:`evidence.police.export.write_export`), then the pack's own files and its signed ``SHA256SUMS``.

    Raises:
        UsageError: ``signer`` may not sign one of the bundles' exports (checked before anything is written).
    """
    for v in bundles:  # the signer must be a reviewer in every bundle's latest school profile
        export.check_export_signer(v, signer)
    by_ref = {v.ref: v for v in bundles}
    for rep, o in zip(conduct.reports, conduct.occasions, strict=True):
        export.write_export(
            by_ref[rep.ref],
            staged,
            prefix=f"{o.folder}/",
            report_pdf=report_pdfs[rep.ref],
            exported_by=conduct.exported_by,
            officer_reference=conduct.officer_reference,
            exported_utc=conduct.exported_utc,
            signer=signer,
            first_exhibit=rep.exhibits[0].number if rep.exhibits else 1,
        )
    staged.add(CONDUCT_PDF, conduct_pdf)
    staged.add(TIMELINE_TXT, timeline_text(conduct).encode("utf-8"))
    staged.add(STATEMENT, statement_text(conduct, name=signer.card.name, principal=signer.card.principal).encode())
    staged.add(VERIFY_TXT, verify_txt(conduct).encode("utf-8"))
    sums = sums_text(dict(staged.digests), (SUMS, SUMS_SIG))
    staged.add(SUMS, sums)
    staged.add(SUMS_SIG, export.export_signature(sums, bundles[0], signer))


@dataclass(frozen=True)
class ConductResult:
    """What a course-of-conduct export wrote."""

    folder: Path
    files: Mapping[str, str]
    pack_path: Path | None = None
    pack_sha256: str | None = None


def export_conduct(
    conduct: Conduct,
    bundles: Sequence[bundle.VerifiedBundle],
    out_dir: Path,
    *,
    report_pdfs: Mapping[str, bytes],
    conduct_pdf: bytes,
    signer: Identity,
    pack_recipient: str | None = None,
    pack_passphrase: str | None = None,
) -> ConductResult:
    """Write the pack into ``out_dir`` (and, if asked, its encrypted ``.zip.age``), all or nothing.

    Raises:
        UsageError: the folder or pack exists, or both a recipient and a passphrase were given.
        ExportError: writing failed; nothing was left behind.
    """
    if pack_recipient is not None and pack_passphrase is not None:
        raise UsageError("encrypt the pack to a recipient or with a passphrase, not both")
    if pack_recipient:
        ageio.check_recipients([pack_recipient])
    with export.StagedFolder(out_dir, conduct.name, pack=bool(pack_recipient or pack_passphrase)) as staged:
        write_conduct(conduct, bundles, staged, report_pdfs=report_pdfs, conduct_pdf=conduct_pdf, signer=signer)
        staged.check()
        if staged.pack_path is not None:
            staged.write_pack(recipient=pack_recipient or None, passphrase=None if pack_recipient else pack_passphrase)
        staged.publish()
    return ConductResult(
        folder=staged.folder,
        files={n: d for n, d in staged.digests.items() if n not in (SUMS, SUMS_SIG)},
        pack_path=staged.pack_path,
        pack_sha256=staged.pack_sha256,
    )
