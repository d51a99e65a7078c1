"""Canonical JSON: one byte form per value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence.core import canonical
from evidence.core.errors import EvidenceError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(json_values)
def test_round_trip(value: object) -> None:
    data = canonical.dumps(value)
    assert canonical.loads_canonical(data) == value


def test_sorted_compact_utf8() -> None:
    assert canonical.dumps({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()


@pytest.mark.parametrize("text", [b'{"b":1,"a":2}', b'{"a": 1}', b'{"a":1.0}', b'{"a":NaN}', b"\xff"])
def test_non_canonical_is_refused(text: bytes) -> None:
    with pytest.raises(EvidenceError):
        canonical.loads_canonical(text)
