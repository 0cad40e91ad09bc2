"""What starting the command line costs, next to what it cannot cost less than.

    python benchmarks/start_up.py [--runs 20]

Each pair runs in turns, A then B, and the ratio of processor time (user + system) is
taken pair by pair, so a machine that slows down during the run moves both sides alike:

- `minutes-bot --version` against `python -c pass`;
- `minutes-bot extract FILE` (the SVSM example) against `python -c "import markdown_it"`,
  the parser extraction cannot do without, twice: with the project's bytecode cached, as
  an installed package has it, and compiled from source on every run, as the Action's
  fresh checkout of the bot does on its first call.

Both sides run the same interpreter on a copy of `bot/`, so the checkout is left as it is.
Then the modules `extract` spends its start-up importing, heaviest first, from
`python -X importtime`, with the packages it must not load (aiohttp, the worker pool).
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "svsm-2024-12-18.md"
# The console script when the project is installed next to this Python, as users run it.
SCRIPT = Path(sys.executable).with_name("minutes-bot")
CLI = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "bot.cli"]
VERSION = ([*CLI, "--version"], [sys.executable, "-c", "pass"])
EXTRACT = ([*CLI, "extract", str(EXAMPLE)], [sys.executable, "-c", "import markdown_it"])
NOT_NEEDED = ("aiohttp", "gidgethub", "redis", "multiprocessing", "concurrent.futures.process", "yaml")


def run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run `command` to its end; return its wall time and its processor time, in seconds."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, cwd=env["PYTHONPATH"], env=env)
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"{command} failed with status {status}")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def paired(a: list[str], b: list[str], runs: int, env: dict[str, str]) -> dict[str, float]:
    """Return the medians of A and B (wall and processor time) and of A/B pair by pair."""
    run(a, env), run(b, env)  # warm the file cache
    pairs = [(run(a, env), run(b, env)) for _ in range(runs)]
    return {
        "wall_a": statistics.median(x[0] for x, _ in pairs),
        "wall_b": statistics.median(y[0] for _, y in pairs),
        "cpu_a": statistics.median(x[1] for x, _ in pairs),
        "cpu_b": statistics.median(y[1] for _, y in pairs),
        "cpu_ratio": statistics.median(x[1] / y[1] for x, y in pairs),
    }


def project_copy(folder: Path, *, bytecode: bool) -> dict[str, str]:
    """Copy `bot/` into `folder` and return an environment that imports it from there.

    The commands run in `folder` too, so `python -m` and `-c` find the copy first.

    With `bytecode`, the copy is compiled first, as pip does on install; either way the
    runs write none, so every run starts from the same files.
    """
    shutil.copytree(ROOT / "bot", folder / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    if bytecode:
        compileall.compile_dir(folder / "bot", quiet=1)
    return {**os.environ, "PYTHONPATH": str(folder), "PYTHONDONTWRITEBYTECODE": "1"}


def heaviest_imports(
    command: list[str], env: dict[str, str], most: int = 8
) -> list[tuple[str, float]]:
    """Return the packages `command` imports by their own import time in ms, heaviest first.

    The project's modules count by layer (`bot.minutes`), others by top-level package.
    """
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot.cli", *command[len(CLI):]],
        capture_output=True, text=True, cwd=env["PYTHONPATH"], env=env,
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


def loaded(command: list[str], wanted: tuple[str, ...], env: dict[str, str]) -> str:
    """Return which of `wanted` the command has imported by the time it exits."""
    code = (
        "import sys, runpy; sys.argv = ['minutes-bot', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('bot.cli.main', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        f"print(sorted(m for m in {wanted!r} if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code, *command[len(CLI):]],
                          capture_output=True, text=True, cwd=env["PYTHONPATH"], env=env)
    return done.stderr.strip().splitlines()[-1]


def report(label: str, figures: dict[str, float], runs: int) -> None:
    print(
        f"{label}: {figures['cpu_a'] * 1000:.0f} ms vs {figures['cpu_b'] * 1000:.0f} ms "
        f"processor time, {figures['cpu_ratio']:.2f}x (wall {figures['wall_a']:.3f} s vs "
        f"{figures['wall_b']:.3f} s; median of {runs} pairs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print(f"load average at the start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as cached, tempfile.TemporaryDirectory() as source:
        installed = project_copy(Path(cached), bytecode=True)
        checkout = project_copy(Path(source), bytecode=False)
        report("minutes-bot --version vs python -c pass", paired(*VERSION, args.runs, installed), args.runs)
        for label, env in (("bytecode cached", installed), ("compiled from source", checkout)):
            figures = paired(*EXTRACT, args.runs, env)
            report(f"minutes-bot extract FILE vs python -c 'import markdown_it', {label}", figures, args.runs)
        heavy = ", ".join(f"{name} {ms:.0f} ms" for name, ms in heaviest_imports(EXTRACT[0], installed))
        print(f"extract imports, own time by package (python -X importtime, bytecode cached): {heavy}")
        for name, command in (("--version", VERSION[0]), ("extract FILE", EXTRACT[0])):
            print(f"minutes-bot {name} loads of {', '.join(NOT_NEEDED)}: {loaded(command, NOT_NEEDED, installed)}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
