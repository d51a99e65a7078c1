"""The text layer record: canonical bytes with their own digest, marked machine-read, and a strict reader."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textlayers import make_layer

from evidence.case import textlayer
from evidence.case.textlayer import Box, TextLayer, TextLayerError
from evidence.core import canonical

LAYER = make_layer([["@jay_k_2009"], ["nobody likes you.", "everyone knows it"]])


def test_round_trip_and_digest_is_sha256_of_the_canonical_bytes() -> None:
    data = LAYER.to_canonical()
    assert TextLayer.parse(data) == LAYER
    assert LAYER.digest_hex == hashlib.sha256(data).hexdigest()
    stock = subprocess.run(["sha256sum"], input=data, capture_output=True, check=True).stdout.split()[0].decode()
    assert stock == LAYER.digest_hex
    assert canonical.dumps(json.loads(data)) == data


def test_it_says_in_its_own_bytes_that_it_is_machine_read() -> None:
    value = json.loads(LAYER.to_canonical())
    assert value["machine_read"] is True
    assert value["note"] == "Machine-read text; it may be wrong. The image is the evidence."
    assert value["format"] == "evidence-capture/text-layer"
    assert value["text"] == "@jay_k_2009\n\nnobody likes you.\neveryone knows it"
    assert LAYER.engine.label == "tesseract 5.3.0 (eng)"


def test_words_are_numbered_in_reading_order() -> None:
    assert [w.text for w in LAYER.words] == ["@jay_k_2009", "nobody", "likes", "you.", "everyone", "knows", "it"]
    assert LAYER.word_lines() == (0, 1, 1, 1, 2, 2, 2)


def test_a_changed_word_changes_the_digest() -> None:
    value = json.loads(LAYER.to_canonical())
    value["lines"][0]["words"][0]["text"] = "@jay_k_2O09"
    value["text"] = value["text"].replace("2009", "2O09")
    other = TextLayer.parse(canonical.dumps(value))
    assert other.digest_hex != LAYER.digest_hex


def _mutate(change: Callable[[dict[str, Any]], None]) -> bytes:
    value = json.loads(LAYER.to_canonical())
    change(value)
    return canonical.dumps(value)


def _set(path: str, new: object) -> Callable[[dict[str, Any]], None]:
    def change(value: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = value
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if last.isdigit():
            target[int(last)] = new
        else:
            target[last] = new

    return change


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda value: value.pop(key)


HOSTILE: list[tuple[str, bytes | Callable[[dict[str, Any]], None], str]] = [
    ("pretty-printed", json.dumps(json.loads(LAYER.to_canonical()), indent=1).encode(), "canonical"),
    ("not UTF-8", b"\xff\xfe{}", "canonical"),
    ("not JSON", b"{", "canonical"),
    ("a float", LAYER.to_canonical().replace(b'"confidence":95', b'"confidence":95.5', 1), "canonical"),
    ("deep nesting", b"[" * 100_000 + b"]" * 100_000, "canonical"),
    ("a list at the top", b"[]", "keys"),
    ("missing key", _drop("note"), "keys"),
    ("unknown key", _set("created", "2026-01-01"), "keys"),
    ("other format", _set("format", "evidence-capture/other"), "format"),
    ("version 2", _set("version", 2), "version"),
    ("version as text", _set("version", "1"), "format"),
    ("not machine-read", _set("machine_read", False), "machine-read"),
    ("machine_read as 1", _set("machine_read", 1), "machine-read"),
    ("note changed", _set("note", "Verified transcript."), "machine-read"),
    ("source not hex", _set("source_sha256", "Z" * 64), "source"),
    ("source upper-case", _set("source_sha256", "AB" * 32), "source"),
    ("image width 0", _set("image.width", 0), "image"),
    ("image width bool", _set("image.width", True), "image"),
    ("image extra key", _set("image.depth", 8), "image"),
    ("engine psm 99", _set("engine.page_segmentation", 99), "engine"),
    ("engine scale 0", _set("engine.scale", 0), "engine"),
    ("engine no languages", _set("engine.languages", []), "engine"),
    ("engine language hash short", _set("engine.languages.0.data_sha256", "ab"), "engine"),
    ("engine name with a space", _set("engine.name", "tess eract"), "engine"),
    ("engine version with a newline", _set("engine.version", "5.3.0\nlies"), "engine"),
    ("lines not a list", _set("lines", {}), "lines"),
    ("line without words", _set("lines.0.words", []), "lines"),
    ("line block 0", _set("lines.0.block", 0), "lines"),
    ("box outside the image", _set("lines.0.box", [1900, 10, 100, 14]), "box"),
    ("box negative", _set("lines.0.words.0.box", [-1, 10, 10, 14]), "box"),
    ("box of floats as strings", _set("lines.0.words.0.box", ["1", "2", "3", "4"]), "box"),
    ("box of three", _set("lines.0.words.0.box", [1, 2, 3]), "box"),
    ("confidence 101", _set("lines.0.words.0.confidence", 101), "words"),
    ("confidence bool", _set("lines.0.words.0.confidence", True), "words"),
    ("word with a space", _set("lines.0.words.0.text", "@jay k"), "words"),
    ("word with a bidi override", _set("lines.0.words.0.text", "@jay\u202e9002"), "words"),
    ("word with a control char", _set("lines.0.words.0.text", "@jay\x1b[2J"), "words"),
    ("empty word", _set("lines.0.words.0.text", ""), "words"),
    ("word not a string", _set("lines.0.words.0.text", 7), "words"),
    ("text not what the lines spell", _set("text", "@jay_k_2009 said nothing"), "text"),
]


@pytest.mark.parametrize(("bad", "check"), [(b, c) for _, b, c in HOSTILE], ids=[n for n, _, _ in HOSTILE])
def test_hostile_layers_are_refused_naming_the_check(bad: bytes | Callable[[dict[str, Any]], None], check: str) -> None:
    data = bad if isinstance(bad, bytes) else _mutate(bad)
    with pytest.raises(TextLayerError) as caught:
        TextLayer.parse(data)
    assert caught.value.check == check


def test_size_is_capped_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    data = LAYER.to_canonical()
    monkeypatch.setattr(textlayer, "MAX_LAYER_BYTES", len(data) - 1)
    with pytest.raises(TextLayerError) as caught:
        TextLayer.parse(data)
    assert caught.value.check == "size"
    monkeypatch.setattr(textlayer, "MAX_LAYER_BYTES", len(data))
    assert TextLayer.parse(data) == LAYER


def test_word_count_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(textlayer, "MAX_WORDS", len(LAYER.words) - 1)
    with pytest.raises(TextLayerError) as caught:
        TextLayer.parse(LAYER.to_canonical())
    assert caught.value.check == "words"


def test_parse_takes_bytes_only() -> None:
    with pytest.raises(TextLayerError) as caught:
        TextLayer.parse(LAYER.to_canonical().decode())  # type: ignore[arg-type]
    assert caught.value.check == "type"


def test_build_checks_what_it_makes() -> None:
    word = textlayer.Word("ok", Box(0, 0, 5, 5), 90)
    line = textlayer.Line(1, 1, Box(0, 0, 5, 5), (word,))
    with pytest.raises(TextLayerError) as caught:
        TextLayer.build(source_sha256="ab" * 32, width=4, height=4, engine=LAYER.engine, lines=[line])
    assert caught.value.check == "box"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_bytes_raise_only_text_layer_errors(data: st.DataObject) -> None:
    raw = bytearray(LAYER.to_canonical())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    try:
        parsed = TextLayer.parse(bytes(raw))
    except TextLayerError:
        return
    assert parsed.to_canonical() == bytes(raw)  # whatever is accepted is exactly what it says
