"""Commits and file differences of simulated repositories."""

from __future__ import annotations

import difflib
import hashlib
from datetime import datetime
from typing import Any

from .state import Commit, Repo, SimError


def commit_sha(parents: list[str], tree: dict[str, str], message: str, author: str, date: datetime) -> str:
    """Return a stable id for a commit's content."""
    text = repr((parents, sorted(tree.items()), message, author, date.isoformat()))
    return hashlib.sha1(text.encode()).hexdigest()


def apply_changes(tree: dict[str, str], changes: dict[str, str | None]) -> dict[str, str]:
    """Return a new snapshot with files written (text) or deleted (None)."""
    result = dict(tree)
    for path, text in changes.items():
        if text is None:
            result.pop(path, None)
        else:
            result[path] = text
    return result


def commit_to(repo: Repo, changes: dict[str, str | None], *, author: str, message: str,
              branch: str, date: datetime) -> Commit:
    """Record a commit of `changes` on top of `branch` (created from the default branch if new)."""
    parent = repo.head(branch) or repo.head()
    tree = apply_changes(parent.tree if parent else {}, changes)
    parents = [parent.sha] if parent else []
    commit = Commit(commit_sha(parents, tree, message, author, date), tree, parents, message, author, date)
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
