"""Everything that talks to GitHub: the port (`port`), who it acts as (`auth`), how fast it
writes (`pacing`), and the offline port that `plan` and the PR preview record into
(`offline`). The layers below never import this package.
"""

# GitHub.com's addresses; GitHub Enterprise Server has its own (`api_url` in the settings).
API_URL = "https://api.github.com"
WEB_URL = "https://github.com"
