"""The data the minutes core produces: frozen, comparable, free of I/O."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from bot.compat import StrEnum


class RefKind(StrEnum):
    """What an action item points at; the string values are the JSON contract."""

    PR = "pr"
    ISSUE = "issue"
    URL = "url"
    BRANCH = "branch"
    NAMED_PR = "named_pr"


@dataclass(frozen=True)
class Ref:
    """A reference stated in an item's sentence.

    `value` is `#123`, `owner/repo#45`, a URL, a branch name, or for `named_pr` the
    words that name the PR ("user space support PR"); `person` is whoever the
    minutes tie a named PR to (its author), when they say; `repository` is, for a
    branch the minutes place in another repository, that repository as written
    ("the Linux kernel repository"), so it is not taken for a branch of this one.
    """

    kind: RefKind
    value: str
    person: str | None = None
    repository: str | None = None

    def to_json(self) -> dict[str, str]:
        data = {"kind": self.kind.value, "value": self.value}
        if self.person:
            data["person"] = self.person
        if self.repository:
            data["repository"] = self.repository
        return data


@dataclass(frozen=True)
class Person:
    """Somebody the project knows: display name, GitHub login, other spellings."""

    name: str
    login: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionItem:
    """One commitment found in the minutes.

    `line` is the 1-based line where the item's sentence, bullet or table row starts;
    `owners` are names as written (a pronoun already replaced), empty for "everyone";
    `logins` are the GitHub logins of those owners that are known, in the same order;
    `reader` says who found it: the rules, or the model reader alone (`model`).
    """

    line: int
    owners: tuple[str, ...]
    logins: tuple[str, ...]
    title: str
    due: date | None = None
    refs: tuple[Ref, ...] = ()
    source: str = ""
    reader: str = "rules"

    @property
    def key(self) -> str:
        """A stable identity for the item: its owners and title, normalised."""
        # Imported here: hashlib loads OpenSSL, which reading minutes never needs.
        import hashlib

        words = normalise_words(" ".join(self.logins or self.owners) + " | " + self.title)
        return hashlib.sha1(" ".join(words).encode()).hexdigest()[:12]

    def to_json(self) -> dict[str, object]:
        return {
            "line": self.line,
            "owners": list(self.owners),
            "logins": list(self.logins),
            "title": self.title,
            "due": self.due.isoformat() if self.due else None,
            "refs": [ref.to_json() for ref in self.refs],
            **({"reader": self.reader} if self.reader != "rules" else {}),
        }


@dataclass(frozen=True)
class Reading:
    """What the model reader did with one file.

    `proposed` items came back, `kept` were added, `confirmed` were the rules' own, and
    `dropped` counts the rest by reason; `failure` says why the rules read alone.
    """

    model: str
    proposed: int = 0
    kept: int = 0
    confirmed: int = 0
    dropped: tuple[tuple[str, int], ...] = ()
    failure: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "model": self.model,
            "proposed": self.proposed,
            "kept": self.kept,
            "confirmed": self.confirmed,
            "dropped": dict(self.dropped),
            "failure": self.failure,
        }


@dataclass(frozen=True)
class Attendee:
    name: str
    login: str | None = None


@dataclass(frozen=True)
class Minutes:
    """A minutes file as the core understands it."""

    path: str
    title: str | None
    meeting_date: date | None
    next_meeting: date | None = None
    attendees: tuple[Attendee, ...] = ()
    items: tuple[ActionItem, ...] = field(default=())
    # Set when the model reader was asked to read the file too.
    reading: Reading | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "meeting_date": self.meeting_date.isoformat() if self.meeting_date else None,
            "items": [item.to_json() for item in self.items],
            **({"reading": self.reading.to_json()} if self.reading is not None else {}),
        }


def normalise_words(text: str) -> list[str]:
    """Lower-case ASCII words of `text`: accents folded, punctuation dropped."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.findall(r"[a-z0-9]+", folded.lower())
