"""Batches on a Dask cluster: a real LocalCluster gives the files of a one-process run."""

from __future__ import annotations

import json
import socket
import sys

import pytest

from carepath.cli import BAD_INPUT, main
from carepath.execution import executors
from conftest import DEMO, few_days

pytestmark = pytest.mark.integration  # simulates whole scenarios or runs the command

distributed = pytest.importorskip("distributed", reason="the cluster extra is not installed")

TABLES = ("replications.csv", "summary.csv", "stations.csv")


@pytest.fixture(scope="module")
def cluster():
    # Two worker processes of one thread each, as on two machines.
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


def short_demo(folder):
    return few_days(DEMO, folder, "demo_dask", replications=4)


def test_a_dask_cluster_writes_the_files_of_one_local_process(tmp_path, cluster) -> None:
    scenario = short_demo(tmp_path)
    local, remote = tmp_path / "local", tmp_path / "dask"
    assert main(["run", str(scenario), "--jobs", "1", "--out", str(local), "--quiet"]) == 0
    address = cluster.scheduler_address
    assert main(["run", str(scenario), "--scheduler", address, "--out", str(remote)]) == 0
    for name in TABLES:
        mine = (remote / "demo_dask" / name).read_bytes()
        assert mine == (local / "demo_dask" / name).read_bytes(), name
    manifest = json.loads((remote / "demo_dask" / "manifest.json").read_text())
    assert manifest["scheduler"] == address
    assert "jobs" not in manifest
    # Both workers took part.
    with distributed.Client(address) as client:
        assert len(client.scheduler_info()["workers"]) == 2


def test_without_dask_the_scheduler_option_says_what_to_install(
    tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    out = tmp_path / "out"
    args = ["run", str(short_demo(tmp_path)), "--scheduler", "tcp://127.0.0.1:8786"]
    assert main([*args, "--out", str(out), "--quiet"]) == BAD_INPUT
    assert "pip install 'carepath[cluster]'" in capsys.readouterr().err
    assert not (out / "demo_dask" / "replications.csv").exists()


def test_an_unreachable_scheduler_is_bad_input_and_nothing_is_written(
    tmp_path, monkeypatch, capsys
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1)
    out = tmp_path / "out"
    address = f"tcp://127.0.0.1:{port}"
    args = ["run", str(short_demo(tmp_path)), "--scheduler", address, "--out", str(out)]
    assert main([*args, "--quiet"]) == BAD_INPUT
    error = capsys.readouterr().err
    assert error.startswith(f"--scheduler {address}: cannot connect")
    assert not (out / "demo_dask" / "replications.csv").exists()


# Run on the workers (``exec`` travels by name; a test function would not import there).
PRETEND_OTHER_CODE = """
from carepath.execution import checkpoint
checkpoint.real_digest = checkpoint.source_digest
checkpoint.source_digest = lambda: "edited since this machine's copy"
"""
RESTORE_CODE = """
from carepath.execution import checkpoint
checkpoint.source_digest = checkpoint.real_digest
"""


def test_workers_running_other_carepath_code_are_refused(tmp_path, cluster, capsys) -> None:
    out = tmp_path / "out"
    address = cluster.scheduler_address
    args = ["run", str(short_demo(tmp_path)), "--scheduler", address, "--out", str(out)]
    with distributed.Client(address) as client:
        client.run(exec, PRETEND_OTHER_CODE)
        try:
            assert main([*args, "--quiet"]) == BAD_INPUT
        finally:
            client.run(exec, RESTORE_CODE)
    error = capsys.readouterr().err
    assert error.startswith(f"--scheduler {address}: workers tcp://")
    assert "run other carepath code than this machine" in error
    assert not (out / "demo_dask" / "replications.csv").exists()


def test_a_cluster_that_finishes_nothing_for_the_timeout_reports_what_is_out(cluster) -> None:
    import time

    outcomes = list(
        executors.dask_cluster(time.sleep, [0.0, 30.0, 30.0], cluster.scheduler_address, 2.0)
    )
    assert outcomes[0] == (0, None)  # finished in time
    assert [i for i, _ in outcomes[1:]] == [1, 2]
    for _, error in outcomes[1:]:
        assert isinstance(error, executors.NoProgress)
        assert str(error).endswith("for 2 s")


def test_a_scheduler_that_dies_is_one_error_not_a_failure_per_replication() -> None:
    import time

    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as doomed:
        outcomes = executors.dask_cluster(
            time.sleep, [0.0, 5.0, 5.0, 5.0], doomed.scheduler_address
        )
        assert next(outcomes) == (0, None)
        doomed.close()
        with pytest.raises(executors.SchedulerError, match="lost the scheduler; finished"):
            next(outcomes)


def test_a_port_where_something_else_listens_is_bad_input_within_the_timeout(
    tmp_path, monkeypatch, capsys
) -> None:
    import threading
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held = []
    threading.Thread(target=lambda: held.append(listener.accept()), daemon=True).start()
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1)
    address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    args = ["run", str(short_demo(tmp_path)), "--scheduler", address, "--out", str(tmp_path)]
    started = time.monotonic()
    assert main([*args, "--quiet"]) == BAD_INPUT
    assert time.monotonic() - started < 15
    assert "no Dask scheduler answered within 6 s" in capsys.readouterr().err
    listener.close()
