"""The one place that derives random streams (numpy `SeedSequence` children) from a seed.

Every stream of the project is named here, so that which draws a run makes, and that two runs with
the same seed make the same ones, can be read off one file:

- a run with seed s: replicate r uses child r of `SeedSequence(s)` (`replicate_seed`); the same seeds
  serve every arm of a claim, every plan of `wom optimize` and every coalition of an attribution
  (common random numbers);
- inside one replicate (`model_streams`): child 0 builds the graphs (built once, they keep a stream of
  their own), child 2 seeds Mesa's own generator (`Model.rng`), which the model never draws from; every
  other number of the build and of every step is a keyed draw (below); children 1 and 3 held the build's
  draws before keyed draws and are left unused, so that the graphs keep their numbers;
- a sweep point p, replicate r: `SeedSequence(s, spawn_key=(p, r))` (`sweep_seed`), the same stream as
  `SeedSequence(s).spawn(n_points)[p].spawn(replicates)[r]`, whatever the design's size;
- ABC calibration: the i-th simulation's replicates spawn from `SeedSequence(s, spawn_key=(i,))`
  (`simulation_seeds`); the sampler's own draws from the first spawned child of `SeedSequence(s)`
  (`sampler_rng`).

Children are built from their spawn keys directly (`child_seed`), so deriving one never advances a
parent's spawn counter and the order in which streams are asked for does not matter.

Keyed draws (`Draws`, issue 25): a counter-based generator, Philox4x32-10 (`sim.model.philox`),
whose every number is a pure function of (seed, replicate, purpose, step, person, slot), computed for
whole arrays of people at once. The key comes from the replicate's stream above (`draws_key`), the
purposes from one registry (`Purpose`).

A model draws every random number of its build and its steps through its step draws (`StepDraws`:
`Draws` at the model's step, the build at step 0); only the graphs keep the network stream of their own.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import NamedTuple

import numpy as np
from scipy.special import ndtri

from sim.model.philox import (
    PHILOX_ROUNDS,
    UNIFORM_SCALE,
    UNIFORM_SHIFT,
    WORD_BITS,
    WORD_MASK,
    philox_one_rounds,
    round_key,
    uniform_kernel,
    uniforms_by_arrays,
)


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
    """The numpy streams of one replicate (see the module): the graphs', and Mesa's own (never drawn from)."""

    network: np.random.SeedSequence
    dynamics: np.random.SeedSequence


def replicate_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    """A replicate's stream; an integer seed means replicate 0 of a run with that seed."""
    return seed if isinstance(seed, np.random.SeedSequence) else replicate_seed(seed, 0)


#: The children of a replicate's stream that build the graphs and seed Mesa's generator.
NETWORK_CHILD, MESA_CHILD = 0, 2


def model_streams(seed: int | np.random.SeedSequence) -> ModelStreams:
    """The numpy streams of one replicate; an integer seed means replicate 0 of a run with that seed."""
    seq = replicate_sequence(seed)
    return ModelStreams(child_seed(seq, NETWORK_CHILD), child_seed(seq, MESA_CHILD))


# ---------------------------------------------------------------------------------------------------
# Keyed draws: a counter-based generator (Philox4x32-10), every number a pure function of what it decides.
# ---------------------------------------------------------------------------------------------------

#: Counter word 3 holds the purpose in its high half and the slot in its low half.
SLOT_BITS = 16
MAX_SLOT = (1 << SLOT_BITS) - 1
#: How many slots there are (a slot derived from a larger number is taken modulo this).
SLOTS = MAX_SLOT + 1
MAX_PURPOSE = (1 << (WORD_BITS - SLOT_BITS)) - 1
#: Largest step and largest person id the counter holds (one word; two words, as a non-negative int64).
MAX_STEP = WORD_MASK
MAX_PERSON = (1 << 63) - 1


