"""What the item finders share: the file's context and the candidate items they return."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.minutes import dates
from bot.minutes.clauses import Memory
from bot.minutes.document import Block, Document
from bot.minutes.model import Ref, RefKind
from bot.minutes.names import People
from bot.minutes.patterns import compile_lazily
from bot.minutes.refs import explicit_refs, named_prs, unique
from bot.minutes.text import plain

_LINK_WORDS = compile_lazily(r"https?://\S+|[\w./-]*#\d+|[\[\]()<>:,;.\s-]+")

_NUMBERED = (RefKind.PR, RefKind.ISSUE, RefKind.URL)
# How much text around an item its references are read from: the words of a bullet or
# a row, not a whole file-sized paragraph for each of its sentences.
REF_WINDOW = 1000
REF_CHILDREN = 20


def around(text: str, start: int, end: int) -> str:
    """The text of a block near an item, all of it when the block is short."""
    if len(text) <= REF_WINDOW:
        return text
    half = REF_WINDOW // 2
    return text[max(0, start - half) : end + half]


@dataclass(frozen=True)
class Context:
    """Everything about one minutes file that the finders consult."""

    doc: Document
    people: People
    meeting: date | None
    next_meeting: date | None
    events: Mapping[str, date]
    pr_numbers: frozenset[str]
    branches: frozenset[str]
    repos: Mapping[str, str] = field(default_factory=dict)
    holidays: tuple[int, int] = (12, 24)
    # Who each block's section was about when the block began, as the prose reader saw it:
    # "Both agreed" in an action line names the two people of the bullets before.
    memories: dict[int, Memory] = field(default_factory=dict)
    # Answers about blocks that both finders ask ("is this block an action entry?").
    memo: dict[tuple[str, int], bool] = field(default_factory=dict)
    markers: dict[int, list[re.Match[str]]] = field(default_factory=dict)

    def due(self, text: str) -> date | None:
        return dates.find_due(
            text,
            self.meeting,
            next_meeting=self.next_meeting,
            events=self.events,
            holidays=self.holidays,
        )

    def refs(
        self, markdown: str, person: str | None = None, block: Block | None = None
    ) -> list[Ref]:
        """References in the item's own words, then the PR or issue its heading is about."""
        found = explicit_refs(
            markdown, pr_numbers=self.pr_numbers, branches=self.branches, repos=self.repos
        )
        found += named_prs(markdown, person_for_pronoun=person)
        if block is not None:
            found += self.heading_refs(block)
        return unique(found)

    def heading_refs(self, block: Block) -> list[Ref]:
        """ "#### [PR 528](…) Attestation driver", or "#527 Stronger parent hashes" above a
        list: the items under it are about that PR."""
        lead = self.doc.lead_in(block)
        headings = [lead.text] if lead is not None else []
        if len(block.section) >= 2:  # the file's title is about the whole meeting
            headings.append(block.section[-1])
        found = explicit_refs(
            "\n".join(headings), pr_numbers=self.pr_numbers, branches=frozenset(), repos=self.repos
        )
        return [r for r in found if r.kind in _NUMBERED]

    def surroundings(self, block: Block) -> list[str]:
        """The text around a block whose references are the block's: its parent bullets, and
        nested bullets that are nothing but a link ("- https://…/issues/1092")."""
        around = [a.text[:REF_WINDOW] for a in self.doc.ancestors(block)]
        children = self.doc.children(block)[:REF_CHILDREN]
        around += [c.text for c in children if len(c.text) < REF_WINDOW and _only_links(c.text)]
        return around

    def topic(self, block: Block) -> str:
        """The heading the block sits under, to name what a short title is about."""
        return plain(block.section[-1]).strip(" :") if block.section else ""


class LazyEvents(Mapping[str, date]):
    """The file's dated events ("the freeze on 2025-03-14"), found only when an item's due
    phrase names one: most files never need them."""

    def __init__(self, text: str, meeting: date | None) -> None:
        self._text, self._meeting = text, meeting
        self._found: dates.EventIndex | None = None

    def _events(self) -> dates.EventIndex:
        if self._found is None:
            found = dates.find_events(self._text, self._meeting) if self._meeting else {}
            self._found = dates.EventIndex(found)
        return self._found

    def sharing(self, words: set[str]) -> list[tuple[str, date]]:
        return self._events().sharing(words)

    def __getitem__(self, key: str) -> date:
        return self._events()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._events())

    def __len__(self) -> int:
        return len(self._events())


@dataclass(frozen=True)
class Candidate:
    """An action item as a finder saw it, before duplicates are merged.

    `kind` tells how it was found (`explicit`, `will`, `review_request`, ...), which
    decides what wins when two candidates describe the same task.
    """

    block: Block
    line: int
    owners: tuple[str, ...]
    title: str
    due: date | None
    refs: tuple[Ref, ...]
    source: str
    kind: str = "explicit"
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def explicit(self) -> bool:
        return self.kind == "explicit"


def _only_links(markdown: str) -> bool:
    return bool(markdown.strip()) and len(_LINK_WORDS.sub(" ", markdown).split()) <= 2
