"""The one way many simulations run: a `concurrent.futures.Executor`, serial, local processes or Dask.

Every command that runs many replicates (`wom run`, sweeps, claims, attribution, calibration) hands
its tasks to `run_tasks(executor, fn, tasks, on_result)` with an executor from `open_executor`:

- `SerialExecutor`: runs each task when it is submitted, in this process (workers = 1; no start-up
  cost, and tracebacks point at the task).
- `concurrent.futures.ProcessPoolExecutor` on the "forkserver" start method (workers > 1): forking a
  process that already runs threads (BLAS, tqdm) can deadlock. Workers ignore SIGINT, so Ctrl-C in a
  terminal reaches only the parent, which cancels what has not started and exits.
- Dask's executor (`distributed.Client.get_executor`) when a `scheduler` address is given, or an
  embedded `LocalCluster` for sweeps (see sim.research.sweep).

Results never depend on the executor: every task carries its own seed stream, so the same tasks
give identical bytes with 1 worker, N workers or a cluster.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sim.config.errors import EnvironmentFault, InputError

#: Largest number of local worker processes accepted from --workers (a bound, not a default).
MAX_WORKERS = 1024
#: Seconds allowed to connect to a --scheduler address before it counts as unreachable.
CONNECT_TIMEOUT_S = 10
#: Log level of an embedded Dask cluster: its routine INFO/WARNING chatter would hide the progress bar.
CLUSTER_LOG_LEVEL = logging.ERROR
#: Seconds allowed to shut an embedded cluster down.
CLOSE_TIMEOUT_S = 10
#: Where an embedded scheduler serves its HTTP endpoint: any free port on loopback (not 8787, which
#: another cluster or app on the machine may hold).
HTTP_ADDRESS = "127.0.0.1:0"
#: Modules the fork server imports once before forking workers (what every task needs).
PRELOAD = ("sim.run.runner",)
#: URL schemes Dask's comm layer accepts in a scheduler address.
SCHEDULER_SCHEMES = ("tcp", "tls", "ucx", "inproc", "ws", "wss")


class SerialExecutor(cf.Executor):
    """A `concurrent.futures.Executor` that runs every task at `submit`, in this process."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 -- delivered through the future, as a pool would
            future.set_exception(exc)
        return future


def available_cores() -> int:
    """CPU cores this process may use (the default number of local workers)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def check_workers(workers: int | None, option: str = "--workers") -> int | None:
    """`workers` if it is None or in 1..MAX_WORKERS, else an InputError naming the option."""
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise InputError(f"{option} {workers}: must be between 1 and {MAX_WORKERS}")
    return workers


def check_scheduler(address: str, option: str = "--scheduler") -> str:
    """A scheduler address must be SCHEME://HOST:PORT with a Dask scheme; else an InputError (exit 2)."""
    scheme, sep, rest = address.partition("://")
    host, colon, port = rest.rpartition(":")
    in_process = scheme == "inproc" and bool(rest)  # inproc://IP/PID/N: a scheduler of this process
    if not in_process and (not sep or scheme not in SCHEDULER_SCHEMES or not colon or not host or not port.isdigit()):
        raise InputError(
            f"{option} {address!r}: not a scheduler address; expected SCHEME://HOST:PORT with SCHEME one of "
            f"{', '.join(SCHEDULER_SCHEMES)}, e.g. tcp://10.0.0.5:8786"
        )
    return address


