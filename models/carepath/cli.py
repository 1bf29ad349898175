"""The ``carepath`` command: ``check`` scenario files, ``run`` their batches (or sweeps), ``psa``
the inputs they declare uncertain, write the ``schema`` of scenario files for editors,
redraw the ``figures`` of the results and ``reproduce`` them; ``validate`` the model against
queueing theory, ``report`` on validation (results/validation.md).

Exit codes:
  0    done
  1    ``validate``: a queueing check failed; ``reproduce``: a number differs
  2    bad input: every problem listed, one line each, nothing written (also an unusable
       ``--scheduler``: dask not installed, scheduler unreachable, workers without carepath)
  3    some replications raised: one line each (scenario, replication, seed, arm, error);
       the other scenarios' results are written; a scenario with a failed replication gets
       no result files, its finished replications stay in its checkpoint for the re-run
  130  interrupted (Ctrl-C): finished replications stay in their checkpoints

A re-run of the same command runs only the replications not yet kept
(``<out>/<scenario>/.partial/``, removed once the scenario's files are written).

The commands parse their arguments here and do their work in ``workflows``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from . import __version__
from .analysis.figures import draw_all
from .analysis.headline import headline_lines
from .analysis.plausibility import lines
from .analysis.report import write_report
from .execution.batch import Batch, BatchFailed
from .execution.executors import SchedulerError
from .execution.manifest import RunRecord
from .execution.options import RunOptions
from .execution.run_size import MAX_EPISODES, size_problems
from .inputs.arms import arms_for
from .inputs.file_schema import file_schema
from .inputs.keypath import parse_setting
from .inputs.loading import ScenarioError, Setting
from .inputs.posterior import Posterior, load_posterior
from .inputs.provenance import unsourced_numbers
from .inputs.reform_registry import REFORMS
from .inputs.scenario_file import load_scenario
from .inputs.schema import Scenario
from .observation.results_folder import (
    FIGURES_FOLDER,
    MANIFEST_FILE,
    PARTIAL_FOLDER,
    REPORT_FILE,
    SUMMARY_FILE,
    ResultsFolder,
    ResultsProblem,
    has_results,
    write_atomic,
    writing_into,
)
from .workflows.calibrate import (
    CalibrationResult,
    CalibrationSettings,
    calibration_problems,
    run_calibration,
    write_calibration,
)
from .workflows.posterior_runs import posterior_run_problems, run_posterior_file
from .workflows.precision import (
    DEFAULT_MAX_REPLICATIONS,
    PRECISION_ARMS,
    Target,
    target_problems,
)
from .workflows.psa import (
    MIN_REPLICATIONS,
    POSTERIOR_SKIPS,
    PsaSettings,
    posterior_settings,
    psa_problems,
    run_psa_file,
    summary_lines,
)
from .workflows.reproduce import report, reproduce
from .workflows.runs import FilesRun, run_files
from .workflows.validate import run_validation

BAD_INPUT = 2
REPLICATIONS_FAILED = 3
INTERRUPTED = 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="carepath",
        description="Patient flows through a tiered health system, with and without reforms.",
    )
    parser.add_argument("--version", action="version", version=f"carepath {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate scenario files; write nothing")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    _add_set(check)
    commands.add_parser(
        "reforms", help="list the reforms a scenario may switch on: sections, decision points"
    )
    _add_schema(commands)
    _add_run(commands)
    _add_psa(commands)
    _add_calibrate(commands)
    _add_validation_commands(commands)
    _add_figures(commands)
    _add_reproduce(commands)
    return parser


def _add_schema(commands) -> None:
    schema = commands.add_parser(
        "schema", help="write the JSON Schema of scenario files, for editors (docs/editor.md)"
    )
    schema.add_argument("--out", type=Path, metavar="FILE", help="default: standard output")
    schema.add_argument(
        "--resolved",
        action="store_true",
        help="the schema of a scenario after extends is merged (every required key)",
    )


def _add_run(commands) -> None:
    run = commands.add_parser(
        "run",
        help="run scenario batches and write results/<scenario>/ (with --posterior: "
        "results/<scenario>_posterior/)",
    )
    run.add_argument("files", nargs="+", type=Path, metavar="FILE")
    _add_set(run)
    run.add_argument(
        "--replications", type=_whole(1), help="replications per arm (default: the file's)"
    )
    _add_batch_options(run)
    run.add_argument(
        "--force",
        action="store_true",
        help=f"run even above {MAX_EPISODES:,} episodes or half this machine's memory",
    )
    run.add_argument(
        "--headline",
        action="store_true",
        help="print each scenario's saved cost, waiting and referral load with 95%% CIs",
    )
    _add_posterior(
        run,
        "run replication r at one joint draw of the uncertain inputs (rows chosen from the "
        "seed), so results carry input and simulation uncertainty together; one FILE only; "
        "written to results/<scenario>_posterior/, beside a plain run's folder",
    )
    group = run.add_argument_group(
        "replication count by precision",
        "add replications in rounds until the 95%% interval's half-width is at most this share "
        "of the mean (--replications is then the pilot count)",
    )
    group.add_argument(
        "--precision", type=_share, metavar="SHARE", help="e.g. 0.05 for +-5%% of the mean"
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


def _add_posterior(command, what: str) -> None:
    command.add_argument(
        "--posterior",
        type=Path,
        metavar="DRAWS.csv",
        help=f"a posterior: a draw column, then one column per key path under uncertainty:; {what}",
    )


def _add_set(command) -> None:
    command.add_argument(
        "--set",
        dest="settings",
        action="append",
        type=_setting,
        default=[],
        metavar="KEY.PATH=VALUE",
        help="change one setting of each file after extends is resolved, with the key paths "
        "sweeps use (reforms.credit.enrolment=0.4, facilities[town].stations.cashier=2); "
        "the value is read as YAML; repeatable",
    )


def _setting(text: str) -> Setting:
    try:
        return parse_setting(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _add_batch_options(command) -> None:
    """The options every batch command shares: seed, workers, output, progress, cluster."""
    command.add_argument("--seed", type=_whole(0), help="base seed (default: the file's)")
    command.add_argument(
        "--jobs", type=_whole(0), default=1, help="worker processes (default 1; 0 = all cores)"
    )
    command.add_argument(
        "--out", type=Path, default=Path("results"), help="results folder (default results/)"
    )
    command.add_argument("--quiet", action="store_true", help="no progress bar")
    command.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask cluster, e.g. tcp://10.0.0.5:8786 (needs carepath[cluster]); "
        "--jobs is then ignored",
    )
    command.add_argument(
        "--dask-timeout",
        type=_whole(1),
        default=300,
        metavar="SECONDS",
        help="on a cluster, report the replications still out as failed when none has "
        "finished for this long (default 300)",
    )


def _point_command(commands, name: str, help: str, replications: int):
    """A command that runs one FILE at many points of its uncertain inputs (psa, calibrate),
    each point over the same seeds."""
    command = commands.add_parser(name, help=help)
    command.add_argument("file", type=Path, metavar="FILE")
    _add_set(command)
    command.add_argument(
        "--replications",
        type=_whole(MIN_REPLICATIONS),
        default=replications,
        help=f"replications per point, same seeds at every point (default {replications})",
    )
    return command


def _add_psa(commands) -> None:
    psa = _point_command(
        commands,
        "psa",
        "probabilistic sensitivity analysis of a file's uncertainty: block into "
        "results/<scenario>_psa/ (with --posterior: results/<scenario>_psa_posterior/)",
        MIN_REPLICATIONS,
    )
    psa.add_argument(
        "--samples", type=_whole(2), required=True, help="Latin hypercube samples of the inputs"
    )
    _add_batch_options(psa)
    psa.add_argument(
        "--morris",
        type=_whole(0),
        default=10,
        metavar="TRAJECTORIES",
        help="Morris screening trajectories (default 10; 0 = none)",
    )
    psa.add_argument(
        "--no-tornado", action="store_true", help="skip the one-way runs at P10 and P90"
    )
    psa.add_argument(
        "--no-sobol", action="store_true", help="skip the Sobol indices of the emulator"
    )
    psa.add_argument(
        "--bootstrap",
        type=_whole(100),
        default=1000,
        help="bootstrap resamples of the PRCC intervals (default 1000)",
    )
    _add_posterior(
        psa,
        "the samples are its rows, every input of a sample from one row (no tornado, Morris "
        "or Sobol: they assume independent inputs); written to results/<scenario>_psa_posterior/",
    )


def _add_calibrate(commands) -> None:
    calibrate = _point_command(
        commands,
        "calibrate",
        "history-match a file's uncertain inputs to its use: fit targets into "
        "results/<scenario>_calibration/ (posterior.csv)",
        3,
    )
    calibrate.add_argument(
        "--waves", type=_whole(2), default=2, help="history-matching waves (default 2)"
    )
    calibrate.add_argument(
        "--points",
        type=_whole(2),
        default=None,
        help="model points per wave (default ten per uncertain input)",
    )
    calibrate.add_argument(
        "--draws", type=_whole(1), default=1000, help="posterior draws resampled (default 1000)"
    )
    calibrate.add_argument(
        "--cutoff", type=float, default=3.0, help="implausibility cut-off (default 3)"
    )
    _add_batch_options(calibrate)


def _add_figures(commands) -> None:
    figures = commands.add_parser(
        "figures", help="redraw every figure from results/ (no simulation) into results/figures/"
    )
    figures.add_argument("--results", type=Path, default=Path("results"), help="results folder")
    figures.add_argument("--out", type=Path, help="figures folder (default RESULTS/figures)")


def _add_reproduce(commands) -> None:
    again = commands.add_parser(
        "reproduce",
        help="re-run the committed results of bundled scenarios (runs, sweeps, PSAs and "
        "calibrations, at the recorded posterior if any); name what changed",
    )
    again.add_argument("--results", type=Path, default=Path("results"), help="results folder")
    again.add_argument(
        "--scenarios", type=Path, default=Path("scenarios"), help="bundled scenarios folder"
    )
    again.add_argument("--jobs", type=_whole(0), default=0, help="worker processes (0 = all cores)")
    again.add_argument("--quiet", action="store_true", help="no progress bar")


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
    report_ = commands.add_parser(
        "report", help="write the validation report from results already on disk (no simulation)"
    )
    report_.add_argument("--results", type=Path, default=Path("results"), help="default results/")
    report_.add_argument(
        "--out", type=Path, help=f"default RESULTS/{REPORT_FILE}", metavar="FILE.md"
    )


def _whole(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {minimum}, got {text!r}")
        return value

    return parse


def _share(text: str) -> float:
    """A share strictly between 0 and 1 (finite: no inf or nan)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 < value < 1.0:  # written so that NaN fails too
        raise argparse.ArgumentTypeError(f"must be a number between 0 and 1, got {text!r}")
    return value


