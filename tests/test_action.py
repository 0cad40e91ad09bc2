"""The GitHub Action's entry point against the simulated GitHub: what a run does, what it
writes to the step's outputs and job summary, its annotations, and dry runs."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main as cli
from bot.cli.action import (
    ActionPort,
    Change,
    DryRunWrite,
    Outcome,
    _data,
    _property,
    problem_annotations,
    run_action,
)
from bot.config.settings import settings_from_env
from bot.config.types import ConfigError, Problem
from bot.handlers.repo_config import DEFAULTS_NOT_READ, defaults_source
from bot.service import extraction
from tests.e2e_support import (
    CONFIG,
    MEETING,
    REPO,
    SVSM,
    create_svsm_repo,
    expected_items,
    item_issues,
)
from tests.github_sim import GitHubSim

ROOT = Path(__file__).resolve().parent.parent
BROKEN = "paths: [meetings/**/*.md]\nlabels:\n  colour: red\n"


@pytest.fixture
def workspace(tmp_path: Path, github_sim: GitHubSim, github_token: str) -> dict[str, str]:
    """The environment GitHub gives the Action's step, with empty output files."""
    create_svsm_repo(github_sim)
    github_sim.set_webhook(None)
    for name in ("output", "summary"):
        (tmp_path / name).write_text("")
    return {
        "GITHUB_TOKEN": github_token,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": github_sim.url,
        "GITHUB_RUN_ID": "4242",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "MINUTES_BOT_WRITES_PER_MINUTE": "0",
    }


def with_event(env: dict[str, str], event: str, payload: dict[str, Any]) -> dict[str, str]:
    Path(env["GITHUB_EVENT_PATH"]).write_text(json.dumps(payload))
    return {**env, "GITHUB_EVENT_NAME": event}


async def run(env: dict[str, str], *, dry_run: bool = False) -> int:
    """Run the Action in a thread: it starts its own event loop, as on a runner."""
    return await asyncio.to_thread(run_action, settings_from_env(env), env, dry_run=dry_run)


def outputs(env: dict[str, str]) -> str:
    return Path(env["GITHUB_OUTPUT"]).read_text()


def clear_outputs(env: dict[str, str]) -> None:
    Path(env["GITHUB_OUTPUT"]).write_text("")


def summary(env: dict[str, str]) -> str:
    return Path(env["GITHUB_STEP_SUMMARY"]).read_text()


async def pushed(sim: GitHubSim, env: dict[str, str], files: dict[str, str | None]) -> dict[str, str]:
    delivery = await sim.push(REPO, files, author="joergroedel")
    return with_event(env, "push", delivery.payload)


async def test_a_push_run_opens_the_items_and_reports_them_in_outputs_and_summary(
    github_sim: GitHubSim, workspace: dict[str, str]
) -> None:
    env = await pushed(github_sim, workspace, {MEETING: SVSM})

    assert await run(env) == 0

    issues = item_issues(github_sim)
    assert len(issues) == len(expected_items(SVSM))
    assert outputs(env) == f"opened={len(issues)}\nupdated=0\nclosed=0\n"
    text = summary(env)
    assert f"Action-item issues: **{len(issues)}** opened, **0** updated, **0** closed." in text
    for issue in issues:
        url = f"https://github.com/{REPO}/issues/{issue.number}"
        assert f"- opened [#{issue.number}]({url}) {issue.title}\n" in text
    assert "Dry run" not in text


async def test_a_push_run_reads_the_configuration_once(
    github_sim: GitHubSim, workspace: dict[str, str]
) -> None:
    env = await pushed(github_sim, workspace, {MEETING: SVSM})

    assert await run(env) == 0

    reads = github_sim.calls_matching("GET", "/repos/{o}/{r}/contents/.github/minutes-bot.yml")
    assert [call.path.split("/contents/")[0] for call in reads] == [
        f"/repos/{REPO}",
        f"/repos/{REPO.split('/')[0]}/.github",
    ]


