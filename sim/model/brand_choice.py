"""The choice of a brand in a market of brands (issue 26, part 2; docs/model.md 5.8): the rules, pure functions
over (brand, person) arrays, and stages 4-5 of `sim.model.brands.BrandsModel`'s step for the open people the
brands reached (`choose_and_buy`): who turns away, which brand each chooses (`choose`), who buys, and the
channel credited (`credited`). Switching (`sim.model.switching`) chooses a rival with the same rules.
"""

from __future__ import annotations

import numpy as np

from sim.model import rules
from sim.model.brand_contacts import BrandContacts, bits, credit_channels, strongest_ties, to_mask
from sim.model.state import CHANNEL, Funnel
from sim.model.streams import CREDIT_AWARE, CREDIT_BUY, Purpose

#: The utility gap (in logit units) by which a brand below expectation trails one meeting it, under a
#: hard threshold (engine.sensitivity = 0): large enough that exp() of it is 0 in float64.
HARD_GAP = 1e4


def brand_choice_weights(margins, sensitivity, consider):
    """Choice weights of each brand (rows) for each person (columns): the logit exp(margin / sensitivity)
    over the brands a person considers (0 for the others), scaled so each person's largest is 1. A brand
    whose sensitivity is 0 is a hard threshold: utility 0 when its margin (value minus expectation) is
    >= 0, else -HARD_GAP (so brands meeting expectation are equally likely, and a person none satisfies
    picks among all they consider)."""
    margins = np.asarray(margins, dtype=float)
    sensitivity = np.broadcast_to(np.asarray(sensitivity, dtype=float), margins.shape)
    hard = sensitivity == 0
    utility = np.where(hard, np.where(margins >= 0, 0.0, -HARD_GAP), margins / np.where(hard, 1.0, sensitivity))
    utility = np.where(consider, utility, -np.inf)
    top = utility.max(axis=0, initial=-np.inf)
    top = np.where(np.isfinite(top), top, 0.0)
    return np.where(consider, np.exp(utility - top), 0.0)


def brand_choice_values(margins, consider, prices, price_weight, strongest=None, tie_bonus=0.0):
    """Each brand's value (rows) to each person (columns) in the choice, in value units: its margin (value
    against expectation), less `price_weight` times its price above the cheapest brand the person considers
    (that cheapest price is the reference, so a price common to the brands considered changes nothing), plus
    `tie_bonus` for the brand whose persuading tie is the strongest among those considered (`strongest`: per
    brand and person the strongest tie that persuaded toward it this step, -inf where none; brands whose ties
    are equally strong share it; None: no ties)."""
    prices = np.asarray(prices, dtype=float)[:, None]
    cheapest = np.where(consider, prices, np.inf).min(axis=0, initial=np.inf)
    value = np.asarray(margins, dtype=float) - price_weight * np.where(consider, prices - cheapest, 0.0)
    if strongest is not None:
        tie = np.where(consider, strongest, -np.inf)
        value = value + tie_bonus * (np.isfinite(tie) & (tie == tie.max(axis=0, initial=-np.inf)))
    return value


def pick_by_weights(weights, u):
    """For each column of `weights` (rows: options), the option picked by inverting its uniform `u` on
    the cumulative weights (0 where a column has no weight)."""
    weights = np.asarray(weights, dtype=float)
    cum = np.cumsum(weights, axis=0)
    total = cum[-1] if len(cum) else np.zeros(np.shape(u))
    picked = (cum <= (np.asarray(u) * total)[None, :]).sum(axis=0)
    return np.minimum(picked, max(len(weights) - 1, 0))


#: Slot of a chooser's draw of turning from the brand they did not buy (`Purpose.BRAND_CONVERT`).
TURN_SLOT = 1


def by_brand(brand: np.ndarray, among: np.ndarray, count: int) -> list[np.ndarray]:
    """Per brand b < `count`, the positions (ascending) where `among` (a mask) holds and `brand` is b: one grouping
    by a stable sort of small integers, instead of a mask per brand (whose gathers cost more than the sort)."""
    at = np.flatnonzero(among)
    if count == 1:
        return [at]
    key = brand[at].astype(np.int8)
    at = at[np.argsort(key, kind="stable")]
    ends = np.cumsum(np.bincount(key, minlength=count))
    return np.split(at, ends[:-1])


