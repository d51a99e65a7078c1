"""What reviewers do with a sealed bundle, recorded as signed, append-only revisions along the policy's chain.

Each action (a meeting with the victim, a removal request, a platform or police report, …) becomes one revision:
a review record ``data/reviews/rK-ACTION.json``, one custody entry, and a new manifest signed by the reviewer
(:func:`evidence.bundle.revise`). Nothing is edited in place; the case status is derived from the records.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence import bundle
from evidence.bundle import derived, share, timestamps
from evidence.case.custody import Action, make_entry
from evidence.case.profile import Profile
from evidence.core.errors import BundleError, RecordError, UsageError
from evidence.core.text import clean_line
from evidence.core.timefmt import utc_now
from evidence.crypto.keys import Identity

REVIEW_FORMAT = "evidence-capture-review/1"

_RECORD = "review record"


class ReviewAction(enum.Enum):
    """Actions along the policy's chain (§9.3–9.8) and DfE guidance."""

    NOTE = "note"
    MEETING_HELD = "meeting-held"
    REMOVAL_REQUESTED = "removal-requested"
    PLATFORM_REPORTED = "platform-reported"
    POLICE_CONTACTED = "police-contacted"
    DISCIPLINARY = "disciplinary-route"
    PARENTS_INFORMED = "parents-informed"
    DEVICE_HANDED_OVER = "device-handed-to-police"
    STATUS_CHANGED = "status-changed"
    OUTCOME = "outcome"
    CLOSED = "closed"
    EXPORTED = "exported-to-police"
    LEGAL_HOLD = "legal-hold"
    HOLD_RELEASED = "hold-released"
    RETENTION_EXTENDED = "retention-extended"
    REDACTED = "redacted"
    SUBJECT_ACCESS_EXPORT = "subject-access-export"


LIFECYCLE_ACTIONS = frozenset(
    {
        ReviewAction.LEGAL_HOLD,
        ReviewAction.HOLD_RELEASED,
        ReviewAction.RETENTION_EXTENDED,
        ReviewAction.REDACTED,
        ReviewAction.SUBJECT_ACCESS_EXPORT,
    }
)
"""Data-protection actions (issue 17): recorded by :mod:`evidence.review.lifecycle`, never from the generic review
form or ``review --action``, and they do not change the case status."""


class CaseStatus(enum.Enum):
    """Where a case stands, derived from its review records."""

    NEW = "new"
    UNDER_REVIEW = "under review"
    ACTION_TAKEN = "action taken"
    REFERRED = "referred to police"
    CLOSED = "closed"


@dataclass(frozen=True)
class FieldSpec:
    """One extra field an action asks for."""

    key: str
    label: str
    required: bool = True


ACTIONS: dict[ReviewAction, tuple[str, str, tuple[FieldSpec, ...]]] = {
    ReviewAction.NOTE: ("Note", "", ()),
    ReviewAction.MEETING_HELD: ("Meeting held with the victim", "§9.6", (FieldSpec("who", "Who attended"),)),
    ReviewAction.REMOVAL_REQUESTED: (
        "Perpetrator asked to remove the content",
        "§9.6",
        (FieldSpec("asked", "Who was asked, and how"),),
    ),
    ReviewAction.PLATFORM_REPORTED: (
        "Reported to the platform or ISP",
        "§9.7",
        (FieldSpec("platform", "Platform or ISP"), FieldSpec("reference", "Their reference", required=False)),
    ),
    ReviewAction.POLICE_CONTACTED: (
        "Police contacted",
        "§9.8",
        (FieldSpec("crime_reference", "Crime reference"), FieldSpec("officer", "Officer", required=False)),
    ),
    ReviewAction.DISCIPLINARY: ("School disciplinary route", "§9.5", (FieldSpec("procedure", "Which procedure"),)),
    ReviewAction.PARENTS_INFORMED: ("Parents informed", "", (FieldSpec("who", "Who was informed, and how"),)),
    ReviewAction.DEVICE_HANDED_OVER: (
        "Device handed to the police",
        "DfE searching, screening and confiscation",
        (FieldSpec("device", "Device (no serial numbers)"), FieldSpec("officer", "Officer and reference")),
    ),
    ReviewAction.STATUS_CHANGED: ("Status changed", "", (FieldSpec("status", "New status"),)),
    ReviewAction.OUTCOME: ("Outcome recorded", "", (FieldSpec("outcome", "Outcome"),)),
    ReviewAction.CLOSED: ("Case closed", "", ()),
    ReviewAction.EXPORTED: (
        "Exported for the police",
        "",
        (FieldSpec("officer_reference", "Officer's reference"),),
    ),
    ReviewAction.LEGAL_HOLD: ("Legal hold set", "DfE: evidence of an offence is not deleted", ()),
    ReviewAction.HOLD_RELEASED: ("Legal hold released", "", (FieldSpec("lifts", "The hold released (rK)"),)),
    ReviewAction.RETENTION_EXTENDED: (
        "Kept for a further period",
        "UK GDPR storage limitation",
        (FieldSpec("days", "Further days"),),
    ),
    ReviewAction.REDACTED: (
        "Redacted copy made",
        "",
        (FieldSpec("item", "Original item"), FieldSpec("file", "Redacted file"), FieldSpec("record", "Record")),
    ),
    ReviewAction.SUBJECT_ACCESS_EXPORT: (
        "Subject access copy exported",
        "UK GDPR Art. 15",
        (FieldSpec("subject", "Data subject"), FieldSpec("items", "Redacted items given")),
    ),
}


