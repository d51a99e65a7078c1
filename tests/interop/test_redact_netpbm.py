"""Redacted copies checked with netpbm: every sample inside a box is 0, every pixel outside is the original's, and
the digests in the record are what ``sha256sum`` and ``pngtopnm | sha256sum`` print (issue 17)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from redactions import BOXES, chat_image, inside, jpeg_of, png_of

from evidence.capture.redact import Box, BoxReason, redact

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        any(shutil.which(t) is None for t in ("pngtopnm", "jpegtopnm", "pnmcut", "pamsumm", "sha256sum", "sh")),
        reason="needs netpbm and sha256sum",
    ),
]


def _sh(command: str, cwd: Path) -> bytes:
    done = subprocess.run(["sh", "-c", command], cwd=cwd, capture_output=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def _ppm(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and RGB of a binary PPM as netpbm writes it (maxval 255)."""
    fields = data.split(maxsplit=4)
    assert fields[0] == b"P6"
    assert fields[3] == b"255"
    width, height, rgb = int(fields[1]), int(fields[2]), fields[4]
    assert len(rgb) == width * height * 3
    return width, height, rgb


@pytest.mark.parametrize("kind", ["png", "jpeg"])
def test_netpbm_sees_black_boxes_and_untouched_pixels_elsewhere(tmp_path: Path, kind: str) -> None:
    original = png_of(chat_image()) if kind == "png" else jpeg_of(chat_image())
    name = f"original.{'png' if kind == 'png' else 'jpg'}"
    to_pnm = "pngtopnm" if kind == "png" else "jpegtopnm -quiet"
    (tmp_path / name).write_bytes(original)
    result = redact(original, BOXES)
    (tmp_path / "redacted.png").write_bytes(result.png)
    record = result.record

    assert _sh(f"sha256sum {name}", tmp_path).split()[0].decode() == record.parent_sha256
    assert _sh("sha256sum redacted.png", tmp_path).split()[0].decode() == record.png_sha256
    assert _sh("pngtopnm redacted.png | sha256sum", tmp_path).split()[0].decode() == record.pixels_sha256
    if kind == "png":
        assert _sh(f"pngtopnm {name} | sha256sum", tmp_path).split()[0].decode() == record.parent_pixels_sha256

    for box in BOXES:
        cut = f"pnmcut -left {box.x} -top {box.y} -width {box.w} -height {box.h} | pamsumm -max -brief"
        assert _sh(f"pngtopnm redacted.png | {cut}", tmp_path).strip() == b"0"
        assert int(_sh(f"{to_pnm} {name} | {cut}", tmp_path)) > 0  # there was something to remove

    width, height, before = _ppm(_sh(f"{to_pnm} {name}", tmp_path))
    assert (width, height) == (record.width, record.height)
    _, _, after = _ppm(_sh("pngtopnm redacted.png", tmp_path))
    for y in range(height):
        for x in range(width):
            i = (y * width + x) * 3
            assert after[i : i + 3] == (b"\0\0\0" if inside(x, y) else before[i : i + 3]), (x, y)

    assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == record.parent_sha256  # original unchanged


def test_a_redaction_of_the_redacted_copy_still_checks(tmp_path: Path) -> None:
    """Redacting twice (a second reviewer adds a box) keeps both boxes black, as netpbm sees it."""
    first = redact(png_of(chat_image()), BOXES[:1])
    second = redact(first.png, (Box(100, 60, 10, 10, BoxReason.THIRD_PARTY_CONTACT),))
    (tmp_path / "twice.png").write_bytes(second.png)
    for box in (BOXES[0], second.record.boxes[0]):
        cut = f"pnmcut -left {box.x} -top {box.y} -width {box.w} -height {box.h} | pamsumm -max -brief"
        assert _sh(f"pngtopnm twice.png | {cut}", tmp_path).strip() == b"0"
    assert second.record.parent_sha256 == first.record.png_sha256
