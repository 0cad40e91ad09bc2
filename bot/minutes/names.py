"""Who a sentence is about: people, roles and groups, recognised from the words themselves.

A name does not have to be announced to count. "Jakub will post on the mailing list"
names a person because "Jakub" is capitalised, is no English word that opens sentences,
and the file never uses it as a thing ("in Jakub", "the Jakub"). What the file does
announce (attendees, the roster, speaker labels, people who "said" or "asked") is known
for certain, which also admits lower-case nicks ("jdm"), initials ("HZ") and handles.

Every pattern here is compiled once, independent of the file; the file's names are
looked up in sets, so a new file costs no compilation and the cost stays linear.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from bot.minutes.lexicon import (
    ADVERBS,
    ARTIFACTS,
    GROUP_WORDS,
    NAME_PARTICLES,
    NOT_PEOPLE,
    NOT_VERBS,
    ROLE_WORDS,
    TASK_VERBS,
    THING_SUFFIXES,
    wordset,
)
from bot.minutes.patterns import compile_lazily
from bot.minutes.people import Roster, name_key

HANDLE = r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[\w.-]+)?"
PRONOUNS = frozenset({"he", "she", "they", "i", "we"})
_TOKEN = compile_lazily(HANDLE + r"|[^\W_][\w'’.-]*|[(),&/+;:—–]|(?<=\s)-(?=\s)")
_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĲĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"
_NAME_WORD = rf"[{_UPPER}][\w'’-]*"
_NAME_RUN = rf"(?:{HANDLE}|{_NAME_WORD}(?:[ -]{_NAME_WORD}){{0,2}})"
# Verbs only people do: whoever the minutes show doing them is a person or a body.
_ACTS = compile_lazily(
    rf"(?:^|(?<=[\s(\[*>]))(?P<name>{_NAME_RUN})\]?\s+(?:also\s+)?"
    r"(?:said|says|mentioned|asked|asks|noted|reported|suggested|suggests|explained|proposed|"
    r"presented|thinks|thought|raised|replied|answered|pointed out|wondered|shared|demoed|"
    r"argued|expressed|thanked|introduced|agreed|disagreed|objected|commented|clarified|"
    r"summari[sz]ed|discussed|decided|voted|reviewed|approved|accepted|recommended|"
    r"confirmed|announced|welcomed|acknowledged|emphasi[sz]ed|inquired|requested|offered|"
    r"volunteered|promised|stated|believes|believed|observed|warned|recalled|outlined|"
    r"highlighted|led|joined|attended|opened|merged|submitted|sent|wrote|drafted|"
    r"signall?ed|indicated|signall?ing|indicating|means|intends|plans|hopes)\b",
    re.M,
)
# "Alice:", "**Alice:**", "- alice:" at the start of a line labels who is speaking.
_LABEL = compile_lazily(r"^[\W_]*(?P<label>[^\W\d_][\w'’. -]{0,40}?)[*_]*\s*:(?!//)[*_]*\s+\S", re.M)
# A capitalised word inside a sentence is a proper noun ("… and Pablo will", "Ewa's draft").
_PROPER = compile_lazily(rf"(?<=[\w,] )(?P<word>[{_UPPER}][\w-]*)")
# The word a line or sentence opens with: a name that opens two of them is somebody's.
_OPENER = compile_lazily(rf"(?:^|[.!?;]\s)[\W_]*(?P<word>[{_UPPER}][\w-]*)\b(?![.:])", re.M)
# A capitalised word after these is a thing: "in QEMU", "the Linux kernel", "via Zulip".
_THING = compile_lazily(
    rf"\b(?:the|in|on|into|onto|via|using|under)\s+(?P<word>[{_UPPER}][\w+-]*)\b(?!['’]s)"
)
_BOUNDARY = wordset(
    ", ; : ( ) — – - and but so then that while whereas because since also additionally "
    "meanwhile however finally otherwise once when after if although though as"
)
# A reported clause opens after a verb of saying: "Stefano said he would …".
_SPEECH = wordset(
    "said says stated states confirmed confirms mentioned noted promised agreed replied "
    "answered indicated added explained responded decided believes thinks announced"
)
_SEPARATORS = frozenset({",", "and", "&", "/", "+"})
_NICK = compile_lazily(r"^[a-z][a-z0-9_.-]{2,30}$")
_NAME_PREFIX = compile_lazily(r"^(?:Mc|Mac|O['’]|De|Di|La|Le|Van)")
_INNER_CAPITAL = compile_lazily(r"[a-z][A-Z]")
_BETWEEN = ADVERBS | {"has", "have", "had"}
_WHO_WORDS = GROUP_WORDS | {"both", "each"}
_CONTRACTION = compile_lazily(r"['’](?:t|re|ve|ll|d|m|s)$", re.I)


@dataclass(frozen=True)
class Unit:
    """One part of a subject: a person, a role, a group, or a pronoun to resolve."""

    kind: str  # "person", "role", "group", "pronoun"
    text: str


@dataclass(frozen=True)
class Subject:
    """The people before a verb and where they start in the sentence."""

    units: tuple[Unit, ...]
    start: int

    @property
    def pronoun(self) -> str | None:
        return self.units[0].text.lower() if self.units[0].kind == "pronoun" else None


@dataclass(frozen=True)
class People:
    """The people one minutes file knows, and the test of whether words name somebody."""

    roster: Roster
    known: frozenset[str] = frozenset()
    known_first: frozenset[str] = frozenset()
    things: frozenset[str] = frozenset()
    proper: frozenset[str] = frozenset()  # words written capitalised inside a sentence
    # In an owner slot ("task (Kate)", "ACTION: Csaba will …") a capitalised word is a name
    # even where it only ever opens sentences, and a lower-case word may be a nick.
    owner_slot: bool = False
    nick_slot: bool = False
    subject_slot: bool = False
    _cache: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)
    # Readings of whole lines asked for again and again (a bullet's parents are read for
    # each of its children): kept per file, so each line is read once.
    memo: dict[tuple[str, str], object] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, roster: Roster, announced: Iterable[str], plain_text: str) -> People:
        """Collect who the file knows: roster, attendees, speaker labels and actors."""
        names = {n for p in roster.people for n in (p.name, *p.aliases, p.login or "")}
        names |= set(announced) | set(_labels(plain_text)) | set(_actors(plain_text))
        keys = {name_key(n) for n in names if n} - {""}
        first = {k.split()[0] for k in keys if " " in k}
        things = {name_key(m.group("word")) for m in _THING.finditer(plain_text)}
        proper = {name_key(m.group("word")) for m in _PROPER.finditer(plain_text)}
        openers = Counter(name_key(m.group("word")) for m in _OPENER.finditer(plain_text))
        proper |= {word for word, count in openers.items() if count >= 2}
        return cls(
            roster,
            frozenset(keys),
            frozenset(first),
            frozenset(things - keys - first),
            frozenset(proper),
        )

    @functools.cached_property
    def in_owner_slot(self) -> People:
        """The same people, read where the minutes' layout says an owner is written."""
        return replace(self, owner_slot=True, nick_slot=True, _cache={}, memo={})

    @functools.cached_property
    def in_subject_slot(self) -> People:
        """The same people, read as the subject of "will", "agreed to", "plans to" …"""
        return replace(self, subject_slot=True, _cache={}, memo={})

    @functools.cached_property
    def in_label_slot(self) -> People:
        """The same people, read in a "Name:" label that opens a line: capitalised words
        there name the speaker; lower-case words ("motions:") need not."""
        return replace(self, owner_slot=True, _cache={}, memo={})

    def is_person(self, text: str) -> bool:
        """True when `text` (one name, as written) names somebody."""
        cached = self._cache.get(text)
        if cached is None:
            cached = self._cache[text] = self._judge(text)
        return cached

    def _judge(self, text: str) -> bool:
        if text.startswith("@"):
            return True
        key = name_key(text)
        words = key.split()
        if not words or key in NOT_PEOPLE:
            return False
        if key in self.known or (len(words) > 1 and words[0] in self.known):
            return True
        if len(words) == 1 and key in self.known_first:
            return True
        if len(words) == 1 and not self._capital_names(words[0]):
            return False
        if self.nick_slot and _NICK.match(text) and key not in TASK_VERBS and key not in NOT_VERBS:
            return True  # "(nikomatsakis)" after a task: a nick in an owner's place
        return _looks_like_a_name(text.split(), words) and key not in self.things

    def _capital_names(self, word: str) -> bool:
        """Whether one capitalised word may be a name here. Capitals that open a sentence say
        little ("Processes which need …", "Ready to merge"); inside a sentence they name, and
        before "will" or "agreed to" so does a word that is no plural or participle ("Xin
        will prepare the notes")."""
        if word in self.proper or self.owner_slot:
            return True
        return self.subject_slot and not _plural(word) and not word.endswith("ed")

    def is_known(self, text: str) -> bool:
        """True when the file announced this person (or it is a handle)."""
        key = name_key(text)
        return text.startswith("@") or key in self.known or key in self.known_first

    def identity(self, name: str) -> str:
        """One key per person, whatever spelling the minutes used."""
        login = self.roster.login_for(name)
        return login.lower() if login else name_key(name)


