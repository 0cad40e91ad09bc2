"""Check requests, responses and webhook payloads against GitHub's published descriptions."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]
from openapi_core import Config, OpenAPI
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest, MockResponse
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_DIR = Path(__file__).resolve().parent.parent / "openapi"
REST_SPEC = SPEC_DIR / "rest.json"
WEBHOOK_SPEC = SPEC_DIR / "webhooks.json"
# Parameters that hold slashes (a file's path, a branch's ref): the spec matches them encoded.
SLASHED_PREFIXES = ("/contents/", "/git/ref/", "/git/refs/")
MERGEABLE = {"type", "title", "properties", "required", "x-github-breaking-changes"}


def admit_null_in_nullable_enums(node: Any) -> None:
    """Add `None` to enums of nullable schemas: GitHub sends null there, the spec forgets it."""
    if isinstance(node, dict):
        if node.get("nullable") and "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        for value in node.values():
            admit_null_in_nullable_enums(value)
    elif isinstance(node, list):
        for value in node:
            admit_null_in_nullable_enums(value)


def resolve_local(spec: dict[str, Any], node: Any) -> Any:
    """Follow a local `$ref` (once) to the schema it names."""
    while isinstance(node, dict) and "$ref" in node:
        node = functools.reduce(lambda doc, key: doc[key], node["$ref"][2:].split("/"), spec)
    return node


def objects_bottom_up(node: Any) -> Iterator[dict[str, Any]]:
    """Yield every object inside `node`, each after the objects within it."""
    values = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for value in list(values):
        yield from objects_bottom_up(value)
    if isinstance(node, dict):
        yield node


EITHER_ACCOUNT = {"Simple User", "Enterprise"}


def account_all_of_as_any_of(spec: dict[str, Any], node: Any) -> None:
    """Read `allOf: [Simple User, Enterprise]` as `anyOf`, as the `installation` component does.

    `GET /app/installations` inlines the installation with its account as *both* a user
    and an enterprise, which no account is (and with a user lacking `user_view_type`).
    """
    for schema in objects_bottom_up(node):
        titles = {resolve_local(spec, part).get("title") for part in schema.get("allOf", [])}
        if titles == EITHER_ACCOUNT:
            schema["anyOf"] = schema.pop("allOf")


def merge_all_of(spec: dict[str, Any], node: Any) -> None:
    """Merge `allOf` object schemas into one, so strict mode does not forbid each part's fields."""
    if isinstance(node, list):
        for value in node:
            merge_all_of(spec, value)
        return
    if not isinstance(node, dict):
        return
    for value in node.values():
        merge_all_of(spec, value)
    parts = [resolve_local(spec, part) for part in node.get("allOf", [])]
    if parts and all(isinstance(p, dict) and set(p) <= MERGEABLE for p in parts):
        del node["allOf"]
        node["type"] = "object"
        node["properties"] = {k: v for p in parts for k, v in p.get("properties", {}).items()}
        node["required"] = sorted({r for p in parts for r in p.get("required", [])})


def drop_discriminators_over_arrays(spec: dict[str, Any], node: Any) -> None:
    """Remove discriminators whose `oneOf` includes an array (contents: a folder is a list).

    A discriminator reads a property of an object, so it cannot pick the array branch;
    the branches differ by type anyway.
    """
    for schema in objects_bottom_up(node):
        branches = [resolve_local(spec, branch) for branch in schema.get("oneOf", [])]
        if "discriminator" in schema and any(
            b.get("type") == "array" for b in branches if isinstance(b, dict)
        ):
            del schema["discriminator"]


@functools.cache
def rest_api() -> OpenAPI:
    """Load the trimmed REST description once, patched to validate simulator traffic."""
    spec = json.loads(REST_SPEC.read_text())
    spec["servers"] = [{"url": "/"}]  # match the simulator on any host and port
    admit_null_in_nullable_enums(spec)
    account_all_of_as_any_of(spec, spec["paths"])
    merge_all_of(spec, spec["paths"])
    merge_all_of(spec, spec["components"])
    drop_discriminators_over_arrays(spec, spec["paths"])
    config = Config(spec_validator_cls=None, additional_properties_default_policy="forbid")
    return OpenAPI.from_dict(spec, config=config)


@functools.cache
def webhook_registry() -> Registry[Any]:
    """Load the trimmed webhook description as a JSON Schema registry."""
    doc = json.loads(WEBHOOK_SPEC.read_text())
    resource: Resource[Any] = Resource.from_contents(doc, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:gh", resource)
    return registry


def spec_path(path: str) -> str:
    """Percent-encode a file path or ref in a URL, the only way the spec can match it."""
    for prefix in SLASHED_PREFIXES:
        head, sep, tail = path.partition(prefix)
        if sep and head.startswith("/repos/") and head.count("/") == 3:
            return head + sep + quote(tail, safe="")
    return path


def describe(error: Exception) -> str:
    """Summarise an openapi-core error with the JSON Schema errors underneath it."""
    cause = error.__cause__
    details = getattr(cause, "schema_errors", None) or []
    lines = [f"{type(error).__name__}: {str(error)[:200]}"]
    if cause is not None and not details:
        lines.append(f"  {type(cause).__name__}: {cause}")
    for detail in details:
        where = "/".join(str(p) for p in detail.absolute_path) or "(root)"
        lines.append(f"  at {where}: {detail.message[:300]}")
    return "\n".join(lines)


def mock_request(method: str, path: str, query: dict[str, str], body: bytes | None) -> MockRequest:
    """Build the request object openapi-core validates."""
    return MockRequest("http://sim", method.lower(), spec_path(path), args=query, data=body or None,
                       content_type="application/json")


def check_request(method: str, path: str, query: dict[str, str], body: bytes | None) -> str | None:
    """Return why a request breaks the REST description, or None when it conforms."""
    try:
        rest_api().validate_request(mock_request(method, path, query, body))
    except OpenAPIError as error:
        return describe(error)
    return None


def check_response(method: str, path: str, query: dict[str, str], body: bytes | None,
                   status: int, response: bytes, content_type: str) -> str | None:
    """Return why a response breaks the REST description, or None when it conforms."""
    request = mock_request(method, path, query, body)
    answer = MockResponse(response, status_code=status, content_type=content_type)
    try:
        rest_api().validate_response(request, answer)
    except OpenAPIError as error:
        return describe(error)
    return None


def webhook_schema_name(event: str, action: str | None) -> str:
    """Return the component name for an event, e.g. `webhook-issue-comment-created`."""
    parts = [event, action] if action else [event]
    return "webhook-" + "-".join(p.replace("_", "-") for p in parts)


def check_webhook(event: str, payload: dict[str, Any]) -> list[str]:
    """Return every way a webhook payload breaks its `webhook-<event>-<action>` schema."""
    name = webhook_schema_name(event, payload.get("action"))
    validator = Draft202012Validator(
        {"$ref": f"urn:gh#/components/schemas/{name}"},
        registry=webhook_registry(),
        format_checker=FormatChecker(),
    )
    return [
        f"{name} at {'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message[:300]}"
        for error in validator.iter_errors(payload)
    ]
