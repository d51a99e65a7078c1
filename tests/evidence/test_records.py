"""The typed records at the core's boundary: contexts, new items, bundle items, revision records (issue 9).

Each parses strictly and names the record and the field that failed; each writes back the JSON form the first
release wrote (the golden bundle in tests/golden/v1 pins those bytes).
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from typing import Any

import pytest
from bundles import bag_of, make_sealed, school_profile, staff
from helpers import capture_context, new_capture

from evidence import bundle
from evidence.capture.context import (
    ContextError,
    DerivedContext,
    DerivedFrom,
    ReceivedContext,
    Rect,
    Selection,
)
from evidence.capture.items import ItemKind, parse_context
from evidence.case.incident import IncidentDetails
from evidence.core.errors import BundleError, RecordError, UsageError
from evidence.crypto.keys import Role
from evidence.review.actions import ReviewAction, ReviewRecord
from evidence.vault.store import NewItem, Vault

DERIVED = DerivedContext(
    selection=Selection.WINDOW,
    derived_from=DerivedFrom("a" * 64, "b" * 64, 64, 48),
    rect_frame=Rect(1, 2, 3, 4),
    rect_desktop=Rect(-1919, 2, 3, 4),
    window_title="Chat",
    derived_utc="2026-11-25T10:51:50.000Z",
    app_version="0.1.0",
)
RECEIVED = ReceivedContext(
    received_utc="2026-11-25T10:51:49.123Z",
    provided_by="Parent",
    how="by e-mail",
    original_name="x.png",
    file_time_utc=None,
    media_type="image/png",
    size=10,
    width=2,
    height=2,
)


@pytest.mark.parametrize(
    ("kind", "context"),
    [(ItemKind.CAPTURED, capture_context()), (ItemKind.DERIVED, DERIVED), (ItemKind.RECEIVED, RECEIVED)],
)
def test_each_context_round_trips_through_its_json(kind: ItemKind, context: Any) -> None:
    assert parse_context(kind, json.loads(json.dumps(context.to_json_dict()))) == context


def test_a_context_is_only_read_as_its_own_kind() -> None:
    with pytest.raises(ContextError) as e:
        parse_context(ItemKind.RECEIVED, capture_context().to_json_dict())
    assert e.value.record == "received context"
    with pytest.raises(ContextError):
        parse_context(ItemKind.CAPTURED, DERIVED.to_json_dict())


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"selection": "lasso"}, "selection"),
        ({"derivation": "blur"}, "derivation"),
        ({"context_format": 2}, "context_format"),
        ({"derived_utc": "yesterday"}, "derived_utc"),
        ({"rect_frame": {"left": 0, "top": 0, "width": 0, "height": 1}}, "rect_frame"),
        (
            {"derived_from": {"png_sha256": "x", "pixels_sha256": "b" * 64, "width": 1, "height": 1}},
            "derived_from.png_sha256",
        ),
        ({"selection": "region"}, "window_title"),  # a region has no window title
        ({"extra": 1}, "extra"),
    ],
)
def test_derived_context_is_parsed_strictly(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ContextError) as e:
        DerivedContext.parse({**DERIVED.to_json_dict(), **change})
    assert (e.value.record, e.value.field) == ("derived context", field)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "captured"}, "kind"),
        ({"media_type": "image/gif"}, "media_type"),
        ({"size": "10"}, "size"),
        ({"received_utc": "2026-11-25"}, "received_utc"),
        ({"provided_by": None}, "provided_by"),
    ],
)
def test_received_context_is_parsed_strictly(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ContextError) as e:
        ReceivedContext.parse({**RECEIVED.to_json_dict(), **change})
    assert (e.value.record, e.value.field) == ("received context", field)


def test_capture_context_errors_name_the_field() -> None:
    with pytest.raises(ContextError) as e:
        parse_context(ItemKind.CAPTURED, {**capture_context().to_json_dict(), "utc_offset": "+05:00"})
    assert (e.value.record, e.value.field) == ("capture context", "utc_offset")


def test_new_item_fields_must_fit_together() -> None:
    good = new_capture(b"png")
    with pytest.raises(ContextError):
        dataclasses.replace(good, kind=ItemKind.RECEIVED)
    with pytest.raises(UsageError):
        dataclasses.replace(good, kind=ItemKind.DERIVED, context=DERIVED)  # a crop names its parent
    with pytest.raises(UsageError):
        dataclasses.replace(good, parent_seq=1)  # only a crop does
    with pytest.raises(UsageError):
        dataclasses.replace(good, media_type="image/gif")
    with pytest.raises(UsageError):
        dataclasses.replace(good, kind="captured")
    assert dataclasses.replace(good, kind=ItemKind.DERIVED, context=DERIVED, parent_seq=1).kind is ItemKind.DERIVED


def test_vault_gives_back_each_kinds_context_typed(tmp_path: Any) -> None:
    me = staff()
    recipients = [me.card.recipient]
    with Vault(tmp_path / "v.sqlite3") as vault:
        ref = vault.create_incident(IncidentDetails(), actor="j@s", recipients=recipients)
        one = vault.add_item(ref, new_capture(b"one"), actor="j@s", recipients=recipients)
        crop = NewItem(ItemKind.DERIVED, "image/png", b"two", bundle.sha256_hex(b"two"), DERIVED, parent_seq=one.seq)
        two = vault.add_item(ref, crop, actor="j@s", recipients=recipients)
        got = NewItem(ItemKind.RECEIVED, "image/png", b"three", bundle.sha256_hex(b"three"), RECEIVED)
        three = vault.add_item(ref, got, actor="j@s", recipients=recipients)
        assert [r.kind for r in vault.items(ref)] == [ItemKind.CAPTURED, ItemKind.DERIVED, ItemKind.RECEIVED]
        assert vault.item_context(ref, one.seq, [me.age_secret]) == capture_context()
        assert vault.item_context(ref, two.seq, [me.age_secret]) == DERIVED
        assert vault.item_context(ref, three.seq, [me.age_secret]) == RECEIVED
        assert [e.action for e in vault.custody(ref, [me.age_secret])][1:] == ["captured", "derived", "received"]


def test_verified_bundle_hands_out_typed_records(tmp_path: Any) -> None:
    sealed = make_sealed(tmp_path, items=2, exclude=True)
    verified = bundle.verify_bag(sealed.zip_bytes, school_profile())
    assert all(isinstance(i, bundle.BundleItem) and i.kind is ItemKind.CAPTURED for i in verified.items)
    assert [i.item_id for i in verified.items] == [f"{sealed.ref}/1", f"{sealed.ref}/2"]
    assert verified.item_context(verified.item(1)) == capture_context(window_title="Chat 0")
    assert verified.item_content(verified.item(2)) == sealed.pngs[1]
    assert [x.reason for x in verified.excluded] == ["my own e-mail was on screen"]
    record = verified.sealer.record
    assert isinstance(record, bundle.RevisionRecord)
    assert record.signer.role is Role.STAFF
    assert record.previous is None
    assert verified.incident.details.title == "Messages about Pupil Alex"
    assert bundle.IncidentRecord.parse(json.loads(verified.bag[bundle.INCIDENT_JSON])) == verified.incident


def _resigned(zip_bytes: bytes, change: dict[str, bytes]) -> bytes:
    bag = {**bag_of(zip_bytes), **change}
    record = bundle.RevisionRecord.parse(json.loads(bag["data/revisions/1.json"]))
    payload = {n: d for n, d in bag.items() if n.startswith("data/")}
    ref = json.loads(bag[bundle.INCIDENT_JSON])["ref"]
    return bundle.zip_bag(
        ref,
        bundle.finish_revision(ref, "Example Academy", payload, _trust_files(bag), [record], staff(), record.time_utc),
    )


def test_an_unknown_category_in_a_signed_bundle_fails_consistency(tmp_path: Any) -> None:
    """Issue 9: never a silent drop. A trusted signer's bundle naming a category we do not know is refused."""
    sealed = make_sealed(tmp_path)
    incident = json.loads(bag_of(sealed.zip_bytes)[bundle.INCIDENT_JSON])
    incident["details"]["categories"] = ["nude-image-of-child", "gossip"]
    forged = _resigned(sealed.zip_bytes, {bundle.INCIDENT_JSON: bundle.pretty_json(incident)})
    with pytest.raises(BundleError) as e:
        bundle.verify_bag(forged, school_profile())
    assert (e.value.check, e.value.member) == ("consistency", bundle.INCIDENT_JSON)
    assert isinstance(e.value.__cause__, RecordError)
    assert e.value.__cause__.field == "categories"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"kind": "scanned"}, "items[0].kind"), ({"size": "1"}, "items[0].size"), ({"caption": None}, "items[0].caption")],
)
def test_a_mistyped_item_in_a_signed_bundle_fails_consistency(
    tmp_path: Any, change: dict[str, Any], field: str
) -> None:
    sealed = make_sealed(tmp_path)
    incident = json.loads(bag_of(sealed.zip_bytes)[bundle.INCIDENT_JSON])
    incident["items"][0].update(change)
    forged = _resigned(sealed.zip_bytes, {bundle.INCIDENT_JSON: bundle.pretty_json(incident)})
    with pytest.raises(BundleError) as e:
        bundle.verify_bag(forged, school_profile())
    assert (e.value.check, e.value.member) == ("consistency", bundle.INCIDENT_JSON)
    assert isinstance(e.value.__cause__, RecordError)
    assert e.value.__cause__.field == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"software": 1}, "software"),
        ({"signer": {**bundle.Signer.from_card(staff().card).to_json_dict(), "role": "boss"}}, "signer.role"),
        ({"previous": {"manifest_sha256": "x"}}, "previous.signature_sha256"),
    ],
)
def test_revision_record_errors_name_the_field(change: dict[str, Any], field: str, tmp_path: Any) -> None:
    record = json.loads(bag_of(make_sealed(tmp_path).zip_bytes)["data/revisions/1.json"])
    with pytest.raises(RecordError) as e:
        bundle.RevisionRecord.parse({**record, **change})
    assert (e.value.record, e.value.field) == ("revision record", field)


