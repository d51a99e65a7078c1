"""The vault's trusted-time queue against a real TSA on loopback: a capture never waits, nothing is lost.

Every stored item is queued in its own transaction; :func:`evidence.vault.timestamps.drain` asks, stores the
token with a ``timestamped`` custody entry and dequeues in one transaction; failures back off and stay queued;
a drainer killed with SIGKILL loses nothing and never causes a second request for a token already stored.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import identity, new_capture
from tsa_server import Mode, Signer, TsaServer

from evidence.case.custody import Action
from evidence.case.incident import IncidentDetails, Status
from evidence.core.errors import VaultError
from evidence.crypto.keys import Role
from evidence.crypto.tsa import (
    SKEW_WARNING_SECONDS,
    TsaBadResponse,
    TsaCertificateExpired,
    TsaConfig,
    TsaImprintMismatch,
    TsaRejected,
    TsaTimeout,
    TsaUnreachable,
    TsaUntrusted,
    item_binding,
    request_token,
    verify_token,
)
from evidence.vault import timestamps
from evidence.vault.store import SCHEMA_VERSION, Vault

ACTOR = "j.smith@school.example"
HERE = Path(__file__).parent


def _keys() -> tuple[list[str], list[str]]:
    me = identity()
    dsl = identity("Dee Sell", "dsl@school.example", Role.REVIEWER)
    return [me.card.recipient, dsl.card.recipient], [me.age_secret]


def _pixels(n: int) -> str:
    return hashlib.sha256(f"pixels {n}".encode()).hexdigest()


def _add(vault: Vault, ref: str, n: int, recipients: list[str], tsas: list[TsaConfig]) -> int:
    item = new_capture(f"png {n}".encode(), pixels_sha256=_pixels(n))
    return vault.add_item(ref, item, actor=ACTOR, recipients=recipients, tsas=tsas).seq


def _incident(vault: Vault, recipients: list[str]) -> str:
    return vault.create_incident(IncidentDetails(title="t"), actor=ACTOR, recipients=recipients)


def test_capture_is_queued_in_its_own_transaction_and_asks_nothing(tmp_path: Path, tsa: TsaServer) -> None:
    recipients, secrets_ = _keys()
    with Vault(tmp_path / "v.sqlite3") as vault:
        ref = _incident(vault, recipients)
        seq = _add(vault, ref, 1, recipients, [tsa.config()])
        assert tsa.requests == 0  # the capture did not touch the network
        [pending] = vault.pending_timestamps()
        captured = vault.custody(ref, secrets_)[-1]
        assert captured.action == Action.CAPTURED.value
        assert pending.item_id == f"{ref}/{seq}"
        assert pending.binding == item_binding(
            file_sha256_hex=vault.item(ref, seq).sha256,
            pixels_sha256_hex=_pixels(1),
            custody_entry_hash_hex=captured.hash,
        )


def test_online_drain_stores_token_and_custody(tmp_path: Path, tsa: TsaServer) -> None:
    recipients, secrets_ = _keys()
    config = tsa.config()
    with Vault(tmp_path / "v.sqlite3") as vault:
        ref = _incident(vault, recipients)
        seq = _add(vault, ref, 1, recipients, [config])
        binding = vault.pending_timestamps()[0].binding
        result = timestamps.drain(vault, [config], actor=ACTOR, recipients=recipients)
        assert tsa.requests == 1
        assert result.failed == ()
        assert result.waiting == ()
        [token] = vault.timestamp_tokens(ref)
        assert (token.seq, token.number, token.tsa_name) == (seq, 1, "Evidence Test TSA")
        assert token.digest_hex == hashlib.sha256(binding).hexdigest()
        verify_token(token.tsr, hashlib.sha256(binding).digest(), config.trust)
        entry = vault.custody(ref, secrets_)[-1]
        assert entry.action == Action.TIMESTAMPED.value
        assert entry.seq == token.custody_seq
        assert entry.details["gen_time"] == token.gen_time_utc
        assert entry.details["tsa"] == "Evidence Test TSA"
        assert abs(entry.details["clock_skew_seconds"]) <= 2
        # a second pass asks nothing: the token is stored and its row gone
        assert timestamps.drain(vault, [config], actor=ACTOR, recipients=recipients, due_only=False).stored == ()
        assert tsa.requests == 1


def test_offline_then_online_the_queue_drains_and_custody_records_it(tmp_path: Path, tsa: TsaServer) -> None:
    recipients, secrets_ = _keys()
    config = tsa.config()
    tsa.go_offline()
    with Vault(tmp_path / "v.sqlite3") as vault:
        ref = _incident(vault, recipients)
        seqs = [_add(vault, ref, n, recipients, [config]) for n in (1, 2, 3)]
        offline = timestamps.drain(vault, [config], actor=ACTOR, recipients=recipients)
        # one refused connection and the TSA's other requests wait for the next pass
        assert [type(e) for _, e in offline.failed] == [TsaUnreachable]
        assert len(offline.waiting) == 3
        [first] = [p for p in offline.waiting if p.attempts == 1]
        assert first.last_error.startswith("tsa-unreachable")
        assert first.next_utc > first.queued_utc  # backing off
        # backing off: not due, so a worker's pass asks nothing
        tsa.go_online()
        assert timestamps.drain(vault, [config], actor=ACTOR, recipients=recipients).stored == ()
        assert timestamps.next_due_seconds(vault) is not None
        # asked now (timestamp --pending): everything arrives
        result = timestamps.drain(vault, [config], actor=ACTOR, recipients=recipients, due_only=False)
        assert sorted(t.seq for t in result.stored) == seqs
        assert result.waiting == ()
        assert vault.pending_timestamps() == []
        stamped = [e for e in vault.custody(ref, secrets_) if e.action == Action.TIMESTAMPED.value]
        assert sorted(e.details["item"] for e in stamped) == seqs
        assert tsa.requests == 3


@pytest.mark.parametrize(
    ("mode", "signer", "error"),
    [
        (Mode.GARBAGE, Signer.GOOD, TsaBadResponse),
        (Mode.REJECT, Signer.GOOD, TsaRejected),
        (Mode.UNAVAILABLE, Signer.GOOD, TsaUnreachable),
        (Mode.WRONG_IMPRINT, Signer.GOOD, TsaImprintMismatch),
        (Mode.GOOD, Signer.EXPIRED, TsaCertificateExpired),
        (Mode.GOOD, Signer.UNTRUSTED, TsaUntrusted),
    ],
)
def test_a_bad_answer_is_recorded_and_stays_queued(
    tmp_path: Path, tsa: TsaServer, mode: Mode, signer: Signer, error: type[Exception]
) -> None:
    recipients, _ = _keys()
    config = tsa.config()
    tsa.mode, tsa.signer = mode, signer
    with Vault(tmp_path / "v.sqlite3") as vault:
        ref = _incident(vault, recipients)
        _add(vault, ref, 1, recipients, [config])
        result = timestamps.drain(vault, [config], actor=ACTOR, recipients=recipients)
        [(_pending, failure)] = result.failed
        assert type(failure) is error
        assert vault.timestamp_tokens(ref) == []
        [waiting] = vault.pending_timestamps()
        assert waiting.attempts == 1
        assert waiting.last_error.startswith(failure.check)
        # an answer that is wrong (not merely absent) is not asked again for at least ten minutes
        if not failure.transient:
            assert timestamps.backoff_seconds(1, transient=False) >= timestamps.NOT_TRANSIENT_MIN_S
        tsa.mode, tsa.signer = Mode.GOOD, Signer.GOOD
        assert len(timestamps.drain(vault, [config], actor=ACTOR, recipients=recipients, due_only=False).stored) == 1


def test_a_slow_tsa_times_out_and_the_capture_stays_queued(tmp_path: Path, tsa: TsaServer) -> None:
    recipients, _ = _keys()
    config = tsa.config()
    tsa.mode = Mode.SLOW
    with Vault(tmp_path / "v.sqlite3") as vault:
        ref = _incident(vault, recipients)
        _add(vault, ref, 1, recipients, [config])
        started = time.monotonic()
        result = timestamps.drain(vault, [config], actor=ACTOR, recipients=recipients, timeout_s=0.5)
        assert time.monotonic() - started < 4
        assert [type(e) for _, e in result.failed] == [TsaTimeout]
        assert len(vault.pending_timestamps()) == 1


def test_a_token_for_another_binding_is_refused_by_the_vault(tmp_path: Path, tsa: TsaServer) -> None:
    recipients, _ = _keys()
    config = tsa.config()
    with Vault(tmp_path / "v.sqlite3") as vault:
        ref = _incident(vault, recipients)
        _add(vault, ref, 1, recipients, [config])
        _add(vault, ref, 2, recipients, [config])
        one, two = vault.pending_timestamps()
        token_for_two = request_token(config, two.binding, timeout_s=10)
        with pytest.raises(VaultError):
            vault.store_timestamp(one, token_for_two, actor=ACTOR, recipients=recipients)
        assert vault.timestamp_tokens(ref) == []


def test_clock_skew_is_recorded(tmp_path: Path, tsa: TsaServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from evidence.crypto import tsa as tsalib

    recipients, secrets_ = _keys()
    config = tsa.config()

    def ask_with_fast_clock(cfg: TsaConfig, message: bytes, timeout_s: float) -> tsalib.Token:
        ahead = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)  # noqa: E731
        return request_token(cfg, message, timeout_s=timeout_s, clock=ahead)

    with Vault(tmp_path / "v.sqlite3") as vault:
        ref = _incident(vault, recipients)
        _add(vault, ref, 1, recipients, [config])
        [token] = timestamps.drain(vault, [config], actor=ACTOR, recipients=recipients, ask=ask_with_fast_clock).stored
        assert token.skew_seconds is not None
        assert 290 <= token.skew_seconds <= 310
        assert token.skew_seconds > SKEW_WARNING_SECONDS
        assert vault.custody(ref, secrets_)[-1].details["clock_skew_seconds"] == token.skew_seconds


def test_sealed_or_removed_items_leave_the_queue(tmp_path: Path, tsa: TsaServer) -> None:
    recipients, _ = _keys()
    config = tsa.config()
    with Vault(tmp_path / "v.sqlite3") as vault:
        ref = _incident(vault, recipients)
        _add(vault, ref, 1, recipients, [config])
        vault.log_and_set_status(ref, Action.SEALED, Status.SEALED, actor=ACTOR, recipients=recipients, details={})
        assert vault.pending_timestamps() == []  # a sealed incident is not drained
        assert vault.drop_timestamp_queue(ref) == 1


def test_schema_1_vault_is_migrated(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "v.sqlite3"
    recipients, _ = _keys()
    with Vault(path) as vault:
        ref = _incident(vault, recipients)
    db = sqlite3.connect(path)
    db.execute("DROP TABLE tsa_queue")
    db.execute("DROP TABLE tsa_tokens")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with Vault(path) as vault:
        assert vault.pending_timestamps() == []
        assert vault.timestamp_tokens(ref) == []
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    db.close()


def test_sigkill_while_requests_are_queued_loses_nothing_and_asks_nothing_twice(tmp_path: Path, tsa: TsaServer) -> None:
    recipients, secrets_ = _keys()
    config = tsa.config()
    path = tmp_path / "v.sqlite3"
    count = 8
    with Vault(path) as vault:
        ref = _incident(vault, recipients)
        for n in range(1, count + 1):
            _add(vault, ref, n, recipients, [config])
    anchors, intermediates = tmp_path / "anchors.pem", tmp_path / "intermediates.pem"
    anchors.write_bytes(config.trust.anchors_pem)
    intermediates.write_bytes(config.trust.intermediates_pem)
    lease_s = 11.0  # just over the child's request timeout: the killed child's lease runs out soon after
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "tsa_queue_driver.py"),
            str(path),
            tsa.url,
            str(anchors),
            str(intermediates),
            str(lease_s),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    assert child.stdin is not None
    child.stdin.write(" ".join(recipients).encode())
    child.stdin.close()
    deadline = time.monotonic() + 60
    while tsa.requests < 3 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    asked_before = tsa.requests
    with Vault(path) as vault:
        stored_before = {t.seq for t in vault.timestamp_tokens(ref)}
        queued = {p.seq for p in vault.pending_timestamps()}
        assert stored_before | queued == set(range(1, count + 1))  # nothing lost
        assert not stored_before & queued  # a stored token is never still queued
        assert stored_before
        assert queued
        assert asked_before - len(stored_before) in (0, 1)  # at most the request in flight went unanswered
        time.sleep(lease_s + 0.5)  # a lease held by the dead child runs out
        result = timestamps.drain(vault, [config], actor=ACTOR, recipients=recipients, due_only=False)
        # the restart asked only for what was still queued: no stored token was asked for twice
        assert tsa.requests - asked_before == len(queued)
        assert {t.seq for t in result.stored} == queued
        tokens = vault.timestamp_tokens(ref)
        assert sorted(t.seq for t in tokens) == list(range(1, count + 1))  # one token per item, no duplicates
        stamped = [e for e in vault.custody(ref, secrets_) if e.action == Action.TIMESTAMPED.value]
        assert sorted(e.details["item"] for e in stamped) == list(range(1, count + 1))
