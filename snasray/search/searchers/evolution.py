"""Regularized (aging) evolution: tournament selection, one-pair mutation, the oldest dies.

With `screen` on (the default), the child is the parent's one-pair mutant that a Thompson draw of
the score surrogate ranks first among those not yet proposed (`surrogate.py`); with it off, a
uniformly random mutant, mutated again (up to `retries` times) while it repeats a proposal.
Either way the first `population` proposals come from the space's own random sampler, and so does
a child when every candidate was already proposed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

import numpy as np

from snasray.cells import Cell, SearchSpace, mutate, neighbours, sample_cell
from snasray.search.searchers.base import fitness, register
from snasray.search.searchers.surrogate import LinearSurrogate, cell_features


@register("evolution")
class EvolutionSearcher:
    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        population: int = 8,
        tournament: int = 8,
        retries: int = 20,
        screen: bool = True,
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
        self.surrogate = LinearSurrogate() if screen else None

    def ask(self) -> Cell:
        self.asked += 1
        if self.asked <= self.population_size or len(self.population) < self.tournament:
            child = sample_cell(self.space, self.rng)
        elif self.surrogate is not None:
            child = self._screened_child()
        else:
            child = self._random_child()
        self.seen.add(child.canonical_key())
        return child

    def _parent(self) -> Cell:
        members = list(self.population)
        picks = self.rng.choice(len(members), size=self.tournament, replace=False)
        return max((members[i] for i in sorted(picks)), key=lambda m: m[1])[0]

    def _random_child(self) -> Cell:
        child = self._parent()
        for _ in range(self.retries):
            child = mutate(child, self.space, self.rng)
            if child.canonical_key() not in self.seen:
                return child
        return sample_cell(self.space, self.rng)  # the population has converged: restart from the sampler

    def _screened_child(self) -> Cell:
        candidates = self._unseen(neighbours(self._parent(), self.space))
        if not candidates:  # the parent's neighbourhood is spent: widen to the whole population's
            candidates = self._unseen(c for member, _ in self.population for c in neighbours(member, self.space))
        if not candidates:  # every neighbour was proposed: restart from the sampler
            return sample_cell(self.space, self.rng)
        if not self.surrogate.ready:
            return candidates[int(self.rng.integers(len(candidates)))]
        draws = self.surrogate.sample(np.array([cell_features(c, self.space) for c in candidates]), self.rng)
        return candidates[int(np.argmax(draws))]

    def _unseen(self, cells) -> list[Cell]:
        fresh: dict[str, Cell] = {}
        for cell in cells:
            fresh.setdefault(cell.canonical_key(), cell)
        return [cell for key, cell in fresh.items() if key not in self.seen]

    def tell(self, cell: Cell, result: Mapping[str, float]) -> None:
        value = fitness(result)
        self.population.append((cell, value))
        if len(self.population) > self.population_size:
            self.population.popleft()
        if self.surrogate is not None:
            self.surrogate.add(cell_features(cell, self.space), value)
