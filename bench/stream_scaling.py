"""How seal, verify, open and review scale (issue 16): wall time and peak RSS beside `age` + `sha256sum`.

Each case is one incident of N items adding up to a total size (random bytes behind a PNG signature: the vault and
the bundle never decode images, so their content does not change the work), filled once into a fresh vault. Each
step then runs in a fresh subprocess of this script, which times only the step and prints its own ``VmHWM``:

- **idle**: import the code, parse the identity (no scrypt), open the vault, then stop: the floor every step pays;
- **seal**: ``evidence.bundle.seal.seal_incident`` into a drop folder (vault → zip → age → temp file → publish);
- **verify**: ``evidence.bundle.seal.verify_file`` on that bundle (origin signature, decrypt, every check);
- **open**: ``verify_file`` and then every item's bytes, as the reviewer app does for its thumbnails;
- **review**: ``review.record_action`` (issue 15's publishing: verify revision 1, stream revision 2 into the drop
  folder with no replace, read it back and verify it);
- **export**: ``verify_file`` and then ``evidence.police.export.export_police`` with a pack encrypted to a recipient:
  ``REF.zip``, the unpacked bag, ``SHA256SUMS`` and its signature, read back, then the ``.zip.age`` pack (the
  report PDF is a small stand-in: drawing it is Qt's work on the previews, not the bundle's size).

Peers, on the same bytes: **seal peer** = ``sha256sum`` over the bag's payload files + ``age -e -r R`` over the
zip; **verify peer** = ``age -d -i KEY`` over the bundle + ``sha256sum -c manifest-sha256.txt`` in the extracted
bag. Their peak RSS comes from ``wait4`` in a minimal interpreter that forks them (``memory.peer_peak``).

Marginal throughput = (size of the large case − size of the small case) / (time of the large − time of the
small), which leaves out the fixed costs of both sides (start-up, the signatures, fsync). Targets: seal ≥ 0.8x and
verify ≥ 0.9x the peers' marginal throughput; peak RSS grows by ≤ 64 MiB from 40 MB to 1 GB.

``--quick``: the 40 MB cases only. Usage: ``python bench/stream_scaling.py [--quick] [--cases 40x1,1000x250]``.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from benchlib import Table, bench_identity, fill_incident, median, progress, time_process, vm_hwm_bytes
from memory import peer_peak

MB = 1_000_000
MIB = 1024**2
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CASES = [(40, 1), (40, 10), (40, 100), (40, 1000), (1000, 250), (1900, 475)]
"""(total MB, items): the item axis at 40 MB, then the size axis at 4 MB items up to the largest bundle the 2 GiB cap
lets through (a 4 GB bundle is refused by that cap; see RESULTS.md)."""
STEPS = ("idle", "seal", "verify", "open", "review", "export")


def random_items(total: int, count: int) -> Iterator[tuple[bytes, str | None, int, int]]:
    """``count`` items of random bytes (behind a PNG signature) adding up to ``total`` bytes."""
    rng = random.Random(total * 7 + count)
    size = total // count
    for _ in range(count):
        yield PNG_SIGNATURE + rng.randbytes(size - len(PNG_SIGNATURE)), None, 1920, 1080


def child(mode: str, work: Path, ref: str) -> None:
    """Run one step in this fresh process; print its wall time and peak RSS as JSON."""
    from evidence.bundle.seal import seal_incident, verify_file
    from evidence.case.profile import Profile
    from evidence.crypto.keys import Identity
    from evidence.review import actions as review
    from evidence.vault.store import Vault

    identity = Identity.parse_text((work / "identity.txt").read_text())
    profile = Profile.standalone_for(identity.card, "Bench School")
    bundle_path = work / "out" / f"{ref}.r1.zip.age"
    with Vault(work / "vault.sqlite3") as vault:
        start = time.perf_counter()
        if mode == "seal":
            seal_incident(vault, ref, identity, profile, work / "out")
        elif mode == "verify":
            verify_file(bundle_path, identity, profile)
        elif mode == "open":
            verified = verify_file(bundle_path, identity, profile)
            for _item, _data in verified.item_contents(verified.items):
                pass
        elif mode == "review":
            review.record_action(work / "out", ref, identity, profile, review.ReviewAction.NOTE, "bench")
        elif mode == "export":
            from evidence.police import export

            verified = verify_file(bundle_path, identity, profile)
            export.export_police(
                verified,
                work / "export",
                report_pdf=b"%PDF-1.4 stand-in",
                exported_by="Bench",
                officer_reference="BENCH/1",
                exported_utc="2026-01-01T00:00:00Z",
                signer=identity,
                pack_recipient=identity.card.recipient,
            )
        elapsed = time.perf_counter() - start
    print(json.dumps({"mode": mode, "seconds": elapsed, "peak": vm_hwm_bytes()}), flush=True)


def run_child(mode: str, work: Path, ref: str) -> tuple[float, int]:
    """(seconds, peak RSS bytes) of a fresh child running ``mode``."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", mode, str(work), ref],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child {mode} failed: {done.stderr[-2000:]}")
    got = json.loads(done.stdout.strip().splitlines()[-1])
    return float(got["seconds"]), int(got["peak"])


