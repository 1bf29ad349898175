"""Calibration targets: the ``plausibility:`` entries a scenario file marks ``use: fit`` or
``use: held_out`` (CALIBRATION.md, "Declare").

::

    plausibility:
      - metric: in_county_share
        arm: with
        published: "85% of visits kept inside the county (2021)"
        low: 0.83        # source: suixi_2022
        high: 0.87       # source: suixi_2022
        source: suixi_2022
        use: fit                      # calibrate the uncertain inputs to it
        obs_sd: 0.015                 # source: suixi_2022 (85% +- 3%, a 95% interval)
        obs_sd_reason: "the report's 95% interval, 82% to 88%"
        discrepancy_sd: 0.01          # assumption: visits, not inpatient stays, are counted

A target's observed value is the middle of its published range, in the unit it is compared in
(the metric's own, or per ``residents`` per year).  Its observation sd is ``obs_sd`` with its
reason, or, when absent, a quarter of the range (the range read as +-2 sd).  ``discrepancy_sd``
is the model discrepancy allowed for (0 by default).  ``use: check`` (the default) entries are
only set beside the output.

Which model output a target is (``arm``): an arm's value (``without``, ``with``), the change
``difference`` (without - with: a published rise is a negative range), the patient-paired row
(``paired``), or the change as a share of the without arm, ``relative`` ((without - with) /
without, replication by replication: a published fall of 9.4% is ``low``/``high`` around
+0.094, and its sds are shares too).  A relative target is refused where the without value is 0
in some replication (``workflows.calibrate.target_values``): there it is no share of anything.

The rules (a target has a range, a point value has its own sd, a file that fits keeps one
figure back, a file that fits declares what to fit) are checked where the scenario is loaded:
``inputs.checks`` (each entry) and :func:`calibration_problems` (the file as a whole).
"""

from __future__ import annotations

from dataclasses import dataclass

from .schema import Benchmark, Scenario, TargetUse

Problem = tuple[tuple, str]

FIT: TargetUse = "fit"
HELD_OUT: TargetUse = "held_out"
TARGET_USES: tuple[TargetUse, ...] = (FIT, HELD_OUT)
# A published range read as +-2 standard deviations: the sd is a quarter of its width.
RANGE_IN_SDS = 4.0
DERIVED_REASON = "derived from the published range"


@dataclass(frozen=True)
class TargetSpec:
    """One calibration target, in the unit it is compared in: ``observed`` (the middle of the
    published range), ``obs_sd`` (with ``obs_sd_reason``), ``discrepancy_sd``; which model
    output it is (``metric``, ``arm``, ``residents``) and where it is filed (``index`` under
    ``plausibility``)."""

    name: str
    metric: str
    arm: str
    residents: int | None
    observed: float
    obs_sd: float
    obs_sd_reason: str
    discrepancy_sd: float
    use: TargetUse
    low: float
    high: float
    index: int
    section: str = "plausibility"


def target_name(benchmark: Benchmark) -> str:
    """A target's name: ``metric (arm)``, with the residents it is put per when it is."""
    per = "" if benchmark.residents is None else f", per {benchmark.residents} residents"
    return f"{benchmark.metric} ({benchmark.arm}{per})"


def target_spec(benchmark: Benchmark, index: int, section: str = "plausibility") -> TargetSpec:
    """The target a ``fit`` or ``held_out`` entry declares (filed at ``section[index]``).
    Raises ``ValueError`` for an entry the checks would refuse (no range, or a point value
    without its own sd)."""
    low, high = benchmark.low, benchmark.high
    if low is None or high is None or low > high:
        raise ValueError(f"{section}[{index}] has no published range to be a target")
    if benchmark.obs_sd is not None:
        sd, reason = benchmark.obs_sd, benchmark.obs_sd_reason
    else:
        sd, reason = (high - low) / RANGE_IN_SDS, DERIVED_REASON
    if not sd > 0:
        raise ValueError(f"{section}[{index}] is a point value without obs_sd")
    return TargetSpec(
        name=target_name(benchmark),
        metric=benchmark.metric,
        arm=benchmark.arm,
        residents=benchmark.residents,
        observed=(low + high) / 2,
        obs_sd=sd,
        obs_sd_reason=reason,
        discrepancy_sd=benchmark.discrepancy_sd,
        use=benchmark.use,
        low=low,
        high=high,
        index=index,
        section=section,
    )


