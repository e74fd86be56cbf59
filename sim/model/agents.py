"""Mesa agents: a person (`Consumer`) and the brand's `OfficialAccount`.

A Consumer is the readable, per-agent version of the vectorised step (`sim.model.backends`): it keeps
its state in the model's arrays (entry `index`) and decides with the same rule functions from
`sim.model.rules`, one person at a time. It is used with `run.backend = "agents"` (teaching, checking
the vector backend). Agents read the model through its public attributes and methods; what they decide
in a step goes into the step's `StepContext` and is applied after everyone has decided.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.model import rules
from sim.model.context import StepContext
from sim.model.state import CHANNEL, NO_CHANNEL, Funnel
from sim.model.streams import ACCOUNT_SLOTS, CREDIT_AWARE, CREDIT_BUY, FIELD_HIT, FIELD_SOURCE, Purpose

#: The last funnel code still open to contacts (unaware, aware): people beyond it only read for their ties.
OPEN = int(Funnel.AWARE)


class OfficialAccount(mesa.Agent):
    """The brand's official account: posts on the channels it is on at a steady rate."""

    def __init__(self, model, number: int = 0):
        super().__init__(model)
        self.number = number  # which official account (its draws' slots)

    def post(self, step: int, day: float, channels) -> None:
        """Post a Poisson number of times on each open official channel, split by the content mix."""
        model, draws = self.model, self.model.draws
        rate = model.playbook.official_rate(day)
        mix = model.playbook.content_mix()
        for ch in channels:
            if ch.name in model.cfg.official.channels and rate > 0:
                slot = ch.code + ACCOUNT_SLOTS * self.number
                count = model.playbook.official_count(draws, rate, day, model.dt, slot)
                ch.post_official(draws.split(Purpose.OFFICIAL_KIND, count, mix, slot), step)


