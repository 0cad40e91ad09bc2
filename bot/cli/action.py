"""Run minutes-bot as a GitHub Action: one event, then its outputs and its job summary.

GitHub describes the run in environment variables: the event's name and a file with its
payload, the repository, and files for the step's outputs (`GITHUB_OUTPUT`) and its
job summary (`GITHUB_STEP_SUMMARY`). The event goes to the handlers a webhook goes to;
`schedule` and `workflow_dispatch` reconcile every minutes file, then post the weekly
status if it is due. Problems in `.github/minutes-bot.yml` become annotations on their
lines. A dry run reads and plans as a real run does and writes nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bot.cli import plan_report as dry_run_report
from bot.cli.shared import CannotRun, progress, repository_port
from bot.config.settings import ServiceSettings
from bot.config.types import REPO_CONFIG_PATH, ConfigError, RepoConfig
from bot.github.port import GitHubPort
from bot.github.watching import ItemWatchingPort
from bot.handlers import dispatch, lacking
from bot.handlers.comments import comment_commands
from bot.handlers.context import Context, utc_now
from bot.handlers.minutes_files import sync_repository
from bot.handlers.push import problem_list
from bot.handlers.repo_config import defaults_not_read, load_repo_config
from bot.handlers.weekly_status import WeeklyStatus
from bot.model_api.client import model_reader
from bot.service.extraction import extract_alone
from bot.service.queue import Delivery
from bot.tracker.dry_run import DryRun

log = logging.getLogger(__name__)

# Events that carry no change of their own: reconcile everything, then the weekly status.
SYNC_EVENTS = frozenset({"schedule", "workflow_dispatch"})
# A workflow on `pull_request_target` gets the `pull_request` payload, and the token and
# secrets of the base repository, so previews of PRs from forks can be written.
EVENT_ALIASES = {"pull_request_target": "pull_request"}
# Events whose runs must fail while the configuration is broken; a comment run only warns,
# so that the person who commented is not sent a failure notice for the maintainers' file.
STRICT_EVENTS = frozenset({"push", *SYNC_EVENTS})
CHANGES = dry_run_report.CHANGES
# What GitHub Actions sets for every run, and the action needs.
ACTIONS_VARIABLES = ("GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_REPOSITORY")


class DryRunWrite(RuntimeError):
    """A dry run reached a write; it is refused rather than sent."""


@dataclass(frozen=True)
class Change:
    """An action-item issue the run opened, updated or closed."""

    change: str
    number: int
    title: str
    url: str


class ActionPort(ItemWatchingPort):
    """The Action's GitHub port: it notes the item issues it changes and, dry, never writes."""

    # The workflow's GITHUB_TOKEN reads this repository and public ones, no other private one.
    reads_only_its_repository = True

    def __init__(self, *args: Any, **options: Any) -> None:
        super().__init__(*args, **options)
        self.changes: list[Change] = []
        self.read_only = False
        self._configs: dict[tuple[str, str | None], str | None] = {}

    async def get_file(
        self, repo: str, path: str, ref: str | None = None, *, max_bytes: int | None = None
    ) -> str | None:
        """Read a file; the configuration is read once a run, though the run's checks and the
        handler it hands the event to both ask for it."""
        if path != REPO_CONFIG_PATH or max_bytes is not None:
            return await super().get_file(repo, path, ref, max_bytes=max_bytes)
        if (repo, ref) not in self._configs:
            self._configs[repo, ref] = await super().get_file(repo, path, ref)
        return self._configs[repo, ref]

    def item_changed(self, change: str, issue: dict[str, Any]) -> None:
        """Note the change for the outputs and the job summary."""
        self.changes.append(Change(change, issue["number"], issue["title"], issue["html_url"]))

    async def _write(self, method: str, url: str, *args: Any, **options: Any) -> dict[str, Any]:
        if self.read_only:
            raise DryRunWrite(f"a dry run does not write ({method} {url})")
        return await super()._write(method, url, *args, **options)


