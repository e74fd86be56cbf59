"""Ctrl-C of `wom value` while its worker processes run (the pattern of tests/run/test_signals.py): exit 130,
no traceback, no worker left, no output folder and no partial one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.run.test_signals import interrupt_and_check, start, wait_for, workers_running

#: Starts the command and its worker processes and signals them (several seconds): long-running.
pytestmark = pytest.mark.slow
pytest.importorskip("psutil")

ROOT = Path(__file__).resolve().parents[2]
#: Paired runs long enough to be interrupted mid-way (each run takes seconds; the test stops it long before).
VALUE = [
    "value",
    str(ROOT / "scenarios" / "default.toml"),
    "--baseline-set",
    "seed_users.count=0",
    "--set",
    "population.size=20000",
    "--set",
    "run.days=365",
    "--set",
    "money.price=10",
    "--set",
    "money.margin=3",
    "--replicates",
    "4",
    "--workers",
    "2",
    "--quiet",
]


def test_ctrl_c_of_value_mid_run_stops_its_workers(tmp_path):
    out = tmp_path / "out"
    proc, parent = start([*VALUE, "--out", str(out)])
    workers = wait_for(lambda: workers_running(parent), "two workers")
    wait_for(lambda: any(w.cpu_times().user > 0.5 for w in workers), "a worker to be simulating")
    interrupt_and_check(proc, parent, out)
