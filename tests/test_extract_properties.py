"""Properties of extraction over any text: it never raises, and it is deterministic."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.minutes.extract import extract_minutes

MARKDOWN_PIECES = st.sampled_from([
    "# Title\n", "## Action items\n", "- [ ] ", "- [x] ", "* ", "1. ", "ACTION: ", "AI: ",
    "TODO(amara): ", "| Owner | Task |\n|---|---|\n| Ann | do it |\n", "```\n", "> ",
    "<!-- ", " -->", "~~", "**", "`", "@ann ", "Ann Lee will ", "He will ", "agreed to ",
    "was asked to ", "review the user space support PR", " by Friday", " in January",
    "#12 ", "org/repo#3 ", "https://github.com/o/r/pull/4 ", "\n", "\n\n", "---\n",
    "date: 2024-12-18\n", "Attendees: Ann Lee (@ann), Bo Chen\n", ". ", "; ", ", and ",
])
DOCUMENTS = st.lists(st.one_of(MARKDOWN_PIECES, st.text(max_size=20)), max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
def test_any_text_is_read_without_error_and_items_point_at_real_lines(text: str) -> None:
    minutes = extract_minutes(text)

    line_count = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    for item in minutes.items:
        assert 1 <= item.line <= line_count
        assert item.title and len(item.title) <= 80


@settings(max_examples=100, deadline=None)
@given(DOCUMENTS)
def test_the_same_input_gives_the_same_output(text: str) -> None:
    assert extract_minutes(text) == extract_minutes(text)
