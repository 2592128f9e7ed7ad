"""A cheap model of the score that lets evolution choose which mutant to propose.

Cells are described by each pair's state (one-hot) and by the structure that the SAHD score
rewards: spiking convolutions, the LIF layers they create, and the length of the longest chain of
spiking convolutions from the input to the output. A Bayesian ridge regression over these
descriptors is refitted after every tell; `sample` draws one set of weights from its posterior
(Thompson sampling), so the choice is greedy where the model is sure and exploratory where it is not.
"""

from __future__ import annotations

import math

import numpy as np

from snasray.cells import Cell, SearchSpace, op_by_id

RIDGE = 1.0
JITTER = 1e-9


def cell_features(cell: Cell, space: SearchSpace) -> np.ndarray:
    """Pair states one-hot, then structure counts, then one-hot spiking depth and LIF-layer count."""
    a = cell.array()
    n = space.nodes
    states = {state: k for k, state in enumerate(space.pair_states())}
    pair_part = np.zeros((len(space.pairs()), len(states)))
    for row, (i, j) in enumerate(space.pairs()):
        pair_part[row, states[(int(a[i, j]), int(a[j, i]))]] = 1.0
    spike = np.array([[op_by_id(int(a[i, j])).spiking for j in range(n)] for i in range(n)])
    depth = np.zeros(n, dtype=int)  # spiking convolutions on the longest forward path from the input
    for j in range(1, n):
        depth[j] = max((depth[i] + spike[i, j] for i in range(j) if a[i, j]), default=0)
    layers = int(spike.any(axis=1).sum())  # source nodes with a spiking consumer: one LIF each
    structure = [spike.sum(), layers, depth[-1], depth.max(), np.count_nonzero(np.tril(a, -1))]
    return np.concatenate([pair_part.ravel(), structure, np.eye(n)[depth[-1]], np.eye(n + 1)[layers]])


class LinearSurrogate:
    """Bayesian ridge regression on standardised scores; failed cells count as the worst seen."""

    def __init__(self) -> None:
        self.features: list[np.ndarray] = []
        self.values: list[float] = []
        self._posterior: tuple[np.ndarray, np.ndarray] | None = None

    def add(self, features: np.ndarray, value: float) -> None:
        self.features.append(features)
        self.values.append(value)
        self._posterior = None

    @property
    def ready(self) -> bool:
        return any(math.isfinite(v) for v in self.values)

    def posterior(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and Cholesky factor of the weights' covariance (features with a bias column)."""
        if self._posterior is None:
            x = np.column_stack([np.array(self.features), np.ones(len(self.features))])
            y = np.array(self.values, dtype=float)
            finite = np.isfinite(y)
            y = np.where(finite, y, y[finite].min() - 1.0)
            z = (y - y.mean()) / (y.std() or 1.0)
            precision = x.T @ x + RIDGE * np.eye(x.shape[1])
            covariance = np.linalg.inv(precision)
            mean = covariance @ x.T @ z
            residual = z - x @ mean
            noise = max(float(residual @ residual) / len(z), 1e-3)
            factor = np.linalg.cholesky(noise * covariance + JITTER * np.eye(len(mean)))
            self._posterior = (mean, factor)
        return self._posterior

    def sample(self, candidates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One Thompson draw of the standardised score of each candidate row."""
        mean, factor = self.posterior()
        weights = mean + factor @ rng.standard_normal(len(mean))
        return np.column_stack([candidates, np.ones(len(candidates))]) @ weights
