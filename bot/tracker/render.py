"""Markdown the bot writes into item and meeting issues; pure text, no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import quote

from bot.minutes.model import ActionItem, Ref, RefKind, normalise_words
from bot.tracker.inert import code_span, inert_markdown, inert_title
from bot.tracker.lines import unix_lines

if TYPE_CHECKING:
    from bot.tracker.followup import EarlierItem

GITHUB_URL = "https://github.com"
DONE_FOOTER = "<sub>Comment `/done` when this is finished; `/help` lists the other commands.</sub>"
EVERYONE = "everyone"
NOBODY = "nobody"
MAX_ASSIGNEES = 10
_OWNER_NAME = re.compile(r"(?:the\s+)?([\w.-]+/[\w.-]+)(?:\s+\w+)?", re.I)
_REPOSITORY_WORDS = frozenset({"", "repo", "repository", "tree", "fork"})

_OWNER_LINE = re.compile(r"^- \*\*Owner:\*\* (?P<owners>.*)$", re.MULTILINE)
STATE_LINES = re.compile(r"^- \*\*Owner:\*\* .*$(?:\n- \*\*Due:\*\* .*$)?", re.MULTILINE)
"""The owner and due date lines of an item body (`state_facts`)."""
# A sentence longer than this is a paragraph nobody reads in an issue; it keeps bodies
# far below GitHub's limit of 65,536 characters.
MAX_QUOTE = 2_000


@dataclass(frozen=True)
class Link:
    """A pull request or issue a reference was resolved to; `author` is who opened it."""

    repo: str
    number: int
    kind: str
    title: str
    url: str
    author: str | None = None


# A ref resolves to one confident link, or to candidates a person should check.
Resolution = Link | Sequence[Link]


@dataclass(frozen=True)
class RenderContext:
    """Where the minutes live and what the caller learned about them from GitHub.

    `server_url` is the web address of the GitHub that holds `repo`: github.com, or a
    GitHub Enterprise Server.
    """

    repo: str
    path: str
    sha: str
    assignable: frozenset[str] = frozenset()
    links: Mapping[Ref, Resolution] = field(default_factory=dict, hash=False)
    server_url: str = GITHUB_URL
    # Earlier meetings' items these minutes restate, as (issue number, title): the meeting
    # issue lists them under "Carried over" instead of opening them again.
    carried: tuple[tuple[int, str], ...] = ()
    # Earlier meetings' items still open besides: the meeting issue lists them by owner.
    still_open: tuple[EarlierItem, ...] = ()


@dataclass(frozen=True)
class ItemView:
    """An item as it stands now, as its body, its meeting task and the tracker show it.

    `owners` is written as the body's Owner line writes it (`@login`, or a name and why
    it is not assigned); `number` is None for an issue not opened yet.
    """

    title: str
    owners: str
    due: date | None = None
    closed: bool = False
    number: int | None = None


def item_view(item: ActionItem, assignable: frozenset[str], number: int | None = None) -> ItemView:
    """Show an item as the minutes state it, under the title the bot gives its issue."""
    return ItemView(inert_title(item.title), owner_text(item, assignable), item.due, number=number)


def state_facts(view: ItemView) -> list[str]:
    """Render the facts of an item that people change on GitHub: its owners and due date."""
    facts = [f"**Owner:** {view.owners}"]
    return facts + ([f"**Due:** {view.due.isoformat()}"] if view.due else [])


def restated(body: str, view: ItemView) -> str:
    """Return an item body whose owner and due date lines show `view`."""
    lines = "\n".join(f"- {fact}" for fact in state_facts(view))
    return STATE_LINES.sub(lambda _: lines, body, count=1)


def owners_shown(body: str) -> str | None:
    """Return the owners an item body's Owner line names, as written; None without one."""
    found = _OWNER_LINE.search(unix_lines(body))
    return found["owners"] if found else None


