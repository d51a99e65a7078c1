"""Issue 17: holds, releases, extensions and redactions as signed revisions, and the retention state they give."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from bundles import dsl, head, make_sealed, rezip, school_profile, staff
from PIL import Image

from evidence import bundle
from evidence.capture.redact import Box, BoxReason, RedactionError
from evidence.case.retention import RetentionError, ReviewStatus, RuleKey
from evidence.core.errors import BundleError, UsageError
from evidence.review import lifecycle
from evidence.review.actions import CaseStatus, ReviewAction, add_review, case_status, reviews

T0 = "2026-11-26T10:00:00.000Z"


def _verified(tmp_path: Path) -> bundle.VerifiedBundle:
    return bundle.verify_bag(make_sealed(tmp_path).zip_bytes, school_profile())


def _next(v: bundle.VerifiedBundle, bag: bundle.BagPlan) -> bundle.VerifiedBundle:
    return bundle.verify_bag(bundle.zip_bag(v.ref, bag), school_profile())


def test_review_date_follows_the_signed_rules_holds_and_extensions(tmp_path: Path) -> None:
    v = _verified(tmp_path)
    p = school_profile()
    facts = lifecycle.case_facts(v)
    assert facts.incident == dt.date(2026, 11, 24)  # the form's "occurred", not the sealing date
    state = lifecycle.retention_state(v, p, today=dt.date(2027, 1, 1))
    assert state.rule is RuleKey.CYBER_BULLYING
    assert state.due == dt.date(2026, 11, 24) + dt.timedelta(days=p.retention.rule(RuleKey.CYBER_BULLYING).days)  # type: ignore[union-attr,operator]
    assert state.status is ReviewStatus.NOT_DUE
    assert lifecycle.retention_state(v, p, today=state.due).status is ReviewStatus.DUE
    assert lifecycle.retention_state(v, p, today=state.due + dt.timedelta(days=31)).status is ReviewStatus.OVERDUE

    held = _next(v, lifecycle.add_hold(v, dsl(), p, "police investigation, reference 12/3456/26", when=T0))
    after = state.due + dt.timedelta(days=400)
    on_hold = lifecycle.retention_state(held, p, today=after)
    assert on_hold.status is ReviewStatus.ON_HOLD
    assert [h.event_id for h in on_hold.holds] == ["r2"]
    with pytest.raises(RetentionError) as e:
        lifecycle.check_may_dispose(held, p, today=after, early=True)
    assert e.value.check == "on hold"

    released = _next(held, lifecycle.add_release(held, head(), p, "police: no further action", when=T0))
    assert lifecycle.retention_state(released, p, today=after).status is ReviewStatus.OVERDUE
    lifecycle.check_may_dispose(released, p, today=after, early=False)

    longer = _next(released, lifecycle.add_extension(released, dsl(), p, 36_000, "civil claim expected", when=T0))
    extended = lifecycle.retention_state(longer, p, today=after)
    assert extended.due == dt.date(2026, 11, 26) + dt.timedelta(days=36_000)
    assert extended.extended_by == "r4"
    assert extended.status is ReviewStatus.NOT_DUE
    with pytest.raises(RetentionError) as e:
        lifecycle.check_may_dispose(longer, p, today=after, early=False)
    assert e.value.check == "not due"
    # the lifecycle actions leave the case status alone
    assert case_status(reviews(longer)) is CaseStatus.NEW


def test_release_and_hold_need_reasons_and_a_hold(tmp_path: Path) -> None:
    v = _verified(tmp_path)
    p = school_profile()
    with pytest.raises(UsageError):
        lifecycle.add_hold(v, dsl(), p, "  ")
    with pytest.raises(RetentionError) as e:
        lifecycle.add_release(v, dsl(), p, "nothing held")
    assert e.value.check == "not on hold"
    held = _next(v, lifecycle.add_hold(v, dsl(), p, "police", when=T0))
    twice = _next(held, lifecycle.add_hold(held, dsl(), p, "civil claim", when=T0))
    with pytest.raises(RetentionError) as e:
        lifecycle.add_release(twice, dsl(), p, "done")
    assert e.value.check == "which hold"
    with pytest.raises(RetentionError) as e:
        lifecycle.add_release(twice, dsl(), p, "done", lifts="r9")
    assert e.value.check == "release without hold"
    with pytest.raises(UsageError):
        lifecycle.add_hold(v, staff(), p, "not a reviewer")
    with pytest.raises(UsageError):
        add_review(v, dsl(), p, ReviewAction.NOTE, "x", extra_files={"data/reviews/r9-x.png": b"x"})


BOX = Box(4, 4, 20, 10, BoxReason.THIRD_PARTY_NAME, "sender")


def _pixels(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def test_a_redaction_is_a_signed_revision_and_the_original_is_untouched(tmp_path: Path) -> None:
    v = _verified(tmp_path)
    original = v.bag[v.item(1).file]
    made = lifecycle.add_redaction(v, dsl(), school_profile(), 1, [BOX], "subject access request", when=T0)
    assert made.png_name == "data/reviews/r2-redacted-001.png"
    r = _next(v, made.bag)
    assert r.bag[r.item(1).file] == original
    assert hashlib.sha256(r.bag[r.item(1).file]).hexdigest() == v.item(1).sha256
    assert [(c.parent_seq, c.revision) for c in r.redacted] == [(1, 2)]
    assert reviews(r)[0].action is ReviewAction.REDACTED
    img, orig = _pixels(r.bag[made.png_name]), _pixels(original)
    for y in range(img.height):
        for x in range(img.width):
            inside = BOX.x <= x < BOX.x + BOX.w and BOX.y <= y < BOX.y + BOX.h
            assert img.getpixel((x, y)) == ((0, 0, 0) if inside else orig.getpixel((x, y)))
    assert lifecycle.latest_redactions(r)[1].png_name == made.png_name
    with pytest.raises(RedactionError):
        lifecycle.add_redaction(v, dsl(), school_profile(), 1, [Box(60, 40, 20, 20, BoxReason.OTHER, "x")], "sar")
    with pytest.raises(UsageError):
        lifecycle.add_redaction(v, dsl(), school_profile(), 9, [BOX], "sar")


def test_a_doctored_redacted_copy_fails_verification(tmp_path: Path) -> None:
    """A copy signed by a reviewer but not the original with the boxes blacked out is refused (check redaction)."""
    v = _verified(tmp_path)
    made = lifecycle.add_redaction(v, dsl(), school_profile(), 1, [BOX], "sar", when=T0)
    r = _next(v, made.bag)
    # Re-sign a bag whose copy hides less than its record says: the verifier redoes the redaction.
    img = _pixels(r.bag[made.png_name])
    img.putpixel((BOX.x, BOX.y), (255, 255, 255))
    out = io.BytesIO()
    img.save(out, "PNG")
    forged = dict(r.bag)
    forged[made.png_name] = out.getvalue()
    with pytest.raises(BundleError) as e:
        bundle.verify_bag(rezip(r.zip_bytes, {made.png_name: out.getvalue()}), school_profile())
    assert e.value.check == "payload hash"  # tampering after signing is caught by the manifest first
    base = dict(v.bag)
    k_bag = add_review(
        v,
        dsl(),
        school_profile(),
        ReviewAction.REDACTED,
        "sar",
        {"item": "1", "file": made.png_name, "record": made.record_name},
        when=T0,
        extra_files={made.png_name: out.getvalue(), made.record_name: r.bag[made.record_name]},
    )
    assert base  # the original bag is unchanged
    with pytest.raises(BundleError) as e:
        bundle.verify_bag(bundle.zip_bag(v.ref, k_bag), school_profile())
    assert e.value.check == "redaction"


@pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("pngtopnm", "pnmcut", "pamsumm", "sha256sum")), reason="needs netpbm"
)
def test_redacted_pixels_hold_nothing_of_the_original_by_stock_tools(tmp_path: Path) -> None:
    v = _verified(tmp_path)
    made = lifecycle.add_redaction(v, dsl(), school_profile(), 2, [BOX], "sar", when=T0)
    r = _next(v, made.bag)
    (tmp_path / "r.png").write_bytes(r.bag[made.png_name])
    (tmp_path / "o.png").write_bytes(r.bag[r.item(2).file])
    cut = f"pnmcut -left {BOX.x} -top {BOX.y} -width {BOX.w} -height {BOX.h}"

    def sh(cmd: str) -> str:
        done = subprocess.run(["sh", "-c", cmd], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True)
        return done.stdout.strip()

    assert sh(f"pngtopnm r.png | {cut} | pamsumm -max -brief") == "0"
    assert sh(f"pngtopnm o.png | {cut} | pamsumm -max -brief") != "0"
    assert sh("sha256sum < o.png").split()[0] == v.item(2).sha256
    assert sh("pngtopnm r.png | sha256sum").split()[0] == r.redacted[0].record.pixels_sha256


def test_the_police_report_shows_which_exhibit_a_redacted_copy_is_of(tmp_path: Path) -> None:
    from evidence.police.report import build_report, report_text

    v = _verified(tmp_path)
    made = lifecycle.add_redaction(v, dsl(), school_profile(), 2, [BOX], "sar", when=T0)
    r = _next(v, made.bag)
    rep = build_report(r, exported_by="Dee", officer_reference="CR/1", exported_utc=T0)
    first, second = rep.exhibits
    assert first.redacted_copies == ""
    assert second.redacted_copies.startswith(f"{made.png_name} (revision 2, 1 area(s) blacked out")
    assert f"Redacted copies: {made.png_name}" in report_text(rep)


# -- issue 15 meets issue 17: every data-protection writer publishes a new revision file and survives a race ------


def _race_once(monkeypatch: pytest.MonkeyPatch, drop: Path, raced: list[str]) -> None:
    """Someone else publishes a note between our check of the latest revision and our publish (the first time)."""
    from evidence.bundle import share
    from evidence.review.actions import record_action

    real_stage = share.stage_bag

    def stage_then_race(folder: Path, name: str, ref: str, bag, p, signer):  # type: ignore[no-untyped-def]
        if not raced:
            raced.append(name)
            record_action(drop, ref, head(), school_profile(), ReviewAction.NOTE, "meanwhile")
        return real_stage(folder, name, ref, bag, p, signer)

    monkeypatch.setattr(share, "stage_bag", stage_then_race)


@pytest.mark.parametrize("choice", ["hold", "extend", "redact"])
def test_each_writer_publishes_its_own_revision_file_and_a_lost_race_applies_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, choice: str
) -> None:
    from evidence.bundle import derived, share

    sealed = make_sealed(tmp_path)
    drop, profile, ref = sealed.result.path.parent, school_profile(), sealed.ref
    first = sealed.result.path.read_bytes()
    raced: list[str] = []
    _race_once(monkeypatch, drop, raced)
    if choice == "hold":
        published = lifecycle.record_hold(drop, ref, dsl(), profile, "police investigation", based_on=1)
        action = ReviewAction.LEGAL_HOLD
    elif choice == "extend":
        published = lifecycle.record_extension(drop, ref, dsl(), profile, 90, "appeal pending", based_on=1)
        action = ReviewAction.RETENTION_EXTENDED
    else:
        box = Box(0, 0, 20, 10, BoxReason.THIRD_PARTY_NAME)
        published = lifecycle.record_redaction(drop, ref, dsl(), profile, 1, [box], "subject access", based_on=1)
        action = ReviewAction.REDACTED
    assert raced == [f"{ref}.r2.zip.age"]
    assert published.revision == 3
    assert published.attempts == 2
    assert published.path == drop / f"{ref}.r3.zip.age"
    assert [r.action for r in published.intervening] == ["note"]
    assert sealed.result.path.read_bytes() == first  # no revision file is ever replaced
    assert [f.number for f in share.revisions_of(drop, ref)] == [3, 2, 1]
    assert all(f.complete for f in share.revisions_of(drop, ref))
    assert not [p for p in drop.iterdir() if p.name.startswith(".")]
    v = published.verified
    assert v is not None
    assert [r.action for r in reviews(v)] == [ReviewAction.NOTE, action]
    if choice == "redact":  # made again on top: its names carry the revision it became
        (copy,) = v.redacted
        assert (copy.png_name, copy.record_name) == derived.copy_names(3, 1)
    if choice == "hold":
        assert lifecycle.retention_state(v, profile, today=dt.date(2026, 12, 1)).status is ReviewStatus.ON_HOLD


def test_a_release_is_judged_on_the_latest_revision_on_the_share(tmp_path: Path) -> None:
    """Two reviewers release the same hold from windows opened before either did: the second is refused, and
    nothing is published for it."""
    from evidence.bundle import share

    sealed = make_sealed(tmp_path)
    drop, profile, ref = sealed.result.path.parent, school_profile(), sealed.ref
    lifecycle.record_hold(drop, ref, dsl(), profile, "police investigation")
    lifecycle.record_release(drop, ref, dsl(), profile, "no further action", based_on=2)
    with pytest.raises(RetentionError) as e:
        lifecycle.record_release(drop, ref, head(), profile, "no further action", based_on=2)
    assert e.value.check == "not on hold"
    assert [f.number for f in share.revisions_of(drop, ref)] == [3, 2, 1]
    with pytest.raises(UsageError):
        lifecycle.record_hold(drop, ref, dsl(), profile, "  ")  # refused before the share is touched
    assert [f.number for f in share.revisions_of(drop, ref)] == [3, 2, 1]
