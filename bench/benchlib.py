"""Shared helpers for the benchmarks: timing, medians, process timing, tables and a description of the machine.

Benchmarks print figures; they never assert. Each figure is the median of several runs and is printed beside a
peer measured in the same run, with the ratio between them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.util
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
TESTS = REPO / "tests"


def import_test_module(name: str) -> ModuleType:
    """Import ``tests/NAME.py`` (``xserver``, ``helpers``) by file, without putting ``tests/`` on ``sys.path``.

    ``tests/evidence/`` is a namespace directory: with ``tests/`` on the path it would shadow the real,
    editable-installed ``evidence`` package.
    """
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, TESTS / f"{name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load tests/{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def median(values: Sequence[float]) -> float:
    """The median of ``values``."""
    return float(statistics.median(values))


def repeat(fn: Callable[[], float | None], runs: int, *, warmup: int = 1) -> list[float]:
    """Call ``fn`` ``warmup`` times untimed, then ``runs`` times; return the seconds of each timed call.

    If ``fn`` returns a number, that number is taken as the measurement instead of its wall time (for callers
    that time only part of the call).
    """
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        out.append(time.perf_counter() - start if result is None else float(result))
    return out


def time_process(cmd: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    """Run a command to completion and return its wall time in seconds, from before spawn to after exit.

    Raises:
        RuntimeError: The command failed.
    """
    start = time.perf_counter()
    done = subprocess.run(list(cmd), env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({done.returncode}): {done.stderr.decode(errors='replace')[-500:]}")
    return elapsed


@dataclass
class Table:
    """One benchmark's results.

    Attributes:
        title: What was measured.
        columns: Column headings.
        rows: One list of cells per row, already formatted.
        notes: Lines printed under the table (peer definitions, targets, verdicts).
    """

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        """Append a row; cells are converted with ``str``."""
        self.rows.append([str(c) for c in cells])

    def render(self) -> str:
        """The table as Markdown, so that it can be pasted into RESULTS.md as it is."""
        widths = [len(c) for c in self.columns]
        for row in self.rows:
            widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

        def line(cells: Sequence[str]) -> str:
            return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

        out = [f"### {self.title}", "", line(self.columns), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        out += [line(r) for r in self.rows]
        if self.notes:
            out.append("")
            out += self.notes
        return "\n".join(out) + "\n"


def verdict(ok: bool) -> str:
    """The word printed beside a target."""
    return "met" if ok else "MISSED"


def ms(seconds: float) -> str:
    """Seconds as milliseconds, for a table cell."""
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def ratio(a: float, b: float) -> str:
    """``a / b`` as ``1.23x``."""
    return f"{a / b:.2f}x" if b else "n/a"


def progress(text: str) -> None:
    """A progress line on stderr (tables go to stdout)."""
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def parse_quick(description: str) -> bool:
    """Parse the command line every benchmark script shares; return whether ``--quick`` was given."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and only the smaller sizes")
    return bool(parser.parse_args().quick)


def _version_of(cmd: Sequence[str]) -> str:
    if shutil.which(cmd[0]) is None:
        return "not installed"
    try:
        done = subprocess.run(list(cmd), capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    text = (done.stdout or done.stderr).strip().splitlines()
    return text[0] if text else "unknown"


def machine() -> list[str]:
    """Lines describing this machine and the software versions the figures depend on."""
    from importlib.metadata import PackageNotFoundError, version

    cpu = "unknown"
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for text in Path("/proc/meminfo").read_text().splitlines():
            if text.startswith("MemTotal:"):
                mem = f"{int(text.split()[1]) / 1024**2:.1f} GiB"
                break
    except OSError:
        pass
    packages = []
    for name in ("PySide6-Essentials", "mss", "Pillow", "pyrage", "cryptography"):
        try:
            packages.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            packages.append(f"{name} not installed")
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical CPUs; memory {mem}; load average at start {load}",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()} (SQLite {sqlite3.sqlite_version}, zlib {zlib.ZLIB_RUNTIME_VERSION}); "
        f"{', '.join(packages)}",
        f"- age {_version_of(['age', '--version'])}; {_version_of(['scrot', '--version'])}; "
        f"{_version_of(['sha256sum', '--version'])}",
    ]


