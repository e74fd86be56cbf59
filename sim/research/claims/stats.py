"""The statistics of a claim: one-sided rank tests, Holm's correction over a condition map, and the
power calculation that fixes the number of replicates before the verdict is looked at.

**Tests.** An expectation at one condition point is a one-sided test of a per-replicate contrast
(Wilcoxon's signed-rank test on paired replicates, or Mann-Whitney's rank-sum test for independent
arms); see docs/experiments.md section 4.

**Multiple comparisons.** An expectation tested at every point of a condition map is a family of
tests, one per point: reading "holds at these points" off the map without correction would, at
alpha = 0.05 and six points, find a spurious "holds" about a quarter of the time. Holm's step-down
correction (Holm 1979) controls the family-wise error rate at alpha for any dependence between the
points and is uniformly more powerful than Bonferroni; it is applied per expectation over its points,
separately to the claimed-direction and the reverse-direction p-values. Across expectations no
correction is needed for the claim's overall verdict: "holds" requires every claimed expectation to
hold (an intersection-union test, valid at alpha as it stands).

**Power.** `replicates_for_power` turns a pilot (the same claim run with a different seed) into
the replicates a claim needs: the standardised effect d = |mean| / sd of the pilot's per-replicate
contrasts, the normal-approximation sample size of a one-sided paired test
n = ((z_{1-a} + z_{power}) / d)^2 at the Bonferroni level a = alpha / points (the first step of Holm,
the strictest), divided by the asymptotic relative efficiency of the signed-rank test against the t
test under normal errors (3 / pi), and never below the smallest n whose exact signed-rank test can reach
a (all n signs positive: p = 2^-n).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.research.claims.metrics import HOLDS, INCONCLUSIVE, MIN_PAIRS, REVERSED
from sim.research.claims.spec import ConditionValue, Expectation

#: Power a claim's replicates are chosen for (the usual 0.8).
DEFAULT_POWER = 0.8
#: Asymptotic relative efficiency of Wilcoxon's signed-rank test against the paired t test (normal errors).
WILCOXON_ARE = 3.0 / math.pi
#: Largest replicates a power calculation may ask for; a smaller effect is reported as not testable at CI size.
MAX_PLANNED_REPLICATES = 200


@dataclass
class Comparison:
    """One expectation tested at one point; p-values raw and Holm-adjusted over the expectation's map."""

    expectation: int
    point: dict[str, ConditionValue]
    description: str
    claimed: bool
    n: int
    estimate: float
    prob_claimed: float
    p_value: float
    p_reverse: float
    alpha: float
    test: str
    p_holm: float = math.nan
    p_reverse_holm: float = math.nan

    @property
    def verdict(self) -> str:
        """holds / reversed / inconclusive on the Holm-adjusted p-values (raw ones if not adjusted)."""
        p = self.p_value if math.isnan(self.p_holm) else self.p_holm
        p_rev = self.p_reverse if math.isnan(self.p_reverse_holm) else self.p_reverse_holm
        if p < self.alpha:
            return HOLDS
        if p_rev < self.alpha:
            return REVERSED
        return INCONCLUSIVE


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values (same order): the k-th smallest times (m - k + 1), made
    monotone and capped at 1. Reject where the adjusted value is below alpha."""
    m = len(p_values)
    order = np.argsort(p_values, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted.tolist()


def adjust_per_expectation(comparisons: list[Comparison]) -> None:
    """Fill p_holm and p_reverse_holm: Holm over the points of each expectation's condition map."""
    for e in {c.expectation for c in comparisons}:
        family = [c for c in comparisons if c.expectation == e]
        for c, p, p_rev in zip(
            family, holm([c.p_value for c in family]), holm([c.p_reverse for c in family]), strict=True
        ):
            c.p_holm, c.p_reverse_holm = p, p_rev


def _opposite(direction: str) -> str:
    return "less" if direction == "greater" else "greater"


def _one_sided_p(sample: np.ndarray, direction: str, test: str, other: np.ndarray | None = None) -> float:
    """One-sided p-value: Wilcoxon signed-rank of `sample` against 0, or Mann-Whitney of sample vs other."""
    if test == "mannwhitney":
        return float(stats.mannwhitneyu(sample, other, alternative=direction).pvalue)
    if np.all(sample == 0):
        return 1.0
    return float(stats.wilcoxon(sample, alternative=direction).pvalue)


