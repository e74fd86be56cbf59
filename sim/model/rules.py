"""Behaviour rules as small pure functions.

Every rule works on scalars and on numpy arrays alike, so the per-agent Mesa step (`sim.model.agents`) and
the vectorised step (`sim.model.model`) make the same decisions from the same formulas.
"""

from __future__ import annotations

import numpy as np

from sim.model.state import NEGATIVE, POSITIVE, QUIET, Funnel
from sim.networks.csr import ranges


def _scalar_or_array(x):
    """Return a Python float for 0-d results so scalar callers get scalars back."""
    return x.item() if isinstance(x, np.ndarray) and x.ndim == 0 else x


# --- engine: the product -------------------------------------------------------------------------


def conversion_probability(quality, expectation, sensitivity, max_conversion):
    """Chance that a persuaded person buys: a logistic curve in value minus expectation.

    sensitivity = 0 makes it a hard threshold (max_conversion if quality >= expectation, else 0).
    """
    gap = np.asarray(quality, dtype=float) - np.asarray(expectation, dtype=float)
    if sensitivity == 0:
        p = np.where(gap >= 0, 1.0, 0.0)
    else:
        p = 0.5 * (1.0 + np.tanh(gap / (2.0 * sensitivity)))  # logistic(gap / sensitivity), overflow-safe
    return _scalar_or_array(max_conversion * p)


def experience_margin(quality, expectation, noise):
    """Lived experience minus expectation: positive means the product beat what the person expected."""
    return _scalar_or_array(np.asarray(quality, dtype=float) + noise - expectation)


def talk_valence(margin, advocate_margin, detractor_margin):
    """Advocate (+1), quiet (0) or detractor (-1) from the experience margin."""
    margin = np.asarray(margin, dtype=float)
    v = np.where(
        margin >= advocate_margin,
        np.int8(POSITIVE),
        np.where(margin < detractor_margin, np.int8(NEGATIVE), np.int8(QUIET)),
    )
    return _scalar_or_array(v)


def state_after_adoption(valence):
    """An adopter who talks negatively is a detractor; everyone else is an adopter."""
    return _scalar_or_array(
        np.where(np.asarray(valence) == NEGATIVE, np.int8(Funnel.DETRACTOR), np.int8(Funnel.ADOPTER))
    )


# --- word of mouth: who talks and how a message travels ------------------------------------------


def talk_weight(age_steps, dt, active_limit, decay_rate):
    """Probability-weight that a person talks `age_steps` steps after starting to talk.

    1 inside the active window decaying as exp(-decay_rate * days); 0 before starting or after the window.
    """
    age = np.asarray(age_steps)
    inside = (age >= 0) & (age < active_limit)
    if decay_rate == 0:  # no exp needed (the docking scenarios, and faster)
        return _scalar_or_array(inside.astype(float))
    w = np.where(inside, np.exp(-decay_rate * np.maximum(age, 0) * dt), 0.0)
    return _scalar_or_array(w)


def post_probability(weight, speed, dt):
    """Chance that a talking person posts on a layer this step: talk weight times min(1, speed * dt)."""
    return _scalar_or_array(np.asarray(weight, dtype=float) * min(1.0, speed * dt))


def post_life_steps(persistence, dt):
    """Steps a post stays visible: at least the step it is made in."""
    return max(1, int(np.ceil(persistence / dt - 1e-9)))


def read_probability_per_step(reach, life_steps):
    """Per-step chance a contact sees a live post, so that over the post's life it is seen with prob `reach`."""
    reach = min(1.0, max(0.0, reach))
    if reach >= 1.0:
        return 1.0
    return 1.0 - (1.0 - reach) ** (1.0 / life_steps)


def persuasion_probability(transmission, tie_strength):
    """Chance that a seen message persuades: base transmission weighted by the tie strength it travels on."""
    # np.minimum(np.maximum(...)) is np.clip to 0-1 without its wrapper's cost (called per person by the agents)
    return _scalar_or_array(np.minimum(np.maximum(np.asarray(transmission, dtype=float) * tie_strength, 0.0), 1.0))


def at_least_one(per_trial, n_trials):
    """Chance that at least one of n independent trials of probability `per_trial` succeeds."""
    return _scalar_or_array(1.0 - np.power(1.0 - np.asarray(per_trial, dtype=float), n_trials))


