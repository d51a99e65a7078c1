"""Review actions: each one a signed revision; status derived; required fields enforced."""

from __future__ import annotations

from pathlib import Path

import pytest
from bundles import dsl, head, make_sealed, school_profile, staff, write_revision

from evidence import bundle
from evidence.core.errors import BundleError, UsageError
from evidence.crypto import sshsig
from evidence.review.actions import CaseStatus, ReviewAction, add_review, case_status, reviews


def test_actions_along_the_chain(tmp_path: Path) -> None:
    sealed = make_sealed(tmp_path, items=2)
    profile = school_profile()
    v = bundle.verify_bag(sealed.zip_bytes, profile)
    assert case_status(reviews(v)) is CaseStatus.NEW
    steps = [
        (dsl(), ReviewAction.MEETING_HELD, "Met the pupil and her mother", {"who": "DSL, pupil, mother"}),
        (head(), ReviewAction.POLICE_CONTACTED, "Threats of violence", {"crime_reference": "CR/123/26"}),
        (dsl(), ReviewAction.CLOSED, "", {}),
    ]
    expected = [CaseStatus.ACTION_TAKEN, CaseStatus.REFERRED, CaseStatus.CLOSED]
    for (who, action, why, fields), status in zip(steps, expected, strict=True):
        bag = add_review(v, who, profile, action, why, fields)
        v = bundle.verify_bag(bundle.zip_bag(v.ref, bag), profile)
        assert case_status(reviews(v)) is status
    records = reviews(v)
    assert [r.action for r in records] == [s[1] for s in steps]
    assert records[1].fields["crime_reference"] == "CR/123/26"
    assert records[1].by_principal == head().card.principal
    assert [e.action for e in v.custody][-3:] == ["reviewed", "reviewed", "reviewed"]
    for k in range(1, 5):  # every revision's signature still verifies
        sshsig.verify(
            v.bag[bundle.revision_signature_path(k)], v.bag[bundle.revision_manifest_path(k)], bundle.SEAL_NAMESPACE
        )
    path = write_revision(v.ref, v.bag, dsl(), profile, tmp_path / "inbox")
    again = bundle.open_bundle(path.read_bytes(), [head().age_secret], profile)
    assert len(again.revisions) == 4
    assert (
        bundle.verify_origin(path.read_bytes(), path.with_name(path.name + ".sig").read_bytes(), profile)[0]
        == dsl().card.principal
    )


def test_device_handover_is_a_custody_event(tmp_path: Path) -> None:
    v = bundle.verify_bag(make_sealed(tmp_path).zip_bytes, school_profile())
    bag = add_review(
        v,
        dsl(),
        school_profile(),
        ReviewAction.DEVICE_HANDED_OVER,
        "Offence suspected",
        {"device": "pupil's phone", "officer": "PC Jones, ref 44"},
    )
    v2 = bundle.verify_bag(bundle.zip_bag(v.ref, bag), school_profile())
    assert v2.custody[-1].action == "handed-over"


@pytest.mark.parametrize(
    ("action", "why", "fields", "message"),
    [
        (ReviewAction.POLICE_CONTACTED, "x", {}, "crime reference"),
        (ReviewAction.NOTE, "  ", {}, "say why"),
        (ReviewAction.STATUS_CHANGED, "x", {"status": "on fire"}, "status must be"),
        (ReviewAction.NOTE, "x", {"extra": "y"}, "unknown field"),
    ],
)
def test_bad_actions_are_refused(tmp_path: Path, action, why, fields, message) -> None:  # type: ignore[no-untyped-def]
    v = bundle.verify_bag(make_sealed(tmp_path).zip_bytes, school_profile())
    with pytest.raises(UsageError, match=message):
        add_review(v, dsl(), school_profile(), action, why, fields)


def test_staff_cannot_review(tmp_path: Path) -> None:
    v = bundle.verify_bag(make_sealed(tmp_path).zip_bytes, school_profile())
    with pytest.raises(UsageError, match="not a reviewer"):
        add_review(v, staff(), school_profile(), ReviewAction.NOTE, "x")


def test_a_forged_review_record_is_caught(tmp_path: Path) -> None:
    v = bundle.verify_bag(make_sealed(tmp_path).zip_bytes, school_profile())
    bag = add_review(v, dsl(), school_profile(), ReviewAction.NOTE, "genuine")
    v2 = bundle.verify_bag(bundle.zip_bag(v.ref, bag), school_profile())
    name = next(n for n in v2.bag if n.startswith("data/reviews/"))
    forged = dict(v2.bag)
    forged[name] = forged[name].replace(b'"revision": 2', b'"revision": 7')
    fake = bundle.VerifiedBundle(v2.ref, forged, v2.revisions, v2.incident, v2.custody, v2.zip_bytes)
    with pytest.raises(BundleError, match="does not belong to revision 2"):
        reviews(fake)


def test_review_verb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app import cli
    from evidence.crypto.keys import write_identity_file

    sealed = make_sealed(tmp_path / "work")
    ident = tmp_path / "dsl.identity.age"
    write_identity_file(dsl(), ident, "a long test passphrase")
    passfile = tmp_path / "pass.txt"
    passfile.write_text("a long test passphrase\n")
    profile = tmp_path / "school.toml"
    profile.write_text(school_profile().to_toml())
    base = ["--data-dir", str(tmp_path / "data"), "--profile", str(profile)]
    code = cli.run(
        [
            *base,
            "review",
            str(sealed.result.path),
            "--identity",
            str(ident),
            "--passphrase-file",
            str(passfile),
            "--action",
            "police-contacted",
            "--why",
            "threats",
            "--field",
            "crime_reference=CR/9/26",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    revised = sealed.result.path.with_name(f"{sealed.ref}.r2.zip.age")  # issue 15: a new file; r1 stays
    assert out.strip() == str(revised)
    assert "revision 2" in err
    assert sealed.result.path.read_bytes() == sealed.ciphertext
    again = bundle.open_bundle(revised.read_bytes(), [head().age_secret], school_profile())
    assert reviews(again)[0].fields == {"crime_reference": "CR/9/26"}
    code = cli.run(
        [
            *base,
            "review",
            str(sealed.result.path),
            "--identity",
            str(ident),
            "--passphrase-file",
            str(passfile),
            "--action",
            "police-contacted",
            "--why",
            "x",
        ]
    )
    _, err = capsys.readouterr()
    assert code == 2
    assert "crime reference" in err
    assert len(err.strip().splitlines()) == 1
    code = cli.run([*base, "verify", str(revised), "--identity", str(ident), "--passphrase-file", str(passfile)])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "2 revisions" in out
