"""Adoption rules (`wom.rule`): when contacts with peers on one layer persuade a person.

The default rule, "independent", is the contact rule of `sim.model.funnel`: every persuasive contact
persuades on its own, so it needs no object here (`make_rule` gives None and the step is unchanged).
The other rules replace the positive persuasion of peers on `wom.rule_layer` (an edge layer: offline
ties or Weibo follows) and leave everything else as it is: awareness, negative messages, the other
layers, ads and official posts. A person a rule persuades still buys only through the engine's
conversion (`rules.contact_outcome`), like anyone persuaded.

- `ThresholdRule` (Watts's fractional threshold): a person is persuaded once the share of their
  neighbours on the layer who have adopted reaches their threshold (`wom.threshold`, spread
  `wom.threshold_sd`). Social proof: what counts is how many friends use the product, not what they say.
- `DoseRule` (Dodds and Watts's generalised contagion with memory): each persuasive contact on the layer
  is a dose; a person is persuaded when the doses of the last `wom.memory_days` reach
  `wom.dose_threshold` (with `wom.distinct_sources`, distinct senders: Centola's complex contagion).

Each rule works on both backends: `persuade_all` rewrites the vector backend's contact blocks for the
whole step, `persuades_one` decides for one consumer of the agents backend, from the same state.
A new rule is one class with these methods, one line in `RULES`, and its test.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from sim.model import rules
from sim.model.edge_channel import EdgeChannel
from sim.model.funnel import Contacts
from sim.model.state import Funnel
from sim.model.streams import Purpose

#: Funnel states of people who have adopted (whatever they now think of the product).
ADOPTED = (Funnel.ADOPTER, Funnel.FAN, Funnel.DETRACTOR)


def rule_channel(model) -> EdgeChannel:
    """The channel of `wom.rule_layer` (an edge layer that is on: checked when the scenario was built,
    sim.config.schema)."""
    return model.channels[model.cfg.wom.rule_layer]


def _peer_positive(contacts: Contacts, code: int) -> list:
    """The blocks of positive peer contacts on the rule's channel."""
    return [b for b in contacts.blocks if b.channel == code and not b.negative]


class ThresholdRule:
    """Watts's fractional threshold on one edge layer, with adopted-neighbour counts kept incrementally.

    When people adopt, each of their neighbours on the layer (the people their posts reach) counts one
    more adopted neighbour and becomes a candidate; at the next step the candidates whose count reaches
    the number their threshold needs (`rules.neighbours_needed` of their own neighbours) are persuaded.
    Work follows change: a step looks only at the neighbours of the previous step's adopters. Someone
    persuaded who does not buy is reconsidered when another neighbour adopts. "Adopted" is for good:
    fans and detractors still count.
    """

    def __init__(self, model):
        wom = model.cfg.wom
        self.model = model
        ch = rule_channel(model)
        self.code = ch.code
        self.layer = ch.layer
        degree = np.diff(ch.incoming().indptr)  # the neighbours a person hears from
        threshold = wom.threshold
        if wom.threshold_sd > 0:
            noise = model.draws.normal(Purpose.THRESHOLD, np.arange(model.n), wom.threshold_sd)
            threshold = np.clip(noise + wom.threshold, 0.0, 1.0)
        self.needed = np.asarray(rules.neighbours_needed(threshold, degree), dtype=np.int64).reshape(-1)
        self.count = np.zeros(model.n, dtype=np.int64)  # adopted neighbours per person
        self._candidates: list[np.ndarray] = []
        self.ready = np.zeros(model.n, dtype=bool)  # persuaded in the current step
        self._ready_people = np.empty(0, dtype=np.int64)
        self.adopted(np.flatnonzero(np.isin(model.people.state, ADOPTED)))

    def adopted(self, people: np.ndarray) -> None:
        """New adopters: their neighbours count one more adopted neighbour and are looked at next step."""
        if len(people) == 0:
            return
        targets, _ = self.layer.out_ties(np.asarray(people, dtype=np.int64))
        targets = targets.astype(np.int64)
        np.add.at(self.count, targets, 1)
        self._candidates.append(targets)

    def begin_step(self, step: int) -> None:
        """Who is persuaded this step: candidates still open whose adopted neighbours reach their need."""
        self.ready[self._ready_people] = False
        people = np.unique(np.concatenate(self._candidates)) if self._candidates else self._ready_people[:0]
        self._candidates = []
        open_ = self.model.people.state[people] <= Funnel.AWARE
        met = rules.threshold_reached(self.count[people], self.needed[people])
        self._ready_people = np.compress(open_ & met, people)
        self.ready[self._ready_people] = True

    def persuade_all(self, contacts: Contacts, step: int) -> None:
        """Vector backend: peer messages on the layer no longer persuade; the threshold does."""
        for b in _peer_positive(contacts, self.code):
            b.persuaded = np.zeros(len(b.target), dtype=bool)
        contacts.add(self._ready_people, self.code, False, np.ones(len(self._ready_people), dtype=bool))

    def persuades_one(self, i: int, found: list, senders: list, step: int) -> list:
        """Agents backend: person i's contacts (channel, negative, persuaded, tie strength) with the same rule
        applied; the threshold's own persuasion comes along no single tie (strength 0)."""
        found = [(c, neg, pers and (neg or c != self.code), s) for c, neg, pers, s in found]
        if self.ready[i]:
            found.append((self.code, False, True, 0.0))
        return found


