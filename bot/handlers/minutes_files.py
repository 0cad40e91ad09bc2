"""Bring a repository's issues in line with its minutes files at one commit.

Shared by the push handler (the files a push changed) and `minutes-bot sync` (every
file). Each file is done in three moves: everything deciding needs is read first into
one `FileInputs` (the file, its issues through the index, its items, their references
and owners, the open items of earlier meetings), the decision is made with no I/O
(`bot.tracker.file_plan`), and the plan is applied. GitHub state that several files
share (the bot's issues, which logins can be assigned, which labels exist) is read once
per run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from bot.config.types import RULES_AND_MODEL, is_minutes_path
from bot.github.port import AmbiguousWriteError, FileTooLarge, GitHubPort, NotFound
from bot.handlers import notices
from bot.handlers.apply import Applier
from bot.handlers.context import utc_now
from bot.handlers.followups import Series, open_earlier_items, said_of_earlier
from bot.handlers.refs import ReferenceReads, resolve_refs
from bot.handlers.repo_config import load_repo_config
from bot.handlers.weekly_status import refresh_tracker
from bot.minutes.job import Extract, ExtractionTimeout, Job, extract_here
from bot.minutes.model import ActionItem, Minutes, Ref, RefKind
from bot.minutes.model_reader import Answer
from bot.minutes.people import Roster
from bot.tracker.file_plan import FileDecision, FileInputs, decide_file, issues_of_file, plan_file
from bot.tracker.ignore import without_ignored_lines
from bot.tracker.issue_index import IndexEntry, IssueIndex, entry_of
from bot.tracker.links import people_of, with_sure_owners
from bot.tracker.marker import parse_marker, trusted_marker
from bot.tracker.reconcile import (
    Settings,
    Writer,
    item_keys,
    match_items,
    meeting_label,
    read_issues,
    reconcile_deleted,
)
from bot.tracker.render import GITHUB_URL, RenderContext
from bot.tracker.write_back import without_links

if TYPE_CHECKING:
    from bot.config.types import RepoConfig
    from bot.model_api.client import ModelReader
    from bot.tracker.dry_run import DryRun

log = logging.getLogger(__name__)

# Real minutes are a few dozen KB; a file over this is not read at all.
MAX_MINUTES_BYTES = 1024 * 1024
# What one file may make the bot do: issues to track, and references to look up.
MAX_ITEMS = 200
MAX_LOOKUPS = 100
# References that cost an API call to resolve; branches and URLs are linked as written.
LOOKED_UP = frozenset({RefKind.PR, RefKind.ISSUE, RefKind.NAMED_PR})
# Opening the meeting issue takes one extra round; beyond that something is wrong.
MAX_ROUNDS = 3
# Each write that may or may not have happened costs a round of its own.
MAX_UNCERTAIN_WRITES = 10


class ReconcileGaveUp(RuntimeError):
    """The plan for a minutes file did not settle; the delivery is marked failed."""


class MinutesReads(ReferenceReads, Protocol):
    """What reconciling minutes reads from GitHub; the GitHub port, or `plan`'s stand-in."""

    async def get_file(
        self, repo: str, path: str, ref: str, *, max_bytes: int | None = None
    ) -> str | None: ...

    async def has_path(self, repo: str, path: str, ref: str) -> bool: ...

    async def list_issues(
        self, repo: str, *, labels: str | None = None, state: str = "all"
    ) -> list[dict[str, Any]]: ...

    async def newest_open_issues(self, repo: str, *, labels: str) -> list[dict[str, Any]]: ...

    async def list_sub_issues(self, repo: str, number: int) -> list[dict[str, Any]] | None: ...

    async def list_assignees(self, repo: str) -> frozenset[str] | None: ...

    async def can_be_assigned(self, repo: str, login: str) -> bool: ...

    async def own_logins(self) -> frozenset[str]: ...

    async def access_token(self) -> str | None: ...


