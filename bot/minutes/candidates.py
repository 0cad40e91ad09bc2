"""What the item finders share: the file's context and the candidate items they return."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.minutes import dates
from bot.minutes.document import Block, Document
from bot.minutes.model import Ref
from bot.minutes.names import NameFinder
from bot.minutes.refs import explicit_refs, named_prs, unique


@dataclass(frozen=True)
class Context:
    """Everything about one minutes file that the finders consult."""

    doc: Document
    names: NameFinder
    meeting: date | None
    next_meeting: date | None
    events: Mapping[str, date]
    pr_numbers: frozenset[str]
    branches: frozenset[str]
    holidays: tuple[int, int] = (12, 24)

    def due(self, text: str) -> date | None:
        return dates.find_due(text, self.meeting, next_meeting=self.next_meeting,
                              events=self.events, holidays=self.holidays)

    def refs(self, markdown: str, person: str | None = None) -> list[Ref]:
        found = explicit_refs(markdown, pr_numbers=self.pr_numbers, branches=self.branches)
        return unique(found + named_prs(markdown, person_for_pronoun=person))


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
