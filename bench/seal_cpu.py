"""Where a 1 GB seal's time goes: CPU seconds beside the peers, and the vault helper process against a thread.

One incident of 1 GB in 4 MB items (random bytes behind a PNG signature) is filled once; then, each in a fresh
process and timed whole (interpreter start included, as for the peers):

- **CPU seconds** (user + system, children included, so the seal's helper process counts) and wall time of our
  seal, our verify and our verify without the origin check, beside the stock tools doing the peers' work:
  ``sha256sum`` over the payload + ``age -e`` over the zip (seal), ``age -d`` + ``sha256sum -c`` (verify);
- **helper against thread**: the same seal with the vault decrypted by the helper process
  (``EVIDENCE_CAPTURE_SEAL_HELPER_MIN_BYTES=0``) and by a thread of the sealing process (the threshold set out of
  reach), alternating, beside the seal peer.

Usage: ``python bench/seal_cpu.py [--quick]`` (``--quick``: 300 MB, 3 rounds instead of 5).
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from benchlib import Table, bench_identity, fill_incident, median, parse_quick, progress

MB = 1_000_000
CHILD = r"""
import sys
from pathlib import Path
from evidence.bundle.seal import seal_incident, verify_file
from evidence.case.profile import Profile
from evidence.crypto.keys import Identity
from evidence.vault.store import Vault
work, ref, mode = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
ident = Identity.parse_text((work / "identity.txt").read_text())
profile = Profile.standalone_for(ident.card, "Bench School")
with Vault(work / "vault.sqlite3") as v:
    if mode == "seal":
        seal_incident(v, ref, ident, profile, work / "out")
    else:
        verify_file(work / "out" / f"{ref}.r1.zip.age", ident, profile, require_origin=(mode == "verify"))
"""
HELPER_ENV = "EVIDENCE_CAPTURE_SEAL_HELPER_MIN_BYTES"


def random_items(total: int, count: int) -> Iterator[tuple[bytes, str | None, int, int]]:
    """``count`` items of random bytes (behind a PNG signature) adding up to ``total`` bytes."""
    rng = random.Random(total)
    for _ in range(count):
        yield b"\x89PNG\r\n\x1a\n" + rng.randbytes(total // count - 8), None, 1920, 1080


def timed(argv: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its children) of one run of ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, env=env, cwd=cwd, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run(quick: bool) -> list[Table]:
    """Fill one incident, then measure; return the CPU table and the helper table."""
    size_mb, rounds = (300, 3) if quick else (1000, 5)
    identity = bench_identity()
    with tempfile.TemporaryDirectory(prefix="ec-bench-seal-cpu-") as name:
        work = Path(name)
        (work / "identity.txt").write_text(identity.to_text())
        (work / "identity.txt").chmod(0o600)
        (work / "key.txt").write_text(identity.age_secret + "\n")
        (work / "key.txt").chmod(0o600)
        progress(f"seal cpu: filling {size_mb} MB")
        ref = fill_incident(work / "vault.sqlite3", identity, random_items(size_mb * MB, size_mb // 4))
        shutil.copy(work / "vault.sqlite3", work / "vault.pristine")

        def ours(mode: str, helper: bool | None = None) -> tuple[float, float]:
            env = dict(os.environ)
            if helper is not None:
                env[HELPER_ENV] = "0" if helper else str(1 << 60)
            if mode == "seal":
                shutil.rmtree(work / "out", ignore_errors=True)
                shutil.copy(work / "vault.pristine", work / "vault.sqlite3")
            return timed([sys.executable, "-c", CHILD, str(work), ref, mode], env=env)

        ours("seal")
        bundle = work / "out" / f"{ref}.r1.zip.age"
        subprocess.run(["age", "-d", "-i", str(work / "key.txt"), "-o", str(work / "z.zip"), str(bundle)], check=True)
        subprocess.run(["unzip", "-q", str(work / "z.zip"), "-d", str(work / "bag")], check=True)
        bag = work / "bag" / ref
        payload = sorted(str(p.relative_to(bag)) for p in (bag / "data").rglob("*") if p.is_file())
        peers = {
            "sha256sum over the payload": (["sha256sum", *payload], bag),
            "age -e over the zip": (
                ["age", "-e", "-r", identity.card.recipient, "-o", str(work / "p.age"), "../../z.zip"],
                bag,
            ),
            "age -d over the bundle": (
                ["age", "-d", "-i", str(work / "key.txt"), "-o", str(work / "z2.zip"), str(bundle)],
                bag,
            ),
            "sha256sum -c manifest-sha256.txt": (["sha256sum", "--quiet", "-c", "manifest-sha256.txt"], bag),
        }
        progress("seal cpu: CPU seconds")
        cpu = Table(
            f"CPU seconds of a {size_mb} MB seal and verify beside the peers (whole processes, median of 3)",
            ["what", "wall", "CPU (user + system, children included)"],
        )
        for label, mode in (("our seal", "seal"), ("our verify", "verify"), ("our verify --no-origin", "no-origin")):
            runs = [ours(mode) for _ in range(3)]
            cpu.add(label, f"{median([w for w, _ in runs]):.2f} s", f"{median([c for _, c in runs]):.2f} s")
        for label, (argv, cwd) in peers.items():
            runs = [timed(argv, cwd=cwd) for _ in range(3)]
            cpu.add(f"peer: {label}", f"{median([w for w, _ in runs]):.2f} s", f"{median([c for _, c in runs]):.2f} s")
        progress("seal cpu: helper process against thread")
        got: dict[str, list[float]] = {"helper process": [], "thread": [], "peer": []}
        for _ in range(rounds):
            got["helper process"].append(ours("seal", helper=True)[0])
            got["thread"].append(ours("seal", helper=False)[0])
            got["peer"].append(
                timed(peers["sha256sum over the payload"][0], cwd=bag)[0]
                + timed(peers["age -e over the zip"][0], cwd=bag)[0]
            )
        helper = Table(
            f"Seal of {size_mb} MB: the vault decrypted by the helper process or by a thread "
            f"(median of {rounds}, alternating)",
            ["seal", "wall", "vs peer"],
        )
        peer = median(got["peer"])
        for label, values in got.items():
            helper.add(label, f"{median(values):.2f} s", f"{peer / median(values):.2f}x")
        helper.notes.append("peer = sha256sum over the payload + age -e over the zip; vs peer = peer time / our time.")
    return [cpu, helper]


def main() -> None:
    """Print the tables."""
    for table in run(parse_quick(__doc__ or "")):
        print(table.render())


if __name__ == "__main__":
    main()
