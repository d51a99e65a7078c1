"""OCR end to end on a real X server: Tk draws chat screens, the app's capture grabs them, Tesseract reads them.

Each screen is a Tk canvas with a chat list and message bubbles in DejaVu Sans at 9 and 11 pt, drawn by X's own
font rendering (not a picture of text). It is captured with ``evidence.capture.screen.capture`` exactly as a
capture is made, and the PNG bytes go to the real Tesseract. The test checks that the planted handles, e-mail,
URL and phrases are read, where Tk says it drew them, that the proposals include them with their boxes, and
that the in-memory search finds them across two incidents.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator

import mss
import pytest
from xserver import XServer, have_tk, have_xvfb

from evidence.capture.ocr import read_text
from evidence.capture.screen import Capture, CaptureMode, capture
from evidence.case.handles import Kind, propose
from evidence.case.search import MatchKind, Query, SearchDocument, SearchIndex
from evidence.case.textlayer import Box, TextLayer

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Xvfb tests run on Linux"),
    pytest.mark.skipif(not have_xvfb(), reason="Xvfb is not installed"),
    pytest.mark.skipif(not have_tk(), reason="this Python has no tkinter to draw test windows"),
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr is not installed"),
]

_CHAT_PROGRAM = """
import json, sys, tkinter
spec = json.loads(sys.stdin.read())
root = tkinter.Tk()
root.geometry("1920x1080+0+0")
canvas = tkinter.Canvas(root, width=1920, height=1080, bg="#ffffff", highlightthickness=0)
canvas.pack()
canvas.create_rectangle(0, 0, 300, 1080, fill="#f0f2f5", outline="")
for i, name in enumerate(spec["chats"]):
    canvas.create_text(20, 30 + 40 * i, text=name, anchor="nw", font=("DejaVu Sans", 11), fill="#111111")
boxes = {}
y = 20
for sender, text, mine in spec["messages"]:
    x = 1000 if mine else 330
    who = canvas.create_text(x + 12, y + 8, text=sender, anchor="nw", font=("DejaVu Sans", 9, "bold"), fill="#075e54")
    said = canvas.create_text(x + 12, y + 26, text=text, anchor="nw", font=("DejaVu Sans", 11), fill="#111111",
                              width=520)
    bottom = canvas.bbox(said)[3]
    bubble = canvas.create_rectangle(x, y, x + 560, bottom + 8, fill="#dcf8c6" if mine else "#e9e9eb", outline="")
    canvas.tag_lower(bubble)
    boxes.setdefault(sender, []).append(canvas.bbox(who))
    boxes.setdefault(text, []).append(canvas.bbox(said))
    y = bottom + 22
root.update()
print(json.dumps({"boxes": boxes}), flush=True)
root.mainloop()
"""

FIRST = {
    "chats": ["Chats", "Year 9 group", "Mum", "Football"],
    "messages": [
        ["@jay_k_2009", "nobody likes you. everyone in 9B knows it", False],
        ["Sam", "leave her alone jay", True],
        ["@jay_k_2009", "go and cry to miss then lol https://www.instagram.com/jay_k_2009/?utm_source=ig_web", False],
        ["@big.mo_77", "ur so ugly, nobody likes you", False],
        ["Sam", "I'm screenshotting this", True],
        ["@jay_k_2009", "email me then jay.k.2009@example.com if u dare", False],
    ],
}
SECOND = {
    "chats": ["Chats", "Netball", "Dad"],
    "messages": [
        ["@jay_k_2009", "told you. wait till monday", False],
        ["Alex", "stop messaging me", True],
        ["@jay_k_2009", "make me", False],
    ],
}


class ChatScreen:
    """A Tk chat window on the server, and where Tk drew each sender and message (x0, y0, x1, y1)."""

    def __init__(self, server: XServer, spec: dict[str, object]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", _CHAT_PROGRAM],
            env=server.env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(spec).encode())
        self.process.stdin.close()
        line = self.process.stdout.readline()
        if not line:
            self.close()
            raise RuntimeError("the chat window did not start")
        self.boxes: dict[str, list[list[int]]] = json.loads(line)["boxes"]
        _wait_until_still(server.display)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def _wait_until_still(display: str) -> None:
    """Wait until the screen is drawn: not blank, and the same in two grabs 50 ms apart."""
    deadline = time.monotonic() + 10
    with mss.MSS(display=display) as sct:
        before = sct.grab(sct.monitors[0]).rgb
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = sct.grab(sct.monitors[0]).rgb
            if now == before and len(set(now[::997])) > 2:
                return
            before = now
    raise RuntimeError("the chat window did not settle")


@pytest.fixture(scope="module")
def screens() -> Iterator[list[tuple[Capture, TextLayer, dict[str, list[list[int]]]]]]:
    """Two chat screens captured with the app's own capture, and their text layers."""
    out = []
    with XServer(1920, 1080) as server:
        for spec in (FIRST, SECOND):
            window = ChatScreen(server, spec)
            try:
                cap = capture(CaptureMode.parse("full"), app_version="0.1.0-test", display=server.display)
            finally:
                window.close()
            out.append((cap, read_text(cap.png, source_sha256=cap.png_sha256), window.boxes))
    return out


