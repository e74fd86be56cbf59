"""Seeding benchmark: which seed users spread word of mouth furthest, on real and synthetic graphs.

For each graph (Zachary's karate club, Les Miserables, a small world and a block graph of 2,000 people),
the same scenario (offline word of mouth only: no forum, Weibo or ads; the engine and word of mouth of
the defaults; 3% of people as seed users, at least one) runs with each seed choice: random, hubs
(highest degree), betweenness (the bridges) and, where the graph has communities, one community (the
karate club's "Mr. Hi" faction). Every choice of a graph uses the same replicate seeds (common random
numbers), so choices are compared replicate by replicate: the table gives each choice's mean final
adoption and day of 10%, and its difference from random seeding with a 90% interval (mean of the
paired differences +- 1.645 standard errors). Findings are reported, not asserted.

The hubs' advantage split into reach and participation (participation.md; Hinz et al. 2011 found that
well-connected seeds do better mostly because they take part more, not because they persuade more): three
arms per graph (SPLIT_ARMS), random seeds and hub seeds taking part as much as everyone else, and hub seeds
taking part more; the share of the advantage that remains with participation equalised is the reach part.

Usage: .venv/bin/python experiments/seeding/seeding.py [--replicates 40] [--seed 2026] [--out results/experiments/seeding]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.scenario import load_scenario
from sim.model.streams import replicate_seeds
from sim.run.metrics import time_to_fraction
from sim.run.runner import run_replicate

#: The graphs: name -> overrides of the network (real graphs fix the population).
GRAPHS = {
    "karate": ['network.kind="karate"'],
    "les_miserables": ['network.kind="les_miserables"'],
    "small_world": ['network.kind="small_world"', "population.size=2000"],
    "community_blocks": ['network.kind="community_blocks"', "population.size=2000", "network.blocks=40"],
}
#: Seed choices: name -> overrides; graph_community only where the graph has communities.
CHOICES = {
    "random": ['seed_users.choice="random"'],
    "hubs": ['seed_users.choice="hubs"'],
    "betweenness": ['seed_users.choice="betweenness"'],
    "community": ['seed_users.choice="graph_community"', 'seed_users.graph_community="Mr. Hi"'],
}
COMMUNITY_GRAPHS = ("karate",)
#: Offline word of mouth only, over DAYS days; seed users are SEED_SHARE of the people.
COMMON = ["channels.forum.enabled=false", "channels.weibo.enabled=false", "run.days=120"]
SEED_SHARE = 0.03
#: The early milestone timed: the day this share of people has adopted (how fast the seeds start it).
EARLY_SHARE = 0.1
#: z of the two-sided 90% interval of a mean.
Z90 = 1.645


def scenario(graph: str, choice: str):
    """The benchmark's scenario of a graph and a seed choice (the population from the graph, 3% seeds)."""
    sized = load_scenario(None, [*COMMON, *GRAPHS[graph], "seed_users.count=1"])
    seeds = max(1, round(SEED_SHARE * sized.population.size))
    return load_scenario(None, COMMON + GRAPHS[graph] + CHOICES[choice] + [f"seed_users.count={seeds}"])


def outcomes(graph: str, choice: str, replicates: int, seed: int) -> pd.DataFrame:
    """Final adoption share and day of EARLY_SHARE adoption per replicate (NaN: never reached)."""
    sc = scenario(graph, choice)
    rows = []
    for r, seq in enumerate(replicate_seeds(seed, replicates)):
        ts = run_replicate(sc, seq, r)
        share = ts["adopted_total"].to_numpy() / sc.population.size
        rows.append({"replicate": r, "final": share[-1], "day10": time_to_fraction(ts["time"], share, EARLY_SHARE)})
    return pd.DataFrame(rows).assign(graph=graph, choice=choice, people=sc.population.size)


