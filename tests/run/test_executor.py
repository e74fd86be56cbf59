"""The one executor of many runs (sim.run.executor): same results however they run, clear errors."""

from __future__ import annotations

import os
import signal
import time

import pytest

from sim.config.errors import InputError
from sim.run import executor as executor_module
from sim.run.executor import SerialExecutor, check_scheduler, check_workers, deferred_signals, open_executor, run_tasks


def square(x: int) -> int:
    return x * x


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


def test_results_come_back_in_task_order_for_every_executor():
    for workers in (1, 2):
        seen = []
        with open_executor(workers, tasks=6) as executor:
            assert isinstance(executor, SerialExecutor) == (workers == 1)
            assert run_tasks(executor, square, range(6), lambda t, r, seen=seen: seen.append(t)) == [0, 1, 4, 9, 16, 25]
        assert sorted(seen) == list(range(6))


def test_a_task_error_propagates():
    for workers in (1, 2):
        with pytest.raises(ValueError, match="three"), open_executor(workers, tasks=5) as executor:
            run_tasks(executor, fail_on_three, range(5))


def test_an_interrupted_pool_stops_at_once():
    """Ctrl-C (or any error) while workers run long tasks: the pool is stopped, not waited for."""
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt), open_executor(2, tasks=2) as executor:
        executor.submit(time.sleep, 30)
        executor.submit(time.sleep, 30)
        raise KeyboardInterrupt
    assert time.perf_counter() - started < 20


@pytest.mark.parametrize("workers", [0, -1, 10**9])
def test_workers_out_of_bounds_are_refused(workers):
    with pytest.raises(InputError, match="--workers"):
        check_workers(workers)


@pytest.mark.parametrize("address", ["notaurl", "tcp://host", "http://h:1", "tcp://:8786", "tcp://h:port"])
def test_malformed_scheduler_addresses_are_refused(address):
    with pytest.raises(InputError, match="--scheduler"):
        check_scheduler(address)


@pytest.mark.parametrize("address", ["tcp://10.0.0.5:8786", "tls://h.example:8786", "inproc://10.0.0.1/123/1"])
def test_scheduler_addresses_are_accepted(address):
    assert check_scheduler(address) == address


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_held_back_is_recorded_not_lost(sig):
    before = signal.getsignal(sig)
    with deferred_signals() as held:
        os.kill(os.getpid(), sig)  # pending in this thread, or recorded at once by another thread's delivery
    assert held == [sig]
    assert signal.getsignal(sig) == before


def test_a_signal_while_the_pool_starts_stops_it_and_raises_keyboard_interrupt(monkeypatch):
    """The signal arrives while the workers start; the pool is stopped and KeyboardInterrupt raised."""
    real = executor_module.cf.ProcessPoolExecutor

    def pool_then_signal(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)
        return real(*args, **kwargs)

    monkeypatch.setattr(executor_module.cf, "ProcessPoolExecutor", pool_then_signal)
    with pytest.raises(KeyboardInterrupt), open_executor(2, tasks=2):
        pytest.fail("the block ran after Ctrl-C")
