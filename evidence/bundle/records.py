"""The bag's JSON records as typed values: the incident record with its items, and the revision records.

The writer builds these records and serializes them with ``to_json_dict()``; the reader parses what the bag holds
with ``parse()`` once every check of docs/FORMAT.md has passed, so a :class:`~evidence.bundle.verify.VerifiedBundle`
hands its callers typed values, never bare dicts. A parse failure is a :class:`~evidence.core.errors.RecordError`
naming the record and the field; the reader reports it as a ``consistency`` failure of the file. The JSON forms
are exactly those of the first release (the golden bundle in tests/golden/v1 pins them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evidence.capture.items import MEDIA_TYPES, ItemKind
from evidence.case.incident import IncidentDetails
from evidence.core.errors import RecordError
from evidence.crypto import sshsig
from evidence.crypto.keys import PublicCard, Role

INCIDENT_FORMAT = "evidence-capture-incident/1"

REVISION_FORMAT = "evidence-capture-revision/1"

INCIDENT_RECORD = "incident record"
REVISION_RECORD = "revision record"


def _fail(record: str, field: str, problem: str) -> RecordError:
    return RecordError(f"{record}: {field} {problem}", record=record, field=field)


def _object(value: object, record: str, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _fail(record, field, "is not an object")
    return value


def _get(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...], record: str, field: str) -> Any:
    """``obj[key]``, which must be present and of ``kind`` (``bool`` is never an ``int`` here)."""
    if key not in obj:
        raise _fail(record, field, "is missing")
    value = obj[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise _fail(record, field, "has the wrong type")
    if not isinstance(value, kinds):
        raise _fail(record, field, "has the wrong type")
    return value


# -- revision records -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    """Who signed a revision, as the revision record names them (their public card's fields)."""

    name: str
    principal: str
    role: Role
    age: str
    ssh: str
    fingerprint: str

    @classmethod
    def from_card(cls, card: PublicCard) -> Signer:
        """The signer of a revision made with ``card``'s keys."""
        return cls(
            name=card.name,
            principal=card.principal,
            role=card.role,
            age=card.recipient,
            ssh=sshsig.public_key_line(card.ssh_key),
            fingerprint=card.fingerprint,
        )

    def to_json_dict(self) -> dict[str, Any]:
        """The ``signer`` object of a revision record."""
        return {
            "name": self.name,
            "principal": self.principal,
            "role": self.role.value,
            "age": self.age,
            "ssh": self.ssh,
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def parse(cls, value: object, *, record: str = REVISION_RECORD, where: str = "signer") -> Signer:
        """Parse a ``signer`` object.

        Raises:
            RecordError: a field is missing or mistyped, or the role is unknown.
        """
        obj = _object(value, record, where)
        text = {k: _get(obj, k, str, record, f"{where}.{k}") for k in ("name", "principal", "role", "age", "ssh")}
        fingerprint = _get(obj, "fingerprint", str, record, f"{where}.fingerprint")
        try:
            role = Role(text["role"])
        except ValueError as e:
            raise _fail(record, f"{where}.role", "is not staff or reviewer") from e
        if role is Role.ROOT:  # a school root signs profiles, never a revision
            raise _fail(record, f"{where}.role", "is not staff or reviewer")
        return cls(text["name"], text["principal"], role, text["age"], text["ssh"], fingerprint)


@dataclass(frozen=True)
class PreviousRevision:
    """What revision K > 1 binds of revision K-1: the digests of its manifest and its signature."""

    manifest_sha256: str
    signature_sha256: str

    def to_json_dict(self) -> dict[str, str]:
        """The ``previous`` object."""
        return {"manifest_sha256": self.manifest_sha256, "signature_sha256": self.signature_sha256}


@dataclass(frozen=True)
class TrustRef:
    """The trust path a revision was signed under (the ``trust`` object of ``data/revisions/K.json``).

    The revision's own signature covers it, so it binds which signed profile trusted the signer.

    Attributes:
        root_fingerprint: the school root's ``SHA256:`` fingerprint.
        profile_version: V, the version of the signed profile in force (``seal/trust/vV/``).
        profile_sha256: hex SHA-256 of ``seal/trust/vV/profile.toml``.
        allowed_signers_sha256: hex SHA-256 of ``seal/trust/vV/allowed_signers``.
    """

    root_fingerprint: str
    profile_version: int
    profile_sha256: str
    allowed_signers_sha256: str

    def to_json_dict(self) -> dict[str, Any]:
        """The ``trust`` object."""
        return {
            "root_fingerprint": self.root_fingerprint,
            "profile_version": self.profile_version,
            "profile_sha256": self.profile_sha256,
            "allowed_signers_sha256": self.allowed_signers_sha256,
        }

    @classmethod
    def parse(cls, value: object, *, record: str = REVISION_RECORD) -> TrustRef:
        """Parse a ``trust`` object.

        Raises:
            RecordError: a field is missing or mistyped.
        """
        obj = _object(value, record, "trust")
        version = _get(obj, "profile_version", int, record, "trust.profile_version")
        if version < 1:
            raise _fail(record, "trust.profile_version", "is not a version from 1")
        return cls(
            root_fingerprint=_get(obj, "root_fingerprint", str, record, "trust.root_fingerprint"),
            profile_version=version,
            profile_sha256=_get(obj, "profile_sha256", str, record, "trust.profile_sha256"),
            allowed_signers_sha256=_get(obj, "allowed_signers_sha256", str, record, "trust.allowed_signers_sha256"),
        )


@dataclass(frozen=True)
class RevisionRecord:
    """``data/revisions/K.json``: who made revision K, when, what it binds and which files it added.

    Attributes:
        revision: K, from 1.
        action: ``sealed`` for revision 1; a review action's value after that.
        software: the app and version that wrote it (``Evidence Capture 0.1.0``).
        signer: who signed the revision's manifest.
        time_utc: when.
        previous: revision K-1's manifest and signature digests; None for revision 1.
        custody_head: the ``hash`` of the last custody entry this revision carries.
        files: the payload files this revision added, itself included, sorted.
        trust: the signed profile the revision was made under, or None (a bundle sealed before the school root,
            whose records have no ``trust`` key).
    """

    revision: int
    action: str
    software: str
    signer: Signer
    time_utc: str
    previous: PreviousRevision | None
    custody_head: str
    files: tuple[str, ...]
    trust: TrustRef | None = None

    def to_json_dict(self) -> dict[str, Any]:
        """The record's JSON form."""
        out = {
            "format": REVISION_FORMAT,
            "revision": self.revision,
            "action": self.action,
            "software": self.software,
            "signer": self.signer.to_json_dict(),
            "time_utc": self.time_utc,
            "previous": None if self.previous is None else self.previous.to_json_dict(),
            "custody_head": self.custody_head,
            "files": list(self.files),
        }
        if self.trust is not None:  # absent, not null, in records made before the school root (golden v1)
            out["trust"] = self.trust.to_json_dict()
        return out

    @classmethod
    def parse(cls, value: object) -> RevisionRecord:
        """Parse a revision record.

        Raises:
            RecordError: not a revision record, or a field is missing or mistyped.
        """
        r = REVISION_RECORD
        obj = _object(value, r, "")
        if obj.get("format") != REVISION_FORMAT:
            raise _fail(r, "format", f"is not {REVISION_FORMAT}")
        previous_value = obj.get("previous", ...)
        if previous_value is ...:
            raise _fail(r, "previous", "is missing")
        previous = None
        if previous_value is not None:
            prev = _object(previous_value, r, "previous")
            previous = PreviousRevision(
                _get(prev, "manifest_sha256", str, r, "previous.manifest_sha256"),
                _get(prev, "signature_sha256", str, r, "previous.signature_sha256"),
            )
        files = _get(obj, "files", list, r, "files")
        if not all(isinstance(f, str) for f in files):
            raise _fail(r, "files", "is not a list of paths")
        return cls(
            revision=_get(obj, "revision", int, r, "revision"),
            action=_get(obj, "action", str, r, "action"),
            software=_get(obj, "software", str, r, "software"),
            signer=Signer.parse(obj.get("signer")),
            time_utc=_get(obj, "time_utc", str, r, "time_utc"),
            previous=previous,
            custody_head=_get(obj, "custody_head", str, r, "custody_head"),
            files=tuple(files),
            trust=TrustRef.parse(obj["trust"]) if "trust" in obj else None,
        )


# -- the incident record ----------------------------------------------------------------------------------------


def _opt(obj: Mapping[str, Any], key: str, kind: type, record: str, field: str) -> Any:
    if key not in obj:
        raise _fail(record, field, "is missing")
    return None if obj[key] is None else _get(obj, key, kind, record, field)


@dataclass(frozen=True)
class BundleItem:
    """One carried item of a sealed bundle, as ``data/incident.json`` lists it.

    It provides :class:`~evidence.capture.items.ItemFacts`, so the item views show it as they show a vault row.

    Attributes:
        ref: the incident reference (of the bundle, not stored in the item).
        seq: the item's number.
        kind: captured, received or derived.
        media_type: one of :data:`evidence.capture.items.MEDIA_TYPES`.
        file: ``data/items/NNN.png`` (or ``.jpg``).
        context_name: ``data/items/NNN.context.json``.
        sha256: hex SHA-256 of the file.
        pixels_sha256: hex SHA-256 of its pixels as a binary PPM, where known.
        width, height: its size in pixels, where known.
        size: its size in bytes.
        created_utc: when the vault stored it.
        parent_seq: for a derived item, the item it was cut from.
        caption: the staff member's caption ("" if none).
    """

    ref: str
    seq: int
    kind: ItemKind
    media_type: str
    file: str
    context_name: str
    sha256: str
    pixels_sha256: str | None
    width: int | None
    height: int | None
    size: int
    created_utc: str
    parent_seq: int | None
    caption: str

    @property
    def excluded(self) -> bool:
        """Never: an excluded item is an :class:`ExcludedItem`, listed without its file."""
        return False

    @property
    def shredded(self) -> bool:
        """Never: a bundle carries its items' bytes."""
        return False

    @property
    def item_id(self) -> str:
        """``REF/N``."""
        return f"{self.ref}/{self.seq}"

    def to_json_dict(self) -> dict[str, Any]:
        """The item's entry in ``items``."""
        return {
            "seq": self.seq,
            "kind": self.kind.value,
            "media_type": self.media_type,
            "file": self.file,
            "context": self.context_name,
            "sha256": self.sha256,
            "pixels_sha256": self.pixels_sha256,
            "width": self.width,
            "height": self.height,
            "size": self.size,
            "created_utc": self.created_utc,
            "parent_seq": self.parent_seq,
            "caption": self.caption,
        }

    @classmethod
    def parse(cls, value: object, *, ref: str, where: str = "items[]") -> BundleItem:
        """Parse one entry of ``items``.

        Raises:
            RecordError: a field is missing or mistyped, or the kind or media type is unknown.
        """
        r = INCIDENT_RECORD
        obj = _object(value, r, where)
        kind_text = _get(obj, "kind", str, r, f"{where}.kind")
        if kind_text not in {k.value for k in ItemKind}:
            raise _fail(r, f"{where}.kind", "is not captured, received or derived")
        media_type = _get(obj, "media_type", str, r, f"{where}.media_type")
        if media_type not in MEDIA_TYPES:
            raise _fail(r, f"{where}.media_type", f"is not one of {', '.join(MEDIA_TYPES)}")
        return cls(
            ref=ref,
            seq=_get(obj, "seq", int, r, f"{where}.seq"),
            kind=ItemKind(kind_text),
            media_type=media_type,
            file=_get(obj, "file", str, r, f"{where}.file"),
            context_name=_get(obj, "context", str, r, f"{where}.context"),
            sha256=_get(obj, "sha256", str, r, f"{where}.sha256"),
            pixels_sha256=_opt(obj, "pixels_sha256", str, r, f"{where}.pixels_sha256"),
            width=_opt(obj, "width", int, r, f"{where}.width"),
            height=_opt(obj, "height", int, r, f"{where}.height"),
            size=_get(obj, "size", int, r, f"{where}.size"),
            created_utc=_get(obj, "created_utc", str, r, f"{where}.created_utc"),
            parent_seq=_opt(obj, "parent_seq", int, r, f"{where}.parent_seq"),
            caption=_get(obj, "caption", str, r, f"{where}.caption"),
        )


@dataclass(frozen=True)
class ExcludedItem:
    """An item left out of the bundle, listed with the reason and its plain facts (never its file).

    Attributes:
        seq: the item's number.
        reason: why it was left out.
        sha256, pixels_sha256, width, height, size, created_utc, parent_seq, caption: as for :class:`BundleItem`.
    """

    seq: int
    reason: str
    sha256: str
    pixels_sha256: str | None
    width: int | None
    height: int | None
    size: int
    created_utc: str
    parent_seq: int | None
    caption: str

    def to_json_dict(self) -> dict[str, Any]:
        """The item's entry in ``excluded``."""
        return {
            "seq": self.seq,
            "reason": self.reason,
            "sha256": self.sha256,
            "pixels_sha256": self.pixels_sha256,
            "width": self.width,
            "height": self.height,
            "size": self.size,
            "created_utc": self.created_utc,
            "parent_seq": self.parent_seq,
            "caption": self.caption,
        }

    @classmethod
    def parse(cls, value: object, *, where: str = "excluded[]") -> ExcludedItem:
        """Parse one entry of ``excluded``.

        Raises:
            RecordError: a field is missing or mistyped.
        """
        r = INCIDENT_RECORD
        obj = _object(value, r, where)
        return cls(
            seq=_get(obj, "seq", int, r, f"{where}.seq"),
            reason=_get(obj, "reason", str, r, f"{where}.reason"),
            sha256=_get(obj, "sha256", str, r, f"{where}.sha256"),
            pixels_sha256=_opt(obj, "pixels_sha256", str, r, f"{where}.pixels_sha256"),
            width=_opt(obj, "width", int, r, f"{where}.width"),
            height=_opt(obj, "height", int, r, f"{where}.height"),
            size=_get(obj, "size", int, r, f"{where}.size"),
            created_utc=_get(obj, "created_utc", str, r, f"{where}.created_utc"),
            parent_seq=_opt(obj, "parent_seq", int, r, f"{where}.parent_seq"),
            caption=_get(obj, "caption", str, r, f"{where}.caption"),
        )


@dataclass(frozen=True)
class IncidentRecord:
    """``data/incident.json``: the incident form, the carried items and the excluded ones.

    Attributes:
        ref: the incident reference.
        school: the school it was sealed for.
        created_utc: when the incident was created.
        details: the incident form.
        items: the carried items, in order.
        excluded: the items left out, each with its reason.
    """

    ref: str
    school: str
    created_utc: str
    details: IncidentDetails
    items: tuple[BundleItem, ...]
    excluded: tuple[ExcludedItem, ...]

    def to_json_dict(self) -> dict[str, Any]:
        """The record's JSON form."""
        return {
            "format": INCIDENT_FORMAT,
            "ref": self.ref,
            "school": self.school,
            "created_utc": self.created_utc,
            "details": self.details.to_json_dict(),
            "items": [i.to_json_dict() for i in self.items],
            "excluded": [x.to_json_dict() for x in self.excluded],
        }

    @classmethod
    def parse(cls, value: object) -> IncidentRecord:
        """Parse ``data/incident.json``.

        Raises:
            RecordError: not an incident record, a field is missing or mistyped, or the details do not parse (an
                unknown category among them).
        """
        r = INCIDENT_RECORD
        obj = _object(value, r, "")
        if obj.get("format") != INCIDENT_FORMAT:
            raise _fail(r, "format", f"is not {INCIDENT_FORMAT}")
        ref = _get(obj, "ref", str, r, "ref")
        items = _get(obj, "items", list, r, "items")
        excluded = _get(obj, "excluded", list, r, "excluded")
        return cls(
            ref=ref,
            school=_get(obj, "school", str, r, "school"),
            created_utc=_get(obj, "created_utc", str, r, "created_utc"),
            details=IncidentDetails.parse(obj.get("details")),
            items=tuple(BundleItem.parse(v, ref=ref, where=f"items[{n}]") for n, v in enumerate(items)),
            excluded=tuple(ExcludedItem.parse(v, where=f"excluded[{n}]") for n, v in enumerate(excluded)),
        )
