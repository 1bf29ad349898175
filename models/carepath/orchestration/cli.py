"""The ``carepath`` command: ``check`` scenario files, ``run`` their batches, redraw the
``figures`` of the results and ``reproduce`` them.

Exit codes: 0 done, 2 bad input (every problem listed, one line each, nothing written).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from ..analysis.figures import ResultsProblem, draw_all
from ..analysis.plausibility import beside_published, lines
from ..inputs.loading import ScenarioError
from ..inputs.provenance import unsourced_numbers
from ..inputs.scenario_file import load_scenario, resolved
from ..inputs.schema import Scenario
from .batch import RunResult, run_many
from .manifest import build_manifest, code_state, scenario_files
from .reproduce import report, reproduce
from .results import MANIFEST_FILE, write_run
from .sweep import run_sweep_files

BAD_INPUT = 2


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
    jobs = args.jobs or os.cpu_count() or 1
    loaded = _run_sweeps(loaded, args, jobs)
    if not loaded:
        return 0
    started = datetime.now(timezone.utc)
    code = code_state()
    scenarios = [scenario for _, scenario in loaded]
    results = run_many(scenarios, args.replications, args.seed, jobs, progress=not args.quiet)
    finished = datetime.now(timezone.utc)
    for file, result in zip([file for file, _ in loaded], results, strict=True):
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
            extra={**_extra(result, jobs), "scenario_files": scenario_files(file)},
            git=code,
        )
        published = beside_published(result.scenario, result.summary)
        more = {"stations.csv": result.stations}
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
        print(f"{file}: wrote {folder}/ replications.csv, summary.csv, stations.csv, ...")
        for line in lines(published):
            print(f"plausibility: {line}")
    return 0


def _run_sweeps(
    loaded: list[tuple[Path, Scenario]], args: argparse.Namespace, jobs: int
) -> list[tuple[Path, Scenario]]:
    """Run the files that have a ``sweep:`` block (all variants as one batch); return the rest."""
    sweeps = [(file, scenario) for file, scenario in loaded if scenario.sweep is not None]
    if sweeps:
        folders = run_sweep_files(
            sweeps, args.out, args.replications, args.seed, jobs, progress=not args.quiet
        )
        for (file, scenario), folder in zip(sweeps, folders, strict=True):
            count = scenario.sweep.variant_count
            print(f"{file}: wrote {folder}/ sweep.csv, sweep_replications.csv ({count} variants)")
    return [(file, scenario) for file, scenario in loaded if scenario.sweep is None]


def _extra(result: RunResult, jobs: int) -> dict:
    """Manifest entries beyond the standard ones."""
    extra: dict = {"jobs": jobs}
    if len(result.credit):
        # Who pays for the interest-free float is a reported figure, not hidden in a total.
        extra["credit_financing_borne_by"] = result.scenario.reforms.credit.financing_borne_by
    return extra


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
    if args.command == "figures":
        return _figures(args)
    if args.command == "reproduce":
        return _reproduce(args)
    return _run(args)


if __name__ == "__main__":
    sys.exit(main())
