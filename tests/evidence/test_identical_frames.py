"""One original per picture (issue 11): region or window captures of an unchanged screen store the full frame once.

Before, four region captures of the same screen stored four identical full frames, which became exhibits JS/1,
2, 4 and 6 of one bundle. Now the vault finds the captured item with the same ``pixels_sha256`` and links each
crop to it; the custody log still records every capture.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
from bundles import dsl, png, school_profile, staff
from helpers import capture_context

from evidence import bundle
from evidence.bundle.seal import seal_incident
from evidence.capture.crop import Selection, derived_capture
from evidence.capture.items import ItemKind
from evidence.capture.screen import Capture, Rect, pixels_sha256
from evidence.case.custody import Action
from evidence.case.incident import IncidentDetails
from evidence.core.errors import VaultError
from evidence.police import report
from evidence.vault.store import NewItem, Vault

SIZE = (64, 48)


def frame(seed: int, minute: int = 0) -> tuple[Capture, bytes]:
    data, rgb = png(seed, SIZE)
    context = capture_context(utc=f"2026-11-25T10:{minute:02d}:00.000Z")
    return Capture(data, hashlib.sha256(data).hexdigest(), pixels_sha256(rgb, *SIZE), *SIZE, context), rgb


@pytest.fixture
def vault(tmp_path: Path):  # type: ignore[no-untyped-def]
    with Vault(tmp_path / "vault.sqlite3") as v:
        yield v


def recipients() -> list[str]:
    return [staff().card.recipient, *school_profile().reviewer_recipients]


def region_capture(vault: Vault, ref: str, seed: int, minute: int, box: Rect) -> tuple[int, int]:
    """What the capture flow does for a region: store the frame (or find it), then the crop linked to it."""
    shot, rgb = frame(seed, minute)
    original = vault.add(ref, NewItem.from_shot(shot), actor="j", recipients=recipients())
    crop = derived_capture(
        shot, rgb, box, app_version="t", reason=Selection.REGION, kept_png_sha256=original.row.sha256
    )
    row = vault.add_item(ref, NewItem.from_shot(crop, parent_seq=original.row.seq), actor="j", recipients=recipients())
    return original.row.seq, row.seq


def test_four_region_captures_of_one_screen_keep_one_original(vault: Vault, tmp_path: Path) -> None:
    ref = vault.create_incident(IncidentDetails(title="Group chat"), actor="j", recipients=recipients())
    boxes = [Rect(0, 0, 10, 10), Rect(5, 5, 20, 10), Rect(30, 20, 30, 20), Rect(1, 2, 3, 4)]
    links = [region_capture(vault, ref, 7, minute, box) for minute, box in enumerate(boxes)]
    assert links == [(1, 2), (1, 3), (1, 4), (1, 5)]
    rows = vault.items(ref)
    assert [r.kind for r in rows] == [ItemKind.CAPTURED] + [ItemKind.DERIVED] * 4
    assert [r.parent_seq for r in rows] == [None, 1, 1, 1, 1]
    # custody: every capture is recorded; three say nothing new was stored, and name the item kept
    me = staff()
    captured = [e for e in vault.custody(ref, [me.age_secret]) if e.action == Action.CAPTURED.value]
    assert [e.subject for e in captured] == [f"{ref}/1"] * 4
    assert ["stored" in e.details for e in captured] == [False, True, True, True]
    assert {e.details["sha256"] for e in captured} == {rows[0].sha256}
    # sealed, it verifies, and the original is one exhibit, numbered once, with its four crops after it
    profile = school_profile()
    result = seal_incident(vault, ref, me, profile, tmp_path / "drop")
    verified = bundle.open_bundle(result.path.read_bytes(), [dsl().age_secret], profile)
    assert [(i.seq, i.kind, i.parent_seq) for i in verified.items] == [
        (1, "captured", None),
        (2, "derived", 1),
        (3, "derived", 1),
        (4, "derived", 1),
        (5, "derived", 1),
    ]
    rep = report.build_report(verified, exported_by="x", officer_reference="y", exported_utc="2026-11-26T09:00:00.000Z")
    assert [e.ref for e in rep.exhibits] == ["JS/1", "JS/2", "JS/3", "JS/4", "JS/5"]
    assert [e.parent_ref for e in rep.exhibits[1:]] == ["JS/1"] * 4


def test_a_changed_screen_is_a_new_original(vault: Vault) -> None:
    ref = vault.create_incident(IncidentDetails(), actor="j", recipients=recipients())
    assert region_capture(vault, ref, 1, 0, Rect(0, 0, 5, 5)) == (1, 2)
    assert region_capture(vault, ref, 2, 1, Rect(0, 0, 5, 5)) == (3, 4)
    assert region_capture(vault, ref, 1, 2, Rect(0, 0, 5, 5)) == (1, 5)  # back to the first screen


def test_full_captures_of_an_unchanged_screen_are_one_item(vault: Vault) -> None:
    ref = vault.create_incident(IncidentDetails(), actor="j", recipients=recipients())
    first = vault.add(ref, NewItem.from_shot(frame(3)[0]), actor="j", recipients=recipients())
    again = vault.add(ref, NewItem.from_shot(frame(3, 5)[0]), actor="j", recipients=recipients())
    assert (first.stored, again.stored) == (True, False)
    assert again.row == vault.item(ref, 1)
    assert len(vault.items(ref)) == 1


def test_an_excluded_frame_is_not_reused(vault: Vault) -> None:
    ref = vault.create_incident(IncidentDetails(), actor="j", recipients=recipients())
    region_capture(vault, ref, 4, 0, Rect(0, 0, 5, 5))
    vault.exclude_item(ref, 1, "my own inbox was on screen", actor="j", recipients=recipients())
    assert region_capture(vault, ref, 4, 1, Rect(0, 0, 5, 5)) == (3, 4)  # stored again, as the old one is out


def test_other_incidents_and_unknown_pixels_are_never_matched(vault: Vault) -> None:
    one = vault.create_incident(IncidentDetails(), actor="j", recipients=recipients())
    two = vault.create_incident(IncidentDetails(), actor="j", recipients=recipients())
    region_capture(vault, one, 5, 0, Rect(0, 0, 5, 5))
    assert region_capture(vault, two, 5, 1, Rect(0, 0, 5, 5)) == (1, 2)  # each incident keeps its own
    shot, _ = frame(5)
    unknown = NewItem.from_shot(shot)
    unknown = dataclasses.replace(unknown, pixels_sha256=None)
    assert vault.add(one, unknown, actor="j", recipients=recipients()).stored  # no digest: nothing to compare


def test_a_crop_names_the_original_as_kept(vault: Vault) -> None:
    """Same pixels, other PNG bytes (an earlier encoder): the crop's derived_from names the file really kept."""
    ref = vault.create_incident(IncidentDetails(), actor="j", recipients=recipients())
    shot, rgb = frame(6)
    older = dataclasses.replace(shot, png=shot.png + b"\0", png_sha256=hashlib.sha256(shot.png + b"\0").hexdigest())
    vault.add_item(ref, NewItem.from_shot(older), actor="j", recipients=recipients())
    original = vault.add(ref, NewItem.from_shot(shot), actor="j", recipients=recipients())
    assert not original.stored
    crop = derived_capture(
        shot, rgb, Rect(0, 0, 4, 4), app_version="t", reason="region", kept_png_sha256=original.row.sha256
    )
    assert crop.context.derived_from.png_sha256 == older.png_sha256


def test_a_crop_must_name_a_captured_item(vault: Vault) -> None:
    ref = vault.create_incident(IncidentDetails(), actor="j", recipients=recipients())
    shot, rgb = frame(8)
    crop = derived_capture(shot, rgb, Rect(0, 0, 4, 4), app_version="t", reason="region")
    with pytest.raises(VaultError):
        vault.add_item(ref, NewItem.from_shot(crop, parent_seq=1), actor="j", recipients=recipients())
    assert vault.items(ref) == []
    assert [e.action for e in vault.custody(ref, [staff().age_secret])] == [Action.CREATED.value]