# --- The hubs' advantage split into reach and participation (Hinz, Skiera, Barrot and Becker 2011) ------------
#: The split's three arms, on top of a graph's scenario, talk fading as in the default scenario (below). In the
#: "equal" arms the seed users take part at everyone's relationship.participation_rate. In the "more" arm
#: they are the brand's honour group (fan building's super users, the incentives off): they take part at
#: SEED_EXTRA_PARTICIPATION per day on top of it (the honour group's default rate, MIUI's super users) with a
#: full brand tie, so they are fans, and fans keep talking (docs/model.md 5.4) while others' talk fades. This
#: is how taking part works in the model; Hinz et al. found that well-connected seeds take part more.
SPLIT_ARMS = {
    "random, equal participation": ("random", False),
    "hubs, equal participation": ("hubs", False),
    "hubs, more participation": ("hubs", True),
}
SEED_EXTRA_PARTICIPATION = 0.5
HONOUR_GROUP = [
    "fan_building.enabled=true",
    "fan_building.sharing.rate=0",
    "fan_building.honour.rate=0",
    "fan_building.benefit.rate=0",
    'fan_building.super_user_choice="random"',
    # talk fades (the default scenario's ~50-day time constant): without fading, talk goes on forever
    # whatever anyone does, and taking part (which restarts a person's talk) could change nothing
    "wom.decay_rate=0.02",
]


def split_scenario(graph: str, arm: str):
    """A graph's scenario for one arm of the split (SPLIT_ARMS): with "more", every seed user in the honour group."""
    choice, more = SPLIT_ARMS[arm]
    base = scenario(graph, choice)
    extra = SEED_EXTRA_PARTICIPATION if more else 0.0
    group = base.seed_users.count if more else 0
    overrides = [*HONOUR_GROUP, f"fan_building.super_users={group}", f"fan_building.super_user_participation={extra}"]
    seeds = max(1, round(SEED_SHARE * base.population.size))
    return load_scenario(None, COMMON + GRAPHS[graph] + CHOICES[choice] + [f"seed_users.count={seeds}", *overrides])


def participation_split(graph: str, replicates: int, seed: int) -> dict:
    """Final adoption per arm (the same replicate seeds in every arm) and the share of the hubs' advantage
    over random seeds that remains when the hubs take part no more than others, with a paired 90% interval
    of each difference. share = (hubs equal - random) / (hubs more - random): the reach part."""
    finals = {}
    for arm in SPLIT_ARMS:
        sc = split_scenario(graph, arm)
        finals[arm] = np.array(
            [
                run_replicate(sc, seq, r)["adopted_total"].iloc[-1] / sc.population.size
                for r, seq in enumerate(replicate_seeds(seed, replicates))
            ]
        )
    random, equal, more = (finals[a] for a in SPLIT_ARMS)
    out = {"graph": graph, "replicates": replicates, "finals": {a: float(v.mean()) for a, v in finals.items()}}
    for name, diff in (("advantage", more - random), ("reach", equal - random), ("participation", more - equal)):
        se = diff.std(ddof=1) / np.sqrt(len(diff))
        out[name] = (float(diff.mean()), float(diff.mean() - Z90 * se), float(diff.mean() + Z90 * se))
    out["share remaining"] = out["reach"][0] / out["advantage"][0] if out["advantage"][0] > 0 else float("nan")
    return out


