"""Action items stated in prose: a person followed by a commitment.

"Joerg Roedel agreed to investigate ...", "Peter Fang was asked to ...", "He will ...",
"Vijay reminded Joerg about the user space support PR and requested a review",
"Cláudio confirmed it is on his list to review ...". Reports, opinions, interest and
possibilities are not commitments, and hedged offers ("might", "if he finds the time")
are left out.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from bot.minutes.candidates import Candidate, Context
from bot.minutes.document import Block, BlockKind
from bot.minutes.explicit import Entry, claimed, entries_of
from bot.minutes.model import Ref, RefKind
from bot.minutes.names import GROUP, PRONOUN
from bot.minutes.text import Span, plain, sentences, squash
from bot.minutes.titles import make_title

_WILL = (
    r"\s+(?:will|shall|'ll|’ll)\s+(?!(?:be|not|no longer|never|need|have to be|probably|"
    r"likely|possibly|want)\b)(?:also\s+|now\s+|then\s+|still\s+|first\s+|try to\s+)?"
)
_TO_VERBS = (
    r"\s+(?:has\s+|have\s+)?(?:also\s+)?(?:agreed|offered|volunteered|promised|committed|"
    r"undertook|signed up|is going|are going|was asked|were asked|is asked|are asked|"
    r"has been asked|have been asked|took an action|takes an action|took the action|"
    r"(?:was|were|is|are) tasked)\s+(?:with\s+|to\s+)"
)
_SAID_WOULD = (
    r"\s+(?:said|confirmed|promised|agreed|replied|answered)\s+(?:that\s+)?"
    r"(?:he|she|they)\s+(?:would|will|'d|’d|'ll|’ll)\s+(?!(?:be|not)\b)"
)
_ON_LIST = (
    r"\s+confirmed\s+(?:that\s+)?(?:it|this|that|they)\s+(?:is|are)\s+(?:still\s+)?on\s+"
    r"(?:his|her|their)\s+(?:list|plate|radar|to-?do list)(?:\s+of\s+things)?"
    r"(?:\s+to\s+(?P<verb>\w+))?\s*"
)
_HEDGES = re.compile(
    r"\bif (?:he|she|they|we|I|time) (?:finds?|has|have|gets?|permits)\b|\bif the team wants\b|"
    r"\bif it goes ahead\b|\bif (?:anyone|there is) (?:wants|interest)\b|"
    r"\bif (?:he|she|they) (?:can|could)\b",
    re.I,
)
_AGREED = re.compile(
    r"(?:^|[;,.]\s*)(?P<who>[^;,.]+?)\s+(?<!as )(?:agreed|accepted|said yes|will do it)"
    r"(?:\s*$|\s*[,;.]|\s+to do (?:it|so|this))",
    re.I,
)
_REQUEST = re.compile(r"\basked (?:that|for|whether)\s+(?P<req>.+?)(?=[.;]|$)", re.I)
_POSSESSIVE_LIST = re.compile(
    r"\b(?:it|this|that)\s+is\s+(?:still\s+)?on\s+(?:his|her|their)\s+(?:list|plate|radar)"
    r"(?:\s+(?:of\s+things\s+)?to\s+(?P<verb>\w+))?(?P<rest>[^.;]*)",
    re.I,
)


@dataclass
class _Memory:
    """The people recent sentences were about, so "he" and "it" can be resolved."""

    subject: tuple[str, ...] = ()
    thing: str = ""
    section: tuple[str, ...] = field(default_factory=tuple)


def narrative_items(ctx: Context) -> Iterator[Candidate]:
    """Commitments stated in prose, in file order."""
    memory = _Memory()
    for block in ctx.doc.blocks:
        if block.section != memory.section:
            memory = _Memory(section=block.section)
        if block.kind not in (BlockKind.PARAGRAPH, BlockKind.LIST_ITEM) or claimed(block, ctx):
            continue
        marked = entries_of(block, ctx)
        text = block.text[: _first_marker(block, marked)]
        yield from _block_items(block, text, ctx, memory)


def _first_marker(block: Block, marked: list[Entry]) -> int:
    """Where the block's first marker line starts: prose rules read only what comes before."""
    if not marked:
        return len(block.text)
    starts = [block.text.find(e.text) for e in marked]
    return min(s for s in starts if s >= 0) if any(s >= 0 for s in starts) else len(block.text)


