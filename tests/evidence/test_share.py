"""Issue 15: many reviewers, one share. Every revision is its own immutable file, published with no replace; a
writer that loses the race applies its action again on top; a bundle and its signature are one unit; receipts."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from bundles import dsl, head, make_sealed, school_profile, staff
from faults import remount_read_only, tmpfs, vanish

from evidence import bundle
from evidence.bundle import seal as sealing
from evidence.bundle import share
from evidence.core.errors import BundleError, ShareError, UsageError
from evidence.review.actions import ReviewAction, add_review, added_while_working, record_action, reviews
from evidence.vault.store import Vault


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_every_revision_is_its_own_file_and_none_is_replaced(tmp_path: Path) -> None:
    sealed = make_sealed(tmp_path)
    drop = sealed.result.path.parent
    assert sealed.result.path.name == f"{sealed.ref}.r1.zip.age"
    first = sealed.result.path.read_bytes()
    published = record_action(drop, sealed.ref, dsl(), school_profile(), ReviewAction.NOTE, "spoke to the pupil")
    assert published.revision == 2
    assert published.path == drop / f"{sealed.ref}.r2.zip.age"
    assert published.intervening == ()
    assert added_while_working(published) == ""
    assert names(drop) == [f"{sealed.ref}.r{n}.zip.age{s}" for n in (1, 2) for s in ("", ".sig")]
    assert sealed.result.path.read_bytes() == first  # the seal stays, byte for byte, as history
    current = share.current_revision(drop, sealed.ref)
    assert current is not None
    assert current.number == 2
    assert current.complete
    verified = sealing.verify_file(current.path, head(), school_profile())
    assert [r.action for r in reviews(verified)] == [ReviewAction.NOTE]


def test_stale_window_issue_15(tmp_path: Path) -> None:
    """The DSL and the Head have the same bundle open; the DSL records "police contacted"; the Head records a note
    from the window opened earlier: 3 revisions, both actions, and the Head is told who wrote in between."""
    sealed = make_sealed(tmp_path)
    drop, profile = sealed.result.path.parent, school_profile()
    dsl_window = sealing.verify_file(sealed.result.path, dsl(), profile)
    head_window = sealing.verify_file(sealed.result.path, head(), profile)
    first = record_action(
        drop,
        dsl_window.ref,
        dsl(),
        profile,
        ReviewAction.POLICE_CONTACTED,
        "threats of violence",
        {"crime_reference": "CR/1/26"},
        based_on=len(dsl_window.revisions),
    )
    second = record_action(
        drop, head_window.ref, head(), profile, ReviewAction.NOTE, "parents called", based_on=len(head_window.revisions)
    )
    assert (first.revision, second.revision) == (2, 3)
    assert second.attempts == 1  # it started from the latest revision on the share, not from the stale window
    assert [(r.number, r.action, r.by_principal) for r in second.intervening] == [
        (2, "police-contacted", dsl().card.principal)
    ]
    assert dsl().card.name in added_while_working(second)
    final = sealing.verify_file(second.path, dsl(), profile)
    assert len(final.revisions) == 3
    assert [r.action for r in reviews(final)] == [ReviewAction.POLICE_CONTACTED, ReviewAction.NOTE]


def test_a_lost_race_is_applied_again_on_top(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Someone else publishes r2 between our check and our publish: our action becomes r3, never instead of r2."""
    sealed = make_sealed(tmp_path)
    drop, profile = sealed.result.path.parent, school_profile()
    real_stage = share.stage_bag
    raced = []

    def stage_then_race(folder: Path, name: str, ref: str, bag, p, signer):  # type: ignore[no-untyped-def]
        if not raced:
            raced.append(name)
            record_action(drop, ref, head(), profile, ReviewAction.MEETING_HELD, "met", {"who": "Head, pupil"})
        return real_stage(folder, name, ref, bag, p, signer)

    monkeypatch.setattr(share, "stage_bag", stage_then_race)
    published = record_action(drop, sealed.ref, dsl(), profile, ReviewAction.NOTE, "mine", based_on=1)
    assert raced == [f"{sealed.ref}.r2.zip.age"]
    assert published.revision == 3
    assert published.attempts == 2
    assert [r.action for r in published.intervening] == ["meeting-held"]
    assert published.verified is not None
    assert [r.action for r in reviews(published.verified)] == [ReviewAction.MEETING_HELD, ReviewAction.NOTE]
    assert not [n for n in names(drop) if n.startswith(".")]  # the loser's temp files are gone