def choose_and_buy(model, contacts: BrandContacts, step: int, day: float) -> None:
    """Stage 4 and 5 of the step for the open people the brands reached (the module docstring gives the rule)."""
    p = model.people
    who, pos, neg, seen = contacts.people, contacts.pos, contacts.neg, contacts.seen
    p.known[who] |= to_mask(seen)
    turned = bits(p.turned_from[who], model.count) | neg
    consider = pos & ~turned
    chooses = consider.any(axis=0)
    if model.cfg.choice.consider == "known":  # ready to buy, they weigh every brand they know
        consider = chooses & bits(p.known[who], model.count) & ~turned
    choice = choose(model, who, consider, day)
    chance = np.zeros(len(who))
    turn_away = np.zeros(len(who))
    for b, (brand, mine) in enumerate(zip(model.brand_cfg, by_brand(choice, chooses, model.count))):
        e = brand.engine
        margin = model.products[b].quality(day) - model.expectation_of(b, who[mine], day)
        convert = rules.conversion_probability(margin, 0.0, e.sensitivity, e.max_conversion)
        chance[mine] = model.market.gate(np.asarray(convert, dtype=float), who[mine], day)
        turn_away[mine] = model.market.gate(e.rejection, who[mine], day)
    buys = chooses & (model.draws.uniform(Purpose.BRAND_CONVERT, who) < chance)
    rejects = np.zeros(len(who), dtype=bool)
    if turn_away.any():  # nobody turns away at chance 0 (and a uniform is never below 0): no draw needed
        rejects = chooses & ~buys & (model.draws.uniform(Purpose.BRAND_CONVERT, who, TURN_SLOT) < turn_away)
    turned[choice[rejects], np.flatnonzero(rejects)] = True
    p.turned_from[who] = to_mask(turned)
    channel = credited(model, who, chooses, choice, contacts)
    newly = p.state[who] == Funnel.UNAWARE
    p.become_aware(who[newly], channel[newly])
    gone = ~buys & turned.all(axis=0)
    p.set_state(who[gone], np.full(int(gone.sum()), Funnel.REJECTER, dtype=np.int8))
    for b, mine in enumerate(by_brand(choice, buys, model.count)):
        if len(mine):
            buyers, channels = model.supply.admit(b, who[mine], channel[mine], p, model.draws)
            model.adopt_brand(b, buyers, channels, step, day)


def choose(model, who: np.ndarray, consider: np.ndarray, day: float) -> np.ndarray:
    """The brand each of `who` chooses among those it considers (rows of `consider`; meaningless where it
    considers none): by the logit on each brand's value in the choice (`brand_choice_values`: value
    against expectation, less the weighed price above the cheapest considered, plus the bonus of the
    strongest persuading tie's brand; `brand_choice_weights`, inverted with the person's
    `Purpose.BRAND_CHOICE` uniform) where it considers several; the one brand itself where it considers
    one, which is what the logit gives it (all its weight on that brand, whatever its uniform), so only
    people with a choice to make compute values and draw (work follows the choice)."""
    choice = np.argmax(consider, axis=0)  # the first brand considered: the only one, for most people
    several = np.flatnonzero(consider.sum(axis=0) > 1)
    if len(several):
        people, considered, weighs = who[several], consider[:, several], model.cfg.choice
        values = np.array(
            [model.products[b].quality(day) - model.expectation_of(b, people, day) for b in range(model.count)]
        )
        values = values + brand_values(model)[:, None]  # what each brand itself is worth (engine.brand_value)
        if weighs.on:  # off: value against expectation alone (the margins as they are)
            prices = [b.money.price for b in model.brand_cfg]
            ties = None if model.heard is None else strongest_ties(model.heard, people, model.people.brand, model.count)
            values = brand_choice_values(values, considered, prices, weighs.price_weight, ties, weighs.tie_bonus)
        sensitivity = np.array([[b.engine.sensitivity] for b in model.brand_cfg])
        weights = brand_choice_weights(values, sensitivity, considered)
        choice[several] = pick_by_weights(weights, model.draws.uniform(Purpose.BRAND_CHOICE, people))
    return choice


def brand_values(model) -> np.ndarray:
    """Each brand's `engine.brand_value` (value units): what the brand itself adds to its value in a choice."""
    return np.array([b.engine.brand_value for b in model.brand_cfg])


def credited(model, who: np.ndarray, chooses: np.ndarray, choice: np.ndarray, contacts: BrandContacts) -> np.ndarray:
    """The channel credited for each of `who` (the step's reached open people, ascending, with their tables in
    `contacts`), for the brand they chose, else the first brand that reached them: one of the messages that
    persuaded them toward it (the purchase's channel for a buyer, their awareness's if they were unaware),
    else one of the messages about it; chosen at random among those contacts, as in the one-brand model
    (`credit_channels` over the step's contacts, kept by `_talk_on_the_network`). Without a channel every
    contact is the field's, one per brand and person: ads where it came from them, else well-mixed talk."""
    first = np.where(chooses, choice, np.argmax(contacts.seen, axis=0))
    column = np.arange(len(who))
    if not model.channels:
        return np.where(contacts.from_ads[first, column], CHANNEL["advertising"], CHANNEL["offline"]).astype(np.int8)
    persuaded = contacts.pos[first, column]  # every chooser's
    channel = np.empty(len(who), dtype=np.int8)
    for mask, tables, slot in ((persuaded, ("pos",), CREDIT_BUY), (~persuaded, ("neg", "seen"), CREDIT_AWARE)):
        at = np.flatnonzero(mask)
        channel[at] = credit_channels(model.step_contacts, who[at], first[at], tables, model.draws, slot)
    return channel
