"""The published JSON Schema of `.github/minutes-bot.yml` is the validator's own schema.

The file in `schema/` is generated from `bot.config.schema.SCHEMA`; every example configuration
passes both, and every file the validator rejects fails the schema too, bar what only a
YAML parser or the tz database can tell.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from bot.config.schema import SCHEMA, json_schema, parse_repo_config
from bot.config.types import ConfigError
from tests.e2e_support import CONFIG as SVSM_CONFIG
from tests.test_config import BAD_VALUES, READ_OPTIONS, UNKNOWN_OPTIONS

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "schema" / "minutes-bot.schema.json"
EXAMPLES = [
    (ROOT / "config" / "minutes-bot.yml.example").read_text(),
    SVSM_CONFIG,
    *(text for text, _, _ in READ_OPTIONS),
]
# Rejected before any schema sees them: an editor's YAML parser reports these itself.
NOT_YAML = {"paths: [a\n", "a: 1\n---\nb: 2\n"}
# A well-formed zone name the tz database does not have; only the validator can ask it.
UNKNOWN_ZONE = "schedule:\n  timezone: Mars/Olympus\n"


def as_editors_see_it(text: str) -> Any:
    """Read YAML as an editor hands it to JSON Schema: dates stay as written."""
    data = yaml.safe_load(text)
    return json.loads(json.dumps(data, default=_date_text))


def _date_text(value: object) -> str:
    assert isinstance(value, datetime.date)
    return value.isoformat()


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_the_published_schema_is_generated_from_the_validators_schema() -> None:
    assert json.loads(SCHEMA_FILE.read_text()) == json_schema()


def test_every_option_has_a_json_schema_with_its_description_and_default() -> None:
    properties = json_schema()["properties"]
    for option in SCHEMA:
        *sections, name = option.key.split(".")
        node = properties
        for section in sections:
            node = node[section]["properties"]
        assert option.json, option.key
        assert node[name]["description"] == option.description
        assert node[name]["default"] == option.default


@pytest.mark.parametrize("text", EXAMPLES)
def test_every_example_passes_the_validator_and_the_schema(
    validator: Draft202012Validator, text: str
) -> None:
    parse_repo_config(text)
    assert list(validator.iter_errors(as_editors_see_it(text))) == []


INVALID = [text for text, _ in [*BAD_VALUES, *UNKNOWN_OPTIONS] if text not in NOT_YAML]


@pytest.mark.parametrize("text", [text for text in INVALID if text != UNKNOWN_ZONE])
def test_every_file_the_validator_rejects_fails_the_schema(
    validator: Draft202012Validator, text: str
) -> None:
    with pytest.raises(ConfigError):
        parse_repo_config(text)
    assert list(validator.iter_errors(as_editors_see_it(text))) != []


def test_what_the_schema_cannot_tell_is_left_to_the_validator(
    validator: Draft202012Validator,
) -> None:
    assert UNKNOWN_ZONE in INVALID
    assert validator.is_valid(as_editors_see_it(UNKNOWN_ZONE))
    with pytest.raises(ConfigError, match="IANA time zone"):
        parse_repo_config(UNKNOWN_ZONE)


def test_the_example_config_names_the_schema_for_editors() -> None:
    first = (ROOT / "config" / "minutes-bot.yml.example").read_text().splitlines()[0]
    assert first == f"# yaml-language-server: $schema={json_schema()['$id']}"