def paired_contrast(e: Expectation, values: dict[str, np.ndarray]) -> np.ndarray:
    """Per replicate sum_arm w * value(arm, r) - margin, replicates with a NaN dropped."""
    contrast = sum(w * values[label] for label, w in e.contrast.items())
    return contrast[np.isfinite(contrast)] - e.margin


def _paired(e: Expectation, values: dict[str, np.ndarray]) -> tuple[int, float, float, np.ndarray, None]:
    """Wilcoxon: per replicate d_r = sum_arm w * value(arm, r) - margin (replicates with a NaN dropped)."""
    d = paired_contrast(e, values)
    sign = 1.0 if e.direction == "greater" else -1.0
    prob = float(np.mean(sign * d > 0) + 0.5 * np.mean(d == 0)) if len(d) else math.nan
    return len(d), float(np.mean(d) + e.margin) if len(d) else math.nan, prob, d, None


def _independent(e: Expectation, values: dict[str, np.ndarray]) -> tuple[int, float, float, np.ndarray, np.ndarray]:
    """Mann-Whitney: A - margin against B as independent samples (NaNs dropped)."""
    (a_label, _), (b_label, _) = sorted(e.contrast.items(), key=lambda kv: -kv[1])
    a = values[a_label][np.isfinite(values[a_label])] - e.margin
    b = values[b_label][np.isfinite(values[b_label])]
    sign = 1.0 if e.direction == "greater" else -1.0
    diff = sign * (a[:, None] - b[None, :])
    prob = float(np.mean(diff > 0) + 0.5 * np.mean(diff == 0)) if diff.size else math.nan
    estimate = float(np.mean(a) + e.margin - np.mean(b)) if len(a) and len(b) else math.nan
    return min(len(a), len(b)), estimate, prob, a, b


def compare(
    expectation: Expectation, index: int, values: dict[str, np.ndarray], point: dict[str, ConditionValue], claimed: bool
) -> Comparison:
    """Test one expectation on the per-replicate values of its arms (aligned by replicate).

    The effect size is the mean contrast (`estimate`) and the share of replicates (Wilcoxon) or of
    all (A, B) pairs (Mann-Whitney) on the claimed side of the margin, ties counting half. With fewer
    than MIN_PAIRS usable values both p-values are 1 (inconclusive). The Holm-adjusted p-values are
    filled in over the whole map by `adjust_per_expectation`.
    """
    e = expectation
    n, estimate, prob, sample, other = (_independent if e.test == "mannwhitney" else _paired)(e, values)
    if n < MIN_PAIRS:
        p = p_rev = 1.0
    else:
        p, p_rev = (_one_sided_p(sample, d, e.test, other) for d in (e.direction, _opposite(e.direction)))
    return Comparison(index, point, e.describe(), claimed, n, estimate, prob, p, p_rev, e.alpha, e.test)


# ==================================================================================================
# Power
# ==================================================================================================
def min_replicates_exact(alpha: float) -> int:
    """Smallest n whose exact one-sided signed-rank test can reach p < alpha (p >= 2^-n)."""
    return math.floor(math.log2(1.0 / alpha)) + 1


def replicates_for_power(
    contrasts: np.ndarray, alpha: float, power: float = DEFAULT_POWER, family: int = 1
) -> tuple[float, int]:
    """(standardised effect d, replicates) a one-sided signed-rank test needs to detect the pilot's effect.

    contrasts: the pilot's per-replicate contrasts minus the margin. family: points of the condition
    map the expectation is Holm-corrected over (the level is alpha / family, Holm's strictest step).
    A pilot without spread (every replicate the same non-zero value) needs only the exact minimum; one
    whose effect is zero or too small for MAX_PLANNED_REPLICATES returns that cap.
    """
    d_values = np.asarray(contrasts, dtype=float)
    d_values = d_values[np.isfinite(d_values)]
    level = alpha / family
    floor = min_replicates_exact(level)
    mean, sd = float(np.mean(d_values)), float(np.std(d_values, ddof=1))
    if sd == 0:
        return (math.inf if mean != 0 else 0.0), (floor if mean != 0 else MAX_PLANNED_REPLICATES)
    effect = abs(mean) / sd
    z = stats.norm.ppf(1 - level) + stats.norm.ppf(power)
    n = math.ceil((z / effect) ** 2 / WILCOXON_ARE) if effect > 0 else MAX_PLANNED_REPLICATES
    return effect, min(MAX_PLANNED_REPLICATES, max(floor, n))
