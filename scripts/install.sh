#!/usr/bin/env bash
# Install minutes-bot and its runtime dependencies (no test tools) into a virtualenv.
#
#   scripts/install.sh PREFIX [SOURCE_DIR]
#
# PREFIX is the virtualenv to create or update; SOURCE_DIR is the project (default: the
# checkout this script lives in). The Docker image is built with this script, so running
# it in CI tests the image's install steps on machines without a Docker engine.
# Running it again on the same PREFIX reinstalls the project in place.
set -euo pipefail

die() {
  echo "install.sh: $*" >&2
  exit 2
}

[[ $# -ge 1 && $# -le 2 ]] || die "usage: scripts/install.sh PREFIX [SOURCE_DIR]"
prefix=$1
source_dir=${2:-"$(dirname "${BASH_SOURCE[0]}")/.."}
python=${PYTHON:-python3}

[[ -f "$source_dir/pyproject.toml" ]] || die "no pyproject.toml in $source_dir"
# An absolute path, so pip never mistakes a bare directory name for a package name.
source_dir=$(cd "$source_dir" && pwd)

if [[ ! -x "$prefix/bin/python" ]]; then
  "$python" -m venv "$prefix"
fi
pip=("$prefix/bin/python" -m pip --disable-pip-version-check)

# pip always rebuilds a project given as a directory, so a second run installs the
# current source even when the version number did not change.
"${pip[@]}" install --quiet "$source_dir"
"${pip[@]}" check
"$prefix/bin/minutes-bot" --version
