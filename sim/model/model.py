"""The word-of-mouth model: a Mesa model of people on a multiplex social graph, as an assembly.

`WomModel` builds its parts once and steps them: the people (`sim.model.people`: every per-person
array and its counts), the product (`sim.model.product`: quality, later generations), the playbook's
mechanisms (`sim.playbook`, called through their hooks), the channels (`sim.model.channels`), the
ledger, the talk pool and a backend (`run.backend`, `sim.model.backends`: "vector" moves the whole
population at once, "agents" one Mesa `Consumer` at a time). Steps are synchronous: everyone decides
from the state at the start of the step, then all changes apply. Step k covers days (k-1)*dt to k*dt:
  0. advertising runs if inside its window and past its loyalty threshold;
  1. channels open or close; official accounts post (self-media content mix);
  2. talkers, meme passers and automatic sharers post on the channels they are on;
  3. contacts: posts (people's and official), the well-mixed field and ads are seen and may persuade;
  4. the funnel decides (aware, adopter, detractor, rejecter; buyers without a purchase code wait);
  5. apply: a) the funnel moves, lived experience sets new adopters' valence; b) used ties grow,
     advocates and fans take part, fans are made or lost (`sim.model.relationship`); c) the brand acts
     (releases, meetups, codes handed out), then mechanisms act after the purchases (upgrades);
  6. the step's counts are recorded (`datacollector`, columns in `sim.model.record`).

Mesa conventions: `running` turns False at the horizon (`run.n_steps` steps); `run()` runs the steps
left; a `step()` past the horizon does nothing. From Python: `model = WomModel(load_scenario(path),
seed)`, then `model.step()` or `model.run()`, and `model.datacollector.get_model_vars_dataframe()`.
"""

from __future__ import annotations

from functools import partial

import mesa
import numpy as np

from sim.config.channels import LayerConfig
from sim.config.schema import Scenario
from sim.model import build, rules
from sim.model.agents import OfficialAccount
from sim.model.backends import BACKENDS
from sim.model.budget import OUT_OF_MONEY_COLUMN, Ledger, out_of_money
from sim.model.channels import Channel
from sim.model.context import StepContext
from sim.model.market import Market
from sim.model.people import CORE_STATES, NEVER, People
from sim.model.product import Product
from sim.model.record import SeriesCollector, model_reporters, playbook_column
from sim.model.relationship import take_part
from sim.model.state import CHANNEL, NEGATIVE, POSITIVE, QUIET, Funnel
from sim.model.streams import Purpose, StepDraws, model_streams, replicate_sequence
from sim.model.talk import TalkPool
from sim.playbook.playbook import Playbook


