"""Echo what people wrote without letting it act: no live mention, link or HTML.

The bot repeats people's words in its comments and in the part of a body it owns: a
phrase `/due` could not read, a `/drop` reason, a file path. Written as is, `@name`
would ping somebody, a backtick would end the code span around it, and an unclosed
`<!--` would hide the rest of the body, the bot's markers included. Pure text, no I/O.
"""

from __future__ import annotations

import html
import re

_BACKTICKS = re.compile(r"`+")
_MENTION = re.compile(r"@(?=[A-Za-z0-9_-])")
# What GitHub shows as nothing between `@` and a name, so no mention is made.
ZERO_WIDTH_SPACE = "&#8203;"


def code_span(text: str) -> str:
    """Write `text` as a code span that nothing inside it can close.

    The fence is one backtick longer than the longest run of backticks in the text,
    and a space pads text that starts or ends with a backtick (CommonMark strips one
    on each side). Line breaks become spaces: a code span is one line anyway.

    >>> code_span("a `b` c")
    '``a `b` c``'
    """
    flat = " ".join(text.splitlines()) or " "
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(flat)), default=0) + 1)
    padded = flat[0] in "` " or flat[-1] in "` "
    pad = " " if padded and flat.strip() else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def inert_text(text: str) -> str:
    """Write `text` as prose on one line that mentions nobody and holds no HTML.

    `@name` gets a zero-width space after the `@`, as Dependabot writes it; `<`, `>`
    and `&` become entities, so `<!--` cannot open a comment.

    >>> inert_text("ask @carol <!-- hidden")
    'ask @&#8203;carol &lt;!-- hidden'
    """
    flat = " ".join(text.splitlines())
    return _MENTION.sub("@" + ZERO_WIDTH_SPACE, html.escape(flat, quote=False))
