"""Offline commands: `extract` prints a file's action items, `plan` the issues it would open."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from bot.cli.files import InputError, read_text_file
from bot.minutes.extract import extract_minutes
from bot.minutes.model import Minutes
from bot.minutes.people import PeopleFileError, Roster
from bot.tracker.ignore import without_ignored_lines

# The `reader` choices of `.github/minutes-bot.yml`, without importing the config's reader.
READERS = ("rules", "rules+model")
RULES_AND_MODEL = "rules+model"
USAGE_ERROR = 2


def add_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `extract` and `plan` to the `minutes-bot` command line."""
    extract = subparsers.add_parser("extract", help="print the action items of a minutes file")
    _common(extract)
    extract.add_argument(
        "--date", type=_iso_date, help="meeting date (YYYY-MM-DD) if the file has none"
    )
    extract.add_argument("--format", choices=("json", "text"), default="text")
    _reader(extract)
    extract.set_defaults(run=run_extract)

    plan = subparsers.add_parser(
        "plan", help="show the issues the bot would open for a minutes file"
    )
    _common(plan, file_optional=True)  # `--pr` reads its minutes from the pull request
    plan.add_argument(
        "--pr", metavar="OWNER/REPO#N", help="print the preview of a pull request (online)"
    )
    plan.add_argument("--installation", type=int, help="with --pr: App installation id")
    plan.add_argument("--config", type=Path, help="a .github/minutes-bot.yml to apply")
    plan.add_argument("--repo", help="repository the minutes live in (OWNER/REPO)")
    plan.add_argument("--path", help="path of the file in the repository (default: its name)")
    plan.add_argument("--pulls", type=Path, help="JSON list of pull requests to resolve named PRs")
    plan.add_argument(
        "--issues", type=Path,
        help="JSON list of the bot's open item issues: what earlier meetings left open",
    )
    plan.add_argument(
        "--date", type=_iso_date, help="meeting date (YYYY-MM-DD) if the file has none"
    )
    plan.add_argument("--format", choices=("json", "text"), default="text")
    _reader(plan)
    plan.set_defaults(run=run_plan)


def _reader(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reader",
        choices=READERS,
        help="rules+model also asks the model set by MINUTES_BOT_MODEL_URL, _KEY and MINUTES_BOT_MODEL",
    )


def _common(parser: argparse.ArgumentParser, *, file_optional: bool = False) -> None:
    nargs = "?" if file_optional else None
    parser.add_argument("file", type=Path, nargs=nargs, help="the minutes file (Markdown)")
    parser.add_argument("--people", type=Path, help="YAML list of {name, login, aliases}")


def run_extract(args: argparse.Namespace) -> int:
    try:
        minutes = _read_minutes(args.file, args.people, getattr(args, "date", None), args.reader)
    except InputError as err:
        return _fail(str(err))
    if minutes.reading is not None and minutes.reading.failure is not None:
        print(f"minutes-bot: the model reader was not used: {minutes.reading.failure}; "
              "the items are the rules' alone", file=sys.stderr)
    if args.format == "json":
        import json  # only for --format json: each `extract` is a process of its own

        print(json.dumps(minutes.to_json(), ensure_ascii=False, indent=2))
    else:
        print(render_items_table(minutes))
    return 0


def run_plan(args: argparse.Namespace) -> int:
    """Print what the bot would do with a minutes file, decided as the service decides."""
    from bot.cli.plan import PlanError, plan, plan_inputs, plan_json, plan_text

    if args.pr:
        from bot.cli.service import run_pull_preview

        return run_pull_preview(args)
    if args.file is None:
        return _fail("plan needs a minutes file, or --pr OWNER/REPO#N")
    try:
        inputs = plan_inputs(args, read_text_file(args.file, "minutes file"))
    except (InputError, PlanError) as err:
        return _fail(str(err))
    run = plan(inputs)
    if args.format == "json":
        import json

        print(json.dumps(plan_json(run, inputs), ensure_ascii=False, indent=2))
    else:
        print(plan_text(run, inputs))
    return 0


def _read_minutes(
    path: Path, people_path: Path | None, when: date | None, reader: str | None = None
) -> Minutes:
    text = without_ignored_lines(read_text_file(path, "minutes file"))
    people = Roster()
    if people_path is not None:
        try:
            people = Roster.from_yaml(read_text_file(people_path, "people file"))
        except PeopleFileError as err:
            raise InputError(f"{people_path}: {err}") from None
    if reader == RULES_AND_MODEL:
        return _read_with_model(text, path.name, people, when)
    return extract_minutes(text, path=path.name, people=people, meeting_date=when)


def _read_with_model(text: str, path: str, people: Roster, when: date | None) -> Minutes:
    """Read with the rules and the model the environment names, as the service would."""
    # Imported here: the rules alone need no event loop, HTTP client or service settings.
    import asyncio

    from bot.config.settings import SettingsError
    from bot.config.types import DEFAULT_MODEL
    from bot.minutes.job import Job
    from bot.model_api.client import env_model_reader, no_token

    async def read() -> Minutes:
        async with env_model_reader(os.environ, RULES_AND_MODEL) as model:
            assert model is not None
            answer = await model.read(text, model=DEFAULT_MODEL, account="", token=no_token, path=path)
        return Job(text, path, people, meeting_date=when, answer=answer).run()

    try:
        return asyncio.run(read())
    except SettingsError as err:
        raise InputError(" ".join(err.problems)) from None


def render_items_table(minutes: Minutes) -> str:
    """A table for people: line, owners, item, due, references."""
    when = minutes.meeting_date.isoformat() if minutes.meeting_date else "unknown"
    lines = [f"{minutes.path}: meeting of {when}, {len(minutes.items)} action item(s)"]
    for item in minutes.items:
        owners = ", ".join(item.owners) or "everyone"
        if item.logins:
            owners += " (" + ", ".join("@" + login for login in item.logins) + ")"
        due = item.due.isoformat() if item.due else "-"
        refs = ", ".join(r.value for r in item.refs)
        lines.append(f"  L{item.line:<4} {item.title}")
        lines.append(f"        owner: {owners}   due: {due}" + (f"   refs: {refs}" if refs else ""))
    return "\n".join(lines)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-12-18") from None


def _fail(message: str) -> int:
    print(f"minutes-bot: {message}", file=sys.stderr)
    return USAGE_ERROR
