"""The verdict banner: one green, amber or red sentence above an opened bundle, saying whether it verified and why not.

Amber is a bundle that verified but is older than, or different from, the revisions of the same incident already
verified on this computer (:class:`evidence.review.inbox.Seen`): a rolled-back copy put back in the drop folder
is genuine and still verifies, so it must not look like the current record.

The banner speaks to a reviewer, not to a cryptographer. A bundle that failed says first, in plain words, that it
has been altered or damaged and cannot be trusted (issue 11); then what failed, by what it means ("a file does
not match its fingerprint") and the file by what it is ("item 2's image"); then the exact check and message, for
whoever has to repeat the check with stock tools (``VERIFY.txt`` in the bundle).

Error messages can quote member names from a hostile zip, so every text is shown as plain text (never rich text)
and stripped of control and bidirectional-override characters.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from evidence.bundle import VerifiedBundle
from evidence.case.custody import REMOVED_FOR_SAFEGUARDING
from evidence.core.errors import BundleError
from evidence.core.text import DEFAULT_LINE_LIMIT, clean_line
from evidence.core.timefmt import local_time_text
from evidence.review.inbox import SeenCheck

CHECK_PHRASES = {
    "decrypt": "the encrypted file is damaged",
    "unreadable": "this file is not a sealed bundle, or it was not encrypted to you",
    "size cap": "the file is too large to be a sealed bundle",
    "zip structure": "the archive is not in the sealed form",
    "bagit": "the archive is not in the sealed form",
    "payload hash": "a file does not match its fingerprint",
    "signature": "the seal signature does not verify",
    "untrusted signer": "signed by someone the school does not trust",
    "trust path": "the signers are not vouched for by your school's root key",
    "revision": "a later revision changed the sealed evidence",
    "custody": "the custody record is broken",
    "consistency": "the record is inconsistent",
    "origin": "the signature beside the file does not verify",
    "missing origin": "there is no signature beside the file, so who sent it cannot be checked",
    "extra readers": "it can also be opened by someone who is not a reviewer in the school profile",
    "missing reviewer": "it was not encrypted to every reviewer in the school profile",
}
"""Each :class:`~evidence.core.errors.BundleError` check in words."""

NOT_OPENED = frozenset({"decrypt", "unreadable", "size cap", "origin", "missing origin"})
"""Checks that fail before anything could be decrypted, so there is nothing to inspect."""

ALTERED_TEXT = "This bundle has been altered or damaged and cannot be trusted."
HEADLINES = {
    "unreadable": "This file cannot be opened: it is not a sealed bundle, or it was not sealed for you.",
    "size cap": "This file is too large to be a sealed bundle, so it was not opened.",
    "untrusted signer": "This bundle was sealed by someone your school does not trust, so it cannot be trusted.",
}
"""The first line of the failures that do not mean the bundle was altered; any other failure's is ALTERED_TEXT."""

INSPECT_TEXT = "You can inspect it read-only; it cannot be exported as verified."
CANNOT_OPEN_TEXT = "It cannot be opened, and it cannot be exported as verified."

_ITEM_FILE = re.compile(r"^data/items/([0-9]+)\.(png|jpg)$")
_ITEM_CONTEXT = re.compile(r"^data/items/([0-9]+)\.context\.json$")
_REVISION_RECORD = re.compile(r"^data/revisions/([0-9]+)\.json$")
_REVISION_SEAL = re.compile(r"^seal/revisions/([0-9]+)/manifest-sha256\.txt(\.sig)?$")
_CUSTODY = re.compile(r"^data/custody(-r[0-9]+)?\.jsonl$")

MEMBER_WORDS = {
    "data/incident.json": "the incident record",
    "manifest-sha256.txt": "the list of file fingerprints",
    "tagmanifest-sha256.txt": "the list of fingerprints of the bag's own files",
    "bagit.txt": "the bag declaration",
    "bag-info.txt": "the bag description",
    "VERIFY.txt": "the checking instructions",
    "seal/manifest-sha256.txt.sig": "the seal signature",
    "seal/allowed_signers": "the list of signers",
    "seal/revisions": "the signed revisions",
    "seal/trust": "the school's signed profiles",
    "seal/trust/root.pub": "the school root's key",
    "seal/trust/root_allowed_signers": "the school root's key",
}

_STYLE = {
    "verified": "QFrame#verdict_banner { background: #e6f4ea; border: 1px solid #1e7e34; border-radius: 6px; }"
    " QLabel { color: #0b3d1b; background: transparent; border: none; }",
    "failed": "QFrame#verdict_banner { background: #fdecea; border: 1px solid #b00020; border-radius: 6px; }"
    " QLabel { color: #5f0010; background: transparent; border: none; }",
    "amber": "QFrame#verdict_banner { background: #fff4ce; border: 1px solid #8a5a00; border-radius: 6px; }"
    " QLabel { color: #4d3200; background: transparent; border: none; }",
}


def safe_text(text: str, limit: int = DEFAULT_LINE_LIMIT) -> str:
    """``text`` on one line of at most ``limit`` characters, without control or bidi characters (``clean_line``)."""
    return clean_line(text, limit=limit)


def check_phrase(check: str) -> str:
    """A check name in words; an unknown check is quoted rather than hidden."""
    return CHECK_PHRASES.get(check, f"the bundle failed the “{safe_text(check)}” check")


