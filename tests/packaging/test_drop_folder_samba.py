"""The guide's two Samba shares on the recipe's folder, through a real smbd on loopback and the stock smbclient.

``make test`` does not install Samba (it would leave a file server running on a developer's machine), so this
runs only where ``samba``, ``samba-vfs-modules`` and ``smbclient`` are installed, as root; elsewhere it is skipped
with the reason. The filesystem layer beneath is tested everywhere CI runs (``test_drop_folder_recipe.py``).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dropfolder import People, can_make_users, make_drop_folder, throwaway_people

PASSWORD = "pw-Secret-1"


def _samba_missing() -> str | None:
    if can_make_users() is not None:
        return can_make_users()
    if any(shutil.which(t) is None for t in ("smbd", "smbclient", "smbpasswd")):
        return "Samba is not installed (apt-get install samba samba-vfs-modules smbclient)"
    built = subprocess.run(["smbd", "-b"], capture_output=True, text=True).stdout
    modules = next((line.split(":", 1)[1].strip() for line in built.splitlines() if "MODULESDIR" in line), "")
    if not (Path(modules) / "vfs" / "full_audit.so").is_file():
        return "the full_audit module is missing (apt-get install samba-vfs-modules)"
    return None


pytestmark = pytest.mark.skipif(_samba_missing() is not None, reason=str(_samba_missing()))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """smbd serving the recipe's shares on loopback."""

    def __init__(self, state: Path, port: int, process: subprocess.Popen[bytes]) -> None:
        self.state, self.port, self.process = state, port, process

    def client(self, share: str, user: str, commands: str, cwd: Path) -> bool:
        """Run smbclient ``commands`` on ``share`` as ``user``; True when every one succeeded."""
        done = subprocess.run(
            ["smbclient", "-p", str(self.port), f"//127.0.0.1/{share}", "-U", f"{user}%{PASSWORD}", "-c", commands],
            capture_output=True,
            text=True,
            cwd=cwd,
            timeout=30,
        )
        return done.returncode == 0 and "NT_STATUS_" not in done.stdout + done.stderr


@pytest.fixture
def samba() -> Iterator[tuple[Server, People, Path]]:
    base = Path(tempfile.mkdtemp(prefix="ec-smb-"))
    try:
        base.chmod(0o755)
        with throwaway_people() as people:
            shares = make_drop_folder(base / "drop", people)
            state = base / "state"
            for sub in ("private", "lock", "state", "cache", "pid", "log"):
                (state / sub).mkdir(parents=True)
            port = _free_port()
            conf = state / "smb.conf"
            conf.write_text(
                "[global]\n   server role = standalone server\n   interfaces = lo\n   bind interfaces only = yes\n"
                f"   smb ports = {port}\n   passdb backend = tdbsam:{state}/private/passdb.tdb\n"
                f"   private dir = {state}/private\n   lock directory = {state}/lock\n"
                f"   state directory = {state}/state\n   cache directory = {state}/cache\n"
                f"   pid directory = {state}/pid\n   log file = {state}/log/%m.log\n"
                "   load printers = no\n   disable spoolss = yes\n   map to guest = never\n"
                + shares[shares.index("[evidence-drop]") :]
            )
            for user in (people.staff1, people.staff2, people.reviewer):
                subprocess.run(["smbpasswd", "-c", str(conf), "-s", "-a", user], input=f"{PASSWORD}\n{PASSWORD}\n",
                               text=True, check=True, capture_output=True)  # fmt: skip
            process = subprocess.Popen(  # its own session: smbd signals its whole process group when it stops
                ["smbd", "--foreground", "--no-process-group", f"--configfile={conf}"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                deadline = time.monotonic() + 20
                while True:
                    try:
                        socket.create_connection(("127.0.0.1", port), timeout=1).close()
                        break
                    except OSError:
                        assert process.poll() is None, "smbd did not start"
                        assert time.monotonic() < deadline, "smbd did not start"
                        time.sleep(0.1)
                yield Server(state, port, process), people, base / "drop"
            finally:
                process.terminate()
                process.wait(timeout=30)
    finally:
        shutil.rmtree(base)


def test_staff_and_review_shares(samba: tuple[Server, People, Path], tmp_path: Path) -> None:
    server, people, drop = samba
    (tmp_path / "one").write_text("bundle one\n")
    (tmp_path / "two").write_text("bundle two\n")
    (tmp_path / "rev").write_text("revised\n")
    staff = lambda user, cmd: server.client("evidence-drop", user, cmd, tmp_path)  # noqa: E731
    review = lambda user, cmd: server.client("evidence-review", user, cmd, tmp_path)  # noqa: E731

    assert staff(people.staff1, "put one EC-1.zip.age")
    assert staff(people.staff2, "put two EC-2.zip.age")
    assert oct((drop / "EC-1.zip.age").stat().st_mode & 0o777) == oct(0o640)
    assert staff(people.staff1, "get EC-1.zip.age mine")
    for denied in ("ls", "get EC-1.zip.age stolen", "del EC-1.zip.age", "rename EC-2.zip.age EC-1.zip.age -f",
                   "put two EC-1.zip.age"):  # fmt: skip
        assert not staff(people.staff2, denied), denied
    assert (drop / "EC-1.zip.age").read_text() == "bundle one\n"
    # reviewers: list, read, replace (as the app does: a new file renamed over the old) and delete
    assert review(people.reviewer, "ls; get EC-1.zip.age r1; get EC-2.zip.age r2")
    assert review(people.reviewer, "put rev .tmp-EC-1; rename .tmp-EC-1 EC-1.zip.age -f; del EC-2.zip.age")
    assert (drop / "EC-1.zip.age").read_text() == "revised\n"
    assert not (drop / "EC-2.zip.age").exists()
    # each share is for its own group only
    assert not review(people.staff1, "ls")
    assert not staff(people.reviewer, "ls")
    assert not staff(people.outsider, "ls")
