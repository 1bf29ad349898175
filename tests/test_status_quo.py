"""Published process times of the status quo (``status_quo:`` in a scenario file): entries like
``plausibility:`` ones, filed in their own list, inherited by a file's extensions, targets of a
calibration like the others; set beside the without arm in ``plausibility.csv`` and in the
report's status-quo section, whose rows the plausibility section then leaves out."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from carepath.analysis.plausibility import beside_published
from carepath.analysis.report import report_text, sections
from carepath.analysis.report_sections.plausibility import scenario_section
from carepath.analysis.report_sections.status_quo import met, overloaded, split_rows, status_quo
from carepath.inputs.loading import ScenarioError
from carepath.inputs.scenario_file import load_scenario, resolved
from carepath.inputs.schema import Scenario
from carepath.inputs.targets import (
    calibration_problems,
    calibration_targets,
    entry_problems,
    held_out_targets,
)
from carepath.observation.results_folder import (
    PLAUSIBILITY_COLUMNS,
    PLAUSIBILITY_FILE,
    STATION_COLUMNS,
    STATIONS_FILE,
    SUMMARY_COLUMNS,
    SUMMARY_FILE,
)
from conftest import DEMO, tiny, tiny_data, write_yaml

SOURCES = {"survey": "an outpatient survey", "report": "a reform report"}


def entry(metric: str, low: float | None = 10, high: float | None = 20, **more) -> dict:
    """A published figure about the status quo, set beside the without arm."""
    base = {
        "metric": metric,
        "arm": "without",
        "published": f"{low} to {high} minutes",
        "low": low,
        "high": high,
        "source": "survey",
    }
    return {key: value for key, value in {**base, **more}.items() if value is not None}


# A file's published figures: two of the reforms' outcomes, three process times of the status quo.
PLAUSIBILITY = [
    entry("cost_total_yuan", 30, 50, published="30 to 50 yuan", source="report"),
    entry("wait_min", 12, 20, use="fit"),
]
CHECKED = PLAUSIBILITY[:1]  # only set beside the output: no calibration rule applies
STATUS_QUO = [
    entry("hospital_on_site_min", 120, 180, use="fit"),
    entry("township_wait_min", 5, 15, use="held_out", discrepancy_sd=1.5),
    entry("city_consult_wait_min", 20, 40),
]


def data(**changes) -> dict:
    figures = {"sources": SOURCES, "plausibility": PLAUSIBILITY, "status_quo": STATUS_QUO}
    return tiny_data(**{**figures, **changes})


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value.problems


# -- the schema and the targets ----------------------------------------------------------------


def test_benchmarks_list_plausibility_entries_then_status_quo_ones() -> None:
    scenario = Scenario.model_validate(data())
    found = [(where, b.metric) for where, b in scenario.benchmarks()]
    assert found == [
        (("plausibility", 0), "cost_total_yuan"),
        (("plausibility", 1), "wait_min"),
        (("status_quo", 0), "hospital_on_site_min"),
        (("status_quo", 1), "township_wait_min"),
        (("status_quo", 2), "city_consult_wait_min"),
    ]
    assert [b.metric for b in scenario.status_quo] == [e["metric"] for e in STATUS_QUO]
    assert entry_problems(scenario) == []
    assert calibration_problems(scenario) == []


def test_status_quo_targets_are_filed_under_their_own_list(tmp_path) -> None:
    scenario = load_scenario(write_yaml(tmp_path / "file.yaml", data()))
    fits = calibration_targets(scenario)
    assert [(t.metric, t.section, t.index) for t in fits] == [
        ("wait_min", "plausibility", 1),
        ("hospital_on_site_min", "status_quo", 0),
    ]
    on_site = fits[1]
    assert (on_site.observed, on_site.obs_sd, on_site.name) == (
        150.0,
        15.0,  # (180 - 120) / 4: the range read as +-2 sd
        "hospital_on_site_min (without)",
    )
    (held,) = held_out_targets(scenario)
    assert (held.metric, held.section, held.index) == ("township_wait_min", "status_quo", 1)
    assert (held.observed, held.obs_sd, held.discrepancy_sd) == (10.0, 2.5, 1.5)


def test_a_target_in_both_lists_counts_once(tmp_path) -> None:
    twice = entry("wait_min", 12, 20, use="held_out")
    file = write_yaml(tmp_path / "twice.yaml", data(status_quo=[*STATUS_QUO, twice]))
    assert problems_of(file) == [
        f"{file}: status_quo[3].metric: the same target as plausibility[1] (wait_min (without)); "
        "a figure counts once"
    ]


def test_a_figure_held_out_among_the_status_quo_is_enough(tmp_path) -> None:
    fit_all = [entry("wait_min", 12, 20, use="fit")]
    only_there = [entry("township_wait_min", 5, 15, use="held_out")]
    scenario = load_scenario(
        write_yaml(tmp_path / "ok.yaml", data(plausibility=fit_all, status_quo=only_there))
    )
    assert calibration_problems(scenario) == []
    assert [t.section for t in held_out_targets(scenario)] == ["status_quo"]


@pytest.mark.parametrize(
    ("plausibility", "status_quo", "where", "fits", "figures"),
    [
        # the first fit entry is named, in either list
        ([entry("wait_min")], [entry("township_wait_min", use="fit")], "status_quo[0]", 1, 2),
        (
            [entry("wait_min", use="fit")],
            [entry("township_wait_min", use="fit"), entry("city_consult_wait_min")],
            "plausibility[0]",
            2,
            3,
        ),
    ],
)
def test_a_file_that_fits_and_keeps_nothing_back_is_refused(
    tmp_path, plausibility, status_quo, where, fits, figures
) -> None:
    file = write_yaml(
        tmp_path / "greedy.yaml", data(plausibility=plausibility, status_quo=status_quo)
    )
    assert problems_of(file) == [
        f"{file}: {where}.use: the file fits to {fits} of its {figures} published figures and "
        "keeps none back: mark at least one use: held_out, to check the fit"
    ]


def test_a_status_quo_entry_is_checked_like_a_plausibility_one(tmp_path) -> None:
    bad = [
        entry("hospital_on_site_min"),
        entry("township_waits"),
        entry("township_wait_min", arm="paired"),
        entry("city_consult_wait_min", source="nowhere"),
        entry("city_pharmacy_wait_min", residents=1000),
    ]
    file = write_yaml(tmp_path / "bad.yaml", data(plausibility=CHECKED, status_quo=bad))
    assert problems_of(file) == [
        f"{file}: status_quo[1].metric: no metric 'township_waits' for arm 'without'",
        f"{file}: status_quo[2].metric: no metric 'township_wait_min' for arm 'paired'",
        f"{file}: status_quo[3].source: no source 'nowhere' under sources",
        f"{file}: status_quo[4].residents: metric 'city_pharmacy_wait_min' cannot be put per "
        "residents per year",
    ]


def test_a_target_without_its_range_is_located_in_the_status_quo(tmp_path) -> None:
    file = write_yaml(
        tmp_path / "open.yaml",
        data(status_quo=[entry("hospital_on_site_min", high=None, use="held_out")]),
    )
    (problem,) = problems_of(file)
    assert problem.startswith(
        f"{file}: status_quo[0].high: a held_out target needs the published range's low and high"
    )


def test_status_quo_is_left_out_of_a_file_without_it() -> None:
    # so that files written before it keep their hashes
    assert "status_quo" not in resolved(tiny(sources=SOURCES))
    assert [b["metric"] for b in resolved(Scenario.model_validate(data()))["status_quo"]] == [
        e["metric"] for e in STATUS_QUO
    ]


# -- extends -------------------------------------------------------------------------------------


def test_an_extension_inherits_the_status_quo_or_replaces_it(tmp_path) -> None:
    write_yaml(tmp_path / "base.yaml", data())
    heir = load_scenario(
        write_yaml(tmp_path / "heir.yaml", {"extends": "base.yaml", "name": "heir"})
    )
    assert [b.metric for b in heir.status_quo] == [e["metric"] for e in STATUS_QUO]
    assert [t.section for t in held_out_targets(heir)] == ["status_quo"]
    own = [entry("city_registration_wait_min", 0, 10, use="held_out")]
    replaced = load_scenario(
        write_yaml(
            tmp_path / "own.yaml", {"extends": "base.yaml", "name": "own", "status_quo": own}
        )
    )
    # a list replaces its base's: nothing of the base's three is left
    assert [b.metric for b in replaced.status_quo] == ["city_registration_wait_min"]
    assert [b.metric for b in replaced.plausibility] == ["cost_total_yuan", "wait_min"]
    # an empty list clears them: the base's fit figure is then left with none held out
    cleared = write_yaml(
        tmp_path / "none.yaml", {"extends": "base.yaml", "name": "none", "status_quo": []}
    )
    (problem,) = problems_of(cleared)
    assert problem.endswith(
        "plausibility[1].use: the file fits to 1 of its 2 published figures and keeps none "
        "back: mark at least one use: held_out, to check the fit"
    )
    checked = write_yaml(
        tmp_path / "checked.yaml",
        {"extends": "base.yaml", "name": "checked", "status_quo": [], "plausibility": []},
    )
    assert load_scenario(checked).benchmarks() == []


def test_a_problem_is_said_to_be_in_the_file_that_wrote_it(tmp_path) -> None:
    base = write_yaml(
        tmp_path / "base.yaml", data(plausibility=CHECKED, status_quo=[entry("township_waits")])
    )
    heir = write_yaml(tmp_path / "heir.yaml", {"extends": "base.yaml", "name": "heir"})
    assert problems_of(heir) == [
        f"{base}: status_quo[0].metric: no metric 'township_waits' for arm 'without'"
    ]
    typo = write_yaml(
        tmp_path / "typo.yaml",
        {"extends": "base.yaml", "name": "typo", "status_quo": [{"metric": "wait_min"}]},
    )
    assert problems_of(typo) == [
        f"{typo}: status_quo[0].published: Field required",
        f"{typo}: status_quo[0].source: Field required",
    ]


def test_the_demo_county_can_be_extended_with_status_quo_figures(tmp_path) -> None:
    extension = {
        "extends": str(DEMO),
        "name": "demo_status_quo",
        "sources": {"survey": "an outpatient survey"},
        "status_quo": [entry("city_long_visit_share", 0.2, 0.5, published="20% to 50%")],
    }
    scenario = load_scenario(write_yaml(tmp_path / "demo_sq.yaml", extension))
    assert [where for where, _ in scenario.benchmarks()] == [("status_quo", 0)]
    assert "reforms_md" in scenario.sources  # sources merge key by key


# -- plausibility.csv ------------------------------------------------------------------------------


def summary_of(values: dict[tuple[str, str], tuple[float, float, float]]) -> pd.DataFrame:
    """summary.csv's rows: (metric, arm) -> (mean, ci_low, ci_high)."""
    rows = [
        ("synthetic", metric, arm, 4, mean, 1.0, low, high)
        for (metric, arm), (mean, low, high) in values.items()
    ]
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


