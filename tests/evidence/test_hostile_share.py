"""Issue 10, points 4-7: hostile files in the drop folder and on the command line, run for real.

Each case puts something hostile where a reviewer's tools will meet it (a FIFO or a symlink to ``/dev/zero`` named
``REF.zip.age.sig``, a folder named ``.sig``, sparse multi-GB files, a 2 GiB age file anyone can encrypt to the
reviewers' public keys, zips that claim huge sizes or 100,000 entries, extra or missing age recipients, a missing
origin signature, a rolled-back or forked revision, control and bidi characters in names) and runs the real command
line in a subprocess: ``verify``, ``review``, ``export-police`` and the inbox scan (``hostile_scan_driver.py``).
Every run must end within a timeout, with the expected exit code, with one line on stderr that names the file and
the check and holds no traceback and no control character, and with a peak RSS under :data:`PEAK_RSS_CAP_MIB`
(the command's own ``ru_maxrss``, from ``wait4`` in a small wrapper process).

Multi-GB inputs are sparse files (nothing is written) or, for the 2 GiB age file, streamed from ``/dev/zero``
through the stock ``age`` CLI into one file that all cases share by hard link; nothing large is ever held in memory.

The figures of every run are collected in a table: run with ``-s`` to see it, or set ``HOSTILE_TABLE=FILE`` to have
it written there.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from bundles import dsl, head, make_sealed, school_profile, staff, write_revision
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from helpers import identity

from app.paths import Paths
from evidence import bundle
from evidence.bundle import safezip
from evidence.core.errors import BundleError
from evidence.core.text import BIDI_CONTROLS, clean_text
from evidence.crypto import ageio, sshsig
from evidence.crypto.keys import unlock_identity_file
from evidence.review.actions import ReviewAction, add_review

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, /dev/zero and sparse files are POSIX")

PASS = "a long test passphrase"
PEAK_RSS_CAP_MIB = 400
"""Generous: the app's own baseline is far below; a 2 GiB input held in memory would be far above."""
TIMEOUT_S = 120
"""Generous for a shared machine; a FIFO would hang for ever and a 2 GiB read would take far longer in memory."""
REF = "EC-20261125-ABCDEF"
GIB = 1024**3
AGE_FILE_PLAINTEXT = 2 * GIB - 4 * 1024 * 1024
"""2 GiB less a little, so the age file stays under the bundle cap and so reaches the decryptor."""
REPO = Path(__file__).resolve().parents[2]
SCAN_DRIVER = Path(__file__).with_name("hostile_scan_driver.py")


# -- measuring a child ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One subprocess run and its figures."""

    case: str
    what: str
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mib: float
    timed_out: bool

    def line(self) -> str:
        """The single stderr line (no traceback, no control or bidi character)."""
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1, (self.case, self.stderr)
        assert "Traceback" not in self.stderr
        assert_clean(lines[0])
        return lines[0]


ROWS: list[tuple[str, str, int, str, float, float]] = []