def label(action: ReviewAction) -> str:
    """The action in words."""
    return ACTIONS[action][0]


def section(action: ReviewAction) -> str:
    """The policy section or guidance behind the action ("" if none)."""
    return ACTIONS[action][1]


@dataclass(frozen=True)
class ReviewRecord:
    """One review action as stored in the bag.

    Attributes:
        revision: the revision that added it.
        action: what was done.
        time_utc: when it was recorded.
        by_name, by_principal: who recorded it (the revision's signer).
        why: the reviewer's reason or note, in their words.
        fields: the action's extra fields.
    """

    revision: int
    action: ReviewAction
    time_utc: str
    by_name: str
    by_principal: str
    why: str
    fields: Mapping[str, str] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        """The record's JSON."""
        return {
            "format": REVIEW_FORMAT,
            "revision": self.revision,
            "action": self.action.value,
            "time_utc": self.time_utc,
            "by": {"name": self.by_name, "principal": self.by_principal},
            "why": self.why,
            "fields": dict(self.fields),
        }

    @classmethod
    def parse(cls, value: Any, *, where: str) -> ReviewRecord:
        """Parse a record written by :meth:`to_json_dict`.

        Raises:
            BundleError: check ``consistency`` on ``where``, caused by a :class:`RecordError` naming the field.
        """
        try:
            return cls._parse(value)
        except RecordError as e:
            raise BundleError(
                f"consistency: {where}: not a review record ({e})", check="consistency", member=where
            ) from e

    @classmethod
    def _parse(cls, value: Any) -> ReviewRecord:
        def fail(field: str, problem: str) -> RecordError:
            return RecordError(f"{_RECORD}: {field} {problem}", record=_RECORD, field=field)

        def text(obj: Any, key: str, field: str) -> str:
            if not isinstance(obj.get(key), str):
                raise fail(field, "is not text")
            return str(obj[key])

        if not isinstance(value, dict) or value.get("format") != REVIEW_FORMAT:
            raise fail("format", f"is not {REVIEW_FORMAT}")
        revision = value.get("revision")
        if not isinstance(revision, int) or isinstance(revision, bool):
            raise fail("revision", "is not a number")
        try:
            action = ReviewAction(value.get("action"))
        except ValueError as e:
            raise fail("action", "is not a known review action") from e
        by = value.get("by")
        if not isinstance(by, dict):
            raise fail("by", "is not an object")
        fields = value.get("fields") or {}
        if not isinstance(fields, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in fields.items()
        ):
            raise fail("fields", "must be text")
        why = value.get("why", "")
        if not isinstance(why, str):
            raise fail("why", "is not text")
        return cls(
            revision=revision,
            action=action,
            time_utc=text(value, "time_utc", "time_utc"),
            by_name=text(by, "name", "by.name"),
            by_principal=text(by, "principal", "by.principal"),
            why=why,
            fields=dict(fields),
        )

    @property
    def summary(self) -> str:
        """One line: what, with its fields."""
        extra = "; ".join(f"{v}" for v in self.fields.values() if v)
        return f"{label(self.action)}{': ' + extra if extra else ''}"


def review_name(revision: int, action: ReviewAction) -> str:
    """``data/reviews/rK-ACTION.json``."""
    return f"data/reviews/r{revision}-{action.value}.json"


CASEWORK_RECORDS = ("identification", "link", "unlink")
"""``data/reviews/rK-NAME.json`` records that are casework, not review actions (:mod:`evidence.review.casework`)."""


def is_casework_record(name: str, revision: int) -> bool:
    """Whether ``name`` is a casework record of revision ``revision`` rather than a review action's record."""
    return any(name == f"data/reviews/r{revision}-{kind}.json" for kind in CASEWORK_RECORDS)


