"""Resolve the due dates written in meeting minutes against the meeting date.

The rules, for an action item's sentence and a meeting date M:

- an explicit date (`2025-03-01`, `15 Jan`, `January 8th`) is that date; without a year, the
  first one on or after M;
- `today`, `EOD` is M; `tomorrow` is M + 1;
- a weekday (`by Friday`, `next Wednesday`) is the first such weekday after M;
- `this week`, `end of week`, `EOW` is the Friday of M's week; `next week` the Friday after;
- `in two weeks`, `within a week`, `in 3 days`, `within the one-week deadline` count from M;
- `in January`, `by January`, `end of January`, `before the end of January` is the last day of
  the next January (M's month counts); `early`/`mid`/`late January` is the 10th/15th/last day,
  `start of January` the 1st and `before January` the day before it;
- `end of the month` is the last day of M's month; `next month` the last day of the next one;
- `Q1`..`Q4` is the quarter's last day, this year unless that quarter has ended;
- `by the 15th` is the next 15th on or after M;
- `before the holidays`, `before Christmas` is 24 December;
- `before the next call` is the next meeting date stated in the minutes, else nothing;
- `before the freeze`, `on her first day back` is the date of that event stated in the minutes;
- `ASAP`, `after X`, `once X` and anything else give nothing.

Without a meeting date only explicit dates with a year resolve. When a sentence holds several
phrases, one introduced by `by`, `before`, `until` or a dash wins, then the earliest date: an
item due "next week, the rest in two weeks" is due when its first part is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.minutes.patterns import compile_lazily

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # in a year that is not leap
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "couple of": 2, "a couple of": 2,
}  # fmt: skip

# "May" must be capitalised: the modal verb is far more common in minutes than the month.
MONTH = (
    r"(?:(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)|May)\b\.?"
)
WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_WEEKDAY_PREFIX = r"(?:(?i:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\b\.?|" + WEEKDAY + r")"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?!\d)"
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?"
_WEEKDAY_LEAD = r"(?:(?i:" + _WEEKDAY_PREFIX + r"),?\s+)?"

NAMED_DATES = (
    compile_lazily(_WEEKDAY_LEAD + r"\b" + _DAY + r"\s+(?:of\s+)?(?P<mname>" + MONTH + r")" + _YEAR),
    compile_lazily(_WEEKDAY_LEAD + r"\b(?P<mname>" + MONTH + r")\s+" + _DAY + _YEAR),
)
EXPLICIT_DATES = (
    # "2025-04-02", "2025.02.04", and the date part of "2025-04-02T14:00:00Z"
    compile_lazily(r"\b(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})(?!\d)"),
    *NAMED_DATES,
    # Only with a year: "31.12.2024". A bare "1/8" is month-first or day-first by country.
    compile_lazily(r"\b(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})\b"),
)

STRONG_MARKER = compile_lazily(
    r"(?:\b(?:by|before|until|till|due|no later than|not later than|ahead of|prior to|deadline"
    r"|EOD|COB|end of (?:the )?day)"
    r"|[—–:(|]|\s-)\s*$",
    re.IGNORECASE,
)
MEETING_WORDS = (
    r"(?:meeting|call|sync|check-?in|triage|retro(?:spective)?|stand-?up|session|catch-?up"
    r"|review|planning|huddle|weekly|get-?together|one-on-one)s?"
)
# "before the next call" asks for something; it does not say when that call is.
REFERENCE_TO_MEETING = compile_lazily(
    r"(?:^|\s)(?:before|by|until|till|at|for|in|after|during|chair|host|run|lead)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
NEXT_MEETING_LABEL = compile_lazily(r"\bnext[\s_-]+" + MEETING_WORDS + r"\b", re.IGNORECASE)


@dataclass(frozen=True)
class Context:
    """What a due phrase may refer to besides the meeting date."""

    meeting: date | None
    next_meeting: date | None
    events: Mapping[str, date]
    sentence: str
    holidays: tuple[int, int] = (12, 24)


@dataclass(frozen=True)
class Candidate:
    """A date phrase found in a sentence and the date it stands for, if any."""

    strength: int
    due: date | None

    @property
    def rank(self) -> tuple[int, bool, int]:
        """Order candidates: strongest introduction, then a known date, then the earliest."""
        return self.strength, self.due is not None, -self.due.toordinal() if self.due else 0


Resolver = Callable[[re.Match[str], Context], date | None]


_AFTER_CLAUSE = compile_lazily(
    r"(?<!day )\b(?:after|once)\b[^,;.]{0,80}?(?=\s+(?:by|before|until|no\s+later\s+than)\b|[,;.]|$)",
    re.I,
)


def find_due(
    text: str,
    meeting: date | None,
    *,
    next_meeting: date | None = None,
    events: Mapping[str, date] = {},
    holidays: tuple[int, int] = (12, 24),
) -> date | None:
    """Return the deadline stated in an action item's sentence, resolved against the meeting date.

    `holidays` is the (month, day) that "before the holidays" means.
    """
    # "follow up after the chat today": what comes after "after" or "once" is when the task
    # may start, not its deadline.
    text = _AFTER_CLAUSE.sub(" ", text)
    context = Context(meeting, next_meeting, events, text, holidays)
    candidates = list(_candidates(text, context))
    if not candidates:
        return None
    return max(candidates, key=lambda c: c.rank).due


def parse_when(phrase: str, today: date) -> date | None:
    """Resolve a date phrase typed by a person (e.g. `/due next friday`) relative to today."""
    due = find_due(phrase, today)
    if due is not None:
        return due
    # dateparser reads a lone "3" or "2025" as a date; a person typing that means something else.
    if not re.search(r"[^\W\d_]|\d[-/.]\d", phrase):
        return None
    return _dateparser(phrase, today)


def parse_date(text: str) -> date | None:
    """Read an absolute date written in a title, front matter or heading.

    Only dates written in full count: with their year, so that "Sprint 42" or "May 13"
    in a title is no meeting date.
    """
    for _, _, day in sorted(_explicit_dates(text, None)):
        if day is not None:
            return day
    return None


def find_next_meeting(text: str, meeting: date | None) -> date | None:
    """Return the next meeting's date when the minutes state it."""
    for match in NEXT_MEETING_LABEL.finditer(text):
        if REFERENCE_TO_MEETING.search(text[max(0, match.start() - 20) : match.start()]):
            continue
        when = _first_date(_statement_after(text, match.end()), meeting)
        if when is not None and (meeting is None or when > meeting):
            return when
    return None