_WRAPPER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
os.write(int(sys.argv[1]), str(usage.ru_maxrss).encode())
sys.exit(os.waitstatus_to_exitcode(status))
"""
"""Runs the command as its own child and reports that child's peak RSS (KiB) on the fd it is given. A child forked
from pytest itself would report pytest's peak instead: Linux keeps the high-water mark of the memory it was forked
from (vfork shares it until exec)."""


def measured(case: str, what: str, args: list[str], *, timeout: float = TIMEOUT_S) -> Run:
    """Run ``args`` and measure it: wall time and its own peak RSS (``wait4``); killed after ``timeout``."""
    env = {**os.environ, "EVIDENCE_CAPTURE_TESTING": "1", "PYTHONPATH": str(REPO)}
    report_r, report_w = os.pipe()
    start = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-c", _WRAPPER, str(report_w), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        pass_fds=(report_w,),
        start_new_session=True,  # so a timeout kills the command too, not only the wrapper
    )
    os.close(report_w)
    killer = threading.Timer(timeout, lambda: os.killpg(child.pid, signal.SIGKILL))
    killer.start()
    try:
        out, err = child.communicate()
    finally:
        killer.cancel()
    with os.fdopen(report_r, "rb") as report:
        peak_kib = report.read().decode("ascii")
    seconds = time.monotonic() - start
    run = Run(
        case,
        what,
        child.returncode,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        seconds,
        int(peak_kib or 0) / 1024,
        seconds >= timeout,
    )
    assert not run.timed_out, f"{case}: {what} did not finish within {timeout} s"
    assert peak_kib, f"{case}: {what} reported no peak RSS: {run.stderr}"
    assert run.peak_mib < PEAK_RSS_CAP_MIB, f"{case}: {what} peaked at {run.peak_mib:.0f} MiB"
    return run


def record(run: Run, check: str) -> None:
    ROWS.append((run.case, run.what, run.code, check, run.seconds, run.peak_mib))


def assert_clean(text: str) -> None:
    """No control character (ESC, CR, C1, ...) and no bidi control in text a terminal will show."""
    assert not any(ch in BIDI_CONTROLS for ch in text), repr(text)
    assert all(ch in "\n\t" or not (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F) for ch in text), repr(text)


def shown(path: Path) -> str:
    """A path as the CLI prints it: no control or bidi character, line breaks as spaces."""
    return clean_text(str(path)).replace("\n", " ")


def failed_check(run: Run, path: Path) -> str:
    """The check a ``FAILED: PATH: CHECK: ...`` line names (the format the CLI prints for a bundle)."""
    line = run.line()
    prefix = f"evidence-capture: FAILED: {shown(path)}: "
    assert line.startswith(prefix), (run.case, line)
    return line[len(prefix) :].split(":", 1)[0]


@pytest.fixture(scope="module", autouse=True)
def _table() -> Iterator[None]:
    """Print (and optionally write) the figures of every run once the module is done."""
    yield
    if not ROWS:
        return
    lines = [
        "| case | run | exit | check | seconds | peak RSS MiB |",
        "|---|---|---|---|---|---|",
        *(f"| {c} | {w} | {x} | {k} | {s:.2f} | {m:.0f} |" for c, w, x, k, s, m in ROWS),
    ]
    table = "\n".join(lines)
    sys.stdout.write("\n" + table + "\n")
    target = os.environ.get("HOSTILE_TABLE")
    if target:
        Path(target).write_text(table + "\n", encoding="utf-8")


# -- the world: a school, a reviewer, a genuine bundle -------------------------------------------------------------


@dataclass(frozen=True)
class World:
    base: Path
    data: Path
    profile: Path
    ident: Path
    passfile: Path
    bundle: Path
    zip_bytes: bytes

    def cli(self, case: str, *args: str, data: Path | None = None, timeout: float = TIMEOUT_S) -> Run:
        what = args[0]
        argv = [sys.executable, "-m", "app.main", "--data-dir", str(data or self.data), "--profile", str(self.profile)]
        return measured(case, what, [*argv, *args], timeout=timeout)

    def unlock(self) -> list[str]:
        return ["--identity", str(self.ident), "--passphrase-file", str(self.passfile)]

    def verify(self, case: str, path: Path, *extra: str, data: Path | None = None) -> Run:
        return self.cli(case, "verify", str(path), *self.unlock(), *extra, data=data)

    def scan(self, case: str, folder: Path) -> tuple[Run, dict[str, dict[str, str | None]]]:
        run = measured(case, "inbox scan", [sys.executable, str(SCAN_DRIVER), str(folder), str(self.profile)])
        assert run.code == 0, run.stderr
        assert run.stderr == ""
        entries = [json.loads(line) for line in run.stdout.splitlines()]
        return run, {e["name"]: e for e in entries}

    def drop(self, name: str) -> Path:
        """A fresh drop folder holding a copy of the genuine bundle and its origin signature."""
        folder = self.base / name
        folder.mkdir()
        shutil.copy(self.bundle, folder / self.bundle.name)
        shutil.copy(sig_of(self.bundle), sig_of(folder / self.bundle.name))
        return folder


def cheap_identity_file(text: bytes, passphrase: str, log_n: int = 10) -> bytes:
    """An age passphrase file of ``text`` with a low scrypt work factor, written from the age spec (C2SP age.md).

    The app's identity files use pyrage's work factor of about a second, which takes 1 GiB of memory by itself:
    every run would peak there, and the figures would say nothing about how a hostile file is handled. This
    independent writer (a test helper only; the app never writes age itself) makes the same kind of file cheap
    to open, and the test checks that pyrage opens it.
    """
    file_key, salt, nonce = os.urandom(16), os.urandom(16), os.urandom(16)
    wrap_key = hashlib.scrypt(
        passphrase.encode(), salt=b"age-encryption.org/v1/scrypt" + salt, n=2**log_n, r=8, p=1, dklen=32
    )
    body = ChaCha20Poly1305(wrap_key).encrypt(b"\0" * 12, file_key, None)
    b64 = lambda raw: base64.b64encode(raw).rstrip(b"=")  # noqa: E731 - age's unpadded base64
    header = b"age-encryption.org/v1\n-> scrypt " + b64(salt) + b" %d\n" % log_n + b64(body) + b"\n---"
    mac_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"", info=b"header").derive(file_key)
    mac = hmac.new(mac_key, header, "sha256").digest()
    payload_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=nonce, info=b"payload").derive(file_key)
    assert len(text) <= 64 * 1024  # one chunk, the last one
    chunk = ChaCha20Poly1305(payload_key).encrypt(b"\0" * 11 + b"\x01", text, None)
    return header + b" " + b64(mac) + b"\n" + nonce + chunk


def sig_of(path: Path) -> Path:
    return path.with_name(path.name + ".sig")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    base = tmp_path_factory.mktemp("hostile")
    sealed = make_sealed(base / "seal")
    profile = base / "profile.toml"
    profile.write_text(school_profile().to_toml(), encoding="utf-8")
    ident = base / "dsl.identity.age"
    ident.write_bytes(cheap_identity_file(dsl().to_text().encode("utf-8"), PASS))
    assert unlock_identity_file(ident, PASS).card == dsl().card  # pyrage opens what the test wrote
    passfile = base / "pass.txt"
    passfile.write_text(PASS + "\n", encoding="utf-8")
    data = base / "data"
    data.mkdir()
    return World(base, data, profile, ident, passfile, sealed.result.path, sealed.zip_bytes)


def sign_origin_streaming(path: Path, who: str = "staff") -> None:
    """Write ``path.sig``: an origin signature over the file, hashed in chunks (for the 2 GiB file)."""
    digest = hashlib.sha512()
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    signer = {"staff": staff(), "outsider": identity("Olly Outsider", "out@elsewhere.example")}[who]
    sig_of(path).write_text(sshsig.sign_digest(signer.signing_key, digest.digest(), bundle.ORIGIN_NAMESPACE), "ascii")


def encrypted(zip_bytes: bytes, recipients: list[str], folder: Path, *, signer: str | None = "staff") -> Path:
    """``folder/REF.zip.age``: ``zip_bytes`` encrypted to ``recipients``, with an origin signature by ``signer``."""
    folder.mkdir(exist_ok=True)
    path = folder / f"{REF}.zip.age"
    path.write_bytes(ageio.encrypt(zip_bytes, recipients))
    if signer is not None:
        sign_origin_streaming(path, signer)
    return path


def reviewers() -> list[str]:
    return [dsl().card.recipient, head().card.recipient]


@pytest.fixture(scope="module")
def age_2gib(world: World) -> Iterator[Path]:
    """A 2 GiB age file of zeros to the reviewers' public keys, made by the stock age CLI from a pipe."""
    if shutil.which("age") is None:
        pytest.skip("needs the age CLI")
    path = world.base / "zeros.age"
    args = ["age", "-r", dsl().card.recipient, "-r", head().card.recipient, "-o", str(path)]
    with subprocess.Popen(["head", "-c", str(AGE_FILE_PLAINTEXT), "/dev/zero"], stdout=subprocess.PIPE) as zeros:
        subprocess.run(args, stdin=zeros.stdout, check=True, timeout=600)
    assert path.stat().st_size < bundle.MAX_BUNDLE_BYTES
    inode = path.stat().st_ino
    yield path
    for link in world.base.rglob("*"):  # the cases' hard links too: pytest keeps old temp folders for a while
        if link.is_file() and not link.is_symlink() and link.stat().st_ino == inode:
            link.unlink()


