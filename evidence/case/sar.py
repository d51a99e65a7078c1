"""Subject access: which parts of an incident are the requester's own data, and a text with everyone else taken out.

A subject access request must be answered within a month without revealing other people's personal data (DPA
2018 Sch. 2 Part 3 para 16). In a bullying case almost every sentence names someone else: the pupil said to have
done it, witnesses, the staff who acted. This module defends against leaking them, from plain inputs (the
incident's fields as a mapping, the people named in it, and the data subject's name), so the same rules serve
the CLI, the dialog and the tests:

- **Fields** are classified by what they hold (:data:`FIELD_RULES`). A field about one party (``target_name``,
  ``perpetrator_handle`` …) is disclosed only when that party is the subject; identifying fields about anyone
  else, witnesses' names, and links (which often name a profile) are withheld; the safeguarding note is withheld
  until the DSL has applied the serious harm test; a field this version does not know is withheld, never guessed.
- **Free text** (title, description, who it was reported to …) is disclosed with every other person's name,
  name parts, handles and addresses replaced by a placeholder such as ``[another pupil]``. Matching ignores case
  and accents and treats curly and straight apostrophes alike, so "TOM", "tom's" and "Zoe" for "Zoë" are all
  caught; name parts are matched alone too ("Tom" for "Tom Jones"), except parts the subject's own name shares
  (a sibling's surname is the subject's too). Over-matching a common word that is also a name is accepted: it
  withholds too much, never too little.
- **Check.** The finished text is searched again for every other person's full name and identifiers; if any
  survived, :class:`SarError` (check ``survived``) is raised instead of a text.

Every choice is listed in plain English ("what was withheld and why") with no name in it.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evidence.core.errors import EvidenceError
from evidence.core.text import clean_line, clean_text

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u2010": "-", "\u2011": "-"})
MAX_PEOPLE = 100
MAX_IDENTIFIERS = 20


class SarError(EvidenceError):
    """A subject access copy cannot be made as asked. ``check`` names the rule."""

    def __init__(self, message: str, *, check: str) -> None:
        super().__init__(message)
        self.check = check


class Relation(enum.Enum):
    """A person's part in the incident."""

    TARGET = "target"
    PERPETRATOR = "perpetrator"
    WITNESS = "witness"
    REPORTER = "reporter"
    """The member of staff who recorded or received the report."""
    OTHER = "other"


class PersonKind(enum.Enum):
    """Who a person is; sets the placeholder that replaces their name."""

    PUPIL = "pupil"
    STAFF = "staff"
    PARENT = "parent"
    OTHER = "other"


PLACEHOLDERS = {
    PersonKind.PUPIL: "another pupil",
    PersonKind.STAFF: "a member of staff",
    PersonKind.PARENT: "a parent",
    PersonKind.OTHER: "another person",
}


@dataclass(frozen=True)
class Person:
    """Someone named in the incident.

    Attributes:
        name: their name as recorded.
        relation: their part in it.
        kind: pupil, staff, parent or other.
        identifiers: other strings that identify them: handles (with or without ``@``), profile addresses,
            e-mail addresses, nicknames.
    """

    name: str
    relation: Relation
    kind: PersonKind
    identifiers: tuple[str, ...] = ()


class Disclosure(enum.Enum):
    """What the copy does with a field."""

    DISCLOSED = "disclosed"
    PARTLY = "disclosed with other people's details removed"
    WITHHELD = "withheld"


class Withhold(enum.Enum):
    """Why something was withheld: a fixed code with a fixed explanation."""

    THIRD_PARTY = "third-party"
    LINKS = "links"
    SAFEGUARDING = "safeguarding-review"
    UNCLASSIFIED = "unclassified"


WHY = {
    Withhold.THIRD_PARTY: (
        "it is another person's personal data, which a subject access copy leaves out unless they agree or it is "
        "reasonable to share it (Data Protection Act 2018, Schedule 2, Part 3, paragraph 16)"
    ),
    Withhold.LINKS: "web addresses of the content or of profiles can identify other people",
    Withhold.SAFEGUARDING: (
        "safeguarding notes are withheld until the designated safeguarding lead has decided whether disclosing "
        "them would be likely to cause serious harm"
    ),
    Withhold.UNCLASSIFIED: (
        "this version of the app does not know what the field holds, so it stays withheld until reviewed"
    ),
}


