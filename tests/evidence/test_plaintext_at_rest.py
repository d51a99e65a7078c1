"""No plaintext at rest: after a full staff session in the real app, no image and no personal string is on disk.

Issue "Benchmarks and adversarial suites" (adversarial part). The session (``tests/ui/plaintext_session_driver.py``)
runs in its own process, so that HOME, TMPDIR and the XDG_* folders can point at fresh folders before Qt starts
(pytest-qt's QApplication in this process has long read them). Afterwards every file under the data dir (the
vault and its WAL, the identity, the sealed bundle in the outbox), the temporary folder, the working directory,
HOME with its XDG cache, config and data folders, and every writable QStandardPaths location Qt reports is
scanned for PNG and JPEG signatures, for raw slices of the two received images, and for the personal strings
typed into the form (as UTF-8 and UTF-16). The received source files themselves lie outside these folders. An
audit hook in the session also lists every path Python code wrote during it: all of them are in the data dir,
so no temporary file came and went before the scan.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from evidence.crypto import ageio

pytestmark = pytest.mark.skipif(importlib.util.find_spec("PySide6") is None, reason="the session needs PySide6")

DRIVER = Path(__file__).resolve().parents[1] / "ui" / "plaintext_session_driver.py"
PERSONAL = {
    "title": "Threats against Alexandra Quinlan-Marsh",
    "target": "Alexandra Quinlan-Marsh",
    "handle": "@qz_bully_7731",
    "description": "Messages sent to Alexandra at Oakfield Primary after the Larkspur Lane fight",
    "reported_to": "Mr Tobias Wren",
    "provided_by": "Mrs Quinlan-Marsh, mother of the pupil",
    "caption": "The reply from @qz_bully_7731 at 21:14",
    "reason": "shows my own home address, 14 Larkspur Lane",
}
NEEDLES = ["Quinlan-Marsh", "qz_bully_7731", "Oakfield Primary", "Larkspur Lane", "Tobias Wren", "mother of the pupil"]
SIGNATURES = {
    "PNG": b"\x89PNG\r\n\x1a\n",
    "JPEG/JFIF": b"\xff\xd8\xff\xe0",
    "JPEG/Exif": b"\xff\xd8\xff\xe1",
    "JPEG/raw": b"\xff\xd8\xff\xdb",
    "JPEG/Adobe": b"\xff\xd8\xff\xee",
}


def images(folder: Path) -> tuple[Path, Path]:
    """A PNG and a JPEG with varied pixels, as a pupil might show."""
    img = Image.new("RGB", (120, 80))
    img.putdata([((x * 13 + y) % 256, (y * 7) % 256, (x * y) % 256) for y in range(80) for x in range(120)])
    png, jpeg = folder / "from-pupil.png", folder / "from-parent.jpg"
    img.save(png)
    img.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(jpeg, "JPEG", quality=85)
    return png, jpeg


def needles(png: Path, jpeg: Path) -> dict[str, bytes]:
    """Everything that must not be found: signatures, raw slices of the images, personal strings."""
    out = dict(SIGNATURES)
    for path in (png, jpeg):
        data = path.read_bytes()
        out[f"bytes of {path.name}"] = data[len(data) // 2 : len(data) // 2 + 48]
    pixels = Image.open(io.BytesIO(png.read_bytes())).convert("RGB").tobytes()
    out["decoded pixels"] = pixels[len(pixels) // 2 : len(pixels) // 2 + 48]
    for text in NEEDLES:
        for codec in ("utf-8", "utf-16-le", "utf-16-be"):
            out[f"{text!r} ({codec})"] = text.encode(codec)
    return out


def scan(folders: list[Path], find: dict[str, bytes]) -> list[str]:
    """``path: what`` for every needle found in a file under ``folders``."""
    found = []
    seen: set[Path] = set()
    for folder in folders:
        for root, _dirs, files in os.walk(folder):
            for name in files:
                path = Path(root, name)
                if path in seen or path.is_symlink() or not path.is_file():
                    continue
                seen.add(path)
                data = path.read_bytes()
                found += [f"{path}: {what}" for what, needle in find.items() if needle in data]
    return found


@pytest.mark.slow
def test_no_plaintext_at_rest_after_a_staff_session(tmp_path: Path) -> None:
    root, source = tmp_path / "machine", tmp_path / "source"
    source.mkdir()
    png, jpeg = images(source)
    folders = {name: root / name for name in ("data", "tmp", "home", "cwd", "cache", "config", "share", "runtime")}
    for folder in folders.values():
        folder.mkdir(parents=True, mode=0o700)
    repo = Path(__file__).resolve().parents[2]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("XDG_")},
        "PYTHONPATH": str(repo),
        "QT_QPA_PLATFORM": "offscreen",
        "EVIDENCE_CAPTURE_TESTING": "1",
        "HOME": str(folders["home"]),
        "TMPDIR": str(folders["tmp"]),
        "XDG_CACHE_HOME": str(folders["cache"]),
        "XDG_CONFIG_HOME": str(folders["config"]),
        "XDG_DATA_HOME": str(folders["share"]),
        "XDG_RUNTIME_DIR": str(folders["runtime"]),
    }
    done = subprocess.run(
        [sys.executable, str(DRIVER), str(folders["data"]), str(png), str(jpeg), json.dumps(PERSONAL)],
        cwd=folders["cwd"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    report = json.loads(done.stdout.strip().splitlines()[-1])
    locations = [Path(p) for p in report["locations"].values() if p]
    outside = [str(p) for p in locations if not p.is_relative_to(root)]
    assert outside == [], "Qt would write outside the scanned folders"
    bundle = Path(report["bundle"])
    assert bundle.is_relative_to(folders["data"])
    assert ageio.is_age_file(bundle.read_bytes()[:64])
    assert (png.read_bytes(), jpeg.read_bytes()) != (b"", b"")  # the sources are untouched, and not scanned
    find = needles(png, jpeg)
    assert scan([source], find), "the scanner must find the sources' own signatures (else it proves nothing)"
    assert scan([root, *locations], find) == []
    written = [Path(p) for p in report["written"] if p != os.devnull]
    assert written, written
    assert all(p.is_relative_to(folders["data"]) for p in written), written  # no transient files
