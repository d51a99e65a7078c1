"""Redacted copies inside a bundle: found by name, and checked against their originals by redoing them.

A reviewer's redaction revision adds ``data/reviews/rK-redacted-NNN.png`` (the copy, NNN the original item's
number) and ``data/reviews/rK-redacted-NNN.json`` (its :class:`~evidence.capture.redact.Redaction` record) beside
the review record. Both are signed by revision K like any review file, but a signature only says who added them,
not that the copy is what it claims to be. This module defends against a "redacted" copy that is not the original
with the boxes blacked out (a doctored picture passed off as a redaction), one whose record names an original the
bundle does not carry, and a half pair: :func:`check_redactions` redoes every redaction from the original and
compares pixels (:func:`evidence.capture.redact.check`), so the verifier refuses any that differ.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evidence.core.errors import BundleError

if TYPE_CHECKING:
    from evidence.capture.redact import Redaction

_NAME_RE = re.compile(r"^data/reviews/r([1-9][0-9]{0,5})-redacted-([0-9]{3,6})\.(png|json)$")
MAX_RECORD_BYTES = 1 << 20


@dataclass(frozen=True)
class RedactedCopy:
    """One redacted copy in a bundle.

    Attributes:
        revision: the revision that added it.
        parent_seq: the original item's number.
        png_name: ``data/reviews/rK-redacted-NNN.png``.
        record_name: ``data/reviews/rK-redacted-NNN.json``.
        record: its parsed record.
    """

    revision: int
    parent_seq: int
    png_name: str
    record_name: str
    record: Redaction


def copy_names(revision: int, parent_seq: int) -> tuple[str, str]:
    """The PNG and record names of a redacted copy of item ``parent_seq`` made by revision ``revision``."""
    stem = f"data/reviews/r{revision}-redacted-{parent_seq:03d}"
    return f"{stem}.png", f"{stem}.json"


def is_copy_name(name: str) -> bool:
    """True for a redacted copy's PNG or record name (not a review record)."""
    return _NAME_RE.match(name) is not None


def _fail(message: str, member: str) -> BundleError:
    return BundleError(f"redaction: {member}: {message}", check="redaction", member=member)


def check_redactions(
    bag: Mapping[str, bytes], originals: Mapping[int, tuple[str, str]], added: Sequence[tuple[int, Sequence[str]]]
) -> tuple[RedactedCopy, ...]:
    """Find and check every redacted copy; return them in revision order.

    Args:
        bag: the bundle's files (already hash-checked against the signed manifest).
        originals: item number → (file name, sha256 hex) of each carried item.
        added: (revision number, files it added), for every revision.

    Raises:
        BundleError: check ``redaction``: a half pair, a name for another revision, a malformed record, an original
            the bundle does not carry, or a copy that is not its original with the boxes blacked out.
    """
    names_all = [n for _, files in added for n in files if _NAME_RE.match(n)]
    if not names_all:
        return ()
    # Only now the image code (Pillow, mss): a bundle without redactions opens without loading it.
    from evidence.capture.redact import Redaction, RedactionError
    from evidence.capture.redact import check as check_redaction

    out = []
    for k, files in added:
        names = [n for n in files if _NAME_RE.match(n)]
        for name in names:
            m = _NAME_RE.match(name)
            assert m is not None
            if int(m.group(1)) != k:
                raise _fail(f"is named for revision {m.group(1)} but revision {k} added it", name)
            seq = int(m.group(2))
            png_name, record_name = copy_names(k, seq)
            if name != png_name and name != record_name:
                raise _fail("is not a redacted copy's name", name)
            if name == record_name:
                continue
            if record_name not in names:
                raise _fail("the redacted copy has no record", png_name)
            if seq not in originals:
                raise _fail(f"item {seq} is not carried by this bundle", png_name)
            try:
                if len(bag[record_name]) > MAX_RECORD_BYTES:
                    raise RedactionError("the record is too large", check="size cap")
                record = Redaction.parse(bag[record_name], source=record_name)
                original_name, original_sha = originals[seq]
                if record.parent_sha256 != original_sha:
                    raise RedactionError(f"the record's original is not item {seq}", check="parent")
                check_redaction(bag[original_name], bag[png_name], record)
            except RedactionError as e:
                raise BundleError(f"redaction: {png_name}: {e.check}: {e}", check="redaction", member=png_name) from e
            out.append(RedactedCopy(k, seq, png_name, record_name, record))
        for name in names:
            m = _NAME_RE.match(name)
            assert m is not None
            if name.endswith(".json") and copy_names(k, int(m.group(2)))[0] not in names:
                raise _fail("the record has no redacted copy", name)
    return tuple(out)