def _jobs(asked: int) -> int:
    return asked or os.cpu_count() or 1


def _load_all(
    files: list[Path], settings: list[Setting]
) -> tuple[list[tuple[Path, Scenario]], list[str]]:
    """Each readable file with its scenario (``--set`` settings applied), and every problem of
    every file."""
    loaded, problems = [], []
    for file in files:
        try:
            loaded.append((file, load_scenario(file, settings)))
        except ScenarioError as error:
            problems.extend(error.problems)
    names = [s.name for _, s in loaded]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(
            f"{name}: name: two scenario files share this name; results would overwrite each other"
        )
    return loaded, problems


def _check(args: argparse.Namespace) -> int:
    loaded, problems = _load_all(args.files, args.settings)
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
        if scenario.arms is not None:
            arms = ", ".join(arm.name for arm in arms_for(scenario))
            print(f"{file}: {len(arms_for(scenario))} arms: {arms}")
        if scenario.uncertainty:
            count = len(scenario.uncertainty)
            print(f"{file}: {count} uncertain inputs (carepath psa {file} --samples N)")
    return 0


def _schema(args: argparse.Namespace) -> int:
    text = json.dumps(file_schema(args.resolved), indent=2, ensure_ascii=False) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        write_atomic(args.out, text.encode("utf-8"))
    except OSError as error:
        print(f"--out {args.out}: cannot write there ({error.strerror})", file=sys.stderr)
        return BAD_INPUT
    print(f"wrote {args.out}")
    return 0