# -- point 7: only regular files, bounded reads -------------------------------------------------------------------


def test_fifo_signature(world: World) -> None:
    folder = world.drop("fifo-sig")
    path = folder / world.bundle.name
    sig = sig_of(path)
    sig.unlink()
    os.mkfifo(sig)
    run = world.verify("FIFO named REF.zip.age.sig", path)
    assert run.code == 1
    assert failed_check(run, path) == "origin"
    assert sig.name in run.line()
    record(run, "origin")
    run = world.cli("FIFO named REF.zip.age.sig", "review", str(path), *world.unlock(), "--action", "note")
    assert run.code == 1
    assert failed_check(run, path) == "origin"
    record(run, "origin")
    run, entries = world.scan("FIFO named REF.zip.age.sig", folder)
    assert entries[path.name]["state"] == "failed"
    assert entries[path.name]["sha256"] is None
    record(run, "listed: failed")


def test_signature_symlinked_to_dev_zero(world: World) -> None:
    folder = world.drop("zero-sig")
    path = folder / world.bundle.name
    sig_of(path).unlink()
    sig_of(path).symlink_to("/dev/zero")
    run = world.verify(".sig -> /dev/zero", path)
    assert run.code == 1
    assert failed_check(run, path) == "origin"
    record(run, "origin")
    run, entries = world.scan(".sig -> /dev/zero", folder)
    assert entries[path.name]["state"] == "failed"
    record(run, "listed: failed")


