"""Wrap the PyInstaller folder in a Debian package with plain ``dpkg-deb`` (``make deb``).

The package installs:

- ``/opt/evidence-capture/`` the one-folder application, as built (``packaging/build_dist.py``);
- ``/usr/bin/evidence-capture`` a symlink to its executable;
- ``/usr/share/applications/APP_ID.desktop``, ``/usr/share/metainfo/APP_ID.metainfo.xml`` and the icons under
  ``/usr/share/icons/hicolor/`` (every PNG size and the SVG).

It has no maintainer scripts: Debian's desktop-file-utils and hicolor-icon-theme refresh their caches through
dpkg triggers, and dpkg alone removes every file on ``dpkg -r``. ``Depends`` names the X11 libraries Qt's xcb
plugin loads from the system (the same list scripts/sysdeps.sh installs). Files are root-owned, 0644, and
0755 where executable, whatever the build machine's umask.

Usage: ``python packaging/build_deb.py [--dist DIR] [--out DIR] [--compression xz|gzip|zstd] [--level N]``;
prints the .deb's path.
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import appinfo  # noqa: E402
from evidence import __version__  # noqa: E402
from ui.app_icon import SIZES, icon_resource  # noqa: E402

PACKAGE = appinfo.APP_SLUG
PREFIX = Path("opt") / PACKAGE
DEPENDS = (
    "libc6, libgl1, libegl1, libfontconfig1, libdbus-1-3, libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, "
    "libxcb-image0, libxcb-keysyms1, libxcb-randr0, libxcb-render-util0, libxcb-shape0, libxcb-xinerama0, "
    "libxcb-xkb1"
)


def control(arch: str, installed_kib: int) -> str:
    """The DEBIAN/control file."""
    return (
        f"Package: {PACKAGE}\n"
        f"Version: {__version__}\n"
        f"Architecture: {arch}\n"
        "Maintainer: Evidence Capture developers <noreply@invalid>\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {DEPENDS}\n"
        "Section: utils\n"
        "Priority: optional\n"
        f"Description: {appinfo.APP_NAME}: keep evidence of cyber bullying seen on screen\n"
        " Screen prints, timestamped, hashed and encrypted on the staff member's workstation, sealed into\n"
        " signed bundles that senior staff verify and the police can check with standard tools.\n"
    )


def stage(folder: Path, root: Path) -> None:
    """Lay out the package's files under ``root``."""
    shutil.copytree(folder, root / PREFIX, symlinks=True)
    bin_dir = root / "usr" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / PACKAGE).symlink_to(Path("..") / ".." / PREFIX / PACKAGE)
    share = root / "usr" / "share"
    linux = ROOT / "packaging" / "linux"
    for src, dest in (
        (linux / f"{appinfo.APP_ID}.desktop", share / "applications"),
        (linux / f"{appinfo.APP_ID}.metainfo.xml", share / "metainfo"),
    ):
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest / src.name)
    icons = share / "icons" / "hicolor"
    for size in SIZES:
        dest = icons / f"{size}x{size}" / "apps"
        dest.mkdir(parents=True)
        shutil.copyfile(ROOT / "resources" / icon_resource(size), dest / f"{appinfo.APP_ID}.png")
    (icons / "scalable" / "apps").mkdir(parents=True)
    shutil.copyfile(ROOT / "resources" / "icon.svg", icons / "scalable" / "apps" / f"{appinfo.APP_ID}.svg")
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        executable = path.is_dir() or path.stat().st_mode & stat.S_IXUSR
        path.chmod(0o755 if executable else 0o644)


def build_deb(folder: Path, out: Path, compression: str, level: int | None = None) -> Path:
    """Build the .deb from ``folder`` into ``out``; return its path."""
    if not (folder / PACKAGE).is_file():
        raise SystemExit(f"{folder / PACKAGE}: no built application; run make dist first")
    arch = subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True, text=True).stdout.strip()
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{PACKAGE}_{__version__}_{arch}.deb"
    with tempfile.TemporaryDirectory(prefix="ec-deb-") as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        stage(folder, root)
        size = sum(p.lstat().st_size for p in root.rglob("*")) // 1024 + 1
        (root / "DEBIAN").mkdir(mode=0o755)
        (root / "DEBIAN" / "control").write_text(control(arch, size))
        os.chmod(root / "DEBIAN" / "control", 0o644)
        partial = target.with_suffix(".deb.part")
        subprocess.run(
            [
                "dpkg-deb",
                "--root-owner-group",
                f"-Z{compression}",
                *([f"-z{level}"] if level is not None else []),
                "--build",
                str(root),
                str(partial),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        partial.replace(target)
    return target


def main() -> int:
    """Build the .deb and print its path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=str(ROOT / "dist"), help="where build_dist.py put the folder")
    parser.add_argument("--out", default=str(ROOT / "dist"), help="where the .deb goes")
    parser.add_argument("--compression", default="xz", choices=["xz", "gzip", "zstd"])
    parser.add_argument("--level", type=int, choices=range(10), help="compression level (default: dpkg-deb's)")
    args = parser.parse_args()
    print(build_deb(Path(args.dist).resolve() / PACKAGE, Path(args.out).resolve(), args.compression, args.level))
    return 0


if __name__ == "__main__":
    sys.exit(main())
