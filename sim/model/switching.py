"""Owners reconsider their brand (issue 26, part 3; `[switching]`, `sim.config.brands.SwitchingConfig`): they
switch to a rival or leave the category. Used by `sim.model.brands.BrandsModel` only when switching is on.

In a step, an owner of brand b with lived margin m (their experience of b minus their expectation, set
when they bought it; 0 for seed users) reconsiders with chance

    (1 - exp(-dissatisfaction x max(0, -m) x dt) x (1 - persuasion')^[a rival persuaded them this step])
    x (1 - loyalty x brand tie)

(`reconsider_chance`): a hazard from dissatisfaction, a chance per step in which a rival's ads or owners'
talk persuaded them, both lowered by their tie to the brand; persuasion' is `persuasion`, and for a fan
persuasion x (1 - fan_screening): fans screen out outside information (seed S75). A reconsidering owner chooses among their own
brand, valued at their lived margin, and every rival they know and have not turned from, valued at the
rival's quality minus their expectation of it minus the switching cost, by the logit of the choice among
brands (`brand_choice_weights`, each brand's engine sensitivity), each brand's `engine.brand_value` added to its
value (the one kept included). Choosing a rival is a switch: they
live the rival's product (a new margin and valence), their brand tie starts again at
`relationship.initial_brand_tie`, and they count as the rival's adopter (not as a new adopter of the
category). Keeping their brand with a lived margin below 0, they leave the category with chance `leave`:
they own nothing, stop talking and are open again (aware), to any brand.
"""

from __future__ import annotations

import numpy as np

from sim.model.brand_choice import brand_choice_weights, brand_values, pick_by_weights
from sim.model.brand_contacts import BrandContacts, bits, to_mask
from sim.model.state import QUIET, Funnel
from sim.model.streams import Purpose

#: Slots of a reconsidering owner's two draws (`Purpose.SWITCH_CHOICE`): which brand, and whether they leave.
CHOICE_SLOT, LEAVE_SLOT = 0, 1


def reconsider_chance(margin, rival_persuaded, tie, dissatisfaction, persuasion, loyalty, dt):
    """Chance an owner reconsiders their brand in a step (the module docstring gives the rule)."""
    keep = np.exp(-dissatisfaction * np.maximum(0.0, -np.asarray(margin, dtype=float)) * dt)
    keep = keep * np.where(rival_persuaded, 1.0 - persuasion, 1.0)
    return (1.0 - keep) * (1.0 - loyalty * np.asarray(tie, dtype=float))


def reconsider(model, owners: np.ndarray, contacts: BrandContacts, step: int, day: float) -> None:
    """`owners` (their contacts of the step in `contacts`) reconsider: some switch, some leave."""
    sw, p, count = model.cfg.switching, model.people, model.count
    column = np.arange(len(owners))
    own = p.brand[owners].astype(np.int64)
    p.known[owners] |= to_mask(contacts.seen)
    turned = bits(p.turned_from[owners], count)
    rivals = contacts.pos & ~turned
    rivals[own, column] = False
    margin = p.margin[owners].astype(float)
    tie = p.brand_tie_now(owners, day)
    persuasion = sw.persuasion * np.where(p.state[owners] == Funnel.FAN, 1.0 - sw.fan_screening, 1.0)
    chance = reconsider_chance(margin, rivals.any(axis=0), tie, sw.dissatisfaction, persuasion, sw.loyalty, model.dt)
    draws = model.draws
    thinking = draws.uniform(Purpose.SWITCH, owners) < chance
    options = bits(p.known[owners], count) & model.entered[:, None] & ~turned
    options[own, column] = True
    values = np.array([model.products[b].quality(day) - model.expectation_of(b, owners, day) for b in range(count)])
    values -= sw.cost
    values[own, column] = margin
    values += brand_values(model)[:, None]  # a brand's own value counts for the brand kept as for a rival
    sensitivity = np.array([[b.engine.sensitivity] for b in model.brand_cfg])
    weights = brand_choice_weights(values, sensitivity, options & thinking[None, :])
    choice = pick_by_weights(weights, draws.uniform(Purpose.SWITCH_CHOICE, owners, CHOICE_SLOT))
    switch = thinking & (choice != own)
    stays_unhappy = thinking & (choice == own) & (margin < 0)
    leave = stays_unhappy & (draws.uniform(Purpose.SWITCH_CHOICE, owners, LEAVE_SLOT) < sw.leave)
    for b in range(count):
        moving = switch & (choice == b)
        if moving.any():
            _switch(model, owners[moving], own[moving], b, step, day)
    if leave.any():
        _leave(model, owners[leave], own[leave])


def _switch(model, people: np.ndarray, old: np.ndarray, new: int, step: int, day: float) -> None:
    """`people`, owners of the brands `old`, now own brand `new`: they live its product and talk about it."""
    p = model.people
    margin, valence = model.live_brand(new, people, day)
    p.change_valence(people, valence)
    p.brand[people] = new
    p.margin[people] = margin
    p.set_brand_tie(people, np.full(len(people), model.cfg.relationship.initial_brand_tie), day)
    np.subtract.at(model.owners, old, 1)
    np.add.at(model.switched_out, old, 1)
    model.owners[new] += len(people)
    model.switched_in[new] += len(people)
    model.count_owned(new, people)
    model.money.sell(new, people, step * model.dt)  # a switch is a sale of the new brand (`sim.model.money`)
    model.stop_talking(people)
    model.start_talking(np.compress(valence != QUIET, people), step)


def _leave(model, people: np.ndarray, old: np.ndarray) -> None:
    """`people`, owners of the brands `old`, leave the category: they own nothing, are silent and open again."""
    p = model.people
    np.subtract.at(model.owners, old, 1)
    np.add.at(model.left, old, 1)
    p.set_state(people, np.full(len(people), Funnel.AWARE, dtype=np.int8))
    p.valence[people] = QUIET
    p.brand[people] = -1
    model.stop_talking(people)
