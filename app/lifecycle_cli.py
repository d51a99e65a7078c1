"""The data-protection verbs: ``retention list``, ``hold``, ``release``, ``extend``, ``dispose``, ``redact`` and
``sar-export``.

Each verb that changes a case records a signed revision (or a signed register entry, for ``dispose``) with the
reason the reviewer gives; ``dispose`` is refused with exit 1 while a legal hold is in force. Input is hostile
until checked: a bundle path that cannot be a bundle is refused before the passphrase is asked, a box that is
not ``X,Y,W,H`` integers is a usage error naming the flag, and every error is one line (see :mod:`app.cli`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

from app import exports
from app.workspace import Workspace
from evidence import bundle
from evidence.bundle import seal as sealing
from evidence.bundle import share
from evidence.capture.redact import Box, BoxReason
from evidence.case.register import DisposalReason
from evidence.case.retention import ReviewStatus
from evidence.core.errors import BundleError, EvidenceError, UsageError
from evidence.core.text import clean_line
from evidence.crypto.keys import Identity, unlock_identity_file
from evidence.review import actions as review
from evidence.review import disposal, lifecycle

EXIT_OK = 0
EXIT_FAILED = 1


def _bundle_args(p: argparse.ArgumentParser, *, why: bool = True) -> None:
    p.add_argument("bundle", help="a revision file of the case (REF.rN.zip.age); the latest one in its folder is used")
    if why:
        p.add_argument("--why", required=True, help="the reason, in words (required)")
    p.add_argument("--identity", required=True, help="your reviewer identity file")
    p.add_argument("--passphrase-file")


def add_parser(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the data-protection verbs to the command line."""
    ret = verbs.add_parser("retention", help="cases due for review, overdue, or on hold").add_subparsers(dest="action")
    lst = ret.add_parser("list", help="list every case in a folder with its review date and status")
    lst.add_argument("--in", dest="folder", help="the folder of bundles (default: the drop folder)")
    lst.add_argument("--identity", required=True, help="your reviewer identity file (to read the cases)")
    lst.add_argument("--passphrase-file")

    hold = verbs.add_parser("hold", help="put a case on legal hold (blocks disposal until released)")
    _bundle_args(hold)
    release = verbs.add_parser("release", help="lift a case's legal hold")
    _bundle_args(release)
    release.add_argument("--hold", help="which hold (rK) when several are in force")
    extend = verbs.add_parser("extend", help="keep a case for a further period")
    _bundle_args(extend)
    extend.add_argument("--days", type=int, required=True)

    dispose = verbs.add_parser("dispose", help="dispose of a case: register entry, certificate, files deleted")
    _bundle_args(dispose)
    dispose.add_argument(
        "--reason",
        default=DisposalReason.RETENTION_ENDED.value,
        choices=[r.value for r in DisposalReason],
        help="the reason code (before the review date: erasure-request, recorded-in-error or duplicate)",
    )
    dispose.add_argument("--delete-exports", action="store_true", help="also delete every export still present")
    dispose.add_argument("--certificate", help="also write the certificate's text to this file")

    red = verbs.add_parser("redact", help="add a redacted copy of an item as a signed revision")
    _bundle_args(red)
    red.add_argument("--item", type=int, required=True, help="the item's number")
    red.add_argument("--box", action="append", required=True, metavar="X,Y,W,H", help="an area to black out")
    red.add_argument(
        "--reason",
        default=BoxReason.THIRD_PARTY_NAME.value,
        choices=[r.value for r in BoxReason],
        help="why each box is drawn (default third-party-name)",
    )

    sar = verbs.add_parser("sar-export", help="write a subject access pack: redacted items and a text")
    _bundle_args(sar, why=False)
    sar.add_argument("--subject", required=True, help="the data subject's name, as the incident records it")
    sar.add_argument("--out", required=True, help="folder in which REF-subject-access/ is created")


def _open(ws: Workspace, a: argparse.Namespace) -> tuple[Path, Identity, bundle.VerifiedBundle]:
    from app.cli import _check_bundle_path, read_passphrase

    path = Path(a.bundle)
    _check_bundle_path(path)
    identity = unlock_identity_file(Path(a.identity), read_passphrase(a.passphrase_file))
    verified = sealing.verify_file(path, identity, ws.profile())
    return path, identity, verified


def _failed(path: Path, e: BundleError) -> int:
    from app.cli import bundle_failed

    return bundle_failed(path, e)


def _revise(
    ws: Workspace,
    a: argparse.Namespace,
    publish: Callable[[Path, bundle.VerifiedBundle, Identity], share.Published],
) -> int:
    """Open the bundle named (any revision file of the case), then publish the choice as the case's next revision
    on top of the latest one in its folder; say which revision it became and who wrote in between."""
    from app.cli import _message

    path = Path(a.bundle)
    try:
        path, identity, verified = _open(ws, a)
    except BundleError as e:
        return _failed(path, e)
    try:
        published = publish(path.parent, verified, identity)
    except BundleError as e:
        from app.cli import bundle_failed

        return bundle_failed(path, e, "; nothing was recorded")
    print(_message(published.path))
    print(f"revision {published.revision}", file=sys.stderr)
    notice = review.added_while_working(published)
    if notice:
        print(f"evidence-capture: {_message(notice)}", file=sys.stderr)
    return EXIT_OK


def cmd_hold(ws: Workspace, a: argparse.Namespace) -> int:
    return _revise(
        ws,
        a,
        lambda folder, v, me: lifecycle.record_hold(folder, v.ref, me, ws.profile(), a.why, based_on=len(v.revisions)),
    )


