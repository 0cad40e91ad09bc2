"""The package layout is the architecture: each layer imports only the layers below it,
and no modules import each other in a circle (docs/architecture.md draws the layers).

Every import counts, wherever it is written: at the top, under `TYPE_CHECKING`, or inside
a function. A circle hidden in a function is still a circle.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"

# Bottom to top. A module may import its own layer and those before it, never one after.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("bot", "bot.compat", "bot.safe_yaml"),
    ("bot.minutes",),
    ("bot.tracker",),
    ("bot.config",),
    ("bot.github", "bot.model_api"),
    ("bot.handlers",),
    ("bot.service",),
    ("bot.cli",),
)


def module_name(path: Path, root: Path = BOT) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_by(path: Path, root: Path = BOT) -> Iterator[tuple[int, str]]:
    """Yield (line, module) for each `bot` module the file at `path` imports."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from bot.cli import plan_report` imports the module bot.cli.plan_report
            targets = [
                f"{base}.{alias.name}" if _is_module(f"{base}.{alias.name}", root) else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            if target == "bot" or target.startswith("bot."):
                yield node.lineno, target


def _is_module(name: str, root: Path) -> bool:
    relative = Path(*name.split(".")[1:])
    return (root / relative).with_suffix(".py").is_file() or (root / relative / "__init__.py").is_file()


def layer_of(module: str) -> int:
    best = -1, -1  # (length of the longest matching prefix, layer)
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best[0]:
                best = len(prefix), index
    return best[1]


def import_graph(root: Path = BOT) -> dict[str, list[tuple[int, str]]]:
    return {module_name(path, root): list(imported_by(path, root)) for path in sorted(root.rglob("*.py"))}


def climbs(root: Path = BOT) -> list[str]:
    """Say where a module imports a layer above its own."""
    found = []
    for module, imports in import_graph(root).items():
        for line, target in imports:
            if layer_of(target) > layer_of(module):
                found.append(f"{module}:{line} imports {target}, a layer above it")
    return found


def circles(root: Path = BOT) -> list[list[str]]:
    """Return each set of modules that import each other in a circle (Tarjan's components)."""
    graph = {module: sorted({t for _, t in imports if t != module}) for module, imports in import_graph(root).items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_every_module_of_the_bot_has_a_layer() -> None:
    assert [m for m in import_graph() if layer_of(m) < 0] == []


def test_no_module_imports_a_layer_above_its_own() -> None:
    assert climbs() == []


def test_no_modules_import_each_other_in_a_circle() -> None:
    assert circles() == []


def test_the_check_fails_on_a_core_module_that_imports_the_service(tmp_path: Path) -> None:
    tree = tmp_path / "bot"
    (tree / "minutes").mkdir(parents=True)
    (tree / "service").mkdir()
    for package in (tree, tree / "minutes", tree / "service"):
        (package / "__init__.py").write_text("")
    (tree / "service" / "queue.py").write_text("from bot.minutes import extract\n")
    (tree / "minutes" / "extract.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.service.queue import Delivery\n"
    )
    assert climbs(tree) == ["bot.minutes.extract:3 imports bot.service.queue, a layer above it"]
    assert circles(tree) == [["bot.minutes.extract", "bot.service.queue"]]


@pytest.mark.parametrize("module", ["bot.minutes.extract", "bot.tracker.reconcile"])
def test_the_core_loads_nothing_of_the_service_the_port_or_aiohttp(module: str) -> None:
    script = (
        f"import sys, {module}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aiohttp', 'gidgethub', 'redis')"
        " or m.startswith(('bot.service', 'bot.github', 'bot.handlers', 'bot.cli'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_the_architecture_page_draws_every_layer_package() -> None:
    page = (BOT.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    chart = page.split("```mermaid\n", 1)[1].split("```", 1)[0]
    drawn = set(re.findall(r'\["(bot(?:/\w+)?)', chart))
    packages = {prefix.replace(".", "/") for layer in LAYERS for prefix in layer if "/" not in prefix}
    packages = {p for p in packages if (BOT.parent / p).is_dir()}
    assert packages <= drawn, packages - drawn