def test_directory_named_signature_and_the_others_stay_listed(world: World) -> None:
    folder = world.drop("dir-sig")
    path = folder / world.bundle.name
    sig_of(path).unlink()
    sig_of(path).mkdir()
    other = folder / f"{REF}.zip.age"
    shutil.copy(world.bundle, other)
    shutil.copy(sig_of(world.bundle), sig_of(other))  # a good signature over the same bytes: verified
    run = world.verify("folder named .sig", path)
    assert run.code == 1
    assert failed_check(run, path) == "origin"
    record(run, "origin")
    run, entries = world.scan("folder named .sig", folder)
    assert entries[path.name]["state"] == "failed"
    assert entries[other.name]["state"] == "verified"
    record(run, "listed: failed + verified")


def test_sparse_5gb_signature(world: World) -> None:
    folder = world.drop("huge-sig")
    path = folder / world.bundle.name
    with sig_of(path).open("wb") as f:
        f.truncate(5 * 10**9)
    run = world.verify("5 GB sparse .sig", path)
    assert run.code == 1
    assert failed_check(run, path) == "origin"
    record(run, "origin (size cap)")
    run, entries = world.scan("5 GB sparse .sig", folder)
    assert entries[path.name]["state"] == "failed"
    record(run, "listed: failed")


def test_sparse_huge_bundle(world: World) -> None:
    folder = world.base / "huge-bundle"
    folder.mkdir()
    path = folder / f"{REF}.zip.age"
    with path.open("wb") as f:
        f.write(ageio.VERSION_LINE)
        f.truncate(3 * GIB)
    shutil.copy(sig_of(world.bundle), sig_of(path))
    run = world.verify("3 GiB sparse bundle", path)
    assert run.code == 1
    assert failed_check(run, path) == "size cap"
    record(run, "size cap")
    run = world.cli("3 GiB sparse bundle", "export-police", str(path), *world.unlock(), *export_args(folder))
    assert run.code == 1
    assert failed_check(run, path) == "size cap"
    assert not (folder / "out").exists()
    record(run, "size cap")
    run, entries = world.scan("3 GiB sparse bundle", folder)
    assert entries[path.name]["state"] == "failed"
    record(run, "listed: failed")


def export_args(folder: Path) -> list[str]:
    return ["--out", str(folder / "out"), "--officer-reference", "CR/1/26"]


def test_bundle_that_is_a_fifo_or_a_device(world: World) -> None:
    folder = world.base / "fifo-bundle"
    folder.mkdir()
    fifo = folder / f"{REF}.zip.age"
    os.mkfifo(fifo)
    run = world.verify("REF.zip.age is a FIFO", fifo, "--no-origin")
    assert run.code == 2
    assert failed_check(run, fifo) == "unreadable"
    record(run, "unreadable")
    zero = folder / "EC-20261125-000000.zip.age"
    zero.symlink_to("/dev/zero")
    run = world.verify("REF.zip.age -> /dev/zero", zero, "--no-origin")
    assert run.code == 2
    assert failed_check(run, zero) == "unreadable"
    record(run, "unreadable")
    run, entries = world.scan("FIFO and /dev/zero bundles", folder)
    assert entries == {}  # not regular files: not bundles, and never opened
    record(run, "not listed")