def _reforms(args: argparse.Namespace) -> int:
    for reform in REFORMS:
        answers = ", ".join(reform.answers()) or "none"
        stream = ", ".join(f"patients:{d.stream}" for d in reform.streams) or "none"
        files = ", ".join(t.file for t in reform.tables) or "none"
        print(f"{reform.name} (rank {reform.rank}): {reform.description}")
        print(f"  reforms.{reform.name}: {', '.join(reform.config.model_fields)}")
        print(f"  answers: {answers}; own streams: {stream}; output tables: {files}")
    return 0


def _run(args: argparse.Namespace) -> int:
    loaded, problems = _load_all(args.files, args.settings)
    target = _precision_target(args)
    if target is not None:
        problems += target_problems(target)
    posterior, more = _posterior(args, loaded, len(args.files))
    problems += more
    if args.posterior is not None and target is not None:
        problems.append("--posterior: runs the file's replication count; leave out --precision")
    if not args.force:
        # a --precision run may add replications up to its maximum
        count = args.max_replications if target is not None else args.replications
        for _, scenario in loaded:
            problems += size_problems(scenario, count, _jobs(args.jobs))
    if problems:
        return _refuse(problems)
    options = _batch_options(args, args.replications)
    record = RunRecord.start(_command(args), options.jobs, args.scheduler)

    def work() -> FilesRun:
        if posterior is not None:
            ((file, scenario),) = loaded
            written = run_posterior_file(file, scenario, posterior, options, record)
            return FilesRun([written], Batch([], [], {}))
        return run_files(loaded, options, record, target)

    done = _into(args.out, work)
    if isinstance(done, Stopped):
        return done.code
    _print_written(done)
    for checkpoint in done.batch.checkpoints.values():
        for line in checkpoint.set_aside:
            print(f"warning: {line}", file=sys.stderr)
    if args.headline:
        _print_headlines(done)
    return _report_failures(done.batch)