def field_probability(rate, dt):
    """Chance of a contact this step from a rate (per day) of an external field (ads, well-mixed talk)."""
    return min(1.0, max(0.0, rate * dt))


# --- funnel: what a contact does ------------------------------------------------------------------


def contact_outcome(state, saw, persuaded_pos, persuaded_neg, convert_p, rejection, u_convert, u_reject):
    """New funnel state of a person after this step's contacts.

    A credible negative message turns a not-yet-adopter away; otherwise a persuasive positive message
    leads to buying with the engine's conversion probability, and a failed evaluation ends in rejection
    with probability `rejection`; anything seen makes an unaware person aware.
    """
    if not any(np.ndim(x) for x in (state, saw, persuaded_pos, persuaded_neg, convert_p, u_convert, u_reject)):
        return _one_contact_outcome(
            int(state), saw, persuaded_pos, persuaded_neg, convert_p, rejection, u_convert, u_reject
        )
    state = np.asarray(state, dtype=np.int8)
    open_ = state <= Funnel.AWARE  # unaware or aware
    neg = open_ & persuaded_neg
    pos = open_ & ~neg & persuaded_pos
    buys = pos & (u_convert < convert_p)
    rejects = neg | (pos & ~buys & (u_reject < rejection))
    new = np.where(saw & (state == Funnel.UNAWARE), np.int8(Funnel.AWARE), state)
    new = np.where(rejects, np.int8(Funnel.REJECTER), np.where(buys, np.int8(Funnel.ADOPTER), new))
    return _scalar_or_array(new)


def _one_contact_outcome(state, saw, persuaded_pos, persuaded_neg, convert_p, rejection, u_convert, u_reject) -> int:
    """`contact_outcome` for one person (all arguments scalars), in plain Python: the same comparisons,
    without numpy's cost per call (the per-agent backend decides person by person)."""
    open_ = state <= Funnel.AWARE
    neg = open_ and bool(persuaded_neg)
    pos = open_ and not neg and bool(persuaded_pos)
    buys = pos and u_convert < convert_p
    if neg or (pos and not buys and u_reject < rejection):
        return int(Funnel.REJECTER)
    if buys:
        return int(Funnel.ADOPTER)
    return int(Funnel.AWARE) if saw and state == Funnel.UNAWARE else state


# --- relationship chain ---------------------------------------------------------------------------


def strengthen(strength, growth):
    """Tie strength after one interaction: closes a fraction `growth` of the gap to 1."""
    return _scalar_or_array(np.asarray(strength, dtype=float) + growth * (1.0 - np.asarray(strength, dtype=float)))


def relax(strength, base, decay_rate, elapsed_days):
    """Tie strength after `elapsed_days` without interaction: exponential return to its base level."""
    s = np.asarray(strength, dtype=float)
    return _scalar_or_array(base + (s - base) * np.exp(-decay_rate * np.asarray(elapsed_days, dtype=float)))


def fan_transition(state, valence, brand_tie, fan_threshold, fan_exit):
    """Advocating adopters whose brand tie reaches the threshold become fans; fans whose tie falls below exit drop back."""
    state = np.asarray(state)
    to_fan = (state == Funnel.ADOPTER) & (np.asarray(valence) == POSITIVE) & (np.asarray(brand_tie) >= fan_threshold)
    from_fan = (state == Funnel.FAN) & (np.asarray(brand_tie) < fan_exit)
    new = np.where(to_fan, Funnel.FAN, np.where(from_fan, Funnel.ADOPTER, state))
    return _scalar_or_array(new.astype(np.int8))


def assured_expectation(expectation, quality, tie, tie_assurance):
    """Strong ties in the decision: the expectation a persuaded person weighs the product against.

    The trust carried by the tie that persuaded them (`tie`, 0-1: the persuading contact's tie strength,
    or their brand tie for an official post) closes a share `tie_assurance * tie` of any shortfall of the
    product's value below their expectation (value units): a trusted recommender lowers the risk the
    buyer perceives in a product that may disappoint, and changes nothing when the product already meets
    the expectation. tie_assurance = 0 returns the expectation unchanged (docs/model.md, "Strong ties in
    the decision").
    """
    e = np.asarray(expectation, dtype=float)
    shortfall = np.maximum(0.0, e - np.asarray(quality, dtype=float))
    return _scalar_or_array(e - tie_assurance * np.asarray(tie, dtype=float) * shortfall)


