"""Claims of a market of brands (issue 26, part 8): the per-brand metrics an expectation may weigh, their
validation against the arms' brands, the Shapley weights of claim 15, and the four brand claims (14-17).

The claim tests (marked slow) run each file with its CI settings and assert what docs/experiments.md
reports, with the file's `seed` and `check_seed`, as tests/research/test_claims.py does for claims 1-13.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.research.attribution.method import shapley_values
from sim.research.claims.metrics import MetricSpec, chart_label, replicate_metrics
from sim.research.claims.spec import ClaimError, arm_scenarios, load_spec
from tests.research.test_claims import CLAIMS, ROOT

COMPETITION = ROOT / "scenarios" / "docking" / "competition.toml"

BRAND_CLAIM = f"""
name = "brands"
claim = "The pioneer ends with more owners than the follower."
seed = 5
replicates = 3
set = ["population.size=400", "run.days=30", "run.dt=1.0"]
charts = ["owners_a"]

[[arms]]
label = "late"
scenario = "{COMPETITION}"

[[arms]]
label = "later"
scenario = "{COMPETITION}"
set = ["brands.b.entry_day=20"]

[[expect]]
metric = "owners_final"
brands = {{ a = 1.0, b = -1.0 }}
arms = ["late"]
direction = "greater"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "brands.toml"
    path.write_text(text)
    return path


# --- the file format ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "edit, expected",
    [
        (('metric = "owners_final"\nbrands = { a = 1.0, b = -1.0 }', 'metric = "owners_final"'), "is per brand"),
        (('metric = "owners_final"', 'metric = "final_adoption"'), "brands: only for a per-brand metric"),
        (("brands = { a = 1.0, b = -1.0 }", "brands = { a = 0.0 }"), "at least one non-zero weight"),
        (('metric = "owners_final"', 'metric = "owners_gain"'), "is read at a day"),
        (('metric = "owners_final"', 'metric = "owners_sideways"'), "owners_gain (with brands)"),
        (('charts = ["owners_a"]', 'charts = ["owners"]'), "owners_<brand>"),
    ],
)
def test_brand_expectations_are_validated_with_the_key_named(tmp_path, edit, expected):
    with pytest.raises(ClaimError, match=re.escape(expected)):
        load_spec(write(tmp_path, BRAND_CLAIM.replace(*edit)))


@pytest.mark.parametrize(
    "edit, expected",
    [
        (("b = -1.0 }", "c = -1.0 }"), "expect[0].brands: 'c' is not a brand of arm 'late' (brands: a, b)"),
        (('charts = ["owners_a"]', 'charts = ["adopted_total_z"]'), "charts: 'z' is not a brand of arm 'late'"),
        (
            (
                f'scenario = "{COMPETITION}"\n\n[[arms]]',
                f'scenario = "{ROOT / "scenarios" / "default.toml"}"\n\n[[arms]]',
            ),
            "'a' is not a brand of arm 'late' (brands: none",
        ),
    ],
)
def test_brands_must_be_brands_of_the_arms(tmp_path, edit, expected):
    """An expectation's brands and a per-brand chart's brand are checked against every arm's scenario before
    anything runs: one ClaimError naming the file, the key and the arm."""
    path = write(tmp_path, BRAND_CLAIM.replace(*edit))
    with pytest.raises(ClaimError, match=re.escape(expected)) as err:
        arm_scenarios(load_spec(path), path, ci=False)
    assert str(path) in str(err.value)


def test_the_command_refuses_an_unknown_brand_in_one_line_and_writes_nothing(tmp_path):
    """`wom experiment` on a claim weighing a brand the arms lack: exit 2, the file and key named, no output."""
    from typer.testing import CliRunner

    from tests.research.test_claims import cli_app

    path = write(tmp_path, BRAND_CLAIM.replace("b = -1.0 }", "c = -1.0 }"))
    out = tmp_path / "out"
    res = CliRunner().invoke(cli_app(), ["experiment", str(path), "--out", str(out), "--quiet"])
    assert res.exit_code == 2 and "expect[0].brands: 'c' is not a brand" in res.output
    assert "Traceback" not in res.output and not out.exists()


