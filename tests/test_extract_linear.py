"""Nothing a minutes file holds makes extraction grow faster than the file.

Hostile shapes (a list of people that never ends, thousands of items in one paragraph, a
label on every line) are extracted at one size and at four times that size in the same
process; a quadratic step would take sixteen times as long, a linear one four.
"""

from __future__ import annotations

import time

import pytest

from bot.minutes.extract import extract_minutes

SHAPES = [
    "Alice, Bob and ",
    "Alice will review it. ",
    "ACTION: Bob to fix it. ",
    "- [ ] Kate: do it (Kate)\n",
    "Alice: I'll check. ",
    "- Alice\n  - Will check it.\n",
    "@a @b ",
    "asked Bob to ",
    "the need to ",
    "`x` branch #12 ",
    "[x](https://example.com/a) ",
    "| Action | Owner |\n|---|---|\n| fix it | Kate |\n",
    "## Action items\n- TODO(@x) rename it\n",
    "## Topic\n- ACTION: Bob to fix the build\n## Action items\n- Bob to fix the docs\n",
    "bob: I'll check it\nann: I can help\n",
    # Sentences that never stop: each line's item must not read the whole paragraph again.
    "Alice will review the patch and Bob agreed to look at it\n",
    "Alice will review the patch and then\n",
]


def _seconds(text: str) -> float:
    """The least processor time of three extractions: the machine's other work drops out."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        extract_minutes(text)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("shape", SHAPES)
def test_four_times_the_text_takes_about_four_times_as_long(shape: str) -> None:
    extract_minutes(shape * 10)  # first use compiles nothing file-specific, but warms imports
    small = max(_seconds(shape * 400), 1e-3)
    large = _seconds(shape * 1600)

    assert large < 8 * small, (shape, small, large)


def test_an_entry_that_never_ends_costs_the_same_per_task() -> None:
    """One action entry running for thousands of lines, a task on each."""
    head = "## Action items\n\n- "
    line = "Alice to review #1 by Friday and Carol will ask [Dan](https://x.test/1) about it\n  "
    extract_minutes(head + line * 10)
    small = max(_seconds(head + line * 200), 1e-3)
    large = _seconds(head + line * 800)

    assert large < 8 * small, (small, large)


def test_a_list_of_people_that_never_ends_is_read_at_once() -> None:
    text = "Alice, Bob and " * 2000 + "will review it."  # 30 KB

    assert len(text) >= 30_000
    assert _seconds(text) < 0.2
