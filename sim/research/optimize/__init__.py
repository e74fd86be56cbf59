"""Optimize: the best plan for a budget.

spec.py: the optimize spec and load_spec; search.py: the search, stored candidate by candidate
(storage.py: the output folder and its stored records);
method.py: run (search, then re-check the best on fresh seeds) and write_outputs (see sim.research).
"""
