"""PNG encoding of captured frames: lossless, standard, deterministic, and fast enough for a 4K screen.

What it defends against:

- A PNG that a stock decoder reads differently from what we hashed: the output is the plainest PNG there is
  (signature, IHDR for 8-bit RGB non-interlaced, IDAT chunks, IEND; no metadata chunks, so no time, gamma or
  colour profile that a viewer might apply). ``pngtopnm x.png | sha256sum`` prints our ``pixels_sha256``.
- Bytes that depend on the machine: the frame is cut into stripes of a fixed number of rows
  (:data:`STRIPE_ROWS`), never by the number of CPUs, so the same pixels give the same bytes on any machine with
  the same deflate library version, whatever the thread count.
- A capture that keeps a hurried user waiting, or freezes the window: each stripe is deflated on its own
  (pigz-style: a fresh raw deflate stream per stripe, ending on a byte boundary with a full flush, the last one
  with the final block), on a small thread pool. The deflate library releases the GIL while it compresses, so
  stripes run on all cores and the UI thread keeps running. The stripes' concatenation is one valid zlib stream;
  its Adler-32 is combined from the stripes' checksums (:func:`adler32_combine`), which the library computes
  without the GIL too.

The deflate library is ISA-L (``isal``, module ``isal.isal_zlib``), chosen by measurement over the standard
library's zlib and zlib-ng (``bench/png_encoder.py``; figures in ``bench/RESULTS.md``): at 4K, ISA-L level 1 on
filter 0 ("None") rows is several times as fast as zlib level 1. The filter type was measured the same way
(:data:`FILTER`: "Up", each byte minus the one above it).
"""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from isal import isal_zlib
from PIL import Image, ImageChops

from evidence.core.errors import UsageError

__all__ = ["FILTER", "LEVEL", "STRIPE_ROWS", "adler32_combine", "bgrx_to_rgb", "encode_rgb", "in_background"]

LEVEL = 1
"""ISA-L compression level (0 to 3). See the module docstring."""

FILTER = 2
"""PNG filter type written before every row: 2 ("Up"), about a quarter smaller than 0 ("None") on photo-like
screens, the same on text, for ~15 ms more at 4K (``bench/png_encoder.py``)."""

STRIPE_ROWS = 128
"""Rows deflated as one independent stripe. Fixed, so that the bytes do not depend on the number of CPUs."""

MAX_IDAT = 1 << 20
"""Largest IDAT chunk written; the zlib stream is split across consecutive IDAT chunks of at most this size."""

_T = TypeVar("_T")
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ADLER_BASE = 65521
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def encode_rgb(rgb: bytes, width: int, height: int, *, filter_type: int = FILTER) -> bytes:
    """Encode packed 8-bit RGB rows (top to bottom, no padding) as a PNG file.

    Args:
        rgb: ``width * height * 3`` bytes.
        width: Image width in pixels.
        height: Image height in pixels.
        filter_type: The PNG filter written before every row: 0 ("None") or 2 ("Up"). Other values are for the
            benchmark that chose :data:`FILTER`; the app always uses the default.

    Raises:
        UsageError: The buffer does not hold a ``width`` x ``height`` RGB image, or the filter is not 0 or 2.
    """
    if width < 1 or height < 1 or len(rgb) != width * height * 3:
        raise UsageError(f"pixel buffer of {len(rgb)} bytes does not hold a {width}x{height} RGB image")
    if filter_type not in (0, 2):
        raise UsageError(f"PNG filter type {filter_type} is not supported (0 or 2)")
    view = memoryview(rgb)
    starts = range(0, height, STRIPE_ROWS)
    last = starts[-1]
    jobs = [(view, width, start, min(start + STRIPE_ROWS, height), start == last, filter_type) for start in starts]
    if len(jobs) == 1:
        parts = [_deflate_stripe(*jobs[0])]
    else:
        parts = list(_executor().map(lambda job: _deflate_stripe(*job), jobs))
    adler = 1
    for _, checksum, length in parts:
        adler = adler32_combine(adler, checksum, length)
    stream = b"".join([b"\x78\x01", *(data for data, _, _ in parts), struct.pack(">I", adler)])
    chunks = [_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))]
    chunks += [_chunk(b"IDAT", stream[i : i + MAX_IDAT]) for i in range(0, len(stream), MAX_IDAT)]
    chunks.append(_chunk(b"IEND", b""))
    return b"".join([_SIGNATURE, *chunks])


