"""Proposals of the handles, e-mail-like ids and URLs seen in an incident, from its form and its text layers.

What it defends against is silent inference. Everything here is a *proposal*: a reviewer confirms or rejects
each one later, as a signed record, and nothing in this module decides who anyone is. So:

- each proposal keeps every place it was seen: the form field, or the item and the indices and boxes of the
  words in that item's text layer, with the engine's confidence, so a reviewer can look at the pixels;
- machine-read text is taken word by word and never repaired. A handle cut by a line break is not joined to the
  next line (its sighting says ``may_be_cut``); ``0`` and ``O``, ``1`` and ``l`` are not "corrected". Two proposals
  that differ only by such look-alike characters stay two proposals, each naming the other in ``lookalikes``;
- plain words are never taken for usernames. A handle is proposed from text only when it is written with ``@``,
  or when it is the user part of a profile URL on a known platform; a bare name counts only in the form's handle
  field, and only when it is all that field holds, where a person typed it as a handle;
- URLs are normalised the same way wherever they were seen (lower-case scheme and host, default port and tracking
  parameters such as ``utm_*`` or ``fbclid`` dropped), and the raw text as seen is kept beside the result.

Each proposal has a ``key`` for matching across incidents: ``handle:`` and the lower-case handle without ``@``
(platform-agnostic, so ``@Jay_K_2009`` on X and ``instagram.com/jay_k_2009`` meet), ``email:`` and the lower-case
address, ``url:`` and the normalised URL without its scheme and a leading ``www.``, ``m.`` or ``mobile.``.

The form's fields are taken as plain strings so this module does not depend on the incident record's types.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from evidence.case.textlayer import Box, TextLayer

MAX_FIELD_CHARS = 4_000
"""Form text beyond this many characters is not looked at (a form field is short)."""

MAX_HANDLE_CHARS = 30
"""Longest handle proposed (Instagram's limit; X allows 15, TikTok 24)."""

MAX_URL_CHARS = 2_000


class Kind(enum.Enum):
    """What a proposal is."""

    HANDLE = "handle"
    EMAIL = "email"
    URL = "url"


class FormField(enum.Enum):
    """The incident form's fields that are read for proposals."""

    HANDLE = "handle"
    PROFILE_URL = "profile-url"
    URL = "url"
    DESCRIPTION = "description"


@dataclass(frozen=True)
class Sighting:
    """One place where a proposal was seen.

    Attributes:
        seen_as: The text exactly as seen there (a form token, or an OCR word).
        form_field: The form field, for a sighting in the form; else None.
        item_seq: The item's number, for a sighting in a text layer; else None.
        word_indices: Indices of the words in that item's text layer (``TextLayer.words``); empty for the form.
        boxes: Those words' boxes in the item's pixels; empty for the form.
        confidence: The OCR engine's confidence (0 to 100) in the word; None for the form.
        may_be_cut: The word ends a line of several words that is about as wide as its paragraph's widest, and
            the paragraph goes on: the line may have wrapped inside the value, which may continue on the next
            line (machine-read text is never joined across lines). A hint for the reviewer, not a finding.
        platform: The platform whose profile URL this handle was taken from (``instagram``), if it was.
    """

    seen_as: str
    form_field: FormField | None = None
    item_seq: int | None = None
    word_indices: tuple[int, ...] = ()
    boxes: tuple[Box, ...] = ()
    confidence: int | None = None
    may_be_cut: bool = False
    platform: str | None = None

    @property
    def machine_read(self) -> bool:
        """Whether this sighting comes from a text layer (machine-read, possibly wrong)."""
        return self.item_seq is not None


@dataclass(frozen=True)
class Proposal:
    """A handle, e-mail-like id or URL proposed for a reviewer to confirm or reject.

    Attributes:
        kind: What it is.
        value: How it is shown: ``@jay_k_2009``, an address, or the normalised URL (as first seen, form first).
        key: The stable key for matching across incidents (see the module docstring).
        sightings: Every place it was seen, form first, then by item and word.
        lookalikes: Keys of other proposals here that differ from this one only by look-alike characters.
    """

    kind: Kind
    value: str
    key: str
    sightings: tuple[Sighting, ...]
    lookalikes: tuple[str, ...] = ()

    @property
    def in_form(self) -> bool:
        """Whether a person wrote it in the form."""
        return any(s.form_field is not None for s in self.sightings)

    @property
    def items(self) -> tuple[int, ...]:
        """The items whose text layers show it, in order."""
        return tuple(sorted({s.item_seq for s in self.sightings if s.item_seq is not None}))

    @property
    def platforms(self) -> tuple[str, ...]:
        """Platforms named by the profile URLs it was taken from."""
        return tuple(sorted({s.platform for s in self.sightings if s.platform is not None}))


@dataclass(frozen=True)
class NormalisedUrl:
    """A URL in the one form used for showing and matching.

    Attributes:
        url: Lower-case scheme and host, no default port, no tracking parameters.
        key: ``url:`` plus the URL without its scheme and a leading ``www.``, ``m.`` or ``mobile.``, and without a
            trailing ``/``.
        host: The lower-case host.
        path: The path, as written.
    """

    url: str
    key: str
    host: str
    path: str


# --- Keys ------------------------------------------------------------------------------------------------------

_HANDLE_BODY = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?")
_AT_HANDLE = re.compile(r"@([A-Za-z0-9_.]+)(.*)", re.DOTALL)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")
_HOST_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_OPENERS = "([{<\"'“‘«"
_CLOSERS = ")]}>\"'”’».,:;!?…"
_POSSESSIVE = ("'s", "’s", "'", "’")


def handle_key(text: str) -> str | None:
    """The matching key of a handle written as ``@name`` or ``name``; None if it is not a handle.

    >>> handle_key("@Jay_K_2009")
    'handle:jay_k_2009'
    """
    body = text[1:] if text.startswith("@") else text
    if len(body) > MAX_HANDLE_CHARS or not _HANDLE_BODY.fullmatch(body):
        return None
    return "handle:" + body.lower()


# --- URLs ------------------------------------------------------------------------------------------------------

_TRACKING = frozenset(
    {"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "igsh", "mc_cid", "mc_eid"}
    | {"_ga", "_gl", "ref_src", "ref_url", "si", "share_id", "mibextid"}
)
"""Query parameters that only say how a link was shared, whatever the host (plus every ``utm_*``)."""

_TRACKING_BY_PLATFORM = {
    "x": frozenset({"s", "t"}),
    "tiktok": frozenset({"_t", "_r", "is_from_webapp", "sender_device", "is_copy_url", "web_id"}),
}
"""Share parameters that are tracking only on one platform (YouTube's ``t`` is a time in the video: kept)."""

_PLATFORM_HOSTS = {
    "x.com": "x",
    "twitter.com": "x",
    "instagram.com": "instagram",
    "tiktok.com": "tiktok",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "youtube.com": "youtube",
    "snapchat.com": "snapchat",
    "pinterest.com": "pinterest",
    "pinterest.co.uk": "pinterest",
    "linkedin.com": "linkedin",
    "tumblr.com": "tumblr",
    "threads.net": "threads",
    "threads.com": "threads",
    "twitch.tv": "twitch",
    "reddit.com": "reddit",
}
"""Hosts (without ``www.``, ``m.`` and ``mobile.``) of the platforms whose profile URLs name a user."""

_PROFILE_PREFIXES = {
    "snapchat": ("add",),
    "linkedin": ("in",),
    "reddit": ("u", "user"),
    "youtube": ("c", "user"),
    "instagram": ("stories",),
}
"""Path segments that come before the user name on some platforms (``snapchat.com/add/NAME``)."""

_NOT_USERS = frozenset(
    {"home", "explore", "search", "hashtag", "i", "intent", "share", "settings", "login", "signup", "messages"}
    | {"notifications", "p", "reel", "reels", "tv", "watch", "status", "groups", "pages", "events", "profile.php"}
    | {"story.php", "photo.php", "permalink.php", "direct", "accounts", "about", "help", "privacy", "terms", "shorts"}
    | {"results", "feed", "channel", "playlist", "video", "tag", "discover", "foryou", "following", "live", "r"}
)
"""First path segments that are pages of the platform, not users."""

_COMMON_TLDS = frozenset(
    {"com", "net", "org", "uk", "io", "me", "ly", "gg", "tv", "app", "info", "biz", "us", "ca", "au", "ie", "eu"}
    | {"de", "fr", "nl", "es", "it", "be", "co", "xyz", "link", "site", "online", "social", "page", "to"}
)
"""Top-level domains for which a URL written without ``https://`` or ``www.`` is still taken as a URL."""


def normalise_url(text: str) -> NormalisedUrl | None:
    """Normalise a URL (with or without its scheme); None if ``text`` is not an http(s) URL with a sane host."""
    if not text or len(text) > MAX_URL_CHARS or any(ch.isspace() for ch in text):
        return None
    raw = text if "://" in text else "https://" + text
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or parts.username is not None or parts.password is not None:
        return None
    host = (parts.hostname or "").rstrip(".")
    labels = host.split(".")
    if len(labels) < 2 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        return None
    if not labels[-1].isalpha() or len(labels[-1]) < 2:
        return None
    platform = platform_of(host)
    dropped = _TRACKING | _TRACKING_BY_PLATFORM.get(platform or "", frozenset())
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not name.lower().startswith("utm_") and name.lower() not in dropped
    ]
    default_port = {"http": 80, "https": 443}[scheme]
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    path = parts.path
    query_text = urlencode(query, quote_via=quote, safe="/:@") if query else ""
    tail = ("?" + query_text if query_text else "") + ("#" + parts.fragment if parts.fragment else "")
    url = f"{scheme}://{netloc}{path}{tail}"
    bare = _strip_host_prefix(netloc)
    key_path = path.rstrip("/")
    return NormalisedUrl(url=url, key=f"url:{bare}{key_path}{tail}", host=host, path=path)


def platform_of(host: str) -> str | None:
    """The platform a host belongs to (``x`` for ``mobile.twitter.com``), or None."""
    bare = _strip_host_prefix(host.lower())
    if bare.endswith(".tumblr.com"):
        return "tumblr"
    return _PLATFORM_HOSTS.get(bare)


def handle_from_url(url: NormalisedUrl) -> tuple[str, str] | None:
    """The (platform, handle) a profile URL names, such as ``("instagram", "jay_k_2009")``; None if it names none."""
    platform = platform_of(url.host)
    if platform is None:
        return None
    bare = _strip_host_prefix(url.host)
    if platform == "tumblr" and bare != "tumblr.com":
        name = bare.removesuffix(".tumblr.com")
        return (platform, name) if handle_key(name) and "." not in name else None
    segments = [s for s in url.path.split("/") if s]
    if segments and segments[0].lower() in _PROFILE_PREFIXES.get(platform, ()):
        segments = segments[1:]
    elif not segments or segments[0].lower() in _NOT_USERS:
        return None
    if not segments:
        return None
    name = segments[0]
    if platform in ("tiktok", "youtube", "threads"):
        if not name.startswith("@") and platform != "youtube":
            return None
        name = name.removeprefix("@")
    elif name.startswith("@"):
        name = name[1:]
    return (platform, name) if handle_key(name) else None


def _strip_host_prefix(host: str) -> str:
    for prefix in ("www.", "m.", "mobile."):
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix) :]
    return host


