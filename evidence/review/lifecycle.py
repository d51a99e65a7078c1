"""A case's data-protection lifecycle as signed revisions: legal hold, release, extension, redaction, subject access.

Every choice a reviewer makes about keeping, holding or redacting a case must be accountable, so each is one
signed revision made through :func:`evidence.review.actions.add_review_plan` and published as the next revision file on
the share with :func:`evidence.bundle.share.publish_revision`, like every other review (the ``record_*``
functions). This module defends against:

- **A retention state nobody signed.** The review date is derived only from the sealed incident and the signed
  review records (:func:`case_facts`, :func:`retention_state`): a hold is a ``legal-hold`` record, its release a
  ``hold-released`` record naming it, an extension a ``retention-extended`` record; each event's id is the
  revision that made it (``rK``), its time and signer are the record's, and its reason is the record's ``why``.
- **Disposal while a hold is in force.** :func:`check_may_dispose` refuses it (check ``on hold``) whatever the
  date says, and nothing here can override a hold: only a signed release lifts it.
- **A redaction that hides nothing.** :func:`add_redaction` makes the copy with
  :func:`evidence.capture.redact.redact` (pixels really replaced, a fresh PNG), stores it beside its record under
  ``data/reviews/rK-redacted-NNN.*``, and checks the revised bag before returning it; the verifier redoes every
  redaction (:mod:`evidence.bundle.derived`). The original item never changes.
- **A choice lost to a concurrent writer.** Each ``record_*`` function builds its revision on the latest complete
  revision on the share; when someone else published that revision number first it reads theirs and applies the
  choice again on top (checked again: a release of a hold that someone else released meanwhile is refused, and a
  redaction is redone under the new revision's names), so no revision file is ever replaced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from evidence import bundle
from evidence.bundle import share
from evidence.bundle.derived import RedactedCopy, copy_names
from evidence.case.incident import ReportType
from evidence.case.profile import Profile
from evidence.case.retention import (
    DEFAULT_POLICY,
    MAX_DAYS,
    CaseFacts,
    EventKind,
    RetentionError,
    RetentionEvent,
    RetentionPolicy,
    ReviewState,
    review_date,
    suggest_safeguarding,
)
from evidence.case.retention import check_may_dispose as _check_may_dispose
from evidence.core.errors import UsageError
from evidence.core.timefmt import parse_utc
from evidence.crypto.keys import Identity
from evidence.review.actions import ReviewAction, ReviewRecord, add_review_plan, reviews

if TYPE_CHECKING:
    from evidence.capture.redact import Box

_EVENT_OF = {
    ReviewAction.LEGAL_HOLD: EventKind.HOLD,
    ReviewAction.HOLD_RELEASED: EventKind.RELEASE,
    ReviewAction.RETENTION_EXTENDED: EventKind.EXTENSION,
}


def _event(record: ReviewRecord) -> RetentionEvent | None:
    kind = _EVENT_OF.get(record.action)
    if kind is None:
        return None
    days = None
    if kind is EventKind.EXTENSION:
        text = record.fields.get("days", "")
        if not text.isdigit():
            raise RetentionError(f"r{record.revision}: the extension's days are not a number", check="record")
        days = int(text)
    try:
        return RetentionEvent(
            kind=kind,
            event_id=f"r{record.revision}",
            time_utc=parse_utc(record.time_utc),
            by_principal=record.by_principal,
            reason=record.why,
            days=days,
            lifts=record.fields.get("lifts") if kind is EventKind.RELEASE else None,
        )
    except (UsageError, ValueError) as e:
        raise RetentionError(f"r{record.revision}: {e}", check="record") from e


def retention_events(records: Sequence[ReviewRecord]) -> tuple[RetentionEvent, ...]:
    """The holds, releases and extensions among a case's review records, in revision order.

    Raises:
        RetentionError: check ``record`` (a record that is not a valid event).
    """
    return tuple(e for e in (_event(r) for r in records) if e is not None)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def case_facts(verified: bundle.VerifiedBundle) -> CaseFacts:
    """What retention needs to know about a verified bundle, from its signed records only.

    The incident date is the form's ``occurred`` (None if absent or not a date); the sealed date is revision 1's;
    safeguarding is :func:`~evidence.case.retention.suggest_safeguarding` of the sealed form.
    """
    details = verified.incident.details
    sealed = parse_utc(verified.sealer.time_utc).astimezone(dt.UTC).date()
    incident = _date(details.occurred)
    if incident is not None and incident > sealed:
        incident = None
    return CaseFacts(
        reference=verified.ref,
        report_type=details.report_type if isinstance(details.report_type, ReportType) else ReportType.CYBER_BULLYING,
        sealed=sealed,
        incident=incident,
        safeguarding=suggest_safeguarding(details),
        events=retention_events(reviews(verified)),
    )


def policy_of(profile: Profile) -> RetentionPolicy:
    """The profile's retention rules, or the defaults when it states none."""
    return profile.retention if profile.retention is not None else DEFAULT_POLICY