MODEL = {
    ("cost_total_yuan", "without"): (45.0, 40.0, 50.0),
    ("cost_total_yuan", "with"): (35.0, 30.0, 40.0),
    ("wait_min", "without"): (14.0, 12.0, 16.0),
    ("hospital_on_site_min", "without"): (90.0, 80.0, 100.0),  # below 120 to 180
    ("township_wait_min", "without"): (15.0, 13.0, 17.0),  # at the top of 5 to 15
    # city_consult_wait_min: no value (a world without a city hospital)
}


def test_plausibility_csv_sets_every_published_figure_beside_the_model() -> None:
    scenario = Scenario.model_validate(data(name="synthetic"))
    table = beside_published(scenario, summary_of(MODEL))
    assert list(table.columns) == list(PLAUSIBILITY_COLUMNS)
    assert list(table.metric) == [
        "cost_total_yuan",
        "wait_min",
        "hospital_on_site_min",
        "township_wait_min",
        "city_consult_wait_min",
    ]
    assert set(table.arm) == {"without"}
    by_metric = table.set_index("metric")
    on_site = by_metric.loc["hospital_on_site_min"]
    assert (on_site.model_mean, on_site.model_ci_low, on_site.model_ci_high) == (90.0, 80.0, 100.0)
    assert (on_site.published_low, on_site.published_high) == (120.0, 180.0)
    assert on_site.overlaps == "no"
    assert on_site.unit == "minutes per visit"
    assert on_site.source == "survey: an outpatient survey"
    assert by_metric.loc["township_wait_min"].overlaps == "yes"
    assert by_metric.loc["cost_total_yuan"].source == "report: a reform report"
    missing = by_metric.loc["city_consult_wait_min"]
    assert math.isnan(missing.model_mean) and missing.overlaps == "n/a"


