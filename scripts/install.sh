#!/usr/bin/env bash
# Install minutes-bot and its locked runtime dependencies (no test tools) into a virtualenv.
#
#   scripts/install.sh [--dependencies] PREFIX [SOURCE_DIR]
#
# PREFIX is the virtualenv to create or update; SOURCE_DIR is the project (default: the
# checkout this script lives in). The dependencies come from SOURCE_DIR/requirements.lock,
# every one pinned and checked against its hashes. With --dependencies only they are
# installed, which needs nothing but the lock file: the Docker image caches that step in
# a layer of its own. The image is built with this script, so running it in CI tests the
# image's install steps on machines without a Docker engine. Running it again on the same
# PREFIX reinstalls the project in place.
set -euo pipefail

die() {
  echo "install.sh: $*" >&2
  exit 2
}

only_dependencies=false
if [[ ${1:-} == --dependencies ]]; then
  only_dependencies=true
  shift
fi
[[ $# -ge 1 && $# -le 2 ]] || die "usage: scripts/install.sh [--dependencies] PREFIX [SOURCE_DIR]"
prefix=$1
source_dir=${2:-"$(dirname "${BASH_SOURCE[0]}")/.."}
python=${PYTHON:-python3}

[[ -f "$source_dir/requirements.lock" ]] || die "no requirements.lock in $source_dir"
$only_dependencies || [[ -f "$source_dir/pyproject.toml" ]] || die "no pyproject.toml in $source_dir"
# An absolute path, so pip never mistakes a bare directory name for a package name.
source_dir=$(cd "$source_dir" && pwd)

if [[ ! -x "$prefix/bin/python" ]]; then
  "$python" -m venv "$prefix"
fi
pip=("$prefix/bin/python" -m pip --disable-pip-version-check)

"${pip[@]}" install --quiet --require-hashes --no-deps -r "$source_dir/requirements.lock"
if $only_dependencies; then
  exit 0
fi
# The lock file already brought every dependency. pip always rebuilds a project given as
# a directory, so a second run installs the current source even when the version did not
# change.
"${pip[@]}" install --quiet --no-deps "$source_dir"
"${pip[@]}" check
"$prefix/bin/minutes-bot" --version
