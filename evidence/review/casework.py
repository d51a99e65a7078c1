"""Building the case: text layers, people and handles, and links between incidents, each one a signed revision.

What it defends against: **a machine reading passed off as evidence** (a text layer is a derived file under
``data/derived/``, marked machine-read in its own bytes, naming its item by SHA-256, and added by a signed
revision whose custody entry says ``text-read``); **silent inference** (a handle, e-mail-like id or URL is only
ever *proposed* (:func:`proposals`); it counts for linking and the police timeline only once a reviewer has
confirmed it, and who it is believed to be is recorded in the reviewer's words, in a signed
``identification`` record); and **links nobody can account for** (a link between two incidents is a signed
``link`` record in *each* bundle, naming the other's reference, latest revision and that revision's manifest
SHA-256, with the reviewer's reason; unlinking is a signed ``unlink`` record in each, and both appear in custody
as ``linked`` and ``unlinked``).

Why a record in each bundle: a bundle is checked on its own, by someone who may never see the other one. With
the link in both, each bundle says by itself what it was linked to, by whom and why, and the other bundle's
manifest digest pins *which* record of the other incident the reviewer looked at (a later revision of it keeps
that manifest, ``seal/revisions/K/manifest-sha256.txt``, so the pin stays checkable).

Records are read back as hostile (:func:`casework_records`): strict keys and types, the revision that added the
file, and its signer. Every revision goes through :func:`evidence.review.actions.sign_revision_plan` and reaches the
drop folder only through :func:`evidence.bundle.share.publish_revision` (:func:`publish`): a new immutable
``REF.rN.zip.age`` each time, built on the incident's current revision, and built again on top when another
reviewer published first, so a concurrent writer's revision is never lost. A link pins the *current* revision of
the other incident on the share, not whichever copy the reviewer happened to open.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidence import bundle
from evidence.bundle import share, timestamps
from evidence.bundle.layout import revision_manifest_path, sha256_hex, text_layer_of, text_layer_path
from evidence.capture import ocr
from evidence.case.custody import Action
from evidence.case.handles import Kind, Proposal, handle_key, propose
from evidence.case.incident import Category, check_ref
from evidence.case.profile import Profile
from evidence.case.search import Query, SearchDocument, fold
from evidence.case.textlayer import TextLayer, TextLayerError
from evidence.core.errors import BundleError, UsageError
from evidence.core.text import clean_line
from evidence.core.timefmt import utc_now
from evidence.crypto.keys import Identity
from evidence.review.actions import sign_revision_plan

log = logging.getLogger(__name__)

IDENTIFICATION_FORMAT = "evidence-capture-identification/1"
LINK_FORMAT = "evidence-capture-link/1"
UNLINK_FORMAT = "evidence-capture-unlink/1"

TEXT_READ_ACTION = "text-read"
"""The revision ``action`` of a revision that adds text layers."""

OCR_MEDIA_TYPES = frozenset({"image/png", "image/jpeg"})
"""Items the OCR engine reads (others are left without a text layer, and the caller is told)."""

MAX_REASON_CHARS = 2_000
MAX_PERSON_CHARS = 200
MAX_RECORD_TEXT = 5_000
"""Longest text field a casework record may hold when read back (a URL's key is up to about 2,000 characters)."""


class Decision(enum.Enum):
    """A reviewer's decision on a proposal."""

    CONFIRMED = "confirmed"
    REJECTED = "rejected"


def _stamper(profile: Profile) -> timestamps.Stamper | None:
    """RFC 3161 tokens over the new revision's manifest, as for a review action (issue 12)."""
    return timestamps.revision_stamper(profile.tsas) if profile.tsas else None


def record_name(revision: int, kind: str) -> str:
    """``data/reviews/rK-KIND.json`` for a casework record (``identification``, ``link`` or ``unlink``)."""
    return f"data/reviews/r{revision}-{kind}.json"


# -- text layers ------------------------------------------------------------------------------------------------------


def text_layers(verified: bundle.VerifiedBundle) -> dict[int, TextLayer]:
    """Each item's latest text layer (the verifier has already checked each one against its item).

    Raises:
        BundleError: check ``consistency``: a layer does not parse (never for a bundle the verifier passed).
    """
    latest: dict[int, tuple[int, str]] = {}
    for name in verified.bag:
        named = text_layer_of(name)
        if named is not None and (named[0] not in latest or named[1] > latest[named[0]][0]):
            latest[named[0]] = (named[1], name)
    out = {}
    for seq, (_, name) in sorted(latest.items()):
        try:
            out[seq] = TextLayer.parse(verified.bag[name])
        except TextLayerError as e:  # pragma: no cover - the verifier parsed it already
            raise BundleError(f"consistency: {name}: not a text layer", check="consistency", member=name) from e
    return out


def read_text_layers(
    verified: bundle.VerifiedBundle,
    *,
    again: bool = False,
    timeout_s: float = ocr.DEFAULT_TIMEOUT_S,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[int, TextLayer], tuple[int, ...]]:
    """Read the text of every item that has none yet (every item, with ``again``), in memory.

    A blocking call for a worker (it runs Tesseract once per item), never during a capture.

    Returns:
        (item number → its new text layer, the numbers of items the engine cannot read: not PNG or JPEG).

    Raises:
        OcrError: the engine is missing, failed or timed out on an item.
    """
    have = text_layers(verified)
    todo = [i for i in sorted(verified.items, key=lambda i: i.seq) if again or i.seq not in have]
    skipped = tuple(i.seq for i in todo if i.media_type not in OCR_MEDIA_TYPES)
    todo = [i for i in todo if i.media_type in OCR_MEDIA_TYPES]
    out = {}
    for n, item in enumerate(todo, start=1):
        out[item.seq] = ocr.read_text(verified.bag[item.file], source_sha256=item.sha256, timeout_s=timeout_s)
        if progress is not None:
            progress(n, len(todo))
    return out, skipped


def add_text_layers(
    verified: bundle.VerifiedBundle,
    reviewer: Identity,
    profile: Profile,
    layers: Mapping[int, TextLayer],
    *,
    when: str | None = None,
) -> bundle.BagPlan:
    """Sign the text layers into a new revision (``data/derived/NNN.text-rK.json``); return the new bag.

    Its custody entry (``text-read``) names each item, the layer's SHA-256 and the engine.

    Raises:
        UsageError: no layers, a layer for an item the bundle does not carry, or of another picture.
    """
    if not layers:
        raise UsageError("there is no text layer to add")
    k = len(verified.revisions) + 1
    items = {i.seq: i for i in verified.items}
    files = {}
    read = []
    for seq, layer in sorted(layers.items()):
        item = items.get(seq)
        if item is None or layer.source_sha256 != item.sha256:
            raise UsageError(f"item {seq}: the text layer is not of an item this bundle carries")
        files[text_layer_path(seq, k)] = layer.to_canonical()
        read.append({"item": seq, "text_layer_sha256": layer.digest_hex, "words": len(layer.words)})
    engine = next(iter(layers.values())).engine.label
    return sign_revision_plan(
        verified,
        reviewer,
        profile,
        action=TEXT_READ_ACTION,
        new_files=files,
        custody_action=Action.TEXT_READ,
        custody_details={"revision": k, "engine": engine, "machine_read": True, "items": read},
        when=when or utc_now(),
        stamp=_stamper(profile),
    )


# -- proposals and identifications -------------------------------------------------------------------------------------


def proposals(verified: bundle.VerifiedBundle) -> tuple[Proposal, ...]:
    """The handles, e-mail-like ids and URLs of the incident's form and text layers, for a reviewer to decide on."""
    d = verified.incident.details
    return propose(
        handle=d.perpetrator_handle or None,
        profile_url=d.perpetrator_url or None,
        urls=d.urls,
        description=d.description or None,
        text_layers=text_layers(verified),
    )


@dataclass(frozen=True)
class Identification:
    """A reviewer's decision on one proposal.

    Attributes:
        key: The proposal's key (``handle:jay_k_2009``).
        kind: What it is.
        value: How it was shown.
        decision: Confirmed or rejected.
        person: Who the reviewer believes it is, in their words ("" if not known, or rejected).
        why: The reviewer's reason.
    """

    key: str
    kind: Kind
    value: str
    decision: Decision
    person: str = ""
    why: str = ""

    def to_json_dict(self) -> dict[str, Any]:
        """The decision's JSON."""
        return {
            "key": self.key,
            "kind": self.kind.value,
            "value": self.value,
            "decision": self.decision.value,
            "person": self.person,
            "why": self.why,
        }

    @classmethod
    def parse(cls, value: object, where: str) -> Identification:
        """Parse one decision.

        Raises:
            BundleError: check ``consistency``.
        """
        obj = _exact(value, ("decision", "key", "kind", "person", "value", "why"), where)
        try:
            kind, decision = Kind(obj["kind"]), Decision(obj["decision"])
        except ValueError as e:
            raise _bad(where, "kind or decision is not a known value") from e
        key, shown, person, why = (_str(obj, k, where) for k in ("key", "value", "person", "why"))
        if not key.startswith(f"{kind.value}:") or (decision is Decision.REJECTED and person):
            raise _bad(where, "key does not match its kind, or a rejected proposal names a person")
        return cls(key, kind, shown, decision, person, why)


@dataclass(frozen=True)
class Signed:
    """Who signed a casework record, and when: the revision that added it."""

    revision: int
    time_utc: str
    by_name: str
    by_principal: str


@dataclass(frozen=True)
class IdentificationRecord:
    """``data/reviews/rK-identification.json``: decisions on proposals."""

    signed: Signed
    decisions: tuple[Identification, ...]


@dataclass(frozen=True)
class LinkRecord:
    """``data/reviews/rK-link.json``: this incident is linked to another one, for a reason.

    Attributes:
        signed: Who linked them, and when.
        other_ref: The other incident.
        other_revision: The other bundle's latest revision when it was linked.
        other_manifest_sha256: SHA-256 of that revision's manifest (``seal/revisions/N/manifest-sha256.txt``).
        why: The reviewer's reason.
    """

    signed: Signed
    other_ref: str
    other_revision: int
    other_manifest_sha256: str
    why: str


@dataclass(frozen=True)
class UnlinkRecord:
    """``data/reviews/rK-unlink.json``: a link to another incident is withdrawn, for a reason."""

    signed: Signed
    other_ref: str
    why: str


CaseworkRecord = IdentificationRecord | LinkRecord | UnlinkRecord


def _signed_json(verified: bundle.VerifiedBundle, fmt: str, reviewer: Identity, when: str) -> dict[str, Any]:
    return {
        "format": fmt,
        "revision": len(verified.revisions) + 1,
        "time_utc": when,
        "by": {"name": reviewer.card.name, "principal": reviewer.card.principal},
    }


def _reason(why: str, what: str) -> str:
    text = why.strip()
    if not text:
        raise UsageError(f"{what}: say why; every link, unlink and identification records its reason")
    if len(text) > MAX_REASON_CHARS:
        raise UsageError(f"{what}: the reason is longer than {MAX_REASON_CHARS} characters")
    return text


def add_identifications(
    verified: bundle.VerifiedBundle,
    reviewer: Identity,
    profile: Profile,
    decisions: Sequence[tuple[str, Decision, str]],
    why: str,
    *,
    when: str | None = None,
) -> bundle.BagPlan:
    """Record decisions on proposals as one signed revision; return the new bag.

    Args:
        decisions: (proposal key or value as shown, decision, who it is believed to be ("" if not known)).
        why: The reviewer's reason for these decisions.

    Raises:
        UsageError: no decisions, no reason, a key that is not proposed for this incident, or a person named for a
            rejected proposal.
    """
    reason = _reason(why, "identification")
    if not decisions:
        raise UsageError("identification: confirm or reject at least one proposal")
    offered = {p.key: p for p in proposals(verified)}
    by_value = {p.value.casefold(): p for p in offered.values()}
    chosen = []
    for given, decision, person in decisions:
        p = offered.get(given) or by_value.get(given.strip().casefold()) or offered.get(f"handle:{handle_key(given)}")
        if p is None:
            raise UsageError(f"identification: {clean_line(given)!r} is not proposed for {verified.ref}")
        who = person.strip()
        if decision is Decision.REJECTED and who:
            raise UsageError("identification: a rejected proposal names nobody")
        if len(who) > MAX_PERSON_CHARS:
            raise UsageError(f"identification: the name is longer than {MAX_PERSON_CHARS} characters")
        chosen.append(Identification(p.key, p.kind, p.value, decision, who, reason))
    when = when or utc_now()
    k = len(verified.revisions) + 1
    record = {**_signed_json(verified, IDENTIFICATION_FORMAT, reviewer, when)}
    record["decisions"] = [c.to_json_dict() for c in chosen]
    return sign_revision_plan(
        verified,
        reviewer,
        profile,
        action="identified",
        new_files={record_name(k, "identification"): bundle.pretty_json(record)},
        custody_action=Action.IDENTIFIED,
        custody_details={"revision": k, "decisions": [f"{c.decision.value} {c.key}" for c in chosen]},
        when=when,
        stamp=_stamper(profile),
    )


# -- links ----------------------------------------------------------------------------------------------------------


def latest_manifest_sha256(verified: bundle.VerifiedBundle) -> str:
    """SHA-256 of the manifest the bundle's latest revision signed."""
    return sha256_hex(verified.bag[revision_manifest_path(len(verified.revisions))])


def add_link(
    verified: bundle.VerifiedBundle,
    other: bundle.VerifiedBundle,
    reviewer: Identity,
    profile: Profile,
    why: str,
    *,
    when: str | None = None,
) -> bundle.BagPlan:
    """Link ``verified`` to ``other`` as a signed revision of ``verified``; return its new bag.

    Call it for each of the two bundles (:func:`link_both` does), so each says by itself what it is linked to.

    Raises:
        UsageError: the same incident, no reason, or already linked.
    """
    reason = _reason(why, "link")
    if other.ref == verified.ref:
        raise UsageError(f"link: {verified.ref} cannot be linked to itself")
    if other.ref in active_links(verified):
        raise UsageError(f"link: {verified.ref} is already linked to {other.ref}")
    when = when or utc_now()
    k = len(verified.revisions) + 1
    record = _signed_json(verified, LINK_FORMAT, reviewer, when)
    pin = latest_manifest_sha256(other)
    record["other"] = {"ref": other.ref, "revision": len(other.revisions), "manifest_sha256": pin}
    record["why"] = reason
    return sign_revision_plan(
        verified,
        reviewer,
        profile,
        action="linked",
        new_files={record_name(k, "link"): bundle.pretty_json(record)},
        custody_action=Action.LINKED,
        custody_details={"revision": k, "other_ref": other.ref, "other_manifest_sha256": pin},
        when=when,
        stamp=_stamper(profile),
    )


def add_unlink(
    verified: bundle.VerifiedBundle,
    other_ref: str,
    reviewer: Identity,
    profile: Profile,
    why: str,
    *,
    when: str | None = None,
) -> bundle.BagPlan:
    """Withdraw the link from ``verified`` to ``other_ref`` as a signed revision; return the new bag.

    Raises:
        UsageError: not linked, or no reason.
    """
    reason = _reason(why, "unlink")
    if other_ref not in active_links(verified):
        raise UsageError(f"unlink: {verified.ref} is not linked to {other_ref}")
    when = when or utc_now()
    k = len(verified.revisions) + 1
    record = _signed_json(verified, UNLINK_FORMAT, reviewer, when)
    record["other_ref"] = other_ref
    record["why"] = reason
    return sign_revision_plan(
        verified,
        reviewer,
        profile,
        action="unlinked",
        new_files={record_name(k, "unlink"): bundle.pretty_json(record)},
        custody_action=Action.UNLINKED,
        custody_details={"revision": k, "other_ref": other_ref},
        when=when,
        stamp=_stamper(profile),
    )


def publish(
    folder: Path,
    ref: str,
    build: Callable[[bundle.VerifiedBundle], Mapping[str, bytes] | bundle.BagPlan],
    reviewer: Identity,
    profile: Profile,
    *,
    based_on: int | None = None,
) -> share.Published:
    """Publish a casework revision of ``ref`` in ``folder``: ``build`` is applied to the current revision there.

    ``build`` (e.g. ``lambda v: add_text_layers(v, ...)``) is called again on top of the newer revision when someone
    else published first (:func:`evidence.bundle.share.publish_revision`); ``based_on`` is the revision the reviewer
    was looking at, so :func:`evidence.review.actions.added_while_working` can say who wrote in between.

    Raises:
        UsageError: ``build`` refused, or there is no bundle of ``ref``.
        ShareError, BundleError: see :func:`evidence.bundle.share.publish_revision`.
    """
    published = share.publish_revision(folder, ref, build, reviewer, profile, based_on=based_on)
    if published.verified is None:  # pragma: no cover - a revision is always read back and verified
        raise BundleError(f"{ref}: the new revision did not read back", check="read back")
    return published


def current_bundle(
    folder: Path, ref: str, reviewer: Identity, profile: Profile, *, known: bundle.VerifiedBundle | None = None
) -> bundle.VerifiedBundle:
    """The current (highest complete) revision of ``ref`` in ``folder``, verified; ``known`` if it is that revision.

    Raises:
        UsageError: there is no complete revision of ``ref`` in the folder.
        BundleError: it fails a check, or its name does not match the bundle inside (check ``consistency``).
    """
    current = share.current_revision(folder, ref)
    if current is None:
        raise UsageError(f"{clean_line(folder, limit=300)}: has no complete bundle of {ref}")
    if known is not None and known.ref == ref and current.number == len(known.revisions):
        return known
    verified, _digest = share.check_revision(current.path, reviewer, profile)
    _check_name(current, verified)
    return verified


def _check_name(current: share.RevisionFile, verified: bundle.VerifiedBundle) -> None:
    if verified.ref != current.ref or (current.number is not None and current.number != len(verified.revisions)):
        raise BundleError(
            f"consistency: {clean_line(current.path.name)}: the file name does not match the bundle inside "
            f"(revision {len(verified.revisions)} of {clean_line(verified.ref)})",
            check="consistency",
            member=current.path.name,
        )


@dataclass(frozen=True)
class Side:
    """One of the two bundles after :func:`link_both` or :func:`unlink_both`.

    Attributes:
        verified: the bundle as it now is (its new revision as read back, or as given when it was not changed).
        published: the revision file published for it, or None when this bundle was not changed.
    """

    verified: bundle.VerifiedBundle
    published: share.Published | None


def link_both(
    a: bundle.VerifiedBundle,
    b: bundle.VerifiedBundle,
    reviewer: Identity,
    profile: Profile,
    why: str,
    folder: Path,
    *,
    when: str | None = None,
) -> tuple[Side, Side]:
    """Link two incidents in the drop folder ``folder``: a signed ``link`` revision in each, ``a``'s first.

    Both are checked (reason, two incidents, not linked yet) before anything is published. ``a``'s record pins
    ``b``'s current revision on the share; ``b``'s pins ``a`` with its link (so each pin is a record the other side
    can show). Each is published with :func:`publish`, so a reviewer who wrote to either meanwhile keeps their
    revision and the link is added after it.

    Raises:
        UsageError: as :func:`add_link`, for either bundle (checked on the bundles given, and again on the current
            revisions as they are published).
        ShareError, BundleError: see :func:`publish`; if ``b``'s revision fails after ``a``'s was published, ``a``
            holds the link on its own and linking again adds ``b``'s only.
    """
    _reason(why, "link")
    for mine, other in ((a, b), (b, a)):
        if other.ref == mine.ref:
            raise UsageError(f"link: {mine.ref} cannot be linked to itself")
        if other.ref in active_links(mine):
            raise UsageError(f"link: {mine.ref} is already linked to {other.ref}")

    def link_a(v: bundle.VerifiedBundle) -> bundle.BagPlan:
        return add_link(v, current_bundle(folder, b.ref, reviewer, profile, known=b), reviewer, profile, why, when=when)

    pa = publish(folder, a.ref, link_a, reviewer, profile, based_on=len(a.revisions))
    assert pa.verified is not None  # checked by publish
    a2 = pa.verified

    def link_b(v: bundle.VerifiedBundle) -> bundle.BagPlan:
        return add_link(
            v, current_bundle(folder, a.ref, reviewer, profile, known=a2), reviewer, profile, why, when=when
        )

    pb = publish(folder, b.ref, link_b, reviewer, profile, based_on=len(b.revisions))
    assert pb.verified is not None
    return Side(a2, pa), Side(pb.verified, pb)


def unlink_both(
    a: bundle.VerifiedBundle,
    b: bundle.VerifiedBundle,
    reviewer: Identity,
    profile: Profile,
    why: str,
    folder: Path,
    *,
    when: str | None = None,
) -> tuple[Side, Side]:
    """Withdraw a link: a signed ``unlink`` revision in each bundle that holds the link, published in ``folder``.

    Raises:
        UsageError: neither bundle holds a link to the other, or no reason.
        ShareError, BundleError: see :func:`publish`.
    """
    _reason(why, "unlink")
    holds = [other.ref in active_links(mine) for mine, other in ((a, b), (b, a))]
    if not any(holds):
        raise UsageError(f"unlink: {a.ref} and {b.ref} are not linked")
    out = []
    for (mine, other), held in zip(((a, b), (b, a)), holds, strict=True):
        if not held:
            out.append(Side(mine, None))
            continue

        def build(v: bundle.VerifiedBundle, other_ref: str = other.ref) -> bundle.BagPlan:
            return add_unlink(v, other_ref, reviewer, profile, why, when=when)

        published = publish(folder, mine.ref, build, reviewer, profile, based_on=len(mine.revisions))
        assert published.verified is not None
        out.append(Side(published.verified, published))
    return out[0], out[1]


# -- reading the records back ----------------------------------------------------------------------------------------


def _bad(where: str, problem: str) -> BundleError:
    return BundleError(f"consistency: {where}: {problem}", check="consistency", member=where)


def _exact(value: object, keys: tuple[str, ...], where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict) or tuple(sorted(value)) != tuple(sorted(keys)):
        raise _bad(where, f"must have exactly the keys {', '.join(keys)}")
    return value


def _str(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj[key]
    if not isinstance(value, str) or len(value) > MAX_RECORD_TEXT:
        raise _bad(where, f"{key} is not text")
    return value


def _int(obj: Mapping[str, Any], key: str, where: str) -> int:
    value = obj[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _bad(where, f"{key} is not a positive number")
    return value


def casework_records(verified: bundle.VerifiedBundle) -> list[CaseworkRecord]:
    """Every casework record, oldest first, each checked against the revision that added it.

    Raises:
        BundleError: check ``consistency`` naming the file: not valid JSON, a wrong key or type, or a record that
            does not belong to the revision that added it (another number or another signer).
    """
    out: list[CaseworkRecord] = []
    for rev in verified.revisions[1:]:
        for kind in ("identification", "link", "unlink"):
            where = record_name(rev.number, kind)
            if where not in rev.files:
                continue
            try:
                value = json.loads(verified.bag[where].decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError) as e:
                raise _bad(where, "not valid JSON") from e
            out.append(_parse_record(kind, value, where, rev))
    return out


def _parse_record(kind: str, value: object, where: str, rev: bundle.Revision) -> CaseworkRecord:
    extra = {"identification": ("decisions",), "link": ("other", "why"), "unlink": ("other_ref", "why")}[kind]
    fmt = {"identification": IDENTIFICATION_FORMAT, "link": LINK_FORMAT, "unlink": UNLINK_FORMAT}[kind]
    obj = _exact(value, ("by", "format", "revision", "time_utc", *extra), where)
    by = _exact(obj["by"], ("name", "principal"), where)
    signed = Signed(
        _int(obj, "revision", where),
        _str(obj, "time_utc", where),
        _str(by, "name", where),
        _str(by, "principal", where),
    )
    if obj["format"] != fmt or signed.revision != rev.number or signed.by_principal != rev.signer_principal:
        raise _bad(where, f"does not belong to revision {rev.number}")
    if kind == "identification":
        decisions = obj["decisions"]
        if not isinstance(decisions, list) or not decisions:
            raise _bad(where, "decisions is not a list of decisions")
        return IdentificationRecord(signed, tuple(Identification.parse(d, where) for d in decisions))
    if kind == "link":
        other = _exact(obj["other"], ("manifest_sha256", "ref", "revision"), where)
        pin = _str(other, "manifest_sha256", where)
        if len(pin) != 64 or any(c not in "0123456789abcdef" for c in pin):
            raise _bad(where, "other.manifest_sha256 is not a SHA-256")
        return LinkRecord(
            signed, _ref(other, "ref", where), _int(other, "revision", where), pin, _str(obj, "why", where)
        )
    return UnlinkRecord(signed, _ref(obj, "other_ref", where), _str(obj, "why", where))


def _ref(obj: Mapping[str, Any], key: str, where: str) -> str:
    try:
        return check_ref(_str(obj, key, where))
    except UsageError as e:
        raise _bad(where, f"{key} is not an incident reference") from e


def identifications(verified: bundle.VerifiedBundle) -> dict[str, Identification]:
    """Each decided proposal's latest decision, by key."""
    out: dict[str, Identification] = {}
    for record in casework_records(verified):
        if isinstance(record, IdentificationRecord):
            for d in record.decisions:
                out[d.key] = d
    return out


def confirmed(verified: bundle.VerifiedBundle) -> dict[str, Identification]:
    """The confirmed proposals, by key (a later rejection withdraws a confirmation)."""
    return {k: d for k, d in identifications(verified).items() if d.decision is Decision.CONFIRMED}


def link_history(verified: bundle.VerifiedBundle) -> list[LinkRecord | UnlinkRecord]:
    """Links and unlinks, oldest first."""
    return [r for r in casework_records(verified) if isinstance(r, LinkRecord | UnlinkRecord)]


def active_links(verified: bundle.VerifiedBundle) -> dict[str, LinkRecord]:
    """The incidents this one is linked to now, with the link record (an unlink withdraws the link before it)."""
    out: dict[str, LinkRecord] = {}
    for r in link_history(verified):
        if isinstance(r, LinkRecord):
            out[r.other_ref] = r
        else:
            out.pop(r.other_ref, None)
    return out


def unlinked(verified: bundle.VerifiedBundle) -> set[str]:
    """Incidents a reviewer unlinked from this one and did not link again (never linked again by a shared handle)."""
    out: set[str] = set()
    for r in link_history(verified):
        if isinstance(r, UnlinkRecord):
            out.add(r.other_ref)
        else:
            out.discard(r.other_ref)
    return out


# -- what is shared between incidents ---------------------------------------------------------------------------------


def shared_keys(verified: bundle.VerifiedBundle) -> set[str]:
    """What can link this incident to another: confirmed proposal keys, the confirmed people and the target.

    People and the target are compared as ``person:NAME`` and ``target:NAME`` in :func:`evidence.case.search.fold`
    form. The form's own handle is not linked on until a reviewer confirms it.
    """
    keys = set()
    for d in confirmed(verified).values():
        keys.add(d.key)
        if d.person:
            keys.add(f"person:{fold(d.person)}")
    target = verified.incident.details.target_name
    if target.strip():
        keys.add(f"target:{fold(target)}")
    return keys


def linked_refs(start: str, bundles: Mapping[str, bundle.VerifiedBundle]) -> list[str]:
    """Every incident reachable from ``start`` by links: signed links, or a shared confirmed handle, person or target.

    A signed link counts when either bundle holds it and neither has since unlinked the other; a shared key
    counts unless either bundle unlinked the other. Returns the references in the order found, ``start`` first.
    """
    keys = {ref: shared_keys(v) for ref, v in bundles.items()}
    links = {ref: set(active_links(v)) for ref, v in bundles.items()}
    cut = {ref: unlinked(v) for ref, v in bundles.items()}

    def joined(a: str, b: str) -> bool:
        if b in cut[a] or a in cut[b]:
            return False
        return b in links[a] or a in links[b] or bool(keys[a] & keys[b])

    order, todo = [start], [start]
    while todo:
        here = todo.pop(0)
        for ref in sorted(bundles):
            if ref not in order and joined(here, ref):
                order.append(ref)
                todo.append(ref)
    return order


# -- a folder of bundles ---------------------------------------------------------------------------------------------

MAX_FOLDER_BUNDLES = 10_000
"""Most bundle files one folder is opened with."""


@dataclass(frozen=True)
class OpenedBundle:
    """A verified bundle and the file it came from."""

    path: Path
    verified: bundle.VerifiedBundle


def bundle_files(folder: Path) -> list[share.RevisionFile]:
    """Each incident's current revision in ``folder``: its highest complete ``REF.rN.zip.age``
    (:func:`evidence.bundle.share.list_share`; regular files only), by reference.

    Older revisions are history, and a revision still without its signature (being written) is not current.

    Raises:
        UsageError: the folder cannot be listed, or holds more than :data:`MAX_FOLDER_BUNDLES` incidents.
    """
    try:
        if not folder.is_dir():
            raise UsageError(f"{folder}: cannot list the folder: not a folder")
    except OSError as e:
        raise UsageError(f"{folder}: cannot list the folder: {e.strerror or e}") from e
    listed = share.list_share(folder)
    if len(listed) > MAX_FOLDER_BUNDLES:
        raise UsageError(f"{folder}: more than {MAX_FOLDER_BUNDLES} bundles")
    out = []
    for ref in sorted(listed):
        current = next((f for f in listed[ref] if f.complete), None)
        if current is not None:
            out.append(current)
    return out


def open_bundles(
    folder: Path, identity: Identity, profile: Profile
) -> tuple[dict[str, OpenedBundle], list[tuple[Path, BundleError]]]:
    """Open and verify each incident's current revision in ``folder``, in memory (origin signature first).

    Returns:
        The bundles that passed, by reference (each incident's current revision, :func:`bundle_files`), and each
        file that failed with its error (it is left out: nothing of it is used, and no older revision stands in).
    """
    out: dict[str, OpenedBundle] = {}
    failed = []
    for current in bundle_files(folder):
        try:
            verified, _digest = share.check_revision(current.path, identity, profile)
            _check_name(current, verified)
        except BundleError as e:
            failed.append((current.path, e))
            continue
        out[verified.ref] = OpenedBundle(current.path, verified)
    return out, failed


# -- search ---------------------------------------------------------------------------------------------------------


def occurred_of(verified: bundle.VerifiedBundle) -> dt.datetime | None:
    """When the incident happened, as entered in the form (aware; a time without a zone is read as UTC), or None."""
    text = verified.incident.details.occurred.strip()
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def search_documents(verified: bundle.VerifiedBundle) -> list[SearchDocument]:
    """What is searchable in an incident: its own fields (handles, people), then each item with its text layer.

    Items share the incident's platform, categories and date; a handle or person matches an item only where its
    text layer shows it, so a hit on an item always points at words on its image.
    """
    d = verified.incident.details
    layers = text_layers(verified)
    confirmed_now = confirmed(verified)
    handles = [d.perpetrator_handle] if d.perpetrator_handle else []
    handles += [c.value for c in confirmed_now.values() if c.kind is Kind.HANDLE]
    people = {d.perpetrator_name, d.target_name, *(c.person for c in confirmed_now.values())} - {""}
    platform = d.platform or None
    categories = tuple(c.value for c in d.categories)
    occurred = occurred_of(verified)
    docs = [
        SearchDocument(
            verified.ref,
            None,
            None,
            platform=platform,
            categories=categories,
            handles=tuple(handles),
            people=tuple(sorted(people)),
            occurred=occurred,
        )
    ]
    for item in sorted(verified.items, key=lambda i: i.seq):
        docs.append(
            SearchDocument(
                verified.ref,
                item.seq,
                layers.get(item.seq),
                platform=platform,
                categories=categories,
                occurred=occurred,
            )
        )
    return docs


_FIELDS = ("handle", "phrase", "platform", "category", "person", "date", "since", "until")


def parse_query(term: str) -> Query:
    """The query a search term means: ``FIELD:VALUE`` for a field, else a handle (``@name``, a URL) or a phrase.

    Fields: ``handle:``, ``phrase:``, ``platform:``, ``category:`` (a category's value), ``person:``, ``date:DAY``
    (that UTC day), ``since:DAY`` and ``until:DAY`` (before that day).

    Raises:
        UsageError: empty, an unknown category, or a day that is not ``YYYY-MM-DD``.
    """
    head, sep, value = term.strip().partition(":")
    if not sep or head.lower() not in _FIELDS or "//" in value[:2]:
        return Query.from_term(term)
    field, value = head.lower(), value.strip()
    if not value:
        raise UsageError(f"search: {field}: say what to look for")
    if field == "category":
        if value not in {c.value for c in Category}:
            raise UsageError(f"search: category must be one of: {', '.join(c.value for c in Category)}")
        return Query(category=value)
    if field in ("date", "since", "until"):
        try:
            day = dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=dt.UTC)
        except ValueError as e:
            raise UsageError(f"search: {field}: {clean_line(value)!r} is not a day (YYYY-MM-DD)") from e
        if field == "date":
            return Query(since=day, until=day + dt.timedelta(days=1))
        return Query(since=day) if field == "since" else Query(until=day)
    if field == "handle":
        return Query(handle=value)
    if field == "phrase":
        return Query(phrase=value)
    return Query(platform=value) if field == "platform" else Query(person=value)


def ordered(refs: Iterable[str], bundles: Mapping[str, bundle.VerifiedBundle]) -> list[str]:
    """References in order of when the incidents happened (unknown last), then by reference."""
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(refs, key=lambda r: (occurred_of(bundles[r]) or far, r))
