"""Which PNG encoder the capture path uses: mss.tools.to_png against Pillow, both at level 1 (median of 7)."""

from __future__ import annotations

import io
import statistics
import sys
import time
import zlib
from pathlib import Path

import mss.tools
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from frames import photo_frame, text_frame


def enc_mss(rgb: bytes, w: int, h: int) -> bytes:
    return bytes(mss.tools.to_png(rgb, (w, h), level=1) or b"")


def enc_pil(rgb: bytes, w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.frombuffer("RGB", (w, h), rgb, "raw", "RGB", 0, 1).save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def main() -> None:
    print(f"zlib {zlib.ZLIB_RUNTIME_VERSION}")
    print(f"{'frame':<10} {'kind':<6} {'mss ms':>8} {'MB':>6} {'pillow ms':>10} {'MB':>6} {'ratio':>6}")
    for w, h in [(1920, 1080), (3840, 2160)]:
        for kind, make in [("text", text_frame), ("photo", photo_frame)]:
            rgb = make(w, h).tobytes()
            row = []
            for enc in (enc_mss, enc_pil):
                times = []
                for _ in range(7):
                    t = time.perf_counter()
                    out = enc(rgb, w, h)
                    times.append(time.perf_counter() - t)
                assert Image.open(io.BytesIO(out)).tobytes() == rgb
                row.append((statistics.median(times) * 1000, len(out) / 1e6))
            (a, asz), (b, bsz) = row
            print(f"{w}x{h:<5} {kind:<6} {a:8.1f} {asz:6.2f} {b:10.1f} {bsz:6.2f} {a / b:6.2f}")


if __name__ == "__main__":
    main()