class Purpose(IntEnum):
    """What a draw decides: the one registry of purposes, each a name and a fixed number.

    The number is part of every draw's counter, so a purpose keeps its number forever: a new one is
    appended with the next free number, a retired one leaves a gap. Numbers are 1 .. MAX_PURPOSE.
    """

    EXPECTATION = 1  # a person's expectation of the product (build)
    CITY = 2  # a person's city (build)
    PLACEMENT = 3  # order in which employees and seed users are placed (build)
    OFFICIAL_FOLLOW = 4  # whether a person follows the official account at the start (build)
    THRESHOLD = 5  # a person's adoption threshold (threshold rule)
    POST = 6  # whether a talker posts on a channel this step (slot: the channel)
    READ = 7  # whether a reader reads a post (per tie: the id is the tie)
    OFFICIAL_READ = 8  # whether a person in the official audience reads, and is persuaded by, its post
    INTERACT = 9  # whether an official-post reader interacts with it
    FIELD = 10  # whether advertising or well-mixed talk reaches a person (slot 0), and which of the two (slot 1)
    FIELD_NEGATIVE = 11  # whether well-mixed negative talk reaches a person
    PICK_CONTACT = 12  # which contact is credited for a person's awareness (slot 0) or purchase (slot 1)
    CONVERT = 13  # whether a contact moves a person on in the funnel
    REJECT = 14  # whether a contact makes a person reject the product
    EXPERIENCE = 15  # the noise of an adopter's experience
    PARTICIPATE = 16  # whether a person takes part in a playbook mechanism (slot: the source)
    OFFICIAL_POSTS = 17  # how many posts an official account makes on a channel (id: the account; slot: channel)
    OFFICIAL_KIND = 18  # the content kind of each official post (id: the post's number; slot: the channel)
    SUPER_USERS = 19  # which seed users become super users (build)
    MEETUP_SIZE = 20  # how many people a meetup invites (id: the city)
    MEETUP_GUESTS = 21  # who is invited to a meetup (slot: the city, modulo the slot range)
    SERVICE_ORDER = 22  # the order in which the forum team answers posters
    FOLLOW = 23  # whether a new adopter follows the official Weibo account
    UNFOLLOW = 24  # whether an official-account follower stops following (information overload)
    SHARE = 25  # whether a participant or adopter shares an achievement or an event
    REFERRAL_CODES = 26  # how many purchase codes are handed out (id: 0)
    REFERRAL_HOLDERS = 27  # who among the people waiting gets a code
    WANT = 28  # whether a person comes to want a later product (slot: its generation number)
    UPGRADE = 29  # whether an owner behind the newest generation upgrades (constant-hazard substitution)
    COMPLAIN = 30  # whether a detractor complains (files a bug report) this step
    COMPLAINT_ORDER = 31  # the order in which the service team answers complaints
    WIN_BACK = 32  # whether an answered complaint wins its detractor back
    WON_BACK_ADVOCATE = 33  # whether a detractor won back becomes an advocate (else a quiet adopter)
    COMMUNITY_PART = 35  # which part of a split community a member belongs to (community.split_size)
    ELIGIBILITY = 40  # a person's eligibility rank in a market that grows (build; market.kind other than 'fixed')
    MARKET_ENTRY = 41  # whether a person entering a market that grows buys at once (market.entrants = 'at_penetration')
    WEIBO_REPLY_ORDER = 45  # the order in which the brand answers this step's Weibo posters
    WEIBO_REPLY_SHARE = 46  # whether an answered Weibo poster shares the reply next step
    TRIAL = 47  # whether an aware person tries the product this step (their number also orders paid trials)
    TRIAL_BUY = 48  # whether a person who tried the product buys it now
    TRIAL_TURN_AWAY = 49  # whether a tryer who lived the product below expectation and did not buy turns away
    STAFF_POSTS = 50  # how many posts the staff accounts make in other forums this step (id: 0)
    STAFF_CAUGHT = 51  # whether a staff post is found out (id: the post's number in the step)
    STAFF_READERS = 52  # who reads a staff post (id: the read's number in the step)
    STAFF_BACKLASH = 53  # whether a reader of a found-out staff post turns away for good
    STAFF_PERSUADED = 54  # whether a reader of a staff post that was not found out is persuaded by it
    STAFF_BUY = 55  # whether a reader persuaded by a staff post buys now
    STAFF_REJECT = 56  # whether a reader persuaded by a staff post who does not buy turns away
    SEGMENT = 57  # whether a person is an enthusiast (segments; build)
    BAD_BUILD = 58  # whether a super user's step of testing meets a bad pre-release (fan_building.super_user_risk)
    REFERRAL_GIVER = 59  # who handed out each purchase code used (id: the code's number in the step; referral rewards)
    BRAND_TASTE = 60  # a person's standard-normal taste, their expectation of every brand (build; [brands])
    #: Which brand's ads or talk reach a person first (slot 0: `brand_contacts.independent_hits`; each brand had its
    #: own slot b before 8 Dec 2026, so one brand's numbers are unchanged), whether brand b's were its ads (slot 8 + b).
    BRAND_FIELD = 61
    BRAND_FIELD_NEGATIVE = 62  # which brand's negative talk reaches a person first (slot 0; slot b before 8 Dec 2026)
    BRAND_SEEDS = 63  # which open people become brand b's seed users when it enters (slot b)
    BRAND_CHOICE = 64  # which brand a person persuaded by several chooses
    BRAND_CONVERT = 65  # whether a person buys the brand they chose (slot 0), or else turns from it (slot 1)
    SUPPLY = 66  # the order of a step's new buyers of a scarce brand (slot 0), whether one waiting gives up (slot 1)
    BRAND_EXPERIENCE = 67  # the noise of a brand's adopter's experience
    SWITCH = 68  # whether an owner reconsiders their brand this step ([switching])
    SWITCH_CHOICE = 69  # which brand a reconsidering owner chooses (slot 0), whether they leave the category (slot 1)
    BRAND_FIELD_ALSO = 70  # whether brand b's ads or talk also reach a person an earlier brand's reached (slot b)
    BRAND_FIELD_NEGATIVE_ALSO = 71  # whether negative talk about brand b also reaches one an earlier brand's reached
    FEATURE_VALUE = 90  # what each candidate feature of a release is worth (id: the candidate; slot: the brand)
    FEATURE_VOTE = 91  # which candidate feature each vote of a release goes to (id: the vote's number; slot: the brand)
    COMMUNITY_FRIEND = 92  # whether a member taking part makes a new friend (slot 0), and whom (slot 1)


