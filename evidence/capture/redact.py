"""Redaction: a new image whose pixels inside the boxes are really gone, linked to the untouched original.

A subject access copy must not show other people's names or faces. The classic failures this module defends
against are a black rectangle drawn as a *layer* over the picture (a PDF annotation, an image editor's shape)
that anyone can lift off, and a redacted file that still carries the original in its metadata: a PNG text or
``eXIf`` chunk, an embedded thumbnail, an ICC profile, a JPEG comment. So :func:`redact`:

- decodes the original (PNG or JPEG only, size-capped, one frame, in memory: nothing is ever written to disk) to
  8-bit RGB exactly as :mod:`evidence.capture.received` does, so the parent's ``pixels_sha256`` is the item's;
- overwrites every byte of every box in that buffer with 0 (solid black; :attr:`Method.SOLID_FILL`);
- encodes a *fresh* PNG from the buffer alone with the capture encoder (:func:`evidence.capture.png.encode_rgb`),
  which writes only ``IHDR``, ``IDAT`` and ``IEND``: no chunk, no
  profile, no text and no alpha channel of the original can survive, and the same pixels give the same bytes.

The original is only read, never changed: the caller keeps its bytes and digest. The :class:`Redaction` record
links the two (the parent's file and pixel digests), lists the boxes with a reason code each, and gives the new
file's own digests; ``tests/interop`` checks with netpbm that every pixel inside the boxes is 0 and every pixel
outside equals the original's. With netpbm, for each box X, Y, W, H::

    pngtopnm REDACTED.png | pnmcut -left X -top Y -width W -height H | pamsumm -max -brief

prints ``0`` (the largest sample in the box is 0), and ``pngtopnm REDACTED.png | sha256sum`` prints the record's
``pixels_sha256``.

Box coordinates are the stored image's pixels, top-left origin. A JPEG's EXIF orientation is ignored (the output
has none), so a viewer drawing the boxes must show the image as stored.
"""

from __future__ import annotations

import enum
import hashlib
import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image

from evidence.capture.png import encode_rgb
from evidence.capture.received import MAX_RECEIVED_BYTES, MAX_RECEIVED_PIXELS, sniff
from evidence.capture.screen import pixels_sha256
from evidence.core import canonical
from evidence.core.errors import EvidenceError, UsageError
from evidence.core.text import is_clean_line

FORMAT = "evidence-capture-redaction/1"
KIND = "redacted"
"""The derived item kind of a redacted copy."""
MAX_BOXES = 500
MAX_NOTE = 200
FILL = 0
"""The value every channel of every redacted pixel gets (black)."""

_HEX64_RE = re.compile(r"^[0-9a-f]{64}$")


class RedactionError(EvidenceError):
    """A redaction cannot be made or its record does not check. ``check`` names the rule."""

    def __init__(self, message: str, *, check: str) -> None:
        super().__init__(message)
        self.check = check


class Method(enum.Enum):
    """How the pixels were removed."""

    SOLID_FILL = "solid fill"
    """Every channel of every pixel in a box set to 0 (black), in a freshly encoded file."""


class BoxReason(enum.Enum):
    """Why a box was drawn: a fixed code that a subject access pack can state without personal data."""

    THIRD_PARTY_NAME = "third-party-name"
    THIRD_PARTY_FACE = "third-party-face"
    THIRD_PARTY_CONTACT = "third-party-contact"
    """A handle, profile picture, phone number, e-mail or web address of someone else."""
    OTHER_PERSONAL_DATA = "other-personal-data"
    OTHER = "other"
    """Anything else; the note says what."""


REASON_LABELS = {
    BoxReason.THIRD_PARTY_NAME: "another person's name",
    BoxReason.THIRD_PARTY_FACE: "another person's face",
    BoxReason.THIRD_PARTY_CONTACT: "another person's handle or contact details",
    BoxReason.OTHER_PERSONAL_DATA: "other personal data about someone else",
    BoxReason.OTHER: "other information withheld",
}


