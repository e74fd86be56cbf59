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

Starting and stopping is done one way for every pool (`process_pool`, `local_cluster`):

- While a pool starts, SIGINT and SIGTERM are held back (`deferred_signals`): blocked in the starting
  thread, so the processes it starts (the fork server, Dask's workers) inherit the block and cannot
  die with a traceback in their imports, and delivered once the pool is up, as KeyboardInterrupt
  after the pool has been stopped. A signal is never lost, and never stops half a start.
- While a pool is open, SIGTERM is a KeyboardInterrupt too (`terminate_as_interrupt`), so `kill` of
  the command stops the pool as Ctrl-C does (exit 130 at the CLI's boundary).
- Every worker dies with the command, even after `kill -9` of it (`guard_worker`: Linux's
  PR_SET_PDEATHSIG, a check for a parent that died before it was set, and a thread waiting on the
  command's pidfd, since a pool worker's parent is the fork server, which outlives the command).
- Stopping cancels pending work and terminates the workers (`_stop`), never waits for a long task.

Results never depend on the executor: every task carries its own seed stream, so the same tasks
give identical bytes with 1 worker, N workers or a cluster.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import ctypes.util
import logging
import multiprocessing
import multiprocessing.resource_tracker as resource_tracker
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from functools import cache
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
#: Signals held back while a pool starts, and turned into KeyboardInterrupt while it runs.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: prctl option that asks the kernel to signal this process when its parent dies (linux/prctl.h).
PR_SET_PDEATHSIG = 1
#: Exit status of a worker that finds its parent gone while it starts.
ORPHAN_EXIT = 1
#: Seconds between checks that the parent still runs, where pidfds are missing.
PARENT_POLL_S = 1.0


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
    """A started pool of `workers` forkserver processes that ignore SIGINT and die with this process.

    The fork server imports the simulator once (PRELOAD) and forks every worker from it, so workers
    start in milliseconds instead of each importing numpy, scipy, pandas and the model (seconds).
    Every worker is started before any real work, with SIGINT and SIGTERM held back until they all
    run (`deferred_signals`): a worker still starting when the parent stops finds the pool's
    semaphores gone and prints a traceback. A signal during this warm-up stops the pool right after it
    and raises KeyboardInterrupt.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    with deferred_signals() as held:
        pool = cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=guard_worker, initargs=(os.getpid(),)
        )
        try:
            for ready in [pool.submit(os.getpid) for _ in range(workers)]:
                ready.result()
        except BaseException:
            _stop(pool)
            raise
    if held:
        _stop(pool)
        raise KeyboardInterrupt
    return pool


@contextlib.contextmanager
def deferred_signals() -> Iterator[list[int]]:
    """Hold SIGINT and SIGTERM back for the block; yields the list of signals that arrived.

    The signals are blocked in this thread, so every process started in the block (and every thread,
    such as Dask's event loop) inherits the block: a worker cannot die in its imports with a traceback,
    and unblocks them itself once it has set its own handling (`guard_worker`). On exit the signals
    are unblocked; one that arrived meanwhile is recorded, not acted on: the caller stops what it
    started and raises KeyboardInterrupt. (Only the main thread can set handlers; elsewhere the block
    runs unguarded.) multiprocessing's resource tracker is started first: its start unblocks these
    signals in the calling thread, which would end the block.
    """
    held: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    resource_tracker.ensure_running()
    previous = {sig: signal.signal(sig, lambda signum, _frame: held.append(signum)) for sig in STOP_SIGNALS}
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield held
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # a pending one runs the recorder now
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt in the block (main thread only), so `kill` of a command that
    runs a pool stops the pool and exits 130 as Ctrl-C does, instead of leaving it to the workers'
    parent-death signal."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@cache
def _libc() -> ctypes.CDLL | None:
    """The C library, for prctl (None where it cannot be loaded)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


def guard_worker(parent_pid: int, pdeathsig: bool = True) -> None:
    """Set up a worker process: ignore SIGINT (the parent handles Ctrl-C), die with `parent_pid`.

    Run first in every worker (the process pool's initializer; Dask's preload `dask_setup`). Two
    guards, because the process that forked a pool worker is the fork server, which outlives the
    command while any worker holds its "alive" pipe:

    - `pdeathsig`: on Linux the kernel sends SIGKILL when the thread that forked this process exits
      (PR_SET_PDEATHSIG). If that parent is already gone when this runs (it died between the fork and
      here, so the request would never fire) the worker exits at once.
    - a daemon thread waits for `parent_pid` (the command) to exit, on a pidfd where the kernel has
      them (no polling), and ends the worker then: no worker outlives a `kill -9` of the command.

    Finally the signals held back while the pool started (`deferred_signals`) are unblocked: a SIGTERM
    sent meanwhile (the pool being stopped) ends the worker now.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    forker = os.getppid()
    libc = _libc()
    if pdeathsig and libc is not None and hasattr(libc, "prctl"):
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    try:
        parent = os.pidfd_open(parent_pid)
    except (AttributeError, OSError):  # no pidfds (not Linux, old kernel) or the parent is gone
        parent = None
    if os.getppid() != forker or not _alive(parent_pid):
        os._exit(ORPHAN_EXIT)
    threading.Thread(target=_exit_with, args=(parent_pid, parent), name="exit-with-parent", daemon=True).start()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def _exit_with(parent_pid: int, pidfd: int | None) -> None:
    """Wait until process `parent_pid` exits (on its pidfd, else polling), then end this process."""
    if pidfd is not None:
        select.select([pidfd], [], [])
    else:
        while _alive(parent_pid):
            time.sleep(PARENT_POLL_S)
    os._exit(ORPHAN_EXIT)


def dask_setup(worker: Any) -> None:
    """Dask's preload hook, run in each local cluster worker process as it starts (`local_cluster`
    names this module as the workers' preload): the same guard as the process pool's workers, with the
    worker's parent (the command, whose nanny started it) as the parent. Without PR_SET_PDEATHSIG: the
    nanny may start the process from a thread that ends before the cluster does."""
    guard_worker(os.getppid(), pdeathsig=False)


def _alive(pid: int) -> bool:
    """Whether the process `pid` still exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


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
    with terminate_as_interrupt():
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
    """A started LocalCluster of single-threaded workers (default one per core) without a dashboard.

    The scheduler's HTTP endpoint (health checks) goes to a free loopback port rather than 8787, which
    another cluster or app on the machine may hold. `processes=False` runs the workers as threads of
    this process (quick to start; used by tests). Worker processes run `guard_worker` first (this
    module is their preload): they ignore SIGINT and die with this process. SIGINT and SIGTERM are held
    back while the cluster starts (`deferred_signals`); one that arrived closes the cluster and raises
    KeyboardInterrupt.
    """
    from distributed import LocalCluster

    with deferred_signals() as held:
        cluster = LocalCluster(
            n_workers=workers or available_cores(),
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": HTTP_ADDRESS},
            silence_logs=CLUSTER_LOG_LEVEL,
            **({"preload": [__name__]} if processes else {}),
        )
    if held:
        cluster.close(timeout=CLOSE_TIMEOUT_S)
        raise KeyboardInterrupt
    return cluster


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
    with terminate_as_interrupt():
        cluster = local_cluster(workers)
        try:
            client = Client(cluster)
            try:
                yield client
            finally:
                client.close(timeout=CLOSE_TIMEOUT_S)
        finally:
            cluster.close(timeout=CLOSE_TIMEOUT_S)


def apply_runner(runner: Callable[..., Any], task: tuple) -> Any:
    """runner(*task): with functools.partial(apply_runner, runner), a picklable task function for a
    module-level runner such as sim.run.runner.run_replicate."""
    return runner(*task)
