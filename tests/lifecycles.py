"""A sealed case in a drop folder with a reviewer's identity, data folder and CLI runner (issue 17 tests)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bundles import dsl, make_sealed, school_profile

from app import cli
from evidence.bundle import share
from evidence.crypto.keys import write_identity_file

PASS = "a long test passphrase"


class Case:
    """A sealed case in a drop folder, a reviewer's identity and data folder, and a CLI runner."""

    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.sealed = make_sealed(tmp_path / "work")
        self.path = self.sealed.result.path
        self.drop = self.path.parent
        self.ident = tmp_path / "dsl.identity.age"
        write_identity_file(dsl(), self.ident, PASS)
        self.passfile = tmp_path / "pass.txt"
        self.passfile.write_text(PASS + "\n")
        self.profile = tmp_path / "school.toml"
        self.profile.write_text(school_profile().to_toml())
        self.data = tmp_path / "data"
        self.data.mkdir()
        self.capsys = capsys

    def run(self, *args: str) -> tuple[int, str, str]:
        base = ["--data-dir", str(self.data), "--profile", str(self.profile)]
        code = cli.run([*base, *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def latest(self) -> Path:
        """The case's current revision file in the drop folder (issue 15: each revision is its own file)."""
        current = share.current_revision(self.drop, self.sealed.ref)
        assert current is not None
        return current.path

    def me(self) -> list[str]:
        return ["--identity", str(self.ident), "--passphrase-file", str(self.passfile)]


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]
