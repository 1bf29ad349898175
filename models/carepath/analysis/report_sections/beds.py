"""The report's beds and bookings section: for each scenario whose patients were admitted to a
ward or had an exam booked ahead, without and with the reforms and their difference (without -
with), the admissions (all wards, by tier, per 100 outpatient visits), the grade III-IV
operations by tier, how full the wards were, the wait for a bed and the patients a full ward
turned away; the days from a booked exam's order to its slot and the extra trips it cost; and
the minutes from falling ill to the diagnosis.

Wards and bookings belong to the health system, not to a reform: a scenario has them in both
arms or in neither, and one with neither (no admission, no booked exam in either arm) is left
out.  A tier whose wards admitted no one (or operated on no one) in either arm has no row.  The
words column reads each difference by the metric registry's better direction; the signs are the
data's, never flipped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...inputs.metric_registry import METRICS
from ...inputs.schema import TIERS
from ...observation.results_folder import SUMMARY_FILE
from ..headline import change_reading
from ..report import folders_with, interval_cells, markdown_table, provenance, section

ARMS = ("without", "with", "difference")
ADMISSIONS = "admissions_per_1000_year"
LEAD = "booking_lead_days"
# The measures' words in the table; the tier rows are named from these.
WARDS = {
    ADMISSIONS: "admissions, all wards",
    **{f"{ADMISSIONS}_{tier}": f"admissions, {tier} wards" for tier in TIERS},
    "admissions_per_100_visits": "admissions per 100 outpatient visits",
    **{f"operations_per_1000_year_{tier}": f"operations, {tier} wards" for tier in TIERS},
    "bed_occupancy": "beds occupied",
    "bed_wait_days": "wait for a bed",
    "beds_turned_away_share": "turned away by a full ward",
}
BY_TIER = tuple(f"{ADMISSIONS}_{tier}" for tier in TIERS) + tuple(
    f"operations_per_1000_year_{tier}" for tier in TIERS
)
BOOKINGS = {LEAD: "booked exam's lead time", "extra_trips": "extra trips for booked exams"}
ALWAYS = {"onset_to_diagnosis_min": "onset to diagnosis"}


@section("beds and bookings", order=104)
def beds_and_bookings(results: Path) -> list[str]:
    """The section: an intro and one table per scenario with wards or booked exams; nothing when
    no scenario has either."""
    tables = [scenario_beds(folder) for folder in folders_with(results, SUMMARY_FILE)]
    tables = [table for table in tables if table]
    if not tables:
        return []
    lines = [
        "## Beds and bookings: admissions, the wait for a bed and exams booked ahead",
        "",
        "An admission is a patient a doctor keeps in a ward's bed for a stay; when the ward is "
        "full the patient waits on its waiting list for a bed (or, where the ward keeps no "
        "list, is turned away). A booked exam (a CT or MRI at a hospital, say) is not done on "
        "the day it is ordered: its lead time is the days from the order to its slot, and the "
        "patient travels home, back for the exam and back again to the doctor with the result. "
        "Wards and bookings belong to the health system, in both arms alike "
        "(docs/beds_and_bookings.md); scenarios with neither are left out. Mean [95% CI] over "
        "replications; difference = without - with; `reads as`: a gain or loss by the metric "
        "registry's better direction, empty for a count of activity (better neither way).",
        "",
    ]
    for table in tables:
        lines += table
    return lines


def scenario_beds(folder: Path) -> list[str]:
    """One scenario's table, or nothing if no patient was admitted and no exam booked."""
    summary = pd.read_csv(folder / SUMMARY_FILE)
    wards = _any(summary, ADMISSIONS)
    bookings = _any(summary, LEAD)
    if not (wards or bookings):
        return []
    shown = {**(WARDS if wards else {}), **(BOOKINGS if bookings else {}), **ALWAYS}
    arms = [a for a in ARMS if a in set(summary.arm)]
    rows = []
    for metric, words in shown.items():
        if metric in BY_TIER and not _any(summary, metric):
            continue
        block = summary[summary.metric == metric].drop_duplicates("arm").set_index("arm")
        if block.empty:
            continue
        reading = ""
        if "difference" in block.index:
            mean, low, high = block.loc["difference", ["mean", "ci_low", "ci_high"]]
            reading = change_reading(metric, mean, low, high)
        rows.append([words, METRICS.get(metric).unit, *interval_cells(block, arms), reading])
    header = ["measure", "unit", *arms, "reads as"]
    lines = [f"### {folder.name}", "", f"Results: {provenance(folder)}.", ""]
    return [*lines, *markdown_table(header, rows), ""]


def _any(summary: pd.DataFrame, metric: str) -> bool:
    """Whether ``metric``'s mean is above zero in either arm (without, with)."""
    rows = summary[(summary.metric == metric) & summary.arm.isin(("without", "with"))]
    return bool((rows["mean"] > 0).any())
