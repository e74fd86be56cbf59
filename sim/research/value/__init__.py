"""What a word-of-mouth program is worth (issue 28): `method.py` runs a scenario (with the program) and its
baseline (without it) on the same draws and splits the difference in net present value, person by person,
into acceleration, expansion and loss (Libai, Muller and Peres 2013); `wom value` is its command
(sim.cli.value)."""
