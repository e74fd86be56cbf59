"""Cost of competing brands (issue 26, part 9): does a market of B brands cost at most 1 + 0.25 (B - 1) times one
brand per step, and at most 8 bytes per person per extra brand?

Usage (from the repository root)::

    .venv/bin/python -m benchmarks.brands                 # B = 1, 2, 4, 8 at 10^6 people (~5-10 min; not run by CI)
    .venv/bin/python -m benchmarks.brands --quick         # the same at 10^5 people (~1 min)
    .venv/bin/python -m benchmarks.brands --size 2e3 --days 5   # smoke test (tests/test_benchmarks.py)
    .venv/bin/python -m benchmarks.brands --quick --channels      # the same with the forum, Weibo and WeChat on

Workload: the competition docking scenario (``scenarios/docking/competition.toml``: a well-mixed market, ads and
talk within and across brands, strategies off) at run.dt = 1 day over DAYS days, with B identical brands all
entering on day 0, each with the scenario's first brand's settings and 1/B of its advertising reach (so the
market's advertising is the same whatever B), and from two brands on an owner's talk split between their own
brand (wom.q - wom.q_cross) and the B - 1 rivals (wom.q_cross / (B - 1) toward each): every owner persuades at
wom.q in all, as one brand's owners do, so the category follows the same Bass curve (p, q) whatever B. The cost
measured is then that of more brands, not of more messages. (With ``--extra-category-talk`` the brands keep
wom.q within brand and category talk comes on top, wom.q_cross divided by B - 1 from three brands on: the
workload of the first measurements, in which two brands or more carry a fifth more talk than one brand and
so have more buyers per step.) With ``--channels`` the forum, Weibo and WeChat are on as well (their defaults,
no official accounts): owners post there too and group channels count posts per brand
(``sim.model.group_channel``). Each (B, repeat) runs one replicate in its
own child process (``python -m benchmarks.brands --child ...``), which times every step with its own CPU clock;
the parent reads the child's peak resident memory when it ends (``os.wait4``). Runs are interleaved
(B = 1, 2, 4, 8, then again), and each B keeps its fastest repeat, so that the ratios, taken against one brand in
the same script, suffer less from other jobs on a shared machine. Printed, and written to OUT/brands.json and
OUT/brands.md: the mean step per B over one brand's (target <= 1 + 0.25 (B - 1)) and the peak RSS over one
brand's per person per extra brand (target <= 8 bytes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

#: Repository root: children run with it as working directory.
ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "docking" / "competition.toml"
BRAND_COUNTS = (1, 2, 4, 8)
FULL_SIZE = 1_000_000
QUICK_SIZE = 100_000
#: Simulated days (steps of one day): the market grows from nobody to about two thirds owning a brand (Bass
#: with p = 0.01, q = 0.25 per day), so most steps have most people open to the brands' messages.
DAYS = 15
REPEATS = 2
#: Targets of issue 26, part 9: step cost per extra brand (a share of one brand's) and bytes per person.
MAX_STEP_PER_EXTRA_BRAND = 0.25
MAX_BYTES_PER_EXTRA_BRAND = 8.0
SEED = 2026


#: The online channels switched on by --channels (their defaults; official accounts are one brand's: none).
CHANNELS = {"forum": {"enabled": True}, "weibo": {"enabled": True}, "wechat": {"enabled": True}}


def scenario_of(brands: int, n: int, days: float, extra_category_talk: bool = False, channels: bool = False):
    """The workload with `brands` identical brands entering on day 0, `n` people, one-day steps (the module
    docstring gives the talk, and the earlier workload with `extra_category_talk`), with the forum, Weibo and
    WeChat on if `channels`."""
    from sim.config.scenario import read_scenario_dict, scenario_from_dict

    data = read_scenario_dict(SCENARIO)
    first = {key: value for key, value in next(iter(data["brands"].values())).items() if key != "entry_day"}
    ads = {**data["advertising"], **first.get("advertising", {})}
    first["advertising"] = {**ads, "p_max": ads["p_max"] / brands}  # the market's ads the same whatever B
    data["brands"] = {f"b{k}": first for k in range(brands)}
    wom = data["wom"]
    if extra_category_talk and brands > 2:  # category talk toward each brand from B - 1 rivals: two brands' total
        data["wom"] = {**wom, "q_cross": wom["q_cross"] / (brands - 1)}
    elif not extra_category_talk and brands > 1:  # an owner's talk, q in all, split between own brand and rivals
        data["wom"] = {**wom, "q": wom["q"] - wom["q_cross"], "q_cross": wom["q_cross"] / (brands - 1)}
    data["run"] = {**data["run"], "dt": 1.0, "days": days}
    data["population"] = {**data["population"], "size": n}
    if channels:
        data["channels"] = CHANNELS
        data["population"]["official_accounts"] = 0
    return scenario_from_dict(data, source=f"{SCENARIO.name} with {brands} brands")


def child(
    brands: int, n: int, days: float, out: str, extra_category_talk: bool = False, channels: bool = False
) -> None:
    """Build and run one replicate (freed memory reused, as `wom run` does), timing each step; write JSON."""
    from sim.model.brands import make_model
    from sim.run.memory import reuse_freed_memory

    scenario = scenario_of(brands, n, days, extra_category_talk, channels)
    reuse_freed_memory()
    t0 = time.process_time()
    model = make_model(scenario, np.random.SeedSequence(SEED))
    build = time.process_time() - t0
    steps = []
    for _ in range(scenario.run.n_steps):
        t = time.process_time()
        model.step()
        steps.append(time.process_time() - t)
    owned = float(np.mean(model.people.brand >= 0))  # the share owning a brand at the end
    Path(out).write_text(json.dumps({"build_s": build, "steps_s": steps, "owned": owned}))


def measure(
    brands: int,
    n: int,
    days: float,
    repeat: int,
    out_dir: Path,
    extra_category_talk: bool = False,
    channels: bool = False,
) -> dict:
    """Run one child; return its step times and peak memory."""
    out = out_dir / f"brands_{brands}_{n}_{repeat}.json"
    talk = str(int(extra_category_talk))
    cmd = [sys.executable, "-m", "benchmarks.brands", "--child", str(brands), str(n), str(days), str(out), talk]
    cmd += ["--child-channels"] if channels else []
    proc = subprocess.Popen(cmd, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmarks.brands: the run of {brands} brands at N={n} failed (exit {status})")
    data = json.loads(out.read_text())
    steps = np.asarray(data["steps_s"])
    return {
        "brands": brands,
        "N": n,
        "repeat": repeat,
        "mean_step_s": float(steps.mean()),
        "median_step_s": float(np.median(steps)),
        "build_s": data["build_s"],
        "peak_rss_bytes": usage.ru_maxrss * 1024,
        "owned": data["owned"],
        "extra_category_talk": extra_category_talk,
        "channels": channels,
        "load": os.getloadavg()[0],
    }


def best(rows: list[dict]) -> dict[int, dict]:
    """Per number of brands, the repeat with the smallest mean step (the least disturbed by other jobs)."""
    out: dict[int, dict] = {}
    for r in rows:
        if r["brands"] not in out or r["mean_step_s"] < out[r["brands"]]["mean_step_s"]:
            out[r["brands"]] = r
    return out


def report(rows: list[dict]) -> str:
    """Markdown: per number of brands, the fastest repeat's step and memory, and their ratios to one brand."""
    kept = best(rows)
    one = kept[min(kept)]
    n = one["N"]
    lines = [
        f"N = {n:.0e}, {len(rows) // len(kept)} interleaved repeats per B (the fastest kept); "
        + (
            "category talk on top of each brand's (--extra-category-talk)"
            if one.get("extra_category_talk")
            else "every owner talks at wom.q in all, split between own brand and rivals"
        ),
        "",
        "| brands | mean step (ms) | median step (ms) | step / one brand | target | result "
        "| peak RSS (GB) | bytes / person / extra brand | target | result | owned at the end | load |",
        "|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---:|",
    ]
    for b, r in sorted(kept.items()):
        ratio = r["mean_step_s"] / one["mean_step_s"]
        limit = 1 + MAX_STEP_PER_EXTRA_BRAND * (b - 1)
        extra = (r["peak_rss_bytes"] - one["peak_rss_bytes"]) / (n * (b - 1)) if b > 1 else float("nan")
        verdicts = ("", "") if b == 1 else (verdict(ratio <= limit), verdict(extra <= MAX_BYTES_PER_EXTRA_BRAND))
        lines.append(
            f"| {b} | {1e3 * r['mean_step_s']:.1f} | {1e3 * r['median_step_s']:.1f} | {ratio:.2f} | <= {limit:g} "
            f"| {verdicts[0]} | {r['peak_rss_bytes'] / 1e9:.3f} | {extra:.1f} | <= {MAX_BYTES_PER_EXTRA_BRAND:g} "
            f"| {verdicts[1]} | {r['owned']:.3f} | {r['load']:.1f} |"
        )
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.brands", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE:.0e} people instead of {FULL_SIZE:.0e}")
    parser.add_argument("--size", help="the population (e.g. 1e6)")
    parser.add_argument("--days", type=float, default=DAYS, help=f"simulated days (default {DAYS})")
    parser.add_argument("--brands", default=",".join(map(str, BRAND_COUNTS)), help="numbers of brands, from 1")
    parser.add_argument("--repeats", type=int, default=REPEATS, help=f"interleaved runs per B (default {REPEATS})")
    parser.add_argument("--out", default="results/benchmarks/brands", help="output folder")
    parser.add_argument(
        "--extra-category-talk",
        action="store_true",
        help="the first measurements' workload: category talk on top of within-brand talk (more messages with B)",
    )
    parser.add_argument("--channels", action="store_true", help="the forum, Weibo and WeChat on as well")
    parser.add_argument("--child", nargs=5, metavar=("BRANDS", "N", "DAYS", "OUT", "EXTRA"), help=argparse.SUPPRESS)
    parser.add_argument("--child-channels", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        brands, n, days, out, extra = args.child
        child(int(brands), int(n), float(days), out, extra == "1", args.child_channels)
        return 0
    try:
        n = int(float(args.size)) if args.size else (QUICK_SIZE if args.quick else FULL_SIZE)
        counts = sorted({int(b) for b in args.brands.split(",")})
    except ValueError:
        print(
            f"benchmarks.brands: --size and --brands must be numbers, got {args.size!r}, {args.brands!r}",
            file=sys.stderr,
        )
        return 2
    if counts[0] != 1 or counts[-1] > 8 or n < 1 or args.repeats < 1 or args.days < 1:
        print(
            "benchmarks.brands: --brands from 1 (the baseline) to 8, --size, --repeats and --days >= 1", file=sys.stderr
        )
        return 2
    out_dir = ROOT / args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for repeat in range(args.repeats):
        for b in counts:
            print(f"benchmarks.brands: {b} brands at N={n:.0e}, repeat {repeat + 1} ...", file=sys.stderr, flush=True)
            rows.append(measure(b, n, args.days, repeat, out_dir, args.extra_category_talk, args.channels))
    table = report(rows)
    (out_dir / "brands.json").write_text(json.dumps(rows, indent=1))
    (out_dir / "brands.md").write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
