"""Action items the minutes mark as such: action lists, checkboxes, markers, owner tables."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from bot.minutes.candidates import REF_WINDOW, Candidate, Context, around
from bot.minutes.clauses import Memory, Voice, read_commitments, strip_labels
from bot.minutes.document import Block, BlockKind
from bot.minutes.lexicon import ACTION_HEADING, TASK_VERBS
from bot.minutes.names import subject_before
from bot.minutes.owners import bare_name, people_in, section_owner
from bot.minutes.patterns import compile_lazily
from bot.minutes.text import is_struck, plain, sentences, squash, without_struck
from bot.minutes.titles import make_title

LOOKING_BACK = compile_lazily(
    r"\b(?:from|of) (?:the )?(?:last|previous|prior)\b|\bprevious\b|\bprior\b|"
    r"\breview(?:ing)?\s+(?:of\s+)?(?:the\s+)?(?:open\s+|old\s+|past\s+|outstanding\s+)?"
    r"(?:action|AIs?\b|decisions|to-?dos?)|\blast (?:week|time|meeting|call)'?s?\b|\bsince last\b|"
    r"\bcarried over\b|\bdone\b|\bcompleted\b|\bstatus of\b",
    re.I,
)
# A line of its own that introduces a list of what was decided, not of what to do.
_DECISIONS_LABEL = compile_lazily(
    r"^(?:decisions?(?: made)?|decided|resolutions?|resolved|consensus|agreed|agreements?)\s*:?$",
    re.I,
)
_AGENDA = compile_lazily(r"\bagenda\b", re.I)
# "## Attendees", "### Regrets", "## Voting Representative Attendees" over "### Members":
# who came, listed (often as checkboxes ticked for presence), not work to do.
ROLL_CALL = compile_lazily(
    r"\b(?:attendees|attendance|present|participants|roll[- ]?call|regrets|apologies|absent)\b",
    re.I,
)
# "Ana Lima - Acme Corp", "Bo Chen (Initech)", "Kai", "J. Doe / jdoe": a name and what follows.
_NAME_LINE = compile_lazily(r"^\s*(?:[A-Z][\w.'’-]*\s+){0,3}[A-Z][\w.'’-]*\s*(?:$|[-–—/,(|]|\s[-–—]\s)")
_LABEL_OWNER = compile_lazily(r"\s*\((?P<who>[^()]{1,40})\)\s*:?\s*$")
_CHECKBOX = compile_lazily(r"^\s*\[(?P<mark>[ xX✓✔-])\]\s*")
# ACTION:, **ACTION 62.2:**, *Action: …*, Action item for Richard:, AI(sam):, TODO(@x):
_MARKER = compile_lazily(
    r"(?:^|(?<=[.!?]\s)|(?<=\n)|(?<=\|)|(?<=<br>))[ \t]*(?:[-*•][ \t]+)?[*_]{0,2}"
    # W3C's scribe tools list "[NEW] ACTION: …", "[DONE] ACTION: …"
    r"(?:\[(?P<state>NEW|PENDING|CONTINUES|CONTINUING|IN PROGRESS|DONE|DROPPED|CLOSED)\][ \t]*)?"
    r"(?P<kind>ACTT?IONS?(?:[ \t]+ITEMS?)?|(?i:action(?:[ \t]+items?)?)(?=[^:\n]{0,40}:)|AI|TODO|"
    r"FOLLOW[- ]UP|(?i:to-?do|follow[- ]up)(?=[^:\n]{0,40}:)|(?i:\#action)(?=[ \t])|"
    r"(?i:\[action(?:[ \t]+items?)?\]))"
    r"(?:[ \t]+(?P<number>\d+(?:\.\d+)*))?"
    r"(?:[ \t]+(?:for|on)[ \t]+(?P<for>[^:*_\n]{1,30}?))?"
    r"(?:[ \t]*\((?P<who>[^)\n]{1,40})\))?"
    r"[*_]{0,2}[ \t]*(?::|(?=[ \t]*$)|(?<=\))[ \t]|(?:(?<=ITEM)|(?<=ITEMS)|(?<=#action)|(?<=#ACTION)|(?<=\]))"
    r"[ \t]+(?=\S)|(?<=[A-Z0-9])[ \t]*[-–—][ \t]+(?=\S))[*_]{0,2}[ \t]*",
    re.M,
)
# "Alice to draft the post — done", "(done)", "✅": a task marked as finished.
_DONE_MARKS = r"\balready done\b|\(done\b|✅"
_MARKED_DONE = compile_lazily(rf"{_DONE_MARKS}|[—–:-]\s*done\b", re.I)
# An entry that says nothing is left to do: finished, or nothing there at all.
_DONE = compile_lazily(
    rf"(?:{_DONE_MARKS}|\bdone in the meeting\b|[—–-]\s*done\b|^\s*done\b|"
    r"\bnothing new\b|^\s*n/?a\s*$|\bno action\b|\bnot needed\b|"
    r"^\s*(?:none|nothing|tbd|-+)\b)",
    re.I,
)
# "(Martyn)", "(@ravic, @omelnyk)", "(Ana and Bo)" closing a line.
_LABEL_AT_END = compile_lazily(r"\((?P<who>[^()]{1,40})\)\s*\.?\s*$")
_CC = compile_lazily(r",?\s*\bcc:?\s+@[\w/-]+(?:[\s,]+@[\w/-]+)*", re.I)
_OWNER_PARENS = compile_lazily(r"\s*\(\s*(?:owners?|assignees?|who|by)\s*:\s*(?P<who>[^)]+)\)", re.I)
# "task (Kate)", "task — Kate", "task: Kate"
_TRAILING_OWNER = compile_lazily(
    r"^(?P<task>.+?)[\s.]*(?:\((?P<paren>[^()]{1,60})\)|\s[—–-]+\s*(?P<dash>[^—–()-]{1,60}?)"
    r"|:\s*(?P<colon>[^:()]{1,40}?))\s*\.?\s*$"
)
TAIL = 200  # characters at the end of an entry where an owner written last is looked for
_HANDLES = compile_lazily(r"^(?P<who>@[\w/-]+(?:[\s,]+(?:and\s+)?@[\w/-]+)*)\s+(?P<task>\S.*)$")
_TRAILING_HANDLES = compile_lazily(
    r"^(?P<task>.+?)\s+(?P<who>@[\w/-]+(?:[\s,]+(?:and\s+)?@[\w/-]+)*)\s*\.?$"
)
# "eP to ask Fred …", "HZ to reach out …": in an entry marked as an action, the words
# before "to <verb>" are its owner, whatever their case.
_SHORT_OWNER = compile_lazily(
    r"^(?P<who>[^\s:,;]{1,25}(?:\s+(?:and\s+|&\s+)?[^\s:,;]{1,25}){0,2})\s+to\s+(?P<verb>[a-z][\w-]*)\b"
)
_FIELD = compile_lazily(
    r"^(?P<name>owners?|assignees?|assigned to|who|due(?: date)?|deadline|by|when)\s*:\s*(?P<value>\S.*)$",
    re.I,
)
FIELD_CHILDREN = 5  # an entry's own fields come first under it
# Fields written in the entry's own line: "[assignee] devon [due] 31 March [status] open",
# "— Owner: Bob — Due: Friday".
_INLINE_FIELD = compile_lazily(
    r"(?:\[(?P<tag>assignees?|owners?|due|deadline|status)\]"
    r"|(?:(?<=\s)|(?<=^))(?P<label>Owners?|Assignees?|Due(?: date)?|Deadline|Status):)"
    r"[ \t]*(?P<value>[^\[\]|;]*?)[ \t]*[-–—,]?(?=$|\[(?:assignee|owner|due|deadline|status)|"
    r"\s(?:[-–—][ \t]+)?(?:Owners?|Assignees?|Due(?: date)?|Deadline|Status):|[|;])",
    re.I,
)
# A detail of an entry that ends with who does it: "Ask Zac (@zac)".
_CHILD_OWNER = compile_lazily(r"\((?P<who>@[\w-]+(?:[\s,]+@[\w-]+)*)\)\s*\.?$")
_NEED = compile_lazily(r"\b(?:requires?|required|needs?|needed|should|must|to be)\b", re.I)
_COPULA = compile_lazily(
    r"^\s*\S+(?:\s+\S+){0,3}\s+(?:is|are)\s+(?:the\s+)?(?:new\s+)?[\w-]+\s*\.?$", re.I
)
_OWNER_COLUMN = compile_lazily(r"^(?:owners?|assignees?|assigned to|who|responsible|lead|dri)$", re.I)
_TASK_COLUMN = compile_lazily(
    r"^(?:follow[- ]?ups?|items?|tasks?|actions?|action items?|objectives?|"
    r"what|description|title|work items?|todo)$",
    re.I,
)
_DUE_COLUMN = compile_lazily(r"^(?:due|due date|deadline|target|when|by|eta|date)$", re.I)
# "Actions", "Action items", "Actions: Responsible / Note", "Next steps": a column of things
# to do beside the discussion of each row.
_ACTION_COLUMN = compile_lazily(
    r"^(?:actions?|action items?|action points?|next steps?|follow[- ]?ups?|to-?dos?)\b", re.I
)
# Where one cell holds several entries: "<br>", "<p>…</p>" and "- " written inside it.
_CELL_ENTRY = compile_lazily(r"<br\s*/?>|</?p>|\s[-•]\s*(?=[^\W\d_])")
_STATUS_COLUMN = compile_lazily(r"^(?:status|state|done\??)$", re.I)
_NO_OWNER = compile_lazily(r"^\s*(?:—|–|-|\?|tbd|n/?a|none|nobody|)\s*$", re.I)
_GROUP_CELL = compile_lazily(r"^\s*(?:all|everyone|everybody|the team|team)\s*$", re.I)


@dataclass(frozen=True)
class Entry:
    """The text of one explicit entry, the owners it inherits and the line it starts on."""

    block: Block
    text: str  # raw Markdown of the entry
    line: int
    inherited: tuple[str, ...] | None = None
    marked: bool = False  # written with ACTION:, TODO: or a similar marker
    shared: str = ""  # text of the block before its first marker: refs there apply to all


def explicit_items(ctx: Context) -> Iterator[Candidate]:
    """Every explicit action entry of the file."""
    for block in ctx.doc.blocks:
        if block.kind is BlockKind.TABLE_ROW and owner_table(block):
            yield from _table_row(block, ctx)
        elif block.kind is not BlockKind.HEADING:
            for entry in entries_of(block, ctx):
                yield from _entry_items(entry, ctx)


def claimed(block: Block, ctx: Context) -> bool:
    """True when the whole block is an explicit entry, so prose rules skip it."""
    if block.kind is BlockKind.TABLE_ROW:
        return owner_table(block) or action_column(block.header) is not None
    if block.kind is BlockKind.PARAGRAPH:
        return bool(_line_entries(block, ctx))
    return block.kind is BlockKind.LIST_ITEM and _listed_entry(block, ctx)


def _line_entries(block: Block, ctx: Context) -> list[Entry]:
    """ "Ngozi: prototype the layer" and "Emre: open the wheels PR" written as plain lines
    under an action heading: each line that names its owner is an entry, as a bullet would be."""
    if ctx.memo.get(("line entries", block.index)) is False:
        return []
    found: list[Entry] = []
    if "\n" in block.text and in_action_section(block, ctx):
        lines = block.text.split("\n")
        named = sum(1 for line in lines if _names_its_owner(plain(line), ctx))
        # Lines most of which name their owner are a list written without bullets: each is
        # an entry. Otherwise they are prose, whose sentences the narrative reader takes.
        if 2 * named > len(lines):
            start = 0
            for line in lines:
                if plain(line):
                    found.append(Entry(block, line, block.line_at(start), _inherited(block, ctx)))
                start += len(line) + 1
    ctx.memo[("line entries", block.index)] = bool(found)
    return found


def _names_its_owner(line: str, ctx: Context) -> bool:
    owners, task = split_owner(line, ctx)
    return owners is not None and len(task.split()) >= 2


def _remembered(name: str, block: Block, ctx: Context, answer: Callable[[], bool]) -> bool:
    """Ask once per block what both finders want to know about it."""
    key = (name, block.index)
    if key not in ctx.memo:
        ctx.memo[key] = answer()
    return ctx.memo[key]


def owner_table(block: Block) -> bool:
    return _has_owner_column(block.header)


@functools.lru_cache(maxsize=256)
def action_column(header: tuple[str, ...]) -> int | None:
    """The column of a table without owners that lists what to do, row by row."""
    if not header or _has_owner_column(header):
        return None
    return _column([plain(h).strip() for h in header], _ACTION_COLUMN)


def _cell_entries(block: Block, column: int) -> list[Entry]:
    """Each entry written in a row's action cell. A table of one column is a list of things
    to do: each of its rows is an entry, however it is worded."""
    cell = block.cells[column] if column < len(block.cells) else ""
    marked = len(block.header) == 1
    pieces = (p.strip().lstrip("-•").strip() for p in _CELL_ENTRY.split(cell))
    return [Entry(block, p, block.line, None, marked, cell) for p in pieces if plain(p)]


@functools.lru_cache(maxsize=256)
def _has_owner_column(header: tuple[str, ...]) -> bool:
    return _column([plain(h).strip().lower() for h in header], _OWNER_COLUMN) is not None


def in_action_section(block: Block, ctx: Context) -> bool:
    """Under an action-list heading or label, and not in a review of earlier actions."""
    return _remembered("action section", block, ctx, lambda: _in_action_section(block, ctx))


def introduced_as_decisions(block: Block, ctx: Context) -> bool:
    """The block belongs to a list that a "Decisions" line introduces."""
    lead = ctx.doc.lead_in(block)
    return lead is not None and bool(_DECISIONS_LABEL.match(plain(lead.text)))


def _in_action_section(block: Block, ctx: Context) -> bool:
    if introduced_as_decisions(block, ctx):
        return False  # "Decisions" over the first list of "## Decisions/Actions"
    lead = ctx.doc.lead_in(block)
    headings = _headings_say(block.section, ctx)
    if headings is not None:
        return headings
    if lead is not None and _is_action_label(lead, ctx):
        return True
    return any(_is_action_label(a, ctx) for a in ctx.doc.ancestors(block))


@functools.lru_cache(maxsize=1024)
def _looks_back(section: tuple[str, ...]) -> bool:
    return any(LOOKING_BACK.search(plain(h)) for h in section)


def _headings_say(section: tuple[str, ...], ctx: Context) -> bool | None:
    """What the headings alone say: an action list (True), a review of one (False), or
    nothing (None)."""
    if _looks_back(section):
        return False
    for heading in reversed(section):
        if ACTION_HEADING.search(plain(heading)):
            return True
        if bare_name(heading, ctx.people, known=True) is None:
            break  # a topic heading inside an action list starts a topic, not owners
    return None


def reviews_earlier_actions(block: Block) -> bool:
    return _looks_back(block.section)


def marked_done(text: str) -> bool:
    """ "Kevin to draft the post — done": a task the minutes report finished."""
    return bool(_MARKED_DONE.search(text))


def _is_action_label(block: Block, ctx: Context) -> bool:
    """A bullet such as "**Action items**:" or "Task (Trevis):" that heads the bullets under
    it, or a line like "We identified the following next steps:" that leads into a list."""
    text = _LABEL_OWNER.sub("", plain(block.text)).rstrip(" :")
    if block.kind is BlockKind.PARAGRAPH:
        return plain(block.text).endswith(":") and bool(ACTION_HEADING.search(text))
    return (
        len(text.split()) <= 5 and bool(ACTION_HEADING.search(text)) and ctx.doc.has_children(block)
    )


def labelled_owner(markdown: str, ctx: Context) -> tuple[str, ...] | None:
    """ "Task (Trevis):" names the owner of the bullets below it."""
    text = plain(markdown).strip()
    match = _LABEL_OWNER.search(text)
    if match is None or not ACTION_HEADING.search(text[: match.start()]):
        return None
    return people_in(match.group("who"), ctx.people.in_owner_slot) or None


def _listed_entry(block: Block, ctx: Context) -> bool:
    """A list item that is an entry by where it stands: an open checkbox or an action list."""
    return _remembered("listed", block, ctx, lambda: _is_listed_entry(block, ctx))


def about_the_meeting(block: Block, ctx: Context) -> bool:
    """A line of the roll call: anything under "Attendees", "Present" or "Regrets", and the
    name lines ("Ana Lima - Acme") of the headings that follow one while they hold nothing
    else ("### Premier Members", "**Project Representatives**")."""
    key = ("roll call", block.index)
    if key not in ctx.memo:
        for index, listed in _roll_call(ctx.doc.blocks).items():
            ctx.memo[("roll call", index)] = listed
    return ctx.memo[key]


def _roll_call(blocks: tuple[Block, ...]) -> dict[int, bool]:
    """Whether each block is part of the roll call, read in one pass over the file."""
    listed: dict[int, bool] = {}
    under_roll_call = names_only = False
    for position, block in enumerate(blocks):
        if block.kind is BlockKind.HEADING:
            names_only = (under_roll_call or names_only) and _holds_only_names(blocks, position)
            under_roll_call = _in_roll_call(block.text)
            continue
        listed[block.index] = under_roll_call or (names_only and _is_name_line(block))
    return listed


def _holds_only_names(blocks: tuple[Block, ...], heading: int) -> bool:
    """Whether the blocks under a heading, up to the next, are two or more name lines."""
    count = 0
    for block in blocks[heading + 1 :]:
        if block.kind is BlockKind.HEADING:
            break
        if not _is_name_line(block):
            return False
        count += 1
    return count >= 2


def _is_name_line(block: Block) -> bool:
    return bool(_NAME_LINE.match(plain(_CHECKBOX.sub("", block.text, count=1))))


@functools.lru_cache(maxsize=1024)
def _in_roll_call(heading: str) -> bool:
    return bool(ROLL_CALL.search(plain(heading))) and len(heading.split()) <= 6


def _is_listed_entry(block: Block, ctx: Context) -> bool:
    if about_the_meeting(block, ctx):
        return True  # claimed, and yields nothing
    checkbox = _CHECKBOX.match(block.text)
    if checkbox and any(_AGENDA.search(plain(h)) for h in block.section[-1:]):
        return False  # the checkboxes of an agenda template are topics, not tasks
    if checkbox and checkbox.group("mark") != " ":
        return True  # claimed, and yields nothing
    if _markers(block, ctx) or _is_action_label(block, ctx):
        return False
    if checkbox or in_action_section(block, ctx) or _owner_labelled(block, ctx):
        return not _details_of_an_entry(block, ctx)
    return False


def _owner_labelled(block: Block, ctx: Context) -> bool:
    """ "Move the test scripts to the main repository (Martyn)": a bullet that says what to
    do and ends with who does it is an entry wherever it stands, but in an agenda."""
    if block.kind is not BlockKind.LIST_ITEM or any(
        _AGENDA.search(plain(h)) for h in block.section
    ):
        return False
    words = plain(block.text)
    label = _LABEL_AT_END.search(words[-TAIL:])
    if label is None or not _starts_with_verb(words):
        return False
    who = label.group("who")
    named = people_in(who, ctx.people.in_owner_slot)
    return bool(named) and len(" ".join(named).split()) == len(
        who.replace(",", " ").replace("@", "").split()
    )


def entries_of(block: Block, ctx: Context) -> list[Entry]:
    """Explicit entries in a block: a checkbox, an action-list item, or marker lines."""
    checkbox = _CHECKBOX.match(block.text)
    if (checkbox and checkbox.group("mark") != " ") or about_the_meeting(block, ctx):
        return []
    if block.kind is BlockKind.TABLE_ROW and (column := action_column(block.header)) is not None:
        return _cell_entries(block, column)
    if block.kind is BlockKind.LIST_ITEM and _listed_entry(block, ctx):
        if bare_name(block.text, ctx.people) is not None and ctx.doc.has_children(block):
            return []  # "**Deeptanshu**:" owns the entries below it
        text = block.text[checkbox.end() :] if checkbox else block.text
        return [Entry(block, text, block.line, _inherited(block, ctx))]
    if reviews_earlier_actions(block):
        return []
    if block.kind is BlockKind.PARAGRAPH and claimed(block, ctx):
        return _line_entries(block, ctx)
    return _marked_entries(block, ctx)


def _marked_entries(block: Block, ctx: Context) -> list[Entry]:
    markers = _markers(block, ctx)
    if not markers:
        return []
    shared = block.text[: markers[0].start()]
    inherited = _inherited(block, ctx)
    entries = []
    for position, marker in enumerate(markers):
        end = markers[position + 1].start() if position + 1 < len(markers) else len(block.text)
        text = block.text[marker.start() : end]
        context = shared
        if block.kind is BlockKind.TABLE_ROW:
            text = re.split(r"\||<br\s*/?>", text[1:] if text.startswith("|") else text)[0]
            context = block.text  # a row's links belong to the action written in it
        entries.append(Entry(block, text, block.line_at(marker.start()), inherited, True, context))
    return entries


def _markers(block: Block, ctx: Context) -> list[re.Match[str]]:
    """The block's ACTION:, TODO: … markers, found once; most blocks have none."""
    found = ctx.markers.get(block.index)
    if found is None:
        lowered = block.text.lower()
        maybe = "AI" in block.text or any(w in lowered for w in ("act", "todo", "to-do", "follow"))
        found = ctx.markers[block.index] = list(_MARKER.finditer(block.text)) if maybe else []
    return found


