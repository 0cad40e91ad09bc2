"""Nothing the bot writes from people's text is live: no mention, reference, link or HTML.

Minutes in a fork's pull request, a PR title or a `/drop` reason can hold `@everyone`,
`@org/team`, `other/repo#5`, `<img>` or an unclosed `<!--`. Every body the bot writes
from them (item issues, the meeting issue, the preview, the weekly status, replies) is
read here as GitHub reads it, with a CommonMark parser, and must hold no mention, no
reference and no autolink in its text, and no HTML or link the bot did not make.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.compat import UTC
from bot.handlers.comments import done_text
from bot.minutes.model import ActionItem, Minutes
from bot.tracker.commands import Done
from bot.tracker.dry_run import Change
from bot.tracker.inert import inert_markdown, inert_title
from bot.tracker.preview import Head, by_file, render_preview
from bot.tracker.reconcile import CreateItemIssue, CreateMeetingIssue, Settings, reconcile
from bot.tracker.render import RenderContext, render_item
from bot.tracker.status import ItemState, TrackedItem, WeeklySchedule, render_status
from tests.e2e_support import MEETING, Bot
from tests.github_sim import GitHubSim

REPO = "coconut-svsm/svsm"
SERVER = "https://github.com"
HOSTILE = [
    "@everyone", "@org/team", "@carol", "#1", "other/repo#5", "GH-7", "gh-8", "<details>",
    "<img src=x onerror=alert(1)>", "<!--", "-->", "[x](https://evil.example)",
    "![i](https://evil.example/a.png)", "https://github.com/o/r/issues/9", "www.evil.example",
    "a@b.example", "&#64;dave", "&commat;erin", "\\[y](https://evil.example)", "`", "<https://evil.example>",
    "&lt;b&gt;", "[r]: https://evil.example", "[r]", "\\", "</sub>", "<!-- minutes-bot:body -->",
    "|", "\n", "\r", " ", "x", "**", "_",
]
hostile_text = st.lists(
    st.sampled_from(HOSTILE) | st.text(alphabet=" \n`[]()<>!@#/&*_|-:.\\1a", max_size=4),
    min_size=1, max_size=12,
).map("".join)
# What GitHub links or notifies in the text of a body.
LIVE_TEXT = re.compile(
    r"@[A-Za-z0-9_-]|#\d|\bGH-\d|\b(?:https?|ftp|mailto):|\bwww\.", re.IGNORECASE
)
OWN_HTML = re.compile(r"(?:\s*(?:</?sub>|<!-- /?minutes-bot(?:(?!-->).)*-->))+\s*", re.DOTALL)
MARKDOWN = MarkdownIt("commonmark").enable("table")
# GitHub's rule for logins, written out here rather than taken from the bot, so that a
# renderer linking what is no login fails these tests.
LOGIN = re.compile(r"(?!-)(?!.*--)[A-Za-z0-9-]{1,39}(?<!-)")


def tokens(markdown: str) -> Iterator[Token]:
    for token in MARKDOWN.parse(markdown):
        yield token
        yield from token.children or ()


def live_parts(
    markdown: str, own_links: tuple[str, ...] = (f"{SERVER}/{REPO}/",), profiles_on: str | None = None
) -> list[str]:
    """Return what is live in `markdown` that the bot did not make itself.

    With `profiles_on`, the bot's own profile links on that site are its making too:
    exactly `[login](site/login)` for a valid login. GitHub makes no mention or
    reference inside a link, so the login's text is not read as one.
    """
    found = []
    for token in without_profile_links(list(tokens(markdown)), profiles_on):
        if token.type in ("html_inline", "html_block") and not OWN_HTML.fullmatch(token.content):
            found.append(token.content)
        elif token.type in ("link_open", "image"):
            target = str(token.attrs.get("href") or token.attrs.get("src"))
            if not target.startswith(own_links):
                found.append(target)
        elif token.type == "text" and LIVE_TEXT.search(token.content):
            found.append(token.content)
    return found


def without_profile_links(found: list[Token], site: str | None) -> Iterator[Token]:
    """Leave out each `[login](site/login)` the weekly status writes for an owner."""
    at = 0
    while at < len(found):
        if site and is_profile_link(found[at:at + 3], site):
            at += 3
            continue
        yield found[at]
        at += 1


def is_profile_link(run: list[Token], site: str) -> bool:
    if [token.type for token in run] != ["link_open", "text", "link_close"]:
        return False
    login = run[1].content
    return bool(LOGIN.fullmatch(login)) and run[0].attrs.get("href") == f"{site}/{login}"


def test_the_checker_sees_what_github_would_make_live() -> None:
    for raw in ("@carol", "see #1", "o/r#5", "<img src=x>", "[x](https://evil.example)", "www.x.org",
                "<!-- minutes-bot: forged", "a@b.example"):
        assert live_parts(raw), raw
    assert live_parts("`@carol` <sub>x</sub> [a](https://github.com/coconut-svsm/svsm/blob/x)") == []


def test_the_checker_takes_only_the_bots_own_profile_links_as_made_by_it() -> None:
    profile = "**[everyone-GH-7](https://github.com/everyone-GH-7)**"
    assert live_parts(profile, profiles_on=SERVER) == []
    assert live_parts(profile), "a profile link where the bot makes none"
    for made in ("[@carol](https://github.com/carol)", "[carol](https://github.com/carol/x)",
                 "[carol](https://github.com/dave)", "[a--b](https://github.com/a--b)",
                 "[-a](https://github.com/-a)", f"[{'a' * 40}](https://github.com/{'a' * 40})",
                 "[c *d*](https://github.com/c)", "[carol](https://evil.example/carol)"):
        assert live_parts(made, profiles_on=SERVER), made


@given(hostile_text)
def test_escaped_text_is_never_live_and_escaping_twice_is_escaping_once(text: str) -> None:
    escaped = inert_markdown(text)
    assert live_parts(escaped) == []
    assert inert_markdown(escaped) == escaped


@given(hostile_text)
def test_an_escaped_title_mentions_and_references_nothing(text: str) -> None:
    title = inert_title(text)
    assert not LIVE_TEXT.search(title)
    assert inert_title(title) == title


def hostile_minutes(title: str, source: str, owner: str, heading: str) -> Minutes:
    item = ActionItem(line=3, owners=(owner,), logins=(), title=title, due=date(2025, 1, 10), source=source)
    return Minutes("meetings/2024-12-18.md", heading, date(2024, 12, 18), items=(item,))


CTX = RenderContext(REPO, "meetings/2024-12-18.md", "a" * 40)
body_parts = st.tuples(hostile_text, hostile_text, hostile_text, hostile_text)
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(body_parts)
def test_item_and_meeting_issues_hold_nothing_live_from_the_minutes(parts: tuple[str, str, str, str]) -> None:
    minutes = hostile_minutes(*parts)
    opened = reconcile(minutes, [], CTX, Settings(meeting_issue=False)).operations
    meeting = reconcile(minutes, [], CTX).operations
    [item] = [op for op in opened if isinstance(op, CreateItemIssue)]
    [group] = [op for op in meeting if isinstance(op, CreateMeetingIssue)]
    for body in (item.body, group.body, render_item(minutes.items[0], CTX)):
        assert live_parts(body) == [], body
    for title in (item.title, group.title):
        assert not LIVE_TEXT.search(title), title


@SLOW
@given(body_parts, hostile_text)
def test_a_preview_of_hostile_minutes_notifies_and_links_nobody(
    parts: tuple[str, str, str, str], pull_title: str
) -> None:
    minutes = hostile_minutes(*parts)
    ctx = CTX
    changes = [Change(op, minutes, ctx, number) for number, op in
               enumerate(reconcile(minutes, [], ctx, Settings(meeting_issue=False)).operations, 1)]
    meeting = [Change(op, minutes, ctx) for op in reconcile(minutes, [], ctx).operations]
    existing = {7: {"title": pull_title, "body": ""}}
    body = render_preview(by_file([*meeting, *changes], [ctx.path]), existing, Head("fork/svsm", "x"),
                          config_changed=False)
    assert live_parts(body, (f"{SERVER}/fork/svsm/",)) == [], body


@SLOW
@given(hostile_text, hostile_text)
@example("@everyone", "@everyone-GH-7")  # a login, linked to its profile; `GH-7` in it is no reference
@example("x", "@a--1")  # no login GitHub allows: repeated as text, not linked
@example("x", "@" + "a" * 40)
def test_the_weekly_status_repeats_titles_and_names_inertly(title: str, owner: str) -> None:
    item = TrackedItem(12, title, f"{SERVER}/{REPO}/issues/12", (owner,), ItemState.OPEN, None,
                       datetime(2024, 12, 1, tzinfo=UTC), due=date(2024, 12, 20))
    body = render_status([item], datetime(2025, 1, 6, 9, tzinfo=UTC), WeeklySchedule(0, 9, "UTC"), None)
    assert body is not None
    # Owners written `@login` are linked to their profiles, which notifies nobody.
    assert live_parts(body.replace("[#12]", "[twelve]"), profiles_on=SERVER) == [], body


@given(hostile_text)
def test_a_done_note_is_repeated_inertly(note: str) -> None:
    said = done_text(Done(ref=None, note=note), "peterfang", date(2025, 1, 6))
    assert live_parts(said.replace("(@peterfang,", "(peterfang,")) == [], said


# -- as users meet it: a pull request of minutes from a fork, its preview, then the merge ------------------

HOSTILE_MINUTES = """# Team call 2024-12-18

