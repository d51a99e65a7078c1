"""OCR with the real Tesseract on chat-like screens drawn with Pillow: what it reads, and that it writes nothing.

The no-disk test runs a reading in a child process under ``strace -f`` (so the ``tesseract`` process is traced
too), with TMPDIR, HOME and the working directory pointed at fresh empty folders, and fails on any system call
that creates, writes, renames or removes a file, and on any file left in those folders.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from evidence.capture import ocr
from evidence.capture.ocr import (
    EngineMissingError,
    ImageFormatError,
    ImageTooLargeError,
    OcrTimeoutError,
    SourceDigestError,
    read_text,
)
from evidence.case.textlayer import Box, TextLayer

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr is not installed")

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
MESSAGES = [
    ("@jay_k_2009", "nobody likes you. everyone in 9B knows it"),
    ("Sam", "leave her alone"),
    ("@big.mo_77", "ur so ugly, nobody likes you"),
    ("@jay_k_2009", "meet me at the gates after school"),
]


def chat_screen(
    size: tuple[int, int] = (1280, 720), *, dark: bool = False
) -> tuple[Image.Image, dict[str, list[tuple[int, int, int, int]]]]:
    """A chat-like screen at 96 DPI sizes (12-15 px text), and where each sender and message was drawn."""
    back, bubble, ink = (
        ((20, 22, 26), (44, 48, 56), (235, 235, 235)) if dark else ((255,) * 3, (233, 233, 235), (17,) * 3)
    )
    image = Image.new("RGB", size, back)
    draw = ImageDraw.Draw(image)
    name_font, text_font = ImageFont.truetype(BOLD, 12), ImageFont.truetype(FONT, 15)
    drawn: dict[str, list[tuple[int, int, int, int]]] = {}
    y = 20
    for i, (sender, text) in enumerate(MESSAGES):
        x = 700 if sender == "Sam" else 40
        draw.rectangle((x, y, x + 520, y + 52), fill=(220, 248, 198) if sender == "Sam" and not dark else bubble)
        for what, at, font in ((sender, (x + 12, y + 8), name_font), (text, (x + 12, y + 26), text_font)):
            draw.text(at, what, font=font, fill=ink if sender != "Sam" or dark else (17, 17, 17))
            drawn.setdefault(what, []).append(draw.textbbox(at, what, font=font))
        y += 70 + 10 * i
    return image, drawn


def png_of(image: Image.Image, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


def read(data: bytes, **kwargs: object) -> TextLayer:
    return read_text(data, source_sha256=hashlib.sha256(data).hexdigest(), **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def screen() -> tuple[bytes, TextLayer, dict[str, list[tuple[int, int, int, int]]]]:
    image, drawn = chat_screen()
    data = png_of(image)
    return data, read(data), drawn


def words_of(layer: TextLayer) -> list[str]:
    return [w.text for w in layer.words]


def overlaps(box: Box, drawn: tuple[int, int, int, int]) -> float:
    """Intersection over union of a word's box and where it was drawn."""
    left, top, right, bottom = drawn
    ix = max(0, min(box.right, right) - max(box.x, left))
    iy = max(0, min(box.bottom, bottom) - max(box.y, top))
    inter = ix * iy
    union = box.w * box.h + (right - left) * (bottom - top) - inter
    return inter / union


def test_the_real_engine_reads_the_planted_handles_and_phrases(screen: tuple[bytes, TextLayer, dict]) -> None:
    _, layer, _ = screen
    words = words_of(layer)
    assert words.count("@jay_k_2009") == 2
    assert "@big.mo_77" in words
    text = " ".join(layer.text.split())
    assert "nobody likes you. everyone in 9B knows it" in text
    assert "ur so ugly, nobody likes you" in text
    assert "leave her alone" in text  # on the light green bubble too
    assert all(0 <= w.confidence <= 100 for w in layer.words)