def _looks_like_a_name(tokens: list[str], words: list[str]) -> bool:
    """A name nobody announced: one or two capitalised words, none of them an English word
    that opens sentences, a contraction, a product name or an abstract noun."""
    if len(tokens) > 2 or any(_CONTRACTION.search(t) for t in tokens):
        return False
    if any(not (t[:1].isupper() or t.lower() in NAME_PARTICLES) for t in tokens):
        return False
    if words[0] in NOT_PEOPLE or (len(words) == 1 and words[0] in TASK_VERBS):
        return False
    if ARTIFACTS.intersection(words):
        return False
    if any(ch.isdigit() for ch in "".join(tokens)) or any(_is_camel(t) for t in tokens):
        return False
    if tokens[0].isupper() and len(tokens[0]) > 1:
        return False  # an acronym nobody shows acting is a project, not a person
    return not (len(words) == 1 and words[0].endswith(THING_SUFFIXES))


def _plural(word: str) -> bool:
    """ "Things", "Processes", "Kubernetes": the shape of a plural noun (or a product)."""
    return word.endswith("s") and not word.endswith(("ss", "us", "is", "os"))


def _is_camel(word: str) -> bool:
    """ "WebAssembly", "GitHub": an inner capital marks a product ("McKay" and "DeShawn" aside)."""
    return bool(_INNER_CAPITAL.search(_NAME_PREFIX.sub("", word)))


