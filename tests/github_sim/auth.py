"""Tokens, GitHub App JWTs and rate limits of the simulated GitHub."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .state import Clock, SimError

INSTALLATION_TOKEN_LIFETIME = timedelta(hours=1)
MAX_JWT_LIFETIME = 600 + 60  # GitHub allows 10 minutes; clients backdate `iat` by 60 s


def generate_app_key() -> tuple[str, str]:
    """Return a fresh RSA key pair as (private PEM, public PEM), for registering a test app."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


@dataclass
class App:
    """A registered GitHub App: its id, slug and the public half of its signing key."""

    app_id: int
    public_key: str
    slug: str = "minutes-bot"

    @property
    def bot_login(self) -> str:
        """Return the login the app acts as, e.g. `minutes-bot[bot]`."""
        return f"{self.slug}[bot]"


@dataclass
class Token:
    """An access token: which repositories it reaches (None: all) and who acts with it."""

    value: str
    login: str
    repos: frozenset[str] | None = None
    expires_at: datetime | None = None
    installation_id: int | None = None

    def reaches(self, full_name: str) -> bool:
        """Say whether the token may see `owner/name`."""
        return self.repos is None or full_name.lower() in self.repos


@dataclass
class RateLimit:
    """One rate-limit bucket (`core` or `search`) with a window on the simulated clock."""

    limit: int
    window: timedelta
    used: int = 0
    reset_at: datetime | None = None

    def roll(self, now: datetime) -> None:
        """Start a new window when the old one has passed (or the clock was set back before it)."""
        if self.reset_at is None or not self.reset_at - self.window <= now < self.reset_at:
            self.used = 0
            self.reset_at = now + self.window

    def headers(self, resource: str) -> dict[str, str]:
        """Return GitHub's `x-ratelimit-*` headers for this bucket."""
        assert self.reset_at is not None
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(max(self.limit - self.used, 0)),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-reset": str(int(self.reset_at.timestamp())),
            "x-ratelimit-resource": resource,
        }


@dataclass
class Auth:
    """Who may call the simulator, and how much."""

    clock: Clock
    apps: dict[int, App] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    limits: dict[str, RateLimit] = field(default_factory=lambda: {
        "core": RateLimit(5000, timedelta(hours=1)),
        "search": RateLimit(30, timedelta(minutes=1)),
        "graphql": RateLimit(5000, timedelta(hours=1)),  # points, one a document here
    })

    def add_token(self, value: str, login: str, repos: list[str] | None = None,
                  expires_at: datetime | None = None, installation_id: int | None = None) -> Token:
        """Accept `value` as a token acting as `login` on `repos` (None: every repository)."""
        scope = frozenset(r.lower() for r in repos) if repos is not None else None
        token = Token(value, login, scope, expires_at, installation_id)
        self.tokens[value] = token
        return token

    def issue_installation_token(self, installation_id: int, login: str, repos: list[str] | None) -> Token:
        """Create a token for an installation that expires an hour later on the simulated clock."""
        value = "ghs_" + secrets.token_urlsafe(27)
        expires = self.clock.now() + INSTALLATION_TOKEN_LIFETIME
        return self.add_token(value, login, repos, expires, installation_id)

    def revoke(self, installation_id: int, repos: list[str] | None = None) -> None:
        """Withdraw an installation's tokens (only their access to `repos`, when given)."""
        for value, token in list(self.tokens.items()):
            if token.installation_id != installation_id:
                continue
            if repos is None:
                del self.tokens[value]
            elif token.repos is not None:
                token.repos = token.repos - {name.lower() for name in repos}

    def token(self, value: str) -> Token:
        """Return a live token or raise GitHub's 401."""
        token = self.tokens.get(value)
        if token is None or (token.expires_at is not None and self.clock.now() >= token.expires_at):
            raise bad_credentials()
        return token

    def app_for_jwt(self, encoded: str) -> App:
        """Return the app that signed this JWT, or raise GitHub's 401.

        Expiry is checked against real time, not the simulated clock, because clients sign
        JWTs with the real time even when a test moves the simulated clock.
        """
        try:
            claims = jwt.decode(encoded, options={"verify_signature": False})
            app = self.apps[int(claims["iss"])]
            claims = jwt.decode(encoded, app.public_key, algorithms=["RS256"], leeway=0,
                                options={"require": ["iat", "exp", "iss"]})
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as error:
            raise SimError(401, "A JSON web token could not be decoded") from error
        if int(claims["exp"]) - int(claims["iat"]) > MAX_JWT_LIFETIME or int(claims["iat"]) > time.time() + 60:
            raise SimError(401, "'Expiration time' claim ('exp') is too far in the future")
        return app

    def limit(self, resource: str) -> RateLimit:
        """Return a rate-limit bucket with its window rolled forward."""
        bucket = self.limits[resource]
        bucket.roll(self.clock.now())
        return bucket


def bad_credentials() -> SimError:
    """Return GitHub's 401 for a wrong or expired token."""
    return SimError(401, "Bad credentials")


def is_jwt(credential: str) -> bool:
    """Say whether a bearer credential looks like a JWT rather than a token."""
    return credential.startswith("eyJ") and credential.count(".") == 2


def credential_from(header: str | None) -> str | None:
    """Extract the credential from `Authorization: token X` / `bearer X`."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() in ("token", "bearer") and value.strip() else None