@settings(max_examples=40, deadline=None)
@given(
    brands=st.dictionaries(
        st.text(alphabet="abz_9-. ", min_size=0, max_size=4),
        st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-3, 3), st.text(max_size=2)),
        max_size=3,
    )
)
def test_any_brands_table_is_accepted_or_one_claim_error(tmp_path_factory, brands):
    """Hostile `brands` tables (odd names, NaN, text, empty): validated or refused with a ClaimError, never
    another exception."""
    import json

    table = (
        "{ "
        + ", ".join(f"{json.dumps(k)} = {json.dumps(v) if isinstance(v, str) else repr(v)}" for k, v in brands.items())
        + " }"
    )
    table = table.replace("nan", "nan").replace("inf", "inf")
    path = write(tmp_path_factory.mktemp("h"), BRAND_CLAIM.replace("{ a = 1.0, b = -1.0 }", table))
    try:
        spec = load_spec(path)
        arm_scenarios(spec, path, ci=False)
    except ClaimError:
        return


def test_brand_contrast_is_weighed_within_each_run_and_keyed_by_its_brands():
    """A per-brand spec sums weight x the brand's metric of one run; takeoffs never reached count as the
    brand's days in the market (censored at the horizon, as milestones are)."""
    time = np.arange(0, 11, 1.0)
    ts = pd.DataFrame(
        {
            "replicate": 0,
            "step": np.arange(11),
            "time": time,
            "owners_a": 10 + 20 * time,
            "owners_b": np.where(time >= 4, 5.0, 0.0),
            **{c: 0.0 for c in ("adopted_total", "new_adopters", "fans", "detractors", "adopters", "cost")},
        }
    )
    ts["adopted_total"] = ts["owners_a"] + ts["owners_b"]
    gain = MetricSpec("owners_gain", 5.0, brands=(("a", 1.0), ("b", -1.0)))
    takeoff = MetricSpec("days_to_takeoff", brands=(("b", 1.0), ("a", -1.0)))
    share = MetricSpec("share_final", brands=(("a", 1.0),))
    assert gain.key == "owners_gain@5[a - b]" and takeoff.key == "days_to_takeoff[b - a]"
    out = replicate_metrics(ts, 1000, [gain, takeoff, share])
    assert out[gain.key] == pytest.approx((210 - 110) / 1000)
    assert out[takeoff.key] == pytest.approx((10 - 4) - 2.0)  # b never reaches 50 owners: its 6 days in the market
    assert out[share.key] == pytest.approx(210 / 215)
    assert chart_label("owners_b") == "Owners of b (% of population)"


def test_claim_15_weights_are_the_shapley_values_of_the_relationship_chain():
    """6 x the Shapley value of the relationship chain, as `sim.research.attribution.shapley_values` computes
    it from the eight combinations, is the contrast of expectation 0 (with a rival), of 2 (alone), and their
    difference is expectation 1."""
    spec = load_spec(CLAIMS / "15_relationships_keep_share.toml")
    legs, short = ("engine", "accelerator", "relationship"), {"engine": "E", "accelerator": "A", "relationship": "R"}

    def weights(world: str) -> dict[str, float]:
        out = {}
        for k in range(4):
            for combo in itertools.combinations(legs, k):
                label = f"{world} {'+'.join(short[leg] for leg in combo) or 'none'}"
                indicator = frozenset(combo)
                phi = shapley_values(legs, lambda s, c=indicator: float(s == c))["relationship"]
                if phi:
                    out[label] = 6 * phi
        return out

    rival, alone = weights("rival"), weights("alone")
    assert spec.expect[0].contrast == pytest.approx(rival)
    assert spec.expect[2].contrast == pytest.approx(alone)
    assert spec.expect[1].contrast == pytest.approx(rival | {k: -v for k, v in alone.items()})


# --- the brand claims -------------------------------------------------------------------------------
from tests.research.test_claims import SEEDS, assert_verdict, check_settings, run_seed_claim  # noqa: E402

HOLDS, REVERSED = "holds", "reversed"


