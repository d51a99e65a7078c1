"""A bag's trust path: the school root's key and every signed profile its revisions were made under.

Without it, a bundle would be checked against the signer list it brings along (``seal/allowed_signers``), and
anyone able to decrypt and re-encrypt a bundle could sign a forgery with their own key under a real member of
staff's principal and list that key. With it, trust starts outside the bundle, from ONE fingerprint:

- ``seal/trust/root.pub`` is the school root's key; the verifier insists that it is the root this workstation
  pinned (or the one given with ``verify --root-fingerprint``), and an officer checks it against the fingerprint
  the school gave them out of band (``ssh-keygen -lf``);
- ``seal/trust/vV/`` holds each signed profile version V that a revision was made under: the body exactly as the
  root signed it, the root's signature, the ``allowed_signers`` text derived from that body and the root's
  signature over it. The verifier parses the body, checks both signatures against the root, derives the signer
  list itself and rejects a bag whose copy differs in any byte (an extra line, a comment, an option);
- each revision's record names its version and the digests of those files in its ``trust`` object, which the
  revision's own signature covers; its signer must be on that version's list (a reviewer for revision K > 1), and
  the signer record's name, role, age recipient, SSH key and fingerprint must be that version's entry for the
  principal, so that no one can seal "as Dee Lead" under Jane Smith's key;
- versions never decrease from one revision to the next, and ``seal/allowed_signers`` is byte for byte the latest
  revision's ``seal/trust/vV/allowed_signers``.

Bundles sealed before the school root have no trust path: they still verify, against the workstation's profile as
before, and their verdict says that their signers are not anchored to a school root (:class:`TrustVerdict`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from evidence.bundle.layout import (
    ROOT_ALLOWED_SIGNERS,
    ROOT_PUB,
    SEAL_NAMESPACE,
    TRUST_DIR,
    is_trust_file,
    revision_signature_path,
    sha256_hex,
    trust_allowed_signers_path,
    trust_allowed_signers_sig_path,
    trust_profile_path,
    trust_profile_sig_path,
    trust_version_of,
)
from evidence.bundle.records import TrustRef
from evidence.case.profile import Profile, RootKey, SignerEntry
from evidence.core.errors import BundleError, ProfileError, RecordError, UsageError
from evidence.core.text import clean_line
from evidence.crypto import sshsig
from evidence.crypto.keys import Role

SIGNER_FIELDS = ("name", "role", "age", "ssh", "fingerprint")
"""The fields of a revision's signer record that must equal the profile's entry for its principal."""


def _fail(check: str, message: str, member: str | None = None, field: str | None = None) -> BundleError:
    where = f"{member}: " if member else ""
    return BundleError(f"{check}: {where}{message}", check=check, member=member, field=field)


@dataclass(frozen=True)
class TrustPath:
    """A bag's checked trust path.

    Attributes:
        root: the school root every profile in the bag is signed by.
        profiles: V → the signed profile version V (both root signatures checked, its signer list re-derived).
    """

    root: RootKey
    profiles: Mapping[int, Profile]


@dataclass(frozen=True)
class TrustVerdict:
    """Whether a verified bundle's signers are anchored to a school root that the verifier trusts.

    Attributes:
        anchored: True when the bag's root is the root this workstation pinned (or the one given to ``verify
            --root-fingerprint``), and every revision's signer was on that root's signed list.
        root_fingerprint: the bag's school root, or None for a bundle sealed before school roots.
        profile_versions: the profile versions the revisions were made under, oldest first.
        reason: why it is not anchored ("" when it is).
        path: the checked trust path, or None.
        workstation_version: the version of the verifier's own signed profile of the same root (0: none), so that
            a bundle whose latest revision was made under an older version says so.
    """

    anchored: bool
    root_fingerprint: str | None = None
    profile_versions: tuple[int, ...] = ()
    reason: str = ""
    path: TrustPath | None = field(default=None, compare=False, repr=False)
    workstation_version: int = 0

    @property
    def behind(self) -> bool:
        """True when the latest revision was made under an older profile version than the verifier's own: a signer
        the school has since removed may have made it."""
        return bool(self.profile_versions) and self.workstation_version > self.profile_versions[-1]

    def line(self) -> str:
        """One line for the command line and the verdict banner."""
        if self.anchored:
            distinct = sorted(set(self.profile_versions))
            versions = ", ".join(str(v) for v in distinct)
            plural = "s" if len(distinct) != 1 else ""
            line = f"Signers anchored to the school root {self.root_fingerprint} (profile version{plural} {versions})"
            if self.behind:
                line += (
                    f"; made under an older profile than this workstation's version {self.workstation_version}:"
                    " check that its signers are still trusted"
                )
            return line
        return f"Signers NOT anchored to a school root: {self.reason}"


LEGACY_REASON = "sealed before school trust roots; its signers were checked against this workstation's profile only"


# -- writing ---------------------------------------------------------------------------------------------------------


def trust_files(profile: Profile) -> dict[str, bytes]:
    """The ``seal/trust/`` files that a revision made under the signed ``profile`` adds to the bag.

    Raises:
        UsageError: the profile is not signed.
    """
    sig, root = profile.signature, profile.root
    if sig is None or root is None:
        raise UsageError("only a profile signed by a school root gives a bundle its trust path")
    v = profile.version
    return {
        ROOT_PUB: root.pub_text().encode("utf-8"),
        ROOT_ALLOWED_SIGNERS: root.allowed_signers_text().encode("utf-8"),
        trust_profile_path(v): sig.body,
        trust_profile_sig_path(v): sig.profile_sig.encode("ascii"),
        trust_allowed_signers_path(v): profile.allowed_signers_text().encode("utf-8"),
        trust_allowed_signers_sig_path(v): sig.allowed_signers_sig.encode("ascii"),
    }


def trust_ref(profile: Profile) -> TrustRef:
    """The ``trust`` object of a revision made under the signed ``profile``."""
    files = trust_files(profile)
    assert profile.root is not None  # trust_files refused an unsigned profile
    return TrustRef(
        root_fingerprint=profile.root.fingerprint,
        profile_version=profile.version,
        profile_sha256=sha256_hex(files[trust_profile_path(profile.version)]),
        allowed_signers_sha256=sha256_hex(files[trust_allowed_signers_path(profile.version)]),
    )


def merge_trust_files(bag: Mapping[str, bytes], profile: Profile) -> dict[str, bytes]:
    """The bag's ``seal/trust/`` files with those of ``profile`` added (for a new revision).

    Raises:
        UsageError: the bag already holds a different text of the same profile version, or another root.
    """
    out = {n: bag[n] for n in bag if n.startswith(f"{TRUST_DIR}/")}  # names first: images are fetched on demand
    for name, data in trust_files(profile).items():
        if name in out and out[name] != data:
            raise UsageError(
                f"the bundle holds another {name} than this workstation's profile version {profile.version}; "
                "ask IT which school profile is current"
            )
        out[name] = data
    return out


# -- reading ---------------------------------------------------------------------------------------------------------


def read_trust_path(bag: Mapping[str, bytes]) -> TrustPath | None:
    """Check the bag's ``seal/trust/`` files; None when it has none (a bundle sealed before school roots).

    Raises:
        BundleError: check ``trust path``, naming the file.
    """
    names = sorted(n for n in bag if n.startswith(f"{TRUST_DIR}/"))
    if not names:
        return None
    for name in names:
        if not is_trust_file(name):
            raise _fail("trust path", "is not a file a trust path may hold", name)
    for name in (ROOT_PUB, ROOT_ALLOWED_SIGNERS):
        if name not in bag:
            raise _fail("trust path", "missing", name)
    versions = sorted({v for v in map(trust_version_of, names) if v is not None})
    if not versions:
        raise _fail("trust path", "holds no signed school profile", TRUST_DIR)
    profiles: dict[int, Profile] = {}
    for v in versions:
        parts = (trust_profile_path(v), trust_profile_sig_path(v), trust_allowed_signers_path(v))
        for name in (*parts, trust_allowed_signers_sig_path(v)):
            if name not in bag:
                raise _fail("trust path", "missing", name)
        try:
            profile = Profile.from_signed_parts(
                bag[trust_profile_path(v)],
                bag[trust_profile_sig_path(v)].decode("ascii"),
                bag[trust_allowed_signers_sig_path(v)].decode("ascii"),
                source=f"profile version {v}",
            )
        except UnicodeDecodeError as e:
            raise _fail("trust path", "a signature is not ASCII text", trust_profile_sig_path(v)) from e
        except ProfileError as e:
            raise _fail("trust path", clean_line(e, limit=400), trust_profile_path(v)) from e
        if profile.version != v:
            raise _fail("trust path", f"is version {profile.version}, not {v}", trust_profile_path(v))
        if bag[trust_allowed_signers_path(v)] != profile.allowed_signers_text().encode("utf-8"):
            raise _fail(
                "trust path",
                "is not the signer list the school root signed: it differs from the list derived from "
                f"{trust_profile_path(v)} (an extra or changed line, a comment or an option)",
                trust_allowed_signers_path(v),
            )
        profiles[v] = profile
    roots = {p.root_fingerprint for p in profiles.values()}
    if len(roots) != 1:
        raise _fail("trust path", "the signed profiles name more than one school root", TRUST_DIR)
    root = profiles[versions[0]].root
    assert root is not None  # a signed profile has a root
    if bag[ROOT_PUB] != root.pub_text().encode("utf-8"):
        raise _fail(
            "trust path", f"is not the key of the school root {root.fingerprint} that signed the profiles", ROOT_PUB
        )
    if bag[ROOT_ALLOWED_SIGNERS] != root.allowed_signers_text().encode("utf-8"):
        raise _fail("trust path", "is not the one line the school root's key implies", ROOT_ALLOWED_SIGNERS)
    return TrustPath(root, profiles)


def anchor_of(profile: Profile | None, root_fingerprint: str | None) -> str | None:
    """The root fingerprint a verifier is anchored to: the one given, else the one its workstation pinned."""
    if root_fingerprint is not None:
        return root_fingerprint
    if profile is not None and profile.anchored:
        return profile.pinned_root
    return None


def check_root(path: TrustPath, profile: Profile | None, anchor: str | None) -> TrustVerdict:
    """The bag's root against the verifier's anchor; the verdict before the revisions are checked.

    Raises:
        BundleError: check ``trust path``: the bag's root is not the anchor (or, unanchored, not the root of the
            workstation's signed profile), or there is nothing to check it against.
    """
    fp = path.root.fingerprint
    if anchor is not None:
        if fp != anchor:
            raise _fail("trust path", f"the bundle's school root is {fp}, not your school's root {anchor}", ROOT_PUB)
        return TrustVerdict(True, fp, path=path)
    if profile is None:
        raise _fail("trust path", "no school root to check it against: give --root-fingerprint SHA256:…", ROOT_PUB)
    if profile.root_fingerprint is not None and profile.root_fingerprint != fp:
        raise _fail(
            "trust path",
            f"the bundle's school root is {fp}, not the root of your school profile {profile.root_fingerprint}",
            ROOT_PUB,
        )
    reason = (
        f"its school root {fp} is not pinned on this workstation (profile install --root-fingerprint)"
        if profile.root_fingerprint is not None
        else f"this workstation's profile has no school root, so its root {fp} is unconfirmed"
    )
    return TrustVerdict(False, fp, reason=reason, path=path)


def check_revision_trust(
    k: int, record: Mapping[str, Any], bag: Mapping[str, bytes], path: TrustPath, previous_version: int | None
) -> Profile:
    """Revision ``k``'s ``trust`` object: its root, its profile version (never lower than the revision before),
    and the digests of that version's files. Return the signed profile it was made under.

    Raises:
        BundleError: check ``trust path``.
    """
    record_name = f"data/revisions/{k}.json"
    if "trust" not in record:
        raise _fail("trust path", f"revision {k} names no trust path, but the bag carries one", record_name)
    try:
        ref = TrustRef.parse(record["trust"])
    except RecordError as e:
        raise _fail("trust path", str(e), record_name, field=e.field) from e
    if ref.root_fingerprint != path.root.fingerprint:
        raise _fail(
            "trust path",
            f"revision {k} names another school root than the bag's",
            record_name,
            "trust.root_fingerprint",
        )
    profile = path.profiles.get(ref.profile_version)
    if profile is None:
        raise _fail(
            "trust path",
            f"revision {k} names profile version {ref.profile_version}, which the bag does not carry",
            record_name,
            "trust.profile_version",
        )
    if previous_version is not None and ref.profile_version < previous_version:
        raise _fail(
            "trust path",
            f"revision {k} was made under profile version {ref.profile_version}, older than revision {k - 1}'s "
            f"version {previous_version} (rollback)",
            record_name,
            "trust.profile_version",
        )
    v = ref.profile_version
    if ref.profile_sha256 != sha256_hex(bag[trust_profile_path(v)]):
        raise _fail(
            "trust path", f"revision {k} does not bind this profile", trust_profile_path(v), "trust.profile_sha256"
        )
    if ref.allowed_signers_sha256 != sha256_hex(bag[trust_allowed_signers_path(v)]):
        raise _fail(
            "trust path",
            f"revision {k} does not bind this signer list",
            trust_allowed_signers_path(v),
            "trust.allowed_signers_sha256",
        )
    return profile


def check_signer(k: int, record: Mapping[str, Any], key: Ed25519PublicKey, profile: Profile, *, where: str) -> None:
    """Revision ``k``'s signer: on ``profile``'s signer list for seals, a reviewer after revision 1, and the
    record's name, role, age recipient, SSH key and fingerprint exactly the profile's entry for the principal.

    Args:
        where: which profile, in words ("profile version 3 of the school root SHA256:…").

    Raises:
        BundleError: check ``untrusted signer``; a record that differs names the field (``signer.name``).
    """
    spath = revision_signature_path(k)
    signer = record["signer"]
    principal = str(signer.get("principal"))
    fp = sshsig.fingerprint(key)
    shown = clean_line(principal, limit=120)
    if principal not in sshsig.find_principals(profile.allowed_signers(), key, SEAL_NAMESPACE):
        raise _fail(
            "untrusted signer",
            f"revision {k} was signed by {shown!r} ({fp}), who is not a signer in {where} for "
            f"{clean_line(profile.school, limit=120)}",
            spath,
        )
    entries = profile.entries_for(principal, key)
    if k > 1 and not any(e.role is Role.REVIEWER for e in entries):
        raise _fail("untrusted signer", f"revision {k} was signed by {shown}, not a reviewer in {where}", spath)
    check_signer_record(k, signer, entries, where=where)


def check_signer_record(k: int, signer: Mapping[str, Any], entries: list[SignerEntry], *, where: str) -> None:
    """The record equals one of the profile's entries for its principal and key; else fail naming the field."""
    differences = []
    for entry in entries:
        difference = _first_difference(signer, entry)
        if difference is None:
            return
        differences.append(difference)
    name, given, expected = differences[0] if differences else ("principal", str(signer.get("principal")), "")
    raise _fail(
        "untrusted signer",
        f"revision {k}'s signer record gives {name} {clean_line(given, limit=120)!r}, but {where} gives "
        f"{clean_line(expected, limit=120)!r} for {clean_line(signer.get('principal'), limit=120)}",
        f"data/revisions/{k}.json",
        f"signer.{name}",
    )


def _first_difference(signer: Mapping[str, Any], entry: SignerEntry) -> tuple[str, str, str] | None:
    expected: dict[str, str | None] = {
        "name": entry.name,
        "role": entry.role.value,
        "age": entry.age,
        "ssh": entry.ssh,
        "fingerprint": entry.fingerprint,
    }
    for name in SIGNER_FIELDS:
        want = expected[name]
        if want is not None and signer.get(name) != want:  # a format-1 staff entry names no name or age
            return name, str(signer.get(name)), want
    return None
