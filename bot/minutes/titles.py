"""Short imperative issue titles from the words of an action item."""

from __future__ import annotations

import re
from datetime import date

from bot.minutes import dates
from bot.minutes.patterns import compile_lazily
from bot.minutes.text import plain, squash

MAX_TITLE = 80

_LEADING_FILLER = compile_lazily(r"^(?:also|please|then|now|first|to|try to|go ahead and)\s+", re.I)
_CC = compile_lazily(r",?\s*\bcc:?\s+@[\w/-]+(?:[\s,]+@[\w/-]+)*", re.I)
_FILLER_WORDS = compile_lazily(
    r"\b(?:accidentally|potentially|probably|possibly|perhaps|just|actually|simply|quickly)\s+",
    re.I,
)
_HEDGED_CLAUSE = compile_lazily(r"\b(?:that|which) (?:might|may|could) have been\s+", re.I)
_TAIL_START = compile_lazily(
    r"(?:[,;]\s*|\s+[—–-]+\s*|\s+)(?=(?:by|before|until|till|in|on|within|next|this|end of|"
    r"the end of|tomorrow|today|EOD|EOW|early|mid|late|later|no later than|during|over|Q[1-4])\b)",
    re.I,
)
_TRAILING_PARENS = compile_lazily(r"\s*\((?:EOD|owners?:[^)]*|due[^)]*)\)\s*$", re.I)
_CUT_POINTS = (
    ", which ",
    ", since ",
    " so that ",
    " so ",
    " because ",
    ", particularly ",
    ", especially ",
    ", ",
    " in the ",
    " on the ",
    " for the ",
    " to the ",
    " with ",
)
_DANGLING = frozenset(
    {"it", "this", "that", "them", "these", "those", "there", "part", "further", "one"}
)
# "Prepare a demo for the" once "next meeting" is cut: the preposition goes with it.
_DANGLING_PREPOSITION = compile_lazily(
    r"(?:\s+(?:for|at|in|on|by|to|of|with|from)(?:\s+(?:the|a|an))?)+$",
    re.I,
)
_CLAUSE_AFTER = compile_lazily(r"\b(?:when|if|once|because|unless|so that|which|who|but)\b")
_THIS_NOT_A_DATE = compile_lazily(
    r"\W*(?:this|that)\s+(?!(?:week|month|quarter|year|morning|afternoon|evening|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b)"
)
# Headings that say nothing about a task: "Fix it (Action items)" is no better than "Fix it".
_GENERIC_TOPIC = compile_lazily(
    r"^(?:\d+\.\s*)?(?:action items?|actions?|next steps?|notes?|discussion|agenda|topics?|minutes|"
    r"summary|follow[- ]?ups?|to-?dos?|tasks?|decisions?|updates?|other|misc\w*|general|"
    r"open items|work items)\W*$",
    re.I,
)
_OBJECT_BEFORE = compile_lazily(r"\b(?:the|a|an|our|this|that)$", re.I)
# A fixed reference day lets a tail be recognised as a date phrase whatever the meeting date.
_PROBE = date(2001, 6, 6)


def make_title(task: str, *, topic: str = "") -> str:
    """An issue title: imperative, no trailing deadline or period, at most 80 characters.

    A title too short to stand alone ("Prioritize it", "Remove that part") is followed by
    the `topic` it was discussed under.
    """
    text = squash(plain(_CC.sub("", task)))
    text = _TRAILING_PARENS.sub("", text)
    text = _LEADING_FILLER.sub("", text)
    text = strip_deadline(text).strip(" .;:,—–-")
    text = _HEDGED_CLAUSE.sub("", _FILLER_WORDS.sub("", text))
    text = _balanced_quotes(_DANGLING_PREPOSITION.sub("", text))
    topic = squash(plain(topic)).strip(" :*")
    if topic and _needs_topic(text) and not _GENERIC_TOPIC.match(topic):
        text = f"{text} ({topic})"
    return _shorten(text[:1].upper() + text[1:])


def _balanced_quotes(text: str) -> str:
    """'Get rid of it"' lost its opening quote with the words before it: drop the other."""
    if text.count('"') % 2:
        text = text.replace('"', "")
    return text.strip()


def _needs_topic(title: str) -> bool:
    """ "Prioritize it", "Remove that part", "Re-raise it": the title does not say what."""
    words = title.split()
    return len(words) <= 1 or words[-1].lower() in _DANGLING


def strip_deadline(text: str) -> str:
    """Drop a trailing deadline phrase ("by Friday", "— in January", ", next week")."""
    for match in _TAIL_START.finditer(text):
        tail = text[match.end() :]
        if _OBJECT_BEFORE.search(text, 0, match.start()):
            continue  # "chair the next meeting": the meeting is what is done, not when
        if len(tail) < 60 and _is_deadline(tail):
            return text[: match.start()]
    return text


def _is_deadline(phrase: str) -> bool:
    lowered = phrase.lower()
    if _CLAUSE_AFTER.search(lowered) or _THIS_NOT_A_DATE.match(lowered):
        return False  # "this again next week when Barry is back" says more than when
    if re.match(
        r"\W*(?:on|in|at|by|for)\s+(?:this|that|it|them)\b(?!\s+(?:week|month|quarter|year)\b)",
        lowered,
    ):
        return False
    if re.search(r"\bnext (?:call|meeting|sync|check-?in|triage|retro|time)", lowered):
        return True
    return dates.find_due(phrase, _PROBE, next_meeting=_PROBE) is not None and not re.search(
        r"\b(?:the|a|an) (?!end|holidays|same|next|first|last|month|week|quarter|year|day|\d)\w+",
        lowered,
    )


def _shorten(title: str) -> str:
    if len(title) <= MAX_TITLE:
        return title
    for cut in _CUT_POINTS:
        position = title.rfind(cut, 20, MAX_TITLE)
        if position > 0:
            return _DANGLING_PREPOSITION.sub("", title[:position].rstrip(" ,"))
    words = title[: MAX_TITLE - 1].split(" ")
    if len(words) < 3:  # one long word (a link): keep a word boundary the meaning survives
        return title[: MAX_TITLE - 1] + "…"
    return _DANGLING_PREPOSITION.sub("", " ".join(words[:-1])) + "…"
