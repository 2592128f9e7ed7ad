"""What the best cells are made of: ops on their edges and how many edges go backward in time."""

from __future__ import annotations

import pandas as pd

from snasray.analysis._scores import ranked_cells
from snasray.cells import OPS, Cell, Op

EDGE_OPS = tuple(op.name for op in OPS if op.id)  # every op but "none"


def top_cell_stats(df: pd.DataFrame, k: int = 10, ops: tuple[Op, ...] = OPS) -> pd.DataFrame:
    """One row per cell among the k best-scored distinct cells: rank, key, score, firing_rate, synops, params,
    edges, forward_edges, backward_edges and one count column per op of `ops` but none (the built-in table: skip,
    conv1x1, ...; a space's own: `SearchSpace.op_table`)."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    edge_ops = tuple(op.name for op in ops if op.id)
    rows = []
    for rank, row in enumerate(ranked_cells(df).head(k).itertuples(index=False), 1):
        cell = Cell.parse(row.key)
        edges = cell.edges()
        counts = dict.fromkeys(edge_ops, 0)
        for _, _, op in edges:
            counts[ops[op].name] += 1
        rows.append(
            {
                "rank": rank,
                "key": row.key,
                "score": row.score,
                "firing_rate": row.firing_rate,
                "synops": row.synops,
                "params": row.params,
                "edges": len(edges),
                "forward_edges": len(cell.forward_edges()),
                "backward_edges": len(cell.backward_edges()),
                **counts,
            }
        )
    columns = ["rank", "key", "score", "firing_rate", "synops", "params", "edges", "forward_edges", "backward_edges"]
    return pd.DataFrame(rows, columns=[*columns, *edge_ops])


_FIXED = ("rank", "key", "score", "firing_rate", "synops", "params", "edges", "forward_edges", "backward_edges")


def op_frequencies(stats: pd.DataFrame) -> pd.Series:
    """The share of each op among all edges of the cells in `stats` (from `top_cell_stats`: its op columns)."""
    total = stats["edges"].sum()
    counts = stats[[c for c in stats.columns if c not in _FIXED]].sum()
    return (counts / total if total else counts.astype(float)).rename("share")
