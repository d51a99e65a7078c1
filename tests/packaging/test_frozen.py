"""The PyInstaller build (``make dist``): its binary runs the walk-through and opens its first window; its .deb
installs with ``dpkg -i`` and removes cleanly with ``dpkg -r``.

The folder is built once per test session by ``packaging/build_dist.py``, the script ``make dist`` runs, which
reuses an earlier build only when a stamp over every input (sources, spec, installed distributions) matches.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import mss
import pytest
from dropfolder import can_make_users, make_drop_folder, run_as, throwaway_people
from installed import clean_env, cli_round_trip, pattern, wait_for_window
from PIL import Image
from xserver import XServer, have_tk, have_xvfb

import evidence
from app import appinfo

ROOT = Path(__file__).resolve().parents[2]
FIRST_RUN_TITLE = "Welcome to Evidence Capture"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xvfb,
    pytest.mark.skipif(not have_xvfb() or not have_tk(), reason="needs Xvfb and tkinter"),
    pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed"),
]


@pytest.fixture(scope="session")
def frozen() -> Path:
    """The one-folder build (built now, or reused when its stamp matches every input)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build_dist.py")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    folder = Path(done.stdout.strip().splitlines()[-1])
    assert (folder / appinfo.APP_SLUG).is_file()
    return folder