def first_marker(block: Block, ctx: Context) -> int:
    """Where the block's first marker starts: prose rules read only what comes before it."""
    if block.kind is BlockKind.TABLE_ROW and claimed(block, ctx):
        return 0
    found = _markers(block, ctx)
    return found[0].start() if found else len(block.text)


def _details_of_an_entry(block: Block, ctx: Context) -> bool:
    """Plain bullets nested under an entry describe it; nested checkboxes, and steps that
    name their own owner, are entries."""
    if _CHECKBOX.match(block.text):
        return False
    parent = ctx.doc.parent(block)
    if parent is None or parent.kind is not BlockKind.LIST_ITEM:
        return False
    if _owner_labelled(block, ctx) and not _shared_out(parent, ctx):
        return False
    if bare_name(parent.text, ctx.people) is not None or _is_action_label(parent, ctx):
        return False
    return _listed_entry(parent, ctx)


def _inherited(block: Block, ctx: Context) -> tuple[str, ...] | None:
    """Owners an entry takes from above: a name bullet, an owned entry, a `### Name` heading."""
    for parent in ctx.doc.ancestors(block):
        named = bare_name(parent.text, ctx.people) or labelled_owner(parent.text, ctx)
        if named is not None:
            return named
        checkbox = _CHECKBOX.match(parent.text)
        if checkbox:
            owners, _ = split_owner(plain(parent.text[checkbox.end() :]), ctx)
            if owners is not None:
                return owners
        label = strip_labels(plain(parent.text), ctx.people)[2]
        if label is not None:
            return label
    return section_owner(block, ctx.people)


