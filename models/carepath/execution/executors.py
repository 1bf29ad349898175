"""Where a batch's tasks run: in this process, in a local process pool, or on a Dask cluster.

Each executor takes a function and the tasks, and yields ``(index, outcome)`` as each task
completes, in whatever order they complete; the outcome is the function's result or the
exception it raised.  The batch puts results back in task order, so none of this changes a
number.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import CancelledError, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .checkpoint import source_digest

Outcome = tuple[int, Any]  # task index, result or the exception raised
CONNECT_TIMEOUT_S = 20
DASK_TIMEOUT_S = 300.0  # --dask-timeout: how long a cluster may go without finishing a task


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


class WorkerDied(RuntimeError):
    """The worker process running a task died (killed, or out of memory), also when the task
    ran alone."""


def process_pool(fn: Callable, tasks: Sequence, jobs: int) -> Iterator[Outcome]:
    """The tasks on ``jobs`` worker processes.

    A worker that dies (kill -9, the out-of-memory killer) breaks the pool, and every task it
    had not finished comes back unfinished: those run again in a fresh pool; any that breaks
    that one too then runs alone in a one-worker pool, and if its worker dies again it is
    reported failed (``WorkerDied``) while the others finish.
    """
    unfinished = yield from _pool_round(fn, tasks, list(range(len(tasks))), jobs)
    if unfinished:
        unfinished = yield from _pool_round(fn, tasks, unfinished, jobs)
    for i in unfinished:
        if (yield from _pool_round(fn, tasks, [i], 1)):
            yield i, WorkerDied("its worker process died twice, the second time running it alone")


def _pool_round(
    fn: Callable, tasks: Sequence, indices: list[int], jobs: int
) -> Generator[Outcome, None, list[int]]:
    """Run ``indices`` of ``tasks`` in a fresh pool; the indices a broken pool left unfinished."""
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(indices)),
        initializer=_end_with_parent,
        initargs=(os.getpid(),),
    )
    finished, broken = False, []
    try:
        futures = {pool.submit(fn, tasks[i]): i for i in indices}
        for future in as_completed(futures):
            error = future.exception()
            if isinstance(error, BrokenProcessPool):
                broken.append(futures[future])
                continue
            yield futures[future], future.result() if error is None else error
        finished = True
    finally:
        # Interrupted (Ctrl-C, or the caller stopped): drop what has not started, do not wait.
        pool.shutdown(wait=finished, cancel_futures=True)
    return sorted(broken)


def _end_with_parent(parent: int) -> None:
    """In each worker: exit when the process that started the pool is gone (killed with
    kill -9, it cannot stop its workers), rather than simulate on as an orphan."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="carepath-parent-watch").start()


class NoProgress(RuntimeError):
    """No replication finished on the cluster for ``--dask-timeout`` seconds."""


def dask_cluster(
    fn: Callable, tasks: Sequence, address: str, timeout_s: float = DASK_TIMEOUT_S
) -> Iterator[Outcome]:
    """Run the tasks on the Dask scheduler at ``address`` (e.g. ``tcp://10.0.0.5:8786``).

    If no task finishes for ``timeout_s`` seconds (the workers are gone, or all stuck), the
    tasks still out are reported failed (``NoProgress``) instead of waiting for ever.
    """
    distributed = _distributed()
    client = _connect(distributed, address)
    with client:
        _check_workers(client, address)
        futures = client.map(fn, tasks, pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        remaining = set(futures)
        while remaining:
            try:
                done, remaining = distributed.wait(
                    remaining, timeout=timeout_s, return_when="FIRST_COMPLETED"
                )
            except CancelledError:  # every future cancelled: the scheduler is gone
                raise _lost(address) from None
            except TimeoutError:
                message = f"no replication finished on {address} for {timeout_s:g} s"
                for future in sorted(remaining, key=lambda f: index[f.key]):
                    future.cancel()
                    yield index[future.key], NoProgress(message)
                return
            for future in sorted(done, key=lambda f: index[f.key]):
                try:
                    outcome = future.result()
                except CancelledError:  # the scheduler is gone, not the task
                    raise _lost(address) from None
                except Exception as error:  # raised by the task, or a worker lost (KilledWorker)
                    outcome = error
                future.release()
                yield index[future.key], outcome


def _connect(distributed: Any, address: str) -> Any:
    """A client of the scheduler at ``address``, or SchedulerError within about
    ``CONNECT_TIMEOUT_S``: also when something that is not a Dask scheduler accepts the
    connection and never answers (Dask's own timeout does not cover its handshake)."""
    box: dict[str, Any] = {}

    def connect() -> None:
        try:
            box["client"] = distributed.Client(address, timeout=CONNECT_TIMEOUT_S)
        except BaseException as error:  # handed to the caller below
            box["error"] = error

    worker = threading.Thread(target=connect, daemon=True, name="carepath-dask-connect")
    worker.start()
    worker.join(CONNECT_TIMEOUT_S + 5)
    if worker.is_alive():
        raise SchedulerError(
            f"--scheduler {address}: no Dask scheduler answered within "
            f"{CONNECT_TIMEOUT_S + 5:g} s (is something else listening on that port?)"
        )
    error = box.get("error")
    if isinstance(error, (OSError, TimeoutError, ValueError)):
        raise SchedulerError(f"--scheduler {address}: cannot connect: {error}") from error
    if error is not None:
        raise error
    return box["client"]


def _lost(address: str) -> SchedulerError:
    return SchedulerError(
        f"--scheduler {address}: lost the scheduler; finished replications are kept: run the "
        "same command again to resume"
    )


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
