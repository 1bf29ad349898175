"""The ``carepath`` command: ``check`` scenario files, ``run`` their batches (or sweeps),
redraw the ``figures`` of the results and ``reproduce`` them; ``validate`` the model against
queueing theory, ``report`` on validation (results/validation.md).

Exit codes:
  0    done
  1    ``validate``: a queueing check failed
  2    bad input: every problem listed, one line each, nothing written (also an unusable
       ``--scheduler``: dask not installed, scheduler unreachable, workers without carepath)
  3    some replications raised: one line each (scenario, replication, seed, arm, error);
       the other scenarios' results are written; a scenario with a failed replication gets
       no result files, its finished replications stay in its checkpoint for the re-run
  130  interrupted (Ctrl-C): finished replications stay in their checkpoints

A re-run of the same command runs only the replications not yet kept
(``<out>/<scenario>/.partial/``, removed once the scenario's files are written).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from .analysis.figures import ResultsProblem, draw_all
from .analysis.plausibility import beside_published, lines
from .analysis.report import write_report
from .execution.batch import Batch, BatchFailed, RunResult, run_batch
from .execution.executors import SchedulerError
from .execution.manifest import build_manifest, code_state, package_versions, scenario_files
from .inputs.loading import ScenarioError
from .inputs.provenance import unsourced_numbers
from .inputs.scenario_file import load_scenario, resolved
from .inputs.schema import Scenario
from .observation.results_folder import MANIFEST_FILE, write_run
from .workflows.precision import (
    DEFAULT_MAX_REPLICATIONS,
    PRECISION_ARMS,
    Target,
    run_to_precision,
    target_problems,
    warmup_estimate,
)
from .workflows.reproduce import report, reproduce
from .workflows.sweep import run_sweep_files
from .workflows.validate import FAMILY_CONFIDENCE, validate_files, write_validation

BAD_INPUT = 2
REPLICATIONS_FAILED = 3
INTERRUPTED = 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="carepath",
        description="Patient flows through a tiered health system, with and without reforms.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate scenario files; write nothing")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    run = commands.add_parser("run", help="run scenario batches and write results/<scenario>/")
    run.add_argument("files", nargs="+", type=Path, metavar="FILE")
    run.add_argument(
        "--replications", type=_whole(1), help="replications per arm (default: the file's)"
    )
    run.add_argument("--seed", type=_whole(0), help="base seed (default: the file's)")
    run.add_argument(
        "--jobs", type=_whole(0), default=1, help="worker processes (default 1; 0 = all cores)"
    )
    run.add_argument(
        "--out", type=Path, default=Path("results"), help="results folder (default results/)"
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask cluster, e.g. tcp://10.0.0.5:8786 (needs carepath[cluster]); "
        "--jobs is then ignored",
    )
    _add_precision_options(run)
    _add_validation_commands(commands)
    _add_figures(commands)
    _add_reproduce(commands)
    return parser


def _add_figures(commands) -> None:
    figures = commands.add_parser(
        "figures", help="redraw every figure from results/ (no simulation) into results/figures/"
    )
    figures.add_argument("--results", type=Path, default=Path("results"), help="results folder")
    figures.add_argument("--out", type=Path, help="figures folder (default RESULTS/figures)")


def _add_reproduce(commands) -> None:
    again = commands.add_parser(
        "reproduce", help="re-run the committed results of bundled scenarios; name what changed"
    )
    again.add_argument("--results", type=Path, default=Path("results"), help="results folder")
    again.add_argument(
        "--scenarios", type=Path, default=Path("scenarios"), help="bundled scenarios folder"
    )
    again.add_argument("--jobs", type=_whole(0), default=0, help="worker processes (0 = all cores)")
    again.add_argument("--quiet", action="store_true", help="no progress bar")


def _whole(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {minimum}, got {text!r}")
        return value

    return parse


def _load_all(files: list[Path]) -> tuple[list[tuple[Path, Scenario]], list[str]]:
    """Each readable file with its scenario, and every problem of every file."""
    loaded, problems = [], []
    for file in files:
        try:
            loaded.append((file, load_scenario(file)))
        except ScenarioError as error:
            problems.extend(error.problems)
    names = [s.name for _, s in loaded]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(
            f"{name}: name: two scenario files share this name; results would overwrite each other"
        )
    return loaded, problems


def _check(files: list[Path]) -> int:
    loaded, problems = _load_all(files)
    for line in problems:
        print(line, file=sys.stderr)
    # Only files that parsed: a YAML error is already reported above.
    for file, _ in loaded:
        for line in unsourced_numbers(file):
            print(f"warning: {line}", file=sys.stderr)
    if problems:
        return BAD_INPUT
    for file, scenario in loaded:
        reforms = ", ".join(scenario.switched_on()) or "none"
        print(
            f"{file}: ok ({scenario.name}: {len(scenario.facilities)} facilities, "
            f"{len(scenario.zones)} zones, {len(scenario.conditions)} conditions; "
            f"reforms switched on: {reforms})"
        )
        if scenario.sweep is not None:
            levers = ", ".join(scenario.sweep.levers)
            print(f"{file}: sweep of {scenario.sweep.variant_count} variants over {levers}")
    return 0


def _run(args: argparse.Namespace) -> int:
    loaded, problems = _load_all(args.files)
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        return BAD_INPUT
    target = _precision_target(args)
    if target is not None and target_problems(target):
        for line in target_problems(target):
            print(line, file=sys.stderr)
        return BAD_INPUT
    jobs = args.jobs or os.cpu_count() or 1
    started = datetime.now(timezone.utc)
    code = code_state()
    chosen: dict[str, dict] = {}
    try:
        loaded = _run_sweeps(loaded, args, jobs)
        if not loaded:
            return 0
        scenarios = [scenario for _, scenario in loaded]
        if target is None:
            batch = run_batch(
                scenarios,
                args.replications,
                args.seed,
                jobs,
                progress=not args.quiet,
                out=args.out,
                scheduler=args.scheduler,
            )
        else:
            results, chosen = _run_to_precision(scenarios, target, args, jobs)
            batch = Batch(results, [], {})
    except SchedulerError as error:
        print(error, file=sys.stderr)
        return BAD_INPUT
    except KeyboardInterrupt:
        print(
            f"interrupted: finished replications are kept under {args.out}/<scenario>/.partial/; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return INTERRUPTED
    except BatchFailed as error:  # raised by a sweep or a --precision round; run_batch never raises
        return _report_failures(error.batch)
    finished = datetime.now(timezone.utc)
    files = {scenario.name: file for file, scenario in loaded}
    for result in batch.results:
        file = files[result.scenario.name]
        manifest = build_manifest(
            scenario_name=result.scenario.name,
            scenario_file=str(file),
            resolved=resolved(result.scenario),
            seed=result.seed,
            replications=int(result.replications.replication.nunique()),
            arms=result.arms,
            command=["carepath", *sys.argv[1:]],
            started=started,
            finished=finished,
            extra={
                **_extra(result, jobs, args.scheduler),
                **chosen.get(result.scenario.name, {}),
                "scenario_files": scenario_files(file),
            },
            git=code,
        )
        published = beside_published(result.scenario, result.summary)
        more = {"stations.csv": result.stations, "referrals.csv": result.referrals}
        if len(result.credit):
            more["credit.csv"] = result.credit
        if len(published):
            more["plausibility.csv"] = published
        folder = write_run(
            args.out,
            result.scenario.name,
            result.replications,
            result.summary,
            manifest,
            more=more,
        )
        checkpoint = batch.checkpoints.get(result.scenario.name)
        if checkpoint is not None:  # a --precision run keeps none
            checkpoint.discard()
        print(f"{file}: wrote {folder}/ replications.csv, summary.csv, stations.csv, ...")
        for line in lines(published):
            print(f"plausibility: {line}")
    return _report_failures(batch)


def _report_failures(batch: Batch) -> int:
    """One line per failed replication, then what is kept for the re-run."""
    if not batch.failures:
        return 0
    for failure in batch.failures:
        print(f"failed: {failure.line()}", file=sys.stderr)
    for name in dict.fromkeys(failure.scenario for failure in batch.failures):
        checkpoint = batch.checkpoints.get(name)
        if checkpoint is None:  # a --precision round keeps no checkpoints
            print(f"{name}: not written", file=sys.stderr)
            continue
        print(
            f"{name}: not written; finished replications and the failures' tracebacks are under "
            f"{checkpoint.partial}/; fix the cause and run the same command again to run only "
            "the missing replications",
            file=sys.stderr,
        )
    return REPLICATIONS_FAILED


def _run_sweeps(
    loaded: list[tuple[Path, Scenario]], args: argparse.Namespace, jobs: int
) -> list[tuple[Path, Scenario]]:
    """Run the files that have a ``sweep:`` block (all variants as one batch); return the rest."""
    sweeps = [(file, scenario) for file, scenario in loaded if scenario.sweep is not None]
    if sweeps:
        folders = run_sweep_files(
            sweeps,
            args.out,
            args.replications,
            args.seed,
            jobs,
            progress=not args.quiet,
            scheduler=args.scheduler,
        )
        for (file, scenario), folder in zip(sweeps, folders, strict=True):
            count = scenario.sweep.variant_count
            print(f"{file}: wrote {folder}/ sweep.csv, sweep_replications.csv ({count} variants)")
    return [(file, scenario) for file, scenario in loaded if scenario.sweep is None]


def _extra(result: RunResult, jobs: int, scheduler: str | None = None) -> dict:
    """Manifest entries beyond the standard ones."""
    extra: dict = {"scheduler": scheduler} if scheduler else {"jobs": jobs}
    if len(result.credit):
        # Who pays for the interest-free float is a reported figure, not hidden in a total.
        extra["credit_financing_borne_by"] = result.scenario.reforms.credit.financing_borne_by
    return extra


# -- choosing the replication count (--precision) ---------------------------------------------


def _add_precision_options(run: argparse.ArgumentParser) -> None:
    group = run.add_argument_group(
        "replication count by precision",
        "add replications in rounds until the 95%% interval's half-width is at most this share "
        "of the mean (--replications is then the pilot count)",
    )
    group.add_argument(
        "--precision", type=float, metavar="SHARE", help="e.g. 0.05 for +-5%% of the mean"
    )
    group.add_argument(
        "--precision-metric", default="wait_min", metavar="METRIC", help="default wait_min"
    )
    group.add_argument(
        "--precision-arm",
        choices=PRECISION_ARMS,
        help="difference if the file switches a reform on, else without (paired for "
        "patient-paired metrics)",
    )
    group.add_argument(
        "--max-replications",
        type=_whole(1),
        default=DEFAULT_MAX_REPLICATIONS,
        help=f"stop there even if imprecise (default {DEFAULT_MAX_REPLICATIONS})",
    )


def _precision_target(args: argparse.Namespace) -> Target | None:
    if args.precision is None:
        return None
    return Target(
        relative=args.precision,
        metric=args.precision_metric,
        arm=args.precision_arm,
        pilot=args.replications,
        max_replications=args.max_replications,
    )


def _run_to_precision(
    scenarios: list[Scenario], target: Target, args: argparse.Namespace, jobs: int
) -> tuple[list[RunResult], dict[str, dict]]:
    """Each scenario's batch at the chosen count, and its manifest entries."""
    results, chosen = [], {}
    for scenario in scenarios:
        result, report = run_to_precision(scenario, target, args.seed, jobs, not args.quiet)
        results.append(result)
        chosen[scenario.name] = {
            "precision": report,
            "warmup": warmup_estimate(scenario, args.seed),
        }
        met = "met" if report["met"] else "NOT met (stopped at --max-replications)"
        print(
            f"{scenario.name}: {report['replications']} replications; {report['metric']} "
            f"({report['arm']}) = {report['mean']:.4g} +- {report['half_width']:.4g}: "
            f"target {target.relative:g} of the mean {met}"
        )
    return results, chosen


