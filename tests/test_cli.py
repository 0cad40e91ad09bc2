"""The offline commands as a person runs them: output, and one clear line for bad input."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.cli.main import main, terminal_columns

ROOT = Path(__file__).resolve().parent.parent
SVSM = ROOT / "examples" / "svsm-2024-12-18.md"
EXAMPLE_CONFIG = ROOT / "config" / "minutes-bot.yml.example"
PULLS = ROOT / "tests" / "fixtures" / "pulls" / "svsm-2024-12.json"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_extract_json_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "extract", str(SVSM), "--format", "json")

    data = json.loads(out)
    assert status == 0
    assert data["meeting_date"] == "2024-12-18"
    assert data["items"][1] == {
        "line": 13,
        "owners": ["Peter Fang"],
        "logins": [],
        "title": "Check and resubmit any changes removed from the svsm-tdx branch",
        "due": None,
        "refs": [
            {"kind": "branch", "value": "svsm-tdx", "repository": "the Linux kernel repository"}
        ],
    }


def test_extract_uses_the_people_file_for_logins(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    people = tmp_path / "people.yml"
    people.write_text("- name: Peter Fang\n  login: pfang\n  aliases: [Peter]\n")

    _, out, _ = run(capsys, "extract", str(SVSM), "--people", str(people), "--format", "json")

    assert json.loads(out)["items"][1]["logins"] == ["pfang"]


def test_extract_text_is_a_table_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "extract", str(SVSM))

    assert status == 0
    assert out.splitlines()[0] == "svsm-2024-12-18.md: meeting of 2024-12-18, 7 action item(s)"
    assert "  L13   Check and resubmit any changes removed from the svsm-tdx branch" in out


def test_date_option_sets_the_meeting_date(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    minutes = tmp_path / "notes.md"
    minutes.write_text("Attendees: Ravi Chandrasekar\n\n## Action items\n\n- [ ] Ravi: fix it by Friday\n")

    _, out, _ = run(capsys, "extract", str(minutes), "--date", "2025-03-05", "--format", "json")

    assert json.loads(out)["items"][0]["due"] == "2025-03-07"


def test_plan_json_lists_the_issues_with_labels_and_bodies(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "plan", str(SVSM), "--repo", "coconut-svsm/svsm",
                         "--path", "meetings/2024-12-18.md", "--format", "json")

    issues = json.loads(out)["issues"]
    assert status == 0
    assert [i["title"] for i in issues][:2] == [
        "Test the new branches of the Linux kernel and QEMU repositories",
        "Check and resubmit any changes removed from the svsm-tdx branch",
    ]
    assert issues[0]["labels"] == ["action-item", "meeting/2024-12-18"]
    assert issues[2]["due"] == "2025-01-31"
    assert (
        "https://github.com/coconut-svsm/svsm/blob/HEAD/meetings/2024-12-18.md?plain=1#L13"
        in issues[1]["body"]
    )


def test_plan_links_the_one_pr_of_a_series_that_was_open_at_the_meeting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    people = tmp_path / "people.yml"
    people.write_text("- name: Vijay Dhanraj\n  login: vijay-dhanraj\n")

    _, out, _ = run(capsys, "plan", str(SVSM), "--people", str(people), "--pulls", str(PULLS),
                    "--format", "json")

    plan = json.loads(out)
    review = plan["issues"][-1]
    assert plan["repo"] == "coconut-svsm/svsm"  # from the pull request list
    assert review["title"] == "Review Vijay Dhanraj's user space support PR"
    assert review["links"] == [{"repo": "coconut-svsm/svsm", "number": 547}]
    assert "**Related:** #547\n" in review["body"]
    assert [i["links"] for i in plan["issues"][:-1]] == [[]] * 6


def test_plan_without_the_authors_login_finds_the_pr_by_its_title_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "plan", str(SVSM), "--pulls", str(PULLS), "--format", "json")

    review = json.loads(out)["issues"][-1]
    assert review["links"] == [{"repo": "coconut-svsm/svsm", "number": 547}]
    assert review["title"] == "Review Vijay Dhanraj's user space support PR"  # vijay-dhanraj's


def test_plan_with_the_example_config_assigns_its_logins_and_shows_the_meeting_issue(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "plan", str(SVSM), "--config", str(EXAMPLE_CONFIG),
                         "--repo", "coconut-svsm/svsm", "--path", "meetings/2024-12-18.md")

    assert status == 0
    assert out.startswith("meetings/2024-12-18.md: 8 issue(s) would be opened in coconut-svsm/svsm")
    assert "=== #1 Meeting 2024-12-18: SVSM Development Call\n    labels: meeting/2024-12-18" in out
    assert "- [ ] #3 Check and resubmit any changes removed from the svsm-tdx branch (@peterfang)" in out
    assert ("=== #3 Check and resubmit any changes removed from the svsm-tdx branch\n"
            "    assignees: @peterfang   labels: action-item, meeting/2024-12-18   due: -") in out
    assert ("=== #4 Help with reviewing and documenting unsafe blocks\n"
            "    assignees: @joergroedel   labels: action-item, meeting/2024-12-18   due: 2025-01-31") in out
    assert "Jon Lange (no GitHub login known)" in out
    assert "- **Related:** `svsm-tdx` (the Linux kernel repository)" in out
    assert "<!--" not in out
    assert "OWNER/REPO" not in out


def test_plan_text_explains_the_placeholders_it_uses(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "plan", str(SVSM))

    notes = out.split("\n\n")[1].splitlines()
    assert notes == [
        "HEAD stands for the commit that will hold the minutes; issue numbers are those of a "
        "repository with no issues yet.",
        "OWNER/REPO stands for your repository: --repo names it.",
        "PRs named by description were not looked up: --pulls FILE.json (a saved "
        "`GET /repos/OWNER/REPO/pulls?state=all`) gives the pull requests the bot would search.",
        "The file is taken to be at `svsm-2024-12-18.md` in the repository: --path says where "
        "it will be.",
    ]


def test_every_line_link_of_a_plan_opens_the_source_at_that_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "plan", str(SVSM), "--repo", "o/r", "--path", "meetings/a b.md",
                    "--format", "json")

    bodies = " ".join(i["body"] for i in json.loads(out)["issues"])
    links = re.findall(r"\]\((\S+#L\d+)\)", bodies)
    assert len(links) == 7
    assert all(re.fullmatch(r"https://github\.com/o/r/blob/HEAD/meetings/a%20b\.md\?plain=1#L\d+", u)
               for u in links)


def test_plan_date_option_dates_minutes_that_state_none(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    minutes = tmp_path / "notes.md"
    minutes.write_text("# Infra sync\n\n## Action items\n\n- [ ] Ravi: fix it by Friday\n")

    _, out, _ = run(capsys, "plan", str(minutes), "--date", "2025-03-05", "--format", "json")

    plan = json.loads(out)
    assert plan["meeting_issue"]["title"] == "Meeting 2025-03-05: Infra sync"
    assert plan["issues"][0]["labels"] == ["action-item", "meeting/2025-03-05"]
    assert plan["issues"][0]["due"] == "2025-03-07"


def test_plan_reports_a_broken_config_by_line_and_does_nothing_else(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = _write(tmp_path / "minutes-bot.yml", b"paths: [meetings/*.md]\nmeeting_isue: no\n")

    status, out, err = run(capsys, "plan", str(SVSM), "--config", str(config))

    assert (status, out) == (2, "")
    assert err == (f"minutes-bot: {config} cannot be used:\n"
                   "  line 2: unknown option `meeting_isue`; did you mean `meeting_issue`?\n")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: d / "missing.md", "no such minutes file"),
        (lambda d: d, "is a directory, not a minutes file"),
        (lambda d: _write(d / "bin.md", b"\x00\x01\x02"), "looks binary"),
        (lambda d: _write(d / "latin.md", "caf\xe9".encode("latin-1")), "not UTF-8 text"),
        (lambda d: _write(d / "huge.md", b"a" * (5 * 1024 * 1024 + 1)), "the limit is 5,242,880"),
    ],
)
def test_bad_minutes_files_get_one_clear_line_and_status_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, setup: object, message: str
) -> None:
    path = setup(tmp_path)  # type: ignore[operator]

    status, out, err = run(capsys, "extract", str(path))

    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert message in err


def test_a_malformed_people_file_is_named_in_the_error(capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path) -> None:
    people = _write(tmp_path / "people.yml", b"- login: nobody\n")

    status, _, err = run(capsys, "extract", str(SVSM), "--people", str(people))

    assert status == 2
    assert err.strip() == f"minutes-bot: {people}: entry 1: each person needs a `name` (text)"


def test_an_empty_file_has_no_items_and_succeeds(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    empty = _write(tmp_path / "empty.md", b"")

    status, out, _ = run(capsys, "extract", str(empty), "--format", "json")

    assert status == 0
    assert json.loads(out) == {"meeting_date": None, "items": []}


def test_the_installed_command_runs() -> None:
    done = subprocess.run([sys.executable, "-m", "bot.cli", "--version"],
                          capture_output=True, text=True, check=False)

    assert done.returncode == 0
    assert done.stdout.startswith("minutes-bot ")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def pulls_saved(tmp_path: Path, shape: Callable[[dict[str, Any]], dict[str, Any]]) -> Path:
    """Save the SVSM pull list as another tool would write it."""
    saved = tmp_path / "pulls.json"
    saved.write_text(json.dumps([shape(pull) for pull in json.loads(PULLS.read_text())]))
    return saved


def without_closing_day(pull: dict[str, Any]) -> dict[str, Any]:
    return pull | {"closed_at": None} if pull["state"] == "closed" else pull


def as_gh_prints_it(pull: dict[str, Any]) -> dict[str, Any]:
    """`gh pr list --state all --json number,title,state,author,createdAt,closedAt,mergedAt`."""
    state = "MERGED" if pull["merged_at"] else pull["state"].upper()
    never = "0001-01-01T00:00:00Z"
    return {"number": pull["number"], "title": pull["title"], "state": state,
            "author": {"login": pull["user"]["login"], "is_bot": False},
            "createdAt": pull["created_at"], "closedAt": pull["closed_at"] or never,
            "mergedAt": pull["merged_at"] or never}


@pytest.mark.parametrize("shape", [without_closing_day, as_gh_prints_it])
def test_plan_believes_a_pull_lists_state_and_finds_the_one_pr_open_at_the_meeting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, shape: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    pulls = pulls_saved(tmp_path, shape)
    _, out, _ = run(capsys, "plan", str(SVSM), "--repo", "coconut-svsm/svsm", "--pulls", str(pulls),
                    "--format", "json")

    review = json.loads(out)["issues"][-1]
    assert review["links"] == [{"repo": "coconut-svsm/svsm", "number": 547}]
    assert "**Related:** #547\n" in review["body"]


def test_extract_loads_yaml_only_for_a_file_with_front_matter(tmp_path: Path) -> None:
    fronted = tmp_path / "fronted.md"
    fronted.write_text("---\ndate: 2024-12-18\n---\n\n## Action items\n\n- Ana to file the report\n")
    loaded = [extracted_alone(path, "'yaml' in sys.modules") for path in (SVSM, fronted)]
    assert loaded == ["False", "True"]


def extracted_alone(path: Path, report: str) -> str:
    """Run `minutes-bot extract PATH` in a fresh interpreter; return what `report`, an
    expression over `sys` and the command's output `out`, prints after it."""
    script = (
        "import sys, contextlib, io\n"
        "from bot.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    main(['extract', {str(path)!r}])\n"
        f"print({report})\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return done.stdout.strip()


# Modules `extract` loads only for the files, formats or help messages that need them:
# each costs its start-up, and the SVSM minutes, printed as a table, need none.
ON_DEMAND = ("rapidfuzz", "hashlib", "calendar", "json", "shutil")


def test_extract_loads_fuzzy_matching_only_for_a_task_said_twice(tmp_path: Path) -> None:
    restated = tmp_path / "restated.md"
    restated.write_text("- Ana will draft the release notes.\n\n## Action items\n\n- Ana: draft the release notes\n")
    report = f"out.getvalue().count('\\n  L'), sorted(m for m in {ON_DEMAND!r} if m in sys.modules)"
    loaded = [extracted_alone(path, report) for path in (SVSM, restated)]
    assert loaded == ["7 []", "1 ['rapidfuzz']"]


@pytest.mark.parametrize("columns", [None, "60", "0", "wide"])
def test_help_is_as_wide_as_shutil_would_make_it(monkeypatch: pytest.MonkeyPatch, columns: str | None) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)

    assert terminal_columns() == shutil.get_terminal_size().columns


