"""Philox4x32-10 (Salmon, Moraes, Dror and Shaw, SC'11; the Random123 library): the counter-based generator
under keyed draws (`sim.model.streams.Draws`, which builds the counters from what each draw decides).

Three forms of the same arithmetic, checked against each other and Random123's known answers
(tests/model/test_streams.py): `philox4x32_one` in Python integers (one counter: the per-agent backend),
`uniforms_by_arrays` as numpy array operations (the form any array library, such as CuPy on a GPU, would run),
and a compiled loop (`uniform_kernel`, numba) that the model uses, six to ten times faster than the array form.
"""

from __future__ import annotations

import functools

import numpy as np

#: Philox4x32 round multipliers and Weyl key increments (Salmon et al. 2011, Random123 `philox.h`).
PHILOX_M0, PHILOX_M1 = 0xD2511F53, 0xCD9E8D57
PHILOX_W0, PHILOX_W1 = 0x9E3779B9, 0xBB67AE85
#: Rounds of Philox4x32-10, the variant Random123 recommends (7 already pass BigCrush; 10 is the safety margin).
PHILOX_ROUNDS = 10
#: One 32-bit word, and its mask.
WORD_BITS = 32
WORD_MASK = 0xFFFFFFFF
#: A uniform double is the top 53 bits of the 64-bit number word0 * 2^32 + word1, times 2^-53.
UNIFORM_SHIFT = 64 - 53
UNIFORM_SCALE = 2.0**-53
#: People per block of the array path: small enough for its work arrays to stay in the CPU's cache, large
#: enough that numpy's per-call overhead (about 100 calls per block) is small (benchmarks/draws.py --blocks).
BLOCK = 1 << 15


def round_key(key: tuple[int, int], r: int) -> tuple[int, int]:
    """The key of round r (from 0): the key bumped r times by the Weyl increments, modulo 2^32."""
    return (key[0] + r * PHILOX_W0) & WORD_MASK, (key[1] + r * PHILOX_W1) & WORD_MASK


def _rounds(
    q: tuple[np.ndarray, np.ndarray], a: tuple[np.ndarray, np.ndarray], key: tuple[int, int], first: int, stop: int
) -> None:
    """Philox4x32 rounds first .. stop-1 in place on the packed counter `q` (`a`: two work arrays).

    The four 32-bit words travel as two uint64 arrays, q01 = word0 * 2^32 + word1 and
    q23 = word2 * 2^32 + word3. A round takes the 64-bit products p0 = M0 * word0, p1 = M1 * word2
    (their high halves are mulhi, their low halves mullo) and makes the words
    (hi(p1) ^ word1 ^ k0, lo(p1), hi(p0) ^ word3 ^ k1, lo(p0)), which packed is
    q01' = p1 ^ (q01 << 32) ^ (k0 << 32) and q23' = p0 ^ (q23 << 32) ^ (k1 << 32): ten array
    operations per round, only integer multiplies, shifts and xors, so any array library (CuPy on
    a GPU) doing the same arithmetic gets the same words.
    """
    q01, q23 = q
    p0, p1 = a
    m0, m1, shift = np.uint64(PHILOX_M0), np.uint64(PHILOX_M1), np.uint64(WORD_BITS)
    for r in range(first, stop):
        k0, k1 = round_key(key, r)
        np.right_shift(q01, shift, out=p0)
        np.multiply(p0, m0, out=p0)
        np.right_shift(q23, shift, out=p1)
        np.multiply(p1, m1, out=p1)
        np.left_shift(q01, shift, out=q01)
        np.bitwise_xor(q01, np.uint64(k0 << WORD_BITS), out=q01)
        np.bitwise_xor(q01, p1, out=q01)
        np.left_shift(q23, shift, out=q23)
        np.bitwise_xor(q23, np.uint64(k1 << WORD_BITS), out=q23)
        np.bitwise_xor(q23, p0, out=q23)


