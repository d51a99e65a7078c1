"""Trusted time (issue 12) on the case's timeline and in the course-of-conduct pack, against a real TSA on loopback.

An item whose RFC 3161 token the verifier checked is placed on the timeline at the TSA's genTime, labelled trusted
time with the TSA's name; an item without one keeps its workstation time, labelled so. A casework revision (a
link) gets its own revision token like a review action does.
"""

from __future__ import annotations

from pathlib import Path

from bundles import dsl, make_sealed, school_profile
from tsa_server import TsaServer

from evidence import bundle
from evidence.police import conduct
from evidence.review import casework, timeline


def test_the_timeline_and_the_pack_use_the_trusted_time_of_each_item(tmp_path: Path, tsa: TsaServer) -> None:
    profile = school_profile(tsas=[tsa.config()])
    timed = bundle.verify_bag(make_sealed(tmp_path / "a", items=2, profile=profile).zip_bytes, profile)
    tsa.go_offline()
    untimed = bundle.verify_bag(make_sealed(tmp_path / "b", items=1, profile=profile).zip_bytes, profile)
    assert untimed.item_times(1) == ()

    o = timeline.occasion(timed)
    for m in o.items:
        [token] = timed.item_times(m.seq)
        assert m.source is timeline.TimeSource.TRUSTED
        assert m.when == token.gen_time
        assert m.tsa == "Evidence Test TSA"
    [plain] = timeline.occasion(untimed).items
    assert plain.source is timeline.TimeSource.WORKSTATION
    assert plain.tsa == ""
    assert plain.when == timeline.item_time(untimed, 1)[0]
    lines = timeline.timeline_lines(timeline.Timeline(timed.ref, (o,)))
    items = [line for line in lines if line.lstrip().startswith("item ")]
    assert len(items) == 2
    assert all("[trusted time, TSA Evidence Test TSA]" in line for line in items)

    # a given trusted time still takes precedence (the timeline's own map)
    given = timeline.occasion(timed, trusted={(timed.ref, 1): plain.when})
    assert {m.seq: (m.when, m.source) for m in given.items}[1] == (plain.when, timeline.TimeSource.TRUSTED)

    pack = conduct.plan(
        [timed, untimed],
        exported_by="D S L",
        officer_reference="PC 1",
        exported_utc="2026-11-30T12:00:00Z",
        exporter="x",
    )
    rows = {(e.incident, e.ref): e for e in pack.exhibits}
    for e in rows.values():
        if e.incident == timed.ref:
            seq = next(x.seq for r in pack.reports if r.ref == timed.ref for x in r.exhibits if x.ref == e.ref)
            [token] = timed.item_times(seq)
            assert e.time_source == "trusted time, TSA Evidence Test TSA"
            assert e.captured_utc == token.gen_time.strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            assert e.time_source == "workstation clock"
    text = conduct.timeline_text(pack)
    assert text.count("(trusted time, TSA Evidence Test TSA)") == 2
    assert text.count("(workstation clock)") == 1


def test_a_link_revision_gets_its_own_token(tmp_path: Path, tsa: TsaServer) -> None:
    profile = school_profile(tsas=[tsa.config()])
    a = bundle.verify_bag(make_sealed(tmp_path / "a", items=1, profile=profile).zip_bytes, profile)
    b = bundle.verify_bag(make_sealed(tmp_path / "b", items=1, profile=profile).zip_bytes, profile)
    linked = bundle.verify_bag(bundle.zip_bag(a.ref, casework.add_link(a, b, dsl(), profile, "Same sender")), profile)
    k = len(linked.revisions)
    assert linked.revisions[-1].action == "linked"
    assert f"seal/revisions/{k}/tsa-1.tsr" in linked.bag
    assert linked.revision_time_label(k).startswith("Time confirmed by TSA Evidence Test TSA: ")
