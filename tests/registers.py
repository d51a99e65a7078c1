"""Shared fixtures of the disposal register tests: the school's signers and sample disposals without personal data.

``write_entry`` is an independent writer: it lays an entry out exactly as docs/FORMAT.md (Data protection) says
(folder ``NNNNNN`` with ``entry.json`` and ``entry.json.sig``), without :func:`evidence.case.register.append`, so the
tamper tests can build registers that the app's own writer would refuse to make.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from bundles import dsl, head
from helpers import identity

from evidence.case.register import ENTRY_FILE, NAMESPACE, SIG_FILE, Disposal, DisposalReason, DisposedFile
from evidence.case.retention import DEFAULT_POLICY, RuleKey
from evidence.crypto.keys import Identity, Role
from evidence.crypto.sshsig import AllowedSigner

SEAL_NS = ("evidence-capture-seal-v1", "evidence-capture-origin-v1")


def outsider() -> Identity:
    """Someone whose key is not in the school's signer list."""
    return identity("Mallory Out", "out@elsewhere.example", Role.REVIEWER)


def staff_member() -> Identity:
    """A member of staff: may seal, may not sign disposals."""
    return identity()


def allowed_signers() -> list[AllowedSigner]:
    """The reviewers may sign disposals; the member of staff only seals."""
    return [
        AllowedSigner(dsl().card.principal, dsl().card.ssh_key, (*SEAL_NS, NAMESPACE)),
        AllowedSigner(head().card.principal, head().card.ssh_key, (*SEAL_NS, NAMESPACE)),
        AllowedSigner(staff_member().card.principal, staff_member().card.ssh_key, SEAL_NS),
    ]


def _hex(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def reference(n: int) -> str:
    """A distinct incident reference per ``n``."""
    return f"EC-20261125-{n:06X}"


def disposal(n: int, *, items: int = 2, note: str = "") -> Disposal:
    """A disposal of case ``n``: its bundle and origin signature, ``items`` item digests, the default rule."""
    ref = reference(n)
    return Disposal(
        reference=ref,
        files=(
            DisposedFile(f"{ref}.zip.age", _hex(f"bundle {n}")),
            DisposedFile(f"{ref}.zip.age.sig", _hex(f"origin {n}")),
        ),
        item_sha256=tuple(_hex(f"item {n}/{i}") for i in range(1, items + 1)),
        rule=RuleKey.CYBER_BULLYING,
        rule_text=DEFAULT_POLICY.rule(RuleKey.CYBER_BULLYING).describe(),
        reason=DisposalReason.RETENTION_ENDED,
        note=note,
        disposed_utc=f"2033-01-{(n % 28) + 1:02d}T10:00:00.000Z",
    )


def write_entry(folder: Path, name: str, data: bytes, signer: Identity | None, *, signature: str | None = None) -> None:
    """Lay an entry out by hand: ``name/entry.json`` and (unless both signer and signature are None) its signature."""
    entry_dir = folder / name
    entry_dir.mkdir(parents=True)
    (entry_dir / ENTRY_FILE).write_bytes(data)
    if signature is None and signer is not None:
        signature = signer.sign(data, NAMESPACE)
    if signature is not None:
        (entry_dir / SIG_FILE).write_text(signature)
