"""Minutes are a series: a new meeting's entries that report done, or restate, an item an
earlier meeting of the same repository opened. Pure: no I/O.

Reading is conservative because a wrong closure costs more than a missed one. An entry
belongs to an earlier item only when it names every owner of that item (full name, first
name or login) and says most of the item's task in its own words (word stems, so "review"
and "reviewed" agree), and no other open item fits nearly as well. What the entry says of
it decides the rest:

- `checked`: a ticked checkbox (`- [x] Peter to resubmit the changes`);
- `marked`: written done (`DONE`, `— done`, `(done)`, `✅`, `[DONE] ACTION: …`);
- `prose`: a sentence reporting it ("Peter resubmitted the changes");
- `again`: the task restated, neither done nor withdrawn (carried over).

`close_reported` (`checked`, `any`, `never`) says which reports close an issue; the rest
get a comment. Each issue hears about a minutes file once: the bot's comment carries a
hidden note naming the file, and an issue with such a note is left alone, so `/reopen`
after a wrong closure is final for those minutes.
"""

from __future__ import annotations

import functools
import json
import re
import string
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from rapidfuzz import fuzz

from bot.minutes.document import BlockKind, parse_document
from bot.minutes.meta import file_date
from bot.minutes.model import ActionItem
from bot.minutes.text import plain, sentences
from bot.tracker.inert import inert_markdown
from bot.tracker.marker import ItemMarker

CHECKED, MARKED, PROSE, AGAIN = "checked", "marked", "prose", "again"
DONE_KINDS = (CHECKED, MARKED, PROSE)
# What `close_reported` may say: which reports of work done close the issue.
CLOSE_CHECKED, CLOSE_ANY, CLOSE_NEVER = "checked", "any", "never"
CLOSE_REPORTED = (CLOSE_CHECKED, CLOSE_ANY, CLOSE_NEVER)

# Share of an earlier item's task stems an entry must say, and how many at least.
TASK_COVERAGE = 0.6
MIN_SHARED_STEMS = 2
# Whole-text likeness (0-100) an entry must also reach: stems alone match word salad.
MIN_LIKENESS = 55
# The best item must beat the next one by this much coverage, or the entry is ambiguous.
CLEAR_LEAD = 0.15
VERB_WORDS = 3  # a title's verbs are among its first words
STEM = 5  # letters of a word that count: "documentation" and "document" agree
# An entry is quoted up to this many characters; the line link shows the rest.
MAX_QUOTE = 200

NOTE = "<!-- minutes-bot:followup {} -->"
STILL_OPEN = "Still open from earlier meetings ({count}), by owner:"
_NOTE = re.compile(r"<!-- minutes-bot:followup (\{[^>]*\}) -->")
_CHECKED = re.compile(r"^\s*\[[xX✓✔]\]\s*")
_CHECKBOX = re.compile(r"^\s*\[[ xX✓✔-]\]\s*")
_MARKED = re.compile(
    r"\bDONE\b|\[done\]|\(done\)|[—–:-]\s*done\b|\bdone\s*[.!]?\s*$|✅|✔️|\balready done\b",
    re.I,
)
_UPPER_DONE = re.compile(r"\bDONE\b")
# Words that report finished work in prose, whatever the task was.
_FINISHED_WORD = re.compile(
    r"\b(?:done|finished|completed|landed|merged|fixed|resolved|shipped|released|"
    r"delivered|taken care of)\b",
    re.I,
)
# Words that say the work is not finished, or not yet: then it is restated, not done.
_UNFINISHED = re.compile(
    r"\b(?:not|no|never|still|yet|pending|ongoing|in progress|working on|will|would|shall|"
    r"going to|plans? to|to be|needs?|should|must|blocked|waiting|postponed|deferred|"
    r"carried|carry|continues?|continuing|next|again|try|trying|tbd|wip)\b|n't\b",
    re.I,
)
_WITHDRAWN = re.compile(r"\b(?:dropped|cancell?ed|withdrawn|abandoned|obsolete|won't)\b", re.I)
_WORD = re.compile(r"[a-z0-9_]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "for",
        "on",
        "in",
        "at",
        "by",
        "with",
        "and",
        "or",
        "but",
        "from",
        "into",
        "onto",
        "about",
        "over",
        "under",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "will",
        "would",
        "should",
        "could",
        "can",
        "may",
        "might",
        "must",
        "shall",
        "he",
        "she",
        "they",
        "them",
        "his",
        "her",
        "their",
        "our",
        "we",
        "us",
        "you",
        "your",
        "i",
        "me",
        "my",
        "mine",
        "all",
        "any",
        "some",
        "each",
        "every",
        "other",
        "more",
        "most",
        "such",
        "as",
        "than",
        "then",
        "so",
        "not",
        "no",
        "yes",
        "also",
        "just",
        "only",
        "up",
        "out",
        "off",
        "again",
        "still",
        "yet",
        "next",
        "last",
        "new",
        "now",
        "please",
        "via",
        "per",
        "re",
        "vs",
        "etc",
        "ok",
        "who",
        "what",
        "when",
        "where",
        "which",
        "why",
        "how",
        "there",
        "here",
        "one",
        "two",
        "its",
        "it's",
        "done",
        "finished",
        "completed",
        "action",
        "item",
        "items",
        "todo",
        "follow",
        "followup",
    ]
)


