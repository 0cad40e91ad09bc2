"""Reading a file a person named on the command line, with one clear line for each way
it can be unusable (missing, a folder, too big, binary, not UTF-8)."""

from __future__ import annotations

from pathlib import Path

MAX_MINUTES_BYTES = 5 * 1024 * 1024


class InputError(Exception):
    """A file the command cannot use; the message is one line for the user."""


def read_text_file(path: Path, what: str, limit: int = MAX_MINUTES_BYTES) -> str:
    """Read a UTF-8 text file or raise InputError saying exactly what is wrong."""
    if not path.exists():
        raise InputError(f"{path}: no such {what}")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a {what}")
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(f"{path}: {what} is {size:,} bytes; the limit is {limit:,}")
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read the {what} ({err.strerror})") from None
    if b"\x00" in data:
        raise InputError(f"{path}: looks binary, not a Markdown/YAML text {what}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text (byte {err.start})") from None
