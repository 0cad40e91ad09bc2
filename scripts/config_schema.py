"""Write the JSON Schema of `.github/minutes-bot.yml` that editors check the file against.

It is generated from `bot.config.schema.SCHEMA`, the table the bot itself validates with, so the
two cannot disagree; `tests/test_config_schema.py` fails when the file is out of date.

    python scripts/config_schema.py           # rewrite schema/minutes-bot.schema.json
    python scripts/config_schema.py --check   # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config.schema import json_schema  # noqa: E402

SCHEMA_FILE = ROOT / "schema" / "minutes-bot.schema.json"


def schema_text() -> str:
    """Return the schema as it is committed: indented, with a final newline."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args(argv)
    if args.check:
        current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
        if current != schema_text():
            print(f"{SCHEMA_FILE} is out of date: run scripts/config_schema.py", file=sys.stderr)
            return 1
        return 0
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