def reviews(verified: bundle.VerifiedBundle) -> list[ReviewRecord]:
    """Every review record, oldest first, checked against the revision that added it (casework records apart)."""
    out = []
    for rev in verified.revisions[1:]:
        for name in rev.files:
            if is_casework_record(name, rev.number):
                continue
            if name.startswith("data/reviews/") and name.endswith(".json") and not derived.is_copy_name(name):
                try:
                    value = json.loads(verified.bag[name].decode("utf-8"))
                except (UnicodeDecodeError, ValueError, RecursionError) as e:
                    raise BundleError(f"consistency: {name}: not valid JSON", check="consistency", member=name) from e
                record = ReviewRecord.parse(value, where=name)
                if record.revision != rev.number or record.by_principal != rev.signer_principal:
                    raise BundleError(
                        f"consistency: {name}: does not belong to revision {rev.number}",
                        check="consistency",
                        member=name,
                    )
                out.append(record)
    return out


def case_status(records: list[ReviewRecord]) -> CaseStatus:
    """The case's status after ``records`` (a bundle with no reviews is new)."""
    status = CaseStatus.NEW
    for r in records:
        if r.action in LIFECYCLE_ACTIONS:
            continue
        if r.action is ReviewAction.CLOSED:
            status = CaseStatus.CLOSED
        elif r.action is ReviewAction.STATUS_CHANGED:
            try:
                status = CaseStatus(r.fields.get("status", ""))
            except ValueError:
                continue
        elif r.action in (ReviewAction.POLICE_CONTACTED, ReviewAction.DEVICE_HANDED_OVER, ReviewAction.EXPORTED):
            status = CaseStatus.REFERRED
        elif r.action is ReviewAction.NOTE:
            status = CaseStatus.UNDER_REVIEW if status is CaseStatus.NEW else status
        elif status is not CaseStatus.REFERRED:
            status = CaseStatus.ACTION_TAKEN
    return status


def add_review(
    verified: bundle.VerifiedBundle,
    reviewer: Identity,
    profile: Profile,
    action: ReviewAction,
    why: str,
    fields: Mapping[str, str] | None = None,
    *,
    when: str | None = None,
    extra_files: Mapping[str, bytes] | None = None,
) -> dict[str, bytes]:
    """Record one action as a new signed revision; return the new bag (bag-relative name → bytes) in memory.

    Raises:
        UsageError: a required field or the reason is missing, or the reviewer is not a reviewer.
    """
    return add_review_plan(
        verified, reviewer, profile, action, why, fields, when=when, extra_files=extra_files
    ).materialize()


def add_review_plan(
    verified: bundle.VerifiedBundle,
    reviewer: Identity,
    profile: Profile,
    action: ReviewAction,
    why: str,
    fields: Mapping[str, str] | None = None,
    *,
    when: str | None = None,
    extra_files: Mapping[str, bytes] | None = None,
) -> bundle.BagPlan:
    """Record one action as a new signed revision; return the new bag as a plan for :func:`record_action`.

    The plan streams the bundle's images from its file once, as the writer reaches them (see
    :func:`evidence.bundle.revise.revise_plan`), so a review holds one image at a time.

    ``extra_files`` are more new files under ``data/reviews/`` signed by the same revision (a redacted copy and
    its record); each name must start with ``data/reviews/rK-`` for this revision ``K``.

    Raises:
        UsageError: a required field or the reason is missing, or the reviewer is not a reviewer.
    """
    fields = {k: v.strip() for k, v in (fields or {}).items() if v.strip()}
    specs = ACTIONS[action][2]
    for spec in specs:
        if spec.required and not fields.get(spec.key):
            raise UsageError(f"{label(action)}: say {spec.label.lower()}")
    unknown = set(fields) - {s.key for s in specs}
    if unknown:
        raise UsageError(f"{label(action)}: unknown field {sorted(unknown)[0]}")
    if action is ReviewAction.STATUS_CHANGED and fields["status"] not in {s.value for s in CaseStatus}:
        raise UsageError(f"status must be one of: {', '.join(s.value for s in CaseStatus)}")
    if not why.strip() and action is not ReviewAction.CLOSED:
        raise UsageError("say why, or what happened: every action records its reason")
    when = when or utc_now()
    k = len(verified.revisions) + 1
    record = ReviewRecord(k, action, when, reviewer.card.name, reviewer.card.principal, why.strip(), fields)
    custody_action = {
        ReviewAction.DEVICE_HANDED_OVER: Action.HANDED_OVER,
        ReviewAction.EXPORTED: Action.EXPORTED,
    }.get(action, Action.REVIEWED)
    new_files = {review_name(k, action): bundle.pretty_json(record.to_json_dict())}
    for name, data in (extra_files or {}).items():
        if not name.startswith(f"data/reviews/r{k}-") or name in new_files:
            raise UsageError(f"{name}: revision {k} may only add new files named data/reviews/r{k}-…")
        new_files[name] = data
    return sign_revision_plan(
        verified,
        reviewer,
        profile,
        action=action.value,
        new_files=new_files,
        custody_action=custody_action,
        custody_details={"review": action.value, "revision": k, **fields},
        when=when,
        stamp=timestamps.revision_stamper(profile.tsas) if profile.tsas else None,
    )


