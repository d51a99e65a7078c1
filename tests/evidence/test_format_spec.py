"""docs/FORMAT.md matches the code: every name the code writes appears in the spec."""

from __future__ import annotations

from pathlib import Path

from evidence import bundle
from evidence.bundle import safezip
from evidence.case.custody import Action
from evidence.crypto import keys

SPEC = (Path(__file__).resolve().parents[2] / "docs" / "FORMAT.md").read_text(encoding="utf-8")


def test_namespaces_and_labels_are_specified() -> None:
    from evidence.case import profile
    from evidence.crypto import namespaces

    for name in (
        bundle.SEAL_NAMESPACE,
        bundle.ORIGIN_NAMESPACE,
        namespaces.EXPORT_NAMESPACE,
        namespaces.PROFILE_NAMESPACE,
        keys.ROOT_PRINCIPAL,
        profile.SIGNATURE_LINE,
        profile.HEADER,
        keys.SIGNING_KEY_INFO.decode(),
        bundle.INCIDENT_FORMAT,
        bundle.REVISION_FORMAT,
        keys.CARD_HEADER,
        keys.IDENTITY_HEADER,
    ):
        assert name in SPEC, name


def test_layout_names_are_specified() -> None:
    for name in (
        *bundle.TAG_FILES,
        bundle.INCIDENT_JSON,
        bundle.CUSTODY_JSONL,
        bundle.revision_manifest_path(1).replace("/1/", "/K/"),
        bundle.revision_signature_path(1).replace("/1/", "/K/"),
        "data/revisions/K.json",
        "data/custody-rK.jsonl",
        bundle.BUNDLE_SUFFIX,
        bundle.ORIGIN_SUFFIX,
    ):
        assert name in SPEC, name
    from evidence.bundle import layout

    for name in (
        layout.ROOT_PUB,
        layout.ROOT_ALLOWED_SIGNERS,
        layout.trust_profile_path(7).replace("/v7/", "/vV/"),
        layout.trust_profile_sig_path(7).replace("/v7/", "/vV/"),
        layout.trust_allowed_signers_path(7).replace("/v7/", "/vV/"),
        layout.trust_allowed_signers_sig_path(7).replace("/v7/", "/vV/"),
    ):
        assert f"`{name}`" in SPEC, name


def test_the_derived_allowed_signers_line_is_specified() -> None:
    from evidence.crypto import namespaces

    assert f"`NAMESPACES` is `{','.join(namespaces.REVIEWER_NAMESPACES)}` for a" in SPEC
    assert f"reviewer and `{','.join(namespaces.STAFF_NAMESPACES)}` for staff" in SPEC
    assert 'PRINCIPAL namespaces="NAMESPACES" ssh-ed25519 AAAA… PRINCIPAL' in SPEC
    extra = namespaces.REVIEWER_NAMESPACES_WITH_RETENTION[len(namespaces.REVIEWER_NAMESPACES) :]
    assert f"a reviewer's `NAMESPACES` ends with `,{','.join(extra)}`" in SPEC  # issue 17
    assert bundle.BAGIT_TXT == b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    assert "`BagIt-Version: 1.0` LF `Tag-File-Character-Encoding: UTF-8` LF" in SPEC


def test_custody_actions_are_specified() -> None:
    for action in Action:
        assert f"`{action.value}`" in SPEC, action


def test_zip_caps_are_specified() -> None:
    assert f"{safezip.MAX_ENTRIES:,} entries" in SPEC
    assert f"{safezip.MAX_TOTAL_BYTES // 1024**3} GiB" in SPEC


def test_check_names_are_specified() -> None:
    import re

    from evidence.bundle import trust

    source = Path(bundle.verify.__file__).read_text(encoding="utf-8") + Path(trust.__file__).read_text(encoding="utf-8")
    checks = set(re.findall(r'_fail\(\s*"([a-z ]+)"', source))
    assert checks >= {"bagit", "payload hash", "signature", "custody", "consistency", "revision", "trust path"}
    for check in checks - {"unreadable", "size cap", "origin"}:
        assert f"**{check}**" in SPEC, check


