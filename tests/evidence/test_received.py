"""Received files (issue 11): checked before anyone is asked who provided them; PNG, JPEG, WebP and HEIC kept byte
for byte, each with a rendering whose pixel digest is what FORMAT.md says; and a bundle that carries them verifies."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from evidence.capture import received
from evidence.capture.items import MEDIA_TYPES
from evidence.capture.received import Check, ReceivedFileError, check_file, check_image, render, sniff
from evidence.capture.screen import pixels_sha256


def pattern(size: tuple[int, int] = (37, 23)) -> Image.Image:
    img = Image.new("RGB", size)
    img.putdata([((x * 7) % 256, (y * 11) % 256, (x * y) % 256) for y in range(size[1]) for x in range(size[0])])
    return img


def encoded(fmt: str, img: Image.Image | None = None, **options: object) -> bytes:
    if fmt == "HEIF":
        received._register_heif()
    out = io.BytesIO()
    (img or pattern()).save(out, fmt, **options)
    return out.getvalue()


def ppm_digest(img: Image.Image) -> str:
    rgb = img.convert("RGB")
    return hashlib.sha256(f"P6\n{rgb.width} {rgb.height}\n255\n".encode() + rgb.tobytes()).hexdigest()


# --- Types, by their first bytes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "options", "media_type"),
    [
        ("PNG", {}, "image/png"),
        ("JPEG", {"quality": 80}, "image/jpeg"),
        ("WEBP", {"lossless": True}, "image/webp"),
        ("WEBP", {"quality": 60}, "image/webp"),
        ("HEIF", {"quality": 90}, "image/heic"),
    ],
)
def test_each_accepted_type_is_kept_byte_for_byte_with_its_pixel_digest(
    fmt: str, options: dict[str, object], media_type: str
) -> None:
    data = encoded(fmt, **options)
    got = received.receive_bytes(data, original_name="from-phone.bin", provided_by="A parent", how="WhatsApp")
    assert got.media_type == media_type
    assert got.media_type in MEDIA_TYPES
    assert got.content == data  # byte for byte: never re-encoded
    assert got.sha256 == hashlib.sha256(data).hexdigest()
    assert (got.width, got.height) == (37, 23)
    assert got.context.media_type == media_type
    with Image.open(io.BytesIO(data)) as img:  # FORMAT.md: the first image, Image.convert("RGB")
        assert got.pixels_sha256 == ppm_digest(img)
    shown = render(data)
    assert got.pixels_sha256 == pixels_sha256(shown.rgb, shown.width, shown.height)


def test_a_lossless_webp_renders_to_exactly_its_pixels() -> None:
    img = pattern()
    assert render(encoded("WEBP", img, lossless=True)).rgb == img.tobytes()


def test_alpha_is_dropped_not_composited() -> None:
    rgba = Image.new("RGBA", (4, 3), (200, 100, 50, 0))  # fully transparent
    shown = render(encoded("PNG", rgba))
    assert shown.rgb == bytes((200, 100, 50)) * 12


def test_type_comes_from_the_bytes_never_the_name(tmp_path: Path) -> None:
    disguised = tmp_path / "photo.heic"
    disguised.write_bytes(encoded("PNG"))
    assert check_file(disguised).media_type == "image/png"
    text = tmp_path / "notes.png"
    text.write_bytes(b"this is not an image at all\n")
    with pytest.raises(ReceivedFileError) as caught:
        check_file(text)
    assert caught.value.check is Check.TYPE
    assert "notes.png" in str(caught.value)


def test_heic_is_told_from_avif_by_its_brands() -> None:
    heic = encoded("HEIF")
    assert sniff(heic) == "image/heic"
    avif_like = heic[:8] + b"avif" + heic[12:16] + b"mif1avif" + heic[24:]
    assert sniff(avif_like) is None
    generic = heic[:8] + b"mif1" + heic[12:]  # generic brand, HEVC among the compatible brands
    assert sniff(generic) == "image/heic"
    assert sniff(b"\x00\x00\x00\x18ftyp") is None  # too short to hold its brands


# --- Refused, before anyone is asked anything -------------------------------------------------------------------


def test_an_empty_file_says_empty(tmp_path: Path) -> None:
    empty = tmp_path / "screenshot.png"
    empty.write_bytes(b"")
    with pytest.raises(ReceivedFileError) as caught:
        check_file(empty)
    assert caught.value.check is Check.EMPTY
    assert "empty" in str(caught.value)  # the issue asks for this word; the check is what the test relies on
    with pytest.raises(ReceivedFileError) as caught:
        check_image(b"", original_name="x.png")
    assert caught.value.check is Check.EMPTY


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "HEIF"])
def test_a_truncated_image_fails_to_decode(fmt: str) -> None:
    data = encoded(fmt, pattern((120, 90)), quality=90) if fmt != "PNG" else encoded(fmt, pattern((120, 90)))
    with pytest.raises(ReceivedFileError) as caught:
        check_image(data[: len(data) // 2], original_name="cut")
    assert caught.value.check is Check.DECODE


def test_too_many_pixels_is_refused_from_the_header(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(received, "MAX_RECEIVED_PIXELS", 100)
    with pytest.raises(ReceivedFileError) as caught:
        check_image(encoded("WEBP", lossless=True), original_name="big.webp")
    assert caught.value.check is Check.TOO_LARGE


def test_too_many_bytes_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(received, "MAX_RECEIVED_BYTES", 10)
    path = tmp_path / "big.png"
    path.write_bytes(encoded("PNG"))
    with pytest.raises(ReceivedFileError) as caught:
        check_file(path)
    assert caught.value.check is Check.TOO_LARGE


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_not_a_regular_file_and_is_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    with pytest.raises(ReceivedFileError) as caught:
        check_file(fifo)
    assert caught.value.check is Check.NOT_REGULAR


def test_a_folder_and_a_missing_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ReceivedFileError) as caught:
        check_file(tmp_path / "gone.png")
    assert caught.value.check is Check.UNREADABLE
    with pytest.raises(ReceivedFileError) as caught:
        check_file(tmp_path)
    assert caught.value.check in (Check.NOT_REGULAR, Check.UNREADABLE)


def test_provenance_is_still_required() -> None:
    with pytest.raises(ReceivedFileError) as caught:
        received.receive_bytes(encoded("PNG"), original_name="x.png", provided_by=" ", how="e-mail")
    assert caught.value.check is Check.PROVENANCE


# --- Stock tools agree with the digest where FORMAT.md says they do ---------------------------------------------


@pytest.mark.skipif(shutil.which("pngtopnm") is None, reason="netpbm is not installed")
def test_pngtopnm_prints_a_received_pngs_pixel_digest(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(encoded("PNG"))
    ppm = subprocess.run(["pngtopnm", str(path)], capture_output=True, check=True).stdout
    assert hashlib.sha256(ppm).hexdigest() == check_file(path).pixels_sha256


# --- In a sealed bundle -----------------------------------------------------------------------------------------


def test_a_bundle_carrying_webp_and_heic_verifies_with_their_own_suffixes(tmp_path: Path) -> None:
    from bundles import bag_of, dsl, school_profile, staff

    from evidence import bundle
    from evidence.bundle.seal import seal_incident
    from evidence.case.incident import IncidentDetails
    from evidence.vault.store import NewItem, Vault

    profile, me = school_profile(), staff()
    recipients = [me.card.recipient, *profile.reviewer_recipients]
    files = {"image/webp": encoded("WEBP", quality=70), "image/heic": encoded("HEIF", quality=80)}
    with Vault(tmp_path / "vault.sqlite3") as vault:
        ref = vault.create_incident(IncidentDetails(title="Sent by a parent"), actor="j", recipients=recipients)
        for data in files.values():
            got = received.receive_bytes(data, original_name="IMG_0001", provided_by="A parent", how="WhatsApp")
            vault.add_item(ref, NewItem.from_received(got), actor="j", recipients=recipients)
        result = seal_incident(vault, ref, me, profile, tmp_path / "drop")
    verified = bundle.open_bundle(result.path.read_bytes(), [dsl().age_secret], profile)
    assert [(i.media_type, i.file) for i in verified.items] == [
        ("image/webp", "data/items/001.webp"),
        ("image/heic", "data/items/002.heic"),
    ]
    bag = bag_of(bundle.decrypt_bundle(result.path.read_bytes(), [dsl().age_secret]))
    assert bag["data/items/001.webp"] == files["image/webp"]
    assert bag["data/items/002.heic"] == files["image/heic"]