@pytest.mark.slow
@pytest.mark.parametrize("which", SEEDS)
def test_claim_14_dual_pattern_follower_takes_off_faster_then_the_lead_widens(which):
    """Claim 14, the dual pattern (Libai, Muller and Peres 2009): holds at q_cross = 0.03 (within-brand talk 5
    times cross-brand); mapped. CI: 30 replicates per arm (power calculation: pilot seed 94014, the lead's
    growth for the follower on day 60 has d = 0.55), seeds 1414 and 74014, 3,000 people, 200 days,
    pioneer_follower.toml with the follower entering on day 30 and on day 60, at wom.q_cross 0.03 (claimed),
    0.15 (= q) and 0; one-sided Wilcoxon signed-rank tests, Holm over the 3 points, at alpha = 0.05.
    At 0.03 both seeds: the follower reaches 5% of the population 8-10 days sooner after its entry than the
    pioneer did, and the pioneer's lead grows by 1-2 points of the population from 30 days after the follower's
    entry to the end (holds). At q_cross = q the follower takes off faster still but the lead shrinks
    (reversed): no within-brand advantage, no widening. Without category talk the follower takes off slower
    (reversed) and the lead widens most (holds)."""
    result = run_seed_claim("14_dual_pattern.toml", which)
    check_settings(result, replicates=30, seeds=(1414, 74014))
    for expectation in range(4):
        assert_verdict(result, expectation, HOLDS, **{"wom.q_cross": 0.03})
    for expectation, (equal, none) in enumerate([(HOLDS, REVERSED)] * 2 + [(REVERSED, HOLDS)] * 2):
        assert_verdict(result, expectation, equal, **{"wom.q_cross": 0.15})
        assert_verdict(result, expectation, none, **{"wom.q_cross": 0.0})


@pytest.mark.slow
@pytest.mark.parametrize("which", SEEDS)
def test_claim_17_a_poor_product_pushed_hard_leads_then_collapses(which):
    """Claim 17, a poor product pushed hard collapses: holds (peak, collapse, the good product ahead); "pushing
    adds under 5 points that last": not shown. CI: 7 replicates per arm (power calculation: pilot seed 97017,
    every asserted test has d >= 7.5 at the claimed point), seeds 1717 and 77017, 3,000 people, 200 days,
    pushed_vs_good.toml pushed hard and not pushed, at switching.dissatisfaction {2, 0} x switching.persuasion
    {0.2, 0}; one-sided Wilcoxon signed-rank tests, Holm over the 4 points, at alpha = 0.05. Claimed point,
    both seeds: the pushed brand's share peaks at 0.68-0.69 (first days), ends at 0.14 (below a quarter) and
    the good product ends 0.71-0.73 ahead, 7 of 7 replicates each (Holm p = 0.031). Pushing hard minus not
    pushing, final share 0.057-0.058 against the 0.05 margin: inconclusive with seed 1717, reversed with 77017
    (before the brands' field was drawn jointly, 0.051-0.055, inconclusive with both; the pilot says 94
    replicates).
    Without any switching (both 0) the pushed brand still peaks above one half and the good one still ends
    ahead, but the pushed brand keeps 0.34-0.35 of the market (collapse reversed); with persuasion only
    (dissatisfaction 0) it ends at 0.19-0.20 (holds); with dissatisfaction only at 0.23-0.24 (holds with both
    seeds since the joint field draw, with one before: asserted never reversed). Away from the claimed point pushing leaves 9-20
    more points of final share (reversed)."""
    result = run_seed_claim("17_pushed_product_collapses.toml", which)
    check_settings(result, replicates=7, seeds=(1717, 77017))
    for d, p in itertools.product((2.0, 0.0), (0.2, 0.0)):
        point = {"switching.dissatisfaction": d, "switching.persuasion": p}
        assert_verdict(result, 0, HOLDS, **point)
        assert_verdict(result, 2, HOLDS, **point)
        if (d, p) != (2.0, 0.2):
            assert_verdict(result, 3, REVERSED, **point)
    claimed = {"switching.dissatisfaction": 2.0, "switching.persuasion": 0.2}
    assert_verdict(result, 1, HOLDS, **claimed)
    # "Pushing adds under 5 points that last" is not shown: since the brands' field is drawn jointly (8 December
    # 2026, the same law, other numbers) pushing leaves +5.7 (seed 1717, inconclusive) and +5.8 points (seed
    # 77017, 7 of 7 above the margin: reversed); before, +5.1 and +5.5, both inconclusive. The pilot's 94
    # replicates are beyond CI, so the test asserts what every run so far shares: it does not hold.
    assert result.comparison(3, **claimed).verdict != HOLDS
    assert_verdict(result, 1, HOLDS, **{"switching.dissatisfaction": 0.0, "switching.persuasion": 0.2})
    assert result.comparison(1, **{"switching.dissatisfaction": 2.0, "switching.persuasion": 0.0}).verdict != REVERSED
    assert_verdict(result, 1, REVERSED, **{"switching.dissatisfaction": 0.0, "switching.persuasion": 0.0})


