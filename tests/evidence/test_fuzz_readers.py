"""Fuzzing every reader of untrusted input with mutations of real files: only our own errors may escape.

Issue "Benchmarks and adversarial suites" (adversarial part). Each target gets mutations of a real input (a
school profile, a public card, an identity's plaintext, an encrypted identity file, a sealed bundle's zip) and
must either accept it or raise its documented :class:`~evidence.core.errors.EvidenceError` subclass, whose message is
one line. Nothing may be written anywhere: every call runs under an audit-hook watch on file writes, in an empty
working directory and an empty temporary directory that must stay empty.

Sizes: about 200 examples per target in ``make test`` (derandomized, so CI is stable); ``EC_STRESS=1`` runs about
100,000 in total with fresh randomness. Real scrypt costs over a second per call, so the identity-file target
lowers the file's work factor before mutating it (real pyrage, real scrypt, a cheaper file), and only a handful of
examples keep the real work factor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from bundles import bag_of, make_sealed, school_profile, staff
from faults import STRESS, nothing_written
from helpers import identity
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from evidence import bundle
from evidence.bundle import safezip
from evidence.case.profile import Profile
from evidence.core import canonical
from evidence.core.errors import (
    AgeFormatError,
    BundleError,
    DecryptionError,
    EvidenceError,
    IdentityError,
    ProfileError,
)
from evidence.crypto import ageio
from evidence.crypto.keys import Identity, PublicCard

T = TypeVar("T")

settings.register_profile(
    "ec-fuzz",
    max_examples=200,
    deadline=dt.timedelta(seconds=5),
    database=None,  # the example database would write .hypothesis/ into the working directory
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "ec-fuzz-stress", parent=settings.get_profile("ec-fuzz"), max_examples=16_500, derandomize=False
)
FUZZ = settings.get_profile("ec-fuzz-stress" if STRESS else "ec-fuzz")
SCRYPT = settings(FUZZ, max_examples=100 if STRESS else 3)
"""For the identity file at its real work factor: each example runs real scrypt (about 1.4 s)."""

PASSPHRASE = "a long test passphrase"


# -- where nothing may be written ----------------------------------------------------------------------------------


@pytest.fixture
def quiet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """An empty working directory and an empty temporary directory, watched around every call."""
    cwd, tmp = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    tmp.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return cwd, tmp


def only(
    errors: type[EvidenceError] | tuple[type[EvidenceError], ...], dirs: tuple[Path, Path], call: Callable[[], T]
) -> T | None:
    """Run ``call`` under the write watch; return its result, or None if it raised one of ``errors``.

    Anything else escaping (another exception type, a second line in the message, a write) fails the example.
    """
    with nothing_written(*dirs):
        try:
            return call()
        except errors as e:
            message = str(e)
    assert message, f"not a one-line message: {message!r}"
    assert "\n" not in message, f"not a one-line message: {message!r}"
    return None


def test_the_watch_sees_writes(quiet: tuple[Path, Path]) -> None:
    with pytest.raises(AssertionError, match="the reader wrote"):
        only(EvidenceError, quiet, lambda: Path("x").write_bytes(b"x"))


# -- mutations -------------------------------------------------------------------------------------------------------

_TEXT_CHARS = "\"'[]{}=:,.#\\\n\r\t -_+/@0123456789azAZé\x00\x7f\u2028\ufeff"


@st.composite
def mutated_text(draw: st.DrawFn, base: str) -> str:
    """``base`` with 1 to 4 edits: characters deleted, inserted or replaced, lines dropped, doubled or swapped."""
    out = base
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(out)))
        kind = draw(st.sampled_from(["delete", "insert", "replace", "truncate", "drop-line", "dup-line", "swap"]))
        lines = out.split("\n")
        line = draw(st.integers(0, len(lines) - 1))
        if kind == "delete":
            out = out[:where] + out[where + draw(st.integers(1, 8)) :]
        elif kind == "insert":
            out = out[:where] + draw(st.text(alphabet=_TEXT_CHARS, min_size=1, max_size=6)) + out[where:]
        elif kind == "replace":
            out = out[:where] + draw(st.characters(codec="utf-8")) + out[where + 1 :]
        elif kind == "truncate":
            out = out[:where]
        elif kind == "drop-line":
            out = "\n".join(lines[:line] + lines[line + 1 :])
        elif kind == "dup-line":
            out = "\n".join(lines[: line + 1] + lines[line:])
        else:
            other = draw(st.integers(0, len(lines) - 1))
            lines[line], lines[other] = lines[other], lines[line]
            out = "\n".join(lines)
    return out


@st.composite
def mutated_bytes(draw: st.DrawFn, base: bytes, hot: tuple[int, int] | None = None) -> bytes:
    """``base`` with 1 to 4 byte edits, half of them (where given) inside the ``hot`` range."""
    out = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        lo, hi = hot if hot is not None and draw(st.booleans()) else (0, len(out))
        where = draw(st.integers(min(lo, len(out)), max(min(lo, len(out)), min(hi, len(out)) - 1)))
        kind = draw(st.sampled_from(["flip", "byte", "insert", "delete", "truncate", "duplicate"]))
        if kind == "flip" and where < len(out):
            out[where] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte" and where < len(out):
            out[where] = draw(st.integers(0, 255))
        elif kind == "insert":
            out[where:where] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del out[where : where + draw(st.integers(1, 16))]
        elif kind == "truncate":
            del out[where:]
        else:
            out[where:where] = out[where : where + draw(st.integers(1, 64))]
    return bytes(out)


def json_values() -> st.SearchStrategy[Any]:
    """Small JSON values of every type but floats (canonical JSON has none)."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.sampled_from(["", "0", "data/items/001.png", "EC-20261125-ABCDEF", "2026-11-25T12:00:00.000Z", "\n"]),
        st.text(max_size=12),
    )
    return st.recursive(
        leaves,
        lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
        max_leaves=6,
    )


