"""experiments/seeding/seeding.py, the seeding benchmark (issue 29): every graph ranks every seed choice it
has, compared with random seeding on the same replicate seeds, and the table and chart are written."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "experiments" / "seeding" / "seeding.py"


def load_script():
    spec = importlib.util.spec_from_file_location("seeding_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_graph_has_a_scenario_of_its_own_size_for_every_choice():
    seeding = load_script()
    for graph in seeding.GRAPHS:
        for choice in seeding.CHOICES:
            if choice == "community" and graph not in seeding.COMMUNITY_GRAPHS:
                continue
            sc = seeding.scenario(graph, choice)
            assert sc.seed_users.count == max(1, round(seeding.SEED_SHARE * sc.population.size))
    assert seeding.scenario("karate", "random").population.size == 34


@pytest.mark.slow
def test_the_benchmark_ranks_every_choice_against_random_and_writes_table_and_chart(tmp_path):
    seeding = load_script()
    assert seeding.main(["--replicates", "2", "--out", str(tmp_path)]) == 0
    table = (tmp_path / "table.md").read_text().splitlines()[2:]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in table]
    by_graph = {}
    for graph, _, choice, rank, *_ in cells:
        by_graph.setdefault(graph, {})[choice] = int(rank)
    assert set(by_graph) == set(seeding.GRAPHS)
    assert set(by_graph["karate"]) == {"random", "hubs", "betweenness", "community"}
    assert all(set(ranks) == {"random", "hubs", "betweenness"} for g, ranks in by_graph.items() if g != "karate")
    assert all(1 <= r <= len(ranks) for ranks in by_graph.values() for r in ranks.values())
    random_rows = [c for c in cells if c[2] == "random"]
    assert all(row[6] == "+0.000" for row in random_rows)  # random against itself
    assert (tmp_path / "seeding.png").stat().st_size > 0
