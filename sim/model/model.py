"""The word-of-mouth model: a Mesa model of people on a multiplex social graph.

People's state lives in numpy arrays (one entry per person) so that the whole population can step at
once (`run.backend = "vector"`); with `run.backend = "agents"` each person is a Mesa `Consumer` agent that makes
the same decisions one at a time (see `sim.model.agents`). Steps are synchronous: everyone decides from the
state at the start of the step, then all changes apply.

One step (k = 1, 2, ...; it covers days (k-1)*dt to k*dt):
  0. advertising runs if inside its window and past its loyalty threshold;
  1. channels open or close (channel sequencing); official accounts post (self-media content mix);
  2. talkers post on the channels they are on (talk weight decays after adopting; topic events,
     spokespeople, meme passers and automatic sharers from `sim.playbook.playbook`);
  3. contacts: posts are seen and may persuade (edge and group channels, the official accounts,
     the well-mixed field and advertising);
  4. the funnel moves (aware, adopter, detractor, rejecter; buyers without a purchase code wait),
     satisfaction sets new adopters' valence;
  5. the relationship chain: used ties grow; advocates and fans take part (brand tie, feedback,
     talk renewal), fans are made or lost; the brand acts (releases, meetups, codes handed out);
  6. the step's counts are recorded.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim import networks as network
from sim.config.errors import ScenarioError
from sim.config.schema import Scenario
from sim.model import rules
from sim.model.agents import Consumer, OfficialAccount
from sim.model.channels import Channel, EdgeChannel, GroupChannel, UsedTies
from sim.model.funnel import Contacts, Moves, Scratch, resolve
from sim.model.state import (
    CHANNEL,
    CHANNELS,
    EMPLOYEE,
    FUNNEL_COLUMNS,
    NEGATIVE,
    NO_CHANNEL,
    POSITIVE,
    QUIET,
    SEED_USER,
    Funnel,
    tally,
)
from sim.playbook.playbook import Playbook, positive_users

#: talk_start of someone who never talks.
NEVER = np.iinfo(np.int64).max // 2


def even_degree(mean_degree: float) -> int:
    """Nearest even degree for the ring lattice (halves round up; at least 2 when mean_degree > 0)."""
    if mean_degree <= 0:
        return 0
    return max(2, 2 * int(np.floor(mean_degree / 2 + 0.5)))


def child_seed(seq: np.random.SeedSequence, i: int) -> np.random.SeedSequence:
    """The i-th child of a seed sequence, without advancing the parent's spawn counter."""
    return np.random.SeedSequence(entropy=seq.entropy, spawn_key=(*seq.spawn_key, i), pool_size=seq.pool_size)


