"""Issue 10: the school trust root. Signed profiles (format 2), pinning on a workstation, rollback, the trust verbs,
and signer records checked against the signed profile.

Errors are checked by type and check name (``UntrustedProfileError.check``, ``BundleError.check`` and ``.field``),
never by their text; the command line by its exit code and its one line.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from bundles import (
    ISSUED_AT,
    bag_of,
    dsl,
    head,
    legacy_profile,
    make_sealed,
    school_profile,
    staff,
    unsigned_profile,
    write_revision,
)
from helpers import identity, other_root, school_root

from app import cli
from app.paths import Paths
from app.workspace import Workspace
from evidence import bundle
from evidence.case.profile import Profile, check_not_rollback, preview_install
from evidence.case.retention import DEFAULT_POLICY
from evidence.core.errors import BundleError, ProfileError, UntrustedProfileError
from evidence.crypto.keys import Role, write_identity_file
from evidence.crypto.namespaces import PROFILE_NAMESPACE

PASS = "a long test passphrase"
ROOT_FP = school_root().card.fingerprint


def signed(version: int = 1, **changes: object) -> Profile:
    base = unsigned_profile()
    for key, value in changes.items():
        base = Profile(**{**base.__dict__, key: value})  # type: ignore[arg-type]
    return base.sign(school_root(), version=version, issued_utc=ISSUED_AT)


# -- the signed profile ---------------------------------------------------------------------------------------------


def test_signed_profile_round_trips_and_names_its_root() -> None:
    profile = signed()
    text = profile.to_toml()
    doc = tomllib.loads(text)
    assert doc["format"] == 2
    assert doc["version"] == 1
    assert doc["root"] == {
        "name": "Example Academy school root",
        "principal": "school-root",
        "ssh": school_root().card.ssh_line.rsplit(" ", 1)[0],
        "fingerprint": ROOT_FP,
    }
    assert [s["principal"] for s in doc["staff"]] == [staff().card.principal]
    assert set(doc["staff"][0]) == {"name", "principal", "age", "ssh", "fingerprint"}
    assert text.count("\n[root_signature]\n") == 1
    assert text.index("[root_signature]") > text.index("[[staff]]")
    again = Profile.parse(text)
    assert again == profile
    assert again.root_fingerprint == ROOT_FP
    assert again.signature is not None
    assert again.signature.body == text.split("[root_signature]")[0].encode()
    assert not again.anchored
    assert again.pinned_to(ROOT_FP).anchored


def test_allowed_signers_are_derived_reviewers_then_staff_with_their_namespaces() -> None:
    text = signed().allowed_signers_text()
    lines = text.splitlines()
    assert [line.split()[0] for line in lines] == [
        "dsl@school.example",
        "head@school.example",
        "j.smith@school.example",
    ]
    reviewer = "evidence-capture-seal-v1,evidence-capture-origin-v1,evidence-capture-export-v1"
    assert f'namespaces="{reviewer},evidence-capture-disposal-v1" ' in lines[0]  # it states retention rules
    assert 'namespaces="evidence-capture-seal-v1,evidence-capture-origin-v1" ' in lines[2]
    assert all(line.endswith(" " + line.split()[0]) for line in lines)  # the principal as the key's comment


def test_a_profile_signed_before_retention_rules_keeps_its_signer_list() -> None:
    """Issue 17: reviewers may sign disposals only under a profile with a [retention] table, so a profile the root
    signed before (whose derived list the root's signature covers) still derives the text the root signed."""
    old = replace(unsigned_profile(), retention=None).sign(school_root(), version=1, issued_utc=ISSUED_AT)
    assert old.signature is not None
    assert b"[retention]" not in old.signature.body
    lines = old.allowed_signers_text().splitlines()
    assert 'namespaces="evidence-capture-seal-v1,evidence-capture-origin-v1,evidence-capture-export-v1" ' in lines[0]
    again = Profile.parse(old.to_toml())
    assert again.retention is None
    assert again.allowed_signers_text() == old.allowed_signers_text()
    assert Profile.parse(signed().to_toml()).retention == DEFAULT_POLICY


@pytest.mark.skipif(not shutil.which("ssh-keygen"), reason="needs ssh-keygen")
def test_root_signatures_verify_with_ssh_keygen(tmp_path: Path) -> None:
    profile = signed()
    assert profile.signature is not None
    assert profile.root is not None
    (tmp_path / "root_allowed_signers").write_text(profile.root.allowed_signers_text())
    for name, message, sig in (
        ("profile.toml", profile.signature.body, profile.signature.profile_sig),
        ("allowed_signers", profile.allowed_signers_text().encode(), profile.signature.allowed_signers_sig),
    ):
        (tmp_path / name).write_bytes(message)
        (tmp_path / f"{name}.sig").write_text(sig)
        done = subprocess.run(
            [
                "ssh-keygen",
                "-Y",
                "verify",
                "-f",
                "root_allowed_signers",
                "-I",
                "school-root",
                "-n",
                PROFILE_NAMESPACE,
                "-s",
                f"{name}.sig",
            ],
            cwd=tmp_path,
            input=message,
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("edit", "check"),
    [
        (lambda t: t.replace('school = "Example Academy"', 'school = "Example Academi"'), "signature"),
        (lambda t: t.replace("version = 1", "version = 2"), "signature"),
        (lambda t: t.split("[root_signature]")[0], "unsigned"),
        (lambda t: t.replace("[root_signature]", "[root_signatures]"), "unsigned"),
    ],
)
def test_an_edited_or_unsigned_profile_is_untrusted(edit, check: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "school.toml"
    path.write_text(edit(signed().to_toml()))
    with pytest.raises(UntrustedProfileError) as info:
        Profile.load(path)
    assert info.value.check == check
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_a_profile_signed_by_another_key_than_its_root_is_untrusted() -> None:
    mine, theirs = signed(), unsigned_profile().sign(other_root(), version=1, issued_utc=ISSUED_AT)
    assert mine.signature is not None
    assert theirs.signature is not None
    text = theirs.to_toml().replace(theirs.signature.body.decode(), mine.signature.body.decode())
    with pytest.raises(UntrustedProfileError) as info:
        Profile.parse(text)
    assert info.value.check == "signature"


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t + '\n[[reviewer]]\nname = "x"\n',  # a table after the signature
        lambda t: t + '\n[root_signature]\nprofile = ""\n',  # the signature twice
        lambda t: t.replace('principal = "school-root"', 'principal = "root@school.example"'),
        lambda t: t.replace(f'fingerprint = "{ROOT_FP}"', 'fingerprint = "SHA256:x"'),
        lambda t: t.replace("format = 2", "format = 1"),
        lambda t: t.replace("version = 1", "version = 0"),
        lambda t: t.replace(f'issued_utc = "{ISSUED_AT}"', 'issued_utc = "yesterday"'),
    ],
)
def test_a_malformed_signed_profile_is_one_clear_line(edit) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ProfileError) as info:
        Profile.parse(edit(signed().to_toml()), source="school.toml")
    assert "\n" not in str(info.value)
    assert str(info.value).startswith("school.toml")