def _block_items(block: Block, text: str, ctx: Context, memory: _Memory) -> Iterator[Candidate]:
    spans = list(sentences(text))
    for index, span in enumerate(spans):
        sentence = plain(span.text)
        found = list(_commitments(sentence, ctx, memory))
        found += _agreements(sentence, spans[:index], ctx, block)
        if not found:
            found = _list_mentions(sentence, ctx, memory)
        for item in found:
            yield _finish(item, block, span, ctx, memory.thing)
        _remember(sentence, ctx, memory)


@dataclass(frozen=True)
class _Found:
    owners: tuple[str, ...]
    task: str
    kind: str
    due_text: str = ""
    person: str | None = None
    line_span: Span | None = None


def _finish(found: _Found, block: Block, span: Span, ctx: Context, thing: str) -> Candidate:
    anchor = found.line_span or span
    context_md = "\n".join([block.text, *(a.text for a in ctx.doc.ancestors(block))])
    refs = _owned_prs(ctx.refs(context_md, found.person), found)
    return Candidate(
        block=block,
        line=block.line_at(anchor.start),
        owners=found.owners,
        title=make_title(_named_object(found.task, thing, refs)),
        due=ctx.due(found.due_text or found.task),
        refs=tuple(refs),
        source=squash(plain(span.text)),
        kind=found.kind,
        extra={"person": found.person or ""},
    )


def _named_object(task: str, thing: str, refs: list[Ref]) -> str:
    """"review it" says what "it" is when the bullet names one PR: "review PR org/repo#12"."""
    match = re.match(r"^(?P<verb>\w+)\s+(?:it|them)\b(?P<rest>.*)$", task.strip(), re.I)
    numbered = [r for r in refs if r.kind in (RefKind.PR, RefKind.ISSUE, RefKind.URL)]
    if not match:
        return task
    if thing:
        named = thing
    elif len(numbered) == 1:
        named = _describe(numbered[0])
    else:
        return task
    return f"{match.group('verb')} {named}{match.group('rest')}"


def _describe(ref: Ref) -> str:
    link = re.match(r"https://github\.com/([\w.-]+/[\w.-]+)/(pull|issues)/(\d+)", ref.value)
    if link:
        kind = "PR" if link.group(2) == "pull" else "issue"
        return f"{kind} {link.group(1)}#{link.group(3)}"
    return ref.value if ref.kind is RefKind.URL else f"{'PR' if ref.kind is RefKind.PR else 'issue'} {ref.value}"


def _owned_prs(refs: list[Ref], found: _Found) -> list[Ref]:
    """The PR someone asks to have reviewed is theirs: "the user space support PR" is Vijay's."""
    if found.kind != "review_request" or not found.person:
        return refs
    return [replace(r, person=found.person) if r.kind is RefKind.NAMED_PR and not r.person else r
            for r in refs]


def _commitments(sentence: str, ctx: Context, memory: _Memory) -> Iterator[_Found]:
    """Each "<who> <commits to> <task>" in a sentence; a sentence may hold several."""
    matches = sorted(_commitment_matches(sentence, ctx), key=lambda m: m[0].start())
    for position, (match, kind) in enumerate(matches):
        end = matches[position + 1][0].start() if position + 1 < len(matches) else len(sentence)
        task = sentence[match.end() : end].split(";")[0]
        task = re.sub(r"(?:[,;]\s*)?(?:\band\b|\bbut\b)?\s*$", "", task)
        if not task.strip() or _HEDGES.search(task):
            continue
        owners = _owners(match, ctx, memory)
        if owners is None:
            continue
        yield from _tasks(owners, match, kind, task, sentence, memory)


# A sentence without any of these words holds no commitment; most sentences are skipped.
_COMMITMENT_WORDS = re.compile(
    r"\b(?:will|shall|to|should|must|need|needs|please|said|confirmed|reminded|asked)\b|['’]ll\b",
    re.I,
)