def answered_persuasion(persuasion, answer_back, fan_share):
    """Fans who answer back: a complaint's persuasion probability where fans read and reply to it.

    Each reader meets the fans' replies in proportion to the share of fans among the complaint's audience
    (`fan_share`, 0-1: the board or group's members, the poster's followers); a reader who meets them is
    no longer persuaded with probability `answer_back` (0-1). answer_back = 0 leaves the probability
    unchanged (docs/model.md, "Fans who answer back").
    """
    factor = 1.0 - answer_back * np.asarray(fan_share, dtype=float)
    return _scalar_or_array(np.asarray(persuasion, dtype=float) * factor)


def fan_share(is_fan, owner, n_owners):
    """Share of fans among each owner's audience: `is_fan[k]` for audience entry k belonging to `owner[k]`
    (owners with no audience: 0)."""
    fans = np.bincount(owner, weights=np.asarray(is_fan, dtype=float), minlength=n_owners)
    size = np.bincount(owner, minlength=n_owners)
    return fans / np.maximum(size, 1)


# --- the participation playbook -------------------------------------------------------------------


#: The default returns to a product's budget: the square root (hit_product.budget_exponent).
SQUARE_ROOT = 0.5


def focused_quality(base_quality, budget, products, quality_per_budget, exponent=SQUARE_ROOT):
    """Hit product: quality a product gets from its share of the budget, budget/k.

    The gain is quality_per_budget * (budget/k) ** exponent (value units): exponent 0.5, the square root
    (diminishing returns, computed as np.sqrt so the default keeps its exact rounding), 1 linear, 0 no
    loss from splitting the budget; no budget gives no gain whatever the exponent.
    """
    share = np.asarray(budget, dtype=float) / products
    if exponent == SQUARE_ROOT:
        gain = np.sqrt(share)
    else:
        gain = np.where(share > 0, np.power(share, exponent), 0.0)
    return _scalar_or_array(base_quality + quality_per_budget * gain)


def variety_gap(products, variety_fit):
    """Hit product: how much closer a portfolio of k products comes to each person's taste."""
    return variety_fit * np.log2(products)


def interaction_multiplier(simplicity, benefit, fun, authenticity):
    """Interaction design: participation multiplier, 1 at neutral scores (0.5 each), up to 2."""
    return (simplicity + benefit + fun + authenticity) / 2.0


def achievement(fun, authenticity):
    """Interaction design: the sense of achievement a participation gives (0-1)."""
    return (fun + authenticity) / 2.0


def adoption_reached(adopted_total, n, share):
    """Whether `adopted_total` of `n` people is at least `share` of them: the one trigger of what waits for
    loyalty (advertising.start_at_adoption, a layer's start_at_adoption). adopted_total counts everyone who
    ever adopted and never falls, so once reached it stays reached; share 0 is reached from the start."""
    return adopted_total >= share * n


def participation_probability(rate, multiplier, dt):
    """Chance of taking part this step at `rate` per day scaled by a person's multiplier."""
    return _scalar_or_array(np.clip(np.asarray(rate, dtype=float) * multiplier * dt, 0.0, 1.0))


def release_gain(feedback, max_gain, feedback_scale):
    """Product iteration: a release's quality gain grows with the feedback gathered, saturating."""
    return _scalar_or_array(max_gain * (1.0 - np.exp(-np.asarray(feedback, dtype=float) / feedback_scale)))


#: Slack when counting the posts of a regular rhythm due in a step, so that 7 steps of 1/7 day hold one post.
RHYTHM_SLACK = 1e-9


def regular_count(rate, day, dt):
    """Posts of a regular rhythm of `rate` a day in the step from `day` to `day + dt`: the posts due at the fixed
    times 1/rate, 2/rate, ... that fall in it (a daily post each day, two a day: two)."""
    due = np.floor(np.asarray(rate * (day + dt), dtype=float) + RHYTHM_SLACK)
    return int(due - np.floor(rate * day + RHYTHM_SLACK))


def habit_multiplier(kept_days, habit_days, gain):
    """How much more of a regular account's posts its audience sees after `kept_days` of the rhythm: 1 + gain
    (1 - exp(-kept_days / habit_days)); 1 at the start, 1 + gain once the habit has formed."""
    return _scalar_or_array(1.0 + gain * (1.0 - np.exp(-np.asarray(kept_days, dtype=float) / habit_days)))


