"""Ask an OpenAI-compatible chat-completions API to read minutes, within bounds.

GitHub Models (`https://models.github.ai/inference`) by default, with the installation's
own token (or `GITHUB_TOKEN` in Actions); any other server (Ollama, llama.cpp, vLLM,
OpenAI, Azure) by `MINUTES_BOT_MODEL_URL`, with `MINUTES_BOT_MODEL_KEY` if it wants one.
Requests go to `{base}/chat/completions`.

Whatever goes wrong (no answer in time, a refusal, a rate limit too long to wait for,
an answer that is not the JSON asked for, the day's budget spent) becomes an `Answer`
with its `failure` set: the rules then read the file alone, and the delivery goes on.
Answers are kept by (file content, model, prompt version), so a re-push, a sync or a
replay of the same file asks nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any

import aiohttp

from bot.config.settings import ModelSettings, ServiceSettings, settings_from_env
from bot.config.types import DEFAULT_MODEL, RULES_AND_MODEL
from bot.minutes.model_reader import (
    PROMPT_VERSION,
    Answer,
    AnswerError,
    Chunk,
    Proposal,
    numbered_chunks,
    parse_answer,
    request_body,
)

log = logging.getLogger(__name__)

# A 429 asking to wait longer than this is a failure: the delivery does not wait for it.
MAX_WAIT_SECONDS = 30.0
# Tries of one request: a rate limit or a server error gets one more, after a pause.
TRIES = 2
# A server error without Retry-After is tried again after this long.
PAUSE_SECONDS = 1.0
# Answers kept in memory; each is a few KB.
CACHED_ANSWERS = 512

# Who may pay for a call, asked only when the endpoint is GitHub Models and no key is set.
TokenSource = Callable[[], Awaitable[str | None]]


@contextlib.asynccontextmanager
async def env_model_reader(env: Mapping[str, str], reader: str) -> AsyncIterator[ModelReader | None]:
    """A model reader set up from the environment, for commands that read one file; None
    when `reader` leaves the model out. Raise `SettingsError` on settings that cannot work."""
    if reader != RULES_AND_MODEL:
        yield None
        return
    settings = settings_from_env(env)
    async with aiohttp.ClientSession() as session:
        yield model_reader(session, settings)


async def no_token() -> str | None:
    """No installation to pay for the calls: the reader's key or `GITHUB_TOKEN` does."""
    return None


def model_reader(session: aiohttp.ClientSession, settings: ServiceSettings) -> ModelReader:
    """The service's model reader; GitHub Models calls without an installation pay with
    `GITHUB_TOKEN`."""
    return ModelReader(session, settings.model, fallback_token=settings.token)


class ModelUnavailable(Exception):
    """The model did not give a usable answer; the message says why, for logs and previews."""


class DailyBudget:
    """Requests sent per account and UTC day, retries included; yesterday's are forgotten."""

    def __init__(self, per_day: int, clock: Callable[[], float] = time.time) -> None:
        self.per_day = per_day
        self._clock = clock
        self._day: date | None = None
        self._spent: dict[str, int] = {}

    def left(self, account: str) -> int:
        """How many requests `account` may still send today."""
        today = datetime.fromtimestamp(self._clock(), timezone.utc).date()
        if today != self._day:
            self._day, self._spent = today, {}
        return self.per_day - self._spent.get(account, 0)

    def take(self, account: str) -> None:
        """Count one request of `account`; ModelUnavailable when its day's budget is spent."""
        if self.left(account) <= 0:
            raise ModelUnavailable(f"today's budget of {self.per_day} model calls is spent")
        self._spent[account] = self._spent.get(account, 0) + 1


