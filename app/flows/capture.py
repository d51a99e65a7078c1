"""Capture and import: grab the screen (full, a monitor, a region or a window) or add received screenshots.

Capturing is write-only: it needs no unlock, and each capture is encrypted and committed on a worker before the
user is told "captured". Our own windows are hidden first and the window system is given time to repaint, so
the app never captures itself. A region or window capture freezes the screen into one grab, lets the user choose
on it, and stores the full grab and the crop (a derived item naming its parent); a grab whose pixels the incident
already holds is not stored again, and the crop names the item kept (see :meth:`evidence.vault.store.Vault.add`).
The active-window capture (Ctrl+Print) needs no click: it finds the window that had the focus. From the grab to
the store the session is busy, so a lock waits for the capture to finish; a cancelled choice stores nothing.

A received file is checked (type, size, decodable) before anyone is asked who provided it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRect, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

import evidence
from evidence.core.errors import EvidenceError, VaultError

if TYPE_CHECKING:  # mss and Pillow load on the first capture, not at start-up
    from app.flows.incident import IncidentFlow, StaffViews
    from app.lock import LockCoordinator
    from app.session import Busy
    from app.workspace import Workspace
    from evidence.capture import screen as capture_mod
    from evidence.capture.received import CheckedImage
    from ui.dialogs import QtCountdown, ReceiveRequest
    from ui.region_overlay import QtRegionOverlay

log = logging.getLogger(__name__)

ACTIVE = "active"
"""The capture mode of the active-window hotkey (no click)."""

SETTLE_MS = 350
"""How long to wait after hiding our windows before grabbing, so the window system has repainted."""

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.heic *.heif *.PNG *.JPG *.JPEG *.WEBP *.HEIC *.HEIF);;All files (*)"
"""What the import dialog offers; the type is then read from the file's first bytes, never from its name."""


@dataclass(frozen=True)
class _Stored:
    """What a capture job stored: the incident, the digest of the item it ends on, and whether its frame was new.

    Attributes:
        same_as: the item already holding the captured frame's pixels (nothing new stored for the frame), or None.
    """

    ref: str
    digest: str
    same_as: int | None


