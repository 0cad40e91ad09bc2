"""References in an action item: numbers, URLs, branches and PRs named by description."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from bot.minutes.model import Ref, RefKind
from bot.minutes.patterns import compile_lazily
from bot.minutes.text import plain

_URL = compile_lazily(r"https?://[^\s<>()\[\]`\"']+[^\s<>()\[\]`\"'.,;:!?]")
_CROSS_REPO = compile_lazily(r"(?<![\w/.-])([A-Za-z0-9][\w.-]*/[\w.-]+)#(\d+)\b")
_NUMBER = compile_lazily(r"(?<![\w/#&])#(\d+)\b")
_PR_WORD_NUMBER = compile_lazily(r"\b(?:PR|pull request|pull)\s*#?(\d+)\b", re.I)
_ISSUE_WORD_NUMBER = compile_lazily(r"\b(?:issue|bug)\s+#?(\d+)\b", re.I)
# "rust#79278": a repository written by its name alone, known from the file's own links.
_SHORT_REPO = compile_lazily(r"(?<![\w/.#-])([A-Za-z][\w.-]*)#(\d+)\b")
_REPO_URL = compile_lazily(r"https?://[^/\s]+/([\w.-]+)/([\w.-]+)/(?:pull|issues|tree|blob)/")
_CODE = compile_lazily(r"`([^`\n]+)`")
_BRANCH_SHAPE = compile_lazily(r"^[A-Za-z0-9][\w.+-]*(?:/[\w.+-]+)+$")
_DEFAULT_BRANCHES = {"main", "master", "trunk", "develop"}
# "`svsm-tdx` branch in the Linux kernel repository", "`tdx` of coconut-svsm/linux"
_ELSEWHERE_AFTER = compile_lazily(
    r"^\W*(?:branch(?:es)?\s+)?(?:in|of|on|from)\s+(?P<repo>(?:the\s+)?"
    r"(?:[\w.-]+/[\w.-]+|(?:[\w.+'’-]+\s+){0,4}?(?:repository|repo|tree|fork))\b)",
    re.I,
)
_THIS_REPOSITORY = compile_lazily(r"^(?:the\s+)?(?:this|our|same|main)\b", re.I)
_NOT_BRANCH_AFTER = compile_lazily(
    r"^\W*(team|repo|repository|role|job|tag|key|config|file|"
    r"directory|folder|module|crate|package|command|label|channel)\b",
    re.I,
)

# "the user space support PR", "his draft PR for multiprocessor startup", "Amara's query cache PR"
_NAMED_PR = compile_lazily(
    r"\b(?P<det>the|his|her|their|(?P<owner>[A-Z][\w-]+(?: [A-Z][\w-]+)?)['’]s)\s+"
    r"(?P<words>(?:[\w./+-]+\s+){0,5}?)(?:PR|pull request|series)\b"
    r"(?P<tail>\s+for\s+(?:the\s+)?[\w./+ -]{1,80}?(?=[,;.)]|\s+(?:and|before|by|once|after|in|on|"
    r"with|to|from|since|so|but|which|that)\b|$))?"
)
_FUTURE_PR = compile_lazily(
    r"\b(?:open|opens|submit|submits|post|posts|create|send|file|raise|"
    r"prepare|put up|draft)\s+(?:a|an|the|their|his|her)?\s*$",
    re.I,
)


def explicit_refs(
    markdown: str,
    *,
    pr_numbers: frozenset[str] = frozenset(),
    branches: frozenset[str] = frozenset(),
    repos: Mapping[str, str] | None = None,
) -> list[Ref]:
    """References written out in `markdown`: URLs, `#N`, `owner/repo#N`, `PR N`, `issue N`,
    `repo#N` for a repository the file links to, branches."""
    refs: list[Ref] = []
    text = markdown
    for url in _URL.findall(text):
        refs.append(Ref(RefKind.URL, url))
    text = _URL.sub(" ", text)
    for repo, number in _CROSS_REPO.findall(text):
        refs.append(Ref(RefKind.ISSUE, f"{repo}#{number}"))
    text = _CROSS_REPO.sub(" ", text)
    for name, number in _SHORT_REPO.findall(text):
        if repos and name.lower() in repos:
            refs.append(Ref(RefKind.ISSUE, f"{repos[name.lower()]}#{number}"))
    text = _SHORT_REPO.sub(" ", text)
    for number in _PR_WORD_NUMBER.findall(text):
        refs.append(Ref(RefKind.PR, f"#{number}"))
    text = _PR_WORD_NUMBER.sub(" ", text)
    for number in _ISSUE_WORD_NUMBER.findall(text):
        refs.append(Ref(RefKind.ISSUE, f"#{number}"))
    for number in _NUMBER.findall(_ISSUE_WORD_NUMBER.sub(" ", text)):
        kind = RefKind.PR if number in pr_numbers else RefKind.ISSUE
        refs.append(Ref(kind, f"#{number}"))
    refs.extend(branch_refs(markdown, branches))
    return unique(_without_link_texts(refs))


def branch_refs(markdown: str, known: frozenset[str] = frozenset()) -> list[Ref]:
    """Code spans that name a branch: called one, shaped like one, or known to the file as one."""
    refs = []
    for match in _CODE.finditer(markdown):
        name = match.group(1).strip()
        if name in _DEFAULT_BRANCHES or " " in name:
            continue
        if _NOT_BRANCH_AFTER.match(markdown[match.end() :]):
            continue
        if name in known or _BRANCH_SHAPE.match(name) or _called_branch(markdown, match):
            refs.append(Ref(RefKind.BRANCH, name, repository=_elsewhere(markdown[match.end() :])))
    return refs


def _elsewhere(after: str) -> str | None:
    """The other repository a branch is said to be in, as written; None for this one."""
    found = _ELSEWHERE_AFTER.match(after)
    if not found or _THIS_REPOSITORY.match(found.group("repo")):
        return None
    return found.group("repo")


def branches_in_file(markdown: str) -> frozenset[str]:
    """Names the minutes call a branch anywhere ("cut `release-0.7`", "the `x` branch")."""
    found = set()
    for match in _CODE.finditer(markdown):
        name = match.group(1).strip()
        before = markdown[max(0, match.start() - 12) : match.start()].lower()
        if _called_branch(markdown, match) or re.search(r"\bcut\s+$", before):
            found.add(name)
    return frozenset(found - _DEFAULT_BRANCHES)


def repos_in_file(markdown: str) -> dict[str, str]:
    """Repositories the minutes link to, by name: {"rust": "rust-lang/rust"}."""
    found: dict[str, str] = {}
    for owner, name in _REPO_URL.findall(markdown):
        found.setdefault(name.lower(), f"{owner}/{name}")
    return found


def pr_numbers_in_file(markdown: str) -> frozenset[str]:
    """Numbers the minutes call a PR somewhere, so a bare `#N` elsewhere is a PR too."""
    numbers = set(_PR_WORD_NUMBER.findall(markdown))
    numbers.update(re.findall(r"/pull/(\d+)", markdown))
    return frozenset(numbers)


def named_prs(markdown: str, *, person_for_pronoun: str | None = None) -> list[Ref]:
    """PRs named only by description, with the person the minutes tie them to."""
    text = plain(markdown)
    refs = []
    for match in _NAMED_PR.finditer(text):
        if _FUTURE_PR.search(text[: match.start()]) or _has_number_after(text, match.end()):
            continue
        words = match.group("words").strip()
        if not words and not match.group("tail") and match.group("det") == "the":
            continue  # a bare "the PR" points back at something named earlier
        value = match.group(0).strip()
        if match.group("det").lower() == "the":
            value = value[4:]
        person = match.group("owner") or (
            person_for_pronoun if match.group("det") in ("his", "her", "their") else None
        )
        refs.append(Ref(RefKind.NAMED_PR, value, person))
    return refs


def _without_link_texts(refs: list[Ref]) -> list[Ref]:
    """Drop `#12` when a link to the same number is there too: "[#12](https://…/issues/12)"."""
    linked = {
        m.group(1)
        for r in refs
        if r.kind is RefKind.URL and (m := re.search(r"/(?:pull|issues)/(\d+)$", r.value))
    }
    return [
        r
        for r in refs
        if not (
            r.kind in (RefKind.PR, RefKind.ISSUE)
            and "/" not in r.value
            and r.value.lstrip("#") in linked
        )
    ]


def unique(refs: Iterable[Ref]) -> list[Ref]:
    seen: dict[tuple[RefKind, str], Ref] = {}
    for ref in refs:
        seen.setdefault((ref.kind, ref.value), ref)
    return list(seen.values())


def _called_branch(markdown: str, match: re.Match[str]) -> bool:
    after = markdown[match.end() : match.end() + 10].lower()
    before = markdown[max(0, match.start() - 10) : match.start()].lower()
    return bool(re.match(r"\W*branch", after) or re.search(r"branch(?:es)?\W*$", before))


def _has_number_after(text: str, end: int) -> bool:
    return bool(re.match(r"\s*\(?#?\d+", text[end:]))
