"""What the school's Social Media Policy says about an incident: who it goes to, what to check, what to say.

Every rule the incident form shows lives here as a pure function of :class:`~evidence.case.incident.IncidentDetails`,
so the form, the sealing step and the exported report all say the same thing. Section numbers (§) refer to The
Learning Trust's Social Media Policy (reviewed February 2024); the safeguarding texts follow UKCIS, "Sharing nudes
and semi-nudes: advice for education settings". Display labels and longer texts live in ``resources/``.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from urllib.parse import urlsplit

import resources
from evidence.case.incident import (
    POLICE_CATEGORIES,
    Category,
    IncidentDetails,
    PerpetratorType,
    ReportType,
    TargetRole,
)

LabelledEnum = ReportType | Category | TargetRole | PerpetratorType
"""The closed sets that have a display label."""

OTHER_PLATFORM = "Other"
"""The platform choice that asks for the platform's name in ``platform_other``."""

POLICE_SECTION = "§9.8"


@dataclass(frozen=True)
class Route:
    """Where a report goes under the policy.

    Attributes:
        to: who the report goes to, in plain words.
        sections: the policy sections that say so, e.g. ``"§6.5, §7.3, §7.4"``.
        evidence: what evidence the policy asks for.
    """

    to: str
    sections: str
    evidence: str

    def describe(self) -> str:
        """One plain paragraph for the form: where it goes, why, and what evidence to keep."""
        return f"Goes to: {self.to} (policy {self.sections}). Evidence to keep: {self.evidence}"


@dataclass(frozen=True)
class Problem:
    """Something to put right before the incident can be sealed.

    Attributes:
        field: the :class:`IncidentDetails` field it is about, or ``"items"`` for the captured items.
        message: what to do, in plain English.
    """

    field: str
    message: str


@dataclass(frozen=True)
class Link:
    """A web page to point staff to.

    Attributes:
        title: what the page is, in plain words.
        url: its address.
    """

    title: str
    url: str


_ROUTES: dict[ReportType, Route] = {
    ReportType.CYBER_BULLYING: Route(
        to=(
            "your line manager or a senior staff member, then the Headteacher or DSL,"
            " along the Anti-Bullying Policy chain"
        ),
        sections="§9.2, §9.3",
        evidence="screen prints of the messages or web pages, and the date and time of the incident (§9.4).",
    ),
    ReportType.CONTACT_ATTEMPT: Route(
        to="the Headteacher",
        sections="§6.5, §7.3, §7.4",
        evidence="screen prints of the friend request or the messages.",
    ),
    ReportType.INAPPROPRIATE_CONTENT: Route(
        to="IT Support or the Director of IT (so the site can be blocked), and the Headteacher",
        sections="§6.14, §7.8, §8.3",
        evidence="the web address (URL) and a screen print.",
    ),
    ReportType.DAMAGING_CONTENT: Route(
        to="the Headteacher",
        sections="§6.7, §7.6",
        evidence="screen prints and the web addresses (URLs).",
    ),
}

_PERPETRATOR_ROUTES: dict[PerpetratorType, str] = {
    PerpetratorType.CURRENT_PUPIL: (
        "A current pupil: most cases are dealt with through the school's own disciplinary procedures (policy §9.5)."
    ),
    PerpetratorType.COLLEAGUE: (
        "A colleague: most cases are dealt with through the school's own disciplinary procedures (policy §9.5)."
    ),
    PerpetratorType.ADULT: (
        "An adult or parent: a senior staff member meets the person targeted to address their concerns, and the"
        " adult is asked to remove the content (policy §9.6). If they refuse, the school may report it to the"
        " platform or internet service provider (policy §9.7)."
    ),
    PerpetratorType.UNKNOWN: (
        "Unknown: record their handle and profile web address, and the school reports the content to the platform"
        " through its reporting tools (policy §9.7)."
    ),
}

_HATE_CRIME_EXAMPLES = "for example race, religion, disability, sexual orientation or transgender identity"

SAFEGUARDING_TEXT = " ".join(resources.lines("safeguarding.txt"))
"""Two sentences shown when the incident is a nude or semi-nude image of a child (UKCIS advice)."""

SAFEGUARDING_LINKS: tuple[Link, ...] = (
    Link(
        title="Report Remove (Childline and the IWF): help a young person get a nude image taken down",
        url="https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/remove-nude-image-shared-online/",
    ),
    Link(
        title="CEOP Safety Centre: report online sexual abuse or grooming to the police",
        url="https://www.ceop.police.uk/Safety-Centre/",
    ),
)
"""Where to point staff and the young person when the incident is a nude or semi-nude image of a child."""


