"""One running app per data folder: a second launch hands its arguments to the first and brings it forward.

Two copies on one vault would mean two idle locks, two tray icons, two editors of one draft, and hotkeys that
the second copy cannot have (the first holds them), which is confusing at best. So:

- **Who is first** is decided by a ``QLockFile`` in the data folder (``Paths.instance_lock``). It records the
  process id, so a lock left by a crashed copy is *stale* and taken over at once (Qt checks whether that process
  still runs, and that it is the same program). Staleness by age is turned off: the app runs for days.
- **The first copy listens** on a ``QLocalServer`` whose name is derived from the SHA-256 of the data folder's
  resolved path, so two data folders never share one and no path is exposed in a shared temporary folder. On
  Unix the socket lives in the user's private runtime folder (``$XDG_RUNTIME_DIR``, mode 0700) where there is
  one, else in the temporary folder under a name that includes the user id; it is made readable by this user
  only. A socket file that a crashed copy left behind is removed before listening, so it never blocks start-up.
- **A later copy** that cannot take the lock connects, sends one line of JSON (the bundles to open, and a capture
  to start, if asked), waits for the first copy's ``ok`` and exits 0, without opening the vault. If the first
  copy does not answer in time, it says so and exits 1.

Messages come from another process of the same user and are still checked like any input: at most
:data:`MAX_MESSAGE_BYTES`, one JSON object with known keys, file names as text (the review flow then treats each
bundle as hostile, as always).
"""

from __future__ import annotations

import enum
import hashlib
import json
import logging
import os
import stat
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QDir, QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from app.paths import Paths

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 64 * 1024
MAX_FILES = 100
CONNECT_SECONDS = 8.0
"""How long a later copy keeps trying to reach the first (which may still be starting)."""
REPLY_MS = 5000
OK = b"ok\n"


class CaptureRequest(enum.Enum):
    """A capture a later launch may ask the running app for (``evidence-capture-gui --capture MODE``)."""

    REGION = "region"
    FULL = "full"
    WINDOW = "window"
    ACTIVE = "active"


@dataclass(frozen=True)
class InstanceMessage:
    """What a later launch asks the running app to do.

    Attributes:
        files: bundles to open (absolute paths, as text).
        capture: a capture to start, if any.
    """

    files: tuple[str, ...] = ()
    capture: CaptureRequest | None = None

    def to_bytes(self) -> bytes:
        """One line of JSON."""
        value = {"files": list(self.files), "capture": self.capture.value if self.capture else None}
        return json.dumps(value, ensure_ascii=False).encode("utf-8") + b"\n"

    @classmethod
    def parse(cls, data: bytes) -> InstanceMessage:
        """Read one message.

        Raises:
            ValueError: too long, not one JSON object with exactly ``files`` and ``capture``, or a bad value.
        """
        if len(data) > MAX_MESSAGE_BYTES:
            raise ValueError("message too long")
        value = json.loads(data.decode("utf-8"))
        if not isinstance(value, dict) or set(value) != {"files", "capture"}:
            raise ValueError("not a message")
        files, capture = value["files"], value["capture"]
        if not isinstance(files, list) or len(files) > MAX_FILES:
            raise ValueError("bad file list")
        if not all(isinstance(f, str) and 0 < len(f) <= 4096 and "\0" not in f for f in files):
            raise ValueError("bad file name")
        return cls(tuple(files), None if capture is None else CaptureRequest(capture))


