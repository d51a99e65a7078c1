"""Received screenshots: image files a pupil or parent showed or sent, kept byte for byte as they arrived.

A received file is not a capture: we did not see it on our own screen. It is hashed on arrival, its bytes are
never changed (no re-encoding, no metadata stripping), and its context says who provided it, when and how, so a
reviewer can weigh it accordingly. The image is decoded once, in memory, only to learn its size and pixel digest;
a file that is not a PNG or JPEG, or is too large, is refused before anything is stored.
"""

from __future__ import annotations

import datetime as dt
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
MEDIA_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


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


def sniff(data: bytes) -> str | None:
    """The media type from the file's first bytes (never from its name)."""
    for magic, media_type in MEDIA_TYPES.items():
        if data.startswith(magic):
            return media_type
    return None


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
        UsageError: not a PNG or JPEG, too large, or undecodable.
    """
    if not provided_by.strip() or not how.strip():
        raise UsageError("say who provided the screenshot and how it reached you")
    if len(data) > MAX_RECEIVED_BYTES:
        raise UsageError(f"{original_name}: larger than {MAX_RECEIVED_BYTES // (1024 * 1024)} MB")
    media_type = sniff(data)
    if media_type is None:
        raise UsageError(f"{original_name}: not a PNG or JPEG image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_RECEIVED_PIXELS:
                    raise UsageError(f"{original_name}: image is too large ({img.width}x{img.height})")
                rgb = img.convert("RGB").tobytes()
                width, height = img.width, img.height
    except UsageError:
        raise
    except (OSError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError) as e:
        raise UsageError(f"{original_name}: cannot read the image: {e}") from e
    sha = hashlib.sha256(data).hexdigest()
    context = ReceivedContext(
        received_utc=utc_now(),
        provided_by=provided_by.strip(),
        how=how.strip(),
        original_name=original_name,
        file_time_utc=file_time_utc,
        media_type=media_type,
        size=len(data),
        width=width,
        height=height,
    )
    return Received(data, media_type, sha, pixels_sha256(rgb, width, height), width, height, context)


def receive_file(path: Path, *, provided_by: str, how: str) -> Received:
    """Read a file and :func:`receive_bytes` it."""
    try:
        with open_regular(path, max_bytes=MAX_RECEIVED_BYTES, what="screenshot") as f:
            data = f.read(MAX_RECEIVED_BYTES + 1)
            mtime = format_utc(dt.datetime.fromtimestamp(os.fstat(f.fileno()).st_mtime, dt.UTC))
    except UnsafeFileError as e:
        raise UsageError(clean_line(str(e), limit=400)) from e
    except OSError as e:
        raise UsageError(f"{clean_line(str(path))}: cannot read: {e.strerror or e}") from e
    return receive_bytes(data, original_name=path.name, provided_by=provided_by, how=how, file_time_utc=mtime)
