"""The police report's content: initials, exhibit references, fields from the contexts, the draft statement."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import locale
import re
from pathlib import Path

import pytest
from bundles import ISSUED_AT, bag_of, dsl, head, make_sealed, png, school_profile, staff
from helpers import identity, school_root
from PIL import Image

from evidence import bundle
from evidence.bundle.seal import seal_incident
from evidence.capture.crop import Selection, derived_capture
from evidence.capture.received import receive_bytes
from evidence.capture.screen import Capture, CaptureContext, CaptureMode, MonitorInfo, Rect, pixels_sha256
from evidence.case.incident import Category, IncidentDetails, PerpetratorType, ReportType, TargetRole
from evidence.case.profile import Profile
from evidence.core import timefmt
from evidence.crypto.namespaces import PROFILE_NAMESPACE
from evidence.police import report
from evidence.review.actions import ReviewAction, add_review
from evidence.vault.store import NewItem, Vault

EXPORTED = "2026-11-26T09:30:00.000Z"
BST = dt.timezone(dt.timedelta(hours=1), "BST")


def _capture(
    seed: int, when: dt.datetime, mode: str, title: str | None, size: tuple[int, int]
) -> tuple[Capture, bytes]:
    data, rgb = png(seed, size)
    local = when.astimezone(BST)
    w, h = size
    context = CaptureContext(
        utc=when,
        local=local,
        local_zone="BST",
        monotonic_ns=123456789 + seed,
        host="STAFF-PC-07",
        os_user="jsmith",
        os="Windows-11-10.0.22631-SP0",
        app_version="0.1.0",
        mode=CaptureMode.parse(mode),
        desktop=Rect(0, 0, w, h),
        monitors=(MonitorInfo(0, 0, w, h, None),),  # not 1.25: the vault refuses floats in a context
        captured=Rect(0, 0, w, h),
        window_title=title,
        window_process=None if title is None else "chrome.exe",
    )
    shot = Capture(data, hashlib.sha256(data).hexdigest(), pixels_sha256(rgb, w, h), w, h, context)
    return shot, rgb


def _jpeg(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def make_rich_bundle(
    tmp_path: Path, *, name: str = "Jane Smith", size: tuple[int, int] = (64, 48)
) -> bundle.VerifiedBundle:
    """A sealed, verified bundle with a full capture, a window crop of it, a received JPEG, an excluded capture,
    and two reviews (police contacted, then exported)."""
    me = staff() if name == "Jane Smith" else identity(name, "other.staff@school.example")
    base = school_profile()
    profile = Profile(base.school, base.reviewers, (me.card,)).sign(school_root(), version=1, issued_utc=ISSUED_AT)
    profile = profile.pinned_to(base.pinned_root or "")
    recipients = [me.card.recipient, *profile.reviewer_recipients]
    details = IncidentDetails(
        title="Threats to a pupil on Instagram",
        report_type=ReportType.CYBER_BULLYING,
        occurred="2026-07-14T18:30",
        platform="Instagram",
        categories=(Category.THREATENING, Category.HATE_CRIME),
        protected_characteristic="religion",
        target_name="Alex Pupil",
        target_role=TargetRole.PUPIL,
        perpetrator_type=PerpetratorType.UNKNOWN,
        perpetrator_handle="@nasty_account_99",
        perpetrator_url="https://www.instagram.com/nasty_account_99/",
        urls=("https://www.instagram.com/p/Cx1234abcd/",),
        description="Three messages threatening Alex, sent to the class group chat.",
        not_responded=True,
        reported_to="Dee Sell (DSL)",
    )
    with Vault(tmp_path / "vault.sqlite3") as vault:
        ref = vault.create_incident(details, actor=me.card.principal, recipients=recipients)
        t1 = dt.datetime(2026, 7, 15, 8, 5, 9, 250000, tzinfo=dt.UTC)
        full, full_rgb = _capture(1, t1, "full", "Instagram - Google Chrome", size)
        vault.add_item(ref, NewItem.from_shot(full), actor=me.card.principal, recipients=recipients)
        crop = derived_capture(
            full,
            full_rgb,
            Rect(8, 4, 32, 24),
            app_version="0.1.0",
            reason=Selection.WINDOW,
            window_title="Instagram - Google Chrome",
            now=t1 + dt.timedelta(seconds=20),
        )
        vault.add_item(ref, NewItem.from_shot(crop, parent_seq=1), actor=me.card.principal, recipients=recipients)
        got = receive_bytes(
            _jpeg(), original_name="IMG_2041.jpg", provided_by="Alex's mother", how="forwarded by e-mail"
        )
        vault.add_item(ref, NewItem.from_received(got), actor=me.card.principal, recipients=recipients)
        other, _ = _capture(4, t1 + dt.timedelta(minutes=2), "monitor:1", None, (16, 16))
        vault.add_item(ref, NewItem.from_shot(other), actor=me.card.principal, recipients=recipients)
        vault.exclude_item(ref, 4, "my own inbox was on screen", actor=me.card.principal, recipients=recipients)
        result = seal_incident(vault, ref, me, profile, tmp_path / "drop", when="2026-07-15T09:00:00.000Z")
    v = bundle.open_bundle(result.path.read_bytes(), [dsl().age_secret], profile)
    bag = add_review(
        v,
        head(),
        profile,
        ReviewAction.POLICE_CONTACTED,
        "Threats of violence with religious hatred",
        {"crime_reference": "CR/123/26", "officer": "PC 4471 Jones"},
        when="2026-07-15T10:00:00.000Z",
    )
    v = bundle.verify_bag(bundle.zip_bag(ref, bag), profile)
    bag = add_review(
        v,
        dsl(),
        profile,
        ReviewAction.EXPORTED,
        "Requested by PC Jones",
        {"officer_reference": "CR/123/26"},
        when=EXPORTED,
    )
    return bundle.verify_bag(bundle.zip_bag(ref, bag), profile)


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> bundle.VerifiedBundle:
    return make_rich_bundle(tmp_path_factory.mktemp("rich"))


@pytest.fixture(scope="module")
def rep(rich: bundle.VerifiedBundle) -> report.Report:
    return report.build_report(
        rich, exported_by="Dee Sell <dsl@school.example>", officer_reference="CR/123/26", exported_utc=EXPORTED
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Jane Smith", "JS"),
        ("jane smith", "JS"),
        ("Anne-Marie Smith-Jones", "AMSJ"),
        ("Mrs Jane Smith", "JS"),
        ("Dr. Ian Malcolm", "IM"),
        ("Zoë Ångström", "ZA"),
        ("Seán O'Neill", "SO"),
        ("Cher", "CH"),
        ("Q", "Q"),
        ("  Jane   Mary   Smith ", "JMS"),
        ("Mr", "MR"),
        ("", "EC"),
        ("李 小龙", "EC"),
    ],
)
def test_initials(name: str, expected: str) -> None:
    assert report.initials(name) == expected


def test_initials_fall_back_to_the_principal() -> None:
    assert report.initials("", "j.smith@school.example") == "JS"
    assert report.initials("李小龙", "wei_li@school.example") == "WL"


def test_exhibits_are_numbered_in_item_order_with_the_producers_initials(rep: report.Report) -> None:
    assert rep.initials == "JS"
    assert rep.producer_name == "Jane Smith"
    assert [e.ref for e in rep.exhibits] == ["JS/1", "JS/2", "JS/3"]
    assert [e.seq for e in rep.exhibits] == [1, 2, 3]
    assert [e.kind for e in rep.exhibits] == ["captured", "derived", "received"]
    assert rep.exhibits[1].kind_text == "Crop of JS/1"
    assert rep.exhibits[1].parent_ref == "JS/1"
    assert rep.exhibit("JS/3").file == "data/items/003.jpg"
    with pytest.raises(KeyError):
        rep.exhibit("JS/4")
    # the excluded item has no exhibit number but is listed with its reason
    assert [(x.seq, x.reason) for x in rep.excluded] == [(4, "my own inbox was on screen")]
    assert len(rep.excluded[0].sha256) == 64


def test_another_producer_gets_their_own_initials(tmp_path: Path) -> None:
    v = make_rich_bundle(tmp_path, name="Anne-Marie O'Brien")
    r = report.build_report(v, exported_by="x", officer_reference="y", exported_utc=EXPORTED)
    assert [e.ref for e in r.exhibits] == ["AMO/1", "AMO/2", "AMO/3"]
    assert "AMO/1" in report.statement_text(r)


def test_capture_fields_come_from_the_context(rich: bundle.VerifiedBundle, rep: report.Report) -> None:
    item = rich.items[0]
    ctx = json.loads(rich.bag[item.context_name])
    js1 = rep.exhibit("JS/1")
    assert js1.sha256 == item.sha256
    assert js1.pixels_sha256 == item.pixels_sha256
    assert js1.captured_utc == ctx["utc"] == "2026-07-15T08:05:09.250Z"
    assert js1.captured_local == "Wed 15 Jul 2026 09:05:09 BST (UTC+01:00)"
    assert js1.local_iso == ctx["local_time"]
    assert js1.method == "The whole desktop (every screen)"
    assert js1.window_title == "Instagram - Google Chrome"
    assert js1.window_process == "chrome.exe"
    assert "STAFF-PC-07" in js1.workstation
    assert "jsmith" in js1.workstation
    assert js1.software == "Evidence Capture 0.1.0"
    assert (js1.width, js1.height, js1.size) == (64, 48, len(rich.bag[js1.file]))
    assert js1.time_note == ""


def test_crop_takes_the_time_of_its_original(rep: report.Report) -> None:
    js2 = rep.exhibit("JS/2")
    assert js2.captured_utc == rep.exhibit("JS/1").captured_utc
    assert js2.captured_local == rep.exhibit("JS/1").captured_local
    assert "JS/1" in js2.time_note
    assert "32 x 24 pixels at (8, 4)" in js2.method
    assert "clicked a window" in js2.method
    assert "2026-07-15T08:05:29.250Z" in js2.method  # when the selection was confirmed


def test_received_fields_come_from_the_context(rich: bundle.VerifiedBundle, rep: report.Report) -> None:
    ctx = json.loads(rich.bag["data/items/003.context.json"])
    js3 = rep.exhibit("JS/3")
    assert js3.kind_text.startswith("Received")
    assert js3.captured_utc == ctx["received_utc"]
    assert js3.captured_local == ""
    assert js3.provided_by == "Alex's mother"
    assert js3.how == "forwarded by e-mail"
    assert js3.original_name == "IMG_2041.jpg"
    assert "IMG_2041.jpg" in js3.method
    assert js3.media_type == "image/jpeg"


def test_incident_summary_in_words(rep: report.Report) -> None:
    inc = rep.incident
    assert inc.report_type == "Cyber bullying incident"
    assert inc.categories == ("Threatening", "Hate crime (religion)")
    assert inc.occurred == "2026-07-14T18:30"  # as entered, not the capture time
    assert inc.platform == "Instagram"
    assert inc.target == "Alex Pupil (pupil)"
    assert inc.perpetrator == "Unknown"
    assert inc.perpetrator_handle == "@nasty_account_99"
    assert inc.perpetrator_url == "https://www.instagram.com/nasty_account_99/"
    assert inc.urls == ("https://www.instagram.com/p/Cx1234abcd/",)
    assert inc.not_responded
    assert inc.reported_to == "Dee Sell (DSL)"


def test_custody_reviews_and_revisions(rich: bundle.VerifiedBundle, rep: report.Report) -> None:
    assert [c.seq for c in rep.custody] == [e.seq for e in rich.custody]
    captured = [c for c in rep.custody if c.action in ("captured", "derived", "received")]
    assert [c.exhibit for c in captured] == ["JS/1", "JS/2", "JS/3", ""]  # item 4 was excluded
    assert "sha256: " in captured[0].details
    assert "…" in captured[0].details
    assert rep.custody[-1].action == "exported"
    assert [r.action for r in rep.reviews] == ["Police contacted", "Exported for the police"]
    assert ("Crime reference", "CR/123/26") in rep.reviews[0].fields
    assert rep.reviews[0].section == "§9.8"
    assert rep.reviews[0].by == "Hedda Teacher <head@school.example>"
    assert [(v.number, v.signer_principal) for v in rep.revisions] == [
        (1, "j.smith@school.example"),
        (2, "head@school.example"),
        (3, "dsl@school.example"),
    ]
    assert rep.revisions[0].fingerprint == staff().card.fingerprint
    assert rep.producer_fingerprint == staff().card.fingerprint


def _joined(text: str) -> set[str]:
    """The bag VERIFY.txt's commands with continuation lines joined and spaces normalised."""
    commands, current = set(), ""
    for line in text.splitlines():
        if not line.startswith("     ") or line.strip().startswith("#"):
            continue
        current += line.strip().removesuffix("\\") + " "
        if not line.endswith("\\"):
            commands.add(" ".join(current.split()))
            current = ""
    return commands