def find_events(text: str, meeting: date | None) -> dict[str, date]:
    """Find named events with stated dates so that "before the freeze" can resolve.

    Keys are the last words before each date ("0.9 feature freeze", "final"); an absence
    gives "<name> leave" (its first day) and "<name> return" (the last date stated).
    """
    events: dict[str, date] = {}
    for sentence in _sentences(_plain(text)):
        # An absence's generic key ("out from") would hide whether a date starts or ends it.
        found = list(_absences(sentence, meeting)) or list(_dated_phrases(sentence, meeting))
        for name, when in found:
            if meeting is None or when > meeting:
                events.setdefault(name.lower(), when)
    return events


# --- finding candidate phrases in a sentence ------------------------------------------------


def _candidates(text: str, context: Context) -> Iterator[Candidate]:
    unclaimed = text
    for start, end, day in _explicit_dates(text, context.meeting):
        unclaimed = _blank(unclaimed, start, end)
        past = _is_past(text[start:end], day, context.meeting)
        if _NOT_A_DEADLINE.search(text, max(0, start - 20), start):
            continue
        if not (past and _is_attributive(text, start, end)):
            yield Candidate(0 if past else _strength(text, start), day)
    if context.meeting is None:
        return
    if _DATE_WORDS.search(text) is None:
        yield from _event_candidates(unclaimed, context)
        return  # no rule below can match: a cheap look spares twenty patterns
    for pattern, resolve in RULES:
        for match in pattern.finditer(text):
            # A rule reads the original text, so "EOD 20 Dec" sees its date, but skips words
            # an explicit date already took ("Friday" in "Friday, 20 December").
            if unclaimed[match.start() : match.end()] == match.group(0):
                unclaimed = _blank(unclaimed, match.start(), match.end())
                if not _NOT_A_DEADLINE.search(text, max(0, match.start() - 20), match.start()):
                    yield Candidate(_strength(text, match.start()), resolve(match, context))
    yield from _event_candidates(unclaimed, context)


