"""Run every benchmark in order and print one table per benchmark: ``make bench`` (or ``--quick``).

Order: capture latency and UI stall, seal and verify throughput, peak memory, the streaming scaling table (about
15 minutes: bundles up to 1.9 GB), the inbox with 1,000 bundles, start-up, and the installs' footprint and start-up
(frozen build beside the source installs). Progress goes to stderr;
the tables go to stdout as Markdown, headed by a description of the machine, ready to paste into RESULTS.md.
The benchmarks print figures; they do not assert, so this exits 0 unless a benchmark could not run at all.

``--quick`` uses fewer repetitions and only the smaller sizes (1920x1080 screens, the 100 MB bundle).
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable

import capture_latency
import inbox_scale
import install
import memory
import seal_cpu
import seal_verify
import startup
import stream_scaling
from benchlib import Table, machine, parse_quick, progress

BENCHMARKS: list[tuple[str, Callable[[bool], list[Table]]]] = [
    ("capture latency", capture_latency.run),
    ("seal and verify", seal_verify.run),
    ("memory", memory.run),
    ("streaming scaling", lambda quick: stream_scaling.run(quick)),
    ("where a seal's time goes", seal_cpu.run),
    ("inbox at school scale", inbox_scale.run),
    ("start-up", startup.run),
    ("install footprint and start-up", install.run),
]


def main() -> int:
    """Run them all; return 1 if one of them failed to run."""
    quick = parse_quick(__doc__ or "")
    command = "python bench/run_all.py" + (" --quick" if quick else "")
    print("## Machine\n")
    print("\n".join(machine()))
    print(f"\nCommand: `{command}`\n")
    failed = []
    started = time.perf_counter()
    for name, run in BENCHMARKS:
        begun = time.perf_counter()
        try:
            tables = run(quick)
        except Exception:  # noqa: BLE001 (one benchmark that breaks must not stop the others; its traceback is printed)
            failed.append(name)
            progress(f"{name} could not run:\n{traceback.format_exc()}")
            print(f"### {name}\n\nCould not run (see stderr).\n", flush=True)
            continue
        for table in tables:
            print(table.render(), flush=True)
        progress(f"{name}: {time.perf_counter() - begun:.0f} s")
    print(
        f"Total time: {time.perf_counter() - started:.0f} s"
        + (f"; could not run: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
