"""Adding a revision to a verified bundle: new review files, custody entries and a newly signed manifest.

A bundle with a trust path gets its new revision under the reviewer's signed school profile, which must have the
bundle's root and a version no lower than the latest revision's (profile versions never decrease). A bundle sealed
before school roots stays without one, so that every revision of a bag is checked the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Generator, Mapping, Sequence

from evidence import __version__
from evidence.bundle import safezip, timestamps
from evidence.bundle import trust as trustpath
from evidence.bundle.build import BagPlan, StreamedFile, derive_tags
from evidence.bundle.layout import (
    pretty_json,
    revision_manifest_path,
    revision_signature_path,
    sha256_hex,
    text_layer_of,
)
from evidence.bundle.records import PreviousRevision, RevisionRecord, Signer, TrustRef
from evidence.bundle.timestamps import Stamper
from evidence.bundle.verify import BagContents, VerifiedBundle
from evidence.case.custody import CustodyEntry, to_jsonl, verify_chain
from evidence.case.profile import Profile
from evidence.core.errors import (
    UsageError,
)
from evidence.crypto.keys import Identity


def revise(
    verified: VerifiedBundle,
    reviewer: Identity,
    profile: Profile,
    *,
    action: str,
    new_files: Mapping[str, bytes],
    custody_entries: Sequence[CustodyEntry],
    when: str,
    school: str | None = None,
    stamp: Stamper | None = None,
) -> dict[str, bytes]:
    """Add a revision (:func:`revise_plan`) and return the whole new bag in memory."""
    return revise_plan(
        verified,
        reviewer,
        profile,
        action=action,
        new_files=new_files,
        custody_entries=custody_entries,
        when=when,
        school=school,
        stamp=stamp,
    ).materialize()


def revise_plan(
    verified: VerifiedBundle,
    reviewer: Identity,
    profile: Profile,
    *,
    action: str,
    new_files: Mapping[str, bytes],
    custody_entries: Sequence[CustodyEntry],
    when: str,
    school: str | None = None,
    stamp: Stamper | None = None,
) -> BagPlan:
    """Add a revision: new payload files, the new custody entries, and a new signed manifest.

    ``new_files`` are bag-relative names under ``data/reviews/``, or this revision's text layers
    (``data/derived/NNN.text-rK.json``, K this revision's number); nothing existing may be replaced. ``stamp`` asks
    for RFC 3161 tokens over the new manifest (:func:`evidence.bundle.timestamps.revision_stamper`), and first
    over the manifest of each earlier revision that has none (a seal made offline gets its token late); both need
    only manifests, so they are in the plan before a byte of an image is read. The plan holds the bag's records
    and tag files; its images are fetched from the verified bundle in ONE pass as a writer reaches them, in name
    order (so a plan is written once), each checked against the digest verified before.

    Raises:
        UsageError: the reviewer is not one, a file is not new, or the profile cannot extend the bundle's trust
            path (unsigned, another root, or older than the version of the bundle's latest revision).
    """
    if not profile.is_reviewer(reviewer.card):
        raise UsageError(f"{reviewer.card.principal} is not a reviewer in the school profile")
    trust_ref, trust_files = _trust_for(verified, profile)
    k = len(verified.revisions) + 1
    bag = verified.bag
    names = [n for n in bag if n.startswith("data/")]
    payload = {n: bag[n] for n in names if not isinstance(bag, BagContents) or bag.is_held(n)}
    streamed = _streamed(verified, [n for n in names if n not in payload])
    for name in new_files:
        layer = text_layer_of(name)
        own_layer = layer is not None and layer[1] == k
        if not (name.startswith("data/reviews/") or own_layer) or name in payload:
            raise UsageError(f"{name}: a revision may only add new files under data/reviews/, and its own text layers")
        safezip.check_member_name(name)
    if not custody_entries:
        raise UsageError("a revision must log at least one custody entry")
    chain = [*verified.custody, *custody_entries]
    verify_chain(chain)
    added = dict(new_files)
    added[f"data/custody-r{k}.jsonl"] = to_jsonl(custody_entries)
    prev_manifest = verified.bag[revision_manifest_path(k - 1)]
    prev_sig = verified.bag[revision_signature_path(k - 1)]
    record = RevisionRecord(
        revision=k,
        action=action,
        software=f"Evidence Capture {__version__}",
        signer=Signer.from_card(reviewer.card),
        time_utc=when,
        previous=PreviousRevision(sha256_hex(prev_manifest), sha256_hex(prev_sig)),
        custody_head=custody_entries[-1].hash,
        files=tuple(sorted([*added, f"data/revisions/{k}.json"])),
        trust=trust_ref,
    )
    added[f"data/revisions/{k}.json"] = pretty_json(record.to_json_dict())
    payload.update(added)
    earlier = {n: verified.bag[n] for n in verified.bag if n.startswith("seal/revisions/")}  # held: no image
    if stamp is not None:
        earlier.update(_late_revision_tokens(verified.bag, k - 1, stamp))
    earlier.update(trust_files)
    revisions = [r.record for r in verified.revisions] + [record]
    school_name = school or verified.incident.school
    digests = {n: sha256_hex(d) for n, d in payload.items()} | {n: f.sha256_hex for n, f in streamed.items()}
    sizes = [len(d) for d in payload.values()] + [f.size for f in streamed.values()]
    tags = derive_tags(
        verified.ref,
        school_name,
        digests,
        sizes,
        earlier,
        revisions,
        reviewer,
        when,
        stamp=stamp,
        held_payload=payload,
    )
    return BagPlan(verified.ref, {**payload, **tags}, streamed)


def _late_revision_tokens(bag: Mapping[str, bytes], count: int, stamp: Stamper) -> dict[str, bytes]:
    """Tokens for earlier revisions that have none ("no trusted time" when they were made), oldest first.

    A token over an earlier revision's manifest proves only that it existed by now, which is still worth having;
    the first revision for which no TSA answers ends the attempt, so an offline review waits once, not per revision.
    """
    out: dict[str, bytes] = {}
    for j in range(1, count + 1):
        if any(timestamps.is_revision_token_file(n) and n.startswith(f"seal/revisions/{j}/") for n in bag):
            continue
        tokens = stamp(bag[revision_manifest_path(j)])
        if not tokens:
            break
        out.update(timestamps.revision_files(j, tokens))
    return out


def _streamed(verified: VerifiedBundle, names: list[str]) -> dict[str, StreamedFile]:
    """The bag's images as files a writer fetches in name order, all from one pass over the bundle."""
    bag = verified.bag
    if not names:
        return {}
    assert isinstance(bag, BagContents)
    order = sorted(names)
    passes: list[Generator[tuple[str, bytes], None, None]] = []

    def fetch(name: str) -> bytes:
        if not passes:
            passes.append(bag.files(order))
        got, data = next(passes[0])
        if got != name:
            raise UsageError(f"{name}: a revision's images are written once, in name order")
        if name == order[-1]:
            passes[0].close()  # the last one: stop the pass (its decrypting thread) now, not when the plan is dropped
        return data

    return {
        n: StreamedFile(
            bag.size(n),
            bag.sha256_hex(n),
            functools.partial(fetch, n),
            f"{verified.ref}/{n}",
            peek=functools.partial(bag.__getitem__, n),  # fetched from the file on its own, checked
        )
        for n in order
    }


def _trust_for(verified: VerifiedBundle, profile: Profile) -> tuple[TrustRef | None, dict[str, bytes]]:
    """The new revision's ``trust`` object and the bag's ``seal/trust/`` files after it (none for an old bag)."""
    latest = verified.revisions[-1].record.trust
    if latest is None:
        return None, {}
    if profile.signature is None or profile.root is None:
        raise UsageError(
            "this bundle carries its school's trust path; install the school's signed profile "
            "(profile install) before adding a revision"
        )
    if profile.root.fingerprint != latest.root_fingerprint:
        raise UsageError(
            f"this bundle was sealed under the school root {latest.root_fingerprint}, not this workstation's "
            f"{profile.root.fingerprint}"
        )
    if profile.version < latest.profile_version:
        raise UsageError(
            f"this bundle's latest revision was made under school profile version {latest.profile_version}; this "
            f"workstation has version {profile.version}: install the newer profile first"
        )
    return trustpath.trust_ref(profile), trustpath.merge_trust_files(verified.bag, profile)