@dataclass
class Outcome:
    """What one run did, or in a dry run would do."""

    event: str
    dry_run: bool = False
    changes: list[Change] = field(default_factory=list)
    planned: DryRun = field(default_factory=DryRun)
    notes: list[str] = field(default_factory=list)
    status_report: str | None = None
    problems: ConfigError | None = None

    def count(self, change: str) -> int:
        """Count the item issues opened, updated or closed (planned ones in a dry run)."""
        if self.dry_run:
            return dry_run_report.count(self.planned, change)
        return sum(done.change == change for done in self.changes)

    @property
    def failed(self) -> bool:
        """Tell whether the run must fail: a broken configuration stopped its work."""
        return self.problems is not None and self.event in STRICT_EVENTS


@dataclass(frozen=True)
class Run:
    """The Actions run as its environment describes it."""

    event: str
    payload: dict[str, Any]
    repo: str
    run_id: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Run:
        """Read the event, its payload and the repository of this run; `CannotRun` if not one."""
        missing = [name for name in ACTIONS_VARIABLES if not env.get(name)]
        if missing:
            raise CannotRun(f"not a GitHub Actions run: {', '.join(missing)} not set")
        path = Path(env["GITHUB_EVENT_PATH"])
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CannotRun(f"cannot read the event file {path} ({type(error).__name__})") from None
        if not isinstance(payload, dict):
            raise CannotRun(f"the event file {path} does not hold a JSON object")
        name = env["GITHUB_EVENT_NAME"]
        return cls(EVENT_ALIASES.get(name, name), payload, env["GITHUB_REPOSITORY"],
                   env.get("GITHUB_RUN_ID", "action"))

    @property
    def config_ref(self) -> str | None:
        """Return the commit whose configuration applies: the pushed one, else the default branch's."""
        return str(self.payload["after"]) if self.event == "push" else None


async def act(settings: ServiceSettings, run: Run, *, dry_run: bool = False) -> Outcome:
    """Handle the run's event like a webhook, or reconcile everything on a schedule."""
    outcome = Outcome(run.event, dry_run=dry_run)
    async with aiohttp.ClientSession() as session:
        port = await repository_port(session, settings, run.repo, kind=ActionPort)
        assert isinstance(port, ActionPort)
        port.read_only = dry_run
        config = await _checked_config(port, run, outcome)
        if run.event in SYNC_EVENTS:
            if config is not None:
                await _sync(port, settings, run.repo, config, outcome)
        elif not dry_run or run.event == "push":
            await _dispatch(port, settings, run, outcome)
        elif run.event == "issue_comment":
            outcome.notes += commands_it_would_run(run.payload)
        else:
            outcome.notes.append(f"A dry run does not handle `{run.event}` events; nothing was read.")
        outcome.changes = port.changes
    return outcome


async def _dispatch(port: GitHubPort, settings: ServiceSettings, run: Run, outcome: Outcome) -> None:
    """Hand the event to the webhook handlers, unless its payload lacks what they need."""
    event = Delivery(run.run_id, run.event, run.payload).as_event()
    if (missing := lacking(event)) is not None:
        log.warning("the %s event is skipped: its payload has no %s", run.event, missing)
        outcome.notes.append(f"The `{run.event}` event is skipped: its payload has no `{missing}`.")
        return
    dry = outcome.planned if outcome.dry_run else None
    model = model_reader(port.session, settings)
    context = Context(port, settings, dry_run=dry, model=model, extract=extract_alone)
    await dispatch(event, context)


async def _checked_config(port: GitHubPort, run: Run, outcome: Outcome) -> RepoConfig | None:
    """Read the configuration; a broken one is kept on `outcome` for annotations."""
    try:
        config = await load_repo_config(port, run.repo, run.config_ref)
    except ConfigError as error:
        outcome.problems = error
        return None
    if (unread := defaults_not_read(config, run.repo)) is not None:
        log.warning(unread)  # once a run: the handlers read the same answer again, unsaid
        outcome.notes.append(unread)
    return config


