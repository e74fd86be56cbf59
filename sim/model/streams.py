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

from enum import IntEnum
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


# ---------------------------------------------------------------------------------------------------
# Keyed draws: a counter-based generator (Philox4x32-10), every number a pure function of what it decides.
#
# Not used by the model yet (issue 25, part 1): the model still draws from the numpy streams above.
# ---------------------------------------------------------------------------------------------------

#: Philox4x32 round multipliers and Weyl key increments (Salmon et al. 2011, Random123 `philox.h`).
PHILOX_M0, PHILOX_M1 = 0xD2511F53, 0xCD9E8D57
PHILOX_W0, PHILOX_W1 = 0x9E3779B9, 0xBB67AE85
#: Rounds of Philox4x32-10, the variant Random123 recommends (7 already pass BigCrush; 10 is the safety margin).
PHILOX_ROUNDS = 10
#: One 32-bit word, and its mask.
WORD_BITS = 32
WORD_MASK = 0xFFFFFFFF
#: A uniform double takes 27 high bits of the first word and 26 of the second: 53 bits, numpy's own rule.
HIGH_BITS, LOW_BITS = 27, 26
UNIFORM_SCALE = 2.0**-53
#: Counter word 3 holds the purpose in its high half and the slot in its low half.
SLOT_BITS = 16
MAX_SLOT = (1 << SLOT_BITS) - 1
MAX_PURPOSE = (1 << (WORD_BITS - SLOT_BITS)) - 1
#: Largest step and largest person id the counter holds (one word; two words).
MAX_STEP = WORD_MASK
MAX_PERSON = (1 << 63) - 1
#: People per block of the array path: its ten rounds stay in the CPU's cache (measured in benchmarks/draws.py).
BLOCK = 1 << 14


class Purpose(IntEnum):
    """What a draw decides: the one registry of purposes, each a name and a fixed number.

    The number is part of every draw's counter, so a purpose keeps its number forever: a new one is
    appended with the next free number, a retired one leaves a gap. Numbers are below 2^16.
    """

    EXPECTATION = 1  # a person's expectation of the product (build)
    CITY = 2  # a person's city (build)
    PLACEMENT = 3  # order in which employees and seed users are placed (build)
    OFFICIAL_FOLLOW = 4  # whether a person follows the official account at the start (build)
    THRESHOLD = 5  # a person's adoption threshold (threshold rule)
    POST = 6  # whether a talker posts on a channel this step
    READ = 7  # whether a reader reads a post (per tie: the id is the tie)
    OFFICIAL_READ = 8  # whether a person in the official audience reads, and is persuaded by, its post
    INTERACT = 9  # whether an official-post reader interacts with it
    FIELD = 10  # whether advertising or well-mixed talk reaches a person, and which of the two
    FIELD_NEGATIVE = 11  # whether well-mixed negative talk reaches a person
    PICK_CONTACT = 12  # which of a person's contacts this step decides their funnel
    CONVERT = 13  # whether a contact moves a person on in the funnel
    REJECT = 14  # whether a contact makes a person reject the product
    EXPERIENCE = 15  # the noise of an adopter's experience
    PARTICIPATE = 16  # whether a person takes part in a playbook mechanism (slot: the source)


def _rounds(x: tuple[np.ndarray, ...], p: tuple[np.ndarray, np.ndarray], key: tuple[int, int], rounds: int) -> None:
    """Philox4x32 rounds in place on four uint64 lanes holding 32-bit words (`p`: two product buffers).

    Each round multiplies words 0 and 2 by the two constants as 64-bit products, whose high and low
    halves are mulhi and mullo; the key is bumped by the Weyl increments between rounds. Only
    integer multiplies, shifts, ands and xors: the same arithmetic gives the same words in any array
    library (CuPy on a GPU).
    """
    x0, x1, x2, x3 = x
    p0, p1 = p
    m0, m1, mask, shift = np.uint64(PHILOX_M0), np.uint64(PHILOX_M1), np.uint64(WORD_MASK), np.uint64(WORD_BITS)
    k0, k1 = key
    for r in range(rounds):
        if r:
            k0, k1 = (k0 + PHILOX_W0) & WORD_MASK, (k1 + PHILOX_W1) & WORD_MASK
        np.multiply(x0, m0, out=p0)
        np.multiply(x2, m1, out=p1)
        # x0' = hi(p1) ^ x1 ^ k0, x1' = lo(p1), x2' = hi(p0) ^ x3 ^ k1, x3' = lo(p0)
        np.bitwise_xor(x1, np.uint64(k0), out=x1)
        np.bitwise_xor(x3, np.uint64(k1), out=x3)
        np.right_shift(p1, shift, out=x0)
        np.bitwise_xor(x0, x1, out=x0)
        np.right_shift(p0, shift, out=x2)
        np.bitwise_xor(x2, x3, out=x2)
        np.bitwise_and(p1, mask, out=x1)
        np.bitwise_and(p0, mask, out=x3)


def philox4x32(counter: tuple, key: tuple[int, int], rounds: int = PHILOX_ROUNDS) -> list[np.ndarray]:
    """Philox4x32-`rounds` of whole arrays: four counter words (uint32 arrays of one length, or
    scalars, broadcast) and two key words in, four uint32 arrays of output words out."""
    n = max(np.size(c) for c in counter)
    x = tuple(np.empty(n, dtype=np.uint64) for _ in range(4))
    for lane, c in zip(x, counter):
        lane[...] = c
    _rounds(x, (np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.uint64)), key, rounds)
    return [lane.astype(np.uint32) for lane in x]