def philox4x32(counter: tuple, key: tuple[int, int], rounds: int = PHILOX_ROUNDS) -> list[np.ndarray]:
    """Philox4x32-`rounds` of whole arrays: four counter words (arrays of one length or scalars,
    broadcast, values below 2^32) and two key words in, four uint32 arrays of output words out.

    The generator as Random123 defines it, checked against its known-answer vectors; `Draws`
    runs the same rounds on counters it builds from what each draw decides."""
    c0, c1, c2, c3 = (np.asarray(c, dtype=np.uint64) for c in counter)
    shift = np.uint64(WORD_BITS)
    n = max(c.size for c in (c0, c1, c2, c3))
    q = tuple(np.broadcast_to((hi << shift) | lo, n).copy() for hi, lo in ((c0, c1), (c2, c3)))
    _rounds(q, (np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.uint64)), key, 0, rounds)
    return [part.astype(np.uint32) for packed in q for part in (packed >> shift, packed)]


def philox4x32_one(
    counter: tuple[int, int, int, int], key: tuple[int, int], rounds: int = PHILOX_ROUNDS
) -> tuple[int, ...]:
    """Philox4x32-`rounds` of one counter in Python integers: the scalar twin of `philox4x32`."""
    return philox_one_rounds(*counter, [round_key(key, r) for r in range(rounds)])


def philox_one_rounds(x0: int, x1: int, x2: int, x3: int, round_keys: list[tuple[int, int]]) -> tuple[int, ...]:
    """Philox4x32 rounds of one counter, word by word as Random123 writes them, with each round's key given."""
    for k0, k1 in round_keys:
        p0, p1 = PHILOX_M0 * x0, PHILOX_M1 * x2
        x0, x1, x2, x3 = (p1 >> WORD_BITS) ^ x1 ^ k0, p1 & WORD_MASK, (p0 >> WORD_BITS) ^ x3 ^ k1, p0 & WORD_MASK
    return x0, x1, x2, x3


@functools.cache
def uniform_kernel():
    """The compiled loop of `Draws.uniform` (numba, compiled on first use and cached on disk, so that
    commands that never run the model do not import numba): for each id, Philox4x32-10 of the
    counter (id low word, id high word, word2, word3) with the given round keys, as `philox_one_rounds` writes
    it, into a uniform double from words 0 and 1.

    The words are 32-bit integers and the ten rounds are written out with their keys in local variables:
    the compiler then sees each product as a 32 x 32 -> 64-bit multiply of two 32-bit values and vectorises
    the loop over ids (2.7 against 7.1-7.6 ns a number for 64-bit words and a loop over the rounds, on this
    machine; the same numbers bit for bit, tests/model/test_streams.py)."""
    import numba

    if PHILOX_ROUNDS != 10:  # the rounds below are written out
        raise AssertionError("uniform_kernel writes out exactly ten rounds")
    m0, m1, low, shift = np.uint64(PHILOX_M0), np.uint64(PHILOX_M1), np.uint64(WORD_MASK), np.uint64(WORD_BITS)

    @numba.njit(inline="always")
    def philox_round(x0, x1, x2, x3, key0, key1):
        p0, p1 = np.uint64(x0) * m0, np.uint64(x2) * m1
        return (
            np.uint32(p1 >> shift) ^ x1 ^ key0,
            np.uint32(p1 & low),
            np.uint32(p0 >> shift) ^ x3 ^ key1,
            np.uint32(p0 & low),
        )

    @numba.njit(cache=True, nogil=True, boundscheck=False)
    def kernel(ids, out, k0, k1, word2, word3):
        a0, a1, a2, a3, a4 = np.uint32(k0[0]), np.uint32(k0[1]), np.uint32(k0[2]), np.uint32(k0[3]), np.uint32(k0[4])
        a5, a6, a7, a8, a9 = np.uint32(k0[5]), np.uint32(k0[6]), np.uint32(k0[7]), np.uint32(k0[8]), np.uint32(k0[9])
        b0, b1, b2, b3, b4 = np.uint32(k1[0]), np.uint32(k1[1]), np.uint32(k1[2]), np.uint32(k1[3]), np.uint32(k1[4])
        b5, b6, b7, b8, b9 = np.uint32(k1[5]), np.uint32(k1[6]), np.uint32(k1[7]), np.uint32(k1[8]), np.uint32(k1[9])
        w2, w3 = np.uint32(word2), np.uint32(word3)
        for j in range(ids.shape[0]):
            pid = np.uint64(ids[j])
            x0, x1, x2, x3 = np.uint32(pid & low), np.uint32(pid >> shift), w2, w3
            x0, x1, x2, x3 = philox_round(x0, x1, x2, x3, a0, b0)
            x0, x1, x2, x3 = philox_round(x0, x1, x2, x3, a1, b1)
            x0, x1, x2, x3 = philox_round(x0, x1, x2, x3, a2, b2)
            x0, x1, x2, x3 = philox_round(x0, x1, x2, x3, a3, b3)
            x0, x1, x2, x3 = philox_round(x0, x1, x2, x3, a4, b4)
            x0, x1, x2, x3 = philox_round(x0, x1, x2, x3, a5, b5)
            x0, x1, x2, x3 = philox_round(x0, x1, x2, x3, a6, b6)
            x0, x1, x2, x3 = philox_round(x0, x1, x2, x3, a7, b7)
            x0, x1, x2, x3 = philox_round(x0, x1, x2, x3, a8, b8)
            x0, x1, x2, x3 = philox_round(x0, x1, x2, x3, a9, b9)
            out[j] = np.float64(((np.uint64(x0) << shift) | np.uint64(x1)) >> np.uint64(UNIFORM_SHIFT)) * UNIFORM_SCALE

    return kernel