def member_words(member: str) -> str:
    """A member of the bag in words, with its path: "item 2's image (data/items/002.png)"."""
    name = safe_text(member)
    words = MEMBER_WORDS.get(name)
    if words is None:
        if m := _ITEM_FILE.match(name):
            words = f"item {int(m.group(1))}'s image"
        elif m := _ITEM_CONTEXT.match(name):
            words = f"item {int(m.group(1))}'s capture details"
        elif m := _REVISION_RECORD.match(name):
            words = f"the record of revision {int(m.group(1))}"
        elif m := _REVISION_SEAL.match(name):
            what = "signature" if m.group(2) else "list of fingerprints"
            words = f"revision {int(m.group(1))}'s {what}"
        elif _CUSTODY.match(name):
            words = "the custody log"
        elif name.startswith("data/reviews/"):
            words = "a review record"
        elif name.startswith("data/derived/"):
            words = "a machine-read text layer"
    return f"{words} ({name})" if words else name


class QtVerdictBanner(QFrame):
    """A coloured banner: green when a bundle verified, red naming the failed check; hidden when clear.

    Attributes:
        state: ``verified``, ``amber`` (verified, but not the history already seen), ``failed`` or None when clear.
        headline_label: the sentence a reviewer reads.
        reason_label: for a failure, what failed and where, in words (hidden otherwise).
        detail_label: the last line (what may be done, and the exact check for a failure).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdict_banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.state: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(4)
        self.headline_label = self._label("verdict_headline")
        font = self.headline_label.font()
        font.setBold(True)
        self.headline_label.setFont(font)
        self.reason_label = self._label("verdict_reason")
        self.detail_label = self._label("verdict_detail")
        layout.addWidget(self.headline_label)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.detail_label)
        self.clear()

    def _label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def text(self) -> str:
        """Everything the banner says, as one string (for tests and screen readers)."""
        labels = (self.headline_label, self.reason_label, self.detail_label)
        return "\n".join(t for t in (label.text() for label in labels) if t)

    def show_verified(self, verified: VerifiedBundle, seen: SeenCheck | None = None) -> None:
        """Green: who sealed it, with their key's fingerprint, when, how many items, and the revisions.

        Amber instead when ``seen`` says it is older than, or different from, the history already seen here.
        """
        sealer = verified.sealer
        who = safe_text(sealer.signer_name) or safe_text(sealer.signer_principal)
        if sealer.signer_name:
            who += f" <{safe_text(sealer.signer_principal)}>"
        items = len(verified.items)
        removed = sum(1 for x in verified.excluded if x.reason == REMOVED_FOR_SAFEGUARDING)
        left_out = len(verified.excluded) - removed
        revisions = len(verified.revisions)
        notes = [f"{left_out} left out at sealing"] if left_out else []
        if removed:
            notes.append(f"{removed} removed for safeguarding, listed by fingerprint only")
        headline = (
            f"Verified: sealed by {who} ({sealer.signer_fingerprint}) on {local_time_text(sealer.time_utc)}, "
            f"{items} item{'s' if items != 1 else ''}"
            + (f" ({'; '.join(notes)})" if notes else "")
            + f", custody chain intact, {revisions} revision{'s' if revisions != 1 else ''}"
        )
        detail = f"{verified.ref}: every file matches its fingerprint and every revision's signature verifies."
        if revisions > 1:
            latest = verified.revisions[-1]
            detail += f" Latest revision by {safe_text(latest.signer_name or latest.signer_principal)}."
        trust_line = f" {safe_text(verified.trust.line())}."  # anchored to the school root, or why not
        if seen is not None and seen.state.warns:
            headline = f"Verified, but {seen.text()}. " + headline.removeprefix("Verified: ")
            detail = (
                f"{verified.ref}: the seal is genuine, but this may not be the current record of the incident: "
                "an older copy may have been put back in the drop folder, or two reviewers revised it at once."
            )
            self._show("amber", headline, detail + trust_line)
        else:
            self._show("verified", headline, detail + trust_line)
        self.setToolTip(f"Sealed (UTC): {sealer.time_utc}\n{len(verified.custody)} custody entries")

    def show_failed(self, error: BundleError) -> None:
        """Red: that it cannot be trusted, then what failed and where in words, then the exact check and message."""
        where = f", in {member_words(error.member)}" if error.member else ""
        headline = HEADLINES.get(error.check, ALTERED_TEXT)
        then = CANNOT_OPEN_TEXT if error.check in NOT_OPENED else INSPECT_TEXT
        detail = f"{then}\nCheck “{safe_text(error.check)}”: {safe_text(str(error), limit=600)}"
        self._show("failed", headline, detail, reason=f"What failed: {check_phrase(error.check)}{where}.")
        self.setToolTip("")

    def clear(self) -> None:
        """Hide the banner and forget what it said."""
        self.state = None
        self.headline_label.clear()
        self.reason_label.clear()
        self.reason_label.hide()
        self.detail_label.clear()
        self.setToolTip("")
        self.setAccessibleDescription("")
        self.hide()

    def _show(self, state: str, headline: str, detail: str, *, reason: str = "") -> None:
        self.state = state
        self.setStyleSheet(_STYLE[state])
        self.headline_label.setText(headline)
        self.reason_label.setText(reason)
        self.reason_label.setVisible(bool(reason))
        self.detail_label.setText(detail)
        self.setAccessibleName({"verified": "Verified", "amber": "Verified with a warning"}.get(state, "Not verified"))
        self.setAccessibleDescription(self.text())
        self.show()
