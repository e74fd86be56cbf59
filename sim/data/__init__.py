"""Data shipped with the package: example series (examples/) and, in a built wheel, copies of the
top-level scenarios/ and experiments/ folders (see sim.config.shipped)."""
