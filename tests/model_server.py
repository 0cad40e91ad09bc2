"""A local OpenAI-compatible chat-completions server that replays scripted answers.

It serves `POST /v1/chat/completions` on 127.0.0.1, keeps every request it was sent
(`requests`), and checks each one as a real server would read it: the path, the
`Authorization` header, the model name, the answer schema, and the minutes' lines each
after its number. What a request got wrong goes to `problems`, which tests expect empty.

Answers come from `script` in order (then `{"items": []}`), or from `answer`, a function
of the request's numbered lines, for tests whose requests are not known in advance.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.minutes.model_reader import ANSWER_SCHEMA

PATH = "/v1/chat/completions"
_NUMBERED = re.compile(r"^(\d+)\t", re.MULTILINE)


@dataclass(frozen=True)
class Reply:
    """One scripted answer: an HTTP status, a body, headers, and how long to take."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def items(*entries: dict[str, Any]) -> Reply:
    """A good answer: the model's message holds `{"items": [...]}` as JSON text."""
    return content(json.dumps({"items": list(entries)}))


def content(text: str) -> Reply:
    """An answer whose message text is `text`, whatever it says."""
    return Reply(body={"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]})


def item(line: int, quote: str, owners: list[str], task: str, due: str | None = None) -> dict[str, Any]:
    return {"line": line, "quote": quote, "owners": owners, "task": task, "due_phrase": due}


@dataclass
class ModelServer:
    """The server's state: what it was asked, what it found wrong, what it answers next."""

    key: str | None = None
    model: str | None = None
    structured: bool = True  # False: turn down `response_format` with a 400, as some servers do
    script: list[Reply] = field(default_factory=list)
    answer: Callable[[str], Reply] | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    url: str = ""

    def user_text(self, n: int = -1) -> str:
        """The minutes text of request `n`, as the model sees it."""
        return str(self.requests[n]["messages"][-1]["content"])

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        self.check(request, body)
        if "response_format" in body and not self.structured:
            return web.json_response({"error": {"message": "response_format unsupported"}}, status=400)
        reply = self.next_reply(body)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if isinstance(reply.body, str):
            return web.Response(status=reply.status, text=reply.body, headers=reply.headers)
        return web.json_response(reply.body or {}, status=reply.status, headers=reply.headers)

    def next_reply(self, body: dict[str, Any]) -> Reply:
        if self.script:
            return self.script.pop(0)
        if self.answer is not None:
            return self.answer(str(body["messages"][-1]["content"]))
        return items()

    def check(self, request: web.Request, body: dict[str, Any]) -> None:
        """Note what a real OpenAI-compatible server would refuse or misread."""
        wanted_auth = f"Bearer {self.key}" if self.key else None
        if request.headers.get("Authorization") != wanted_auth:
            self.problems.append(f"Authorization {request.headers.get('Authorization')!r}")
        if self.model is not None and body.get("model") != self.model:
            self.problems.append(f"model {body.get('model')!r}")
        messages = body.get("messages")
        if not isinstance(messages, list) or [m.get("role") for m in messages] != ["system", "user"]:
            self.problems.append("messages are not one system and one user message")
            return
        if json.dumps(ANSWER_SCHEMA, separators=(",", ":")) not in messages[0]["content"]:
            self.problems.append("the prompt does not carry the answer schema")
        fmt = body.get("response_format")
        if fmt is not None and fmt.get("json_schema", {}).get("schema") != ANSWER_SCHEMA:
            self.problems.append("response_format does not carry the answer schema")
        numbers = [int(n) for n in _NUMBERED.findall(messages[1]["content"])]
        if not numbers or numbers != list(range(numbers[0], numbers[0] + len(numbers))):
            self.problems.append("the minutes' lines are not numbered one after another")


@asynccontextmanager
async def model_server(**options: Any) -> AsyncIterator[ModelServer]:
    """Serve a `ModelServer` on a free local port; its `url` is the base to configure."""
    state = ModelServer(**options)
    app = web.Application()
    app.router.add_post(PATH, state.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    state.url = str(server.make_url("/v1"))
    try:
        yield state
    finally:
        await server.close()
