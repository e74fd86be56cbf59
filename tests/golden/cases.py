"""The safety net of the layout change (issue 10): scenarios whose outputs must stay byte-identical.

Each case is (name, scenario file, --set overrides). Every case runs with both backends at a small
population and a fixed seed; `make_golden.py` records `timeseries.csv` and `summary.json` (package
versions removed) under `tests/golden/data/`, and `test_golden.py` re-runs them and compares bytes.
"""

SEED = 20261130
COMMON = ["run.replicates=2", "run.days=80"]

CASES = [
    ("default", "scenarios/default.toml", ["population.size=800", "seed_users.count=20"]),
    ("bass", "scenarios/docking/bass.toml", ["population.size=800", "advertising.p_max=0.03", "wom.q=0.4"]),
    ("cascade", "scenarios/docking/cascade.toml", ["population.size=800"]),
    ("miui", "scenarios/playbook/miui.toml", ["population.size=900"]),
    ("ads_first", "scenarios/playbook/ads_first.toml", ["population.size=800"]),
    ("community_economy", "scenarios/playbook/community_economy.toml", ["population.size=800"]),
    ("embedded_sharing", "scenarios/playbook/embedded_sharing.toml", ["population.size=800"]),
    ("launch_meme", "scenarios/playbook/launch_meme.toml", ["population.size=800"]),
    ("f_codes", "scenarios/playbook/f_codes.toml", ["population.size=800"]),
    ("self_media_overloaded", "scenarios/playbook/self_media_overloaded.toml", ["population.size=800"]),
    ("seeds_hubs", "scenarios/playbook/seeds_hubs.toml", ["population.size=800"]),
    ("wom_then_ads", "scenarios/playbook/wom_then_ads.toml", ["population.size=800"]),
]
BACKENDS = ["vector", "agents"]
