"""Choosing the pull request minutes name only by description, and whose it is."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.handlers.refs import find_named_pull
from bot.minutes.model import ActionItem, Minutes, Person, Ref, RefKind
from bot.minutes.people import Roster
from bot.minutes.refs import explicit_refs
from bot.tracker.links import (
    PullFacts,
    choose_by_title,
    choose_pull,
    naming_words,
    search_query,
    title_score,
    with_sure_owners,
)
from bot.tracker.render import Link, Resolution


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
    chosen = choose_by_title(
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
    chosen = choose_by_title(
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


# -- what was open at the meeting ---------------------------------------------------------

MEETING = date(2024, 12, 18)
USERSPACE = ("user", "space", "support")


def facts(number: int, title: str, created: str, closed: str | None = None,
          author: str = "vijay-dhanraj") -> PullFacts:
    link = Link("coconut/svsm", number, "pr", title, f"https://x/pull/{number}", author)
    return PullFacts(link, date.fromisoformat(created), closed and date.fromisoformat(closed))


SERIES = [
    facts(467, "Userspace support: initial system call interface", "2024-08-20", "2024-09-12"),
    facts(509, "Userspace support: task and memory management", "2024-10-01", "2024-10-21"),
    facts(516, "Userspace support: ELF loader for user tasks", "2024-10-15", "2024-11-05"),
    facts(520, "Userspace support: system call dispatch", "2024-10-22", "2024-11-27"),
    facts(547, "Userspace support: system calls for objects and events", "2024-12-02"),
    facts(565, "Userspace support: file system system calls", "2025-01-14"),
]


def test_of_a_series_with_one_title_the_pr_open_at_the_meeting_is_meant() -> None:
    assert choose_pull(USERSPACE, SERIES, MEETING) == SERIES[4].link


def test_a_pr_opened_after_the_meeting_is_never_meant() -> None:
    later = [SERIES[5], facts(566, "Userspace support: more", "2025-01-20")]

    assert choose_pull(USERSPACE, later, MEETING) == ()


def test_two_prs_open_at_the_meeting_are_candidates_not_a_link() -> None:
    open_twice = [*SERIES, facts(548, "Userspace support: signals", "2024-12-10")]

    chosen = choose_pull(USERSPACE, open_twice, MEETING)

    assert not isinstance(chosen, Link)
    assert sorted(link.number for link in chosen) == [547, 548]


def test_closed_prs_count_only_when_none_open_at_the_meeting_fits() -> None:
    merged_once = [facts(509, "Add user space support", "2024-10-01", "2024-10-21"),
                   facts(540, "Multiprocessor startup", "2024-11-28")]

    assert choose_pull(USERSPACE, merged_once, MEETING) == merged_once[0].link


@pytest.mark.parametrize(
    ("closed", "open_on_the_day"),
    [(None, True), ("2024-12-18", True), ("2024-12-19", True), ("2024-12-17", False)],
)
def test_a_pr_closed_on_the_meeting_day_was_still_open_at_it(
    closed: str | None, open_on_the_day: bool
) -> None:
    assert facts(1, "x", "2024-12-01", closed).open_on(MEETING) is open_on_the_day


def test_without_a_meeting_date_the_prs_open_now_come_first() -> None:
    assert choose_pull(USERSPACE, SERIES[:5], None) == SERIES[4].link


def test_search_results_carry_what_the_choice_needs() -> None:
    item = {"number": 547, "title": "Userspace support: objects", "user": {"login": "vijay-d"},
            "html_url": "https://github.com/c/s/pull/547", "created_at": "2024-12-02T09:00:00Z",
            "closed_at": None, "pull_request": {"merged_at": None}}

    read = PullFacts.from_json(item, "c/s")

    assert read == PullFacts(Link("c/s", 547, "pr", "Userspace support: objects",
                                  "https://github.com/c/s/pull/547", "vijay-d"),
                             date(2024, 12, 2), None)


# -- whose PR: the person the minutes name is a hint ---------------------------------------


class FakeSearch:
    """Answer searches from a list of search results, recording each query."""

    def __init__(self, items: list[dict[str, object]]) -> None:
        self.items = items
        self.queries: list[str] = []

    async def search_issues(self, query: str) -> list[dict[str, object]]:
        self.queries.append(query)
        author = next((t[7:] for t in query.split() if t.startswith("author:")), None)
        return [i for i in self.items if author is None or i["user"] == {"login": author}]

    async def get_issue(self, repo: str, number: int) -> dict[str, object]:
        raise AssertionError("no numbered reference here")


def search_item(number: int, title: str, login: str, created: str) -> dict[str, object]:
    return {"number": number, "title": title, "user": {"login": login},
            "html_url": f"https://github.com/c/s/pull/{number}",
            "repository_url": "https://api.github.com/repos/c/s",
            "created_at": f"{created}T09:00:00Z", "closed_at": None,
            "pull_request": {"merged_at": None}}


async def test_the_named_persons_prs_are_searched_first_in_one_call() -> None:
    search = FakeSearch([search_item(547, "Userspace support: objects", "vijay", "2024-12-02")])

    found = await find_named_pull(search, "user space support PR", repos=("c/s",),
                                  author="vijay", before=MEETING)

    assert isinstance(found, Link) and found.number == 547
    assert search.queries == ["repo:c/s is:pr author:vijay created:<=2024-12-18"]


async def test_a_wrong_person_falls_back_to_the_title_words() -> None:
    search = FakeSearch([search_item(31, "Interrupt remapping table", "zoe", "2024-12-01")])

    found = await find_named_pull(search, "interrupt remapping PR", repos=("c/s",),
                                  author="tobias", before=MEETING)

    assert isinstance(found, Link) and (found.number, found.author) == (31, "zoe")
    assert search.queries == [
        "repo:c/s is:pr author:tobias created:<=2024-12-18",
        "repo:c/s is:pr interrupt remapping in:title created:<=2024-12-18",
    ]


REVIEW = ActionItem(
    line=63, owners=("Joerg Roedel",), logins=("joergroedel",),
    title="Review Vijay Dhanraj's user space support PR",
    refs=(Ref(RefKind.NAMED_PR, "user space support PR", "Vijay Dhanraj"),),
    source="Vijay Dhanraj reminded Joerg Roedel about the user space support PR and requested a review.",
)
PEOPLE = Roster.from_people([Person("Vijay Dhanraj", "vijay-dhanraj")])


def titled(resolution: Resolution | None, item: ActionItem = REVIEW) -> str:
    links = {} if resolution is None else {item.refs[0]: resolution}
    minutes = Minutes("m.md", None, MEETING, items=(item,))
    return with_sure_owners(minutes, links, PEOPLE).items[0].title


def test_the_owner_stays_in_the_title_when_the_pr_confirms_it() -> None:
    link = Link("c/s", 547, "pr", "Userspace support", "u", "vijay-dhanraj")

    assert titled(link) == "Review Vijay Dhanraj's user space support PR"


@pytest.mark.parametrize(
    "resolution",
    [
        Link("c/s", 31, "pr", "User space support", "u", "zoe"),  # somebody else's PR
        (Link("c/s", 1, "pr", "a", "u", "vijay-dhanraj"), Link("c/s", 2, "pr", "b", "u", "x")),
        (),
        None,
    ],
)
def test_an_owner_the_minutes_only_imply_leaves_the_title_when_unsure(
    resolution: Resolution | None,
) -> None:
    assert titled(resolution) == "Review the user space support PR"


def test_an_owner_the_minutes_write_stays_unless_the_pr_says_otherwise() -> None:
    written = replace(
        REVIEW, title="Review Amara's query cache PR",
        refs=(Ref(RefKind.NAMED_PR, "Amara's query cache PR", "Amara"),),
        source="Ben will review Amara's query cache PR.",
    )

    assert titled((), written) == "Review Amara's query cache PR"
    assert titled(Link("c/s", 9, "pr", "Query cache", "u", "ben"), written) == (
        "Review the query cache PR"
    )


# -- branches in other repositories ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "repository"),
    [
        ("removed from the `svsm-tdx` branch in the Linux kernel repository.",
         "the Linux kernel repository"),
        ("rebase on the `tdx` branch of coconut-svsm/linux today", "coconut-svsm/linux"),
        ("test the `next` branch in the QEMU repo and report", "the QEMU repo"),
        ("merge the `feat/x` branch in this repository", None),
        ("rebase `feat/x` on main", None),
    ],
)
def test_a_branch_the_minutes_place_elsewhere_is_marked_with_that_repository(
    text: str, repository: str | None
) -> None:
    [ref] = explicit_refs(text, branches=frozenset({"svsm-tdx", "tdx", "next"}))

    assert ref.kind is RefKind.BRANCH
    assert ref.repository == repository
