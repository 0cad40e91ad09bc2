"""Save and load the simulator's state as JSON."""

from __future__ import annotations

import dataclasses
import itertools
from typing import TYPE_CHECKING, Any, TypeVar

from bot.compat import parse_time as compat_parse_time

from .state import (
    Comment,
    Commit,
    CommitComment,
    Issue,
    Label,
    PullInfo,
    Reaction,
    Repo,
    State,
    to_plain,
)

if TYPE_CHECKING:
    from .sim import GitHubSim

Record = TypeVar("Record")


def from_plain(cls: type[Record], data: dict[str, Any]) -> Record:
    """Build a record from JSON data, reading ISO strings back into datetimes."""
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values = {}
    for key, value in data.items():
        if key not in fields:
            continue
        if key.endswith("_at") or key == "date":
            value = parse_time(value)
        values[key] = value
    return cls(**values)


def parse_time(value: Any) -> Any:
    """Read an ISO 8601 string as a datetime; leave anything else alone."""
    return compat_parse_time(value) if isinstance(value, str) else value


def dump(sim: GitHubSim) -> dict[str, Any]:
    """Return the whole state (users, repositories, comments, tokens, apps) as JSON data."""
    state = sim.state
    dumped: dict[str, Any] = to_plain({
        "users": list(state.users.values()),
        "repos": [dump_repo(repo) for repo in state.repos.values()],
        "comments": list(state.comments.values()),
        "commit_comments": list(state.commit_comments.values()),
        "reactions": state.reactions,
        "tokens": [{"token": t.value, "login": t.login, "repos": sorted(t.repos) if t.repos is not None else None,
                    "expires_at": t.expires_at} for t in sim.auth.tokens.values()],
        "apps": [dataclasses.asdict(app) for app in sim.auth.apps.values()],
        "clock": sim.clock.now(),
    })
    return dumped


def dump_repo(repo: Repo) -> dict[str, Any]:
    """Return one repository as JSON data, keyed by `full_name`."""
    data = dataclasses.asdict(repo)
    data["full_name"] = repo.full_name
    data["commits"] = list(data["commits"].values())
    data["labels"] = list(data["labels"].values())
    data["issues"] = list(data["issues"].values())
    return data


def load(sim: GitHubSim, data: dict[str, Any]) -> None:
    """Replace the simulator's state with JSON data from `dump` (or a hand-written subset).

    A repository may give `files` instead of `commits`; users, issues and the rest may
    leave out any field that has a default.
    """
    sim.state = State()
    sim.state.ids = itertools.count(max(ids_in(data), default=1000) + 1)
    for user in data.get("users", []):
        record = sim.add_user(user["login"], user.get("name"), user.get("type", "User"), user.get("email"))
        record.id = user.get("id", record.id)
        if "created_at" in user:
            record.created_at = parse_time(user["created_at"])
    for entry in data.get("repos", []):
        load_repo(sim, entry)
    for comment in data.get("comments", []):
        issue_comment = from_plain(Comment, comment)
        sim.state.comments[issue_comment.id] = issue_comment
    for comment in data.get("commit_comments", []):
        commit_comment = from_plain(CommitComment, comment)
        sim.state.commit_comments[commit_comment.id] = commit_comment
    sim.state.reactions = [from_plain(Reaction, r) for r in data.get("reactions", [])]
    for app in data.get("apps", []):
        sim.register_app(**app_args(app))
    for token in data.get("tokens", []):
        sim.add_token(token["token"], token.get("repos"), login=token.get("login"),
                      expires_at=parse_time(token.get("expires_at")))


def app_args(app: dict[str, Any]) -> dict[str, Any]:
    """Turn a dumped app into `register_app` arguments."""
    return {"app_id": app["app_id"], "public_key_pem": app["public_key"], "slug": app.get("slug", "minutes-bot")}


def load_repo(sim: GitHubSim, entry: dict[str, Any]) -> Repo:
    """Create one repository from JSON data."""
    repo = sim.add_repo(entry["full_name"], default_branch=entry.get("default_branch", "main"),
                        installation_id=entry.get("installation_id", 1), files=entry.get("files"),
                        private=entry.get("private", False))
    repo.id = entry.get("id", repo.id)
    repo.created_at = parse_time(entry.get("created_at")) or repo.created_at
    repo.pushed_at = parse_time(entry.get("pushed_at")) or repo.pushed_at
    for commit in entry.get("commits", []):
        record = from_plain(Commit, commit)
        repo.commits[record.sha] = record
    repo.branches.update(entry.get("branches", {}))
    for plain_label in entry.get("labels", []):
        label = from_plain(Label, plain_label)
        repo.labels[label.name.lower()] = label
    repo.roles.update(entry.get("roles", {}))
    for issue in entry.get("issues", []):
        load_issue(sim, repo, issue)
    return repo


def load_issue(sim: GitHubSim, repo: Repo, data: dict[str, Any]) -> Issue:
    """Create one issue (or PR, with a `pull` object) from JSON data."""
    now = sim.clock.now().isoformat()
    defaults: dict[str, Any] = {"id": sim.state.next_id(), "number": max(repo.issues, default=0) + 1,
                                "user": repo.owner, "created_at": now, "updated_at": now}
    issue = from_plain(Issue, defaults | data | {"repo": repo.full_name})
    if isinstance(data.get("pull"), dict):
        issue.pull = from_plain(PullInfo, data["pull"])
    sim.ensure_labels(repo, issue.labels)
    repo.issues[issue.number] = issue
    return issue


def ids_in(data: Any) -> list[int]:
    """List every numeric `id` in JSON data, so records created later never collide."""
    if isinstance(data, dict):
        own = [data["id"]] if isinstance(data.get("id"), int) else []
        return own + [i for value in data.values() for i in ids_in(value)]
    if isinstance(data, list):
        return [i for value in data for i in ids_in(value)]
    return []