@dataclass(frozen=True)
class Box:
    """A rectangle to black out, in the image's pixels (top-left origin), with why.

    Attributes:
        x, y: the top-left pixel.
        w, h: width and height in pixels (at least 1).
        reason: the reason code.
        note: the reviewer's words (kept in the bundle; a subject access pack shows only the code's label).
    """

    x: int
    y: int
    w: int
    h: int
    reason: BoxReason
    note: str = ""

    def __post_init__(self) -> None:
        for name in ("x", "y", "w", "h"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise UsageError(f"box {name} must be an integer")
        if self.x < 0 or self.y < 0:
            raise UsageError(f"box at {self.x},{self.y} starts outside the image")
        if self.w < 1 or self.h < 1:
            raise UsageError(f"box {self.x},{self.y},{self.w},{self.h} is empty")
        if not isinstance(self.reason, BoxReason):
            raise UsageError("a box needs a reason code")
        if len(self.note) > MAX_NOTE or not is_clean_line(self.note):
            raise UsageError(f"a box note is one clean line of at most {MAX_NOTE} characters")
        if self.reason is BoxReason.OTHER and not self.note:
            raise UsageError("the reason 'other' needs a note")

    def to_json_dict(self) -> dict[str, Any]:
        """The box as stored."""
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h, "reason": self.reason.value, "note": self.note}

    def fits(self, width: int, height: int) -> bool:
        """True when the box lies wholly inside a ``width`` x ``height`` image."""
        return self.x + self.w <= width and self.y + self.h <= height


@dataclass(frozen=True)
class Redaction:
    """The record of a redacted copy: what it was made from, how, and its own digests.

    Attributes:
        parent_sha256: SHA-256 (hex) of the original file's bytes (the item's ``sha256``).
        parent_pixels_sha256: the original's pixel digest (8-bit RGB, as the item's ``pixels_sha256``).
        parent_media_type: ``image/png`` or ``image/jpeg``.
        width, height: of both images, in pixels.
        boxes: the rectangles blacked out, in the order given.
        method: how.
        png_sha256: SHA-256 (hex) of the redacted PNG file.
        pixels_sha256: the redacted image's pixel digest (``pngtopnm REDACTED.png | sha256sum``).
    """

    parent_sha256: str
    parent_pixels_sha256: str
    parent_media_type: str
    width: int
    height: int
    boxes: tuple[Box, ...]
    method: Method
    png_sha256: str
    pixels_sha256: str

    def to_json_dict(self) -> dict[str, Any]:
        """The record as canonical-JSON-ready data."""
        return {
            "format": FORMAT,
            "kind": KIND,
            "method": self.method.value,
            "derived_from": {
                "sha256": self.parent_sha256,
                "pixels_sha256": self.parent_pixels_sha256,
                "media_type": self.parent_media_type,
            },
            "width": self.width,
            "height": self.height,
            "boxes": [b.to_json_dict() for b in self.boxes],
            "png_sha256": self.png_sha256,
            "pixels_sha256": self.pixels_sha256,
        }

    def to_bytes(self) -> bytes:
        """Canonical JSON of :meth:`to_json_dict`."""
        return canonical.dumps(self.to_json_dict())

    @classmethod
    def parse(cls, data: bytes, *, source: str = "redaction record") -> Redaction:
        """Read :meth:`to_bytes` output strictly: canonical, exact fields, every box inside the image.

        Raises:
            RedactionError: check ``record``.
        """
        try:
            value = canonical.loads_canonical(data, what=source)
            return _from_json(value)
        except (EvidenceError, ValueError) as e:
            raise RedactionError(f"{source}: {e}", check="record") from e


def _exact(value: object, keys: set[str], what: str) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != keys:
        raise UsageError(f"{what} must have exactly the fields {sorted(keys)}")
    return value


