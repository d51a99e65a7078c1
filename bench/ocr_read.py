"""OCR time: reading a chat screen into a text layer (``evidence.capture.ocr.read_text``), against the stock command.

A chat-like screen (a chat list and 24 message bubbles, DejaVu Sans at screen sizes, drawn with Pillow) is read at
1920x1080 and at 3840x2160. Each round measures, in turn:

- **app**: ``read_text`` on the PNG bytes in memory: decode, grey, 2x enlargement (up to 4K; larger images are
  read as they are), the ``tesseract`` process on stdin, TSV parsing, the canonical text layer;
- **same settings, from a file**: the ``tesseract`` command on the prepared PGM file with the app's settings; the
  difference from **app** is the app's own work (preparation, pipes, parsing);
- **stock defaults**: ``tesseract screen.png stdout tsv`` as installed (automatic layout, no enlargement, OpenMP's
  default threads), the peer a user of the stock tool would get.

The files are synthetic screens in a temporary folder (never evidence). Each figure is the median of the rounds
after one warm-up. Run: ``python bench/ocr_read.py [--quick]``; it prints a Markdown table and asserts nothing.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

from benchlib import Table, machine, median, parse_quick, progress, time_process
from PIL import Image, ImageDraw, ImageFont, ImageOps

from evidence.capture import ocr

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
LINES = [
    "nobody likes you. everyone in 9B knows it",
    "leave her alone",
    "go and cry to miss then lol",
    "ur so ugly, nobody likes you",
    "I'm screenshotting this",
    "email me then jay.k.2009@example.com if u dare",
]


def chat_screen(width: int, height: int) -> bytes:
    """A PNG of a chat screen filling ``width`` x ``height`` at a scale of ``width / 1920``."""
    k = width / 1920
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, int(300 * k), height), fill=(240, 242, 245))
    small, text = ImageFont.truetype(BOLD, round(12 * k)), ImageFont.truetype(FONT, round(15 * k))
    for i, name in enumerate(["Chats", "Year 9 group", "Mum", "Football", "Netball", "Dad", "jay_k_2009"]):
        draw.text((20 * k, (30 + 40 * i) * k), name, font=text, fill=(17, 17, 17))
    y = 15 * k
    for i in range(24):
        mine = i % 3 == 1
        x = (1000 if mine else 330) * k
        sender = "Sam" if mine else ("@jay_k_2009", "@big.mo_77")[i % 2]
        draw.rectangle((x, y, x + 560 * k, y + 34 * k), fill=(220, 248, 198) if mine else (233, 233, 235))
        draw.text((x + 12 * k, y + 3 * k), sender, font=small, fill=(7, 94, 84))
        draw.text((x + 12 * k, y + 17 * k), LINES[i % len(LINES)], font=text, fill=(17, 17, 17))
        y += 43 * k
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def prepared(png: bytes) -> tuple[bytes, int]:
    """The PGM the app hands to tesseract, and its scale."""
    with Image.open(io.BytesIO(png)) as opened:
        grey = ImageOps.grayscale(opened)
    scale = 2 if grey.width * grey.height <= ocr.UPSCALE_MAX_PIXELS else 1
    if scale != 1:
        grey = grey.resize((grey.width * scale, grey.height * scale), Image.Resampling.LANCZOS)
    return b"P5\n%d %d\n255\n" % grey.size + grey.tobytes(), scale


def run(quick: bool) -> list[Table]:
    """Measure and return the table."""
    rounds = 3 if quick else 7
    sizes = [(1920, 1080)] if quick else [(1920, 1080), (3840, 2160)]
    table = Table(
        "OCR: a chat screen to a text layer (seconds, median)",
        ["screen", "words", "app (in memory)", "same settings, from a file", "stock defaults", "app / stock"],
    )
    version = ocr.engine_info().label
    with tempfile.TemporaryDirectory() as folder:
        for width, height in sizes:
            png = chat_screen(width, height)
            digest = hashlib.sha256(png).hexdigest()
            png_path, pgm_path = Path(folder) / "screen.png", Path(folder) / "screen.pgm"
            png_path.write_bytes(png)
            pgm, scale = prepared(png)
            pgm_path.write_bytes(pgm)
            same = [
                "tesseract",
                str(pgm_path),
                "stdout",
                "--psm",
                str(ocr.PAGE_SEGMENTATION),
                "--dpi",
                str(ocr.SCREEN_DPI * scale),
                "tsv",
            ]
            one_thread = dict(os.environ, OMP_THREAD_LIMIT="1")
            app_t, same_t, stock_t = [], [], []
            words = 0
            for n in range(rounds + 1):
                start = time.perf_counter()
                layer = ocr.read_text(png, source_sha256=digest)
                elapsed = time.perf_counter() - start
                file_t = time_process(same, env=one_thread)
                default_t = time_process(["tesseract", str(png_path), "stdout", "tsv"])
                if n:  # the first round warms the caches
                    app_t.append(elapsed)
                    same_t.append(file_t)
                    stock_t.append(default_t)
                words = len(layer.words)
                progress(f"ocr {width}x{height} round {n}: app {elapsed:.2f} s")
            a, f, s = median(app_t), median(same_t), median(stock_t)
            table.add(f"{width}x{height}", words, f"{a:.2f}", f"{f:.2f}", f"{s:.2f}", f"{a / s:.2f}x")
    table.notes = [
        f"Engine: {version}; app settings: grey, {ocr.PAGE_SEGMENTATION=}, 2x up to 4K, OMP_THREAD_LIMIT=1.",
        "Stock defaults read at 1x with automatic layout, which loses the underscores of small bold handles and",
        "joins the chat list to the messages (see evidence/capture/ocr.py); the app trades time for that accuracy.",
    ]
    return [table]


def main() -> int:
    """Print the machine and the table."""
    quick = parse_quick(__doc__ or "")
    print("\n".join(machine()))
    print()
    for table in run(quick):
        print(table.render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