def targets(scenario: Scenario, use: TargetUse) -> list[TargetSpec]:
    """The scenario's targets of one use, in file order (``plausibility`` then
    ``status_quo``)."""
    return [
        target_spec(benchmark, i, section)
        for (section, i), benchmark in scenario.benchmarks()
        if benchmark.use == use
    ]


def calibration_targets(scenario: Scenario) -> list[TargetSpec]:
    """The targets the uncertain inputs are fitted to (``use: fit``), in file order."""
    return targets(scenario, FIT)


def held_out_targets(scenario: Scenario) -> list[TargetSpec]:
    """The targets kept back to check a calibration (``use: held_out``), in file order."""
    return targets(scenario, HELD_OUT)


def entry_problems(scenario: Scenario) -> list[Problem]:
    """Problems of each ``fit`` or ``held_out`` entry on its own, and of ``obs_sd`` and its
    reason on any entry, each at ``<section>.<i>.<key>``."""
    problems: list[Problem] = []
    seen: dict[tuple, tuple[str, int]] = {}
    for here, b in scenario.benchmarks():
        if b.obs_sd is not None and not b.obs_sd_reason.strip():
            problems.append(
                (
                    (*here, "obs_sd_reason"),
                    "say where obs_sd comes from (the published interval, or a stated +- "
                    "with a reason)",
                )
            )
        if b.obs_sd is None and b.obs_sd_reason:
            problems.append(((*here, "obs_sd_reason"), "gives a reason but there is no obs_sd"))
        if b.use not in TARGET_USES:
            continue
        missing = [end for end in ("low", "high") if getattr(b, end) is None]
        for end in missing:
            problems.append(
                (
                    (*here, end),
                    f"a {b.use} target needs the published range's low and high (a point "
                    "value: low equal to high, with obs_sd)",
                )
            )
        if missing:
            continue
        assert b.low is not None and b.high is not None
        if b.low > b.high:
            problems.append(((*here, "high"), f"must be at least low ({b.low:g}), got {b.high:g}"))
        elif b.low == b.high and b.obs_sd is None:
            problems.append(
                (
                    (*here, "obs_sd"),
                    f"a {b.use} target given as a point value (low equal to high) needs obs_sd "
                    "and obs_sd_reason: there is no range to derive it from",
                )
            )
        key = (b.metric, b.arm, b.residents)
        if key in seen:
            problems.append(
                (
                    (*here, "metric"),
                    f"the same target as {seen[key][0]}[{seen[key][1]}] ({target_name(b)}); a "
                    "figure counts once",
                )
            )
        seen.setdefault(key, here)
    return problems


def calibration_problems(scenario: Scenario) -> list[Problem]:
    """Problems of the file's targets as a whole: a file that fits to some of two or more
    published figures keeps one ``held_out``.  (That fit targets need uncertain inputs is
    ``carepath calibrate``'s to say: a file inherits its base's ``plausibility:`` but not its
    ``uncertainty:``.)

    Checked on the loaded file only, never on a scenario derived from it (a PSA's or a
    calibration's point has no ``uncertainty:`` block: it is drawn already)."""
    entries = scenario.benchmarks()
    fits = [here for here, b in entries if b.use == FIT]
    if not fits:
        return []
    problems: list[Problem] = []
    held_out = any(b.use == HELD_OUT for _, b in entries)
    if len(entries) >= 2 and not held_out:
        problems.append(
            (
                (*fits[0], "use"),
                f"the file fits to {len(fits)} of its {len(entries)} published "
                "figures and keeps none back: mark at least one use: held_out, to check the fit",
            )
        )
    return problems
