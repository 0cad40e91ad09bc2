"""One marker, one line; a link or a submodule is not a deleted minutes file. End to end.

Minutes saved with `\\r\\n` (Windows) or a lone `\\r` (classic Mac OS) line breaks read
exactly as with `\\n`: the same items, the same line links, and an ignore marker blanks
its own line only, in the service and in the preview. A push that turns a minutes file
into a symbolic link or a submodule, and a later `minutes-bot sync`, leave its items
open: the file was not deleted.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.tracker.ignore import IGNORE_MARKER
from tests.e2e_support import (
    MEETING,
    REPO,
    SVSM,
    Bot,
    app_env,
    expected_items,
    item_issues,
    minutes_bot,
    push,
)
from tests.github_sim import GitHubSim
from tests.github_sim.git import Submodule, Symlink

BREAKS = [pytest.param("\n", id="LF"), pytest.param("\r\n", id="CRLF"), pytest.param("\r", id="CR")]


def saved_with(text: str, newline: str) -> str:
    return text.replace("\n", newline)


def with_marker(text: str, words: str) -> str:
    """Append the ignore marker to the one line holding `words`."""
    [line] = [line for line in text.split("\n") if words in line]
    return text.replace(line, f"{line} {IGNORE_MARKER}")


def line_links(body: str) -> list[str]:
    return re.findall(r"\?plain=1#L(\d+)", body)


@pytest.mark.parametrize("newline", BREAKS)
async def test_an_ignore_marker_skips_its_own_line_whatever_the_line_breaks(
    github_sim: GitHubSim, svsm_bot: Bot, newline: str
) -> None:
    await push(github_sim, svsm_bot, {MEETING: SVSM})
    before = {issue.title: line_links(issue.body or "") for issue in item_issues(github_sim)}
    assert len(before) == 7

    skipped = with_marker(SVSM, "Peter Fang was asked")
    await push(github_sim, svsm_bot, {MEETING: saved_with(skipped, newline)})

    issues = item_issues(github_sim)
    still_open = {issue.title: line_links(issue.body or "") for issue in issues if issue.state == "open"}
    [closed] = [issue.title for issue in issues if issue.state == "closed"]
    assert closed.startswith("Check and resubmit")
    assert still_open == {title: links for title, links in before.items() if title != closed}


@pytest.mark.parametrize("newline", BREAKS)
async def test_a_preview_links_the_same_lines_whatever_the_line_breaks(
    github_sim: GitHubSim, svsm_bot: Bot, newline: str
) -> None:
    opened = await github_sim.open_pull(REPO, title="Minutes", author="vijay-dhanraj", head="minutes",
                                        files={MEETING: saved_with(SVSM, newline)})
    await svsm_bot.settle(github_sim)
    [preview] = github_sim.comments(REPO, int(opened.payload["number"]))
    assert line_links(preview.body) == [str(item.line) for item in expected_items(SVSM)]


OTHER_TEXT = "# Notes\n\n## Action items\n\n- [ ] @jlange: water the plants\n"


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param(Symlink("../archive/notes.txt"), id="link to another file"),
        pytest.param(Symlink("../nowhere.md"), id="dangling link"),
        pytest.param(Submodule("9" * 40), id="submodule"),
    ],
)
async def test_a_minutes_file_that_became_a_link_or_submodule_keeps_its_items_after_a_push_and_a_sync(
    github_sim: GitHubSim, svsm_bot: Bot, github_app_key: tuple[int, str], tmp_path: Path,
    entry: Symlink | Submodule,
) -> None:
    await push(github_sim, svsm_bot, {MEETING: SVSM, "archive/notes.txt": OTHER_TEXT})
    opened = sorted(issue.number for issue in item_issues(github_sim))

    await push(github_sim, svsm_bot, {MEETING: entry})  # type: ignore[dict-item]
    synced = await minutes_bot(app_env(github_sim, github_app_key, tmp_path), "sync", REPO)
    assert synced.status == 0, synced.stderr
    await svsm_bot.settle(github_sim)

    issues = item_issues(github_sim)
    assert sorted(issue.number for issue in issues) == opened  # none opened from the link's target
    assert [issue.number for issue in issues if issue.state != "open"] == []


async def test_a_link_added_beside_the_minutes_is_not_read_as_minutes(
    github_sim: GitHubSim, svsm_bot: Bot
) -> None:
    await push(github_sim, svsm_bot, {MEETING: SVSM})
    opened = sorted(issue.number for issue in item_issues(github_sim))

    await push(github_sim, svsm_bot, {"meetings/latest.md": Symlink("2024-12-18.md")})  # type: ignore[dict-item]

    assert sorted(issue.number for issue in item_issues(github_sim)) == opened
