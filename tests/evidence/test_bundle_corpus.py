"""The hostile bundle corpus (tests/corpus/make_bundle_corpus.py), through open_bundle and through the CLI.

Each scenario must fail with a BundleError naming its own check, never verify and never raise anything else; and
``evidence-capture verify`` must say so in one line on stderr, with exit code 1 (2 when the bundle is unreadable:
not an age file, or not addressed to us), print nothing on stdout and write nothing anywhere.

Unlocking an identity file costs one to two seconds of scrypt, so the CLI runs in-process (``app.cli.run``) with
each identity file unlocked for real once per module and then served from a cache; a few scenarios also go
through a real ``python -m app.main`` process, which unlocks for itself.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pyrage
import pytest

from app import cli
from evidence import bundle
from evidence.core.errors import BundleError
from evidence.crypto.keys import Identity, unlock_identity_file, write_identity_file

CORPUS_SCRIPT = Path(__file__).resolve().parents[1] / "corpus" / "make_bundle_corpus.py"
PASSPHRASE = "correct horse battery staple"


def _load_corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_bundle_corpus", CORPUS_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()
with tempfile.TemporaryDirectory() as _work:
    BASE = corpus.make_base(Path(_work) / "base")
    SCENARIOS = corpus.scenarios(Path(_work) / "corpus")

NEVER_TOUCHES_PYRAGE = {"age_scrypt_log_n_23", "age_scrypt_passphrase_file"}
"""Scrypt files: refused by our header guard before pyrage sees them (logN 23 would cost 60 s and 8 GiB)."""

KNOWN_WEAKNESSES: dict[str, str] = {}
"""Scenarios the verifier is known to get wrong, as strict xfails. The first run of this corpus found 13 (CRLF and
form-feed manifests, unsorted or extra tag files, unsigned VERIFY.txt and bag-info.txt edits, a revision adding an
item file, a rolled-back revision, and five malformed-record crashes); all were fixed in evidence/bundle.py, and
those scenarios now guard the fixes."""


def _params(only: Callable[[Any], bool] = lambda s: True) -> list[Any]:
    params = []
    for s in SCENARIOS:
        if not only(s):
            continue
        reason = KNOWN_WEAKNESSES.get(s.name)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(s, id=s.name, marks=marks))
    return params


@pytest.fixture
def pyrage_calls(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Record what reaches pyrage.decrypt; fail the test at once if pyrage's scrypt decrypt is ever called."""
    calls: list[bytes] = []
    real = pyrage.decrypt

    def decrypt(data: bytes, identities: list[object]) -> bytes:
        calls.append(data)
        result: bytes = real(data, identities)
        return result

    def passphrase_decrypt(data: bytes, passphrase: str) -> bytes:
        pytest.fail("pyrage's scrypt decrypt was called on a bundle")

    monkeypatch.setattr(pyrage, "decrypt", decrypt)
    monkeypatch.setattr(pyrage.passphrase, "decrypt", passphrase_decrypt)
    return calls


# -- the corpus itself ----------------------------------------------------------------------------------------------


def test_scenarios_have_unique_names() -> None:
    names = [s.name for s in SCENARIOS]
    assert len(names) == len(set(names))
    assert set(KNOWN_WEAKNESSES) <= set(names)


def test_scenario_expectations_are_well_formed() -> None:
    checks = {"unreadable", "decrypt", "zip structure", "bagit", "payload hash", "signature", "untrusted signer"}
    checks |= {"revision", "custody", "consistency", "trust path"}
    for s in SCENARIOS:
        assert s.check in checks, s.name
        assert s.fragment, s.name
        assert s.identity in corpus.IDENTITIES
        assert s.profile in corpus.PROFILES


@pytest.mark.parametrize("which", ["one", "two"])
def test_reseal_of_an_unedited_bag_is_the_sealed_bag(which: str) -> None:
    """The forger's helper makes exactly what the app makes, so each scenario differs only where it says."""
    bag = getattr(BASE, which)
    assert corpus.reseal(bag) == bag


