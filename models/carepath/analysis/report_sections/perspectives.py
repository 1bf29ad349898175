"""The report's costs-by-perspective section: for each scenario folder with a ``budget.csv``, what
each perspective counts, the currency and price year, the time horizon and the prices as run
(the manifest's resolved scenario), and each perspective's net saving per 10,000 residents per
year and for the area per year, in the spirit of CHEERS 2022."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from ...inputs.economics import NEUTRAL, Economics, annuity
from ...inputs.metric_registry import METRICS, PERSPECTIVES, net_cost_name
from ...observation.results_folder import BUDGET_FILE
from ..report import (
    folders_with,
    markdown_table,
    provenance,
    read_manifest,
    section,
    with_interval,
)

AMOUNT = "yuan_per_10000_residents_year"
AREA_AMOUNT = "area_yuan_per_year"
DIFFERENCE = "difference"
OTHER_DIFFERENCE = "difference_"


@section("costs by perspective", order=105)
def costs_by_perspective(results: Path) -> list[str]:
    folders = folders_with(results, BUDGET_FILE)
    if not folders:
        return []
    lines = [
        "## Costs by perspective: who pays and who saves",
        "",
        "Each perspective's net cost per measured episode is counted by its own ledger and put "
        "in planners' units: per 10,000 residents of the modelled zones per year and, where the "
        "scenario names the area it stands for, for that area per year (`budget.csv`). The "
        "net saving is the paired difference without - with: positive means that payer is "
        "better off with the reform. Society's cost is computed from resource use, so the "
        "transfers between payers (fees, reimbursement, credit draws, repayments, defaults, "
        "waivers) cancel there. Mean [95% CI] over replications, each scaled per replication.",
        "",
        "Perspectives:",
        "",
        *[f"- `{p}`: {METRICS.get(net_cost_name(p)).description}" for p in PERSPECTIVES],
        "",
    ]
    for folder in folders:
        lines += perspective_section(folder)
    return lines


def perspective_section(folder: Path) -> list[str]:
    """What one scenario's costs count, and each perspective's net saving."""
    budget = pd.read_csv(folder / BUDGET_FILE, keep_default_na=True)
    parameters = (read_manifest(folder) or {}).get("parameters") or {}
    area = _area(budget)
    lines = [f"### {folder.name}", "", f"Results: {provenance(folder)}.", ""]
    lines += _stated(parameters, area)
    arm = DIFFERENCE if (budget.arm == DIFFERENCE).any() else "without"
    words = "net saving (without - with)" if arm == DIFFERENCE else "net cost, arm without"
    if arm != DIFFERENCE:
        lines += ["", "No reform switched on (no difference rows): the status quo's net cost."]
    header = ["perspective", f"{words} per 10,000 residents per year"]
    if area is not None:
        header.append(f"{words} for {area[0]} per year")
    rows = []
    for perspective in PERSPECTIVES:
        found = budget[(budget.perspective == perspective) & (budget.arm == arm)]
        if found.empty:
            continue
        r = found.iloc[0]
        row = [perspective, yuan_interval(r[AMOUNT], r["ci_low"], r["ci_high"])]
        if area is not None:
            row.append(yuan_interval(r[AREA_AMOUNT], r["area_ci_low"], r["area_ci_high"]))
        rows.append(row)
    lines += ["", *markdown_table(header, rows), ""]
    lines += _other_arms(budget)
    return lines


def yuan(value: float) -> str:
    """Whole yuan with thousands separators; an empty cell for a missing value."""
    if value is None or math.isnan(value):
        return ""
    return f"{round(value):,}"


def yuan_interval(mean: float, low: float, high: float) -> str:
    """``mean [low, high]`` in whole yuan; the mean alone without an interval."""
    return with_interval(mean, low, high, yuan)


def _area(budget: pd.DataFrame) -> tuple[str, int] | None:
    """The area the scenario stands for and its population, if it names one."""
    named = budget.dropna(subset=["area_population"])
    if named.empty:
        return None
    return str(named.area.iloc[0]), int(named.area_population.iloc[0])


def _economics(parameters: dict) -> Economics | None:
    """The prices as run (the section is left out of a manifest when neutral); None if the
    manifest's entry cannot be read as one."""
    try:
        return Economics.model_validate(parameters.get("economics") or NEUTRAL.model_dump())
    except ValidationError:
        return None


