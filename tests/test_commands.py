"""Slash commands in comments: what runs, what is ignored, who may act."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.tracker.commands import (
    ASSIGN_BAD_LOGIN,
    ASSIGN_NEEDS_LOGIN,
    ASSIGN_TOO_MANY,
    DROP_NEEDS_REASON,
    DUE_NEEDS_DATE,
    HELP,
    HELP_LINES,
    MEETING_ISSUE_HELP,
    REFUSAL,
    Assign,
    Done,
    Drop,
    Due,
    Help,
    Malformed,
    Reopen,
    Unknown,
    added_commands,
    command_lines,
    help_text,
    may_act,
    parse_commands,
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/done", Done()),
        ("  /done  ", Done()),
        ("/DONE", Done()),
        ("/done #123", Done(ref="#123")),
        ("/done with #123", Done(ref="#123")),
        ("/done With #123, merged today", Done(ref="#123", note="merged today")),
        ("/done coconut-svsm/svsm#45", Done(ref="coconut-svsm/svsm#45")),
        (
            "/done https://github.com/coconut-svsm/svsm/pull/571",
            Done(ref="https://github.com/coconut-svsm/svsm/pull/571"),
        ),
        ("/done resubmitted the patches upstream", Done(note="resubmitted the patches upstream")),
        ("/done #12abc", Done(note="#12abc")),
        ("/reopen", Reopen()),
        ("/reopen the fix was reverted", Reopen(note="the fix was reverted")),
        ("/drop superseded by #130", Drop(reason="superseded by #130")),
        ("/drop", Malformed("drop", DROP_NEEDS_REASON)),
        ("/drop   ", Malformed("drop", DROP_NEEDS_REASON)),
        ("/assign @joergroedel", Assign(logins=("joergroedel",))),
        ("/assign @a-b @c, @d and @e", Assign(logins=("a-b", "c", "d", "e"))),
        ("/assign @Octocat @octocat", Assign(logins=("Octocat",))),
        ("/assign", Malformed("assign", ASSIGN_NEEDS_LOGIN)),
        ("/assign joerg", Malformed("assign", ASSIGN_BAD_LOGIN.format(token="`joerg`"))),
        ("/assign @-bad", Malformed("assign", ASSIGN_BAD_LOGIN.format(token="`@-bad`"))),
        ("/assign @a--b", Malformed("assign", ASSIGN_BAD_LOGIN.format(token="`@a--b`"))),
        (
            "/assign @" + "a" * 40,
            Malformed("assign", ASSIGN_BAD_LOGIN.format(token="`@" + "a" * 40 + "`")),
        ),
        (
            "/assign " + " ".join(f"@user{n}" for n in range(11)),
            Malformed("assign", ASSIGN_TOO_MANY.format(limit=10)),
        ),
        ("/due end of February", Due(when="end of February")),
        ("/due 2025-01-31", Due(when="2025-01-31")),
        ("/due", Malformed("due", DUE_NEEDS_DATE)),
        ("/help", Help()),
        ("/help me please", Help()),
        ("/close", Unknown("close")),
        ("/Shrug at this", Unknown("shrug")),
    ],
)
def test_parses_one_command(body: str, expected: object) -> None:
    assert parse_commands(body) == (expected,)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("", id="empty"),
        pytest.param("Thanks, this is /done now.", id="mid-line"),
        pytest.param("`/done`", id="inline code"),
        pytest.param("see `x\n/done` above", id="inline code spanning lines"),
        pytest.param("```\n/done\n```", id="fenced code"),
        pytest.param("~~~text\n/done\n~~~", id="tilde fence"),
        pytest.param("    /done", id="indented code"),
        pytest.param("Intro:\n\n    /done #1", id="indented code after paragraph"),
        pytest.param("> /done", id="block quote"),
        pytest.param("> Joerg wrote:\n> /done with #12\n\nAgreed.", id="quoted reply"),
        pytest.param("> earlier comment\n/done", id="lazy continuation of a quote"),
        pytest.param("> - /done\n>   /reopen", id="list in a quote"),
        pytest.param("<!--\n/done\n-->", id="HTML comment block"),
        pytest.param("Note <!-- hidden\n/done\n--> here", id="inline HTML comment"),
        pytest.param("<!-- /done -->", id="HTML comment one line"),
        pytest.param("/usr/bin/env python", id="path"),
        pytest.param("/done/", id="slash after word"),
        pytest.param("https://example.com/done", id="URL"),
        pytest.param("//done", id="double slash"),
        pytest.param("/", id="bare slash"),
        pytest.param("/123", id="number"),
        pytest.param("/done.", id="punctuation after word"),
        pytest.param("\\/done", id="escaped slash"),
        pytest.param("- /done", id="list marker first"),
        pytest.param("# /done", id="heading"),
        pytest.param("**/done**", id="bold"),
        pytest.param("| a | b |\n| - | - |\n| /done | x |", id="table cell"),
        pytest.param("/über", id="non-ASCII word"),
    ],
)
def test_ignores_lines_that_are_not_commands(body: str) -> None:
    assert parse_commands(body) == ()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Merged, thanks!\r\n/done with #571\r\n/due next Friday\r\n",
            (Done(ref="#571"), Due(when="next Friday")),
        ),
        ("/assign @a\n/drop not needed\n/help", (Assign(("a",)), Drop("not needed"), Help())),
        ("> /done\n\n/reopen", (Reopen(),)),
        ("```\n/done\n```\n/drop duplicate", (Drop("duplicate"),)),
        ("- item one\n  /done", (Done(),)),
        ("Some *emphasis*\n/drop see *the thread*", (Drop("see *the thread*"),)),
        ("/done\n/done", (Done(), Done())),
        ("a `b\nc` d\n/done #3", (Done(ref="#3"),)),
        ("![alt\ntext](x.png)\n/due Friday", (Due(when="Friday"),)),
        ("> quote\n\n/done\n/usr/bin\n/nope", (Done(), Unknown("nope"))),
    ],
)
def test_returns_every_command_in_order(body: str, expected: tuple[object, ...]) -> None:
    assert parse_commands(body) == expected


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("Thanks", "Thanks\n/done", (Done(),)),
        ("/done", "/done\n\nfixed a typo", ()),
        ("/done", "/done  ", ()),
        ("/done  with #12", "/done with\t#12", ()),
        ("/done", "/done\n/done", (Done(),)),
        ("/done", "/done #12", (Done(ref="#12"),)),
        ("/due Friday", "/assign @a\n/due Friday", (Assign(("a",)),)),
        ("/drop", "/drop it was a duplicate", (Drop("it was a duplicate"),)),
        ("```\n/done\n```", "/done", (Done(),)),
        ("/done", "> /done\n\n/reopen", (Reopen(),)),
        ("/done\n/reopen", "", ()),
    ],
)
def test_runs_only_the_commands_an_edit_added(
    old: str, new: str, expected: tuple[object, ...]
) -> None:
    assert added_commands(old, new) == expected


@pytest.mark.parametrize(
    ("login", "assignees", "author", "permission", "allowed"),
    [
        ("peterfang", ["peterfang"], "bot", "read", True),
        ("PeterFang", ["peterfang", "joergroedel"], "bot", "none", True),
        ("vijay", [], "Vijay", "read", True),
        ("maintainer", [], "bot", "admin", True),
        ("maintainer", [], "bot", "maintain", True),
        ("maintainer", [], "bot", "write", True),
        ("maintainer", [], "bot", "triage", True),
        ("maintainer", [], "bot", "Write", True),
        ("stranger", ["peterfang"], "bot", "read", False),
        ("stranger", [], "bot", "none", False),
        ("stranger", [], "bot", "security-reviewer", False),
        ("stranger", [], "bot", "", False),
    ],
)
def test_allows_only_owners_author_and_triagers(
    login: str, assignees: list[str], author: str, permission: str, allowed: bool
) -> None:
    assert may_act(login, assignees=assignees, author=author, permission=permission) is allowed


def test_help_lists_every_command_and_who_may_use_it() -> None:
    for command in ("/done", "/reopen", "/drop <why>", "/assign @login", "/due <when>", "/help"):
        assert f"`{command}" in HELP
    assert "assignees, the issue author" in HELP
    assert "triage, write, maintain or admin" in HELP


def test_help_lists_only_the_enabled_commands() -> None:
    text = help_text(["done", "help"])
    assert "`/done`" in text and "`/help`" in text
    assert all(f"`/{word}" not in text for word in ("reopen", "drop", "assign", "due"))
    assert text == HELP.replace(
        "".join(f"\n{HELP_LINES[word]}" for word in ("reopen", "drop", "assign", "due")), ""
    )


def test_help_text_is_not_itself_a_command() -> None:
    assert parse_commands(HELP) == ()
    assert parse_commands(MEETING_ISSUE_HELP) == ()


def test_user_texts_are_short() -> None:
    assert "\n" not in REFUSAL and len(REFUSAL) < 140


FRAGMENTS = [
    "/done",
    "/drop why",
    "/usr/bin",
    "> ",
    "```",
    "    ",
    "`",
    "<!--",
    "-->",
    "- ",
    "text",
    "![a",
    "](x)",
    "\\",
    "*",
    "|",
]


@given(st.lists(st.sampled_from([*FRAGMENTS, "\n", "\r\n", " "]), max_size=30))
def test_every_command_comes_from_a_line_of_the_body(parts: list[str]) -> None:
    body = "".join(parts)
    source_lines = {" ".join(line.split()) for line in body.replace("\r\n", "\n").split("\n")}
    assert all(line in source_lines for line in command_lines(body))
    assert len(parse_commands(body)) == len(command_lines(body))