@pytest.mark.parametrize("which", ["one", "two"])
def test_the_bundles_the_corpus_starts_from_verify(which: str) -> None:
    ciphertext = corpus.encrypt(corpus.zip_bag(BASE.ref, getattr(BASE, which)))
    verified = bundle.open_bundle(ciphertext, [corpus.dsl().age_secret], corpus.school_profile())
    assert len(verified.revisions) == (1 if which == "one" else 2)


def test_corpus_script_writes_one_vector_per_scenario(tmp_path: Path) -> None:
    out = tmp_path / "out"
    subprocess.run([sys.executable, str(CORPUS_SCRIPT), str(out)], check=True, cwd=tmp_path, timeout=120)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # its work folder is gone
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted([f"{s.name}.zip.age" for s in SCENARIOS] + [f"{s.name}.expect" for s in SCENARIOS])
    for s in SCENARIOS:  # each vector file is enough on its own: its bytes and its .expect give the verdict
        lines = (out / f"{s.name}.expect").read_text(encoding="utf-8").splitlines()
        assert "\n".join(lines) + "\n" == s.expect_text()
        fields = dict(line.split(": ", 1) for line in lines)
        check, fragment = fields["expect"].split(": ", 1)
        identity = corpus.IDENTITIES[fields.get("identity", "dsl")]()
        profile = corpus.PROFILES[fields.get("profile", "school")]()
        if s.name in KNOWN_WEAKNESSES:
            continue  # its own test below is a strict xfail
        with pytest.raises(BundleError) as caught:
            bundle.open_bundle((out / f"{s.name}.zip.age").read_bytes(), [identity.age_secret], profile)
        assert (caught.value.check, fragment in str(caught.value)) == (check, True), (s.name, str(caught.value))


# -- open_bundle ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", _params())
def test_open_bundle_fails_at_the_expected_check(scenario: Any, pyrage_calls: list[bytes]) -> None:
    identity = corpus.IDENTITIES[scenario.identity]()
    profile = corpus.PROFILES[scenario.profile]()
    with pytest.raises(BundleError) as info:
        bundle.open_bundle(scenario.ciphertext, [identity.age_secret], profile)
    assert info.value.check == scenario.check, str(info.value)
    assert scenario.fragment in str(info.value)
    assert str(info.value).startswith(f"{scenario.check}: ")
    assert "\n" not in str(info.value)
    if scenario.name in NEVER_TOUCHES_PYRAGE:
        assert pyrage_calls == []


# -- the command line -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CliKit:
    """Identity files, their passphrase file and the profiles, made once for the module.

    Attributes:
        root: the folder holding all of them.
        passphrase_file: the passphrase of every identity file.
        identity_files: identity name (as in the corpus) → its identity file.
        profile_files: profile name → its TOML file.
        unlocked: identity file → the identity it unlocked to.
    """

    root: Path
    passphrase_file: Path
    identity_files: dict[str, Path]
    profile_files: dict[str, Path]
    unlocked: dict[Path, Identity]

    def argv(self, scenario: Any, bundle_path: Path, data_dir: Path) -> list[str]:
        """The verify command for ``scenario``: the seal alone (``--no-origin``), which is what the corpus is about
        (the corpus bundles have no origin signature; tests/evidence/test_hostile_share.py covers the origin)."""
        return [
            "--data-dir",
            str(data_dir),
            "--profile",
            str(self.profile_files[scenario.profile]),
            "verify",
            str(bundle_path),
            "--identity",
            str(self.identity_files[scenario.identity]),
            "--passphrase-file",
            str(self.passphrase_file),
            "--no-origin",
        ]


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> CliKit:
    root = tmp_path_factory.mktemp("keys")
    passphrase_file = root / "passphrase.txt"
    passphrase_file.write_text(PASSPHRASE + "\n", encoding="utf-8")
    identity_files, unlocked = {}, {}
    for name in sorted({s.identity for s in SCENARIOS}):
        path = root / f"{name}.identity.age"
        write_identity_file(corpus.IDENTITIES[name](), path, PASSPHRASE)
        unlocked[path] = unlock_identity_file(path, PASSPHRASE)  # the one real unlock of this file
        assert unlocked[path].card == corpus.IDENTITIES[name]().card
        identity_files[name] = path
    profile_files = {}
    for name in sorted({s.profile for s in SCENARIOS}):
        profile_files[name] = root / f"{name}.toml"
        profile_files[name].write_text(corpus.PROFILES[name]().to_toml(), encoding="utf-8")
    return CliKit(root, passphrase_file, identity_files, profile_files, unlocked)


