"""The school trust root on the command line: ``school init``, ``profile create`` and ``profile install``.

``school init`` makes the school's root identity (role ``root``, principal ``school-root``), kept by the head of IT
or the DSL on an offline machine and never in a data folder; its fingerprint is the one value every check starts
from, so it is printed alone on the last line. ``profile create --root`` signs the school profile with it;
without ``--reviewer`` and ``--root`` it makes a standalone profile signed by the user's own key, installed and
pinned at once (the README's walk-through). ``profile install`` checks a profile against the fingerprint IT gave,
then installs it and pins that root (see :mod:`app.workspace`).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from app import timestamping
from app.workspace import Workspace, check_fingerprint
from evidence.case.profile import Profile, StaffSigner
from evidence.case.retention import DEFAULT_POLICY
from evidence.core.errors import ProfileError, UsageError
from evidence.core.fsutil import atomic_write
from evidence.core.text import clean_line
from evidence.core.timefmt import utc_now
from evidence.crypto.keys import (
    ROOT_PRINCIPAL,
    Identity,
    PublicCard,
    Role,
    card_path_for,
    unlock_identity_file,
    write_identity_file,
)

EXIT_OK = 0


def add_parser(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``school init``, ``profile create`` and ``profile install`` to the command line."""
    school = verbs.add_parser("school", help="create the school's trust root").add_subparsers(dest="action")
    init = school.add_parser("init", help="create the school root identity (keep it offline); prints its fingerprint")
    init.add_argument("--school", required=True)
    init.add_argument("--out", required=True, help="the root identity file to write (ROOT.identity.age)")
    init.add_argument("--passphrase-file", help="read the passphrase from this file ('-' for stdin)")

    prof = verbs.add_parser("profile", help="create or install a school profile").add_subparsers(dest="action")
    create = prof.add_parser(
        "create", help="write a school profile signed by the school root (standalone, signed by you, if no --reviewer)"
    )
    create.add_argument("--school", required=True)
    create.add_argument("--reviewer", nargs="+", default=[], metavar="CARD_FILE", help="the reviewers' public cards")
    create.add_argument("--staff", nargs="+", default=[], metavar="CARD_FILE", help="staff allowed to seal")
    create.add_argument("--root", help="the school root identity file that signs it (made by 'school init')")
    create.add_argument("--identity", help="standalone: your identity file (default: this data folder's)")
    create.add_argument("--passphrase-file", help="the passphrase of --root (or, standalone, of your identity)")
    create.add_argument("--version", type=int, help="the profile's version (default 1; one more for a re-signing)")
    create.add_argument("--drop-folder", default="")
    create.add_argument("--idle-lock-minutes", type=int, default=5)
    create.add_argument("--out", required=True)
    timestamping.add_profile_arguments(create)
    install = prof.add_parser("install", help="check a signed profile against the root fingerprint, and install it")
    install.add_argument("file")
    install.add_argument("--root-fingerprint", required=True, help="the SHA256:… fingerprint IT gave you")
    install.add_argument("--replace-root", action="store_true", help="trust this root instead of the pinned one")


def _shown(path: Path) -> str:
    """A path as the terminal shows it: no control or bidi character (see :func:`app.cli.bundle_failed`)."""
    return clean_line(path, limit=2000)


def _passphrase(source: str | None, prompt: str) -> str:
    from app.cli import read_passphrase  # the one passphrase reader of the command line

    return read_passphrase(source, prompt=prompt)


def cmd_school_init(ws: Workspace, a: argparse.Namespace) -> int:
    """Create the root identity and its card; print the fingerprint last, alone on its line."""
    out = Path(a.out)
    card_path = card_path_for(out)
    for path in (out, card_path):
        if path.exists() or path.is_symlink():
            raise UsageError(f"{path}: already exists; refusing to overwrite")
    passphrase = _passphrase(a.passphrase_file, "New passphrase for the school root: ")
    if a.passphrase_file is None and sys.stdin.isatty() and getpass.getpass("Repeat passphrase: ") != passphrase:
        raise UsageError("the two passphrases differ")
    root = Identity.generate(f"{a.school.strip()} school root", ROOT_PRINCIPAL, Role.ROOT, utc_now())
    write_identity_file(root, out, passphrase)
    atomic_write(card_path, root.card.to_text().encode("utf-8"), mode=0o644)
    print(f"root identity: {_shown(out)} (keep it offline; it signs the school profile and nothing else)")
    print(f"card: {_shown(card_path)}")
    print(f"school root of {clean_line(a.school)}; confirm this fingerprint out of band and record it:")
    print(root.card.fingerprint)
    return EXIT_OK