class ModelReader:
    """Read minutes with a model over HTTP; one instance per process, shared by deliveries."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: ModelSettings,
        *,
        fallback_token: str | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.session = session
        self.settings = settings
        self.budget = DailyBudget(settings.calls_per_day, clock)
        self._fallback_token = fallback_token
        self._sleep = sleep
        self._cache: OrderedDict[tuple[str, str, str], Answer] = OrderedDict()
        # Servers that turned down structured output are asked for plain JSON from then on.
        self._structured = True

    def model_for(self, configured: str) -> str:
        """The model a repository's file is read with: the service's choice, else its own."""
        return self.settings.model or configured or DEFAULT_MODEL

    async def read(
        self, text: str, *, model: str, account: str, token: TokenSource, path: str = ""
    ) -> Answer:
        """Return the model's proposals for a whole file, or an `Answer` saying why none.

        `account` is whose daily budget the calls count against (the repository's owner,
        whose installation it is); `token` gives the installation's token for GitHub Models.
        """
        model = self.model_for(model)
        key = (hashlib.sha256(text.encode()).hexdigest(), model, PROMPT_VERSION)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        try:
            answer = await self._read(text, model, account, token)
        except ModelUnavailable as error:
            log.warning(
                "the model reader failed; the rules read the file alone",
                extra={"fields": {"path": path, "model": model, "reason": str(error)}},
            )
            return Answer(model, failure=str(error))
        self._cache[key] = answer
        if len(self._cache) > CACHED_ANSWERS:
            self._cache.popitem(last=False)
        return answer

    async def _read(self, text: str, model: str, account: str, token: TokenSource) -> Answer:
        if self.settings.calls_per_day <= 0:
            raise ModelUnavailable("the service does not allow the model reader")
        chunks = numbered_chunks(text)
        if self.budget.left(account) < len(chunks):  # half a file's answer is no answer
            raise ModelUnavailable(f"today's budget of {self.budget.per_day} model calls is spent")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if (key := await self._key(token)) is not None:
            headers["Authorization"] = f"Bearer {key}"
        total = text.count("\n") + 1
        proposals: list[Proposal] = []
        malformed = 0
        for chunk in chunks:
            found, bad = await self._ask(chunk, model, total, headers, account)
            proposals += found
            malformed += bad
        return Answer(model, tuple(proposals), malformed)

    async def _key(self, token: TokenSource) -> str | None:
        """The key sent: the configured one, else for GitHub Models the installation's token."""
        if self.settings.key:
            return self.settings.key
        if not self.settings.on_github_models:
            return None  # a local server without a key wants none
        found = await token()
        return found or self._fallback_token

    async def _ask(
        self, chunk: Chunk, model: str, total: int, headers: dict[str, str], account: str
    ) -> tuple[list[Proposal], int]:
        """Send one chunk; wait out one rate limit or server error; parse the answer."""
        for attempt in range(1, TRIES + 1):
            body = request_body(chunk, model, total_lines=total, structured=self._structured)
            status, retry_after, reply = await self._post(body, headers, account)
            if status in (HTTPStatus.BAD_REQUEST, HTTPStatus.UNPROCESSABLE_ENTITY) and self._structured:
                # Taken for a server without structured output; one that refused for another
                # reason refuses the plain request too, and is asked plainly from then on.
                self._structured = False
                status, retry_after, reply = await self._post(
                    request_body(chunk, model, total_lines=total, structured=False), headers, account
                )
            if status == HTTPStatus.OK:
                return _proposals(reply)
            wait = _wait(status, retry_after)
            if wait is None or attempt == TRIES:
                raise ModelUnavailable(_refusal(status, retry_after))
            await self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    async def _post(
        self, body: dict[str, Any], headers: dict[str, str], account: str
    ) -> tuple[int, float | None, Any]:
        self.budget.take(account)
        url = self.settings.url.rstrip("/") + "/chat/completions"
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout)
        try:
            async with self.session.post(url, json=body, headers=headers, timeout=timeout) as answer:
                retry_after = _seconds(answer.headers.get("Retry-After"))
                if answer.status != HTTPStatus.OK:
                    return answer.status, retry_after, None
                try:
                    return answer.status, None, await answer.json(content_type=None)
                except ValueError:
                    raise ModelUnavailable("the server's reply is not JSON") from None
        except asyncio.TimeoutError:  # on Python 3.10 not yet the built-in TimeoutError
            raise ModelUnavailable(f"no answer within {self.settings.timeout:g} s") from None
        except aiohttp.ClientError as error:
            raise ModelUnavailable(f"the model server cannot be reached ({type(error).__name__})") from None


def _proposals(reply: Any) -> tuple[list[Proposal], int]:
    """The proposals in a chat-completions reply; ModelUnavailable when it holds none."""
    try:
        message = reply["choices"][0]["message"]
    except (TypeError, KeyError, IndexError):
        raise ModelUnavailable("the reply has no message") from None
    if not isinstance(message, dict):
        raise ModelUnavailable("the reply has no message")
    if message.get("refusal"):
        raise ModelUnavailable("the model refused to answer")
    content = message.get("content")
    if not isinstance(content, str):
        raise ModelUnavailable("the reply has no text")
    try:
        return parse_answer(content)
    except AnswerError as error:
        raise ModelUnavailable(str(error)) from None


def _wait(status: int, retry_after: float | None) -> float | None:
    """How long to wait before trying again, or None not to try again."""
    if status == HTTPStatus.TOO_MANY_REQUESTS or status >= 500:
        wait = retry_after if retry_after is not None else PAUSE_SECONDS
        return wait if wait <= MAX_WAIT_SECONDS else None
    return None


def _refusal(status: int, retry_after: float | None) -> str:
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        later = f"; it asks to wait {retry_after:g} s" if retry_after is not None else ""
        return f"the model server is rate limiting (429{later})"
    if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
        return f"the model server refused the key ({status})"
    return f"the model server answered {status}"


def _seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Read a `Retry-After`, in seconds or as an HTTP date; nonsense counts as not given."""
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - now(), 0.0)
    except (TypeError, ValueError):
        return None
