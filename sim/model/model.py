"""The word-of-mouth model: a Mesa model of people on a multiplex social graph.

People's state lives in numpy arrays (one entry per person). A backend steps them (`run.backend`,
`sim.model.backends`): "vector" moves the whole population at once, "agents" lets each person be a
Mesa `Consumer` agent making the same decisions one at a time (`sim.model.agents`). Steps are
synchronous: everyone decides from the state at the start of the step, then all changes apply.

One step (k = 1, 2, ...; it covers days (k-1)*dt to k*dt), as numbered in `WomModel.step`:
  0. advertising runs if inside its window and past its loyalty threshold;
  1. channels open or close (channel sequencing); official accounts post (self-media content mix);
  2. talkers post on the channels they are on (talk weight decays after adopting; topic events,
     spokespeople, meme passers and automatic sharers from `sim.playbook`);
  3. contacts: posts are seen and may persuade (edge and group channels, the official accounts,
     the well-mixed field and advertising);
  4. the funnel moves (aware, adopter, detractor, rejecter; buyers without a purchase code wait),
     satisfaction sets new adopters' valence;
  5. the relationship chain: used ties grow; advocates and fans take part (brand tie, feedback,
     talk renewal), fans are made or lost; the brand acts (releases, meetups, codes handed out);
     owners of an older product generation may upgrade to the newest (`sim.model.generations`);
  6. the step's counts are recorded (`datacollector`, columns in `sim.model.record`).

Mesa conventions: `running` turns False when the scenario's horizon (`run.n_steps` steps) is
reached; `run()` runs the remaining steps; a `step()` past the horizon does nothing (no draws, no
record). From Python: `model = WomModel(load_scenario(path), seed)`, then `model.step()` or
`model.run()`, and `model.datacollector.get_model_vars_dataframe()`.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.config.schema import Scenario
from sim.model import build, rules
from sim.model.agents import OfficialAccount
from sim.model.backends import BACKENDS
from sim.model.budget import OUT_OF_MONEY_COLUMN, Ledger, out_of_money
from sim.model.channels import Channel
from sim.model.context import StepContext
from sim.model.funnel import Moves
from sim.model.product import Product
from sim.model.record import SeriesCollector, model_reporters
from sim.model.relationship import take_part
from sim.model.state import CHANNEL, CHANNELS, EMPLOYEE, NEGATIVE, NO_CHANNEL, POSITIVE, QUIET, SEED_USER, Funnel, tally
from sim.model.streams import model_streams
from sim.model.talk import TalkPool
from sim.model.ties import UsedTies
from sim.playbook.playbook import Playbook

#: talk_start of someone who never talks (int32 steps: run.n_steps is far below it, and step - NEVER still fits).
NEVER = np.iinfo(np.int32).max // 2


class WomModel(mesa.Model):
    """Word-of-mouth diffusion of one product through a population, as configured by a `Scenario`."""

    def __init__(self, scenario: Scenario, seed: int | np.random.SeedSequence = 0):
        """Build the people, the playbook, the channels, the initial users and the backend; an integer seed
        gives replicate 0 of `wom run --seed`."""
        streams = model_streams(seed)
        super().__init__(rng=np.random.default_rng(streams.dynamics))
        self.cfg = scenario
        self.n = scenario.population.size
        self.dt = scenario.run.dt
        self.step_index = 0
        self._build_people(np.random.default_rng(streams.people))
        #: Money spent and left (`sim.model.budget`); paid actions ask it before acting.
        self.ledger = Ledger(scenario.budget)
        self.talk = TalkPool(scenario.wom, self.dt, self.talk_start, self.state, self.counts)
        self.playbook = Playbook(self)
        #: The product on sale: its quality and the expectation shift of later generations.
        self.product = Product(self.playbook.initial_quality(), scenario.generations)
        self.expectation += self.playbook.expectation_shift
        self.well_mixed = scenario.network.kind == "well_mixed"
        self.channels: dict[str, Channel] = build.build_channels(scenario, np.random.default_rng(streams.network))
        if scenario.relationship.answer_back > 0:  # fans answer complaints where they read them
            for ch in self.channels.values():
                ch.state = self.state
        self._place_initial_users(np.random.default_rng(streams.placement))
        self.officials = [OfficialAccount(self) for _ in range(scenario.population.official_accounts)]
        self.backend = BACKENDS[scenario.run.backend](self)
        self._ads_on = False
        self.new_adopters = 0
        reporters = model_reporters(scenario.generations.count)
        if self.ledger.limited:
            reporters[OUT_OF_MONEY_COLUMN] = out_of_money
        self.datacollector = SeriesCollector(reporters)
        self.running = True
        self._record()

    def _build_people(self, rng: np.random.Generator) -> None:
        """Everyone starts unaware and quiet; expectations (value units) and cities are drawn."""
        cfg, n = self.cfg, self.n
        self.state = np.full(n, Funnel.UNAWARE, dtype=np.int8)
        self.valence = np.full(n, QUIET, dtype=np.int8)
        self.talk_start = np.full(n, NEVER, dtype=np.int32)  # first step a person talks in
        self.kind = np.zeros(n, dtype=np.int8)  # PUBLIC
        self.expectation = rng.normal(cfg.engine.expectation_mean, cfg.engine.expectation_sd, n)
        self.city = rng.integers(0, cfg.population.cities, n).astype(np.min_scalar_type(cfg.population.cities - 1))
        self.brand_tie = np.full(n, cfg.relationship.initial_brand_tie, dtype=np.float64)
        self.brand_day = np.zeros(n, dtype=np.float64)  # day the brand tie last changed
        self.aware_channel = np.full(n, NO_CHANNEL, dtype=np.int8)
        self.adopt_channel = np.full(n, NO_CHANNEL, dtype=np.int8)
        self.adopt_day = np.full(n, np.nan)
        self.counts = np.zeros(len(Funnel), dtype=np.int64)  # people per funnel state
        self.counts[Funnel.UNAWARE] = n
        self.aware_by_channel = np.zeros(len(CHANNELS), dtype=np.int64)
        self.adopt_by_channel = np.zeros(len(CHANNELS), dtype=np.int64)
        self.adopted_total = 0

    def _place_initial_users(self, rng: np.random.Generator) -> None:
        """Employees start as fans; seed users start as advocating adopters."""
        order = rng.permutation(self.n)
        employees = order[: self.cfg.population.employees]
        self.kind[employees] = EMPLOYEE
        free = np.ones(self.n, dtype=bool)
        free[employees] = False
        seed_users = build.choose_seed_users(self.cfg.seed_users, self.channels, free, rng)
        self.kind[seed_users] = SEED_USER
        self.playbook.place(self, seed_users, employees)
        for who, state in ((employees, Funnel.FAN), (seed_users, Funnel.ADOPTER)):
            self.set_state(who, np.full(len(who), state, dtype=np.int8))
            self.valence[who] = POSITIVE
            self.talk_start[who] = 1
            self.adopt_channel[who] = CHANNEL["seed"]
            self.aware_channel[who] = CHANNEL["seed"]
            self.adopt_day[who] = 0.0
        self.brand_tie[employees] = 1.0
        self.adopted_total = len(employees) + len(seed_users)
        self.adopt_by_channel[CHANNEL["seed"]] = self.adopted_total
        self.aware_by_channel[CHANNEL["seed"]] = self.adopted_total
        self.talk.add(np.sort(np.concatenate([employees, seed_users])).astype(np.int64))

    # --- what agents, channels and the playbook read and change ---------------------------------------

    @property
    def day(self) -> float:
        """Simulated days elapsed."""
        return self.step_index * self.dt

    @property
    def cost(self) -> float:
        """Money spent so far on paid actions (currency, cumulative; the `cost` column)."""
        return self.ledger.spent

    def degree(self) -> np.ndarray:
        """Contacts per person over all layers (followers count on Weibo, fellow members in groups)."""
        return build.degree(self.channels, self.n)

    def set_state(self, idx: np.ndarray, new: np.ndarray) -> None:
        """Change funnel states and keep the counts in step."""
        self.counts -= tally(self.state[idx], len(Funnel))
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
            self.talk.add(idx)

    def adopter_indices(self) -> np.ndarray:
        """People who currently use the product (adopters and fans)."""
        return np.flatnonzero((self.state == Funnel.ADOPTER) | (self.state == Funnel.FAN))

    def is_adopter(self, i: int) -> bool:
        return self.state[i] in (Funnel.ADOPTER, Funnel.FAN)

    def talk_weights(self, people: np.ndarray, step: int, day: float | None = None) -> np.ndarray:
        """How much each person talks this step: fans keep talking, others by the WOM decay rule
        (`TalkPool.weights`), times the playbook's multipliers (topic events, spokespeople) if `day` is given."""
        w = self.talk.weights(people, step)
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
        pool = self.talk.members
        if self.well_mixed and self.cfg.network.is_open(day) and len(pool):
            w = self.talk_weights(pool, step, day)
            v = self.valence[pool]
            q = self.cfg.wom.q
            pos = q * w[v == POSITIVE].sum() / self.n
            neg = q * self.cfg.wom.negative_transmission_factor * w[v == NEGATIVE].sum() / self.n
        return p, pos, neg

    def conversion(self, people: np.ndarray, day: float, tie: np.ndarray | None = None) -> np.ndarray:
        """Engine: chance each persuaded person buys (0 before the launch); `tie`, the strength of the tie
        that persuaded each, narrows a shortfall below their expectation (relationship.tie_assurance)."""
        e = self.cfg.engine
        if not self.playbook.launched(day):
            return np.zeros(len(people))
        quality = self.product.quality(day)
        expectation = self.product.expectation(self.expectation[people], day)
        assurance = self.cfg.relationship.tie_assurance
        if tie is not None and assurance > 0:
            expectation = rules.assured_expectation(expectation, quality, tie, assurance)
        return rules.conversion_probability(quality, expectation, e.sensitivity, e.max_conversion)

    def rejection(self, day: float) -> float:
        """Chance a persuaded non-buyer turns away (nobody rejects a product not yet launched)."""
        return self.cfg.engine.rejection if self.playbook.launched(day) else 0.0

    # --- the step -------------------------------------------------------------------------------------

    def step(self) -> None:
        """Advance one step of length dt (synchronous update); past the horizon, do nothing (no draws, no
        record, `step_index` stays; Mesa's own `steps` and `time` counters still count the call)."""
        if self.step_index >= self.cfg.run.n_steps:
            return
        step = self.step_index + 1
        day = self.step_index * self.dt
        self.talk.prune(step)  # who may talk in this step
        self.ledger.new_step()
        # 0. advertising (bought from the ledger for the step)
        self._ads_on = self.playbook.ads_running(self, day)
        # 1. channels open or close; official accounts post
        channels = self.open_channels(day)
        for official in self.officials:
            official.post(step, day, channels)
        ctx = StepContext(step, day, channels, self.field_rates(step, day))
        # 2. posting
        self.backend.post(ctx)
        # 3. contacts
        used_ties = self.backend.meet(ctx)
        # 4. funnel
        moves = self.backend.decide(ctx)
        # 5. apply: funnel moves, the relationship chain, the brand's actions
        self._apply(step, moves, used_ties)
        self.step_index = step
        # 6. record
        self._record()

    def _apply(self, step: int, moves: Moves, used_ties: dict[str, UsedTies]) -> None:
        """Apply the step's decisions (stage 4's moves, then stage 5), dated at the end of the step."""
        day_end = step * self.dt
        self.new_adopters = 0
        self._become_aware(moves.aware, moves.aware_channel)
        self.set_state(moves.rejecters, np.full(len(moves.rejecters), Funnel.REJECTER, dtype=np.int8))
        self._adopt(*self.playbook.gate_purchases(moves.buyers, moves.buy_channel), step)
        for name, ties in used_ties.items():
            self.channels[name].strengthen(ties, day_end)
        take_part(self, step, day_end)
        bought_with_code, channels = self.playbook.end_of_step(self, step, day_end)
        self._adopt(bought_with_code, channels, step)
        self.playbook.after_purchases(self, step, day_end)

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
        day = (step - 1) * self.dt
        margin, valence = self.experience(adopters, day)
        self.set_state(adopters, np.asarray(rules.state_after_adoption(valence), dtype=np.int8).reshape(-1))
        self.backend.adopted(adopters)  # the adoption rule (`wom.rule`) may count them
        self.valence[adopters] = valence
        self.adopt_channel[adopters] = channels
        self.adopt_by_channel += tally(channels, len(CHANNELS), len(adopters))
        self.adopt_day[adopters] = step * self.dt
        self.start_talking(np.compress(valence != QUIET, adopters), step)  # quiet adopters never talk
        self.new_adopters += len(adopters)
        self.adopted_total += len(adopters)
        self.playbook.on_adoption(self, adopters, margin, day)

    def experience(self, buyers: np.ndarray, day: float) -> tuple[np.ndarray, np.ndarray]:
        """Engine: lived experience of buyers in the step starting on `day`, as (margin in value units,
        valence): who advocates, stays quiet or detracts (the backend draws the noise)."""
        expectation = self.expectation[buyers]
        return self.product.experience(expectation, self.backend.experience_noise(buyers), day, self.cfg.engine)

    def start_talking(self, talkers: np.ndarray, step: int) -> None:
        """Buyers with something to say start talking next step."""
        self.talk_start[talkers] = step + 1
        self.talk.add(talkers)

    # --- recording and running ------------------------------------------------------------------------

    def _record(self) -> None:
        """Collect this step's row (`sim.model.record`) and note whether the horizon is reached."""
        self.datacollector.collect(self)
        self.running = self.step_index < self.cfg.run.n_steps

    @property
    def records(self) -> list[dict]:
        """The recorded rows, one per step from step 0 (the start): the `datacollector`'s series as dicts."""
        series = self.datacollector.model_vars
        return [dict(zip(series, row)) for row in zip(*series.values())]

    def run(self, n_steps: int | None = None, progress=None) -> list[dict]:
        """Run the steps left before the horizon (at most `n_steps` of them); returns the recorded rows.

        `progress`, if given, is called with 1 after each step."""
        left = self.cfg.run.n_steps - self.step_index
        for _ in range(left if n_steps is None else min(n_steps, left)):
            self.step()
            if progress is not None:
                progress(1)
        return self.records