def test_a_bundle_without_its_signature_is_incomplete_never_tampered(tmp_path: Path) -> None:
    """A writer that died between its bundle and its signature: readers keep showing r1, and the next writer
    completes r2 with the signature its writer left (a hidden temp file) before adding r3."""
    sealed = make_sealed(tmp_path)
    drop, profile = sealed.result.path.parent, school_profile()
    v1 = sealing.verify_file(sealed.result.path, dsl(), profile)
    bag = add_review(v1, dsl(), profile, ReviewAction.NOTE, "written by a writer that dies")
    staged = share.stage_bag(drop, share.revision_name(sealed.ref, 2), sealed.ref, bag, profile, dsl())
    share.link_no_replace(staged.bundle_tmp, staged.path)
    staged.bundle_tmp.unlink()  # killed here: the bundle is published, its signature only staged
    files = share.revisions_of(drop, sealed.ref)
    assert [(f.number, f.complete) for f in files] == [(2, False), (1, True)]
    current = share.current_revision(drop, sealed.ref)
    assert current is not None
    assert current.number == 1
    published = record_action(drop, sealed.ref, head(), profile, ReviewAction.NOTE, "after the crash")
    assert published.revision == 3
    assert [r.why for r in reviews(sealing.verify_file(published.path, dsl(), profile))] == [
        "written by a writer that dies",
        "after the crash",
    ]


def test_a_forged_signature_left_beside_an_orphan_is_not_linked(tmp_path: Path) -> None:
    sealed = make_sealed(tmp_path)
    drop, profile = sealed.result.path.parent, school_profile()
    v1 = sealing.verify_file(sealed.result.path, dsl(), profile)
    bag = add_review(v1, dsl(), profile, ReviewAction.NOTE, "orphan")
    staged = share.stage_bag(drop, share.revision_name(sealed.ref, 2), sealed.ref, bag, profile, dsl())
    share.link_no_replace(staged.bundle_tmp, staged.path)
    staged.discard()
    forged = drop / f".ec-tmp-000000000000-{staged.name}.sig"
    forged.write_bytes(bundle.origin_signature(b"other bytes", dsl()))
    assert share.complete_incomplete(drop, sealed.ref, profile) == []
    old = time.time() - share.INCOMPLETE_GRACE_SECONDS - 5
    os.utime(staged.path, (old, old))
    with pytest.raises(ShareError) as info:
        record_action(drop, sealed.ref, head(), profile, ReviewAction.NOTE, "blocked")
    assert info.value.check == "incomplete"
    assert not (drop / f"{sealed.ref}.r2.zip.age.sig").exists()


def test_seal_refuses_a_reference_already_on_the_share(tmp_path: Path) -> None:
    sealed = make_sealed(tmp_path)
    drop = sealed.result.path.parent
    before = {n: (drop / n).read_bytes() for n in names(drop)}
    with Vault(sealed.vault_path) as vault, pytest.raises(UsageError, match="sealed already"):
        sealing.seal_incident(vault, sealed.ref, staff(), school_profile(), drop)
    assert {n: (drop / n).read_bytes() for n in names(drop)} == before


def test_a_name_that_lies_about_its_revision_is_refused(tmp_path: Path) -> None:
    sealed = make_sealed(tmp_path)
    drop = sealed.result.path.parent
    for suffix in ("", ".sig"):
        (drop / f"{sealed.ref}.r1.zip.age{suffix}").rename(drop / f"{sealed.ref}.r5.zip.age{suffix}")
    with pytest.raises(BundleError) as info:
        record_action(drop, sealed.ref, dsl(), school_profile(), ReviewAction.NOTE, "x")
    assert info.value.check == "consistency"


def test_a_legacy_bundle_is_revised_into_numbered_files(tmp_path: Path) -> None:
    sealed = make_sealed(tmp_path)
    drop = sealed.result.path.parent
    for suffix in ("", ".sig"):
        (drop / f"{sealed.ref}.r1.zip.age{suffix}").rename(drop / f"{sealed.ref}.zip.age{suffix}")
    published = record_action(drop, sealed.ref, dsl(), school_profile(), ReviewAction.NOTE, "x")
    assert published.path.name == f"{sealed.ref}.r2.zip.age"
    assert (drop / f"{sealed.ref}.zip.age").read_bytes() == sealed.ciphertext
    current = share.current_revision(drop, sealed.ref)
    assert current is not None
    assert current.number == 2