def test_pinning_refuses_another_root_and_an_unsigned_profile() -> None:
    with pytest.raises(UntrustedProfileError) as info:
        signed().pinned_to(other_root().card.fingerprint)
    assert info.value.check == "root"
    with pytest.raises(UntrustedProfileError) as info:
        legacy_profile().pinned_to(ROOT_FP)
    assert info.value.check == "unsigned"


def test_rollback_is_refused() -> None:
    v1, v2 = signed(1), signed(2, drop_folder="/srv/drop")
    check_not_rollback(v2, v1)
    check_not_rollback(v1, v1)
    with pytest.raises(UntrustedProfileError) as info:
        check_not_rollback(v1, v2)
    assert info.value.check == "rollback"
    other_v2 = signed(2, drop_folder="/srv/elsewhere")
    with pytest.raises(UntrustedProfileError) as info:
        check_not_rollback(other_v2, v2)
    assert info.value.check == "rollback"
    theirs = unsigned_profile().sign(other_root(), version=1, issued_utc=ISSUED_AT)
    check_not_rollback(theirs, v2)  # another root is the pin's question, not a rollback


def test_a_format_1_profile_still_loads_unanchored() -> None:
    golden = Path(__file__).resolve().parents[1] / "golden" / "v1" / "profile.toml"
    profile = Profile.load(golden)
    assert profile.root is None
    assert profile.version == 0
    assert not profile.anchored
    assert profile.to_toml() == golden.read_text(encoding="utf-8")


