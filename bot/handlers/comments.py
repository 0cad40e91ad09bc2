"""Run the commands people comment on action-item issues: `/done`, `/drop`, `/due`, ...

A command that worked gets a 👍 reaction on its comment; one that cannot run gets a
😕 reaction and a short reply saying why. Only the assignees, the issue author and
people with triage or write access may use them; anyone else is told so once a day
on each issue, and only gets the 😕 after that. An edited comment runs only the
commands it added. Owners set by `/assign` and dates set by `/due` are recorded in
the item's marker, so later pushes keep them. After a change the meeting issue's
task and the tracker's summary are brought up to date (`item_state.show_item`).

A flood of commands from one person on one repository is answered once and then
ignored for a while. The count is kept in memory, so each replica of the service
counts on its own: with N replicas someone may get up to N times the limit through.
"""

from __future__ import annotations

import enum
import logging
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from gidgethub import sansio
from gidgethub.routing import Router

from bot.compat import parse_time
from bot.config.types import ConfigError, RepoConfig
from bot.github.port import GitHubPort
from bot.handlers.context import Context
from bot.handlers.item_state import show_item
from bot.handlers.repo_config import load_repo_config
from bot.minutes.dates import parse_when
from bot.tracker.commands import (
    DUE_NOT_UNDERSTOOD,
    DUE_OUT_OF_RANGE,
    MEETING_ISSUE_HELP,
    REFUSAL,
    Assign,
    Command,
    Done,
    Drop,
    Due,
    Help,
    Malformed,
    Reopen,
    Unknown,
    added_commands,
    due_in_range,
    help_text,
    may_act,
    parse_commands,
)
from bot.tracker.inert import code_span, inert_text
from bot.tracker.marker import ItemMarker, MeetingMarker, parse_marker, trusted_marker
from bot.tracker.reconcile import restate_item, view_of_issue
from bot.tracker.render import STATE_LINES

log = logging.getLogger(__name__)
router = Router()

WORKED = "+1"
FAILED = "confused"
RATE_LIMIT = 10
RATE_WINDOW = timedelta(minutes=10)
RATE_LIMITED = (
    "Sorry, that is a lot of commands in a few minutes, so I'll ignore yours on this"
    " repository for a while. Please try again in ten minutes."
)
CANNOT_ASSIGN = "{logins} cannot be assigned issues in this repository."
# A person refused on an issue is told once in this long; later commands only get 😕.
REFUSAL_WINDOW = timedelta(days=1)
_DONE_LINE = re.compile(r"\n- \*\*Done:\*\* [^\n]*")  # never first: the owner is
# A reference of `/done with` that holds nothing but a reference: no `@`, HTML or spaces.
_PLAIN_REF = re.compile(r"[\w./#:-]+")


class Verdict(enum.Enum):
    """What to do with a comment's commands given its author's recent ones."""

    RUN = "run"
    TELL = "tell"  # the first comment over the limit: say so once
    IGNORE = "ignore"


class CommandBudget:
    """How many commands each person ran lately on each repository, in this process."""

    def __init__(self, limit: int = RATE_LIMIT, window: timedelta = RATE_WINDOW) -> None:
        self.limit = limit
        self.window = window
        self._runs: dict[tuple[str, str], deque[datetime]] = {}
        self._told: set[tuple[str, str]] = set()

    def spend(self, repo: str, login: str, count: int, now: datetime) -> Verdict:
        """Count `count` commands by `login` and say whether they may run."""
        key = (repo, login.casefold())
        runs = self._runs.setdefault(key, deque())
        while runs and runs[0] <= now - self.window:
            runs.popleft()
        if len(runs) + count <= self.limit:
            runs.extend([now] * count)
            self._told.discard(key)
            return Verdict.RUN
        if key in self._told:
            return Verdict.IGNORE
        self._told.add(key)
        return Verdict.TELL

    def clear(self) -> None:
        self._runs.clear()
        self._told.clear()


BUDGET = CommandBudget()
"""The one budget of this process; see the module docstring for what that means."""


@router.register("issue_comment", action="created")
async def run_new_commands(event: sansio.Event, context: Context) -> None:
    """Run the commands of a new comment on an item issue."""
    await _run(event.data, comment_commands(event.data), context)


@router.register("issue_comment", action="edited")
async def run_added_commands(event: sansio.Event, context: Context) -> None:
    """Run only the commands an edit added to a comment."""
    await _run(event.data, comment_commands(event.data), context)


