"""Quick timing of the generators: python -m sim.networks [n]."""

import resource
import sys
import time

import numpy as np

from sim.networks.boards import boards
from sim.networks.chat_groups import chat_groups
from sim.networks.erdos_renyi import erdos_renyi
from sim.networks.followers import followers
from sim.networks.small_world import small_world

size = int(sys.argv[1]) if len(sys.argv) > 1 else 10**6
gen = np.random.default_rng(0)
for name, build in [
    ("erdos_renyi k=10", lambda: erdos_renyi(size, 10, gen)),
    ("small_world k=8 rewire=0.1", lambda: small_world(size, 8, 0.1, gen)),
    ("small_world k=8 rewire=1", lambda: small_world(size, 8, 1.0, gen)),
    ("followers mean=20 exp=2", lambda: followers(size, 20, 2.0, gen)),
    ("boards 30% size=500", lambda: boards(size, 0.3, 500, gen)),
    ("chat_groups 30x3", lambda: chat_groups(size, 30, 3, gen)),
]:
    t0 = time.perf_counter()
    result = build()
    elapsed = time.perf_counter() - t0
    arrays = [v for v in vars(result).values() if isinstance(v, np.ndarray)]
    mb = sum(a.nbytes for a in arrays) / 1e6
    print(f"{name:28s} {elapsed:6.2f} s  {mb:7.1f} MB arrays  {result!r}")
print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")
