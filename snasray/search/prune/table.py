"""The supernet table: one row per scored supernet of a pruning search, in ``RUN_DIR/_supernets/``.

Part files ``supernets-*.parquet`` (`snasray.parts`: each written whole under a temporary name, then renamed,
so a crash never leaves a damaged part), one per scored supernet. The folder starts with "_", so
``pandas.read_parquet(run_dir)`` (the cell store) skips it; read it with ``pandas.read_parquet(run_dir /
"_supernets")`` or `SupernetTable.read`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa

from snasray.parts import normalise_row, read_parts, write_part

SUPERNET_SCHEMA_VERSION = 1
FOLDER = "_supernets"
SUPERNET_SCHEMA = pa.schema(
    [
        ("schema_version", pa.int16()),
        ("run_id", pa.string()),
        ("space", pa.string()),
        ("config_hash", pa.string()),  # the ScoreConfig's, as in the cell store
        ("dataset", pa.string()),
        ("preset", pa.string()),
        ("seed", pa.int64()),  # the search's seed
        ("restart", pa.int32()),  # which pruning search of the run (0 first)
        ("restart_seed", pa.int64()),  # its seed: the supernets' initialisation
        ("round", pa.int32()),  # pruning round of the restart (0 first)
        ("node_i", pa.int8()),  # the node pair i < j the state was removed from
        ("node_j", pa.int8()),
        ("removed", pa.int16()),  # the removed state: +op forward i -> j, -op backward j -> i, 0 none
        ("removed_op", pa.string()),  # its op name
        ("key", pa.string()),  # the scored supernet: the states alive on every pair (Mixture.key)
        ("mode", pa.string()),  # "train" or "eval": the network's mode while scored
        ("batches", pa.string()),  # "fixed" or "fresh"
        ("dead", pa.string()),  # "keep" or "prune": ops of nodes cut off from the input or output kept or left out
        ("batch_seed", pa.int64()),  # the seed of its score batches
        ("score", pa.float64()),  # mean log|det K| over repeats; -inf singular, nan failed
        ("repeat_scores", pa.list_(pa.float64())),
        ("firing_rate", pa.float64()),
        ("synops", pa.float64()),
        ("spikes_per_image", pa.float64()),
        ("params", pa.int64()),
        ("seconds", pa.float64()),  # scoring time, network build included
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("status", pa.string()),  # "ok" or "error"
        ("error", pa.string()),
    ]
)
IDENTITY = ("config_hash", "mode", "batches", "dead", "restart_seed", "key")  # what a supernet score is a function of


class SupernetTable:
    def __init__(self, run_dir: str | Path) -> None:
        self.folder = Path(run_dir) / FOLDER

    def append(self, row: Mapping) -> Path:
        """Write one row as its own part. Raises OSError when the folder cannot be written."""
        return write_part(
            self.folder, [normalise_row(row, SUPERNET_SCHEMA, SUPERNET_SCHEMA_VERSION)], SUPERNET_SCHEMA, "supernets"
        )

    def has_rows(self) -> bool:
        """Whether any supernet was stored (a part file exists)."""
        return self.folder.is_dir() and any(self.folder.glob("supernets-*.parquet"))

    def read(self) -> pd.DataFrame:
        """Every row, in the order of the parts. Raises ValueError for an unreadable part."""
        return read_parts(self.folder, SUPERNET_SCHEMA, "supernets")

    def index(self) -> dict[tuple, dict]:
        """The rows that scored without error, by `IDENTITY` (the last written of each)."""
        frame = self.read()
        frame = frame[frame["status"] == "ok"]
        return {tuple(row[c] for c in IDENTITY): row for row in frame.to_dict("records")}