def retention_state(verified: bundle.VerifiedBundle, profile: Profile, *, today: dt.date) -> ReviewState:
    """The case's review date and status today under the profile's rules."""
    return review_date(case_facts(verified), policy_of(profile), today=today)


def check_may_dispose(verified: bundle.VerifiedBundle, profile: Profile, *, today: dt.date, early: bool) -> ReviewState:
    """The case's state, if it may be disposed of.

    Raises:
        RetentionError: check ``on hold`` (a legal hold is in force) or ``not due`` (before the review date and not
            ``early``).
    """
    state = retention_state(verified, profile, today=today)
    _check_may_dispose(state, early=early)
    return state


def add_hold(
    verified: bundle.VerifiedBundle, reviewer: Identity, profile: Profile, why: str, *, when: str | None = None
) -> bundle.BagPlan:
    """A ``legal-hold`` revision: nothing may be disposed of until a reviewer releases it. ``why`` is required."""
    if not why.strip():
        raise UsageError("a legal hold needs a reason, e.g. 'police investigation, reference …'")
    return add_review_plan(verified, reviewer, profile, ReviewAction.LEGAL_HOLD, why, when=when)


def add_release(
    verified: bundle.VerifiedBundle,
    reviewer: Identity,
    profile: Profile,
    why: str,
    *,
    lifts: str | None = None,
    when: str | None = None,
) -> bundle.BagPlan:
    """A ``hold-released`` revision lifting hold ``lifts`` (``rK``; by default the only hold in force).

    Raises:
        RetentionError: check ``not on hold`` (no hold is in force), ``which hold`` (several are and ``lifts`` is
            not given) or ``release without hold`` (``lifts`` is not a hold in force).
    """
    if not why.strip():
        raise UsageError("releasing a legal hold needs a reason")
    state = review_date(case_facts(verified), DEFAULT_POLICY, today=dt.date.today())
    held = [h.event_id for h in state.holds]
    if not held:
        raise RetentionError(f"{verified.ref} is not on legal hold", check="not on hold", reference=verified.ref)
    if lifts is None:
        if len(held) > 1:
            raise RetentionError(
                f"{verified.ref} has {len(held)} holds in force ({', '.join(held)}): say which", check="which hold"
            )
        lifts = held[0]
    if lifts not in held:
        raise RetentionError(
            f"{verified.ref}: {lifts} is not a hold in force ({', '.join(held)})", check="release without hold"
        )
    return add_review_plan(verified, reviewer, profile, ReviewAction.HOLD_RELEASED, why, {"lifts": lifts}, when=when)


def add_extension(
    verified: bundle.VerifiedBundle,
    reviewer: Identity,
    profile: Profile,
    days: int,
    why: str,
    *,
    when: str | None = None,
) -> bundle.BagPlan:
    """A ``retention-extended`` revision: keep the case ``days`` more days from today (UTC). ``why`` is required."""
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(f"keep for 1 to {MAX_DAYS} further days")
    if not why.strip():
        raise UsageError("keeping a case for a further period needs a reason")
    return add_review_plan(
        verified, reviewer, profile, ReviewAction.RETENTION_EXTENDED, why, {"days": str(days)}, when=when
    )


@dataclass(frozen=True)
class RedactionResult:
    """A redaction revision: the revised bag (a plan: its images stream from the bundle it revises) and the copy's
    names."""

    bag: bundle.BagPlan
    png_name: str
    record_name: str


