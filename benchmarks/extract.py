"""Measure extraction on minutes the process has not seen, against markdown-it in the same run.

    python benchmarks/extract.py [--rounds 5] [--runs 10]

Prints one line per measure:

- the processor time of `extract_minutes` over the 57 real minutes files divided by that of
  a bare markdown-it parse of the same texts, file by file in turn; every cache the
  extractor keeps is emptied before each round, so each file is new to it;
- the time for about 40,000 lines of minutes over the time for about 10,000 lines: four
  times the text should take about four times as long;
- files per second, and the wall time of one `minutes-bot extract` call, start-up included.

Processor time, and the median of several rounds, keep the figures steady on a shared machine.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt

import bot.minutes
from bot.minutes.extract import extract_minutes

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "fixtures" / "eval-real"
WARM_UP = "# Call 2025-01-08\n\nAttendees: Ana Lima\n\n- Ana will check the build by Friday.\n"


def forget() -> None:
    """Empty every cache of the extraction modules, as in a process that never saw a file."""
    for module in list(sys.modules.values()):
        if module is None or not getattr(module, "__name__", "").startswith(bot.minutes.__name__):
            continue
        for value in vars(module).values():
            clear = getattr(value, "cache_clear", None)
            if isinstance(value, functools._lru_cache_wrapper) and clear:
                clear()


def cpu(task: Callable[[], object]) -> float:
    start = time.process_time()
    task()
    return time.process_time() - start


def ratio_to_markdown_it(texts: list[str], rounds: int) -> tuple[float, float, float]:
    """Median over rounds of extraction time / parse time, each file parsed then extracted."""
    parser = MarkdownIt("commonmark").enable("table")
    ratios, parse_total, extract_total = [], 0.0, 0.0
    for _ in range(rounds):
        forget()
        parsed = extracted = 0.0
        for text in texts:
            parsed += cpu(lambda text=text: parser.parse(text))
            extracted += cpu(lambda text=text: extract_minutes(text))
        ratios.append(extracted / parsed)
        parse_total, extract_total = parsed, extracted
    return statistics.median(ratios), parse_total, extract_total


def long_minutes(texts: list[str], lines: int, offset: int) -> str:
    """Real minutes one after another until `lines` lines, starting at file `offset`, each
    under a heading of its own so that no two stretches are the same text."""
    parts, count, index = [], 0, offset
    while count < lines:
        text = texts[index % len(texts)]
        parts.append(f"# Meeting {index}\n\n{text}\n")
        count += text.count("\n") + 3
        index += 1
    return "".join(parts)


def scaling(texts: list[str], rounds: int) -> float:
    """Median over rounds of the time for 40,000 lines over the time for 10,000 lines."""
    ratios = []
    for round_ in range(rounds):
        forget()
        small = long_minutes(texts, 10_000, offset=round_ * 7)
        large = long_minutes(texts, 40_000, offset=round_ * 7 + 3)
        large_time = cpu(lambda large=large: extract_minutes(large))
        ratios.append(large_time / cpu(lambda small=small: extract_minutes(small)))
    return statistics.median(ratios)


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
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    texts = [p.read_text() for p in sorted(REAL.glob("*.md")) if p.name != "README.md"]
    extract_minutes(WARM_UP)
    ratio, parsed, extracted = ratio_to_markdown_it(texts, args.rounds)
    size = sum(len(t.encode()) for t in texts)
    print(
        f"extract_minutes over {len(texts)} unseen real files: {ratio:.1f}x a bare markdown-it "
        f"parse ({extracted:.3f} s vs {parsed:.3f} s processor time), "
        f"{len(texts) / extracted:.0f} files/s, {size / extracted / 1e6:.2f} MB/s"
    )
    print(f"40,000 lines take {scaling(texts, args.rounds):.2f}x the time of 10,000 lines")
    median, worst = cli_wall_time(args.runs)
    print(
        f"minutes-bot extract (one call, start-up included): median {median:.3f} s, "
        f"max {worst:.3f} s over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
