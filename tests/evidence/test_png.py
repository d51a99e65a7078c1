"""The striped, parallel PNG encoder (issue 16): lossless, standard, deterministic, one valid zlib stream."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from evidence.capture import png as png_mod
from evidence.capture.png import STRIPE_ROWS, adler32_combine, encode_rgb
from evidence.core.errors import UsageError


def _noise(width: int, height: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(width * height * 3)


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, body) of every chunk, checking each length and CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    out, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body)
        out.append((kind, body))
        at += 12 + length
    assert at == len(data)
    return out


@given(st.binary(max_size=300), st.binary(max_size=300))
def test_adler32_combine_matches_zlib_over_the_concatenation(a: bytes, b: bytes) -> None:
    assert adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)


def test_adler32_combine_handles_long_runs_of_high_bytes() -> None:
    """The sums wrap modulo 65521 many times over."""
    a, b = b"\xff" * 100_000, b"\xfe" * 70_001
    assert adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)


@pytest.mark.parametrize(
    ("width", "height"),
    [(1, 1), (37, 23), (300, 2), (5, STRIPE_ROWS), (5, STRIPE_ROWS + 1), (17, 3 * STRIPE_ROWS - 1), (2, 1000)],
)
def test_png_is_plain_and_decodes_to_exactly_the_pixels(width: int, height: int) -> None:
    rgb = _noise(width, height)
    data = encode_rgb(rgb, width, height)
    chunks = _chunks(data)
    kinds = [kind for kind, _ in chunks]
    assert kinds[0] == b"IHDR"
    assert kinds[-1] == b"IEND"
    assert set(kinds[1:-1]) == {b"IDAT"}  # nothing else: no time, gamma, profile or text
    assert chunks[0][1] == struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, not interlaced
    assert chunks[-1][1] == b""
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))  # one stream, Adler-32 checked
    stride = width * 3 + 1
    assert len(raw) == height * stride
    assert {raw[y * stride] for y in range(height)} == {png_mod.FILTER}
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGB", (width, height))
        assert image.tobytes() == rgb
        assert image.info == {}


def test_png_splits_a_large_stream_into_idat_chunks_of_bounded_size() -> None:
    rgb = _noise(800, 600)  # noise hardly compresses: about 1.4 MB of zlib stream
    chunks = _chunks(encode_rgb(rgb, 800, 600))
    idats = [body for kind, body in chunks if kind == b"IDAT"]
    assert len(idats) >= 2
    assert all(len(body) <= png_mod.MAX_IDAT for body in idats)
    with Image.open(io.BytesIO(encode_rgb(rgb, 800, 600))) as image:
        assert image.tobytes() == rgb


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 40), st.integers(1, 2 * STRIPE_ROWS + 3), st.integers(0, 2**32))
def test_png_round_trips_any_small_shape(width: int, height: int, seed: int) -> None:
    rgb = _noise(width, height, seed)
    with Image.open(io.BytesIO(encode_rgb(rgb, width, height))) as image:
        assert image.tobytes() == rgb


def test_png_bytes_do_not_depend_on_the_thread_count(monkeypatch: pytest.MonkeyPatch) -> None:
    rgb = _noise(64, 3 * STRIPE_ROWS + 5, seed=3)
    threaded = encode_rgb(rgb, 64, 3 * STRIPE_ROWS + 5)
    monkeypatch.setattr(png_mod, "_pool", None)
    monkeypatch.setattr(png_mod.os, "cpu_count", lambda: 1)
    assert encode_rgb(rgb, 64, 3 * STRIPE_ROWS + 5) == threaded
    assert encode_rgb(rgb, 64, 3 * STRIPE_ROWS + 5) != encode_rgb(_noise(64, 3 * STRIPE_ROWS + 5), 64, 389)


@pytest.mark.parametrize(("size", "width", "height"), [(0, 0, 0), (9, 2, 2), (13, 2, 2), (12, 4, -1)])
def test_png_refuses_a_buffer_that_does_not_fit(size: int, width: int, height: int) -> None:
    with pytest.raises(UsageError):
        encode_rgb(bytes(size), width, height)


@pytest.mark.parametrize("filter_type", [1, 3, 4, 5, -1])
def test_png_refuses_a_filter_it_does_not_write(filter_type: int) -> None:
    with pytest.raises(UsageError):
        encode_rgb(bytes(12), 2, 2, filter_type=filter_type)


@pytest.mark.parametrize("filter_type", [0, 2])
@pytest.mark.parametrize(("width", "height"), [(1, 1), (3, 2), (29, STRIPE_ROWS + 7)])
def test_each_supported_filter_round_trips(filter_type: int, width: int, height: int) -> None:
    """Filter 2 ("Up") subtracts the row above; the first row of the image and of every stripe are the edge cases."""
    rgb = _noise(width, height, seed=width)
    data = encode_rgb(rgb, width, height, filter_type=filter_type)
    raw = zlib.decompress(b"".join(body for kind, body in _chunks(data) if kind == b"IDAT"))
    stride = width * 3
    rows = [raw[y * (stride + 1) : (y + 1) * (stride + 1)] for y in range(height)]
    assert {row[0] for row in rows} == {filter_type}
    for y, row in enumerate(rows):  # undo the filter by hand, as the PNG specification says
        above = rgb[(y - 1) * stride : y * stride] if y and filter_type == 2 else bytes(stride)
        assert bytes((v + a) % 256 for v, a in zip(row[1:], above, strict=True)) == rgb[y * stride : (y + 1) * stride]
    with Image.open(io.BytesIO(data)) as image:
        assert image.tobytes() == rgb


@pytest.mark.parametrize(("width", "height"), [(1, 1), (3, 2), (7, STRIPE_ROWS), (5, 2 * STRIPE_ROWS + 9)])
def test_bgrx_to_rgb_swaps_and_drops_the_fourth_byte_in_every_stripe(width: int, height: int) -> None:
    bgrx = _noise(width, height * 4, seed=height)[: width * height * 4]
    want = b"".join(bgrx[i + 2 : i + 3] + bgrx[i + 1 : i + 2] + bgrx[i : i + 1] for i in range(0, len(bgrx), 4))
    assert png_mod.bgrx_to_rgb(bgrx, width, height) == want
    assert png_mod.bgrx_to_rgb(bytearray(bgrx), width, height) == want


@pytest.mark.parametrize(("size", "width", "height"), [(0, 0, 0), (12, 2, 2), (17, 2, 2), (16, 4, -1)])
def test_bgrx_to_rgb_refuses_a_buffer_that_does_not_fit(size: int, width: int, height: int) -> None:
    with pytest.raises(UsageError):
        png_mod.bgrx_to_rgb(bytes(size), width, height)
