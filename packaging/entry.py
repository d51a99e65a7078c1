"""The frozen build's entry point: the command line with a verb, the desktop app without one.

On Windows the spec also makes a windowed executable, ``Evidence Capture.exe``, which opens no console; it runs
this same script, which tells the two apart by the executable's name and then always starts the desktop app.
"""

import multiprocessing
import sys
from pathlib import Path

from app.main import gui_main, main

if __name__ == "__main__":
    # a large seal decrypts the vault in a helper process started with "spawn": in the frozen build that helper is
    # this same binary, which must run the helper, not the app (evidence/vault/decryptor.py)
    multiprocessing.freeze_support()
    windowed = Path(sys.executable).stem.casefold() == "evidence capture"
    sys.exit(gui_main() if windowed else main())
