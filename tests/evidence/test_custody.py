"""The custody chain: appending, verifying, and naming the first broken link."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from evidence.case.custody import (
    GENESIS_HASH,
    Action,
    CustodyEntry,
    make_entry,
    parse_jsonl,
    to_jsonl,
    verify_chain,
)
from evidence.core import canonical
from evidence.core.errors import CustodyError, EvidenceError


def chain(n: int) -> list[CustodyEntry]:
    entries: list[CustodyEntry] = []
    for i in range(n):
        prev = entries[-1] if entries else None
        entries.append(
            make_entry(
                prev,
                actor="j.smith@school.example",
                action=Action.CAPTURED if i else Action.CREATED,
                subject=f"EC-20261125-ABCDEF/{i}",
                details={"item": i},
                time_utc=f"2026-11-25T10:{i:02d}:00.000Z",
            )
        )
    return entries


def test_chain_links_and_verifies() -> None:
    entries = chain(5)
    assert entries[0].prev_hash == GENESIS_HASH
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    for a, b in itertools.pairwise(entries):
        assert b.prev_hash == a.hash
    verify_chain(entries)


def test_jsonl_round_trip_is_canonical() -> None:
    entries = chain(3)
    data = to_jsonl(entries)
    assert parse_jsonl(data) == entries
    for line in data.splitlines():
        assert canonical.dumps(canonical.loads_canonical(line)) == line


@pytest.mark.parametrize("field", ["actor", "subject", "time_utc", "action"])
def test_altered_entry_is_named(field: str) -> None:
    entries = chain(4)
    value = {"time_utc": "2026-11-25T11:00:00.000Z", "action": "excluded"}.get(field, "mallory@example")
    entries[2] = dataclasses.replace(entries[2], **{field: value})
    with pytest.raises(CustodyError, match="entry 3 was altered"):
        verify_chain(entries)


def test_dropped_entry_is_named() -> None:
    entries = chain(4)
    del entries[1]
    with pytest.raises(CustodyError, match="entry 2 has seq 3"):
        verify_chain(entries)


def test_rehashed_entry_breaks_the_next_link() -> None:
    entries = chain(4)
    forged = dataclasses.replace(entries[1], actor="mallory@example")
    entries[1] = dataclasses.replace(forged, hash=forged.compute_hash())
    with pytest.raises(CustodyError, match="entry 3 does not link to entry 2"):
        verify_chain(entries)


def test_empty_chain_is_refused() -> None:
    with pytest.raises(CustodyError, match="empty"):
        verify_chain([])


def test_clock_going_backwards_is_recorded_not_hidden() -> None:
    first = make_entry(None, actor="a@b", action=Action.CREATED, subject="x", time_utc="2026-11-25T10:00:00.000Z")
    second = make_entry(first, actor="a@b", action=Action.CAPTURED, subject="x", time_utc="2026-11-25T09:00:00.000Z")
    assert "clock_anomaly" in second.details
    verify_chain([first, second])


def test_floats_are_refused() -> None:
    with pytest.raises(EvidenceError, match="no floats"):
        make_entry(None, actor="a@b", action=Action.CREATED, subject="x", details={"x": 1.5})


def test_non_canonical_line_is_refused() -> None:
    data = to_jsonl(chain(1)).replace(b'{"action"', b'{ "action"')
    with pytest.raises(CustodyError, match="canonical"):
        parse_jsonl(data)
