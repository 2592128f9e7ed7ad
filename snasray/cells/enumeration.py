"""Exhaustive enumeration of a space: counts and the distinct canonical cells."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from snasray.cells.cell import Cell, _encode, canonical_batch, prune_batch
from snasray.cells.space import SearchSpace

MAX_RAW = 20_000_000
CHUNK = 500_000


@dataclass(frozen=True)
class SpaceCounts:
    raw: int  # matrices the sampler can draw before pruning
    valid: int  # of those, the ones whose pruned form belongs to the space
    distinct: int  # distinct pruned matrices among the valid
    canonical: int  # distinct canonical keys among the valid


def raw_count(space: SearchSpace) -> int:
    return len(space.pair_states()) ** len(space.pairs())


def _raw_chunks(space: SearchSpace):
    states = np.array(space.pair_states(), dtype=np.int64)
    pairs = space.pairs()
    total = raw_count(space)
    radix = len(states)
    for start in range(0, total, CHUNK):
        index = np.arange(start, min(start + CHUNK, total), dtype=np.int64)
        batch = np.zeros((len(index), space.nodes, space.nodes), dtype=np.int64)
        for i, j in reversed(pairs):
            chosen = states[index % radix]
            batch[:, i, j], batch[:, j, i] = chosen[:, 0], chosen[:, 1]
            index //= radix
        yield batch


def _valid_pruned(space: SearchSpace):
    total = raw_count(space)
    if total > MAX_RAW:
        raise ValueError(f"space {space.name} has {total:,} raw matrices; enumeration stops at {MAX_RAW:,}")
    for batch in _raw_chunks(space):
        pruned = prune_batch(batch)
        yield pruned[space.holds(pruned)]


def count_space(space: SearchSpace) -> SpaceCounts:
    valid = 0
    distinct: set[int] = set()
    canonical: set[int] = set()
    for pruned in _valid_pruned(space):
        valid += len(pruned)
        distinct.update(np.unique(_encode(pruned)).tolist())
        canonical.update(np.unique(_encode(canonical_batch(pruned))).tolist())
    return SpaceCounts(raw_count(space), valid, len(distinct), len(canonical))


def canonical_cells(space: SearchSpace) -> list[Cell]:
    """Every distinct canonical cell of the space, in key order."""
    found: dict[int, np.ndarray] = {}
    for pruned in _valid_pruned(space):
        canon = canonical_batch(pruned)
        codes, first = np.unique(_encode(canon), return_index=True)
        for code, idx in zip(codes.tolist(), first.tolist(), strict=False):
            found.setdefault(code, canon[idx])
    return [Cell.from_array(found[code]) for code in sorted(found)]
