"""One minutes file to read, with what reading needs besides its text, and the type of
whatever reads it (`Extract`): in this process, or in the service's worker pool.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from bot.minutes.extract import extract_minutes
from bot.minutes.model import Minutes
from bot.minutes.model_reader import Answer, with_model_items
from bot.minutes.people import Roster

NOBODY = Roster()

# The slowest ordinary minutes take well under a second; 20 s is something else.
EXTRACTION_SECONDS = 20.0


class ExtractionTimeout(Exception):
    """A minutes file whose extraction did not finish within the budget."""

    def __init__(self, path: str, seconds: float) -> None:
        super().__init__(f"{path}: reading the action items took longer than {seconds:g} s")
        self.path = path
        self.seconds = seconds


@dataclass(frozen=True)
class Job:
    """One minutes file to extract, with what extraction needs besides its text.

    `answer`, when the model reader was asked, holds its proposals (or why there are
    none): those the file bears out are added to the rules' items.
    """

    text: str
    path: str
    people: Roster = NOBODY
    holidays: tuple[int, int] = (12, 24)
    meeting_date: date | None = None
    answer: Answer | None = None

    def run(self) -> Minutes:
        """Extract the file's items, here and now."""
        minutes = extract_minutes(
            self.text,
            path=self.path,
            people=self.people,
            holidays=self.holidays,
            meeting_date=self.meeting_date,
        )
        if self.answer is None:
            return minutes
        return with_model_items(self.text, minutes, self.answer, self.people, self.holidays)


# Find the action items of one minutes file, somewhere other than the event loop.
Extract = Callable[[Job], Awaitable[Minutes]]


async def extract_here(job: Job) -> Minutes:
    """Extract in this process: for offline commands, reading a person's own file."""
    return job.run()


