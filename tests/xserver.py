"""A real Xvfb for tests, with windows of known pixels at known places and optional RandR monitors.

Xvfb picks a free display number itself and reports it on ``-displayfd`` once it accepts connections, so
parallel test runs never collide and there is no polling for a socket. ``-noreset`` keeps the server's state
(root properties, RandR monitors) when the last client disconnects.

Windows are drawn by a tiny Tk program in a subprocess: with no window manager on Xvfb there are no decorations
and Tk puts the image's top-left pixel exactly at the requested place (ImageMagick's ``display`` was tried
first: it adds a 2-pixel frame and extra windows). :meth:`XServer.show` returns only once the pixels are on the
screen.

Xvfb has one RandR output, so a second monitor is made as a RandR 1.5 *monitor* (what ``xrandr --setmonitor``
does): the first is bound to the real output, which hides its automatic monitor, and the others have no output.
mss reads RandR monitors, so it then reports them. ``+xinerama`` with two ``-screen`` options does not work for
this: mss sees only the first screen.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import ctypes.util
import io
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from types import TracebackType

import mss
from PIL import Image

STARTUP_TIMEOUT = 10.0

_TK_PROGRAM = """
import base64, sys, tkinter
title, x, y = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
root = tkinter.Tk()
root.title(title)
image = tkinter.PhotoImage(data=sys.stdin.read())
tkinter.Label(root, image=image, borderwidth=0, highlightthickness=0, padx=0, pady=0).pack()
root.geometry(f"+{x}+{y}")
root.wait_visibility(root)
root.update()
print(root.winfo_id(), flush=True)
root.mainloop()
"""


def have_xvfb() -> bool:
    """Whether the Xvfb binary is on PATH."""
    return shutil.which("Xvfb") is not None


def have_tk() -> bool:
    """Whether this Python can run Tk (needed to draw windows)."""
    try:
        import _tkinter  # noqa: F401 - loads libtk, which a broken install lacks
    except ImportError:
        return False
    return True


def have_xrandr_lib() -> bool:
    """Whether libXrandr is there (needed for extra monitors)."""
    return _find_lib("Xrandr", "libXrandr.so.2") is not None


class Window:
    """A Tk window showing one image, in its own process.

    Attributes:
        process: The Tk subprocess.
        xid: X id of the top-level window, the one that carries WM_NAME and friends.
        title: The title it was given.
    """

    def __init__(self, process: subprocess.Popen[bytes], xid: int, title: str) -> None:
        self.process = process
        self.xid = xid
        self.title = title

    @property
    def pid(self) -> int:
        """Process id of the Tk program."""
        return self.process.pid

    def close(self) -> None:
        """End the Tk process and release its pipes."""
        _end(self.process)


class XServer:
    """An Xvfb server for the length of a ``with`` block.

    Attributes:
        width: Screen width.
        height: Screen height.
        monitors: Extra RandR monitors as (left, top, width, height); empty for the server's single one.
        display: ``":N"`` once started.
    """

    def __init__(
        self, width: int = 1280, height: int = 800, *, monitors: Sequence[tuple[int, int, int, int]] = ()
    ) -> None:
        self.width = width
        self.height = height
        self.monitors = tuple(monitors)
        self.display = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - outlives this call; closed in _stop
        self._windows: list[Window] = []

    def __enter__(self) -> XServer:
        try:
            self._start()
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop()

    def env(self) -> dict[str, str]:
        """The environment for a client of this server."""
        env = dict(os.environ, DISPLAY=self.display)
        env.pop("WAYLAND_DISPLAY", None)
        return env

    def show(self, image: Image.Image, x: int, y: int, title: str) -> Window:
        """Show ``image`` with its top-left pixel at (x, y); returns once its pixels are on the screen.

        Raises:
            RuntimeError: The window did not appear, or its pixels are not exact, within the timeout.
        """
        rgb = image.convert("RGB")
        png = io.BytesIO()
        rgb.save(png, "PNG")
        process = subprocess.Popen(
            [sys.executable, "-I", "-c", _TK_PROGRAM, title, str(x), str(y)],
            env=self.env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert process.stdin is not None
            assert process.stdout is not None
            process.stdin.write(base64.b64encode(png.getvalue()))
            process.stdin.close()
            line = _readline(process.stdout.fileno(), STARTUP_TIMEOUT)
            if not line.strip().isdigit():
                raise RuntimeError(f"Tk window did not start: {_stderr_of(process)}")
            window = Window(process, self._parent_of(int(line)), title)
            self._wait_for_pixels(rgb, x, y)
        except BaseException:
            _end(process)
            raise
        self._windows.append(window)
        return window

    def set_property(self, window: int | None, name: str, type_name: str, value: Sequence[int] | bytes) -> None:
        """Set a property as a window manager or client would: ints as format 32, bytes as format 8.

        Args:
            window: The window's X id; None for the root window.
            name: The property, such as ``_NET_ACTIVE_WINDOW``.
            type_name: Its type, such as ``WINDOW``, ``CARDINAL``, ``STRING`` or ``UTF8_STRING``.
            value: The items (format 32) or the bytes (format 8).
        """
        x11 = _x11()
        x11.XChangeProperty.argtypes = [
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.c_ulong,
            ctypes.c_ulong,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_void_p,
            ctypes.c_int,
        ]
        if isinstance(value, bytes):
            data: ctypes.Array[ctypes.c_char] | ctypes.Array[ctypes.c_ulong] = ctypes.create_string_buffer(value)
            fmt, count = 8, len(value)
        else:
            data = (ctypes.c_ulong * len(value))(*value)  # Xlib takes format-32 items as C longs
            fmt, count = 32, len(value)
        with _open_display(x11, self.display) as dpy:
            target = x11.XDefaultRootWindow(dpy) if window is None else window
            prop = x11.XInternAtom(dpy, name.encode(), 0)
            kind = x11.XInternAtom(dpy, type_name.encode(), 0)
            x11.XChangeProperty(dpy, target, prop, kind, fmt, 0, data, count)  # PropModeReplace
            x11.XSync(dpy, 0)

    def delete_property(self, window: int | None, name: str) -> None:
        """Remove a property from a window (None: the root window); no error if it is not set."""
        x11 = _x11()
        x11.XDeleteProperty.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
        with _open_display(x11, self.display) as dpy:
            target = x11.XDefaultRootWindow(dpy) if window is None else window
            x11.XDeleteProperty(dpy, target, x11.XInternAtom(dpy, name.encode(), 0))
            x11.XSync(dpy, 0)

    def _wait_for_pixels(self, image: Image.Image, x: int, y: int) -> None:
        want = image.tobytes()
        box = {"left": x, "top": y, "width": image.width, "height": image.height}
        deadline = time.monotonic() + STARTUP_TIMEOUT
        with mss.MSS(display=self.display) as sct:
            while True:
                if sct.grab(box).rgb == want:
                    return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the test image did not appear exactly at +{x}+{y}")
                time.sleep(0.01)

    def _start(self) -> None:
        read_fd, write_fd = os.pipe()
        try:
            self._process = subprocess.Popen(
                [
                    "Xvfb",
                    "-screen",
                    "0",
                    f"{self.width}x{self.height}x24",
                    "-nolisten",
                    "tcp",
                    "-noreset",
                    "-displayfd",
                    str(write_fd),
                ],
                pass_fds=(write_fd,),
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=self._log,
            )
        finally:
            os.close(write_fd)
        try:
            line = _readline(read_fd, STARTUP_TIMEOUT)
        except TimeoutError as e:
            raise RuntimeError(f"Xvfb did not start: {self._log_tail()}") from e
        finally:
            os.close(read_fd)
        if not line.strip().isdigit():
            raise RuntimeError(f"Xvfb did not start: {self._log_tail()}")
        self.display = f":{int(line)}"
        if self.monitors:
            _set_randr_monitors(self.display, self.monitors)

    def _stop(self) -> None:
        for window in self._windows:
            window.close()
        self._windows.clear()
        if self._process is not None:
            _end(self._process)
            self._process = None
        self._log.close()

    def _log_tail(self) -> str:
        self._log.seek(0)
        return " ".join(self._log.read()[-500:].decode(errors="replace").split())

    def _parent_of(self, window: int) -> int:
        """The parent of ``window``: Tk's wrapper, which holds the WM properties, is the parent of winfo_id."""
        x11 = _x11()
        x11.XQueryTree.argtypes = [
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.c_void_p),
            ctypes.POINTER(ctypes.c_uint),
        ]
        x11.XQueryTree.restype = ctypes.c_int
        with _open_display(x11, self.display) as dpy:
            root, parent, children, count = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p(), ctypes.c_uint()
            ok = x11.XQueryTree(
                dpy, window, ctypes.byref(root), ctypes.byref(parent), ctypes.byref(children), ctypes.byref(count)
            )
            if children.value:
                x11.XFree(children)
            if not ok:
                raise RuntimeError(f"XQueryTree failed for window {window:#x}")
            return parent.value


