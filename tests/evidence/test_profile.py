"""School profiles."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from helpers import identity

from evidence.case.profile import Profile
from evidence.core.errors import ProfileError
from evidence.crypto.keys import Role
from evidence.crypto.sshsig import AllowedSigner


def sample() -> Profile:
    dsl = identity("Dee Sell", "dsl@school.example", Role.REVIEWER).card
    head = identity("Hedda Teacher", "head@school.example", Role.REVIEWER).card
    staff = identity().card
    return Profile(
        school='St. "Quoted" \\ School',
        reviewers=(dsl, head),
        staff=(AllowedSigner(staff.principal, staff.ssh_key, None),),
        drop_folder="/srv/drop",
        idle_lock_minutes=7,
    )


def test_round_trip_through_tomllib() -> None:
    profile = sample()
    text = profile.to_toml()
    tomllib.loads(text)
    again = Profile.parse(text)
    assert again == profile
    assert again.reviewer_recipients == [r.recipient for r in profile.reviewers]
    assert {s.principal for s in again.signers()} == {
        "j.smith@school.example",
        "dsl@school.example",
        "head@school.example",
    }


def test_standalone_profile_makes_the_owner_the_reviewer() -> None:
    me = identity().card
    profile = Profile.parse(Profile.standalone_for(me, "Try-out").to_toml())
    assert profile.standalone
    assert profile.reviewer_recipients == [me.recipient]
    assert profile.is_reviewer(me)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("format = 1", "format = 9"), "unsupported profile format"),
        (lambda t: t + "\n[[[", "not valid TOML"),
        (lambda t: t.replace("idle_lock_minutes = 7", "idle_lock_minutes = 0"), "idle_lock_minutes"),
        (lambda t: t.replace("idle_lock_minutes = 7", 'idle_lock_minutes = "7"'), "must be int"),
        (lambda t: t.split("[[reviewer]]")[0], "names no reviewer"),
        (
            lambda t: t.replace('fingerprint = "SHA256:', 'fingerprint = "SHA256:x'),
            "fingerprint does not match",
        ),
        (lambda t: t.replace('age = "age1', 'age = "age2'), "recipient"),
    ],
)
def test_damaged_profile_is_one_clear_line(edit, message: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "school.toml"
    path.write_text(edit(sample().to_toml()))
    with pytest.raises(ProfileError, match=message) as info:
        Profile.load(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)