def _cards(files: list[str], role: Role, flag: str) -> tuple[PublicCard, ...]:
    cards = tuple(PublicCard.load(Path(f)) for f in files)
    for path, card in zip(files, cards, strict=True):
        if card.role is not role:
            raise UsageError(f"{path}: {flag} takes a {role.value}'s card; this card's role is {card.role.value}")
    return cards


def _existing_version(out: Path, root_fingerprint: str | None) -> int | None:
    """The version of the signed profile at ``out`` by the same root, if there is one."""
    if not out.exists():
        return None
    try:
        existing = Profile.load(out)
    except ProfileError:
        return None
    return existing.version if existing.root_fingerprint == root_fingerprint else None


def cmd_profile_create(ws: Workspace, a: argparse.Namespace) -> int:
    """Write a signed school profile (``--root``), or a standalone one signed by the user and installed here."""
    out = Path(a.out)
    if a.reviewer and not a.root:
        raise UsageError(
            "a school profile must be signed by the school root: add --root ROOT.identity.age (made by "
            "'evidence-capture school init')"
        )
    if a.version is not None and a.version < 1:
        raise UsageError("--version must be 1 or more")
    staff: tuple[StaffSigner, ...] = _cards(a.staff, Role.STAFF, "--staff")
    a.tsas = timestamping.profile_tsas(a)
    if a.root:
        return _create_school_profile(a, out, staff)
    return _create_standalone(ws, a, out, staff)


def _create_school_profile(a: argparse.Namespace, out: Path, staff: tuple[StaffSigner, ...]) -> int:
    reviewers = _cards(a.reviewer, Role.REVIEWER, "--reviewer")
    if not reviewers:
        raise UsageError("a school profile names at least one --reviewer card (two or more are wiser)")
    root = unlock_identity_file(Path(a.root), _passphrase(a.passphrase_file, "Passphrase of the school root: "))
    if root.card.role is not Role.ROOT:
        raise UsageError(
            f"{a.root}: not a school root identity (role {root.card.role.value}); make one with school init"
        )
    existing = _existing_version(out, root.card.fingerprint)
    version = a.version if a.version is not None else (existing + 1 if existing is not None else 1)
    if existing is not None and version <= existing:
        raise UsageError(f"{out}: already holds version {existing} of this root's profile; sign this one as "
                         f"--version {existing + 1} or more")  # fmt: skip
    profile = Profile(
        school=a.school,
        reviewers=reviewers,
        staff=staff,
        drop_folder=a.drop_folder,
        idle_lock_minutes=a.idle_lock_minutes,
        tsas=a.tsas,
        retention=DEFAULT_POLICY,  # the school confirms or edits these rules before signing (see the guide)
    ).sign(root, version=version, issued_utc=utc_now())
    atomic_write(out, profile.to_toml().encode("utf-8"), mode=0o644)
    print(f"profile: {_shown(out)}")
    print(f"version {version} of {clean_line(a.school)}, signed by the school root {root.card.fingerprint}")
    print(f"install it on each workstation with: evidence-capture profile install {_shown(out)} "
          f"--root-fingerprint {root.card.fingerprint}")  # fmt: skip
    return EXIT_OK