def vote_shares(values, noise):
    """Iteration votes: the chance a vote goes to each candidate feature, a logit on what each is worth
    (`values`, value units) with scale `noise` (value units, > 0): equal values split the votes evenly,
    and a feature worth `noise` more than another draws e (2.718...) times its votes."""
    utility = np.asarray(values, dtype=float) / noise
    weights = np.exp(utility - utility.max())
    return weights / weights.sum()


def voted_feature(votes):
    """The candidate a release ships: the one with most votes (on a tie, the first of them)."""
    return int(np.argmax(votes))


def node_rate(base_rate, need, user_benefit, activity):
    """Participation node: more functional needs and more user benefit draw more participants."""
    return base_rate * need * user_benefit * activity


def mutual_benefit(user_benefit, brand_benefit):
    """Participation node: only what benefits both sides builds the relationship (0-1, 2x min)."""
    return 2.0 * min(user_benefit, brand_benefit)


def node_activity(activity, neglect_rate, brand_benefit, dt):
    """Participation node: the brand neglects a node in proportion to its missing benefit."""
    return activity * float(np.exp(-neglect_rate * (1.0 - brand_benefit) * dt))


def unfollow_probability(posts_per_day, tolerance, unfollow_rate, dt):
    """Self-media overload: chance a follower unfollows this step, growing with posts above tolerance."""
    return field_probability(unfollow_rate * max(0.0, posts_per_day - tolerance), dt)


def attention(posts_per_day, tolerance):
    """Self-media overload: share of attention each post gets when posts exceed the tolerance."""
    return 1.0 if posts_per_day <= tolerance or posts_per_day == 0 else tolerance / posts_per_day


def peer_rate(peer_rate, horizontal, fan_share):
    """Community economy: fans draw each other in, so peer participation grows with the share of fans."""
    return peer_rate * horizontal * fan_share


def trust_discount(trust, horizontal, member_share):
    """The community closes the sale: value units taken off the expectation a persuaded person weighs the
    product against, `trust` (value units) times the community's `horizontal` share (0-1: members serving
    each other, not the brand, is what earns the trust) times the share of members among the person's
    offline contacts (`member_share`, 0-1: the trust they lend). 0 when any factor is 0 (docs/model.md 6.13).
    """
    return _scalar_or_array(trust * horizontal * np.asarray(member_share, dtype=float))


def intimacy(members, parts, intimacy_size):
    """A community's intimacy (0-1): 1 while its parts hold at most `intimacy_size` people each, else
    intimacy_size / (members per part): past that size members know each other less, so the trust they lend
    and the pull they exert on each other fade in proportion (the assumption; None = never fades). Splitting
    into more parts restores it (seed S69: too large a community splits)."""
    if intimacy_size is None or members <= 0:
        return 1.0
    return min(1.0, intimacy_size * parts / members)