def _labels(plain_text: str) -> list[str]:
    """Speaker labels: "Alice: ...", or a short nick that labels at least two lines."""
    counts = Counter(m.group("label").strip() for m in _LABEL.finditer(plain_text))
    found = []
    for label, count in counts.items():
        tokens = label.split()
        words = name_key(label).split()
        if not words or len(tokens) > 3 or words[0] in NOT_PEOPLE or words[0] in ROLE_WORDS:
            continue
        if _looks_like_a_name(tokens, words) or (count >= 2 and len(tokens) == 1):
            found.append(label)
    return found


def _actors(plain_text: str) -> list[str]:
    """People shown doing what only people do: "Dana explained", "SC voted"."""
    names = (m.group("name") for m in _ACTS.finditer(plain_text))
    return [n for n in names if (words := name_key(n).split()) and words[0] not in NOT_PEOPLE]


# --- subjects ---------------------------------------------------------------------------------


def subject_before(text: str, end: int, people: People, *, opens: bool = True) -> Subject | None:
    """The people a clause opens with when its verb starts at `end`: "Alice and Bob" in
    "..., Alice and Bob will ...". None when the words before are no subject of people.

    With `opens` false the people may follow any word: the object of "asked Alice to".
    """
    offset = max(0, end - 200)
    tokens = [(m.group(0), m.start() + offset) for m in _TOKEN.finditer(text, offset, end)]
    i = len(tokens)
    while i and tokens[i - 1][0].lower() in _BETWEEN and tokens[i - 1][0].lower() not in _WHO_WORDS:
        i -= 1  # "Alice has also agreed to": the words between subject and verb
    i = _skip_parenthesis(tokens, i)
    units: list[Unit] = []
    best: Subject | None = None
    while True:
        found = _unit_before(tokens, i, people)
        if found is None:
            break
        unit, i = found
        units.insert(0, unit)
        # "after the call I'll share it": "I" opens its clause wherever it stands
        first_person = unit.kind == "pronoun" and unit.text == "i" and len(units) == 1
        if not opens or not i or first_person or _opens_clause(tokens[i - 1][0].lower()):
            best = Subject(tuple(units), tokens[i][1])  # the longest list that opens a clause
        j = i
        separator = tokens[j - 1][0].lower() if j else ""
        # "A, B and C" is a list; "Symposium, David C" is a clause and a name.
        listed = len(units) > 1 or tokens[i][0].startswith("@") or people.owner_slot
        if separator in _SEPARATORS and (separator != "," or listed):
            j -= 1
            if j and tokens[j - 1][0] == "," and tokens[j][0].lower() == "and":
                j -= 1
            i = j
            continue
        if j and tokens[j - 1][0].startswith("@") and tokens[i][0].startswith("@"):
            continue  # "@ravic @omelnyk": handles listed with spaces only
        break
    if best is not None and len(best.units) > 1 and any(u.kind == "pronoun" for u in best.units):
        return None
    return best


