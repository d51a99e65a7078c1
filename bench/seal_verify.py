"""Seal and verify throughput for an incident of 100 captures (~80 MB), against the stock age CLI and sha256sum.

The incident holds 100 real PNG captures of a 4K chat-like screen (``frames.text_frame``, each shifted by a few
pixels so that no two are alike; 0.8 MB each at the app's PNG level), made once and stored in a vault. Each
round copies that vault and measures, in turn:

- **seal**: ``evidence.bundle.seal.seal_incident`` (decrypt each item from the vault, build and hash the bag, sign,
  zip, verify the bag as a reader would, encrypt to the reviewers, sign the ciphertext, write both files with
  fsync, log the seal);
- **seal peer**: ``sha256sum`` over the bag's payload files, plus ``age -e -r RECIPIENT`` encrypting the same zip;
- **verify**: ``evidence.bundle.seal.verify_file`` (read, check the origin signature, decrypt, check every rule and
  hash, the signatures and the custody chain);
- **verify peer**: ``age -d -i KEY`` decrypting the same bundle, plus ``sha256sum -c manifest-sha256.txt`` in the
  extracted bag (what a recipient runs with stock tools, less the unzip).

Throughput is the bundle's plaintext (the zip) in MB per second of wall time. Each figure is the median of the
rounds, after one warm-up round. Target: ours ≥ 0.7x the peer's throughput.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mss.tools
from benchlib import (
    Table,
    bench_identity,
    fill_incident,
    median,
    parse_quick,
    progress,
    time_process,
    verdict,
)
from frames import text_frame
from PIL import ImageChops

from evidence import bundle
from evidence.bundle import safezip
from evidence.bundle.seal import seal_incident, verify_file
from evidence.capture import screen as capture
from evidence.case.profile import Profile
from evidence.vault.store import Vault

ITEMS = 100
TARGET = 0.7


def chat_captures(count: int) -> Iterator[tuple[bytes, str, int, int]]:
    """``count`` distinct 4K chat-screen PNGs, encoded as the app encodes them, with their pixel digests."""
    base = text_frame(3840, 2160)
    for i in range(count):
        image = ImageChops.offset(base, 7 * i, 3 * i)
        rgb = image.tobytes()
        png = mss.tools.to_png(rgb, image.size, level=capture.PNG_LEVEL)
        assert png is not None
        yield png, capture.pixels_sha256(rgb, *image.size), image.width, image.height


def _timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(quick: bool) -> list[Table]:
    """Measure seal and verify against the peers; return the table."""
    runs = 3 if quick else 5
    identity = bench_identity()
    profile = Profile.standalone_for(identity.card, "Bench School")
    recipient = identity.card.recipient
    table = Table(
        f"Seal and verify throughput, incident of {ITEMS} captures (median of {runs})",
        ["step", "plaintext MB", "ours", "ours MB/s", "peer", "peer MB/s", "ours/peer throughput", "target ≥ 0.7x"],
    )
    with tempfile.TemporaryDirectory(prefix="ec-bench-seal-") as name:
        tmp = Path(name)
        progress(f"seal/verify: building an incident of {ITEMS} captures")
        pristine = tmp / "pristine.sqlite3"
        ref = fill_incident(pristine, identity, chat_captures(ITEMS))
        key_file = tmp / "key.txt"
        key_file.write_text(identity.age_secret + "\n")
        key_file.chmod(0o600)
        peer_dir = tmp / "peer"
        bag_dir = peer_dir / "bag"
        seal_t: list[float] = []
        verify_t: list[float] = []
        seal_peer_t: list[float] = []
        verify_peer_t: list[float] = []
        zip_size = 0
        for i in range(runs + 1):  # round 0 warms up and prepares the peers' files
            progress(f"seal/verify: round {i}/{runs}")
            work = tmp / f"round{i}"
            work.mkdir()
            vault_path = work / "vault.sqlite3"
            shutil.copyfile(pristine, vault_path)
            with Vault(vault_path) as vault:
                start = time.perf_counter()
                result = seal_incident(vault, ref, identity, profile, work / "out")
                s = time.perf_counter() - start
            v = _timed(lambda: verify_file(result.path, identity, profile))  # noqa: B023 - called at once
            if i == 0:
                zip_bytes = bundle.decrypt_bundle(result.path.read_bytes(), [identity.age_secret])
                zip_size = len(zip_bytes)
                peer_dir.mkdir()
                (peer_dir / "bundle.zip").write_bytes(zip_bytes)
                shutil.copyfile(result.path, peer_dir / "bundle.zip.age")
                for member, data in safezip.read_zip(zip_bytes).items():
                    target = bag_dir / member.split("/", 1)[1]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                payload = sorted(str(p.relative_to(bag_dir)) for p in (bag_dir / "data").rglob("*") if p.is_file())
            sp = time_process(["sha256sum", *payload], cwd=bag_dir) + time_process(
                ["age", "-e", "-r", recipient, "-o", str(peer_dir / "peer.zip.age"), str(peer_dir / "bundle.zip")]
            )
            vp = time_process(
                ["age", "-d", "-i", str(key_file), "-o", str(peer_dir / "peer.zip"), str(peer_dir / "bundle.zip.age")]
            ) + time_process(["sha256sum", "--quiet", "-c", "manifest-sha256.txt"], cwd=bag_dir)
            if i:
                seal_t.append(s)
                verify_t.append(v)
                seal_peer_t.append(sp)
                verify_peer_t.append(vp)
            shutil.rmtree(work)
    mb = zip_size / 1e6
    worst = float("inf")
    for step, ours, peer in (("seal", seal_t, seal_peer_t), ("verify", verify_t, verify_peer_t)):
        o, p = median(ours), median(peer)
        r = p / o  # throughput ratio: (mb / o) / (mb / p)
        worst = min(worst, r)
        table.add(
            step,
            f"{mb:.1f}",
            f"{o:.2f} s",
            f"{mb / o:.0f}",
            f"{p:.2f} s",
            f"{mb / p:.0f}",
            f"{r:.2f}x",
            verdict(r >= TARGET),
        )
    table.notes += [
        "seal peer = `sha256sum` over the bag's payload files + `age -e -r RECIPIENT` over the same zip; "
        "verify peer = `age -d -i KEY` over the same bundle + `sha256sum -c manifest-sha256.txt` in the extracted bag.",
        "Ours also does what the peers do not: our seal decrypts 100 items from the vault, signs twice, verifies the "
        "bag before handing it over and fsyncs; our verify checks the origin signature and every bag rule.",
        f"Target ≥ {TARGET}x the peers' throughput: {verdict(worst >= TARGET)} (worst {worst:.2f}x).",
    ]
    return [table]


def main() -> None:
    """Print the table."""
    for table in run(parse_quick(__doc__ or "")):
        print(table.render())


if __name__ == "__main__":
    main()
