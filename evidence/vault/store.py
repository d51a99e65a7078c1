"""The local vault: one SQLite file holding incidents, items and their custody logs, encrypted at rest.

Design:
- Ids, times, digests, sizes and status are plain, so lists show without an unlock. Images, capture context,
  incident details and custody entries are age ciphertext, encrypted at once to the owner's and the reviewers'
  recipients. Writing therefore needs only public keys: capture works while the app is locked.
- One capture is one transaction: the item row (with its ciphertext) and its custody entry commit together or not
  at all (``BEGIN IMMEDIATE``, WAL, ``synchronous=FULL``). Once :meth:`Vault.add_item` returns, the capture
  survives a crash or power cut.
- Two processes may share a vault: SQLite's locking serializes writers, and each append reads the chain tip
  inside the same immediate transaction, so the chain never forks.
- ``secure_delete`` is on, so crypto-shredded rows do not linger in free pages.
- Trusted time never holds up a capture: the item's binding (:func:`evidence.crypto.tsa.item_binding`, digests
  only) is queued for each of the profile's TSAs in the item's own transaction, and a worker asks the TSAs later
  (:mod:`evidence.vault.timestamps`). A token is stored, its ``timestamped`` custody entry appended and its queue
  row removed in one transaction, so a crash loses no queued request and never causes a second request for a
  token already stored. A drainer leases a row before asking, so two processes do not ask for the same one.
  Schema 2 added the queue; a vault of schema 1 is migrated when it is opened (its items stay without tokens).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import hashlib
import io
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evidence.capture.context import DerivedContext
from evidence.capture.items import MEDIA_TYPES, ItemContext, ItemKind, check_context, parse_context
from evidence.case.custody import REMOVED_FOR_SAFEGUARDING, Action, CustodyEntry, make_entry, verify_chain
from evidence.case.incident import IncidentDetails, Status, check_ref, new_ref
from evidence.core import canonical
from evidence.core.errors import CustodyError, DigestMismatchError, EvidenceError, UsageError, VaultError
from evidence.core.timefmt import format_utc, utc_now
from evidence.crypto import ageio
from evidence.crypto.tsa import Token, TsaConfig, TsaError, item_binding

if TYPE_CHECKING:  # the capture modules pull in mss and Pillow; the vault needs only their records' fields
    from evidence.capture.crop import Derived
    from evidence.capture.received import Received
    from evidence.capture.screen import Capture

SCHEMA_VERSION = 2
"""1: incidents, items, notes, custody. 2: the trusted-time queue and tokens (``tsa_queue``, ``tsa_tokens``)."""
BUSY_TIMEOUT_MS = 15000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS incidents (
    ref          TEXT PRIMARY KEY,
    created_utc  TEXT NOT NULL,
    updated_utc  TEXT NOT NULL,
    status       TEXT NOT NULL,
    details      BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    ref           TEXT NOT NULL REFERENCES incidents(ref),
    seq           INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    created_utc   TEXT NOT NULL,
    media_type    TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    pixels_sha256 TEXT,
    width         INTEGER,
    height        INTEGER,
    size          INTEGER NOT NULL,
    parent_seq    INTEGER,
    excluded      INTEGER NOT NULL DEFAULT 0,
    content       BLOB,
    context       BLOB NOT NULL,
    PRIMARY KEY (ref, seq)
);
CREATE TABLE IF NOT EXISTS item_notes (
    ref   TEXT NOT NULL,
    seq   INTEGER NOT NULL,
    note  BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS custody (
    ref        TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    time_utc   TEXT NOT NULL,
    action     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    entry      BLOB NOT NULL,
    PRIMARY KEY (ref, seq)
);
CREATE TABLE IF NOT EXISTS deliveries (
    ref           TEXT PRIMARY KEY REFERENCES incidents(ref),
    folder        TEXT NOT NULL,
    bundle_name   TEXT NOT NULL,
    bundle_sha256 TEXT NOT NULL,
    sent_utc      TEXT NOT NULL,
    state         TEXT NOT NULL,
    received_by   TEXT NOT NULL DEFAULT '',
    received_utc  TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS tsa_queue (
    ref         TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    tsa_url     TEXT NOT NULL,
    tsa_name    TEXT NOT NULL,
    binding     BLOB NOT NULL,
    queued_utc  TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_utc    TEXT NOT NULL,
    lease_utc   TEXT NOT NULL DEFAULT '',
    last_error  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (ref, seq, tsa_url)
);
CREATE TABLE IF NOT EXISTS tsa_tokens (
    ref           TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    number        INTEGER NOT NULL,
    tsa_url       TEXT NOT NULL,
    tsa_name      TEXT NOT NULL,
    digest        TEXT NOT NULL,
    tsr           BLOB NOT NULL,
    chain_pem     BLOB NOT NULL,
    gen_time_utc  TEXT NOT NULL,
    serial        TEXT NOT NULL,
    nonce         TEXT,
    skew_seconds  INTEGER,
    custody_seq   INTEGER NOT NULL,
    PRIMARY KEY (ref, seq, number)
);
"""
_SCHEMA_TABLES = frozenset(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", _SCHEMA))
"""The tables :data:`_SCHEMA` makes: a vault that has them all, at :data:`SCHEMA_VERSION`, needs no write to open."""

LEASE_SECONDS = 120
"""How long a drainer holds a queue row while it asks (a killed drainer's lease simply runs out)."""


@dataclass(frozen=True)
class IncidentRow:
    """What the vault shows of an incident without an unlock."""

    ref: str
    created_utc: str
    updated_utc: str
    status: Status
    item_count: int


class DeliveryState(enum.Enum):
    """Where a sealed bundle stands on its way to a reviewer (issue 15)."""

    AWAITING = "awaiting"
    """On the share, read back whole; no reviewer's receipt yet: the local copy is kept."""
    RECEIVED = "received"
    """A reviewer's signed receipt for exactly this bundle is in the share's ``receipts/``."""
    MISSING = "missing"
    """The bundle is no longer on the share as written (deleted, truncated, replaced) and no receipt came."""


@dataclass(frozen=True)
class Delivery:
    """A sealed bundle's way to the reviewers, as plain facts (no personal data but the receiving reviewer's name).

    Attributes:
        ref: the incident.
        folder: the drop folder it was published in.
        bundle_name: its file name there (``REF.r1.zip.age``).
        bundle_sha256: SHA-256 (hex) of the file as written and read back.
        sent_utc: when it was sealed.
        state: awaiting a receipt, received, or missing from the share.
        received_by: the reviewer's name (and principal) from the receipt, once received.
        received_utc: when the reviewer's inbox verified it, once received.
    """

    ref: str
    folder: str
    bundle_name: str
    bundle_sha256: str
    sent_utc: str
    state: DeliveryState
    received_by: str = ""
    received_utc: str = ""


@dataclass(frozen=True)
class NewItem:
    """One item to store, with everything :meth:`Vault.add_item` writes about it.

    Attributes:
        kind: captured, received or derived.
        media_type: one of :data:`evidence.capture.items.MEDIA_TYPES`.
        content: the original bytes, exactly as captured or received.
        sha256: hex SHA-256 of ``content``.
        context: the context record of ``kind`` (a crop's names its original by digest).
        pixels_sha256: hex SHA-256 of the pixels as a binary PPM, where known.
        width, height: the image's size in pixels, where known.
        parent_seq: for a derived item, the item it was cut from (required); None otherwise.

    Raises:
        UsageError: on construction, when the fields do not fit together (a context of another kind, a crop
            without its parent, an unknown media type).
    """

    kind: ItemKind
    media_type: str
    content: bytes = field(repr=False)
    sha256: str
    context: ItemContext
    pixels_sha256: str | None = None
    width: int | None = None
    height: int | None = None
    parent_seq: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, ItemKind):
            raise UsageError(f"item kind {self.kind!r} is not an ItemKind")
        if self.media_type not in MEDIA_TYPES:
            raise UsageError(f"media type {self.media_type!r} is not one of {', '.join(MEDIA_TYPES)}")
        check_context(self.kind, self.context)
        if (self.kind is ItemKind.DERIVED) != (self.parent_seq is not None):
            raise UsageError("a derived item, and only a derived item, names the item it was cut from")

    @classmethod
    def from_shot(cls, shot: Capture | Derived, *, parent_seq: int | None = None) -> NewItem:
        """A screen capture, or a crop (PNG) of item ``parent_seq``; the kind follows the shot's context."""
        kind = ItemKind.DERIVED if isinstance(shot.context, DerivedContext) else ItemKind.CAPTURED
        return cls(
            kind=kind,
            media_type="image/png",
            content=shot.png,
            sha256=shot.png_sha256,
            context=shot.context,
            pixels_sha256=shot.pixels_sha256,
            width=shot.width,
            height=shot.height,
            parent_seq=parent_seq,
        )

    @classmethod
    def from_received(cls, received: Received) -> NewItem:
        """A received image, byte for byte."""
        return cls(
            kind=ItemKind.RECEIVED,
            media_type=received.media_type,
            content=received.content,
            sha256=received.sha256,
            context=received.context,
            pixels_sha256=received.pixels_sha256,
            width=received.width,
            height=received.height,
        )


