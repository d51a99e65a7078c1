"""The app's log file: what went wrong, for IT, with no personal data in it.

The log lives in the data folder (``logs/evidence-capture.log``, the folder 0700, rotated at 1 MB, three old
files kept). What may be written is ids and digests: incident references, item numbers, SHA-256 digests, key
fingerprints, check names, exception types and code locations. Never titles, names, notes, passphrases, keys,
file names or paths chosen by a user. Log calls in the app keep to that; the formatter enforces it for
tracebacks, whose exception messages can quote anything (a title, a file name, a path with a user name in it):
:func:`safe_traceback` keeps the exception types and the code locations and drops every message.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from evidence.core.fsutil import make_private_dir

LOG_FILE = "evidence-capture.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def safe_traceback(exc: BaseException) -> str:
    """A traceback of ``exc`` (and of its causes) with exception types and code locations, but no messages."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:  # causes first, as Python prints them
        seen.add(id(current))
        block = ["Traceback (most recent call last):\n", *_frames(current.__traceback__)]
        block.append(f"{type(current).__module__}.{type(current).__qualname__} (message not logged)\n")
        lines[:0] = block
        if current.__cause__ is not None:
            lines.insert(0, "\nThe above exception was the direct cause of the following exception:\n\n")
            current = current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            lines.insert(0, "\nDuring handling of the above exception, another exception occurred:\n\n")
            current = current.__context__
        else:
            current = None
    return "".join(lines).rstrip("\n")


def _frames(tb: TracebackType | None) -> list[str]:
    out = []
    for frame in traceback.extract_tb(tb):
        where = "/".join(Path(frame.filename).parts[-2:])  # the package and module, not the user's folders
        out.append(f'  File "{where}", line {frame.lineno}, in {frame.name}\n')
    return out


class SafeFormatter(logging.Formatter):
    """Formats records in UTC and tracebacks without exception messages."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging override)
        """The record's time in UTC, ISO 8601 to the millisecond."""
        stamp = time.strftime(datefmt or "%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        """Format ``record``, never reusing a traceback text another handler cached on it (it has messages)."""
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, ei: ExcInfo) -> str:  # noqa: N802 (logging override)
        """The traceback without messages (see :func:`safe_traceback`)."""
        exc = ei[1]
        return "" if exc is None else safe_traceback(exc)

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 (logging override)
        """Stacks are code locations only; keep them."""
        return stack_info


def setup_logging(data_dir: Path) -> Path:
    """Log to ``DATA_DIR/logs/evidence-capture.log`` (INFO and above); return the file's path."""
    folder = data_dir / "logs"
    make_private_dir(folder)
    path = folder / LOG_FILE
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "evidence_capture", False)]:
        root.removeHandler(handler)
        handler.close()
    handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.evidence_capture = True  # type: ignore[attr-defined]  # marks our handler, so a second call replaces it
    handler.setFormatter(SafeFormatter(_FORMAT))
    handler.setLevel(logging.INFO)
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    if sys.platform != "win32":
        os.chmod(path, 0o600)
    return path
