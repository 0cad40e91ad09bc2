"""The README stays true: its options table is the schema's, its quick start is what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config.schema import options_table_markdown

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_options_table_is_generated_from_the_config_schema() -> None:
    table = re.search(r"<!-- options-table -->\n(.*?)<!-- /options-table -->", README, re.S)

    assert table is not None
    assert table.group(1).strip() == options_table_markdown().strip()


def test_ci_runs_the_readme_test_command_and_main_job() -> None:
    ci = (ROOT / ".ci" / "run").read_text()

    assert "bash .ci/run" in README
    assert "python -m pytest" in README and "\npython -m pytest" in ci
    assert "minutes-bot plan examples/svsm-2024-12-18.md" in README
    assert "minutes-bot plan examples/svsm-2024-12-18.md" in ci
