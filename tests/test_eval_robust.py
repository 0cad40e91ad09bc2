"""The labelled minutes rewritten in ways that change nothing a careful reader would take
from them: other names, bold lines for headings, lines wrapped at 60 columns, another form
of the same commitment, action entries as numbers, checkboxes, plain lines or table rows,
nested one level deeper under an action label, topic labels before narrative bullets. The
extractor's score must not move, or it has learnt the files' surface instead of how minutes
are written.
"""

from __future__ import annotations

import copy
import re
import textwrap
from collections.abc import Callable
from typing import Any

import pytest

from bot.minutes.lexicon import wordset
from tests.test_eval import DEV, REAL, labelled_files, roster_of, score_texts

Labelled = tuple[str, str, dict[str, Any]]

# Names that appear in no labelled file, so the extractor cannot know them in advance.
_FIRST_NAMES = sorted(
    wordset(
        "Tamsin Oskar Ilse Bruno Tarja Femi Odile Yuki Lorenzo Casimir Hamid Zsofia Mateo Sanne Wren "
        "Ines Henrike Astrid Lucan Leila Ottilie Noor Emeka Saoirse Tomas Birgit Anouk Cyrus Delphine"
    )
)
_SURNAMES = sorted(
    wordset(
        "Hellevik Okonjo Brandt Castellano Duarte Eriksen Fontaine Gallagher Haddad Ivanova "
        "Jaramillo Kowalczyk Thornquist Moreau Nakagawa Kerslake Petrov Quiroga Rasmussen Szabo"
    )
)
# A margin for what a rewrite may honestly change (a wrapped line that now starts with a
# word the original kept mid-line); anything larger is a rule that reads the surface.
_TOLERANCE = 0.02


def other_names(name: str, text: str, gold: dict[str, Any]) -> Labelled:
    """Every owner's name, wherever it is written, replaced by one nobody used."""
    owners = [alt for item in gold["items"] for o in item["owners"] for alt in o.split("|")]
    surnames = {word for o in owners for word in o.split()[1:]}
    words = sorted({w for o in owners for w in re.findall(r"[^\W\d][\w'’-]+", o) if len(w) > 2})
    mapping: dict[str, str] = {}
    for index, word in enumerate(w for w in words if not w.isupper()):
        pool = _SURNAMES if word in surnames else _FIRST_NAMES
        new = pool[index % len(pool)]
        mapping[word] = new if word[0].isupper() else new.lower()
    if not mapping:
        return name, text, gold
    pattern = re.compile(
        r"(?<![\w/.-])(" + "|".join(map(re.escape, sorted(mapping, key=len, reverse=True))) + r")"
        r"(?![\w-])"
    )

    def swap(words: str) -> str:
        return pattern.sub(lambda m: mapping[m.group(1)], words)

    renamed = copy.deepcopy(gold)
    for item in renamed["items"]:
        item["owners"] = [swap(o) for o in item["owners"]]
        item["task"] = swap(item["task"])
    return name, swap(text), renamed


def bold_headings(name: str, text: str, gold: dict[str, Any]) -> Labelled:
    """ "## Action items" written as a line of bold text, as many minutes do."""
    lines = [
        f"**{m.group(1)}**" if (m := re.match(r"^#{2,6}\s+(.*?)\s*#*$", line)) else line
        for line in text.split("\n")
    ]
    return name, "\n".join(lines), gold


def wrapped(name: str, text: str, gold: dict[str, Any]) -> Labelled:
    """Long lines of prose and bullets hard-wrapped at 60 columns; labels follow their lines."""
    out: list[str] = []
    moved: dict[int, int] = {}
    fenced = False
    for number, line in enumerate(text.split("\n"), 1):
        moved[number] = len(out) + 1
        fenced ^= line.lstrip().startswith("```")
        parts = re.match(r"^(\s*(?:[-*+]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+)?)(.*)$", line)
        if fenced or len(line) <= 60 or line.lstrip().startswith(("|", "#", ">")) or not parts:
            out.append(line)
            continue
        lead, rest = parts.groups()
        pieces = textwrap.wrap(rest, 60 - len(lead), break_long_words=False, break_on_hyphens=False)
        out += [lead + pieces[0], *(" " * len(lead) + p for p in pieces[1:])]
    return name, "\n".join(out), _moved(gold, moved)