def _posterior(
    args: argparse.Namespace, loaded: list[tuple[Path, Scenario]], files: int
) -> tuple[Posterior | None, list[str]]:
    """The ``--posterior`` file read for the one scenario given, or the problems."""
    if args.posterior is None:
        return None, []
    if files != 1:
        return None, [f"--posterior: its draws are one file's inputs; give one FILE, not {files}"]
    if not loaded:  # the file's own problems are reported already
        return None, []
    file, scenario = loaded[0]
    if args.command == "run":
        problems = posterior_run_problems(scenario, file)
        if problems:
            return None, problems
    try:
        return load_posterior(args.posterior, scenario), []
    except ScenarioError as error:
        return None, error.problems


def _batch_options(args: argparse.Namespace, replications: int | None) -> RunOptions:
    return RunOptions(
        replications,
        args.seed,
        _jobs(args.jobs),
        not args.quiet,
        args.out,
        args.scheduler,
        float(args.dask_timeout),
    )


def _interrupted(out: Path) -> int:
    print(
        f"interrupted: finished replications are kept under "
        f"{out}/<scenario>/{PARTIAL_FOLDER}/; run the same command again to resume",
        file=sys.stderr,
    )
    return INTERRUPTED


def _psa(args: argparse.Namespace) -> int:
    loaded, problems = _load_all([args.file], args.settings)
    settings = PsaSettings(
        samples=args.samples,
        replications=args.replications,
        tornado=not args.no_tornado,
        morris_trajectories=args.morris,
        sobol=not args.no_sobol,
        bootstrap=args.bootstrap,
    )
    posterior, more = _posterior(args, loaded, 1)
    problems += more
    if posterior is not None:
        settings = posterior_settings(settings)
    for _, scenario in loaded:
        bad = psa_problems(scenario, settings, posterior is not None)
        problems += [f"{args.file}: {line}" for line in bad]
    if problems:
        return _refuse(problems)
    ((file, scenario),) = loaded
    options = _batch_options(args, settings.replications)
    record = RunRecord.start(_command(args), options.jobs, args.scheduler)
    done = _into(
        args.out, lambda: run_psa_file(file, scenario, settings, options, record, posterior)
    )
    if isinstance(done, Stopped):
        return done.code
    result, folder = done
    points = len(result.points)
    drawn = "" if posterior is None else f" drawn from {posterior.file}"
    print(
        f"{file}: wrote {folder}/ ({settings.samples} samples{drawn}, {points} points x "
        f"{settings.replications} replications)"
    )
    if posterior is not None:
        print(f"  {POSTERIOR_SKIPS}")
    for line in summary_lines(result):
        print(f"  {line}")
    return 0


