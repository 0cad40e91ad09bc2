"""The GitHub port against the simulated GitHub: each operation, auth, retries, counting."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from gidgethub import BadRequest, GitHubBroken

from bot.github.auth import AppAuth, TokenAuth
from bot.github.port import (
    AmbiguousWriteError,
    ChangedFile,
    FileTooLarge,
    ForeignHostError,
    GitHubPort,
    NotFound,
    RetryPolicy,
    graphql_url,
    port_for_installation,
    retry_delay,
)
from tests.github_sim import GitHubSim
from tests.github_sim.auth import RateLimit
from tests.github_sim.git import Symlink

REPO = "acme/minutes"
OWNER = "ada"


class Sleeps:
    """A sleep that only records how long it was asked for and moves the simulated clock."""

    def __init__(self, sim: GitHubSim) -> None:
        self.sim = sim
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        self.sim.clock.advance(seconds)


@pytest.fixture
def sleeps(github_sim: GitHubSim) -> Sleeps:
    return Sleeps(github_sim)


@pytest.fixture
def sim_time(github_sim: GitHubSim) -> Callable[[], float]:
    return lambda: github_sim.clock.now().timestamp()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def port(
    github_sim: GitHubSim,
    github_repo: str,
    github_token: str,
    session: aiohttp.ClientSession,
    sleeps: Sleeps,
    sim_time: Callable[[], float],
) -> GitHubPort:
    github_sim.set_permission(REPO, OWNER, "write")
    return GitHubPort(
        session, TokenAuth(github_token), base_url=github_sim.url, sleep=sleeps, clock=sim_time
    )


# -- contents and commits ------------------------------------------------------------


async def test_get_file_returns_text_at_a_ref_and_none_when_missing(
    github_sim: GitHubSim, port: GitHubPort
) -> None:
    await github_sim.push(
        REPO, {"meetings/2024 12/18 Jörg.md": "# Minutes\n- [ ] Ship\n"}, author=OWNER
    )
    first = github_sim.commit(REPO).sha
    await github_sim.push(REPO, {"meetings/2024 12/18 Jörg.md": "# Minutes v2\n"}, author=OWNER)

    assert await port.get_file(REPO, "meetings/2024 12/18 Jörg.md", first) == (
        "# Minutes\n- [ ] Ship\n"
    )
    assert await port.get_file(REPO, "meetings/2024 12/18 Jörg.md", "main") == "# Minutes v2\n"
    assert await port.get_file(REPO, "meetings/absent.md", "main") is None
    assert await port.get_file(REPO, "meetings", "main") is None


async def test_a_file_over_the_limit_is_refused_before_its_content_is_fetched(
    github_sim: GitHubSim, port: GitHubPort
) -> None:
    await github_sim.push(REPO, {"big.md": "x" * 1_500_000, "small.md": "ok\n"}, author=OWNER)
    github_sim.reset_calls()

    with pytest.raises(FileTooLarge) as refused:
        await port.get_file(REPO, "big.md", "main", max_bytes=1_000_000)
    assert await port.get_file(REPO, "small.md", "main", max_bytes=1_000_000) == "ok\n"

    assert (refused.value.size, refused.value.limit) == (1_500_000, 1_000_000)
    assert github_sim.calls_matching("GET", "/repos/{o}/{r}/git/blobs/{sha}") == []


async def test_files_and_people_read_ahead_in_one_query_answer_the_reads_that_follow(
    github_sim: GitHubSim, port: GitHubPort
) -> None:
    await github_sim.push(
        REPO,
        {".github/minutes-bot.yml": "labels:\n  item: todo\n", "meetings/a.md": "# A\n",
         "meetings/big.md": "x" * 2_000, "meetings/link.md": Symlink("a.md")},
        author=OWNER,
    )
    sha = github_sim.commit(REPO).sha
    paths = [".github/minutes-bot.yml", "meetings/a.md", "meetings/big.md", "meetings/link.md",
             "meetings/absent.md", "meetings"]
    github_sim.reset_calls()

    await port.read_ahead(REPO, sha, paths, defaults=("acme/.github", ".github/minutes-bot.yml"),
                          people=True)

    assert await port.get_file(REPO, ".github/minutes-bot.yml", sha) == "labels:\n  item: todo\n"
    assert await port.get_file(REPO, "meetings/a.md", sha) == "# A\n"
    with pytest.raises(FileTooLarge):
        await port.get_file(REPO, "meetings/big.md", sha, max_bytes=1_000)
    for nothing in ("meetings/link.md", "meetings/absent.md", "meetings"):  # as REST answers
        assert await port.get_file(REPO, nothing, sha) is None
    assert await port.get_file("acme/.github", ".github/minutes-bot.yml") is None  # no such repo
    assert await port.list_assignees(REPO) == frozenset({"acme", OWNER})
    assert [(c.method, c.path) for c in github_sim.calls] == [("POST", "/graphql")]
    assert await port.get_file(REPO, "meetings/a.md", "main") == "# A\n"  # not read ahead
    assert len(github_sim.calls) == 2


@pytest.mark.parametrize("host", ["without Commit.file", "without GraphQL"])
async def test_where_graphql_cannot_read_ahead_files_are_read_over_rest_and_it_is_not_asked_again(
    github_sim: GitHubSim, port: GitHubPort, host: str
) -> None:
    github_sim.read_ahead = False
    github_sim.graphql = host == "without Commit.file"
    await github_sim.push(REPO, {"meetings/a.md": "# A\n"}, author=OWNER)
    sha = github_sim.commit(REPO).sha

    await port.read_ahead(REPO, sha, ["meetings/a.md"])
    assert await port.get_file(REPO, "meetings/a.md", sha) == "# A\n"
    await port.read_ahead(REPO, sha, ["meetings/a.md"])

    assert len(github_sim.calls_matching("POST", "/graphql")) == 1
    assert len(github_sim.calls_matching("GET", "/repos/{o}/{r}/contents/**")) == 1


async def test_compare_lists_added_modified_removed_and_renamed_files(
    github_sim: GitHubSim, port: GitHubPort
) -> None:
    await github_sim.push(REPO, {"a.md": "a\n", "b.md": "b\n", "c.md": "c\n"}, author=OWNER)
    base = github_sim.commit(REPO).sha
    await github_sim.push(
        REPO,
        {"a.md": "a2\n", "b.md": None, "c.md": None, "d/c.md": "c\n", "e.md": "e\n"},
        author=OWNER,
    )
    head = github_sim.commit(REPO).sha

    changed = await port.compare(REPO, base, head)

    assert sorted(changed, key=lambda f: f.filename) == [
        ChangedFile("a.md", "modified"),
        ChangedFile("b.md", "removed"),
        ChangedFile("d/c.md", "renamed", "c.md"),
        ChangedFile("e.md", "added"),
    ]


async def test_list_files_walks_the_whole_tree(github_sim: GitHubSim, port: GitHubPort) -> None:
    await github_sim.push(
        REPO, {"README.md": "r", "meetings/2024/12-18.md": "m", "meetings/x.md": "x"}, author=OWNER
    )

    files = await port.list_files(REPO, github_sim.commit(REPO).sha)

    assert sorted(files) == ["README.md", "meetings/2024/12-18.md", "meetings/x.md"]


async def test_get_repo_names_the_default_branch(port: GitHubPort) -> None:
    assert (await port.get_repo(REPO))["default_branch"] == "main"


async def test_comment_on_commit_can_point_at_a_line(
    github_sim: GitHubSim, port: GitHubPort
) -> None:
    await github_sim.push(REPO, {"meetings/x.md": "line 1\nline 2\n"}, author=OWNER)
    sha = github_sim.commit(REPO).sha

    await port.comment_on_commit(REPO, sha, "Line 2 has a problem", path="meetings/x.md", line=2)
    await port.comment_on_commit(REPO, sha, "Whole commit")

    comments = github_sim.commit_comments(REPO, sha)
    assert [(c.body, c.path, c.line) for c in comments] == [
        ("Line 2 has a problem", "meetings/x.md", 2),
        ("Whole commit", None, None),
    ]


# -- issues --------------------------------------------------------------------------


async def test_list_issues_follows_every_page_and_skips_pull_requests(
    github_sim: GitHubSim, port: GitHubPort
) -> None:
    for n in range(205):
        github_sim.add_issue(
            REPO, f"Item {n}", author=OWNER, labels=["action-item"] if n % 2 else []
        )
    github_sim.add_pull(REPO, title="A PR", author=OWNER)

    everything = await port.list_issues(REPO)
    assert port.calls == 3  # 206 results, 100 a page
    labelled = await port.list_issues(REPO, labels="action-item", state="open")

    assert sorted(issue["title"] for issue in everything) == sorted(f"Item {n}" for n in range(205))
    assert len(labelled) == 102
    assert all("pull_request" not in issue for issue in everything)


async def test_create_get_and_update_an_issue(github_sim: GitHubSim, port: GitHubPort) -> None:
    github_sim.add_label(REPO, "action-item")

    created = await port.create_issue(
        REPO,
        title="Check the branch",
        body="From the minutes",
        labels=("action-item",),
        assignees=(OWNER,),
    )
    await port.update_issue(
        REPO,
        created["number"],
        state="closed",
        state_reason="not_planned",
        labels=("action-item", "dropped"),
    )

    fetched = await port.get_issue(REPO, created["number"])
    assert (fetched["title"], fetched["body"]) == ("Check the branch", "From the minutes")
    assert (fetched["state"], fetched["state_reason"]) == ("closed", "not_planned")
    assert sorted(label["name"] for label in fetched["labels"]) == ["action-item", "dropped"]
    assert [user["login"] for user in fetched["assignees"]] == [OWNER]
    assert port.writes == 2


async def test_update_issue_refuses_fields_it_does_not_know(port: GitHubPort) -> None:
    with pytest.raises(TypeError, match="cannot change colour"):
        await port.update_issue(REPO, 1, colour="red")


async def test_get_issue_of_a_missing_issue_raises_not_found(port: GitHubPort) -> None:
    with pytest.raises(NotFound) as caught:
        await port.get_issue(REPO, 999)

    assert caught.value.status_code == 404
    assert caught.value.path == f"/repos/{REPO}/issues/999"


async def test_assignees_are_checked_and_added(github_sim: GitHubSim, port: GitHubPort) -> None:
    github_sim.set_permission(REPO, "bea", "triage")
    number = github_sim.add_issue(REPO, "Item", author=OWNER)

    assert await port.can_be_assigned(REPO, "bea") is True
    assert await port.can_be_assigned(REPO, "stranger") is False
    await port.add_assignees(REPO, number, ["bea"])

    assert github_sim.issue(REPO, number).assignees == ["bea"]


async def test_search_issues_unwraps_items_across_pages(
    github_sim: GitHubSim, port: GitHubPort
) -> None:
    for n in range(120):
        github_sim.add_issue(REPO, f"svsm item {n}", author=OWNER)
    github_sim.add_issue(REPO, "unrelated", author=OWNER)

    found = await port.search_issues(f"repo:{REPO} is:issue svsm")

    assert len(found) == 120
    assert port.calls == 2


# -- comments, reactions, labels ----------------------------------------------------------


async def test_comments_are_listed_posted_and_edited(
    github_sim: GitHubSim, port: GitHubPort
) -> None:
    number = github_sim.add_issue(REPO, "Item", author=OWNER)
    for n in range(130):
        github_sim.add_comment(REPO, number, OWNER, f"comment {n}")

    posted = await port.post_comment(REPO, number, "Status: open")
    await port.update_comment(REPO, posted["id"], "Status: done")
    comments = await port.list_comments(REPO, number)

    assert len(comments) == 131
    assert comments[-1]["body"] == "Status: done"
    assert [c.body for c in github_sim.comments(REPO, number)][-1] == "Status: done"


async def test_reacting_twice_is_harmless(github_sim: GitHubSim, port: GitHubPort) -> None:
    number = github_sim.add_issue(REPO, "Item", author=OWNER)
    comment_id = github_sim.add_comment(REPO, number, OWNER, "/done")

    await port.add_reaction(REPO, comment_id, "+1")
    await port.add_reaction(REPO, comment_id, "+1")

    assert [r.content for r in github_sim.reactions(REPO, comment_id=comment_id)] == ["+1"]


async def test_creating_an_existing_label_is_tolerated(
    github_sim: GitHubSim, port: GitHubPort
) -> None:
    await port.create_label(REPO, "action-item", "0e8a16", "From meeting minutes")
    await port.create_label(REPO, "action-item", "0e8a16", "From meeting minutes")

    labels = await port.list_labels(REPO)
    assert [(label["name"], label["color"]) for label in labels] == [("action-item", "0e8a16")]


async def test_an_invalid_label_is_still_an_error(port: GitHubPort) -> None:
    with pytest.raises(BadRequest):
        await port.create_label(REPO, "x", "not-a-colour")


# -- sub-issues ------------------------------------------------------------------------


async def test_sub_issues_are_added_by_id_and_listed(
    github_sim: GitHubSim, port: GitHubPort
) -> None:
    parent = github_sim.add_issue(REPO, "Meeting 2024-12-18", author=OWNER)
    child = github_sim.add_issue(REPO, "Item", author=OWNER)

    added = await port.add_sub_issue(REPO, parent, github_sim.issue(REPO, child).id)
    listed = await port.list_sub_issues(REPO, parent)

    assert added is True
    assert [issue["number"] for issue in listed] == [child]


@pytest.mark.parametrize("status", [404, 422])
async def test_unsupported_sub_issues_answer_false(
    github_sim: GitHubSim, port: GitHubPort, status: int
) -> None:
    parent = github_sim.add_issue(REPO, "Meeting", author=OWNER)
    child = github_sim.add_issue(REPO, "Item", author=OWNER)
    github_sim.faults.fail("POST", "/repos/{o}/{r}/issues/{n}/sub_issues", status)
    github_sim.faults.fail("GET", "/repos/{o}/{r}/issues/{n}/sub_issues", 404)

    assert await port.add_sub_issue(REPO, parent, github_sim.issue(REPO, child).id) is False
    assert await port.list_sub_issues(REPO, parent) is None
    assert github_sim.sub_issues(REPO, parent) == []


# -- people and pull requests -----------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"), [("triage", "triage"), ("maintain", "maintain"), (None, "read")]
)
async def test_permission_is_the_role_name(
    github_sim: GitHubSim, port: GitHubPort, role: str | None, expected: str
) -> None:
    github_sim.add_user("bea")
    if role:
        github_sim.set_permission(REPO, "bea", role)

    assert await port.permission(REPO, "bea") == expected


async def test_permission_of_an_unknown_user_is_none(port: GitHubPort) -> None:
    assert await port.permission(REPO, "nobody-at-all") == "none"


async def test_get_user_and_a_missing_user(github_sim: GitHubSim, port: GitHubPort) -> None:
    github_sim.add_user("joergroedel", name="Jörg Rödel")

    assert (await port.get_user("joergroedel"))["name"] == "Jörg Rödel"  # type: ignore[index]
    assert await port.get_user("nobody-at-all") is None


async def test_pulls_are_listed_and_fetched(github_sim: GitHubSim, port: GitHubPort) -> None:
    github_sim.add_issue(REPO, "Not a PR", author=OWNER)
    github_sim.add_pull(REPO, title="User space support", author=OWNER)

    pulls = await port.list_pulls(REPO)

    assert [pull["title"] for pull in pulls] == ["User space support"]
    assert (await port.get_pull(REPO, pulls[0]["number"]))["title"] == "User space support"  # type: ignore[index]
    assert await port.get_pull(REPO, 1) is None  # an issue, not a PR
    assert await port.get_pull(REPO, 999) is None


# -- GitHub App authentication -----------------------------------------------------------


@pytest.fixture
def app_auth(
    github_sim: GitHubSim, github_app_key: tuple[int, str], sim_time: Callable[[], float]
) -> AppAuth:
    github_sim.add_repo(REPO)
    app_id, private_key = github_app_key
    return AppAuth(app_id, private_key, clock=sim_time)


def exchanges(sim: GitHubSim) -> int:
    return len(sim.calls_matching("POST", "/app/installations/{id}/access_tokens"))


async def test_an_app_trades_its_jwt_for_an_installation_token_once(
    github_sim: GitHubSim, app_auth: AppAuth, session: aiohttp.ClientSession, sleeps: Sleeps
) -> None:
    port = await port_for_installation(session, app_auth, 1, github_sim.url, sleep=sleeps)

    await asyncio.gather(*(port.get_repo(REPO) for _ in range(5)))
    await port.create_issue(REPO, title="Item", body="")

    assert exchanges(github_sim) == 1
    assert port.calls == 6
    assert github_sim.issue(REPO, 1).user == "minutes-bot[bot]"


async def test_ports_of_one_installation_share_its_token(
    github_sim: GitHubSim, app_auth: AppAuth, session: aiohttp.ClientSession
) -> None:
    first = await port_for_installation(session, app_auth, 1, github_sim.url)
    second = await port_for_installation(session, app_auth, 1, github_sim.url)

    await first.get_repo(REPO)
    await second.get_repo(REPO)

    assert exchanges(github_sim) == 1


async def test_the_token_is_renewed_shortly_before_it_expires(
    github_sim: GitHubSim, app_auth: AppAuth, session: aiohttp.ClientSession
) -> None:
    port = await port_for_installation(session, app_auth, 1, github_sim.url)

    github_sim.clock.advance(54 * 60)
    await port.get_repo(REPO)
    assert exchanges(github_sim) == 1
    github_sim.clock.advance(2 * 60)  # now 4 minutes before expiry
    await port.get_repo(REPO)

    assert exchanges(github_sim) == 2


async def test_a_rejected_token_is_replaced_and_the_call_repeated(
    github_sim: GitHubSim, github_app_key: tuple[int, str], session: aiohttp.ClientSession
) -> None:
    github_sim.add_repo(REPO)
    stopped_clock = AppAuth(*github_app_key, clock=lambda: 0.0)  # never sees the token age
    port = await port_for_installation(session, stopped_clock, 1, github_sim.url)
    github_sim.clock.advance(2 * 60 * 60)

    assert (await port.get_repo(REPO))["full_name"] == REPO
    assert exchanges(github_sim) == 2
    assert [c.status for c in github_sim.calls_matching("GET", "/repos/{o}/{r}")] == [401, 200]


async def test_a_404_with_a_token_from_before_the_repository_was_added_gets_a_new_token(
    github_sim: GitHubSim, app_auth: AppAuth, session: aiohttp.ClientSession
) -> None:
    await GitHubPort(session, app_auth, 1, base_url=github_sim.url).get_repo(REPO)
    github_sim.add_repo("acme/later", installation_id=None)
    github_sim.repo("acme/later").installation_id = 1  # added after the token was issued

    later = GitHubPort(session, app_auth, 1, base_url=github_sim.url)
    assert (await later.get_repo("acme/later"))["full_name"] == "acme/later"
    with pytest.raises(NotFound):
        await later.get_repo("acme/gone")  # the fresh token is not renewed again

    assert exchanges(github_sim) == 2
    statuses = [c.status for c in github_sim.calls if c.path.startswith("/repos/acme/")]
    assert statuses == [200, 404, 200, 404]


async def test_a_missing_file_where_a_token_was_answered_before_costs_no_new_token(
    github_sim: GitHubSim, app_auth: AppAuth, session: aiohttp.ClientSession
) -> None:
    await GitHubPort(session, app_auth, 1, base_url=github_sim.url).get_repo(REPO)

    for _ in range(3):
        port = GitHubPort(session, app_auth, 1, base_url=github_sim.url)
        assert await port.get_file(REPO, ".github/minutes-bot.yml", ref="main") is None

    assert exchanges(github_sim) == 1


async def test_a_repository_missing_to_a_fresh_token_costs_no_new_token_later(
    github_sim: GitHubSim, app_auth: AppAuth, session: aiohttp.ClientSession
) -> None:
    # Every delivery asks for the organisation's defaults, which most do not have.
    await GitHubPort(session, app_auth, 1, base_url=github_sim.url).get_repo(REPO)

    for _ in range(3):
        port = GitHubPort(session, app_auth, 1, base_url=github_sim.url)
        assert await port.get_file("acme/.github", ".github/minutes-bot.yml") is None

    assert exchanges(github_sim) == 2  # the first token, and one renewal to be sure
    reads = [c.status for c in github_sim.calls if c.path.startswith("/repos/acme/.github/")]
    assert reads == [404, 404, 404, 404]


async def test_a_plain_token_that_is_rejected_raises(
    github_sim: GitHubSim, github_repo: str, session: aiohttp.ClientSession
) -> None:
    port = GitHubPort(session, TokenAuth("ghp_wrong"), base_url=github_sim.url)

    with pytest.raises(BadRequest) as caught:
        await port.get_repo(REPO)

    assert caught.value.status_code == 401
    assert port.calls == 1


async def test_an_app_knows_its_bot_login(
    github_sim: GitHubSim, app_auth: AppAuth, session: aiohttp.ClientSession
) -> None:
    port = await port_for_installation(session, app_auth, 1, github_sim.url)

    assert await port.own_logins() == {"minutes-bot[bot]"}
    assert await port.own_logins() == {"minutes-bot[bot]"}
    assert len(github_sim.calls_matching("GET", "/app")) == 1


async def test_a_personal_token_acts_as_its_user_and_actions_token_as_its_bot(
    github_sim: GitHubSim, github_repo: str, session: aiohttp.ClientSession
) -> None:
    github_sim.add_token("ghp_personal", login="ada")
    github_sim.add_token("ghs_actions", login="github-actions[bot]")

    personal = GitHubPort(session, TokenAuth("ghp_personal"), base_url=github_sim.url)
    actions = GitHubPort(session, TokenAuth("ghs_actions"), base_url=github_sim.url)

    assert await personal.own_logins() == {"ada"}
    assert await actions.own_logins() == {"github-actions[bot]"}
    assert [c.status for c in github_sim.calls_matching("GET", "/user")] == [200, 403]


def test_auth_reprs_hide_secrets() -> None:
    assert "ghp_secret" not in repr(TokenAuth("ghp_secret"))
    assert "BEGIN" not in repr(AppAuth(1, "-----BEGIN RSA PRIVATE KEY-----secret"))


async def test_tokens_never_reach_the_log(
    github_sim: GitHubSim,
    app_auth: AppAuth,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    port = await port_for_installation(session, app_auth, 1, github_sim.url)

    await port.get_repo(REPO)
    await port.get_file(REPO, "missing.md", "main")

    tokens = [token for token in github_sim.auth.tokens]
    assert tokens and not any(token in caplog.text for token in tokens)
    assert "GET /repos/acme/minutes -> 200" in caplog.messages
    assert "GET /repos/acme/minutes/contents/missing.md -> 404" in caplog.messages


# -- only the configured host -----------------------------------------------------------------


@pytest.fixture
async def other_host() -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    """Serve another host that records the headers of every request it gets."""
    seen: list[dict[str, str]] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.json_response([])

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("")).rstrip("/"), seen


async def test_a_next_page_on_another_host_is_never_requested(
    github_sim: GitHubSim, port: GitHubPort, other_host: tuple[str, list[dict[str, str]]]
) -> None:
    url, seen = other_host
    for n in range(3):
        github_sim.add_issue(REPO, f"Item {n}", author=OWNER)
    link = f'<{url}/repos/{REPO}/issues?page=2>; rel="next"'
    github_sim.faults.add_headers("GET", "/repos/{o}/{r}/issues", {"Link": link})

    with pytest.raises(ForeignHostError):
        await port.list_issues(REPO)

    assert seen == []
    assert port.calls == 1


# -- retries -------------------------------------------------------------------------------


async def test_server_errors_are_retried_with_backoff(
    github_sim: GitHubSim, port: GitHubPort, sleeps: Sleeps
) -> None:
    github_sim.faults.fail("GET", "/repos/{o}/{r}", 502, times=3)

    assert (await port.get_repo(REPO))["full_name"] == REPO
    assert sleeps.seconds == [1.0, 2.0, 4.0]
    assert port.calls == 4


async def test_a_create_answered_with_a_server_error_is_retried(
    github_sim: GitHubSim, port: GitHubPort, sleeps: Sleeps
) -> None:
    github_sim.faults.fail("POST", "/repos/{o}/{r}/issues", 500)

    await port.create_issue(REPO, title="Item", body="")

    assert [issue.title for issue in github_sim.issues(REPO)] == ["Item"]
    assert sleeps.seconds == [1.0]


@pytest.mark.parametrize("status", [403, 429])
async def test_a_secondary_limit_waits_as_long_as_retry_after_says(
    github_sim: GitHubSim, port: GitHubPort, sleeps: Sleeps, status: int
) -> None:
    github_sim.faults.secondary_rate_limit(
        "POST", "/repos/{o}/{r}/issues", status=status, retry_after=30
    )

    await port.create_issue(REPO, title="Item", body="")

    assert sleeps.seconds == [30.0]
    assert len(github_sim.issues(REPO)) == 1


async def test_a_secondary_limit_without_retry_after_waits_a_minute_then_longer(
    github_sim: GitHubSim, port: GitHubPort, sleeps: Sleeps
) -> None:
    github_sim.faults.secondary_rate_limit("*", "**", retry_after=None, times=2)

    await port.post_comment(REPO, github_sim.add_issue(REPO, "Item", author=OWNER), "Hi")

    assert sleeps.seconds == [60.0, 120.0]


async def test_a_spent_primary_limit_waits_for_the_reset(
    github_sim: GitHubSim,
    github_repo: str,
    github_token: str,
    session: aiohttp.ClientSession,
    sleeps: Sleeps,
    sim_time: Callable[[], float],
) -> None:
    github_sim.auth.limits["core"] = RateLimit(2, timedelta(minutes=10))
    port = GitHubPort(
        session, TokenAuth(github_token), base_url=github_sim.url, sleep=sleeps, clock=sim_time
    )

    for _ in range(3):
        await port.get_repo(REPO)

    assert len(sleeps.seconds) == 1
    assert 9 * 60 < sleeps.seconds[0] <= 10 * 60 + 1


async def test_a_wait_longer_than_the_maximum_gives_up_at_once(
    github_sim: GitHubSim,
    github_repo: str,
    github_token: str,
    session: aiohttp.ClientSession,
    sleeps: Sleeps,
) -> None:
    port = GitHubPort(
        session,
        TokenAuth(github_token),
        base_url=github_sim.url,
        sleep=sleeps,
        policy=RetryPolicy(max_wait=120),
    )
    github_sim.faults.secondary_rate_limit("GET", "**", retry_after=3600)

    with pytest.raises(BadRequest) as caught:
        await port.get_repo(REPO)

    assert caught.value.status_code == 403
    assert sleeps.seconds == []


async def test_the_port_gives_up_after_the_maximum_tries(
    github_sim: GitHubSim, port: GitHubPort, sleeps: Sleeps
) -> None:
    github_sim.faults.fail("GET", "/repos/{o}/{r}", 500, times=None)

    with pytest.raises(GitHubBroken):
        await port.get_repo(REPO)

    assert port.calls == 5
    assert sleeps.seconds == [1.0, 2.0, 4.0, 8.0]


async def test_a_plain_forbidden_is_not_retried(
    github_sim: GitHubSim, port: GitHubPort, sleeps: Sleeps
) -> None:
    github_sim.faults.fail("PATCH", "/repos/{o}/{r}/issues/{n}", 403)

    with pytest.raises(BadRequest):
        await port.update_issue(REPO, github_sim.add_issue(REPO, "Item", author=OWNER), title="x")

    assert (port.calls, sleeps.seconds) == (1, [])


async def test_a_dropped_connection_on_a_read_is_retried(
    github_sim: GitHubSim, port: GitHubPort, sleeps: Sleeps
) -> None:
    # aiohttp itself repeats a GET once when the server hangs up; the port does the rest.
    github_sim.faults.drop("GET", "/repos/{o}/{r}/issues", times=2)
    github_sim.add_issue(REPO, "Item", author=OWNER)

    assert [issue["title"] for issue in await port.list_issues(REPO)] == ["Item"]
    assert sleeps.seconds == [1.0]


async def test_a_dropped_create_is_not_sent_twice(
    github_sim: GitHubSim, port: GitHubPort, sleeps: Sleeps
) -> None:
    github_sim.faults.drop("POST", "/repos/{o}/{r}/issues")

    with pytest.raises(AmbiguousWriteError):
        await port.create_issue(REPO, title="Item", body="")

    assert port.writes == 1
    assert sleeps.seconds == []


async def test_a_dropped_edit_is_repeated(
    github_sim: GitHubSim, port: GitHubPort, sleeps: Sleeps
) -> None:
    number = github_sim.add_issue(REPO, "Item", author=OWNER)
    github_sim.faults.drop("PATCH", "/repos/{o}/{r}/issues/{n}")

    await port.update_issue(REPO, number, title="Renamed")

    assert github_sim.issue(REPO, number).title == "Renamed"
    assert port.writes == 2


async def test_a_request_that_hangs_times_out_and_is_retried(
    github_sim: GitHubSim,
    github_repo: str,
    github_token: str,
    session: aiohttp.ClientSession,
    sleeps: Sleeps,
) -> None:
    port = GitHubPort(
        session,
        TokenAuth(github_token),
        base_url=github_sim.url,
        sleep=sleeps,
        policy=RetryPolicy(request_timeout=0.05),
    )
    github_sim.faults.delay("GET", "/repos/{o}/{r}", 0.3, times=1)

    assert (await port.get_repo(REPO))["full_name"] == REPO
    assert sleeps.seconds == [1.0]


# -- one write at a time ---------------------------------------------------------------------


async def test_writes_of_one_installation_are_sent_one_at_a_time_in_order(
    github_sim: GitHubSim,
    github_repo: str,
    github_token: str,
) -> None:
    in_flight = {"now": 0, "most": 0}

    async def started(*_: object) -> None:
        in_flight["now"] += 1
        in_flight["most"] = max(in_flight["most"], in_flight["now"])

    async def ended(*_: object) -> None:
        in_flight["now"] -= 1

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(started)
    trace.on_request_end.append(ended)
    trace.on_request_exception.append(ended)
    github_sim.faults.delay("POST", "/repos/{o}/{r}/issues", 0.02, times=None)
    auth = TokenAuth(github_token)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        ports = [GitHubPort(session, auth, base_url=github_sim.url) for _ in range(2)]
        await asyncio.gather(
            *(ports[n % 2].create_issue(REPO, title=f"Item {n}", body="") for n in range(6))
        )

    assert in_flight["most"] == 1
    assert [issue.title for issue in sorted(github_sim.issues(REPO), key=lambda i: i.number)] == [
        f"Item {n}" for n in range(6)
    ]


# -- the retry rule itself ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "headers", "message", "attempt", "expected"),
    [
        (500, {}, "", 1, 1.0),
        (503, {}, "", 3, 4.0),
        (500, {}, "", 5, None),
        (403, {"Retry-After": "7"}, "", 1, 7.0),
        (429, {}, "", 2, 120.0),
        (403, {}, "You have exceeded a secondary rate limit", 1, 60.0),
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1300"}, "", 1, 301.0),
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "900"}, "", 1, 1.0),
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "99999"}, "", 1, None),
        (403, {"x-ratelimit-remaining": "12"}, "Resource not accessible by integration", 1, None),
        (404, {}, "Not Found", 1, None),
        (422, {}, "Validation Failed", 1, None),
        (401, {}, "Bad credentials", 1, None),
    ],
)
def test_retry_delay(
    status: int, headers: dict[str, str], message: str, attempt: int, expected: float | None
) -> None:
    assert retry_delay(RetryPolicy(), status, headers, message, attempt, now=1000.0) == expected


async def test_a_clock_far_from_githubs_does_not_renew_the_token_on_every_call(
    github_sim: GitHubSim, github_app_key: tuple[int, str]
) -> None:
    """The bot's clock is a day ahead of GitHub's: tokens still last their hour."""
    app_id, key = github_app_key
    github_sim.add_repo("acme/skewed", installation_id=7)
    auth = AppAuth(app_id, key, clock=lambda: time.time() + 86_400)
    async with aiohttp.ClientSession() as session:
        port = await port_for_installation(session, auth, 7, github_sim.url)
        for _ in range(5):
            await port.get_repo("acme/skewed")

    assert auth.exchanges == 1


async def test_content_creation_is_paced_under_githubs_limit_of_80_a_minute(
    github_sim: GitHubSim, github_token: str, github_repo: str
) -> None:
    """200 comments: never more than 72 in any minute, and close to that rate overall."""
    moments: list[float] = []
    now = [1_000.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    def clock() -> float:
        return now[0]

    policy = RetryPolicy(content_per_minute=72, content_burst=8)
    async with aiohttp.ClientSession() as session:
        port = GitHubPort(session, TokenAuth(github_token), base_url=github_sim.url,
                          policy=policy, sleep=sleep, clock=clock)
        issue = await port.create_issue(github_repo, title="Paced", body="")
        moments.append(clock())
        for n in range(199):
            await port.post_comment(github_repo, issue["number"], f"comment {n}")
            moments.append(clock())

    busiest = max(sum(1 for m in moments if start <= m <= start + 60) for start in moments)
    rate = (len(moments) - 1) / (moments[-1] - moments[0]) * 60
    assert busiest <= 72
    assert rate >= 0.95 * 72


@pytest.mark.parametrize(
    ("rest", "graphql"),
    [
        ("https://api.github.com", "https://api.github.com/graphql"),
        ("https://github.example.com/api/v3", "https://github.example.com/api/graphql"),
        ("https://github.example.com/api/v3/", "https://github.example.com/api/graphql"),
    ],
)
def test_graphql_is_asked_beside_the_rest_api(rest: str, graphql: str) -> None:
    assert graphql_url(rest) == graphql
