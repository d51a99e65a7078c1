"""Trusted time in sealed bundles, against a real TSA on loopback: every item and revision carries a token that
checks, and a token moved from one item or bundle to another fails by its own check name."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from bundles import SEALED_AT, bag_of, dsl, make_sealed, rezip, school_profile, staff
from rfc3161_client import HashAlgorithm, TimestampRequestBuilder
from tsa_server import Signer, TsaServer

from evidence import bundle
from evidence.bundle import layout, timestamps
from evidence.bundle.records import RevisionRecord
from evidence.bundle.seal import snapshot
from evidence.case.custody import Action
from evidence.core.errors import BundleError
from evidence.crypto.tsa import TSR_SUFFIX
from evidence.review import actions as review
from evidence.vault.store import Vault


def _times(verified: bundle.VerifiedBundle) -> dict[str, str]:
    out = {f"item {i.seq}": verified.item_time_label(i.seq) for i in verified.items}
    out |= {f"revision {r.number}": verified.revision_time_label(r.number) for r in verified.revisions}
    return out


def _retag(ref: str, bag: dict[str, bytes]) -> bytes:
    """What someone without any key can do to tag files: rewrite VERIFY.txt and the tag manifest to match."""
    records = [
        RevisionRecord.parse(layout.json.loads(bag[f"data/revisions/{k}.json"]))
        for k in range(1, 1 + sum(1 for n in bag if n.startswith("data/revisions/")))
    ]
    bag[layout.VERIFY_TXT] = layout.verify_txt(ref, records, timestamps.verify_txt_lines(bag))
    tags = {n: d for n, d in bag.items() if not n.startswith("data/") and n != layout.TAGMANIFEST}
    bag[layout.TAGMANIFEST] = "".join(f"{layout.sha256_hex(tags[n])}  {n}\n" for n in sorted(tags)).encode()
    return bundle.zip_bag(ref, bag)


def test_every_item_and_the_seal_carry_a_token(tmp_path: Path, tsa: TsaServer) -> None:
    profile = school_profile(tsas=[tsa.config()])
    sealed = make_sealed(tmp_path, items=2, profile=profile)
    verified = bundle.verify_bag(sealed.zip_bytes, profile)
    bag = verified.bag
    for seq in (1, 2):
        assert f"data/items/00{seq}.tsa.json" in bag
        assert f"data/items/00{seq}.tsa-1.tsr" in bag
        assert f"data/items/00{seq}.tsa-1.chain.pem" in bag
        assert f"  data/items/00{seq}.tsa-1.tsr\n" in bag[layout.MANIFEST].decode()
    assert "seal/revisions/1/tsa-1.tsr" in bag
    assert "seal/revisions/1/tsa-1.tsr" in bag[layout.TAGMANIFEST].decode()
    for label in _times(verified).values():
        assert label.startswith("Time confirmed by TSA Evidence Test TSA: ")
        assert label.endswith(" UTC on " + label.rsplit(" on ", 1)[1])
    assert sealed.result.revision_time.startswith("Time confirmed by TSA Evidence Test TSA: ")
    assert sealed.result.untimed_items == ()
    [rev_time] = verified.revision_times(1)
    assert rev_time.digest == hashlib.sha256(bag["seal/revisions/1/manifest-sha256.txt"]).digest()
    # the custody log records each token's arrival, and VERIFY.txt gives the openssl command for each token
    stamped = [e for e in verified.custody if e.action == Action.TIMESTAMPED.value]
    assert sorted(e.details["item"] for e in stamped) == [1, 2]
    text = bag[layout.VERIFY_TXT].decode()
    for stem in ("data/items/001.tsa-1", "data/items/002.tsa-1", "seal/revisions/1/tsa-1"):
        assert f"openssl ts -verify -in {stem}.tsr -data " in text
    # the queue is empty once sealed
    with Vault(sealed.vault_path) as vault:
        assert vault.pending_timestamps() == []


def test_offline_at_sealing_it_seals_anyway_and_says_so(tmp_path: Path, tsa: TsaServer) -> None:
    profile = school_profile(tsas=[tsa.config()])
    tsa.go_offline()
    started = time.monotonic()
    sealed = make_sealed(tmp_path, items=2, profile=profile)
    assert time.monotonic() - started < 20
    verified = bundle.verify_bag(sealed.zip_bytes, profile)
    assert verified.times == ()
    assert _times(verified) == {
        "item 1": "Workstation clock only",
        "item 2": "Workstation clock only",
        "revision 1": "no trusted time",
    }
    assert sealed.result.revision_time == "no trusted time"
    assert sealed.result.untimed_items == (1, 2)
    assert not any(timestamps.is_item_token_file(n) or timestamps.is_revision_token_file(n) for n in verified.bag)


def test_a_review_revision_gets_its_own_token(tmp_path: Path, tsa: TsaServer) -> None:
    profile = school_profile(tsas=[tsa.config()])
    sealed = make_sealed(tmp_path, items=1, profile=profile)
    verified = bundle.verify_bag(sealed.zip_bytes, profile)
    dee = dsl()
    bag = review.add_review(
        verified, dee, profile, review.ReviewAction.MEETING_HELD, "met them", {"who": "the parents"}
    )
    revised = bundle.verify_bag(bundle.zip_bag(sealed.ref, bag), profile)
    assert "seal/revisions/2/tsa-1.tsr" in revised.bag
    assert "seal/revisions/1/tsa-1.tsr" in revised.bag  # earlier revisions' tokens stay
    assert revised.revision_time_label(2).startswith("Time confirmed by TSA Evidence Test TSA: ")


def test_a_token_moved_to_another_item_fails_by_name(tmp_path: Path, tsa: TsaServer) -> None:
    """A sealer who files item 2's token under item 1 (and signs it all) is caught: the imprint is not item 1's."""
    profile = school_profile(tsas=[tsa.config()])
    sealed = make_sealed(tmp_path, items=2, profile=profile)
    with Vault(sealed.vault_path) as vault:
        snap = snapshot(vault, sealed.ref, staff(), profile)
    swapped = {1: snap.item_tokens[2], 2: snap.item_tokens[1]}
    forged = bundle.build_bag(
        bundle.IncidentSnapshot(
            snap.ref, snap.school, snap.created_utc, snap.details, snap.items, snap.custody, item_tokens=swapped
        ),
        staff(),
        SEALED_AT,
        profile=profile,
    )
    with pytest.raises(BundleError) as e:
        bundle.verify_bag(bundle.zip_bag(sealed.ref, forged), profile)
    assert e.value.check == timestamps.MOVED_CHECK
    assert e.value.member == "data/items/001.tsa-1.tsr"


def test_a_token_moved_from_another_bundle_fails_by_name(tmp_path: Path, tsa: TsaServer) -> None:
    """Revision tokens are tag files (not signed by us): one moved from another bundle fails its imprint."""
    profile = school_profile(tsas=[tsa.config()])
    one = make_sealed(tmp_path / "one", items=1, profile=profile)
    two = make_sealed(tmp_path / "two", items=1, profile=profile, title="another incident")
    bag = bag_of(two.zip_bytes)
    stolen = bag_of(one.zip_bytes)
    bag["seal/revisions/1/tsa-1.tsr"] = stolen["seal/revisions/1/tsa-1.tsr"]
    with pytest.raises(BundleError) as e:
        bundle.verify_bag(_retag(two.ref, bag), profile)
    assert e.value.check == timestamps.MOVED_CHECK
    assert e.value.member == "seal/revisions/1/tsa-1.tsr"
    # an item token moved from the other bundle: the manifest no longer matches (signed), so payload hash
    bag = bag_of(two.zip_bytes)
    bag["data/items/001.tsa-1.tsr"] = stolen["data/items/001.tsa-1.tsr"]
    with pytest.raises(BundleError) as e:
        bundle.verify_bag(_retag(two.ref, bag), profile)
    assert e.value.check == "payload hash"


def test_a_removed_revision_token_or_chain_is_caught(tmp_path: Path, tsa: TsaServer) -> None:
    profile = school_profile(tsas=[tsa.config()])
    sealed = make_sealed(tmp_path, items=1, profile=profile)
    bag = bag_of(sealed.zip_bytes)
    del bag["seal/revisions/1/tsa-1.chain.pem"]
    with pytest.raises(BundleError) as e:
        bundle.verify_bag(_retag(sealed.ref, bag), profile)
    assert e.value.check == timestamps.TIME_CHECK
    # a chain from another root beside the token: the openssl command would check something else
    bag = bag_of(sealed.zip_bytes)
    bag["seal/revisions/1/tsa-1.chain.pem"] = tsa.pki.rogue_anchors_pem
    with pytest.raises(BundleError) as e:
        bundle.verify_bag(_retag(sealed.ref, bag), profile)
    assert e.value.check == timestamps.TIME_CHECK
    # tampering with VERIFY.txt alone is caught as before
    altered = rezip(sealed.zip_bytes, {layout.VERIFY_TXT: b"trust me\n"})
    with pytest.raises(BundleError):
        bundle.verify_bag(altered, profile)


def _raw_token(tsa: TsaServer, message: bytes) -> bytes:
    query = TimestampRequestBuilder().data(message).hash_algorithm(HashAlgorithm.SHA256).build()
    status, answer = tsa.answer(query.as_bytes())
    assert status == 200
    return answer


@pytest.mark.parametrize("signer", [Signer.EXPIRED, Signer.UNTRUSTED])
def test_a_revision_token_from_an_expired_or_untrusted_certificate_fails(
    tmp_path: Path, tsa: TsaServer, signer: Signer
) -> None:
    profile = school_profile(tsas=[tsa.config()])
    sealed = make_sealed(tmp_path, items=1, profile=profile)
    bag = bag_of(sealed.zip_bytes)
    tsa.signer = signer
    bag["seal/revisions/1/tsa-1.tsr"] = _raw_token(tsa, bag["seal/revisions/1/manifest-sha256.txt"])
    with pytest.raises(BundleError) as e:
        bundle.verify_bag(_retag(sealed.ref, bag), profile)
    assert e.value.check == timestamps.TIME_CHECK
    expected = "tsa-cert-expired" if signer is Signer.EXPIRED else "tsa-untrusted"
    assert expected in str(e.value)


def test_a_token_from_a_tsa_the_profile_does_not_name_is_untrusted(tmp_path: Path, tsa: TsaServer) -> None:
    """Anchors come from the root-signed profile, never from the bag: a sealer under a profile without this TSA
    cannot have its tokens trusted, whatever chain file it adds."""
    with_tsa = school_profile(tsas=[tsa.config()])
    sealed = make_sealed(tmp_path, items=1, profile=with_tsa)
    without = school_profile(version=1)
    with Vault(sealed.vault_path) as vault:
        snap = snapshot(vault, sealed.ref, staff(), with_tsa)
    bag = bundle.build_bag(snap, staff(), SEALED_AT, profile=without)
    with pytest.raises(BundleError) as e:
        bundle.verify_bag(bundle.zip_bag(sealed.ref, bag), without)
    assert e.value.check == timestamps.TIME_CHECK
    assert "tsa-untrusted" in str(e.value)


def test_clock_skew_over_two_minutes_is_shown(tmp_path: Path, tsa: TsaServer) -> None:
    import datetime as dt

    from evidence.crypto.tsa import request_token
    from evidence.vault import timestamps as queue

    profile = school_profile(tsas=[tsa.config()])
    sealed = make_sealed(tmp_path, items=1, profile=profile)  # sealed, so add a second incident by hand
    me = staff()
    recipients = [me.card.recipient, *profile.reviewer_recipients]

    def ask_slow_clock(cfg, message, timeout_s):  # type: ignore[no-untyped-def]
        behind = lambda: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=7)  # noqa: E731
        return request_token(cfg, message, timeout_s=timeout_s, clock=behind)

    from bundles import png
    from helpers import new_capture

    from evidence.bundle.seal import seal_incident
    from evidence.case.incident import IncidentDetails

    with Vault(sealed.vault_path) as vault:
        ref = vault.create_incident(IncidentDetails(title="skew"), actor=me.card.principal, recipients=recipients)
        data, rgb = png(9)
        item = new_capture(data, pixels_sha256=hashlib.sha256(b"P6\n64 48\n255\n" + rgb).hexdigest())
        vault.add_item(ref, item, actor=me.card.principal, recipients=recipients, tsas=profile.tsas)
        queue.drain(vault, profile.tsas, actor=me.card.principal, recipients=recipients, ask=ask_slow_clock)
        result = seal_incident(vault, ref, me, profile, tmp_path / "drop2", when=SEALED_AT)
    verified = bundle.verify_bag(bundle.decrypt_bundle(result.path.read_bytes(), [dsl().age_secret]), profile)
    [t] = verified.item_times(1)
    assert t.skew_notable
    assert t.skew_seconds is not None
    assert t.skew_seconds < -400
    assert verified.item_time_label(1).endswith(f"({t.skew_text})")
    assert "behind the TSA's" in t.skew_text


def test_token_files_are_named_as_specified() -> None:
    assert timestamps.binding_name(3) == "data/items/003.tsa.json"
    assert timestamps.item_stem(3, 2) + TSR_SUFFIX == "data/items/003.tsa-2.tsr"
    assert timestamps.revision_stem(4, 1) + TSR_SUFFIX == "seal/revisions/4/tsa-1.tsr"
    assert timestamps.is_item_token_file("data/items/003.tsa-2.chain.pem")
    assert not timestamps.is_item_token_file("data/items/003.tsa-0.tsr")
    assert timestamps.is_revision_token_file("seal/revisions/4/tsa-1.chain.pem")


def test_a_later_revision_adds_the_token_a_revision_made_offline_lacks(tmp_path: Path, tsa: TsaServer) -> None:
    profile = school_profile(tsas=[tsa.config()])
    tsa.go_offline()
    sealed = make_sealed(tmp_path, items=1, profile=profile)
    verified = bundle.verify_bag(sealed.zip_bytes, profile)
    assert verified.revision_time_label(1) == "no trusted time"
    tsa.go_online()
    bag = review.add_review(verified, dsl(), profile, review.ReviewAction.MEETING_HELD, "met", {"who": "parents"})
    revised = bundle.verify_bag(bundle.zip_bag(sealed.ref, bag), profile)
    [late] = revised.revision_times(1)
    assert late.digest == hashlib.sha256(revised.bag["seal/revisions/1/manifest-sha256.txt"]).digest()
    assert revised.revision_time_label(2).startswith("Time confirmed by TSA ")
    assert revised.item_time_label(1) == "Workstation clock only"  # an item's time cannot be confirmed later
