"""Every source a scenario cites can be read in the repository: docs/sources.md has a section
for each `source:` id, and each file's `sources:` entries point there."""

from __future__ import annotations

import re

import yaml

from conftest import REPO

SCENARIOS = sorted((REPO / "scenarios").rglob("*.yaml"))
CITED = re.compile(r"source:\s*([A-Za-z0-9_\-]+)")
BRIEF = REPO / "docs" / "sources.md"


def brief_ids() -> set[str]:
    return set(re.findall(r"^## ([A-Za-z0-9_\-]+)$", BRIEF.read_text(encoding="utf-8"), re.M))


def cited_ids() -> dict[str, set[str]]:
    """id -> the files citing it (`# source: id`, a `source:` key, a plausibility source)."""
    cited: dict[str, set[str]] = {}
    for path in [*SCENARIOS, REPO / "scenarios" / "generators" / "suixi_county.py"]:
        for found in CITED.findall(path.read_text(encoding="utf-8")):
            if found == "assumption":  # an uncertain input's `source: assumption`
                continue
            cited.setdefault(found, set()).add(path.name)
    return cited


def test_every_cited_source_has_a_section_in_the_brief():
    cited = cited_ids()
    assert len(cited) >= 8
    missing = {i: sorted(files) for i, files in cited.items() if i not in brief_ids()}
    assert missing == {}


def test_every_section_of_the_brief_is_cited():
    assert brief_ids() - set(cited_ids()) == set()


def test_each_files_sources_point_to_the_brief():
    for path in SCENARIOS:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, text in (data.get("sources") or {}).items():
            assert f"docs/sources.md#{key}" in text, (path.name, key)
        assert "shared/REFORMS.md" not in path.read_text(encoding="utf-8"), path.name
