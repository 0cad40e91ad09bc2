"""Meetings follow each other, end to end through the served bot and the simulated GitHub.

The SVSM call of 2024-12-18 opens its items; the call of 2025-01-08 ticks one of them,
reports another done in a sentence and restates a third. The ticked one is closed with a
link to its line, the one reported in prose gets a comment (the default closes only on
explicit marks), the restated one a "mentioned again" comment, and no issue is opened
twice. A `/reopen` is final for those minutes.
"""

from __future__ import annotations

import pytest

from tests.e2e_support import CONFIG, MEETING, REPO, SVSM, Bot, item_issues, push
from tests.github_sim import GitHubSim
from tests.github_sim.state import Issue

NEXT = "meetings/2025-01-08.md"
NEXT_CALL = """# Meeting Minutes: SVSM Development Call (January 8th, 2025)

## Attendees:

Adam Dunlap, Joerg Roedel, Jon Lange, Peter Fang, Vijay Dhanraj

## Action items from last meeting

- [x] Peter Fang: check and resubmit any changes removed from the `svsm-tdx` branch
- [ ] Joerg Roedel: investigate the external UUID crate and compare it with the existing implementation

## Topics

### Page tables

* Adam Dunlap explored this approach and submitted a PR.
* Jon Lange presented the page table rework.
* Vijay Dhanraj will rebase the user mode branch onto the new page tables.
"""
TICKED_LINE = 9
PROSE_LINE = 16


@pytest.fixture
def bot(svsm_bot: Bot) -> Bot:
    return svsm_bot


def bot_comments(sim: GitHubSim, number: int) -> list[str]:
    return [c.body for c in sim.comments(REPO, number) if c.user == sim.acting_login()]


def issue_titled(sim: GitHubSim, words: str) -> Issue:
    return next(i for i in item_issues(sim) if words in i.title.lower())


async def two_meetings(sim: GitHubSim, bot: Bot, config: str = CONFIG) -> dict[str, Issue]:
    await push(sim, bot, {MEETING: SVSM, ".github/minutes-bot.yml": config})
    await push(sim, bot, {NEXT: NEXT_CALL})
    return {
        "ticked": issue_titled(sim, "resubmit"),
        "prose": issue_titled(sim, "explore this approach"),
        "again": issue_titled(sim, "external crate"),
    }


async def test_the_next_meeting_closes_ticked_items_and_comments_on_the_rest(
    github_sim: GitHubSim, bot: Bot
) -> None:
    found = await two_meetings(github_sim, bot)
    [new] = [i for i in item_issues(github_sim) if "meeting/2025-01-08" in i.labels]
    assert new.title == "Rebase the user mode branch onto the new page tables"
    assert len(item_issues(github_sim)) == 8  # the first meeting's seven and one new
    [meeting] = [i for i in github_sim.issues(REPO) if i.title.startswith("Meeting 2025-01-08")]
    assert f"#{new.number} Rebase" in (meeting.body or "")
    assert (
        "Carried over from earlier meetings (each keeps its own issue):\n\n"
        f"- #{found['again'].number} Investigate the external crate"
    ) in (meeting.body or "")

    ticked = github_sim.issue(REPO, found["ticked"].number)
    assert (ticked.state, ticked.state_reason) == ("closed", "completed")
    [said] = bot_comments(github_sim, ticked.number)
    sha = github_sim.commit(REPO).sha
    assert said.startswith(
        f"Reported done in the minutes of 2025-01-08 ([line {TICKED_LINE}]"
        f"(https://github.com/{REPO}/blob/{sha}/{NEXT}?plain=1#L{TICKED_LINE})):"
    )
    assert "> Peter Fang: check and resubmit any changes removed from the svsm-tdx branch" in said
    assert "`/reopen`" in said

    prose = github_sim.issue(REPO, found["prose"].number)
    assert prose.state == "open"
    [told] = bot_comments(github_sim, prose.number)
    assert told.startswith(f"The minutes of 2025-01-08 report this done ([line {PROSE_LINE}]")
    assert "> Adam Dunlap explored this approach and submitted a PR." in told
    assert "comment `/done` to close it" in told

    again = github_sim.issue(REPO, found["again"].number)
    assert again.state == "open"
    [mentioned] = bot_comments(github_sim, again.number)
    assert mentioned.startswith("Mentioned again in the minutes of 2025-01-08 ([line 10]")

    untouched = [
        i for i in item_issues(github_sim) if i.number not in {f.number for f in found.values()}
    ]
    assert all(bot_comments(github_sim, i.number) == [] for i in untouched)
    assert all(i.state == "open" for i in untouched)


