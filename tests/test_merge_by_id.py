"""``extends`` with ``merge: by_id``: lists of items with ids merged item by item, only where a
file asks; and every bundled scenario resolving to the hash its committed results record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carepath.execution.manifest import scenario_hash
from carepath.inputs.loading import ScenarioError, read_tree
from carepath.inputs.scenario_file import load_scenario, resolved
from conftest import DEMO, REPO

BASE = """\
name: base
facilities:
  - {id: a, doctors: 2, rooms: [{id: r1, beds: 1}, {id: r2, beds: 2}]}
  - {id: b, doctors: 3}
fees: [1, 2, 3]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_by_id_merges_items_with_the_same_id_and_appends_new_ids(tmp_path):
    write(tmp_path, "base.yaml", BASE)
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\nmerge: by_id\n"
        "facilities:\n  - {id: b, doctors: 5}\n  - {id: c, doctors: 1}\n"
        "  - {id: a, rooms: [{id: r2, beds: 4}, {id: r3, beds: 1}]}\n",
    )
    data, origins = read_tree(child)
    assert data["facilities"] == [
        {
            "id": "a",
            "doctors": 2,
            "rooms": [{"id": "r1", "beds": 1}, {"id": "r2", "beds": 4}, {"id": "r3", "beds": 1}],
        },
        {"id": "b", "doctors": 5},
        {"id": "c", "doctors": 1},
    ]
    assert "merge" not in data and "extends" not in data
    base = tmp_path / "base.yaml"
    assert origins[("facilities", 0, "doctors")] == base
    assert origins[("facilities", 0, "rooms", 0, "beds")] == base
    assert origins[("facilities", 0, "rooms", 1, "beds")] == child
    assert origins[("facilities", 1, "doctors")] == child
    assert origins[("facilities", 2, "id")] == child


def test_without_merge_a_list_replaces_the_base_list_whole(tmp_path):
    write(tmp_path, "base.yaml", BASE)
    child = write(
        tmp_path, "child.yaml", "extends: base.yaml\nfacilities:\n  - {id: b, doctors: 5}\n"
    )
    data, _ = read_tree(child)
    assert data["facilities"] == [{"id": "b", "doctors": 5}]


def test_by_id_replaces_lists_whose_items_have_no_ids(tmp_path):
    write(tmp_path, "base.yaml", BASE)
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nmerge: by_id\nfees: [9]\n")
    data, _ = read_tree(child)
    assert data["fees"] == [9]


def test_by_id_is_the_extending_files_own_rule(tmp_path):
    # The middle file merges by id; the top file, which does not ask, replaces lists whole.
    write(tmp_path, "base.yaml", BASE)
    write(
        tmp_path,
        "middle.yaml",
        "extends: base.yaml\nmerge: by_id\nfacilities: [{id: c, doctors: 1}]\n",
    )
    top = write(tmp_path, "top.yaml", "extends: middle.yaml\nfacilities: [{id: d, doctors: 1}]\n")
    assert [f["id"] for f in read_tree(tmp_path / "middle.yaml")[0]["facilities"]] == [
        "a",
        "b",
        "c",
    ]
    assert [f["id"] for f in read_tree(top)[0]["facilities"]] == ["d"]


def test_by_id_changes_one_facility_of_a_bundled_scenario(tmp_path):
    child = write(
        tmp_path,
        "child.yaml",
        f"extends: {DEMO}\nmerge: by_id\nname: child\n"
        "facilities:\n  - id: town_chc\n    stations: {cashier: 5}\n",
    )
    base, changed = load_scenario(DEMO), load_scenario(child)
    assert [f.id for f in changed.facilities] == [f.id for f in base.facilities]
    assert changed.facility("town_chc").stations.cashier == 5
    others = [f for f in changed.facilities if f.id != "town_chc"]
    assert others == [f for f in base.facilities if f.id != "town_chc"]
    town = changed.facility("town_chc").stations.model_copy(
        update={"cashier": base.facility("town_chc").stations.cashier}
    )
    assert town == base.facility("town_chc").stations


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("extends: base.yaml\nmerge: by_position\n", "merge: the one rule is by_id"),
        ("name: alone\nmerge: by_id\nfacilities: []\n", "merge: only a file that extends another"),
    ],
)
def test_a_bad_merge_rule_is_refused_naming_the_file(tmp_path, text, message):
    write(tmp_path, "base.yaml", BASE)
    child = write(tmp_path, "child.yaml", text)
    with pytest.raises(ScenarioError) as caught:
        read_tree(child)
    (line,) = caught.value.problems
    assert line.startswith(f"{child}: merge: ")
    assert message in line


def test_an_id_written_twice_in_a_list_merged_by_id_is_refused(tmp_path):
    write(tmp_path, "base.yaml", BASE)
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\nmerge: by_id\nfacilities: [{id: c, doctors: 1}, {id: c, doctors: 2}]\n",
    )
    with pytest.raises(ScenarioError) as caught:
        read_tree(child)
    assert caught.value.problems == [
        f"{child}: facilities: id 'c' written twice in a list merged by id"
    ]


# -- every bundled scenario resolves exactly as its committed results say -------------------


def committed_hashes() -> dict[str, str]:
    """Scenario file -> the resolved scenario's hash recorded in the committed results
    (each run's manifest, and each validation system's entry)."""
    hashes: dict[str, str] = {}
    for manifest_file in sorted((REPO / "results").glob("*/manifest.json")):
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        for entry in [manifest, *manifest.get("systems", [])]:
            if entry.get("scenario_file") and entry.get("scenario_sha256"):
                hashes.setdefault(entry["scenario_file"], entry["scenario_sha256"])
    return hashes


BUNDLED = sorted(
    str(path.relative_to(REPO))
    for path in [
        *(REPO / "scenarios").glob("*.yaml"),
        *(REPO / "scenarios" / "validation").glob("*.yaml"),
    ]
)


def test_every_bundled_scenario_has_committed_results():
    assert set(BUNDLED) <= set(committed_hashes())


@pytest.mark.parametrize("file", BUNDLED)
def test_a_bundled_scenario_resolves_to_its_committed_hash(file):
    assert scenario_hash(resolved(load_scenario(REPO / file))) == committed_hashes()[file]
