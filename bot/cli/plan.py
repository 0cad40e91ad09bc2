"""`minutes-bot plan`: what the bot would do with a minutes file, decided offline.

The service's reconciler runs against `OfflineGitHub` (a repository with no issues
yet) and writes into a `DryRun`, so the plan is the service's own decision: the
config's people and holidays, the meeting issue, the owners it assigns, the PRs it
links (named PRs from a saved list of pull requests, with the service's rules).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from bot.cli.files import InputError, read_text_file
from bot.config.schema import parse_repo_config
from bot.config.types import ConfigError, RepoConfig, is_minutes_path
from bot.github.offline import OfflineGitHub, repositories_of, rest_shaped
from bot.handlers.minutes_files import MinutesReconciler
from bot.minutes.job import extract_here
from bot.minutes.model import ActionItem, Ref, RefKind
from bot.minutes.model_reader import MODEL_READER, reading_summary
from bot.minutes.people import PeopleFileError, Roster
from bot.model_api.client import env_model_reader
from bot.tracker.dry_run import Change, DryRun
from bot.tracker.reconcile import CreateItemIssue, CreateMeetingIssue
from bot.tracker.render import Link, RenderContext

PLACEHOLDER_REPO = "OWNER/REPO"
PLACEHOLDER_SHA = "HEAD"
MAX_CONFIG_BYTES = 256 * 1024
NOTE_HEAD = (
    "HEAD stands for the commit that will hold the minutes; issue numbers are those of a "
    "repository with no issues yet."
)
NOTE_REPO = "OWNER/REPO stands for your repository: --repo names it."
NOTE_PATH = "The file is taken to be at `{path}` in the repository: --path says where it will be."
NOTE_PULLS = (
    "PRs named by description were not looked up: --pulls FILE.json (a saved "
    "`GET /repos/{repo}/pulls?state=all`) gives the pull requests the bot would search."
)
_GITHUB_NUMBER_URL = re.compile(r"https://github\.com/([\w.-]+/[\w.-]+)/(?:pull|issues)/(\d+)")
_HIDDEN_LINE = re.compile(r"^<!--.*?-->\n?", re.MULTILINE)


class PlanError(Exception):
    """An input of `minutes-bot plan` that cannot be used; the message is for the user."""


@dataclass(frozen=True)
class PlanInputs:
    """What `plan` was given: the minutes, where they would live, the config, saved PRs."""

    text: str
    repo: str
    path: str
    config: RepoConfig
    pulls: tuple[dict[str, Any], ...] = ()
    meeting_date: date | None = None
    path_given: bool = True
    # The bot's open item issues of earlier meetings, as saved from GitHub.
    issues: tuple[dict[str, Any], ...] = ()


def plan_inputs(args: Any, text: str) -> PlanInputs:
    """Read the files `plan` names; raise PlanError saying what is wrong with one."""
    pulls = tuple(read_pulls(args.pulls)) if args.pulls else ()
    config = read_config(args.config) if args.config else RepoConfig()
    if getattr(args, "reader", None):
        config = replace(config, reader=args.reader)
    if args.people:
        config = replace(config, people=(*config.people, *read_people(args.people).people))
    repo = args.repo or _one(repositories_of(pulls)) or PLACEHOLDER_REPO
    path = args.path or Path(args.file).name
    issues = tuple(read_issues(args.issues)) if getattr(args, "issues", None) else ()
    return PlanInputs(
        text, repo, path, config, pulls, args.date, path_given=bool(args.path), issues=issues
    )


async def dry_run(inputs: PlanInputs) -> DryRun:
    """Run the service's reconciler on the minutes against a repository with no issues."""
    github = OfflineGitHub(inputs.repo, inputs.path, inputs.text, inputs.pulls, inputs.issues)
    # Issues it would open are numbered after the saved ones, as GitHub would number them.
    writer = DryRun(last_number=max((int(i["number"]) for i in inputs.issues), default=0))
    async with env_model_reader(os.environ, inputs.config.reader) as model:
        reconciler = MinutesReconciler(github, inputs.repo, PLACEHOLDER_SHA, inputs.config,
                                       writer=writer, meeting_date=inputs.meeting_date,
                                       extract=extract_here, model=model)
        await reconciler.update(inputs.path)
    return writer


def plan(inputs: PlanInputs) -> DryRun:
    """Decide, offline, what the bot would do with the minutes."""
    return asyncio.run(dry_run(inputs))


def plan_json(run: DryRun, inputs: PlanInputs) -> dict[str, Any]:
    """Return the plan as JSON: the meeting issue and the item issues the bot would open."""
    meeting = next((c for c in run.changes if isinstance(c.operation, CreateMeetingIssue)), None)
    return {
        "repo": inputs.repo,
        "path": inputs.path,
        "sha": PLACEHOLDER_SHA,
        "meeting_issue": _meeting_json(meeting, run) if meeting else None,
        "issues": [_issue_json(c, run) for c in run.changes if isinstance(c.operation, CreateItemIssue)],
    }


def plan_text(run: DryRun, inputs: PlanInputs) -> str:
    """Render the plan for a person: each issue with its body, hidden markers left out."""
    data = plan_json(run, inputs)
    issues = [data["meeting_issue"]] if data["meeting_issue"] else []
    issues += data["issues"]
    head = f"{inputs.path}: {len(issues)} issue(s) would be opened in {inputs.repo}"
    notes = "\n".join(_notes(inputs, run))
    return "\n\n".join([head, notes, *(_issue_text(i) for i in issues)])