def server_name(data_dir: Path) -> str:
    """The local server's name for a data folder: a full socket path in a private folder on Unix, else a name."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode("utf-8")).hexdigest()[:24]
    if sys.platform == "win32":
        return f"evidence-capture-{digest}"
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and _private_dir(Path(runtime)):
        return str(Path(runtime) / f"evidence-capture-{digest}.sock")
    return str(Path(QDir.tempPath()) / f"evidence-capture-{os.getuid()}-{digest}.sock")


def _private_dir(path: Path) -> bool:
    """A folder of ours that nobody else may enter (Unix)."""
    if sys.platform == "win32":
        return False
    try:
        info = path.stat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


class Instance(QObject):
    """This process's place among the copies of the app on one data folder.

    Create it, then call :meth:`claim`. True: this is the first copy; it listens, and :attr:`message` brings what
    later launches ask (held until :meth:`deliver_to` names a handler). False: another copy runs; hand it the
    arguments with :meth:`send` and exit.

    Signals:
        message(object): an :class:`InstanceMessage` from a later launch.
    """

    message = Signal(object)

    def __init__(self, paths: Paths, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = paths.data_dir
        self.name = server_name(paths.data_dir)
        self._lock = QLockFile(str(paths.instance_lock))
        self._lock.setStaleLockTime(0)  # stale only when its process is gone, however long the app has run
        self._server: QLocalServer | None = None
        self._held: list[InstanceMessage] = []
        self._handler: Callable[[InstanceMessage], None] | None = None

    def claim(self) -> bool:
        """Try to be the first copy; if so, start listening. False when another copy holds the data folder."""
        if not self._lock.tryLock(0):
            if self._lock.error() == QLockFile.LockError.LockFailedError:
                return False
            log.warning("the instance lock cannot be written; running without the one-instance guard")
            return True
        QLocalServer.removeServer(self.name)  # a socket file a crashed copy left behind
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            log.warning("the instance server cannot listen: %s", server.errorString())
            return True
        server.newConnection.connect(self._accept)
        self._server = server
        return True

    def holder_pid(self) -> int | None:
        """The process id of the copy holding the data folder, if known."""
        pid, _host, _app = self._lock.getLockInfo()  # (0, "", "") when there is no readable lock file
        return pid if pid > 0 else None

    def send(self, message: InstanceMessage, *, timeout: float = CONNECT_SECONDS) -> bool:
        """Hand ``message`` to the running copy; True once it has answered ``ok``."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            socket = QLocalSocket()
            socket.connectToServer(self.name)
            if socket.waitForConnected(500):
                socket.write(message.to_bytes())
                socket.waitForBytesWritten(REPLY_MS)  # False too when the bytes already went: the reply decides
                reply = b""
                while not reply.endswith(b"\n") and socket.waitForReadyRead(REPLY_MS):
                    reply += bytes(socket.readAll().data())
                socket.disconnectFromServer()
                return reply == OK
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)  # the first copy may have taken the lock and not yet be listening

    def deliver_to(self, handler: Callable[[InstanceMessage], None]) -> None:
        """Call ``handler`` for every message from now on, and for those that came before there was one."""
        self._handler = handler
        held, self._held = self._held, []
        for message in held:
            handler(message)

    def release(self) -> None:
        """Stop listening and let the next launch be first."""
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.unlock()

    def _accept(self) -> None:
        assert self._server is not None
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            buffer = bytearray()

            def read(socket: QLocalSocket = socket, buffer: bytearray = buffer) -> None:
                buffer += bytes(socket.readAll().data())
                if len(buffer) > MAX_MESSAGE_BYTES:
                    socket.abort()
                    return
                if not buffer.endswith(b"\n"):
                    return
                try:
                    message = InstanceMessage.parse(bytes(buffer))
                except (ValueError, UnicodeDecodeError) as e:
                    log.warning("a message from another launch was refused: %s", type(e).__name__)
                    socket.abort()
                    return
                socket.write(OK)
                socket.flush()
                socket.disconnectFromServer()
                self._received(message)

            socket.readyRead.connect(read)
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                read()

    def _received(self, message: InstanceMessage) -> None:
        log.info("another launch asked for %d file(s), capture %s", len(message.files), message.capture)
        if self._handler is None:
            self._held.append(message)
        else:
            self._handler(message)
        self.message.emit(message)


def message_for(files: Sequence[Path], capture: str | None) -> InstanceMessage:
    """The message a later launch sends: its files as absolute paths (the first copy's folder may differ)."""
    return InstanceMessage(
        tuple(str(f.expanduser().resolve()) for f in files), None if capture is None else CaptureRequest(capture)
    )
