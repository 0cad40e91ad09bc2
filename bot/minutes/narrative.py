"""Action items stated in prose: a person followed by a commitment.

"Joerg Roedel agreed to investigate ...", "Peter Fang was asked to ...", "He will ...",
"Vijay reminded Joerg about the user space support PR and requested a review",
"Cláudio confirmed it is on his list to review ...", and under a speaker or a person's
bullet a bare "Will check with Pankaj". Reports, opinions, interest and possibilities
are not commitments, and hedged offers ("might", "if he finds the time") are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from bot.minutes.candidates import REF_WINDOW, Candidate, Context, around
from bot.minutes.clauses import (
    Commitment,
    Memory,
    Voice,
    base_form,
    lowered_determiner,
    read_commitments,
    strip_labels,
)
from bot.minutes.document import Block, BlockKind
from bot.minutes.explicit import (
    claimed,
    first_marker,
    introduced_as_decisions,
    marked_done,
    reviews_earlier_actions,
)
from bot.minutes.model import Ref, RefKind
from bot.minutes.names import subject_at_start, subject_before
from bot.minutes.owners import bare_name, section_owner
from bot.minutes.patterns import compile_lazily
from bot.minutes.text import Span, plain, sentences, squash
from bot.minutes.titles import make_title

_REVIEW_REQUEST = compile_lazily(
    r"\breminded\s+(?P<obj>[^,;.]{1,60}?)\s+(?:about|of)\s+(?P<thing>[^;.]{1,100}?)\s+and\s+"
    r"(?:requested|asked\s+for)\s+(?:a\s+)?(?:second\s+)?reviews?(?:\s+from\s+(?:both|them|him|her))?"
)
_ON_LIST = compile_lazily(
    r"\bconfirmed\s+(?:that\s+)?(?P<thing>it|this|that|they|the\s[^,;.]{1,60}?)\s+(?:is|are)\s+"
    r"(?:still\s+)?on\s+(?:his|her|their)\s+(?:list|plate|radar|to-?do\s+list)(?:\s+of\s+things)?"
    r"(?:\s+to\s+(?P<verb>\w+))?"
)
_POSSESSIVE_LIST = compile_lazily(
    r"\b(?:it|this|that)\s+is\s+(?:still\s+)?on\s+(?:his|her|their)\s+(?:list|plate|radar)"
    r"(?:\s+(?:of\s+things\s+)?to\s+(?P<verb>\w+))?(?P<rest>[^.;]*)",
    re.I,
)
_MAY_NEED = compile_lazily(
    r"some(?:one|body)|anyone|volunteer|needs? to be|\bwe need|looking for|wanted|\bwho\b", re.I
)
_NEED_SOMEONE = compile_lazily(
    r"\b(?:someone|somebody|anyone|a volunteer|volunteers?|we)\s+(?:still\s+)?(?:needs?\s+to|"
    r"should|must|has\s+to|to)\s+(?P<task>[a-z][^.;?!]{3,150})|\b(?:needs?|looking\s+for|wanted:?)\s+"
    r"(?:a\s+)?(?:volunteers?|someone|an?\s+owner)\s+(?:to|for)\s+(?P<task2>[a-z][^.;?!]{3,150})"
    # "Who can draft the policy?": a question that asks for a volunteer
    r"|^\W*who\s+(?:can|could|will|would|wants\s+to)\s+(?P<task3>[a-z][^.;?!]{3,150})\?",
    re.I,
)
_NEEDS_DOING = compile_lazily(
    r"^(?P<thing>(?:the|a|an|this|that|our)\s[^,;.]{1,60}?)\s+(?:still\s+)?needs?\s+to\s+be\s+"
    r"(?P<participle>[a-z]+)\b",
    re.I,
)
_VOLUNTEERED = compile_lazily(
    r"^\W*(?P<who>[^,;.]{1,40}?)\s+(?:volunteered|volunteering|volunteers|(?:will|can|'ll)\s+(?:take|do|handle|own)\s+"
    r"(?:it|that|this)(?:\s+on)?|took\s+(?:it|that|this)\s+on)\s*[.!]?\s*$",
    re.I,
)
_PRO_FORM = compile_lazily(
    r"^(?:do|take|handle|own|pick\s+up|take\s+care\s+of|look\s+into)\s+(?:it|that|this)(?:\s+on)?\s*$",
    re.I,
)
_AGREED = compile_lazily(
    r"(?:^|[;,.]\s*)(?P<who>[^;,.]{1,40}?)\s+(?<!as )(?:agreed|accepted|said yes|will do it)"
    r"(?:\s*$|\s*[,;.]|\s+to do (?:it|so|this))",
    re.I,
)
_REQUEST = compile_lazily(r"\basked (?:that|for|whether)\s+(?P<req>[^.;]{1,200})", re.I)
_DANGLING = compile_lazily(r"(?:\b(?:to|with|about|for|on|from|the following)|:)\s*$", re.I)
_PRONOUN_OBJECT = compile_lazily(r"^(?P<verb>\w+)\s+(?:it|them)\b(?P<rest>.*)$", re.I)
_BACK_REFERENCE = compile_lazily(r"(?:it|this|that|them|(?:the|this|that)\s+(?:PR|pull request))", re.I)
# "Decision: every member should fill out the form" records a rule the meeting made; its
# "should" and "must" are the rule's, not a task given to anyone.
_RECORDS_DECISION = compile_lazily(
    r"^\W*(?:decisions?|decided|resolutions?|resolved|consensus|agreed|agreements?|policy)\b"
    r"[^:\n]{0,20}:",
    re.I,
)
_PR_NAMED = compile_lazily(r"\b(?:the|his|her|their)\s+[\w./ -]{0,40}?\bPR\b")


@dataclass
class _Block:
    """What is known while the sentences of one block are read."""

    block: Block
    speaker: tuple[str, ...] | None
    inherited: tuple[str, ...] | None
    subject: tuple[str, ...] | None = None


@dataclass(frozen=True)
class _Found:
    owners: tuple[str, ...]
    task: str
    kind: str
    span: Span
    person: str | None = None
    due_text: str = ""
    at: int = 0  # where in the sentence's plain words the commitment's clause begins


def narrative_items(ctx: Context) -> Iterator[Candidate]:
    """Commitments stated in prose, in file order."""
    memory = Memory()
    section: tuple[str, ...] | None = None
    completed: set[int] = set()
    for block in ctx.doc.blocks:
        if block.section != section:
            memory, section = Memory(), block.section
        if block.kind is BlockKind.HEADING or block.index in completed:
            continue
        if claimed(block, ctx) or first_marker(block, ctx) < len(block.text):
            ctx.memories[block.index] = replace(memory)  # what its action entries may refer to
        if claimed(block, ctx):
            continue
        for found in _block_items(block, ctx, memory):
            completions = _completions(found, block, ctx)
            if completions:
                completed.update(c.block.index for c in completions)
                yield from completions
            else:
                yield _finish(found, block, ctx, memory)


def _block_items(block: Block, ctx: Context, memory: Memory) -> Iterator[_Found]:
    markdown = block.text[: first_marker(block, ctx)]
    state = _Block(block, strip_labels(plain(markdown), ctx.people)[2], _owner_above(block, ctx))
    decided = introduced_as_decisions(block, ctx)
    decision = decided or bool(_RECORDS_DECISION.match(plain(markdown)))
    for index, span in enumerate(_spans(block, markdown)):
        sentence = plain(span.text)
        voice = Voice(state.speaker, state.subject or state.inherited, opens_block=index == 0)
        found = _special_forms(sentence, span, ctx, memory)
        if not found:
            found = [_from(c, span) for c in read_commitments(sentence, ctx.people, memory, voice)]
        found += _agreements(sentence, span, ctx)
        found = _volunteers(sentence, span, found, ctx, memory)
        if decision:
            found = [f for f in found if f.kind != "must"]
        if decided:  # "The committee will operate with nine members" under "Decisions"
            found = [f for f in found if all(ctx.people.is_person(o) for o in f.owners)]
        if marked_done(sentence):
            found = []  # "Kevin to draft the post — done" reports finished work
        elif index == 0 and reviews_earlier_actions(block):
            # "- Kevin to draft the post" opening an entry under "Action items from last
            # meeting" restates that meeting's list; later sentences may add new work.
            found = [f for f in found if f.kind != "to"]
        yield from found
        _remember_thing(sentence, ctx, memory)
        if memory.subject and (found or subject_at_start(sentence, ctx.people)):
            state.subject = memory.subject


def _spans(block: Block, markdown: str) -> list[Span]:
    """The sentences of a block; a table row's cells and `<br>` lines read one by one."""
    if block.kind is not BlockKind.TABLE_ROW:
        return list(sentences(markdown))
    spans: list[Span] = []
    for piece in re.finditer(r"[^|]+", markdown):
        for line in re.finditer(r"(?:(?!<br\s*/?>).)+", piece.group(0)):
            text = line.group(0).strip(" -•")
            if text:
                spans.extend(
                    Span(s.text, piece.start() + line.start() + s.start) for s in sentences(text)
                )
    return spans


