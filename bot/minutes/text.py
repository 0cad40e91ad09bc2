"""Inline text helpers: Markdown to plain words, and sentences with their offsets."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_EMPHASIS = re.compile(r"(\*\*|__|\*|(?<!\w)_(?=\S))|((?<=\S)_(?!\w))")
_STRUCK = re.compile(r"~~.+?~~", re.S)
_SPACES = re.compile(r"\s+")

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
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[`@*_]*[A-Z0-9À-ÞĀ-ſ@])")


@functools.lru_cache(maxsize=4096)
def plain(markdown: str) -> str:
    """Inline Markdown as plain text: links become their text, emphasis and code marks go."""
    text = _LINK.sub(lambda m: m.group(1) or m.group(2), markdown)
    text = _AUTOLINK.sub(r"\1", text)
    text = _EMPHASIS.sub("", text).replace("`", "")
    return _SPACES.sub(" ", text).strip()


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
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if _ends_with_abbreviation(text[start : match.start()]) or _inside_code(
            text, match.start()
        ):
            continue
        yield Span(text[start : match.start()], start)
        start = match.end()
    if text[start:].strip():
        yield Span(text[start:], start)


def _ends_with_abbreviation(sentence: str) -> bool:
    words = sentence.rsplit(None, 1)
    return bool(words) and words[-1].lower() in _ABBREVIATIONS


def _inside_code(text: str, position: int) -> bool:
    return text.count("`", 0, position) % 2 == 1


def squash(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
