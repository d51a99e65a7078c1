"""Redacted copies: pixels inside the boxes really gone, nothing of the original's metadata left, the original
untouched, a strict record, and nothing written to disk (issue 17)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin
from redactions import BOXES, SECRET, chat_image, inside, jpeg_of, png_of

from evidence.capture import redact as redact_module
from evidence.capture.received import receive_bytes
from evidence.capture.redact import (
    FORMAT,
    KIND,
    Box,
    BoxReason,
    Method,
    Redaction,
    RedactionError,
    check,
    decode,
    redact,
)
from evidence.capture.screen import pixels_sha256
from evidence.core import canonical
from evidence.core.errors import UsageError


def chunks(png: bytes) -> list[bytes]:
    """The chunk types of a PNG, checking every CRC."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, types = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        body = png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc
        types.append(kind)
        pos += 12 + length
    return types


def test_pixels_inside_are_black_outside_are_the_originals() -> None:
    original = png_of(chat_image())
    before = hashlib.sha256(original).hexdigest()
    result = redact(original, BOXES)
    assert hashlib.sha256(original).hexdigest() == before
    source = decode(original)
    copy = decode(result.png)
    assert (copy.width, copy.height) == (source.width, source.height) == (160, 90)
    changed = 0
    for y in range(90):
        for x in range(160):
            i = (y * 160 + x) * 3
            if inside(x, y):
                assert copy.rgb[i : i + 3] == b"\0\0\0"
                changed += source.rgb[i : i + 3] != b"\0\0\0"
            else:
                assert copy.rgb[i : i + 3] == source.rgb[i : i + 3]
    assert changed == sum(inside(x, y) for y in range(90) for x in range(160))  # nothing there was black before


def test_record_links_the_copy_to_its_original() -> None:
    original = png_of(chat_image())
    result = redact(original, BOXES)
    record = result.record
    received = receive_bytes(original, original_name="x.png", provided_by="Parent", how="e-mail")
    assert record.parent_sha256 == hashlib.sha256(original).hexdigest() == received.sha256
    assert record.parent_pixels_sha256 == received.pixels_sha256
    assert record.parent_media_type == "image/png"
    assert record.png_sha256 == hashlib.sha256(result.png).hexdigest()
    copy = decode(result.png)
    assert record.pixels_sha256 == pixels_sha256(copy.rgb, copy.width, copy.height)
    assert (record.width, record.height, record.boxes, record.method) == (160, 90, BOXES, Method.SOLID_FILL)
    value = json.loads(record.to_bytes())
    assert value["format"] == FORMAT
    assert value["kind"] == KIND == "redacted"
    assert value["method"] == "solid fill"
    assert Redaction.parse(record.to_bytes()) == record
    check(original, result.png, record)


