"""Owners written around entries: a bullet or heading that is only a name, owner lists."""

from __future__ import annotations

from bot.minutes.document import Block
from bot.minutes.lexicon import ACTION_HEADING, ARTIFACTS
from bot.minutes.names import HANDLE, People, subject_before
from bot.minutes.patterns import compile_lazily
from bot.minutes.text import plain

_LIST_SEPARATOR = compile_lazily(r"\s*(?:,|&|\+|/|\band\b|;)\s*")
_HANDLE = compile_lazily(HANDLE)
_BARE = compile_lazily(r"^[\s*_]*(?P<who>[^*_:]{1,60}?)[\s*_]*(?::|\s[-–—])?[\s*_]*$")


def bare_name(markdown: str, people: People, *, known: bool = False) -> tuple[str, ...] | None:
    """The owners a line names when it is nothing but a name: "**Valentina**", "erethon:",
    "Team". `()` for a group, None for anything else.

    With `known`, only people the file announced count: a heading such as "Container
    Script Removal" is a topic, whatever its capitals suggest.
    """
    key = ("bare known" if known else "bare", markdown)
    if key not in people.memo:
        people.memo[key] = _bare_name(markdown, people, known=known)
    found = people.memo[key]
    return found if isinstance(found, tuple) else None


def _bare_name(markdown: str, people: People, *, known: bool) -> tuple[str, ...] | None:
    match = _BARE.match(plain(markdown))
    if not match:
        return None
    who = match.group("who").strip()
    if len(who.split()) > 5 or ACTION_HEADING.search(who):  # "TODOs:" heads a list, names no one
        return None
    found = subject_before(who, len(who), people)
    if found is None or found.start != 0 or found.pronoun is not None:
        return None
    if any(u.kind == "group" for u in found.units):
        return ()
    if known and not all(u.kind == "role" or people.is_known(u.text) for u in found.units):
        return None
    return tuple(u.text for u in found.units)


def section_owner(block: Block, people: People) -> tuple[str, ...] | None:
    """The owner a `### Name` heading gives the entries under it."""
    return bare_name(block.section[-1], people, known=True) if block.section else None


def people_in(text: str, people: People, *, loose: bool = False) -> tuple[str, ...]:
    """Names in an owner list: "David and Bailey", "@a, @b", "Kate/Danny".

    `loose` keeps every part (an owner column names owners whatever they look like);
    otherwise only parts that name somebody are kept.
    """
    handles = [h.lstrip("@") for h in _HANDLE.findall(text)]
    rest = _HANDLE.sub(" ", text)
    names = []
    for part in _LIST_SEPARATOR.split(rest):
        part = part.strip(" .*_()[]`'\"")
        if not part or part.lower() in ("all", "everyone"):
            continue
        if people.is_person(part) or (loose and not ARTIFACTS & set(part.lower().split())):
            names.append(part)
    return tuple(handles + names)
