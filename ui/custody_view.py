"""The custody log as a timeline: one row per entry, oldest first, saying who did what, when, in words.

Times are shown in the computer's own zone, with the stored UTC time in the tooltip (the log itself is UTC). An
entry added by a review revision is marked with its revision number, and an entry whose clock ran backwards
(``clock_anomaly``) is marked so that it is seen rather than hidden. The text comes from a verified bundle but is
still shown as plain text only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from evidence.case.custody import Action, CustodyEntry
from evidence.core.timefmt import local_time_text
from evidence.review.actions import ReviewAction, label
from ui.verdict import safe_text

COLUMNS = ("#", "When", "Who", "What", "Subject", "Details")
COL_SEQ, COL_WHEN, COL_WHO, COL_WHAT, COL_SUBJECT, COL_DETAILS = range(len(COLUMNS))

ACTION_WORDS = {
    Action.CREATED.value: "Started the incident",
    Action.CAPTURED.value: "Captured an item",
    Action.RECEIVED.value: "Received an item",
    Action.DERIVED.value: "Cropped an item",
    Action.TIMESTAMPED.value: "Time confirmed by a TSA",
    Action.ANNOTATED.value: "Changed the record",
    Action.EXCLUDED.value: "Left an item out",
    Action.SAFEGUARDING_BLOCK.value: "Blocked capture (safeguarding)",
    Action.SEALED.value: "Sealed",
    Action.OPENED.value: "Opened",
    Action.VERIFIED.value: "Verified",
    Action.REVIEWED.value: "Reviewed",
    Action.EXPORTED.value: "Exported",
    Action.HANDED_OVER.value: "Handed over",
    Action.DISPOSED.value: "Disposed of",
    Action.TEXT_READ.value: "Read the text (machine-read)",
    Action.IDENTIFIED.value: "Decided on handles",
    Action.LINKED.value: "Linked to another incident",
    Action.UNLINKED.value: "Unlinked from another incident",
}

DETAILS_MAX = 90
"""Details longer than this are cut short in the row; the tooltip has them all."""

FIRST_DETAILS = frozenset({"sha256", "reason", "clock_anomaly"})
"""Details shown before the others (in the row, where space is short)."""

_REVISION_BACKGROUND = QColor("#e8f0fe")
_ANOMALY_FOREGROUND = QColor("#8a4b00")


ITEM_WORDS = {
    Action.CAPTURED.value: "Captured item {n}",
    Action.RECEIVED.value: "Received item {n}",
    Action.DERIVED.value: "Cropped, giving item {n}",
    Action.TIMESTAMPED.value: "Time of item {n} confirmed by a TSA",
    Action.EXCLUDED.value: "Left item {n} out",
    Action.ANNOTATED.value: "Changed item {n}",
}
"""The actions on one item, when the entry names its number."""


def item_number(entry: CustodyEntry) -> int | None:
    """The item an entry is about: its ``item`` detail, or the ``N`` of a ``REF/N`` subject."""
    value = entry.details.get("item")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    _, slash, tail = entry.subject.partition("/")
    return int(tail) if slash and tail.isdigit() and len(tail) < 6 else None


def what_words(entry: CustodyEntry) -> str:
    """The entry's action in words; a review names the review action ("Review: Police contacted")."""
    review = entry.details.get("review")
    if isinstance(review, str):
        try:
            return f"Review: {label(ReviewAction(review))}"
        except ValueError:
            return f"Review: {safe_text(review)}"
    number = item_number(entry)
    if number is not None and entry.action in ITEM_WORDS:
        return ITEM_WORDS[entry.action].format(n=number)
    return ACTION_WORDS.get(entry.action, safe_text(entry.action).capitalize())


def _value_text(key: str, value: Any) -> str:
    if isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value[:12] + "…"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_value_text(str(k), v)}" for k, v in value.items()) + "}"
    return safe_text(str(value))


