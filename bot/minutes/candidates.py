"""What the item finders share: the file's context and the candidate items they return."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.minutes import dates
from bot.minutes.clauses import Memory
from bot.minutes.document import Block, Document
from bot.minutes.model import Ref, RefKind
from bot.minutes.names import People
from bot.minutes.refs import explicit_refs, named_prs, unique
from bot.minutes.text import plain

_NUMBERED = (RefKind.PR, RefKind.ISSUE, RefKind.URL)


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
    holidays: tuple[int, int] = (12, 24)
    # Who each block's section was about when the block began, as the prose reader saw it:
    # "Both agreed" in an action line names the two people of the bullets before.
    memories: dict[int, Memory] = field(default_factory=dict)

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
        found = explicit_refs(markdown, pr_numbers=self.pr_numbers, branches=self.branches)
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
        found = explicit_refs("\n".join(headings), pr_numbers=self.pr_numbers, branches=frozenset())
        return [r for r in found if r.kind in _NUMBERED]

    def topic(self, block: Block) -> str:
        """The heading the block sits under, to name what a short title is about."""
        return plain(block.section[-1]).strip(" :") if block.section else ""


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
