"""Regularized (aging) evolution: tournament selection, one-pair mutation, the oldest dies.

Children the searcher has already proposed are mutated again (up to `retries` times), so that a
converged population keeps exploring instead of re-proposing cells whose score is known.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

import numpy as np

from snasray.cells import Cell, SearchSpace, mutate, sample_cell
from snasray.search.searchers.base import fitness, register


@register("evolution")
class EvolutionSearcher:
    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        population: int = 16,
        tournament: int = 8,
        retries: int = 20,
        **_: object,
    ) -> None:
        if population < 2 or not 1 <= tournament <= population:
            raise ValueError("evolution needs population >= 2 and 1 <= tournament <= population")
        self.space, self.rng = space, rng
        self.population_size, self.tournament = population, tournament
        self.population: deque[tuple[Cell, float]] = deque()
        self.asked = 0
        self.retries = retries
        self.seen: set[str] = set()

    def ask(self) -> Cell:
        self.asked += 1
        if self.asked <= self.population_size or len(self.population) < self.tournament:
            child = sample_cell(self.space, self.rng)
        else:
            members = list(self.population)
            picks = self.rng.choice(len(members), size=self.tournament, replace=False)
            child = max((members[i] for i in sorted(picks)), key=lambda m: m[1])[0]
            for _ in range(self.retries):
                child = mutate(child, self.space, self.rng)
                if child.canonical_key() not in self.seen:
                    break
        self.seen.add(child.canonical_key())
        return child

    def tell(self, cell: Cell, result: Mapping[str, float]) -> None:
        self.population.append((cell, fitness(result)))
        if len(self.population) > self.population_size:
            self.population.popleft()
