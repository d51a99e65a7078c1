"""The disposal register: append, verify, and every way to break it failing its own check (issue 17)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from bundles import dsl, head
from registers import allowed_signers, disposal, outsider, reference, staff_member, write_entry

from evidence.case import register
from evidence.case.register import (
    ENTRY_FILE,
    GENESIS_SHA256,
    SIG_FILE,
    VERIFY_FILE,
    Authoriser,
    Disposal,
    DisposalReason,
    DisposedFile,
    Head,
    RegisterEntry,
    RegisterError,
    TrustAnchor,
    append,
    check_note,
    sweep,
    verify_register,
)
from evidence.core import canonical
from evidence.core.errors import UsageError
from evidence.core.fsutil import TEMP_PREFIX

TESTS = Path(__file__).resolve().parents[1]
DRIVER = Path(__file__).with_name("register_writer_driver.py")


def _build(folder: Path, count: int = 3) -> list[register.VerifiedEntry]:
    signers = [dsl(), head()]
    return [append(folder, disposal(n), signers[n % 2], allowed_signers()) for n in range(1, count + 1)]


def _check(folder: Path, **kw: object) -> RegisterError:
    with pytest.raises(RegisterError) as e:
        verify_register(folder, allowed_signers(), **kw)  # type: ignore[arg-type]
    return e.value


def _entry_bytes(folder: Path, name: str) -> bytes:
    return (folder / name / ENTRY_FILE).read_bytes()


def test_appended_entries_verify_and_chain(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    made = _build(folder)
    report = verify_register(folder, allowed_signers())
    assert [v.entry.seq for v in report.entries] == [1, 2, 3]
    assert report.entries == tuple(made)
    assert report.head == Head(3, made[-1].sha256)
    assert report.entries[0].entry.prev_sha256 == GENESIS_SHA256
    for before, after in zip(report.entries, report.entries[1:], strict=False):
        assert after.entry.prev_sha256 == before.sha256
    assert [v.signer for v in report.entries] == ["head@school.example", "dsl@school.example", "head@school.example"]
    for v in report.entries:
        data = _entry_bytes(folder, v.entry.name)
        assert hashlib.sha256(data).hexdigest() == v.sha256
        assert data.endswith(b"\n")
        assert data.count(b"\n") == 1
        assert canonical.dumps(json.loads(data)) + b"\n" == data
    assert (folder / VERIFY_FILE).read_text() == register.verify_text()
    assert sorted(p.name for p in folder.iterdir()) == ["000001", "000002", "000003", VERIFY_FILE]


def test_entry_holds_what_the_dpo_needs_and_nothing_else(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    trust = TrustAnchor(dsl().card.fingerprint, 3, "ab" * 32)
    d = disposal(7)
    d = Disposal(d.reference, d.files, d.item_sha256, d.rule, d.rule_text, d.reason, d.note, d.disposed_utc, trust)
    done = append(folder, d, dsl(), allowed_signers())
    value = json.loads(_entry_bytes(folder, "000001"))
    fields = {"format", "seq", "prev_sha256", "reference", "disposed_utc", "files", "items", "rule", "reason"}
    assert set(value) == fields | {"authorised_by", "trust"}
    assert value["authorised_by"] == {"principal": "dsl@school.example", "fingerprint": dsl().card.fingerprint}
    assert value["rule"] == {"key": "cyber-bullying", "text": "2192 days after the incident"}
    assert value["reason"] == {"code": "retention-ended", "note": ""}
    assert value["trust"]["profile_version"] == 3
    assert RegisterEntry.parse(_entry_bytes(folder, "000001")) == done.entry


def test_a_missing_register_is_its_own_check(tmp_path: Path) -> None:
    assert _check(tmp_path / "nowhere").check == "missing"
    (tmp_path / "file").write_text("x")
    assert _check(tmp_path / "file").check == "missing"


def test_empty_register_verifies_with_no_head(tmp_path: Path) -> None:
    (tmp_path / "register").mkdir()
    assert verify_register(tmp_path / "register", allowed_signers()).head is None


# ---- every way to break it fails its own check ----


def test_tampering_fails_the_signature(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    _build(folder)
    path = folder / "000002" / ENTRY_FILE
    path.write_bytes(path.read_bytes().replace(reference(2).encode(), reference(9).encode()))
    error = _check(folder)
    assert (error.check, error.entry) == ("signature", "000002")


def test_a_non_canonical_entry_fails_the_record_check(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    _build(folder)
    path = folder / "000002" / ENTRY_FILE
    path.write_bytes(path.read_bytes().replace(b'"seq":2', b'"seq": 2'))
    error = _check(folder)
    assert (error.check, error.entry) == ("record", "000002")


def test_reordering_fails_the_sequence(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    _build(folder)
    (folder / "000002").rename(folder / "swap")
    (folder / "000003").rename(folder / "000002")
    (folder / "swap").rename(folder / "000003")
    error = _check(folder)
    assert (error.check, error.entry) == ("sequence", "000002")


def test_deleting_an_entry_fails_missing_entry(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    _build(folder)
    shutil.rmtree(folder / "000002")
    error = _check(folder)
    assert (error.check, error.entry) == ("missing entry", "000002")
    shutil.rmtree(folder / "000001")
    assert _check(folder).entry == "000001"


def test_deleting_the_tail_is_seen_only_against_a_known_head(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    made = _build(folder)
    shutil.rmtree(folder / "000003")
    verify_register(folder, allowed_signers())  # the chain alone cannot tell (documented)
    error = _check(folder, expect_head=Head(3, made[2].sha256))
    assert (error.check, error.entry) == ("truncated", "000003")
    verify_register(folder, allowed_signers(), expect_head=Head(2, made[1].sha256))


def test_an_insider_rewriting_an_entry_breaks_the_chain_after_it(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    made = _build(folder)
    forged = RegisterEntry(2, made[0].sha256, disposal(99), Authoriser("dsl@school.example", dsl().card.fingerprint))
    shutil.rmtree(folder / "000002")
    write_entry(folder, "000002", forged.to_bytes(), dsl())
    error = _check(folder)
    assert (error.check, error.entry) == ("chain", "000003")
    shutil.rmtree(folder / "000003")
    error = _check(folder, expect_head=Head(2, made[1].sha256))
    assert (error.check, error.entry) == ("rewritten", "000002")


def test_a_fork_by_two_writers_is_named(tmp_path: Path) -> None:
    """Writer B chained from the head writer A had already extended, and its entry landed after A's."""
    folder = tmp_path / "register"
    made = _build(folder, 2)
    append(folder, disposal(3), dsl(), allowed_signers())
    b = RegisterEntry(4, made[1].sha256, disposal(4), Authoriser("head@school.example", head().card.fingerprint))
    write_entry(folder, "000004", b.to_bytes(), head())
    error = _check(folder)
    assert (error.check, error.entry) == ("fork", "000004")


