"""Crops of a frozen frame: the pixels of a rectangle, and the derived item that links them to the whole frame.

A region or window capture first grabs the whole frame, which stays the *original* evidence. The part the user
chose is stored beside it as a *derived* item, linked by both of the original's digests and by the rectangle, so a
reviewer can redo the crop from the original and compare. With netpbm::

    pngtopnm ORIGINAL.png | pnmcut -left X -top Y -width W -height H | sha256sum

prints the derived item's ``pixels_sha256`` (X, Y, W and H are ``rect_frame``; a test pins this).

Two coordinate systems appear. *Frame pixels* count from the top-left pixel of the original image. The
*virtual desktop* is mss's coordinate space, in which the original covers its context's ``captured`` rectangle
(left and top are negative left of or above the primary monitor). mss reports physical pixels on Windows (it
makes the process per-monitor DPI aware) and on X11, so there one frame pixel is one desktop pixel and the two
differ only by that offset. On a macOS Retina screen the desktop is measured in points and the image in pixels;
``rect_desktop`` is then the smallest rectangle of whole points that covers the crop. Qt's logical
(device-independent) coordinates never reach this module: the overlay converts them to frame pixels.

The derived item is encoded exactly like a capture (:func:`evidence.capture.png.encode_rgb`), so the same pixels
give the same bytes whether they were grabbed as a region or cropped from a frame.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from evidence.capture import png as png_mod
from evidence.capture.context import DERIVED_CONTEXT_FORMAT, DerivedContext, DerivedFrom, Selection
from evidence.capture.screen import Capture, Rect, pixels_sha256
from evidence.core.errors import UsageError
from evidence.core.timefmt import format_utc

__all__ = ["DERIVED_CONTEXT_FORMAT", "Derived", "DerivedContext", "Selection", "crop", "derived_capture"]


@dataclass(frozen=True)
class Derived:
    """A crop of an original capture, encoded and digested like a capture, with its link to the original.

    Attributes:
        png: The PNG file.
        png_sha256: SHA-256 (hex) of ``png``.
        pixels_sha256: SHA-256 (hex) of the crop as a binary PPM (see :func:`evidence.capture.screen.pixels_sha256`).
        width: Crop width in pixels.
        height: Crop height in pixels.
        rect: The crop's rectangle in the original's frame pixels.
        context: the record of the derivation (see :func:`derived_capture`).
    """

    png: bytes
    png_sha256: str
    pixels_sha256: str
    width: int
    height: int
    rect: Rect
    context: DerivedContext


def crop(grab_rgb: bytes, width: int, height: int, rect: Rect) -> bytes:
    """The packed RGB rows of ``rect`` out of a packed RGB frame.

    Args:
        grab_rgb: The frame, ``width * height * 3`` bytes, rows top to bottom, no padding.
        width: Frame width in pixels.
        height: Frame height in pixels.
        rect: The part to keep, in frame pixels; it must lie wholly inside the frame and not be empty.

    Raises:
        UsageError: The buffer does not fit the size, or the rectangle is empty or not inside the frame.
    """
    _check_frame(grab_rgb, width, height)
    _check_inside(rect, width, height)
    stride = width * 3
    start = rect.left * 3
    row_bytes = rect.width * 3
    view = memoryview(grab_rgb)
    return b"".join(
        view[row * stride + start : row * stride + start + row_bytes] for row in range(rect.top, rect.bottom)
    )


def derived_capture(
    parent: Capture,
    frame_rgb: bytes,
    rect: Rect,
    *,
    app_version: str,
    reason: Selection | str,
    window_title: str | None = None,
    now: datetime | None = None,
    kept_png_sha256: str | None = None,
) -> Derived:
    """Crop ``rect`` out of an original capture and build the derived item that points back to it.

    The original's pixels are needed as well as its :class:`~evidence.capture.screen.Capture`, which holds only the
    PNG; they are checked against the original's ``pixels_sha256``, so a derived item can only ever name the
    frame it was really cut from.

    The context, in this key order: ``context_format`` (:data:`DERIVED_CONTEXT_FORMAT`), ``derivation``
    (``"crop"``), ``selection`` (``"region"`` or ``"window"``), ``derived_from`` (the original's ``png_sha256``,
    ``pixels_sha256``, ``width`` and ``height``), ``rect_frame`` (frame pixels), ``rect_desktop`` (virtual
    desktop), ``window_title`` (the clicked window's title; always None for a region), ``derived_utc`` (when the
    user confirmed the selection, ISO 8601 UTC with milliseconds) and ``app_version``. The time the pixels were
    on the screen is the original's ``utc``.

    Args:
        parent: The original capture of the whole frame.
        frame_rgb: The original's pixels, packed RGB (the :class:`~evidence.capture.screen.Grab` it was encoded from).
        rect: The part to keep, in the original's frame pixels.
        app_version: Recorded in the context.
        reason: How the rectangle was chosen: a :class:`Selection` or its value.
        window_title: For a window selection, the clicked window's title where known.
        now: When the selection was confirmed (aware); None means now.
        kept_png_sha256: The SHA-256 of the original as the vault keeps it, when the vault already held a frame
            with the same ``pixels_sha256`` and kept that one instead (its PNG may come from an earlier encoder);
            None means ``parent.png_sha256``. The crop then names the file that is really kept.

    Raises:
        UsageError: The pixels are not the original's, the rectangle does not fit, the reason is unknown, or a
            title is given for a region.
    """
    try:
        selection = Selection(reason)
    except ValueError as e:
        raise UsageError(f"unknown selection {reason!r}: use region or window") from e
    if selection is Selection.REGION and window_title is not None:
        raise UsageError("a region selection has no window title")
    _check_frame(frame_rgb, parent.width, parent.height)
    if pixels_sha256(frame_rgb, parent.width, parent.height) != parent.pixels_sha256:
        raise UsageError("the frame's pixels are not those of the original capture (pixels_sha256 differs)")
    pixels = crop(frame_rgb, parent.width, parent.height, rect)
    png = png_mod.encode_rgb(pixels, rect.width, rect.height)
    on_desktop = _on_desktop(rect, parent.context.captured, parent.width, parent.height)
    context = DerivedContext(
        selection=selection,
        derived_from=DerivedFrom(
            kept_png_sha256 or parent.png_sha256, parent.pixels_sha256, parent.width, parent.height
        ),
        rect_frame=rect,
        rect_desktop=on_desktop,
        window_title=window_title,
        derived_utc=_utc_iso(now),
        app_version=app_version,
    )
    return Derived(
        png=png,
        png_sha256=hashlib.sha256(png).hexdigest(),
        pixels_sha256=pixels_sha256(pixels, rect.width, rect.height),
        width=rect.width,
        height=rect.height,
        rect=rect,
        context=context,
    )


def _check_frame(rgb: bytes, width: int, height: int) -> None:
    if width < 1 or height < 1 or len(rgb) != width * height * 3:
        raise UsageError(f"pixel buffer of {len(rgb)} bytes does not hold a {width}x{height} RGB image")


def _check_inside(rect: Rect, width: int, height: int) -> None:
    if rect.width < 1 or rect.height < 1:
        raise UsageError(f"crop rectangle {rect} is empty")
    if not Rect(0, 0, width, height).contains(rect):
        raise UsageError(f"crop rectangle {rect} is not inside the {width}x{height} frame")


def _on_desktop(rect: Rect, area: Rect, width: int, height: int) -> Rect:
    """``rect`` (frame pixels of a ``width`` x ``height`` image of ``area``) on the desktop, rounded outwards."""
    left = area.left + rect.left * area.width // width
    top = area.top + rect.top * area.height // height
    right = area.left - (-rect.right * area.width // width)
    bottom = area.top - (-rect.bottom * area.height // height)
    return Rect(left, top, right - left, bottom - top)


def _utc_iso(now: datetime | None) -> str:
    if now is not None and now.utcoffset() is None:
        raise UsageError("the derivation time must be timezone-aware")
    return format_utc(now or datetime.now(UTC))