def _moved(gold: dict[str, Any], moved: dict[int, int]) -> dict[str, Any]:
    """The labels of a rewritten file, their lines where the rewrite moved them."""
    moved_gold = copy.deepcopy(gold)
    for item in moved_gold["items"]:
        item["line"] = moved[item["line"]]
        item["alt_lines"] = [moved[n] for n in item.get("alt_lines", [])]
    for line in moved_gold.get("borderline", []):
        line["line"] = moved[line["line"]]
    return moved_gold


def said_form(form: str) -> Callable[[str, str, dict[str, Any]], Labelled]:
    """ "Alice will …" on a labelled line rewritten as "Alice <form> …"."""

    def rewrite(name: str, text: str, gold: dict[str, Any]) -> Labelled:
        lines = text.split("\n")
        for item in gold["items"]:
            for owner in (o.split("|")[0] for o in item["owners"]):
                will = re.compile(rf"(\b{re.escape(owner)})\s+will\s+(?!be\b|not\b)")
                if will.search(lines[item["line"] - 1]):
                    lines[item["line"] - 1] = will.sub(rf"\1 {form} ", lines[item["line"] - 1], 1)
                    break
        return name, "\n".join(lines), gold

    return rewrite


_ACTION_HEADING = re.compile(
    r"^(?:#{1,6}\s+|\*\*)(?:action items?|actions?|action points|next steps|follow[- ]?ups?|"
    r"to-?dos?)\b[^\n]*$",
    re.I,
)
_HEADING = re.compile(r"^(?:#{1,6}\s|\*\*[^*]+\*\*:?\s*$)")
_TOP_BULLET = re.compile(r"^[-*+]\s+(?!\[[ xX]\])(?=\S)")


def _entry_runs(lines: list[str], gold: dict[str, Any]) -> list[int]:
    """The one-line, top-level bullets under an action heading that the labels take as
    items: entries of a list of things to do, however they are marked."""
    items = {item["line"] - 1 for item in gold["items"]}
    found, inside = [], False
    for number, line in enumerate(lines):
        if _HEADING.match(line):
            inside = bool(_ACTION_HEADING.match(line.strip()))
            continue
        following = lines[number + 1] if number + 1 < len(lines) else ""
        one_line = not following.strip() or bool(_TOP_BULLET.match(following))
        if inside and number in items and _TOP_BULLET.match(line) and one_line:
            found.append(number)
    return found


def entries_as(marker: str) -> Callable[[str, str, dict[str, Any]], Labelled]:
    """The entries of an action list written with another list marker: "1." numbers, "[ ]"
    checkboxes, or none (plain lines)."""

    def rewrite(name: str, text: str, gold: dict[str, Any]) -> Labelled:
        lines = text.split("\n")
        for count, number in enumerate(_entry_runs(lines, gold), start=1):
            bullet = marker.replace("N", str(count))
            lines[number] = _TOP_BULLET.sub(bullet, lines[number], count=1)
        return name, "\n".join(lines), gold

    return rewrite


def action_heading(title: str) -> Callable[[str, str, dict[str, Any]], Labelled]:
    """The action list's heading worded another way ("Next steps", "TODO", "Follow-ups")."""

    def rewrite(name: str, text: str, gold: dict[str, Any]) -> Labelled:
        lines = text.split("\n")
        for number, line in enumerate(lines):
            match = re.match(r"^(#{1,6})\s+", line)
            if match and _ACTION_HEADING.match(line.strip()) and not _looks_back(line):
                lines[number] = f"{match.group(1)} {title}"
        return name, "\n".join(lines), gold

    return rewrite


