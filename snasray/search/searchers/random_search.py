"""The paper's searcher: independent draws from the space's sampler."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from snasray.cells import Cell, SearchSpace, sample_cell
from snasray.search.searchers.base import register


@register("random")
class RandomSearcher:
    def __init__(self, space: SearchSpace, rng: np.random.Generator, **_: object) -> None:
        self.space, self.rng = space, rng

    def ask(self) -> Cell:
        return sample_cell(self.space, self.rng)

    def tell(self, cell: Cell, result: Mapping[str, float]) -> None:
        pass  # random search learns nothing