def _entry_items(entry: Entry, ctx: Context) -> Iterator[Candidate]:
    text = entry.text
    marker = _MARKER.match(text)
    inherited = entry.inherited
    if marker and marker.group("state") in ("DONE", "DROPPED", "CLOSED"):
        return
    if marker:
        text = text[marker.end() :]
        who = marker.group("who") or marker.group("for")
        if who:
            inherited = people_in(plain(who), ctx.people.in_owner_slot) or inherited
    text = without_struck(_CC.sub("", text))
    if is_struck(entry.text) or _DONE.search(plain(text)) or not plain(text):
        return
    words = plain(text)
    if entry.marked and _COPULA.match(words) and not _starts_with_verb(words):
        return  # "Action: Alan is chair." records a decision
    known = ctx.memories.get(entry.block.index)
    memory = replace(known) if known is not None else Memory()
    listed_owners, due_text = _fields_below(entry.block, ctx)
    inherited = listed_owners if listed_owners is not None else inherited
    fields = _inline_fields(words)
    if fields is not None:
        words, field_owners, field_due, status = fields
        if _DONE.search(status) or re.search(r"\b(?:done|closed|completed?)\b", status, re.I):
            return
        inherited = people_in(field_owners, ctx.people.in_owner_slot, loose=True) or inherited
        due_text = field_due or due_text
    tasks = list(_tasks(words, inherited, entry.marked, ctx, memory))
    for owners, task, offset in tasks:
        if _is_commentary(task):
            continue
        if entry.marked or owners or _starts_with_verb(task) or _NEED.search(task):
            # A date elsewhere in an entry of several tasks is another task's.
            shared_due = len(tasks) == 1
            yield _candidate(entry, task, owners, offset, ctx, due_text, shared_due=shared_due)


