"""Checks shared by the tests of an installed Evidence Capture (the wheel, the frozen build, the .deb).

:func:`cli_round_trip` runs the README's walk-through with an installed ``evidence-capture`` command, in a
working folder outside the checkout and with no ``PYTHONPATH``, so nothing can come from the source tree:
identity create, profile create, incident new, a region capture of a window with known pixels on a real Xvfb,
seal and verify. The captured pixels are checked in the vault (``pixels_sha256``, recomputed here).
:func:`wait_for_window` finds a top-level window by its title with xdotool and returns its geometry.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from xserver import XServer

from evidence.capture.screen import pixels_sha256

PASSPHRASE = "a long test passphrase"
PATTERN_AT = (200, 150)


def pattern() -> Image.Image:
    """A 96x64 image no two neighbouring pixels of which are alike."""
    img = Image.new("RGB", (96, 64))
    img.putdata(
        [((x * 5) % 256, (y * 7) % 256, 220 if (x // 8 + y // 8) % 2 else 30) for y in range(64) for x in range(96)]
    )
    return img


def clean_env(base: Mapping[str, str]) -> dict[str, str]:
    """``base`` without anything that could lead an installed program back to the checkout or a venv."""
    env = {k: v for k, v in base.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env["EVIDENCE_CAPTURE_TESTING"] = "1"
    return env


@dataclass(frozen=True)
class RoundTrip:
    """What the walk-through produced.

    Attributes:
        ref: the incident's reference.
        bundle: the sealed bundle.
        verify_output: what ``verify`` printed.
    """

    ref: str
    bundle: Path
    verify_output: str


def cli_round_trip(command: Sequence[str], work: Path, x: XServer) -> RoundTrip:
    """Run identity → profile → incident → region capture → seal → verify with ``command`` in ``work``.

    The seal decrypts the vault in its helper process however small the incident is (``spawn`` must work in every
    install, the frozen one included, where the helper is the app's own binary), and must not fall back.
    """
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data"
    passfile = work / "pass.txt"
    passfile.write_text(PASSPHRASE + "\n")
    env = {**clean_env(x.env()), "EVIDENCE_CAPTURE_SEAL_HELPER_MIN_BYTES": "0"}

    def run(*args: str) -> str:
        done = subprocess.run(
            [*command, "--data-dir", str(data), *args], cwd=work, env=env, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        assert "vault reader process unavailable" not in done.stderr, done.stderr
        return done.stdout

    out = run("identity", "create", "--name", "Jane Smith", "--principal", "j.smith@school.example", "--role", "staff",
              "--out", "jane.identity.age", "--passphrase-file", str(passfile))  # fmt: skip
    assert "fingerprint: SHA256:" in out
    assert (work / "jane.card").is_file()
    run("profile", "create", "--school", "Example Academy", "--out", "school.toml", "--passphrase-file", str(passfile))
    ref = run("incident", "new", "--title", "Messages on a chat app", "--category", "threatening").strip()
    window = x.show(pattern(), *PATTERN_AT, title="Chat window")
    try:
        region = f"region:{PATTERN_AT[0]},{PATTERN_AT[1]},96,64"
        line = run("capture", "--mode", region, "--incident", ref).split()
    finally:
        window.close()
    assert line[0] == ref
    assert len(line[1]) == 64
    with sqlite3.connect(data / "vault.sqlite3") as db:
        (pixels,) = db.execute("SELECT pixels_sha256 FROM items").fetchone()
    assert pixels == pixels_sha256(pattern().tobytes(), 96, 64)
    bundle = Path(run("seal", ref, "--identity", "jane.identity.age", "--passphrase-file", str(passfile),
                      "--out", "outbox").strip())  # fmt: skip
    bundle = bundle if bundle.is_absolute() else work / bundle
    assert bundle.name == f"{ref}.r1.zip.age"
    assert bundle.is_file()
    verified = run("verify", str(bundle), "--identity", "jane.identity.age", "--passphrase-file", str(passfile))
    assert verified.startswith(f"Verified: {ref} sealed by Jane Smith"), verified
    return RoundTrip(ref, bundle, verified)


@dataclass(frozen=True)
class Geometry:
    """A window's place on the screen."""

    window: int
    x: int
    y: int
    width: int
    height: int


def wait_for_window(display: str, title: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> Geometry:
    """The geometry of the first window named exactly ``title``, once it is mapped.

    Raises:
        AssertionError: ``process`` ended first, or no such window appeared within ``timeout`` seconds.
    """
    env = {**os.environ, "DISPLAY": display}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the app exited with {process.returncode} before showing {title!r}"
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", f"^{title}$"], env=env, capture_output=True, text=True
        )
        ids = found.stdout.split()
        if ids:
            shape = subprocess.run(
                ["xdotool", "getwindowgeometry", "--shell", ids[0]], env=env, capture_output=True, text=True
            ).stdout
            values = dict(line.split("=", 1) for line in shape.split())
            return Geometry(
                int(ids[0]), int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])
            )
        time.sleep(0.2)
    raise AssertionError(f"no window named {title!r} within {timeout} s")
