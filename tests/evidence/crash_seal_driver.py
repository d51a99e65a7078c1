"""Captures and seals in a loop until it is killed: the subject of tests/evidence/test_crash_seal.py.

Usage: ``crash_seal_driver.py VAULT DROP SEED [PAUSE]`` (with ``tests/`` and the repository on ``PYTHONPATH``).

Each round creates an incident, adds 1 to 3 PNG items and seals it into DROP with
:func:`evidence.bundle.seal.seal_incident` (a sealed incident takes no more items, so every round needs a new one).
It prints one flushed line per step::

    READY
    INCIDENT REF
    ACK item REF SEQ SHA256        add_item returned: the item is committed
    SEALING REF
    ACK seal REF SHA256            seal_incident returned: the bundle is in DROP and the vault says sealed

With PAUSE (``bundle-link``, ``sig-link`` or ``log``) it runs one round, stops just before that
step of the seal (publishing the bundle's or the signature's temporary file under its final name, issue 15; logging
``sealed`` together with the status), prints ``PAUSED PAUSE`` and waits on stdin, so that the test can kill it at
exactly that point.
"""

from __future__ import annotations

import io
import os
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bundles import school_profile, staff
from helpers import new_capture
from PIL import Image

from evidence.bundle.seal import seal_incident
from evidence.case.incident import IncidentDetails
from evidence.vault.store import Vault

PAUSES = ("bundle-link", "sig-link", "log")


def say(*words: object) -> None:
    print(*words, flush=True)


def noise_png(rng: random.Random) -> bytes:
    """A PNG of random pixels (incompressible, so the bundle is big enough for its writes to take a while)."""
    size = (rng.randint(60, 160), rng.randint(40, 120))
    img = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def pause_before(point: str) -> None:
    say("PAUSED", point)
    sys.stdin.readline()  # the test kills us here
    raise SystemExit("not killed")


def install_pause(point: str) -> None:
    """Stop just before ``point`` (see the module docstring)."""
    if point in ("bundle-link", "sig-link"):
        real_link = os.link
        links = []

        def link(src: Any, dst: Any, **kwargs: Any) -> None:
            links.append(dst)
            if len(links) == (1 if point == "bundle-link" else 2):
                pause_before(point)
            real_link(src, dst, **kwargs)

        os.link = link
    else:
        name = {"log": "log_and_set_status"}[point]
        real: Callable[..., Any] = getattr(Vault, name)

        def paused(self: Vault, *args: Any, **kwargs: Any) -> Any:
            pause_before(point)
            return real(self, *args, **kwargs)

        setattr(Vault, name, paused)


def main() -> int:
    vault_path, drop, seed = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    pause = sys.argv[4] if len(sys.argv) > 4 else None
    rng = random.Random(seed)
    me, profile = staff(), school_profile()
    recipients = [me.card.recipient, *profile.reviewer_recipients]
    with Vault(vault_path) as vault:
        say("READY")
        while True:
            ref = vault.create_incident(
                IncidentDetails(title=f"Round {seed}"), actor=me.card.principal, recipients=recipients
            )
            say("INCIDENT", ref)
            for _ in range(rng.randint(1, 3)):
                data = noise_png(rng)
                row = vault.add_item(ref, new_capture(data), actor=me.card.principal, recipients=recipients)
                say("ACK", "item", ref, row.seq, row.sha256)
            if pause is not None:
                install_pause(pause)
            say("SEALING", ref)
            result = seal_incident(vault, ref, me, profile, drop)
            say("ACK", "seal", ref, result.sha256)


if __name__ == "__main__":
    sys.exit(main())