def _tasks(
    words: str, inherited: tuple[str, ...] | None, marked: bool, ctx: Context, memory: Memory
) -> Iterator[tuple[tuple[str, ...], str, int]]:
    """The tasks of one entry with their owners: commitments first, then owner patterns."""
    commitments = []
    speaker = strip_labels(words, ctx.people)[2]  # "Status: Axic: … Will lead the chat"
    for index, span in enumerate(sentences(words)):
        voice = Voice(speaker, inherited, opens_block=index == 0)
        found = read_commitments(span.text, ctx.people.in_owner_slot, memory, voice)
        commitments += [replace(c, start=c.start + span.start) for c in found]
    if commitments:
        leading = words[: commitments[0].start].strip()
        if (
            marked
            and len(leading.split()) >= 4
            and (_NEED.search(leading) or _starts_with_verb(leading))
        ):
            yield inherited or (), leading, 0  # "EIP-1283 requires a new number. James will …"
        for commitment in commitments:
            yield commitment.owners, commitment.task, commitment.start
        return
    for part in _split_tasks(words, ctx):
        owners, task = split_owner(part, ctx, marked=marked)
        yield (owners if owners is not None else inherited or ()), task, 0


def _inline_fields(words: str) -> tuple[str, str, str, str] | None:
    """The task, owners, due date and status of an entry that writes them as fields."""
    found = list(_INLINE_FIELD.finditer(words))
    if not found or not words[: found[0].start()].strip(" -–—,;("):
        return None  # "Status: …" opening an entry labels what follows: no task before it
    values = {"owner": "", "due": "", "status": ""}
    for field in found:
        name = (field.group("tag") or field.group("label")).lower()
        key = "due" if name.startswith(("due", "deadline")) else "status"
        key = "owner" if name.startswith(("owner", "assignee")) else key
        values[key] = field.group("value").strip()
    task = words[: found[0].start()].rstrip(" -–—,;(")
    return task, values["owner"], values["due"], values["status"]


