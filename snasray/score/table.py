"""The `table` scorer: looks scores up in a precomputed table (key, score; optional firing_rate, synops,
spikes_per_image, params: NaN or 0 where the table lacks them).

Tables made by ``benchmarks/make_score_table.py`` ship in ``snasray/tables/``; they let searchers be
compared over many seeds at no scoring cost. A cell missing from the table is an error.
"""

from __future__ import annotations

import math
import time
from importlib import resources
from pathlib import Path

import pandas as pd

from snasray.cells import Cell
from snasray.score.scorer import ScoreResult

_SHIPPED = resources.files("snasray") / "tables"


def shipped_tables() -> list[str]:
    return sorted(p.name[: -len(".parquet")] for p in _SHIPPED.iterdir() if p.name.endswith(".parquet"))


def table_path(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped = _SHIPPED / f"{name_or_path}.parquet"
    if shipped.is_file():
        return Path(str(shipped))
    raise ValueError(f"unknown score table {name_or_path!r}; shipped tables are {', '.join(shipped_tables())}")


class TableScorer:
    def __init__(self, name_or_path: str) -> None:
        frame = pd.read_parquet(table_path(name_or_path))
        missing = {"key", "score"} - set(frame.columns)
        if missing:
            raise ValueError(f"score table {name_or_path} lacks columns {sorted(missing)}")
        self.frame = frame.set_index("key")

    def score(self, cell: Cell, seed: int) -> ScoreResult:
        start = time.perf_counter()
        key = cell.canonical_key()
        if key not in self.frame.index:
            raise ValueError(f"cell {key} is not in the score table")
        row = self.frame.loc[key]
        value = float(row["score"])
        return ScoreResult(
            cell=str(cell),
            key=key,
            seed=seed,
            score=value,
            repeat_scores=(value,),
            firing_rate=float(row.get("firing_rate", math.nan)),
            params=int(row.get("params", 0)),
            synops=float(row.get("synops", math.nan)),
            spikes_per_image=float(row.get("spikes_per_image", math.nan)),
            seconds=time.perf_counter() - start,
        )