def split_markdown(splits: list[dict]) -> str:
    """The split per graph: final adoption of each arm, the differences with 90% intervals, the share remaining."""
    lines = [
        "| graph | random | hubs, equal | hubs, more | advantage (more - random) | reach (equal - random) | "
        "participation (more - equal) | share remaining |",
        "|---|---:|---:|---:|---|---|---|---:|",
    ]
    for s in splits:
        f = list(s["finals"].values())
        cells = [f"{s[k][0]:+.3f} ({s[k][1]:+.3f} to {s[k][2]:+.3f})" for k in ("advantage", "reach", "participation")]
        lines.append(
            f"| {s['graph']} | {f[0]:.3f} | {f[1]:.3f} | {f[2]:.3f} | "
            + " | ".join(cells)
            + f" | {s['share remaining']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per graph and choice: mean final adoption, mean day of 10%, and the paired difference from random."""
    rows = []
    for (graph, choice), part in runs.groupby(["graph", "choice"], sort=False):
        random = runs[(runs.graph == graph) & (runs.choice == "random")].set_index("replicate")["final"]
        diff = part.set_index("replicate")["final"] - random
        se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else np.nan
        rows.append(
            {
                "graph": graph,
                "people": int(part.people.iloc[0]),
                "choice": choice,
                "final adoption": part.final.mean(),
                "day of 10%": part.day10.mean(),
                "vs random": diff.mean(),
                "90% interval": (diff.mean() - Z90 * se, diff.mean() + Z90 * se),
            }
        )
    out = pd.DataFrame(rows)
    out["rank"] = out.groupby("graph")["final adoption"].rank(ascending=False, method="min").astype(int)
    return out


def markdown(result: pd.DataFrame) -> str:
    """The table as Markdown, shares and days to three and one decimals."""
    lines = [
        "| graph | people | choice | rank | final adoption | day of 10% | vs random | 90% interval |",
        "|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for row in result.itertuples(index=False):
        lo, hi = row[6]
        lines.append(
            f"| {row.graph} | {row.people:,} | {row.choice} | {row.rank} | {row[3]:.3f} | {row[4]:.1f} | "
            f"{row[5]:+.3f} | {lo:+.3f} to {hi:+.3f} |"
        )
    return "\n".join(lines) + "\n"


def chart(result: pd.DataFrame, path: Path) -> None:
    """Final adoption by seed choice on each graph, with the paired 90% interval of the difference from random."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    graphs = list(dict.fromkeys(result.graph))
    fig, axes = plt.subplots(1, len(graphs), figsize=(3.2 * len(graphs), 3.4), sharey=True)
    for ax, graph in zip(np.atleast_1d(axes), graphs):
        part = result[result.graph == graph]
        low = [m - lo_hi[0] for m, lo_hi in zip(part["vs random"], part["90% interval"])]
        high = [lo_hi[1] - m for m, lo_hi in zip(part["vs random"], part["90% interval"])]
        ax.bar(part.choice, part["final adoption"], yerr=[low, high], capsize=3, color="#4c78a8")
        ax.set_title(f"{graph} ({part.people.iloc[0]:,} people)", fontsize=10)
        ax.tick_params(axis="x", rotation=30)
    np.atleast_1d(axes)[0].set_ylabel("final adoption (share of people)")
    fig.suptitle("Seed choice against final adoption (bars: 90% interval of the difference from random)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=40, help="replicates per graph and choice")
    parser.add_argument("--seed", type=int, default=2026, help="master seed (the same for every choice)")
    parser.add_argument("--out", type=Path, default=Path("results/experiments/seeding"), help="output folder")
    args = parser.parse_args(argv)
    runs = []
    for graph in GRAPHS:
        for choice in CHOICES:
            if choice == "community" and graph not in COMMUNITY_GRAPHS:
                continue
            print(f"seeding: {graph}, {choice} ({args.replicates} replicates)", file=sys.stderr, flush=True)
            runs.append(outcomes(graph, choice, args.replicates, args.seed))
    result = table(pd.concat(runs, ignore_index=True))
    splits = []
    for graph in GRAPHS:
        print(f"seeding: {graph}, participation split ({args.replicates} replicates)", file=sys.stderr, flush=True)
        splits.append(participation_split(graph, args.replicates, args.seed))
    args.out.mkdir(parents=True, exist_ok=True)
    text, split_text = markdown(result), split_markdown(splits)
    (args.out / "table.md").write_text(text)
    (args.out / "participation.md").write_text(split_text)
    chart(result, args.out / "seeding.png")
    print(text, end="")
    print(split_text, end="")
    print(f"wrote {args.out}/ (table.md, participation.md, seeding.png)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
