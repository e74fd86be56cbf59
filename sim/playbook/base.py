"""The one shape of a playbook mechanism: built from its scenario section, hooks with no-op defaults.

A mechanism is a class with a `section` (its section name in `sim.config.schema.Scenario`), a `turn`
(its place in the acting order), a `factor` (the iron-triangle factor attribution counts it in) and an
`effect` (the outcome switching it on changes, checked by the contract test under its
`example_settings`). It overrides only the hooks it needs; every hook below does nothing by default,
and `sim.playbook.playbook.Playbook` calls a hook only on the mechanisms that override it, in the
registry's order (`sim.playbook.registry`: by turn), which fixes the order of their random draws.

Hooks that act on the population receive a `HookView`, never the model: the people, the product,
the ledger, the channels, the dynamics stream, the step length and the few model steps a mechanism
may take; facts shared by the whole playbook (is the brand still active, what share of its effort
goes to this product, the sense of achievement, the composed official posting rate) are its
`playbook` (`Shared`). Mechanisms never import the model (an import-linter contract) nor receive it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

import numpy as np

from sim.config.schema import Scenario
from sim.model.budget import Ledger
from sim.model.channels import Channel
from sim.model.people import People, State
from sim.model.product import Product
from sim.model.streams import StepDraws

Factor = Literal["engine", "accelerator", "relationship_chain"]
#: The iron-triangle factors, in attribution's order.
FACTORS: tuple[Factor, ...] = ("engine", "accelerator", "relationship_chain")
#: Directions of a documented effect.
RAISES, LOWERS = 1, -1


class Shared(Protocol):
    """The facts the whole playbook shares (its composition, `sim.playbook.playbook.Playbook`), as hooks
    may read them: whether the brand is still active, whether the product can be bought, the share of its effort this product gets, the
    sense of achievement, the people who share automatically next step, the official posting rate, the
    participations so far and the bug reports filed since the release team last took them in."""

    split: float
    achievement: float
    share_next: np.ndarray
    #: Participations so far, all sources (a mechanism whose own hook makes people take part adds them).
    participations: int
    #: Bug reports filed outside the participation phase (complaints) and not yet taken in by the releases
    #: (feedback items, as a participation's feedback weight counts them).
    reports: float

    def brand_active(self, day: float) -> bool: ...

    def launched(self, day: float) -> bool: ...

    def official_rate(self, day: float) -> float: ...


@dataclass(frozen=True, slots=True)
class HookView:
    """What a hook may read and change, instead of the model (starsim's modules receive `sim.people`).

    `WomModel` builds one at the start (its parts keep their identity from step to step); every hook
    taking a view gets this one, the clock (step, day) passed to the hook explicitly. `draws` are the
    model's step draws (`sim.model.streams`): each draw names its purpose and the people it is for. The
    callables are the model's own steps a mechanism may take: `experience` (margin and valence of
    buyers in the step starting on a day), `start_talking` and `renew_talk` (people and step), `stop_talking`
    (people: they leave the talk pool), and
    `participation_draws` (the backend's per-person draws, one boolean array per probability: people,
    probabilities, and optionally the purpose and first slot, `Backend.participation_draws`)."""

    people: People
    product: Product
    ledger: Ledger
    channels: Mapping[str, Channel]
    playbook: Shared
    draws: StepDraws
    #: Step length (days).
    dt: float
    experience: Callable[[np.ndarray, float], tuple[np.ndarray, np.ndarray]]
    start_talking: Callable[[np.ndarray, int], None]
    renew_talk: Callable[[np.ndarray, int], None]
    stop_talking: Callable[[np.ndarray], None]
    participation_draws: Callable[..., list[np.ndarray]]


@dataclass(frozen=True)
class Source:
    """One source of participation: a per-day rate (scalar or one per pool member) and its effects."""

    name: str
    rate: float | np.ndarray
    tie_building: float = 1.0
    cost: float = 0.0
    feedback: float = 1.0


@dataclass(frozen=True)
class Effect:
    """What switching a mechanism on does: it raises or lowers the final value of a time-series column."""

    column: str
    direction: int  # RAISES or LOWERS
    why: str


class Mechanism:
    """Base of every playbook mechanism and core part: construction from the scenario and no-op hooks."""

    #: Scenario section that configures it: for a mechanism, the name of its module in `sim/playbook/` and of its
    #: config's module in `sim/config/mechanisms/` (a `sim.config.section.MechanismSection`).
    section: ClassVar[str]
    #: A mechanism's turn in the acting order (1 = first; core parts act before every mechanism): within each
    #: hook the mechanisms act in turn, which fixes the order of their random draws (so results) and of the
    #: participation sources. A new mechanism takes the next number, so runs without it keep their results.
    turn: ClassVar[int]
    #: Iron-triangle factor it belongs to.
    factor: ClassVar[Factor]
    #: The outcome it documents (checked by tests/playbook/test_contract.py); None for core parts.
    effect: ClassVar[Effect | None] = None
    #: The smallest settings under which switching it on shows its `effect`: `key=value` overrides (as
    #: `wom run --set` takes them) besides `<section>.enabled=true`, applied to the contract test's small
    #: scenario (tests/playbook/test_contract.py); () when its defaults suffice.
    example_settings: ClassVar[tuple[str, ...]] = ()
    #: Whether it can move people's ties to the brand (else the model may skip the relationship phase).
    builds_brand_ties: ClassVar[bool] = False
    #: Whether it marks people who share automatically next step (`Playbook.share_next`).
    marks_sharers: ClassVar[bool] = False

    def __init__(self, scenario: Scenario, n: int):
        """Build from the scenario (its own section is `self.cfg`) for a population of n people."""
        self.cfg = getattr(scenario, self.section)
        self.n = n

    @classmethod
    def enabled(cls, scenario: Scenario) -> bool:
        """Whether the scenario switches it on (its section's `enabled`)."""
        return bool(getattr(scenario, cls.section).enabled)

    # --- money ------------------------------------------------------------------------------------

    def unit_costs(self) -> dict[str, float]:
        """Cost of one of each paid action this part takes, by action name (currency per action; the
        ledger `view.ledger` is asked before each, docs/model.md "Costs and the budget")."""
        return {}

    # --- set-up: the values start from the engine section and pass through every mechanism ---------

    def initial_quality(self, quality: float) -> float:
        """The product's quality at the start (value units; `sim.model.product.Product` holds it)."""
        return quality

    def expectation_shift(self) -> float:
        """Added to every person's expectation at the start (value units; negative = closer fit)."""
        return 0.0

    def effort_share(self) -> float:
        """Share of what the brand can sustain (its participation sources) that goes to this product
        (shares multiply)."""
        return 1.0

    def sense_of_achievement(self) -> float:
        """Sense of achievement a participation gives (0-1; achievements add up)."""
        return 0.0

    def states(self) -> tuple[State, ...]:
        """Per-person states this part keeps on the model's `People` (allocated with the model's own, before
        anyone is placed; starsim's `define_states`)."""
        return ()

    def place(self, view: HookView, seeds: np.ndarray, employees: np.ndarray) -> None:
        """Act on the initial users (seed users and employees) once they are chosen."""

    def series_columns(self) -> tuple[str, ...]:
        """Names of the time-series columns this part records after the model's own (people or counts)."""
        return ()

    def series(self, view: HookView) -> dict[str, int | float]:
        """The values of its `series_columns` now, by name (plain Python numbers)."""
        return {}

    # --- who talks, who may buy ---------------------------------------------------------------

    def brand_active(self, day: float) -> bool:
        """Whether the brand still interacts with its fans on this day."""
        return True

    def topic_boost(self, day: float) -> float:
        """Talk multiplier of official events on this day (the largest one counts)."""
        return 1.0

    def talk_multiplier(self, view: HookView, people: np.ndarray, day: float) -> np.ndarray | float:
        """Factor on how much `people` talk on this day (factors multiply)."""
        return 1.0

    def meme_active(self, day: float) -> bool:
        """Whether aware non-owners pass the meme on this day (any mechanism may say so)."""
        return False

    def launched(self, day: float) -> bool:
        """Whether the product can be bought on this day (every mechanism must agree)."""
        return True

    def ads_running(self, view: HookView, day: float) -> bool:
        """Whether advertising runs on this day (every part must agree)."""
        return True

    def gate_purchases(self, buyers: np.ndarray, channels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Of the would-be buyers (and their channels), those who may buy now."""
        return buyers, channels

    def expectation_discount(self, view: HookView, people: np.ndarray, day: float) -> np.ndarray | float:
        """Value units taken off the expectation persuaded `people` weigh the product against in the step
        starting on `day`, at their decision (trust lowering the cost of deciding; discounts add)."""
        return 0.0

    def expectation_raise(self, view: HookView, people: np.ndarray, day: float) -> np.ndarray | float:
        """Value units added to the expectation buyers (`people`, buying in the step starting on `day`) live the
        product against: what a brand signal led them to expect beyond their own (raises add)."""
        return 0.0

    # --- official accounts: a mechanism that answers replaces the default ----------------------------

    def official_rate(self, day: float) -> float | None:
        """Posts per day of each official account, or None to leave the default."""
        return None

    def official_count(self, rate: float, day: float, dt: float) -> int | None:
        """Posts one official account makes on a channel in the step from `day` (`rate` a day), or None to
        leave it to chance (a Poisson count, the default)."""
        return None

    def content_mix(self) -> np.ndarray | None:
        """Shares of useful, emotional and interactive official posts, or None to leave the default."""
        return None

    def content_effects(self) -> tuple[np.ndarray, np.ndarray, float] | None:
        """Per content kind reach and persuasion multipliers and the attention per post, or None."""
        return None

    def note_interactive_readers(self, readers: np.ndarray) -> None:
        """Readers of interactive official posts this step."""

    # --- participation --------------------------------------------------------------------------

    def participation_sources(self, view: HookView, pool: np.ndarray, day: float, dt: float) -> list[Source]:
        """Sources that make the pool (advocates and fans) take part this step."""
        return []

    def participation_multiplier(self, pool: np.ndarray) -> np.ndarray | float:
        """Factor on each pool member's participation chances (factors multiply)."""
        return 1.0

    def after_participation(self, view: HookView, participants: np.ndarray, feedback: float, day: float) -> None:
        """React to this step's participants and the feedback they gave."""

    def on_adoption(self, view: HookView, adopters: np.ndarray, margin: np.ndarray, day: float) -> None:
        """React to new adopters, who bought in the step starting on `day` and live the product with `margin`
        (value units)."""

    # --- the brand's actions at the end of a step ---------------------------------------------------

    def improved_quality(self, view: HookView, quality: float, day_end: float) -> float:
        """The product's quality after this step's releases (value units); `view.draws` are the step's."""
        return quality

    def end_of_step(self, view: HookView, step: int, day_end: float) -> tuple[np.ndarray, np.ndarray] | None:
        """Act at the end of a step; may return people who buy now and their channels."""
        return None

    def after_purchases(self, view: HookView, step: int, day_end: float) -> None:
        """Act last in a step, after its purchases (those of `end_of_step` included): upgrades."""


#: Every hook a mechanism may override (Playbook dispatches each only to the mechanisms overriding it).
HOOKS = tuple(
    name
    for name, value in vars(Mechanism).items()
    if callable(value) and not name.startswith("_") and name != "enabled"
)


def overrides(part: Mechanism, hook: str) -> bool:
    """Whether a mechanism implements `hook` itself (rather than the base's no-op)."""
    return getattr(type(part), hook) is not getattr(Mechanism, hook)
