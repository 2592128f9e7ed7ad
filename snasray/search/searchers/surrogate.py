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
from scipy.linalg import cho_solve, cholesky, solve_triangular
from scipy.special import ndtr

from snasray.cells import OPS, Cell, SearchSpace
from snasray.cells.cell import canonical_forms

NOISE = 0.1  # observation noise variance, in units of the score's variance
MAX_POINTS = 300  # the most recent answers the process is fitted to (its cost grows as their cube)
MAX_PENDING = 50  # the latest cells still being scored that shrink the uncertainty near them


SPIKING = np.array([op.spiking for op in OPS])


def cell_features(cell: Cell, space: SearchSpace) -> np.ndarray:
    """Features of the cell's canonical form, so that equivalent cells share them: pair states one-hot,
    then structure counts, then one-hot spiking depth and LIF-layer count."""
    return batch_features(canonical_forms(cell.array()[None]), space)[0]


def batch_features(batch: np.ndarray, space: SearchSpace) -> np.ndarray:
    """`cell_features` of each matrix of a stack of canonical forms, as rows."""
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
        [
            pair_part.reshape(count, pair_part.shape[1] * pair_part.shape[2]),
            structure,
            np.eye(n)[depth[:, -1]],
            np.eye(n + 1)[layers],
        ],
        axis=1,
    )


class GaussianProcess:
    """GP regression on standardised scores; failed cells count as one below the worst seen."""

    def __init__(self) -> None:
        self.features: list[np.ndarray] = []
        self.values: list[float] = []
        self._fit: tuple[np.ndarray, np.ndarray, np.ndarray, float] | None = None  # until the next answer

    def add(self, features: np.ndarray, value: float) -> None:
        self.features.append(features)
        self.values.append(value)
        self._fit = None

    @property
    def ready(self) -> bool:
        return any(math.isfinite(v) for v in self.values)

    def _answered(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Rows, Cholesky factor and weights of the fitted window, and the best answer standardised."""
        if self._fit is None:
            values = np.array(self.values, dtype=float)
            finite = np.isfinite(values)
            y = np.where(finite, values, values[finite].min() - 1.0)[-MAX_POINTS:]
            x = np.array(self.features[-MAX_POINTS:])
            centre, scale = y.mean(), y.std() or 1.0
            factor = _factor(x)
            weights = cho_solve((factor, True), (y - centre) / scale)
            self._fit = (x, factor, weights, (values[finite].max() - centre) / scale)
        return self._fit

    @property
    def answers(self) -> int:
        return len(self.values)

    def baseline(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and whitened cross-covariance of the candidate rows given the answers alone; valid until
        the next answer, so a caller may keep them for candidates it will rank again."""
        x, factor, weights, _ = self._answered()
        cross = _kernel(x, candidates)
        return cross.T @ weights, solve_triangular(factor, cross, lower=True)

    def expected_improvement(
        self,
        candidates: np.ndarray,
        pending: np.ndarray | None = None,
        baseline: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Expected improvement of each candidate row over the best answer, given the pending rows.

        Pending rows count as answered with the predicted mean (kriging believer): that leaves the mean
        where it is and shrinks the uncertainty near them. Only the `MAX_PENDING` latest are used.
        """
        x, factor, _, best = self._answered()
        mean, half = baseline if baseline is not None else self.baseline(candidates)
        variance = 1.0 - (half * half).sum(0)
        if pending is not None and len(pending):  # condition on the pending rows too, by a block update
            rows = pending[-MAX_PENDING:]
            link = solve_triangular(factor, _kernel(x, rows), lower=True)
            inner = cholesky(_kernel(rows, rows) + NOISE * np.eye(len(rows)) - link.T @ link, lower=True)
            extra = solve_triangular(inner, _kernel(rows, candidates) - link.T @ half, lower=True)
            variance -= (extra * extra).sum(0)
        std = np.sqrt(np.maximum(variance, 1e-12))
        gap = mean - best
        ratio = gap / std
        return gap * ndtr(ratio) + std * np.exp(-0.5 * ratio**2) / math.sqrt(2.0 * math.pi)


def _kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared-exponential kernel with unit variance and squared lengthscale = feature count."""
    distance = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.exp(-np.maximum(distance, 0.0) / (2.0 * a.shape[1]))


def _factor(x: np.ndarray) -> np.ndarray:
    """Lower Cholesky factor of the kernel matrix of the rows plus observation noise."""
    return cholesky(_kernel(x, x) + NOISE * np.eye(len(x)), lower=True)