def test_standalone_owner_with_a_staff_card_is_both_reviewer_and_staff() -> None:
    me = staff()
    profile = Profile.standalone_for(me.card, "Try-out").sign(me, version=1, issued_utc=ISSUED_AT)
    assert profile.root_fingerprint == me.card.fingerprint
    assert {e.role for e in profile.entries_for(me.card.principal, me.card.ssh_key)} == {Role.REVIEWER, Role.STAFF}


def test_preview_says_whether_the_root_matches(tmp_path: Path) -> None:
    path = tmp_path / "school.toml"
    path.write_text(signed().to_toml())
    preview = preview_install(path, ROOT_FP)
    assert preview.matches
    assert preview.school == "Example Academy"
    assert preview.reviewers == ("Dee Sell <dsl@school.example>", "Hedda Teacher <head@school.example>")
    assert not preview_install(path, other_root().card.fingerprint).matches
    path.write_text(legacy_profile().to_toml())
    with pytest.raises(UntrustedProfileError):
        preview_install(path, ROOT_FP)


# -- bundles: the trust path and the signer records -----------------------------------------------------------------


def _resign_first_revision(zip_bytes: bytes, change: dict[str, object], signer_key: object = None) -> bytes:
    """Revision 1's signer record changed, and the bag signed again by Jane's real key (a trusted signer)."""
    bag = bag_of(zip_bytes)
    record = json.loads(bag["data/revisions/1.json"])
    record["signer"].update(change)
    bag["data/revisions/1.json"] = bundle.pretty_json(record)
    typed = bundle.RevisionRecord.parse(record)
    payload = {n: d for n, d in bag.items() if n.startswith("data/")}
    trust = {n: d for n, d in bag.items() if n.startswith("seal/trust/")}
    ref = json.loads(bag[bundle.INCIDENT_JSON])["ref"]
    return bundle.zip_bag(
        ref, bundle.finish_revision(ref, "Example Academy", payload, trust, [typed], staff(), typed.time_utc)
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Dee Lead"),
        ("role", "reviewer"),
        ("age", "age1x4zhu2cxckrh7l9ugsp4p4vg895zw5cke7rzhrkrl4uxs4u3lf4snck2ht"),
        ("name", "Jane\x1b[2J\nSmith"),
    ],
)
def test_a_signer_record_that_differs_from_the_profile_fails_naming_the_field(
    tmp_path: Path, field: str, value: str
) -> None:
    sealed = make_sealed(tmp_path)
    forged = _resign_first_revision(sealed.zip_bytes, {field: value})
    with pytest.raises(BundleError) as info:
        bundle.verify_bag(forged, school_profile())
    assert (info.value.check, info.value.member, info.value.field) == (
        "untrusted signer",
        "data/revisions/1.json",
        f"signer.{field}",
    )
    assert "\x1b" not in str(info.value)
    assert "\n" not in str(info.value)


