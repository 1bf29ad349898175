"""Every number in a scenario file carries its source or says "assumption".

A number is covered when its own line, or the line of a key it sits under, has a comment that
says ``assumption`` or ``source: <id>`` with ``<id>`` listed under the file's ``sources:``.  A
comment on a parent key covers the whole block below it, so a table of assumptions needs one.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_SOURCE = re.compile(r"source:\s*([A-Za-z0-9_\-]+)")


def _comment(line: str) -> str:
    """The comment part of a YAML line (a '#' outside quotes, after a space or at the start)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[i + 1 :]
    return ""


def _covers(comment: str, sources: set[str]) -> bool:
    if "assumption" in comment.lower():
        return True
    return any(source in sources for source in _SOURCE.findall(comment))


def _numbers(node: yaml.Node, key_lines: tuple[int, ...]):
    """Yield (line of the number, lines of the keys above it) for every numeric scalar."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag in _NUMBER_TAGS:
            yield node.start_mark.line, key_lines
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _numbers(value, (*key_lines, key.start_mark.line))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _numbers(item, key_lines)


def unsourced_numbers(path: str | Path) -> list[str]:
    """Lines of a scenario file holding a number with neither a source nor "assumption"."""
    text = Path(path).read_text(encoding="utf-8")
    lines = text.splitlines()
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    data = yaml.safe_load(text) or {}
    sources = set((data.get("sources") or {}).keys()) if isinstance(data, dict) else set()
    problems = []
    seen = set()
    for line, parents in _numbers(root, ()) if root is not None else ():
        if line in seen or any(_covers(_comment(lines[i]), sources) for i in (line, *parents)):
            continue
        seen.add(line)
        problems.append(
            f"{path}:{line + 1}: number without a source or 'assumption': {lines[line].strip()}"
        )
    return problems
