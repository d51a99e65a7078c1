"""Canonical JSON: the one byte form that we hash and sign.

UTF-8, object keys sorted by code point, no insignificant whitespace, no floats (a float has no single decimal
form), no NaN. ``json.dumps`` with these settings gives exactly that form; :func:`loads_canonical` refuses input
that is not already in it, so a hash over the text is a hash over the value.
"""

from __future__ import annotations

import json
from typing import Any

from evidence.core.errors import EvidenceError

JsonValue = Any


def _check(value: JsonValue, where: str = "$") -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        raise EvidenceError(f"canonical JSON has no floats (at {where})")
    if isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _check(v, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise EvidenceError(f"canonical JSON keys are strings (at {where})")
            _check(v, f"{where}.{k}")
        return
    raise EvidenceError(f"cannot put {type(value).__name__} in canonical JSON (at {where})")


def dumps(value: JsonValue) -> bytes:
    """Return the canonical UTF-8 bytes of ``value``."""
    _check(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def loads_canonical(data: bytes, *, what: str = "JSON") -> JsonValue:
    """Parse ``data`` and insist that it is already canonical.

    Raises:
        EvidenceError: the bytes are not UTF-8 JSON, or not in canonical form.
    """
    try:
        value = json.loads(data.decode("utf-8"), parse_float=_no_float, parse_constant=_no_float)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise EvidenceError(f"{what} is not valid JSON: {e}") from e
    if dumps(value) != data:
        raise EvidenceError(f"{what} is not in canonical form")
    return value


def _no_float(text: str) -> Any:
    raise ValueError(f"number {text!r} is not an integer")