T = TypeVar("T")


@dataclass(frozen=True)
class Stopped:
    """A command's work that did not finish: the exit code it ends with."""

    code: int


def _into(out: Path, work: Callable[[], T]) -> T | Stopped:
    """Do a command's work writing into ``out`` (an unusable or busy folder raises
    ``ResultsProblem``, see ``main``); its result, or how it stopped: a drawn point or posterior
    draw that is not a valid scenario, a scheduler out of reach, Ctrl-C, failed replications."""
    try:
        with writing_into(out):
            return work()
    except ScenarioError as error:
        return Stopped(_refuse(error.problems))
    except SchedulerError as error:
        return Stopped(_refuse([str(error)]))
    except KeyboardInterrupt:
        return Stopped(_interrupted(out))
    except BatchFailed as error:  # a sweep, a --precision round or a PSA; a batch never raises
        return Stopped(_report_failures(error.batch))


def _refuse(problems: list[str]) -> int:
    """Print what is wrong with the input, one problem a line, and exit as bad input."""
    for line in problems:
        print(line, file=sys.stderr)
    return BAD_INPUT


def _calibrate(args: argparse.Namespace) -> int:
    loaded, problems = _load_all([args.file], args.settings)
    settings = CalibrationSettings(
        waves=args.waves,
        points_per_wave=args.points or 0,
        replications=args.replications,
        draws=args.draws,
        cutoff=args.cutoff,
    )
    for _, scenario in loaded:
        problems += [f"{args.file}: {line}" for line in calibration_problems(scenario, settings)]
    if problems:
        return _refuse(problems)
    ((file, scenario),) = loaded
    options = _batch_options(args, settings.replications)
    record = RunRecord.start(_command(args), options.jobs, args.scheduler)

    def work() -> tuple[CalibrationResult, Path]:
        try:
            result = run_calibration(scenario, settings, options, file)
            return result, write_calibration(args.out, file, result, record.ended())
        except ValueError as error:  # no point survived a wave: the region is empty
            raise ScenarioError([f"{file}: {error}"]) from None

    done = _into(args.out, work)
    if isinstance(done, Stopped):
        return done.code
    result, folder = done
    match = result.match
    print(
        f"{file}: wrote {folder}/ ({len(match.runs)} waves of {list(match.runs_per_wave)} "
        f"points x {settings.replications} replications; final surviving share "
        f"{match.final_share:.3g}; effective sample size "
        f"{match.posterior.effective_sample_size:.1f})"
    )
    return 0


def _print_headlines(done: FilesRun) -> None:
    for written in done.written:
        if written.sweep_variants:
            continue  # a sweep's summary has a row per variant: see its sweep.csv
        summary = ResultsFolder.read(written.folder).table(SUMMARY_FILE)
        print(f"\n{written.folder.name}: mean [95% CI] over replications; saved = without - with")
        for line in headline_lines(summary):
            print(f"  {line}")


