"""Competing brands in one market (issue 26, parts 1-4 and 6): `BrandsModel`, the model of a scenario
with `[brands]`, and `make_model`, which picks the model a scenario needs (docs/model.md section 5.8).

A person owns at most one brand (`People.brand`, -1 for none) and knows brands separately (`People.known`,
one bit per brand; `People.turned_from`, one bit per brand they turned away from). Messages carry a brand
and a valence (`sim.model.brand_contacts`: on the offline network owners' posts are read along ties, with
wom.transmission within brand and wom.transmission_cross across). In a well-mixed market brand b reaches
each open person (unaware or aware) independently in a step with chance `field_probability(r_b, dt)`,
where the per-day rate is

    r_b = p_b + q W_b / N + q_cross sum_{j != b} W_j / N     (after b's entry day, else 0)

with p_b brand b's advertising reach, W_j the summed talk weight of brand j's positive talkers
(`wom.q`: within-brand talk moves the listener toward the talker's brand; `wom.q_cross`: category talk by
another brand's owners moves them toward b); negative talk about b reaches at q x
`wom.negative_transmission_factor` x W-_b / N. Then (`choose_and_buy`):

- a negative message about b turns the listener away from b for good (they never consider it again);
  someone turned away from every brand is a rejecter;
- the brands that persuaded a person this step and that they have not turned from are their
  consideration set (`sim.model.brand_choice`; `choice.consider = "known"`: every brand they know and have not turned from); they
  choose one by a logit, P(b) proportional to exp(v_b / sensitivity_b), v_b = quality_b - expectation_b - choice.price_weight x (price_b - the cheapest
  price considered) + choice.tie_bonus if b is the brand of the strongest tie that persuaded them
  (`brand_choice.brand_choice_values`, `brand_choice.brand_choice_weights`; `[choice]` off: v_b is the margin; a brand's
  engine sensitivity 0 is a hard threshold: the brands with v_b >= 0 are equally likely), then buy it with
  that brand's engine conversion chance (`rules.conversion_probability`), gated by a growing market;
- a chooser who does not buy turns from the chosen brand with its engine.rejection chance.

A person's expectation of brand b is mean_b + sd_b z, with z their one standard-normal taste
(`Purpose.BRAND_TASTE`) and mean_b, sd_b brand b's engine.expectation_mean and expectation_sd. A brand's
seed users are chosen at random among the open people when it enters (day 0 for most). With one brand
the consideration set is that brand, and the step is the one-brand model's in a well-mixed market.
Owners may reconsider their brand (`sim.model.switching`, `[switching]`) and a brand's capacity may make
buyers wait (`sim.model.supply`, `[supply]`); both are off by default. The relationship chain runs per brand
(`_relationship_chain`): each brand's advocates and fans take part through the brand's own playbook (its core
participation and the brand-ready mechanisms it switches on), paid from its own ledger; a person's brand tie
is their tie to the brand they own (a new owner starts at `relationship.initial_brand_tie`), so the fans made
are that brand's and the loyalty of switching is to it. What is not modelled yet is refused when the scenario is
read (`sim.config.brands.MULTI_BRAND_LIMITS`).
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import numpy as np

from sim.config.brands import brand_scenario
from sim.config.schema import Scenario
from sim.model import backends, rules
from sim.model.brand_choice import choose_and_buy
from sim.model.brand_contacts import ContactList, field_contacts, network_contacts
from sim.model.budget import Ledger
from sim.model.context import StepContext
from sim.model.model import WomModel
from sim.model.money import NPV_COLUMN, npv_column
from sim.model.people import CORE_STATES, State
from sim.model.product import Product
from sim.model.record import SeriesCollector, model_reporters
from sim.model.relationship import makes_fans, take_part_by_brand
from sim.model.state import CHANNEL, NEGATIVE, POSITIVE, QUIET, SEED_USER, Funnel
from sim.model.streams import Purpose
from sim.model.supply import NOT_WAITING, Supply
from sim.model.switching import reconsider
from sim.playbook.playbook import Playbook

#: The owned brand of someone who owns none.
NO_BRAND = -1
#: Per-person state of a market of brands: 13 bytes per person whatever the number of brands (at most 8).
BRAND_STATES = (
    State("brand", np.int8, NO_BRAND),  # the brand a person owns (index into Scenario.brands), or NO_BRAND
    State("known", np.uint8, 0),  # bit b: they have heard of brand b
    State("turned_from", np.uint8, 0),  # bit b: they turned away from brand b for good
    State("owned", np.uint8, 0),  # bit b: they have owned brand b (the `adopted_total_<brand>` columns count them)
    State("taste", np.float32, 0.0),  # standard-normal taste: expectation of brand b = mean_b + sd_b * taste
    State("margin", np.float32, 0.0),  # lived margin of the brand owned (experience - expectation at purchase)
    State("waiting", np.int8, NOT_WAITING),  # the brand a person waits for (`sim.model.supply`), or NOT_WAITING
)


def make_model(scenario: Scenario, seed: int | np.random.SeedSequence = 0) -> WomModel:
    """The model a scenario needs: `BrandsModel` with `[brands]`, else `WomModel` (one brand, as always)."""
    return BrandsModel(scenario, seed) if scenario.brands else WomModel(scenario, seed)


class BrandsModel(WomModel):
    """A market of 1 to 8 brands, well mixed or on the offline network (the module docstring gives the rules);
    built as `WomModel`, with per-brand products, ledgers, seed users and supply, and its own step."""

    STATES = CORE_STATES + BRAND_STATES
    BRANDS = True

    def __init__(self, scenario: Scenario, seed: int | np.random.SeedSequence = 0):
        """Each brand's playbook (`brand_playbooks`: its per-person states join the model's), then as `WomModel`."""
        self.playbooks, states = brand_playbooks(scenario)  # per brand: core parts and its brand-ready mechanisms
        self.STATES = BrandsModel.STATES + states
        super().__init__(scenario, seed)

    def _place_initial_users(self) -> None:
        """Build the brands (called by `WomModel.__init__` in place of its seed users), then let the brands
        entering on day 0 place their seed users."""
        sc = self.cfg
        self.names = list(sc.brands)
        self.brand_cfg = [sc.brands[name] for name in self.names]
        self.count = len(self.names)
        self.products = [Product(pb.initial_quality(), b.generations) for pb, b in zip(self.playbooks, self.brand_cfg)]
        #: Added to what everyone expects of each brand (value units; a portfolio's closer fit is negative).
        self.expectation_shift = np.array([pb.expectation_shift for pb in self.playbooks], dtype=float)
        self.product = self.products[0]  # the `quality` column: the first brand's
        self.ledgers = [Ledger(b.budget) for b in self.brand_cfg]
        self.views = brand_views(self)  # what each brand's playbook acts through
        self.entered = np.zeros(self.count, dtype=bool)
        self.owners = np.zeros(self.count, dtype=np.int64)  # current owners per brand
        self.adopted_by_brand = np.zeros(self.count, dtype=np.int64)  # ever adopted per brand
        self.switched_in, self.switched_out, self.left = (np.zeros(self.count, dtype=np.int64) for _ in range(3))
        self.supply = Supply(self.brand_cfg, self.dt)
        self.people.taste[:] = self.draws.normal(Purpose.BRAND_TASTE, np.arange(self.n), 1.0)
        for ch in self.channels.values():  # contacts say whose brand persuades, and carry category talk
            ch.carry_brands(self.people.brand, self.count, sc.wom.transmission_cross * ch.cfg.transmission_factor)
            ch.assurance |= sc.choice.tie_bonus > 0  # contacts report their tie's strength: the choice weighs it
        #: The network's contacts of the step, kept for the choice when it weighs the strongest tie (else None).
        self.heard = None
        self._enter_brands(0, 0.0)

    # --- what the model's parts read ------------------------------------------------------------------

    @property
    def cost(self) -> float:
        """Money spent so far by every brand (currency, cumulative: the `cost` column)."""
        return float(sum(ledger.spent for ledger in self.ledgers))

    def money_configs(self) -> list:
        """Each brand's `[money]` section, in brand order."""
        return [b.money for b in self.brand_cfg]

    def spent_by_brand(self) -> list[float]:
        """Money spent so far by each brand (currency, cumulative: its own ledger)."""
        return [ledger.spent for ledger in self.ledgers]

    def expectation_of(self, b: int, people: np.ndarray, day: float) -> np.ndarray:
        """What `people` expect of brand b's product on sale on `day` (value units)."""
        engine = self.brand_cfg[b].engine
        own = engine.expectation_mean + self.expectation_shift[b] + engine.expectation_sd * self.people.taste[people]
        return self.products[b].expectation(own, day)

    # --- entry ----------------------------------------------------------------------------------------

    def _enter_brands(self, step: int, day: float) -> None:
        """Brands whose entry day has come (at the start of the step starting on `day`) enter: their seed
        users, chosen at random among the people still open (and not waiting for another brand), own them from the
        end of the previous step."""
        for b, brand in enumerate(self.brand_cfg):
            if self.entered[b] or brand.entry_day > day:
                continue
            self.entered[b] = True
            open_people = np.flatnonzero((self.people.state <= Funnel.AWARE) & (self.people.waiting == NOT_WAITING))
            k = min(brand.seed_users.count, len(open_people))
            if k:
                seeds = np.sort(self.draws.choose(Purpose.BRAND_SEEDS, open_people, k, slot=b))
                self._place_seeds(b, seeds, step)

    def _place_seeds(self, b: int, seeds: np.ndarray, step: int) -> None:
        """Seed users of brand b: advocating owners credited to the "seed" channel, talking from the next step."""
        p, seed = self.people, CHANNEL["seed"]
        unaware = seeds[p.state[seeds] == Funnel.UNAWARE]
        p.aware_channel[unaware] = seed
        p.aware_by_channel[seed] += len(unaware)
        p.kind[seeds] = SEED_USER
        p.known[seeds] |= np.uint8(1 << b)
        p.set_state(seeds, np.full(len(seeds), Funnel.ADOPTER, dtype=np.int8))
        p.valence[seeds] = POSITIVE
        p.adopt_channel[seeds] = seed
        p.adopt_by_channel[seed] += len(seeds)
        p.adopt_day[seeds] = step * self.dt
        p.adopted_total += int(np.count_nonzero(p.owned[seeds] == 0))  # a leaver chosen again counts once
        p.brand[seeds] = b
        self.owners[b] += len(seeds)
        self.count_owned(b, seeds)
        self.market.admit(seeds)
        self.start_talking(seeds, step)
        day = step * self.dt
        p.set_brand_tie(seeds, np.full(len(seeds), self.cfg.relationship.initial_brand_tie), day)
        self.playbooks[b].place(self.views[b], seeds, np.empty(0, dtype=np.int64))
        p.brand_day[seeds] = day  # what the brand's mechanisms gave its seed users (an honour group), as of entry

    # --- the step -------------------------------------------------------------------------------------

    def step(self) -> None:
        """One step: brands enter, ads are bought, brand messages reach open people, they choose and buy,
        buyers live their brand and start talking, the row is recorded (past the horizon: nothing)."""
        if self.step_index >= self.cfg.run.n_steps:
            return
        step, day = self.step_index + 1, self.step_index * self.dt
        self.draws.step = step
        self._enter_brands(step - 1, day)  # entrants' seeds talk from this step
        self.talk.prune(step)
        for ledger in self.ledgers:
            ledger.new_step()
        self.new_adopters = 0
        if self.supply.limited:  # the waiting lists first: give-ups, then those served now buy
            for b, (served, channels) in enumerate(self.supply.start_step(self.people, self.draws, self.owners)):
                if len(served):
                    self.adopt_brand(b, served, channels, step, day)
            for ch in self.channels.values():  # those who left a list were closed only while they waited
                ch.reopen(self.supply.left_lists)
        positive, negative, ads = self.rates(step, day)
        open_mask = self.people.state <= Funnel.AWARE
        if self.supply.limited:  # people waiting are committed to their brand
            open_mask &= self.people.waiting == NOT_WAITING
        if self.cfg.switching.on:  # owners can be moved too: to a rival
            open_mask |= self.people.brand != NO_BRAND
        listeners = np.flatnonzero(open_mask)
        contacts = ContactList(self.count, self.backend.scratch)
        field_contacts(contacts, listeners, positive, negative, ads, self.dt, self.draws)
        used_ties = self._talk_on_the_network(contacts, open_mask, step, day)
        reached = contacts.tables()
        owner = self.people.brand[reached.people] != NO_BRAND
        if owner.any():
            choose_and_buy(self, reached.subset(~owner), step, day)
            reconsider(self, reached.people[owner], reached.subset(owner), step, day)
        else:
            choose_and_buy(self, reached, step, day)
        for name, ties in used_ties.items():  # the relationship chain: used ties grow
            self.channels[name].strengthen(ties, step * self.dt)
        self._relationship_chain(step, day)  # advocates and fans take part, each brand acts (per brand)
        self.step_index = step
        self._record()

    def _relationship_chain(self, step: int, day: float) -> None:
        """Stage 5b-c per brand, at the end of the step starting on `day`: each brand's advocates and fans take part
        through its own view (`relationship.take_part_by_brand`); then each entered brand acts (releases, honour
        group; people its mechanisms make buy now own it) and its mechanisms act after purchases."""
        day_end = step * self.dt
        take_part_by_brand(self, step, day_end)
        for b, (playbook, view) in enumerate(zip(self.playbooks, self.views)):
            if not self.entered[b]:
                continue
            buyers, channels = playbook.end_of_step(view, step, day_end)
            can_buy = self.people.state[buyers] <= Funnel.AWARE  # only open people can buy the brand now
            if can_buy.any():
                self.adopt_brand(b, buyers[can_buy], np.asarray(channels)[can_buy], step, day)
            playbook.after_purchases(view, step, day_end)

    def _talk_on_the_network(self, contacts: ContactList, open_mask, step: int, day: float) -> dict:
        """Owners post on the channels (the offline network, the forum, Weibo, WeChat: the vector backend's
        posting) and their posts are read there (`network_contacts`); returns the ties used. Nothing without a
        channel. Keeps `contacts` as `step_contacts`, for the channels credited to the step's buyers (`credited`)."""
        self.step_contacts = contacts
        if not self.channels:
            return {}
        ctx = StepContext(step, day, self.open_channels(day), (0.0, 0.0, 0.0))
        self.backend.post(ctx)
        parts = backends.receiver_parts(self.n, backends.RECEIVER_PARTS)  # as the backend reads: in parts
        used = {ch.name: backends.read_channel(ch, ctx, self.draws, open_mask, parts) for ch in ctx.channels}
        network_contacts(contacts, open_mask, ctx.contacts, self.people.brand, self.entered)
        self.heard = ctx.contacts if self.cfg.choice.tie_bonus > 0 else None
        return used

    def rates(self, step: int, day: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-day rates of each brand's positive and negative messages, and of its ads (0 before entry)."""
        wom, p = self.cfg.wom, self.people
        ads = np.array([self._ads(b, day) for b in range(self.count)])
        w_pos, w_neg = np.zeros(self.count), np.zeros(self.count)
        pool = self.talk.members
        if self.well_mixed and self.layer_open(self.cfg.network, day) and len(pool):
            w = self.talk_weights(pool, step)
            owned = p.brand[pool]
            v = p.valence[pool]
            talking = owned >= 0
            w_pos = np.bincount(owned[talking & (v == POSITIVE)], w[talking & (v == POSITIVE)], self.count)
            w_neg = np.bincount(owned[talking & (v == NEGATIVE)], w[talking & (v == NEGATIVE)], self.count)
        if self.well_mixed and self.supply.limited:  # scarcity feeding talk
            w_pos = w_pos + [c.scarcity_talk * self.supply.waiting(b) for b, c in enumerate(self.supply.cfg)]
        base = self.market.talk_base(day)  # everyone, or the people who can buy (market.talk_share_of)
        if base == 0:  # nobody can buy yet: talk reaches nobody
            w_pos, w_neg, base = np.zeros(self.count), np.zeros(self.count), 1
        positive = ads + (wom.q * w_pos + wom.q_cross * (w_pos.sum() - w_pos)) / base
        negative = wom.q * wom.negative_transmission_factor * w_neg / base
        return positive * self.entered, negative * self.entered, ads

    def _ads(self, b: int, day: float) -> float:
        """Brand b's ad reach in the step starting on `day` (per person per day): after its entry, inside its
        window and past its loyalty threshold (its own adopted share), paid from its own budget."""
        ads = self.brand_cfg[b].advertising
        if not self.entered[b] or ads.p <= 0 or not ads.start_day <= day < ads.stop_day:
            return 0.0
        if not rules.adoption_reached(self.adopted_by_brand[b], self.n, ads.start_at_adoption):
            return 0.0
        step_cost = (ads.spend_per_day + ads.cost_per_contact * ads.p * self.n) * self.dt
        return ads.p if self.ledgers[b].buy("advertising", 1, step_cost, day) == 1 else 0.0

    def adopt_brand(self, b: int, buyers: np.ndarray, channels: np.ndarray, step: int, day: float) -> None:
        """New owners of brand b: their lived experience of it sets their valence; they talk from next step."""
        p = self.people
        returning = int(np.count_nonzero(p.owned[buyers]))  # people who left the category come back
        margin, valence = self.live_brand(b, buyers, day)
        p.adopt(buyers, valence, channels, step * self.dt)
        p.adopted_total -= returning  # ever adopted the category: each person once
        p.brand[buyers] = b
        p.margin[buyers] = margin
        p.set_brand_tie(buyers, np.full(len(buyers), self.cfg.relationship.initial_brand_tie), step * self.dt)
        self.count_owned(b, buyers)
        self.owners[b] += len(buyers)
        self.new_adopters += len(buyers) - returning
        self.money.sell(b, buyers, step * self.dt)
        self.start_talking(np.compress(valence != QUIET, buyers), step)

    def count_owned(self, b: int, people: np.ndarray) -> None:
        """`people` own brand b now: those who never owned it count among its adopters (`adopted_total_<brand>`)."""
        bit = np.uint8(1 << b)
        self.adopted_by_brand[b] += int(np.count_nonzero((self.people.owned[people] & bit) == 0))
        self.people.owned[people] |= bit

    def live_brand(self, b: int, buyers: np.ndarray, day: float) -> tuple[np.ndarray, np.ndarray]:
        """The lived experience of brand b's new owners in the step starting on `day`: (margin in value units,
        valence), their experience noise drawn with b's engine.experience_sd."""
        engine = self.brand_cfg[b].engine
        sd = engine.experience_sd
        noise = self.draws.normal(Purpose.BRAND_EXPERIENCE, buyers, sd) if sd > 0 else 0.0
        return self.products[b].experience(self.expectation_of(b, buyers, day), noise, day, engine)

    # --- recording ------------------------------------------------------------------------------------

    def _record(self) -> None:
        """Collect the row: the one-brand columns, then with two brands or more `owners_<brand>` and
        `adopted_total_<brand>` (`brand_reporters`)."""
        if not getattr(self, "_brand_columns", False):  # the first row: `WomModel` built one brand's collector
            self.datacollector = SeriesCollector(brand_reporters(self))
            self._brand_columns = True
        super()._record()


def brand_playbooks(scenario: Scenario) -> tuple[list[Playbook], tuple[State, ...]]:
    """Each brand's playbook, built from the scenario as the brand acts in it (`brand_scenario`: its brand-level
    sections and the market's), and the per-person states they declare beyond the market's playbook's (a state
    two brands declare is one array: each person owns one brand)."""
    n = scenario.population.size
    playbooks = [Playbook(brand_scenario(scenario, name), n) for name in scenario.brands]
    declared = {s.name for s in Playbook(scenario, n).states()}  # the market's playbook declares these itself
    extra = {s.name: s for pb in playbooks for s in pb.states() if s.name not in declared}
    return playbooks, tuple(extra.values())


def brand_views(model: BrandsModel) -> list:
    """Each brand's view (`HookView`): the model's, with the brand's product, ledger, playbook, lived experience,
    users (`users_of`) and number; its mechanisms are handed that brand's people only."""
    return [
        replace(
            model.view,
            product=product,
            ledger=ledger,
            playbook=pb,
            experience=partial(model.live_brand, b),
            users=partial(users_of, model, b),
            brand=b,
        )
        for b, (product, ledger, pb) in enumerate(zip(model.products, model.ledgers, model.playbooks))
    ]


def users_of(model: BrandsModel, b: int) -> np.ndarray:
    """The owners of brand b who use it now: its adopters and fans (not its detractors)."""
    p = model.people
    return np.flatnonzero((p.brand == b) & ((p.state == Funnel.ADOPTER) | (p.state == Funnel.FAN)))


def _owners(model: BrandsModel, b: int) -> int:
    return int(model.owners[b])


def _adopted_of(model: BrandsModel, b: int) -> int:
    return int(model.adopted_by_brand[b])


#: Cumulative counts kept per brand when switching is on (`sim.model.switching`): columns `<count>_<brand>`.
SWITCH_COLUMNS = ("switched_in", "switched_out", "left")


def _fans_of(model: BrandsModel, b: int) -> int:
    """Fans of brand b now (fans own the brand they are fans of), counted once per row for every brand."""
    step, fans = getattr(model, "_fans_row", (None, None))
    if step != model.step_index:
        p = model.people
        fans = np.bincount(p.brand[p.state == Funnel.FAN], minlength=model.count)
        model._fans_row = (model.step_index, fans)
    return int(fans[b])


def _switch_count(model: BrandsModel, column: str, b: int) -> int:
    return int(getattr(model, column)[b])


def _waiting(model: BrandsModel, b: int) -> int:
    return model.supply.waiting(b)


def _participations(model: BrandsModel) -> int:
    return int(sum(playbook.participations for playbook in model.playbooks))


def _out_of_money(model: BrandsModel) -> int:
    return int(any(ledger.refused_this_step for ledger in model.ledgers))


def brand_reporters(model: BrandsModel) -> dict:
    """The columns of a market of brands: the one-brand model's (`model_reporters`; `out_of_money` when any
    brand's budget is limited), then, with two brands or more, `owners_<brand>` for each brand,
    `adopted_total_<brand>` for each brand and, when the relationship chain can make fans (`makes_fans`),
    `fans_<brand>` for each brand; with money (a margin above 0) `npv` and, with two brands or more,
    `npv_<brand>`, last (`sim.model.money`)."""
    reporters = model_reporters(1, market=model.market.on)
    reporters["participations"] = _participations  # every brand's (each brand's playbook counts its own)
    if any(ledger.limited for ledger in model.ledgers):
        reporters["out_of_money"] = _out_of_money
    if model.count > 1:
        for b, name in enumerate(model.names):
            reporters[f"owners_{name}"] = partial(_owners, b=b)
        for b, name in enumerate(model.names):
            reporters[f"adopted_total_{name}"] = partial(_adopted_of, b=b)
        if makes_fans(model.cfg, model.playbooks):  # the relationship chain can make fans: each brand's
            for b, name in enumerate(model.names):
                reporters[f"fans_{name}"] = partial(_fans_of, b=b)
    if model.supply.limited:
        for b, name in enumerate(model.names):
            reporters[f"waiting_{name}" if model.count > 1 else "waiting"] = partial(_waiting, b=b)
    if model.cfg.switching.on:
        for column in SWITCH_COLUMNS:
            for b, name in enumerate(model.names):
                reporters[f"{column}_{name}"] = partial(_switch_count, column=column, b=b)
    if model.money.on:  # the money books (`sim.model.money`): the market's NPV, then each brand's
        reporters[NPV_COLUMN] = npv_column
        if model.count > 1:
            for b, name in enumerate(model.names):
                reporters[f"{NPV_COLUMN}_{name}"] = partial(npv_column, b=b)
    return reporters