def test_word_boxes_are_where_the_words_were_drawn(screen: tuple[bytes, TextLayer, dict]) -> None:
    _, layer, drawn = screen
    boxes = [w.box for w in layer.words if w.text == "@jay_k_2009"]
    assert len(boxes) == 2
    for box, where in zip(boxes, drawn["@jay_k_2009"], strict=True):
        assert overlaps(box, where) > 0.6, (box, where)
    assert overlaps(boxes[0], drawn["@jay_k_2009"][1]) == 0  # and not where the other one is


def test_the_layer_names_its_source_and_engine(screen: tuple[bytes, TextLayer, dict]) -> None:
    data, layer, _ = screen
    assert layer.source_sha256 == hashlib.sha256(data).hexdigest()
    assert (layer.width, layer.height) == (1280, 720)
    version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, check=True)
    assert f"tesseract {layer.engine.version}" in version.stdout + version.stderr
    assert layer.engine.leptonica is not None
    assert f"leptonica-{layer.engine.leptonica}" in version.stdout
    listing = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=True).stdout
    folder = re.search(r'"([^"]+)"', listing)
    assert folder is not None
    model = Path(folder.group(1)) / "eng.traineddata"
    stock = subprocess.run(["sha256sum", str(model)], capture_output=True, text=True, check=True).stdout.split()[0]
    assert [(lang.code, lang.data_sha256) for lang in layer.engine.languages] == [("eng", stock)]
    assert (layer.engine.name, layer.engine.page_segmentation, layer.engine.scale) == ("tesseract", 11, 2)
    assert TextLayer.parse(layer.to_canonical()) == layer


def test_the_same_image_gives_the_same_digest(screen: tuple[bytes, TextLayer, dict]) -> None:
    data, layer, _ = screen
    assert read(data).digest_hex == layer.digest_hex


def test_jpeg_and_dark_mode_and_transparency() -> None:
    image, _ = chat_screen(dark=True)
    assert words_of(read(png_of(image, "JPEG"))).count("@jay_k_2009") == 2
    light, _ = chat_screen()
    rgba = light.convert("RGBA")
    rgba.putalpha(Image.eval(light.convert("L"), lambda v: 255 - v))  # ink opaque, page transparent
    assert words_of(read(png_of(rgba))).count("@jay_k_2009") == 2


def test_large_screens_are_read_unscaled_with_boxes_in_source_pixels() -> None:
    small, drawn = chat_screen()
    big = Image.new("RGB", (3840, 2400), (255, 255, 255))  # over the 2x limit
    big.paste(small.resize((2560, 1440), Image.Resampling.LANCZOS), (0, 0))
    layer = read(png_of(big))
    assert layer.engine.scale == 1
    box = next(w.box for w in layer.words if w.text == "@jay_k_2009")
    left, top, right, bottom = drawn["@jay_k_2009"][0]
    assert overlaps(box, (2 * left, 2 * top, 2 * right, 2 * bottom)) > 0.6


def test_an_image_with_no_text_gives_an_empty_layer() -> None:
    layer = read(png_of(Image.new("RGB", (200, 100), (255, 255, 255))))
    assert (layer.lines, layer.text) == ((), "")


def test_too_many_pixels_is_refused_before_decoding() -> None:
    huge = Image.new("1", (8000, 7000))  # 56 MP: the PNG is small, the pixels are not
    data = png_of(huge)
    assert len(data) < 1_000_000
    with pytest.raises(ImageTooLargeError) as caught:
        read(data)
    assert caught.value.check == "image-size"
    with pytest.raises(ImageTooLargeError):
        read(png_of(Image.new("RGB", (100, 100))), max_pixels=9_999)


def test_too_many_bytes_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "MAX_IMAGE_BYTES", 10)
    with pytest.raises(ImageTooLargeError):
        read(png_of(Image.new("RGB", (10, 10))))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image at all",
        png_of(Image.new("RGB", (40, 40)), "GIF"),
        png_of(Image.new("RGB", (40, 40)), "BMP"),
        png_of(Image.new("RGB", (400, 400), (9, 99, 199)))[:-60],  # truncated
    ],
    ids=["empty", "text", "gif", "bmp", "truncated-png"],
)
def test_anything_but_a_whole_png_or_jpeg_is_refused(data: bytes) -> None:
    with pytest.raises(ImageFormatError) as caught:
        read(data)
    assert caught.value.check == "image-format"


