"""One instance per data folder (issue 11): who is first, what a later launch hands over, and crashes.

The running copy is this test process (its Qt event loop driven by pytest-qt); later launches are real separate
processes, as they are on a desktop. The whole app launched twice on Xvfb is tests/e2e/test_single_instance_xvfb.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.instance import MAX_MESSAGE_BYTES, CaptureRequest, Instance, InstanceMessage, message_for, server_name
from app.paths import Paths

REPO = Path(__file__).resolve().parents[2]

LATER_LAUNCH = """
import sys
from pathlib import Path
from PySide6.QtCore import QCoreApplication
from app.instance import Instance, InstanceMessage, CaptureRequest
from app.paths import Paths
app = QCoreApplication([])
later = Instance(Paths(Path(sys.argv[1])))
if later.claim():
    print("first", flush=True)
    sys.exit(0)
capture = CaptureRequest(sys.argv[2]) if sys.argv[2] != "-" else None
print("sent" if later.send(InstanceMessage(tuple(sys.argv[3:]), capture)) else "unanswered", flush=True)
"""

FIRST_THEN_KILLED = """
import sys, time
from pathlib import Path
from PySide6.QtCore import QCoreApplication
from app.instance import Instance
from app.paths import Paths
app = QCoreApplication([])
first = Instance(Paths(Path(sys.argv[1])))
print("first" if first.claim() else "second", flush=True)
time.sleep(60)
"""


def run_later(data: Path, capture: str = "-", *files: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", LATER_LAUNCH, str(data), capture, *files],
        env={**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"},
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def first(qtbot: QtBot, tmp_path: Path):  # type: ignore[no-untyped-def]
    instance = Instance(Paths(tmp_path))
    assert instance.claim()
    yield instance
    instance.release()


def test_messages_round_trip_and_anything_else_is_refused() -> None:
    message = InstanceMessage(("/home/j/EC-1.zip.age", "C:\\bundles\\é.zip.age"), CaptureRequest.REGION)
    assert InstanceMessage.parse(message.to_bytes()) == message
    for bad in (
        b"[]\n",
        b'{"files": []}\n',
        b'{"files": "x", "capture": null}\n',
        b'{"files": [1], "capture": null}\n',
        b'{"files": ["a\\u0000b"], "capture": null}\n',
        b'{"files": [], "capture": "monitor:9"}\n',
        b'{"files": [], "capture": null, "run": "rm -rf /"}\n',
        b'{"files": [' + b'"x",' * 200 + b'"x"], "capture": null}\n',
        b"\xff\xfe\n",
        b'{"files": ["' + b"x" * MAX_MESSAGE_BYTES + b'"], "capture": null}\n',
    ):
        with pytest.raises((ValueError, UnicodeDecodeError)):
            InstanceMessage.parse(bad)


def test_a_later_launch_sends_absolute_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    message = message_for([Path("EC-1.zip.age")], "full")
    assert message.files == (str(tmp_path / "EC-1.zip.age"),)
    assert message.capture is CaptureRequest.FULL


def test_each_data_folder_has_its_own_private_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = server_name(tmp_path / "a"), server_name(tmp_path / "b")
    assert a != b
    assert str(tmp_path) not in a  # the path is hashed, not shown in a shared folder
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    assert Path(server_name(tmp_path / "a")).parent == runtime
    runtime.chmod(0o755)  # not private: not used
    assert Path(server_name(tmp_path / "a")).parent != runtime


def test_only_one_copy_is_first(first: Instance, tmp_path: Path) -> None:
    second = Instance(Paths(tmp_path))
    assert not second.claim()
    assert second.holder_pid() == os.getpid()
    assert Instance(Paths(tmp_path / "elsewhere")).claim()  # another data folder is another app


def test_a_later_launch_hands_over_its_files_and_capture(first: Instance, qtbot: QtBot, tmp_path: Path) -> None:
    got: list[InstanceMessage] = []
    first.deliver_to(got.append)
    with qtbot.waitSignal(first.message, timeout=20000) as blocker:
        later = run_later(tmp_path, "full", "/srv/drop/EC-20261125-7F3A9C.zip.age")
    assert later.stdout is not None
    qtbot.waitUntil(lambda: later.poll() is not None, timeout=20000)
    assert later.stdout.read().strip() == "sent"
    later.stdout.close()
    want = InstanceMessage(("/srv/drop/EC-20261125-7F3A9C.zip.age",), CaptureRequest.FULL)
    assert blocker.args == [want]
    assert got == [want]


def test_messages_before_there_is_a_window_are_kept_for_it(first: Instance, qtbot: QtBot, tmp_path: Path) -> None:
    with qtbot.waitSignal(first.message, timeout=20000):
        later = run_later(tmp_path, "-", "/a.zip.age")
    qtbot.waitUntil(lambda: later.poll() is not None, timeout=20000)
    assert later.stdout is not None
    later.stdout.close()
    got: list[InstanceMessage] = []
    first.deliver_to(got.append)  # e.g. once the first-run wizard is done
    assert got == [InstanceMessage(("/a.zip.age",), None)]


def test_a_crashed_copys_lock_and_socket_do_not_block_start_up(tmp_path: Path, qtbot: QtBot) -> None:
    crashed = subprocess.Popen(
        [sys.executable, "-c", FIRST_THEN_KILLED, str(tmp_path)],
        env={**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert crashed.stdout is not None
    assert crashed.stdout.readline().strip() == "first"
    crashed.send_signal(signal.SIGKILL)
    crashed.wait(timeout=20)
    crashed.stdout.close()
    assert Paths(tmp_path).instance_lock.exists()
    if sys.platform != "win32":
        assert Path(server_name(tmp_path)).exists()  # the socket file, left behind
    after = Instance(Paths(tmp_path))
    try:
        assert after.claim()
        with qtbot.waitSignal(after.message, timeout=20000):  # and it listens: later launches reach it
            later = run_later(tmp_path, "region")
        qtbot.waitUntil(lambda: later.poll() is not None, timeout=20000)
        assert later.stdout is not None
        assert later.stdout.read().strip() == "sent"
        later.stdout.close()
    finally:
        after.release()