# --- Reading tokens --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    kind: Kind
    value: str
    key: str
    platform: str | None = None


def _strip_punctuation(token: str) -> str:
    start, end = 0, len(token)
    while start < end and token[start] in _OPENERS:
        start += 1
    while end > start and token[end - 1] in _CLOSERS:
        end -= 1
    return token[start:end]


def _read_token(token: str, *, bare_is_handle: bool) -> list[_Found]:
    """What one token shows: a URL (and the handle its profile path names), an e-mail-like id, or an @handle."""
    text = _strip_punctuation(token)
    if not text:
        return []
    lowered = text.lower()
    if "://" in text or lowered.startswith("www.") or _looks_like_bare_url(lowered):
        url = normalise_url(text)
        if url is None:
            return []
        found = [_Found(Kind.URL, url.url, url.key)]
        named = handle_from_url(url)
        if named is not None:
            platform, name = named
            key = handle_key(name)
            assert key is not None  # handle_from_url only returns valid handles
            found.append(_Found(Kind.HANDLE, "@" + name, key, platform))
        return found
    if _EMAIL.fullmatch(text):
        return [_Found(Kind.EMAIL, text, "email:" + text.lower())]
    match = _AT_HANDLE.fullmatch(text)
    if match is not None:
        body, rest = match.group(1).rstrip("."), match.group(2)
        key = handle_key(body)
        if key is not None and (rest == "" or rest in _POSSESSIVE):
            return [_Found(Kind.HANDLE, "@" + body, key)]
        return []
    if bare_is_handle:
        key = handle_key(text)
        if key is not None:
            return [_Found(Kind.HANDLE, "@" + text, key)]
    return []