# What a command that needs no network must not load: each costs start-up in every run.
SERVICE_MODULES = ("aiohttp", "asyncio", "gidgethub", "redis", "concurrent.futures.process",
                   "multiprocessing", "bot.service.extraction")


@pytest.mark.parametrize("args", [["--version"], ["extract", str(SVSM)], ["extract", "--format", "json", str(SVSM)]])
def test_version_and_extract_load_no_service_module(args: list[str]) -> None:
    script = (
        "import sys, contextlib, io\n"
        "from bot.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    status = main({args!r})\n"
        f"print(status, sorted(m for m in {SERVICE_MODULES!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split(maxsplit=1) == ["0", "[]\n"]


NEXT_CALL = """# SVSM Development Call (January 8th, 2025)

## Action items from last meeting

- [x] Peter Fang: check and resubmit any changes removed from the `svsm-tdx` branch
- [ ] Joerg Roedel: investigate the external UUID crate and compare it with the existing implementation

## Topics

* Vijay Dhanraj will rebase the user mode branch onto the new page tables.
"""


def test_plan_with_the_open_issues_of_earlier_meetings_shows_what_is_still_open(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    where = ("--config", str(EXAMPLE_CONFIG), "--repo", "coconut-svsm/svsm")
    _, first, _ = run(capsys, "plan", str(SVSM), *where, "--path", "meetings/2024-12-18.md",
                      "--format", "json")
    opened = [  # the first meeting's items, as `gh issue list --json` shows them once opened
        {"number": i["number"], "title": i["title"], "body": i["body"], "state": "OPEN",
         "labels": [{"name": name} for name in i["labels"]],
         "assignees": [{"login": login} for login in i["assignees"]],
         "author": {"login": "minutes-bot[bot]"}}
        for i in json.loads(first)["issues"]
    ]
    issues = tmp_path / "issues.json"
    issues.write_text(json.dumps(opened))
    minutes = tmp_path / "2025-01-08.md"
    minutes.write_text(NEXT_CALL)

    status, out, _ = run(capsys, "plan", str(minutes), *where, "--path", "meetings/2025-01-08.md",
                         "--issues", str(issues))

    assert status == 0
    number = {i["title"].split()[0]: i["number"] for i in opened}
    assert out.startswith("meetings/2025-01-08.md: 2 issue(s) would be opened")  # meeting, Vijay's
    assert f"=== #{max(number.values()) + 1} Meeting 2025-01-08" in out  # after the saved ones
    assert (
        "    Carried over from earlier meetings (each keeps its own issue):\n\n"
        f"    - #{number['Investigate']} Investigate the external crate and compare it"
    ) in out
    assert (
        "    Still open from earlier meetings (5), by owner:\n\n"
        "    - Adam Dunlap\n"
        f"      - #{number['Explore']} Explore this approach and submit a PR (from 2024-12-18)\n"
    ) in out
    assert (
        f"      - #{number['Review']} Review the user space support PR (due 2024-12-24, from 2024-12-18)\n"
        f"      - #{number['Help']} Help with reviewing and documenting unsafe blocks (due 2025-01-31"
    ) in out
    assert "Check and resubmit" not in out.split("Still open")[1]  # ticked: it would be closed
