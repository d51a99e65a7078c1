"""FORMAT.md's data-protection section (once a draft for issue 17) states what the code does: the default
[retention] table, the register's stock-tool steps and the record fields are taken from the code and compared."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from bundles import dsl
from redactions import BOXES, chat_image, png_of
from registers import disposal

from evidence.capture.redact import redact
from evidence.case import register
from evidence.case.register import GENESIS_SHA256, Authoriser, RegisterEntry
from evidence.case.retention import DEFAULT_POLICY, EventKind, RetentionEvent

DRAFT = (Path(__file__).resolve().parents[2] / "docs" / "FORMAT.md").read_text()
"""The data-protection section of FORMAT.md (issue 17 moved the draft there)."""


def _table_fields(heading: str) -> set[str]:
    """The names in the first column of the first table after ``heading``."""
    lines = DRAFT[DRAFT.index("| field", DRAFT.index(heading)) :].splitlines()
    names: set[str] = set()
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        names.update(re.findall(r"`([^`]+)`", line.split("|")[1]))
    return names


def test_draft_shows_the_default_retention_table() -> None:
    assert f"```toml\n{DEFAULT_POLICY.to_toml_table()}```" in DRAFT


def test_draft_gives_verify_txt_commands() -> None:
    text = register.verify_text()
    blocks = [b for b in re.findall(r"((?:^    .*\n)+)", text, re.M) if "for d in" in b]
    assert len(blocks) == 2
    for block in blocks:
        assert block in DRAFT


def test_draft_names_every_field_of_the_records() -> None:
    event = RetentionEvent(EventKind.HOLD, "r3", dt.datetime(2027, 1, 1, tzinfo=dt.UTC), "dsl@school.example", "x")
    assert _table_fields("## Hold, release and extension records") == set(event.to_json_dict())
    entry = RegisterEntry(1, GENESIS_SHA256, disposal(1), Authoriser("dsl@school.example", dsl().card.fingerprint))
    assert _table_fields("`entry.json` has exactly these fields") == set(json.loads(entry.to_bytes()))
    record = redact(png_of(chat_image()), BOXES).record
    assert _table_fields("Its record (canonical JSON) has exactly these fields") == set(json.loads(record.to_bytes()))
