"""The paper's sampler and the local moves that evolution uses. Randomness is always injected."""

from __future__ import annotations

import numpy as np

from snasray.cells.cell import Cell, canonical_keys, first_of_each, prune_batch
from snasray.cells.space import SearchSpace
from snasray.limits import check_seed

MAX_DRAWS = 10_000


def as_rng(seed_or_rng: int | np.random.Generator | None) -> np.random.Generator:
    """The generator itself, or a new one from a seed (ValueError unless in 0..MAX_SEED), or unseeded for None."""
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    return np.random.default_rng(None if seed_or_rng is None else check_seed(seed_or_rng))


def draw_raw(space: SearchSpace, rng: np.random.Generator) -> np.ndarray:
    """One unpruned matrix: per pair, a fair coin for the direction (backward spaces) and a uniform op."""
    matrix = np.zeros((space.nodes, space.nodes), dtype=np.int64)
    ops = np.array(space.ops)
    for i, j in space.pairs():
        backward = space.allows_backward and bool(rng.integers(2))
        op = int(rng.choice(ops))
        if backward:
            matrix[j, i] = op
        else:
            matrix[i, j] = op
    return matrix


def sample_cell(space: SearchSpace, rng: np.random.Generator) -> Cell:
    """Draw, prune, and draw again until the cell belongs to the space (as the released code does)."""
    for _ in range(MAX_DRAWS):
        cell = Cell.from_array(draw_raw(space, rng)).prune()
        if space.violation(cell) is None:
            return cell
    raise ValueError(f"space {space.name}: no valid cell in {MAX_DRAWS} draws")


def _set_pair(matrix: np.ndarray, pair: tuple[int, int], state: tuple[int, int]) -> np.ndarray:
    out = matrix.copy()
    i, j = pair
    out[i, j], out[j, i] = state
    return out


def sample_matrices(space: SearchSpace, rng: np.random.Generator, count: int) -> np.ndarray:
    """`count` cells drawn as `sample_cell` draws them (pruned, redrawn until valid), as one stack."""
    pairs, ops = space.pairs(), np.array(space.ops)
    found = [np.zeros((0, space.nodes, space.nodes), dtype=np.int64)]
    for _ in range(MAX_DRAWS):
        if sum(map(len, found)) >= count:
            return np.concatenate(found)[:count]
        chosen = rng.choice(ops, size=(count, len(pairs)))
        backward = rng.integers(2, size=(count, len(pairs))).astype(bool) & space.allows_backward
        raw = np.zeros((count, space.nodes, space.nodes), dtype=np.int64)
        for k, (i, j) in enumerate(pairs):
            raw[:, i, j] = np.where(backward[:, k], 0, chosen[:, k])
            raw[:, j, i] = np.where(backward[:, k], chosen[:, k], 0)
        pruned = prune_batch(raw)
        found.append(pruned[space.holds(pruned)])
    raise ValueError(f"space {space.name}: too few valid cells in {MAX_DRAWS} batches of draws")


def neighbour_matrices(matrix: np.ndarray, space: SearchSpace) -> np.ndarray:
    """Every valid matrix one pair change away (op or direction), pruned, one per canonical key."""
    changed = [
        _set_pair(matrix, pair, state)
        for pair in space.pairs()
        for state in space.pair_states()
        if state != (int(matrix[pair]), int(matrix[pair[::-1]]))
    ]
    pruned = prune_batch(np.stack(changed))
    pruned = pruned[space.holds(pruned)]
    own_key, *keys = canonical_keys(np.concatenate([matrix[None], pruned]))
    return pruned[first_of_each(keys, skip={own_key})]


def neighbours(cell: Cell, space: SearchSpace) -> list[Cell]:
    """Every valid cell one pair change away (op or direction), pruned, one per canonical key."""
    return [Cell.from_array(m) for m in neighbour_matrices(cell.array(), space)]


def mutate(cell: Cell, space: SearchSpace, rng: np.random.Generator) -> Cell:
    """Change one random pair's op or direction; redraw until the result is valid and new."""
    base = cell.array()
    own_key = cell.canonical_key()
    pairs = space.pairs()
    states = space.pair_states()
    for _ in range(MAX_DRAWS):
        pair = pairs[int(rng.integers(len(pairs)))]
        current = (int(base[pair]), int(base[pair[::-1]]))
        options = [s for s in states if s != current]
        candidate = Cell.from_array(_set_pair(base, pair, options[int(rng.integers(len(options)))])).prune()
        if space.violation(candidate) is None and candidate.canonical_key() != own_key:
            return candidate
    raise ValueError(f"cell {cell} has no valid mutation in space {space.name}")
