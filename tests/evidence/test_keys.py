"""Identities and public cards."""

from __future__ import annotations

from pathlib import Path

import pyrage
import pytest
from helpers import identity

from evidence.core.errors import IdentityError, UsageError, WrongPassphraseError
from evidence.crypto import sshsig
from evidence.crypto.keys import (
    SIGNING_KEY_INFO,
    Identity,
    PublicCard,
    Role,
    card_path_for,
    derive_signing_key,
    unlock_identity_file,
    write_identity_file,
)


def test_identity_file_round_trip(tmp_path: Path) -> None:
    me = identity()
    path = tmp_path / "jane.identity.age"
    write_identity_file(me, path, "correct horse battery")
    data = path.read_bytes()
    assert data.startswith(b"age-encryption.org/v1\n-> scrypt ")
    assert me.age_secret.encode() not in data
    assert b"Jane" not in data
    again = unlock_identity_file(path, "correct horse battery")
    assert again.age_secret == me.age_secret
    assert again.card == me.card


def test_identity_plaintext_is_a_native_age_identity_file() -> None:
    text = identity().to_text()
    for line in text.splitlines():
        assert line.startswith("#") or line.startswith("AGE-SECRET-KEY-1")
    # pyrage (the same parser family as the age CLI) accepts the secret line
    pyrage.x25519.Identity.from_str(next(ln for ln in text.splitlines() if not ln.startswith("#")))


def test_wrong_passphrase_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "jane.identity.age"
    write_identity_file(identity(), path, "correct horse battery")
    with pytest.raises(WrongPassphraseError, match=r"jane\.identity\.age: wrong passphrase"):
        unlock_identity_file(path, "wrong horse battery")


def test_damaged_identity_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "jane.identity.age"
    path.write_bytes(b"not an age file")
    with pytest.raises(IdentityError, match=r"jane\.identity\.age: not an age-encrypted identity file"):
        unlock_identity_file(path, "whatever1")


def test_refuses_to_overwrite_and_short_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "x.identity.age"
    with pytest.raises(UsageError, match="at least 8"):
        write_identity_file(identity(), path, "short")
    assert not path.exists()
    write_identity_file(identity(), path, "long enough")
    with pytest.raises(UsageError, match="already exists"):
        write_identity_file(identity(), path, "long enough")


def test_signing_key_is_derived_deterministically_and_labelled() -> None:
    me = identity()
    a = derive_signing_key(me.age_secret).public_key()
    assert sshsig.fingerprint(a) == me.card.fingerprint
    assert SIGNING_KEY_INFO.startswith(b"evidence-capture")
    other = str(pyrage.x25519.Identity.generate())
    assert sshsig.fingerprint(derive_signing_key(other).public_key()) != me.card.fingerprint


def test_card_round_trip_and_checks() -> None:
    card = identity().card
    assert PublicCard.parse(card.to_text()) == card
    text = card.to_text()
    with pytest.raises(IdentityError, match="fingerprint does not match"):
        PublicCard.parse(text.replace(card.fingerprint, "SHA256:" + "A" * 43))
    with pytest.raises(IdentityError, match="lacks"):
        PublicCard.parse("\n".join(ln for ln in text.splitlines() if not ln.startswith("age:")))
    with pytest.raises(IdentityError, match="not an Evidence Capture public card"):
        PublicCard.parse("hello")
    with pytest.raises(IdentityError, match="role"):
        PublicCard.parse(text.replace("role: staff", "role: admin"))


@pytest.mark.parametrize("name", ["", "two\nlines", "x" * 201])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(UsageError):
        Identity.generate(name, "a@b.example", Role.STAFF, "2026-11-25T10:00:00.000Z")


@pytest.mark.parametrize("principal", ["has space@x", 'quote"@x', "", "a,b@x"])
def test_bad_principals_are_refused(principal: str) -> None:
    with pytest.raises(UsageError):
        Identity.generate("A", principal, Role.STAFF, "2026-11-25T10:00:00.000Z")


def test_card_path_for() -> None:
    assert card_path_for(Path("/x/jane.identity.age")) == Path("/x/jane.card")
    assert card_path_for(Path("/x/jane.key")) == Path("/x/jane.key.card")


def test_repr_hides_the_secret() -> None:
    me = identity()
    assert me.age_secret not in repr(me)
