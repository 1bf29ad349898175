"""Key paths outside sweeps: ``carepath run --set key.path=value`` and key paths written as
top-level keys of a scenario file."""

from __future__ import annotations

import json

import pytest

from carepath.cli import main
from carepath.execution.manifest import scenario_hash
from carepath.inputs.keypath import parse_setting
from carepath.inputs.levers import value_at
from carepath.inputs.loading import ScenarioError, read_tree
from carepath.inputs.scenario_file import load_scenario, resolved
from conftest import DEMO, TINY, write_yaml

CREDIT = DEMO.with_name("demo_county_credit.yaml")
OUTREACH = DEMO.with_name("mianyang_outreach.yaml")
HYPERTENSION_SHARE = "reforms.free_clinics.conditions.hypertension.share"


def refused(path, settings=()) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, settings)
    return caught.value.problems


# -- --set: parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reforms.credit.enrolment=0.4", ("reforms.credit.enrolment", 0.4)),
        ("reforms.credit.enabled=false", ("reforms.credit.enabled", False)),
        ("facilities[town_chc].stations.cashier=2", ("facilities[town_chc].stations.cashier", 2)),
        (
            "reforms.credit.facilities=[county_hospital]",
            ("reforms.credit.facilities", ["county_hospital"]),
        ),
        ("area=null", ("area", None)),
        ("name=a=b", ("name", "a=b")),
    ],
)
def test_a_setting_is_a_key_path_and_a_yaml_value(text, expected):
    assert parse_setting(text) == expected


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("reforms.credit.enrolment", "KEY.PATH=VALUE"),
        ("=0.4", "KEY.PATH=VALUE"),
        ("reforms..credit=1", "'reforms..credit'"),
        ("reforms.credit.enrolment=[0.4", "reforms.credit.enrolment: the value '[0.4'"),
    ],
)
def test_a_setting_that_cannot_be_read_is_refused_naming_it(text, named):
    with pytest.raises(ValueError, match=named.replace("[", r"\[").replace(".", r"\.")):
        parse_setting(text)


# -- --set: applied to the resolved file ----------------------------------------------------


def test_a_setting_changes_the_resolved_value_and_the_hash():
    plain = load_scenario(OUTREACH)
    changed = load_scenario(OUTREACH, [(HYPERTENSION_SHARE, 0.45)])
    assert value_at(plain, HYPERTENSION_SHARE) != 0.45
    assert value_at(changed, HYPERTENSION_SHARE) == 0.45
    assert scenario_hash(resolved(changed)) != scenario_hash(resolved(plain))
    # Everything else is the file's: setting the file's own value back gives its hash.
    back = load_scenario(OUTREACH, [(HYPERTENSION_SHARE, value_at(plain, HYPERTENSION_SHARE))])
    assert scenario_hash(resolved(back)) == scenario_hash(resolved(plain))


def test_a_list_item_is_named_by_id_or_by_position():
    plain = load_scenario(DEMO)
    position = [f.id for f in plain.facilities].index("town_chc")
    by_id = load_scenario(DEMO, [("facilities[town_chc].stations.cashier", 7)])
    by_position = load_scenario(DEMO, [(f"facilities[{position}].stations.cashier", 7)])
    assert by_id.facility("town_chc").stations.cashier == 7
    assert resolved(by_id) == resolved(by_position)


def test_a_setting_may_make_a_section_the_file_leaves_to_its_defaults():
    # demo_county.yaml does not write reforms.credit; the default section is filled in.
    changed = load_scenario(DEMO, [("reforms.credit.enrolment", 0.4)])
    assert value_at(changed, "reforms.credit.enrolment") == 0.4


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (("reforms.credit.enrolment", 1.4), "reforms.credit.enrolment: Input should be less"),
        (("reforms.credit.enrolmnt", 0.4), "reforms.credit.enrolmnt: unknown key"),
        (("facilities[nowhere].stations.cashier", 2), "no item with id 'nowhere' in facilities"),
        (("facilities[99].stations.cashier", 2), "facilities has 15 items, so no [99]"),
        (("simulation.seed.x", 2), "simulation.seed is a single value"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_option_and_key(setting, message):
    (line,) = refused(CREDIT, [setting])
    assert line.startswith(f"{CREDIT}: --set: {setting[0]}: ")
    assert message in line


def test_a_setting_given_twice_or_inside_another_is_refused():
    twice = refused(DEMO, [("simulation.seed", 1), ("simulation.seed", 2)])
    assert twice == [
        f"{DEMO}: --set: simulation.seed: also set by simulation.seed; give one of them"
    ]
    inside = refused(DEMO, [("simulation", {"seed": 1}), ("simulation.seed", 2)])
    assert inside == [f"{DEMO}: --set: simulation.seed: also set by simulation; give one of them"]


def test_check_with_set_reports_the_bad_key_and_exits_2(capsys):
    code = main(["check", str(CREDIT), "--set", "reforms.credit.enrolment=1.4"])
    assert code == 2
    err = capsys.readouterr().err
    assert f"{CREDIT}: --set: reforms.credit.enrolment: Input should be less" in err


def test_an_unreadable_set_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["check", str(DEMO), "--set", "reforms.credit.enrolment"])
    assert exited.value.code == 2
    assert "KEY.PATH=VALUE" in capsys.readouterr().err


