"""Preview, on a pull request that adds or edits minutes, what merging it would do.

The service's reconciler runs on the minutes at the PR's head with a `DryRun` in place
of the applier, so the preview is the service's own decision, written nowhere: one
comment on the PR, found again by its marker and edited in place on every push.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from gidgethub import sansio
from gidgethub.routing import Router

from bot.config.types import REPO_CONFIG_PATH, ConfigError, RepoConfig
from bot.github.port import GitHubPort
from bot.handlers.authored import by_the_bot
from bot.handlers.context import Context
from bot.handlers.followups import followups
from bot.handlers.minutes_files import live_reconciler
from bot.handlers.push import minutes_changes, problem_list
from bot.handlers.repo_config import defaults_not_read, load_repo_config
from bot.minutes.job import Extract
from bot.model_api.client import ModelReader
from bot.tracker.dry_run import DryRun
from bot.tracker.preview import (
    PREVIEW_MARKER,
    Head,
    by_file,
    render_config_problems,
    render_no_minutes,
    render_preview,
)

router = Router()

PREVIEWED_ACTIONS = ("opened", "synchronize", "reopened", "edited")


async def preview_pull_request(event: sansio.Event, context: Context) -> None:
    """Keep one comment on an open PR saying what merging it would do to the issues."""
    pull, repository = event.data["pull_request"], event.data["repository"]
    if pull["state"] != "open":
        return
    body = await preview_text(
        context.port, repository, pull, context.model, extract=context.extract
    )
    if body is None and event.data["action"] == "opened":
        return  # a new PR that touches no minutes has no comment to correct
    await keep_comment(context.port, repository["full_name"], pull["number"], body)


for _action in PREVIEWED_ACTIONS:
    router.register("pull_request", action=_action)(preview_pull_request)


async def preview_text(
    port: GitHubPort,
    repository: Mapping[str, Any],
    pull: Mapping[str, Any],
    model: ModelReader | None = None,
    extract: Extract | None = None,
) -> str | None:
    """Render what merging `pull` would do; None when it touches no minutes and no config."""
    repo, head = repository["full_name"], pull["head"]["sha"]
    changed, config = await asyncio.gather(
        port.compare(repo, pull["base"]["sha"], head), _config_or_problems(port, repo, head)
    )
    if isinstance(config, ConfigError):
        return render_config_problems(config.source, problem_list(config))
    unread = defaults_not_read(config, repo)
    touched = minutes_changes(config, changed)
    config_changed = any(f.filename == REPO_CONFIG_PATH for f in changed)
    if not (touched.updated or touched.removed or config_changed):
        return None
    writer = DryRun()
    reconciler = live_reconciler(
        port, repository, head, config, dry_run=writer, model=model, extract=extract
    )
    # Issues the dry run makes up are numbered after the bot's, never mistaken for one.
    writer.last_number = max((issue["number"] for issue in await reconciler.issues()), default=0)
    series = {}
    for path in touched.updated:
        series[path] = await followups(reconciler, await reconciler.update(path))
    for path in touched.removed:
        await reconciler.remove(path)
    existing = {i["number"]: i for i in await reconciler.issues() if not writer.made_up(i)}
    files = by_file(
        writer.changes,
        [*touched.updated, *touched.removed],
        series,
        reconciler.series.still_open,
    )
    head_repo = (pull["head"].get("repo") or repository)["full_name"]
    return render_preview(
        files, existing, Head(head_repo, pull["head"]["ref"]), config_changed=config_changed,
        notes=[unread] if unread else [],
    )


async def _config_or_problems(port: GitHubPort, repo: str, ref: str) -> RepoConfig | ConfigError:
    """The config at the PR's head, or what is wrong with it: read while the diff is."""
    try:
        return await load_repo_config(port, repo, ref)
    except ConfigError as error:
        return error


async def keep_comment(port: GitHubPort, repo: str, number: int, body: str | None) -> None:
    """Write `body` into the PR's preview comment; None leaves one line where one was."""
    comments = await port.list_comments(repo, number)
    marked = [c for c in comments if PREVIEW_MARKER in (c.get("body") or "")]
    mine = next(iter(await by_the_bot(port, marked)), None)
    wanted = body if body is not None else render_no_minutes()
    if mine is None and body is not None:
        await port.post_comment(repo, number, body)
    elif mine is not None and mine["body"] != wanted:
        await port.update_comment(repo, mine["id"], wanted)
