"""Command-line verbs for building the case: ``ocr``, ``proposals``, ``identify``, ``link``, ``unlink``, ``timeline``
and ``search``.

Every bundle is opened and verified (origin signature first) before anything in it is used, and every change is a
signed revision published as a new ``REF.rN.zip.age`` beside the others (:func:`evidence.review.casework.publish`,
through :mod:`evidence.bundle.share`): on top of the current revision, and again on top when another reviewer wrote
first, which the verb then says. Verbs that take references (``link``, ``unlink``, ``timeline``, ``search``) open
each incident's current revision in one folder (``--in FOLDER``, by default the profile's drop folder), in memory: a
bundle that fails its checks is named on stderr with the check and left out. Search builds its index in memory and
drops it when the command ends; nothing decrypted is written anywhere.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from app.workspace import Workspace
from evidence import bundle
from evidence.bundle import seal as sealing
from evidence.bundle import share
from evidence.case.incident import check_ref
from evidence.case.profile import Profile
from evidence.case.search import SearchIndex
from evidence.core.errors import UsageError
from evidence.core.text import clean_line
from evidence.crypto.keys import Identity
from evidence.review import actions as review
from evidence.review import casework, timeline
from evidence.review.casework import Decision


def add_parser(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the casework verbs."""

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--identity", required=True)
        p.add_argument("--passphrase-file")

    ocr = verbs.add_parser("ocr", help="read the text of a bundle's items and add it as a signed, machine-read layer")
    ocr.add_argument("bundle")
    common(ocr)
    ocr.add_argument("--again", action="store_true", help="read items that already have a text layer again")
    ocr.add_argument("--out", help="the drop folder that holds the bundle's revisions (default: the bundle's folder)")

    pro = verbs.add_parser("proposals", help="list the handles, e-mail ids and URLs proposed for an incident")
    pro.add_argument("bundle")
    common(pro)

    ide = verbs.add_parser("identify", help="confirm or reject proposed handles, and say who they are believed to be")
    ide.add_argument("bundle")
    common(ide)
    ide.add_argument("--confirm", action="append", default=[], metavar="HANDLE", help="a proposal to confirm")
    ide.add_argument("--reject", action="append", default=[], metavar="HANDLE", help="a proposal to reject")
    ide.add_argument("--person", default="", help="who the confirmed handles are believed to be")
    ide.add_argument("--why", required=True, help="the reason")

    for verb, text in (("link", "link two incidents, giving a reason"), ("unlink", "withdraw a link, with a reason")):
        lnk = verbs.add_parser(verb, help=text)
        lnk.add_argument("refs", nargs=2, metavar="REF")
        lnk.add_argument("--why", required=True, help="the reason")
        common(lnk)
        lnk.add_argument("--in", dest="folder", help="the folder of bundles (default: the drop folder)")

    tl = verbs.add_parser("timeline", help="print an incident's linked occasions in order of when they happened")
    tl.add_argument("ref")
    common(tl)
    tl.add_argument("--in", dest="folder", help="the folder of bundles (default: the drop folder)")

    se = verbs.add_parser("search", help="search the bundles by handle, phrase, platform, category, person or date")
    se.add_argument("term", help="@handle, a phrase, or platform:X, category:X, person:X, date:DAY, since:, until:")
    common(se)
    se.add_argument("--in", dest="folder", help="the folder of bundles (default: the drop folder)")


def _unlock(a: argparse.Namespace) -> Identity:
    from app import cli

    return cli._unlock(a.identity, a.passphrase_file)


def _open_one(ws: Workspace, a: argparse.Namespace) -> tuple[Path, Identity, Profile, bundle.VerifiedBundle]:
    from app import cli

    path = Path(a.bundle)
    cli._check_bundle_path(path)
    identity = _unlock(a)
    profile = ws.profile()
    return path, identity, profile, sealing.verify_file(path, identity, profile)


