"""Print the project's dependencies that the Qt-free core tests need: everything but Qt and the lint tools.

``make pytest-noqt`` installs these into a second venv, then the project with ``--no-deps``, and runs
tests/evidence there, so that the core is proven to work with PySide6 absent (the import-linter contract says the
core never imports Qt; this shows it at run time too).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

LEAVE_OUT = re.compile(r"^(pyside6|shiboken6|pytest-qt|ruff|mypy|import-linter)\b", re.IGNORECASE)


def main() -> int:
    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text("utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    sys.stdout.write("\n".join(d for d in wanted if not LEAVE_OUT.match(d.strip())) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
