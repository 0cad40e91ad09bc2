"""Regenerate the trimmed GitHub REST and webhook descriptions used by the simulator tests.

Usage (needs npm, run from the repository root):

    mkdir -p /tmp/ghspec && cd /tmp/ghspec && npm install --no-audit --no-fund \
        @octokit/openapi@23.0.2 @octokit/openapi-webhooks@12.1.0 @octokit/webhooks-examples@7.6.1
    python tests/openapi/trim.py /tmp/ghspec/node_modules

Writes `tests/openapi/rest.json`, `tests/openapi/webhooks.json` and
`tests/github_sim/examples/*.json`. Pass `--check` to compare instead of writing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
EXAMPLES_DIR = HERE.parent / "github_sim" / "examples"

REST_OPERATIONS: dict[str, tuple[str, ...]] = {
    "/app": ("get",),
    "/app/installations": ("get",),
    "/app/installations/{installation_id}/access_tokens": ("post",),
    "/installation/repositories": ("get",),
    "/rate_limit": ("get",),
    "/repos/{owner}/{repo}": ("get",),
    "/repos/{owner}/{repo}/assignees": ("get",),
    "/repos/{owner}/{repo}/assignees/{assignee}": ("get",),
    "/repos/{owner}/{repo}/collaborators": ("get",),
    "/repos/{owner}/{repo}/collaborators/{username}/permission": ("get",),
    "/repos/{owner}/{repo}/contributors": ("get",),
    "/repos/{owner}/{repo}/commits": ("get",),
    "/repos/{owner}/{repo}/commits/{ref}": ("get",),
    "/repos/{owner}/{repo}/commits/{commit_sha}/comments": ("get", "post"),
    "/repos/{owner}/{repo}/commits/{commit_sha}/pulls": ("get",),
    "/repos/{owner}/{repo}/compare/{basehead}": ("get",),
    "/repos/{owner}/{repo}/contents/{path}": ("get", "put"),
    "/repos/{owner}/{repo}/git/blobs/{file_sha}": ("get",),
    "/repos/{owner}/{repo}/git/ref/{ref}": ("get",),
    "/repos/{owner}/{repo}/git/refs": ("post",),
    "/repos/{owner}/{repo}/git/refs/{ref}": ("patch",),
    "/repos/{owner}/{repo}/git/trees/{tree_sha}": ("get",),
    "/repos/{owner}/{repo}/installation": ("get",),
    "/repos/{owner}/{repo}/issues": ("get", "post"),
    "/repos/{owner}/{repo}/issues/comments": ("get",),
    "/repos/{owner}/{repo}/issues/comments/{comment_id}": ("get", "patch", "delete"),
    "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": ("get", "post"),
    "/repos/{owner}/{repo}/issues/{issue_number}": ("get", "patch"),
    "/repos/{owner}/{repo}/issues/{issue_number}/assignees": ("post", "delete"),
    "/repos/{owner}/{repo}/issues/{issue_number}/comments": ("get", "post"),
    "/repos/{owner}/{repo}/issues/{issue_number}/labels": ("get", "post", "put"),
    "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}": ("delete",),
    "/repos/{owner}/{repo}/issues/{issue_number}/parent": ("get",),
    "/repos/{owner}/{repo}/issues/{issue_number}/reactions": ("get", "post"),
    "/repos/{owner}/{repo}/issues/{issue_number}/sub_issue": ("delete",),
    "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues": ("get", "post"),
    "/repos/{owner}/{repo}/labels": ("get", "post"),
    "/repos/{owner}/{repo}/pulls": ("get", "post"),
    "/repos/{owner}/{repo}/pulls/{pull_number}": ("get", "patch"),
    "/search/issues": ("get",),
    "/user": ("get",),
    "/users/{username}": ("get",),
}

WEBHOOK_SCHEMAS = (
    "webhook-installation-created",
    "webhook-installation-deleted",
    "webhook-installation-repositories-added",
    "webhook-installation-repositories-removed",
    "webhook-issue-comment-created",
    "webhook-issue-comment-deleted",
    "webhook-issue-comment-edited",
    "webhook-issues-assigned",
    "webhook-issues-closed",
    "webhook-issues-edited",
    "webhook-issues-opened",
    "webhook-issues-reopened",
    "webhook-issues-unassigned",
    "webhook-ping",
    "webhook-pull-request-closed",
    "webhook-pull-request-opened",
    "webhook-pull-request-edited",
    "webhook-pull-request-reopened",
    "webhook-pull-request-synchronize",
    "webhook-push",
)

# (event, action or None, index among that event's examples with that action)
EXAMPLES = (
    ("push", None, 4),
    ("issue_comment", "created", 0),
    ("issue_comment", "edited", 0),
    ("issues", "opened", 0),
    ("issues", "edited", 0),
    ("issues", "assigned", 0),
    ("issues", "unassigned", 0),
    ("issues", "reopened", 0),
    ("pull_request", "opened", 0),
    ("pull_request", "closed", 0),
    ("installation", "created", 0),
    ("installation_repositories", "added", 0),
    ("ping", None, 0),
)


PROSE = {"description", "summary", "examples", "example", "x-github"}
NAME_MAPS = {"properties", "patternProperties", "schemas", "parameters", "responses",
             "headers", "content", "paths", "requestBodies", "$defs", "definitions"}


def collect_refs(node: Any, found: set[str]) -> None:
    """Add every `#/components/...` reference reachable from `node` to `found`."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            found.add(ref)
        for value in node.values():
            collect_refs(value, found)
    elif isinstance(node, list):
        for value in node:
            collect_refs(value, found)


