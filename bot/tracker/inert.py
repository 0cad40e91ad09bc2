"""Echo what people wrote without letting it act: no live mention, link or HTML.

The bot repeats people's words everywhere it writes: item titles, the quoted sentence,
owner names, the meeting issue, the preview, the weekly status, command replies.
Written as is, `@name` would ping somebody (minutes in a fork's pull request could ping
a whole team), `#1` or `other/repo#5` would leave a reference on another issue's
timeline, `<img>` or `[x](url)` would show what the bot did not write, a backtick would
end the code span around it, and an unclosed `<!--` would hide the rest of the body, the
bot's markers included. Every piece of such text goes through `inert_markdown` (bodies)
or `inert_title` (issue titles); links are only the ones the bot builds. Pure text, no I/O.
"""

from __future__ import annotations

import html
import re

_BACKTICKS = re.compile(r"`+")
# What GitHub accepts as a login: letters, digits and single hyphens, neither first nor
# last, at most 39 characters. Only such a name is a person the bot may link or assign.
GITHUB_LOGIN = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
# What GitHub links or notifies in text: `@name` and `@org/team`, `#1`, `GH-1`, and
# the `http://`, `https://` and `www.` addresses (and `user@host` mail) it autolinks.
# A zero-width space after the `@`, `#`, `GH-`, scheme or `www` leaves the text as
# people read it and gives GitHub nothing to match, whatever comes before (emphasis
# markers such as `_GH-7_` end a word for GitHub, not for a regular expression).
_LIVE = r"""
 (?P<at>@)(?=[A-Za-z0-9_-])
|(?P<hash>\#|GH-)(?=\d)
|(?P<scheme>https?|ftp|mailto):
|(?P<www>www)(?=\.)
"""
_LIVE_TEXT = re.compile(_LIVE, re.IGNORECASE | re.VERBOSE)
# In Markdown also HTML and what makes links or images (`[x](url)`, `![x][ref]`). What
# this escaping wrote itself is kept as it is, so escaping twice changes nothing.
_LIVE_MARKDOWN = re.compile(
    r"(?P<kept>&(?:amp|lt|gt|\#8203);|\\[\\\[\]])|(?P<html>[&<>])|(?P<link>[\\\[\]])|" + _LIVE,
    re.IGNORECASE | re.VERBOSE,
)
# What GitHub shows as nothing between `@` and a name, so no mention is made.
ZERO_WIDTH_SPACE = "&#8203;"
# The same in plain text (an issue title), where entities are not read.
ZERO_WIDTH_CHAR = "\u200b"


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
    return inert_markdown(" ".join(text.splitlines()))


def inert_markdown(text: str) -> str:
    r"""Write `text` as Markdown that shows it as written and makes nothing live.

    Line breaks stay: the caller decides where a line goes (a quote, a table cell).
    `<`, `>` and `&` become entities, `\`, `[` and `]` are escaped, and a zero-width
    space breaks every mention, reference and autolink. Escaping twice is escaping once.

    >>> print(inert_markdown("@org/team see #1, <img src=x> [x](https://a.example)"))
    @&#8203;org/team see #&#8203;1, &lt;img src=x&gt; \[x\](https&#8203;://a.example)
    """
    return _LIVE_MARKDOWN.sub(lambda found: _broken(found, ZERO_WIDTH_SPACE), text)


def inert_title(text: str) -> str:
    """Write `text` as an issue title that mentions and references nothing.

    Titles are plain text on GitHub, so only mentions, references and addresses need
    breaking, with the character itself rather than an entity.

    >>> inert_title("Ask @carol about #5") == "Ask @\u200bcarol about #\u200b5"
    True
    """
    return _LIVE_TEXT.sub(lambda found: _broken(found, ZERO_WIDTH_CHAR), text)


def _broken(found: re.Match[str], space: str) -> str:
    """Write one match so that it shows as it is and does nothing."""
    kind = found.lastgroup
    if kind == "html":
        return html.escape(found[0])
    if kind == "link":
        return "\\" + found[0]
    if kind == "scheme":
        return f"{found['scheme']}{space}:"
    if kind == "kept":
        return found[0]
    return found[0] + space
