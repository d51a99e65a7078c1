"""Drive a program that reads secrets from /dev/tty (age, ssh-keygen) by giving it a pseudo-terminal.

Such programs ignore stdin for passphrases and open their controlling terminal instead, so a pipe is not
enough. The child gets a new session whose controlling terminal is the pty's slave side. We do that in a tiny
Python trampoline (``TIOCSCTTY`` then ``exec``) rather than with ``pty.fork()`` or ``preexec_fn``, because
forking the test process itself is unsafe once it has threads (and Python 3.12+ warns, which our warnings-as-
errors setting would turn into a failure).
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

_TRAMPOLINE = (
    "import fcntl, os, sys, termios\n"
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0)\n"  # stdin is the pty slave; we lead a new session without a tty
    "os.execvp(sys.argv[1], sys.argv[1:])\n"
)
PROMPT = b"passphrase"


def run_with_tty_input(argv: list[str], answers: list[str], timeout: float = 30) -> tuple[int, bytes]:
    """Run ``argv`` on a fresh pseudo-terminal and type each answer after a passphrase prompt appears.

    The program's stdin, stdout, stderr and controlling terminal are all the pty, so binary output must go to
    a file (``age -o``). Before typing each answer, this waits for new terminal output containing
    "passphrase" (any case), so answers are never typed ahead of the prompt they belong to.

    Args:
        argv: The program and its arguments.
        answers: One line per expected prompt, typed without the newline (it is added).
        timeout: Seconds for the whole run; the program is killed when they run out.

    Returns:
        The exit status and everything the program wrote to the terminal (prompts, echo, messages).

    Raises:
        TimeoutError: The program did not finish (or did not prompt) in time; it has been killed.
    """
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", _TRAMPOLINE, *argv],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            close_fds=True,
        )
    except BaseException:
        os.close(master)
        os.close(slave)
        raise
    os.close(slave)  # the child holds the only slave now, so its exit gives us EOF (EIO) on the master
    transcript = bytearray()
    deadline = time.monotonic() + timeout
    try:
        seen = 0  # transcript offset after the last prompt we answered
        for answer in answers:
            if not _wait_for_prompt(master, transcript, seen, deadline):
                break  # EOF: the program gave up before prompting; return what it said
            seen = len(transcript)
            os.write(master, answer.encode() + b"\n")
        while _read_some(master, transcript, deadline):
            pass
        return proc.wait(timeout=max(0.1, deadline - time.monotonic())), bytes(transcript)
    except TimeoutError:
        proc.kill()
        proc.wait()
        raise TimeoutError(f"{argv[0]} did not finish in {timeout} s; terminal said: {bytes(transcript)!r}") from None
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise TimeoutError(f"{argv[0]} did not exit in {timeout} s; terminal said: {bytes(transcript)!r}") from None
    finally:
        os.close(master)


def _wait_for_prompt(master: int, transcript: bytearray, seen: int, deadline: float) -> bool:
    """Read until output after ``seen`` contains the prompt word; False at EOF."""
    while PROMPT not in transcript[seen:].lower():
        if not _read_some(master, transcript, deadline):
            return False
    return True


def _read_some(master: int, transcript: bytearray, deadline: float) -> bool:
    """Append available terminal output; False at EOF. Raises TimeoutError past the deadline."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    ready, _, _ = select.select([master], [], [], remaining)
    if not ready:
        raise TimeoutError
    try:
        chunk = os.read(master, 4096)
    except OSError:  # Linux reports EIO once no process holds the slave side
        return False
    transcript += chunk
    return bool(chunk)