def add_redaction(
    verified: bundle.VerifiedBundle,
    reviewer: Identity,
    profile: Profile,
    item_seq: int,
    boxes: Sequence[Box],
    why: str,
    *,
    when: str | None = None,
) -> RedactionResult:
    """A ``redacted`` revision adding a redacted copy of item ``item_seq`` (the original is untouched).

    Raises:
        UsageError: no such item, or no reason.
        RedactionError: the boxes or the original (see :func:`evidence.capture.redact.redact`).
    """
    from evidence.capture.redact import redact  # the image code (Pillow, mss) only when redacting

    if not why.strip():
        raise UsageError("say why the copy is redacted (e.g. 'subject access request')")
    try:
        item = verified.item(item_seq)
    except KeyError as e:
        raise UsageError(f"{verified.ref} carries no item {item_seq}") from e
    made = redact(verified.item_content(item), boxes)
    k = len(verified.revisions) + 1
    png_name, record_name = copy_names(k, item_seq)
    bag = add_review_plan(
        verified,
        reviewer,
        profile,
        ReviewAction.REDACTED,
        why,
        {"item": str(item_seq), "file": png_name, "record": record_name},
        when=when,
        extra_files={png_name: made.png, record_name: made.record.to_bytes()},
    )
    return RedactionResult(bag, png_name, record_name)


def redacted_copies_of(verified: bundle.VerifiedBundle, item_seq: int) -> tuple[RedactedCopy, ...]:
    """The redacted copies of one item, oldest first."""
    return tuple(c for c in verified.redacted if c.parent_seq == item_seq)


def latest_redactions(verified: bundle.VerifiedBundle) -> dict[int, RedactedCopy]:
    """Item number → its latest redacted copy (a later redaction of the same item supersedes an earlier one)."""
    out: dict[int, RedactedCopy] = {}
    for copy in verified.redacted:
        out[copy.parent_seq] = copy
    return out


# -- publishing on the share --------------------------------------------------------------------------------------


def record_hold(
    folder: Path, ref: str, reviewer: Identity, profile: Profile, why: str, *, based_on: int | None = None
) -> share.Published:
    """Publish a ``legal-hold`` revision of ``ref`` in the drop folder ``folder`` (see :func:`add_hold`).

    Args:
        based_on: the revision the reviewer was looking at (others' revisions after it are reported).

    Raises:
        UsageError: no reason, or no bundle of ``ref`` in ``folder``.
        ShareError, BundleError: see :func:`evidence.bundle.share.publish_revision`.
    """
    if not why.strip():  # refused before the share is touched
        raise UsageError("a legal hold needs a reason, e.g. 'police investigation, reference …'")
    return share.publish_revision(
        folder, ref, lambda v: add_hold(v, reviewer, profile, why), reviewer, profile, based_on=based_on
    )


def record_release(
    folder: Path,
    ref: str,
    reviewer: Identity,
    profile: Profile,
    why: str,
    *,
    lifts: str | None = None,
    based_on: int | None = None,
) -> share.Published:
    """Publish a ``hold-released`` revision (see :func:`add_release`), checked against the latest revision.

    Raises:
        RetentionError: see :func:`add_release` (judged on the revision the release is built on).
        UsageError, ShareError, BundleError: see :func:`record_hold`.
    """
    if not why.strip():
        raise UsageError("releasing a legal hold needs a reason")
    return share.publish_revision(
        folder, ref, lambda v: add_release(v, reviewer, profile, why, lifts=lifts), reviewer, profile, based_on=based_on
    )


def record_extension(
    folder: Path,
    ref: str,
    reviewer: Identity,
    profile: Profile,
    days: int,
    why: str,
    *,
    based_on: int | None = None,
) -> share.Published:
    """Publish a ``retention-extended`` revision (see :func:`add_extension`).

    Raises:
        UsageError, ShareError, BundleError: see :func:`record_hold`.
    """
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(f"keep for 1 to {MAX_DAYS} further days")
    if not why.strip():
        raise UsageError("keeping a case for a further period needs a reason")
    return share.publish_revision(
        folder, ref, lambda v: add_extension(v, reviewer, profile, days, why), reviewer, profile, based_on=based_on
    )


def record_redaction(
    folder: Path,
    ref: str,
    reviewer: Identity,
    profile: Profile,
    item_seq: int,
    boxes: Sequence[Box],
    why: str,
    *,
    based_on: int | None = None,
) -> share.Published:
    """Publish a ``redacted`` revision with a redacted copy of item ``item_seq`` (see :func:`add_redaction`).

    The copy is made again on the revision it is finally built on, so its names carry that revision's number
    (:func:`evidence.bundle.derived.copy_names` of ``Published.revision``).

    Raises:
        RedactionError: the boxes or the original.
        UsageError, ShareError, BundleError: see :func:`record_hold`.
    """
    if not why.strip():
        raise UsageError("say why the copy is redacted (e.g. 'subject access request')")
    return share.publish_revision(
        folder,
        ref,
        lambda v: add_redaction(v, reviewer, profile, item_seq, boxes, why).bag,
        reviewer,
        profile,
        based_on=based_on,
    )
