"""Realistic synthetic screens for benchmarks: a text-heavy chat-like screen and a photo-heavy one."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw, ImageFilter, ImageFont

WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "lazy",
    "dog",
    "you",
    "are",
    "such",
    "a",
    "loser",
    "nobody",
    "likes",
    "you",
    "lol",
    "12:45",
]


def text_frame(w: int, h: int) -> Image.Image:
    """A chat window: title bar, sidebar, avatars and lines of text."""
    im = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(im)
    font = ImageFont.load_default(size=max(12, h // 70))
    rng = random.Random(1)
    d.rectangle((0, 0, w, h // 25), fill=(32, 33, 36))
    d.rectangle((0, h // 25, w // 6, h), fill=(241, 243, 244))
    y, step = h // 20, max(14, h // 50)
    while y < h - step:
        x = w // 6 + 20
        while x < w - 200:
            word = rng.choice(WORDS)
            d.text((x, y), word, fill=(20, 20, 20), font=font)
            x += int(font.getlength(word + " "))
        y += step
    for i in range(6):
        d.ellipse((20, 100 + i * 80, 70, 150 + i * 80), fill=(rng.randrange(256), rng.randrange(256), 200))
    return im


def photo_frame(w: int, h: int) -> Image.Image:
    """A photo-like screen: smooth gradients plus sensor-like noise."""
    r = Image.linear_gradient("L").resize((w, h))
    g = Image.radial_gradient("L").resize((w, h))
    b = Image.effect_noise((w, h), 40).filter(ImageFilter.GaussianBlur(3))
    base = Image.merge("RGB", (r, g, b))
    noise = Image.merge("RGB", [Image.effect_noise((w, h), 18 + 4 * i) for i in range(3)])
    return Image.blend(base, noise, 0.12)
