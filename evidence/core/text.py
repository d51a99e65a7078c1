"""Text from outside, made safe to show, print or write: no control characters, no bidi overrides, bounded length.

Names, titles, captions and reasons come from bundles, cards, profiles and file names that anyone may have
crafted. Printed raw, an ESC starts a terminal escape sequence (it can rewrite what the user sees); a newline in a
signer's name forges an extra line in ``VERIFY.txt``; a Unicode bidi override (U+202E) makes ``txt.exe`` read as
``exe.txt`` and reorders a fingerprint on screen. Everything such a text passes through before it is shown in the
GUI, printed to a terminal, or written into ``VERIFY.txt``, a report or a file name is one of:

- :func:`clean_line` for one-line values (a name, a title, a reason shown in a list): every control character
  (C0, DEL, C1), line and paragraph separator becomes a space, runs of white space collapse to one, bidi controls
  are removed, and the result is cut to ``limit`` characters with an ellipsis;
- :func:`clean_text` for multi-line values (a description): the same, but line feeds are kept (CR LF and CR become
  LF) and tabs become spaces.

Other format characters (zero-width joiners inside emoji, for example) are kept: they cannot reorder or hide text.
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Arabic letter mark, LRM, RLM, the embeddings and overrides (LRE RLE PDF LRO RLO) and the isolates (LRI RLI FSI
PDI): the characters that change the display order of the text around them."""

ELLIPSIS = "\u2026"
DEFAULT_LINE_LIMIT = 200
DEFAULT_TEXT_LIMIT = 20_000


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029\x85"


def clean_line(text: object, *, limit: int = DEFAULT_LINE_LIMIT) -> str:
    """One printable line of at most ``limit`` characters (see the module docstring)."""
    value = str(text)
    out = []
    for ch in value:
        if ch in BIDI_CONTROLS:
            continue
        out.append(" " if _is_control(ch) or ch.isspace() else ch)
    return _cut(" ".join("".join(out).split()), limit)


def clean_text(text: object, *, limit: int = DEFAULT_TEXT_LIMIT) -> str:
    """Printable text of at most ``limit`` characters whose only control character is the line feed."""
    value = str(text).replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in value.split("\n"):
        kept = []
        for ch in line:
            if ch in BIDI_CONTROLS:
                continue
            kept.append(" " if _is_control(ch) or ch == "\t" else ch)
        lines.append("".join(kept).rstrip())
    return _cut("\n".join(lines).strip("\n"), limit)


def is_clean_line(text: str) -> bool:
    """True when ``text`` is already what :func:`clean_line` would make of it (with no length limit)."""
    return text == clean_line(text, limit=max(len(text), 1))


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS
