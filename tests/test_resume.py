"""Never lose work: checkpoints as replications finish, resume after a kill, failed replications."""

from __future__ import annotations

import json
import math
import pickle
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import carepath
from carepath.cli import REPLICATIONS_FAILED, main
from carepath.execution import batch, checkpoint, replication
from carepath.execution.checkpoint import PARTIAL_FOLDER, Checkpoint, checkpoint_key
from carepath.execution.failures import Failure, ReplicationFailed
from carepath.inputs.schema import Scenario
from conftest import REPO, assert_same_folder, few_days, killed_when, tiny, tiny_data, write_yaml

pytestmark = pytest.mark.integration  # simulates whole scenarios or runs the command

CREDIT = REPO / "scenarios" / "demo_county_credit.yaml"
NAME = "credit_short"
REPLICATIONS = 6
TABLES = ("replications.csv", "summary.csv", "stations.csv", "credit.csv")
# Fields of the manifest that say when and how it was started, not what was computed.
TIMES = {"started", "finished", "duration_s", "command"}


def short_credit(folder: Path) -> Path:
    """The demo county with credit billing: every result table, a second a replication."""
    return few_days(CREDIT, folder, NAME, REPLICATIONS)


def busy_tiny() -> dict:
    """The tiny world with patients in it (a few dozen a day)."""
    zone = {**tiny_data()["zones"][0], "episodes_per_person_year": 5}
    return tiny_data(zones=[zone])


def command(scenario: Path, out: Path, *more: str) -> list[str]:
    return ["run", str(scenario), "--out", str(out), "--quiet", "--jobs", "1", *more]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    """The scenario file and the folder of its uninterrupted run."""
    folder = tmp_path_factory.mktemp("reference")
    scenario = short_credit(folder)
    assert main(command(scenario, folder / "out")) == 0
    return scenario, folder / "out" / NAME


def assert_same_results(folder: Path, reference: Path) -> None:
    assert_same_folder(folder, reference, TABLES, frozenset(TIMES))


def kept_replications(out: Path, name: str = NAME) -> list[Path]:
    return sorted((out / name / PARTIAL_FOLDER).glob("*/rep-*.json"))


@pytest.fixture
def count_tasks(monkeypatch) -> list[int]:
    """The replications the batch runs (rather than reads from a checkpoint), in order."""
    ran: list[int] = []
    real = batch.run_task

    def counted(task):
        ran.append(task.replication)
        return real(task)

    monkeypatch.setattr(batch, "run_task", counted)
    return ran


# --- checkpoint files ----------------------------------------------------------------------

values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(max_size=12),
    st.booleans(),
    st.none(),
)


def exact(value):
    """A float by its bits (-0.0 differs from 0.0; every NaN is one NaN, as in a CSV table);
    anything else as it is."""
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else struct.pack("<d", value))
    return (type(value), value)


@pytest.fixture(scope="module")
def kept(tmp_path_factory) -> Checkpoint:
    return Checkpoint(tmp_path_factory.mktemp("kept"), tiny(), seed=3)


# Each example writes and syncs a file: no per-example deadline.
@settings(deadline=None, max_examples=60)
@given(rows=st.lists(st.tuples(st.text(max_size=8), values, values), max_size=20))
def test_a_kept_replication_reads_back_exactly_in_order(kept, rows) -> None:
    kept.save(4, {"metrics": rows, "credit": [], "extra": None})
    back = kept.load(4)
    assert back is not None
    assert [[exact(v) for v in row] for row in back["metrics"]] == [
        [exact(v) for v in row] for row in rows
    ]
    assert all(isinstance(row, tuple) for row in back["metrics"])
    assert back["credit"] == [] and back["extra"] is None


def test_a_checkpoint_is_keyed_by_scenario_seed_and_code(tmp_path, monkeypatch) -> None:
    scenario = tiny()
    key = checkpoint_key(scenario, 1)
    assert checkpoint_key(scenario, 1) == key
    assert checkpoint_key(scenario, 2) != key
    other = tiny(simulation={**tiny_data()["simulation"], "horizon_days": 2})
    assert checkpoint_key(other, 1) != key
    monkeypatch.setattr(checkpoint, "source_digest", lambda: "other code")
    assert checkpoint_key(scenario, 1) != key


def test_a_stale_or_foreign_checkpoint_is_not_read(tmp_path, monkeypatch) -> None:
    rows = {"metrics": [("without", "episodes", 3.0)]}
    Checkpoint(tmp_path, tiny(), seed=1).save(0, rows)
    assert Checkpoint(tmp_path, tiny(), seed=1).load(0) == rows
    assert Checkpoint(tmp_path, tiny(), seed=2).load(0) is None
    monkeypatch.setattr(checkpoint, "source_digest", lambda: "changed code")
    assert Checkpoint(tmp_path, tiny(), seed=1).load(0) is None
    monkeypatch.undo()
    kept = Checkpoint(tmp_path, tiny(), seed=1)
    kept.path(0).write_text('{"key": "tru', encoding="utf-8")  # cut short
    assert kept.load(0) is None
    document = {"key": kept.key, "scenario": "tiny", "seed": 1, "replication": 0, "parts": rows}
    kept.path(1).write_text(json.dumps(document), encoding="utf-8")  # another replication's
    assert kept.load(1) is None


def test_the_api_keeps_replications_given_a_folder_and_reads_them_back(
    tmp_path, count_tasks
) -> None:
    scenario = Scenario.model_validate(busy_tiny())
    first = carepath.run(scenario, replications=2, out=tmp_path)
    assert count_tasks == [0, 1]
    assert len(kept_replications(tmp_path, "tiny")) == 2
    again = carepath.run(scenario, replications=3, out=tmp_path)
    assert count_tasks == [0, 1, 2]
    assert again.replications[again.replications.replication < 2].equals(first.replications)
    assert carepath.run(scenario, replications=3).replications.equals(again.replications)


# --- a batch killed part-way -----------------------------------------------------------------


def test_a_killed_batch_resumes_and_ends_with_the_files_of_an_uninterrupted_run(
    tmp_path, reference, count_tasks
) -> None:
    scenario, reference_folder = reference
    out = tmp_path / "out"
    args = command(scenario, out)
    killed_when(args, tmp_path, lambda: bool(kept_replications(out)))
    kept = {int(path.stem.removeprefix("rep-")) for path in kept_replications(out)}
    assert 1 <= len(kept) < REPLICATIONS
    assert not (out / NAME / "replications.csv").exists()

    assert main(args) == 0
    assert count_tasks == sorted(set(range(REPLICATIONS)) - kept)
    assert_same_results(out / NAME, reference_folder)


# --- a replication that raises ---------------------------------------------------------------


def test_a_failed_replication_is_reported_the_rest_finish_and_a_rerun_runs_only_it(
    tmp_path, reference, monkeypatch, capsys, count_tasks
) -> None:
    scenario, reference_folder = reference
    other = write_yaml(tmp_path / "tiny.yaml", busy_tiny())
    out = tmp_path / "out"
    real = replication.ArmRun

    def breaks_once(world, arm, streams, *options, **named):
        if world.scenario.name == NAME and arm.name == "with" and streams.replication == 3:
            raise RuntimeError("injected fault\nsecond line")
        return real(world, arm, streams, *options, **named)

    monkeypatch.setattr(replication, "ArmRun", breaks_once)
    args = command(scenario, out)
    args[1:1] = [str(other)]
    assert main(args) == REPLICATIONS_FAILED
    errors = capsys.readouterr().err.splitlines()
    seed = carepath.load_scenario(scenario).simulation.seed
    failed = [line for line in errors if line.startswith("failed: ")]
    assert len(failed) == 1
    assert failed[0].startswith(
        f"failed: {NAME}: replication 3 (seed {seed}), arm with: RuntimeError: injected fault ["
    )
    assert failed[0].endswith(" in breaks_once]")
    assert any(line.startswith(f"{NAME}: not written;") for line in errors)
    assert not (out / NAME / "replications.csv").exists()
    assert sorted(p.name for p in kept_replications(out)) == [
        f"rep-{r:04d}.json" for r in range(REPLICATIONS) if r != 3
    ]
    (error_file,) = (out / NAME / PARTIAL_FOLDER).glob("*/rep-0003.error.txt")
    assert "RuntimeError: injected fault" in error_file.read_text()
    # The other scenario is written as usual.
    assert (out / "tiny" / "manifest.json").exists()
    assert not (out / "tiny" / PARTIAL_FOLDER).exists()

    monkeypatch.setattr(replication, "ArmRun", real)
    before = len(count_tasks)
    assert main(command(scenario, out)) == 0
    assert count_tasks[before:] == [3]
    assert_same_results(out / NAME, reference_folder)


def test_the_api_raises_after_every_other_replication_finished(monkeypatch) -> None:
    real = replication.ArmRun

    def breaks(world, arm, streams, *options, **named):
        if streams.replication == 0:
            raise ValueError("bad")
        return real(world, arm, streams, *options, **named)

    monkeypatch.setattr(replication, "ArmRun", breaks)
    with pytest.raises(batch.BatchFailed) as raised:
        carepath.run(Scenario.model_validate(busy_tiny()), replications=2)
    (failure,) = raised.value.batch.failures
    assert (failure.scenario, failure.replication, failure.arm) == ("tiny", 0, "without")
    assert failure.error == "ValueError: bad"
    assert "tiny: replication 0 (seed 7), arm without: ValueError: bad" in str(raised.value)


def test_a_failure_crosses_process_boundaries_whole() -> None:
    try:
        raise KeyError("x")
    except KeyError as error:
        failure = Failure.of(error, "s", 2, 9, "with")
    back = pickle.loads(pickle.dumps(ReplicationFailed(failure)))
    assert back.failure == failure
    assert str(back) == failure.line()
    assert failure.where.startswith("test_resume.py:") and "KeyError" in failure.traceback


# --- corrupt checkpoints -------------------------------------------------------------------


