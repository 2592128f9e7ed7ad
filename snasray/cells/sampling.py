"""The paper's sampler and the local moves that evolution uses. Randomness is always injected."""

from __future__ import annotations

import numpy as np

from snasray.cells.cell import Cell
from snasray.cells.space import SearchSpace

MAX_DRAWS = 10_000


def as_rng(seed_or_rng: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    return np.random.default_rng(seed_or_rng)


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


def neighbours(cell: Cell, space: SearchSpace) -> list[Cell]:
    """Every valid cell one pair change away (op or direction), pruned, one per canonical key."""
    base = cell.array()
    own_key = cell.canonical_key()
    seen: dict[str, Cell] = {}
    for pair in space.pairs():
        current = (int(base[pair]), int(base[pair[::-1]]))
        for state in space.pair_states():
            if state == current:
                continue
            candidate = Cell.from_array(_set_pair(base, pair, state)).prune()
            key = candidate.canonical_key()
            if key != own_key and key not in seen and space.violation(candidate) is None:
                seen[key] = candidate
    return list(seen.values())


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