_DIGIT = compile_lazily(r"\d")
# "starting next week", "every Friday", "from 1 March": when something begins or recurs,
# not when it is due.
_NOT_A_DEADLINE = compile_lazily(
    r"\b(?:starting|start|starts|from|since|beginning|begins|every|each|effective|as of)"
    r"(?:\s+(?:on|in|at))?\s+$",
    re.I,
)
# Every phrase RULES resolve holds one of these.
_DATE_WORDS = compile_lazily(
    r"\d|\b(?:today|tonight|tomorrow|eod|cob|eow|eom|eoy|end|close|days?|weeks?|weekend|months?|"
    r"quarter|years?|holidays?|christmas|xmas|break|next|(?:mon|tues|wednes|thurs|fri|satur|sun)day|"
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|"
    r"july|august|september|october|november|december)\b",
    re.I,
)


def _explicit_dates(text: str, meeting: date | None) -> Iterator[tuple[int, int, date | None]]:
    if not _DIGIT.search(text):
        return  # every written-out date has a day or a year in figures
    taken: list[range] = []
    for pattern in EXPLICIT_DATES:
        for match in pattern.finditer(text):
            if any(match.start() in span for span in taken):
                continue
            taken.append(range(match.start(), match.end()))
            yield match.start(), match.end(), _date_from_parts(match, meeting)


def _date_from_parts(match: re.Match[str], meeting: date | None) -> date | None:
    parts = match.groupdict()
    month = int(parts["month"]) if parts.get("month") else _month_number(parts["mname"])
    day = int(parts["day"])
    if parts.get("year"):
        return _safe_date(int(parts["year"]), month, day)
    if meeting is None:
        return None
    return _on_or_after(meeting, month, day)


def _blank(text: str, start: int, end: int) -> str:
    """Hide a phrase already read while keeping the positions of the others."""
    return text[:start] + " " * (end - start) + text[end:]


def _is_past(written: str, day: date | None, meeting: date | None) -> bool:
    if meeting is None:
        return False
    if day is not None and day < meeting:
        return True
    nearest = _nearest(meeting, written)
    return nearest is not None and nearest < meeting


def _is_attributive(text: str, start: int, end: int) -> bool:
    # "the 6 Feb backfill outage" names a past event; "the 2025-01-15 meeting" may be a deadline.
    return bool(re.search(r"\bthe\s+$", text[:start])) and bool(re.match(r"\s+[a-z]", text[end:]))


def _strength(text: str, start: int) -> int:
    """Rank a phrase by its introduction: "by Friday" over "in October" over a past date."""
    return 2 if STRONG_MARKER.search(text[max(0, start - 20) : start]) else 1


# --- resolving relative phrases ---------------------------------------------------------------


def _group(match: re.Match[str], name: str) -> str:
    return match.groupdict().get(name) or ""


def _meeting(context: Context) -> date:
    assert context.meeting is not None  # rules only run with a meeting date
    return context.meeting


def _today(match: re.Match[str], context: Context) -> date | None:
    return _meeting(context)


def _tomorrow(match: re.Match[str], context: Context) -> date | None:
    return _meeting(context) + timedelta(days=2 if _group(match, "after") else 1)


def _weekday(match: re.Match[str], context: Context) -> date | None:
    target = WEEKDAYS.index(_group(match, "weekday").lower())
    meeting = _meeting(context)
    if _group(match, "next_week"):
        return _friday(meeting, weeks=1) + timedelta(days=target - 4)
    return meeting + timedelta(days=(target - meeting.weekday() - 1) % 7 + 1)


def _this_week(match: re.Match[str], context: Context) -> date | None:
    return _friday(_meeting(context), weeks=0)


def _next_week(match: re.Match[str], context: Context) -> date | None:
    return _friday(_meeting(context), weeks=1)