def details_short(entry: CustodyEntry) -> str:
    """The details on one line, digests shortened, cut at :data:`DETAILS_MAX` characters.

    What the other columns already say (the review action, the revision, the item number) is left out, and the
    file's digest and any reason or clock anomaly come first.
    """
    said = {"review", "revision"} | ({"item"} if entry.action in ITEM_WORDS else set())
    keys = sorted((k for k in entry.details if k not in said), key=lambda k: (k not in FIRST_DETAILS, k))
    text = "; ".join(f"{safe_text(str(k))}: {_value_text(str(k), entry.details[k])}" for k in keys)
    return text if len(text) <= DETAILS_MAX else text[: DETAILS_MAX - 1] + "…"


def details_full(entry: CustodyEntry) -> str:
    """Every detail on its own line, digests in full (the tooltip)."""
    return "\n".join(f"{safe_text(str(k))}: {safe_text(str(v))}" for k, v in entry.details.items())


def revision_of(entry: CustodyEntry) -> int | None:
    """The review revision that added the entry, if it says so."""
    value = entry.details.get("revision")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class QtCustodyLogView(QTreeWidget):
    """The custody entries of one bundle as a read-only timeline.

    Attributes:
        entries: the entries shown, oldest first.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("custody_view")
        self.setAccessibleName("Custody log")
        self.setHeaderLabels(list(COLUMNS))
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QTreeWidget.SelectionMode.SingleSelection)
        self.setEditTriggers(QTreeWidget.EditTrigger.NoEditTriggers)
        self.entries: tuple[CustodyEntry, ...] = ()

    def set_entries(self, entries: Sequence[CustodyEntry], names: Mapping[str, str] | None = None) -> None:
        """Show ``entries``; ``names`` maps principals to people's names where known (from the bundle's signers)."""
        self.clear()
        self.entries = tuple(entries)
        names = names or {}
        for entry in self.entries:
            self.addTopLevelItem(self._row(entry, names))
        for column in (COL_SEQ, COL_WHEN, COL_WHO, COL_WHAT, COL_SUBJECT):
            self.resizeColumnToContents(column)

    def clear(self) -> None:
        """Remove every row."""
        self.entries = ()
        super().clear()

    def _row(self, entry: CustodyEntry, names: Mapping[str, str]) -> QTreeWidgetItem:
        actor = safe_text(entry.actor)
        name = safe_text(names.get(entry.actor, ""))
        revision = revision_of(entry)
        anomaly = entry.details.get("clock_anomaly")
        seq = f"{entry.seq} (rev {revision})" if revision is not None else str(entry.seq)
        when = local_time_text(entry.time_utc)
        if anomaly:
            when = "⚠ " + when
        item = QTreeWidgetItem(
            [
                seq,
                when,
                f"{name} <{actor}>" if name else actor,
                what_words(entry),
                safe_text(entry.subject),
                details_short(entry),
            ]
        )
        item.setData(COL_SEQ, Qt.ItemDataRole.UserRole, entry.seq)
        item.setToolTip(COL_WHEN, f"Local: {local_time_text(entry.time_utc)}\nUTC: {entry.time_utc}")
        item.setToolTip(COL_WHO, actor)
        item.setToolTip(COL_DETAILS, details_full(entry) or "No details")
        if revision is not None:
            item.setToolTip(COL_SEQ, f"Entry {entry.seq}, added by revision {revision}")
            background = QBrush(_REVISION_BACKGROUND)
            for column in range(len(COLUMNS)):
                item.setBackground(column, background)
            font = item.font(COL_WHAT)
            font.setBold(True)
            item.setFont(COL_WHAT, font)
        if anomaly:
            item.setForeground(COL_WHEN, QBrush(_ANOMALY_FOREGROUND))
            item.setToolTip(COL_WHEN, f"{item.toolTip(COL_WHEN)}\nThe clock ran backwards: {safe_text(str(anomaly))}")
        return item
