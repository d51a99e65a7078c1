"""The incident record: what happened, to whom, by whom, and what the school's policy says to do next.

The closed sets (report types, categories, people) come from the school's Social Media Policy and UK guidance
(see DOMAIN.md in the project's brief); their display texts and the platform list live in ``resources/``.
Routing and the "consider the police" rule are pure functions here, so the app and the report say the same.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import secrets
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from evidence.core.errors import UsageError


class ReportType(enum.Enum):
    """The policy's duties to report, each with its own route."""

    CYBER_BULLYING = "cyber-bullying"
    CONTACT_ATTEMPT = "contact-attempt"
    INAPPROPRIATE_CONTENT = "inappropriate-content"
    DAMAGING_CONTENT = "damaging-content"


class Category(enum.Enum):
    """What the content is. Some categories mean "consider contacting the police" (§9.8)."""

    THREATENING = "threatening"
    ABUSIVE = "abusive"
    SEXIST = "sexist"
    SEXUAL = "sexual"
    HATE_CRIME = "hate-crime"
    HARASSMENT = "harassment"
    GROSSLY_OFFENSIVE = "grossly-offensive"
    FALSE_MESSAGE = "false-message"
    COURT_ORDER_BREACH = "court-order-breach"
    SELF_HARM = "self-harm"
    OTHER = "other"
    NUDE_IMAGE_OF_CHILD = "nude-image-of-child"


POLICE_CATEGORIES = frozenset(
    {
        Category.THREATENING,
        Category.ABUSIVE,
        Category.SEXIST,
        Category.SEXUAL,
        Category.HATE_CRIME,
        Category.HARASSMENT,
        Category.COURT_ORDER_BREACH,
        Category.GROSSLY_OFFENSIVE,
        Category.FALSE_MESSAGE,
    }
)
"""Categories for which the app says plainly: consider contacting the police (§9.8)."""

SENSITIVE_CATEGORIES = frozenset({Category.SEXUAL, Category.HATE_CRIME, Category.THREATENING, Category.SELF_HARM})
"""Categories whose items a reviewer sees blurred until they choose to reveal them."""


class TargetRole(enum.Enum):
    """Who was targeted."""

    PUPIL = "pupil"
    STAFF = "staff"
    PARENT = "parent"
    OTHER = "other"


class PerpetratorType(enum.Enum):
    """Who is said to have done it; this sets the route (§9.5, §9.6)."""

    CURRENT_PUPIL = "current-pupil"
    COLLEAGUE = "colleague"
    ADULT = "adult"
    UNKNOWN = "unknown"


class Status(enum.Enum):
    """Where the incident is in its life."""

    DRAFT = "draft"
    BLOCKED = "blocked"
    SEALED = "sealed"
    SHREDDED = "shredded"


_REF_RE = re.compile(r"^EC-[0-9]{8}-[0-9A-F]{6}$")


def new_ref(today: dt.date | None = None) -> str:
    """A fresh incident reference such as ``EC-20261125-7F3A9C`` (safe as a file name)."""
    day = today or dt.datetime.now(dt.UTC).date()
    return f"EC-{day:%Y%m%d}-{secrets.token_hex(3).upper()}"


def check_ref(ref: str) -> str:
    """Refuse anything that is not an incident reference."""
    if not _REF_RE.match(ref):
        raise UsageError(f"{ref!r} is not an incident reference (like EC-20261125-7F3A9C)")
    return ref


@dataclass
class IncidentDetails:
    """Everything the staff member records. All of it is personal data and is stored encrypted.

    Attributes mirror the incident form; times are ISO 8601 strings as entered (the incident's own time, which
    is not the capture time).
    """

    title: str = ""
    report_type: str = ReportType.CYBER_BULLYING.value
    occurred: str = ""
    platform: str = ""
    platform_other: str = ""
    categories: list[str] = field(default_factory=list)
    protected_characteristic: str = ""
    target_name: str = ""
    target_role: str = ""
    perpetrator_type: str = ""
    perpetrator_name: str = ""
    perpetrator_handle: str = ""
    perpetrator_url: str = ""
    urls: list[str] = field(default_factory=list)
    description: str = ""
    not_responded: bool = False
    reported_to: str = ""
    support_sought: str = ""
    witnesses: str = ""
    safeguarding_note: str = ""

    def to_json_dict(self) -> dict[str, Any]:
        """A plain dict for canonical JSON."""
        return asdict(self)

    @classmethod
    def from_json_dict(cls, value: dict[str, Any]) -> IncidentDetails:
        """Build from a dict, ignoring unknown keys (newer versions may add fields)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in value.items() if k in known})

    def category_set(self) -> set[Category]:
        """The categories as enum members (unknown strings are ignored)."""
        out = set()
        for c in self.categories:
            try:
                out.add(Category(c))
            except ValueError:
                continue
        return out

    @property
    def safeguarding_block(self) -> bool:
        """True when the incident concerns a nude or semi-nude image of a child: nothing may be captured."""
        return Category.NUDE_IMAGE_OF_CHILD in self.category_set()

    @property
    def consider_police(self) -> bool:
        """True when a ticked category means "consider contacting the police" (§9.8)."""
        return bool(self.category_set() & POLICE_CATEGORIES)