def uniforms_by_arrays(
    flat_ids: np.ndarray, flat_out: np.ndarray, key: tuple[int, int], word2: int, word3: int
) -> None:
    """Uniform doubles for the counters (id low word, id high word, word2, word3) under `key`, into `flat_out`,
    with numpy array operations only, in blocks of `BLOCK` ids with no Python loop per id."""
    # Round 0 with words 2 and 3 the same for everyone: p1 = M1 * step is one number, so
    # q01' = (person's high word << 32) ^ hi(p1) ^ k0 << 32 ^ lo(p1) and q23' = (word3 << 32) ^ (k1 << 32) ^ p0.
    k0, k1 = round_key(key, 0)
    p1 = PHILOX_M1 * word2
    high_mask, low_mask = np.uint64(WORD_MASK << WORD_BITS), np.uint64(WORD_MASK)
    q01_const = np.uint64(((p1 >> WORD_BITS) ^ k0) << WORD_BITS | (p1 & WORD_MASK))
    q23_const = np.uint64((word3 ^ k1) << WORD_BITS)
    size = min(BLOCK, flat_ids.size)
    work = [np.empty(size, dtype=np.uint64) for _ in range(4)]
    for start in range(0, flat_ids.size, BLOCK):
        block = flat_ids[start : start + BLOCK].view(np.uint64)
        q01, q23, a0, a1 = (w[: block.size] for w in work)
        np.bitwise_and(block, low_mask, out=q23)
        np.multiply(q23, np.uint64(PHILOX_M0), out=q23)
        np.bitwise_xor(q23, q23_const, out=q23)
        np.bitwise_and(block, high_mask, out=q01)
        np.bitwise_xor(q01, q01_const, out=q01)
        _rounds((q01, q23), (a0, a1), key, 1, PHILOX_ROUNDS)
        np.right_shift(q01, np.uint64(UNIFORM_SHIFT), out=q01)
        np.multiply(q01, UNIFORM_SCALE, out=flat_out[start : start + block.size])
