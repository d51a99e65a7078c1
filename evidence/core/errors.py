"""The project's own error types.

Every failure the core can foresee is raised as an :class:`EvidenceError` subclass whose message is one plain
line naming the file (where there is one) and the check that failed. OSError and ValueError from the edges are
converted with ``raise ... from e`` so callers only ever catch these.
"""

from __future__ import annotations


class EvidenceError(Exception):
    """Base class: a clear, one-line, user-facing failure."""


class UsageError(EvidenceError):
    """The caller asked for something that cannot be done as asked (bad argument, missing set-up)."""


class AgeFormatError(EvidenceError):
    """An age file is malformed or refused by our guards before it reaches pyrage (header failure)."""


class DecryptionError(EvidenceError):
    """An age file parsed but could not be decrypted: no matching identity, or damaged payload."""


class WrongPassphraseError(DecryptionError):
    """The passphrase does not open the identity file."""


class NoMatchingIdentityError(DecryptionError):
    """No identity given opens any recipient stanza of an age file: it is not addressed to us (age "no match")."""


class HeaderMacError(DecryptionError):
    """An age header's MAC does not verify: the header was damaged or tampered with (age "HMAC failure")."""


class PayloadError(DecryptionError):
    """An age payload does not authenticate, is truncated or has data after its last chunk (age "payload failure")."""


class DigestMismatchError(EvidenceError):
    """Bytes do not match the SHA-256 recorded for them: a damaged or swapped blob. ``subject`` names the item."""

    def __init__(self, message: str, *, subject: str) -> None:
        super().__init__(message)
        self.subject = subject


class RecordError(EvidenceError):
    """A typed record (incident, context, item, revision or review record) is malformed.

    ``record`` names the kind of record and ``field`` the field that failed (dotted for nested fields).
    """

    def __init__(self, message: str, *, record: str, field: str) -> None:
        super().__init__(message)
        self.record = record
        self.field = field


class SignatureError(EvidenceError):
    """An SSHSIG signature is malformed, does not verify, or was made by an untrusted key."""


class IdentityError(EvidenceError):
    """An identity file or public card is damaged or inconsistent."""


class ProfileError(EvidenceError):
    """A school profile is damaged or incomplete."""


class UntrustedProfileError(ProfileError):
    """A school profile is well formed but must not be trusted here. ``check`` names why:

    ``unsigned`` (no root signature), ``signature`` (a root signature does not verify), ``root`` (signed by a root
    other than the pinned one) or ``rollback`` (older than, or a different text of, the version already installed).
    """

    def __init__(self, message: str, *, check: str) -> None:
        super().__init__(message)
        self.check = check


class VaultError(EvidenceError):
    """The local vault cannot be opened, written or read."""


class CaptureError(EvidenceError):
    """The screen could not be captured."""


class CustodyError(EvidenceError):
    """The custody chain is broken."""


class BundleError(EvidenceError):
    """A sealed bundle failed a check. ``check`` names the check and ``member`` the file inside it.

    ``field`` names the record field that failed, where there is one (``signer.name`` when a revision's signer
    record differs from the school profile's entry for that principal).
    """

    def __init__(
        self, message: str, *, check: str = "bundle", member: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.check = check
        self.member = member
        self.field = field


class UnsafeFileError(EvidenceError):
    """A file from outside is not a regular file, is too large, or cannot be read. ``check`` names the rule."""

    def __init__(self, message: str, *, path: object = None, check: str = "unreadable") -> None:
        super().__init__(message)
        self.path = path
        self.check = check


class ShareError(EvidenceError):
    """The drop folder (a file share) could not be written or read back. ``check`` names what went wrong:
    ``share gone`` (the folder disappeared or the server went away), ``read-only``, ``share full``, ``in use``
    (another program holds the file), ``incomplete`` (a revision without its signature blocks the next one),
    ``busy`` (others kept writing first), ``read back`` (the file written is missing or changed) or ``share``."""

    def __init__(self, message: str, *, check: str = "share", path: object = None) -> None:
        super().__init__(message)
        self.check = check
        self.path = path