def _create_standalone(ws: Workspace, a: argparse.Namespace, out: Path, staff: tuple[StaffSigner, ...]) -> int:
    owner = ws.own_card()
    pinned = ws.pinned_root()
    if pinned is not None and pinned != owner.fingerprint:
        raise UsageError(
            f"{ws.paths.data_dir}: trusts the school root {pinned}; a standalone profile would replace your school's "
            "(install school profiles with 'profile install')"
        )
    identity_path = Path(a.identity) if a.identity else ws.identity_file()
    if identity_path is None:
        raise UsageError("a standalone profile is signed with your identity: give --identity FILE")
    me = unlock_identity_file(identity_path, _passphrase(a.passphrase_file, "Your passphrase: "))
    if not me.card.same_keys(owner):
        raise UsageError(f"{identity_path}: is not this data folder's own identity ({owner.principal})")
    installed = ws.installed_profile()
    existing = installed.version if installed is not None and installed.root_fingerprint == owner.fingerprint else None
    version = a.version if a.version is not None else (existing + 1 if existing is not None else 1)
    base = Profile.standalone_for(me.card, a.school)
    profile = Profile(
        school=a.school,
        reviewers=base.reviewers,
        staff=base.staff + tuple(s for s in staff if s not in base.staff),
        drop_folder=a.drop_folder,
        idle_lock_minutes=a.idle_lock_minutes,
        standalone=True,
        tsas=a.tsas,
        retention=DEFAULT_POLICY,
    ).sign(me, version=version, issued_utc=utc_now())
    accepted = ws.install_signed(profile, owner.fingerprint, source=str(out))
    if out.resolve() != ws.paths.profile.resolve():
        atomic_write(out, accepted.to_toml().encode("utf-8"), mode=0o644)
    print(f"profile: {_shown(out)}")
    print(
        f"installed as this data folder's profile: {_shown(ws.paths.profile)} (standalone, version {version}, "
        f"signed by your own key {owner.fingerprint})"
    )
    return EXIT_OK


def cmd_profile_install(ws: Workspace, a: argparse.Namespace) -> int:
    """Check a signed profile against the fingerprint IT gave, install it and pin its root."""
    path = Path(a.file)
    fingerprint = check_fingerprint(a.root_fingerprint)
    profile = Profile.load(path)
    before = ws.pinned_root()
    accepted = ws.install_signed(profile, fingerprint, source=str(path), replace_root=a.replace_root)
    print(f"installed: {clean_line(accepted.school)}, profile version {accepted.version}")
    for card in accepted.reviewers:
        print(f"  reviewer: {clean_line(card.name)} <{card.principal}> {card.fingerprint}")
    print(f"  staff signers: {len(accepted.staff)}")
    print(f"school root: {fingerprint} (matches the fingerprint you gave)")
    if before is not None and before != fingerprint:
        print(f"replaced the pinned school root {before}", file=sys.stderr)
    return EXIT_OK


def profile_for(ws: Workspace, anchor: str | None) -> Profile | None:
    """The profile to verify with: the workstation's; with ``--root-fingerprint``, None where this data folder has
    no identity and no profile (someone without a workstation, who anchors to the fingerprint alone)."""
    if anchor is None:
        return ws.profile()
    try:
        return ws.profile()
    except UsageError:
        return None


def verify_export_folder(ws: Workspace, folder: Path, anchor: str | None) -> int:
    """``verify REF-police-export/``: the pack's signed list of files, every file, and the bag it carries."""
    from evidence.core.errors import BundleError
    from evidence.police.export import verify_export

    anchor = anchor or ws.pinned_root()
    if anchor is None:
        raise UsageError(f"{folder}: checking a police export needs the school root: give --root-fingerprint SHA256:…")
    from app.cli import bundle_failed  # the one format of a failed check on the command line

    try:
        checked = verify_export(folder, profile_for(ws, anchor), root_fingerprint=anchor)
    except BundleError as e:
        return bundle_failed(folder, e)
    print(f"Verified police export: {checked.verified.ref}, {len(checked.files)} files as listed in SHA256SUMS,")
    print(f"  the list signed by {clean_line(checked.exporter)} ({checked.exporter_fingerprint})")
    print(clean_line(checked.verified.summary(), limit=1000))
    print(clean_line(checked.verified.trust.line(), limit=1000))
    return EXIT_OK


COMMANDS: dict[tuple[str, str | None], Callable[[Workspace, argparse.Namespace], int]] = {
    ("school", "init"): cmd_school_init,
    ("profile", "create"): cmd_profile_create,
    ("profile", "install"): cmd_profile_install,
}
