"""The custody log: an append-only, hash-chained record of everything done to an incident's evidence.

Each entry holds seq, UTC time, actor, action, subject, details and the previous entry's hash; its own ``hash``
is SHA-256 over the canonical JSON of all the other fields. Changing, dropping, inserting or reordering any entry
breaks the chain at that point, and :func:`verify_chain` names the first broken link.

The clock is not trusted to be monotonic: an entry whose time is earlier than its predecessor's is still
appended, and carries a ``clock_anomaly`` detail so that the anomaly is visible rather than hidden.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from evidence.core import canonical
from evidence.core.errors import CustodyError, EvidenceError
from evidence.core.timefmt import parse_utc, utc_now

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first entry of every chain."""

REMOVED_FOR_SAFEGUARDING = "removed for safeguarding"
"""The reason recorded when an item is removed because its incident concerns a nude or semi-nude image of a child:
the ``disposed`` entry's ``details.reason`` and the item's ``excluded`` reason in a sealed bundle."""


class Action(enum.Enum):
    """What happened. The values are the strings stored in the log."""

    CREATED = "created"
    CAPTURED = "captured"
    RECEIVED = "received"
    DERIVED = "derived"
    TIMESTAMPED = "timestamped"
    ANNOTATED = "annotated"
    EXCLUDED = "excluded"
    SAFEGUARDING_BLOCK = "safeguarding-block"
    SEALED = "sealed"
    OPENED = "opened"
    VERIFIED = "verified"
    REVIEWED = "reviewed"
    EXPORTED = "exported"
    HANDED_OVER = "handed-over"
    DISPOSED = "disposed"
    TEXT_READ = "text-read"
    IDENTIFIED = "identified"
    LINKED = "linked"
    UNLINKED = "unlinked"


@dataclass(frozen=True)
class CustodyEntry:
    """One link of the chain.

    Attributes:
        seq: 1-based position in the chain.
        time_utc: when, as written by :func:`evidence.core.timefmt.format_utc`.
        actor: who (a principal such as ``j.smith@school.example``).
        action: what (an :class:`Action` value).
        subject: what it was done to (an incident reference, ``REF/3`` for an item, a bundle name).
        details: non-secret facts (digests, counts, reasons).
        prev_hash: the previous entry's hash, or :data:`GENESIS_HASH`.
        hash: SHA-256 (hex) of the canonical JSON of every other field.
    """

    seq: int
    time_utc: str
    actor: str
    action: str
    subject: str
    details: Mapping[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS_HASH
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """The fields covered by the hash."""
        return {
            "seq": self.seq,
            "time_utc": self.time_utc,
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "details": dict(self.details),
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of :meth:`body`."""
        return hashlib.sha256(canonical.dumps(self.body())).hexdigest()

    def to_json_dict(self) -> dict[str, Any]:
        """The entry as stored: the body plus its hash."""
        return {**self.body(), "hash": self.hash}

    def to_bytes(self) -> bytes:
        """Canonical JSON of :meth:`to_json_dict`."""
        return canonical.dumps(self.to_json_dict())

    @classmethod
    def parse(cls, value: Any) -> CustodyEntry:
        """Build an entry from its JSON object, checking every field's type.

        Raises:
            CustodyError: a field is missing or of the wrong type.
        """
        if not isinstance(value, dict):
            raise CustodyError("custody entry is not a JSON object")
        expected = {"seq", "time_utc", "actor", "action", "subject", "details", "prev_hash", "hash"}
        if set(value) != expected:
            raise CustodyError(f"custody entry has fields {sorted(value)}, expected {sorted(expected)}")
        seq, details = value["seq"], value["details"]
        if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(details, dict):
            raise CustodyError("custody entry has a bad seq or details")
        strs = ("time_utc", "actor", "action", "subject", "prev_hash", "hash")
        if not all(isinstance(value[k], str) for k in strs):
            raise CustodyError(f"custody entry {seq} has a non-text field")
        return cls(
            seq=seq,
            time_utc=value["time_utc"],
            actor=value["actor"],
            action=value["action"],
            subject=value["subject"],
            details=details,
            prev_hash=value["prev_hash"],
            hash=value["hash"],
        )


class ChainTip(Protocol):
    """What appending needs of the previous entry: its position, hash and time."""

    @property
    def seq(self) -> int: ...
    @property
    def hash(self) -> str: ...
    @property
    def time_utc(self) -> str: ...


def make_entry(
    prev: ChainTip | None,
    *,
    actor: str,
    action: Action,
    subject: str,
    details: Mapping[str, Any] | None = None,
    time_utc: str | None = None,
) -> CustodyEntry:
    """Return the entry that follows ``prev`` (or starts a chain), with its hash computed."""
    when = time_utc or utc_now()
    info = dict(details or {})
    if prev is not None and parse_utc(when) < parse_utc(prev.time_utc):
        info["clock_anomaly"] = f"clock is earlier than entry {prev.seq} ({prev.time_utc})"
    entry = CustodyEntry(
        seq=1 if prev is None else prev.seq + 1,
        time_utc=when,
        actor=actor,
        action=action.value,
        subject=subject,
        details=info,
        prev_hash=GENESIS_HASH if prev is None else prev.hash,
    )
    canonical.dumps(entry.body())  # refuse floats and other non-canonical values early
    return CustodyEntry(**{**entry.body(), "hash": entry.compute_hash()})


def verify_chain(entries: Sequence[CustodyEntry]) -> None:
    """Check every link; raise :class:`CustodyError` naming the first broken one.

    Raises:
        CustodyError: the chain is empty, out of sequence, an entry's hash is wrong, or a link does not point at
            the previous entry's hash.
    """
    if not entries:
        raise CustodyError("custody log is empty")
    prev_hash = GENESIS_HASH
    for index, entry in enumerate(entries, start=1):
        if entry.seq != index:
            raise CustodyError(f"custody entry {index} has seq {entry.seq}: an entry is missing or reordered")
        if entry.prev_hash != prev_hash:
            raise CustodyError(f"custody entry {entry.seq} does not link to entry {entry.seq - 1}")
        if entry.compute_hash() != entry.hash:
            raise CustodyError(f"custody entry {entry.seq} was altered (its hash does not match)")
        try:
            parse_utc(entry.time_utc)
            Action(entry.action)
        except (EvidenceError, ValueError) as e:
            raise CustodyError(f"custody entry {entry.seq}: {e}") from e
        prev_hash = entry.hash


def to_jsonl(entries: Iterable[CustodyEntry]) -> bytes:
    """The log as JSON Lines: one canonical JSON object per line, each ending in a newline."""
    return b"".join(e.to_bytes() + b"\n" for e in entries)


def parse_jsonl(data: bytes) -> list[CustodyEntry]:
    """Parse :func:`to_jsonl` output strictly (canonical lines only)."""
    if data and not data.endswith(b"\n"):
        raise CustodyError("custody log does not end with a newline")
    entries = []
    for number, line in enumerate(data.split(b"\n")[:-1], start=1):
        try:
            value = canonical.loads_canonical(line, what=f"custody log line {number}")
        except CustodyError:
            raise
        except EvidenceError as e:
            raise CustodyError(str(e)) from e
        entries.append(CustodyEntry.parse(value))
    return entries
