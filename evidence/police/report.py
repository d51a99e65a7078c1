"""The police report's content: a verified bundle turned into exhibits, continuity, a draft statement and text.

What police want from an export (DOMAIN.md): who sent what and when, with the URL and the username; the
originals with their hashes; a continuity record; exhibit references in police style (the producer's initials
and a number, ``JS/1``); and a statement from the person who made the captures, which the app drafts and the
person checks and signs. :func:`build_report` gathers all of that from a :class:`~evidence.bundle.VerifiedBundle`
into a tree of plain dataclasses, so the PDF (rendered with Qt in ``ui/report_pdf.py``), the plain-text report,
the draft statement and the export's ``VERIFY.txt`` all say the same thing.

Trust is anchored on ONE fingerprint, the school root's, which the officer confirms out of band (the DSL's witness
statement states it; the school may publish it): the report, the draft statement and ``VERIFY.txt`` all name it
and say how to confirm it, and the stock-tool procedure starts from it (``ssh-keygen -lf REF/seal/trust/root.pub``),
checks the root's signatures over every signer list, then ``SHA256SUMS.sig`` and every revision against those lists.
A bundle sealed before school roots has none, and the report says that its signers are not anchored.

Every text taken from the bundle passes :func:`~evidence.core.text.clean_line` (or ``clean_text`` where lines are
kept) before it reaches the report, so that no name, title or caption can carry a terminal escape, a bidi override
or an extra line into ``VERIFY.txt``, the PDF or the statement.

The producer is the signer of revision 1, who sealed the captures. Exhibits are numbered in item order and only
items carried in the bundle get a number; excluded items are listed with their reasons. Every time comes from
the bundle itself: the capture context's ``utc``, ``local_time``, ``local_zone`` and ``utc_offset`` for a capture,
the parent's for a crop (its pixels were on screen when the parent was grabbed), and ``received_utc`` for a
received file. When a context lacks a time, the time the app stored the item is used and the exhibit says so.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from evidence import APP_NAME, __version__, bundle
from evidence.bundle import timestamps
from evidence.bundle.layout import (
    ROOT_ALLOWED_SIGNERS,
    ROOT_PUB,
    trust_allowed_signers_path,
    trust_allowed_signers_sig_path,
    trust_profile_path,
    trust_profile_sig_path,
)
from evidence.bundle.records import BundleItem
from evidence.bundle.timestamps import NO_TRUSTED_TIME, WORKSTATION_ONLY
from evidence.capture.items import ItemKind
from evidence.case import policy
from evidence.case.custody import CustodyEntry
from evidence.case.incident import Category, PerpetratorType, ReportType, TargetRole
from evidence.core.text import clean_line, clean_text
from evidence.core.timefmt import day_text, format_offset, parse_aware, recorded_time_text
from evidence.crypto.keys import ROOT_PRINCIPAL
from evidence.crypto.namespaces import EXPORT_NAMESPACE, PROFILE_NAMESPACE
from evidence.review.actions import ACTIONS, ReviewRecord, reviews
from evidence.review.actions import label as review_label

DRAFT_WARNING = "This statement is a DRAFT prepared by software; check every fact, correct it and sign it."
"""The first line of every draft statement."""

DECLARATION = (
    "This statement (consisting of ___ pages each signed by me) is true to the best of my knowledge and belief and I"
    " make it knowing that, if it is tendered in evidence, I shall be liable to prosecution if I have wilfully"
    " stated in it anything which I know to be false, or do not believe to be true."
)
"""The declaration of a witness statement (Criminal Justice Act 1967, s.9; the wording of form MG11)."""

EXPORT_SUMS = "SHA256SUMS"
"""The export folder's list of digests of every other file in it."""

EXPORT_SUMS_SIG = "SHA256SUMS.sig"
"""The exporting reviewer's signature over ``SHA256SUMS``."""


_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev"}
_MODE_REGION = re.compile(r"^region:(-?[0-9]+),(-?[0-9]+),([0-9]+),([0-9]+)$")
_MODE_MONITOR = re.compile(r"^monitor:([0-9]+)$")


# -- the report tree -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentSummary:
    """What happened, as the staff member recorded it.

    Attributes:
        ref: the incident reference.
        school: the school that sealed it.
        title: the incident's short title.
        report_type: the report type in words.
        platform: where it happened (the platform's name when "Other" was chosen).
        occurred: when it happened, exactly as entered (not the capture time).
        categories: what the content is, in words (a hate crime names its protected characteristic).
        target: who was targeted and their role, or "".
        perpetrator: who is said to have done it (type, and name where given), or "".
        perpetrator_handle: their user name on the platform, or "".
        perpetrator_url: their profile's web address, or "".
        urls: the web addresses recorded.
        description: the staff member's description.
        not_responded: whether they ticked "I have not responded or retaliated".
        reported_to: who they reported it to.
        witnesses: witnesses, as entered.
        created_utc: when the incident was opened in the app.
    """

    ref: str
    school: str
    title: str
    report_type: str
    platform: str
    occurred: str
    categories: tuple[str, ...]
    target: str
    perpetrator: str
    perpetrator_handle: str
    perpetrator_url: str
    urls: tuple[str, ...]
    description: str
    not_responded: bool
    reported_to: str
    witnesses: str
    created_utc: str