@dataclass(frozen=True)
class EarlierItem:
    """An open item issue of an earlier meeting, as its marker and labels tell it.

    `title` is the title the minutes gave it; `owners` the names they wrote; `logins`
    its assignees now; `meeting` the day of the meeting that opened it.
    """

    number: int
    title: str
    owners: tuple[str, ...]
    logins: tuple[str, ...]
    file: str
    meeting: date | None = None
    due: date | None = None


@dataclass(frozen=True)
class Mention:
    """An entry of the new minutes: its line, its text as written, and how it is marked.

    `mark` is CHECKED, MARKED or None; whether an unmarked entry reports the work done
    depends on the task, so `report` decides it for each item.
    """

    line: int
    text: str
    mark: str | None = None


@dataclass(frozen=True)
class Followup:
    """An earlier item the new minutes speak of, and what merging them does to it."""

    item: EarlierItem
    mention: Mention
    close: bool
    kind: str  # CHECKED, MARKED, PROSE or AGAIN

    @property
    def done(self) -> bool:
        return self.kind in DONE_KINDS


def earlier_item(
    issue: Mapping[str, Any],
    marker: ItemMarker,
    meeting_prefix: str,
    names: Mapping[str, str] = {},
) -> EarlierItem | None:
    """Read an open item issue of the bot's as an earlier item; None when it is not open.

    The marker keeps an owner's login where one is known; `names` (login in lower case to
    name, from the config's `people`) gives the name the minutes write instead.
    """
    if issue.get("state") != "open":
        return None
    logins = tuple(a["login"] for a in issue.get("assignees") or () if a.get("login"))
    return EarlierItem(
        number=issue["number"],
        title=marker.title,
        owners=tuple(names.get(owner.lower()) or _as_name(owner) for owner in marker.owners),
        logins=logins,
        file=marker.file,
        meeting=_meeting_day(issue, marker, meeting_prefix),
        due=marker.current_due,
    )


def _as_name(owner: str) -> str:
    """A marker keeps a name without a login in lower case: "adam dunlap" is Adam Dunlap."""
    return string.capwords(owner) if owner.islower() and " " in owner else owner


def _meeting_day(issue: Mapping[str, Any], marker: ItemMarker, prefix: str) -> date | None:
    for label in issue.get("labels") or ():
        name = label.get("name", "") if isinstance(label, Mapping) else str(label)
        if name.startswith(prefix):
            try:
                return date.fromisoformat(name[len(prefix) :])
            except ValueError:
                break
    return file_date(marker.file)


def mentions(text: str, skip_lines: Iterable[int] = ()) -> list[Mention]:
    """Every entry of the minutes that may speak of earlier work: list items, table rows
    and the sentences of paragraphs. `skip_lines` are lines that are new items."""
    skipped = set(skip_lines)
    found: list[Mention] = []
    for block in parse_document(text).blocks:
        if block.kind is BlockKind.HEADING or block.line in skipped:
            continue
        if block.kind is BlockKind.PARAGRAPH:
            for span in sentences(block.text):
                line = block.line_at(span.start + len(span.text) - len(span.text.lstrip()))
                if line not in skipped:
                    found.append(_mention(line, span.text))
        else:
            raw = " | ".join(block.cells) if block.kind is BlockKind.TABLE_ROW else block.text
            found.append(_mention(block.line, raw.split("\n\n")[0]))
    return [m for m in found if m.text]


