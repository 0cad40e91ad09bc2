"""`POST /graphql`: the few GraphQL documents the bot sends, and nothing else.

The simulator does not parse GraphQL. It knows the exact documents below, checked by
hand against GitHub's published schema (`CreateIssueInput.parentIssueId`,
`Repository.label`, `Repository.assignableUsers`, `Issue.fullDatabaseId`; for the
read-ahead, `Repository.object(expression:)`, `Commit.file(path:)`, `TreeEntry.mode`,
`type` and `object`, `Blob.byteSize`, `isBinary`, `isTruncated` and `text`,
`Repository.defaultBranchRef`, `Ref.target`), and answers them from its state; any other
document is a violation, answered with GitHub's error shape. `parent_on_create = False` plays a GitHub Enterprise Server whose
`CreateIssueInput` has no `parentIssueId`; `graphql = False` one that has no GraphQL.
"""

from __future__ import annotations

import base64
import posixpath
import re
from typing import Any

from aiohttp import web

from .api_common import caller
from .api_labels import SUB_ISSUES_LIMIT
from .app import JSON_KEY, TOKEN_KEY, json_response, sim_of
from .state import Issue, Repo, SimError, node_id

NODE_IDS = """
query($owner: String!, $name: String!, $parent: Int!, $first: String!, $second: String!) {
  repository(owner: $owner, name: $name) {
    id
    issue(number: $parent) { id }
    first: label(name: $first) { id }
    second: label(name: $second) { id }
    assignableUsers(first: 100) { nodes { id login } }
  }
}
"""
USER_ID = """
query($login: String!) {
  user(login: $login) { id }
}
"""
CREATE_ISSUE = """
mutation($input: CreateIssueInput!) {
  createIssue(input: $input) {
    issue {
      id
      fullDatabaseId
      number
      title
      body
      state
      url
      createdAt
      author { __typename login }
      labels(first: 100) { nodes { id name color } }
      assignees(first: 100) { nodes { id login } }
    }
  }
}
"""
ENTRY = "fragment entry on TreeEntry { mode type object { ... on Blob { byteSize isBinary isTruncated text } } }"
PEOPLE = "assignableUsers(first: 100) { pageInfo { hasNextPage } nodes { id login } }"
# Git's modes: a file, a folder, a link, a submodule.
MODES = {"blob": 0o100644, "tree": 0o40000, "symlink": 0o120000, "submodule": 0o160000}


def read_ahead_document(files: int, *, defaults: bool, people: bool) -> str:
    """The read-ahead query for `files` files of one commit, with the defaults file and
    who may be assigned, as the bot words it."""
    names = "".join(f", $p{n}: String!" for n in range(files))
    holder = ", $holderOwner: String!, $holderName: String!, $holderPath: String!"
    head = f"query($owner: String!, $name: String!, $ref: String!{names}{holder if defaults else ''})"
    entries = " ".join(f"f{n}: file(path: $p{n}) {{ ...entry }}" for n in range(files))
    repository = (f"repository(owner: $owner, name: $name) {{ object(expression: $ref) "
                  f"{{ ... on Commit {{ {entries} }} }}{' ' + PEOPLE if people else ''} }}")
    holding = (" holder: repository(owner: $holderOwner, name: $holderName) { defaultBranchRef { "
               "target { ... on Commit { defaults: file(path: $holderPath) { ...entry } } } } }")
    return f"{head} {{ {repository}{holding if defaults else ''} }} {ENTRY}"


def read_ahead_shape(document: str, variables: dict[str, Any]) -> bool:
    """Tell whether `document` is the read-ahead query its variables call for."""
    files = sum(1 for name in variables if re.fullmatch(r"p\d+", name))
    expected = read_ahead_document(files, defaults="holderName" in variables,
                                   people="assignableUsers" in document)
    return words(document) == words(expected)


INPUT_FIELDS = frozenset({"repositoryId", "title", "body", "labelIds", "assigneeIds", "parentIssueId"})


def words(document: str) -> str:
    """The document with its whitespace collapsed, as it is compared."""
    return " ".join(document.split())


def number_of(node: Any, kind: str) -> int | None:
    """Read the number inside one of the simulator's node ids of `kind`; None for any other."""
    if not isinstance(node, str):
        return None
    try:
        text = base64.b64decode(node + "=" * (-len(node) % 4)).decode()
    except ValueError:
        return None
    found = re.fullmatch(r"0\d+:([A-Z]+_)(\d+)", text)
    return int(found[2]) if found and found[1] == kind else None


def errors(*messages: str, status: int = 200) -> web.Response:
    """Answer as GitHub answers a document it refused: 200 and `errors`, no `data`."""
    return json_response({"errors": [{"message": m, "locations": [{"line": 1, "column": 1}]}
                                     for m in messages]}, status)