class WomModel(mesa.Model):
    """Word-of-mouth diffusion of one product through a population, as configured by a `Scenario`: its parts
    are built once here and `step` lists the stages."""

    #: The model's per-person states, and whether it steps a market of brands (`sim.model.brands` adds both).
    STATES, BRANDS = CORE_STATES, False

    def __init__(self, scenario: Scenario, seed: int | np.random.SeedSequence = 0):
        """Build the people, the playbook, the product, the channels, the initial users and the backend; an
        integer seed gives replicate 0 of `wom run --seed`."""
        if scenario.brands and not self.BRANDS:
            raise ValueError("a scenario with [brands] is stepped by sim.model.brands.BrandsModel (make_model)")
        streams = model_streams(seed)
        super().__init__(rng=np.random.default_rng(streams.dynamics))  # Mesa's own; the model never draws from it
        self.cfg = scenario
        self.n = scenario.population.size
        self.dt = scenario.run.dt
        self.step_index = 0
        #: Every random number of the model and the playbook, the build's at step 0 (`sim.model.streams`).
        self.draws = StepDraws(replicate_sequence(seed))
        self.playbook = Playbook(scenario, self.n)
        #: Every per-person array: the model's own states and those the playbook's parts declare.
        self.people = p = People(scenario, self.draws, self.STATES + self.playbook.states())
        #: Money spent and left (`sim.model.budget`); paid actions ask it before acting.
        self.ledger = Ledger(scenario.budget)
        self.talk = TalkPool(scenario.wom, self.dt, p.talk_start, p.state, p.counts)
        #: The product on sale: its quality and the expectation shift of later generations.
        self.product = Product(self.playbook.initial_quality(), scenario.generations)
        p.expectation += self.playbook.expectation_shift
        #: Who can buy at all on a day (`[market]`, `sim.model.market`); ranks are drawn only when it grows.
        self.market = Market(scenario.market, self.n, self.draws)
        self.well_mixed = scenario.network.kind == "well_mixed"
        network_rng = np.random.default_rng(streams.network)  # graphs keep a stream of their own (built once)
        self.channels: dict[str, Channel] = build.build_channels(scenario, network_rng, self.draws)
        if scenario.relationship.answer_back > 0:  # fans answer complaints where they read them
            for ch in self.channels.values():
                ch.state = p.state
        #: What the playbook's hooks may read and change, instead of the model (`sim.playbook.base.HookView`).
        self.view = build.hook_view(self)
        self._place_initial_users()
        self.officials = [OfficialAccount(self, k) for k in range(scenario.population.official_accounts)]
        self.backend = BACKENDS[scenario.run.backend](self)
        self._ads_on, self.new_adopters = False, 0
        reporters = model_reporters(scenario.generations.count, market=self.market.on)
        if self.ledger.limited:
            reporters[OUT_OF_MONEY_COLUMN] = out_of_money
        for column in self.playbook.series_columns():  # the mechanisms' own columns (segments)
            reporters[column] = partial(playbook_column, column=column)
        self.datacollector = SeriesCollector(reporters)
        self.running = True
        self._record()

    def _place_initial_users(self) -> None:
        """Employees start as fans, seed users as advocating adopters; the playbook acts on them; they talk."""
        employees, seed_users = build.choose_initial_users(self.cfg, self.channels, self.draws)
        self.people.place_initial_users(employees, seed_users)
        self.market.admit(np.concatenate([employees, seed_users]))  # they own the product on day 0
        self.playbook.place(self.view, seed_users, employees)
        self.talk.add(np.sort(np.concatenate([employees, seed_users])).astype(np.int64))

    # --- what agents, channels and the playbook read and change ---------------------------------------

    @property
    def cost(self) -> float:
        """Money spent so far on paid actions (currency, cumulative; the `cost` column)."""
        return self.ledger.spent

    def renew_talk(self, idx: np.ndarray, step: int) -> None:
        """Taking part restarts a positive person's talk window (participation keeps people talking)."""
        idx = idx[self.people.valence[idx] == POSITIVE]
        if len(idx) and self.cfg.relationship.renew_talk:
            self.start_talking(idx, step)

    def talk_weights(self, people: np.ndarray, step: int, day: float | None = None) -> np.ndarray:
        """How much each person talks this step: fans keep talking, others by the WOM decay rule
        (`TalkPool.weights`), times the playbook's multipliers (topic events, spokespeople) if `day` is given."""
        w = self.talk.weights(people, step)
        if day is not None:
            m = self.playbook.talk_multiplier(self.view, people, day)
            if np.ndim(m) or m != 1.0:
                w = w * m
        return w

    def meme_talkers(self, day: float) -> np.ndarray:
        """Aware people who pass the meme on during a topic event (they need not own the product)."""
        if not self.playbook.meme_active(day):
            return np.empty(0, dtype=np.int64)
        return np.flatnonzero(self.people.state == Funnel.AWARE)

    def layer_open(self, layer: LayerConfig, day: float) -> bool:
        """Whether a layer runs in the step starting on `day`: inside its days (`LayerConfig.is_open`) and,
        like advertising, once the adopted share at the start of the step has reached its start_at_adoption
        (so it opens in the step after the one whose adoptions reached it)."""
        started = rules.adoption_reached(self.people.adopted_total, self.n, layer.start_at_adoption)
        return started and layer.is_open(day)

    def open_channels(self, day: float) -> list[Channel]:
        """Channels running on this day; closed ones lose their live posts."""
        result = []
        for ch in self.channels.values():
            if self.layer_open(ch.cfg, day):
                result.append(ch)
            elif len(ch.live) or ch.official_posts:
                ch.close()
        return result

    def field_rates(self, step: int, day: float) -> tuple[float, float, float]:
        """Per-day rates of the external fields: (advertising p, well-mixed positive, well-mixed negative)."""
        p = self.cfg.advertising.p if self._ads_on else 0.0
        pos = neg = 0.0
        pool = self.talk.members
        if self.well_mixed and self.layer_open(self.cfg.network, day) and len(pool):
            w = self.talk_weights(pool, step, day)
            v = self.people.valence[pool]
            q = self.cfg.wom.q
            base = self.market.talk_base(day)  # everyone, or the people who can buy (market.talk_share_of)
            if base > 0:
                pos = q * w[v == POSITIVE].sum() / base
                neg = q * self.cfg.wom.negative_transmission_factor * w[v == NEGATIVE].sum() / base
        return p, pos, neg

    def conversion(self, people: np.ndarray, day: float, tie: np.ndarray | None = None) -> np.ndarray:
        """Engine: chance each persuaded person buys (0 before the launch); the playbook's discounts lower the
        expectation they decide against (a community's trust, community.trust); then `tie`, the strength of
        the tie that persuaded each, narrows a shortfall below it (relationship.tie_assurance); people outside a
        market that grows cannot buy yet (`Market.gate`)."""
        e = self.cfg.engine
        if not self.playbook.launched(day):
            return np.zeros(len(people))
        quality = self.product.quality(day)
        expectation = self.product.expectation(self.people.expectation[people], day)
        if self.playbook.discounts_expectation():
            expectation = expectation - self.playbook.expectation_discount(self.view, people, day)
        assurance = self.cfg.relationship.tie_assurance
        if tie is not None and assurance > 0:
            expectation = rules.assured_expectation(expectation, quality, tie, assurance)
        chance = rules.conversion_probability(quality, expectation, e.sensitivity, e.max_conversion)
        return self.market.gate(chance, people, day)

    def rejection(self, day: float, people: np.ndarray | None = None) -> float | np.ndarray:
        """Chance a persuaded non-buyer turns away: nobody rejects a product not yet launched, nor (for each of
        `people`, if given) one they cannot buy yet, outside a market that grows (`Market.gate`)."""
        chance = self.cfg.engine.rejection if self.playbook.launched(day) else 0.0
        return chance if people is None else self.market.gate(chance, people, day)

    def grow_market(self, day: float) -> tuple[np.ndarray, np.ndarray]:
        """Market: with `market.entrants = "at_penetration"`, the open people entering a market that grows in the
        step starting on `day` buy at once, each with chance the market's penetration (adopters over the people
        eligible before them; Guseo and Guidolin's assumption), credited to word of mouth (`offline`, the
        channel of well-mixed talk); returns (buyers, their channel), none otherwise."""
        entrants = self.market.entrants(day, self.dt)
        if len(entrants) == 0:
            return entrants, np.int8(CHANNEL["offline"])
        entrants = entrants[self.people.state[entrants] <= Funnel.AWARE]  # open: not rejecters (nor adopters)
        eligible = self.market.eligible_count(day - self.dt)
        penetration = min(1.0, self.people.adopted_total / eligible) if eligible else 0.0
        buys = self.draws.uniform(Purpose.MARKET_ENTRY, entrants) < penetration
        return entrants[buys], np.int8(CHANNEL["offline"])

    # --- the step -------------------------------------------------------------------------------------

    def step(self) -> None:
        """Advance one step of length dt (synchronous update); past the horizon, do nothing (no draws, no
        record, `step_index` stays; Mesa's own `steps` and `time` counters still count the call).

        The stages, in order (the module docstring says what each does); stages 2-4 decide from the state
        at the start of the step, stage 5 applies, dated at the end of the step."""
        if self.step_index >= self.cfg.run.n_steps:
            return
        step, day = self.step_index + 1, self.step_index * self.dt
        day_end = step * self.dt
        self.draws.step = step
        self.talk.prune(step)  # who may talk in this step
        self.ledger.new_step()
        # 0. advertising (bought from the ledger for the step)
        self._ads_on = self.playbook.ads_running(self.view, day)
        # 0b. the market grows: people entering it may buy at once (market.entrants)
        self.new_adopters = 0
        self._adopt(*self.grow_market(day), step)
        # 1. channels open or close; official accounts post
        channels = self.open_channels(day)
        for official in self.officials:
            official.post(step, day, channels)
        ctx = StepContext(step, day, channels, self.field_rates(step, day))
        # 2. posting
        self.backend.post(ctx)
        # 3. contacts
        used_ties = self.backend.meet(ctx)
        # 4. funnel decisions
        moves = self.backend.decide(ctx)
        # 5a. apply the funnel moves; buyers with a purchase code (if needed) adopt
        self.people.become_aware(moves.aware, moves.aware_channel)
        self.people.set_state(moves.rejecters, np.full(len(moves.rejecters), Funnel.REJECTER, dtype=np.int8))
        self._adopt(*self.playbook.gate_purchases(moves.buyers, moves.buy_channel), step)
        # 5b. the relationship chain: used ties grow; advocates and fans take part
        for name, ties in used_ties.items():
            self.channels[name].strengthen(ties, day_end)
        take_part(self, step, day_end)
        # 5c. the brand acts (releases, meetups, codes: their holders adopt); then owners may upgrade
        self._adopt(*self.playbook.end_of_step(self.view, step, day_end), step)
        self.playbook.after_purchases(self.view, step, day_end)
        # 6. record
        self.step_index = step
        self._record()

    def _adopt(self, adopters: np.ndarray, channels: np.ndarray, step: int) -> None:
        """New adopters: lived experience sets their valence; they start talking next step."""
        if len(adopters) == 0:
            return
        day = (step - 1) * self.dt
        margin, valence = self.experience(adopters, day)
        self.people.adopt(adopters, valence, channels, step * self.dt)
        self.backend.adopted(adopters)  # the adoption rule (`wom.rule`) may count them
        self.start_talking(np.compress(valence != QUIET, adopters), step)  # quiet adopters never talk
        self.new_adopters += len(adopters)
        self.playbook.on_adoption(self.view, adopters, margin, day)

    def experience(self, buyers: np.ndarray, day: float) -> tuple[np.ndarray, np.ndarray]:
        """Engine: lived experience of buyers in the step starting on `day`, as (margin in value units,
        valence): who advocates, stays quiet or detracts (the backend draws the noise); the playbook's raises
        (brand signals, brand_signals.expectation_raise) lift the expectation they live it against."""
        expectation = self.people.expectation[buyers]
        if self.playbook.raises_expectation():
            expectation = expectation + self.playbook.expectation_raise(self.view, buyers, day)
        return self.product.experience(expectation, self.backend.experience_noise(buyers), day, self.cfg.engine)

    def start_talking(self, talkers: np.ndarray, step: int) -> None:
        """Buyers with something to say start talking next step (joining the talk pool in id order, so that the
        pool's order, and with it the float sum of the `talking` column, is the same whichever backend found
        them)."""
        self.people.talk_start[talkers] = step + 1
        self.talk.add(np.sort(talkers))

    def stop_talking(self, people: np.ndarray) -> None:
        """People with nothing left to say (a detractor won back to a quiet adopter) stop talking: they leave
        the talk pool and never start again unless something restarts their talk window."""
        self.people.talk_start[people] = NEVER
        self.talk.remove(people)

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
