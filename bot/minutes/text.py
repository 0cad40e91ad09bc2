"""Inline text helpers: Markdown to plain words, and sentences with their offsets."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.minutes.patterns import compile_lazily

_LINK = compile_lazily(r"!?\[([^\]]*)\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")
_AUTOLINK = compile_lazily(r"<(https?://[^>\s]+)>")
_EMPHASIS = compile_lazily(r"(\*\*|__|\*|(?<!\w)_(?=\S))|((?<=\S)_(?!\w))")
_STRUCK = compile_lazily(r"~~.+?~~", re.S)

# Words that end in a period without ending the sentence.
_ABBREVIATIONS = frozenset(
    {
        "e.g.",
        "i.e.",
        "etc.",
        "vs.",
        "approx.",
        "cf.",
        "incl.",
        "no.",
        "mr.",
        "ms.",
        "dr.",
        "st.",
    }
)
# A sentence ends at its stop, or where the next line opens with a speaker's label
# ("kevin: I can write the tests" under "ana: I'll draft it" in one paragraph, or an IRC
# log's "<kevin> I can write the tests").
_SENTENCE_END = compile_lazily(
    r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[`@*_]*[A-Z0-9À-ÞĀ-ſ@])"
    r"|[ \t]*\n(?=[ \t]*\**@?[^\W\d_][\w.-]*(?:[ \t][^\W\d_][\w-]*){0,2}\**:[ \t])"
    r"|[ \t]*\n(?=[ \t]*<[\w.|-]{1,30}>[ \t])"
)


@functools.lru_cache(maxsize=4096)
def plain(markdown: str) -> str:
    """Inline Markdown as plain text: links become their text, emphasis and code marks go."""
    text = markdown
    if "[" in text:
        text = _LINK.sub(lambda m: m.group(1) or m.group(2), text)
    if "<" in text:
        text = _AUTOLINK.sub(r"\1", text)
    if "*" in text or "_" in text:
        text = _EMPHASIS.sub("", text)
    return " ".join(text.replace("`", "").split())


def without_struck(markdown: str) -> str:
    return _STRUCK.sub(" ", markdown)


def is_struck(markdown: str) -> bool:
    """True when the struck-out part is most of the text: the entry was withdrawn."""
    struck = sum(len(m.group(0)) for m in _STRUCK.finditer(markdown))
    return struck > 0 and struck >= len(markdown.strip()) / 2


@dataclass(frozen=True)
class Span:
    """A piece of a block's text and where it starts in that text."""

    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def sentences(text: str) -> Iterator[Span]:
    """Split text into sentences, keeping each one's offset."""
    start = counted = ticks = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start()
        ticks += text.count("`", counted, end)  # counted once: linear in the text
        counted = end
        if ticks % 2 == 1 or _last_word(text, start, end).lower() in _ABBREVIATIONS:
            continue  # inside a code span, or "e.g." and "etc." in mid-sentence
        yield Span(text[start:end], start)
        start = match.end()
    if text[start:].strip():
        yield Span(text[start:], start)


def _last_word(text: str, start: int, end: int) -> str:
    space = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
    return text[max(space + 1, start) : end]


def squash(text: str) -> str:
    return " ".join(text.split())
