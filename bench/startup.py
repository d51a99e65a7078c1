"""Start-up time: process start to a usable main window, against a bare QApplication showing an empty QMainWindow.

The programs run on a fresh Xvfb (1920x1080, ``QT_QPA_PLATFORM=xcb``) through ``startup_probe.py``, which prints
``ready`` once the event loop runs and the main window has been exposed. The clock starts in this process just
before ``Popen`` and stops when the ``ready`` line arrives, so it covers the interpreter's start, every import,
the app's set-up (profile, vault open with its integrity check, widgets) and the first paint. Byte-code is
cached (in a private ``PYTHONPYCACHEPREFIX``, written by the warm-up round), as it is for an installed app.

- **app**: ``app.main.main(["--data-dir", DIR])``, the path of ``evidence-capture`` with no verb, on a data dir
  that already has an identity (no first-run wizard), twice: with a school profile, whose reviewer is someone
  else (a member of staff: the staff window only), and with a standalone profile, in which the user is their
  own reviewer (the app then opens the reviewer window too);
- **bare** (peer): ``QApplication`` + an empty ``QMainWindow``, shown.

Runs alternate between the two, after one warm-up each; each figure is the median. Target: app ≤ 2x bare. The
last column is when the start-up work the app leaves until after its first paint (the global hotkeys first) has
run, as the probe's ``settled`` line says: the window is usable, and the hotkeys live, from then on.
"""

from __future__ import annotations

import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import REPO, Table, import_test_module, make_workspace, median, ms, parse_quick, progress, ratio, verdict

TARGET = 2.0
TIMEOUT_S = 60.0


def time_to_ready(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds from just before spawning the probe to its ``ready`` line and to its ``settled`` line."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("startup_probe.py")), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,  # unbuffered: a second line already read into a buffer would leave select() waiting for exit
    )
    assert process.stdout is not None
    lines: list[bytes] = []
    times: list[float] = []
    for _ in ("ready", "settled"):
        readable, _, _ = select.select([process.stdout], [], [], TIMEOUT_S)
        if not readable:
            break
        lines.append(process.stdout.readline().strip())
        times.append(time.perf_counter() - start)
    try:
        _, err = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    if lines != [b"ready", b"settled"] or process.returncode != 0:
        raise RuntimeError(
            f"startup probe {args[0]} failed ({process.returncode}): {err.decode(errors='replace')[-2000:]}"
        )
    return times[0], times[1]


def run(quick: bool) -> list[Table]:
    """Measure the programs; return the table."""
    runs = 3 if quick else 7
    table = Table(
        f"Start-up, process start to a usable main window (median of {runs})",
        ["program", "median", "min", "max", "vs bare QMainWindow", "start-up work done (median)"],
    )
    XServer = import_test_module("xserver").XServer  # noqa: N806 - a class
    with tempfile.TemporaryDirectory(prefix="ec-bench-startup-") as name, XServer(1920, 1080) as x:
        school, standalone = Path(name) / "school", Path(name) / "standalone"
        make_workspace(school, school=True)
        make_workspace(standalone)
        # Byte-code as an installed app has it: cached after the warm-up round, in a private prefix so that
        # neither the repository nor site-packages is written to (and whatever PYTHONDONTWRITEBYTECODE says).
        env = {**x.env(), "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(REPO), "PYTHONPYCACHEPREFIX": f"{name}/pycache"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        programs = {
            "app, staff with a school profile": ["app", str(school)],
            "app, standalone (staff + reviewer windows)": ["app", str(standalone)],
            "bare QApplication + QMainWindow (peer)": ["bare"],
        }
        times: dict[str, list[float]] = {label: [] for label in programs}
        settled: dict[str, list[float]] = {label: [] for label in programs}
        for i in range(runs + 1):  # round 0 warms the page cache and writes the byte-code cache
            progress(f"start-up: round {i}/{runs}")
            for label, args in programs.items():
                t, done = time_to_ready(args, env)
                if i:
                    times[label].append(t)
                    settled[label].append(done)
    *apps, peer = programs
    bare = median(times[peer])
    for label, values in times.items():
        table.add(
            label,
            ms(median(values)),
            ms(min(values)),
            ms(max(values)),
            ratio(median(values), bare),
            f"{ms(median(settled[label]))} ({ratio(median(settled[label]), bare)})",
        )
    for label in apps:
        r = median(times[label]) / bare
        table.notes.append(f"Target ≤ {TARGET:.0f}x bare, {label}: {verdict(r <= TARGET)} ({r:.2f}x).")
    table.notes.append(
        "Start-up work done = the work left until after the first paint (global hotkeys registered, monitors"
        " counted, receipts check started, disposal purge) has run; the event loop handles input from then on."
    )
    return [table]


def main() -> None:
    """Print the table."""
    for table in run(parse_quick(__doc__ or "")):
        print(table.render())


if __name__ == "__main__":
    main()