def comment_commands(payload: Mapping[str, Any]) -> tuple[Command, ...]:
    """The commands an `issue_comment` event asks for: all of a new comment's, only those an
    edit added."""
    body = payload["comment"]["body"] or ""
    if payload.get("action") == "edited":
        before = ((payload.get("changes") or {}).get("body") or {}).get("from") or ""
        return added_commands(before, body)
    return parse_commands(body)


def is_refusal(body: str, login: str) -> bool:
    """Tell whether a comment of the bot refused `login` (no access, or too many commands)."""
    mention, _, text = body.partition(" ")
    return mention.casefold() == f"@{login}".casefold() and text in (REFUSAL, RATE_LIMITED)


def command_word(command: Command) -> str | None:
    """Name the command as the config's `commands` list does; None for unknown words."""
    if isinstance(command, Unknown):
        return None
    if isinstance(command, Malformed):
        return command.command
    return type(command).__name__.lower()


def with_done(body: str, how: str) -> str:
    """Return the item body saying what finished it, after its owner and due date."""
    body = without_done(body)
    return STATE_LINES.sub(lambda facts: f"{facts.group(0)}\n- **Done:** {how}", body, count=1)


def without_done(body: str) -> str:
    """Return the item body without the line saying what finished it."""
    return _DONE_LINE.sub("", body, count=1)


def done_text(command: Done, login: str, today: date) -> str:
    """Say what finished an item: `with #123: after the rebase (@peter, 2024-12-20)`."""
    # The reference the command names is the one link kept: it is what the person asked for.
    what = f"with {_live_ref(command.ref)}" if command.ref else ""
    if command.note:
        what = f"{what}: {inert_text(command.note)}" if what else inert_text(command.note)
    return " ".join(part for part in (what, f"(@{login}, {today.isoformat()})") if part)


def _live_ref(ref: str) -> str:
    """Keep `#123`, `owner/repo#5` or an issue address live; anything more is made inert."""
    return ref if _PLAIN_REF.fullmatch(ref) else inert_text(ref)


async def _run(data: dict[str, Any], commands: tuple[Command, ...], context: Context) -> None:
    issue, comment = data["issue"], data["comment"]
    # `/cc`, `/shrug` and the like are for people and other bots: not a word about them.
    commands = tuple(command for command in commands if not isinstance(command, Unknown))
    if not commands or "pull_request" in issue or comment["user"].get("type") == "Bot":
        return
    if parse_marker(issue.get("body")) is None:
        return
    item = _Item(context, data)
    config = await item.config()
    logins = await context.port.own_logins()
    marker = trusted_marker(issue, logins, config.labels.item, config.labels.meeting_prefix)
    if marker is None:
        log.info("commands ignored: the marker is on an issue the bot did not open")
        return
    verdict = BUDGET.spend(item.repo, item.login, len(commands), context.clock())
    if verdict is Verdict.TELL:
        await item.refuse(RATE_LIMITED)
    elif verdict is Verdict.IGNORE:
        log.info("commands from %s ignored: over the limit", item.login)
    elif isinstance(marker, MeetingMarker):
        await item.reply(MEETING_ISSUE_HELP)
    else:
        await item.run(commands, config)


