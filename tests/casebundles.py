"""Sealed incidents whose items are pictures of chat text, for the casework tests (OCR, links, search, the pack).

Each screen is drawn with Pillow in DejaVu Sans (a real font, rasterised by FreeType), so the real Tesseract can
read it; the OCR test on real X11 captures is ``tests/e2e/test_ocr_xvfb.py``. Every incident is sealed by Jane
(staff) into one drop folder with real keys, as :func:`bundles.make_sealed` does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bundles import school_profile, staff
from helpers import capture_context
from PIL import Image, ImageDraw, ImageFont

from evidence.bundle import share
from evidence.bundle.seal import seal_incident
from evidence.capture.items import ItemKind
from evidence.case.incident import Category, IncidentDetails
from evidence.case.profile import Profile
from evidence.vault.store import NewItem, Vault

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def chat_png(lines: Sequence[str], *, width: int = 640) -> tuple[bytes, bytes, tuple[int, int]]:
    """A chat-like screen: one message per line on a light bubble; the PNG, its RGB pixels and its size."""
    font = ImageFont.truetype(FONT, 15)
    height = 40 + 44 * len(lines)
    img = Image.new("RGB", (width, height), "#ffffff")
    draw = ImageDraw.Draw(img)
    for i, text in enumerate(lines):
        top = 20 + 44 * i
        draw.rectangle((16, top, width - 16, top + 32), fill="#e9e9eb")
        draw.text((28, top + 7), text, font=font, fill="#111111")
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue(), img.tobytes(), img.size


@dataclass(frozen=True)
class CaseIncident:
    """A sealed incident in a drop folder: ``path`` is revision 1 as sealed (``REF.r1.zip.age``)."""

    ref: str
    path: Path

    @property
    def current(self) -> Path:
        """The incident's current revision in its drop folder (the highest complete ``REF.rN.zip.age``)."""
        found = share.current_revision(self.path.parent, self.ref)
        assert found is not None
        return found.path


def make_incident(
    root: Path,
    name: str,
    *,
    title: str,
    occurred: str,
    screens: Sequence[Sequence[str]],
    captured_utc: str,
    platform: str = "Instagram",
    handle: str = "",
    target: str = "Alex Pupil",
    profile: Profile | None = None,
    drop: Path | None = None,
) -> CaseIncident:
    """Seal one incident with a screen of chat text per item, captured at ``captured_utc`` (a minute apart)."""
    profile = profile or school_profile()
    me = staff()
    recipients = [me.card.recipient, *profile.reviewer_recipients]
    (root / name).mkdir(parents=True, exist_ok=True)
    with Vault(root / name / "vault.sqlite3") as vault:
        details = IncidentDetails(
            title=title,
            categories=(Category.THREATENING,),
            platform=platform,
            occurred=occurred,
            perpetrator_handle=handle,
            target_name=target,
        )
        ref = vault.create_incident(details, actor=me.card.principal, recipients=recipients)
        start = dt.datetime.fromisoformat(captured_utc.replace("Z", "+00:00"))
        for i, lines in enumerate(screens):
            data, rgb, (w, h) = chat_png(lines)
            when = (start + dt.timedelta(minutes=i)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            item = NewItem(
                kind=ItemKind.CAPTURED,
                media_type="image/png",
                content=data,
                sha256=hashlib.sha256(data).hexdigest(),
                context=capture_context(window_title=f"{platform} chat", width=w, height=h, utc=when),
                pixels_sha256=hashlib.sha256(b"P6\n%d %d\n255\n" % (w, h) + rgb).hexdigest(),
                width=w,
                height=h,
            )
            vault.add_item(ref, item, actor=me.card.principal, recipients=recipients)
        result = seal_incident(vault, ref, me, profile, drop or root / "drop")
    return CaseIncident(ref, result.path)


THREE = (
    {
        "name": "one",
        "title": "Threats in a group chat",
        "occurred": "2026-11-02T19:40:00+00:00",
        "captured_utc": "2026-11-03T08:15:00.000Z",
        "platform": "Instagram",
        "handle": "@jay_k_2009",
        "screens": [["@jay_k_2009: nobody likes you", "Sam: leave her alone"], ["@jay_k_2009: watch your back"]],
    },
    {
        "name": "two",
        "title": "Messages after school",
        "occurred": "2026-11-09T21:05:00+00:00",
        "captured_utc": "2026-11-10T09:30:00.000Z",
        "platform": "Snapchat",
        "handle": "",
        "screens": [["@jay_k_2009: you will regret telling"]],
    },
    {
        "name": "three",
        "title": "Comments under a photo",
        "occurred": "2026-11-16T17:20:00+00:00",
        "captured_utc": "2026-11-17T08:05:00.000Z",
        "platform": "TikTok",
        "handle": "",
        "target": "Sam Pupil",
        "screens": [["@jay_k_2009: everyone knows what you did"]],
    },
)
"""Three incidents, a week apart, on three platforms, with the same handle on every screen; the first two about
one pupil, the third about another."""


def make_three(root: Path, drop: Path, *, profile: Profile | None = None) -> list[CaseIncident]:
    """The three incidents of :data:`THREE`, sealed into ``drop``."""
    return [
        make_incident(
            root,
            str(spec["name"]),
            title=str(spec["title"]),
            occurred=str(spec["occurred"]),
            captured_utc=str(spec["captured_utc"]),
            platform=str(spec["platform"]),
            handle=str(spec["handle"]),
            target=str(spec.get("target", "Alex Pupil")),
            screens=spec["screens"],  # type: ignore[arg-type]
            drop=drop,
            profile=profile,
        )
        for spec in THREE
    ]
