"""What the read-ahead query's answer is taken to say: only what it tells for certain."""

from __future__ import annotations

from typing import Any

import pytest

from bot.github.read_ahead import Content, FileAt, document, read_answer

REPO, SHA, PATH = "o/r", "a" * 40, "meetings/a.md"
HOLDER = FileAt.of("o/.github", ".github/minutes-bot.yml")


def blob(text: str | None = "# A\n", **fields: Any) -> dict[str, Any]:
    shown = {"byteSize": len((text or "").encode()), "isBinary": text is None,
             "isTruncated": False, "text": text}
    return {"mode": 0o100644, "type": "blob", "object": shown | fields}


def answer(entry: Any, *errors: dict[str, Any], **data: Any) -> dict[str, Any]:
    found = {"repository": {"object": {"f0": entry}}, **data}
    return {"data": found, **({"errors": list(errors)} if errors else {})}


def error(kind: str, *path: str) -> dict[str, Any]:
    return {"type": kind, "path": list(path), "message": "…"}


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        pytest.param(answer(blob()), Content("# A\n", 4), id="a file"),
        pytest.param(answer(None, error("NOT_FOUND", "repository", "object", "f0")), Content(None),
                     id="no such path"),
        pytest.param(answer({"mode": 0o120000, "type": "blob", "object": {"text": "b.md"}}),
                     Content(None), id="a link"),
        pytest.param(answer({"mode": 0o40000, "type": "tree", "object": {}}), Content(None),
                     id="a folder"),
        pytest.param(answer({"mode": 0o160000, "type": "commit", "object": None}), Content(None),
                     id="a submodule"),
        pytest.param(answer(blob(isTruncated=True)), None, id="cut short"),
        pytest.param(answer(blob(None)), None, id="binary"),
        pytest.param(answer(None, error("FORBIDDEN", "repository", "object", "f0")), None,
                     id="refused"),
        pytest.param(answer(blob(), error("INTERNAL", "repository")), None, id="its repository failed"),
        pytest.param({"errors": [{"message": "Something went wrong"}]}, None, id="nothing answered"),
    ],
)
def test_a_file_is_kept_only_when_the_answer_says_what_it_holds(
    given: dict[str, Any], kept: Content | None
) -> None:
    read = read_answer(given, REPO, SHA, [PATH], None)

    assert read.files.get(FileAt.of(REPO, PATH, SHA)) == kept


@pytest.mark.parametrize(
    ("holder", "errors", "kept"),
    [
        pytest.param(None, [error("NOT_FOUND", "holder")], Content(None), id="no defaults repository"),
        pytest.param({"defaultBranchRef": None}, [], Content(None), id="an empty repository"),
        pytest.param({"defaultBranchRef": {"target": {"defaults": blob("x: 1\n")}}}, [],
                     Content("x: 1\n", 5), id="its defaults"),
        pytest.param(None, [error("FORBIDDEN", "holder")], None, id="refused"),
    ],
)
def test_the_defaults_file_is_read_on_its_repositorys_default_branch(
    holder: Any, errors: list[dict[str, Any]], kept: Content | None
) -> None:
    read = read_answer(answer(blob(), *errors, holder=holder), REPO, SHA, [PATH], HOLDER)

    assert read.files.get(HOLDER) == kept


@pytest.mark.parametrize("more", [False, True])
def test_the_people_are_known_only_when_one_page_lists_them_all(more: bool) -> None:
    people = {"pageInfo": {"hasNextPage": more}, "nodes": [{"id": "U_1", "login": "ada"}]}
    given = {"data": {"repository": {"object": {}, "assignableUsers": people}}}

    read = read_answer(given, REPO, SHA, [], None)

    assert read.assignable == (None if more else frozenset({"ada"}))


def test_the_query_asks_each_file_by_an_alias_of_its_own() -> None:
    query = document(2, defaults=True, people=False)

    assert "f0: file(path: $p0)" in query and "f1: file(path: $p1)" in query
    assert "defaults: file(path: $holderPath)" in query and "assignableUsers" not in query
