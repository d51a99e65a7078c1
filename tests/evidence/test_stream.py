"""Issue 16: the streaming writer and reader change nothing a verifier sees.

The streaming zip writer makes the same bytes as the in-memory one; a streamed seal decrypts to exactly the zip
the old writer made of the same inputs; the golden v1 bundle is rewritten byte for byte; a streamed verify holds
only tag files and records and fetches an image from the file on demand, checked against the verified digest; a
mismatching image aborts a seal and leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from bundles import SEALED_AT, bag_of, dsl, make_sealed, png, school_profile, staff
from helpers import new_capture
from tsa_server import TsaServer

from evidence import bundle
from evidence.bundle import safezip, timestamps
from evidence.bundle.seal import check_file, seal_incident, snapshot, verify_file
from evidence.bundle.stream import write_bag
from evidence.case.incident import Category, IncidentDetails
from evidence.core.errors import BundleError, DigestMismatchError
from evidence.core.timefmt import utc_now
from evidence.crypto import ageio, sshsig
from evidence.crypto.keys import unlock_identity_file
from evidence.crypto.tsa import TsaConfig
from evidence.vault.store import Vault

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "v1"


def _golden_zip() -> bytes:
    passphrase = (GOLDEN / "reviewer.passphrase").read_text(encoding="utf-8").strip()
    reviewer = unlock_identity_file(GOLDEN / "reviewer.identity.age", passphrase)
    expected = json.loads((GOLDEN / "expected.json").read_text(encoding="utf-8"))
    data = (GOLDEN / f"{expected['ref']}{bundle.BUNDLE_SUFFIX}").read_bytes()
    zip_bytes = bundle.decrypt_bundle(data, [reviewer.age_secret])
    assert hashlib.sha256(zip_bytes).hexdigest() == expected["zip_sha256"]
    return zip_bytes


def test_zip_writer_rewrites_the_golden_zip_byte_for_byte() -> None:
    golden = _golden_zip()
    members = safezip.read_zip(golden)
    out = io.BytesIO()
    writer = safezip.ZipWriter([(n, len(d)) for n, d in members.items()], out)
    for name, data in members.items():
        writer.add(name, data)
    writer.finish()
    assert out.getvalue() == golden


@pytest.mark.parametrize("chunk", [1, 29, 4096, 1 << 20])
def test_stream_reader_sees_the_golden_zip_as_read_zip_does(chunk: int) -> None:
    golden = _golden_zip()
    members = safezip.read_zip(golden)
    reader = safezip.ZipStreamReader(max_bytes=len(golden), keep=lambda n: not n.endswith(".png"))
    for i in range(0, len(golden), chunk):
        reader.write(golden[i : i + chunk])
    streamed = reader.finish()
    assert [m.name for m in streamed] == list(members)
    for m in streamed:
        assert m.sha256_hex == hashlib.sha256(members[m.name]).hexdigest()
        assert m.size == len(members[m.name])
        assert m.data == (None if m.name.endswith(".png") else members[m.name])


def test_zip_writer_refuses_what_was_not_planned() -> None:
    writer = safezip.ZipWriter([("A/a", 1), ("A/b", 2)], io.BytesIO())
    with pytest.raises(BundleError) as e:
        writer.add("A/a", b"too long")
    assert e.value.check == "zip structure"
    writer.add("A/a", b"x")
    with pytest.raises(BundleError) as e:
        writer.finish()
    assert e.value.check == "zip structure"


def _vault_with_items(tmp_path: Path, count: int, tsas: Sequence[TsaConfig] = ()) -> tuple[Path, str]:
    me = staff()
    recipients = [me.card.recipient, *school_profile().reviewer_recipients]
    vault_path = tmp_path / "vault.sqlite3"
    with Vault(vault_path) as vault:
        details = IncidentDetails(title="Streaming", categories=(Category.THREATENING,), platform="Instagram")
        ref = vault.create_incident(details, actor=me.card.principal, recipients=recipients)
        for i in range(count):
            data, rgb = png(i)
            pixels = hashlib.sha256(b"P6\n64 48\n255\n" + rgb).hexdigest()
            item = new_capture(data, window_title=f"Chat {i}", pixels_sha256=pixels)
            vault.add_item(ref, item, actor=me.card.principal, recipients=recipients, tsas=tsas)
    return vault_path, ref


def test_streamed_seal_is_the_zip_the_in_memory_writer_made(tmp_path: Path) -> None:
    """The bytes a verifier sees: the streamed seal decrypts to what build_bag + zip_bag make of the same inputs."""
    vault_path, ref = _vault_with_items(tmp_path, 3)
    profile, me = school_profile(), staff()
    with Vault(vault_path) as vault:
        old_zip = bundle.zip_bag(
            ref, bundle.build_bag(snapshot(vault, ref, me, profile), me, SEALED_AT, profile=profile)
        )
        result = seal_incident(vault, ref, me, profile, tmp_path / "drop", when=SEALED_AT)
    ciphertext = result.path.read_bytes()
    assert ageio.decrypt(ciphertext, [dsl().age_secret]) == old_zip
    assert result.sha256 == hashlib.sha256(ciphertext).hexdigest()
    key = sshsig.verify(result.signature_path.read_bytes(), ciphertext, bundle.ORIGIN_NAMESPACE)
    assert sshsig.fingerprint(key) == me.card.fingerprint
    assert sorted(p.name for p in result.path.parent.iterdir()) == sorted(
        [result.path.name, result.signature_path.name]
    )


def test_write_bag_returns_the_ciphertext_digest_and_origin_signature() -> None:
    """The interface the share (issue 15) publishes with: ciphertext into the caller's file, digest and SSHSIG."""
    bag = bag_of(_golden_zip())
    ref = json.loads((GOLDEN / "expected.json").read_text(encoding="utf-8"))["ref"]
    out = io.BytesIO()
    written = write_bag(ref, bag, school_profile().reviewer_recipients, out, staff())
    ciphertext = out.getvalue()
    assert written.sha256_hex == hashlib.sha256(ciphertext).hexdigest()
    assert written.size == len(ciphertext)
    assert ageio.decrypt(ciphertext, [dsl().age_secret]) == _golden_zip()
    key = sshsig.verify(written.origin_signature, ciphertext, bundle.ORIGIN_NAMESPACE)
    assert sshsig.fingerprint(key) == staff().card.fingerprint