async def _sync(
    port: GitHubPort, settings: ServiceSettings, repo: str, config: RepoConfig, outcome: Outcome
) -> None:
    """Reconcile every minutes file, then post (or, dry, render) the weekly status if due."""
    dry = outcome.planned if outcome.dry_run else None
    model = model_reader(port.session, settings)
    await sync_repository(
        port, repo, progress=progress, dry_run=dry, model=model, extract=extract_alone
    )
    if not config.schedule.enabled:
        return
    status = await WeeklyStatus(port, repo, config).run(utc_now(), dry_run=outcome.dry_run)
    outcome.notes.append(f"Weekly status: {status.explanation}.")
    outcome.status_report = status.report if outcome.dry_run and status.due else None


def commands_it_would_run(payload: Mapping[str, Any]) -> list[str]:
    """Say which commands a comment holds, for a dry run, which does not run them."""
    comment, issue = payload["comment"], payload["issue"]
    commands = comment_commands(payload)
    login = comment["user"]["login"]
    return [
        f"A real run would try `{type(command).__name__.lower()}` from @{login} on #{issue['number']}."
        for command in commands
    ] or ["The comment holds no command."]



# ---------------------------------------------------------------------------
# What the run shows: annotations, outputs and the job summary


def problem_annotations(outcome: Outcome) -> list[str]:
    """Return workflow commands that mark each configuration problem on its line.

    A problem in the repository's own file points at its line; one in the
    organisation's defaults names that file, which lives in another repository.
    """
    error = outcome.problems
    if error is None:
        return []
    level = "error" if outcome.failed else "warning"
    title = "minutes-bot configuration"
    lines = []
    for problem in error.problems:
        if error.in_repository:
            where = f"file={_property(error.source)},line={problem.line},title={_property(title)}"
            message = problem.message
        else:
            where = f"title={_property(title)}"
            message = f"{error.source} line {problem.line}: {problem.message}"
        lines.append(f"::{level} {where}::{_data(message)}")
    return lines


def _data(text: str) -> str:
    """Escape a workflow command's message, as the Actions toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """Escape a workflow command's property value."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def outputs(outcome: Outcome) -> str:
    """Return the step outputs, one `name=value` line each."""
    return "".join(f"{change}={outcome.count(change)}\n" for change in CHANGES)


def summary(outcome: Outcome) -> str:
    """Render the job summary: counts, then each change (or planned change), then notes."""
    verb = "would be " if outcome.dry_run else ""
    counts = ", ".join(f"**{outcome.count(change)}** {verb}{change}" for change in CHANGES)
    parts = ["## minutes-bot", f"Action-item issues: {counts}."]
    if outcome.dry_run:
        parts.insert(1, "**Dry run:** nothing was written.")
        parts.append(_bullets(f"`{line}`" for line in dry_run_report.lines(outcome.planned)))
    else:
        parts.append(_bullets(f"{c.change} [#{c.number}]({c.url}) {c.title}" for c in outcome.changes))
    parts.append(_bullets(outcome.notes))
    parts.append(_problems(outcome.problems))
    if outcome.status_report:
        parts.append(
            "<details><summary>The weekly status it would post</summary>\n\n"
            f"{outcome.status_report}\n</details>"
        )
    return "\n\n".join(part for part in parts if part) + "\n"


def _bullets(lines: Any) -> str:
    return "\n".join(f"- {line}" for line in lines)


def _problems(error: ConfigError | None) -> str:
    if error is None:
        return ""
    return f"**`{error.source}` cannot be used:**\n\n{problem_list(error)}"


def report(outcome: Outcome, env: Mapping[str, str]) -> None:
    """Print the annotations and write the outputs and the job summary where GitHub reads them."""
    for line in problem_annotations(outcome):
        print(line)
    if outcome.dry_run:
        for line in dry_run_report.lines(outcome.planned):
            print(f"dry run: {line}")
    for name, text in (("GITHUB_OUTPUT", outputs(outcome)), ("GITHUB_STEP_SUMMARY", summary(outcome))):
        if env.get(name):
            with Path(env[name]).open("a", encoding="utf-8") as file:
                file.write(text)


def run_action(settings: ServiceSettings, env: Mapping[str, str], *, dry_run: bool) -> int:
    """Handle this run's event; return the exit status (1 when the configuration is broken)."""
    outcome = asyncio.run(act(settings, Run.from_env(env), dry_run=dry_run))
    report(outcome, env)
    return 1 if outcome.failed else 0