# -- the report ------------------------------------------------------------------------------------

ON_SITE_NOTE = "The model's hospitals\n  have no crowd from beyond   the area."


def results_folder(
    root: Path, name: str, status_quo: list[dict], plausibility: list[dict] = PLAUSIBILITY
) -> Path:
    """``<root>/<name>/`` as a run writes it: a manifest with the resolved scenario,
    plausibility.csv from it and summary.csv."""
    figures = {"status_quo": status_quo, "plausibility": plausibility}
    scenario = Scenario.model_validate(data(name=name, **figures))
    summary = summary_of(MODEL)
    folder = root / name
    folder.mkdir(parents=True)
    summary.to_csv(folder / SUMMARY_FILE, index=False)
    beside_published(scenario, summary).to_csv(folder / PLAUSIBILITY_FILE, index=False)
    manifest = {
        "scenario": name,
        "replications": 4,
        "seed": 3,
        "arms": ["without", "with"],
        "finished": "2024-01-02T03:04:05+00:00",
        "git": {"commit": "0123456789abcdef", "dirty": False},
        "parameters": resolved(scenario),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def figures(root: Path) -> Path:
    """A scenario with status-quo figures (one met, one not met with a note, one without a
    model value) and one without any."""
    on_site = entry("hospital_on_site_min", 120, 180, use="fit", note=ON_SITE_NOTE)
    township = entry("township_wait_min", 5, 15, use="held_out")
    results_folder(root, "county", [on_site, township, entry("city_consult_wait_min", 20, 40)])
    results_folder(root, "plain", [])
    return root


def rows_of(lines: list[str]) -> dict[str, str]:
    """A markdown table's rows by their first cell."""
    return {line.split(" | ")[0][2:]: line for line in lines if line.startswith("| ")}


def test_the_status_quo_section_says_what_is_met_and_why_not(tmp_path) -> None:
    lines = status_quo(figures(tmp_path / "results"))
    text = "\n".join(lines)
    assert "### county" in lines and "### plain" not in lines
    assert "Results: 4 replications, seed 3; commit 0123456789" in text
    rows = rows_of(lines)
    assert rows.pop("target") == (
        "| target | what | use | published range | source | model [95% CI] | met |"
    )
    assert rows == {
        "hospital_on_site_min (without)": "| hospital_on_site_min (without) | minutes on site "
        "per outpatient visit at county and city hospitals, from arrival to leaving | fit | 120 "
        "to 180 minutes | survey | 90 [80, 100] | not met: 30 below the published 120 (-25%) |",
        "township_wait_min (without)": "| township_wait_min (without) | minutes queueing per "
        "outpatient visit at township and community health centres | held_out | 5 to 15 minutes "
        "| survey | 15 [13, 17] | met |",
        "city_consult_wait_min (without)": "| city_consult_wait_min (without) | minutes "
        "queueing for the doctor at city hospitals, at a visit's first consultation | check | "
        "20 to 40 minutes | survey |  | not met: the model gives no value |",
    }
    assert [line for line in lines if line.startswith("- Why")] == [
        "- Why hospital_on_site_min is not met: The model's hospitals have no crowd from beyond "
        "the area.",
        "- Why city_consult_wait_min is not met: no explanation filed",
    ]


def test_the_plausibility_section_leaves_the_status_quo_rows_out(tmp_path) -> None:
    root = figures(tmp_path / "results")
    table = pd.read_csv(root / "county" / "plausibility.csv")
    _, own = split_rows(root / "county", table)
    assert list(own.metric) == [
        "hospital_on_site_min",
        "township_wait_min",
        "city_consult_wait_min",
    ]
    _, none = split_rows(root / "plain", pd.read_csv(root / "plain" / "plausibility.csv"))
    assert none.empty
    county = rows_of(scenario_section(root / "county"))
    assert {"cost_total_yuan (without)", "wait_min (without)"} <= set(county)
    assert not any(key.startswith(("hospital_on_site", "township_", "city_")) for key in county)
    assert "30 to 50 yuan" in county["cost_total_yuan (without)"]
    # a folder without status-quo entries keeps its plausibility rows as they were
    assert {"cost_total_yuan (without)", "wait_min (without)"} <= set(
        rows_of(scenario_section(root / "plain"))
    )


def test_a_scenario_whose_figures_are_all_status_quo_shows_none_twice(tmp_path) -> None:
    root = tmp_path / "results"
    folder = results_folder(root, "county", [entry("township_wait_min", 5, 15)])
    table = pd.read_csv(folder / PLAUSIBILITY_FILE)
    table[table.metric == "township_wait_min"].to_csv(folder / PLAUSIBILITY_FILE, index=False)
    lines = scenario_section(folder)
    assert "The scenario file lists no published figures to set beside its outputs." in lines
    assert "township_wait_min (without)" in rows_of(status_quo(root))


def test_the_report_puts_the_status_quo_before_plausibility(tmp_path) -> None:
    text = report_text(figures(tmp_path / "results"))
    assert text.index("## Status quo:") < text.index("## Plausibility:")
    order = {s.name: s.order for s in sections()}
    assert order["status_quo"] == 90 < order["plausibility"]
    assert text.count("| hospital_on_site_min (without) |") == 1
    assert text.count("| cost_total_yuan (without) |") == 2  # in county's table and plain's
    assert "- Why hospital_on_site_min is not met: The model's hospitals have no crowd" in text
    # a status-quo note explains a miss there, not a plausibility gap
    assert "- Why hospital_on_site_min (without) differs" not in text


def test_a_plausibility_figure_of_a_status_quo_metric_stays_in_its_section(tmp_path) -> None:
    other = entry("township_wait_min", 8, 12, published="8 to 12 minutes", source="report")
    root = tmp_path / "results"
    results_folder(root, "county", [entry("township_wait_min", 5, 15)], plausibility=[other])
    status_quo_rows = [row for row in status_quo(root) if row.startswith("| township_")]
    assert [row.split(" | ")[3] for row in status_quo_rows] == ["5 to 15 minutes"]
    assert "township_wait_min (without)" in rows_of(scenario_section(root / "county"))


def test_without_status_quo_figures_the_section_says_so(tmp_path) -> None:
    root = tmp_path / "results"
    results_folder(root, "plain", [])
    assert "No scenario's results declare status-quo figures." in status_quo(root)


# -- met ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mean", "low", "high", "expected"),
    [
        (15.0, 10.0, 20.0, True),  # inside
        (10.0, 10.0, 20.0, True),  # at the low end
        (20.0, 10.0, 20.0, True),  # at the high end
        (9.999, 10.0, 20.0, False),  # below
        (20.001, 10.0, 20.0, False),  # above
        (math.nan, 10.0, 20.0, False),  # no model value
        (5.0, None, 20.0, True),  # at most 20
        (25.0, None, 20.0, False),
        (25.0, 20.0, None, True),  # at least 20
        (15.0, 20.0, None, False),
        (25.0, math.nan, 20.0, False),  # an empty cell of plausibility.csv: no end
        (15.0, math.nan, 20.0, True),
        (15.0, 20.0, math.nan, False),
        (15.0, None, None, True),  # no range: nothing to miss
        (7.0, 7.0, 7.0, True),  # a point value
    ],
)
def test_met_means_the_model_mean_lies_inside_the_published_range(
    mean, low, high, expected
) -> None:
    assert met(mean, low, high) is expected


