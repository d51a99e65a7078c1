"""The timeline of linked incidents: each occasion and its items, in order of when they happened.

What it defends against is a timeline that claims more than it knows. Every time it shows says where it comes from
(:class:`TimeSource`): the incident form's "when it happened" is **as reported** by the member of staff; an item's
time is the **workstation clock** of the computer that captured it (or the time a received file reached staff),
unless a **trusted time** (an RFC 3161 token checked by the verifier) is given for it. Handles shown beside an
occasion are only those a reviewer confirmed; the form's own handle is shown labelled as entered, never as found.

Incidents join the timeline through :func:`evidence.review.casework.linked_refs`: a signed link, or a shared
confirmed handle, person or target, and never one a reviewer unlinked.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evidence import bundle
from evidence.case.handles import Kind
from evidence.case.policy import OTHER_PLATFORM
from evidence.core.text import clean_line
from evidence.core.timefmt import parse_aware
from evidence.review import casework


class TimeSource(enum.Enum):
    """Where a time on the timeline comes from."""

    TRUSTED = "trusted time"
    WORKSTATION = "workstation clock"
    RECEIVED = "when received"
    REPORTED = "as reported"
    STORED = "when stored"


@dataclass(frozen=True)
class ItemMoment:
    """One item of an occasion.

    Attributes:
        seq: The item's number in its incident.
        when: Its time (aware, UTC).
        source: Where that time comes from.
        sha256: The item's SHA-256.
        has_text_layer: Whether it has a (machine-read) text layer.
        tsa: The TSA that confirmed a trusted time ("" for any other source).
    """

    seq: int
    when: dt.datetime
    source: TimeSource
    sha256: str
    has_text_layer: bool
    tsa: str = ""


@dataclass(frozen=True)
class Occasion:
    """One incident on the timeline.

    Attributes:
        ref: The incident's reference.
        title: Its title.
        when: When it happened: as reported in the form, else its first item's time.
        source: Where ``when`` comes from.
        platform: The platform.
        handles: Handles a reviewer confirmed for it.
        form_handle: The handle as entered in the form ("" if none).
        people: Who a reviewer believes the confirmed handles are.
        items: Its items, in time order.
        linked_by: How it joined the timeline (``start``, ``link: REASON`` or ``shared: KEY``).
    """

    ref: str
    title: str
    when: dt.datetime | None
    source: TimeSource
    platform: str
    handles: tuple[str, ...]
    form_handle: str
    people: tuple[str, ...]
    items: tuple[ItemMoment, ...]
    linked_by: str


@dataclass(frozen=True)
class Timeline:
    """The occasions linked to ``start``, in order of when they happened (unknown times last)."""

    start: str
    occasions: tuple[Occasion, ...]


def item_time(verified: bundle.VerifiedBundle, seq: int) -> tuple[dt.datetime, TimeSource]:
    """An item's time from its context: the capture's UTC (workstation clock), a received file's ``received_utc``,
    a crop's parent's capture, else the time the app stored it."""
    item = verified.item(seq)
    try:
        context: Any = json.loads(verified.bag[item.context_name].decode("utf-8"))
    except (KeyError, UnicodeDecodeError, ValueError, RecursionError):
        context = {}
    if not isinstance(context, dict):
        context = {}
    for key, source in (("utc", TimeSource.WORKSTATION), ("received_utc", TimeSource.RECEIVED)):
        value = context.get(key)
        when = parse_aware(value) if isinstance(value, str) else None
        if when is not None:
            return when.astimezone(dt.UTC), source
    if item.parent_seq is not None and item.parent_seq != seq and item.parent_seq in {i.seq for i in verified.items}:
        return item_time(verified, item.parent_seq)
    stored = parse_aware(item.created_utc)
    return (stored or dt.datetime.min.replace(tzinfo=dt.UTC)).astimezone(dt.UTC), TimeSource.STORED


def occasion(
    verified: bundle.VerifiedBundle,
    *,
    linked_by: str = "start",
    trusted: Mapping[tuple[str, int], dt.datetime] | None = None,
) -> Occasion:
    """One incident as an occasion.

    An item's time is its trusted time where the verifier checked an RFC 3161 token for it
    (:meth:`evidence.bundle.VerifiedBundle.item_times`, the earliest genTime), else what :func:`item_time` finds.
    ``trusted`` gives further verified trusted times by (reference, item); they take precedence.
    """
    trusted = trusted or {}
    layers = casework.text_layers(verified)
    moments = []
    for item in verified.items:
        key = (verified.ref, item.seq)
        tokens = verified.item_times(item.seq)
        tsa = ""
        if key in trusted:
            when, source = trusted[key].astimezone(dt.UTC), TimeSource.TRUSTED
        elif tokens:
            first = min(tokens, key=lambda t: t.gen_time)
            when, source, tsa = first.gen_time.astimezone(dt.UTC), TimeSource.TRUSTED, clean_line(first.tsa_name)
        else:
            when, source = item_time(verified, item.seq)
        moments.append(ItemMoment(item.seq, when, source, item.sha256, item.seq in layers, tsa))
    moments.sort(key=lambda m: (m.when, m.seq))
    reported = casework.occurred_of(verified)
    if reported is not None:
        when_o, source_o = reported.astimezone(dt.UTC), TimeSource.REPORTED
    elif moments:
        when_o, source_o = moments[0].when, moments[0].source
    else:
        when_o, source_o = None, TimeSource.REPORTED
    d = verified.incident.details
    confirmed = casework.confirmed(verified).values()
    return Occasion(
        ref=verified.ref,
        title=clean_line(d.title),
        when=when_o,
        source=source_o,
        platform=clean_line(d.platform_other if d.platform == OTHER_PLATFORM and d.platform_other else d.platform),
        handles=tuple(clean_line(c.value) for c in confirmed if c.kind is Kind.HANDLE),
        form_handle=clean_line(d.perpetrator_handle),
        people=tuple(sorted({clean_line(c.person) for c in confirmed if c.person})),
        items=tuple(moments),
        linked_by=linked_by,
    )


def build_timeline(
    start: str,
    bundles: Mapping[str, bundle.VerifiedBundle],
    *,
    trusted: Mapping[tuple[str, int], dt.datetime] | None = None,
) -> Timeline:
    """The timeline of ``start`` and every incident linked to it among ``bundles``.

    Raises:
        KeyError: ``start`` is not among ``bundles``.
    """
    refs = casework.linked_refs(start, bundles)
    links = casework.active_links(bundles[start])
    keys = casework.shared_keys(bundles[start])
    occasions = []
    for ref in refs:
        if ref == start:
            why = "start"
        elif ref in links:
            why = f"link: {clean_line(links[ref].why)}"
        elif start in casework.active_links(bundles[ref]):
            why = f"link: {clean_line(casework.active_links(bundles[ref])[start].why)}"
        else:
            shared = sorted(keys & casework.shared_keys(bundles[ref]))
            why = f"shared: {shared[0]}" if shared else "linked through another incident"
        occasions.append(occasion(bundles[ref], linked_by=why, trusted=trusted))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    occasions.sort(key=lambda o: (o.when or far, o.ref))
    return Timeline(start, tuple(occasions))


def _stamp(when: dt.datetime | None) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if when is not None else "(time unknown)"


def timeline_lines(timeline: Timeline) -> list[str]:
    """The timeline as text: one line per occasion, then one per item, each time with its source in brackets."""
    out = []
    for n, o in enumerate(timeline.occasions, start=1):
        handles = ", ".join(o.handles) or (f"{o.form_handle} (as entered, not confirmed)" if o.form_handle else "-")
        people = f" ({'; '.join(o.people)})" if o.people else ""
        line = f"{n}. {_stamp(o.when)} [{o.source.value}] {o.ref} {o.platform or '-'} {handles}{people}: {o.title}"
        out.append(clean_line(f"{line}  <{o.linked_by}>", limit=1000))
        for m in o.items:
            text = ", text layer (machine-read)" if m.has_text_layer else ""
            source = f"{m.source.value}, TSA {m.tsa}" if m.tsa else m.source.value
            out.append(f"     item {m.seq}: {_stamp(m.when)} [{source}] sha256={m.sha256[:16]}…{text}")
    return out
