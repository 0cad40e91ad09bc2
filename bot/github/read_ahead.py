"""One GraphQL query for what a push reads first: its files, and who may be assigned.

Before deciding anything a push reads the repository's configuration at the pushed
commit, the organisation's defaults (the same file in the owner's `.github`
repository, on its default branch), the minutes files it changed and, for the items'
owners, who may be assigned: over REST, a call each. `Commit.file(path:)` gives each
file's tree entry (whose mode tells a file from a link or a submodule) with its blob's
text, and `Repository.assignableUsers` the people, so one query asks for all of it.

This only saves calls: what the answer leaves out (a blob GraphQL cuts short or calls
binary, a part that failed) is read over REST as before. Every field is in GitHub's
published schema: `Repository.object(expression:)`, `Commit.file(path:)`,
`TreeEntry.mode/type/object`, `Blob.byteSize/isBinary/isTruncated/text`,
`Repository.defaultBranchRef`, `Ref.target`, `Repository.assignableUsers`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Git's mode for a symbolic link: a link is not a file the bot reads.
LINK_MODE = 0o120000
ENTRY = "fragment entry on TreeEntry { mode type object { ... on Blob { byteSize isBinary isTruncated text } } }"
PEOPLE = "assignableUsers(first: 100) { pageInfo { hasNextPage } nodes { id login } }"


@dataclass(frozen=True)
class FileAt:
    """A file of `repo` at `ref` (None: on the default branch)."""

    repo: str
    path: str
    ref: str | None = None

    @classmethod
    def of(cls, repo: str, path: str, ref: str | None = None) -> FileAt:
        """Name a file as reads name it; repositories are compared without case."""
        return cls(repo.lower(), path, ref)


@dataclass(frozen=True)
class Content:
    """What a path holds as GraphQL showed it: a file's text and size, or no text
    (nothing there, a folder, a link, a submodule)."""

    text: str | None
    size: int = 0


@dataclass
class ReadAhead:
    """What the query answered; whatever is not here is read over REST."""

    files: dict[FileAt, Content] = field(default_factory=dict)
    assignable: frozenset[str] | None = None  # None: not asked, or more than a page
    users: list[dict[str, str]] = field(default_factory=list)  # login and node_id


def document(files: int, *, defaults: bool, people: bool) -> str:
    """Return the query for `files` files at one commit, the defaults file and the people."""
    names = "".join(f", $p{n}: String!" for n in range(files))
    holder = ", $holderOwner: String!, $holderName: String!, $holderPath: String!"
    head = f"query($owner: String!, $name: String!, $ref: String!{names}{holder if defaults else ''})"
    entries = " ".join(f"f{n}: file(path: $p{n}) {{ ...entry }}" for n in range(files))
    repository = (
        f"repository(owner: $owner, name: $name) {{ "
        f"object(expression: $ref) {{ ... on Commit {{ {entries} }} }}"
        f"{' ' + PEOPLE if people else ''} }}"
    )
    holding = (
        " holder: repository(owner: $holderOwner, name: $holderName) { defaultBranchRef { "
        "target { ... on Commit { defaults: file(path: $holderPath) { ...entry } } } } }"
    )
    return f"{head} {{ {repository}{holding if defaults else ''} }} {ENTRY}"


def variables(
    repo: str, ref: str, paths: Sequence[str], defaults: FileAt | None
) -> dict[str, str]:
    """Return the query's variables."""
    owner, _, name = repo.partition("/")
    found = {"owner": owner, "name": name, "ref": ref}
    found.update({f"p{n}": path for n, path in enumerate(paths)})
    if defaults is not None:
        holder_owner, _, holder_name = defaults.repo.partition("/")
        found.update(holderOwner=holder_owner, holderName=holder_name, holderPath=defaults.path)
    return found


def read_answer(
    answer: Mapping[str, Any],
    repo: str,
    ref: str,
    paths: Sequence[str],
    defaults: FileAt | None,
) -> ReadAhead:
    """Read what the answer tells for certain; a part that failed tells nothing."""
    data = answer.get("data") or {}
    missing, failed = _errors(answer)
    read = ReadAhead()
    repository = data.get("repository") or {}
    commit = repository.get("object") or {}
    for n, path in enumerate(paths):
        where = ("repository", "object", f"f{n}")
        content = _content(commit.get(f"f{n}"), where in missing, failed_under(where, failed))
        if content is not None:
            read.files[FileAt.of(repo, path, ref)] = content
    if defaults is not None:
        read.files.update(_defaults(data, defaults, missing, failed))
    people = repository.get("assignableUsers")
    if people and not (people.get("pageInfo") or {}).get("hasNextPage", True):
        nodes = [user for user in people.get("nodes") or () if user]
        read.assignable = frozenset(str(user["login"]) for user in nodes)
        read.users = [{"login": str(user["login"]), "node_id": str(user["id"])} for user in nodes]
    return read


def _defaults(
    data: Mapping[str, Any],
    defaults: FileAt,
    missing: set[tuple[str, ...]],
    failed: set[tuple[str, ...]],
) -> dict[FileAt, Content]:
    """The defaults file: none when its repository cannot be seen, is empty, or lacks it."""
    where = ("holder", "defaultBranchRef", "target", "defaults")
    if ("holder",) in missing:
        return {defaults: Content(None)}
    holder = data.get("holder")
    if holder is None or failed_under(("holder",), failed):
        return {}
    branch = holder.get("defaultBranchRef")
    if branch is None:  # an empty repository holds nothing
        return {defaults: Content(None)}
    target = branch.get("target") or {}
    content = _content(target.get("defaults"), where in missing, False)
    return {} if content is None else {defaults: content}


def _content(entry: Any, missing: bool, failed: bool) -> Content | None:
    """Return what a tree entry holds; None when the answer cannot tell."""
    if missing:
        return Content(None)
    if failed or not isinstance(entry, Mapping):
        return None
    if entry.get("type") != "blob" or entry.get("mode") == LINK_MODE:
        return Content(None)
    blob = entry.get("object") or {}
    text = blob.get("text")
    if not isinstance(text, str) or blob.get("isTruncated") or blob.get("isBinary"):
        return None  # REST reads it whole
    return Content(text, int(blob.get("byteSize") or len(text.encode())))


def _errors(answer: Mapping[str, Any]) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]]]:
    """Return where the answer says nothing is (NOT_FOUND), and where something failed."""
    missing: set[tuple[str, ...]] = set()
    failed: set[tuple[str, ...]] = set()
    for error in answer.get("errors") or ():
        where = tuple(str(step) for step in error.get("path") or ())
        (missing if error.get("type") == "NOT_FOUND" and where else failed).add(where)
    return missing, failed


def failed_under(where: tuple[str, ...], failed: set[tuple[str, ...]]) -> bool:
    """Tell whether something failed at `where`, inside it, or around it (an error with no
    path fails everything)."""
    return any(
        where[: len(path)] == path or path[: len(where)] == where for path in failed
    )