BENCH_PASSPHRASE = "a bench passphrase, not a secret"


def make_workspace(data_dir: Path, *, school: bool = False) -> Any:
    """A data dir with its own staff identity and a profile, as the first-run wizard leaves it.

    Args:
        data_dir: Where to create it.
        school: False for a standalone profile (the user is their own reviewer, so the app also opens the
            reviewer window); True for a school profile whose reviewer is someone else.

    Returns:
        The :class:`app.workspace.Workspace`.
    """
    from app.paths import Paths
    from app.workspace import Workspace
    from evidence.case.profile import Profile
    from evidence.core.timefmt import utc_now
    from evidence.crypto.keys import Identity, PublicCard, Role

    workspace = Workspace(Paths(data_dir).ensure())
    me = workspace.create_identity(
        "Bench User", "bench.user@school.example", Role.STAFF, BENCH_PASSPHRASE, data_dir / "bench.identity.age"
    )
    if school:
        dsl = Identity.generate("Dee Sell", "dsl@school.example", Role.REVIEWER, utc_now()).card
        reviewer = PublicCard(dsl.name, dsl.principal, Role.REVIEWER, dsl.recipient, dsl.ssh_key)
        root = Identity.generate("Bench School school root", "school-root", Role.ROOT, utc_now())
        profile = Profile(school="Bench School", reviewers=(reviewer,), staff=(me.card,))
        signed = profile.sign(root, version=1, issued_utc=utc_now())
        workspace.install_signed(signed, root.card.fingerprint, source="the bench's school profile")
    else:
        workspace.profile()  # saves the standalone profile, as the app does on first use
    return workspace


def bench_identity() -> Any:
    """A fresh staff identity that is also its own reviewer (standalone), as :class:`evidence.crypto.keys.Identity`."""
    from evidence.core.timefmt import utc_now
    from evidence.crypto.keys import Identity, Role

    return Identity.generate("Bench User", "bench.user@school.example", Role.STAFF, utc_now())


def fill_incident(vault_path: Path, identity: Any, contents: Iterable[tuple[bytes, str | None, int, int]]) -> str:
    """Create a vault with one incident holding ``contents`` as captured PNG items; return its reference.

    Args:
        vault_path: The SQLite file to create.
        identity: The owner; the incident is encrypted to it alone (a standalone profile).
        contents: ``(png_bytes, pixels_sha256 or None, width, height)`` per item.
    """
    from evidence.capture.context import CaptureContext, CaptureMode, MonitorInfo, Rect
    from evidence.capture.items import ItemKind
    from evidence.case.incident import Category, IncidentDetails
    from evidence.vault.store import NewItem, Vault

    recipients = [identity.card.recipient]
    actor = identity.card.principal
    details = IncidentDetails(
        title="Messages about a pupil",
        categories=(Category.THREATENING,),
        platform="Instagram",
        occurred="2026-11-24T18:30:00",
    )
    with Vault(vault_path) as vault:
        ref = vault.create_incident(details, actor=actor, recipients=recipients)
        for i, (content, pixels, width, height) in enumerate(contents, start=1):
            when = dt.datetime.now(dt.UTC).replace(microsecond=0)
            area = Rect(0, 0, width, height)
            context = CaptureContext(
                utc=when,
                local=when,
                local_zone="UTC",
                monotonic_ns=i,
                host="bench",
                os_user=None,
                os="bench",
                app_version="bench",
                mode=CaptureMode.parse("full"),
                desktop=area,
                monitors=(MonitorInfo(0, 0, width, height),),
                captured=area,
                window_title=f"Chat {i}",
                window_process=None,
            )
            item = NewItem(
                kind=ItemKind.CAPTURED,
                media_type="image/png",
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                context=context,
                pixels_sha256=pixels,
                width=width,
                height=height,
            )
            vault.add_item(ref, item, actor=actor, recipients=recipients)
    return ref


def vm_hwm_bytes() -> int:
    """This process's peak resident set size (``VmHWM`` in /proc/self/status), in bytes."""
    for text in Path("/proc/self/status").read_text().splitlines():
        if text.startswith("VmHWM:"):
            return int(text.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")