def _shared_out(block: Block, ctx: Context) -> bool:
    """ "Reach out to the admins" over "- Ask Zac (@zac)" and "- Ask Matt (@matt)": every
    bullet under an entry, or most of them, names who does it: they share the entry out
    among people. One named step among others is a task of its own."""
    children = ctx.doc.children(block)[:FIELD_CHILDREN]
    named = sum(1 for c in children if _CHILD_OWNER.search(plain(c.text)))
    return named > 0 and named * 2 >= len(children)


def _fields_below(block: Block, ctx: Context) -> tuple[tuple[str, ...] | None, str]:
    """ "- Owner: @alice" and "- Due: Friday" nested under an entry fill in its owner and date."""
    owners: tuple[str, ...] | None = None
    due = ""
    asked: list[str] = []  # "- Ask Zac (@zac)", "- Ask Matt (@matt)": the people doing it
    for child in ctx.doc.children(block)[:FIELD_CHILDREN]:
        field = _FIELD.match(plain(child.text))
        if field is None:
            who = _CHILD_OWNER.search(plain(child.text))
            asked += people_in(who.group("who"), ctx.people) if who else ()
            continue
        if field.group("name").lower().startswith("due") or field.group("name").lower() in (
            "deadline",
            "by",
            "when",
        ):
            due = field.group("value")
        else:
            owners = people_in(field.group("value"), ctx.people.in_owner_slot)
    if owners is None and asked and _shared_out(block, ctx):
        owners = tuple(dict.fromkeys(asked))
    return owners, due


