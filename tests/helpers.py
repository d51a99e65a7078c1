"""Test identities shared by the tests.

They are built from fixed age test keys (made for these tests, used nowhere else), so that a subprocess started
by a test gets the same identity as the test itself. Each principal gets its own key.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib

from evidence.capture.context import CaptureContext, CaptureMode, MonitorInfo, Rect
from evidence.capture.items import ItemKind
from evidence.crypto.keys import Identity, Role
from evidence.vault.store import NewItem

_TEST_SECRETS = [
    "AGE-SECRET-KEY-1KUSUJAHWGQ00NCMD70YGRMKDGYJQG4CXCL58W0ZJLGV9SNTSKMRQSVAU0L",
    "AGE-SECRET-KEY-1AL0V24500CNFPFFMM4QPCRS4WFAWMV6MNFC9N0JE4MR6VQHAE0JQC6VSPL",
    "AGE-SECRET-KEY-1S3U8VDZKNPATDGG8J757DHMVLLF62X7NRMSAYD76L4T7GQML5NQSWKKDAX",
    "AGE-SECRET-KEY-1AQX9559CCSJMG9HJD4W2HYRR3PCPZWH5S6MAMTDUZYYUDZ2F8V0Q8DD3RU",
    "AGE-SECRET-KEY-184SN9C5WEEW0Z67SAM57X5PJXKVHZFSY672AU2LGKUFN9FG77TTQCHSW90",
    "AGE-SECRET-KEY-1W897T3L9M9GMA8P7RRU579DYLHUQGUKD3U8LV8KJYSQ2XVQ7R23S7EPV8S",
    "AGE-SECRET-KEY-12WPNHCU9H6FE8HL5JYDQD6P3NN45V5L9L4S48LMHRKHGWHCQWVJQWEQPTE",
    "AGE-SECRET-KEY-13P35RC95ZRK2G4LZPUNVNYQP7LXK42XA9J44K6AD48LQR950XT3QJ9U42K",
]


@functools.cache
def identity(name: str = "Jane Smith", principal: str = "j.smith@school.example", role: Role = Role.STAFF) -> Identity:
    """The test identity for ``principal`` (the same in every process for the same call order of principals)."""
    known = {
        "j.smith@school.example": 0,
        "dsl@school.example": 1,
        "head@school.example": 2,
        "out@elsewhere.example": 3,
        "other.staff@school.example": 4,
        "school-root": 6,
        "other-school-root": 7,
    }
    secret = _TEST_SECRETS[known.get(principal, 5)]
    return Identity._build(secret, name, principal, role, "2026-11-25T10:00:00.000Z")


def school_root(school: str = "Example Academy") -> Identity:
    """The test school's root identity (``school init``'s kind: role root, principal ``school-root``)."""
    return identity(f"{school} school root", "school-root", Role.ROOT)


def other_root() -> Identity:
    """Another school's root (signed profiles from it must be refused where Example Academy's root is pinned)."""
    return identity("Elsewhere College school root", "other-school-root", Role.ROOT)


def capture_context(
    *, window_title: str | None = "Chat", width: int = 64, height: int = 48, utc: str = "2026-11-25T10:51:49.123Z"
) -> CaptureContext:
    """A well-formed capture context of a ``width`` x ``height`` full-desktop capture at ``utc`` (invented facts)."""
    when = dt.datetime.fromisoformat(utc.replace("Z", "+00:00"))
    area = Rect(0, 0, width, height)
    return CaptureContext(
        utc=when,
        local=when.astimezone(dt.timezone(dt.timedelta(hours=1))),
        local_zone="CET",
        monotonic_ns=123_456_789,
        host="WS-TEST-01",
        os_user="jsmith",
        os="Linux-6.1.0-x86_64-with-glibc2.36",
        app_version="0.1.0",
        mode=CaptureMode.parse("full"),
        desktop=area,
        monitors=(MonitorInfo(0, 0, width, height, 100),),
        captured=area,
        window_title=window_title,
        window_process="firefox",
    )


def new_capture(
    content: bytes,
    *,
    window_title: str | None = "Chat",
    width: int = 64,
    height: int = 48,
    pixels_sha256: str | None = None,
) -> NewItem:
    """A captured PNG item for ``Vault.add_item`` (``content`` need not be a real PNG)."""
    return NewItem(
        kind=ItemKind.CAPTURED,
        media_type="image/png",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        context=capture_context(window_title=window_title, width=width, height=height),
        pixels_sha256=pixels_sha256,
        width=width,
        height=height,
    )