def test_2gib_age_file_to_the_reviewers_public_keys(world: World, age_2gib: Path) -> None:
    """Anyone can make it; it used to take 6 GB and end in a pyo3 panic. Now the first chunk ends it."""
    folder = world.base / "age-2gib"
    folder.mkdir()
    path = folder / f"{REF}.zip.age"
    os.link(age_2gib, path)
    run = world.verify("2 GiB age file, no .sig", path)
    assert run.code == 1
    assert failed_check(run, path) == "missing origin"
    record(run, "missing origin")
    run = world.verify("2 GiB age file, --no-origin", path, "--no-origin")
    assert run.code == 1
    assert failed_check(run, path) == "zip structure"
    record(run, "zip structure")
    run = world.cli("2 GiB age file, no .sig", "export-police", str(path), *world.unlock(), *export_args(folder))
    assert run.code == 1
    assert failed_check(run, path) == "missing origin"
    record(run, "missing origin")
    run, entries = world.scan("2 GiB age file, no .sig", folder)
    assert entries[path.name]["state"] == "missing"
    record(run, "listed: no signature")


def test_2gib_age_file_signed_by_an_outsider_is_not_even_read(world: World, age_2gib: Path) -> None:
    folder = world.base / "age-2gib-outsider"
    folder.mkdir()
    path = folder / f"{REF}.zip.age"
    os.link(age_2gib, path)
    sign_origin_streaming(path, "outsider")
    run = world.verify("2 GiB age file, outsider's .sig", path)
    assert run.code == 1
    assert failed_check(run, path) == "origin"
    record(run, "origin")
    run, entries = world.scan("2 GiB age file, outsider's .sig", folder)
    assert entries[path.name]["state"] == "failed"
    assert entries[path.name]["sha256"] is None  # refused by the key it names, before reading 2 GiB
    record(run, "listed: failed")


def test_2gib_age_file_signed_by_a_staff_member(world: World, age_2gib: Path) -> None:
    """A trusted sender's signature passes; the file is hashed streaming, and the decryptor still stops at once."""
    folder = world.base / "age-2gib-staff"
    folder.mkdir()
    path = folder / f"{REF}.zip.age"
    os.link(age_2gib, path)
    sign_origin_streaming(path, "staff")
    run = world.verify("2 GiB age file, staff .sig", path)
    assert run.code == 1
    assert failed_check(run, path) == "zip structure"
    record(run, "zip structure")
    run = world.cli("2 GiB age file, staff .sig", "review", str(path), *world.unlock(), "--action", "note")
    assert run.code == 1
    assert failed_check(run, path) == "zip structure"
    assert sig_of(path).read_bytes().startswith(b"-----BEGIN SSH SIGNATURE")  # nothing rewritten
    record(run, "zip structure")
    run, entries = world.scan("2 GiB age file, staff .sig", folder)
    assert entries[path.name]["state"] == "verified"  # sent by Jane indeed; opening it is what fails
    record(run, "listed: verified origin")


def _local(name: str, size: int, data: bytes = b"") -> bytes:
    raw = name.encode("ascii")
    return struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 33, 0, size, size, len(raw), 0) + raw + data


def test_zip_whose_member_claims_a_huge_size(world: World) -> None:
    zip_bytes = _local(f"{REF}/VERIFY.txt", 0xF0000000, b"x" * 100)
    path = encrypted(zip_bytes, reviewers(), world.base / "huge-claim")
    run = world.verify("member claims 3.75 GiB", path)
    assert run.code == 1
    assert failed_check(run, path) == "size cap"
    record(run, "size cap")


def test_zip_with_100000_entries(world: World) -> None:
    locals_ = b"".join(_local(f"{REF}/data/f{i:06d}", 0) for i in range(100_000))
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0, len(locals_), 0)
    path = encrypted(locals_ + end, reviewers(), world.base / "many-entries")
    run = world.verify("zip with 100,000 entries", path)
    assert run.code == 1
    assert failed_check(run, path) == "size cap"
    record(run, "size cap")


def test_decrypted_stream_that_is_not_a_zip(world: World) -> None:
    path = encrypted(b"MZ" + b"\0" * 200_000, reviewers(), world.base / "not-a-zip")
    run = world.verify("plaintext is not a zip", path)
    assert run.code == 1
    assert failed_check(run, path) == "zip structure"
    record(run, "zip structure")


# -- point 6: extra readers ---------------------------------------------------------------------------------------


