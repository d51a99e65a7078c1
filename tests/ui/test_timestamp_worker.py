"""The app's trusted-time worker against a real TSA on loopback: it drains the queue in the background, backs
off while offline, and wakes when told that a capture queued something."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from helpers import new_capture
from pytestqt.qtbot import QtBot
from tsa_server import TsaServer

from app import cli
from app.paths import Paths
from app.timestamper import TimestampWorker
from app.workspace import Workspace
from evidence.case.incident import IncidentDetails

PASS = "a long test passphrase"


def _workspace(base: Path, tsa: TsaServer) -> Workspace:
    passfile = base / "pass.txt"
    passfile.write_text(PASS + "\n")
    data = base / "data"
    assert (
        cli.run(
            [
                "--data-dir",
                str(data),
                "identity",
                "create",
                "--name",
                "Jane Smith",
                "--principal",
                "j.smith@school.example",
                "--role",
                "staff",
                "--out",
                str(base / "jane.identity.age"),
                "--passphrase-file",
                str(passfile),
            ]
        )
        == 0
    )
    pem = base / "tsa.pem"
    pem.write_bytes(tsa.pki.anchors_pem + tsa.pki.intermediate_pem)
    assert (
        cli.run(
            [
                "--data-dir",
                str(data),
                "profile",
                "create",
                "--school",
                "S",
                "--out",
                str(base / "profile.toml"),
                "--passphrase-file",
                str(passfile),
                "--tsa",
                tsa.url,
                "--tsa-ca",
                str(pem),
            ]
        )
        == 0
    )
    return Workspace(Paths(data))


def _capture(ws: Workspace, ref: str, n: int) -> int:
    item = new_capture(f"png {n}".encode(), pixels_sha256=hashlib.sha256(f"px {n}".encode()).hexdigest())
    with ws.open_vault() as vault:
        return vault.add_item(ref, item, actor=ws.actor, recipients=ws.recipients(), tsas=ws.tsas()).seq


def test_worker_drains_after_going_online(qtbot: QtBot, tmp_path: Path, tsa: TsaServer) -> None:
    ws = _workspace(tmp_path, tsa)
    with ws.open_vault() as vault:
        ref = vault.create_incident(IncidentDetails(title="t"), actor=ws.actor, recipients=ws.recipients())
    tsa.go_offline()
    seq = _capture(ws, ref, 1)
    worker = TimestampWorker(ws)
    try:
        with qtbot.waitSignal(worker.waiting, timeout=15000) as still:
            worker.start()
        assert still.args == [1]  # offline: it stays queued, backing off
        with ws.open_vault() as vault:
            [pending] = vault.pending_timestamps()
            assert pending.attempts == 1
            assert pending.next_utc > pending.queued_utc
        db = sqlite3.connect(ws.paths.vault)
        with db:
            db.execute("UPDATE tsa_queue SET next_utc = ''")  # as if the back-off had run out
        db.close()
        tsa.go_online()
        with qtbot.waitSignal(worker.stamped, timeout=15000) as got:
            worker.wake()
        assert got.args == [ref, seq]
        # a capture wakes it: the new item's token arrives without waiting for the next look
        with qtbot.waitSignal(worker.stamped, timeout=15000) as got:
            seq2 = _capture(ws, ref, 2)
            worker.wake()
        assert got.args == [ref, seq2]
    finally:
        worker.stop()
    assert worker.is_finished()
    with ws.open_vault() as vault:
        assert [t.seq for t in vault.timestamp_tokens(ref)] == [seq, seq2]
        assert vault.pending_timestamps() == []
    assert tsa.requests == 2