def route_for(report_type: ReportType) -> Route:
    """Who a report of this type goes to, the policy sections that say so, and the evidence they ask for."""
    return _ROUTES[report_type]


def perpetrator_route(perpetrator: PerpetratorType) -> str:
    """What the policy says happens next, given who is said to have done it (§9.5–9.7)."""
    return _PERPETRATOR_ROUTES[perpetrator]


@functools.cache
def _labels() -> dict[str, str]:
    out: dict[str, str] = {}
    for line in resources.lines("labels.txt"):
        key, sep, text = line.partition("=")
        if not sep or not key.strip() or not text.strip():
            raise ValueError(f"resources/labels.txt: malformed line {line!r}")
        out[key.strip()] = text.strip()
    return out


_LABEL_PREFIX: dict[type[LabelledEnum], str] = {
    ReportType: "report-type",
    Category: "category",
    TargetRole: "target-role",
    PerpetratorType: "perpetrator-type",
}


def label(value: LabelledEnum) -> str:
    """The display label of a report type, category, target role or perpetrator type.

    Raises:
        KeyError: ``resources/labels.txt`` has no label for it (a programming error, so it is loud).
    """
    key = f"{_LABEL_PREFIX[type(value)]}.{value.value}"
    try:
        return _labels()[key]
    except KeyError:
        raise KeyError(f"resources/labels.txt has no label {key!r}") from None


def platforms() -> list[str]:
    """The platforms to choose from: those named in policy §3.1, then ``"Other"``."""
    return resources.lines("platforms.txt")


def shown_fields(details: IncidentDetails) -> frozenset[str]:
    """The conditional fields that apply to these details, by :class:`IncidentDetails` field name.

    ``platform_other`` when the platform is Other, ``protected_characteristic`` when hate crime is ticked, and
    ``safeguarding_note`` when the incident is safeguarding-blocked. Every other field always applies.
    """
    shown = set()
    if details.platform == OTHER_PLATFORM:
        shown.add("platform_other")
    if Category.HATE_CRIME in details.category_set():
        shown.add("protected_characteristic")
    if details.safeguarding_block:
        shown.add("safeguarding_note")
    return frozenset(shown)


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def police_advice(details: IncidentDetails) -> str | None:
    """The plain banner text when a ticked category means "consider contacting the police" (§9.8), else None.

    The text names the categories that triggered it; for a hate crime it names the protected characteristic, or
    asks for it when it has not been given.
    """
    if not details.consider_police:
        return None
    ticked = details.category_set() & POLICE_CATEGORIES
    characteristic = details.protected_characteristic.strip()
    reasons = []
    for category in (c for c in Category if c in ticked):  # enum order, so the text is stable
        reason = label(category).lower()
        if category is Category.HATE_CRIME and characteristic:
            reason = f"{reason} ({characteristic})"
        reasons.append(reason)
    text = (
        f"Consider contacting the police (policy {POLICE_SECTION}): you marked the content as {_join(reasons)}."
        " Talk to the Headteacher or DSL about reporting it. If anyone is in immediate danger, call 999."
    )
    if Category.HATE_CRIME in ticked and not characteristic:
        text += f" Say which protected characteristic the hate crime targets ({_HATE_CRIME_EXAMPLES})."
    return text


def _check_occurred(occurred: str, now: dt.datetime) -> str | None:
    text = occurred.strip()
    if not text:
        return "Say when it happened (the date and time of the incident, not of the capture)."
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return "Add the time as well as the date it happened (your best estimate if you are not sure)."
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return f"Write when it happened as a date and time, like 2026-11-25T16:30 (not {text!r})."
    if when.tzinfo is None:
        when = when.astimezone()  # a time without an offset is local time
    if when > now:
        return "When it happened cannot be in the future. Check the date and time."
    return None


def _is_web_address(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in url)


TITLE_LENGTH = 60
"""The longest title :func:`suggested_title` makes (the list and the reviewer's heading show it on one line)."""