def _commitment_matches(sentence: str, ctx: Context) -> Iterator[tuple[re.Match[str], str]]:
    """Commitments in a sentence; where two patterns overlap, the more specific one wins."""
    if not _COMMITMENT_WORDS.search(sentence):
        return
    taken: list[tuple[int, int]] = []
    lowered = sentence.lower()
    for kind, pattern in _patterns(ctx.names.names).items():
        if not any(word in lowered for word in _KIND_WORDS[kind]):
            continue  # a cheap look for the pattern's own words saves the regex
        for match in pattern.finditer(sentence):
            if any(s <= match.start() < e for s, e in taken):
                continue
            taken.append((match.start(), match.end()))
            yield match, kind


_KIND_WORDS: dict[str, tuple[str, ...]] = {
    "review_request": ("reminded",),
    "reminded": ("reminded",),
    "asked": ("asked",),
    "on_list": ("list", "plate", "radar"),
    "said_would": ("would", "will", "'d", "’d", "'ll", "’ll"),
    "agreed_to": ("agreed", "offered", "volunteered", "promised", "committed", "undertook",
                  "signed up", "going", "asked", "action", "tasked"),
    "will": ("will", "shall", "'ll", "’ll"),
    "group": ("should", "must", "need", "please"),
    "to": (" to ",),
    "quote": (":",),
}


@functools.lru_cache(maxsize=16)
def _patterns(names: str) -> dict[str, re.Pattern[str]]:
    """The commitment patterns for one file's people, most specific first, compiled once."""
    who = rf"(?P<who>{names}|{PRONOUN}|{GROUP})"
    objects = rf"(?P<obj>{names}|{GROUP})"
    patterns = {
        "review_request": rf"{who}\s+reminded\s+{objects}\s+(?:about|of)\s+(?P<thing>.+?)\s+and\s+"
        r"(?:requested|asked for)\s+(?:a\s+)?(?:second\s+)?reviews?"
        r"(?:\s+from\s+(?:both|them|him|her))?",
        "reminded": rf"{who}\s+reminded\s+{objects}\s+to\s+",
        "asked": rf"{who}\s+asked\s+{objects}\s+to\s+",
        "on_list": who + _ON_LIST,
        "said_would": who + _SAID_WOULD,
        "agreed_to": who + _TO_VERBS,
        "will": who + _WILL,
        "group": rf"(?P<who>{GROUP})\s*(?:should|must|needs? to|:\s*please|,\s*please)\s+",
        "to": rf"^(?:[^:]{{0,40}}:\s*)?{who}\s+to\s+(?=[a-z])",
        "quote": rf"^{who}\s*:\s*[\"“](?:I|We)\s*(?:'ll|’ll|\s+will)\s+",
    }
    return {kind: re.compile(pattern) for kind, pattern in patterns.items()}


def _owners(match: re.Match[str], ctx: Context, memory: _Memory) -> tuple[str, ...] | None:
    """Who the commitment belongs to; None when the subject is no person at all."""
    groups = match.groupdict()
    who = groups.get("obj") or groups["who"]
    if re.fullmatch(GROUP, who):
        return ()
    if re.fullmatch(r"[Hh]e|[Ss]he", who):
        return memory.subject[:1] or None
    if re.fullmatch(PRONOUN, who):
        return memory.subject or None
    people = tuple(ctx.names.split(who))
    return people or None


def _tasks(
    owners: tuple[str, ...],
    match: re.Match[str],
    kind: str,
    task: str,
    sentence: str,
    memory: _Memory,
) -> Iterator[_Found]:
    subject = ctx_subject = match.group("who")
    if kind == "review_request":
        thing = _possessed(match.group("thing"), subject)
        memory.thing = thing
        yield _Found(owners, f"review {thing}", kind, task, person=subject)
        return
    if kind == "on_list":
        verb = match.groupdict().get("verb") or "review"
        yield _Found(owners, f"{verb} {task}", kind, person=ctx_subject)
        return
    previous = ""
    for part in _split_same_subject(task):
        # "... on 2025-04-10 and post the announcement the same day" shares the first date.
        due_text = previous + " " + part if re.search(r"\bsame (?:day|time)\b", part) else ""
        yield _Found(owners, part, kind, due_text, person=owners[0] if len(owners) == 1 else None)
        previous = part