def _from(commitment: Commitment, span: Span) -> _Found:
    person = commitment.owners[0] if len(commitment.owners) == 1 else None
    return _Found(
        commitment.owners, commitment.task, commitment.kind, span, person, at=commitment.start
    )


def _owner_above(block: Block, ctx: Context) -> tuple[str, ...] | None:
    """Whom a subjectless "Will …" in this block belongs to: a name bullet above it, a
    speaker above it, the person the parent bullet is about, or a `### Name` heading."""
    for parent in ctx.doc.ancestors(block):
        text = plain(parent.text)
        named = bare_name(parent.text, ctx.people)
        if named is not None:
            return named
        speaker = strip_labels(text, ctx.people)[2]
        if speaker is not None:
            return speaker
        opening = subject_at_start(text, ctx.people)
        if opening is not None and opening.pronoun is None and opening.units[0].kind != "group":
            return tuple(u.text for u in opening.units)
    return section_owner(block, ctx.people)


def _completions(found: _Found, block: Block, ctx: Context) -> list[Candidate]:
    """ "Jean will reach out to:" with one team per nested bullet is one item per bullet."""
    if not _DANGLING.search(found.task) or not ctx.doc.has_children(block):
        return []
    items = []
    for child in ctx.doc.children(block):
        words = plain(child.text)
        if child.kind is not BlockKind.LIST_ITEM or read_commitments(
            words, ctx.people, Memory(), Voice(found.owners, found.owners, True)
        ):
            continue
        task = f"{found.task.rstrip(' :')} {words}"
        items.append(
            Candidate(
                block=child,
                line=child.line,
                owners=found.owners,
                title=make_title(task),
                due=ctx.due(task),
                refs=tuple(
                    ctx.refs("\n".join([child.text, *ctx.surroundings(child)]), found.person, child)
                ),
                source=squash(plain(block.text) + " " + words),
                kind=found.kind,
            )
        )
    return items