def test_read_only_share_one_clear_error_nothing_lost(tmp_path: Path) -> None:
    sealed = make_sealed(tmp_path)
    with tmpfs(tmp_path / "ro", "4m") as drop:
        for suffix in ("", ".sig"):
            (drop / f"{sealed.ref}.r1.zip.age{suffix}").write_bytes(
                (sealed.result.path.parent / f"{sealed.ref}.r1.zip.age{suffix}").read_bytes()
            )
        before = {n: (drop / n).read_bytes() for n in names(drop)}
        remount_read_only(drop)
        with pytest.raises(ShareError) as info:
            record_action(drop, sealed.ref, dsl(), school_profile(), ReviewAction.NOTE, "x")
        assert info.value.check == "read-only"
        assert "\n" not in str(info.value)
        assert {n: (drop / n).read_bytes() for n in names(drop)} == before


@pytest.mark.parametrize("moment", ["before the bundle", "between the bundle and its signature"])
def test_share_that_disappears_mid_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    """A dropped share: one clear error; the revisions already there stay; the action is recorded after a retry."""
    sealed = make_sealed(tmp_path)
    keep = tmp_path / "keep"
    keep.mkdir()
    with tmpfs(tmp_path / "share", "4m") as drop:
        for suffix in ("", ".sig"):
            data = (sealed.result.path.parent / f"{sealed.ref}.r1.zip.age{suffix}").read_bytes()
            (drop / f"{sealed.ref}.r1.zip.age{suffix}").write_bytes(data)
            (keep / f"{sealed.ref}.r1.zip.age{suffix}").write_bytes(data)
        real_link = share.link_no_replace

        def link_then_vanish(tmp: Path, final: Path) -> None:
            if moment == "before the bundle" or final.name.endswith(".sig"):
                vanish(drop)
            real_link(tmp, final)

        monkeypatch.setattr(share, "link_no_replace", link_then_vanish)
        with pytest.raises(ShareError) as info:
            record_action(drop, sealed.ref, dsl(), school_profile(), ReviewAction.NOTE, "x")
        monkeypatch.undo()
        assert info.value.check == "share gone"
        assert "\n" not in str(info.value)
        assert not drop.exists()
    # the share comes back (here: the copy IT restores); the action is recorded on top of what was there
    published = record_action(keep, sealed.ref, dsl(), school_profile(), ReviewAction.NOTE, "x")
    assert published.revision == 2


def test_receipts_are_signed_exclusive_and_found_by_digest(tmp_path: Path) -> None:
    sealed = make_sealed(tmp_path)
    drop, profile = sealed.result.path.parent, school_profile()
    digest = sealed.result.sha256
    assert share.find_receipt(drop, sealed.ref, digest, profile) is None
    path = share.write_receipt(drop, sealed.ref, 1, digest, head(), when="2026-11-25T13:00:00.000Z")
    assert path is not None
    assert path.parent.name == "receipts"
    assert share.write_receipt(drop, sealed.ref, 1, digest, head()) is None  # one per reviewer, never replaced
    assert share.write_receipt(drop, sealed.ref, 1, digest, dsl(), when="2026-11-25T14:00:00.000Z") is not None
    receipt = share.find_receipt(drop, sealed.ref, digest, profile)
    assert receipt is not None
    assert (receipt.principal, receipt.received_utc) == (head().card.principal, "2026-11-25T13:00:00.000Z")
    assert share.find_receipt(drop, sealed.ref, "0" * 64, profile) is None
    # a receipt "signed" by staff (not a reviewer), or edited, does not count
    forged = share.receipt_path(drop, sealed.ref, 1, staff().card.ssh_key)
    body = share.Receipt(sealed.ref, 1, digest, staff().card.principal, "Jane", "2026-11-25T12:30:00.000Z").body()
    forged.write_bytes(body + staff().sign(body, "evidence-capture-receipt-v1").encode())
    with pytest.raises(ShareError) as info:
        share.read_receipt(forged, profile)
    assert info.value.check == "receipt"
    edited = path.read_bytes().replace(b"13:00:00", b"11:00:00")
    path.write_bytes(edited)
    receipt = share.find_receipt(drop, sealed.ref, digest, profile)
    assert receipt is not None
    assert receipt.principal == dsl().card.principal