def test_signature_commands_are_those_of_the_bags_verify_txt(rich: bundle.VerifiedBundle, rep: report.Report) -> None:
    """The checks run inside the bag are the bag's own VERIFY.txt commands; the root's signatures over each signer
    list are too, run from the export folder; the export adds the root key's fingerprint and SHA256SUMS.sig."""
    in_bag = _joined(rich.bag[bundle.VERIFY_TXT].decode())
    inside = [
        c
        for step in rep.verify
        if step.where == rep.ref
        for c in step.commands
        if c.startswith(("ssh-keygen -Y", "sha256sum"))
    ]
    assert len(inside) == 2 + 1 + 2 * len(rep.revisions)
    for command in inside:
        assert command in in_bag, command
    root = [c for step in rep.verify for c in step.commands if f"-n {PROFILE_NAMESPACE}" in c]
    assert len(root) == 2 * len(rep.trust_versions) == 2
    for command in root:
        assert command.replace(f"{rep.ref}/", "") in in_bag, command
    assert any("cut -d' ' -f3-" in c for c in in_bag)
    assert rep.verify[0].commands == (f"ssh-keygen -lf {rep.ref}/seal/trust/root.pub",)
    assert rep.root_fingerprint == school_root().card.fingerprint
    assert all("sha256sum -c" not in c for step in rep.verify for c in step.commands)


