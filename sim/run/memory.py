"""Freed memory is reused by the next step instead of being unmapped and faulted in again (glibc).

A step of a large population allocates temporaries of tens of MB: a float64 or int64 array over the
talk pool is 38 MB at 10^7 people. glibc serves every block above its mmap threshold (which it never
raises above 32 MB) with a fresh mapping and unmaps it when it is freed, so every step mapped these
arrays, faulted them in page by page (the kernel zeroes each page) and unmapped them again: at 10^7
people that was about a seventh of the run's CPU time, spent in the kernel (issue 16).

`reuse_freed_memory()` tells this process's allocator to take every block from its heap
(``M_MMAP_MAX = 0``) and not to hand free memory at the heap's top back to the system while a run is
going (``M_TRIM_THRESHOLD``), so a freed temporary's pages serve the next one without a fault. Each
run ends with `give_back_memory()` (``malloc_trim(0)``), which returns the free pages to the system,
so a long-lived worker does not keep the high-water mark of its largest run.

What it costs: free memory in the middle of the heap is not returned during a run (the peak resident
memory of a run is unchanged: it was reached with the memory in use). Nothing changes in any result:
the allocator only decides where arrays live. On other C libraries (macOS, musl) both functions do
nothing. The run layer calls them around every replicate (`sim.run.runner.run_replicate`); a notebook
that drives `WomModel` itself at millions of people can call `reuse_freed_memory()` once.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
from functools import cache

#: mallopt parameter numbers (glibc's malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
#: Free bytes kept at the heap's top during a run: the largest value mallopt takes (an int), so in
#: practice nothing is trimmed until `give_back_memory`.
KEEP_FREE_BYTES = 2**31 - 1


@cache
def _libc() -> ctypes.CDLL | None:
    """glibc, or None on other C libraries (where the defaults stay)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


@cache
def reuse_freed_memory() -> bool:
    """Serve all blocks from the heap and keep freed ones for reuse (once per process); True if applied."""
    libc = _libc()
    if libc is None:
        return False
    return bool(libc.mallopt(M_MMAP_MAX, 0)) and bool(libc.mallopt(M_TRIM_THRESHOLD, KEEP_FREE_BYTES))


def give_back_memory() -> None:
    """Return the heap's free pages to the system (after a run; a no-op where not applied)."""
    libc = _libc()
    if libc is not None and reuse_freed_memory.cache_info().currsize:
        libc.malloc_trim(0)