def cmd_release(ws: Workspace, a: argparse.Namespace) -> int:
    return _revise(
        ws,
        a,
        lambda folder, v, me: lifecycle.record_release(
            folder, v.ref, me, ws.profile(), a.why, lifts=a.hold, based_on=len(v.revisions)
        ),
    )


def cmd_extend(ws: Workspace, a: argparse.Namespace) -> int:
    return _revise(
        ws,
        a,
        lambda folder, v, me: lifecycle.record_extension(
            folder, v.ref, me, ws.profile(), a.days, a.why, based_on=len(v.revisions)
        ),
    )


def parse_box(text: str, reason: BoxReason, note: str) -> Box:
    """``X,Y,W,H`` as a box.

    Raises:
        UsageError: not four non-negative integers, or an empty box.
    """
    parts = text.split(",")
    if len(parts) != 4 or not all(p.strip().isdigit() for p in parts):
        raise UsageError(f"--box {clean_line(text)!r} must be X,Y,W,H (four whole numbers of pixels)")
    x, y, w, h = (int(p) for p in parts)
    return Box(x, y, w, h, reason, note if reason is BoxReason.OTHER else "")


def cmd_redact(ws: Workspace, a: argparse.Namespace) -> int:
    reason = BoxReason(a.reason)
    boxes = [parse_box(b, reason, clean_line(a.why, limit=200)) for b in a.box]
    return _revise(
        ws,
        a,
        lambda folder, v, me: lifecycle.record_redaction(
            folder, v.ref, me, ws.profile(), a.item, boxes, a.why, based_on=len(v.revisions)
        ),
    )


def cmd_dispose(ws: Workspace, a: argparse.Namespace) -> int:
    path = Path(a.bundle)
    try:
        path, identity, verified = _open(ws, a)
    except BundleError as e:
        return _failed(path, e)
    profile = ws.profile()
    left_exports = exports.present_for(ws.paths.data_dir, verified.ref)
    done = disposal.dispose(
        path,
        verified,
        identity,
        profile,
        reason=DisposalReason(a.reason),
        note=a.why,
        today=dt.datetime.now(dt.UTC).date(),
        drop_folder=path.parent,
        data_dir=ws.paths.data_dir,
    )
    text = done.certificate.to_text()
    if a.certificate:
        Path(a.certificate).write_text(text, encoding="utf-8")
    print(text, end="")
    for p in done.removed:
        print(f"deleted: {p}", file=sys.stderr)
    for p in done.left:
        print(f"evidence-capture: WARNING: {p}: could not be deleted; delete it by hand", file=sys.stderr)
    for rec in left_exports:
        if a.delete_exports and exports.delete_export(ws.paths.data_dir, rec):
            print(f"deleted export: {rec.path}", file=sys.stderr)
        else:
            print(f"export still present: {rec.path} (delete it, or run again with --delete-exports)", file=sys.stderr)
    return EXIT_FAILED if done.left else EXIT_OK


def cmd_sar_export(ws: Workspace, a: argparse.Namespace) -> int:
    from app.lifecycle import sar_export

    path = Path(a.bundle)
    try:
        path, identity, verified = _open(ws, a)
    except BundleError as e:
        return _failed(path, e)
    done = sar_export(ws, path, verified, identity, a.subject, Path(a.out))
    print(done.folder)
    print(f"revision {done.published.revision}", file=sys.stderr)
    return EXIT_OK


def cmd_retention_list(ws: Workspace, a: argparse.Namespace) -> int:
    from app.cli import read_passphrase

    folder = Path(a.folder) if a.folder else ws.drop_folder()
    if not folder.is_dir():
        raise UsageError(f"{folder}: is not a folder")
    identity = unlock_identity_file(Path(a.identity), read_passphrase(a.passphrase_file))
    profile = ws.profile()
    today = dt.datetime.now(dt.UTC).date()
    print(f"{'REF':<20} {'STATUS':<9} {'REVIEW ON':<10}  {'RULE':<22} HOLDS")
    worst = EXIT_OK
    for ref, files in sorted(share.list_share(folder).items()):
        current = next((f for f in files if f.complete), None)  # each case once: its current revision
        if current is None:
            print(f"evidence-capture: {clean_line(ref)}: no complete revision yet (being written?)", file=sys.stderr)
            continue
        p = current.path
        try:
            v = sealing.verify_file(p, identity, profile)
            state = lifecycle.retention_state(v, profile, today=today)
        except EvidenceError as e:
            print(f"evidence-capture: FAILED: {clean_line(str(p))}: {clean_line(str(e))}", file=sys.stderr)
            worst = EXIT_FAILED
            continue
        holds = ", ".join(h.event_id for h in state.holds) or "-"
        status = state.status.value if state.status is not ReviewStatus.NOT_DUE else "not due"
        print(f"{state.reference:<20} {status:<9} {state.due.isoformat():<10}  {state.rule.value:<22} {holds}")
    return worst


COMMANDS: dict[tuple[str, str | None], Callable[[Workspace, argparse.Namespace], int]] = {
    ("retention", "list"): cmd_retention_list,
    ("hold", None): cmd_hold,
    ("release", None): cmd_release,
    ("extend", None): cmd_extend,
    ("dispose", None): cmd_dispose,
    ("redact", None): cmd_redact,
    ("sar-export", None): cmd_sar_export,
}
