"""Commits and file differences of simulated repositories."""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .state import Commit, Repo, SimError


def commit_sha(parents: list[str], tree: dict[str, str], message: str, author: str, date: datetime) -> str:
    """Return a stable id for a commit's content."""
    text = repr((parents, sorted(tree.items()), message, author, date.isoformat()))
    return hashlib.sha1(text.encode()).hexdigest()


@dataclass(frozen=True)
class Symlink:
    """A symbolic link to write at a path: git stores its target as the blob (mode 120000)."""

    target: str


@dataclass(frozen=True)
class Submodule:
    """A submodule to write at a path: the tree names a commit of another repository (160000)."""

    sha: str
    url: str = "https://github.com/octo-org/octo-lib.git"


# What a commit writes at a path: a file's text, a link, a submodule, or None to delete it.
Entry = str | Symlink | Submodule | None


def apply_changes(tree: dict[str, str], changes: dict[str, Entry]) -> dict[str, str]:
    """Return a new snapshot with entries written or deleted (None)."""
    result = dict(tree)
    for path, entry in changes.items():
        if entry is None:
            result.pop(path, None)
        else:
            result[path] = entry_text(entry)
    return result


def entry_text(entry: str | Symlink | Submodule) -> str:
    """What the tree holds for an entry: the text, the link's target or the submodule's commit."""
    if isinstance(entry, Symlink):
        return entry.target
    if isinstance(entry, Submodule):
        return entry.sha
    return entry


def apply_kinds(kinds: dict[str, str], changes: dict[str, Entry]) -> dict[str, str]:
    """Return which paths are links or submodules once `changes` are written."""
    result = dict(kinds)
    for path, entry in changes.items():
        result.pop(path, None)
        if isinstance(entry, Symlink):
            result[path] = "symlink"
        elif isinstance(entry, Submodule):
            result[path] = "submodule"
    return result


def commit_to(repo: Repo, changes: dict[str, Entry], *, author: str, message: str,
              branch: str, date: datetime) -> Commit:
    """Record a commit of `changes` on top of `branch` (created from the default branch if new)."""
    parent = repo.head(branch) or repo.head()
    tree = apply_changes(parent.tree if parent else {}, changes)
    kinds = apply_kinds(parent.kinds if parent else {}, changes)
    parents = [parent.sha] if parent else []
    identity = {path: f"{kinds[path]}:{text}" if path in kinds else text for path, text in tree.items()}
    commit = Commit(commit_sha(parents, identity, message, author, date), tree, parents, message, author,
                    date, kinds)
    repo.commits[commit.sha] = commit
    repo.branches[branch] = commit.sha
    repo.pushed_at = date
    return commit


def line_diff(old: str, new: str) -> tuple[int, int, str]:
    """Return (additions, deletions, unified patch body) between two texts."""
    diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=3))[2:]
    additions = sum(1 for line in diff if line.startswith("+"))
    deletions = sum(1 for line in diff if line.startswith("-"))
    return additions, deletions, "\n".join(diff)


def entries_of(commit: Commit | None) -> dict[str, Entry]:
    """Return what a commit holds at each path, as a commit would write it again."""
    if commit is None:
        return {}
    kinds = commit.kinds
    return {path: Symlink(text) if kinds.get(path) == "symlink" else Submodule(text)
            if kinds.get(path) == "submodule" else text for path, text in commit.tree.items()}


def commit_changes(old: Commit | None, new: Commit) -> list[dict[str, Any]]:
    """List what changed from `old` to `new`; a file that became a link or submodule is `changed`."""
    changes = file_changes(old.tree if old else {}, new.tree)
    listed = {change["filename"] for change in changes}
    before = old.kinds if old else {}
    for path in sorted(set(new.tree) & set(old.tree if old else {})):
        if before.get(path) != new.kinds.get(path):
            if path in listed:
                change = next(c for c in changes if c["filename"] == path)
                change["status"] = "changed"
            else:
                changes.append({"filename": path, "status": "changed", "additions": 0, "deletions": 0,
                                "patch": ""})
    return sorted(changes, key=lambda change: change["filename"])


def file_changes(old: dict[str, str], new: dict[str, str]) -> list[dict[str, Any]]:
    """List changed files between two snapshots, pairing identical removed/added files as renames."""
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    renames: dict[str, str] = {}
    for path in added:
        source = next((r for r in removed if old[r] == new[path] and r not in renames.values()), None)
        if source is not None:
            renames[path] = source
    changes: list[dict[str, Any]] = []
    for path in sorted(set(old) | set(new)):
        if path in renames.values():
            continue
        before = old.get(renames.get(path, path), "")
        plus, minus, patch = line_diff(before, new.get(path, ""))
        if path in renames:
            changes.append({"filename": path, "status": "renamed", "previous_filename": renames[path],
                            "additions": plus, "deletions": minus, "patch": patch})
        elif path in added:
            changes.append({"filename": path, "status": "added", "additions": plus, "deletions": 0, "patch": patch})
        elif path in removed:
            changes.append({"filename": path, "status": "removed", "additions": 0, "deletions": minus, "patch": patch})
        elif old[path] != new[path]:
            changes.append({"filename": path, "status": "modified", "additions": plus, "deletions": minus,
                            "patch": patch})
    return changes


def ancestors(repo: Repo, sha: str) -> list[str]:
    """Return `sha` and every commit reachable from it, nearest first."""
    seen: list[str] = []
    pending = [sha]
    while pending:
        current = pending.pop(0)
        if current in seen or current not in repo.commits:
            continue
        seen.append(current)
        pending.extend(repo.commits[current].parents)
    return seen


def compare(repo: Repo, base: Commit, head: Commit) -> tuple[str, int, int, list[Commit], Commit]:
    """Return (status, ahead_by, behind_by, commits base..head oldest first, merge base)."""
    head_line = ancestors(repo, head.sha)
    base_line = ancestors(repo, base.sha)
    merge_base = next((sha for sha in head_line if sha in base_line), None)
    if merge_base is None:
        raise SimError(404, f"No common ancestor between {base.sha} and {head.sha}.")
    ahead = head_line[: head_line.index(merge_base)]
    behind = base_line[: base_line.index(merge_base)]
    status = "identical" if not ahead and not behind else (
        "diverged" if ahead and behind else "ahead" if ahead else "behind")
    return status, len(ahead), len(behind), [repo.commits[s] for s in reversed(ahead)], repo.commits[merge_base]