def bgrx_to_rgb(bgrx: bytes | bytearray | memoryview, width: int, height: int) -> bytes:
    """Packed RGB rows from a screen grab's B, G, R, X bytes per pixel (what mss returns), in row stripes on the
    thread pool: Pillow converts without the GIL, and stripes of a few MB reuse freed memory where one 33 MB image
    at 4K pages in fresh memory every time (27 against 46 ms at 4K when other work has just run, measured).

    Raises:
        UsageError: The buffer does not hold a ``width`` x ``height`` BGRX image.
    """
    if width < 1 or height < 1 or len(bgrx) != width * height * 4:
        raise UsageError(f"pixel buffer of {len(bgrx)} bytes does not hold a {width}x{height} BGRX image")
    view, stride = memoryview(bgrx), width * 4

    def stripe(start: int) -> bytes:
        stop = min(start + STRIPE_ROWS, height)
        part: Any = view[start * stride : stop * stride]  # Pillow reads any buffer; its stubs name bytes only
        return Image.frombuffer("RGB", (width, stop - start), part, "raw", "BGRX", 0, 1).tobytes()

    starts = range(0, height, STRIPE_ROWS)
    if len(starts) == 1:
        return stripe(0)
    return b"".join(_executor().map(stripe, starts))


def in_background(fn: Callable[..., _T], *args: Any) -> Future[_T]:
    """Run ``fn(*args)`` on the encoder's thread pool: for work that releases the GIL (hashing the pixels) to run
    beside the encoding. Never call :func:`encode_rgb` this way: its stripes would wait for the pool they hold."""
    return _executor().submit(fn, *args)


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 of ``a + b`` from ``adler32(a)``, ``adler32(b)`` and ``len(b)`` (as zlib's adler32_combine).

    Adler-32 is a pair (A, B): A is 1 plus the sum of the bytes, B the sum of A after each byte, both modulo
    65521. Running over ``b`` after ``a`` starts A at ``A(a)`` instead of 1, which adds ``A(a) - 1`` to A once
    and to B once per byte of ``b``.
    """
    a1, b1 = first & 0xFFFF, first >> 16
    a2, b2 = second & 0xFFFF, second >> 16
    a = (a1 + a2 - 1) % _ADLER_BASE
    b = (b1 + b2 + second_length * (a1 - 1)) % _ADLER_BASE
    return (b << 16) | a


def _deflate_stripe(
    view: memoryview, width: int, start: int, stop: int, final: bool, filter_type: int
) -> tuple[bytes, int, int]:
    """Filter rows ``start`` to ``stop`` and deflate them as raw deflate; return (data, adler32, length)."""
    stride = width * 3
    if filter_type == 2:
        filtered = memoryview(_up(view, width, start, stop))
        base = start
    else:
        filtered, base = view, 0
    tag = bytes([filter_type])
    rows = b"".join(
        [part for y in range(start - base, stop - base) for part in (tag, filtered[y * stride : (y + 1) * stride])]
    )
    compressor = isal_zlib.compressobj(LEVEL, isal_zlib.DEFLATED, -15)
    data = compressor.compress(rows) + compressor.flush(isal_zlib.Z_FINISH if final else isal_zlib.Z_FULL_FLUSH)
    return data, isal_zlib.adler32(rows), len(rows)


def _up(view: memoryview, width: int, start: int, stop: int) -> bytes:
    """The "Up" filter of rows ``start`` to ``stop``: each byte minus the byte above it, modulo 256 (row -1 is 0).

    Pillow's ``subtract_modulo`` does it in C without the GIL, on the stripe and the same stripe one row up.
    """
    stride, size = width * 3, (width, stop - start)
    here = Image.frombytes("RGB", size, view[start * stride : stop * stride])
    if start == 0:
        above = Image.new("RGB", size)
        if stop > 1:
            above.paste(Image.frombytes("RGB", (width, stop - 1), view[: (stop - 1) * stride]), (0, 1))
    else:
        above = Image.frombytes("RGB", size, view[(start - 1) * stride : (stop - 1) * stride])
    return ImageChops.subtract_modulo(here, above).tobytes()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", isal_zlib.crc32(body, isal_zlib.crc32(kind)))


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="png")
        return _pool