def _int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise UsageError(f"{what} must be an integer")
    return value


def _hex(value: object, what: str) -> str:
    if not isinstance(value, str) or not _HEX64_RE.match(value):
        raise UsageError(f"{what} must be 64 lowercase hex digits")
    return value


def _from_json(value: object) -> Redaction:
    top = _exact(
        value,
        {"format", "kind", "method", "derived_from", "width", "height", "boxes", "png_sha256", "pixels_sha256"},
        "a redaction record",
    )
    if top["format"] != FORMAT or top["kind"] != KIND:
        raise UsageError(f"format must be {FORMAT!r} and kind {KIND!r}")
    parent = _exact(top["derived_from"], {"sha256", "pixels_sha256", "media_type"}, "derived_from")
    if parent["media_type"] not in ("image/png", "image/jpeg"):
        raise UsageError("derived_from.media_type must be image/png or image/jpeg")
    width, height = _int(top["width"], "width"), _int(top["height"], "height")
    if width < 1 or height < 1 or width * height > MAX_RECEIVED_PIXELS:
        raise UsageError("width and height must describe an image")
    boxes_value = top["boxes"]
    if not isinstance(boxes_value, list) or not 1 <= len(boxes_value) <= MAX_BOXES:
        raise UsageError(f"boxes must be a list of 1 to {MAX_BOXES}")
    boxes = []
    for b in boxes_value:
        obj = _exact(b, {"x", "y", "w", "h", "reason", "note"}, "a box")
        if not isinstance(obj["note"], str) or not isinstance(obj["reason"], str):
            raise UsageError("a box's reason and note must be strings")
        box = Box(
            _int(obj["x"], "x"), _int(obj["y"], "y"), _int(obj["w"], "w"), _int(obj["h"], "h"),
            BoxReason(obj["reason"]), obj["note"],
        )  # fmt: skip
        if not box.fits(width, height):
            raise UsageError(f"box {box.x},{box.y},{box.w},{box.h} is not inside the {width}x{height} image")
        boxes.append(box)
    return Redaction(
        parent_sha256=_hex(parent["sha256"], "derived_from.sha256"),
        parent_pixels_sha256=_hex(parent["pixels_sha256"], "derived_from.pixels_sha256"),
        parent_media_type=parent["media_type"],
        width=width,
        height=height,
        boxes=tuple(boxes),
        method=Method(top["method"]),
        png_sha256=_hex(top["png_sha256"], "png_sha256"),
        pixels_sha256=_hex(top["pixels_sha256"], "pixels_sha256"),
    )


@dataclass(frozen=True)
class Redacted:
    """A redacted copy: the new PNG file and its record."""

    png: bytes
    record: Redaction


@dataclass(frozen=True)
class Decoded:
    """An original decoded in memory: packed 8-bit RGB rows, its size and its media type."""

    rgb: bytes
    width: int
    height: int
    media_type: str


def decode(data: bytes) -> Decoded:
    """Decode a PNG or JPEG to packed 8-bit RGB in memory, as a received item is (alpha dropped, one frame).

    Raises:
        RedactionError: check ``size cap``, ``format`` (not a PNG or JPEG, or animated) or ``decode``.
    """
    if len(data) > MAX_RECEIVED_BYTES:
        raise RedactionError(f"the original is larger than {MAX_RECEIVED_BYTES:,} bytes", check="size cap")
    media_type = sniff(data)
    if media_type not in ("image/png", "image/jpeg"):  # a received WebP or HEIC is not redacted (yet)
        raise RedactionError("the original is not a PNG or JPEG image", check="format")
    expected_format = "PNG" if media_type == "image/png" else "JPEG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[expected_format]) as img:
                if getattr(img, "n_frames", 1) != 1:
                    raise RedactionError("the original is animated; only still images are redacted", check="format")
                if img.width * img.height > MAX_RECEIVED_PIXELS:
                    raise RedactionError(f"the original is too large ({img.width}x{img.height})", check="size cap")
                rgb = img.convert("RGB").tobytes()
                width, height = img.width, img.height
    except RedactionError:
        raise
    except (
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ) as e:
        raise RedactionError(f"cannot decode the original: {e}", check="decode") from e
    return Decoded(rgb, width, height, media_type)