def heading_as_parent_bullet(name: str, text: str, gold: dict[str, Any]) -> Labelled:
    """The action heading written as a bullet ("- Action items:") with its entries nested
    one level deeper under it."""
    lines = text.split("\n")
    runs = set(_entry_runs(lines, gold))
    for number, line in enumerate(lines):
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*$", line)
        if not match or not _ACTION_HEADING.match(line.strip()) or _looks_back(line):
            continue
        following = range(number + 1, _section_end(lines, number))
        if not any(n in runs for n in following):
            continue
        lines[number] = f"- {match.group(1).rstrip(':')}:"
        for n in following:
            if lines[n].strip():
                lines[n] = "  " + lines[n]
    return name, "\n".join(lines), gold


def _looks_back(line: str) -> bool:
    return bool(re.search(r"\b(?:last|previous|prior|from|review|done)\b", line, re.I))


def _section_end(lines: list[str], heading: int) -> int:
    return next((n for n in range(heading + 1, len(lines)) if _HEADING.match(lines[n])), len(lines))


def topic_labels(name: str, text: str, gold: dict[str, Any]) -> Labelled:
    """A topic label in front of each narrative bullet that opens with its owner's name:
    "- **Update:** Alice will …"."""
    lines = text.split("\n")
    for item in gold["items"]:
        line = lines[item["line"] - 1]
        bullet = re.match(r"^(\s*[-*+]\s+)(?!\[)", line)
        owners = [o.split("|")[0] for o in item["owners"]]
        if bullet and owners and line[bullet.end() :].startswith(owners[0] + " "):
            lines[item["line"] - 1] = f"{bullet.group(1)}**Update:** {line[bullet.end() :]}"
    return name, "\n".join(lines), gold


def entries_as_table_rows(name: str, text: str, gold: dict[str, Any]) -> Labelled:
    """A run of one-line entries of an action list written as the rows of a one-column
    table, its header and rule inserted above the run."""
    lines = text.split("\n")
    runs = sorted(_entry_runs(lines, gold))
    starts = {n for n in runs if n - 1 not in runs}
    out: list[str] = []
    moved: dict[int, int] = {}
    for number, line in enumerate(lines):
        if number in starts:
            if out and out[-1].strip():
                out.append("")
            out += ["| Action |", "|---|"]
        moved[number + 1] = len(out) + 1
        if number in runs:
            entry = _TOP_BULLET.sub("", line, count=1).replace("|", "\\|")
            out.append(f"| {entry} |")
            if number + 1 not in runs:
                out.append("")
        else:
            out.append(line)
    return name, "\n".join(out), _moved(gold, moved)


REWRITES = {
    "other names": other_names,
    "bold lines for headings": bold_headings,
    "wrapped at 60 columns": wrapped,
    "X to": said_form("to"),
    "X agreed to": said_form("agreed to"),
    "X said they would": said_form("said they would"),
    "X said he would": said_form("said he would"),
    "X is going to": said_form("is going to"),
    "entries numbered": entries_as("N. "),
    "entries as checkboxes": entries_as("- [ ] "),
    "entries as plain lines": entries_as(""),
    "action heading 'Next steps'": action_heading("Next steps"),
    "action heading 'TODO'": action_heading("TODO"),
    "action heading 'Follow-ups'": action_heading("Follow-ups"),
    "action heading as a parent bullet": heading_as_parent_bullet,
    "topic labels before narrative bullets": topic_labels,
    "entries as table rows": entries_as_table_rows,
}


@pytest.fixture(scope="module", params=[REAL, DEV], ids=lambda folder: folder.name)
def labelled(request: pytest.FixtureRequest) -> tuple[list[Labelled], Any, dict[str, float]]:
    files, roster = labelled_files(request.param), roster_of(request.param)
    return files, roster, score_texts(files, roster)


@pytest.mark.parametrize("rewrite", list(REWRITES))
def test_rewriting_the_minutes_keeps_the_score(
    labelled: tuple[list[Labelled], Any, dict[str, float]], rewrite: str
) -> None:
    files, roster, before = labelled

    after = score_texts([REWRITES[rewrite](*file) for file in files], roster)

    assert after["f1"] >= before["f1"] - _TOLERANCE, (before, after)
    assert after["owner"] >= before["owner"] - _TOLERANCE, (before, after)
