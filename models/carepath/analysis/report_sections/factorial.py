"""The report's factorial section: for each run of every combination of its reforms
(``arms: factorial``), the saving of all of them split between the reforms by Shapley value,
each reform alone, and the interaction (``summary.csv``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...observation.results_folder import SUMMARY_FILE
from ..report import folders_with, markdown_table, provenance, section, with_interval
from ..shapley import INTERACTION, SHAPLEY, SOLO

METRICS = (
    "cost_total_yuan",
    "cost_medical_yuan",
    "wait_min",
    "cashier_wait_min",
    "time_to_care_min",
    "tests_avoided",
    "trips",
)


@section("which reform saved what", order=110)
def which_reform_saved_what(results: Path) -> list[str]:
    found = []
    for folder in folders_with(results, SUMMARY_FILE):
        summary = pd.read_csv(folder / SUMMARY_FILE)
        if summary.arm.astype(str).str.startswith(SHAPLEY).any():
            found.append((folder, summary))
    if not found:
        return []
    lines = [
        "## Which reform saved what: factorial runs",
        "",
        "A file with `arms: factorial` runs every combination of its reforms over the same "
        "patients. The saving of all of them together (difference = without - with) is split "
        "into each reform's Shapley part (its mean contribution over every order of switching "
        "the reforms on; the parts sum to the whole). `alone` is the reform's saving against "
        "`without`; the interaction is the whole minus the sum of the alones. Mean [95% CI] "
        "over replications, each computed per replication (docs/factorial.md).",
        "",
    ]
    for folder, summary in found:
        lines += _folder(folder, summary)
    return lines


def _folder(folder: Path, summary: pd.DataFrame) -> list[str]:
    reforms = [a.removeprefix(SHAPLEY) for a in dict.fromkeys(summary.arm) if a.startswith(SHAPLEY)]
    header = ["metric", "all together"]
    header += [f"{r}: Shapley / alone" for r in reforms]
    header += ["interaction"]
    rows = []
    for metric in METRICS:
        block = summary[summary.metric == metric].set_index("arm")
        if (SHAPLEY + reforms[0]) not in block.index:
            continue

        def cell(arm: str, block: pd.DataFrame = block) -> str:
            return with_interval(*block.loc[arm, ["mean", "ci_low", "ci_high"]])

        row = [metric, cell("difference")]
        row += [f"{cell(SHAPLEY + r)} / {cell(SOLO + r)}" for r in reforms]
        rows.append([*row, cell(INTERACTION)])
    return [
        f"### {folder.name}",
        "",
        f"Results: {provenance(folder)}.",
        "",
        *markdown_table(header, rows),
        "",
    ]
