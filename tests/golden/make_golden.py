"""Golden v1 files: an identity, its card, a school profile and a sealed bundle with two revisions.

``python tests/golden/make_golden.py OUTDIR`` writes them. They were made once, by the code of the first release,
and are committed under ``tests/golden/v1/``; ``tests/evidence/test_golden.py`` opens and verifies them with the
code of today. Every future reader must still accept them, and the writer must still produce the same bag from
the same inputs, so a change to any byte of the v1 format fails a test instead of passing silently (the random
corpus under ``tests/corpus/`` is regenerated on every run and cannot catch drift).

Never edit the files by hand and never regenerate them in place: the script refuses to write into a folder that
already holds them. A new format version gets its own folder (``v2/``) beside this one.

What is in the folder:

- ``staff.identity.age`` and ``reviewer.identity.age``: identity files (age, scrypt), each with its test
  passphrase beside it in ``NAME.passphrase`` (these keys protect nothing but these files);
- ``staff.card`` and ``reviewer.card``: their public cards;
- ``profile.toml``: a school profile naming the reviewer, with the staff member as a signer;
- ``REF.zip.age`` and ``REF.zip.age.sig``: an incident with a capture, a crop of it (derived), a received JPEG and
  an excluded capture, sealed by the staff member (revision 1), then a reviewer's ``meeting-held`` action
  (revision 2);
- ``expected.json``: the facts a reader must find (the reference, the SHA-256 of the decrypted zip, the
  fingerprints);
- ``SHA256SUMS``: every other file, for ``sha256sum -c SHA256SUMS``.

Times and the incident reference are real (the moment the script ran). Names, hosts and texts are invented.
The v1 files were made by the code before the typed records of issue 9; the script has since followed the API
(``Vault.add_item(ref, NewItem)``, enum-typed incident details), not the bytes, which the tests hold fixed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import sys
import tempfile
from pathlib import Path

_TESTS = Path(__file__).resolve().parents[1]
if str(_TESTS.parent) not in sys.path:  # run as a script: the repo root, so that the evidence package imports
    sys.path.insert(0, str(_TESTS.parent))

from PIL import Image  # noqa: E402

from evidence import bundle  # noqa: E402
from evidence.bundle import share  # noqa: E402
from evidence.bundle.seal import seal_incident  # noqa: E402
from evidence.capture import crop, received, screen  # noqa: E402
from evidence.case.incident import Category, IncidentDetails, PerpetratorType, ReportType, TargetRole, new_ref  # noqa: E402
from evidence.case.profile import Profile  # noqa: E402
from evidence.core.timefmt import utc_now  # noqa: E402
from evidence.crypto.keys import Identity, Role, write_identity_file  # noqa: E402
from evidence.crypto.sshsig import AllowedSigner  # noqa: E402
from evidence.review import actions as review  # noqa: E402
from evidence.vault.store import NewItem, Vault  # noqa: E402

APP_VERSION = "0.1.0"
PASSPHRASES = {"staff": "golden staff passphrase v1", "reviewer": "golden reviewer passphrase v1"}


def _frame(width: int, height: int, seed: int) -> bytes:
    """Packed RGB rows of a small synthetic frame."""
    return bytes(
        channel
        for y in range(height)
        for x in range(width)
        for channel in ((x * 31 + seed) % 256, (y * 47 + seed) % 256, (x * y * 13 + seed) % 256)
    )


def _capture(seed: int, when: dt.datetime, title: str) -> tuple[screen.Capture, bytes]:
    """A capture of a small invented frame, with a context of invented but well-formed facts."""
    width, height = 8, 6
    rgb = _frame(width, height, seed)
    area = screen.Rect(0, 0, width, height)
    mode = screen.CaptureMode.parse("full")
    grab = screen.Grab(
        rgb,
        width,
        height,
        0,
        0,
        area,
        area,
        (screen.MonitorInfo(0, 0, width, height, 100),),
        mode,
        when,
        123_456_789_000 + seed,
    )
    png = screen.encode_png(grab)
    local = when.astimezone(dt.timezone(dt.timedelta(hours=1)))
    context = screen.CaptureContext(
        utc=when,
        local=local,
        local_zone="CET",
        monotonic_ns=grab.monotonic_ns,
        host="WS-STAFF-01",
        os_user="sstaff",
        os="Linux-6.1.0-x86_64-with-glibc2.36",
        app_version=APP_VERSION,
        mode=mode,
        desktop=area,
        monitors=grab.monitors,
        captured=area,
        window_title=title,
        window_process="firefox",
    )
    shot = screen.Capture(
        png=png,
        png_sha256=hashlib.sha256(png).hexdigest(),
        pixels_sha256=screen.pixels_sha256(rgb, width, height),
        width=width,
        height=height,
        context=context,
    )
    return shot, rgb


def _jpeg() -> bytes:
    img = Image.frombytes("RGB", (8, 6), _frame(8, 6, 99))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


def make(out: Path) -> None:
    """Write the golden files into ``out`` (which must not hold them yet)."""
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise SystemExit(f"{out} is not empty: golden files are never regenerated in place")
    created = "2026-11-25T09:00:00.000Z"
    staff = Identity.generate("Sam Staff", "s.staff@golden.example", Role.STAFF, created)
    reviewer = Identity.generate("Rita Reviewer", "dsl@golden.example", Role.REVIEWER, created)
    for name, who in (("staff", staff), ("reviewer", reviewer)):
        write_identity_file(who, out / f"{name}.identity.age", PASSPHRASES[name])
        (out / f"{name}.passphrase").write_text(PASSPHRASES[name] + "\n", encoding="utf-8")
        (out / f"{name}.card").write_text(who.card.to_text(), encoding="utf-8")
    profile = Profile(
        school="Golden Academy",
        reviewers=(reviewer.card,),
        staff=(AllowedSigner(staff.card.principal, staff.card.ssh_key, None),),
    )
    (out / "profile.toml").write_text(profile.to_toml(), encoding="utf-8")
    profile = Profile.load(out / "profile.toml")

    recipients = [staff.card.recipient, *profile.reviewer_recipients]
    actor = staff.card.principal
    with tempfile.TemporaryDirectory() as tmp:
        drop = Path(tmp) / "drop"
        with Vault(Path(tmp) / "vault.sqlite3") as vault:
            details = IncidentDetails(
                title="Threats in a Year 9 group chat",
                report_type=ReportType.CYBER_BULLYING,
                occurred="2026-11-24T18:30",
                platform="Instagram",
                categories=(Category.THREATENING, Category.HARASSMENT),
                target_name="Pupil A",
                target_role=TargetRole.PUPIL,
                perpetrator_type=PerpetratorType.CURRENT_PUPIL,
                perpetrator_name="Pupil B",
                perpetrator_handle="@pupil_b",
                perpetrator_url="https://social.example/pupil_b",
                urls=("https://social.example/p/1",),
                description="Messages in the form group chat saying Pupil A would be hurt after school.",
                not_responded=True,
                reported_to="Form tutor",
                support_sought="Pastoral lead",
                witnesses="Pupil C",
            )
            ref = vault.create_incident(details, actor=actor, recipients=recipients, ref=new_ref())
            now = dt.datetime.fromisoformat(utc_now().replace("Z", "+00:00"))
            shot, rgb = _capture(1, now, "Year 9 chat - Instagram")
            seq1 = vault.add_item(ref, NewItem.from_shot(shot), actor=actor, recipients=recipients).seq
            derived = crop.derived_capture(
                shot,
                rgb,
                screen.Rect(2, 1, 4, 3),
                app_version=APP_VERSION,
                reason=crop.Selection.WINDOW,
                window_title="Year 9 chat - Instagram",
            )
            vault.add_item(ref, NewItem.from_shot(derived, parent_seq=seq1), actor=actor, recipients=recipients)
            got = received.receive_bytes(
                _jpeg(),
                original_name="screenshot.jpg",
                provided_by="Parent of Pupil A",
                how="forwarded by e-mail",
                file_time_utc="2026-11-24T19:02:11.000Z",
            )
            vault.add_item(ref, NewItem.from_received(got), actor=actor, recipients=recipients)
            spare, _ = _capture(4, dt.datetime.fromisoformat(utc_now().replace("Z", "+00:00")), "Inbox - Mail")
            seq4 = vault.add_item(ref, NewItem.from_shot(spare), actor=actor, recipients=recipients).seq
            vault.caption_item(ref, seq1, "The first threat", actor=actor, recipients=recipients)
            vault.exclude_item(ref, seq4, "my own inbox was on screen", actor=actor, recipients=recipients)
            sealed = seal_incident(vault, ref, staff, profile, drop)
        verified = bundle.open_bundle(sealed.path.read_bytes(), [reviewer.age_secret], profile)
        bag = review.add_review(
            verified,
            reviewer,
            profile,
            review.ReviewAction.MEETING_HELD,
            "Met Pupil A and their parent; they are safe at home.",
            {"who": "DSL, Pupil A, parent"},
        )
        published = share.publish_revision(drop, ref, lambda _latest: bag, reviewer, profile)
        path = published.path
        ciphertext = path.read_bytes()
        final = bundle.open_bundle(ciphertext, [reviewer.age_secret], profile)
        if len(final.revisions) != 2:
            raise SystemExit("expected two revisions")
        legacy = f"{ref}{bundle.BUNDLE_SUFFIX}"  # the golden set keeps the name bundles had before revision files
        (out / legacy).write_bytes(ciphertext)
        (out / f"{legacy}.sig").write_bytes(path.with_name(path.name + ".sig").read_bytes())
    expected = {
        "ref": ref,
        "school": profile.school,
        "zip_sha256": hashlib.sha256(final.zip_bytes).hexdigest(),
        "manifest_sha256": hashlib.sha256(final.bag[bundle.MANIFEST]).hexdigest(),
        "revisions": len(final.revisions),
        "items": [i.seq for i in final.items],
        "staff_fingerprint": staff.card.fingerprint,
        "reviewer_fingerprint": reviewer.card.fingerprint,
    }
    (out / "expected.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    names = sorted(p.name for p in out.iterdir() if p.name != "SHA256SUMS")
    sums = "".join(f"{hashlib.sha256((out / n).read_bytes()).hexdigest()}  {n}\n" for n in names)
    (out / "SHA256SUMS").write_text(sums, encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: make_golden.py OUTDIR")
    make(Path(sys.argv[1]))