def _possessed(thing: str, requester: str) -> str:
    """ "her draft PR" asked for by Mirela is "Mirela's draft PR"."""
    if re.fullmatch(PRONOUN, requester):
        return thing
    return re.sub(r"^(?:his|her|their|the)\s+(?=.*\bPR\b)", f"{requester}'s ", thing, count=1)


_DETERMINER = r"(?:the|a|an|this|that|these|those|his|her|their|our|its|any|all|some|`)"


def _split_same_subject(task: str) -> list[str]:
    """ "update the doc and open the PR" is two tasks; "check and resubmit ..." is one."""
    match = re.search(
        rf"^(?P<first>\w+\s+\S.*?)(?:,\s*)?\s+and\s+"
        rf"(?P<second>(?!{_DETERMINER}\b)[a-z]+\s+{_DETERMINER}\b.+)$",
        task,
    )
    if not match or re.search(r"\b(?:it|them|this|that)\b", match.group("second").split()[1]):
        return [task]
    return [match.group("first"), match.group("second")]


def _agreements(sentence: str, earlier: list[Span], ctx: Context, block: Block) -> list[_Found]:
    """ "Sam asked that the note include X. Łukasz agreed." makes X Łukasz's task."""
    agreed = _AGREED.search(sentence)
    if not agreed:
        return []
    owners = tuple(ctx.names.split(agreed.group("who")))
    if not owners or not re.fullmatch(ctx.names.names, agreed.group("who").strip()):
        return []
    for span in [*reversed(earlier), Span(sentence[: agreed.start()], -1)]:
        request = _REQUEST.search(plain(span.text))
        if request and not request.group(0).lower().startswith("asked whether"):
            anchor = span if span.start >= 0 else None
            return [
                _Found(
                    owners,
                    _request_task(request.group("req")),
                    "agreed",
                    agreed.group(0),
                    line_span=anchor,
                )
            ]
    return []


def _request_task(request: str) -> str:
    """ "the error codes to be documented on the website" -> "document the error codes ..."."""
    passive = re.match(r"(?P<obj>.+?)\s+to be\s+(?P<verb>\w+?)(?:ed|d)\b(?P<rest>.*)", request)
    if passive:
        verb = passive.group("verb")
        verb = verb[:-1] if verb.endswith(verb[-1] * 2) else verb
        return f"{verb} {passive.group('obj')}{passive.group('rest')}"
    return request


def _list_mentions(sentence: str, ctx: Context, memory: _Memory) -> list[_Found]:
    """ "...; it is still on his list for January" after a PR is named."""
    match = _POSSESSIVE_LIST.search(sentence)
    if not match or "confirmed" in sentence[: match.start()].split()[-1:]:
        return []
    before = sentence[: match.start()]
    people = ctx.names.split(before)
    if people:
        memory.subject = (people[0],)
    elif not memory.subject:
        return []
    thing = _named_thing(before) or memory.thing
    if not thing:
        return []
    verb = match.group("verb") or "review"
    return [_Found(memory.subject, f"{verb} {thing}", "on_list", match.group(0))]


def _named_thing(text: str) -> str:
    found = re.findall(r"\b(?:the|his|her|their)\s+[\w./ -]{0,40}?\bPR\b", text)
    return found[-1] if found else ""


def _remember(sentence: str, ctx: Context, memory: _Memory) -> None:
    """Remember who the sentence was about and the last PR it named."""
    opening = re.match(rf"^\W*(?:[^:]{{0,40}}:\s*)?(?P<who>{ctx.names.names})", sentence)
    if opening:
        people = ctx.names.split(opening.group("who"))
        if people:
            memory.subject = tuple(people)
    thing = _named_thing(sentence) or _numbered_thing(sentence, ctx)
    if thing:
        memory.thing = thing


def _numbered_thing(sentence: str, ctx: Context) -> str:
    """The one PR or issue a sentence links to, described for a title: "PR org/repo#12"."""
    if "#" not in sentence and "http" not in sentence and "PR" not in sentence:
        return ""
    numbered = [r for r in ctx.refs(sentence) if r.kind in (RefKind.PR, RefKind.ISSUE, RefKind.URL)]
    return _describe(numbered[0]) if len(numbered) == 1 else ""