#: Slots of a person's two field draws in a step (`Purpose.FIELD`): whether a field reaches them, and which.
FIELD_HIT, FIELD_SOURCE = 0, 1
#: Slots of the two credited contacts (`Purpose.PICK_CONTACT`): awareness, and the purchase.
CREDIT_AWARE, CREDIT_BUY = 0, 1
#: Official-account draws are told apart by channel code plus this times the account's number.
ACCOUNT_SLOTS = 64


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
        self._set_key(draws_key(seed, replicate))

    @classmethod
    def from_sequence(cls, seq: np.random.SeedSequence) -> Draws:
        """Draws keyed by any seed sequence's first two state words (`draws_key` is this for a replicate's)."""
        draws = cls.__new__(cls)
        k0, k1 = seq.generate_state(2, dtype=np.uint32)
        draws._set_key((int(k0), int(k1)))
        return draws

    def _set_key(self, key: tuple[int, int]) -> None:
        self.key = key
        self._round_keys = [round_key(self.key, r) for r in range(PHILOX_ROUNDS)]
        self._k0, self._k1 = (np.array(words, dtype=np.uint64) for words in zip(*self._round_keys))

    def uniform(self, purpose: Purpose, step: int, people, slot: int = 0) -> np.ndarray:
        """One float64 in [0, 1) per person id in `people` (any shape, ids in 0 .. MAX_PERSON).

        53 random bits per number: the top 53 bits of output words 0 and 1 as one 64-bit number
        (numpy's rule for a double from 64 random bits). Computed by a compiled loop (`philox.uniform_kernel`,
        numba), 2.7-5.2 ns a number on this machine (benchmarks/draws.py; numpy's `Generator.random`: about 2),
        six to ten times faster than the same rounds as numpy array operations (`uniform_arrays`, which gives the same
        numbers and shows the arithmetic any array library, such as CuPy on a GPU, would do).
        """
        word2, word3 = _counter_tail(purpose, step, slot)
        ids = np.asarray(people, dtype=np.int64)
        out = np.empty(ids.shape, dtype=np.float64)
        flat_ids = np.ascontiguousarray(ids.reshape(-1))
        if flat_ids.size and int(flat_ids.min()) < 0:
            raise ValueError("person ids must be non-negative")
        uniform_kernel()(flat_ids, out.reshape(-1), self._k0, self._k1, word2, word3)
        return out

    def uniform_arrays(self, purpose: Purpose, step: int, people, slot: int = 0) -> np.ndarray:
        """The numbers of `uniform`, computed with numpy array operations only (`philox.uniforms_by_arrays`): the
        reference of the array arithmetic any array library would do."""
        word2, word3 = _counter_tail(purpose, step, slot)
        ids = np.asarray(people, dtype=np.int64)
        out = np.empty(ids.shape, dtype=np.float64)
        flat_ids = ids.reshape(-1)
        if flat_ids.size and int(flat_ids.min()) < 0:
            raise ValueError("person ids must be non-negative")
        uniforms_by_arrays(flat_ids, out.reshape(-1), self.key, word2, word3)
        return out

    def uniform_one(self, purpose: Purpose, step: int, person: int, slot: int = 0) -> float:
        """The same number as `uniform` for one person, in Python integers (the per-agent backend's entry)."""
        word2, word3 = _counter_tail(purpose, step, slot)
        if not 0 <= person <= MAX_PERSON:
            raise ValueError(f"person id must be in 0..{MAX_PERSON}, got {person}")
        w0, w1, _, _ = philox_one_rounds(person & WORD_MASK, person >> WORD_BITS, word2, word3, self._round_keys)
        return ((w0 << WORD_BITS | w1) >> UNIFORM_SHIFT) * UNIFORM_SCALE


