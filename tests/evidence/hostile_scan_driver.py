"""Run the reviewer's inbox scan on a folder in its own process, so a test can bound its time and memory.

Usage: ``python hostile_scan_driver.py FOLDER PROFILE``. Prints one JSON object per listed bundle (name, origin
state, reason, digest) on stdout, in scan order, and exits 0; any exception escapes as a traceback (exit 1), which
the test treats as a failure.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from evidence.case.profile import Profile
from evidence.review.inbox import scan


def main() -> int:
    folder, profile_path = Path(sys.argv[1]), Path(sys.argv[2])
    for entry in scan(folder, Profile.load(profile_path)):
        record = {
            "name": entry.path.name,
            "state": entry.origin.state.value,
            "reason": entry.origin.reason,
            "sha256": entry.sha256,
        }
        print(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