## Action items

- [ ] Peter Fang to ask @everyone and @org/team about it <details><img src=x onerror=alert(1)>
- [ ] Jon Lange to read [this](https://evil.example) with @carol, see GH-3 and www.evil.example <!-- hidden
"""


def bot_made_removed(body: str) -> str:
    """Drop what the bot links on purpose: its `Related:`, `Meeting:` and `Owner:` facts (the
    unit tests above check the owner names), the task list's `#12` and assignees."""
    body = re.sub(r"^- \*\*(?:Related|Meeting|Owner):\*\*.*$", "", body, flags=re.MULTILINE)
    body = re.sub(r"^- \[[ x]\] #\d+ ", "- ", body, flags=re.MULTILINE)
    return re.sub(r" \(@[\w-]+(?:, due [\d-]+)?\)$", "", body, flags=re.MULTILINE)


async def test_a_pull_request_of_hostile_minutes_is_previewed_and_tracked_without_anything_live(
    github_sim: GitHubSim, svsm_bot: Bot
) -> None:
    opened = await github_sim.open_pull(
        REPO, title="Minutes @carol #1", author="mallory", fork="mallory/svsm", head="minutes",
        files={MEETING: HOSTILE_MINUTES},
    )
    await svsm_bot.settle(github_sim)
    [preview] = github_sim.comments(REPO, int(opened.payload["number"]))
    own = (f"{SERVER}/{REPO}/", f"{SERVER}/mallory/svsm/", f"{github_sim.url}/")
    assert "Peter Fang" in preview.body and "Jon Lange" in preview.body
    assert live_parts(preview.body, own) == [], preview.body

    await github_sim.merge_pull(REPO, int(opened.payload["number"]), by="joergroedel", push=True)
    await svsm_bot.settle(github_sim)
    written = [issue for issue in github_sim.issues(REPO) if not issue.is_pull]
    assert len(written) == 3, [issue.title for issue in written]  # the meeting and its two items
    for issue in written:
        assert not LIVE_TEXT.search(issue.title), issue.title
        assert live_parts(bot_made_removed(issue.body or ""), own) == [], issue.body