def _candidate(
    entry: Entry,
    task: str,
    owners: tuple[str, ...],
    offset: int,
    ctx: Context,
    due_text: str = "",
    *,
    shared_due: bool = True,
) -> Candidate:
    shared = entry.shared[-REF_WINDOW:]
    context_md = "\n".join([shared, entry.text[:REF_WINDOW], *ctx.surroundings(entry.block)])
    person = owners[0] if len(owners) == 1 else None
    return Candidate(
        block=entry.block,
        line=entry.line,
        owners=owners,
        title=make_title(task, topic=ctx.topic(entry.block)),
        due=ctx.due(task)
        or (ctx.due(plain(entry.text)) if shared_due else None)
        or (ctx.due(due_text) if due_text else None),
        refs=tuple(ctx.refs(context_md, person, entry.block)),
        # An entry of many tasks quotes each task's own part of it, not the whole entry.
        source=squash(around(plain(entry.text), offset, offset + len(task))),
    )


def split_owner(
    text: str, ctx: Context, *, marked: bool = False
) -> tuple[tuple[str, ...] | None, str]:
    """Find the owner written around a task: "Kate: task", "task (Kate)", "task — Lena"."""
    parens = _OWNER_PARENS.search(text)
    if parens:
        return people_in(parens.group("who"), ctx.people) or (), _OWNER_PARENS.sub("", text)
    rest, _, speaker = strip_labels(text, ctx.people.in_owner_slot)
    if speaker is not None and rest is not text:
        return speaker, text[len(text) - len(rest) :]
    head, tail = text[:-TAIL], text[-TAIL:]  # an owner written last sits in the last words
    trailing = _TRAILING_OWNER.match(tail)
    if trailing:
        who = (
            trailing.group("paren") or trailing.group("dash") or trailing.group("colon") or ""
        ).strip()
        owners = _owner_words(who, ctx)
        if owners is not None:
            return owners, head + trailing.group("task")
    handles = _HANDLES.match(text)
    if handles:
        return people_in(handles.group("who"), ctx.people), handles.group("task")
    handles = _TRAILING_HANDLES.match(tail)
    if handles:
        return people_in(handles.group("who"), ctx.people), head + handles.group("task")
    short = _SHORT_OWNER.match(text)
    if (
        short
        and (marked or _people_only(short.group("who"), ctx))
        and short.group("verb") in TASK_VERBS
        and not _starts_with_verb(short.group("who"))  # "Initialize the slides to start …"
    ):
        return people_in(short.group("who"), ctx.people, loose=True), text[short.start("verb") :]
    return None, text


