"""The README stays short and true, and the docs site lists every page.

The site itself is built with warnings as errors by ``make docs`` (in ``make test``); these
checks are the ones a reader of the README on its own would notice.
"""

from __future__ import annotations

import re

import yaml

from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
NUMBERS = {"five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def _count(words: str) -> int:
    return int(words) if words.isdigit() else NUMBERS[words]


def test_the_readme_is_at_most_200_lines():
    assert len(README.splitlines()) <= 200


def test_every_readme_link_points_at_a_file():
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
    assert targets
    missing = [t for t in targets if "://" not in t and not (REPO / t).exists()]
    assert missing == []


def test_the_readme_counts_the_bundled_scenarios_and_notebooks():
    scenarios = re.search(r"`scenarios/`: (\w+) bundled scenario files", README)
    notebooks = re.search(r"`notebooks/`: (\w+) notebooks", README)
    assert scenarios and notebooks
    assert _count(scenarios.group(1)) == len(list((REPO / "scenarios").glob("*.yaml")))
    bundled = sorted(p.stem for p in (REPO / "notebooks").glob("*.ipynb"))
    assert _count(notebooks.group(1)) == len(bundled)
    for name in bundled:
        assert f"`{name}`" in README, name


def _nav_pages(entries: list) -> list[str]:
    pages = []
    for entry in entries:
        for value in entry.values() if isinstance(entry, dict) else [entry]:
            pages += _nav_pages(value) if isinstance(value, list) else [value]
    return pages


def test_every_docs_page_is_in_the_site_nav():
    # mkdocs.yml names the hook with a plain tag-free YAML, so safe_load reads it.
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = set(_nav_pages(config["nav"]))
    pages = {str(p.relative_to(REPO / "docs")) for p in (REPO / "docs").rglob("*.md")}
    assert pages - nav == set()
    generated = {"reference/schema.md", "reference/metrics.md"}
    assert nav - pages == generated