@pytest.mark.integration
def test_run_with_set_records_it_in_the_manifest_and_writes_nothing_when_bad(tmp_path):
    file = write_yaml(tmp_path / "tiny.yaml", TINY)
    plain, changed = tmp_path / "plain", tmp_path / "changed"
    assert main(["run", str(file), "--out", str(plain), "--quiet"]) == 0
    args = ["run", str(file), "--out", str(changed), "--quiet", "--set", "simulation.seed=8"]
    assert main(args) == 0
    before = json.loads((plain / "tiny" / "manifest.json").read_text())
    after = json.loads((changed / "tiny" / "manifest.json").read_text())
    assert after["command"][-2:] == ["--set", "simulation.seed=8"]
    assert after["parameters"]["simulation"]["seed"] == 8 == after["seed"]
    assert after["scenario_sha256"] == scenario_hash(after["parameters"])
    assert after["scenario_sha256"] != before["scenario_sha256"]
    bad = tmp_path / "bad"
    assert main(["run", str(file), "--out", str(bad), "--set", "simulation.seed=-1"]) == 2
    assert not bad.exists()


# -- key paths as top-level keys of a file ---------------------------------------------------


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_key_path_in_a_file_equals_the_nested_form(tmp_path):
    nested = write(
        tmp_path,
        "nested.yaml",
        f"extends: {CREDIT}\nname: nested\nreforms:\n  credit:\n    enrolment: 0.4\n",
    )
    dotted = write(
        tmp_path, "dotted.yaml", f"extends: {CREDIT}\nname: nested\nreforms.credit.enrolment: 0.4\n"
    )
    assert value_at(load_scenario(dotted), "reforms.credit.enrolment") == 0.4
    assert resolved(load_scenario(dotted)) == resolved(load_scenario(nested))


def test_a_key_path_is_set_after_the_mapping_it_points_into_is_merged(tmp_path):
    # The base switches credit on with its settings; the key path changes one of them and
    # keeps the rest (a nested `reforms.credit` mapping would merge the same way).
    child = write(
        tmp_path,
        "child.yaml",
        f"extends: {CREDIT}\nname: child\nfacilities[county_hospital].stations.cashier: 9\n",
    )
    base, changed = load_scenario(CREDIT), load_scenario(child)
    assert changed.facility("county_hospital").stations.cashier == 9
    assert changed.reforms.credit == base.reforms.credit
    county = changed.facility("county_hospital").stations
    assert county.model_copy(
        update={"cashier": base.facility("county_hospital").stations.cashier}
    ) == (base.facility("county_hospital").stations)
    _, origins = read_tree(child)
    where = [f.get("id") for f in read_tree(child)[0]["facilities"]].index("county_hospital")
    assert origins[("facilities", where, "stations", "cashier")] == child


def test_a_file_extending_one_with_a_key_path_can_change_it_again(tmp_path):
    middle = write(
        tmp_path, "middle.yaml", f"extends: {CREDIT}\nname: middle\nreforms.credit.enrolment: 0.4\n"
    )
    top = write(
        tmp_path,
        "top.yaml",
        "extends: middle.yaml\nname: top\nreforms: {credit: {enrolment: 0.2}}\n",
    )
    assert value_at(load_scenario(middle), "reforms.credit.enrolment") == 0.4
    assert value_at(load_scenario(top), "reforms.credit.enrolment") == 0.2


def test_a_key_set_both_ways_in_one_file_is_refused_naming_file_and_key(tmp_path):
    both = write(
        tmp_path,
        "both.yaml",
        f"extends: {CREDIT}\nname: both\nreforms.credit.enrolment: 0.4\n"
        "reforms:\n  credit:\n    enrolment: 0.2\n",
    )
    (line,) = refused(both)
    assert line.startswith(f"{both}: reforms.credit.enrolment: set twice")
    assert "inside reforms" in line


def test_a_key_path_under_a_single_value_of_the_same_file_is_refused(tmp_path):
    both = write(
        tmp_path, "both.yaml", f"extends: {DEMO}\nname: both\narea: null\narea.population: 5\n"
    )
    (line,) = refused(both)
    assert line.startswith(f"{both}: area.population: set twice")


def test_a_bad_key_path_in_a_file_is_refused_naming_file_and_key(tmp_path):
    bad = write(
        tmp_path,
        "bad.yaml",
        f"extends: {DEMO}\nname: bad\nfacilities[nowhere].stations.cashier: 2\n"
        "reforms..credit: 1\nreforms.credit.enrolmnt: 0.4\n",
    )
    found = refused(bad)
    assert found[0].startswith(f"{bad}: reforms..credit: not a key path")
    assert len(found) == 1  # the file cannot be read: its other keys are not looked at yet
    fixed = write(
        tmp_path,
        "bad.yaml",
        f"extends: {DEMO}\nname: bad\nfacilities[nowhere].stations.cashier: 2\n",
    )
    (line,) = refused(fixed)
    assert line.startswith(f"{fixed}: facilities[nowhere].stations.cashier: no item with id")
    misspelt = write(
        tmp_path, "bad.yaml", f"extends: {DEMO}\nname: bad\nreforms.credit.enrolmnt: 0.4\n"
    )
    (line,) = refused(misspelt)
    assert line == f"{misspelt}: reforms.credit.enrolmnt: unknown key"


def test_psa_with_a_bad_set_writes_nothing_and_exits_2(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["psa", str(CREDIT), "--samples", "2", "--out", str(out)]
    assert main([*args, "--set", "reforms.credit.enrolment=1.4"]) == 2
    assert "--set: reforms.credit.enrolment: Input should be less" in capsys.readouterr().err
    assert not out.exists()
