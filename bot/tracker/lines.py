"""Line breaks read one way everywhere; pure text, no I/O."""

from __future__ import annotations

import re

_BREAK = re.compile(r"\r\n?")


def unix_lines(text: str) -> str:
    r"""Write every line break as `\n`.

    `\r\n` (Windows) and a lone `\r` (classic Mac OS) are one break each, as Markdown
    counts them, so a line number, an ignore marker or a command means the same line
    whichever way the file or comment was saved.

    >>> unix_lines("a\r\nb\rc\n")
    'a\nb\nc\n'
    """
    return _BREAK.sub("\n", text)