def test_frozen_binary_runs_the_walkthrough(frozen: Path, tmp_path: Path) -> None:
    version = subprocess.run(
        [str(frozen / appinfo.APP_SLUG), "--version"], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert version.stdout.strip() == f"evidence-capture {evidence.__version__}"
    with XServer(800, 600) as x:
        done = cli_round_trip([str(frozen / appinfo.APP_SLUG)], tmp_path / "work", x)
    assert "1 item" in done.verify_output


def _first_run_window(command: list[str], tmp_path: Path) -> tuple[Image.Image, str]:
    """Start the app on an empty data dir; return a screenshot of its first window and its WM_CLASS and icon."""
    with XServer(1024, 768) as x:
        env = {**clean_env(x.env()), "QT_QPA_PLATFORM": "xcb"}
        process = subprocess.Popen(
            [*command, "--data-dir", str(tmp_path / "data")],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            geometry = wait_for_window(x.display, FIRST_RUN_TITLE, process)
            props = subprocess.run(
                ["xprop", "-len", "1000000", "-id", str(geometry.window), "WM_CLASS", "_NET_WM_ICON"],
                env=x.env(),
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            with mss.MSS(display=x.display) as sct:
                box = {"left": geometry.x, "top": geometry.y, "width": geometry.width, "height": geometry.height}
                raw = sct.grab(box)
            shot = Image.frombytes("RGB", raw.size, raw.rgb)
        finally:
            process.terminate()
            _, err = process.communicate(timeout=30)
    assert b"Traceback" not in err, err.decode(errors="replace")
    return shot, props


def test_frozen_binary_opens_the_first_run_window(frozen: Path, tmp_path: Path) -> None:
    shot, props = _first_run_window([str(frozen / appinfo.APP_SLUG)], tmp_path)
    shot.save(tmp_path / "first-run.png")
    assert shot.width >= 400
    assert shot.height >= 300
    colours = shot.getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 16, "the window is blank"
    # the desktop matches the window to its launcher by WM_CLASS: the desktop entry's StartupWMClass
    assert f'"{appinfo.APP_SLUG}"' in props.splitlines()[0].split("=", 1)[1], props
    # and the window carries the app's icon, in the sizes the desktop entry installs
    assert "Icon (256 x 256)" in props
    assert "Icon (16 x 16)" in props


@pytest.fixture
def installed_deb(frozen: Path, tmp_path: Path) -> Iterator[Path]:
    """The .deb built from the folder, installed with ``dpkg -i``; removed again afterwards if a test failed."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("installing a .deb needs root (CI runs as root)")
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb is not installed (not a Debian system)")
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", appinfo.APP_SLUG], capture_output=True, text=True)
    if "installed" in status.stdout.split():
        pytest.skip(f"{appinfo.APP_SLUG} is installed on this machine; the test would replace it")
    # gzip -1: seconds instead of the minute and a half of `make deb`'s xz; every dpkg reads both
    made = subprocess.run(
        [
            sys.executable,
            str(ROOT / "packaging" / "build_deb.py"),
            "--dist",
            str(frozen.parent),
            "--out",
            str(tmp_path),
            "--compression",
            "gzip",
            "--level",
            "1",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    deb = Path(made.stdout.strip())
    subprocess.run(["dpkg", "-i", str(deb)], check=True, capture_output=True)
    try:
        yield deb
    finally:
        subprocess.run(["dpkg", "-r", appinfo.APP_SLUG], check=False, capture_output=True)


def _left_behind() -> list[Path]:
    share = Path("/usr/share")
    found = [p for p in (Path("/opt") / appinfo.APP_SLUG, Path("/usr/bin") / appinfo.APP_SLUG) if os.path.lexists(p)]
    for folder in (share / "applications", share / "metainfo", share / "icons" / "hicolor"):
        found += [p for p in folder.rglob(f"{appinfo.APP_ID}*")] if folder.is_dir() else []
    return found


def test_deb_installs_runs_and_removes_cleanly(installed_deb: Path, tmp_path: Path) -> None:
    info = subprocess.run(["dpkg-deb", "--field", str(installed_deb), "Package", "Version"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert info.split() == ["Package:", appinfo.APP_SLUG, "Version:", evidence.__version__]
    desktop = Path("/usr/share/applications") / f"{appinfo.APP_ID}.desktop"
    assert desktop.is_file()
    assert (Path("/usr/share/icons/hicolor/256x256/apps") / f"{appinfo.APP_ID}.png").is_file()
    assert (Path("/usr/share/metainfo") / f"{appinfo.APP_ID}.metainfo.xml").is_file()
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(desktop)], check=True)
    # the command on PATH is the symlink into /opt, and the bootloader finds its folder through it
    with XServer(800, 600) as x:
        done = cli_round_trip(["/usr/bin/evidence-capture"], tmp_path / "work", x)
    assert "1 item" in done.verify_output
    if can_make_users() is None:
        _seal_into_the_recipes_drop_folder_as_staff()

    subprocess.run(["dpkg", "-r", appinfo.APP_SLUG], check=True, capture_output=True)
    assert _left_behind() == []
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", appinfo.APP_SLUG], capture_output=True, text=True)
    assert "installed" not in status.stdout.split()


def _seal_into_the_recipes_drop_folder_as_staff() -> None:
    """A member of staff seals into a drop folder made by the guide's recipe, which they cannot list."""
    top = Path(tempfile.mkdtemp(prefix="ec-deb-staff-"))  # pytest's tmp_path is private to root: /tmp is not
    try:
        top.chmod(0o755)
        _seal_as_staff(top)
    finally:
        shutil.rmtree(top)


def _seal_as_staff(tmp_path: Path) -> None:
    base = tmp_path / "share"
    base.mkdir(mode=0o755)
    with throwaway_people() as people:
        drop = base / "drop"
        make_drop_folder(drop, people)
        home = tmp_path / "staff1"
        home.mkdir()
        pattern().save(home / "shot.png")
        shutil.chown(home, people.staff1)
        shutil.chown(home / "shot.png", people.staff1)
        ec = "/usr/bin/evidence-capture --data-dir data"
        script = (
            "set -e; umask 077; printf 'a long test passphrase\\n' > pass; "
            f"{ec} identity create --name S --principal s@school.example --role staff --out s.identity.age "
            "--passphrase-file pass > /dev/null; "
            f"{ec} profile create --school X --drop-folder {drop} --out school.toml --passphrase-file pass"
            " > /dev/null; "
            f"ref=$({ec} incident new --title T); "
            f"{ec} receive --incident $ref --provided-by Parent --how e-mail shot.png > /dev/null; "
            f"{ec} seal $ref --identity s.identity.age --passphrase-file pass"
        )
        done = run_as(people.staff1, script, cwd=home)
        assert done.returncode == 0, done.stderr
        bundle = Path(done.stdout.strip())
        assert bundle.parent == drop
        assert bundle.is_file()
        assert oct(bundle.stat().st_mode & 0o777) == oct(0o640)
        assert bundle.owner() == people.staff1
        assert run_as(people.reviewer, f"cat {bundle} > /dev/null").returncode == 0
        assert run_as(people.staff2, f"cat {bundle} > /dev/null").returncode != 0
        assert run_as(people.staff1, f"ls {drop}").returncode != 0  # sealing never needed a listing
