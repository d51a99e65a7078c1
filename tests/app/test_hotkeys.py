"""Global hotkeys (issue 11): key names, the defaults, each system's adapter, and real X11 grabs on Xvfb.

The X11 adapter is tested against a real X server: a grab with NumLock or CapsLock on still fires, a key another
client holds is refused with HotkeyHeld (BadAccess), and a closed adapter gives its keys back.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest
from xserver import XServer, have_xvfb

from app import hotkeys
from app.hotkeys import (
    DEFAULTS,
    MOD_ALT,
    MOD_CONTROL,
    MOD_NOREPEAT,
    MOD_SHIFT,
    MOD_WIN,
    Action,
    Hotkey,
    HotkeyError,
    HotkeyHeld,
    Modifier,
    UnavailableHotkeys,
    X11Hotkeys,
    register_all,
)

# --- Names ------------------------------------------------------------------------------------------------------


def test_the_defaults_are_print_shift_print_and_ctrl_print() -> None:
    assert {a: Hotkey.parse(t) for a, t in DEFAULTS.items()} == {
        Action.REGION: Hotkey("Print"),
        Action.FULL: Hotkey("Print", Modifier.SHIFT),
        Action.ACTIVE_WINDOW: Hotkey("Print", Modifier.CTRL),
    }
    assert [Action(a.value) for a in Action] == [Action.REGION, Action.FULL, Action.ACTIVE_WINDOW]
    assert Action.ACTIVE_WINDOW.value == "active"  # the capture flow's mode


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Print", "Print"),
        ("shift+print", "Shift+Print"),
        ("Meta+Shift+Alt+Ctrl+F9", "Ctrl+Alt+Shift+Meta+F9"),
        ("Control+PgUp", "Ctrl+PageUp"),
        ("Ins", "Insert"),
        ("Win+s", "Meta+S"),
        ("SysReq", "Print"),
        ("Ctrl+Alt+7", "Ctrl+Alt+7"),
    ],
)
def test_keys_are_read_in_any_order_and_written_canonically(text: str, canonical: str) -> None:
    key = Hotkey.parse(text)
    assert str(key) == canonical
    assert Hotkey.parse(str(key)) == key


@pytest.mark.parametrize("text", ["", " ", "Shift", "Ctrl+", "Print+Pause", "Hyper+Print", "Escape", "Ctrl++"])
def test_what_is_not_a_usable_key_is_refused(text: str) -> None:
    with pytest.raises(HotkeyError):
        Hotkey.parse(text)


def test_none_turns_a_hotkey_off() -> None:
    assert hotkeys.parse_setting("none") is None
    assert hotkeys.parse_setting(" None ") is None
    assert hotkeys.parse_setting("F8") == Hotkey("F8")


def test_each_key_has_an_x11_keysym_and_a_windows_virtual_key() -> None:
    assert (Hotkey("Print").x11_keysym_name, Hotkey("Print").windows_vk) == ("Print", 0x2C)  # VK_SNAPSHOT
    assert (Hotkey("PageUp").x11_keysym_name, Hotkey("PageUp").windows_vk) == ("Prior", 0x21)
    assert (Hotkey("F24").x11_keysym_name, Hotkey("F24").windows_vk) == ("F24", 0x87)
    assert (Hotkey("Q").x11_keysym_name, Hotkey("Q").windows_vk) == ("q", 0x51)


def test_windows_modifiers_never_repeat() -> None:
    assert hotkeys.windows_modifiers(Modifier.NONE) == MOD_NOREPEAT
    every = Modifier.CTRL | Modifier.ALT | Modifier.SHIFT | Modifier.META
    assert hotkeys.windows_modifiers(every) == MOD_NOREPEAT | MOD_CONTROL | MOD_ALT | MOD_SHIFT | MOD_WIN


def test_each_system_gets_its_adapter() -> None:
    assert isinstance(hotkeys.for_platform("linux", ":99"), X11Hotkeys)
    mac = hotkeys.for_platform("darwin")
    assert isinstance(mac, UnavailableHotkeys)
    assert mac.unavailable() == hotkeys.MACOS_REASON
    refused = register_all(mac, {Action.REGION: Hotkey("Print"), Action.FULL: None})
    assert [(r.action, r.held) for r in refused] == [(Action.REGION, False)]
    if sys.platform != "win32":
        with pytest.raises(ValueError, match="Windows"):
            hotkeys.for_platform("win32")


def test_wayland_without_x11_is_unavailable_not_half_working(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    monkeypatch.setenv("DISPLAY", ":0")
    assert X11Hotkeys().unavailable() is not None
    monkeypatch.delenv("DISPLAY")
    assert X11Hotkeys().unavailable() is not None


def test_an_unreachable_x_server_is_unavailable() -> None:
    backend = X11Hotkeys(":48879")
    assert backend.unavailable() is not None
    with pytest.raises(HotkeyError):
        backend.register(Action.REGION, Hotkey("Print"))


# --- X11, for real ----------------------------------------------------------------------------------------------

xvfb = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not have_xvfb() or shutil.which("xdotool") is None,
    reason="needs Xvfb and xdotool",
)


def presses(backend: X11Hotkeys, want: int, timeout: float = 10.0) -> list[Action]:
    got: list[Action] = []
    deadline = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        got += backend.pending()
        time.sleep(0.02)
    return got


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    with XServer(320, 200) as x:
        yield x


@xvfb
@pytest.mark.xvfb
def test_a_grabbed_key_fires_whatever_numlock_and_capslock_say(server: XServer) -> None:
    backend = X11Hotkeys(server.display)
    try:
        assert backend.unavailable() is None
        assert register_all(backend, {a: Hotkey.parse(t) for a, t in DEFAULTS.items()}) == []
        env = server.env()

        def key(*names: str) -> None:
            subprocess.run(["xdotool", "key", *names], env=env, check=True, timeout=10)

        key("Print")
        assert presses(backend, 1) == [Action.REGION]
        key("shift+Print")
        assert presses(backend, 1) == [Action.FULL]
        key("ctrl+Print")
        assert presses(backend, 1) == [Action.ACTIVE_WINDOW]
        key("Num_Lock")
        key("Print")
        assert presses(backend, 1) == [Action.REGION]
        key("Caps_Lock")
        key("shift+Print")  # NumLock and CapsLock both on
        assert presses(backend, 1) == [Action.FULL]
        key("Num_Lock", "Caps_Lock")
        key("alt+Print", "Pause")  # not ours: nothing
        assert presses(backend, 1, timeout=0.5) == []
    finally:
        backend.close()


@xvfb
@pytest.mark.xvfb
def test_a_key_another_client_holds_is_refused_and_given_back_on_close(server: XServer) -> None:
    holder = X11Hotkeys(server.display)
    ours = X11Hotkeys(server.display)
    try:
        holder.register(Action.REGION, Hotkey("Print"))
        with pytest.raises(HotkeyHeld):
            ours.register(Action.REGION, Hotkey("Print"))
        ours.register(Action.FULL, Hotkey("Print", Modifier.SHIFT))  # another combination is free
        refused = register_all(ours, {Action.REGION: Hotkey("Print"), Action.ACTIVE_WINDOW: Hotkey("F7")})
        assert [(r.action, r.held) for r in refused] == [(Action.REGION, True)]
        holder.close()
        ours.register(Action.REGION, Hotkey("Print"))  # free now
        subprocess.run(["xdotool", "key", "Print"], env=server.env(), check=True, timeout=10)
        assert presses(ours, 1) == [Action.REGION]
    finally:
        holder.close()
        ours.close()


@xvfb
@pytest.mark.xvfb
def test_a_held_key_is_one_press(server: XServer) -> None:
    """The X server auto-repeats a held key (release and press at one instant): that is not another capture."""
    backend = X11Hotkeys(server.display)
    try:
        backend.register(Action.REGION, Hotkey("Print"))
        subprocess.run(
            ["xdotool", "keydown", "Print", "sleep", "1.2", "keyup", "Print"], env=server.env(), check=True, timeout=10
        )
        assert presses(backend, 2, timeout=1.0) == [Action.REGION]
        subprocess.run(["xdotool", "key", "Print"], env=server.env(), check=True, timeout=10)
        assert presses(backend, 1) == [Action.REGION]  # a new press is a new press
    finally:
        backend.close()


@xvfb
@pytest.mark.xvfb
def test_the_same_key_twice_is_refused(server: XServer) -> None:
    backend = X11Hotkeys(server.display)
    try:
        backend.register(Action.REGION, Hotkey("F8"))
        with pytest.raises(HotkeyError) as caught:
            backend.register(Action.FULL, Hotkey("F8"))
        assert not isinstance(caught.value, HotkeyHeld)
        with pytest.raises(HotkeyError):  # the X server switches consoles on these, never passing them on
            backend.register(Action.FULL, Hotkey.parse("Ctrl+Alt+F2"))
    finally:
        backend.close()
