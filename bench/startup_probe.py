"""Child of ``startup.py``: start a Qt program and print ``ready`` as soon as its main window is usable.

``app DATA_DIR`` runs the desktop app through ``app.main.main`` (the same path as ``evidence-capture`` with no
verb) on a data dir that already has an identity. ``bare`` runs a bare QApplication showing an empty
QMainWindow. Both go through the same probe: once the event loop has started (``exec``) and the main window has
been exposed (mapped and painted), the probe prints ``ready``; then, once the start-up work the app leaves until
after the first paint (:mod:`ui.first_paint`: the global hotkeys, the monitor count, the receipts check, the
disposal purge) has run, it prints ``settled`` (at once for the bare window, which has none) and quits the app
normally.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


class _ReadyProbe(QObject):
    """Prints ``ready`` once the first visible QMainWindow has been exposed, from inside the running event loop."""

    def __init__(self, qapp: QApplication) -> None:
        super().__init__()
        self.qapp = qapp
        self.done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Watch for the first Expose event of a main window's native window."""
        if not self.done and event.type() == QEvent.Type.Expose:
            for widget in self.qapp.topLevelWidgets():
                if isinstance(widget, QMainWindow) and widget.isVisible() and widget.windowHandle() is watched:
                    self.done = True
                    QTimer.singleShot(0, self._ready)  # after the expose (and its paint) has been handled
                    break
        return False

    def _ready(self) -> None:
        print("ready", flush=True)
        pending = [
            child
            for widget in self.qapp.topLevelWidgets()
            for child in widget.findChildren(QObject)
            if type(child).__name__ == "AfterFirstPaint" and not child.done  # type: ignore[attr-defined]
        ]
        if pending:
            pending[0].finished.connect(self._settled)  # type: ignore[attr-defined]
        else:
            self._settled()

    def _settled(self) -> None:
        print("settled", flush=True)
        self.qapp.quit()


def _probing_exec(qapp: QApplication) -> int:
    """Stand-in for ``qapp.exec()`` that installs the probe first."""
    probe = _ReadyProbe(qapp)
    qapp.installEventFilter(probe)
    code = qapp.exec()
    qapp.removeEventFilter(probe)
    return int(code)


def bare() -> int:
    """A bare QApplication with an empty QMainWindow."""
    qapp = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1200, 760)
    window.show()
    return _probing_exec(qapp)


def app(data_dir: str) -> int:
    """The desktop app, through ``app.main.main``, with the probe in place of ``exec``."""
    from app import gui
    from app import main as app_main

    original: Callable[..., int] = gui.run

    def run(argv: list[str], *, exec_: Callable[[QApplication], int] | None = None) -> int:
        return original(argv, exec_=_probing_exec)

    gui.run = run  # type: ignore[assignment]
    return app_main.main(["--data-dir", data_dir])


if __name__ == "__main__":
    sys.exit(bare() if sys.argv[1] == "bare" else app(sys.argv[2]))