def open_folder(folder: Path, identity: Identity, profile: Profile) -> dict[str, casework.OpenedBundle]:
    """Every bundle in ``folder`` that passes its checks, by reference; each that fails is named on stderr with its
    check, and left out."""
    from app import cli

    opened, failed = casework.open_bundles(folder, identity, profile)
    for path, error in failed:
        cli.bundle_failed(path, error, "; left out")
    return opened


def _folder(ws: Workspace, a: argparse.Namespace) -> Path:
    return Path(a.folder) if a.folder else ws.drop_folder()


def _published(published: share.Published) -> None:
    from app import cli

    print(cli._message(published.path))
    notice = review.added_while_working(published)
    if notice:
        print(f"evidence-capture: {cli._message(notice)}", file=sys.stderr)


def cmd_ocr(ws: Workspace, a: argparse.Namespace) -> int:
    from app import cli

    path, identity, profile, verified = _open_one(ws, a)
    layers, skipped = casework.read_text_layers(verified, again=a.again)
    for seq in skipped:
        print(f"item {seq}: not a PNG or JPEG; the engine does not read it", file=sys.stderr)
    if not layers:
        print(f"{verified.ref}: every item already has a text layer (--again reads them again)", file=sys.stderr)
        return cli.EXIT_OK
    casework.add_text_layers(verified, identity, profile, layers)  # a usage error before anything is written
    published = casework.publish(
        Path(a.out) if a.out else path.parent,
        verified.ref,
        lambda v: casework.add_text_layers(v, identity, profile, layers),
        identity,
        profile,
        based_on=len(verified.revisions),
    )
    _published(published)
    k = published.revision
    for seq, layer in sorted(layers.items()):
        print(f"item {seq}: {len(layer.words)} words, text layer sha256={layer.digest_hex} (machine-read)")
    print(f"revision {k}: text read by {layer.engine.label}", file=sys.stderr)
    return cli.EXIT_OK


def cmd_proposals(ws: Workspace, a: argparse.Namespace) -> int:
    from app import cli

    _, _, _, verified = _open_one(ws, a)
    decided = casework.identifications(verified)
    for p in casework.proposals(verified):
        where = ["form"] if p.in_form else []
        where += [f"item {s} (machine-read)" for s in p.items]
        d = decided.get(p.key)
        state = "undecided" if d is None else d.decision.value + (f": {d.person}" if d.person else "")
        look = f"; looks like {', '.join(p.lookalikes)}" if p.lookalikes else ""
        print(clean_line(f"{p.kind.value} {p.value} [{state}] seen in {', '.join(where)}{look}", limit=1000))
    return cli.EXIT_OK


def cmd_identify(ws: Workspace, a: argparse.Namespace) -> int:
    from app import cli

    if not a.confirm and not a.reject:
        raise UsageError("identify: give --confirm HANDLE or --reject HANDLE")
    if a.person and not a.confirm:
        raise UsageError("identify: --person names who the confirmed handles are")
    path, identity, profile, verified = _open_one(ws, a)
    decisions = [(h, Decision.CONFIRMED, a.person) for h in a.confirm]
    decisions += [(h, Decision.REJECTED, "") for h in a.reject]
    casework.add_identifications(verified, identity, profile, decisions, a.why)  # a usage error before writing
    published = casework.publish(
        path.parent,
        verified.ref,
        lambda v: casework.add_identifications(v, identity, profile, decisions, a.why),
        identity,
        profile,
        based_on=len(verified.revisions),
    )
    _published(published)
    return cli.EXIT_OK


def _pair(
    ws: Workspace, a: argparse.Namespace
) -> tuple[Identity, Profile, Path, casework.OpenedBundle, casework.OpenedBundle]:
    first, second = (check_ref(r) for r in a.refs)
    if first == second:
        raise UsageError(f"{a.verb}: give two different incidents")
    identity = _unlock(a)
    profile = ws.profile()
    folder = _folder(ws, a)
    opened = open_folder(folder, identity, profile)
    for ref in (first, second):
        if ref not in opened:
            raise UsageError(f"{ref}: no bundle of it in {folder} passed its checks")
    return identity, profile, folder, opened[first], opened[second]


