"""What every item is, wherever it is read from: its kind, its context record, and the facts a view shows.

An item is *captured* (seen on our own screen), *received* (an image provided to staff, kept byte for byte) or
*derived* (a crop of a captured item). Each kind carries its own context record (:mod:`evidence.capture.context`),
and :func:`parse_context` picks the parser by kind, so a context is never read as the wrong kind of record.
:class:`ItemFacts` is what the item views need; the vault's rows and the bundle's items both provide it, so the
staff and reviewer windows show both without one being dressed up as the other.
"""

from __future__ import annotations

import enum
from typing import Protocol

from evidence.capture.context import CaptureContext, ContextError, DerivedContext, ReceivedContext

MEDIA_TYPES = ("image/png", "image/jpeg", "image/webp", "image/heic")
"""The media types an item may have: captures and crops are PNG; a received file keeps its own type."""


class ItemKind(enum.StrEnum):
    """How an item came to be. The values are the strings stored in the vault, the bag and the custody log.

    A ``StrEnum``, so ``kind == "derived"`` still holds for code that compares with the stored text.
    """

    CAPTURED = "captured"
    RECEIVED = "received"
    DERIVED = "derived"


ItemContext = CaptureContext | DerivedContext | ReceivedContext
"""The context record of an item of any kind."""

_CONTEXT_TYPES: dict[ItemKind, type[CaptureContext] | type[DerivedContext] | type[ReceivedContext]] = {
    ItemKind.CAPTURED: CaptureContext,
    ItemKind.DERIVED: DerivedContext,
    ItemKind.RECEIVED: ReceivedContext,
}


def context_type(kind: ItemKind) -> type[CaptureContext] | type[DerivedContext] | type[ReceivedContext]:
    """The context record type of ``kind``."""
    return _CONTEXT_TYPES[kind]


def parse_context(kind: ItemKind, value: object) -> ItemContext:
    """Parse an item's context JSON with the parser of its kind.

    Raises:
        ContextError: the JSON is not a context of that kind (naming the record and the field).
    """
    return _CONTEXT_TYPES[kind].parse(value)


def check_context(kind: ItemKind, context: object) -> None:
    """Refuse a context record that is not the one ``kind`` carries.

    Raises:
        ContextError: ``context`` is of another type.
    """
    expected = _CONTEXT_TYPES[kind]
    if not isinstance(context, expected):
        raise ContextError(
            f"a {kind.value} item carries a {expected.__name__}, not a {type(context).__name__}",
            field="context",
            record=f"{kind.value} item",
        )


class ItemFacts(Protocol):
    """The plain facts of an item that a view shows (no image, no context).

    Provided by :class:`evidence.vault.store.ItemRow` (an item in the local vault) and
    :class:`evidence.bundle.records.BundleItem` (an item of a verified bundle).
    """

    @property
    def ref(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> ItemKind: ...
    @property
    def created_utc(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def pixels_sha256(self) -> str | None: ...
    @property
    def width(self) -> int | None: ...
    @property
    def height(self) -> int | None: ...
    @property
    def size(self) -> int: ...
    @property
    def parent_seq(self) -> int | None: ...
    @property
    def excluded(self) -> bool: ...
    @property
    def shredded(self) -> bool: ...
    @property
    def item_id(self) -> str: ...