def test_review_records_and_export_are_specified() -> None:
    from evidence.police import export
    from evidence.review import actions as review

    assert review.REVIEW_FORMAT in SPEC
    for action in review.ReviewAction:
        assert f"`{action.value}`" in SPEC, action
    for status in review.CaseStatus:
        assert f"`{status.value}`" in SPEC, status
    assert f"REF{export.EXPORT_SUFFIX}/" in SPEC
    assert "SHA256SUMS" in SPEC


def test_closed_sets_of_the_incident_and_items_are_specified() -> None:
    from evidence.capture.items import MEDIA_TYPES, ItemKind
    from evidence.case.incident import Category, IncidentDetails, PerpetratorType, ReportType, TargetRole
    from evidence.crypto.keys import Role

    for closed in (ReportType, Category, TargetRole, PerpetratorType, ItemKind, Role):
        for member in closed:
            assert f"`{member.value}`" in SPEC, member
    for media_type in MEDIA_TYPES:
        assert f"`{media_type}`" in SPEC, media_type
    for key in IncidentDetails(device="a phone").to_json_dict():
        assert f"`{key}`" in SPEC, key


def test_context_keys_are_specified() -> None:
    from helpers import capture_context

    from evidence.capture.context import DerivedContext, DerivedFrom, ReceivedContext, Rect, Selection

    derived = DerivedContext(
        Selection.REGION, DerivedFrom("a" * 64, "b" * 64, 2, 2), Rect(0, 0, 1, 1), Rect(0, 0, 1, 1), None, "t", "v"
    )
    received = ReceivedContext("t", "p", "h", "n", None, "image/png", 1, 1, 1)
    for context in (capture_context(), derived, received):
        data = context.to_json_dict()
        nested = [k for v in data.values() if isinstance(v, dict) for k in v]
        for key in [*data, *nested]:
            assert f"`{key}`" in SPEC, (type(context).__name__, key)


def test_revisions_on_the_share_and_receipts_are_specified() -> None:
    """Issue 15: the names the share module writes, and the receipt's namespace and first line."""
    from evidence.bundle import share
    from evidence.crypto import namespaces

    assert share.revision_name("REF", 7).replace("7", "N") in SPEC
    assert f"`{namespaces.RECEIPT_NAMESPACE}`" in SPEC
    assert share.RECEIPT_FORMAT in SPEC
    assert f"{share.RECEIPTS_DIR}/REF.r1.KEYID{share.RECEIPT_SUFFIX}" in SPEC
    assert f"{share.MAX_RECEIPT_BYTES // 1024} KiB" in SPEC


def test_trusted_time_names_and_checks_are_specified() -> None:
    from evidence.bundle import timestamps
    from evidence.crypto import tsa

    for name in (
        timestamps.binding_name(1).replace("001", "NNN"),
        timestamps.item_stem(1, 1).replace("001", "NNN").replace("-1", "-J") + tsa.TSR_SUFFIX,
        timestamps.item_stem(1, 1).replace("001", "NNN").replace("-1", "-J") + tsa.CHAIN_SUFFIX,
        timestamps.revision_stem(1, 1).replace("/1/", "/K/").replace("-1", "-J") + tsa.TSR_SUFFIX,
        timestamps.revision_stem(1, 1).replace("/1/", "/K/").replace("-1", "-J") + tsa.CHAIN_SUFFIX,
        tsa.ITEM_BINDING_FORMAT,
    ):
        assert f"`{name}`" in SPEC, name
    for check in (timestamps.MOVED_CHECK, timestamps.TIME_CHECK):
        assert f"**{check}**" in SPEC, check
    for error in (
        tsa.TsaBadResponse,
        tsa.TsaRejected,
        tsa.TsaNonceMismatch,
        tsa.TsaMissingEku,
        tsa.TsaUntrusted,
        tsa.TsaCertificateExpired,
        tsa.TsaBadSignature,
    ):
        assert f"`{error.check}`" in SPEC, error.check
    assert f"more than {tsa.SKEW_WARNING_SECONDS} seconds" in SPEC
    assert timestamps.WORKSTATION_ONLY in SPEC
    assert f'"{timestamps.NO_TRUSTED_TIME}"' in SPEC