class Consumer(mesa.Agent):
    """One person of the population, stepping on its own with the shared rules."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def state(self) -> Funnel:
        return Funnel(self.model.people.state[self.index])

    def talk(self, ctx: StepContext) -> None:
        """Decide, from the start-of-step state, on which open channels to post this step (into `ctx.posts`)."""
        channels = ctx.channels
        if not channels:  # nowhere to post
            return
        m = self.model
        i = self.index
        if ctx.meme_boost is not None and m.people.state[i] == Funnel.AWARE:
            weight = ctx.meme_boost  # passing the meme on
        else:
            weight = ctx.talk_weights[i]  # 0 before the person starts talking
        shares = bool(m.playbook.share_next[i])
        if weight <= 0 and not shares:
            return
        me = np.array([i])
        for ch in channels:
            if not ch.can_post(me)[0]:
                continue
            if shares or m.draws.uniform_one(Purpose.POST, i, ch.code) < rules.post_probability(
                weight, ch.cfg.speed, m.dt
            ):
                ctx.posts[ch.name].append(i)

    def listen(self, ctx: StepContext) -> None:
        """Meet this step's posts and fields, then decide the next funnel state (into `ctx.changes`, applied
        after everyone); the ties read along go into `ctx.ties`."""
        m = self.model
        i = self.index
        if m.people.state[i] > OPEN:  # neither unaware nor aware
            if ctx.channels:
                self._listen_only_for_ties(ctx)
            return
        step, day, channels, (p_ads, q_pos, q_neg) = ctx.step, ctx.day, ctx.channels, ctx.field_rates
        draws = m.draws
        found = []  # (channel, negative, persuaded, strength of the tie it came along: 0 for ads and fields)
        senders = []  # the sender of each of `found` (-1: not a peer on the rule's layer)
        rule = m.backend.rule
        for ch in channels:
            mine = [] if rule is not None and ch.code == rule.code else None
            got, ties = (
                ch.contacts_of(i, step, day, draws, mine) if mine is not None else ch.contacts_of(i, step, day, draws)
            )
            found += got
            senders += mine if mine is not None else [-1] * len(got)
            ctx.ties[ch.name] += ties
            official = ch.official_contact_of(m.people, m.playbook, i, draws, day)
            found += official
            senders += [-1] * len(official)
        total = p_ads + q_pos
        if total > 0 and draws.uniform_one(Purpose.FIELD, i, FIELD_HIT) < rules.field_probability(total, m.dt):
            from_ads = draws.uniform_one(Purpose.FIELD, i, FIELD_SOURCE) < p_ads / total
            found.append((CHANNEL["advertising"] if from_ads else CHANNEL["offline"], False, True, 0.0))
        if q_neg > 0 and draws.uniform_one(Purpose.FIELD_NEGATIVE, i) < rules.field_probability(q_neg, m.dt):
            found.append((CHANNEL["offline"], True, True, 0.0))
        if rule is not None:  # the rule decides which peer contacts on its layer persuade
            found = rule.persuades_one(i, found, senders + [-1] * (len(found) - len(senders)), step)
        if not found:
            return
        positive = [c for c, neg, pers, _ in found if pers and not neg]
        negative = any(pers and neg for _, neg, pers, _ in found)
        convert_p = m.conversion(np.array([i]), day, tie=self._persuading_tie(found))[0]
        reject_p = float(np.ravel(m.rejection(day, np.array([i])))[0])
        u_convert, u_reject = draws.uniform_one(Purpose.CONVERT, i), draws.uniform_one(Purpose.REJECT, i)
        new = rules.contact_outcome(
            m.people.state[i], True, bool(positive), negative, convert_p, reject_p, u_convert, u_reject
        )
        aware_ch = credited_channel(draws, i, [c for c, *_ in found], CREDIT_AWARE)
        adopt_ch = credited_channel(draws, i, positive, CREDIT_BUY) if positive else NO_CHANNEL
        ctx.changes.append((i, new, aware_ch, adopt_ch))

    def _persuading_tie(self, found: list) -> np.ndarray | None:
        """Strong ties in the decision: the strongest tie among this person's persuasive positive contacts
        (None when ties do not weigh in the decision, relationship.tie_assurance = 0)."""
        if self.model.cfg.relationship.tie_assurance == 0:
            return None
        return np.array([max((s for _, neg, pers, s in found if pers and not neg), default=0.0)])

    def _listen_only_for_ties(self, ctx: StepContext) -> None:
        """Adopters and rejecters still read posts: ties they are read along grow, interactive posts invite them in."""
        m = self.model
        for ch in ctx.channels:
            _, ties = ch.contacts_of(self.index, ctx.step, ctx.day, m.draws)
            ctx.ties[ch.name] += ties
            ch.official_contact_of(m.people, m.playbook, self.index, m.draws, ctx.day)  # may note an interactive reader

    def experience_noise(self) -> float:
        """Draw how far this person's lived experience falls from the product's quality."""
        sd = self.model.cfg.engine.experience_sd
        return self.model.draws.normal_one(Purpose.EXPERIENCE, self.index, sd) if sd > 0 else 0.0

    def participates(
        self, probabilities: list[float], purpose: Purpose = Purpose.PARTICIPATE, first_slot: int = 0
    ) -> list[bool]:
        """Whether this advocate or fan takes part through each participation source this step (or another
        per-person event of stage 5 named by `purpose`, its sources numbered from `first_slot`)."""
        draws = self.model.draws
        return [bool(draws.uniform_one(purpose, self.index, first_slot + k) < p) for k, p in enumerate(probabilities)]


def credited_channel(draws, person: int, channels: list[int], slot: int) -> int:
    """The channel of one of a person's contacts (`channels`, one code per contact) chosen uniformly at random.

    It picks from the codes in ascending order, as the vector backend's `random_channel` does (a code with
    probability proportional to its contacts, by inversion of the same uniform), so both backends credit the
    same channel."""
    channels = sorted(channels)
    return channels[draws.index_one(Purpose.PICK_CONTACT, person, len(channels), slot)]
