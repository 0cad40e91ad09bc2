"""The matcher of meetings in a series, scored on consecutive real minutes labelled by hand.

Each pair in `fixtures/series/pairs.json` is an earlier and a later minutes file of the same
repository from `fixtures/eval-real`. The earlier file's items are read as the service reads
them: extracted by the bot, opened as issues (their markers), then read back as the open
items of an earlier meeting. The later file goes through what a push does with it: its new
items that restate an earlier one are carried over, and its other entries are matched for
restatements and reports of work done. What that finds is scored against the labels.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.minutes.extract import extract_minutes
from bot.tracker.followup import AGAIN, EarlierItem, carried_over, earlier_item, match, mentions
from bot.tracker.ignore import without_ignored_lines
from bot.tracker.marker import ItemMarker
from bot.tracker.reconcile import owner_basis

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "eval-real"
PAIRS = json.loads((FIXTURES / "series" / "pairs.json").read_text(encoding="utf-8"))["pairs"]
CARRIED, DONE = "carried_over", "reported_done"
# A wrong closure costs more than a missed one: what the matcher says must be right.
MIN_PRECISION = 0.95
PREFIX = "meeting/"


@dataclass(frozen=True)
class Link:
    """One earlier item said again in the later minutes: by the labels or by the bot."""

    earlier_line: int
    relation: str
    later_line: int
    how: str


def gold(stem: str) -> dict[str, Any]:
    return json.loads((REAL / f"{stem}.gold.json").read_text(encoding="utf-8"))


def text(stem: str) -> str:
    return (REAL / f"{stem}.md").read_text(encoding="utf-8")


def item_lines(stem: str) -> dict[int, int]:
    """Every line a labelled item may be found on, to the line it is labelled at."""
    lines = {}
    for item in gold(stem)["items"]:
        for line in [item["line"], *item.get("alt_lines", [])]:
            lines.setdefault(line, item["line"])
    return lines


def open_items(stem: str) -> list[EarlierItem]:
    """The earlier file's items as open issues of the bot's, numbered in file order."""
    minutes = extract_minutes(text(stem), path=f"{stem}.md")
    labels = [{"name": f"{PREFIX}{minutes.meeting_date}"}] if minutes.meeting_date else []
    found = []
    for number, item in enumerate(minutes.items, start=1):
        marker = ItemMarker(
            file=f"{stem}.md",
            key=str(number),
            title=item.title,
            line=item.line,
            sha="0" * 40,
            owners=owner_basis(item),
        )
        issue = {"number": number, "state": "open", "labels": labels}
        read = earlier_item(issue, marker, PREFIX)
        assert read is not None
        found.append(read)
    return found


def bot_links(pair: Mapping[str, Any]) -> set[Link]:
    """What the bot does with the later minutes, one link per earlier item: a report of
    work done first, else a restatement among the entries, else a new item restating it."""
    earlier = open_items(pair["earlier"])
    lines = {item.number: line for item, line in zip(earlier, _earlier_lines(pair), strict=True)}
    later = text(pair["later"])
    minutes = extract_minutes(later, path=f"{pair['later']}.md")
    entries = mentions(without_ignored_lines(later), skip_lines=[i.line for i in minutes.items])
    links: dict[int, Link] = {}
    for found in match(entries, earlier, "checked", minutes.meeting_date):
        relation = CARRIED if found.kind == AGAIN else DONE
        links[found.item.number] = Link(
            lines[found.item.number], relation, found.mention.line, found.kind
        )
    for index, item in carried_over(minutes.items, earlier, minutes.meeting_date).items():
        if item.number not in links:
            links[item.number] = Link(lines[item.number], CARRIED, minutes.items[index].line, AGAIN)
    return set(links.values())


def _earlier_lines(pair: Mapping[str, Any]) -> Iterator[int]:
    """Each extracted item's line as the labels write it (an item's first line)."""
    lines = item_lines(pair["earlier"])
    minutes = extract_minutes(text(pair["earlier"]), path=f"{pair['earlier']}.md")
    for item in minutes.items:
        yield lines.get(item.line, item.line)


def labelled(pair: Mapping[str, Any]) -> set[Link]:
    return {
        Link(x["earlier_line"], x["relation"], x["later_line"], x["how"]) for x in pair["links"]
    }


def right(link: Link, pair: Mapping[str, Any]) -> bool:
    """The bot's link agrees with a label: the same item, relation and entry of the later
    file (any line of it, when the entry is one of the later file's labelled items)."""
    later_lines = item_lines(pair["later"])
    return any(
        (label.earlier_line, label.relation) == (link.earlier_line, link.relation)
        and later_lines.get(link.later_line, link.later_line) == label.later_line
        for label in labelled(pair)
    )


def borderline(link: Link, pair: Mapping[str, Any]) -> bool:
    return any(b["earlier_line"] == link.earlier_line for b in pair["borderline"])


@dataclass
class Score:
    said: int = 0
    wrong: int = 0
    labels: int = 0
    found: int = 0

    @property
    def precision(self) -> float | None:
        return (self.said - self.wrong) / self.said if self.said else None

    @property
    def recall(self) -> float | None:
        return self.found / self.labels if self.labels else None


def scores() -> tuple[dict[str, Score], list[str]]:
    """Precision and recall of each relation over every pair, and the wrong links."""
    score = {CARRIED: Score(), DONE: Score()}
    wrong = []
    for pair in PAIRS:
        said = [link for link in bot_links(pair) if not borderline(link, pair)]
        for link in said:
            score[link.relation].said += 1
            if not right(link, pair):
                score[link.relation].wrong += 1
                wrong.append(f"{pair['earlier']} -> {pair['later']}: {link}")
        for label in labelled(pair):
            score[label.relation].labels += 1
            score[label.relation].found += any(
                link.relation == label.relation and right(link, pair) for link in said
            )
    return score, wrong


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p['earlier']}->{p['later']}")
def test_the_labels_name_items_of_the_earlier_file_and_an_earlier_meeting(
    pair: Mapping[str, Any],
) -> None:
    earlier, later = gold(pair["earlier"]), gold(pair["later"])
    assert earlier["source"]["repo"] == later["source"]["repo"]
    assert earlier["meeting_date"] < later["meeting_date"]
    items = {item["line"] for item in earlier["items"]}
    later_lines = len(text(pair["later"]).splitlines())
    for link in [*pair["links"], *pair["borderline"]]:
        assert link["earlier_line"] in items
        assert 1 <= link["later_line"] <= later_lines
    for link in pair["links"]:
        assert link["relation"] in (CARRIED, DONE)
        kinds = ("item", "entry") if link["relation"] == CARRIED else ("checked", "marked", "prose")
        assert link["how"] in kinds
        assert link["why"]


