"""The extraction worker process: read jobs from the service, extract, answer.

The service starts it as `python -I -c ...` (see `extraction.py`) and speaks to it over
its standard input and output: each message is an 8-byte length, then a pickle. A job
comes in; a `(True, minutes)` or `(False, exception)` goes back. Only the extractor is
imported here, so a worker holds the extractor and nothing of the web service.

The worker's output stream is the channel, so what anything prints goes to standard
error instead. The worker ends when the service closes its input, when no job came for
a while, and within a second when the service is gone however it went (killed, it
closes nothing).
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import sys
import threading
import time
from typing import IO

from bot.minutes.job import Job
from bot.minutes.patterns import compile_all

HEADER = struct.Struct("!Q")
# How often a worker checks that the service it works for is still there.
WATCH_SECONDS = 1.0


def send(stream: IO[bytes], message: object) -> None:
    """Write one message: its length, then its pickle."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def receive(stream: IO[bytes]) -> object:
    """Read one message; raise `EOFError` when the other side has gone."""
    header = _read_exactly(stream, HEADER.size)
    return pickle.loads(_read_exactly(stream, HEADER.unpack(header)[0]))


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("the other end closed the channel")
    return data


def serve(idle_seconds: float = 0) -> None:
    """Answer jobs until the service closes the channel, or none came for `idle_seconds`
    (when not 0): a worker nobody needs gives its memory back, and the service starts
    another when a file comes."""
    channel_in = os.fdopen(os.dup(0), "rb")
    channel_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # what anything prints must not mix with the answers
    sys.stdout = sys.stderr
    _leave_with(os.getppid())
    # Compiled now, while the worker starts, so no file's budget pays for them.
    compile_all()
    while True:
        if idle_seconds and not select.select([channel_in], [], [], idle_seconds)[0]:
            return
        try:
            job = receive(channel_in)
        except EOFError:
            return
        assert isinstance(job, Job)
        try:
            answer: tuple[bool, object] = (True, job.run())
        except Exception as error:  # the service raises it as if it had run there
            answer = (False, error)
        try:
            send(channel_out, answer)
        except (pickle.PicklingError, TypeError, AttributeError):
            send(channel_out, (False, RuntimeError(f"{type(answer[1]).__name__}: {answer[1]}")))
        except BrokenPipeError:
            return


def _leave_with(service: int) -> None:
    """Exit once the service process is gone, however it went.

    A busy worker does not read its input, so it would not see it close: a watch asks
    every second who its parent is, and a gone service leaves it to another.
    """

    def watch() -> None:
        while os.getppid() == service:
            time.sleep(WATCH_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="service-watch", daemon=True).start()
