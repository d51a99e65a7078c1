"""Test images for the redaction tests: a small chat screen with a third party's name on a background that has no
black pixel (so a black box is always a change), and boxes over it that overlap."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from evidence.capture.redact import Box, BoxReason

SECRET = "Tom Jones"


def chat_image(size: tuple[int, int] = (160, 90), mode: str = "RGB") -> Image.Image:
    """A small chat screen: a noisy background (no pixel is black) and a third party's name drawn on it."""
    width, height = size
    img = Image.new(mode, size)
    img.putdata(
        [
            (40 + (x * 7 + y * 3) % 200, 30 + (x * y) % 190, 20 + (x + 5 * y) % 210, 255)[: len(mode)]
            for y in range(height)
            for x in range(width)
        ]
    )
    ImageDraw.Draw(img).text((10, 10), f"{SECRET}: you are nothing", fill=(250, 250, 250, 255)[: len(mode)])
    return img


def png_of(img: Image.Image, **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, "PNG", **params)
    return out.getvalue()


def jpeg_of(img: Image.Image, **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85, **params)
    return out.getvalue()


BOXES = (
    Box(8, 8, 60, 14, BoxReason.THIRD_PARTY_NAME, "sender's name"),
    Box(120, 50, 30, 30, BoxReason.THIRD_PARTY_FACE),
    Box(60, 12, 20, 20, BoxReason.OTHER, "overlaps the first box on purpose"),
)


def inside(x: int, y: int, boxes: tuple[Box, ...] = BOXES) -> bool:
    return any(b.x <= x < b.x + b.w and b.y <= y < b.y + b.h for b in boxes)
