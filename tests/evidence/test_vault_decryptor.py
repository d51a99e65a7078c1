"""The seal's helper process that decrypts vault items (issue 16): the same bytes as reading in a thread, a
swapped blob still refused, a helper that dies fails the seal with nothing published, and a helper that cannot
start falls back to reading in a thread."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
from collections.abc import Sequence
from pathlib import Path

import pytest
from bundles import SEALED_AT, dsl, png, school_profile, staff
from helpers import new_capture

from evidence import bundle
from evidence.bundle.seal import seal_incident, snapshot
from evidence.case.incident import Category, IncidentDetails, Status
from evidence.core.errors import DigestMismatchError, VaultError
from evidence.crypto import ageio
from evidence.vault import decryptor
from evidence.vault.store import Vault


def _vault(tmp_path: Path, count: int) -> tuple[Path, str]:
    me = staff()
    recipients = [me.card.recipient, *school_profile().reviewer_recipients]
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "vault.sqlite3"
    with Vault(path) as vault:
        details = IncidentDetails(title="Helper", categories=(Category.THREATENING,), platform="Instagram")
        ref = vault.create_incident(details, actor=me.card.principal, recipients=recipients)
        for i in range(count):
            data, rgb = png(i)
            pixels = hashlib.sha256(b"P6\n64 48\n255\n" + rgb).hexdigest()
            vault.add_item(ref, new_capture(data, pixels_sha256=pixels), actor=me.card.principal, recipients=recipients)
    return path, ref


def test_the_helper_gives_the_vaults_bytes_and_refuses_a_swapped_blob(tmp_path: Path) -> None:
    path, ref = _vault(tmp_path, 3)
    keys = [staff().age_secret]
    with Vault(path) as vault:
        expected = {seq: vault.item_content(ref, seq, keys) for seq in (1, 2, 3)}
        other, _ = png(99)
        recipients = [staff().card.recipient]
        vault._db.execute(
            "UPDATE items SET content = ? WHERE ref = ? AND seq = 3", (ageio.encrypt(other, recipients), ref)
        )
        vault._db.commit()
    with decryptor.process_reader(path, keys) as reader:
        assert isinstance(reader, decryptor.ProcessContentReader)
        assert reader._process.pid != os.getpid()
        assert {seq: reader.item_content(ref, seq, keys) for seq in (1, 2)} == {1: expected[1], 2: expected[2]}
        with pytest.raises(DigestMismatchError):
            reader.item_content(ref, 3, keys)
        assert reader.item_content(ref, 3, keys, check_digest=False) == other  # the writer checks it instead
        with pytest.raises(VaultError):
            reader.item_content(ref, 9, keys)
        assert reader.item_content(ref, 1, keys) == expected[1]  # still answering after the errors
    assert not reader._process.is_alive()


def _seal_copy(source: Path, ref: str, folder: Path) -> bytes:
    folder.mkdir()
    shutil.copy(source, folder / "vault.sqlite3")
    with Vault(folder / "vault.sqlite3") as vault:
        result = seal_incident(vault, ref, staff(), school_profile(), folder / "drop", when=SEALED_AT)
    return ageio.decrypt(result.path.read_bytes(), [dsl().age_secret])


def test_a_seal_through_the_helper_is_the_same_zip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    real = decryptor.ProcessContentReader.__init__

    def counting(self: decryptor.ProcessContentReader, path: Path, identities: Sequence[str]) -> None:
        real(self, path, identities)
        started.append(self._process.pid or 0)

    monkeypatch.setattr(decryptor.ProcessContentReader, "__init__", counting)
    source, ref = _vault(tmp_path / "source", 4)
    monkeypatch.setenv(decryptor.THRESHOLD_ENV, "0")
    through_helper = _seal_copy(source, ref, tmp_path / "a")
    assert len(started) == 1
    monkeypatch.delenv(decryptor.THRESHOLD_ENV, raising=False)  # the default: 4 small items stay in a thread
    in_thread = _seal_copy(source, ref, tmp_path / "b")
    assert len(started) == 1  # a small incident is read in a thread
    assert through_helper == in_thread  # the same vault, sealed at the same time: the same zip, byte for byte


def test_a_helper_that_dies_fails_the_seal_and_publishes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(decryptor.THRESHOLD_ENV, "0")
    real = decryptor.ProcessContentReader.item_content
    calls: list[int] = []

    def dying(
        self: decryptor.ProcessContentReader,
        ref: str,
        seq: int,
        identities: Sequence[str],
        *,
        check_digest: bool = True,
    ) -> bytes:
        calls.append(seq)
        if len(calls) == 2:
            assert self._process.pid is not None
            os.kill(self._process.pid, signal.SIGKILL)
            self._process.join(10)
        return real(self, ref, seq, identities, check_digest=check_digest)

    monkeypatch.setattr(decryptor.ProcessContentReader, "item_content", dying)
    path, ref = _vault(tmp_path, 3)
    drop = tmp_path / "drop"
    with Vault(path) as vault:
        before = vault.incident(ref).status
    with Vault(path) as vault, pytest.raises(VaultError, match="vault reader stopped"):
        seal_incident(vault, ref, staff(), school_profile(), drop, when=SEALED_AT)
    assert not drop.exists() or list(drop.iterdir()) == []
    with Vault(path) as vault:
        assert vault.incident(ref).status is before is not Status.SEALED  # nothing was recorded as sealed


def test_a_helper_that_cannot_start_falls_back_to_a_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(decryptor.THRESHOLD_ENV, "0")

    def cannot(self: decryptor.ProcessContentReader, path: Path, identities: Sequence[str]) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(decryptor.ProcessContentReader, "__init__", cannot)
    path, ref = _vault(tmp_path, 2)
    with Vault(path) as vault:
        expected = bundle.zip_bag(
            ref,
            bundle.build_bag(
                snapshot(vault, ref, staff(), school_profile()), staff(), SEALED_AT, profile=school_profile()
            ),
        )
        result = seal_incident(vault, ref, staff(), school_profile(), tmp_path / "drop", when=SEALED_AT)
    assert ageio.decrypt(result.path.read_bytes(), [dsl().age_secret]) == expected