def test_the_image_must_be_the_item_named() -> None:
    data = png_of(Image.new("RGB", (10, 10)))
    with pytest.raises(SourceDigestError):
        read_text(data, source_sha256=hashlib.sha256(data + b"x").hexdigest())


def test_timeout_kills_the_engine(screen: tuple[bytes, TextLayer, dict]) -> None:
    data, _, _ = screen
    with pytest.raises(OcrTimeoutError) as caught:
        read(data, timeout_s=0.05)
    assert caught.value.check == "timeout"
    assert not _children_named("tesseract")


def _children_named(name: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        comm, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        if comm == name and int(rest[1]) == os.getpid():
            found.append(int(proc.name))
    return found


def test_a_missing_engine_or_language_is_a_typed_error() -> None:
    data = png_of(Image.new("RGB", (10, 10)))
    with pytest.raises(EngineMissingError) as caught:
        read(data, tesseract="no-such-tesseract-here")
    assert caught.value.check == "engine-missing"
    with pytest.raises(EngineMissingError):
        read(data, languages=("zzz",))


_TRACE_CALLS = "open,openat,openat2,creat,truncate,ftruncate,rename,renameat,renameat2,link,linkat,symlink,symlinkat"
_TRACE_CALLS += ",unlink,unlinkat,mkdir,mkdirat,rmdir,mknod,mknodat,execve"
_CHILD = """
import hashlib, json, sys
from evidence.capture.ocr import read_text
data = sys.stdin.buffer.read()
layer = read_text(data, source_sha256=hashlib.sha256(data).hexdigest())
print(json.dumps([w.text for w in layer.words]))
"""
_WRITE_FLAGS = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_TMPFILE")


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_no_plaintext_touches_disk(tmp_path: Path) -> None:
    """Every file system call of the reading and of tesseract is traced: nothing is created or written."""
    image, _ = chat_screen()
    data = png_of(image)
    tmp, home, cwd = tmp_path / "tmp", tmp_path / "home", tmp_path / "cwd"
    for folder in (tmp, home, cwd):
        folder.mkdir()
    trace = tmp_path / "strace.log"  # written by strace itself, which is outside what is checked
    env = dict(os.environ, TMPDIR=str(tmp), HOME=str(home), PYTHONDONTWRITEBYTECODE="1")
    for name in ("TEMP", "TMP", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        env.pop(name, None)
    done = subprocess.run(
        ["strace", "-f", "-qq", "-e", f"trace={_TRACE_CALLS}", "-o", str(trace), sys.executable, "-B", "-c", _CHILD],
        input=data,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert json.loads(done.stdout).count("@jay_k_2009") == 2  # the reading really happened under the trace
    log = trace.read_text()
    assert re.search(r'execve\("[^"]*/tesseract", \["[^"]*", "stdin", "stdout"', log)  # tesseract was traced too
    writes = []
    for line in log.splitlines():
        call = re.match(r"\d+\s+(\w+)\(", line)
        if call is None:
            continue
        name = call.group(1)
        if name in ("open", "openat", "openat2"):
            if _WRITE_FLAGS.search(line) and not re.search(r'"/dev/(null|tty|pts/\d+)"', line):
                writes.append(line)
        elif name != "execve" and "= -1" not in line:
            writes.append(line)
    assert writes == []
    for folder in (tmp, home, cwd):
        assert list(folder.rglob("*")) == [], folder.name
    signatures = (b"\x89PNG\r\n\x1a\n", b"P5\n", b"P6\n")
    for path in tmp_path.rglob("*"):
        if path.is_file() and path != trace:
            content = path.read_bytes()
            assert not any(sig in content for sig in signatures), path.name
