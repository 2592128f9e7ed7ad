"""The Pareto front of score (maximised) against a spiking cost (minimised)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from snasray.analysis._scores import ranked_cells

COSTS = ("firing_rate", "synops")


def pareto_front(df: pd.DataFrame, cost: str = "firing_rate") -> pd.DataFrame:
    """The distinct cells that no other cell beats on both counts (higher score and lower `cost`), by cost.

    Cells without a finite score or cost are left out; of cells with equal score and cost the first found stays.
    """
    if cost not in COSTS:
        raise ValueError(f"unknown cost {cost!r}; costs are {', '.join(COSTS)}")
    cells = ranked_cells(df)
    cells = cells[np.isfinite(cells[cost].astype(float))]
    cells = cells.sort_values([cost, "score"], ascending=[True, False], kind="stable")
    best = cells["score"].cummax().shift(fill_value=-np.inf)
    return cells[cells["score"] > best].reset_index(drop=True)