def test_statement_mentions_every_exhibit_and_digest(rep: report.Report) -> None:
    text = report.statement_text(rep)
    assert text.splitlines()[0] == report.DRAFT_WARNING
    assert "DRAFT prepared by software; check every fact, correct it and sign it" in text
    assert "Statement of:        Jane Smith" in text
    for e in rep.exhibits:
        assert f"exhibit {e.ref}" in text
        assert e.sha256 in text
        assert e.pixels_sha256 in text
    assert "Wednesday 15 July 2026" in text  # the day the content was on screen
    assert "09:05:09 BST" in text
    assert "Alex's mother" in text
    assert "did not see this content on my own screen" in text
    assert "part of exhibit JS/1" in text
    assert "encrypted it at once" in text
    assert "SHA-256" in text
    assert rep.producer_fingerprint in text
    assert text.count("Signature: ____") == 2
    assert "Date: ____" in text
    assert "I have not responded" in text
    assert "my own inbox was on screen" in text


def test_dates_are_english_whatever_the_locale(rich: bundle.VerifiedBundle) -> None:
    old = locale.setlocale(locale.LC_TIME)
    for candidate in ("de_DE.UTF-8", "fr_FR.UTF-8", "C.UTF-8"):
        try:
            locale.setlocale(locale.LC_TIME, candidate)
        except locale.Error:
            continue
        try:  # Qt calls setlocale(LC_ALL, "") on start, so strftime's %a and %B would follow the user's locale
            r = report.build_report(rich, exported_by="x", officer_reference="y", exported_utc=EXPORTED)
            assert "Wednesday 15 July 2026" in report.statement_text(r)
            assert r.exhibits[0].captured_local.startswith("Wed 15 Jul 2026")
        finally:
            locale.setlocale(locale.LC_TIME, old)