@dataclass(frozen=True)
class Exhibit:
    """One item carried in the bundle, as a police exhibit.

    Attributes:
        ref: the exhibit reference, ``JS/1``.
        number: its number after the initials.
        seq: the item's number in the incident.
        file: the file's name in the bag (``data/items/001.png``).
        kind: ``captured``, ``received`` or ``derived``.
        kind_text: the kind in words, e.g. ``Crop of JS/1``.
        parent_ref: for a crop, the exhibit it was cut from ("" if that item is not carried).
        media_type: ``image/png`` or ``image/jpeg``.
        sha256: SHA-256 (hex) of the file.
        pixels_sha256: SHA-256 (hex) of the image's pixels as a binary PPM (see :mod:`evidence.capture.screen`).
        width: width in pixels.
        height: height in pixels.
        size: size of the file in bytes.
        captured_utc: when the content was on screen (or was received), ISO 8601 UTC, or "".
        captured_local: the same instant in the workstation's local time with its zone, in words, or "".
        local_iso: that local time as recorded (ISO 8601 with its offset), or "".
        local_zone: the workstation's name for its time zone then ("GMT", "BST"), or "".
        time_note: where the time comes from, when that needs saying.
        method: how the exhibit was made, in words.
        window_title: the active (or clicked) window's title, or "".
        window_process: the active window's process name, or "".
        workstation: host, OS user and OS of the capturing computer, or "".
        software: the app and version that made it, or "".
        provided_by: for a received file, who provided it.
        how: for a received file, how it reached staff.
        original_name: for a received file, its name as received.
        caption: the staff member's caption.
        stored_utc: when the app stored the item.
        trusted_time: "Time confirmed by TSA NAME: HH:MM:SS UTC on DAY" (an RFC 3161 token in the bundle checked),
            or "Workstation clock only".
        redacted_copies: the redacted copies made of it, in words ("" if none).
    """

    ref: str
    number: int
    seq: int
    file: str
    kind: ItemKind
    kind_text: str
    parent_ref: str
    media_type: str
    sha256: str
    pixels_sha256: str
    width: int
    height: int
    size: int
    captured_utc: str
    captured_local: str
    local_iso: str
    local_zone: str
    time_note: str
    method: str
    window_title: str
    window_process: str
    workstation: str
    software: str
    provided_by: str
    how: str
    original_name: str
    caption: str
    stored_utc: str
    trusted_time: str = WORKSTATION_ONLY
    redacted_copies: str = ""
    """The redacted copies reviewers made of it (file, revision, SHA-256), "" if none (issue 17)."""


@dataclass(frozen=True)
class ExcludedItem:
    """An item left out of the bundle, with the reason given (nothing disappears silently).

    Attributes:
        seq: the item's number in the incident.
        reason: why it was left out.
        sha256: SHA-256 (hex) of the item that was left out, or "".
        stored_utc: when the app stored it.
    """

    seq: int
    reason: str
    sha256: str
    stored_utc: str


@dataclass(frozen=True)
class CustodyRow:
    """One entry of the continuity (custody) record.

    Attributes:
        seq: its place in the chain.
        time_utc: when.
        actor: who (a principal).
        action: what.
        subject: what it was done to.
        exhibit: the exhibit reference the subject is, or "".
        details: the entry's details, shortened for reading (digests to 12 characters).
        hash: the entry's own hash.
    """

    seq: int
    time_utc: str
    actor: str
    action: str
    subject: str
    exhibit: str
    details: str
    hash: str


@dataclass(frozen=True)
class ReviewRow:
    """One action a reviewer recorded.

    Attributes:
        revision: the signed revision that added it.
        time_utc: when it was recorded.
        by: who recorded it (name and principal).
        action: the action in words.
        section: the policy section or guidance behind it, or "".
        why: the reviewer's reason or note.
        fields: the action's fields as (label, value) pairs.
    """

    revision: int
    time_utc: str
    by: str
    action: str
    section: str
    why: str
    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RevisionRow:
    """One signed revision of the bundle.

    Attributes:
        number: the revision number (1 is the seal).
        action: what the revision recorded.
        signer_name: who signed it.
        signer_principal: their principal (the ``-I`` of ``ssh-keygen -Y verify``).
        signer_role: ``staff`` or ``reviewer``.
        fingerprint: their key's ``SHA256:`` fingerprint.
        time_utc: when it was signed.
        profile_version: the signed school profile version it was made under (0: before school roots).
        trusted_time: "Time confirmed by TSA …" for a token over its manifest, or "no trusted time".
    """

    number: int
    action: str
    signer_name: str
    signer_principal: str
    signer_role: str
    fingerprint: str
    time_utc: str
    profile_version: int = 0
    trusted_time: str = NO_TRUSTED_TIME


@dataclass(frozen=True)
class VerifyStep:
    """One step of the stock-tool checks.

    Attributes:
        title: what the step proves.
        where: the folder to run it in (``.`` is the export folder).
        commands: shell commands, one a line.
        expect: what a pass looks like.
    """

    title: str
    where: str
    commands: tuple[str, ...]
    expect: str


@dataclass(frozen=True)
class Report:
    """Everything the police report says.

    Attributes:
        ref: the incident reference.
        school: the school.
        exported_by: who made the export.
        officer_reference: the officer's (crime) reference.
        exported_utc: when the export was made.
        software: the software that made the report.
        producer_name: who made the captures and sealed them (revision 1's signer).
        producer_principal: their principal.
        producer_role: their role.
        producer_fingerprint: their signing key's fingerprint.
        initials: the exhibit prefix made from the producer's name.
        sealed_utc: when revision 1 was signed.
        incident: what happened.
        exhibits: the exhibits, in item order.
        excluded: items left out, with reasons.
        custody: the continuity record.
        reviews: the reviewers' actions.
        revisions: every signed revision.
        verify: the stock-tool checks, in order.
        root_fingerprint: the school root's fingerprint the bundle is anchored to ("" for a bundle sealed before
            school roots).
        trust_versions: the signed profile versions the revisions were made under, oldest first.
        exporter: the principal who signs ``SHA256SUMS`` (by default the latest revision's signer).
        time_commands: the ``openssl`` commands that check the bag's RFC 3161 tokens, run in the bag's folder
            (none: the bundle carries no trusted time).
    """

    ref: str
    school: str
    exported_by: str
    officer_reference: str
    exported_utc: str
    software: str
    producer_name: str
    producer_principal: str
    producer_role: str
    producer_fingerprint: str
    initials: str
    sealed_utc: str
    incident: IncidentSummary
    exhibits: tuple[Exhibit, ...]
    excluded: tuple[ExcludedItem, ...]
    custody: tuple[CustodyRow, ...]
    reviews: tuple[ReviewRow, ...]
    revisions: tuple[RevisionRow, ...]
    verify: tuple[VerifyStep, ...]
    root_fingerprint: str = ""
    trust_versions: tuple[int, ...] = ()
    exporter: str = ""
    time_commands: tuple[str, ...] = ()

    @property
    def latest_signers(self) -> str:
        """The bag-relative signer list to check against: the latest root-signed one, or (before roots) the bag's."""
        if self.trust_versions:
            return trust_allowed_signers_path(self.trust_versions[-1])
        return bundle.ALLOWED_SIGNERS

    def exhibit(self, ref: str) -> Exhibit:
        """The exhibit called ``ref``.

        Raises:
            KeyError: there is no such exhibit.
        """
        for e in self.exhibits:
            if e.ref == ref:
                return e
        raise KeyError(ref)


# -- initials --------------------------------------------------------------------------------------------------------


