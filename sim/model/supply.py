"""A brand's daily capacity and waiting list (issue 26, part 4; each brand's `[supply]`,
`sim.config.brands.SupplyConfig`): `Supply`, used by `sim.model.brands.BrandsModel`.

Each brand may serve `capacity_per_day` buyers a day: an allowance grows by capacity x dt every step and
each buyer served takes one (a fraction left over carries to the next step; capacity unused while nobody
waits is lost, it cannot be stored). At the start of a step the people waiting for a brand may give up (a
hazard `give_up` per day: they turn from the brand, so they may buy a rival when next persuaded), then the
waiting list is served first come, first served; the step's new buyers come after it, in a random order
(`Purpose.SUPPLY`), and those beyond the allowance join the end of the list. People waiting are committed to
their brand: they are no longer persuaded or choosing, and they are not owners (they do not talk as owners;
with `scarcity_talk` > 0 each adds that talk weight to the brand's well-mixed word of mouth: scarcity feeding
talk, the sources' claim, kept a parameter). With unlimited capacity (the default) nothing here draws or acts.

F-codes give priority (`f_codes_per_owner`, Xiaomi's F-codes: purchase codes handed by owners to friends so
they skip the flash-sale queue): each of a brand's owners hands out that many codes a day to people on its
waiting list, so each person waiting gets one in a step with chance 1 - exp(-c O dt / W) (c the codes per
owner per day, O the brand's owners, W the people waiting; `rules`-free: the codes are spread evenly over
the list, the assumption). Holders are served before everyone without a code, among themselves in the order
they got their codes (within a step, the order they joined the list); they keep their code until served. The codes reorder who is served, not how many:
capacity is the brand's either way (with give-ups, holders are served sooner and so give up less).
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.streams import Purpose

#: Slots of `Purpose.SUPPLY`: the order of a step's new buyers, whether a waiting person gives up, and whether
#: they are handed an F-code.
ORDER_SLOT, GIVE_UP_SLOT, CODE_SLOT = 0, 1, 2
#: `People.waiting` of someone who waits for nothing.
NOT_WAITING = -1


class Supply:
    """The brands' allowances and waiting lists (people and the channel credited for their purchase)."""

    def __init__(self, brand_cfgs: list, dt: float) -> None:
        self.cfg = [b.supply for b in brand_cfgs]
        self.dt = dt
        #: Whether any brand's capacity is finite (else nothing is drawn and nobody waits).
        self.limited = any(c.limited for c in self.cfg)
        self.allowance = np.zeros(len(self.cfg))
        self.queue = [np.empty(0, dtype=np.int64) for _ in self.cfg]
        self.queue_channel = [np.empty(0, dtype=np.int8) for _ in self.cfg]
        #: Whether each person on a list holds an F-code (aligned with `queue`; holders come first).
        self.queue_coded = [np.empty(0, dtype=bool) for _ in self.cfg]

    def waiting(self, b: int) -> int:
        """People waiting for brand b."""
        return len(self.queue[b])

    def start_step(self, people, draws, owners: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """A new step: waiting people may give up, F-codes from the brand's `owners` (people per brand) go to
        the list and move their holders to its front, each brand's allowance grows, and the waiting list is
        served first; returns, per brand, (people served now, their channels)."""
        served, quit_ = [], []
        for b, cfg in enumerate(self.cfg):
            if not cfg.limited:
                served.append((self.queue[b], self.queue_channel[b]))
                continue
            queue, channel, coded = self.queue[b], self.queue_channel[b], self.queue_coded[b]
            if cfg.give_up > 0 and len(queue):
                gives_up = draws.uniform(Purpose.SUPPLY, queue, GIVE_UP_SLOT) < -math.expm1(-cfg.give_up * self.dt)
                quitters = queue[gives_up]
                people.waiting[quitters] = NOT_WAITING
                people.turned_from[quitters] |= np.uint8(1 << b)
                queue, channel, coded = queue[~gives_up], channel[~gives_up], coded[~gives_up]
                quit_.append(quitters)
            if cfg.f_codes_per_owner > 0 and len(queue) and owners[b] > 0:
                rate = cfg.f_codes_per_owner * owners[b] / len(queue)  # codes per person waiting per day
                coded = coded | (draws.uniform(Purpose.SUPPLY, queue, CODE_SLOT) < -math.expm1(-rate * self.dt))
                first = np.argsort(~coded, kind="stable")  # holders first, each group in the order they joined
                queue, channel, coded = queue[first], channel[first], coded[first]
            if len(queue) == 0:
                self.allowance[b] -= math.floor(self.allowance[b])  # unused capacity is lost
            self.allowance[b] += cfg.capacity_per_day * self.dt
            k = min(int(self.allowance[b]), len(queue))
            self.allowance[b] -= k
            served.append((queue[:k], channel[:k]))
            people.waiting[queue[:k]] = NOT_WAITING
            self.queue[b], self.queue_channel[b], self.queue_coded[b] = queue[k:], channel[k:], coded[k:]
        #: Who left a waiting list this step (gave up or served): closed while they waited, open to be moved again.
        self.left_lists = np.concatenate([*quit_, *(who for who, _ in served)]).astype(np.int64)
        return served

    def holders(self, b: int) -> np.ndarray:
        """The people waiting for brand b who hold an F-code."""
        return self.queue[b][self.queue_coded[b]]

    def admit(self, b: int, buyers: np.ndarray, channels: np.ndarray, people, draws) -> tuple[np.ndarray, np.ndarray]:
        """The step's new buyers of brand b: those served now (and their channels); the others, in a random
        order after the waiting list, join its end."""
        cfg = self.cfg[b]
        if not cfg.limited:
            return buyers, channels
        order = draws.order(Purpose.SUPPLY, buyers, ORDER_SLOT)
        buyers, channels = buyers[order], np.broadcast_to(channels, buyers.shape)[order]
        k = min(int(self.allowance[b]), len(buyers)) if len(self.queue[b]) == 0 else 0
        self.allowance[b] -= k
        waiting, waiting_channel = buyers[k:], channels[k:]
        people.waiting[waiting] = b
        self.queue[b] = np.concatenate([self.queue[b], waiting])
        self.queue_channel[b] = np.concatenate([self.queue_channel[b], waiting_channel.astype(np.int8)])
        self.queue_coded[b] = np.concatenate([self.queue_coded[b], np.zeros(len(waiting), dtype=bool)])
        return buyers[:k], channels[:k]
