"""Every SSHSIG namespace this project signs in, in one place, so that no signature can be replayed for another use.

SSHSIG binds a signature to a namespace string; ``ssh-keygen -Y verify -n NS`` and :func:`evidence.crypto.sshsig.verify`
refuse a signature made for any other. Each purpose has its own namespace, and an ``allowed_signers`` line lists
the namespaces its key may sign in (docs/FORMAT.md, "Signatures"), so a staff key can never sign a police export
and a school root can never sign a seal.
"""

from __future__ import annotations

SEAL_NAMESPACE = "evidence-capture-seal-v1"
"""Every revision's manifest signature (``seal/revisions/K/manifest-sha256.txt.sig``)."""

ORIGIN_NAMESPACE = "evidence-capture-origin-v1"
"""The detached signature over the encrypted bundle (``REF.zip.age.sig``)."""

EXPORT_NAMESPACE = "evidence-capture-export-v1"
"""The exporting reviewer's signature over a police export's ``SHA256SUMS`` (``SHA256SUMS.sig``)."""

RECEIPT_NAMESPACE = "evidence-capture-receipt-v1"
"""A reviewer's receipt for a sealed bundle (``receipts/REF.r1.KEYID.receipt``): "I have it, and it verified"."""

PROFILE_NAMESPACE = "evidence-capture-profile-v1"
"""The school root's signatures over a profile and over the signer list derived from it; never a seal or origin."""

DISPOSAL_NAMESPACE = "evidence-capture-disposal-v1"
"""A reviewer's signature over a disposal register entry (``NNNNNN/entry.json.sig``); never a seal or an origin."""

STAFF_NAMESPACES = (SEAL_NAMESPACE, ORIGIN_NAMESPACE)
"""What a staff signer's key may sign: seals and the origin of the bundles they write."""

REVIEWER_NAMESPACES = (SEAL_NAMESPACE, ORIGIN_NAMESPACE, EXPORT_NAMESPACE)
"""What a reviewer's key may sign: seals (revisions), origins, and police exports."""

REVIEWER_NAMESPACES_WITH_RETENTION = (*REVIEWER_NAMESPACES, DISPOSAL_NAMESPACE)
"""What a reviewer's key may sign under a profile that states retention rules: disposals too.

A profile signed before retention rules existed derives its signer list without the disposal namespace, and that
list is what the root signed, so the derivation depends on whether the signed body has a ``[retention]`` table."""