def initials(name: str, principal: str = "") -> str:
    """Police-style initials for an exhibit prefix: "Jane Smith" gives "JS".

    Each word and each hyphenated part counts ("Anne-Marie Smith-Jones" gives "AMSJ"); a leading title such as
    "Mrs" or "Dr" is dropped; accents are folded to ASCII ("Zoë Ångström" gives "ZA"); an apostrophe does not
    start a new part ("Seán O'Neill" gives "SO"). A single name gives its first two letters ("Cher" gives "CH"),
    so that a reference never rests on one letter. With no usable letters, the principal's local part is tried,
    then "EC".
    """
    for source in (name, principal.split("@", 1)[0].replace(".", " ").replace("_", " ")):
        folded = unicodedata.normalize("NFKD", source)
        ascii_text = "".join(c for c in folded if not unicodedata.combining(c))
        words = [w for w in re.split(r"[\s\-]+", ascii_text) if any(c.isalpha() for c in w)]
        while len(words) > 1 and words[0].lower().rstrip(".") in _TITLES:
            words.pop(0)
        letters = ["".join(c for c in w if c.isascii() and c.isalpha()) for w in words]
        letters = [w for w in letters if w]
        if len(letters) == 1:
            return letters[0][:2].upper()
        if letters:
            return "".join(w[0] for w in letters).upper()
    return "EC"


# -- building --------------------------------------------------------------------------------------------------------


def build_report(
    verified: bundle.VerifiedBundle,
    *,
    exported_by: str,
    officer_reference: str,
    exported_utc: str,
    exporter: str | None = None,
    first_exhibit: int = 1,
) -> Report:
    """Gather the police report's content from a verified bundle.

    Args:
        verified: a bundle that passed every check.
        exported_by: who is making the export (name and principal).
        officer_reference: the officer's or crime reference it is for.
        exported_utc: when the export is made (ISO 8601 UTC).
        exporter: the principal who signs the export's ``SHA256SUMS`` (default: the latest revision's signer, who
            recorded the export).
        first_exhibit: the number of the first exhibit (a course-of-conduct pack continues one exhibit list across
            incidents: the next incident's exhibits start where the last one's ended).

    Returns:
        The report; pure, so the same inputs give the same report.
    """
    sealer = verified.sealer
    prefix = initials(sealer.signer_name, sealer.signer_principal)
    items = sorted(verified.items, key=lambda i: i.seq)
    contexts = {i.seq: _context(verified.bag, i.context_name) for i in items}
    refs = {i.seq: f"{prefix}/{n}" for n, i in enumerate(items, start=first_exhibit)}
    exhibits = tuple(
        replace(
            _exhibit(item, n, refs, contexts),
            trusted_time=verified.item_time_label(item.seq),
            redacted_copies=_redacted_text(verified, item.seq),
        )
        for n, item in enumerate(items, start=first_exhibit)
    )
    excluded = tuple(
        ExcludedItem(seq=x.seq, reason=_text(x.reason), sha256=_text(x.sha256), stored_utc=_text(x.created_utc))
        for x in sorted(verified.excluded, key=lambda x: x.seq)
    )
    revisions = tuple(
        RevisionRow(
            number=r.number,
            action=r.action,
            signer_name=_text(r.signer_name),
            signer_principal=_text(r.signer_principal),
            signer_role=r.record.signer.role.value,
            fingerprint=r.signer_fingerprint,
            time_utc=r.time_utc,
            profile_version=r.record.trust.profile_version if r.record.trust is not None else 0,
            trusted_time=verified.revision_time_label(r.number),
        )
        for r in verified.revisions
    )
    partial = Report(
        ref=verified.ref,
        school=_text(verified.incident.school),
        exported_by=_text(exported_by),
        officer_reference=_text(officer_reference),
        exported_utc=exported_utc,
        software=f"{APP_NAME} {__version__}",
        producer_name=_text(sealer.signer_name),
        producer_principal=_text(sealer.signer_principal),
        producer_role=revisions[0].signer_role,
        producer_fingerprint=sealer.signer_fingerprint,
        initials=prefix,
        sealed_utc=sealer.time_utc,
        incident=_summary(verified),
        exhibits=exhibits,
        excluded=excluded,
        custody=tuple(_custody_row(e, verified.ref, refs) for e in verified.custody),
        reviews=tuple(_review_row(r) for r in reviews(verified)),
        revisions=revisions,
        verify=(),
        root_fingerprint=verified.trust.root_fingerprint or "",
        trust_versions=tuple(sorted(set(verified.trust.profile_versions))),
        exporter=_text(exporter or verified.revisions[-1].signer_principal),
        time_commands=tuple(line.strip() for line in timestamps.verify_txt_lines(verified.bag)),
    )
    return replace(partial, verify=verify_steps(partial))


def exhibit_images(report: Report, verified: bundle.VerifiedBundle) -> dict[str, bytes]:
    """Exhibit reference → the exhibit's file bytes, for thumbnails."""
    by_file = {e.file: e.ref for e in report.exhibits if e.file in verified.bag}
    bag = verified.bag
    pairs = bag.files(by_file) if isinstance(bag, bundle.BagContents) else ((n, bag[n]) for n in by_file)
    return {by_file[name]: data for name, data in pairs}  # one pass over the bundle


