"""The limits of what one run may ask for: every number in a scenario is finite and bounded.

The schema's sections (sim.config.run, sim.config.population, sim.config.behaviour, ...) use these
constants as their fields' bounds, so no file or option can ask for work that never ends. The last
limit, memory, depends on the whole scenario: its up-front estimate is sim.config.memory.
"""

from __future__ import annotations

#: Most people in one population (the vector backend's int32 indices allow 2**31; memory binds first).
MAX_POPULATION = 50_000_000
#: Most steps in one run (days / dt): 100,000 steps is 274 years at dt = 1 day, or a year at dt = 8 min.
MAX_STEPS = 100_000
#: Longest horizon and latest day any event may be scheduled on (days): 100 years.
MAX_DAYS = 36_500.0
#: Longest step (days).
MAX_DT = 30.0
#: Most replicates of one run (from the file or --replicates).
MAX_REPLICATES = 100_000
#: Largest master seed (fits a signed 64-bit integer, as sweep tables store it).
MAX_SEED = 2**63 - 1
#: Largest amount of money in one cost or spend field (currency units).
MAX_MONEY = 1e12
#: Longest free-text field (the scenario description), in characters.
MAX_TEXT = 2_000
#: Most entries in a list field (topic events).
MAX_LIST = 1_000
