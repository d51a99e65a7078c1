"""Which PNG encoder the capture path uses: deflate library, PNG filter and stripes, on synthetic screens.

Candidates, all lossless 8-bit RGB PNGs with nothing but IHDR, IDAT and IEND:

- **mss** = ``mss.tools.to_png`` at zlib level 1, filter 0, one stream on one core (the encoder before issue 16);
- **pillow** = Pillow ``save(PNG, compress_level=1)`` (its own filter choice, one core);
- **zlib / zlib-ng / isal** = ``evidence.capture.png.encode_rgb``'s scheme (stripes of ``STRIPE_ROWS`` rows, each
  deflated on its own on a thread pool, one zlib stream) with that library at level 1, filter 0 ("None") or
  2 ("Up"); ``isal 1 thread`` is the same with one worker, to show what the threads add.

Each figure is the median of 7 encodes of one frame after one warm-up; every output is decoded with Pillow and
compared with the pixels. ``--quick`` measures 1920x1080 only.
"""

from __future__ import annotations

import io
import sys
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any

import mss.tools
from benchlib import Table, median, ms, parse_quick, progress, repeat
from frames import photo_frame, text_frame
from isal import isal_zlib
from PIL import Image

try:  # only compared here, not a dependency of the app: `pip install zlib-ng` to include it
    from zlib_ng import zlib_ng
except ImportError:
    zlib_ng = None

from evidence.capture import png as png_mod

SIZES = [(1920, 1080), (3840, 2160)]
KINDS = [("text", text_frame), ("photo", photo_frame)]
RUNS = 7


def enc_mss(rgb: bytes, w: int, h: int) -> bytes:
    """The encoder before issue 16."""
    return bytes(mss.tools.to_png(rgb, (w, h), level=1) or b"")


def enc_pillow(rgb: bytes, w: int, h: int) -> bytes:
    """Pillow's PNG writer at level 1."""
    buf = io.BytesIO()
    Image.frombytes("RGB", (w, h), rgb).save(buf, "PNG", compress_level=1)
    return buf.getvalue()


class _Library:
    """Stand-in for ``isal_zlib`` inside ``evidence.capture.png`` so the same scheme runs on another library."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module

    def __getattr__(self, name: str) -> Any:
        if name == "compressobj":
            return lambda level, method, wbits: self.module.compressobj(1, method, wbits)
        return getattr(self.module, name)


def striped(library: ModuleType, filter_type: int, threads: int | None = None) -> Callable[[bytes, int, int], bytes]:
    """``encode_rgb`` with ``library`` in place of ISA-L (level 1), the given filter and pool size."""

    def encode(rgb: bytes, w: int, h: int) -> bytes:
        saved_lib, saved_pool = png_mod.isal_zlib, png_mod._pool
        png_mod.isal_zlib = _Library(library)  # type: ignore[assignment]
        if threads is not None:
            png_mod._pool = ThreadPoolExecutor(threads)
        try:
            return png_mod.encode_rgb(rgb, w, h, filter_type=filter_type)
        finally:
            if threads is not None and png_mod._pool is not None:
                png_mod._pool.shutdown()
            png_mod.isal_zlib, png_mod._pool = saved_lib, saved_pool

    return encode


def candidates() -> list[tuple[str, Callable[[bytes, int, int], bytes]]]:
    """Every encoder measured, the one the app uses last."""
    return [
        ("mss (before)", enc_mss),
        ("pillow", enc_pillow),
        ("zlib, filter 0", striped(zlib, 0)),
        *(
            [("zlib-ng, filter 0", striped(zlib_ng, 0)), ("zlib-ng, filter 2", striped(zlib_ng, 2))]
            if zlib_ng is not None
            else []
        ),
        ("isal, filter 0", striped(isal_zlib, 0)),
        ("isal, filter 0, 1 thread", striped(isal_zlib, 0, threads=1)),
        ("isal, filter 2, 1 thread", striped(isal_zlib, 2, threads=1)),
        ("isal, filter 2", striped(isal_zlib, 2)),
        (f"the app's (isal, filter {png_mod.FILTER})", lambda rgb, w, h: png_mod.encode_rgb(rgb, w, h)),
    ]


def run(quick: bool) -> list[Table]:
    """Measure every candidate on every frame; return one table."""
    table = Table(
        f"PNG encoders on synthetic screens (median of {RUNS})",
        ["screen", "content", "encoder", "time", "MB", "time vs mss", "size vs mss"],
    )
    for w, h in SIZES[:1] if quick else SIZES:
        for kind, make in KINDS:
            progress(f"PNG encoders, {w}x{h} {kind}")
            rgb = make(w, h).tobytes()
            base: tuple[float, int] | None = None
            for name, encode in candidates():
                out = encode(rgb, w, h)
                with Image.open(io.BytesIO(out)) as image:
                    if image.tobytes() != rgb:
                        raise RuntimeError(f"{name} is not lossless")
                seconds = median(repeat(_call(encode, rgb, w, h), RUNS))
                base = base or (seconds, len(out))
                table.add(
                    f"{w}x{h}",
                    kind,
                    name,
                    ms(seconds),
                    f"{len(out) / 1e6:.2f}",
                    f"{seconds / base[0]:.2f}x",
                    f"{len(out) / base[1]:.2f}x",
                )
    table.notes += [
        f"zlib {zlib.ZLIB_RUNTIME_VERSION}, zlib-ng {zlib_ng.ZLIBNG_VERSION if zlib_ng else 'not installed'}, "
        f"isal {_isal_version()}; "
        f"stripes of {png_mod.STRIPE_ROWS} rows on a pool of up to 4 threads; filter 2 = PNG 'Up' "
        "(each byte minus the byte above, Pillow ImageChops.subtract_modulo per stripe).",
    ]
    return [table]


def _call(encode: Callable[[bytes, int, int], bytes], rgb: bytes, w: int, h: int) -> Callable[[], None]:
    def once() -> None:
        encode(rgb, w, h)

    return once


def _isal_version() -> str:
    import isal

    return str(getattr(isal, "__version__", "?"))


def main() -> None:
    """Print the table."""
    for table in run(parse_quick(__doc__ or "")):
        print(table.render())


if __name__ == "__main__":
    sys.exit(main())
