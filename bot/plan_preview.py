"""`minutes-bot plan`: the issues the bot would open for a minutes file, computed offline.

The same planner the service uses runs against an empty repository. Nothing is asked
of GitHub: every known login counts as assignable, numbered references are linked as
written, and PRs named by description are resolved from a JSON list of pull requests
(as `GET /repos/{owner}/{repo}/pulls` returns them) when one is given.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from bot.handlers.refs import choose_pull, naming_words
from bot.minutes.model import Minutes, Ref, RefKind
from bot.reconcile import CreateItemIssue, Settings, labels_for, reconcile
from bot.render import Link, RenderContext, Resolution

PLACEHOLDER_SHA = "HEAD"
_GITHUB_NUMBER_URL = re.compile(r"https://github\.com/([\w.-]+/[\w.-]+)/(?:pull|issues)/(\d+)")


class PreviewError(Exception):
    """An input of `minutes-bot plan` that cannot be used; the message is for the user."""


def preview(minutes: Minutes, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Return the issues the bot would open, as JSON-ready dicts."""
    settings = _settings(args.config)
    pulls = _read_pulls(args.pulls) if args.pulls else []
    repo = args.repo
    path = args.path or Path(args.file).name
    ctx = RenderContext(
        repo=repo,
        path=path,
        sha=PLACEHOLDER_SHA,
        assignable=frozenset(login for item in minutes.items for login in item.logins),
        links=resolve_offline(minutes, pulls, repo),
    )
    plan = reconcile(minutes, [], ctx, Settings(settings.item_label, settings.meeting_label_prefix,
                                                meeting_issue=False))
    labels = labels_for(minutes, path, settings)
    creations = [op for op in plan.operations if isinstance(op, CreateItemIssue)]
    items = {item.key: item for item in minutes.items}
    return [_issue_json(op, items[op.key].due, labels, ctx.links, items[op.key].refs, repo)
            for op in creations]


def resolve_offline(minutes: Minutes, pulls: list[dict[str, Any]], repo: str) -> dict[Ref, Resolution]:
    """Link each reference that can be linked without asking GitHub."""
    links: dict[Ref, Resolution] = {}
    logins = _logins_by_owner(minutes)
    for ref in {r for item in minutes.items for r in item.refs}:
        if ref.kind is RefKind.NAMED_PR and pulls:
            author = logins.get(ref.person or "")
            links[ref] = choose_pull(naming_words(ref.value),
                                     _candidates(pulls, author, minutes.meeting_date, repo))
    return links


def _issue_json(op: CreateItemIssue, due: date | None, labels: tuple[str, ...],
                links: Mapping[Ref, Resolution], refs: Iterable[Ref], repo: str) -> dict[str, Any]:
    return {
        "title": op.title,
        "assignees": list(op.assignees),
        "labels": list(labels),
        "due": due.isoformat() if due else None,
        "body": op.body,
        "links": [_link_json(ref, links.get(ref), repo) for ref in refs
                  if _link_json(ref, links.get(ref), repo)],
    }


def _link_json(ref: Ref, resolution: Resolution | None, repo: str) -> dict[str, Any] | None:
    if isinstance(resolution, Link):
        return {"repo": resolution.repo, "number": resolution.number}
    if ref.kind in (RefKind.PR, RefKind.ISSUE):
        target, _, number = ref.value.rpartition("#")
        return {"repo": target or repo, "number": int(number)}
    url = _GITHUB_NUMBER_URL.match(ref.value) if ref.kind is RefKind.URL else None
    return {"repo": url.group(1), "number": int(url.group(2))} if url else None


def _candidates(pulls: list[dict[str, Any]], author: str | None, before: date | None,
                repo: str) -> list[Link]:
    chosen = []
    for pull in pulls:
        login = (pull.get("user") or {}).get("login")
        created = str(pull.get("created_at") or "")[:10]
        if author and login and login.lower() != author.lower():
            continue
        if before and created and created > before.isoformat():
            continue
        chosen.append(Link(_pull_repo(pull, repo), int(pull["number"]), "pr",
                           str(pull.get("title", "")), str(pull.get("html_url", ""))))
    return chosen


def _pull_repo(pull: Mapping[str, Any], default: str) -> str:
    base = pull.get("base") or {}
    full_name = (base.get("repo") or {}).get("full_name") if isinstance(base, dict) else None
    return str(full_name or default)


def _logins_by_owner(minutes: Minutes) -> dict[str, str]:
    """Names the minutes use for people whose login is known (attendee handles, roster)."""
    known = {a.name: a.login for a in minutes.attendees if a.login}
    for item in minutes.items:
        known.update({o: login for o, login in zip(item.owners, item.logins, strict=False)})
    return known


def _read_pulls(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise PreviewError(f"{path}: cannot read the pull request list ({err})") from None
    except json.JSONDecodeError as err:
        raise PreviewError(f"{path}: not JSON (line {err.lineno}: {err.msg})") from None
    if not isinstance(data, list) or not all(isinstance(p, dict) and "number" in p for p in data):
        raise PreviewError(f"{path}: expected a JSON list of pull requests with a `number` each")
    return data


def _settings(config_path: Path | None) -> Settings:
    if config_path is None:
        return Settings()
    from bot.cli_offline import InputError, read_text_file
    from bot.config import ConfigError, parse_repo_config

    try:
        config = parse_repo_config(read_text_file(config_path, "config file", 256 * 1024))
    except InputError as err:
        raise PreviewError(str(err)) from None
    except ConfigError as err:
        raise PreviewError(f"{config_path}: {err}") from None
    return Settings(config.labels.item, config.labels.meeting_prefix, config.meeting_issue)
