"""Who the port acts as: a token, or a GitHub App and its installations' tokens,
renewed before they expire."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Protocol

import gidgethub.aiohttp
from gidgethub import BadRequest

from bot.compat import parse_time
from bot.github.pacing import Clock, WritePacer

log = logging.getLogger(__name__)





@dataclass
class Installation:
    """What every port of one installation shares: its token and its write lock.

    `generation` counts the tokens obtained; `reached` names the repositories a token
    of it has been answered for, so a 404 there is the thing missing, not the token;
    `missing` those a token of the generation given was told do not exist.
    """

    token: str | None = None
    expires_at: float = math.inf
    generation: int = 0
    reached: set[str] = field(default_factory=set)
    missing: dict[str, int] = field(default_factory=dict)  # repository: generation told so
    refreshing: asyncio.Lock = field(default_factory=asyncio.Lock)
    writing: asyncio.Lock = field(default_factory=asyncio.Lock)
    pacer: WritePacer | None = None  # when no pacer is given, the one its ports share


class Auth(Protocol):
    """Where a port's access token comes from."""

    def installation(self, installation_id: int | None) -> Installation: ...

    async def token(self, api: gidgethub.aiohttp.GitHubAPI, installation_id: int | None) -> str: ...

    def forget(self, installation_id: int | None, token: str) -> bool: ...

    async def own_logins(self, api: gidgethub.aiohttp.GitHubAPI) -> frozenset[str]: ...

    def learn_own_login(self, login: str) -> None: ...


# Who `GITHUB_TOKEN` acts as in GitHub Actions; such tokens may not ask `GET /user`.
ACTIONS_LOGIN = "github-actions[bot]"


class TokenAuth:
    """A plain token: a personal token, or `GITHUB_TOKEN` in GitHub Actions."""

    def __init__(self, token: str) -> None:
        self._token = token
        self._installation = Installation(token=token)
        self._logins: frozenset[str] | None = None

    def __repr__(self) -> str:
        return "TokenAuth(token='***')"

    def installation(self, installation_id: int | None) -> Installation:
        return self._installation

    async def token(self, api: gidgethub.aiohttp.GitHubAPI, installation_id: int | None) -> str:
        return self._token

    def forget(self, installation_id: int | None, token: str) -> bool:
        """Return False: a plain token cannot be renewed."""
        return False

    async def own_logins(self, api: gidgethub.aiohttp.GitHubAPI) -> frozenset[str]:
        """Return the token's user; Actions' own token, which may not ask, is its bot."""
        if self._logins is None:
            try:
                self._logins = frozenset({(await api.getitem("/user"))["login"]})
            except BadRequest as error:
                if error.status_code not in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
                    raise
                self._logins = frozenset({ACTIONS_LOGIN})
        return self._logins

    def learn_own_login(self, login: str) -> None:
        """Take the author of an issue this token just opened as the token's user."""
        self._logins = self._logins or frozenset({login})


# GitHub's installation tokens expire an hour after they are issued.
TOKEN_LIFETIME = 3600.0


class AppAuth:
    """A GitHub App: a JWT traded for one installation token per installation, cached.

    A token is renewed `refresh_before` seconds before it expires, by one caller at
    a time, and at once after GitHub rejects it with 401.
    """

    def __init__(
        self,
        app_id: int | str,
        private_key: str,
        *,
        clock: Clock = time.time,
        refresh_before: float = 5 * 60,
    ) -> None:
        self.app_id = str(app_id)
        self._private_key = private_key
        self._clock = clock
        self._refresh_before = refresh_before
        self._installations: dict[int | None, Installation] = {}
        self._logins: frozenset[str] | None = None
        self.exchanges = 0

    def __repr__(self) -> str:
        return f"AppAuth(app_id={self.app_id!r}, private_key='***')"

    def installation(self, installation_id: int | None) -> Installation:
        return self._installations.setdefault(installation_id, Installation())

    async def token(self, api: gidgethub.aiohttp.GitHubAPI, installation_id: int | None) -> str:
        """Return the installation's token, trading the app JWT for a new one when needed."""
        if installation_id is None:
            raise ValueError("a GitHub App port needs an installation id")
        state = self.installation(installation_id)
        async with state.refreshing:
            if state.token is None or self._clock() >= state.expires_at - self._refresh_before:
                await self._exchange(api, installation_id, state)
            assert state.token is not None
            return state.token

    def forget(self, installation_id: int | None, token: str) -> bool:
        """Drop a token GitHub rejected; return True so the caller asks for a new one."""
        state = self.installation(installation_id)
        if state.token == token:
            state.token = None
        return True

    def jwt(self) -> str:
        """Return a fresh app JWT, e.g. for `/app/...` endpoints."""
        # Imported here: PyJWT brings cryptography, about 65 ms and 9 MB that a process
        # signing nothing (the Action, a service on a token) would pay at every start.
        from gidgethub.apps import get_jwt

        return get_jwt(app_id=self.app_id, private_key=self._private_key)

    async def own_logins(self, api: gidgethub.aiohttp.GitHubAPI) -> frozenset[str]:
        """Return the App's bot login, `<slug>[bot]`, asked of GitHub once."""
        if self._logins is None:
            app = await api.getitem("/app", jwt=self.jwt())
            self._logins = frozenset({f"{app['slug']}[bot]"})
        return self._logins

    def learn_own_login(self, login: str) -> None:
        """Take the author of an issue an installation just opened as the App's bot."""
        self._logins = self._logins or frozenset({login})

    async def _exchange(
        self, api: gidgethub.aiohttp.GitHubAPI, installation_id: int, state: Installation
    ) -> None:
        answer = await api.post(
            "/app/installations/{installation_id}/access_tokens",
            {"installation_id": installation_id},
            data=b"",
            jwt=self.jwt(),
        )
        self.exchanges += 1
        state.token = answer["token"]
        state.generation += 1
        now = self._clock()
        remaining = _epoch(answer.get("expires_at")) - now
        if not self._refresh_before < remaining <= TOKEN_LIFETIME + 60:
            # Our clock and GitHub's disagree: trust the documented lifetime, on our clock,
            # rather than trade for a new token on every call. A 401 still renews it.
            remaining = TOKEN_LIFETIME
        state.expires_at = now + remaining
        log.info("renewed the token of installation %s", installation_id)


def _epoch(timestamp: str | None) -> float:
    if not timestamp:
        return math.inf
    return parse_time(timestamp).timestamp()