class DoseRule:
    """Dodds and Watts's dose-response rule with memory, on one edge layer.

    Each persuasive peer contact on the layer (probability: the layer's read and persuasion chances) is
    one dose; a dose counts for `rules.memory_steps(wom.memory_days, dt)` steps, including the one it
    came in. When a dose arrives, its receiver is persuaded if the doses in memory reach
    `wom.dose_threshold`; with `wom.distinct_sources` the doses count distinct senders (a sender who
    comes back refreshes its dose). With dose_threshold = 1 and any memory this is the independent rule.
    """

    def __init__(self, model):
        wom = model.cfg.wom
        self.model = model
        self.n = model.n
        ch = rule_channel(model)
        self.code = ch.code
        self.distinct = wom.distinct_sources
        ch.keep_sources = self.distinct  # the senders of contacts are needed to tell them apart
        self.memory = rules.memory_steps(wom.memory_days, model.dt)
        self.dose_threshold = wom.dose_threshold
        self.count = np.zeros(model.n, dtype=np.int64)  # doses (or distinct senders) in memory per person
        self._doses: deque[tuple[int, np.ndarray]] = deque()  # (step, receivers) of remembered doses
        self._keys = np.empty(0, dtype=np.int64)  # distinct: receiver * n + sender, sorted ...
        self._last = np.empty(0, dtype=np.int64)  # ... and the last step each pair met

    def adopted(self, people: np.ndarray) -> None:
        """Doses come from contacts, not from adoption itself."""

    def begin_step(self, step: int) -> None:
        """Forget the doses that came in `memory` steps ago or earlier."""
        oldest = step - self.memory  # doses of this step or earlier are forgotten
        if self.distinct:
            keep = self._last > oldest
            if not keep.all():
                np.subtract.at(self.count, np.compress(~keep, self._keys) // self.n, 1)
                self._keys, self._last = self._keys[keep], self._last[keep]
            return
        while self._doses and self._doses[0][0] <= oldest:
            np.subtract.at(self.count, self._doses.popleft()[1], 1)

    def receive(self, receivers: np.ndarray, senders: np.ndarray | None, step: int) -> None:
        """Remember this step's doses (one per receiver entry; `senders` aligned when distinct)."""
        if len(receivers) == 0:
            return
        if not self.distinct:
            np.add.at(self.count, receivers, 1)
            self._doses.append((step, receivers))
            return
        pairs = np.unique(receivers * self.n + senders)
        pos = np.searchsorted(self._keys, pairs)
        hit = pos < len(self._keys)
        hit[hit] = self._keys[pos[hit]] == pairs[hit]
        self._last[pos[hit]] = step
        fresh = ~hit
        self._keys = np.insert(self._keys, pos[fresh], pairs[fresh])
        self._last = np.insert(self._last, pos[fresh], step)
        np.add.at(self.count, pairs[fresh] // self.n, 1)

    def persuade_all(self, contacts: Contacts, step: int) -> None:
        """Vector backend: a persuasive peer contact persuades only if its receiver's doses reach the threshold."""
        blocks = _peer_positive(contacts, self.code)
        if not blocks:
            return
        receivers = np.concatenate([np.compress(b.persuaded, b.target) for b in blocks]).astype(np.int64)
        senders = None
        if self.distinct:
            senders = np.concatenate([np.compress(b.persuaded, b.source) for b in blocks]).astype(np.int64)
        self.receive(receivers, senders, step)
        for b in blocks:
            b.persuaded = b.persuaded & rules.dose_reached(self.count[b.target], self.dose_threshold)

    def persuades_one(self, i: int, found: list, senders: list, step: int) -> list:
        """Agents backend: person i's doses from its contacts, and the contacts with the rule applied."""
        doses = [k for k, (c, neg, pers, _) in enumerate(found) if pers and not neg and c == self.code]
        who = np.array([senders[k] for k in doses], dtype=np.int64) if self.distinct else None
        self.receive(np.full(len(doses), i, dtype=np.int64), who, step)
        if rules.dose_reached(self.count[i], self.dose_threshold):
            return found
        return [(c, neg, pers and (neg or c != self.code), s) for c, neg, pers, s in found]


#: The rules other than "independent", by their `wom.rule` name.
RULES = {"threshold": ThresholdRule, "dose_response": DoseRule}


def make_rule(model) -> ThresholdRule | DoseRule | None:
    """The model's adoption rule, or None for the independent contacts (the step stays as it was)."""
    kind = RULES.get(model.cfg.wom.rule)
    return None if kind is None else kind(model)
