"""The disposal certificate: made from a verified register entry only, so it says what the register says (issue 17)."""

from __future__ import annotations

from pathlib import Path

from bundles import dsl, head
from registers import allowed_signers, disposal

from evidence.case.certificate import TITLE, DisposalCertificate
from evidence.case.register import Disposal, DisposalReason, TrustAnchor, append, verify_register


def _certificate(tmp_path: Path, d: Disposal | None = None) -> DisposalCertificate:
    folder = tmp_path / "register"
    append(folder, disposal(1), dsl(), allowed_signers())
    append(folder, d or disposal(2), head(), allowed_signers())
    entry = verify_register(folder, allowed_signers()).entries[1]
    return DisposalCertificate.from_entry(entry, school="Example Academy", issued_utc="2033-02-01T09:00:00.000Z")


def test_certificate_states_what_when_who_rule_and_how_to_check(tmp_path: Path) -> None:
    cert = _certificate(tmp_path)
    report = verify_register(tmp_path / "register", allowed_signers())
    entry = report.entries[1]
    text = cert.to_text()
    assert text.startswith(f"{TITLE}\n{'=' * len(TITLE)}\n")
    d = entry.entry.disposal
    for expected in (
        "Example Academy",
        d.reference,
        "2033-01-03 10:00:00.000 UTC",
        *(f.name for f in d.files),
        *(f.sha256 for f in d.files),
        *d.item_sha256,
        "cyber-bullying: 2192 days after the incident",
        "the retention period ended and the case was reviewed (retention-ended)",
        "head@school.example",
        head().card.fingerprint,
        entry.sha256,
        report.entries[0].sha256,
        f"1. sha256sum 000002/entry.json\n   must print: {entry.sha256}",
        "2. ssh-keygen -Y verify -f ALLOWED_SIGNERS -I head@school.example -n evidence-capture-disposal-v1 "
        "-s 000002/entry.json.sig < 000002/entry.json\n",
        "Certificate issued 2033-02-01T09:00:00.000Z.",
    ):
        assert expected in text
    assert text.endswith("\n")
    assert "\r" not in text


def test_sections_feed_text_and_a_later_pdf_alike(tmp_path: Path) -> None:
    cert = _certificate(tmp_path)
    sections = cert.sections()
    assert [s.title for s in sections] == [
        TITLE,
        "What was disposed of",
        "Why",
        "Authorised by",
        "Register entry",
        "How to check it",
        "",
    ]
    text = cert.to_text()
    for section in sections:
        for _, value in section.rows:
            assert value in text
        for command, expected in section.commands:
            assert command in text
            assert expected in text


def test_note_and_trust_are_shown_and_cleaned(tmp_path: Path) -> None:
    base = disposal(2)
    d = Disposal(
        base.reference,
        base.files,
        base.item_sha256,
        base.rule,
        base.rule_text,
        DisposalReason.OTHER,
        "school merged; archive closed",
        base.disposed_utc,
        TrustAnchor(dsl().card.fingerprint, 4, "cd" * 32),
    )
    cert = _certificate(tmp_path, d)
    text = cert.to_text()
    assert "another reason (see the note) (other)" in text
    assert "Note          school merged; archive closed" in text
    assert f"School root          {dsl().card.fingerprint}" in text
    assert "Profile version      4" in text
    hostile = DisposalCertificate.from_entry(
        verify_register(tmp_path / "register", allowed_signers()).entries[0],
        school="Evil\x1b[2J\u202eSchool\nFAIL",
    )
    out = hostile.to_text()
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert "Evil [2JSchool FAIL" in out
