"""Where a batch's tasks run: in this process, in a local process pool, or on a Dask cluster.

Each executor takes a function and the tasks, and yields ``(index, outcome)`` as each task
completes, in whatever order they complete; the outcome is the function's result or the
exception it raised.  The batch puts results back in task order, so none of this changes a
number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from .checkpoint import source_digest

Outcome = tuple[int, Any]  # task index, result or the exception raised
CONNECT_TIMEOUT_S = 20


class SchedulerError(RuntimeError):
    """The Dask cluster cannot be used: dask missing, scheduler unreachable, workers unfit."""


def in_process(fn: Callable, tasks: Sequence) -> Iterator[Outcome]:
    for i, task in enumerate(tasks):
        try:
            result = fn(task)
        except Exception as error:  # reported as a failed task; the batch goes on
            yield i, error
        else:
            yield i, result


def process_pool(fn: Callable, tasks: Sequence, jobs: int) -> Iterator[Outcome]:
    pool = ProcessPoolExecutor(max_workers=jobs)
    finished = False
    try:
        futures = {pool.submit(fn, task): i for i, task in enumerate(tasks)}
        for future in as_completed(futures):
            error = future.exception()
            yield futures[future], future.result() if error is None else error
        finished = True
    finally:
        # Interrupted (Ctrl-C, or the caller stopped): drop what has not started, do not wait.
        pool.shutdown(wait=finished, cancel_futures=True)


def dask_cluster(fn: Callable, tasks: Sequence, address: str) -> Iterator[Outcome]:
    """Run the tasks on the Dask scheduler at ``address`` (e.g. ``tcp://10.0.0.5:8786``)."""
    distributed = _distributed()
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as error:
        raise SchedulerError(f"--scheduler {address}: cannot connect: {error}") from error
    with client:
        _check_workers(client, address)
        futures = client.map(fn, tasks, pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        for future in distributed.as_completed(futures):
            try:
                outcome = future.result()
            except Exception as error:  # raised by the task, or a worker lost (KilledWorker)
                outcome = error
            future.release()
            yield index[future.key], outcome


def _distributed():
    try:
        import distributed
    except ImportError as error:
        raise SchedulerError(
            f"--scheduler needs dask.distributed: pip install 'carepath[cluster]' (here: {error})"
        ) from error
    return distributed


def _check_workers(client, address: str) -> None:
    """Every worker must run this very carepath code, or its results would silently differ."""
    try:
        digests = client.run(source_digest)
    except Exception as error:
        raise SchedulerError(
            f"--scheduler {address}: the workers cannot run carepath ({type(error).__name__}: "
            f"{error}); install the same carepath in the workers' environment"
        ) from error
    if not digests:
        raise SchedulerError(f"--scheduler {address}: the scheduler has no workers")
    mine = source_digest()
    others = sorted(worker for worker, digest in digests.items() if digest != mine)
    if others:
        raise SchedulerError(
            f"--scheduler {address}: workers {', '.join(others)} run other carepath code than "
            "this machine; install the same version everywhere"
        )
