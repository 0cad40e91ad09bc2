"""Measure extraction speed: files and MB per second on one core, and one CLI call's wall time.

    python benchmarks/extract.py [--seconds 5]

Reads the labelled minutes under tests/fixtures/eval-dev; prints one line per measure.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bot.minutes.extract import extract_minutes
from bot.minutes.people import Roster

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "fixtures" / "eval-dev"


def throughput(seconds: float) -> tuple[float, float]:
    texts = [p.read_text() for p in sorted(DEV.glob("*.md")) if p.name != "SOURCE.md"]
    roster = Roster.from_yaml((DEV / "people.yml").read_text())
    for text in texts:  # warm caches: compiled patterns, lazily built tables
        extract_minutes(text, people=roster)
    files = size = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in texts:
            extract_minutes(text, people=roster)
            files += 1
            size += len(text.encode())
    elapsed = time.perf_counter() - start
    return files / elapsed, size / elapsed / 1e6


def cli_wall_time(runs: int) -> tuple[float, float]:
    example = ROOT / "examples" / "svsm-2024-12-18.md"
    command = [sys.executable, "-m", "bot.cli", "extract", str(example), "--format", "json"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    files, megabytes = throughput(args.seconds)
    median, worst = cli_wall_time(args.runs)
    print(f"extract_minutes: {files:.0f} files/s, {megabytes:.2f} MB/s (one core)")
    print(f"minutes-bot extract (one call, start-up included): median {median:.3f} s, "
          f"max {worst:.3f} s over {args.runs} runs")


if __name__ == "__main__":
    main()