def _print_written(done: FilesRun) -> None:
    for name, chosen in done.precision.items():
        report_ = chosen["precision"]
        met = "met" if report_["met"] else "NOT met (stopped at --max-replications)"
        print(
            f"{name}: {report_['replications']} replications; {report_['metric']} "
            f"({report_['arm']}) = {report_['mean']:.4g} +- {report_['half_width']:.4g}: "
            f"target {report_['target_relative_half_width']:g} of the mean {met}"
        )
    for written in done.written:
        if written.sweep_variants:
            print(
                f"{written.file}: wrote {written.folder}/ {', '.join(written.files)} "
                f"({written.sweep_variants} variants)"
            )
            continue
        print(f"{written.file}: wrote {written.folder}/ {', '.join(written.files[:3])}, ...")
        for line in lines(written.plausibility):
            print(f"plausibility: {line}")


def _report_failures(batch: Batch) -> int:
    """One line per failed replication, then what is kept for the re-run."""
    if not batch.failures:
        return 0
    for failure in batch.failures:
        print(f"failed: {failure.line()}", file=sys.stderr)
    for name in dict.fromkeys(failure.scenario for failure in batch.failures):
        checkpoint = batch.checkpoints.get(name)
        if checkpoint is None:  # nothing was kept: run without --out
            print(f"{name}: not written", file=sys.stderr)
            continue
        print(
            f"{name}: not written; finished replications and the failures' tracebacks are under "
            f"{checkpoint.partial}/; fix the cause and run the same command again to run only "
            "the missing replications",
            file=sys.stderr,
        )
    return REPLICATIONS_FAILED


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


def _validate(args: argparse.Namespace) -> int:
    files = args.files or sorted(Path("scenarios/validation").glob("*.yaml"))
    if not files:
        print("validate: no scenario files (looked in scenarios/validation/)", file=sys.stderr)
        return BAD_INPUT
    record = RunRecord.start(_command(args), _jobs(args.jobs))
    outcome = run_validation(files, args.out, record, args.replications)
    if outcome.problems:
        for line in outcome.problems:
            print(line, file=sys.stderr)
        return BAD_INPUT
    table = outcome.table
    for system, block in table.groupby("system", sort=False):
        print(
            f"{system}: {int(block.passed.sum())}/{len(block)} checks passed "
            f"({int(block.within_95.sum())} inside their plain 95% interval)"
        )
    print(f"wrote {outcome.written}")
    return 0 if table.passed.all() else 1


def _report(args: argparse.Namespace) -> int:
    if not _has_results(args.results):
        return BAD_INPUT
    out = args.out or args.results / REPORT_FILE
    write_report(args.results, out)
    print(f"wrote {out}")
    return 0


def _figures(args: argparse.Namespace) -> int:
    if not _has_results(args.results):
        return BAD_INPUT
    written = draw_all(args.results, args.out)  # a folder that cannot be read: see main
    out = args.out if args.out is not None else args.results / FIGURES_FOLDER
    print(f"wrote {len(written)} files (PNG, PDF and caption of each figure) under {out}/")
    return 0


def _reproduce(args: argparse.Namespace) -> int:
    if not _has_results(args.results):
        return BAD_INPUT
    outcomes = reproduce(args.results, args.scenarios, _jobs(args.jobs), not args.quiet)
    return report(outcomes)


def _has_results(folder: Path) -> bool:
    if has_results(folder):
        return True
    print(f"{folder}: no <scenario>/{MANIFEST_FILE} here: nothing to read", file=sys.stderr)
    return False


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "check": _check,
    "reforms": _reforms,
    "schema": _schema,
    "run": _run,
    "psa": _psa,
    "calibrate": _calibrate,
    "validate": _validate,
    "report": _report,
    "figures": _figures,
    "reproduce": _reproduce,
}


def _command(args: argparse.Namespace) -> list[str]:
    """The command line as given, for the manifests (``main``'s argv when called from Python)."""
    return ["carepath", *args.argv]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:  # `run` says more about what it kept
        print(
            f"interrupted: carepath {args.command} stopped; results folders are replaced whole, "
            "so what is on disk is as it was or complete",
            file=sys.stderr,
        )
        return INTERRUPTED
    except ResultsProblem as problem:  # a folder that cannot be read, or --out unusable
        print(problem, file=sys.stderr)
        return BAD_INPUT
    except OSError as error:  # e.g. --out naming a file where a folder is wanted
        print(f"carepath {args.command}: {error}", file=sys.stderr)
        return BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
