"""The GitHub port: the only module that talks to GitHub's REST API (and its GraphQL API,
for the one write REST needs two for, an issue opened under its meeting issue, and for
the reads a push starts with, in one query: `read_ahead`).

Handlers call methods named for what they do (`create_issue`, `post_comment`); this
module knows the URLs, pagination, authentication, and when to try again.

Retries: a 5xx, a timeout, a dropped connection or a rate limit (primary: wait for
`x-ratelimit-reset`; secondary: honour `Retry-After`, else wait a minute and back off)
is retried up to `RetryPolicy.max_tries`, never sleeping longer than
`RetryPolicy.max_wait` at a time. One exception: a POST that creates something
(`create_issue`, `create_sub_issue`, `post_comment`, `comment_on_commit`, `add_sub_issue`,
`open_pull`, `create_branch`, and the commit of `commit_file`) is not sent again when its
connection failed after the request went out, because GitHub may have done it already; the
port raises `AmbiguousWriteError`, and the caller looks for what it asked for (issues by
marker, comments), giving GitHub time (`confirm`), before deciding to create it again.
A clean error
answer (5xx, 429, a rate-limit 403) means nothing was done, so those POSTs are retried.

Writes of one installation are sent one at a time, in the order they are asked for,
which keeps creation order deterministic and stays clear of secondary rate limits.

Requests go only to the configured API host: a `Link` header or any other URL in an
answer that points elsewhere is refused (`ForeignHostError`), so the token never leaves.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
import gidgethub.aiohttp
from gidgethub import BadRequest, HTTPException, InvalidField, sansio

from bot.compat import UTC, timeout
from bot.github import API_URL
from bot.github.auth import AppAuth, Auth
from bot.github.node_ids import NodeIds
from bot.github.pacing import Clock, LocalPacer, Sleep, WritePacer, pace
from bot.github.read_ahead import FileAt, ReadAhead, document, read_answer, variables
from bot.github.retries import RetryPolicy, retry_delay

log = logging.getLogger(__name__)

T = TypeVar("T")

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
PER_PAGE = 100
# The mode git gives a symbolic link in a tree; a link is not a file the bot reads.
SYMLINK_MODE = "120000"
ISSUE_FIELDS = frozenset(
    {"title", "body", "state", "state_reason", "labels", "assignees", "milestone"}
)


class AmbiguousWriteError(Exception):
    """A create whose connection failed after sending: GitHub may or may not have done it.

    Re-list what exists (issues by their marker, comments) before creating it again.
    """

    def __init__(self, method: str, path: str) -> None:
        super().__init__(f"{method} {path}: the connection failed; the write may have happened")
        self.method = method
        self.path = path


class NotFound(BadRequest):
    """GitHub answered 404: there is no such thing, or these credentials cannot see it."""

    def __init__(self, path: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(HTTPStatus.NOT_FOUND, f"{path}: Not Found", headers=headers)
        self.path = path


class ForeignHostError(Exception):
    """An answer asked the port to follow a URL on a host other than the configured API."""

    def __init__(self, url: str) -> None:
        super().__init__(f"refused to send a request to {_origin(url)}: not the configured API")
        self.url = url


class FileTooLarge(Exception):
    """A repository file bigger than the caller is willing to read."""

    def __init__(self, path: str, size: int, limit: int) -> None:
        super().__init__(f"{path} is {size:,} bytes; the limit is {limit:,}")
        self.path = path
        self.size = size
        self.limit = limit


@dataclass(frozen=True)
class ChangedFile:
    """A file a push changed: `status` is added, modified, removed, renamed, ..."""

    filename: str
    status: str
    previous_filename: str | None = None


@dataclass(frozen=True)
class StoredFile:
    """A file's bytes at a commit or branch, and its blob `sha`, which a write replacing it names."""

    content: bytes
    sha: str


# ---------------------------------------------------------------------------
# The gidgethub client the port drives