def community_parts(members, split_size):
    """A community of `members` people splits into ceil(members / split_size) parts past split_size members
    (one part up to it, and for an empty community); split_size None never splits."""
    if split_size is None or members <= split_size:
        return 1
    return -(-members // split_size)


def contacts_fan_share(is_fan, indptr, indices, people):
    """Share of fans among each person's contacts (0 for someone without contacts).

    `is_fan` (bool, one per person) marks fans; the contacts of person i are indices[indptr[i]:indptr[i+1]]
    (a CSR layer). With community.peer_reach = 'ties' this replaces the population-wide fan share in
    `peer_rate`: only fans among a person's own offline contacts draw them into peer participation.
    """
    people = np.asarray(people, dtype=np.int64)
    lo, hi = indptr[people], indptr[people + 1]
    degree = hi - lo
    owner = np.repeat(np.arange(len(people)), degree)
    slots = ranges(lo, degree)
    return fan_share(np.asarray(is_fan, dtype=bool)[indices[slots]], owner, len(people))


def win_back_probability(answered_chance, gift_chance, gifted):
    """Complaints: chance an answered complaint wins its detractor back, the answer and (if `gifted`) a gift
    each winning them independently: 1 - (1 - answered_chance) * (1 - gift_chance * gifted)."""
    gift = np.asarray(gift_chance, dtype=float) * np.asarray(gifted, dtype=float)
    return _scalar_or_array(1.0 - (1.0 - np.asarray(answered_chance, dtype=float)) * (1.0 - gift))


def recovered_valence(becomes_advocate):
    """Complaints: a detractor won back advocates (+1) if drawn so, else stays a quiet adopter (0)."""
    return _scalar_or_array(np.where(np.asarray(becomes_advocate), np.int8(POSITIVE), np.int8(QUIET)))


def trial_chances(margin, sensitivity, max_conversion, turn_away):
    """Trial before purchase: (chance to buy now, chance a non-buyer turns away for good) of people who tried
    the product and lived it `margin` above their expectation (value units).

    Trying replaces the expected gap (quality - expectation) by the lived one: the conversion curve
    (`conversion_probability`) of the lived margin; a tryer who does not buy and lived the product below their
    expectation (margin < 0) turns away with chance `turn_away`, one who lived it at or above does not. So a
    product above expectations sells to most of its tryers and a product below loses them.
    """
    m = np.asarray(margin, dtype=float)
    buy = conversion_probability(m, 0.0, sensitivity, max_conversion)
    away = np.where(m < 0.0, float(turn_away), 0.0)
    return buy, _scalar_or_array(away)


def signal_lift(days_since, strength, memory_days):
    """Brand signals: the lift in perceived quality (value units) left on a day by signals given `days_since`
    days before it (one entry per signal; negative entries are signals not given yet and count nothing), each
    `strength` value units when given and fading as exp(-days / memory_days). The lifts of several signals add.
    """
    d = np.asarray(days_since, dtype=float)
    given = d >= 0.0
    return float(np.sum(np.where(given, strength * np.exp(-np.where(given, d, 0.0) / memory_days), 0.0)))


def social_value(weight, owner_share):
    """Social value: the value (value units) owning the product adds for someone among whom `owner_share` (0-1,
    scalar or one per person) own it: `weight` x the share, linear (the assumption: each owner around a person
    adds the same; no snob effect when everyone owns it)."""
    return weight * owner_share


def segment_doubt(mass_doubt, mass_share, proof_share):
    """Segments: value units a mass-market person adds to their expectation at a decision, `mass_doubt` while
    none of the mass market has adopted, falling linearly to 0 as the share of it that ever adopted
    (`mass_share`) reaches `proof_share` (> 0), and 0 beyond: mass_doubt * max(0, 1 - mass_share / proof_share).
    """
    return float(mass_doubt) * max(0.0, 1.0 - float(mass_share) / float(proof_share))


# --- adoption rules: when peers persuade (sim.model.adoption) --------------------------------------

#: Slack when turning a threshold share into a count of neighbours, so that e.g. 0.2 * 5 needs 1, not 2.
SHARE_SLACK = 1e-9


def neighbours_needed(threshold, degree):
    """Fractional threshold (Watts): adopted neighbours a person needs, the smallest count whose share of
    `degree` neighbours reaches `threshold`, and never fewer than one (nobody is persuaded by no one)."""
    need = np.ceil(np.asarray(threshold, dtype=float) * np.asarray(degree, dtype=float) - SHARE_SLACK)
    return _scalar_or_array(np.maximum(need, 1).astype(np.int64))


def threshold_reached(adopted_neighbours, needed):
    """Whether a person's adopted neighbours reach the count their threshold needs."""
    return _scalar_or_array(np.asarray(adopted_neighbours) >= np.asarray(needed))


def memory_steps(memory_days, dt):
    """Steps a dose is remembered (dose-response rule): the step it came in at least."""
    return max(1, int(np.ceil(memory_days / dt - SHARE_SLACK)))


def dose_reached(doses_in_memory, dose_threshold):
    """Dose-response (Dodds-Watts): whether the doses remembered reach the person's dose threshold."""
    return _scalar_or_array(np.asarray(doses_in_memory) >= dose_threshold)


def newest_generation(day, launch_days):
    """The newest generation on sale on `day`: 1 plus the later products launched by then (launch days sorted)."""
    return 1 + np.searchsorted(np.asarray(launch_days, dtype=float), day, side="right")


def eligible(rank, share: float):
    """Whether a person of eligibility rank `rank` (uniform in [0, 1), fixed for life) can buy when the share
    eligible is `share`: rank < share, so a share that never falls makes eligibility for good and the share
    of people eligible equals `share` on average."""
    return rank < share


def market_chance(chance, rank, share: float):
    """A persuaded person's chance to buy (or, failing that, to turn away) when the share eligible is `share`:
    `chance` inside the market, 0 outside it (people of rank >= share hear and become aware, but can neither
    buy a product they cannot use yet nor reject it for good)."""
    return np.where(eligible(rank, share), chance, 0.0)
