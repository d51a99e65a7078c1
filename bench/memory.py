"""Peak memory (RSS) while sealing and verifying bundles of 100 MB, 500 MB and 1 GB, against the stock age CLI.

For each size, the parent fills a vault with one incident of 4 MB items (random bytes behind a PNG signature:
the vault and the bundle never decode images, so their content does not change the work), then runs, each in a
fresh subprocess of this script:

- **idle**: import the sealing code, unlock the identity and open the vault, then stop (the floor every run
  pays: the interpreter, the libraries and SQLite);
- **seal**: ``evidence.bundle.seal.seal_incident`` into a drop folder;
- **verify**: ``evidence.bundle.seal.verify_file`` on that bundle.

Each child prints its own ``VmHWM`` (peak resident set) from ``/proc/self/status``. The peers are the stock
``age`` CLI decrypting the same bundle and encrypting the same zip, whose peak RSS comes from ``os.wait4`` in a
minimal interpreter that forks them (see :func:`peer_peak`). Every
file lives in a temporary directory that is removed afterwards (about four times the bundle size at the peak).

Target: ours ≤ 200 MB at every size, and flat as the size grows. One run per size: peak RSS barely varies
between runs, unlike times.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from benchlib import Table, bench_identity, fill_incident, parse_quick, progress, verdict, vm_hwm_bytes

SIZES_MB = [100, 500, 1000]
ITEM_BYTES = 4_000_000
TARGET_BYTES = 200 * 1024**2
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def random_items(total: int) -> Iterator[tuple[bytes, str | None, int, int]]:
    """Items of ``ITEM_BYTES`` random bytes (behind a PNG signature) adding up to ``total`` bytes."""
    rng = random.Random(total)
    left = total
    while left > 0:
        size = min(ITEM_BYTES, left)
        yield PNG_SIGNATURE + rng.randbytes(size - len(PNG_SIGNATURE)), None, 1920, 1080
        left -= size


def child(mode: str, work: Path, ref: str) -> None:
    """Run one step in this fresh process and print its peak RSS as JSON."""
    from evidence.bundle.seal import seal_incident, verify_file
    from evidence.case.profile import Profile
    from evidence.crypto.keys import Identity
    from evidence.vault.store import Vault

    identity = Identity.parse_text((work / "identity.txt").read_text())
    profile = Profile.standalone_for(identity.card, "Bench School")
    with Vault(work / "vault.sqlite3") as vault:
        if mode == "seal":
            seal_incident(vault, ref, identity, profile, work / "out")
        elif mode == "verify":
            verify_file(work / "out" / f"{ref}.r1.zip.age", identity, profile)
    print(json.dumps({"mode": mode, "peak": vm_hwm_bytes()}), flush=True)


def run_child(mode: str, work: Path, ref: str) -> int:
    """Peak RSS in bytes of a fresh child running ``mode``."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", mode, str(work), ref],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"memory child {mode} failed: {done.stderr[-2000:]}")
    return int(json.loads(done.stdout.strip().splitlines()[-1])["peak"])


_SPAWN_AND_MEASURE = """
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss * 1024, flush=True)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def peer_peak(cmd: list[str]) -> int:
    """Peak RSS in bytes of a stock command.

    Linux carries a process's peak RSS across ``exec`` (and a ``vfork`` child borrows its parent's memory), so the
    ``ru_maxrss`` of a child spawned straight from this large process would report this process's size. The
    command is therefore forked from a minimal interpreter (``python -I -S``, about 8 MiB), which reports the
    child's ``wait4`` usage: figures below that interpreter's own size cannot be told apart.
    """
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _SPAWN_AND_MEASURE, *cmd], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({done.returncode}): {done.stderr[-500:]}")
    return int(done.stdout.strip())


def run(quick: bool) -> list[Table]:
    """Measure each size; return the table."""
    sizes = SIZES_MB[:1] if quick else SIZES_MB
    identity = bench_identity()
    table = Table(
        "Peak RSS while sealing and verifying (one fresh process per step)",
        ["bundle", "items", "idle", "seal", "verify", "age -d (peer)", "age -e (peer)", "seal/peer", "verify/peer"],
    )
    peaks: list[int] = []
    mib = 1024**2
    for size_mb in sizes:
        with tempfile.TemporaryDirectory(prefix="ec-bench-memory-") as name:
            work = Path(name)
            progress(f"memory: building a {size_mb} MB incident")
            text = work / "identity.txt"
            text.write_text(identity.to_text())
            text.chmod(0o600)
            key = work / "key.txt"
            key.write_text(identity.age_secret + "\n")
            key.chmod(0o600)
            total = size_mb * 1_000_000
            ref = fill_incident(work / "vault.sqlite3", identity, random_items(total))
            progress(f"memory: {size_mb} MB idle, seal, verify")
            idle = run_child("idle", work, ref)
            seal = run_child("seal", work, ref)
            verify = run_child("verify", work, ref)
            bundle_path = work / "out" / f"{ref}.r1.zip.age"
            progress(f"memory: {size_mb} MB age peers")
            dec = peer_peak(["age", "-d", "-i", str(key), "-o", str(work / "peer.zip"), str(bundle_path)])
            enc = peer_peak(
                ["age", "-e", "-r", identity.card.recipient, "-o", str(work / "peer.age"), str(work / "peer.zip")]
            )
            peaks += [seal, verify]
            table.add(
                f"{size_mb} MB",
                -(-total // ITEM_BYTES),
                f"{idle / mib:.0f} MiB",
                f"{seal / mib:.0f} MiB",
                f"{verify / mib:.0f} MiB",
                f"{dec / mib:.0f} MiB",
                f"{enc / mib:.0f} MiB",
                f"{seal / enc:.0f}x",
                f"{verify / dec:.0f}x",
            )
    worst = max(peaks)
    table.notes += [
        "idle = a child that imports the code, unlocks the identity and opens the vault, then stops.",
        "Peers: the stock `age` CLI decrypting the same bundle (for verify) and encrypting the same zip (for seal); "
        "their figures cannot go below ~7 MiB, the size of the minimal interpreter that forks them.",
        f"Target ≤ 200 MB (~191 MiB) and flat: {verdict(worst <= TARGET_BYTES and _flat(peaks, sizes))} "
        f"(largest {worst / mib:.0f} MiB).",
    ]
    return [table]


def _flat(peaks: list[int], sizes: list[int]) -> bool:
    """Whether the largest size's peak is within 25 % of the smallest's (only one size: judged by the cap)."""
    if len(sizes) < 2:
        return True
    return max(peaks[-2:]) <= 1.25 * max(peaks[:2])


def main() -> None:
    """Print the table, or run one child step."""
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), sys.argv[4])
        return
    for table in run(parse_quick(__doc__ or "")):
        print(table.render())


if __name__ == "__main__":
    main()
