"""Funnel states, channels and counting codes."""

import numpy as np

from sim.model.state import CHANNELS, Funnel, tally


def test_tally_matches_bincount():
    codes = np.random.default_rng(0).integers(0, len(Funnel), 1000).astype(np.int8)
    assert tally(codes, len(Funnel)).tolist() == np.bincount(codes, minlength=len(Funnel)).tolist()
    assert tally(codes[:0], len(Funnel)).tolist() == [0] * len(Funnel)


def test_tally_of_one_code_for_many():
    counts = tally(3, len(CHANNELS), 17)
    assert counts[3] == 17 and counts.sum() == 17
