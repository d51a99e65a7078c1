"""Proposals of handles, e-mail-like ids and URLs: where each was seen, their keys, and OCR noise left as it is."""

from __future__ import annotations

import pytest
from textlayers import make_layer

from evidence.case.handles import (
    FormField,
    Kind,
    Proposal,
    handle_from_url,
    handle_key,
    normalise_url,
    propose,
    word_keys,
)


def by_key(proposals: tuple[Proposal, ...]) -> dict[str, Proposal]:
    return {p.key: p for p in proposals}


def test_form_fields_and_text_layers_meet_on_one_key() -> None:
    layer = make_layer([["@jay_k_2009"], ["nobody likes you"]])
    proposals = propose(
        handle="Jay K (@Jay_K_2009)",
        profile_url="https://WWW.Instagram.com:443/jay_k_2009/?igsh=abc&utm_source=ig_web",
        text_layers={3: layer},
    )
    found = by_key(proposals)
    assert set(found) == {"handle:jay_k_2009", "url:instagram.com/jay_k_2009"}  # "Jay" and "K" are not handles
    jay = found["handle:jay_k_2009"]
    assert jay.kind is Kind.HANDLE
    assert jay.value == "@Jay_K_2009"  # as first written, in the form
    assert [(s.form_field, s.item_seq) for s in jay.sightings] == [
        (FormField.HANDLE, None),
        (FormField.PROFILE_URL, None),
        (None, 3),
    ]
    in_text = jay.sightings[2]
    assert (in_text.seen_as, in_text.word_indices, in_text.boxes) == ("@jay_k_2009", (0,), (layer.words[0].box,))
    assert in_text.confidence == 95
    assert in_text.machine_read
    assert not jay.sightings[0].machine_read
    assert jay.in_form
    assert jay.items == (3,)
    assert jay.platforms == ("instagram",)
    assert found["url:instagram.com/jay_k_2009"].value == "https://www.instagram.com/jay_k_2009/"


def test_a_bare_name_is_a_handle_only_alone_in_the_handle_field() -> None:
    assert [p.key for p in propose(handle="jay_k_2009")] == ["handle:jay_k_2009"]
    assert propose(description="jay_k_2009 said it") == ()
    assert propose(text_layers={1: make_layer([["jay_k_2009 said it"]])}) == ()


def test_emails_urls_and_handles_in_machine_read_text() -> None:
    layer = make_layer(
        [
            ["@big.mo_77: ur so ugly"],
            ["email me jay.k.2009@example.com or see instagram.com/jay_k_2009, (@sam_2010)"],
            ["https://x.com/jay_k_2009/status/123?s=20&t=AbC and www.example.org/page."],
        ]
    )
    found = by_key(propose(text_layers={1: layer}))
    assert set(found) == {
        "handle:big.mo_77",
        "handle:sam_2010",
        "handle:jay_k_2009",
        "email:jay.k.2009@example.com",
        "url:instagram.com/jay_k_2009",
        "url:x.com/jay_k_2009/status/123",
        "url:example.org/page",
    }
    assert found["url:x.com/jay_k_2009/status/123"].value == "https://x.com/jay_k_2009/status/123"
    assert found["handle:jay_k_2009"].platforms == ("instagram", "x")
    kinds = [p.kind for p in propose(text_layers={1: layer})]
    assert kinds == sorted(kinds, key=[Kind.HANDLE, Kind.EMAIL, Kind.URL].index)


def test_a_handle_cut_by_a_line_break_is_not_joined() -> None:
    layer = make_layer([["reply from @jay_k_", "2009 was nasty"]])
    proposals = propose(text_layers={1: layer})
    assert [p.key for p in proposals] == ["handle:jay_k_"]
    assert proposals[0].sightings[0].may_be_cut
    for lines in (["reply from @jay_k_2009 today", "was nasty"], ["it was nasty", "reply from @jay_k_2009"]):
        whole = propose(text_layers={1: make_layer([lines])})
        assert [p.key for p in whole] == ["handle:jay_k_2009"]
        assert not whole[0].sightings[0].may_be_cut
    ended = propose(text_layers={1: make_layer([["reply from @jay_k_2009", "was nasty"]])})
    assert ended[0].sightings[0].may_be_cut  # it may go on: the reviewer is told, nothing is joined
    sender = propose(text_layers={1: make_layer([["@jay_k_2009", "ok"]])})
    assert not sender[0].sightings[0].may_be_cut  # alone on its line, over a short message


def test_look_alike_characters_are_not_fixed_but_flagged() -> None:
    layer = make_layer([["@jay_k_2009 hi"], ["@jay_k_2OO9 hi"], ["@jay_k_20O9 and @iay_k_2009"]])
    found = by_key(propose(text_layers={1: layer}))
    keys = {"handle:jay_k_2009", "handle:jay_k_2oo9", "handle:jay_k_20o9", "handle:iay_k_2009"}
    assert set(found) == keys
    for key in keys:
        assert set(found[key].lookalikes) == keys - {key}
    assert by_key(propose(text_layers={1: make_layer([["@sam @pam"]])}))["handle:sam"].lookalikes == ()