# -- stations a reform loads beyond the status quo's limits -------------------------------------


def _stations(folder: Path, rows: list[tuple]) -> None:
    """A stations.csv with the daily columns: (replication, arm, facility, station, peak,
    cleared) per row."""
    table = pd.DataFrame(
        [
            ("county", rep, arm, facility, station, 1, 100, 5.0, 0.5, peak, cleared)
            for rep, arm, facility, station, peak, cleared in rows
        ],
        columns=[
            "scenario",
            "replication",
            "arm",
            *STATION_COLUMNS,
        ],
    )
    table.to_csv(folder / STATIONS_FILE, index=False)


def test_the_report_names_stations_a_reform_loads_beyond_the_daily_limits(tmp_path) -> None:
    """Other arms' stations whose busiest day passed 0.95, or whose line did not empty before
    closing on more than 5% of days, counted by replication; the without arm's never (the test
    of the committed results holds it to the limits)."""
    root = figures(tmp_path / "results")
    _stations(
        root / "county",
        [
            (0, "without", "town", "doctor:general", 0.99, 0.5),
            (0, "with", "town", "doctor:general", 0.97, 1.0),
            (1, "with", "town", "doctor:general", 0.96, 0.9),
            (0, "with", "city", "pharmacy", 0.90, 0.94),
            (0, "with", "city", "cashier", 0.95, 0.95),
        ],
    )
    [_, line] = overloaded(root / "county")
    assert line == (
        "Stations a reform loads beyond the status quo's daily limits: city pharmacy in arm "
        "with (1 replications, busiest day 0.90); town doctor:general in arm with "
        "(2 replications, busiest day 0.97)."
    )
    assert line in status_quo(root)
    assert overloaded(root / "plain") == []
