"""Choosing the pull request minutes name only by description."""

from __future__ import annotations

from datetime import date

import pytest

from bot.handlers.refs import choose_pull, naming_words, search_query, title_score
from bot.render import Link


def pull(number: int, title: str) -> Link:
    return Link(
        "coconut/svsm", number, "pr", title, f"https://github.com/coconut/svsm/pull/{number}"
    )


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("the user space support PR", ("user", "space", "support")),
        ("his draft PR for multiprocessor startup", ("multiprocessor", "startup")),
        ("the PR", ()),
    ],
)
def test_naming_words_drop_words_that_only_say_pull_request(
    value: str, words: tuple[str, ...]
) -> None:
    assert naming_words(value) == words


@pytest.mark.parametrize(
    ("title", "score"),
    [
        ("User space support", 1.0),
        ("Initial userspace support", 1.0),
        ("Add user-mode support", 2 / 3),
        ("Multiprocessor startup for the native platform", 0.0),
    ],
)
def test_title_score(title: str, score: float) -> None:
    assert title_score(("user", "space", "support"), title) == pytest.approx(score)


def test_links_the_one_pull_that_clearly_matches() -> None:
    chosen = choose_pull(
        ("user", "space", "support"),
        [pull(1, "Fix the page allocator"), pull(2, "Add user space support"), pull(3, "TDX docs")],
    )
    assert chosen == pull(2, "Add user space support")


@pytest.mark.parametrize(
    ("titles", "candidates"),
    [
        (["User space support, part 1", "User space support, part 2"], (1, 2)),
        (["Fix the page allocator", "TDX documentation"], ()),
        ([], ()),
    ],
)
def test_does_not_link_when_no_pull_clearly_wins(
    titles: list[str], candidates: tuple[int, ...]
) -> None:
    chosen = choose_pull(
        ("user", "space", "support"), [pull(n, t) for n, t in enumerate(titles, 1)]
    )
    assert not isinstance(chosen, Link)
    assert tuple(p.number for p in chosen) == candidates


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("vijay-dhanraj", "repo:o/r is:pr author:vijay-dhanraj created:<=2024-12-18"),
        (None, "repo:o/r is:pr user space in:title created:<=2024-12-18"),
    ],
)
def test_search_query(author: str | None, expected: str) -> None:
    assert search_query("o/r", author, ("user", "space"), date(2024, 12, 18)) == expected
