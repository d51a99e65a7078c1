"""Issue 10: the officer's procedure, anchored on the school root's fingerprint, with stock tools only.

The procedure is the command block of docs/guide-police.md, run exactly as written (its placeholders filled from the
pack as the guide says: folder names and the revision records). A genuine police pack passes it, and its own
VERIFY.txt lists exactly the same commands. Each forgery of the issue fails it:

(a) someone holding a reviewer's key decrypts, replaces an item, re-signs every revision with their own key under
    the real staff and reviewer principals, and rewrites ``seal/allowed_signers``, VERIFY.txt, the zip, SHA256SUMS
    (and, holding the reviewer's key, even SHA256SUMS.sig); in the strongest form they bring a whole trust path of
    their own root, and then only the fingerprint the officer confirmed out of band tells them apart;
(b) an outsider's key added under a staff principal in ``seal/allowed_signers``;
(c) a rewritten statement or report with a recomputed SHA256SUMS.

Each also fails through the app (``verify`` of the bundle, ``verify`` of the export folder): exit 1, one line naming
the check.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from bundles import ISSUED_AT, dsl, head, make_sealed, school_profile, staff
from helpers import identity, other_root, school_root

from app import cli
from evidence import bundle
from evidence.case.profile import Profile
from evidence.core.errors import BundleError
from evidence.crypto import sshsig
from evidence.crypto.keys import Identity, PublicCard, write_identity_file
from evidence.crypto.namespaces import EXPORT_NAMESPACE, ORIGIN_NAMESPACE
from evidence.police import export
from evidence.review.actions import ReviewAction, add_review

TOOLS = ("age", "unzip", "sha256sum", "ssh-keygen", "cmp", "cut")
pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(not all(shutil.which(t) for t in TOOLS), reason=f"needs {', '.join(TOOLS)}"),
]

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "guide-police.md"
CORPUS_SCRIPT = REPO / "tests" / "corpus" / "make_bundle_corpus.py"
OFFICER_REF = "CR/123/26"
PASSPHRASE = "a long test passphrase"
ROOT_FP = school_root().card.fingerprint
"""What the DSL's witness statement states: the officer's one fingerprint from outside the pack."""


def _load_corpus() -> ModuleType:
    """The bundle corpus's independent writer (``reseal`` re-signs a bag as a forger with keys would)."""
    spec = importlib.util.spec_from_file_location("make_bundle_corpus", CORPUS_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()


def outsider() -> Identity:
    return identity("Out Sider", "out@elsewhere.example")


# -- the documented procedure ----------------------------------------------------------------------------------------


def documented_procedure() -> list[str]:
    """The command block of docs/guide-police.md, between its markers, exactly as written."""
    text = GUIDE.read_text(encoding="utf-8")
    block = text.split("<!-- officer-procedure:", 1)[1].split("-->", 1)[1].split("<!-- end of the officer procedure")[0]
    return [line.strip() for line in block.splitlines() if line.strip()]


def expand(template: list[str], folder: Path) -> list[str]:
    """Fill in the guide's placeholders from the pack, as the guide tells the officer to."""
    ref = folder.name.removesuffix("-police-export")
    versions = sorted(int(p.name[1:]) for p in (folder / ref / "seal/trust").glob("v*") if p.is_dir())
    records = sorted((folder / ref / "data/revisions").glob("*.json"), key=lambda p: int(p.stem))
    revisions = []
    for path in records:
        record = json.loads(path.read_text(encoding="utf-8"))
        revisions.append((int(path.stem), record["signer"]["principal"], record["trust"]["profile_version"]))
    fixed = {"{REF}": ref, "{L}": str(max(versions)), "{EXPORTER}": revisions[-1][1]}
    out: list[str] = []
    i = 0
    while i < len(template):
        line = template[i]
        for key, value in fixed.items():
            line = line.replace(key, value)
        for placeholder, rows in (
            ("{V}", [{"{V}": str(v)} for v in versions]),
            ("{K}", [{"{K}": str(k), "{PRINCIPAL}": who, "{VK}": str(v)} for k, who, v in revisions]),
        ):
            if placeholder in line:
                group = [line]
                while i + 1 < len(template) and placeholder in template[i + 1]:
                    i += 1
                    nxt = template[i]
                    for key, value in fixed.items():
                        nxt = nxt.replace(key, value)
                    group.append(nxt)
                for row in rows:
                    for member in group:
                        for key, value in row.items():
                            member = member.replace(key, value)
                        out.append(member)
                break
        else:
            out.append(line)
        i += 1
    return [" ".join(c.split()) for c in out]


@dataclass
class Outcome:
    """What running the procedure gave."""

    failed: list[tuple[str, int, str]]
    root_printed: str

    @property
    def passed(self) -> bool:
        """Every command succeeded and the root key is the one the officer confirmed out of band."""
        return not self.failed and self.root_printed == ROOT_FP


def run_procedure(folder: Path) -> Outcome:
    """Run the guide's procedure on ``folder``; a pack the guide cannot even be applied to fails."""
    try:
        commands = expand(documented_procedure(), folder)
    except (OSError, ValueError, KeyError, TypeError) as e:
        return Outcome([("(fill in the placeholders)", 1, str(e))], "")
    cwd, failed, root = folder, [], ""
    for command in commands:
        if command.startswith("cd "):
            cwd = cwd / command[3:]
            continue
        done = subprocess.run(
            ["bash", "-c", f"set -o pipefail; {command}"], cwd=cwd, capture_output=True, text=True, check=False
        )
        if command.startswith("ssh-keygen -lf") and command.endswith("root.pub"):
            root = done.stdout.split()[1] if len(done.stdout.split()) > 1 else ""
        if done.returncode != 0:
            failed.append((command, done.returncode, (done.stdout + done.stderr)[-300:]))
    return Outcome(failed, root)


def verify_txt_commands(text: str) -> list[str]:
    """The pack's VERIFY.txt commands, continuation lines joined (without the optional pixel check)."""
    commands, current = [], ""
    for line in text.splitlines():
        if not line.startswith("     ") or line.strip().startswith("#"):
            continue
        stripped = line.strip()
        current += stripped[:-1] + " " if stripped.endswith("\\") else stripped
        if not stripped.endswith("\\"):
            commands.append(" ".join(current.split()))
            current = ""
    return [c for c in commands if not c.startswith("pngtopnm") and c != "cd .."]


# -- the genuine pack and the forgeries ------------------------------------------------------------------------------


@dataclass
class Genuine:
    ref: str
    folder: Path
    bag: dict[str, bytes]
    bundle_path: Path


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> Genuine:
    """Jane seals, the Head records "police contacted", the DSL exports: the pack an officer receives."""
    tmp = tmp_path_factory.mktemp("officer")
    profile = school_profile()
    sealed = make_sealed(tmp / "work", items=2)
    v = bundle.verify_bag(sealed.zip_bytes, profile)
    bag = add_review(v, head(), profile, ReviewAction.POLICE_CONTACTED, "Threats", {"crime_reference": OFFICER_REF})
    v = bundle.verify_bag(bundle.zip_bag(v.ref, bag), profile)
    bag = add_review(v, dsl(), profile, ReviewAction.EXPORTED, "For PC Jones", {"officer_reference": OFFICER_REF})
    zip_bytes = bundle.zip_bag(v.ref, bag)
    v = bundle.verify_bag(zip_bytes, profile)
    assert v.trust.anchored
    result = export.export_police(
        v,
        tmp / "out",
        report_pdf=b"%PDF-1.4 stand-in for the report\n",
        exported_by="Dee Sell <dsl@school.example>",
        officer_reference=OFFICER_REF,
        exported_utc="2026-11-26T09:30:00.000Z",
        signer=dsl(),
    )
    drop = tmp / "drop"
    drop.mkdir()
    bundle_path = _encrypt(drop, v.ref, zip_bytes, dsl())
    return Genuine(v.ref, result.folder, dict(v.bag), bundle_path)


def _encrypt(drop: Path, ref: str, zip_bytes: bytes, origin_by: Identity) -> Path:
    """The bundle file as it lies in a drop folder: encrypted to the reviewers, origin-signed."""
    ciphertext = bundle.encrypt_bundle(zip_bytes, school_profile())
    path = drop / f"{ref}{bundle.BUNDLE_SUFFIX}"
    path.write_bytes(ciphertext)
    (drop / f"{ref}{bundle.ORIGIN_SUFFIX}").write_bytes(bundle.origin_signature(ciphertext, origin_by))
    return path


def _copy(genuine: Genuine, tmp_path: Path) -> Path:
    folder = tmp_path / genuine.folder.name
    shutil.copytree(genuine.folder, folder)
    return folder


def _repack(
    folder: Path,
    ref: str,
    bag: Mapping[str, bytes],
    sums_by: Identity | None,
    change: Mapping[str, bytes] | None = None,
) -> None:
    """Rewrite the pack as a forger would: the zip, the unpacked bag, ``change``d files, SHA256SUMS and its
    signature (by ``sums_by``; None keeps the old signature)."""
    (folder / f"{ref}.zip").write_bytes(bundle.zip_bag(ref, bag))
    shutil.rmtree(folder / ref)
    for name, data in bag.items():
        target = folder / ref / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for name, data in (change or {}).items():
        (folder / name).write_bytes(data)
    files = {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.name not in ("SHA256SUMS", "SHA256SUMS.sig")
    }
    sums = export.sha256sums(files)
    (folder / "SHA256SUMS").write_bytes(sums)
    if sums_by is not None:
        (folder / "SHA256SUMS.sig").write_bytes(sshsig.sign(sums_by.signing_key, sums, EXPORT_NAMESPACE).encode())


def _replace_item_1(bag: Mapping[str, bytes]) -> dict[str, bytes]:
    """Item 1's picture swapped for item 2's, with its digest in the incident record and its custody entry, and
    every custody log's hash chain recomputed: consistent, though no longer signed."""
    out = {**bag, "data/items/001.png": bag["data/items/002.png"]}
    digest = hashlib.sha256(out["data/items/001.png"]).hexdigest()
    incident = json.loads(out[bundle.INCIDENT_JSON])
    incident["items"][0]["sha256"] = digest
    out[bundle.INCIDENT_JSON] = bundle.pretty_json(incident)
    prev = corpus.GENESIS
    for name in bundle.custody_files(corpus.revision_count(out)):
        log = corpus.entries(out, name)
        for entry in log:
            if entry["action"] == "captured" and entry["details"].get("item") == 1:
                entry["details"]["sha256"] = digest
        log = corpus.chain(log, start=prev)
        out[name] = corpus.jsonl(log)
        prev = log[-1]["hash"]
    return out


def _signer_json(who: Identity, *, as_: Identity) -> dict[str, str]:
    """A signer record naming ``as_``'s name, principal and role, with ``who``'s keys."""
    return {
        **corpus.signer_json(who),
        "name": as_.card.name,
        "principal": as_.card.principal,
        "role": as_.card.role.value,
    }


def _forged_item_bag(genuine: Genuine) -> dict[str, bytes]:
    """Forgery (a): item 1 replaced, every revision re-signed by the outsider under the real principals, records
    naming the outsider's key, and the outsider's key listed under every principal in ``seal/allowed_signers``."""
    bag = _replace_item_1(genuine.bag)
    real = {1: staff(), 2: head(), 3: dsl()}
    for k, person in real.items():
        bag = corpus._edit_record(bag, k, lambda r, p=person: r.update(signer=_signer_json(outsider(), as_=p)))
    key = sshsig.public_key_line(outsider().card.ssh_key)
    lines = "".join(
        f'{p.card.principal} namespaces="evidence-capture-seal-v1,{ORIGIN_NAMESPACE},{EXPORT_NAMESPACE}" {key}\n'
        for p in real.values()
    ).encode()
    verify_txt = genuine.bag[bundle.VERIFY_TXT].replace(b"seal/trust/v1/allowed_signers", b"seal/allowed_signers")
    return corpus.reseal(
        bag,
        signers=dict.fromkeys(real, outsider()),
        tags={bundle.ALLOWED_SIGNERS: lines, bundle.VERIFY_TXT: verify_txt},
    )


def _own_root_bag(genuine: Genuine) -> dict[str, bytes]:
    """Forgery (a), strongest form: a whole trust path of the forger's own root, whose profile lists the outsider's
    key as Jane, Hedda and Dee; every revision re-signed by the outsider; item 1 replaced."""
    fakes = {1: staff(), 2: head(), 3: dsl()}
    o = outsider().card
    cards = {
        k: PublicCard(p.card.name, p.card.principal, p.card.role, o.recipient, o.ssh_key) for k, p in fakes.items()
    }
    theirs = Profile(school="Example Academy", reviewers=(cards[3], cards[2]), staff=(cards[1],))
    theirs = theirs.sign(other_root(), version=1, issued_utc=ISSUED_AT)
    bag = {n: d for n, d in genuine.bag.items() if not n.startswith("seal/trust/")}
    bag.update(corpus.trust_files_of(theirs))
    bag = _replace_item_1(bag)
    for k, person in fakes.items():
        bag = corpus._edit_record(bag, k, lambda r, p=person: r.update(signer=_signer_json(outsider(), as_=p)))
        bag = corpus._edit_record(bag, k, lambda r: r["trust"].update(root_fingerprint=theirs.root_fingerprint))
        bag = corpus._retrust(bag, k)
    bag = corpus.reseal(bag, signers=dict.fromkeys(fakes, outsider()))
    records = [bundle.RevisionRecord.parse(json.loads(bag[f"data/revisions/{k}.json"])) for k in fakes]
    bag[bundle.VERIFY_TXT] = bundle.verify_txt(genuine.ref, records)  # their own, perfectly consistent, VERIFY.txt
    return corpus.retag(bag)


def _extra_line_bag(genuine: Genuine) -> dict[str, bytes]:
    """Forgery (b): an outsider's key under the staff member's principal in ``seal/allowed_signers``."""
    line = (
        f'j.smith@school.example namespaces="evidence-capture-seal-v1,{ORIGIN_NAMESPACE}" '
        f"{sshsig.public_key_line(outsider().card.ssh_key)} j.smith@school.example\n"
    ).encode()
    bag = {**genuine.bag, bundle.ALLOWED_SIGNERS: genuine.bag[bundle.ALLOWED_SIGNERS] + line}
    return corpus.retag(bag)


FORGERIES: dict[str, Callable[[Genuine], dict[str, bytes]]] = {
    "a_item_replaced_and_resigned": _forged_item_bag,
    "a_own_trust_root": _own_root_bag,
    "b_outsider_line_in_allowed_signers": _extra_line_bag,
}


# -- the stock-tool procedure ----------------------------------------------------------------------------------------


def test_the_genuine_pack_passes_the_documented_procedure(genuine: Genuine, tmp_path: Path) -> None:
    folder = _copy(genuine, tmp_path)
    template = documented_procedure()
    assert template[0] == "ssh-keygen -lf {REF}/seal/trust/root.pub"
    assert all("sha256sum -c" not in line for line in template)  # --strict everywhere
    commands = expand(template, folder)
    # the pack's own VERIFY.txt gives exactly the documented commands, filled in
    assert verify_txt_commands((folder / "VERIFY.txt").read_text(encoding="utf-8")) == commands
    outcome = run_procedure(folder)
    assert outcome.failed == []
    assert outcome.root_printed == ROOT_FP
    assert outcome.passed
    # the last line shows whose key each fingerprint is
    shown = subprocess.run(
        ["bash", "-c", "cut -d' ' -f3- seal/trust/v1/allowed_signers | ssh-keygen -lf -"],
        cwd=folder / genuine.ref,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for person in (staff(), dsl(), head()):
        assert f"{person.card.fingerprint} {person.card.principal} (ED25519)" in shown


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_each_forged_bag_fails_the_documented_procedure(genuine: Genuine, tmp_path: Path, name: str) -> None:
    folder = _copy(genuine, tmp_path)
    forged = FORGERIES[name](genuine)
    verify_txt = (folder / "VERIFY.txt").read_bytes().replace(b"seal/trust/v1/allowed_signers", b"seal/allowed_signers")
    signer = outsider() if name == "a_own_trust_root" else dsl()  # their own list names the outsider as the DSL
    _repack(folder, genuine.ref, forged, signer, {"VERIFY.txt": verify_txt})
    outcome = run_procedure(folder)
    assert not outcome.passed, name
    if name == "a_own_trust_root":
        # every command passes for the forger's own root: only the fingerprint confirmed out of band stops it
        assert outcome.failed == []
        assert outcome.root_printed == other_root().card.fingerprint != ROOT_FP
    else:
        assert outcome.failed, name
        assert outcome.root_printed == ROOT_FP


@pytest.mark.parametrize("resign", ["by_an_outsider", "old_signature_kept"])
def test_a_rewritten_statement_or_report_fails_the_documented_procedure(
    genuine: Genuine, tmp_path: Path, resign: str
) -> None:
    """Forgery (c): a re-signed statement and report with a recomputed SHA256SUMS."""
    folder = _copy(genuine, tmp_path)
    statement = (folder / "statement-draft.txt").read_bytes().replace(b"Jane Smith", b"Someone Else")
    changes = {"statement-draft.txt": statement, "report.pdf": b"%PDF-1.4 a different report\n"}
    _repack(folder, genuine.ref, genuine.bag, outsider() if resign == "by_an_outsider" else None, changes)
    outcome = run_procedure(folder)
    assert not outcome.passed
    assert [c for c, _, _ in outcome.failed] == [
        f"ssh-keygen -Y verify -f {genuine.ref}/seal/trust/v1/allowed_signers -I dsl@school.example -n "
        f"{EXPORT_NAMESPACE} -s SHA256SUMS.sig < SHA256SUMS"
    ]
    # and sha256sum --strict refuses a malformed line that plain -c would skip
    (folder / "SHA256SUMS").write_bytes((folder / "SHA256SUMS").read_bytes() + b"not a digest line\n")
    strict = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=folder, capture_output=True)
    assert strict.returncode != 0


# -- through the app -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workstation(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The DSL's data folder with the school profile installed and its root pinned; their identity file."""
    tmp = tmp_path_factory.mktemp("dsl")
    profile_file = tmp / "school-profile.toml"
    profile_file.write_text(school_profile().to_toml(), encoding="utf-8")
    ident = tmp / "dsl.identity.age"
    write_identity_file(dsl(), ident, PASSPHRASE)
    passfile = tmp / "pass.txt"
    passfile.write_text(PASSPHRASE + "\n", encoding="utf-8")
    data = tmp / "data"
    assert (
        cli.run(["--data-dir", str(data), "profile", "install", str(profile_file), "--root-fingerprint", ROOT_FP]) == 0
    )
    return data, ident, passfile


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _one_failure_line(code: int, out: str, err: str, check: str) -> None:
    assert code == cli.EXIT_FAILED, err
    assert out == ""
    assert err.count("\n") == 1, err
    assert f": {check}: " in err, err
    assert "Traceback" not in err


EXPECTED_CHECK = {
    "a_item_replaced_and_resigned": "untrusted signer",
    "a_own_trust_root": "trust path",
    "b_outsider_line_in_allowed_signers": "trust path",
}


def test_the_genuine_bundle_and_pack_verify_anchored_through_the_app(
    genuine: Genuine, workstation: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, ident, passfile = workstation
    code, out, err = _cli(
        capsys, "--data-dir", str(data), "verify", str(genuine.bundle_path), "--identity", str(ident),
        "--passphrase-file", str(passfile),
    )  # fmt: skip
    assert code == 0, err
    assert out.splitlines()[-1] == f"Signers anchored to the school root {ROOT_FP} (profile version 1)"
    folder = _copy(genuine, tmp_path)
    code, out, err = _cli(
        capsys, "--data-dir", str(tmp_path / "none"), "verify", str(folder), "--root-fingerprint", ROOT_FP
    )
    assert code == 0, err
    assert out.startswith(f"Verified police export: {genuine.ref}")


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_each_forged_bundle_fails_through_the_app(
    genuine: Genuine,
    workstation: tuple[Path, Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
) -> None:
    data, ident, passfile = workstation
    forged = FORGERIES[name](genuine)
    path = _encrypt(tmp_path, genuine.ref, bundle.zip_bag(genuine.ref, forged), dsl())  # origin by the DSL's key
    code, out, err = _cli(
        capsys,
        "--data-dir",
        str(data),
        "verify",
        str(path),
        "--identity",
        str(ident),
        "--passphrase-file",
        str(passfile),
    )
    _one_failure_line(code, out, err, EXPECTED_CHECK[name])
    # someone without a workstation, given the fingerprint, gets the same verdict
    code, out, err = _cli(
        capsys, "--data-dir", str(tmp_path / "none"), "verify", str(path), "--identity", str(ident),
        "--passphrase-file", str(passfile), "--root-fingerprint", ROOT_FP,
    )  # fmt: skip
    _one_failure_line(code, out, err, EXPECTED_CHECK[name])
    # and the forged pack fails `verify FOLDER`
    folder = _copy(genuine, tmp_path)
    _repack(folder, genuine.ref, forged, outsider() if name == "a_own_trust_root" else dsl())
    code, out, err = _cli(capsys, "--data-dir", str(data), "verify", str(folder))
    _one_failure_line(code, out, err, EXPECTED_CHECK[name])


def test_a_rewritten_statement_fails_through_the_app(
    genuine: Genuine, workstation: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, _, _ = workstation
    folder = _copy(genuine, tmp_path)
    statement = (folder / "statement-draft.txt").read_bytes().replace(b"Jane Smith", b"Someone Else")
    _repack(folder, genuine.ref, genuine.bag, outsider(), {"statement-draft.txt": statement})
    code, out, err = _cli(capsys, "--data-dir", str(data), "verify", str(folder))
    _one_failure_line(code, out, err, "export signature")
    # without a new signature, the recomputed SHA256SUMS no longer matches the reviewer's
    _repack(folder, genuine.ref, genuine.bag, None, {"statement-draft.txt": statement})
    (folder / "SHA256SUMS.sig").write_bytes((genuine.folder / "SHA256SUMS.sig").read_bytes())
    code, out, err = _cli(capsys, "--data-dir", str(data), "verify", str(folder))
    _one_failure_line(code, out, err, "export signature")
    # an unchanged pack with a file changed after SHA256SUMS was signed fails on that file
    folder = _copy(genuine, tmp_path / "again")
    (folder / "report.pdf").write_bytes(b"%PDF-1.4 swapped after signing\n")
    code, out, err = _cli(capsys, "--data-dir", str(data), "verify", str(folder))
    _one_failure_line(code, out, err, "export files")


def test_the_strongest_forgery_is_told_apart_only_by_the_root(genuine: Genuine) -> None:
    """The forger's own root makes a bag that verifies against itself: only the anchor refuses it."""
    forged = bundle.zip_bag(genuine.ref, _own_root_bag(genuine))
    theirs = bundle.verify_bag(forged, None, root_fingerprint=other_root().card.fingerprint)
    assert theirs.trust.anchored  # anchored, but to the wrong root
    with pytest.raises(BundleError) as e:
        bundle.verify_bag(forged, school_profile())
    assert (e.value.check, e.value.member) == ("trust path", "seal/trust/root.pub")
