"""A cheap model of the score that lets evolution choose which candidate to propose.

Cells are described by each pair's state (one-hot) and by the structure that the SAHD score
rewards: spiking convolutions, the LIF layers they create, and the length of the longest chain of
spiking convolutions from the input to the output. A Gaussian process over these descriptors
(squared-exponential kernel) predicts the standardised score with its uncertainty, and candidates
are ranked by expected improvement over the best score seen. Cells asked but not yet answered count
as answered with the predicted mean ("kriging believer"), so one round's proposals spread out.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm

from snasray.cells import OPS, Cell, SearchSpace

NOISE = 0.1  # observation noise variance, in units of the score's variance
MAX_POINTS = 500  # the most recent answers the process is fitted to (its cost grows as their cube)


SPIKING = np.array([op.spiking for op in OPS])


def cell_features(cell: Cell, space: SearchSpace) -> np.ndarray:
    """Pair states one-hot, then structure counts, then one-hot spiking depth and LIF-layer count."""
    return batch_features(cell.array()[None], space)[0]


def batch_features(batch: np.ndarray, space: SearchSpace) -> np.ndarray:
    """`cell_features` of each pruned matrix of a stack, as rows."""
    n, count = space.nodes, len(batch)
    state_index = np.zeros((len(OPS), len(OPS)), dtype=np.int64)
    for k, (forward, backward) in enumerate(space.pair_states()):
        state_index[forward, backward] = k
    pair_part = np.zeros((count, len(space.pairs()), len(space.pair_states())))
    for row, (i, j) in enumerate(space.pairs()):
        pair_part[np.arange(count), row, state_index[batch[:, i, j], batch[:, j, i]]] = 1.0
    spike = SPIKING[batch]
    depth = np.zeros((count, n), dtype=np.int64)  # spiking convolutions on the longest forward path from the input
    for j in range(1, n):
        reach = np.where(batch[:, :j, j] > 0, depth[:, :j] + spike[:, :j, j], 0)
        depth[:, j] = reach.max(axis=1)
    layers = spike.any(axis=2).sum(axis=1)  # source nodes with a spiking consumer: one LIF each
    backward = (np.tril(batch, -1) > 0).sum(axis=(1, 2))
    structure = np.column_stack([spike.sum(axis=(1, 2)), layers, depth[:, -1], depth.max(axis=1), backward])
    return np.concatenate(
        [pair_part.reshape(count, -1), structure, np.eye(n)[depth[:, -1]], np.eye(n + 1)[layers]], axis=1
    )


class GaussianProcess:
    """GP regression on standardised scores; failed cells count as one below the worst seen."""

    def __init__(self) -> None:
        self.features: list[np.ndarray] = []
        self.values: list[float] = []

    def add(self, features: np.ndarray, value: float) -> None:
        self.features.append(features)
        self.values.append(value)

    @property
    def ready(self) -> bool:
        return any(math.isfinite(v) for v in self.values)

    def expected_improvement(self, candidates: np.ndarray, pending: np.ndarray | None = None) -> np.ndarray:
        """Expected improvement of each candidate row over the best answer, given the pending rows."""
        x = np.array(self.features[-MAX_POINTS:])
        y = np.array(self.values[-MAX_POINTS:], dtype=float)
        finite = np.isfinite(y)
        y = np.where(finite, y, y[finite].min() - 1.0)
        z = (y - y.mean()) / (y.std() or 1.0)
        best = z.max()
        if pending is not None and len(pending):
            believed, _ = _posterior(x, z, pending)
            x, z = np.vstack([x, pending]), np.concatenate([z, believed])
        mean, std = _posterior(x, z, candidates)
        gap = mean - best
        ratio = gap / std
        return gap * norm.cdf(ratio) + std * norm.pdf(ratio)


def _kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared-exponential kernel with unit variance and squared lengthscale = feature count."""
    distance = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.exp(-np.maximum(distance, 0.0) / (2.0 * a.shape[1]))


def _posterior(x: np.ndarray, z: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and standard deviation of the latent score at each row of `at`."""
    factor = np.linalg.cholesky(_kernel(x, x) + NOISE * np.eye(len(x)))
    cross = np.linalg.solve(factor, _kernel(x, at))
    weights = np.linalg.solve(factor, z)
    variance = np.maximum(1.0 - (cross * cross).sum(0), 1e-12)
    return cross.T @ weights, np.sqrt(variance)