def subject_at_start(text: str, people: People) -> Subject | None:
    """The people a sentence opens with, when a verb follows: "Tom Lendacky (AMD) provided"."""
    key = ("opening", text)
    if key not in people.memo:
        people.memo[key] = _subject_at_start(text, people)
    found = people.memo[key]
    return found if isinstance(found, Subject) else None


def _subject_at_start(text: str, people: People) -> Subject | None:
    tokens = _TOKEN.finditer(text, 0, 160)
    opener = next(tokens, None)
    if opener is None or not _may_name(opener.group(0), people):
        return None  # most sentences open with a word that names nobody
    first = opener.start()
    for match in tokens:
        word = match.group(0)
        if match.start() > 120:
            return None
        if word[:1].islower() and word not in _SEPARATORS and word not in NAME_PARTICLES:
            found = subject_before(text, match.start(), people)
            return found if found is not None and found.start == first else None
    return None


def _may_name(word: str, people: People) -> bool:
    """Whether a sentence's first word can begin a subject of people."""
    if word[:1].isupper() or word.startswith("@"):
        return word.lower() not in _NEVER_FIRST
    lowered = word.lower()
    return (
        lowered in PRONOUNS
        or lowered in _WHO_WORDS
        or lowered == "the"
        or name_key(word) in people.known
    )


# Capitalised openers that never begin a subject of people ("The" may: "The TSC will …").
_NEVER_FIRST = wordset(
    "this that these those it its there here if when while after before once since although "
    "though because as so but and or for to in on at by with from of what which how why"
)


def _opens_clause(word: str) -> bool:
    return word in _BOUNDARY or word in _SPEECH


def _nick(word: str, people: People) -> bool:
    """A lower-case word that names somebody: a known nick, or any nick in an owner's place."""
    return name_key(word) in people.known or (people.nick_slot and bool(_NICK.match(word)))


