"""Trusted time end to end on the command line, against a real TSA on loopback.

``profile create --tsa URL --tsa-ca PEM`` puts the TSA (and its root) in the signed profile; a received item is
queued without asking; ``timestamp --pending`` fetches its token; ``seal`` carries item and revision tokens;
``verify`` prints each item's and revision's trusted time.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image
from tsa_server import TsaServer

from app import cli
from evidence.case.profile import Profile
from evidence.crypto.tsa import PUBLIC_TSAS

PASS = "a long test passphrase"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _identity(capsys: pytest.CaptureFixture[str], base: Path) -> tuple[Path, Path]:
    passfile = base / "pass.txt"
    passfile.write_text(PASS + "\n")
    data = base / "data"
    code, _, err = run(
        capsys,
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
    )
    assert code == 0, err
    return data, passfile


def _ca_file(tsa: TsaServer, base: Path) -> Path:
    pem = base / "tsa-ca.pem"
    pem.write_bytes(tsa.pki.intermediate_pem + tsa.pki.anchors_pem)  # as IT downloads them: any order
    return pem


def test_profile_create_without_tsa_lists_the_shipped_public_ones(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data, passfile = _identity(capsys, tmp_path)
    out_file = tmp_path / "profile.toml"
    code, out, err = run(
        capsys, "--data-dir", str(data), "profile", "create", "--school", "S", "--out", str(out_file),
        "--passphrase-file", str(passfile),
    )  # fmt: skip
    assert code == 0, err
    profile = Profile.load(out_file)
    shipped = [p for p in PUBLIC_TSAS if p.anchor_resource is not None]
    assert [t.url for t in profile.tsas] == [p.url for p in shipped]
    for public in PUBLIC_TSAS:
        if public.anchor_resource is None:
            assert f"not used: {public.name}" in out  # said plainly


def test_profile_create_with_tsa_and_ca(capsys, tmp_path: Path, tsa: TsaServer) -> None:  # type: ignore[no-untyped-def]
    data, passfile = _identity(capsys, tmp_path)
    out_file = tmp_path / "profile.toml"
    pem = _ca_file(tsa, tmp_path)
    code, _, err = run(
        capsys, "--data-dir", str(data), "profile", "create", "--school", "S", "--out", str(out_file),
        "--passphrase-file", str(passfile), "--tsa", tsa.url, "--tsa-ca", str(pem),
    )  # fmt: skip
    assert code == 0, err
    [entry] = Profile.load(out_file).tsas
    assert entry.url == tsa.url
    assert entry.trust.anchors_pem == tsa.config().trust.anchors_pem  # the root, embedded and root-signed
    assert entry.trust.intermediates_pem == tsa.config().trust.intermediates_pem
    # a TSA whose root is not shipped needs --tsa-ca; a --tsa-ca needs its --tsa
    for bad in (["--tsa", "http://127.0.0.1:9/tsr"], ["--tsa-ca", str(pem)], ["--tsa", tsa.url, "--tsa-ca",
                str(tmp_path / "pass.txt")]):  # fmt: skip
        code, _, err = run(
            capsys, "--data-dir", str(data), "profile", "create", "--school", "S", "--out",
            str(tmp_path / "p2.toml"), "--passphrase-file", str(passfile), *bad,
        )  # fmt: skip
        assert code == 2, err
        assert len(err.strip().splitlines()) == 1


def test_receive_queues_and_timestamp_pending_confirms(capsys, tmp_path: Path, tsa: TsaServer) -> None:  # type: ignore[no-untyped-def]
    data, passfile = _identity(capsys, tmp_path)
    pem = _ca_file(tsa, tmp_path)
    code, _, err = run(
        capsys, "--data-dir", str(data), "profile", "create", "--school", "S", "--out",
        str(tmp_path / "profile.toml"), "--passphrase-file", str(passfile), "--tsa", tsa.url, "--tsa-ca", str(pem),
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = run(capsys, "--data-dir", str(data), "incident", "new", "--title", "T")
    ref = out.strip()
    shot = tmp_path / "shot.png"
    Image.new("RGB", (40, 30), (200, 10, 10)).save(shot, "PNG")
    tsa.go_offline()
    code, out, err = run(
        capsys, "--data-dir", str(data), "receive", "--incident", ref, "--provided-by", "Parent", "--how", "e-mail",
        str(shot),
    )  # fmt: skip
    assert code == 0, err
    assert out.split() == [ref, hashlib.sha256(shot.read_bytes()).hexdigest()]
    code, out, err = run(capsys, "--data-dir", str(data), "timestamp", "--pending")
    assert code == 0, err
    assert f"waiting: {ref}/1" in out
    assert tsa.requests == 0
    tsa.go_online()
    code, out, err = run(capsys, "--data-dir", str(data), "timestamp", "--pending")
    assert code == 0, err
    assert f"{ref}/1: Time confirmed by TSA Evidence Test TSA: " in out
    assert "1 confirmed, 0 waiting" in out
    assert tsa.requests == 1


def test_seal_and_verify_print_each_trusted_time(capsys, tmp_path: Path, tsa: TsaServer) -> None:  # type: ignore[no-untyped-def]
    data, passfile = _identity(capsys, tmp_path)
    pem = _ca_file(tsa, tmp_path)
    code, _, err = run(
        capsys, "--data-dir", str(data), "profile", "create", "--school", "S", "--out",
        str(tmp_path / "profile.toml"), "--passphrase-file", str(passfile), "--tsa", tsa.url, "--tsa-ca", str(pem),
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = run(capsys, "--data-dir", str(data), "incident", "new", "--title", "T")
    ref = out.strip()
    for n, colour in enumerate(((200, 10, 10), (10, 200, 10)), start=1):
        shot = tmp_path / f"shot{n}.png"
        Image.new("RGB", (40, 30), colour).save(shot, "PNG")
        if n == 2:
            tsa.go_offline()  # item 2 stays queued; at sealing the TSA is back and it is asked once more
        code, _, err = run(
            capsys, "--data-dir", str(data), "receive", "--incident", ref, "--provided-by", "Parent", "--how",
            "e-mail", str(shot),
        )  # fmt: skip
        assert code == 0, err
        if n == 1:
            assert run(capsys, "--data-dir", str(data), "timestamp", "--pending")[0] == 0
    tsa.go_online()
    out_dir = tmp_path / "drop"
    identity = str(tmp_path / "jane.identity.age")
    code, out, err = run(
        capsys, "--data-dir", str(data), "seal", ref, "--identity", identity, "--passphrase-file", str(passfile),
        "--out", str(out_dir),
    )  # fmt: skip
    assert code == 0, err
    assert "revision 1: Time confirmed by TSA Evidence Test TSA: " in err
    assert "items without trusted time" not in err
    code, out, err = run(
        capsys, "--data-dir", str(data), "verify", out.strip(), "--identity", identity, "--passphrase-file",
        str(passfile),
    )  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    assert any(
        line.strip().startswith("revision 1: sealed by ") and "; Time confirmed by TSA " in line for line in lines
    ), out
    for n in (1, 2):
        assert any(line.strip().startswith(f"item {n}: Time confirmed by TSA Evidence Test TSA: ") for line in lines), (
            out
        )