@dataclass(frozen=True)
class ItemRow:
    """What the vault shows of an item without an unlock (it provides :class:`~evidence.capture.items.ItemFacts`).

    Attributes:
        kind: captured, received or derived.
        sha256: digest (hex) of the original file bytes.
        pixels_sha256: digest (hex) of the pixels as a binary PPM, where known.
        parent_seq: for a derived crop, the full frame it was cut from.
    """

    ref: str
    seq: int
    kind: ItemKind
    created_utc: str
    media_type: str
    sha256: str
    pixels_sha256: str | None
    width: int | None
    height: int | None
    size: int
    parent_seq: int | None
    excluded: bool
    shredded: bool

    @property
    def item_id(self) -> str:
        """``REF/N``."""
        return f"{self.ref}/{self.seq}"


@dataclass(frozen=True)
class Added:
    """What :meth:`Vault.add` did.

    Attributes:
        row: the item stored, or the item already held whose pixels a new captured frame repeats.
        stored: False when nothing new was stored (the custody log still records the capture).
    """

    row: ItemRow
    stored: bool


@dataclass(frozen=True)
class PendingStamp:
    """One queued request for trusted time: item ``REF/N``'s binding, for one TSA.

    Attributes:
        binding: the bytes the token must cover (:func:`evidence.crypto.tsa.item_binding`; digests only).
        attempts: how many times it was asked and failed.
        next_utc: not to be asked again before this time (back-off), unless asked for now.
        last_error: why the last attempt failed ("" if none).
    """

    ref: str
    seq: int
    tsa_url: str
    tsa_name: str
    binding: bytes = field(repr=False)
    queued_utc: str
    attempts: int
    next_utc: str
    last_error: str

    @property
    def item_id(self) -> str:
        """``REF/N``."""
        return f"{self.ref}/{self.seq}"


@dataclass(frozen=True)
class StoredToken:
    """A token the vault holds for an item, checked when it arrived (``tsa_tokens``).

    Attributes:
        number: J, the token's number for this item in order of arrival (``data/items/NNN.tsa-J.tsr``).
        digest_hex: SHA-256 of the item's binding, which the token covers.
        tsr: the DER TimeStampResp as the TSA sent it.
        chain_pem: the anchor that verified it, then the intermediates.
        gen_time_utc: the TSA's time (as :func:`evidence.core.timefmt.format_utc` writes it).
        serial_hex: the token's serial number, hex.
        nonce_hex: the request's nonce, hex, or None.
        skew_seconds: workstation minus TSA time when it arrived, rounded, or None.
        custody_seq: the ``timestamped`` custody entry that recorded it.
    """

    ref: str
    seq: int
    number: int
    tsa_url: str
    tsa_name: str
    digest_hex: str
    tsr: bytes = field(repr=False)
    chain_pem: bytes = field(repr=False)
    gen_time_utc: str
    serial_hex: str
    nonce_hex: str | None
    skew_seconds: int | None
    custody_seq: int


_SELECT_STAMPS = (
    "SELECT ref, seq, number, tsa_url, tsa_name, digest, tsr, chain_pem, gen_time_utc, serial, nonce, skew_seconds,"
    " custody_seq FROM tsa_tokens WHERE ref = ?"
)
_INSERT_STAMP = (
    "INSERT INTO tsa_tokens (ref, seq, number, tsa_url, tsa_name, digest, tsr, chain_pem, gen_time_utc, serial,"
    " nonce, skew_seconds, custody_seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_SELECT_QUEUE = (
    "SELECT q.ref, q.seq, q.tsa_url, q.tsa_name, q.binding, q.queued_utc, q.attempts, q.next_utc, q.last_error"
    " FROM tsa_queue q JOIN incidents i ON i.ref = q.ref WHERE i.status IN (?, ?)"
)