def resolve(doc: dict[str, Any], ref: str) -> Any:
    """Return the object a local `$ref` points at."""
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def close_over_components(doc: dict[str, Any], roots: Any) -> dict[str, dict[str, Any]]:
    """Copy the components transitively referenced from `roots`."""
    pending: set[str] = set()
    collect_refs(roots, pending)
    seen: set[str] = set()
    components: dict[str, dict[str, Any]] = {}
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        target = resolve(doc, ref)
        _, _, kind, name = ref.split("/", 3)
        components.setdefault(kind, {})[name] = target
        found: set[str] = set()
        collect_refs(target, found)
        pending |= found - seen
    return {kind: dict(sorted(items.items())) for kind, items in sorted(components.items())}


def strip_prose(node: Any, *, names: bool = False) -> Any:
    """Drop prose and examples that validation does not need, to keep the subset small."""
    if isinstance(node, list):
        return [strip_prose(value) for value in node]
    if not isinstance(node, dict):
        return node
    if names:  # keys are property or component names, never prose
        return {key: strip_prose(value) for key, value in node.items()}
    return {
        key: strip_prose(value, names=key in NAME_MAPS)
        for key, value in node.items()
        if key not in PROSE or not isinstance(value, (str, dict, list))
    }


def trim_rest(full: dict[str, Any]) -> dict[str, Any]:
    """Keep only the operations the simulator serves and the components they use."""
    paths = {
        path: {method: full["paths"][path][method] for method in methods}
        for path, methods in REST_OPERATIONS.items()
    }
    paths = strip_prose(paths)
    components = strip_prose(close_over_components(full, paths))
    return {
        "openapi": full["openapi"],
        "info": {"title": full["info"]["title"], "version": full["info"]["version"]},
        "servers": full["servers"],
        "paths": paths,
        "components": components,
    }


def trim_webhooks(full: dict[str, Any]) -> dict[str, Any]:
    """Keep only the payload schemas of the events the simulator sends."""
    schemas = {name: full["components"]["schemas"][name] for name in WEBHOOK_SCHEMAS}
    components = close_over_components(full, schemas)
    components.setdefault("schemas", {}).update(schemas)
    components["schemas"] = dict(sorted(components["schemas"].items()))
    return {
        "openapi": full["openapi"],
        "info": {"title": full["info"]["title"], "version": full["info"]["version"]},
        "components": strip_prose(components),
    }


def pick_examples(index: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the example payloads named in EXAMPLES keyed by file stem."""
    by_event = {entry["name"]: entry["examples"] for entry in index}
    picked = {}
    for event, action, position in EXAMPLES:
        matching = [e for e in by_event[event] if action is None or e.get("action") == action]
        stem = event if action is None else f"{event}.{action}"
        picked[stem] = matching[position]
    return picked


def outputs(modules: Path) -> dict[Path, Any]:
    """Build every generated file from the npm packages under `modules`."""
    rest = json.loads((modules / "@octokit/openapi/generated/api.github.com.json").read_text())
    hooks = json.loads(
        (modules / "@octokit/openapi-webhooks/generated/api.github.com.json").read_text()
    )
    examples = json.loads((modules / "@octokit/webhooks-examples/api.github.com/index.json").read_text())
    files: dict[Path, Any] = {
        HERE / "rest.json": trim_rest(rest),
        HERE / "webhooks.json": trim_webhooks(hooks),
    }
    for stem, payload in pick_examples(examples).items():
        files[EXAMPLES_DIR / f"{stem}.json"] = payload
    return files


def main(argv: list[str]) -> int:
    """Write (or with --check, compare) the trimmed descriptions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("node_modules", type=Path)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    stale = []
    for path, data in outputs(args.node_modules).items():
        text = json.dumps(data, indent=1, sort_keys=False) + "\n"
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    for path in stale:
        print(f"stale: {path}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
