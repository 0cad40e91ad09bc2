#!/usr/bin/env bash
# Write requirements.lock: every runtime dependency of pyproject.toml pinned, with the
# hashes of every file PyPI serves for it, for Python 3.10 and later on every platform.
# The Action and the Docker image install from it with `pip install --require-hashes`.
#
#   scripts/lock.sh            # rewrite requirements.lock
#   scripts/lock.sh --upgrade  # and move every pin to the newest release
#
# Needs uv (`pip install uv`), for its platform-independent resolution.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v uv >/dev/null || { echo "lock.sh: needs uv (pip install uv)" >&2; exit 2; }
uv pip compile pyproject.toml --universal --python-version 3.10 --generate-hashes \
  --annotation-style line --custom-compile-command "scripts/lock.sh" \
  --output-file requirements.lock "$@"