def test_a_first_entry_not_starting_the_chain_fails(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    entry = RegisterEntry(1, "11" * 32, disposal(1), Authoriser("dsl@school.example", dsl().card.fingerprint))
    write_entry(folder, "000001", entry.to_bytes(), dsl())
    assert _check(folder).check == "chain"


@pytest.mark.parametrize("who", ["outsider", "staff"])
def test_a_signer_outside_the_list_fails_signer(tmp_path: Path, who: str) -> None:
    folder = tmp_path / "register"
    made = _build(folder, 1)
    forger = outsider() if who == "outsider" else staff_member()
    entry = RegisterEntry(2, made[0].sha256, disposal(2), Authoriser(forger.card.principal, forger.card.fingerprint))
    write_entry(folder, "000002", entry.to_bytes(), forger)
    error = _check(folder)
    assert (error.check, error.entry) == ("signer", "000002")


def test_an_entry_naming_someone_else_than_its_signer_fails_authoriser(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    made = _build(folder, 1)
    entry = RegisterEntry(2, made[0].sha256, disposal(2), Authoriser("dsl@school.example", dsl().card.fingerprint))
    write_entry(folder, "000002", entry.to_bytes(), head())
    error = _check(folder)
    assert (error.check, error.entry) == ("authoriser", "000002")


def test_a_signature_for_another_purpose_fails(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    entry = RegisterEntry(1, GENESIS_SHA256, disposal(1), Authoriser("dsl@school.example", dsl().card.fingerprint))
    data = entry.to_bytes()
    write_entry(folder, "000001", data, None, signature=dsl().sign(data, "evidence-capture-seal-v1"))
    assert _check(folder).check == "signature"


def test_a_missing_signature_fails_unsigned(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    _build(folder, 2)
    (folder / "000002" / SIG_FILE).unlink()
    error = _check(folder)
    assert (error.check, error.entry) == ("unsigned", "000002")


@pytest.mark.parametrize("how", ["junk file", "extra file in entry", "linked entry", "linked file", "fifo sig"])
def test_anything_that_does_not_belong_fails_layout(tmp_path: Path, how: str) -> None:
    folder = tmp_path / "register"
    _build(folder, 2)
    if how == "junk file":
        (folder / "notes.txt").write_text("Tom Jones' case")
    elif how == "extra file in entry":
        (folder / "000002" / "thumbnail.png").write_bytes(b"\x89PNG")
    elif how == "linked entry":
        shutil.move(folder / "000002", tmp_path / "elsewhere")
        (folder / "000002").symlink_to(tmp_path / "elsewhere")
    elif how == "linked file":
        target = folder / "000002" / ENTRY_FILE
        shutil.move(target, tmp_path / "entry.json")
        target.symlink_to(tmp_path / "entry.json")
    else:
        (folder / "000002" / SIG_FILE).unlink()
        os.mkfifo(folder / "000002" / SIG_FILE)
    error = _check(folder)
    assert error.check == "layout"


def test_an_oversized_entry_fails_before_it_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    _build(folder, 1)
    with (folder / "000001" / ENTRY_FILE).open("ab") as f:
        f.truncate(register.MAX_ENTRY_BYTES + 1)
    assert _check(folder).check == "size cap"


@pytest.mark.parametrize(
    "change",
    [
        lambda v: {**v, "extra": 1},
        lambda v: {**v, "seq": "1"},
        lambda v: {**v, "items": ["not hex"]},
        lambda v: {**v, "files": [{"name": "Tom-Jones.png", "sha256": "ab" * 32}]},
        lambda v: {**v, "reason": {"code": "because", "note": ""}},
        lambda v: {**v, "rule": {"key": "cyber-bullying", "text": "two\nlines"}},
        lambda v: {**v, "authorised_by": {"principal": "dsl@school.example", "fingerprint": "MD5:xx"}},
        lambda v: {**v, "disposed_utc": ""},
        lambda v: {**v, "format": "evidence-capture-disposal/2"},
    ],
)
def test_entry_parse_is_strict(change: object) -> None:
    entry = RegisterEntry(1, GENESIS_SHA256, disposal(1), Authoriser("dsl@school.example", dsl().card.fingerprint))
    value = change(entry.to_json_dict())  # type: ignore[operator]
    with pytest.raises(RegisterError) as e:
        RegisterEntry.parse(canonical.dumps(value) + b"\n")
    assert e.value.check == "record"


def test_entry_parse_refuses_two_lines_and_no_line_feed() -> None:
    data = RegisterEntry(1, GENESIS_SHA256, disposal(1), Authoriser("dsl@school.example", dsl().card.fingerprint))
    for bad in (data.to_bytes()[:-1], data.to_bytes() + b"\n"):
        with pytest.raises(RegisterError):
            RegisterEntry.parse(bad)


# ---- what a disposal may say ----


def test_disposal_refuses_personal_file_names_and_bad_values() -> None:
    base = disposal(1)
    ref = base.reference
    good = dict(
        reference=ref,
        files=base.files,
        item_sha256=base.item_sha256,
        rule=base.rule,
        rule_text=base.rule_text,
        reason=base.reason,
    )
    for change in (
        {"files": (DisposedFile("Tom Jones.png", "ab" * 32),)},
        {"files": (DisposedFile("other.zip.age", "ab" * 32),)},
        {"files": ()},
        {"files": (base.files[0], base.files[0])},
        {"item_sha256": ("AB" * 32,)},
        {"reason": DisposalReason.OTHER},
        {"note": "x" * 101},
        {"rule_text": ""},
        {"reference": "Tom's case"},
    ):
        with pytest.raises(UsageError):
            Disposal(**{**good, **change})  # type: ignore[arg-type]
    assert Disposal(**good).disposed_utc.endswith("Z")  # type: ignore[arg-type]


def test_check_note_catches_plain_personal_data() -> None:
    assert check_note("  case closed after review  ") == "case closed after review"
    for bad in ("ask tom@example.com", "see https://x.com/abc", "www.example.org", "two\nlines", "x" * 101):
        with pytest.raises(UsageError):
            check_note(bad)
    with pytest.raises(UsageError):
        check_note("duplicate of ZOË's case", personal_terms=["Zoe Smith", "Zoe"])
    with pytest.raises(UsageError):
        check_note("parents of Smith asked", personal_terms=["smith"])
    assert check_note("duplicate case", personal_terms=["Zoe"]) == "duplicate case"


# ---- appending ----


def test_append_refuses_a_signer_who_may_not_dispose_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    for who in (outsider(), staff_member()):
        with pytest.raises(RegisterError) as e:
            append(folder, disposal(1), who, allowed_signers())
        assert e.value.check == "signer"
    assert not folder.exists()


def test_append_never_extends_a_broken_register(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    _build(folder, 2)
    path = folder / "000001" / ENTRY_FILE
    path.write_bytes(path.read_bytes().replace(b"retention-ended", b"recorded-in-error"))
    with pytest.raises(RegisterError) as e:
        append(folder, disposal(3), dsl(), allowed_signers())
    assert e.value.check == "signature"
    assert not (folder / "000003").exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_append_retries_when_another_writer_takes_the_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "register"
    first = _build(folder, 1)[0]
    real_rename = os.rename
    raced = []

    def racing_rename(src: str, dst: str) -> None:
        if not raced:  # another writer commits entry 2 between our read of the head and our rename
            raced.append(True)
            other = RegisterEntry(
                2, first.sha256, disposal(50), Authoriser("head@school.example", head().card.fingerprint)
            )
            write_entry(folder, "000002", other.to_bytes(), head())
        real_rename(src, dst)

    monkeypatch.setattr(register.os, "rename", racing_rename)
    mine = append(folder, disposal(2), dsl(), allowed_signers())
    assert raced
    assert mine.entry.seq == 3
    report = verify_register(folder, allowed_signers())
    assert [v.entry.disposal.reference for v in report.entries] == [reference(1), reference(50), reference(2)]
    assert not [p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_a_rename_whose_reply_was_lost_counts_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "register"
    _build(folder, 1)
    real_rename = os.rename

    def lossy_rename(src: str, dst: str) -> None:
        real_rename(src, dst)
        raise OSError(errno.EIO, "connection reset")

    monkeypatch.setattr(register.os, "rename", lossy_rename)
    done = append(folder, disposal(2), dsl(), allowed_signers())
    monkeypatch.undo()
    assert done.entry.seq == 2
    assert len(verify_register(folder, allowed_signers()).entries) == 2


def test_a_failed_write_leaves_the_register_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "register"
    made = _build(folder, 2)

    def failing_rename(src: str, dst: str) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(register.os, "rename", failing_rename)
    with pytest.raises(RegisterError) as e:
        append(folder, disposal(3), dsl(), allowed_signers())
    monkeypatch.undo()
    assert e.value.check == "write"
    assert verify_register(folder, allowed_signers()).head == Head(2, made[1].sha256)
    assert not [p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]


def _driver(folder: Path, principal: str, first: int, count: int, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent), str(TESTS)])}
    args = [sys.executable, str(DRIVER), str(folder), principal, str(first), str(count), *extra]
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    assert proc.stdout.readline() == "READY\n"
    return proc


def test_several_writer_processes_never_lose_or_fork_an_entry(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    folder.mkdir()
    per_writer = 8
    writers = [
        _driver(folder, principal, 100 * (i + 1), per_writer)
        for i, principal in enumerate(["dsl@school.example", "head@school.example", "dsl@school.example"])
    ]
    for proc in writers:  # release them together
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    acks: list[str] = []
    for proc in writers:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        acks += out.split("\n")
    acked = {line.split()[3]: (int(line.split()[1]), line.split()[2]) for line in acks if line.startswith("ACK")}
    report = verify_register(folder, allowed_signers())
    assert len(report.entries) == 3 * per_writer
    assert {v.entry.disposal.reference: (v.entry.seq, v.sha256) for v in report.entries} == acked
    assert not [p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_a_writer_killed_before_its_commit_leaves_the_old_state(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    made = _build(folder, 2)
    proc = _driver(folder, "head@school.example", 10, 1, "pause")
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()
    assert proc.stdout.readline() == "PAUSED\n"
    proc.kill()
    proc.communicate()
    leftovers = [p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]
    assert len(leftovers) == 1
    assert sorted(p.name for p in leftovers[0].iterdir()) == [ENTRY_FILE, SIG_FILE]  # complete, but not committed
    assert verify_register(folder, allowed_signers()).head == Head(2, made[1].sha256)
    nxt = append(folder, disposal(3), dsl(), allowed_signers())
    assert nxt.entry.seq == 3
    assert sweep(folder, older_than=3600) == []
    assert sweep(folder, older_than=0) == leftovers
    assert verify_register(folder, allowed_signers()).head == Head(3, nxt.sha256)


def test_threads_appending_at_once_all_land(tmp_path: Path) -> None:
    folder = tmp_path / "register"
    errors: list[BaseException] = []

    def work(start: int) -> None:
        try:
            for n in range(start, start + 5):
                append(folder, disposal(n), dsl() if n % 2 else head(), allowed_signers())
        except BaseException as e:  # noqa: BLE001 - collected and asserted on below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in (1, 101, 201, 301)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(verify_register(folder, allowed_signers()).entries) == 20