def record_action(
    folder: Path,
    ref: str,
    reviewer: Identity,
    profile: Profile,
    action: ReviewAction,
    why: str,
    fields: Mapping[str, str] | None = None,
    *,
    based_on: int | None = None,
) -> share.Published:
    """Record one action on ``ref`` in the drop folder ``folder``: the next revision, on top of the latest one there.

    Goes through :func:`evidence.bundle.share.publish_revision`, so an action recorded from a window opened before
    someone else's is added after theirs, never instead of it (:func:`added_while_working` says so).

    Args:
        based_on: the revision the reviewer was looking at when they chose the action.

    Raises:
        UsageError: the action is incomplete (see :func:`add_review`), or there is no bundle of ``ref``.
        ShareError, BundleError: see :func:`evidence.bundle.share.publish_revision`.
    """

    def build(verified: bundle.VerifiedBundle) -> bundle.BagPlan:
        # timed when it is (re)applied; the images stream from the revision it builds on as the writer reaches them
        return add_review_plan(verified, reviewer, profile, action, why, fields)

    return share.publish_revision(folder, ref, build, reviewer, profile, based_on=based_on)


def added_while_working(published: share.Published) -> str:
    """One sentence naming what others recorded while the reviewer was working, or "" when nobody did.

    "Hugh Head added a note while you were working; your action was added after it."
    """
    if not published.intervening:
        return ""
    done = []
    for r in published.intervening:
        try:
            what = (
                "added a note" if r.action == ReviewAction.NOTE.value else f"recorded “{label(ReviewAction(r.action))}”"
            )
        except ValueError:
            what = f"added revision {r.number}"
        done.append(f"{clean_line(r.by_name or r.by_principal, limit=200)} {what}")
    return f"{'; '.join(done)} while you were working; your action was added after it."


def sign_revision_plan(
    verified: bundle.VerifiedBundle,
    reviewer: Identity,
    profile: Profile,
    *,
    action: str,
    new_files: Mapping[str, bytes],
    custody_action: Action,
    custody_details: Mapping[str, Any],
    when: str,
    stamp: timestamps.Stamper | None = None,
) -> bundle.BagPlan:
    """Sign one revision adding ``new_files`` with one custody entry; return the new bag as a plan.

    The plan holds the records and tag files; the bundle's images stream from the revision it builds on as a
    writer reaches them (:func:`evidence.bundle.revise.revise_plan`); ``.materialize()`` gives the bag in memory.

    Every revision a reviewer makes (review actions here, casework in :mod:`evidence.review.casework`) goes
    through this function; only :func:`evidence.bundle.share.publish_revision` publishes it.

    Raises:
        UsageError: the reviewer is not one, a file is not new or not allowed in a revision.
    """
    entry = make_entry(
        verified.custody[-1],
        actor=reviewer.card.principal,
        action=custody_action,
        subject=verified.ref,
        details=dict(custody_details),
        time_utc=when,
    )
    return bundle.revise_plan(
        verified,
        reviewer,
        profile,
        action=action,
        new_files=dict(new_files),
        custody_entries=[entry],
        when=when,
        stamp=stamp,
    )


def sign_revision(
    verified: bundle.VerifiedBundle,
    reviewer: Identity,
    profile: Profile,
    *,
    action: str,
    new_files: Mapping[str, bytes],
    custody_action: Action,
    custody_details: Mapping[str, Any],
    when: str,
    stamp: timestamps.Stamper | None = None,
) -> dict[str, bytes]:
    """:func:`sign_revision_plan`, with the whole new bag in memory (bag-relative name → bytes)."""
    return sign_revision_plan(
        verified,
        reviewer,
        profile,
        action=action,
        new_files=new_files,
        custody_action=custody_action,
        custody_details=custody_details,
        when=when,
        stamp=stamp,
    ).materialize()