def _finish(found: _Found, block: Block, ctx: Context, memory: Memory) -> Candidate:
    # A bullet's links belong to each of its sentences; a paragraph's to the one that has them.
    bullet = block.kind is not BlockKind.PARAGRAPH or block.parent is not None
    start, end = _clause_in_block(found)
    nearby = around(block.text, start, end) if bullet else around(found.span.text, *_clause(found))
    context_md = "\n".join([nearby, *ctx.surroundings(block)])
    refs = _owned_prs(ctx.refs(context_md, found.person, block), found)
    return Candidate(
        block=block,
        line=block.line_at(found.span.start),
        owners=found.owners,
        title=make_title(_named_object(found.task, memory.thing, refs), topic=ctx.topic(block)),
        due=ctx.due(found.due_text or found.task),
        refs=tuple(refs),
        source=squash(plain(around(found.span.text, *_clause(found)))),
        kind=found.kind,
        extra={"person": found.person or ""},
    )


def _clause(found: _Found) -> tuple[int, int]:
    """Where the item's clause sits in its sentence's Markdown: the whole sentence when it is
    short, else near the clause, so that a sentence that runs for pages is not read again
    for each of its items. The clause was found in the plain words, which are shorter than
    the Markdown by the link targets and marks they drop: scaling finds it near enough for
    a window of REF_WINDOW characters."""
    text = found.span.text
    if len(text) <= REF_WINDOW:
        return 0, len(text)
    words = len(plain(text)) or 1
    start = found.at * len(text) // words
    return start, start + len(found.task)


def _clause_in_block(found: _Found) -> tuple[int, int]:
    start, end = _clause(found)
    return found.span.start + start, found.span.start + end


