"""Shared fixtures: tests never touch the real data dir, and Qt widgets render offscreen."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("EVIDENCE_CAPTURE_TESTING", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))  # so tests can import helpers, ptyhelp and xserver

pytest_plugins = ["tsa_server"]  # the `tsa` and `tsa_pki` fixtures: a real RFC 3161 TSA on loopback
