"""The committed v1 golden files (tests/golden/v1, made by tests/golden/make_golden.py) still open, verify and
rebuild byte for byte.

Every future reader must accept them. A change to the format (a JSON key, a label, a file name, the zip layout)
fails here instead of passing silently; if a change is meant, it is a new format version with its own folder.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
from pathlib import Path

import pytest

from evidence import bundle
from evidence.bundle.seal import verify_file
from evidence.capture.items import ItemKind
from evidence.case.custody import parse_jsonl
from evidence.case.profile import Profile
from evidence.crypto.keys import Identity, PublicCard, Role, unlock_identity_file
from evidence.review import actions as review

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "v1"
EXPECTED = json.loads((GOLDEN / "expected.json").read_text(encoding="utf-8"))
REF = EXPECTED["ref"]


@functools.cache
def _unlock(name: str) -> Identity:
    """The golden identity ``name``, unlocked once per run (scrypt is slow on purpose)."""
    passphrase = (GOLDEN / f"{name}.passphrase").read_text(encoding="utf-8").strip()
    return unlock_identity_file(GOLDEN / f"{name}.identity.age", passphrase)


def test_golden_files_are_the_committed_ones() -> None:
    sums = {}
    for line in (GOLDEN / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    on_disk = {p.name for p in GOLDEN.iterdir()} - {"SHA256SUMS"}
    assert set(sums) == on_disk
    for name, digest in sums.items():
        assert hashlib.sha256((GOLDEN / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize(("name", "role"), [("staff", Role.STAFF), ("reviewer", Role.REVIEWER)])
def test_golden_identity_unlocks_and_matches_its_card(name: str, role: Role) -> None:
    identity = _unlock(name)
    card = PublicCard.load(GOLDEN / f"{name}.card")
    assert identity.card == card
    assert card.role is role
    assert card.fingerprint == EXPECTED[f"{name}_fingerprint"]
    assert card.to_text() == (GOLDEN / f"{name}.card").read_text(encoding="utf-8")


def test_golden_profile_loads_and_writes_back_identically() -> None:
    profile = Profile.load(GOLDEN / "profile.toml")
    assert profile.school == EXPECTED["school"]
    assert [r.fingerprint for r in profile.reviewers] == [EXPECTED["reviewer_fingerprint"]]
    assert profile.is_reviewer(PublicCard.load(GOLDEN / "reviewer.card"))
    assert [s.principal for s in profile.staff] == [PublicCard.load(GOLDEN / "staff.card").principal]
    assert profile.to_toml() == (GOLDEN / "profile.toml").read_text(encoding="utf-8")


def _open() -> bundle.VerifiedBundle:
    profile = Profile.load(GOLDEN / "profile.toml")
    return verify_file(GOLDEN / f"{REF}{bundle.BUNDLE_SUFFIX}", _unlock("reviewer"), profile)


def test_golden_bundle_verifies_with_both_revisions() -> None:
    verified = _open()
    assert verified.ref == REF
    assert hashlib.sha256(verified.zip_bytes).hexdigest() == EXPECTED["zip_sha256"]
    assert hashlib.sha256(verified.bag[bundle.MANIFEST]).hexdigest() == EXPECTED["manifest_sha256"]
    assert [r.number for r in verified.revisions] == [1, 2]
    assert [r.action for r in verified.revisions] == ["sealed", "meeting-held"]
    assert verified.sealer.signer_fingerprint == EXPECTED["staff_fingerprint"]
    assert verified.revisions[1].signer_fingerprint == EXPECTED["reviewer_fingerprint"]
    assert [r.action for r in review.reviews(verified)] == [review.ReviewAction.MEETING_HELD]
    assert review.case_status(review.reviews(verified)) is review.CaseStatus.ACTION_TAKEN


def test_golden_bundle_opens_not_anchored_to_a_school_root() -> None:
    """Issue 10: sealed before school roots, it still verifies, and the verdict says its signers are not anchored."""
    verified = _open()
    assert not verified.trust.anchored
    assert verified.trust.root_fingerprint is None
    assert verified.trust.line().startswith("Signers NOT anchored to a school root: sealed before school trust roots")
    assert not any(name.startswith("seal/trust/") for name in verified.bag)
    assert all(r.record.trust is None for r in verified.revisions)


def test_golden_bundle_is_rebuilt_byte_for_byte(monkeypatch: pytest.MonkeyPatch) -> None:
    """Today's writer, given the golden bundle's own inputs parsed into today's typed records (incident details,
    items, the capture, crop and received contexts, revision and review records), writes exactly the golden bag."""
    verified = _open()
    software = verified.revisions[0].record.software
    version = software.removeprefix("Evidence Capture ")
    for module in ("evidence.bundle.build", "evidence.bundle.revise"):  # the version is written into each record
        monkeypatch.setattr(importlib.import_module(module), "__version__", version)
    staff, reviewer = _unlock("staff"), _unlock("reviewer")
    profile = Profile.load(GOLDEN / "profile.toml")
    incident = verified.incident
    items = [
        bundle.SealItem(
            seq=item.seq,
            kind=item.kind,
            media_type=item.media_type,
            content=verified.item_content(item),
            context=verified.item_context(item),
            sha256=item.sha256,
            pixels_sha256=item.pixels_sha256,
            width=item.width,
            height=item.height,
            size=item.size,
            created_utc=item.created_utc,
            parent_seq=item.parent_seq,
            caption=item.caption,
        )
        for item in incident.items
    ]
    items += [
        bundle.SealItem(
            seq=x.seq,
            kind=ItemKind.CAPTURED,
            media_type="image/png",
            content=b"",
            context=None,
            sha256=x.sha256,
            pixels_sha256=x.pixels_sha256,
            width=x.width,
            height=x.height,
            size=x.size,
            created_utc=x.created_utc,
            parent_seq=x.parent_seq,
            caption=x.caption,
            excluded_reason=x.reason,
        )
        for x in incident.excluded
    ]
    snapshot = bundle.IncidentSnapshot(
        ref=REF,
        school=incident.school,
        created_utc=incident.created_utc,
        details=incident.details,
        items=items,
        custody=parse_jsonl(verified.bag[bundle.CUSTODY_JSONL]),
    )
    first = bundle.build_bag(snapshot, staff, verified.sealer.time_utc)
    reopened = bundle.verify_bag(bundle.zip_bag(REF, first), profile)
    meeting = review.reviews(verified)[0]
    second = review.add_review(
        reopened,
        reviewer,
        profile,
        meeting.action,
        meeting.why,
        dict(meeting.fields),
        when=meeting.time_utc,
    )
    assert bundle.zip_bag(REF, second) == verified.zip_bytes


def test_golden_bundle_has_workstation_clock_only() -> None:
    """Issue 12: sealed before trusted time, it carries no token; each item says so, and so does each revision."""
    verified = _open()
    assert verified.times == ()
    assert {verified.item_time_label(i.seq) for i in verified.items} == {"Workstation clock only"}
    assert {verified.revision_time_label(r.number) for r in verified.revisions} == {"no trusted time"}
