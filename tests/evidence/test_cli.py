"""The command line's contract: one clear line per error, the right exit code, nothing half-written."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from app import cli
from app.main import first_positional

PASS = "a long test passphrase"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    base = tmp_path_factory.mktemp("cli")
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
    return base, data, passfile


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_identity_show_card_and_identity(capsys, made, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    base, data, _passfile = made
    capsys.readouterr()
    code, out, _ = run(capsys, "--data-dir", str(data), "identity", "show", str(base / "jane.card"))
    assert code == 0
    assert "principal: j.smith@school.example" in out
    monkeypatch.setattr("sys.stdin", io.StringIO(PASS + "\n"))  # a passphrase from stdin
    code, out2, _ = run(capsys, "--data-dir", str(data), "identity", "show", str(base / "jane.identity.age"))
    assert code == 0
    assert out2 == out


def test_refuses_to_overwrite_an_identity(capsys, made) -> None:  # type: ignore[no-untyped-def]
    base, data, passfile = made
    before = (base / "jane.identity.age").read_bytes()
    code, _, err = run(
        capsys,
        "--data-dir",
        str(data),
        "identity",
        "create",
        "--name",
        "X",
        "--principal",
        "x@y",
        "--role",
        "staff",
        "--out",
        str(base / "jane.identity.age"),
        "--passphrase-file",
        str(passfile),
    )
    assert code == 2
    assert "already exists" in one_line(err)
    assert (base / "jane.identity.age").read_bytes() == before


def test_damaged_identity_and_wrong_passphrase(capsys, made, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, data, passfile = made
    damaged = tmp_path / "damaged.identity.age"
    damaged.write_bytes((base / "jane.identity.age").read_bytes()[:-3])
    code, _, err = run(
        capsys,
        "--data-dir",
        str(data),
        "incident",
        "list",
        "--identity",
        str(damaged),
        "--passphrase-file",
        str(passfile),
    )
    assert code == 2
    assert str(damaged) in one_line(err)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("the wrong passphrase\n")
    code, _, err = run(
        capsys,
        "--data-dir",
        str(data),
        "incident",
        "list",
        "--identity",
        str(base / "jane.identity.age"),
        "--passphrase-file",
        str(wrong),
    )
    assert code == 2
    assert one_line(err).endswith("jane.identity.age: wrong passphrase")


def test_damaged_profile_names_the_file(capsys, made, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, data, _ = made
    bad = tmp_path / "school.toml"
    bad.write_text("format = 1\nschool = \n")
    code, _, err = run(capsys, "--data-dir", str(data), "--profile", str(bad), "incident", "new", "--title", "t")
    assert code == 2
    assert str(bad) in one_line(err)
    assert "not valid TOML" in err


def test_usage_errors(capsys, made) -> None:  # type: ignore[no-untyped-def]
    _, data, _ = made
    code, _, err = run(capsys, "--data-dir", str(data), "incident", "show", "nonsense")
    assert code == 2
    assert "not an incident reference" in one_line(err)
    code, _, err = run(capsys, "--data-dir", str(data), "capture", "--mode", "sideways")
    assert code == 2
    assert one_line(err)
    code, _, err = run(capsys, "--data-dir", str(data), "incident", "show", "EC-20261125-000000")
    assert code == 1
    assert "no incident" in one_line(err)
    code, _, err = run(capsys, "--data-dir", str(data), "incident", "new")
    assert code == 2
    assert "--title" in one_line(err)


def test_no_identity_yet(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "empty"), "incident", "new", "--title", "t")
    assert code == 2
    assert "identity create" in one_line(err)


def test_tests_never_use_the_real_data_dir(capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "incident", "list")
    assert code == 2
    assert "--data-dir" in one_line(err)


def test_safeguarding_category_blocks_capture(capsys, made) -> None:  # type: ignore[no-untyped-def]
    _, data, _ = made
    code, out, err = run(
        capsys,
        "--data-dir",
        str(data),
        "incident",
        "new",
        "--title",
        "Report to DSL",
        "--category",
        "nude-image-of-child",
    )
    assert code == 0
    assert "Tell the DSL now" in err
    ref = out.strip()
    code, out, err = run(capsys, "--data-dir", str(data), "capture", "--mode", "full", "--incident", ref)
    assert code == 1
    assert "capture refused" in one_line(err)
    assert out == ""


def test_first_positional() -> None:
    assert first_positional(["--data-dir", "capture", "incident", "list"]) == "incident"
    assert first_positional(["--profile", "p.toml"]) is None


def test_receive_keeps_the_file_byte_for_byte(capsys, made, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    from PIL import Image

    from evidence.vault.store import Vault

    base, data, _passfile = made
    shot = tmp_path / "from-parent.jpg"
    Image.new("RGB", (40, 30), (200, 10, 10)).save(shot, "JPEG", quality=70)
    code, out, _ = run(capsys, "--data-dir", str(data), "incident", "new", "--title", "Received")
    ref = out.strip()
    code, out, err = run(
        capsys,
        "--data-dir",
        str(data),
        "receive",
        "--incident",
        ref,
        "--provided-by",
        "Parent of the pupil",
        "--how",
        "forwarded by e-mail",
        str(shot),
    )
    assert code == 0, err
    assert out.split() == [ref, hashlib.sha256(shot.read_bytes()).hexdigest()]
    from evidence.crypto.keys import unlock_identity_file

    me = unlock_identity_file(base / "jane.identity.age", PASS)
    with Vault(data / "vault.sqlite3") as vault:
        item = vault.items(ref)[0]
        assert (item.kind, item.media_type, item.width, item.height) == ("received", "image/jpeg", 40, 30)
        assert vault.item_content(ref, 1, [me.age_secret]) == shot.read_bytes()
        assert vault.item_context(ref, 1, [me.age_secret]).to_json_dict()["provided_by"] == "Parent of the pupil"
    not_image = tmp_path / "notes.txt"
    not_image.write_text("hello")
    code, _, err = run(
        capsys,
        "--data-dir",
        str(data),
        "receive",
        "--incident",
        ref,
        "--provided-by",
        "x",
        "--how",
        "y",
        str(not_image),
    )
    assert code == 2
    assert "not a PNG, JPEG, WebP or HEIC" in one_line(err)  # issue 11: phones send WebP and HEIC


def test_every_verb_of_the_parser_reaches_the_command_line() -> None:
    """``evidence-capture VERB`` runs the command line (not the GUI) for every verb the parser knows."""
    import argparse

    from app.main import VERBS

    parser = cli.build_parser()
    [verbs] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(verbs.choices) <= VERBS
    assert "timestamp" in VERBS