def test_plain_text_report_has_everything(rep: report.Report) -> None:
    text = report.report_text(rep)
    for e in rep.exhibits:
        assert e.ref in text
        assert e.sha256 in text
        assert e.pixels_sha256 in text
    for v in rep.revisions:
        assert v.fingerprint in text
    assert "CR/123/26" in text
    assert "@nasty_account_99" in text
    assert "my own inbox was on screen" in text
    assert "sha256sum --strict -c SHA256SUMS" in text
    assert f"School root key: {school_root().card.fingerprint}" in text


def test_verify_txt_lists_every_exhibit_and_revision(rep: report.Report) -> None:
    text = report.verify_txt(rep)
    for e in rep.exhibits:
        assert re.search(rf"^{re.escape(e.ref)}  {re.escape(e.file)}", text, re.M)
        assert e.sha256 in text
        assert e.pixels_sha256 in text
    commands = _joined(text)
    for v in rep.revisions:
        k = v.number
        assert (
            f"ssh-keygen -Y verify -f seal/trust/v{v.profile_version}/allowed_signers -I {v.signer_principal}"
            f" -n {bundle.SEAL_NAMESPACE}"
            f" -s seal/revisions/{k}/manifest-sha256.txt.sig < seal/revisions/{k}/manifest-sha256.txt"
        ) in commands
    assert f"School root key: {school_root().card.fingerprint}" in text
    assert f"ssh-keygen -lf {rep.ref}/seal/trust/root.pub" in commands
    assert max(len(line) for line in text.splitlines() if line.startswith("     ")) <= 5 + 104
    # the pixel check is offered for our own PNGs, not for a received JPEG
    assert "pngtopnm data/items/001.png" in text
    assert "pngtopnm data/items/003.jpg" not in text


