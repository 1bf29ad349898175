"""YAML read with limits: checked as a node graph before any alias is expanded.

``yaml.safe_load`` builds whatever a file describes. A few lines of anchors and aliases can
describe billions of values (a "billion laughs"), an alias inside its own anchor describes an
endless structure, text nested thousands deep makes PyYAML's composer recurse past Python's
limit, and a key written twice in one mapping silently loses the first value. :func:`load`
first composes the text into nodes (composition shares an anchored node between its aliases
instead of copying it), refuses all of these there, and only then builds the Python data,
exactly as ``yaml.safe_load`` would.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionStartEvent
from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode

MAX_ALIAS_NODES = 10_000  # nodes that expanding every alias may add, in total
MAX_DEPTH = 100  # mappings and lists inside one another, counted after expansion

_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Problem:
    """One refusal: the 1-based line, the key path there (may be empty) and what is wrong."""

    line: int
    path: tuple
    message: str


class UnsafeYamlError(ValueError):
    """The text is valid YAML but breaks a limit of :func:`load`; ``problems`` says where."""

    problems: list[Problem]

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"line {p.line}: {p.message}" for p in problems))
        self.problems = problems


def load(text: str) -> Any:
    """The data ``yaml.safe_load(text)`` gives, once the text passes every check.

    Raises ``yaml.YAMLError`` for text that is not YAML and :class:`UnsafeYamlError` (listing
    every duplicate key, or the first other problem) for duplicate keys, aliases that expand
    past ``MAX_ALIAS_NODES`` nodes, nesting deeper than ``MAX_DEPTH`` levels and aliases that
    refer to a node containing them.
    """
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:  # only if the caller has already used up most of the stack
            line = loader.get_mark().line + 1
            raise UnsafeYamlError([Problem(line, (), "nesting too deep")]) from None
        if node is None:
            return None
        _check(node, loader)
        return loader.construct_document(node)
    finally:
        loader.dispose()


class _Loader(yaml.SafeLoader):
    """A SafeLoader whose composer stops at ``MAX_DEPTH`` and notes where each alias was used.

    PyYAML's composer returns the anchored node itself for an alias, so the graph alone cannot
    tell an alias from the anchor's own place; ``aliases`` maps (id of the containing node,
    slot) to the alias's name and position, a slot being (index, is_key) of a list item or of
    a mapping entry.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.aliases: dict[tuple[int, tuple[int, bool]], tuple[str | None, Any]] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        if isinstance(event, AliasEvent) and parent is not None:
            if isinstance(parent, MappingNode):  # the entry is appended once key and value exist
                slot = (len(parent.value), index is None)
            else:
                slot = (index, False)
            self.aliases[(id(parent), slot)] = (event.anchor, event.start_mark)
        if not isinstance(event, CollectionStartEvent):
            return super().compose_node(parent, index)
        if self.depth >= MAX_DEPTH:
            raise UnsafeYamlError([_too_deep(event.start_mark)])
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _too_deep(mark: Any) -> Problem:
    return Problem(mark.line + 1, (), f"nesting deeper than {MAX_DEPTH} levels")


def _check(root: Node, loader: _Loader) -> None:
    """Walk the node graph once, in document order, without expanding any alias.

    Each node written in the text is visited once; at each use of an alias the size and
    height of the anchored node, already measured, stand for its expansion. Stops at the
    first alias that overflows or loops; duplicate keys are all collected.
    """
    size: dict[int, int] = {}  # id -> nodes in the expanded subtree
    height: dict[int, int] = {}  # id -> collection levels in the expanded subtree
    open_: set[int] = set()  # collections on the current path
    added = 0  # nodes that aliases add
    duplicates: list[Problem] = []

    def enter(node: Node, path: tuple) -> None:
        open_.add(id(node))
        if isinstance(node, MappingNode):
            duplicates.extend(_duplicate_keys(node, path, loader))

    if not isinstance(root, CollectionNode):
        return
    enter(root, ())
    stack: list[tuple[CollectionNode, int, tuple, Iterator]] = [(root, 1, (), _edges(root))]
    while stack:
        node, depth, path, edges = stack[-1]
        for child, slot, label in edges:
            here = (*path, label)
            alias = loader.aliases.get((id(node), slot))
            if id(child) in open_:
                name = alias[0] if alias else "?"
                line = (alias[1] if alias else child.start_mark).line + 1
                message = f"alias *{name} is used inside its own anchor, a structure without end"
                raise UnsafeYamlError([Problem(line, here, message)])
            if id(child) in size:  # met before: this is an alias
                line = (alias[1] if alias else child.start_mark).line + 1
                added += size[id(child)]
                if added > MAX_ALIAS_NODES:
                    message = f"aliases expand past {MAX_ALIAS_NODES:,} nodes"
                    raise UnsafeYamlError([Problem(line, here, message)])
                if depth + height[id(child)] > MAX_DEPTH:
                    message = f"nesting deeper than {MAX_DEPTH} levels once aliases are expanded"
                    raise UnsafeYamlError([Problem(line, here, message)])
            elif isinstance(child, (MappingNode, SequenceNode)):
                if depth >= MAX_DEPTH:  # the composer already stops this; kept for safety
                    raise UnsafeYamlError([_too_deep(child.start_mark)])
                enter(child, here)
                stack.append((child, depth + 1, here, _edges(child)))
                break
            else:
                size[id(child)], height[id(child)] = 1, 0
        else:  # every child measured
            stack.pop()
            open_.discard(id(node))
            children = [child for child, _, _ in _edges(node)]
            size[id(node)] = 1 + sum(size[id(c)] for c in children)
            height[id(node)] = 1 + max((height[id(c)] for c in children), default=0)
    if duplicates:  # a mapping's own keys are checked before those nested in it
        raise UnsafeYamlError(sorted(duplicates, key=lambda p: p.line))


def _edges(node: Node) -> Iterator[tuple[Node, tuple[int, bool], Any]]:
    """Children in document order, each with its slot and its label in a key path."""
    if isinstance(node, MappingNode):
        for index, (key, value) in enumerate(node.value):
            label = _label(key)
            yield key, (index, True), label
            yield value, (index, False), label
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield item, (index, False), index


def _label(key: Node) -> str:
    return key.value if isinstance(key, ScalarNode) else "?"


def _duplicate_keys(node: MappingNode, path: tuple, loader: _Loader) -> list[Problem]:
    """Keys written twice in one mapping; ``<<`` merge keys and what they merge do not count.

    Keys compare as the values they load as, so ``1`` and ``0x1`` (or ``true``) are the same
    key, as they would be in the loaded dict.
    """
    problems = []
    first: dict[Any, int] = {}
    for key, _ in node.value:
        if not isinstance(key, ScalarNode) or key.tag == _MERGE_TAG:
            continue  # a list or mapping as a key is refused when the data is built
        try:
            same: Any = loader.construct_object(key)
            hash(same)
        except (yaml.YAMLError, TypeError):  # left for the data building to report
            same = (key.tag, key.value)
        line = key.start_mark.line + 1
        if same in first:
            message = f"duplicate key {key.value!r} (first at line {first[same]})"
            problems.append(Problem(line, (*path, key.value), message))
        else:
            first[same] = line
    loader.constructed_objects = {}
    return problems
