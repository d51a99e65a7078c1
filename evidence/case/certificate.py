"""The disposal certificate: one register entry, told to the data protection officer, with how to check it.

A DPO asked "what happened to case X?" needs a page that says what was disposed of, when, by whom, under which
rule and why, and that anyone can check against the register without our app. The certificate is made only from
a :class:`~evidence.case.register.VerifiedEntry` (an entry that passed every check), so it can say nothing the
register does not, and it therefore holds no personal data about the people in the case: only the reference,
digests, the rule's wording, the reason code and the authorising reviewer's principal and key fingerprint.

:class:`DisposalCertificate` is the record; :meth:`DisposalCertificate.sections` lays it out as titled rows that a
text renderer (:meth:`DisposalCertificate.to_text`) and a later PDF renderer in ``ui/`` share, so both say the
same. Every value is cleaned (:func:`~evidence.core.text.clean_line`) before it is laid out.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from evidence.case.register import (
    ENTRY_FILE,
    NAMESPACE,
    REASON_LABELS,
    SIG_FILE,
    VERIFY_FILE,
    DisposedFile,
    TrustAnchor,
    VerifiedEntry,
)
from evidence.core.text import clean_line
from evidence.core.timefmt import utc_now

TITLE = "Certificate of disposal"
WRAP = 100
"""Paragraphs of the text form are wrapped at this width; commands never are (they must be typed as shown)."""


@dataclass(frozen=True)
class Section:
    """A titled block of the certificate: label/value rows, plain paragraphs, then commands."""

    title: str
    rows: tuple[tuple[str, str], ...] = ()
    paragraphs: tuple[str, ...] = ()
    commands: tuple[tuple[str, str], ...] = ()
    """Stock commands to type exactly as given, each with what it must print."""


@dataclass(frozen=True)
class DisposalCertificate:
    """What a DPO's certificate states about one disposal.

    Attributes:
        school: the school's name (from its profile).
        reference: the incident reference.
        entry_name: the register entry's folder (``000003``).
        entry_sha256: SHA-256 (hex) of its ``entry.json``.
        prev_sha256: the entry's ``prev_sha256``.
        disposed_utc: when.
        authorised_by: the authorising reviewer's principal (who signed the entry).
        fingerprint: that reviewer's key fingerprint.
        rule_key: the rule applied (e.g. ``cyber-bullying``).
        rule_text: the rule in words.
        reason_code: the reason code.
        reason_label: the reason in words.
        note: the entry's note ("" if none).
        files: the deleted files and their digests.
        item_sha256: the items' digests.
        trust: the trust path named by the entry, or None.
        issued_utc: when the certificate was made.
    """

    school: str
    reference: str
    entry_name: str
    entry_sha256: str
    prev_sha256: str
    disposed_utc: str
    authorised_by: str
    fingerprint: str
    rule_key: str
    rule_text: str
    reason_code: str
    reason_label: str
    note: str
    files: tuple[DisposedFile, ...]
    item_sha256: tuple[str, ...]
    trust: TrustAnchor | None
    issued_utc: str

    @classmethod
    def from_entry(cls, verified: VerifiedEntry, *, school: str, issued_utc: str | None = None) -> DisposalCertificate:
        """The certificate of a verified register entry."""
        entry = verified.entry
        d = entry.disposal
        return cls(
            school=clean_line(school),
            reference=d.reference,
            entry_name=entry.name,
            entry_sha256=verified.sha256,
            prev_sha256=entry.prev_sha256,
            disposed_utc=d.disposed_utc,
            authorised_by=entry.authorised_by.principal,
            fingerprint=entry.authorised_by.fingerprint,
            rule_key=d.rule.value,
            rule_text=d.rule_text,
            reason_code=d.reason.value,
            reason_label=REASON_LABELS[d.reason],
            note=d.note,
            files=d.files,
            item_sha256=d.item_sha256,
            trust=d.trust,
            issued_utc=issued_utc or utc_now(),
        )

    def check_commands(self) -> tuple[str, ...]:
        """The stock commands, run in the register folder, that check this entry (``ALLOWED_SIGNERS`` as in
        the register's ``VERIFY.txt``)."""
        path = f"{self.entry_name}/{ENTRY_FILE}"
        return (
            f"sha256sum {path}",
            f"ssh-keygen -Y verify -f ALLOWED_SIGNERS -I {self.authorised_by} -n {NAMESPACE} "
            f"-s {self.entry_name}/{SIG_FILE} < {path}",
        )

    def sections(self) -> tuple[Section, ...]:
        """The certificate laid out as titled rows and paragraphs (cleaned), for text and PDF alike."""
        when = self.disposed_utc.replace("T", " ").replace("Z", " UTC")
        files = tuple(
            (("Deleted file" if i == 0 else ""), f"{f.name}  SHA-256 {f.sha256}") for i, f in enumerate(self.files)
        )
        count = len(self.item_sha256)
        items = tuple(
            ((f"Items ({count})" if i == 0 else ""), f"{i + 1}. SHA-256 {digest}")
            for i, digest in enumerate(self.item_sha256)
        ) or (("Items", "none"),)
        trust_rows: tuple[tuple[str, str], ...] = ()
        if self.trust is not None:
            trust_rows = (
                ("School root", self.trust.root_fingerprint),
                ("Profile version", str(self.trust.profile_version)),
                ("Signer list SHA-256", self.trust.allowed_signers_sha256),
            )
        commands = self.check_commands()
        out = (
            Section(
                TITLE,
                rows=(("School", self.school), ("Case", self.reference), ("Disposed of", when)),
                paragraphs=(
                    f"The case {self.reference} was disposed of on {when}, as recorded in entry {self.entry_name} "
                    "of the school's signed disposal register. This certificate is made from that entry alone and "
                    "holds no personal data about the people in the case.",
                ),
            ),
            Section("What was disposed of", rows=files + items),
            Section(
                "Why",
                rows=(
                    ("Rule applied", f"{self.rule_key}: {self.rule_text}"),
                    ("Reason", f"{self.reason_label} ({self.reason_code})"),
                    ("Note", self.note or "none"),
                ),
            ),
            Section("Authorised by", rows=(("Reviewer", self.authorised_by), ("Key fingerprint", self.fingerprint))),
            Section(
                "Register entry",
                rows=(
                    ("Entry", self.entry_name),
                    ("Entry SHA-256", self.entry_sha256),
                    ("Follows", self.prev_sha256),
                    *trust_rows,
                ),
            ),
            Section(
                "How to check it",
                paragraphs=(
                    "In the disposal register folder beside the drop folder, where ALLOWED_SIGNERS is the school's "
                    f"signer list as the register's {VERIFY_FILE} explains:",
                ),
                commands=(
                    (commands[0], f"{self.entry_sha256} and the file name"),
                    (commands[1], f'Good "{NAMESPACE}" signature for {self.authorised_by}'),
                    (
                        f"the two steps of {VERIFY_FILE}",
                        f"no FAIL line, and a chain that reaches entry {self.entry_name}: no entry up to it was "
                        "changed, removed or reordered",
                    ),
                ),
            ),
            Section("", paragraphs=(f"Certificate issued {self.issued_utc}.",)),
        )
        return tuple(_clean(s) for s in out)

    def to_text(self) -> str:
        """The certificate as plain text (UTF-8, LF), for printing or saving beside the register."""
        lines: list[str] = []
        for section in self.sections():
            if section.title:
                lines += [section.title, ("=" if section.title == TITLE else "-") * len(section.title)]
            width = max((len(label) for label, _ in section.rows), default=0)
            lines += [f"{label:<{width}}  {value}".rstrip() for label, value in section.rows]
            for paragraph in section.paragraphs:
                lines += textwrap.wrap(paragraph, WRAP) or [""]
            for number, (command, expected) in enumerate(section.commands, start=1):
                lines += [f"{number}. {command}", f"   must print: {expected}"]
            lines.append("")
        return "\n".join(lines).rstrip("\n") + "\n"


def _clean(section: Section) -> Section:
    return Section(
        clean_line(section.title),
        tuple((clean_line(label), clean_line(value, limit=400)) for label, value in section.rows),
        tuple(clean_line(p, limit=1000) for p in section.paragraphs),
        tuple((clean_line(c, limit=400), clean_line(e, limit=400)) for c, e in section.commands),
    )
