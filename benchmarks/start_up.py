"""What starting the command line costs, next to what it cannot cost less than.

    python benchmarks/start_up.py [--runs 20]

Each pair runs in turns, A then B, and the ratio is taken pair by pair, so a machine
that slows down during the run moves both sides alike:

- `minutes-bot --version` against `python -c pass`;
- `minutes-bot extract FILE` (the SVSM example) against `python -c "import markdown_it"`,
  the parser extraction cannot do without.

Then the modules `extract` spends its start-up importing, heaviest first, from
`python -X importtime`, with the packages it must not load (aiohttp, the worker pool).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "svsm-2024-12-18.md"
CLI = [sys.executable, "-m", "bot.cli"]
PAIRS = {
    "minutes-bot --version vs python -c pass": ([*CLI, "--version"], [sys.executable, "-c", "pass"]),
    "minutes-bot extract FILE vs python -c 'import markdown_it'": (
        [*CLI, "extract", str(EXAMPLE)],
        [sys.executable, "-c", "import markdown_it"],
    ),
}
NOT_NEEDED = ("aiohttp", "gidgethub", "redis", "multiprocessing", "concurrent.futures.process", "yaml")


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def paired(a: list[str], b: list[str], runs: int) -> tuple[float, float, float]:
    """Return the medians of A and B and the median of A/B taken pair by pair."""
    wall(a), wall(b)  # warm the file cache
    pairs = [(wall(a), wall(b)) for _ in range(runs)]
    return (
        statistics.median(x for x, _ in pairs),
        statistics.median(y for _, y in pairs),
        statistics.median(x / y for x, y in pairs),
    )


def heaviest_imports(command: list[str], most: int = 8) -> list[tuple[str, float]]:
    """Return the packages `command` imports by their own import time in ms, heaviest first.

    The project's modules count by layer (`bot.minutes`), others by top-level package.
    """
    done = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]], capture_output=True, text=True, cwd=ROOT
    )
    totals: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        parts = name.strip().split(".")
        package = ".".join(parts[:2]) if parts[0] == "bot" else parts[0]
        totals[package] = totals.get(package, 0.0) + int(own) / 1000
    return sorted(totals.items(), key=lambda kv: -kv[1])[:most]


def loaded(command: list[str], wanted: tuple[str, ...]) -> list[str]:
    """Return which of `wanted` the command has imported by the time it exits."""
    code = (
        "import sys, runpy; sys.argv = ['minutes-bot', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('bot.cli.main', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        f"print(sorted(m for m in {wanted!r} if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code, *command[len(CLI):]],
                          capture_output=True, text=True, cwd=ROOT)
    return done.stderr.strip().splitlines()[-1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    for label, (a, b) in PAIRS.items():
        median_a, median_b, ratio = paired(a, b, args.runs)
        print(f"{label}: {median_a:.3f} s vs {median_b:.3f} s, {ratio:.2f}x (median of {args.runs} pairs)")
    extract = PAIRS["minutes-bot extract FILE vs python -c 'import markdown_it'"][0]
    heavy = ", ".join(f"{name} {ms:.0f} ms" for name, ms in heaviest_imports(extract))
    print(f"extract imports, own time by package (python -X importtime): {heavy}")
    for name, (a, _) in PAIRS.items():
        print(f"{name.split(' vs ')[0]} loads of {', '.join(NOT_NEEDED)}: {loaded(a, NOT_NEEDED)[0]}")


if __name__ == "__main__":
    main()