async def graphql(request: web.Request) -> web.Response:
    """POST /graphql"""
    sim = sim_of(request)
    if not sim.graphql:
        raise SimError(404, "Not Found")
    data = request.get(JSON_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("query"), str):
        raise SimError(400, "Problems parsing JSON")
    variables = data.get("variables") or {}
    handler = {words(NODE_IDS): node_ids, words(USER_ID): user_id,
               words(CREATE_ISSUE): create_issue}.get(words(data["query"]))
    if handler is None and read_ahead_shape(data["query"], variables):
        if not sim.read_ahead:
            return errors("Field 'file' doesn't exist on type 'Commit'")
        return await read_ahead(request, variables, "assignableUsers" in data["query"])
    if handler is None:
        sim.record_violation(f"GraphQL document the simulator does not know:\n{data['query']}")
        return errors("Parse error: the simulator knows only the documents the bot sends")
    return await handler(request, variables)


async def node_ids(request: web.Request, variables: dict[str, Any]) -> web.Response:
    """The ids an issue created under `parent` needs: repository, parent, labels, assignable users."""
    sim = sim_of(request)
    repo = sim.state.repos.get(f"{variables.get('owner')}/{variables.get('name')}".lower())
    if repo is None:
        return json_response({"data": {"repository": None}, "errors": [{
            "type": "NOT_FOUND", "path": ["repository"],
            "message": f"Could not resolve to a Repository with the name '{variables.get('owner')}/"
                       f"{variables.get('name')}'."}]})
    parent = repo.issues.get(variables.get("parent"))  # type: ignore[arg-type]
    users = sorted(login for login, role in [(repo.owner, "admin"), *repo.roles.items()]
                   if role not in (None, "read"))[:100]
    return json_response({"data": {"repository": {
        "id": node_id("R_", repo.id),
        "issue": {"id": node_id("I_", parent.id)} if parent and not parent.is_pull else None,
        "first": label_node(repo, variables.get("first")),
        "second": label_node(repo, variables.get("second")),
        "assignableUsers": {"nodes": [{"id": node_id("U_", sim.state.user(login).id),
                                       "login": sim.state.user(login).login} for login in users]},
    }}})


def label_node(repo: Repo, name: Any) -> dict[str, str] | None:
    label = repo.labels.get(str(name).lower())
    return {"id": node_id("LA_", label.id)} if label else None


async def user_id(request: web.Request, variables: dict[str, Any]) -> web.Response:
    """One account's node id."""
    user = sim_of(request).state.users.get(str(variables.get("login")).lower())
    if user is None:
        return json_response({"data": {"user": None}, "errors": [{
            "type": "NOT_FOUND", "path": ["user"],
            "message": f"Could not resolve to a User with the login of '{variables.get('login')}'."}]})
    return json_response({"data": {"user": {"id": node_id("U_", user.id)}}})


def input_problem(sim: Any, given: Any) -> str | None:
    """What GitHub would refuse in the `CreateIssueInput` variable, before doing anything."""
    if not isinstance(given, dict):
        return "Variable $input of type CreateIssueInput! was provided invalid value"
    fields = INPUT_FIELDS if sim.parent_on_create else INPUT_FIELDS - {"parentIssueId"}
    for name in given:
        if name not in fields:
            return (f"Variable $input of type CreateIssueInput! was provided invalid value for "
                    f"{name} (Field is not defined on CreateIssueInput)")
    for name in ("repositoryId", "title"):
        if not given.get(name):
            return (f"Variable $input of type CreateIssueInput! was provided invalid value for "
                    f"{name} (Expected value to not be null)")
    return None


async def create_issue(request: web.Request, variables: dict[str, Any]) -> web.Response:
    """Open an issue with its labels and assignees, under its parent when one is named."""
    sim = sim_of(request)
    given = variables.get("input")
    problem = input_problem(sim, given)
    if problem:
        return errors(problem)
    repo = next((r for r in sim.state.repos.values() if r.id == number_of(given["repositoryId"], "R_")), None)
    if repo is None:
        return not_resolved("repositoryId", given["repositoryId"])
    labels = [next((label.name for label in repo.labels.values() if label.id == number_of(x, "LA_")), None)
              for x in given.get("labelIds") or ()]
    logins = [next((u.login for u in sim.state.users.values() if u.id == number_of(x, "U_")), None)
              for x in given.get("assigneeIds") or ()]
    parent = sim.state.issue_by_id(number_of(given.get("parentIssueId"), "I_") or -1)
    if None in labels or None in logins or (given.get("parentIssueId") and parent is None):
        return not_resolved("input", given)
    if parent is not None and len(parent.sub_issue_ids) >= SUB_ISSUES_LIMIT:
        return json_response({"data": {"createIssue": None}, "errors": [{
            "type": "UNPROCESSABLE", "path": ["createIssue"],
            "message": f"Parent cannot have more than {SUB_ISSUES_LIMIT} sub-issues"}]})
    issue = sim.create_issue(repo, str(given["title"]), caller(request), body=given.get("body"),
                             labels=[x for x in labels if x],
                             assignees=[x for x in logins if x and repo.role_of(x) not in (None, "read")])
    if parent is not None:
        sim.add_sub_issue(parent, issue.id)
    sim.announce_opened(repo, issue)
    return json_response({"data": {"createIssue": {"issue": issue_node(sim, repo, issue)}}})


