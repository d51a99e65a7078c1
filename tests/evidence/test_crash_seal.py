"""Capture-and-seal loops killed with SIGKILL: nothing acknowledged is lost and no final-name file is half-written.

Issue "Benchmarks and adversarial suites" (adversarial part). A driver process (``crash_seal_driver.py``) creates
incidents, adds items and seals them into a drop folder, acknowledging each committed item and each completed
seal. The random test kills it at random moments, half of them inside a seal; the step tests kill it at each step
of a seal in turn. Afterwards the vault must open and pass SQLite's checks, every acknowledged item must decrypt
to its digest, every custody chain must verify, every acknowledged bundle must open and verify, and every file
under a final name (``REF.zip.age``, ``REF.zip.age.sig``) must be whole.

Problems this suite found and that are now fixed: a kill between a temporary file's write and
its rename leaves the ``.ec-tmp-*`` file behind for good, and a kill between logging ``sealed`` and setting the
status leaves a draft whose custody log says it was sealed.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from bundles import dsl, school_profile, staff
from faults import STRESS

from evidence import bundle
from evidence.bundle.seal import seal_incident
from evidence.case.custody import Action
from evidence.case.incident import Status
from evidence.core.fsutil import TEMP_PREFIX, leftover_temp_files
from evidence.crypto import ageio, sshsig
from evidence.vault.store import Vault

DRIVER = Path(__file__).with_name("crash_seal_driver.py")
TESTS = Path(__file__).resolve().parents[1]
KILLS = 200 if STRESS else 10
PAUSES = ("sig-rename", "bundle-rename", "log")


@dataclass
class Driver:
    """A running driver process, its stdout read by a thread into complete, time-stamped lines."""

    proc: subprocess.Popen[str]
    lines: list[tuple[float, str]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    reader: threading.Thread | None = None

    @classmethod
    def start(cls, vault: Path, drop: Path, seed: int, pause: str | None = None) -> Driver:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent), str(TESTS)])}
        args = [sys.executable, str(DRIVER), str(vault), str(drop), str(seed), *([pause] if pause else [])]
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        driver = cls(proc)
        driver.reader = threading.Thread(target=driver._read, daemon=True)
        driver.reader.start()
        return driver

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.endswith("\n"):  # a line cut short by the kill acknowledges nothing
                with self.changed:
                    self.lines.append((time.monotonic(), line.rstrip("\n")))
                    self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def wait_for(self, match: Callable[[str], bool], count: int = 1, timeout: float = 60) -> float:
        """Wait until ``count`` lines match; return when the last of them arrived."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                hits = [t for t, line in self.lines if match(line)]
                if len(hits) >= count:
                    return hits[count - 1]
                if self.proc.poll() is not None and not (self.reader and self.reader.is_alive()):
                    raise AssertionError(f"the driver exited ({self.proc.returncode}) before {count} matching lines")
                if time.monotonic() > deadline:
                    raise AssertionError(f"timed out waiting for the driver; it said {self.lines[-5:]}")
                self.changed.wait(0.05)

    def kill(self) -> list[str]:
        """SIGKILL the driver; return every complete line it printed (all of them are acknowledgements)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        assert self.reader is not None
        self.reader.join(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        return [line for _, line in self.lines]


@dataclass
class Acks:
    """What the driver acknowledged."""

    items: dict[tuple[str, int], str] = field(default_factory=dict)
    seals: dict[str, str] = field(default_factory=dict)

    def add(self, lines: list[str]) -> None:
        for line in lines:
            words = line.split()
            if words[:2] == ["ACK", "item"]:
                self.items[(words[2], int(words[3]))] = words[4]
            elif words[:2] == ["ACK", "seal"]:
                self.seals[words[2]] = words[3]


@dataclass
class DropState:
    """What a drop folder holds after the kills."""

    bundles: dict[str, str]  # REF -> SHA-256 of the whole, verified REF.zip.age
    orphan_signatures: list[str]  # REF.zip.age.sig with no REF.zip.age beside it
    leftovers: list[Path]  # .ec-tmp-* files


def check_drop_folder(drop: Path) -> DropState:
    """Every file under a final name is whole: each bundle opens and verifies, each signature is complete and
    (where its bundle is there) verifies; every temporary leftover holds ciphertext or a signature, never plaintext.
    """
    profile = school_profile()
    bundles: dict[str, str] = {}
    orphans = []
    names = sorted(p.name for p in drop.iterdir()) if drop.exists() else []
    for name in names:
        path = drop / name
        if name.startswith(TEMP_PREFIX):
            continue
        if name.endswith(bundle.BUNDLE_SUFFIX):
            ref = name[: -len(bundle.BUNDLE_SUFFIX)]
            ciphertext = path.read_bytes()
            verified = bundle.open_bundle(ciphertext, [dsl().age_secret], profile)  # a half-written one fails here
            assert verified.ref == ref
            bundles[ref] = hashlib.sha256(ciphertext).hexdigest()
        elif name.endswith(bundle.ORIGIN_SUFFIX):
            ref = name[: -len(bundle.ORIGIN_SUFFIX)]
            signature = path.read_bytes()
            assert signature.startswith(sshsig.BEGIN.encode()), name
            assert signature.endswith(sshsig.END.encode()), name
            beside = drop / f"{ref}{bundle.BUNDLE_SUFFIX}"
            if beside.exists():
                bundle.verify_origin(beside.read_bytes(), signature, profile)
            else:
                orphans.append(name)
        else:
            raise AssertionError(f"unexpected file in the drop folder: {name}")
    leftovers = leftover_temp_files(drop)
    for path in leftovers:
        data = path.read_bytes()
        age_prefix = data[: len(ageio.VERSION_LINE)] == ageio.VERSION_LINE[: len(data)]
        sig_prefix = data[: len(sshsig.BEGIN)] == sshsig.BEGIN.encode()[: len(data)]
        assert age_prefix or sig_prefix, f"{path.name} holds neither ciphertext nor a signature"
    return DropState(bundles, orphans, leftovers)


@dataclass
class VaultState:
    """What the vault says after the kills."""

    sealed: dict[str, str]  # REF -> bundle SHA-256 of its last "sealed" custody entry
    status: dict[str, Status]


def check_vault(path: Path, acks: Acks) -> VaultState:
    """The vault opens and passes SQLite's checks; every item decrypts to its digest (acknowledged ones are all
    there); every custody chain verifies."""
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        raw.close()
    keys = [staff().age_secret]
    sealed: dict[str, str] = {}
    status: dict[str, Status] = {}
    with Vault(path) as vault:  # runs PRAGMA quick_check and refuses a damaged vault
        for row in vault.list_incidents():
            status[row.ref] = row.status
            entries = vault.custody(row.ref, keys)  # verifies the chain
            for item in vault.items(row.ref):
                assert hashlib.sha256(vault.item_content(row.ref, item.seq, keys)).hexdigest() == item.sha256
            logged = [e for e in entries if e.action == Action.SEALED.value]
            if logged:
                sealed[row.ref] = str(logged[-1].details["bundle_sha256"])
        for (ref, seq), digest in acks.items.items():
            assert vault.item(ref, seq).sha256 == digest, f"acknowledged item {ref}/{seq} was lost"
    return VaultState(sealed, status)


def check_seals(acks: Acks, drop: DropState, vault: VaultState) -> list[str]:
    """Every acknowledged seal is complete; return the incidents whose custody says sealed but status does not."""
    for ref, digest in acks.seals.items():
        assert drop.bundles.get(ref) == digest, f"acknowledged bundle {ref} is missing or changed"
        assert vault.sealed.get(ref) == digest, ref
        assert vault.status[ref] is Status.SEALED, ref
    for ref, status in vault.status.items():
        if status is Status.SEALED:
            assert vault.sealed.get(ref) == drop.bundles.get(ref) is not None, f"{ref} is sealed without its bundle"
    half = sorted(ref for ref in vault.sealed if vault.status[ref] is not Status.SEALED)
    for ref in half:  # the known two-transaction gap: at least the bundle it logged is there, whole
        assert drop.bundles.get(ref) == vault.sealed[ref]
    return half


@pytest.mark.slow
@pytest.mark.stress
def test_random_kills_lose_nothing_acknowledged(tmp_path: Path) -> None:
    """SIGKILL the capture-and-seal loop at random moments (half of them inside a seal), then check everything."""
    seed = random.SystemRandom().randrange(1 << 32) if STRESS else 20261125
    rng = random.Random(seed)
    vault_path, drop = tmp_path / "vault.sqlite3", tmp_path / "drop"
    acks = Acks()
    seal_times = [0.05]
    for round_ in range(KILLS):
        driver = Driver.start(vault_path, drop, rng.randrange(1 << 30))
        ready = driver.wait_for(lambda line: line == "READY")
        if rng.random() < 0.5:
            time.sleep(max(0.0, ready + rng.uniform(0.0, 1.0) - time.monotonic()))
        else:
            began = driver.wait_for(lambda line: line.startswith("SEALING"), count=rng.randint(1, 3))
            time.sleep(max(0.0, began + rng.uniform(0.0, 1.2 * max(seal_times)) - time.monotonic()))
        lines = driver.kill()
        acks.add(lines)
        began_at = {line.split()[1]: t for t, line in driver.lines if line.startswith("SEALING")}
        for t, line in driver.lines:
            if line.startswith("ACK seal") and line.split()[2] in began_at:
                seal_times.append(t - began_at[line.split()[2]])
        assert driver.proc.returncode == -signal.SIGKILL, f"round {round_} (seed {seed}): the driver ended early"
    assert acks.items, f"nothing was acknowledged (seed {seed}): the test would prove nothing"
    assert acks.seals, f"nothing was acknowledged (seed {seed}): the test would prove nothing"
    drop_state = check_drop_folder(drop)
    vault_state = check_vault(vault_path, acks)
    half = check_seals(acks, drop_state, vault_state)
    assert not leftover_temp_files(tmp_path), "the vault's folder must hold no temporary files"
    print(  # noqa: T201 (the run's figures, shown with -rP; the two known problems are pinned by the strict xfails below)
        f"seed {seed}: {KILLS} kills, {len(acks.items)} items and {len(acks.seals)} seals acknowledged; "
        f"temporary leftovers {[p.name for p in drop_state.leftovers]}; orphan signatures "
        f"{drop_state.orphan_signatures}; sealed in custody but not in status {half}"
    )


# -- a kill at each step of a seal -------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=PAUSES)
def killed_at(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Acks]:
    """A vault and drop folder as a driver left them when killed just before ``request.param``."""
    point = str(request.param)
    base = tmp_path_factory.mktemp(f"killed-{point}")
    driver = Driver.start(base / "vault.sqlite3", base / "drop", 7, point)
    driver.wait_for(lambda line: line == f"PAUSED {point}")
    acks = Acks()
    acks.add(driver.kill())
    assert acks.items
    assert not acks.seals
    return point, base, acks


def _copy(state: tuple[str, Path, Acks], tmp_path: Path) -> tuple[str, Path, Acks]:
    point, base, acks = state
    shutil.copytree(base, tmp_path / "state")
    return point, tmp_path / "state", acks


def _reseal(base: Path) -> None:
    """Seal the interrupted incident again, in-process, into the same drop folder."""
    with Vault(base / "vault.sqlite3") as vault:
        (row,) = vault.list_incidents()
        result = seal_incident(vault, row.ref, staff(), school_profile(), base / "drop")
        assert vault.incident(row.ref).status is Status.SEALED
    bundle.open_bundle(result.path.read_bytes(), [dsl().age_secret], school_profile())


def test_a_kill_at_any_step_of_a_seal_leaves_only_whole_files(
    killed_at: tuple[str, Path, Acks], tmp_path: Path
) -> None:
    point, base, acks = _copy(killed_at, tmp_path)
    drop = check_drop_folder(base / "drop")
    vault = check_vault(base / "vault.sqlite3", acks)
    (ref,) = vault.status
    has_bundle, has_signature = ref in drop.bundles, (base / "drop" / f"{ref}{bundle.ORIGIN_SUFFIX}").exists()
    assert (has_signature, has_bundle) == {
        "sig-rename": (False, False),
        "bundle-rename": (True, False),
        "log": (True, True),
    }[point]
    assert vault.status[ref] is Status.DRAFT  # nothing is sealed until the status says so
    assert ref not in vault.sealed  # the "sealed" entry and the status commit together, or not at all
    # the seal streams the bundle into its temp file first (its origin signature is over those bytes), so a kill
    # before the signature's rename leaves both temp files; neither is ever published half-written
    assert sorted(p.name.split("-", 3)[-1] for p in drop.leftovers) == {
        "sig-rename": [f"{ref}{bundle.BUNDLE_SUFFIX}", f"{ref}{bundle.ORIGIN_SUFFIX}"],
        "bundle-rename": [f"{ref}{bundle.BUNDLE_SUFFIX}"],
    }.get(point, [])
    _reseal(base)  # the draft is intact: sealing it again works, and its bundle verifies


@pytest.mark.parametrize("killed_at", ["sig-rename", "bundle-rename"], indirect=True)
def test_no_temporary_file_outlives_a_kill(killed_at: tuple[str, Path, Acks], tmp_path: Path) -> None:
    _, base, _ = _copy(killed_at, tmp_path)
    hour_ago = time.time() - 3600
    for path in leftover_temp_files(base / "drop"):
        os.utime(path, (hour_ago, hour_ago))  # long stale: no writer can still be using it
    _reseal(base)  # the next write to the drop folder
    assert leftover_temp_files(base / "drop") == []


@pytest.mark.parametrize("killed_at", ["log"], indirect=True)
def test_the_sealed_entry_and_the_status_commit_together(killed_at: tuple[str, Path, Acks], tmp_path: Path) -> None:
    _, base, acks = _copy(killed_at, tmp_path)
    vault = check_vault(base / "vault.sqlite3", acks)
    (ref,) = vault.status
    assert ref not in vault.sealed
    assert vault.status[ref] is Status.DRAFT
    _reseal(base)
    vault = check_vault(base / "vault.sqlite3", acks)
    assert ref in vault.sealed
    assert vault.status[ref] is Status.SEALED