def _fill(rgb: bytes, width: int, boxes: Sequence[Box]) -> bytes:
    buf = bytearray(rgb)
    stride = width * 3
    for box in boxes:
        row_bytes = bytes([FILL]) * (box.w * 3)
        for row in range(box.y, box.y + box.h):
            start = row * stride + box.x * 3
            buf[start : start + box.w * 3] = row_bytes
    return bytes(buf)


def redact(original: bytes, boxes: Sequence[Box]) -> Redacted:
    """Black out ``boxes`` in a copy of ``original`` and describe the copy (see the module docstring).

    Args:
        original: the original image file's bytes (PNG or JPEG); they are only read.
        boxes: 1 to :data:`MAX_BOXES` rectangles, each wholly inside the image; they may overlap.

    Raises:
        RedactionError: check ``boxes`` (none, too many, or one not inside the image), or a check of
            :func:`decode`.
    """
    if not 1 <= len(boxes) <= MAX_BOXES:
        raise RedactionError(f"give 1 to {MAX_BOXES} boxes", check="boxes")
    decoded = decode(original)
    for box in boxes:
        if not box.fits(decoded.width, decoded.height):
            raise RedactionError(
                f"box {box.x},{box.y},{box.w},{box.h} is not inside the {decoded.width}x{decoded.height} image",
                check="boxes",
            )
    pixels = _fill(decoded.rgb, decoded.width, boxes)
    png = encode_rgb(bytes(pixels), decoded.width, decoded.height)
    record = Redaction(
        parent_sha256=hashlib.sha256(original).hexdigest(),
        parent_pixels_sha256=pixels_sha256(decoded.rgb, decoded.width, decoded.height),
        parent_media_type=decoded.media_type,
        width=decoded.width,
        height=decoded.height,
        boxes=tuple(boxes),
        method=Method.SOLID_FILL,
        png_sha256=hashlib.sha256(png).hexdigest(),
        pixels_sha256=pixels_sha256(pixels, decoded.width, decoded.height),
    )
    return Redacted(png, record)


def check(original: bytes, png: bytes, record: Redaction) -> None:
    """Check a redacted copy against its original by redoing it: a verifier's test of a ``redacted`` item.

    The pixels are compared (not the PNG bytes, which depend on the zlib build), so a copy made elsewhere checks.

    Raises:
        RedactionError: check ``parent`` (the original is not the record's), ``png digest`` (the file is not the
            record's), ``pixels`` (its pixels are not the original's with the boxes blacked out), or a check of
            :func:`decode`.
    """
    if hashlib.sha256(original).hexdigest() != record.parent_sha256:
        raise RedactionError("the original is not the one the redaction was made from", check="parent")
    if hashlib.sha256(png).hexdigest() != record.png_sha256:
        raise RedactionError("the redacted file is not the one the record describes", check="png digest")
    parent = decode(original)
    if pixels_sha256(parent.rgb, parent.width, parent.height) != record.parent_pixels_sha256:
        raise RedactionError("the original's pixels are not the record's", check="parent")
    copy = decode(png)
    expected = _fill(parent.rgb, parent.width, record.boxes)
    if (copy.width, copy.height) != (parent.width, parent.height) or copy.rgb != expected:
        raise RedactionError("the redacted pixels are not the original's with the boxes blacked out", check="pixels")
    if pixels_sha256(copy.rgb, copy.width, copy.height) != record.pixels_sha256:
        raise RedactionError("the redacted pixels do not match the record's digest", check="pixels")
