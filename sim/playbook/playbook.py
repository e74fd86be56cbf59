"""The participation playbook: the brand's strategies and tactics, composed from one module per mechanism.

`Playbook` builds the always-on core parts and every mechanism the scenario switches on (its section
says `enabled = true`; see `sim.playbook.registry`) and offers the model the hooks it calls: quality
and expectations at the start, who talks and how much, who may buy, the sources of participation,
and the brand's actions at the end of a step. Each hook is passed to the parts that implement it, in
registry order, and their answers are combined as each method says. With every mechanism off the
model is the plain WOM model of `sim.model.model`. People's own decisions still go through
`sim.model.rules` in both backends; the brand's actions here are organisation-level and shared by both.
"""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.model.people import State
from sim.model.state import POSITIVE, Funnel
from sim.model.streams import Purpose
from sim.playbook.base import HOOKS, HookView, Mechanism, Source, overrides
from sim.playbook.registry import CORE_PARTS, MECHANISMS

__all__ = ["Playbook", "Source", "brand_set_up", "positive_users"]

#: Official content mix and effects when no mechanism sets them: every post 'plain' useful.
PLAIN_MIX = (1.0, 0.0, 0.0)


def brand_set_up(brand, n: int) -> tuple[float, float]:
    """A brand's quality at the start and the shift of what people expect of it, in a market of brands
    (`sim.model.brands`): its engine quality through the set-up of every mechanism it switches on, as
    `Playbook.initial_quality` and `Playbook.expectation_shift` do for one brand. Only brand-ready mechanisms
    (`MechanismSection.brand_ready`: set-up alone) can be on there; the scenario's checks refuse the others."""
    parts = [m(brand, n) for m in MECHANISMS if m.enabled(brand)]
    quality = brand.engine.quality
    for part in parts:
        quality = part.initial_quality(quality)
    return quality, sum((part.expectation_shift() for part in parts), 0.0)


