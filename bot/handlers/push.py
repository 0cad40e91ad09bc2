"""Turn minutes pushed to the default branch into issues, and keep them in step."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gidgethub import sansio
from gidgethub.routing import Router

from bot.config.types import (
    REPO_CONFIG_PATH,
    WRITE_BACK_PR,
    ConfigError,
    RepoConfig,
    is_minutes_path,
)
from bot.github.port import ChangedFile, GitHubPort
from bot.handlers.context import Context, Turn
from bot.handlers.followups import followups, tell_earlier_items
from bot.handlers.minutes_files import live_reconciler
from bot.handlers.repo_config import defaults_repository, load_repo_config
from bot.handlers.weekly_status import refresh_tracker
from bot.handlers.write_back import LinkedFile, propose_links

log = logging.getLogger(__name__)
router = Router()

NO_COMMIT = "0" * 40
# The minutes files a push names that are read ahead with its configuration, at most.
READ_AHEAD_FILES = 10
# Which files look like minutes before the repository's configuration is read.
USUAL_PATHS = RepoConfig()
# Timeline events cut a push's commit list at 20; a list that long may be incomplete, so
# the compare API is asked instead.
COMPLETE_COMMIT_LIST = 20
# Said once, when a push has more minutes files than one turn takes.
IN_TURNS = (
    "reconciling %d minutes files in turns of %d: the repository's commands and "
    "previews are handled between turns"
)
CONFIG_PROBLEMS = (
    "minutes-bot could not use `{path}` at this commit, so it did nothing with these "
    "changes. Please fix:\n\n{problems}\n\nOnce a fixed file is pushed, the bot goes "
    "through every minutes file again, including the ones pushed meanwhile."
)
DEFAULTS_PROBLEMS = (
    "minutes-bot could not use the organisation's defaults in `{path}`, so it did nothing "
    "with these changes. Please fix:\n\n{problems}\n\nOnce they are fixed, push here "
    "again or run `minutes-bot sync` to bring this repository's issues up to date."
)


@dataclass(frozen=True)
class Push:
    """The parts of a push event the bot acts on."""

    repo: str
    ref: str
    default_branch: str
    before: str
    after: str
    deleted: bool
    forced: bool = False
    commits: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Push:
        """Read a push event's payload."""
        repository = data["repository"]
        return cls(
            repo=repository["full_name"],
            ref=data["ref"],
            default_branch=repository.get("default_branch") or repository.get("master_branch", ""),
            before=data.get("before") or NO_COMMIT,
            after=data["after"],
            deleted=bool(data.get("deleted")) or data["after"] == NO_COMMIT,
            forced=bool(data.get("forced")),
            commits=tuple(data.get("commits") or ()),
        )

    @property
    def lists_its_files(self) -> bool:
        """Tell whether the payload's commits show every file the push changed."""
        return (
            not self.forced
            and self.before != NO_COMMIT
            and 0 < len(self.commits) < COMPLETE_COMMIT_LIST
            and all("added" in c and "modified" in c and "removed" in c for c in self.commits)
        )

    @property
    def updates_default_branch(self) -> bool:
        """Tell whether the push moved the default branch to a new commit."""
        return self.ref == f"refs/heads/{self.default_branch}" and not self.deleted


@dataclass(frozen=True)
class MinutesChanges:
    """Minutes files a push added or modified, and those it removed."""

    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def minutes_changes(config: RepoConfig, files: Iterable[ChangedFile]) -> MinutesChanges:
    """Sort a compare's changed files into updated and removed minutes; a rename is both."""
    updated: list[str] = []
    removed: list[str] = []
    for changed in files:
        (removed if changed.status == "removed" else updated).append(changed.filename)
        if changed.status == "renamed" and changed.previous_filename:
            removed.append(changed.previous_filename)
    return MinutesChanges(
        updated=tuple(dict.fromkeys(path for path in updated if is_minutes_path(config, path))),
        removed=tuple(dict.fromkeys(path for path in removed if is_minutes_path(config, path))),
    )


