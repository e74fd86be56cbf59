"""Stage 5a of a step, the relationship chain's participation: advocates and fans take part, fans are
made and lost (docs/model.md, "Brand tie and participation").

Every advocate (an adopter who talks positively) and every fan may take part through each of the
playbook's participation sources (the brand's own invitation, peers, fan-building incentives,
participation nodes, interactive posts): taking part strengthens their tie to the brand, costs the
brand, yields feedback for the next release and renews their talk window. Then fans are made (brand
tie at or above `relationship.fan_threshold`) and lost (below `relationship.fan_exit`). With
`relationship.use_brand_growth` > 0 satisfied use alone also strengthens advocates' and fans' brand ties
every day (off by default: then only participation makes fans). Whether each
person takes part is drawn by the model's backend (`participation_draws`), the rest is shared.

In a market of brands (`sim.model.brands`) the stage runs once per brand over that brand's owners, with the
brand's own playbook, ledger and view (`participate`): a person's brand tie is their tie to the brand they
own, the fans it makes are fans of that brand, and their renewed talk carries it (docs/model.md 5.8).
"""

from __future__ import annotations

import numpy as np

from sim.model import rules
from sim.model.state import Funnel
from sim.playbook.playbook import positive_users


def take_part(model, step: int, day: float) -> None:
    """Advocates and fans take part on `day` (the end of `step`); their brand ties and fan status follow."""
    if not can_change(model, [model.playbook]):
        return
    participate(model, model.view, positive_users(model.people.state, model.people.valence), step, day)


def take_part_by_brand(model, step: int, day: float) -> None:
    """A market of brands (`sim.model.brands`): each brand's advocates and fans take part on `day` (the end of
    `step`) through that brand's view (`model.views`: its playbook, ledger and product), so what they do carries
    the brand they own."""
    if not can_change(model, model.playbooks):
        return
    pool = positive_users(model.people.state, model.people.valence)
    owned = model.people.brand[pool]
    for b, view in enumerate(model.views):
        participate(model, view, pool[owned == b], step, day)


def participate(model, view, pool: np.ndarray, step: int, day: float) -> None:
    """The people of `pool` (advocates and fans, ascending) take part through the sources of `view.playbook`,
    paid from `view.ledger`, on `day` (the end of `step`); their brand ties and fan status follow. One brand
    passes everyone who takes part and its own view; a market of brands (`sim.model.brands`) calls it once per
    brand with that brand's owners and its view, so what they do carries their brand."""
    rel = model.cfg.relationship
    if len(pool) == 0:
        return
    playbook = view.playbook
    sources = playbook.participation_sources(view, pool, day, model.dt)
    tie = model.people.brand_tie_now(pool, day)
    joined = np.zeros(len(pool), dtype=bool)
    feedback = 0.0
    if sources:
        mult = playbook.participation_multiplier(pool)
        probs = [rules.participation_probability(s.rate, mult, model.dt) for s in sources]
        for s, joins in zip(sources, view.participation_draws(pool, probs)):
            n_join = int(joins.sum())
            paid = view.ledger.buy(s.name, n_join, s.cost, day)
            if paid < n_join:  # out of money: only the first `paid` joiners (pool order) take part
                joins = joins & (np.cumsum(joins) <= paid)
                n_join = paid
            tie = np.where(joins, rules.strengthen(tie, min(1.0, rel.brand_growth * s.tie_building)), tie)
            feedback += s.feedback * n_join
            joined |= joins
    if rel.use_brand_growth > 0:
        tie = rules.strengthen(tie, use_growth(rel.use_brand_growth, model.dt))
    model.people.set_brand_tie(pool, tie, day)
    participants = pool[joined]
    model.renew_talk(participants, step)
    playbook.after_participation(view, participants, feedback, day)
    tie = model.people.brand_tie[pool]
    new = rules.fan_transition(
        model.people.state[pool], model.people.valence[pool], tie, rel.fan_threshold, rel.fan_exit
    )
    changed = new != model.people.state[pool]
    if changed.any():
        became_fan = pool[changed & (new == Funnel.FAN)]
        model.people.set_state(pool[changed], new[changed])
        model.talk.add(became_fan)


def use_growth(per_day: float, dt: float) -> float:
    """Fraction of the gap to 1 closed over a step of `dt` days at `per_day` per day of use (compounded)."""
    return 1.0 - (1.0 - per_day) ** dt


def can_change(model, playbooks) -> bool:
    """Whether anyone can take part or change fan status (else the stage is skipped: docking, speed), with
    `playbooks` the model's (one per brand in a market of brands)."""
    return model.people.counts[Funnel.FAN] > 0 or makes_fans(model.cfg, playbooks)


def makes_fans(scenario, playbooks) -> bool:
    """Whether the relationship chain can make fans of people who are not (taking part, use, a brand tie
    that starts past the threshold, or a mechanism of `playbooks` that builds brand ties)."""
    rel = scenario.relationship
    return (
        rel.participation_rate > 0
        or rel.use_brand_growth > 0
        or rel.initial_brand_tie >= rel.fan_threshold
        or any(playbook.builds_brand_ties() for playbook in playbooks)
    )