class MinutesReconciler:
    """Reconcile minutes files of `repo` as they are at commit `sha`.

    Reads go to `port`; plans go to `writer`: the `Applier` in the service, a `DryRun`
    for `minutes-bot plan` and the pull-request preview, which so decide exactly as
    the service does. `meeting_date` stands in for a date the minutes do not state;
    `model` reads the minutes too when the repository's `reader` asks for it.
    """

    def __init__(
        self,
        port: MinutesReads,
        repo: str,
        sha: str,
        config: RepoConfig,
        *,
        writer: Writer,
        server_url: str = GITHUB_URL,
        thorough: bool = False,
        meeting_date: date | None = None,
        extract: Extract | None = None,
        index: IssueIndex | None = None,
        model: ModelReader | None = None,
    ) -> None:
        self.port = port
        # Where the bot's issues are, by file: with it a push lists only its file's labels.
        self.index = index
        self.extract = extract or extract_here
        self.model = model
        # A thorough run (sync) also checks meeting issues when no item changed, so it
        # heals a meeting list that a crash left behind.
        self.thorough = thorough
        self.repo = repo
        self.sha = sha
        self.config = config
        self.server_url = server_url
        self.meeting_date = meeting_date
        self.roster = Roster.from_people(config.people)
        self.applier = writer
        self.settings = Settings(
            item_label=config.labels.item,
            meeting_label_prefix=config.labels.meeting_prefix,
            meeting_issue=config.meeting_issue,
        )
        self._issues: list[dict[str, Any]] | None = None
        # Whether `_issues` holds every item issue (a full listing), and which meeting
        # labels were listed when it holds only the files looked up in the index.
        self._listed_all = False
        self._listed_labels: set[str] = set()
        # Meeting issues this run opened, with the items this run made their sub-issues.
        self._linked_now: dict[int, set[int]] = {}
        self._assignable: dict[str, bool] = {}
        # What the first full listing found: None until one is made (the index answered).
        self._items_before: bool | None = None
        # Whether any plan of this run changed an issue, so the tracker's summary may be stale.
        self.changed = False
        # What earlier meetings' items each file speaks of (`bot.handlers.followups`).
        self.series = Series()

    async def issues(self) -> list[dict[str, Any]]:
        """Return the bot's issues read so far: all of them, open or closed, under its item
        label, unless an index lets each file be read on its own (`cover`)."""
        if self._issues is None:
            if self.index is None or self.thorough:
                await self.list_all()
            else:
                self._issues = []
        assert self._issues is not None
        return self._issues

    async def list_all(self) -> None:
        """List every issue under the item label, and rebuild the index from the listing."""
        self._issues = []
        self._add(
            await self.own(
                await self.port.list_issues(self.repo, labels=self.config.labels.item, state="all")
            )
        )
        self._listed_all = True
        if self._items_before is None:
            self._items_before = bool(self._issues)
        if self.index is not None:
            await self.index.rebuild(self.repo, entries_of(self._issues))

    @property
    def first_items(self) -> bool:
        """Tell whether a full listing found none of the bot's items before this run.

        Then no tracker summary lists any yet: the tracker is opened with the first
        weekly report, which has items to report, so there is none to bring up to date.
        """
        return self._items_before is False

    def _add(self, issues: Iterable[dict[str, Any]]) -> None:
        """Add issues not read yet to those read; their labels are known to exist."""
        pool = self._issues if self._issues is not None else []
        self._issues = pool
        listed = {issue["number"] for issue in pool}
        pool.extend(issue for issue in issues if issue["number"] not in listed)
        # Labels on the bot's issues exist; only others need creating.
        self.applier.known_labels.update(
            label["name"] for issue in pool for label in issue.get("labels") or ()
        )

    async def cover(self, path: str, label: str | None = None) -> None:
        """Read the issues of `path` (and those under `label`) through the index.

        The index names the meeting labels the file's issues carry; listing those finds
        them in a page or two however many issues the repository holds, and an issue a
        person took the label off is read by its number. `label`, the label the minutes
        give their issues now, is listed too: it finds issues whose entries a crash lost.
        With no index, or a stale one, everything is listed and the index rebuilt.
        """
        await self.issues()
        if self.index is None or self._listed_all:
            return
        entries = await self.index.of_file(self.repo, path)
        if entries is None:
            await self.list_all()
            return
        prefix = self.config.labels.meeting_prefix
        labels = {name for entry in entries for name in entry.labels if name.startswith(prefix)}
        labels |= {label} if label else set()
        for name in sorted(labels - self._listed_labels):
            self._listed_labels.add(name)
            self._add(await self.own(await self.port.list_issues(self.repo, labels=name, state="all")))
        await self._read_unlisted(entries)
        await self._heal(path, entries)

    async def _read_unlisted(self, entries: Iterable[IndexEntry]) -> None:
        """Read by number the indexed issues no listing found; forget those gone."""
        listed = {issue["number"] for issue in await self.issues()}
        gone = []
        for number in sorted({entry.number for entry in entries} - listed):
            try:
                self._add(await self.own([await self.port.get_issue(self.repo, number)]))
            except NotFound:
                gone.append(number)
        if gone and self.index is not None:
            await self.index.drop(self.repo, gone)

    async def _heal(self, path: str, entries: Iterable[IndexEntry]) -> None:
        """Record in the index what the file's issues say now, where it differs."""
        seen = set(entries_of(await self.issues(), path))
        if self.index is not None and seen - set(entries):
            await self.index.note(self.repo, seen - set(entries))

    async def file_issues(self, path: str) -> list[dict[str, Any]]:
        """Return the bot's issues, including the meeting issue of `path`.

        The meeting issue lacks the item label the listing filters on, so it is
        fetched through the number its items' markers name.
        """
        issues = await self.issues()
        tracked, meeting = read_issues(issues, path)
        if meeting is None:
            named = {t.marker.meeting for t in tracked if t.marker.meeting}
            for number in named - {issue["number"] for issue in issues}:
                issues += await self.own([await self.port.get_issue(self.repo, number)])
        return issues

    async def own(self, issues: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Keep the issues the bot opened: one bearing a copied marker is somebody else's.

        Who the bot is is asked only when there is an issue to tell apart.
        """
        issues = list(issues)
        if not issues:
            return []
        logins = await self.port.own_logins()
        item, prefix = self.config.labels.item, self.config.labels.meeting_prefix
        return [issue for issue in issues if trusted_marker(issue, logins, item, prefix)]

    async def update(self, path: str) -> Minutes | None:
        """Reconcile the issues of the minutes file at `path`; return its minutes as read.

        Three moves: read what deciding needs (`gather`), decide with no I/O
        (`decide_file`), apply the plan; planning again for the rounds it asks for.
        """
        inputs = await self.gather(path)
        if inputs is None:
            return None
        decision = decide_file(inputs)
        self.series.learn(path, decision)
        if decision.in_step:
            return decision.minutes  # nothing to write, and the linked PRs were told already
        await self.settle(inputs, decision)
        numbers = await self.numbers(decision.minutes)
        await self.applier.tell_pulls(decision.minutes.items, numbers, decision.ctx)
        return decision.minutes

    async def gather(self, path: str) -> FileInputs | None:
        """Read what deciding the file's issues needs; None when the file cannot be read.

        The file and its issues (through the index when there is one), its items, what
        their references and owners are on GitHub, the open items of earlier meetings
        and, only when there are some, what the file says besides its items.
        """
        # Reads that do not depend on each other go out together.
        text, _ = await asyncio.gather(self.read_text(path), self.cover(path))
        if text is None:
            return None
        # The links `write_back` proposed, once merged, are the bot's, not the minutes'.
        tracked, _ = read_issues(await self.issues(), path)
        read = await self.read(path, without_links(text, {issue.number for issue in tracked}))
        if read is None:
            return None
        minutes, ctx = read
        await self.cover(path, meeting_label(minutes, path, self.settings))
        earlier = await open_earlier_items(self, path)
        if self.thorough:  # also the meeting issues no item links to: duplicates to merge
            await self.add_meetings(minutes)
        said = await said_of_earlier(text, minutes) if earlier else ()
        return FileInputs(
            minutes,
            ctx,
            tuple(issues_of_file(await self.issues(), path)),
            self.settings,
            self.config.close_reported,
            tuple(earlier),
            said,
            thorough=self.thorough,
        )

    async def read(self, path: str, text: str) -> tuple[Minutes, RenderContext] | None:
        """Extract the items of `text` and learn from GitHub what rendering them needs.

        Items beyond `MAX_ITEMS` and references beyond `MAX_LOOKUPS` are left out, and
        the commit is told so. A PR's owner stays in an item's title only when the minutes
        or the PR say so. None when the items took too long to read.
        """
        minutes = await self.extracted(path, without_ignored_lines(text))
        if minutes is None:
            return None
        minutes, too_many_items = capped_items(minutes)
        lookups, too_many_lookups = capped_lookups(minutes)
        await self.tell(path, [*too_many_items, *too_many_lookups])
        ctx = await self.render_context(minutes, lookups)
        return with_sure_owners(minutes, ctx.links, people_of(minutes, self.roster)), ctx

    async def settle(self, inputs: FileInputs, decision: FileDecision) -> None:
        """Plan and apply until the plan asks for no other round."""
        rounds = uncertain = 0
        while True:
            try:
                if not await self.apply_round(inputs, decision):
                    break
                rounds += 1
            except AmbiguousWriteError:
                # An issue may or may not have been opened: look again before planning.
                log.warning("a write may not have happened; listing issues again")
                uncertain += 1
                await self.relist(decision.minutes)
            if rounds >= MAX_ROUNDS or uncertain >= MAX_UNCERTAIN_WRITES:
                raise ReconcileGaveUp(f"{inputs.minutes.path}: the issues did not settle; run sync")

    async def read_text(self, path: str) -> str | None:
        """Return the text of the file at the commit; None when it is gone or too big."""
        try:
            text = await self.port.get_file(
                self.repo, path, ref=self.sha, max_bytes=MAX_MINUTES_BYTES
            )
        except FileTooLarge as error:
            name = notices.file_name(path)
            refusal = notices.TOO_LARGE.format(file=name, size=error.size, limit=error.limit)
            await self.tell(path, [refusal])
            return None
        if text is None:  # gone again already; its removal will be reconciled then
            log.warning("minutes file missing at the commit", extra={"fields": {"path": path}})
        return text

    async def extracted(self, path: str, text: str) -> Minutes | None:
        """Extract the file's items in a worker; None, and a notice, when it takes too long."""
        job = Job(text, path, self.roster, self.config.holidays, self.meeting_date)
        if self.config.reader == RULES_AND_MODEL:
            job = replace(job, answer=await self.model_answer(path, text))
        try:
            minutes = await self.extract(job)
        except ExtractionTimeout as error:
            slow = notices.TOO_SLOW.format(file=notices.file_name(path), seconds=error.seconds)
            await self.tell(path, [slow])
            return None
        if minutes.reading is not None and minutes.reading.failure is None:
            fields = {"path": path, **minutes.reading.to_json()}
            log.info("the model reader's proposals checked", extra={"fields": fields})
        return minutes

    async def model_answer(self, path: str, text: str) -> Answer:
        """Ask the model reader about the file; an answer saying why not when there is none."""
        if self.model is None:
            return Answer(self.config.model, failure="this service has no model reader")
        return await self.model.read(
            text,
            model=self.config.model,
            account=self.repo.partition("/")[0],  # whose installation pays for the calls
            token=self.port.access_token,
            path=path,
        )

    async def tell(self, path: str, lines: list[str]) -> None:
        """Tell the commit, once, what the bot left undone with the file at `path`."""
        if lines:
            await self.applier.tell_commit(self.sha, path, lines)

    async def apply_round(self, inputs: FileInputs, decision: FileDecision) -> bool:
        """Read the file's issues again, plan and apply once; return whether the plan asks
        for another round."""
        now = await self.round_inputs(inputs)
        plan = plan_file(now, decision)
        self.changed |= bool(plan.operations)
        applied = await self.applier.apply(plan, decision.minutes, decision.ctx)
        if applied.meeting:
            self._linked_now[applied.meeting["number"]] = set()
        for parent, child in applied.linked:
            if parent in self._linked_now:
                self._linked_now[parent].add(child)
        # Keep new issues so the next round and the next file see them unlisted.
        created = [*([applied.meeting] if applied.meeting else []), *applied.items.values()]
        (await self.issues()).extend(created)
        return plan.replan

    async def round_inputs(self, inputs: FileInputs) -> FileInputs:
        """Return `inputs` with the file's issues as they are now: with its meeting issue,
        and that issue's sub-issues."""
        path = inputs.minutes.path
        issues = await self.file_issues(path)
        linked = await self.linked_items(issues, path)
        return replace(inputs, issues=tuple(issues_of_file(issues, path)), sub_issues=linked)

    async def linked_items(self, issues: list[dict[str, Any]], path: str) -> frozenset[int] | None:
        """Return the ids of the items the file's meeting issue groups, None if unknown.

        A run cut short (a crash, a dropped connection) may have opened items it never
        linked; the plan links them. For a meeting issue this run opened, what this run
        linked is known without asking.
        """
        _, meeting = read_issues(issues, path)
        if meeting is None:
            return None
        if meeting.number in self._linked_now:
            return frozenset(self._linked_now[meeting.number])
        found = await self.port.list_sub_issues(self.repo, meeting.number)
        return None if found is None else frozenset(issue["id"] for issue in found)

    async def relist(self, minutes: Minutes) -> None:
        """Forget what was listed; list the items and the file's meeting issue afresh."""
        self._issues = None
        self._listed_all = False
        self._listed_labels.clear()
        await self.cover(minutes.path)
        await self.add_meetings(minutes)

    async def add_meetings(self, minutes: Minutes) -> None:
        """Add the bot's issues under the file's meeting label to those listed."""
        label = meeting_label(minutes, minutes.path, self.settings)
        if label not in self._listed_labels:
            self._listed_labels.add(label)
            await self.issues()
            self._add(await self.own(await self.port.list_issues(self.repo, labels=label, state="all")))

    async def remove(self, path: str) -> None:
        """Close the open items of a minutes file that was deleted.

        A path that still holds something was not deleted: a file that became a
        symbolic link or a submodule keeps its items as they are.
        """
        if await self.port.has_path(self.repo, path, self.sha):
            log.info("a minutes file became a link or submodule; its items stay",
                     extra={"fields": {"path": path}})
            return
        ctx = RenderContext(self.repo, path, self.sha, server_url=self.server_url)
        await self.cover(path)
        plan = reconcile_deleted(await self.file_issues(path), ctx)
        self.changed |= bool(plan.operations)
        await self.applier.apply(plan, Minutes(path=path, title=None, meeting_date=None), ctx)
    async def render_context(self, minutes: Minutes, lookups: Iterable[Ref]) -> RenderContext:
        """Learn what rendering needs from GitHub: assignable owners and linked PRs."""
        links, assignable = await asyncio.gather(
            resolve_refs(
                self.port,
                lookups,
                repo=self.repo,
                search_in=self.config.search_repositories(self.repo),
                people=people_of(minutes, self.roster),
                meeting_date=minutes.meeting_date,
            ),
            self.assignable(login for item in minutes.items for login in item.logins),
        )
        return RenderContext(
            self.repo, minutes.path, self.sha, assignable, links, server_url=self.server_url
        )

    async def assignable(self, logins: Iterable[str]) -> frozenset[str]:
        """Return the logins GitHub lets the bot assign here: one listing, or one call each.

        Whoever is assigned to one of the bot's issues already is assignable, so
        minutes about the same people cost no further calls.
        """
        for issue in await self.issues():
            self._assignable.update({a["login"]: True for a in issue.get("assignees") or ()})
        unknown = [login for login in dict.fromkeys(logins) if login not in self._assignable]
        everyone = await self.port.list_assignees(self.repo) if len(unknown) > 1 else None
        allowed = {login.lower() for login in everyone or ()}
        for login in unknown:
            if everyone is not None:
                self._assignable[login] = login.lower() in allowed
            else:
                self._assignable[login] = await self.port.can_be_assigned(self.repo, login)
        return frozenset(login for login, ok in self._assignable.items() if ok)

    async def numbers(self, minutes: Minutes) -> dict[ActionItem, int]:
        """Map each item to the number of the issue that now tracks it."""
        tracked, _ = read_issues(await self.issues(), minutes.path)
        matches = match_items(minutes.items, item_keys(minutes.items), tracked)
        keyed = zip(minutes.items, item_keys(minutes.items), strict=True)
        return {item: matches[key].number for item, key in keyed if key in matches}


def live_reconciler(
    port: GitHubPort,
    repository: Mapping[str, Any],
    sha: str,
    config: RepoConfig,
    *,
    dry_run: DryRun | None = None,
    index: IssueIndex | None = None,
    **options: Any,
) -> MinutesReconciler:
    """Return the service's reconciler for a repository as GitHub describes it.

    With `dry_run`, plans are recorded there instead of applied: nothing is written.
    """
    repo = repository["full_name"]
    port.note_repository(repository)  # its node id, which opening issues over GraphQL names
    if dry_run is not None:  # a dry run neither writes issues nor records them
        writer: Writer = dry_run
        index = None
    else:
        writer = Applier(port, repo, config.labels, index=index)
    return MinutesReconciler(
        port,
        repo,
        sha,
        config,
        writer=writer,
        server_url=server_url(repository),
        index=index,
        **options,
    )


def server_url(repository: Mapping[str, Any]) -> str:
    """Return the web address of the GitHub that holds `repository` (from its `html_url`)."""
    html_url = str(repository.get("html_url") or "")
    suffix = "/" + repository["full_name"]
    return html_url[: -len(suffix)] if html_url.lower().endswith(suffix.lower()) else GITHUB_URL


def capped_items(minutes: Minutes) -> tuple[Minutes, list[str]]:
    """Keep the first `MAX_ITEMS` items, with the notice that says so when there are more."""
    if len(minutes.items) <= MAX_ITEMS:
        return minutes, []
    notice = notices.TOO_MANY_ITEMS.format(
        file=notices.file_name(minutes.path), count=len(minutes.items), limit=MAX_ITEMS
    )
    return replace(minutes, items=minutes.items[:MAX_ITEMS]), [notice]


def capped_lookups(minutes: Minutes) -> tuple[list[Ref], list[str]]:
    """Return the first `MAX_LOOKUPS` references to look up, and a notice if there are more."""
    refs = dict.fromkeys(ref for item in minutes.items for ref in item.refs)
    lookups = [ref for ref in refs if ref.kind in LOOKED_UP]
    if len(lookups) <= MAX_LOOKUPS:
        return lookups, []
    notice = notices.TOO_MANY_LOOKUPS.format(
        file=notices.file_name(minutes.path), count=len(lookups), limit=MAX_LOOKUPS
    )
    return lookups[:MAX_LOOKUPS], [notice]


async def sync_repository(
    port: GitHubPort,
    repo: str,
    *,
    progress: Callable[[str], None] = lambda line: None,
    clock: Callable[[], datetime] = utc_now,
    dry_run: DryRun | None = None,
    extract: Extract | None = None,
    index: IssueIndex | None = None,
    model: ModelReader | None = None,
) -> int:
    """Reconcile every minutes file of `repo` from scratch; return how many there are.

    Files whose issues exist but which are gone from the default branch have their
    items closed, so this also heals whatever a lost webhook missed. A dry run records
    the plans in `dry_run` and writes nothing. The listing rebuilds `index`, if given.
    """
    repository = await port.get_repo(repo)
    sha = await port.head_sha(repo, repository["default_branch"])
    config = await load_repo_config(port, repo, sha)
    paths = [path for path in await port.list_files(repo, ref=sha) if is_minutes_path(config, path)]
    reconciler = live_reconciler(
        port,
        repository,
        sha,
        config,
        thorough=True,
        dry_run=dry_run,
        extract=extract,
        index=index,
        model=model,
    )
    for done, path in enumerate(paths, 1):
        progress(f"[{done}/{len(paths)}] {path}")
        await reconciler.update(path)
    for path in sorted(files_with_issues(await reconciler.issues()) - set(paths)):
        progress(f"[gone] {path}")
        await reconciler.remove(path)
    if reconciler.changed and not reconciler.first_items and dry_run is None:
        await refresh_tracker(port, repo, config, clock())
    return len(paths)


def entries_of(issues: Iterable[Mapping[str, Any]], path: str | None = None) -> list[IndexEntry]:
    """Return the index entries of the bot's issues (of the file at `path`, if given)."""
    entries = (entry_of(issue) for issue in issues)
    return [e for e in entries if e is not None and (path is None or e.file == path)]


def files_with_issues(issues: Iterable[Mapping[str, Any]]) -> set[str]:
    """Return the minutes files named by the markers of the bot's issues."""
    markers = (parse_marker(issue.get("body")) for issue in issues if "pull_request" not in issue)
    return {marker.file for marker in markers if marker is not None}
