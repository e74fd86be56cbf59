"""Staff seeding (seed S51, "a few of us registered hundreds of accounts and posted ads in the phone forums
every day"): staff accounts post about the product in other forums. A post's readers hear of the product and
some are persuaded; a post found out to come from the brand reads as a scam, and some of its readers turn
away for good."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.model import rules
from sim.model.state import CHANNEL, Funnel
from sim.model.streams import Purpose
from sim.playbook.base import RAISES, Effect, HookView, Mechanism

#: The channel a staff post is credited with (awareness and purchases): a forum (another brand's).
STAFF_CHANNEL = CHANNEL["forum"]
#: The ledger's name of one staff post.
POST = "staff_post"


class StaffSeeding(Mechanism):
    """At the end of each step, while the brand is active, the staff accounts make a Poisson number of posts
    of mean accounts x posts_per_day x dt (`Purpose.STAFF_POSTS`), each paid from the ledger (cost_per_post;
    unpaid posts are not made). Each post is found out with chance detection (`Purpose.STAFF_CAUGHT`) and is
    read by readers_per_post people drawn from the whole population with replacement (`Purpose.STAFF_READERS`).

    Readers who have not decided (unaware or aware) become aware, credited to the forum channel. A reader of a
    found-out post turns away for good with chance backlash (`Purpose.STAFF_BACKLASH`); one who read no
    found-out post is persuaded with chance persuasion (`Purpose.STAFF_PERSUADED`), once the product is on
    sale, and then decides as a persuaded contact does (section 5.1): buys with the conversion chance of the
    quality against their expectation (`Purpose.STAFF_BUY`), credited to the forum channel, else turns away
    with chance engine.rejection (`Purpose.STAFF_REJECT`). One draw each per reader and step, however many
    posts they read. Users are not touched."""

    section = "staff_seeding"
    turn = 17
    factor = "accelerator"
    effect = Effect("adopted_total", RAISES, "readers of the staff's posts are persuaded, and some buy")
    example_settings = ("staff_seeding.accounts=5",)

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        #: The engine section: the conversion curve and rejection of a persuaded reader.
        self.engine = scenario.engine

    def unit_costs(self) -> dict[str, float]:
        return {POST: self.cfg.cost_per_post}

    def end_of_step(self, view: HookView, step: int, day_end: float) -> tuple[np.ndarray, np.ndarray] | None:
        if not view.playbook.brand_active(day_end):
            return None
        cfg = self.cfg
        mean = cfg.accounts * cfg.posts_per_day * view.dt
        wanted = view.draws.count(Purpose.STAFF_POSTS, mean) if mean > 0 else 0
        posts = view.ledger.buy(POST, wanted, cfg.cost_per_post, day_end - view.dt)
        if posts == 0 or cfg.readers_per_post == 0:
            return None
        caught = view.draws.uniform(Purpose.STAFF_CAUGHT, np.arange(posts)) < cfg.detection
        reads = np.arange(posts * cfg.readers_per_post)
        readers = view.draws.integers(Purpose.STAFF_READERS, reads, self.n)
        exposed = np.unique(readers[caught[reads // cfg.readers_per_post]])
        reached = np.setdiff1d(readers, exposed)  # sorted, unique
        return self._reach(view, reached, exposed, day_end - view.dt)

    def _reach(self, view: HookView, reached: np.ndarray, exposed: np.ndarray, day: float):
        """Undecided readers become aware; readers of a found-out post may turn away; the others may be
        persuaded and buy (returned with their channel) or turn away."""
        people = view.people
        heard = np.union1d(reached, exposed)
        unaware = np.compress(people.state[heard] == Funnel.UNAWARE, heard)
        people.become_aware(unaware, np.full(len(unaware), STAFF_CHANNEL, dtype=np.int8))
        scammed = np.compress(people.state[exposed] == Funnel.AWARE, exposed)
        away = np.compress(view.draws.uniform(Purpose.STAFF_BACKLASH, scammed) < self.cfg.backlash, scammed)
        buyers = np.empty(0, dtype=np.int64)
        if view.playbook.launched(day):
            undecided = np.compress(people.state[reached] == Funnel.AWARE, reached)
            persuaded = view.draws.uniform(Purpose.STAFF_PERSUADED, undecided) < self.cfg.persuasion
            buyers, rejecting = self._decide(view, np.compress(persuaded, undecided), day)
            away = np.union1d(away, rejecting)
        people.set_state(away, np.full(len(away), Funnel.REJECTER, dtype=np.int8))
        return buyers, np.full(len(buyers), STAFF_CHANNEL, dtype=np.int8)

    def _decide(self, view: HookView, persuaded: np.ndarray, day: float) -> tuple[np.ndarray, np.ndarray]:
        """Persuaded readers buy with the engine's conversion chance, else turn away with its rejection."""
        e = self.engine
        expectation = view.product.expectation(view.people.expectation[persuaded], day)
        chance = rules.conversion_probability(view.product.quality(day), expectation, e.sensitivity, e.max_conversion)
        buys = view.draws.uniform(Purpose.STAFF_BUY, persuaded) < chance
        stay = np.compress(~buys, persuaded)
        rejecting = np.compress(view.draws.uniform(Purpose.STAFF_REJECT, stay) < e.rejection, stay)
        return np.compress(buys, persuaded), rejecting