@pytest.fixture
def cached_unlock(kit: CliKit, monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve the kit's identity files from the module's one real unlock (any other file is unlocked for real)."""

    def unlock(path: Path, passphrase: str) -> Identity:
        known = kit.unlocked.get(path)
        if known is not None and passphrase == PASSPHRASE:
            return known
        return unlock_identity_file(path, passphrase)

    monkeypatch.setattr(cli, "unlock_identity_file", unlock)


def _tree(*roots: Path) -> dict[str, bytes | None]:
    """Every path under ``roots`` with its bytes (None for a folder)."""
    out: dict[str, bytes | None] = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            out[str(path)] = None if path.is_dir() else path.read_bytes()
    return out


@pytest.fixture
def stage(tmp_path: Path, kit: CliKit, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Any], tuple[Path, Path]]]:
    """Put a scenario's bundle in an empty work folder (the working directory); check that nothing else changes
    there or among the identity files and profiles."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before: dict[str, bytes | None] = {}

    def put(scenario: Any) -> tuple[Path, Path]:
        path = work / f"{scenario.name}.zip.age"
        path.write_bytes(scenario.ciphertext)
        before.update(_tree(tmp_path, kit.root))
        return path, tmp_path / "data"  # the data folder is never created by verify

    yield put
    assert _tree(tmp_path, kit.root) == before


def _expect_cli_failure(scenario: Any, path: Path, code: int, out: str, err: str) -> None:
    assert code == (cli.EXIT_USAGE if scenario.check == "unreadable" else cli.EXIT_FAILED), err
    assert out == ""
    assert err.endswith("\n"), err
    assert err.count("\n") == 1, err
    assert err.startswith(f"evidence-capture: FAILED: {path}: {scenario.check}: "), err
    assert scenario.fragment in err
    assert "Traceback" not in err


@pytest.mark.parametrize("scenario", _params())
def test_cli_verify_fails_with_one_line(
    scenario: Any,
    kit: CliKit,
    cached_unlock: None,
    stage: Callable[[Any], tuple[Path, Path]],
    pyrage_calls: list[bytes],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, data_dir = stage(scenario)
    code = cli.run(kit.argv(scenario, path, data_dir))
    out, err = capsys.readouterr()
    _expect_cli_failure(scenario, path, code, out, err)
    if scenario.name in NEVER_TOUCHES_PYRAGE:
        assert pyrage_calls == []


SUBPROCESS_SCENARIOS = ["age_not_an_age_file", "signed_by_an_outsider", "custody_broken_link"]


@pytest.mark.parametrize("scenario", _params(lambda s: s.name in SUBPROCESS_SCENARIOS))
def test_cli_verify_in_a_real_process(
    scenario: Any, kit: CliKit, stage: Callable[[Any], tuple[Path, Path]], tmp_path: Path
) -> None:
    path, data_dir = stage(scenario)
    env = {**os.environ, "EVIDENCE_CAPTURE_TESTING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "app.main", *kit.argv(scenario, path, data_dir)],
        cwd=Path.cwd(),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    _expect_cli_failure(scenario, path, done.returncode, done.stdout, done.stderr)
