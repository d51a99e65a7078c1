"""In-memory search: by handle, phrase, platform, category, person and date; hits name the ref, item and boxes."""

from __future__ import annotations

import copy
import datetime as dt
import pickle

import pytest
from textlayers import make_layer

from evidence.case.search import MatchKind, Query, SearchDocument, SearchIndex
from evidence.core.errors import UsageError


def day(n: int) -> dt.datetime:
    return dt.datetime(2026, 3, n, 21, 14, tzinfo=dt.UTC)


ONE = make_layer([["@jay_k_2009"], ["nobody likes you. everyone in", "9B knows it"]], source=b"1")
TWO = make_layer([["@big.mo_77"], ["ur so ugly,"], ["Nobody    LIKES", "you"]], source=b"2")
THREE = make_layer([["see instagram.com/jay_k_2009"], ["she dislikes you"]], source=b"3")


@pytest.fixture
def index() -> SearchIndex:
    index = SearchIndex()
    index.add(SearchDocument("EC-3", 1, THREE, platform="Instagram", categories=("harassment",), occurred=day(9)))
    index.add(
        SearchDocument(
            "EC-1",
            1,
            ONE,
            platform="WhatsApp",
            categories=("abusive", "harassment"),
            handles=("@jay_k_2009",),
            people=("Alex  Quinn",),
            occurred=day(1),
        )
    )
    index.add(SearchDocument("EC-2", 1, TWO, platform="whatsapp", categories=("abusive",), occurred=day(5)))
    index.add(SearchDocument("EC-2", 2, None, platform="whatsapp", handles=("JAY_K_2009",), occurred=day(5)))
    index.add(SearchDocument("EC-4", None, None, platform="TikTok", people=("Sam Lee",)))
    return index


def where(hits: tuple) -> list[tuple[str, int | None]]:
    return [(h.ref, h.item_seq) for h in hits]


def test_a_handle_is_found_in_text_layers_and_incident_fields_across_incidents(index: SearchIndex) -> None:
    hits = index.search(Query(handle="@Jay_K_2009"))
    assert where(hits) == [("EC-1", 1), ("EC-2", 2), ("EC-3", 1)]  # in order of when they happened
    first = hits[0].matches
    assert [(m.kind, m.word_indices, m.text) for m in first] == [(MatchKind.HANDLE, (0,), "@jay_k_2009")]
    assert first[0].boxes == (ONE.words[0].box,)
    assert hits[1].matches == ()  # the incident's field matched, not any words
    assert [m.text for m in hits[2].matches] == ["instagram.com/jay_k_2009"]  # a profile URL names the handle
    assert where(index.search(Query(handle="https://www.instagram.com/jay_k_2009/"))) == where(hits)


def test_a_phrase_ignores_case_and_whitespace_and_spans_wrapped_lines(index: SearchIndex) -> None:
    hits = index.search(Query(phrase="  NOBODY likes\tyou "))
    assert where(hits) == [("EC-1", 1), ("EC-2", 1)]
    assert [(m.kind, m.text) for m in hits[0].matches] == [(MatchKind.PHRASE, "nobody likes you.")]
    assert [m.text for m in hits[1].matches] == ["Nobody LIKES you"]  # across a line break in one paragraph
    assert hits[1].matches[0].boxes == tuple(TWO.words[i].box for i in hits[1].matches[0].word_indices)
    assert where(index.search(Query(phrase="in 9b knows"))) == [("EC-1", 1)]


def test_a_phrase_matches_whole_words_and_never_across_paragraphs(index: SearchIndex) -> None:
    assert where(index.search(Query(phrase="likes you"))) == [("EC-1", 1), ("EC-2", 1)]  # not "dislikes you"
    assert where(index.search(Query(phrase="dislikes you"))) == [("EC-3", 1)]
    assert index.search(Query(phrase="body likes")) == ()
    assert index.search(Query(phrase="ugly, nobody")) == ()  # two bubbles


def test_curly_quotes_and_compatibility_forms_match_plain_ones() -> None:
    index = SearchIndex()
    index.add(SearchDocument("EC-9", 1, make_layer([["I’m ﬁne"]])))
    assert where(index.search(Query(phrase="i'm fine"))) == [("EC-9", 1)]


def test_fields_and_dates_narrow_the_search(index: SearchIndex) -> None:
    assert where(index.search(Query(platform="WHATSAPP"))) == [("EC-1", 1), ("EC-2", 1), ("EC-2", 2)]
    assert where(index.search(Query(category="harassment"))) == [("EC-1", 1), ("EC-3", 1)]
    assert where(index.search(Query(person="alex quinn"))) == [("EC-1", 1)]
    assert where(index.search(Query(person="Sam Lee"))) == [("EC-4", None)]
    assert where(index.search(Query(since=day(2), until=day(9)))) == [("EC-2", 1), ("EC-2", 2)]
    assert where(index.search(Query(since=day(9)))) == [("EC-3", 1)]  # since is inclusive, and no date is no match
    both = Query(handle="jay_k_2009", category="abusive")
    assert where(index.search(both)) == [("EC-1", 1)]
    assert index.search(Query(phrase="nobody likes you", platform="Instagram")) == ()


def test_term_means_a_handle_or_a_phrase() -> None:
    assert Query.from_term("@jay") == Query(handle="@jay")
    assert Query.from_term("instagram.com/jay_k_2009") == Query(handle="instagram.com/jay_k_2009")
    assert Query.from_term("nobody likes you") == Query(phrase="nobody likes you")
    assert Query.from_term("example.com/page") == Query(phrase="example.com/page")
    with pytest.raises(UsageError):
        Query.from_term("   ")


@pytest.mark.parametrize(
    "query",
    [
        Query(),
        Query(handle="not a handle"),
        Query(phrase="   "),
        Query(since=dt.datetime(2026, 3, 1)),  # naive, which is the point
    ],
    ids=["empty", "bad-handle", "blank-phrase", "naive-date"],
)
def test_bad_queries_are_usage_errors(index: SearchIndex, query: Query) -> None:
    with pytest.raises(UsageError):
        index.search(query)


def test_adding_again_replaces_and_remove_and_clear_forget(index: SearchIndex) -> None:
    assert len(index) == 5
    index.add(SearchDocument("EC-1", 1, None, platform="WhatsApp", occurred=day(1)))
    assert len(index) == 5
    assert index.search(Query(phrase="nobody likes you"))[0].ref == "EC-2"
    assert index.remove("EC-2") == 2
    assert len(index) == 3
    index.clear()
    assert len(index) == 0
    assert index.search(Query(platform="whatsapp")) == ()


def test_a_naive_occurred_time_is_refused() -> None:
    with pytest.raises(UsageError):
        SearchIndex().add(SearchDocument("EC-1", 1, occurred=dt.datetime(2026, 3, 1)))


def test_the_index_cannot_be_saved(index: SearchIndex) -> None:
    with pytest.raises(TypeError):
        pickle.dumps(index)
    with pytest.raises(TypeError):
        copy.deepcopy(index)