async def test_a_dry_run_of_a_push_shows_the_plan_and_writes_nothing(
    github_sim: GitHubSim, workspace: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    env = await pushed(github_sim, workspace, {MEETING: SVSM})
    github_sim.reset_calls()

    assert await run(env, dry_run=True) == 0

    assert github_sim.writes() == []
    assert item_issues(github_sim) == []
    items = expected_items(SVSM)
    assert outputs(env) == f"opened={len(items)}\nupdated=0\nclosed=0\n"
    text = summary(env)
    assert "**Dry run:** nothing was written." in text
    assert f"**{len(items)}** would be opened" in text
    assert f'- `{MEETING}: open the meeting issue "Meeting 2024-12-18' in text
    peter = next(item for item in items if "svsm-tdx" in item.title)
    assert f'- `{MEETING}: open "{peter.title}" assigned to @peterfang`' in text
    assert f'dry run: {MEETING}: open "{peter.title}" assigned to @peterfang' in capsys.readouterr().out


async def test_a_dry_run_after_the_items_exist_plans_nothing(
    github_sim: GitHubSim, workspace: dict[str, str]
) -> None:
    env = await pushed(github_sim, workspace, {MEETING: SVSM})
    await run(env)
    env = await pushed(github_sim, workspace, {MEETING: SVSM + "\n"})
    clear_outputs(env)
    github_sim.reset_calls()

    assert await run(env, dry_run=True) == 0

    assert github_sim.writes() == []
    assert outputs(env) == "opened=0\nupdated=0\nclosed=0\n"


async def test_a_scheduled_dry_run_plans_every_file_and_renders_the_weekly_status(
    github_sim: GitHubSim, workspace: dict[str, str]
) -> None:
    await github_sim.push(REPO, {MEETING: SVSM}, author="joergroedel")
    env = with_event(workspace, "schedule", {"schedule": "17 6 * * *"})
    github_sim.reset_calls()

    assert await run(env, dry_run=True) == 0

    assert github_sim.writes() == []
    assert outputs(env).startswith(f"opened={len(expected_items(SVSM))}\n")
    # Nothing is tracked yet, so the status has nothing to say.
    assert "- Weekly status: nothing is tracked, so there is no report." in summary(env)


async def test_a_dry_run_of_a_comment_says_which_commands_it_holds(
    github_sim: GitHubSim, workspace: dict[str, str]
) -> None:
    payload = {
        "action": "created",
        "comment": {"body": "Thanks!\n/done with #3\n", "user": {"login": "jlange"}},
        "issue": {"number": 12},
        "repository": {"full_name": REPO, "default_branch": "main"},
    }
    env = with_event(workspace, "issue_comment", payload)

    assert await run(env, dry_run=True) == 0

    assert "- A real run would try `done` from @jlange on #12.\n" in summary(env)
    assert github_sim.writes() == []


async def test_a_broken_config_fails_a_push_run_with_annotations_on_its_lines(
    github_sim: GitHubSim, workspace: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    env = await pushed(github_sim, workspace, {".github/minutes-bot.yml": BROKEN, MEETING: SVSM})

    assert await run(env) == 1

    out = capsys.readouterr().out
    assert (
        "::error file=.github/minutes-bot.yml,line=3,title=minutes-bot configuration::"
        "unknown option `labels.colour`; did you mean `labels.item_color`?"
    ) in out.splitlines()
    assert item_issues(github_sim) == []
    assert len(github_sim.commit_comments(REPO)) == 1  # the push handler still says so
    assert "**`.github/minutes-bot.yml` cannot be used:**\n\n- line 3: unknown option" in summary(env)


async def test_a_broken_config_only_warns_on_a_comment_run(
    github_sim: GitHubSim, workspace: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    await github_sim.push(REPO, {".github/minutes-bot.yml": BROKEN}, author="joergroedel")
    payload = {
        "action": "created",
        "comment": {"id": 1, "body": "no command here", "user": {"login": "jlange", "type": "User"}},
        "issue": {"number": 1, "body": "", "user": {"login": "jlange"}},
        "repository": {"full_name": REPO, "default_branch": "main"},
    }
    env = with_event(workspace, "issue_comment", payload)

    assert await run(env) == 0

    assert capsys.readouterr().out.startswith("::warning file=.github/minutes-bot.yml,line=3,")


def test_problems_in_the_organisations_defaults_name_that_file() -> None:
    error = ConfigError([Problem(4, "`hour` must be a whole hour")], "acme/.github: x.yml")
    outcome = Outcome("push", problems=error)

    assert problem_annotations(outcome) == [
        "::error title=minutes-bot configuration::acme/.github: x.yml line 4: "
        "`hour` must be a whole hour"
    ]


def test_workflow_command_text_is_escaped() -> None:
    assert _data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert _property("a:b,c") == "a%3Ab%2Cc"


async def test_a_read_only_port_refuses_every_write(
    github_sim: GitHubSim, workspace: dict[str, str]
) -> None:
    import aiohttp

    from bot.github.auth import TokenAuth

    async with aiohttp.ClientSession() as session:
        port = ActionPort(session, TokenAuth(workspace["GITHUB_TOKEN"]), base_url=github_sim.url)
        port.read_only = True
        with pytest.raises(DryRunWrite):
            await port.post_comment(REPO, 1, "hello")
        assert port.changes == []
    assert github_sim.calls == []


def test_changes_are_counted_by_kind() -> None:
    outcome = Outcome("push", changes=[Change("opened", 1, "a", "u"), Change("closed", 2, "b", "v")])

    assert [outcome.count(kind) for kind in ("opened", "updated", "closed")] == [1, 0, 1]


async def test_sync_dry_run_prints_the_plan_and_writes_nothing(
    github_sim: GitHubSim, workspace: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await github_sim.push(REPO, {MEETING: SVSM}, author="joergroedel")
    for name in ("GITHUB_TOKEN", "GITHUB_API_URL"):
        monkeypatch.setenv(name, workspace[name])
    github_sim.reset_calls()

    status = await asyncio.to_thread(cli.main, ["sync", REPO, "--dry-run"])

    out, err = capsys.readouterr()
    assert status == 0
    assert github_sim.writes() == []
    assert out.count(f"{MEETING}: open ") == len(expected_items(SVSM)) + 1  # and the meeting
    assert err.endswith(f"{REPO}: 1 minutes files checked (dry run, nothing written)\n")


async def test_the_action_command_runs_as_action_yml_starts_it(
    github_sim: GitHubSim, workspace: dict[str, str]
) -> None:
    env = await pushed(github_sim, workspace, {MEETING: SVSM})
    env = {**os.environ, **env}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot.cli", "action", "--dry-run"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )

    assert done.returncode == 0, done.stderr
    assert outputs(env).startswith(f"opened={len(expected_items(SVSM))}\n")
    assert github_sim.writes() == []


async def test_defaults_the_workflows_token_cannot_read_are_said_once_in_the_log_summary_and_preview(
    github_sim: GitHubSim, workspace: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    github_sim.add_repo("coconut-svsm/.github", files={".github/minutes-bot.yml": "labels:\n  item: todo\n"},
                        private=True)
    github_sim.add_token("ghs_this_repository_only", repos=[REPO])
    env = {**workspace, "GITHUB_TOKEN": "ghs_this_repository_only"}
    said = DEFAULTS_NOT_READ.format(source=defaults_source(REPO), holder="coconut-svsm/.github")

    assert await run(await pushed(github_sim, env, {MEETING: SVSM})) == 0
    assert summary(env).count(said) == 1
    assert [r.getMessage() for r in caplog.records].count(said) == 1

    opened = await github_sim.open_pull(REPO, title="Minutes", author="vijay-dhanraj", head="next",
                                        files={"meetings/2025-01-08.md": SVSM})
    assert await run(with_event(env, "pull_request", opened.payload)) == 0
    [preview] = github_sim.comments(REPO, int(opened.payload["number"]))
    assert preview.body.count(said) == 1


async def test_a_run_reads_the_minutes_in_its_own_process_without_starting_workers(
    github_sim: GitHubSim, workspace: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pooled: list[str] = []
    real = extraction.ExtractionPool.__call__

    async def counted(pool: extraction.ExtractionPool, job: extraction.Job) -> Any:
        pooled.append(job.path)
        return await real(pool, job)

    monkeypatch.setattr(extraction.ExtractionPool, "__call__", counted)
    env = await pushed(github_sim, workspace, {MEETING: SVSM})

    assert await run(env) == 0

    assert len(item_issues(github_sim)) == len(expected_items(SVSM))
    assert pooled == []


def test_reading_alone_keeps_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    def forever(job: extraction.Job) -> None:
        while True:
            pass

    monkeypatch.setattr(extraction.Job, "run", forever)
    with pytest.raises(extraction.ExtractionTimeout):
        asyncio.run(extraction.extract_alone(extraction.Job("text", "slow.md"), seconds=0.2))
    monkeypatch.undo()
    minutes = asyncio.run(extraction.extract_alone(extraction.Job(SVSM, MEETING), seconds=5))
    assert len(minutes.items) == len(expected_items(SVSM))


async def test_a_push_run_with_write_back_proposes_the_links_and_a_refusal_is_one_warning(
    github_sim: GitHubSim, workspace: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    config = CONFIG + "write_back: pr\n"
    refusal = {"message": "GitHub Actions is not permitted to create or approve pull requests."}
    github_sim.faults.add("POST", "/repos/{o}/{r}/pulls", 403, times=1, body=refusal)

    env = await pushed(github_sim, workspace, {MEETING: SVSM, ".github/minutes-bot.yml": config})
    assert await run(env) == 0

    assert len(item_issues(github_sim)) == len(expected_items(SVSM))
    assert [p for p in github_sim.pulls(REPO) if p.pull.head.startswith("minutes-bot/links/")] == []
    [warned] = [r.getMessage() for r in caplog.records if "contents: write" in r.getMessage()]
    assert "Allow GitHub Actions to create and approve pull requests" in warned
    assert refusal["message"] in warned

    # The setting ticked, the next run opens the pull request on the branch already pushed.
    env = await pushed(github_sim, workspace, {".github/minutes-bot.yml": config + "# again\n"})
    assert await run(env) == 0
    [pull] = [p for p in github_sim.pulls(REPO) if p.pull.head.startswith("minutes-bot/links/")]
    assert pull.state == "open"
    assert github_sim.commit(REPO).tree[MEETING] == SVSM


@pytest.mark.parametrize("module", ["bot.cli.action", "bot.cli.service"])
def test_a_process_that_signs_nothing_does_not_load_the_jwt_signer(module: str) -> None:
    # The Action runs on the workflow's token: PyJWT and cryptography would be start-up
    # paid at every event for nothing.
    script = f"import sys, {module}\nprint(sorted(m for m in ('jwt', 'cryptography') if m in sys.modules))\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"
