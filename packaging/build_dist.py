"""Build the one-folder application with PyInstaller (``make dist``), skipping the build when nothing changed.

A PyInstaller build takes a minute or two on a small machine, and the test session and ``make dist`` would
otherwise each pay it. A stamp beside the output records a SHA-256 over every input: the spec and entry script,
every file of the packages that go into the build, the user guides and their screenshots, ``pyproject.toml``, the
Python version and every installed distribution with its version (PyInstaller, PySide6, …). The build is reused
only when the stamp matches and the folder is complete, so a stale build is never used; anything else rebuilds
from clean.

Usage: ``python packaging/build_dist.py [--dist DIR] [--work DIR]``; prints the folder's path.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "evidence-capture.spec"
PACKAGES = ("app", "ui", "evidence", "resources")
INPUTS = (SPEC, ROOT / "packaging" / "entry.py", ROOT / "pyproject.toml")
NAME = "evidence-capture"


def input_digest() -> str:
    """SHA-256 over everything the build depends on (see the module docstring)."""
    h = hashlib.sha256()
    files = list(INPUTS)
    for package in PACKAGES:
        files += sorted(p for p in (ROOT / package).rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    files += sorted((ROOT / "docs").glob("guide-*.md")) + sorted((ROOT / "docs" / "img").glob("*.png"))
    for path in files:
        h.update(str(path.relative_to(ROOT)).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    h.update(sys.version.encode())
    dists = sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions())
    h.update("\n".join(dists).encode())
    return h.hexdigest()


def build(dist: Path, work: Path) -> Path:
    """The built folder, rebuilt first unless its stamp matches the inputs."""
    folder = dist / NAME
    stamp = dist / f".{NAME}.stamp"
    digest = input_digest()
    executable = folder / (NAME + (".exe" if sys.platform == "win32" else ""))
    if stamp.is_file() and stamp.read_text().strip() == digest and executable.is_file():
        print(f"{folder}: up to date", file=sys.stderr)
        return folder
    stamp.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(dist),
            "--workpath",
            str(work),
            str(SPEC),
        ],
        check=True,
        cwd=ROOT,
    )
    if not executable.is_file():
        raise SystemExit(f"{executable}: PyInstaller finished without building it")
    stamp.write_text(digest + "\n")
    return folder


def main() -> int:
    """Build (or reuse) the folder and print its path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=str(ROOT / "dist"), help="where the folder goes (default: dist/)")
    parser.add_argument("--work", default=str(ROOT / "build" / "pyinstaller"), help="PyInstaller's work folder")
    args = parser.parse_args()
    print(build(Path(args.dist).resolve(), Path(args.work).resolve()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