def test_extra_recipient(world: World) -> None:
    outsider = identity("Olly Outsider", "out@elsewhere.example")
    path = encrypted(world.zip_bytes, [*reviewers(), outsider.card.recipient], world.base / "extra-reader")
    run = world.verify("encrypted to an extra key", path)
    assert run.code == 1
    assert failed_check(run, path) == "extra readers"
    record(run, "extra readers")


def test_missing_reviewer_recipient(world: World) -> None:
    path = encrypted(world.zip_bytes, [dsl().card.recipient], world.base / "missing-reviewer")
    run = world.verify("not encrypted to the Head", path)
    assert run.code == 1
    assert failed_check(run, path) == "missing reviewer"
    record(run, "missing reviewer")


def test_grease_stanzas_are_not_counted(world: World) -> None:
    path = encrypted(world.zip_bytes, reviewers(), world.base / "grease")
    header = ageio.parse_header(path.read_bytes()[: ageio.MAX_HEADER_BYTES])
    assert any(s.type.endswith("-grease") for s in header.stanzas)  # pyrage greases every header
    assert sum(1 for s in header.stanzas if s.type == "X25519") == 2
    run = world.verify("grease stanza (accepted)", path, data=world.base / "grease")
    assert run.code == 0, run.stderr
    assert run.stdout.startswith("Verified: ")
    assert run.stderr == ""
    assert_clean(run.stdout)
    record(run, "verified")


# -- point 6: missing origin ---------------------------------------------------------------------------------------


def test_missing_origin_signature(world: World) -> None:
    folder = world.drop("no-sig")
    path = folder / world.bundle.name
    sig_of(path).unlink()
    run = world.verify("no origin .sig", path)
    assert run.code == 1
    assert failed_check(run, path) == "missing origin"
    assert sig_of(path).name in run.line()
    assert run.stdout == ""
    record(run, "missing origin")
    run = world.verify("no origin .sig, --no-origin", path, "--no-origin", data=folder)
    assert run.code == 0, run.stderr
    assert "origin: not checked" in run.stdout
    record(run, "verified, origin not checked")
    run = world.cli("no origin .sig", "review", str(path), *world.unlock(), "--action", "note")
    assert run.code == 1
    assert failed_check(run, path) == "missing origin"
    assert not sig_of(path).exists()
    record(run, "missing origin")
    run, entries = world.scan("no origin .sig", folder)
    assert entries[path.name]["state"] == "missing"
    assert entries[path.name]["sha256"] is None  # never read, so never opened from the inbox
    record(run, "listed: no signature")


# -- point 6: rollback and forks -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def revisions(world: World) -> dict[str, Path]:
    """Revision 1 (as sealed), revision 2 by the DSL, and a different revision 2 by the Head, each with its .sig."""
    profile = school_profile()
    out = {}
    sealed = bundle.open_bundle(world.bundle.read_bytes(), [dsl().age_secret], profile)
    for name, who in (("r2", dsl()), ("r2-fork", head())):
        bag = add_review(sealed, who, profile, ReviewAction.NOTE, f"Read it ({name})", when="2026-11-26T09:00:00.000Z")
        out[name] = write_revision(sealed.ref, bag, who, profile, world.base / "revisions" / name)
    r1 = world.base / "revisions" / "r1"
    r1.mkdir()
    shutil.copy(world.bundle, r1 / world.bundle.name)
    shutil.copy(sig_of(world.bundle), sig_of(r1 / world.bundle.name))
    out["r1"] = r1 / world.bundle.name
    return out


def test_rolled_back_revision(world: World, revisions: dict[str, Path]) -> None:
    data = world.base / "data-rollback"
    data.mkdir()
    run = world.verify("rollback: revision 2 first", revisions["r2"], data=data)
    assert run.code == 0, run.stderr
    record(run, "verified")
    run = world.verify("rollback: then revision 1", revisions["r1"], data=data)
    assert run.code == 1
    assert run.stdout.startswith("Verified: ")  # genuine, but not the current record: never plain success
    line = run.line()
    assert line.startswith(f"evidence-capture: WARNING: {shown(revisions['r1'])}: older than the one already seen")
    record(run, "older than the one already seen")
    run = world.verify("rollback: revision 2 again", revisions["r2"], data=data)
    assert run.code == 0, run.stderr
    record(run, "verified (same)")