def _owner_words(who: str, ctx: Context) -> tuple[str, ...] | None:
    """ "Kate", "David and Bailey", "All" written after a task are its owners."""
    if _GROUP_CELL.match(who):
        return ()
    if not who or len(who.split()) > 6:
        return None
    return people_in(who, ctx.people.in_owner_slot) if _people_only(who, ctx) else None


def _people_only(who: str, ctx: Context) -> bool:
    found = subject_before(who, len(who), ctx.people.in_owner_slot)
    return found is not None and found.start == 0 and found.pronoun is None


def _split_tasks(text: str, ctx: Context) -> list[str]:
    """One entry can hold tasks for several people: "@a — x — Jan; @b — y"."""
    parts = re.split(r";\s+", text)
    tasks = [parts[0]]
    for part in parts[1:]:
        owners, _ = split_owner(part, ctx)
        if owners:
            tasks.append(part)
        else:
            tasks[-1] += "; " + part
    return tasks


def _is_commentary(task: str) -> bool:
    """ "Note this should …", "e.g. create …": remarks on an entry, not entries."""
    return bool(
        re.match(r"\W*(?:note|nb|n\.b\.|e\.g\.?|eg|i\.e\.?|ie|see|for example)\b", task, re.I)
    )


def _starts_with_verb(task: str) -> bool:
    first = re.match(r"\W*([A-Za-z][\w-]*)", task)
    return first is not None and first.group(1).lower() in TASK_VERBS


