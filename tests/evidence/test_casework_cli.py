"""The casework verbs on three real incidents: ``ocr``, ``proposals``, ``identify``, ``link``, ``unlink``,
``timeline`` and ``search``.

The search session runs as the command line runs it, in a child process whose HOME, TMPDIR and XDG folders are
fresh; afterwards the plaintext-at-rest scan (as ``test_plaintext_at_rest`` scans) looks through every file in those
folders, the data folder and the bundle folder for the planted handle, the phrases, the titles and PNG bytes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bundles import dsl, school_profile
from casebundles import CaseIncident, make_three

from app import cli
from evidence.bundle import seal as sealing
from evidence.crypto.keys import write_identity_file
from evidence.review import casework

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr is not installed")
PASS = "a long test passphrase"
SIGNATURES = {
    "PNG": b"\x89PNG\r\n\x1a\n",
    # a JPEG's start with its JFIF header, or an Exif block: the 3-byte start marker alone turns up in random
    # ciphertext (a 100 KB .age file holds it with a chance of about 1 in 170), which made this scan fail at random
    "JPEG (JFIF)": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "Exif": b"Exif\x00\x00",
}


def scan(folders: list[Path], find: dict[str, bytes]) -> list[str]:
    """``path: what`` for every needle found in a file under ``folders`` (as test_plaintext_at_rest scans)."""
    found = []
    for folder in folders:
        for root, _dirs, files in os.walk(folder):
            for name in files:
                path = Path(root, name)
                if not path.is_symlink() and path.is_file():
                    data = path.read_bytes()
                    found += [f"{path}: {what}" for what, needle in find.items() if needle in data]
    return found


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[CaseIncident], list[str]]:
    base = tmp_path_factory.mktemp("casecli")
    incidents = make_three(base / "work", base / "drop")
    write_identity_file(dsl(), base / "dsl.identity.age", PASS)
    (base / "pass.txt").write_text(PASS + "\n")
    (base / "school.toml").write_text(school_profile().to_toml())
    common = ["--data-dir", str(base / "data"), "--profile", str(base / "school.toml")]
    return base, incidents, common


def run(capsys: pytest.CaptureFixture[str], base: Path, common: list[str], *args: str) -> tuple[int, str, str]:
    me = ["--identity", str(base / "dsl.identity.age"), "--passphrase-file", str(base / "pass.txt")]
    code = cli.run([*common, *args, *me])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_case_from_the_command_line(capsys, case) -> None:  # type: ignore[no-untyped-def]
    base, incidents, common = case
    drop = base / "drop"
    for inc in incidents:
        code, out, err = run(capsys, base, common, "ocr", str(inc.path))
        assert code == 0, err
        assert out.splitlines()[0] == str(inc.current) == str(drop / f"{inc.ref}.r2.zip.age")  # a new revision file
        assert "(machine-read)" in out
    code, _, err = run(capsys, base, common, "ocr", str(incidents[0].current))
    assert code == 0, err
    assert "already has a text layer" in err

    code, out, err = run(capsys, base, common, "proposals", str(incidents[1].current))
    assert code == 0, err
    assert out.splitlines() == ["handle @jay_k_2009 [undecided] seen in item 1 (machine-read)"]

    code, _, err = run(
        capsys, base, common, "identify", str(incidents[1].current), "--confirm", "@nobody", "--why", "x"
    )
    assert code == 2
    assert "not proposed" in err
    for inc in incidents[:2]:
        code, _, err = run(
            capsys, base, common, "identify", str(inc.current), "--confirm", "@jay_k_2009",
            "--person", "Jay K (Year 9)",
            "--why", "Named by the pupil",
        )  # fmt: skip
        assert code == 0, err
    code, out, _ = run(capsys, base, common, "proposals", str(incidents[1].current))
    assert out.splitlines() == ["handle @jay_k_2009 [confirmed: Jay K (Year 9)] seen in item 1 (machine-read)"]

    one, two, three = (i.ref for i in incidents)
    code, out, err = run(
        capsys, base, common, "link", one, three, "--why", "Same threats, same pupil", "--in", str(drop)
    )
    assert code == 0, err
    code, _, err = run(capsys, base, common, "link", one, three, "--why", "again", "--in", str(drop))
    assert code == 2
    assert "already linked" in err

    code, out, err = run(capsys, base, common, "timeline", two, "--in", str(drop))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"Timeline of {two}: 3 linked occasion(s), in order of when they happened"
    occasions = [line for line in lines[1:] if not line.startswith(" ")]
    assert [line.split()[6] for line in occasions] == [one, two, three]
    assert occasions[0].startswith("1. 2026-11-02 19:40 UTC [as reported]")
    assert "Instagram @jay_k_2009 (Jay K (Year 9))" in occasions[0]
    assert "<shared: handle:jay_k_2009>" in occasions[0]
    assert "<start>" in occasions[1]
    assert "TikTok -: Comments under a photo" in occasions[2]  # its handle is not confirmed, nor in the form
    assert "<linked through another incident>" in occasions[2]  # linked by hand to the first
    code, out, _ = run(capsys, base, common, "timeline", one, "--in", str(drop))
    assert next(line for line in out.splitlines() if line.startswith("3. ")).endswith(
        "<link: Same threats, same pupil>"
    )
    items = [line for line in lines if line.startswith("     item")]
    assert len(items) == 4
    assert all("[workstation clock]" in line and "text layer (machine-read)" in line for line in items)
    assert "2026-11-03 08:15 UTC" in items[0]
    assert "2026-11-03 08:16 UTC" in items[1]

    code, out, err = run(capsys, base, common, "unlink", three, one, "--why", "Another sender", "--in", str(drop))
    assert code == 0, err
    code, out, _ = run(capsys, base, common, "timeline", two, "--in", str(drop))
    assert f"Timeline of {two}: 2 linked occasion(s)" in out.splitlines()[0]
    for ref in (one, three):
        v = sealing.verify_file(next(i for i in incidents if i.ref == ref).current, dsl(), school_profile())
        assert [e.action for e in v.custody[-2:]] == ["linked", "unlinked"]
        assert len(casework.link_history(v)) == 2


def test_search_finds_the_handle_in_three_bundles_and_leaves_nothing_in_clear(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, incidents, common = case
    drop = base / "drop"
    for inc in incidents:  # the layers, if the test above has not run first
        v = sealing.verify_file(inc.current, dsl(), school_profile())
        if not casework.text_layers(v):
            assert cli.run([*common, "ocr", str(inc.current), "--identity", str(base / "dsl.identity.age"),
                            "--passphrase-file", str(base / "pass.txt")]) == 0  # fmt: skip
    home, tmp, cwd = tmp_path / "home", tmp_path / "tmp", tmp_path / "cwd"
    for folder in (home, tmp, cwd):
        folder.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_STATE_HOME": str(home / ".local/state"),
    }
    data = tmp_path / "data"
    before = {p: p.stat().st_mtime_ns for p in drop.iterdir()}
    results = {}
    for term in ("@jay_k_2009", "watch your back", "platform:TikTok", "person:Alex Pupil", "date:2026-11-09"):
        done = subprocess.run(
            [sys.executable, "-m", "app.main", "--data-dir", str(data), "--profile", str(base / "school.toml"),
             "search", term, "--identity", str(base / "dsl.identity.age"), "--passphrase-file",
             str(base / "pass.txt"), "--in", str(drop)],
            cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        results[term] = done.stdout.splitlines()
    one, two, three = (i.ref for i in incidents)
    by_handle = results["@jay_k_2009"]
    items = [(line.split()[0], line.split()[2]) for line in by_handle if line.split()[1] == "item"]
    assert items == [(one, "1"), (one, "2"), (two, "1"), (three, "1")]  # in order of when they happened
    assert all('handle "@jay_k_2009' in line for line in by_handle if line.split()[1] == "item")
    assert f"{one} incident 2026-11-02 19:40 +0000 Instagram" in by_handle  # the form's handle
    assert "2026-11-02 19:40 +0000" in by_handle[0]
    assert results["watch your back"] == [
        line for line in results["watch your back"] if line.startswith(f"{one} item 2")
    ]
    assert len(results["watch your back"]) == 1
    assert {line.split()[0] for line in results["platform:TikTok"]} == {three}
    assert {line.split()[0] for line in results["person:Alex Pupil"]} == {one, two}
    assert {line.split()[0] for line in results["date:2026-11-09"]} == {two}
    # nothing decrypted at rest: the bundles are unchanged, and no file anywhere holds the text or an image
    assert {p: p.stat().st_mtime_ns for p in drop.iterdir()} == before
    needles = {
        "handle": b"jay_k_2009",
        "phrase": b"watch your back",
        "phrase2": b"everyone knows what you did",
        "title": b"Threats in a group chat",
        "target": b"Alex Pupil",
        **SIGNATURES,
    }
    found = scan([home, tmp, cwd, data, drop], needles)
    assert found == []