def test_different_history_with_the_same_revision_number(world: World, revisions: dict[str, Path]) -> None:
    data = world.base / "data-fork"
    data.mkdir()
    run = world.verify("fork: the DSL's revision 2", revisions["r2"], data=data)
    assert run.code == 0, run.stderr
    record(run, "verified")
    run = world.verify("fork: the Head's revision 2", revisions["r2-fork"], data=data)
    assert run.code == 1
    assert "different from the one already seen" in run.line()
    record(run, "different from the one already seen")


# -- point 5: control and bidi characters --------------------------------------------------------------------------

EVIL = "\x1b]0;owned\x07\x1b[2J\u202etxt.exe\nFAKE: Verified"


def test_control_and_bidi_characters_in_a_bundle_file_name(world: World) -> None:
    folder = world.drop("evil-name")
    path = folder / f"{REF}{EVIL}.zip.age"
    os.rename(folder / world.bundle.name, path)
    run = world.verify("ESC, newline, bidi in the file name", path)
    assert run.code == 1
    assert failed_check(run, path) == "missing origin"
    record(run, "missing origin")
    run, entries = world.scan("ESC, newline, bidi in the file name", folder)
    assert entries[path.name]["state"] == "missing"
    record(run, "listed: no signature")


def data_dir_of_the_dsl(world: World, name: str) -> Path:
    """A data folder whose own identity is the DSL's (captures and incidents are encrypted to her)."""
    paths = Paths(world.base / name).ensure()
    paths.own_card.write_text(dsl().card.to_text(), encoding="utf-8")
    return paths.data_dir


def test_control_characters_in_a_card_and_an_incident_title(world: World) -> None:
    card = world.base / "evil.card"
    card.write_text(staff().card.to_text().replace("Jane Smith", "Jane" + EVIL.replace("\n", "")), "utf-8")
    run = world.cli("ESC, bidi in a card's name", "identity", "show", str(card))
    assert run.code == 2
    assert run.line().startswith("evidence-capture: error: ")
    record(run, "card refused")
    data = data_dir_of_the_dsl(world, "data-title")
    run = world.cli("ESC, newline, bidi in a title", "incident", "new", "--title", f"Title{EVIL}", data=data)
    assert run.code == 0, run.stderr
    ref = run.stdout.strip()
    for verb in ("list", "show"):
        args = ["incident", verb, *([ref] if verb == "show" else []), *world.unlock()]
        run = world.cli("ESC, newline, bidi in a title", *args, data=data)
        assert run.code == 0, run.stderr
        assert "TitletxtLexe" not in run.stdout
        assert "Title" in run.stdout
        assert "FAKE: Verified" not in run.stdout.splitlines()
        assert_clean(run.stdout.replace("\n", ""))
        record(run, f"incident {verb}: clean")


# -- command-line inputs: profile, card, identity, passphrase, received screenshot ----------------------------------


@pytest.mark.parametrize(
    ("what", "option"),
    [("profile", "--profile"), ("identity file", "--identity"), ("passphrase file", "--passphrase-file")],
)
@pytest.mark.parametrize("kind", ["FIFO", "/dev/zero", "5 GB sparse"])
def test_command_line_files_that_are_not_regular_or_huge(world: World, what: str, option: str, kind: str) -> None:
    folder = world.base / f"cli-{option[2:]}-{kind.replace(' ', '-').replace('/', '')}"
    folder.mkdir()
    bad = folder / "bad"
    if kind == "FIFO":
        os.mkfifo(bad)
    elif kind == "/dev/zero":
        bad.symlink_to("/dev/zero")
    else:
        with bad.open("wb") as f:
            f.truncate(5 * 10**9)
    args = {"--profile": str(world.profile), "--identity": str(world.ident), "--passphrase-file": str(world.passfile)}
    args[option] = str(bad)
    argv = [sys.executable, "-m", "app.main", "--data-dir", str(world.data), "--profile", args["--profile"]]
    argv += [
        "verify",
        str(world.bundle),
        "--identity",
        args["--identity"],
        "--passphrase-file",
        args["--passphrase-file"],
    ]
    run = measured(f"{what} is {kind}", "verify", argv)
    assert run.code == 2
    line = run.line()
    assert line.startswith("evidence-capture: error: ")
    assert str(bad) in line
    record(run, f"{what} refused")


