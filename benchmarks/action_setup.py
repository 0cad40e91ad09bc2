"""Time what the Action does before its first API call, on this machine.

The same steps as action.yml, minus what only GitHub's runners do (`actions/setup-python`
finding a cached interpreter, `actions/cache` restoring the virtualenv):

- a cold run: a new virtualenv, `pip install --require-hashes -r requirements.lock`
  with an empty pip cache, so every wheel is downloaded;
- the same with pip's cache filled, as setup-python's pip cache would give;
- a warm run: the cached virtualenv exists, and the bot starts (`import bot.cli.action`
  and its dependencies), compared with a bare interpreter start.

    python benchmarks/action_setup.py [--python python3.10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"


def timed(command: list[str], **options: object) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, **options)  # type: ignore[call-overload]
    return time.perf_counter() - started


def install(python: str, venv: Path, cache: Path) -> float:
    """Build the Action's virtualenv from the lock file; return the seconds it took."""
    pip = [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
           "--require-hashes", "--no-deps", "--cache-dir", str(cache), "-r", str(LOCK)]
    return timed([python, "-m", "venv", str(venv)]) + timed(pip)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="action-setup-") as temp:
        folder = Path(temp)
        cold = install(args.python, folder / "cold", folder / "cache")
        warm_cache = install(args.python, folder / "warm", folder / "cache")
        python = str(folder / "warm/bin/python")
        bare = [timed([python, "-c", "pass"]) for _ in range(args.repeat)]
        start = [timed([python, "-c", "import bot.cli.action"], cwd=ROOT) for _ in range(args.repeat)]
    print(f"cold install, empty pip cache: {cold:.1f} s")
    print(f"install with pip's cache filled: {warm_cache:.1f} s")
    print(f"warm start, bot imported: {statistics.median(start):.2f} s "
          f"(a bare interpreter: {statistics.median(bare):.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