def _said(sides: tuple[casework.Side, casework.Side]) -> None:
    from app import cli

    for side in sides:
        notice = review.added_while_working(side.published) if side.published is not None else ""
        if notice:
            print(f"evidence-capture: {side.verified.ref}: {cli._message(notice)}", file=sys.stderr)


def cmd_link(ws: Workspace, a: argparse.Namespace) -> int:
    from app import cli

    identity, profile, _, x, y = _pair(ws, a)
    if x.path.parent != y.path.parent:  # pragma: no cover - both come from one folder
        raise UsageError("link: the two bundles must be in one folder")
    sides = casework.link_both(x.verified, y.verified, identity, profile, a.why, x.path.parent)
    _said(sides)
    a2, b2 = (s.verified for s in sides)
    print(f"linked {a2.ref} (revision {len(a2.revisions)}) and {b2.ref} (revision {len(b2.revisions)})")
    return cli.EXIT_OK


def cmd_unlink(ws: Workspace, a: argparse.Namespace) -> int:
    from app import cli

    identity, profile, _, x, y = _pair(ws, a)
    sides = casework.unlink_both(x.verified, y.verified, identity, profile, a.why, x.path.parent)
    _said(sides)
    a2, b2 = (s.verified for s in sides)
    print(f"unlinked {a2.ref} (revision {len(a2.revisions)}) and {b2.ref} (revision {len(b2.revisions)})")
    return cli.EXIT_OK


def cmd_timeline(ws: Workspace, a: argparse.Namespace) -> int:
    from app import cli

    ref = check_ref(a.ref)
    identity = _unlock(a)
    folder = _folder(ws, a)
    opened = open_folder(folder, identity, ws.profile())
    if ref not in opened:
        raise UsageError(f"{ref}: no bundle of it in {folder} passed its checks")
    t = timeline.build_timeline(ref, {r: o.verified for r, o in opened.items()})
    print(f"Timeline of {ref}: {len(t.occasions)} linked occasion(s), in order of when they happened")
    for line in timeline.timeline_lines(t):
        print(line)
    return cli.EXIT_OK


def cmd_search(ws: Workspace, a: argparse.Namespace) -> int:
    from app import cli

    query = casework.parse_query(a.term)
    identity = _unlock(a)
    opened = open_folder(_folder(ws, a), identity, ws.profile())
    index = SearchIndex()
    try:
        for o in opened.values():
            for doc in casework.search_documents(o.verified):
                index.add(doc)
        hits = index.search(query)
        for hit in hits:
            when = hit.occurred.strftime("%Y-%m-%d %H:%M %z") if hit.occurred else "(date unknown)"
            what = "incident" if hit.item_seq is None else f"item {hit.item_seq}"
            found = "; ".join(f'{m.kind.value} "{m.text}" at {m.boxes[0].to_json()}' for m in hit.matches if m.boxes)
            print(clean_line(f"{hit.ref} {what} {when} {hit.platform or '-'} {found}".rstrip(), limit=1000))
        print(f"{len(hits)} match(es) in {len(opened)} bundle(s)", file=sys.stderr)
    finally:
        index.clear()
    return cli.EXIT_OK if hits else cli.EXIT_FAILED


COMMANDS: dict[tuple[str, str | None], Callable[[Workspace, argparse.Namespace], int]] = {
    ("ocr", None): cmd_ocr,
    ("proposals", None): cmd_proposals,
    ("identify", None): cmd_identify,
    ("link", None): cmd_link,
    ("unlink", None): cmd_unlink,
    ("timeline", None): cmd_timeline,
    ("search", None): cmd_search,
}