class Playbook:
    """The brand's strategies and tactics, configured by the scenario's playbook sections."""

    def __init__(self, scenario: Scenario, n: int):
        """Build the core parts and the switched-on mechanisms for the scenario and a population of n people."""
        cfg = scenario
        self.cfg = cfg
        self.mechanisms: list[Mechanism] = [m(cfg, n) for m in MECHANISMS if m.enabled(cfg)]
        self.parts: list[Mechanism] = [p(cfg, n) for p in CORE_PARTS] + self.mechanisms
        self._hooks = {hook: [p for p in self.parts if overrides(p, hook)] for hook in HOOKS}
        #: Added to every person's expectation at the start (value units).
        self.expectation_shift = sum((p.expectation_shift() for p in self._hooks["expectation_shift"]), 0.0)
        #: Share of what the brand can sustain that goes to this product (a portfolio splits it).
        self.split = float(np.prod([p.effort_share() for p in self._hooks["effort_share"]]))
        #: Sense of achievement a participation gives (0-1; drives achievement sharing).
        self.achievement = sum((p.sense_of_achievement() for p in self._hooks["sense_of_achievement"]), 0.0)
        #: People who share automatically next step (embedded or achievement sharing).
        self.share_next = np.zeros(n, dtype=bool)
        self.marks_sharers = any(p.marks_sharers for p in self.mechanisms)
        #: Participations so far (all sources).
        self.participations = 0
        #: Bug reports filed outside the participation phase, not yet taken in by a release (feedback items).
        self.reports = 0.0
        #: Cost of one of each paid action, by action name (currency per action; the parts' `unit_costs`).
        self.unit_costs: dict[str, float] = {}
        for part in self._hooks["unit_costs"]:
            self.unit_costs |= part.unit_costs()

    def initial_quality(self) -> float:
        """The product's quality at the start (value units): the engine's, through every part's set-up."""
        quality = self.cfg.engine.quality
        for part in self._hooks["initial_quality"]:
            quality = part.initial_quality(quality)
        return quality

    def states(self) -> tuple[State, ...]:
        """The per-person states the parts keep on `People`, in registry order."""
        return tuple(s for part in self._hooks["states"] for s in part.states())

    def series_columns(self) -> tuple[str, ...]:
        """The time-series columns the parts record, in registry order."""
        return tuple(c for part in self._hooks["series_columns"] for c in part.series_columns())

    def series(self, view: HookView, column: str) -> int | float:
        """The current value of one of the parts' columns."""
        part = next(p for p in self._hooks["series"] if column in p.series_columns())
        return part.series(view)[column]

    def mechanism(self, section: str) -> Mechanism | None:
        """The switched-on mechanism configured by `section`, if any."""
        return next((m for m in self.mechanisms if m.section == section), None)

    def builds_brand_ties(self) -> bool:
        """Whether any switched-on mechanism can move people's ties to the brand."""
        return any(m.builds_brand_ties for m in self.mechanisms)

    def place(self, view: HookView, seeds: np.ndarray, employees: np.ndarray) -> None:
        """Mechanisms act on the initial users (honour group, purchase codes)."""
        for part in self._hooks["place"]:
            part.place(view, seeds, employees)

    # --- who talks, who may buy -----------------------------------------------------------------

    def brand_active(self, day: float) -> bool:
        """The brand still interacts with its fans (until community.brand_steps_back_day)."""
        return all(p.brand_active(day) for p in self._hooks["brand_active"])

    def topic_boost(self, day: float) -> float:
        """Talk multiplier of the official topic events running on this day (the largest)."""
        return max([1.0] + [p.topic_boost(day) for p in self._hooks["topic_boost"]])

    def talk_multiplier(self, view: HookView, people: np.ndarray, day: float) -> np.ndarray | float:
        """Product of the mechanisms' talk factors (topic events, spokespeople); 1.0 when none applies."""
        m = 1.0
        for part in self._hooks["talk_multiplier"]:
            m = m * part.talk_multiplier(view, people, day)
        return m

    def meme_active(self, day: float) -> bool:
        """During topic events, aware people who do not own the product pass the meme on."""
        return any(p.meme_active(day) for p in self._hooks["meme_active"])

    def launched(self, day: float) -> bool:
        """The product can be bought (events.launch_day)."""
        return all(p.launched(day) for p in self._hooks["launched"])

    def ads_running(self, view: HookView, day: float) -> bool:
        """Ads run when every part agrees (inside their window, past the loyalty threshold); every part is asked."""
        return all([p.ads_running(view, day) for p in self._hooks["ads_running"]])

    def gate_purchases(self, buyers: np.ndarray, channels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Would-be buyers who may buy now and their channels (referral gating: the others wait for a code)."""
        for part in self._hooks["gate_purchases"]:
            buyers, channels = part.gate_purchases(buyers, channels)
        return buyers, channels

    def discounts_expectation(self) -> bool:
        """Whether any part lowers the expectation persuaded people decide against (else the model skips it)."""
        return bool(self._hooks["expectation_discount"])

    def expectation_discount(self, view: HookView, people: np.ndarray, day: float) -> np.ndarray | float:
        """Sum of the parts' discounts on persuaded people's expectations (value units; 0.0 when none applies)."""
        d = 0.0
        for part in self._hooks["expectation_discount"]:
            d = d + part.expectation_discount(view, people, day)
        return d

    def raises_expectation(self) -> bool:
        """Whether any part raises the expectation buyers live the product against (else the model skips it)."""
        return bool(self._hooks["expectation_raise"])

    def expectation_raise(self, view: HookView, people: np.ndarray, day: float) -> np.ndarray | float:
        """Sum of the parts' raises of buyers' expectations at the lived experience (value units; 0.0 when none)."""
        r = 0.0
        for part in self._hooks["expectation_raise"]:
            r = r + part.expectation_raise(view, people, day)
        return r

    # --- official accounts --------------------------------------------------------------------------

    def official_rate(self, day: float) -> float:
        """Posts per day of each official account: none once the brand steps back, else the first
        mechanism's rate (self-media), else official.posts_per_day."""
        if not self.brand_active(day):
            return 0.0
        return self._first("official_rate", self.cfg.official.posts_per_day, day)

    def official_count(self, draws, rate: float, day: float, dt: float, slot: int) -> int:
        """Posts of one official account on a channel in the step from `day`: the first mechanism's count
        (a regular rhythm, self-media), else a Poisson count of mean rate x dt (`Purpose.OFFICIAL_POSTS`, id
        0 of the account's `slot`)."""
        count = self._first("official_count", None, rate, day, dt)
        return count if count is not None else draws.count(Purpose.OFFICIAL_POSTS, rate * dt, slot)

    def content_mix(self) -> np.ndarray:
        """Shares of useful, emotional and interactive posts (all 'plain' useful without self-media)."""
        return self._first("content_mix", None) if self._hooks["content_mix"] else np.array(PLAIN_MIX)

    def content_effects(self) -> tuple[np.ndarray, np.ndarray, float]:
        """Per content kind: reach and persuasion multipliers; and the attention each post gets."""
        if self._hooks["content_effects"]:
            return self._first("content_effects", None)
        return np.ones(len(PLAIN_MIX)), np.ones(len(PLAIN_MIX)), 1.0

    def note_interactive_readers(self, readers: np.ndarray) -> None:
        """Readers of interactive posts may take part (a participation source next)."""
        for part in self._hooks["note_interactive_readers"]:
            part.note_interactive_readers(readers)

    def _first(self, hook: str, default, *args):
        """The first answer (not None) of the parts implementing `hook`, else `default`."""
        for part in self._hooks[hook]:
            answer = getattr(part, hook)(*args)
            if answer is not None:
                return answer
        return default

    # --- participation --------------------------------------------------------------------------------

    def participation_multiplier(self, pool: np.ndarray) -> np.ndarray:
        """Product of the mechanisms' participation factors (interaction design, forum engagement)."""
        m = np.full(len(pool), 1.0)
        for part in self._hooks["participation_multiplier"]:
            m = m * part.participation_multiplier(pool)
        return m

    def participation_sources(self, view: HookView, pool: np.ndarray, day: float, dt: float) -> list[Source]:
        """Everything that makes advocates and fans take part this step, in registry order."""
        sources = []
        for part in self._hooks["participation_sources"]:
            sources += part.participation_sources(view, pool, day, dt)
        return sources

    def after_participation(self, view: HookView, participants: np.ndarray, feedback: float, day: float) -> None:
        """Count the participants; mechanisms react (feedback for releases, forum replies, achievement shared)."""
        self.participations += len(participants)
        for part in self._hooks["after_participation"]:
            part.after_participation(view, participants, feedback, day)

    def take_sharers(self) -> np.ndarray:
        """People who share automatically this step (embedded or achievement sharing), then none are left."""
        if not self.marks_sharers:  # nobody can be marked
            return np.empty(0, dtype=np.int64)
        sharers = np.flatnonzero(self.share_next)
        self.share_next[sharers] = False
        return sharers

    def on_adoption(self, view: HookView, adopters: np.ndarray, margin: np.ndarray, day: float) -> None:
        """Mechanisms react to new adopters (embedded sharing, following the official account, codes, the
        product they bought)."""
        for part in self._hooks["on_adoption"]:
            part.on_adoption(view, adopters, margin, day)

    # --- the brand's actions at the end of a step -----------------------------------------------------

    def end_of_step(self, view: HookView, step: int, day_end: float) -> tuple[np.ndarray, np.ndarray]:
        """Releases (raising `view.product`'s quality), then the mechanisms' actions (meetups, unfollows,
        purchase codes). Returns the people who buy now (code holders) and their channels."""
        view.product.engine_quality = self.improved_quality(view, view.product.engine_quality, day_end)
        bought = []
        for part in self._hooks["end_of_step"]:
            result = part.end_of_step(view, step, day_end)
            if result is not None:
                bought.append(result)
        if not bought:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int8)
        if len(bought) == 1:
            return bought[0]
        return np.concatenate([b[0] for b in bought]), np.concatenate([b[1] for b in bought])

    def improved_quality(self, view: HookView, quality: float, day_end: float) -> float:
        """The product's quality after this step's releases (value units)."""
        for part in self._hooks["improved_quality"]:
            quality = part.improved_quality(view, quality, day_end)
        return quality

    def after_purchases(self, view: HookView, step: int, day_end: float) -> None:
        """Mechanisms act after the step's purchases (owners upgrade to the newest generation)."""
        for part in self._hooks["after_purchases"]:
            part.after_purchases(view, step, day_end)


def positive_users(state: np.ndarray, valence: np.ndarray) -> np.ndarray:
    """Advocating adopters and fans: the people who take part."""
    return np.flatnonzero(((state == Funnel.ADOPTER) & (valence == POSITIVE)) | (state == Funnel.FAN))
