"""The offline commands as a person runs them: output, and one clear line for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent
SVSM = ROOT / "examples" / "svsm-2024-12-18.md"


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
        "refs": [{"kind": "branch", "value": "svsm-tdx"}],
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
    assert "https://github.com/coconut-svsm/svsm/blob/HEAD/meetings/2024-12-18.md#L13" in issues[1]["body"]


def test_plan_resolves_a_named_pr_from_a_pull_request_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    people = tmp_path / "people.yml"
    people.write_text("- name: Vijay Dhanraj\n  login: vijay-d\n")
    pulls = tmp_path / "pulls.json"
    pulls.write_text(json.dumps([
        {"number": 547, "title": "Add user space support", "user": {"login": "vijay-d"},
         "created_at": "2024-11-02T10:00:00Z", "html_url": "https://github.com/o/r/pull/547"},
        {"number": 560, "title": "Multiprocessor startup for native", "user": {"login": "jlange"},
         "created_at": "2024-12-01T10:00:00Z", "html_url": "https://github.com/o/r/pull/560"},
    ]))

    _, out, _ = run(capsys, "plan", str(SVSM), "--people", str(people), "--pulls", str(pulls),
                    "--repo", "o/r", "--format", "json")

    review = json.loads(out)["issues"][-1]
    assert review["title"] == "Review Vijay Dhanraj's user space support PR"
    assert review["links"] == [{"repo": "o/r", "number": 547}]


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