@st.composite
def mutated_json(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with one node (or one key of an object) replaced, removed or added."""
    if isinstance(value, dict) and value and draw(st.integers(0, 3)):
        key = draw(st.sampled_from(sorted(value)))
        kind = draw(st.sampled_from(["descend", "descend", "remove", "add"]))
        if kind == "remove":
            return {k: v for k, v in value.items() if k != key}
        if kind == "add":
            return {**value, draw(st.text(max_size=8)): draw(json_values())}
        return {**value, key: draw(mutated_json(value[key]))}
    if isinstance(value, list) and value and draw(st.integers(0, 3)):
        index = draw(st.integers(0, len(value) - 1))
        kind = draw(st.sampled_from(["descend", "descend", "remove", "duplicate"]))
        if kind == "remove":
            return value[:index] + value[index + 1 :]
        if kind == "duplicate":
            return value[: index + 1] + value[index:]
        return [*value[:index], draw(mutated_json(value[index])), *value[index + 1 :]]
    return draw(json_values())


# -- text readers ----------------------------------------------------------------------------------------------------

PROFILE_TEXT = school_profile().to_toml()
CARD_TEXT = staff().card.to_text()
IDENTITY_TEXT = staff().to_text()


def test_fuzz_profile_parse(quiet: tuple[Path, Path]) -> None:
    @FUZZ
    @given(st.one_of(mutated_text(PROFILE_TEXT), st.text(max_size=300)))
    def run(text: str) -> None:
        profile = only(ProfileError, quiet, lambda: Profile.parse(text, source="fuzz.toml"))
        if profile is not None:  # what we accept, we write back the same way
            assert Profile.parse(profile.to_toml()).to_toml() == profile.to_toml()

    run()


def test_fuzz_public_card_parse(quiet: tuple[Path, Path]) -> None:
    @FUZZ
    @given(st.one_of(mutated_text(CARD_TEXT), st.text(max_size=300)))
    def run(text: str) -> None:
        card = only(IdentityError, quiet, lambda: PublicCard.parse(text, source="fuzz.card"))
        if card is not None:
            assert PublicCard.parse(card.to_text()) == card

    run()


def test_fuzz_identity_parse_text(quiet: tuple[Path, Path]) -> None:
    @FUZZ
    @given(st.one_of(mutated_text(IDENTITY_TEXT), st.text(max_size=300)))
    def run(text: str) -> None:
        parsed = only(IdentityError, quiet, lambda: Identity.parse_text(text, source="fuzz.identity"))
        if parsed is not None:  # the secret decides everything else
            assert parsed.card.recipient == Identity.parse_text(parsed.to_text()).card.recipient

    run()


# -- the encrypted identity file -------------------------------------------------------------------------------------

_FILE_CACHE: dict[str, bytes] = {}


def identity_file() -> bytes:
    """A real identity file (scrypt at the work factor pyrage picks), made once."""
    if "file" not in _FILE_CACHE:
        _FILE_CACHE["file"] = ageio.encrypt_with_passphrase(IDENTITY_TEXT.encode(), PASSPHRASE)
    return _FILE_CACHE["file"]


def scrypt_log_n(data: bytes) -> int | None:
    """The work factor pyrage would run for ``data``, or None if our header parser refuses it first."""
    try:
        stanzas = ageio.parse_header(data).stanzas
    except AgeFormatError:
        return None
    if [s.type for s in stanzas] != ["scrypt"]:
        return None
    return int(stanzas[0].args[1])


def with_log_n(data: bytes, log_n: int) -> bytes:
    """The file with its scrypt stanza's work factor replaced (its MAC no longer matches: a damaged file)."""
    real = scrypt_log_n(data)
    assert real is not None
    head, _, rest = data.partition(f" {real}\n".encode())
    return head + f" {log_n}\n".encode() + rest


def _decrypt_identity(data: bytes, quiet: tuple[Path, Path]) -> None:
    plaintext = only((AgeFormatError, DecryptionError), quiet, lambda: ageio.decrypt_with_passphrase(data, PASSPHRASE))
    assert plaintext is None or plaintext == IDENTITY_TEXT.encode()


def test_fuzz_identity_file_cheap_work_factor(quiet: tuple[Path, Path]) -> None:
    """Header and payload mutations of a real identity file whose work factor was lowered first (so cheap)."""
    real = identity_file()
    header_end = ageio.parse_header(real).payload_offset

    @st.composite
    def cheap(draw: st.DrawFn) -> bytes:
        data = with_log_n(real, draw(st.integers(1, 12)))
        return draw(mutated_bytes(data, (0, header_end + 32)))

    @FUZZ
    @given(cheap())
    def run(data: bytes) -> None:
        assume((scrypt_log_n(data) or 0) <= 14)  # a mutated digit can raise it: keep every example cheap
        _decrypt_identity(data, quiet)

    run()


def test_fuzz_identity_file_real_work_factor(quiet: tuple[Path, Path]) -> None:
    """A few mutations of the real file, scrypt at full cost, with the right passphrase (so the payload is read)."""
    real = identity_file()
    log_n = scrypt_log_n(real)

    @SCRYPT
    @given(mutated_bytes(real, (ageio.parse_header(real).payload_offset, len(real))))
    def run(data: bytes) -> None:
        assume((scrypt_log_n(data) or 0) <= (log_n or 0))  # two edited digits could make it 2^22: 11 s
        _decrypt_identity(data, quiet)

    run()


# -- the sealed bundle's zip -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sealed_zip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_sealed(tmp_path_factory.mktemp("fuzz-sealed"), items=2, exclude=True).zip_bytes


def _end_of_data(zip_bytes: bytes) -> int:
    """Where the central directory starts (the structural tail of the zip)."""
    return int.from_bytes(zip_bytes[-6:-2], "little")


def test_fuzz_safezip_read_zip(quiet: tuple[Path, Path], sealed_zip: bytes) -> None:
    @FUZZ
    @given(st.one_of(mutated_bytes(sealed_zip, (_end_of_data(sealed_zip), len(sealed_zip))), mutated_bytes(sealed_zip)))
    def run(data: bytes) -> None:
        members = only(BundleError, quiet, lambda: safezip.read_zip(data))
        if members is not None:  # only the one canonical encoding reads without error
            out = io.BytesIO()
            safezip.write_zip(members.items(), out)
            assert out.getvalue() == data

    run()


def resign(bag: dict[str, bytes], original: dict[str, bytes], signer: Identity | None = None) -> bytes:
    """Seal ``bag``'s payload again as its signer would: new manifests, a valid signature (by default Jane's, a
    trusted staff signer), tag files rebuilt from the original revision record. So the damage reaches the checks
    after the signature: custody and consistency."""
    record = bundle.RevisionRecord.parse(json.loads(original["data/revisions/1.json"]))
    incident = json.loads(original[bundle.INCIDENT_JSON])
    payload = {n: d for n, d in bag.items() if n.startswith("data/")}
    tags = bundle.finish_revision(
        incident["ref"],
        incident["school"],
        payload,
        _trust_files(original),
        [record],
        signer or staff(),
        record.time_utc,
    )
    return bundle.zip_bag(incident["ref"], tags)


def rehash_custody(lines: list[dict[str, Any]]) -> bytes:
    """A custody log whose hashes and links are right again for whatever the entries now say."""
    prev = "0" * 64
    out = b""
    for entry in lines:
        if isinstance(entry, dict):
            entry = {**{k: v for k, v in entry.items() if k != "hash"}, "prev_hash": prev}
            entry["hash"] = prev = hashlib.sha256(canonical.dumps(entry)).hexdigest()
        out += canonical.dumps(entry) + b"\n"
    return out


@st.composite
def damaged_bag(draw: st.DrawFn, zip_bytes: bytes) -> tuple[bytes, bool]:
    """A damaged bundle zip, and whether it was validly signed again after the damage."""
    original = bag_of(zip_bytes)
    ref = json.loads(original[bundle.INCIDENT_JSON])["ref"]
    mode = draw(st.sampled_from(["bytes", "member", "json", "custody"]))
    if mode == "bytes":
        return draw(mutated_bytes(zip_bytes, (_end_of_data(zip_bytes), len(zip_bytes)))), False
    bag = dict(original)
    if mode == "member":
        name = draw(st.sampled_from(sorted(bag)))
        kind = draw(st.sampled_from(["edit", "remove", "add", "copy"]))
        if kind == "edit":
            bag[name] = draw(mutated_bytes(bag[name]))
        elif kind == "remove":
            del bag[name]
        elif kind == "add":
            new = draw(st.sampled_from(["data/items/009.png", "data/x.txt", "data/revisions/2.json", "seal/x", "y"]))
            bag[new] = draw(st.binary(max_size=32))
        else:
            bag[name] = bag[draw(st.sampled_from(sorted(bag)))]
    elif mode == "json":
        name = draw(st.sampled_from([bundle.INCIDENT_JSON, "data/revisions/1.json", "data/items/001.context.json"]))
        bag[name] = bundle.pretty_json(draw(mutated_json(json.loads(bag[name]))))
    else:
        entries = [json.loads(line) for line in bag[bundle.CUSTODY_JSONL].splitlines()]
        entries = draw(mutated_json(entries))
        bag[bundle.CUSTODY_JSONL] = rehash_custody(entries if isinstance(entries, list) else [entries])
        record = json.loads(bag["data/revisions/1.json"])
        last = json.loads(bag[bundle.CUSTODY_JSONL].splitlines()[-1]) if bag[bundle.CUSTODY_JSONL] else {}
        record["custody_head"] = last.get("hash") if isinstance(last, dict) else None
        bag["data/revisions/1.json"] = bundle.pretty_json(record)
    resigned = mode != "member" or draw(st.booleans())
    if resigned:
        return resign(bag, original), True
    return bundle.zip_bag(ref, {n: bag[n] for n in sorted(bag)}), False


def test_fuzz_verify_bag(quiet: tuple[Path, Path], sealed_zip: bytes) -> None:
    profile = school_profile()

    @FUZZ
    @given(damaged_bag(sealed_zip))
    def run(damaged: tuple[bytes, bool]) -> None:
        data, resigned = damaged
        verified = only(BundleError, quiet, lambda: bundle.verify_bag(data, profile))
        if verified is not None and not resigned:  # without a new signature, every change is caught
            assert data == sealed_zip

    run()


def test_a_deeply_nested_profile_is_a_profile_error(quiet: tuple[Path, Path]) -> None:
    """tomllib recurses once per nesting level and hits Python's recursion limit: still a ProfileError."""
    with pytest.raises(ProfileError, match="not valid TOML"):
        only((), quiet, lambda: Profile.parse("x = " + "[" * 5000 + "]" * 5000, source="deep.toml"))


def test_deeply_nested_json_in_a_bundle_is_a_bundle_error(quiet: tuple[Path, Path], sealed_zip: bytes) -> None:
    """Anyone can sign their own manifest and encrypt to a reviewer: a revision record nested 100,000 deep reaches
    json.loads (before the signer's trust is checked) and must fail as a BundleError, not a RecursionError."""
    original = bag_of(sealed_zip)
    bag = {**original, "data/revisions/1.json": b"[" * 100_000 + b"]" * 100_000}
    data = resign(bag, original, identity("Out Sider", "out@elsewhere.example"))
    with pytest.raises(BundleError) as info:
        only((), quiet, lambda: bundle.verify_bag(data, school_profile()))
    assert info.value.check == "consistency"


def _trust_files(bag: dict[str, bytes]) -> dict[str, bytes]:
    """The bag's trust path (``seal/trust/``), which a re-signed revision keeps."""
    return {n: d for n, d in bag.items() if n.startswith("seal/trust/")}
