"""The extractor's patterns are compiled when first used: a pattern made that way answers as
the compiled one does, importing the extractor compiles none, a starting extraction worker all."""

from __future__ import annotations

import re
import subprocess
import sys

from bot.minutes.patterns import compile_lazily

SOURCE = r"(?P<who>\w+)\s+will\s+(?P<what>\w+)"
TEXT = "Ana WILL draft the notes; Bo will review them. Cy will"

# Counts the patterns compiled by the extractor's own modules while `CODE` runs.
COUNTING = """
import re, sys
compiled = []
original = re._compile
def counting(pattern, flags):
    caller = sys._getframe(1)
    while caller and caller.f_code.co_filename.endswith(("re/__init__.py", "re.py")):
        caller = caller.f_back
    if caller and "/bot/minutes/" in caller.f_code.co_filename and not isinstance(pattern, re.Pattern):
        compiled.append(pattern)
    return original(pattern, flags)
re._compile = counting
CODE
from bot.minutes import patterns
print(len(set(compiled)), len({p.pattern for p in patterns._MADE}))
"""


def _compiled_by_the_extractor(code: str) -> tuple[int, int]:
    script = COUNTING.replace("CODE", code)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    compiled, made = done.stdout.split()
    return int(compiled), int(made)


def test_a_pattern_compiled_on_first_use_answers_as_a_compiled_one() -> None:
    lazy, eager = compile_lazily(SOURCE, re.IGNORECASE), re.compile(SOURCE, re.IGNORECASE)

    assert [m.groupdict() for m in lazy.finditer(TEXT)] == [m.groupdict() for m in eager.finditer(TEXT)]
    assert lazy.sub(r"\g<what>", TEXT) == eager.sub(r"\g<what>", TEXT) == "draft the notes; review them. Cy will"
    assert lazy.findall(TEXT) == eager.findall(TEXT)
    assert lazy.search(TEXT, 20).span() == eager.search(TEXT, 20).span() == (26, 40)  # type: ignore[union-attr]
    assert lazy.match(TEXT, 4) is None
    assert (lazy.pattern, lazy.flags, lazy.groupindex) == (eager.pattern, eager.flags, eager.groupindex)
    assert repr(lazy) == repr(eager)


def test_importing_the_extractor_compiles_none_of_its_patterns() -> None:
    compiled, made = _compiled_by_the_extractor("import bot.minutes.extract")

    assert made > 100
    assert compiled == 0


def test_reading_ordinary_minutes_compiles_only_some_of_them() -> None:
    code = (
        "from bot.minutes.extract import extract_minutes\n"
        "items = extract_minutes('# Call 2024-12-18\\n\\n- Ana will draft the notes.\\n').items\n"
        "assert [i.owners for i in items] == [('Ana',)], items\n"
    )
    compiled, made = _compiled_by_the_extractor(code)

    assert 0 < compiled < made


def test_an_extraction_worker_compiles_every_pattern_before_it_reads_a_file() -> None:
    # A worker whose service closes its input at once: it starts, then ends.
    code = (
        "import os\n"
        "answers = os.dup(1)\n"
        "os.dup2(os.open(os.devnull, os.O_RDONLY), 0)\n"
        "from bot.service.extraction_worker import serve\n"
        "serve()\n"
        "os.dup2(answers, 1)\n"
        "sys.stdout = os.fdopen(1, 'w')\n"
    )
    compiled, made = _compiled_by_the_extractor(code)

    assert made > 100
    assert compiled == made