async def test_a_reopened_item_is_never_closed_again_by_the_same_minutes(
    github_sim: GitHubSim, bot: Bot
) -> None:
    found = await two_meetings(github_sim, bot)
    number = found["ticked"].number
    reopened = await github_sim.comment(REPO, number, "peterfang", "/reopen")
    assert reopened.status == 202
    await bot.settle(github_sim)
    assert github_sim.issue(REPO, number).state == "open"
    said = len(github_sim.comments(REPO, number))

    await push(github_sim, bot, {NEXT: NEXT_CALL + "\n* Vijay Dhanraj gave a demo.\n"})
    assert github_sim.issue(REPO, number).state == "open"
    assert len(github_sim.comments(REPO, number)) == said
    assert all(len(bot_comments(github_sim, f.number)) == 1 for f in found.values())


async def test_close_reported_any_closes_on_a_sentence_and_never_closes_nothing(
    github_sim: GitHubSim, bot: Bot
) -> None:
    found = await two_meetings(github_sim, bot, CONFIG + "close_reported: any\n")
    assert github_sim.issue(REPO, found["prose"].number).state == "closed"
    assert github_sim.issue(REPO, found["ticked"].number).state == "closed"
    assert github_sim.issue(REPO, found["again"].number).state == "open"
    [said] = bot_comments(github_sim, found["prose"].number)
    assert said.startswith(f"Reported done in the minutes of 2025-01-08 ([line {PROSE_LINE}]")


async def test_close_reported_never_only_comments(github_sim: GitHubSim, bot: Bot) -> None:
    found = await two_meetings(github_sim, bot, CONFIG + "close_reported: never\n")
    assert all(github_sim.issue(REPO, f.number).state == "open" for f in found.values())
    [said] = bot_comments(github_sim, found["ticked"].number)
    assert said.startswith("The minutes of 2025-01-08 report this done")


async def test_the_preview_says_what_the_next_meeting_would_close_and_merging_does_it(
    github_sim: GitHubSim, bot: Bot
) -> None:
    await push(github_sim, bot, {MEETING: SVSM})
    ticked, prose, again = (
        issue_titled(github_sim, words)
        for words in ("resubmit", "explore this approach", "external crate")
    )
    opened = await github_sim.open_pull(
        REPO,
        title="Minutes of 2025-01-08",
        author="vijay-dhanraj",
        head="minutes-0108",
        files={NEXT: NEXT_CALL},
    )
    assert opened.status == 202
    await bot.settle(github_sim)
    number = int(opened.payload["number"])
    [preview] = [c.body for c in github_sim.comments(REPO, number)]
    link = f"https://github.com/{REPO}/blob/minutes-0108/{NEXT}?plain=1#L"
    assert (
        "Closes 1 issue(s) of earlier meetings as completed, reported done:\n\n"
        f"- `#{ticked.number}` {ticked.title}: [line {TICKED_LINE}]({link}{TICKED_LINE}) "
        '"Peter Fang: check and resubmit any changes removed from the svsm-tdx branch"'
    ) in preview
    assert f"- `#{prose.number}` {prose.title}: [line {PROSE_LINE}]" in preview
    assert "`/done` closes them" in preview
    assert (
        f"Carried over: 1 item(s) of earlier meetings, mentioned again:\n\n- `#{again.number}`"
        in preview
    )
    assert " and 1 issue(s):" in preview  # the new item only: the restated one opens nothing
    assert "| Investigate" not in preview
    assert github_sim.issue(REPO, ticked.number).state == "open"  # nothing before the merge
    assert bot_comments(github_sim, ticked.number) == []

    await github_sim.merge_pull(REPO, number, by="joergroedel", push=True)
    await bot.settle(github_sim)
    closed = github_sim.issue(REPO, ticked.number)
    assert (closed.state, closed.state_reason) == ("closed", "completed")
    assert len(bot_comments(github_sim, again.number)) == 1
