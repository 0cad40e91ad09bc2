"""Read YAML that people wrote, refusing the shapes that make a loader slow or huge.

The repository configuration and the front matter of minutes files both go through
here, so "billion laughs" (a few hundred bytes of aliases that stand for millions of
nodes) and deep nesting are stopped at the same limits, before anything is built.
Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import Node

# A handful of anchors is ordinary reuse; dozens are how "billion laughs" starts.
MAX_ALIASES = 50
MAX_DEPTH = 20
# Nodes the aliases stand for, counted as if they were written out in full.
MAX_ALIASED_NODES = 10_000

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlLimitError(yaml.YAMLError):
    """YAML refused for its shape; `line` is 1-based, `message` is written for people."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def compose(text: str) -> Node | None:
    """Compose `text` into nodes once it is known to be within the limits."""
    check_limits(text)
    node: Node | None = yaml.compose(text, Loader=_Loader)
    return node


def load(text: str) -> Any:
    """Load `text` as plain data (`safe_load`) once it is known to be within the limits."""
    check_limits(text)
    return yaml.load(text, Loader=_Loader)


def check_limits(text: str) -> None:
    """Walk the parse events once, cheaply, and raise `YamlLimitError` at the first excess.

    The size of each anchored node is noted as it closes, so an alias is charged for
    everything it repeats; nothing is constructed.
    """
    sizes: dict[str, int] = {}
    open_nodes: list[list[Any]] = [[0, None]]  # [size so far, anchor] per open collection
    aliases = aliased = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            repeated = sizes.get(event.anchor or "", 1)
            aliased += repeated
            open_nodes[-1][0] += repeated
            _check(
                event,
                aliases <= MAX_ALIASES,
                f"too many aliases (`*name`); at most {MAX_ALIASES} are allowed",
            )
            _check(
                event,
                aliased <= MAX_ALIASED_NODES,
                f"aliases stand for more than {MAX_ALIASED_NODES:,} values in all",
            )
        elif isinstance(event, yaml.ScalarEvent):
            open_nodes[-1][0] += 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            open_nodes.append([1, event.anchor])
            _check(
                event, len(open_nodes) - 1 <= MAX_DEPTH, f"nested more than {MAX_DEPTH} levels deep"
            )
        elif isinstance(event, yaml.CollectionEndEvent):
            size, anchor = open_nodes.pop()
            open_nodes[-1][0] += size
            if anchor:
                sizes[anchor] = size


def _check(event: yaml.Event, within: bool, message: str) -> None:
    if not within:
        line = event.start_mark.line + 1 if event.start_mark else 1
        raise YamlLimitError(line, message)
