"""A reviewer's receipt (issue 15) checks with ``ssh-keygen`` alone, as docs/FORMAT.md says, against the receipt
signer list derived from the school profile; an edited receipt does not."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from bundles import head, make_sealed, school_profile

from evidence.bundle import share

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(not shutil.which("ssh-keygen") or not shutil.which("sed"), reason="needs ssh-keygen and sed"),
]


def _check(receipt: Path, signers: Path, principal: str, work: Path) -> subprocess.CompletedProcess[str]:
    script = (
        f"sed '/^-----BEGIN SSH SIGNATURE-----$/,$d' {receipt} > {work}/body && "
        f"sed -n '/^-----BEGIN SSH SIGNATURE-----$/,$p' {receipt} > {work}/body.sig && "
        f"ssh-keygen -Y verify -f {signers} -I {principal} -n evidence-capture-receipt-v1 -s {work}/body.sig "
        f"< {work}/body"
    )
    return subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=False)


def test_a_receipt_verifies_with_ssh_keygen(tmp_path: Path) -> None:
    sealed = make_sealed(tmp_path / "work")
    profile = school_profile()
    path = share.acknowledge(sealed.result.path.parent, sealed.ref, head(), profile)
    assert path is not None
    signers = tmp_path / "receipt_signers"
    signers.write_text(profile.receipt_signers_text())
    done = _check(path, signers, head().card.principal, tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"bundle-sha256: {sealed.result.sha256}\n" in (tmp_path / "body").read_text()
    path.write_bytes(path.read_bytes().replace(b"revision: 1", b"revision: 2"))
    assert _check(path, signers, head().card.principal, tmp_path).returncode != 0
