"""Entry point: with a verb, the command line; without one, the desktop app."""

from __future__ import annotations

import sys
from collections.abc import Sequence

VERBS = frozenset(
    {
        "identity",
        "school",
        "profile",
        "capture",
        "receive",
        "incident",
        "seal",
        "verify",
        "review",
        "export-police",
        "settings",
        "timestamp",
        "receipts",
    }
)
_GLOBAL_WITH_VALUE = frozenset({"--data-dir", "--profile"})


def first_positional(args: Sequence[str]) -> str | None:
    """The first argument that is not a global option or its value."""
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in _GLOBAL_WITH_VALUE:
            skip = True
            continue
        if arg.startswith("-"):
            continue
        return arg
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI if a verb (or --help/--version) is given, else start the desktop app."""
    args = list(sys.argv[1:] if argv is None else argv)
    if first_positional(args) in VERBS or any(a in ("-h", "--help", "--version") for a in args):
        from app import cli

        return cli.run(args)
    from app import gui

    return gui.run(args)


def gui_main() -> int:
    """The desktop app, whatever the arguments (``evidence-capture-gui [--data-dir DIR] [BUNDLE...]``)."""
    from app import gui

    return gui.run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
