"""The two ways a population steps (`run.backend`): `VectorBackend` and `AgentsBackend`.

Both take stages 2-4 of `WomModel.step` (posting, contacts, funnel decisions) and the two per-person
draws of the later stages (experience noise of new adopters, participation), with the same rule
functions (`sim.model.rules`) and channel code, and hand their decisions back to the model, which
applies them the same way for both. Every number is keyed by what it decides (`sim.model.streams`), so
they give identical runs, bit for bit (`tests/model/test_keyed_draws.py`).

- `VectorBackend` ("vector", the default): people are entries of the model's numpy arrays and the
  whole population steps at once; work goes where something happens (the talk pool, live posts,
  contacts; see `sim.model.funnel`).
- `AgentsBackend` ("agents"): one Mesa `Consumer` agent per person decides on its own, one at a
  time (teaching, and checking the vector backend). A consumer decides as it listens, so its
  stage 3 already holds the decisions and stage 4 only collects them.
"""

from __future__ import annotations

from functools import cache, partial

import numpy as np

from sim.model import rules
from sim.model.adoption import make_rule
from sim.model.agents import Consumer
from sim.model.context import StepContext
from sim.model.funnel import Moves, Scratch, resolve
from sim.model.state import CHANNEL, Funnel
from sim.model.streams import FIELD_SOURCE, Purpose
from sim.model.ties import UsedTieChunks, UsedTies

#: Receivers are read in this many parts, each a contiguous range of person ids (1: everyone at once). Every
#: read is keyed by what it decides, so the parts change no result (tests/model/test_keyed_draws.py): the
#: groundwork of a population split across workers, each reading for its own receivers.
RECEIVER_PARTS = 1


