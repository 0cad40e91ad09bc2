"""Finding people in sentences: known names, @handles, pronouns and groups."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.minutes.people import Roster, name_key

_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĲĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"
HANDLE = r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[\w.-]+)?"
GROUP = r"(?:[Ee]veryone|[Ee]verybody|[Aa]ll(?: attendees| of us)?|ALL|[Tt]he (?:whole )?(?:team|group))"
PRONOUN = r"(?:[Hh]e|[Ss]he|[Tt]hey)"
# Capitalised words that start sentences in minutes but are never people.
NOT_PEOPLE = frozenset(
    ["the", "a", "an", "this", "that", "these", "those", "it", "its", "we", "our", "us", "they", "he", "she", "i", "you", "there", "here", "then", "also", "decision", "decisions", "consensus", "note", "notes", "update", "updates", "status", "action", "actions", "todo", "spike", "follow-up", "followup", "context", "summary", "agenda", "owner", "owners", "due", "done", "blocked", "question", "answer", "someone", "somebody", "nobody", "none", "nothing", "everyone", "everybody", "all", "team", "group", "tbd", "next", "last", "mitigation", "risk", "risks", "idea", "ideas", "discussion", "outcome", "result", "results", "release", "ci", "docs", "attendees", "attendance", "present", "participants", "topics", "topic", "agenda", "date", "time", "location", "where", "when", "chair", "chairs", "apologies", "regrets", "absent", "guests", "facilitator", "scribe", "minutes", "meeting", "links", "ai", "goal", "goals", "format", "target", "targets", "background", "problem", "proposal", "resolution", "decided", "announcements", "announcement", "reminder", "reminders", "news", "misc", "other", "any", "open"]
)


# Verbs of speech and report: whoever does these in minutes is a person.
_SPEAKER = re.compile(
    rf"(?:^|(?<=[\s(\[]))(?P<name>[{_UPPER}][^\W\d_]+(?:[ -][{_UPPER}][^\W\d_]+)?)\]?\s+"
    r"(?:said|says|mentioned|asked|noted|reported|suggested|explained|proposed|presented|"
    r"thinks|thought|raised|replied|answered|pointed out|wondered|shared|demoed|argued|"
    r"expressed|thanked|introduced|agreed|disagreed|objected|commented|clarified|summari[sz]ed)\b"
    rf"|^\W*(?P<speaker>[{_UPPER}][^\W\d_]+(?: [{_UPPER}][^\W\d_]+)?)\s*:\s",
    re.M,
)


def speakers_in(text: str) -> tuple[str, ...]:
    """People the minutes show speaking or reporting ("Dana explained", "Marcos: …")."""
    found = {m.group("name") or m.group("speaker") for m in _SPEAKER.finditer(text)}
    return tuple(sorted(n for n in found if name_key(n).split()[0] not in NOT_PEOPLE))


@dataclass(frozen=True)
class NameFinder:
    """Recognise the people of one minutes file in its sentences."""

    roster: Roster
    pattern: str  # a regex matching one person: a known name or an @handle
    strict: bool  # when the file names its people, only known names count

    @classmethod
    def build(cls, roster: Roster, extra_names: tuple[str, ...] = ()) -> NameFinder:
        spellings = {n for p in roster.people for n in (p.name, *p.aliases)} | set(extra_names)
        spellings |= {s.split()[0] for s in list(spellings) if " " in s}
        known = sorted((s for s in spellings if s and s[0].isalpha()), key=len, reverse=True)
        alternatives = [re.escape(s) for s in known] + [HANDLE]
        if not known:
            alternatives.append(rf"[{_UPPER}][^\W\d_]+(?:[ -][{_UPPER}][^\W\d_]+)?")
        one = r"(?<![\w@/-])(?:" + "|".join(alternatives) + r")(?![\w-])"
        return cls(roster, one, strict=bool(known))

    @property
    def names(self) -> str:
        """A list of people: "Arjun and Teodora", "Bjørn + Mei-Ling", "@a @b"."""
        sep = r"(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s*[&+/]\s*|\s+)"
        return rf"{self.pattern}(?:{sep}{self.pattern})*"

    def split(self, text: str) -> list[str]:
        """The people named in a list like "Arjun and Teodora" (handles without the @)."""
        found = [m.group(0) for m in re.finditer(self.pattern, text)]
        return [f.lstrip("@") for f in found if self.is_person(f)]

    def is_person(self, word: str) -> bool:
        if word.startswith("@"):
            return True
        return name_key(word) not in NOT_PEOPLE and not word.isupper()

    def identity(self, name: str) -> str:
        """One key per person, whatever spelling the minutes used."""
        login = self.roster.login_for(name)
        return login.lower() if login else name_key(name)
