"""Reading scenario files: `extends` merging, origins and one-line error reports."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Annotated, Literal

import pytest
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from carepath.inputs.loading import (
    ScenarioError,
    deep_merge,
    format_problem,
    load_model,
    read_tree,
)


def _known_facility(value: str, info: ValidationInfo) -> str:
    known = (info.context or {}).get("facilities")
    if known is not None and value not in known:
        raise ValueError(f"unknown facility id {value!r}")
    return value


FacilityRef = Annotated[str, AfterValidator(_known_facility)]


class Toy(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Facility(Toy):
    id: str
    doctors: int = Field(ge=1)
    refers_to: FacilityRef | None = None


class Clinic(Toy):
    kind: Literal["clinic"]
    beds: int


class Pharmacy(Toy):
    kind: Literal["pharmacy"]
    counters: int


class Settings(Toy):
    seed: int
    days: float = 1.0


class World(Toy):
    name: str
    settings: Settings
    facilities: list[Facility] = Field(min_length=1)
    travel: dict[str, FacilityRef] = Field(default_factory=dict)
    extras: list[Annotated[Clinic | Pharmacy, Field(discriminator="kind")]] = []

    @model_validator(mode="after")
    def _named(self) -> World:
        if self.name == "nameless":
            raise ValueError("name must be given")
        return self


def _facility_ids(data: dict) -> dict:
    return {"facilities": {f["id"] for f in data["facilities"]}}


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(path: Path, **kwargs) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_model(path, World, **kwargs)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


BASE = textwrap.dedent(
    """\
    name: base
    settings: {seed: 1, days: 2.0}
    facilities:
      - {id: a, doctors: 2}
      - {id: b, doctors: 3, refers_to: a}
    travel: {a: a, b: b}
    """
)


def test_deep_merge_merges_mappings_and_replaces_the_rest():
    base = {"a": {"x": 1, "y": [1, 2]}, "b": [1], "c": 3, "d": {"e": 1}}
    override = {"a": {"y": [3]}, "b": [2, 3], "c": None, "f": {"g": 1}}
    merged = deep_merge(base, override)
    assert merged == {"a": {"x": 1, "y": [3]}, "b": [2, 3], "c": None, "d": {"e": 1}, "f": {"g": 1}}
    assert base == {"a": {"x": 1, "y": [1, 2]}, "b": [1], "c": 3, "d": {"e": 1}}
    merged["d"]["e"] = 99
    merged["f"]["g"] = 99
    assert base["d"]["e"] == 1 and override["f"]["g"] == 1


def test_extends_chain_merges_and_records_origins(tmp_path):
    root = write(tmp_path, "root.yaml", BASE)
    (tmp_path / "sub").mkdir()
    middle = write(tmp_path / "sub", "middle.yaml", "extends: ../root.yaml\nsettings: {seed: 2}\n")
    child = write(
        tmp_path / "sub",
        "child.yaml",
        """\
        extends: middle.yaml
        name: child
        facilities:
          - {id: c, doctors: 1}
        travel: {b: null}
        """,
    )
    data, origins = read_tree(child)
    assert data == {
        "name": "child",
        "settings": {"seed": 2, "days": 2.0},
        "facilities": [{"id": "c", "doctors": 1}],
        "travel": {"a": "a", "b": None},
    }
    assert origins[()] == child
    assert origins[("name",)] == child
    assert origins[("settings", "seed")] == middle
    assert origins[("settings", "days")] == root
    assert origins[("travel", "a")] == root
    assert origins[("travel", "b")] == child
    assert origins[("facilities", 0, "doctors")] == child
    # The base's second facility was replaced along with the whole list.
    assert ("facilities", 1) not in origins
    assert middle.name == "middle.yaml" and "extends" not in data


def test_inherited_bad_value_names_the_base_and_an_overridden_one_the_child(tmp_path):
    write(tmp_path, "base.yaml", BASE.replace("doctors: 3", "doctors: 0"))
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nsettings: {seed: x}\n")
    assert problems(child) == [
        f"{tmp_path / 'child.yaml'}: settings.seed: "
        "Input should be a valid integer, unable to parse string as an integer, got 'x'",
        f"{tmp_path / 'base.yaml'}: facilities[1].doctors: "
        "Input should be greater than or equal to 1, got 0",
    ]
    fixed = write(
        tmp_path,
        "fixed.yaml",
        "extends: base.yaml\nfacilities: [{id: a, doctors: 0}]\n",
    )
    assert problems(fixed) == [
        f"{fixed}: facilities[0].doctors: Input should be greater than or equal to 1, got 0"
    ]


def test_missing_key_names_the_file_that_wrote_its_parent(tmp_path):
    base = write(tmp_path, "base.yaml", BASE.replace("seed: 1, ", ""))
    untouched = write(tmp_path, "untouched.yaml", "extends: base.yaml\nname: other\n")
    assert problems(untouched) == [f"{base}: settings.seed: Field required"]
    # settings is merged, so its last writer is the child even though seed came from nowhere.
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nsettings: {days: 1}\n")
    assert problems(child) == [f"{child}: settings.seed: Field required"]
    nulled = write(tmp_path, "nulled.yaml", "extends: base.yaml\nsettings: null\n")
    assert problems(nulled) == [
        f"{nulled}: settings: Input should be a valid dictionary or instance of Settings, got None"
    ]


def test_typo_in_a_nested_key_suggests_the_right_one(tmp_path):
    path = write(
        tmp_path,
        "typo.yaml",
        """\
        name: typo
        setings: {seed: 1}
        facilities:
          - {id: a, doctors: 2}
          - {id: b, doctrs: 3}
        extras:
          - {kind: clinic, beds: 2, bedz: 3}
          - {kind: pharmacy, countrs: 1}
        """,
    )
    assert problems(path) == [
        f"{path}: settings: Field required",
        f"{path}: facilities[1].doctors: Field required",
        f"{path}: facilities[1].doctrs: unknown key (did you mean 'doctors'?)",
        f"{path}: extras[0].bedz: unknown key (did you mean 'beds'?)",
        f"{path}: extras[1].counters: Field required",
        f"{path}: extras[1].countrs: unknown key (did you mean 'counters'?)",
        f"{path}: setings: unknown key (did you mean 'settings'?)",
    ]


def test_unknown_key_without_a_close_match(tmp_path):
    path = write(tmp_path, "odd.yaml", BASE + "colour: blue\n")
    assert problems(path) == [f"{path}: colour: unknown key"]


def test_all_problems_in_one_file_are_reported_at_once(tmp_path):
    path = write(
        tmp_path,
        "many.yaml",
        """\
        name: nameless
        settings: {seed: 1.5, days: soon}
        facilities:
          - {id: a, doctors: 0}
          - {id: b, doctors: 2, refers_to: zz}
        travel: {a: a, b: nowhere}
        """,
    )
    assert problems(path, prepare=_facility_ids) == [
        f"{path}: settings.seed: "
        "Input should be a valid integer, got a number with a fractional part, got 1.5",
        f"{path}: settings.days: "
        "Input should be a valid number, unable to parse string as a number, got 'soon'",
        f"{path}: facilities[0].doctors: Input should be greater than or equal to 1, got 0",
        f"{path}: facilities[1].refers_to: unknown facility id 'zz', got 'zz'",
        f"{path}: travel.b: unknown facility id 'nowhere', got 'nowhere'",
    ]


def test_model_level_problem_is_reported_at_the_top_level(tmp_path):
    path = write(tmp_path, "nameless.yaml", BASE.replace("name: base", "name: nameless"))
    assert problems(path) == [f"{path}: (top level): name must be given"]


def test_context_from_prepare_is_merged_over_the_given_context(tmp_path):
    path = write(tmp_path, "ok.yaml", BASE)
    world = load_model(path, World, context={"facilities": {"x"}}, prepare=_facility_ids)
    assert isinstance(world, World)
    assert world.facilities[1].refers_to == "a"
    # Without prepare the given context alone is used, so 'a' and 'b' are unknown.
    assert problems(path, context={"facilities": {"x"}}) == [
        f"{path}: facilities[1].refers_to: unknown facility id 'a', got 'a'",
        f"{path}: travel.a: unknown facility id 'a', got 'a'",
        f"{path}: travel.b: unknown facility id 'b', got 'b'",
    ]


def test_prepare_failing_on_malformed_data_falls_back_to_plain_validation(tmp_path):
    path = write(tmp_path, "bad.yaml", "name: bad\nsettings: {seed: 1}\nfacilities: 3\n")
    assert problems(path, prepare=_facility_ids) == [
        f"{path}: facilities: Input should be a valid list, got 3"
    ]


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, "broken.yaml", "name: x\nsettings: {seed: 1\nfacilities: []\n")
    (line,) = problems(path)
    assert line.startswith(f"{path}: line 3, column 11: YAML syntax error: ")


def test_top_level_must_be_a_mapping(tmp_path):
    path = write(tmp_path, "list.yaml", "- a\n- b\n")
    assert problems(path) == [f"{path}: (top level): should be a mapping of keys, got list"]
    empty = write(tmp_path, "empty.yaml", "# nothing here\n")
    assert problems(empty) == [
        f"{empty}: (top level): should be a mapping of keys, got an empty file"
    ]


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.yaml"
    assert problems(path) == [f"{path}: file not found"]


def test_missing_extended_file_is_named(tmp_path):
    path = write(tmp_path, "child.yaml", "extends: base.yaml\nname: x\n")
    assert problems(path) == [f"{path}: extends: file not found: {tmp_path / 'base.yaml'}"]


def test_extends_must_be_a_file_name(tmp_path):
    path = write(tmp_path, "child.yaml", "extends: [a.yaml, b.yaml]\n")
    assert problems(path) == [f"{path}: extends: should be a file name, got ['a.yaml', 'b.yaml']"]


def test_cycle_in_extends_is_detected(tmp_path):
    a = write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    b = write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\n")
    assert problems(a) == [f"{b}: extends: files extend each other in a cycle: {a} -> {b} -> {a}"]
    itself = write(tmp_path, "self.yaml", "extends: ./self.yaml\n")
    assert problems(itself) == [
        f"{itself}: extends: files extend each other in a cycle: {itself} -> {itself}"
    ]


def test_format_problem_for_a_later_check(tmp_path):
    write(tmp_path, "base.yaml", BASE)
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nname: child\n")
    _, origins = read_tree(child)
    line = format_problem(("facilities", 1, "id"), "duplicate id 'a'", origins, child)
    assert line == f"{tmp_path / 'base.yaml'}: facilities[1].id: duplicate id 'a'"