# -- validation: queueing theory and the plausibility report ---------------------------------


def _add_validation_commands(commands) -> None:
    validate = commands.add_parser(
        "validate", help="run the bare queueing systems and compare them with queueing theory"
    )
    validate.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="bare-system scenario files (default scenarios/validation/*.yaml)",
    )
    validate.add_argument(
        "--out", type=Path, default=Path("results/validation"), help="default results/validation/"
    )
    validate.add_argument("--replications", type=_whole(2), help="default: each file's")
    validate.add_argument("--jobs", type=_whole(0), default=1, help="worker processes (0 = all)")
    report = commands.add_parser(
        "report", help="write the validation report from results already on disk (no simulation)"
    )
    report.add_argument("--results", type=Path, default=Path("results"), help="default results/")
    report.add_argument("--out", type=Path, help="default RESULTS/validation.md", metavar="FILE.md")


def _validate(args: argparse.Namespace) -> int:
    files = args.files or sorted(Path("scenarios/validation").glob("*.yaml"))
    if not files:
        print("validate: no scenario files (looked in scenarios/validation/)", file=sys.stderr)
        return BAD_INPUT
    jobs = args.jobs or os.cpu_count() or 1
    started = datetime.now(timezone.utc)
    code = code_state()
    table, systems, problems = validate_files(files, args.replications, jobs)
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        return BAD_INPUT
    finished = datetime.now(timezone.utc)
    manifest = {
        "command": ["carepath", *sys.argv[1:]],
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "git": code,
        "versions": package_versions(),
        "family_confidence": FAMILY_CONFIDENCE,
        "systems": systems,
    }
    target = write_validation(args.out, table, manifest)
    for system, block in table.groupby("system", sort=False):
        print(
            f"{system}: {int(block.passed.sum())}/{len(block)} checks passed "
            f"({int(block.within_95.sum())} inside their plain 95% interval)"
        )
    print(f"wrote {target}")
    return 0 if table.passed.all() else 1