def word_keys(text: str) -> tuple[str, ...]:
    """The keys of what one machine-read word shows (as :func:`propose` reads text layers), in a fixed order.

    ``https://instagram.com/jay`` gives both its ``url:`` key and ``handle:jay``.
    """
    return tuple(found.key for found in _read_token(text, bare_is_handle=False))


def _looks_like_bare_url(lowered: str) -> bool:
    """``host.tld/...`` or a known platform's host, written without a scheme."""
    host, _, path = lowered.partition("/")
    if "@" in host or "." not in host:
        return False
    if platform_of(host) is not None:
        return True
    return bool(path) and host.rsplit(".", 1)[-1] in _COMMON_TLDS


# --- Proposing -------------------------------------------------------------------------------------------------

_KIND_ORDER = {Kind.HANDLE: 0, Kind.EMAIL: 1, Kind.URL: 2}


@dataclass
class _Draft:
    kind: Kind
    value: str
    key: str
    sightings: list[Sighting] = field(default_factory=list)


def propose(
    *,
    handle: str | None = None,
    profile_url: str | None = None,
    urls: Sequence[str] = (),
    description: str | None = None,
    text_layers: Mapping[int, TextLayer] | Iterable[tuple[int, TextLayer]] = (),
) -> tuple[Proposal, ...]:
    """Propose the handles, e-mail-like ids and URLs of one incident, for a reviewer to confirm or reject.

    Args:
        handle: The form's handle field as typed (``@name``, ``name``, a URL or a few of them).
        profile_url: The form's profile URL field.
        urls: The form's URLs.
        description: The form's free text, read for ``@handles``, addresses and URLs only.
        text_layers: Each item's number with its text layer.

    Returns:
        One proposal per key: handles, then e-mail-like ids, then URLs; within a kind, form first, then by item
        and word.
    """
    drafts: dict[str, _Draft] = {}

    def add(found: _Found, sighting: Sighting) -> None:
        draft = drafts.setdefault(found.key, _Draft(found.kind, found.value, found.key))
        draft.sightings.append(
            sighting if found.platform is None else dataclasses.replace(sighting, platform=found.platform)
        )

    form: list[tuple[FormField, str | None, bool]] = [
        (FormField.HANDLE, handle, True),
        (FormField.PROFILE_URL, profile_url, False),
        *((FormField.URL, url, False) for url in urls),
        (FormField.DESCRIPTION, description, False),
    ]
    for form_field, value, bare_is_handle in form:
        if not value:
            continue
        tokens = value[:MAX_FIELD_CHARS].split()
        bare = bare_is_handle and len(tokens) == 1  # "Jay K (@jay_k)": the names beside the handle are not handles
        for token in tokens:
            for found in _read_token(token, bare_is_handle=bare):
                add(found, Sighting(seen_as=token, form_field=form_field))

    pairs = text_layers.items() if isinstance(text_layers, Mapping) else text_layers
    for item_seq, layer in sorted(pairs, key=lambda pair: pair[0]):
        widest: dict[tuple[int, int], int] = {}
        for line in layer.lines:
            here = (line.block, line.paragraph)
            widest[here] = max(widest.get(here, 0), line.box.right)
        index = 0
        for line_no, line in enumerate(layer.lines):
            here = (line.block, line.paragraph)
            following = layer.lines[line_no + 1] if line_no + 1 < len(layer.lines) else None
            # a word is cut only by a wrap, and a line that wrapped is about as wide as its paragraph allows; a
            # word alone on its line (a sender's name over the message) is taken as whole
            goes_on = (
                following is not None
                and (following.block, following.paragraph) == here
                and len(line.words) > 1
                and line.box.right >= widest[here] - line.box.h
            )
            for position, word in enumerate(line.words):
                cut = goes_on and position == len(line.words) - 1
                for found in _read_token(word.text, bare_is_handle=False):
                    sighting = Sighting(
                        seen_as=word.text,
                        item_seq=item_seq,
                        word_indices=(index,),
                        boxes=(word.box,),
                        confidence=word.confidence,
                        may_be_cut=cut,
                    )
                    add(found, sighting)
                index += 1

    skeletons: dict[str, list[str]] = {}
    for key in drafts:
        skeletons.setdefault(_skeleton(key), []).append(key)
    proposals = []
    for key, draft in drafts.items():
        lookalikes = tuple(sorted(k for k in skeletons[_skeleton(key)] if k != key))
        proposals.append(Proposal(draft.kind, draft.value, key, tuple(draft.sightings), lookalikes))
    proposals.sort(key=lambda p: (_KIND_ORDER[p.kind], _first_seen(p.sightings[0]), p.key))
    return tuple(proposals)


def _first_seen(sighting: Sighting) -> tuple[int, int, int]:
    if sighting.form_field is not None:
        return (0, list(FormField).index(sighting.form_field), 0)
    assert sighting.item_seq is not None
    return (1, sighting.item_seq, sighting.word_indices[0] if sighting.word_indices else 0)


_LOOKALIKE = str.maketrans({"o": "0", "i": "1", "j": "1", "l": "1", "|": "1", "s": "5", "z": "2", "b": "8", "g": "9"})


def _skeleton(key: str) -> str:
    """``key`` with OCR look-alikes folded (``0``/``o``, ``1``/``l``/``i``/``j``, ``rn``/``m``, ``vv``/``w``...)."""
    return key.lower().replace("rn", "m").replace("vv", "w").translate(_LOOKALIKE)