def suggested_title(details: IncidentDetails) -> str:
    """A title for an incident the user did not name: the first line of what happened, cut at a word.

    Returns ``""`` when there is nothing to make one from.
    """
    if details.safeguarding_block:
        return "Safeguarding: report to the DSL (no image)"
    first = next((line.strip() for line in details.description.splitlines() if line.strip()), "")
    if len(first) <= TITLE_LENGTH:
        return first
    cut = first[: TITLE_LENGTH - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-")
    return f"{cut}…"


def validate(details: IncidentDetails, *, item_count: int, now: dt.datetime | None = None) -> list[Problem]:
    """The checks before an incident is sealed, in the order of the form's fields.

    Only what the quick report asks is required (what happened, when, the platform, who was targeted, who did it,
    who it was reported to, and at least one item); everything else can be added later by the staff member or a
    reviewer, and is checked only when it is given. An incident about a nude or semi-nude image of a child is
    sealed on a short form of its own (:func:`validate_dsl_note`).

    Args:
        details: what the staff member recorded.
        item_count: how many items (screenshots, pages) the incident carries (removed or excluded ones do not count).
        now: the current time (aware); defaults to the clock. Tests pass a fixed time.

    Returns:
        The problems to put right; an empty list means the incident may be sealed.
    """
    now = now or dt.datetime.now(dt.UTC)
    if details.safeguarding_block:
        return validate_dsl_note(details, item_count=item_count, now=now)
    problems: list[Problem] = []

    def need(condition: bool, field: str, message: str) -> None:
        if not condition:
            problems.append(Problem(field, message))

    report_type = details.report_type
    need(bool(details.description.strip()), "description", "Say what happened, in a sentence or two.")
    occurred_problem = _check_occurred(details.occurred, now)
    if occurred_problem:
        problems.append(Problem("occurred", occurred_problem))

    shown = shown_fields(details)
    platform = details.platform.strip()
    if not platform:
        problems.append(Problem("platform", "Say which platform it happened on."))
    elif platform not in platforms():
        problems.append(Problem("platform", "Choose the platform from the list, or choose Other and name it."))
    if "platform_other" in shown:
        need(bool(details.platform_other.strip()), "platform_other", "Name the platform (you chose Other).")

    if report_type is ReportType.CYBER_BULLYING:
        need(bool(details.target_name.strip()), "target_name", "Say who was targeted (their name).")
        need(
            details.target_role is not None,
            "target_role",
            "Say whether the person targeted is a pupil, a member of staff, a parent or someone else.",
        )
    need(
        details.perpetrator_type is not None,
        "perpetrator_type",
        "Say who is said to have done it: a current pupil, a colleague, an adult or parent, or unknown.",
    )
    goes_to = f" This kind of report goes to {route_for(report_type).to}."
    need(bool(details.reported_to.strip()), "reported_to", f"Say who you reported it to, by name.{goes_to}")

    # what can be added later is checked only when it is given
    if "protected_characteristic" in shown:
        need(
            bool(details.protected_characteristic.strip()),
            "protected_characteristic",
            f"Say which protected characteristic the hate crime targets ({_HATE_CRIME_EXAMPLES}).",
        )
    url = details.perpetrator_url.strip()
    need(
        not url or _is_web_address(url),
        "perpetrator_url",
        "Give their profile's web address starting with http:// or https://, or leave it empty.",
    )
    for number, line in enumerate(details.urls, start=1):
        if not _is_web_address(line.strip()):
            problems.append(
                Problem("urls", f"Each web address must start with http:// or https:// (line {number}: {line!r}).")
            )
            break
    need(item_count > 0, "items", "Capture at least one item (a screenshot or web page) before sealing.")
    return problems


def validate_dsl_note(details: IncidentDetails, *, item_count: int, now: dt.datetime | None = None) -> list[Problem]:
    """The checks before a text-only safeguarding note for the DSL is sealed: what, who, when and which device.

    Such an incident is about a nude or semi-nude image of a child, so it carries no item at all.
    """
    now = now or dt.datetime.now(dt.UTC)
    problems: list[Problem] = []

    def need(condition: bool, field: str, message: str) -> None:
        if not condition:
            problems.append(Problem(field, message))

    need(
        bool(details.safeguarding_note.strip()),
        "safeguarding_note",
        "Write a note for the DSL in words only: what you saw, where and when, and who is involved.",
    )
    need(
        bool(details.target_name.strip()),
        "target_name",
        "Say who is involved, as far as you know (a name, or “not known”).",
    )
    occurred_problem = _check_occurred(details.occurred, now)
    if occurred_problem:
        problems.append(Problem("occurred", occurred_problem))
    need(
        bool(details.device.strip()),
        "device",
        "Say which device it was on, such as a pupil's phone or a school laptop.",
    )
    need(bool(details.reported_to.strip()), "reported_to", "Say which DSL you told, by name.")
    need(
        item_count == 0,
        "items",
        "This incident is about a nude or semi-nude image of a child, so it must hold no captured items."
        " Remove them from this computer (the red button does it) before sealing.",
    )
    return problems
