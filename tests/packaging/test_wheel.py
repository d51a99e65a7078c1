"""``python -m build`` makes a wheel and an sdist that install and work away from the checkout.

The wheel is built from the sdist (``build``'s default), so a file the sdist forgets fails here too. It is then
installed into a fresh venv in a temporary folder, with the dependencies from a wheelhouse kept between runs
(``build/wheelhouse``: ``pip download`` fetches only what is missing, and the install itself is
``--no-index``), and the installed command runs the walk-through on a real X server from a folder outside the
checkout with no ``PYTHONPATH``.
"""

from __future__ import annotations

import email.parser
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from installed import clean_env, cli_round_trip
from xserver import XServer, have_tk, have_xvfb

import evidence

ROOT = Path(__file__).resolve().parents[2]
WHEELHOUSE = ROOT / "build" / "wheelhouse"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xvfb,
    pytest.mark.skipif(not have_xvfb() or not have_tk(), reason="needs Xvfb and tkinter"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The wheel and the sdist, built from a clean copy of nothing but the checkout's files."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        check=True,
        cwd=out,
        capture_output=True,
    )
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return wheel, sdist


def test_wheel_holds_the_packages_and_their_data(built: tuple[Path, Path]) -> None:
    wheel, _ = built
    assert wheel.name == f"evidence_capture-{evidence.__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        info = f"evidence_capture-{evidence.__version__}.dist-info"
        entry_points = zf.read(f"{info}/entry_points.txt").decode()
    for data in ("icon.svg", "labels.txt", "platforms.txt", "safeguarding.txt", "icons/16x16.png", "icons/256x256.png"):
        assert f"resources/{data}" in names, data
    for module in ("app/main.py", "app/cli.py", "ui/main_window.py", "evidence/bundle/seal.py"):
        assert module in names, module
    assert "main.py" not in names, "a wheel must not install a top-level module named main"
    assert not any(n.startswith(("tests/", "bench/", "packaging/")) for n in names)
    assert "[console_scripts]\nevidence-capture = app.main:main" in entry_points
    assert "[gui_scripts]\nevidence-capture-gui = app.main:gui_main" in entry_points


def test_sdist_holds_what_a_packager_needs(built: tuple[Path, Path]) -> None:
    _, sdist = built
    with tarfile.open(sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    for needed in (
        "pyproject.toml",
        "packaging/evidence-capture.spec",
        "packaging/linux/org.evidencecapture.EvidenceCapture.desktop",
        "packaging/linux/org.evidencecapture.EvidenceCapture.metainfo.xml",
        "resources/icons/256x256.png",
        "docs/guide-it.md",
    ):
        assert needed in names, needed


def _requirements(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        meta = zf.read(f"evidence_capture-{evidence.__version__}.dist-info/METADATA").decode()
    requires = email.parser.Parser().parsestr(meta).get_all("Requires-Dist") or []
    return [r for r in requires if "extra ==" not in r]


def test_installed_wheel_runs_the_walkthrough_outside_the_checkout(built: tuple[Path, Path], tmp_path: Path) -> None:
    wheel, _ = built
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "download", "--dest", str(WHEELHOUSE), *_requirements(wheel)], check=True, cwd=tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, cwd=tmp_path)
    python = venv / "bin" / "python"
    subprocess.run(
        [*pip, "--python", str(python), "install", "--no-index", "--find-links", str(WHEELHOUSE), str(wheel)],
        check=True,
        cwd=tmp_path,
    )

    # the packages come from the venv, never from the checkout
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import app, evidence, resources, ui; print(app.__file__, evidence.__file__, "
            "resources.__file__, ui.__file__, len(resources.data('icons/256x256.png')))",
        ],
        cwd=tmp_path,
        env=clean_env({"PATH": "/usr/bin:/bin"}),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for path in where[:4]:
        assert Path(path).is_relative_to(venv), path
    assert int(where[4]) > 0
    gui = (venv / "bin" / "evidence-capture-gui").read_text()
    assert "from app.main import gui_main" in gui

    with XServer(800, 600) as x:
        done = cli_round_trip([str(venv / "bin" / "evidence-capture")], tmp_path / "work", x)
    assert "1 item" in done.verify_output
