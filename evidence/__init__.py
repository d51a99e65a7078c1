"""Evidence Capture's pure-Python core: keys, signatures, the vault, capture and the sealed bundle.

Nothing in this package imports Qt, ``ui`` or ``app``; an import-linter contract enforces it.
"""

__version__ = "0.1.0"
APP_NAME = "Evidence Capture"