class FieldClass(enum.Enum):
    """What a field holds, for the purpose of a subject access copy."""

    PLAIN = "plain"
    """Facts about the incident (type, platform, time): disclosed, other people's names removed."""
    FREE_TEXT = "free text"
    """Words that may name anyone: disclosed with other people's details removed."""
    OWNED = "owned"
    """Identifies one party: disclosed only when that party is the subject."""
    WITHHELD = "withheld"
    """Always withheld (with its reason)."""


@dataclass(frozen=True)
class FieldRule:
    """How one incident field is treated.

    Attributes:
        label: the field in words (never personal data).
        cls: what it holds.
        owner: for an owned field, whose it is.
        reason: for a withheld field (or an owned field of someone else), why.
    """

    label: str
    cls: FieldClass
    owner: Relation | None = None
    reason: Withhold = Withhold.THIRD_PARTY


FIELD_RULES: dict[str, FieldRule] = {
    "title": FieldRule("Title", FieldClass.FREE_TEXT),
    "report_type": FieldRule("Type of report", FieldClass.PLAIN),
    "occurred": FieldRule("When it happened", FieldClass.PLAIN),
    "platform": FieldRule("Platform", FieldClass.PLAIN),
    "platform_other": FieldRule("Platform (other)", FieldClass.FREE_TEXT),
    "categories": FieldRule("What kind of content", FieldClass.PLAIN),
    "protected_characteristic": FieldRule("Protected characteristic", FieldClass.OWNED, Relation.TARGET),
    "target_name": FieldRule("Name of the person targeted", FieldClass.OWNED, Relation.TARGET),
    "target_role": FieldRule("Who was targeted", FieldClass.PLAIN),
    "perpetrator_type": FieldRule("Who is said to have done it (type)", FieldClass.PLAIN),
    "perpetrator_name": FieldRule("Name of the person said to have done it", FieldClass.OWNED, Relation.PERPETRATOR),
    "perpetrator_handle": FieldRule(
        "Handle of the person said to have done it", FieldClass.OWNED, Relation.PERPETRATOR
    ),
    "perpetrator_url": FieldRule(
        "Profile address of the person said to have done it", FieldClass.OWNED, Relation.PERPETRATOR
    ),
    "urls": FieldRule("Web addresses of the content", FieldClass.WITHHELD, reason=Withhold.LINKS),
    "description": FieldRule("What happened", FieldClass.FREE_TEXT),
    "not_responded": FieldRule("Did not respond or retaliate", FieldClass.PLAIN),
    "reported_to": FieldRule("Reported to", FieldClass.FREE_TEXT),
    "support_sought": FieldRule("Support sought", FieldClass.FREE_TEXT),
    "witnesses": FieldRule("Witnesses", FieldClass.WITHHELD, reason=Withhold.THIRD_PARTY),
    "safeguarding_note": FieldRule("Safeguarding note", FieldClass.WITHHELD, reason=Withhold.SAFEGUARDING),
    "device": FieldRule("Device the image was seen on", FieldClass.WITHHELD, reason=Withhold.SAFEGUARDING),
}
"""The fields of :class:`~evidence.case.incident.IncidentDetails`; any other field is withheld as unclassified."""


@dataclass(frozen=True)
class FieldDecision:
    """What the copy does with one field.

    Attributes:
        field: the field's key.
        label: the field in words.
        disclosure: disclosed, partly, or withheld.
        text: what is disclosed ("" when withheld).
        reason: why it was withheld (or partly), else None.
    """

    field: str
    label: str
    disclosure: Disclosure
    text: str
    reason: Withhold | None


@dataclass(frozen=True)
class WithheldItem:
    """One line of "what was withheld and why", with no personal data.

    Attributes:
        what: what was withheld, in words.
        why: why, in words.
        reason: the code.
    """

    what: str
    why: str
    reason: Withhold


