"""Trusted time on the command line: ``profile create ... --tsa URL [--tsa-ca PEM]`` and ``timestamp --pending``.

``--tsa`` may be repeated; each ``--tsa-ca`` belongs to the ``--tsa`` before it and names a PEM file with the
TSA's root (and any issuing CAs). A public TSA whose root is shipped (:data:`evidence.crypto.tsa.PUBLIC_TSAS`)
needs no ``--tsa-ca``. Without ``--tsa`` a profile lists the shipped public TSAs, and says plainly which public
TSAs cannot be used for want of a root. ``timestamp --pending`` asks every TSA now for every queued item of the
open incidents (the app's worker does this in the background) and prints what is still waiting.
"""

from __future__ import annotations

import argparse
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app.workspace import Workspace
from evidence.core.errors import UnsafeFileError, UsageError
from evidence.core.safefile import read_regular
from evidence.core.text import clean_line
from evidence.crypto.tsa import MAX_PEM_BYTES, PUBLIC_TSAS, TsaConfig, TsaConfigError, default_tsas
from evidence.vault import timestamps

EXIT_OK = 0


class _TsaAction(argparse.Action):
    """``--tsa URL`` starts an entry; ``--tsa-ca PEM`` gives the root of the latest one."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: str | None = None
    ) -> None:
        entries: list[list[str | None]] = list(getattr(namespace, "tsa", None) or [])
        if option == "--tsa":
            entries.append([str(values), None])
        else:
            if not entries or entries[-1][1] is not None:
                parser.error("--tsa-ca PEM follows the --tsa URL it belongs to (one each)")
            entries[-1][1] = str(values)
        namespace.tsa = entries


def add_profile_arguments(create: argparse.ArgumentParser) -> None:
    """Add ``--tsa URL [--tsa-ca PEM]`` (repeatable) to ``profile create``."""
    create.add_argument(
        "--tsa", action=_TsaAction, metavar="URL", help="a time-stamping authority to ask for trusted time (repeat)"
    )
    create.add_argument(
        "--tsa-ca", action=_TsaAction, metavar="PEM", help="the root (and issuing CAs) of the --tsa before it"
    )


def add_parser(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``timestamp --pending``."""
    ts = verbs.add_parser("timestamp", help="ask the school's TSAs now for the trusted time of queued items")
    ts.add_argument("--pending", action="store_true", required=True, help="drain the queue now; print what waits")


def _name_for(url: str) -> str:
    for public in PUBLIC_TSAS:
        if public.url == url:
            return public.name
    return urllib.parse.urlsplit(url).hostname or url


def profile_tsas(a: argparse.Namespace) -> tuple[TsaConfig, ...]:
    """The TSAs ``profile create`` puts in the profile, printing which public ones cannot be used and why.

    Raises:
        UsageError: a ``--tsa`` without ``--tsa-ca`` for a TSA whose root is not shipped, or unusable certificates.
    """
    entries: list[list[str | None]] = getattr(a, "tsa", None) or []
    out: list[TsaConfig] = []
    try:
        if not entries:
            out = default_tsas()
            for public in PUBLIC_TSAS:
                if public.anchor_resource is None:
                    print(f"not used: {public.name} ({public.url}): no trusted root is shipped for it; {public.note}")
        for url, pem_file in entries:
            assert url is not None
            if pem_file is None:
                shipped = [p for p in PUBLIC_TSAS if p.url == url]
                if not shipped or shipped[0].anchor_resource is None:
                    raise UsageError(f"--tsa {url}: no root is shipped for it; give its root with --tsa-ca PEM")
                out.append(shipped[0].config())
                continue
            try:
                pem = read_regular(Path(pem_file), max_bytes=MAX_PEM_BYTES, what="TSA certificates")
            except UnsafeFileError as e:
                raise UsageError(f"--tsa-ca {pem_file}: {e}") from e
            out.append(TsaConfig.from_pem_file_text(url, _name_for(url), pem))
    except TsaConfigError as e:
        raise UsageError(str(e)) from e
    if len({t.url for t in out}) != len(out):
        raise UsageError("--tsa: each TSA URL once")
    for tsa in out:
        print(f"trusted time from: {tsa.name} ({tsa.url})")
    if not out:
        print("no TSA: items and seals will carry the workstation clock only")
    return tuple(out)


def cmd_timestamp(ws: Workspace, a: argparse.Namespace) -> int:
    """Ask every TSA now for every queued item; print what arrived and what is still waiting."""
    tsas, actor, recipients = ws.tsas(), ws.actor, ws.recipients()
    with ws.open_vault() as vault:
        result = timestamps.drain(vault, tsas, actor=actor, recipients=recipients, due_only=False)
    for token in result.stored:
        skew = f", workstation clock {token.skew_seconds:+d} s" if token.skew_seconds is not None else ""
        print(
            f"{token.ref}/{token.seq}: Time confirmed by TSA {clean_line(token.tsa_name)}: "
            f"{token.gen_time_utc[11:19]} UTC ({token.gen_time_utc[:10]}){skew}"
        )
    for pending, error in result.failed:
        print(f"{pending.item_id}: {pending.tsa_name}: not confirmed: {error.check}: {clean_line(str(error))}")
    for pending in result.waiting:
        print(f"waiting: {pending.item_id} for {pending.tsa_name} (asked {pending.attempts} times)")
    print(f"{len(result.stored)} confirmed, {len(result.waiting)} waiting")
    return EXIT_OK


COMMANDS: dict[tuple[str, str | None], Callable[[Workspace, argparse.Namespace], int]] = {
    ("timestamp", None): cmd_timestamp,
}

__all__: Sequence[str] = ["COMMANDS", "add_parser", "add_profile_arguments", "cmd_timestamp", "profile_tsas"]
