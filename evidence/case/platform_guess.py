"""A first guess at the platform from the captured window's title, so a teacher in a hurry need not choose it.

Window titles come from outside (any program can set any title), so the guess is only ever a suggestion shown in
the form, which the user can change, and it is made from names on the school's platform list
(``resources/platforms.txt``), never from free text: a title can only pick a listed name, or nothing. Matching is
on whole words, case-insensitive: "Instagram — Direct messages" and "#general | Discord" match, "Xbox" does not
match "X". A name's bracketed part counts as another name for it ("X (Twitter)" is also "Twitter"), and a name of
one or two letters ("X") matches only as the last word of the title, where browsers put the site's name
("Home / X"). "Other" is never guessed, and neither is a name that two listed platforms share.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from evidence.case import policy

_BRACKETED = re.compile(r"^(?P<name>[^()]+?)\s*\((?P<alias>[^()]+)\)$")
_SHORT = 2
"""Names this short (such as "X") match only at the end of a title."""


def match_names(platform: str) -> tuple[str, ...]:
    """The names a listed platform is known by in window titles: "X (Twitter)" gives ("X", "Twitter")."""
    m = _BRACKETED.match(platform.strip())
    if m is None:
        return (platform.strip(),)
    return (m.group("name").strip(), m.group("alias").strip())


def _matches(name: str, title: str) -> bool:
    words = re.escape(name).replace(r"\ ", r"\s+")
    if len(name) <= _SHORT:
        return re.search(rf"(?:^|[\s/|·•—–-])\s*{words}\s*$", title, re.IGNORECASE) is not None
    return re.search(rf"(?<![\w]){words}(?![\w])", title, re.IGNORECASE) is not None


def guess_platform(title: str | None, platforms: Sequence[str] | None = None) -> str | None:
    """The listed platform a window title names, or None when it names none (or more than one).

    Args:
        title: the captured window's title, as the capture context holds it (None when unknown).
        platforms: the platform list; defaults to :func:`evidence.case.policy.platforms`.
    """
    if not title or not title.strip():
        return None
    listed = list(platforms) if platforms is not None else policy.platforms()
    found = [
        platform
        for platform in listed
        if platform != policy.OTHER_PLATFORM and any(_matches(n, title) for n in match_names(platform) if n)
    ]
    return found[0] if len(found) == 1 else None


def guess_from_titles(titles: Sequence[str | None], platforms: Sequence[str] | None = None) -> str | None:
    """The guess from the newest title that gives one (``titles`` oldest first, as items are numbered)."""
    for title in reversed(titles):
        guess = guess_platform(title, platforms)
        if guess is not None:
            return guess
    return None