def test_a_name_with_escapes_never_reaches_verify_txt_or_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bundle sealed before school roots names its staff only by principal and key, so a forged name cannot be
    compared with anything: it verifies (not anchored), but every text it reaches is cleaned."""
    sealed = make_sealed(tmp_path / "work", profile=legacy_profile())
    forged = _resign_first_revision(sealed.zip_bytes, {"name": "Jane\x1b[31m\nEvil\u202eSmith"})
    verified = bundle.verify_bag(forged, legacy_profile())
    assert not verified.trust.anchored
    assert b"\x1b" not in verified.bag[bundle.VERIFY_TXT]
    assert b"Jane [31m Evil" in verified.bag[bundle.VERIFY_TXT]
    assert "\x1b" not in verified.summary()
    assert "\n" not in verified.summary()
    path = tmp_path / "drop" / f"{verified.ref}.zip.age"
    path.parent.mkdir()
    ciphertext = bundle.encrypt_bundle(forged, legacy_profile())
    path.write_bytes(ciphertext)
    path.with_name(path.name + ".sig").write_bytes(bundle.origin_signature(ciphertext, staff()))  # required (issue 10)
    ident, passfile, profile_file = tmp_path / "dsl.identity.age", tmp_path / "pass.txt", tmp_path / "legacy.toml"
    write_identity_file(dsl(), ident, PASS)
    passfile.write_text(PASS + "\n")
    profile_file.write_text(legacy_profile().to_toml())
    code = cli.run(
        [
            "--data-dir",
            str(tmp_path / "data"),
            "--profile",
            str(profile_file),
            "verify",
            str(path),
            "--identity",
            str(ident),
            "--passphrase-file",
            str(passfile),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "\x1b" not in out
    assert "\u202e" not in out
    # the summary, one revision, each item's trusted time (issue 12), the origin, the trust verdict
    assert len(out.splitlines()) == 4 + len(verified.items)
    assert [line.strip() for line in out.splitlines()[2:-2]] == [
        f"item {i.seq}: Workstation clock only" for i in verified.items
    ]
    assert out.splitlines()[-2].startswith("origin: signed by j.smith@school.example (SHA256:")
    assert out.splitlines()[-1].startswith("Signers NOT anchored to a school root")


def test_verify_checks_the_root_against_the_pin(tmp_path: Path) -> None:
    sealed = make_sealed(tmp_path)
    assert bundle.verify_bag(sealed.zip_bytes, school_profile()).trust.anchored
    unpinned = bundle.verify_bag(sealed.zip_bytes, school_profile(pinned=False)).trust
    assert (unpinned.anchored, unpinned.root_fingerprint) == (False, ROOT_FP)
    assert bundle.verify_bag(sealed.zip_bytes, None, root_fingerprint=ROOT_FP).trust.anchored
    with pytest.raises(BundleError) as info:
        bundle.verify_bag(sealed.zip_bytes, None, root_fingerprint=other_root().card.fingerprint)
    assert (info.value.check, info.value.member) == ("trust path", "seal/trust/root.pub")
    theirs = unsigned_profile().sign(other_root(), version=1, issued_utc=ISSUED_AT)
    with pytest.raises(BundleError) as info:
        bundle.verify_bag(sealed.zip_bytes, theirs.pinned_to(other_root().card.fingerprint))
    assert info.value.check == "trust path"
    with pytest.raises(BundleError) as info:
        bundle.verify_bag(sealed.zip_bytes, None)
    assert info.value.check == "trust path"


def test_a_later_revision_under_a_newer_version_and_one_under_an_older(tmp_path: Path) -> None:
    from evidence.review.actions import ReviewAction, add_review

    sealed = make_sealed(tmp_path)
    v1, v2 = school_profile(version=1), school_profile(version=2)
    verified = bundle.verify_bag(sealed.zip_bytes, v1)
    bag = add_review(verified, dsl(), v2, ReviewAction.NOTE, "met the pupil")
    revised = bundle.verify_bag(bundle.zip_bag(verified.ref, bag), v2)
    assert revised.trust.profile_versions == (1, 2)
    assert "seal/trust/v1/profile.toml" in revised.bag
    assert revised.bag[bundle.ALLOWED_SIGNERS] == revised.bag["seal/trust/v2/allowed_signers"]
    assert revised.trust.line().endswith("(profile versions 1, 2)")
    from evidence.core.errors import UsageError

    with pytest.raises(UsageError):  # a workstation with version 1 cannot add to a bundle already at version 2
        add_review(revised, dsl(), v1, ReviewAction.NOTE, "again")
    with pytest.raises(UsageError):  # nor one without a signed profile
        add_review(revised, dsl(), legacy_profile(), ReviewAction.NOTE, "again")


def test_a_bundle_made_under_an_older_profile_says_so(tmp_path: Path) -> None:
    """A removed signer who kept the old signed profile can still seal under it: the verdict says so."""
    sealed = make_sealed(tmp_path)  # under version 1
    verdict = bundle.verify_bag(sealed.zip_bytes, school_profile(version=2)).trust
    assert verdict.anchored
    assert verdict.behind
    assert "older profile than this workstation's version 2" in verdict.line()
    assert not bundle.verify_bag(sealed.zip_bytes, school_profile(version=1)).trust.behind


def test_a_bundle_sealed_before_school_roots_stays_without_one_when_reviewed(tmp_path: Path) -> None:
    from evidence.review.actions import ReviewAction, add_review

    sealed = make_sealed(tmp_path, profile=legacy_profile())
    verified = bundle.verify_bag(sealed.zip_bytes, school_profile())  # an upgraded workstation opens it
    assert not verified.trust.anchored
    assert verified.trust.root_fingerprint is None
    bag = add_review(verified, dsl(), school_profile(), ReviewAction.NOTE, "met the pupil")
    assert not any(n.startswith("seal/trust/") for n in bag)
    assert not bundle.verify_bag(bundle.zip_bag(verified.ref, bag), school_profile()).trust.anchored


# -- with the hostile-input checks: readers and the origin (issue 10, points 6 and 1-2 together) -----------------------


def test_readers_are_counted_against_the_profile_the_latest_revision_was_made_under(tmp_path: Path) -> None:
    from evidence.crypto import ageio

    sealed_under = school_profile()  # version 1: Dee and Hedda
    rae = identity("Rae Viewer", "rae@school.example", Role.REVIEWER)
    base = unsigned_profile()
    newer = Profile(school=base.school, reviewers=(*base.reviewers, rae.card), staff=base.staff)
    newer = newer.sign(school_root(), version=2, issued_utc=ISSUED_AT).pinned_to(ROOT_FP)
    zip_bytes = make_sealed(tmp_path, profile=sealed_under).zip_bytes
    # sealed to version 1's two reviewers, opened where version 2 (three reviewers) is installed: no reviewer missing
    verified = bundle.open_bundle(bundle.encrypt_bundle(zip_bytes, sealed_under), [dsl().age_secret], newer)
    assert verified.trust.anchored
    assert verified.trust.behind
    # also encrypted to Rae, whom version 1 does not name: an extra reader, though the workstation's version names her
    leaked = ageio.encrypt(zip_bytes, [*sealed_under.reviewer_recipients, rae.card.recipient])
    with pytest.raises(BundleError) as info:
        bundle.open_bundle(leaked, [dsl().age_secret], newer)
    assert info.value.check == "extra readers"
    # someone without a workstation, anchored by the fingerprint alone, counts against the bag's profile too
    alone = bundle.open_bundle(
        bundle.encrypt_bundle(zip_bytes, sealed_under), [dsl().age_secret], None, root_fingerprint=ROOT_FP
    )
    assert alone.trust.anchored
    with pytest.raises(BundleError) as info:
        bundle.open_bundle(leaked, [dsl().age_secret], None, root_fingerprint=ROOT_FP)
    assert info.value.check == "extra readers"
    # a format-1 workstation vouches for no root: it counts against its own reviewers
    with pytest.raises(BundleError) as info:
        bundle.open_bundle(bundle.encrypt_bundle(zip_bytes, newer), [dsl().age_secret], legacy_profile())
    assert info.value.check == "extra readers"


def _failed_check(err: str) -> str:
    """The check a one-line ``FAILED: PATH: CHECK: why`` message names."""
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err.split(": FAILED: ", 1)[1].split(": ", 2)[1]


def test_without_a_workstation_the_origin_is_still_required_and_checked_after_decryption(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``verify --root-fingerprint`` with no profile: a missing or malformed origin signature is refused before
    decrypting, --no-origin says the origin was not checked, and the signer is checked against the bag's own
    root-signed profile once the trust path is."""
    from evidence.bundle import seal as sealing
    from evidence.crypto import sshsig

    sealed = make_sealed(tmp_path / "work")
    path = sealed.result.path
    sig = path.with_name(path.name + ".sig")
    checked = sealing.check_file(path, dsl(), None, root_fingerprint=ROOT_FP)
    assert checked.origin is not None
    assert checked.origin.principal == staff().card.principal
    assert checked.verified.trust.anchored
    ident, passfile = tmp_path / "dsl.identity.age", tmp_path / "pass.txt"
    write_identity_file(dsl(), ident, PASS)
    passfile.write_text(PASS + "\n")
    args = ["--data-dir", str(tmp_path / "none"), "verify", str(path), "--identity", str(ident),
            "--passphrase-file", str(passfile), "--root-fingerprint", ROOT_FP]  # fmt: skip
    code, out, err = _cli(capsys, *args)
    assert code == cli.EXIT_OK, err
    assert f"origin: signed by {staff().card.principal} ({staff().card.fingerprint})" in out
    assert out.splitlines()[-1] == f"Signers anchored to the school root {ROOT_FP} (profile version 1)"
    genuine = sig.read_bytes()
    # signed by a key the bag's profile does not name (a valid signature over these very bytes): refused
    outsider = identity("Olly Outsider", "out@elsewhere.example")
    sig.write_text(sshsig.sign(outsider.signing_key, path.read_bytes(), bundle.ORIGIN_NAMESPACE), "ascii")
    code, out, err = _cli(capsys, *args)
    assert (code, out, _failed_check(err)) == (cli.EXIT_FAILED, "", "origin")
    with pytest.raises(BundleError) as info:
        sealing.check_file(path, dsl(), None, root_fingerprint=ROOT_FP)
    assert info.value.check == "origin"
    # a signature by someone the profile names, but over other bytes: refused
    sig.write_text(sshsig.sign(staff().signing_key, b"other bytes", bundle.ORIGIN_NAMESPACE), "ascii")
    code, out, err = _cli(capsys, *args)
    assert (code, out, _failed_check(err)) == (cli.EXIT_FAILED, "", "origin")
    # malformed: refused before anything is decrypted
    sig.write_bytes(b"not a signature")
    code, out, err = _cli(capsys, *args)
    assert (code, out, _failed_check(err)) == (cli.EXIT_FAILED, "", "origin")
    # missing: refused, unless the user asks for the seal alone, and then the output says so
    sig.unlink()
    code, out, err = _cli(capsys, *args)
    assert (code, out, _failed_check(err)) == (cli.EXIT_FAILED, "", "missing origin")
    code, out, err = _cli(capsys, *args, "--no-origin")
    assert code == cli.EXIT_OK, err
    assert "origin: not checked (--no-origin)" in out
    assert out.splitlines()[-1].startswith("Signers anchored to the school root")
    sig.write_bytes(genuine)
    assert _cli(capsys, *args)[0] == cli.EXIT_OK