@pytest.mark.slow
@pytest.mark.parametrize("which", SEEDS)
def test_claim_15_relationships_keep_more_of_the_owners_with_a_rival(which):
    """Claim 15, with a rival the relationship chain keeps more of a brand's owners: reversed since the chain runs
    per brand. CI: 5 replicates per arm (power calculation: pilot seed 95015, d >= 4.2, so the exact minimum at
    alpha = 0.05 decides), seeds 1515 and 75015, 3,000 people, 200 days, loyal_rival.toml in 16 arms (a's
    engine, accelerator and relationship chain on or off, with and without the rival b); one-sided Wilcoxon
    signed-rank tests at alpha = 0.05 on a's owners at the end (one point). Both seeds, 5 of 5 replicates
    (p = 0.031): the chain's Shapley value is +6.8 and +7.1 points of the population with a rival (holds),
    +10.9 and +11.2 alone (holds), so the difference is reversed (-4.1 and -4.2 points). Before the
    relationship chain ran per brand (8 December 2026) the chain was only the tie owners keep: +2.7 and +2.8
    with a rival, +0.3 alone, and the difference held. Now the tie of 0.8 is past relationship.fan_threshold
    (0.6), so every owner becomes a fan and fans talk again: the chain also grows a's owners, most when a is
    alone (with a rival, b's owners, whose tie is the same market-wide 0.8, talk again too). The expectations'
    estimates / 6 are the Shapley values `sim.research.attribution.shapley_values` computes from the arms' means."""
    result = run_seed_claim("15_relationships_keep_share.toml", which)
    check_settings(result, replicates=5, seeds=(1515, 75015))
    for expectation, verdict in enumerate((HOLDS, REVERSED, HOLDS)):
        assert_verdict(result, expectation, verdict)
    legs, short = ("engine", "accelerator", "relationship"), {"engine": "E", "accelerator": "A", "relationship": "R"}
    means = result.runs.groupby("arm")["owners_final[a]"].mean()
    for expectation, world in ((0, "rival"), (2, "alone")):
        phi = shapley_values(
            legs, lambda s, w=world: means[f"{w} {'+'.join(short[x] for x in legs if x in s) or 'none'}"]
        )
        assert result.comparison(expectation).estimate == pytest.approx(6 * phi["relationship"])


@pytest.mark.slow
@pytest.mark.parametrize("which", SEEDS)
def test_claim_16_a_focused_hit_first_in_its_category_beats_a_portfolio(which):
    """Claim 16, a focused hit first in its category beats a rival's portfolio: holds when the hit is first;
    being first, not focus, carries it. CI: 34 replicates per arm (power calculation: pilot seed 96016, the hit
    against the portfolio entering together has d = 0.50), seeds 1616 and 76016, 3,000 people, 200 days,
    focus_vs_portfolio.toml (the hit at quality 0.7 with the whole budget against four brands of one firm with
    a quarter each) with the hit first, the portfolio first and all together, at the portfolio products'
    engine.quality 0.64 (claimed: claim 7's square-root split plus variety) and 0.74 (splitting costs no
    quality); one-sided Wilcoxon signed-rank tests, Holm over the 2 points, at alpha = 0.05. Both seeds at
    0.64: first in its category, the hit ends with 0.60-0.61 more of the market than the whole portfolio, and
    its final share is 0.31 higher than entering together (every replicate, holds); entering second it ends
    0.66 behind (reversed); entering together the portfolio is ahead by 0.9-1.8 points (reversed with seed
    1616, inconclusive with 76016: asserted never to hold). At 0.74 the same, with the portfolio 30 points
    ahead when they enter together (reversed)."""
    result = run_seed_claim("16_first_in_category.toml", which)
    check_settings(result, replicates=34, seeds=(1616, 76016))
    for quality in (0.64, 0.74):
        point = {"engine.quality": quality}
        assert_verdict(result, 0, HOLDS, **point)
        assert_verdict(result, 2, REVERSED, **point)
        assert_verdict(result, 3, HOLDS, **point)
    assert result.comparison(1, **{"engine.quality": 0.64}).verdict != HOLDS
    assert_verdict(result, 1, REVERSED, **{"engine.quality": 0.74})
