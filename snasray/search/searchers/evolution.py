"""Regularized (aging) evolution: tournament selection, one-pair mutation, the oldest dies."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

import numpy as np

from snasray.cells import Cell, SearchSpace, mutate, sample_cell
from snasray.search.searchers.base import fitness, register


@register("evolution")
class EvolutionSearcher:
    def __init__(
        self, space: SearchSpace, rng: np.random.Generator, population: int = 20, tournament: int = 5, **_: object
    ) -> None:
        if population < 2 or not 1 <= tournament <= population:
            raise ValueError("evolution needs population >= 2 and 1 <= tournament <= population")
        self.space, self.rng = space, rng
        self.population_size, self.tournament = population, tournament
        self.population: deque[tuple[Cell, float]] = deque()
        self.asked = 0

    def ask(self) -> Cell:
        self.asked += 1
        if self.asked <= self.population_size or len(self.population) < self.tournament:
            return sample_cell(self.space, self.rng)
        members = list(self.population)
        picks = self.rng.choice(len(members), size=self.tournament, replace=False)
        parent = max((members[i] for i in sorted(picks)), key=lambda m: m[1])[0]
        return mutate(parent, self.space, self.rng)

    def tell(self, cell: Cell, result: Mapping[str, float]) -> None:
        self.population.append((cell, fitness(result)))
        if len(self.population) > self.population_size:
            self.population.popleft()