def peers(work: Path, ref: str, recipient: str) -> dict[str, tuple[float, int]]:
    """Wall time and peak RSS of the stock tools doing what seal and verify do."""
    key = work / "key.txt"
    bundle_path = work / "out" / f"{ref}.r1.zip.age"
    zip_path = work / "peer.zip"
    subprocess.run(["age", "-d", "-i", str(key), "-o", str(zip_path), str(bundle_path)], check=True)
    bag_root = work / "bag"
    shutil.rmtree(bag_root, ignore_errors=True)
    subprocess.run(["unzip", "-q", str(zip_path), "-d", str(bag_root)], check=True)
    bag = bag_root / ref
    payload = sorted(str(p.relative_to(bag)) for p in (bag / "data").rglob("*") if p.is_file())
    t_sum = time_process(["sha256sum", *payload], cwd=bag)
    m_sum = peer_peak(["sh", "-c", f"cd {bag} && sha256sum {' '.join(payload)} > /dev/null"])
    t_enc = time_process(["age", "-e", "-r", recipient, "-o", str(work / "peer.age"), str(zip_path)])
    m_enc = peer_peak(["age", "-e", "-r", recipient, "-o", str(work / "peer.age"), str(zip_path)])
    t_dec = time_process(["age", "-d", "-i", str(key), "-o", str(work / "peer2.zip"), str(bundle_path)])
    m_dec = peer_peak(["age", "-d", "-i", str(key), "-o", str(work / "peer2.zip"), str(bundle_path)])
    t_chk = time_process(["sha256sum", "--quiet", "-c", "manifest-sha256.txt"], cwd=bag)
    m_chk = peer_peak(["sh", "-c", f"cd {bag} && sha256sum --quiet -c manifest-sha256.txt"])
    return {
        "seal": (t_sum + t_enc, max(m_sum, m_enc)),
        "verify": (t_dec + t_chk, max(m_dec, m_chk)),
        "zip": (float(zip_path.stat().st_size), 0),
    }


