"""Read Markdown minutes and return their action items. Pure: no I/O."""

from __future__ import annotations

import bisect
import re
from dataclasses import replace
from datetime import date

from bot.minutes.candidates import Candidate, Context, LazyEvents
from bot.minutes.document import parse_document
from bot.minutes.explicit import explicit_items
from bot.minutes.lexicon import NOT_VERBS
from bot.minutes.meta import plain_lines, read_meeting_info
from bot.minutes.model import ActionItem, Minutes, Person
from bot.minutes.names import HANDLE, People
from bot.minutes.narrative import narrative_items
from bot.minutes.people import Roster
from bot.minutes.refs import branches_in_file, pr_numbers_in_file, repos_in_file
from bot.minutes.text import plain

NOBODY = Roster()
# Two candidates for the same people whose titles agree this much (0-100) are one task.
SAME_TASK = 65
# A request and its acceptance ("Cláudio said he would ...") sit within this many lines.
ACCEPTANCE_LINES = 3
# Titles that open with other verbs name one task only when this alike.
OTHER_VERB_SAME_TASK = 85
# Below SAME_TASK, titles this alike still name one task when the entry follows the prose.
RELATED_TASK = 50
# Offers ("I can look at it") that an action line just after turns into a task.
WEAK_KINDS = frozenset({"can", "offer"})
# A title restated inside a longer one must say this much of its own.
MIN_RESTATED_WORDS = 3
# How many action entries of the same owner, each side, a prose item is compared with.
NEAREST = 25


def extract_minutes(
    text: str,
    *,
    path: str = "",
    people: Roster = NOBODY,
    meeting_date: date | None = None,
    holidays: tuple[int, int] = (12, 24),
) -> Minutes:
    """Find every action item in `text`, a minutes file in Markdown.

    `meeting_date` overrides the date the minutes state; `holidays` is the (month, day)
    that "before the holidays" means.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    doc = parse_document(text)
    plain_text = plain_lines(text)
    info = read_meeting_info(doc, path, text, meeting_date)
    roster = people.merged(Person(a.name, a.login) for a in info.attendees)
    announced = [n for a in info.attendees for n in (a.name, a.login or "")]
    known = People.build(roster, announced, plain_text)
    ctx = Context(
        doc=doc,
        people=known,
        meeting=info.meeting_date,
        next_meeting=info.next_meeting,
        events=LazyEvents(plain(text), info.meeting_date),
        pr_numbers=pr_numbers_in_file(text),
        branches=branches_in_file(text),
        repos=repos_in_file(text),
        holidays=holidays,
    )
    narrative = _merge_acceptances(list(narrative_items(ctx)))
    explicit = _without_repeats(list(explicit_items(ctx)), known)
    candidates = explicit + _without_restatements(narrative, explicit, known)
    candidates.sort(key=lambda c: c.line)
    handles = frozenset(h.lstrip("@") for h in re.findall(HANDLE, text))
    items = tuple(_item(c, roster, handles) for c in candidates if c.title)
    return Minutes(path, info.title, info.meeting_date, info.next_meeting, info.attendees, items)


def _merge_acceptances(found: list[Candidate]) -> list[Candidate]:
    """A review request and the reviewer's "on my list before X" reply are one item."""
    merged: list[Candidate] = []
    for candidate in found:
        request = merged[-1] if merged else None
        if (
            request is not None
            and request.kind == "review_request"
            and candidate.kind in ("on_list", "said_would", "will", "agreed_to")
            and set(candidate.owners) <= set(request.owners)
            and candidate.line - request.line <= ACCEPTANCE_LINES
        ):
            merged[-1] = replace(request, due=request.due or candidate.due)
            continue
        merged.append(candidate)
    return merged


def _without_restatements(
    narrative: list[Candidate], explicit: list[Candidate], known: People
) -> list[Candidate]:
    """Prose that only repeats a task an action list or table states is not a second item."""
    by_owner: dict[str, list[Candidate]] = {}
    for entry in explicit:
        for key in _identities(entry, known):
            by_owner.setdefault(key, []).append(entry)
    lines = {key: [e.line for e in entries] for key, entries in by_owner.items()}
    return [
        c
        for c in narrative
        if not any(
            _restates(c, entry)
            for key in _identities(c, known)
            for entry in _nearest(by_owner.get(key, []), lines.get(key, []), c)
        )
    ]


