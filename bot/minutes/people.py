"""Who is who: names as written in minutes, resolved to GitHub logins."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.minutes.model import Person, normalise_words


class PeopleFileError(ValueError):
    """A people file that cannot be read; the message says what to fix."""


@functools.lru_cache(maxsize=4096)
def name_key(name: str) -> str:
    """Compare names without case, accents or punctuation."""
    return " ".join(normalise_words(name.lstrip("@")))


@dataclass(frozen=True)
class Roster:
    """The people a repository knows, looked up by any spelling of their name."""

    people: tuple[Person, ...] = ()
    _by_key: dict[str, Person] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_people(cls, people: Iterable[Person]) -> Roster:
        listed = tuple(people)
        return cls(listed, _index(listed))

    @classmethod
    def from_yaml(cls, text: str) -> Roster:
        """Read a YAML list of `{name, login, aliases}`."""
        import yaml  # only where there is a people file: see `document._split_front_matter`

        from bot import safe_yaml

        try:
            data = safe_yaml.load(text)  # the config's limits: no alias bombs from a people file
        except yaml.YAMLError as err:
            raise PeopleFileError(f"not valid YAML: {_first_line(err)}") from None
        if data is None:
            return cls()
        if not isinstance(data, list):
            raise PeopleFileError("expected a list of people ({name, login, aliases})")
        return cls.from_people(_person(entry, n) for n, entry in enumerate(data, 1))

    def merged(self, more: Iterable[Person]) -> Roster:
        """This roster plus `more`; people already listed keep their entries."""
        extra = [p for p in more if self.find(p.name) is None and not self._has_login(p.login)]
        return Roster.from_people((*self.people, *extra))

    def find(self, name: str) -> Person | None:
        """The person `name` refers to: a full name, alias, login or unique first name."""
        return self._by_key.get(name_key(name))

    def login_for(self, name: str) -> str | None:
        person = self.find(name)
        return person.login if person else None

    def _has_login(self, login: str | None) -> bool:
        return bool(login) and any(p.login == login for p in self.people)


def _index(people: tuple[Person, ...]) -> dict[str, Person]:
    """Map every spelling to its person; a first name shared by two people maps to nobody."""
    exact: dict[str, Person] = {}
    first: dict[str, list[Person]] = {}
    for person in people:
        spellings = [person.name, *person.aliases] + ([person.login] if person.login else [])
        for spelling in spellings:
            exact.setdefault(name_key(spelling), person)
        for spelling in (person.name, *person.aliases):
            words = name_key(spelling).split()
            if len(words) > 1 and person not in first.get(words[0], []):
                # "Jörg" finds the person listed as "Joerg Roedel" with the alias "Jörg Rödel".
                first.setdefault(words[0], []).append(person)
    for word, owners in first.items():
        if len(owners) == 1 and word not in exact:
            exact[word] = owners[0]
    exact.pop("", None)
    return exact


def _person(entry: object, n: int) -> Person:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise PeopleFileError(f"entry {n}: each person needs a `name` (text)")
    login = entry.get("login")
    aliases = entry.get("aliases") or []
    if login is not None and not isinstance(login, str):
        raise PeopleFileError(f"entry {n} ({entry['name']}): `login` must be text")
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise PeopleFileError(f"entry {n} ({entry['name']}): `aliases` must be a list of names")
    return Person(entry["name"], login.lstrip("@") if login else None, tuple(aliases))


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
