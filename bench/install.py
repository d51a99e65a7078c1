"""Install footprint and start-up: the frozen build (``make dist``) beside the installs from source.

Three ways to run the app, one data dir (a staff identity and a school profile, so the main window opens and no
first-run wizard):

- **checkout**: ``.venv/bin/evidence-capture``, the editable install ``make run`` uses;
- **wheel**: ``evidence-capture`` of a fresh venv with the wheel installed (what ``pip``/``pipx install`` make);
- **frozen**: ``dist/evidence-capture/evidence-capture`` (the PyInstaller folder; the .deb installs the same);
- **bare** (peer): a Python that shows an empty ``QMainWindow``, in the checkout's venv.

Start-up is from just before ``Popen`` until the window's pixels are on the screen of a fresh Xvfb
(1280x800, no window manager): the screen is grabbed every 5 ms with mss, and the window counts as shown when
more than 100,000 pixels differ from the empty screen. The same method for every program, so the ratios are fair;
the absolute figures include up to one polling interval. The command line is timed as ``--version``, process
start to exit. Byte-code is warm for all (a warm-up round first). Sizes are of the installed trees on disk
(``du``-like, block sizes summed) and of the files a school would hand out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import REPO, Table, import_test_module, make_workspace, median, ms, parse_quick, progress, ratio

TIMEOUT_S = 60.0
POLL_S = 0.005
SHOWN_PIXELS = 100_000
BARE = (
    "from PySide6.QtWidgets import QApplication, QMainWindow\n"
    "app = QApplication([])\nw = QMainWindow()\nw.resize(1180, 760)\nw.show()\napp.exec()\n"
)


def tree_bytes(path: Path) -> int:
    """Bytes on disk under ``path`` (allocated blocks), symlinks not followed."""
    total = 0
    for p in [path, *path.rglob("*")]:
        st = p.lstat()
        total += st.st_blocks * 512
    return total


def mib(n: int) -> str:
    """Bytes as MiB, for a table cell."""
    return f"{n / 2**20:.1f} MiB"


def time_to_window(command: list[str], env: dict[str, str], display: str) -> float:
    """Seconds from spawning ``command`` until its window's pixels are on the screen; then ends it."""
    import mss

    with mss.MSS(display=display) as sct:
        monitor = sct.monitors[0]
        empty = sct.grab(monitor).raw
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            while True:
                shot = sct.grab(monitor).raw
                if shot != empty and _changed_pixels(empty, shot) > SHOWN_PIXELS:
                    return time.perf_counter() - start
                if process.poll() is not None:
                    raise RuntimeError(f"{command[0]} exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
                if time.perf_counter() - start > TIMEOUT_S:
                    raise RuntimeError(f"{command[0]}: no window within {TIMEOUT_S} s")
                time.sleep(POLL_S)
        finally:
            process.terminate()
            process.wait(timeout=30)


def _changed_pixels(a: bytes, b: bytes) -> int:
    """How many 4-byte pixels differ (sampled: every 16th pixel, times 16)."""
    step = 16 * 4
    return sum(1 for i in range(0, len(a), step) if a[i : i + 3] != b[i : i + 3]) * 16


def time_cli(command: list[str], env: dict[str, str]) -> float:
    """Seconds for ``command --version`` from spawn to exit."""
    start = time.perf_counter()
    subprocess.run([*command, "--version"], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def run(quick: bool) -> list[Table]:
    """Build (or reuse) what is measured, then measure; return the tables."""
    runs = 3 if quick else 7
    XServer = import_test_module("xserver").XServer  # noqa: N806 - a class
    with tempfile.TemporaryDirectory(prefix="ec-bench-install-") as name:
        tmp = Path(name)
        progress("install: building (or reusing) the frozen folder")
        built = subprocess.run(
            [sys.executable, str(REPO / "packaging" / "build_dist.py")], check=True, capture_output=True, text=True
        )
        frozen = Path(built.stdout.strip().splitlines()[-1])
        progress("install: building the wheel and a venv from it")
        subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp / "dist"), str(REPO)],
                       check=True, capture_output=True)  # fmt: skip
        (wheel,) = (tmp / "dist").glob("*.whl")
        venv = tmp / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        subprocess.run([sys.executable, "-m", "pip", "--quiet", "--python", str(venv / "bin" / "python"), "install",
                        str(wheel)], check=True, capture_output=True)  # fmt: skip
        progress("install: building the .deb (gzip)" if quick else "install: building the .deb (xz, as make deb)")
        deb = subprocess.run(
            [sys.executable, str(REPO / "packaging" / "build_deb.py"), "--dist", str(frozen.parent), "--out",
             str(tmp / "deb"), "--compression", "gzip" if quick else "xz"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip

        sizes = Table("Install footprint", ["what", "size", "note"])
        site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
        sizes.add("wheel venv, whole", mib(tree_bytes(venv)), "a pip/pipx install: the app and its dependencies")
        sizes.add("frozen folder", mib(tree_bytes(frozen)), "dist/evidence-capture: Python and Qt included")
        sizes.add("wheel file", mib(wheel.stat().st_size), "the app alone; pip fetches the rest")
        sizes.add(".deb file", mib(Path(deb).stat().st_size), "gzip" if quick else "xz, as make deb builds it")
        sizes.notes.append(f"site-packages of the wheel venv: {mib(tree_bytes(site))}.")

        data = tmp / "data"
        make_workspace(data, school=True)
        programs = {
            "checkout (.venv, editable; make run)": [str(REPO / ".venv" / "bin" / "evidence-capture")],
            "wheel venv (pip/pipx)": [str(venv / "bin" / "evidence-capture")],
            "frozen (make dist / .deb)": [str(frozen / "evidence-capture")],
        }
        if not Path(programs["checkout (.venv, editable; make run)"][0]).exists():
            programs.pop("checkout (.venv, editable; make run)")
        gui = Table(
            f"Start-up to the main window on screen (median of {runs})",
            ["program", "median", "min", "max", "vs bare QMainWindow"],
        )
        cli = Table(
            f"Command line: `evidence-capture --version` (median of {runs})", ["program", "median", "min", "max"]
        )
        with XServer(1280, 800) as x:
            env = {k: v for k, v in x.env().items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
            env.update(QT_QPA_PLATFORM="xcb", EVIDENCE_CAPTURE_TESTING="1")
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            every = {label: [*cmd, "--data-dir", str(data)] for label, cmd in programs.items()}
            every["bare QApplication + QMainWindow (peer)"] = [sys.executable, "-c", BARE]
            times: dict[str, list[float]] = {label: [] for label in every}
            cli_times: dict[str, list[float]] = {label: [] for label in programs}
            for i in range(runs + 1):  # round 0 warms the page cache and the byte-code caches
                progress(f"install: round {i}/{runs}")
                for label, command in every.items():
                    t = time_to_window(command, env, x.display)
                    if i:
                        times[label].append(t)
                for label, command in programs.items():
                    t = time_cli(command, env)
                    if i:
                        cli_times[label].append(t)
        bare = median(times["bare QApplication + QMainWindow (peer)"])
        for label, values in times.items():
            gui.add(label, ms(median(values)), ms(min(values)), ms(max(values)), ratio(median(values), bare))
        gui.notes.append("Shown = more than 100,000 pixels changed on a 1280x800 Xvfb, polled every 5 ms.")
        for label, values in cli_times.items():
            cli.add(label, ms(median(values)), ms(min(values)), ms(max(values)))
        return [sizes, gui, cli]


def main() -> None:
    """Print the tables."""
    for table in run(parse_quick(__doc__ or "")):
        print(table.render())


if __name__ == "__main__":
    os.environ.setdefault("EVIDENCE_CAPTURE_TESTING", "1")
    shutil.which("Xvfb") or sys.exit("install: needs Xvfb")
    main()