def _stated(parameters: dict, area: tuple[str, int] | None) -> list[str]:
    """Currency, price year, time horizon, what is counted and the area, as run."""
    lines: list[str] = []
    simulation = parameters.get("simulation")
    economics = _economics(parameters)
    if economics is None:
        lines.append("- Prices: the manifest's `economics` cannot be read by this version.")
    else:
        lines.append(f"- Currency: {economics.currency}; price year: {economics.price_year}.")
    if simulation:
        horizon = simulation["horizon_days"]
        lines.append(
            f"- Time horizon: cohort accounting. Every episode with onset in the "
            f"{_days(horizon)} measured days (after {_days(simulation['warmup_days'])} days of "
            f"warm-up) is followed to its end, through up to {_days(simulation['drain_days'])} "
            "days of drain, and every cost it causes counts whenever it falls; the programmes' "
            "calendar costs (outreach sessions) and capital count per measured day. Scaled to "
            f"a year by 365 / {_days(horizon)} (seasonality is not modelled)."
        )
    else:
        lines.append("- Time horizon: not in the manifest.")
    zones = parameters.get("zones") or []
    population = sum(int(zone.get("population", 0)) for zone in zones)
    if population:
        lines.append(f"- Residents of the modelled zones: {population:,}.")
    if economics is not None:
        lines += _counted(economics)
    if area is not None:
        lines.append(
            f"- Area: {area[0]}, population {area[1]:,}: amounts per 10,000 residents times "
            f"{area[1]:,} / 10,000."
        )
    return lines


def _counted(economics: Economics) -> list[str]:
    """What the ledgers count at which prices."""
    given = [
        f"{item} at {tier} {amount:,g}"
        for item, tiers in economics.unit_cost_yuan.items()
        for tier, amount in tiers.items()
    ]
    unit_costs = f"; given for {', '.join(given)} yuan" if given else ""
    lines = [
        "- Resources: every item of care delivered, charged or waived, at its unit cost: the "
        f"fee times a cost-to-charge ratio of {economics.cost_to_charge:g} unless a unit cost "
        f"is given{unit_costs}.",
        "- Reimbursement (the insurance fund's share of each charge): "
        f"{_reimbursement(economics)}.",
    ]
    if economics.time_value_yuan_per_hour > 0:
        lines.append(
            f"- Time (society only): patients' time away from home for care and with outreach "
            f"teams at {economics.time_value_yuan_per_hour:g} yuan per hour, and "
            f"{economics.companions_per_patient:g} companions per patient at the same rate."
        )
    else:
        lines.append("- Time: not valued.")
    items = [
        f"{c.name} ({c.reform}): {c.units:g} x {c.price_yuan:,.0f} yuan over {c.life_years:g} "
        f"years, {c.units * annuity(c.price_yuan, c.life_years, economics.discount_rate):,.0f} "
        "yuan a year"
        for c in economics.capital
    ]
    if items:
        lines.append(
            f"- Capital (programme): equivalent annual cost at a discount rate of "
            f"{economics.discount_rate:.1%}, counted per measured day in the arms where its "
            f"reform is on: {'; '.join(items)}."
        )
    else:
        lines.append("- Capital: none.")
    return lines


def _reimbursement(economics: Economics) -> str:
    rates = economics.reimbursement
    parts = []
    if rates.by_item:
        by_item = ", ".join(
            f"{item} at {tier} {share:.0%}"
            for item, tiers in rates.by_item.items()
            for tier, share in tiers.items()
        )
        parts.append(f"by item {by_item}")
    if rates.by_tier:
        parts.append("by tier " + ", ".join(f"{t} {s:.0%}" for t, s in rates.by_tier.items()))
    parts.append(f"{'otherwise' if parts else 'every charge'} {rates.default:.0%}")
    return "; ".join(parts)


def _other_arms(budget: pd.DataFrame) -> list[str]:
    """Each further arm's net saving against without (``difference_<arm>`` rows)."""
    others = [a for a in dict.fromkeys(budget.arm) if str(a).startswith(OTHER_DIFFERENCE)]
    if not others:
        return []
    rows = []
    for arm in others:
        found = budget[budget.arm == arm].set_index("perspective")
        rows.append(
            [
                str(arm).removeprefix(OTHER_DIFFERENCE),
                *[
                    yuan_interval(*found.loc[p, [AMOUNT, "ci_low", "ci_high"]])
                    if p in found.index
                    else ""
                    for p in PERSPECTIVES
                ],
            ]
        )
    return [
        "Each further arm's net saving against without, per 10,000 residents per year:",
        "",
        *markdown_table(["arm", *PERSPECTIVES], rows),
        "",
    ]


def _days(value: float) -> str:
    return f"{value:g}"