def not_resolved(field: str, value: Any) -> web.Response:
    return json_response({"data": {"createIssue": None}, "errors": [{
        "type": "NOT_FOUND", "path": ["createIssue"],
        "message": f"Could not resolve to a node with the global id of '{value}' ({field})."}]})


def issue_node(sim: Any, repo: Repo, issue: Issue) -> dict[str, Any]:
    """An issue as the bot's CREATE_ISSUE document selects it.

    GraphQL names a GitHub App's bot without the `[bot]` that REST adds.
    """
    author = sim.state.user(issue.user)
    return {
        "id": node_id("I_", issue.id),
        "fullDatabaseId": str(issue.id),
        "number": issue.number,
        "title": issue.title,
        "body": issue.body or "",
        "state": issue.state.upper(),
        "url": f"{sim.html_url}/{repo.full_name}/issues/{issue.number}",
        "createdAt": sim.render.issue(repo, issue)["created_at"],
        "author": {"__typename": author.type, "login": author.login.removesuffix("[bot]")},
        "labels": {"nodes": [{"id": node_id("LA_", repo.labels[n.lower()].id), "name": n,
                              "color": repo.labels[n.lower()].color} for n in issue.labels]},
        "assignees": {"nodes": [{"id": node_id("U_", sim.state.user(login).id), "login": login}
                                for login in issue.assignees]},
    }


def reached(request: web.Request, full_name: str) -> Repo | None:
    """The repository, if the caller's token may see it."""
    repo = sim_of(request).state.repos.get(full_name.lower())
    token = request.get(TOKEN_KEY)
    return None if repo is None or (token is not None and not token.reaches(repo.full_name)) else repo


async def read_ahead(request: web.Request, variables: dict[str, Any], people: bool) -> web.Response:
    """Files of one commit, the defaults file on its repository's default branch, and who
    may be assigned; a missing file or repository is `null` with a NOT_FOUND error."""
    sim = sim_of(request)
    problems: list[dict[str, Any]] = []
    full_name = f"{variables.get('owner')}/{variables.get('name')}"
    repo = reached(request, full_name)
    if repo is None:
        problems.append(repository_not_found(["repository"], full_name))
        repository = None
    else:
        commit = commit_of(repo, str(variables.get("ref")))
        files = {f"f{n}": tree_entry(commit, str(variables[f"p{n}"]), ["repository", "object", f"f{n}"],
                                     problems)
                 for n in range(sum(1 for name in variables if re.fullmatch(r"p\d+", name)))}
        repository = {"object": files if commit is not None else None}
        if people:
            roles = {repo.owner: "admin"} | repo.roles
            logins = [login for login, role in roles.items() if role not in ("read", "none")]
            repository["assignableUsers"] = {
                "pageInfo": {"hasNextPage": len(logins) > 100},
                "nodes": [{"id": node_id("U_", sim.state.user(login).id), "login": sim.state.user(login).login}
                          for login in logins[:100]]}
    answer: dict[str, Any] = {"repository": repository}
    if "holderName" in variables:
        holder_name = f"{variables.get('holderOwner')}/{variables.get('holderName')}"
        holder = reached(request, holder_name)
        if holder is None:
            problems.append(repository_not_found(["holder"], holder_name))
            answer["holder"] = None
        else:
            head = holder.head()
            where = ["holder", "defaultBranchRef", "target", "defaults"]
            answer["holder"] = {"defaultBranchRef": None if head is None else {"target": {
                "defaults": tree_entry(head, str(variables.get("holderPath")), where, problems)}}}
    return json_response({"data": answer, **({"errors": problems} if problems else {})})


def repository_not_found(path: list[str], full_name: str) -> dict[str, Any]:
    return {"type": "NOT_FOUND", "path": path, "locations": [{"line": 1, "column": 1}],
            "message": f"Could not resolve to a Repository with the name '{full_name}'."}


def commit_of(repo: Repo, ref: str) -> Any:
    try:
        return repo.resolve(ref)
    except SimError:
        return None


def tree_entry(commit: Any, path: str, where: list[str], problems: list[dict[str, Any]]) -> Any:
    """`Commit.file(path:)`: the entry at `path`, or `null` and a NOT_FOUND error."""
    path = posixpath.normpath(path).lstrip("/") if path else path
    if commit is not None and path in commit.tree:
        kind = commit.kinds.get(path, "blob")
        text = commit.tree[path]
        blob = {"byteSize": len(text.encode()), "isBinary": False, "isTruncated": False, "text": text}
        return {"mode": MODES[kind], "type": {"symlink": "blob", "submodule": "commit"}.get(kind, kind),
                "object": blob if kind != "submodule" else None}
    if commit is not None and any(name.startswith(path + "/") for name in commit.tree):
        return {"mode": MODES["tree"], "type": "tree", "object": {}}
    problems.append({"type": "NOT_FOUND", "path": where, "locations": [{"line": 1, "column": 1}],
                     "message": f"Could not resolve file for path '{path}'."})
    return None
