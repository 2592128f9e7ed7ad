"""Regularized (aging) evolution: tournament selection, mutation, the oldest dies.

With `screen` on (the default), the child is chosen by the score surrogate (`surrogate.py`): among
the tournament winner's neighbours (one-pair mutants), their neighbours and `immigrants` freshly
sampled cells, the one not yet proposed with the highest expected improvement. With it off, the
child is a uniformly random one-pair mutant, mutated again (up to `retries` times) while it repeats a
proposal. Either way the first `population` proposals come from the space's own random sampler, and
so does a child when every candidate was already proposed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from snasray.cells import Cell, SearchSpace, mutate, neighbour_matrices, sample_cell, sample_matrices
from snasray.cells.cell import canonical_forms, first_of_each, matrix_keys
from snasray.search.searchers.base import fitness, register
from snasray.search.searchers.surrogate import GaussianProcess, batch_features, cell_features

PARENTS_CACHED = 16  # parents whose mutants are kept: a tournament winner often wins again


@dataclass
class _Neighbourhood:
    """A parent's neighbours and their neighbours: canonical forms, keys, features, and the surrogate's
    baseline for them, kept until its next answer (a round asks many children of the same parents)."""

    forms: np.ndarray
    keys: list[str]
    features: np.ndarray
    _baseline: tuple[np.ndarray, np.ndarray] | None = None
    _answers: int = -1

    def baseline(self, surrogate: GaussianProcess) -> tuple[np.ndarray, np.ndarray]:
        if self._answers != surrogate.answers:
            self._baseline, self._answers = surrogate.baseline(self.features), surrogate.answers
        return self._baseline


@register("evolution")
class EvolutionSearcher:
    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        population: int = 4,
        tournament: int = 4,
        retries: int = 20,
        screen: bool = True,
        immigrants: int = 300,
        **_: object,
    ) -> None:
        if population < 2 or not 1 <= tournament <= population:
            raise ValueError("evolution needs population >= 2 and 1 <= tournament <= population")
        if immigrants < 0:
            raise ValueError("evolution needs immigrants >= 0")
        self.space, self.rng = space, rng
        self.population_size, self.tournament = population, tournament
        self.population: deque[tuple[Cell, float]] = deque()
        self.asked = 0
        self.retries = retries
        self.immigrants = immigrants
        self.seen: set[str] = set()
        self.surrogate = GaussianProcess() if screen else None
        self.pending: dict[str, np.ndarray] = {}  # asked, not yet told: features by canonical key
        self._near: dict[str, _Neighbourhood] = {}  # neighbours and their neighbours of recent parents, by key

    def ask(self) -> Cell:
        self.asked += 1
        if self.asked <= self.population_size or len(self.population) < self.tournament:
            child = sample_cell(self.space, self.rng)
        elif self.surrogate is not None:
            child = self._screened_child()
        else:
            child = self._random_child()
        key = child.canonical_key()
        self.seen.add(key)
        if self.surrogate is not None:
            self.pending[key] = cell_features(child, self.space)
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
        # small matrices: a single BLAS thread is several times faster than a pool contending for cores
        with threadpool_limits(limits=1, user_api="blas"):
            return self._screen()

    def _screen(self) -> Cell:
        fresh = canonical_forms(sample_matrices(self.space, self.rng, self.immigrants))
        near = self._mutants(self._parent())
        fresh_keys = matrix_keys(fresh)
        chosen = first_of_each(near.keys + fresh_keys, skip=self.seen)
        if not chosen:  # everything near was proposed and the sampler found nothing new
            return sample_cell(self.space, self.rng)
        forms = np.concatenate([near.forms, fresh])[chosen]
        if not self.surrogate.ready:
            return Cell.from_array(forms[int(self.rng.integers(len(forms)))])
        fresh_features = batch_features(fresh, self.space)
        fresh_mean, fresh_half = self.surrogate.baseline(fresh_features)
        near_mean, near_half = near.baseline(self.surrogate)
        baseline = (np.concatenate([near_mean, fresh_mean])[chosen], np.hstack([near_half, fresh_half])[:, chosen])
        features = np.concatenate([near.features, fresh_features])[chosen]
        pending = np.array(list(self.pending.values())) if self.pending else None
        gain = self.surrogate.expected_improvement(features, pending, baseline)
        return Cell.from_array(forms[int(np.argmax(gain))])

    def _mutants(self, parent: Cell) -> _Neighbourhood:
        key = parent.canonical_key()
        if key not in self._near:
            if len(self._near) == PARENTS_CACHED:
                del self._near[next(iter(self._near))]  # the least recently used
            near = neighbour_matrices(parent.array(), self.space)
            forms = canonical_forms(np.concatenate([near, *(neighbour_matrices(m, self.space) for m in near)]))
            keys = matrix_keys(forms)
            unique = first_of_each(keys)
            self._near[key] = _Neighbourhood(
                forms[unique], [keys[i] for i in unique], batch_features(forms[unique], self.space)
            )
        self._near[key] = self._near.pop(key)  # now the most recently used
        return self._near[key]

    def tell(self, cell: Cell, result: Mapping[str, float]) -> None:
        value = fitness(result)
        self.population.append((cell, value))
        if len(self.population) > self.population_size:
            self.population.popleft()
        if self.surrogate is not None:
            features = self.pending.pop(cell.canonical_key(), None)  # computed when it was asked
            self.surrogate.add(cell_features(cell, self.space) if features is None else features, value)