def run(quick: bool, cases: list[tuple[int, int]] | None = None, runs: int = 3) -> list[Table]:
    """Measure every case; return the scaling table and the targets' table."""
    cases = cases or ([c for c in CASES if c[0] <= 40] if quick else CASES)
    identity = bench_identity()
    table = Table(
        f"Scaling: wall time and peak RSS beside age + sha256sum (median of {runs} for times; one fresh process each)",
        [
            "bundle",
            "items",
            "zip MB",
            "seal",
            "peer",
            "verify",
            "peer",
            "open",
            "review",
            "export",
            "idle RSS",
            "seal RSS",
            "verify RSS",
            "open RSS",
            "review RSS",
            "export RSS",
            "peer seal RSS",
            "peer verify RSS",
        ],
    )
    results: dict[tuple[int, int], dict[str, tuple[float, int]]] = {}
    for total_mb, count in cases:
        with tempfile.TemporaryDirectory(prefix="ec-bench-scaling-") as name:
            work = Path(name)
            progress(f"scaling: building {total_mb} MB in {count} items")
            (work / "identity.txt").write_text(identity.to_text())
            (work / "identity.txt").chmod(0o600)
            (work / "key.txt").write_text(identity.age_secret + "\n")
            (work / "key.txt").chmod(0o600)
            ref = fill_incident(work / "vault.sqlite3", identity, random_items(total_mb * MB, count))
            shutil.copy(work / "vault.sqlite3", work / "vault.pristine")
            got: dict[str, list[tuple[float, int]]] = {s: [] for s in STEPS}
            for _ in range(runs):
                progress(f"scaling: {total_mb} MB x {count}: seal, verify, open, review, export")
                shutil.rmtree(work / "out", ignore_errors=True)
                shutil.rmtree(work / "export", ignore_errors=True)
                shutil.copy(work / "vault.pristine", work / "vault.sqlite3")
                for step in STEPS:
                    got[step].append(run_child(step, work, ref))
            progress(f"scaling: {total_mb} MB x {count}: peers")
            peer_runs = [peers(work, ref, identity.card.recipient) for _ in range(runs)]
            for path in ("peer.zip", "peer2.zip", "peer.age"):
                (work / path).unlink(missing_ok=True)
            shutil.rmtree(work / "bag", ignore_errors=True)
            row = {s: (median([t for t, _ in v]), max(m for _, m in v)) for s, v in got.items()}
            for k in ("seal", "verify"):
                row[f"peer {k}"] = (median([p[k][0] for p in peer_runs]), max(p[k][1] for p in peer_runs))
            row["zip"] = peer_runs[0]["zip"]
            results[(total_mb, count)] = row
            table.add(
                f"{total_mb} MB",
                count,
                f"{row['zip'][0] / MB:.1f}",
                f"{row['seal'][0]:.2f} s",
                f"{row['peer seal'][0]:.2f} s",
                f"{row['verify'][0]:.2f} s",
                f"{row['peer verify'][0]:.2f} s",
                f"{row['open'][0]:.2f} s",
                f"{row['review'][0]:.2f} s",
                f"{row['export'][0]:.2f} s",
                f"{row['idle'][1] / MIB:.0f} MiB",
                f"{row['seal'][1] / MIB:.0f} MiB",
                f"{row['verify'][1] / MIB:.0f} MiB",
                f"{row['open'][1] / MIB:.0f} MiB",
                f"{row['review'][1] / MIB:.0f} MiB",
                f"{row['export'][1] / MIB:.0f} MiB",
                f"{row['peer seal'][1] / MIB:.0f} MiB",
                f"{row['peer verify'][1] / MIB:.0f} MiB",
            )
    table.notes += [
        "Times are the step alone inside a fresh process (no interpreter start); peers are whole processes.",
        "RSS figures are whole-process peaks (VmHWM); idle is the floor of a process that imports the code and "
        "opens the vault.",
    ]
    return [table, _targets(results)]


def _targets(results: dict[tuple[int, int], dict[str, tuple[float, int]]]) -> Table:
    """Marginal throughput and RSS growth between the smallest and the largest size at 4 MB items."""
    table = Table(
        "Issue 16 targets: marginal throughput and RSS growth (40 MB x 10 → 1 GB x 250 items)",
        ["measure", "ours", "peer", "ours/peer", "target", "verdict"],
    )
    small, large = results.get((40, 10)), results.get((1000, 250))
    if small is None or large is None:
        table.notes.append("needs the 40 MB x 10 and 1000 MB x 250 cases")
        return table
    size = large["zip"][0] - small["zip"][0]
    for step, target in (("seal", 0.8), ("verify", 0.9)):
        ours = size / (large[step][0] - small[step][0]) / MB
        peer = size / (large[f"peer {step}"][0] - small[f"peer {step}"][0]) / MB
        ok = ours / peer >= target
        table.add(
            f"{step} marginal MB/s",
            f"{ours:.0f}",
            f"{peer:.0f}",
            f"{ours / peer:.2f}x",
            f"≥ {target}x",
            "met" if ok else "MISSED",
        )
    for step in ("seal", "verify", "open", "review", "export"):
        growth = (large[step][1] - small[step][1]) / MIB
        table.add(f"{step} RSS growth", f"{growth:+.0f} MiB", "", "", "≤ +64 MiB", "met" if growth <= 64 else "MISSED")
    return table


def main() -> None:
    """Print the tables, or run one child step."""
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), sys.argv[4])
        return
    quick = "--quick" in sys.argv
    cases = None
    runs = 3
    if "--cases" in sys.argv:
        spec = sys.argv[sys.argv.index("--cases") + 1]
        cases = [(int(a), int(b)) for a, b in (c.split("x") for c in spec.split(","))]
    if "--runs" in sys.argv:
        runs = int(sys.argv[sys.argv.index("--runs") + 1])
    for table in run(quick, cases, runs):
        print(table.render())


if __name__ == "__main__":
    main()
