"""Casework revisions on real sealed bundles: text layers read by the real Tesseract, identifications, links.

A text layer is a signed revision whose digests verify, and a changed layer (or one made for another picture)
fails verification by check name. Identifications and links are signed records that appear in custody; a link is
recorded in both bundles, each naming the other's latest revision and manifest digest, and unlinking is logged.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from bundles import dsl, head, rezip, school_profile
from casebundles import CaseIncident, make_three

from evidence import bundle
from evidence.bundle import seal as sealing
from evidence.bundle import share
from evidence.case.textlayer import NOTE
from evidence.core.errors import BundleError, UsageError
from evidence.crypto import sshsig
from evidence.review import actions, casework
from evidence.review.actions import reviews, sign_revision
from evidence.review.casework import Decision

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr is not installed")


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> list[CaseIncident]:
    root = tmp_path_factory.mktemp("case")
    return make_three(root, root / "drop")


def _open(path: Path) -> bundle.VerifiedBundle:
    return sealing.verify_file(path, dsl(), school_profile())


def _ocr(v: bundle.VerifiedBundle) -> bundle.VerifiedBundle:
    layers, skipped = casework.read_text_layers(v)
    assert skipped == ()
    bag = casework.add_text_layers(v, dsl(), school_profile(), layers)
    return bundle.verify_bag(bundle.zip_bag(v.ref, bag), school_profile())


def test_a_text_layer_is_a_signed_machine_read_revision_that_verifies(three: list[CaseIncident]) -> None:
    v = _ocr(_open(three[0].path))
    k = len(v.revisions)
    assert v.revisions[-1].action == "text-read"
    names = sorted(n for n in v.revisions[-1].files if n.startswith("data/derived/"))
    assert names == [f"data/derived/001.text-r{k}.json", f"data/derived/002.text-r{k}.json"]
    layers = casework.text_layers(v)
    assert "@jay_k_2009" in layers[1].text
    assert "nobody likes you" in layers[1].text
    assert "watch your back" in layers[2].text
    for seq, layer in layers.items():
        raw = json.loads(v.bag[bundle.text_layer_path(seq, k)])
        assert raw["machine_read"] is True
        assert raw["note"] == NOTE
        assert layer.source_sha256 == v.item(seq).sha256
        assert layer.engine.name == "tesseract"
    entry = v.custody[-1]
    assert entry.action == "text-read"
    assert [i["text_layer_sha256"] for i in entry.details["items"]] == [layers[1].digest_hex, layers[2].digest_hex]
    # the revision's signed manifest lists the layer's digest, and the signature verifies
    manifest = v.bag[bundle.revision_manifest_path(k)].decode()
    assert f"{layers[1].digest_hex}  data/derived/001.text-r{k}.json" in manifest
    sshsig.verify(v.bag[bundle.revision_signature_path(k)], manifest.encode(), bundle.SEAL_NAMESPACE)
    assert reviews(v) == []  # a text layer is not a review action


def test_a_changed_text_layer_fails_verification(three: list[CaseIncident]) -> None:
    v = _ocr(_open(three[1].path))
    name = bundle.text_layer_path(1, len(v.revisions))
    changed = v.bag[name].replace(b"regret", b"forget")
    assert changed != v.bag[name]
    with pytest.raises(BundleError) as e:
        bundle.verify_bag(rezip(v.zip_bytes, {name: changed}), school_profile())
    assert e.value.check == "payload hash"
    assert e.value.member == name


def test_a_text_layer_of_another_picture_fails_even_when_signed(three: list[CaseIncident]) -> None:
    one, two = _open(three[0].path), _open(three[1].path)
    layers, _ = casework.read_text_layers(one)
    k = len(two.revisions) + 1
    bag = sign_revision(
        two,
        dsl(),
        school_profile(),
        action="text-read",
        new_files={bundle.text_layer_path(1, k): layers[1].to_canonical()},
        custody_action=casework.Action.TEXT_READ,
        custody_details={},
        when="2026-11-26T10:00:00.000Z",
    )
    with pytest.raises(BundleError) as e:
        bundle.verify_bag(bundle.zip_bag(two.ref, bag), school_profile())
    assert e.value.check == "consistency"


def test_a_text_layer_cannot_claim_another_revision(three: list[CaseIncident]) -> None:
    v = _open(three[2].path)
    layers, _ = casework.read_text_layers(v)
    with pytest.raises(UsageError):
        bundle.revise(
            v,
            dsl(),
            school_profile(),
            action="text-read",
            new_files={bundle.text_layer_path(1, 7): layers[1].to_canonical()},
            custody_entries=[],
            when="2026-11-26T10:00:00.000Z",
        )
    with pytest.raises(BundleError) as e:  # a derived file the format does not know, slipped into the zip
        bundle.verify_bag(rezip(v.zip_bytes, {"data/derived/001.txt": b"x"}), school_profile())
    assert e.value.check in ("bagit", "consistency")


def test_identifications_are_signed_records_in_custody(three: list[CaseIncident]) -> None:
    v = _ocr(_open(three[0].path))
    proposed = casework.proposals(v)
    assert [p.key for p in proposed] == ["handle:jay_k_2009"]
    assert proposed[0].in_form
    assert proposed[0].items == (1, 2)
    with pytest.raises(UsageError):
        casework.add_identifications(v, dsl(), school_profile(), [("@someone_else", Decision.CONFIRMED, "")], "x")
    with pytest.raises(UsageError):
        casework.add_identifications(v, dsl(), school_profile(), [("@jay_k_2009", Decision.CONFIRMED, "J K")], " ")
    bag = casework.add_identifications(
        v, head(), school_profile(), [("@jay_k_2009", Decision.CONFIRMED, "Jay K, Year 9")], "Pupil named him"
    )
    v2 = bundle.verify_bag(bundle.zip_bag(v.ref, bag), school_profile())
    assert v2.custody[-1].action == "identified"
    assert v2.custody[-1].actor == head().card.principal
    found = casework.confirmed(v2)["handle:jay_k_2009"]
    assert found.person == "Jay K, Year 9"
    assert found.why == "Pupil named him"
    assert "person:jay k, year 9" in casework.shared_keys(v2)
    bag = casework.add_identifications(
        v2, dsl(), school_profile(), [("handle:jay_k_2009", Decision.REJECTED, "")], "no"
    )
    v3 = bundle.verify_bag(bundle.zip_bag(v.ref, bag), school_profile())
    assert casework.confirmed(v3) == {}
    assert casework.identifications(v3)["handle:jay_k_2009"].decision is Decision.REJECTED


def test_a_casework_record_that_lies_about_its_signer_fails(three: list[CaseIncident]) -> None:
    v = _open(three[2].path)
    bag = casework.add_link(v, _open(three[1].path), dsl(), school_profile(), "Same sender").materialize()
    name = casework.record_name(len(v.revisions) + 1, "link")
    record = json.loads(bag[name])
    record["by"]["principal"] = head().card.principal
    bag = sign_revision(
        v,
        dsl(),
        school_profile(),
        action="linked",
        new_files={name: bundle.pretty_json(record)},
        custody_action=casework.Action.LINKED,
        custody_details={},
        when="2026-11-26T10:00:00.000Z",
    )
    lying = bundle.verify_bag(bundle.zip_bag(v.ref, bag), school_profile())
    with pytest.raises(BundleError) as e:
        casework.casework_records(lying)
    assert e.value.check == "consistency"
    assert e.value.member == name


def test_link_and_unlink_are_signed_in_both_bundles_and_in_custody(tmp_path: Path, three: list[CaseIncident]) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    for inc in three[:2]:
        shutil.copy(inc.path, drop)
        shutil.copy(share.signature_path(inc.path), drop)
    a, b = _open(drop / three[0].path.name), _open(drop / three[1].path.name)
    with pytest.raises(UsageError):
        casework.add_link(a, b, dsl(), school_profile(), "")
    with pytest.raises(UsageError):
        casework.add_link(a, a, dsl(), school_profile(), "why")
    a2, b2 = (s.verified for s in casework.link_both(a, b, dsl(), school_profile(), "Same handle, same target", drop))
    for mine, other in ((a2, b2), (b2, a2)):
        link = casework.active_links(mine)[other.ref]
        assert link.why == "Same handle, same target"
        assert link.signed.by_principal == dsl().card.principal
        assert mine.custody[-1].action == "linked"
        assert mine.custody[-1].details["other_ref"] == other.ref
        assert mine.revisions[-1].signer_principal == dsl().card.principal
    # each pins the other's revision and manifest: a's link names b before b's link, b's names a after a's
    pin_a, pin_b = casework.active_links(a2)[b.ref], casework.active_links(b2)[a.ref]
    assert pin_a.other_manifest_sha256 == casework.latest_manifest_sha256(b)
    assert pin_b.other_manifest_sha256 == casework.latest_manifest_sha256(a2)
    assert bundle.sha256_hex(b2.bag[bundle.revision_manifest_path(pin_a.other_revision)]) == pin_a.other_manifest_sha256
    with pytest.raises(UsageError):
        casework.add_link(a2, b2, dsl(), school_profile(), "again")
    assert casework.linked_refs(a2.ref, {a2.ref: a2, b2.ref: b2}) == [a2.ref, b2.ref]

    a3, b3 = (
        s.verified for s in casework.unlink_both(a2, b2, head(), school_profile(), "Different sender after all", drop)
    )
    for mine, other in ((a3, b3), (b3, a3)):
        assert other.ref not in casework.active_links(mine)
        assert mine.custody[-1].action == "unlinked"
        assert mine.custody[-1].actor == head().card.principal
        assert [type(r).__name__ for r in casework.link_history(mine)] == ["LinkRecord", "UnlinkRecord"]
    assert casework.linked_refs(a3.ref, {a3.ref: a3, b3.ref: b3}) == [a3.ref]
    # each change is a new revision file beside the others (nothing replaced), each opening and verifying on its own
    for v in (a, b):
        files = share.revisions_of(drop, v.ref)
        assert [f.number for f in files] == [len(v.revisions) + 2, len(v.revisions) + 1, len(v.revisions)]
        assert all(f.complete for f in files)
        assert [len(_open(f.path).revisions) for f in files] == [f.number for f in files]
    opened, failed = casework.open_bundles(drop, dsl(), school_profile())
    assert failed == []
    assert {r: len(o.verified.revisions) for r, o in opened.items()} == {
        a.ref: len(a3.revisions),
        b.ref: len(b3.revisions),
    }
    assert opened[a.ref].path == share.current_revision(drop, a.ref).path  # type: ignore[union-attr]


def test_a_link_survives_a_concurrent_writer_and_pins_the_current_revision(
    tmp_path: Path, three: list[CaseIncident]
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    for inc in three[1:]:
        shutil.copy(inc.path, drop)
        shutil.copy(share.signature_path(inc.path), drop)
    a, b = _open(drop / three[1].path.name), _open(drop / three[2].path.name)  # both windows opened at revision 1
    # meanwhile the Head records a note on b, and the DSL's OCR of a is applied on top of the Head's note on a
    note = actions.record_action(drop, b.ref, head(), school_profile(), actions.ReviewAction.NOTE, "Spoke to the pupil")
    actions.record_action(drop, a.ref, head(), school_profile(), actions.ReviewAction.NOTE, "Parents called")
    layers, _ = casework.read_text_layers(a)
    ocr = casework.publish(
        drop,
        a.ref,
        lambda v: casework.add_text_layers(v, dsl(), school_profile(), layers),
        dsl(),
        school_profile(),
        based_on=len(a.revisions),
    )
    assert ocr.revision == len(a.revisions) + 2
    assert ocr.verified is not None
    assert [r.action for r in ocr.verified.revisions[-2:]] == ["note", "text-read"]
    assert "your action was added after it" in actions.added_while_working(ocr)

    side_a, side_b = casework.link_both(a, b, dsl(), school_profile(), "Same sender", drop)
    assert side_a.published is not None
    assert side_b.published is not None
    a2, b2 = side_a.verified, side_b.verified
    assert [r.action for r in a2.revisions[-3:]] == ["note", "text-read", "linked"]  # nothing lost
    assert [r.action for r in b2.revisions[-2:]] == ["note", "linked"]
    assert note.verified is not None
    pin_a, pin_b = casework.active_links(a2)[b.ref], casework.active_links(b2)[a.ref]
    assert pin_a.other_revision == len(note.verified.revisions)  # b's current revision, not the one opened
    assert pin_a.other_manifest_sha256 == casework.latest_manifest_sha256(note.verified)
    assert pin_b.other_revision == len(a2.revisions)
    assert [i.action for i in side_b.published.intervening] == ["note"]
    opened, _ = casework.open_bundles(drop, dsl(), school_profile())
    assert {r: o.path.name for r, o in opened.items()} == {
        a.ref: share.revision_name(a.ref, len(a2.revisions)),
        b.ref: share.revision_name(b.ref, len(b2.revisions)),
    }