def _report(args: argparse.Namespace) -> int:
    out = args.out or args.results / "validation.md"
    write_report(args.results, out)
    print(f"wrote {out}")
    return 0


VALIDATION_COMMANDS = {"validate": _validate, "report": _report}


def _figures(args: argparse.Namespace) -> int:
    if not _has_results(args.results):
        return BAD_INPUT
    try:
        written = draw_all(args.results, args.out)
    except ResultsProblem as problem:
        print(problem, file=sys.stderr)
        return BAD_INPUT
    out = args.out if args.out is not None else args.results / "figures"
    print(f"wrote {len(written)} files (PNG, PDF and caption of each figure) under {out}/")
    return 0


def _reproduce(args: argparse.Namespace) -> int:
    if not _has_results(args.results):
        return BAD_INPUT
    outcomes = reproduce(args.results, args.scenarios, args.jobs or None, not args.quiet)
    return report(outcomes)


def _has_results(folder: Path) -> bool:
    if folder.is_dir() and any(folder.glob(f"*/{MANIFEST_FILE}")):
        return True
    print(f"{folder}: no <scenario>/{MANIFEST_FILE} here: nothing to read", file=sys.stderr)
    return False


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "check":
        return _check(args.files)
    if args.command in VALIDATION_COMMANDS:
        return VALIDATION_COMMANDS[args.command](args)
    if args.command == "figures":
        return _figures(args)
    if args.command == "reproduce":
        return _reproduce(args)
    return _run(args)


if __name__ == "__main__":
    sys.exit(main())