def _notes(inputs: PlanInputs, run: DryRun) -> list[str]:
    """Say what the placeholders in the plan stand for, and when the bot would skip the file."""
    notes = [NOTE_HEAD]
    if inputs.repo == PLACEHOLDER_REPO:
        notes.append(NOTE_REPO)
    if not inputs.pulls and _names_prs(run):
        notes.append(NOTE_PULLS.format(repo=inputs.repo))
    if not inputs.path_given:
        notes.append(NOTE_PATH.format(path=inputs.path))
    elif not is_minutes_path(inputs.config, inputs.path):
        notes.append(f"Note: `paths` and `ignore` leave {inputs.path} out: the bot would not read it.")
    reading = run.changes[0].minutes.reading if run.changes else None
    if reading is not None:
        notes.append(f"The model reader: {reading_summary(reading)}.")
    return notes


def _names_prs(run: DryRun) -> bool:
    items = (change.item for change in run.changes if change.item is not None)
    return any(ref.kind is RefKind.NAMED_PR for item in items for ref in item.refs)


def _issue_text(issue: dict[str, Any]) -> str:
    facts = [f"labels: {', '.join(issue['labels'])}"]
    if "assignees" in issue:
        facts.insert(0, f"assignees: {', '.join('@' + a for a in issue['assignees']) or 'nobody'}")
        facts.append(f"due: {issue['due'] or '-'}")
    if issue.get("reader") == MODEL_READER:
        facts.append("found by the model reader only: check it")
    body = _HIDDEN_LINE.sub("", issue["body"]).strip()
    indented = "\n".join(f"    {line}".rstrip() for line in body.splitlines())
    return f"=== #{issue['number']} {issue['title']}\n    {'   '.join(facts)}\n\n{indented}"


def _meeting_json(change: Change, run: DryRun) -> dict[str, Any]:
    opened = run.opened[change.number or 0]
    return {
        "number": change.number,
        "title": opened["title"],
        "labels": [label["name"] for label in opened["labels"]],
        "body": opened["body"],
    }


def _issue_json(change: Change, run: DryRun) -> dict[str, Any]:
    op, item = change.operation, change.item
    assert isinstance(op, CreateItemIssue) and item is not None
    return {
        "number": change.number,
        "title": op.title,
        "assignees": list(op.assignees),
        "labels": list(op.labels),
        "due": item.due.isoformat() if item.due else None,
        "body": op.body,
        "links": links_json(item, change.ctx),
        "reader": item.reader,
    }


def links_json(item: ActionItem, ctx: RenderContext) -> list[dict[str, Any]]:
    """Return the PRs and issues an item links to, as `{"repo", "number"}`."""
    found = (_link_json(ref, ctx) for ref in item.refs)
    return [link for link in found if link is not None]


def _link_json(ref: Ref, ctx: RenderContext) -> dict[str, Any] | None:
    resolved = ctx.links.get(ref)
    if isinstance(resolved, Link):
        return {"repo": resolved.repo, "number": resolved.number}
    url = _GITHUB_NUMBER_URL.match(ref.value) if ref.kind is RefKind.URL else None
    return {"repo": url.group(1), "number": int(url.group(2))} if url else None


def read_pulls(path: Path) -> list[dict[str, Any]]:
    """Read a saved `GET /repos/{owner}/{repo}/pulls` answer, or what `gh pr list --json` prints."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise PlanError(f"{path}: cannot read the pull request list ({err})") from None
    except json.JSONDecodeError as err:
        raise PlanError(f"{path}: not JSON (line {err.lineno}: {err.msg})") from None
    if not isinstance(data, list) or not all(isinstance(p, dict) and "number" in p for p in data):
        raise PlanError(f"{path}: expected a JSON list of pull requests with a `number` each")
    return [rest_shaped(pull) for pull in data]


def read_issues(path: Path) -> list[dict[str, Any]]:
    """Read a saved `GET /repos/{owner}/{repo}/issues?labels=action-item&state=open` answer,
    or what `gh issue list --label action-item --json number,title,body,labels,assignees,author`
    prints: the earlier meetings' open items."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise PlanError(f"{path}: cannot read the issue list ({err})") from None
    except json.JSONDecodeError as err:
        raise PlanError(f"{path}: not JSON (line {err.lineno}: {err.msg})") from None
    if not isinstance(data, list) or not all(isinstance(i, dict) and "number" in i for i in data):
        raise PlanError(f"{path}: expected a JSON list of issues with a `number` each")
    return [rest_shaped(issue) for issue in data]


def read_config(path: Path) -> RepoConfig:
    """Read a `.github/minutes-bot.yml` as the service does; its problems name their lines."""
    try:
        return parse_repo_config(read_text_file(path, "config file", MAX_CONFIG_BYTES))
    except InputError as err:
        raise PlanError(str(err)) from None
    except ConfigError as err:
        problems = "\n".join(f"  {problem}" for problem in err.problems)
        raise PlanError(f"{path} cannot be used:\n{problems}") from None


def read_people(path: Path) -> Roster:
    """Read a YAML people file: a list of `{name, login, aliases}`."""
    try:
        return Roster.from_yaml(read_text_file(path, "people file"))
    except InputError as err:
        raise PlanError(str(err)) from None
    except PeopleFileError as err:
        raise PlanError(f"{path}: {err}") from None


def _one(names: set[str]) -> str | None:
    return next(iter(names)) if len(names) == 1 else None