class WomModel(mesa.Model):
    """Word-of-mouth diffusion of one product through a population, as configured by a `Scenario`."""

    def __init__(self, scenario: Scenario, seed: int | np.random.SeedSequence = 0):
        """Build the population and its layers; an integer seed gives replicate 0 of `wom run --seed`."""
        seq = seed if isinstance(seed, np.random.SeedSequence) else child_seed(np.random.SeedSequence(seed), 0)
        net_seq, people_seq, dyn_seq = (child_seed(seq, i) for i in range(3))
        super().__init__(rng=np.random.default_rng(dyn_seq))
        self.cfg = scenario
        self.n = scenario.population.size
        self.dt = scenario.run.dt
        self.step_index = 0
        self.backend = scenario.run.backend
        self._build_people(np.random.default_rng(people_seq))
        self.playbook = Playbook(self)
        self.expectation += self.playbook.expectation_shift
        self.channels: dict[str, Channel] = {}
        self.well_mixed = scenario.network.kind == "well_mixed"
        self._build_channels(np.random.default_rng(net_seq))
        self._place_initial_users(np.random.default_rng(child_seed(people_seq, 0)))
        self.officials = [OfficialAccount(self) for _ in range(scenario.population.official_accounts)]
        self.consumers = [Consumer(self, i) for i in range(self.n)] if self.backend == "agents" else []
        self._scratch = Scratch(self.n) if self.backend == "vector" else None
        self.cost = 0.0
        self._ads_on = False
        self.new_adopters = 0
        self.records: list[dict] = []
        self._record()

    # --- building -----------------------------------------------------------------------------

    def _build_people(self, rng: np.random.Generator) -> None:
        cfg = self.cfg
        n = self.n
        self.state = np.full(n, Funnel.UNAWARE, dtype=np.int8)
        self.valence = np.full(n, QUIET, dtype=np.int8)
        self.talk_start = np.full(n, NEVER, dtype=np.int64)
        self.kind = np.zeros(n, dtype=np.int8)  # PUBLIC
        self.expectation = rng.normal(cfg.engine.expectation_mean, cfg.engine.expectation_sd, n)
        self.city = rng.integers(0, cfg.population.cities, n).astype(np.int32)
        self.brand_tie = np.full(n, cfg.relationship.initial_brand_tie, dtype=np.float64)
        self.brand_day = np.zeros(n, dtype=np.float64)
        self.aware_channel = np.full(n, NO_CHANNEL, dtype=np.int8)
        self.adopt_channel = np.full(n, NO_CHANNEL, dtype=np.int8)
        self.adopt_day = np.full(n, np.nan)
        self.counts = np.zeros(len(Funnel), dtype=np.int64)
        self.counts[Funnel.UNAWARE] = n
        self.aware_by_channel = np.zeros(len(CHANNELS), dtype=np.int64)
        self.adopt_by_channel = np.zeros(len(CHANNELS), dtype=np.int64)
        self.adopted_total = 0
        self._talk_pool = np.empty(0, dtype=np.int64)
        self._new_talkers: list[np.ndarray] = []  # joined the pool since it was last pruned
        self._in_pool = np.zeros(n, dtype=bool)
        self._pool_weights: tuple = (None, None, None)  # (step, pool, talk weights) computed when recording

    def _add_talkers(self, people: np.ndarray) -> None:
        """Add distinct people to the talk pool (each at most once), in O(len(people))."""
        fresh = np.compress(~self._in_pool[people], people)
        self._in_pool[fresh] = True
        self._new_talkers.append(fresh)

    def _build_channels(self, rng: np.random.Generator) -> None:
        cfg = self.cfg
        n, dt, wom, rel = self.n, self.dt, cfg.wom, cfg.relationship
        net = cfg.network
        if net.enabled and net.kind != "well_mixed":
            if net.kind == "small_world":
                layer = network.small_world(n, even_degree(net.mean_degree), net.rewire, rng)
            elif net.kind == "erdos_renyi":
                layer = network.erdos_renyi(n, net.mean_degree, rng)
            elif net.kind == "community_blocks":
                layer, _ = network.community_blocks(n, net.blocks, net.mean_degree, net.mixing, rng)
            else:
                try:
                    layer = network.from_edgelist(net.path, n=n)
                except (OSError, ValueError) as exc:
                    raise ScenarioError(f"network.path: {exc}") from None
            self.channels["offline"] = EdgeChannel("offline", layer, net, wom, rel, n, dt)
        ch = cfg.channels
        if ch.forum.enabled:
            groups = network.boards(n, ch.forum.membership, ch.forum.board_size, rng)
            self.channels["forum"] = GroupChannel(
                "forum", groups, ch.forum, wom, rel, n, dt, official_audience="members"
            )
        if ch.weibo.enabled:
            layer = network.followers(n, ch.weibo.follows_mean, ch.weibo.popularity_exponent, rng)
            followers = np.flatnonzero(rng.random(n) < ch.weibo.official_followers)
            self.channels["weibo"] = EdgeChannel(
                "weibo", layer, ch.weibo, wom, rel, n, dt, official_followers=followers
            )
        if ch.wechat.enabled:
            groups = network.chat_groups(n, ch.wechat.group_size, ch.wechat.groups_per_person, rng)
            self.channels["wechat"] = GroupChannel(
                "wechat", groups, ch.wechat, wom, rel, n, dt, official_audience="adopters"
            )

    def degree(self) -> np.ndarray:
        """Contacts per person over all layers (followers count on Weibo, fellow members in groups)."""
        deg = np.zeros(self.n, dtype=np.int64)
        for ch in self.channels.values():
            if isinstance(ch, EdgeChannel):
                deg += ch.layer.out_degree()
            else:
                sizes = ch.groups.group_sizes()
                per_slot = sizes[ch.groups.slot_group] - 1
                deg += np.bincount(ch.groups.members, weights=per_slot, minlength=self.n).astype(np.int64)
        return deg

    def _place_initial_users(self, rng: np.random.Generator) -> None:
        """Employees start as fans; seed users start as advocating adopters."""
        cfg = self.cfg
        order = rng.permutation(self.n)
        employees = order[: cfg.population.employees]
        self.kind[employees] = EMPLOYEE
        free = np.ones(self.n, dtype=bool)
        free[employees] = False
        seeds = self._choose_seed_users(rng, free)
        self.kind[seeds] = SEED_USER
        self.playbook.place(self, seeds, employees)
        for who, state in ((employees, Funnel.FAN), (seeds, Funnel.ADOPTER)):
            self._set_state(who, np.full(len(who), state, dtype=np.int8))
            self.valence[who] = POSITIVE
            self.talk_start[who] = 1
            self.adopt_channel[who] = CHANNEL["seed"]
            self.aware_channel[who] = CHANNEL["seed"]
            self.adopt_day[who] = 0.0
        self.brand_tie[employees] = 1.0
        self.adopted_total = len(employees) + len(seeds)
        self.adopt_by_channel[CHANNEL["seed"]] = self.adopted_total
        self.aware_by_channel[CHANNEL["seed"]] = self.adopted_total
        self._add_talkers(np.sort(np.concatenate([employees, seeds])).astype(np.int64))

    def _choose_seed_users(self, rng: np.random.Generator, free: np.ndarray) -> np.ndarray:
        cfg = self.cfg.seed_users
        if cfg.choice == "random":
            candidates = rng.permutation(np.flatnonzero(free))
        elif cfg.choice == "hubs":
            candidates = np.flatnonzero(free)
            tiebreak = rng.random(len(candidates))
            candidates = candidates[np.lexsort((tiebreak, -self.degree()[candidates]))]
        else:
            ch = self.channels.get(cfg.community)
            if not isinstance(ch, GroupChannel):
                raise ScenarioError(
                    f"seed_users.community = '{cfg.community}' needs channels.{cfg.community}.enabled = true"
                )
            candidates = rng.permutation(np.flatnonzero(free & ch.member))
        if len(candidates) < cfg.count:
            raise ScenarioError(
                f"seed_users.count = {cfg.count} but only {len(candidates)} people can be chosen "
                f"with seed_users.choice = '{cfg.choice}'"
            )
        return np.sort(candidates[: cfg.count]).astype(np.int64)

    # --- state helpers shared by both engines ---------------------------------------------------

    @property
    def day(self) -> float:
        """Simulated days elapsed."""
        return self.step_index * self.dt

    @property
    def quality(self) -> float:
        """The product's current quality (the engine; releases may raise it)."""
        return self.playbook.quality

    def _set_state(self, idx: np.ndarray, new: np.ndarray) -> None:
        """Change funnel states and keep the counts in step."""
        old = self.state[idx]
        self.counts -= tally(old, len(Funnel))
        self.counts += tally(new, len(Funnel))
        self.state[idx] = new

    def brand_tie_now(self, idx: np.ndarray, day: float | None = None) -> np.ndarray:
        """Tie of people to the brand on `day` (default: now), relaxed lazily for the days since it last changed."""
        rel = self.cfg.relationship
        day = self.day if day is None else day
        return rules.relax(self.brand_tie[idx], rel.initial_brand_tie, rel.brand_decay, day - self.brand_day[idx])

    def set_brand_tie(self, idx: np.ndarray, tie: np.ndarray, day: float) -> None:
        """Store new brand ties as of `day`."""
        self.brand_tie[idx] = np.clip(tie, 0.0, 1.0)
        self.brand_day[idx] = day

    def renew_talk(self, idx: np.ndarray, step: int) -> None:
        """Taking part restarts a positive person's talk window (participation keeps people talking)."""
        idx = idx[self.valence[idx] == POSITIVE]
        if len(idx) and self.cfg.relationship.renew_talk:
            self.talk_start[idx] = step + 1
            self._add_talkers(idx)

    def adopter_indices(self) -> np.ndarray:
        """People who currently use the product (adopters and fans)."""
        return np.flatnonzero((self.state == Funnel.ADOPTER) | (self.state == Funnel.FAN))

    def is_adopter(self, i: int) -> bool:
        return self.state[i] in (Funnel.ADOPTER, Funnel.FAN)

    def talk_weights(self, people: np.ndarray, step: int, day: float | None = None) -> np.ndarray:
        """How much each person talks this step: fans keep talking, others by the WOM decay rule,
        times the playbook's multipliers (topic events, spokespeople)."""
        cached_step, cached_pool, w = self._pool_weights
        if cached_step != step or cached_pool is not people:
            wom = self.cfg.wom
            w = rules.talk_weight(step - self.talk_start[people], self.dt, wom.active_limit, wom.decay_rate)
            if self.counts[Funnel.FAN]:
                w = np.where(self.state[people] == Funnel.FAN, 1.0, w)
        if day is not None:
            m = self.playbook.talk_multiplier(self, people, day)
            if np.ndim(m) or m != 1.0:
                w = w * m
        return w

    def post_valence(self, people: np.ndarray) -> np.ndarray:
        """What a post says: negative for detractors, positive otherwise (advocates, sharers, the meme)."""
        return np.where(self.valence[people] == NEGATIVE, np.int8(NEGATIVE), np.int8(POSITIVE))

    def meme_talkers(self, day: float) -> np.ndarray:
        """Aware people who pass the meme on during a topic event (they need not own the product)."""
        if not self.playbook.meme_active(day):
            return np.empty(0, dtype=np.int64)
        return np.flatnonzero(self.state == Funnel.AWARE)

    def open_channels(self, day: float) -> list[Channel]:
        """Channels running on this day; closed ones lose their live posts."""
        result = []
        for ch in self.channels.values():
            if ch.is_open(day):
                result.append(ch)
            elif len(ch.live) or ch.official_posts:
                ch.close()
        return result

    def field_rates(self, step: int, day: float) -> tuple[float, float, float]:
        """Per-day rates of the external fields: (advertising p, well-mixed positive, well-mixed negative)."""
        p = self.cfg.advertising.p if self._ads_on else 0.0
        pos = neg = 0.0
        if self.well_mixed and self.cfg.network.is_open(day) and len(self._talk_pool):
            w = self.talk_weights(self._talk_pool, step, day)
            v = self.valence[self._talk_pool]
            q = self.cfg.wom.q
            pos = q * w[v == POSITIVE].sum() / self.n
            neg = q * self.cfg.wom.negative_transmission_factor * w[v == NEGATIVE].sum() / self.n
        return p, pos, neg

    def conversion(self, people: np.ndarray, day: float) -> np.ndarray:
        """Engine: chance each persuaded person buys (0 before the launch)."""
        e = self.cfg.engine
        if not self.playbook.launched(day):
            return np.zeros(len(people))
        return rules.conversion_probability(self.quality, self.expectation[people], e.sensitivity, e.max_conversion)

    def rejection(self, day: float) -> float:
        """Chance a persuaded non-buyer turns away (nobody rejects a product not yet launched)."""
        return self.cfg.engine.rejection if self.playbook.launched(day) else 0.0

    # --- the step ---------------------------------------------------------------------------------

    def step(self) -> None:
        """Advance one step of length dt (synchronous update)."""
        step = self.step_index + 1
        day = self.step_index * self.dt
        self._ads_on = self.playbook.ads_running(self, day)
        channels = self.open_channels(day)
        for official in self.officials:
            official.post(step, day, channels)
        if self.backend == "vector":
            moves, used_ties = self._vector_step(step, day, channels)
        else:
            moves, used_ties = self._agents_step(step, day, channels)
        self.new_adopters = 0
        self._apply(step, moves, used_ties)
        if self._ads_on:
            self.cost += self.cfg.advertising.spend_per_day * self.dt
        self.step_index = step
        self._record()

    def _vector_step(self, step: int, day: float, channels: list[Channel]) -> tuple[Moves, dict]:
        """Vector engine: the whole population posts, meets this step's posts and decides (stages 2-4)."""
        rng = self.rng
        # 2. posting: talkers, meme passers, and sharers (who post once on every channel they are on)
        pool = self._talk_pool  # pruned for this step when the last one was recorded
        meme = self.meme_talkers(day)
        posters = np.concatenate([pool, meme]) if len(meme) else pool
        if len(posters) and channels:
            w = self.talk_weights(pool, step, day)
            if len(meme):
                w = np.concatenate([w, np.full(len(meme), self.playbook.topic_boost(day))])
            for ch in channels:
                p = rules.post_probability(w, ch.cfg.speed, self.dt)
                who = np.compress(ch.can_post(posters) & (rng.random(len(posters)) < p), posters)
                if len(who):
                    ch.post(who, self.post_valence(who), step)
        sharers = self.playbook.take_sharers()
        if len(sharers):
            for ch in channels:
                on = np.compress(ch.can_post(sharers), sharers)
                ch.post(on, self.post_valence(on), step)
        # 3. contacts
        contacts = Contacts()
        used_ties = {}
        for ch in channels:
            ch.prepare(step)
            used_ties[ch.name] = ch.contacts(step, day, rng, contacts)
            ch.official_contacts(self, rng, contacts)
        self._field_contacts(step, day, rng, contacts)
        # 4. funnel
        moves = resolve(
            contacts, self.state, lambda people: self.conversion(people, day), self.rejection(day), self._scratch, rng
        )
        return moves, used_ties

    def _field_contacts(self, step: int, day: float, rng, contacts: Contacts) -> None:
        """Advertising and well-mixed talk: each open person is contacted independently with the same chance."""
        p_ads, q_pos, q_neg = self.field_rates(step, day)
        total = p_ads + q_pos
        if total > 0:
            hit = self._sample_people(rng, rules.field_probability(total, self.dt))
            from_ads = rng.random(len(hit)) < p_ads / total
            contacts.add(hit[from_ads], CHANNEL["advertising"], False, np.ones(int(from_ads.sum()), bool))
            contacts.add(hit[~from_ads], CHANNEL["offline"], False, np.ones(int((~from_ads).sum()), bool))
        if q_neg > 0:
            hit = self._sample_people(rng, rules.field_probability(q_neg, self.dt))
            contacts.add(hit, CHANNEL["offline"], True, np.ones(len(hit), bool))

    def _sample_people(self, rng, p: float) -> np.ndarray:
        """Each of the n people independently with probability p, in O(expected hits)."""
        k = rng.binomial(self.n, p)
        return np.sort(rng.choice(self.n, size=k, replace=False)) if k else np.empty(0, dtype=np.int64)

    def _agents_step(self, step: int, day: float, channels: list[Channel]):
        """Per-agent engine: every Consumer talks, then every Consumer listens and decides."""
        self._step_context = (step, day, channels, self.field_rates(step, day))
        self._pending_posts = {ch.name: [] for ch in channels}
        for agent in self.consumers:
            agent.talk()
        self.playbook.share_next[:] = False
        for ch in channels:
            who = np.array(self._pending_posts[ch.name], dtype=np.int64)
            if len(who):
                ch.post(who, self.post_valence(who), step)
            ch.prepare(step)
        self._pending_changes = []
        self._pending_ties = {ch.name: [] for ch in channels}
        for agent in self.consumers:
            agent.listen()
        if self._pending_changes:
            people, new, aware_ch, adopt_ch = (np.array(x) for x in zip(*self._pending_changes))
        else:
            people = np.empty(0, dtype=np.int64)
            new, aware_ch, adopt_ch = (np.empty(0, dtype=np.int8),) * 3
        used = {name: UsedTies(np.array(t, dtype=np.int64)) for name, t in self._pending_ties.items()}
        people = people.astype(np.int64)
        moves = Moves.from_outcomes(
            people, self.state[people], new.astype(np.int8), aware_ch.astype(np.int8), adopt_ch.astype(np.int8)
        )
        return moves, used

    # --- applying the step --------------------------------------------------------------------------

    def _apply(self, step: int, moves: Moves, used_ties: dict) -> None:
        day_end = step * self.dt
        self._become_aware(moves.aware, moves.aware_channel)
        self._set_state(moves.rejecters, np.full(len(moves.rejecters), Funnel.REJECTER, dtype=np.int8))
        self._adopt(*self.playbook.gate_purchases(moves.buyers, moves.buy_channel), step)
        for name, ties in used_ties.items():
            self.channels[name].strengthen(ties, day_end)
        self._participation(step, day_end)
        bought_with_code, channels = self.playbook.end_of_step(self, step, day_end)
        self._adopt(bought_with_code, channels, step)

    def _become_aware(self, people: np.ndarray, channels: np.ndarray) -> None:
        """Unaware people become aware (the step's later moves may take them further); credit their channel."""
        self.aware_channel[people] = channels
        self.aware_by_channel += tally(channels, len(CHANNELS), len(people))
        self.state[people] = Funnel.AWARE
        self.counts[Funnel.UNAWARE] -= len(people)
        self.counts[Funnel.AWARE] += len(people)

    def _adopt(self, adopters: np.ndarray, channels: np.ndarray, step: int) -> None:
        """New adopters: lived experience sets their valence; they start talking next step."""
        if len(adopters) == 0:
            return
        valence = self._experience(adopters)
        self._set_state(adopters, np.asarray(rules.state_after_adoption(valence), dtype=np.int8).reshape(-1))
        self.valence[adopters] = valence
        self.adopt_channel[adopters] = channels
        self.adopt_by_channel += tally(channels, len(CHANNELS), len(adopters))
        self.adopt_day[adopters] = step * self.dt
        talkers = np.compress(valence != QUIET, adopters)  # quiet adopters never talk
        self.talk_start[talkers] = step + 1
        self._add_talkers(talkers)
        self.new_adopters += len(adopters)
        self.adopted_total += len(adopters)
        self.playbook.on_adoption(self, adopters)

    def _experience(self, adopters: np.ndarray) -> np.ndarray:
        """Engine: lived experience of new adopters sets who advocates, stays quiet or detracts."""
        e = self.cfg.engine
        if self.backend == "agents":
            noise = np.array([self.consumers[i].experience_noise() for i in adopters], dtype=float)
        else:
            noise = self.rng.normal(0.0, e.experience_sd, len(adopters)) if e.experience_sd > 0 else 0.0
        margin = rules.experience_margin(self.quality, self.expectation[adopters], noise)
        return np.asarray(rules.talk_valence(margin, e.advocate_margin, e.detractor_margin), dtype=np.int8).reshape(-1)

    def _participation(self, step: int, day: float) -> None:
        """Advocates and fans take part (brand tie grows, talk renews); fans are made and lost by their brand tie."""
        rel = self.cfg.relationship
        if not self._relationship_can_change():
            return
        pool = positive_users(self.state, self.valence)
        if len(pool) == 0:
            return
        sources = self.playbook.participation_sources(self, pool, day, self.dt)
        tie = self.brand_tie_now(pool, day)
        joined = np.zeros(len(pool), dtype=bool)
        feedback = 0.0
        if sources:
            mult = self.playbook.participation_multiplier(pool)
            probs = [rules.participation_probability(s.rate, mult, self.dt) for s in sources]
            if self.backend == "agents":
                draws = (
                    np.array(
                        [
                            self.consumers[i].participates([p[k] if np.ndim(p) else p for p in probs])
                            for k, i in enumerate(pool)
                        ]
                    )
                    .reshape(len(pool), len(sources))
                    .T
                )
            else:
                draws = [self.rng.random(len(pool)) < p for p in probs]
            for s, joins in zip(sources, draws):
                tie = np.where(joins, rules.strengthen(tie, min(1.0, rel.brand_growth * s.tie_building)), tie)
                n_join = int(joins.sum())
                self.cost += s.cost * n_join
                feedback += s.feedback * n_join
                joined |= joins
        self.set_brand_tie(pool, tie, day)
        participants = pool[joined]
        self.renew_talk(participants, step)
        self.playbook.after_participation(self, participants, feedback, day)
        tie = self.brand_tie[pool]
        new = rules.fan_transition(self.state[pool], self.valence[pool], tie, rel.fan_threshold, rel.fan_exit)
        changed = new != self.state[pool]
        if changed.any():
            became_fan = pool[changed & (new == Funnel.FAN)]
            self._set_state(pool[changed], new[changed])
            self._add_talkers(became_fan)

    def _relationship_can_change(self) -> bool:
        """Whether anyone can take part or change fan status (else the phase is skipped: docking, speed)."""
        cfg = self.cfg
        return (
            cfg.relationship.participation_rate > 0
            or self.counts[Funnel.FAN] > 0
            or cfg.relationship.initial_brand_tie >= cfg.relationship.fan_threshold
            or self.playbook.builds_brand_ties()
        )

    def _prune_talk_pool(self, step: int) -> np.ndarray:
        """Keep only people who may still talk in `step` (inside their window, or fans), and add those who
        joined since the last step (they start talking in `step`, inside any window of >= 1 step, or are
        fans: no check needed).

        The pool never holds anyone twice: `_in_pool` marks its members.
        """
        pool = self._talk_pool
        wom = self.cfg.wom
        if np.isfinite(wom.active_limit):
            alive = step - self.talk_start[pool] < wom.active_limit
            if self.counts[Funnel.FAN]:
                alive |= self.state[pool] == Funnel.FAN
            self._in_pool[np.compress(~alive, pool)] = False
            pool = np.compress(alive, pool)
        if self._new_talkers:
            pool = np.concatenate([pool, *self._new_talkers])
            self._new_talkers = []
        self._talk_pool = pool
        return pool

    # --- recording ----------------------------------------------------------------------------------

    def _record(self) -> None:
        row = {"step": self.step_index, "time": self.step_index * self.dt}
        for col, code in zip(FUNNEL_COLUMNS, Funnel):
            row[col] = int(self.counts[code])
        row["adopted_total"] = int(self.adopted_total)
        row["new_adopters"] = int(self.new_adopters) if self.step_index else 0
        row["cost"] = float(self.cost)
        row["quality"] = float(self.quality)
        row["participations"] = int(self.playbook.participations)
        next_step = self.step_index + 1
        pool = self._prune_talk_pool(next_step)
        self._pool_weights = (next_step, pool, self.talk_weights(pool, next_step))
        row["talking"] = float(self._pool_weights[2].sum())
        for name, code in CHANNEL.items():
            row[f"aware_{name}"] = int(self.aware_by_channel[code])
        for name, code in CHANNEL.items():
            row[f"adopt_{name}"] = int(self.adopt_by_channel[code])
        self.records.append(row)

    def run(self, n_steps: int | None = None, progress=None) -> list[dict]:
        """Run the scenario's number of steps (or n_steps); returns the recorded rows."""
        n_steps = self.cfg.run.n_steps if n_steps is None else n_steps
        for _ in range(n_steps):
            self.step()
            if progress is not None:
                progress(1)
        return self.records