@dataclass(frozen=True)
class SarCopy:
    """The subject access copy of one incident.

    Attributes:
        subject: the data subject's name (as given).
        decisions: one per field, in input order.
        withheld: what was withheld and why.
        text: the plain-English text of the incident, other people removed.
    """

    subject: str
    decisions: tuple[FieldDecision, ...]
    withheld: tuple[WithheldItem, ...]
    text: str


def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch.translate(_APOSTROPHES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold(text: str) -> str:
    """``text`` as names are compared: no case, no accents, one kind of apostrophe and hyphen."""
    return "".join(_fold_char(ch) for ch in text)


def _folded_with_origin(text: str) -> tuple[str, list[int]]:
    out: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        piece = _fold_char(ch)
        out.append(piece)
        origin.extend([index] * len(piece))
    return "".join(out), origin


def _term_pattern(term: str) -> str | None:
    words = fold(term).split()
    if not words or len("".join(words)) < 2:
        return None
    return r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)"


@dataclass(frozen=True)
class _Target:
    placeholder: str
    must_vanish: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]


class Scrubber:
    """Replaces other people's names and identifiers in text (see the module docstring)."""

    def __init__(self, people: Sequence[Person], subject: Person) -> None:
        """Prepare the patterns of everyone in ``people`` except ``subject``."""
        subject_parts = {p for p in re.split(r"[\s\-]+", fold(subject.name)) if p}
        others = [p for p in people if p is not subject]
        counts: dict[PersonKind, int] = {}
        for p in others:
            counts[p.kind] = counts.get(p.kind, 0) + 1
        seen: dict[PersonKind, int] = {}
        targets = []
        for person in others:
            label = PLACEHOLDERS[person.kind]
            if counts[person.kind] > 1:
                label += f" {chr(ord('A') + seen.get(person.kind, 0))}"
                seen[person.kind] = seen.get(person.kind, 0) + 1
            whole = [person.name, *person.identifiers]
            whole += [i[1:] for i in person.identifiers if i.startswith("@") and len(i) > 2]
            parts = [p for p in re.split(r"[\s\-]+", fold(person.name)) if len(p) >= 2 and p not in subject_parts]
            patterns = []
            for term in sorted({*whole, *parts}, key=lambda t: -len(t)):
                pattern = _term_pattern(term)
                if pattern is not None:
                    patterns.append(re.compile(pattern))
            vanish = tuple(t for t in whole if _term_pattern(t) is not None)
            targets.append(_Target(f"[{label}]", vanish, tuple(patterns)))
        self._targets = tuple(targets)

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Every placeholder this scrubber can write."""
        return tuple(t.placeholder for t in self._targets)

    def scrub(self, text: str) -> tuple[str, int]:
        """``text`` with other people replaced by their placeholders, and how many replacements were made."""
        folded, origin = _folded_with_origin(text)
        spans: list[tuple[int, int, str]] = []
        for target in self._targets:
            for pattern in target.patterns:
                for m in pattern.finditer(folded):
                    if m.end() > m.start():
                        spans.append((origin[m.start()], origin[m.end() - 1] + 1, target.placeholder))
        spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        chosen: list[tuple[int, int, str]] = []
        for span in spans:
            if not chosen or span[0] >= chosen[-1][1]:
                chosen.append(span)
        out = text
        for start, end, placeholder in reversed(chosen):
            out = out[:start] + placeholder + out[end:]
        return out, len(chosen)

    def survivors(self, text: str) -> int:
        """How many of other people's full names and identifiers still occur in ``text`` (should be 0)."""
        folded = fold(text)
        count = 0
        for target in self._targets:
            for term in target.must_vanish:
                pattern = _term_pattern(term)
                if pattern is not None:
                    count += len(re.findall(pattern, folded))
        return count


