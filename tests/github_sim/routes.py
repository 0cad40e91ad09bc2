"""The table of routes the simulator serves: REST, and `/graphql` for the bot's documents."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .api_apps import (
    create_installation_token,
    get_app,
    get_repo_installation,
    list_installation_repos,
    list_installations,
    rate_limit,
)
from .api_git import create_pull, create_ref, get_ref, put_content, update_pull, update_ref
from .api_graphql import graphql
from .api_issues import (
    comment_reactions,
    create_comment,
    create_issue,
    delete_comment,
    get_comment,
    get_issue,
    issue_reactions,
    list_comments,
    list_issues,
    list_repo_comments,
    react_to_comment,
    react_to_issue,
    search_issues,
    update_comment,
    update_issue,
)
from .api_labels import (
    add_assignees,
    add_labels,
    add_sub_issue,
    create_label,
    get_parent,
    issue_labels,
    list_repo_labels,
    list_sub_issues,
    remove_assignees,
    remove_label,
    remove_sub_issue,
    set_labels,
)
from .api_repos import (
    check_assignee,
    compare,
    create_commit_comment,
    get_authenticated_user,
    get_blob,
    get_commit,
    get_content,
    get_permission,
    get_pull,
    get_repo,
    get_tree,
    get_user,
    list_assignees,
    list_collaborators,
    list_commit_comments,
    list_commits,
    list_contributors,
    list_pulls,
    pulls_for_commit,
)


def add_routes(router: web.UrlDispatcher) -> None:
    """Register every REST route the simulator serves."""
    r = "/repos/{owner}/{repo}"
    i = r + "/issues/{issue_number:\\d+}"
    c = r + "/issues/comments/{comment_id:\\d+}"
    table: list[tuple[str, str, Any]] = [
        ("GET", "/app", get_app),
        ("GET", "/app/installations", list_installations),
        ("POST", "/app/installations/{installation_id}/access_tokens", create_installation_token),
        ("GET", "/installation/repositories", list_installation_repos),
        ("GET", "/rate_limit", rate_limit),
        ("POST", "/graphql", graphql),
        ("GET", "/search/issues", search_issues),
        ("GET", "/users/{username}", get_user),
        ("GET", "/user", get_authenticated_user),
        ("GET", r, get_repo),
        ("GET", r + "/installation", get_repo_installation),
        ("GET", r + "/assignees", list_assignees),
        ("GET", r + "/assignees/{assignee}", check_assignee),
        ("GET", r + "/collaborators", list_collaborators),
        ("GET", r + "/collaborators/{username}/permission", get_permission),
        ("GET", r + "/contributors", list_contributors),
        ("GET", r + "/contents/{path:.+}", get_content),
        ("PUT", r + "/contents/{path:.+}", put_content),
        ("GET", r + "/git/ref/{ref:.+}", get_ref),
        ("POST", r + "/git/refs", create_ref),
        ("PATCH", r + "/git/refs/{ref:.+}", update_ref),
        ("GET", r + "/commits", list_commits),
        ("GET", r + "/commits/{commit_sha}/comments", list_commit_comments),
        ("POST", r + "/commits/{commit_sha}/comments", create_commit_comment),
        ("GET", r + "/commits/{commit_sha}/pulls", pulls_for_commit),
        ("GET", r + "/commits/{ref:.+}", get_commit),
        ("GET", r + "/compare/{basehead:.+}", compare),
        ("GET", r + "/git/blobs/{file_sha}", get_blob),
        ("GET", r + "/git/trees/{tree_sha:.+}", get_tree),
        ("GET", r + "/issues", list_issues),
        ("POST", r + "/issues", create_issue),
        ("GET", r + "/issues/comments", list_repo_comments),
        ("GET", c, get_comment),
        ("PATCH", c, update_comment),
        ("DELETE", c, delete_comment),
        ("GET", c + "/reactions", comment_reactions),
        ("POST", c + "/reactions", react_to_comment),
        ("GET", i, get_issue),
        ("PATCH", i, update_issue),
        ("GET", i + "/comments", list_comments),
        ("POST", i + "/comments", create_comment),
        ("GET", i + "/labels", issue_labels),
        ("POST", i + "/labels", add_labels),
        ("PUT", i + "/labels", set_labels),
        ("DELETE", i + "/labels/{name:.+}", remove_label),
        ("POST", i + "/assignees", add_assignees),
        ("DELETE", i + "/assignees", remove_assignees),
        ("GET", i + "/reactions", issue_reactions),
        ("POST", i + "/reactions", react_to_issue),
        ("GET", i + "/sub_issues", list_sub_issues),
        ("POST", i + "/sub_issues", add_sub_issue),
        ("DELETE", i + "/sub_issue", remove_sub_issue),
        ("GET", i + "/parent", get_parent),
        ("GET", r + "/labels", list_repo_labels),
        ("POST", r + "/labels", create_label),
        ("GET", r + "/pulls", list_pulls),
        ("POST", r + "/pulls", create_pull),
        ("GET", r + "/pulls/{pull_number:\\d+}", get_pull),
        ("PATCH", r + "/pulls/{pull_number:\\d+}", update_pull),
    ]
    for method, path, handler in table:
        router.add_route(method, path, handler)
