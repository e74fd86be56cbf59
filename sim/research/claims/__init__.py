"""Claims: a source's claim (TOML in experiments/claims/) tested as a comparison of scenario arms.

spec.py: the claim file and load_spec; metrics.py: what a claim measures; stats.py: the tests, Holm and
the power calculation; method.py: run and write_outputs (see sim.research for the common shape).
"""
