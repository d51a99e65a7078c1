"""Hand-made text layers for tests of what reads them (proposals, search), laid out like a chat screen.

Each paragraph is a list of lines, each line a string of words; words get boxes on a 10-pixel grid, so a test
can say where a word "is". Real layers come from the real Tesseract in the OCR tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from evidence.case.textlayer import Box, EngineInfo, LanguageData, Line, TextLayer, Word

ENGINE = EngineInfo(
    name="tesseract",
    version="5.3.0",
    leptonica="1.82.0",
    languages=(LanguageData("eng", "ab" * 32),),
    page_segmentation=3,
    scale=2,
)

WIDTH, HEIGHT = 1920, 1080


def make_layer(paragraphs: Sequence[Sequence[str]], *, source: bytes = b"item", confidence: int = 95) -> TextLayer:
    """A layer whose paragraphs hold the given lines (one block per paragraph)."""
    lines = []
    y = 10
    for block, paragraph in enumerate(paragraphs, start=1):
        for text in paragraph:
            x = 10
            words = []
            for word in text.split():
                box = Box(x, y, 10 * len(word), 14)
                words.append(Word(word, box, confidence))
                x = box.right + 10
            lines.append(Line(block, 1, Box.union(w.box for w in words), tuple(words)))
            y += 20
        y += 20
    return TextLayer.build(
        source_sha256=hashlib.sha256(source).hexdigest(), width=WIDTH, height=HEIGHT, engine=ENGINE, lines=lines
    )
