"""minutes-bot: turn action items in committed meeting minutes into tracked GitHub issues."""

__version__ = "0.1.0"