def philox4x32_one(
    counter: tuple[int, int, int, int], key: tuple[int, int], rounds: int = PHILOX_ROUNDS
) -> tuple[int, ...]:
    """Philox4x32-`rounds` of one counter in Python integers: the scalar twin of `philox4x32`."""
    x0, x1, x2, x3 = counter
    k0, k1 = key
    for r in range(rounds):
        if r:
            k0, k1 = (k0 + PHILOX_W0) & WORD_MASK, (k1 + PHILOX_W1) & WORD_MASK
        p0, p1 = PHILOX_M0 * x0, PHILOX_M1 * x2
        x0, x1, x2, x3 = (p1 >> WORD_BITS) ^ x1 ^ k0, p1 & WORD_MASK, (p0 >> WORD_BITS) ^ x3 ^ k1, p0 & WORD_MASK
    return x0, x1, x2, x3


def draws_key(seed: int, replicate: int) -> tuple[int, int]:
    """The 64-bit Philox key of replicate r of a run with seed s: the first two 32-bit words of the
    replicate's `SeedSequence` state (`replicate_seed(s, r).generate_state(2)`), so keys follow the
    same seed-to-replicate rule as every other stream, for seeds of any size."""
    k0, k1 = replicate_seed(seed, replicate).generate_state(2, dtype=np.uint32)
    return int(k0), int(k1)


def _counter_tail(purpose: Purpose, step: int, slot: int) -> tuple[int, int]:
    """Counter words 2 and 3 of a draw: the step, then the purpose (high half) and the slot (low half)."""
    purpose = Purpose(purpose)
    if not 0 <= step <= MAX_STEP:
        raise ValueError(f"step must be in 0..{MAX_STEP}, got {step}")
    if not 0 <= slot <= MAX_SLOT:
        raise ValueError(f"slot must be in 0..{MAX_SLOT}, got {slot}")
    return step, (int(purpose) << SLOT_BITS) | slot


class Draws:
    """Uniform draws keyed by what they decide: the number for (purpose, step, person, slot) of a
    replicate is a pure function of those and of (seed, replicate).

    The Philox key is `draws_key(seed, replicate)`; the 128-bit counter is, word by word, the person
    id's low 32 bits, its high 32 bits, the step, and the purpose (high 16 bits) with the slot (low
    16 bits). A slot tells apart several draws of one person for one purpose in one step. So the
    numbers do not depend on the order people are processed in, on how they are chunked, or on
    which people are skipped, and every backend (array, per-agent, another worker, a GPU) computing
    the same counter gets the same number. "Person" is whatever id the purpose draws for: a person,
    or a tie for per-tie purposes (`Purpose.READ`).
    """

    def __init__(self, seed: int, replicate: int) -> None:
        self.key = draws_key(seed, replicate)

    def uniform(self, purpose: Purpose, step: int, people, slot: int = 0) -> np.ndarray:
        """One float64 in [0, 1) per person id in `people` (any shape, ids in 0 .. 2^63 - 1).

        53 random bits per number: the high 27 bits of output word 0 and the high 26 of word 1,
        as numpy's `Generator.random` builds a double from two 32-bit words. Computed in blocks of
        `BLOCK` people, with no Python loop per person.
        """
        word2, word3 = _counter_tail(purpose, step, slot)
        ids = np.asarray(people, dtype=np.int64)
        out = np.empty(ids.shape, dtype=np.float64)
        flat_ids, flat_out = ids.reshape(-1), out.reshape(-1)
        if flat_ids.size and int(flat_ids.min()) < 0:
            raise ValueError("person ids must be non-negative")
        size = min(BLOCK, flat_ids.size)
        x = tuple(np.empty(size, dtype=np.uint64) for _ in range(4))
        p = (np.empty(size, dtype=np.uint64), np.empty(size, dtype=np.uint64))
        for start in range(0, flat_ids.size, BLOCK):
            block = flat_ids[start : start + BLOCK].view(np.uint64)
            m = block.size
            x0, x1, x2, x3 = (lane[:m] for lane in x)
            np.bitwise_and(block, np.uint64(WORD_MASK), out=x0)
            np.right_shift(block, np.uint64(WORD_BITS), out=x1)
            x2.fill(word2)
            x3.fill(word3)
            _rounds((x0, x1, x2, x3), (p[0][:m], p[1][:m]), self.key, PHILOX_ROUNDS)
            np.right_shift(x0, np.uint64(WORD_BITS - HIGH_BITS), out=x0)
            np.left_shift(x0, np.uint64(LOW_BITS), out=x0)
            np.right_shift(x1, np.uint64(WORD_BITS - LOW_BITS), out=x1)
            np.bitwise_or(x0, x1, out=x0)
            np.multiply(x0, UNIFORM_SCALE, out=flat_out[start : start + m])
        return out

    def uniform_one(self, purpose: Purpose, step: int, person: int, slot: int = 0) -> float:
        """The same number as `uniform` for one person, in Python integers (the per-agent backend's entry)."""
        word2, word3 = _counter_tail(purpose, step, slot)
        if not 0 <= person <= MAX_PERSON:
            raise ValueError(f"person id must be in 0..{MAX_PERSON}, got {person}")
        w0, w1, _, _ = philox4x32_one((person & WORD_MASK, person >> WORD_BITS, word2, word3), self.key)
        return (((w0 >> (WORD_BITS - HIGH_BITS)) << LOW_BITS) | (w1 >> (WORD_BITS - LOW_BITS))) * UNIFORM_SCALE