@router.register("push")
async def reconcile_pushed_minutes(event: sansio.Event, context: Context) -> None:
    """Reconcile the issues of every minutes file the push changed on the default branch."""
    push = Push.from_payload(event.data)
    if not push.updates_default_branch:
        return
    await read_ahead(context.port, push)
    config = await read_config(context.port, push.repo, push.after, tell=context.dry_run is None)
    if config is None:
        return
    changes = await changed_minutes(context.port, push, config)
    reconciler = live_reconciler(
        context.port,
        event.data["repository"],
        push.after,
        config,
        dry_run=context.dry_run,
        extract=context.extract,
        index=context.index,
        model=context.model,
    )
    turn = context.turn
    write_back = config.write_back == WRITE_BACK_PR and context.dry_run is None
    linked = []
    for path, removed in this_turn(changes, turn):
        if removed:
            await reconciler.remove(path)
            linked.append(LinkedFile(path, {}))  # a links pull request for it is withdrawn
            continue
        minutes = await reconciler.update(path)
        if context.dry_run is None and minutes is not None:
            await tell_earlier_items(reconciler, minutes, await followups(reconciler, minutes))
            if write_back:  # the issue numbers are looked up only for the links they give
                linked.append(LinkedFile(path, await reconciler.numbers(minutes)))
    # The tracker lists the items: brought up to date once, after the last turn (there is
    # none to bring up to date while the bot had no items here before this push).
    changed = (reconciler.changed and not reconciler.first_items) or turn.start > 0
    if changed and turn.resume_at is None and context.dry_run is None:
        await refresh_tracker(context.port, push.repo, config, context.clock())
    if write_back:  # last: a refusal loses nothing
        await propose_links(context.port, push.repo, push.default_branch, push.after, linked)


async def read_ahead(port: GitHubPort, push: Push) -> None:
    """Read the configuration, the organisation's defaults and the minutes files the push
    names in one query, which the reads that follow are answered from.

    Which files are minutes is known only once the configuration is read: those the
    usual paths take are read ahead, the others afterwards, one call each.
    """
    named = files_of_commits(push.commits) if push.lists_its_files else []
    likely = [f.filename for f in named if f.status != "removed"]
    minutes = [path for path in likely if is_minutes_path(USUAL_PATHS, path)][:READ_AHEAD_FILES]
    holder = defaults_repository(push.repo)
    defaults = (holder, REPO_CONFIG_PATH) if holder else None
    await port.read_ahead(
        push.repo, push.after, [REPO_CONFIG_PATH, *minutes], defaults=defaults,
        people=bool(minutes),
    )


def this_turn(changes: MinutesChanges, turn: Turn) -> list[tuple[str, bool]]:
    """Return the (path, removed) steps of `changes` that `turn` takes, updates first;
    say once, at the first turn, that the push is done in several."""
    steps = [(path, False) for path in changes.updated]
    steps += [(path, True) for path in changes.removed]
    now = turn.take(len(steps))
    if turn.start == 0 and turn.resume_at is not None:
        log.info(IN_TURNS, len(steps), turn.size, extra={"fields": {"files": len(steps)}})
    return [steps[step] for step in now]


async def read_config(
    port: GitHubPort, repo: str, sha: str, *, tell: bool = True
) -> RepoConfig | None:
    """Read the repository's config at `sha`; report problems on the commit, return None.

    With `tell` false (a dry run) the problems are left unsaid.
    """
    try:
        return await load_repo_config(port, repo, sha)
    except ConfigError as error:
        template = CONFIG_PROBLEMS if error.in_repository else DEFAULTS_PROBLEMS
        body = template.format(path=error.source, problems=problem_list(error))
        if tell:
            await port.comment_on_commit(repo, sha, body)
        return None


def problem_list(error: ConfigError) -> str:
    """List a config's problems for people, one `- line N: ...` each."""
    return "\n".join(f"- {problem}" for problem in error.problems)


async def changed_minutes(port: GitHubPort, push: Push, config: RepoConfig) -> MinutesChanges:
    """List the minutes files to reconcile: those the push touched, or all of them.

    A new branch counts every file as added; so does a change of the config, since
    people, labels or paths may have changed for minutes that did not.
    """
    if push.lists_its_files:
        changed = files_of_commits(push.commits)
    elif push.before == NO_COMMIT:
        changed = []
    else:
        changed = await port.compare(push.repo, push.before, push.after)
    if push.before != NO_COMMIT and all(f.filename != REPO_CONFIG_PATH for f in changed):
        return minutes_changes(config, changed)
    paths = await port.list_files(push.repo, ref=push.after)
    removed = [f for f in changed if f.status in ("removed", "renamed")]
    return minutes_changes(config, [*(ChangedFile(path, "added") for path in paths), *removed])


def files_of_commits(commits: Iterable[Mapping[str, Any]]) -> list[ChangedFile]:
    """The net change of a push's commits, as the compare API would list it."""
    status: dict[str, str] = {}
    for commit in commits:
        for path in commit.get("added") or ():
            status[path] = "modified" if status.get(path) == "removed" else "added"
        for path in commit.get("modified") or ():
            status[path] = "added" if status.get(path) == "added" else "modified"
        for path in commit.get("removed") or ():
            status[path] = "removed"
    return [ChangedFile(path, state) for path, state in status.items()]