def test_the_copy_is_a_fresh_png_with_no_trace_of_the_originals_metadata() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", SECRET)
    info.add_text("Comment", f"{SECRET} sent this", zip=True)
    info.add_itxt("Description", f"screenshot of {SECRET}", lang="en", tkey="Beschreibung")
    exif = Image.Exif()
    exif[0x010E] = f"{SECRET} on his phone"  # ImageDescription
    img = chat_image(mode="RGBA")
    original = png_of(img, pnginfo=info, exif=exif, icc_profile=b"\0" * 128 + SECRET.encode(), dpi=(300, 300))
    assert original.count(SECRET.encode()) >= 3
    assert {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP", b"pHYs"} <= set(chunks(original))
    result = redact(original, BOXES)
    assert set(chunks(result.png)) == {b"IHDR", b"IDAT", b"IEND"}
    assert result.png[25] == 2  # colour type 2: RGB, no alpha channel
    assert SECRET.encode() not in zlib.decompress(b"".join(_idat(result.png)))
    assert SECRET.encode() not in result.png
    with Image.open(io.BytesIO(result.png)) as back:
        assert back.mode == "RGB"
        assert not back.info
        assert not back.getexif()


def _idat(png: bytes) -> list[bytes]:
    pos, out = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        if png[pos + 4 : pos + 8] == b"IDAT":
            out.append(png[pos + 8 : pos + 8 + length])
        pos += 12 + length
    return out


def test_jpeg_original_outside_pixels_equal_the_decoded_jpegs() -> None:
    exif = Image.Exif()
    exif[0x013B] = SECRET  # Artist
    original = jpeg_of(chat_image(), exif=exif, comment=f"from {SECRET}".encode())
    assert original.count(SECRET.encode()) == 2
    result = redact(original, BOXES)
    assert result.record.parent_media_type == "image/jpeg"
    with Image.open(io.BytesIO(original)) as img:
        decoded = img.convert("RGB").tobytes()
    copy = decode(result.png).rgb
    for y in range(90):
        for x in range(160):
            i = (y * 160 + x) * 3
            assert copy[i : i + 3] == (b"\0\0\0" if inside(x, y) else decoded[i : i + 3])
    assert SECRET.encode() not in result.png
    assert set(chunks(result.png)) == {b"IHDR", b"IDAT", b"IEND"}
    check(original, result.png, result.record)


def test_the_same_redaction_gives_the_same_bytes() -> None:
    original = png_of(chat_image())
    assert redact(original, BOXES).png == redact(original, BOXES).png


def test_a_box_covering_the_whole_image_leaves_nothing() -> None:
    result = redact(png_of(chat_image()), (Box(0, 0, 160, 90, BoxReason.OTHER_PERSONAL_DATA),))
    assert decode(result.png).rgb == bytes(160 * 90 * 3)


@pytest.mark.parametrize(
    "boxes",
    [
        (),
        (Box(150, 0, 11, 5, BoxReason.THIRD_PARTY_NAME),),
        (Box(0, 85, 5, 6, BoxReason.THIRD_PARTY_NAME),),
        (Box(0, 0, 5, 5, BoxReason.THIRD_PARTY_NAME),) * (redact_module.MAX_BOXES + 1),
    ],
)
def test_boxes_must_be_inside_and_not_too_many(boxes: tuple[Box, ...]) -> None:
    with pytest.raises(RedactionError) as e:
        redact(png_of(chat_image()), boxes)
    assert e.value.check == "boxes"


@pytest.mark.parametrize(
    "kw",
    [
        {"w": 0},
        {"h": 0},
        {"x": -1},
        {"y": -1},
        {"x": 1.5},
        {"w": True},
        {"reason": "third-party-name"},
        {"reason": BoxReason.OTHER},
        {"note": "two\nlines"},
        {"note": "x" * 201},
    ],
)
def test_malformed_boxes_are_refused(kw: dict[str, object]) -> None:
    base: dict[str, object] = {"x": 1, "y": 1, "w": 2, "h": 2, "reason": BoxReason.THIRD_PARTY_NAME}
    with pytest.raises(UsageError):
        Box(**{**base, **kw})  # type: ignore[arg-type]


def _apng() -> bytes:
    out = io.BytesIO()
    frames = [chat_image(), Image.new("RGB", (160, 90), (1, 2, 3))]
    frames[0].save(out, "PNG", save_all=True, append_images=frames[1:])
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"GIF89a" + b"\0" * 100, "format"),
        (b"not an image", "format"),
        (png_of(chat_image())[:300], "decode"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "decode"),
        (b"\xff\xd8\xff" + b"\0" * 50, "decode"),
    ],
)
def test_bad_originals_are_refused_by_check(data: bytes, expected: str) -> None:
    with pytest.raises(RedactionError) as e:
        redact(data, BOXES[:1])
    assert e.value.check == expected


def test_an_animated_png_is_refused() -> None:
    with pytest.raises(RedactionError) as e:
        redact(_apng(), BOXES[:1])
    assert e.value.check == "format"


def test_a_jpeg_sniffed_as_png_is_refused() -> None:
    data = b"\x89PNG\r\n\x1a\n" + jpeg_of(chat_image())
    with pytest.raises(RedactionError) as e:
        redact(data, BOXES[:1])
    assert e.value.check == "decode"


def test_size_caps_apply_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    data = png_of(chat_image())
    monkeypatch.setattr(redact_module, "MAX_RECEIVED_PIXELS", 160 * 90 - 1)
    with pytest.raises(RedactionError) as e:
        redact(data, BOXES[:1])
    assert e.value.check == "size cap"
    monkeypatch.setattr(redact_module, "MAX_RECEIVED_BYTES", len(data) - 1)
    with pytest.raises(RedactionError) as e:
        redact(data, BOXES[:1])
    assert e.value.check == "size cap"


