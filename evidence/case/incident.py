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
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from evidence.core.errors import RecordError, UsageError


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
_E = TypeVar("_E", bound=enum.Enum)


def new_ref(today: dt.date | None = None) -> str:
    """A fresh incident reference such as ``EC-20261125-7F3A9C`` (safe as a file name)."""
    day = today or dt.datetime.now(dt.UTC).date()
    return f"EC-{day:%Y%m%d}-{secrets.token_hex(3).upper()}"


def check_ref(ref: str) -> str:
    """Refuse anything that is not an incident reference."""
    if not _REF_RE.match(ref):
        raise UsageError(f"{ref!r} is not an incident reference (like EC-20261125-7F3A9C)")
    return ref


_RECORD = "incident details"


def _fail(field: str, problem: str) -> RecordError:
    return RecordError(f"{_RECORD}: {field} {problem}", record=_RECORD, field=field)


def _member(enum_type: type[_E], value: object, field: str, *, optional: bool) -> _E | None:
    """The enum member whose value is ``value``; None for "" when the field may be unset."""
    if optional and value == "":
        return None
    if isinstance(value, str):
        for member in enum_type:
            if member.value == value:
                return member
    raise _fail(field, f"has the unknown value {str(value)[:40]!r}")


@dataclass(frozen=True)
class IncidentDetails:
    """Everything the staff member records. All of it is personal data and is stored encrypted.

    Attributes mirror the incident form. Closed sets are enums; ``target_role`` and ``perpetrator_type`` are None
    until the form sets them. ``occurred`` is ISO 8601 as entered (the incident's own time, not the capture
    time). The JSON form (:meth:`to_json_dict`) stores each enum as its value and an unset one as ``""``, exactly
    as the first release wrote them, so vaults and sealed bundles stay readable.

    ``device`` (which device a safeguarding note's image was seen on, in words) came later: its key is written only
    when it is set, so every record the first release could write is still written byte for byte.
    """

    title: str = ""
    report_type: ReportType = ReportType.CYBER_BULLYING
    occurred: str = ""
    platform: str = ""
    platform_other: str = ""
    categories: tuple[Category, ...] = ()
    protected_characteristic: str = ""
    target_name: str = ""
    target_role: TargetRole | None = None
    perpetrator_type: PerpetratorType | None = None
    perpetrator_name: str = ""
    perpetrator_handle: str = ""
    perpetrator_url: str = ""
    urls: tuple[str, ...] = ()
    description: str = ""
    not_responded: bool = False
    reported_to: str = ""
    support_sought: str = ""
    witnesses: str = ""
    safeguarding_note: str = ""
    device: str = ""

    def __post_init__(self) -> None:
        # A string where an enum belongs would compare unequal to every member and silently drop out of
        # category_set(): refuse it at construction, where the caller's mistake is.
        checks: tuple[tuple[str, object, type | tuple[type, ...]], ...] = (
            ("report_type", self.report_type, ReportType),
            ("target_role", self.target_role, (TargetRole, type(None))),
            ("perpetrator_type", self.perpetrator_type, (PerpetratorType, type(None))),
            ("not_responded", self.not_responded, bool),
        )
        for name, value, kind in checks:
            if not isinstance(value, kind):
                raise TypeError(f"IncidentDetails.{name} must be {kind}, not {type(value).__name__}")
        if not isinstance(self.categories, tuple) or not all(isinstance(c, Category) for c in self.categories):
            raise TypeError("IncidentDetails.categories must be a tuple of Category")
        if not isinstance(self.urls, tuple) or not all(isinstance(u, str) for u in self.urls):
            raise TypeError("IncidentDetails.urls must be a tuple of str")
        for f in fields(self):
            if f.name in _TEXT_FIELDS and not isinstance(getattr(self, f.name), str):
                raise TypeError(f"IncidentDetails.{f.name} must be str")

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON form stored in the vault and in ``data/incident.json`` (enum values; unset as ``""``).

        Its keys are in the form's order (the fields' order, as the first release's ``asdict`` gave them), for
        readers that walk the form field by field, such as a subject access copy.
        """
        typed: dict[str, Any] = {
            "report_type": self.report_type.value,
            "categories": [c.value for c in self.categories],
            "target_role": self.target_role.value if self.target_role else "",
            "perpetrator_type": self.perpetrator_type.value if self.perpetrator_type else "",
            "urls": list(self.urls),
        }
        out = {f.name: typed[f.name] if f.name in typed else getattr(self, f.name) for f in fields(self)}
        for name in _LATER_FIELDS:
            if not out[name]:
                del out[name]
        return out

    @classmethod
    def parse(cls, value: object) -> IncidentDetails:
        """Parse the JSON form. Unknown keys are ignored (a newer version may add fields); a missing key takes
        its default; every known key must have its type, and every enum value must be known.

        Raises:
            RecordError: naming the field (``categories`` for an unknown category: never silently dropped).
        """
        if not isinstance(value, dict):
            raise RecordError(f"{_RECORD} are not a JSON object", record=_RECORD, field="")
        known: dict[str, Any] = {}
        for name in _TEXT_FIELDS:
            if name in value:
                if not isinstance(value[name], str):
                    raise _fail(name, "is not text")
                known[name] = value[name]
        if "not_responded" in value:
            if not isinstance(value["not_responded"], bool):
                raise _fail("not_responded", "is not true or false")
            known["not_responded"] = value["not_responded"]
        if "report_type" in value:
            known["report_type"] = _member(ReportType, value["report_type"], "report_type", optional=False)
        if "target_role" in value:
            known["target_role"] = _member(TargetRole, value["target_role"], "target_role", optional=True)
        if "perpetrator_type" in value:
            known["perpetrator_type"] = _member(
                PerpetratorType, value["perpetrator_type"], "perpetrator_type", optional=True
            )
        for name, enum_type in (("categories", Category), ("urls", None)):
            if name not in value:
                continue
            items = value[name]
            if not isinstance(items, list):
                raise _fail(name, "is not a list")
            if enum_type is None:
                if not all(isinstance(u, str) for u in items):
                    raise _fail(name, "is not a list of text")
                known[name] = tuple(items)
            else:
                known[name] = tuple(_member(Category, c, name, optional=False) for c in items)
        return cls(**known)

    def category_set(self) -> frozenset[Category]:
        """The categories as a set."""
        return frozenset(self.categories)

    @property
    def safeguarding_block(self) -> bool:
        """True when the incident concerns a nude or semi-nude image of a child: nothing may be captured."""
        return Category.NUDE_IMAGE_OF_CHILD in self.categories

    @property
    def consider_police(self) -> bool:
        """True when a ticked category means "consider contacting the police" (§9.8)."""
        return bool(self.category_set() & POLICE_CATEGORIES)


_TEXT_FIELDS = (
    "title",
    "occurred",
    "platform",
    "platform_other",
    "protected_characteristic",
    "target_name",
    "perpetrator_name",
    "perpetrator_handle",
    "perpetrator_url",
    "description",
    "reported_to",
    "support_sought",
    "witnesses",
    "safeguarding_note",
    "device",
)

_LATER_FIELDS = ("device",)
"""Fields added after the first release: left out of the JSON form while empty."""
