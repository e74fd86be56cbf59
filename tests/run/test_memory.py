"""Freed memory is reused instead of being mapped and faulted in again (sim.run.memory, issue 16).

Each check runs in a fresh interpreter, because the allocator setting is for the whole process and
cannot be undone. Page faults are counted by the kernel (`ru_minflt`), not timed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sim.run import memory

glibc_only = pytest.mark.skipif(memory._libc() is None, reason="the setting exists on glibc only")

#: A temporary like a pool-sized float64 array at 10^7 people: above glibc's largest mmap threshold (32 MB).
CHURN = """
import json, resource, sys
import numpy as np
from sim.run import memory
applied = memory.reuse_freed_memory() if sys.argv[1] == "reuse" else False
a = np.ones(8_000_000)  # 64 MB, the first time: faulted in either way
del a
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):  # ten "steps", each allocating, filling and freeing the temporary
    a = np.ones(8_000_000)
    del a
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
rss_kept = int(open("/proc/self/statm").read().split()[1])
memory.give_back_memory()
rss_after = int(open("/proc/self/statm").read().split()[1])
print(json.dumps({"applied": applied, "faults": faults, "rss_kept": rss_kept, "rss_after": rss_after}))
"""


def churn(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHURN, mode], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@glibc_only
def test_reused_temporaries_are_not_faulted_in_again():
    """Ten 64 MB temporaries: without the setting each is mapped afresh and faulted in again (at least once
    per 2 MB huge page, 32 per temporary); with it they reuse the first one's pages. Threshold: at most a
    tenth of the default's faults (measured here: 0 against 2,960)."""
    default, reused = churn("default"), churn("reuse")
    assert reused["applied"] and not default["applied"]
    assert default["faults"] >= 10 * 32  # the default maps each temporary afresh
    assert reused["faults"] * 10 <= default["faults"]


@glibc_only
def test_free_pages_go_back_after_a_run():
    """`give_back_memory` returns the kept pages: resident memory falls by most of the 64 MB temporary."""
    reused = churn("reuse")
    page = 4096
    assert (reused["rss_kept"] - reused["rss_after"]) * page >= 32e6


def test_other_c_libraries_keep_their_defaults(monkeypatch):
    """Where the C library is not glibc nothing is changed and nothing fails."""
    monkeypatch.setattr(memory, "_libc", lambda: None)
    memory.reuse_freed_memory.cache_clear()
    try:
        assert memory.reuse_freed_memory() is False
        memory.give_back_memory()
    finally:
        memory.reuse_freed_memory.cache_clear()
