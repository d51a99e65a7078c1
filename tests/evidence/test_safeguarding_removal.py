"""Issue 11, point 1: an incident marked as a nude or semi-nude image of a child has its items removed from the
workstation by a logged route, and the sealed bundle shows reviewers what was removed, by digest only.

The vault deletes each item's image, context and notes (``secure_delete`` plus a WAL checkpoint, so the old
ciphertext is not left in the file), excludes it with the reason "removed for safeguarding" and logs a
``disposed`` entry holding only its digests. Sealing then lists the items as excluded, and the verifier refuses a
bundle that carries an item its custody log records as disposed.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from bundles import dsl, png, school_profile, staff
from helpers import new_capture

from evidence import bundle
from evidence.bundle.seal import seal_incident
from evidence.case.custody import REMOVED_FOR_SAFEGUARDING, Action
from evidence.case.incident import Category, IncidentDetails, Status
from evidence.core.errors import BundleError, VaultError
from evidence.vault.store import Vault

MARKED = IncidentDetails(
    categories=(Category.NUDE_IMAGE_OF_CHILD,),
    safeguarding_note="A pupil showed me an image on her phone at break.",
    target_name="Not known",
    occurred="2026-11-24T10:40:00+00:00",
    device="A pupil's phone",
    reported_to="Dee Sell",
)


def recipients() -> list[str]:
    return [staff().card.recipient, *school_profile().reviewer_recipients]


def draft_with_items(vault: Vault, count: int = 2) -> tuple[str, list[bytes]]:
    me = staff().card.principal
    ref = vault.create_incident(IncidentDetails(title="Messages"), actor=me, recipients=recipients())
    pngs = []
    for i in range(count):
        data, rgb = png(i)
        item = new_capture(data, window_title="Chat", pixels_sha256=hashlib.sha256(rgb).hexdigest())
        vault.add_item(ref, item, actor=me, recipients=recipients())
        vault.caption_item(ref, i + 1, f"caption {i}", actor=me, recipients=recipients())
        pngs.append(data)
    return ref, pngs


def test_removal_keeps_digests_only_and_logs_each_item(tmp_path: Path) -> None:
    path = tmp_path / "vault.sqlite3"
    with Vault(path) as vault:
        ref, pngs = draft_with_items(vault)
        blobs = [r[0] for r in sqlite3.connect(path).execute("SELECT content FROM items ORDER BY seq")]
        vault.update_details(ref, MARKED, actor="j@s", recipients=recipients())
        assert vault.incident(ref).status is Status.BLOCKED
        assert vault.remove_for_safeguarding(ref, actor="j@s", recipients=recipients()) == [1, 2]
        rows = vault.items(ref)
        assert [(r.excluded, r.shredded) for r in rows] == [(True, True), (True, True)]
        assert [r.sha256 for r in rows] == [hashlib.sha256(p).hexdigest() for p in pngs]
        assert vault.list_incidents()[0].item_count == 0
        keys = [staff().age_secret]
        for seq in (1, 2):
            with pytest.raises(VaultError):
                vault.item_content(ref, seq, keys)
            with pytest.raises(VaultError):
                vault.item_context(ref, seq, keys)
            assert vault.item_notes(ref, seq, keys) == {"excluded_reason": REMOVED_FOR_SAFEGUARDING}
        disposed = [e for e in vault.custody(ref, keys) if e.action == Action.DISPOSED.value]
        assert [e.subject for e in disposed] == [f"{ref}/1", f"{ref}/2"]
        for entry, data in zip(disposed, pngs, strict=True):
            assert entry.details["reason"] == REMOVED_FOR_SAFEGUARDING
            assert entry.details["sha256"] == hashlib.sha256(data).hexdigest()
            assert set(entry.details) == {"reason", "sha256", "size", "pixels_sha256"}
        # a second removal finds nothing left to remove, and logs nothing
        assert vault.remove_for_safeguarding(ref, actor="j@s", recipients=recipients()) == []
        assert len(vault.custody(ref, keys)) == len(disposed) + 7
    # the ciphertext of the images is gone from every file of the vault (database and write-ahead log)
    for file in tmp_path.iterdir():
        data = file.read_bytes()
        for blob in blobs:
            assert blob[200:264] not in data, file.name


def test_removal_refuses_an_incident_that_is_not_marked(tmp_path: Path) -> None:
    with Vault(tmp_path / "vault.sqlite3") as vault:
        ref, _ = draft_with_items(vault, 1)
        with pytest.raises(VaultError):
            vault.remove_for_safeguarding(ref, actor="j@s", recipients=recipients())
        assert not vault.items(ref)[0].shredded


def test_unmarking_allows_capture_again_and_says_so_in_the_log(tmp_path: Path) -> None:
    with Vault(tmp_path / "vault.sqlite3") as vault:
        ref, _ = draft_with_items(vault, 1)
        vault.update_details(ref, MARKED, actor="j@s", recipients=recipients())
        vault.remove_for_safeguarding(ref, actor="j@s", recipients=recipients())
        vault.update_details(ref, IncidentDetails(title="Not that after all"), actor="j@s", recipients=recipients())
        assert vault.incident(ref).status is Status.DRAFT
        last = vault.custody(ref, [staff().age_secret])[-1]
        assert (last.action, last.details["what"]) == ("annotated", "safeguarding mark removed: capture allowed again")
        assert vault.items(ref)[0].shredded  # what was removed stays removed
        vault.check_capture_allowed(ref)


def test_the_sealed_bundle_lists_removed_items_with_their_digests(tmp_path: Path) -> None:
    profile = school_profile()
    with Vault(tmp_path / "vault.sqlite3") as vault:
        ref, pngs = draft_with_items(vault)
        vault.update_details(ref, MARKED, actor="j@s", recipients=recipients())
        vault.remove_for_safeguarding(ref, actor="j@s", recipients=recipients())
        result = seal_incident(vault, ref, staff(), profile, tmp_path / "drop", when="2026-11-25T12:00:00.000Z")
    verified = bundle.open_bundle(result.path.read_bytes(), [dsl().age_secret], profile)
    assert verified.items == ()
    assert [(x.seq, x.reason, x.sha256, x.caption) for x in verified.excluded] == [
        (n, REMOVED_FOR_SAFEGUARDING, hashlib.sha256(p).hexdigest(), "") for n, p in enumerate(pngs, start=1)
    ]
    assert not [name for name in verified.bag if name.startswith("data/items/")]
    assert verified.incident.details.device == "A pupil's phone"
    assert [e.action for e in verified.custody].count("disposed") == 2


def test_a_bundle_carrying_a_removed_item_fails_the_consistency_check(tmp_path: Path) -> None:
    """The verifier's rule: an item the custody log records as disposed is never carried."""
    with Vault(tmp_path / "vault.sqlite3") as vault:
        ref, _ = draft_with_items(vault, 1)
        vault.log(
            ref,
            Action.DISPOSED,
            actor="j@s",
            recipients=recipients(),
            subject=f"{ref}/1",
            details={"reason": REMOVED_FOR_SAFEGUARDING},
        )
        with pytest.raises(BundleError) as e:  # the sealer checks its own bag before writing it
            seal_incident(vault, ref, staff(), school_profile(), tmp_path / "drop")
    assert (e.value.check, e.value.member) == ("consistency", "data/items/001.png")
    assert not (tmp_path / "drop").exists() or not list((tmp_path / "drop").iterdir())