class CaptureFlow(QObject):
    """Screen captures and received screenshots, into the open draft (or a new incident).

    Attributes:
        countdown: the delayed capture's countdown while it runs, or None.
        overlay: the frozen screen while the user chooses a region or window, or None.
        hidden: our windows hidden for the capture, shown again when it ends.

    Signals:
        captured(str, str): a capture was stored: the incident's reference and the stored item's SHA-256.
    """

    captured = Signal(str, str)

    def __init__(
        self,
        workspace: Workspace,
        lock: LockCoordinator,
        incidents: IncidentFlow,
        views: StaffViews,
        parent: QObject | None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.lock = lock
        self.incidents = incidents
        self.views = views
        self.countdown: QtCountdown | None = None
        self.overlay: QtRegionOverlay | None = None
        self.hidden: list[QWidget] = []
        self._busy: Busy | None = None

    @property
    def capturing(self) -> bool:
        """True from the moment a capture starts until our windows are back."""
        return self._busy is not None or self.countdown is not None or bool(self.hidden)

    # -- screen captures ----------------------------------------------------------------------------------------

    def capture(self, mode: str) -> None:
        """Capture ``mode`` into the open incident (or a new draft when none is open).

        ``full`` and ``monitor:N`` grab at once; ``region`` and ``window`` freeze the screen and let the user drag a
        region or click a window; ``active`` (the Ctrl+Print hotkey) takes the window that had focus when it was
        asked for, with no click, and falls back to ``window`` when that window cannot be found on the screen.
        """
        if self.capturing:
            return
        active: str | None = None
        if mode == ACTIVE:
            from evidence.capture import platform_window

            info = platform_window.active_window()  # before our own windows hide and focus moves
            active = info.title if info is not None else None
        self.incidents.save_details()
        ref = self.incidents.target_incident()
        try:
            self.incidents.vault.check_capture_allowed(ref)
        except VaultError as e:
            self.views.feedback.error("Capture refused", str(e))
            return
        delay = self.views.window.capture_bar.delay
        self._hide_windows()
        if delay:
            from ui.dialogs import QtCountdown

            countdown = QtCountdown(delay)
            self.countdown = countdown
            countdown.finished.connect(lambda: QTimer.singleShot(SETTLE_MS, lambda: self._grab(ref, mode, active)))
            countdown.cancelled.connect(self._end_capture)
            countdown.start()
        else:
            QTimer.singleShot(SETTLE_MS, lambda: self._grab(ref, mode, active))

    def _hide_windows(self) -> None:
        self.hidden = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        for w in self.hidden:
            w.hide()

    def _end_capture(self) -> None:
        """Show our windows again and end the busy state (a lock requested meanwhile happens now)."""
        self.countdown = None
        self._close_overlay()
        for w in self.hidden:
            w.show()
        self.hidden = []
        busy, self._busy = self._busy, None
        if busy is not None:
            busy.release()

    def _grab(self, ref: str, mode: str, active: str | None = None) -> None:
        from evidence.capture import screen as capture_mod

        self.countdown = None
        self._busy = self.lock.session.hold()
        if mode in ("region", "window", ACTIVE):
            self.lock.runner.start(
                lambda: capture_mod.grab(capture_mod.CaptureMode.parse("full")),
                lambda frame: self._show_overlay(ref, frame, mode, active),
                self._capture_failed,
            )
            return

        def job() -> _Stored:
            shot = capture_mod.capture(capture_mod.CaptureMode.parse(mode), app_version=evidence.__version__)
            added = self.workspace.store_frame(ref, shot)
            return _Stored(ref, added.row.sha256, None if added.stored else added.row.seq)

        self.lock.runner.start(job, self._captured, self._capture_failed)

    def _show_overlay(self, ref: str, frame: capture_mod.Grab, mode: str, active: str | None = None) -> None:
        from evidence.capture.platform_windows_list import window_rects
        from ui.region_overlay import WINDOW, QtRegionOverlay, frame_rect_of

        try:
            windows = window_rects() if mode in ("window", ACTIVE) else []
            if mode == ACTIVE:
                found = [frame_rect_of(rect, frame) for rect, title in windows if active and title == active]
                found = [rect for rect in found if not rect.isEmpty()]
                if found:  # the top-most window with the active window's title: no click needed
                    self._store_region(ref, frame, found[0], WINDOW, active)
                    return
                mode = WINDOW  # not found on the screen: the overlay asks for one click instead
            overlay = QtRegionOverlay(frame, windows, pick=mode)  # a window: one click captures it
        except BaseException:
            self._end_capture()
            raise
        self.overlay = overlay
        overlay.selected.connect(lambda rect, how: self._store_region(ref, frame, rect, how, overlay.selection_title()))
        overlay.cancelled.connect(self._region_cancelled)
        overlay.show()

    def _region_cancelled(self) -> None:
        self._end_capture()
        self.views.feedback.status("Capture cancelled: nothing was stored", 5000)

    def _close_overlay(self) -> None:
        overlay, self.overlay = self.overlay, None
        if overlay is not None:
            overlay.close()
            overlay.deleteLater()

    def _store_region(self, ref: str, frame: capture_mod.Grab, rect: QRect, how: str, title: str | None) -> None:
        from evidence.capture import crop, platform_window
        from evidence.capture import screen as capture_mod

        self._close_overlay()
        box = capture_mod.Rect(rect.x(), rect.y(), rect.width(), rect.height())

        def job() -> _Stored:
            window = platform_window.active_window()
            shot = capture_mod.from_grab(frame, app_version=evidence.__version__, window=window)
            original = self.workspace.store_frame(ref, shot)  # or the item already holding these pixels
            derived = crop.derived_capture(
                shot,
                frame.rgb,
                box,
                app_version=evidence.__version__,
                reason=how,
                window_title=title if how == "window" else None,
                kept_png_sha256=original.row.sha256,
            )
            self.workspace.store_capture(ref, derived, kind="derived", parent_seq=original.row.seq)
            return _Stored(ref, derived.png_sha256, None if original.stored else original.row.seq)

        self.lock.runner.start(job, self._captured, self._capture_failed)

    def _captured(self, result: _Stored) -> None:
        ref, digest = result.ref, result.digest
        log.info("captured into %s: sha256 %s", ref, digest)
        try:
            self.incidents.show_incident(ref)
            self.views.window.tabs.setCurrentIndex(1)
            if result.same_as is None:
                self.views.feedback.status(f"Captured and encrypted: SHA-256 {digest[:16]}…", 8000)
            else:
                self.views.feedback.status(
                    f"Captured: the screen is unchanged since item {result.same_as}, which is kept once"
                    " (the custody log records this capture too)",
                    8000,
                )
        finally:
            self._end_capture()
        self.captured.emit(ref, digest)

    def _capture_failed(self, message: str) -> None:
        self._end_capture()
        self.views.feedback.error("The capture failed", f"{message}\n\nNothing was stored. Please try again.")

    # -- received screenshots -----------------------------------------------------------------------------------

    def import_files(self) -> None:
        """Choose received screenshots (PNG, JPEG, WebP or HEIC), then check them, then ask where they came from."""
        names, _ = QFileDialog.getOpenFileNames(self.views.window, "Received screenshots", "", IMAGE_FILTER)
        if names:
            self.ask_provenance([Path(n) for n in names])

    def ask_provenance(self, paths: Sequence[Path]) -> None:
        """Check each file first (type, size, decodable), then that the open draft accepts imports, then ask who
        provided them and how; store them on OK.

        A file that fails a check is named with what is wrong with it, and nobody is asked anything.
        """
        from evidence.capture.received import check_file
        from ui.dialogs import QtReceiveDialog

        self.incidents.save_details()
        checked: list[CheckedImage] = []
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # decoding a large HEIC takes a moment
        try:
            for path in paths:
                checked.append(check_file(path))
        except EvidenceError as e:
            self.views.feedback.error("This file cannot be added", f"{e}\n\nNothing was added.")
            return
        finally:
            QApplication.restoreOverrideCursor()
        ref = self.incidents.target_incident()
        try:
            self.incidents.vault.check_capture_allowed(ref)
        except VaultError as e:
            self.views.feedback.error("Import refused", str(e))
            return
        dialog = QtReceiveDialog([image.original_name for image in checked], self.views.window)
        dialog.accepted.connect(lambda: self.receive(ref, checked, dialog.request()))
        self.lock.own(dialog)

    def receive(self, ref: str, images: Sequence[CheckedImage], request: ReceiveRequest) -> None:
        """Store each checked file into ``ref``, byte for byte (the bytes that were checked), with its provenance."""
        from evidence.capture.received import with_provenance

        try:
            for image in images:
                received = with_provenance(image, provided_by=request.provided_by, how=request.how)
                seq = self.workspace.store_received(ref, received)
                log.info("received into %s: item %d, sha256 %s", ref, seq, received.sha256)
        except EvidenceError as e:
            self.views.feedback.error("Could not add the screenshot", str(e))
        self.incidents.show_incident(ref)
        self.views.window.tabs.setCurrentIndex(1)