def _skip_parenthesis(tokens: list[tuple[str, int]], i: int) -> int:
    """Step over "(Red Hat)" or "(via Oscar)" between a name and its verb, and a participle
    phrase between commas: "Ana, attending the workshop, will report back"."""
    if i and tokens[i - 1][0] == ",":
        j = i - 2
        while j > 0 and tokens[j][0] not in _BOUNDARY and i - j < 10:
            j -= 1
        participle = tokens[j + 1][0] if j + 1 < i else ""
        if j > 0 and tokens[j][0] == "," and participle.endswith("ing") and participle.islower():
            return j
        return i
    if not i or tokens[i - 1][0] != ")":
        return i
    j = i - 1
    while j and tokens[j][0] != "(" and i - j < 10:
        j -= 1
    return j if tokens[j][0] == "(" else i


def _unit_before(tokens: list[tuple[str, int]], i: int, people: People) -> tuple[Unit, int] | None:
    """Read one person, role, group or pronoun that ends just before token `i`."""
    if not i:
        return None
    word = tokens[i - 1][0]
    lowered = word.lower()
    if word.startswith("@"):
        return Unit("person", word.lstrip("@")), i - 1
    # A capitalised pronoun mid-clause is a name ("Will Wang"), but "I" is always "I".
    if lowered in PRONOUNS and (
        word.islower() or word == "I" or i == 1 or tokens[i - 2][0] in _BOUNDARY
    ):
        return Unit("group" if lowered == "we" else "pronoun", lowered), i - 1
    if lowered in ("team", "teams", "group", "groups") or lowered in ROLE_WORDS:
        return _group_or_role(tokens, i, people)
    if lowered in GROUP_WORDS:
        return Unit("group", lowered), i - 1
    if lowered == "both":
        return Unit("pronoun", lowered), i - 1
    if word[:1].isupper() or _nick(word, people):
        return _name_run(tokens, i, people)
    return None


def _group_or_role(tokens: list[tuple[str, int]], i: int, people: People) -> tuple[Unit, int]:
    """ "the team" is everybody; "the secretary", "Cat Herders", "the WAMR team" are owners."""
    word = tokens[i - 1][0]
    j = i - 1
    while j and tokens[j - 1][0][:1].isupper() and i - j < 4 and tokens[j - 1][0] != "The":
        j -= 1
    named = " ".join(t for t, _ in tokens[j : i - 1])
    if j and tokens[j - 1][0].lower() in ("the", "whole", "all"):
        j -= 1
        if j and tokens[j - 1][0].lower() == "the":
            j -= 1
    if named:
        return Unit("role", f"{named} {word}"), j
    if word.lower() in ROLE_WORDS and word.lower() not in GROUP_WORDS:
        return Unit("role", word), j
    return Unit("group", word.lower()), j


def _name_run(tokens: list[tuple[str, int]], i: int, people: People) -> tuple[Unit, int] | None:
    """Up to four capitalised words (with "de", "van" inside) read as one name; the longest
    run that names somebody wins ("Also Kate" is Kate)."""
    j = i
    while j and i - j < 4:
        word = tokens[j - 1][0]
        inner = j < i and word.lower() in NAME_PARTICLES
        if not (word[:1].isupper() or inner or (j == i and _nick(word, people))):
            break
        if word[:1].isupper() and word.lower() in ("the", "a", "an"):
            break
        j -= 1
    for start in range(j, i):
        if tokens[start][0].lower() in NAME_PARTICLES:
            continue
        name = " ".join(t for t, _ in tokens[start:i]).rstrip(".")
        if start == j and j and tokens[j - 1][0].lower() == "the":
            if ARTIFACTS.intersection(name_key(name).split()):
                return None  # "the PR will land", "the API will change": things
            return Unit("role", name), j - 1  # "the TSC", "the Linux Foundation"
        if people.is_person(name):
            return Unit("person", name), start
    return None
