"""Lines of minutes that people ask the bot not to read for action items."""

from __future__ import annotations

from bot.tracker.lines import unix_lines

IGNORE_MARKER = "<!-- minutes-bot: ignore -->"


def without_ignored_lines(text: str) -> str:
    """Blank every line that carries `IGNORE_MARKER`, keeping the other lines' numbers.

    Line breaks come back as `\n`, however the file wrote them.
    """
    text = unix_lines(text)
    if IGNORE_MARKER not in text:
        return text
    return "\n".join("" if IGNORE_MARKER in line else line for line in text.split("\n"))
