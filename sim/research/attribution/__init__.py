"""Attribution: the Shapley split of an outcome between engine, accelerator and relationship chain.

method.py: run and write_outputs for one scenario against a baseline; map.py: load_spec, run and
write_outputs of a map across settings of one factor's parameters (see sim.research).
"""