def test_verify_prints_the_origin_the_trust_verdict_and_the_history_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a data folder: a rolled-back copy is genuine and anchored, and ``verify`` says all three things."""
    from evidence.review.actions import ReviewAction, add_review

    profile = school_profile()
    sealed = make_sealed(tmp_path / "work", profile=profile)
    verified = bundle.open_bundle(sealed.ciphertext, [dsl().age_secret], profile)
    newer = write_revision(
        verified.ref, add_review(verified, dsl(), profile, ReviewAction.NOTE, "read"), dsl(), profile, tmp_path / "new"
    )
    data = tmp_path / "data"
    Workspace(Paths(data)).install_signed(school_profile(pinned=False), ROOT_FP, source="test")
    ident, passfile = tmp_path / "dsl.identity.age", tmp_path / "pass.txt"
    write_identity_file(dsl(), ident, PASS)
    passfile.write_text(PASS + "\n")
    unlock = ["--identity", str(ident), "--passphrase-file", str(passfile)]
    code, out, err = _cli(capsys, "--data-dir", str(data), "verify", str(newer), *unlock)
    assert code == cli.EXIT_OK, err
    code, out, err = _cli(capsys, "--data-dir", str(data), "verify", str(sealed.result.path), *unlock)
    assert code == cli.EXIT_FAILED
    assert err.count("\n") == 1, err
    assert err.startswith("evidence-capture: WARNING: ")
    assert f"origin: signed by {staff().card.principal}" in out
    assert out.splitlines()[-1] == f"Signers anchored to the school root {ROOT_FP} (profile version 1)"


# -- the workstation: pinning, install, rollback ---------------------------------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(code: int, err: str, expected: int = cli.EXIT_USAGE) -> None:
    assert code == expected, err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err


def _write(path: Path, profile: Profile) -> Path:
    path.write_text(profile.to_toml(), encoding="utf-8")
    return path


def test_install_pins_the_root_and_refuses_what_it_must(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    v1, v2 = _write(tmp_path / "v1.toml", signed(1)), _write(tmp_path / "v2.toml", signed(2, drop_folder="/srv/d"))
    theirs = _write(tmp_path / "theirs.toml", unsigned_profile().sign(other_root(), version=5, issued_utc=ISSUED_AT))
    legacy = _write(tmp_path / "legacy.toml", legacy_profile())
    # a wrong fingerprint, or no signature: one line, exit 2, nothing written
    for path, fp in ((v1, other_root().card.fingerprint), (legacy, ROOT_FP), (v1, "SHA256:nonsense")):
        code, _, err = _cli(capsys, "--data-dir", str(data), "profile", "install", str(path), "--root-fingerprint", fp)
        _one_line(code, err)
        assert not (data / "trust-root").exists()
        assert not (data / "profile.toml").exists()
    code, out, err = _cli(capsys, "--data-dir", str(data), "profile", "install", str(v2), "--root-fingerprint", ROOT_FP)
    assert code == 0, err
    assert f"school root: {ROOT_FP} (matches the fingerprint you gave)" in out
    assert "reviewer: Dee Sell <dsl@school.example>" in out
    assert (data / "trust-root").read_text().strip() == ROOT_FP
    ws = Workspace(Paths(data))
    assert ws.profile().anchored
    assert ws.profile().version == 2
    # an older version is a rollback; another root needs --replace-root
    code, _, err = _cli(capsys, "--data-dir", str(data), "profile", "install", str(v1), "--root-fingerprint", ROOT_FP)
    _one_line(code, err)
    fp = other_root().card.fingerprint
    code, _, err = _cli(capsys, "--data-dir", str(data), "profile", "install", str(theirs), "--root-fingerprint", fp)
    _one_line(code, err)
    assert Workspace(Paths(data)).profile().version == 2
    code, _, err = _cli(
        capsys, "--data-dir", str(data), "profile", "install", str(theirs), "--root-fingerprint", fp, "--replace-root"
    )
    assert code == 0, err
    assert f"replaced the pinned school root {ROOT_FP}" in err
    pin = (data / "trust-root").read_text().splitlines()
    assert pin[-1] == fp
    assert any(line.startswith("#") and ROOT_FP in line for line in pin)  # the replacement is on record


def test_a_pinned_workstation_accepts_only_profiles_of_its_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    ws = Workspace(Paths(data))
    ws.install_signed(signed(2), ROOT_FP, source="test")
    legacy = _write(tmp_path / "legacy.toml", legacy_profile())
    theirs = _write(tmp_path / "theirs.toml", unsigned_profile().sign(other_root(), version=1, issued_utc=ISSUED_AT))
    older = _write(tmp_path / "v1.toml", signed(1))
    newer = _write(tmp_path / "v3.toml", signed(3, drop_folder="/srv/drop"))
    for path, check in ((legacy, "unsigned"), (theirs, "root"), (older, "rollback")):
        with pytest.raises(UntrustedProfileError) as info:
            Workspace(Paths(data), path).profile()
        assert info.value.check == check
        code, _, err = _cli(capsys, "--data-dir", str(data), "--profile", str(path), "incident", "new", "--title", "t")
        _one_line(code, err)
    # a newer profile named by a setting is accepted, and remembered so that going back is refused
    assert Workspace(Paths(data), newer).profile().version == 3
    assert Profile.load(data / "profile.toml").version == 3
    with pytest.raises(UntrustedProfileError):
        Workspace(Paths(data), _write(tmp_path / "v2.toml", signed(2))).profile()
    # with the pinned root's profile gone, nothing falls back to a standalone one
    (data / "profile.toml").unlink()
    with pytest.raises(ProfileError):
        Workspace(Paths(data)).profile()


def test_school_init_and_profile_create(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    passfile = tmp_path / "pass.txt"
    passfile.write_text(PASS + "\n")
    it = ["--data-dir", str(tmp_path / "it")]
    code, out, err = _cli(
        capsys, *it, "school", "init", "--school", "Example Academy", "--out", str(tmp_path / "ROOT.identity.age"),
        "--passphrase-file", str(passfile),
    )  # fmt: skip
    assert code == 0, err
    fingerprint = out.splitlines()[-1]
    assert fingerprint.startswith("SHA256:")
    card = (tmp_path / "ROOT.card").read_text()
    assert f"fingerprint: {fingerprint}\n" in card
    assert "role: root\n" in card
    assert "principal: school-root\n" in card
    assert not (tmp_path / "it").exists()  # not a data folder's identity
    code, _, err = _cli(capsys, *it, "school", "init", "--school", "X", "--out", str(tmp_path / "ROOT.identity.age"),
                        "--passphrase-file", str(passfile))  # fmt: skip
    _one_line(code, err)
    cards = {}
    for name, who in (("dsl", dsl()), ("jane", staff())):
        cards[name] = tmp_path / f"{name}.card"
        cards[name].write_text(who.card.to_text())
    out_file = tmp_path / "school-profile.toml"
    base = [*it, "profile", "create", "--school", "Example Academy", "--out", str(out_file)]
    # a school profile without the root, a staff card as a reviewer, or a non-root identity as --root: refused
    code, _, err = _cli(capsys, *base, "--reviewer", str(cards["dsl"]))
    _one_line(code, err)
    root = ["--root", str(tmp_path / "ROOT.identity.age"), "--passphrase-file", str(passfile)]
    code, _, err = _cli(capsys, *base, *root, "--reviewer", str(cards["jane"]))
    _one_line(code, err)
    not_root = tmp_path / "dsl.identity.age"
    write_identity_file(dsl(), not_root, PASS)
    code, _, err = _cli(capsys, *base, "--root", str(not_root), "--passphrase-file", str(passfile), "--reviewer",
                        str(cards["dsl"]))  # fmt: skip
    _one_line(code, err)
    assert not out_file.exists()
    code, out, err = _cli(capsys, *base, *root, "--reviewer", str(cards["dsl"]), "--staff", str(cards["jane"]))
    assert code == 0, err
    made = Profile.load(out_file)
    assert (made.version, made.root_fingerprint) == (1, fingerprint)
    assert [c.principal for c in made.staff] == [staff().card.principal]
    assert f"--root-fingerprint {fingerprint}" in out
    # signing again raises the version; asking for an older one is refused
    code, _, err = _cli(capsys, *base, *root, "--reviewer", str(cards["dsl"]))
    assert code == 0, err
    assert Profile.load(out_file).version == 2
    code, _, err = _cli(capsys, *base, *root, "--reviewer", str(cards["dsl"]), "--version", "2")
    _one_line(code, err)
    assert Profile.load(out_file).version == 2


def test_standalone_profile_create_pins_the_users_own_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    passfile = tmp_path / "pass.txt"
    passfile.write_text(PASS + "\n")
    data = ["--data-dir", str(tmp_path / "data")]
    code, out, err = _cli(
        capsys, *data, "identity", "create", "--name", "Jane Smith", "--principal", "j.smith@school.example",
        "--role", "staff", "--out", str(tmp_path / "jane.identity.age"), "--passphrase-file", str(passfile),
    )  # fmt: skip
    assert code == 0, err
    mine = next(line for line in out.splitlines() if line.startswith("fingerprint: ")).split()[1]
    create = [*data, "profile", "create", "--school", "Try-out", "--out", str(tmp_path / "me.toml"),
              "--passphrase-file", str(passfile)]  # fmt: skip
    code, _, err = _cli(capsys, *create)
    assert code == 0, err
    ws = Workspace(Paths(tmp_path / "data"))
    assert ws.pinned_root() == mine
    assert ws.profile().anchored
    assert ws.profile().standalone
    code, _, err = _cli(capsys, *create)  # again: the next version of the user's own profile
    assert code == 0, err
    assert ws.profile().version == 2
    # once a school root is pinned, a standalone profile would replace the school's: refused
    ws.install_signed(signed(1), ROOT_FP, source="test", replace_root=True)
    code, _, err = _cli(capsys, *create)
    _one_line(code, err)
    assert ws.profile().root_fingerprint == ROOT_FP


def test_a_reviewer_may_not_be_a_root_and_identity_create_refuses_the_root_role(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _cli(
        capsys, "--data-dir", str(tmp_path / "d"), "identity", "create", "--name", "R", "--principal", "school-root",
        "--role", "root", "--out", str(tmp_path / "r.identity.age"), "--passphrase-file", "-",
    )  # fmt: skip
    _one_line(code, err)
    assert not (tmp_path / "r.identity.age").exists()
    _ = (head, identity)