@pytest.mark.parametrize(
    ("token", "keys"),
    [
        ("@jay_k_2009", ("handle:jay_k_2009",)),
        ("@jay_k_2009's", ("handle:jay_k_2009",)),
        ("(@jay_k_2009).", ("handle:jay_k_2009",)),
        ("“@jay_k_2009”", ("handle:jay_k_2009",)),
        ("@jay-k", ()),  # a hyphen is in no platform's handles: not cut to "@jay"
        ("@", ()),
        ("@.", ()),
        ("@" + "a" * 31, ()),
        ("a@b", ()),
        ("JAY@EXAMPLE.COM", ("email:jay@example.com",)),
        ("https://www.tiktok.com/@jay_k_2009?_t=8abc&_r=1", ("url:tiktok.com/@jay_k_2009", "handle:jay_k_2009")),
        ("javascript:alert(1)", ()),
        ("https://user:pw@example.com/x", ()),
        ("https://localhost/x", ()),
        ("https://exa_mple.com/x", ()),
        ("lol.com", ()),
        ("you.everyone", ()),
    ],
)
def test_what_a_word_shows(token: str, keys: tuple[str, ...]) -> None:
    assert word_keys(token) == keys


@pytest.mark.parametrize(
    ("text", "url", "key"),
    [
        (
            "HTTPS://WWW.EXAMPLE.COM/Path/?utm_source=a&utm_medium=b",
            "https://www.example.com/Path/",
            "url:example.com/Path",
        ),
        ("http://example.com:80/a?fbclid=1&id=7#c2", "http://example.com/a?id=7#c2", "url:example.com/a?id=7#c2"),
        ("https://example.com:8443/a", "https://example.com:8443/a", "url:example.com:8443/a"),
        ("m.facebook.com/jay.k.2009", "https://m.facebook.com/jay.k.2009", "url:facebook.com/jay.k.2009"),
        (
            "https://youtu.be.example.com/x?t=30",
            "https://youtu.be.example.com/x?t=30",
            "url:youtu.be.example.com/x?t=30",
        ),
        ("https://www.youtube.com/watch?v=abc&t=30&si=XYZ", "https://www.youtube.com/watch?v=abc&t=30", None),
        ("https://x.com/jay?s=20&t=abc", "https://x.com/jay", "url:x.com/jay"),
    ],
)
def test_urls_are_normalised(text: str, url: str, key: str | None) -> None:
    normal = normalise_url(text)
    assert normal is not None
    assert normal.url == url
    if key is not None:
        assert normal.key == key


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("https://www.instagram.com/jay_k_2009/", ("instagram", "jay_k_2009")),
        ("https://instagram.com/stories/jay_k_2009/123", ("instagram", "jay_k_2009")),
        ("https://instagram.com/p/Cxyz/", None),
        ("https://twitter.com/jay_k_2009/status/1", ("x", "jay_k_2009")),
        ("https://x.com/home", None),
        ("https://www.tiktok.com/@jay_k_2009/video/1", ("tiktok", "jay_k_2009")),
        ("https://www.tiktok.com/foryou", None),
        ("https://www.snapchat.com/add/jay_k_2009", ("snapchat", "jay_k_2009")),
        ("https://www.linkedin.com/in/jay-k", None),  # not a handle we can match: left to the URL
        ("https://www.youtube.com/@jay_k_2009", ("youtube", "jay_k_2009")),
        ("https://www.facebook.com/profile.php?id=100", None),
        ("https://jaykay.tumblr.com/post/1", ("tumblr", "jaykay")),
        ("https://www.reddit.com/u/jay_k_2009", ("reddit", "jay_k_2009")),
        ("https://example.com/jay_k_2009", None),
    ],
)
def test_profile_urls_name_their_user(url: str, named: tuple[str, str] | None) -> None:
    normal = normalise_url(url)
    assert normal is not None
    assert handle_from_url(normal) == named


def test_handle_keys_are_platform_agnostic_and_lower_case() -> None:
    assert handle_key("@Jay_K_2009") == handle_key("jay_k_2009") == "handle:jay_k_2009"
    assert handle_key("jay k") is None
    assert handle_key("") is None
    assert handle_key("@") is None


def test_sightings_across_items_keep_their_order_and_boxes() -> None:
    one, two = make_layer([["hi @jay_k_2009"]]), make_layer([["@jay_k_2009 again"], ["and @jay_k_2009"]])
    jay = by_key(propose(text_layers=[(7, two), (2, one)]))["handle:jay_k_2009"]
    assert [(s.item_seq, s.word_indices) for s in jay.sightings] == [(2, (1,)), (7, (0,)), (7, (3,))]
    assert jay.sightings[2].boxes == (two.words[3].box,)
    assert jay.items == (2, 7)
    assert not jay.in_form


def test_nothing_seen_nothing_proposed() -> None:
    assert propose() == ()
    assert propose(handle="", profile_url=None, urls=["", "   "], description="a plain story") == ()