def _named_object(task: str, thing: str, refs: list[Ref]) -> str:
    """ "review it" says what "it" is when the bullet names one PR: "review PR org/repo#12"."""
    match = _PRONOUN_OBJECT.match(task.strip())
    if not match:
        return task
    described = [d for r in refs if (d := describe(r))]
    named = thing or (described[0] if len(described) == 1 else "")
    return f"{match.group('verb')} {named}{match.group('rest')}" if named else task


def describe(ref: Ref) -> str | None:
    """A PR or issue as a title names it: "PR org/repo#12", "issue #7"; None for other links,
    which say nothing a reader can use in a title."""
    link = re.match(r"https://github\.com/([\w.-]+/[\w.-]+)/(pull|issues)/(\d+)", ref.value)
    if link:
        kind = "PR" if link.group(2) == "pull" else "issue"
        return f"{kind} {link.group(1)}#{link.group(3)}"
    if ref.kind in (RefKind.PR, RefKind.ISSUE):
        return f"{'PR' if ref.kind is RefKind.PR else 'issue'} {ref.value}"
    return None


def _owned_prs(refs: list[Ref], found: _Found) -> list[Ref]:
    """The PR someone asks to have reviewed is theirs: "the user space support PR" is Vijay's."""
    if found.kind != "review_request" or not found.person:
        return refs
    return [
        replace(r, person=found.person) if r.kind is RefKind.NAMED_PR and not r.person else r
        for r in refs
    ]


# --- forms with their own shape ---------------------------------------------------------------


def _special_forms(sentence: str, span: Span, ctx: Context, memory: Memory) -> list[_Found]:
    """Review requests and "it is on his list" replies, which name the task only indirectly."""
    if "remind" not in sentence and " on " not in sentence:
        return []
    request = _REVIEW_REQUEST.search(sentence)
    if request:
        return _review_request(request, sentence, span, ctx, memory)
    on_list = _ON_LIST.search(sentence)
    if on_list:
        return _on_list(on_list, sentence, span, ctx, memory)
    mention = _POSSESSIVE_LIST.search(sentence)
    if mention and "confirmed" not in sentence[: mention.start()].split()[-1:]:
        return _list_mention(mention, sentence, span, ctx, memory)
    return []


def _review_request(
    match: re.Match[str], sentence: str, span: Span, ctx: Context, memory: Memory
) -> list[_Found]:
    obj_end = match.start("obj") + len(match.group("obj"))
    reviewer = subject_before(sentence, obj_end, ctx.people, opens=False)
    requester = subject_before(sentence, match.start(), ctx.people)
    if reviewer is None or reviewer.start != match.start("obj") or requester is None:
        return []
    owners = tuple(u.text for u in reviewer.units if u.kind != "group")
    who = requester.units[0].text if requester.pronoun is None else None
    thing = match.group("thing")
    if _BACK_REFERENCE.fullmatch(thing) and memory.thing:
        # "Zoë presented her PR. Tobias reminded Joerg about it": it is still Zoë's PR.
        thing, who = memory.thing, memory.thing_owner
    else:
        thing = _possessed(thing, who)
    memory.thing, memory.thing_owner = thing, who
    memory.subject = owners
    return [_Found(owners, f"review {thing}", "review_request", span, who, sentence[match.end() :])]


def _on_list(
    match: re.Match[str], sentence: str, span: Span, ctx: Context, memory: Memory
) -> list[_Found]:
    subject = subject_before(sentence, match.start(), ctx.people)
    if subject is None:
        return []
    owners = memory.subject[:1] if subject.pronoun else tuple(u.text for u in subject.units)
    thing = match.group("thing")
    if thing.lower() in ("it", "this", "that", "they"):
        thing = memory.thing or thing
    verb = match.group("verb") or "review"
    return [_Found(owners, f"{verb} {thing}", "on_list", span, None, sentence[match.end() :])]


def _list_mention(
    match: re.Match[str], sentence: str, span: Span, ctx: Context, memory: Memory
) -> list[_Found]:
    """ "...; it is still on his list for January" after a PR is named."""
    before = sentence[: match.start()]
    opening = subject_at_start(before, ctx.people)
    if opening is not None and opening.pronoun is None:
        memory.subject = tuple(u.text for u in opening.units)[:1]
    thing = _named_thing(before) or memory.thing
    if not memory.subject or not thing:
        return []
    verb = match.group("verb") or "review"
    return [_Found(memory.subject, f"{verb} {thing}", "on_list", span, None, match.group(0))]


