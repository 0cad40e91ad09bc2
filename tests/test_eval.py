"""The extractor against the labelled minutes, scored as the labels' `score.py` scores them.

Two sets: `eval-real`, 57 minutes files copied byte for byte from 27 public repositories
(the measure that matters), and `eval-dev`, 15 files in many styles, 14 of them invented.
The bars hold what the extractor reaches, with a little room: a change that reads real
minutes worse fails here.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.minutes.extract import extract_minutes
from bot.minutes.people import Roster

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "eval-real"
DEV = FIXTURES / "eval-dev"
BARS = {
    "eval-real": {"f1": 0.96, "owner": 0.96, "due": 0.90, "refs": 0.93},
    "eval-dev": {"f1": 0.95, "owner": 0.97, "due": 0.95, "refs": 0.97},
}
_BLOCK_START = re.compile(r"^\s*([-*+]\s|\d+[.)]\s|#|\||>)")
_GITHUB_NUMBER = re.compile(r"^https?://github\.com/[^/]+/[^/]+/(?:pull|issues)/(\d+)")


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    owners: int = 0
    due_ok: int = 0
    due_n: int = 0
    refs_hit: int = 0
    refs_n: int = 0

    def result(self) -> dict[str, float]:
        precision, recall = self.tp / (self.tp + self.fp), self.tp / (self.tp + self.fn)
        return {
            "f1": 2 * precision * recall / (precision + recall),
            "owner": self.owners / self.tp,
            "due": self.due_ok / self.due_n if self.due_n else 1.0,
            "refs": self.refs_hit / self.refs_n if self.refs_n else 1.0,
        }


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9 ]+", " ", folded.lower().lstrip("@")).split()


def _similarity(a: str, b: str) -> float:
    wa, wb = ({w for w in _words(t) if len(w) > 2} for t in (a, b))
    return len(wa & wb) / len(wa | wb) if wa | wb else 0.0


def _same_block(lines: list[str], a: int, b: int) -> bool:
    """Two lines of one list item, table row or paragraph, as the scorer counts them."""
    lo, hi = sorted((a, b))
    if lo < 1 or hi > len(lines):
        return False
    return all(
        lines[n - 1].strip() and not _BLOCK_START.match(lines[n - 1]) for n in range(lo + 1, hi + 1)
    )


def _owners_match(gold: dict[str, Any], got: dict[str, Any]) -> bool:
    wanted = [[_words(a) for a in o.split("|") if _words(a)] for o in gold["owners"]]
    keys = [_words(n) for n in got["owners"] + got["logins"] if _words(n)]
    if not wanted:
        return not got["owners"]
    named = all(any(w[: len(k)] == k[: len(w)] for w in alts for k in keys) for alts in wanted)
    return named and len(got["owners"]) <= len(wanted)


def _ref_key(ref: dict[str, str]) -> tuple[str, str]:
    kind, value = ref["kind"], str(ref["value"]).strip().lower().lstrip("#").strip("`")
    if kind in ("pr", "issue"):
        return "number", value.split("#")[-1].split("/")[-1]
    link = _GITHUB_NUMBER.match(value) if kind == "url" else None
    return ("number", link.group(1)) if link else (kind, value)


def _explicit(refs: list[dict[str, str]]) -> set[tuple[str, str]]:
    return {_ref_key(r) for r in refs if r["kind"] in ("pr", "issue", "url", "branch")}


def _pairs(
    gold: list[dict[str, Any]], got: list[dict[str, Any]], lines: list[str]
) -> list[tuple[dict[str, Any], int]]:
    """Pair each answer with the nearest prediction in its block, the most similar on a tie."""
    pairs, used = [], set()
    for item in sorted(gold, key=lambda g: g["line"]):
        near = [
            (abs(p["line"] - item["line"]), -_similarity(item["task"], p["title"]), n)
            for n, p in enumerate(got)
            if n not in used
            and (
                _same_block(lines, p["line"], item["line"])
                or p["line"] in item.get("alt_lines", [])
            )
        ]
        if near:
            used.add(min(near)[2])
            pairs.append((item, min(near)[2]))
    return pairs


def labelled_files(folder: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(file name, minutes text, labels) for each labelled file of `folder`."""
    files = []
    for gold in sorted(folder.glob("*.gold.json")):
        minutes = gold.with_name(gold.name.replace(".gold.json", ".md"))
        files.append(
            (minutes.name, minutes.read_text(encoding="utf-8"), json.loads(gold.read_text()))
        )
    return files


def roster_of(folder: Path) -> Roster:
    people = folder / "people.yml"
    return Roster.from_yaml(people.read_text()) if people.exists() else Roster()


def score_texts(files: list[tuple[str, str, dict[str, Any]]], roster: Roster) -> dict[str, float]:
    """Score minutes texts against their labels, as `score.py` scores files."""
    tally = Tally()
    for name, text, gold in files:
        _score_text(name, text, gold, roster, tally)
    return tally.result()


def _score_text(name: str, text: str, gold: dict[str, Any], roster: Roster, tally: Tally) -> None:
    lines = text.splitlines()
    got = [i.to_json() for i in extract_minutes(text, path=name, people=roster).items]
    pairs = _pairs(gold["items"], got, lines)
    paired = {id(item) for item, _ in pairs}
    used = {n for _, n in pairs}
    borderline = [b["line"] for b in gold.get("borderline", [])]
    tally.fp += sum(
        1
        for n, p in enumerate(got)
        if n not in used and not any(_same_block(lines, p["line"], b) for b in borderline)
    )
    tally.fn += sum(1 for g in gold["items"] if id(g) not in paired and not g.get("optional"))
    for item, n in pairs:
        if item.get("optional"):
            continue
        match = got[n]
        tally.tp += 1
        tally.owners += _owners_match(item, match)
        if item["due"] or match["due"]:
            tally.due_n += 1
            tally.due_ok += match["due"] in {item["due"], *item.get("due_alts", [])}
        wanted = _explicit(item.get("refs", []))
        tally.refs_n += len(wanted)
        tally.refs_hit += len(wanted & {_ref_key(r) for r in match["refs"]})


def score(folder: Path) -> dict[str, float]:
    return score_texts(labelled_files(folder), roster_of(folder))


@pytest.mark.parametrize("folder", [REAL, DEV], ids=lambda f: f.name)
def test_extraction_holds_its_bars_on_the_labelled_minutes(folder: Path) -> None:
    result = score(folder)

    assert all(result[bar] >= least for bar, least in BARS[folder.name].items()), result


def test_the_labelled_minutes_are_present() -> None:
    assert len(list(REAL.glob("*.gold.json"))) == 57
    assert len(list(DEV.glob("*.gold.json"))) == 15