def inside(word: Box, drawn: list[int], slack: int = 3) -> bool:
    x0, y0, x1, y1 = drawn
    return x0 - slack <= word.x and y0 - slack <= word.y and word.right <= x1 + slack and word.bottom <= y1 + slack


def test_tesseract_reads_the_planted_handles_and_phrases_off_a_real_capture(screens: list) -> None:
    cap, layer, boxes = screens[0]
    assert (cap.width, cap.height) == (1920, 1080)
    assert layer.source_sha256 == cap.png_sha256
    words = [w.text for w in layer.words]
    assert words.count("@jay_k_2009") == 3
    assert "@big.mo_77" in words
    assert "jay.k.2009@example.com" in words
    assert "https://www.instagram.com/jay_k_2009/?utm_source=ig_web" in words
    flat = " ".join(layer.text.split())
    for phrase in ("nobody likes you. everyone in 9B knows it", "ur so ugly, nobody likes you", "leave her alone jay"):
        assert phrase in flat
    handles = [w.box for w in layer.words if w.text == "@jay_k_2009"]
    for box, drawn in zip(handles, boxes["@jay_k_2009"], strict=True):
        assert inside(box, drawn), (box, drawn)


def test_the_proposals_include_the_planted_ids_with_their_boxes(screens: list) -> None:
    (_, one, _), (_, two, _) = screens
    proposals = {p.key: p for p in propose(handle="@jay_k_2009", text_layers={1: one, 2: two})}
    jay = proposals["handle:jay_k_2009"]
    assert jay.in_form
    assert jay.items == (1, 2)
    assert jay.platforms == ("instagram",)
    read_boxes = [s.boxes[0] for s in jay.sightings if s.item_seq == 1 and s.seen_as == "@jay_k_2009"]
    assert read_boxes == [w.box for w in one.words if w.text == "@jay_k_2009"]
    assert not any(s.may_be_cut for s in jay.sightings)  # a sender's name over its message is not a cut handle
    assert proposals["handle:big.mo_77"].kind is Kind.HANDLE
    assert proposals["email:jay.k.2009@example.com"].kind is Kind.EMAIL
    url = proposals["url:instagram.com/jay_k_2009"]
    assert url.value == "https://www.instagram.com/jay_k_2009/"  # the tracking parameter is gone
    assert "handle:sam" not in proposals
    assert "handle:alex" not in proposals


def test_search_finds_the_handle_in_both_incidents_and_the_phrase_in_one(screens: list) -> None:
    (cap1, one, boxes), (_, two, _) = screens
    index = SearchIndex()
    index.add(SearchDocument("EC-A", 1, one, platform="WhatsApp", occurred=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)))
    index.add(SearchDocument("EC-B", 1, two, platform="WhatsApp", occurred=dt.datetime(2026, 3, 8, tzinfo=dt.UTC)))
    hits = index.search(Query.from_term("@jay_k_2009"))
    assert [(h.ref, h.item_seq) for h in hits] == [("EC-A", 1), ("EC-B", 1)]
    assert [len(h.matches) for h in hits] == [4, 2]  # three @handles and the profile URL; two @handles
    phrase = index.search(Query.from_term("Nobody likes you"))
    assert [h.ref for h in phrase] == ["EC-A"]
    matches = phrase[0].matches
    assert [m.kind for m in matches] == [MatchKind.PHRASE, MatchKind.PHRASE]
    assert inside(Box.union(matches[0].boxes), boxes["nobody likes you. everyone in 9B knows it"][0])
    assert index.search(Query(phrase="stop messaging me"))[0].ref == "EC-B"
    wrapped = index.search(Query(phrase="then lol https://www.instagram.com/jay_k_2009/?utm_source=ig_web"))
    assert [h.ref for h in wrapped] == ["EC-A"]  # the message wrapped onto a second line: still one phrase
    assert index.search(Query(phrase="knows it leave her")) == ()  # but two bubbles are never one phrase
    assert cap1.png_sha256 == one.source_sha256
