"""Drain a vault's trusted-time queue in a child process, so a test can SIGKILL it mid-drain.

Usage: python tsa_queue_driver.py VAULT URL ANCHORS_PEM INTERMEDIATES_PEM LEASE_S
Prints ``asking`` before the drain starts and ``stored N`` after it ends.
"""

from __future__ import annotations

import sys
from pathlib import Path

from evidence.crypto.tsa import TsaConfig
from evidence.vault import timestamps
from evidence.vault.store import Vault


def main() -> None:
    vault_path, url, anchors, intermediates, lease_s = sys.argv[1:6]
    config = TsaConfig.create(url, "Test TSA", Path(anchors).read_bytes(), Path(intermediates).read_bytes())
    recipients = sys.stdin.read().split()
    with Vault(Path(vault_path)) as vault:
        print("asking", flush=True)
        result = timestamps.drain(
            vault,
            [config],
            actor="queue@school.example",
            recipients=recipients,
            due_only=False,
            timeout_s=10.0,
            lease_s=float(lease_s),
        )
        print(f"stored {len(result.stored)}", flush=True)


if __name__ == "__main__":
    main()
