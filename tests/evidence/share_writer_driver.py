"""A reviewer's writer in its own process: records actions on a bundle in a drop folder when told, or in a loop until
it is killed. The subject of tests/evidence/test_share_kills.py and tests/ui/test_many_reviewers.py (issue 15).

Usage: ``share_writer_driver.py WHO`` (``dsl`` or ``head``; with ``tests/`` and the repository on ``PYTHONPATH``).
It prints ``READY``, then reads commands from stdin, one per line:

    RECORD FOLDER REF TAG DELAY_MS     wait DELAY_MS, record a note whose reason is TAG, then print
                                       ``ACK TAG REVISION ATTEMPTS`` (or ``ERR TAG CHECK`` if it was not recorded)
    LOOP FOLDER REF PREFIX             record notes PREFIX-1, PREFIX-2, … for ever, printing ``ACK`` after each

With ``EC_SLOW_SHARE_MS`` set, every publish on the share takes that long (a slow network share), which widens the
window between a revision's bundle and its signature, so that kills land in it too.

A printed ``ACK`` line means :func:`evidence.review.actions.record_action` returned: the revision is on the share,
read back and verified. Every line is flushed at once.
"""

from __future__ import annotations

import os
import sys
import time
from itertools import count
from pathlib import Path

from bundles import dsl, head, school_profile

from evidence.bundle import share
from evidence.core.errors import EvidenceError
from evidence.review.actions import ReviewAction, record_action


def say(*words: object) -> None:
    print(*words, flush=True)


def slow_share(ms: int) -> None:
    real = share.link_no_replace

    def slow(tmp: Path, final: Path) -> None:
        real(tmp, final)
        time.sleep(ms / 1000)

    share.link_no_replace = slow  # type: ignore[assignment]


def main() -> int:
    if os.environ.get("EC_SLOW_SHARE_MS"):
        slow_share(int(os.environ["EC_SLOW_SHARE_MS"]))
    who = {"dsl": dsl, "head": head}[sys.argv[1]]()
    profile = school_profile()
    say("READY")
    for line in sys.stdin:
        words = line.split()
        if words[0] == "RECORD":
            folder, ref, tag, delay = Path(words[1]), words[2], words[3], int(words[4])
            time.sleep(delay / 1000)
            try:
                published = record_action(folder, ref, who, profile, ReviewAction.NOTE, tag)
            except EvidenceError as e:
                say("ERR", tag, getattr(e, "check", type(e).__name__).replace(" ", "-"))
                continue
            say("ACK", tag, published.revision, published.attempts)
        elif words[0] == "LOOP":
            folder, ref, prefix = Path(words[1]), words[2], words[3]
            for n in count(1):
                tag = f"{prefix}-{n}"
                published = record_action(folder, ref, who, profile, ReviewAction.NOTE, tag)
                say("ACK", tag, published.revision, published.attempts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
