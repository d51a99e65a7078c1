"""Test identities shared by the tests.

They are built from fixed age test keys (made for these tests, used nowhere else), so that a subprocess started
by a test gets the same identity as the test itself. Each principal gets its own key.
"""

from __future__ import annotations

import functools

from evidence.crypto.keys import Identity, Role

_TEST_SECRETS = [
    "AGE-SECRET-KEY-1KUSUJAHWGQ00NCMD70YGRMKDGYJQG4CXCL58W0ZJLGV9SNTSKMRQSVAU0L",
    "AGE-SECRET-KEY-1AL0V24500CNFPFFMM4QPCRS4WFAWMV6MNFC9N0JE4MR6VQHAE0JQC6VSPL",
    "AGE-SECRET-KEY-1S3U8VDZKNPATDGG8J757DHMVLLF62X7NRMSAYD76L4T7GQML5NQSWKKDAX",
    "AGE-SECRET-KEY-1AQX9559CCSJMG9HJD4W2HYRR3PCPZWH5S6MAMTDUZYYUDZ2F8V0Q8DD3RU",
    "AGE-SECRET-KEY-184SN9C5WEEW0Z67SAM57X5PJXKVHZFSY672AU2LGKUFN9FG77TTQCHSW90",
    "AGE-SECRET-KEY-1W897T3L9M9GMA8P7RRU579DYLHUQGUKD3U8LV8KJYSQ2XVQ7R23S7EPV8S",
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
    }
    secret = _TEST_SECRETS[known.get(principal, 5)]
    return Identity._build(secret, name, principal, role, "2026-11-25T10:00:00.000Z")
