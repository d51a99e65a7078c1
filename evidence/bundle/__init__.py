"""The sealed bundle: a BagIt 1.0 bag in a deterministic ZIP_STORED zip, signed with SSHSIG, encrypted with age.

Layout (docs/FORMAT.md is normative; ``REF`` is the incident reference and the bag's top directory)::

    REF/bagit.txt, REF/bag-info.txt, REF/manifest-sha256.txt, REF/tagmanifest-sha256.txt, REF/VERIFY.txt
    REF/data/incident.json                 the incident form and the item list
    REF/data/items/NNN.png|jpg             each original, byte for byte as captured or received
    REF/data/items/NNN.context.json        how, when and where it was made
    REF/data/custody.jsonl                 the custody chain up to sealing
    REF/data/revisions/K.json              who made revision K, when, and what it binds
    REF/data/custody-rK.jsonl, data/reviews/…   files added by revision K > 1
    REF/seal/revisions/K/manifest-sha256.txt(.sig)   every revision's manifest and signature, kept for ever
    REF/seal/manifest-sha256.txt.sig       the latest signature (over the root manifest)
    REF/seal/allowed_signers               every signer, for ``ssh-keygen -Y verify``

Revisions are append-only. Revision K's manifest lists every payload file of revision K-1 with the same digest
(so ``sha256sum -c seal/revisions/1/manifest-sha256.txt`` still passes after any later revision) plus its own new
files, one of which, ``data/revisions/K.json``, names the digest of the previous manifest and signature.

The reader trusts nothing: the zip is parsed by :mod:`evidence.bundle.safezip` (no extractall, strict layout), and
every check runs in a fixed order, stopping at the first failure with its own ``check`` name.

Modules: :mod:`~evidence.bundle.layout` (names and derived tag files), :mod:`~evidence.bundle.records` (the typed
JSON records), :mod:`~evidence.bundle.build` (revision 1),
:mod:`~evidence.bundle.verify` (the reader), :mod:`~evidence.bundle.revise` (later revisions),
:mod:`~evidence.bundle.seal` (vault to drop folder), :mod:`~evidence.bundle.share` (the drop folder: immutable
revision files ``REF.rN.zip.age`` published with no replace, the current revision, receipts) and
:mod:`~evidence.bundle.safezip`. This package re-exports
the public names of the first four, so ``from evidence import bundle; bundle.open_bundle(...)`` reads as before.
"""

from __future__ import annotations

from evidence.bundle.build import (
    BagPlan,
    IncidentSnapshot,
    SealItem,
    StreamedFile,
    build_bag,
    derive_tags,
    encrypt_bundle,
    finish_revision,
    origin_signature,
    plan_bag,
    zip_bag,
)
from evidence.bundle.layout import (
    ALLOWED_SIGNERS,
    BAGIT_TXT,
    BUNDLE_SUFFIX,
    CUSTODY_JSONL,
    DERIVED_DIR,
    INCIDENT_JSON,
    MANIFEST,
    MAX_BUNDLE_BYTES,
    MEDIA_SUFFIX,
    ORIGIN_NAMESPACE,
    ORIGIN_SUFFIX,
    SEAL_NAMESPACE,
    SIGNATURE,
    TAG_FILES,
    TAGMANIFEST,
    VERIFY_TXT,
    allowed_signers_text,
    bag_info,
    custody_files,
    manifest_text,
    pretty_json,
    revision_manifest_path,
    revision_signature_path,
    sha256_hex,
    signer_json,
    text_layer_of,
    text_layer_path,
    verify_txt,
)
from evidence.bundle.records import (
    INCIDENT_FORMAT,
    REVISION_FORMAT,
    BundleItem,
    ExcludedItem,
    IncidentRecord,
    PreviousRevision,
    RevisionRecord,
    Signer,
)
from evidence.bundle.revise import (
    revise,
    revise_plan,
)
from evidence.bundle.verify import (
    BagContents,
    OriginCheck,
    Revision,
    VerifiedBundle,
    ZipSource,
    check_readers,
    decrypt_bundle,
    decrypt_bundle_stream,
    open_bundle,
    open_bundle_stream,
    read_bundle_stream,
    verify_bag,
    verify_members,
    verify_origin,
    verify_origin_stream,
    verify_zip_file,
)

__all__ = [
    "ALLOWED_SIGNERS",
    "BAGIT_TXT",
    "BUNDLE_SUFFIX",
    "CUSTODY_JSONL",
    "DERIVED_DIR",
    "INCIDENT_FORMAT",
    "INCIDENT_JSON",
    "MANIFEST",
    "MAX_BUNDLE_BYTES",
    "MEDIA_SUFFIX",
    "ORIGIN_NAMESPACE",
    "ORIGIN_SUFFIX",
    "REVISION_FORMAT",
    "SEAL_NAMESPACE",
    "SIGNATURE",
    "TAGMANIFEST",
    "TAG_FILES",
    "VERIFY_TXT",
    "BagContents",
    "BagPlan",
    "BundleItem",
    "ExcludedItem",
    "IncidentRecord",
    "IncidentSnapshot",
    "OriginCheck",
    "PreviousRevision",
    "Revision",
    "RevisionRecord",
    "SealItem",
    "Signer",
    "StreamedFile",
    "VerifiedBundle",
    "ZipSource",
    "allowed_signers_text",
    "bag_info",
    "build_bag",
    "check_readers",
    "custody_files",
    "decrypt_bundle",
    "decrypt_bundle_stream",
    "derive_tags",
    "encrypt_bundle",
    "finish_revision",
    "manifest_text",
    "open_bundle",
    "open_bundle_stream",
    "origin_signature",
    "plan_bag",
    "pretty_json",
    "read_bundle_stream",
    "revise",
    "revise_plan",
    "revision_manifest_path",
    "revision_signature_path",
    "sha256_hex",
    "signer_json",
    "text_layer_of",
    "text_layer_path",
    "verify_bag",
    "verify_members",
    "verify_origin",
    "verify_origin_stream",
    "verify_txt",
    "verify_zip_file",
    "zip_bag",
]
