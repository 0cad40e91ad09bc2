"""`minutes-bot serve --check-config`: the settings checked without serving or calling out."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.main import main
from bot.config.settings import ENVIRONMENT_VARIABLES
from tests.conftest import shared_app_key

SECRET = "a webhook secret long enough"
TOKEN = "ghp_checkconfigtoken0001"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """Start from an environment without any setting, the journal in `tmp_path`."""
    for variable in ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("MINUTES_BOT_JOURNAL", str(tmp_path / "journal.sqlite3"))
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", SECRET)
    return monkeypatch


def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "app.pem"
    path.write_text(shared_app_key()[0])
    return path


def check(capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the check; return its exit status, standard output and standard error."""
    try:
        status = main(["serve", "--check-config"])
    except SystemExit as exit:
        status = int(exit.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def test_a_good_app_configuration_is_summarised_without_secrets(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("GITHUB_APP_ID", "123456")
    env.setenv("GITHUB_PRIVATE_KEY_FILE", str(key_file(tmp_path)))
    env.setenv("REDIS_URL", "redis://bot:hunter2hunter2@redis.internal:6379/0")

    status, out, err = check(capsys)

    assert (status, err) == (0, "")
    assert out == (
        f"minutes-bot: configuration OK (GitHub App 123456, journal {tmp_path}/journal.sqlite3,"
        " Redis: redis://redis.internal:6379/0)\n"
    )


def test_a_good_token_configuration_from_the_settings_file(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("GITHUB_TOKEN", TOKEN)
    env.delenv("MINUTES_BOT_JOURNAL")
    overlay = tmp_path / "bot.yml"
    overlay.write_text(
        f"journal: {tmp_path}/from-file.sqlite3\napi_url: https://ghe.example/api/v3\n"
    )
    env.setenv("MINUTES_BOT_CONFIG", str(overlay))

    status, out, _ = check(capsys)

    assert status == 0
    assert out == (
        "minutes-bot: configuration OK (GitHub token at https://ghe.example/api/v3,"
        f" journal {tmp_path}/from-file.sqlite3, Redis: none)\n"
    )
    assert TOKEN not in out and SECRET not in out


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"GITHUB_TOKEN": TOKEN, "GITHUB_WEBHOOK_SECRET": None}, "a webhook secret is required"),
        ({}, "set GITHUB_APP_ID and GITHUB_PRIVATE_KEY, or GITHUB_TOKEN"),
        (
            {"GITHUB_APP_ID": "123456", "GITHUB_PRIVATE_KEY_FILE": "{tmp}/missing.pem"},
            "GITHUB_PRIVATE_KEY_FILE names a file that cannot be read (FileNotFoundError)",
        ),
        (
            {"GITHUB_APP_ID": "123456", "GITHUB_PRIVATE_KEY_FILE": "{tmp}"},
            "GITHUB_PRIVATE_KEY_FILE names a file that cannot be read (IsADirectoryError)",
        ),
        (
            {
                "GITHUB_APP_ID": "123456",
                "GITHUB_PRIVATE_KEY": "-----BEGIN RSA PRIVATE KEY-----\nnot a key\n"
                "-----END RSA PRIVATE KEY-----\n",
            },
            "GITHUB_PRIVATE_KEY cannot sign tokens for GitHub App 123456",
        ),
        (
            {"GITHUB_TOKEN": TOKEN, "MINUTES_BOT_JOURNAL": "{tmp}/no/such/folder/journal.sqlite3"},
            "the journal's folder {tmp}/no/such/folder does not exist or is not a folder",
        ),
        (
            {"GITHUB_TOKEN": TOKEN, "MINUTES_BOT_JOURNAL": "{tmp}/app.pem/journal.sqlite3"},
            "the journal's folder {tmp}/app.pem does not exist or is not a folder",
        ),
        ({"GITHUB_TOKEN": TOKEN, "LOG_LEVEL": "chatty"}, "LOG_LEVEL must be one of"),
    ],
)
def test_settings_the_service_cannot_start_with_exit_2_with_the_reason(
    env: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    settings: dict[str, str | None],
    reason: str,
) -> None:
    key_file(tmp_path)
    for variable, value in settings.items():
        if value is None:
            env.delenv(variable)
        else:
            env.setenv(variable, value.replace("{tmp}", str(tmp_path)))

    status, out, err = check(capsys)

    assert (status, out) == (2, "")
    assert err.startswith("minutes-bot: cannot start:")
    assert reason.replace("{tmp}", str(tmp_path)) in err
    assert TOKEN not in err and SECRET not in err and "not a key" not in err


def test_an_unwritable_journal_folder_is_refused(
    env: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env.setenv("GITHUB_TOKEN", TOKEN)
    # Permission bits do not bind root, who may run the tests: refuse through os.access.
    monkeypatch.setattr("bot.cli.service.os.access", lambda path, mode: Path(path) != tmp_path)

    status, _, err = check(capsys)

    assert status == 2
    assert f"the journal's folder {tmp_path} is not writable" in err


def test_every_problem_is_named_on_a_line_of_its_own(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("GITHUB_TOKEN", TOKEN)
    env.setenv("LOG_LEVEL", "chatty")
    env.setenv("PORT", "http")

    status, _, err = check(capsys)

    assert status == 2
    assert err.splitlines() == [
        "minutes-bot: cannot start:",
        "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
        "PORT must be a TCP port number from 1 to 65535",
    ]
