"""The sweep: every distinct canonical cell of a space once, in a seeded random order, then done."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from snasray.cells import Cell, SearchSpace, canonical_cells
from snasray.search.searchers.base import register


@register("sweep")
class SweepSearcher:
    """Proposes each canonical cell of the space (`canonical_cells`) once, in an order drawn from `rng`, so that a
    sweep stopped early has scored a uniform sample of the space's distinct cells; then repeats its last cell,
    which the search loop counts as the space exhausted. The budget that covers the space is
    ``snasray space count``'s canonical count. Raises ValueError for a space too large to enumerate."""

    def __init__(self, space: SearchSpace, rng: np.random.Generator, **_: object) -> None:
        cells = canonical_cells(space)
        self._cells = [cells[i] for i in rng.permutation(len(cells))]
        self._next = 0

    def ask(self) -> Cell:
        cell = self._cells[min(self._next, len(self._cells) - 1)]
        self._next += 1
        return cell

    def tell(self, cell: Cell, result: Mapping[str, float]) -> None:
        pass  # a sweep learns nothing