# ---------------------------------------------------------------------------------------------------
# A step's draws: one interface for every random number of the model and the playbook.
#
# Each draw site names what it decides (a `Purpose`), for whom (ids) and, where one person draws several
# numbers for one purpose in a step, which (a slot); each number is a pure function of (seed, replicate,
# purpose, step, id, slot) (`Draws`), so results do not depend on processing order, chunking, or who is
# skipped. (Until issue 25 the model drew from one sequential stream in call order; the change was made
# once, after a pre-registered equivalence check: experiments/draws/equivalence/.)
# ---------------------------------------------------------------------------------------------------

#: Half of the spacing of keyed uniforms (2^-53): added to a uniform, it keeps the inverse normal CDF finite.
HALF_ULP = 2.0**-54


class StepDraws:
    """A replicate's draws at the model's step (`Draws`): the same (purpose, step, id, slot) always gives the
    same number, whatever else is drawn, in whatever order, by whichever backend."""

    def __init__(self, seq: np.random.SeedSequence) -> None:
        """Draws keyed by a replicate's stream (as `Draws(seed, replicate)`)."""
        self.draws = Draws.from_sequence(seq)
        #: The step the numbers are for (set by the model at the start of each step; 0 while building).
        self.step = 0

    def uniform(self, purpose: Purpose, ids, slot: int = 0) -> np.ndarray:
        """One uniform per id."""
        return self.draws.uniform(purpose, self.step, ids, slot)

    def uniform_one(self, purpose: Purpose, person: int, slot: int = 0) -> float:
        """The same number as `uniform` gives this id."""
        return self.draws.uniform_one(purpose, self.step, int(person), slot)

    def normal(self, purpose: Purpose, ids, sd: float) -> np.ndarray:
        """The inverse normal CDF of each id's uniform (shifted off 0), times `sd`."""
        return sd * ndtri(self.draws.uniform(purpose, self.step, ids) + HALF_ULP)

    def normal_one(self, purpose: Purpose, person: int, sd: float) -> float:
        """The same number as `normal` gives this id."""
        return sd * float(ndtri(self.uniform_one(purpose, person) + HALF_ULP))

    def index_one(self, purpose: Purpose, person: int, high: int, slot: int = 0) -> int:
        """floor(u * high) of this id's uniform."""
        return min(int(self.uniform_one(purpose, person, slot) * high), high - 1)

    def integers(self, purpose: Purpose, ids, high: int) -> np.ndarray:
        """floor(u * high) of each id's uniform."""
        return np.minimum((self.draws.uniform(purpose, self.step, ids) * high).astype(np.int64), high - 1)

    def integer(self, purpose: Purpose, low: int, high: int, slot: int = 0) -> int:
        """low + floor(u * (high - low)) of id 0's uniform."""
        return low + self.index_one(purpose, 0, high - low, slot)

    def count(self, purpose: Purpose, mean: float, slot: int = 0) -> int:
        """The Poisson quantile of id 0's uniform (inversion, `poisson_quantile`)."""
        return poisson_quantile(self.uniform_one(purpose, 0, slot), mean)

    def split(self, purpose: Purpose, total: int, shares, slot: int = 0) -> np.ndarray:
        """Each item (id: its number) takes a kind by inversion of its uniform on the cumulative shares."""
        shares = np.asarray(shares, dtype=float)
        cum = np.cumsum(shares) / shares.sum()
        kinds = np.searchsorted(cum, self.draws.uniform(purpose, self.step, np.arange(total), slot), side="right")
        return np.bincount(np.minimum(kinds, len(shares) - 1), minlength=len(shares))

    def choose(self, purpose: Purpose, ids: np.ndarray, k: int, slot: int = 0) -> np.ndarray:
        """The `k` ids with the smallest uniforms, smallest first."""
        ids = np.asarray(ids)
        return ids[self.order(purpose, ids, slot)[:k]]

    def order(self, purpose: Purpose, ids: np.ndarray, slot: int = 0) -> np.ndarray:
        """Positions of `ids` sorted by their uniforms (stable: equal numbers keep the ids' order)."""
        return np.argsort(self.draws.uniform(purpose, self.step, ids, slot), kind="stable")

    def each_person(self, purpose: Purpose, n: int, p: float, open_people) -> np.ndarray:
        """The people whose state can still change (`open_people()`) whose uniform is below p: people who
        cannot change are skipped, which moves nobody's numbers."""
        people = np.asarray(open_people(), dtype=np.int64)
        return np.compress(self.draws.uniform(purpose, self.step, people) < p, people)


#: Above this mean a Poisson quantile is found by scipy (a search from 0 would take many steps).
POISSON_SEARCH_MAX_MEAN = 30.0


def poisson_quantile(u: float, mean: float) -> int:
    """The smallest k with P(X <= k) > u for X ~ Poisson(mean): inversion of one uniform, by a search from 0
    for small means (a few steps, no scipy call), by scipy's `poisson.ppf` above POISSON_SEARCH_MAX_MEAN."""
    if mean <= 0:
        return 0
    if mean > POISSON_SEARCH_MAX_MEAN:
        from scipy.stats import poisson  # imported on first use: slow to import, rarely needed

        return int(poisson.ppf(u, mean))
    k, term = 0, math.exp(-mean)
    cdf = term
    while cdf <= u and term > 0:
        k += 1
        term *= mean / k
        cdf += term
    return k
