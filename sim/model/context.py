"""What the parts of one step share: `StepContext`.

`WomModel.step` makes one context per step and passes it to its backend, which hands it to the
agents (`sim.model.agents`). It carries the step's givens (which step and day, the open channels,
the field rates) and what the per-person decisions produce before they are applied together
(posts, used ties, funnel changes, contacts): the step stays synchronous because nothing is
applied until everyone has decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.channels import Channel
from sim.model.funnel import Contacts


@dataclass
class StepContext:
    """One step's givens and pending results.

    `step` k (1-based) covers days (k-1)*dt to k*dt; `day` is its start (days). `field_rates` are the
    per-day rates of advertising, well-mixed positive and well-mixed negative talk
    (`WomModel.field_rates`). The per-agent backend collects `posts` (channel name -> people posting),
    `ties` (channel name -> tie ids read along) and `changes` ((person, new state, aware channel,
    adoption channel) per person whose state changes); the vector backend collects `contacts`.
    """

    step: int
    day: float
    channels: list[Channel]
    field_rates: tuple[float, float, float]
    posts: dict[str, list[int]] = field(default_factory=dict)
    ties: dict[str, list[int]] = field(default_factory=dict)
    changes: list[tuple[int, int, int, int]] = field(default_factory=list)
    contacts: Contacts = field(default_factory=Contacts)
    #: The per-agent backend's talk weight of every person this step (0 for who has not started talking),
    #: found for everyone at once before the consumers decide one by one.
    talk_weights: np.ndarray | None = None
    #: The talk weight of an aware person passing the meme on this step (None: no meme running).
    meme_boost: float | None = None