def _possessed(thing: str, requester: str | None) -> str:
    """ "her draft PR" asked for by Mirela is "Mirela's draft PR"."""
    if requester is None:
        return thing
    return re.sub(r"^(?:his|her|their|the)\s+(?=.*\bPR\b)", f"{requester}'s ", thing, count=1)


def _agreements(sentence: str, span: Span, ctx: Context) -> list[_Found]:
    """ "Sam asked that the note include X; Łukasz agreed." makes X Łukasz's task."""
    if (
        "agreed" not in sentence
        and "accepted" not in sentence
        and "said yes" not in sentence
        and "do it" not in sentence
    ):
        return []
    agreed = _AGREED.search(sentence)
    if not agreed:
        return []
    who = agreed.group("who").strip()
    found = subject_before(who, len(who), ctx.people)
    if found is None or found.start != 0 or found.pronoun is not None:
        return []
    request = _REQUEST.search(sentence[: agreed.start()])
    if request is None or request.group(0).lower().startswith("asked whether"):
        return []
    owners = tuple(u.text for u in found.units if u.kind != "group")
    return [
        _Found(owners, _request_task(request.group("req")), "agreed", span, None, agreed.group(0))
    ]


def _volunteers(
    sentence: str, span: Span, found: list[_Found], ctx: Context, memory: Memory
) -> list[_Found]:
    """ "Someone needs to update the docs. Alice volunteered." makes the update Alice's; so
    does "Alice will take it" after it. A need nobody takes is no item."""
    need = memory.need
    stated = _need(sentence) if _MAY_NEED.search(sentence) else ""
    memory.need = stated or ("" if found else need)
    if not need:
        return found
    if found:
        return [replace(f, task=need) if _PRO_FORM.match(f.task) else f for f in found]
    volunteered = _VOLUNTEERED.match(sentence)
    if volunteered is None:
        return found
    who = volunteered.group("who")
    subject = subject_before(who, len(who), ctx.people.in_subject_slot)
    if subject is None or subject.start != 0 or subject.pronoun is not None:
        return found
    memory.need = ""
    owners = tuple(u.text for u in subject.units if u.kind != "group")
    return [_Found(owners, need, "agreed", span)]


def _need(sentence: str) -> str:
    """The task of "someone needs to …", "we need a volunteer to …", "X needs to be done"."""
    match = _NEED_SOMEONE.search(sentence)
    if match:
        task = match.group("task") or match.group("task2") or match.group("task3")
        return task.rstrip(" .?!")
    passive = _NEEDS_DOING.search(sentence)
    if passive:
        verb = base_form(passive.group("participle"))
        if verb:
            return f"{verb} {lowered_determiner(passive.group('thing').strip())}"
    return ""


def _request_task(request: str) -> str:
    """ "the error codes to be documented on the website" -> "document the error codes ..."."""
    passive = re.match(r"(?P<obj>.+?)\s+to be\s+(?P<verb>\w+?)(?:ed|d)\b(?P<rest>.*)", request)
    if passive:
        verb = passive.group("verb")
        verb = verb[:-1] if verb.endswith(verb[-1] * 2) else verb
        return f"{verb} {passive.group('obj')}{passive.group('rest')}"
    return request


def _remember_thing(sentence: str, ctx: Context, memory: Memory) -> None:
    """Remember the last PR or issue named, so that "review it" can say what it is."""
    if "PR" not in sentence and "#" not in sentence and "http" not in sentence:
        return
    named = _named_thing(sentence)
    if named:
        opening = subject_at_start(sentence, ctx.people)
        owner = opening.units[0].text if opening and opening.units[0].kind == "person" else None
        memory.thing = _possessed(named, owner) if owner else named
        memory.thing_owner = owner if owner and not named.startswith("the ") else None
    elif thing := _numbered_thing(sentence, ctx):
        memory.thing, memory.thing_owner = thing, None


def _named_thing(text: str) -> str:
    found = _PR_NAMED.findall(text)
    return found[-1] if found else ""


def _numbered_thing(sentence: str, ctx: Context) -> str:
    """The one PR or issue a sentence links to, described for a title: "PR org/repo#12"."""
    if "#" not in sentence and "http" not in sentence and "PR" not in sentence:
        return ""
    described = [d for r in ctx.refs(sentence) if (d := describe(r))]
    return described[0] if len(described) == 1 else ""