def process_pool(workers: int) -> cf.ProcessPoolExecutor:
    """A pool of `workers` forkserver processes that ignore SIGINT (the parent handles Ctrl-C).

    The fork server imports the simulator once (PRELOAD) and forks every worker from it, so workers
    start in milliseconds instead of each importing numpy, scipy, pandas and the model (seconds).
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    pool = cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=signal.signal,
        initargs=(signal.SIGINT, signal.SIG_IGN),
    )
    # Start every worker before any real work, with Ctrl-C held back until they all run: a worker still
    # starting when the parent stops finds the pool's semaphores gone and prints a traceback. A Ctrl-C
    # during this warm-up (a second or two) stops the pool right after it.
    interrupted: list[bool] = []
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda *_: interrupted.append(True)) if in_main else None
    try:
        for ready in [pool.submit(os.getpid) for _ in range(workers)]:
            ready.result()
    except BaseException:
        _stop(pool)
        raise
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
    if interrupted:
        _stop(pool)
        raise KeyboardInterrupt
    return pool


@contextlib.contextmanager
def connect(address: str) -> Iterator[Any]:
    """A Dask client of an existing scheduler; EnvironmentFault (exit 1) if it cannot be reached in time."""
    from distributed import Client

    check_scheduler(address)
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise EnvironmentFault(
            f"--scheduler {address}: cannot connect within {CONNECT_TIMEOUT_S} s: {exc or type(exc).__name__}"
        ) from None
    with client:
        yield client


@contextlib.contextmanager
def open_executor(
    workers: int | None = None, scheduler: str | None = None, tasks: int | None = None
) -> Iterator[cf.Executor]:
    """The executor for a batch of `tasks` runs: Dask at `scheduler`, else `workers` local processes.

    workers defaults to the machine's cores, and is never more than the tasks; 1 gives the serial
    executor. The executor is shut down on exit (pending tasks cancelled after an exception).
    """
    if scheduler:
        with connect(scheduler) as client:
            yield client.get_executor(pure=False)
        return
    n = available_cores() if workers is None else workers
    if tasks is not None:
        n = min(n, max(tasks, 1))
    if n <= 1:
        yield SerialExecutor()
        return
    pool = process_pool(n)
    try:
        yield pool
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)


def _stop(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a pool now (after Ctrl-C or an error): cancel pending tasks and terminate the workers, so
    nobody waits for a long replicate whose result is no longer wanted. (Python 3.14 has
    `terminate_workers()`; before it the processes are only reachable through `_processes`.)"""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, ValueError):
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def run_tasks[T, R](
    executor: cf.Executor,
    fn: Callable[[T], R],
    tasks: Iterable[T],
    on_result: Callable[[T, R], None] | None = None,
) -> list[R]:
    """Run fn on every task; results in task order. `on_result(task, result)` is called as each finishes.

    A task's exception propagates (after the outstanding tasks are cancelled), as does Ctrl-C.
    """
    tasks = list(tasks)
    if isinstance(executor, SerialExecutor):  # one at a time, so progress is reported as it happens
        results = []
        for task in tasks:
            results.append(fn(task))
            if on_result is not None:
                on_result(task, results[-1])
        return results
    futures = {executor.submit(fn, task): i for i, task in enumerate(tasks)}
    results: list[Any] = [None] * len(tasks)
    try:
        for future in cf.as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            if on_result is not None:
                on_result(tasks[i], results[i])
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return results


# Dask: embedded clusters and clients (sweeps run on Dask so they can also use a remote cluster)
def local_cluster(workers: int | None = None, processes: bool = True) -> Any:
    """A LocalCluster of single-threaded workers (default one per core) without a dashboard.

    The scheduler's HTTP endpoint (health checks) goes to a free loopback port rather than 8787, which
    another cluster or app on the machine may hold. `processes=False` runs the workers as threads of
    this process (quick to start; used by tests).
    """
    from distributed import LocalCluster

    with _workers_ignore_ctrl_c():
        return LocalCluster(
            n_workers=workers or available_cores(),
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": HTTP_ADDRESS},
            silence_logs=CLUSTER_LOG_LEVEL,
        )


@contextlib.contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Ignore SIGINT while worker processes are spawned, so that they inherit "ignore".

    Ctrl-C in a terminal signals the whole foreground process group. The workers should not die
    with tracebacks: the sweep process alone handles it, cancels the runs and closes the cluster.
    (Signal handlers can only be changed from the main thread; elsewhere this does nothing.)
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A Dask client: connected to `scheduler` if given, else to an embedded LocalCluster.

    The local cluster has `workers` single-threaded worker processes (default: one per core) and no
    dashboard. Both are closed on exit, also after Ctrl-C.
    """
    from distributed import Client

    if scheduler:
        with connect(scheduler) as client:
            yield client
        return
    cluster = local_cluster(workers)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close(timeout=CLOSE_TIMEOUT_S)
        cluster.close(timeout=CLOSE_TIMEOUT_S)


def apply_runner(runner: Callable[..., Any], task: tuple) -> Any:
    """runner(*task): with functools.partial(apply_runner, runner), a picklable task function for a
    module-level runner such as sim.run.runner.run_replicate."""
    return runner(*task)
