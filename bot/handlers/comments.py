"""Run the commands people comment on action-item issues: `/done`, `/drop`, `/due`, ...

A command that worked gets a 👍 reaction on its comment; one that cannot run gets a
short reply saying why. Only the assignees, the issue author and people with triage
or write access may use them. An edited comment runs only the commands it added.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import date
from typing import Any

from gidgethub import sansio
from gidgethub.routing import Router

from bot.commands import (
    DUE_NOT_UNDERSTOOD,
    HELP,
    MEETING_ISSUE_HELP,
    REFUSAL,
    UNKNOWN_COMMAND,
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
    may_act,
    parse_commands,
)
from bot.config import REPO_CONFIG_PATH, ConfigError, RepoConfig, parse_repo_config
from bot.handlers.context import Context
from bot.marker import ItemMarker, MeetingMarker, format_marker, parse_marker
from bot.minutes.dates import parse_when

log = logging.getLogger(__name__)
router = Router()

WORKED = "+1"
_DUE_LINE = re.compile(r"^- \*\*Due:\*\* \d{4}-\d{2}-\d{2}$", re.MULTILINE)
_OWNER_LINE = re.compile(r"^- \*\*Owner:\*\* .*$", re.MULTILINE)


@router.register("issue_comment", action="created")
async def run_new_commands(event: sansio.Event, context: Context) -> None:
    """Run the commands of a new comment on an item issue."""
    await _run(event.data, parse_commands(event.data["comment"]["body"] or ""), context)


@router.register("issue_comment", action="edited")
async def run_added_commands(event: sansio.Event, context: Context) -> None:
    """Run only the commands an edit added to a comment."""
    before = ((event.data.get("changes") or {}).get("body") or {}).get("from") or ""
    commands = added_commands(before, event.data["comment"]["body"] or "")
    await _run(event.data, commands, context)


def command_word(command: Command) -> str | None:
    """Name the command as the config's `commands` list does; None for mistakes."""
    if isinstance(command, Malformed | Unknown):
        return None
    return type(command).__name__.lower()


def with_due(body: str, marker: ItemMarker, due: date) -> str:
    """Return the item body with a new due date, in its list and in its marker."""
    body = body.replace(format_marker(marker), format_marker(replace(marker, due=due)))
    line = f"- **Due:** {due.isoformat()}"
    if _DUE_LINE.search(body):
        return _DUE_LINE.sub(line, body, count=1)
    return _OWNER_LINE.sub(lambda owner: f"{owner.group(0)}\n{line}", body, count=1)


async def _run(data: dict[str, Any], commands: tuple[Command, ...], context: Context) -> None:
    issue, comment = data["issue"], data["comment"]
    if not commands or "pull_request" in issue or comment["user"].get("type") == "Bot":
        return
    item = _Item(context, data)
    marker = parse_marker(issue.get("body"))
    if isinstance(marker, MeetingMarker):
        await item.reply(MEETING_ISSUE_HELP)
    elif isinstance(marker, ItemMarker):
        await item.run(commands, marker)


class _Item:
    """One comment's commands on one item issue."""

    def __init__(self, context: Context, data: dict[str, Any]) -> None:
        self.port = context.port
        self.today = context.clock().date()
        self.repo = data["repository"]["full_name"]
        self.branch = data["repository"].get("default_branch") or "main"
        self.issue = data["issue"]
        self.comment = data["comment"]
        self.login = data["comment"]["user"]["login"]

    async def run(self, commands: tuple[Command, ...], marker: ItemMarker) -> None:
        """Run the enabled commands in order, if the commenter may."""
        enabled = (await self.config()).commands
        wanted = [c for c in commands if command_word(c) in enabled or command_word(c) is None]
        if not wanted:
            return
        if not await self.allowed():
            await self.reply(REFUSAL)
            return
        for command in wanted:
            await self.perform(command, marker)

    async def config(self) -> RepoConfig:
        """Read the repository's config; commands keep their defaults if it is broken."""
        text = await self.port.get_file(self.repo, REPO_CONFIG_PATH, ref=self.branch)
        try:
            return parse_repo_config(text)
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

    async def perform(self, command: Command, marker: ItemMarker) -> None:
        match command:
            case Done():
                await self.set_state("closed", "completed")
            case Reopen():
                await self.set_state("open", None)
            case Drop():
                await self.set_state("closed", "not_planned")
            case Assign(logins):
                await self.port.update_issue(self.repo, self.number, assignees=list(logins))
                await self.react()
            case Due(when):
                await self.set_due(when, marker)
            case Help():
                await self.reply(HELP)
            case Malformed(_, reason):
                await self.reply(reason)
            case Unknown(word):
                await self.reply(UNKNOWN_COMMAND.format(word=word))

    @property
    def number(self) -> int:
        return int(self.issue["number"])

    async def set_state(self, state: str, reason: str | None) -> None:
        """Open or close the item, unless it already is; acknowledge either way."""
        if self.issue["state"] != state:
            fields: dict[str, Any] = {"state": state}
            fields.update({"state_reason": reason} if reason else {})
            self.issue = await self.port.update_issue(self.repo, self.number, **fields)
        await self.react()

    async def set_due(self, when: str, marker: ItemMarker) -> None:
        """Move the due date to the day `when` names."""
        due = parse_when(when, self.today)
        if due is None:
            await self.reply(DUE_NOT_UNDERSTOOD.format(phrase=when))
            return
        body = with_due(self.issue.get("body") or "", marker, due)
        self.issue = await self.port.update_issue(self.repo, self.number, body=body)
        await self.react()

    async def react(self) -> None:
        await self.port.add_reaction(self.repo, self.comment["id"], WORKED)

    async def reply(self, text: str) -> None:
        await self.port.post_comment(self.repo, self.number, f"@{self.login} {text}")
