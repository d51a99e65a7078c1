"""Draining the vault's trusted-time queue: ask each TSA for the tokens the vault is waiting for.

What it defends against:

- a capture waiting for the network: items are only *queued* when they are stored (:meth:`Vault.add`); this
  module does the asking, later, from a worker (the app) or on request (``timestamp --pending``, sealing);
- hammering a TSA that is down, or the network while offline: a failed request backs off exponentially
  (:func:`backoff_seconds`), and once a TSA is unreachable in a pass its other requests wait for the next pass;
- asking twice for a token already stored, or two processes asking at once: each row is leased before it is
  asked, and the token, its ``timestamped`` custody entry and the row's removal are one transaction
  (:meth:`Vault.store_timestamp`); a process killed between asking and storing simply asks again later;
- an answer that does not check: every token is checked by :func:`evidence.crypto.tsa.request_token` (imprint,
  nonce, chain to the profile's anchors, EKU, genTime) before it is stored; a failure is recorded on the row.

Only digests leave the workstation: the binding holds the item's file and pixel digests and its custody entry's
hash, nothing else.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from evidence.core.errors import UsageError
from evidence.core.timefmt import parse_utc, utc_now
from evidence.crypto.tsa import Token, TsaConfig, TsaConfigError, TsaError, request_token
from evidence.vault.store import LEASE_SECONDS, PendingStamp, StoredToken, Vault

log = logging.getLogger(__name__)

BACKOFF_BASE_S = 30.0
BACKOFF_MAX_S = 3600.0
NOT_TRANSIENT_MIN_S = 600.0
"""A TSA that answered wrongly (not merely unreachable) is asked again no sooner than this."""
WORKER_TIMEOUT_S = 10.0
"""Per request, for the background worker (nobody is waiting)."""
SEAL_TIMEOUT_S = 3.0
"""Per request, when sealing asks once more for items still queued (someone is waiting)."""
SEAL_BUDGET_S = 6.0
"""At most this long in all, when sealing asks for items still queued."""

Requester = Callable[[TsaConfig, bytes, float], Token]


def _ask(config: TsaConfig, message: bytes, timeout_s: float) -> Token:
    return request_token(config, message, timeout_s=timeout_s)


def backoff_seconds(attempts: int, *, transient: bool = True) -> float:
    """How long to wait after the ``attempts``-th failure (1, 2, …): 30 s doubling up to an hour."""
    delay: float = min(BACKOFF_BASE_S * 2.0 ** max(attempts - 1, 0), BACKOFF_MAX_S)
    return delay if transient else max(delay, NOT_TRANSIENT_MIN_S)


@dataclass(frozen=True)
class DrainResult:
    """What one pass did.

    Attributes:
        stored: tokens that arrived and were stored.
        failed: requests that failed this time, with why.
        waiting: everything still queued after the pass.
    """

    stored: tuple[StoredToken, ...]
    failed: tuple[tuple[PendingStamp, TsaError], ...]
    waiting: tuple[PendingStamp, ...]


def drain(
    vault: Vault,
    tsas: Sequence[TsaConfig],
    *,
    actor: str,
    recipients: Sequence[str],
    ref: str | None = None,
    due_only: bool = True,
    untokened_only: bool = False,
    timeout_s: float = WORKER_TIMEOUT_S,
    budget_s: float | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    ask: Requester = _ask,
    lease_s: float = LEASE_SECONDS,
) -> DrainResult:
    """Ask for every queued token (of ``ref``, or of every open incident) once; store what arrives.

    Args:
        vault: the vault (this thread's connection).
        tsas: the TSAs of the profile in force; a queued TSA no longer among them fails (and backs off).
        actor, recipients: who the ``timestamped`` custody entries name, and who they are encrypted to.
        ref: only this incident.
        due_only: skip requests still backing off (False: ask them all now, as ``timestamp --pending`` does).
        untokened_only: only items that hold no token yet (sealing: an item with a token travels with it).
        timeout_s: per request.
        budget_s: stop starting new requests after this many seconds in all.
        should_stop: polled between requests (the app quitting).
        ask: how to ask (tests may count requests; the default is :func:`request_token`).
        lease_s: how long a row is held while it is asked (must exceed ``timeout_s``; a killed drainer's lease
            runs out after it, and the row is asked again).
    """
    if lease_s <= timeout_s:
        raise UsageError("a queue lease must outlast the request it covers")
    started = time.monotonic()
    by_url = {t.url: t for t in tsas}
    unreachable: set[str] = set()
    stored: list[StoredToken] = []
    failed: list[tuple[PendingStamp, TsaError]] = []
    for pending in vault.pending_timestamps(ref=ref, due_only=due_only):
        if should_stop() or (budget_s is not None and time.monotonic() - started > budget_s):
            break
        if pending.tsa_url in unreachable:
            continue
        if untokened_only and vault.timestamp_tokens(pending.ref, pending.seq):
            continue
        if not vault.lease_timestamp(pending, seconds=lease_s):
            continue  # another drainer is asking for it now
        config = by_url.get(pending.tsa_url)
        try:
            if config is None:
                raise TsaConfigError("no longer in the school profile", tsa=pending.tsa_name)
            token = ask(config, pending.binding, timeout_s)
        except TsaError as e:
            log.info("tsa request for %s from %s failed: %s", pending.item_id, pending.tsa_name, e.check)
            retry_after_s = backoff_seconds(pending.attempts + 1, transient=e.transient)
            vault.timestamp_failed(pending, e, retry_after_s=retry_after_s)
            failed.append((pending, e))
            if e.transient:  # the TSA is down or we are offline: its other requests wait as long
                unreachable.add(pending.tsa_url)
                vault.defer_timestamps(pending.tsa_url, seconds=retry_after_s)
            continue
        except BaseException:
            vault.release_timestamp(pending)
            raise
        kept = vault.store_timestamp(pending, token, actor=actor, recipients=recipients)
        if kept is not None:
            stored.append(kept)
            log.info("tsa token %s for %s stored", kept.number, pending.item_id)
    waiting = tuple(vault.pending_timestamps(ref=ref))
    return DrainResult(tuple(stored), tuple(failed), waiting)


def next_due_seconds(vault: Vault, *, now_utc: str | None = None) -> float | None:
    """Seconds until the earliest queued request is due (0 if one is due now), or None when nothing is queued."""
    pending = vault.pending_timestamps()
    if not pending:
        return None
    now = parse_utc(now_utc or utc_now())
    earliest = min(parse_utc(p.next_utc) for p in pending)
    return max((earliest - now).total_seconds(), 0.0)