def _later(seconds: float) -> str:
    """The UTC time ``seconds`` from now, in the stored form."""
    return format_utc(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds))


_CHECKED: set[str] = set()
"""Vault files this process has already run ``quick_check`` on."""


def _encrypt_large(content: bytes, recipients: Sequence[str]) -> bytes:
    """Encrypt an image chunk by chunk: pyrage then lets other threads (the UI) run between chunks."""
    out = io.BytesIO()
    ageio.encrypt_stream(io.BytesIO(content), out, recipients)
    return out.getvalue()


def _refuse_items(ref: str, status: Status) -> None:
    if status is Status.BLOCKED:
        raise VaultError(
            f"{ref}: capture refused: this incident concerns a nude or semi-nude image of a child. "
            "Do not capture, copy or save it; tell the DSL now."
        )
    if status is not Status.DRAFT:
        raise VaultError(f"{ref} is {status.value}; no items can be added")


@dataclass(frozen=True)
class _Tip:
    seq: int
    hash: str
    time_utc: str


class VaultContentReader:
    """Reads item contents over a read-only connection, from one thread at a time (:meth:`Vault.content_reader`)."""

    def __init__(self, path: Path, db: sqlite3.Connection) -> None:
        self._path = path
        self._db = db
        self._lock = threading.Lock()

    def item_content(self, ref: str, seq: int, identities: Sequence[str], *, check_digest: bool = True) -> bytes:
        """As :meth:`Vault.item_content`."""
        with self._lock:
            try:
                row = self._db.execute(
                    "SELECT content, sha256 FROM items WHERE ref = ? AND seq = ?", (ref, seq)
                ).fetchone()
            except sqlite3.Error as e:
                raise VaultError(f"{self._path}: cannot read the vault: {e}") from e
        return open_content(ref, seq, row, identities, check_digest=check_digest)


def open_content(ref: str, seq: int, row: Any, identities: Sequence[str], *, check_digest: bool) -> bytes:
    """Decrypt an item's ``(content, sha256)`` row (and check it unless ``check_digest`` is False).

    Raises:
        DigestMismatchError: the decrypted bytes are not the ones recorded.
        VaultError: there is no such item (``row`` None), or it was shredded.
    """
    if row is None:
        raise VaultError(f"no item {ref}/{seq} in this vault")
    if row[0] is None:
        raise VaultError(f"item {ref}/{seq} was shredded")
    data = ageio.decrypt(row[0], identities)
    if check_digest and hashlib.sha256(data).hexdigest() != row[1]:  # anyone can encrypt to the public recipients
        raise DigestMismatchError(
            f"item {ref}/{seq} does not match its recorded SHA-256 (its stored content was replaced or damaged)",
            subject=f"{ref}/{seq}",
        )
    return data


