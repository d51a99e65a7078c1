"""The reviewer's inbox: origin checked before decryption, bad files listed not raised, and an index without names."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from bundles import dsl, head, legacy_profile, make_sealed, school_profile, staff, write_revision
from helpers import identity

from evidence import bundle
from evidence.case.profile import Profile
from evidence.core.errors import BundleError, UsageError
from evidence.core.fsutil import TEMP_PREFIX
from evidence.crypto.keys import Identity
from evidence.review.actions import CaseStatus, ReviewAction, add_review
from evidence.review.inbox import (
    INDEX_FORMAT,
    InboxIndex,
    IndexRecord,
    OriginState,
    Seen,
    SeenCheck,
    folder_stamp,
    read_entry,
    scan,
    signature_path_for,
)

JUNK_REF = "EC-20261125-ABCDEF"


def drop_with_one(tmp_path: Path) -> tuple[Path, Path]:
    """A drop folder holding one bundle sealed by Jane; returns (folder, bundle path)."""
    sealed = make_sealed(tmp_path / "seal")
    return sealed.result.path.parent, sealed.result.path


def test_a_sealed_bundle_is_listed_with_its_verified_sender(tmp_path: Path) -> None:
    folder, path = drop_with_one(tmp_path)
    [entry] = scan(folder, school_profile())
    assert entry.path == path
    assert entry.ref == path.name.removesuffix(".r1.zip.age")
    assert entry.revision == 1
    assert entry.ref_is_valid
    assert entry.size == path.stat().st_size
    assert entry.modified_utc.endswith("Z")
    assert entry.modified_utc[:4].isdigit()
    assert entry.sha256 == bundle.sha256_hex(path.read_bytes())
    assert entry.origin.state is OriginState.VERIFIED
    assert entry.origin.principal == staff().card.principal
    assert entry.origin.fingerprint == staff().card.fingerprint
    assert entry.origin.name == staff().card.name  # a signed profile names its staff (issue 10)
    assert entry.origin.sender == f"{staff().card.name} <{staff().card.principal}>"
    # a format-1 profile lists staff signers by key and principal only
    [legacy] = scan(folder, legacy_profile())
    assert legacy.origin.name == ""
    assert legacy.origin.sender == staff().card.principal


def test_a_reviewers_revision_is_listed_with_the_reviewers_name(tmp_path: Path) -> None:
    folder, path = drop_with_one(tmp_path)
    profile = school_profile()
    verified = bundle.open_bundle(path.read_bytes(), [dsl().age_secret], profile)
    bag = add_review(verified, dsl(), profile, ReviewAction.NOTE, "Read it")
    write_revision(verified.ref, bag, dsl(), profile, folder)
    [entry] = scan(folder, profile)
    assert entry.origin.state is OriginState.VERIFIED
    assert entry.origin.name == "Dee Sell"
    assert entry.origin.sender == "Dee Sell <dsl@school.example>"


def test_a_bundle_without_its_signature_is_missing(tmp_path: Path) -> None:
    folder, path = drop_with_one(tmp_path)
    signature_path_for(path).unlink()
    [entry] = scan(folder, school_profile())
    assert entry.origin.state is OriginState.MISSING
    assert entry.origin.principal == ""
    assert entry.origin.reason == ""
    assert entry.sha256 is None  # not read: a bundle without its origin signature is never opened (issue 10)


def test_a_tampered_signature_fails_with_one_line(tmp_path: Path) -> None:
    folder, path = drop_with_one(tmp_path)
    sig = signature_path_for(path)
    text = sig.read_text("ascii").splitlines()
    middle = len(text) // 2
    text[middle] = text[middle][:10] + ("A" if text[middle][10] != "A" else "B") + text[middle][11:]
    sig.write_text("\n".join(text) + "\n", "ascii")
    [entry] = scan(folder, school_profile())
    assert entry.origin.state is OriginState.FAILED
    assert entry.origin.reason
    assert "\n" not in entry.origin.reason
    assert not entry.origin.reason.startswith("origin:")
    assert entry.origin.principal == ""


def test_a_signature_over_other_bytes_fails(tmp_path: Path) -> None:
    folder, path = drop_with_one(tmp_path)
    signature_path_for(path).write_bytes(bundle.origin_signature(b"some other file", staff()))
    [entry] = scan(folder, school_profile())
    assert entry.origin.state is OriginState.FAILED


def test_a_bundle_from_an_outsider_fails_naming_the_key(tmp_path: Path) -> None:
    folder, path = drop_with_one(tmp_path)
    outsider = identity("Olly Outsider", "out@elsewhere.example")
    signature_path_for(path).write_bytes(bundle.origin_signature(path.read_bytes(), outsider))
    [entry] = scan(folder, school_profile())
    assert entry.origin.state is OriginState.FAILED
    assert outsider.card.fingerprint in entry.origin.reason
    assert "not a signer" in entry.origin.reason


def test_junk_is_listed_as_failed_or_missing_and_never_raises(tmp_path: Path) -> None:
    folder, _ = drop_with_one(tmp_path)
    junk = folder / f"{JUNK_REF}.zip.age"
    junk.write_bytes(os.urandom(3000))
    (folder / "holiday.zip.age").write_bytes(b"not a bundle")
    (folder / "holiday.zip.age.sig").write_bytes(os.urandom(200))
    entries = {e.path.name: e for e in scan(folder, school_profile())}
    assert entries[junk.name].origin.state is OriginState.MISSING
    assert entries[junk.name].ref == JUNK_REF
    assert entries[junk.name].ref_is_valid
    holiday = entries["holiday.zip.age"]
    assert holiday.origin.state is OriginState.FAILED
    assert holiday.origin.reason
    assert holiday.ref == "holiday"
    assert not holiday.ref_is_valid


def test_only_bundles_at_the_top_of_the_folder_are_listed(tmp_path: Path) -> None:
    folder, path = drop_with_one(tmp_path)
    (folder / "notes.txt").write_text("hello")
    (folder / f"{TEMP_PREFIX}0123456789ab-{path.name}").write_bytes(path.read_bytes())
    (folder / f"._{path.name}").write_bytes(b"\0\5\26\7 mac resource fork")
    (folder / "a folder.zip.age").mkdir()
    (folder / ".zip.age").write_bytes(b"")
    sub = folder / "old"
    sub.mkdir()
    shutil.copy(path, sub / path.name)
    assert [e.path for e in scan(folder, school_profile())] == [path]


def test_a_missing_folder_is_empty(tmp_path: Path) -> None:
    assert scan(tmp_path / "not there", school_profile()) == []
    assert folder_stamp(tmp_path / "not there") == frozenset()


def test_an_unreadable_bundle_is_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, path = drop_with_one(tmp_path)
    real_open = os.open

    def refuse(file: object, flags: int, *args: object, **kwargs: object) -> int:
        if Path(str(file)) == path:
            raise PermissionError(13, "Permission denied")
        return real_open(file, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refuse)  # chmod does not bind when the tests run as root
    [entry] = scan(folder, school_profile())
    assert entry.origin.state is OriginState.FAILED
    assert entry.origin.reason == "cannot read the file: Permission denied"
    assert entry.sha256 is None


def test_a_vanished_bundle_is_skipped(tmp_path: Path) -> None:
    assert read_entry(tmp_path / f"{JUNK_REF}.zip.age", school_profile()) is None


def test_entries_are_reused_until_the_bundle_or_its_signature_changes(tmp_path: Path) -> None:
    folder, path = drop_with_one(tmp_path)
    first = scan(folder, school_profile())
    again = scan(folder, school_profile(), previous=first)
    assert again[0] is first[0]
    sig = signature_path_for(path)
    sig.unlink()
    changed = scan(folder, school_profile(), previous=again)
    assert changed[0] is not first[0]
    assert changed[0].origin.state is OriginState.MISSING


def test_newest_first(tmp_path: Path) -> None:
    folder, path = drop_with_one(tmp_path)
    other = folder / f"{JUNK_REF}.zip.age"
    other.write_bytes(b"x")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    os.utime(other, (1_800_000_000, 1_800_000_000))
    assert [e.path for e in scan(folder, school_profile())] == [other, path]


def test_folder_stamp_changes_when_a_bundle_arrives(tmp_path: Path) -> None:
    folder, path = drop_with_one(tmp_path)
    before = folder_stamp(folder)
    (folder / "notes.txt").write_text("ignored")
    assert folder_stamp(folder) == before
    shutil.copy(path, folder / f"{JUNK_REF}.zip.age")
    assert folder_stamp(folder) != before


# -- the index ------------------------------------------------------------------------------------------------------


def test_index_round_trip_holds_no_personal_data(tmp_path: Path) -> None:
    folder, path = drop_with_one(tmp_path)
    profile = school_profile()
    [entry] = scan(folder, profile)
    assert entry.sha256 is not None
    verified = bundle.open_bundle(path.read_bytes(), [dsl().age_secret], profile)
    index_path = tmp_path / "data" / "inbox-index.json"
    index_path.parent.mkdir()
    index = InboxIndex.load(index_path)
    assert index.get(entry.sha256) is None
    record = index.remember_verified(entry.sha256, verified, when="2026-11-26T09:00:00.000Z")
    failed_digest = "f" * 64
    index.remember_failed(failed_digest, BundleError("payload hash: x: bad", check="payload hash", member="x"))
    index.save()

    again = InboxIndex.load(index_path)
    # Issue 17: the case status is known in memory only; the stored record never holds it
    assert again.get(entry.sha256) == dataclasses.replace(record, status=None)
    assert record.verified
    assert record.case_status is CaseStatus.NEW
    assert json.loads(index_path.read_text("utf-8"))["bundles"][entry.sha256]["status"] is None
    assert record.failed_check is None
    assert (record.revisions, record.item_count, record.sealed_utc) == (1, 2, verified.sealer.time_utc)
    failed = again.get(failed_digest)
    assert failed is not None
    assert failed.verdict == "failed: payload hash"
    assert failed.failed_check == "payload hash"
    assert failed.status is None
    assert failed.item_count is None

    text = index_path.read_text("utf-8")
    assert json.loads(text)["format"] == INDEX_FORMAT
    for personal in ("Alex", "Messages about", "Instagram", verified.ref, "Jane", "j.smith", "Chat 0"):
        assert personal not in text
    if sys.platform != "win32":
        assert index_path.stat().st_mode & 0o777 == 0o600


def test_index_follows_the_case_status(tmp_path: Path) -> None:
    _, path = drop_with_one(tmp_path)
    profile = school_profile()
    verified = bundle.open_bundle(path.read_bytes(), [dsl().age_secret], profile)
    bag = add_review(verified, dsl(), profile, ReviewAction.POLICE_CONTACTED, "Threats", {"crime_reference": "CR/1"})
    revised = bundle.verify_bag(bundle.zip_bag(verified.ref, bag), profile)
    index = InboxIndex(tmp_path / "index.json")
    record = index.remember_verified("a" * 64, revised)
    assert record.status == CaseStatus.REFERRED.value
    assert record.revisions == 2


def test_a_damaged_index_is_empty_and_bad_records_are_dropped(tmp_path: Path) -> None:
    index_path = tmp_path / "inbox-index.json"
    index_path.write_bytes(b"{not json")
    assert InboxIndex.load(index_path).records == {}
    good = IndexRecord("verified", "2026-11-26T09:00:00.000Z", "new", 1, "2026-11-25T12:00:00.000Z", 2)
    doc = {
        "format": INDEX_FORMAT,
        "bundles": {
            "a" * 64: {**good.to_json_dict(), "status": "referred to police"},
            "b" * 64: {"verdict": "maybe", "checked_utc": "x"},
            "c" * 64: {**good.to_json_dict(), "items": True},
            "not a digest": good.to_json_dict(),
        },
    }
    index_path.write_text(json.dumps(doc), "utf-8")
    # issue 17: a status (here from a file an earlier version wrote) is never kept from the file
    assert InboxIndex.load(index_path).records == {"a" * 64: dataclasses.replace(good, status=None)}
    assert InboxIndex.load(tmp_path / "missing.json").records == {}


def test_index_refuses_a_key_that_is_not_a_digest(tmp_path: Path) -> None:
    index = InboxIndex(tmp_path / "index.json")
    with pytest.raises(UsageError):
        index.remember_failed("EC-20261125-ABCDEF", BundleError("decrypt: bad", check="decrypt"))


def test_prune_keeps_only_the_bundles_still_there(tmp_path: Path) -> None:
    index = InboxIndex(tmp_path / "index.json")
    for digest in ("a" * 64, "b" * 64):
        index.remember_failed(digest, BundleError("decrypt: bad", check="decrypt"))
    assert index.prune(["a" * 64]) == 1
    assert list(index.records) == ["a" * 64]


# -- the history: rollbacks and forks (issue 10) --------------------------------------------------------------------


def _revised(verified: bundle.VerifiedBundle, who: Identity, why: str) -> bundle.VerifiedBundle:
    profile = school_profile()
    bag = add_review(verified, who, profile, ReviewAction.NOTE, why)
    return bundle.verify_bag(bundle.zip_bag(verified.ref, bag), profile)


def test_history_flags_an_older_revision_and_a_different_history(tmp_path: Path) -> None:
    _, path = drop_with_one(tmp_path)
    r1 = bundle.open_bundle(path.read_bytes(), [dsl().age_secret], school_profile())
    r2 = _revised(r1, dsl(), "Read it")
    r2_fork = _revised(r1, head(), "Read it too")
    r3 = _revised(r2, dsl(), "And again")
    index_path = tmp_path / "data" / "inbox-index.json"
    index_path.parent.mkdir()
    index = InboxIndex.load(index_path)
    assert index.check_history(r1) == SeenCheck(Seen.FIRST, 1, None)
    assert index.check_history(r1).state is Seen.SAME
    assert index.check_history(r2) == SeenCheck(Seen.NEWER, 2, 1)
    older = index.check_history(r1)
    assert older == SeenCheck(Seen.OLDER, 1, 2)
    assert older.state.warns
    assert "older than the one already seen" in older.text()
    assert index.check_history(r2_fork).state is Seen.DIFFERENT
    index.remember_verified("d" * 64, r1, seen=older.state)
    index.save()

    again = InboxIndex.load(index_path)  # the memory survives, keyed without the reference in clear
    assert again.check_history(r2_fork).state is Seen.DIFFERENT  # a fork never replaces what was seen
    assert again.check_history(r3).state is Seen.NEWER
    assert again.check_history(r2).state is Seen.OLDER
    record = again.get("d" * 64)
    assert record is not None
    assert record.seen is Seen.OLDER
    assert again.prune([]) == 1
    assert again.history  # never pruned with the files: removing the newest copy must not make a rollback pass
    text = index_path.read_text("utf-8")
    assert r1.ref not in text
    assert json.loads(text)["history"]


def test_a_forked_later_revision_is_a_different_history(tmp_path: Path) -> None:
    _, path = drop_with_one(tmp_path)
    r1 = bundle.open_bundle(path.read_bytes(), [dsl().age_secret], school_profile())
    r2, r2_fork = _revised(r1, dsl(), "Read it"), _revised(r1, head(), "Read it too")
    index = InboxIndex(tmp_path / "index.json")
    index.check_history(r2)
    assert index.check_history(_revised(r2_fork, dsl(), "later")).state is Seen.DIFFERENT


def test_bad_history_records_are_dropped(tmp_path: Path) -> None:
    index_path = tmp_path / "inbox-index.json"
    good = {"revision": 2, "manifest_sha256": "e" * 64}
    doc = {
        "format": INDEX_FORMAT,
        "bundles": {},
        "history": {
            "a" * 64: good,
            "b" * 64: {"revision": 0, "manifest_sha256": "e" * 64},
            "c" * 64: {"revision": True, "manifest_sha256": "e" * 64},
            "d" * 64: {"revision": 2, "manifest_sha256": "E" * 64},
            "EC-20261125-ABCDEF": good,
        },
    }
    index_path.write_text(json.dumps(doc), "utf-8")
    assert list(InboxIndex.load(index_path).history) == ["a" * 64]


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    from evidence.review import inbox

    reads: list[Path] = []
    real = inbox.read_entry

    def counted(path: Path, profile: object) -> object:
        reads.append(path)
        return real(path, profile)  # type: ignore[arg-type]

    monkeypatch.setattr(inbox, "read_entry", counted)
    return reads


def test_an_unchanged_bundle_is_never_read_again_across_restarts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16, point 7: (size, mtime → digest, origin verdict) persists in the index; a restart reads nothing."""
    folder, path = drop_with_one(tmp_path)
    (folder / f"{JUNK_REF}.zip.age").write_bytes(b"junk")  # a missing signature: listed without reading it
    reads = _count_reads(monkeypatch)
    index = InboxIndex(tmp_path / "index.json")
    first = scan(folder, school_profile(), memory=index.scans)
    assert sorted(reads) == sorted([path, folder / f"{JUNK_REF}.zip.age"])
    index.save()
    reads.clear()
    again = InboxIndex.load(tmp_path / "index.json")  # the next start of the app
    seen: list[tuple[str, int, int]] = []
    second = scan(folder, school_profile(), memory=again.scans, progress=lambda e, d, n: seen.append((e.ref, d, n)))
    assert reads == []
    assert second == first  # the same digest, origin, signer principal and name, rebuilt from the profile
    assert sorted(seen) == sorted(
        [(e.ref, i, 2) for e, i in zip(sorted(first, key=lambda e: e.ref), (1, 2), strict=True)]
    )
    text = (tmp_path / "index.json").read_text(encoding="utf-8")
    for personal in (first[0].ref, first[1].ref, staff().card.principal, staff().card.name):
        assert personal not in text