class _API(gidgethub.aiohttp.GitHubAPI):
    """gidgethub with the port's token on every request, counting, logging and retries."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        requester: str,
        base_url: str,
        auth: Auth,
        installation_id: int | None,
        policy: RetryPolicy,
        sleep: Sleep,
        clock: Clock,
    ) -> None:
        super().__init__(session, requester, base_url=base_url)
        self._auth = auth
        self._installation_id = installation_id
        self._policy = policy
        self._sleep = sleep
        self._clock = clock
        self._state = auth.installation(installation_id)
        # The token generation cached before this client's first call, if any.
        self._cached_generation = self._state.generation if self._state.token else None
        self.calls = 0
        self.writes = 0

    async def authenticate(self) -> None:
        await self._auth.token(self, self._installation_id)

    async def _request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> tuple[int, Mapping[str, str], bytes]:
        if _origin(url) != _origin(self.base_url):
            # A `Link` to the next page, say, that points at another host.
            raise ForeignHostError(url)
        if "authorization" in headers:  # the token exchange carries the app's JWT
            return await self._send(method, url, headers, body)
        token = await self._auth.token(self, self._installation_id)
        answer = await self._send_with(token, method, url, headers, body)
        if self._renew(answer[0], url) and self._auth.forget(self._installation_id, token):
            path = urlsplit(url).path
            log.info("%s %s answered %d; again with a new token", method, path, answer[0])
            token = await self._auth.token(self, self._installation_id)
            answer = await self._send_with(token, method, url, headers, body)
        repo = _repository_of(url)
        if repo and answer[0] < HTTPStatus.MULTIPLE_CHOICES:
            self._state.reached.add(repo)
        elif repo and answer[0] == HTTPStatus.NOT_FOUND and self._fresh_token:
            # Missing to a token no older than this client (an organisation without a
            # `.github` repository, say): later clients holding it need not renew it.
            self._state.missing[repo] = self._state.generation
        return answer

    @property
    def _fresh_token(self) -> bool:
        """Tell whether the current token was obtained after this client began."""
        return self._cached_generation != self._state.generation

    def _renew(self, status: int, url: str) -> bool:
        """Tell whether to try again with a new token: after a 401, or a 404 that may be its age.

        A token obtained before a repository was added to the installation cannot see
        it; one cached from before this client, for a repository no token was answered
        for yet, gets one more try with a fresh token.
        """
        if status == HTTPStatus.UNAUTHORIZED:
            return True
        repo = _repository_of(url)
        return (
            status == HTTPStatus.NOT_FOUND
            and repo is not None
            and repo not in self._state.reached
            and self._state.missing.get(repo) != self._state.generation
            and self._cached_generation == self._state.generation
        )

    async def _make_request(
        self, method: str, url: str, url_vars: Mapping[str, Any] | None, *args: Any, **kwargs: Any
    ) -> tuple[bytes, str | None, int]:
        """Make one request; a 404 becomes `NotFound`, naming the path."""
        try:
            return await super()._make_request(method, url, url_vars, *args, **kwargs)
        except BadRequest as error:
            if error.status_code != HTTPStatus.NOT_FOUND or isinstance(error, NotFound):
                raise
            path = urlsplit(sansio.format_url(url, url_vars or {}, base_url=self.base_url)).path
            raise NotFound(path, error.headers) from None

    async def _send_with(
        self, token: str, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Mapping[str, str], bytes]:
        self.calls += 1
        self.writes += method in WRITE_METHODS and not _is_query(url, body)
        return await self._send(method, url, {**headers, "authorization": f"token {token}"}, body)

    async def _send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Mapping[str, str], bytes]:
        async with timeout(self._policy.request_timeout):
            status, answer_headers, data = await super()._request(method, url, headers, body)
        log.debug("%s %s -> %d", method, urlsplit(url).path, status)
        return status, answer_headers, data

    async def handle_rate_limit_error(
        self, *, method: str, url: str, exception: HTTPException, attempt: int
    ) -> bool:
        delay = retry_delay(
            self._policy,
            int(exception.status_code),
            exception.headers,
            str(exception),
            attempt,
            self._clock(),
        )
        if delay is None:
            return False
        log.warning(
            "%s %s answered %d; try %d in %.0f s",
            method,
            urlsplit(url).path,
            exception.status_code,
            attempt + 1,
            delay,
        )
        await self.sleep(delay)
        return True

    async def sleep(self, seconds: float) -> None:
        await self._sleep(seconds)


# ---------------------------------------------------------------------------
# GraphQL, for the one write REST needs two for: an issue created under its parent.
# Each field below is in GitHub's published schema (`CreateIssueInput.parentIssueId`,
# `Issue.fullDatabaseId`, the REST id that `databaseId` is too small for).

NODE_IDS = """
query($owner: String!, $name: String!, $parent: Int!, $first: String!, $second: String!) {
  repository(owner: $owner, name: $name) {
    id
    issue(number: $parent) { id }
    first: label(name: $first) { id }
    second: label(name: $second) { id }
    assignableUsers(first: 100) { nodes { id login } }
  }
}
"""
USER_ID = """
query($login: String!) {
  user(login: $login) { id }
}
"""
CREATE_ISSUE = """
mutation($input: CreateIssueInput!) {
  createIssue(input: $input) {
    issue {
      id
      fullDatabaseId
      number
      title
      body
      state
      url
      createdAt
      author { __typename login }
      labels(first: 100) { nodes { id name color } }
      assignees(first: 100) { nodes { id login } }
    }
  }
}
"""
# GraphQL endpoints (by URL) found without GraphQL, or whose schema lacks what
# `create_sub_issue` sends (older GitHub Enterprise Server): asked no more in this process.
_NO_PARENT_ON_CREATE: set[str] = set()
# GraphQL endpoints found without GraphQL, or without what `read_ahead` asks.
_NO_READ_AHEAD: set[str] = set()


@dataclass
class _CreationIds:
    """The node ids an issue created under a parent needs; None where GitHub found none."""

    repository: str
    parent: str | None
    labels: tuple[str | None, ...]
    users: dict[str, str]  # lower-case login: node id


def graphql_url(base_url: str) -> str:
    """Return the GraphQL endpoint beside a REST base URL (GHES: `/api/v3` -> `/api/graphql`)."""
    base = base_url.rstrip("/")
    return base.removesuffix("/v3") + "/graphql" if base.endswith("/api/v3") else base + "/graphql"


def _graphql(document: str, **variables: Any) -> dict[str, Any]:
    return {"query": document, "variables": variables}


def _problems(answer: Mapping[str, Any]) -> list[str]:
    """Return the messages of a GraphQL answer's errors."""
    return [str(error.get("message")) for error in answer.get("errors") or ()]


def _lacks_schema(answer: Mapping[str, Any]) -> bool:
    """Tell whether GraphQL refused the query for something its schema lacks."""
    return any(_schema_lacks(message) for message in _problems(answer))


def _schema_lacks(message: str) -> bool:
    """Tell whether GraphQL refused a document for a field or argument its schema lacks.

    As GitHub words it: "Field 'x' doesn't exist on type 'Issue'", "... provided invalid
    value for parentIssueId (Field is not defined on CreateIssueInput)", "InputObject
    'CreateIssueInput' doesn't accept argument 'parentIssueId'".
    """
    return any(words in message for words in ("doesn't exist on type", "is not defined on",
                                               "doesn't accept argument"))


