"""The one place that derives random streams (numpy `SeedSequence` children) from a seed.

Every stream of the project is named here, so that which draws a run makes, and that two runs with
the same seed make the same ones, can be read off one file:

- a run with seed s: replicate r uses child r of `SeedSequence(s)` (`replicate_seed`); the same seeds
  serve every arm of a claim, every plan of `wom optimize` and every coalition of an attribution
  (common random numbers);
- inside one replicate (`model_streams`): child 0 builds the network, child 1 draws people's
  expectations and cities, its child 0 places employees and seed users, child 2 drives every step;
- a sweep point p, replicate r: `SeedSequence(s, spawn_key=(p, r))` (`sweep_seed`), the same stream as
  `SeedSequence(s).spawn(n_points)[p].spawn(replicates)[r]`, whatever the design's size;
- ABC calibration: the i-th simulation's replicates spawn from `SeedSequence(s, spawn_key=(i,))`
  (`simulation_seeds`); the sampler's own draws from the first spawned child of `SeedSequence(s)`
  (`sampler_rng`).

Children are built from their spawn keys directly (`child_seed`), so deriving one never advances a
parent's spawn counter and the order in which streams are asked for does not matter.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


def child_seed(seq: np.random.SeedSequence, i: int) -> np.random.SeedSequence:
    """The i-th child of a seed sequence, without advancing the parent's spawn counter."""
    return np.random.SeedSequence(entropy=seq.entropy, spawn_key=(*seq.spawn_key, i), pool_size=seq.pool_size)


def replicate_seed(seed: int, replicate: int) -> np.random.SeedSequence:
    """Stream of replicate r of a run with master seed `seed`: child r of `SeedSequence(seed)`."""
    return child_seed(np.random.SeedSequence(seed), replicate)


def replicate_seeds(seed: int, replicates: int) -> list[np.random.SeedSequence]:
    """Independent streams of the replicates 0 .. replicates-1 of a run (`replicate_seed`)."""
    return [replicate_seed(seed, r) for r in range(replicates)]


def sweep_seed(seed: int, point: int, replicate: int) -> np.random.SeedSequence:
    """Stream of a sweep's run: SeedSequence(seed).spawn(n_points)[point].spawn(replicates)[replicate],
    built from its spawn key, so it depends neither on the design's size nor on the order of runs."""
    return np.random.SeedSequence(seed, spawn_key=(point, replicate))


def simulation_seeds(seed: int, simulation: int, replicates: int) -> list[np.random.SeedSequence]:
    """Streams of the replicates of ABC's `simulation`-th simulation (counted over the whole calibration)."""
    return np.random.SeedSequence(seed, spawn_key=(simulation,)).spawn(replicates)


def sampler_rng(seed: int) -> np.random.Generator:
    """The generator of a search's own draws (ABC's proposals), apart from every simulation's streams."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])


class ModelStreams(NamedTuple):
    """The streams of one replicate (see the module): network, people, placement, dynamics."""

    network: np.random.SeedSequence
    people: np.random.SeedSequence
    placement: np.random.SeedSequence
    dynamics: np.random.SeedSequence


def model_streams(seed: int | np.random.SeedSequence) -> ModelStreams:
    """The streams of one replicate; an integer seed means replicate 0 of a run with that seed."""
    seq = seed if isinstance(seed, np.random.SeedSequence) else replicate_seed(seed, 0)
    network, people, dynamics = (child_seed(seq, i) for i in range(3))
    return ModelStreams(network, people, child_seed(people, 0), dynamics)