def _record_dict() -> dict[str, object]:
    return json.loads(redact(png_of(chat_image()), BOXES).record.to_bytes())  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "change",
    [
        lambda v: {**v, "extra": 1},
        lambda v: {**v, "kind": "crop"},
        lambda v: {**v, "method": "blur"},
        lambda v: {**v, "png_sha256": "AB" * 32},
        lambda v: {**v, "width": 0},
        lambda v: {**v, "boxes": []},
        lambda v: {**v, "boxes": [{**v["boxes"][0], "x": 150}]},
        lambda v: {**v, "boxes": [{**v["boxes"][0], "reason": "because"}]},
        lambda v: {**v, "boxes": [{**v["boxes"][0], "w": "60"}]},
        lambda v: {**v, "derived_from": {**v["derived_from"], "media_type": "image/gif"}},
        lambda v: {**v, "derived_from": {**v["derived_from"], "size": 1}},
    ],
)
def test_record_parse_is_strict(change: object) -> None:
    value = change(_record_dict())  # type: ignore[operator]
    with pytest.raises(RedactionError) as e:
        Redaction.parse(canonical.dumps(value))
    assert e.value.check == "record"


def test_record_parse_refuses_non_canonical_bytes() -> None:
    text = json.dumps(_record_dict(), indent=1).encode()
    with pytest.raises(RedactionError) as e:
        Redaction.parse(text)
    assert e.value.check == "record"


def test_check_names_what_does_not_match() -> None:
    original = png_of(chat_image())
    result = redact(original, BOXES)
    other = png_of(chat_image((160, 91)))
    with pytest.raises(RedactionError) as e:
        check(other, result.png, result.record)
    assert e.value.check == "parent"
    with pytest.raises(RedactionError) as e:
        check(original, result.png + b"\0", result.record)
    assert e.value.check == "png digest"
    # A copy whose boxes were not really blacked out, with a record rewritten to match its file digests.
    fake = redact(original, (Box(0, 0, 1, 1, BoxReason.THIRD_PARTY_NAME),))
    forged = Redaction(**{**result.record.__dict__, "png_sha256": fake.record.png_sha256})
    with pytest.raises(RedactionError) as e:
        check(original, fake.png, forged)
    assert e.value.check == "pixels"


_TRACE_CALLS = "open,openat,openat2,creat,truncate,ftruncate,rename,renameat,renameat2,link,linkat,symlink,symlinkat"
_TRACE_CALLS += ",unlink,unlinkat,mkdir,mkdirat,rmdir,mknod,mknodat"
_WRITE_FLAGS = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_TMPFILE")
_CHILD = """
import hashlib, sys
from evidence.capture.redact import Box, BoxReason, redact
data = sys.stdin.buffer.read()
result = redact(data, [Box(8, 8, 60, 14, BoxReason.THIRD_PARTY_NAME)])
print(result.record.png_sha256, hashlib.sha256(result.png).hexdigest())
"""


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
@pytest.mark.parametrize("kind", ["png", "jpeg"])
def test_redacting_writes_nothing_to_disk(tmp_path: Path, kind: str) -> None:
    data = png_of(chat_image()) if kind == "png" else jpeg_of(chat_image())
    tmp, home, cwd = tmp_path / "tmp", tmp_path / "home", tmp_path / "cwd"
    for folder in (tmp, home, cwd):
        folder.mkdir()
    trace = tmp_path / "strace.log"
    env = dict(os.environ, TMPDIR=str(tmp), HOME=str(home), PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run(
        ["strace", "-f", "-qq", "-e", f"trace={_TRACE_CALLS}", "-o", str(trace), sys.executable, "-B", "-c", _CHILD],
        input=data,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    first, second = done.stdout.split()
    assert first == second  # the redaction really ran under the trace
    writes = []
    for line in trace.read_text().splitlines():
        call = re.match(r"\d+\s+(\w+)\(", line)
        if call is None:
            continue
        if call.group(1) in ("open", "openat", "openat2"):
            if _WRITE_FLAGS.search(line) and not re.search(r'"/dev/(null|tty|pts/\d+)"', line):
                writes.append(line)
        elif "= -1" not in line:
            writes.append(line)
    assert writes == []
    for folder in (tmp, home, cwd):
        assert list(folder.rglob("*")) == []
