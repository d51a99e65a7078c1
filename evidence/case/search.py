"""Search across unlocked incidents, in memory only: by handle, phrase, platform, category, person and date.

What it defends against is a plaintext index at rest. The index lives in this process's memory while the
reviewer's bundles are unlocked and is dropped with :meth:`SearchIndex.clear` (on lock) or with the object. It
writes nothing, caches nothing and cannot be pickled, so it cannot be saved by accident; an index that must
outlive a session is a different thing, to be encrypted like the vault.

Phrases are matched over the text layers' words, case-insensitively (Unicode case folding after NFKC, with curly
quotes read as straight ones) and with all whitespace read as one space, so a query matches across the line
breaks of a wrapped message but never across paragraphs (two chat bubbles). A phrase matches whole words at its
ends (``likes you`` does not match inside ``dislikes you``). Handles are matched by the platform-agnostic key of
``evidence.case.handles`` against the incident's handles and against the handles, e-mail-like ids and profile
URLs read in the text layers. Each hit names the incident's reference, the item and the boxes of the matched
words, so a reviewer sees the match on the image itself: the text layer is machine-read and may be wrong.
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, NoReturn

from evidence.case.handles import handle_from_url, handle_key, normalise_url, word_keys
from evidence.case.textlayer import Box, TextLayer
from evidence.core.errors import UsageError

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"'})


def fold(text: str) -> str:
    """The form text is compared in: NFKC, straight quotes, case-folded, whitespace runs as one space."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold().split())


@dataclass(frozen=True)
class SearchDocument:
    """What is searchable about one item of an incident (or the incident alone, with no item).

    Attributes:
        ref: The incident's reference.
        item_seq: The item's number, or None for the incident's own fields.
        text_layer: The item's text layer, if it has one.
        platform: The incident's platform.
        categories: The incident's categories (their stored values).
        handles: Handles recorded for the incident (in the form, or confirmed by a reviewer).
        people: Names of the people recorded for the incident.
        occurred: When it happened (aware), or None if unknown.
    """

    ref: str
    item_seq: int | None = None
    text_layer: TextLayer | None = None
    platform: str | None = None
    categories: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    occurred: dt.datetime | None = None


@dataclass(frozen=True)
class Query:
    """What to look for; every criterion given must hold (AND). At least one must be given.

    Attributes:
        handle: A handle (``@name`` or ``name``) or a profile URL.
        phrase: Words to find in the text layers.
        platform: The platform, compared case-insensitively.
        category: A category's stored value.
        person: A person's name, compared case- and whitespace-insensitively.
        since: Occurred at or after this (aware).
        until: Occurred before this (aware).
    """

    handle: str | None = None
    phrase: str | None = None
    platform: str | None = None
    category: str | None = None
    person: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    @classmethod
    def from_term(cls, term: str) -> Query:
        """The query a single search term means: a handle if it starts with ``@`` or is a profile URL, else a phrase.

        Raises:
            UsageError: The term is empty.
        """
        text = term.strip()
        if not text:
            raise UsageError("the search term is empty")
        if text.startswith("@"):
            return cls(handle=text)
        url = normalise_url(text) if ("://" in text or "/" in text) else None
        if url is not None and handle_from_url(url) is not None:
            return cls(handle=text)
        return cls(phrase=text)


class MatchKind(enum.Enum):
    """What matched in a text layer."""

    HANDLE = "handle"
    PHRASE = "phrase"


@dataclass(frozen=True)
class Match:
    """Words of a text layer that matched.

    Attributes:
        kind: What they matched.
        word_indices: Their indices in ``TextLayer.words``.
        boxes: Their boxes in the item's pixels.
        text: The words as read, joined by spaces.
    """

    kind: MatchKind
    word_indices: tuple[int, ...]
    boxes: tuple[Box, ...]
    text: str


@dataclass(frozen=True)
class Hit:
    """One document that matched.

    Attributes:
        ref: The incident's reference.
        item_seq: The item, or None for the incident's own fields.
        occurred: When it happened, if known.
        platform: Its platform.
        matches: The matched words in the item's text layer (empty when only the incident's fields matched).
    """

    ref: str
    item_seq: int | None
    occurred: dt.datetime | None
    platform: str | None
    matches: tuple[Match, ...]


@dataclass
class _Entry:
    doc: SearchDocument
    handle_keys: frozenset[str]
    people: frozenset[str]
    categories: frozenset[str]
    platform: str | None
    text: str = ""
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    words_by_key: dict[str, list[int]] = field(default_factory=dict)