def _mention(line: int, raw: str) -> Mention:
    text = " ".join(plain(_CHECKBOX.sub("", raw)).split())
    if _CHECKED.match(raw):
        return Mention(line, text, CHECKED)
    if _UPPER_DONE.search(text) or (_MARKED.search(text) and not _UNFINISHED.search(text)):
        return Mention(line, text, MARKED)
    return Mention(line, text)


def report(mention: Mention, item: EarlierItem) -> str:
    """What the entry says of the item: marked done, reported done in prose, or restated.

    Prose reports the work done with a word of finishing ("landed", "merged") or the
    task's own verb in the past ("resubmitted" for "Resubmit …"), and nothing that says
    it is unfinished, planned or withdrawn ("still", "will", "to resubmit").
    """
    if mention.mark is not None:
        return mention.mark
    text = mention.text
    if _UNFINISHED.search(text) or _WITHDRAWN.search(text):
        return AGAIN
    # A title starts with its verbs: "Check and resubmit …", "Review …".
    verbs = [w for w in _words(item.title)[:VERB_WORDS] if w not in _STOP]
    if any(re.search(rf"\bto\s+{re.escape(verb)}\b", text, re.I) for verb in verbs):
        return AGAIN
    if _FINISHED_WORD.search(text):
        return PROSE
    past = any(_past_of(word, verb) for word in _words(text) for verb in verbs)
    return PROSE if past else AGAIN


def _past_of(word: str, verb: str) -> bool:
    """ "resubmitted" of "resubmit", "reviewed" of "review", "updated" of "update"."""
    if not word.endswith("ed") or len(verb) < 3:
        return False
    stem = verb[:-1] if verb.endswith("e") else verb
    return word.startswith(stem) and len(word) - len(verb) <= 4


def match(
    found: Sequence[Mention],
    items: Sequence[EarlierItem],
    close_reported: str,
    meeting: date | None = None,
) -> list[Followup]:
    """Pair entries with the earlier items they speak of; one follow-up per item.

    Only items of meetings before `meeting` count (`_before`). A
    report of work done wins over a restatement; the first of each kind wins.
    """
    earlier = [i for i in items if _before(i, meeting)]
    chosen: dict[int, Followup] = {}
    for mention in found:
        item = best_item(mention, earlier)
        if item is None:
            continue
        kind = report(mention, item)
        before = chosen.get(item.number)
        if before is None or (kind in DONE_KINDS and not before.done):
            chosen[item.number] = Followup(item, mention, closes(kind, close_reported), kind)
    return sorted(chosen.values(), key=lambda f: (f.mention.line, f.item.number))


def _before(item: EarlierItem, meeting: date | None) -> bool:
    """Whether the item is of an earlier meeting: with a day missing, which came first is
    not known, and nothing is matched."""
    return meeting is not None and item.meeting is not None and item.meeting < meeting


def closes(kind: str, close_reported: str) -> bool:
    """Tell whether a report of this kind closes the issue under `close_reported`."""
    if kind not in DONE_KINDS or close_reported == CLOSE_NEVER:
        return False
    return close_reported == CLOSE_ANY or kind in (CHECKED, MARKED)


def best_item(mention: Mention, items: Sequence[EarlierItem]) -> EarlierItem | None:
    """The one earlier item `mention` clearly speaks of, or None."""
    return _clear_best((task_score(mention, item), item) for item in items)


def _clear_best(scored: Iterable[tuple[float | None, EarlierItem]]) -> EarlierItem | None:
    """The best-scored item when no other comes close; None scores do not count."""
    ranked = sorted(((s, i) for s, i in scored if s is not None), key=lambda pair: -pair[0])
    if not ranked or (len(ranked) > 1 and ranked[0][0] - ranked[1][0] < CLEAR_LEAD):
        return None
    return ranked[0][1]


