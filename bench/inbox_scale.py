"""The inbox at school scale (issue 16, point 7): 1,000 bundles in a drop folder, first scan and warm start.

One real sealed bundle of about 5 MB (one item of random bytes, sealed by a standalone identity) is copied under
1,000 names with its origin signature beside each copy (real copies, not links, so each file is read on its own).
Then, each in a fresh process:

- **first scan**: ``evidence.review.inbox.scan`` with an empty memory (every bundle's origin signature is checked:
  SHA-512 and SHA-256 over every byte), and the index saved;
- **warm start**: load that index and scan again, as the app does when it starts (nothing changed: no bundle is
  read);
- **peer**: ``sha256sum`` over the same 1,000 files (what any tool that notices changes by content must pay).

The files sit in the page cache (the machine has far more memory than 5 GB), so these are CPU figures; over a
100 MB/s share the first scan would take at least 50 s for the bytes alone, and the warm start would not change.
Times are medians of 3 (the first scan: each run starts from an empty memory). Usage:
``python bench/inbox_scale.py [--quick]`` (``--quick``: 100 bundles).
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import Table, bench_identity, fill_incident, median, parse_quick, progress, time_process

BUNDLES = 1000
ITEM_BYTES = 5_000_000


def child(mode: str, folder: Path, work: Path) -> None:
    """Run one scan in this fresh process; print its wall time as JSON."""
    from evidence.case.profile import Profile
    from evidence.crypto.keys import Identity
    from evidence.review.inbox import InboxIndex, scan

    identity = Identity.parse_text((work / "identity.txt").read_text())
    profile = Profile.standalone_for(identity.card, "Bench School")
    start = time.perf_counter()
    index = InboxIndex.load(work / "index.json") if mode == "warm" else InboxIndex(work / "index.json")
    entries = scan(folder, profile, memory=index.scans)
    index.save()
    elapsed = time.perf_counter() - start
    verified = sum(1 for e in entries if e.origin.state.value == "verified")
    print(json.dumps({"seconds": elapsed, "entries": len(entries), "verified": verified}), flush=True)


def run_child(mode: str, folder: Path, work: Path) -> dict[str, float]:
    """The child's figures."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", mode, str(folder), str(work)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"inbox child {mode} failed: {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run(quick: bool) -> list[Table]:
    """Build the folder, measure, return the table."""
    from evidence.bundle.seal import seal_incident
    from evidence.case.profile import Profile
    from evidence.vault.store import Vault

    count = 100 if quick else BUNDLES
    identity = bench_identity()
    profile = Profile.standalone_for(identity.card, "Bench School")
    table = Table(
        f"The inbox at school scale: {count} bundles of ~{ITEM_BYTES / 1e6:.0f} MB (median of 3)",
        ["step", "time", "bundles listed", "origin verified", "vs sha256sum"],
    )
    with tempfile.TemporaryDirectory(prefix="ec-bench-inbox-") as name:
        work = Path(name)
        (work / "identity.txt").write_text(identity.to_text())
        (work / "identity.txt").chmod(0o600)
        progress(f"inbox: sealing one bundle and copying it {count} times")
        rng = random.Random(1)
        content = b"\x89PNG\r\n\x1a\n" + rng.randbytes(ITEM_BYTES - 8)
        ref = fill_incident(work / "vault.sqlite3", identity, [(content, None, 1920, 1080)])
        with Vault(work / "vault.sqlite3") as vault:
            result = seal_incident(vault, ref, identity, profile, work / "sealed")
        folder = work / "drop"
        folder.mkdir()
        for i in range(count):
            name = f"EC-20261130-{i:06X}"
            shutil.copyfile(result.path, folder / f"{name}.r1.zip.age")
            shutil.copyfile(result.signature_path, folder / f"{name}.r1.zip.age.sig")
        files = sorted(str(p) for p in folder.glob("*.zip.age"))
        progress("inbox: sha256sum, first scan, warm start")
        time_process(["sha256sum", *files])  # warm the page cache for every contender alike
        peer = median([time_process(["sha256sum", *files]) for _ in range(3)])
        firsts, warms = [], []
        for _ in range(3):
            (work / "index.json").unlink(missing_ok=True)
            first = run_child("first", folder, work)
            firsts.append(first)
            warms.append(run_child("warm", folder, work))
        first_s = median([f["seconds"] for f in firsts])
        warm_s = median([w["seconds"] for w in warms])
        table.add("sha256sum over the files (peer)", f"{peer:.2f} s", "", "", "1.00x")
        table.add(
            "first scan (every origin checked)",
            f"{first_s:.2f} s",
            int(firsts[0]["entries"]),
            int(firsts[0]["verified"]),
            f"{first_s / peer:.2f}x",
        )
        table.add(
            "warm start (index loaded, nothing read)",
            f"{warm_s * 1000:.0f} ms",
            int(warms[0]["entries"]),
            int(warms[0]["verified"]),
            f"{warm_s / peer:.3f}x",
        )
    table.notes += [
        "first scan = SHA-512 (for the SSHSIG check) and SHA-256 (the index key) over every byte, one pass per file.",
        "In the app the scan runs on a worker thread and lists each bundle as it is checked (progress in the status "
        "bar), so the window is usable at once.",
    ]
    return [table]


def main() -> None:
    """Print the table, or run one child scan."""
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
        return
    for table in run(parse_quick(__doc__ or "")):
        print(table.render())


if __name__ == "__main__":
    main()
