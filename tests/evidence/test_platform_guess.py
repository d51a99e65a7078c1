"""Issue 11, point 6: the platform is guessed from the captured window's title, from the school's list only."""

from __future__ import annotations

import pytest

from evidence.case import policy
from evidence.case.platform_guess import guess_from_titles, guess_platform, match_names

LISTED = ["Facebook", "X (Twitter)", "Instagram", "WhatsApp", "Microsoft Teams", "Discord", "Other"]


@pytest.mark.parametrize(
    ("title", "platform"),
    [
        ("Instagram — Direct messages", "Instagram"),
        ("(3) Instagram • Chats - Mozilla Firefox", "Instagram"),
        ("#general | Year 9 - Discord", "Discord"),
        ("WhatsApp", "WhatsApp"),
        ("whatsapp web", "WhatsApp"),
        ("Chat | Microsoft Teams", "Microsoft Teams"),
        ("Home / X", "X (Twitter)"),
        ("Someone on Twitter: \u201chello\u201d", "X (Twitter)"),
    ],
)
def test_a_title_naming_one_listed_platform_gives_it(title: str, platform: str) -> None:
    assert guess_platform(title, LISTED) == platform


@pytest.mark.parametrize(
    "title",
    [
        None,
        "",
        "Terminal",
        "Xbox Live",  # "X" only as the title's last word
        "X marks the spot",
        "Instagrammar notes",  # whole words only
        "Facebook post shared on Instagram",  # two platforms: no guess
        "Other",  # never guessed
        "Teams",  # part of a name is not the name
    ],
)
def test_no_guess_without_exactly_one_listed_name(title: str | None) -> None:
    assert guess_platform(title, LISTED) is None


def test_a_bracketed_part_is_another_name() -> None:
    assert match_names("X (Twitter)") == ("X", "Twitter")
    assert match_names("Instagram") == ("Instagram",)


def test_the_newest_title_with_a_guess_wins() -> None:
    assert guess_from_titles(["WhatsApp", None, "Terminal", "Discord", "Untitled"], LISTED) == "Discord"
    assert guess_from_titles([None, "Terminal"], LISTED) is None


def test_the_default_list_is_the_schools_platform_list() -> None:
    assert guess_platform("Instagram — Direct messages") == "Instagram"
    assert guess_platform("Instagram — Direct messages") in policy.platforms()
