"""The desktop app: builds the QApplication and the main window over a data dir's workspace."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from app.paths import Paths
from app.workspace import Workspace
from evidence.errors import EvidenceError


def run(argv: Sequence[str]) -> int:
    """Start the app; return its exit code."""
    parser = argparse.ArgumentParser(prog="evidence-capture")
    parser.add_argument("--data-dir")
    parser.add_argument("--profile")
    parser.add_argument("files", nargs="*", help="bundles to open")
    args = parser.parse_args(list(argv))
    try:
        ws = Workspace(Paths.resolve(args.data_dir).ensure(), Path(args.profile) if args.profile else None)
    except EvidenceError as e:
        print(f"evidence-capture: error: {e}", file=sys.stderr)
        return 2

    from PySide6.QtWidgets import QApplication

    from ui.main_window import QtMainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Evidence Capture")
    app.setOrganizationName("Evidence Capture")
    window = QtMainWindow(ws.open_vault(), ws.paths.data_dir)
    window.show()
    return int(app.exec())
