"""An item's facts as text for people: its kind, times, sizes and capture context.

Everything here is plain text built from item facts (vault rows or bundle items) and context records (which come
from a capture or from a bundle, so from outside): the widgets show it with ``Qt.PlainText`` only, never as rich
text. Stored times are shown with :func:`evidence.core.timefmt.local_time_text`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evidence.capture.items import ItemFacts
from evidence.core.text import clean_line

KIND_WORDS = {"captured": "Captured", "received": "Received, not captured"}

CONTEXT_LABELS = {
    "context_format": "Context format",
    "kind": "Kind",
    "utc": "Captured (UTC)",
    "local_time": "Local time",
    "local_zone": "Time zone",
    "utc_offset": "UTC offset",
    "monotonic_ns": "Monotonic clock (ns)",
    "host": "Computer",
    "os_user": "User",
    "os": "Operating system",
    "app_version": "App version",
    "mode": "Capture mode",
    "desktop": "Whole desktop",
    "monitors": "Monitors",
    "captured": "Area captured",
    "window_title": "Window title",
    "window_process": "Process",
    "received_utc": "Received (UTC)",
    "provided_by": "Provided by",
    "how": "How it reached us",
    "original_name": "Original file name",
    "file_time_utc": "File time (UTC)",
    "media_type": "Media type",
    "size": "File size",
    "width": "Width",
    "height": "Height",
    "note": "Note",
    "derivation": "Derivation",
    "selection": "Chosen by",
    "derived_from": "Cropped from",
    "png_sha256": "SHA-256 of the file",
    "pixels_sha256": "SHA-256 of the pixels",
    "rect": "Rectangle",
    "rect_frame": "Rectangle in the original",
    "rect_desktop": "Rectangle on the desktop",
    "derived_utc": "Cropped (UTC)",
}
"""Friendly labels for the common keys of capture, received and derived contexts; others are shown as spelt."""

FIRST_KEYS = (
    "utc",
    "local_time",
    "local_zone",
    "mode",
    "window_title",
    "window_process",
    "received_utc",
    "provided_by",
    "how",
    "original_name",
    "derivation",
    "selection",
    "derived_from",
    "rect_frame",
    "derived_utc",
)
"""Context keys shown first in the viewer, in this order."""

_RECT_KEYS = ("left", "top", "width", "height")


def kind_words(row: ItemFacts) -> str:
    """The item's kind as the user reads it: "Captured", "Received, not captured" or "Crop of item N"."""
    if row.kind == "derived":
        return "Crop" if row.parent_seq is None else f"Crop of item {row.parent_seq}"
    return KIND_WORDS.get(row.kind) or clean_line(row.kind.capitalize())


def file_size_text(size: int) -> str:
    """A byte count for people: "812 bytes", "245 KB", "3.4 MB"."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def dimensions_text(row: ItemFacts) -> str:
    """ "1920 × 1080 px · 245 KB", or the file size alone where the pixel size is unknown."""
    if row.width is None or row.height is None:
        return file_size_text(row.size)
    return f"{row.width} × {row.height} px · {file_size_text(row.size)}"


def context_label(key: str) -> str:
    """The friendly label of a context key (an unknown key, from outside, cleaned of control and bidi characters)."""
    return CONTEXT_LABELS.get(key) or clean_line(key.replace("_", " ").capitalize())


def is_rect(value: object) -> bool:
    return isinstance(value, Mapping) and all(isinstance(value.get(k), int) for k in _RECT_KEYS)


def is_digest(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def context_value_text(key: str, value: object) -> str:
    """One context value as text: rectangles as "W × H at (X, Y)", monitors one per line, None as "Not recorded"."""
    if value is None:
        return "Not recorded"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if is_rect(value):
        assert isinstance(value, Mapping)
        text = f"{value['width']} × {value['height']} at ({value['left']}, {value['top']})"
        scale = value.get("scale")
        return text if scale is None else f"{text}, scale {scale}"
    if isinstance(value, Mapping):
        return "\n".join(f"{context_label(str(k))}: {context_value_text(str(k), v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        if not value:
            return "None"
        return "\n".join(f"{number}: {context_value_text(key, v)}" for number, v in enumerate(value, 1))
    if key == "size" and isinstance(value, int):
        return f"{file_size_text(value)} ({value} bytes)"
    return clean_line(str(value), limit=2000)


def context_rows(context: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The context as (label, text) rows; nested records other than rectangles are flattened.

    The keys a reviewer looks for first (:data:`FIRST_KEYS`: when, how, which window, who provided it) come first;
    the rest follow in the context's own order.
    """
    rank = {key: index for index, key in enumerate(FIRST_KEYS)}
    keys = sorted(context, key=lambda k: rank.get(k, len(rank)))  # a stable sort keeps the others in order
    rows: list[tuple[str, str]] = []
    for key in keys:
        value = context[key]
        if isinstance(value, Mapping) and value and not is_rect(value):
            for sub_key, sub_value in value.items():
                label = f"{context_label(key)} · {context_label(str(sub_key))}"
                rows.append((label, context_value_text(str(sub_key), sub_value)))
        else:
            rows.append((context_label(key), context_value_text(key, value)))
    return rows


# --- pixels -----------------------------------------------------------------------------------------------------