def test_an_item_that_changed_in_the_vault_aborts_the_seal_and_leaves_nothing(tmp_path: Path) -> None:
    vault_path, ref = _vault_with_items(tmp_path, 3)
    profile, me = school_profile(), staff()
    with Vault(vault_path) as vault:
        other, _ = png(99)
        recipients = [me.card.recipient, *profile.reviewer_recipients]
        vault._db.execute(  # a swapped blob: anyone can encrypt to the public recipients
            "UPDATE items SET content = ? WHERE ref = ? AND seq = 2", (ageio.encrypt(other, recipients), ref)
        )
        vault._db.commit()
        with pytest.raises(DigestMismatchError):
            seal_incident(vault, ref, me, profile, tmp_path / "drop", when=SEALED_AT)
    assert list((tmp_path / "drop").iterdir()) == []


def test_streamed_verify_holds_records_and_fetches_images_on_demand(tmp_path: Path) -> None:
    sealed = make_sealed(tmp_path, items=3)
    verified = verify_file(sealed.result.path, dsl(), school_profile())
    assert isinstance(verified.bag, bundle.BagContents)
    assert isinstance(verified.zip_source, bundle.ZipSource)
    held = verified.bag._held  # what stays in memory: no image
    assert not any(name.endswith(".png") for name in held)
    assert bundle.INCIDENT_JSON in held
    assert [verified.item_content(i) for i in verified.items] == sealed.pngs
    assert [(i.seq, d) for i, d in verified.item_contents(verified.items)] == [
        (i.seq, p) for i, p in zip(verified.items, sealed.pngs, strict=True)
    ]
    assert verified.zip_bytes == sealed.zip_bytes


def test_an_image_fetched_after_the_file_changed_is_refused(tmp_path: Path) -> None:
    sealed = make_sealed(tmp_path, items=2)
    verified = verify_file(sealed.result.path, dsl(), school_profile())
    other = make_sealed(tmp_path / "other", items=2, title="Another incident")
    sealed.result.path.write_bytes(other.ciphertext)  # same shape, other bytes: swapped after it was verified
    with pytest.raises(BundleError) as e:
        verified.item_content(verified.items[0])
    assert e.value.check == "payload hash"
    with pytest.raises(BundleError) as e:
        verified.copy_zip(io.BytesIO())
    assert e.value.check == "payload hash"