def test_records_write_back_the_bytes_they_were_read_from(tmp_path: Any) -> None:
    bag = bag_of(make_sealed(tmp_path).zip_bytes)
    incident = bundle.IncidentRecord.parse(json.loads(bag[bundle.INCIDENT_JSON]))
    assert bundle.pretty_json(incident.to_json_dict()) == bag[bundle.INCIDENT_JSON]
    record = bundle.RevisionRecord.parse(json.loads(bag["data/revisions/1.json"]))
    assert bundle.pretty_json(record.to_json_dict()) == bag["data/revisions/1.json"]


def test_the_vault_and_the_bundle_reader_load_neither_mss_nor_pillow() -> None:
    """The records live apart from the screen grab, so the app starts without loading the capture machinery."""
    code = (
        "import sys, evidence.vault.store, evidence.bundle, evidence.review.actions\n"
        "print(sorted(m for m in ('mss', 'PIL') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"action": "shrugged"}, "action"),
        ({"revision": "2"}, "revision"),
        ({"by": {"name": "Dee"}}, "by.principal"),
        ({"fields": {"who": 1}}, "fields"),
        ({"format": "evidence-capture-review/2"}, "format"),
    ],
)
def test_review_record_errors_name_the_field(change: dict[str, Any], field: str) -> None:
    good = ReviewRecord(2, ReviewAction.MEETING_HELD, "2026-11-25T13:00:00.000Z", "Dee", "dsl@school.example", "why")
    assert ReviewRecord.parse(good.to_json_dict(), where="r") == good
    with pytest.raises(BundleError) as e:
        ReviewRecord.parse({**good.to_json_dict(), **change}, where="data/reviews/r2-meeting-held.json")
    assert (e.value.check, e.value.member) == ("consistency", "data/reviews/r2-meeting-held.json")
    assert isinstance(e.value.__cause__, RecordError)
    assert (e.value.__cause__.record, e.value.__cause__.field) == ("review record", field)


def _trust_files(bag: dict[str, bytes]) -> dict[str, bytes]:
    """The bag's trust path (``seal/trust/``), which a re-signed revision keeps."""
    return {n: d for n, d in bag.items() if n.startswith("seal/trust/")}
