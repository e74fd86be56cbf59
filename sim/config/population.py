"""Who lives in a scenario: the population (the public, employees, official accounts) and the seed users."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.config.limits import MAX_POPULATION, MAX_TEXT
from sim.config.section import Section


class PopulationConfig(Section):
    """Who lives in the model: the public, employees and the brand's official accounts."""

    size: int = Field(10_000, ge=1, le=MAX_POPULATION, description="Number of people (agents).")
    employees: int = Field(
        0,
        ge=0,
        le=MAX_POPULATION,
        description="Employees; they start as fans (the seed's 'employees become fans first').",
    )
    official_accounts: int = Field(1, ge=0, le=1000, description="Brand official accounts that post on the channels.")
    cities: int = Field(10, ge=1, le=MAX_POPULATION, description="Cities people live in (used by offline meetups).")

    @model_validator(mode="after")
    def _employees_fit(self) -> PopulationConfig:
        if self.employees > self.size:
            raise ValueError(f"population.employees ({self.employees}) cannot exceed population.size ({self.size})")
        return self


#: Betweenness seeding (`seed_users.choice = "betweenness"`): exact up to BETWEENNESS_EXACT people, estimated
#: from BETWEENNESS_SOURCES source people above (networkx, pure Python: about 0.1 s per source at 20,000
#: people), refused above MAX_BETWEENNESS_PEOPLE.
BETWEENNESS_EXACT = 500
BETWEENNESS_SOURCES = 100
MAX_BETWEENNESS_PEOPLE = 20_000


class SeedUsersConfig(Section):
    """The core users who have the product on day 0 (MIUI: 100 forum users)."""

    count: int = Field(100, ge=0, le=MAX_POPULATION, description="Number of seed users (people).")
    choice: Literal["random", "hubs", "betweenness", "community", "graph_community"] = Field(
        "random",
        description="'random': uniform; 'hubs': highest degree over all layers; 'betweenness': highest "
        f"betweenness on the offline network (at most {MAX_BETWEENNESS_PEOPLE:,} people); "
        "'community': members of the named community (forum geeks); 'graph_community': members of a "
        "community of a real offline graph (its nodes' `community` label, e.g. a karate faction).",
    )
    community: Literal["forum", "wechat"] = Field(
        "forum", description="The community seed users are chosen in when choice = 'community'."
    )
    graph_community: str | None = Field(
        None,
        max_length=MAX_TEXT,
        description="The real graph's community seed users are chosen in when choice = 'graph_community' "
        "(karate: 'Mr. Hi' or 'Officer').",
    )