def chosen_owners(logins: Sequence[str]) -> str:
    """Name the owners a person chose on GitHub: `@jlange, @peterfang`, or nobody."""
    return ", ".join(f"@{login}" for login in logins) or NOBODY


def render_item(
    item: ActionItem, ctx: RenderContext, meeting: int | None = None, view: ItemView | None = None
) -> str:
    """Render the body of an item issue (without the bot's markers).

    For the SVSM item at line 13 with no login known it reads:

        - **Owner:** Peter Fang (no GitHub login known)
        - **Related:** [`svsm-tdx`](https://github.com/coconut-svsm/svsm/tree/svsm-tdx)
        - **Meeting:** #7

        > Peter Fang was asked to check and resubmit ...

        From [`meetings/2024-12-18.md` line 13](https://github.com/.../2024-12-18.md?plain=1#L13).

        <sub>Comment `/done` when this is finished; `/help` lists the other commands.</sub>

    `view`, the item as it stands now, defaults to the item as the minutes state it.
    """
    facts = state_facts(view or item_view(item, ctx.assignable))
    facts += related_lines(item.refs, ctx)
    if meeting is not None:
        facts.append(f"**Meeting:** #{meeting}")
    where = f"[{code_span(ctx.path)} line {item.line}]({permalink(ctx, item.line)})"
    quoted = quote_block(_shortened(item.source or item.title))
    parts = ["\n".join(f"- {fact}" for fact in facts), quoted]
    parts.append(f"From {where}.")
    return "\n\n".join([*parts, DONE_FOOTER])


def owner_text(item: ActionItem, assignable: frozenset[str]) -> str:
    """Name each owner: `@login` when assignable, else the name and why not."""
    if not item.owners and not item.logins:
        return EVERYONE
    return ", ".join(_owner(name, login, assignable) for name, login in owner_logins(item))


def owner_logins(item: ActionItem) -> tuple[tuple[str, str | None], ...]:
    """Pair each owner with its login; `logins` may list only the owners that have one."""
    if len(item.logins) == len(item.owners):
        return tuple(zip(item.owners, item.logins, strict=True))
    unused = list(item.logins)
    pairs: list[tuple[str, str | None]] = []
    for name in item.owners:
        login = next((login for login in unused if _same_person(name, login)), None)
        if login:
            unused.remove(login)
        pairs.append((name, login))
    # A login no name accounts for is still an owner the minutes named.
    return (*pairs, *((login, login) for login in unused))


def assignees_for(item: ActionItem, assignable: frozenset[str]) -> tuple[str, ...]:
    """Return the logins the bot assigns: known owners GitHub lets it assign."""
    logins = [login for _, login in owner_logins(item) if login and login in assignable]
    return tuple(dict.fromkeys(logins))[:MAX_ASSIGNEES]


def related_lines(refs: Iterable[Ref], ctx: RenderContext) -> list[str]:
    """Render the `Related:` line, plus one line per unresolved named PR."""
    refs = tuple(refs)
    linked = [ref_text(ref, ctx) for ref in refs if not _needs_candidates(ref, ctx)]
    lines = [f"**Related:** {', '.join(linked)}"] if linked else []
    return lines + [_candidates_line(ref, ctx) for ref in refs if _needs_candidates(ref, ctx)]


def ref_text(ref: Ref, ctx: RenderContext) -> str:
    """Render one reference as GitHub will link it."""
    resolved = ctx.links.get(ref)
    if isinstance(resolved, Link):
        return link_text(resolved, ctx.repo)
    if ref.kind is RefKind.BRANCH:
        return branch_text(ref, ctx)
    if ref.kind is RefKind.URL:
        return f"<{ref.value}>"
    return ref.value


def link_text(link: Link, repo: str) -> str:
    """Write a link as `#12` in the same repository, `owner/repo#12` elsewhere."""
    return f"#{link.number}" if link.repo == repo else f"{link.repo}#{link.number}"