def receiver_parts(n: int, parts: int) -> list[range | None]:
    """The person-id ranges of `parts` near-equal parts of a population of `n` ([None]: one part, everyone)."""
    if parts <= 1:
        return [None]
    cuts = [n * k // parts for k in range(parts + 1)]
    return [range(lo, hi) for lo, hi in zip(cuts, cuts[1:])]


def read_channel(ch, ctx: StepContext, draws, open_mask: np.ndarray, parts: list[range | None]) -> UsedTies:
    """The step's reads of channel `ch` into `ctx.contacts`, receivers in `parts` (`receiver_parts`); returns the
    ties used. The vector backend's and a market of brands' one way to read a channel."""
    ch.prepare(ctx.step)
    return merged([ch.contacts(ctx.step, ctx.day, draws, ctx.contacts, open_mask, part) for part in parts])


def merged(used: list[UsedTies]) -> UsedTies:
    """The ties used by one channel over several parts of receivers, in the order they were read: as chunks
    when they carry their strength when read, else (group memberships, each read in one part only) as one
    array, strengthened from the strength stored before the step."""
    if len(used) == 1:
        return used[0]
    pieces = [piece for u in used for piece in u.parts if len(piece.ties)]
    if not pieces:
        return used[0]
    if all(piece.strength is not None for piece in pieces):
        return UsedTieChunks(pieces)
    return UsedTies(np.concatenate([piece.ties for piece in pieces]))


class Backend:
    """The interface of a backend (one per model, built after the model's people and channels)."""

    def __init__(self, model):
        self.model = model
        self.rule = make_rule(model)  # the adoption rule (`wom.rule`); None: independent contacts

    def adopted(self, people: np.ndarray) -> None:
        """People adopted (the model tells, whatever moved them): the adoption rule may count them."""
        if self.rule is not None:
            self.rule.adopted(people)

    def post(self, ctx: StepContext) -> None:
        """Stage 2: talkers, meme passers and sharers post on the open channels."""
        raise NotImplementedError

    def meet(self, ctx: StepContext) -> dict[str, UsedTies]:
        """Stage 3: people meet this step's posts, the official posts and the fields; returns the ties used
        per channel name."""
        raise NotImplementedError

    def decide(self, ctx: StepContext) -> Moves:
        """Stage 4: the funnel moves the contacts cause."""
        raise NotImplementedError

    def experience_noise(self, adopters: np.ndarray) -> np.ndarray | float:
        """How far each new adopter's lived experience falls from the product's quality (value units)."""
        raise NotImplementedError

    def participation_draws(
        self, pool: np.ndarray, probs: list, purpose: Purpose = Purpose.PARTICIPATE, first_slot: int = 0
    ) -> list[np.ndarray]:
        """For each source (its per-step probability, one or per person of `pool`), whether each person of
        `pool` takes part through it this step: participation, or another per-person event of stage 5 named by
        `purpose` (sources numbered from `first_slot`)."""
        raise NotImplementedError


class VectorBackend(Backend):
    """The whole population at once, on the model's arrays."""

    def __init__(self, model):
        super().__init__(model)
        self.scratch = Scratch(model.n)  # work arrays for grouping contacts by person

    def post(self, ctx: StepContext) -> None:
        """Talkers and meme passers post on each channel they are on by chance; sharers once on every one."""
        m, draws, channels = self.model, self.model.draws, ctx.channels
        pool = m.talk.members
        meme = m.meme_talkers(ctx.day)
        posters = np.concatenate([pool, meme]) if len(meme) else pool
        if len(posters) and channels:
            w = m.talk_weights(pool, ctx.step, ctx.day)
            if len(meme):
                w = np.concatenate([w, np.full(len(meme), m.playbook.topic_boost(ctx.day))])
            for ch in channels:  # posts nobody can read are drawn only if asked for (`Channel.post_by_chance`)
                ch.post_by_chance(posters, w, draws, m.people)
        sharers = m.playbook.take_sharers()
        if len(sharers):
            for ch in channels:
                on = np.compress(ch.can_post(sharers), sharers)
                ch.post(on, m.people.post_valence(on), ctx.step)

    def meet(self, ctx: StepContext) -> dict[str, UsedTies]:
        """Contacts of every open channel, then of the fields, into `ctx.contacts`, receivers in RECEIVER_PARTS
        parts (`receiver_parts`)."""
        m, draws = self.model, self.model.draws
        used_ties = {}
        # reads between people who can no longer change are skipped (work follows change)
        open_mask = m.people.state <= Funnel.AWARE
        parts = receiver_parts(m.n, RECEIVER_PARTS)
        for ch in ctx.channels:
            used_ties[ch.name] = read_channel(ch, ctx, draws, open_mask, parts)
            for part in parts:
                ch.official_contacts(m.people, m.playbook, draws, ctx.contacts, ctx.day, part)
        open_people = cache(lambda: np.flatnonzero(open_mask))
        for part in parts:
            self._field_contacts(ctx, open_people if part is None else cache(lambda p=part: _within(open_people(), p)))
        return used_ties

    def _field_contacts(self, ctx: StepContext, open_people) -> None:
        """Advertising and well-mixed talk: each person is contacted independently with the same chance.
        `open_people()`: the people a contact can still move (unaware or aware), found once per step (only
        they draw: a contact moves nobody else), or those of them in one part of the receivers."""
        draws, dt, contacts = self.model.draws, self.model.dt, ctx.contacts
        p_ads, q_pos, q_neg = ctx.field_rates
        total = p_ads + q_pos
        if total > 0:
            hit = draws.each_person(Purpose.FIELD, self.model.n, rules.field_probability(total, dt), open_people)
            from_ads = draws.uniform(Purpose.FIELD, hit, FIELD_SOURCE) < p_ads / total
            contacts.add(hit[from_ads], CHANNEL["advertising"], False, np.ones(int(from_ads.sum()), bool))
            contacts.add(hit[~from_ads], CHANNEL["offline"], False, np.ones(int((~from_ads).sum()), bool))
        if q_neg > 0:
            hit = draws.each_person(
                Purpose.FIELD_NEGATIVE, self.model.n, rules.field_probability(q_neg, dt), open_people
            )
            contacts.add(hit, CHANNEL["offline"], True, np.ones(len(hit), bool))

    def decide(self, ctx: StepContext) -> Moves:
        """The two-tier funnel of `sim.model.funnel` over this step's contacts."""
        m = self.model
        if self.rule is not None:  # the rule decides which peer contacts on its layer persuade
            self.rule.begin_step(ctx.step)
            self.rule.persuade_all(ctx.contacts, ctx.step)
        conversion = partial(m.conversion, day=ctx.day)
        rejection = partial(m.rejection, ctx.day)
        return resolve(ctx.contacts, m.people.state, conversion, rejection, self.scratch, m.draws, m.people.counts)

    def experience_noise(self, adopters: np.ndarray) -> np.ndarray | float:
        """One normal draw per adopter (none when the experience has no noise)."""
        sd = self.model.cfg.engine.experience_sd
        return self.model.draws.normal(Purpose.EXPERIENCE, adopters, sd) if sd > 0 else 0.0

    def participation_draws(
        self, pool: np.ndarray, probs: list, purpose: Purpose = Purpose.PARTICIPATE, first_slot: int = 0
    ) -> list[np.ndarray]:
        """One uniform draw per person and source, source by source (the source's number is the slot)."""
        draws = self.model.draws
        return [draws.uniform(purpose, pool, first_slot + k) < p for k, p in enumerate(probs)]


def _within(people: np.ndarray, part: range) -> np.ndarray:
    """The people (ids in ascending order) inside a range of ids."""
    return people[np.searchsorted(people, part.start) : np.searchsorted(people, part.stop)]


class AgentsBackend(Backend):
    """One Mesa `Consumer` per person, stepping one at a time in index order."""

    def __init__(self, model):
        super().__init__(model)
        self.consumers = [Consumer(model, i) for i in range(model.n)]

    def post(self, ctx: StepContext) -> None:
        """Every consumer decides where to post; then the posts go up together."""
        m = self.model
        ctx.posts = {ch.name: [] for ch in ctx.channels}
        ctx.talk_weights = np.zeros(m.n)
        talkers = np.flatnonzero(m.people.talk_start <= ctx.step)
        if len(talkers) and ctx.channels:
            ctx.talk_weights[talkers] = m.talk_weights(talkers, ctx.step, ctx.day)
        ctx.meme_boost = m.playbook.topic_boost(ctx.day) if m.playbook.meme_active(ctx.day) else None
        for agent in self.consumers:
            agent.talk(ctx)
        m.playbook.share_next[:] = False
        for ch in ctx.channels:
            who = np.array(ctx.posts[ch.name], dtype=np.int64)
            if len(who):
                ch.post(who, m.people.post_valence(who), ctx.step)
            ch.prepare(ctx.step)

    def meet(self, ctx: StepContext) -> dict[str, UsedTies]:
        """Every consumer listens and decides (its decision waits in `ctx.changes`)."""
        ctx.ties = {ch.name: [] for ch in ctx.channels}
        if self.rule is not None:
            self.rule.begin_step(ctx.step)
        for agent in self.consumers:
            agent.listen(ctx)
        return {name: UsedTies(np.array(t, dtype=np.int64)) for name, t in ctx.ties.items()}

    def decide(self, ctx: StepContext) -> Moves:
        """The decisions the consumers took while listening, as funnel moves."""
        if ctx.changes:
            people, new, aware_ch, adopt_ch = (np.array(x) for x in zip(*ctx.changes))
        else:
            people = np.empty(0, dtype=np.int64)
            new, aware_ch, adopt_ch = (np.empty(0, dtype=np.int8),) * 3
        people = people.astype(np.int64)
        return Moves.from_outcomes(
            people,
            self.model.people.state[people],
            new.astype(np.int8),
            aware_ch.astype(np.int8),
            adopt_ch.astype(np.int8),
        )

    def experience_noise(self, adopters: np.ndarray) -> np.ndarray:
        """Each new adopter draws its own noise."""
        return np.array([self.consumers[i].experience_noise() for i in adopters], dtype=float)

    def participation_draws(
        self, pool: np.ndarray, probs: list, purpose: Purpose = Purpose.PARTICIPATE, first_slot: int = 0
    ) -> list[np.ndarray]:
        """Each advocate or fan draws its own participations, source by source."""
        per_person = [
            self.consumers[i].participates([p[k] if np.ndim(p) else p for p in probs], purpose, first_slot)
            for k, i in enumerate(pool)
        ]
        return list(np.array(per_person, dtype=bool).reshape(len(pool), len(probs)).T)


#: The backends by their `run.backend` name.
BACKENDS: dict[str, type[Backend]] = {"vector": VectorBackend, "agents": AgentsBackend}