def test_the_inbox_shows_the_current_revision_and_a_revision_being_written(tmp_path: Path) -> None:
    from evidence.review.inbox import OriginState, scan

    sealed = make_sealed(tmp_path)
    drop, profile = sealed.result.path.parent, school_profile()
    record_action(drop, sealed.ref, dsl(), profile, ReviewAction.NOTE, "r2")
    [entry] = scan(drop, profile)
    assert (entry.revision, entry.origin.state, entry.pending) == (2, OriginState.VERIFIED, None)
    # a writer at work on r3: its bundle is there, its signature not yet
    v2 = sealing.verify_file(drop / f"{sealed.ref}.r2.zip.age", dsl(), profile)
    staged = share.stage_bag(
        drop, f"{sealed.ref}.r3.zip.age", sealed.ref, add_review(v2, head(), profile, ReviewAction.NOTE, "r3"), profile,
        head(),
    )  # fmt: skip
    share.link_no_replace(staged.bundle_tmp, staged.path)
    [entry] = scan(drop, profile)
    assert (entry.revision, entry.origin.state, entry.pending, entry.pending_stale) == (
        2,
        OriginState.VERIFIED,
        3,
        False,
    )
    old = time.time() - share.INCOMPLETE_GRACE_SECONDS - 5
    os.utime(staged.path, (old, old))
    [entry] = scan(drop, profile)
    assert (entry.pending, entry.pending_stale) == (3, True)
    staged.discard()
    # a higher revision whose origin fails is listed too, in red, never hidden behind the good one
    (drop / f"{sealed.ref}.r9.zip.age").write_bytes(b"junk")
    (drop / f"{sealed.ref}.r9.zip.age.sig").write_bytes(b"not a signature")
    entries = scan(drop, profile)
    assert sorted((e.revision or 0, e.origin.state.value) for e in entries) == [(2, "verified"), (9, "failed")]


def test_a_share_without_hard_links_publishes_by_exclusive_create(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some SMB and FAT mounts refuse hard links (EPERM, EOPNOTSUPP): the fallback is O_CREAT|O_EXCL and a copy,
    which still never replaces a file; the race is still lost cleanly."""
    import errno

    sealed = make_sealed(tmp_path)
    drop, profile = sealed.result.path.parent, school_profile()

    def no_links(src: object, dst: object, **kwargs: object) -> None:
        raise OSError(errno.EOPNOTSUPP, "Operation not supported")

    monkeypatch.setattr(share.os, "link", no_links)
    published = record_action(drop, sealed.ref, dsl(), profile, ReviewAction.NOTE, "first")
    assert published.revision == 2
    existing = drop / "taken"
    existing.write_bytes(b"someone else's")
    tmp = share.stage_bytes(drop, "taken", b"mine")
    with pytest.raises(FileExistsError):
        share.link_no_replace(tmp, existing)
    assert existing.read_bytes() == b"someone else's"
    tmp.unlink()
    assert not [n for n in names(drop) if n.startswith(".")]


@pytest.mark.parametrize("fault", ["one bit", "truncated"])
def test_a_share_that_stores_other_bytes_fails_the_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    """The seal reads the published file back and refuses a
    share that kept other bytes than those written: the seal fails and the vault does not record it as sealed."""
    real = share.publish_staged

    def lossy(staged: share.Staged) -> None:
        real(staged)
        data = bytearray(staged.path.read_bytes())
        if fault == "one bit":
            data[len(data) // 2] ^= 0x10
        else:
            del data[-100:]
        os.chmod(staged.path, 0o600)
        staged.path.write_bytes(bytes(data))

    monkeypatch.setattr(share, "publish_staged", lossy)
    with pytest.raises(ShareError) as caught:
        make_sealed(tmp_path / "a")
    assert caught.value.check == "read back"
    monkeypatch.setattr(share, "publish_staged", real)
    sealed = make_sealed(tmp_path / "b")  # the same seal on a share that keeps what it is given
    assert sealed.result.path.is_file()
