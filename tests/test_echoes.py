"""What the bot repeats of people's words is inert: command arguments, reasons, paths.

`@name` must not ping anybody, a backtick must not end the code span around an echo,
and `<!--` must not hide the rest of a body (the bot's own markers included). The
first tests pin the two helpers down; the rest meet them the way users do.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.compat import UTC
from bot.tracker.commands import DUE_NOT_UNDERSTOOD, DUE_OUT_OF_RANGE
from bot.tracker.inert import code_span, inert_text
from bot.tracker.marker import ItemMarker, owned_part, parse_marker
from tests.e2e_support import MEETING, REPO, Bot, item_issues, push
from tests.github_sim import GitHubSim

MINUTES = """# Team call 2024-12-18

## Action items

- [ ] @peterfang: resubmit the changes removed from the `svsm-tdx` branch
"""


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("next Friday", "`next Friday`"),
        ("x` @carol `y", "``x` @carol `y``"),
        ("`@carol`", "`` `@carol` ``"),
        ("a ``` b", "````a ``` b````"),
        (" padded ", "`  padded  `"),
        ("two\nlines", "`two lines`"),
        ("", "` `"),
    ],
)
def test_a_code_span_holds_whatever_it_quotes(text: str, span: str) -> None:
    assert code_span(text) == span


@pytest.mark.parametrize(
    ("text", "inert"),
    [
        ("after the rebase", "after the rebase"),
        ("thanks @carol and @bob-2", "thanks @&#8203;carol and @&#8203;bob-2"),
        ("mail me@example.org", "mail me@&#8203;example.org"),
        ("superseded <!-- hide", "superseded &lt;!-- hide"),
        ("<img src=x> & more", "&lt;img src=x&gt; &amp; more"),
        ("one\ntwo", "one two"),
    ],
)
def test_inert_text_mentions_nobody_and_holds_no_html(text: str, inert: str) -> None:
    assert inert_text(text) == inert


# -- as users meet them ------------------------------------------------------------------------------


async def item_of(sim: GitHubSim, bot: Bot, minutes: str = MINUTES, path: str = MEETING) -> int:
    await push(sim, bot, {path: minutes})
    return next(i.number for i in item_issues(sim) if i.assignees == ["peterfang"])


async def command(sim: GitHubSim, bot: Bot, number: int, body: str) -> list[str]:
    """Comment as the assignee; return the bot's replies on the issue."""
    delivery = await sim.comment(REPO, number, "peterfang", body)
    assert delivery.status == 202
    await bot.settle(sim)
    return [c.body for c in sim.comments(REPO, number) if c.user == sim.acting_login()]


async def test_a_phrase_due_cannot_read_is_echoed_as_code_it_cannot_leave(
    github_sim: GitHubSim, svsm_bot: Bot
) -> None:
    number = await item_of(github_sim, svsm_bot)

    replies = await command(github_sim, svsm_bot, number, "/due x` @carol @bob `y")

    phrase = code_span("x` @carol @bob `y")
    assert phrase == "``x` @carol @bob `y``"
    assert replies == [f"@peterfang {DUE_NOT_UNDERSTOOD.format(phrase=phrase)}"]


async def test_a_drop_reason_cannot_hide_the_rest_of_the_body(
    github_sim: GitHubSim, svsm_bot: Bot
) -> None:
    number = await item_of(github_sim, svsm_bot)

    await command(github_sim, svsm_bot, number, "/drop moved to @carol's team <!-- and gone")

    body = github_sim.issue(REPO, number).body or ""
    assert "- **Done:** dropped: moved to @&#8203;carol's team &lt;!-- and gone (@peterfang)" in body
    assert "<!-- and gone" not in body
    assert isinstance(parse_marker(owned_part(body)), ItemMarker)


async def test_a_done_note_mentions_nobody(github_sim: GitHubSim, svsm_bot: Bot) -> None:
    number = await item_of(github_sim, svsm_bot)

    await command(github_sim, svsm_bot, number, "/done with #1 thanks to @carol")

    body = github_sim.issue(REPO, number).body or ""
    today = datetime.now(UTC).date().isoformat()
    assert f"- **Done:** with #1: thanks to @&#8203;carol (@peterfang, {today})" in body


async def test_a_path_with_backticks_stays_inside_its_code_span(
    github_sim: GitHubSim, svsm_bot: Bot
) -> None:
    path = "meetings/`x` @carol `y`.md"

    number = await item_of(github_sim, svsm_bot, path=path)

    body = github_sim.issue(REPO, number).body or ""
    assert "From [``meetings/`x` @carol `y`.md`` line 5](" in body


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
async def test_a_due_date_far_from_today_is_refused(
    github_sim: GitHubSim, svsm_bot: Bot, day: str
) -> None:
    number = await item_of(github_sim, svsm_bot)
    before = github_sim.issue(REPO, number).body

    replies = await command(github_sim, svsm_bot, number, f"/due {day}")

    assert replies == [f"@peterfang {DUE_OUT_OF_RANGE.format(day=day)}"]
    assert github_sim.issue(REPO, number).body == before