def test_a_changed_bundle_or_profile_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, path = drop_with_one(tmp_path)
    reads = _count_reads(monkeypatch)
    memory: dict[str, object] = {}
    scan(folder, school_profile(), memory=memory)  # type: ignore[arg-type]
    assert reads == [path]
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    [entry] = scan(folder, school_profile(), memory=memory)  # type: ignore[arg-type]
    assert reads == [path, path]
    assert entry.origin.state is OriginState.VERIFIED
    assert len(memory) == 1  # the old file's record is forgotten
    [newer] = scan(folder, school_profile(version=2), memory=memory)  # the same signers: same verdict, no read
    assert reads == [path, path]
    assert newer.origin.state is OriginState.VERIFIED
    # a format-1 profile lists the same people, but its reviewers may not sign disposals (issue 17): another
    # signer list, so the file is checked again, and the signer is named from the profile given
    [legacy] = scan(folder, legacy_profile(), memory=memory)
    assert reads == [path, path, path]
    assert legacy.origin.state is OriginState.VERIFIED
    assert legacy.origin.name == ""
    [again] = scan(folder, legacy_profile(), memory=memory)  # and remembered under that list too
    assert reads == [path, path, path]
    assert again.origin.name == ""
    without_jane = Profile(school="Example Academy", reviewers=(dsl().card, head().card), staff=())
    [refused] = scan(folder, without_jane, memory=memory)  # another signer list: checked again
    assert reads == [path, path, path, path]
    assert refused.origin.state is OriginState.FAILED
    path.unlink()
    assert scan(folder, school_profile(), memory=memory) == []  # type: ignore[arg-type]
    assert memory == {}