def task_score(mention: Mention, item: EarlierItem) -> float | None:
    """How much of the item's task the entry says, when it names its owners; else None."""
    names = _owner_words(item)
    # Most entries name none of the item's owners: a set lookup tells before any n-gram.
    present = _word_set(mention.text)
    if not names or not all(any(way[0] in present for way in ways) for ways in names):
        return None
    words = _words(mention.text)
    if not all(any(_names(words, way) for way in ways) for ways in names):
        return None
    own = {w for ways in names for way in ways for w in way}
    return _coverage(item.title, " ".join(w for w in words if w not in own), own)


def _coverage(title: str, said: str, own: frozenset[str] | set[str] = frozenset()) -> float | None:
    """The share of the title's task stems `said` says; None below what counts as the task."""
    task = _stems(title) - own
    shared = task & _stems(said)
    if not task or len(shared) < min(MIN_SHARED_STEMS, len(task)):
        return None
    if not _numbers(title) <= _numbers(said):
        return None  # "review PR 12" is not "review PR 13", nor "day 3" "day 4"
    coverage = len(shared) / len(task)
    if coverage < TASK_COVERAGE or fuzz.token_set_ratio(title.lower(), said.lower()) < MIN_LIKENESS:
        return None
    return coverage


def carried_over(
    items: Sequence[ActionItem], earlier: Sequence[EarlierItem], meeting: date | None = None
) -> dict[int, EarlierItem]:
    """Which of the new minutes' items (by index) restate an earlier meeting's item.

    The owners must be the same people (the same logins where both have them, else the
    same names) and the task said again; each earlier item takes one new item at most.
    """
    before = [e for e in earlier if _before(e, meeting)]
    found: dict[int, EarlierItem] = {}
    taken: set[int] = set()
    for index, item in enumerate(items):
        text = f"{item.title} {plain(item.source)}"
        best = _clear_best(
            (_coverage(e.title, text) if _same_owners(item, e) else None, e) for e in before
        )
        if best is not None and best.number not in taken:
            found[index] = best
            taken.add(best.number)
    return found


def _same_owners(item: ActionItem, earlier: EarlierItem) -> bool:
    if not item.owners or not earlier.owners:
        return False  # everyone's items are not matched: too easily alike
    if item.logins and earlier.logins and len(item.logins) == len(item.owners):
        return {x.lower() for x in item.logins} == {x.lower() for x in earlier.logins}
    return {_name(o) for o in item.owners} == {_name(o) for o in earlier.owners}


def _name(owner: str) -> str:
    return " ".join(_words(owner.lstrip("@")))


@functools.lru_cache(maxsize=4096)
def _word_set(text: str) -> frozenset[str]:
    return frozenset(_words(text))


@functools.lru_cache(maxsize=1024)
def _owner_words(item: EarlierItem) -> list[list[tuple[str, ...]]]:
    """For each owner, the ways the minutes may write them: full name, first name, login.

    An item with nobody named (everyone's) has no owners to match and is never matched.
    """
    ways: list[list[tuple[str, ...]]] = []
    for index, owner in enumerate(item.owners):
        words = tuple(_words(owner.lstrip("@")))
        if not words:
            continue
        options = [words]
        if len(words) > 1 and len(words[0]) >= 3:
            options.append(words[:1])
        if len(item.logins) == len(item.owners):
            options.append(tuple(_words(item.logins[index])))
        ways.append([o for o in options if o])
    return ways


def _names(words: list[str], name: tuple[str, ...]) -> bool:
    size = len(name)
    return any(tuple(words[i : i + size]) == name for i in range(len(words) - size + 1))


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _WORD.findall(folded.lower())


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


def _stems(text: str) -> set[str]:
    return {w[:STEM] for w in _words(text) if len(w) > 2 and w not in _STOP}


# -- what the bot says ------------------------------------------------------------------


def quote(mention: Mention) -> str:
    text = mention.text
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1].rstrip() + "…"


def note(path: str, kind: str) -> str:
    """The hidden note on the bot's comment that says which minutes it came from."""
    return NOTE.format(
        json.dumps({"file": path, "kind": kind}).replace("<", "\\u003c").replace(">", "\\u003e")
    )


def noted_files(bodies: Iterable[str]) -> set[str]:
    """The minutes files the bot's earlier follow-up comments on an issue name."""
    files: set[str] = set()
    for body in bodies:
        for found in _NOTE.findall(body or ""):
            try:
                data = json.loads(found)
            except ValueError:
                continue
            if isinstance(data, dict) and isinstance(data.get("file"), str):
                files.add(data["file"])
    return files