def test_check_file_streams_and_keeps_the_file_digest(tmp_path: Path) -> None:
    sealed = make_sealed(tmp_path, items=2)
    checked = check_file(sealed.result.path, dsl(), school_profile())
    assert checked.file_sha256_hex == hashlib.sha256(sealed.ciphertext).hexdigest()
    assert checked.origin is not None
    assert (
        checked.verified.summary()
        == bundle.open_bundle(sealed.ciphertext, [dsl().age_secret], school_profile()).summary()
    )


def _replayed_stamper(monkeypatch: pytest.MonkeyPatch, tsas: Sequence[TsaConfig]) -> None:
    """Every revision stamper asks the TSA once per manifest and gives the same tokens when asked again, so the
    in-memory and the streaming writer can be compared byte for byte on the same inputs, trusted time included."""
    real = timestamps.revision_stamper(tsas)
    asked: dict[bytes, list[timestamps.TokenFile]] = {}

    def stamp(manifest: bytes) -> list[timestamps.TokenFile]:
        if manifest not in asked:
            asked[manifest] = real(manifest)
        return asked[manifest]

    monkeypatch.setattr(timestamps, "revision_stamper", lambda _tsas, **_kw: stamp)


def test_streamed_seal_with_trusted_time_is_the_zip_the_in_memory_writer_made(
    tmp_path: Path, tsa: TsaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issues 12 + 16: the item tokens (from the vault) and the revision token (over the manifest, known before a
    byte streams) make the same bytes through the streaming writer and the share's adapter as in memory."""
    from evidence.vault import timestamps as queue

    profile, me = school_profile(tsas=[tsa.config()]), staff()
    _replayed_stamper(monkeypatch, profile.tsas)
    vault_path, ref = _vault_with_items(tmp_path, 2, tsas=profile.tsas)
    with Vault(vault_path) as vault:
        recipients = [me.card.recipient, *profile.reviewer_recipients]
        queue.drain(vault, profile.tsas, actor=me.card.principal, recipients=recipients, ref=ref, due_only=False)
        old_bag = bundle.build_bag(
            snapshot(vault, ref, me, profile),
            me,
            SEALED_AT,
            profile=profile,
            stamp=timestamps.revision_stamper(profile.tsas),
        )
        result = seal_incident(vault, ref, me, profile, tmp_path / "drop", when=SEALED_AT)
    for name in ("data/items/001.tsa-1.tsr", "data/items/002.tsa-1.chain.pem", "seal/revisions/1/tsa-1.tsr"):
        assert name in old_bag
    assert ageio.decrypt(result.path.read_bytes(), [dsl().age_secret]) == bundle.zip_bag(ref, old_bag)
    assert result.revision_time.startswith("Time confirmed by TSA ")  # from the bag stage_bag verified
    assert result.untimed_items == ()


def test_streamed_review_with_trusted_time_is_the_zip_the_in_memory_writer_made(
    tmp_path: Path, tsa: TsaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A review revision built on a streamed verify (images fetched from the file) and written through the share's
    adapter is the zip that the in-memory revision of the same inputs makes, its revision token included."""
    from evidence.bundle import share
    from evidence.review import actions as review

    profile = school_profile(tsas=[tsa.config()])
    sealed = make_sealed(tmp_path, items=2, profile=profile)
    _replayed_stamper(monkeypatch, profile.tsas)
    verified = verify_file(sealed.result.path, dsl(), profile)
    assert isinstance(verified.zip_source, bundle.ZipSource)  # images are not held: the plan streams them
    when = utc_now()  # one time for both writers
    note = review.ReviewAction.NOTE
    old_bag = review.add_review(verified, dsl(), profile, note, "spoke to the form tutor", when=when)
    assert "seal/revisions/2/tsa-1.tsr" in old_bag
    plan = review.add_review_plan(verified, dsl(), profile, note, "spoke to the form tutor", when=when)
    folder = tmp_path / "staging"
    folder.mkdir()
    staged = share.stage_bag(folder, share.revision_name(sealed.ref, 2), sealed.ref, plan, profile, dsl())
    try:
        ciphertext = staged.bundle_tmp.read_bytes()
        assert ageio.decrypt(ciphertext, [dsl().age_secret]) == bundle.zip_bag(sealed.ref, old_bag)
        assert staged.sha256_hex == hashlib.sha256(ciphertext).hexdigest()
        assert staged.verified is not None
        assert staged.verified.revision_time_label(2).startswith("Time confirmed by TSA ")
    finally:
        staged.discard()
    assert list(folder.iterdir()) == []