class _XRRMonitorInfo(ctypes.Structure):
    _fields_ = (
        ("name", ctypes.c_ulong),
        ("primary", ctypes.c_int),
        ("automatic", ctypes.c_int),
        ("noutput", ctypes.c_int),
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("mwidth", ctypes.c_int),
        ("mheight", ctypes.c_int),
        ("outputs", ctypes.POINTER(ctypes.c_ulong)),
    )


class _XRRScreenResources(ctypes.Structure):
    _fields_ = (
        ("timestamp", ctypes.c_ulong),
        ("config_timestamp", ctypes.c_ulong),
        ("ncrtc", ctypes.c_int),
        ("crtcs", ctypes.c_void_p),
        ("noutput", ctypes.c_int),
        ("outputs", ctypes.POINTER(ctypes.c_ulong)),
        ("nmode", ctypes.c_int),
        ("modes", ctypes.c_void_p),
    )


def _set_randr_monitors(display: str, monitors: Sequence[tuple[int, int, int, int]]) -> None:
    x11 = _x11()
    name = _find_lib("Xrandr", "libXrandr.so.2")
    if name is None:
        raise RuntimeError("libXrandr is not installed")
    xrandr = ctypes.CDLL(name)
    xrandr.XRRQueryVersion.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int)]
    xrandr.XRRGetScreenResources.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    xrandr.XRRGetScreenResources.restype = ctypes.POINTER(_XRRScreenResources)
    xrandr.XRRFreeScreenResources.argtypes = [ctypes.POINTER(_XRRScreenResources)]
    xrandr.XRRSetMonitor.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(_XRRMonitorInfo)]
    with _open_display(x11, display) as dpy:
        major, minor = ctypes.c_int(), ctypes.c_int()
        has_randr = xrandr.XRRQueryVersion(dpy, ctypes.byref(major), ctypes.byref(minor))
        if not has_randr or (major.value, minor.value) < (1, 5):
            raise RuntimeError(f"the X server lacks RandR 1.5 (has {major.value}.{minor.value})")
        root = x11.XDefaultRootWindow(dpy)
        resources = xrandr.XRRGetScreenResources(dpy, root)
        if not resources or resources.contents.noutput < 1:
            raise RuntimeError("the X server has no RandR output")
        first_output = (ctypes.c_ulong * 1)(resources.contents.outputs[0])
        xrandr.XRRFreeScreenResources(resources)
        for i, (left, top, width, height) in enumerate(monitors):
            info = _XRRMonitorInfo(
                name=x11.XInternAtom(dpy, f"TEST-{i + 1}".encode(), 0),
                primary=int(i == 0),
                automatic=0,
                noutput=1 if i == 0 else 0,
                x=left,
                y=top,
                width=width,
                height=height,
                mwidth=width * 254 // 960,  # 96 dpi, in millimetres
                mheight=height * 254 // 960,
                outputs=ctypes.cast(first_output, ctypes.POINTER(ctypes.c_ulong)) if i == 0 else None,
            )
            xrandr.XRRSetMonitor(dpy, root, ctypes.byref(info))
        x11.XSync(dpy, 0)


