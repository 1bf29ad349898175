"""The report's queueing-theory section, from ``results/validation/queueing.csv`` (made by
``carepath validate``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...observation.results_folder import QUEUEING_FILE, VALIDATION_FOLDER
from ..report import markdown_table, number, provenance, section, with_interval

QUANTITY_WORDS = {
    "arrival_per_min": "arrivals per minute",
    "wait_min": "mean wait (min)",
    "p_wait": "probability of waiting",
    "sojourn_min": "mean time at station (min)",
    "queue_length": "time-average number waiting",
    "little_gap": "Little's law gap (L - lambda W)",
}


@section("queueing", order=200)
def queueing(results: Path) -> list[str]:
    return queueing_section(results / VALIDATION_FOLDER)


def queueing_section(folder: Path) -> list[str]:
    """The queueing-theory checks, system by system."""
    path = folder / QUEUEING_FILE
    lines = ["## Queueing theory", ""]
    if not path.exists():
        return [*lines, f"No `{path}`: run `make validate` (or `carepath validate`).", ""]
    table = pd.read_csv(path)
    lines += [
        f"From `{path}` ({provenance(folder)}), made by `carepath validate` from the bare "
        "queueing systems under `scenarios/validation/`: one always-open facility, Poisson "
        "onsets, exponential service, no travel, fees or closing hours. Theory: Erlang C per "
        "station, each station fed at the rate the traffic equations give it (product form).",
        "",
        "A check passes when the theoretical value lies inside the replications' Student-t "
        "interval at level 1 - 0.05/m for the m checks of a system (Bonferroni: a correct "
        "model passes all of a system's checks at least 95% of the time); the plain 95% "
        "interval is shown, and how many checks fall inside it.",
        "",
    ]
    rows = []
    for system, block in table.groupby("system", sort=False):
        rows.append(
            [
                str(system),
                str(int(block.n.max())),
                f"{int(block.passed.sum())}/{len(block)}",
                f"{int(block.within_95.sum())}/{len(block)}",
            ]
        )
    lines += markdown_table(["system", "replications", "passed", "inside plain 95%"], rows)
    for system, block in table.groupby("system", sort=False):
        lines += ["", f"### {system}", ""]
        rows = [
            [
                str(r.station),
                QUANTITY_WORDS.get(r.quantity, r.quantity),
                number(r.expected),
                with_interval(r["mean"], r.ci_low, r.ci_high),
                "yes" if r.within_95 else "no",
                "pass" if r.passed else "FAIL",
            ]
            for _, r in block.iterrows()
        ]
        header = ["station", "quantity", "theory", "simulated [95% CI]", "in 95%", "check"]
        lines += markdown_table(header, rows)
    return [*lines, ""]
