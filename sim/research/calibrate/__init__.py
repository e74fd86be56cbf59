"""Calibration against an observed adoption series.

bass.py: the series, Bass p, q, m, and run / write_outputs of the best values of keys by differential
evolution; abc.py: run / write_outputs of their posterior by ABC-SMC (see sim.research).
"""