def _without_repeats(entries: list[Candidate], known: People) -> list[Candidate]:
    """An action entry that a later entry of the same owners repeats is one item, the later
    one: the "Action:" line of a discussion restated in the closing action list, a scribe
    bot's summary of the ACTION lines above it. What the earlier one alone said is kept."""
    kept: list[Candidate] = []
    later: dict[frozenset[str], list[int]] = {}  # where in `kept` each owner's entries are
    for entry in reversed(entries):
        same_owners = later.setdefault(frozenset(_identities(entry, known)), [])
        at = next((n for n in same_owners[-NEAREST:] if _repeats(entry, kept[n])), None)
        if at is None:
            same_owners.append(len(kept))
            kept.append(entry)
            continue
        repeated = kept[at]
        kept[at] = replace(
            repeated,
            due=repeated.due or entry.due,
            refs=repeated.refs + tuple(r for r in entry.refs if r not in repeated.refs),
        )
    return kept[::-1]


def _repeats(entry: Candidate, later: Candidate) -> bool:
    """Whether `later` restates `entry`: elsewhere in the file (a list of three "form the …
    subcommittee" actions states three tasks), the same task, and nothing the other lacks."""
    if entry.block.section == later.block.section:
        return False
    numbered = {r for r in entry.refs if r.kind.value in ("pr", "issue")}
    numbered_later = {r for r in later.refs if r.kind.value in ("pr", "issue")}
    if numbered and numbered_later and not numbered & numbered_later:
        return False  # "review the PR" twice, about two PRs
    if _likeness(entry.title, later.title) < SAME_TASK:
        return False
    first, second = sorted((_stems(entry.title), _stems(later.title)), key=len)
    # "Comment to the above" says too little to be "Leave a comment summarizing the above".
    return first == second or (len(first) >= MIN_RESTATED_WORDS and first <= second)


def _stems(title: str) -> set[str]:
    """A title's words that say what, cut to five letters ("document", "documentation")."""
    words = re.findall(r"[a-z0-9_]+", title.lower())
    return {w[:5] for w in words if len(w) > 2 and w not in NOT_VERBS}


def _identities(candidate: Candidate, known: People) -> set[str]:
    return {known.identity(o) for o in candidate.owners} or {""}


def _nearest(entries: list[Candidate], lines: list[int], candidate: Candidate) -> list[Candidate]:
    """The entries closest to the candidate in the file: comparing with all would grow with
    the square of the file, and a restatement sits near what it restates or in the list."""
    at = bisect.bisect_left(lines, candidate.line)
    return entries[max(0, at - NEAREST) : at + NEAREST]


def _restates(candidate: Candidate, entry: Candidate) -> bool:
    likeness = _likeness(candidate.title, entry.title)
    if _first_word(candidate) != _first_word(entry):
        # "Cut the 2.0 branch" and "Backport the fix to the 2.0 branch" share their words,
        # not their task; "I can look at it" turns into the action line just after it.
        if likeness >= OTHER_VERB_SAME_TASK:
            return True
    elif likeness >= SAME_TASK or (likeness >= SAME_TASK - 20 and _share_number(candidate, entry)):
        return True
    follows = 0 < entry.line - candidate.line <= ACCEPTANCE_LINES * 4
    same_topic = entry.block.section == candidate.block.section
    related = likeness >= RELATED_TASK and _first_word(candidate) == _first_word(entry)
    return follows and same_topic and (candidate.kind in WEAK_KINDS or related)


def _first_word(candidate: Candidate) -> str:
    """The verb a title opens with: "cut the branch" is not restated by "backport to it"."""
    return candidate.title.split(maxsplit=1)[0].lower() if candidate.title else ""


def _share_number(a: Candidate, b: Candidate) -> bool:
    numbered = {r for r in a.refs if r.kind.value in ("pr", "issue", "url")}
    return bool(numbered & set(b.refs))


def _likeness(a: str, b: str) -> float:
    """Title similarity that a short title contained in a long one cannot fake."""
    # Loaded only when two items of the same owners are compared: most minutes never
    # compare titles, and importing it costs each
    # `minutes-bot extract` process about 7 ms of processor time.
    from rapidfuzz import fuzz

    a, b = a.lower(), b.lower()
    ordered = fuzz.token_sort_ratio(a, b)
    if min(len(a.split()), len(b.split())) <= 2 and ordered < 60:
        return ordered  # two words found inside a long title say little
    return (fuzz.token_set_ratio(a, b) + ordered) / 2


def _item(candidate: Candidate, roster: Roster, handles: frozenset[str]) -> ActionItem:
    logins = tuple(login for o in candidate.owners if (login := _login(o, roster, handles)))
    return ActionItem(
        line=candidate.line,
        owners=candidate.owners,
        logins=logins,
        title=candidate.title,
        due=candidate.due,
        refs=candidate.refs,
        source=candidate.source,
    )


def _login(owner: str, roster: Roster, handles: frozenset[str]) -> str | None:
    if "/" in owner:
        return None  # a team such as org/reviewers is not a person that can be assigned
    return roster.login_for(owner) or (owner if owner in handles else None)
