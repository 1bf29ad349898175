"""Hostile YAML: duplicate keys, alias bombs, aliases inside their own anchor and deep nesting
are refused with a located line before any alias is expanded, and never as a traceback."""

from __future__ import annotations

import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from carepath import load_scenario
from carepath.execution.manifest import scenario_hash
from carepath.inputs import loading, safe_yaml
from carepath.inputs.loading import ScenarioError, read_tree
from carepath.inputs.scenario_file import resolved
from conftest import REPO

BUNDLED = sorted((REPO / "scenarios").glob("*.yaml"))
ALL_YAML = sorted((REPO / "scenarios").rglob("*.yaml"))

BILLION_LAUGHS = """\
a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def problems_of(tmp_path: Path, text: str, name: str = "s.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        read_tree(path)
    return caught.value.problems


def refusal(text: str) -> list[tuple[int, tuple, str]]:
    with pytest.raises(safe_yaml.UnsafeYamlError) as caught:
        safe_yaml.load(text)
    return [(p.line, p.path, p.message) for p in caught.value.problems]


# Duplicate keys ---------------------------------------------------------------------------


def test_a_duplicate_top_level_key_is_located(tmp_path):
    text = "name: a\nsettings: {seed: 1}\nname: b\n"
    path = tmp_path / "s.yaml"
    assert problems_of(tmp_path, text) == [
        f"{path}: line 3: name: duplicate key 'name' (first at line 1)"
    ]


def test_duplicate_keys_nested_in_mappings_and_lists_are_all_reported(tmp_path):
    text = (
        "name: a\n"  # 1
        "settings:\n"  # 2
        "  seed: 1\n"  # 3
        "  days: 2\n"  # 4
        "  seed: 3\n"  # 5
        "facilities:\n"  # 6
        "  - id: x\n"  # 7
        "  - {id: y, tier: village, id: z}\n"  # 8
        "name: b\n"  # 9
    )
    path = tmp_path / "s.yaml"
    assert problems_of(tmp_path, text) == [
        f"{path}: line 5: settings.seed: duplicate key 'seed' (first at line 3)",
        f"{path}: line 8: facilities[1].id: duplicate key 'id' (first at line 8)",
        f"{path}: line 9: name: duplicate key 'name' (first at line 1)",
    ]


def test_keys_that_load_as_the_same_value_are_duplicates():
    assert refusal("a: {1: x, 0x1: y}\n") == [
        (1, ("a", "0x1"), "duplicate key '0x1' (first at line 1)")
    ]


def test_keys_given_next_to_a_merge_override_the_merged_ones():
    text = (
        "base: &base {x: 1, y: 2}\n"
        "more: &more {y: 5, z: 6}\n"
        "one:\n"
        "  <<: *base\n"
        "  x: 3\n"
        "both: {<<: [*base, *more], z: 7}\n"
    )
    assert safe_yaml.load(text) == yaml.safe_load(text)
    assert safe_yaml.load(text)["one"] == {"x": 3, "y": 2}
    assert safe_yaml.load(text)["both"] == {"x": 1, "y": 2, "z": 7}


# Alias bombs and aliases inside their own anchor -------------------------------------------


def test_a_billion_laughs_is_refused_fast(tmp_path):
    started = time.perf_counter()
    problems = problems_of(tmp_path, BILLION_LAUGHS)
    assert time.perf_counter() - started < 1
    path = tmp_path / "s.yaml"
    assert problems == [f"{path}: line 5: e[0]: aliases expand past 10,000 nodes"]


def test_aliases_may_add_up_to_ten_thousand_nodes_and_no_more():
    # `a` is a list of 99 items (100 nodes); each alias to it adds 100 nodes.
    anchor = "a: &a [" + ", ".join(["x"] * 99) + "]\n"
    assert len(safe_yaml.load(anchor + "b: [" + ", ".join(["*a"] * 100) + "]\n")["b"]) == 100
    over = anchor + "b: [" + ", ".join(["*a"] * 100) + "]\nc: *a\n"
    assert refusal(over) == [(3, ("c",), "aliases expand past 10,000 nodes")]


def test_a_large_file_without_aliases_is_not_limited():
    text = "".join(f"k{i}: [{i}, {i}]\n" for i in range(3_000))  # 12,001 nodes
    assert len(safe_yaml.load(text)) == 3_000


@pytest.mark.parametrize(
    "text, line, path",
    [
        ("a: &x [1, *x]\n", 1, ("a", 1)),
        ("a:\n  b: &x\n    c: {d: *x}\n", 3, ("a", "b", "c", "d")),
        ("a: &x {<<: *x}\n", 1, ("a", "<<")),
        ("a: &x {*x : 1}\n", 1, ("a", "?")),
    ],
)
def test_an_alias_inside_its_own_anchor_is_refused(tmp_path, text, line, path):
    message = "alias *x is used inside its own anchor, a structure without end"
    assert refusal(text) == [(line, path, message)]
    problems = problems_of(tmp_path, text)
    assert problems[0].startswith(f"{tmp_path / 's.yaml'}: line {line}: ")


# Deep nesting ------------------------------------------------------------------------------


def flow_lists(depth: int) -> str:
    return "a: " + "[" * depth + "]" * depth + "\n"


def flow_mappings(depth: int) -> str:
    return "a: " + "{k: " * depth + "1" + "}" * depth + "\n"


def block_mappings(depth: int) -> str:
    return "".join(f"{' ' * i}k{i}:\n" for i in range(depth + 1)) + " " * (depth + 1) + "1\n"


def block_lists(depth: int) -> str:
    return "a:\n" + "- " * depth + "x\n"


NESTINGS = [flow_lists, flow_mappings, block_mappings, block_lists]


@pytest.mark.parametrize("nest", NESTINGS, ids=lambda f: f.__name__)
def test_nesting_three_thousand_deep_is_refused(tmp_path, nest):
    started = time.perf_counter()
    problems = problems_of(tmp_path, nest(3000))
    assert time.perf_counter() - started < 2
    assert len(problems) == 1
    assert re.fullmatch(
        rf"{re.escape(str(tmp_path))}/s\.yaml: line \d+: nesting deeper "
        r"than 100 levels",
        problems[0],
    )


@pytest.mark.parametrize("nest", NESTINGS, ids=lambda f: f.__name__)
def test_a_hundred_levels_are_allowed_and_a_hundred_and_one_are_not(nest):
    # The top-level mapping is the first level.
    assert safe_yaml.load(nest(99)) == yaml.safe_load(nest(99))
    assert [m for _, _, m in refusal(nest(100))] == ["nesting deeper than 100 levels"]


def test_block_nesting_is_located_at_the_level_too_deep():
    assert refusal(block_mappings(3000)) == [(101, (), "nesting deeper than 100 levels")]


def test_nesting_made_deep_by_an_alias_is_refused():
    text = "a: &a " + "[" * 60 + "]" * 60 + "\nb: " + "[" * 40 + "*a" + "]" * 40 + "\n"
    [(line, path, message)] = refusal(text)
    assert (line, message) == (2, "nesting deeper than 100 levels once aliases are expanded")
    assert path == ("b", *[0] * 40)
    fits = "a: &a " + "[" * 59 + "]" * 59 + "\nb: " + "[" * 40 + "*a" + "]" * 40 + "\n"
    assert safe_yaml.load(fits) == yaml.safe_load(fits)


def test_a_stack_already_nearly_used_up_gives_a_refusal_not_a_recursion_error():
    text = flow_lists(99)
    limit = sys.getrecursionlimit()
    depth = len(__import__("inspect").stack(0))
    sys.setrecursionlimit(depth + 60)
    try:
        with pytest.raises(safe_yaml.UnsafeYamlError) as caught:
            safe_yaml.load(text)
    finally:
        sys.setrecursionlimit(limit)
    assert caught.value.problems[0].message == "nesting too deep"


# The bundled scenarios load as before ------------------------------------------------------


@pytest.mark.parametrize("path", ALL_YAML, ids=lambda p: str(p.relative_to(REPO)))
def test_bundled_files_load_to_what_safe_load_gives(path):
    text = path.read_text(encoding="utf-8")
    assert safe_yaml.load(text) == yaml.safe_load(text)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_scenarios_keep_their_hash(path, monkeypatch):
    now = scenario_hash(resolved(load_scenario(path)))
    monkeypatch.setattr(loading.safe_yaml, "load", yaml.safe_load)
    assert scenario_hash(resolved(load_scenario(path))) == now


def test_the_bundled_scenarios_use_anchors_and_merge_keys():
    texts = [p.read_text(encoding="utf-8") for p in BUNDLED]
    assert any("<<: *" in t for t in texts) and any("&village_times" in t for t in texts)


# `carepath check` on drawn hostile files, in a subprocess under a memory cap ---------------

MEMORY_CAP = 2 * 1024**3
TIMEOUT_S = 20  # starting Python and importing carepath takes a few seconds of it


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def check_in_subprocess(files: list[Path]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "models")}
    return subprocess.run(
        [sys.executable, "-m", "carepath", "check", *map(str, files)],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT_S,
        preexec_fn=_capped,
    )


KEYS = st.from_regex(r"k_[a-z0-9]{1,6}", fullmatch=True)


@st.composite
def alias_bombs(draw) -> tuple[str, int | None, str]:
    width = draw(st.integers(2, 12))
    levels = math.ceil(math.log(10_001, width)) + draw(st.integers(0, 3))
    flow = draw(st.booleans())
    lines = []
    for level in range(levels):
        items = ["lol"] * width if level == 0 else [f"*n{level - 1}"] * width
        if flow:
            lines.append(f"l{level}: &n{level} [{', '.join(items)}]")
        else:
            lines.append(f"l{level}: &n{level}")
            lines.extend(f"  - {item}" for item in items)
    return "\n".join(lines) + "\n", None, "aliases expand past 10,000 nodes"


@st.composite
def deep_nestings(draw) -> tuple[str, int | None, str]:
    nest = draw(st.sampled_from(NESTINGS))
    depth = draw(st.integers(100, 3000))
    return nest(depth), None, "nesting deeper than 100 levels"


@st.composite
def duplicate_keys(draw) -> tuple[str, int | None, str]:
    parents = draw(st.lists(KEYS, max_size=3))
    keys = draw(st.lists(KEYS, min_size=1, max_size=8, unique=True))
    again = draw(st.sampled_from(keys))
    at = draw(st.integers(keys.index(again) + 1, len(keys)))
    keys.insert(at, again)
    indent = "  " * len(parents)
    lines = [f"{'  ' * i}{parent}:" for i, parent in enumerate(parents)]
    lines += [f"{indent}{key}: {n}" for n, key in enumerate(keys)]
    line = len(parents) + at + 1
    return "\n".join(lines) + "\n", line, f"duplicate key '{again}'"


@st.composite
def self_references(draw) -> tuple[str, int | None, str]:
    before = draw(st.integers(0, 5))
    lines = [f"k{i}: {i}" for i in range(before)] + ["loop: &me", "  - 1", "  - *me"]
    return "\n".join(lines) + "\n", before + 3, "alias *me is used inside its own anchor"


@pytest.mark.integration
@settings(max_examples=6, deadline=None)
@given(
    st.tuples(alias_bombs(), deep_nestings(), duplicate_keys(), self_references()),
)
def test_check_refuses_drawn_hostile_files_with_a_located_line(cases):
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for n, (text, _, _) in enumerate(cases):
            files.append(Path(folder) / f"hostile_{n}.yaml")
            files[-1].write_text(text, encoding="utf-8")
        done = check_in_subprocess(files)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.splitlines()
    for file, (_, line, message) in zip(files, cases, strict=True):
        where = rf"line {line}" if line is not None else r"line \d+"
        pattern = rf"{re.escape(str(file))}: {where}: (\S+: )?{re.escape(message)}"
        assert any(re.match(pattern, got) for got in lines), (pattern, lines)


@pytest.mark.integration
def test_check_refuses_a_billion_laughs_quickly_under_a_memory_cap(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    done = check_in_subprocess([path])
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.splitlines() == [f"{path}: line 5: e[0]: aliases expand past 10,000 nodes"]