# --- tables -----------------------------------------------------------------------------------


def _table_row(block: Block, ctx: Context) -> Iterator[Candidate]:
    header = [plain(h).strip().lower() for h in block.header]
    owner_col = _column(header, _OWNER_COLUMN)
    if owner_col is None or owner_col >= len(block.cells):
        return
    task_col = _column(header, _TASK_COLUMN)
    if task_col is None:
        task_col = _first_text_column(header, owner_col)
    due_col = _column(header, _DUE_COLUMN)
    status_col = _column(header, _STATUS_COLUMN)
    cells = list(block.cells) + [""] * len(header)
    task, due_text = cells[task_col], cells[due_col] if due_col is not None else ""
    status = cells[status_col] if status_col is not None else ""
    if not plain(task) or is_struck(task) or _DONE.search(plain(due_text + " " + status)):
        return
    owner_cell = plain(cells[owner_col])
    owners: tuple[str, ...] = ()
    if not _NO_OWNER.match(owner_cell) and not _GROUP_CELL.match(owner_cell):
        owners = people_in(owner_cell, ctx.people, loose=True)
    yield Candidate(
        block=block,
        line=block.line,
        owners=owners,
        title=make_title(_strip_refs(task)),
        due=ctx.due(plain(due_text)) if due_text.strip() else None,
        refs=tuple(ctx.refs(block.text, owners[0] if len(owners) == 1 else None, block)),
        source=squash(plain(task)),
    )


def _column(header: list[str], pattern: re.Pattern[str]) -> int | None:
    return next((i for i, h in enumerate(header) if pattern.match(h)), None)


def _first_text_column(header: list[str], owner_col: int) -> int:
    for i, name in enumerate(header):
        if (
            i != owner_col
            and name not in ("#", "no", "no.", "id", "")
            and not _DUE_COLUMN.match(name)
        ):
            return i
    return 0


def _strip_refs(task: str) -> str:
    return re.sub(r"\s*\((?:#\d+|[\w./-]+#\d+)\)", "", task)
