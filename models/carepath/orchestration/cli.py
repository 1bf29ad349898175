"""The ``carepath`` command: ``check`` scenario files, ``run`` their batches.

Exit codes:
  0    done
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

from ..analysis.plausibility import beside_published, lines
from ..inputs.loading import ScenarioError
from ..inputs.provenance import unsourced_numbers
from ..inputs.scenario_file import load_scenario, resolved
from ..inputs.schema import Scenario
from .batch import Batch, RunResult, run_batch
from .executors import SchedulerError
from .manifest import build_manifest, code_state
from .results import write_run

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
    return parser


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
    return 0


def _run(args: argparse.Namespace) -> int:
    loaded, problems = _load_all(args.files)
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        return BAD_INPUT
    jobs = args.jobs or os.cpu_count() or 1
    started = datetime.now(timezone.utc)
    code = code_state()
    scenarios = [scenario for _, scenario in loaded]
    try:
        batch = run_batch(
            scenarios,
            args.replications,
            args.seed,
            jobs,
            progress=not args.quiet,
            out=args.out,
            scheduler=args.scheduler,
        )
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
            extra=_extra(result, jobs, args.scheduler),
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
        batch.checkpoints[result.scenario.name].discard()
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
        checkpoint = batch.checkpoints[name]
        print(
            f"{name}: not written; finished replications and the failures' tracebacks are in "
            f"{checkpoint.folder}/; fix the cause and run the same command again to run only "
            "the missing replications",
            file=sys.stderr,
        )
    return REPLICATIONS_FAILED


def _extra(result: RunResult, jobs: int, scheduler: str | None = None) -> dict:
    """Manifest entries beyond the standard ones."""
    extra: dict = {"scheduler": scheduler} if scheduler else {"jobs": jobs}
    if len(result.credit):
        # Who pays for the interest-free float is a reported figure, not hidden in a total.
        extra["credit_financing_borne_by"] = result.scenario.reforms.credit.financing_borne_by
    return extra


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "check":
        return _check(args.files)
    return _run(args)


if __name__ == "__main__":
    sys.exit(main())
