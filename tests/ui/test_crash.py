"""The log file and the crash handler: a bug in a slot is logged without personal data and met calmly.

Also that a bug cannot leave the session half-locked: every view still forgets what it decrypted, and work in
flight always ends, so a lock requested meanwhile happens.
"""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QPushButton

from app.crash import CrashHandler
from app.lock import LockCoordinator, run_every
from app.logs import LOG_FILE, safe_traceback, setup_logging
from app.paths import Paths
from app.workspace import Workspace
from evidence.crypto.keys import Role
from ui.crash_dialog import CRASH_TEXT, QtCrashDialog

PERSONAL = "Threats to Pupil Alex Example"


@pytest.fixture
def log_path(tmp_path: Path) -> Iterator[Path]:
    path = setup_logging(tmp_path / "data")
    yield path
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "evidence_capture", False)]:
        root.removeHandler(handler)
        handler.close()


@pytest.fixture
def crash(qtbot, log_path: Path) -> Iterator[CrashHandler]:  # type: ignore[no-untyped-def]
    handler = CrashHandler(log_path)
    handler.install()
    yield handler
    handler.uninstall()
    if handler.dialog is not None:
        handler.dialog.close()


def flush() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


def test_the_log_folder_and_file_are_private(log_path: Path) -> None:
    assert log_path.name == LOG_FILE
    assert log_path.parent.name == "logs"
    assert stat.S_IMODE(log_path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(log_path.stat().st_mode) == 0o600


def test_a_traceback_keeps_types_and_places_but_no_messages() -> None:
    def inner() -> None:
        raise KeyError(PERSONAL)

    try:
        try:
            inner()
        except KeyError as e:
            raise ValueError(f"while saving {PERSONAL}") from e
    except ValueError as e:
        text = safe_traceback(e)
    assert PERSONAL not in text
    assert "builtins.KeyError" in text
    assert "builtins.ValueError" in text
    assert text.index("KeyError") < text.index("direct cause") < text.index("ValueError")
    assert "in inner" in text
    assert 'File "ui/test_crash.py"' in text


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_shows_the_calm_dialog_and_logs_without_personal_data(  # type: ignore[no-untyped-def]
    qtbot, crash: CrashHandler, log_path: Path
) -> None:
    button = QPushButton("Save")
    qtbot.addWidget(button)

    def save_title() -> None:
        raise RuntimeError(f"could not save {PERSONAL}")

    button.clicked.connect(save_title)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = crash.dialog
    assert isinstance(dialog, QtCrashDialog)
    assert dialog.isVisible()
    assert dialog.text() == CRASH_TEXT
    assert str(log_path) in dialog.informativeText()
    flush()
    text = log_path.read_text("utf-8")
    assert "CRITICAL app.crash: unhandled RuntimeError" in text
    assert "in save_title" in text
    assert "builtins.RuntimeError (message not logged)" in text
    assert PERSONAL not in text
    assert "Alex" not in text


@pytest.mark.qt_no_exception_capture
def test_a_burst_of_errors_shows_one_dialog(qtbot, crash: CrashHandler) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        QTimer.singleShot(0, lambda: 1 / 0)
    qtbot.waitUntil(lambda: crash.dialog is not None)
    qtbot.wait(50)
    assert len([w for w in qtbot_top_levels() if isinstance(w, QtCrashDialog) and w.isVisible()]) == 1


def qtbot_top_levels() -> list[object]:
    from PySide6.QtWidgets import QApplication

    return list(QApplication.topLevelWidgets())


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_thread_is_logged_and_shown_on_the_ui_thread(  # type: ignore[no-untyped-def]
    qtbot, crash: CrashHandler, log_path: Path
) -> None:
    import threading

    def work() -> None:
        raise OSError(f"/home/{PERSONAL}/file")

    thread = threading.Thread(target=work, name="worker")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: crash.dialog is not None)
    flush()
    text = log_path.read_text("utf-8")
    assert "unhandled OSError in thread worker" in text
    assert PERSONAL not in text


@pytest.mark.qt_log_ignore("cannot open display")
def test_qt_critical_messages_are_logged_and_passed_on(qtbot, qtlog, crash: CrashHandler, log_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QMessageLogContext, QtMsgType

    crash.qt_message(QtMsgType.QtCriticalMsg, QMessageLogContext(), "cannot open display")
    crash.qt_message(QtMsgType.QtInfoMsg, QMessageLogContext(), "just saying")
    flush()
    text = log_path.read_text("utf-8")
    assert "Qt default: cannot open display" in text
    assert "just saying" not in text
    assert [r.message for r in qtlog.records] == ["cannot open display", "just saying"]


def test_every_step_runs_even_if_one_raises() -> None:
    done: list[str] = []

    def bad() -> None:
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        run_every(lambda: done.append("viewer"), bad, lambda: done.append("items"))
    assert done == ["viewer", "items"]


class _Raising(QObject):
    ping = Signal()


@pytest.mark.qt_no_exception_capture
def test_a_bug_in_a_lock_handler_does_not_leave_the_staff_window_half_locked(  # type: ignore[no-untyped-def]
    qtbot, crash: CrashHandler, tmp_path: Path, monkeypatch
) -> None:
    from app.staff import StaffApp

    ws = Workspace(Paths(tmp_path / "staff"))
    me = ws.create_identity("Jane Smith", "j.smith@school.example", Role.STAFF, "a long test passphrase",
                            tmp_path / "jane.identity.age")  # fmt: skip
    app = StaffApp(ws)
    qtbot.addWidget(app.window)
    app.session.accept_identity(me)
    app.incidents.new_incident()
    app.viewer.show()

    def broken() -> None:
        raise RuntimeError(PERSONAL)

    monkeypatch.setattr(app.viewer, "clear", broken)  # the first thing the lock asks of a view
    app.session.lock()
    assert app.session.locked
    assert crash.dialog is not None
    assert not app.viewer.isVisible()
    assert app.items.locked
    assert not app.form.isEnabled()
    app.quit()


@pytest.mark.qt_no_exception_capture
def test_a_bug_in_a_jobs_callback_still_ends_the_work_so_a_waiting_lock_happens(  # type: ignore[no-untyped-def]
    qtbot, crash: CrashHandler, tmp_path: Path
) -> None:
    ws = Workspace(Paths(tmp_path / "data"))
    me = ws.create_identity("Jane Smith", "j.smith@school.example", Role.STAFF, "a long test passphrase",
                            tmp_path / "jane.identity.age")  # fmt: skip
    lock = LockCoordinator(ws)
    lock.session.accept_identity(me)

    def shown(_result: int) -> None:
        raise RuntimeError(PERSONAL)

    lock.run(lambda: 42, shown, lambda _message: None)
    lock.lock()
    assert not lock.locked  # waits for the job
    qtbot.waitUntil(lambda: lock.locked, timeout=10000)
    assert not lock.session.busy
    assert crash.dialog is not None


def test_a_job_that_fails_with_a_bug_is_logged_without_its_message(qtbot, log_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app.workers import Runner

    runner = Runner()
    failed: list[str] = []

    def job() -> None:
        raise ValueError(PERSONAL)

    runner.start(job, lambda _result: None, failed.append)
    qtbot.waitUntil(lambda: bool(failed))
    assert "Unexpected error (ValueError)" in failed[0]
    assert PERSONAL not in failed[0]
    flush()
    text = log_path.read_text("utf-8")
    assert "ERROR app.workers: job failed: ValueError" in text
    assert "in job" in text
    assert PERSONAL not in text
