"""Received screenshots: image files a pupil or parent showed or sent, kept byte for byte as they arrived.

A received file is not a capture: we did not see it on our own screen. It is hashed on arrival, its bytes are
never changed (no re-encoding, no metadata stripping), and its context says who provided it, when and how, so a
reviewer can weigh it accordingly.

What it defends against: a file from outside is hostile until checked. It must be a regular file, no larger than
:data:`MAX_RECEIVED_BYTES` (checked before reading), not empty, of a type known by its first bytes (never by its
name: PNG, JPEG, WebP or HEIC, which phones send), and decodable, with at most :data:`MAX_RECEIVED_PIXELS`
pixels (checked from the header, before the pixels are decoded). :func:`check_image` does all of this before
anyone is asked who provided the file, so a wrong file is refused first, with one line naming the file and what
is wrong with it.

The image is decoded once, in memory, to learn its size and its pixel digest, and again whenever it is shown
(:func:`render`): nothing decoded is written anywhere. WebP is decoded by Pillow (libwebp); HEIC by the
``pillow-heif`` plugin (libheif with libde265), registered here on first use. How the pixels of a received item
are obtained is part of the format (``docs/FORMAT.md``, "Pixel digest").
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from evidence.capture.context import ReceivedContext
from evidence.capture.screen import pixels_sha256
from evidence.core.errors import UnsafeFileError, UsageError
from evidence.core.safefile import open_regular
from evidence.core.text import clean_line
from evidence.core.timefmt import format_utc, utc_now

MAX_RECEIVED_BYTES = 64 * 1024 * 1024
MAX_RECEIVED_PIXELS = 80_000_000
_MB = MAX_RECEIVED_BYTES // (1024 * 1024)

PNG, JPEG, WEBP, HEIC = "image/png", "image/jpeg", "image/webp", "image/heic"
MEDIA_TYPES = (PNG, JPEG, WEBP, HEIC)
"""What a received file may be."""

_PIL_FORMATS = {PNG: "PNG", JPEG: "JPEG", WEBP: "WEBP", HEIC: "HEIF"}
"""The one Pillow decoder each type is opened with (Pillow never guesses another from the bytes)."""

_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
"""ISO BMFF brands of HEVC-coded HEIF images (ISO/IEC 23008-12), as iPhones and Android phones write them."""

_HEIF_STRUCTURAL_BRANDS = frozenset({b"mif1", b"msf1"})
"""Generic HEIF brands: HEIC only when a HEVC brand is among the compatible brands (else it may be AVIF)."""

KINDS_TEXT = "a PNG, JPEG, WebP or HEIC image"


class Check(enum.Enum):
    """The check a received file failed."""

    UNREADABLE = "unreadable"
    NOT_REGULAR = "not a regular file"
    EMPTY = "empty"
    TOO_LARGE = "too large"
    TYPE = "type"
    DECODE = "decode"
    PROVENANCE = "provenance"


class ReceivedFileError(UsageError):
    """A received file was refused. ``check`` names the rule; the message names the file."""

    def __init__(self, message: str, *, check: Check) -> None:
        super().__init__(message)
        self.check = check


@dataclass(frozen=True)
class CheckedImage:
    """A received file that passed every check, not yet tied to who provided it.

    Attributes:
        content: the file's bytes, exactly as read.
        original_name: the file's name as received.
        file_time_utc: the file's modification time, if known (it may not be when the image was made).
        media_type: one of :data:`MEDIA_TYPES`, from the first bytes.
        sha256: hex SHA-256 of ``content``.
        pixels_sha256: hex SHA-256 of the decoded pixels as a binary PPM.
        width, height: its size in pixels.
    """

    content: bytes
    original_name: str
    file_time_utc: str | None
    media_type: str
    sha256: str
    pixels_sha256: str
    width: int
    height: int


@dataclass(frozen=True)
class Received:
    """A received image, ready for the vault."""

    content: bytes
    media_type: str
    sha256: str
    pixels_sha256: str
    width: int
    height: int
    context: ReceivedContext


@dataclass(frozen=True)
class Rendering:
    """An image decoded to packed 8-bit RGB rows, in memory only.

    Attributes:
        rgb: ``width * height * 3`` bytes, rows top to bottom.
        width, height: its size in pixels.
    """

    rgb: bytes
    width: int
    height: int


def sniff(data: bytes) -> str | None:
    """The media type from the file's first bytes (never from its name), or None if it is none we accept."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if _is_heic(data):
        return HEIC
    return None