def test_report_is_pure(rich: bundle.VerifiedBundle, rep: report.Report) -> None:
    again = report.build_report(
        rich, exported_by="Dee Sell <dsl@school.example>", officer_reference="CR/123/26", exported_utc=EXPORTED
    )
    assert again == rep
    assert report.exhibit_images(rep, rich) == {e.ref: rich.bag[e.file] for e in rep.exhibits}


@pytest.mark.parametrize(
    ("command", "lines"),
    [
        ("sha256sum -c SHA256SUMS", ["sha256sum -c SHA256SUMS"]),
        (
            "ssh-keygen -Y verify -f seal/allowed_signers -I j.smith@school.example -n evidence-capture-seal-v1"
            " -s seal/revisions/1/manifest-sha256.txt.sig < seal/revisions/1/manifest-sha256.txt",
            [
                "ssh-keygen -Y verify -f seal/allowed_signers -I j.smith@school.example -n evidence-capture-seal-v1 \\",
                "  -s seal/revisions/1/manifest-sha256.txt.sig < seal/revisions/1/manifest-sha256.txt",
            ],
        ),
        (
            "unzip -p EC-20261125-7F3A9C.zip EC-20261125-7F3A9C/tagmanifest-sha256.txt"
            " | cmp - EC-20261125-7F3A9C/tagmanifest-sha256.txt",
            [
                "unzip -p EC-20261125-7F3A9C.zip EC-20261125-7F3A9C/tagmanifest-sha256.txt \\",
                "  | cmp - EC-20261125-7F3A9C/tagmanifest-sha256.txt",
            ],
        ),
        ("cut -d' ' -f3- " + "x" * 120, ["cut -d' ' -f3- " + "x" * 120]),  # a quoted space is never split
    ],
)
def test_long_commands_wrap_where_bash_can_join_them(command: str, lines: list[str]) -> None:
    assert report.wrap_command(command) == lines
    assert " ".join(" ".join(line.removesuffix("\\").split()) for line in lines) == command


def test_times_in_words() -> None:
    assert timefmt.recorded_time_text("2026-01-05T23:30:00.000+00:00", "GMT", "+00:00") == (
        "Mon 05 Jan 2026 23:30:00 GMT (UTC+00:00)"
    )
    assert timefmt.recorded_time_text("2026-01-05T23:30:00.000-05:00", "", "") == "Mon 05 Jan 2026 23:30:00 (UTC-05:00)"
    assert timefmt.recorded_time_text("not a time", "GMT", "+00:00") == ""
    assert timefmt.utc_time_text("2026-07-15T08:05:09.250Z") == "Wed 15 Jul 2026 08:05:09 UTC"


def _without_capture_times(zip_bytes: bytes) -> bytes:
    """The bundle with every context reduced to ``{"mode": "full"}`` and signed again by Jane: the format asks only
    that a context be a JSON object, so a reader must cope with one that records no time."""
    bag = bag_of(zip_bytes)
    for name in [n for n in bag if n.endswith(".context.json")]:
        bag[name] = bundle.pretty_json({"mode": "full"})
    record = bundle.RevisionRecord.parse(json.loads(bag["data/revisions/1.json"]))
    incident = json.loads(bag[bundle.INCIDENT_JSON])
    payload = {n: d for n, d in bag.items() if n.startswith("data/")}
    signed = bundle.finish_revision(
        incident["ref"], incident["school"], payload, _trust_files(bag), [record], staff(), record.time_utc
    )
    return bundle.zip_bag(incident["ref"], signed)


def test_statement_for_items_without_a_capture_time(tmp_path: Path) -> None:
    v = bundle.verify_bag(_without_capture_times(make_sealed(tmp_path, items=2).zip_bytes), school_profile())
    r = report.build_report(v, exported_by="x", officer_reference="y", exported_utc=EXPORTED)
    assert all("context records no capture time" in e.time_note for e in r.exhibits)
    assert all(e.captured_utc == e.stored_utc for e in r.exhibits)
    text = report.statement_text(r)
    for e in r.exhibits:
        assert f"exhibit {e.ref}" in text
        assert e.sha256 in text
    assert "UTC) I saw this content" not in text
    assert " UTC I saw this content" in text


def _trust_files(bag: dict[str, bytes]) -> dict[str, bytes]:
    """The bag's trust path (``seal/trust/``), which a re-signed revision keeps."""
    return {n: d for n, d in bag.items() if n.startswith("seal/trust/")}
