"""The capture PNG encoder (issue 16: striped, parallel ISA-L deflate, Up filter) checked with stock tools at 4K.

``pngtopnm x.png | sha256sum`` must print the capture's ``pixels_sha256``, and ``pngtopnm`` and Pillow must both
decode exactly the pixels, for a text-like and a photo-like screen (the two kinds the encoder was chosen on).
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from evidence.capture.png import STRIPE_ROWS
from evidence.capture.screen import Capture, CaptureMode, Grab, MonitorInfo, Rect, from_grab, pixels_sha256

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        any(shutil.which(t) is None for t in ("pngtopnm", "sha256sum", "sh")), reason="needs netpbm and sha256sum"
    ),
]

WIDTH, HEIGHT = 3840, 2160


def text_screen() -> Image.Image:
    """A chat-like screen: flat colours and lines of anti-aliased text."""
    image = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=30)
    rng = random.Random(7)
    draw.rectangle((0, 0, WIDTH, 86), fill=(32, 33, 36))
    draw.rectangle((0, 86, 640, HEIGHT), fill=(241, 243, 244))
    for y in range(110, HEIGHT - 40, 43):
        words = " ".join(rng.choice(["you", "are", "such", "a", "loser", "lol", "12:45", "nobody"]) for _ in range(40))
        draw.text((660, y), words, fill=(20, 20, 20), font=font)
    return image


def photo_screen() -> Image.Image:
    """A photo-like screen: smooth gradients with sensor-like noise (every byte differs from its neighbours)."""
    red = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    green = Image.radial_gradient("L").resize((WIDTH, HEIGHT))
    blue = Image.effect_noise((WIDTH, HEIGHT), 40).filter(ImageFilter.GaussianBlur(3))
    noise = Image.merge("RGB", [Image.effect_noise((WIDTH, HEIGHT), 18 + 4 * i) for i in range(3)])
    return Image.blend(Image.merge("RGB", (red, green, blue)), noise, 0.12)


def _capture_of(image: Image.Image) -> tuple[Capture, bytes]:
    rgb = image.tobytes()
    screen = Rect(0, 0, WIDTH, HEIGHT)
    shot = Grab(
        rgb=rgb,
        width=WIDTH,
        height=HEIGHT,
        left=0,
        top=0,
        area=screen,
        desktop=screen,
        monitors=(MonitorInfo(0, 0, WIDTH, HEIGHT, None),),
        mode=CaptureMode.parse("full"),
        utc=datetime(2026, 11, 30, 15, 0, 0, tzinfo=UTC),
        monotonic_ns=1,
    )
    return from_grab(shot, app_version="t", window=None), rgb


@pytest.mark.parametrize("make", [text_screen, photo_screen], ids=["text", "photo"])
def test_a_4k_capture_png_decodes_exactly_with_pngtopnm_and_pillow(make: object, tmp_path: Path) -> None:
    assert HEIGHT % STRIPE_ROWS != 0  # a short last stripe is part of what is checked
    cap, rgb = _capture_of(make())  # type: ignore[operator]
    assert cap.pixels_sha256 == pixels_sha256(rgb, WIDTH, HEIGHT)
    (tmp_path / "x.png").write_bytes(cap.png)
    digest = subprocess.run(
        ["sh", "-c", "pngtopnm x.png | sha256sum"], cwd=tmp_path, capture_output=True, check=True, timeout=120
    ).stdout
    assert digest.split()[0].decode() == cap.pixels_sha256
    ppm = subprocess.run(["pngtopnm", "x.png"], cwd=tmp_path, capture_output=True, check=True, timeout=120).stdout
    header = b"P6\n%d %d\n255\n" % (WIDTH, HEIGHT)
    assert ppm[: len(header)] == header
    assert ppm[len(header) :] == rgb
    with Image.open(io.BytesIO(cap.png)) as image:
        assert (image.mode, image.size) == ("RGB", (WIDTH, HEIGHT))
        assert image.tobytes() == rgb