def _is_heic(data: bytes) -> bool:
    """An ISO BMFF ``ftyp`` box first, whose major brand (or, for a generic HEIF brand, a compatible one) is HEVC."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return False
    box_size = int.from_bytes(data[:4], "big")
    if box_size < 16 or box_size > min(len(data), 4096) or box_size % 4:
        return False
    major = data[8:12]
    compatible = {data[i : i + 4] for i in range(16, box_size, 4)}
    if major in _HEIC_BRANDS:
        return True
    return major in _HEIF_STRUCTURAL_BRANDS and bool(compatible & _HEIC_BRANDS)


def _register_heif() -> None:
    """Let Pillow open HEIC (once per process; pillow-heif loads its bundled libheif)."""
    global _heif_registered
    if not _heif_registered:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        _heif_registered = True


_heif_registered = False


def render(data: bytes, *, name: str = "the image") -> Rendering:
    """Decode an accepted image to RGB in memory: what the pixel digest covers and what a viewer shows.

    The pixels are those of the first (for HEIC, the primary) image, as Pillow's decoder for the sniffed type
    gives them, converted to 8-bit RGB by Pillow (``Image.convert("RGB")``: alpha is dropped, not composited;
    a palette is expanded). EXIF orientation is not applied; HEIF's own rotation and mirror properties are, as
    libheif applies them.

    Raises:
        ReceivedFileError: empty, not an accepted type, too many pixels, or undecodable (naming ``name``).
    """
    if not data:
        raise ReceivedFileError(f"{name}: the file is empty", check=Check.EMPTY)
    media_type = sniff(data)
    if media_type is None:
        raise ReceivedFileError(f"{name}: not {KINDS_TEXT}", check=Check.TYPE)
    if media_type == HEIC:
        _register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[media_type]]) as img:
                if img.width * img.height > MAX_RECEIVED_PIXELS:
                    raise ReceivedFileError(
                        f"{name}: the image is too large ({img.width}x{img.height} pixels)", check=Check.TOO_LARGE
                    )
                img.seek(0)
                rgb = img.convert("RGB").tobytes()
                width, height = img.width, img.height
    except ReceivedFileError:
        raise
    except (
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        RuntimeError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ) as e:
        raise ReceivedFileError(
            f"{name}: cannot be read as an image ({type(e).__name__}: {e})", check=Check.DECODE
        ) from e
    if len(rgb) != width * height * 3:
        raise ReceivedFileError(
            f"{name}: cannot be read as an image (its decoded size does not match its header)", check=Check.DECODE
        )
    return Rendering(rgb, width, height)


def check_image(data: bytes, *, original_name: str, file_time_utc: str | None = None) -> CheckedImage:
    """Check a received file's bytes: not empty, not too large, an accepted type, decodable.

    Raises:
        ReceivedFileError: one line naming the file and the check that failed.
    """
    if not data:
        raise ReceivedFileError(f"{original_name}: the file is empty", check=Check.EMPTY)
    if len(data) > MAX_RECEIVED_BYTES:
        raise ReceivedFileError(f"{original_name}: larger than {_MB} MB", check=Check.TOO_LARGE)
    media_type = sniff(data)
    if media_type is None:
        raise ReceivedFileError(f"{original_name}: not {KINDS_TEXT}", check=Check.TYPE)
    shown = render(data, name=original_name)
    return CheckedImage(
        content=data,
        original_name=original_name,
        file_time_utc=file_time_utc,
        media_type=media_type,
        sha256=hashlib.sha256(data).hexdigest(),
        pixels_sha256=pixels_sha256(shown.rgb, shown.width, shown.height),
        width=shown.width,
        height=shown.height,
    )


def check_file(path: Path) -> CheckedImage:
    """Read and :func:`check_image` a file: a regular file, its size capped before it is read.

    Raises:
        ReceivedFileError: not a regular file, unreadable, or a check failed (naming the file).
    """
    shown = clean_line(path.name)
    try:
        with open_regular(path, max_bytes=MAX_RECEIVED_BYTES, what="screenshot") as f:
            info = os.fstat(f.fileno())
            data = f.read(MAX_RECEIVED_BYTES + 1)
    except UnsafeFileError as e:
        check = {"not a regular file": Check.NOT_REGULAR, "size cap": Check.TOO_LARGE}.get(e.check, Check.UNREADABLE)
        raise ReceivedFileError(clean_line(str(e), limit=400), check=check) from e
    except OSError as e:
        raise ReceivedFileError(f"{shown}: cannot read: {e.strerror or e}", check=Check.UNREADABLE) from e
    if len(data) > MAX_RECEIVED_BYTES:  # it grew while we read it
        raise ReceivedFileError(f"{shown}: larger than {_MB} MB", check=Check.TOO_LARGE)
    mtime = format_utc(dt.datetime.fromtimestamp(info.st_mtime, dt.UTC))
    return check_image(data, original_name=path.name, file_time_utc=mtime)


def with_provenance(checked: CheckedImage, *, provided_by: str, how: str) -> Received:
    """A checked image with who provided it and how: the received item to store.

    Raises:
        ReceivedFileError: who or how is missing.
    """
    if not provided_by.strip() or not how.strip():
        raise ReceivedFileError("say who provided the screenshot and how it reached you", check=Check.PROVENANCE)
    context = ReceivedContext(
        received_utc=utc_now(),
        provided_by=provided_by.strip(),
        how=how.strip(),
        original_name=checked.original_name,
        file_time_utc=checked.file_time_utc,
        media_type=checked.media_type,
        size=len(checked.content),
        width=checked.width,
        height=checked.height,
    )
    return Received(
        checked.content,
        checked.media_type,
        checked.sha256,
        checked.pixels_sha256,
        checked.width,
        checked.height,
        context,
    )


def receive_bytes(
    data: bytes, *, original_name: str, provided_by: str, how: str, file_time_utc: str | None = None
) -> Received:
    """Check, hash and describe a received image.

    Args:
        data: the file's bytes, exactly as received.
        original_name: its file name as received.
        provided_by: who provided it (e.g. "Parent of the pupil").
        how: how it reached us (e.g. "forwarded by e-mail", "shown on the pupil's phone and photographed").
        file_time_utc: the file's modification time, if known (it may not be when the image was made).

    Raises:
        ReceivedFileError: who or how is missing, or a check of :func:`check_image` failed.
    """
    if not provided_by.strip() or not how.strip():
        raise ReceivedFileError("say who provided the screenshot and how it reached you", check=Check.PROVENANCE)
    checked = check_image(data, original_name=original_name, file_time_utc=file_time_utc)
    return with_provenance(checked, provided_by=provided_by, how=how)


def receive_file(path: Path, *, provided_by: str, how: str) -> Received:
    """Read a file (:func:`check_file`) and describe it with its provenance."""
    if not provided_by.strip() or not how.strip():
        raise ReceivedFileError("say who provided the screenshot and how it reached you", check=Check.PROVENANCE)
    return with_provenance(check_file(path), provided_by=provided_by, how=how)