def branch_text(ref: Ref, ctx: RenderContext) -> str:
    """Link a branch of this repository (or of one named `owner/name`); name any other."""
    repo = _branch_repo(ref, ctx.repo)
    if repo is None:
        return f"{code_span(ref.value)} ({inert_markdown(ref.repository or '')})"
    return f"[{code_span(ref.value)}]({repo_url(ctx, repo)}/tree/{quote(ref.value, safe='/')})"


def repo_url(ctx: RenderContext, repo: str | None = None) -> str:
    """Return the web address of `repo` (default: the minutes' repository)."""
    return f"{ctx.server_url}/{repo or ctx.repo}"


def file_link(ctx: RenderContext) -> str:
    """Link to the minutes exactly as they were at the commit, as GitHub renders them."""
    return f"{repo_url(ctx)}/blob/{ctx.sha}/{quote(ctx.path)}"


def permalink(ctx: RenderContext, line: int) -> str:
    """Link to `line` of the minutes at the commit, in the source view that can show it.

    GitHub opens a Markdown file rendered, at the top, whatever `#L13` says; only its
    plain view lands on the line.
    """
    return f"{file_link(ctx)}?plain=1#L{line}"


def _shortened(text: str) -> str:
    """Cut a quote at `MAX_QUOTE` characters: the permalink shows the rest."""
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1].rstrip() + "…"


def quote_block(text: str) -> str:
    """Quote `text` as Markdown that shows it as written and makes nothing live."""
    return "\n".join(f"> {inert_markdown(line)}".rstrip() for line in text.splitlines() or [""])


def task_line(view: ItemView) -> str:
    """Render one meeting task: `- [ ] #12 Title (@owner, due 2025-01-31)`, `[x]` once closed."""
    ref = f"#{view.number} " if view.number is not None else ""
    details = view.owners + (f", due {view.due.isoformat()}" if view.due else "")
    return f"- [{'x' if view.closed else ' '}] {ref}{inert_markdown(view.title)} ({details})"


def with_task(meeting_body: str, view: ItemView) -> str:
    """Return the meeting body with the task of item `view.number` showing `view`."""
    task = re.compile(rf"^- \[[ xX]\] #{view.number}(?=\s).*$", re.MULTILINE)
    return task.sub(lambda _: task_line(view), meeting_body, count=1)


def _branch_repo(ref: Ref, here: str) -> str | None:
    """Return the repository a branch is in, None when the minutes name it only in words."""
    if ref.repository is None:
        return here
    written = _OWNER_NAME.fullmatch(ref.repository)
    if written:
        return written.group(1)
    return here if _names_repo(ref.repository, here) else None


def _names_repo(written: str, repo: str) -> bool:
    """Tell whether "the SVSM repository" names `coconut-svsm/svsm` itself."""
    name = "".join(normalise_words(repo.rpartition("/")[2]))
    return name not in _REPOSITORY_WORDS and name in normalise_words(written)


def _same_person(name: str, login: str) -> bool:
    return "".join(normalise_words(name)) == "".join(normalise_words(login))


def _owner(name: str, login: str | None, assignable: frozenset[str]) -> str:
    if login and login in assignable:
        return f"@{login}"
    if login:
        return f"{inert_markdown(name)} ({code_span(login)} cannot be assigned in this repository)"
    return f"{inert_markdown(name)} (no GitHub login known)"


def _needs_candidates(ref: Ref, ctx: RenderContext) -> bool:
    return ref.kind is RefKind.NAMED_PR and not isinstance(ctx.links.get(ref), Link)


def _candidates_line(ref: Ref, ctx: RenderContext) -> str:
    resolved = ctx.links.get(ref)
    candidates = () if resolved is None or isinstance(resolved, Link) else tuple(resolved)
    if not candidates:
        return f"**Related:** {inert_markdown(ref.value)} (no matching pull request found)"
    listed = "".join(f"\n  - {link_text(c, ctx.repo)} {inert_markdown(c.title)}" for c in candidates)
    return f"**Related:** {inert_markdown(ref.value)}, not found for sure; it may be one of:{listed}"
