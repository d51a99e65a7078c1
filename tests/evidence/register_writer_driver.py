"""Appends disposals to a register: the second writer of tests/evidence/test_register.py.

Usage: ``register_writer_driver.py REGISTER PRINCIPAL FIRST COUNT [pause]`` (with ``tests/`` and the repository on
``PYTHONPATH``). It prints ``READY``, waits for one line on stdin (so several drivers start together), then appends
disposals FIRST .. FIRST+COUNT-1 signed by PRINCIPAL, printing ``ACK SEQ SHA256 REF`` after each.

With ``pause`` it stops inside the first append, after the entry's temporary folder is complete and just before
the rename that commits it, prints ``PAUSED`` and waits on stdin, so that the test can kill it at exactly that point.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bundles import dsl, head
from registers import allowed_signers, disposal

from evidence.case import register


def main() -> None:
    folder, principal, first, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    pause = len(sys.argv) > 5 and sys.argv[5] == "pause"
    signer = {"dsl@school.example": dsl(), "head@school.example": head()}[principal]
    if pause:
        real_rename = os.rename

        def paused_rename(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
            print("PAUSED", flush=True)
            sys.stdin.readline()
            real_rename(src, dst)

        register.os.rename = paused_rename  # type: ignore[assignment]
    print("READY", flush=True)
    sys.stdin.readline()
    for n in range(first, first + count):
        done = register.append(folder, disposal(n), signer, allowed_signers())
        print(f"ACK {done.entry.seq} {done.sha256} {done.entry.disposal.reference}", flush=True)


if __name__ == "__main__":
    main()
