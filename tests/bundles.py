"""Build real sealed bundles for tests: a vault with PNG captures, sealed with real keys."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from helpers import identity, new_capture, school_root
from PIL import Image

from evidence import bundle
from evidence.bundle import safezip
from evidence.bundle.seal import SealResult, seal_incident
from evidence.case.incident import Category, IncidentDetails
from evidence.case.profile import Profile
from evidence.case.retention import DEFAULT_POLICY
from evidence.crypto.keys import Identity, Role
from evidence.crypto.sshsig import AllowedSigner
from evidence.crypto.tsa import TsaConfig
from evidence.vault.store import Vault

SEALED_AT = "2026-11-25T12:00:00.000Z"
ISSUED_AT = "2026-11-20T09:00:00.000Z"


def png(seed: int, size: tuple[int, int] = (64, 48)) -> tuple[bytes, bytes]:
    """A small real PNG and its RGB pixels."""
    img = Image.new("RGB", size)
    img.putdata(
        [
            ((x * 7 + seed) % 256, (y * 5 + seed) % 256, (x * y + seed) % 256)
            for y in range(size[1])
            for x in range(size[0])
        ]
    )
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue(), img.tobytes()


def staff() -> Identity:
    return identity()


def dsl() -> Identity:
    return identity("Dee Sell", "dsl@school.example", Role.REVIEWER)


def head() -> Identity:
    return identity("Hedda Teacher", "head@school.example", Role.REVIEWER)


def school_profile(
    school: str = "Example Academy", *, version: int = 1, pinned: bool = True, tsas: Sequence[TsaConfig] = ()
) -> Profile:
    """Staff member Jane seals to reviewers Dee (DSL) and Hedda (Head): version ``version`` of the profile signed
    by the school root, as a workstation that pinned that root accepts it (``pinned=False``: read without a pin);
    ``tsas``: the time-stamping authorities it names."""
    unsigned = replace(unsigned_profile(school), tsas=tuple(tsas))
    signed = unsigned.sign(school_root(), version=version, issued_utc=ISSUED_AT)
    assert signed.root_fingerprint is not None
    return signed.pinned_to(signed.root_fingerprint) if pinned else signed


def unsigned_profile(school: str = "Example Academy") -> Profile:
    """The same people, not yet signed (sign it with ``.sign(root, ...)``), with the default retention rules."""
    return Profile(school=school, reviewers=(dsl().card, head().card), staff=(staff().card,), retention=DEFAULT_POLICY)


def legacy_profile(school: str = "Example Academy") -> Profile:
    """The same people in a format-1 profile, as data folders made before the school root hold it."""
    return Profile(
        school=school,
        reviewers=(dsl().card, head().card),
        staff=(AllowedSigner(staff().card.principal, staff().card.ssh_key, None),),
    )


@dataclass
class Sealed:
    """A sealed test incident."""

    ref: str
    result: SealResult
    ciphertext: bytes = field(repr=False)
    zip_bytes: bytes = field(repr=False)
    pngs: list[bytes] = field(repr=False)
    vault_path: Path


def make_sealed(
    tmp_path: Path,
    *,
    items: int = 2,
    profile: Profile | None = None,
    exclude: bool = False,
    title: str = "Messages about Pupil Alex",
    caption: str = "",
    details: IncidentDetails | None = None,
) -> Sealed:
    """A vault with ``items`` PNG captures (plus one excluded if asked), sealed by Jane; item 1 captioned if asked;
    ``details`` replaces the default incident form."""
    profile = profile or school_profile()
    me = staff()
    recipients = [me.card.recipient, *profile.reviewer_recipients]
    pngs = []
    tmp_path.mkdir(parents=True, exist_ok=True)
    vault_path = tmp_path / "vault.sqlite3"
    with Vault(vault_path) as vault:
        details = details or IncidentDetails(
            title=title,
            categories=(Category.THREATENING,),
            platform="Instagram",
            occurred="2026-11-24T18:30:00",
        )
        ref = vault.create_incident(details, actor=me.card.principal, recipients=recipients)
        for i in range(items + (1 if exclude else 0)):
            data, rgb = png(i)
            item = new_capture(
                data,
                window_title=f"Chat {i}",
                pixels_sha256=hashlib.sha256(b"P6\n64 48\n255\n" + rgb).hexdigest(),
            )
            vault.add_item(ref, item, actor=me.card.principal, recipients=recipients, tsas=profile.tsas)
            pngs.append(data)
        if caption:
            vault.caption_item(ref, 1, caption, actor=me.card.principal, recipients=recipients)
        if exclude:
            vault.exclude_item(
                ref, items + 1, "my own e-mail was on screen", actor=me.card.principal, recipients=recipients
            )
            pngs.pop()
        result = seal_incident(vault, ref, me, profile, tmp_path / "drop", when=SEALED_AT)
    ciphertext = result.path.read_bytes()
    zip_bytes = bundle.decrypt_bundle(ciphertext, [dsl().age_secret])
    return Sealed(ref, result, ciphertext, zip_bytes, pngs, vault_path)


def rezip(zip_bytes: bytes, change: dict[str, bytes | None]) -> bytes:
    """Rebuild the zip with members changed (bytes) or removed (None); names are bag-relative."""
    members = safezip.read_zip(zip_bytes)
    top = next(iter(members)).split("/", 1)[0]
    out = {}
    for name, data in members.items():
        rel = name.split("/", 1)[1]
        if rel in change:
            if change[rel] is None:
                continue
            data = change[rel]  # type: ignore[assignment]
        out[name] = data
    for rel, data in change.items():
        if f"{top}/{rel}" not in out and data is not None:
            out[f"{top}/{rel}"] = data
    buf = io.BytesIO()
    safezip.write_zip(sorted(out.items()), buf)
    return buf.getvalue()


def bag_of(zip_bytes: bytes) -> dict[str, bytes]:
    """Bag-relative name → bytes."""
    return {n.split("/", 1)[1]: d for n, d in safezip.read_zip(zip_bytes).items()}


def write_revision(
    ref: str, bag: dict[str, bytes], signer: Identity, profile: Profile, folder: Path, name: str | None = None
) -> Path:
    """Write a bag as a bundle file and its origin signature, straight into ``folder``: a copy someone put there.

    A test's own writer, for copies outside a drop folder's history (the app publishes only through
    :func:`evidence.bundle.share.publish_revision`). Named ``REF.rN.zip.age`` after the bag's revision count.
    """
    folder.mkdir(parents=True, exist_ok=True)
    ciphertext = bundle.encrypt_bundle(bundle.zip_bag(ref, bag), profile)
    count = len([n for n in bag if n.startswith("data/revisions/")])
    path = folder / (name or f"{ref}.r{count}{bundle.BUNDLE_SUFFIX}")
    path.write_bytes(ciphertext)
    path.with_name(path.name + ".sig").write_bytes(bundle.origin_signature(ciphertext, signer))
    return path
