"""The report's equity section: for each scenario folder with an ``equity.csv``, care sought per
1,000 residents per year and time to care, without and with the reforms and their difference,
by zone kind and by band of travel minutes to the nearest county hospital.

Only ``without``, ``with`` and ``difference`` (= without - with) are shown.  In a factorial or a
run with further named arms, ``with`` is the arm with every reform on, as in ``summary.csv``; the
further arms' ``difference_<arm>`` rows stay in ``equity.csv`` and the section names them.  The
metrics' better direction comes from ``analysis.equity.equity_better`` (the metric registry's
where it lists the name); the signs are the data's, never flipped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...accounting.equity import COUNTY_TRAVEL, ZONE_KIND
from ...observation.results_folder import EQUITY_FILE
from ..equity import equity_better
from ..headline import change_reading
from ..report import (
    folders_with,
    interval_cells,
    markdown_table,
    provenance,
    section,
)

ARMS = ("without", "with", "difference")
# The metrics shown, with their words in the table.
SHOWN = {
    "care_sought_per_1000_year": "care sought per 1,000 per year",
    "time_to_care_min": "time to care (min)",
}
GROUPINGS = {
    ZONE_KIND: "By zone kind",
    COUNTY_TRAVEL: "By travel minutes to the nearest county hospital",
}
WORDS = {
    "care_sought_per_1000_year": "more care sought",
    "time_to_care_min": "a shorter time to care",
}


@section("equity", order=107)
def equity(results: Path) -> list[str]:
    folders = folders_with(results, EQUITY_FILE)
    if not folders:
        return []
    lines = [
        "## Equity: does the reform reach those who live far from care?",
        "",
        "From `equity.csv`: illnesses that sought formal care per 1,000 residents per year, and "
        "the mean minutes from onset to the end of care, by the kind of zone people live in and "
        "by their zone's travel minutes to the nearest county hospital (docs/outputs.md, "
        f"Equity). Mean [95% CI] over replications; difference = without - with. {_reading()} "
        "An empty cell: no value (no episode of the group ended).",
        "",
    ]
    for folder in folders:
        lines += scenario_equity(folder)
    return lines


def _reading() -> str:
    """How to read a difference's sign, from each shown metric's better direction."""
    parts = []
    for metric, words in WORDS.items():
        better = equity_better(metric)
        if better == "neither":
            continue
        sign = "negative" if better == "higher" else "positive"
        parts.append(f"{words} is better, so a {sign} difference in {SHOWN[metric]} is a gain")
    if not parts:
        return ""
    text = "; ".join(parts)
    return f"{text[:1].upper()}{text[1:]} (`reads as`)."


def scenario_equity(folder: Path) -> list[str]:
    """One scenario's tables, one per grouping."""
    table = pd.read_csv(folder / EQUITY_FILE, keep_default_na=True)
    table["group"] = table["group"].astype(str)
    lines = [f"### {folder.name}", "", f"Results: {provenance(folder)}.", ""]
    arms = [a for a in ARMS if a in set(table.arm)]
    further = [
        a
        for a in dict.fromkeys(table.arm.astype(str))
        if a not in ARMS and not a.startswith("difference")
    ]
    if further:
        lines += [
            f"`with` has every reform on; the further arms ({', '.join(further)}) and their "
            "`difference_<arm>` rows are in `equity.csv`.",
            "",
        ]
    if "difference" not in arms:
        lines += ["No reform switched on (no difference rows): the arms as run.", ""]
    header = ["group", "residents", "measure", *arms, "reads as"]
    for grouping, heading in GROUPINGS.items():
        rows = _rows(table[table.grouping == grouping], arms)
        if rows:
            lines += [f"{heading}:", "", *markdown_table(header, rows), ""]
    return lines


def _rows(block: pd.DataFrame, arms: list[str]) -> list[list[str]]:
    """Each group's rows (in the file's order): its shown metrics, the group's name and
    residents on its first row only."""
    rows = []
    for group, of_group in block.groupby("group", sort=False):
        first = True
        for metric, words in SHOWN.items():
            found = of_group[of_group.metric == metric].drop_duplicates("arm").set_index("arm")
            if found.empty:
                continue
            cells = interval_cells(found, arms)
            reading = ""
            if "difference" in found.index:
                mean, low, high = found.loc["difference", ["mean", "ci_low", "ci_high"]]
                reading = change_reading(metric, mean, low, high, equity_better(metric))
            residents = f"{int(of_group.residents.iloc[0]):,}"
            name = [str(group), residents] if first else ["", ""]
            rows.append([*name, words, *cells, reading])
            first = False
    return rows