class SearchIndex:
    """An in-memory index of searchable documents (see the module docstring: nothing is ever written)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, int | None], _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __getstate__(self) -> NoReturn:
        raise TypeError("the search index holds decrypted text and is never saved")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("the search index holds decrypted text and is never saved")

    def add(self, doc: SearchDocument) -> None:
        """Add ``doc``, replacing any document with the same reference and item.

        Raises:
            UsageError: ``occurred`` has no time zone.
        """
        if doc.occurred is not None and doc.occurred.utcoffset() is None:
            raise UsageError(f"{doc.ref}: the time it occurred has no time zone")
        entry = _Entry(
            doc=doc,
            handle_keys=frozenset(k for k in (_handle_key_of(h) for h in doc.handles) if k is not None),
            people=frozenset(fold(p) for p in doc.people if fold(p)),
            categories=frozenset(fold(c) for c in doc.categories),
            platform=fold(doc.platform) if doc.platform else None,
        )
        if doc.text_layer is not None:
            _index_layer(entry, doc.text_layer)
        self._entries[(doc.ref, doc.item_seq)] = entry

    def remove(self, ref: str) -> int:
        """Drop every document of incident ``ref``; returns how many there were."""
        gone = [key for key in self._entries if key[0] == ref]
        for key in gone:
            del self._entries[key]
        return len(gone)

    def clear(self) -> None:
        """Drop everything (on lock)."""
        self._entries.clear()

    def search(self, query: Query) -> tuple[Hit, ...]:
        """The documents that match ``query``, in order of when they occurred (unknown last), then ref and item.

        Raises:
            UsageError: The query is empty, its handle is not a handle, its phrase has no words, or a date has no
                time zone.
        """
        handle = None
        if query.handle is not None:
            handle = _handle_key_of(query.handle)
            if handle is None:
                raise UsageError(f"{query.handle!r} is not a handle or profile URL")
        phrase = None
        if query.phrase is not None:
            folded = fold(query.phrase)
            if not folded:
                raise UsageError("the phrase has no words")
            phrase = re.compile(
                ("(?<!\\w)" if folded[0].isalnum() or folded[0] == "_" else "")
                + re.escape(folded)
                + ("(?!\\w)" if folded[-1].isalnum() or folded[-1] == "_" else "")
            )
        for when in (query.since, query.until):
            if when is not None and when.utcoffset() is None:
                raise UsageError("search dates need a time zone")
        criteria = (query.handle, query.phrase, query.platform, query.category, query.person, query.since, query.until)
        if all(c is None for c in criteria):
            raise UsageError("say what to search for")
        hits = []
        for entry in self._entries.values():
            hit = _match(entry, query, handle, phrase)
            if hit is not None:
                hits.append(hit)
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        hits.sort(
            key=lambda h: (h.occurred is None, h.occurred or far, h.ref, -1 if h.item_seq is None else h.item_seq)
        )
        return tuple(hits)


def _handle_key_of(text: str) -> str | None:
    text = text.strip()
    key = handle_key(text)
    if key is not None:
        return key
    url = normalise_url(text)
    named = handle_from_url(url) if url is not None else None
    return handle_key(named[1]) if named is not None else None


def _index_layer(entry: _Entry, layer: TextLayer) -> None:
    """Lay the layer's words out as one folded string (paragraphs apart) with each word's offsets."""
    parts: list[str] = []
    offset = 0
    index = 0
    previous: tuple[int, int] | None = None
    for line in layer.lines:
        here = (line.block, line.paragraph)
        for word in line.words:
            if index > 0:
                sep = " " if here == previous else "\n"
                parts.append(sep)
                offset += 1
            folded = fold(word.text)
            entry.starts.append(offset)
            parts.append(folded)
            offset += len(folded)
            entry.ends.append(offset)
            for key in word_keys(word.text):
                entry.words_by_key.setdefault(key, []).append(index)
            previous = here
            index += 1
    entry.text = "".join(parts)


def _match(entry: _Entry, query: Query, handle: str | None, phrase: re.Pattern[str] | None) -> Hit | None:
    doc = entry.doc
    if query.platform is not None and entry.platform != fold(query.platform):
        return None
    if query.category is not None and fold(query.category) not in entry.categories:
        return None
    if query.person is not None and fold(query.person) not in entry.people:
        return None
    if query.since is not None and (doc.occurred is None or doc.occurred < query.since):
        return None
    if query.until is not None and (doc.occurred is None or doc.occurred >= query.until):
        return None
    layer = doc.text_layer
    words = layer.words if layer is not None else ()
    matches: list[Match] = []
    if handle is not None:
        seen = entry.words_by_key.get(handle, [])
        if not seen and handle not in entry.handle_keys:
            return None
        for i in seen:
            matches.append(Match(MatchKind.HANDLE, (i,), (words[i].box,), words[i].text))
    if phrase is not None:
        found = list(phrase.finditer(entry.text))
        if not found:
            return None
        for m in found:
            first = bisect.bisect_right(entry.starts, m.start()) - 1
            last = bisect.bisect_left(entry.ends, m.end())
            indices = tuple(range(max(first, 0), min(last, len(words) - 1) + 1))
            text = " ".join(words[i].text for i in indices)
            matches.append(Match(MatchKind.PHRASE, indices, tuple(words[i].box for i in indices), text))
    return Hit(doc.ref, doc.item_seq, doc.occurred, doc.platform, tuple(matches))
