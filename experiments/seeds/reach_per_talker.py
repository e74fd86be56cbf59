"""Seed S33, "social media multiply word of mouth a thousand, ten thousand times", measured as such: readers a
talking person reaches per day on each channel of the default scenario, against offline talk
(`sim.run.reach.reach_per_talker`; docs/model.md section 5.2 has the table this prints).

Usage: .venv/bin/python experiments/seeds/reach_per_talker.py [--sizes 1e4 1e5 1e6]   (about a minute at 10^6)
"""

from __future__ import annotations

import argparse

from sim.config.scenario import load_scenario
from sim.run.reach import reach_per_talker

#: The default scenario's seed (its run.seed): the networks measured are the ones its runs use.
SEED = 2010


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e4, 1e5, 1e6], help="population sizes")
    args = parser.parse_args()
    print(
        "| people | channel | can post | mean audience | readers/day mean | top 1% | largest | x offline mean | top 1% | largest |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        table = reach_per_talker(load_scenario("default", [f"population.size={int(size)}"]), SEED)
        for row in table.itertuples(index=False):
            print(
                f"| {int(size):,} | {row.channel} | {row.can_post:.0%} | {row.audience_mean:,.1f} | "
                f"{row.readers_per_day_mean:,.2f} | {row.readers_per_day_top1pct:,.2f} | {row.readers_per_day_max:,.1f} | "
                f"{row.times_offline_mean:,.2f} | {row.times_offline_top1pct:,.1f} | {row.times_offline_max:,.0f} |"
            )


if __name__ == "__main__":
    main()
