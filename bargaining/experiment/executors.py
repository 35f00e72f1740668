"""Executors behind one interface (``concurrent.futures.Executor``): serial, a local process pool, Dask.

* serial: runs each task in this process when it is submitted;
* processes (the default): a ``ProcessPoolExecutor`` of ``workers`` processes (forkserver start);
* Dask: ``client.get_executor()`` on an existing scheduler (``tcp://HOST:PORT``) or on a LocalCluster
  of ``dask_local`` worker processes that lives as long as the sweep.

Every task holds runs whose seeds are fixed in advance, so the results do not depend on the executor.
Workers are the sweep's own: they ignore Ctrl-C (the sweep stops them once the finished tasks are stored) and
end when the sweep's process dies, however it dies (Dask's worker processes watch their nanny the same way).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from .spec import ExperimentError

#: How long to try to reach a Dask scheduler.
CONNECT_TIMEOUT = "10s"


class SerialExecutor(Executor):
    """Runs each task at once, in this process."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future


@dataclass
class Backend:
    """An open executor: the executor, how many tasks it runs at once, and a description."""

    executor: Executor
    slots: int
    name: str


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@contextmanager
def open_executor(workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None):
    """Yield a :class:`Backend`; ``workers=1`` is serial, more is a process pool (default: one per core).

    Raises:
        ExperimentError: The Dask scheduler cannot be reached.
    """
    if scheduler is not None or dask_local is not None:
        with _dask(scheduler, dask_local) as backend:
            yield backend
        return
    workers = default_workers() if workers is None else workers
    if workers <= 1:
        yield Backend(SerialExecutor(), 1, "serial")
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["bargaining.experiment.runs"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker)
    try:
        yield Backend(pool, workers, f"{workers} local processes")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker() -> None:
    """A pool worker ignores Ctrl-C (SIGINT reaches the whole process group: the main process handles it,
    cancels what has not started and lets the running tasks finish) and ends as soon as the sweep's process
    does, however it ends (even by SIGKILL): a thread waits on the parent's sentinel, a pipe that only the
    parent holds open."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


@contextmanager
def _ignoring_interrupts():
    """SIGINT ignored meanwhile (in the main thread), so that processes started now inherit that."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _dask(scheduler: str | None, dask_local: int | None):
    from distributed import Client, LocalCluster

    cluster = None
    if scheduler is None:
        with _ignoring_interrupts():  # Ctrl-C is the sweep's to handle, not the workers'
            # the scheduler's HTTP server binds 8787 even without a dashboard, and warns when another cluster
            # holds it: a free port instead, so that two sweeps at once stay quiet
            cluster = LocalCluster(n_workers=dask_local, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
        address = cluster.scheduler_address
    else:
        address = scheduler
    failure = None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:  # unreachable, or not an address
        failure = str(exc)
    if failure is not None:
        # The half-made Client is garbage in a reference cycle (through the traceback); collected later, its
        # __del__ could run inside the next Client's start, which holds the lock its close() waits for: a
        # deadlock of distributed's LoopRunner. Collect it now.
        gc.collect()
        if cluster is not None:
            cluster.close()
        raise ExperimentError(f"--scheduler {address}: cannot reach the Dask scheduler "
                              f"(expected tcp://HOST:PORT of a running scheduler): {failure}")
    interrupted = False
    try:
        slots = max(1, sum(client.nthreads().values()))
        name = f"Dask LocalCluster ({dask_local} workers)" if cluster else f"Dask scheduler {address}"
        yield Backend(client.get_executor(pure=False), slots, f"{name}, {slots} threads")
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        # After Ctrl-C the connections close in the middle of calls, and distributed and tornado log each as an
        # error with a traceback: not news (the sweep says in one line what is stored), so logging is off until
        # the client and cluster are closed.
        previous = logging.root.manager.disable
        if interrupted:
            logging.disable(logging.CRITICAL)
        try:
            client.close()
            if cluster is not None:
                cluster.close()
        finally:
            logging.disable(previous)