def test_what_the_matcher_says_of_real_series_is_right() -> None:
    score, wrong = scores()
    for relation, found in score.items():
        print(
            f"{relation}: said {found.said}, wrong {found.wrong}, precision {found.precision}; "
            f"labelled {found.labels}, found {found.found}, recall {found.recall}"
        )
        if found.precision is not None:
            assert found.precision >= MIN_PRECISION, wrong
    assert wrong == []


def same_repository_pairs() -> Iterator[tuple[str, str]]:
    """Every earlier and later file of one repository, in date order, adjacent or not:
    the bot reads a new file against all the open items of the repository."""
    dated: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(REAL.glob("*.gold.json")):
        labels = json.loads(path.read_text(encoding="utf-8"))
        if labels["meeting_date"]:
            stem = path.name.removesuffix(".gold.json")
            dated.setdefault(labels["source"]["repo"], []).append((labels["meeting_date"], stem))
    for files in dated.values():
        for (first, a), (then, b) in itertools.combinations(sorted(files), 2):
            if first < then:
                yield a, b


def test_the_matcher_links_nothing_in_pairs_nobody_labelled() -> None:
    """Precision asks only that each link the bot makes was read: on the pairs not
    labelled, it makes none (a link there is to be labelled in `pairs.json`)."""
    listed = {(p["earlier"], p["later"]) for p in PAIRS}
    others = [(a, b) for a, b in same_repository_pairs() if (a, b) not in listed]
    assert others
    said = {(a, b): bot_links({"earlier": a, "later": b}) for a, b in others}
    assert {pair: links for pair, links in said.items() if links} == {}


def test_a_closure_comes_only_of_an_explicit_mark_the_labels_see() -> None:
    for pair in PAIRS:
        for link in bot_links(pair):
            if link.how in ("checked", "marked"):
                assert right(link, pair), link
