"""Beds and bookings in the report: from a folder's ``summary.csv`` alone, the admissions, the
wait for a bed and booked exams' lead time without and with the reforms and their difference
(without - with), for the scenarios with wards or booked exams only."""

from __future__ import annotations

import json

import pandas as pd

from carepath.analysis.report import report_text, sections
from carepath.analysis.report_sections.beds import beds_and_bookings
from carepath.inputs.metric_registry import METRICS
from carepath.observation.results_folder import SUMMARY_FILE

HALF = {"without": 1.0, "with": 2.0, "difference": 0.5}  # the 95% interval's half-widths

# metric -> (without, with): a county with township and county wards (none in villages or the
# city), a waiting list that grows with the reform, and no booked exam.
WARDS = {
    "admissions_per_1000_year": (60.0, 70.0),
    "admissions_per_1000_year_village": (0.0, 0.0),
    "admissions_per_1000_year_township": (20.0, 30.0),
    "admissions_per_1000_year_county": (40.0, 40.0),
    "admissions_per_1000_year_city": (0.0, 0.0),
    "admissions_per_100_visits": (5.0, 6.0),
    "operations_per_1000_year_county": (8.0, 9.0),
    "operations_per_1000_year_city": (0.0, 0.0),
    "bed_occupancy": (0.75, 0.85),
    "bed_wait_days": (1.5, 4.0),
    "beds_turned_away_share": (0.0, 0.0),
    "booking_lead_days": (0.0, 0.0),
    "extra_trips": (0.0, 0.0),
    "onset_to_diagnosis_min": (500.0, 450.0),
}
# No ward; CT booked at the hospital, and the reform shortens the lead time.
BOOKINGS = {
    **{metric: (0.0, 0.0) for metric in WARDS},
    "booking_lead_days": (3.0, 2.0),
    "extra_trips": (0.4, 0.3),
    "onset_to_diagnosis_min": (900.0, 800.0),
}
NEITHER = {**{metric: (0.0, 0.0) for metric in WARDS}, "onset_to_diagnosis_min": (400.0, 400.0)}


def summary(name: str, values: dict[str, tuple[float, float]]) -> pd.DataFrame:
    rows = []
    for metric, (without, with_) in values.items():
        registered = METRICS.get(metric)
        for arm, mean in (("without", without), ("with", with_), ("difference", without - with_)):
            half = HALF[arm]
            rows.append(
                (name, metric, arm, 4, mean, 1.0, mean - half, mean + half)
                + (registered.unit, registered.description)
            )
    columns = ["scenario", "metric", "arm", "n", "mean", "sd", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=[*columns, "unit", "description"])


def results(tmp_path):
    """``<tmp>/results/`` with three scenario folders: wards, bookings, neither."""
    for name, values in (("a_wards", WARDS), ("b_bookings", BOOKINGS), ("c_neither", NEITHER)):
        folder = tmp_path / "results" / name
        folder.mkdir(parents=True)
        summary(name, values).to_csv(folder / SUMMARY_FILE, index=False)
        manifest = {
            "scenario": name,
            "replications": 4,
            "seed": 3,
            "finished": "2024-01-02T03:04:05+00:00",
            "git": {"commit": "0123456789abcdef", "dirty": False},
            "parameters": {"name": name},
        }
        (folder / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path / "results"


def row(lines: list[str], measure: str) -> list[str]:
    """The cells of the table row of ``measure`` (the first such row)."""
    (found, *_) = [line for line in lines if line.startswith(f"| {measure} |")]
    return [cell.strip() for cell in found.strip("|").split("|")]


def scenario_lines(lines: list[str], name: str) -> list[str]:
    start = lines.index(f"### {name}")
    rest = [i for i, line in enumerate(lines) if line.startswith("### ") and i > start]
    return lines[start : rest[0] if rest else len(lines)]


def test_the_scenarios_with_wards_or_bookings_are_listed_and_the_one_with_neither_is_not(
    tmp_path,
):
    lines = beds_and_bookings(results(tmp_path))
    assert lines[0].startswith("## Beds and bookings")
    assert "docs/beds_and_bookings.md" in lines[2]
    assert [line for line in lines if line.startswith("### ")] == ["### a_wards", "### b_bookings"]
    header = "| measure | unit | without | with | difference | reads as |"
    assert lines.count(header) == 2


def test_the_cells_are_the_data_s_with_the_sign_kept_and_zero_tiers_left_out(tmp_path):
    lines = beds_and_bookings(results(tmp_path))
    wards = scenario_lines(lines, "a_wards")
    assert row(wards, "admissions, all wards") == [
        "admissions, all wards",
        "admissions per 1,000 residents per year",
        "60 [59, 61]",
        "70 [68, 72]",
        "-10 [-10.5, -9.5]",  # without - with: more admissions with the reform stays negative
        "",  # a count of activity: better neither way
    ]
    assert row(wards, "admissions, township wards")[2:5] == [
        "20 [19, 21]",
        "30 [28, 32]",
        "-10 [-10.5, -9.5]",
    ]
    measures = [line.split("|")[1].strip() for line in wards if line.startswith("| ")]
    assert "admissions, county wards" in measures and "operations, county wards" in measures
    for gone in ("village wards", "city wards"):
        assert not any(gone in measure for measure in measures)
    assert "onset to diagnosis" in measures
    assert not any("booked" in measure for measure in measures)  # no booking there
    bookings = scenario_lines(lines, "b_bookings")
    assert row(bookings, "booked exam's lead time")[2:] == [
        "3 [2, 4]",
        "2 [0, 4]",
        "1 [0.5, 1.5]",
        "gain",
    ]
    assert not any(line.startswith("| admissions") for line in bookings)


def test_the_words_read_the_registry_s_direction_a_longer_wait_for_a_bed_is_a_loss(tmp_path):
    assert METRICS.get("bed_wait_days").better == "lower"
    wards = scenario_lines(beds_and_bookings(results(tmp_path)), "a_wards")
    assert row(wards, "wait for a bed")[1:] == [
        "days per admission",
        "1.5 [0.5, 2.5]",
        "4 [2, 6]",
        "-2.5 [-3, -2]",
        "loss",
    ]
    assert row(wards, "onset to diagnosis")[-1] == "gain"  # 50 minutes sooner with the reform


def test_no_scenario_with_wards_or_bookings_no_section(tmp_path):
    folder = tmp_path / "results" / "c_neither"
    folder.mkdir(parents=True)
    summary("c_neither", NEITHER).to_csv(folder / SUMMARY_FILE, index=False)
    assert beds_and_bookings(tmp_path / "results") == []
    assert beds_and_bookings(tmp_path / "nothing") == []


def test_the_report_has_the_section_once_after_plausibility_and_before_equity(tmp_path):
    order = {s.name: s.order for s in sections()}
    assert order["plausibility"] < order["beds and bookings"] < order["equity"]
    text = report_text(results(tmp_path))
    heading = "## Beds and bookings"
    assert text.count(heading) == 1
    if "## Plausibility" in text:
        assert text.index("## Plausibility") < text.index(heading)