class Vault:
    """An open vault file. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                raise VaultError(f"{path}: cannot switch the vault to WAL mode (got {mode})")
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.execute("PRAGMA secure_delete = ON")
            self._db.execute("PRAGMA foreign_keys = ON")
            if not self._schema_current():  # a write (and its fsync, ~10 ms) only when there is something to make
                with self._write():
                    self._schema_current()  # the version check again, inside the lock
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            self._db.execute(statement)
                    self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            key = str(path.resolve())
            if key not in _CHECKED:  # once per process: the check reads the whole file, so not on every capture
                check = self._db.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    raise VaultError(f"{path}: vault is damaged: {check}")
                _CHECKED.add(key)
        except sqlite3.Error as e:
            raise VaultError(f"{path}: cannot open the vault: {e}") from e

    def _schema_current(self) -> bool:
        """True when the file is at :data:`SCHEMA_VERSION` and has every table of :data:`_SCHEMA` (a read only).

        Raises:
            VaultError: the file is from a newer version of the app.
        """
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise VaultError(f"{self.path}: vault is from a newer version of the app (schema {version})")
        present = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return version == SCHEMA_VERSION and present >= _SCHEMA_TABLES

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    @contextlib.contextmanager
    def content_reader(self) -> Iterator[VaultContentReader]:
        """A read-only connection of its own that reads item contents on a worker thread (the streaming seal reads
        the next image there, where SQLite releases the GIL, while this thread encrypts). Closed on exit."""
        try:
            db = sqlite3.connect(self.path, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
            db.execute("PRAGMA query_only = ON")  # this connection never writes
        except sqlite3.Error as e:
            raise VaultError(f"{self.path}: cannot open the vault: {e}") from e
        try:
            yield VaultContentReader(self.path, db)
        finally:
            db.close()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One immediate write transaction; rolled back on any error."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise VaultError(f"{self.path}: cannot write to the vault: {e}") from e
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException as e:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            if isinstance(e, sqlite3.Error):
                raise VaultError(f"{self.path}: cannot write to the vault: {e}") from e
            raise

    # -- writing (public keys only) ---------------------------------------------------------------------------

    def _append_custody(
        self,
        ref: str,
        *,
        actor: str,
        action: Action,
        subject: str,
        details: dict[str, Any],
        recipients: Sequence[str],
    ) -> CustodyEntry:
        row = self._db.execute(
            "SELECT seq, hash, time_utc FROM custody WHERE ref = ? ORDER BY seq DESC LIMIT 1", (ref,)
        ).fetchone()
        tip = _Tip(*row) if row else None
        entry = make_entry(tip, actor=actor, action=action, subject=subject, details=details)
        self._db.execute(
            "INSERT INTO custody (ref, seq, time_utc, action, prev_hash, hash, entry) VALUES (?,?,?,?,?,?,?)",
            (
                ref,
                entry.seq,
                entry.time_utc,
                entry.action,
                entry.prev_hash,
                entry.hash,
                ageio.encrypt(entry.to_bytes(), recipients),
            ),
        )
        return entry

    def create_incident(
        self, details: IncidentDetails, *, actor: str, recipients: Sequence[str], ref: str | None = None
    ) -> str:
        """Create an incident and its custody chain; return its reference."""
        ref = check_ref(ref) if ref else new_ref()
        now = utc_now()
        blob = ageio.encrypt(canonical.dumps(details.to_json_dict()), recipients)
        status = Status.BLOCKED if details.safeguarding_block else Status.DRAFT
        with self._write() as db:
            db.execute(
                "INSERT INTO incidents (ref, created_utc, updated_utc, status, details) VALUES (?,?,?,?,?)",
                (ref, now, now, status.value, blob),
            )
            self._append_custody(
                ref, actor=actor, action=Action.CREATED, subject=ref, details={}, recipients=recipients
            )
            if details.safeguarding_block:
                self._append_custody(
                    ref,
                    actor=actor,
                    action=Action.SAFEGUARDING_BLOCK,
                    subject=ref,
                    details={"reason": "nude or semi-nude image of a child: capture refused"},
                    recipients=recipients,
                )
        return ref

    def update_details(self, ref: str, details: IncidentDetails, *, actor: str, recipients: Sequence[str]) -> None:
        """Replace the incident's details (logged as ``annotated``; a safeguarding category blocks capture)."""
        row = self.incident(ref)
        if row.status not in (Status.DRAFT, Status.BLOCKED):
            raise VaultError(f"{ref} is {row.status.value}; its details can no longer change")
        blob = ageio.encrypt(canonical.dumps(details.to_json_dict()), recipients)
        with self._write() as db:
            db.execute("UPDATE incidents SET details = ?, updated_utc = ? WHERE ref = ?", (blob, utc_now(), ref))
            self._append_custody(
                ref,
                actor=actor,
                action=Action.ANNOTATED,
                subject=ref,
                details={"what": "incident details"},
                recipients=recipients,
            )
            if details.safeguarding_block and row.status is not Status.BLOCKED:
                db.execute("UPDATE incidents SET status = ? WHERE ref = ?", (Status.BLOCKED.value, ref))
                self._append_custody(
                    ref,
                    actor=actor,
                    action=Action.SAFEGUARDING_BLOCK,
                    subject=ref,
                    details={"reason": "nude or semi-nude image of a child: capture refused"},
                    recipients=recipients,
                )
            elif not details.safeguarding_block and row.status is Status.BLOCKED:
                # the user confirmed that the incident is not about such an image after all: capture is allowed
                # again, the log says so, and any item removed meanwhile stays removed
                db.execute("UPDATE incidents SET status = ? WHERE ref = ?", (Status.DRAFT.value, ref))
                self._append_custody(
                    ref,
                    actor=actor,
                    action=Action.ANNOTATED,
                    subject=ref,
                    details={"what": "safeguarding mark removed: capture allowed again"},
                    recipients=recipients,
                )

    def add_item(
        self,
        ref: str,
        item: NewItem,
        *,
        actor: str,
        recipients: Sequence[str],
        tsas: Sequence[TsaConfig] = (),
    ) -> ItemRow:
        """Encrypt and store one item with its custody entry, in one transaction; see :meth:`add`.

        Returns:
            The stored item, or for a captured frame whose pixels the incident already holds, that item.
        """
        return self.add(ref, item, actor=actor, recipients=recipients, tsas=tsas).row

    def add(
        self,
        ref: str,
        item: NewItem,
        *,
        actor: str,
        recipients: Sequence[str],
        tsas: Sequence[TsaConfig] = (),
    ) -> Added:
        """Encrypt and store one item with its custody entry, in one transaction.

        A stored item with a pixel digest is queued for trusted time with each of ``tsas`` in the same transaction
        (nothing is asked here: the network is for :mod:`evidence.vault.timestamps`).

        One original per picture: a *captured* item whose ``pixels_sha256`` equals that of a captured item the
        incident already holds (not excluded) is not stored again. The custody log records the capture all the
        same, as a ``captured`` entry for the item already held, with ``stored`` saying why nothing was added;
        a crop of the new frame is then linked to that item. So four region captures of an unchanged screen
        give one original and four crops, and the original is shown and numbered once.

        Raises:
            VaultError: the incident does not exist, is blocked by the safeguarding gate, is sealed, the parent of
                a derived item is not one of its captured items, or the write failed (nothing is stored then).
        """
        if item.kind is ItemKind.CAPTURED and item.pixels_sha256:
            with self._write():
                _refuse_items(ref, self._status_in_tx(ref))
                same = self._db.execute(
                    "SELECT seq FROM items WHERE ref = ? AND kind = ? AND excluded = 0 AND content IS NOT NULL"
                    " AND pixels_sha256 = ? ORDER BY seq LIMIT 1",
                    (ref, ItemKind.CAPTURED.value, item.pixels_sha256),
                ).fetchone()
                if same is not None:
                    kept = self.item(ref, same[0])
                    self._append_custody(
                        ref,
                        actor=actor,
                        action=Action.CAPTURED,
                        subject=f"{ref}/{kept.seq}",
                        details={
                            "item": kept.seq,
                            "sha256": kept.sha256,
                            "pixels_sha256": item.pixels_sha256,
                            "media_type": kept.media_type,
                            "size": kept.size,
                            "stored": f"no: the screen showed the same pixels as item {kept.seq}, which is kept",
                        },
                        recipients=recipients,
                    )
                    self._db.execute("UPDATE incidents SET updated_utc = ? WHERE ref = ?", (utc_now(), ref))
                    return Added(kept, stored=False)
        return Added(self._insert(ref, item, actor=actor, recipients=recipients, tsas=tsas), stored=True)

    def _insert(
        self, ref: str, item: NewItem, *, actor: str, recipients: Sequence[str], tsas: Sequence[TsaConfig]
    ) -> ItemRow:
        action = {
            ItemKind.CAPTURED: Action.CAPTURED,
            ItemKind.RECEIVED: Action.RECEIVED,
            ItemKind.DERIVED: Action.DERIVED,
        }[item.kind]
        kind, media_type, content, sha256 = item.kind.value, item.media_type, item.content, item.sha256
        pixels_sha256, width, height, parent_seq = item.pixels_sha256, item.width, item.height, item.parent_seq
        content_blob = _encrypt_large(content, recipients)
        context_blob = ageio.encrypt(canonical.dumps(item.context.to_json_dict()), recipients)
        with self._write() as db:
            _refuse_items(ref, self._status_in_tx(ref))
            if parent_seq is not None:
                parent = db.execute("SELECT kind FROM items WHERE ref = ? AND seq = ?", (ref, parent_seq)).fetchone()
                if parent is None or parent[0] != ItemKind.CAPTURED.value:
                    raise VaultError(
                        f"{ref}/{parent_seq} is not a captured item of {ref}, so nothing can be cut from it"
                    )
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM items WHERE ref = ?", (ref,)).fetchone()[0]
            now = utc_now()
            db.execute(
                "INSERT INTO items (ref, seq, kind, created_utc, media_type, sha256, pixels_sha256, width, height,"
                " size, parent_seq, content, context) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    ref,
                    seq,
                    kind,
                    now,
                    media_type,
                    sha256,
                    pixels_sha256,
                    width,
                    height,
                    len(content),
                    parent_seq,
                    content_blob,
                    context_blob,
                ),
            )
            info: dict[str, Any] = {
                "item": seq,
                "sha256": sha256,
                "media_type": media_type,
                "size": len(content),
            }
            if pixels_sha256:
                info["pixels_sha256"] = pixels_sha256
            if parent_seq is not None:
                info["parent"] = parent_seq
            entry = self._append_custody(
                ref, actor=actor, action=action, subject=f"{ref}/{seq}", details=info, recipients=recipients
            )
            if pixels_sha256:
                binding = item_binding(
                    file_sha256_hex=sha256, pixels_sha256_hex=pixels_sha256, custody_entry_hash_hex=entry.hash
                )
                for tsa in tsas:
                    db.execute(
                        "INSERT OR IGNORE INTO tsa_queue (ref, seq, tsa_url, tsa_name, binding, queued_utc, next_utc)"
                        " VALUES (?,?,?,?,?,?,?)",
                        (ref, seq, tsa.url, tsa.name, binding, now, now),
                    )
            db.execute("UPDATE incidents SET updated_utc = ? WHERE ref = ?", (now, ref))
        return self.item(ref, seq)

    def exclude_item(self, ref: str, seq: int, reason: str, *, actor: str, recipients: Sequence[str]) -> None:
        """Exclude an item from sealing. A reason is required; the item stays in the vault and the log says why."""
        reason = reason.strip()
        if not reason:
            raise VaultError("say why the item is excluded: nothing is left out silently")
        with self._write() as db:
            self._add_note_in_tx(ref, seq, {"excluded_reason": reason}, recipients)
            db.execute("UPDATE items SET excluded = 1 WHERE ref = ? AND seq = ?", (ref, seq))
            self._append_custody(
                ref,
                actor=actor,
                action=Action.EXCLUDED,
                subject=f"{ref}/{seq}",
                details={"reason": reason},
                recipients=recipients,
            )

    def caption_item(self, ref: str, seq: int, caption: str, *, actor: str, recipients: Sequence[str]) -> None:
        """Set an item's caption (logged as ``annotated``)."""
        with self._write():
            self._add_note_in_tx(ref, seq, {"caption": caption.strip()}, recipients)
            self._append_custody(
                ref,
                actor=actor,
                action=Action.ANNOTATED,
                subject=f"{ref}/{seq}",
                details={"what": "caption"},
                recipients=recipients,
            )

    def _add_note_in_tx(self, ref: str, seq: int, note: dict[str, str], recipients: Sequence[str]) -> None:
        """Notes are append-only and encrypted, so setting one needs no secret key; readers merge them in order."""
        if self._status_in_tx(ref) is not Status.DRAFT:
            raise VaultError(f"{ref} is no longer a draft; its items cannot change")
        if self._db.execute("SELECT 1 FROM items WHERE ref = ? AND seq = ?", (ref, seq)).fetchone() is None:
            raise VaultError(f"no item {ref}/{seq} in this vault")
        blob = ageio.encrypt(canonical.dumps({"time_utc": utc_now(), **note}), recipients)
        self._db.execute("INSERT INTO item_notes (ref, seq, note) VALUES (?, ?, ?)", (ref, seq, blob))

    def item_notes(self, ref: str, seq: int, identities: Sequence[str]) -> dict[str, str]:
        """The item's caption and exclusion reason (latest values)."""
        merged: dict[str, str] = {}
        for (blob,) in self._db.execute(
            "SELECT note FROM item_notes WHERE ref = ? AND seq = ? ORDER BY rowid", (ref, seq)
        ).fetchall():
            value = self._open_json(blob, identities, f"{ref}/{seq} note")
            merged.update({k: v for k, v in value.items() if k != "time_utc"})
        return merged

    def shred(self, ref: str, *, actor: str, recipients: Sequence[str], reason: str) -> None:
        """Delete a sealed incident's local images, contexts, notes and details (``secure_delete`` overwrites them).

        Ids, digests and the custody log stay, so the local record still shows what was sealed and when; the
        evidence itself now lives only in the sealed bundle.
        """
        with self._write() as db:
            status = self._status_in_tx(ref)
            if status is not Status.SEALED:
                raise VaultError(f"{ref} is {status.value}; only a sealed incident's local copy can be deleted")
            empty = ageio.encrypt(canonical.dumps(IncidentDetails().to_json_dict()), recipients)
            db.execute("UPDATE items SET content = NULL, context = ? WHERE ref = ?", (b"", ref))
            db.execute("DELETE FROM item_notes WHERE ref = ?", (ref,))
            db.execute("DELETE FROM tsa_queue WHERE ref = ?", (ref,))
            db.execute(
                "UPDATE incidents SET details = ?, status = ?, updated_utc = ? WHERE ref = ?",
                (empty, Status.SHREDDED.value, utc_now(), ref),
            )
            self._append_custody(
                ref,
                actor=actor,
                action=Action.DISPOSED,
                subject=ref,
                details={"what": "local copy deleted after sealing", "reason": reason},
                recipients=recipients,
            )

    def remove_for_safeguarding(self, ref: str, *, actor: str, recipients: Sequence[str]) -> list[int]:
        """Remove every item of a safeguarding-blocked incident from this computer; return the removed item numbers.

        A nude or semi-nude image of a child must not be kept (UKCIS), so each item's image, context and notes are
        deleted (``secure_delete`` overwrites them) and the item is excluded with the reason
        :data:`~evidence.case.custody.REMOVED_FOR_SAFEGUARDING`. The custody log gets one ``disposed`` entry per
        item carrying only its digests, so a sealed bundle still accounts for every item, and reviewers see that it
        existed and was removed, without anyone seeing it again. Items already removed are left alone.

        Raises:
            VaultError: the incident is not blocked by the safeguarding gate (nothing is removed then).
        """
        removed = []
        with self._write() as db:
            status = self._status_in_tx(ref)
            if status is not Status.BLOCKED:
                raise VaultError(f"{ref} is {status.value}; only a safeguarding-blocked incident's items are removed")
            rows = db.execute(
                "SELECT seq, sha256, pixels_sha256, size FROM items WHERE ref = ? AND content IS NOT NULL ORDER BY seq",
                (ref,),
            ).fetchall()
            reason = ageio.encrypt(
                canonical.dumps({"time_utc": utc_now(), "excluded_reason": REMOVED_FOR_SAFEGUARDING}), recipients
            )
            for seq, sha256, pixels_sha256, size in rows:
                db.execute(
                    "UPDATE items SET content = NULL, context = ?, excluded = 1 WHERE ref = ? AND seq = ?",
                    (b"", ref, seq),
                )
                db.execute("DELETE FROM item_notes WHERE ref = ? AND seq = ?", (ref, seq))
                db.execute("DELETE FROM tsa_queue WHERE ref = ? AND seq = ?", (ref, seq))
                db.execute("INSERT INTO item_notes (ref, seq, note) VALUES (?, ?, ?)", (ref, seq, reason))
                info: dict[str, Any] = {"reason": REMOVED_FOR_SAFEGUARDING, "sha256": sha256, "size": size}
                if pixels_sha256:
                    info["pixels_sha256"] = pixels_sha256
                self._append_custody(
                    ref,
                    actor=actor,
                    action=Action.DISPOSED,
                    subject=f"{ref}/{seq}",
                    details=info,
                    recipients=recipients,
                )
                removed.append(seq)
            if removed:
                db.execute("UPDATE incidents SET updated_utc = ? WHERE ref = ?", (utc_now(), ref))
        if removed:
            self._checkpoint()
        return removed

    def purge_disposed(self, ref: str) -> bool:
        """Delete every row of an incident the school has disposed of; return True if this vault held it.

        Called when the drop folder's signed disposal register names ``ref`` (a staff workstation learns of a
        disposal at its next start). Items, notes, details, the custody log, the trusted-time queue and tokens and
        the delivery record all go: the register is now the record. ``secure_delete`` zeroes the freed pages and a
        checkpoint copies them over the database file.
        """
        with self._write() as db:
            if db.execute("SELECT 1 FROM incidents WHERE ref = ?", (ref,)).fetchone() is None:
                return False
            for table in ("item_notes", "tsa_queue", "tsa_tokens", "deliveries", "items", "custody", "incidents"):
                db.execute(f"DELETE FROM {table} WHERE ref = ?", (ref,))  # noqa: S608 - table names are literals
        self._checkpoint()
        return True

    def _checkpoint(self) -> None:
        """Copy the write-ahead log into the database and empty it, so the old pages of deleted data are gone.

        ``secure_delete`` zeroes freed pages, but in WAL mode the zeroed pages first land in the log while the
        database file still holds the old ones; a checkpoint overwrites them. Best effort: a reader holding an old
        snapshot (another process) can make it partial, and the next checkpoint finishes the work.
        """
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()

    # -- trusted time: the queue and the tokens (public keys only) -----------------------------------------------

    def pending_timestamps(
        self, *, ref: str | None = None, due_only: bool = False, now: str | None = None
    ) -> list[PendingStamp]:
        """Queued requests of incidents still open (draft or blocked), oldest first.

        Args:
            ref: only this incident's.
            due_only: only those whose back-off has run out and that no drainer holds.
            now: the time to compare with (default: now).
        """
        now = now or utc_now()
        sql = _SELECT_QUEUE
        args: list[Any] = [Status.DRAFT.value, Status.BLOCKED.value]
        if ref is not None:
            sql += " AND q.ref = ?"
            args.append(ref)
        if due_only:
            sql += " AND q.next_utc <= ? AND q.lease_utc <= ?"
            args += [now, now]
        sql += " ORDER BY q.queued_utc, q.ref, q.seq, q.tsa_url"
        try:
            rows = self._db.execute(sql, args).fetchall()
        except sqlite3.Error as e:
            raise VaultError(f"{self.path}: cannot read the vault: {e}") from e
        return [PendingStamp(*r) for r in rows]

    def lease_timestamp(self, pending: PendingStamp, *, seconds: float = LEASE_SECONDS) -> bool:
        """Hold ``pending`` for this drainer while it asks; False when it is gone or another drainer holds it."""
        now = utc_now()
        with self._write() as db:
            cursor = db.execute(
                "UPDATE tsa_queue SET lease_utc = ? WHERE ref = ? AND seq = ? AND tsa_url = ? AND lease_utc <= ?",
                (_later(seconds), pending.ref, pending.seq, pending.tsa_url, now),
            )
            return cursor.rowcount == 1

    def timestamp_failed(self, pending: PendingStamp, error: TsaError, *, retry_after_s: float) -> None:
        """Record a failed attempt: count it, say why (no personal data: TSA errors name only the TSA), back off."""
        with self._write() as db:
            db.execute(
                "UPDATE tsa_queue SET attempts = attempts + 1, next_utc = ?, lease_utc = '', last_error = ?"
                " WHERE ref = ? AND seq = ? AND tsa_url = ?",
                (_later(retry_after_s), f"{error.check}: {error}"[:300], pending.ref, pending.seq, pending.tsa_url),
            )

    def defer_timestamps(self, tsa_url: str, *, seconds: float) -> int:
        """Hold back every queued request to ``tsa_url`` for ``seconds`` (it is unreachable); return how many.

        Attempts are not counted: those requests were not tried.
        """
        later = _later(seconds)
        with self._write() as db:
            return db.execute(
                "UPDATE tsa_queue SET next_utc = ? WHERE tsa_url = ? AND next_utc < ?", (later, tsa_url, later)
            ).rowcount

    def release_timestamp(self, pending: PendingStamp) -> None:
        """Give a leased row back untried (the drain stopped before asking)."""
        with self._write() as db:
            db.execute(
                "UPDATE tsa_queue SET lease_utc = '' WHERE ref = ? AND seq = ? AND tsa_url = ?",
                (pending.ref, pending.seq, pending.tsa_url),
            )

    def store_timestamp(
        self, pending: PendingStamp, token: Token, *, actor: str, recipients: Sequence[str]
    ) -> StoredToken | None:
        """Store ``token`` (already checked against the binding), log ``timestamped`` and dequeue, in one transaction.

        Returns:
            The stored token, or None when the row was no longer queued (the incident was sealed or the item
            removed meanwhile): then nothing is written.

        Raises:
            VaultError: the token is not over this row's binding, or the write failed (nothing is written then).
        """
        if token.digest != hashlib.sha256(pending.binding).digest():
            raise VaultError(f"{pending.item_id}: the token does not cover this item's binding")
        with self._write() as db:
            queued = db.execute(
                "SELECT 1 FROM tsa_queue WHERE ref = ? AND seq = ? AND tsa_url = ?",
                (pending.ref, pending.seq, pending.tsa_url),
            ).fetchone()
            if queued is None:
                return None
            number = db.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM tsa_tokens WHERE ref = ? AND seq = ?",
                (pending.ref, pending.seq),
            ).fetchone()[0]
            skew = token.skew_seconds
            details: dict[str, Any] = {
                "item": pending.seq,
                "token": number,
                "tsa": token.tsa_name,
                "tsa_url": pending.tsa_url,
                "gen_time": format_utc(token.gen_time),
                "serial": f"{token.serial_number:x}",
                "imprint_sha256": token.digest_hex,
                "tsr_sha256": hashlib.sha256(token.tsr).hexdigest(),
            }
            if token.nonce is not None:
                details["nonce"] = f"{token.nonce:x}"
            if skew is not None:
                details["clock_skew_seconds"] = round(skew)
            entry = self._append_custody(
                pending.ref,
                actor=actor,
                action=Action.TIMESTAMPED,
                subject=f"{pending.ref}/{pending.seq}",
                details=details,
                recipients=recipients,
            )
            stored = StoredToken(
                ref=pending.ref,
                seq=pending.seq,
                number=number,
                tsa_url=pending.tsa_url,
                tsa_name=token.tsa_name,
                digest_hex=token.digest_hex,
                tsr=token.tsr,
                chain_pem=token.chain_pem,
                gen_time_utc=details["gen_time"],
                serial_hex=details["serial"],
                nonce_hex=details.get("nonce"),
                skew_seconds=details.get("clock_skew_seconds"),
                custody_seq=entry.seq,
            )
            db.execute(
                _INSERT_STAMP,
                (
                    stored.ref,
                    stored.seq,
                    stored.number,
                    stored.tsa_url,
                    stored.tsa_name,
                    stored.digest_hex,
                    stored.tsr,
                    stored.chain_pem,
                    stored.gen_time_utc,
                    stored.serial_hex,
                    stored.nonce_hex,
                    stored.skew_seconds,
                    stored.custody_seq,
                ),
            )
            db.execute(
                "DELETE FROM tsa_queue WHERE ref = ? AND seq = ? AND tsa_url = ?",
                (pending.ref, pending.seq, pending.tsa_url),
            )
        return stored

    def timestamp_tokens(self, ref: str, seq: int | None = None) -> list[StoredToken]:
        """The tokens held for ``ref``'s items (or item ``seq``'s), by item and number."""
        sql = _SELECT_STAMPS
        args: list[Any] = [ref]
        if seq is not None:
            sql += " AND seq = ?"
            args.append(seq)
        rows = self._db.execute(sql + " ORDER BY seq, number", args).fetchall()
        return [StoredToken(*r) for r in rows]

    def drop_timestamp_queue(self, ref: str) -> int:
        """Forget ``ref``'s queued requests (it was sealed: no later token can join its bundle); return how many."""
        with self._write() as db:
            return db.execute("DELETE FROM tsa_queue WHERE ref = ?", (ref,)).rowcount

    def check_capture_allowed(self, ref: str) -> None:
        """Refuse before anything is grabbed: a blocked, sealed or unknown incident takes no items.

        Raises:
            VaultError: naming the reason (for the safeguarding gate, what to do instead).
        """
        _refuse_items(ref, self.incident(ref).status)

    def log(
        self,
        ref: str,
        action: Action,
        *,
        actor: str,
        recipients: Sequence[str],
        details: dict[str, Any] | None = None,
        subject: str | None = None,
    ) -> CustodyEntry:
        """Append one custody entry on its own."""
        with self._write():
            self._status_in_tx(ref)
            return self._append_custody(
                ref,
                actor=actor,
                action=action,
                subject=subject or ref,
                details=details or {},
                recipients=recipients,
            )

    def log_and_set_status(
        self,
        ref: str,
        action: Action,
        status: Status,
        *,
        actor: str,
        recipients: Sequence[str],
        details: dict[str, Any] | None = None,
    ) -> CustodyEntry:
        """Append a custody entry and change the status in one transaction (e.g. "sealed": both or neither)."""
        with self._write() as db:
            self._status_in_tx(ref)
            entry = self._append_custody(
                ref, actor=actor, action=action, subject=ref, details=details or {}, recipients=recipients
            )
            db.execute("UPDATE incidents SET status = ?, updated_utc = ? WHERE ref = ?", (status.value, utc_now(), ref))
            return entry

    def set_status(self, ref: str, status: Status) -> None:
        """Change the plain status column (the caller logs why)."""
        with self._write() as db:
            self._status_in_tx(ref)
            db.execute(
                "UPDATE incidents SET status = ?, updated_utc = ? WHERE ref = ?",
                (status.value, utc_now(), ref),
            )

    def _status_in_tx(self, ref: str) -> Status:
        row = self._db.execute("SELECT status FROM incidents WHERE ref = ?", (ref,)).fetchone()
        if row is None:
            raise VaultError(f"no incident {ref} in this vault")
        return Status(row[0])

    # -- reading without an unlock ----------------------------------------------------------------------------

    def list_incidents(self) -> list[IncidentRow]:
        """Every incident, newest first."""
        try:
            rows = self._db.execute(
                "SELECT i.ref, i.created_utc, i.updated_utc, i.status,"
                " (SELECT COUNT(*) FROM items t WHERE t.ref = i.ref AND t.excluded = 0)"
                " FROM incidents i ORDER BY i.created_utc DESC, i.ref"
            ).fetchall()
        except sqlite3.Error as e:
            raise VaultError(f"{self.path}: cannot read the vault: {e}") from e
        return [IncidentRow(r[0], r[1], r[2], Status(r[3]), r[4]) for r in rows]

    def incident(self, ref: str) -> IncidentRow:
        """One incident's plain row."""
        for row in self.list_incidents():
            if row.ref == ref:
                return row
        raise VaultError(f"no incident {ref} in this vault")

    def items(self, ref: str) -> list[ItemRow]:
        """The incident's items in order (excluded ones included, flagged)."""
        rows = self._db.execute(
            "SELECT ref, seq, kind, created_utc, media_type, sha256, pixels_sha256, width, height, size,"
            " parent_seq, excluded, typeof(content) = 'null' FROM items WHERE ref = ? ORDER BY seq",
            (ref,),
        ).fetchall()
        return [
            ItemRow(
                ref=r[0],
                seq=r[1],
                kind=ItemKind(r[2]),
                created_utc=r[3],
                media_type=r[4],
                sha256=r[5],
                pixels_sha256=r[6],
                width=r[7],
                height=r[8],
                size=r[9],
                parent_seq=r[10],
                excluded=bool(r[11]),
                shredded=bool(r[12]),
            )
            for r in rows
        ]

    def item(self, ref: str, seq: int) -> ItemRow:
        """One item's plain row."""
        for row in self.items(ref):
            if row.seq == seq:
                return row
        raise VaultError(f"no item {ref}/{seq} in this vault")

    # -- reading with an identity -----------------------------------------------------------------------------

    def details(self, ref: str, identities: Sequence[str]) -> IncidentDetails:
        """Decrypt the incident's details."""
        row = self._db.execute("SELECT details FROM incidents WHERE ref = ?", (ref,)).fetchone()
        if row is None:
            raise VaultError(f"no incident {ref} in this vault")
        value = self._open_json(row[0], identities, f"{ref} details")
        return IncidentDetails.parse(value)

    def item_content(self, ref: str, seq: int, identities: Sequence[str], *, check_digest: bool = True) -> bytes:
        """Decrypt an item's original bytes and check them against the stored digest.

        ``check_digest=False`` is only for a caller that hashes the bytes itself and compares them with the item's
        recorded ``sha256`` (the streaming seal does, as they pass into the bundle), so each byte is hashed once.

        Raises:
            DigestMismatchError: the decrypted bytes are not the ones recorded (a swapped or damaged blob).
            VaultError: there is no such item, or it was shredded.
        """
        row = self._db.execute("SELECT content, sha256 FROM items WHERE ref = ? AND seq = ?", (ref, seq)).fetchone()
        return open_content(ref, seq, row, identities, check_digest=check_digest)

    def item_context(self, ref: str, seq: int, identities: Sequence[str]) -> ItemContext:
        """Decrypt an item's context record (capture, crop or receipt, by the item's kind).

        Raises:
            ContextError: the stored context is not a record of the item's kind.
            VaultError: there is no such item, or it was shredded.
        """
        row = self._db.execute("SELECT context, kind FROM items WHERE ref = ? AND seq = ?", (ref, seq)).fetchone()
        if row is None:
            raise VaultError(f"no item {ref}/{seq} in this vault")
        if not row[0]:
            raise VaultError(f"item {ref}/{seq} was shredded")
        return parse_context(ItemKind(row[1]), self._open_json(row[0], identities, f"{ref}/{seq} context"))

    def custody(self, ref: str, identities: Sequence[str]) -> list[CustodyEntry]:
        """Decrypt and verify the incident's custody chain.

        Raises:
            CustodyError: an entry does not match its plain columns, or the chain is broken.
        """
        rows = self._db.execute(
            "SELECT seq, time_utc, action, prev_hash, hash, entry FROM custody WHERE ref = ? ORDER BY seq",
            (ref,),
        ).fetchall()
        entries = []
        for seq, time_utc, action, prev_hash, hash_hex, blob in rows:
            entry = CustodyEntry.parse(self._open_json(blob, identities, f"{ref} custody entry {seq}"))
            if (entry.seq, entry.time_utc, entry.action, entry.prev_hash, entry.hash) != (
                seq,
                time_utc,
                action,
                prev_hash,
                hash_hex,
            ):
                raise CustodyError(f"{ref} custody entry {seq} does not match its index row")
            entries.append(entry)
        verify_chain(entries)
        return entries

    def _open_json(self, blob: bytes, identities: Sequence[str], what: str) -> Any:
        data = ageio.decrypt(blob, identities)
        try:
            return canonical.loads_canonical(data, what=what)
        except EvidenceError as e:
            raise VaultError(str(e)) from e

    # -- deliveries (issue 15): the local copy is kept until a reviewer's receipt --------------------------------------

    def record_sent(
        self, ref: str, folder: str, bundle_name: str, bundle_sha256: str, *, when: str | None = None
    ) -> None:
        """Remember that ``ref``'s bundle was published and read back whole; it now awaits a receipt."""
        with self._write() as db:
            self._status_in_tx(ref)
            db.execute(
                "INSERT OR REPLACE INTO deliveries (ref, folder, bundle_name, bundle_sha256, sent_utc, state)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (ref, folder, bundle_name, bundle_sha256, when or utc_now(), DeliveryState.AWAITING.value),
            )

    def set_delivery(self, ref: str, state: DeliveryState, *, received_by: str = "", received_utc: str = "") -> None:
        """Change a delivery's state (the caller logs why in the custody log)."""
        with self._write() as db:
            db.execute(
                "UPDATE deliveries SET state = ?, received_by = ?, received_utc = ? WHERE ref = ?",
                (state.value, received_by, received_utc, ref),
            )

    def deliveries(self) -> list[Delivery]:
        """Every sealed bundle's delivery, newest first."""
        try:
            rows = self._db.execute(
                "SELECT ref, folder, bundle_name, bundle_sha256, sent_utc, state, received_by, received_utc"
                " FROM deliveries ORDER BY sent_utc DESC, ref"
            ).fetchall()
        except sqlite3.Error as e:
            raise VaultError(f"{self.path}: cannot read the vault: {e}") from e
        out = []
        for r in rows:
            try:
                state = DeliveryState(r[5])
            except ValueError:
                continue
            out.append(Delivery(r[0], r[1], r[2], r[3], r[4], state, r[6], r[7]))
        return out