def _find_lib(short: str, fallback: str) -> str | None:
    name = ctypes.util.find_library(short)
    if name:
        return name
    try:
        ctypes.CDLL(fallback)
    except OSError:
        return None
    return fallback


def _x11() -> ctypes.CDLL:
    x11 = ctypes.CDLL(_find_lib("X11", "libX11.so.6") or "libX11.so.6")
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    x11.XDefaultRootWindow.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x11.XFree.argtypes = [ctypes.c_void_p]
    return x11


@contextlib.contextmanager
def _open_display(x11: ctypes.CDLL, display: str) -> Iterator[int]:
    dpy = x11.XOpenDisplay(display.encode())
    if not dpy:
        raise RuntimeError(f"cannot open X display {display}")
    try:
        yield dpy
    finally:
        x11.XCloseDisplay(dpy)


def _readline(fd: int, timeout: float) -> bytes:
    """Read one line from a pipe without blocking past ``timeout``; what came if the writer closed it first.

    Raises:
        TimeoutError: No full line in time.
    """
    deadline = time.monotonic() + timeout
    data = b""
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no answer in time")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 256)
        if not chunk:
            break
        data += chunk
    return data


def _stderr_of(process: subprocess.Popen[bytes]) -> str:
    """End ``process`` and return the tail of its stderr as one line."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    err = process.stderr.read() if process.stderr is not None else b""
    return " ".join(err.decode(errors="replace").split())[-500:] or f"exit status {process.returncode}"


def _end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()
