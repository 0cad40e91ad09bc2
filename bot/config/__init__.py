"""Configuration, checked once at the edge and handed on as frozen dataclasses.

Two sources: each repository's `.github/minutes-bot.yml` (`schema` checks it into the
types of `types`) and the service's own settings (`settings`). `safe_yaml` is the one
way any YAML is read.
"""
