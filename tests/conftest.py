"""Shared fixtures: tests never touch the real data dir, and Qt widgets render offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("EVIDENCE_CAPTURE_TESTING", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
