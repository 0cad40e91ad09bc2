"""What the bot says it could not use or found odd, end to end: a meeting label longer
than GitHub allows, a title whose date disagrees with the file name's."""

from __future__ import annotations

from bot.tracker.preview import DATES_DISAGREE
from tests.e2e_support import REPO, SVSM, Bot, item_issues, push
from tests.github_sim import GitHubSim

LONG_NAME = "meetings/design-review-of-the-secure-virtual-machine-service-module-rework.md"
UNDATED = "# Design review\n\n## Action items\n\n- [ ] @joergroedel: tag the release\n- [ ] @jlange: write it up\n"


async def test_a_long_file_name_gives_a_meeting_label_github_accepts(github_sim: GitHubSim, svsm_bot: Bot) -> None:
    await push(github_sim, svsm_bot, {LONG_NAME: UNDATED})
    await push(github_sim, svsm_bot, {LONG_NAME.replace("rework", "rewrite"): UNDATED})

    issues = item_issues(github_sim)
    assert len(issues) == 4
    meeting_labels = {label for issue in issues for label in issue.labels if label.startswith("meeting/")}
    assert len(meeting_labels) == 2  # one per file, however alike their names
    assert all(len(label) <= 50 for label in meeting_labels)
    assert all(label.startswith("meeting/design-review-of-the-secure") for label in meeting_labels)


async def test_a_preview_says_when_the_titles_date_is_not_the_file_names(
    github_sim: GitHubSim, svsm_bot: Bot
) -> None:
    misdated = SVSM.replace("December 18th, 2024", "December 11th, 2024", 1)
    assert misdated != SVSM
    opened = await github_sim.open_pull(REPO, title="Minutes", author="vijay-dhanraj", head="minutes",
                                        files={"meetings/2024-12-18.md": misdated})
    await svsm_bot.settle(github_sim)

    [preview] = github_sim.comments(REPO, int(opened.payload["number"]))
    said = DATES_DISAGREE.format(titled="2024-12-11", named="2024-12-18", used="2024-12-11")
    assert said in preview.body