def _is_query(url: str, body: bytes) -> bool:
    """Tell a GraphQL query, which reads, from a mutation, which writes."""
    if not urlsplit(url).path.endswith("/graphql"):
        return False
    document = json.loads(body or b"{}").get("query", "")
    return not str(document).lstrip().startswith("mutation")


def _rest_issue(node: Mapping[str, Any]) -> dict[str, Any]:
    """Return a GraphQL issue as the REST API shows it, in the fields the bot reads."""
    author = node.get("author") or {}
    login = author.get("login")
    return {
        "id": int(node["fullDatabaseId"]),
        "node_id": node["id"],
        "number": node["number"],
        "title": node["title"],
        "body": node["body"],
        "state": str(node["state"]).lower(),
        "state_reason": None,
        "html_url": node["url"],
        "created_at": node["createdAt"],
        "user": {"login": f"{login}[bot]" if author.get("__typename") == "Bot" else login},
        "labels": [
            {"name": x["name"], "node_id": x["id"], "color": x["color"]}
            for x in node["labels"]["nodes"]
        ],
        "assignees": [{"login": x["login"], "node_id": x["id"]} for x in node["assignees"]["nodes"]],
    }


# ---------------------------------------------------------------------------
# The port


class GitHubPort:
    """Named GitHub operations for one installation (or one token).

    `calls` counts the requests sent with the installation's token, retries and
    pages included; `writes` counts those that were POST, PATCH, PUT or DELETE.
    """

    # Whether a repository it cannot read may still exist (a token of one repository).
    reads_only_its_repository = False

    def __init__(
        self,
        session: aiohttp.ClientSession,
        auth: Auth,
        installation_id: int | None = None,
        *,
        base_url: str = API_URL,
        requester: str = "minutes-bot",
        policy: RetryPolicy = RetryPolicy(),
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.time,
        pacer: WritePacer | None = None,
    ) -> None:
        self.session = session  # also for other services the installation's token may call
        self._policy = policy
        self._sleep = sleep
        self._clock = clock
        self._auth = auth
        self._installation_id = installation_id
        self._state = auth.installation(installation_id)
        self._pacer = pacer or self._shared_pacer()
        self._pace_key = "token" if installation_id is None else f"installation-{installation_id}"
        self._graphql_url = graphql_url(base_url)
        self._node_ids: dict[tuple[str, int, tuple[str, ...]], _CreationIds | None] = {}
        # The node ids REST answers named, so that opening an issue over GraphQL needs
        # no look-up; and the parents GraphQL refused to open an issue under.
        self._known = NodeIds()
        self._refused_parents: set[tuple[str, int]] = set()
        # Files and people read ahead in one query (`read_ahead`).
        self._ahead = ReadAhead()
        self._assignable_ahead: dict[str, frozenset[str]] = {}
        # Every issue under a label, as this port listed it: (repository, label) -> issues.
        self._listed: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._api = _API(
            session,
            requester=requester,
            base_url=base_url.rstrip("/"),
            auth=auth,
            installation_id=installation_id,
            policy=policy,
            sleep=sleep,
            clock=clock,
        )

    async def authenticate(self) -> None:
        """Get the access token now rather than on the first call."""
        await self._api.authenticate()

    async def access_token(self) -> str | None:
        """Return the token the port acts with, for GitHub Models, which takes the same one."""
        return await self._auth.token(self._api, self._installation_id)

    # -- the GitHub App and its installations ------------------------------------

    async def find_installation(self, repo: str) -> int:
        """Return the id of the App's installation on `repo` (App credentials only)."""
        url, jwt = "/repos/{owner}/{name}/installation", self._app_auth().jwt()
        found = await self._retrying(
            "GET", url, lambda: self._api.getitem(url, _repo(repo), jwt=jwt)
        )
        return int(found["id"])

    async def list_installations(self) -> list[int]:
        """Return the id of every installation of the App (App credentials only)."""
        url = "/app/installations{?per_page}"
        jwt = self._app_auth().jwt()

        async def pages() -> list[int]:
            found = self._api.getiter(url, {"per_page": PER_PAGE}, jwt=jwt)
            return [int(installation["id"]) async for installation in found]

        return await self._retrying("GET", url, pages)

    async def list_installation_repositories(self) -> list[dict[str, Any]]:
        """Return every repository this port's installation (or token) may act on."""
        url = "/installation/repositories{?per_page}"

        async def pages() -> list[dict[str, Any]]:
            found = self._api.getiter(url, {"per_page": PER_PAGE}, iterable_key="repositories")
            return [repository async for repository in found]

        return await self._retrying("GET", url, pages)

    def _app_auth(self) -> AppAuth:
        if not isinstance(self._auth, AppAuth):
            raise TypeError("only a GitHub App has installations")
        return self._auth

    @property
    def calls(self) -> int:
        return self._api.calls

    @property
    def writes(self) -> int:
        return self._api.writes

    async def confirm(self, check: Callable[[], Awaitable[T | None]]) -> T | None:
        """Give a write that may have happened time to show; ask `check` after each wait.

        For `AmbiguousWriteError`: what GitHub answered too late may still be done, and
        doing it again would make a duplicate. Returns what `check` found, else None.
        """
        for wait in self._policy.confirm_waits:
            await self._sleep(wait)
            found = await check()
            if found is not None:
                return found
        return None

    # -- contents and commits -------------------------------------------------

    async def own_logins(self) -> frozenset[str]:
        """Return the logins the bot's own issues and comments are written by: asked of
        GitHub once, unless an issue the bot opened named its author first."""
        return await self._retrying("GET", "/user", lambda: self._auth.own_logins(self._api))

    async def get_file(
        self, repo: str, path: str, ref: str | None = None, *, max_bytes: int | None = None
    ) -> str | None:
        """Return the text of `path` at `ref` (None: the default branch), None if it is missing.

        A symbolic link or submodule has no text of its own: None too. (GitHub answers
        for a link with the file it points at, under that file's path.) A file over
        `max_bytes` raises `FileTooLarge` before its content is fetched.
        """
        ahead = self._ahead.files.get(FileAt.of(repo, path, ref))
        if ahead is not None:
            if max_bytes is not None and ahead.size > max_bytes:
                raise FileTooLarge(path, ahead.size, max_bytes)
            return ahead.text
        stored = await self.read_file(repo, path, ref, max_bytes=max_bytes)
        return None if stored is None else stored.content.decode("utf-8", errors="replace")

    async def read_ahead(
        self,
        repo: str,
        ref: str,
        paths: Sequence[str],
        *,
        defaults: tuple[str, str] | None = None,
        people: bool = False,
    ) -> None:
        """Read `paths` of `repo` at `ref`, the file `defaults` names (a repository and a
        path, on its default branch) and, with `people`, who may be assigned in `repo`, in
        one GraphQL query; `get_file` and `list_assignees` then answer from it.

        Where GraphQL is missing or leaves something out, those reads go over REST.
        """
        holder = FileAt.of(*defaults) if defaults else None
        query = document(len(paths), defaults=holder is not None, people=people)
        answer = await self._graphql_answer(
            query, _NO_READ_AHEAD, **variables(repo, ref, paths, holder)
        )
        if answer is None:
            return
        if _lacks_schema(answer):
            _NO_READ_AHEAD.add(self._graphql_url)
        self._ahead = read_answer(answer, repo, ref, paths, holder)
        if self._ahead.assignable is not None:
            self._assignable_ahead[repo.lower()] = self._ahead.assignable
        self._known.learn_users(self._ahead.users)

    async def read_file(
        self, repo: str, path: str, ref: str | None = None, *, max_bytes: int | None = None
    ) -> StoredFile | None:
        """Return the bytes and blob sha of `path` at `ref`, as `get_file` finds them."""
        entry = await self._entry(repo, path, ref)
        if not isinstance(entry, dict) or entry.get("type", "file") != "file":
            return None
        if entry.get("path", path) != path:
            return None
        if max_bytes is not None and int(entry.get("size") or 0) > max_bytes:
            raise FileTooLarge(path, int(entry["size"]), max_bytes)
        sha = str(entry["sha"])
        if entry.get("encoding") != "base64":  # files over 1 MB come without content
            entry = await self._get("/repos/{owner}/{name}/git/blobs/{sha}", _repo(repo, sha=sha))
        return StoredFile(base64.b64decode(entry["content"]), sha)

    async def has_path(self, repo: str, path: str, ref: str) -> bool:
        """Tell whether anything is at `path` at `ref`: a file, a symbolic link, a submodule."""
        return isinstance(await self._entry(repo, path, ref), dict)

    async def _entry(self, repo: str, path: str, ref: str | None) -> Any:
        return await _unless_missing(
            self._get(
                "/repos/{owner}/{name}/contents/{path}{?ref}", _repo(repo, path=path, ref=ref)
            )
        )

    async def compare(self, repo: str, base: str, head: str) -> list[ChangedFile]:
        """Return the files changed between two commits."""
        answer = await self._get(
            "/repos/{owner}/{name}/compare/{basehead}", _repo(repo, basehead=f"{base}...{head}")
        )
        return [
            ChangedFile(f["filename"], f["status"], f.get("previous_filename"))
            for f in answer.get("files", [])
        ]

    async def list_files(self, repo: str, ref: str) -> list[str]:
        """Return the path of every file in the repository at `ref`: no links, no submodules."""
        answer = await self._get(
            "/repos/{owner}/{name}/git/trees/{ref}{?recursive}", _repo(repo, ref=ref, recursive=1)
        )
        if answer.get("truncated"):
            log.warning("the file tree of %s at %s is too big and was cut short", repo, ref)
        return [
            entry["path"]
            for entry in answer["tree"]
            if entry["type"] == "blob" and entry.get("mode") != SYMLINK_MODE
        ]

    async def get_repo(self, repo: str) -> dict[str, Any]:
        repository = dict(await self._get("/repos/{owner}/{name}", _repo(repo)))
        self.note_repository(repository)
        return repository

    def note_repository(self, repository: Mapping[str, Any]) -> None:
        """Remember the node id of a repository as REST or a webhook shows it."""
        self._known.learn("repository", str(repository.get("full_name")), repository)

    async def list_commit_comments(self, repo: str, sha: str) -> list[dict[str, Any]]:
        return await self._get_all(
            "/repos/{owner}/{name}/commits/{sha}/comments{?per_page}",
            _repo(repo, sha=sha, per_page=PER_PAGE),
        )

    async def comment_on_commit(
        self, repo: str, sha: str, body: str, *, path: str | None = None, line: int | None = None
    ) -> dict[str, Any]:
        """Comment on a commit, optionally on one line of one file."""
        data: dict[str, Any] = {"body": body}
        data.update({"path": path, "line": line} if path else {})
        return await self._write(
            "POST",
            "/repos/{owner}/{name}/commits/{sha}/comments",
            _repo(repo, sha=sha),
            data,
            repeatable=False,
        )

    # -- issues -----------------------------------------------------------------

    async def list_issues(
        self,
        repo: str,
        *,
        labels: str | None = None,
        state: str = "all",
        since: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Return the repository's issues, without pull requests; with `since`, only those
        updated at or after it (GitHub's `updated_at`, which closing or reopening moves)."""
        at = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if since else None
        issues = await self._get_all(
            "/repos/{owner}/{name}/issues{?state,labels,since,per_page}",
            _repo(repo, state=state, labels=labels, since=at, per_page=PER_PAGE),
        )
        found = [issue for issue in issues if "pull_request" not in issue]
        for issue in found:
            self._known.learn_issue(repo, issue)
        if state == "all" and labels and since is None:
            self._listed[(repo.lower(), labels)] = found
        return found

    async def newest_open_issues(
        self, repo: str, *, labels: str, most: int = PER_PAGE
    ) -> list[dict[str, Any]]:
        """Return the newest `most` (at most a page) open issues under `labels`: one call.

        No call when this port has listed every issue under `labels`: they are among those.
        """
        listed = self._listed.get((repo.lower(), labels))
        if listed is not None:
            opened = [issue for issue in listed if issue.get("state") == "open"]
            return sorted(opened, key=lambda issue: issue["number"], reverse=True)[:most]
        issues = await self._get(
            "/repos/{owner}/{name}/issues{?state,labels,sort,direction,per_page}",
            _repo(
                repo,
                state="open",
                labels=labels,
                sort="created",
                direction="desc",
                per_page=min(most, PER_PAGE),
            ),
        )
        return [issue for issue in issues if "pull_request" not in issue]

    async def get_issue(self, repo: str, number: int) -> dict[str, Any]:
        issue = dict(
            await self._get("/repos/{owner}/{name}/issues/{number}", _repo(repo, number=number))
        )
        self._known.learn_issue(repo, issue)
        return issue

    async def create_issue(
        self,
        repo: str,
        *,
        title: str,
        body: str,
        labels: Sequence[str] = (),
        assignees: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Open an issue; raise `AmbiguousWriteError` when it may or may not exist now."""
        data = {"title": title, "body": body, "labels": list(labels), "assignees": list(assignees)}
        created = await self._write(
            "POST", "/repos/{owner}/{name}/issues", _repo(repo), data, repeatable=False
        )
        self._known.learn_issue(repo, created)
        return self._authored(created)

    def _authored(self, created: dict[str, Any]) -> dict[str, Any]:
        """Learn who the bot is from an issue it just opened, whose author it is."""
        login = (created.get("user") or {}).get("login")
        if login:
            self._auth.learn_own_login(str(login))
        return created

    async def update_issue(self, repo: str, number: int, **fields: Any) -> dict[str, Any]:
        """Change an issue's title, body, state, state_reason, labels or assignees."""
        unknown = set(fields) - ISSUE_FIELDS
        if unknown:
            raise TypeError(f"update_issue cannot change {', '.join(sorted(unknown))}")
        data = {
            k: list(v) if isinstance(v, (tuple, set, frozenset)) else v for k, v in fields.items()
        }
        return await self._write(
            "PATCH", "/repos/{owner}/{name}/issues/{number}", _repo(repo, number=number), data
        )

    async def add_assignees(self, repo: str, number: int, logins: Sequence[str]) -> dict[str, Any]:
        return await self._write(
            "POST",
            "/repos/{owner}/{name}/issues/{number}/assignees",
            _repo(repo, number=number),
            {"assignees": list(logins)},
        )

    async def head_sha(self, repo: str, ref: str) -> str:
        """Return the commit SHA `ref` (a branch, tag or SHA) points at."""
        commit = await self._get("/repos/{owner}/{name}/commits/{ref}", _repo(repo, ref=ref))
        return str(commit["sha"])

    async def list_assignees(self, repo: str, *, most: int = 3 * PER_PAGE) -> frozenset[str] | None:
        """Return the logins that may be assigned here, or None if there are more than `most`.

        One call answers for every owner of a small repository; for a large organisation,
        asking about each owner (`can_be_assigned`) is cheaper than listing everyone.
        """
        ahead = self._assignable_ahead.get(repo.lower())
        if ahead is not None and len(ahead) <= most:
            return ahead
        url = "/repos/{owner}/{name}/assignees{?per_page}"

        async def first_pages() -> list[str] | None:
            found: list[str] = []
            async for user in self._api.getiter(url, _repo(repo, per_page=PER_PAGE)):
                found.append(user["login"])
                self._known.learn_users([user])
                if len(found) > most:
                    return None
            return found

        found = await self._retrying("GET", url, first_pages)
        return None if found is None else frozenset(found)

    async def can_be_assigned(self, repo: str, login: str) -> bool:
        """Tell whether `login` may be assigned issues in the repository."""
        try:
            await self._get("/repos/{owner}/{name}/assignees/{login}", _repo(repo, login=login))
        except BadRequest as error:
            if error.status_code == HTTPStatus.NOT_FOUND:
                return False
            raise
        return True

    async def search_issues(self, query: str) -> list[dict[str, Any]]:
        """Return every issue and PR the search finds (GitHub stops at 1,000)."""
        return await self._get_all(
            "/search/issues{?q,per_page}", {"q": query, "per_page": PER_PAGE}
        )

    # -- comments and reactions --------------------------------------------------

    async def list_comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        return await self._get_all(
            "/repos/{owner}/{name}/issues/{number}/comments{?per_page}",
            _repo(repo, number=number, per_page=PER_PAGE),
        )

    async def post_comment(self, repo: str, number: int, body: str) -> dict[str, Any]:
        """Comment on an issue; raise `AmbiguousWriteError` when it may or may not exist now."""
        return await self._write(
            "POST",
            "/repos/{owner}/{name}/issues/{number}/comments",
            _repo(repo, number=number),
            {"body": body},
            repeatable=False,
        )

    async def update_comment(self, repo: str, comment_id: int, body: str) -> dict[str, Any]:
        return await self._write(
            "PATCH",
            "/repos/{owner}/{name}/issues/comments/{comment_id}",
            _repo(repo, comment_id=comment_id),
            {"body": body},
        )

    async def add_reaction(self, repo: str, comment_id: int, content: str) -> None:
        """React to a comment; reacting twice is harmless."""
        await self._write(
            "POST",
            "/repos/{owner}/{name}/issues/comments/{comment_id}/reactions",
            _repo(repo, comment_id=comment_id),
            {"content": content},
        )

    # -- labels -------------------------------------------------------------------

    async def list_labels(self, repo: str) -> list[dict[str, Any]]:
        return await self._get_all(
            "/repos/{owner}/{name}/labels{?per_page}", _repo(repo, per_page=PER_PAGE)
        )

    async def create_label(self, repo: str, name: str, color: str, description: str = "") -> None:
        """Create a label; one that exists already is left as it is."""
        data = {"name": name, "color": color, "description": description}
        try:
            created = await self._write("POST", "/repos/{owner}/{name}/labels", _repo(repo), data)
            self._known.learn("label", f"{repo}:{name}", created)
        except InvalidField as error:
            if not _has_code(error, "already_exists"):
                raise

    # -- sub-issues ---------------------------------------------------------------

    async def list_sub_issues(self, repo: str, number: int) -> list[dict[str, Any]] | None:
        """Return an issue's sub-issues; None where GitHub has no sub-issues (404)."""
        found: list[dict[str, Any]] | None = await _unless_missing(
            self._get_all(
                "/repos/{owner}/{name}/issues/{number}/sub_issues{?per_page}",
                _repo(repo, number=number, per_page=PER_PAGE),
            )
        )
        return found

    async def add_sub_issue(
        self, repo: str, parent_number: int, child_id: int, *, replace_parent: bool = False
    ) -> bool:
        """Make issue `child_id` (an id, not a number) a sub-issue; False when unsupported.

        `replace_parent` moves it from the parent it has, if any.
        """
        data: dict[str, Any] = {"sub_issue_id": child_id}
        data.update({"replace_parent": True} if replace_parent else {})
        try:
            await self._write(
                "POST",
                "/repos/{owner}/{name}/issues/{number}/sub_issues",
                _repo(repo, number=parent_number),
                data,
                repeatable=False,
            )
        except BadRequest as error:
            if error.status_code in (HTTPStatus.NOT_FOUND, HTTPStatus.UNPROCESSABLE_ENTITY):
                log.info("no sub-issues in %s#%s: %s", repo, parent_number, error)
                return False
            raise
        return True

    async def create_sub_issue(
        self,
        repo: str,
        parent: int,
        *,
        title: str,
        body: str,
        labels: Sequence[str],
        assignees: Sequence[str] = (),
    ) -> dict[str, Any] | None:
        """Open an issue already under issue `parent`, in one write (GraphQL `createIssue`).

        Returns the issue as REST shows it; None when this cannot be done here (no GraphQL,
        a `CreateIssueInput` without `parentIssueId`, a label or owner GraphQL cannot
        name): then nothing was written, and the caller opens it with `create_issue` and
        links it with `add_sub_issue`. A host found without it is not asked again.
        Raises `AmbiguousWriteError` when it may or may not exist now.
        """
        if self._graphql_url in _NO_PARENT_ON_CREATE or len(labels) > 2:
            return None
        if (repo.lower(), parent) in self._refused_parents:
            return None
        ids = self._known.for_creation(repo, parent, labels, assignees)
        ids = ids or await self._looked_up_ids(repo, parent, tuple(labels), assignees)
        if ids is None:
            return None
        fields = {"repositoryId": ids["repositoryId"], "title": title, "body": body,
                  "labelIds": ids["labelIds"], "assigneeIds": ids["assigneeIds"],
                  "parentIssueId": ids["parentIssueId"]}
        try:
            answer = await self._write(
                "POST", self._graphql_url, {}, _graphql(CREATE_ISSUE, input=fields),
                repeatable=False,
            )
        except BadRequest as error:
            if not self._no_graphql(error):
                raise
            return None
        created = (answer.get("data") or {}).get("createIssue") or {}
        if not created.get("issue"):
            self._refused("createIssue", answer)
            # A parent refused (one full of sub-issues, say) is not asked again.
            self._refused_parents.add((repo.lower(), parent))
            return None
        issue = _rest_issue(created["issue"])
        self._known.learn_issue(repo, issue)
        return self._authored(issue)

    async def _looked_up_ids(
        self, repo: str, parent: int, labels: tuple[str, ...], assignees: Sequence[str]
    ) -> dict[str, Any] | None:
        """Ask GraphQL for the node ids no REST answer named; None when it cannot name one."""
        ids = await self._creation_ids(repo, parent, labels)
        users = await self._user_ids(ids, assignees) if ids is not None else None
        if ids is None or users is None or ids.parent is None or None in ids.labels:
            return None
        return {"repositoryId": ids.repository, "parentIssueId": ids.parent,
                "labelIds": list(ids.labels), "assigneeIds": users}

    async def _creation_ids(
        self, repo: str, parent: int, labels: tuple[str, ...]
    ) -> _CreationIds | None:
        """Return the node ids an issue under `parent` needs, asked once a port."""
        key = (repo.lower(), parent, labels)
        if key not in self._node_ids:
            first, second = (labels * 2)[:2] if labels else ("", "")
            owner, name = _repo(repo)["owner"], _repo(repo)["name"]
            found = await self._graphql_read(
                NODE_IDS, "repository", owner=owner, name=name, parent=parent, first=first,
                second=second,
            )
            self._node_ids[key] = None if found is None else _CreationIds(
                repository=found["id"],
                parent=(found.get("issue") or {}).get("id"),
                labels=tuple((found.get(slot) or {}).get("id") for slot in ("first", "second"))[
                    : len(labels)
                ],
                users={u["login"].lower(): u["id"] for u in found["assignableUsers"]["nodes"]},
            )
        return self._node_ids[key]

    async def _user_ids(self, ids: _CreationIds, logins: Sequence[str]) -> list[str] | None:
        """Return the node ids of `logins`, asking for those a big repository did not list."""
        for login in logins:
            if login.lower() not in ids.users:
                found = await self._graphql_read(USER_ID, "user", login=login)
                if found is None:
                    return None
                ids.users[login.lower()] = found["id"]
        return [ids.users[login.lower()] for login in logins]

    async def _graphql_read(self, document: str, field: str, **variables: Any) -> Any:
        """Return `data[field]` of a GraphQL query; None when GraphQL does not answer it."""
        answer = await self._graphql_answer(document, _NO_PARENT_ON_CREATE, **variables)
        if answer is None:
            return None
        found = (answer.get("data") or {}).get(field)
        if found is None:
            self._refused(field, answer)
        return found

    async def _graphql_answer(
        self, document: str, hosts_without: set[str], **variables: Any
    ) -> dict[str, Any] | None:
        """Post a GraphQL query; None when this host is among `hosts_without` what it asks,
        or has no GraphQL at all."""
        url = self._graphql_url
        if url in hosts_without:
            return None
        try:
            answer = await self._retrying(
                "POST", url, lambda: self._api.post(url, {}, data=_graphql(document, **variables))
            )
        except BadRequest as error:
            if not self._no_graphql(error):
                raise
            return None
        return answer if isinstance(answer, dict) else {}

    def _no_graphql(self, error: BadRequest) -> bool:
        """Tell whether GraphQL answered that it is not there (404, 410); remember it so."""
        if error.status_code not in (HTTPStatus.NOT_FOUND, HTTPStatus.GONE):
            return False
        log.info("no GraphQL API at %s; everything goes over REST", self._graphql_url)
        _NO_PARENT_ON_CREATE.add(self._graphql_url)
        _NO_READ_AHEAD.add(self._graphql_url)
        return True

    def _refused(self, field: str, answer: Mapping[str, Any]) -> None:
        """Log why GraphQL gave no `field`; remember a host whose schema lacks what is asked."""
        if _lacks_schema(answer):
            _NO_PARENT_ON_CREATE.add(self._graphql_url)
        problems = _problems(answer)
        log.info("GraphQL gave no %s: %s", field, "; ".join(problems) or "no answer")

    # -- people -----------------------------------------------------------------

    async def permission(self, repo: str, login: str) -> str:
        """Return `login`'s role in the repository (admin, maintain, write, triage, read, none)."""
        answer = await _unless_missing(
            self._get(
                "/repos/{owner}/{name}/collaborators/{login}/permission", _repo(repo, login=login)
            )
        )
        if answer is None:
            return "none"
        return str(answer.get("role_name") or answer.get("permission") or "none")

    async def get_user(self, login: str) -> dict[str, Any] | None:
        return await _unless_missing(self._get("/users/{login}", {"login": login}))

    # -- pull requests --------------------------------------------------------------

    async def list_pulls(self, repo: str, state: str = "all") -> list[dict[str, Any]]:
        return await self._get_all(
            "/repos/{owner}/{name}/pulls{?state,per_page}",
            _repo(repo, state=state, per_page=PER_PAGE),
        )

    async def get_pull(self, repo: str, number: int) -> dict[str, Any] | None:
        return await _unless_missing(
            self._get("/repos/{owner}/{name}/pulls/{number}", _repo(repo, number=number))
        )

    async def pulls_from(self, repo: str, branch: str) -> list[dict[str, Any]]:
        """Return the pull requests, open or closed, whose head is `branch` of `repo`."""
        owner = repo.partition("/")[0]
        return await self._get_all(
            "/repos/{owner}/{name}/pulls{?head,state,per_page}",
            _repo(repo, head=f"{owner}:{branch}", state="all", per_page=PER_PAGE),
        )

    async def open_pull(
        self, repo: str, *, head: str, base: str, title: str, body: str
    ) -> dict[str, Any]:
        """Open a pull request of branch `head` into `base`; raise `AmbiguousWriteError`
        when it may or may not exist now."""
        data = {"head": head, "base": base, "title": title, "body": body}
        return await self._write(
            "POST", "/repos/{owner}/{name}/pulls", _repo(repo), data, repeatable=False
        )

    async def update_pull(
        self, repo: str, number: int, *, title: str, body: str, state: str | None = None
    ) -> dict[str, Any]:
        """Change a pull request's title and description, and close or reopen it (`state`)."""
        data = {"title": title, "body": body, **({"state": state} if state else {})}
        return await self._write(
            "PATCH", "/repos/{owner}/{name}/pulls/{number}", _repo(repo, number=number), data
        )

    # -- branches and files -------------------------------------------------------

    # A ref's slashes stay as they are (`{+ref}`): `heads/minutes-bot/links/x` is the
    # address GitHub documents; an encoded `%2F` is not.

    async def branch_head(self, repo: str, branch: str) -> str | None:
        """Return the commit `branch` points at; None when there is no such branch."""
        ref = await _unless_missing(
            self._get("/repos/{owner}/{name}/git/ref/{+ref}", _repo(repo, ref=f"heads/{branch}"))
        )
        return None if ref is None else str(ref["object"]["sha"])

    async def create_branch(self, repo: str, branch: str, sha: str) -> None:
        """Start `branch` at commit `sha`; raise `AmbiguousWriteError` when it may exist now."""
        data = {"ref": f"refs/heads/{branch}", "sha": sha}
        await self._write(
            "POST", "/repos/{owner}/{name}/git/refs", _repo(repo), data, repeatable=False
        )

    async def reset_branch(self, repo: str, branch: str, sha: str) -> None:
        """Point `branch` at commit `sha`, whatever it held before (a forced move)."""
        await self._write(
            "PATCH",
            "/repos/{owner}/{name}/git/refs/{+ref}",
            _repo(repo, ref=f"heads/{branch}"),
            {"sha": sha, "force": True},
        )

    async def commit_file(
        self, repo: str, path: str, content: bytes, *, branch: str, replacing: str, message: str
    ) -> str:
        """Commit `content` at `path` on `branch` over the blob `replacing`; return the commit.

        Not sent twice: once done, the same request names a blob that is no longer there.
        """
        data = {
            "message": message,
            "content": base64.b64encode(content).decode("ascii"),
            "sha": replacing,
            "branch": branch,
        }
        answer = await self._write(
            "PUT",
            "/repos/{owner}/{name}/contents/{path}",
            _repo(repo, path=path),
            data,
            repeatable=False,
        )
        return str(answer["commit"]["sha"])

    # -- sending --------------------------------------------------------------------

    async def _get(self, url: str, url_vars: Mapping[str, Any]) -> Any:
        return await self._retrying("GET", url, lambda: self._api.getitem(url, url_vars))

    async def _get_all(self, url: str, url_vars: Mapping[str, Any]) -> list[Any]:
        async def pages() -> list[Any]:
            return [item async for item in self._api.getiter(url, url_vars)]

        return await self._retrying("GET", url, pages)

    async def _write(
        self,
        method: str,
        url: str,
        url_vars: Mapping[str, Any],
        data: Any,
        *,
        repeatable: bool = True,
    ) -> dict[str, Any]:
        """Send one write, after every earlier write of this installation has finished."""
        send: Callable[..., Awaitable[Any]] = getattr(self._api, method.lower())
        async with self._state.writing:
            await self._pace_content()
            answer = await self._retrying(
                method, url, lambda: send(url, url_vars, data=data), repeatable=repeatable
            )
        return answer if isinstance(answer, dict) else {}

    async def _pace_content(self) -> None:
        """Keep writes under GitHub's secondary limit on content creation, 80 a minute."""
        if self._pacer is not None:
            await self._pacer.turn(self._pace_key)

    def _shared_pacer(self) -> WritePacer | None:
        """Return the in-memory pacer of the installation's ports, by the policy's pace."""
        rate = self._policy.content_per_minute
        if rate <= 0:
            return None
        if self._state.pacer is None:
            limits = pace(rate, self._policy.content_burst)
            self._state.pacer = LocalPacer(limits, clock=self._clock, sleep=self._sleep)
        return self._state.pacer

    async def _retrying(
        self,
        method: str,
        url: str,
        attempt: Callable[[], Awaitable[T]],
        *,
        repeatable: bool = True,
    ) -> T:
        """Run `attempt`, again after a timeout or dropped connection when that is safe."""
        for tries in itertools.count(1):
            writes_before = self._api.writes
            try:
                return await attempt()
            # asyncio.TimeoutError: on Python 3.10 it is not yet the built-in TimeoutError.
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                if not repeatable and _maybe_done(error, self._api.writes > writes_before):
                    raise AmbiguousWriteError(method, url) from error
                if tries >= self._policy.max_tries:
                    raise
                delay = self._policy.backoff * 2.0 ** (tries - 1)
                log.warning(
                    "%s %s failed (%s); try %d in %.0f s",
                    method,
                    url,
                    type(error).__name__,
                    tries + 1,
                    delay,
                )
                await self._api.sleep(delay)
        raise AssertionError("unreachable")


async def port_for_installation(
    session: aiohttp.ClientSession,
    auth: Auth,
    installation_id: int | None,
    base_url: str = API_URL,
    **options: Any,
) -> GitHubPort:
    """Return a port acting as the installation, its token already in hand."""
    port = GitHubPort(session, auth, installation_id, base_url=base_url, **options)
    await port.authenticate()
    return port


def _repository_of(url: str) -> str | None:
    """Return the `owner/name` a REST URL is about, None for other URLs."""
    _, found, rest = urlsplit(url).path.partition("/repos/")
    owner, _, rest = rest.partition("/")
    name = rest.partition("/")[0]
    return f"{owner}/{name}".lower() if found and owner and name else None


def _maybe_done(error: Exception, sent: bool) -> bool:
    """Tell whether a write that failed this way may have reached GitHub."""
    return sent and not isinstance(error, aiohttp.ClientConnectorError)


def _origin(url: str) -> tuple[str, str]:
    """Return a URL's scheme and host (with port), the part a token must not leave."""
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _repo(repo: str, **more: Any) -> dict[str, Any]:
    """Return URL variables for `owner/name` plus `more`."""
    owner, slash, name = repo.partition("/")
    if not slash or not owner or not name or "/" in name:
        raise ValueError(f"a repository is written owner/name, not {repo!r}")
    return {"owner": owner, "name": name, **more}


async def _unless_missing(call: Awaitable[T]) -> T | None:
    """Await `call`; None when GitHub answers 404, any other error re-raised."""
    try:
        return await call
    except BadRequest as error:
        if error.status_code == HTTPStatus.NOT_FOUND:
            return None
        raise


def _has_code(error: InvalidField, code: str) -> bool:
    errors = error.errors if isinstance(error.errors, list) else []
    return any(isinstance(e, dict) and e.get("code") == code for e in errors)