def _render(value: object, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return "; ".join(clean_line(v) for v in value if v.strip())
    raise SarError(f"field {field!r} is not text, a list of text or yes/no", check="field")


def find_subject(people: Sequence[Person], subject: str) -> Person:
    """The person whose name is ``subject`` (compared as :func:`fold` does).

    Raises:
        SarError: check ``subject`` (nobody of that name is named in the incident, or more than one is).
    """
    wanted = " ".join(fold(subject).split())
    matches = [p for p in people if " ".join(fold(p.name).split()) == wanted]
    if not wanted or not matches:
        raise SarError("the data subject is not one of the people named in the incident", check="subject")
    if len(matches) > 1:
        raise SarError("more than one person in the incident has the data subject's name", check="subject")
    return matches[0]


def subject_access_copy(
    fields: Mapping[str, object],
    people: Sequence[Person],
    subject: str,
    *,
    reference: str = "",
    labels: Mapping[str, str] | None = None,
) -> SarCopy:
    """Decide what of an incident a data subject gets, and write it in plain English.

    Args:
        fields: the incident's fields (field key → text, list of text, yes/no or None), e.g.
            ``IncidentDetails.to_json_dict()``.
        people: everyone named in the incident, the subject included.
        subject: the data subject's name; must match one person.
        reference: the incident reference, for the heading.
        labels: display labels for value strings (e.g. ``cyber-bullying`` → ``Cyber bullying incident``).

    Raises:
        SarError: check ``subject``, ``people`` (too many, or a name is empty), ``field`` (a value of the wrong
            type) or ``survived`` (another person's name was still found in the finished text).
    """
    if len(people) > MAX_PEOPLE or any(not p.name.strip() or len(p.identifiers) > MAX_IDENTIFIERS for p in people):
        raise SarError("the people named must be at most 100, each with a name", check="people")
    me = find_subject(people, subject)
    scrubber = Scrubber(people, me)
    labels = labels or {}
    decisions: list[FieldDecision] = []
    withheld: list[WithheldItem] = []
    mentions = 0
    for key, value in fields.items():
        rule = FIELD_RULES.get(key, FieldRule(clean_line(key.replace("_", " ")), FieldClass.WITHHELD))
        if key not in FIELD_RULES:
            rule = FieldRule(rule.label, FieldClass.WITHHELD, reason=Withhold.UNCLASSIFIED)
        raw = _render(value, key)
        if rule.cls is FieldClass.PLAIN and isinstance(value, str) and value in labels:
            raw = clean_line(labels[value])
        elif rule.cls is FieldClass.PLAIN and isinstance(value, list | tuple):
            raw = "; ".join(clean_line(labels.get(v, v)) for v in value if isinstance(v, str) and v.strip())
        if not raw:
            continue
        withhold = rule.cls is FieldClass.WITHHELD or (rule.cls is FieldClass.OWNED and rule.owner is not me.relation)
        if withhold:
            decisions.append(FieldDecision(key, rule.label, Disclosure.WITHHELD, "", rule.reason))
            withheld.append(WithheldItem(rule.label, WHY[rule.reason], rule.reason))
            continue
        text, replaced = scrubber.scrub(raw)
        mentions += replaced
        disclosure = Disclosure.PARTLY if replaced else Disclosure.DISCLOSED
        decisions.append(FieldDecision(key, rule.label, disclosure, text, Withhold.THIRD_PARTY if replaced else None))
    if mentions:
        withheld.append(
            WithheldItem(
                f"Other people's names, handles or addresses in the text ({mentions} mention(s)), shown as "
                + ", ".join(scrubber.placeholders),
                WHY[Withhold.THIRD_PARTY],
                Withhold.THIRD_PARTY,
            )
        )
    body = _body(decisions, withheld)
    if scrubber.survivors(body):
        raise SarError("another person's name survived in the subject access text", check="survived")
    heading = "Subject access copy" + (f" of incident {clean_line(reference)}" if reference else "")
    text = f"{heading}\n{'=' * len(heading)}\n\nPrepared for: {clean_line(me.name)}\n\n{body}"
    return SarCopy(subject=me.name, decisions=tuple(decisions), withheld=tuple(withheld), text=text)


def _body(decisions: Sequence[FieldDecision], withheld: Sequence[WithheldItem]) -> str:
    lines = ["What was recorded", "-" * len("What was recorded")]
    for d in decisions:
        if d.disclosure is not Disclosure.WITHHELD:
            lines.append(f"{d.label}: " + d.text.replace("\n", "\n    "))
    lines += ["", "What was withheld and why", "-" * len("What was withheld and why")]
    if not withheld:
        lines.append("Nothing was withheld.")
    lines += [f"- {w.what}: withheld because {w.why}." for w in withheld]
    return "\n".join(lines) + "\n"
