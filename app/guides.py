"""Where the user guides are: ``docs/guide-NAME.md`` beside the code (a checkout, or the frozen build's folder).

The frozen build carries the guides and their screenshots (``packaging/evidence-capture.spec``); a checkout has
them in ``docs/``. A wheel carries no docs folder, so there Help says where to find the guides instead.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

DOCS = Path(__file__).resolve().parent.parent / "docs"
MISSING_TEXT = (
    "This copy of Evidence Capture was installed without its guides. They are in the docs folder of the app's "
    "source, or ask your IT team for them."
)


def guide_path(name: str, docs: Path = DOCS) -> Path | None:
    """The guide ``name`` (``staff``, ``reviewer``, ``it``), or None when this installation has no copy of it."""
    path = docs / f"guide-{name}.md"
    if path.is_file():
        return path
    log.info("guide %s is not installed", name)
    return None