def _context(bag: Mapping[str, bytes], name: str) -> dict[str, Any]:
    """An item's context as the bag holds it, read leniently: the report shows what a context records and says
    so where it records nothing (a verified bundle's contexts are JSON objects, of any version)."""
    try:
        value = json.loads(bag[name].decode("utf-8"))
    except (KeyError, UnicodeDecodeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    """A one-line value from the bundle, cleaned (no control characters, bidi overrides or line breaks)."""
    return "" if value is None else clean_line(value, limit=2000)


def _lines(value: Any) -> str:
    """A multi-line value from the bundle, cleaned (line feeds kept, nothing else that controls a terminal)."""
    return "" if value is None else clean_text(value).strip()


def _labelled(value: ReportType | Category | TargetRole | PerpetratorType) -> str:
    try:
        return policy.label(value)
    except KeyError:
        return str(value.value)


def _summary(verified: bundle.VerifiedBundle) -> IncidentSummary:
    d = verified.incident.details
    platform = _text(d.platform)
    if platform == policy.OTHER_PLATFORM and _text(d.platform_other):
        platform = f"Other: {_text(d.platform_other)}"
    categories = []
    for c in d.categories:
        words = _labelled(c)
        if c is Category.HATE_CRIME and _text(d.protected_characteristic):
            words = f"{words} ({_text(d.protected_characteristic)})"
        categories.append(words)
    target = _text(d.target_name)
    role = _labelled(d.target_role) if d.target_role else ""
    if role:
        target = f"{target} ({role.lower()})" if target else role
    perpetrator = _labelled(d.perpetrator_type) if d.perpetrator_type else ""
    if _text(d.perpetrator_name):
        perpetrator = f"{_text(d.perpetrator_name)}" + (f" ({perpetrator.lower()})" if perpetrator else "")
    return IncidentSummary(
        ref=verified.ref,
        school=verified.incident.school,
        title=_text(d.title),
        report_type=_labelled(d.report_type),
        platform=platform,
        occurred=_text(d.occurred),
        categories=tuple(categories),
        target=target,
        perpetrator=perpetrator,
        perpetrator_handle=_text(d.perpetrator_handle),
        perpetrator_url=_text(d.perpetrator_url),
        urls=tuple(_text(u) for u in d.urls if _text(u)),
        description=_lines(d.description),
        not_responded=d.not_responded,
        reported_to=_text(d.reported_to),
        witnesses=_lines(d.witnesses),
        created_utc=verified.incident.created_utc,
    )


def _long_day(e: Exhibit) -> str:
    """The exhibit's day in words, local where known: ``Wednesday 25 November 2026``."""
    when = parse_aware(e.local_iso) or parse_aware(e.captured_utc)
    return day_text(when, long=True) if when else ""


def _mode_text(mode: str) -> str:
    if mode == "full":
        return "The whole desktop (every screen)"
    if m := _MODE_MONITOR.match(mode):
        return f"Screen {m.group(1)} only"
    if m := _MODE_REGION.match(mode):
        x, y, w, h = m.groups()
        return f"A region of {w} x {h} pixels at ({x}, {y}) on the desktop"
    return mode or "Not recorded"


def _when(context: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """(UTC, local time in words, local ISO, zone) of a capture context; empty strings where it has no time."""
    utc = _text(context.get("utc"))
    zone = _text(context.get("local_zone") or context.get("time_zone"))
    local_iso = _text(context.get("local_time"))
    local = recorded_time_text(local_iso, zone, _text(context.get("utc_offset")))
    return (utc, local, local_iso, zone) if local else (utc, "", "", "")


def _exhibit(
    item: BundleItem, number: int, refs: Mapping[int, str], contexts: Mapping[int, Mapping[str, Any]]
) -> Exhibit:
    seq, kind = item.seq, item.kind
    ctx = contexts.get(seq, {})
    stored = item.created_utc
    parent_seq = item.parent_seq
    parent_ref = refs.get(parent_seq, "") if parent_seq is not None else ""
    utc, local, local_iso, zone, note = "", "", "", "", ""
    method, title, process, workstation = "", _text(ctx.get("window_title")), _text(ctx.get("window_process")), ""
    provided_by, how, original_name = "", "", ""
    if kind is ItemKind.RECEIVED:
        kind_text = "Received (provided to staff, not seen on their own screen)"
        utc = _text(ctx.get("received_utc"))
        note = "the time it was received"
        provided_by, how = _text(ctx.get("provided_by")), _text(ctx.get("how"))
        original_name = _text(ctx.get("original_name"))
        method = f"Received from {provided_by or 'someone not recorded'}: {how or 'how not recorded'}"
        if original_name:
            method += f" (file name as received: {original_name})"
        file_time = _text(ctx.get("file_time_utc"))
        if file_time:
            method += f"; the file's own time was {file_time}, which may not be when the image was made"
    elif kind is ItemKind.DERIVED:
        parent_ctx = contexts.get(parent_seq, {}) if parent_seq is not None else {}
        shown_parent = parent_ref or (f"item {parent_seq} (not in this bundle)" if parent_seq else "another item")
        kind_text = f"Crop of {shown_parent}"
        utc, local, local_iso, zone = _when(parent_ctx)
        note = f"the time {shown_parent} was captured; the crop is part of that screen"
        raw_rect = ctx.get("rect_frame")
        rect: Mapping[str, Any] = raw_rect if isinstance(raw_rect, dict) else {}
        selection = _text(ctx.get("selection")) or "region"
        chose = "clicked a window" if selection == "window" else "drew a rectangle"
        method = (
            f"Cut from {shown_parent} without changing any pixel: the user {chose} on the frozen screen"
            f" ({rect.get('width', '?')} x {rect.get('height', '?')} pixels at ({rect.get('left', '?')},"
            f" {rect.get('top', '?')}) in {shown_parent}'s pixels)"
        )
        if _text(ctx.get("derived_utc")):
            method += f", confirmed at {_text(ctx.get('derived_utc'))}"
        title = title or _text(parent_ctx.get("window_title"))
        process = _text(parent_ctx.get("window_process"))
        workstation = _workstation(parent_ctx)
    else:
        kind_text = "Captured on screen"
        utc, local, local_iso, zone = _when(ctx)
        method = _mode_text(_text(ctx.get("mode")))
        workstation = _workstation(ctx)
    if not utc:
        utc, note = stored, "the time the app stored the item (its context records no capture time)"
    return Exhibit(
        ref=refs[seq],
        number=number,
        seq=seq,
        file=item.file,
        kind=kind,
        kind_text=kind_text,
        parent_ref=parent_ref,
        media_type=item.media_type,
        sha256=item.sha256,
        pixels_sha256=item.pixels_sha256 or "",
        width=item.width or 0,
        height=item.height or 0,
        size=item.size,
        captured_utc=utc,
        captured_local=local,
        local_iso=local_iso,
        local_zone=zone,
        time_note=note,
        method=method,
        window_title=title,
        window_process=process,
        workstation=workstation,
        software=f"{APP_NAME} {_text(ctx.get('app_version'))}" if _text(ctx.get("app_version")) else "",
        provided_by=provided_by,
        how=how,
        original_name=original_name,
        caption=_text(item.caption),
        stored_utc=stored,
    )


def _workstation(ctx: Mapping[str, Any]) -> str:
    host, user, os_name = _text(ctx.get("host")), _text(ctx.get("os_user")), _text(ctx.get("os"))
    parts = [p for p in (host, f"user {user}" if user else "", os_name) if p]
    return ", ".join(parts)


def _short(value: Any) -> str:
    text = str(value)
    return text[:12] + "…" if _HEX64.match(text) else text


def _custody_row(entry: CustodyEntry, ref: str, refs: Mapping[int, str]) -> CustodyRow:
    exhibit = ""
    if entry.subject.startswith(f"{ref}/"):
        tail = entry.subject[len(ref) + 1 :]
        if tail.isdigit():
            exhibit = refs.get(int(tail), "")
    details = _text("; ".join(f"{k}: {_short(v)}" for k, v in sorted(entry.details.items())))
    return CustodyRow(
        seq=entry.seq,
        time_utc=_text(entry.time_utc),
        actor=_text(entry.actor),
        action=_text(entry.action),
        subject=_text(entry.subject),
        exhibit=exhibit,
        details=details,
        hash=_text(entry.hash),
    )


def _review_row(record: ReviewRecord) -> ReviewRow:
    labels = {spec.key: spec.label for spec in ACTIONS[record.action][2]}
    return ReviewRow(
        revision=record.revision,
        time_utc=record.time_utc,
        by=_text(f"{record.by_name} <{record.by_principal}>"),
        action=review_label(record.action),
        section=ACTIONS[record.action][1],
        why=_lines(record.why),
        fields=tuple((_text(labels.get(k, k)), _text(v)) for k, v in record.fields.items()),
    )


# -- how to verify ---------------------------------------------------------------------------------------------------


def verify_steps(report: Report) -> tuple[VerifyStep, ...]:
    """The stock-tool checks of a police export folder, in order, anchored on the school root's fingerprint.

    The officer first confirms that ``REF/seal/trust/root.pub`` is the key whose fingerprint the school gave them out
    of band; then that the root signed every signer list; that ``SHA256SUMS`` was signed by a reviewer on the latest
    list (so a re-written report or statement with a recomputed ``SHA256SUMS`` fails); then every file, and every
    revision against the list of its own profile version. A bundle sealed before school roots has no root: its
    steps check the bag's own signer list and say that it is not anchored.
    """
    if not report.root_fingerprint:
        return _legacy_verify_steps(report)
    ref, fp, latest_signers = report.ref, report.root_fingerprint, report.latest_signers
    ns, manifest = bundle.SEAL_NAMESPACE, bundle.MANIFEST
    latest = report.revisions[-1].signer_principal if report.revisions else ""
    root_checks: list[str] = []
    for v in report.trust_versions:
        for signed, sig in (
            (trust_allowed_signers_path(v), trust_allowed_signers_sig_path(v)),
            (trust_profile_path(v), trust_profile_sig_path(v)),
        ):
            root_checks.append(
                f"ssh-keygen -Y verify -f {ref}/{ROOT_ALLOWED_SIGNERS} -I {ROOT_PRINCIPAL} -n {PROFILE_NAMESPACE}"
                f" -s {ref}/{sig} < {ref}/{signed}"
            )
    steps = [
        VerifyStep(
            "The school root's key, from which every other check starts",
            ".",
            (f"ssh-keygen -lf {ref}/{ROOT_PUB}",),
            f"256 {fp} {ROOT_PRINCIPAL} (ED25519), and that fingerprint is the one the school gave you outside"
            " this pack (the Designated Safeguarding Lead's witness statement states it). Trust nothing below if"
            " it differs",
        ),
        VerifyStep(
            "The school root signed every list of signers (and profile) the evidence was sealed and revised under",
            ".",
            tuple(root_checks),
            f'each says Good "{PROFILE_NAMESPACE}" signature for {ROOT_PRINCIPAL} with ED25519 key {fp}',
        ),
        VerifyStep(
            f"{EXPORT_SUMS} was signed by the reviewer who made this export, a reviewer on the root-signed list",
            ".",
            (
                f"ssh-keygen -Y verify -f {ref}/{latest_signers} -I {report.exporter} -n {EXPORT_NAMESPACE}"
                f" -s {EXPORT_SUMS_SIG} < {EXPORT_SUMS}",
            ),
            f'Good "{EXPORT_NAMESPACE}" signature for {report.exporter}',
        ),
        VerifyStep(
            "Every file of this export is as the reviewer signed it",
            ".",
            (f"sha256sum --strict -c {EXPORT_SUMS}",),
            "every line ends in OK",
        ),
        _zip_step(ref),
        VerifyStep(
            "Every evidence file matches the signed manifest, and the bag's list of signers is the root-signed one",
            ref,
            (
                f"sha256sum --strict -c {manifest}",
                f"sha256sum --strict -c {bundle.TAGMANIFEST}",
                f"cmp {bundle.ALLOWED_SIGNERS} {latest_signers}",
            ),
            "every line ends in OK; cmp prints nothing",
        ),
        VerifyStep(
            "The seal: the latest signature over the manifest",
            ref,
            (f"ssh-keygen -Y verify -f {latest_signers} -I {latest} -n {ns} -s {bundle.SIGNATURE} < {manifest}",),
            f'Good "{ns}" signature for {latest}',
        ),
    ]
    for rev, version in zip(report.revisions, _revision_versions(report), strict=True):
        steps.append(_revision_step(ref, rev, trust_allowed_signers_path(version) if version else latest_signers))
    steps.append(
        VerifyStep(
            "Whose key each fingerprint is (the principal follows each fingerprint)",
            ref,
            (f"cut -d' ' -f3- {latest_signers} | ssh-keygen -lf -",),
            "each revision's fingerprint appears with its signer's principal",
        )
    )
    return (*steps, *_time_steps(report), *_pixel_steps(report))


def _time_steps(report: Report) -> tuple[VerifyStep, ...]:
    """The RFC 3161 tokens, checked with openssl in the bag's folder (nothing for a bundle without trusted time)."""
    if not report.time_commands:
        return ()
    return (
        VerifyStep(
            "Trusted time: each RFC 3161 time-stamp token, checked against the root of the time-stamping authority"
            " (TSA) that issued it. An item's token covers data/items/NNN.tsa.json, which names the item's SHA-256,"
            " its pixels' SHA-256 and the hash of its custody entry; a revision's token covers its signed manifest",
            report.ref,
            report.time_commands,
            "each openssl ts -verify prints Verification: OK; each openssl x509 prints the TSA's root, whose"
            " fingerprint must be the one that TSA publishes",
        ),
    )


def _revision_versions(report: Report) -> list[int]:
    """The profile version each revision was made under (0 where the report does not know it)."""
    return [rev.profile_version for rev in report.revisions]


def _zip_step(ref: str) -> VerifyStep:
    return VerifyStep(
        f"{ref}.zip is intact and holds the same bag as the folder {ref}/",
        ".",
        (
            f"unzip -t {ref}.zip",
            f"unzip -p {ref}.zip {ref}/{bundle.MANIFEST} | cmp - {ref}/{bundle.MANIFEST}",
            f"unzip -p {ref}.zip {ref}/{bundle.TAGMANIFEST} | cmp - {ref}/{bundle.TAGMANIFEST}",
        ),
        "unzip says no errors detected; cmp prints nothing",
    )


def _revision_step(ref: str, rev: RevisionRow, signers: str) -> VerifyStep:
    k, ns = rev.number, bundle.SEAL_NAMESPACE
    return VerifyStep(
        f"Revision {k} ({rev.action}), signed by {rev.signer_name} <{rev.signer_principal}>:"
        " its signature, and that its files are unchanged today",
        ref,
        (
            f"ssh-keygen -Y verify -f {signers} -I {rev.signer_principal} -n {ns}"
            f" -s {bundle.revision_signature_path(k)} < {bundle.revision_manifest_path(k)}",
            f"sha256sum --strict -c {bundle.revision_manifest_path(k)}",
        ),
        f'Good "{ns}" signature for {rev.signer_principal} with ED25519 key {rev.fingerprint}; every line ends in OK',
    )


def _pixel_steps(report: Report) -> tuple[VerifyStep, ...]:
    pixels = [
        e for e in report.exhibits if e.media_type == "image/png" and e.kind in (ItemKind.CAPTURED, ItemKind.DERIVED)
    ]
    if not pixels:
        return ()
    return (
        VerifyStep(
            "Optional, with netpbm: the pixel digest of each screen capture (the same however it is compressed)",
            report.ref,
            tuple(f"pngtopnm {e.file} | sha256sum" for e in pixels),
            "each prints the exhibit's pixels SHA-256",
        ),
    )


def _legacy_verify_steps(report: Report) -> tuple[VerifyStep, ...]:
    """A bundle sealed before school roots: its own signer list, and a plain statement that it is not anchored."""
    ref, allowed, ns, manifest = report.ref, bundle.ALLOWED_SIGNERS, bundle.SEAL_NAMESPACE, bundle.MANIFEST
    latest = report.revisions[-1].signer_principal if report.revisions else ""
    steps = [
        VerifyStep(
            "This bundle was sealed before the school used a root key, so its signers' keys are NOT anchored to a "
            "school root: compare every fingerprint below with the ones the school gives you outside this pack. "
            f"First, who signed {EXPORT_SUMS} (the key's fingerprint is printed)",
            ".",
            (f"ssh-keygen -Y check-novalidate -n {EXPORT_NAMESPACE} -s {EXPORT_SUMS_SIG} < {EXPORT_SUMS}",),
            f'Good "{EXPORT_NAMESPACE}" signature with the exporting reviewer\'s key',
        ),
        VerifyStep(
            "Every file of this export is as it was written",
            ".",
            (f"sha256sum --strict -c {EXPORT_SUMS}",),
            "every line ends in OK",
        ),
        _zip_step(ref),
        VerifyStep(
            "Every evidence file matches the signed manifest",
            ref,
            (f"sha256sum --strict -c {manifest}", f"sha256sum --strict -c {bundle.TAGMANIFEST}"),
            "every line ends in OK",
        ),
        VerifyStep(
            "The seal: the latest signature over the manifest",
            ref,
            (f"ssh-keygen -Y verify -f {allowed} -I {latest} -n {ns} -s {bundle.SIGNATURE} < {manifest}",),
            f'Good "{ns}" signature for {latest}',
        ),
    ]
    steps += [_revision_step(ref, rev, allowed) for rev in report.revisions]
    steps.append(
        VerifyStep(
            "The signers' fingerprints, to compare with what the school gives you and the revisions in the report",
            ref,
            (f"cut -d' ' -f3- {allowed} | ssh-keygen -lf -",),
            "each fingerprint appears in the list of revisions",
        )
    )
    return (*steps, *_pixel_steps(report))


def wrap_command(command: str, width: int = 104) -> list[str]:
    """A long shell command as lines that end in a backslash (so bash joins them), about ``width`` wide.

    It breaks before ``-s``, ``|`` and ``<`` where it can, else at any space, and never breaks a command that
    holds a quote (whose spaces may be quoted).
    """
    if len(command) <= width or "'" in command or '"' in command:
        return [command]
    chunks = re.split(r" (?=-s |\| |< )", command)
    words = [w for chunk in chunks for w in ([chunk] if len(chunk) <= width - 4 else chunk.split(" "))]
    lines: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > width - 2:
            lines.append(current + " \\")
            current = "  " + word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return lines


def root_lines(report: Report) -> list[str]:
    """What the report, ``VERIFY.txt`` and the statement say about the school root, one line each."""
    if not report.root_fingerprint:
        return [
            "School root key: none. This bundle was sealed before the school used a root key, so its signers are",
            "NOT anchored to a school root: confirm each signer's fingerprint with the school outside this pack.",
        ]
    return [
        f"School root key: {report.root_fingerprint}",
        "Every check below starts from this one fingerprint. Confirm it outside this pack: the Designated",
        "Safeguarding Lead's witness statement states it, and the school may publish it. Trust nothing here if",
        "it differs.",
    ]


def verify_txt(report: Report) -> str:
    """The export folder's ``VERIFY.txt``: the checks, with the exhibit table, for stock tools only."""
    out = [
        f"How to check this police export of {report.ref} with standard tools only",
        "=" * 72,
        "",
        f"School: {report.school}",
        f"Exported by {report.exported_by} at {report.exported_utc} for officer reference {report.officer_reference}",
        f"Exhibits produced by {report.producer_name} <{report.producer_principal}>",
        "",
        *root_lines(report),
        "",
        "Run these commands in a terminal (Linux or macOS; on Windows use WSL or Git Bash), starting in the folder",
        f"{report.ref}-police-export. The folder {report.ref}/ is {report.ref}.zip unpacked; report.pdf and",
        "statement-draft.txt are made from it and are not themselves evidence.",
        "",
    ]
    where = "."
    for n, step in enumerate(report.verify, start=1):
        out.append(f"{n}. {step.title}. Expect: {step.expect}.")
        out.append("")
        if step.where != where:
            out.append(f"     cd {step.where}" if step.where != "." else "     cd ..")
            where = step.where
        out += [f"     {line}" for c in step.commands for line in wrap_command(c)]
        out.append("")
    out += ["", f"Exhibits (files are under {report.ref}/)"]
    out += ["-" * 72, ""]
    for e in report.exhibits:
        out += [
            f"{e.ref}  {e.file}  ({e.kind_text}; {e.width} x {e.height} pixels, {e.size} bytes)",
            f"  sha256         {e.sha256}",
            f"  pixels sha256  {e.pixels_sha256 or '(not recorded)'}",
            f"  {'received' if e.kind == 'received' else 'on screen':<15}{e.captured_utc}"
            + (f"  = {e.captured_local}" if e.captured_local else ""),
            "",
        ]
    for x in report.excluded:
        out.append(f"Item {x.seq} was left out of the bundle: {x.reason}")
    if report.excluded:
        out.append("")
    out += [
        "The custody log is data/custody.jsonl (then data/custody-rK.jsonl per revision): each line's hash is the",
        "SHA-256 of the line's JSON without its hash field, in canonical form, and links to the line before.",
        f"The format is specified in FORMAT.md of {APP_NAME}.",
    ]
    return "\n".join(out) + "\n"


# -- the draft statement ---------------------------------------------------------------------------------------------


def _on_at(utc_iso: str, local_iso: str = "", zone: str = "") -> str:
    """``On Wednesday 15 July 2026 at 09:05:09 BST (08:05:09 UTC)``, or in UTC alone when no local time is known."""
    utc = parse_aware(utc_iso)
    local = parse_aware(local_iso)
    if utc is None:
        return f"At {utc_iso or '[time]'}"
    utc = utc.astimezone(dt.UTC)
    if local is None:
        return f"On {day_text(utc, long=True)} at {utc:%H:%M:%S} UTC"
    zone = zone or f"UTC{format_offset(local.utcoffset() or dt.timedelta(0))}"
    utc_day = "" if utc.date() == local.date() else f" on {day_text(utc, long=True)}"
    return f"On {day_text(local, long=True)} at {local:%H:%M:%S} {zone} ({utc:%H:%M:%S} UTC{utc_day})"


def _exhibit_paragraph(e: Exhibit, report: Report) -> str:
    size = f"{e.width} x {e.height} pixels"
    when = _on_at(e.captured_utc, e.local_iso, e.local_zone)
    window = ""
    if e.window_title:
        window = f' while the window titled "{e.window_title}"' + (f" ({e.window_process})" if e.window_process else "")
        window += " was active"
    if e.kind is ItemKind.RECEIVED:
        text = (
            f"{when}, {e.provided_by or '[who]'} provided me with an image ({e.how or '[how]'}). I did not see"
            f" this content on my own screen. The app kept the file exactly as I received it"
            + (f" (its name was {e.original_name})" if e.original_name else "")
            + f" and saved it, {size}, as {e.file}."
        )
    elif e.kind is ItemKind.DERIVED:
        text = (
            f"I selected part of exhibit {e.parent_ref or '[the original]'}, and the app saved that part, without"
            f" changing any pixel, as {e.file} ({size}). {e.parent_ref or 'The original'} remains the complete"
            " original."
        )
    else:
        text = (
            f"{when} I saw this content on the screen of my computer"
            + (f" ({e.workstation.split(',')[0]})" if e.workstation else "")
            + f". Using {APP_NAME} I captured {e.method[0].lower() + e.method[1:] if e.method else 'the screen'}"
            f"{window}. The app saved the image, {size}, as {e.file}."
        )
    if e.trusted_time.startswith("Time confirmed"):
        when_confirmed = (
            f" An independent time-stamping authority confirmed that this exact file existed at that time:"
            f" {e.trusted_time}."
        )
    else:
        when_confirmed = " Its time comes from my computer's clock only; no time-stamping authority confirmed it."
    return (
        f"{text} I produce it as exhibit {e.ref}. Its SHA-256 digest is {e.sha256}"
        + (f" and the SHA-256 digest of its pixels is {e.pixels_sha256}" if e.pixels_sha256 else "")
        + "."
        + when_confirmed
    )


def _root_paragraph(report: Report) -> str:
    """The statement's sentence on the school root: its fingerprint and how to confirm it."""
    if not report.root_fingerprint:
        return (
            "The bundle was sealed before my school used a root key, so my key's fingerprint should be confirmed"
            " with the school's Designated Safeguarding Lead. [Check this with the DSL.]"
        )
    return (
        f"My school's root key, which vouches for my key and for the reviewers' keys, has the fingerprint"
        f" {report.root_fingerprint}. The school's Designated Safeguarding Lead can confirm this fingerprint, and"
        " their statement states it. [Check this with the DSL.]"
    )


def statement_text(report: Report) -> str:
    """A draft witness statement for the producer of the exhibits, to check, correct and sign.

    It says who they are, that they saw the content on screen and when, how each exhibit was made with its
    reference and SHA-256, that the app hashed and encrypted each item at capture, and ends with the
    declaration and blanks for the signature and date.
    """
    inc = report.incident
    role = "a member of staff" if report.producer_role != "reviewer" else "a senior member of staff"
    dates: list[str] = []
    for e in sorted(report.exhibits, key=lambda e: e.captured_utc):
        day = _long_day(e)
        if day and day not in dates:
            dates.append(day)
    out = [
        DRAFT_WARNING,
        "Cross out or rewrite anything that is wrong or that you do not remember yourself, and add what is missing.",
        "Nothing here is your evidence until you have read it, corrected it and signed it.",
        "",
        "WITNESS STATEMENT (draft)",
        "",
        f"Statement of:        {report.producer_name}",
        f"Occupation:          {role} at {report.school}  [add your job title]",
        f"Work e-mail:         {report.producer_principal}",
        f"Incident reference:  {report.ref}",
        f"Officer's reference: {report.officer_reference}",
        f"Exhibits:            {', '.join(e.ref for e in report.exhibits) or 'none'}",
        "",
        DECLARATION,
        "",
        "Signature: ______________________________    Date: ____________________",
        "",
        "",
        f"I am {report.producer_name} and I work at {report.school} as {role} [add your job title].",
        "",
    ]
    about = f'The incident I recorded is "{inc.title}"' if inc.title else "I recorded an incident"
    if inc.platform:
        about += f" on {inc.platform}"
    if inc.occurred:
        about += f". I recorded that it happened at {inc.occurred}"
    about += "."
    if inc.categories:
        about += f" I described the content as: {'; '.join(inc.categories)}."
    if inc.perpetrator or inc.perpetrator_handle:
        unknown = not inc.perpetrator or inc.perpetrator == policy.label(PerpetratorType.UNKNOWN)
        who = "someone whose identity I do not know" if unknown else inc.perpetrator
        about += f" It was sent or posted by {who}" + (
            f", using the name {inc.perpetrator_handle}" if inc.perpetrator_handle else ""
        )
        about += f" ({inc.perpetrator_url})." if inc.perpetrator_url else "."
    out += [about, ""]
    if dates:
        kinds = {e.kind for e in report.exhibits}
        saw = "saw the content on screen" if ItemKind.RECEIVED not in kinds else "saw or received the content"
        out += [f"I {saw} on {' and '.join(dates)}.", ""]
    for e in report.exhibits:
        out += [_exhibit_paragraph(e, report), ""]
    out += [
        f"{APP_NAME} computed the SHA-256 digest of each image at the moment it was captured or received and"
        " encrypted it at once, so that the app never stored it unencrypted on my computer. The app records"
        " everything done to the images in a log. I have not altered any of the images.",
        "",
        f"{_on_at(report.sealed_utc)} I sealed the evidence: the app put the images, their details and"
        f" the log into one bundle and signed it with my key, whose fingerprint is {report.producer_fingerprint}.",
        "",
        _root_paragraph(report),
        "",
    ]
    if report.excluded:
        reasons = "; ".join(f"item {x.seq}: {x.reason}" for x in report.excluded)
        out += [f"I left out of the bundle, and said why: {reasons}.", ""]
    if inc.not_responded:
        out += ["I have not responded to the content or retaliated.", ""]
    if inc.reported_to:
        out += [f"I reported the incident to {inc.reported_to}.", ""]
    out += [
        "[Add anything else you saw or did, in your own words.]",
        "",
        "Signature: ______________________________    Date: ____________________",
        "",
    ]
    return "\n".join(out)


# -- the plain-text report -------------------------------------------------------------------------------------------


def incident_rows(inc: IncidentSummary) -> list[tuple[str, str]]:
    """The incident summary as (label, value) rows, empty values left out."""
    rows = [
        ("Reference", inc.ref),
        ("School", inc.school),
        ("Title", inc.title),
        ("Report type", inc.report_type),
        ("Platform", inc.platform),
        ("When it happened (as entered)", inc.occurred),
        ("What the content is", "; ".join(inc.categories)),
        ("Who was targeted", inc.target),
        ("Said to be done by", inc.perpetrator),
        ("Their user name (handle)", inc.perpetrator_handle),
        ("Their profile URL", inc.perpetrator_url),
        ("URLs", "\n".join(inc.urls)),
        ("Description", inc.description),
        ("Responded or retaliated", "No (the staff member said so)" if inc.not_responded else ""),
        ("Reported to", inc.reported_to),
        ("Witnesses", inc.witnesses),
        ("Opened in the app (UTC)", inc.created_utc),
    ]
    return [(k, v) for k, v in rows if v]


def _redacted_text(verified: bundle.VerifiedBundle, seq: int) -> str:
    """The redacted copies of item ``seq``: each file, the revision that made it and its SHA-256."""
    return "; ".join(
        f"{c.png_name} (revision {c.revision}, {len(c.record.boxes)} area(s) blacked out, SHA-256 "
        f"{c.record.png_sha256}); the exhibit itself is unchanged"
        for c in verified.redacted
        if c.parent_seq == seq
    )


def exhibit_rows(e: Exhibit) -> list[tuple[str, str]]:
    """One exhibit as (label, value) rows, empty values left out (digests stay whole)."""
    rows = [
        ("File", e.file),
        ("Kind", e.kind_text),
        ("SHA-256 (file)", e.sha256),
        ("SHA-256 (pixels)", e.pixels_sha256),
        ("On screen (UTC)" if e.kind is not ItemKind.RECEIVED else "Received (UTC)", e.captured_utc),
        ("Local time", e.captured_local),
        ("Time source", e.time_note),
        ("Method", e.method),
        ("Window", e.window_title + (f" ({e.window_process})" if e.window_process else "")),
        ("Workstation", e.workstation),
        ("Software", e.software),
        ("Provided by", e.provided_by),
        ("Caption", e.caption),
        ("Size", f"{e.width} x {e.height} pixels, {e.size} bytes, {e.media_type}"),
        ("Stored by the app (UTC)", e.stored_utc),
        ("Trusted time", e.trusted_time),
        ("Redacted copies", e.redacted_copies),
    ]
    return [(k, v) for k, v in rows if v]


def report_text(report: Report) -> str:
    """The whole report as plain text (the fallback when no PDF can be rendered)."""
    out = [
        f"Police evidence report: {report.ref}",
        "=" * 72,
        f"School:              {report.school}",
        f"Officer's reference: {report.officer_reference}",
        f"Exported by:         {report.exported_by}",
        f"Exported (UTC):      {report.exported_utc}",
        f"Exhibits produced by {report.producer_name} <{report.producer_principal}> ({report.producer_fingerprint})",
        f"Sealed (UTC):        {report.sealed_utc}",
        f"Made by:             {report.software}",
        "",
        *root_lines(report),
        "",
        "1. The incident",
        "-" * 72,
    ]
    out += [f"{k}: {v}" for k, v in incident_rows(report.incident)]
    out += ["", "2. Exhibits", "-" * 72]
    for e in report.exhibits:
        out += ["", e.ref]
        out += [f"  {k}: {v}" for k, v in exhibit_rows(e)]
    if report.excluded:
        out += ["", "Items left out of the bundle"]
        out += [f"  item {x.seq} ({x.sha256 or 'no digest'}): {x.reason}" for x in report.excluded]
    out += ["", "3. Continuity (custody record)", "-" * 72]
    for c in report.custody:
        subject = c.subject + (f" ({c.exhibit})" if c.exhibit else "")
        out.append(
            f"{c.seq:>3}  {c.time_utc}  {c.actor}  {c.action}  {subject}" + (f"  {c.details}" if c.details else "")
        )
    out += ["", "4. Actions recorded by reviewers", "-" * 72]
    if not report.reviews:
        out.append("None.")
    for r in report.reviews:
        fields = "; ".join(f"{k}: {v}" for k, v in r.fields)
        out.append(
            f"revision {r.revision}  {r.time_utc}  {r.by}  {r.action}" + (f" ({r.section})" if r.section else "")
        )
        if r.why:
            out.append(f"     why: {r.why}")
        if fields:
            out.append(f"     {fields}")
    out += ["", "5. Signed revisions", "-" * 72]
    for v in report.revisions:
        out.append(
            f"revision {v.number}  {v.action}  {v.time_utc}  {v.signer_name} <{v.signer_principal}> {v.fingerprint}"
        )
        out.append(f"     trusted time: {v.trusted_time}")
    out += ["", "6. How to verify with standard tools", "-" * 72, ""]
    out.append(verify_txt(report))
    return "\n".join(out)
