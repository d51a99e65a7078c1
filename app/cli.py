"""The command line: ``evidence-capture [--data-dir DIR] [--profile FILE] VERB ...``.

Exit codes: 0 success; 1 a check failed (``verify``) or an operation failed; 2 unreadable input or a usage
error. Every error is one line on stderr naming the file and the check. Passphrases come from
``--passphrase-file`` (``-`` for stdin), a prompt on a terminal, or stdin, never from argv.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

import evidence
from app import casework_cli, exports, installation, lifecycle_cli, timestamping, trustroot
from app.paths import Paths
from app.workspace import Workspace, check_fingerprint
from evidence.bundle import seal as sealing
from evidence.capture import screen as capture_mod
from evidence.capture.received import receive_file
from evidence.case.incident import Category, IncidentDetails, check_ref
from evidence.core.errors import (
    AgeFormatError,
    BundleError,
    EvidenceError,
    IdentityError,
    ProfileError,
    UnsafeFileError,
    UsageError,
    WrongPassphraseError,
)
from evidence.core.safefile import open_regular, read_regular
from evidence.core.text import clean_line, clean_text
from evidence.crypto.keys import (
    MAX_IDENTITY_FILE_BYTES,
    PERSON_ROLES,
    Identity,
    PublicCard,
    Role,
    card_path_for,
    unlock_identity_file,
)
from evidence.review import actions as review
from evidence.review.actions import LIFECYCLE_ACTIONS, ReviewAction
from evidence.review.inbox import INDEX_FILE_NAME, InboxIndex, SeenCheck
from evidence.vault.store import DeliveryState

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so usage errors become one line and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """The whole command-line grammar."""
    p = _Parser(prog="evidence-capture", description="Capture, seal and verify on-screen evidence.")
    p.add_argument("--data-dir", help="use this data folder instead of the per-user default")
    p.add_argument("--profile", help="use this school profile instead of the data folder's")
    p.add_argument("--version", action="version", version=f"%(prog)s {evidence.__version__}")
    verbs = p.add_subparsers(dest="verb", parser_class=_Parser)

    ident = verbs.add_parser("identity", help="create or show an identity").add_subparsers(dest="action")
    create = ident.add_parser("create", help="create a new identity file and its public card")
    create.add_argument("--name", required=True)
    create.add_argument("--principal", required=True, help="your school e-mail address")
    create.add_argument("--role", required=True, choices=[r.value for r in PERSON_ROLES])
    create.add_argument("--out", required=True, help="the identity file to write (NAME.identity.age)")
    create.add_argument("--passphrase-file", help="read the passphrase from this file ('-' for stdin)")
    show = ident.add_parser("show", help="print the public card of an identity or card file")
    show.add_argument("file")
    show.add_argument("--passphrase-file", help="for an identity file: read the passphrase from this file")

    trustroot.add_parser(verbs)

    cap = verbs.add_parser("capture", help="capture the screen into an incident")
    cap.add_argument("--mode", required=True, help="full | monitor:N | region:X,Y,W,H")
    cap.add_argument("--incident", help="add to this incident (default: a new one)")
    cap.add_argument("--delay", type=float, default=0.0, help="wait this many seconds first")

    rec = verbs.add_parser("receive", help="add screenshots a pupil or parent showed or sent (kept byte for byte)")
    rec.add_argument("files", nargs="+", metavar="FILE")
    rec.add_argument("--incident", required=True)
    rec.add_argument("--provided-by", required=True, help="who provided it, e.g. 'Parent of the pupil'")
    rec.add_argument("--how", required=True, help="how it reached you, e.g. 'forwarded by e-mail'")

    inc = verbs.add_parser("incident", help="create, list or show incidents").add_subparsers(dest="action")
    new = inc.add_parser("new", help="create an incident")
    new.add_argument("--title", required=True)
    new.add_argument("--category", action="append", default=[], choices=[c.value for c in Category])
    new.add_argument("--platform")
    new.add_argument("--occurred", help="when it happened (ISO 8601), not when it was captured")
    lst = inc.add_parser("list", help="list incidents")
    lst.add_argument("--identity", help="unlock with this identity to show titles")
    lst.add_argument("--passphrase-file")
    sh = inc.add_parser("show", help="show one incident")
    sh.add_argument("ref")
    sh.add_argument("--identity", help="unlock with this identity to show details and the custody log")
    sh.add_argument("--passphrase-file")
    seal = verbs.add_parser("seal", help="seal an incident into a signed, encrypted bundle")
    seal.add_argument("ref")
    seal.add_argument("--identity", required=True)
    seal.add_argument("--passphrase-file")
    seal.add_argument("--out", help="folder to write to (default: the profile's drop folder)")
    verbs.add_parser(
        "receipts",
        help="check the drop folder for reviewers' receipts of the bundles sealed here; delete local copies received",
    )

    rev = verbs.add_parser("review", help="record a reviewer's action as a signed revision of a bundle")
    rev.add_argument("bundle")
    rev.add_argument("--identity", required=True)
    rev.add_argument("--passphrase-file")
    rev.add_argument(
        "--action",
        dest="review_action",
        required=True,
        choices=[a.value for a in ReviewAction if a is not ReviewAction.EXPORTED and a not in LIFECYCLE_ACTIONS],
    )
    rev.add_argument("--why", default="", help="why, or what happened")
    rev.add_argument("--field", action="append", default=[], metavar="KEY=VALUE", help="e.g. crime_reference=CR/1/26")
    rev.add_argument("--out", help="the drop folder that holds the bundle's revisions (default: the bundle's folder)")

    exp = verbs.add_parser(
        "export-police",
        help="export a verified bundle as a pack an officer can check (several: one course-of-conduct pack)",
    )
    exp.add_argument("bundle", nargs="+", help="one bundle, or two or more linked bundles")
    exp.add_argument("--identity", required=True)
    exp.add_argument("--passphrase-file")
    exp.add_argument("--out", required=True, help="folder in which REF-police-export/ is created")
    exp.add_argument("--officer-reference", required=True, help="the officer's or crime reference")
    exp.add_argument("--pack-recipient", help="also write the pack as one file encrypted to this age1… key")
    exp.add_argument("--pack-passphrase-file", help="or encrypted with the passphrase in this file")

    installation.add_parser(verbs)
    timestamping.add_parser(verbs)
    casework_cli.add_parser(verbs)
    lifecycle_cli.add_parser(verbs)

    ver = verbs.add_parser("verify", help="decrypt and check a sealed bundle, or check a police export folder")
    ver.add_argument("bundle", help="REF.zip.age, or a REF-police-export folder")
    ver.add_argument("--identity", help="your identity file (needed to decrypt a bundle)")
    ver.add_argument("--passphrase-file")
    ver.add_argument("--root-fingerprint", help="anchor the checks to this school root (SHA256:…), not the pinned one")
    ver.add_argument(
        "--no-origin",
        action="store_true",
        help="check the seal even though the origin signature (BUNDLE.sig) is missing; the origin is not checked",
    )
    return p


MAX_PASSPHRASE_FILE_BYTES = 4096
"""A passphrase file holds one line; a larger file (or a FIFO, a device) is refused before it is read."""


def read_passphrase(source: str | None, *, prompt: str = "Passphrase: ", stdin: TextIO | None = None) -> str:
    """Read a passphrase from a file, ``-`` (stdin), a terminal prompt, or piped stdin. Never from argv.

    A passphrase file must be a regular file (use ``-`` to read from a pipe).
    """
    stdin = stdin or sys.stdin
    if source and source != "-":
        path = Path(source)
        try:
            text = read_regular(path, max_bytes=MAX_PASSPHRASE_FILE_BYTES, what="passphrase file").decode("utf-8")
        except UnsafeFileError as e:
            hint = "; use --passphrase-file - to read it from a pipe" if e.check == "not a regular file" else ""
            raise UsageError(f"{e}{hint}") from e
        except UnicodeDecodeError as e:
            raise UsageError(f"{path}: cannot read passphrase file: not UTF-8 text") from e
        return text.rstrip("\r\n")
    if source is None and stdin.isatty():
        return getpass.getpass(prompt)
    return stdin.readline().rstrip("\r\n")


def _unlock(path_str: str, passphrase_file: str | None) -> Identity:
    return unlock_identity_file(Path(path_str), read_passphrase(passphrase_file))


def cmd_identity_create(ws: Workspace, a: argparse.Namespace) -> int:
    out = Path(a.out)
    if out.exists() or card_path_for(out).exists():
        raise UsageError(f"{out if out.exists() else card_path_for(out)}: already exists; refusing to overwrite")
    passphrase = read_passphrase(a.passphrase_file, prompt="New passphrase: ")
    if a.passphrase_file is None and sys.stdin.isatty() and getpass.getpass("Repeat passphrase: ") != passphrase:
        raise UsageError("the two passphrases differ")
    identity = ws.create_identity(a.name, a.principal, Role(a.role), passphrase, out)
    print(f"identity: {_message(out)}")
    print(f"card: {_message(card_path_for(out))}")
    print(clean_text(identity.card.to_text()))
    return EXIT_OK


def cmd_identity_show(ws: Workspace, a: argparse.Namespace) -> int:
    path = Path(a.file)
    try:
        with open_regular(path, max_bytes=MAX_IDENTITY_FILE_BYTES, what="identity or card file") as f:
            head = f.read(64)
    except UnsafeFileError as e:
        raise IdentityError(str(e)) from e
    except OSError as e:
        raise IdentityError(f"{path}: cannot read: {e.strerror or e}") from e
    is_identity = head.startswith(b"age-encryption.org/")
    card = _unlock(a.file, a.passphrase_file).card if is_identity else PublicCard.load(path)
    print(clean_text(card.to_text()))
    return EXIT_OK


def cmd_capture(ws: Workspace, a: argparse.Namespace) -> int:
    mode = capture_mod.CaptureMode.parse(a.mode)
    if a.delay < 0 or a.delay > 60:
        raise UsageError("--delay must be between 0 and 60 seconds")
    recipients = ws.recipients()
    actor = ws.actor
    with ws.open_vault() as vault:
        ref = check_ref(a.incident) if a.incident else None
        if ref is not None:
            vault.check_capture_allowed(ref)  # refuse before grabbing anything
        if a.delay:
            time.sleep(a.delay)
        shot = capture_mod.capture(mode, app_version=evidence.__version__)
        if ref is None:
            ref = vault.create_incident(IncidentDetails(), actor=actor, recipients=recipients)
    added = ws.store_frame(ref, shot)
    if not added.stored:  # one original per picture: the capture is logged against the item already held
        print(f"note: {ref}/{added.row.seq} already holds these pixels; logged, not stored again", file=sys.stderr)
    print(f"{ref} {added.row.sha256}")
    return EXIT_OK


def cmd_receive(ws: Workspace, a: argparse.Namespace) -> int:
    ref = check_ref(a.incident)
    with ws.open_vault() as vault:
        vault.check_capture_allowed(ref)
    received = [receive_file(Path(f), provided_by=a.provided_by, how=a.how) for f in a.files]
    for r in received:
        ws.store_received(ref, r)
        print(f"{ref} {r.sha256}")
    return EXIT_OK


def cmd_incident_new(ws: Workspace, a: argparse.Namespace) -> int:
    occurred = ""
    if a.occurred:
        try:
            occurred = dt.datetime.fromisoformat(a.occurred).isoformat()
        except ValueError as e:
            raise UsageError(f"--occurred {a.occurred!r} is not an ISO 8601 date and time") from e
    categories = tuple(Category(c) for c in a.category)
    details = IncidentDetails(title=a.title, categories=categories, platform=a.platform or "", occurred=occurred)
    with ws.open_vault() as vault:
        ref = vault.create_incident(details, actor=ws.actor, recipients=ws.recipients())
    if details.safeguarding_block:
        print(
            "Capture is blocked for this incident: never view, copy, screenshot, share or save a nude or semi-nude "
            "image of a child. Tell the DSL now. Report Remove (Childline/IWF) and CEOP can help.",
            file=sys.stderr,
        )
    print(ref)
    return EXIT_OK


def cmd_incident_list(ws: Workspace, a: argparse.Namespace) -> int:
    identity = _unlock(a.identity, a.passphrase_file) if a.identity else None
    with ws.open_vault() as vault:
        rows = vault.list_incidents()
        print(f"{'REF':<20} {'CREATED (UTC)':<24} {'STATUS':<9} {'ITEMS':>5}  TITLE")
        for row in rows:
            title = "(unlock to see)"
            if identity is not None:
                title = clean_line(vault.details(row.ref, [identity.age_secret]).title) or "(untitled)"
            print(f"{row.ref:<20} {row.created_utc:<24} {row.status.value:<9} {row.item_count:>5}  {title}")
    return EXIT_OK


def cmd_incident_show(ws: Workspace, a: argparse.Namespace) -> int:
    ref = check_ref(a.ref)
    identity = _unlock(a.identity, a.passphrase_file) if a.identity else None
    with ws.open_vault() as vault:
        row = vault.incident(ref)
        print(f"incident: {row.ref}")
        print(f"created: {row.created_utc}")
        print(f"status: {row.status.value}")
        if identity is not None:
            keys = [identity.age_secret]
            d = vault.details(ref, keys)
            print(f"title: {clean_line(d.title)}")
            print(f"occurred: {clean_line(d.occurred) or '-'}")
            print(f"platform: {clean_line(d.platform) or '-'}")
            print(f"categories: {', '.join(c.value for c in d.categories) or '-'}")
            if d.consider_police:
                print("note: consider contacting the police (policy §9.8)")
        for item in vault.items(ref):
            flags = " (excluded)" if item.excluded else ""
            print(
                f"item {item.seq}: {item.kind} {item.media_type} {item.width}x{item.height} "
                f"{item.created_utc} sha256={item.sha256}{flags}"
            )
        if identity is not None:
            for e in vault.custody(ref, [identity.age_secret]):
                print(clean_line(f"custody {e.seq}: {e.time_utc} {e.actor} {e.action} {e.subject}", limit=1000))
            print("custody chain: intact")
    return EXIT_OK


def cmd_seal(ws: Workspace, a: argparse.Namespace) -> int:
    ref = check_ref(a.ref)
    identity = _unlock(a.identity, a.passphrase_file)
    profile = ws.profile()
    out = Path(a.out) if a.out else ws.drop_folder()
    with ws.open_vault() as vault:
        result = sealing.seal_and_settle(vault, ref, identity, profile, out)
    print(result.path)
    print(f"sha256: {result.sha256}", file=sys.stderr)
    print(f"revision 1: {result.revision_time}", file=sys.stderr)
    if result.untimed_items:
        shown = ", ".join(str(n) for n in result.untimed_items)
        print(f"items without trusted time (workstation clock only): {shown}", file=sys.stderr)
    if result.local_copy is not None:
        print(f"local copy: {result.local_copy.value} (as the school profile says)", file=sys.stderr)
    return EXIT_OK


def cmd_receipts(ws: Workspace, a: argparse.Namespace) -> int:
    """Issue 15: what the desktop app does every minute. One line per sealed bundle; exit 1 if one is missing."""
    profile = ws.profile()
    with ws.open_vault() as vault:
        changes = {c.ref: c for c in sealing.check_deliveries(vault, profile, ws.own_card())}
        deliveries = vault.deliveries()
    missing = False
    for d in deliveries:
        if d.state is DeliveryState.RECEIVED:
            line = f"{d.ref}: received by {d.received_by} at {d.received_utc}"
            change = changes.get(d.ref)
            if change is not None and change.local_copy is not None:
                line += f"; local copy: {change.local_copy.value}"
        elif d.state is DeliveryState.MISSING:
            missing = True
            line = f"{d.ref}: the copy on the school share is missing; seal it again or contact IT"
        else:
            line = f"{d.ref}: waiting for a reviewer to open it"
        print(clean_line(line, limit=1000))
    return EXIT_FAILED if missing else EXIT_OK


def _message(text: object) -> str:
    """An error message on one line for the terminal: no control or bidi character (a message may quote a name
    from a hostile file), line breaks as spaces, other spacing kept (``SHA256  data/PATH`` means two spaces)."""
    return clean_text(text, limit=2000).replace("\n", " ")


def bundle_failed(path: Path, error: BundleError, then: str = "") -> int:
    """Print a bundle's failed check as one line, ``FAILED: PATH: CHECK: why``; exit 2 when the file could not be
    read at all, else 1."""
    message = str(error)
    if not message.startswith(f"{error.check}: "):
        message = f"{error.check}: {message}"
    print(f"evidence-capture: FAILED: {_message(path)}: {_message(message)}{then}", file=sys.stderr)
    return EXIT_USAGE if error.check == "unreadable" else EXIT_FAILED


def _check_bundle_path(path: Path, *, require_origin: bool = True) -> None:
    """Refuse, before the passphrase is asked for, a bundle path that cannot be a bundle (missing, a FIFO, a device,
    a folder, too large) and, unless told not to, one without a readable origin signature beside it."""
    sealing.open_bundle_file(path).close()
    if require_origin:
        sealing.read_origin_signature(path)


def _history(ws: Workspace, checked: sealing.CheckedFile) -> SeenCheck | None:
    """With a data folder: compare with the revisions already verified there (the reviewer's inbox index)."""
    if not ws.paths.data_dir.is_dir():
        return None
    index = InboxIndex.load(ws.paths.data_dir / INDEX_FILE_NAME)
    seen = index.check_history(checked.verified)
    index.remember_verified(checked.file_sha256_hex, checked.verified, seen=seen.state)
    try:
        index.save()
    except EvidenceError as e:
        log.warning("the inbox index could not be saved: %s", e)
    return seen


def cmd_verify(ws: Workspace, a: argparse.Namespace) -> int:
    path = Path(a.bundle)
    anchor = check_fingerprint(a.root_fingerprint) if a.root_fingerprint else None
    if path.is_dir():
        return trustroot.verify_export_folder(ws, path, anchor)
    if not a.identity:
        raise UsageError(f"{_message(path)}: verifying a bundle needs --identity FILE to decrypt it")
    require_origin = not a.no_origin
    try:
        _check_bundle_path(path, require_origin=require_origin)
        identity = _unlock(a.identity, a.passphrase_file)
        profile = trustroot.profile_for(ws, anchor)
        checked = sealing.check_file(path, identity, profile, require_origin=require_origin, root_fingerprint=anchor)
    except BundleError as e:
        return bundle_failed(path, e)
    verified = checked.verified
    seen = _history(ws, checked)
    print(clean_line(verified.summary(), limit=1000))
    for rev in verified.revisions:
        print(
            clean_line(
                f"  revision {rev.number}: {rev.action} by {rev.signer_name} <{rev.signer_principal}> "
                f"({rev.signer_fingerprint}) at {rev.time_utc}; {verified.revision_time_label(rev.number)}",
                limit=1000,
            )
        )
    for item in verified.items:
        print(clean_line(f"  item {item.seq}: {verified.item_time_label(item.seq)}", limit=1000))
    if checked.origin is None:
        print("origin: not checked (--no-origin): who put this file there is not known")
    else:
        print(f"origin: signed by {clean_line(checked.origin.principal)} ({checked.origin.fingerprint})")
    print(clean_line(verified.trust.line(), limit=1000))  # last: whether the signers are anchored to a school root
    if seen is not None and seen.state.warns:
        print(f"evidence-capture: WARNING: {_message(path)}: {seen.text()}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def cmd_review(ws: Workspace, a: argparse.Namespace) -> int:
    path = Path(a.bundle)
    fields = {}
    for item in a.field:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--field {item!r} must be KEY=VALUE")
        fields[key.strip()] = value
    try:
        _check_bundle_path(path)
        identity = _unlock(a.identity, a.passphrase_file)
        profile = ws.profile()
        verified = sealing.verify_file(path, identity, profile)
    except BundleError as e:
        return bundle_failed(path, e)
    action = ReviewAction(a.review_action)
    review.add_review_plan(verified, identity, profile, action, a.why, fields)  # a usage error before a write
    try:
        published = review.record_action(
            Path(a.out) if a.out else path.parent,
            verified.ref,
            identity,
            profile,
            action,
            a.why,
            fields,
            based_on=len(verified.revisions),
        )
    except BundleError as e:
        return bundle_failed(path, e, "; nothing was recorded")
    print(_message(published.path))
    print(f"revision {published.revision}: {review.label(action)}", file=sys.stderr)
    notice = review.added_while_working(published)
    if notice:
        print(f"evidence-capture: {_message(notice)}", file=sys.stderr)
    if action in (ReviewAction.POLICE_CONTACTED, ReviewAction.DEVICE_HANDED_OVER):
        print(_HOLD_HINT.format(bundle=_message(published.path)), file=sys.stderr)
    return EXIT_OK


_HOLD_HINT = (
    "note: the police are involved; to keep the evidence from disposal, put the case on legal hold: "
    "evidence-capture hold {bundle} --why 'police investigation, reference …' --identity FILE"
)


def cmd_export_police(ws: Workspace, a: argparse.Namespace) -> int:
    from app.police import PackBundleError, export_course_of_conduct, export_for_police

    paths = [Path(b) for b in a.bundle]
    for path in paths:
        try:
            _check_bundle_path(path)
        except BundleError as e:
            return bundle_failed(path, e, "; nothing was exported")
    if len({p.resolve() for p in paths}) != len(paths):
        raise UsageError("export-police: the same bundle is given twice")
    if a.pack_recipient and a.pack_passphrase_file:
        raise UsageError("give --pack-recipient or --pack-passphrase-file, not both")
    pack_passphrase = None
    if a.pack_passphrase_file:
        pack_passphrase = read_passphrase(a.pack_passphrase_file)
        if len(pack_passphrase) < 8:
            raise UsageError("the pack passphrase must be at least 8 characters")
    identity = _unlock(a.identity, a.passphrase_file)
    options = {"officer_reference": a.officer_reference, "pack_recipient": a.pack_recipient}
    if len(paths) > 1:
        try:
            conduct = export_course_of_conduct(
                paths, identity, ws.profile(), Path(a.out), pack_passphrase=pack_passphrase, **options
            )
        except PackBundleError as e:
            return bundle_failed(e.path, e, "; nothing was exported")
        print(_message(conduct.result.folder))
        if conduct.result.pack_path is not None:
            print(_message(conduct.result.pack_path))
            print(f"pack sha256: {conduct.result.pack_sha256}", file=sys.stderr)
        print(f"{len(conduct.conduct.occasions)} occasions, {len(conduct.conduct.exhibits)} exhibits", file=sys.stderr)
        for report, bundle_path in zip(conduct.conduct.reports, conduct.bundle_paths, strict=True):
            exports.record(ws.paths.data_dir, report.ref, "police", conduct.result.folder)
            print(_HOLD_HINT.format(bundle=_message(bundle_path)), file=sys.stderr)
        return EXIT_OK
    path = paths[0]
    try:
        done = export_for_police(path, identity, ws.profile(), Path(a.out), pack_passphrase=pack_passphrase, **options)
    except BundleError as e:
        return bundle_failed(path, e, "; nothing was exported")
    exports.record(ws.paths.data_dir, done.verified.ref, "police", done.result.folder)
    print(_HOLD_HINT.format(bundle=_message(done.bundle_path)), file=sys.stderr)
    print(_message(done.result.folder))
    if done.result.pack_path is not None:
        print(_message(done.result.pack_path))
        print(f"pack sha256: {done.result.pack_sha256}", file=sys.stderr)
    return EXIT_OK


_COMMANDS: dict[tuple[str, str | None], Callable[[Workspace, argparse.Namespace], int]] = {
    ("identity", "create"): cmd_identity_create,
    ("identity", "show"): cmd_identity_show,
    **trustroot.COMMANDS,
    ("capture", None): cmd_capture,
    ("receive", None): cmd_receive,
    ("incident", "new"): cmd_incident_new,
    ("incident", "list"): cmd_incident_list,
    ("incident", "show"): cmd_incident_show,
    ("seal", None): cmd_seal,
    ("receipts", None): cmd_receipts,
    ("verify", None): cmd_verify,
    ("review", None): cmd_review,
    ("export-police", None): cmd_export_police,
    **installation.COMMANDS,
    **timestamping.COMMANDS,
    **casework_cli.COMMANDS,
    **lifecycle_cli.COMMANDS,
}


def _command_for(a: argparse.Namespace) -> Callable[[Workspace, argparse.Namespace], int]:
    """The function of a verb (and its action), or a usage error naming what is missing."""
    command = _COMMANDS.get((a.verb, getattr(a, "action", None)))
    if command is None:
        raise UsageError(f"evidence-capture {a.verb}: say what to do (see --help)")
    return command


def run(argv: Sequence[str]) -> int:
    """Run one CLI command; return the exit code. Errors are printed as one line."""
    try:
        a = build_parser().parse_args(list(argv))
        ws = Workspace(Paths.resolve(a.data_dir), Path(a.profile) if a.profile else None)
        return _command_for(a)(ws, a)
    except (UsageError, AgeFormatError, WrongPassphraseError, IdentityError, ProfileError, UnsafeFileError) as e:
        print(f"evidence-capture: error: {_message(e)}", file=sys.stderr)
        return EXIT_USAGE
    except EvidenceError as e:
        print(f"evidence-capture: error: {_message(e)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("evidence-capture: interrupted", file=sys.stderr)
        return EXIT_FAILED
