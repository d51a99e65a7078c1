"""A course-of-conduct pack of three real incidents, checked with stock tools only.

``export-police`` is given three bundles (out of order). The pack must hold each bundle unchanged in its own
``REF-police-export/`` folder that passes the officer's documented procedure (``docs/guide-police.md``, run by
``test_officer_procedure.run_procedure``) exactly as a single export does; its own ``VERIFY.txt`` must run as
written (the pack's signed ``SHA256SUMS``, then every incident's steps); exhibit numbers must run on across the
incidents; and the PDF's text (``pdftotext -layout``) must list every occasion in order with its date, time,
platform, handle and exhibits.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from bundles import dsl, school_profile
from casebundles import make_three

from app import cli
from evidence.bundle import seal as sealing
from evidence.crypto.keys import write_identity_file
from evidence.review import casework
from evidence.review.actions import ReviewAction, reviews
from evidence.review.casework import Decision

TOOLS = ("age", "unzip", "sha256sum", "ssh-keygen", "cmp", "cut", "pdftotext", "tesseract")
pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(not all(shutil.which(t) for t in TOOLS), reason=f"needs {', '.join(TOOLS)}"),
]
PASS = "a long test passphrase"


def _procedure() -> ModuleType:
    path = Path(__file__).with_name("test_officer_procedure.py")
    spec = importlib.util.spec_from_file_location("officer_procedure", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["officer_procedure"] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _commands(text: str) -> list[str]:
    """VERIFY.txt's commands, continuation lines joined, ``cd`` kept."""
    commands, current = [], ""
    for line in text.splitlines():
        if not line.startswith("     ") or line.strip().startswith("#"):
            continue
        stripped = line.strip()
        current += stripped[:-1] + " " if stripped.endswith("\\") else stripped
        if not stripped.endswith("\\"):
            commands.append(" ".join(current.split()))
            current = ""
    return commands


def test_a_course_of_conduct_pack_of_three_passes_the_stock_tool_procedure(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    qapp,  # type: ignore[no-untyped-def]
) -> None:
    drop = tmp_path / "drop"
    incidents = make_three(tmp_path / "work", drop)
    profile = school_profile()
    for inc in incidents:  # read, and confirm the handle in each, as a reviewer would
        v = sealing.verify_file(inc.path, dsl(), profile)
        layers, _ = casework.read_text_layers(v)
        casework.publish(
            drop,
            v.ref,
            lambda cur, layers=layers: casework.add_text_layers(cur, dsl(), profile, layers),
            dsl(),
            profile,
        )
        casework.publish(
            drop,
            v.ref,
            lambda cur: casework.add_identifications(
                cur, dsl(), profile, [("@jay_k_2009", Decision.CONFIRMED, "Jay K")], "Named by both pupils"
            ),
            dsl(),
            profile,
        )
    write_identity_file(dsl(), tmp_path / "dsl.identity.age", PASS)
    (tmp_path / "pass.txt").write_text(PASS + "\n")
    (tmp_path / "school.toml").write_text(profile.to_toml())
    one, two, three = incidents
    code = cli.run(
        ["--data-dir", str(tmp_path / "data"), "--profile", str(tmp_path / "school.toml"), "export-police",
         str(three.path), str(one.path), str(two.path), "--identity", str(tmp_path / "dsl.identity.age"),
         "--passphrase-file", str(tmp_path / "pass.txt"), "--out", str(tmp_path / "out"),
         "--officer-reference", "PC 1234, CR/88/26"]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    pack = Path(out.splitlines()[0])
    assert pack.name == f"{one.ref}-course-of-conduct"
    assert "3 occasions, 4 exhibits" in err

    # every bundle is in the pack unchanged (after its export revision), each in its own single-export folder
    folders = sorted(p.name for p in pack.iterdir() if p.is_dir())
    assert folders == sorted(f"{i.ref}-police-export" for i in incidents)
    procedure = _procedure()
    for inc in incidents:
        v = sealing.verify_file(inc.current, dsl(), profile)  # the revision the export published
        assert reviews(v)[-1].action is ReviewAction.EXPORTED
        folder = pack / f"{inc.ref}-police-export"
        assert (folder / f"{inc.ref}.zip").read_bytes() == v.zip_bytes
        outcome = procedure.run_procedure(folder)
        assert outcome.passed, outcome.failed

    # the pack's own VERIFY.txt runs as written, from the top folder down into every incident
    verify = (pack / "VERIFY.txt").read_text(encoding="utf-8")
    commands = [c for c in _commands(verify) if not c.startswith("pngtopnm")]
    cwd, ran = pack, 0
    for command in commands:
        if command.startswith("cd "):
            cwd = (cwd / command[3:]).resolve()
            continue
        done = subprocess.run(
            ["bash", "-c", f"set -o pipefail; {command}"], cwd=cwd, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        ran += 1
    assert cwd == pack.resolve()
    assert ran > 3 * 8
    assert commands[:3] == [
        f"ssh-keygen -lf {one.ref}-police-export/{one.ref}/seal/trust/root.pub",
        commands[1],
        "sha256sum --strict -c SHA256SUMS",
    ]
    assert commands[1].startswith("ssh-keygen -Y verify -f ")
    assert commands[1].endswith("-n evidence-capture-export-v1 -s SHA256SUMS.sig < SHA256SUMS")
    # a changed timeline in the pack fails the pack's signed list
    (pack / "timeline.txt").write_text("1. nothing happened\n")
    done = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=pack, capture_output=True, check=False)
    assert done.returncode != 0

    # one exhibit list runs on across the incidents
    assert "JS/1" in (pack / f"{one.ref}-police-export/statement-draft.txt").read_text()
    assert "JS/3" in (pack / f"{two.ref}-police-export/statement-draft.txt").read_text()
    assert "JS/4" in (pack / f"{three.ref}-police-export/VERIFY.txt").read_text()
    statement = (pack / "statement-draft.txt").read_text()
    assert "WITNESS STATEMENT (draft): course of conduct" in statement
    assert statement.index(one.ref) < statement.index(two.ref) < statement.index(three.ref)

    # the PDF's timeline page lists every occasion in order, with date, time, platform, handle and exhibits
    text = subprocess.run(
        ["pdftotext", "-layout", str(pack / "course-of-conduct.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    timeline_page = text.split("Timeline", 1)[1].split("Why these incidents are linked", 1)[0]
    rows = [
        ("2 November 2026", "19:40 UTC", "Instagram", "JS/1, JS/2", one.ref),
        ("9 November 2026", "21:05 UTC", "Snapchat", "JS/3", two.ref),
        ("16 November 2026", "17:20 UTC", "TikTok", "JS/4", three.ref),
    ]
    position = 0
    for row in rows:
        for value in row:
            found = timeline_page.find(value, position)
            assert found >= 0, (value, timeline_page)
        position = timeline_page.find(row[-1], position)
    assert timeline_page.count("@jay_k_2009") == 3
    exhibits = text.split("Exhibits (one list", 1)[1]
    assert [exhibits.find(f"JS/{n}") for n in range(1, 5)] == sorted(exhibits.find(f"JS/{n}") for n in range(1, 5))