@pytest.mark.parametrize("kind", ["FIFO", "/dev/zero", "5 GB sparse"])
def test_card_and_received_screenshot_that_are_not_regular_or_huge(world: World, kind: str) -> None:
    folder = world.base / f"cli-card-{kind.replace(' ', '-').replace('/', '')}"
    folder.mkdir()
    bad = folder / "bad.card"
    if kind == "FIFO":
        os.mkfifo(bad)
    elif kind == "/dev/zero":
        bad.symlink_to("/dev/zero")
    else:
        with bad.open("wb") as f:
            f.truncate(5 * 10**9)
    run = world.cli(f"card is {kind}", "identity", "show", str(bad))
    assert run.code == 2
    assert str(bad) in run.line()
    record(run, "card refused")
    data = data_dir_of_the_dsl(world, f"data-receive-{kind.replace(' ', '-').replace('/', '')}")
    run = world.cli(f"received screenshot is {kind}", "incident", "new", "--title", "t", data=data)
    assert run.code == 0, run.stderr
    ref = run.stdout.strip()
    run = world.cli(
        f"received screenshot is {kind}",
        "receive",
        str(bad),
        "--incident",
        ref,
        "--provided-by",
        "a parent",
        "--how",
        "e-mail",
        data=data,
    )
    assert run.code == 2
    assert str(bad) in run.line()
    record(run, "screenshot refused")


def test_the_gate_stops_at_the_first_chunk_and_passes_any_split_of_a_genuine_zip() -> None:
    gate = safezip.StreamGate(max_bytes=bundle.MAX_BUNDLE_BYTES)
    with pytest.raises(BundleError) as e:
        gate.write(b"\0" * 65536)
    assert e.value.check == "zip structure"
    assert len(gate) == 0
    good = io.BytesIO()
    safezip.write_zip([(f"{REF}/a", b"x" * 10), (f"{REF}/b", b"y")], good)
    for step in (1, 7, 30, 10_000):
        gate = safezip.StreamGate(max_bytes=1000)
        for i in range(0, len(good.getvalue()), step):
            gate.write(good.getvalue()[i : i + step])
        assert gate.take() == good.getvalue()
    gate = safezip.StreamGate(max_bytes=len(good.getvalue()) - 1)
    with pytest.raises(BundleError) as e:
        gate.write(good.getvalue())
    assert e.value.check == "size cap"


@pytest.mark.parametrize(
    ("change", "check"),
    [
        (lambda z: z[:6] + b"\x08" + z[7:], "zip structure"),  # a flag bit (data descriptor)
        (lambda z: z[:8] + b"\x08" + z[9:], "zip structure"),  # deflated
        (lambda z: z[:30] + b"../" + z[33:], "zip structure"),  # a bad name
        (lambda z: z[:18] + b"\xff\xff\xff\x7f" * 2 + z[26:], "size cap"),  # claims 2 GiB: past the cap
        (lambda z: z[:26] + b"\0\0" + z[28:], "zip structure"),  # no name
    ],
)
def test_the_gate_refuses_local_headers_out_of_form(change: object, check: str) -> None:
    good = io.BytesIO()
    safezip.write_zip([(f"{REF}/a", b"x" * 10)], good)
    gate = safezip.StreamGate(max_bytes=bundle.MAX_BUNDLE_BYTES)
    bad = change(good.getvalue())  # type: ignore[operator]
    with pytest.raises(BundleError) as e:
        gate.write(bad)
    assert e.value.check == check


@pytest.mark.parametrize(
    ("types", "check"),
    [
        (("X25519", "X25519"), None),
        (("X25519", "abc-grease", "X25519", "-grease"), None),
        (("X25519", "X25519", "X25519"), "extra readers"),
        (("X25519", "ssh-ed25519"), "extra readers"),  # another kind of key is never a reviewer's
        (("X25519", "X25519", "piv-p256"), "extra readers"),
        (("X25519", "grease"), "extra readers"),  # only a type *ending* in -grease is grease
        (("X25519",), "missing reviewer"),
        (("X25519", "x-grease", "y-grease"), "missing reviewer"),
    ],
)
def test_readers_are_counted_against_the_profile(types: tuple[str, ...], check: str | None) -> None:
    header = ageio.Header(tuple(ageio.Stanza(t, (), b"") for t in types), b"\0" * 32, 0)
    if check is None:
        bundle.check_readers(header, school_profile())
        return
    with pytest.raises(BundleError) as e:
        bundle.check_readers(header, school_profile())
    assert e.value.check == check