def _corrupt(path: Path, how: str) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    metrics = document["parts"]["metrics"]
    if how == "null":
        path.write_text("null")
    elif how == "empty list":
        path.write_text("[]")
    elif how == "parts of the wrong type":
        document["parts"] = {"metrics": 5}
        path.write_text(json.dumps(document))
    elif how == "a row cut short, checksum redone":
        metrics[0] = metrics[0][:-1]
        document["parts_sha256"] = checkpoint._digest(document["parts"])
        path.write_text(json.dumps(document))
    elif how == "a NaN":
        metrics[3][-1] = float("nan")
        path.write_text(json.dumps(document))
    elif how == "a changed digit":
        text = path.read_text(encoding="utf-8")
        value = repr(metrics[5][-1])
        changed = value[:-1] + ("1" if value[-1] != "1" else "2")
        path.write_text(text.replace(value, changed, 1))
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[:100])
    else:
        raise ValueError(how)


@pytest.mark.parametrize(
    "how",
    [
        "null",
        "empty list",
        "parts of the wrong type",
        "a row cut short, checksum redone",
        "a NaN",
        "a changed digit",
        "truncated",
    ],
)
def test_a_corrupt_checkpoint_is_named_set_aside_and_run_again(
    reference, tmp_path, count_tasks, capsys, how
):
    scenario, done = reference
    out = tmp_path / "out"
    loaded = carepath.load_scenario(scenario)
    batch.run_batch([loaded], carepath.execution.options.RunOptions(out=out, progress=False))
    assert len(kept_replications(out)) == REPLICATIONS  # kept, not yet written out
    victim = kept_replications(out)[2]
    _corrupt(victim, how)
    count_tasks.clear()
    assert main(command(scenario, out)) == 0
    assert count_tasks == [2]  # only the corrupt one ran again
    assert_same_results(out / NAME, done)
    err = capsys.readouterr().err
    assert f"warning: {victim}: " in err and "set aside as rep-0002.json.bad, run again" in err


# --- a worker that dies --------------------------------------------------------------------


def test_a_worker_killed_once_loses_nothing(reference, tmp_path, monkeypatch):
    scenario, done = reference
    marker = tmp_path / "killed-once"
    monkeypatch.setenv(batch.KILL_WORKER_ENV, f"3:{marker}")
    out = tmp_path / "out"
    assert main(command(scenario, out, "--jobs", "2")) == 0
    assert marker.exists()  # the worker running replication 3 did die
    for name in TABLES:
        assert (out / NAME / name).read_bytes() == (done / name).read_bytes(), name
    assert not (out / NAME / PARTIAL_FOLDER).exists()


def test_a_replication_that_kills_its_worker_every_time_is_named_and_the_others_finish(
    reference, tmp_path, monkeypatch, capsys
):
    scenario, _ = reference
    monkeypatch.setenv(batch.KILL_WORKER_ENV, "3:")
    out = tmp_path / "out"
    assert main(command(scenario, out, "--jobs", "2")) == REPLICATIONS_FAILED
    err = capsys.readouterr().err
    failed = [line for line in err.splitlines() if line.startswith("failed:")]
    assert len(failed) == 1 and "replication 3" in failed[0] and "WorkerDied" in failed[0]
    kept = [p.name for p in kept_replications(out)]
    assert kept == [f"rep-{r:04d}.json" for r in range(REPLICATIONS) if r != 3]
    assert not (out / NAME / "manifest.json").exists()


def test_workers_end_with_their_parent(tmp_path):
    psutil = pytest.importorskip("psutil")
    scenario = few_days(CREDIT, tmp_path, "orphans", 40)
    args = ["run", str(scenario), "--out", str(tmp_path / "out"), "--quiet", "--jobs", "2"]
    process = subprocess.Popen([sys.executable, "-m", "carepath", *args], cwd=tmp_path)
    parent = psutil.Process(process.pid)
    deadline = time.monotonic() + 60
    workers: list = []
    while len(workers) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        workers = [p for p in parent.children(recursive=True) if "python" in p.name().lower()]
    assert len(workers) >= 2, "the pool did not start"
    process.send_signal(signal.SIGKILL)
    process.wait()
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == [], f"workers outlived their parent: {alive}"


def test_a_precision_run_keeps_its_finished_replications_like_run(
    reference, tmp_path, monkeypatch, count_tasks, capsys
):
    scenario, _ = reference
    out = tmp_path / "out"
    precise = ["--precision", "0.000001", "--max-replications", str(REPLICATIONS)]
    real = batch.run_task

    def fails_on_4(task):
        if task.replication == 4:
            raise ValueError("replication 4 broke")
        return real(task)

    monkeypatch.setattr(batch, "run_task", fails_on_4)
    assert main(command(scenario, out, *precise)) == REPLICATIONS_FAILED
    err = capsys.readouterr().err
    assert f"finished replications and the failures' tracebacks are under {out}" in err
    assert len(kept_replications(out)) == REPLICATIONS - 1
    monkeypatch.setattr(batch, "run_task", real)  # counts the replications it runs
    count_tasks.clear()
    assert main(command(scenario, out, *precise)) == 0
    assert count_tasks == [4]  # the others were read back
    assert not (out / NAME / PARTIAL_FOLDER).exists()