def not_yet_told(
    followups: Iterable[Followup], told: Mapping[int, set[str]], path: str
) -> list[Followup]:
    """Leave out the issues already told about the minutes at `path`: each hears once."""
    return [f for f in followups if path not in told.get(f.item.number, set())]


def comment_text(followup: Followup, path: str, meeting: date | None, link: str) -> str:
    """The comment on the earlier item's issue, ending with its hidden note."""
    when = f"the minutes of {meeting.isoformat()}" if meeting else f"the minutes in `{path}`"
    where = f"([line {followup.mention.line}]({link}))"
    said = "\n".join(
        f"> {inert_markdown(line)}".rstrip() for line in quote(followup.mention).splitlines()
    )
    if followup.close:
        lead = f"Reported done in {when} {where}:"
        tail = (
            "Closed as completed. If that is wrong, comment `/reopen`: the bot does not close "
            "it again for these minutes."
        )
    elif followup.done:
        lead = f"{when[0].upper()}{when[1:]} report this done {where}:"
        tail = "If it is finished, comment `/done` to close it."
    else:
        lead = f"Mentioned again in {when} {where}:"
        tail = ""
    parts = [lead, said, *([tail] if tail else []), note(path, followup.kind)]
    return "\n\n".join(parts)


def preview_lines(followups: Sequence[Followup], link: Any) -> Iterator[str]:
    """The preview's account of the follow-ups, `link(line)` giving each line's address."""
    closing = [f for f in followups if f.close]
    told = [f for f in followups if f.done and not f.close]
    again = [f for f in followups if not f.done]
    if closing:
        yield f"Closes {len(closing)} issue(s) of earlier meetings as completed, reported done:"
        yield "\n".join(_preview_row(f, link) for f in closing)
    if told:
        yield (
            f"Reported done, {len(told)} issue(s) of earlier meetings get a comment; "
            "`/done` closes them (`close_reported` closes only on explicit marks):"
        )
        yield "\n".join(_preview_row(f, link) for f in told)
    if again:
        yield f"Carried over: {len(again)} item(s) of earlier meetings, mentioned again:"
        yield "\n".join(_preview_row(f, link) for f in again)


def _preview_row(followup: Followup, link: Any) -> str:
    said = " ".join(inert_markdown(quote(followup.mention)).split())
    line = followup.mention.line
    return f'- `#{followup.item.number}` {inert_markdown(followup.item.title)}: [line {line}]({link(line)}) "{said}"'


# -- what is still open ---------------------------------------------------------------------


def still_open(
    items: Iterable[EarlierItem], meeting: date | None, leaving: Iterable[int] = ()
) -> tuple[EarlierItem, ...]:
    """The earlier meetings' items still open, less those the new minutes close now."""
    gone = set(leaving)
    return tuple(i for i in items if _before(i, meeting) and i.number not in gone)


def by_owner(items: Iterable[EarlierItem]) -> list[tuple[str, list[EarlierItem]]]:
    """Group items by their owners as written, in name order; each group by due date
    (undated last), then by issue number."""
    groups: dict[str, list[EarlierItem]] = {}
    for item in items:
        groups.setdefault(", ".join(item.owners) or "everyone", []).append(item)
    order = lambda i: (i.due is None, i.due or date.max, i.number)  # noqa: E731
    return [(owner, sorted(found, key=order)) for owner, found in sorted(groups.items())]


def still_open_text(items: Sequence[EarlierItem], *, inert: bool) -> str:
    """The "still open" list; `inert` writes issue numbers as code, linking nothing (the
    preview), else as references GitHub shows with their state (the meeting issue)."""
    if not items:
        return ""
    lines = [STILL_OPEN.format(count=len(items)), ""]
    for owner, found in by_owner(items):
        lines.append(f"- {inert_markdown(owner)}")
        for item in found:
            number = f"`#{item.number}`" if inert else f"#{item.number}"
            said = [f"due {item.due.isoformat()}"] if item.due else []
            said += [f"from {item.meeting.isoformat()}"] if item.meeting else []
            details = f" ({', '.join(said)})" if said else ""
            lines.append(f"  - {number} {inert_markdown(item.title)}{details}")
    return "\n".join(lines)
