"""The model reader's checks against the labelled minutes: how many true items they let by.

No model is asked. Each labelled item is proposed as a perfect reader would propose it
(its line, the whole line as the quote, its owners as labelled, its task), and the checks
decide. They must keep nearly all of them: checks that dropped true items would leave a
model nothing to add. The README quotes these counts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.minutes.extract import extract_minutes
from bot.minutes.model import Minutes
from bot.minutes.model_reader import Answer, Proposal, with_model_items
from bot.minutes.people import Roster

FIXTURES = Path(__file__).parent / "fixtures"


def kept_of_labelled(folder: Path) -> tuple[int, int]:
    """Propose every labelled item of `folder`; return how many the checks keep, of how many."""
    people = folder / "people.yml"
    roster = Roster.from_yaml(people.read_text()) if people.exists() else Roster()
    kept = total = 0
    for labels in sorted(folder.glob("*.gold.json")):
        minutes = labels.with_name(labels.name.replace(".gold.json", ".md"))
        text = minutes.read_text()
        lines = text.split("\n")
        items = json.loads(labels.read_text())["items"]
        rules = extract_minutes(text, path=minutes.name, people=roster)
        # Without the rules' items, so none of the proposals is taken for one of them.
        bare = Minutes(rules.path, rules.title, rules.meeting_date, rules.next_meeting, rules.attendees)
        proposals = tuple(
            Proposal(i["line"], lines[i["line"] - 1], tuple(i["owners"]), i["task"]) for i in items
        )
        reading = with_model_items(text, bare, Answer("labels", proposals), roster, (12, 24)).reading
        assert reading is not None
        kept += reading.kept + reading.confirmed
        total += len(proposals)
    return kept, total


@pytest.mark.parametrize(("folder", "at_least"), [("eval-real", 225), ("eval-dev", 129)])
def test_the_checks_keep_the_labelled_items_a_perfect_reader_would_propose(folder: str, at_least: int) -> None:
    kept, total = kept_of_labelled(FIXTURES / folder)
    assert kept >= at_least, f"{kept} of {total}"
