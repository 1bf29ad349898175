"""``carepath schema``: the JSON Schema of scenario files, as editors read it."""

from __future__ import annotations

import json

import pytest
import yaml

from carepath.cli import main
from carepath.inputs.file_schema import file_schema
from conftest import REPO, TINY

jsonschema = pytest.importorskip("jsonschema")

BUNDLED = sorted(
    [*(REPO / "scenarios").glob("*.yaml"), *(REPO / "scenarios" / "validation").glob("*.yaml")]
)


def problems(document: dict, resolved: bool = False) -> list[str]:
    validator = jsonschema.Draft7Validator(file_schema(resolved))
    return sorted(error.message for error in validator.iter_errors(document))


def test_the_schemas_are_valid_json_schemas():
    jsonschema.Draft7Validator.check_schema(file_schema())
    jsonschema.Draft7Validator.check_schema(file_schema(resolved=True))


@pytest.mark.parametrize("file", BUNDLED, ids=lambda path: path.name)
def test_every_bundled_scenario_file_passes_as_written(file):
    assert problems(yaml.safe_load(file.read_text(encoding="utf-8"))) == []


def test_a_misspelt_key_and_a_bad_value_are_flagged():
    found = problems({**TINY, "simulaton": {}, "simulation": {**TINY["simulation"], "seed": "x"}})
    assert any("'simulaton' does not match" in message for message in found)
    assert "'x' is not of type 'integer'" in found


def test_bounds_are_checked_under_their_json_schema_names():
    found = problems({**TINY, "simulation": {**TINY["simulation"], "replications": 0}})
    assert "0 is less than the minimum of 1" in found
    schema = json.dumps(file_schema())
    assert '"ge"' not in schema and '"le"' not in schema


def test_file_keys_and_key_paths_are_allowed_and_checked():
    assert (
        problems({"extends": "base.yaml", "merge": "by_id", "reforms.credit.enrolment": 0.4}) == []
    )
    assert problems({"extends": "base.yaml", "merge": "by_position"}) == [
        "'by_position' is not one of ['by_id']"
    ]


def test_only_a_file_without_extends_must_give_the_whole_scenario():
    assert problems({"extends": "base.yaml", "simulation": {"seed": 3}}) == []
    assert "'name' is a required property" in problems({"simulation": {"seed": 3}})
    # After extends is merged every required key is required, inside sections too.
    assert "'horizon_days' is a required property" in problems(
        {**TINY, "simulation": {"seed": 3}}, resolved=True
    )


def test_the_command_writes_the_schema_to_stdout_or_a_file(tmp_path, capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == file_schema()
    out = tmp_path / "scenario.schema.json"
    assert main(["schema", "--resolved", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == file_schema(resolved=True)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_an_unwritable_out_is_bad_input(tmp_path, capsys):
    out = tmp_path / "missing" / "scenario.schema.json"
    assert main(["schema", "--out", str(out)]) == 2
    assert f"--out {out}: cannot write there" in capsys.readouterr().err
    assert not out.parent.exists()