class _Item:
    """One comment's commands on one item issue."""

    def __init__(self, context: Context, data: dict[str, Any]) -> None:
        self.port: GitHubPort = context.port
        self.clock = context.clock
        self.today = context.clock().date()
        self.repo = data["repository"]["full_name"]
        self.branch = data["repository"].get("default_branch") or "main"
        self.issue = data["issue"]
        self.comment = data["comment"]
        self.login = data["comment"]["user"]["login"]

    async def run(self, commands: tuple[Command, ...], config: RepoConfig) -> None:
        """Run the enabled commands in order, if the commenter may."""
        # Words that are no command, or a command this repository turned off, are ignored.
        wanted = [c for c in commands if command_word(c) in config.commands]
        if not wanted:
            return
        if not await self.allowed():
            await self.refuse(REFUSAL)
            return
        before = view_of_issue(self.issue)
        for command in wanted:
            await self.perform(command, config.commands)
        if view_of_issue(self.issue) != before:
            await show_item(self.port, self.repo, self.issue, config, self.clock())

    async def config(self) -> RepoConfig:
        """Read the repository's config; commands keep their defaults if it is broken."""
        try:
            return await load_repo_config(self.port, self.repo, self.branch)
        except ConfigError:
            return RepoConfig()

    async def allowed(self) -> bool:
        """Tell whether the commenter may command this item; ask GitHub only if needed."""
        assignees = [a["login"] for a in self.issue.get("assignees") or ()]
        author = self.issue["user"]["login"]
        if may_act(self.login, assignees=assignees, author=author, permission="none"):
            return True
        permission = await self.port.permission(self.repo, self.login)
        return may_act(self.login, assignees=assignees, author=author, permission=permission)

    async def perform(self, command: Command, enabled: frozenset[str]) -> None:
        match command:
            case Done():
                body = with_done(self.body, done_text(command, self.login, self.today))
                await self.set_state("closed", "completed", body)
            case Reopen():
                await self.set_state("open", None, without_done(self.body))
            case Drop(reason):
                body = with_done(self.body, f"dropped: {inert_text(reason)} (@{self.login})")
                await self.set_state("closed", "not_planned", body)
            case Assign(logins):
                await self.assign(logins)
            case Due(when):
                await self.set_due(when)
            case Help():
                await self.reply(help_text(enabled))
            case Malformed(_, reason):
                await self.fail(reason)

    @property
    def number(self) -> int:
        return int(self.issue["number"])

    @property
    def body(self) -> str:
        return str(self.issue.get("body") or "")

    @property
    def marker(self) -> ItemMarker:
        """Return the item's marker as the last command left it."""
        marker = parse_marker(self.body)
        assert isinstance(marker, ItemMarker), "commands run only on item issues"
        return marker

    async def set_state(self, state: str, reason: str | None, body: str) -> None:
        """Open or close the item, unless it already is; acknowledge either way."""
        if self.issue["state"] != state:
            fields: dict[str, Any] = {"state": state, "body": body}
            fields.update({"state_reason": reason} if reason else {})
            self.issue = await self.port.update_issue(self.repo, self.number, **fields)
        await self.react()

    async def assign(self, logins: tuple[str, ...]) -> None:
        """Make `logins` the owners, if GitHub lets each of them be assigned."""
        refused = [
            login for login in logins if not await self.port.can_be_assigned(self.repo, login)
        ]
        if refused:
            names = ", ".join(f"`@{login}`" for login in refused)
            await self.fail(CANNOT_ASSIGN.format(logins=names))
            return
        # The owners a person chose: kept in the marker, shown in the body.
        body = restate_item(self.issue, replace(self.marker, assignees=logins, set_owners=logins))
        fields: dict[str, Any] = {"assignees": list(logins)} | ({"body": body} if body else {})
        self.issue = await self.port.update_issue(self.repo, self.number, **fields)
        await self.react()

    async def set_due(self, when: str) -> None:
        """Move the due date to the day `when` names; later pushes and syncs keep it."""
        due = parse_when(when, self.today)
        if due is None:
            await self.fail(DUE_NOT_UNDERSTOOD.format(phrase=code_span(when)))
            return
        if not due_in_range(due, self.today):
            await self.fail(DUE_OUT_OF_RANGE.format(day=due.isoformat()))
            return
        body = restate_item(self.issue, replace(self.marker, set_due=due))
        if body is not None:
            self.issue = await self.port.update_issue(self.repo, self.number, body=body)
        await self.react()

    async def react(self, content: str = WORKED) -> None:
        """React to the command's comment; GitHub keeps one reaction per person and kind."""
        await self.port.add_reaction(self.repo, self.comment["id"], content)

    async def fail(self, text: str) -> None:
        """Say why a command did not run."""
        await self.react(FAILED)
        await self.reply(text)

    async def refuse(self, text: str) -> None:
        """Refuse the commands: say why once per window and person on this issue, else only 😕."""
        await self.react(FAILED)
        if not await self.refused_lately():
            await self.reply(text)

    async def refused_lately(self) -> bool:
        """Tell whether the bot refused this person on this issue within the window.

        The issue's comments are the record, so replicas and restarts agree on it.
        """
        since = self.clock() - REFUSAL_WINDOW
        return any(
            comment["user"].get("type") == "Bot"
            and is_refusal(comment.get("body") or "", self.login)
            and parse_time(comment["created_at"]) >= since
            for comment in await self.port.list_comments(self.repo, self.number)
        )

    async def reply(self, text: str) -> None:
        await self.port.post_comment(self.repo, self.number, f"@{self.login} {text}")
