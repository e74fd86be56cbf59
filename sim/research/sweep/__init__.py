"""Sweep: a design over parameters (grid, Latin hypercube, Sobol), run or resumed on Dask.

spec.py: the sweep spec and load_spec; store.py: the results folder, written run by run; method.py:
run; analysis.py: run and write_outputs over a finished sweep's folder (see sim.research).
"""
