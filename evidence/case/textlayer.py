"""The text layer: machine-read text of one item, with word boxes, as a derived artefact that can be hashed and signed.

A text layer is never the evidence. It is what an OCR engine read off an item's image, and it may be wrong; the
record says so in its own bytes (``"machine_read": true`` and a fixed ``note``), so no reader can present it as
anything else. It names its source by the item's SHA-256 (the digest ``sha256sum`` checks for the item's file)
and the engine that made it, with the engine's version, the language data's own SHA-256 and the settings used,
so that a third party can repeat the reading and compare.

Its one byte form is canonical JSON (``evidence/core/canonical.py``): confidences are integer percentages and
boxes integer pixels of the source image, because canonical JSON has no floats. The layer's own digest is the
SHA-256 of those bytes. The layer carries no time of its own: when it was made is the business of the signed
revision or custody entry that carries it, and leaving time out lets the same image on the same engine give
the same digest.

Everything read back is hostile: :meth:`TextLayer.parse` caps the size before parsing, insists on canonical
bytes, exact keys and types, boxes inside the image, words free of whitespace, control characters and bidi
overrides, and a ``text`` that is exactly what the lines spell. Each failure names its check
(:class:`TextLayerError`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evidence.core import canonical
from evidence.core.errors import EvidenceError

FORMAT = "evidence-capture/text-layer"
"""The ``format`` value of every text layer."""

VERSION = 1
"""The ``version`` this module writes and reads."""

NOTE = "Machine-read text; it may be wrong. The image is the evidence."
"""The fixed ``note`` every text layer carries."""

MAX_LAYER_BYTES = 32 * 1024 * 1024
"""Largest text layer :meth:`TextLayer.parse` reads; checked before parsing."""

MAX_LINES = 100_000
MAX_WORDS = 500_000
MAX_WORD_CHARS = 1_000
MAX_LANGUAGES = 16
MAX_IMAGE_SIDE = 1_000_000
MAX_LABEL_CHARS = 64

_HEX64 = re.compile(r"[0-9a-f]{64}")
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
_KEYS = ("engine", "format", "image", "lines", "machine_read", "note", "source_sha256", "text", "version")
_ENGINE_KEYS = ("languages", "leptonica", "name", "page_segmentation", "scale", "version")
_LANGUAGE_KEYS = ("code", "data_sha256")
_LINE_KEYS = ("block", "box", "paragraph", "words")
_WORD_KEYS = ("box", "confidence", "text")
_IMAGE_KEYS = ("height", "width")


class TextLayerError(EvidenceError):
    """A text layer is malformed. ``check`` names the rule it broke (for example ``size``, ``canonical``, ``box``)."""

    def __init__(self, message: str, *, check: str) -> None:
        super().__init__(message)
        self.check = check


def is_clean_word(text: str) -> bool:
    """Whether ``text`` can be a word: non-empty, no whitespace, no control, format (bidi) or separator chars."""
    if not text or len(text) > MAX_WORD_CHARS:
        return False
    return all(not ch.isspace() and unicodedata.category(ch)[0] not in "CZ" for ch in text)


def clean_word(text: str) -> str:
    """``text`` without whitespace, control, format (bidi overrides) and separator characters; may be empty."""
    kept = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] not in "CZ")
    return kept[:MAX_WORD_CHARS]


@dataclass(frozen=True)
class Box:
    """A rectangle in the source image's pixels.

    Attributes:
        x: Left edge.
        y: Top edge.
        w: Width (0 for a degenerate box an engine may report).
        h: Height.
    """

    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        """X just past the right edge."""
        return self.x + self.w

    @property
    def bottom(self) -> int:
        """Y just past the bottom edge."""
        return self.y + self.h

    def to_json(self) -> list[int]:
        """``[x, y, w, h]``."""
        return [self.x, self.y, self.w, self.h]

    @classmethod
    def union(cls, boxes: Iterable[Box]) -> Box:
        """The smallest box holding all of ``boxes``.

        Raises:
            ValueError: ``boxes`` is empty.
        """
        items = list(boxes)
        if not items:
            raise ValueError("no boxes")
        left, top = min(b.x for b in items), min(b.y for b in items)
        right, bottom = max(b.right for b in items), max(b.bottom for b in items)
        return cls(left, top, right - left, bottom - top)

    @classmethod
    def parse(cls, value: object, *, width: int, height: int, where: str) -> Box:
        """Parse ``[x, y, w, h]`` and require it to lie inside a ``width`` x ``height`` image.

        Raises:
            TextLayerError: check ``box``.
        """
        if not isinstance(value, list) or len(value) != 4 or not all(_is_int(v) for v in value):
            raise TextLayerError(f"{where} is not a box [x, y, w, h] of integers", check="box")
        x, y, w, h = value
        if min(x, y, w, h) < 0 or x + w > width or y + h > height:
            raise TextLayerError(f"{where} lies outside the {width}x{height} image", check="box")
        return cls(x, y, w, h)


@dataclass(frozen=True)
class Word:
    """One word as the engine read it.

    Attributes:
        text: The word, without whitespace or control characters.
        box: Where it is in the source image.
        confidence: The engine's confidence, an integer percentage 0 to 100.
    """

    text: str
    box: Box
    confidence: int

    def to_json(self) -> dict[str, Any]:
        """The word as JSON."""
        return {"text": self.text, "box": self.box.to_json(), "confidence": self.confidence}


@dataclass(frozen=True)
class Line:
    """One line of words, in reading order, inside a paragraph of a block.

    Blocks and paragraphs are layout groups: lines of one group belong together (a sender's name and a wrapped
    message); ``evidence/capture/ocr.py`` says how it forms them.

    Attributes:
        block: The block number (1-based).
        paragraph: The paragraph number inside the block (1-based).
        box: The line's box.
        words: Its words, at least one.
    """

    block: int
    paragraph: int
    box: Box
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        """The words joined by single spaces."""
        return " ".join(w.text for w in self.words)

    def to_json(self) -> dict[str, Any]:
        """The line as JSON."""
        return {
            "block": self.block,
            "paragraph": self.paragraph,
            "box": self.box.to_json(),
            "words": [w.to_json() for w in self.words],
        }


@dataclass(frozen=True)
class LanguageData:
    """A language model the engine used.

    Attributes:
        code: The engine's name for it, such as ``eng``.
        data_sha256: SHA-256 (hex) of the model file (``eng.traineddata``), so that a reading can be repeated.
    """

    code: str
    data_sha256: str


@dataclass(frozen=True)
class EngineInfo:
    """What made the layer, and how.

    Attributes:
        name: The engine, ``tesseract``.
        version: Its version as it reports it, such as ``5.3.0``.
        leptonica: The version of its image library, or None if it did not say.
        languages: The language models used, in the order given to the engine.
        page_segmentation: Tesseract's page segmentation mode (``--psm``).
        scale: The whole-number factor the image was enlarged by before reading (boxes are in source pixels).
    """

    name: str
    version: str
    leptonica: str | None
    languages: tuple[LanguageData, ...]
    page_segmentation: int
    scale: int

    @property
    def label(self) -> str:
        """One line for people: ``tesseract 5.3.0 (eng)``."""
        return f"{self.name} {self.version} ({'+'.join(lang.code for lang in self.languages)})"

    def to_json(self) -> dict[str, Any]:
        """The engine record as JSON."""
        return {
            "name": self.name,
            "version": self.version,
            "leptonica": self.leptonica,
            "languages": [{"code": lang.code, "data_sha256": lang.data_sha256} for lang in self.languages],
            "page_segmentation": self.page_segmentation,
            "scale": self.scale,
        }

    @classmethod
    def parse(cls, value: object) -> EngineInfo:
        """Parse :meth:`to_json` output.

        Raises:
            TextLayerError: check ``engine``.
        """
        data = _exact(value, _ENGINE_KEYS, "engine", check="engine")
        name = _label(data["name"], "engine.name")
        version = _label(data["version"], "engine.version")
        leptonica = None if data["leptonica"] is None else _label(data["leptonica"], "engine.leptonica")
        langs = data["languages"]
        if not isinstance(langs, list) or not 1 <= len(langs) <= MAX_LANGUAGES:
            raise TextLayerError(f"engine.languages must list 1 to {MAX_LANGUAGES} languages", check="engine")
        languages = []
        for i, item in enumerate(langs):
            lang = _exact(item, _LANGUAGE_KEYS, f"engine.languages[{i}]", check="engine")
            languages.append(
                LanguageData(
                    _label(lang["code"], f"engine.languages[{i}].code"),
                    _hex64(lang["data_sha256"], f"engine.languages[{i}].data_sha256", check="engine"),
                )
            )
        psm, scale = data["page_segmentation"], data["scale"]
        if not _is_int(psm) or not 0 <= psm <= 13:
            raise TextLayerError("engine.page_segmentation must be an integer 0 to 13", check="engine")
        if not _is_int(scale) or not 1 <= scale <= 8:
            raise TextLayerError("engine.scale must be an integer 1 to 8", check="engine")
        return cls(name, version, leptonica, tuple(languages), psm, scale)


@dataclass(frozen=True)
class TextLayer:
    """The machine-read text of one item (see the module docstring for its guarantees).

    Attributes:
        source_sha256: SHA-256 (hex) of the source item's bytes.
        width: The source image's width in pixels.
        height: Its height.
        engine: What read it.
        lines: The lines in reading order.
    """

    source_sha256: str
    width: int
    height: int
    engine: EngineInfo
    lines: tuple[Line, ...]

    machine_read = True
    """Always true: a text layer is machine-read."""

    note = NOTE
    """Always :data:`NOTE`."""

    @property
    def words(self) -> tuple[Word, ...]:
        """Every word in reading order; a word's index here is how other records refer to it."""
        return tuple(w for line in self.lines for w in line.words)

    @property
    def text(self) -> str:
        """The text: words joined by spaces, lines by newlines, paragraphs by a blank line."""
        return _text_of(self.lines)

    def word_lines(self) -> tuple[int, ...]:
        """For each word (by index), the index of its line."""
        return tuple(i for i, line in enumerate(self.lines) for _ in line.words)

    def to_json_dict(self) -> dict[str, Any]:
        """The whole layer as JSON."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "machine_read": True,
            "note": NOTE,
            "source_sha256": self.source_sha256,
            "image": {"width": self.width, "height": self.height},
            "engine": self.engine.to_json(),
            "lines": [line.to_json() for line in self.lines],
            "text": self.text,
        }

    def to_canonical(self) -> bytes:
        """The canonical JSON bytes: what is hashed, signed and stored."""
        return canonical.dumps(self.to_json_dict())

    @property
    def digest(self) -> bytes:
        """SHA-256 of :meth:`to_canonical`."""
        return hashlib.sha256(self.to_canonical()).digest()

    @property
    def digest_hex(self) -> str:
        """:attr:`digest` as lower-case hex (what ``sha256sum`` prints for the stored file)."""
        return self.digest.hex()

    @classmethod
    def build(
        cls, *, source_sha256: str, width: int, height: int, engine: EngineInfo, lines: Sequence[Line]
    ) -> TextLayer:
        """Make a layer and check it as :meth:`parse` would, so that what is written can be read back.

        Raises:
            TextLayerError: The parts break a rule of the format.
        """
        layer = cls(source_sha256, width, height, engine, tuple(lines))
        return cls.parse(layer.to_canonical())

    @classmethod
    def parse(cls, data: bytes) -> TextLayer:
        """Read a stored text layer, trusting nothing.

        Raises:
            TextLayerError: The bytes are too large, not canonical JSON, or break a rule; ``check`` says which.
        """
        if not isinstance(data, bytes | bytearray):
            raise TextLayerError("a text layer is read from bytes", check="type")
        if len(data) > MAX_LAYER_BYTES:
            raise TextLayerError(f"text layer is larger than {MAX_LAYER_BYTES} bytes", check="size")
        try:
            value = canonical.loads_canonical(bytes(data), what="text layer")
        except EvidenceError as e:
            raise TextLayerError(str(e), check="canonical") from e
        top = _exact(value, _KEYS, "text layer", check="keys")
        if top["format"] != FORMAT or not _is_int(top["version"]):
            raise TextLayerError(f"not a {FORMAT} record", check="format")
        if top["version"] != VERSION:
            raise TextLayerError(f"text layer version {top['version']} is not {VERSION}", check="version")
        if top["machine_read"] is not True or top["note"] != NOTE:
            raise TextLayerError("a text layer must be marked machine-read with the fixed note", check="machine-read")
        source = _hex64(top["source_sha256"], "source_sha256", check="source")
        image = _exact(top["image"], _IMAGE_KEYS, "image", check="image")
        width, height = image["width"], image["height"]
        if not (_is_int(width) and _is_int(height) and 1 <= width <= MAX_IMAGE_SIDE and 1 <= height <= MAX_IMAGE_SIDE):
            raise TextLayerError("image width and height must be positive integers", check="image")
        engine = EngineInfo.parse(top["engine"])
        lines = _parse_lines(top["lines"], width, height)
        text = top["text"]
        if not isinstance(text, str) or text != _text_of(lines):
            raise TextLayerError("text is not what the lines spell", check="text")
        return cls(source, width, height, engine, lines)


def _parse_lines(value: object, width: int, height: int) -> tuple[Line, ...]:
    if not isinstance(value, list) or len(value) > MAX_LINES:
        raise TextLayerError(f"lines must be a list of at most {MAX_LINES}", check="lines")
    lines: list[Line] = []
    total = 0
    for i, item in enumerate(value):
        where = f"lines[{i}]"
        data = _exact(item, _LINE_KEYS, where, check="lines")
        block, paragraph = data["block"], data["paragraph"]
        if not (_is_int(block) and _is_int(paragraph) and 1 <= block <= MAX_LINES and 1 <= paragraph <= MAX_LINES):
            raise TextLayerError(f"{where} block and paragraph must be positive integers", check="lines")
        box = Box.parse(data["box"], width=width, height=height, where=f"{where}.box")
        raw_words = data["words"]
        if not isinstance(raw_words, list) or not raw_words:
            raise TextLayerError(f"{where}.words must be a non-empty list", check="lines")
        total += len(raw_words)
        if total > MAX_WORDS:
            raise TextLayerError(f"a text layer holds at most {MAX_WORDS} words", check="words")
        words = []
        for j, raw in enumerate(raw_words):
            wwhere = f"{where}.words[{j}]"
            word = _exact(raw, _WORD_KEYS, wwhere, check="words")
            text, confidence = word["text"], word["confidence"]
            if not isinstance(text, str) or not is_clean_word(text):
                raise TextLayerError(f"{wwhere}.text must be one word without spaces or controls", check="words")
            if not _is_int(confidence) or not 0 <= confidence <= 100:
                raise TextLayerError(f"{wwhere}.confidence must be an integer 0 to 100", check="words")
            words.append(
                Word(text, Box.parse(word["box"], width=width, height=height, where=f"{wwhere}.box"), confidence)
            )
        lines.append(Line(block, paragraph, box, tuple(words)))
    return tuple(lines)


def _text_of(lines: Sequence[Line]) -> str:
    out: list[str] = []
    previous: tuple[int, int] | None = None
    for line in lines:
        here = (line.block, line.paragraph)
        if previous is not None:
            out.append("\n\n" if here != previous else "\n")
        out.append(line.text)
        previous = here
    return "".join(out)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _exact(value: object, keys: tuple[str, ...], where: str, *, check: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise TextLayerError(f"{where} must be an object", check=check)
    if set(value) != set(keys):
        missing = sorted(set(keys) - set(value))
        extra = sorted(set(value) - set(keys))
        raise TextLayerError(f"{where} has missing keys {missing} or unknown keys {extra}", check=check)
    return value


def _hex64(value: object, where: str, *, check: str) -> str:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise TextLayerError(f"{where} must be 64 lower-case hex digits", check=check)
    return value


def _label(value: object, where: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_LABEL_CHARS or not _LABEL.fullmatch(value):
        raise TextLayerError(f"{where} must be a short name of letters, digits and . _ + -", check="engine")
    return value
