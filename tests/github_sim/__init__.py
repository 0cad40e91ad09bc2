"""A faithful in-memory GitHub (REST API, webhooks, App auth) for minutes-bot's tests."""

from .auth import App, RateLimit, Token, generate_app_key
from .faults import Call, Fault, Faults
from .sim import GitHubSim
from .state import (
    Clock,
    Comment,
    Commit,
    CommitComment,
    Issue,
    Label,
    PullInfo,
    Reaction,
    Repo,
    SimError,
    User,
)
from .webhooks import Delivery, signature

__all__ = [
    "App", "Call", "Clock", "Comment", "Commit", "CommitComment", "Delivery", "Fault", "Faults",
    "GitHubSim", "Issue", "Label", "PullInfo", "RateLimit", "Reaction", "Repo", "SimError", "Token", "User",
    "generate_app_key", "signature",
]