def _in_span(match: re.Match[str], context: Context) -> date | None:
    count = _count(_group(match, "count"))
    unit = _group(match, "unit").lower()
    meeting = _meeting(context)
    if unit == "month":
        return _add_months(meeting, count)
    if _group(match, "working"):
        return _add_working_days(meeting, count)
    return meeting + timedelta(days={"hour": count // 24, "week": 7 * count}.get(unit, count))


def _named_month(match: re.Match[str], context: Context) -> date | None:
    meeting = _meeting(context)
    month = _month_number(_group(match, "mname"))
    year = int(_group(match, "year")) if _group(match, "year") else _year_of_next(meeting, month)
    before = re.search(r"\bbefore\s$", match.string[: match.start()], re.IGNORECASE)
    part = (
        _group(match, "part") or _group(match, "marker") or ("before" if before else "end")
    ).lower()
    if part in ("start", "beginning"):
        return date(year, month, 1)
    if part == "before":
        return date(year, month, 1) - timedelta(days=1)
    return date(
        year, month, {"early": 10, "mid": 15, "middle": 15}.get(part, _last_day(year, month))
    )


def _end_of_month(match: re.Match[str], context: Context) -> date | None:
    meeting = _meeting(context)
    first = _add_months(meeting.replace(day=1), 1 if _group(match, "next") else 0)
    return first.replace(day=_last_day(first.year, first.month))


def _quarter(match: re.Match[str], context: Context) -> date | None:
    meeting = _meeting(context)
    quarter = int(_group(match, "q"))
    year = int(_group(match, "year")) if _group(match, "year") else meeting.year
    end = date(year, quarter * 3, _last_day(year, quarter * 3))
    return end if _group(match, "year") or end >= meeting else end.replace(year=year + 1)


def _relative_quarter(match: re.Match[str], context: Context) -> date | None:
    meeting = _meeting(context)
    quarter_end_month = ((meeting.month - 1) // 3 + 1) * 3
    first = _add_months(date(meeting.year, quarter_end_month, 1), 3 if _group(match, "next") else 0)
    return first.replace(day=_last_day(first.year, first.month))


def _end_of_year(match: re.Match[str], context: Context) -> date | None:
    return date(_meeting(context).year + (1 if _group(match, "next") else 0), 12, 31)


def _holidays(match: re.Match[str], context: Context) -> date | None:
    meeting = _meeting(context)
    eve = _safe_date(meeting.year, *context.holidays) or date(meeting.year, 12, 24)
    return eve if eve >= meeting else eve.replace(year=meeting.year + 1)


def _next_meeting(match: re.Match[str], context: Context) -> date | None:
    return context.next_meeting


def _day_of_month(match: re.Match[str], context: Context) -> date | None:
    meeting = _meeting(context)
    day = int(_group(match, "day"))
    for offset in range(3):
        first = _add_months(meeting.replace(day=1), offset)
        candidate = _safe_date(first.year, first.month, day)
        if candidate is not None and candidate >= meeting:
            return candidate
    return None


_NUMBER = (
    r"(?P<count>\d+|a couple of|couple of|a|an|one|two|three|four|five|six|seven|eight|nine|ten)"
)
_OPTIONAL_YEAR = r"(?:\s+(?P<year>(?:19|20)\d\d))?\b"
_DEADLINE = r"(?:before|by|until|till|ahead of|prior to|in time for)"
RULES: tuple[tuple[re.Pattern[str], Resolver], ...] = tuple(
    (compile_lazily(pattern, flags), resolve)
    for pattern, flags, resolve in (
        (
            r"\b(?:today|tonight|EOD|COB|end of (?:the )?day|close of business)\b"
            # "EOD Friday" is due on Friday.
            r"(?!\s+(?:on\s+)?(?:" + WEEKDAY + r"|tomorrow|\d|" + MONTH + r"))",
            re.IGNORECASE,
            _today,
        ),
        (r"\b(?P<after>(?:the )?day after )?tomorrow\b", re.IGNORECASE, _tomorrow),
        (
            r"\b(?i:(?:next|this|coming)\s+)?(?P<weekday>(?i:" + WEEKDAY + r"))\b"
            r"(?P<next_week>\s+(?i:of\s+)?next\s+week)?",
            0,
            _weekday,
        ),
        (
            r"\b(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?:work\s*)?week|EOW|this\s+week)\b",
            re.IGNORECASE,
            _this_week,
        ),
        (r"\b(?:(?:the\s+)?end\s+of\s+)?next\s+week\b", re.IGNORECASE, _next_week),
        (
            r"\b(?:in|within)\s+(?:the\s+next\s+)?"
            + _NUMBER
            + r"\s+(?P<working>working\s+|business\s+)?"
            r"(?P<unit>hour|day|week|month)s?\b",
            re.IGNORECASE,
            _in_span,
        ),
        (
            # "within the one-week deadline", "within a two-week window"
            r"\bwithin\s+(?:the|a)\s+" + _NUMBER + r"[\s-]+(?P<working>working\s+|business\s+)?"
            r"(?P<unit>day|week|month)\s+(?:deadline|period|window|time\s*frame)\b",
            re.IGNORECASE,
            _in_span,
        ),
        (
            r"\b" + _NUMBER + r"\s+(?P<working>working\s+|business\s+)?(?P<unit>day|week|month)s?"
            r"\s+from\s+(?:now|today)\b",
            re.IGNORECASE,
            _in_span,
        ),
        (
            r"(?:\b(?P<part>end|start|beginning|middle)\s+of\s+|\b(?P<marker>early|mid|late)[\s-]+"
            r"|(?:(?<=\bin\s)|(?<=\bby\s)|(?<=\bfor\s)|(?<=\bduring\s)|(?<=\buntil\s)|(?<=\btill\s)"
            r"|(?<=\bbefore\s)|(?<=[—–:|]\s)|(?<=\s-\s)))"
            r"(?P<mname>" + MONTH + r")(?:\s+(?P<year>(?:19|20)\d\d))?(?![\w-])",
            0,
            _named_month,
        ),
        (
            r"^\s*(?P<mname>" + MONTH + r")(?:\s+(?P<year>(?:19|20)\d\d))?\s*\.?\s*$",
            0,
            _named_month,
        ),
        (
            r"\b(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month|EOM|month[\s-]end|this\s+month)\b",
            re.IGNORECASE,
            _end_of_month,
        ),
        (r"\b(?:(?:the\s+)?end\s+of\s+)?(?P<next>next)\s+month\b", re.IGNORECASE, _end_of_month),
        (
            # "the Q1 roadmap" names a plan, not a deadline.
            r"\b(?<!the\s)(?<!our\s)(?:(?:the\s+)?end\s+of\s+)?Q(?P<q>[1-4])" + _OPTIONAL_YEAR,
            re.IGNORECASE,
            _quarter,
        ),
        (
            r"\b(?:(?:the\s+)?end\s+of\s+)?(?:this|the|(?P<next>next))\s+quarter\b",
            re.IGNORECASE,
            _relative_quarter,
        ),
        (
            r"\b(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?year|EOY|(?P<next>next\s+year))\b",
            re.IGNORECASE,
            _end_of_year,
        ),
        (
            r"\b" + _DEADLINE + r"\s+(?:the\s+)?(?:holidays|holiday\s+break|christmas|xmas"
            r"|winter\s+break|end-of-year\s+break)\b",
            re.IGNORECASE,
            _holidays,
        ),
        (
            r"\b(?:"
            + _DEADLINE[3:-1]
            + r"|at|for|in)\s+(?:the\s+)?next\s+"
            + MEETING_WORDS
            + r"\b",
            re.IGNORECASE,
            _next_meeting,
        ),
        (
            r"\b(?:by|before|on|until|till)\s+the\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)\b",
            re.IGNORECASE,
            _day_of_month,
        ),
    )
)


# --- named events -----------------------------------------------------------------------------

EVENT_PHRASE = compile_lazily(
    r"\b(?:before|by|until|till|ahead of|prior to|in time for|on|at)\s+"
    r"(?=(?P<phrase>(?:[\w.'’-]+\s*){1,6}))",
    re.IGNORECASE,
)
# fmt: off
STOPWORDS = frozenset({
    "a", "an", "the", "of", "for", "to", "on", "at", "in", "by", "is", "are", "be", "was", "were",
    "will", "set", "stays", "stay", "scheduled", "planned", "and", "or", "with", "from", "that",
    "this", "it", "its", "her", "his", "their", "our", "my", "we", "i", "you", "he", "she", "they",
    "as", "until", "till", "date", "day", "week", "month", "time", "next", "before", "after",
    "first", "last", "same",
})
# fmt: on
NEGATION = frozenset({"no", "not", "cancelled", "canceled", "skipped"})
PHRASE_END = compile_lazily(
    r"\b(?:and|or|so|if|because|which|but|then|before|by|until|on|at|in|for|to|after|once|when)\b",
    re.IGNORECASE,
)
SYNONYMS = {"back": "return", "returns": "return", "starts": "start", "ends": "end"}


def _event_candidates(text: str, context: Context) -> Iterator[Candidate]:
    for match in EVENT_PHRASE.finditer(text):
        phrase = PHRASE_END.split(_group(match, "phrase"))[0]
        if match.group(0)[:2].lower() in ("on", "at") and not _names_event_at_once(
            phrase, context.events
        ):
            continue  # "at the summit" names an event; "work on getting a CFP out" does not
        when = _match_event(_tokens(phrase), _tokens(context.sentence), context.events)
        if when is not None:
            yield Candidate(_strength(text, match.start() + 1), when)


def _names_event_at_once(phrase: str, events: Mapping[str, date]) -> bool:
    """Whether the first word of `phrase` that says anything is a word of an event's name."""
    first = next((words for word in phrase.split() if (words := _tokens(word))), set())
    return bool(first) and _match_event(first, set(), events) is not None


def _match_event(phrase: set[str], sentence: set[str], events: Mapping[str, date]) -> date | None:
    best: tuple[float, date] | None = None
    for name, when in _sharing(events, phrase):
        key = _tokens(name)
        shared = phrase & key
        if not any(not word[0].isdigit() for word in shared):
            continue
        score = len(shared) + 0.1 * len(sentence & key)
        if best is None or score > best[0]:
            best = (score, when)
    return best[1] if best else None


class EventIndex(Mapping[str, date]):
    """Named events with the words of their names indexed, so that a phrase is compared only
    with the events it shares a word with: a long file has many events and many phrases."""

    def __init__(self, events: Mapping[str, date]) -> None:
        self._events = dict(events)
        self._by_word: dict[str, list[tuple[str, date]]] = {}
        for name, when in self._events.items():
            for word in _tokens(name):
                if not word[0].isdigit():
                    self._by_word.setdefault(word, []).append((name, when))

    def sharing(self, words: set[str]) -> list[tuple[str, date]]:
        found: dict[str, date] = {}
        for word in words:
            for name, when in self._by_word.get(word, ())[:EVENTS_PER_WORD]:
                found.setdefault(name, when)
        return list(found.items())

    def __getitem__(self, key: str) -> date:
        return self._events[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)


# A word as common as "release" may name hundreds of events in a long file; the first ones
# stated are the ones a deadline refers to.
EVENTS_PER_WORD = 20


def _sharing(events: Mapping[str, date], words: set[str]) -> list[tuple[str, date]]:
    sharing = getattr(events, "sharing", None)
    return sharing(words) if callable(sharing) else list(events.items())


def _tokens(text: str) -> set[str]:
    words = re.findall(r"[^\W\d_]+|\d+(?:\.\d+)*", text.lower())
    return {SYNONYMS.get(word, word) for word in words if word not in STOPWORDS}


PERSON = r"(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)"
AWAY = compile_lazily(
    PERSON + r"[\s(]+(?:is|will be)?\s*"
    r"(?:out|off|away|on leave|on vacation|on holiday|on parental leave|travelling)\s+"
    r"(?:from\s+)?(?P<rest>.*)"
)
BACK = compile_lazily(PERSON + r"\s+(?:is|will be)\s+back\b(?P<rest>.*)")


def _absences(sentence: str, meeting: date | None) -> Iterator[tuple[str, date]]:
    """Name the start and end of a stated absence: "Lena is out from 24 Feb to 3 Mar"."""
    away = AWAY.search(sentence)
    if away:
        days = [day for _, _, day in sorted(_event_dates(away["rest"], meeting))]
        if days and re.match(r"\s*(?:until|till)\b", away["rest"]):
            yield f"{away['name']} return", days[0]
        elif days:
            yield f"{away['name']} leave", days[0]
            yield from ((f"{away['name']} return", day) for day in days[1:2])
    back = BACK.search(sentence)
    if back:
        for _, _, day in _event_dates(back["rest"], meeting):
            yield f"{back['name']} return", day


def _dated_phrases(sentence: str, meeting: date | None) -> Iterator[tuple[str, date]]:
    previous_end = 0
    for start, end, when in sorted(_event_dates(sentence, meeting)):
        words = [
            w
            for w in re.findall(r"\w[\w.'’-]*", sentence[previous_end:start])
            if w.lower().strip(".") not in STOPWORDS
        ]
        previous_end = end
        # "No call on 2024-12-25" dates a cancellation, not an event to work towards.
        if words and not NEGATION.intersection(w.lower() for w in words):
            yield " ".join(words[-4:]).lower(), when


def _event_dates(text: str, meeting: date | None) -> Iterator[tuple[int, int, date]]:
    """Yield dates in a statement; a date without a year is the one nearest the meeting."""
    for start, end, when in _explicit_dates(text, None):
        if when is None and meeting is not None:
            when = _nearest(meeting, text[start:end])
        if when is not None:
            yield start, end, when


def _nearest(meeting: date, written: str) -> date | None:
    for pattern in NAMED_DATES:
        match = pattern.search(written)
        if match:
            month, day = _month_number(match["mname"]), int(match["day"])
            options = [_safe_date(meeting.year + d, month, day) for d in (-1, 0, 1)]
            valid = [o for o in options if o is not None]
            return min(valid, key=lambda o: abs((o - meeting).days)) if valid else None
    return None


# --- text helpers -----------------------------------------------------------------------------


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[*_`>]+", " ", text).split())


# Sentence ends, line ends, table cells, headings and list bullets: the text may arrive with
# its Markdown lines already joined into one.
STATEMENT_END = compile_lazily(
    r"\n\s*\n|\n\s*(?=[-*+#|]|\d+\.\s)|\s*\|\s*|(?:^|\s)#+\s|\s[-*+]\s+(?:\[[ xX]\]\s+)?"
    r"|(?<=[.;!?])\s+"
)


def _sentences(text: str) -> Iterator[str]:
    for piece in STATEMENT_END.split(text):
        if piece and piece.strip():
            yield _plain(piece)


STATEMENT_WINDOW = 400


def _statement_after(text: str, position: int) -> str:
    """Return the words after a "Next call" label, or under a "Next call" heading."""
    # The statement sits right after its label: read a window, not the rest of the file.
    window = text[position : position + STATEMENT_WINDOW]
    following = [piece for piece in STATEMENT_END.split(window) if piece is not None]
    first = _plain(following[0]) if following else ""
    if re.search(r"\w", first) or len(following) < 2:
        return first
    return next((_plain(p) for p in following[1:] if p.strip()), "")


def _first_date(statement: str, meeting: date | None) -> date | None:
    days = [day for _, _, day in sorted(_explicit_dates(statement, meeting)) if day is not None]
    if days:
        return days[0]
    if meeting is not None:
        relative = re.search(
            r"\bin\s+" + _NUMBER + r"\s+(?P<unit>day|week)s?\b", statement, re.IGNORECASE
        )
        if relative:
            return meeting + timedelta(
                days=_count(relative["count"]) * (7 if relative["unit"].lower() == "week" else 1)
            )
        if re.search(r"\bnext\s+week\b", statement, re.IGNORECASE):
            return meeting + timedelta(days=7)
    return None


def _load_dateparser() -> Any:
    """Import dateparser on first use: the rules above answer most phrases without it,
    and its import costs a tenth of a second on every `minutes-bot extract`."""
    import dateparser  # type: ignore[import-untyped]

    return dateparser


def _dateparser(phrase: str, today: date) -> date | None:
    settings = {
        "RELATIVE_BASE": datetime(today.year, today.month, today.day),
        "PREFER_DATES_FROM": "future",
        "PREFER_DAY_OF_MONTH": "last",
    }
    found = _load_dateparser().parse(phrase, languages=["en"], settings=settings)
    return found.date() if found else None


# --- calendar arithmetic ----------------------------------------------------------------------


def _month_number(name: str) -> int:
    return MONTHS[name.lower()[:3]]


def _count(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[" ".join(word.lower().split())]


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _on_or_after(meeting: date, month: int, day: int) -> date | None:
    for year in (meeting.year, meeting.year + 1, meeting.year + 4):
        candidate = _safe_date(year, month, day)
        if candidate is not None and candidate >= meeting:
            return candidate
    return None


def _year_of_next(meeting: date, month: int) -> int:
    return meeting.year if month >= meeting.month else meeting.year + 1


def _last_day(year: int, month: int) -> int:
    # Counted here rather than by `calendar.monthrange`: `calendar` loads `locale`.
    leap = month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return DAYS_IN_MONTH[month - 1] + leap


def _friday(day: date, *, weeks: int) -> date:
    return day + timedelta(days=4 - day.weekday() + 7 * weeks)


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _last_day(year, month)))


def _add_working_days(day: date, count: int) -> date:
    while count:
        day += timedelta(days=1)
        count -= day.weekday() < 5
    return day
